//! Helpers of `tests/fault_matrix.rs`: the matrix client's budgets, a scripted raw
//! HTTP/1.1 server (writes, pauses, slow drips, FIN or RST) for what the emulator cannot
//! do, a loopback listener whose accept queue is full (connect hangs), a TLS server with
//! an expired certificate, and the row printer of the table in `docs/FAULTS.md`.
//! Every server stops and joins its threads when dropped.

#![allow(dead_code)]
// Helpers return the library's own `Result`; the size of its `Error` is not this file's to change.
#![allow(clippy::result_large_err)]

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cloudconnexa::resilience::RetryPolicy;
use cloudconnexa::{Client, ClientBuilder, ErrorKind};
#[allow(unused_imports)]
pub use cloudconnexa_mock::TestPki;

#[path = "../raw_support/mod.rs"]
mod raw_support;
use raw_support::{Acceptor, read_request};

#[path = "../mock_support/mod.rs"]
mod mock_support;
// Not every test binary uses every re-export.
#[allow(unused_imports)]
pub use mock_support::{
    FaultRule, MockOptions, MockServer, client_for, op_count, op_total, opts, quick_retry_policy, rule, start, stat,
};

/// TCP connect (and TLS handshake) budget of the matrix client.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Read budget of the matrix client (cases about stalls set a shorter one).
pub const READ_TIMEOUT: Duration = Duration::from_secs(3);
/// Whole-call budget of the matrix client.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries of the matrix client.
pub const MAX_RETRIES: u32 = 2;
/// First backoff step (no jitter): retry `n` waits `BACKOFF * 2^(n-1)`.
pub const BACKOFF: Duration = Duration::from_millis(20);
/// Slack on top of a configured budget before a case counts as overrunning it (busy machine).
pub const MARGIN: Duration = Duration::from_secs(2);

/// The retry policy of the matrix: the default codes, `n` retries, 20 ms, 40 ms… apart.
pub fn retries(n: u32) -> RetryPolicy {
    quick_retry_policy(n, BACKOFF)
}

