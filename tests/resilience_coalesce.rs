//! GET coalescing and stale-if-error against the emulator: identical GETs in flight
//! together share one upstream request, and a GET that fails with server trouble can
//! be answered with the last good answer.
//!
//! "In flight together" is a rendezvous, not a time window: the emulator holds the
//! requests (a `stall` rule) until the test has seen every caller either send one or
//! join another's flight, and then releases them by changing the rules.

mod resilience_support;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use cloudconnexa::models::{Network, Page, PageRequest};
use cloudconnexa::resilience::BreakerConfig;
use cloudconnexa::{Client, ErrorKind};
use resilience_support::*;

const LIST: &str = "getNetworksPage";
const CALLERS: usize = 20;
const STALL: &str = r#"{"kind":"stall","method":"GET","path":"/api/v1/networks"}"#;

/// Wait until `cond` holds: a condition polled, not a time assumed (fails after 60 s).
fn until(what: &str, cond: impl Fn() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < give_up, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Requests the emulator holds (or held) with the stall rule.
fn stalled(server: &MockServer) -> u64 {
    server.stats()["faults"]["stall"].as_u64().unwrap_or(0)
}

/// 20 threads, each making the same GET, which the emulator holds until all 20 are in
/// flight: `requests` of them sent (the others joined a flight), then released.
fn twenty_at_once(coalesce: bool) -> (MockServer, Client, Vec<cloudconnexa::Result<Page<Network>>>) {
    let server = start(opts());
    let client = builder(&server).coalesce_gets(coalesce).build().unwrap();
    client.hosts().list(PageRequest::default()).expect("warm-up: token");
    server.add_fault(rule(STALL));
    let requests = if coalesce { 1 } else { CALLERS as u64 };
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CALLERS)
            .map(|_| scope.spawn(|| client.networks().list(PageRequest::new(0, 7))))
            .collect();
        until("every caller sent its GET or joined a flight", || {
            stalled(&server) == requests && stalled(&server) + client.metrics().coalesced == CALLERS as u64
        });
        server.clear_faults();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    (server, client, results)
}

#[test]
fn twenty_identical_gets_in_flight_share_one_request() {
    let (server, client, results) = twenty_at_once(true);
    let pages: Vec<Page<Network>> = results
        .into_iter()
        .map(|r| r.expect("every caller gets the answer"))
        .collect();
    assert_eq!(pages.len(), CALLERS);
    assert_eq!(pages[0].content.len(), 7);
    assert!(pages.iter().all(|p| *p == pages[0]), "all 20 callers get the same page");
    assert_eq!(
        op_statuses(&server, LIST),
        serde_json::json!({"200": 1}),
        "one upstream request"
    );
    assert_eq!(client.metrics().coalesced, (CALLERS - 1) as u64);
    assert_eq!(
        client.metrics().calls_started,
        2,
        "warm-up and one call went down the pipeline"
    );

    // the flight is over: the next identical GET is a new request
    client.networks().list(PageRequest::new(0, 7)).unwrap();
    assert_eq!(op_count(&server, LIST, 200), 2);
    assert_eq!(client.metrics().coalesced, (CALLERS - 1) as u64);
}

#[test]
fn without_coalescing_each_get_is_sent() {
    let (server, client, results) = twenty_at_once(false);
    let pages: Vec<Page<Network>> = results.into_iter().map(|r| r.expect("every call succeeds")).collect();
    assert!(pages.iter().all(|p| *p == pages[0]));
    assert_eq!(
        op_statuses(&server, LIST),
        serde_json::json!({"200": 20}),
        "one request per caller"
    );
    assert_eq!(client.metrics().coalesced, 0);
}

