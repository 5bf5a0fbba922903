//! Cancellation and deadlines with a request on the wire, and waits for a token:
//! a cancel shuts the request's socket down (the server sees it closed, the pool keeps
//! no broken connection), a per-call timeout bounds one call, callers waiting for a
//! stalled token request keep their own deadlines, and a hook may call the client from
//! inside the token request's report. Real sockets; rendezvous on what the server saw.
//! Elapsed times are only checked against generous bounds (a busy CI box); the figures
//! of an idle run are in docs/FAULTS.md.

#[path = "fault_matrix_support/mod.rs"]
mod fault_matrix_support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cloudconnexa::models::PageRequest;
use cloudconnexa::{CancelToken, Client, ErrorKind, Method, TimeoutPhase, with_cancel, with_timeout};
use fault_matrix_support::*;

const NETWORKS: &str = "/api/v1/networks";
/// Upper bound on a cancel's effect on a busy machine (the target is 50 ms).
const GENEROUS: Duration = Duration::from_secs(2);

/// A client of `server` whose only bounds are a 30 s read timeout and `call` over the call.
fn client_with(server: &ScriptServer, call: Duration) -> Client {
    builder_for(&server.url(), "id", "secret")
        .read_timeout(Duration::from_secs(30))
        .call_timeout(call)
        .build()
        .unwrap()
}

fn raw_get(client: &Client) -> cloudconnexa::Result<cloudconnexa::RawResponse> {
    client.request(Method::Get, "/networks").send()
}

/// A server whose first API request is never answered (it waits for the client to close
/// the connection); the others get an empty page.
fn first_get_stalls() -> ScriptServer {
    let first = AtomicBool::new(true);
    ScriptServer::start(move |r: &Seen| {
        if r.is_token() {
            vec![Step::Write(token_response())]
        } else if first.swap(false, SeqCst) {
            vec![Step::UntilClosed]
        } else {
            vec![Step::Write(response(200, "application/json", PAGE.as_bytes()))]
        }
    })
}

#[test]
fn a_cancel_ends_a_request_on_the_wire_by_shutting_its_socket() {
    let server = first_get_stalls();
    let client = client_with(&server, Duration::from_secs(60));
    let token = CancelToken::new();
    let call = {
        let (client, token) = (client.clone(), token.clone());
        std::thread::spawn(move || {
            let r = with_cancel(&token, || raw_get(&client));
            (r, Instant::now())
        })
    };
    // the token request, then the GET the server holds
    assert!(server.await_requests(2, Duration::from_secs(30)), "{:?}", server.seen());
    std::thread::sleep(Duration::from_millis(200));
    let cancelled_at = Instant::now();
    token.cancel();
    let (r, returned_at) = call.join().unwrap();
    let e = r.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Cancelled, "{e}");
    let returned = returned_at - cancelled_at;
    assert!(returned < GENEROUS, "the call returned {returned:?} after the cancel");
    // the server sees the connection closed
    let until = Instant::now() + Duration::from_secs(10);
    while server.closed().is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(2));
    }
    let closed = server.closed();
    assert_eq!(closed.len(), 1, "the server saw the stalled connection closed");
    let seen_closed = closed[0].1.saturating_duration_since(cancelled_at);
    assert!(
        seen_closed < GENEROUS,
        "the server saw it closed {seen_closed:?} after the cancel"
    );
    eprintln!(
        "cancel with the request on the wire: call returned in {:.1} ms, server saw the close in {:.1} ms",
        returned.as_secs_f64() * 1e3,
        seen_closed.as_secs_f64() * 1e3
    );
    // no broken connection left in the pool: the next call does not stumble on it
    raw_get(&client).expect("the next call");
    let m = client.metrics();
    assert_eq!(m.stale_connection_retries, 0, "no dead pooled connection was tried");
    let gets: Vec<_> = server.seen().into_iter().filter(|s| !s.is_token()).collect();
    assert_eq!(gets.len(), 2);
    assert_ne!(gets[0].conn, gets[1].conn, "the cancelled connection was not reused");
}

