//! The Redis-shared rate limiter against a real `redis-server` that each test starts
//! on a free loopback port (skipped with a message when redis-server is missing,
//! failed instead when CI=true). Run: `cargo test --features redis --test redis_limiter`.

#![cfg(feature = "redis")]

mod redis_support;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cloudconnexa::ErrorKind;
use cloudconnexa::resilience::clock::{self, Clock};
use cloudconnexa::resilience::{ManualClock, RedisLimitConfig, RedisLimiter};
use redis_support::{RedisCluster, RedisServer, free_port};

fn config(url: &str, key: &str, rate_per_sec: f64, burst: u32) -> RedisLimitConfig {
    RedisLimitConfig {
        url: url.to_string(),
        cluster_seeds: Vec::new(),
        key: key.to_string(),
        ca_pem: None,
        rate_per_sec,
        burst,
        timeout: Duration::from_millis(100),
        retry_redis_after: Duration::from_secs(1),
    }
}

fn limiter(cfg: RedisLimitConfig) -> RedisLimiter {
    limiter_on(cfg, clock::system())
}

/// A limiter whose retry interval (`retry_redis_after`) runs on `clock` (the shared
/// bucket runs on Redis's time whatever the clock).
fn limiter_on(cfg: RedisLimitConfig, clock: Arc<dyn Clock>) -> RedisLimiter {
    RedisLimiter::new(cfg, clock).expect("valid config")
}

/// Wall-clock time in µs since the epoch: comparable across processes on this machine
/// (and the same clock Redis `TIME` reads here).
fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_micros() as u64
}

const CHILD_ENV: &str = "CCX_REDIS_LIMITER_CHILD";
const RATE: f64 = 20.0;
const BURST: u32 = 5;
const RUN: Duration = Duration::from_secs(3);
const PROCESSES: usize = 4;

/// Child processes of `one_bucket_is_shared_by_four_processes`, not a test of its own:
/// takes tokens in a loop, sleeping each returned wait, and prints `GRANT <unix µs>`
/// (wall-clock time after the sleep, i.e. when a caller would send) per token, then
/// `STATS <redis answers> <fallbacks> <redis errors> <refusals>`.
#[test]
#[ignore = "runs as a child process of one_bucket_is_shared_by_four_processes"]
fn child_worker() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        eprintln!("child_worker only runs as a child process of one_bucket_is_shared_by_four_processes");
        return;
    };
    let parts: Vec<&str> = spec.split(' ').collect();
    let [url, key, start, end] = parts[..] else {
        panic!("bad child spec {spec:?}")
    };
    let (start, end): (u64, u64) = (start.parse().unwrap(), end.parse().unwrap());
    let cfg = RedisLimitConfig {
        timeout: Duration::from_millis(500),
        ..config(url, key, RATE, BURST)
    };
    let l = limiter(cfg);
    println!(); // libtest has printed "test child_worker ... " without a newline
    std::thread::sleep(Duration::from_micros(start.saturating_sub(unix_us())));
    let mut refusals = 0;
    while unix_us() < end {
        match l.reserve(Duration::from_secs(1)) {
            Ok(None) => {
                println!("FALLBACK");
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(Some(wait)) => {
                if unix_us() + wait.as_micros() as u64 > end {
                    break;
                }
                std::thread::sleep(wait);
                println!("GRANT {}", unix_us());
            }
            Err(e) if e.kind() == &ErrorKind::RateLimited => {
                refusals += 1;
                std::thread::sleep(e.retry_after().unwrap_or(Duration::from_millis(10)));
            }
            Err(e) => println!("ERROR {e}"),
        }
    }
    let s = l.stats();
    println!(
        "STATS {} {} {} {refusals}",
        s.redis_reservations.load(Relaxed),
        s.fallbacks.load(Relaxed),
        s.redis_errors.load(Relaxed)
    );
}

