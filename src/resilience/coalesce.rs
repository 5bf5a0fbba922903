//! Request coalescing: identical GETs in flight at the same time share one
//! upstream request and its result (single flight). The leader removes its
//! entry in a drop guard, so a panicking call never leaves waiters hanging.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, ErrorKind};

type Shared<T> = Result<T, Error>;

struct Flight<T> {
    result: Mutex<Option<Shared<T>>>,
    done: Condvar,
}

/// Shards of the in-flight table: calls with different keys rarely share a lock.
const SHARDS: usize = 16;

/// Groups identical calls in flight.
pub struct Coalescer<T: Clone> {
    flights: [Mutex<HashMap<String, Arc<Flight<T>>>>; SHARDS],
    /// Calls answered from another call's flight.
    pub saved: AtomicU64,
}

impl<T: Clone> Default for Coalescer<T> {
    fn default() -> Self {
        Coalescer {
            flights: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            saved: AtomicU64::new(0),
        }
    }
}

/// The shard of `key` (FNV-1a: cheap, and keys differ mostly in their last bytes).
fn shard(key: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    h as usize % SHARDS
}

struct Leader<'a, T: Clone> {
    map: &'a Mutex<HashMap<String, Arc<Flight<T>>>>,
    key: &'a str,
    flight: Arc<Flight<T>>,
    finished: bool,
}

impl<T: Clone> Leader<'_, T> {
    /// Close the flight with `result`: no one can join after this, and the result is
    /// copied for the callers already waiting, only if there are any.
    fn finish(mut self, result: Shared<T>) -> Shared<T> {
        self.finished = true;
        self.map.lock().remove(self.key);
        // the map's reference is gone: any other reference is a waiter's
        if Arc::strong_count(&self.flight) > 1 {
            *self.flight.result.lock() = Some(result.clone());
            self.flight.done.notify_all();
        }
        result
    }
}

impl<T: Clone> Drop for Leader<'_, T> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // the call panicked: release the waiters with an error
        self.map.lock().remove(self.key);
        *self.flight.result.lock() = Some(Err(Error::new(ErrorKind::Io, "the shared call was abandoned")));
        self.flight.done.notify_all();
    }
}

impl<T: Clone> Coalescer<T> {
    /// Run `f` for `key`, or wait for the identical call already running and share its result.
    pub fn run(&self, key: &str, f: impl FnOnce() -> Shared<T>) -> Shared<T> {
        let (flight, leader) = {
            let mut map = self.flights[shard(key)].lock();
            match map.get(key) {
                Some(fl) => (fl.clone(), false),
                None => {
                    let fl = Arc::new(Flight {
                        result: Mutex::new(None),
                        done: Condvar::new(),
                    });
                    map.insert(key.to_string(), fl.clone());
                    (fl, true)
                }
            }
        };
        if !leader {
            self.saved.fetch_add(1, Relaxed);
            let mut r = flight.result.lock();
            while r.is_none() {
                flight.done.wait(&mut r);
            }
            return r.clone().expect("set before notify");
        }
        let guard = Leader {
            map: &self.flights[shard(key)],
            key,
            flight,
            finished: false,
        };
        let result = f();
        guard.finish(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::AtomicUsize;

    /// Spin until `c` has `n` callers waiting on a flight (they count themselves when
    /// they join, before they wait): a rendezvous, not a time window.
    fn until_joined<T: Clone>(c: &Coalescer<T>, n: u64) {
        while c.saved.load(Relaxed) < n {
            std::thread::yield_now();
        }
    }

    #[test]
    fn concurrent_identical_calls_run_once() {
        let c = Arc::new(Coalescer::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(20));
        let threads: Vec<_> = (0..20)
            .map(|_| {
                let (c, runs, barrier) = (c.clone(), runs.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    c.run("k", || {
                        runs.fetch_add(1, Relaxed);
                        // the leader answers once the 19 others have joined its flight
                        until_joined(&c, 19);
                        Ok(42)
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), 42);
        }
        assert_eq!(runs.load(Relaxed), 1);
        assert_eq!(c.saved.load(Relaxed), 19);
    }

    #[test]
    fn a_panicking_leader_releases_waiters() {
        let c = Arc::new(Coalescer::<u32>::default());
        let c2 = c.clone();
        let (in_flight, leading) = std::sync::mpsc::channel();
        let leader = std::thread::spawn(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                c2.run("k", || {
                    in_flight.send(()).unwrap();
                    // panic once the other caller waits on this flight
                    until_joined(&c2, 1);
                    panic!("boom")
                })
            }));
        });
        leading.recv().unwrap();
        let r = c.run("k", || Ok(1));
        leader.join().unwrap();
        assert_eq!(
            r.unwrap_err().kind(),
            &ErrorKind::Io,
            "the waiter gets the abandoned flight's error"
        );
        assert_eq!(c.run("k", || Ok(7)).unwrap(), 7, "no entry left behind");
    }
}
