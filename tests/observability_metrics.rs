//! The metrics registry against the emulator's own counters.
//!
//! A mixed run (plain successes, 503 bursts retried away, calls that run out of retries,
//! 404s, a token refresh after a 401, a full breaker cycle and a breaker left open) must
//! add up: calls = successes + failures per operation, requests per operation and status
//! class = what the emulator answered, `retries` = requests sent − calls wherever nothing
//! else resent a request, breaker transitions = the state changes driven, token fetches =
//! tokens the emulator issued. Latency quantiles are checked against injected, known
//! delays; the JSON and Prometheus exports must carry the same numbers, and the
//! Prometheus text must be well formed (checked line by line and with `prometheus-parse`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use cloudconnexa::metrics::{MetricsSnapshot, PRECISION};
use cloudconnexa::models::PageRequest;
use cloudconnexa::resilience::{BreakerConfig, BreakerState, ManualClock, RetryPolicy};
use cloudconnexa::{Client, ErrorKind};
use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};
use serde_json::Value;

/// `GET /networks`: successes, 503 bursts, calls that run out of retries.
const LIST: &str = "getNetworksPage";
/// `GET /networks/{id}` with an unknown id: 404, never retried.
const GET: &str = "getNetwork";
/// `GET /regions` after the emulator expired every token: 401, new token, 200.
const REGIONS: &str = "getVpnRegions";
/// `GET /users`: a full breaker cycle, closed → open → half-open → closed.
const USERS: &str = "getUsers";
/// `GET /user-groups`: the breaker is left open.
const GROUPS: &str = "getUserGroupsPage";
/// `GET /hosts`: calls with injected latency.
const HOSTS: &str = "getHostsPage";
const TOKEN: &str = "requestToken";

const MAX_RETRIES: u32 = 3;
const BREAKER_THRESHOLD: u32 = 5;
/// On the client's manual clock, which only the retries' backoff (35 ms a call at most)
/// and the test move: the breaker stays open until the test advances the clock.
const RECOVERY: Duration = Duration::from_secs(60);
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

fn start() -> MockServer {
    let mut o = MockOptions::default();
    o.rate_limit.enabled = false;
    MockServer::start(o).expect("MockServer::start")
}

fn rule(json: &str) -> FaultRule {
    FaultRule::parse(json).unwrap_or_else(|e| panic!("FaultRule::parse({json}): {e}"))
}

/// Retries without jitter (5, 10, 20 ms), no retry budget, one breaker per operation that
/// opens after 5 consecutive failures for 60 s, on a manual clock (returned). Latencies
/// are still measured in real time.
fn client_for(server: &MockServer) -> (Client, Arc<ManualClock>) {
    let clock = ManualClock::new();
    let client = Client::builder()
        .api_url(server.base_url())
        .allow_insecure_http(true)
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .read_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy {
            max_retries: MAX_RETRIES,
            backoff_factor: Duration::from_millis(5),
            backoff_max: Duration::from_secs(1),
            jitter: false,
            ..RetryPolicy::default()
        })
        .retry_budget(None)
        .circuit_breaker(Some(BreakerConfig {
            failure_threshold: BREAKER_THRESHOLD,
            recovery_timeout: RECOVERY,
            per_operation: true,
            ..BreakerConfig::default()
        }))
        .clock(clock.clone())
        .build()
        .expect("build");
    (client, clock)
}

/// What a call of the mixed run should return.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    Http(u16),
    CircuitOpen,
}

fn outcome<T>(r: &cloudconnexa::Result<T>) -> Want {
    match r {
        Ok(_) => Want::Ok,
        Err(e) => match e.kind() {
            ErrorKind::Http { status, .. } => Want::Http(*status),
            ErrorKind::CircuitOpen => Want::CircuitOpen,
            other => panic!("unexpected error {other:?}: {e}"),
        },
    }
}

/// What the test drove, counted on its side: calls by their actual outcome, and every
/// outcome or breaker state that differed from what the faults should have produced
/// (asserted at the end, after the checks that hold whatever the outcomes were).
#[derive(Debug, Default)]
struct Ledger {
    ok: BTreeMap<&'static str, u64>,
    failed: BTreeMap<&'static str, u64>,
    /// Failed calls by (operation, error kind name).
    kinds: BTreeMap<(&'static str, &'static str), u64>,
    /// Retries each operation needed (known from the faults).
    retries: BTreeMap<&'static str, u64>,
    transitions: u64,
    rejections: u64,
    mismatches: Vec<String>,
}

impl Ledger {
    fn record<T>(&mut self, op: &'static str, r: cloudconnexa::Result<T>, want: Want) {
        let got = outcome(&r);
        if let Err(e) = &r {
            *self.kinds.entry((op, e.kind().name())).or_default() += 1;
        }
        *if r.is_ok() { &mut self.ok } else { &mut self.failed }
            .entry(op)
            .or_default() += 1;
        if got != want {
            let n = self.ok.get(op).unwrap_or(&0) + self.failed.get(op).unwrap_or(&0);
            self.mismatches
                .push(format!("{op} call {n}: expected {want:?}, got {got:?}"));
        }
    }

