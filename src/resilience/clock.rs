//! The one source of time of a client: the limiter, breaker, retry budget and caches,
//! and also token expiry, the DNS cache TTL, call deadlines, retry backoff and the
//! cancellable sleeps of the pipeline read the [`Clock`] given to
//! [`ClientBuilder::clock`](crate::ClientBuilder::clock) (default: [`system`]).
//! Tests run on a [`ManualClock`], which only moves when told to, so nothing in them
//! depends on how fast the machine runs.
//!
//! Only the edges that wait for real I/O (a socket read, a Redis round trip, a free
//! connection slot) convert the time left on the clock into a real-time bound
//! (`Deadline::instant`), and latencies reported in metrics are measured in real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::cancel::CancelToken;
use crate::error::Result;

/// Monotonic time in nanoseconds since the clock's origin, and sleeping.
/// Implementations must be thread-safe; `now_nanos` never goes backwards.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since this clock's origin (monotonic).
    fn now_nanos(&self) -> u64;

    /// Block the calling thread for `d` of this clock's time.
    fn sleep(&self, d: Duration);

    /// Sleep `d` of this clock's time, or less when `cancel` is cancelled meanwhile
    /// (then `Err` with [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled); also when
    /// it was cancelled before). The default checks the token before and after
    /// [`sleep`](Clock::sleep); [`SystemClock`] wakes at once on a cancel.
    fn sleep_cancellable(&self, d: Duration, cancel: &CancelToken) -> Result<()> {
        cancel.check()?;
        self.sleep(d);
        cancel.check()
    }
}

/// The real clock: `Instant` since its creation, and `std::thread::sleep`.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock { origin: Instant::now() }
    }
}

impl Clock for SystemClock {
    fn now_nanos(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
    fn sleep_cancellable(&self, d: Duration, cancel: &CancelToken) -> Result<()> {
        // real time, woken by `cancel()` through the token's condition variable
        cancel.sleep(d)
    }
}

/// A clock that only moves when told to: [`advance`](ManualClock::advance), or a
/// [`sleep`](Clock::sleep) on it, which returns at once having moved the clock forward
/// by the time slept (virtual time). Starts at 0. For tests: deterministic, no real waits.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A new manual clock at 0 ns, shareable as `Arc<dyn Clock>`.
    pub fn new() -> Arc<ManualClock> {
        Arc::new(ManualClock::default())
    }

    /// Move the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.nanos.fetch_add(d.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst)
    }
    fn sleep(&self, d: Duration) {
        self.advance(d)
    }
}

/// The shared default clock.
pub fn system() -> Arc<dyn Clock> {
    static CLOCK: std::sync::OnceLock<Arc<SystemClock>> = std::sync::OnceLock::new();
    CLOCK.get_or_init(|| Arc::new(SystemClock::default())).clone()
}

/// A point in time on a [`Clock`] (ns), for call deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deadline(u64);

impl Deadline {
    /// `d` from now on `clock`.
    pub fn after(clock: &dyn Clock, d: Duration) -> Deadline {
        Deadline(
            clock
                .now_nanos()
                .saturating_add(d.as_nanos().min(u64::MAX as u128) as u64),
        )
    }

    /// Time left on `clock` (zero once passed).
    pub fn left(self, clock: &dyn Clock) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(clock.now_nanos()))
    }

    /// Whether `clock` has reached it.
    pub fn passed(self, clock: &dyn Clock) -> bool {
        clock.now_nanos() >= self.0
    }

    /// The real-time bound for I/O that starts now: now plus the time left on `clock`.
    pub fn instant(self, clock: &dyn Clock) -> Instant {
        Instant::now() + self.left(clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn manual_sleep_moves_time_and_honours_a_cancel() {
        let c = ManualClock::new();
        let t = CancelToken::new();
        c.sleep_cancellable(Duration::from_secs(5), &t).unwrap();
        assert_eq!(c.now_nanos(), 5_000_000_000);
        t.cancel();
        let e = c.sleep_cancellable(Duration::from_secs(5), &t).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Cancelled);
        assert_eq!(c.now_nanos(), 5_000_000_000, "a cancelled sleep does not move time");
    }

    #[test]
    fn deadline_on_the_manual_clock() {
        let c = ManualClock::new();
        let d = Deadline::after(&*c, Duration::from_secs(10));
        assert_eq!(d.left(&*c), Duration::from_secs(10));
        c.advance(Duration::from_secs(4));
        assert_eq!(d.left(&*c), Duration::from_secs(6));
        assert!(!d.passed(&*c));
        c.advance(Duration::from_secs(6));
        assert!(d.passed(&*c));
        assert_eq!(d.left(&*c), Duration::ZERO);
        assert!(d.instant(&*c) <= Instant::now());
    }

    #[test]
    fn system_sleep_wakes_on_real_time_and_on_cancel() {
        let c = SystemClock::default();
        let t = CancelToken::new();
        let before = c.now_nanos();
        c.sleep_cancellable(Duration::from_millis(1), &t).unwrap();
        assert!(c.now_nanos() - before >= 1_000_000, "slept at least the time asked");
        t.cancel();
        assert!(c.sleep_cancellable(Duration::from_secs(3600), &t).is_err());
    }
}
