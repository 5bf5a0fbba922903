//! The fresh-read cache against the emulator: reads within the time to live spend no
//! request and no rate-limit token; the time to live runs on the injected manual clock;
//! writes invalidate their family (and only theirs); clients of one `ClientFactory` share
//! entries and invalidation, different client ids never share entries; the size is
//! bounded; the tokens-saved metric counts cache hits, coalesced calls and large pages;
//! and it works beside stale-if-error.

mod resilience_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use cloudconnexa::models::{NetworkUpdate, PageRequest};
use cloudconnexa::resilience::{ManualClock, ReadCacheConfig};
use cloudconnexa::{Client, ClientBuilder, ClientFactory, ClientOverrides, ErrorKind, Method};
use resilience_support::*;

const LIST: &str = "getNetworksPage";
const GET: &str = "getNetwork";
const HOSTS: &str = "getHostsPage";
const TTL: Duration = Duration::from_secs(60);

/// A client builder on the emulator with a read cache of `TTL` on the manual `clock`, and
/// no client-side limiter (its waits would move the manual clock).
fn cached(server: &MockServer, clock: &Arc<ManualClock>, cfg: ReadCacheConfig) -> ClientBuilder {
    builder(server)
        .rate_limit(None)
        .clock(clock.clone())
        .read_cache(Some(cfg))
}

fn ttl(d: Duration) -> ReadCacheConfig {
    ReadCacheConfig::new(d)
}

/// The emulator's rate-limit bucket as the last answer to a GET of `path` with a
/// query that no cache has seen: its `x-ratelimit-remaining`.
fn remaining(client: &Client, probe: u32) -> u64 {
    let r = client
        .request(Method::Get, "/user-groups")
        .query("page", 0)
        .query("size", probe)
        .send()
        .expect("probe");
    r.headers
        .iter()
        .find(|(k, _)| k == "x-ratelimit-remaining")
        .map(|(_, v)| v.parse().unwrap())
        .expect("x-ratelimit-remaining")
}

/// Register another API client id with the emulator (`POST /__mock/credentials`).
fn add_credentials(server: &MockServer, id: &str, secret: &str) {
    let body = format!(r#"{{"client_id":"{id}","client_secret":"{secret}"}}"#);
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /__mock/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}

#[test]
fn reads_within_the_ttl_spend_no_request_and_no_token() {
    let mut o = opts();
    // the real bucket's shape, refilled so slowly that it does not move during the test
    o.rate_limit.enabled = true;
    o.rate_limit.burst = 1000;
    o.rate_limit.replenish_rate = 1;
    o.rate_limit.replenish_time_secs = 86_400;
    let server = start(o);
    let clock = ManualClock::new();
    let client = cached(&server, &clock, ttl(TTL)).build().unwrap();

    let first = client.networks().list(PageRequest::new(0, 5)).unwrap();
    let before = remaining(&client, 1);
    let (requests, emulator) = (client.metrics().total_requests(), stat(&server, "requests_total"));
    for _ in 0..10 {
        clock.advance(Duration::from_secs(5));
        assert_eq!(client.networks().list(PageRequest::new(0, 5)).unwrap(), first);
    }
    assert_eq!(op_count(&server, LIST, 200), 1, "one request for eleven reads");
    assert_eq!(stat(&server, "requests_total"), emulator, "the emulator saw nothing");
    assert_eq!(client.metrics().total_requests(), requests, "the client sent nothing");
    assert_eq!(remaining(&client, 2), before - 1, "only the probe spent a token");
    let m = client.metrics();
    assert_eq!((m.read_cache.hits, m.read_cache.misses), (10, 3), "{:?}", m.read_cache);
    assert_eq!(m.tokens_saved.cache, 10);
    assert_eq!(m.read_cache.entries, 3, "the list and the two probes");
    let calls: u64 = m
        .calls
        .iter()
        .filter(|c| c.operation == LIST)
        .map(|c| c.succeeded)
        .sum();
    assert_eq!(calls, 11, "a hit is still a call");
    let text = m.to_prometheus();
    assert!(text.contains("cloudconnexa_read_cache_hits_total 10\n"), "{text}");
    assert!(
        text.contains("cloudconnexa_tokens_saved_total{reason=\"cache\"} 10\n"),
        "{text}"
    );

    // 50 s old: still fresh; at 60 s it has expired and the read goes to the server
    clock.advance(Duration::from_secs(10));
    client.networks().list(PageRequest::new(0, 5)).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2, "expired after the TTL");
    client.networks().list(PageRequest::new(0, 5)).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2, "and fresh again");
    // another URL of the family is another entry
    client.networks().list(PageRequest::new(1, 5)).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 3);
}

