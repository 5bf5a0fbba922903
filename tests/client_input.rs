//! Untrusted input on both sides: builder settings (validated, named, never a
//! panic), ids and raw paths (encoded or refused before anything is sent),
//! response bodies that are not what was asked for, and `from_env()`.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::time::{Duration, Instant};

use cloudconnexa::models::PageRequest;
use cloudconnexa::{
    Client, ClientBuilder, ClientFactory, ErrorKind, Method, PoolWait, TlsRoots, Transport, TransportOptions,
};
use common::*;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A builder that is valid except for what a case changes.
fn valid() -> ClientBuilder {
    ClientBuilder::new()
        .api_url("https://acme.api.openvpn.com")
        .client_id("id")
        .client_secret("secret")
}

/// `build()` must return `InvalidInput` whose message contains `needle` (case-insensitive), without panicking.
#[track_caller]
fn assert_rejected(case: &str, b: ClientBuilder, needle: &str) {
    // boxed: the error is large, and clippy wants large errors off the stack in closures
    let result = catch_unwind(AssertUnwindSafe(|| b.build().map_err(Box::new)))
        .unwrap_or_else(|_| panic!("{case}: build() panicked"));
    let e = match result {
        Ok(c) => panic!("{case}: accepted ({c:?})"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{case}: {e}");
    assert!(!e.is_retryable(), "{case}");
    assert!(
        e.to_string().to_lowercase().contains(&needle.to_lowercase()),
        "{case}: message {:?} does not name {needle:?}",
        e.to_string()
    );
}

// ---------------------------------------------------------------------------
// Builder validation
// ---------------------------------------------------------------------------

#[test]
fn bad_api_urls_are_rejected_by_name() {
    let cases: &[(&str, bool, &str)] = &[
        ("acme.api.openvpn.com", false, "scheme"),
        ("ftp://acme.api.openvpn.com", false, "scheme"),
        ("file:///etc/passwd", false, "api_url"),
        ("http://acme.api.openvpn.com", true, "loopback"),
        ("http://10.0.0.1:8080", true, "loopback"),
        ("http://127.0.0.1:8080", false, "allow_insecure_http"),
        ("http://localhost:8080", false, "allow_insecure_http"),
        ("https://user:hunter2@acme.api.openvpn.com", false, "user information"),
        ("https://acme.api.openvpn.com/?a=b", false, "query"),
        ("https://acme.api.openvpn.com?a=b", false, "query"),
        ("https://acme.api.openvpn.com/#x", false, "fragment"),
        ("", false, "empty"),
        ("   ", false, "empty"),
        ("https://", false, "host"),
        ("https://exa mple.com", false, "api_url"),
        ("https://acme.api.openvpn.com:99999", false, "api_url"),
        ("https://acme.api.openvpn.com:0", false, "api_url"),
        ("https://acme.api.openvpn.com/a b", false, "whitespace"),
    ];
    for &(url, http, needle) in cases {
        assert_rejected(
            &format!("api_url {url:?} (http {http})"),
            valid().api_url(url).allow_insecure_http(http),
            needle,
        );
    }
    assert_rejected(
        "no api_url",
        ClientBuilder::new().client_id("id").client_secret("s"),
        "api_url",
    );
    // the rejected password is not repeated back
    let e = valid()
        .api_url("https://user:hunter2@acme.api.openvpn.com")
        .build()
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");

    for (url, http, origin) in [
        ("https://acme.api.openvpn.com/", false, "https://acme.api.openvpn.com"),
        (
            "HTTPS://acme.api.openvpn.com:8443",
            false,
            "https://acme.api.openvpn.com:8443",
        ),
        ("https://proxy.example/cc/", false, "https://proxy.example/cc"),
        ("http://127.0.0.1:9", true, "http://127.0.0.1:9"),
        ("http://[::1]:9", true, "http://[::1]:9"),
        ("http://localhost:9", true, "http://localhost:9"),
    ] {
        let c = valid()
            .api_url(url)
            .allow_insecure_http(http)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(c.api_url(), origin);
    }
}

#[test]
fn cloud_id_expands_and_bad_ones_are_rejected() {
    let c = ClientBuilder::new()
        .cloud_id("acme")
        .client_id("id")
        .client_secret("s")
        .build()
        .unwrap();
    assert_eq!(c.api_url(), "https://acme.api.openvpn.com");
    let c = ClientBuilder::new()
        .cloud_id("acme-2")
        .client_id("id")
        .client_secret("s")
        .build()
        .unwrap();
    assert_eq!(c.api_url(), "https://acme-2.api.openvpn.com");
    // an explicit api_url wins
    let c = valid()
        .api_url("https://other.example")
        .cloud_id("acme")
        .build()
        .unwrap();
    assert_eq!(c.api_url(), "https://other.example");
    let long = "a".repeat(64);
    for bad in [
        "",
        "acme.evil.com",
        "acme.evil.com/x",
        "acme evil",
        "acme@evil",
        "../x",
        "acme?x=1",
        "acme#x",
        "acme:443",
        long.as_str(),
        "ácme",
    ] {
        assert_rejected(
            &format!("cloud_id {bad:?}"),
            ClientBuilder::new().cloud_id(bad).client_id("id").client_secret("s"),
            "cloud_id",
        );
    }
}

#[test]
fn missing_or_blank_credentials_are_rejected() {
    let base = || ClientBuilder::new().api_url("https://acme.api.openvpn.com");
    assert_rejected("no client_id", base().client_secret("s"), "client_id");
    assert_rejected("empty client_id", base().client_id("").client_secret("s"), "client_id");
    assert_rejected(
        "blank client_id",
        base().client_id("  \t").client_secret("s"),
        "client_id",
    );
    assert_rejected(
        "client_id with a newline",
        base().client_id("id\r\nX-Evil: 1").client_secret("s"),
        "client_id",
    );
    assert_rejected("no client_secret", base().client_id("id"), "client_secret");
    assert_rejected(
        "empty client_secret",
        base().client_id("id").client_secret(""),
        "client_secret",
    );
    assert_rejected(
        "blank client_secret",
        base().client_id("id").client_secret("   "),
        "client_secret",
    );
}

#[test]
fn zero_and_absurd_timeouts_are_rejected() {
    let ten_days = 10 * DAY;
    for (d, what) in [
        (Duration::ZERO, "zero"),
        (ten_days, "10 days"),
        (Duration::MAX, "Duration::MAX"),
    ] {
        assert_rejected(&format!("read_timeout {what}"), valid().read_timeout(d), "read_timeout");
        assert_rejected(&format!("call_timeout {what}"), valid().call_timeout(d), "call_timeout");
        assert_rejected(
            &format!("connect_timeout {what}"),
            valid().connect_timeout(d),
            "connect_timeout",
        );
        assert_rejected(
            &format!("dns_cache_ttl {what}"),
            valid().dns_cache_ttl(Some(d)),
            "dns_cache_ttl",
        );
    }
    for (d, what) in [(ten_days, "10 days"), (Duration::MAX, "Duration::MAX")] {
        assert_rejected(
            &format!("pool_wait {what}"),
            valid().pool_wait(PoolWait::Wait(d)),
            "pool_wait",
        );
        assert_rejected(
            &format!("pool_idle_timeout {what}"),
            valid().pool_idle_timeout(d),
            "pool_idle_timeout",
        );
        assert_rejected(
            &format!("token_refresh_margin {what}"),
            valid().token_refresh_margin(d),
            "token_refresh_margin",
        );
    }
    // the edges are fine
    valid()
        .read_timeout(DAY)
        .call_timeout(DAY)
        .connect_timeout(Duration::from_millis(1))
        .build()
        .unwrap();
}

#[test]
fn zero_pool_sizes_and_bad_keepalive_are_rejected() {
    assert_rejected("pool_max_idle_per_host 0", valid().pool_max_idle_per_host(0), "pool");
    assert_rejected("pool_max_hosts 0", valid().pool_max_hosts(0), "pool");
    assert_rejected(
        "huge pool",
        valid().pool_max_idle_per_host(usize::MAX).pool_max_hosts(usize::MAX),
        "pool_max_idle_per_host",
    );
    assert_rejected(
        "max_connections_per_host 0",
        valid().max_connections_per_host(Some(0)),
        "max_connections_per_host",
    );
    let s = Duration::from_secs;
    for (ka, what) in [
        ((s(0), s(10), 6), "idle 0 s"),
        ((s(60), s(0), 6), "interval 0 s"),
        ((s(60), s(10), 0), "0 probes"),
        ((Duration::from_millis(500), s(10), 6), "idle 500 ms"),
        ((10 * DAY, s(10), 6), "idle 10 days"),
        ((s(60), s(10), u32::MAX), "u32::MAX probes"),
    ] {
        assert_rejected(
            &format!("tcp_keepalive {what}"),
            valid().tcp_keepalive(Some(ka)),
            "tcp_keepalive",
        );
    }
    valid()
        .tcp_keepalive(None)
        .max_connections_per_host(Some(1))
        .pool_wait(PoolWait::FailFast)
        .build()
        .unwrap();
}

#[test]
fn other_bad_settings_are_rejected_by_name() {
    assert_rejected(
        "max_response_bytes 0",
        valid().max_response_bytes(0),
        "max_response_bytes",
    );
    assert_rejected("api_version empty", valid().api_version(""), "api_version");
    assert_rejected(
        "api_version with a path",
        valid().api_version("v1/../admin"),
        "api_version",
    );
    assert_rejected(
        "user_agent with a newline",
        valid().user_agent("ua\r\nX-Evil: 1"),
        "user_agent",
    );
    assert_rejected("TlsRoots::None alone", valid().tls_roots(TlsRoots::None), "add_ca_pem");
    assert_rejected("garbage CA", valid().add_ca_pem(b"not a certificate".to_vec()), "PEM");
    assert_rejected("bad proxy", valid().proxy(Some("::not a proxy::".into())), "proxy");
    // the same checks guard a transport built on its own, and a factory
    let opts = TransportOptions {
        pool_max_hosts: 0,
        ..TransportOptions::default()
    };
    let e = Transport::new(&opts).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{e}");
    let e = ClientFactory::new(valid().read_timeout(Duration::ZERO)).unwrap_err();
    assert!(e.to_string().contains("read_timeout"), "{e}");
}

// ---------------------------------------------------------------------------
// Ids and raw paths
// ---------------------------------------------------------------------------

#[test]
fn hostile_ids_are_encoded_as_one_unknown_id() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    let networks = client.networks();
    let real = networks.list(PageRequest::first(1)).unwrap().content.remove(0).id;
    let total = networks.list(PageRequest::first(1)).unwrap().total_elements;
    let hostile = [
        "../admin".to_string(),
        "a?b=c".into(),
        "a#b".into(),
        "a b".into(),
        "a/b".into(),
        "%2e%2e".into(),
        "../../oauth/token".into(),
        format!("../networks/{real}"),
        format!("{real}/"),
        format!("{real}?x=1"),
        format!("{real}#x"),
        format!(" {real}"),
        format!("{real}/../{real}"),
    ];
    for (i, id) in hostile.iter().enumerate() {
        let e = expect_err(networks.get(id), id, |k| {
            matches!(k, ErrorKind::Http { status: 404, .. })
        });
        assert!(e.api_error().is_some(), "{id}: {e}");
        assert_eq!(
            op_count(&server, "getNetwork", 404),
            i as u64 + 1,
            "{id}: the emulator must see one unknown network id"
        );
        expect_err(networks.delete(id), id, |k| {
            matches!(k, ErrorKind::Http { status: 404, .. })
        });
        assert_eq!(
            op_count(&server, "deleteNetwork", 404),
            i as u64 + 1,
            "{id}: delete must hit one unknown network id"
        );
    }
    assert_eq!(op_count(&server, "getNetwork", 200), 0);
    assert_eq!(
        op_count(&server, "unmatched", 404) + op_count(&server, "unmatched", 400),
        0
    );
    // nothing was deleted
    assert_eq!(networks.get(&real).unwrap().id, real);
    assert_eq!(networks.list(PageRequest::first(1)).unwrap().total_elements, total);
}

#[test]
fn ids_are_percent_encoded_on_the_wire() {
    let server = RawServer::start(|r| {
        if is_token_request(r) {
            Reply::Send(token_response("tok"))
        } else {
            Reply::Send(json_response(
                404,
                r#"{"errorMessage":"nope","statusError":"NOT_FOUND","errorDetails":{}}"#,
            ))
        }
    });
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let _ = client.networks().get("../a b?c#d/é");
    let targets: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.target)
        .collect();
    assert_eq!(targets, ["/api/v1/networks/..%2Fa%20b%3Fc%23d%2F%C3%A9"]);
    // query values too
    let _ = client
        .request(Method::Get, "/networks")
        .query("name", "a b&size=1000#x")
        .send();
    let last = server.requests().pop().unwrap().target;
    assert_eq!(last, "/api/v1/networks?name=a%20b%26size%3D1000%23x");
}