/// Child processes killed and reaped on drop, also when the test panics.
struct Children(Vec<Option<Child>>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in self.0.iter_mut().filter_map(Option::take) {
            let mut c = c;
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The most grants in any closed window `[t, t + w]` that starts at a grant.
fn max_in_window(sorted: &[u64], w: u64) -> usize {
    (0..sorted.len())
        .map(|i| sorted.partition_point(|&t| t <= sorted[i] + w) - i)
        .max()
        .unwrap_or(0)
}

#[test]
fn one_bucket_is_shared_by_four_processes() {
    let Some(server) = RedisServer::start() else { return };
    let key = format!("cloudconnexa:test:{}", std::process::id());
    let start = unix_us() + 1_000_000; // room for the children to start
    let end = start + RUN.as_micros() as u64;
    let exe = std::env::current_exe().expect("test binary path");
    let mut children = Children(Vec::new());
    for _ in 0..PROCESSES {
        let child = Command::new(&exe)
            .args([
                "child_worker",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{} {key} {start} {end}", server.url()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn a child test process");
        children.0.push(Some(child));
    }
    let deadline = Instant::now() + RUN + Duration::from_secs(30);
    let mut grants: Vec<u64> = Vec::new();
    let mut per_child = Vec::new();
    for slot in children.0.iter_mut() {
        let child = slot.as_mut().unwrap();
        let status = loop {
            if let Some(st) = child.try_wait().expect("child status") {
                break st;
            }
            assert!(Instant::now() < deadline, "a child ran far too long");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        let mut err = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        slot.take();
        assert!(status.success(), "child failed: {status}\n{out}\n{err}");
        assert!(!out.contains("ERROR"), "child saw errors:\n{out}");
        let mine: Vec<u64> = out
            .lines()
            .filter_map(|l| l.strip_prefix("GRANT "))
            .map(|t| t.parse().unwrap())
            .collect();
        let stats: Vec<u64> = out
            .lines()
            .find_map(|l| l.strip_prefix("STATS "))
            .unwrap_or_else(|| panic!("no STATS from child:\n{out}\n{err}"))
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let [redis, fallbacks, errors, _refusals] = stats[..] else {
            panic!("bad STATS")
        };
        assert_eq!((fallbacks, errors), (0, 0), "every token must come from Redis");
        assert!(redis >= mine.len() as u64);
        assert!(!mine.is_empty(), "each process gets tokens");
        per_child.push(mine.len());
        grants.extend(mine);
    }
    grants.sort_unstable();
    assert!(
        grants[0] >= start && grants[grants.len() - 1] <= end + 200_000,
        "grants outside the run"
    );

    // GCRA guarantees at most rate*W + burst grants, on Redis time, in any closed window
    // of length W. The times here are taken after each caller's sleep, which can run
    // late by scheduler jitter (and the reply's trip): one grant stamped late next to
    // one stamped on time can bring a window one grant over. Hence + 1.
    let mut report = Vec::new();
    for w in [
        Duration::from_millis(500),
        Duration::from_secs(1),
        Duration::from_secs(2),
    ] {
        let bound = (RATE * w.as_secs_f64()).floor() as usize + BURST as usize + 1;
        let max = max_in_window(&grants, w.as_micros() as u64);
        report.push(format!("W={:?}: max {max} <= bound {bound}", w));
        assert!(max <= bound, "{max} grants within {w:?}, bound {bound}");
    }
    // Windows that open at `start` need no slack: every grant is scheduled on Redis time
    // at or after `start` (the key is new and the children begin then), and stamped at or
    // after its scheduled time (Redis `TIME` and `SystemTime` read the same clock here), so
    // the grants stamped by `t` number at most burst + floor((t - start) * rate).
    let emission_us = (1e6 / RATE) as u64;
    for (i, &t) in grants.iter().enumerate() {
        let (by_t, bound) = (i as u64 + 1, BURST as u64 + (t - start) / emission_us);
        assert!(
            by_t <= bound,
            "{by_t} grants by start + {} µs, bound {bound}",
            t - start
        );
    }
    let ideal = RATE * RUN.as_secs_f64() + BURST as f64;
    let total = grants.len();
    eprintln!(
        "shared bucket: {total} grants of {ideal} possible ({:.1} %), per process {per_child:?}; {}",
        100.0 * total as f64 / ideal,
        report.join("; ")
    );
    assert!(
        total as f64 >= 0.9 * ideal,
        "only {total} grants of {ideal}: the bucket is not used well"
    );
    assert!(
        total as f64 <= ideal + 1.0,
        "{total} grants of {ideal}: more than the shared limit"
    );
}

#[test]
fn killing_redis_falls_back_and_a_restart_resumes_sharing() {
    let Some(mut server) = RedisServer::start() else { return };
    let cfg = RedisLimitConfig {
        retry_redis_after: Duration::from_millis(300),
        ..config(&server.url(), "kr", 100.0, 10)
    };
    // the retry interval runs on a manual clock that each fallback moves 10 ms
    let clock = ManualClock::new();
    let l = limiter_on(cfg, clock.clone());
    let s = l.stats();
    let take = |n: usize| {
        for _ in 0..n {
            let t = Instant::now();
            let wait = l
                .reserve(Duration::from_secs(1))
                .expect("reserve never fails while waits are short");
            assert!(
                t.elapsed() < Duration::from_secs(1),
                "reserve blocked for {:?}",
                t.elapsed()
            );
            match wait {
                // a slot of the shared bucket, on Redis's time
                Some(wait) => std::thread::sleep(wait),
                // Redis unavailable: a client's own limiter would decide; here a 10 ms
                // pause of the limiter's clock stands in for it
                None => clock.advance(Duration::from_millis(10)),
            }
        }
    };
    take(20);
    assert_eq!((s.redis_reservations.load(Relaxed), s.fallbacks.load(Relaxed)), (20, 0));

    server.kill();
    // 1 s of the clock: 100 calls 10 ms apart
    take(100);
    let (fallbacks, errors) = (s.fallbacks.load(Relaxed), s.redis_errors.load(Relaxed));
    assert_eq!(s.redis_reservations.load(Relaxed), 20, "nothing from a dead server");
    assert_eq!(fallbacks, 100, "every call left to the caller");
    // tried at 0, 300, 600 and 900 ms of the clock, at the most
    assert!(
        (1..=4).contains(&errors),
        "Redis is tried again only every 300 ms: {errors} errors, {fallbacks} fallbacks"
    );
    assert!(l.last_redis_error().is_some());
    eprintln!("Redis down 1 s: {fallbacks} fallbacks, {errors} Redis errors");

    server.restart();
    let up = Instant::now();
    // within 300 ms of the clock (31 fallbacks) a call probes and finds Redis back;
    // a restart that takes a while in real time is waited for
    while s.redis_reservations.load(Relaxed) == 20 {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "Redis never used again after the restart"
        );
        take(1);
    }
    let fallbacks = s.fallbacks.load(Relaxed);
    take(20);
    assert_eq!(s.fallbacks.load(Relaxed), fallbacks, "no fallback once Redis is back");
    assert!(s.redis_reservations.load(Relaxed) >= 41);
    assert!(s.reconnects.load(Relaxed) >= 1, "the dropped connection was replaced");
    eprintln!("Redis back after {:?}: {s:?}", up.elapsed());
    // the new server holds the shared state again, as an integer of µs
    let tat: String = redis::cmd("GET")
        .arg("kr")
        .query(&mut server.connection())
        .expect("the key is back");
    assert!(tat.parse::<u64>().is_ok(), "TAT {tat:?} is a plain integer");
}

#[test]
fn invalid_config_is_invalid_input() {
    let good = config("redis://127.0.0.1:6379/0", "k", 10.0, 5);
    let with = |change: &dyn Fn(&mut RedisLimitConfig)| {
        let mut c = good.clone();
        change(&mut c);
        c
    };
    let bad = [
        with(&|c| c.rate_per_sec = 0.0),
        with(&|c| c.rate_per_sec = -1.0),
        with(&|c| c.rate_per_sec = f64::NAN),
        with(&|c| c.rate_per_sec = f64::INFINITY),
        with(&|c| c.rate_per_sec = 2e6),
        with(&|c| c.rate_per_sec = 1e-12),
        with(&|c| c.burst = 0),
        with(&|c| c.burst = 2_000_000),
        with(&|c| c.key = String::new()),
        with(&|c| c.url = "rediss://:hunter2@127.0.0.1:6379/0#insecure".into()),
        with(&|c| c.ca_pem = Some(b"-----BEGIN CERTIFICATE-----\nhunter2\n-----END CERTIFICATE-----\n".to_vec())),
        with(&|c| c.ca_pem = Some(Vec::new())),
        with(&|c| c.cluster_seeds = vec!["redis+unix:///tmp/redis.sock".into()]),
        with(&|c| {
            c.cluster_seeds = vec![
                "redis://:hunter2@127.0.0.1:1".into(),
                "redis://:other@127.0.0.1:2".into(),
            ]
        }),
        with(&|c| c.cluster_seeds = vec!["not a url".into()]),
        with(&|c| c.timeout = Duration::ZERO),
        with(&|c| c.timeout = Duration::MAX),
        with(&|c| c.url = String::new()),
        with(&|c| c.url = "not a url".into()),
        with(&|c| c.url = "http://127.0.0.1:6379/".into()),
        with(&|c| c.url = "redis://:hunter2@127.0.0.1:6379/notadb".into()),
        with(&|c| c.url = "redis://:hunter2@127.0.0.1:99999/".into()),
    ];
    for cfg in bad {
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2"), "Debug shows the password: {shown}");
        let e = RedisLimiter::new(cfg, clock::system()).expect_err(&shown);
        assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{shown}: {e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
    assert!(RedisLimiter::new(good, clock::system()).is_ok());
}

#[test]
fn no_redis_at_construction_leaves_calls_to_the_callers_limiter() {
    let port = free_port(); // nobody listens there
    let t = Instant::now();
    // a manual clock: the retry interval cannot pass during the 10 calls, however slow
    let l = limiter_on(
        config(&format!("redis://127.0.0.1:{port}/0"), "k", 10.0, 2),
        ManualClock::new(),
    );
    // no private bucket of the shared rate: every call is "Redis unavailable", however
    // many, and the caller's own (adaptive) limiter decides
    for _ in 0..10 {
        assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
    }
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
    let s = l.stats();
    assert_eq!(s.fallbacks.load(Relaxed), 10);
    assert_eq!(
        s.redis_errors.load(Relaxed),
        1,
        "one attempt, then the fallback until retry_redis_after"
    );
    assert_eq!(s.redis_reservations.load(Relaxed), 0);
}

#[test]
fn a_silent_redis_costs_at_most_the_timeout() {
    // accepts connections (the kernel's backlog) and never answers
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}/0", silent.local_addr().unwrap().port());
    let cfg = RedisLimitConfig {
        timeout: Duration::from_millis(200),
        ..config(&url, "k", 10.0, 5)
    };
    let retry = cfg.retry_redis_after;
    let clock = ManualClock::new();
    let l = limiter_on(cfg, clock.clone());
    let t = Instant::now();
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
    let first = t.elapsed();
    assert!(first < Duration::from_secs(2), "reserve hung for {first:?}");
    // within the retry interval (the clock has not moved): Redis is not asked again,
    // which the error count shows (a second try would time out and count)
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
    assert_eq!(
        (l.stats().redis_errors.load(Relaxed), l.stats().fallbacks.load(Relaxed)),
        (1, 2)
    );
    // once the interval has passed on the clock, one call tries Redis again
    clock.advance(retry);
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
    assert_eq!(
        (l.stats().redis_errors.load(Relaxed), l.stats().fallbacks.load(Relaxed)),
        (2, 3)
    );
}

#[test]
fn redis_refuses_beyond_max_wait_and_hands_out_distinct_slots() {
    let Some(server) = RedisServer::start() else { return };
    let l = limiter(config(&server.url(), "slots", 10.0, 2)); // one token per 100 ms
    // Redis's clock runs between our calls: each bound allows for the time measured
    // around them (no wall-clock window is assumed)
    let ms = Duration::from_millis;
    let start = Instant::now();
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), Some(Duration::ZERO));
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), Some(Duration::ZERO));
    let e1 = l.reserve(Duration::ZERO).unwrap_err();
    assert_eq!(e1.kind(), &ErrorKind::RateLimited);
    let r1 = e1.retry_after().unwrap();
    assert!(r1 + start.elapsed() >= ms(100) && r1 <= ms(100), "{r1:?}");
    let r2 = l.reserve(ms(10)).unwrap_err().retry_after().unwrap();
    assert!(r2 <= r1, "a refusal reserves nothing: {r2:?} after {r1:?}");
    let between = Instant::now();
    let w1 = l.reserve(Duration::from_secs(1)).unwrap().unwrap();
    let w2 = l.reserve(Duration::from_secs(1)).unwrap().unwrap();
    let (so_far, apart) = (start.elapsed(), between.elapsed());
    assert!(w1 + so_far >= ms(100) && w1 <= ms(100), "{w1:?}");
    assert!(
        w2 + apart >= w1 + ms(100) && w2 <= w1 + ms(100),
        "{w1:?} then {w2:?} ({apart:?} apart)"
    );
    let s = l.stats();
    assert_eq!((s.redis_reservations.load(Relaxed), s.fallbacks.load(Relaxed)), (6, 0));

    // a second limiter on the same key sees the same bucket
    let other = limiter(config(&server.url(), "slots", 10.0, 2));
    let e = other.reserve(Duration::from_millis(100)).unwrap_err();
    let since = between.elapsed();
    assert!(e.retry_after().unwrap() + since >= w2 + ms(100), "{e}");

    // the key lives until the bucket would be full again (now ≈ tat - 200 ms + w2), then goes
    let mut con = server.connection();
    let ttl: i64 = redis::cmd("PTTL").arg("slots").query(&mut con).unwrap();
    assert!(ttl > 0 && ttl <= 500, "PTTL {ttl} ms");
    // Redis expires it on its own time: wait for that (a condition, not a fixed sleep)
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let exists: i64 = redis::cmd("EXISTS").arg("slots").query(&mut con).unwrap();
        if exists == 0 {
            break;
        }
        assert!(Instant::now() < give_up, "an idle key expires");
        std::thread::sleep(Duration::from_millis(ttl.max(1) as u64));
    }
    assert_eq!(
        l.reserve(Duration::ZERO).unwrap(),
        Some(Duration::ZERO),
        "and the bucket starts full"
    );
}

