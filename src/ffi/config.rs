//! `ccx_client_config`: the C face of `ClientBuilder`, one typed setter per knob.
//! Setters only record values; `ccx_client_build` validates them all and names the
//! first bad one. A config is used from one thread at a time; it can build any
//! number of clients.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use super::boundary::{arg_mut, bytes, guard, out, string};
use super::code::ccx_code;
use super::error::ccx_error;
use crate::resilience::read_cache::{DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES};
use crate::resilience::{BreakerConfig, LimitMode, RateLimit, ReadCacheConfig, RetryBudgetConfig, RetryPolicy};
use crate::{ClientBuilder, TlsRoots};

/// A client configuration under construction (wraps the Rust `ClientBuilder`). Setters
/// only record values, and a setter that fails leaves the configuration unchanged;
/// `ccx_client_build` checks them all. Used by one thread at a time.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct ccx_client_config {
    pub(crate) builder: ClientBuilder,
    pub(crate) retry: RetryPolicy,
    pub(crate) redis: RedisSettings,
    /// The fresh-read cache as the setters left it; `None`: off (the default).
    pub(crate) read_cache: Option<ReadCacheConfig>,
}

/// The Redis settings as the setters left them; applied to the builder after each one.
#[derive(Debug, Default, Clone)]
pub(crate) struct RedisSettings {
    urls: Vec<String>,
    cluster_seeds: Vec<String>,
    key: String,
    ca_pem: Option<Vec<u8>>,
    /// Shared bucket: tokens per second and burst; `None`: the real service's default.
    limit: Option<(f64, u32)>,
    timeout_ms: u64,
    retry_redis_after_ms: u64,
}

/// A comma-separated list of URLs, blanks dropped.
fn url_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect()
}

/// Put the Redis settings into the builder: none when no URL or seed is set.
#[cfg(feature = "redis")]
fn apply_redis(c: &mut ccx_client_config) -> Result<(), ccx_error> {
    use crate::resilience::RedisLimitConfig;
    let r = c.redis.clone();
    let cfg = if r.urls.is_empty() && r.cluster_seeds.is_empty() {
        None
    } else {
        let mut cfg = RedisLimitConfig::default();
        if !r.cluster_seeds.is_empty() {
            cfg.cluster_seeds = r.cluster_seeds;
        } else if r.urls.len() > 1 {
            cfg.cluster_seeds = r.urls;
        } else {
            cfg.url = r.urls.into_iter().next().unwrap_or_default();
        }
        cfg.key = r.key;
        cfg.ca_pem = r.ca_pem;
        if let Some((rate, burst)) = r.limit {
            cfg.rate_per_sec = rate;
            cfg.burst = burst;
        }
        if r.timeout_ms > 0 {
            cfg.timeout = ms(r.timeout_ms);
        }
        if r.retry_redis_after_ms > 0 {
            cfg.retry_redis_after = ms(r.retry_redis_after_ms);
        }
        Some(cfg)
    };
    with_builder(c, |b| b.redis_rate_limit(cfg));
    Ok(())
}

/// Without the `redis` feature only "no Redis" is possible.
#[cfg(not(feature = "redis"))]
fn apply_redis(c: &mut ccx_client_config) -> Result<(), ccx_error> {
    if c.redis.urls.is_empty() && c.redis.cluster_seeds.is_empty() {
        return Ok(());
    }
    Err(ccx_error::invalid(
        "this library was built without Redis support (the cargo feature `redis`)",
    ))
}

/// Change the Redis settings with `f` and apply them; undone when that fails.
fn edit_redis(config: *mut ccx_client_config, f: impl FnOnce(&mut RedisSettings) -> Result<(), ccx_error>) -> ccx_code {
    edit(config, |c| {
        let before = c.redis.clone();
        f(&mut c.redis)?;
        apply_redis(c).inspect_err(|_| c.redis = before)
    })
}

/// Create a configuration with every setting at its default (see each setter).
///
/// Parameters: `config_out` is required.
///
/// Ownership: on success `*config_out` is a new configuration the caller frees with
/// `ccx_client_config_free`; on failure it is not written.
///
/// Thread safety: safe from any thread; the configuration is then used by one thread at a
/// time.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config_out`.
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

