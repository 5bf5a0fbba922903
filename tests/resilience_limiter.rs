//! The client-side rate limiter against the emulator's per-key token bucket: with the
//! default adaptive limiter a 4-thread storm that asks for far more than the server
//! allows completes with every call successful and only a handful of 429s, where the
//! same storm without client-side limiting draws hundreds; fail-fast mode refuses with
//! `RateLimited` and a `retry_after`; odd rate-limit header values never fail a call.

mod resilience_support;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use cloudconnexa::models::{NetworkCreate, PageRequest};
use cloudconnexa::resilience::{Clock as _, LimitMode, ManualClock, RateLimit};
use cloudconnexa::{Client, ClientBuilder, ErrorKind, Method};
use cloudconnexa_mock::RateLimitOptions;
use resilience_support::*;

const THREADS: u32 = 4;
const CALLS: u32 = 200;
/// The most 429s the adaptive limiter may draw in the storm.
const ADAPTIVE_MAX_429: u64 = 8;

/// Emulator limit: burst 20, then 50 per second.
fn limited() -> MockOptions {
    let mut o = opts();
    o.rate_limit = RateLimitOptions {
        enabled: true,
        burst: 20,
        replenish_rate: 50,
        replenish_time_secs: 1,
        retry_after: false,
        ..RateLimitOptions::default()
    };
    o
}

/// Every default of the library, only pointed at `server` (with test timeouts).
fn defaults(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .api_url(server.base_url())
        .allow_insecure_http(true)
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .read_timeout(READ_TIMEOUT)
        .call_timeout(CALL_TIMEOUT)
}

struct Storm {
    ok: u64,
    failed: u64,
    first_error: Option<String>,
    rate_limited: u64,
    upstream_ok: u64,
    took: Duration,
}