#[test]
fn threads_share_exactly_the_burst() {
    let Some(server) = RedisServer::start() else { return };
    // one token per 1000 s: only the burst of 10 is there to take
    let l = Arc::new(limiter(config(&server.url(), "burst", 0.001, 10)));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let l = l.clone();
            std::thread::spawn(move || {
                (0..5)
                    .filter(|_| matches!(l.reserve(Duration::ZERO), Ok(Some(_))))
                    .count()
            })
        })
        .collect();
    let granted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(granted, 10, "exactly the burst across 8 threads");
    let s = l.stats();
    assert_eq!((s.redis_reservations.load(Relaxed), s.fallbacks.load(Relaxed)), (40, 0));
    let e = l.reserve(Duration::from_secs(60)).unwrap_err();
    assert!(e.retry_after().unwrap() > Duration::from_secs(900), "{e}");
}

#[test]
fn a_key_of_the_wrong_kind_falls_back() {
    let Some(server) = RedisServer::start() else { return };
    let mut con = server.connection();
    let _: i64 = redis::cmd("RPUSH").arg("list").arg("x").query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("text").arg("twelve").query(&mut con).unwrap();
    for key in ["list", "text"] {
        // retry_redis_after zero: every call tries Redis
        let cfg = RedisLimitConfig {
            retry_redis_after: Duration::ZERO,
            ..config(&server.url(), key, 10.0, 5)
        };
        let l = limiter(cfg);
        assert_eq!(l.reserve(Duration::ZERO).unwrap(), None, "{key}");
        assert_eq!(l.reserve(Duration::ZERO).unwrap(), None, "{key}");
        let s = l.stats();
        assert_eq!(
            (s.redis_errors.load(Relaxed), s.fallbacks.load(Relaxed)),
            (2, 2),
            "{key}"
        );
        assert_eq!(
            s.reconnects.load(Relaxed),
            0,
            "{key}: an error reply keeps the connection"
        );
        assert!(l.last_redis_error().is_some());
    }
}