#[test]
fn ttl_per_family_and_zero_switches_a_family_off() {
    let server = start(opts());
    let clock = ManualClock::new();
    let cfg = ttl(Duration::from_secs(10))
        .family_ttl("hosts", Duration::from_secs(100))
        .family_ttl("users", Duration::ZERO);
    let client = cached(&server, &clock, cfg).build().unwrap();
    let read = |c: &Client| {
        c.networks().list(PageRequest::default()).unwrap();
        c.hosts().list(PageRequest::default()).unwrap();
        c.users().list(PageRequest::default()).unwrap();
    };
    read(&client);
    read(&client);
    assert_eq!(op_count(&server, LIST, 200), 1);
    assert_eq!(op_count(&server, HOSTS, 200), 1);
    assert_eq!(op_count(&server, "getUsers", 200), 2, "users are not cached");
    clock.advance(Duration::from_secs(10));
    read(&client);
    assert_eq!(op_count(&server, LIST, 200), 2, "networks live 10 s");
    assert_eq!(op_count(&server, HOSTS, 200), 1, "hosts 100 s");
    let m = client.metrics();
    assert_eq!((m.read_cache.hits, m.read_cache.misses), (3, 3), "{:?}", m.read_cache);
}

#[test]
fn a_write_invalidates_its_family_and_only_its_family() {
    let server = start(opts());
    let clock = ManualClock::new();
    let client = cached(&server, &clock, ttl(TTL)).build().unwrap();
    let net = client
        .networks()
        .list(PageRequest::new(0, 1))
        .unwrap()
        .content
        .remove(0);
    assert_eq!(client.networks().get(&net.id).unwrap(), net);
    client.hosts().list(PageRequest::default()).unwrap();
    client.networks().get(&net.id).unwrap();
    assert_eq!(op_count(&server, GET, 200), 1);

    // a successful write: the next read goes to the server and sees the change
    let mut update = NetworkUpdate::from(&net);
    update.name = "renamed-by-the-test".into();
    client.networks().update(&net.id, &update).unwrap();
    assert_eq!(client.networks().get(&net.id).unwrap().name, "renamed-by-the-test");
    assert_eq!(op_count(&server, GET, 200), 2);
    let page = client.networks().list(PageRequest::new(0, 1)).unwrap();
    assert_eq!(page.content[0].name, "renamed-by-the-test", "the list was dropped too");
    assert_eq!(op_count(&server, LIST, 200), 2);
    // a sub-collection belongs to its parent's family
    client
        .network_routes()
        .list(Some(&net.id), PageRequest::default())
        .unwrap();
    // the hosts were not touched
    client.hosts().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, HOSTS, 200), 1, "another family stays cached");

    // a failed write invalidates too (it may have been applied)
    client.networks().get(&net.id).unwrap();
    assert_eq!(op_count(&server, GET, 200), 2, "cached again");
    expect_err(client.networks().delete("no-such-network"), "unknown id", is_http(404));
    client.networks().get(&net.id).unwrap();
    assert_eq!(op_count(&server, GET, 200), 3, "dropped by the failed DELETE");
    let routes = op_total(&server, "getNetworkRoutesPage");
    client
        .network_routes()
        .list(Some(&net.id), PageRequest::default())
        .unwrap();
    assert_eq!(
        op_total(&server, "getNetworkRoutesPage"),
        routes + 1,
        "routes are networks"
    );
    assert!(client.metrics().read_cache.invalidated >= 4);

    // the explicit invalidation drops a family without a write
    client.hosts().list(PageRequest::default()).unwrap();
    client.invalidate_read_cache(Some("hosts"));
    client.hosts().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, HOSTS, 200), 2);
}

#[test]
fn clients_of_one_factory_share_entries_and_invalidation() {
    let server = start(opts());
    let clock = ManualClock::new();
    let factory = ClientFactory::new(cached(&server, &clock, ttl(TTL))).unwrap();
    let a = factory.get_client("a", &ClientOverrides::default()).unwrap();
    let b = factory
        .get_client(
            "b",
            &ClientOverrides {
                user_agent: Some("service-b".into()),
                ..ClientOverrides::default()
            },
        )
        .unwrap();
    let pa = a.networks().list(PageRequest::default()).unwrap();
    let pb = b.networks().list(PageRequest::default()).unwrap();
    assert_eq!(pa, pb);
    assert_eq!(op_count(&server, LIST, 200), 1, "b read a's entry");
    assert_eq!(b.metrics().read_cache.hits, 1);
    assert_eq!(a.metrics().read_cache.entries, 1, "one shared entry");

    // b's write drops a's entry
    let net = &pa.content[0];
    b.networks().update(&net.id, &NetworkUpdate::from(net)).unwrap();
    a.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2);
    b.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2, "and b reads a's new one");

    // a client without a read cache on the same transport still invalidates
    let plain = builder(&server).transport(factory.transport().clone()).build().unwrap();
    plain.networks().update(&net.id, &NetworkUpdate::from(net)).unwrap();
    a.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 3);
    assert!(!plain.metrics().read_cache.enabled);

    // another factory is another cache
    let other = ClientFactory::new(cached(&server, &clock, ttl(TTL))).unwrap();
    let c = other.get_client("a", &ClientOverrides::default()).unwrap();
    c.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 4);
}

