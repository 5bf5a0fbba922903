//! Cancelling a call from another thread, and bounding one call in time. A
//! [`CancelToken`] in scope ([`with_cancel`]) makes every wait of the pipeline (rate
//! limiter, backoff between retries, per-host slot, a token request) end at once with
//! `ErrorKind::Cancelled`, and shuts down the socket of a request on the wire so its
//! blocked read ends too. [`with_timeout`] gives the calls in its scope a shorter deadline.

use std::cell::{Cell, RefCell};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Default)]
struct Flag {
    cancelled: bool,
    /// Sockets of the requests on the wire under this token: shut down on cancel.
    sockets: Vec<Weak<TcpStream>>,
}

#[derive(Debug, Default)]
struct State {
    cancelled: Mutex<Flag>,
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

    /// Cancel every call running (or later started) under this token: waits end at once,
    /// and the sockets of requests on the wire are shut down (those connections are not
    /// reused).
    pub fn cancel(&self) {
        let sockets = {
            let mut f = self.state.cancelled.lock();
            f.cancelled = true;
            std::mem::take(&mut f.sockets)
        };
        self.state.wake.notify_all();
        for s in sockets.iter().filter_map(Weak::upgrade) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Whether [`cancel`](CancelToken::cancel) has been called on this token or one of its clones.
    pub fn is_cancelled(&self) -> bool {
        self.state.cancelled.lock().cancelled
    }

    /// Shut `socket` down when this token is cancelled (at once if it is already).
    fn watch(&self, socket: &Arc<TcpStream>) {
        let mut f = self.state.cancelled.lock();
        if f.cancelled {
            drop(f);
            let _ = socket.shutdown(Shutdown::Both);
            return;
        }
        let w = Arc::downgrade(socket);
        if !f.sockets.iter().any(|s| s.ptr_eq(&w)) {
            f.sockets.retain(|s| s.strong_count() > 0);
            f.sockets.push(w);
        }
    }

    /// Stop watching `socket` (its request is over).
    fn unwatch(&self, socket: &Weak<TcpStream>) {
        self.state
            .cancelled
            .lock()
            .sockets
            .retain(|s| !s.ptr_eq(socket) && s.strong_count() > 0);
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
        while !c.cancelled {
            if self.state.wake.wait_until(&mut c, until).timed_out() {
                return if c.cancelled { Err(cancelled()) } else { Ok(()) };
            }
        }
        Err(cancelled())
    }
}

pub(crate) fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the call was cancelled")
}

thread_local! {
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
    /// Sockets this thread's request in progress registered with its token.
    static WATCHED: RefCell<Vec<Weak<TcpStream>>> = const { RefCell::new(Vec::new()) };
    /// The timeout of [`with_timeout`] in scope.
    static TIMEOUT: Cell<Option<Duration>> = const { Cell::new(None) };
}

/// Run `f` with every call it makes on this thread bounded by `timeout` over all its
/// attempts, waits and backoff: the call's deadline is the sooner of this and the
/// client's `call_timeout`. Running out fails the call with
/// [`TimeoutPhase::Call`](crate::TimeoutPhase::Call), ending a request on the wire by
/// its socket's read timeout. Nested scopes: the innermost applies.
pub fn with_timeout<R>(timeout: Duration, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Duration>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TIMEOUT.with(|t| t.set(self.0));
        }
    }
    let _restore = Restore(TIMEOUT.with(|t| t.replace(Some(timeout))));
    f()
}

/// The timeout of [`with_timeout`] in scope on this thread.
pub(crate) fn timeout() -> Option<Duration> {
    TIMEOUT.with(Cell::get)
}

/// Called by the transport before it blocks on `socket`: the cancel token in scope (if
/// any) shuts it down when cancelled. Cheap when the socket is already watched.
pub(crate) fn watch_socket(socket: &Arc<TcpStream>) {
    let Some(token) = current() else { return };
    let w = Arc::downgrade(socket);
    let new = WATCHED.with(|v| {
        let mut v = v.borrow_mut();
        let new = !v.iter().any(|s| s.ptr_eq(&w));
        if new {
            v.push(w);
        }
        new
    });
    if new {
        token.watch(socket);
    }
}

/// Scope of one request: the sockets it registered stop being watched when it ends.
pub(crate) struct RequestScope(());

impl RequestScope {
    pub(crate) fn start() -> RequestScope {
        RequestScope(())
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        let watched = WATCHED.with(|v| std::mem::take(&mut *v.borrow_mut()));
        if watched.is_empty() {
            return;
        }
        if let Some(token) = current() {
            for s in &watched {
                token.unwatch(s);
            }
        }
    }
}

/// Whether the call in scope was cancelled.
pub(crate) fn is_cancelled() -> bool {
    current().is_some_and(|t| t.is_cancelled())
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