    fn state(&mut self, c: &Client, op: &str, want: BreakerState, when: &str) {
        let got = c.breaker_state(op);
        if got != want {
            self.mismatches
                .push(format!("breaker of {op} {when}: expected {want:?}, got {got:?}"));
        }
    }

    fn retried(&mut self, op: &'static str, n: u64) {
        *self.retries.entry(op).or_default() += n;
    }

    fn calls(&self, op: &str) -> (u64, u64) {
        (
            self.ok.get(op).copied().unwrap_or(0),
            self.failed.get(op).copied().unwrap_or(0),
        )
    }

    fn ops(&self) -> BTreeSet<&'static str> {
        self.ok.keys().chain(self.failed.keys()).copied().collect()
    }
}

fn list(c: &Client) -> cloudconnexa::Result<usize> {
    c.networks().list(PageRequest::default()).map(|p| p.content.len())
}

fn users(c: &Client) -> cloudconnexa::Result<usize> {
    c.users().list(PageRequest::default()).map(|p| p.content.len())
}

fn groups(c: &Client) -> cloudconnexa::Result<usize> {
    c.user_groups().list(PageRequest::default()).map(|p| p.content.len())
}

/// The mixed run. Every fault is installed alone (`set_faults`), so what fires is exact.
fn drive_mix(server: &MockServer, c: &Client, clock: &ManualClock) -> Ledger {
    let mut l = Ledger::default();
    // the first call fetches the token
    for _ in 0..3 {
        l.record(LIST, list(c), Want::Ok);
    }
    l.record(TOKEN, Ok(()), Want::Ok);

    // bursts of 1, 2 and 3 503s, each retried away (at most 3 consecutive breaker failures)
    for n in 1..=3u64 {
        server.set_faults(vec![rule(&format!(
            r#"{{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks","count":{n}}}"#
        ))]);
        l.record(LIST, list(c), Want::Ok);
        l.retried(LIST, n);
    }
    // twice: 4 503s, more than 3 retries can cover; a success in between resets the breaker
    for _ in 0..2 {
        server.set_faults(vec![rule(
            r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks","count":4}"#,
        )]);
        l.record(LIST, list(c), Want::Http(503));
        l.retried(LIST, MAX_RETRIES as u64);
        l.record(LIST, list(c), Want::Ok);
    }
    server.clear_faults();

    // 404 is final
    for _ in 0..3 {
        l.record(GET, c.networks().get(UNKNOWN_ID), Want::Http(404));
    }

    // the emulator forgets every token: 401, one new token, the request again (not a retry)
    assert!(server.expire_tokens() >= 1);
    l.record(REGIONS, c.regions().list(), Want::Ok);
    l.record(TOKEN, Ok(()), Want::Ok);

    // a full breaker cycle on getUsers with 501 (a server failure the policy does not retry)
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":501,"method":"GET","path":"/api/v1/users"}"#,
    )]);
    for i in 1..=BREAKER_THRESHOLD {
        l.state(c, USERS, BreakerState::Closed, &format!("before failure {i}"));
        l.record(USERS, users(c), Want::Http(501));
    }
    l.state(c, USERS, BreakerState::Open, "after the threshold of failures");
    l.transitions += 1;
    l.record(USERS, users(c), Want::CircuitOpen);
    l.rejections += 1;
    server.clear_faults();
    clock.advance(RECOVERY);
    l.record(USERS, users(c), Want::Ok); // open → half-open, a good probe → closed
    l.transitions += 2;
    l.state(c, USERS, BreakerState::Closed, "after a good probe");

    // user groups: the breaker opens and stays open
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":501,"method":"GET","path":"/api/v1/user-groups"}"#,
    )]);
    for _ in 0..BREAKER_THRESHOLD {
        l.record(GROUPS, groups(c), Want::Http(501));
    }
    l.transitions += 1;
    l.state(c, GROUPS, BreakerState::Open, "at the end");
    server.clear_faults();
    l
}

fn class_of(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The emulator's answers as `(operation, class) -> count`.
fn emulator_requests(server: &MockServer) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    let stats = server.stats();
    for (op, by_status) in stats["operations"].as_object().expect("operations") {
        for (status, n) in by_status.as_object().expect("statuses") {
            let status: u16 = status.parse().expect("numeric status");
            *out.entry((op.clone(), class_of(status).to_string())).or_default() += n.as_u64().unwrap();
        }
    }
    out
}

/// The client's requests as `(operation, class) -> count` (all methods together).
fn client_requests(s: &MetricsSnapshot) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for r in &s.requests {
        assert!(r.count > 0, "zero rows are not reported: {r:?}");
        *out.entry((r.operation.clone(), r.status_class.clone())).or_default() += r.count;
    }
    out
}

