//! The shared rate limiter: one GCRA bucket in Redis that every process using the
//! same key draws from, so a fleet stays under one API key's limit. Redis keeps
//! the bucket's TAT and a Lua script reserves a token atomically on Redis time.
//! When Redis is unreachable or errors, calls use a local [`Bucket`] with the same
//! rate and burst instead (fail open to the local limit). After a failure, Redis
//! is tried again only after [`RedisLimitConfig::retry_redis_after`].
//!
//! Only with the `redis` cargo feature.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use redis::{Connection, ConnectionLike, RedisError, RedisResult};

use super::clock::Clock;
use super::limiter::{Bucket, LimitMode, RateLimit};
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
/// 15 s) on `redis://127.0.0.1:6379/0`, key `cloudconnexa`, 100 ms Redis timeout,
/// 1 s before Redis is tried again after a failure.
#[derive(Clone, PartialEq)]
pub struct RedisLimitConfig {
    /// Where Redis is: `redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path/to/socket`. TLS (`rediss://`) is not compiled in.
    /// Default `redis://127.0.0.1:6379/0`.
    pub url: String,
    /// The Redis key of the shared bucket; every process that should share a limit
    /// uses the same key, e.g. `cloudconnexa:<client_id>`. Must not be empty.
    /// Default `cloudconnexa`.
    pub key: String,
    /// Tokens added per second, within (0, 1e6] (the script works in whole
    /// microseconds: the interval per token is `1e6 / rate_per_sec` µs, rounded).
    /// Default 1/15.
    pub rate_per_sec: f64,
    /// Bucket capacity in tokens, within 1..=1000000. Default 20.
    pub burst: u32,
    /// The Redis time budget of one [`RedisLimiter::reserve`]: connecting (per
    /// resolved address) plus the script call. Within (0, 60 s]. Host name
    /// resolution is not bounded by it; use an IP address where that matters.
    /// Default 100 ms.
    pub timeout: Duration,
    /// After a Redis failure, use the local fallback bucket this long before trying
    /// Redis again (one call then probes; the others keep using the fallback until it
    /// succeeds). Zero tries Redis on every call. Default 1 s.
    pub retry_redis_after: Duration,
}

impl Default for RedisLimitConfig {
    fn default() -> Self {
        RedisLimitConfig::from_rate_limit("redis://127.0.0.1:6379/0", "cloudconnexa", &RateLimit::default())
    }
}

impl RedisLimitConfig {
    /// Settings with the rate and burst of a local [`RateLimit`] (its `mode` is the
    /// caller's business: pass the wait it allows to [`RedisLimiter::reserve`]), and
    /// the default timeout (100 ms) and retry interval (1 s).
    pub fn from_rate_limit(url: impl Into<String>, key: impl Into<String>, limit: &RateLimit) -> RedisLimitConfig {
        RedisLimitConfig {
            url: url.into(),
            key: key.into(),
            rate_per_sec: limit.rate_per_sec,
            burst: limit.burst,
            timeout: Duration::from_millis(100),
            retry_redis_after: Duration::from_secs(1),
        }
    }
}

/// Shows the URL without its password.
impl fmt::Debug for RedisLimitConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimitConfig")
            .field("url", &redact(&self.url))
            .field("key", &self.key)
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
    /// Calls answered by the local fallback bucket, because Redis failed on this call
    /// or had failed less than `retry_redis_after` ago.
    pub fallbacks: AtomicU64,
    /// Failed Redis attempts: connect, timeout, broken connection, error reply.
    pub redis_errors: AtomicU64,
    /// Connections opened to replace one that was dropped after an error.
    pub reconnects: AtomicU64,
}

