//! The shared rate limiter: one GCRA bucket in Redis that every process using the
//! same key draws from, so a fleet stays under one API key's limit. Redis keeps
//! the bucket's TAT and a Lua script reserves a token atomically on Redis time.
//!
//! Redis is one server (`redis://`, `rediss://` over rustls, `redis+unix://`) or a
//! Redis Cluster given by seed URLs ([`RedisLimitConfig::cluster_seeds`]). The bucket is
//! one key, so it lives on one slot; the client's default key
//! ([`RedisLimitConfig::default_key`]) is also hash-tagged (`cloudconnexa:{host:client_id}`).
//!
//! When Redis is unreachable, errors, times out or the cluster is failing over,
//! [`RedisLimiter::reserve`] answers "Redis unavailable" (`Ok(None)`) and the client
//! uses its own adaptive limiter instead (the local bucket that follows the server's
//! `X-RateLimit-*` headers), never a private bucket of the configured rate: the
//! configured rate is the whole fleet's, and one process alone must not spend it.
//! After a failure, Redis is tried again only after
//! [`RedisLimitConfig::retry_redis_after`] (one call probes; the others keep using the
//! local limiter), and on a new connection (in cluster mode a new cluster connection,
//! so the slot map is read afresh); sharing resumes as soon as Redis answers.
//!
//! # Cost
//! One Redis round trip per call (EVALSHA of a short script; EVAL once per server
//! after a restart or failover). Measured 2026-12-02 with the test
//! `cost_per_reservation_over_tcp_and_tls` (release build, one thread, pooled connection,
//! `redis-server` 7.0 on loopback, a 2-core Linux VM shared with other builds; 4 runs):
//! **21–43 µs per reservation over TCP (median 26 µs)** and **24–52 µs over TLS
//! (median 29 µs)**: TLS adds a few µs once the connection is open (the handshake is
//! paid once per pooled connection). Across a network add one round trip (typically
//! 0.1–1 ms within a data centre). Against the API's own latency (tens to hundreds of ms
//! per call) and its rate (20 tokens, one per 15 s) this is small.
//!
//! # When to turn it on
//! When several processes (services, workers, hosts) call the API with one API key:
//! they then share the key's one bucket instead of each believing it has the whole of
//! it. One process does not need it: its local adaptive limiter already sees every
//! call it makes.
//!
//! With the `redis` cargo feature (on by default).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConnection};
use redis::{Connection, ConnectionAddr, ConnectionLike, IntoConnectionInfo, RedisError, RedisResult, TlsCertificates};

use super::clock::Clock;
use super::limiter::RateLimit;
use crate::error::{Error, ErrorKind};

/// Reserve one token of the bucket in `KEYS[1]`, or refuse. All times are
/// microseconds of the Redis server's clock (`TIME`), so clients' clocks never matter.
///
/// - `KEYS[1]`: the bucket, holding its TAT (theoretical arrival time) as an integer.
/// - `ARGV[1]`: emission interval T in µs per token (integer >= 1).
/// - `ARGV[2]`: burst, in tokens (integer >= 1); tau = T * burst.
/// - `ARGV[3]`: the longest wait the caller accepts, in µs.
///
/// Returns `{1, wait}` when a token was reserved (the caller sleeps `wait` µs before
/// sending) or `{0, retry_after}` when the wait would exceed the maximum (nothing
/// reserved). The key expires when the bucket would be full again, so idle keys vanish.
/// It touches `KEYS[1]` only, so it runs unchanged on a Redis Cluster (routed by the key).
const SCRIPT: &str = r#"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local emission = tonumber(ARGV[1])
local tau = emission * tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = tonumber(stored)
  if not tat then
    return redis.error_reply('ERR cloudconnexa rate limiter: the key does not hold a number')
  end
  if tat < now then tat = now end
end
local new_tat = tat + emission
local wait = new_tat - tau - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, wait}
"#;

/// The longest wait passed to Redis, in µs (about 31 years): keeps the script's
/// numbers exact (Lua numbers are doubles, exact to 2^53).
const MAX_WAIT_US: u64 = 1_000_000_000_000_000;

/// Idle connections kept for reuse; more concurrent callers open extra connections
/// that are closed after use.
const MAX_IDLE: usize = 16;

