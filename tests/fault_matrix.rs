//! The fault matrix (issue 8): each fault a user can meet, injected by the emulator or,
//! where the emulator cannot misbehave enough, by a scripted raw TCP server, a listener
//! that never accepts, a TLS server with a bad certificate or a fake DNS lookup. Each case
//! asserts what the user gets: the error kind, the retries made, that the call ended
//! within its configured budget (plus a margin; never a tight wall-clock bound), and what
//! the server saw. `cargo test --test fault_matrix -- --nocapture` prints the rows of the
//! table in `docs/FAULTS.md`.

// Helpers return the library's own `Result`; the size of its `Error` is not this file's to change.
#![allow(clippy::result_large_err)]

mod fault_matrix_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use cloudconnexa::models::{NetworkCreate, PageRequest};
use cloudconnexa::resilience::ManualClock;
use cloudconnexa::{Client, ErrorKind, Method, TlsRoots, Transport, TransportOptions};
use fault_matrix_support::*;

const NETWORKS: &str = "/api/v1/networks";
const LIST: &str = "getNetworksPage";
const CREATE: &str = "createNetwork";

fn list(client: &Client) -> cloudconnexa::Result<cloudconnexa::models::Page<cloudconnexa::models::Network>> {
    client.networks().list(PageRequest::default())
}

fn create(client: &Client, name: &str) -> cloudconnexa::Result<cloudconnexa::models::Network> {
    client.networks().create(&NetworkCreate {
        name: name.into(),
        ..NetworkCreate::default()
    })
}

fn raw_get(client: &Client) -> cloudconnexa::Result<cloudconnexa::RawResponse> {
    client.request(Method::Get, "/networks").send()
}

fn raw_post(client: &Client) -> cloudconnexa::Result<cloudconnexa::RawResponse> {
    client
        .request(Method::Post, "/networks")
        .json(&serde_json::json!({"name": "n"}))
        .send()
}

/// Upper bound of the retry waits of `n` retries on the matrix schedule.
fn backoff_total(n: u32) -> Duration {
    (1..=n).map(|i| BACKOFF * 2u32.pow(i - 1)).sum()
}

// ---------------------------------------------------------------------------
// Connecting
// ---------------------------------------------------------------------------

#[test]
fn connection_refused() {
    // a port that was just free: nothing listens
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = builder_for(&format!("http://{addr}"), "id", "secret").build().unwrap();
    let budget = backoff_total(MAX_RETRIES) + CONNECT_TIMEOUT * (MAX_RETRIES + 1);
    let (_, o) = measure(&client, || list(&client));
    check(
        "connection refused",
        "GET",
        &o,
        "Connect",
        2,
        budget,
        "nothing (no listener)",
    );
    // never reached the server, so even a POST is retried
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "connection refused",
        "POST",
        &o,
        "Connect",
        2,
        budget,
        "nothing (no listener)",
    );
    assert_eq!(client.metrics().auth.token_fetches, 6, "each attempt tried the token");
}

#[test]
fn connect_stall_on_a_full_accept_queue() {
    let full = full_backlog();
    let client = builder_for(&format!("http://{}", full.addr), "id", "secret")
        .build()
        .unwrap();
    let budget = backoff_total(MAX_RETRIES) + CONNECT_TIMEOUT * (MAX_RETRIES + 1);
    let (_, o) = measure(&client, || list(&client));
    check(
        "connect stall (accept queue full, SYN unanswered)",
        "GET",
        &o,
        "Timeout(Connect)",
        2,
        budget,
        "no connection accepted",
    );
    assert!(
        o.took >= CONNECT_TIMEOUT * (MAX_RETRIES + 1) - Duration::from_millis(50),
        "each of the 3 attempts waits out the connect timeout: {:?}",
        o.took
    );
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "connect stall (accept queue full, SYN unanswered)",
        "POST",
        &o,
        "Timeout(Connect)",
        2,
        budget,
        "no connection accepted",
    );
}

// ---------------------------------------------------------------------------
// Broken connections
// ---------------------------------------------------------------------------