/// The matrix client for `url`: short budgets, [`MAX_RETRIES`] quick retries, no
/// coalescing; breaker, retry budget and adaptive limiter keep their defaults.
pub fn builder_for(url: &str, id: &str, secret: &str) -> ClientBuilder {
    client_for(url, id, secret, READ_TIMEOUT, CALL_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .retry_policy(retries(MAX_RETRIES))
        .coalesce_gets(false)
}

/// The matrix client pointed at the emulator.
pub fn builder(server: &MockServer) -> ClientBuilder {
    builder_for(&server.base_url(), server.client_id(), server.client_secret())
}

/// How many times the emulator applied a fault of `kind`.
pub fn faults_fired(server: &MockServer, kind: &str) -> u64 {
    server.stats()["faults"][kind].as_u64().unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Measuring one call and printing its row
// ---------------------------------------------------------------------------

/// What one call gave the user.
#[derive(Debug)]
pub struct Outcome {
    /// `ok`, or the error kind as the table writes it (`Timeout(Connect)`, `Http{503}`…).
    pub kind: String,
    /// Retries the pipeline sent during the call.
    pub retries: u64,
    /// Resends on a fresh connection after a broken pooled one, during the call.
    pub stale_retries: u64,
    pub took: Duration,
    /// The error's message (empty on success).
    pub message: String,
}

/// The table's name of an error kind.
pub fn kind_name(k: &ErrorKind) -> String {
    match k {
        ErrorKind::Http { status, .. } => format!("Http{{{status}}}"),
        ErrorKind::Auth { status } => format!("Auth{{{status}}}"),
        ErrorKind::BodyTooLarge { limit } => format!("BodyTooLarge{{{limit}}}"),
        other => format!("{other:?}"),
    }
}

/// Run `f` (one call of `client`) and measure it.
pub fn measure<T>(client: &Client, f: impl FnOnce() -> cloudconnexa::Result<T>) -> (cloudconnexa::Result<T>, Outcome) {
    let (r0, s0) = (client.metrics().retries, client.metrics().stale_connection_retries);
    let t0 = Instant::now();
    let r = f();
    let took = t0.elapsed();
    let outcome = Outcome {
        kind: match &r {
            Ok(_) => "ok".into(),
            Err(e) => kind_name(e.kind()),
        },
        retries: client.metrics().retries - r0,
        stale_retries: client.metrics().stale_connection_retries - s0,
        took,
        message: r.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
    };
    (r, outcome)
}

/// Check the outcome against the expected kind, retries and time budget, and print the
/// table row (`cargo test --test fault_matrix -- --nocapture` shows them).
#[track_caller]
pub fn check(fault: &str, call: &str, o: &Outcome, kind: &str, retries: u64, budget: Duration, server_saw: &str) {
    println!(
        "| {fault} | {call} | {} | {} (+{} stale) | {server_saw} | {:.2} s of {:.1} s |",
        o.kind,
        o.retries,
        o.stale_retries,
        o.took.as_secs_f64(),
        budget.as_secs_f64()
    );
    if !o.message.is_empty() {
        eprintln!("    message: {}", o.message);
    }
    assert_eq!(o.kind, kind, "{fault}, {call}: {}", o.message);
    assert_eq!(o.retries, retries, "{fault}, {call}: retries ({})", o.message);
    assert!(
        o.took <= budget + MARGIN,
        "{fault}, {call}: took {:?}, budget {budget:?} (+{MARGIN:?})",
        o.took
    );
}

// ---------------------------------------------------------------------------
// A scripted raw HTTP/1.1 server
// ---------------------------------------------------------------------------

/// One step of the server's answer to a request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes at once.
    Write(Vec<u8>),
    /// Write these bytes `chunk` at a time, pausing `every` between pieces.
    Drip {
        bytes: Vec<u8>,
        chunk: usize,
        every: Duration,
    },
    /// Do nothing for this long (interrupted when the server stops).
    Pause(Duration),
    /// Answer nothing and wait until the client closes or shuts down the connection (or
    /// the server stops); the time it did is recorded (see [`ScriptServer::closed`]).
    UntilClosed,
    /// Close the connection (FIN).
    Close,
    /// Reset the connection (SO_LINGER 0, RST).
    Reset,
}

/// A request as the scripted server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Which connection (from 0, in accept order) and which request on it (from 0).
    pub conn: usize,
    pub index_on_conn: usize,
}

impl Seen {
    pub fn is_token(&self) -> bool {
        self.method == "POST" && self.path == "/api/v1/oauth/token"
    }
}

type Script = dyn Fn(&Seen) -> Vec<Step> + Send + Sync;

/// A thread-per-connection server on 127.0.0.1 that answers each request with the steps
/// its closure returns; after the last step it reads the next request on the connection.
pub struct ScriptServer {
    seen: Arc<Mutex<Vec<Seen>>>,
    closed: Arc<Mutex<Vec<(usize, Instant)>>>,
    acceptor: Acceptor,
}

impl ScriptServer {
    pub fn start(script: impl Fn(&Seen) -> Vec<Step> + Send + Sync + 'static) -> ScriptServer {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let closed: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
        let (requests, closes) = (seen.clone(), closed.clone());
        let acceptor =
            Acceptor::start(move |stream, conn, stop| serve(stream, conn, stop, &requests, &script, &closes));
        ScriptServer { seen, closed, acceptor }
    }

    /// When the client closed the connections that waited in [`Step::UntilClosed`]:
    /// (connection, instant).
    pub fn closed(&self) -> Vec<(usize, Instant)> {
        self.closed.lock().unwrap().clone()
    }

    /// Wait (at most `limit`) until `n` requests were read; whether they were.
    pub fn await_requests(&self, n: usize, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while self.seen().len() < n {
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    pub fn url(&self) -> String {
        self.acceptor.url()
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests read so far with this method and path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Connections that sent at least one request.
    pub fn connections(&self) -> usize {
        let mut conns: Vec<usize> = self.seen().iter().map(|s| s.conn).collect();
        conns.sort_unstable();
        conns.dedup();
        conns.len()
    }
}

/// Sleep `d`, in small steps so a stopping server is not held up. `false` if stopped.
fn pause(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if stop.load(SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10).min(until.saturating_duration_since(Instant::now())));
    }
    !stop.load(SeqCst)
}

/// Read and drop whatever the client sends until it closes the connection (`true`), or
/// the server stops (`false`).
fn until_closed(stream: &mut TcpStream, stop: &AtomicBool) -> bool {
    let mut b = [0u8; 512];
    while !stop.load(SeqCst) {
        match stream.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted) => {}
            Err(_) => return true,
        }
    }
    false
}