#[test]
fn the_limiter_is_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<RedisLimiter>();
    let c: Arc<dyn Clock> = clock::system();
    let cfg = RedisLimitConfig {
        key: "k".into(),
        ..RedisLimitConfig::default()
    };
    assert!(RedisLimiter::new(cfg, c).is_ok());
}

/// `n` reservations on a fresh limiter (after a warm-up that connects and loads the
/// script); returns µs per reservation.
fn micros_per_reservation(cfg: RedisLimitConfig, n: u32) -> f64 {
    let l = limiter(cfg);
    for _ in 0..100 {
        assert!(
            matches!(l.reserve(Duration::ZERO), Ok(Some(_))),
            "{:?}",
            l.last_redis_error()
        );
    }
    let t = Instant::now();
    for _ in 0..n {
        assert!(matches!(l.reserve(Duration::ZERO), Ok(Some(_))));
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    assert_eq!(l.stats().fallbacks.load(Relaxed), 0);
    us
}

/// The cost per call that the docs quote: one thread, pooled connection, loopback.
/// Run with `--nocapture` (and `--release` for the figure in the docs) to see it.
#[test]
fn cost_per_reservation_over_tcp_and_tls() {
    let Some(tcp) = RedisServer::start() else { return };
    let Some(tls) = RedisServer::start_tls() else { return };
    let n = 5000;
    let fast = |url: &str, key: &str| RedisLimitConfig {
        timeout: Duration::from_secs(2),
        ..config(url, key, 1e6, 1_000_000)
    };
    let over_tcp = micros_per_reservation(fast(&tcp.url(), "cost"), n);
    let over_tls = micros_per_reservation(
        RedisLimitConfig {
            ca_pem: tls.ca_pem(),
            ..fast(&tls.url(), "cost")
        },
        n,
    );
    eprintln!(
        "Redis reservation cost ({} build, redis-server on loopback, 1 thread): TCP {over_tcp:.1} µs, TLS {over_tls:.1} µs per call",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    assert!(over_tcp < 5_000.0 && over_tls < 5_000.0, "one round trip, not more");
}

#[test]
fn rediss_with_a_private_ca() {
    let Some(server) = RedisServer::start_tls() else { return };
    assert!(server.url().starts_with("rediss://"));
    let trusted = RedisLimitConfig {
        ca_pem: server.ca_pem(),
        timeout: Duration::from_secs(2),
        ..config(&server.url(), "tls", 10.0, 2)
    };
    let l = limiter(trusted.clone());
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), Some(Duration::ZERO));
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), Some(Duration::ZERO));
    let e = l.reserve(Duration::ZERO).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::RateLimited,
        "the shared bucket answers over TLS: {e}"
    );
    assert_eq!(l.stats().redis_reservations.load(Relaxed), 3);
    let tat: String = redis::cmd("GET").arg("tls").query(&mut server.connection()).unwrap();
    assert!(tat.parse::<u64>().is_ok());

    // the bundled roots do not know the test CA, nor does another CA: the certificate is
    // refused, and calls are left to the caller's limiter
    let other_ca = cloudconnexa_mock::TestPki::generate().unwrap().ca_pem.into_bytes();
    for ca in [None, Some(other_ca)] {
        let l = limiter(RedisLimitConfig {
            ca_pem: ca,
            ..trusted.clone()
        });
        assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
        assert_eq!(l.stats().redis_errors.load(Relaxed), 1);
        let why = l.last_redis_error().unwrap();
        assert!(why.to_lowercase().contains("certificate"), "{why}");
    }
    // plain TCP to a TLS port is no Redis either
    let plain = format!("redis://127.0.0.1:{}/0", server.port());
    let l = limiter(config(&plain, "tls", 10.0, 2));
    assert_eq!(l.reserve(Duration::ZERO).unwrap(), None);
}