/// A reset (`reset_before` or `reset_mid_body`): once on a pooled connection (resent at
/// once on a fresh one), on every GET (retried, then `Io`), on a POST (never resent).
/// Returns how many POSTs the emulator processed.
/// Returns how many POSTs the emulator processed, and the message of the failed GET.
fn resets(kind: &str, what: &str) -> (u64, String) {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    list(&client).expect("warm-up: token and a pooled connection");
    let budget = backoff_total(MAX_RETRIES) + Duration::from_secs(1);
    let on = |method: &str, count: &str| {
        rule(&format!(
            r#"{{"kind":"{kind}","method":"{method}","path":"/api/v1/networks"{count}}}"#
        ))
    };

    server.set_faults(vec![on("GET", r#","count":1"#)]);
    let (r, o) = measure(&client, || list(&client));
    check(
        &format!("{what}, once, on a pooled connection"),
        "GET",
        &o,
        "ok",
        0,
        budget,
        "2 GETs: 1 broken, 1 answered on a new connection",
    );
    assert_eq!(r.unwrap().content.len(), 10);
    assert_eq!(o.stale_retries, 1, "resent at once on a fresh connection");
    assert_eq!(faults_fired(&server, kind), 1);

    server.set_faults(vec![on("GET", "")]);
    let (_, o) = measure(&client, || list(&client));
    let fired = faults_fired(&server, kind) - 1;
    check(
        &format!("{what}, every time"),
        "GET",
        &o,
        "Io",
        2,
        budget,
        &format!("{fired} GETs, all broken"),
    );
    assert_eq!(
        o.stale_retries, 1,
        "the pooled connection is resent once on a fresh one"
    );
    assert_eq!(fired, 1 + o.retries + o.stale_retries);
    let get_message = o.message.clone();

    server.clear_faults();
    list(&client).expect("a pooled connection again");
    server.set_faults(vec![on("POST", "")]);
    let before = faults_fired(&server, kind);
    let (_, o) = measure(&client, || create(&client, "created-at-most-once"));
    let processed = op_count(&server, CREATE, 201);
    check(
        &format!("{what}, every time"),
        "POST",
        &o,
        "Io",
        0,
        budget,
        &format!(
            "1 POST, {}",
            if processed == 0 {
                "not processed"
            } else {
                "processed once"
            }
        ),
    );
    assert_eq!(o.stale_retries, 0, "a POST is never resent");
    assert_eq!(faults_fired(&server, kind), before + 1);
    (processed, get_message)
}

#[test]
fn reset_before_the_response() {
    let (processed, message) = resets("reset_before", "reset before the response (RST)");
    assert_eq!(processed, 0, "the emulator resets before handling");
    assert!(
        message.contains("reset by the server before the response head"),
        "{message}"
    );
}

#[test]
fn reset_in_the_middle_of_the_body() {
    let (processed, message) = resets("reset_mid_body", "reset mid-body (head and half the body, then RST)");
    assert_eq!(processed, 1, "handled, answered 201, cut; never sent twice");
    assert!(
        message.contains("reset by the server after 3666 of 7332 body bytes"),
        "{message}"
    );
}

/// Wait until the emulator has closed every idle connection (its counter, not a sleep).
fn closed_while_idle(server: &MockServer) {
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while stat(server, "connections_open") != 0 {
        assert!(
            std::time::Instant::now() < give_up,
            "the idle connection was never closed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn keep_alive_connection_closed_by_the_server_while_idle() {
    // the emulator closes connections idle for 200 ms; the pool notices the FIN before reuse
    let mut o = opts();
    o.idle_close = Some(Duration::from_millis(200));
    let server = start(o);
    let client = builder(&server).build().unwrap();
    list(&client).expect("first call");
    let budget = Duration::from_secs(1);
    closed_while_idle(&server);
    let (_, o) = measure(&client, || list(&client));
    check(
        "keep-alive closed by the server while idle (FIN seen before reuse)",
        "GET",
        &o,
        "ok",
        0,
        budget,
        "a new connection",
    );
    assert_eq!(o.stale_retries, 0, "the closed connection was never written to");
    closed_while_idle(&server);
    let (_, o) = measure(&client, || create(&client, "after-idle"));
    check(
        "keep-alive closed by the server while idle (FIN seen before reuse)",
        "POST",
        &o,
        "ok",
        0,
        budget,
        "a new connection, 1 POST",
    );
    assert_eq!(stat(&server, "connections_accepted"), 3);
    assert_eq!(op_total(&server, CREATE), 1);
}

#[test]
fn keep_alive_connection_closed_by_the_server_as_it_is_reused() {
    // the race: the server reads the request on a reused connection and closes it unanswered
    let script = |r: &Seen| {
        if r.index_on_conn > 0 {
            vec![Step::Close]
        } else if r.is_token() {
            vec![Step::Write(token_response())]
        } else {
            vec![Step::Write(response(200, "application/json", PAGE.as_bytes()))]
        }
    };
    let budget = Duration::from_secs(1);
    let server = ScriptServer::start(script);
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "keep-alive closed by the server as a request arrives on it",
        "GET",
        &o,
        "ok",
        0,
        budget,
        "2 GETs: dropped on the old connection, answered on a new one",
    );
    assert_eq!(o.stale_retries, 1);
    assert_eq!(server.count("GET", NETWORKS), 2);

    let server = ScriptServer::start(script);
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let (_, o) = measure(&client, || raw_post(&client));
    check(
        "keep-alive closed by the server as a request arrives on it",
        "POST",
        &o,
        "Io",
        0,
        budget,
        "1 POST (never resent)",
    );
    assert_eq!(server.count("POST", NETWORKS), 1);
}

// ---------------------------------------------------------------------------
// Stalls and slow servers
// ---------------------------------------------------------------------------

#[test]
fn stall_before_the_first_byte() {
    let server = start(opts());
    let read = Duration::from_millis(500);
    let client = builder(&server).read_timeout(read).build().unwrap();
    list(&client).expect("warm-up");
    server.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/networks"}"#));
    let budget = read * (MAX_RETRIES + 1) + backoff_total(MAX_RETRIES);
    let (_, o) = measure(&client, || list(&client));
    let fired = faults_fired(&server, "stall");
    check(
        "stall before the first byte (read timeout 0.5 s)",
        "GET",
        &o,
        "Timeout(Response)",
        2,
        budget,
        &format!("{fired} GETs"),
    );
    assert_eq!(fired, 3);
    // phase, configured duration, host:port and the attempt it ended
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    assert_eq!(
        o.message,
        format!(
            "timed out (Response): 127.0.0.1:{port} sent nothing for 0.500 s (read_timeout) while the response \
             head was due; attempt 3"
        )
    );
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "stall before the first byte (read timeout 0.5 s)",
        "POST",
        &o,
        "Timeout(Response)",
        0,
        read,
        "1 POST",
    );
    assert_eq!(faults_fired(&server, "stall"), fired + 1);
    server.clear_faults();
}

#[test]
fn stall_longer_than_the_call_deadline() {
    // the read timeout (3 s) is longer than the whole call (1 s): the deadline ends it
    let server = start(opts());
    let call = Duration::from_secs(1);
    let client = builder(&server).call_timeout(call).build().unwrap();
    list(&client).expect("warm-up");
    server.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/networks"}"#));
    let (_, o) = measure(&client, || list(&client));
    check(
        "stall longer than the call deadline (read 3 s, call 1 s)",
        "GET",
        &o,
        "Timeout(Call)",
        0,
        call,
        "1 GET",
    );
    assert!(o.took >= call - Duration::from_millis(50), "ended early: {:?}", o.took);
    assert!(
        o.message
            .starts_with("timed out (Call): the call deadline passed while talking to 127.0.0.1:")
            && o.message.ends_with("; call_timeout 1.000 s, attempt 1"),
        "{}",
        o.message
    );
    assert_eq!(faults_fired(&server, "stall"), 1);
    server.clear_faults();
}

#[test]
fn tls_handshake_stall() {
    // a TCP server that accepts and never answers the ClientHello
    let server = ScriptServer::start(|_| vec![Step::Pause(Duration::from_secs(10))]);
    let url = server.url().replace("http://127.0.0.1", "https://localhost");
    let client = builder_for(&url, "id", "secret")
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::None)
        .add_ca_pem(EXPIRED_TEST_CA_PEM)
        .build()
        .unwrap();
    let budget = CONNECT_TIMEOUT * (MAX_RETRIES + 1) + backoff_total(MAX_RETRIES);
    let (_, o) = measure(&client, || list(&client));
    check(
        "TLS handshake stall (ClientHello unanswered)",
        "GET",
        &o,
        "Timeout(Connect)",
        2,
        budget,
        "3 connections, no request",
    );
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "TLS handshake stall (ClientHello unanswered)",
        "POST",
        &o,
        "Timeout(Connect)",
        2,
        budget,
        "3 connections, no request",
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn stall_between_body_reads() {
    // the head and 10 bytes of a 100-byte body, then nothing for 5 s
    let mut head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n".to_vec();
    head.extend_from_slice(&[b' '; 10]);
    let server = ScriptServer::start(api_script(vec![
        Step::Write(head),
        Step::Pause(Duration::from_secs(5)),
        Step::Close,
    ]));
    let read = Duration::from_millis(500);
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(read)
        .retry_policy(retries(1))
        .build()
        .unwrap();
    let budget = read * 2 + backoff_total(1);
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "stall between body reads (read timeout 0.5 s)",
        "GET",
        &o,
        "Timeout(Body)",
        1,
        budget,
        "2 GETs",
    );
    assert_eq!(server.count("GET", NETWORKS), 2);
}

#[test]
fn slow_drip_within_the_budgets_succeeds() {
    // 10 bytes every 50 ms: each read waits 50 ms, the whole body takes about 0.5 s
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        PAGE.len()
    )
    .into_bytes();
    bytes.extend_from_slice(PAGE.as_bytes());
    let server = ScriptServer::start(api_script(vec![Step::Drip {
        bytes,
        chunk: 10,
        every: Duration::from_millis(50),
    }]));
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let (r, o) = measure(&client, || list(&client));
    check(
        "slow drip, 10 B per 50 ms (read timeout 1 s)",
        "GET",
        &o,
        "ok",
        0,
        CALL_TIMEOUT,
        "1 GET",
    );
    assert!(r.unwrap().content.is_empty());
    assert_eq!(server.count("GET", NETWORKS), 1);
}

/// The head dripped one byte every 200 ms (14 s for the whole head) with read 1 s and call
/// 4 s: no read waits long enough for the read timeout, so the call deadline ends it, in
/// phase `Call`, not before 3.5 s; with `response_head_timeout` 1 s it is `Timeout(Response)`.
#[test]
fn response_head_dripped_within_the_read_timeout() {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{PAGE}",
        PAGE.len()
    )
    .into_bytes();
    let drip = move || {
        ScriptServer::start(api_script(vec![Step::Drip {
            bytes: head.clone(),
            chunk: 1,
            every: Duration::from_millis(200),
        }]))
    };
    let call = Duration::from_secs(4);
    let server = drip();
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(1))
        .call_timeout(call)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "response head dripped, 1 B per 200 ms (read timeout 1 s, call timeout 4 s)",
        "GET",
        &o,
        "Timeout(Call)",
        0,
        call,
        "1 GET",
    );
    assert!(o.took >= Duration::from_millis(3500), "ended at {:?}", o.took);
    assert!(o.message.contains("call deadline"), "{}", o.message);
    assert_eq!(server.count("GET", NETWORKS), 1);

    let server = drip();
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(1))
        .response_head_timeout(Some(Duration::from_secs(1)))
        .call_timeout(call)
        .retry_policy(retries(0))
        .build()
        .unwrap();
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "the same with response_head_timeout 1 s",
        "GET",
        &o,
        "Timeout(Response)",
        0,
        Duration::from_secs(1),
        "1 GET",
    );
    assert!(o.message.contains("response_head_timeout"), "{}", o.message);
}

