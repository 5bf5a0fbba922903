//! Cost of the resilience layer: one limiter reservation, one breaker check, and the
//! whole request pipeline with every stage on against every stage off, next to a bare
//! `ureq` agent making the same request. The HTTP benchmarks talk to a minimal raw
//! HTTP/1.1 server spawned here on 127.0.0.1, which answers every request with the same
//! keep-alive `200` (and the token request with a token), so what differs between the
//! variants is the client side only.
//!
//! `cargo bench --bench resilience` (add a name filter, e.g. `-- pipeline`, to run a part).
//! Results and the machine they were measured on: BENCHMARKS.md, "Resilience overhead".

use std::hint::black_box;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cloudconnexa::resilience::{BreakerConfig, Breakers, Bucket, LimitMode, Outcome, RateLimit, RetryPolicy, clock};
use cloudconnexa::{Client, Method};
use criterion::{Bencher, Criterion, criterion_group, criterion_main};

const THREADS: usize = 8;

/// Split `iters` operations over `threads` threads running `op(thread, i)`; the wall time of all.
fn on_threads(iters: u64, threads: usize, op: impl Fn(usize) + Sync) -> Duration {
    let base = iters / threads as u64;
    let extra = (iters % threads as u64) as usize;
    let start = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (op, start) = (&op, &start);
            let n = base + u64::from(t < extra);
            scope.spawn(move || {
                start.wait();
                for _ in 0..n {
                    op(t);
                }
            });
        }
        start.wait();
        let t0 = Instant::now();
        // the scope joins every thread before returning
        t0
    })
    .elapsed()
}

fn limiter(c: &mut Criterion) {
    // 1e9 tokens per second and a burst of a million: a reservation never has to wait
    let cfg = RateLimit {
        rate_per_sec: 1e9,
        burst: 1_000_000,
        mode: LimitMode::Wait {
            max_wait: Duration::from_secs(1),
        },
    };
    let bucket = Bucket::new(&cfg, clock::system());
    let mut g = c.benchmark_group("limiter");
    g.bench_function("reserve/1 thread", |b| b.iter(|| black_box(bucket.reserve(None)).ok()));
    g.bench_function(format!("reserve/{THREADS} threads"), |b| {
        b.iter_custom(|iters| {
            on_threads(iters, THREADS, |_| {
                black_box(bucket.reserve(None)).ok();
            })
        })
    });
    assert!(
        bucket.reserve(None).is_ok_and(|w| w.is_zero()),
        "the bucket never made anyone wait"
    );
    g.finish();
}

fn breaker(c: &mut Criterion) {
    let breakers = Breakers::new(BreakerConfig::default(), clock::system(), None);
    let check = || {
        let ticket = breakers
            .allow("acme.api.openvpn.com", "getNetworksPage")
            .expect("closed");
        breakers.record(ticket, Outcome::Success);
    };
    let mut g = c.benchmark_group("breaker");
    g.bench_function("allow+record/1 thread", |b| b.iter(check));
    g.bench_function(format!("allow+record/{THREADS} threads"), |b| {
        b.iter_custom(|iters| on_threads(iters, THREADS, |_| check()))
    });
    g.finish();
}

// ---------------------------------------------------------------------------
// The whole pipeline against a fixed local answer
// ---------------------------------------------------------------------------

/// A keep-alive `200` with this JSON body.
fn answer(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A thread-per-connection server answering every request with `{"ok":true}` (the
/// token request with a token) on a keep-alive connection. Dropping it stops every thread.
struct FixedServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl FixedServer {
    fn start() -> FixedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = {
            let (stop, workers) = (stop.clone(), workers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    if let Ok(s) = stream {
                        let stop = stop.clone();
                        workers
                            .lock()
                            .unwrap()
                            .push(std::thread::spawn(move || serve(s, &stop)));
                    }
                }
            })
        };
        FixedServer {
            addr,
            stop,
            accept: Some(accept),
            workers,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for h in std::mem::take(&mut *self.workers.lock().unwrap()) {
            let _ = h.join();
        }
    }
}

