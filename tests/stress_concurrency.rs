//! Many threads at once on the shared stages of a client: the circuit breaker, the rate
//! limiter and the token manager. The breaker and the limiter are driven directly (they
//! are public, on a manual clock, so the expected counts are exact); the token manager
//! through a client against the emulator while its tokens are expired again and again.
//! Nothing here measures speed; time bounds only catch hangs.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use cloudconnexa::ErrorKind;
use cloudconnexa::models::PageRequest;
use cloudconnexa::resilience::{
    BreakerConfig, BreakerState, Breakers, Bucket, Clock, LimitMode, ManualClock, Outcome, RateLimit, Transition,
};
use common::{opts, start, stat};

const THREADS: usize = 64;

/// A tiny xorshift generator per thread (deterministic per seed).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Log = Arc<Mutex<Vec<(BreakerState, BreakerState)>>>;

fn breakers(cfg: BreakerConfig, clock: Arc<ManualClock>) -> (Arc<Breakers>, Log) {
    let log: Log = Arc::default();
    let l2 = log.clone();
    let b = Breakers::new(
        cfg,
        clock,
        Some(Box::new(move |t: &Transition| l2.lock().unwrap().push((t.from, t.to)))),
    );
    (Arc::new(b), log)
}

/// Transitions are reported outside the breaker's lock, so their order may interleave;
/// their counts may not: for every state, arrivals minus departures is 1 for the final
/// state, -1 for the initial one (Closed), 0 otherwise, and no transition stays put.
#[track_caller]
fn assert_consistent(log: &[(BreakerState, BreakerState)], last: BreakerState) {
    use BreakerState::*;
    for (from, to) in log {
        assert_ne!(from, to, "a transition to the same state");
        assert!(
            matches!(
                (from, to),
                (Closed, Open) | (Open, HalfOpen) | (HalfOpen, Open) | (HalfOpen, Closed)
            ),
            "impossible transition {from:?} -> {to:?}"
        );
    }
    for s in [Closed, Open, HalfOpen] {
        let into = log.iter().filter(|(_, t)| *t == s).count() as i64;
        let out = log.iter().filter(|(f, _)| *f == s).count() as i64;
        let expected = (last == s) as i64 - (s == Closed) as i64;
        assert_eq!(into - out, expected, "{s:?}: {into} in, {out} out, final {last:?}");
    }
}

#[test]
fn breaker_counts_every_failure_from_many_threads() {
    // 64 threads x 10 failures = 640 with a threshold of 641: still closed; one more opens it
    let clock = ManualClock::new();
    let cfg = BreakerConfig {
        failure_threshold: 641,
        recovery_timeout: Duration::from_secs(10),
        ..BreakerConfig::default()
    };
    let (b, log) = breakers(cfg, clock.clone());
    let go = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                go.wait();
                for _ in 0..10 {
                    let t = b.allow("h", "op").expect("closed");
                    b.record(t, Outcome::Failure);
                }
            });
        }
    });
    assert_eq!(b.state("h", "op"), BreakerState::Closed, "640 failures of 641");
    let t = b.allow("h", "op").unwrap();
    b.record(t, Outcome::Failure);
    assert_eq!(b.state("h", "op"), BreakerState::Open, "the 641st opens it");
    assert_eq!(*log.lock().unwrap(), vec![(BreakerState::Closed, BreakerState::Open)]);
}

