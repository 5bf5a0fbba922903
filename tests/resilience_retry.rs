//! Retries against the emulator's fault injection: 5xx bursts are retried away,
//! `Retry-After` is honoured, POST is not repeated unless it provably was not processed
//! (or the caller opts in), 404 is final, the call deadline bounds all attempts
//! together, the retry budget refuses retries once spent, and a POST whose response
//! broke mid-body is never sent a second time.

mod resilience_support;

use std::time::{Duration, Instant};

use cloudconnexa::ErrorKind;
use cloudconnexa::models::{NetworkCreate, PageRequest};
use cloudconnexa::resilience::{BreakerState, Clock as _, RetryBudgetConfig, RetryPolicy};
use resilience_support::*;
use serde_json::json;

const LIST: &str = "getNetworksPage";

#[test]
fn a_burst_of_503_is_retried_until_the_call_succeeds() {
    let server = start(opts());
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks","count":3}"#,
    ));
    let client = builder(&server).build().unwrap();

    let page = client
        .networks()
        .list(PageRequest::default())
        .expect("three 503s are retried away");
    assert_eq!(page.content.len(), 10);
    // the rule fires on the first three requests only, so the 200 is the fourth
    assert_eq!(op_statuses(&server, LIST), json!({"503": 3, "200": 1}));
    assert_eq!(client.metrics().retries, 3);
    assert_eq!(client.metrics().calls_started, 1);
    assert_eq!(client.metrics().retry_budget_refusals, 0);
    assert_eq!(
        client.breaker_state(LIST),
        BreakerState::Closed,
        "3 failures stay under the default threshold of 10"
    );

    // every other retryable status of the default policy, one at a time
    for status in [500u16, 502, 504, 408] {
        server.add_fault(rule(&format!(
            r#"{{"kind":"status","status":{status},"method":"GET","path":"/api/v1/networks","count":1}}"#
        )));
        let before = client.metrics().retries;
        client
            .networks()
            .list(PageRequest::default())
            .unwrap_or_else(|e| panic!("{status} is retried: {e}"));
        assert_eq!(op_count(&server, LIST, status), 1, "{status}");
        assert_eq!(client.metrics().retries, before + 1, "{status}: one retry");
    }
    assert_eq!(op_count(&server, LIST, 200), 5);
}

/// One call against a single `fault`, with a 10 ms retry schedule; returns how long it took.
fn one_retried_call(fault: &str) -> (Duration, u64) {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    client
        .hosts()
        .list(PageRequest::default())
        .expect("warm-up: token and connection");
    server.add_fault(rule(fault));
    let t0 = Instant::now();
    client
        .networks()
        .list(PageRequest::default())
        .expect("the retry succeeds");
    let took = t0.elapsed();
    assert_eq!(op_count(&server, LIST, 200), 1);
    assert_eq!(
        op_total(&server, LIST),
        2,
        "one refused attempt, one retry: {}",
        op_statuses(&server, LIST)
    );
    assert_eq!(client.metrics().retries, 1);
    (took, client.metrics().limiter.throttled)
}