fn requests_of(s: &MetricsSnapshot, op: &str) -> u64 {
    s.requests.iter().filter(|r| r.operation == op).map(|r| r.count).sum()
}

fn calls_of(s: &MetricsSnapshot, op: &str) -> (u64, u64) {
    s.calls
        .iter()
        .find(|c| c.operation == op)
        .map_or((0, 0), |c| (c.succeeded, c.failed))
}

fn breaker_state_of<'a>(s: &'a MetricsSnapshot, op: &str) -> Option<&'a str> {
    let suffix = format!(" {op}");
    s.breaker
        .states
        .iter()
        .find(|(k, _)| k.ends_with(&suffix))
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_mixed_run_adds_up_against_the_emulator() {
    let server = start();
    let (c, clock) = client_for(&server);
    let l = drive_mix(&server, &c, &clock);
    let s = c.metrics();
    let stats = server.stats();

    // Whatever each call returned:
    // calls = successes + failures, per operation, and nothing else was counted
    for op in l.ops() {
        assert_eq!(calls_of(&s, op), l.calls(op), "calls of {op} (succeeded, failed)");
    }
    let reported: BTreeSet<&str> = s.calls.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(reported, l.ops(), "operations with calls");
    // failures by error kind = the kinds the calls returned
    let kinds: BTreeMap<(&str, &str), u64> = s
        .errors
        .iter()
        .map(|e| ((e.operation.as_str(), e.kind.as_str()), e.count))
        .collect();
    assert_eq!(kinds, l.kinds, "failed calls by kind");
    assert!(!kinds.is_empty(), "the mix has failures");
    // requests per operation and status class = what the emulator answered
    let ours = client_requests(&s);
    let theirs = emulator_requests(&server);
    assert_eq!(
        ours, theirs,
        "client requests vs emulator answers\nemulator: {}",
        stats["operations"]
    );
    assert_eq!(
        s.requests_of(LIST, "5xx"),
        stats["operations"][LIST]["503"].as_u64().unwrap(),
        "503 is class 5xx"
    );
    assert_eq!(s.total_requests(), stats["requests_total"].as_u64().unwrap());
    assert!(
        s.requests.iter().all(|r| r.method == "GET" || r.operation == TOKEN),
        "{:?}",
        s.requests
    );
    assert!(
        s.requests
            .iter()
            .filter(|r| r.operation == TOKEN)
            .all(|r| r.method == "POST")
    );
    // token fetches = tokens the emulator issued
    assert_eq!(
        s.auth.token_fetches,
        stats["tokens_issued"].as_u64().unwrap(),
        "token fetches vs tokens issued"
    );
    assert_eq!(c.metrics().retries, s.retries);
    // one latency observation per call
    for op in l.ops() {
        let lat = s
            .latency
            .iter()
            .find(|x| x.operation == op)
            .unwrap_or_else(|| panic!("latency of {op}"));
        let (ok, failed) = l.calls(op);
        assert_eq!(lat.count, ok + failed, "latency count of {op}");
        assert!(
            lat.max >= lat.p99 && lat.p99 >= lat.p95 && lat.p95 >= lat.p50 && lat.p50 >= lat.min && lat.min > 0.0,
            "{lat:?}"
        );
        assert!(lat.max < 30.0, "{op}: {lat:?}");
    }
    // the JSON export carries the same numbers
    let json: Value = serde_json::from_str(&s.to_json()).expect("to_json() is JSON");
    check_json(&json, &s, &l);

    // The faults had the effects they should have had (the breaker opened, refused, closed).
    assert!(
        l.mismatches.is_empty(),
        "the mixed run did not go as driven:\n{}",
        l.mismatches.join("\n")
    );
    assert_eq!(calls_of(&s, LIST), (3 + 3 + 2, 2));
    assert_eq!(calls_of(&s, USERS), (1, BREAKER_THRESHOLD as u64 + 1));
    assert_eq!(s.requests_of(LIST, "5xx"), 1 + 2 + 3 + 4 + 4);
    assert_eq!(s.requests_of(LIST, "2xx"), 3 + 3 + 2);
    assert_eq!(s.requests_of(GET, "4xx"), 3);
    assert_eq!(s.requests_of(REGIONS, "4xx"), 1, "the 401 of the expired token");
    assert_eq!(
        s.requests_of(USERS, "5xx"),
        BREAKER_THRESHOLD as u64,
        "nothing sent while open"
    );

    // retries = requests sent - calls where nothing else resent a request
    for op in [LIST, GET, GROUPS, TOKEN] {
        let (ok, failed) = calls_of(&s, op);
        assert_eq!(
            requests_of(&s, op) - (ok + failed),
            l.retries.get(op).copied().unwrap_or(0),
            "{op}: requests - calls = retries"
        );
    }
    let expected_retries: u64 = l.retries.values().sum();
    assert_eq!(expected_retries, 1 + 2 + 3 + 3 + 3);
    assert_eq!(s.retries, expected_retries, "retries_total");
    // the other resends, which are not retries: the token refresh and the breaker's refusal
    let (ok, failed) = calls_of(&s, REGIONS);
    assert_eq!(requests_of(&s, REGIONS), ok + failed + 1, "one resend after the 401");
    let (ok, failed) = calls_of(&s, USERS);
    assert_eq!(
        requests_of(&s, USERS) + l.rejections,
        ok + failed,
        "the refused call sent nothing"
    );
    assert_eq!(s.retry_budget_refusals, 0);

    // breaker
    assert_eq!(
        s.breaker.transitions, l.transitions,
        "closed→open→half-open→closed, then closed→open"
    );
    assert_eq!(s.breaker.rejections, l.rejections);
    assert_eq!(breaker_state_of(&s, USERS), Some("closed"), "{:?}", s.breaker.states);
    assert_eq!(breaker_state_of(&s, GROUPS), Some("open"), "{:?}", s.breaker.states);
    assert_eq!(breaker_state_of(&s, LIST), Some("closed"), "{:?}", s.breaker.states);
    assert_eq!(
        s.breaker.states.iter().filter(|(_, v)| v != "closed").count(),
        1,
        "{:?}",
        s.breaker.states
    );

    // tokens: the first, and the one after the emulator expired it
    assert_eq!(s.auth.token_fetches, 2);
    assert_eq!(s.auth.fetch_failures, 0);
    assert_eq!(s.auth.rejected, 1, "the expired token was dropped once");
    assert_eq!(calls_of(&s, TOKEN), (2, 0));
}

