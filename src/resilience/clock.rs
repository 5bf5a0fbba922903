//! One source of time for the resilience stages, so their tests run on a
//! manual clock without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Monotonic time in nanoseconds since the clock's origin, and sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since the clock's origin; never goes backwards.
    fn now_nanos(&self) -> u64;
    /// Block the calling thread for `d` (a manual clock advances instead).
    fn sleep(&self, d: Duration);
}

/// The real clock.
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
}

/// A clock that only moves when told to; `sleep` advances it.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A manual clock at time 0, shared.
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
