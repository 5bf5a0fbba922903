//! `ccx_client_config`: the C face of `ClientBuilder`, one typed setter per knob.
//! Setters only record values; `ccx_client_build` validates them all and names the
//! first bad one. A config is used from one thread at a time; it can build any
//! number of clients.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use super::boundary::{arg_mut, bytes, guard, out, string};
use super::code::ccx_code;
use super::error::ccx_error;
use crate::resilience::{BreakerConfig, LimitMode, RateLimit, RetryBudgetConfig, RetryPolicy};
use crate::{ClientBuilder, TlsRoots};

/// A client configuration under construction (wraps the Rust `ClientBuilder`).
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct ccx_client_config {
    pub(crate) builder: ClientBuilder,
    pub(crate) retry: RetryPolicy,
}

/// Create a configuration with every setting at its default (see each setter).
///
/// # Safety
/// `config_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_new(config_out: *mut *mut ccx_client_config) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { out(config_out, "config_out")? };
        *o = Box::into_raw(Box::default());
        Ok(())
    })
}

/// Free a configuration. NULL is accepted. Clients built from it are not affected.
///
/// # Safety
/// `config` is NULL or live and not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_free(config: *mut ccx_client_config) {
    if !config.is_null() {
        // SAFETY: caller contract.
        unsafe { super::boundary::free_box(config) };
    }
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Apply `f` to the builder of a non-NULL config.
fn edit(config: *mut ccx_client_config, f: impl FnOnce(&mut ccx_client_config) -> Result<(), ccx_error>) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: documented on every setter: `config` is NULL or live, used by one thread.
        let c = unsafe { arg_mut(config, "config")? };
        f(c)
    })
}

fn with_builder(c: &mut ccx_client_config, f: impl FnOnce(ClientBuilder) -> ClientBuilder) {
    let b = std::mem::take(&mut c.builder);
    c.builder = f(b);
}

/// Set a string knob from `(pointer, length)` UTF-8.
fn set_string(
    config: *mut ccx_client_config,
    ptr: *const c_char,
    len: usize,
    name: &str,
    apply: impl FnOnce(ClientBuilder, String) -> ClientBuilder,
) -> ccx_code {
    edit(config, |c| {
        // SAFETY: documented on every string setter: `ptr` points to `len` bytes.
        let s = unsafe { string(ptr, len, name)? }.to_string();
        with_builder(c, |b| apply(b, s));
        Ok(())
    })
}

/// API base URL, e.g. `https://acme.api.openvpn.com` (https required; see
/// `ccx_client_config_set_allow_insecure_http`).
///
/// # Safety
/// `config` is NULL or live; `url` points to `url_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_api_url(
    config: *mut ccx_client_config,
    url: *const c_char,
    url_len: usize,
) -> ccx_code {
    set_string(config, url, url_len, "url", |b, s| b.api_url(s))
}

/// The tenant name; expands to `https://<cloud_id>.api.openvpn.com` when no URL is set.
///
/// # Safety
/// `config` is NULL or live; `cloud_id` points to `cloud_id_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_cloud_id(
    config: *mut ccx_client_config,
    cloud_id: *const c_char,
    cloud_id_len: usize,
) -> ccx_code {
    set_string(config, cloud_id, cloud_id_len, "cloud_id", |b, s| b.cloud_id(s))
}

/// API client id (required).
///
/// # Safety
/// `config` is NULL or live; `client_id` points to `client_id_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_client_id(
    config: *mut ccx_client_config,
    client_id: *const c_char,
    client_id_len: usize,
) -> ccx_code {
    set_string(config, client_id, client_id_len, "client_id", |b, s| b.client_id(s))
}

/// API client secret (required). Never logged or shown in errors.
///
/// # Safety
/// `config` is NULL or live; `client_secret` points to `client_secret_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_client_secret(
    config: *mut ccx_client_config,
    client_secret: *const c_char,
    client_secret_len: usize,
) -> ccx_code {
    set_string(config, client_secret, client_secret_len, "client_secret", |b, s| {
        b.client_secret(s)
    })
}