/// Settings of a [`RedisLimiter`].
///
/// The default is the real service's default per API key (20 tokens, one more every
/// 15 s) on `redis://127.0.0.1:6379/0`, no cluster, the key derived by the client
/// (empty here: see [`key`](Self::key)), 100 ms Redis timeout, 1 s before Redis is tried
/// again after a failure.
///
/// Cost: one Redis round trip per call (measured 2026-12-02 on loopback: median 26 µs
/// over TCP, 29 µs over TLS; see the [module docs](self)). Worth it when several
/// processes share one API key; one process does not need it.
#[derive(Clone, PartialEq)]
pub struct RedisLimitConfig {
    /// Where Redis is: `redis://[[user]:password@]host[:port][/db]`,
    /// `rediss://…` (TLS through rustls; the server certificate is checked against the
    /// bundled Mozilla roots, or only against [`ca_pem`](Self::ca_pem) when that is set;
    /// `#insecure` is refused), or `redis+unix:///path/to/socket`. Ignored when
    /// [`cluster_seeds`](Self::cluster_seeds) is not empty.
    /// Default `redis://127.0.0.1:6379/0`.
    pub url: String,
    /// Redis Cluster mode when not empty: the seed nodes' URLs (`redis://` or all
    /// `rediss://`, one password for all), of which at least one must answer; the rest
    /// of the cluster is discovered from it. [`url`](Self::url) is then ignored.
    /// Default empty (one server).
    pub cluster_seeds: Vec<String>,
    /// The Redis key of the shared bucket; every process that should share a limit
    /// uses the same key. Empty means: the client fills in
    /// [`default_key`](Self::default_key) of its API host and client id when it is built
    /// (a [`RedisLimiter`] built directly needs a key). Default empty.
    pub key: String,
    /// The CA certificate(s), PEM, that `rediss://` servers are checked against instead of
    /// the bundled roots (a private CA). Only with `rediss://` URLs. Default none.
    pub ca_pem: Option<Vec<u8>>,
    /// Tokens added per second, within (0, 1e6] (the script works in whole
    /// microseconds: the interval per token is `1e6 / rate_per_sec` µs, rounded).
    /// This is the whole fleet's rate. Default 1/15.
    pub rate_per_sec: f64,
    /// Bucket capacity in tokens, within 1..=1000000: the server's burst. Default 20.
    ///
    /// A client keeps one token of it in reserve (its shared bucket holds `burst - 1`,
    /// at least 1): the shared bucket starts counting at the first reservation, the
    /// server's at that request's arrival a little later, so a bucket of the full burst
    /// runs a fraction of a token ahead of the server's and now and then earns a 429.
    /// A [`RedisLimiter`] built directly uses the whole burst.
    pub burst: u32,
    /// The Redis time budget of one [`RedisLimiter::reserve`]: connecting (per
    /// resolved address) plus the script call. Within (0, 60 s]. Host name
    /// resolution is not bounded by it; use an IP address where that matters. In cluster
    /// mode it bounds each connect and each reply; a call that meets a redirect or a
    /// failover may spend about twice that (one redirect is followed). Default 100 ms.
    pub timeout: Duration,
    /// After a Redis failure, use the client's own limiter this long before trying
    /// Redis again (one call then probes; the others keep using the local limiter until
    /// it succeeds). Zero tries Redis on every call. Default 1 s.
    pub retry_redis_after: Duration,
}

impl Default for RedisLimitConfig {
    fn default() -> Self {
        RedisLimitConfig::from_rate_limit("redis://127.0.0.1:6379/0", "", &RateLimit::default())
    }
}

impl RedisLimitConfig {
    /// Settings with the rate and burst of a local [`RateLimit`] (its `mode` is the
    /// caller's business: pass the wait it allows to [`RedisLimiter::reserve`]), no
    /// cluster and no CA, and the default timeout (100 ms) and retry interval (1 s).
    pub fn from_rate_limit(url: impl Into<String>, key: impl Into<String>, limit: &RateLimit) -> RedisLimitConfig {
        RedisLimitConfig {
            url: url.into(),
            cluster_seeds: Vec::new(),
            key: key.into(),
            ca_pem: None,
            rate_per_sec: limit.rate_per_sec,
            burst: limit.burst,
            timeout: Duration::from_millis(100),
            retry_redis_after: Duration::from_secs(1),
        }
    }