#[test]
fn slow_drip_beyond_the_call_deadline() {
    // 10 bytes every 100 ms of a 4000-byte body (40 s): every read is quick, the call is not
    let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n".to_vec();
    bytes.extend_from_slice(&[b' '; 4000]);
    let server = ScriptServer::start(api_script(vec![Step::Drip {
        bytes,
        chunk: 10,
        every: Duration::from_millis(100),
    }]));
    let call = Duration::from_millis(1500);
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(1))
        .call_timeout(call)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "slow drip beyond the call deadline (call timeout 1.5 s)",
        "GET",
        &o,
        "Timeout(Call)",
        0,
        call,
        "1 GET",
    );
    assert!(o.took >= call - Duration::from_millis(50), "ended early: {:?}", o.took);
    assert_eq!(server.count("GET", NETWORKS), 1);
}

// ---------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------

#[test]
fn dns_name_that_does_not_exist() {
    // `.invalid` never resolves (RFC 6761); the system resolver answers at once or times out
    let client = builder_for("https://fault-matrix.invalid", "id", "secret")
        .build()
        .unwrap();
    let budget = backoff_total(MAX_RETRIES) + CONNECT_TIMEOUT * (MAX_RETRIES + 1);
    let (r, o) = measure(&client, || list(&client));
    let kind = match r.as_ref().unwrap_err().kind() {
        ErrorKind::Timeout(cloudconnexa::TimeoutPhase::Resolve) => "Timeout(Resolve)",
        _ => "Dns",
    };
    check("DNS: unknown name (.invalid)", "GET", &o, kind, 2, budget, "nothing");
}

