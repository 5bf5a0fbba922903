//! OAuth2 client-credentials token endpoint and bearer-token checks.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

const TOKEN_PATH: &str = "/api/v1/oauth/token";

#[track_caller]
/// `POST /api/v1/oauth/token?client_id=…&client_secret=…` (the server's key) plus `extra`
/// query parameters, no body.
fn token_by_query(a: &ureq::Agent, s: &MockServer, extra: &str) -> Resp {
    let url = format!(
        "{}{TOKEN_PATH}?client_id={}&client_secret={}{extra}",
        s.base_url(),
        s.client_id(),
        s.client_secret()
    );
    must(a, "POST", &url, &[], None)
}

fn assert_token_response(r: &Resp, expires_in: u64) -> String {
    r.expect_status(200);
    let v = r.json();
    let tok = v["access_token"].as_str().expect("access_token string");
    assert!(!tok.is_empty(), "empty access_token: {v}");
    assert_eq!(v["token_type"], "bearer", "{v}");
    assert_eq!(v["expires_in"].as_u64(), Some(expires_in), "{v}");
    assert_eq!(v["scope"], "read write", "{v}");
    tok.to_owned()
}

#[track_caller]
fn assert_works(a: &ureq::Agent, s: &MockServer, tok: &str) {
    get(a, s, tok, "/api/v1/networks").expect_status(200);
}

/// `GET /api/v1/networks` with `tok` is refused as an expired or unknown token.
#[track_caller]
fn assert_rejected(a: &ureq::Agent, s: &MockServer, tok: &str) {
    assert_401_empty(&get(a, s, tok, "/api/v1/networks"));
}

/// `tok`, asked for at `asked`, works while it is within `lifetime`: a 401 is right only
/// once `lifetime` has passed since it was asked for (the emulator's tokens live in real
/// time; on a loaded machine the call may come late, and that is no failure).
#[track_caller]
fn assert_works_within(a: &ureq::Agent, s: &MockServer, tok: &str, asked: std::time::Instant, lifetime: Duration) {
    let r = get(a, s, tok, "/api/v1/networks");
    let age = asked.elapsed();
    if r.status == 401 {
        assert!(age >= lifetime, "a {lifetime:?} token refused after {age:?}");
    } else {
        r.expect_status(200);
    }
}

#[track_caller]
fn assert_401_empty(r: &Resp) {
    assert_eq!(r.status, 401, "body: {:?}", r.text());
    assert!(r.body.is_empty(), "401 must have an empty body: {:?}", r.text());
}

#[test]
fn token_by_basic_auth() {
    let s = start(opts());
    let a = agent();
    let r = token_request(&a, &s, s.client_id(), s.client_secret());
    let tok = assert_token_response(&r, 43199);
    // JWT-like: three dot-separated parts
    assert_eq!(tok.split('.').count(), 3, "not JWT-like: {tok}");
    assert_works(&a, &s, &tok);
}

#[test]
fn token_by_query_params() {
    let s = start(opts());
    let a = agent();
    let r = token_by_query(&a, &s, "&grant_type=client_credentials");
    let tok = assert_token_response(&r, 43199);
    assert_works(&a, &s, &tok);

    // grant_type defaults to client_credentials
    let r = token_by_query(&a, &s, "");
    let tok = assert_token_response(&r, 43199);
    assert_works(&a, &s, &tok);
}

#[test]
fn token_by_form_body() {
    let s = start(opts());
    let a = agent();
    let url = format!("{}{TOKEN_PATH}", s.base_url());
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        s.client_id(),
        s.client_secret()
    );
    let r = must(
        &a,
        "POST",
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    let tok = assert_token_response(&r, 43199);
    assert_works(&a, &s, &tok);

    // wrong secret in the form body is refused
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret=nope",
        s.client_id()
    );
    let r = must(
        &a,
        "POST",
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 401, "{:?}", r.text());
}

