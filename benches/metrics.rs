//! Cost of the metrics layer. The registry's own recording methods are crate-private, so
//! this measures what is public:
//! - `Histogram::record`, the latency part of every call (every operation's histogram has
//!   this layout), on 1 thread and on 8 threads sharing one histogram;
//! - the trace-context strings of the request path (a new trace id per call, the
//!   `traceparent` header per request, the trace id string of a hook's event);
//! - a whole client call against a tiny local keep-alive server, without and with an
//!   `on_request` hook, on 1 thread and on 8 threads sharing one client;
//! - a scrape: `Client::metrics()`, then `to_prometheus()` or `to_json()`.
//!
//! The 8-thread figures are wall time per operation with the work split over the threads,
//! i.e. throughput on however many cores the machine has.
//!
//! `cargo bench --bench metrics` (add a name filter, e.g. `-- histogram`, to run a part).
//! Results and the machine they were measured on: BENCHMARKS.md, "Metrics overhead".

use std::hint::black_box;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cloudconnexa::metrics::Histogram;
use cloudconnexa::models::PageRequest;
use cloudconnexa::{Client, RequestEvent, TraceContext};
use criterion::{Criterion, criterion_group, criterion_main};

const THREADS: usize = 8;

/// Run `iters` operations split over `threads` threads (`op(thread, i)`); the wall time of all.
fn on_threads(iters: u64, threads: usize, op: impl Fn(usize, u64) + Sync) -> Duration {
    let start = Barrier::new(threads + 1);
    let t0 = std::thread::scope(|scope| {
        for t in 0..threads {
            let (op, start) = (&op, &start);
            let n = iters / threads as u64 + u64::from((t as u64) < iters % threads as u64);
            scope.spawn(move || {
                start.wait();
                for i in 0..n {
                    op(t, i);
                }
            });
        }
        start.wait();
        Instant::now()
    });
    t0.elapsed()
}

/// A spread of latencies (1 µs to about 4 s), so records hit many buckets.
fn latency(i: u64) -> Duration {
    Duration::from_micros((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 42) + 1)
}

fn histogram(c: &mut Criterion) {
    let h = Histogram::default();
    let mut g = c.benchmark_group("histogram_record");
    g.bench_function("1 thread", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            h.record(black_box(latency(i)))
        })
    });
    g.bench_function(format!("{THREADS} threads"), |b| {
        b.iter_custom(|iters| on_threads(iters, THREADS, |t, i| h.record(black_box(latency(i * 8 + t as u64)))))
    });
    g.finish();
    assert!(h.snapshot().count > 0);
}

/// The trace-context strings of the request path: a new trace per call without a caller's
/// context, the `traceparent` header of every request, and the trace id string the hook's
/// event carries (built only when a hook is set).
fn trace(c: &mut Criterion) {
    let ctx = TraceContext::new_random();
    let span = [0x5a_u8; 8];
    let mut g = c.benchmark_group("trace");
    g.bench_function("TraceContext::new_random()", |b| {
        b.iter(|| black_box(TraceContext::new_random()))
    });
    g.bench_function("traceparent header", |b| {
        b.iter(|| black_box(black_box(&ctx).header(black_box(&span))))
    });
    g.bench_function("trace_id_hex()", |b| {
        b.iter(|| black_box(black_box(&ctx).trace_id_hex()))
    });
    g.finish();
}

// ---------------------------------------------------------------------------
// A tiny keep-alive server: a token, then the same 200 page for every request
// ---------------------------------------------------------------------------

struct TinyServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

const PAGE: &str =
    r#"{"content":[],"totalElements":0,"totalPages":0,"numberOfElements":0,"page":0,"size":10,"success":true}"#;
const TOKEN: &str = r#"{"access_token":"bench-token","token_type":"bearer","expires_in":3600}"#;

impl TinyServer {
    fn start() -> TinyServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = {
            let (stop, workers) = (stop.clone(), workers.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let stop = stop.clone();
                    workers
                        .lock()
                        .unwrap()
                        .push(std::thread::spawn(move || serve(stream, &stop)));
                }
            })
        };
        TinyServer {
            addr,
            stop,
            accept: Some(accept),
            workers,
        }
    }
}

impl Drop for TinyServer {
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

fn serve(mut stream: TcpStream, stop: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    let ok = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let (page, token) = (ok(PAGE), ok(TOKEN));
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) else {
            if stop.load(SeqCst) {
                return;
            }
            match stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted) => {}
                Err(_) => return,
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() < end + len {
            match stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted) => {}
                Err(_) => return,
            }
            continue;
        }
        let reply = if head.starts_with("post /api/v1/oauth/token") {
            &token
        } else {
            &page
        };
        buf.drain(..end + len);
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn client(server: &TinyServer, hook: Option<Arc<AtomicU64>>) -> Client {
    let mut b = Client::builder()
        .api_url(format!("http://{}", server.addr))
        .allow_insecure_http(true)
        .client_id("bench")
        .client_secret("bench-secret");
    if let Some(seen) = hook {
        // what a light OpenTelemetry bridge would touch: the ids, the status, the latency
        b = b.on_request(move |e: &RequestEvent<'_>| {
            black_box((&e.trace_id, &e.span_id, e.status, e.latency, e.operation));
            seen.fetch_add(1, Relaxed);
        });
    }
    let c = b.build().expect("client");
    c.networks()
        .list(PageRequest::default())
        .expect("warm-up: token and connection");
    c
}

fn call(c: &Client) {
    black_box(c.networks().list(PageRequest::default()).expect("call"));
}

fn calls(c: &mut Criterion) {
    let server = TinyServer::start();
    let plain = client(&server, None);
    let seen = Arc::new(AtomicU64::new(0));
    let hooked = client(&server, Some(seen.clone()));
    let mut g = c.benchmark_group("client_call");
    g.measurement_time(Duration::from_secs(5));
    for (name, cl) in [("no hook", &plain), ("with hook", &hooked)] {
        g.bench_function(format!("{name}/1 thread"), |b| b.iter(|| call(cl)));
        g.bench_function(format!("{name}/{THREADS} threads"), |b| {
            b.iter_custom(|iters| on_threads(iters, THREADS, |_, _| call(cl)))
        });
    }
    g.finish();
    assert!(seen.load(Relaxed) > 0, "the hook ran");
    let m = plain.metrics();
    assert_eq!(m.retries, 0);
    assert!(m.requests_of("getNetworksPage", "2xx") > 0);
}

fn scrape(c: &mut Criterion) {
    let server = TinyServer::start();
    let cl = client(&server, None);
    // a few operations with history, as a service would have
    for _ in 0..100 {
        call(&cl);
        black_box(cl.hosts().list(PageRequest::default()).expect("hosts"));
        black_box(cl.users().list(PageRequest::default()).expect("users"));
    }
    let mut g = c.benchmark_group("scrape");
    g.bench_function("metrics()", |b| b.iter(|| black_box(cl.metrics())));
    g.bench_function("metrics().to_prometheus()", |b| {
        b.iter(|| black_box(cl.metrics().to_prometheus()))
    });
    g.bench_function("metrics().to_json()", |b| b.iter(|| black_box(cl.metrics().to_json())));
    g.finish();
}

criterion_group!(benches, histogram, trace, calls, scrape);
criterion_main!(benches);
