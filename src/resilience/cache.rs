//! Stale-if-error: the last good answer of each GET is kept for a while, and
//! served when a later identical call fails in a way worth hiding (server or
//! network trouble, open breaker, rate limit), as RFC 5861 describes for HTTP caches.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use parking_lot::Mutex;

use super::clock::Clock;

/// Bounded map of last good answers.
pub struct StaleCache<T: Clone> {
    max_age: Duration,
    capacity: usize,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, (u64, T)>>,
    /// Answers served stale.
    pub served: AtomicU64,
}

impl<T: Clone> StaleCache<T> {
    /// An empty cache keeping answers up to `max_age` old, at most `capacity` of them (at least 1), aged by `clock`.
    pub fn new(max_age: Duration, capacity: usize, clock: Arc<dyn Clock>) -> StaleCache<T> {
        StaleCache {
            max_age,
            capacity: capacity.max(1),
            clock,
            entries: Mutex::new(HashMap::new()),
            served: AtomicU64::new(0),
        }
    }

    /// Keep `value` as the last good answer for `key`, dropping the oldest entry when full.
    pub fn store(&self, key: &str, value: T) {
        let now = self.clock.now_nanos();
        let mut e = self.entries.lock();
        if e.len() >= self.capacity && !e.contains_key(key) {
            // drop the oldest entry
            if let Some(oldest) = e.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| k.clone()) {
                e.remove(&oldest);
            }
        }
        e.insert(key.to_string(), (now, value));
    }

    /// The last good answer for `key` if it is not older than `max_age`.
    pub fn stale(&self, key: &str) -> Option<T> {
        let now = self.clock.now_nanos();
        let e = self.entries.lock();
        let (at, v) = e.get(key)?;
        (now.saturating_sub(*at) <= self.max_age.as_nanos() as u64).then(|| {
            self.served.fetch_add(1, Relaxed);
            v.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    #[test]
    fn ages_out_and_stays_bounded() {
        let clock = ManualClock::new();
        let c = StaleCache::new(Duration::from_secs(60), 2, clock.clone());
        c.store("a", 1);
        clock.advance(Duration::from_secs(1));
        c.store("b", 2);
        c.store("c", 3);
        assert_eq!(c.stale("a"), None, "evicted as the oldest");
        assert_eq!(c.stale("b"), Some(2));
        clock.advance(Duration::from_secs(61));
        assert_eq!(c.stale("c"), None, "too old");
        assert_eq!(c.served.load(Relaxed), 1);
    }
}
