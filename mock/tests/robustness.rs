//! Bad input, broken HTTP, unknown routes and load: the server answers and keeps serving.

mod common;

use std::io;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::*;
use serde_json::json;

const NETS: &str = "/api/v1/networks";

fn network_count(a: &ureq::Agent, s: &MockServer, tok: &str) -> u64 {
    let r = get(a, s, tok, "/api/v1/networks?size=1");
    r.expect_status(200);
    r.json()["totalElements"].as_u64().expect("totalElements")
}

/// POST raw bytes as JSON with a bearer token.
fn post_raw(a: &ureq::Agent, s: &MockServer, tok: &str, path: &str, body: &[u8]) -> Resp {
    let auth = format!("Bearer {tok}");
    must(
        a,
        "POST",
        &format!("{}{path}", s.base_url()),
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        Some(body),
    )
}

#[test]
fn malformed_json_is_400() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let before = network_count(&a, &s, &tok);
    let bodies: [&[u8]; 6] = [
        br#"{"name": "#,
        br#"{"name": "x",}"#,
        br#"not json"#,
        br#"[1, 2, 3]"#,
        br#""just a string""#,
        b"",
    ];
    for body in bodies {
        let r = post_raw(&a, &s, &tok, NETS, body);
        assert_eq!(
            r.status,
            400,
            "body {:?}: {:?}",
            String::from_utf8_lossy(body),
            r.text()
        );
        assert_error_response(&r);
    }
    // wrong types
    for body in [
        json!({"name": 5}),
        json!({"name": "x", "egress": "yes"}),
        json!({"name": "x", "routes": "10.0.0.0/8"}),
    ] {
        let r = post_json(&a, &s, &tok, NETS, &body);
        assert_eq!(r.status, 400, "{body}: {:?}", r.text());
        assert_error_response(&r);
    }
    assert_eq!(network_count(&a, &s, &tok), before, "a bad request created a network");
    // a good request still works on the same connection
    post_json(&a, &s, &tok, NETS, &json!({"name": "ok-net"})).expect_status(201);
    assert_eq!(network_count(&a, &s, &tok), before + 1);
}

#[test]
fn invalid_utf8_is_400() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let before = network_count(&a, &s, &tok);
    let r = post_raw(&a, &s, &tok, NETS, b"{\"name\":\"bad \xff\xfe name\"}");
    assert_eq!(r.status, 400, "{:?}", r.text());
    assert_error_response(&r);
    // also on a bare-text setting
    let auth = format!("Bearer {tok}");
    let r = must(
        &a,
        "PUT",
        &format!("{}/api/v1/settings/dns/default-suffix", s.base_url()),
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        Some(b"ex\xffample.com"),
    );
    assert_eq!(r.status, 400, "{:?}", r.text());
    assert_eq!(network_count(&a, &s, &tok), before);
}

#[test]
fn body_over_max_body_bytes_is_413() {
    let mut o = opts();
    o.max_body_bytes = 1024;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    let before = network_count(&a, &s, &tok);

    let big = json!({"name": "big", "description": "d".repeat(4096)}).to_string();
    assert!(big.len() > 4096);
    let r = post_raw(&a, &s, &tok, NETS, big.as_bytes());
    assert_eq!(r.status, 413, "{:?}", r.text());
    assert_error_response(&r);

    // just under the limit is fine
    let small = json!({"name": "small", "description": "d".repeat(900)}).to_string();
    assert!(small.len() <= 1024);
    post_raw(&a, &s, &tok, NETS, small.as_bytes()).expect_status(201);
    assert_eq!(network_count(&a, &s, &tok), before + 1);
}

