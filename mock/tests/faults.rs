//! Fault injection: every rule kind, rule selection, the control API and the counters.

mod common;

use std::io;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const NETS: &str = "/api/v1/networks";

/// Statuses of `n` sequential `GET /api/v1/networks` calls.
fn statuses(a: &ureq::Agent, s: &MockServer, tok: &str, n: usize) -> Vec<u16> {
    (0..n).map(|_| get(a, s, tok, NETS).status).collect()
}

#[test]
fn latency_delays_and_succeeds() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"latency","ms":300,"path":"/api/v1/networks*"}"#));

    let t0 = Instant::now();
    let r = get(&a, &s, &tok, NETS);
    let took = t0.elapsed();
    r.expect_status(200);
    assert!(r.json()["content"].is_array());
    assert!(took >= Duration::from_millis(280), "latency not applied: {took:?}");

    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["faults", "latency"]), 1, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "200"]), 1, "{st}");

    // several latency rules add up
    s.add_fault(rule(r#"{"kind":"latency","ms":300}"#));
    let t0 = Instant::now();
    get(&a, &s, &tok, NETS).expect_status(200);
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(580), "latencies did not add up: {took:?}");
}

#[test]
fn status_fault_always() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/networks*","probability":1.0}"#,
    ));
    for _ in 0..3 {
        let r = get(&a, &s, &tok, NETS);
        assert_eq!(r.status, 503, "{:?}", r.text());
        assert_error_response(&r);
    }
    // other paths are untouched
    get(&a, &s, &tok, "/api/v1/hosts").expect_status(200);
    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["faults", "status"]), 3, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "503"]), 3, "{st}");
}

#[test]
fn status_fault_401_and_429_have_empty_bodies_and_retry_after() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(
        r#"{"kind":"status","status":401,"path":"/api/v1/hosts","count":1}"#,
    ));
    s.add_fault(rule(
        r#"{"kind":"status","status":429,"retry_after":"3","path":"/api/v1/users","count":1}"#,
    ));
    s.add_fault(rule(
        r#"{"kind":"status","status":500,"path":"/api/v1/regions","count":1}"#,
    ));
    let r = get(&a, &s, &tok, "/api/v1/hosts");
    assert_eq!(r.status, 401);
    assert!(r.body.is_empty(), "{:?}", r.text());
    let r = get(&a, &s, &tok, "/api/v1/users");
    assert_eq!(r.status, 429);
    assert!(r.body.is_empty(), "{:?}", r.text());
    assert_eq!(r.header("Retry-After"), Some("3"));
    let r = get(&a, &s, &tok, "/api/v1/regions");
    assert_eq!(r.status, 500);
    assert_error_response(&r);
    // all three rules were single-shot
    get(&a, &s, &tok, "/api/v1/hosts").expect_status(200);
    get(&a, &s, &tok, "/api/v1/users").expect_status(200);
    get(&a, &s, &tok, "/api/v1/regions").expect_status(200);
}

#[test]
fn status_fault_with_count() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"status","status":503,"count":2}"#));
    // the token endpoint is an /api/ route too, so fetch the token before the rule
    assert_eq!(statuses(&a, &s, &tok, 5), [503, 503, 200, 200, 200]);
    assert_eq!(counter(&stats(&a, &s), &["faults", "status"]), 2);
}

#[test]
fn after_lets_the_first_requests_pass() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"status","status":502,"after":3,"count":2}"#));
    assert_eq!(statuses(&a, &s, &tok, 7), [200, 200, 200, 502, 502, 200, 200]);
}

#[test]
fn probability_is_reproducible_with_a_seed() {
    let run = |seed: u64| {
        let mut o = opts();
        o.rng_seed = seed;
        o.faults = vec![rule(
            r#"{"kind":"status","status":503,"path":"/api/v1/networks","probability":0.5}"#,
        )];
        let s = start(o);
        let a = agent();
        let tok = token(&a, &s);
        let seq = statuses(&a, &s, &tok, 40);
        let fired = counter(&stats(&a, &s), &["faults", "status"]);
        (seq, fired)
    };
    let (first, fired) = run(42);
    let (second, _) = run(42);
    assert_eq!(first, second, "same seed, different fault sequence");
    let n503 = first.iter().filter(|&&c| c == 503).count();
    let n200 = first.iter().filter(|&&c| c == 200).count();
    assert_eq!(n503 + n200, 40, "{first:?}");
    assert!(n503 > 0 && n200 > 0, "probability 0.5 never/always fired: {first:?}");
    assert_eq!(fired, n503 as u64);
}

