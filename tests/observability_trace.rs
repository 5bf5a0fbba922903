//! The W3C trace context on the wire, seen by a raw `TcpListener` server that records
//! every request's headers: each request carries a valid `traceparent` (version 00, a
//! 32-hex trace id, a 16-hex span id, flags); a caller's context from
//! `with_trace_context` gives the trace id (and the sampled flag); each attempt of a
//! call has its own span id; without a caller's context each call starts a new trace that
//! its retries keep; the `on_request` hook sees every attempt (operation, attempt number,
//! status, latency, trace and span ids) exactly as the server saw it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudconnexa::models::PageRequest;
use cloudconnexa::{Client, ClientBuilder, Method, RequestEvent, TraceContext, with_trace_context};

mod raw_http;
use raw_http::*;

/// A server whose token endpoint always succeeds; the API answers `api(request, index)`,
/// the index counting API requests from 0.
fn server(api: impl Fn(&Seen, usize) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
    let calls = AtomicUsize::new(0);
    RawServer::start(move |r| {
        if r.is_token() {
            token_response("trace-test-token")
        } else {
            api(r, calls.fetch_add(1, SeqCst))
        }
    })
}

fn builder(url: &str) -> ClientBuilder {
    client_for(url, "trace-client", "trace-secret", 3)
}

fn list(c: &Client) -> cloudconnexa::Result<usize> {
    c.networks().list(PageRequest::default()).map(|p| p.content.len())
}

