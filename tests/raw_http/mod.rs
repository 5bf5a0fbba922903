//! A raw HTTP/1.1 server for the observability tests: it records every request's
//! method, path and headers and answers as the test says, so tests can see exactly what
//! the client put on the wire (tokens, `traceparent`) where the emulator cannot show it.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudconnexa::resilience::RetryPolicy;
use cloudconnexa::{Client, ClientBuilder};

#[path = "../raw_support/mod.rs"]
mod raw_support;
use raw_support::{Acceptor, read_request};

// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn is_token(&self) -> bool {
        self.method == "POST" && self.path == "/api/v1/oauth/token"
    }
}

pub type Handler = dyn Fn(&Seen) -> Vec<u8> + Send + Sync;

/// Thread-per-connection keep-alive server on 127.0.0.1; dropping it stops and joins it.
pub struct RawServer {
    seen: Arc<Mutex<Vec<Seen>>>,
    acceptor: Acceptor,
}

impl RawServer {
    pub fn start(handler: impl Fn(&Seen) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let requests = seen.clone();
        let acceptor = Acceptor::start(move |stream, _, stop| serve(stream, stop, &requests, &handler));
        RawServer { seen, acceptor }
    }

    pub fn url(&self) -> String {
        self.acceptor.url()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

pub fn serve(mut stream: TcpStream, stop: &AtomicBool, seen: &Mutex<Vec<Seen>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    while let Some(raw) = read_request(&mut stream, &mut buf, stop) {
        let req = Seen {
            method: raw.method.clone(),
            path: raw.path().to_string(),
            headers: raw.headers,
        };
        seen.lock().unwrap().push(req.clone());
        let reply = handler(&req);
        if reply.is_empty() {
            return; // close without answering
        }
        if stream.write_all(&reply).is_err() {
            return;
        }
    }
}

pub fn response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub fn token_response(token: &str) -> Vec<u8> {
    response(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"bearer","expires_in":3600}}"#),
    )
}

pub const PAGE: &str =
    r#"{"content":[],"totalElements":0,"totalPages":0,"numberOfElements":0,"page":0,"size":10,"success":true}"#;

/// A client for a raw server: plain `http` allowed, 10 s read and 20 s call budgets, and
/// `max_retries` jitter-free retries 2 ms, 4 ms… apart (at most 50 ms).
pub fn client_for(url: &str, id: &str, secret: &str, max_retries: u32) -> ClientBuilder {
    Client::builder()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id(id)
        .client_secret(secret)
        .read_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_secs(20))
        .retry_policy(RetryPolicy {
            max_retries,
            backoff_factor: Duration::from_millis(2),
            backoff_max: Duration::from_millis(50),
            jitter: false,
            ..RetryPolicy::default()
        })
}
