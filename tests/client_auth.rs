//! OAuth token handling against the emulator: caching, proactive refresh before
//! expiry, a single refresh after a 401 however many threads hit it, token
//! endpoint failures, and secrets never showing in Debug or error output.

// Helpers return the library's own `Result`; the size of its `Error` is not this file's to change.
#![allow(clippy::result_large_err)]

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use cloudconnexa::resilience::ManualClock;
use cloudconnexa::{Client, ClientFactory, Error, ErrorKind, Method};
use common::*;

fn get_networks(client: &Client) -> cloudconnexa::Result<cloudconnexa::RawResponse> {
    client.request(Method::Get, "/networks").query("size", 1).send()
}

#[test]
fn token_is_fetched_once_and_cached() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    assert_eq!(
        client.metrics().auth.seconds_to_refresh.map(Duration::from_secs_f64),
        None,
        "no token before the first call"
    );
    for _ in 0..100 {
        get_networks(&client).unwrap();
    }
    assert_eq!(stat(&server, "tokens_issued"), 1);
    assert_eq!(op_count(&server, "requestToken", 200), 1);
    assert_eq!(op_count(&server, "getNetworksPage", 200), 100);
    assert_eq!(client.metrics().auth.token_fetches, 1);
    assert_eq!(client.metrics().auth.fetch_failures, 0);
    // the emulator's tokens live 43199 s; the default margin is 60 s
    let left = client
        .metrics()
        .auth
        .seconds_to_refresh
        .map(Duration::from_secs_f64)
        .expect("a cached token");
    assert!(
        left > Duration::from_secs(40_000) && left <= Duration::from_secs(43_139),
        "{left:?}"
    );
}

#[test]
fn token_is_refreshed_before_it_expires() {
    // the client's clock is manual: expiry and refresh happen when the test says so
    let mut o = opts();
    o.token_lifetime = Duration::from_secs(3600);
    let server = start(o);
    let clock = ManualClock::new();
    let client = builder(&server)
        .token_refresh_margin(Duration::from_secs(60))
        .clock(clock.clone())
        .build()
        .unwrap();
    get_networks(&client).unwrap();
    assert_eq!(
        client.metrics().auth.seconds_to_refresh,
        Some(3540.0),
        "1 h token, 60 s margin"
    );
    assert_eq!(stat(&server, "tokens_issued"), 1);

    // just before the refresh point: the cached token
    clock.advance(Duration::from_secs(3540) - Duration::from_nanos(1));
    get_networks(&client).unwrap();
    assert_eq!(stat(&server, "tokens_issued"), 1);
    // at the refresh point, a margin before the server's expiry: the call goes on with
    // the valid token while a new one is fetched in the background
    clock.advance(Duration::from_nanos(1));
    get_networks(&client).unwrap();
    assert_eq!(client.metrics().auth.token_fetches, 2, "the refresh started");
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while client.metrics().auth.seconds_to_refresh != Some(3600.0 - 60.0) {
        assert!(
            std::time::Instant::now() < give_up,
            "the background refresh did not finish"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(
        stat(&server, "tokens_issued"),
        2,
        "a new token must be fetched before the old one expires"
    );
    get_networks(&client).unwrap();
    assert_eq!(client.metrics().auth.token_fetches, 2);
    assert_eq!(
        op_count(&server, "getNetworksPage", 401),
        0,
        "{}",
        op_statuses(&server, "getNetworksPage")
    );
    assert_eq!(stat(&server, "unauthorized"), 0);
    assert_eq!(client.metrics().auth.rejected, 0);
}

#[test]
fn sixty_four_threads_after_a_401_refresh_once() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    get_networks(&client).unwrap();
    assert_eq!(stat(&server, "tokens_issued"), 1);
    assert_eq!(server.expire_tokens(), 1);

    let barrier = Arc::new(Barrier::new(64));
    let handles: Vec<_> = (0..64)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                get_networks(&client)
            })
        })
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert!(r.is_ok(), "{}", r.unwrap_err());
    }
    assert_eq!(
        stat(&server, "tokens_issued"),
        2,
        "exactly one new token for 64 threads"
    );
    assert_eq!(op_count(&server, "requestToken", 200), 2);
    assert_eq!(client.metrics().auth.token_fetches, 2);
    assert_eq!(client.metrics().auth.rejected, 1, "one token dropped, once");
    let unauthorized = op_count(&server, "getNetworksPage", 401);
    assert!((1..=64).contains(&unauthorized), "{unauthorized} 401s");
    assert_eq!(op_count(&server, "getNetworksPage", 200), 1 + 64);
}