#[test]
fn rate_limit_fault_is_empty_429() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"rate_limit","count":1}"#));
    s.add_fault(rule(r#"{"kind":"rate_limit","retry_after":"7","count":1}"#));
    let r = get(&a, &s, &tok, NETS);
    assert_eq!(r.status, 429);
    assert!(r.body.is_empty(), "{:?}", r.text());
    assert!(r.header("Retry-After").is_none());
    let r = get(&a, &s, &tok, NETS);
    assert_eq!(r.status, 429);
    assert!(r.body.is_empty(), "{:?}", r.text());
    assert_eq!(r.header("Retry-After"), Some("7"));
    get(&a, &s, &tok, NETS).expect_status(200);
    assert_eq!(counter(&stats(&a, &s), &["faults", "rate_limit"]), 2);
}

#[test]
fn faults_apply_before_auth_and_rate_limiting_and_not_to_control_calls() {
    let mut o = MockOptions::default();
    o.rate_limit.burst = 2;
    o.rate_limit.replenish_time_secs = 60;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"status","status":503,"count":5}"#));
    // no token at all: the fault answers first
    let r = must(&a, "GET", &format!("{}{NETS}", s.base_url()), &[], None);
    assert_eq!(r.status, 503);
    // the token endpoint is covered too
    assert_eq!(token_request(&a, &s, s.client_id(), s.client_secret()).status, 503);
    // control calls are not
    control(&a, &s, "GET", "/__mock/health", None).expect_status(200);
    // three more faulted calls do not drain the bucket of 2
    assert_eq!(statuses(&a, &s, &tok, 3), [503, 503, 503]);
    let r = get(&a, &s, &tok, NETS);
    r.expect_status(200);
    assert_eq!(r.header("X-RateLimit-Remaining"), Some("1"));
}

#[test]
fn reset_before_sends_no_byte() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"reset_before","path":"/api/v1/networks*"}"#));

    let err = request(
        &a,
        "GET",
        &format!("{}{NETS}", s.base_url()),
        &[("Authorization", &format!("Bearer {tok}"))],
        None,
    )
    .expect_err("reset_before gave an HTTP response");
    assert!(!matches!(err, ureq::Error::Timeout(_)), "timed out instead: {err}");

    let mut c = RawConn::open(&s);
    c.send(&raw_get(NETS, Some(&tok))).unwrap();
    let (bytes, e) = c.read_until_close();
    assert!(bytes.is_empty(), "got bytes: {:?}", String::from_utf8_lossy(&bytes));
    if let Some(e) = e {
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}");
    }

    // other routes still work, on new connections
    get(&agent(), &s, &tok, "/api/v1/hosts").expect_status(200);
    assert_eq!(counter(&stats(&a, &s), &["faults", "reset_before"]), 2);
}

#[test]
fn reset_mid_body_sends_a_partial_body_then_resets() {
    let mut o = opts();
    o.seed.networks = 30;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"reset_mid_body","path":"/api/v1/networks"}"#));

    let mut c = RawConn::open(&s);
    c.send(&raw_get("/api/v1/networks?size=30", Some(&tok))).unwrap();
    let head = c
        .read_head()
        .expect("read head")
        .expect("connection closed before the head");
    assert_eq!(head.status, 200, "{head:?}");
    let cl = head.content_length().expect("Content-Length on the faulted response");
    let (body, err) = c.read_until_close();
    assert!(!body.is_empty(), "no body bytes at all");
    assert!(body.len() < cl, "whole body sent: {} of {cl}", body.len());
    let err = err.expect("connection closed cleanly instead of reset");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");

    // a client sees a transport error, not a truncated success
    let res = request(
        &a,
        "GET",
        &format!("{}{NETS}", s.base_url()),
        &[("Authorization", &format!("Bearer {tok}"))],
        None,
    );
    assert!(res.is_err(), "ureq got a complete response: {res:?}");
    assert_eq!(counter(&stats(&agent(), &s), &["faults", "reset_mid_body"]), 2);
}

