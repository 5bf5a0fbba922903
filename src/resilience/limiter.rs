//! The client-side rate limiter: a token bucket kept as GCRA state in one
//! atomic (no lock; waiting callers reserve distinct slots and sleep outside
//! any lock), which follows the server's `X-RateLimit-*` headers, takes only its
//! fair share of a key that other processes also use ([`super::fair_share`]), and
//! pauses the whole client after a 429 until the server's bucket has a token again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::clock::Clock;
use super::fair_share::{Answer, FairShare};
use crate::error::{Error, ErrorKind};

/// What to do when no token is free.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimitMode {
    /// Wait for a token, but fail with `RateLimited` if the wait would exceed `max_wait`.
    Wait {
        /// The longest wait accepted for one token.
        max_wait: Duration,
    },
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
    /// Wait for a token, or fail fast. Default: wait up to 60 s.
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

/// What [`Bucket::reserve_within`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A token is booked: sleep this long, then send.
    Booked(Duration),
    /// Nothing is booked yet: sleep this long, then ask again.
    Recheck(Duration),
}

/// A GCRA bucket. `tat` is the theoretical arrival time (ns on the clock) of the
/// next request at the emission rate; a request conforms if `now >= tat + T - tau`.
///
/// The configured rate and burst are a ceiling: the server's `X-RateLimit-*` headers
/// and the fair-share estimate ([`super::fair_share`]) can lower them, never raise them.
#[derive(Debug)]
pub struct Bucket {
    tat: AtomicU64,
    /// Nanoseconds per token (the effective rate: ceiling, server and fair share).
    emission: AtomicU64,
    /// Nanoseconds of burst: `emission * burst`.
    tau: AtomicU64,
    /// The configured rate and burst, as emission interval and tokens.
    ceiling_emission: u64,
    ceiling_burst: u64,
    mode: LimitMode,
    clock: Arc<dyn Clock>,
    server: Mutex<ServerView>,
    gate: FirstAnswerGate,
}

/// What the server's headers have told this bucket, and who else shares the key.
#[derive(Debug, Default)]
struct ServerView {
    /// Server emission interval in ns per token, once known.
    emission: Option<u64>,
    /// Server bucket capacity in tokens, once known.
    burst: Option<u64>,
    share: FairShare,
}

fn ns(d: Duration) -> u64 {
    d.as_nanos().min(u64::MAX as u128) as u64
}

/// Bound of the emission interval and of the burst window (2^62 ns, 146 years): far
/// beyond any real limit, and far enough below `u64::MAX` that `tat`, `now + tau` and a
/// pause's `until + tau` never saturate and lose the pause.
const MAX_SPAN: u64 = 1 << 62;

impl Bucket {
    /// A full bucket with these settings, timed by `clock`.
    pub fn new(cfg: &RateLimit, clock: Arc<dyn Clock>) -> Bucket {
        let emission = ((1e9 / cfg.rate_per_sec).max(1.0) as u64).min(MAX_SPAN);
        Bucket {
            tat: AtomicU64::new(0),
            emission: AtomicU64::new(emission),
            tau: AtomicU64::new(emission.saturating_mul(cfg.burst as u64).min(MAX_SPAN)),
            ceiling_emission: emission,
            ceiling_burst: u64::from(cfg.burst.max(1)),
            mode: cfg.mode,
            clock,
            server: Mutex::new(ServerView::default()),
            gate: FirstAnswerGate::default(),
        }
    }

    /// Reserve a token; `Ok(wait)` is how long the caller must sleep before sending
    /// (zero when a token is free). Refusals reserve nothing; their error is
    /// `RateLimited` with `retry_after` = when the next token is due.
    pub fn reserve(&self, limit_wait: Option<Duration>) -> Result<Duration, Error> {
        match self.book(limit_wait, None)? {
            Slot::Booked(wait) | Slot::Recheck(wait) => Ok(wait),
        }
    }

    /// Like [`reserve`](Self::reserve), but a token due later than one emission interval
    /// from now is not booked: `Slot::Recheck(d)` says to sleep `d` and ask again. The
    /// rate can change before then (the fair share of a key grows when others leave),
    /// and a thread asleep on a slot booked at the old rate would keep the old pace.
    /// Errors as `reserve` (the token is due after `limit_wait` or the mode's maximum).
    pub fn reserve_within(&self, limit_wait: Option<Duration>) -> Result<Slot, Error> {
        self.book(limit_wait, Some(self.emission.load(Ordering::Relaxed)))
    }

