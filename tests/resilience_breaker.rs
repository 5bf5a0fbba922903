//! The circuit breaker against the emulator: it opens after the threshold of server
//! failures, then fails fast with `CircuitOpen` and a `retry_after` without sending
//! anything, lets one probe through after the recovery timeout, and closes on a good
//! probe (or opens again on a bad one). Client errors never open it.
//!
//! The clients run on a manual clock: the recovery timeout passes when a test advances
//! the clock, never while a slow machine runs the test.

mod resilience_support;

use std::sync::Arc;
use std::time::Duration;

use cloudconnexa::models::PageRequest;
use cloudconnexa::resilience::{BreakerConfig, BreakerState, ManualClock};
use cloudconnexa::{Client, ErrorKind};
use resilience_support::*;

const LIST: &str = "getNetworksPage";
const RECOVERY: Duration = Duration::from_secs(30);

/// A client with retries off and a breaker that opens after 3 failures for 30 s of a
/// manual clock that nobody advances.
fn breaker_client(server: &MockServer, tune: impl FnOnce(BreakerConfig) -> BreakerConfig) -> Client {
    breaker_client_on(server, ManualClock::new(), tune)
}

/// [`breaker_client`] on `clock`.
fn breaker_client_on(
    server: &MockServer,
    clock: Arc<ManualClock>,
    tune: impl FnOnce(BreakerConfig) -> BreakerConfig,
) -> Client {
    let cfg = tune(BreakerConfig {
        failure_threshold: 3,
        recovery_timeout: RECOVERY,
        ..BreakerConfig::default()
    });
    // no client-side limiter: with one, a 429 is waited out (up to the call deadline)
    // instead of reaching the breaker as an answer
    builder(server)
        .retry_policy(quick_retries(0))
        .rate_limit(None)
        .circuit_breaker(Some(cfg))
        .clock(clock)
        .build()
        .unwrap()
}

fn list(client: &Client) -> cloudconnexa::Result<usize> {
    client.networks().list(PageRequest::default()).map(|p| p.content.len())
}

#[test]
fn opens_after_the_threshold_fails_fast_then_half_opens_and_closes() {
    let server = start(opts());
    let clock = ManualClock::new();
    let client = breaker_client_on(&server, clock.clone(), |c| c);
    list(&client).expect("warm-up: token");
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks"}"#,
    ));

    for i in 1..=3 {
        assert_eq!(
            client.breaker_state(LIST),
            BreakerState::Closed,
            "closed before failure {i}"
        );
        expect_err(list(&client), "503", is_http(503));
    }
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Open,
        "open after 3 consecutive 503s"
    );
    assert_eq!(client.metrics().breaker.transitions, 1);

    // open: fails at once, nothing reaches the emulator
    let before = server.stats();
    for _ in 0..5 {
        let e = expect_err(list(&client), "open circuit", |k| matches!(k, ErrorKind::CircuitOpen));
        let ra = e.retry_after().expect("CircuitOpen says when to come back");
        assert_eq!(ra, RECOVERY, "no time passed on the clock since it opened");
        assert!(e.is_retryable());
    }
    let after = server.stats();
    assert_eq!(
        after["requests_total"], before["requests_total"],
        "no request was sent while open"
    );
    assert_eq!(after["operations"], before["operations"]);
    assert_eq!(client.metrics().breaker.rejections, 5);
    let rejections_while_open = 5 + 1 + 1; // and the hosts call and the early one below
    // a different operation on the same host is refused too (one breaker per host by default)
    expect_err(client.hosts().list(PageRequest::default()), "per-host breaker", |k| {
        matches!(k, ErrorKind::CircuitOpen)
    });

    // after the recovery timeout one probe goes through; the server is fine again
    server.clear_faults();
    clock.advance(RECOVERY - Duration::from_nanos(1));
    expect_err(list(&client), "open until the recovery timeout", |k| {
        matches!(k, ErrorKind::CircuitOpen)
    });
    clock.advance(Duration::from_nanos(1));
    assert_eq!(list(&client).expect("the probe succeeds"), 10);
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Closed,
        "a good probe closes the circuit"
    );
    // Closed -> Open -> HalfOpen -> Closed
    assert_eq!(client.metrics().breaker.transitions, 3);
    assert_eq!(op_count(&server, LIST, 200), 2, "warm-up and probe");
    assert_eq!(client.metrics().breaker.rejections, rejections_while_open);
    list(&client).expect("closed again");
}