fn check_json(json: &Value, s: &MetricsSnapshot, l: &Ledger) {
    let mut requests = BTreeMap::new();
    for r in json["requests"].as_array().expect("requests") {
        let key = (
            r["operation"].as_str().unwrap().to_string(),
            r["status_class"].as_str().unwrap().to_string(),
        );
        *requests.entry(key).or_default() += r["count"].as_u64().unwrap();
        assert!(r["method"].is_string());
    }
    assert_eq!(requests, client_requests(s), "JSON requests");
    for op in l.ops() {
        let c = json["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["operation"] == op)
            .expect("calls entry");
        assert_eq!(
            (c["succeeded"].as_u64().unwrap(), c["failed"].as_u64().unwrap()),
            l.calls(op),
            "JSON calls of {op}"
        );
        let lat = json["latency"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["operation"] == op)
            .expect("latency entry");
        let ours = s.latency.iter().find(|x| x.operation == op).unwrap();
        assert_eq!(lat["count"].as_u64(), Some(ours.count), "{op}");
        for (k, v) in [
            ("mean", ours.mean),
            ("p50", ours.p50),
            ("p95", ours.p95),
            ("p99", ours.p99),
            ("max", ours.max),
        ] {
            // serde_json parses decimals without full round-trip precision: equal to 1e-12
            let got = lat[k].as_f64().unwrap_or(f64::NAN);
            assert!(
                (got - v).abs() <= v.abs() * 1e-12,
                "JSON latency {k} of {op}: {got} vs {v}"
            );
        }
        assert_eq!(lat["precision"].as_f64(), Some(PRECISION));
    }
    assert_eq!(json["retries"].as_u64(), Some(s.retries));
    assert_eq!(json["retry_budget_refusals"].as_u64(), Some(s.retry_budget_refusals));
    assert_eq!(json["breaker"]["transitions"].as_u64(), Some(s.breaker.transitions));
    assert_eq!(json["breaker"]["rejections"].as_u64(), Some(s.breaker.rejections));
    let states: BTreeMap<String, String> = json["breaker"]["states"]
        .as_array()
        .expect("states")
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        states,
        s.breaker.states.iter().cloned().collect::<BTreeMap<_, _>>(),
        "JSON breaker states"
    );
    assert_eq!(states.len(), s.breaker.states.len());
    assert_eq!(json["auth"]["token_fetches"].as_u64(), Some(s.auth.token_fetches));
    assert_eq!(json["auth"]["rejected"].as_u64(), Some(s.auth.rejected));
    assert_eq!(json["pool"]["opened"].as_u64(), Some(s.pool.opened));
}

/// `(injected delay in ms, calls)`: 40 calls whose p50, p95 and p99 fall in three
/// different groups. No group comes within the tolerance below a Prometheus bucket bound.
const SCHEDULE: [(u64, usize); 4] = [(12, 20), (30, 10), (60, 8), (120, 2)];

