//! The core of the tiny raw HTTP/1.1 servers of the integration tests (`common`,
//! `resilience_support`, `fault_matrix_support`, `raw_http`, `security`): a
//! thread-per-connection acceptor on 127.0.0.1 that stops and joins every thread when
//! dropped, and a reader of one request (head and `Content-Length` body) that notices a
//! stop. Each server keeps its own request type and answers on top of these.

#![allow(dead_code)]

use std::io::{ErrorKind as IoKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a connection's thread runs: the stream, its connection number (from 0, in
/// accept order) and the server's stop flag.
type Serve = dyn Fn(TcpStream, usize, &AtomicBool) + Send + Sync;

/// A thread-per-connection listener on 127.0.0.1; dropping it stops and joins every thread.
pub struct Acceptor {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Acceptor {
    /// Bind a free loopback port and run `serve` on a thread of its own for each connection.
    pub fn start(serve: impl Fn(TcpStream, usize, &AtomicBool) + Send + Sync + 'static) -> Acceptor {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let serve: Arc<Serve> = Arc::new(serve);
        let accept = {
            let (stop, connections, workers) = (stop.clone(), connections.clone(), workers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let conn = connections.fetch_add(1, SeqCst);
                    let (stop, serve) = (stop.clone(), serve.clone());
                    let h = std::thread::spawn(move || serve(stream, conn, &stop));
                    workers.lock().unwrap().push(h);
                }
            })
        };
        Acceptor {
            addr,
            stop,
            connections,
            accept: Some(accept),
            workers,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(SeqCst)
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)); // wake accept()
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        let workers = std::mem::take(&mut *self.workers.lock().unwrap());
        for h in workers {
            let _ = h.join();
        }
    }
}

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The head as sent, without the blank line that ends it.
    pub head: String,
    pub method: String,
    /// Request target as sent (path and query).
    pub target: String,
    /// Header names lower-cased, values trimmed, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When its head was complete.
    pub at: Instant,
}

impl RawRequest {
    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// Read one request (head and `Content-Length` body). `None` on EOF, error or stop.
pub fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, stop: &AtomicBool) -> Option<RawRequest> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(stream, buf, &mut chunk, stop)? {
            return None;
        }
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&buf[..head_end - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        if !fill(stream, buf, &mut chunk, stop)? {
            return None;
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(RawRequest {
        head,
        method,
        target,
        headers,
        body,
        at,
    })
}

/// Read more bytes into `buf`: `Some(true)` if some came, `Some(false)` on EOF, `None` on stop or error.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, chunk: &mut [u8], stop: &AtomicBool) -> Option<bool> {
    loop {
        if stop.load(SeqCst) {
            return None;
        }
        match stream.read(chunk) {
            Ok(0) => return Some(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Some(true);
            }
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted) => {}
            Err(_) => return None,
        }
    }
}
