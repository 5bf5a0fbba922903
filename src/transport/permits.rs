//! The per-host connection cap ureq lacks (it only caps idle connections).
//! A call holds a permit of its host while it uses a connection, so at most
//! `max` connections to a host are ever open at once: a new connection is only
//! made when no idle one is free, and idle ones only come from finished calls.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, ErrorKind, Result, TimeoutPhase};

#[derive(Default)]
struct Gate {
    in_use: Mutex<usize>,
    freed: Condvar,
    waiting: AtomicU64,
}

/// Counters of the per-host cap.
#[derive(Debug, Default)]
pub struct PermitStats {
    /// Calls that had to wait for a slot.
    pub waits: AtomicU64,
    /// Calls refused (fail-fast mode) or timed out waiting.
    pub refusals: AtomicU64,
}

/// The per-host connection cap: a call holds a [`Permit`] of its host while it uses a connection. Thread-safe.
pub struct HostPermits {
    max: Option<usize>,
    /// `Some(wait)`: block up to `wait`; `None`: fail fast.
    wait: Option<std::time::Duration>,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    /// Waits and refusals so far.
    pub stats: PermitStats,
}

/// A held slot; dropping it frees the slot.
pub struct Permit(Option<Arc<Gate>>);

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Permit(held)"
        } else {
            "Permit(uncapped)"
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(g) = self.0.take() {
            *g.in_use.lock() -= 1;
            g.freed.notify_one();
        }
    }
}

impl HostPermits {
    /// At most `max` connections per host (`None`: no cap); at the cap wait up to `wait` (`None`: fail fast).
    pub fn new(max: Option<usize>, wait: Option<std::time::Duration>) -> HostPermits {
        HostPermits {
            max,
            wait,
            gates: Mutex::new(HashMap::new()),
            stats: PermitStats::default(),
        }
    }

    /// Take a slot for `host`, waiting at most until `deadline` (and the pool wait).
    pub fn acquire(&self, host: &str, deadline: Instant) -> Result<Permit> {
        let Some(max) = self.max else { return Ok(Permit(None)) };
        let gate = self.gates.lock().entry(host.to_string()).or_default().clone();
        let mut in_use = gate.in_use.lock();
        if *in_use < max {
            *in_use += 1;
            drop(in_use);
            return Ok(Permit(Some(gate)));
        }
        let Some(wait) = self.wait else {
            self.stats.refusals.fetch_add(1, Relaxed);
            return Err(Error::new(
                ErrorKind::PoolExhausted,
                format!("all {max} connections to {host} are in use"),
            ));
        };
        self.stats.waits.fetch_add(1, Relaxed);
        gate.waiting.fetch_add(1, Relaxed);
        let until = deadline.min(Instant::now() + wait);
        while *in_use >= max {
            // wake up now and then to notice a cancelled call
            let slice = until.min(Instant::now() + std::time::Duration::from_millis(50));
            if let Err(e) = crate::cancel::check() {
                gate.waiting.fetch_sub(1, Relaxed);
                return Err(e);
            }
            if gate.freed.wait_until(&mut in_use, slice).timed_out() && *in_use >= max && Instant::now() >= until {
                gate.waiting.fetch_sub(1, Relaxed);
                self.stats.refusals.fetch_add(1, Relaxed);
                return Err(Error::new(
                    ErrorKind::Timeout(TimeoutPhase::PoolWait),
                    format!("no free connection to {host} within the pool wait ({max} in use)"),
                ));
            }
        }
        *in_use += 1;
        gate.waiting.fetch_sub(1, Relaxed);
        drop(in_use);
        Ok(Permit(Some(gate)))
    }

    /// (in use, waiting) for a host.
    pub fn gauges(&self, host: &str) -> (usize, u64) {
        match self.gates.lock().get(host) {
            Some(g) => (*g.in_use.lock(), g.waiting.load(Relaxed)),
            None => (0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fail_fast_and_release() {
        let p = HostPermits::new(Some(2), None);
        let far = Instant::now() + Duration::from_secs(60);
        let a = p.acquire("h", far).unwrap();
        let _b = p.acquire("h", far).unwrap();
        assert!(matches!(
            p.acquire("h", far).unwrap_err().kind(),
            ErrorKind::PoolExhausted
        ));
        assert!(p.acquire("other", far).is_ok());
        drop(a);
        assert!(p.acquire("h", far).is_ok());
        assert_eq!(p.stats.refusals.load(Relaxed), 1);
    }

    #[test]
    fn blocking_waits_for_a_slot() {
        let p = Arc::new(HostPermits::new(Some(1), Some(Duration::from_secs(30))));
        let far = Instant::now() + Duration::from_secs(60);
        let held = p.acquire("h", far).unwrap();
        let p2 = p.clone();
        let t = std::thread::spawn(move || p2.acquire("h", far).map(|_| ()));
        while p.gauges("h").1 == 0 {
            std::thread::yield_now();
        }
        drop(held);
        assert!(t.join().unwrap().is_ok());
        assert_eq!(p.stats.waits.load(Relaxed), 1);
    }

    #[test]
    fn blocking_times_out_at_the_deadline() {
        let p = HostPermits::new(Some(1), Some(Duration::from_secs(30)));
        let _held = p.acquire("h", Instant::now() + Duration::from_secs(60)).unwrap();
        let e = p.acquire("h", Instant::now() + Duration::from_millis(20)).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Timeout(TimeoutPhase::PoolWait));
    }
}
