//! The per-API-key token-bucket rate limiter.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

const LIMIT_HEADERS: [&str; 4] = [
    "X-RateLimit-Remaining",
    "X-RateLimit-Replenish-Rate",
    "X-RateLimit-Replenish-Time",
    "X-RateLimit-Burst-Capacity",
];

/// A rate-limit header as a bare integer (no units, no spaces).
#[track_caller]
fn int_header(r: &Resp, name: &str) -> u64 {
    let v = r
        .header(name)
        .unwrap_or_else(|| panic!("{name} missing on a {} response", r.status));
    assert!(
        !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()),
        "{name} is not a bare integer: {v:?}"
    );
    v.parse().unwrap()
}

#[track_caller]
fn assert_429(r: &Resp) {
    assert_eq!(r.status, 429, "body: {:?}", r.text());
    assert!(r.body.is_empty(), "429 must have an empty body: {:?}", r.text());
}

#[test]
fn default_bucket_counts_down_then_429() {
    let s = start(MockOptions::default());
    let a = agent();
    let tok = token(&a, &s);
    for i in 0..20u64 {
        let r = get(&a, &s, &tok, "/api/v1/networks");
        r.expect_status(200);
        assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 19 - i, "call {i}");
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 1);
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 15);
        assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 20);
    }
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_429(&r);
    assert!(r.header("Retry-After").is_none(), "Retry-After sent while off");
    // still limited on another endpoint: the bucket is per key, not per route
    assert_429(&get(&a, &s, &tok, "/api/v1/hosts"));

    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["rate_limited"]), 2, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "200"]), 20, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "429"]), 1, "{st}");
}

#[test]
fn retry_after_when_enabled() {
    let mut o = MockOptions::default();
    o.rate_limit.retry_after = true;
    o.rate_limit.burst = 2;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    spend(&a, &s, &tok, 2);
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_429(&r);
    let ra = r.header("Retry-After").expect("Retry-After on 429");
    assert!(
        !ra.is_empty() && ra.bytes().all(|b| b.is_ascii_digit()),
        "Retry-After is not whole seconds: {ra:?}"
    );
    let secs: u64 = ra.parse().unwrap();
    // 1 token per 15 s: the next one is due within (0, 15] seconds
    assert!((1..=15).contains(&secs), "Retry-After {secs}");
}

#[test]
fn bucket_refills() {
    let mut o = MockOptions::default();
    o.rate_limit.burst = 2;
    o.rate_limit.replenish_rate = 20;
    o.rate_limit.replenish_time_secs = 1;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);

    // drain: 20 tokens/s refill, so a quick burst of calls must hit an empty bucket
    let mut limited = false;
    for _ in 0..100 {
        let r = get(&a, &s, &tok, "/api/v1/regions");
        if r.status == 429 {
            assert!(r.body.is_empty());
            limited = true;
            break;
        }
        r.expect_status(200);
        assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 2);
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 20);
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 1);
    }
    assert!(limited, "never rate limited with burst 2");

    // 300 ms refill 6 tokens, capped at 2
    std::thread::sleep(Duration::from_millis(300));
    let r = get(&a, &s, &tok, "/api/v1/regions");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 1, "bucket not full again");
}

#[test]
fn buckets_are_per_api_key() {
    let mut o = MockOptions::default();
    o.rate_limit.burst = 3;
    o.rate_limit.replenish_rate = 1;
    o.rate_limit.replenish_time_secs = 60;
    let s = start(o);
    let a = agent();
    add_credentials(&a, &s, "key-b", "secret-b");
    let ta = token(&a, &s);
    let tb = token_for(&a, &s, "key-b", "secret-b");

    for i in 0..3u64 {
        let r = get(&a, &s, &ta, "/api/v1/networks");
        r.expect_status(200);
        assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 2 - i);
    }
    assert_429(&get(&a, &s, &ta, "/api/v1/networks"));

    // key B has its own full bucket
    for i in 0..3u64 {
        let r = get(&a, &s, &tb, "/api/v1/networks");
        r.expect_status(200);
        assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 2 - i);
    }
    assert_429(&get(&a, &s, &tb, "/api/v1/networks"));

    // a second token of key A shares A's bucket
    let ta2 = token(&a, &s);
    assert_429(&get(&a, &s, &ta2, "/api/v1/networks"));

    assert_eq!(counter(&stats(&a, &s), &["rate_limited"]), 3);
}

