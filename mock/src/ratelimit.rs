//! The server side of rate limiting: one token bucket per API key, refilled
//! continuously, as Spring Cloud Gateway's `RedisRateLimiter` does for the real service.

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

    pub fn take(&self, key: &str, cfg: &RateLimitOptions, now: Instant) -> Take {
        let per_sec = cfg.replenish_rate.max(1) as f64 / cfg.replenish_time_secs.max(1) as f64;
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
}
