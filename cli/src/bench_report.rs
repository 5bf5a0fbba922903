//! The result of a bench run: every figure read from the client's `MetricsSnapshot`
//! (the tool itself measures only the wall time), as JSON or as the results table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cloudconnexa::MetricsSnapshot;
use cloudconnexa::metrics::LatencyMetrics;
use serde::Serialize;

/// What the run was.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// `embedded emulator` or `account`.
    pub target: String,
    pub api_url: String,
    pub endpoint: String,
    /// The operation the calls are recorded under (the mix: its operations joined by `+`).
    pub operation: String,
    /// Every operation the figures below add up.
    pub operations: Vec<String>,
    pub threads: u32,
    /// Calls per thread (with `--calls`, the most any thread made).
    pub requests_per_thread: u64,
    /// Calls planned in all: threads x requests, or `--calls`.
    pub planned_calls: u64,
    /// Calls made before the timed run (not in `calls`): the mix's one list of network
    /// ids when `--mix-ids` is not given, through a separate client of the same settings.
    pub setup_calls: u64,
    /// What the setup calls were, if any.
    pub setup: Option<String>,
    pub page_size: u32,
    /// Size of one answer (embedded emulator only, measured by a separate probe).
    pub page_bytes: Option<u64>,
    pub max_error_rate: f64,
}

/// The results: the run, the wall time, and the library's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub run: RunInfo,
    pub wall_seconds: f64,
    /// The same as `wall_seconds` (the fleet benchmark's key).
    pub wall_s: f64,
    pub calls: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// 429 answers received (the client's `limiter.throttled`; the same as `throttled_429`).
    pub http_429: u64,
    pub error_rate: f64,
    /// Failed calls by error kind (`http`, `timeout`, `connect`…).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// calls / wall_seconds.
    pub calls_per_second: f64,
    /// End-to-end latency of the operation, in seconds (the library's own entry).
    pub latency: Option<LatencyMetrics>,
    /// HTTP requests of the operation (retries included; the token request is not).
    pub http_requests: u64,
    pub http_by_status: BTreeMap<String, u64>,
    pub retries: u64,
    pub retry_budget_refusals: u64,
    /// 429 answers received.
    pub throttled_429: u64,
    /// Calls answered by an identical GET already in flight.
    pub coalesced: u64,
    pub connections_opened: u64,
    pub dns_lookups: u64,
    pub token_fetches: u64,
    pub limiter_waits: u64,
    pub limiter_wait_seconds: f64,
    pub breaker_rejections: u64,
    /// error_rate <= max_error_rate.
    pub passed: bool,
    /// The whole snapshot the figures above come from.
    pub metrics: MetricsSnapshot,
}