    /// The key a client uses when none is set: `cloudconnexa:{<api_host>:<client_id>}`,
    /// hash-tagged (one cluster slot), with the host lower-cased and any character other
    /// than ASCII letters, digits and `.-_~` (and `:` in the host, `@` in the id)
    /// percent-encoded, so braces, spaces or control characters never reach the key.
    /// The secret is never part of it. `api_host` is the host, with `:port` when the
    /// port is not the scheme's default.
    pub fn default_key(api_host: &str, client_id: &str) -> String {
        fn escape(s: &str, extra: &[u8]) -> String {
            let mut out = String::with_capacity(s.len());
            for &b in s.as_bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || extra.contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }
        format!(
            "cloudconnexa:{{{}:{}}}",
            escape(&api_host.to_ascii_lowercase(), b":"),
            escape(client_id, b"@")
        )
    }
}

/// Shows the URLs without their passwords, and whether a CA is set.
impl fmt::Debug for RedisLimitConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimitConfig")
            .field("url", &redact(&self.url))
            .field(
                "cluster_seeds",
                &self.cluster_seeds.iter().map(|s| redact(s)).collect::<Vec<_>>(),
            )
            .field("key", &self.key)
            .field("ca_pem", &self.ca_pem.as_ref().map(|p| format!("{} bytes", p.len())))
            .field("rate_per_sec", &self.rate_per_sec)
            .field("burst", &self.burst)
            .field("timeout", &self.timeout)
            .field("retry_redis_after", &self.retry_redis_after)
            .finish()
    }
}

/// The URL with any user information (`user:password@`) replaced by `***@`.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    }
}

/// Counters of a [`RedisLimiter`]; read them with `load(Ordering::Relaxed)`.
#[derive(Debug, Default)]
pub struct RedisLimiterStats {
    /// Calls answered by Redis: a token reserved, or a refusal because the wait
    /// would exceed the caller's maximum.
    pub redis_reservations: AtomicU64,
    /// Calls answered "Redis unavailable" (the caller's own limiter decides), because
    /// Redis failed on this call or had failed less than `retry_redis_after` ago.
    pub fallbacks: AtomicU64,
    /// Failed Redis attempts: connect, timeout, broken connection, error reply, cluster
    /// down or failing over.
    pub redis_errors: AtomicU64,
    /// Connections opened to replace one that was dropped after an error.
    pub reconnects: AtomicU64,
}

/// A connection the limiter can run the script on.
trait Link: ConnectionLike + Send {
    /// Read and write timeouts of the next command.
    fn budget(&mut self, d: Duration) -> RedisResult<()>;
}

impl Link for Connection {
    fn budget(&mut self, d: Duration) -> RedisResult<()> {
        self.set_read_timeout(Some(d))?;
        self.set_write_timeout(Some(d))
    }
}

impl Link for ClusterConnection {
    fn budget(&mut self, d: Duration) -> RedisResult<()> {
        self.set_read_timeout(Some(d))?;
        self.set_write_timeout(Some(d))
    }
}

/// One server or a cluster, with its idle connections.
enum Backend {
    Single {
        client: redis::Client,
        pool: Mutex<Vec<Connection>>,
    },
    Cluster {
        client: ClusterClient,
        pool: Mutex<Vec<ClusterConnection>>,
    },
}