/// A token bucket shared through Redis by every process that uses the same key,
/// with a local fallback bucket of the same rate and burst.
///
/// `Send + Sync`: share one per process (in an `Arc`) and call it from any thread.
/// Connections are pooled; a call holds a lock only to take or return one, never
/// while talking to Redis or waiting, and [`reserve`](Self::reserve) never sleeps:
/// the caller sleeps for the wait it returns.
pub struct RedisLimiter {
    client: redis::Client,
    script: redis::Script,
    url: String,
    key: String,
    emission_us: u64,
    burst: u32,
    timeout: Duration,
    retry_redis_after: Duration,
    pool: Mutex<Vec<Connection>>,
    fallback: Bucket,
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
            .field("url", &self.url)
            .field("key", &self.key)
            .field("emission_us", &self.emission_us)
            .field("burst", &self.burst)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// Check the settings and build the limiter. Connects lazily: Redis need not be
    /// up (calls use the fallback until it is), and this never blocks.
    ///
    /// `clock` drives the local fallback bucket and the retry interval; the shared
    /// bucket runs on Redis time.
    ///
    /// # Errors
    /// `InvalidInput` for a URL the Redis client cannot use, an empty key, a rate
    /// outside (0, 1e6], a burst outside 1..=1000000, a timeout outside (0, 60 s], or a bucket
    /// longer than about 31 years (`burst / rate_per_sec`). Messages never contain the URL.
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
            return Err(Error::invalid("Redis rate limit key must not be empty"));
        }
        if cfg.timeout.is_zero() || cfg.timeout > Duration::from_secs(60) {
            return Err(Error::invalid("Redis rate limit timeout must be within (0, 60 s]"));
        }
        let client = redis::Client::open(cfg.url.as_str()).map_err(|e| {
            let detail = if e.kind() == redis::ErrorKind::InvalidClientConfig {
                e.detail()
            } else {
                None
            };
            Error::invalid(format!(
                "Redis rate limit url is not usable: {}",
                detail.unwrap_or("cannot parse")
            ))
        })?;
        let local = RateLimit {
            rate_per_sec: cfg.rate_per_sec,
            burst: cfg.burst,
            mode: LimitMode::Wait {
                max_wait: Duration::MAX,
            },
        };
        Ok(RedisLimiter {
            client,
            script: redis::Script::new(SCRIPT),
            url: redact(&cfg.url),
            key: cfg.key,
            emission_us: emission_us as u64,
            burst: cfg.burst,
            timeout: cfg.timeout,
            retry_redis_after: cfg.retry_redis_after,
            pool: Mutex::new(Vec::new()),
            fallback: Bucket::new(&local, clock.clone()),
            clock,
            retry_at: AtomicU64::new(0),
            broken: AtomicU64::new(0),
            last_error: Mutex::new(None),
            stats: RedisLimiterStats::default(),
        })
    }

    /// Reserve one token of the shared bucket. `Ok(wait)`: sleep this long, then send
    /// (zero when a token is free now); the token is yours, so do not call again for
    /// the same request.
    ///
    /// Thread-safe; never panics; never sleeps; spends at most about `timeout` on
    /// Redis (plus host name resolution). When Redis is unreachable or errors, the
    /// token comes from the local fallback bucket instead (same rate and burst, this
    /// process only) and `fallbacks` counts it; Redis errors are never returned.
    ///
    /// # Errors
    /// `RateLimited` with `retry_after` (the wait a token would have needed) when the
    /// wait would exceed `max_wait`; nothing is reserved then. Pass `Duration::ZERO`
    /// to fail fast.
    pub fn reserve(&self, max_wait: Duration) -> Result<Duration, Error> {
        if self.may_try_redis() {
            match self.reserve_on_redis(max_wait) {
                Ok(answer) => {
                    if self.retry_at.swap(0, Ordering::AcqRel) != 0 {
                        let url = &self.url;
                        log::info!(target: "cloudconnexa", "Redis rate limit at {url}: Redis is back, shared again");
                    }
                    self.stats.redis_reservations.fetch_add(1, Ordering::Relaxed);
                    return answer;
                }
                Err(e) => {
                    self.stats.redis_errors.fetch_add(1, Ordering::Relaxed);
                    let was_healthy = self.retry_at.swap(self.next_try(), Ordering::AcqRel) == 0;
                    if was_healthy {
                        log::warn!(
                            target: "cloudconnexa",
                            "Redis rate limit at {}: {e}; using the local limit, retrying in {:?}",
                            self.url,
                            self.retry_redis_after
                        );
                    } else {
                        let url = &self.url;
                        log::debug!(target: "cloudconnexa", "Redis rate limit at {url}: still failing: {e}");
                    }
                    *self.last_error.lock() = Some(e.to_string());
                }
            }
        }
        self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
        self.fallback
            .reserve(Some(max_wait))
            .map_err(|e| e.context("shared rate limit unavailable, local fallback"))
    }

    /// The counters.
    pub fn stats(&self) -> &RedisLimiterStats {
        &self.stats
    }

    /// The most recent Redis failure, as text (for logs), if there was one.
    pub fn last_redis_error(&self) -> Option<String> {
        self.last_error.lock().clone()
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
        let pooled = self.pool.lock().pop();
        let (mut con, from_pool) = match pooled {
            Some(c) => (c, true),
            None => (self.connect(deadline)?, false),
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
            con = self.connect(deadline)?;
            result = self.eval(&mut con, deadline, max_wait_us);
        }
        match &result {
            Ok(_) => self.put_back(con),
            // the whole error reply was read: the connection is still in step
            Err(e) if con.is_open() && reply_was_read(e) => self.put_back(con),
            Err(_) => {
                self.broken.fetch_add(1, Ordering::Relaxed);
            }
        }
        let (reserved, us) = result?;
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

    fn connect(&self, deadline: Instant) -> RedisResult<Connection> {
        let con = self.client.get_connection_with_timeout(left(deadline)?)?;
        let replaced = self
            .broken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if replaced.is_ok() {
            self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        Ok(con)
    }

    fn put_back(&self, con: Connection) {
        let mut pool = self.pool.lock();
        if pool.len() < MAX_IDLE {
            pool.push(con);
        }
    }

    /// EVALSHA, and EVAL when the server does not know the script yet (which also
    /// caches it). Each command gets what is left of the budget as socket timeouts.
    fn eval(&self, con: &mut Connection, deadline: Instant, max_wait_us: u64) -> RedisResult<(i64, i64)> {
        let run = |con: &mut Connection, first: &str, second: &str| {
            let budget = left(deadline)?;
            con.set_read_timeout(Some(budget))?;
            con.set_write_timeout(Some(budget))?;
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
            url: "redis://127.0.0.1:1/0".into(),
            key: "k".into(),
            rate_per_sec: 10.0,
            burst: 5,
            timeout: Duration::from_millis(100),
            retry_redis_after: Duration::from_secs(1),
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
            (d.burst, d.timeout, d.retry_redis_after),
            (20, Duration::from_millis(100), Duration::from_secs(1))
        );
        assert!(RedisLimiter::new(d, ManualClock::new()).is_ok());
    }

    #[test]
    fn retry_interval_runs_on_the_clock() {
        // nothing listens on port 1: every Redis attempt fails at once
        let clock = ManualClock::new();
        let l = RedisLimiter::new(cfg(), clock.clone()).unwrap();
        for _ in 0..3 {
            assert_eq!(l.reserve(Duration::ZERO).unwrap(), Duration::ZERO);
        }
        assert_eq!(
            l.stats().redis_errors.load(Ordering::Relaxed),
            1,
            "no retry before the interval"
        );
        assert_eq!(l.stats().fallbacks.load(Ordering::Relaxed), 3);
        assert!(l.last_redis_error().is_some());
        clock.advance(Duration::from_secs(1));
        assert!(l.reserve(Duration::ZERO).is_ok());
        assert_eq!(
            l.stats().redis_errors.load(Ordering::Relaxed),
            2,
            "one probe after the interval"
        );
        assert!(l.reserve(Duration::ZERO).is_ok());
        assert_eq!(l.stats().redis_errors.load(Ordering::Relaxed), 2);
        // the fallback bucket (burst 5, refilled during the second) has 3 tokens left
        for _ in 0..3 {
            assert!(l.reserve(Duration::ZERO).is_ok());
        }
        let e = l.reserve(Duration::ZERO).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(100)));
        assert!(e.message().contains("local fallback"), "{e}");
    }
}
