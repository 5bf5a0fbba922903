//! The load loop shared by the Rust load generators of `bench/compare.sh`.
//!
//! Every load generator of the comparison (Rust, C, Go, Python) takes the same positional
//! arguments and prints the same one JSON line, so that the driver treats them alike:
//!
//! ```text
//! PROGRAM BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN
//! {"client":"...","requests":N,"errors":E,"wall_s":W,"cpu_user_s":U,"cpu_sys_s":S,"p50_us":P,"p99_us":Q}
//! ```
//!
//! Thread `t` (of `CONCURRENCY`) sends `WARMUP_PER_THREAD` unmeasured requests, waits for
//! every other thread to finish its warm-up, then sends `REQUESTS_PER_THREAD` measured ones
//! for `GET BASE_URL/api/v1/networks?page=t&size=2` (one page per thread, so that our
//! client's coalescing of identical concurrent GETs never merges two calls). CPU is
//! `getrusage(RUSAGE_SELF)` (every thread of the process) from the moment all threads have
//! warmed up to the moment the last one has finished; latencies are per request on the
//! monotonic clock, and the percentiles are exact (nearest rank over the sorted array).

use std::sync::Barrier;
use std::time::Instant;

/// The path every client asks for, below the base URL.
pub const PAGE_PATH: &str = "/api/v1/networks";
/// Networks per page (the fixed page nginx serves holds 2, about 1.5 KB).
pub const PAGE_SIZE: usize = 2;

/// The command line shared by every load generator.
#[derive(Debug, Clone)]
pub struct Args {
    pub base: String,
    pub concurrency: usize,
    pub requests_per_thread: usize,
    pub warmup_per_thread: usize,
    pub token: String,
}

impl Args {
    /// Parse the process arguments; print the usage and exit 2 when they do not fit.
    pub fn from_env() -> Args {
        let argv: Vec<String> = std::env::args().collect();
        let prog = argv.first().map(String::as_str).unwrap_or("compare");
        let usage = || -> ! {
            eprintln!("usage: {prog} BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN");
            std::process::exit(2)
        };
        if argv.len() != 6 {
            usage();
        }
        let num = |s: &str| s.parse::<usize>().unwrap_or_else(|_| usage());
        let args = Args {
            base: argv[1].trim_end_matches('/').to_string(),
            concurrency: num(&argv[2]),
            requests_per_thread: num(&argv[3]),
            warmup_per_thread: num(&argv[4]),
            token: argv[5].clone(),
        };
        if args.concurrency == 0 || args.requests_per_thread == 0 {
            usage();
        }
        args
    }

    /// The full URL thread `t` asks for.
    pub fn url(&self, t: usize) -> String {
        format!("{}{PAGE_PATH}?page={t}&size={PAGE_SIZE}", self.base)
    }
}

/// What one load generator measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub client: String,
    pub requests: usize,
    pub errors: usize,
    pub wall_s: f64,
    pub cpu_user_s: f64,
    pub cpu_sys_s: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

impl Report {
    /// The one JSON line every load generator prints.
    pub fn json(&self) -> String {
        format!(
            "{{\"client\":\"{}\",\"requests\":{},\"errors\":{},\"wall_s\":{:.6},\"cpu_user_s\":{:.6},\
             \"cpu_sys_s\":{:.6},\"p50_us\":{:.1},\"p99_us\":{:.1}}}",
            self.client,
            self.requests,
            self.errors,
            self.wall_s,
            self.cpu_user_s,
            self.cpu_sys_s,
            self.p50_us,
            self.p99_us
        )
    }
}

/// User and system CPU seconds of the whole process so far.
pub fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct we pass; zeroed is a valid rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}

/// The nearest-rank percentile `p` (0 < p <= 1) of sorted `v`, in the unit of `v`.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Run the load: `make(t)` builds thread `t`'s request function (called once, in that
/// thread, before its warm-up), which sends one request and reads the whole response,
/// `Err` for anything but a 200 with a body. The first few errors are printed to stderr.
pub fn run<F, W>(client: &str, args: &Args, make: F) -> Report
where
    F: Fn(usize) -> W + Sync,
    W: FnMut() -> Result<(), String>,
{
    let c = args.concurrency;
    let n = args.requests_per_thread;
    let warmed = Barrier::new(c + 1);
    let go = Barrier::new(c + 1);
    let report_error = |t: usize, errors: usize, e: String| {
        if errors < 3 {
            eprintln!("{client}: thread {t}: {e}");
        }
    };
    let (results, wall, cpu0, cpu1) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..c)
            .map(|t| {
                let (make, warmed, go, report_error) = (&make, &warmed, &go, &report_error);
                s.spawn(move || {
                    let mut send = make(t);
                    let mut errors = 0;
                    for _ in 0..args.warmup_per_thread {
                        if let Err(e) = send() {
                            report_error(t, errors, e);
                            errors += 1;
                        }
                    }
                    let mut lat = Vec::with_capacity(n);
                    warmed.wait();
                    go.wait();
                    for _ in 0..n {
                        let start = Instant::now();
                        let r = send();
                        lat.push(start.elapsed().as_nanos() as u64);
                        if let Err(e) = r {
                            report_error(t, errors, e);
                            errors += 1;
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        warmed.wait();
        let cpu0 = cpu_times();
        let t0 = Instant::now();
        go.wait();
        let results: Vec<(Vec<u64>, usize)> = handles.into_iter().map(|h| h.join().expect("load thread")).collect();
        let wall = t0.elapsed().as_secs_f64();
        (results, wall, cpu0, cpu_times())
    });
    let errors = results.iter().map(|(_, e)| e).sum();
    let mut lat: Vec<u64> = results.into_iter().flat_map(|(l, _)| l).collect();
    lat.sort_unstable();
    Report {
        client: client.to_string(),
        requests: lat.len(),
        errors,
        wall_s: wall,
        cpu_user_s: cpu1.0 - cpu0.0,
        cpu_sys_s: cpu1.1 - cpu0.1,
        p50_us: percentile(&lat, 0.50) as f64 / 1e3,
        p99_us: percentile(&lat, 0.99) as f64 / 1e3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.50), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[7], 0.99), 7);
        assert_eq!(percentile(&[1, 2, 3], 0.5), 2);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