/// A token bucket shared through Redis (one server or a Redis Cluster) by every
/// process that uses the same key.
///
/// [`reserve`](Self::reserve) costs one Redis round trip (see the [module docs](self) for
/// the measured figures). When Redis cannot answer it says so (`Ok(None)`), and the
/// caller uses its own limiter; a [`Client`](crate::Client) then uses its adaptive
/// local bucket.
///
/// `Send + Sync`: share one per process (in an `Arc`) and call it from any thread.
/// Connections are pooled; a call holds a lock only to take or return one, never
/// while talking to Redis or waiting, and [`reserve`](Self::reserve) never sleeps:
/// the caller sleeps for the wait it returns.
pub struct RedisLimiter {
    backend: Backend,
    script: redis::Script,
    /// Where Redis is, for logs: the URL or the seeds, without passwords.
    target: String,
    key: String,
    emission_us: u64,
    burst: u32,
    timeout: Duration,
    retry_redis_after: Duration,
    clock: Arc<dyn Clock>,
    /// When Redis may be tried again (clock nanoseconds); 0 while Redis is healthy.
    retry_at: AtomicU64,
    /// Connections dropped after an error and not yet replaced.
    broken: AtomicU64,
    last_error: Mutex<Option<String>>,
    stats: RedisLimiterStats,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("target", &self.target)
            .field("cluster", &matches!(self.backend, Backend::Cluster { .. }))
            .field("key", &self.key)
            .field("emission_us", &self.emission_us)
            .field("burst", &self.burst)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// `InvalidInput` for a URL the Redis client refuses, without the URL (it may hold a
/// password) and with the client's own explanation only when it is a config error.
fn url_error(what: &str, e: &RedisError) -> Error {
    let detail = if e.kind() == redis::ErrorKind::InvalidClientConfig {
        e.detail()
    } else {
        None
    };
    Error::invalid(format!(
        "Redis rate limit {what} is not usable: {}",
        detail.unwrap_or("cannot parse")
    ))
}

/// Parse one URL; `#insecure` (no certificate check) is refused.
fn connection_info(what: &str, url: &str) -> Result<redis::ConnectionInfo, Error> {
    let info = url.into_connection_info().map_err(|e| url_error(what, &e))?;
    if let ConnectionAddr::TcpTls { insecure: true, .. } = info.addr() {
        return Err(Error::invalid(format!(
            "Redis rate limit {what}: #insecure is not supported (certificates are always checked; \
             set ca_pem to trust a private CA)"
        )));
    }
    Ok(info)
}

fn is_tls(info: &redis::ConnectionInfo) -> bool {
    matches!(info.addr(), ConnectionAddr::TcpTls { .. })
}

/// The certificates of `ca_pem`: at least one, all parseable.
fn tls_certificates(ca_pem: &[u8]) -> Result<TlsCertificates, Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(ca_pem).collect();
    match certs {
        Ok(c) if !c.is_empty() => Ok(TlsCertificates {
            client_tls: None,
            root_cert: Some(ca_pem.to_vec()),
        }),
        Ok(_) => Err(Error::invalid("Redis rate limit ca_pem holds no PEM certificate")),
        Err(e) => Err(Error::invalid(format!(
            "Redis rate limit ca_pem is not a valid PEM certificate: {e}"
        ))),
    }
}