    fn book(&self, limit_wait: Option<Duration>, horizon: Option<u64>) -> Result<Slot, Error> {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let tau = self.tau.load(Ordering::Relaxed);
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let start = tat.max(now);
            let new_tat = start.saturating_add(t);
            let allowed_at = new_tat.saturating_sub(tau);
            let wait = allowed_at.saturating_sub(now);
            let mode_max = match self.mode {
                LimitMode::FailFast => 0,
                LimitMode::Wait { max_wait } => ns(max_wait),
            };
            let max = limit_wait.map_or(mode_max, |l| mode_max.min(ns(l)));
            if wait > max {
                let due = Duration::from_nanos(wait);
                let why = match (self.mode, limit_wait) {
                    (LimitMode::FailFast, _) => "the limiter fails fast".to_string(),
                    (_, Some(l)) if ns(l) < mode_max => {
                        format!("{:.3} s left in the call deadline", l.as_secs_f64())
                    }
                    _ => format!(
                        "the limiter waits at most {:.3} s",
                        Duration::from_nanos(mode_max).as_secs_f64()
                    ),
                };
                return Err(Error::new(
                    ErrorKind::RateLimited,
                    format!(
                        "client-side rate limit ({:.4} calls/s): the next token is due in {:.3} s, \
                         but {why}",
                        1e9 / t.max(1) as f64,
                        due.as_secs_f64()
                    ),
                )
                .with_retry_after(Some(due)));
            }
            if let Some(h) = horizon
                && wait > h
            {
                return Ok(Slot::Recheck(Duration::from_nanos(wait - h)));
            }
            match self
                .tat
                .compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(Slot::Booked(Duration::from_nanos(wait))),
                Err(cur) => tat = cur,
            }
        }
    }

    /// Count a token spent elsewhere (a Redis-shared bucket granted it) as if this bucket
    /// had: its schedule moves on by one token, no further than an empty bucket (no
    /// debt). Keeps the local bucket in step, so that when it takes over (Redis down,
    /// cluster failover) it does not hand out a burst the shared bucket already spent.
    pub fn note_spent(&self) {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let tau = self.tau.load(Ordering::Relaxed);
        let _ = self.tat.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
            let next = tat.max(now).saturating_add(t);
            Some(next.min(now.saturating_add(tau)).max(tat))
        });
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

    /// Current burst in whole tokens.
    pub fn burst(&self) -> u64 {
        self.tau.load(Ordering::Relaxed) / self.emission.load(Ordering::Relaxed).max(1)
    }

    /// The estimate of consumers sharing the API key (1 until the server's headers
    /// show others spending; see [`super::fair_share`]).
    pub fn consumers(&self) -> f64 {
        self.server.lock().share.consumers()
    }

    /// Push `tat` forward to at least `target` (never backwards: that would hand out tokens).
    fn delay_to(&self, target: u64) {
        self.tat.fetch_max(target, Ordering::AcqRel);
    }

    /// Follow the server's view of one answer: its rate, capacity and remaining tokens,
    /// shared fairly with the other consumers of the key. `spent` is false for a 429
    /// (the server refused, so no token was spent). Never raises the rate or burst above
    /// the configured ceiling.
    pub fn observe(&self, h: &ServerLimits, spent: bool) {
        let now = self.clock.now_nanos();
        let mut view = self.server.lock();
        if let (Some(rate), Some(period)) = (h.replenish_rate, h.replenish_time) {
            let e = (ns(period) / rate.max(1)).min(MAX_SPAN);
            if e > 0 {
                view.emission = Some(e);
            }
        }
        if let Some(b) = h.burst_capacity {
            view.burst = Some(b.min(MAX_SPAN));
        }
        let server_burst = view.burst;
        let consumers = match (view.emission, h.remaining) {
            (Some(emission), Some(remaining)) => view.share.observe(Answer {
                at: now,
                remaining,
                spent,
                emission,
                burst: server_burst.unwrap_or(remaining.saturating_add(1)),
            }),
            _ => view.share.consumers(),
        };
        let old_t = self.emission.load(Ordering::Relaxed);
        let t = match view.emission {
            Some(e) => ((e as f64 * consumers) as u64).clamp(self.ceiling_emission, MAX_SPAN),
            None => old_t,
        };
        let burst = match view.burst {
            Some(b) => ((b as f64 / consumers) as u64).clamp(1, self.ceiling_burst),
            None => self.tau.load(Ordering::Relaxed) / old_t.max(1),
        };
        let tau = t.saturating_mul(burst.max(1)).min(MAX_SPAN);
        self.emission.store(t, Ordering::Relaxed);
        self.tau.store(tau, Ordering::Relaxed);
        if let Some(remaining) = h.remaining {
            // we believe `available()` tokens are free; the server says `remaining`, of
            // which our share is `remaining / consumers`
            let ours = ((remaining as f64 / consumers) * t as f64).min(tau as f64) as u64;
            self.delay_to(now.saturating_add(tau).saturating_sub(ours));
        }
        drop(view);
        self.gate.open();
    }

    /// No token until `wait` from now (the server refused with 429 and said, or we
    /// derived, when its bucket has a token again).
    pub fn pause(&self, wait: Duration) {
        let now = self.clock.now_nanos();
        let t = self.emission.load(Ordering::Relaxed);
        let tau = self.tau.load(Ordering::Relaxed);
        let until = now.saturating_add(ns(wait).min(MAX_SPAN));
        // the next reservation gets `allowed_at = tat + t - tau = until`
        self.delay_to(until.saturating_add(tau).saturating_sub(t));
    }

    /// The current emission interval: how long one token takes at this bucket's rate.
    pub fn emission_interval(&self) -> Duration {
        Duration::from_nanos(self.emission.load(Ordering::Relaxed))
    }

    /// Until the first answer of the server, let one call through and hold the others
    /// for at most `max` (real time): the first answer's headers tell how many tokens
    /// are left, and callers that start together would otherwise all spend tokens that
    /// other processes may already have spent. Returns at once after the first answer.
    pub fn wait_for_first_answer(&self, max: Duration) -> crate::Result<()> {
        self.gate.enter(max)
    }

    /// An attempt ended (answered or not): opens the first-answer gate.
    pub fn answered(&self) {
        self.gate.open();
    }
}

