//! The client-side rate limiter: a token bucket kept as GCRA state in one
//! atomic (no lock; waiting callers reserve distinct slots and sleep outside
//! any lock), which follows the server's `X-RateLimit-*` headers and pauses the
//! whole client after a 429 until the server's bucket has a token again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::clock::Clock;
use crate::error::{Error, ErrorKind};

/// What to do when no token is free.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimitMode {
    /// Wait for a token, but fail with `RateLimited` if the wait would exceed this.
    Wait { max_wait: Duration },
    /// Fail at once with `RateLimited { retry_after }`.
    FailFast,
}

/// One bucket's settings. The default is the real service's default per API key:
/// 20 tokens, one more every 15 s; wait up to 60 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    /// Tokens added per second.
    pub rate_per_sec: f64,
    /// Bucket capacity.
    pub burst: u32,
    pub mode: LimitMode,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            rate_per_sec: 1.0 / 15.0,
            burst: 20,
            mode: LimitMode::Wait {
                max_wait: Duration::from_secs(60),
            },
        }
    }
}

impl RateLimit {
    pub(crate) fn validate(&self) -> crate::error::Result<()> {
        if !(self.rate_per_sec.is_finite() && self.rate_per_sec > 0.0 && self.rate_per_sec <= 1e9) {
            return Err(Error::invalid("rate limit rate_per_sec must be within (0, 1e9]"));
        }
        if self.burst == 0 || self.burst > 1_000_000 {
            return Err(Error::invalid("rate limit burst must be within 1..=1000000"));
        }
        Ok(())
    }
}

/// A GCRA bucket. `tat` is the theoretical arrival time (ns on the clock) of the
/// next request at the emission rate; a request conforms if `now >= tat + T - tau`.
#[derive(Debug)]
pub struct Bucket {
    tat: AtomicU64,
    /// Nanoseconds per token.
    emission: AtomicU64,
    /// Nanoseconds of burst: `emission * burst`.
    tau: AtomicU64,
    mode: LimitMode,
    clock: Arc<dyn Clock>,
}

fn ns(d: Duration) -> u64 {
    d.as_nanos().min(u64::MAX as u128) as u64
}

/// Bound of the emission interval and of the burst window (2^62 ns, 146 years): far
/// beyond any real limit, and far enough below `u64::MAX` that `tat`, `now + tau` and a
/// pause's `until + tau` never saturate and lose the pause.
const MAX_SPAN: u64 = 1 << 62;

impl Bucket {
    pub fn new(cfg: &RateLimit, clock: Arc<dyn Clock>) -> Bucket {
        let emission = ((1e9 / cfg.rate_per_sec).max(1.0) as u64).min(MAX_SPAN);
        Bucket {
            tat: AtomicU64::new(0),
            emission: AtomicU64::new(emission),
            tau: AtomicU64::new(emission.saturating_mul(cfg.burst as u64).min(MAX_SPAN)),
            mode: cfg.mode,
            clock,
        }
    }