/// Free a configuration. Clients built from it are not affected; the request callback's
/// `free_userdata` runs (on this thread) if no such client is left.
///
/// Parameters: `config` may be NULL (nothing happens).
///
/// Ownership: `config` is invalid afterwards.
///
/// Thread safety: no other call on `config` may be running or start.
///
/// Returns: nothing.
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
/// Parameters: `config` is required. `url` is the URL: `url_len` bytes of UTF-8, not
/// NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `url` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `url`
/// with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `url` that is not UTF-8. Values
/// are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `cloud_id` is the tenant name: `cloud_id_len` bytes of
/// UTF-8, not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `cloud_id` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `cloud_id` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `cloud_id` that is not
/// UTF-8. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `client_id` is the id: `client_id_len` bytes of UTF-8,
/// not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `client_id` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `client_id` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `client_id` that is
/// not UTF-8. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `client_secret` is the secret: `client_secret_len`
/// bytes of UTF-8, not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `client_secret` is copied: the caller may free or reuse the memory when the
/// call returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `client_secret` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `client_secret`
/// that is not UTF-8. Values are only recorded: `ccx_client_build` checks them and fails
/// with `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `version` is the segment: `version_len` bytes of
/// UTF-8, not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `version` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `version` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `version` that is not
/// UTF-8. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `user_agent` is the header value: `user_agent_len`
/// bytes of UTF-8, not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `user_agent` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `user_agent` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `user_agent` that is
/// not UTF-8. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// Proxy URL (`http://[user:pass@]host:port`, HTTP `CONNECT`; Basic credentials
/// percent-encoded, never logged); an empty string means no proxy. Default none. A proxy
/// that refuses the tunnel fails calls with `CCX_CODE_PROXY`.
///
/// Parameters: `config` is required. `proxy` is the URL: `proxy_len` bytes of UTF-8, not
/// NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `proxy` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `proxy`
/// with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `proxy` that is not UTF-8. Values
/// are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `allow` true allows it.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`.
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

/// Timeouts in milliseconds; 0 keeps the current value. Defaults: connect 5000 (TCP connect
/// plus TLS handshake), read 30000 (the longest idle wait for any single read of the
/// response head or body, restarted by every byte), call 120000 (a whole call: token,
/// waits, every attempt and backoff; `CCX_CODE_TIMEOUT` when it runs out).
///
/// Parameters: `config` is required. `connect_ms`, `read_ms` and `call_ms` are the three
/// timeouts.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// Budget in milliseconds for the whole response head of one attempt, however steadily its
/// bytes arrive; 0 removes it. Default none (the read and call timeouts bound the head).
///
/// Parameters: `config` is required. `head_ms` is the budget.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_response_head_timeout(
    config: *mut ccx_client_config,
    head_ms: u64,
) -> ccx_code {
    edit(config, |c| {
        with_builder(c, |b| b.response_head_timeout((head_ms > 0).then(|| ms(head_ms))));
        Ok(())
    })
}

/// Largest response body accepted, in bytes (at least 1024). Default 10 MiB.
///
/// Parameters: `config` is required. `max` is the limit.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `margin_ms` is the margin.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `max_idle_per_host`, `max_hosts` and `idle_timeout_ms`
/// are the three values.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `max`, `wait_ms` and `fail_fast` as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
                .pool_wait(if fail_fast {
                    crate::PoolWait::FailFast
                } else {
                    crate::PoolWait::Wait(ms(wait_ms))
                })
        });
        Ok(())
    })
}

/// TCP keepalive: idle time, probe interval (ms, at least 1000) and probe count; `enabled`
/// false switches it off. Default on, 60000 / 10000 / 6.
///
/// Parameters: `config` is required. `enabled`, `idle_ms`, `interval_ms` and `probes` as
/// above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `nodelay` true sets it.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`.
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

/// DNS cache time to live in ms (0: no cache) and IPv4-first ordering. Default 300000,
/// true.
///
/// Parameters: `config` is required. `ttl_ms` is the time to live; `prefer_ipv4` true tries
/// IPv4 addresses first.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// Trust roots: 0 = the bundled Mozilla roots (default), 1 = the system's CA bundle, 2 =
/// only the CAs added with `ccx_client_config_add_ca_pem`.
///
/// Parameters: `config` is required. `roots` is 0, 1 or 2.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`;
/// `CCX_CODE_INVALID_PARAMETER` for another `roots` value.
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

