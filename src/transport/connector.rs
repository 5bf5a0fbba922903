//! Our TCP connector for ureq: sockets made with socket2 so TCP keepalive and
//! TCP_NODELAY are set before connecting, and a transport that counts what the
//! pool does (connections opened and closed, reuse on this thread).

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, TcpKeepalive, Type};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};
use ureq::{Error, Timeout};

/// Counters of the connections the transport made.
#[derive(Debug, Default)]
pub struct ConnStats {
    /// TCP connections opened.
    pub opened: AtomicU64,
    /// Connections closed (by either side, or dropped from the pool).
    pub closed: AtomicU64,
    /// Connection attempts that failed.
    pub connect_failures: AtomicU64,
}

thread_local! {
    /// Connections this thread opened; a call that opened none reused a pooled one.
    static OPENED_HERE: Cell<u64> = const { Cell::new(0) };
}

thread_local! {
    /// Whether a read on this thread met a reset (RST) since [`take_reset`]: ureq reports
    /// a reset in the body as the end of the connection, and the user should know which.
    static RESET_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// Whether a read on this thread met a connection reset since the last call; clears it.
pub fn take_reset() -> bool {
    RESET_SEEN.with(|c| c.replace(false))
}

/// How many connections the calling thread has opened so far.
pub fn opened_by_this_thread() -> u64 {
    OPENED_HERE.with(Cell::get)
}

/// Socket options applied to every new connection.
#[derive(Debug, Clone)]
pub struct SocketOptions {
    pub keepalive: Option<(Duration, Duration, u32)>,
    pub nodelay: bool,
}

pub struct SocketConnector {
    pub opts: SocketOptions,
    pub stats: Arc<ConnStats>,
}

impl fmt::Debug for SocketConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketConnector").field("opts", &self.opts).finish()
    }
}

impl SocketConnector {
    fn connect_one(&self, addr: SocketAddr, timeout: Option<Duration>) -> io::Result<TcpStream> {
        let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        if let Some((idle, interval, count)) = self.opts.keepalive {
            let ka = TcpKeepalive::new().with_time(idle).with_interval(interval);
            #[cfg(not(any(target_os = "openbsd", target_os = "haiku", windows)))]
            let ka = ka.with_retries(count);
            #[cfg(any(target_os = "openbsd", target_os = "haiku", windows))]
            let _ = count;
            sock.set_tcp_keepalive(&ka)?;
        }
        sock.set_tcp_nodelay(self.opts.nodelay)?;
        match timeout {
            Some(t) => sock.connect_timeout(&addr.into(), t)?,
            None => sock.connect(&addr.into())?,
        }
        Ok(TcpStream::from(sock))
    }
}

fn addr_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::TimedOut
    )
}

impl<In: Transport> Connector<In> for SocketConnector {
    type Out = Either<In, SocketTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        // Split the connect budget over the addresses: half to the first, a quarter to the next…
        let total = details.timeout.not_zero().map(|d| *d);
        let n = details.addrs.len().max(1);
        let mut last: Option<io::Error> = None;
        for (i, addr) in details.addrs.iter().enumerate() {
            let share = total.map(|t| {
                let w = if i + 1 == n {
                    0.5f64.powi(i as i32)
                } else {
                    0.5f64.powi(i as i32 + 1)
                };
                let w = if n == 1 { 1.0 } else { w };
                t.mul_f64(w).max(Duration::from_millis(10))
            });
            match self.connect_one(*addr, share) {
                Ok(stream) => {
                    self.stats.opened.fetch_add(1, Relaxed);
                    OPENED_HERE.with(|c| c.set(c.get() + 1));
                    let t = SocketTransport::new(
                        stream,
                        details.config.input_buffer_size(),
                        details.config.output_buffer_size(),
                        self.stats.clone(),
                    );
                    (details.register_shutdown)(t.shutdown_handle())?;
                    return Ok(Some(Either::B(t)));
                }
                Err(e) if addr_specific(&e) => last = Some(e),
                Err(e) => {
                    self.stats.connect_failures.fetch_add(1, Relaxed);
                    return Err(Error::Io(e));
                }
            }
        }
        self.stats.connect_failures.fetch_add(1, Relaxed);
        match last {
            Some(e) if e.kind() == io::ErrorKind::TimedOut => Err(Error::Timeout(Timeout::Connect)),
            Some(e) => Err(Error::Io(e)),
            None => Err(Error::HostNotFound),
        }
    }
}

/// A plain TCP connection with timeouts, as ureq's own TCP transport, plus counters.
pub struct SocketTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    stats: Arc<ConnStats>,
}

impl SocketTransport {
    fn new(stream: TcpStream, input: usize, output: usize, stats: Arc<ConnStats>) -> SocketTransport {
        SocketTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(input, output),
            read_timeout: None,
            write_timeout: None,
            stats,
        }
    }

    fn shutdown_handle(&self) -> Weak<dyn ShutdownHandle> {
        Arc::downgrade(&self.stream) as Weak<dyn ShutdownHandle>
    }
}

impl Drop for SocketTransport {
    fn drop(&mut self) {
        self.stats.closed.fetch_add(1, Relaxed);
    }
}

impl fmt::Debug for SocketTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

fn budget(t: NextTimeout) -> Result<Option<Duration>, Error> {
    if t.after.is_zero() {
        return Err(Error::Timeout(t.reason));
    }
    Ok(t.not_zero().map(|d| *d))
}

fn map_io(e: io::Error, reason: Timeout) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout(reason),
        _ => Error::Io(e),
    }
}

impl Transport for SocketTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let t = timeout.for_write();
        let d = budget(t)?;
        if d != self.write_timeout {
            self.stream.set_write_timeout(d)?;
            self.write_timeout = d;
        }
        crate::cancel::watch_socket(&self.stream);
        let out = &self.buffers.output()[..amount];
        (&*self.stream).write_all(out).map_err(|e| map_io(e, t.reason))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        let t = timeout.for_read();
        let d = budget(t)?;
        if d != self.read_timeout {
            self.stream.set_read_timeout(d)?;
            self.read_timeout = d;
        }
        crate::cancel::watch_socket(&self.stream);
        let started = std::time::Instant::now();
        let input = self.buffers.input_append_buf();
        let n = loop {
            match (&*self.stream).read(input) {
                // a signal interrupted the read: go on with what is left of the budget
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    if let Some(d) = d {
                        let left = d.saturating_sub(started.elapsed());
                        if left.is_zero() {
                            return Err(Error::Timeout(t.reason));
                        }
                        self.stream.set_read_timeout(Some(left))?;
                        self.read_timeout = Some(left);
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    RESET_SEEN.with(|c| c.set(true));
                    return Err(Error::Io(e));
                }
                r => break r.map_err(|e| map_io(e, t.reason))?,
            }
        };
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        // a pooled connection is usable only if a non-blocking read would block (no FIN, RST or stray bytes)
        let s = &*self.stream;
        if s.set_nonblocking(true).is_err() {
            return false;
        }
        let mut b = [0u8; 1];
        let open = matches!((&*self.stream).read(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        open && s.set_nonblocking(false).is_ok()
    }
}
