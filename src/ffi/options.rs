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

/// Create a cancel token. Free it with `ccx_cancel_token_free` after the calls using it returned.
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

/// Cancel: calls running with this token, waiting or with a request on the wire, fail
/// with `CCX_CODE_CANCELLED`; later calls with it fail at once. Callable from any thread.
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

/// Free a cancel token. NULL is accepted. Calls still using it keep a reference of their own.
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

/// Create empty call options.
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

/// Run the calls made with these options under `token` (the options keep their own reference).
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
/// call timeout (`ccx_client_config_set_call_timeout_ms`, default 120 s). A call that runs
/// out fails with `CCX_CODE_TIMEOUT` (phase "call"), ending a request on the wire within
/// milliseconds. 0 removes the bound. At most 24 h (`CCX_CODE_INVALID_PARAMETER` above).
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

/// Use the caller's W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`) as the trace of the
/// calls; each request then carries the same trace id and its own span id.
/// `CCX_CODE_INVALID_PARAMETER` if it does not parse.
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

/// Free call options. NULL is accepted.
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