#[test]
fn half_open_lets_exactly_the_probes_through() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig {
        failure_threshold: 1,
        recovery_timeout: Duration::from_secs(10),
        half_open_max_calls: 3,
        success_threshold: 3,
        ..BreakerConfig::default()
    };
    let (b, log) = breakers(cfg, clock.clone());
    for cycle in 0..50 {
        let t = b.allow("h", "op").expect("closed");
        b.record(t, Outcome::Failure);
        assert_eq!(b.state("h", "op"), BreakerState::Open);
        clock.advance(Duration::from_secs(10));
        // 64 threads ask at once: exactly 3 probe tickets
        let go = Barrier::new(THREADS);
        let tickets = Mutex::new(Vec::new());
        let refused = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    go.wait();
                    match b.allow("h", "op") {
                        Ok(t) => tickets.lock().unwrap().push(t),
                        Err(e) => {
                            assert_eq!(e.kind(), &ErrorKind::CircuitOpen);
                            refused.fetch_add(1, SeqCst);
                        }
                    }
                });
            }
        });
        let tickets = tickets.into_inner().unwrap();
        assert_eq!(tickets.len(), 3, "cycle {cycle}: probes let through");
        assert_eq!(refused.load(SeqCst), THREADS as u64 - 3);
        assert_eq!(b.state("h", "op"), BreakerState::HalfOpen);
        // the probes end on three threads; odd cycles have one fail, which reopens it
        let fail_one = cycle % 2 == 1;
        std::thread::scope(|s| {
            for (i, t) in tickets.into_iter().enumerate() {
                let b = &b;
                s.spawn(move || {
                    let o = if fail_one && i == 0 {
                        Outcome::Failure
                    } else {
                        Outcome::Success
                    };
                    b.record(t, o);
                });
            }
        });
        let want = if fail_one {
            BreakerState::Open
        } else {
            BreakerState::Closed
        };
        assert_eq!(b.state("h", "op"), want, "cycle {cycle}");
        if fail_one {
            clock.advance(Duration::from_secs(10));
            let t = b.allow("h", "op").unwrap();
            let t2 = b.allow("h", "op").unwrap();
            let t3 = b.allow("h", "op").unwrap();
            for t in [t, t2, t3] {
                b.record(t, Outcome::Success);
            }
            assert_eq!(b.state("h", "op"), BreakerState::Closed);
        }
    }
    assert_consistent(&log.lock().unwrap(), b.state("h", "op"));
}

#[test]
fn breaker_chaos_keeps_its_transitions_consistent() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig {
        failure_threshold: 5,
        recovery_timeout: Duration::from_millis(50),
        half_open_max_calls: 2,
        success_threshold: 2,
        ..BreakerConfig::default()
    };
    let (b, log) = breakers(cfg, clock.clone());
    let stop = AtomicBool::new(false);
    let (granted, refused) = (AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (b, stop, granted, refused) = (&b, &stop, &granted, &refused);
            s.spawn(move || {
                let mut rng = Rng::new(t as u64 + 1);
                for _ in 0..3000 {
                    if stop.load(SeqCst) {
                        break;
                    }
                    let host = ["a", "b"][rng.below(2) as usize];
                    match b.allow(host, "op") {
                        Ok(ticket) => {
                            granted.fetch_add(1, SeqCst);
                            let o = match rng.below(10) {
                                0..=3 => Outcome::Failure,
                                4 => Outcome::Ignored,
                                _ => Outcome::Success,
                            };
                            b.record(ticket, o);
                        }
                        Err(e) => {
                            assert_eq!(e.kind(), &ErrorKind::CircuitOpen);
                            assert!(e.retry_after().is_some());
                            refused.fetch_add(1, SeqCst);
                        }
                    }
                }
            });
        }
        // the clock moves on while they run
        let deadline = Instant::now() + Duration::from_secs(60);
        for _ in 0..2000 {
            clock.advance(Duration::from_millis(7));
            std::thread::yield_now();
        }
        assert!(Instant::now() < deadline, "hang");
        stop.store(true, SeqCst);
    });
    // end closed: wait out the recovery, then successful probes
    clock.advance(Duration::from_secs(1));
    for host in ["a", "b"] {
        for _ in 0..4 {
            if let Ok(t) = b.allow(host, "op") {
                b.record(t, Outcome::Success);
            }
        }
        assert_eq!(b.state(host, "op"), BreakerState::Closed, "{host}");
    }
    let log = log.lock().unwrap();
    // the listener does not say which host; both end closed, so the counts add up per state
    let opened = log.iter().filter(|(_, t)| *t == BreakerState::Open).count();
    assert!(
        opened > 0,
        "the chaos opened the breakers ({} granted)",
        granted.load(SeqCst)
    );
    assert!(refused.load(SeqCst) > 0);
    for s in [BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen] {
        let into = log.iter().filter(|(_, t)| *t == s).count();
        let out = log.iter().filter(|(f, _)| *f == s).count();
        assert_eq!(into, out, "{s:?}: both breakers end where they began");
    }
    assert_consistent(&log, BreakerState::Closed);
}