/// Also trust the CA certificate(s) in this PEM text. Each call adds to the ones before.
///
/// Parameters: `config` is required. `pem` is `pem_len` bytes of PEM text, not
/// NUL-terminated.
///
/// Ownership: `pem` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `pem`
/// with a non-zero length. The text is only recorded: `ccx_client_build` checks them and
/// fails with `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// Parameters: `config` is required. `chain_pem` is `chain_len` bytes of PEM certificates,
/// `key_pem` is `key_len` bytes of the PEM private key; neither NUL-terminated.
///
/// Ownership: both buffers are copied: the caller may free or reuse the memory when the
/// call returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `chain_pem` or `key_pem` with a non-zero length. Values are only recorded:
/// `ccx_client_build` checks them and fails with `CCX_CODE_INVALID_PARAMETER` naming a bad
/// one.
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

/// Without an explicit proxy, read `HTTPS_PROXY`/`https_proxy`/`ALL_PROXY`/`all_proxy` and
/// `NO_PROXY`/`no_proxy` from the environment when the client is built (`HTTP_PROXY` is
/// not read). Default false.
///
/// Parameters: `config` is required. `enabled` true reads them.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`.
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
/// and cap in ms (defaults 500 and 120000), full jitter (default true), and whether POST is
/// retried after failures where it may have reached the server (default false).
///
/// Parameters: `config` is required. `max_retries`, `backoff_factor_ms`, `backoff_max_ms`,
/// `jitter` and `retry_non_idempotent` as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// HTTP statuses worth retrying, replacing the list. Default 408, 429, 500, 502, 503, 504.
///
/// Parameters: `config` is required. `codes` points to `count` statuses (100..=599); NULL
/// is allowed when `count` is 0 (no status is retried).
///
/// Ownership: the statuses are copied: the caller may free or reuse the memory when the
/// call returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `codes`
/// with a non-zero `count`; `CCX_CODE_INVALID_PARAMETER` for a value outside 100..=599.
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

/// Retry budget: retries may add at most `ratio` (0..1) of the calls of the last
/// `window_ms`, plus `min_retries` per window. `enabled` false removes it. Default on, 0.2,
/// 10, 10000.
///
/// Parameters: `config` is required. `enabled`, `ratio`, `min_retries` and `window_ms` as
/// above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// consecutive failures (5xx, timeouts, connect errors; 429 too if `count_429`), fails
/// calls at once for `recovery_ms`, then lets `half_open_max_calls` probes through and
/// closes after `success_threshold` successes. `enabled` false switches it off. Defaults:
/// on, 10, 300000, 1, 1, false, false.
///
/// Parameters: `config` is required. `enabled`, `failure_threshold`, `recovery_ms`,
/// `half_open_max_calls`, `success_threshold`, `count_429` and `per_operation` (one breaker
/// per host and operation) as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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
/// with no limit of its own until the server's rate-limit headers describe one. The rate
/// and burst set here are a ceiling: the server's `X-RateLimit-*` headers and the fair
/// share of a key used by other processes can lower them, never raise them.
///
/// Parameters: `config` is required. `enabled`, `rate_per_sec`, `burst`, `max_wait_ms` and
/// `fail_fast` as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// A separate bucket for POST, PUT and DELETE (same parameters as
/// `ccx_client_config_set_rate_limit`). Default none: writes share the main bucket.
///
/// Parameters: `config` is required. `enabled`, `rate_per_sec`, `burst`, `max_wait_ms` and
/// `fail_fast` as for `ccx_client_config_set_rate_limit`.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// Follow the server's `X-RateLimit-*` headers and pause after a 429. Default true. The
/// headers only ever lower a rate set with `ccx_client_config_set_rate_limit`.
///
/// Parameters: `config` is required. `enabled` true follows them.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`.
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
/// Parameters: `config` is required. `enabled` true shares them.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`.
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
/// Parameters: `config` is required. `max_age_ms` as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
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