/// API version path segment. Default `v1`.
///
/// # Safety
/// `config` is NULL or live; `version` points to `version_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_api_version(
    config: *mut ccx_client_config,
    version: *const c_char,
    version_len: usize,
) -> ccx_code {
    set_string(config, version, version_len, "version", |b, s| b.api_version(s))
}

/// `User-Agent`. Default `cloudconnexa-rust/<version>`.
///
/// # Safety
/// `config` is NULL or live; `user_agent` points to `user_agent_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_user_agent(
    config: *mut ccx_client_config,
    user_agent: *const c_char,
    user_agent_len: usize,
) -> ccx_code {
    set_string(config, user_agent, user_agent_len, "user_agent", |b, s| b.user_agent(s))
}

/// Proxy URL (`http://host:port`); an empty string means no proxy. Default none.
///
/// # Safety
/// `config` is NULL or live; `proxy` points to `proxy_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_proxy(
    config: *mut ccx_client_config,
    proxy: *const c_char,
    proxy_len: usize,
) -> ccx_code {
    set_string(config, proxy, proxy_len, "proxy", |b, s| {
        b.proxy((!s.is_empty()).then_some(s))
    })
}

/// Allow plain `http://` to a loopback host (local emulator). Default false.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_allow_insecure_http(
    config: *mut ccx_client_config,
    allow: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.allow_insecure_http(allow));
        Ok(())
    })
}

/// Timeouts in milliseconds; 0 keeps the current value. Defaults: connect 5000, read
/// 30000 (each read of a response), call 120000 (a whole call, retries included).
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_timeouts(
    config: *mut ccx_client_config,
    connect_ms: u64,
    read_ms: u64,
    call_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |mut b| {
            if connect_ms > 0 {
                b = b.connect_timeout(ms(connect_ms));
            }
            if read_ms > 0 {
                b = b.read_timeout(ms(read_ms));
            }
            if call_ms > 0 {
                b = b.call_timeout(ms(call_ms));
            }
            b
        });
        Ok(())
    })
}

/// Largest response body accepted, in bytes (at least 1024). Default 10 MiB.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_max_response_bytes(
    config: *mut ccx_client_config,
    max: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.max_response_bytes(max));
        Ok(())
    })
}

/// Refresh the token this many ms before it expires. Default 60000.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_token_refresh_margin_ms(
    config: *mut ccx_client_config,
    margin_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.token_refresh_margin(ms(margin_ms)));
        Ok(())
    })
}

/// Connection pool: idle connections kept per host (default 50), hosts kept (default 20),
/// idle connections closed after `idle_timeout_ms` (default 50000).
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_pool(
    config: *mut ccx_client_config,
    max_idle_per_host: usize,
    max_hosts: usize,
    idle_timeout_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| {
            b.pool_max_idle_per_host(max_idle_per_host)
                .pool_max_hosts(max_hosts)
                .pool_idle_timeout(ms(idle_timeout_ms))
        });
        Ok(())
    })
}

/// Cap the connections open to one host at `max` (0: no cap, the default). At the cap a
/// call waits up to `wait_ms` for a slot, or fails at once with `CCX_CODE_POOL_EXHAUSTED`
/// when `fail_fast` is true.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_max_connections_per_host(
    config: *mut ccx_client_config,
    max: usize,
    wait_ms: u64,
    fail_fast: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| {
            b.max_connections_per_host((max > 0).then_some(max))
                .pool_wait((!fail_fast).then_some(ms(wait_ms)))
        });
        Ok(())
    })
}

/// TCP keepalive: idle time, probe interval (ms, at least 1000) and probe count; `enabled`
/// false switches it off. Default on, 60000 / 10000 / 6.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_tcp_keepalive(
    config: *mut ccx_client_config,
    enabled: bool,
    idle_ms: u64,
    interval_ms: u64,
    probes: u32,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| {
            b.tcp_keepalive(enabled.then(|| (ms(idle_ms), ms(interval_ms), probes)))
        });
        Ok(())
    })
}

