//! `ccx_error`: what went wrong, as an owned object the caller frees. Never a
//! thread-local "last error" (unsafe with goroutines).

use std::time::Duration;

use super::code::ccx_code;
use super::types::ccx_str;

/// An error returned through a `ccx_error **err_out` argument: code, message, HTTP
/// status, retryable flag, retry-after hint and (for HTTP errors) the response body.
/// Immutable; may be read from any thread; free with `ccx_error_free`.
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct ccx_error {
    pub(crate) code: ccx_code,
    pub(crate) message: String,
    pub(crate) status: u16,
    pub(crate) retryable: bool,
    pub(crate) retry_after_ms: u64,
    pub(crate) body: String,
}

impl ccx_error {
    pub(crate) fn new(code: ccx_code, message: impl Into<String>) -> ccx_error {
        ccx_error {
            code,
            message: message.into(),
            status: 0,
            retryable: false,
            retry_after_ms: 0,
            body: String::new(),
        }
    }

    pub(crate) fn null(param: &str) -> ccx_error {
        ccx_error::new(ccx_code::NullParameter, format!("argument `{param}` is NULL"))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ccx_error {
        ccx_error::new(ccx_code::InvalidParameter, message)
    }
}

/// A refused argument (`CCX_CODE_INVALID_JSON` or `CCX_CODE_INVALID_PARAMETER`) or the
/// call's error.
impl From<super::convert::Bad> for ccx_error {
    fn from(b: super::convert::Bad) -> ccx_error {
        match b {
            super::convert::Bad::Json(m) => ccx_error::new(ccx_code::InvalidJson, m),
            super::convert::Bad::Param(m) => ccx_error::invalid(m),
            super::convert::Bad::Api(e) => e.into(),
        }
    }
}

impl From<crate::Error> for ccx_error {
    fn from(e: crate::Error) -> ccx_error {
        let body = match e.kind() {
            crate::ErrorKind::Http { raw, .. } => raw.clone(),
            _ => String::new(),
        };
        ccx_error {
            code: ccx_code::from_kind(e.kind()),
            status: e.status().unwrap_or(0),
            retryable: e.is_retryable(),
            retry_after_ms: e
                .retry_after()
                .map_or(0, |d: Duration| d.as_millis().min(u64::MAX as u128) as u64),
            message: e.to_string(),
            body,
        }
    }
}

/// Free an error received through an `err_out` argument.
///
/// Parameters: `err` may be NULL (nothing happens).
///
/// Ownership: `err` and every `ccx_str` read from it (`ccx_error_message`,
/// `ccx_error_body`) are invalid afterwards.
///
/// Thread safety: no other thread may be reading `err` during or after the call.
///
/// Returns: nothing.
///
/// # Safety
/// `err` is NULL or came from this library and was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_free(err: *mut ccx_error) {
    if !err.is_null() {
        // SAFETY: caller contract.
        unsafe { super::boundary::free_box(err) };
    }
}

/// Read one field of an error into `out`.
fn get<T>(err: *const ccx_error, out: *mut T, f: impl FnOnce(&ccx_error) -> T) -> ccx_code {
    super::boundary::guard(std::ptr::null_mut(), || {
        // SAFETY: documented on every getter: `err` is NULL or live, `out` NULL or writable.
        let e = unsafe { super::boundary::arg(err, "err")? };
        let o = unsafe { super::boundary::out(out, "out")? };
        *o = f(e);
        Ok(())
    })
}

/// The error's code.
///
/// Parameters: `err` and `out` are required; `*out` receives the code.
///
/// Ownership: nothing to free; `*out` is a plain value.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_code(err: *const ccx_error, out: *mut ccx_code) -> ccx_code {
    get(err, out, |e| e.code)
}

/// The error's message, in English.
///
/// Parameters: `err` and `out` are required; `*out` receives the message (UTF-8, not
/// NUL-terminated).
///
/// Ownership: the `ccx_str` borrows from `err`: valid until `ccx_error_free(err)`, never
/// freed by the caller.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_message(err: *const ccx_error, out: *mut ccx_str) -> ccx_code {
    get(err, out, |e| ccx_str::of(&e.message))
}

/// The HTTP status of a `CCX_CODE_HTTP_STATUS` or `CCX_CODE_AUTH` error, or the proxy's
/// status of a `CCX_CODE_PROXY` error.
///
/// Parameters: `err` and `out` are required; `*out` receives the status, or 0 for other
/// errors.
///
/// Ownership: nothing to free; `*out` is a plain value.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_http_status(err: *const ccx_error, out: *mut u16) -> ccx_code {
    get(err, out, |e| e.status)
}

/// Whether trying the same call again later may succeed.
///
/// Parameters: `err` and `out` are required; `*out` receives the answer.
///
/// Ownership: nothing to free; `*out` is a plain value.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_is_retryable(err: *const ccx_error, out: *mut bool) -> ccx_code {
    get(err, out, |e| e.retryable)
}

/// How long the server, the rate limiter or the breaker asked to wait, in ms.
///
/// Parameters: `err` and `out` are required; `*out` receives the wait, or 0 when there is
/// no hint.
///
/// Ownership: nothing to free; `*out` is a plain value.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_retry_after_ms(err: *const ccx_error, out: *mut u64) -> ccx_code {
    get(err, out, |e| e.retry_after_ms)
}

/// The raw response body of an HTTP error (the API's `ErrorResponse` JSON).
///
/// Parameters: `err` and `out` are required; `*out` receives the body (not NUL-terminated),
/// empty for other errors.
///
/// Ownership: the `ccx_str` borrows from `err`: valid until `ccx_error_free(err)`, never
/// freed by the caller.
///
/// Thread safety: safe from any thread; an error is immutable and may be read by several
/// threads at once until it is freed.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `err` or `out` (`*out`
/// is then not written).
///
/// # Safety
/// `err` is NULL or a live `ccx_error`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_error_body(err: *const ccx_error, out: *mut ccx_str) -> ccx_code {
    get(err, out, |e| ccx_str::of(&e.body))
}