/// Share one rate limit through Redis with every process that uses the same key: the Redis
/// URL (`redis://[:password@]host:port/db`, `rediss://…` for TLS through rustls,
/// `redis+unix:///path`), or a comma-separated list of Redis Cluster seed URLs. An empty
/// string switches Redis off (the default). Use it when several processes share one API
/// key; one process does not need it. Cost: one Redis round trip per call. When Redis fails
/// (error, timeout, cluster failover), calls use the client's own adaptive limiter and
/// Redis is tried again after the retry interval (see `ccx_client_config_set_redis_limit`).
///
/// Parameters: `config` is required. `url` is the URL or URLs: `url_len` bytes of UTF-8,
/// not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `url` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `url`
/// with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `url` that is not UTF-8;
/// `CCX_CODE_INVALID_PARAMETER` for a non-empty value when the library was built without
/// Redis support. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live; `url` points to `url_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_redis_url(
    config: *mut ccx_client_config,
    url: *const c_char,
    url_len: usize,
) -> ccx_code {
    edit_redis(config, |r| {
        // SAFETY: caller contract.
        r.urls = url_list(unsafe { string(url, url_len, "url")? });
        Ok(())
    })
}

/// Share the rate limit through a Redis Cluster: its seed URLs, comma-separated (at least
/// one must answer; all `redis://` or all `rediss://`). Cluster mode even with one seed;
/// wins over `ccx_client_config_set_redis_url`. An empty string: no cluster (the default).
///
/// Parameters: `config` is required. `seeds` is the seed URLs: `seeds_len` bytes of UTF-8,
/// not NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `seeds` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `seeds`
/// with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `seeds` that is not UTF-8;
/// `CCX_CODE_INVALID_PARAMETER` for a non-empty value when the library was built without
/// Redis support. Values are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live; `seeds` points to `seeds_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_redis_cluster(
    config: *mut ccx_client_config,
    seeds: *const c_char,
    seeds_len: usize,
) -> ccx_code {
    edit_redis(config, |r| {
        // SAFETY: caller contract.
        r.cluster_seeds = url_list(unsafe { string(seeds, seeds_len, "seeds")? });
        Ok(())
    })
}

/// The Redis key of the shared bucket; every process that should share a limit uses the
/// same one. Empty (the default): `cloudconnexa:{<api host>:<client id>}`.
///
/// Parameters: `config` is required. `key` is the key: `key_len` bytes of UTF-8, not
/// NUL-terminated; `(NULL, 0)` is the empty string.
///
/// Ownership: `key` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `key`
/// with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `key` that is not UTF-8. Values
/// are only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live; `key` points to `key_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_redis_key(
    config: *mut ccx_client_config,
    key: *const c_char,
    key_len: usize,
) -> ccx_code {
    edit_redis(config, |r| {
        // SAFETY: caller contract.
        r.key = unsafe { string(key, key_len, "key")? }.to_string();
        Ok(())
    })
}

/// Check `rediss://` servers against the CA certificate(s) in this PEM text (a private CA)
/// instead of the bundled Mozilla roots. Only with `rediss://` URLs. An empty buffer goes
/// back to the bundled roots (the default).
///
/// Parameters: `config` is required. `pem` is `pem_len` bytes of PEM text, not
/// NUL-terminated; `(NULL, 0)` is empty.
///
/// Ownership: `pem` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL `pem`
/// with a non-zero length. The text is only recorded: `ccx_client_build` checks them and
/// fails with `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live; `pem` points to `pem_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_redis_ca_pem(
    config: *mut ccx_client_config,
    pem: *const u8,
    pem_len: usize,
) -> ccx_code {
    edit_redis(config, |r| {
        // SAFETY: caller contract.
        let p = unsafe { bytes(pem, pem_len, "pem")? }.to_vec();
        r.ca_pem = (!p.is_empty()).then_some(p);
        Ok(())
    })
}

/// The shared Redis bucket: `rate_per_sec` tokens per second (within (0, 1e6]) and `burst`
/// tokens (1..=1000000), the whole fleet's: set them to the API key's limit. `rate_per_sec`
/// 0 keeps the current values (default: the real service's, one token per 15 s and a burst
/// of 20). `timeout_ms` is the Redis time budget of one call (default 100), `retry_ms` how
/// long calls use the client's own limiter after a Redis failure before Redis is tried
/// again (default 1000); 0 keeps the current value.
///
/// Parameters: `config` is required. `rate_per_sec`, `burst`, `timeout_ms` and `retry_ms`
/// as above.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_redis_limit(
    config: *mut ccx_client_config,
    rate_per_sec: f64,
    burst: u32,
    timeout_ms: u64,
    retry_ms: u64,
) -> ccx_code {
    edit_redis(config, |r| {
        if rate_per_sec != 0.0 {
            r.limit = Some((rate_per_sec, burst));
        }
        if timeout_ms > 0 {
            r.timeout_ms = timeout_ms;
        }
        if retry_ms > 0 {
            r.retry_redis_after_ms = retry_ms;
        }
        Ok(())
    })
}