impl Report {
    /// Read the figures of `run.operations` out of `m`.
    pub fn new(run: RunInfo, wall_seconds: f64, m: MetricsSnapshot) -> Report {
        let ours = |op: &str| run.operations.iter().any(|o| o == op);
        let (succeeded, failed) = m
            .calls
            .iter()
            .filter(|c| ours(&c.operation))
            .fold((0, 0), |(s, f), c| (s + c.succeeded, f + c.failed));
        let calls = succeeded + failed;
        let error_rate = if calls == 0 { 0.0 } else { failed as f64 / calls as f64 };
        let mut errors_by_kind = BTreeMap::new();
        for e in m.errors.iter().filter(|e| ours(&e.operation)) {
            *errors_by_kind.entry(e.kind.clone()).or_insert(0) += e.count;
        }
        let mut http_by_status = BTreeMap::new();
        for r in m.requests.iter().filter(|r| ours(&r.operation)) {
            *http_by_status.entry(r.status_class.clone()).or_insert(0) += r.count;
        }
        let mine: Vec<&LatencyMetrics> = m.latency.iter().filter(|l| ours(&l.operation)).collect();
        let latency = match mine.as_slice() {
            [] => None,
            [one] => Some((*one).clone()),
            many => Some(merge_latency(many, &run.operation)),
        };
        Report {
            wall_seconds,
            wall_s: wall_seconds,
            calls,
            succeeded,
            failed,
            http_429: m.limiter.throttled,
            error_rate,
            errors_by_kind,
            calls_per_second: if wall_seconds > 0.0 {
                calls as f64 / wall_seconds
            } else {
                0.0
            },
            latency,
            http_requests: http_by_status.values().sum(),
            http_by_status,
            retries: m.retries,
            retry_budget_refusals: m.retry_budget_refusals,
            throttled_429: m.limiter.throttled,
            coalesced: m.coalesced,
            connections_opened: m.pool.opened,
            dns_lookups: m.dns.lookups,
            token_fetches: m.auth.token_fetches,
            limiter_waits: m.limiter.waits,
            limiter_wait_seconds: m.limiter.wait_seconds,
            breaker_rejections: m.breaker.rejections,
            passed: error_rate <= run.max_error_rate,
            run,
            metrics: m,
        }
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The results table.
    pub fn to_table(&self) -> String {
        let r = &self.run;
        let mut t = Table::default();
        let mut head = format!("{} ({}, page size {}", r.endpoint, r.operation, r.page_size);
        if let Some(b) = r.page_bytes {
            let _ = write!(head, ", {b} bytes");
        }
        let _ = write!(head, ") against the {} {}", r.target, r.api_url);
        t.title(&head);
        if r.planned_calls == u64::from(r.threads) * r.requests_per_thread {
            t.title(&format!("{} threads x {} calls", r.threads, r.requests_per_thread));
        } else {
            t.title(&format!("{} calls over {} threads", r.planned_calls, r.threads));
        }
        if let Some(setup) = &r.setup {
            t.title(&format!("before the timed run: {setup}"));
        }
        t.gap();
        t.row("calls", self.calls.to_string());
        t.row("  succeeded", self.succeeded.to_string());
        t.row("  failed", self.failed.to_string());
        for (kind, n) in &self.errors_by_kind {
            t.row(&format!("    {kind}"), n.to_string());
        }
        t.row("error rate", format!("{:.2} %", self.error_rate * 100.0));
        t.row("wall time", format!("{:.3} s", self.wall_seconds));
        t.row("throughput", format!("{:.1} calls/s", self.calls_per_second));
        t.gap();
        match &self.latency {
            Some(l) => {
                t.title(&format!("latency (ms, within {:.1} %)", l.precision * 100.0));
                let labels = ["  min", "  mean", "  p50 (median)", "  p95", "  p99", "  max"];
                let values = [l.min, l.mean, l.p50, l.p95, l.p99, l.max];
                for (name, v) in labels.iter().zip(values) {
                    t.row(name, format!("{:.3}", v * 1e3));
                }
            }
            None => t.title("latency: no call was recorded"),
        }
        t.gap();
        let classes: Vec<String> = self.http_by_status.iter().map(|(c, n)| format!("{c} {n}")).collect();
        t.row(
            "HTTP requests",
            format!("{}  ({})", self.http_requests, classes.join(", ")),
        );
        t.row("retries", self.retries.to_string());
        t.row("retry budget refusals", self.retry_budget_refusals.to_string());
        t.row("429 answers", self.throttled_429.to_string());
        t.row("coalesced calls", self.coalesced.to_string());
        t.row("connections opened", self.connections_opened.to_string());
        t.row("DNS lookups", self.dns_lookups.to_string());
        t.row("token fetches", self.token_fetches.to_string());
        t.row(
            "limiter waits",
            format!("{}  ({:.3} s)", self.limiter_waits, self.limiter_wait_seconds),
        );
        t.row("breaker rejections", self.breaker_rejections.to_string());
        t.gap();
        let verdict = if self.passed { "ok" } else { "FAILED" };
        t.row(
            "result",
            format!(
                "{verdict} (error rate {:.2} %, limit {:.2} %)",
                self.error_rate * 100.0,
                r.max_error_rate * 100.0
            ),
        );
        t.out
    }
}

/// One latency entry for several operations (the mix): counts, sums and the full
/// distributions added up, extremes kept, percentiles read off the merged distribution
/// (the upper bound of the bucket that holds the rank, within the stated precision).
fn merge_latency(parts: &[&LatencyMetrics], operation: &str) -> LatencyMetrics {
    let micros = |s: f64| (s * 1e6).round() as u64;
    let mut per_bucket: BTreeMap<u64, u64> = BTreeMap::new();
    for l in parts {
        let mut before = 0;
        for (ub, cum) in &l.distribution {
            *per_bucket.entry(micros(*ub)).or_insert(0) += cum.saturating_sub(before);
            before = *cum;
        }
    }
    let mut seen = 0;
    let distribution: Vec<(f64, u64)> = per_bucket
        .into_iter()
        .map(|(ub, n)| {
            seen += n;
            (ub as f64 / 1e6, seen)
        })
        .collect();
    let count: u64 = parts.iter().map(|l| l.count).sum();
    let sum: f64 = parts.iter().map(|l| l.sum).sum();
    let min = parts.iter().map(|l| l.min).fold(f64::INFINITY, f64::min);
    let max = parts.iter().map(|l| l.max).fold(0.0, f64::max);
    let quantile = |q: f64| {
        let rank = ((q * count as f64).ceil() as u64).max(1);
        distribution
            .iter()
            .find(|(_, cum)| *cum >= rank)
            .map_or(max, |(ub, _)| ub.clamp(min, max))
    };
    let mut buckets = parts[0].buckets.clone();
    for l in &parts[1..] {
        for (b, (le, n)) in buckets.iter_mut().zip(&l.buckets) {
            if b.0 == *le {
                b.1 += n;
            }
        }
    }
    LatencyMetrics {
        operation: operation.to_string(),
        count,
        min: if count == 0 { 0.0 } else { min },
        mean: if count == 0 { 0.0 } else { sum / count as f64 },
        p50: quantile(0.5),
        p95: quantile(0.95),
        p99: quantile(0.99),
        max,
        precision: parts.iter().map(|l| l.precision).fold(0.0, f64::max),
        buckets,
        distribution,
        sum,
    }
}

/// Two columns: a label, and a value right-aligned in a fixed width.
#[derive(Default)]
struct Table {
    out: String,
}

impl Table {
    fn title(&mut self, s: &str) {
        let _ = writeln!(self.out, "{s}");
    }

    fn gap(&mut self) {
        self.out.push('\n');
    }

    fn row(&mut self, label: &str, value: String) {
        let (num, rest) = value.split_once(' ').unwrap_or((&value, ""));
        let line = format!("{label:<24}{num:>12} {rest}");
        let _ = writeln!(self.out, "{}", line.trim_end());
    }
}