#[test]
fn token_with_json_body_and_no_content_type() {
    // What the Go client sends: Basic auth, a JSON body, no Content-Type.
    let s = start(opts());
    let a = agent();
    let url = format!("{}{TOKEN_PATH}", s.base_url());
    let auth = basic(s.client_id(), s.client_secret());
    let r = must(
        &a,
        "POST",
        &url,
        &[("Authorization", &auth), ("Accept", "application/json")],
        Some(br#"{"grant_type":"client_credentials","scope":"default"}"#),
    );
    let tok = assert_token_response(&r, 43199);
    assert_works(&a, &s, &tok);
}

#[test]
fn wrong_secret_is_401_json_error() {
    let s = start(opts());
    let a = agent();
    for r in [
        token_request(&a, &s, s.client_id(), "wrong-secret"),
        token_request(&a, &s, "unknown-client", s.client_secret()),
        must(
            &a,
            "POST",
            &format!(
                "{}{TOKEN_PATH}?client_id={}&client_secret=wrong",
                s.base_url(),
                s.client_id()
            ),
            &[],
            None,
        ),
    ] {
        assert_eq!(r.status, 401, "{:?}", r.text());
        let v = r.json();
        assert_eq!(v["error"], "invalid_client", "{v}");
        assert_eq!(v["error_description"], "Bad client credentials", "{v}");
        assert!(v.get("access_token").is_none(), "{v}");
    }
    // no credentials at all
    let r = must(&a, "POST", &format!("{}{TOKEN_PATH}", s.base_url()), &[], None);
    assert_eq!(r.status, 401, "{:?}", r.text());
    assert_eq!(counter(&stats(&a, &s), &["tokens_issued"]), 0);
}

#[test]
fn unsupported_grant_type_is_400() {
    let s = start(opts());
    let a = agent();
    let r = token_by_query(&a, &s, "&grant_type=password");
    assert_eq!(r.status, 400, "{:?}", r.text());
    assert_eq!(r.json()["error"], "unsupported_grant_type");

    // same through a form body with Basic credentials
    let auth = basic(s.client_id(), s.client_secret());
    let r = must(
        &a,
        "POST",
        &format!("{}{TOKEN_PATH}", s.base_url()),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(b"grant_type=authorization_code"),
    );
    assert_eq!(r.status, 400, "{:?}", r.text());
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    assert_eq!(counter(&stats(&a, &s), &["tokens_issued"]), 0);
}

#[test]
fn missing_or_garbage_token_is_401_with_empty_body() {
    let s = start(opts());
    let a = agent();
    let url = format!("{}/api/v1/networks", s.base_url());
    let basic_auth = basic(s.client_id(), s.client_secret());
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("Authorization", "Bearer garbage")],
        vec![("Authorization", "Bearer ")],
        vec![("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA")],
        vec![("Authorization", &basic_auth)],
    ];
    for h in &cases {
        let r = must(&a, "GET", &url, h, None);
        assert_401_empty(&r);
    }
    // also on a write and on a settings call
    let r = must(
        &a,
        "POST",
        &url,
        &[("Content-Type", "application/json")],
        Some(br#"{"name":"x"}"#),
    );
    assert_401_empty(&r);
    let r = must(
        &a,
        "GET",
        &format!("{}/api/v1/settings/wpc/subnet", s.base_url()),
        &[],
        None,
    );
    assert_401_empty(&r);

    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["unauthorized"]), cases.len() as u64 + 2, "{st}");

    // a valid token on the same server still works
    let tok = token(&a, &s);
    assert_works(&a, &s, &tok);
}

#[test]
fn token_lifetime_expires_tokens() {
    let a = agent();
    // server A: lifetime from the options
    let mut o = opts();
    o.token_lifetime = Duration::from_secs(1);
    let sa = start(o);
    let second = Duration::from_secs(1);
    let asked_a = std::time::Instant::now();
    let r = token_request(&a, &sa, sa.client_id(), sa.client_secret());
    let tok_a = assert_token_response(&r, 1);
    assert_works_within(&a, &sa, &tok_a, asked_a, second);

    // server B: lifetime changed at run time through PUT /__mock/config
    let sb = start(opts());
    let r = control(
        &a,
        &sb,
        "PUT",
        "/__mock/config",
        Some(&json!({"token_lifetime_secs": 1})),
    );
    assert!((200..300).contains(&r.status), "{} {:?}", r.status, r.text());
    let cfg = control(&a, &sb, "GET", "/__mock/config", None).json();
    assert_eq!(cfg["token_lifetime_secs"], 1, "{cfg}");
    let asked_b = std::time::Instant::now();
    let r = token_request(&a, &sb, sb.client_id(), sb.client_secret());
    let issued_b = std::time::Instant::now(); // the emulator issued it before this
    let tok_b = assert_token_response(&r, 1);
    assert_works_within(&a, &sb, &tok_b, asked_b, second);

    // the emulator's lifetime is real time: wait it out (more than 1 s since each token
    // was issued; a slower machine only waits longer, which cannot turn a 401 into a 200)
    std::thread::sleep(second.saturating_sub(issued_b.elapsed()) + Duration::from_millis(10));
    assert_rejected(&a, &sa, &tok_a);
    assert_rejected(&a, &sb, &tok_b);

    let fresh = token(&a, &sa);
    assert_ne!(fresh, tok_a);
    assert_works(&a, &sa, &fresh);
}

