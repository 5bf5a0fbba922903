//! Cancelling a call from another thread. A [`CancelToken`] in scope
//! ([`with_cancel`]) makes every wait of the pipeline (rate limiter, backoff
//! between retries, per-host slot) end at once with `ErrorKind::Cancelled`.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Default)]
struct State {
    cancelled: Mutex<bool>,
    wake: Condvar,
    /// Threads inside `sleep` (set under the lock before waiting: a test that sees it
    /// and then takes the lock knows the sleeper waits on the condition variable).
    #[cfg(test)]
    sleeping: std::sync::atomic::AtomicUsize,
}

/// A flag that, once set, cancels the calls running under it. `Clone` shares the flag.
/// Thread-safe: `cancel` may be called from any thread while a call waits.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    state: Arc<State>,
}

impl CancelToken {
    /// A token nothing has cancelled yet (the same as `CancelToken::default()`).
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancel every call running (or later started) under this token.
    pub fn cancel(&self) {
        *self.state.cancelled.lock() = true;
        self.state.wake.notify_all();
    }

    /// Whether [`cancel`](CancelToken::cancel) has been called on this token or one of its clones.
    pub fn is_cancelled(&self) -> bool {
        *self.state.cancelled.lock()
    }

    /// `Err(Cancelled)` once cancelled.
    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() { Err(cancelled()) } else { Ok(()) }
    }

    /// Sleep `d` of real time, or less if cancelled (then `Err(Cancelled)`). The
    /// pipeline sleeps through its clock instead
    /// ([`Clock::sleep_cancellable`](crate::resilience::Clock::sleep_cancellable)),
    /// which on the system clock comes here.
    pub fn sleep(&self, d: Duration) -> Result<()> {
        let until = Instant::now() + d;
        let mut c = self.state.cancelled.lock();
        #[cfg(test)]
        self.state.sleeping.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        while !*c {
            if self.state.wake.wait_until(&mut c, until).timed_out() {
                return if *c { Err(cancelled()) } else { Ok(()) };
            }
        }
        Err(cancelled())
    }
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the call was cancelled")
}

thread_local! {
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Run `f` with `token` cancelling every call it makes on this thread.
pub fn with_cancel<R>(token: &CancelToken, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<CancelToken>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.borrow_mut().replace(token.clone())));
    f()
}

/// The token in scope on this thread.
pub(crate) fn current() -> Option<CancelToken> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Fail if the call in scope was cancelled.
pub(crate) fn check() -> Result<()> {
    match current() {
        Some(t) => t.check(),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_wakes_a_sleeper() {
        let t = CancelToken::new();
        let t2 = t.clone();
        // an hour: only the cancel can end this sleep before the test times out
        let h = std::thread::spawn(move || t2.sleep(Duration::from_secs(3600)));
        // rendezvous: the sleeper counted itself under the lock, so once the count shows
        // it, `cancel` (which takes the lock) finds it waiting on the condition variable
        while t.state.sleeping.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        t.cancel();
        let r = h.join().unwrap();
        assert_eq!(r.unwrap_err().kind(), &ErrorKind::Cancelled);
        assert!(t.sleep(Duration::from_secs(1)).is_err(), "stays cancelled");
    }

    #[test]
    fn scope() {
        let t = CancelToken::new();
        assert!(current().is_none());
        with_cancel(&t, || {
            assert!(check().is_ok());
            t.cancel();
            assert!(check().is_err());
        });
        assert!(current().is_none());
        assert!(CancelToken::new().sleep(Duration::from_millis(1)).is_ok());
    }
}
