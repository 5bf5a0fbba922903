//! `ccx_client`: build, share, free; metrics; read-cache invalidation; raw requests.

use std::ffi::c_char;

use super::boundary::{arg, bytes, guard, json, out, required_string, string};
use super::code::ccx_code;
use super::config::ccx_client_config;
use super::error::ccx_error;
use super::options::{ccx_call_options, with_options};
use super::types::ccx_bytes;
use crate::{Client, Method};

/// A Cloud Connexa client: connection pool, DNS cache, token, limiter and breaker inside.
/// Fully thread-safe: every function takes `const ccx_client *` and may be called from any
/// number of threads at once. Free it with `ccx_client_free` once all calls on that pointer
/// have returned; `ccx_client_clone` makes another owner of the same client.
#[allow(non_camel_case_types)]
pub struct ccx_client(pub(crate) Client);

/// Validate the configuration and build a client from it.
///
/// Parameters: `config` is required; it is not changed and may build more clients.
/// `client_out` is required. `err_out` may be NULL (no error object).
///
/// Ownership: on success `*client_out` is a new client the caller frees with
/// `ccx_client_free`; on failure it is not written. On failure a non-NULL `err_out`
/// receives an error the caller frees with `ccx_error_free` (its message names the bad
/// setting); on success `*err_out` is not written. The client copies the settings: `config`
/// may be changed or freed afterwards.
///
/// Thread safety: no other thread may change `config` during the call. The client built is
/// thread-safe.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config` or `client_out`;
/// `CCX_CODE_INVALID_PARAMETER` for a missing or bad setting.
///
/// # Safety
/// `config` is NULL or live; `client_out` is NULL or writable; `err_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_build(
    config: *const ccx_client_config,
    client_out: *mut *mut ccx_client,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    guard(err_out, || {
        // SAFETY: caller contract.
        let c = unsafe { arg(config, "config")? };
        let o = unsafe { out(client_out, "client_out")? };
        let client = c.builder.clone().build()?;
        *o = Box::into_raw(Box::new(ccx_client(client)));
        Ok(())
    })
}

/// Another owner of the same client: pool, token, limiter, breaker, cache and metrics are
/// shared. The client lives until every owner is freed.
///
/// Parameters: `client` and `client_out` are required.
///
/// Ownership: on success `*client_out` is a new owner the caller frees with
/// `ccx_client_free`, independently of `client`; on failure it is not written.
///
/// Thread safety: safe from any thread, concurrently with calls on `client`.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `client` or `client_out`
/// (there is no error object).
///
/// # Safety
/// `client` is NULL or live; `client_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_clone(client: *const ccx_client, client_out: *mut *mut ccx_client) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let c = unsafe { arg(client, "client")? };
        let o = unsafe { out(client_out, "client_out")? };
        *o = Box::into_raw(Box::new(ccx_client(c.0.clone())));
        Ok(())
    })
}

/// Release this owner of the client. The client ends with its last owner (see
/// `ccx_client_clone`); if the configuration it was built from is gone too, the request
/// callback's `free_userdata` runs then, on this thread.
///
/// Parameters: `client` may be NULL (nothing happens).
///
/// Ownership: `client` is invalid afterwards; other owners stay valid.
///
/// Thread safety: no call on this `client` pointer may be running or start during or after
/// it; other owners may be used and freed from other threads at the same time.
///
/// Returns: nothing.
///
/// # Safety
/// `client` is NULL or live and not freed yet, with no call on it in progress.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_free(client: *mut ccx_client) {
    if !client.is_null() {
        // SAFETY: caller contract.
        unsafe { super::boundary::free_box(client) };
    }
}

/// The client's metrics as JSON: requests, calls and latency per operation, retries,
/// breaker, limiter, pool, DNS, token, read cache. Makes no request.
///
/// Parameters: `client` and `json_out` are required.
///
/// Ownership: on success `*json_out` holds JSON (not NUL-terminated) that the caller frees
/// with `ccx_bytes_free`; on failure it is not written.
///
/// Thread safety: safe from any thread, concurrently with calls on `client`.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `client` or `json_out`
/// (there is no error object).
///
/// # Safety
/// `client` is NULL or live; `json_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_metrics_json(client: *const ccx_client, json_out: *mut ccx_bytes) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let c = unsafe { arg(client, "client")? };
        let o = unsafe { out(json_out, "json_out")? };
        *o = ccx_bytes::from_vec(c.0.metrics().to_json().into_bytes());
        Ok(())
    })
}

/// The client's metrics in the Prometheus text format (`cloudconnexa_` prefix), ready to
/// serve on a `/metrics` page. Makes no request.
///
/// Parameters: `client` and `text_out` are required.
///
/// Ownership: on success `*text_out` holds the text (not NUL-terminated) that the caller
/// frees with `ccx_bytes_free`; on failure it is not written.
///
/// Thread safety: safe from any thread, concurrently with calls on `client`.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `client` or `text_out`
/// (there is no error object).
///
/// # Safety
/// `client` is NULL or live; `text_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_metrics_prometheus(
    client: *const ccx_client,
    text_out: *mut ccx_bytes,
) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let c = unsafe { arg(client, "client")? };
        let o = unsafe { out(text_out, "text_out")? };
        *o = ccx_bytes::from_vec(c.0.metrics().to_prometheus().into_bytes());
        Ok(())
    })
}