#[test]
fn limiter_grants_exactly_burst_plus_rate_times_time() {
    // fail-fast bucket of 100/s, burst 50, on a manual clock: in each of 200 rounds every
    // thread takes tokens until refused, then the clock moves 10 ms (one token)
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(1000));
    let cfg = RateLimit {
        rate_per_sec: 100.0,
        burst: 50,
        mode: LimitMode::FailFast,
    };
    let bucket = Bucket::new(&cfg, clock.clone());
    let rounds = 200u64;
    let granted = AtomicU64::new(0);
    let barrier = Barrier::new(THREADS + 1);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..=rounds {
                    barrier.wait();
                    while bucket.reserve(None).is_ok() {
                        granted.fetch_add(1, SeqCst);
                    }
                    barrier.wait();
                }
            });
        }
        for _ in 0..=rounds {
            barrier.wait();
            barrier.wait();
            clock.advance(Duration::from_millis(10));
        }
    });
    assert_eq!(granted.load(SeqCst), 50 + rounds, "burst + rate x time, exactly");
}

thread_local! {
    /// The last reading of the [`Recording`] clock on this thread.
    static LAST_READ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The system clock, remembering per thread what it last told the limiter.
#[derive(Debug)]
struct Recording(Instant);

impl Clock for Recording {
    fn now_nanos(&self) -> u64 {
        let n = self.0.elapsed().as_nanos() as u64;
        LAST_READ.set(n);
        n
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

#[test]
fn limiter_waiting_callers_never_exceed_the_rate() {
    // real clock, waiting mode: 64 threads reserve for ~0.5 s; every reservation is a slot
    // in the schedule, so slots up to time t number at most burst + rate x t
    let rate = 400.0;
    let burst = 20u32;
    let cfg = RateLimit {
        rate_per_sec: rate,
        burst,
        mode: LimitMode::Wait {
            max_wait: Duration::from_millis(200),
        },
    };
    let clock: Arc<dyn Clock> = Arc::new(Recording(Instant::now()));
    let bucket = Bucket::new(&cfg, clock);
    let t0 = Instant::now();
    let slots = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut mine = Vec::new();
                while t0.elapsed() < Duration::from_millis(500) {
                    match bucket.reserve(None) {
                        // the slot: the limiter's own reading of the clock plus the wait
                        Ok(w) => mine.push(Duration::from_nanos(LAST_READ.get()) + w),
                        Err(e) => assert_eq!(e.kind(), &ErrorKind::RateLimited),
                    }
                }
                slots.lock().unwrap().extend(mine);
            });
        }
    });
    let mut slots = slots.into_inner().unwrap();
    slots.sort();
    assert!(!slots.is_empty());
    // every prefix of the schedule against burst + rate x t (t from the clock's origin)
    for (i, t) in slots.iter().enumerate() {
        let allowed = burst as f64 + rate * t.as_secs_f64();
        assert!(
            (i + 1) as f64 <= allowed + 1e-6,
            "{} slots by {t:?}, allowed {allowed:.1}",
            i + 1
        );
    }
}

#[test]
fn limiter_through_the_client_respects_the_rate() {
    let server = start(opts());
    let rate = 100.0;
    let burst = 10u32;
    let client = common::builder(&server)
        .rate_limit(Some(RateLimit {
            rate_per_sec: rate,
            burst,
            mode: LimitMode::Wait {
                max_wait: Duration::from_secs(10),
            },
        }))
        .adaptive_rate_limit(false)
        .build()
        .unwrap();
    client.networks().list(PageRequest::default()).expect("warm-up: token");
    server.reset_stats();
    let t0 = Instant::now();
    let calls = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                while t0.elapsed() < Duration::from_millis(700) {
                    client
                        .networks()
                        .list(PageRequest::default())
                        .expect("limited, not failed");
                    calls.fetch_add(1, SeqCst);
                }
            });
        }
    });
    let elapsed = t0.elapsed().as_secs_f64();
    let served = stat(&server, "requests_total");
    assert_eq!(served, calls.load(SeqCst));
    // the bucket was full after the warm-up call (one token used)
    let allowed = burst as f64 + rate * elapsed;
    assert!(
        served as f64 <= allowed + 1.0,
        "{served} requests in {elapsed:.3} s, allowed {allowed:.1}"
    );
}

