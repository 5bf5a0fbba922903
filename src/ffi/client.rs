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

/// Validate the configuration and build a client. On failure nothing is written to
/// `client_out` and the error (`CCX_CODE_INVALID_PARAMETER`) names the bad setting.
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

/// Another owner of the same client (pool, token, limiter shared). Free each owner.
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

/// Release this owner. NULL is accepted. Must not race with calls on the same pointer.
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

/// The client's metrics as JSON (requests, calls and latency per operation, retries,
/// breaker, limiter, pool, DNS, token), into `json_out` (free with `ccx_bytes_free`).
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
/// serve on a `/metrics` page, into `text_out` (free with `ccx_bytes_free`).
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
/// for every client id; or every cached answer when `family` is empty (`NULL, 0`). Use it
/// after changes made elsewhere (another process, the Admin portal); writes made through
/// this library invalidate their family by themselves. A name no answer belongs to drops
/// nothing. Sends nothing; does nothing on a client without a read cache. Thread-safe:
/// may be called from any thread, concurrently with calls on the same client.
///
/// Errors: `CCX_CODE_NULL_PARAMETER` for a NULL `client` (or a NULL `family` with a
/// non-zero length), `CCX_CODE_INVALID_UTF8` for a `family` that is not UTF-8.
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

/// A raw request through the same pipeline as the typed functions, for endpoints this
/// version does not know: `method` (a `ccx_method` value), `path` below the API prefix
/// (e.g. `/networks`), `query_json` an optional JSON object of query parameters (values are
/// strings or numbers; empty for none), `body` an optional JSON body. On success (2xx)
/// `status_out` and `body_out` (free with `ccx_bytes_free`) are written; other statuses are
/// `CCX_CODE_HTTP_STATUS` errors carrying status and body.
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