#[test]
fn different_client_ids_never_share_entries() {
    let server = start(opts());
    add_credentials(&server, "second-id", "second-secret");
    let clock = ManualClock::new();
    let first = cached(&server, &clock, ttl(TTL)).build().unwrap();
    let second = builder_for(&server.base_url(), "second-id", "second-secret")
        .rate_limit(None)
        .clock(clock.clone())
        .read_cache(Some(ttl(TTL)))
        .transport(first.transport().clone())
        .build()
        .unwrap();
    first.networks().list(PageRequest::default()).unwrap();
    second.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2, "each client id asked the server");
    first.networks().list(PageRequest::default()).unwrap();
    second.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2, "each hit its own entry");
    assert_eq!(first.metrics().read_cache.entries, 2);
    assert_eq!(
        (first.metrics().read_cache.hits, second.metrics().read_cache.hits),
        (1, 1)
    );
    // a write by one id drops the family for both (they may be one account)
    let net = first
        .networks()
        .get(&first.networks().list(PageRequest::default()).unwrap().content[0].id);
    let net = net.unwrap();
    second.networks().update(&net.id, &NetworkUpdate::from(&net)).unwrap();
    assert_eq!(first.metrics().read_cache.entries, 0);
}

#[test]
fn the_size_is_bounded_and_evictions_are_counted() {
    let server = start(opts());
    let clock = ManualClock::new();
    let client = cached(&server, &clock, ttl(TTL).with_max_entries(3)).build().unwrap();
    let ids: Vec<String> = client
        .networks()
        .list(PageRequest::new(0, 5))
        .unwrap()
        .content
        .into_iter()
        .map(|n| n.id)
        .collect();
    client.invalidate_read_cache(None);
    for id in &ids {
        client.networks().get(id).unwrap();
    }
    let m = client.metrics().read_cache;
    assert_eq!((m.entries, m.evictions), (3, 2), "{m:?}");
    assert!(m.bytes > 0);
    // the three most recent are cached, the two oldest were evicted
    for id in &ids[2..] {
        client.networks().get(id).unwrap();
    }
    assert_eq!(op_count(&server, GET, 200), 5);
    client.networks().get(&ids[0]).unwrap();
    assert_eq!(op_count(&server, GET, 200), 6, "evicted");
    let m = client.metrics();
    assert_eq!(m.read_cache.evictions, 3);
    assert!(
        m.to_prometheus()
            .contains("cloudconnexa_read_cache_evictions_total 3\n"),
        "{}",
        m.to_prometheus()
    );
    assert!(m.to_prometheus().contains("cloudconnexa_read_cache_entries 3\n"));
}

