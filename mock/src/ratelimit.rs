//! The server side of rate limiting: one token bucket per API key, refilled
//! continuously, as Spring Cloud Gateway's `RedisRateLimiter` does for the real service.
//!
//! With a time scale F the bucket keeps its capacity and period and refills
//! `round(replenish_rate * F)` tokens per period: exactly the rate the
//! `X-RateLimit-Replenish-Rate` header then advertises (see
//! [`RateLimitOptions::advertised_rate`]).

use std::collections::HashMap;
use std::time::Instant;

use parking_lot::Mutex;

use crate::options::RateLimitOptions;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Outcome of taking one token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// Allowed; this many whole tokens are left.
    Allowed { remaining: u32 },
    /// Refused; a token will be back in this many seconds (rounded up, at least 1).
    Limited { retry_after_secs: u64 },
}

pub struct Limiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new() -> Limiter {
        Limiter {
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Refill every bucket (used when the limits change or the data is reset).
    pub fn clear(&self) {
        self.buckets.lock().clear();
    }

    /// Whole tokens `key`'s bucket holds at `now`, without taking one (a full bucket
    /// for a key never seen).
    pub fn peek(&self, key: &str, cfg: &RateLimitOptions, now: Instant) -> u32 {
        let cap = cfg.burst as f64;
        let map = self.buckets.lock();
        let tokens = match map.get(key) {
            None => cap,
            Some(b) => (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * cfg.tokens_per_sec()).min(cap),
        };
        tokens.floor() as u32
    }

    pub fn take(&self, key: &str, cfg: &RateLimitOptions, now: Instant) -> Take {
        let per_sec = cfg.tokens_per_sec();
        let cap = cfg.burst as f64;
        let mut map = self.buckets.lock();
        let b = map.entry(key.to_string()).or_insert(Bucket { tokens: cap, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_sec).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Take::Allowed {
                remaining: b.tokens.floor() as u32,
            }
        } else {
            let wait = ((1.0 - b.tokens) / per_sec - 1e-9).ceil().max(1.0);
            Take::Limited {
                retry_after_secs: wait as u64,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let cfg = RateLimitOptions::default();
        let l = Limiter::new();
        let t0 = Instant::now();
        for i in 0..20 {
            assert_eq!(l.take("k", &cfg, t0), Take::Allowed { remaining: 19 - i });
        }
        assert_eq!(l.take("k", &cfg, t0), Take::Limited { retry_after_secs: 15 });
        assert_eq!(
            l.peek("k", &cfg, t0 + Duration::from_secs(14)),
            0,
            "a peek takes nothing"
        );
        assert_eq!(l.peek("never", &cfg, t0), 20);
        assert_eq!(l.take("other", &cfg, t0), Take::Allowed { remaining: 19 });
        assert_eq!(
            l.take("k", &cfg, t0 + Duration::from_secs(15)),
            Take::Allowed { remaining: 0 }
        );
        assert_eq!(
            l.take("k", &cfg, t0 + Duration::from_secs(20)),
            Take::Limited { retry_after_secs: 10 }
        );
    }

    #[test]
    fn time_scale_refills_at_the_advertised_rate() {
        let cfg = RateLimitOptions {
            time_scale: 100.0,
            ..RateLimitOptions::default()
        };
        assert_eq!(cfg.advertised_rate(), 100);
        assert_eq!(cfg.advertised_time_secs(), 15);
        assert!((cfg.tokens_per_sec() - 100.0 / 15.0).abs() < 1e-12);
        let l = Limiter::new();
        let t0 = Instant::now();
        for _ in 0..20 {
            assert!(matches!(l.take("k", &cfg, t0), Take::Allowed { .. }));
        }
        // empty: the next token is 0.15 s away, still announced as 1 whole second
        assert_eq!(l.take("k", &cfg, t0), Take::Limited { retry_after_secs: 1 });
        // 3 s later: 20 tokens back (100 per 15 s), and the bucket is full again
        assert_eq!(
            l.take("k", &cfg, t0 + Duration::from_secs(3)),
            Take::Allowed { remaining: 19 }
        );
        // 1.56 s: 10.4 tokens
        let l = Limiter::new();
        for _ in 0..20 {
            l.take("k", &cfg, t0);
        }
        let t1 = t0 + Duration::from_millis(1560);
        for i in 0..10 {
            assert_eq!(l.take("k", &cfg, t1), Take::Allowed { remaining: 9 - i });
        }
        assert!(matches!(l.take("k", &cfg, t1), Take::Limited { .. }));
    }

    #[test]
    fn advertised_rate_rounds_and_stays_at_least_one() {
        let with = |rate, scale| RateLimitOptions {
            replenish_rate: rate,
            time_scale: scale,
            ..RateLimitOptions::default()
        };
        assert_eq!(with(1, 1.0).advertised_rate(), 1);
        assert_eq!(with(0, 1.0).advertised_rate(), 1);
        assert_eq!(with(1, 0.2).advertised_rate(), 1);
        assert_eq!(with(3, 2.5).advertised_rate(), 8);
        assert_eq!(with(1, 300.0).advertised_rate(), 300);
        assert_eq!(with(1, 0.0).advertised_rate(), 1);
        assert_eq!(with(2, f64::NAN).advertised_rate(), 2);
        assert_eq!(with(2, -5.0).advertised_rate(), 2);
    }
}