impl RedisLimiter {
    /// Check the settings and build the limiter. Connects lazily: Redis need not be
    /// up (calls answer "unavailable" until it is), and this never blocks.
    ///
    /// `clock` drives the retry interval; the shared bucket runs on Redis time.
    ///
    /// # Errors
    /// `InvalidInput` for a URL or seed the Redis client cannot use (or `#insecure`),
    /// seeds that mix TLS and plain TCP or passwords, a `ca_pem` without certificates or
    /// with non-`rediss://` URLs, an empty key, a rate outside (0, 1e6], a burst outside
    /// 1..=1000000, a timeout outside (0, 60 s], or a bucket longer than about 31 years
    /// (`burst / rate_per_sec`). Messages never contain a URL.
    pub fn new(cfg: RedisLimitConfig, clock: Arc<dyn Clock>) -> Result<RedisLimiter, Error> {
        if !(cfg.rate_per_sec.is_finite() && cfg.rate_per_sec > 0.0 && cfg.rate_per_sec <= 1e6) {
            return Err(Error::invalid("Redis rate limit rate_per_sec must be within (0, 1e6]"));
        }
        if cfg.burst == 0 || cfg.burst > 1_000_000 {
            return Err(Error::invalid("Redis rate limit burst must be within 1..=1000000"));
        }
        let emission_us = (1e6 / cfg.rate_per_sec).round().max(1.0);
        if emission_us * f64::from(cfg.burst) > MAX_WAIT_US as f64 {
            return Err(Error::invalid(
                "Redis rate limit: burst / rate_per_sec must be at most 1e9 s",
            ));
        }
        if cfg.key.is_empty() {
            return Err(Error::invalid(
                "Redis rate limit key must not be empty (a client fills in its default key when built)",
            ));
        }
        if cfg.timeout.is_zero() || cfg.timeout > Duration::from_secs(60) {
            return Err(Error::invalid("Redis rate limit timeout must be within (0, 60 s]"));
        }
        let certs = cfg.ca_pem.as_deref().map(tls_certificates).transpose()?;
        let (backend, target) = if cfg.cluster_seeds.is_empty() {
            let info = connection_info("url", &cfg.url)?;
            let client = match certs {
                Some(certs) => {
                    if !is_tls(&info) {
                        return Err(Error::invalid("Redis rate limit ca_pem needs a rediss:// url"));
                    }
                    redis::Client::build_with_tls(info, certs).map_err(|e| url_error("url", &e))?
                }
                None => redis::Client::open(info).map_err(|e| url_error("url", &e))?,
            };
            let backend = Backend::Single {
                client,
                pool: Mutex::new(Vec::new()),
            };
            (backend, redact(&cfg.url))
        } else {
            let mut infos = Vec::with_capacity(cfg.cluster_seeds.len());
            for seed in &cfg.cluster_seeds {
                infos.push(connection_info("cluster seed", seed)?);
            }
            let tls = is_tls(&infos[0]);
            if infos.iter().any(|i| is_tls(i) != tls) {
                return Err(Error::invalid(
                    "Redis rate limit cluster seeds must be all rediss:// or all redis://",
                ));
            }
            let mut b = ClusterClientBuilder::new(infos)
                .connection_timeout(cfg.timeout)
                .response_timeout(cfg.timeout)
                // one redirect (MOVED/ASK after a failover or resharding) or one short
                // wait (TRYAGAIN, CLUSTERDOWN); beyond that the caller's limiter decides
                .retries(1)
                .min_retry_wait(1)
                .max_retry_wait(cfg.timeout.as_millis().clamp(1, 50) as u64);
            if let Some(certs) = certs {
                if !tls {
                    return Err(Error::invalid("Redis rate limit ca_pem needs rediss:// cluster seeds"));
                }
                b = b.certs(certs);
            }
            let client = b.build().map_err(|e| url_error("cluster seeds", &e))?;
            let backend = Backend::Cluster {
                client,
                pool: Mutex::new(Vec::new()),
            };
            let seeds: Vec<String> = cfg.cluster_seeds.iter().map(|s| redact(s)).collect();
            (backend, format!("cluster [{}]", seeds.join(", ")))
        };
        Ok(RedisLimiter {
            backend,
            script: redis::Script::new(SCRIPT),
            target,
            key: cfg.key,
            emission_us: emission_us as u64,
            burst: cfg.burst,
            timeout: cfg.timeout,
            retry_redis_after: cfg.retry_redis_after,
            clock,
            retry_at: AtomicU64::new(0),
            broken: AtomicU64::new(0),
            last_error: Mutex::new(None),
            stats: RedisLimiterStats::default(),
        })
    }

    /// Reserve one token of the shared bucket.
    ///
    /// - `Ok(Some(wait))`: Redis reserved a token; sleep `wait`, then send (zero when a
    ///   token is free now). The token is yours: do not call again for the same request.
    /// - `Ok(None)`: Redis is unavailable (failed on this call, or failed less than
    ///   `retry_redis_after` ago); nothing was reserved and `fallbacks` counts it. Use
    ///   your own limiter for this call.
    ///
    /// Thread-safe; never panics; never sleeps; spends at most about `timeout` on
    /// Redis (plus host name resolution; see [`RedisLimitConfig::timeout`] for cluster
    /// mode). Redis errors are never returned, only logged and counted.
    ///
    /// # Errors
    /// `RateLimited` with `retry_after` (the wait a token would have needed) when Redis
    /// says the wait would exceed `max_wait`; nothing is reserved then. Pass
    /// `Duration::ZERO` to fail fast.
    pub fn reserve(&self, max_wait: Duration) -> Result<Option<Duration>, Error> {
        if self.may_try_redis() {
            match self.reserve_on_redis(max_wait) {
                Ok(answer) => {
                    if self.retry_at.swap(0, Ordering::AcqRel) != 0 {
                        let target = &self.target;
                        log::info!(target: "cloudconnexa", "Redis rate limit at {target}: Redis is back, shared again");
                    }
                    self.stats.redis_reservations.fetch_add(1, Ordering::Relaxed);
                    return answer.map(Some);
                }
                Err(e) => {
                    self.stats.redis_errors.fetch_add(1, Ordering::Relaxed);
                    let was_healthy = self.retry_at.swap(self.next_try(), Ordering::AcqRel) == 0;
                    if was_healthy {
                        log::warn!(
                            target: "cloudconnexa",
                            "Redis rate limit at {}: {e}; using the client's own limiter, retrying in {:?}",
                            self.target,
                            self.retry_redis_after
                        );
                    } else {
                        let target = &self.target;
                        log::debug!(target: "cloudconnexa", "Redis rate limit at {target}: still failing: {e}");
                    }
                    *self.last_error.lock() = Some(e.to_string());
                }
            }
        }
        self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }

