//! Helpers of the `resilience_*` integration tests: the emulator, a client builder
//! pointed at it with short, deterministic retry waits, the emulator's counters, and a
//! tiny raw HTTP/1.1 server for answers the emulator cannot give (odd header values).
//! Every helper has bounded timeouts, and dropping a server stops and joins its threads.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudconnexa::resilience::RetryPolicy;
use cloudconnexa::{ClientBuilder, ErrorKind};

#[path = "../raw_support/mod.rs"]
mod raw_support;
use raw_support::{Acceptor, read_request};

#[path = "../mock_support/mod.rs"]
mod mock_support;
// Not every test binary uses every re-export.
#[allow(unused_imports)]
pub use mock_support::{
    FaultRule, MockOptions, MockServer, client_for, expect_err, op_count, op_statuses, op_total, opts,
    quick_retry_policy, rule, start, stat,
};

/// Read budget of test clients: long enough for a loaded 2-core machine.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-call budget of test clients (tests that test the deadline set their own).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The default retry policy with short, jitter-free waits: retry `n` waits
/// `10 ms * 2^(n-1)`, and `Retry-After` is honoured up to 5 s.
pub fn quick_retries(max_retries: u32) -> RetryPolicy {
    quick_retry_policy(max_retries, Duration::from_millis(10))
}

/// A builder for `url` with these credentials and test timeouts. Every resilience stage
/// keeps its default except the retry waits ([`quick_retries`] with the default count, 5).
pub fn builder_for(url: &str, id: &str, secret: &str) -> ClientBuilder {
    client_for(url, id, secret, READ_TIMEOUT, CALL_TIMEOUT).retry_policy(quick_retries(5))
}

/// A builder pointed at the emulator with its credentials (see [`builder_for`]).
pub fn builder(server: &MockServer) -> ClientBuilder {
    builder_for(&server.base_url(), server.client_id(), server.client_secret())
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

/// A thread-per-connection HTTP/1.1 server on 127.0.0.1 whose answers a closure decides.
/// It records every request; dropping it stops and joins every thread.
pub struct RawServer {
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    acceptor: Acceptor,
}

impl RawServer {
    pub fn start(handler: impl Fn(&SeenRequest) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        let requests: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let seen = requests.clone();
        let acceptor = Acceptor::start(move |stream, _, stop| serve(stream, stop, &seen, &handler));
        RawServer { requests, acceptor }
    }

    pub fn url(&self) -> String {
        self.acceptor.url()
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

/// Serve one connection until the peer closes or the server stops.
fn serve(
    mut stream: TcpStream,
    stop: &AtomicBool,
    requests: &Mutex<Vec<SeenRequest>>,
    handler: &impl Fn(&SeenRequest) -> Vec<u8>,
) {
    // short read timeouts so the thread notices `stop`
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    while let Some(raw) = read_request(&mut stream, &mut buf, stop) {
        let req = SeenRequest {
            method: raw.method,
            target: raw.target,
            headers: raw.headers,
            at: raw.at,
        };
        requests.lock().unwrap().push(req.clone());
        if stream.write_all(&handler(&req)).is_err() {
            return;
        }
    }
}