#[test]
fn disabled_limiter_sends_no_headers_and_never_429() {
    let s = start(opts()); // limiter off
    let a = agent();
    let tok = token(&a, &s);
    for i in 0..100 {
        let r = get(&a, &s, &tok, "/api/v1/networks?size=1");
        assert_eq!(r.status, 200, "call {i}: {:?}", r.text());
        for h in LIMIT_HEADERS {
            assert!(r.header(h).is_none(), "{h} sent with the limiter off");
        }
    }
    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["rate_limited"]), 0, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "200"]), 100, "{st}");
}

#[test]
fn config_changes_limits_at_run_time() {
    let s = start(MockOptions::default());
    let a = agent();
    let tok = token(&a, &s);

    let cfg = control(&a, &s, "GET", "/__mock/config", None);
    cfg.expect_status(200);
    assert_eq!(
        cfg.json(),
        json!({
            "rate_limit": {"enabled":true,"burst":20,"replenish_rate":1,"replenish_time_secs":15,"retry_after":false,"time_scale":1.0},
            "token_lifetime_secs": 43199,
            "idle_close_ms": null,
            "dns_not_found_is_400": true
        })
    );

    let new_limits = json!({"rate_limit":{"enabled":true,"burst":3,"replenish_rate":2,"replenish_time_secs":60,"retry_after":true,"time_scale":1.0}});
    let r = control(&a, &s, "PUT", "/__mock/config", Some(&new_limits));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    let cfg = control(&a, &s, "GET", "/__mock/config", None).json();
    assert_eq!(cfg["rate_limit"], new_limits["rate_limit"], "{cfg}");

    for i in 0..3u64 {
        let r = get(&a, &s, &tok, "/api/v1/networks");
        r.expect_status(200);
        assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 2 - i);
        assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 3);
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 2);
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 60);
    }
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_429(&r);
    assert!(r.header("Retry-After").is_some(), "retry_after switched on");

    // changing the limits refills every bucket
    let bigger = json!({"rate_limit":{"enabled":true,"burst":5,"replenish_rate":1,"replenish_time_secs":60,"retry_after":false}});
    let r = control(&a, &s, "PUT", "/__mock/config", Some(&bigger));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    let r = get(&a, &s, &tok, "/api/v1/networks");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 4);
    assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 5);

    // switching it off removes headers and limits
    let off = json!({"rate_limit":{"enabled":false,"burst":5,"replenish_rate":1,"replenish_time_secs":60,"retry_after":false}});
    let r = control(&a, &s, "PUT", "/__mock/config", Some(&off));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    for _ in 0..10 {
        let r = get(&a, &s, &tok, "/api/v1/networks");
        r.expect_status(200);
        for h in LIMIT_HEADERS {
            assert!(r.header(h).is_none(), "{h} sent with the limiter off");
        }
    }
}

#[test]
fn token_endpoint_does_not_drain_the_bucket() {
    let s = start(burst_only(2));
    let a = agent();
    for _ in 0..5 {
        token(&a, &s);
    }
    let tok = token(&a, &s);
    let r = get(&a, &s, &tok, "/api/v1/networks");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 1);
}

#[test]
fn control_reset_refills_buckets_and_keeps_tokens() {
    let s = start(burst_only(3));
    let a = agent();
    let tok = token(&a, &s);
    spend(&a, &s, &tok, 3);
    assert_429(&get(&a, &s, &tok, "/api/v1/networks"));

    let r = control(&a, &s, "POST", "/__mock/reset", None);
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    // same token, full bucket
    let r = get(&a, &s, &tok, "/api/v1/networks");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 2);
}

/// Calls `path` until the first 429 (at most `max` calls); returns how many were allowed.
fn drain(a: &ureq::Agent, s: &MockServer, tok: &str, path: &str, max: usize) -> usize {
    for i in 0..max {
        let r = get(a, s, tok, path);
        if r.status == 429 {
            return i;
        }
        r.expect_status(200);
    }
    panic!("no 429 within {max} calls");
}

#[test]
fn not_found_answers_carry_the_limit_headers() {
    let s = start(MockOptions::default());
    let a = agent();
    let tok = token(&a, &s);
    let r = get(&a, &s, &tok, "/api/v1/networks/00000000-0000-0000-0000-000000000000");
    assert_eq!(r.status, 404, "body: {:?}", r.text());
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 19, "a 404 spends a token too");
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 1);
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 15);
    assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 20);
    // a 400 (validation) as well
    let r = post_json(&a, &s, &tok, "/api/v1/hosts", &json!({}));
    assert_eq!(r.status, 400, "body: {:?}", r.text());
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 18);
    for h in LIMIT_HEADERS {
        int_header(&r, h);
    }
}

/// A bearer the emulator never issued that names the same key as `tok` in its claims (the
/// same header and payload, another signature): refused as unknown, like an expired one.
fn expired_copy(tok: &str) -> String {
    let (head, _sig) = tok.rsplit_once('.').expect("JWT-shaped token");
    format!("{head}.not-the-signature")
}