#[test]
fn retry_after_is_honoured_over_the_backoff_schedule() {
    // our schedule says 10 ms before the first retry; the server says 1 s
    let (baseline, _) = one_retried_call(r#"{"kind":"status","status":503,"path":"/api/v1/networks","count":1}"#);
    let (on_503, _) =
        one_retried_call(r#"{"kind":"status","status":503,"retry_after":"1","path":"/api/v1/networks","count":1}"#);
    let (on_429, throttled) =
        one_retried_call(r#"{"kind":"rate_limit","retry_after":"1","path":"/api/v1/networks","count":1}"#);
    eprintln!(
        "retry after a 503: {baseline:?} on the 10 ms schedule; with Retry-After: 1 {on_503:?} (503), {on_429:?} (429)"
    );
    // sleeping never ends early, so these lower bounds hold on any machine
    for (what, took) in [("503", on_503), ("429", on_429)] {
        assert!(
            took >= Duration::from_millis(990),
            "{what} with Retry-After: 1 retried after only {took:?}"
        );
        assert!(
            took < Duration::from_secs(10),
            "{what}: {took:?} is far beyond the 1 s asked for"
        );
    }
    assert!(
        baseline < on_503,
        "without Retry-After the 10 ms schedule applies ({baseline:?} vs {on_503:?})"
    );
    assert_eq!(throttled, 1, "the 429 is counted as throttled");
}

#[test]
fn post_is_not_retried_on_503_unless_asked() {
    let fault = r#"{"kind":"status","status":503,"method":"POST","path":"/api/v1/networks","count":1}"#;
    let body = |name: &str| NetworkCreate {
        name: name.into(),
        ..NetworkCreate::default()
    };

    // default policy: a 503 to a POST may have been processed; it is not repeated
    let server = start(opts());
    server.add_fault(rule(fault));
    let client = builder(&server).build().unwrap();
    let e = expect_err(client.networks().create(&body("once-only")), "POST 503", is_http(503));
    assert!(
        e.is_retryable(),
        "the error itself is retryable; the policy declines for POST"
    );
    assert_eq!(op_statuses(&server, "createNetwork"), json!({"503": 1}));
    assert_eq!(client.metrics().retries, 0);
    let all = client.networks().list_all().unwrap();
    assert!(!all.iter().any(|n| n.name == "once-only"));

    // opted in: retried, and the network is created once
    let server = start(opts());
    server.add_fault(rule(fault));
    let client = builder(&server)
        .retry_policy(RetryPolicy {
            retry_non_idempotent: true,
            ..quick_retries(5)
        })
        .build()
        .unwrap();
    let created = client
        .networks()
        .create(&body("retried"))
        .expect("the opted-in POST is retried");
    assert_eq!(created.name, "retried");
    assert_eq!(op_statuses(&server, "createNetwork"), json!({"503": 1, "201": 1}));
    assert_eq!(client.metrics().retries, 1);

    // 429 means "not processed": a POST is retried on it by default
    let server = start(opts());
    server.add_fault(rule(
        r#"{"kind":"rate_limit","method":"POST","path":"/api/v1/networks","count":1}"#,
    ));
    let client = builder(&server).build().unwrap();
    client
        .networks()
        .create(&body("after-429"))
        .expect("POST is retried after a 429");
    assert_eq!(op_statuses(&server, "createNetwork"), json!({"429": 1, "201": 1}));
}

#[test]
fn get_is_not_retried_on_404() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    expect_err(
        client.networks().get("00000000-0000-4000-8000-000000000000"),
        "unknown id",
        is_http(404),
    );
    assert_eq!(op_statuses(&server, "getNetwork"), json!({"404": 1}));

    server.add_fault(rule(
        r#"{"kind":"status","status":404,"path":"/api/v1/networks","count":1}"#,
    ));
    expect_err(
        client.networks().list(PageRequest::default()),
        "injected 404",
        is_http(404),
    );
    assert_eq!(op_statuses(&server, LIST), json!({"404": 1}));
    assert_eq!(client.metrics().retries, 0);
}

#[test]
fn the_call_timeout_bounds_all_attempts_together() {
    let server = start(opts());
    server.add_fault(rule(r#"{"kind":"status","status":503,"path":"/api/v1/networks"}"#));
    // 100 retries 200 ms apart would take 20 s; the call has 1.5 s
    let client = builder(&server)
        .call_timeout(Duration::from_millis(1500))
        .retry_policy(RetryPolicy {
            max_retries: 100,
            backoff_factor: Duration::from_millis(200),
            backoff_max: Duration::from_millis(200),
            jitter: false,
            ..RetryPolicy::default()
        })
        .retry_budget(None)
        .circuit_breaker(None)
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = expect_err(client.networks().list(PageRequest::default()), "503 forever", |k| {
        matches!(k, ErrorKind::Http { status: 503, .. } | ErrorKind::Timeout(_))
    });
    let took = t0.elapsed();
    let attempts = op_count(&server, LIST, 503);
    eprintln!("deadline 1.5 s: {attempts} attempts in {took:?}; {e}");
    assert!(
        took < Duration::from_secs(5),
        "the 1.5 s deadline must end the retries, took {took:?}"
    );
    // attempts start at 0, 0.2, … 1.4 s at the latest
    assert!(
        (2..=8).contains(&attempts),
        "{attempts} attempts in a 1.5 s deadline with 200 ms waits"
    );
    assert_eq!(client.metrics().retries, attempts - 1);

    // a Retry-After beyond the deadline: no pointless sleep, the error comes at once
    let server = start(opts());
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"retry_after":"60","path":"/api/v1/networks"}"#,
    ));
    let client = builder(&server)
        .call_timeout(Duration::from_secs(3))
        .retry_policy(RetryPolicy {
            backoff_max: Duration::from_secs(120),
            ..quick_retries(5)
        })
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = expect_err(
        client.networks().list(PageRequest::default()),
        "Retry-After 60",
        is_http(503),
    );
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "did not wait for a retry that cannot fit: {:?}",
        t0.elapsed()
    );
    assert_eq!(
        e.retry_after(),
        Some(Duration::from_secs(60)),
        "the server's wish is passed on"
    );
    // the server's error first, then why it was not retried; nothing said twice
    assert_eq!(
        e.to_string(),
        "HTTP 503: getNetworksPage: Injected fault: HTTP 503; not retried: the next attempt, due in 60.000 s, \
         would start after the call deadline (retry after 60.000 s)"
    );
    assert_eq!(op_count(&server, LIST, 503), 1);

    // a stalled attempt is cut by the deadline too, not by the 10 s read timeout
    let server = start(opts());
    server.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/networks"}"#));
    let client = builder(&server).call_timeout(Duration::from_secs(1)).build().unwrap();
    let t0 = Instant::now();
    expect_err(client.networks().list(PageRequest::default()), "stalled", |k| {
        matches!(k, ErrorKind::Timeout(_))
    });
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(990) && took < Duration::from_secs(5),
        "stalled call ended after {took:?}"
    );
    server.clear_faults();
}

