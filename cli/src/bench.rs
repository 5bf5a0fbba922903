//! `ccx bench`: the reference design's load test. N threads make M calls each of a
//! light endpoint through one client; the results table is read from the client's
//! metrics. Without an account it runs against an emulator started in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::Args;
use cloudconnexa::models::PageRequest;
use cloudconnexa::{Client, ClientBuilder, ClientFactory, ClientOverrides};

use crate::bench_mock::{self, MockKnobs};
use crate::bench_report::{Report, RunInfo};
use crate::chart;
use crate::conn::ConnArgs;
use crate::endpoint::{self, Endpoint, Mix};
use crate::failure::{CmdResult, EXIT_ERROR_RATE, Failure};
use crate::progress::Progress;

/// The factory's service name of the bench client.
const SERVICE: &str = "ccx-bench";

/// Load-test one endpoint (the reference design's performance test)
///
/// THREADS threads x REQUESTS calls (or --calls in all) through one shared client, then
/// the library's figures (calls, errors by kind, latency percentiles, connections, DNS
/// lookups, token fetches, retries, 429s). `--endpoint mix` is the fleet benchmark's job
/// (bench/fleet.sh): 6 in 10 calls list a page of networks, 3 get a network by id, 1
/// creates a host named ccx-bench-PID-INDEX (against an account, those hosts stay). Without an account (--api-url, --cloud-id or CLOUDCONNEXA_API_URL) it
/// starts the emulator in-process, with its rate limiter OFF unless --rate-limit is given.
/// Against an account the client's adaptive limiter follows the service's rate limits.
/// Exit code 3 when the error rate is above --max-error-rate.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Threads making calls at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub threads: u32,
    /// Calls per thread.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: u64,
    /// Calls in all, spread over the threads (the first N mod THREADS threads make one
    /// more); overrides --requests.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub calls: Option<u64>,
    /// With --endpoint mix: the network ids to get (comma-separated). Without it, one page
    /// of networks is listed before the timed run (reported as a setup call).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub mix_ids: Vec<String>,
    /// What to call: a list endpoint by name, or a raw "GET /path[?k=v]".
    #[arg(long, default_value = "networks", help = format!(
        "What to call: one page of a list ({}), or a raw \"GET /path[?k=v&...]\"", endpoint::names()))]
    pub endpoint: String,
    /// Items per page of a named list endpoint (1..=1000).
    #[arg(long, default_value_t = 10)]
    pub page_size: u32,
    /// Cap on connections open to the API host at once (default: none).
    #[arg(long)]
    pub max_connections_per_host: Option<usize>,
    /// Idle connections kept per host (library default 50).
    #[arg(long)]
    pub pool_idle: Option<usize>,
    /// Close idle pooled connections after this many seconds (library default 50).
    #[arg(long)]
    pub pool_idle_timeout: Option<u64>,
    /// Base of the retry backoff in milliseconds (library default 500).
    #[arg(long)]
    pub backoff_ms: Option<u64>,
    /// Let identical GETs in flight share one request, as the library does by default.
    /// Off in the bench, so that every call is an HTTP request as in the reference test.
    #[arg(long)]
    pub coalesce: bool,
    /// Exit with code 3 when failed calls / calls is above this. Default 0: any call that
    /// still failed after the client's retries fails the run.
    #[arg(long, default_value_t = 0.0)]
    pub max_error_rate: f64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write the latency histogram to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub histogram: Option<PathBuf>,
    #[command(flatten)]
    pub mock: MockKnobs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl BenchArgs {
    /// The pool, retry and coalescing knobs on top of `b`.
    fn tune(&self, mut b: ClientBuilder) -> ClientBuilder {
        if let Some(n) = self.max_connections_per_host {
            b = b.max_connections_per_host(Some(n));
        }
        if let Some(n) = self.pool_idle {
            b = b.pool_max_idle_per_host(n);
        }
        if let Some(s) = self.pool_idle_timeout {
            b = b.pool_idle_timeout(Duration::from_secs(s));
        }
        if let Some(ms) = self.backoff_ms {
            // --max-retries (a connection flag) is already in the builder: keep it
            let mut p = self.conn.retry_policy();
            p.backoff_factor = Duration::from_millis(ms);
            b = b.retry_policy(p);
        }
        b.coalesce_gets(self.coalesce)
    }
}

/// Calls thread `t` of `threads` makes out of `total`: an equal share, and one more for
/// the first `total mod threads` threads.
fn share(total: u64, threads: u32, t: u32) -> u64 {
    let n = u64::from(threads);
    total / n + u64::from(u64::from(t) < total % n)
}

/// One call by its index (0..total; thread `t` makes indices t, t + threads, …).
type CallFn<'a> = dyn Fn(&Client, u64) -> cloudconnexa::Result<()> + Sync + 'a;

