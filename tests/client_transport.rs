//! The transport under real sockets: TCP options read back from the kernel, the
//! DNS cache, connection reuse, the per-host cap, retry of a stale pooled
//! connection (idempotent methods only), sharing a transport, and TLS.

// Helpers return the library's own `Result`; the size of its `Error` is not this file's to change.
#![allow(clippy::result_large_err)]

mod common;

use std::collections::HashSet;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use cloudconnexa::{
    Client, ClientFactory, ClientOverrides, ErrorKind, Method, PoolWait, TimeoutPhase, TlsRoots, Transport,
    TransportOptions,
};
use common::*;
use socket2::SockRef;

/// A cheap authenticated GET through the whole pipeline.
fn get_networks(client: &Client) -> cloudconnexa::Result<cloudconnexa::RawResponse> {
    client.request(Method::Get, "/networks").query("size", 1).send()
}

// ---------------------------------------------------------------------------
// TCP options on the sockets the client opened
// ---------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct SockOpts {
    keepalive: bool,
    idle: Duration,
    interval: Duration,
    retries: u32,
    nodelay: bool,
}

/// Inodes of this network namespace's established TCP sockets whose remote port is `port`.
fn inodes_connected_to(port: u16) -> HashSet<u64> {
    let mut out = HashSet::new();
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if cols.len() < 10 || cols[3] != "01" {
                continue;
            }
            let rem_port = cols[2].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if rem_port == Some(port) {
                out.insert(cols[9].parse().unwrap());
            }
        }
    }
    out
}

/// The socket options of every socket of this process connected to `port` on loopback.
///
/// Only descriptors whose inode is a TCP socket connected to `port` are borrowed: those
/// are the pooled connections of the test's own client, which stay open while it lives.
fn client_sockets_to(port: u16) -> Vec<SockOpts> {
    let inodes = inodes_connected_to(port);
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<RawFd>() else {
            continue;
        };
        let Ok(link) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let link = link.to_string_lossy().into_owned();
        let Some(inode) = link.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) else {
            continue;
        };
        if !inodes.contains(&inode.parse::<u64>().unwrap()) {
            continue;
        }
        // SAFETY: this descriptor is a client connection to the test's own emulator, kept
        // open by the idle pool of a client the caller holds; nothing else uses it meanwhile.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = SockRef::from(&fd);
        let peer = sock.peer_addr().unwrap().as_socket().unwrap();
        assert!(
            peer.port() == port && peer.ip().is_loopback(),
            "fd {} peer {peer}",
            fd.as_raw_fd()
        );
        out.push(SockOpts {
            keepalive: sock.keepalive().unwrap(),
            idle: sock.tcp_keepalive_time().unwrap(),
            interval: sock.tcp_keepalive_interval().unwrap(),
            retries: sock.tcp_keepalive_retries().unwrap(),
            nodelay: sock.tcp_nodelay().unwrap(),
        });
    }
    out
}

/// Make one call with `client` to `server` and return the options of the client's sockets.
fn options_after_a_call(server: &MockServer, client: &Client) -> Vec<SockOpts> {
    get_networks(client).unwrap();
    let socks = client_sockets_to(server.port());
    assert!(
        !socks.is_empty(),
        "no client socket to port {} found in /proc/self/fd",
        server.port()
    );
    assert_eq!(socks.len() as u64, client.metrics().pool.opened);
    socks
}

#[test]
fn default_keepalive_and_nodelay_are_set_on_the_socket() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    for s in options_after_a_call(&server, &client) {
        assert_eq!(
            s,
            SockOpts {
                keepalive: true,
                idle: Duration::from_secs(60),
                interval: Duration::from_secs(10),
                retries: 6,
                nodelay: true
            }
        );
    }
}

