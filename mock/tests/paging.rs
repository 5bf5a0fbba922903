//! Page-based and cursor-based paging, regions, and list filters.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{Value, json};

fn server_with_25_networks() -> MockServer {
    let mut o = opts();
    o.seed.networks = 25;
    start(o)
}

#[track_caller]
fn page(a: &ureq::Agent, s: &MockServer, tok: &str, path: &str) -> Value {
    let r = get(a, s, tok, path);
    r.expect_status(200);
    r.json()
}

#[track_caller]
fn assert_envelope(v: &Value, items: usize, total: u64, pages: u64, page: u64, size: u64) {
    let content = v["content"].as_array().unwrap_or_else(|| panic!("no content: {v}"));
    assert_eq!(content.len(), items, "content length: {v}");
    assert_eq!(v["totalElements"].as_u64(), Some(total), "totalElements");
    assert_eq!(v["totalPages"].as_u64(), Some(pages), "totalPages");
    assert_eq!(v["numberOfElements"].as_u64(), Some(items as u64), "numberOfElements");
    assert_eq!(v["page"].as_u64(), Some(page), "page");
    assert_eq!(v["size"].as_u64(), Some(size), "size");
    assert_eq!(v["success"], json!(true), "success");
}

#[test]
fn pages_of_ten() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    let p0 = page(&a, &s, &tok, "/api/v1/networks?page=0&size=10");
    assert_envelope(&p0, 10, 25, 3, 0, 10);
    let p1 = page(&a, &s, &tok, "/api/v1/networks?page=1&size=10");
    assert_envelope(&p1, 10, 25, 3, 1, 10);
    let p2 = page(&a, &s, &tok, "/api/v1/networks?page=2&size=10");
    assert_envelope(&p2, 5, 25, 3, 2, 10);

    // defaults: page 0, size 10
    let d = page(&a, &s, &tok, "/api/v1/networks");
    assert_envelope(&d, 10, 25, 3, 0, 10);
    assert_eq!(content_ids(&d), content_ids(&p0));
    // parameter order does not matter
    let swapped = page(&a, &s, &tok, "/api/v1/networks?size=10&page=1");
    assert_eq!(content_ids(&swapped), content_ids(&p1));
}

#[test]
fn page_past_the_end_is_empty() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    let p = page(&a, &s, &tok, "/api/v1/networks?page=3&size=10");
    assert_envelope(&p, 0, 25, 3, 3, 10);
    let p = page(&a, &s, &tok, "/api/v1/networks?page=1000&size=10");
    assert_envelope(&p, 0, 25, 3, 1000, 10);
}

#[test]
fn size_one_and_size_1000() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    let all = page(&a, &s, &tok, "/api/v1/networks?size=1000");
    assert_envelope(&all, 25, 25, 1, 0, 1000);
    let all_ids = content_ids(&all);

    let mut one_by_one = Vec::new();
    for p in 0..25 {
        let v = page(&a, &s, &tok, &format!("/api/v1/networks?page={p}&size=1"));
        assert_envelope(&v, 1, 25, 25, p, 1);
        one_by_one.extend(content_ids(&v));
    }
    assert_eq!(one_by_one, all_ids);
    let past = page(&a, &s, &tok, "/api/v1/networks?page=25&size=1");
    assert_envelope(&past, 0, 25, 25, 25, 1);
}

#[test]
fn pages_are_distinct_and_match_the_full_listing() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    let all_ids = content_ids(&page(&a, &s, &tok, "/api/v1/networks?size=1000"));
    assert_eq!(all_ids.len(), 25);
    for size in [3u64, 7, 10, 24, 25] {
        let mut ids = Vec::new();
        let mut p = 0;
        loop {
            let v = page(&a, &s, &tok, &format!("/api/v1/networks?page={p}&size={size}"));
            ids.extend(content_ids(&v));
            p += 1;
            if p >= v["totalPages"].as_u64().unwrap() {
                break;
            }
        }
        assert_eq!(p, 25u64.div_ceil(size), "pages for size {size}");
        let distinct: HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "duplicates with size {size}");
        assert_eq!(ids, all_ids, "size {size} listing differs");
    }
}

