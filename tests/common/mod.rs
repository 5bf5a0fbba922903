//! Helpers shared by `client_transport`, `client_auth` and `client_input`: the
//! emulator with the rate limiter off, a client builder pointed at it, its
//! counters, and a tiny raw HTTP/1.1 server for misbehaviour the emulator
//! cannot produce. Every helper has short timeouts so no test can hang.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudconnexa::ClientBuilder;

#[path = "../raw_support/mod.rs"]
pub mod raw_support;
use raw_support::{Acceptor, read_request};

#[path = "../mock_support/mod.rs"]
mod mock_support;
// Not every test binary uses every re-export.
#[allow(unused_imports)]
pub use mock_support::{
    FaultRule, MockOptions, MockServer, client_for, expect_err, op_count, op_statuses, opts, rule, start, stat,
};

/// Read budget of test clients: long enough for a loaded 2-core machine.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-call budget of test clients.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A builder for `url` with these credentials and test timeouts.
///
/// These tests look at the transport and auth layers one request at a time, so the
/// resilience stages that would add or merge requests (retries, coalescing, the
/// breaker) are off; `tests/resilience_*.rs` test those.
pub fn builder_for(url: &str, id: &str, secret: &str) -> ClientBuilder {
    client_for(url, id, secret, READ_TIMEOUT, CALL_TIMEOUT)
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

/// A thread-per-connection HTTP/1.1 server on 127.0.0.1 whose answers a closure decides.
/// It records every request and counts connections; dropping it stops and joins every thread.
pub struct RawServer {
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    acceptor: Acceptor,
}

impl RawServer {
    pub fn start(handler: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static) -> RawServer {
        let requests: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let seen = requests.clone();
        let acceptor = Acceptor::start(move |stream, conn, stop| serve(stream, conn, stop, &seen, &handler));
        RawServer { requests, acceptor }
    }

    pub fn url(&self) -> String {
        self.acceptor.url()
    }

    pub fn port(&self) -> u16 {
        self.acceptor.addr().port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.acceptor.connections()
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

/// Serve one connection until the peer closes, the handler closes, or the server stops.
fn serve(
    mut stream: TcpStream,
    conn: usize,
    stop: &AtomicBool,
    requests: &Mutex<Vec<SeenRequest>>,
    handler: &impl Fn(&SeenRequest) -> Reply,
) {
    // short read timeouts so the thread notices `stop`
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut index_on_conn = 0;
    while let Some(raw) = read_request(&mut stream, &mut buf, stop) {
        let req = SeenRequest {
            method: raw.method,
            target: raw.target,
            headers: raw.headers,
            body: raw.body,
            conn,
            index_on_conn,
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