/// Holds every caller but one until the first answer arrives (see
/// [`Bucket::wait_for_first_answer`]). After that, one atomic load.
#[derive(Debug, Default)]
struct FirstAnswerGate {
    /// 0: nobody went yet; 1: the first call is out; 2: an answer came.
    state: AtomicU8,
    lock: Mutex<()>,
    cv: Condvar,
}

impl FirstAnswerGate {
    const FRESH: u8 = 0;
    const PROBING: u8 = 1;
    const OPEN: u8 = 2;

    /// Wait (at most `max`, real time) unless this is the first caller or an answer came;
    /// `Err(Cancelled)` when the call in scope is cancelled meanwhile (looked at every 10 ms).
    fn enter(&self, max: Duration) -> crate::Result<()> {
        if self.state.load(Ordering::Acquire) == Self::OPEN {
            return Ok(());
        }
        if self
            .state
            .compare_exchange(Self::FRESH, Self::PROBING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + max;
        let poll = Duration::from_millis(10);
        let mut g = self.lock.lock();
        while self.state.load(Ordering::Acquire) != Self::OPEN {
            crate::cancel::check()?;
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(());
            }
            let _ = self.cv.wait_until(&mut g, deadline.min(now + poll));
        }
        Ok(())
    }

    fn open(&self) {
        if self.state.swap(Self::OPEN, Ordering::AcqRel) != Self::OPEN {
            let _g = self.lock.lock();
            self.cv.notify_all();
        }
    }
}

