//! The connection wrapper that makes transport faults real: a TCP reset before
//! or in the middle of a response, closing idle keep-alive connections, and the
//! byte counter behind `bytes_served`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// When to reset a connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResetPlan {
    /// Before any further byte is written.
    Now,
    /// After the end of the next response head (`\r\n\r\n`) plus this many body bytes.
    AfterHead(usize),
}

/// Per-connection control shared by the request handler and the IO wrapper.
#[derive(Default)]
pub struct ConnCtl {
    plan: Mutex<Option<ResetPlan>>,
    /// Requests being handled on this connection (no idle close while > 0).
    pub in_flight: AtomicUsize,
}

impl ConnCtl {
    pub fn arm(&self, plan: ResetPlan) {
        *self.plan.lock() = Some(plan);
    }
}

/// Settings and counters the wrapper reads on every poll.
pub struct IoShared {
    /// Idle keep-alive close in ms; 0 = never.
    pub idle_close_ms: AtomicU64,
    pub stats: Arc<crate::stats::Stats>,
}

enum Scan {
    Off,
    /// Looking for the end of the head: how many of `\r\n\r\n` matched so far, then body bytes allowed.
    Head {
        matched: u8,
        allowance: usize,
    },
    Body {
        allowance: usize,
    },
}

pub struct FaultIo<S> {
    inner: S,
    fd: RawFd,
    ctl: Arc<ConnCtl>,
    shared: Arc<IoShared>,
    scan: Scan,
    reset: bool,
    last_activity: Instant,
    idle_sleep: Option<Pin<Box<Sleep>>>,
}

impl<S> FaultIo<S> {
    pub fn new(inner: S, fd: RawFd, ctl: Arc<ConnCtl>, shared: Arc<IoShared>) -> Self {
        FaultIo {
            inner,
            fd,
            ctl,
            shared,
            scan: Scan::Off,
            reset: false,
            last_activity: Instant::now(),
            idle_sleep: None,
        }
    }

    /// Abort the connection: SO_LINGER 0 makes the coming close send RST.
    fn do_reset(&mut self) -> io::Error {
        self.reset = true;
        // SAFETY: `fd` belongs to the TCP stream inside `inner`, which is alive for as long as `self`.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let sock = socket2::SockRef::from(&fd);
        let _ = sock.set_linger(Some(Duration::ZERO));
        let _ = sock.shutdown(std::net::Shutdown::Read);
        io::Error::new(io::ErrorKind::ConnectionReset, "fault injection: connection reset")
    }

    /// How many bytes of `buf` may go out before the planned reset (`None` = no limit).
    fn allowed(&mut self, buf: &[u8]) -> Option<usize> {
        if let Some(plan) = self.ctl.plan.lock().take() {
            self.scan = match plan {
                ResetPlan::Now => Scan::Body { allowance: 0 },
                ResetPlan::AfterHead(n) => Scan::Head {
                    matched: 0,
                    allowance: n,
                },
            };
        }
        match self.scan {
            Scan::Off => None,
            Scan::Body { allowance } => Some(allowance.min(buf.len())),
            Scan::Head { matched, allowance } => match head_end(matched, buf) {
                (_, Some(end)) => Some((end + allowance).min(buf.len())),
                (_, None) => Some(buf.len()),
            },
        }
    }

    /// Account for bytes written under a reset plan.
    fn consumed(&mut self, buf: &[u8]) {
        match &mut self.scan {
            Scan::Off => {}
            Scan::Body { allowance } => *allowance -= buf.len().min(*allowance),
            Scan::Head { matched, allowance } => match head_end(*matched, buf) {
                (_, Some(end)) => {
                    self.scan = Scan::Body {
                        allowance: allowance.saturating_sub(buf.len() - end),
                    }
                }
                (m, None) => *matched = m,
            },
        }
    }
}

/// Feed `buf` to a `\r\n\r\n` matcher that has already matched `matched` bytes: the new
/// match count, and the offset just past the end of the head if it ends inside `buf`.
fn head_end(mut matched: u8, buf: &[u8]) -> (u8, Option<usize>) {
    for (i, &b) in buf.iter().enumerate() {
        let want = if matched.is_multiple_of(2) { b'\r' } else { b'\n' };
        matched = if b == want {
            matched + 1
        } else if b == b'\r' {
            1
        } else {
            0
        };
        if matched == 4 {
            return (4, Some(i + 1));
        }
    }
    (matched, None)
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for FaultIo<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.last_activity = Instant::now();
                }
                return Poll::Ready(Ok(()));
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => {}
        }
        let idle = this.shared.idle_close_ms.load(Ordering::Relaxed);
        if idle == 0 || this.ctl.in_flight.load(Ordering::Acquire) > 0 {
            return Poll::Pending;
        }
        let deadline = this.last_activity + Duration::from_millis(idle);
        let sleep = this
            .idle_sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        match sleep.as_mut().poll(cx) {
            // Report end of stream: hyper closes the connection (FIN), like a server's keep-alive timeout.
            Poll::Ready(()) => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for FaultIo<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let limit = this.allowed(buf).unwrap_or(buf.len());
        if limit == 0 && !buf.is_empty() {
            // everything allowed is out: push it to the wire, then reset
            return match Pin::new(&mut this.inner).poll_flush(cx) {
                Poll::Pending => Poll::Pending,
                _ => Poll::Ready(Err(this.do_reset())),
            };
        }
        match Pin::new(&mut this.inner).poll_write(cx, &buf[..limit]) {
            Poll::Ready(Ok(n)) => {
                this.consumed(&buf[..n]);
                this.shared.stats.bytes_served.fetch_add(n as u64, Ordering::Relaxed);
                this.last_activity = Instant::now();
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// The raw fd of a plain or TLS-wrapped TCP stream.
pub fn raw_fd(s: &tokio::net::TcpStream) -> RawFd {
    s.as_raw_fd()
}

#[cfg(test)]
mod tests {
    use super::head_end;

    #[test]
    fn finds_the_end_of_the_head_across_writes() {
        assert_eq!(head_end(0, b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody"), (4, Some(25)));
        let (m, end) = head_end(0, b"HTTP/1.1 200 OK\r\n\r");
        assert_eq!((m, end), (3, None));
        assert_eq!(head_end(m, b"\nxyz"), (4, Some(1)));
        assert_eq!(head_end(0, b"a\r\nb\r\r\n\r\n"), (4, Some(9)));
    }
}