/// 4 threads x 200 GETs through one client. Each thread asks for its own page so that
/// coalescing cannot merge calls: every call is a request the server must admit.
fn storm(client: &Client, server: &MockServer) -> Storm {
    client.regions().list().expect("warm-up: token");
    server.reset_stats();
    let t0 = Instant::now();
    let results: Vec<(u64, u64, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    let (mut ok, mut failed, mut first) = (0, 0, None);
                    for _ in 0..CALLS {
                        match client.networks().list(PageRequest::new(t, 5)) {
                            Ok(_) => ok += 1,
                            Err(e) => {
                                failed += 1;
                                first.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    (ok, failed, first)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = t0.elapsed();
    Storm {
        ok: results.iter().map(|r| r.0).sum(),
        failed: results.iter().map(|r| r.1).sum(),
        first_error: results.into_iter().find_map(|r| r.2),
        rate_limited: stat(server, "rate_limited"),
        upstream_ok: op_count(server, "getNetworksPage", 200),
        took,
    }
}

#[test]
fn a_429_storm_with_the_adaptive_limiter() {
    let server = start(limited());
    let client = defaults(&server).build().unwrap();
    let r = storm(&client, &server);
    eprintln!(
        "adaptive storm: {} ok, {} failed, {} x 429 at the emulator, {} upstream 200s, {:?}; \
         limiter waits {} ({:.1} s in all), retries {}, throttled {}",
        r.ok,
        r.failed,
        r.rate_limited,
        r.upstream_ok,
        r.took,
        client.metrics().limiter.waits,
        client.metrics().limiter.wait_seconds,
        client.metrics().retries,
        client.metrics().limiter.throttled,
    );
    assert_eq!(r.failed, 0, "every call succeeds; first error: {:?}", r.first_error);
    assert_eq!(r.ok, u64::from(THREADS * CALLS));
    assert_eq!(r.upstream_ok, u64::from(THREADS * CALLS), "no call was merged or lost");
    assert!(
        r.rate_limited <= ADAPTIVE_MAX_429,
        "{} 429s: the limiter should follow the server's bucket",
        r.rate_limited
    );
    assert_eq!(
        client.metrics().limiter.throttled,
        r.rate_limited,
        "the client saw every 429 the emulator sent"
    );
    assert!(
        client.metrics().limiter.waits > 0,
        "the client waited for its own bucket"
    );
    // 780 calls beyond the burst at 50 per second cannot take less than 15.6 s
    assert!(
        r.took >= Duration::from_secs(15),
        "{:?} is faster than the server's limit allows",
        r.took
    );
}

#[test]
fn the_same_storm_without_client_side_limiting() {
    let server = start(limited());
    let client = defaults(&server)
        .adaptive_rate_limit(false)
        .rate_limit(None)
        .build()
        .unwrap();
    let r = storm(&client, &server);
    eprintln!(
        "unlimited storm: {} ok, {} failed, {} x 429 at the emulator, {} upstream 200s, {:?}; \
         retries {}, budget refusals {}; first error: {:?}",
        r.ok,
        r.failed,
        r.rate_limited,
        r.upstream_ok,
        r.took,
        client.metrics().retries,
        client.metrics().retry_budget_refusals,
        r.first_error,
    );
    assert_eq!(client.metrics().limiter.waits, 0, "no client-side limiter");
    assert!(
        r.rate_limited >= 10 * ADAPTIVE_MAX_429,
        "{} 429s: without the limiter the storm should draw at least 10x the adaptive run's bound",
        r.rate_limited
    );
}

#[test]
fn fail_fast_mode_refuses_with_retry_after_and_sends_nothing() {
    let server = start(opts());
    // the bucket refills only when the test moves the clock
    let clock = ManualClock::new();
    let client = builder(&server)
        .clock(clock.clone())
        .rate_limit(Some(RateLimit {
            rate_per_sec: 1.0,
            burst: 2,
            mode: LimitMode::FailFast,
        }))
        .coalesce_gets(false)
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .networks()
            .list(PageRequest::default())
            .expect("within the burst");
    }
    let before = stat(&server, "requests_total");
    let e = expect_err(client.networks().list(PageRequest::default()), "over the burst", |k| {
        matches!(k, ErrorKind::RateLimited)
    });
    let ra = e.retry_after().expect("RateLimited says when a token is free");
    assert!(
        ra > Duration::ZERO && ra <= Duration::from_secs(1),
        "retry_after {ra:?} within one emission interval"
    );
    assert!(e.is_retryable());
    assert_eq!(stat(&server, "requests_total"), before, "a refused call sends nothing");
    assert_eq!(client.metrics().limiter.refusals, 1);
    assert_eq!(
        client.metrics().retries,
        0,
        "a local refusal is not retried in fail-fast mode"
    );
    clock.advance(ra - Duration::from_nanos(1));
    expect_err(
        client.networks().list(PageRequest::default()),
        "before retry_after",
        |k| matches!(k, ErrorKind::RateLimited),
    );
    clock.advance(Duration::from_nanos(1));
    client
        .networks()
        .list(PageRequest::default())
        .expect("a token is free again after retry_after");
}

/// The user's limit is a ceiling: 0.5 calls/s with burst 1 against an emulator that
/// advertises 100/s with burst 100 in every answer. On the client's manual clock, each call
/// refused in fail-fast mode waits exactly its `retry_after`; the 5th call starts at 8 s,
/// not earlier, although the server's headers said it could start at once.
#[test]
fn the_users_limit_is_a_ceiling_over_the_servers_headers() {
    let mut o = opts();
    o.rate_limit = RateLimitOptions {
        enabled: true,
        burst: 100,
        replenish_rate: 100,
        replenish_time_secs: 1,
        retry_after: false,
        ..RateLimitOptions::default()
    };
    let server = start(o);
    let clock = ManualClock::new();
    let client = builder(&server)
        .clock(clock.clone())
        .rate_limit(Some(RateLimit {
            rate_per_sec: 0.5,
            burst: 1,
            mode: LimitMode::FailFast,
        }))
        .coalesce_gets(false)
        .build()
        .unwrap();
    let mut starts = Vec::new();
    while starts.len() < 5 {
        match client.networks().list(PageRequest::default()) {
            Ok(_) => starts.push(Duration::from_nanos(clock.now_nanos())),
            Err(e) if matches!(e.kind(), ErrorKind::RateLimited) => {
                clock.advance(e.retry_after().expect("RateLimited says when a token is free"))
            }
            Err(e) => panic!("call {}: {e}", starts.len() + 1),
        }
        assert!(clock.now_nanos() < 60_000_000_000, "stuck at {starts:?}");
    }
    assert!(
        starts[4] >= Duration::from_secs(8),
        "the 5th call started at {:?}",
        starts[4]
    );
    let expected: Vec<Duration> = (0..5).map(|i| Duration::from_secs(2 * i)).collect();
    assert_eq!(starts, expected, "one call every 2 s");
    assert!(
        client.metrics().limiter.rate_per_sec.is_some_and(|r| r <= 0.5),
        "{:?}",
        client.metrics().limiter
    );
    assert_eq!(op_count(&server, "getNetworksPage", 200), 5, "nothing else was sent");
}

#[test]
fn writes_can_have_their_own_bucket() {
    let server = start(opts());
    let client = builder(&server)
        .write_rate_limit(Some(RateLimit {
            rate_per_sec: 0.1,
            burst: 1,
            mode: LimitMode::FailFast,
        }))
        .build()
        .unwrap();
    let body = |n: &str| NetworkCreate {
        name: n.into(),
        ..NetworkCreate::default()
    };
    client
        .networks()
        .create(&body("w1"))
        .expect("the one write of the burst");
    expect_err(client.networks().create(&body("w2")), "second write", |k| {
        matches!(k, ErrorKind::RateLimited)
    });
    for _ in 0..5 {
        client
            .networks()
            .list(PageRequest::default())
            .expect("reads use the read bucket");
    }
    assert_eq!(op_count(&server, "createNetwork", 201), 1);
    assert_eq!(op_total(&server, "createNetwork"), 1);
}

#[test]
fn odd_rate_limit_header_values_never_fail_a_call() {
    const HEADERS: [&str; 4] = [
        "X-RateLimit-Remaining",
        "X-RateLimit-Replenish-Rate",
        "X-RateLimit-Replenish-Time",
        "X-RateLimit-Burst-Capacity",
    ];
    // each response carries every header with the value of its turn, or a mix
    let variants: Vec<Vec<(&'static str, &'static str)>> = vec![
        vec![],
        HEADERS.iter().map(|h| (*h, "0")).collect(),
        HEADERS.iter().map(|h| (*h, "abc")).collect(),
        HEADERS.iter().map(|h| (*h, "15 seconds")).collect(),
        HEADERS.iter().map(|h| (*h, "")).collect(),
        HEADERS.iter().map(|h| (*h, "-1")).collect(),
        HEADERS.iter().map(|h| (*h, "1.5")).collect(),
        HEADERS.iter().map(|h| (*h, "99999999999999999999999")).collect(),
        vec![
            (HEADERS[0], "-1"),
            (HEADERS[1], "0"),
            (HEADERS[2], "15"),
            (HEADERS[3], "abc"),
        ],
        vec![
            (HEADERS[0], ""),
            (HEADERS[1], "1"),
            (HEADERS[2], "0"),
            (HEADERS[3], "0"),
        ],
        vec![(HEADERS[1], "20"), (HEADERS[2], "1")],
        vec![("Retry-After", "abc"), (HEADERS[0], "nope")],
    ];
    let n = variants.len();
    let turn = std::sync::atomic::AtomicUsize::new(0);
    let server = RawServer::start(move |req| {
        if req.is_token_request() {
            return token_response();
        }
        let i = turn.fetch_add(1, Relaxed);
        response(200, &variants[i % n], r#"{"ok":true}"#)
    });
    for (adaptive, label) in [(true, "adaptive"), (false, "not adaptive")] {
        let client = builder_for(&server.url(), "id", "secret")
            .adaptive_rate_limit(adaptive)
            .build()
            .unwrap();
        for i in 0..3 * n {
            let r = client.request(Method::Get, &format!("/odd/{i}")).send();
            let r = r.unwrap_or_else(|e| panic!("{label}: call {i} (variant {}) failed: {e}", i % n));
            assert_eq!(r.status, 200);
        }
        assert_eq!(
            (client.metrics().limiter.refusals, client.metrics().retries),
            (0, 0),
            "{label}"
        );
    }
    assert_eq!(server.api_requests().len(), 6 * n);

    // and on error answers: a 503 / 429 with an unusable Retry-After is retried on our schedule
    for (status, ra) in [
        (503u16, "abc"),
        (503, ""),
        (503, "-1"),
        (503, "0"),
        (429, "soon"),
        (429, "0"),
        (429, "1.5"),
    ] {
        let first = std::sync::atomic::AtomicBool::new(true);
        let server = RawServer::start(move |req| {
            if req.is_token_request() {
                return token_response();
            }
            if first.swap(false, Relaxed) {
                response(status, &[("Retry-After", ra), (HEADERS[0], "x")], "")
            } else {
                response(200, &[], "{}")
            }
        });
        let client = builder_for(&server.url(), "id", "secret").build().unwrap();
        let t0 = Instant::now();
        client
            .request(Method::Get, "/again")
            .send()
            .unwrap_or_else(|e| panic!("{status} with Retry-After {ra:?} then 200: {e}"));
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "{status} / {ra:?}: took {:?}",
            t0.elapsed()
        );
        assert_eq!(client.metrics().retries, 1, "{status} / {ra:?}");
        assert_eq!(server.api_requests().len(), 2);
    }
}

/// Four clients with every default and nothing shared — as four processes on one API key —
/// against one bucket (burst 20, 50 per second): every call succeeds. Before a 429 meant
/// "wait" and before the fair-share estimate, each client believed it had the whole key and
/// most calls of three of them failed with "HTTP 429: retry budget exhausted".
#[test]
fn four_clients_on_one_key_all_succeed_with_defaults() {
    const CLIENTS: usize = 4;
    const CALLS_EACH: u32 = 2 * 50;
    let server = start(limited());
    let clients: Vec<Client> = (0..CLIENTS)
        .map(|_| defaults(&server).coalesce_gets(false).build().unwrap())
        .collect();
    let t0 = Instant::now();
    let failed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter()
            .enumerate()
            .flat_map(|(c, client)| {
                (0..2u32).map(move |t| {
                    scope.spawn(move || {
                        (0..CALLS_EACH / 2)
                            .filter_map(|i| {
                                let page = PageRequest::new((c as u32 * 100 + t * 50 + i) % 7, 5);
                                client.networks().list(page).err().map(|e| e.to_string())
                            })
                            .collect::<Vec<_>>()
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = t0.elapsed();
    let refused = stat(&server, "rate_limited");
    let budget_refusals: u64 = clients.iter().map(|c| c.metrics().retry_budget_refusals).sum();
    let failures: Vec<&String> = failed.iter().flatten().collect();
    eprintln!(
        "4 clients x 2 threads x 50 calls on one key: {} failed, {refused} x 429, {took:?}",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} calls failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert_eq!(budget_refusals, 0, "429 retries never draw on the retry budget");
    assert_eq!(
        op_count(&server, "getNetworksPage", 200),
        (CLIENTS as u64) * u64::from(CALLS_EACH)
    );
    assert!(refused <= 40, "{refused} 429s for 400 calls");
}