/// TCP_NODELAY. Default true.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_tcp_nodelay(config: *mut ccx_client_config, nodelay: bool) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.tcp_nodelay(nodelay));
        Ok(())
    })
}

/// DNS cache time to live in ms (0: no cache) and IPv4-first ordering. Default 300000, true.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_dns_cache(
    config: *mut ccx_client_config,
    ttl_ms: u64,
    prefer_ipv4: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| {
            b.dns_cache_ttl((ttl_ms > 0).then(|| ms(ttl_ms)))
                .dns_prefer_ipv4(prefer_ipv4)
        });
        Ok(())
    })
}

/// Trust roots: 0 = the bundled Mozilla roots (default), 1 = the system's CA bundle,
/// 2 = only the CAs added with `ccx_client_config_add_ca_pem`. Other values:
/// `CCX_CODE_INVALID_PARAMETER`.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_tls_roots(config: *mut ccx_client_config, roots: u32) -> ccx_code {
    edit(config, |c| {
        let r = match roots {
            0 => TlsRoots::Bundled,
            1 => TlsRoots::System,
            2 => TlsRoots::None,
            other => return Err(ccx_error::invalid(format!("tls roots {other} is not 0, 1 or 2"))),
        };
        with_builder(c, |b| b.tls_roots(r));
        Ok(())
    })
}

/// Also trust the CA certificate(s) in this PEM text.
///
/// # Safety
/// `config` is NULL or live; `pem` points to `pem_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_add_ca_pem(
    config: *mut ccx_client_config,
    pem: *const u8,
    pem_len: usize,
) -> ccx_code {
    edit(config, |c| {
        // SAFETY: caller contract.
        let p = unsafe { bytes(pem, pem_len, "pem")? }.to_vec();
        with_builder(c, |b| b.add_ca_pem(p));
        Ok(())
    })
}

/// Present a client certificate: PEM chain and PEM private key.
///
/// # Safety
/// `config` is NULL or live; both buffers are `(pointer, length)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_client_certificate(
    config: *mut ccx_client_config,
    chain_pem: *const u8,
    chain_len: usize,
    key_pem: *const u8,
    key_len: usize,
) -> ccx_code {
    edit(config, |c| {
        // SAFETY: caller contract.
        let chain = unsafe { bytes(chain_pem, chain_len, "chain_pem")? }.to_vec();
        let key = unsafe { bytes(key_pem, key_len, "key_pem")? }.to_vec();
        with_builder(c, |b| b.client_certificate(chain, key));
        Ok(())
    })
}

/// Read `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY` from the environment. Default false.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_proxy_from_env(
    config: *mut ccx_client_config,
    enabled: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.proxy_from_env(enabled));
        Ok(())
    })
}

/// Retry policy: retries after the first attempt (default 5; 0 disables), backoff factor
/// and cap in ms (defaults 500 and 120000), full jitter (default true), and whether POST
/// is retried after failures where it may have reached the server (default false).
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_retry(
    config: *mut ccx_client_config,
    max_retries: u32,
    backoff_factor_ms: u64,
    backoff_max_ms: u64,
    jitter: bool,
    retry_non_idempotent: bool,
) -> ccx_code {
    edit(config, |c| {
        c.retry.max_retries = max_retries;
        c.retry.backoff_factor = ms(backoff_factor_ms);
        c.retry.backoff_max = ms(backoff_max_ms);
        c.retry.jitter = jitter;
        c.retry.retry_non_idempotent = retry_non_idempotent;
        let p = c.retry.clone();
        with_builder(c, |b| b.retry_policy(p));
        Ok(())
    })
}