#[test]
fn custom_keepalive_and_nodelay_are_set_on_the_socket() {
    let server = start(opts());
    let client = builder(&server)
        .tcp_keepalive(Some((Duration::from_secs(30), Duration::from_secs(5), 3)))
        .tcp_nodelay(false)
        .build()
        .unwrap();
    for s in options_after_a_call(&server, &client) {
        assert_eq!(
            s,
            SockOpts {
                keepalive: true,
                idle: Duration::from_secs(30),
                interval: Duration::from_secs(5),
                retries: 3,
                nodelay: false
            }
        );
    }
}

#[test]
fn keepalive_can_be_switched_off() {
    let server = start(opts());
    let client = builder(&server).tcp_keepalive(None).build().unwrap();
    for s in options_after_a_call(&server, &client) {
        assert!(!s.keepalive, "{s:?}");
        assert!(s.nodelay, "{s:?}");
    }
}

// ---------------------------------------------------------------------------
// DNS cache
// ---------------------------------------------------------------------------

fn localhost_url(server: &MockServer) -> String {
    format!("http://localhost:{}", server.port())
}

#[test]
fn dns_is_resolved_once_for_many_calls() {
    let server = start(opts());
    let client = builder(&server).api_url(localhost_url(&server)).build().unwrap();
    for _ in 0..200 {
        get_networks(&client).unwrap();
    }
    let dns = client.metrics().dns;
    assert_eq!(dns.lookups, 1, "{dns:?}");
    assert_eq!(dns.failures, 0, "{dns:?}");
    // the cache was asked (at least once per call), not bypassed
    assert!(dns.hits >= 200, "{dns:?}");
    assert_eq!(op_count(&server, "getNetworksPage", 200), 200);
}

#[test]
fn dns_cache_entry_expires_after_its_ttl() {
    // the TTL runs on the client's clock, here a manual one: however slow the machine,
    // the entry expires exactly when the test moves the clock past it
    let server = start(opts());
    let clock = cloudconnexa::resilience::ManualClock::new();
    let ttl = Duration::from_secs(300);
    let client = builder(&server)
        .api_url(localhost_url(&server))
        .dns_cache_ttl(Some(ttl))
        .clock(clock.clone())
        .build()
        .unwrap();
    get_networks(&client).unwrap(); // token + call: one lookup
    let lookups = || client.metrics().dns.lookups;
    assert_eq!(lookups(), 1);
    clock.advance(ttl - Duration::from_nanos(1));
    get_networks(&client).unwrap(); // still fresh
    assert_eq!(lookups(), 1);
    clock.advance(Duration::from_nanos(1));
    get_networks(&client).unwrap(); // one resolution, at the TTL
    assert_eq!(lookups(), 2, "exactly one more lookup after the TTL");
}

#[test]
fn dns_without_cache_resolves_every_time() {
    let server = start(opts());
    let client = builder(&server)
        .api_url(localhost_url(&server))
        .dns_cache_ttl(None)
        .build()
        .unwrap();
    for _ in 0..10 {
        get_networks(&client).unwrap();
    }
    let dns = client.metrics().dns;
    assert_eq!(dns.hits, 0, "no answer may come from a cache: {dns:?}");
    assert!(dns.lookups >= 10, "{dns:?}");
    // still one connection: resolving again does not mean reconnecting
    assert_eq!(client.metrics().pool.opened, 1);
}

// ---------------------------------------------------------------------------
// Connection reuse
// ---------------------------------------------------------------------------

/// Run `per_thread` calls on each of `threads` threads, all starting together; returns the failures.
fn hammer(clients: &[Client], threads: usize, per_thread: usize) -> Vec<cloudconnexa::Error> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (client, barrier) = (clients[i % clients.len()].clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                (0..per_thread)
                    .filter_map(|_| get_networks(&client).err())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
}

#[test]
fn eight_threads_share_at_most_eight_connections() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    let failures = hammer(std::slice::from_ref(&client), 8, 1000);
    assert!(
        failures.is_empty(),
        "{} failures, first: {}",
        failures.len(),
        failures[0]
    );
    assert_eq!(op_count(&server, "getNetworksPage", 200), 8000);
    let accepted = stat(&server, "connections_accepted");
    let opened = client.metrics().pool.opened;
    assert!(
        (1..=8).contains(&accepted),
        "emulator accepted {accepted} connections for 8 threads"
    );
    assert!(
        (1..=8).contains(&opened),
        "client opened {opened} connections for 8 threads"
    );
    assert_eq!(stat(&server, "tokens_issued"), 1);
}