#[test]
fn a_cancel_before_the_call_sends_nothing() {
    let server = first_get_stalls();
    let client = builder_for(&server.url(), "id", "secret").build().unwrap();
    let token = CancelToken::new();
    token.cancel();
    let e = with_cancel(&token, || raw_get(&client)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Cancelled);
    assert!(server.seen().is_empty());
}

#[test]
fn a_per_call_timeout_bounds_one_call_on_the_wire() {
    let server = ScriptServer::start(|r: &Seen| {
        if r.is_token() {
            vec![Step::Write(token_response())]
        } else {
            vec![Step::UntilClosed]
        }
    });
    let client = client_with(&server, Duration::from_secs(60));
    let started = Instant::now();
    let e = with_timeout(Duration::from_millis(500), || raw_get(&client)).unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), &ErrorKind::Timeout(TimeoutPhase::Call), "{e}");
    assert!(took >= Duration::from_millis(450), "ended early: {took:?}");
    assert!(took < Duration::from_millis(500) + GENEROUS, "took {took:?}");
    assert_eq!(server.count("GET", NETWORKS), 1, "not retried past its deadline");
    // a longer per-call timeout does not lift the client's call_timeout
    let short = client_with(&server, Duration::from_millis(300));
    let started = Instant::now();
    let e = with_timeout(Duration::from_secs(60), || raw_get(&short)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Timeout(TimeoutPhase::Call), "{e}");
    assert!(started.elapsed() < Duration::from_millis(300) + GENEROUS);
}

#[test]
fn callers_waiting_for_a_stalled_token_request_end_at_their_own_deadlines() {
    const CALLERS: usize = 16;
    let server = ScriptServer::start(|r: &Seen| {
        if r.is_token() {
            vec![Step::UntilClosed]
        } else {
            vec![Step::Write(response(200, "application/json", PAGE.as_bytes()))]
        }
    });
    // the token request may run 30 s (read timeout) and 60 s (call timeout); each caller
    // gives its call 1 s
    let client = client_with(&server, Duration::from_secs(60));
    let deadline = Duration::from_secs(1);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CALLERS)
            .map(|_| {
                s.spawn(|| {
                    let started = Instant::now();
                    let r = with_timeout(deadline, || raw_get(&client));
                    (r.map(|_| ()), started.elapsed())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (r, took) in &outcomes {
        let e = r.as_ref().unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Timeout(TimeoutPhase::Call), "{e}");
        assert!(e.to_string().contains("call_timeout 1.000 s"), "{e}");
        assert!(*took >= deadline - Duration::from_millis(50), "ended early: {took:?}");
        assert!(
            *took < deadline + GENEROUS,
            "ended at {took:?}, not at its own deadline"
        );
    }
    assert_eq!(
        server.count("POST", "/api/v1/oauth/token"),
        1,
        "one token request for 16 callers"
    );
    assert_eq!(server.count("GET", NETWORKS), 0);
    let slowest = outcomes.iter().map(|(_, t)| *t).max().unwrap();
    eprintln!(
        "16 callers behind a stalled token request: the last ended {:.1} ms after its start",
        slowest.as_secs_f64() * 1e3
    );
}

#[test]
fn a_hook_may_call_the_client_from_the_token_request_report() {
    let server = start(opts());
    let slot: Arc<OnceLock<Client>> = Arc::default();
    let inner_result: Arc<Mutex<Option<cloudconnexa::Result<usize>>>> = Arc::default();
    let client = {
        let (slot, inner_result) = (slot.clone(), inner_result.clone());
        builder(&server)
            .on_request(move |ev| {
                if ev.operation == "requestToken"
                    && let Some(c) = slot.get()
                {
                    let mut r = inner_result.lock().unwrap();
                    if r.is_none() {
                        // the first token's report calls back into the client
                        *r = Some(c.networks().list(PageRequest::default()).map(|p| p.content.len()));
                    }
                }
            })
            .build()
            .unwrap()
    };
    slot.set(client.clone()).unwrap();
    client.networks().list(PageRequest::default()).expect("the outer call");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(r) = inner_result.lock().unwrap().as_ref() {
            r.as_ref().expect("the call made from the hook");
            break;
        }
        assert!(Instant::now() < until, "the hook's call did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(slot);
}