#[test]
fn latency_quantiles_match_the_injected_delays() {
    let server = start();
    let (c, _clock) = client_for(&server);
    // token and connection first, on another operation, so getHostsPage sees only the schedule
    list(&c).expect("warm-up");
    // what the server waited (a lower bound of each call's latency) and what this thread
    // measured around each call (an upper bound): no window of wall-clock time is assumed
    let mut injected: Vec<f64> = Vec::new();
    let mut outer: Vec<f64> = Vec::new();
    for (ms, n) in SCHEDULE {
        server.set_faults(vec![rule(&format!(
            r#"{{"kind":"latency","ms":{ms},"method":"GET","path":"/api/v1/hosts"}}"#
        ))]);
        for _ in 0..n {
            let t0 = std::time::Instant::now();
            c.hosts()
                .list(PageRequest::default())
                .expect("a slow call still succeeds");
            outer.push(t0.elapsed().as_secs_f64());
            injected.push(ms as f64 / 1e3);
        }
    }
    server.clear_faults();
    assert_eq!(
        server.stats()["faults"]["latency"].as_u64(),
        Some(injected.len() as u64)
    );

    let s = c.metrics();
    let lat = s
        .latency
        .iter()
        .find(|l| l.operation == HOSTS)
        .expect("latency of getHostsPage")
        .clone();
    let n = injected.len();
    assert_eq!(lat.count, n as u64);
    // the brute-force answer, from below and from above
    let mut known = injected.clone();
    known.sort_by(f64::total_cmp);
    let mut measured = outer.clone();
    measured.sort_by(f64::total_cmp);
    let rank = |q: f64| ((q * n as f64).ceil() as usize).max(1) - 1;
    for (name, q, got) in [
        ("p50", 0.5, lat.p50),
        ("p95", 0.95, lat.p95),
        ("p99", 0.99, lat.p99),
        ("max", 1.0, lat.max),
    ] {
        let (lo, hi) = (
            known[rank(q)] * (1.0 - PRECISION),
            measured[rank(q)] * (1.0 + PRECISION),
        );
        eprintln!(
            "{name}: reported {:.3} ms, injected {:.0} ms, measured around the call {:.3} ms",
            got * 1e3,
            known[rank(q)] * 1e3,
            measured[rank(q)] * 1e3
        );
        assert!(
            got >= lo && got <= hi,
            "{name}: {got} s not within [{lo}, {hi}] (injected, measured around the call)"
        );
    }
    // the three quantiles come from three different delays
    assert!(
        lat.p50 >= 0.012 * (1.0 - PRECISION)
            && lat.p95 >= 0.06 * (1.0 - PRECISION)
            && lat.p99 >= 0.12 * (1.0 - PRECISION),
        "{lat:?}"
    );
    let (sum_known, sum_outer): (f64, f64) = (known.iter().sum(), outer.iter().sum());
    assert!(
        lat.sum >= sum_known && lat.sum <= sum_outer,
        "sum {} vs injected {sum_known}, measured {sum_outer}",
        lat.sum
    );
    assert!(
        (lat.mean - lat.sum / n as f64).abs() < 1e-6,
        "mean {} vs sum/count",
        lat.mean
    );

    // cumulative Prometheus buckets: each call counts where its latency, between the
    // injected delay and the time measured around it, falls
    for (le, count) in &lat.buckets {
        let at_least = measured.iter().filter(|v| **v <= *le).count() as u64;
        let at_most = known.iter().filter(|v| **v <= *le).count() as u64;
        assert!(
            (at_least..=at_most).contains(count),
            "bucket le={le}: {count} not within [{at_least}, {at_most}]: {:?}",
            lat.buckets
        );
    }
    assert!(lat.buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
}

// ---------------------------------------------------------------------------
// Prometheus
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct PromSample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

#[derive(Debug)]
struct Family {
    kind: String,
    samples: Vec<PromSample>,
}

fn valid_metric_name(s: &str) -> bool {
    let mut ch = s.chars();
    ch.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut ch = s.chars();
    ch.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

/// Parse `name{a="x",b="y"} value` strictly (escapes `\\`, `\"`, `\n` in values).
fn parse_sample(line: &str) -> Result<PromSample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(r) = rest.strip_prefix('{') {
        let mut r = r;
        loop {
            if let Some(after) = r.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = r.find('=').ok_or("label without =")?;
            let key = r[..eq].to_string();
            if !valid_label_name(&key) {
                return Err(format!("invalid label name {key:?}"));
            }
            let mut chars = r[eq + 1..].char_indices();
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("label value not quoted".into());
            }
            let mut value = String::new();
            let end = loop {
                match chars.next().ok_or("unterminated label value")? {
                    (i, '"') => break eq + 1 + i + 1,
                    (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        c => return Err(format!("bad escape \\{c}")),
                    },
                    (_, '\n') => return Err("raw newline in label value".into()),
                    (_, c) => value.push(c),
                }
            };
            if labels.insert(key.clone(), value).is_some() {
                return Err(format!("label {key} twice"));
            }
            r = &r[end..];
            r = r.strip_prefix(',').unwrap_or(r);
        }
    }
    let mut parts = rest.split_whitespace();
    let v = parts.next().ok_or("no value")?;
    if parts.next().is_some() {
        return Err("unexpected timestamp or trailing text".into());
    }
    let value = match v {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => v.parse::<f64>().map_err(|e| format!("value {v:?}: {e}"))?,
    };
    Ok(PromSample { name, labels, value })
}

