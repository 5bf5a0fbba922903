//! The retry policy: which failures are retried, how long to wait before the
//! next attempt (exponential backoff with full jitter, `Retry-After` honoured),
//! and how long the limiter pauses after a 429 (`throttle_pause`). The retry budget
//! that keeps a fleet from multiplying an outage is in [`super::budget`].

use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::request::Method;
use crate::rng::random_unit;

use super::limiter::{Bucket, ServerLimits};

/// When and how to retry. Defaults are the reference design's: 5 retries on
/// 408, 429, 500, 502, 503 and 504, backoff factor 0.5 s, at most 120 s, full jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 5; 0 disables retrying.
    pub max_retries: u32,
    /// HTTP statuses worth retrying. Default 408, 429, 500, 502, 503, 504.
    pub retry_codes: Vec<u16>,
    /// Base of the exponential backoff: attempt `n` (1-based) waits up to `factor * 2^(n-1)`. Default 0.5 s.
    pub backoff_factor: Duration,
    /// Cap of any single wait, `Retry-After` included. Default 120 s.
    pub backoff_max: Duration,
    /// Full jitter: wait a uniform random time in `[0, backoff]`. Default on.
    pub jitter: bool,
    /// Also retry POST after failures where the request may have reached the server
    /// (5xx, timeouts, broken connections). Default off: POST is retried only when it
    /// provably never left (connect failure, 429, or a refusal before sending).
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            retry_codes: vec![408, 429, 500, 502, 503, 504],
            backoff_factor: Duration::from_millis(500),
            backoff_max: Duration::from_secs(120),
            jitter: true,
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Whether this failure of a `method` call may be retried at all.
    pub fn is_retryable(&self, method: Method, err: &Error) -> bool {
        let idempotent = method.is_idempotent() || self.retry_non_idempotent;
        if err.never_sent() && matches!(err.kind(), ErrorKind::Io | ErrorKind::Timeout(_) | ErrorKind::Tls) {
            // the request never left (its token request broke): as safe as a connect failure,
            // except that a whole-call timeout or a bad certificate stays final
            return !matches!(
                err.kind(),
                ErrorKind::Timeout(crate::error::TimeoutPhase::Call) | ErrorKind::Tls
            );
        }
        match err.kind() {
            // never reached the server: safe for every method
            ErrorKind::Connect | ErrorKind::Dns | ErrorKind::PoolExhausted => true,
            ErrorKind::Timeout(crate::error::TimeoutPhase::Connect | crate::error::TimeoutPhase::Resolve) => true,
            ErrorKind::Timeout(crate::error::TimeoutPhase::PoolWait) => true,
            ErrorKind::Http { status: 429, .. } => self.retry_codes.contains(&429),
            ErrorKind::Http { status, .. } => idempotent && self.retry_codes.contains(status),
            ErrorKind::Timeout(crate::error::TimeoutPhase::Call) => false,
            ErrorKind::Timeout(_) | ErrorKind::Io => idempotent,
            ErrorKind::Auth { status } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// The wait before retry number `retry` (1-based), given the server's `Retry-After`.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.backoff_factor.as_secs_f64() * 2f64.powi(retry.saturating_sub(1).min(62) as i32);
        let cap = self.backoff_max.as_secs_f64();
        let base = exp.min(cap);
        let wait = if self.jitter { base * random_unit() } else { base };
        let wait = Duration::from_secs_f64(wait);
        match retry_after {
            // the server knows better than our schedule, within our cap
            Some(ra) => ra.min(self.backoff_max).max(wait.min(self.backoff_max)),
            None => wait,
        }
    }
}