#[test]
fn control_expire_tokens_endpoint() {
    let s = start(opts());
    let a = agent();
    let t1 = token(&a, &s);
    let t2 = token(&a, &s);
    assert_ne!(t1, t2, "two token requests gave the same token");
    assert_works(&a, &s, &t1);
    assert_works(&a, &s, &t2);

    let r = control(&a, &s, "POST", "/__mock/tokens/expire", None);
    r.expect_status(200);
    assert_eq!(r.json(), json!({"expired": 2}));

    assert_rejected(&a, &s, &t1);
    assert_rejected(&a, &s, &t2);

    let t3 = token(&a, &s);
    assert_works(&a, &s, &t3);
    // the old tokens stay dead
    assert_rejected(&a, &s, &t1);
}

#[test]
fn rust_api_expire_tokens() {
    let s = start(opts());
    let a = agent();
    let t1 = token(&a, &s);
    assert_works(&a, &s, &t1);
    s.expire_tokens();
    assert_rejected(&a, &s, &t1);
    let t2 = token(&a, &s);
    assert_works(&a, &s, &t2);
}

#[test]
fn expire_token_fault_expires_only_the_presented_token() {
    let s = start(opts());
    let a = agent();
    let victim = token(&a, &s);
    let other = token(&a, &s);
    s.add_fault(rule(r#"{"kind":"expire_token","path":"/api/v1/networks*","count":1}"#));

    assert_rejected(&a, &s, &victim);
    // the rule has fired once; the token stays expired
    assert_401_empty(&get(&a, &s, &victim, "/api/v1/hosts"));
    assert_rejected(&a, &s, &victim);
    // other tokens are untouched
    assert_works(&a, &s, &other);
    // a new token works
    let fresh = token(&a, &s);
    assert_works(&a, &s, &fresh);

    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["faults", "expire_token"]), 1, "{st}");
}

#[test]
fn tokens_issued_is_counted() {
    let s = start(opts());
    let a = agent();
    assert_eq!(counter(&s.stats(), &["tokens_issued"]), 0);
    for _ in 0..3 {
        token(&a, &s);
    }
    // a refused request does not count
    assert_eq!(
        token_request(&a, &s, s.client_id(), "bad").status,
        401,
        "bad secret accepted"
    );
    let st = stats(&a, &s);
    assert_eq!(counter(&st, &["tokens_issued"]), 3, "{st}");
    assert_eq!(counter(&st, &["operations", "requestToken", "200"]), 3, "{st}");
    assert_eq!(counter(&st, &["operations", "requestToken", "401"]), 1, "{st}");
    assert_eq!(s.stats()["tokens_issued"], st["tokens_issued"]);
}

#[test]
fn second_api_key_via_control_api() {
    let s = start(opts());
    let a = agent();
    // unknown before it is added
    assert_eq!(token_request(&a, &s, "second-key", "second-secret").status, 401);

    add_credentials(&a, &s, "second-key", "second-secret");
    let t2 = token_for(&a, &s, "second-key", "second-secret");
    assert_works(&a, &s, &t2);
    // its secret is checked
    assert_eq!(token_request(&a, &s, "second-key", "wrong").status, 401);
    // the original key still works
    let t1 = token(&a, &s);
    assert_works(&a, &s, &t1);
    // and by query params too
    let url = format!(
        "{}{TOKEN_PATH}?client_id=second-key&client_secret=second-secret",
        s.base_url()
    );
    assert_token_response(&must(&a, "POST", &url, &[], None), 43199);
}