    /// The counters.
    pub fn stats(&self) -> &RedisLimiterStats {
        &self.stats
    }

    /// The most recent Redis failure, as text (for logs), if there was one.
    pub fn last_redis_error(&self) -> Option<String> {
        self.last_error.lock().clone()
    }

    /// The Redis key of the shared bucket.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether this call may use Redis: it is healthy, or the retry interval is over
    /// and this call won the one probe (others keep using the fallback meanwhile).
    fn may_try_redis(&self) -> bool {
        let at = self.retry_at.load(Ordering::Acquire);
        if at == 0 {
            return true;
        }
        if self.clock.now_nanos() < at {
            return false;
        }
        self.retry_at
            .compare_exchange(at, self.next_try(), Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn next_try(&self) -> u64 {
        let after = self.retry_redis_after.as_nanos().min(u64::MAX as u128) as u64;
        self.clock.now_nanos().saturating_add(after).max(1)
    }

    /// One reservation on Redis within the time budget. The outer error is Redis
    /// failing; the inner result is the bucket's answer.
    fn reserve_on_redis(&self, max_wait: Duration) -> RedisResult<Result<Duration, Error>> {
        let deadline = Instant::now() + self.timeout;
        let max_wait_us = (max_wait.as_micros().min(MAX_WAIT_US as u128)) as u64;
        let (reserved, us) = match &self.backend {
            Backend::Single { client, pool } => self.on_server(client, pool, deadline, max_wait_us)?,
            Backend::Cluster { client, pool } => self.on_cluster(client, pool, deadline, max_wait_us)?,
        };
        let d = Duration::from_micros(us.max(0) as u64);
        Ok(if reserved == 1 {
            Ok(d)
        } else {
            Err(Error::new(
                ErrorKind::RateLimited,
                "shared rate limit (Redis): no token free in time",
            )
            .with_retry_after(Some(d)))
        })
    }

    fn on_server(
        &self,
        client: &redis::Client,
        pool: &Mutex<Vec<Connection>>,
        deadline: Instant,
        max_wait_us: u64,
    ) -> RedisResult<(i64, i64)> {
        let connect = || -> RedisResult<Connection> {
            let con = client.get_connection_with_timeout(left(deadline)?)?;
            self.replaced();
            Ok(con)
        };
        let pooled = pool.lock().pop();
        let (mut con, from_pool) = match pooled {
            Some(c) => (c, true),
            None => (connect()?, false),
        };
        let mut result = self.eval(&mut con, deadline, max_wait_us);
        if from_pool
            && result
                .as_ref()
                .is_err_and(|e| e.is_connection_dropped() && !e.is_timeout())
        {
            // the server closed the pooled connection (restart, idle timeout): one try
            // on a new one. Should the script have run before the drop, one extra
            // token is spent, never one too many granted.
            self.broken.fetch_add(1, Ordering::Relaxed);
            con = connect()?;
            result = self.eval(&mut con, deadline, max_wait_us);
        }
        match &result {
            Ok(_) => put_back(pool, con),
            // the whole error reply was read: the connection is still in step
            Err(e) if con.is_open() && reply_was_read(e) => put_back(pool, con),
            Err(_) => {
                self.broken.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    /// In cluster mode any failure drops the connection and every idle one: their slot
    /// maps may be stale (a failover) and they may hold connections to a dead node, so
    /// the next try connects afresh from the seeds and reads the slots again.
    fn on_cluster(
        &self,
        client: &ClusterClient,
        pool: &Mutex<Vec<ClusterConnection>>,
        deadline: Instant,
        max_wait_us: u64,
    ) -> RedisResult<(i64, i64)> {
        let pooled = pool.lock().pop();
        let mut con = match pooled {
            Some(c) => c,
            None => {
                left(deadline)?;
                let con = client.get_connection()?;
                self.replaced();
                con
            }
        };
        let result = self.eval(&mut con, deadline, max_wait_us);
        match &result {
            Ok(_) => put_back(pool, con),
            Err(e) if reply_was_read(e) && !e.is_cluster_error() => put_back(pool, con),
            Err(_) => {
                let dropped = 1 + std::mem::take(&mut *pool.lock()).len() as u64;
                self.broken.fetch_add(dropped, Ordering::Relaxed);
            }
        }
        result
    }

    /// Count a new connection that replaces a dropped one.
    fn replaced(&self) {
        let replaced = self
            .broken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if replaced.is_ok() {
            self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// EVALSHA, and EVAL when the server does not know the script yet (which also
    /// caches it). Each command gets what is left of the budget as socket timeouts. In
    /// cluster mode both are routed by the key (`KEYS[1]`).
    fn eval<C: Link>(&self, con: &mut C, deadline: Instant, max_wait_us: u64) -> RedisResult<(i64, i64)> {
        let run = |con: &mut C, first: &str, second: &str| {
            con.budget(left(deadline)?)?;
            redis::cmd(first)
                .arg(second)
                .arg(1)
                .arg(&self.key)
                .arg(self.emission_us)
                .arg(self.burst)
                .arg(max_wait_us)
                .query::<(i64, i64)>(con)
        };
        match run(con, "EVALSHA", self.script.get_hash()) {
            Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                run(con, "EVAL", SCRIPT)
            }
            r => r,
        }
    }
}

fn put_back<C>(pool: &Mutex<Vec<C>>, con: C) {
    let mut pool = pool.lock();
    if pool.len() < MAX_IDLE {
        pool.push(con);
    }
}

/// The time left before `deadline`, or a timeout error when none is.
fn left(deadline: Instant) -> RedisResult<Duration> {
    let d = deadline.saturating_duration_since(Instant::now());
    if d.is_zero() {
        return Err(RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "Redis rate limit timeout spent",
        )));
    }
    Ok(d)
}

/// Errors after which the connection has read the whole reply.
fn reply_was_read(e: &RedisError) -> bool {
    matches!(
        e.kind(),
        redis::ErrorKind::Server(_) | redis::ErrorKind::Extension | redis::ErrorKind::UnexpectedReturnType
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    fn cfg() -> RedisLimitConfig {
        RedisLimitConfig {
            key: "k".into(),
            rate_per_sec: 10.0,
            burst: 5,
            ..RedisLimitConfig::from_rate_limit("redis://127.0.0.1:1/0", "k", &RateLimit::default())
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("redis://:hunter2@h:6379/0"), "redis://***@h:6379/0");
        assert_eq!(redact("redis://user:p@ss@h/0"), "redis://***@h/0");
        assert_eq!(redact("redis://h:6379/0?x=a@b"), "redis://h:6379/0?x=a@b");
        assert_eq!(redact("no scheme@all"), "no scheme@all");
        let c = RedisLimitConfig {
            url: "redis://:hunter2@127.0.0.1/".into(),
            ..cfg()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        let l = RedisLimiter::new(c, ManualClock::new()).unwrap();
        assert!(!format!("{l:?}").contains("hunter2"));
        let c = RedisLimitConfig {
            cluster_seeds: vec![
                "redis://:hunter2@127.0.0.1:7000".into(),
                "redis://:hunter2@127.0.0.1:7001".into(),
            ],
            ca_pem: None,
            ..cfg()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        let l = RedisLimiter::new(c, ManualClock::new()).unwrap();
        let shown = format!("{l:?}");
        assert!(!shown.contains("hunter2") && shown.contains("cluster: true"), "{shown}");
    }

    #[test]
    fn emission_is_whole_microseconds() {
        let l = RedisLimiter::new(
            RedisLimitConfig {
                rate_per_sec: 3.0,
                ..cfg()
            },
            ManualClock::new(),
        )
        .unwrap();
        assert_eq!(l.emission_us, 333_333);
        let l = RedisLimiter::new(
            RedisLimitConfig {
                rate_per_sec: 1e6,
                ..cfg()
            },
            ManualClock::new(),
        )
        .unwrap();
        assert_eq!(l.emission_us, 1);
        let d = RedisLimitConfig::default();
        assert_eq!(
            (
                d.burst,
                d.timeout,
                d.retry_redis_after,
                d.key.as_str(),
                d.cluster_seeds.len()
            ),
            (20, Duration::from_millis(100), Duration::from_secs(1), "", 0)
        );
        assert!(RedisLimiter::new(d.clone(), ManualClock::new()).is_err(), "no key");
        let with_key = RedisLimitConfig { key: "k".into(), ..d };
        assert!(RedisLimiter::new(with_key, ManualClock::new()).is_ok());
    }

    #[test]
    fn default_key_is_hash_tagged_and_escaped() {
        assert_eq!(
            RedisLimitConfig::default_key("Acme.API.openvpn.com", "abc.acme"),
            "cloudconnexa:{acme.api.openvpn.com:abc.acme}"
        );
        assert_eq!(
            RedisLimitConfig::default_key("127.0.0.1:8080", "id}{x y:z\n@"),
            "cloudconnexa:{127.0.0.1:8080:id%7D%7Bx%20y%3Az%0A@}"
        );
        let k = RedisLimitConfig::default_key("h", "é");
        assert_eq!(k, "cloudconnexa:{h:%C3%A9}");
        // exactly one hash tag: the first `{` to the first `}`
        let k = RedisLimitConfig::default_key("a{b}", "c}d");
        assert_eq!(k.matches('{').count(), 1);
        assert_eq!(k.matches('}').count(), 1);
        assert!(k.ends_with('}'));
    }

    #[test]
    fn tls_settings_are_checked() {
        let bad_pem = RedisLimitConfig {
            url: "rediss://127.0.0.1:1/0".into(),
            ca_pem: Some(b"not a certificate".to_vec()),
            ..cfg()
        };
        let e = RedisLimiter::new(bad_pem, ManualClock::new()).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("ca_pem"), "{e}");
        let insecure = RedisLimitConfig {
            url: "rediss://:hunter2@127.0.0.1:1/0#insecure".into(),
            ..cfg()
        };
        let e = RedisLimiter::new(insecure, ManualClock::new()).unwrap_err();
        assert!(
            e.to_string().contains("#insecure") && !e.to_string().contains("hunter2"),
            "{e}"
        );
        let mixed = RedisLimitConfig {
            cluster_seeds: vec!["redis://127.0.0.1:7000".into(), "rediss://127.0.0.1:7001".into()],
            ..cfg()
        };
        assert!(RedisLimiter::new(mixed, ManualClock::new()).is_err());
        assert!(
            RedisLimiter::new(
                RedisLimitConfig {
                    url: "rediss://127.0.0.1:1/0".into(),
                    ..cfg()
                },
                ManualClock::new()
            )
            .is_ok(),
            "rediss:// with the bundled roots"
        );
    }

    #[test]
    fn retry_interval_runs_on_the_clock() {
        // nothing listens on port 1: every Redis attempt fails at once
        let clock = ManualClock::new();
        let l = RedisLimiter::new(cfg(), clock.clone()).unwrap();
        for _ in 0..3 {
            assert_eq!(l.reserve(Duration::ZERO).unwrap(), None, "Redis unavailable");
        }
        assert_eq!(
            l.stats().redis_errors.load(Ordering::Relaxed),
            1,
            "no retry before the interval"
        );
        assert_eq!(l.stats().fallbacks.load(Ordering::Relaxed), 3);
        assert!(l.last_redis_error().is_some());
        clock.advance(Duration::from_secs(1));
        assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
        assert_eq!(
            l.stats().redis_errors.load(Ordering::Relaxed),
            2,
            "one probe after the interval"
        );
        // no private bucket: any number of calls is left to the caller's own limiter
        for _ in 0..100 {
            assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
        }
        assert_eq!(l.stats().redis_errors.load(Ordering::Relaxed), 2);
        assert_eq!(l.stats().fallbacks.load(Ordering::Relaxed), 104);
    }
}