/// How long the limiter pauses after the `n`th 429 in a row of one call: the server's
/// `Retry-After` when given; else, when the headers describe the server's bucket, the
/// time our share of it takes to grant one token (the limiter's emission interval after
/// `observe`, plus up to half of it at random); else 50 ms doubling per 429 in a row, up
/// to 30 s. Never less than that doubling floor, so a server that answers 429 while
/// claiming free tokens is not asked again in a tight loop.
pub(crate) fn throttle_pause(b: &Bucket, limits: &ServerLimits, retry_after: Option<Duration>, n: u32) -> Duration {
    let floor = Duration::from_millis(50)
        .saturating_mul(1 << n.saturating_sub(1).min(10))
        .min(Duration::from_secs(30));
    let derived = match retry_after {
        Some(ra) => ra,
        // up to half an interval more at random: processes refused together must not all
        // come back together
        None if limits.replenish_rate.is_some() && limits.replenish_time.is_some() => {
            b.emission_interval().mul_f64(1.0 + 0.5 * random_unit())
        }
        None => floor,
    };
    derived.max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> Error {
        Error::new(
            ErrorKind::Http {
                status,
                body: None,
                raw: String::new(),
            },
            "",
        )
    }

    #[test]
    fn backoff_bounds_without_jitter() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let secs: Vec<f64> = (1..=10).map(|n| p.backoff(n, None).as_secs_f64()).collect();
        assert_eq!(secs[..5], [0.5, 1.0, 2.0, 4.0, 8.0]);
        assert_eq!(secs[9], 120.0, "capped at backoff_max");
        assert_eq!(p.backoff(u32::MAX, None), Duration::from_secs(120));
    }

    #[test]
    fn full_jitter_stays_within_the_envelope() {
        let p = RetryPolicy::default();
        let mut seen_low = false;
        for n in 1..=8 {
            let cap = (0.5 * 2f64.powi(n as i32 - 1)).min(120.0);
            for _ in 0..500 {
                let w = p.backoff(n, None).as_secs_f64();
                assert!((0.0..=cap).contains(&w), "retry {n}: {w} outside [0, {cap}]");
                seen_low |= w < cap / 4.0;
            }
        }
        assert!(seen_low, "jitter spreads waits out");
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(p.backoff(1, Some(Duration::from_secs(900))), Duration::from_secs(120));
        assert_eq!(
            p.backoff(3, Some(Duration::ZERO)),
            Duration::from_secs(2),
            "never shorter than the schedule"
        );
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        assert!(p.is_retryable(Method::Get, &http(503)));
        assert!(
            !p.is_retryable(Method::Post, &http(503)),
            "POST may have been processed"
        );
        assert!(p.is_retryable(Method::Post, &http(429)), "429 means not processed");
        assert!(p.is_retryable(Method::Post, &Error::new(ErrorKind::Connect, "")));
        // a POST whose token request broke never left: retried; a whole-call timeout is not
        assert!(!p.is_retryable(Method::Post, &Error::new(ErrorKind::Io, "")));
        assert!(p.is_retryable(Method::Post, &Error::new(ErrorKind::Io, "").before_sending()));
        let timeout = |phase| Error::new(ErrorKind::Timeout(phase), "").before_sending();
        assert!(p.is_retryable(Method::Post, &timeout(crate::error::TimeoutPhase::Response)));
        assert!(!p.is_retryable(Method::Post, &timeout(crate::error::TimeoutPhase::Call)));
        assert!(!p.is_retryable(Method::Post, &Error::new(ErrorKind::Tls, "").before_sending()));
        assert!(!p.is_retryable(Method::Post, &Error::new(ErrorKind::Io, "")));
        assert!(p.is_retryable(Method::Put, &Error::new(ErrorKind::Io, "")));
        assert!(!p.is_retryable(Method::Get, &http(404)));
        assert!(!p.is_retryable(Method::Get, &Error::new(ErrorKind::Tls, "")));
        let opt_in = RetryPolicy {
            retry_non_idempotent: true,
            ..RetryPolicy::default()
        };
        assert!(opt_in.is_retryable(Method::Post, &http(503)));
    }
}