fn serve(mut s: TcpStream, stop: &AtomicBool) {
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let (token, ok) = (
        answer(r#"{"access_token":"t0k3n","token_type":"bearer","expires_in":3600}"#),
        answer(r#"{"ok":true}"#),
    );
    loop {
        // answer every complete request in the buffer
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) {
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if buf.len() < end + len {
                break;
            }
            let reply = if head.starts_with("POST /api/v1/oauth/token") {
                &token
            } else {
                &ok
            };
            buf.drain(..end + len);
            if s.write_all(reply).is_err() {
                return;
            }
        }
        if stop.load(SeqCst) {
            return;
        }
        match s.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted) => {}
            Err(_) => return,
        }
    }
}

fn client(url: &str, stages_on: bool) -> Client {
    let b = Client::builder()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id("id")
        .client_secret("secret");
    let b = if stages_on {
        // every default stage (retries, budget, breaker, limiter, adaptive, coalescing) plus stale-if-error
        b.stale_if_error(Some(Duration::from_secs(60)))
    } else {
        b.retry_policy(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
        .retry_budget(None)
        .circuit_breaker(None)
        .rate_limit(None)
        .write_rate_limit(None)
        .adaptive_rate_limit(false)
        .coalesce_gets(false)
        .stale_if_error(None)
    };
    b.build().expect("client")
}

/// Paths per thread, so that coalescing (when on) never merges two calls: every call
/// is one request in every variant.
fn paths() -> Vec<String> {
    (0..THREADS).map(|t| format!("/bench/{t}")).collect()
}

fn pipeline_call(client: &Client, path: &str) {
    let r = client.request(Method::Get, path).send().expect("200");
    black_box(r.body);
}

fn ureq_call(agent: &ureq::Agent, url: &str) {
    let mut r = agent
        .get(url)
        .header("authorization", "Bearer t0k3n")
        .header("accept", "application/json, text/plain, */*")
        .header("user-agent", "bench")
        .call()
        .expect("200");
    black_box(r.body_mut().read_to_vec().expect("body"));
}

fn pipeline(c: &mut Criterion) {
    let server = FixedServer::start();
    let base = server.url();
    let paths = paths();
    let urls: Vec<String> = paths.iter().map(|p| format!("{base}/api/v1{p}")).collect();
    let on = client(&base, true);
    let off = client(&base, false);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_idle_connections_per_host(64)
        .build()
        .into();
    for cl in [&on, &off] {
        pipeline_call(cl, &paths[0]); // token
    }

    let mut g = c.benchmark_group("pipeline");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    let single = |b: &mut Bencher, f: &dyn Fn(usize)| b.iter(|| f(0));
    let multi = |b: &mut Bencher, f: &(dyn Fn(usize) + Sync)| b.iter_custom(|iters| on_threads(iters, THREADS, f));
    let stages_on = |t: usize| pipeline_call(&on, &paths[t]);
    let stages_off = |t: usize| pipeline_call(&off, &paths[t]);
    let bare = |t: usize| ureq_call(&agent, &urls[t]);
    g.bench_function("stages on/1 thread", |b| single(b, &stages_on));
    g.bench_function("stages off/1 thread", |b| single(b, &stages_off));
    g.bench_function("bare ureq/1 thread", |b| single(b, &bare));
    g.bench_function(format!("stages on/{THREADS} threads"), |b| multi(b, &stages_on));
    g.bench_function(format!("stages off/{THREADS} threads"), |b| multi(b, &stages_off));
    g.bench_function(format!("bare ureq/{THREADS} threads"), |b| multi(b, &bare));
    g.finish();

    let (calls, retries) = (on.metrics().calls_started, on.metrics().retries);
    eprintln!(
        "stages on: {calls} calls, {retries} retries, {} coalesced",
        on.metrics().coalesced
    );
    assert_eq!(retries, 0, "the fixed server never fails");
}

criterion_group!(benches, limiter, breaker, pipeline);
criterion_main!(benches);