/// Answers that take no token (a 401, an injected fault) still show the caller's bucket,
/// as a gateway that adds the headers before routing does; an injected 429 shows it empty.
#[test]
fn front_door_answers_carry_the_limit_headers() {
    let s = start(MockOptions::default());
    let a = agent();
    let tok = token(&a, &s);
    get(&a, &s, &tok, "/api/v1/networks").expect_status(200); // 19 left

    let r = request(
        &a,
        "GET",
        &format!("{}/api/v1/networks", s.base_url().trim_end_matches('/')),
        &[],
        None,
    )
    .unwrap();
    assert_eq!(r.status, 401, "body: {:?}", r.text());
    assert_eq!(r.header("WWW-Authenticate"), Some("Bearer"));
    assert_eq!(
        int_header(&r, "X-RateLimit-Remaining"),
        20,
        "a stranger's bucket is untouched"
    );
    for h in LIMIT_HEADERS {
        int_header(&r, h);
    }
    // an expired token is refused, and shown its key's bucket (19 left, nothing taken)
    let r = get(&a, &s, &expired_copy(&tok), "/api/v1/networks");
    assert_eq!(r.status, 401);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 19, "the key's own bucket");
    let r = get(&a, &s, "not-a-token", "/api/v1/networks");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("WWW-Authenticate"), Some(r#"Bearer error="invalid_token""#));
    int_header(&r, "X-RateLimit-Remaining");

    s.add_fault(rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/networks","count":1}"#,
    ));
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_eq!(r.status, 503, "body: {:?}", r.text());
    assert_eq!(
        int_header(&r, "X-RateLimit-Remaining"),
        19,
        "an injected answer takes no token"
    );
    s.add_fault(rule(r#"{"kind":"rate_limit","path":"/api/v1/networks","count":1}"#));
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_429(&r);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 0);
    assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 20);
    let r = get(&a, &s, &tok, "/api/v1/networks");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 18);
}

#[test]
fn rate_limited_answers_carry_the_limit_headers_with_remaining_zero() {
    let s = start(burst_only(2));
    let a = agent();
    let tok = token(&a, &s);
    spend(&a, &s, &tok, 2);
    let r = get(&a, &s, &tok, "/api/v1/networks");
    assert_429(&r);
    assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 0);
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 1);
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 60);
    assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 2);
    assert!(r.header("Retry-After").is_none(), "Retry-After sent while off");
}

#[test]
fn time_scale_advertises_and_applies_the_scaled_rate() {
    let mut o = MockOptions::default(); // burst 20, 1 per 15 s
    o.rate_limit.time_scale = 100.0;
    o.rate_limit.retry_after = true;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);

    let r = get(&a, &s, &tok, "/api/v1/regions");
    r.expect_status(200);
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 100, "round(1 x 100)");
    assert_eq!(int_header(&r, "X-RateLimit-Replenish-Time"), 15);
    assert_eq!(int_header(&r, "X-RateLimit-Burst-Capacity"), 20);

    // 100 per 15 s = 6.67 tokens/s: draining 20 takes long enough for a few refills
    // on a slow box, so only bound the count loosely
    let allowed = drain(&a, &s, &tok, "/api/v1/regions", 500);
    assert!(allowed >= 19, "burst 20 (one spent above), got {allowed}");
    let r = get(&a, &s, &tok, "/api/v1/regions");
    if r.status == 429 {
        assert_eq!(int_header(&r, "X-RateLimit-Replenish-Rate"), 100);
        assert_eq!(int_header(&r, "X-RateLimit-Remaining"), 0);
        let ra: u64 = r.header("Retry-After").expect("Retry-After").parse().unwrap();
        assert_eq!(ra, 1, "0.15 s to the next token, rounded up to whole seconds");
    }

    // one second refills about 6.67 tokens (the scaled rate, not 1 per 15 s)
    std::thread::sleep(Duration::from_secs(1));
    let more = drain(&a, &s, &tok, "/api/v1/regions", 500);
    assert!(
        (3..=20).contains(&more),
        "{more} calls allowed 1 s after draining, expected about 6.67"
    );
}

#[test]
fn time_scale_at_one_keeps_the_real_bucket() {
    let mut o = MockOptions::default();
    o.rate_limit.time_scale = 1.0;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    assert_eq!(drain(&a, &s, &tok, "/api/v1/regions", 100), 20);
    std::thread::sleep(Duration::from_millis(500));
    // 0.5 s at 1 per 15 s: nothing back yet
    assert_429(&get(&a, &s, &tok, "/api/v1/regions"));
}