#[test]
fn bad_page_and_size_are_400_naming_the_parameter() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    for (query, param) in [
        ("size=1001", "size"),
        ("size=0", "size"),
        ("size=-5", "size"),
        ("size=x", "size"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("page=1.5", "page"),
    ] {
        for path in ["/api/v1/networks", "/api/v1/users", "/api/v1/hosts"] {
            let r = get(&a, &s, &tok, &format!("{path}?{query}"));
            assert_eq!(r.status, 400, "{path}?{query}: {:?}", r.text());
            assert_error_names(&r, param);
        }
    }
}

#[test]
fn empty_list_has_zero_pages() {
    let mut o = opts();
    o.seed.networks = 0;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    let v = page(&a, &s, &tok, "/api/v1/networks");
    assert_envelope(&v, 0, 0, 0, 0, 10);
}

// --- sessions -------------------------------------------------------------------------

fn iso_days_ago(days: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    t.replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn session_id(s: &Value) -> String {
    s.get("id")
        .or_else(|| s.get("sessionId"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("session without id: {s}"))
        .to_owned()
}

/// Follows `nextCursor` from the first page; returns the ids and the number of pages.
fn all_sessions(a: &ureq::Agent, s: &MockServer, tok: &str, size: usize, start: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for pages in 1..=1000 {
        let mut path = format!("/api/v1/sessions?size={size}&startDate={start}");
        if let Some(c) = &cursor {
            let c = percent_encoding::utf8_percent_encode(c, percent_encoding::NON_ALPHANUMERIC);
            path.push_str(&format!("&cursor={c}"));
        }
        let v = page(a, s, tok, &path);
        let list = v["sessions"].as_array().unwrap_or_else(|| panic!("no sessions: {v}"));
        assert!(list.len() <= size, "page larger than size {size}: {}", list.len());
        ids.extend(list.iter().map(session_id));
        match v.get("nextCursor") {
            None => return (ids, pages),
            Some(c) => {
                let c = c.as_str().unwrap_or_else(|| panic!("nextCursor not a string: {v}"));
                assert!(!c.is_empty(), "nextCursor present but empty: {v}");
                assert!(!list.is_empty(), "empty page with a nextCursor: {v}");
                cursor = Some(c.to_owned());
            }
        }
    }
    panic!("sessions cursor never ended");
}

#[test]
fn sessions_cursor_paging() {
    let mut o = opts();
    o.seed.sessions = 60;
    let s = start(o);
    let a = agent();
    let tok = token(&a, &s);
    let since = iso_days_ago(29);
    let (ids, pages) = all_sessions(&a, &s, &tok, 7, &since);
    assert!(ids.len() > 7, "expected several pages of sessions, got {}", ids.len());
    assert_eq!(pages, ids.len().div_ceil(7), "pages of 7 for {} sessions", ids.len());
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "duplicate sessions across pages");

    // the same set with the largest page size
    let (big, big_pages) = all_sessions(&a, &s, &tok, 100, &since);
    assert_eq!(big_pages, 1);
    assert_eq!(
        big.iter().collect::<HashSet<_>>(),
        distinct,
        "size=100 and size=7 disagree"
    );
}

#[test]
fn sessions_parameter_errors() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    for (query, param) in [
        (String::new(), "size"),
        ("size=101".to_owned(), "size"),
        ("size=0".to_owned(), "size"),
        ("size=abc".to_owned(), "size"),
        (format!("size=10&startDate={}", iso_days_ago(31)), "startDate"),
    ] {
        let r = get(&a, &s, &tok, &format!("/api/v1/sessions?{query}"));
        assert_eq!(r.status, 400, "sessions?{query}: {:?}", r.text());
        assert_error_names(&r, param);
    }
    // the bounds themselves are fine
    for query in ["size=1", "size=100"] {
        get(&a, &s, &tok, &format!("/api/v1/sessions?{query}")).expect_status(200);
    }
}

// --- regions and filters -----------------------------------------------------------------