#[test]
fn tokens_saved_counts_cache_hits_coalesced_calls_and_large_pages() {
    let mut o = opts();
    o.seed.hosts = 1234;
    let server = start(o);
    let clock = ManualClock::new();
    let client = cached(&server, &clock, ttl(TTL)).build().unwrap();

    // large pages: 1234 hosts in pages of 1000 are 2 requests; pages of 10 would be 124
    let hosts = client.hosts().list_all().unwrap();
    assert_eq!(hosts.len(), 1234);
    assert_eq!(op_count(&server, HOSTS, 200), 2);
    assert_eq!(client.metrics().tokens_saved.large_page, 122);
    // a page fetched on its own is the caller's choice: not counted
    client.hosts().list(PageRequest::new(0, 500)).unwrap();
    assert_eq!(client.metrics().tokens_saved.large_page, 122);

    // coalescing: callers released together share one request while it is held 300 ms
    const CALLERS: usize = 8;
    server.add_fault(rule(
        r#"{"kind":"latency","ms":300,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    let barrier = Barrier::new(CALLERS);
    std::thread::scope(|scope| {
        for _ in 0..CALLERS {
            scope.spawn(|| {
                barrier.wait();
                client.networks().list(PageRequest::new(0, 3)).unwrap();
            });
        }
    });
    assert_eq!(op_count(&server, LIST, 200), 1);
    let m = client.metrics();
    // a caller that arrives after the flight ended is answered by the cache instead
    assert_eq!(m.tokens_saved.coalesce, client.metrics().coalesced);
    assert!(m.tokens_saved.coalesce >= 1, "{:?}", m.tokens_saved);
    assert_eq!(m.tokens_saved.coalesce + m.tokens_saved.cache, (CALLERS - 1) as u64);

    // cache hits; a hit of a large page counts the cache's token and the large page's others
    let cache_before = m.tokens_saved.cache;
    client.hosts().list_all().unwrap();
    let m = client.metrics();
    assert_eq!(op_count(&server, HOSTS, 200), 3, "both pages from the cache");
    assert_eq!(m.tokens_saved.cache, cache_before + 2);
    assert_eq!(m.tokens_saved.large_page, 244);
    assert_eq!(
        m.tokens_saved.total(),
        m.tokens_saved.cache + m.tokens_saved.coalesce + m.tokens_saved.large_page
    );
    let text = m.to_prometheus();
    for (reason, v) in [
        ("cache", m.tokens_saved.cache),
        ("coalesce", m.tokens_saved.coalesce),
        ("large_page", 244),
    ] {
        let line = format!("cloudconnexa_tokens_saved_total{{reason=\"{reason}\"}} {v}\n");
        assert!(text.contains(&line), "{line} in {text}");
    }
    assert_eq!(
        text.matches("# TYPE cloudconnexa_tokens_saved_total counter").count(),
        1
    );
    let json: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    assert_eq!(json["tokens_saved"]["large_page"], 244);
    assert_eq!(json["read_cache"]["enabled"], true);
}

#[test]
fn without_a_read_cache_only_coalescing_and_large_pages_save_tokens() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    client.networks().list(PageRequest::default()).unwrap();
    client.networks().list(PageRequest::default()).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2);
    client.networks().list_all().unwrap();
    let m = client.metrics();
    assert!(!m.read_cache.enabled);
    assert_eq!(
        (m.read_cache.hits, m.read_cache.misses, m.tokens_saved.cache),
        (0, 0, 0)
    );
    assert_eq!(
        m.tokens_saved.large_page, 1,
        "20 seeded networks: 2 pages of 10, 1 of 1000"
    );
    assert!(m.to_prometheus().contains("cloudconnexa_read_cache_hits_total 0\n"));
}

#[test]
fn it_works_beside_stale_if_error() {
    let server = start(opts());
    let clock = ManualClock::new();
    let client = cached(&server, &clock, ttl(Duration::from_secs(10)))
        .retry_policy(quick_retries(0))
        .stale_if_error(Some(Duration::from_secs(300)))
        .build()
        .unwrap();
    let fresh = client.networks().list(PageRequest::default()).unwrap();
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    // within the TTL the fresh cache answers: the failing server is not even asked
    assert_eq!(client.networks().list(PageRequest::default()).unwrap(), fresh);
    assert_eq!(op_count(&server, LIST, 503), 0);
    assert_eq!(client.metrics().stale_served, 0);

    // after the TTL the read goes to the server, fails, and stale-if-error answers
    clock.advance(Duration::from_secs(11));
    assert_eq!(client.networks().list(PageRequest::default()).unwrap(), fresh);
    assert_eq!(op_count(&server, LIST, 503), 1);
    assert_eq!(client.metrics().stale_served, 1);
    // the stale answer is not stored as fresh: the next read asks the server again
    assert_eq!(client.networks().list(PageRequest::default()).unwrap(), fresh);
    assert_eq!(op_count(&server, LIST, 503), 2);
    assert_eq!(client.metrics().stale_served, 2);

    // a failure that is not served stale is not cached either
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":404,"method":"GET","path":"/api/v1/networks"}"#,
    )]);
    expect_err(client.networks().list(PageRequest::default()), "404", is_http(404));
    server.clear_faults();
    assert_eq!(client.networks().list(PageRequest::default()).unwrap(), fresh);
    assert_eq!(op_count(&server, LIST, 200), 2);
    assert_eq!(client.networks().list(PageRequest::default()).unwrap(), fresh);
    assert_eq!(op_count(&server, LIST, 200), 2, "fresh again");
}

#[test]
fn bad_settings_fail_the_build() {
    let server = start(opts());
    let bad = [
        ttl(TTL).with_max_entries(0),
        ttl(TTL).with_max_bytes(0),
        ttl(Duration::from_secs(30 * 3600)),
        ttl(TTL).family_ttl("networks", Duration::from_secs(25 * 3600)),
        ttl(TTL).family_ttl("", TTL),
        ttl(TTL).family_ttl("api/v1/networks", TTL),
    ];
    for cfg in bad {
        let e = builder(&server).read_cache(Some(cfg.clone())).build().unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{cfg:?}");
        assert!(e.to_string().contains("read_cache"), "{e}");
        assert!(ClientFactory::new(builder(&server).read_cache(Some(cfg))).is_err());
    }
    assert!(
        builder(&server)
            .read_cache(Some(ReadCacheConfig::default()))
            .build()
            .is_ok()
    );
    assert!(builder(&server).read_cache(None).build().is_ok());
}