#[test]
fn different_gets_are_not_merged_and_errors_are_shared() {
    let server = start(opts());
    let client = builder(&server)
        .retry_policy(quick_retries(0))
        .circuit_breaker(None)
        .build()
        .unwrap();
    client.hosts().list(PageRequest::default()).expect("warm-up: token");
    server.add_fault(rule(STALL));
    // 10 callers want page 0, 10 want page 1; the emulator holds the two leaders'
    // requests until all 20 are in flight, then one of them gets a 503
    let barrier = Barrier::new(CALLERS);
    let results: Vec<(u32, cloudconnexa::Result<Page<Network>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CALLERS as u32)
            .map(|i| {
                let (client, barrier) = (&client, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    (i % 2, client.networks().list(PageRequest::new(i % 2, 5)))
                })
            })
            .collect();
        until("two leaders sent, 18 callers joined them", || {
            stalled(&server) == 2 && client.metrics().coalesced == (CALLERS - 2) as u64
        });
        // the held requests are decided again by the new rule: the first gets the 503
        server.set_faults(vec![rule(
            r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks","count":1}"#,
        )]);
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        op_total(&server, LIST),
        2,
        "one request per distinct GET: {}",
        op_statuses(&server, LIST)
    );
    assert_eq!(client.metrics().coalesced, (CALLERS - 2) as u64);
    // whichever page drew the 503, all its callers share that error; the others the page
    let failed: Vec<u32> = results.iter().filter(|(_, r)| r.is_err()).map(|(p, _)| *p).collect();
    assert_eq!(
        failed.len(),
        CALLERS / 2,
        "the 503 is shared by the callers of one page"
    );
    assert!(failed.iter().all(|p| *p == failed[0]));
    for (_, r) in &results {
        if let Err(e) = r {
            assert!(matches!(e.kind(), ErrorKind::Http { status: 503, .. }), "{e}");
        }
    }
}

#[test]
fn stale_if_error_serves_the_last_good_answer() {
    let server = start(opts());
    let client = builder(&server)
        .retry_policy(quick_retries(0))
        .stale_if_error(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    let fresh = client.networks().list(PageRequest::default()).expect("a good answer");
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    let stale = client
        .networks()
        .list(PageRequest::default())
        .expect("the stale answer hides the 503");
    assert_eq!(stale, fresh);
    assert_eq!(client.metrics().stale_served, 1);
    assert_eq!(op_count(&server, LIST, 503), 1, "the request was made and failed");

    // nothing is kept for a GET that never succeeded
    expect_err(
        client.networks().list(PageRequest::new(1, 10)),
        "never succeeded",
        is_http(503),
    );
    assert_eq!(client.metrics().stale_served, 1);

    // a 404 is an answer, not server trouble: it is not hidden
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":404,"method":"GET","path":"/api/v1/networks"}"#,
    )]);
    expect_err(client.networks().list(PageRequest::default()), "404", is_http(404));
    assert_eq!(client.metrics().stale_served, 1);
}

#[test]
fn stale_if_error_also_covers_an_open_circuit() {
    let server = start(opts());
    let client = builder(&server)
        .retry_policy(quick_retries(0))
        .circuit_breaker(Some(BreakerConfig {
            failure_threshold: 1,
            recovery_timeout: Duration::from_secs(60),
            ..BreakerConfig::default()
        }))
        .stale_if_error(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    let fresh = client.networks().list(PageRequest::default()).unwrap();
    server.add_fault(rule(
        r#"{"kind":"status","status":500,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    assert_eq!(
        client.networks().list(PageRequest::default()).unwrap(),
        fresh,
        "500 hidden, circuit opens"
    );
    let requests = stat(&server, "requests_total");
    assert_eq!(
        client.networks().list(PageRequest::default()).unwrap(),
        fresh,
        "CircuitOpen hidden"
    );
    assert_eq!(stat(&server, "requests_total"), requests, "nothing sent while open");
    assert_eq!(client.metrics().stale_served, 2);
}

#[test]
fn without_stale_if_error_the_error_surfaces() {
    let server = start(opts());
    let client = builder(&server).retry_policy(quick_retries(0)).build().unwrap();
    client.networks().list(PageRequest::default()).expect("a good answer");
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    expect_err(
        client.networks().list(PageRequest::default()),
        "no stale cache",
        is_http(503),
    );
    assert_eq!(client.metrics().stale_served, 0);
}