#[test]
fn a_failed_probe_opens_the_circuit_again() {
    let server = start(opts());
    let clock = ManualClock::new();
    let client = breaker_client_on(&server, clock.clone(), |c| c);
    server.add_fault(rule(
        r#"{"kind":"status","status":502,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    for _ in 0..3 {
        expect_err(list(&client), "502", is_http(502));
    }
    assert_eq!(client.breaker_state(LIST), BreakerState::Open);
    clock.advance(RECOVERY);
    expect_err(list(&client), "failed probe", is_http(502));
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Open,
        "a bad probe opens it again"
    );
    assert_eq!(op_count(&server, LIST, 502), 4, "exactly one probe was sent");
    let e = expect_err(list(&client), "open again", |k| matches!(k, ErrorKind::CircuitOpen));
    assert_eq!(e.retry_after(), Some(RECOVERY), "a full recovery timeout again");
    // Closed -> Open -> HalfOpen -> Open
    assert_eq!(client.metrics().breaker.transitions, 3);
    assert_eq!(op_count(&server, LIST, 502), 4);
}

#[test]
fn client_errors_and_429_do_not_open_it() {
    let server = start(opts());
    let client = breaker_client(&server, |c| c);
    for status in [400u16, 403, 404, 409, 429] {
        server.set_faults(vec![rule(&format!(
            r#"{{"kind":"status","status":{status},"method":"GET","path":"/api/v1/networks"}}"#
        ))]);
        for _ in 0..5 {
            expect_err(list(&client), "client error", is_http(status));
        }
        assert_eq!(
            client.breaker_state(LIST),
            BreakerState::Closed,
            "5 x {status} leave the circuit closed"
        );
        assert_eq!(op_count(&server, LIST, status), 5);
    }
    assert_eq!(client.metrics().breaker.transitions, 0);
    server.clear_faults();
    list(&client).expect("still closed");
}

#[test]
fn only_consecutive_server_failures_count() {
    let server = start(opts());
    let client = breaker_client(&server, |c| c);
    let fault = |status: u16, count: &str| {
        rule(&format!(
            r#"{{"kind":"status","status":{status},"method":"GET","path":"/api/v1/networks"{count}}}"#
        ))
    };
    server.set_faults(vec![fault(503, "")]);
    expect_err(list(&client), "503", is_http(503));
    expect_err(list(&client), "503", is_http(503));
    // a 4xx is an answer from a working server: it resets the count
    server.set_faults(vec![fault(404, r#","count":1"#)]);
    expect_err(list(&client), "404", is_http(404));
    server.set_faults(vec![fault(503, "")]);
    expect_err(list(&client), "503", is_http(503));
    expect_err(list(&client), "503", is_http(503));
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Closed,
        "the 404 reset the failure count"
    );
    expect_err(list(&client), "503", is_http(503));
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Open,
        "three 503s in a row open it"
    );
}

#[test]
fn count_429_lets_a_429_storm_open_it() {
    let server = start(opts());
    let client = breaker_client(&server, |c| BreakerConfig { count_429: true, ..c });
    server.add_fault(rule(
        r#"{"kind":"rate_limit","method":"GET","path":"/api/v1/networks"}"#,
    ));
    for _ in 0..3 {
        expect_err(list(&client), "429", is_http(429));
    }
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Open,
        "count_429 counts 429 as failures"
    );
    expect_err(list(&client), "open", |k| matches!(k, ErrorKind::CircuitOpen));
    assert_eq!(op_count(&server, LIST, 429), 3);
}

#[test]
fn per_operation_breakers_are_separate() {
    let server = start(opts());
    let client = breaker_client(&server, |c| BreakerConfig {
        per_operation: true,
        ..c
    });
    server.add_fault(rule(
        r#"{"kind":"status","status":500,"method":"GET","path":"/api/v1/networks"}"#,
    ));
    for _ in 0..3 {
        expect_err(list(&client), "500", is_http(500));
    }
    assert_eq!(client.breaker_state(LIST), BreakerState::Open);
    assert_eq!(client.breaker_state("getHostsPage"), BreakerState::Closed);
    expect_err(list(&client), "open", |k| matches!(k, ErrorKind::CircuitOpen));
    client
        .hosts()
        .list(PageRequest::default())
        .expect("another operation is not affected");
}