/// HTTP statuses worth retrying (`count` values at `codes`). Default 408, 429, 500, 502, 503, 504.
///
/// # Safety
/// `config` is NULL or live; `codes` points to `count` values (NULL allowed when 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_retry_codes(
    config: *mut ccx_client_config,
    codes: *const u16,
    count: usize,
) -> ccx_code {
    edit(config, |c| {
        // SAFETY: caller contract; u16 has no invalid bit patterns.
        let b = unsafe { bytes(codes.cast(), count * 2, "codes")? };
        let list: Vec<u16> = b.chunks_exact(2).map(|p| u16::from_ne_bytes([p[0], p[1]])).collect();
        if let Some(bad) = list.iter().find(|s| !(100..=599).contains(*s)) {
            return Err(ccx_error::invalid(format!("retry code {bad} is not an HTTP status")));
        }
        c.retry.retry_codes = list;
        let p = c.retry.clone();
        with_builder(c, |b| b.retry_policy(p));
        Ok(())
    })
}

/// Retry budget: retries may add at most `ratio` (0..1) of the calls of the last `window_ms`,
/// plus `min_retries` per window. `enabled` false removes it. Default on, 0.2, 10, 10000.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_retry_budget(
    config: *mut ccx_client_config,
    enabled: bool,
    ratio: f64,
    min_retries: u32,
    window_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        let cfg = enabled.then(|| RetryBudgetConfig {
            ratio,
            min_retries,
            window: ms(window_ms),
        });
        with_builder(c, |b| b.retry_budget(cfg));
        Ok(())
    })
}

/// Circuit breaker per host (or per host and operation): opens after `failure_threshold`
/// consecutive failures (5xx, timeouts, connect errors; 429 too if `count_429`), fails calls
/// at once for `recovery_ms`, then lets `half_open_max_calls` probes through and closes
/// after `success_threshold` successes. `enabled` false switches it off. Defaults: on, 10,
/// 300000, 1, 1, false, false.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ccx_client_config_set_circuit_breaker(
    config: *mut ccx_client_config,
    enabled: bool,
    failure_threshold: u32,
    recovery_ms: u64,
    half_open_max_calls: u32,
    success_threshold: u32,
    count_429: bool,
    per_operation: bool,
) -> ccx_code {
    edit(config, |c| {
        let cfg = enabled.then(|| BreakerConfig {
            failure_threshold,
            recovery_timeout: ms(recovery_ms),
            half_open_max_calls,
            success_threshold,
            count_429,
            per_operation,
        });
        with_builder(c, |b| b.circuit_breaker(cfg));
        Ok(())
    })
}

fn limit(enabled: bool, rate_per_sec: f64, burst: u32, max_wait_ms: u64, fail_fast: bool) -> Option<RateLimit> {
    enabled.then(|| RateLimit {
        rate_per_sec,
        burst,
        mode: if fail_fast {
            LimitMode::FailFast
        } else {
            LimitMode::Wait {
                max_wait: ms(max_wait_ms),
            }
        },
    })
}

/// Client-side token bucket for every call: `rate_per_sec` tokens per second, `burst`
/// capacity; at an empty bucket wait up to `max_wait_ms` or, with `fail_fast`, fail at once
/// with `CCX_CODE_RATE_LIMITED`. `enabled` false removes client-side limiting. Default: on,
/// with no limit of its own until the server's rate-limit headers describe one.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_rate_limit(
    config: *mut ccx_client_config,
    enabled: bool,
    rate_per_sec: f64,
    burst: u32,
    max_wait_ms: u64,
    fail_fast: bool,
) -> ccx_code {
    edit(config, |c| {
        let l = limit(enabled, rate_per_sec, burst, max_wait_ms, fail_fast);
        with_builder(c, |b| b.rate_limit(l));
        Ok(())
    })
}

/// A separate bucket for POST, PUT and DELETE (same parameters as `ccx_client_config_set_rate_limit`).
/// Default none: writes share the main bucket.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_write_rate_limit(
    config: *mut ccx_client_config,
    enabled: bool,
    rate_per_sec: f64,
    burst: u32,
    max_wait_ms: u64,
    fail_fast: bool,
) -> ccx_code {
    edit(config, |c| {
        let l = limit(enabled, rate_per_sec, burst, max_wait_ms, fail_fast);
        with_builder(c, |b| b.write_rate_limit(l));
        Ok(())
    })
}