/// Change the read-cache settings with `f`, starting from the library's defaults when the
/// cache is still off, and apply them; nothing changes when `f` fails.
fn edit_read_cache(
    config: *mut ccx_client_config,
    f: impl FnOnce(&mut ReadCacheConfig) -> Result<(), ccx_error>,
) -> ccx_code {
    edit(config, |c| {
        let mut rc = c.read_cache.clone().unwrap_or_default();
        f(&mut rc)?;
        c.read_cache = Some(rc.clone());
        with_builder(c, |b| b.read_cache(Some(rc)));
        Ok(())
    })
}

/// Switch the fresh-read cache on: a GET answered 2xx is kept in memory and the same GET
/// (same client id, same URL) is answered from there, with no HTTP request and no
/// rate-limit token spent, while it is younger than its family's time to live. Any POST,
/// PUT or DELETE made through the client (or another client of its transport) drops the
/// cached answers of its family (`networks`, `hosts`, `users`, `dns-records`, ...; the
/// first path segment after the API version). Changes made elsewhere (another process, the
/// Admin portal) are not seen: the time to live bounds how stale an answer can be, and
/// `ccx_client_invalidate_read_cache` drops answers on request. Default: off. Each call
/// sets all three values; the family times to live already set are kept. A configuration
/// cannot switch the cache off again once it is on: use a new one. The cache is shared by
/// the clients of one transport and is thread-safe; the metrics (`ccx_client_metrics_json`:
/// `read_cache`, `tokens_saved.cache`) count its hits.
///
/// Parameters: `config` is required. `default_ttl_ms` is the time to live, in milliseconds,
/// of every family without its own (`ccx_client_config_set_read_cache_ttl`); at most
/// 86400000 (24 h); 0 caches only the families given their own time to live; the library's
/// default is 30000 (30 s). `max_entries` is the most answers kept, 1..=1000000; 0 means
/// the default, 1024. `max_bytes` is the most bytes kept (bodies, headers, keys, plus 128
/// bytes per entry), at least 1024; 0 means the default, 33554432 (32 MiB); an answer
/// larger than this is not cached. Beyond either bound the least recently used answer is
/// evicted.
///
/// Ownership: nothing changes hands; `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config`. Values are
/// only recorded: `ccx_client_build` checks them and fails with
/// `CCX_CODE_INVALID_PARAMETER` naming a bad one.
///
/// # Safety
/// `config` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_read_cache(
    config: *mut ccx_client_config,
    default_ttl_ms: u64,
    max_entries: usize,
    max_bytes: u64,
) -> ccx_code {
    edit_read_cache(config, |rc| {
        rc.default_ttl = ms(default_ttl_ms);
        rc.max_entries = if max_entries == 0 {
            DEFAULT_MAX_ENTRIES
        } else {
            max_entries
        };
        rc.max_bytes = if max_bytes == 0 { DEFAULT_MAX_BYTES } else { max_bytes };
        Ok(())
    })
}