#[test]
fn regions_are_a_bare_array() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let v = page(&a, &s, &tok, "/api/v1/regions");
    let list = v.as_array().unwrap_or_else(|| panic!("regions not an array: {v}"));
    assert!(!list.is_empty());
    for r in list {
        assert!(r["id"].as_str().is_some_and(|id| !id.is_empty()), "{r}");
    }
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn network_id_filter_on_routes() {
    let s = server_with_25_networks();
    let a = agent();
    let tok = token(&a, &s);
    let created = post_json(
        &a,
        &s,
        &tok,
        "/api/v1/networks",
        &json!({
            "name": "filter-net",
            "internetAccess": "SPLIT_TUNNEL_ON",
            "egress": false,
            "routes": [
                {"value": "198.18.201.0/24", "description": "a"},
                {"value": "198.18.202.0/24", "description": "b"}
            ]
        }),
    );
    created.expect_status(201);
    let net = created.json();
    let net_id = net["id"].as_str().unwrap().to_owned();
    let mut embedded = ids_of(&net["routes"]);
    assert_eq!(embedded.len(), 2, "{net}");

    let all = page(&a, &s, &tok, "/api/v1/networks/routes?size=1000");
    let filtered = page(
        &a,
        &s,
        &tok,
        &format!("/api/v1/networks/routes?networkId={net_id}&size=1000"),
    );
    let mut got = content_ids(&filtered);
    assert_eq!(filtered["totalElements"].as_u64(), Some(2), "{filtered}");
    got.sort();
    embedded.sort();
    assert_eq!(got, embedded);
    assert!(all["totalElements"].as_u64().unwrap() >= 2, "unfiltered routes: {all}");

    // every seeded network: the filter returns exactly its embedded routes
    let nets = page(&a, &s, &tok, "/api/v1/networks?size=1000");
    let mut sum = 0;
    for n in nets["content"].as_array().unwrap() {
        let id = n["id"].as_str().unwrap();
        let mut want = ids_of(&n["routes"]);
        let f = page(
            &a,
            &s,
            &tok,
            &format!("/api/v1/networks/routes?networkId={id}&size=1000"),
        );
        let mut got = content_ids(&f);
        want.sort();
        got.sort();
        assert_eq!(got, want, "routes of network {id}");
        sum += got.len() as u64;
    }
    assert_eq!(Some(sum), all["totalElements"].as_u64(), "filters do not partition");
}

#[test]
fn user_id_filter_on_devices() {
    let s = start(opts());
    let a = agent();
    let tok = token(&a, &s);
    let mk = |name: &str, devices: Value| {
        let r = post_json(
            &a,
            &s,
            &tok,
            "/api/v1/users",
            &json!({
                "username": name,
                "email": format!("{name}@example.com"),
                "firstName": "F",
                "lastName": "L",
                "role": "MEMBER",
                "devices": devices
            }),
        );
        r.expect_status(201);
        r.json()
    };
    let u1 = mk(
        "paging-u1",
        json!([
            {"name": "d1", "description": "x", "clientUUID": "11111111-1111-1111-1111-111111111111"},
            {"name": "d2", "description": "y", "clientUUID": "22222222-2222-2222-2222-222222222222"}
        ]),
    );
    let u2 = mk(
        "paging-u2",
        json!([{"name": "d3", "description": "z", "clientUUID": "33333333-3333-3333-3333-333333333333"}]),
    );
    let all = page(&a, &s, &tok, "/api/v1/devices?size=1000");
    let all_total = all["totalElements"].as_u64().unwrap();
    assert!(all_total >= 3, "{all}");

    for (u, n) in [(&u1, 2u64), (&u2, 1)] {
        let uid = u["id"].as_str().unwrap();
        let f = page(&a, &s, &tok, &format!("/api/v1/devices?userId={uid}&size=1000"));
        assert_eq!(f["totalElements"].as_u64(), Some(n), "{f}");
        for d in f["content"].as_array().unwrap() {
            assert_eq!(d["userId"].as_str(), Some(uid), "{d}");
        }
        let mut got = content_ids(&f);
        let mut want = ids_of(&u["devices"]);
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }
    assert!(all_total >= 3);
    // a filter does not page differently: size 1 gives totalPages == matches
    let uid = u1["id"].as_str().unwrap();
    let f = page(&a, &s, &tok, &format!("/api/v1/devices?userId={uid}&size=1&page=1"));
    assert_envelope(&f, 1, 2, 2, 1, 1);
}