#[test]
fn empty_and_dot_ids_are_refused_before_any_request() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    client.networks().list(PageRequest::default()).unwrap();
    let before = stat(&server, "requests_total");
    let body = cloudconnexa::models::NetworkUpdate::default();
    for id in ["", ".", "..", "a\nb", "a\u{0}b"] {
        expect_err(client.networks().get(id), id, |k| k == &ErrorKind::InvalidInput);
        expect_err(client.networks().delete(id), id, |k| k == &ErrorKind::InvalidInput);
        expect_err(client.networks().update(id, &body), id, |k| {
            k == &ErrorKind::InvalidInput
        });
        expect_err(
            client.network_routes().list(Some(id), PageRequest::default()),
            id,
            |k| k == &ErrorKind::InvalidInput,
        );
    }
    assert_eq!(
        stat(&server, "requests_total"),
        before,
        "a refused id must not reach the server"
    );
}

#[test]
fn bad_raw_paths_are_refused_before_any_request() {
    let server = start(opts());
    let client = builder(&server).build().unwrap();
    assert_eq!(client.request(Method::Get, "/networks").send().unwrap().status, 200);
    let before = stat(&server, "requests_total");
    for path in [
        "",
        "networks",
        "/networks?size=1",
        "/networks#x",
        "/net works",
        "/networks/../oauth/token",
        "/./networks",
        "/networks/..",
        "/a\r\nX-Evil: 1",
        "/a\tb",
    ] {
        let e = expect_err(client.request(Method::Get, path).send(), path, |k| {
            k == &ErrorKind::InvalidInput
        });
        assert!(!e.message().is_empty());
        expect_err(client.request(Method::Delete, path).send(), path, |k| {
            k == &ErrorKind::InvalidInput
        });
    }
    assert_eq!(
        stat(&server, "requests_total"),
        before,
        "a refused path must not reach the server"
    );
    assert_eq!(stat(&server, "tokens_issued"), 1);
}