/// Check the exposition format line by line; returns the families by name.
fn check_exposition(text: &str) -> BTreeMap<String, Family> {
    assert!(text.ends_with('\n'), "the text ends with a newline");
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut helped: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut series: BTreeSet<String> = BTreeSet::new();
    for (no, line) in text.lines().enumerate() {
        let at = format!("line {}: {line:?}", no + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("{at}: HELP without text"));
            assert!(!help.trim().is_empty(), "{at}");
            assert!(helped.insert(name.to_string()), "{at}: second HELP for {name}");
            assert!(
                !families.contains_key(name),
                "{at}: HELP after the family's TYPE/samples"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("{at}: TYPE without kind"));
            assert!(valid_metric_name(name), "{at}: invalid name");
            assert!(
                name.starts_with("cloudconnexa_"),
                "{at}: family without the cloudconnexa_ prefix"
            );
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{at}: kind {kind}"
            );
            if kind == "counter" {
                assert!(name.ends_with("_total"), "{at}: counter not ending in _total");
            } else {
                assert!(!name.ends_with("_total"), "{at}: a {kind} ending in _total");
            }
            let old = families.insert(
                name.to_string(),
                Family {
                    kind: kind.to_string(),
                    samples: Vec::new(),
                },
            );
            assert!(old.is_none(), "{at}: second TYPE for {name}");
            current = Some(name.to_string());
            continue;
        }
        assert!(!line.starts_with('#'), "{at}: unexpected comment");
        let sample = parse_sample(line).unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(valid_metric_name(&sample.name), "{at}: invalid metric name");
        let fam_name = current
            .clone()
            .unwrap_or_else(|| panic!("{at}: sample before any # TYPE line"));
        let fam = families.get_mut(&fam_name).unwrap();
        let belongs = if fam.kind == "histogram" {
            ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| sample.name == format!("{fam_name}{s}"))
        } else {
            sample.name == fam_name
        };
        assert!(
            belongs,
            "{at}: sample outside the family of the preceding # TYPE ({fam_name}, {})",
            fam.kind
        );
        if sample.name.ends_with("_bucket") {
            assert!(sample.labels.contains_key("le"), "{at}: bucket without le");
        } else {
            assert!(!sample.labels.contains_key("le"), "{at}: le outside a bucket");
        }
        assert!(!sample.value.is_nan(), "{at}: NaN");
        if fam.kind == "counter" || fam.kind == "histogram" {
            assert!(sample.value >= 0.0, "{at}: negative counter");
        }
        assert!(
            series.insert(format!("{}{:?}", sample.name, sample.labels)),
            "{at}: duplicate series"
        );
        fam.samples.push(sample);
    }
    for name in &helped {
        assert!(families.contains_key(name), "HELP for {name} without a TYPE");
    }
    families
}

/// Check every histogram: per label set, `le` strictly increasing and ending in `+Inf`,
/// counts non-decreasing, `+Inf` = `_count`, and a `_sum`.
/// A label set without `le`, sorted by name.
type LabelKey = Vec<(String, String)>;

