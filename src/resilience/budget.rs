//! The retry budget: retries may add at most a set fraction of recent traffic
//! (plus a small floor), so when a dependency is down a fleet of clients does
//! not multiply its load by `max_retries`.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};

use parking_lot::Mutex;

use super::clock::Clock;

/// Retry budget settings. Default: 20 % of the last 10 s of requests, with a floor
/// of 10 retries per 10 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed per first attempt, 0..=1. Default 0.2.
    pub ratio: f64,
    /// Retries always allowed per window, whatever the traffic. Default 10.
    pub min_retries: u32,
    /// Sliding window. Default 10 s.
    pub window: Duration,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        RetryBudgetConfig {
            ratio: 0.2,
            min_retries: 10,
            window: Duration::from_secs(10),
        }
    }
}

const SLOTS: usize = 10;

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    epoch: u64,
    retries: u64,
}

/// A sliding-window count of first attempts and retries.
#[derive(Debug)]
pub struct RetryBudget {
    cfg: RetryBudgetConfig,
    clock: Arc<dyn Clock>,
    /// Retries per time slot (taken under the lock: rare, and must not overshoot).
    slots: Mutex<[Slot; SLOTS]>,
    /// First attempts per time slot, counted without a lock (every call does it): the
    /// slot's epoch, and its count. A count racing with the slot's reset may be lost,
    /// which only makes the budget a little stricter.
    request_epochs: [AtomicU64; SLOTS],
    requests: [AtomicU64; SLOTS],
}

impl RetryBudget {
    /// A budget with these settings, its time windows read from `clock`.
    pub fn new(cfg: RetryBudgetConfig, clock: Arc<dyn Clock>) -> RetryBudget {
        RetryBudget {
            cfg,
            clock,
            slots: Mutex::new([Slot::default(); SLOTS]),
            request_epochs: std::array::from_fn(|_| AtomicU64::new(0)),
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    fn slot_len(&self) -> u64 {
        (self.cfg.window.as_nanos() as u64 / SLOTS as u64).max(1)
    }

    fn with_current<R>(&self, f: impl FnOnce(&mut Slot, u64, u64) -> R) -> R {
        let epoch = self.clock.now_nanos() / self.slot_len();
        let mut slots = self.slots.lock();
        let requests = self.requests_in_window(epoch);
        let retries = slots
            .iter()
            .filter(|s| s.epoch + (SLOTS as u64) > epoch && s.epoch <= epoch)
            .map(|s| s.retries)
            .sum();
        let cur = &mut slots[(epoch % SLOTS as u64) as usize];
        if cur.epoch != epoch {
            *cur = Slot { epoch, retries: 0 };
        }
        f(cur, requests, retries)
    }

    /// Count a first attempt (lock-free).
    pub fn record_request(&self) {
        let epoch = self.clock.now_nanos() / self.slot_len();
        let i = (epoch % SLOTS as u64) as usize;
        let seen = self.request_epochs[i].load(Acquire);
        if seen != epoch
            && self.request_epochs[i]
                .compare_exchange(seen, epoch, AcqRel, Acquire)
                .is_ok()
        {
            self.requests[i].store(0, Relaxed);
        }
        self.requests[i].fetch_add(1, Relaxed);
    }

    /// First attempts in the window ending at `epoch`.
    fn requests_in_window(&self, epoch: u64) -> u64 {
        (0..SLOTS)
            .filter(|i| {
                let e = self.request_epochs[*i].load(Acquire);
                e + (SLOTS as u64) > epoch && e <= epoch
            })
            .map(|i| self.requests[i].load(Relaxed))
            .sum()
    }

    /// Take one retry from the budget; `false` means the budget is spent.
    pub fn try_retry(&self) -> bool {
        let (ratio, floor) = (self.cfg.ratio, self.cfg.min_retries as f64);
        self.with_current(|s, requests, retries| {
            let allowed = floor + ratio * requests as f64;
            if (retries + 1) as f64 <= allowed {
                s.retries += 1;
                true
            } else {
                false
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    #[test]
    fn floor_then_ratio_then_window() {
        let clock = ManualClock::new();
        let b = RetryBudget::new(RetryBudgetConfig::default(), clock.clone());
        // no traffic: only the floor
        assert_eq!((0..20).filter(|_| b.try_retry()).count(), 10);
        // 100 requests buy 20 more retries
        for _ in 0..100 {
            b.record_request();
        }
        assert_eq!((0..50).filter(|_| b.try_retry()).count(), 20);
        // after the window everything has aged out: the floor again
        clock.advance(Duration::from_secs(11));
        assert_eq!((0..50).filter(|_| b.try_retry()).count(), 10);
    }
}