/// Run `total` calls over `args.threads` threads; returns the wall time.
fn drive(factory: &ClientFactory, args: &BenchArgs, total: u64, call: &CallFn) -> Duration {
    let done = AtomicU64::new(0);
    let mut progress = Progress::new(total);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..args.threads {
            let done = &done;
            s.spawn(move || {
                // Each worker asks the factory for its client, as the reference design's
                // workers do, but under one service name: the factory then hands every
                // thread a clone of the same Client (one pool, one token, one metrics
                // registry). Per-thread names would give each thread its own token and
                // registry, and latency percentiles of separate registries cannot be merged.
                let client = factory.get_client(SERVICE, &ClientOverrides::default());
                for k in 0..share(total, args.threads, t) {
                    if let Ok(c) = &client {
                        let _ = call(c, k * u64::from(args.threads) + u64::from(t));
                    }
                    done.fetch_add(1, Relaxed);
                }
            });
        }
        loop {
            let n = done.load(Relaxed);
            progress.update(n);
            if n >= total {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let wall = start.elapsed();
    progress.finish(done.load(Relaxed));
    wall
}

pub fn run(args: &BenchArgs) -> CmdResult {
    let endpoint = Endpoint::parse(&args.endpoint)?;
    if !(0.0..=1.0).contains(&args.max_error_rate) {
        return Err(Failure::new("--max-error-rate must be within 0..=1"));
    }
    if !(1..=1000).contains(&args.page_size) {
        return Err(Failure::new("--page-size must be within 1..=1000"));
    }
    let real = args.conn.names_an_account();
    if real && args.mock.body_size.is_some() {
        return Err(Failure::new(
            "--body-size sizes the embedded emulator's data; it cannot be used with an account",
        ));
    }
    let (embedded, builder) = if real {
        (None, args.conn.builder()?)
    } else {
        let e = bench_mock::start(&args.mock, &endpoint, args.page_size)?;
        let b = ClientBuilder::new()
            .api_url(e.server.base_url())
            .allow_insecure_http(true)
            .client_id(e.server.client_id())
            .client_secret(e.server.client_secret());
        // the client-side flags (timeouts, --client-rate, --redis, ...) apply to the emulator too
        let b = args.conn.client_flags(b)?;
        (Some(e), b)
    };
    let mut page_size = embedded.as_ref().map_or(args.page_size, |e| e.page_size);
    let builder = args.tune(builder);
    // the mix's network ids: given, or one page listed now by a client of its own (so
    // that the bench client's metrics hold only the timed calls)
    let (mix, setup) = match (&endpoint, args.mix_ids.is_empty()) {
        (Endpoint::Mix, false) => (Some(Mix::new(args.mix_ids.clone())?), None),
        (Endpoint::Mix, true) => {
            let ids = Mix::list_ids(&builder.clone().build()?)?;
            let what = format!("1 call listing page 0 of the networks ({} ids) for the gets", ids.len());
            (Some(Mix::new(ids)?), Some(what))
        }
        _ => (None, None),
    };
    if mix.is_some() {
        page_size = Mix::PAGE_SIZE;
    }
    let factory = ClientFactory::new(builder)?;
    let client = factory.get_client(SERVICE, &ClientOverrides::default())?;
    let total = args.calls.unwrap_or(u64::from(args.threads) * args.requests);
    let page = PageRequest::first(page_size);
    let call = |c: &Client, i: u64| match &mix {
        Some(m) => m.call(c, i),
        None => endpoint.call(c, page),
    };
    let wall = drive(&factory, args, total, &call);
    let metrics = client.metrics();
    let run = RunInfo {
        target: if real { "account" } else { "embedded emulator" }.into(),
        api_url: client.api_url().to_string(),
        endpoint: endpoint.label(),
        operation: endpoint.operation(),
        operations: endpoint.operations().into_iter().map(String::from).collect(),
        threads: args.threads,
        requests_per_thread: share(total, args.threads, 0),
        planned_calls: total,
        setup_calls: u64::from(setup.is_some()),
        setup,
        page_size,
        page_bytes: embedded.as_ref().and_then(|e| e.page_bytes),
        max_error_rate: args.max_error_rate,
    };
    let report = Report::new(run, wall.as_secs_f64(), metrics);
    drop(embedded);
    if let Some(path) = &args.histogram {
        write_histogram(path, &report)?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    if !report.passed {
        return Err(Failure {
            code: EXIT_ERROR_RATE,
            message: format!(
                "error rate {:.2} % is above --max-error-rate {:.2} %",
                report.error_rate * 100.0,
                args.max_error_rate * 100.0
            ),
        });
    }
    Ok(())
}

fn write_histogram(path: &std::path::Path, r: &Report) -> CmdResult {
    // about 40 log-spaced bars from the library's full distribution (1/128 precision)
    let (buckets, count) = r
        .latency
        .as_ref()
        .map_or((Vec::new(), 0), |l| (chart::log_bins(&l.distribution, 40), l.count));
    let ms = |f: fn(&cloudconnexa::metrics::LatencyMetrics) -> f64| r.latency.as_ref().map_or(0.0, |l| f(l) * 1e3);
    let title = format!(
        "ccx bench: {} — {} calls over {} threads",
        r.run.endpoint, r.run.planned_calls, r.run.threads
    );
    let subtitle = format!(
        "{count} calls · min {:.3} · p50 {:.3} · p95 {:.3} · p99 {:.3} · max {:.3} ms",
        ms(|l| l.min),
        ms(|l| l.p50),
        ms(|l| l.p95),
        ms(|l| l.p99),
        ms(|l| l.max)
    );
    let svg = chart::histogram_svg(&buckets, count, &title, &subtitle);
    std::fs::write(path, svg).map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))
}