fn serve(
    mut stream: TcpStream,
    conn: usize,
    stop: &AtomicBool,
    seen: &Mutex<Vec<Seen>>,
    script: &Script,
    closed: &Mutex<Vec<(usize, Instant)>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut index_on_conn = 0;
    while let Some(raw) = read_request(&mut stream, &mut buf, stop) {
        let req = Seen {
            path: raw.path().to_string(),
            method: raw.method,
            conn,
            index_on_conn,
        };
        index_on_conn += 1;
        seen.lock().unwrap().push(req.clone());
        for step in script(&req) {
            let ok = match step {
                Step::Write(b) => stream.write_all(&b).and_then(|_| stream.flush()).is_ok(),
                Step::Drip { bytes, chunk, every } => bytes.chunks(chunk.max(1)).enumerate().all(|(i, piece)| {
                    (i == 0 || pause(every, stop)) && stream.write_all(piece).and_then(|_| stream.flush()).is_ok()
                }),
                Step::Pause(d) => pause(d, stop),
                Step::UntilClosed => {
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(5)));
                    if until_closed(&mut stream, stop) {
                        closed.lock().unwrap().push((conn, Instant::now()));
                    }
                    return;
                }
                Step::Close => return,
                Step::Reset => {
                    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                    return;
                }
            };
            if !ok {
                return;
            }
        }
    }
}

/// A complete keep-alive response with `Content-Length`.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The token endpoint's success answer.
pub fn token_response() -> Vec<u8> {
    response(
        200,
        "application/json",
        br#"{"access_token":"fault-matrix-token","token_type":"bearer","expires_in":3600}"#,
    )
}

/// An empty page of networks.
pub const PAGE: &str =
    r#"{"content":[],"totalElements":0,"totalPages":0,"numberOfElements":0,"page":0,"size":10,"success":true}"#;

/// A script that answers the token request and gives every other request `steps`.
pub fn api_script(steps: Vec<Step>) -> impl Fn(&Seen) -> Vec<Step> + Send + Sync + 'static {
    move |r: &Seen| {
        if r.is_token() {
            vec![Step::Write(token_response())]
        } else {
            steps.clone()
        }
    }
}

// ---------------------------------------------------------------------------
// A loopback listener whose accept queue is full
// ---------------------------------------------------------------------------

/// A listener with backlog 0 that never accepts, its queue filled: a new connect to
/// `addr` gets no SYN-ACK and hangs until the client's connect timeout.
pub struct FullBacklog {
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _queued: Vec<TcpStream>,
}

/// Make a [`FullBacklog`]; panics if the kernel keeps completing connections.
pub fn full_backlog() -> FullBacklog {
    use socket2::{Domain, Socket, Type};
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    l.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).expect("bind");
    l.listen(0).expect("listen");
    let addr = l.local_addr().unwrap().as_socket().unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => queued.push(s),
            Err(e) if e.kind() == IoKind::TimedOut => {
                return FullBacklog {
                    addr,
                    _listener: l,
                    _queued: queued,
                };
            }
            Err(e) => panic!("filling the accept queue: {e}"),
        }
    }
    panic!("the kernel completed 16 connections to a listener with backlog 0 that never accepts");
}

// ---------------------------------------------------------------------------
// A TLS server with an expired certificate
// ---------------------------------------------------------------------------