/// The fresh-read cache's time to live of one family, in milliseconds (at most 86400000, 24
/// h); 0 leaves that family uncached. Setting a family again replaces its value. When the
/// cache is still off this switches it on with the defaults for everything else (30 s for
/// the other families, 1024 answers, 32 MiB); call `ccx_client_config_set_read_cache` with
/// `default_ttl_ms` 0 to cache only the families named here.
///
/// Parameters: `config` is required. `ttl_ms` is the time to live. `family` is a bare
/// family name such as `networks`, `hosts`, `users`, `user-groups` or `dns-records`
/// (connectors, routes and other children of networks and hosts belong to their parent's
/// family; devices to `users`): `family_len` bytes of UTF-8, not NUL-terminated;
/// `(NULL, 0)` is the empty string.
///
/// Ownership: `family` is copied: the caller may free or reuse the memory when the call
/// returns. `config` stays the caller's.
///
/// Thread safety: one thread at a time per configuration (no other call on `config`
/// meanwhile); different configurations may be set from different threads at once.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `config`, or a NULL
/// `family` with a non-zero length; `CCX_CODE_INVALID_UTF8` for a `family` that is not
/// UTF-8. An empty name, one containing `/`, `?`, `#` or a control character, or a `ttl_ms`
/// over 24 h fails `ccx_client_build` with `CCX_CODE_INVALID_PARAMETER`.
///
/// # Safety
/// `config` is NULL or live; `family` points to `family_len` bytes of UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_client_config_set_read_cache_ttl(
    config: *mut ccx_client_config,
    family: *const c_char,
    family_len: usize,
    ttl_ms: u64,
) -> ccx_code {
    edit_read_cache(config, |rc| {
        // SAFETY: caller contract.
        let f = unsafe { string(family, family_len, "family")? };
        *rc = std::mem::take(rc).family_ttl(f, ms(ttl_ms));
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
    /// W3C trace id (32 hex digits), shared by every request of the call.
    pub trace_id: super::types::ccx_str,
    /// This request's span id (16 hex digits), sent in `traceparent`.
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

/// Call `callback(userdata, event)` after every HTTP request (token requests included) of
/// the clients built from this configuration afterwards (metrics, tracing bridges). A later
/// call replaces the callback for clients built after it.
///
/// Parameters: `config` and `callback` are required. `userdata` is passed to `callback`
/// untouched and may be NULL. `free_userdata` may be NULL (nothing to release).
///
/// Ownership: the configuration, and every client built from it, hold `userdata`;
/// `free_userdata(userdata)` runs exactly once when the last of them no longer needs it (on
/// the thread that frees it: `ccx_client_free`, `ccx_client_config_free`, or this function
/// replacing it). If this function fails, `free_userdata` is not called and `userdata`
/// stays the caller's.
///
/// Thread safety: one thread at a time per configuration. `callback` is called concurrently
/// from every thread that calls the clients, and from the library's token thread; it must
/// be thread-safe, quick, must not unwind and must not call blocking `ccx_*` functions.
///
/// Returns: `CCX_CODE_OK`, or `CCX_CODE_NULL_PARAMETER` for a NULL `config` or `callback`.
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

#[cfg(test)]
mod redis_tests {
    use super::*;

    fn config() -> *mut ccx_client_config {
        let mut c = std::ptr::null_mut();
        // SAFETY: a valid out pointer.
        assert_eq!(unsafe { ccx_client_config_new(&mut c) }, ccx_code::Ok);
        c
    }

    fn set(
        c: *mut ccx_client_config,
        f: unsafe extern "C" fn(*mut ccx_client_config, *const c_char, usize) -> ccx_code,
        s: &str,
    ) -> ccx_code {
        // SAFETY: a live config and `s.len()` bytes at `s`.
        unsafe { f(c, s.as_ptr().cast(), s.len()) }
    }

    #[cfg(feature = "redis")]
    #[test]
    fn redis_setters_fill_the_builder() {
        let c = config();
        let redis = |c: *mut ccx_client_config| {
            // SAFETY: live config.
            let b = unsafe { &(*c).builder }.clone();
            b.api_url("https://acme.api.openvpn.com")
                .client_id("id")
                .client_secret("s")
                .config()
                .unwrap()
                .resilience
                .redis
        };
        assert!(redis(c).is_none(), "off by default");
        assert_eq!(
            set(c, ccx_client_config_set_redis_url, "rediss://r:6380/0"),
            ccx_code::Ok
        );
        let pem = b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        // SAFETY: live config, `pem.len()` bytes.
        assert_eq!(
            unsafe { ccx_client_config_set_redis_ca_pem(c, pem.as_ptr(), pem.len()) },
            ccx_code::Ok
        );
        // SAFETY: live config.
        assert_eq!(
            unsafe { ccx_client_config_set_redis_limit(c, 20.0, 20, 250, 500) },
            ccx_code::Ok
        );
        let r = redis(c).unwrap();
        assert_eq!(r.url, "rediss://r:6380/0");
        assert!(r.cluster_seeds.is_empty());
        assert_eq!(r.key, "cloudconnexa:{acme.api.openvpn.com:id}", "derived");
        assert_eq!(r.ca_pem.as_deref(), Some(&pem[..]));
        assert_eq!((r.rate_per_sec, r.burst), (20.0, 20));
        assert_eq!(
            (r.timeout, r.retry_redis_after),
            (Duration::from_millis(250), Duration::from_millis(500))
        );
        assert_eq!(set(c, ccx_client_config_set_redis_key, "fleet"), ccx_code::Ok);
        assert_eq!(
            set(c, ccx_client_config_set_redis_cluster, "redis://a:7000, redis://b:7000"),
            ccx_code::Ok
        );
        let r = redis(c).unwrap();
        assert_eq!(r.cluster_seeds, ["redis://a:7000", "redis://b:7000"]);
        assert_eq!(r.key, "fleet");
        assert_eq!(set(c, ccx_client_config_set_redis_cluster, ""), ccx_code::Ok);
        assert_eq!(
            set(c, ccx_client_config_set_redis_url, "redis://a:1,redis://b:2"),
            ccx_code::Ok
        );
        assert_eq!(
            redis(c).unwrap().cluster_seeds,
            ["redis://a:1", "redis://b:2"],
            "a list is a cluster"
        );
        assert_eq!(set(c, ccx_client_config_set_redis_url, ""), ccx_code::Ok);
        assert!(redis(c).is_none(), "an empty URL switches Redis off");
        // SAFETY: live config, freed once.
        unsafe { ccx_client_config_free(c) };
    }

    #[cfg(not(feature = "redis"))]
    #[test]
    fn redis_setters_say_redis_is_not_built_in() {
        let c = config();
        assert_eq!(set(c, ccx_client_config_set_redis_key, "k"), ccx_code::Ok);
        assert_eq!(set(c, ccx_client_config_set_redis_url, ""), ccx_code::Ok);
        assert_eq!(
            set(c, ccx_client_config_set_redis_url, "redis://127.0.0.1:6379/0"),
            ccx_code::InvalidParameter
        );
        assert_eq!(
            set(c, ccx_client_config_set_redis_cluster, "redis://127.0.0.1:7000"),
            ccx_code::InvalidParameter
        );
        // SAFETY: live config, freed once.
        unsafe { ccx_client_config_free(c) };
    }

    #[test]
    fn redis_setters_check_their_arguments() {
        // SAFETY: NULL config is refused; NULL with a length is refused.
        unsafe {
            assert_eq!(
                ccx_client_config_set_redis_url(std::ptr::null_mut(), std::ptr::null(), 0),
                ccx_code::NullParameter
            );
            let c = config();
            assert_eq!(
                ccx_client_config_set_redis_key(c, std::ptr::null(), 3),
                ccx_code::NullParameter
            );
            assert_eq!(
                ccx_client_config_set_redis_cluster(c, b"\xff".as_ptr().cast(), 1),
                ccx_code::InvalidUtf8
            );
            assert_eq!(ccx_client_config_set_redis_ca_pem(c, std::ptr::null(), 0), ccx_code::Ok);
            ccx_client_config_free(c);
        }
    }
}

#[cfg(test)]
mod read_cache_tests {
    use super::*;

    fn config() -> *mut ccx_client_config {
        let mut c = std::ptr::null_mut();
        // SAFETY: a valid out pointer.
        assert_eq!(unsafe { ccx_client_config_new(&mut c) }, ccx_code::Ok);
        c
    }

    /// What `ccx_client_build` would see: the validated read-cache settings, or the error.
    fn read_cache(c: *mut ccx_client_config) -> crate::Result<Option<ReadCacheConfig>> {
        // SAFETY: live config.
        let b = unsafe { &(*c).builder }.clone();
        b.api_url("https://acme.api.openvpn.com")
            .client_id("id")
            .client_secret("s")
            .config()
            .map(|cfg| cfg.resilience.read_cache)
    }

    fn family_ttl(c: *mut ccx_client_config, family: &[u8], ttl_ms: u64) -> ccx_code {
        // SAFETY: a live config and `family.len()` bytes at `family`.
        unsafe { ccx_client_config_set_read_cache_ttl(c, family.as_ptr().cast(), family.len(), ttl_ms) }
    }

    #[test]
    fn read_cache_setters_fill_the_builder() {
        let c = config();
        assert_eq!(read_cache(c).unwrap(), None, "off by default");
        // SAFETY: live config.
        assert_eq!(unsafe { ccx_client_config_set_read_cache(c, 5000, 0, 0) }, ccx_code::Ok);
        assert_eq!(
            read_cache(c).unwrap(),
            Some(ReadCacheConfig::new(ms(5000))),
            "0 entries and 0 bytes are the defaults"
        );
        assert_eq!(family_ttl(c, b"networks", 60_000), ccx_code::Ok);
        assert_eq!(family_ttl(c, b"users", 0), ccx_code::Ok);
        assert_eq!(family_ttl(c, b"networks", 10_000), ccx_code::Ok);
        // SAFETY: live config.
        assert_eq!(
            unsafe { ccx_client_config_set_read_cache(c, 0, 10, 4096) },
            ccx_code::Ok
        );
        let rc = read_cache(c).unwrap().unwrap();
        assert_eq!(
            (rc.default_ttl, rc.max_entries, rc.max_bytes),
            (Duration::ZERO, 10, 4096)
        );
        assert_eq!(
            rc.ttl_by_family,
            [
                ("users".to_string(), Duration::ZERO),
                ("networks".to_string(), ms(10_000))
            ],
            "families kept across set_read_cache, the last value of each"
        );
        // SAFETY: live config, freed once.
        unsafe { ccx_client_config_free(c) };
    }

    #[test]
    fn a_family_ttl_alone_switches_the_cache_on_with_the_defaults() {
        let c = config();
        assert_eq!(family_ttl(c, b"hosts", 1000), ccx_code::Ok);
        assert_eq!(
            read_cache(c).unwrap(),
            Some(ReadCacheConfig::default().family_ttl("hosts", ms(1000)))
        );
        // SAFETY: live config, freed once.
        unsafe { ccx_client_config_free(c) };
    }

    #[test]
    fn bad_read_cache_values_fail_the_build_naming_the_field() {
        for (ttl, entries, bytes, family, want) in [
            (86_400_001, 0, 0, "", "default_ttl"),
            (1000, 1_000_001, 0, "", "max_entries"),
            (1000, 0, 1023, "", "max_bytes"),
            (1000, 0, 0, "networks/x", "bare family name"),
            (1000, 0, 0, "-", "above 24 h"),
        ] {
            let c = config();
            // SAFETY: live config.
            assert_eq!(
                unsafe { ccx_client_config_set_read_cache(c, ttl, entries, bytes) },
                ccx_code::Ok
            );
            if !family.is_empty() {
                let ttl = if family == "-" { 86_400_001 } else { 1000 };
                assert_eq!(family_ttl(c, family.as_bytes(), ttl), ccx_code::Ok, "recorded only");
            }
            let e = read_cache(c).expect_err(want);
            assert_eq!(e.kind(), &crate::ErrorKind::InvalidInput);
            assert!(e.to_string().contains(want), "{want}: {e}");
            // SAFETY: live config, freed once.
            unsafe { ccx_client_config_free(c) };
        }
        let c = config();
        assert_eq!(family_ttl(c, b"", 1000), ccx_code::Ok);
        assert!(read_cache(c).is_err(), "an empty family name");
        // SAFETY: live config, freed once.
        unsafe { ccx_client_config_free(c) };
    }

    #[test]
    fn read_cache_setters_check_their_arguments() {
        // SAFETY: NULL config is refused; NULL with a length is refused.
        unsafe {
            assert_eq!(
                ccx_client_config_set_read_cache(std::ptr::null_mut(), 1000, 0, 0),
                ccx_code::NullParameter
            );
            assert_eq!(
                ccx_client_config_set_read_cache_ttl(std::ptr::null_mut(), b"x".as_ptr().cast(), 1, 1),
                ccx_code::NullParameter
            );
            let c = config();
            assert_eq!(
                ccx_client_config_set_read_cache_ttl(c, std::ptr::null(), 3, 1000),
                ccx_code::NullParameter
            );
            assert_eq!(family_ttl(c, b"\xff", 1000), ccx_code::InvalidUtf8);
            assert_eq!(read_cache(c).unwrap(), None, "a refused argument changes nothing");
            ccx_client_config_free(c);
        }
    }
}