/// A mock API server with its rate limiter generous enough for the test's calls.
fn api() -> cloudconnexa_mock::MockServer {
    let mut o = cloudconnexa_mock::MockOptions::default();
    o.rate_limit.burst = 1000;
    o.rate_limit.replenish_rate = 1000;
    o.rate_limit.replenish_time_secs = 1;
    cloudconnexa_mock::MockServer::start(o).expect("start the emulator")
}

fn client_with(api: &cloudconnexa_mock::MockServer, redis: RedisLimitConfig) -> cloudconnexa::Client {
    cloudconnexa::Client::builder()
        .api_url(api.base_url())
        .allow_insecure_http(true)
        .client_id(api.client_id())
        .client_secret(api.client_secret())
        .call_timeout(Duration::from_secs(20))
        .redis_rate_limit(Some(redis))
        .build()
        .expect("client")
}

fn call(c: &cloudconnexa::Client) {
    c.networks()
        .list(cloudconnexa::models::PageRequest::default())
        .expect("every call completes");
}

#[test]
fn a_client_shares_under_its_default_key_and_falls_back_to_its_adaptive_bucket() {
    let Some(mut server) = RedisServer::start() else { return };
    let api = api();
    let c = client_with(
        &api,
        RedisLimitConfig {
            url: server.url(),
            // one token per second: each grant moves the TAT 1 s on, so the key lives
            // seconds after the calls (it expires when the bucket would be full again);
            // the burst of 100 keeps every call here free of waits
            rate_per_sec: 1.0,
            burst: 100,
            retry_redis_after: Duration::from_millis(200),
            ..RedisLimitConfig::default()
        },
    );
    for _ in 0..10 {
        call(&c);
    }
    let key = RedisLimitConfig::default_key(&format!("127.0.0.1:{}", api.port()), api.client_id());
    assert!(key.starts_with("cloudconnexa:{127.0.0.1:"), "{key}");
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut server.connection()).unwrap();
    assert_eq!(
        keys,
        std::slice::from_ref(&key),
        "one bucket, under the key derived from host and client id"
    );
    let m = c.metrics().limiter;
    assert_eq!(m.redis_fallbacks, 0);
    assert!(m.rate_per_sec.is_some(), "the local bucket exists beside Redis");

    server.kill();
    for _ in 0..20 {
        call(&c);
    }
    let m = c.metrics().limiter;
    assert!(m.redis_fallbacks >= 1, "{m:?}");
    assert!(
        m.rate_per_sec.is_some_and(|r| r < 1e6),
        "the fallback bucket follows the server's headers: {m:?}"
    );

    server.restart();
    let back = Instant::now();
    loop {
        call(&c);
        let exists: i64 = redis::cmd("EXISTS").arg(&key).query(&mut server.connection()).unwrap();
        if exists == 1 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "sharing never resumed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let fallbacks = c.metrics().limiter.redis_fallbacks;
    for _ in 0..10 {
        call(&c);
    }
    assert_eq!(c.metrics().limiter.redis_fallbacks, fallbacks, "shared again");
}