// ---------------------------------------------------------------------------
// Per-host cap
// ---------------------------------------------------------------------------

/// Start `n` calls with `client` on threads, all at once.
fn spawn_calls(client: &Client, n: usize) -> Vec<thread::JoinHandle<cloudconnexa::Result<cloudconnexa::RawResponse>>> {
    let barrier = Arc::new(Barrier::new(n));
    (0..n)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                get_networks(&client)
            })
        })
        .collect()
}

/// Poll `cond` until it holds (panics after 10 s).
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// The emulator holds every `/networks` call until its faults change.
const STALL_NETWORKS: &str = r#"{"kind":"stall","path":"/api/v1/networks"}"#;

#[test]
fn per_host_cap_blocks_until_a_connection_is_free() {
    let server = start(opts());
    let client = builder(&server)
        .max_connections_per_host(Some(2))
        .pool_wait(PoolWait::Wait(Duration::from_secs(15)))
        .build()
        .unwrap();
    get_networks(&client).unwrap(); // token first
    server.add_fault(rule(STALL_NETWORKS));
    let calls = spawn_calls(&client, 8);
    // two calls hold the two slots (stalled in the emulator), six wait for one
    wait_for("2 in use, 6 waiting", || {
        let pool = client.metrics().pool;
        (pool.in_use, pool.waiting) == (2, 6)
    });
    assert!(stat(&server, "connections_accepted") <= 2);
    server.clear_faults(); // let the stalled calls finish; the waiting ones follow
    for c in calls {
        let r = c.join().unwrap();
        assert!(r.is_ok(), "{}", r.unwrap_err());
    }
    assert_eq!(op_count(&server, "getNetworksPage", 200), 1 + 8);
    let accepted = stat(&server, "connections_accepted");
    assert!(
        (1..=2).contains(&accepted),
        "emulator accepted {accepted} connections under a cap of 2"
    );
    let pool = client.metrics().pool;
    assert!(pool.opened <= 2, "{pool:?}");
    assert_eq!(pool.cap_waits, 6, "{pool:?}");
    assert_eq!(pool.cap_refusals, 0, "{pool:?}");
    assert_eq!((pool.in_use, pool.waiting), (0, 0), "slots not given back");
}