#[test]
fn stall_times_out_and_is_cleared() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/networks*"}"#));

    let quick = agent_with_timeout(Duration::from_millis(500));
    let err = request(
        &quick,
        "GET",
        &format!("{}{NETS}", s.base_url()),
        &[("Authorization", &format!("Bearer {tok}"))],
        None,
    )
    .expect_err("stalled call answered");
    assert!(matches!(err, ureq::Error::Timeout(_)), "not a timeout: {err}");
    // other paths are not stalled
    get(&a, &s, &tok, "/api/v1/hosts").expect_status(200);

    let r = control(&a, &s, "DELETE", "/__mock/faults", None);
    assert!((200..300).contains(&r.status), "{}", r.status);
    get(&a, &s, &tok, NETS).expect_status(200);
    assert_eq!(counter(&stats(&a, &s), &["faults", "stall"]), 1);
}

#[test]
fn stalled_server_stops_cleanly_on_drop() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let port = s.port();
    s.add_fault(rule(r#"{"kind":"stall"}"#));
    let mut c = RawConn::open(&s);
    c.send(&raw_get(NETS, Some(&tok))).unwrap();
    // wait until the server has the request in hand
    let deadline = Instant::now() + Duration::from_secs(5);
    while counter(&s.stats(), &["faults", "stall"]) == 0 {
        assert!(Instant::now() < deadline, "stall rule never fired");
        std::thread::sleep(Duration::from_millis(20));
    }

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        drop(s);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(15))
        .expect("dropping a server with a stalled request did not return");

    // the stalled connection is closed, not left hanging
    let (_, e) = c.read_until_close();
    if let Some(e) = e {
        assert!(is_disconnect(e.kind()), "stalled connection not closed: {e}");
    }
    // and the port no longer accepts connections
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(),
        "port {port} still accepts connections after drop"
    );
}

#[test]
fn expire_token_fault() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"expire_token","path":"/api/v1/hosts","count":1}"#));
    let r = get(&a, &s, &tok, "/api/v1/hosts");
    assert_eq!(r.status, 401);
    assert!(r.body.is_empty());
    // the token is now expired everywhere
    assert_eq!(get(&a, &s, &tok, NETS).status, 401);
    let fresh = token(&a, &s);
    get(&a, &s, &fresh, "/api/v1/hosts").expect_status(200);
    assert_eq!(counter(&stats(&a, &s), &["faults", "expire_token"]), 1);
}

#[test]
fn method_and_path_glob_select_requests() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.add_fault(rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/hosts*"}"#,
    ));
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts").status, 503);
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts?page=0&size=5").status, 503);
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts/connectors").status, 503);
    get(&a, &s, &tok, NETS).expect_status(200);
    get(&a, &s, &tok, "/api/v1/networks/connectors").expect_status(200);
    // other methods on the same path are not selected
    let created = post_json(&a, &s, &tok, "/api/v1/hosts", &json!({"name": "glob-host"}));
    created.expect_status(201);

    // a glob in the middle; the query string is not part of the match
    s.clear_faults();
    s.add_fault(rule(r#"{"kind":"status","status":500,"path":"/api/v1/*/connectors"}"#));
    assert_eq!(get(&a, &s, &tok, "/api/v1/networks/connectors").status, 500);
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts/connectors?size=3").status, 500);
    get(&a, &s, &tok, "/api/v1/hosts").expect_status(200);
    get(&a, &s, &tok, NETS).expect_status(200);

    // an exact path without a glob does not match longer paths
    s.set_faults(vec![rule(
        r#"{"kind":"status","status":500,"path":"/api/v1/networks"}"#,
    )]);
    assert_eq!(get(&a, &s, &tok, NETS).status, 500);
    get(&a, &s, &tok, "/api/v1/networks/routes").expect_status(200);
}

#[test]
fn idle_close_closes_idle_keep_alive_connections() {
    let mut o = opts();
    o.idle_close = Some(Duration::from_millis(200));
    let s = start(o);
    let mut c = RawConn::open(&s);
    // the server's idle time between the two requests is at most the time from before
    // the first was sent to after the second was
    let before_first = Instant::now();
    c.send(&raw_get("/__mock/health", None)).unwrap();
    let r = c.read_response(false).unwrap().expect("response");
    assert_eq!(r.head.status, 200);
    // a request soon after reuses the connection; on a machine so loaded that the
    // connection sat idle for the whole 200 ms meanwhile, a close is right too
    c.send(&raw_get("/__mock/health", None)).ok();
    let idle = before_first.elapsed();
    match c.read_response(false) {
        Ok(Some(r)) => assert_eq!(r.head.status, 200),
        other => assert!(
            idle >= Duration::from_millis(200),
            "closed after {idle:?} idle: {other:?}"
        ),
    }

    // no sleep: the read blocks until the server closes the idle connection
    c.set_read_timeout(Duration::from_secs(30));
    let closed = match c.read_response(false) {
        Ok(None) => true,
        Err(e) if is_disconnect(e.kind()) => true,
        Ok(Some(r)) => panic!("unexpected bytes on an idle connection: {r:?}"),
        Err(e) => panic!("idle connection not closed: {e}"),
    };
    assert!(closed);
    // a write and read on it fails too
    let _ = c.send(&raw_get("/__mock/health", None));
    match c.read_response(false) {
        Ok(None) => {}
        Err(e) if is_disconnect(e.kind()) => {}
        other => panic!("closed connection answered: {other:?}"),
    }
}

#[test]
fn without_idle_close_keep_alive_connections_stay_open() {
    let s = start(opts());
    let mut c = RawConn::open(&s);
    c.send(&raw_get("/__mock/health", None)).unwrap();
    assert_eq!(c.read_response(false).unwrap().expect("response").head.status, 200);
    std::thread::sleep(Duration::from_millis(500));
    c.send(&raw_get("/__mock/health", None)).unwrap();
    let r = c.read_response(false).unwrap().expect("connection was closed");
    assert_eq!(r.head.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"status": "ok"})
    );
}