// ---------------------------------------------------------------------------
// Responses that are not what was asked for
// ---------------------------------------------------------------------------

/// A raw server that issues a token and answers everything else with `answer`.
fn answering(answer: &'static [u8]) -> RawServer {
    RawServer::start(move |r| {
        if is_token_request(r) {
            Reply::Send(token_response("tok"))
        } else {
            Reply::Send(answer.to_vec())
        }
    })
}

#[test]
fn non_json_answers_are_decode_errors() {
    let bodies: [(&str, &[u8]); 4] = [
        ("text/html", b"<!doctype html><html><body>Login</body></html>"),
        ("application/json", b""),
        ("application/json", b"[1, 2, 3]"),
        ("application/json", b"{\"content\": 7}"),
    ];
    for (ctype, body) in bodies {
        let answer: &'static [u8] = Box::leak(response(200, ctype, body).into_boxed_slice());
        let server = answering(answer);
        let client = builder_for(&server.url(), "id", "secret").build().unwrap();
        let what = String::from_utf8_lossy(body);
        let e = expect_err(client.networks().list(PageRequest::default()), &what, |k| {
            k == &ErrorKind::Decode
        });
        assert!(!e.is_retryable(), "{e}");
        if !body.starts_with(b"{") {
            // models are tolerant (missing fields default), so only a non-object fails `get`
            expect_err(client.networks().get("n1"), &what, |k| k == &ErrorKind::Decode);
        }
        assert_eq!(
            server.count("GET", "/api/v1/networks"),
            1,
            "a decode error is not retried"
        );
    }
}