#[test]
fn per_host_cap_fails_fast_without_pool_wait() {
    let server = start(opts());
    let client = builder(&server)
        .max_connections_per_host(Some(2))
        .pool_wait(PoolWait::FailFast)
        .build()
        .unwrap();
    get_networks(&client).unwrap(); // token first
    server.add_fault(rule(STALL_NETWORKS));
    let calls = spawn_calls(&client, 8);
    wait_for("6 refusals", || {
        let pool = client.metrics().pool;
        pool.cap_refusals == 6 && pool.in_use == 2
    });
    server.clear_faults();
    let results: Vec<_> = calls.into_iter().map(|c| c.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let exhausted: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    for e in &exhausted {
        assert_eq!(e.kind(), &ErrorKind::PoolExhausted, "{e}");
        assert!(e.is_retryable(), "{e}");
    }
    assert_eq!(
        (ok, exhausted.len()),
        (2, 6),
        "2 calls hold the 2 slots, the other 6 fail at once"
    );
    assert_eq!(client.metrics().pool.cap_waits, 0);
    assert!(stat(&server, "connections_accepted") <= 2);
    assert_eq!(op_count(&server, "getNetworksPage", 200), 1 + 2);
}

#[test]
fn pool_wait_shorter_than_the_busy_call_times_out() {
    let server = start(opts());
    let client = builder(&server)
        .max_connections_per_host(Some(1))
        .pool_wait(PoolWait::Wait(Duration::from_millis(100)))
        .build()
        .unwrap();
    get_networks(&client).unwrap(); // token first
    server.add_fault(rule(STALL_NETWORKS));
    let busy = spawn_calls(&client, 1);
    wait_for("the busy call to take the only slot", || {
        client.metrics().pool.in_use == 1
    });
    let started = Instant::now();
    let e = expect_err(get_networks(&client), "second call", |k| {
        k == &ErrorKind::Timeout(TimeoutPhase::PoolWait)
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "pool wait of 100 ms took {:?}",
        started.elapsed()
    );
    assert!(e.is_retryable());
    assert_eq!(client.metrics().pool.cap_refusals, 1);
    server.clear_faults();
    for b in busy {
        assert!(b.join().unwrap().is_ok());
    }
    // the slot is free again
    get_networks(&client).unwrap();
}

// ---------------------------------------------------------------------------
// Stale pooled connections
// ---------------------------------------------------------------------------

/// A server that answers only the first request of each connection (keep-alive), and
/// reads the second then drops the connection unanswered (`reset`: RST, else FIN).
fn one_answer_per_connection(reset: bool) -> RawServer {
    RawServer::start(move |r| {
        if r.index_on_conn > 0 {
            return if reset { Reply::Reset } else { Reply::Close };
        }
        if is_token_request(r) {
            Reply::Send(token_response("tok-stale-test"))
        } else {
            Reply::Send(json_response(
                200,
                r#"{"content":[],"totalElements":0,"totalPages":0,"numberOfElements":0,"page":0,"size":10}"#,
            ))
        }
    })
}

fn stale_get_is_retried(reset: bool) {
    let server = one_answer_per_connection(reset);
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    // connection 0: token, then the GET, which the server drops; connection 1: the GET again
    let resp = client
        .request(Method::Get, "/networks")
        .send()
        .expect("GET must be retried on a fresh connection");
    assert_eq!(resp.status, 200);
    assert_eq!(server.connections(), 2);
    assert_eq!(server.count("GET", "/api/v1/networks"), 2, "{:?}", server.requests());
    assert_eq!(server.count("POST", "/api/v1/oauth/token"), 1);
    assert_eq!(client.metrics().pool.opened, 2);
}

#[test]
fn stale_pooled_connection_get_is_retried_after_close() {
    stale_get_is_retried(false);
}

#[test]
fn stale_pooled_connection_get_is_retried_after_reset() {
    stale_get_is_retried(true);
}

fn stale_post_is_not_retried(reset: bool) {
    let server = one_answer_per_connection(reset);
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let r = client
        .request(Method::Post, "/networks")
        .json(&serde_json::json!({"name": "n"}))
        .send();
    expect_err(r, "POST on a connection the server drops", |k| k == &ErrorKind::Io);
    assert_eq!(
        server.count("POST", "/api/v1/networks"),
        1,
        "the POST must never be sent twice: {:?}",
        server.requests()
    );
    assert_eq!(server.connections(), 1);
}

#[test]
fn stale_pooled_connection_post_is_not_retried_after_close() {
    stale_post_is_not_retried(false);
}

#[test]
fn stale_pooled_connection_post_is_not_retried_after_reset() {
    stale_post_is_not_retried(true);
}

#[test]
fn get_failing_on_a_fresh_connection_is_not_retried() {
    // every request except the token is dropped: the GET is retried once on a fresh
    // connection and then fails; a failure on a fresh connection is never retried again
    let server = RawServer::start(|r| {
        if is_token_request(r) {
            Reply::Send(token_response("tok"))
        } else {
            Reply::Close
        }
    });
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    expect_err(client.request(Method::Get, "/networks").send(), "GET", |k| {
        k == &ErrorKind::Io
    });
    assert_eq!(server.count("GET", "/api/v1/networks"), 2, "{:?}", server.requests());
}

// ---------------------------------------------------------------------------
// Sharing
// ---------------------------------------------------------------------------

#[test]
fn factory_returns_one_client_per_service_and_overrides() {
    let server = start(opts());
    let factory = ClientFactory::new(builder(&server)).unwrap();
    let plain = ClientOverrides::default();
    let a1 = factory.get_client("billing", &plain).unwrap();
    let a2 = factory.get_client("billing", &plain).unwrap();
    get_networks(&a1).unwrap();
    get_networks(&a2).unwrap();
    // same client: one token, one set of token counters
    assert_eq!(stat(&server, "tokens_issued"), 1);
    assert_eq!(a1.metrics().auth.token_fetches, 1);
    assert_eq!(a2.metrics().auth.token_fetches, 1);

    let other = ClientOverrides {
        user_agent: Some("billing-batch/1".into()),
        ..Default::default()
    };
    let b = factory.get_client("billing", &other).unwrap();
    let c = factory.get_client("reports", &plain).unwrap();
    for client in [&b, &c] {
        get_networks(client).unwrap();
        assert_eq!(client.metrics().auth.token_fetches, 1);
        assert_eq!(a1.metrics().auth.token_fetches, 1, "different key, same client");
    }
    assert_eq!(stat(&server, "tokens_issued"), 3);
    // one transport for all of them: same counters, one connection for sequential calls
    for client in [&a1, &b, &c] {
        assert_eq!(client.metrics().pool.opened, 1, "one shared pool");
    }
    assert_eq!(stat(&server, "connections_accepted"), 1);
}

#[test]
fn clients_sharing_a_transport_share_dns_cache_and_pool() {
    let server = start(opts());
    let t = Transport::new(&TransportOptions::default()).unwrap();
    let url = localhost_url(&server);
    let c1 = builder(&server).api_url(&url).transport(t.clone()).build().unwrap();
    let c2 = builder(&server)
        .api_url(&url)
        .user_agent("second/1")
        .transport(t.clone())
        .build()
        .unwrap();
    let failures = hammer(&[c1.clone(), c2.clone()], 4, 100);
    assert!(
        failures.is_empty(),
        "{} failures, first: {}",
        failures.len(),
        failures[0]
    );
    let (m1, m2) = (c1.metrics(), c2.metrics());
    assert_eq!(m1.dns.lookups, 1, "{:?}", m1.dns);
    let opened = m1.pool.opened;
    assert!((1..=4).contains(&opened), "{opened} connections for 4 threads");
    assert!(stat(&server, "connections_accepted") <= 4);
    assert_eq!((&m1.dns, &m1.pool), (&m2.dns, &m2.pool), "one DNS cache, one pool");
    assert_eq!(stat(&server, "tokens_issued"), 2, "each client has its own token");
}

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

fn tls_server() -> MockServer {
    let mut o = opts();
    o.tls = true;
    start(o)
}

#[test]
fn tls_with_only_the_test_ca_verifies() {
    let server = tls_server();
    assert!(server.base_url().starts_with("https://"));
    let ca = server.ca_pem().unwrap().to_owned();
    let client = builder(&server)
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::None)
        .add_ca_pem(ca)
        .build()
        .unwrap();
    assert_eq!(get_networks(&client).unwrap().status, 200);
    assert_eq!(op_count(&server, "getNetworksPage", 200), 1);
}

#[test]
fn tls_with_bundled_roots_rejects_the_test_ca() {
    let server = tls_server();
    let client = builder(&server)
        .allow_insecure_http(false)
        .tls_roots(TlsRoots::Bundled)
        .build()
        .unwrap();
    let e = expect_err(get_networks(&client), "unknown CA", |k| k == &ErrorKind::Tls);
    assert!(!e.is_retryable(), "a certificate failure is not retryable: {e}");
    assert_eq!(
        stat(&server, "requests_total"),
        0,
        "no request may pass an unverified handshake"
    );
}

#[test]
fn tls_with_bundled_roots_plus_the_test_ca_verifies() {
    let server = tls_server();
    let ca = server.ca_pem().unwrap().to_owned();
    let client = builder(&server)
        .tls_roots(TlsRoots::Bundled)
        .add_ca_pem(ca)
        .build()
        .unwrap();
    assert_eq!(get_networks(&client).unwrap().status, 200);
}