#[test]
fn faults_from_options() {
    let mut o = opts();
    o.faults = vec![
        rule(r#"{"kind":"status","status":502,"path":"/api/v1/hosts"}"#),
        rule(r#"{"kind":"rate_limit","path":"/api/v1/users"}"#),
    ];
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts").status, 502);
    assert_eq!(get(&a, &s, &tok, "/api/v1/users").status, 429);
    get(&a, &s, &tok, NETS).expect_status(200);
    let listed = control(&a, &s, "GET", "/__mock/faults", None);
    listed.expect_status(200);
    let rules = listed.json()["rules"].as_array().expect("rules array").clone();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["kind"], "status");
    assert_eq!(rules[0]["status"], 502);
    assert_eq!(rules[1]["kind"], "rate_limit");
}

#[test]
fn faults_through_the_control_api() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let list = |a: &ureq::Agent| -> Vec<Value> {
        let r = control(a, &s, "GET", "/__mock/faults", None);
        r.expect_status(200);
        r.json()["rules"].as_array().expect("rules array").clone()
    };
    assert!(list(&a).is_empty());

    let put = json!({"rules": [
        {"kind": "status", "status": 503, "path": "/api/v1/hosts"},
        {"kind": "status", "status": 504, "path": "/api/v1/users"}
    ]});
    let r = control(&a, &s, "PUT", "/__mock/faults", Some(&put));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    assert_eq!(list(&a).len(), 2);
    assert_eq!(get(&a, &s, &tok, "/api/v1/hosts").status, 503);
    assert_eq!(get(&a, &s, &tok, "/api/v1/users").status, 504);

    let post = json!({"kind": "status", "status": 500, "path": "/api/v1/regions"});
    let r = control(&a, &s, "POST", "/__mock/faults", Some(&post));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    let rules = list(&a);
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[2]["status"], 500);
    assert_eq!(get(&a, &s, &tok, "/api/v1/regions").status, 500);

    // PUT replaces everything
    let put = json!({"rules": [{"kind": "status", "status": 503, "path": "/api/v1/users"}]});
    let r = control(&a, &s, "PUT", "/__mock/faults", Some(&put));
    assert!((200..300).contains(&r.status));
    assert_eq!(list(&a).len(), 1);
    get(&a, &s, &tok, "/api/v1/hosts").expect_status(200);
    get(&a, &s, &tok, "/api/v1/regions").expect_status(200);
    assert_eq!(get(&a, &s, &tok, "/api/v1/users").status, 503);

    let r = control(&a, &s, "DELETE", "/__mock/faults", None);
    assert!((200..300).contains(&r.status));
    assert!(list(&a).is_empty());
    get(&a, &s, &tok, "/api/v1/users").expect_status(200);

    // rules that make no sense are refused, and nothing is added
    for bad in [
        json!({"kind": "no_such_kind"}),
        json!({"kind": "status", "status": 200}),
        json!({"kind": "status", "status": 503, "probability": 1.5}),
    ] {
        let r = control(&a, &s, "POST", "/__mock/faults", Some(&bad));
        assert_eq!(r.status, 400, "accepted {bad}: {:?}", r.text());
        assert!(FaultRule::parse(&bad.to_string()).is_err(), "parse accepted {bad}");
    }
    assert!(list(&a).is_empty());
}