fn busy() -> Vec<u8> {
    response(503, r#"{"errorMessage":"busy"}"#)
}

/// A `traceparent` split into its parts, checked against the W3C format.
#[derive(Debug, Clone, PartialEq)]
struct Parent {
    trace_id: String,
    span_id: String,
    flags: String,
}

fn lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[track_caller]
fn traceparent(r: &Seen) -> Parent {
    let v = r
        .header("traceparent")
        .unwrap_or_else(|| panic!("{} {} has no traceparent: {:?}", r.method, r.path, r.headers));
    let parts: Vec<&str> = v.split('-').collect();
    assert_eq!(parts.len(), 4, "traceparent {v:?}");
    assert_eq!(parts[0], "00", "version of {v:?}");
    assert!(
        lower_hex(parts[1], 32) && parts[1] != "0".repeat(32),
        "trace id of {v:?}"
    );
    assert!(
        lower_hex(parts[2], 16) && parts[2] != "0".repeat(16),
        "span id of {v:?}"
    );
    assert!(lower_hex(parts[3], 2), "flags of {v:?}");
    assert_eq!(
        r.headers.iter().filter(|(k, _)| k == "traceparent").count(),
        1,
        "one traceparent header"
    );
    assert!(
        TraceContext::parse(v).is_some(),
        "the library parses its own header {v:?}"
    );
    Parent {
        trace_id: parts[1].into(),
        span_id: parts[2].into(),
        flags: parts[3].into(),
    }
}

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[test]
fn every_api_request_carries_a_valid_traceparent() {
    // GET pages, a 404, a POST, a PUT, a DELETE, a 503 retried
    let s = server(|r, i| match (r.method.as_str(), i) {
        (_, 3) => busy(),
        ("GET", _) if r.path.ends_with("/missing") => response(404, r#"{"errorMessage":"not found"}"#),
        ("GET", _) => response(200, PAGE),
        ("DELETE", _) => response(204, ""),
        _ => response(200, "{}"),
    });
    let c = builder(&s.url()).build().unwrap();
    for _ in 0..3 {
        list(&c).expect("list");
    }
    list(&c).expect("a 503, retried");
    c.networks().get("missing").expect_err("404");
    c.request(Method::Post, "/networks")
        .json(&serde_json::json!({"name": "n"}))
        .send()
        .expect("POST");
    c.request(Method::Put, "/networks/x")
        .json(&serde_json::json!({"name": "n"}))
        .send()
        .expect("PUT");
    c.request(Method::Delete, "/networks/x").send().expect("DELETE");
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    assert_eq!(api.len(), 9);
    let parents: Vec<Parent> = api.iter().map(traceparent).collect();
    assert!(
        parents.iter().all(|p| p.flags == "01"),
        "a new trace is sampled: {parents:?}"
    );
    let spans: HashSet<&str> = parents.iter().map(|p| p.span_id.as_str()).collect();
    assert_eq!(
        spans.len(),
        parents.len(),
        "every request has its own span: {parents:?}"
    );
    let traces: HashSet<&str> = parents.iter().map(|p| p.trace_id.as_str()).collect();
    assert_eq!(
        traces.len(),
        8,
        "one trace per call (the retried call has two requests): {parents:?}"
    );
}

#[test]
fn a_callers_context_gives_the_trace_id_and_each_attempt_a_new_span() {
    // per call: 503, 503, 200
    let s = server(|_, i| if i % 3 == 2 { response(200, PAGE) } else { busy() });
    let c = builder(&s.url()).build().unwrap();
    let ctx = TraceContext::parse(&format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01")).unwrap();
    with_trace_context(ctx, || {
        assert_eq!(cloudconnexa::current_trace_context(), Some(ctx));
        list(&c).expect("two 503s retried away");
    });
    assert_eq!(cloudconnexa::current_trace_context(), None, "the caller's scope ended");
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    assert_eq!(api.len(), 3);
    let parents: Vec<Parent> = api.iter().map(traceparent).collect();
    for p in &parents {
        assert_eq!(p.trace_id, CALLER_TRACE, "the caller's trace id: {parents:?}");
        assert_eq!(p.flags, "01", "the caller's sampled flag");
        assert_ne!(
            p.span_id, CALLER_SPAN,
            "our request is a child span, not the caller's span"
        );
    }
    let spans: HashSet<&str> = parents.iter().map(|p| p.span_id.as_str()).collect();
    assert_eq!(spans.len(), 3, "each attempt has its own span id: {parents:?}");

    // an unsampled caller: the flag is passed on
    let unsampled = TraceContext::parse(&format!("00-{CALLER_TRACE}-{CALLER_SPAN}-00")).unwrap();
    with_trace_context(unsampled, || list(&c).expect("again"));
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    assert_eq!(api.len(), 6);
    for p in api[3..].iter().map(traceparent) {
        assert_eq!((p.trace_id.as_str(), p.flags.as_str()), (CALLER_TRACE, "00"), "{p:?}");
    }
    // and after the scope, a call of our own again
    list(&c).expect("outside the scope");
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    let own = traceparent(&api[6]);
    assert_ne!(
        own.trace_id, CALLER_TRACE,
        "outside the caller's scope a new trace starts"
    );
}

#[test]
fn without_a_callers_context_each_call_starts_a_trace_its_retries_keep() {
    // per call: 503 then 200
    let s = server(|_, i| if i % 2 == 1 { response(200, PAGE) } else { busy() });
    let c = builder(&s.url()).build().unwrap();
    for _ in 0..4 {
        list(&c).expect("one 503 retried away");
    }
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    assert_eq!(api.len(), 8);
    let parents: Vec<Parent> = api.iter().map(traceparent).collect();
    let mut traces = HashSet::new();
    for pair in parents.chunks(2) {
        assert_eq!(
            pair[0].trace_id, pair[1].trace_id,
            "a retry keeps its call's trace id: {pair:?}"
        );
        assert_ne!(pair[0].span_id, pair[1].span_id, "but has its own span: {pair:?}");
        assert!(
            traces.insert(pair[0].trace_id.clone()),
            "a new trace id per call: {parents:?}"
        );
    }
    assert_eq!(traces.len(), 4);
}

/// What the hook reported of one request.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    operation: String,
    method: Method,
    attempt: u32,
    status: Option<u16>,
    error: bool,
    latency: Duration,
    trace_id: String,
    span_id: String,
}

fn hooked(url: &str) -> (Client, Arc<Mutex<Vec<Event>>>) {
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = events.clone();
    let c = builder(url)
        .on_request(move |e: &RequestEvent<'_>| {
            sink.lock().unwrap().push(Event {
                operation: e.operation.to_string(),
                method: e.method,
                attempt: e.attempt,
                status: e.status,
                error: e.error.is_some(),
                latency: e.latency,
                trace_id: e.trace_id.clone(),
                span_id: e.span_id.clone(),
            })
        })
        .build()
        .unwrap();
    (c, events)
}

/// The events of token requests, and those of API requests.
fn split_token_events(events: &Mutex<Vec<Event>>) -> (Vec<Event>, Vec<Event>) {
    events
        .lock()
        .unwrap()
        .iter()
        .cloned()
        .partition(|e| e.operation == "requestToken")
}

#[test]
fn the_hook_sees_every_attempt_as_the_server_saw_it() {
    // API requests: 503, 503, 200 (one call), then 401 (the token is refreshed), 200
    let s = server(|r, i| match i {
        0 | 1 => busy(),
        3 => response(401, ""),
        _ if r.path.ends_with("/regions") => response(200, "[]"),
        _ => response(200, PAGE),
    });
    let (c, events) = hooked(&s.url());
    let ctx = TraceContext::parse(&format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01")).unwrap();
    with_trace_context(ctx, || list(&c)).expect("two 503s retried away");
    c.regions().list().expect("a 401, a new token, the same request again");
    let (tokens, api): (Vec<Seen>, Vec<Seen>) = s.seen().into_iter().partition(|r| r.is_token());
    let (token_events, events) = split_token_events(&events);
    assert_eq!(
        events.len(),
        api.len(),
        "one event per request the server saw: {events:#?}"
    );
    assert_eq!(api.len(), 5);
    // two token requests (the first call's, and the one after the 401), each reported
    // in the trace of the call that needed it
    assert_eq!(tokens.len(), 2);
    assert_eq!(token_events.len(), 2, "{token_events:#?}");
    for (e, r) in token_events.iter().zip(&tokens) {
        let p = traceparent(r);
        assert_eq!((e.method, e.attempt, e.status), (Method::Post, 1, Some(200)), "{e:?}");
        assert_eq!(
            (e.trace_id.as_str(), e.span_id.as_str()),
            (p.trace_id.as_str(), p.span_id.as_str())
        );
    }
    assert_eq!(token_events[0].trace_id, CALLER_TRACE);

    let want = [
        ("getNetworksPage", 1, Some(503)),
        ("getNetworksPage", 2, Some(503)),
        ("getNetworksPage", 3, Some(200)),
        ("getVpnRegions", 1, Some(401)),
        ("getVpnRegions", 2, Some(200)),
    ];
    for ((e, r), (op, attempt, status)) in events.iter().zip(&api).zip(want) {
        assert_eq!(
            (e.operation.as_str(), e.attempt, e.status),
            (op, attempt, status),
            "{e:?}"
        );
        assert_eq!(e.method, Method::Get);
        assert!(!e.error, "an HTTP status is not a transport error: {e:?}");
        assert!(
            e.latency > Duration::ZERO && e.latency < Duration::from_secs(10),
            "{e:?}"
        );
        let p = traceparent(r);
        assert_eq!(
            (e.trace_id.as_str(), e.span_id.as_str()),
            (p.trace_id.as_str(), p.span_id.as_str()),
            "{e:?} vs {p:?}"
        );
    }
    assert!(events[..3].iter().all(|e| e.trace_id == CALLER_TRACE));
    assert_ne!(events[3].trace_id, CALLER_TRACE);
    assert_eq!(
        events[3].trace_id, events[4].trace_id,
        "the resend after the 401 is in the same call"
    );
    assert_eq!(
        token_events[1].trace_id, events[3].trace_id,
        "the new token after the 401 is in that call's trace"
    );

    // a pooled connection closed without an answer: no status, an error; the resend on a
    // new connection is attempt 2 of the same call
    let s = server(|_, i| if i == 0 { Vec::new() } else { response(200, PAGE) });
    let (c, events) = hooked(&s.url());
    list(&c).expect("the resend on a fresh connection succeeds");
    let api: Vec<Seen> = s.seen().into_iter().filter(|r| !r.is_token()).collect();
    let (_, events) = split_token_events(&events);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(api.len(), 2);
    assert_eq!(
        (events[0].attempt, events[0].status, events[0].error),
        (1, None, true),
        "{:?}",
        events[0]
    );
    assert_eq!(
        (events[1].attempt, events[1].status, events[1].error),
        (2, Some(200), false),
        "{:?}",
        events[1]
    );
    for (e, r) in events.iter().zip(&api) {
        let p = traceparent(r);
        assert_eq!(
            (e.trace_id.as_str(), e.span_id.as_str()),
            (p.trace_id.as_str(), p.span_id.as_str()),
            "{e:?}"
        );
    }
    assert_eq!(events[0].trace_id, events[1].trace_id);
    assert_ne!(events[0].span_id, events[1].span_id);
}

#[test]
fn the_token_request_is_part_of_the_calls_trace() {
    let s = server(|_, _| response(200, PAGE));
    let (c, events) = hooked(&s.url());
    let ctx = TraceContext::parse(&format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01")).unwrap();
    with_trace_context(ctx, || list(&c)).expect("token, then the page");
    let seen = s.seen();
    let token = seen.iter().find(|r| r.is_token()).expect("the token request");
    let mut problems = Vec::new();
    match token.header("traceparent") {
        None => problems.push("the token request carries no traceparent".to_string()),
        Some(v) => {
            let p = traceparent(token);
            if p.trace_id != CALLER_TRACE {
                problems.push(format!(
                    "the token request's traceparent {v} is not in the caller's trace"
                ));
            }
        }
    }
    let events = events.lock().unwrap().clone();
    if let Some(e) = events.iter().find(|e| e.operation == "requestToken") {
        let p = traceparent(token);
        if (e.trace_id.as_str(), e.span_id.as_str()) != (p.trace_id.as_str(), p.span_id.as_str()) {
            problems.push(format!(
                "the token event {e:?} is not the token request on the wire {p:?}"
            ));
        }
        let api = seen.iter().find(|r| !r.is_token()).expect("the page request");
        if traceparent(api).span_id == p.span_id {
            problems.push("the token request and the page request share a span id".into());
        }
    } else {
        problems.push(format!(
            "the on_request hook (\"run after every HTTP request\") did not see the token request: {:?}",
            events.iter().map(|e| (&e.operation, e.attempt)).collect::<Vec<_>>()
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