    /// Reserve a token; `Ok(wait)` is how long the caller must sleep before sending
    /// (zero when a token is free). Refusals reserve nothing.
    pub fn reserve(&self, limit_wait: Option<Duration>) -> Result<Duration, Error> {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let tau = self.tau.load(Ordering::Relaxed);
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let start = tat.max(now);
            let new_tat = start.saturating_add(t);
            let allowed_at = new_tat.saturating_sub(tau);
            let wait = allowed_at.saturating_sub(now);
            let max = match self.mode {
                LimitMode::FailFast => 0,
                LimitMode::Wait { max_wait } => ns(max_wait),
            };
            let max = limit_wait.map_or(max, |l| max.min(ns(l)));
            if wait > max {
                return Err(
                    Error::new(ErrorKind::RateLimited, "client-side rate limit: no token free in time")
                        .with_retry_after(Some(Duration::from_nanos(wait))),
                );
            }
            match self
                .tat
                .compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(Duration::from_nanos(wait)),
                Err(cur) => tat = cur,
            }
        }
    }

    /// Give back one reservation that will not be used (a cancelled wait). The slot is
    /// returned to the schedule, never to before now.
    pub fn refund(&self) {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let _ = self.tat.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
            Some(tat.saturating_sub(t).max(now))
        });
    }

    /// Tokens free now (whole tokens).
    pub fn available(&self) -> u64 {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed).max(1);
        let tau = self.tau.load(Ordering::Relaxed);
        let tat = self.tat.load(Ordering::Acquire);
        (now.saturating_add(tau).saturating_sub(tat.max(now))) / t
    }

    /// Current rate in tokens per second.
    pub fn rate_per_sec(&self) -> f64 {
        1e9 / self.emission.load(Ordering::Relaxed).max(1) as f64
    }

    /// Push `tat` forward to at least `target` (never backwards: that would hand out tokens).
    fn delay_to(&self, target: u64) {
        self.tat.fetch_max(target, Ordering::AcqRel);
    }

    /// Follow the server's view: its rate, capacity and remaining tokens.
    pub fn observe(&self, h: &ServerLimits) {
        let now = self.clock.now_nanos();
        if let (Some(rate), Some(period)) = (h.replenish_rate, h.replenish_time) {
            let e = (ns(period) / rate.max(1)).min(MAX_SPAN);
            if e > 0 {
                self.emission.store(e, Ordering::Relaxed);
            }
        }
        let t = self.emission.load(Ordering::Relaxed);
        if let Some(burst) = h.burst_capacity {
            self.tau.store(t.saturating_mul(burst).min(MAX_SPAN), Ordering::Relaxed);
        }
        if let Some(remaining) = h.remaining {
            // we believe `available()` tokens are free; the server says `remaining`
            let tau = self.tau.load(Ordering::Relaxed);
            let target = now.saturating_add(tau).saturating_sub(remaining.saturating_mul(t));
            self.delay_to(target);
        }
    }

    /// The server refused with 429: no token until the server's bucket has one again
    /// (`Retry-After` when given, else one emission interval).
    pub fn pause(&self, retry_after: Option<Duration>) {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let tau = self.tau.load(Ordering::Relaxed);
        let until = now.saturating_add(retry_after.map_or(t, ns));
        // the next reservation gets `allowed_at = tat + t - tau = until`
        self.delay_to(until.saturating_add(tau).saturating_sub(t));
    }
}

/// The `X-RateLimit-*` headers of a response; unusable values are `None`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ServerLimits {
    pub remaining: Option<u64>,
    pub replenish_rate: Option<u64>,
    pub replenish_time: Option<Duration>,
    pub burst_capacity: Option<u64>,
}

impl ServerLimits {
    /// Parse the headers. Missing, zero (for rates, times and capacity) or non-numeric
    /// values are ignored, never an error.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> ServerLimits {
        let num = |k: &str| get(k).and_then(|v| v.trim().parse::<u64>().ok());
        let positive = |k: &str| num(k).filter(|n| *n > 0);
        ServerLimits {
            remaining: num("x-ratelimit-remaining"),
            replenish_rate: positive("x-ratelimit-replenish-rate"),
            replenish_time: positive("x-ratelimit-replenish-time").map(Duration::from_secs),
            burst_capacity: positive("x-ratelimit-burst-capacity"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == ServerLimits::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    fn bucket(rate: f64, burst: u32, mode: LimitMode) -> (Arc<ManualClock>, Bucket) {
        let c = ManualClock::new();
        c.advance(Duration::from_secs(1000));
        let b = Bucket::new(
            &RateLimit {
                rate_per_sec: rate,
                burst,
                mode,
            },
            c.clone(),
        );
        (c, b)
    }

    #[test]
    fn burst_then_rate() {
        let (c, b) = bucket(10.0, 5, LimitMode::FailFast);
        for _ in 0..5 {
            assert_eq!(b.reserve(None).unwrap(), Duration::ZERO);
        }
        let e = b.reserve(None).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(100)));
        c.advance(Duration::from_millis(100));
        assert!(b.reserve(None).is_ok());
        assert!(b.reserve(None).is_err());
        c.advance(Duration::from_secs(10));
        assert_eq!(b.available(), 5, "refill stops at the burst");
    }