#[test]
fn a_second_401_after_a_fresh_token_is_an_error() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    get_networks(&client).unwrap();
    // every data call now answers 401, even with a fresh token
    server.add_fault(rule(r#"{"kind":"status","status":401,"path":"/api/v1/networks"}"#));
    let e = expect_err(get_networks(&client), "persistent 401", |k| {
        matches!(k, ErrorKind::Http { status: 401, .. })
    });
    assert_eq!(e.status(), Some(401));
    assert_eq!(
        op_count(&server, "getNetworksPage", 401),
        2,
        "one refresh, then give up"
    );
    assert_eq!(stat(&server, "tokens_issued"), 2);
}

#[test]
fn bad_secret_is_auth_401() {
    let server = start(opts());
    let client = builder_for(&server.base_url(), server.client_id(), "not-the-secret")
        .build()
        .unwrap();
    let e = expect_err(get_networks(&client), "bad secret", |k| {
        k == &ErrorKind::Auth { status: 401 }
    });
    assert_eq!(e.status(), Some(401));
    assert!(!e.is_retryable(), "{e}");
    assert_eq!(op_count(&server, "requestToken", 401), 1);
    assert_eq!(
        op_count(&server, "getNetworksPage", 200) + op_count(&server, "getNetworksPage", 401),
        0
    );
    assert_eq!(client.metrics().auth.fetch_failures, 1);
}

#[test]
fn token_endpoint_503_is_auth_503() {
    let server = start(opts());
    server.add_fault(rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/oauth/token","retry_after":"7"}"#,
    ));
    let client = builder(&server).build().unwrap();
    let e = expect_err(get_networks(&client), "token 503", |k| {
        k == &ErrorKind::Auth { status: 503 }
    });
    assert!(e.is_retryable(), "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(stat(&server, "tokens_issued"), 0);
    // once the endpoint recovers, the next call gets a token
    server.clear_faults();
    get_networks(&client).unwrap();
    assert_eq!(client.metrics().auth.token_fetches, 2);
}

// ---------------------------------------------------------------------------
// Secrets never printed
// ---------------------------------------------------------------------------

const SECRET: &str = "S3cr3t-LEAK-CHECK-7f3a9c";
const WRONG_SECRET: &str = "Wr0ng-LEAK-CHECK-b41d";
const RAW_TOKEN: &str = "tok-LEAK-SENTINEL-5e2c";
/// The start of every token the emulator mints (`{"typ":"JWT",…` in base64url).
const EMULATOR_TOKEN_PREFIX: &str = "eyJ0eXAiOiJKV1Qi";

fn forbidden() -> Vec<String> {
    let b64 = |id: &str, s: &str| base64::engine::general_purpose::STANDARD.encode(format!("{id}:{s}"));
    vec![
        SECRET.into(),
        WRONG_SECRET.into(),
        RAW_TOKEN.into(),
        EMULATOR_TOKEN_PREFIX.into(),
        b64("ccx-leak-id", SECRET),
        b64("ccx-leak-id", WRONG_SECRET),
        b64("raw-id", SECRET),
        "Bearer ".into(),
        "Basic ".into(),
    ]
}

/// Every error the scan looks at, with the case that produced it.
#[derive(Default)]
struct Seen(Vec<(String, Error)>);

impl Seen {
    #[track_caller]
    fn err<T: std::fmt::Debug>(&mut self, what: &str, r: cloudconnexa::Result<T>) {
        self.0.push((what.to_string(), r.expect_err(what)));
    }

    fn kind(&self, what: &str) -> ErrorKind {
        self.0
            .iter()
            .find(|(w, _)| w == what)
            .map(|(_, e)| e.kind().clone())
            .unwrap()
    }
}

/// Errors from the emulator (bad secret, 404, 400, 401 twice, 500, reset, token 503),
/// and the Debug output of everything that holds the secret.
fn errors_from_the_emulator(seen: &mut Seen) -> Vec<String> {
    let mut o = opts();
    o.client_id = "ccx-leak-id".into();
    o.client_secret = SECRET.into();
    let server = start(o);
    let good = builder(&server).build().unwrap();
    let wrong = builder(&server).client_secret(WRONG_SECRET).build().unwrap();
    let factory = ClientFactory::new(builder(&server)).unwrap();
    let fault = |json: &str| server.set_faults(vec![rule(json)]);

    get_networks(&good).unwrap(); // a token is cached from here on
    seen.err("bad secret", get_networks(&wrong));
    seen.err("not found", good.request(Method::Get, "/networks/no-such-id").send());
    let blank = serde_json::json!({"name": ""});
    seen.err(
        "validation",
        good.request(Method::Post, "/networks").json(&blank).send(),
    );
    fault(r#"{"kind":"status","status":401,"path":"/api/v1/networks","count":2}"#);
    seen.err("401 twice", get_networks(&good));
    fault(r#"{"kind":"status","status":500,"path":"/api/v1/networks"}"#);
    seen.err("500", get_networks(&good));
    fault(r#"{"kind":"reset_mid_body","path":"/api/v1/networks"}"#);
    seen.err("reset mid body", get_networks(&good));
    fault(r#"{"kind":"status","status":503,"path":"/api/v1/oauth/token"}"#);
    let fresh = builder(&server).build().unwrap();
    seen.err("token 503", get_networks(&fresh));
    vec![
        format!("{:?}", builder(&server)),
        format!(
            "{:?}",
            builder(&server).client_certificate(b"x".to_vec(), SECRET.as_bytes().to_vec())
        ),
        format!("{good:?}"),
        format!("{wrong:?}"),
        format!("{fresh:?}"),
        format!("{:?}", good.transport()),
        format!("{factory:?}"),
    ]
}

/// Errors from a raw server that issues a known token: 401, decode, timeout, truncated body.
fn errors_from_a_raw_server(seen: &mut Seen) {
    // the slow answer waits until the client has given up, however loaded the machine is
    // (a rendezvous: the test releases it after the client's error)
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Mutex::new(held);
    let server = RawServer::start(move |r| {
        if is_token_request(r) {
            return Reply::Send(token_response(RAW_TOKEN));
        }
        match r.path() {
            "/api/v1/unauthorized" => Reply::Send(response(401, "text/plain", b"")),
            "/api/v1/html" => Reply::Send(response(200, "text/html", b"<html>hello</html>")),
            "/api/v1/slow" => {
                // bounded, so a broken client cannot hang the server thread for ever
                let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(60));
                Reply::Send(json_response(200, "{}"))
            }
            _ => Reply::SendThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789".to_vec()),
        }
    });
    let client = builder_for(&server.url(), "raw-id", SECRET)
        .read_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    seen.err("raw 401", client.request(Method::Get, "/unauthorized").send());
    let html = client.request(Method::Get, "/html").send().unwrap();
    seen.err("raw decode", html.json::<serde_json::Value>());
    seen.err("raw slow", client.request(Method::Get, "/slow").send());
    release.send(()).unwrap();
    seen.err("raw truncated", client.request(Method::Get, "/truncated").send());
    // the bearer token really went over the wire, so its absence below means something
    let bearer = format!("Bearer {RAW_TOKEN}");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some(bearer.as_str()))
    );
}

#[test]
fn secrets_and_tokens_never_show_in_debug_or_errors() {
    let mut seen = Seen::default();
    let debug = errors_from_the_emulator(&mut seen);
    errors_from_a_raw_server(&mut seen);
    let mut texts: Vec<(String, String)> = debug.into_iter().map(|d| ("Debug".to_string(), d)).collect();
    for (what, e) in &seen.0 {
        texts.push((what.clone(), format!("{e}")));
        texts.push((what.clone(), format!("{e:?}")));
    }
    for (what, text) in &texts {
        for bad in forbidden() {
            assert!(!text.contains(&bad), "{what}: {bad:?} appears in {text:?}");
        }
    }
    // the scan looked at real output: each case failed the way it should
    assert_eq!(seen.0.len(), 11);
    assert_eq!(seen.kind("bad secret"), ErrorKind::Auth { status: 401 });
    assert_eq!(seen.kind("token 503"), ErrorKind::Auth { status: 503 });
    assert!(matches!(seen.kind("not found"), ErrorKind::Http { status: 404, .. }));
    assert!(matches!(seen.kind("validation"), ErrorKind::Http { status: 400, .. }));
    assert!(matches!(seen.kind("401 twice"), ErrorKind::Http { status: 401, .. }));
    assert!(matches!(seen.kind("raw 401"), ErrorKind::Http { status: 401, .. }));
    assert_eq!(seen.kind("raw decode"), ErrorKind::Decode);
    assert!(
        matches!(seen.kind("raw slow"), ErrorKind::Timeout(_)),
        "{:?}",
        seen.kind("raw slow")
    );
    assert_eq!(seen.kind("raw truncated"), ErrorKind::Io);
    assert!(
        texts[0].1.contains("client_secret"),
        "the builder's Debug shows the field, masked"
    );
}
