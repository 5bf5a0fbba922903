//! Per-call options (cancel token, caller's trace) and the cancel token.

use std::ffi::c_char;

use super::boundary::{arg, arg_mut, guard, out, string};
use super::code::ccx_code;
use super::error::ccx_error;
use crate::{CancelToken, TraceContext};

/// A cancel token: `ccx_cancel_token_cancel` from any thread makes every call running
/// with it (through `ccx_call_options_set_cancel`) end within milliseconds with
/// `CCX_CODE_CANCELLED`: rate-limit waits, backoff between retries, per-host slot waits,
/// waits for a token, and a request on the wire (its socket is shut down and the
/// connection is not reused). Thread-safe.
#[allow(non_camel_case_types)]
pub struct ccx_cancel_token(pub(crate) CancelToken);

/// Options of one call: cancel token, timeout, caller's W3C `traceparent`. Pass NULL for
/// none. Not thread-safe while being set; safe to share read-only across calls.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct ccx_call_options {
    pub(crate) cancel: Option<CancelToken>,
    pub(crate) trace: Option<TraceContext>,
    pub(crate) timeout: Option<std::time::Duration>,
}

/// Create a cancel token (see `ccx_cancel_token` and `ccx_call_options_set_cancel`).
///
/// Parameters: `token_out` is required.
///
/// Ownership: on success `*token_out` is a new token the caller frees with
/// `ccx_cancel_token_free`; on failure it is not written.
///
/// Thread safety: safe from any thread; the token itself is thread-safe.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `token_out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cancel_token_new(token_out: *mut *mut ccx_cancel_token) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { out(token_out, "token_out")? };
        *o = Box::into_raw(Box::new(ccx_cancel_token(CancelToken::new())));
        Ok(())
    })
}

/// Cancel: calls running with this token, waiting or with a request on the wire, fail with
/// `CCX_CODE_CANCELLED` within milliseconds; later calls with it fail at once. Cancelling
/// twice is harmless; a token cannot be reset.
///
/// Parameters: `token` is required.
///
/// Ownership: nothing changes hands.
///
/// Thread safety: safe from any thread, concurrently with the calls it cancels and with
/// other cancels.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `token`.
///
/// # Safety
/// `token` is NULL or a live token.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cancel_token_cancel(token: *const ccx_cancel_token) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        unsafe { arg(token, "token")? }.0.cancel();
        Ok(())
    })
}

/// Free a cancel token. Call options and calls still using it keep a reference of their
/// own, so it may be freed while they run.
///
/// Parameters: `token` may be NULL (nothing happens).
///
/// Ownership: `token` is invalid afterwards.
///
/// Thread safety: no other call on this `token` pointer may be running or start.
///
/// Returns: nothing.
///
/// # Safety
/// `token` is NULL or a live token not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cancel_token_free(token: *mut ccx_cancel_token) {
    if !token.is_null() {
        // SAFETY: caller contract.
        unsafe { super::boundary::free_box(token) };
    }
}

/// Create empty call options: no cancel token, no timeout of their own, no trace.
///
/// Parameters: `options_out` is required.
///
/// Ownership: on success `*options_out` is new options the caller frees with
/// `ccx_call_options_free`; on failure it is not written.
///
/// Thread safety: safe from any thread. The options are then set by one thread at a time
/// and may serve concurrent calls once set.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `options_out`.
///
/// # Safety
/// `options_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_call_options_new(options_out: *mut *mut ccx_call_options) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { out(options_out, "options_out")? };
        *o = Box::into_raw(Box::default());
        Ok(())
    })
}

/// Run the calls made with these options under `token`, replacing any token set before.
///
/// Parameters: `options` and `token` are required.
///
/// Ownership: the options keep their own reference to the token: `token` may be freed
/// afterwards.
///
/// Thread safety: one thread at a time per options object, and not while a call is using
/// `options`. `token` may be used from any thread meanwhile.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `options` or `token`.
///
/// # Safety
/// Both pointers are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_call_options_set_cancel(
    options: *mut ccx_call_options,
    token: *const ccx_cancel_token,
) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { arg_mut(options, "options")? };
        o.cancel = Some(unsafe { arg(token, "token")? }.0.clone());
        Ok(())
    })
}