/// Drop answers of the fresh-read cache (`ccx_client_config_set_read_cache`), so that the
/// next read of them goes to the server: those of `family` (a bare family name such as
/// `networks`, as in `ccx_client_config_set_read_cache_ttl`) of this client's API origin,
/// for every client id; or every cached answer when `family` is empty. Use it after changes
/// made elsewhere (another process, the Admin portal); writes made through this library
/// invalidate their family by themselves. A name no answer belongs to drops nothing. Sends
/// nothing; does nothing on a client without a read cache.
///
/// Parameters: `client` is required. `family` is `family_len` bytes of UTF-8, not
/// NUL-terminated; `(NULL, 0)` is the empty name (every answer).
///
/// Ownership: nothing changes hands; `client` and `family` stay the caller's.
///
/// Thread safety: safe from any thread, concurrently with calls on the same client.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `client`, or a NULL
/// `family` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `family` that is not
/// UTF-8 (there is no error object).
///
/// # Safety
/// `client` is NULL or live; `family` points to `family_len` bytes of UTF-8 (NULL when 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_invalidate_read_cache(
    client: *const ccx_client,
    family: *const c_char,
    family_len: usize,
) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let c = unsafe { arg(client, "client")? };
        let f = unsafe { string(family, family_len, "family")? };
        c.0.invalidate_read_cache((!f.is_empty()).then_some(f));
        Ok(())
    })
}

/// HTTP method of a raw request.
#[repr(u32)]
#[allow(non_camel_case_types, dead_code)] // dead_code: named by the C header only
#[derive(Debug, Clone, Copy)]
pub enum ccx_method {
    /// `GET`: a read; idempotent, retried on retryable failures.
    Get = 0,
    /// `POST`: a create; not idempotent, retried only when the request was never sent (or on 429).
    Post = 1,
    /// `PUT`: an update; idempotent, retried on retryable failures.
    Put = 2,
    /// `DELETE`: a removal; idempotent, retried on retryable failures.
    Delete = 3,
}

/// A raw request through the same pipeline as the typed functions (token, limiter, breaker,
/// retries, callbacks), for endpoints this version does not know.
///
/// Parameters: `client` is required. `method` is a `ccx_method` value. `path` (`path_len`
/// bytes of UTF-8) is required: the path below the API prefix, e.g. `/networks`, starting
/// with `/`, without `?`, `#`, spaces, control characters or `.`/`..` segments.
/// `query_json` (`query_json_len` bytes) is an optional JSON object of query parameters
/// whose values are strings, numbers or booleans; `(NULL, 0)` for none. `body` (`body_len`
/// bytes) is an optional JSON body; `(NULL, 0)` for none. `opts` may be NULL (no cancel
/// token, timeout or trace). `status_out` and `body_out` are required. `err_out` may be
/// NULL (no error object).
///
/// Ownership: on success (a 2xx answer) `*status_out` holds the status and `*body_out` the
/// body (not NUL-terminated), which the caller frees with `ccx_bytes_free`; on failure
/// neither is written. Other statuses are `CCX_CODE_HTTP_STATUS` errors carrying status and
/// body. On failure a non-NULL `err_out` receives an error the caller frees with
/// `ccx_error_free`; on success `*err_out` is not written. The inputs are only borrowed for
/// the call.
///
/// Thread safety: safe from any thread; any number of calls may run at once on one
/// `client`. One `opts` may serve concurrent calls while no thread changes it. The request
/// and log callbacks run on the threads that call the client, and on the library's token
/// thread for token requests.
///
/// Returns: `CCX_CODE_OK` on success; `CCX_CODE_NULL_PARAMETER` for a NULL `client`,
/// `status_out` or `body_out`, or a NULL `path`, `query_json` or `body` with a non-zero
/// length; `CCX_CODE_INVALID_PARAMETER` for a `method` that is not a `ccx_method` or an
/// empty or bad `path`; `CCX_CODE_INVALID_UTF8` for a `path` that is not UTF-8;
/// `CCX_CODE_INVALID_JSON` for a malformed `query_json` or `body`, a `query_json` that is
/// not an object or has a value that is not a string, number or boolean; otherwise the
/// codes of a call (see `ccx_code`).
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ccx_client_request(
    client: *const ccx_client,
    method: u32,
    path: *const c_char,
    path_len: usize,
    query_json: *const u8,
    query_json_len: usize,
    body: *const u8,
    body_len: usize,
    opts: *const ccx_call_options,
    status_out: *mut u16,
    body_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    guard(err_out, || {
        // SAFETY: caller contract.
        let c = unsafe { arg(client, "client")? };
        let path = unsafe { required_string(path, path_len, "path")? };
        let query = unsafe { bytes(query_json, query_json_len, "query_json")? };
        let body = unsafe { bytes(body, body_len, "body")? };
        let status_slot = unsafe { out(status_out, "status_out")? };
        let body_slot = unsafe { out(body_out, "body_out")? };
        let m = match method {
            0 => Method::Get,
            1 => Method::Post,
            2 => Method::Put,
            3 => Method::Delete,
            other => return Err(ccx_error::invalid(format!("method {other} is not a ccx_method"))),
        };
        let mut req = c.0.request(m, path);
        if !query.is_empty() {
            let q: serde_json::Map<String, serde_json::Value> = json(query, "query_json")?;
            for (k, v) in q {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(ccx_error::new(
                            ccx_code::InvalidJson,
                            format!("query value of `{k}` is {other}"),
                        ));
                    }
                };
                req = req.query(&k, v);
            }
        }
        if !body.is_empty() {
            let v: serde_json::Value = json(body, "body")?;
            req = req.json(&v);
        }
        let resp = with_options(opts, || req.send())?;
        *status_slot = resp.status;
        *body_slot = ccx_bytes::from_vec(resp.body);
        Ok(())
    })
}