    #[test]
    fn waiters_get_distinct_slots() {
        let (_c, b) = bucket(
            10.0,
            1,
            LimitMode::Wait {
                max_wait: Duration::from_secs(1),
            },
        );
        let waits: Vec<Duration> = (0..4).map(|_| b.reserve(None).unwrap()).collect();
        assert_eq!(waits, [0, 100, 200, 300].map(Duration::from_millis));
        assert!(
            b.reserve(Some(Duration::from_millis(350))).is_err(),
            "the caller's own limit applies"
        );
        // slots at 400, 500, ... 1000 ms fit in max_wait 1 s; 1100 ms does not
        let more = std::iter::from_fn(|| b.reserve(None).ok())
            .take(100)
            .collect::<Vec<_>>();
        assert_eq!(more.len(), 7);
        assert_eq!(more.last(), Some(&Duration::from_secs(1)));
    }

    #[test]
    fn follows_server_headers_and_pauses_on_429() {
        let (c, b) = bucket(100.0, 100, LimitMode::FailFast);
        let h = ServerLimits::parse(|k| match k {
            "x-ratelimit-remaining" => Some("2"),
            "x-ratelimit-replenish-rate" => Some("1"),
            "x-ratelimit-replenish-time" => Some("15"),
            "x-ratelimit-burst-capacity" => Some("20"),
            _ => None,
        });
        b.observe(&h);
        assert!((b.rate_per_sec() - 1.0 / 15.0).abs() < 1e-9);
        assert_eq!(b.available(), 2);
        assert!(b.reserve(None).is_ok() && b.reserve(None).is_ok());
        assert!(b.reserve(None).is_err());
        c.advance(Duration::from_secs(15));
        assert_eq!(b.available(), 1);
        b.pause(Some(Duration::from_secs(30)));
        assert_eq!(b.available(), 0);
        assert_eq!(
            b.reserve(None).unwrap_err().retry_after(),
            Some(Duration::from_secs(30))
        );
        c.advance(Duration::from_secs(30));
        assert!(b.reserve(None).is_ok());
    }

    #[test]
    fn refunds_give_slots_back() {
        let (_c, b) = bucket(
            1.0,
            1,
            LimitMode::Wait {
                max_wait: Duration::from_secs(60),
            },
        );
        assert_eq!(b.reserve(None).unwrap(), Duration::ZERO);
        for _ in 0..5 {
            assert_eq!(
                b.reserve(None).unwrap(),
                Duration::from_secs(1),
                "the next slot, not a later one"
            );
            b.refund();
        }
    }

    /// Found by `fuzz/fuzz_targets/rate_limit_headers.rs`: a huge burst capacity times a
    /// long replenish time saturated the burst window, and a 429 pause then left a token.
    #[test]
    fn absurd_server_limits_keep_the_pause() {
        let (_c, b) = bucket(10.0, 5, LimitMode::FailFast);
        let h = ServerLimits::parse(|k| match k {
            "x-ratelimit-replenish-rate" => Some("8"),
            "x-ratelimit-replenish-time" => Some("8333"),
            "x-ratelimit-burst-capacity" => Some("3333333333"),
            _ => None,
        });
        b.observe(&h);
        b.pause(Some(Duration::from_secs(1)));
        assert_eq!(b.available(), 0, "no token during the pause");
        assert!(b.reserve(None).is_err());
        for v in ["18446744073709551615", "1"] {
            let h = ServerLimits::parse(|k| match k {
                "x-ratelimit-replenish-time" => Some("18446744073709551615"),
                "x-ratelimit-replenish-rate" | "x-ratelimit-burst-capacity" => Some(v),
                _ => None,
            });
            b.observe(&h);
            b.pause(Some(Duration::from_secs(1)));
            assert_eq!(b.available(), 0);
            assert!(b.rate_per_sec() > 0.0);
        }
    }

    #[test]
    fn bad_headers_are_ignored() {
        let (_c, b) = bucket(10.0, 5, LimitMode::FailFast);
        for bad in ["0", "", "fifteen", "-3", "15 seconds", "99999999999999999999999"] {
            let h = ServerLimits::parse(|k| if k == "x-ratelimit-remaining" { None } else { Some(bad) });
            b.observe(&h);
            assert_eq!(b.rate_per_sec(), 10.0, "{bad:?} must not change the rate");
        }
        assert_eq!(b.available(), 5);
    }
}
