//! Helpers shared by `client_transport`, `client_auth` and `client_input`: the
//! emulator with the rate limiter off, a client builder pointed at it, its
//! counters, and a tiny raw HTTP/1.1 server for misbehaviour the emulator
//! cannot produce. Every helper has short timeouts so no test can hang.

#![allow(dead_code)]

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use cloudconnexa::{ClientBuilder, Error, ErrorKind};
pub use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};
use serde_json::Value;

/// Read budget of test clients: long enough for a loaded 2-core machine.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-call budget of test clients.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Emulator options with the rate limiter off (most tests make many calls).
pub fn opts() -> MockOptions {
    let mut o = MockOptions::default();
    o.rate_limit.enabled = false;
    o
}

/// Start an emulator on a free loopback port.
pub fn start(opts: MockOptions) -> MockServer {
    MockServer::start(opts).expect("MockServer::start")
}

/// A fault rule from its JSON form.
pub fn rule(json: &str) -> FaultRule {
    FaultRule::parse(json).unwrap_or_else(|e| panic!("FaultRule::parse({json}): {e}"))
}

/// A builder for `url` with these credentials and test timeouts.
///
/// These tests look at the transport and auth layers one request at a time, so the
/// resilience stages that would add or merge requests (retries, coalescing, the
/// breaker) are off; `tests/resilience_*.rs` test those.
pub fn builder_for(url: &str, id: &str, secret: &str) -> ClientBuilder {
    ClientBuilder::new()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id(id)
        .client_secret(secret)
        .read_timeout(READ_TIMEOUT)
        .call_timeout(CALL_TIMEOUT)
        .retry_policy(cloudconnexa::resilience::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        })
        .coalesce_gets(false)
        .circuit_breaker(None)
}

/// A builder pointed at the emulator with its credentials.
pub fn builder(server: &MockServer) -> ClientBuilder {
    builder_for(&server.base_url(), server.client_id(), server.client_secret())
}

/// A top-level counter of the emulator (`tokens_issued`, `connections_accepted`, …).
pub fn stat(server: &MockServer, key: &str) -> u64 {
    server.stats()[key]
        .as_u64()
        .unwrap_or_else(|| panic!("stats has no counter {key:?}: {}", server.stats()))
}

/// How many times the emulator answered `op` with `status` (0 if never).
pub fn op_count(server: &MockServer, op: &str, status: u16) -> u64 {
    server.stats()["operations"][op][status.to_string()]
        .as_u64()
        .unwrap_or(0)
}

/// All statuses the emulator answered for `op`.
pub fn op_statuses(server: &MockServer, op: &str) -> Value {
    server.stats()["operations"][op].clone()
}

/// Assert that `r` failed with an error of a kind matching `pred`, returning the error.
#[track_caller]
pub fn expect_err<T: std::fmt::Debug>(r: Result<T, Error>, what: &str, pred: impl Fn(&ErrorKind) -> bool) -> Error {
    match r {
        Ok(v) => panic!("{what}: expected an error, got Ok({v:?})"),
        Err(e) => {
            assert!(pred(e.kind()), "{what}: unexpected error kind {:?} ({e})", e.kind());
            e
        }
    }
}

// ---------------------------------------------------------------------------
// A raw HTTP/1.1 server
// ---------------------------------------------------------------------------

/// A request as the raw server read it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    /// Request target as sent (path and query).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection (from 0, in accept order).
    pub conn: usize,
    /// Which request on that connection (from 0).
    pub index_on_conn: usize,
}

impl SeenRequest {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the raw server does with a request.
pub enum Reply {
    /// Write these bytes and keep the connection for the next request.
    Send(Vec<u8>),
    /// Write these bytes, then close the connection.
    SendThenClose(Vec<u8>),
    /// Close the connection without answering (FIN).
    Close,
    /// Reset the connection without answering (SO_LINGER 0, RST).
    Reset,
}

/// A complete response with `Content-Length` (keep-alive unless the caller closes).
pub fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A JSON response.
pub fn json_response(status: u16, body: &str) -> Vec<u8> {
    response(status, "application/json", body.as_bytes())
}

/// The token endpoint's success answer with this token.
pub fn token_response(token: &str) -> Vec<u8> {
    json_response(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"bearer","expires_in":3600}}"#),
    )
}

/// Is this the OAuth token request?
pub fn is_token_request(r: &SeenRequest) -> bool {
    r.method == "POST" && r.path() == "/api/v1/oauth/token"
}

type Handler = dyn Fn(&SeenRequest) -> Reply + Send + Sync;

/// A thread-per-connection HTTP/1.1 server on 127.0.0.1 whose answers a closure decides.
/// It records every request and counts connections; dropping it stops and joins every thread.
pub struct RawServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl RawServer {
    pub fn start(handler: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let accept = {
            let (stop, connections, requests, workers) =
                (stop.clone(), connections.clone(), requests.clone(), workers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let conn = connections.fetch_add(1, SeqCst);
                    let (stop, requests, handler) = (stop.clone(), requests.clone(), handler.clone());
                    let h = std::thread::spawn(move || serve(stream, conn, &stop, &requests, &*handler));
                    workers.lock().unwrap().push(h);
                }
            })
        };
        RawServer {
            addr,
            stop,
            connections,
            requests,
            accept: Some(accept),
            workers,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(SeqCst)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests read so far with this method and path (query ignored).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path() == path)
            .count()
    }
}

impl Drop for RawServer {
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

/// Serve one connection until the peer closes, the handler closes, or the server stops.
fn serve(mut stream: TcpStream, conn: usize, stop: &AtomicBool, requests: &Mutex<Vec<SeenRequest>>, handler: &Handler) {
    // short read timeouts so the thread notices `stop`
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut index_on_conn = 0;
    loop {
        let Some(req) = read_request(&mut stream, &mut buf, stop) else {
            return;
        };
        let req = SeenRequest {
            conn,
            index_on_conn,
            ..req
        };
        index_on_conn += 1;
        requests.lock().unwrap().push(req.clone());
        match handler(&req) {
            Reply::Send(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Reply::SendThenClose(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                return;
            }
            Reply::Close => return,
            Reply::Reset => {
                let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                return;
            }
        }
    }
}

/// Read one request (head and `Content-Length` body). `None` on EOF, error or stop.
fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, stop: &AtomicBool) -> Option<SeenRequest> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(stream, buf, &mut chunk, stop)? {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
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
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
        conn: 0,
        index_on_conn: 0,
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