/// A fake DNS whose answers the test switches off and on.
struct FakeDns {
    up: Arc<AtomicBool>,
    transport: Transport,
    /// The clock of the DNS cache's TTL: entries expire when the test advances it.
    clock: Arc<ManualClock>,
}

fn fake_dns(target: SocketAddr, ttl: Duration) -> FakeDns {
    let clock = ManualClock::new();
    let up = Arc::new(AtomicBool::new(true));
    let flag = up.clone();
    let opts = TransportOptions {
        connect_timeout: CONNECT_TIMEOUT,
        dns_ttl: Some(ttl),
        ..TransportOptions::default()
    };
    let transport = Transport::with_dns_lookup(&opts, clock.clone(), move |host, port| {
        (flag.load(Relaxed) && host == "localhost").then(|| vec![SocketAddr::new(target.ip(), port)])
    })
    .unwrap();
    FakeDns { up, transport, clock }
}

#[test]
fn dns_failure_and_recovery_with_the_cache() {
    let server = start(opts());
    // plain http needs a loopback name, and `localhost` is the only one: the fake DNS answers it
    let url = format!("http://localhost:{}", server.port());
    let ttl = Duration::from_secs(300); // on the fake DNS's manual clock
    let dns = fake_dns(server.addr(), ttl);
    let client = builder(&server)
        .api_url(&url)
        .transport(dns.transport.clone())
        .build()
        .unwrap();
    list(&client).expect("DNS up");
    assert_eq!(client.metrics().dns.lookups, 1);

    // DNS goes down; once the answer is past its TTL, the last good one is served
    dns.up.store(false, Relaxed);
    dns.clock.advance(ttl);
    let (_, o) = measure(&client, || list(&client));
    check(
        "DNS down after a good answer (cache TTL expired)",
        "GET",
        &o,
        "ok",
        0,
        Duration::from_secs(1),
        "1 GET (stale address served)",
    );
    let d = client.metrics().dns;
    assert!(d.stale_served >= 1, "{d:?}");
    assert!(d.failures >= 1, "{d:?}");

    // DNS comes back: the next lookup after the TTL refreshes the entry
    dns.up.store(true, Relaxed);
    dns.clock.advance(ttl);
    let (stale_before, lookups_before) = (d.stale_served, d.lookups);
    let (_, o) = measure(&client, || list(&client));
    check(
        "DNS back up",
        "GET",
        &o,
        "ok",
        0,
        Duration::from_secs(1),
        "1 GET (fresh lookup)",
    );
    let d = client.metrics().dns;
    assert_eq!(d.stale_served, stale_before, "{d:?}");
    assert_eq!(d.lookups, lookups_before + 1, "{d:?}");
    assert_eq!(op_count(&server, LIST, 200), 3);

    // DNS down with nothing cached: Dns, retried (the request never left)
    let cold = fake_dns(server.addr(), ttl);
    cold.up.store(false, Relaxed);
    let client = builder(&server)
        .api_url(&url)
        .transport(cold.transport.clone())
        .build()
        .unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "DNS down, nothing cached",
        "GET",
        &o,
        "Dns",
        2,
        backoff_total(MAX_RETRIES) + Duration::from_secs(1),
        "nothing",
    );
    assert_eq!(op_total(&server, LIST), 3);
}

// ---------------------------------------------------------------------------
// Auth
// ---------------------------------------------------------------------------