#[test]
fn truncated_body_is_an_io_error_not_a_hang() {
    let server = RawServer::start(|r| {
        if is_token_request(r) {
            Reply::Send(token_response("tok"))
        } else {
            Reply::SendThenClose(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"content\""
                    .to_vec(),
            )
        }
    });
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = expect_err(client.networks().list(PageRequest::default()), "truncated body", |k| {
        matches!(k, ErrorKind::Io | ErrorKind::Timeout(_))
    });
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(e.is_retryable());
    let gets = server.count("GET", "/api/v1/networks");
    assert!((1..=2).contains(&gets), "{gets} GETs");
}

#[test]
fn stalled_body_times_out() {
    let server = RawServer::start(|r| {
        if is_token_request(r) {
            return Reply::Send(token_response("tok"));
        }
        // head and 10 bytes now, then nothing for longer than the read timeout
        Reply::Send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"content\"".to_vec(),
        )
    });
    // the handler keeps the connection open (it waits for a next request that never comes)
    let client = builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    expect_err(client.networks().list(PageRequest::default()), "stalled body", |k| {
        matches!(k, ErrorKind::Timeout(_))
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn oversize_body_is_refused() {
    let mut o = opts();
    o.seed.networks = 100;
    let server = start(o);
    let small = builder(&server).max_response_bytes(4096).build().unwrap();
    let e = expect_err(
        small.networks().list(PageRequest::first(1000)),
        "page of 100 networks",
        |k| k == &ErrorKind::BodyTooLarge { limit: 4096 },
    );
    assert!(!e.is_retryable());
    expect_err(
        small.request(Method::Get, "/networks").query("size", 1000).send(),
        "raw",
        |k| k == &ErrorKind::BodyTooLarge { limit: 4096 },
    );
    // the same page is fine under the default limit (so the body really is bigger than 4 KiB)
    let big = builder(&server).build().unwrap();
    let page = big.networks().list(PageRequest::first(1000)).unwrap();
    assert_eq!(page.content.len(), 100);
    let raw = big
        .request(Method::Get, "/networks")
        .query("size", 1000)
        .send()
        .unwrap();
    assert!(raw.body.len() > 4096, "{} bytes", raw.body.len());
    // and the small client still works for small answers
    assert_eq!(small.networks().list(PageRequest::first(1)).unwrap().content.len(), 1);
}

// ---------------------------------------------------------------------------
// from_env: run in a child process, so this process's environment is never changed
// ---------------------------------------------------------------------------

const MODE_VAR: &str = "CLOUDCONNEXA_TEST_FROM_ENV_MODE";
const VARS: [&str; 3] = [
    "CLOUDCONNEXA_API_URL",
    "CLOUDCONNEXA_CLIENT_ID",
    "CLOUDCONNEXA_CLIENT_SECRET",
];

/// Run `from_env_child` in a child test process with exactly these `CLOUDCONNEXA_*` variables.
fn run_child(mode: &str, vars: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["from_env_child", "--exact", "--nocapture", "--test-threads=1"]);
    for v in VARS {
        cmd.env_remove(v);
    }
    cmd.envs(vars.iter().copied()).env(MODE_VAR, mode);
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child ({mode}) failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child ({mode}) did not run the test:\n{text}"
    );
}

