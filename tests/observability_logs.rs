//! What the client writes to the `log` facade, captured at trace level by one global
//! logger: no line (nor the lines of a thread put together, since a hex dump splits its
//! bytes over rows) holds the client secret, a bearer token, `Bearer `, `Basic ` or the
//! base64 of `id:secret`, whatever happens (an auth failure, a retry storm with a token
//! refresh, the retry budget running out, a breaker cycle); breaker transitions, the auth
//! failure and the refused retry are warnings; a steady state of successful calls logs
//! nothing at info or above.
//!
//! The tokens must be known to be looked for, so the sub-tests that need one talk to a raw
//! `TcpListener` server that issues known token strings; the auth failure runs against the
//! emulator started with a known secret.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use base64::Engine;
use cloudconnexa::models::PageRequest;
use cloudconnexa::resilience::{BreakerConfig, BreakerState, RetryBudgetConfig, RetryPolicy};
use cloudconnexa::{Client, ClientBuilder, ErrorKind};
use cloudconnexa_mock::{MockOptions, MockServer};
use log::Level;

const CLIENT_ID: &str = "obs-logs-client";
const SECRET: &str = "Sx7-known-client-secret-Q9zv";
const WRONG_SECRET: &str = "Wr0ng-known-secret-Kp2m";
/// Tokens the raw servers issue, in order.
const TOKENS: [&str; 3] = [
    "tokA1-known-bearer-9f3b2c",
    "tokB2-known-bearer-7d1e4a",
    "tokC3-known-bearer-5a8c6e",
];

fn basic(id: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

// ---------------------------------------------------------------------------
// The capturing logger
// ---------------------------------------------------------------------------

#[path = "log_capture/mod.rs"]
mod log_capture;
use log_capture::{Line, all_lines, capture, my_lines};

/// The bytes of a hex-dump row (`4854 5450 2f31 ...  HTTP/1...`), if the line is one.
fn hex_row(text: &str) -> Option<Vec<u8>> {
    let hex = text.split("  ").next()?;
    let digits: String = hex.split(' ').collect();
    if digits.len() < 2 || digits.len() > 32 || !hex.contains(' ') {
        return None;
    }
    let digits = digits.trim_end_matches('-');
    if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok())
        .collect()
}

/// Everything that must never be logged.
fn forbidden() -> Vec<String> {
    let mut f = vec![
        SECRET.to_string(),
        WRONG_SECRET.to_string(),
        basic(CLIENT_ID, SECRET),
        basic(CLIENT_ID, WRONG_SECRET),
        "Bearer ".to_string(),
        "Basic ".to_string(),
    ];
    f.extend(TOKENS.iter().map(|t| t.to_string()));
    f
}