/// Follow the server's `X-RateLimit-*` headers and pause after a 429. Default true.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_adaptive_rate_limit(
    config: *mut ccx_client_config,
    enabled: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.adaptive_rate_limit(enabled));
        Ok(())
    })
}

/// Identical GETs in flight at once share one request. Default true.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_coalesce_gets(
    config: *mut ccx_client_config,
    enabled: bool,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.coalesce_gets(enabled));
        Ok(())
    })
}

/// Serve the last good answer of a GET, up to `max_age_ms` old, when the call fails with
/// server or network trouble (0: off, the default).
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_stale_if_error(
    config: *mut ccx_client_config,
    max_age_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.stale_if_error((max_age_ms > 0).then(|| ms(max_age_ms))));
        Ok(())
    })
}

/// One HTTP request as the per-request callback sees it. Borrowed for the duration of the
/// callback only. Fields may be added at the end in later versions.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct ccx_request_event {
    /// The operation (the API's operationId, e.g. `getNetworksPage`).
    pub operation: super::types::ccx_str,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: super::types::ccx_str,
    /// 1 for a call's first request, then 2, 3… for its retries.
    pub attempt: u32,
    /// HTTP status, or 0 when no response came.
    pub status: u16,
    /// `CCX_CODE_OK` when a response came, else why not.
    pub error_code: ccx_code,
    /// Time from sending to the whole response, in microseconds.
    pub latency_us: u64,
    /// W3C trace id (32 hex digits) and this request's span id (16 hex digits).
    pub trace_id: super::types::ccx_str,
    pub span_id: super::types::ccx_str,
}

/// The per-request callback: `userdata` first, then the event (borrowed during the call).
/// May be called concurrently from any thread that makes calls; must be thread-safe,
/// quick, must not unwind and must not call blocking `ccx_*` functions.
#[allow(non_camel_case_types)]
pub type ccx_request_fn = Option<extern "C" fn(userdata: *mut c_void, event: *const ccx_request_event)>;

/// Called exactly once with `userdata` when the last client built from the configuration
/// (and the configuration) no longer needs it.
#[allow(non_camel_case_types)]
pub type ccx_userdata_free_fn = Option<extern "C" fn(userdata: *mut c_void)>;

pub(crate) struct UserData {
    pub(crate) ptr: *mut c_void,
    pub(crate) free: ccx_userdata_free_fn,
}

// SAFETY: the header documents that callbacks and userdata must be usable from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            f(self.ptr);
        }
    }
}

/// Call `callback(userdata, event)` after every HTTP request of the clients built from this
/// configuration (metrics, tracing bridges). `free_userdata` may be NULL.
///
/// # Safety
/// `config` is NULL or live; `callback` is a valid function (required).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_request_callback(
    config: *mut ccx_client_config,
    callback: ccx_request_fn,
    userdata: *mut c_void,
    free_userdata: ccx_userdata_free_fn,
) -> ccx_code {
    edit(config, |c| {
        let cb = callback.ok_or_else(|| ccx_error::null("callback"))?;
        let data = std::sync::Arc::new(UserData {
            ptr: userdata,
            free: free_userdata,
        });
        with_builder(c, |b| {
            b.on_request(move |e| {
                let code = e.error.map_or(ccx_code::Ok, |err| ccx_code::from_kind(err.kind()));
                let ev = ccx_request_event {
                    operation: super::types::ccx_str::of(e.operation),
                    method: super::types::ccx_str::of(e.method.as_str()),
                    attempt: e.attempt,
                    status: e.status.unwrap_or(0),
                    error_code: code,
                    latency_us: e.latency.as_micros().min(u64::MAX as u128) as u64,
                    trace_id: super::types::ccx_str::of(&e.trace_id),
                    span_id: super::types::ccx_str::of(&e.span_id),
                };
                let _ = &data;
                cb(data.ptr, &ev);
            })
        });
        Ok(())
    })
}