#[test]
fn from_env_reads_the_three_variables() {
    let server = start(opts());
    let url = server.base_url();
    let all = [
        ("CLOUDCONNEXA_API_URL", url.as_str()),
        ("CLOUDCONNEXA_CLIENT_ID", server.client_id()),
        ("CLOUDCONNEXA_CLIENT_SECRET", server.client_secret()),
    ];
    run_child("full", &all);
    assert_eq!(
        stat(&server, "tokens_issued"),
        1,
        "the child's client authenticated with the variables"
    );
    assert_eq!(op_count(&server, "getNetworksPage", 200), 1);
    run_child(
        "empty",
        &[
            ("CLOUDCONNEXA_API_URL", ""),
            ("CLOUDCONNEXA_CLIENT_ID", ""),
            ("CLOUDCONNEXA_CLIENT_SECRET", ""),
        ],
    );
    run_child("no-secret", &all[..2]);
}

/// The child half of `from_env_reads_the_three_variables`; does nothing in a normal run.
#[test]
fn from_env_child() {
    let Ok(mode) = std::env::var(MODE_VAR) else {
        return;
    };
    match mode.as_str() {
        "full" => {
            let client = ClientBuilder::from_env().allow_insecure_http(true).build().unwrap();
            assert_eq!(client.api_url(), std::env::var("CLOUDCONNEXA_API_URL").unwrap());
            assert!(
                !client
                    .networks()
                    .list(PageRequest::first(1))
                    .unwrap()
                    .content
                    .is_empty()
            );
            // plain http needs the explicit opt-in, also from the environment
            let e = Client::from_env().unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::InvalidInput);
            assert!(e.to_string().contains("https"), "{e}");
            assert!(ClientFactory::from_env().is_err());
        }
        "empty" => {
            // empty variables count as unset
            let e = Client::from_env().unwrap_err();
            assert!(e.to_string().contains("api_url"), "{e}");
        }
        "no-secret" => {
            let e = ClientBuilder::from_env().allow_insecure_http(true).build().unwrap_err();
            assert!(e.to_string().contains("client_secret"), "{e}");
        }
        other => panic!("unknown mode {other}"),
    }
}