/// No captured line (of any thread of this binary so far) holds a credential.
#[track_caller]
fn assert_no_secrets() {
    let lines = all_lines();
    assert!(!lines.is_empty(), "the logger captured nothing");
    let mut leaks = Vec::new();
    for l in &lines {
        for f in forbidden() {
            if l.text.contains(f.as_str()) {
                leaks.push(format!("{:?} [{}] contains {f:?}: {}", l.level, l.target, l.text));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} of {} captured lines leak:\n{}",
        leaks.len(),
        lines.len(),
        leaks.join("\n")
    );
}

/// The lines of the calling thread put together, hex-dump rows decoded to their bytes
/// (a dump spreads a header over rows of 16 bytes, so no single row holds a whole token),
/// hold no credential. Returns the leaks with their context and the targets of the rows.
/// Credentials found in this thread's lines of the targets `keep` accepts, hex-dump rows
/// joined back into the bytes they show.
fn leaks_in_my_lines_put_together(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut stream: Vec<u8> = Vec::new();
    let mut dump_targets = std::collections::BTreeSet::new();
    for l in my_lines().into_iter().filter(|l| keep(&l.target)) {
        match hex_row(&l.text) {
            Some(bytes) => {
                stream.extend(bytes);
                dump_targets.insert(l.target.clone());
            }
            None => stream.extend(format!("\n{}\n", l.text).into_bytes()),
        }
    }
    let joined = String::from_utf8_lossy(&stream);
    let mut leaks = Vec::new();
    for f in forbidden() {
        for (at, _) in joined.match_indices(f.as_str()) {
            let from = joined[..at].char_indices().rev().nth(30).map_or(0, |(i, _)| i);
            let excerpt: String = joined[from..].chars().take(100).collect();
            leaks.push(format!("{f:?} in hex-dump rows of {dump_targets:?}: {excerpt:?}"));
        }
    }
    leaks
}

#[track_caller]
fn assert_warned(lines: &[Line], what: &str, pred: impl Fn(&str) -> bool) {
    let found: Vec<&Line> = lines.iter().filter(|l| pred(&l.text)).collect();
    assert!(
        !found.is_empty(),
        "no line about {what} in:\n{}",
        dump(lines, Level::Debug)
    );
    assert!(
        found
            .iter()
            .any(|l| l.level == Level::Warn && l.target.starts_with("cloudconnexa")),
        "{what} is not a warning of target cloudconnexa: {found:?}"
    );
}

fn dump(lines: &[Line], max: Level) -> String {
    lines
        .iter()
        .filter(|l| l.level <= max)
        .map(|l| format!("{:5} [{}] {}", l.level, l.target, l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

mod raw_http;
use raw_http::*;

/// A server issuing `TOKENS` in turn; the API answers with `api(request, its index)`.
fn token_server(api: impl Fn(&Seen, usize) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
    let issued = AtomicUsize::new(0);
    let calls = AtomicUsize::new(0);
    RawServer::start(move |r| {
        if r.is_token() {
            let i = issued.fetch_add(1, SeqCst);
            token_response(TOKENS[i.min(TOKENS.len() - 1)])
        } else {
            api(r, calls.fetch_add(1, SeqCst))
        }
    })
}

fn builder(url: &str, secret: &str) -> ClientBuilder {
    client_for(url, CLIENT_ID, secret, 5)
}

fn list(c: &Client) -> cloudconnexa::Result<usize> {
    c.networks().list(PageRequest::default()).map(|p| p.content.len())
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn an_auth_failure_is_a_warning_and_leaks_no_credentials() {
    capture();
    let mut o = MockOptions::default();
    o.rate_limit.enabled = false;
    o.client_id = CLIENT_ID.into();
    o.client_secret = SECRET.into();
    let server = MockServer::start(o).expect("emulator");

    let wrong = builder(&server.base_url(), WRONG_SECRET).build().unwrap();
    let trace = cloudconnexa::TraceContext::new_random();
    let e = cloudconnexa::with_trace_context(trace, || list(&wrong)).expect_err("the wrong secret is refused");
    assert!(
        matches!(e.kind(), ErrorKind::Auth { status: 401 }),
        "{:?}: {e}",
        e.kind()
    );
    for text in [e.to_string(), format!("{e:?}"), format!("{wrong:?}")] {
        for f in forbidden() {
            assert!(!text.contains(&f), "{text:?} contains {f:?}");
        }
    }
    // the token request runs on its own thread; its line carries the call's trace id
    let trace_id = trace.trace_id_hex();
    let token_lines: Vec<_> = all_lines().into_iter().filter(|l| l.text.contains(&trace_id)).collect();
    assert_warned(&token_lines, "the failed token request", |t| {
        t.contains("token request failed") && t.contains("401")
    });

    // the right secret works, and still nothing of it is logged
    let right = builder(&server.base_url(), SECRET).build().unwrap();
    assert_eq!(list(&right).expect("the right secret"), 10);
    assert_eq!(server.stats()["tokens_issued"], 1);
    assert!(server.stats()["operations"]["requestToken"]["401"].as_u64() >= Some(1));
    assert_no_secrets();
}

#[test]
fn a_retry_storm_with_a_token_refresh_leaks_nothing_and_the_refused_retry_is_a_warning() {
    capture();
    // API request 0: 401, so the first token is dropped and a second one fetched; requests
    // 1 to 6: 503, one more than five retries cover; then 200 for the next call
    let server = token_server(|_, i| match i {
        0 => response(401, ""),
        1..=6 => response(503, r#"{"errorMessage":"busy","statusError":"SERVICE_UNAVAILABLE"}"#),
        _ => response(200, PAGE),
    });
    let c = builder(&server.url(), SECRET).retry_budget(None).build().unwrap();
    let e = list(&c).expect_err("six 503s outlast five retries");
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(list(&c).expect("then the server recovers"), 0);

    // the secret and both tokens really went over the wire
    let seen = server.seen();
    let bearer: Vec<&str> = seen.iter().filter_map(|r| r.header("authorization")).collect();
    assert!(
        bearer.contains(&format!("Basic {}", basic(CLIENT_ID, SECRET)).as_str()),
        "{bearer:?}"
    );
    assert!(bearer.contains(&format!("Bearer {}", TOKENS[0]).as_str()), "{bearer:?}");
    assert!(bearer.contains(&format!("Bearer {}", TOKENS[1]).as_str()), "{bearer:?}");
    assert_eq!(seen.iter().filter(|r| !r.is_token()).count(), 8);
    assert_eq!(c.metrics().retries, 5);
    let mine = my_lines();
    assert!(
        mine.iter().filter(|l| l.text.contains("503")).count() >= 5,
        "{}",
        dump(&mine, Level::Trace)
    );

    // a budget of one retry per 10 s, whatever the traffic: the second retry is refused
    let server = token_server(|_, _| response(503, r#"{"errorMessage":"busy"}"#));
    let budget = RetryBudgetConfig {
        ratio: 0.0,
        min_retries: 1,
        window: Duration::from_secs(10),
    };
    let c = builder(&server.url(), SECRET)
        .retry_budget(Some(budget))
        .build()
        .unwrap();
    let e = list(&c).expect_err("the budget stops the storm");
    assert_eq!(e.status(), Some(503));
    assert_eq!(c.metrics().retry_budget_refusals, 1);
    assert_eq!(c.metrics().retries, 1);
    assert_eq!(server.seen().iter().filter(|r| !r.is_token()).count(), 2);
    assert_warned(&my_lines(), "the refused retry", |t| t.contains("retry budget"));
    assert_no_secrets();
}

#[test]
fn breaker_transitions_are_warnings_and_leak_nothing() {
    capture();
    // failing: the server closes the connection without answering (a transport failure,
    // which the breaker counts); healthy: 200
    let failing = Arc::new(AtomicBool::new(true));
    let f = failing.clone();
    let server = token_server(move |_, _| {
        if f.load(SeqCst) {
            Vec::new()
        } else {
            response(200, PAGE)
        }
    });
    // on a manual clock: the breaker recovers when the test says, not when the machine is slow
    let recovery = Duration::from_secs(30);
    let clock = cloudconnexa::resilience::ManualClock::new();
    let c = builder(&server.url(), SECRET)
        .clock(clock.clone())
        .retry_policy(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
        .circuit_breaker(Some(BreakerConfig {
            failure_threshold: 2,
            recovery_timeout: recovery,
            ..Default::default()
        }))
        .build()
        .unwrap();
    const OP: &str = "getNetworksPage";
    for _ in 0..2 {
        let e = list(&c).expect_err("no answer");
        assert!(matches!(e.kind(), ErrorKind::Io), "{:?}: {e}", e.kind());
    }
    assert_eq!(c.breaker_state(OP), BreakerState::Open);
    let e = list(&c).expect_err("open");
    assert!(matches!(e.kind(), ErrorKind::CircuitOpen), "{:?}", e.kind());
    failing.store(false, SeqCst);
    clock.advance(recovery);
    list(&c).expect("the probe succeeds");
    assert_eq!(c.breaker_state(OP), BreakerState::Closed);
    assert_eq!(c.metrics().breaker.transitions, 3);

    let mine = my_lines();
    let transitions: Vec<&Line> = mine.iter().filter(|l| l.text.contains("circuit breaker")).collect();
    for (from, to) in [("Closed", "Open"), ("Open", "HalfOpen"), ("HalfOpen", "Closed")] {
        assert_warned(&mine, &format!("{from} -> {to}"), |t| {
            t.contains("circuit breaker") && t.contains(&format!("{from} -> {to}"))
        });
    }
    assert_eq!(transitions.len(), 3, "one line per transition: {transitions:?}");
    assert!(transitions.iter().all(|l| l.level == Level::Warn));
    assert_no_secrets();
}

#[test]
fn a_steady_state_logs_nothing_at_info_or_above() {
    capture();
    let server = token_server(|_, _| response(200, PAGE));
    let c = builder(&server.url(), SECRET).build().unwrap();
    list(&c).expect("warm-up: token and connection");
    let before = my_lines().len();
    for _ in 0..50 {
        list(&c).expect("steady state");
    }
    let mine: Vec<Line> = my_lines().into_iter().skip(before).collect();
    let loud: Vec<&Line> = mine.iter().filter(|l| l.level <= Level::Info).collect();
    assert!(
        loud.is_empty(),
        "info or above in a steady state:\n{}",
        dump(&mine, Level::Info)
    );
    // the capture works: the per-request trace lines are there
    let traced = mine
        .iter()
        .filter(|l| l.level == Level::Trace && l.target == "cloudconnexa" && l.text.contains("HTTP 200"));
    assert_eq!(
        traced.count(),
        50,
        "one trace line per request:\n{}",
        dump(&mine, Level::Debug)
    );
    assert_no_secrets();
}

#[test]
fn trace_lines_put_together_hold_no_credentials() {
    capture();
    let server = token_server(|_, i| if i == 0 { response(401, "") } else { response(200, PAGE) });
    let c = builder(&server.url(), SECRET).build().unwrap();
    list(&c).expect("a token, a 401, a second token, then 200");
    let seen = server.seen();
    assert_eq!(
        seen.iter().filter(|r| r.is_token()).count(),
        2,
        "both tokens were issued"
    );
    assert!(my_lines().len() > 10, "trace lines were captured");
    // Everything the library itself logs, hex rows joined, holds no credential.
    let ours = |t: &str| !t.starts_with("ureq");
    let leaks = leaks_in_my_lines_put_together(ours);
    assert!(
        leaks.is_empty(),
        "{} credentials in the library's trace output of one call:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    // The HTTP layer (ureq_proto) dumps raw requests at trace level, Authorization
    // included: this is the caveat the crate docs state, and the reason the C ABI's log
    // callback forwards ureq's lines only at info and above. If this ever stops being
    // true, the docs can drop the caveat.
    let dependency = leaks_in_my_lines_put_together(|t: &str| t.starts_with("ureq"));
    assert!(
        !dependency.is_empty(),
        "ureq_proto no longer dumps raw requests at trace: update the logging docs in src/lib.rs"
    );
}