#[test]
fn token_endpoint_down() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    let budget = backoff_total(MAX_RETRIES) + Duration::from_secs(1);
    server.add_fault(rule(r#"{"kind":"status","status":503,"path":"/api/v1/oauth/token"}"#));
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint answers 503",
        "GET",
        &o,
        "Auth{503}",
        2,
        budget,
        "3 token requests, no API request",
    );
    assert_eq!(op_count(&server, "requestToken", 503), 3);
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "token endpoint answers 503",
        "POST",
        &o,
        "Auth{503}",
        2,
        budget,
        "3 token requests, no API request",
    );
    assert_eq!(op_count(&server, "requestToken", 503), 6);

    server.set_faults(vec![rule(r#"{"kind":"reset_before","path":"/api/v1/oauth/token"}"#)]);
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint resets the connection",
        "GET",
        &o,
        "Io",
        2,
        budget,
        "3 token requests, no API request",
    );
    assert_eq!(faults_fired(&server, "reset_before"), 3);
    assert_eq!(op_total(&server, LIST) + op_total(&server, CREATE), 0);

    // a 10th failed token request opens this client's breaker for the host (default:
    // 10 consecutive failures, open 300 s): the retry is refused, and so is every call
    // until the breaker probes again, even once the token endpoint is back
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint down for a 10th attempt",
        "GET",
        &o,
        "CircuitOpen",
        0,
        budget,
        "1 token request",
    );
    assert_eq!(faults_fired(&server, "reset_before"), 4);
    server.clear_faults();
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint back, same client (breaker open)",
        "GET",
        &o,
        "CircuitOpen",
        0,
        budget,
        "nothing (breaker open for 300 s)",
    );
    assert_eq!(op_total(&server, "requestToken"), 10);
    let client = builder(&server).build().unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint back, new client",
        "GET",
        &o,
        "ok",
        0,
        budget,
        "1 token request, 1 GET",
    );
}

/// The POST never left when its token request broke, so retrying it is safe, as it is
/// after `Auth{503}`. Regression: the token request's `Io` used to reach the retry policy
/// as if the POST itself had broken, and the POST failed at once.
#[test]
fn post_is_retried_when_its_token_request_broke() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    server.add_fault(rule(r#"{"kind":"reset_before","path":"/api/v1/oauth/token"}"#));
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "token endpoint resets the connection",
        "POST",
        &o,
        "Io",
        2,
        backoff_total(MAX_RETRIES) + Duration::from_secs(1),
        "3 token requests, no API request",
    );
    assert_eq!(faults_fired(&server, "reset_before"), 3);
    assert_eq!(op_total(&server, CREATE), 0);
}

#[test]
fn token_endpoint_stalls_or_rejects_the_key() {
    let server = start(opts());
    let read = Duration::from_millis(500);
    let client = builder(&server).read_timeout(read).build().unwrap();
    server.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/oauth/token"}"#));
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint stalls (read timeout 0.5 s)",
        "GET",
        &o,
        "Timeout(Response)",
        2,
        read * (MAX_RETRIES + 1) + backoff_total(MAX_RETRIES),
        "3 token requests, no API request",
    );
    assert_eq!(faults_fired(&server, "stall"), 3);
    server.clear_faults();

    let client = builder(&server).client_secret("wrong").build().unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "token endpoint rejects the key (401)",
        "GET",
        &o,
        "Auth{401}",
        0,
        Duration::from_secs(1),
        "1 token request, no API request",
    );
    assert_eq!(op_count(&server, "requestToken", 401), 1);
    assert_eq!(op_total(&server, LIST), 0);
}

#[test]
fn unauthorized_storm() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    server.add_fault(rule(r#"{"kind":"status","status":401,"path":"/api/v1/networks"}"#));
    for i in 1..=3u64 {
        let (_, o) = measure(&client, || list(&client));
        check(
            "401 storm (every API request 401)",
            "GET",
            &o,
            "Http{401}",
            0,
            Duration::from_secs(1),
            "2 GETs and 1 new token per call",
        );
        assert_eq!(op_count(&server, LIST, 401), 2 * i, "one refresh per call, no loop");
        assert_eq!(stat(&server, "tokens_issued"), 1 + i);
    }
    assert_eq!(client.metrics().auth.rejected, 3);
}

// ---------------------------------------------------------------------------
// Throttling and server errors
// ---------------------------------------------------------------------------

#[test]
fn rate_limited_with_retry_after() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    list(&client).expect("warm-up");
    server.add_fault(rule(
        r#"{"kind":"rate_limit","retry_after":"1","path":"/api/v1/networks","count":1}"#,
    ));
    let (_, o) = measure(&client, || list(&client));
    check(
        "429 with Retry-After: 1",
        "GET",
        &o,
        "ok",
        1,
        Duration::from_secs(1) + backoff_total(1),
        "1 GET 429, 1 GET 200",
    );
    assert!(
        o.took >= Duration::from_millis(990),
        "the retry waited the 1 s asked for: {:?}",
        o.took
    );
    assert_eq!((op_count(&server, LIST, 429), op_count(&server, LIST, 200)), (1, 2));
    // a POST refused with 429 was not processed: retried too
    server.add_fault(rule(
        r#"{"kind":"rate_limit","retry_after":"1","path":"/api/v1/networks","count":1}"#,
    ));
    let (_, o) = measure(&client, || create(&client, "after-429"));
    check(
        "429 with Retry-After: 1",
        "POST",
        &o,
        "ok",
        1,
        Duration::from_secs(1) + backoff_total(1),
        "1 POST 429, 1 POST 201",
    );
    assert!(o.took >= Duration::from_millis(990), "{:?}", o.took);
    assert_eq!(op_count(&server, CREATE, 201), 1);
}