fn check_histograms(families: &BTreeMap<String, Family>) -> usize {
    let mut checked = 0;
    for (name, fam) in families.iter().filter(|(_, f)| f.kind == "histogram") {
        let mut buckets: BTreeMap<LabelKey, Vec<(f64, f64)>> = BTreeMap::new();
        let key = |s: &PromSample| -> LabelKey {
            s.labels
                .iter()
                .filter(|(k, _)| *k != "le")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        for s in fam.samples.iter().filter(|s| s.name.ends_with("_bucket")) {
            let le = match s.labels["le"].as_str() {
                "+Inf" => f64::INFINITY,
                v => v.parse::<f64>().unwrap_or_else(|e| panic!("{name}: le {v:?}: {e}")),
            };
            buckets.entry(key(s)).or_default().push((le, s.value));
        }
        let single = |suffix: &str, k: &LabelKey| -> f64 {
            let m: Vec<&PromSample> = fam
                .samples
                .iter()
                .filter(|s| s.name == format!("{name}{suffix}") && key(s) == *k)
                .collect();
            assert_eq!(m.len(), 1, "{name}{suffix} for {k:?}");
            m[0].value
        };
        for (k, b) in &buckets {
            assert!(
                b.windows(2).all(|w| w[0].0 < w[1].0),
                "{name} {k:?}: le not increasing: {b:?}"
            );
            assert!(
                b.windows(2).all(|w| w[0].1 <= w[1].1),
                "{name} {k:?}: counts decrease: {b:?}"
            );
            let (last_le, inf_count) = *b.last().unwrap();
            assert_eq!(last_le, f64::INFINITY, "{name} {k:?}: last bucket is not +Inf");
            assert_eq!(inf_count, single("_count", k), "{name} {k:?}: +Inf bucket vs _count");
            assert!(single("_sum", k) >= 0.0);
            checked += 1;
        }
        let counts = fam.samples.iter().filter(|s| s.name.ends_with("_count")).count();
        assert_eq!(counts, buckets.len(), "{name}: a _count without buckets");
    }
    checked
}

fn prom_value(v: &prometheus_parse::Value) -> f64 {
    match v {
        prometheus_parse::Value::Counter(x)
        | prometheus_parse::Value::Gauge(x)
        | prometheus_parse::Value::Untyped(x) => *x,
        other => panic!("not a scalar: {other:?}"),
    }
}

#[test]
fn prometheus_text_is_well_formed_and_matches_the_snapshot() {
    let server = start();
    let (c, clock) = client_for(&server);
    let l = drive_mix(&server, &c, &clock);
    server.set_faults(vec![rule(
        r#"{"kind":"latency","ms":30,"method":"GET","path":"/api/v1/hosts"}"#,
    )]);
    for _ in 0..3 {
        c.hosts().list(PageRequest::default()).expect("hosts");
    }
    server.clear_faults();
    let s = c.metrics();
    let text = s.to_prometheus();

    let families = check_exposition(&text);
    let histograms = check_histograms(&families);
    assert_eq!(histograms, s.latency.len(), "one histogram per operation with calls");
    assert!(histograms >= 6);
    for required in [
        "cloudconnexa_requests_total",
        "cloudconnexa_calls_total",
        "cloudconnexa_call_errors_total",
        "cloudconnexa_call_duration_seconds",
        "cloudconnexa_retries_total",
        "cloudconnexa_breaker_state",
        "cloudconnexa_breaker_transitions_total",
        "cloudconnexa_token_fetches_total",
    ] {
        assert!(families.contains_key(required), "family {required} missing");
    }

    // the same text through prometheus-parse, value by value against the snapshot
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("prometheus-parse");
    let find = |metric: &str, labels: &[(&str, &str)]| -> Vec<&prometheus_parse::Sample> {
        scrape
            .samples
            .iter()
            .filter(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
            .collect()
    };
    let scalar = |metric: &str, labels: &[(&str, &str)]| -> f64 {
        let m = find(metric, labels);
        assert_eq!(m.len(), 1, "{metric} {labels:?}: {m:?}");
        prom_value(&m[0].value)
    };
    for r in &s.requests {
        let labels = [
            ("operation", r.operation.as_str()),
            ("method", r.method.as_str()),
            ("status_class", r.status_class.as_str()),
        ];
        assert_eq!(scalar("cloudconnexa_requests_total", &labels), r.count as f64, "{r:?}");
    }
    assert_eq!(find("cloudconnexa_requests_total", &[]).len(), s.requests.len());
    let total: f64 = find("cloudconnexa_requests_total", &[])
        .iter()
        .map(|x| prom_value(&x.value))
        .sum();
    assert_eq!(
        total,
        server.stats()["requests_total"].as_u64().unwrap() as f64,
        "requests_total vs the emulator"
    );
    for op in l.ops() {
        let (ok, failed) = calls_of(&s, op);
        assert_eq!(
            scalar("cloudconnexa_calls_total", &[("operation", op), ("outcome", "success")]),
            ok as f64,
            "{op}"
        );
        assert_eq!(
            scalar("cloudconnexa_calls_total", &[("operation", op), ("outcome", "failure")]),
            failed as f64,
            "{op}"
        );
    }
    for e in &s.errors {
        assert_eq!(
            scalar(
                "cloudconnexa_call_errors_total",
                &[("operation", &e.operation), ("kind", &e.kind)]
            ),
            e.count as f64,
            "{e:?}"
        );
    }
    for lat in &s.latency {
        let op = lat.operation.as_str();
        let h = find("cloudconnexa_call_duration_seconds", &[("operation", op)]);
        assert_eq!(h.len(), 1, "{op}: {h:?}");
        let prometheus_parse::Value::Histogram(buckets) = &h[0].value else {
            panic!("{op}: not a histogram")
        };
        let mut want: Vec<(f64, f64)> = lat.buckets.iter().map(|(le, n)| (*le, *n as f64)).collect();
        want.push((f64::INFINITY, lat.count as f64));
        let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
        assert_eq!(got, want, "{op}: buckets");
        assert_eq!(
            scalar("cloudconnexa_call_duration_seconds_count", &[("operation", op)]),
            lat.count as f64
        );
        let sum = scalar("cloudconnexa_call_duration_seconds_sum", &[("operation", op)]);
        assert!(
            (sum - lat.sum).abs() <= 1e-9 * lat.sum.max(1.0),
            "{op}: _sum {sum} vs {}",
            lat.sum
        );
    }
    assert_eq!(scalar("cloudconnexa_retries_total", &[]), s.retries as f64);
    assert!(s.retries > 0);
    assert_eq!(
        scalar("cloudconnexa_breaker_transitions_total", &[]),
        s.breaker.transitions as f64
    );
    assert_eq!(
        scalar("cloudconnexa_breaker_rejections_total", &[]),
        s.breaker.rejections as f64
    );
    for (scope, state) in &s.breaker.states {
        let v = scalar("cloudconnexa_breaker_state", &[("scope", scope)]);
        let want = match state.as_str() {
            "closed" => 0.0,
            "half_open" => 1.0,
            "open" => 2.0,
            other => panic!("unknown state {other}"),
        };
        assert_eq!(v, want, "breaker_state of {scope}");
    }
    assert_eq!(find("cloudconnexa_breaker_state", &[]).len(), s.breaker.states.len());
    assert!(!s.breaker.states.is_empty());
    assert_eq!(
        scalar("cloudconnexa_token_fetches_total", &[]),
        server.stats()["tokens_issued"].as_u64().unwrap() as f64
    );
    assert_eq!(
        scalar("cloudconnexa_token_rejections_total", &[]),
        s.auth.rejected as f64
    );
    let host = s.pool.host.as_str();
    assert_eq!(
        scalar("cloudconnexa_connections_opened_total", &[("host", host)]),
        s.pool.opened as f64
    );
    assert!(s.pool.opened >= 1);
    // every sample prometheus-parse saw has a type it learnt from a # TYPE line
    for x in &scrape.samples {
        let typed = !matches!(x.value, prometheus_parse::Value::Untyped(_))
            || x.metric.ends_with("_sum")
            || x.metric.ends_with("_count");
        assert!(typed, "untyped sample {x:?}");
        assert!(x.metric.starts_with("cloudconnexa_"));
    }

    promtool_check(&text);
}

/// `promtool check metrics` when promtool is installed (optional; skipped otherwise).
fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("promtool not installed: skipping `promtool check metrics`");
        return;
    };
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_retry_refused_by_the_breaker_is_not_counted_as_sent() {
    // threshold 2, three retries allowed, the server always 503: the first attempt and the
    // first retry open the breaker, so the second retry is refused before anything is sent
    let server = start();
    let c = Client::builder()
        .api_url(server.base_url())
        .allow_insecure_http(true)
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .retry_policy(RetryPolicy {
            max_retries: 3,
            backoff_factor: Duration::from_millis(5),
            jitter: false,
            ..RetryPolicy::default()
        })
        .retry_budget(None)
        .circuit_breaker(Some(BreakerConfig {
            failure_threshold: 2,
            recovery_timeout: Duration::from_secs(60),
            ..BreakerConfig::default()
        }))
        .build()
        .unwrap();
    list(&c).expect("warm-up");
    server.set_faults(vec![rule(
        r#"{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks"}"#,
    )]);
    let r = list(&c);
    let s = c.metrics();
    let sent = s.requests_of(LIST, "5xx");
    let (ok, failed) = calls_of(&s, LIST);
    eprintln!(
        "{:?}; 503s sent: {sent}; retries_total: {}",
        r.as_ref().map_err(|e| e.kind()),
        s.retries
    );
    assert_eq!(sent, server.stats()["operations"][LIST]["503"].as_u64().unwrap());
    assert_eq!((ok, failed), (1, 1));
    assert_eq!(
        c.breaker_state(LIST),
        BreakerState::Open,
        "two 503s in a row open the breaker"
    );
    assert_eq!(sent, 2, "nothing is sent once the breaker is open");
    assert_eq!(
        s.retries,
        sent - 1,
        "retries_total (\"Retries sent.\") = requests sent - calls"
    );
}

#[test]
fn coalesced_calls_are_counted_as_calls_but_send_nothing() {
    // six identical GETs at once against a slow answer: followers share the leader's request
    let server = start();
    let (c, _clock) = client_for(&server);
    list(&c).expect("warm-up");
    server.set_faults(vec![rule(
        r#"{"kind":"latency","ms":150,"method":"GET","path":"/api/v1/networks"}"#,
    )]);
    let start = std::sync::Barrier::new(6);
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                start.wait();
                list(&c).expect("a coalesced call");
            });
        }
    });
    let s = c.metrics();
    let sent = server.stats()["operations"][LIST]["200"].as_u64().unwrap();
    eprintln!("7 calls, {sent} requests, {} coalesced", s.coalesced);
    assert_eq!(calls_of(&s, LIST), (7, 0), "every caller's call is counted");
    assert_eq!(
        s.requests_of(LIST, "2xx"),
        sent,
        "requests = what the emulator answered"
    );
    assert!(s.coalesced >= 1, "at least one caller joined a flight in 150 ms");
    assert_eq!(sent + s.coalesced, 7, "requests + coalesced = calls (no retries)");
    assert_eq!(s.retries, 0);
    assert_eq!(s.latency.iter().find(|l| l.operation == LIST).unwrap().count, 7);
}