/// Bound each call made with these options to `timeout_ms` milliseconds over all its
/// attempts, waits and backoff: the call's deadline is the sooner of this and the client's
/// call timeout (`ccx_client_config_set_timeouts`, default 120 s). A call that runs out
/// fails with `CCX_CODE_TIMEOUT` (phase "call"), ending a request on the wire within
/// milliseconds.
///
/// Parameters: `options` is required. `timeout_ms` is at most 86400000 (24 h); 0 removes
/// the bound.
///
/// Ownership: nothing changes hands.
///
/// Thread safety: one thread at a time per options object, and not while a call is using
/// `options`.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `options`;
/// `CCX_CODE_INVALID_PARAMETER` for a `timeout_ms` above 24 h.
///
/// # Safety
/// `options` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_call_options_set_timeout_ms(options: *mut ccx_call_options, timeout_ms: u64) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { arg_mut(options, "options")? };
        if timeout_ms > 24 * 3600 * 1000 {
            return Err(ccx_error::invalid(format!("timeout_ms {timeout_ms} is above 24 h")));
        }
        o.timeout = (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms));
        Ok(())
    })
}

/// Use the caller's W3C `traceparent` as the trace of the calls made with these options;
/// each request then carries the same trace id and its own span id.
///
/// Parameters: `options` is required. `traceparent` is `traceparent_len` bytes of text,
/// `00-<32 hex>-<16 hex>-<2 hex>`, not NUL-terminated.
///
/// Ownership: the trace is copied; `traceparent` stays the caller's.
///
/// Thread safety: one thread at a time per options object, and not while a call is using
/// `options`.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `options`, or a NULL
/// `traceparent` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `traceparent` that
/// is not UTF-8; `CCX_CODE_INVALID_PARAMETER` for one that does not parse (an empty one
/// included).
///
/// # Safety
/// `options` is NULL or live; `traceparent` points to `traceparent_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_call_options_set_traceparent(
    options: *mut ccx_call_options,
    traceparent: *const c_char,
    traceparent_len: usize,
) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { arg_mut(options, "options")? };
        let s = unsafe { string(traceparent, traceparent_len, "traceparent")? };
        o.trace = Some(
            TraceContext::parse(s)
                .ok_or_else(|| ccx_error::invalid(format!("traceparent {s:?} is not a W3C traceparent")))?,
        );
        Ok(())
    })
}

/// Free call options. A token set on them is released (the caller's own token handle stays
/// valid).
///
/// Parameters: `options` may be NULL (nothing happens).
///
/// Ownership: `options` is invalid afterwards.
///
/// Thread safety: no call using these options, and no other call on `options`, may be
/// running or start.
///
/// Returns: nothing.
///
/// # Safety
/// `options` is NULL or live and not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_call_options_free(options: *mut ccx_call_options) {
    if !options.is_null() {
        // SAFETY: caller contract.
        unsafe { super::boundary::free_box(options) };
    }
}

/// Run `f` under the options (cancel token and trace in scope), if any.
pub(crate) fn with_options<R>(opts: *const ccx_call_options, f: impl FnOnce() -> R) -> R {
    // SAFETY: `opts` is NULL or a live options object (documented on every function taking it).
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return f();
    };
    let traced = |f: Box<dyn FnOnce() -> R + '_>| {
        let bounded = |f: Box<dyn FnOnce() -> R + '_>| match o.timeout {
            Some(d) => crate::with_timeout(d, f),
            None => f(),
        };
        match o.trace {
            Some(t) => crate::with_trace_context(t, || bounded(f)),
            None => bounded(f),
        }
    };
    match &o.cancel {
        Some(c) => crate::with_cancel(c, || traced(Box::new(f))),
        None => traced(Box::new(f)),
    }
}

/// Calls may share options and tokens across threads.
const _: () = {
    const fn is<T: Send + Sync>() {}
    is::<ccx_cancel_token>();
    is::<ccx_call_options>();
};
