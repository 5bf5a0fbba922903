//! Helpers of the `resilience_*` integration tests: the emulator, a client builder
//! pointed at it with short, deterministic retry waits, the emulator's counters, and a
//! tiny raw HTTP/1.1 server for answers the emulator cannot give (odd header values).
//! Every helper has bounded timeouts, and dropping a server stops and joins its threads.

#![allow(dead_code)]

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cloudconnexa::resilience::RetryPolicy;
use cloudconnexa::{Client, ClientBuilder, Error, ErrorKind};
pub use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};
use serde_json::Value;

/// Read budget of test clients: long enough for a loaded 2-core machine.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-call budget of test clients (tests that test the deadline set their own).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Emulator options with the rate limiter off.
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

/// The default retry policy with short, jitter-free waits: retry `n` waits
/// `10 ms * 2^(n-1)`, and `Retry-After` is honoured up to 5 s.
pub fn quick_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        backoff_factor: Duration::from_millis(10),
        backoff_max: Duration::from_secs(5),
        jitter: false,
        ..RetryPolicy::default()
    }
}

/// A builder for `url` with these credentials and test timeouts. Every resilience stage
/// keeps its default except the retry waits ([`quick_retries`] with the default count, 5).
pub fn builder_for(url: &str, id: &str, secret: &str) -> ClientBuilder {
    Client::builder()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id(id)
        .client_secret(secret)
        .read_timeout(READ_TIMEOUT)
        .call_timeout(CALL_TIMEOUT)
        .retry_policy(quick_retries(5))
}

/// A builder pointed at the emulator with its credentials (see [`builder_for`]).
pub fn builder(server: &MockServer) -> ClientBuilder {
    builder_for(&server.base_url(), server.client_id(), server.client_secret())
}

/// A top-level counter of the emulator (`requests_total`, `rate_limited`, …).
pub fn stat(server: &MockServer, key: &str) -> u64 {
    let s = server.stats();
    s[key]
        .as_u64()
        .unwrap_or_else(|| panic!("stats has no counter {key:?}: {s}"))
}

/// How many times the emulator answered `op` with `status` (0 if never).
pub fn op_count(server: &MockServer, op: &str, status: u16) -> u64 {
    server.stats()["operations"][op][status.to_string()]
        .as_u64()
        .unwrap_or(0)
}

/// Every status the emulator answered for `op`, as `{"200": n, …}` (`null` if never called).
pub fn op_statuses(server: &MockServer, op: &str) -> Value {
    server.stats()["operations"][op].clone()
}

/// All answers the emulator gave for `op`, whatever their status.
pub fn op_total(server: &MockServer, op: &str) -> u64 {
    match server.stats()["operations"][op].as_object() {
        Some(m) => m.values().filter_map(Value::as_u64).sum(),
        None => 0,
    }
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

/// Is this an HTTP error with `status`?
pub fn is_http(status: u16) -> impl Fn(&ErrorKind) -> bool {
    move |k| matches!(k, ErrorKind::Http { status: s, .. } if *s == status)
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
    /// When its head was complete.
    pub at: Instant,
}

impl SeenRequest {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Is this the OAuth token request?
    pub fn is_token_request(&self) -> bool {
        self.method == "POST" && self.path() == "/api/v1/oauth/token"
    }
}

/// A complete keep-alive response with `Content-Length` and these extra header lines.
pub fn response(status: u16, extra_headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The token endpoint's success answer.
pub fn token_response() -> Vec<u8> {
    response(
        200,
        &[],
        r#"{"access_token":"t0k3n","token_type":"bearer","expires_in":3600}"#,
    )
}

type Handler = dyn Fn(&SeenRequest) -> Vec<u8> + Send + Sync;

/// A thread-per-connection HTTP/1.1 server on 127.0.0.1 whose answers a closure decides.
/// It records every request; dropping it stops and joins every thread.
pub struct RawServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl RawServer {
    pub fn start(handler: impl Fn(&SeenRequest) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let accept = {
            let (stop, requests, workers) = (stop.clone(), requests.clone(), workers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let (stop, requests, handler) = (stop.clone(), requests.clone(), handler.clone());
                    let h = std::thread::spawn(move || serve(stream, &stop, &requests, &*handler));
                    workers.lock().unwrap().push(h);
                }
            })
        };
        RawServer {
            addr,
            stop,
            requests,
            accept: Some(accept),
            workers,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests read so far that are not the token request.
    pub fn api_requests(&self) -> Vec<SeenRequest> {
        self.requests().into_iter().filter(|r| !r.is_token_request()).collect()
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

/// Serve one connection until the peer closes or the server stops.
fn serve(mut stream: TcpStream, stop: &AtomicBool, requests: &Mutex<Vec<SeenRequest>>, handler: &Handler) {
    // short read timeouts so the thread notices `stop`
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf, stop) {
        requests.lock().unwrap().push(req.clone());
        if stream.write_all(&handler(&req)).is_err() {
            return;
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
    let at = Instant::now();
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
    buf.drain(..head_end + len);
    Some(SeenRequest {
        method,
        target,
        headers,
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
