//! Shared by the fuzz targets: a reader that splits one input into fields, and the
//! offline client of the C ABI targets. Each target uses part of it.
#![allow(dead_code)]

use std::ffi::c_char;
use std::sync::OnceLock;

use cloudconnexa::fuzzing::ffi::client::{ccx_client, ccx_client_build};
use cloudconnexa::fuzzing::ffi::code::ccx_code;
use cloudconnexa::fuzzing::ffi::config::*;
use cloudconnexa::fuzzing::ffi::error::{ccx_error, ccx_error_code, ccx_error_free, ccx_error_message};
use cloudconnexa::fuzzing::ffi::options::*;
use cloudconnexa::fuzzing::ffi::types::{ccx_bytes, ccx_bytes_free, ccx_str};

/// Reads an input front to back: fixed-size numbers, then fields separated by a byte.
/// Running out of input yields zeros and empty fields, never a failure.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u64(&mut self) -> u64 {
        let mut v = [0u8; 8];
        let n = self.0.len().min(8);
        v[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(v)
    }

    pub fn u32(&mut self) -> u32 {
        self.u64() as u32
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// The bytes up to the next `sep` (consumed) or to the end.
    pub fn field(&mut self, sep: u8) -> &'a [u8] {
        match self.0.iter().position(|b| *b == sep) {
            Some(i) => {
                let f = &self.0[..i];
                self.0 = &self.0[i + 1..];
                f
            }
            None => std::mem::take(&mut self.0),
        }
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

/// A C string argument: `(pointer, length)` of `b`.
pub fn s(b: &[u8]) -> (*const c_char, usize) {
    (b.as_ptr().cast(), b.len())
}

/// The message of an error object, checked to be readable.
pub unsafe fn message(err: *const ccx_error) -> String {
    let mut m = ccx_str {
        data: std::ptr::null(),
        len: 0,
    };
    assert_eq!(unsafe { ccx_error_message(err, &mut m) }, ccx_code::Ok);
    let bytes = unsafe { std::slice::from_raw_parts(m.data.cast::<u8>(), m.len) };
    std::str::from_utf8(bytes)
        .expect("error messages are UTF-8")
        .to_string()
}

/// Check the outcome of one C call and free what it returned. A caught panic
/// (`CCX_CODE_PANIC`) is a bug: the boundary reports it instead of crashing, so the
/// fuzzer has to look at the code. An error object must exist exactly when the call failed,
/// and carry the same code; the output is written only on success.
pub unsafe fn settle(code: ccx_code, err: *mut ccx_error, out: Option<&mut ccx_bytes>) -> ccx_code {
    assert_ne!(code, ccx_code::Panic, "caught panic: {}", unsafe { message(err) });
    assert_ne!(code, ccx_code::Internal, "internal error: {}", unsafe { message(err) });
    if code == ccx_code::Ok {
        assert!(err.is_null(), "an error object on success");
    } else {
        assert!(!err.is_null(), "no error object for {code:?}");
        let mut c = ccx_code::Ok;
        assert_eq!(unsafe { ccx_error_code(err, &mut c) }, ccx_code::Ok);
        assert_eq!(c, code);
        assert!(!unsafe { message(err) }.is_empty(), "empty message for {code:?}");
        if let Some(o) = &out {
            assert!(o.data.is_null() && o.len == 0, "output written on failure");
        }
    }
    if let Some(o) = out {
        if code == ccx_code::Ok && o.len > 0 {
            let b = unsafe { std::slice::from_raw_parts(o.data, o.len) };
            serde_json::from_slice::<serde_json::Value>(b).expect("answers are JSON");
        }
        unsafe { ccx_bytes_free(o) };
    }
    unsafe { ccx_error_free(err) };
    code
}

/// One C function under test: reads its arguments from the input, calls, settles.
pub type Call = fn(&Offline, &mut Input) -> ccx_code;

/// Run a function with `json_out`; settle the outcome.
pub fn answer(f: impl FnOnce(*mut ccx_bytes, *mut *mut ccx_error) -> ccx_code) -> ccx_code {
    let mut out = bytes();
    let mut err = std::ptr::null_mut();
    let code = f(&mut out, &mut err);
    unsafe { settle(code, err, Some(&mut out)) }
}

/// Run a function without `json_out`; settle the outcome.
pub fn unit(f: impl FnOnce(*mut *mut ccx_error) -> ccx_code) -> ccx_code {
    let mut err = std::ptr::null_mut();
    let code = f(&mut err);
    unsafe { settle(code, err, None) }
}

/// The body of the C ABI targets: the first byte picks a call of `calls`, which runs on
/// the offline client; its code must be one of `allowed`.
pub fn run(calls: &[(&str, Call)], data: &[u8], allowed: &[ccx_code]) {
    let o = offline();
    let mut input = Input(data);
    let (name, call) = calls[input.u8() as usize % calls.len()];
    let code = call(o, &mut input);
    assert!(allowed.contains(&code), "{name}: {code:?}");
    assert_offline();
}

/// `ccx_client_request` on the offline client; `None` passes `(NULL, 0)`. Raw answers
/// need not be JSON (and nothing is written on failure anyway): the output is only freed.
pub fn raw_request(o: &Offline, method: u32, path: &[u8], query: Option<&[u8]>, body: Option<&[u8]>) -> ccx_code {
    let ptr = |b: Option<&[u8]>| b.map_or((std::ptr::null(), 0), |b| (b.as_ptr(), b.len()));
    let ((q, q_len), (b, b_len)) = (ptr(query), ptr(body));
    let mut status = 0u16;
    let mut out = bytes();
    let mut err = std::ptr::null_mut();
    let code = unsafe {
        cloudconnexa::fuzzing::ffi::client::ccx_client_request(
            o.client,
            method,
            path.as_ptr().cast(),
            path.len(),
            q,
            q_len,
            b,
            b_len,
            o.opts,
            &mut status,
            &mut out,
            &mut err,
        )
    };
    unsafe { ccx_bytes_free(&mut out) };
    unsafe { settle(code, err, None) }
}

/// An empty output buffer.
pub fn bytes() -> ccx_bytes {
    ccx_bytes {
        data: std::ptr::null_mut(),
        len: 0,
    }
}

/// The client and call options of the C ABI targets. Built once, never freed (the
/// process ends with the fuzzer).
pub struct Offline {
    pub client: *mut ccx_client,
    pub opts: *mut ccx_call_options,
}

// SAFETY: both objects are documented thread-safe; the targets use them from one thread.
unsafe impl Send for Offline {}
unsafe impl Sync for Offline {}

/// A client that can never reach the network: pointed at a closed loopback port, every
/// call made with `opts` is cancelled before it is sent (the pipeline checks the token
/// before the limiter, the token request and the connection), and retries are off in
/// case one ever got through. Arguments are validated before that check, so the
/// fuzzers reach every check of the C ABI and the typed API beneath it, but no I/O.
pub fn offline() -> &'static Offline {
    static CELL: OnceLock<Offline> = OnceLock::new();
    CELL.get_or_init(|| unsafe {
        let mut cfg: *mut ccx_client_config = std::ptr::null_mut();
        assert_eq!(ccx_client_config_new(&mut cfg), ccx_code::Ok);
        let url = b"http://127.0.0.1:1";
        assert_eq!(
            ccx_client_config_set_api_url(cfg, url.as_ptr().cast(), url.len()),
            ccx_code::Ok
        );
        assert_eq!(ccx_client_config_set_allow_insecure_http(cfg, true), ccx_code::Ok);
        assert_eq!(ccx_client_config_set_client_id(cfg, c"id".as_ptr(), 2), ccx_code::Ok);
        assert_eq!(
            ccx_client_config_set_client_secret(cfg, c"secret".as_ptr(), 6),
            ccx_code::Ok
        );
        assert_eq!(ccx_client_config_set_timeouts(cfg, 50, 50, 100), ccx_code::Ok);
        assert_eq!(ccx_client_config_set_retry(cfg, 0, 1, 1, false, false), ccx_code::Ok);
        let mut client = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let code = ccx_client_build(cfg, &mut client, &mut err);
        assert_eq!(code, ccx_code::Ok, "offline client: {}", message(err));
        ccx_client_config_free(cfg);

        let mut token = std::ptr::null_mut();
        assert_eq!(ccx_cancel_token_new(&mut token), ccx_code::Ok);
        assert_eq!(ccx_cancel_token_cancel(token), ccx_code::Ok);
        let mut opts = std::ptr::null_mut();
        assert_eq!(ccx_call_options_new(&mut opts), ccx_code::Ok);
        assert_eq!(ccx_call_options_set_cancel(opts, token), ccx_code::Ok);
        ccx_cancel_token_free(token);
        Offline { client, opts }
    })
}

/// Every 8192nd call (a metrics snapshot is slow under instrumentation): the offline client has sent nothing, fetched no token, resolved
/// no name and opened no connection (the fuzzers must never reach the network).
pub fn assert_offline() {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 8192 != 0 {
        return;
    }
    let o = offline();
    let mut m = bytes();
    assert_eq!(
        unsafe { cloudconnexa::fuzzing::ffi::client::ccx_client_metrics_json(o.client, &mut m) },
        ccx_code::Ok
    );
    let b = unsafe { std::slice::from_raw_parts(m.data, m.len) };
    let v: serde_json::Value = serde_json::from_slice(b).expect("metrics are JSON");
    unsafe { ccx_bytes_free(&mut m) };
    assert_eq!(v["requests"], serde_json::json!([]), "a request was sent: {v}");
    assert_eq!(v["auth"]["token_fetches"], 0, "a token was fetched: {v}");
    assert_eq!(v["dns"]["lookups"], 0, "a name was resolved: {v}");
    assert_eq!(v["pool"]["opened"], 0, "a connection was opened: {v}");
}