#[test]
fn announced_but_unsent_body_does_not_block_others() {
    let mut o = opts();
    o.workers = 1;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);

    let accepted = counter(&s.stats(), &["connections_accepted"]);
    let mut holders = Vec::new();
    for len in [500_000u64, 100_000_000, 10_000] {
        let mut c = RawConn::open(&s);
        let head = format!(
            "POST {NETS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tok}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n{{\"name\":"
        );
        c.send(head.as_bytes()).unwrap();
        holders.push(c);
    }
    // a slowloris that never finishes its head
    let mut slow = RawConn::open(&s);
    slow.send(b"GET /api/v1/networks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    holders.push(slow);

    // the server holds all four before the others come (a condition, not a sleep)
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while counter(&s.stats(), &["connections_accepted"]) < accepted + 4 {
        assert!(
            std::time::Instant::now() < give_up,
            "the holders' connections were never accepted"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    for _ in 0..5 {
        let b = agent();
        get(&b, &s, &tok, NETS).expect_status(200);
        control(&b, &s, "GET", "/__mock/health", None).expect_status(200);
    }
    drop(holders);
    get(&a, &s, &tok, NETS).expect_status(200);
}

/// Sends `bytes` on a new connection and checks the server answers 4xx or closes.
#[track_caller]
fn assert_rejected(s: &MockServer, what: &str, bytes: &[u8]) {
    let mut c = RawConn::open(s);
    // the server may close while we write; that is fine
    let _ = c.send(bytes);
    match c.read_head() {
        Ok(Some(head)) => assert!(
            (400..500).contains(&head.status),
            "{what}: answered {:?}",
            head.status_line
        ),
        Ok(None) => {}
        Err(e) if is_disconnect(e.kind()) => {}
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            panic!("{what}: server neither answered nor closed the connection")
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

#[test]
fn broken_http_is_rejected_and_the_server_keeps_serving() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let before = network_count(&a, &s, &tok);
    let chunked = format!(
        "POST {NETS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tok}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         ZZZ\r\n{{\"name\":\"chunky\"}}\r\n0\r\n\r\n"
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage request line", b"GARBAGE\r\n\r\n".to_vec()),
        (
            "header without colon",
            b"GET /__mock/health HTTP/1.1\r\nHost: x\r\nThisHeaderHasNoColon\r\n\r\n".to_vec(),
        ),
        ("invalid chunked encoding", chunked.into_bytes()),
        (
            "space in the path",
            b"GET /api/v1/net works HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "conflicting content lengths",
            format!(
                "POST {NETS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
                 Content-Length: 5\r\nContent-Length: 6\r\n\r\n{{}}"
            )
            .into_bytes(),
        ),
        (
            "binary junk",
            vec![0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x00, b'\r', b'\n', b'\r', b'\n'],
        ),
    ];
    for (what, bytes) in &cases {
        assert_rejected(&s, what, bytes);
        // a normal request on a new connection still works
        get(&agent(), &s, &tok, NETS).expect_status(200);
    }
    assert_eq!(
        network_count(&a, &s, &tok),
        before,
        "a broken request created a network"
    );
    control(&a, &s, "GET", "/__mock/health", None).expect_status(200);
}

#[test]
fn unknown_path_is_404_and_wrong_method_is_405() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    for path in [
        "/api/v1/nonexistent",
        "/api/v1/networks/a/b/c",
        "/api/v2/networks",
        "/api/v1/settings/no-such-setting",
    ] {
        let r = get(&a, &s, &tok, path);
        assert_eq!(r.status, 404, "{path}: {:?}", r.text());
        assert_error_response(&r);
    }
    let st = stats(&a, &s);
    assert!(
        st["operations"]["unmatched"].is_object(),
        "404s not counted as unmatched: {st}"
    );

    let net_id = content_ids(&get(&a, &s, &tok, NETS).json())[0].clone();
    for (method, path) in [
        ("DELETE", NETS.to_owned()),
        ("PATCH", format!("{NETS}/{net_id}")),
        ("POST", "/api/v1/regions".to_owned()),
        ("PUT", "/api/v1/sessions".to_owned()),
    ] {
        let r = api(&a, &s, &tok, method, &path, None);
        assert_eq!(r.status, 405, "{method} {path}: {:?}", r.text());
        assert_error_response(&r);
    }
    // the network is still there
    get(&a, &s, &tok, &format!("{NETS}/{net_id}")).expect_status(200);
}

#[test]
fn path_injection_is_404() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    for path in [
        "/api/v1/networks/..%2F..%2Fusers",
        "/api/v1/networks/%2e%2e%2f%2e%2e%2fusers",
        "/api/v1/networks/..%5C..%5Cusers",
        "/api/v1/networks/%00",
        "/api/v1/networks/%2F",
        "/api/v1/networks/x%2F..%2F..%2F..%2F__mock%2Freset",
    ] {
        let r = get(&a, &s, &tok, path);
        assert_eq!(r.status, 404, "{path}: {:?}", r.text());
        assert_error_response(&r);
    }
    // a path that does not decode to UTF-8 is refused one way or the other
    let r = get(&a, &s, &tok, "/api/v1/networks/%ff%fe");
    assert!(matches!(r.status, 400 | 404), "%ff%fe: {} {:?}", r.status, r.text());
    assert_error_response(&r);
    // nothing crashed
    get(&a, &s, &tok, "/api/v1/users").expect_status(200);
    control(&a, &s, "GET", "/__mock/health", None).expect_status(200);
}

#[test]
fn two_hundred_concurrent_connections() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let url = format!("{}/api/v1/networks?size=5", s.base_url());
    let auth = format!("Bearer {tok}");
    let n = 200;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (url, auth, barrier) = (url.clone(), auth.clone(), barrier.clone());
            std::thread::spawn(move || {
                let a = agent_with_timeout(Duration::from_secs(30));
                barrier.wait();
                let mut out = Vec::new();
                for _ in 0..3 {
                    let r = request(&a, "GET", &url, &[("Authorization", &auth)], None)
                        .map(|r| (r.status, r.json()["content"].as_array().map(Vec::len)));
                    out.push(r.map_err(|e| e.to_string()));
                }
                out
            })
        })
        .collect();
    let mut ok = 0;
    for h in handles {
        for r in h.join().expect("client thread panicked") {
            assert_eq!(r, Ok((200, Some(5))));
            ok += 1;
        }
    }
    assert_eq!(ok, 600);
    let st = stats(&a, &s);
    assert!(counter(&st, &["connections_accepted"]) >= 201, "{st}");
    assert_eq!(counter(&st, &["operations", "getNetworksPage", "200"]), 600, "{st}");
}