#[test]
fn fault_counters_in_stats() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    s.set_faults(vec![
        rule(r#"{"kind":"latency","ms":1,"path":"/api/v1/regions"}"#),
        rule(r#"{"kind":"status","status":503,"path":"/api/v1/hosts","count":2}"#),
        rule(r#"{"kind":"rate_limit","path":"/api/v1/users","count":1}"#),
    ]);
    for p in ["/api/v1/regions", "/api/v1/regions", "/api/v1/regions"] {
        get(&a, &s, &tok, p).expect_status(200);
    }
    for _ in 0..3 {
        get(&a, &s, &tok, "/api/v1/hosts");
        get(&a, &s, &tok, "/api/v1/users");
    }
    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["faults", "latency"]), 3, "{st}");
    assert_eq!(counter(&st, &["faults", "status"]), 2, "{st}");
    assert_eq!(counter(&st, &["faults", "rate_limit"]), 1, "{st}");
    for kind in ["reset_before", "reset_mid_body", "stall", "expire_token"] {
        assert_eq!(counter(&st, &["faults", kind]), 0, "{st}");
    }
    // rate_limit faults are not the limiter
    assert_eq!(counter(&st, &["rate_limited"]), 0, "{st}");

    let r = control(&a, &s, "POST", "/__mock/stats/reset", None);
    assert!((200..300).contains(&r.status));
    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["faults", "status"]), 0, "{st}");
    assert_eq!(counter(&st, &["requests_total"]), 0, "{st}");

    // and through the Rust API
    s.add_fault(rule(r#"{"kind":"rate_limit","path":"/api/v1/users","count":1}"#));
    get(&a, &s, &tok, "/api/v1/users").expect_status(429);
    assert_eq!(counter(&s.stats(), &["faults", "rate_limit"]), 1);
    s.reset_stats();
    let st = s.stats();
    assert_eq!(counter(&st, &["faults", "rate_limit"]), 0, "{st}");
    assert_eq!(counter(&st, &["requests_total"]), 0, "{st}");
}

#[test]
fn connection_reuse_is_visible_in_stats() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    for _ in 0..10 {
        get(&a, &s, &tok, NETS).expect_status(200);
    }
    let st = s.stats();
    assert_eq!(counter(&st, &["connections_accepted"]), 1, "{st}");
    assert_eq!(counter(&st, &["requests_total"]), 11, "{st}");
    assert!(counter(&st, &["bytes_served"]) > 0, "{st}");

    // a second agent needs its own connection
    let b = agent();
    get(&b, &s, &tok, NETS).expect_status(200);
    let st = s.stats();
    assert_eq!(counter(&st, &["connections_accepted"]), 2, "{st}");
    assert_eq!(counter(&st, &["connections_open"]), 2, "{st}");

    // closing the clients' connections is seen too
    drop(a);
    drop(b);
    let deadline = Instant::now() + Duration::from_secs(5);
    while counter(&s.stats(), &["connections_open"]) != 0 {
        assert!(
            Instant::now() < deadline,
            "connections_open stays at {}",
            s.stats()["connections_open"]
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn idle_close_through_the_config_api() {
    let s = start(opts());
    let a = agent();
    let cfg = control(&a, &s, "GET", "/__mock/config", None).json();
    assert_eq!(cfg["idle_close_ms"], Value::Null, "{cfg}");
    let r = control(&a, &s, "PUT", "/__mock/config", Some(&json!({"idle_close_ms": 200})));
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    let cfg = control(&a, &s, "GET", "/__mock/config", None).json();
    assert_eq!(cfg["idle_close_ms"], 200, "{cfg}");

    let mut c = RawConn::open(&s);
    c.send(&raw_get("/__mock/health", None)).unwrap();
    assert_eq!(c.read_response(false).unwrap().expect("response").head.status, 200);
    // no sleep: the read blocks until the server closes the idle connection
    c.set_read_timeout(Duration::from_secs(30));
    match c.read_response(false) {
        Ok(None) => {}
        Err(e) if is_disconnect(e.kind()) => {}
        other => panic!("idle connection not closed: {other:?}"),
    }
}