#[test]
fn token_manager_refreshes_once_per_expiry_under_load() {
    let server = start(opts());
    let client = common::builder(&server).coalesce_gets(false).build().unwrap();
    client.networks().list(PageRequest::default()).expect("first token");
    assert_eq!(stat(&server, "tokens_issued"), 1);
    let stop = AtomicBool::new(false);
    let done: Vec<AtomicU64> = (0..THREADS).map(|_| AtomicU64::new(0)).collect();
    let failures = Mutex::new(Vec::new());
    let expiries = 25u64;
    std::thread::scope(|s| {
        for d in &done {
            let (client, stop, failures) = (&client, &stop, &failures);
            s.spawn(move || {
                while !stop.load(SeqCst) {
                    match client.networks().list(PageRequest::default()) {
                        Ok(p) => assert_eq!(p.content.len(), 10),
                        Err(e) => failures.lock().unwrap().push(e.to_string()),
                    }
                    d.fetch_add(1, SeqCst);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        for _ in 0..expiries {
            // every thread has finished two calls since the last expiry: each holds the
            // current token, so the next expiry hits all of them at once
            let marks: Vec<u64> = done.iter().map(|d| d.load(SeqCst)).collect();
            while done.iter().zip(&marks).any(|(d, m)| d.load(SeqCst) < m + 2) {
                assert!(Instant::now() < deadline, "a worker is stuck");
                std::thread::sleep(Duration::from_millis(2));
            }
            server.expire_tokens();
        }
        let marks: Vec<u64> = done.iter().map(|d| d.load(SeqCst)).collect();
        while done.iter().zip(&marks).any(|(d, m)| d.load(SeqCst) < m + 2) {
            assert!(Instant::now() < deadline, "a worker is stuck");
            std::thread::sleep(Duration::from_millis(2));
        }
        stop.store(true, SeqCst);
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} calls failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let issued = stat(&server, "tokens_issued");
    let fetches = client.metrics().auth.token_fetches;
    assert_eq!(fetches, issued, "every fetch reached the server once");
    assert_eq!(
        issued,
        expiries + 1,
        "one token request per expiry, however many threads hit the 401"
    );
    assert!(client.metrics().auth.rejected <= expiries);
    let statuses: HashMap<String, u64> =
        serde_json::from_value(server.stats()["operations"]["requestToken"].clone()).unwrap();
    assert_eq!(statuses.get("200"), Some(&issued), "{statuses:?}");
}

/// Regression: a probe ticket of an earlier half-open period, recorded after the breaker
/// reopened and went half-open again, counted in the new period: it freed a probe slot
/// (more than `half_open_max_calls` probes in flight) and its success counted toward
/// closing. Probe tickets now carry their half-open period and stale ones are ignored.
#[test]
fn a_stale_probe_does_not_count_in_the_next_half_open_period() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig {
        failure_threshold: 1,
        recovery_timeout: Duration::from_secs(10),
        half_open_max_calls: 2,
        success_threshold: 2,
        ..BreakerConfig::default()
    };
    let (b, _log) = breakers(cfg, clock.clone());
    let t = b.allow("h", "op").unwrap();
    b.record(t, Outcome::Failure);
    clock.advance(Duration::from_secs(10));
    let (p1, p2) = (b.allow("h", "op").unwrap(), b.allow("h", "op").unwrap());
    b.record(p1, Outcome::Failure); // reopens; p2 is still out
    clock.advance(Duration::from_secs(10));
    let p3 = b.allow("h", "op").unwrap(); // a new half-open period
    b.record(p2, Outcome::Success); // the stale probe ends
    let p4 = b.allow("h", "op").unwrap();
    assert!(
        b.allow("h", "op").is_err(),
        "p3 and p4 are in flight: a third probe exceeds half_open_max_calls"
    );
    b.record(p3, Outcome::Success);
    assert_eq!(
        b.state("h", "op"),
        BreakerState::HalfOpen,
        "one success of this period is not success_threshold"
    );
    b.record(p4, Outcome::Success);
    assert_eq!(b.state("h", "op"), BreakerState::Closed);
}