#[test]
fn rate_limited_without_retry_after() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    list(&client).expect("warm-up");
    server.add_fault(rule(r#"{"kind":"rate_limit","path":"/api/v1/networks","count":1}"#));
    let budget = backoff_total(MAX_RETRIES) + Duration::from_secs(1);
    let (_, o) = measure(&client, || list(&client));
    check(
        "429 without Retry-After, once",
        "GET",
        &o,
        "ok",
        1,
        budget,
        "1 GET 429, 1 GET 200",
    );
    server.set_faults(vec![rule(
        r#"{"kind":"rate_limit","retry_after":"soon","path":"/api/v1/networks","count":1}"#,
    )]);
    let (_, o) = measure(&client, || list(&client));
    check(
        "429 with an unusable Retry-After (soon), once",
        "GET",
        &o,
        "ok",
        1,
        budget,
        "1 GET 429, 1 GET 200",
    );
    // A 429 is "wait", not "fail": with no Retry-After and no rate-limit headers the limiter
    // pauses 50 ms, doubling per 429 in a row (50 ms … 3.2 s: 6.35 s in all), and neither
    // max_retries nor the retry budget applies; the 9th pause, 6.4 s, does not fit in what
    // is left of the 10 s call deadline, so the call ends `RateLimited`, saying when.
    server.set_faults(vec![rule(r#"{"kind":"rate_limit","path":"/api/v1/networks"}"#)]);
    let (r, o) = measure(&client, || list(&client));
    check(
        "429 without Retry-After, always",
        "GET",
        &o,
        "RateLimited",
        7,
        CALL_TIMEOUT,
        "8 GETs 429",
    );
    let e = r.unwrap_err();
    let due = e.retry_after().expect("when the next token is due");
    assert!(
        due > Duration::from_secs(6) && due <= Duration::from_millis(6400),
        "{e}"
    );
    assert!(e.to_string().contains("the next token is due in 6."), "{e}");
    assert!(e.to_string().contains("left in the call deadline"), "{e}");
    assert_eq!(op_count(&server, LIST, 429), 1 + 1 + 8);
}

#[test]
fn service_unavailable_bursts() {
    let server = start(opts());
    let client = builder(&server).retry_policy(retries(5)).build().unwrap();
    list(&client).expect("warm-up");
    let budget = backoff_total(5) + Duration::from_secs(1);
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/networks","count":3}"#,
    ));
    let (_, o) = measure(&client, || list(&client));
    check(
        "503 burst of 3 (5 retries allowed)",
        "GET",
        &o,
        "ok",
        3,
        budget,
        "3 GETs 503, 1 GET 200",
    );
    assert_eq!(op_count(&server, LIST, 503), 3);

    let server = start(opts());
    let client = builder(&server).build().unwrap();
    server.add_fault(rule(r#"{"kind":"status","status":503,"path":"/api/v1/networks"}"#));
    let (r, o) = measure(&client, || list(&client));
    check(
        "503 longer than the retries",
        "GET",
        &o,
        "Http{503}",
        2,
        backoff_total(MAX_RETRIES) + Duration::from_secs(1),
        "3 GETs 503",
    );
    assert!(r.unwrap_err().api_error().is_some(), "the ErrorResponse body is parsed");
    assert_eq!(op_count(&server, LIST, 503), 3);
    // a POST may have been processed: a 503 is final
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/networks"}"#,
    )]);
    let (_, o) = measure(&client, || create(&client, "n"));
    check(
        "503 longer than the retries",
        "POST",
        &o,
        "Http{503}",
        0,
        Duration::from_secs(1),
        "1 POST 503",
    );
}

// ---------------------------------------------------------------------------
// Malformed responses
// ---------------------------------------------------------------------------

/// One malformed answer to every API request (then the connection is closed), and the
/// kind it must give: `Protocol` for an answer that is not valid HTTP/1.1, `Io` for one
/// that is valid but cut short by the server closing the connection.
struct Malformed {
    name: &'static str,
    bytes: &'static [u8],
    kind: &'static str,
}

const MALFORMED: &[Malformed] = &[
    Malformed {
        name: "status line not HTTP",
        bytes: b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
        kind: "Protocol",
    },
    Malformed {
        name: "status code not a number",
        bytes: b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}",
        kind: "Protocol",
    },
    Malformed {
        name: "header line without a colon",
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis is not a header\r\n\r\n{}",
        kind: "Protocol",
    },
    Malformed {
        name: "Content-Length not a number",
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\n{}",
        kind: "Protocol",
    },
    Malformed {
        name: "head cut short (EOF before the blank line)",
        bytes: b"HTTP/1.1 200 OK\r\nContent-Type: appl",
        kind: "Io",
    },
    Malformed {
        name: "chunk size not hex",
        bytes: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        kind: "Protocol",
    },
    Malformed {
        name: "chunked body cut before the last chunk",
        bytes: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"content\":",
        kind: "Io",
    },
    Malformed {
        name: "two different Content-Length headers",
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}abc",
        kind: "Protocol",
    },
    Malformed {
        name: "body shorter than Content-Length (EOF)",
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n{\"content\":[]",
        kind: "Io",
    },
];

