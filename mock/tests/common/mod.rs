//! Shared helpers for the fault, rate-limit, auth, paging, robustness and TLS tests.
//!
//! Every helper uses short timeouts so that no test can hang on a misbehaving server.

#![allow(dead_code)]

mod server;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;
// re-exported for the tests, each of which uses part of them
#[allow(unused_imports)]
pub use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};
use serde_json::Value;
#[allow(unused_imports)]
pub use server::{opts, rule, start};
use ureq::Agent;
use ureq::http;

/// Overall budget of one HTTP exchange made by the helpers.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Read/write timeout of raw sockets.
pub const RAW_TIMEOUT: Duration = Duration::from_secs(5);

/// An agent that returns error statuses as `Ok`, ignores proxy variables and gives up after
/// [`CLIENT_TIMEOUT`].
pub fn agent() -> Agent {
    agent_with_timeout(CLIENT_TIMEOUT)
}

pub fn agent_with_timeout(timeout: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// A fully read response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("status {}: body is not JSON ({e}): {:?}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("header is ASCII"))
    }

    /// Asserts the status, printing the body on mismatch.
    #[track_caller]
    pub fn expect_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status; body: {:?}", self.text());
        self
    }
}

/// Sends one request. `Err` only for transport errors (status codes come back as `Ok`).
pub fn request(
    agent: &Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Resp, ureq::Error> {
    let mut b = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut resp = match body {
        Some(bytes) => agent.run(b.body(bytes.to_vec()).expect("request"))?,
        None => agent.run(b.body(()).expect("request"))?,
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.body_mut().read_to_vec()?;
    Ok(Resp { status, headers, body })
}

/// Like [`request`] but panics on transport errors.
#[track_caller]
pub fn must(agent: &Agent, method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    match request(agent, method, url, headers, body) {
        Ok(r) => r,
        Err(e) => panic!("{method} {url}: transport error: {e}"),
    }
}

/// Like [`must`], with an optional JSON body (and its `Content-Type` after `headers`).
#[track_caller]
pub fn must_json(agent: &Agent, method: &str, url: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Resp {
    let mut headers = headers.to_vec();
    let bytes = body.map(|v| {
        headers.push(("Content-Type", "application/json"));
        serde_json::to_vec(v).expect("serialize")
    });
    must(agent, method, url, &headers, bytes.as_deref())
}

pub fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{id}:{secret}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// `POST /api/v1/oauth/token` with HTTP Basic credentials, no body.
pub fn token_request(agent: &Agent, server: &MockServer, id: &str, secret: &str) -> Resp {
    let url = format!("{}/api/v1/oauth/token", server.base_url());
    let auth = basic(id, secret);
    must(agent, "POST", &url, &[("Authorization", &auth)], None)
}

/// A fresh access token for the given API key; panics unless the server says 200.
#[track_caller]
pub fn token_for(agent: &Agent, server: &MockServer, id: &str, secret: &str) -> String {
    let r = token_request(agent, server, id, secret);
    r.expect_status(200);
    r.json()["access_token"]
        .as_str()
        .expect("access_token is a string")
        .to_owned()
}

/// A fresh access token for the server's default API key.
#[track_caller]
pub fn token(agent: &Agent, server: &MockServer) -> String {
    let (id, secret) = (server.client_id().to_owned(), server.client_secret().to_owned());
    token_for(agent, server, &id, &secret)
}

/// An API call with a bearer token. `path` starts with `/api/`.
#[track_caller]
pub fn api(agent: &Agent, server: &MockServer, token: &str, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let url = format!("{}{path}", server.base_url());
    let auth = format!("Bearer {token}");
    must_json(agent, method, &url, &[("Authorization", &auth)], body)
}

#[track_caller]
pub fn get(agent: &Agent, server: &MockServer, token: &str, path: &str) -> Resp {
    api(agent, server, token, "GET", path, None)
}

#[track_caller]
pub fn post_json(agent: &Agent, server: &MockServer, token: &str, path: &str, body: &Value) -> Resp {
    api(agent, server, token, "POST", path, Some(body))
}

/// A control call (`/__mock/...`, no auth). `body` is sent as JSON.
#[track_caller]
pub fn control(agent: &Agent, server: &MockServer, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let url = format!("{}{path}", server.base_url());
    must_json(agent, method, &url, &[], body)
}

/// Spend `n` calls of the rate limit on `GET /api/v1/networks`, each answered 200.
#[track_caller]
pub fn spend(agent: &Agent, server: &MockServer, token: &str, n: usize) {
    for _ in 0..n {
        get(agent, server, token, "/api/v1/networks").expect_status(200);
    }
}

/// Emulator options whose rate limit allows `burst` calls and refills one a minute: a
/// test's calls never see a refill.
pub fn burst_only(burst: u32) -> MockOptions {
    let mut o = MockOptions::default();
    o.rate_limit.burst = burst;
    o.rate_limit.replenish_time_secs = 60;
    o
}

/// `GET /__mock/stats`.
#[track_caller]
pub fn stats(agent: &Agent, server: &MockServer) -> Value {
    let r = control(agent, server, "GET", "/__mock/stats", None);
    r.expect_status(200);
    r.json()
}

/// A counter from the stats JSON (`path` like `["operations", "getNetworksPage", "200"]`);
/// a missing counter is 0.
pub fn counter(stats: &Value, path: &[&str]) -> u64 {
    let mut v = stats;
    for key in path {
        match v.get(*key) {
            Some(x) => v = x,
            None => return 0,
        }
    }
    v.as_u64()
        .unwrap_or_else(|| panic!("stats {path:?} is not an unsigned integer: {v}"))
}

/// Adds one more API key through `POST /__mock/credentials`.
#[track_caller]
pub fn add_credentials(agent: &Agent, server: &MockServer, id: &str, secret: &str) {
    let body = serde_json::json!({"client_id": id, "client_secret": secret});
    let r = control(agent, server, "POST", "/__mock/credentials", Some(&body));
    assert!(
        (200..300).contains(&r.status),
        "POST /__mock/credentials: {} {:?}",
        r.status,
        r.text()
    );
}

/// Asserts that a body is the spec's `ErrorResponse`, and returns it.
#[track_caller]
pub fn assert_error_response(r: &Resp) -> Value {
    let v = r.json();
    assert!(
        v.get("errorMessage").is_some_and(Value::is_string),
        "no errorMessage string in {v}"
    );
    assert!(
        v.get("statusError").is_some_and(Value::is_string),
        "no statusError string in {v}"
    );
    if let Some(d) = v.get("errorDetails") {
        assert!(d.is_object() || d.is_null(), "errorDetails is not an object: {v}");
    }
    v
}

/// Asserts an `ErrorResponse` whose `errorDetails` names `field` with at least one entry.
#[track_caller]
pub fn assert_error_names(r: &Resp, field: &str) {
    let v = assert_error_response(r);
    let entries = v["errorDetails"][field]
        .as_array()
        .unwrap_or_else(|| panic!("errorDetails does not name {field:?}: {v}"));
    assert!(!entries.is_empty(), "errorDetails[{field:?}] is empty: {v}");
    for e in entries {
        assert!(e["errorCode"].is_string(), "entry without errorCode: {v}");
        assert!(e["message"].is_string(), "entry without message: {v}");
    }
}

/// Ids of the items of a page envelope, in order.
pub fn content_ids(page: &Value) -> Vec<String> {
    page["content"]
        .as_array()
        .unwrap_or_else(|| panic!("no content array: {page}"))
        .iter()
        .map(|i| i["id"].as_str().expect("item id").to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Raw HTTP over TcpStream
// ---------------------------------------------------------------------------------------

/// The head of a raw HTTP response.
#[derive(Debug, Clone)]
pub struct RawHead {
    pub status_line: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl RawHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length")
            .map(|v| v.trim().parse().expect("numeric Content-Length"))
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub head: RawHead,
    pub body: Vec<u8>,
}

/// A raw TCP connection to the server, with a small read buffer.
pub struct RawConn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl RawConn {
    /// Connects to the server's loopback port with [`RAW_TIMEOUT`] read/write timeouts.
    pub fn open(server: &MockServer) -> RawConn {
        let stream = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], server.port())),
            RAW_TIMEOUT,
        )
        .expect("raw connect");
        stream.set_read_timeout(Some(RAW_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(RAW_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        RawConn {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn set_read_timeout(&self, t: Duration) {
        self.stream.set_read_timeout(Some(t)).unwrap();
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads more bytes into the buffer; `Ok(0)` on EOF.
    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Bytes received but not consumed yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Reads one response head. `Ok(None)` when the peer closed the connection before
    /// sending a single byte.
    pub fn read_head(&mut self) -> io::Result<Option<RawHead>> {
        loop {
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..pos + 4).collect();
                return Ok(Some(parse_head(&head)));
            }
            if self.fill()? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("EOF inside the response head: {:?}", String::from_utf8_lossy(&self.buf)),
                ));
            }
        }
    }

    /// Reads exactly `n` body bytes.
    pub fn read_exact_body(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("EOF after {} of {n} body bytes", self.buf.len()),
                ));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(pos) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..pos + 2).collect();
                return Ok(line[..pos].to_vec());
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "EOF in chunk"));
            }
        }
    }

    /// Reads everything until EOF or an error; returns the bytes (buffered ones included)
    /// and the error that ended the read, if any.
    pub fn read_until_close(&mut self) -> (Vec<u8>, Option<io::Error>) {
        loop {
            match self.fill() {
                Ok(0) => return (std::mem::take(&mut self.buf), None),
                Ok(_) => {}
                Err(e) => return (std::mem::take(&mut self.buf), Some(e)),
            }
        }
    }

    /// Reads one complete response (body by Content-Length, chunked, or until close).
    /// `Ok(None)` when the peer closed the connection without sending anything.
    pub fn read_response(&mut self, head_request: bool) -> io::Result<Option<RawResponse>> {
        let Some(head) = self.read_head()? else {
            return Ok(None);
        };
        let no_body = head_request || head.status / 100 == 1 || head.status == 204 || head.status == 304;
        let body = if no_body {
            Vec::new()
        } else if let Some(n) = head.content_length() {
            self.read_exact_body(n)?
        } else if head
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            let mut body = Vec::new();
            loop {
                let line = self.read_line()?;
                let size_str = String::from_utf8_lossy(&line);
                let size_str = size_str.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size_str, 16)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("chunk size: {e}")))?;
                if size == 0 {
                    // trailers until an empty line
                    while !self.read_line()?.is_empty() {}
                    break;
                }
                body.extend(self.read_exact_body(size)?);
                self.read_line()?;
            }
            body
        } else {
            let (bytes, err) = self.read_until_close();
            if let Some(e) = err {
                return Err(e);
            }
            bytes
        };
        Ok(Some(RawResponse { head, body }))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> RawHead {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("").to_owned();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    assert!(status_line.starts_with("HTTP/1."), "bad status line {status_line:?}");
    let headers = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap_or_else(|| panic!("bad header line {l:?}"));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    RawHead {
        status_line,
        status,
        headers,
    }
}

/// A minimal keep-alive HTTP/1.1 GET request.
pub fn raw_get(path: &str, token: Option<&str>) -> Vec<u8> {
    let mut s = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(t) = token {
        s.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// True for the errors a reset or closed connection produces on read or write.
pub fn is_disconnect(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// A unique scratch directory under the system temp dir.
pub fn scratch_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("ccx-mock-test-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}