/// The `X-RateLimit-*` headers of a response; unusable values are `None`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ServerLimits {
    /// `X-RateLimit-Remaining`: tokens left in the server's bucket for this key.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Replenish-Rate`: tokens the server adds per `replenish_time`.
    pub replenish_rate: Option<u64>,
    /// `X-RateLimit-Replenish-Time`: the server's refill period (seconds in the header).
    pub replenish_time: Option<Duration>,
    /// `X-RateLimit-Burst-Capacity`: the server's bucket size.
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

    /// True when no header was usable.
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
        // alone on the key: each of our answers finds one token fewer, down to 2
        for remaining in (2..=19).rev() {
            b.observe(&headers(remaining, 1, 15, 20), true);
        }
        assert_eq!(b.consumers(), 1.0);
        assert!((b.rate_per_sec() - 1.0 / 15.0).abs() < 1e-9);
        assert_eq!(b.available(), 2);
        assert!(b.reserve(None).is_ok() && b.reserve(None).is_ok());
        assert!(b.reserve(None).is_err());
        c.advance(Duration::from_secs(15));
        assert_eq!(b.available(), 1);
        b.pause(Duration::from_secs(30));
        assert_eq!(b.available(), 0);
        assert_eq!(
            b.reserve(None).unwrap_err().retry_after(),
            Some(Duration::from_secs(30))
        );
        c.advance(Duration::from_secs(30));
        assert!(b.reserve(None).is_ok());
    }

    fn headers(remaining: u64, rate: u64, time: u64, burst: u64) -> ServerLimits {
        ServerLimits {
            remaining: Some(remaining),
            replenish_rate: Some(rate),
            replenish_time: Some(Duration::from_secs(time)),
            burst_capacity: Some(burst),
        }
    }

    #[test]
    fn the_configured_limit_is_a_ceiling() {
        let (c, b) = bucket(0.5, 1, LimitMode::FailFast);
        // the server advertises 100 tokens per second and a full bucket of 200
        b.observe(&headers(199, 100, 1, 200), true);
        assert_eq!(b.rate_per_sec(), 0.5, "headers never raise the rate");
        assert_eq!(b.burst(), 1, "nor the burst");
        let sent = (0..5).filter(|_| b.reserve(None).is_ok()).count();
        assert_eq!(sent, 1);
        c.advance(Duration::from_secs(2));
        assert!(b.reserve(None).is_ok());
        assert!(b.reserve(None).is_err());
        // but a slower server lowers it (and its bucket's fall from 199 to 5 tokens
        // says others share the key: lower still)
        b.observe(&headers(5, 1, 15, 20), true);
        assert!(b.rate_per_sec() <= 1.0 / 15.0 + 1e-9, "{}", b.rate_per_sec());
    }

    #[test]
    fn a_shared_key_gets_a_fair_share() {
        let (_c, b) = bucket(1e6, 1_000_000, LimitMode::FailFast);
        // first answer: 16 of 20 tokens gone besides ours, so about 15 consumers
        b.observe(&headers(4, 1, 15, 20), true);
        assert_eq!(b.consumers(), 15.0);
        assert!(
            (b.rate_per_sec() - 1.0 / (15.0 * 15.0)).abs() < 1e-6,
            "{}",
            b.rate_per_sec()
        );
        assert_eq!(b.burst(), 1, "20 / 15 rounds down to one token");
        assert_eq!(b.available(), 0, "4 tokens left / 15 consumers");
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
        b.observe(&h, true);
        b.pause(Duration::from_secs(1));
        assert_eq!(b.available(), 0, "no token during the pause");
        assert!(b.reserve(None).is_err());
        for v in ["18446744073709551615", "1"] {
            let h = ServerLimits::parse(|k| match k {
                "x-ratelimit-replenish-time" => Some("18446744073709551615"),
                "x-ratelimit-replenish-rate" | "x-ratelimit-burst-capacity" => Some(v),
                _ => None,
            });
            b.observe(&h, true);
            b.pause(Duration::from_secs(1));
            assert_eq!(b.available(), 0);
            assert!(b.rate_per_sec() > 0.0);
        }
    }

    #[test]
    fn bad_headers_are_ignored() {
        let (_c, b) = bucket(10.0, 5, LimitMode::FailFast);
        for bad in ["0", "", "fifteen", "-3", "15 seconds", "99999999999999999999999"] {
            let h = ServerLimits::parse(|k| if k == "x-ratelimit-remaining" { None } else { Some(bad) });
            b.observe(&h, true);
            assert_eq!(b.rate_per_sec(), 10.0, "{bad:?} must not change the rate");
        }
        assert_eq!(b.available(), 5);
    }
}