/// A CA valid 2020-01-01 to 2120-01-01 (ECDSA P-256, made once with `openssl ca`; the
/// key is throwaway and not kept).
pub const EXPIRED_TEST_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBgTCCASigAwIBAgICEAAwCgYIKoZIzj0EAwIwJzElMCMGA1UEAwwcZmF1bHQt
bWF0cml4IGV4cGlyZWQtdGVzdCBDQTAgFw0yMDAxMDEwMDAwMDBaGA8yMTIwMDEw
MTAwMDAwMFowJzElMCMGA1UEAwwcZmF1bHQtbWF0cml4IGV4cGlyZWQtdGVzdCBD
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJKGp/9W6dc3KdId4Pc2bskoyW5i
//yn2gM8J5nCZcq2ncSgWhYxJhNayqfc54broJHHOhg9zK4Ipyi7xSS3haCjQjBA
MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgGGMB0GA1UdDgQWBBSeZY0P
SjI+Aa7irqzITifgZM5u8zAKBggqhkjOPQQDAgNHADBEAiBKu1T05Cxf0aAdSlnu
deM4+BYBhwX3NPEWaHvLxKMDIQIgcvcpYs5rm+AEaMp1hyW0jwCFpjgFmuxoR2Y5
r6kMykU=
-----END CERTIFICATE-----
";

/// A server certificate for `localhost` and `127.0.0.1`, signed by [`EXPIRED_TEST_CA_PEM`],
/// valid 2020-01-01 to 2021-01-01 only.
pub const EXPIRED_LEAF_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBvjCCAWSgAwIBAgICEAEwCgYIKoZIzj0EAwIwJzElMCMGA1UEAwwcZmF1bHQt
bWF0cml4IGV4cGlyZWQtdGVzdCBDQTAeFw0yMDAxMDEwMDAwMDBaFw0yMTAxMDEw
MDAwMDBaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABP/OLuqwN/y89o795VIyhF9y38kooKD+XVunLe6X/i5QqGj72nzExkyo
8YGaV5cCNvbn0GG6Lv+lhy6sFC82KeOjgZIwgY8wDAYDVR0TAQH/BAIwADAOBgNV
HQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwGgYDVR0RBBMwEYIJbG9j
YWxob3N0hwR/AAABMB0GA1UdDgQWBBTofU9weYCqnOruV2OKsuxQJyqk7TAfBgNV
HSMEGDAWgBSeZY0PSjI+Aa7irqzITifgZM5u8zAKBggqhkjOPQQDAgNIADBFAiEA
rLf3DfxlzakFok9noDYDHDdsOdz9N242VLoiKOf0j+MCICWUNaZnHSGv1Gr5aN6Y
icmm5rzDCdnMhfMpMuuuOoWO
-----END CERTIFICATE-----
";

/// The private key of [`EXPIRED_LEAF_PEM`] (a test key, nothing else uses it).
pub const EXPIRED_LEAF_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg59UKl5tShuxWoJFQ
381KtADcplh04YrowyII0j/Ajv2hRANCAAT/zi7qsDf8vPaO/eVSMoRfct/JKKCg
/l1bpy3ul/4uUKho+9p8xMZMqPGBmleXAjb259Bhui7/pYcurBQvNinj
-----END PRIVATE KEY-----
";

/// A TLS server on 127.0.0.1 presenting a certificate chain; it counts handshakes
/// attempted and connections on which any application byte (a request) arrived.
pub struct TlsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    pub accepted: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
}

impl TlsServer {
    pub fn start(chain_pem: &str, key_pem: &str) -> TlsServer {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("certificate PEM");
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM");
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server certificate");
        let cfg = Arc::new(cfg);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (accepted, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let accept = {
            let (stop, accepted, requests) = (stop.clone(), accepted.clone(), requests.clone());
            std::thread::spawn(move || {
                for tcp in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    let Ok(tcp) = tcp else { continue };
                    accepted.fetch_add(1, SeqCst);
                    let _ = tcp.set_read_timeout(Some(Duration::from_secs(2)));
                    let _ = tcp.set_write_timeout(Some(Duration::from_secs(2)));
                    let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                        continue;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    let mut b = [0u8; 1];
                    if matches!(tls.read(&mut b), Ok(n) if n > 0) {
                        requests.fetch_add(1, SeqCst);
                    }
                }
            })
        };
        TlsServer {
            addr,
            stop,
            accepted,
            requests,
            accept: Some(accept),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}