/// Malformed answers are `Protocol`: a GET is sent once more on a new connection (2 in
/// all), then fails; a POST is sent once. Answers cut short by a close are `Io`: a GET is
/// retried by the policy, a POST is not.
#[test]
fn malformed_status_line_headers_and_framing() {
    let mut huge_head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..16_384 {
        huge_head.extend_from_slice(format!("X-Pad-{i}: {}\r\n", "a".repeat(50)).as_bytes());
    }
    huge_head.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    let cases = MALFORMED.iter().map(|m| (m.name, m.bytes.to_vec(), m.kind)).chain([(
        "head of 1 MiB (endless headers)",
        huge_head,
        "Protocol",
    )]);
    for (name, bytes, kind) in cases {
        let server = ScriptServer::start(api_script(vec![Step::Write(bytes), Step::Close]));
        let client = builder_for(&server.url(), "id", "secret")
            .retry_policy(retries(1))
            .build()
            .unwrap();
        let (r, o) = measure(&client, || raw_get(&client));
        let gets = server.count("GET", NETWORKS) as u64;
        assert!(std::error::Error::source(&r.unwrap_err()).is_some(), "{name}: a source");
        let (policy_retries, budget) = match kind {
            "Protocol" => (0, Duration::from_secs(1)),
            _ => (1, backoff_total(1) + Duration::from_secs(1)),
        };
        check(name, "GET", &o, kind, policy_retries, budget, &format!("{gets} GETs"));
        assert_eq!(gets, 1 + o.retries + o.stale_retries, "{name}");
        if kind == "Protocol" {
            assert_eq!(gets, 2, "{name}: one resend on a new connection, no more");
            assert!(
                o.message.contains("127.0.0.1:"),
                "{name}: names host:port: {}",
                o.message
            );
        }
        if name.starts_with("body shorter than Content-Length") {
            // bytes received of expected, and how the connection ended
            assert!(
                o.message.contains("closed by the server after 13 of 200 body bytes"),
                "{name}: {}",
                o.message
            );
        }
        // a POST is not sent again after a broken answer
        let (_, o) = measure(&client, || raw_post(&client));
        check(name, "POST", &o, kind, 0, Duration::from_secs(1), "1 POST");
        assert_eq!(server.count("POST", NETWORKS), 1, "{name}");
    }
}

#[test]
fn extra_bytes_after_the_body() {
    // the server sends more than Content-Length: the stray bytes must not be read as the
    // next response on the pooled connection
    let mut bytes = response(200, "application/json", PAGE.as_bytes());
    bytes.extend_from_slice(b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n");
    let server = ScriptServer::start(api_script(vec![Step::Write(bytes)]));
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    list(&client).expect("first call");
    std::thread::sleep(Duration::from_millis(100));
    let (_, o) = measure(&client, || list(&client));
    check(
        "stray bytes after the body on a keep-alive connection",
        "GET",
        &o,
        "ok",
        0,
        Duration::from_secs(1),
        "2 GETs on 2 connections (the dirty one is not reused)",
    );
    assert_eq!(server.count("GET", NETWORKS), 2);
    assert_eq!(server.connections(), 2, "{:?}", server.seen());
}

#[test]
fn bodies_that_are_not_the_json_asked_for() {
    let cases: &[(&str, &str, &[u8])] = &[
        (
            "200 with an HTML body",
            "text/html",
            b"<html><body>Welcome to nginx!</body></html>",
        ),
        (
            "200 with JSON cut short (framing intact)",
            "application/json",
            br#"{"content":[{"id":"#,
        ),
        ("200 with an empty body", "application/json", b""),
    ];
    for &(name, ctype, body) in cases {
        let server = ScriptServer::start(api_script(vec![Step::Write(response(200, ctype, body))]));
        let client = builder_for(&server.url(), "id", "secret").build().unwrap();
        let (_, o) = measure(&client, || list(&client));
        check(name, "GET (typed)", &o, "Decode", 0, Duration::from_secs(1), "1 GET");
        assert_eq!(server.count("GET", NETWORKS), 1);
    }

    // a compressed body (we ask for none): named, not shown as binary, not retried
    let mut gz =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n"
            .to_vec();
    gz.extend_from_slice(&[
        0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xab, 0xae, 5, 0, 0x43, 0xbf, 0xa6, 0xa3, 2, 0,
    ]);
    let server = ScriptServer::start(api_script(vec![Step::Write(gz)]));
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "200 with a gzip body",
        "GET (typed)",
        &o,
        "Decode",
        0,
        Duration::from_secs(1),
        "1 GET",
    );
    assert!(
        o.message
            .contains("answered HTTP 200 with a gzip-encoded body, which this client does not decode"),
        "{}",
        o.message
    );

    // an error page from a proxy: the status is kept, the body is raw text
    let server = ScriptServer::start(api_script(vec![Step::Write(response(
        502,
        "text/html",
        b"<html><h1>502 Bad Gateway</h1></html>",
    ))]));
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let (r, o) = measure(&client, || list(&client));
    check(
        "502 with an HTML body",
        "GET (typed)",
        &o,
        "Http{502}",
        2,
        backoff_total(MAX_RETRIES) + Duration::from_secs(1),
        "3 GETs",
    );
    let e = r.unwrap_err();
    assert!(e.api_error().is_none());
    assert!(matches!(e.kind(), ErrorKind::Http { raw, .. } if raw.contains("Bad Gateway")));
}