#[test]
fn a_cluster_failover_falls_back_and_sharing_resumes() {
    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    let key = RedisLimitConfig::default_key("acme.api.openvpn.com", "fleet.acme");
    let cfg = RedisLimitConfig {
        url: "redis://ignored.invalid:1/0".into(),
        cluster_seeds: cluster.seeds(),
        key: key.clone(),
        // 10 tokens/s: each grant moves the TAT 100 ms on, so the key lives a while (it
        // expires when the bucket would be full again); a burst of 1000 keeps waits zero
        rate_per_sec: 10.0,
        burst: 1000,
        timeout: Duration::from_millis(500),
        retry_redis_after: Duration::from_millis(200),
        ca_pem: None,
    };
    let l = limiter(cfg.clone());
    let s = l.stats();
    // a client on the same cluster, calling throughout
    let api = api();
    let c = client_with(
        &api,
        RedisLimitConfig {
            key: String::new(),
            ..cfg
        },
    );
    let take = |n: usize| {
        for _ in 0..n {
            let t = Instant::now();
            match l
                .reserve(Duration::from_secs(1))
                .expect("short waits are never refused")
            {
                Some(wait) => std::thread::sleep(wait),
                None => std::thread::sleep(Duration::from_millis(10)),
            }
            assert!(
                t.elapsed() < Duration::from_secs(3),
                "reserve blocked for {:?}",
                t.elapsed()
            );
            call(&c);
        }
    };
    take(20);
    assert_eq!((s.redis_reservations.load(Relaxed), s.fallbacks.load(Relaxed)), (20, 0));
    assert_eq!(c.metrics().limiter.redis_fallbacks, 0);

    // the bucket lives on the master of its hash tag's slot
    let master = cluster.master_of(&key);
    let tat: String = redis::cmd("GET")
        .arg(&key)
        .query(&mut cluster.connection(master))
        .unwrap();
    assert!(tat.parse::<u64>().is_ok(), "{tat:?}");

    cluster.kill(master);
    let down = Instant::now();
    while s.redis_reservations.load(Relaxed) == 20 {
        assert!(
            down.elapsed() < Duration::from_secs(60),
            "no reservation from Redis 60 s after the master died: {s:?}, last error {:?}",
            l.last_redis_error()
        );
        take(1);
    }
    let failover = down.elapsed();
    let (fallbacks, errors) = (s.fallbacks.load(Relaxed), s.redis_errors.load(Relaxed));
    assert!(fallbacks >= 1 && errors >= 1, "{s:?}");
    assert!(c.metrics().limiter.redis_fallbacks >= 1, "the client fell back too");
    cluster.wait_ok(Duration::from_secs(30));
    let promoted = cluster.master_of(&key);
    assert_ne!(promoted, master, "a replica took over the slot");

    take(50);
    assert_eq!(
        s.fallbacks.load(Relaxed),
        fallbacks,
        "shared again after the failover: {s:?}"
    );
    assert!(s.redis_reservations.load(Relaxed) >= 71);
    assert!(s.reconnects.load(Relaxed) >= 1, "a new cluster connection: {s:?}");
    // the client's own limiter probes on its own schedule (every 200 ms): soon it
    // shares again too, and then stays with Redis
    let back = Instant::now();
    loop {
        let before = c.metrics().limiter.redis_fallbacks;
        for _ in 0..20 {
            call(&c);
        }
        if c.metrics().limiter.redis_fallbacks == before {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "the client never shared again"
        );
    }
    let tat: String = redis::cmd("GET")
        .arg(&key)
        .query(&mut cluster.connection(promoted))
        .unwrap();
    assert!(tat.parse::<u64>().is_ok());
    eprintln!(
        "master on port {master} killed: Redis answered again after {failover:?} ({fallbacks} fallbacks, {errors} Redis errors); {s:?}"
    );
}