#[test]
fn the_retry_budget_refuses_retries_once_spent() {
    let server = start(opts());
    server.add_fault(rule(r#"{"kind":"status","status":503,"path":"/api/v1/networks"}"#));
    // no ratio, a floor of 2 retries per 10 s
    let client = builder(&server)
        .retry_budget(Some(RetryBudgetConfig {
            ratio: 0.0,
            min_retries: 2,
            window: Duration::from_secs(10),
        }))
        .circuit_breaker(None)
        .build()
        .unwrap();
    let e = expect_err(
        client.networks().list(PageRequest::default()),
        "first call",
        is_http(503),
    );
    assert!(
        e.message()
            .ends_with("; not retried: the retry budget is exhausted (too many retries lately)"),
        "the error says why it stopped: {e}"
    );
    assert_eq!(client.metrics().retries, 2, "the floor of 2");
    assert_eq!(client.metrics().retry_budget_refusals, 1);
    assert_eq!(op_count(&server, LIST, 503), 3);
    expect_err(
        client.networks().list(PageRequest::default()),
        "second call",
        is_http(503),
    );
    assert_eq!(client.metrics().retries, 2, "nothing left in the window");
    assert_eq!(client.metrics().retry_budget_refusals, 2);
    assert_eq!(op_count(&server, LIST, 503), 4);

    // the default budget: 10 retries plus 20 % of the calls in 10 s
    let server = start(opts());
    server.add_fault(rule(r#"{"kind":"status","status":503,"path":"/api/v1/networks"}"#));
    let client = builder(&server).circuit_breaker(None).build().unwrap();
    for _ in 0..4 {
        expect_err(
            client.networks().list(PageRequest::default()),
            "503 forever",
            is_http(503),
        );
    }
    eprintln!(
        "default budget, 4 calls: {} retries, {} refusals",
        client.metrics().retries,
        client.metrics().retry_budget_refusals
    );
    assert_eq!(
        client.metrics().retries,
        10,
        "4 calls: 10 + 0.2 * 4 = 10.8 retries allowed"
    );
    assert_eq!(
        client.metrics().retry_budget_refusals,
        2,
        "calls 3 and 4 are refused their first retry"
    );
    assert_eq!(op_count(&server, LIST, 503), 14);
}

#[test]
fn a_post_is_never_sent_twice_after_a_reset_mid_response() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    client
        .networks()
        .list(PageRequest::default())
        .expect("warm-up: token and a pooled connection");
    server.add_fault(rule(
        r#"{"kind":"reset_mid_body","method":"POST","path":"/api/v1/networks","count":1}"#,
    ));

    let body = NetworkCreate {
        name: "created-once".into(),
        ..NetworkCreate::default()
    };
    let e = expect_err(client.networks().create(&body), "reset mid-body", |k| {
        matches!(k, ErrorKind::Io)
    });
    eprintln!("POST after a reset mid-body: {e}");
    assert_eq!(
        op_statuses(&server, "createNetwork"),
        json!({"201": 1}),
        "the POST reached the server exactly once"
    );
    assert_eq!(client.metrics().retries, 0);
    assert_eq!(client.metrics().stale_connection_retries, 0);
    let all = client.networks().list_all().unwrap();
    assert_eq!(
        all.iter().filter(|n| n.name == "created-once").count(),
        1,
        "exactly one network was created"
    );

    // the same break on a GET is retried and succeeds
    server.add_fault(rule(
        r#"{"kind":"reset_mid_body","method":"GET","path":"/api/v1/networks","count":1}"#,
    ));
    let before = op_count(&server, LIST, 200);
    client
        .networks()
        .list(PageRequest::default())
        .expect("a GET is sent again");
    assert_eq!(op_count(&server, LIST, 200), before + 2);
}

// ---------------------------------------------------------------------------
// Backoff and deadline on the client's clock; cancelling a backoff
// ---------------------------------------------------------------------------

/// A client that retries once after a jitter-free `backoff`, within `call`, on `clock`
/// (the system clock when `None`), with its token already fetched.
fn one_slow_retry(
    server: &MockServer,
    backoff: Duration,
    call: Duration,
    clock: Option<std::sync::Arc<cloudconnexa::resilience::ManualClock>>,
) -> cloudconnexa::Client {
    let mut b = builder(server)
        .retry_policy(RetryPolicy {
            max_retries: 1,
            backoff_factor: backoff,
            backoff_max: backoff,
            jitter: false,
            ..RetryPolicy::default()
        })
        .retry_budget(None)
        .call_timeout(call);
    if let Some(c) = clock {
        b = b.clock(c);
    }
    let client = b.build().unwrap();
    client.networks().list(PageRequest::default()).expect("warm-up: token");
    client
}

const ONE_503: &str = r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks","count":1}"#;

#[test]
fn backoff_sleeps_on_the_clients_clock() {
    // ten minutes of backoff on a manual clock pass at once and move that clock
    let server = start(opts());
    let clock = cloudconnexa::resilience::ManualClock::new();
    let backoff = Duration::from_secs(600);
    let client = one_slow_retry(&server, backoff, Duration::from_secs(3600), Some(clock.clone()));
    let before = clock.now_nanos();
    server.add_fault(rule(ONE_503));
    client
        .networks()
        .list(PageRequest::default())
        .expect("the retry succeeds");
    assert_eq!(
        clock.now_nanos() - before,
        backoff.as_nanos() as u64,
        "slept exactly the backoff"
    );
    assert_eq!(op_count(&server, "getNetworksPage", 503), 1);
    assert_eq!(client.metrics().retries, 1);
}

#[test]
fn the_call_deadline_is_read_on_the_clients_clock() {
    // a 20 s backoff does not fit in a 10 s call on the client's clock: no retry, and
    // no real time is spent finding that out
    let server = start(opts());
    let client = one_slow_retry(
        &server,
        Duration::from_secs(20),
        Duration::from_secs(10),
        Some(cloudconnexa::resilience::ManualClock::new()),
    );
    server.add_fault(rule(ONE_503));
    let e = expect_err(client.networks().list(PageRequest::default()), "503", is_http(503));
    assert!(e.to_string().contains("deadline"), "{e}");
    assert_eq!(op_count(&server, "getNetworksPage", 503), 1);
    assert_eq!(client.metrics().retries, 0);
}

#[test]
fn a_cancel_ends_a_backoff_at_once() {
    // system clock, a ten-minute backoff: only the cancel can end this call in time
    let server = start(opts());
    let client = one_slow_retry(&server, Duration::from_secs(600), Duration::from_secs(3600), None);
    server.add_fault(rule(ONE_503));
    let token = cloudconnexa::CancelToken::new();
    let call = {
        let (client, token) = (client.clone(), token.clone());
        std::thread::spawn(move || cloudconnexa::with_cancel(&token, || client.networks().list(PageRequest::default())))
    };
    // rendezvous: the first attempt got its 503, so the call is in (or entering) its
    // backoff; a cancel before the sleep starts ends it just as well
    let give_up = Instant::now() + Duration::from_secs(60);
    while op_count(&server, "getNetworksPage", 503) == 0 {
        assert!(Instant::now() < give_up, "the first attempt never arrived");
        std::thread::sleep(Duration::from_millis(1));
    }
    token.cancel();
    let e = call.join().unwrap().expect_err("cancelled");
    assert_eq!(e.kind(), &ErrorKind::Cancelled, "{e}");
    assert_eq!(
        op_total(&server, "getNetworksPage"),
        2,
        "warm-up and the one attempt: no retry was sent"
    );
}