#[test]
fn response_larger_than_the_limit() {
    let server = start(opts());
    let client = builder(&server).max_response_bytes(1024).build().unwrap();
    let (r, o) = measure(&client, || client.networks().list(PageRequest::new(0, 20)));
    check(
        "body larger than max_response_bytes (1 KiB, Content-Length)",
        "GET",
        &o,
        "BodyTooLarge{1024}",
        0,
        Duration::from_secs(1),
        "1 GET",
    );
    assert!(!r.unwrap_err().is_retryable());
    assert_eq!(op_count(&server, LIST, 200), 1);
    // the limit once, where it came from, and the setting to change
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    assert_eq!(
        o.message,
        format!("response body larger than 1024 bytes: 127.0.0.1:{port} sent a body over max_response_bytes")
    );

    // chunked, no Content-Length: the limit is enforced while reading
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..8 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b' '; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let server = ScriptServer::start(api_script(vec![Step::Write(chunked)]));
    let client = builder_for(&server.url(), "id", "secret")
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || raw_get(&client));
    check(
        "body larger than max_response_bytes (1 KiB, chunked)",
        "GET",
        &o,
        "BodyTooLarge{1024}",
        0,
        Duration::from_secs(1),
        "1 GET",
    );
    assert_eq!(server.count("GET", NETWORKS), 1);
}

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

fn tls_server() -> MockServer {
    let mut o = opts();
    o.tls = true;
    start(o)
}

/// An https URL pointed at a plain-HTTP port: the server answers the TLS ClientHello
/// with a plain HTTP 400. That is a configuration mistake, not a broken connection: `Tls`,
/// said in words, and no second attempt (one connection in all).
#[test]
fn tls_port_that_answers_plain_http() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let server = std::thread::spawn(move || {
        while !stopped.load(Relaxed) {
            match listener.accept() {
                Ok((mut c, _)) => {
                    seen.fetch_add(1, Relaxed);
                    c.set_nonblocking(false).unwrap();
                    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let _ = c.read(&mut [0u8; 1024]);
                    let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    let client = builder_for(&format!("https://127.0.0.1:{port}"), "id", "secret")
        .allow_insecure_http(false)
        .build()
        .unwrap();
    let (r, o) = measure(&client, || list(&client));
    stop.store(true, Relaxed);
    server.join().unwrap();
    check(
        "TLS port that answers plain HTTP",
        "GET",
        &o,
        "Tls",
        0,
        CONNECT_TIMEOUT,
        "1 connection",
    );
    assert!(
        o.message.contains("answered plain HTTP on an https URL"),
        "{}",
        o.message
    );
    assert!(o.message.contains(&format!("127.0.0.1:{port}")), "{}", o.message);
    assert_eq!(connections.load(Relaxed), 1, "not retried");
    let e = r.unwrap_err();
    let cause = std::error::Error::source(&e).expect("the TLS error is the source");
    assert!(cause.to_string().contains("InvalidContentType"), "{cause}");
}

#[test]
fn tls_certificate_from_an_unknown_ca() {
    let server = tls_server();
    let other_ca = TestPki::generate().unwrap().ca_pem;
    let client = builder(&server)
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::None)
        .add_ca_pem(other_ca)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "TLS: certificate from an unknown CA",
        "GET",
        &o,
        "Tls",
        0,
        CONNECT_TIMEOUT,
        "a handshake, no request",
    );
    assert!(o.message.contains("invalid peer certificate"), "{}", o.message);
    assert_eq!(stat(&server, "requests_total"), 0);
}

#[test]
fn tls_expired_certificate() {
    let chain = format!("{EXPIRED_LEAF_PEM}{EXPIRED_TEST_CA_PEM}");
    let server = TlsServer::start(&chain, EXPIRED_LEAF_KEY_PEM);
    let client = builder_for(&format!("https://localhost:{}", server.port()), "id", "secret")
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::None)
        .add_ca_pem(EXPIRED_TEST_CA_PEM)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "TLS: expired certificate (trusted CA)",
        "GET",
        &o,
        "Tls",
        0,
        CONNECT_TIMEOUT,
        "a handshake, no request",
    );
    // dates as RFC 3339 instants, not epoch seconds
    assert!(
        o.message
            .contains("the server's certificate expired at 2021-01-01T00:00:00Z (it is now 20"),
        "{}",
        o.message
    );
    assert_eq!(server.accepted.load(Relaxed), 1, "not retried");
    assert_eq!(server.requests.load(Relaxed), 0);
}

#[test]
fn tls_certificate_for_another_host() {
    // the emulator's certificate names localhost, 127.0.0.1 and ::1; the client asks for
    // another name, which the fake DNS points at the emulator
    let server = tls_server();
    let transport = Transport::with_dns_lookup(
        &TransportOptions {
            connect_timeout: CONNECT_TIMEOUT,
            tls_roots: TlsRoots::None,
            extra_ca_pem: vec![server.ca_pem().unwrap().as_bytes().to_vec()],
            ..TransportOptions::default()
        },
        ManualClock::new(),
        |_, port| Some(vec![SocketAddr::from(([127, 0, 0, 1], port))]),
    )
    .unwrap();
    let client = builder(&server)
        .api_url(format!("https://api.wrong-host.example:{}", server.port()))
        .allow_insecure_http(false)
        .transport(transport)
        .build()
        .unwrap();
    let (_, o) = measure(&client, || list(&client));
    check(
        "TLS: certificate for another host name",
        "GET",
        &o,
        "Tls",
        0,
        CONNECT_TIMEOUT,
        "a handshake, no request",
    );
    assert!(o.message.contains("not valid for name"), "{}", o.message);
    assert_eq!(stat(&server, "requests_total"), 0);
    // the same emulator is fine under its own name
    let good = builder(&server)
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::None)
        .add_ca_pem(server.ca_pem().unwrap().to_owned())
        .build()
        .unwrap();
    list(&good).expect("localhost is on the certificate");
}
