//! The per-client metrics registry. Recording is lock-free: counters and
//! histograms live in a fixed table indexed by operation, created on first use.
//! [`Client::metrics`](crate::Client::metrics) assembles a [`MetricsSnapshot`], which
//! serialises to JSON and renders as Prometheus text.

mod histogram;
mod operations;
mod prometheus;
mod snapshot;
mod stages;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

pub use histogram::{Histogram, HistogramSnapshot, PRECISION};
pub use operations::OPERATIONS;
pub use snapshot::{
    AuthMetrics, BreakerMetrics, CallMetrics, DnsMetrics, ErrorCount, LatencyMetrics, LimiterMetrics, MetricsSnapshot,
    PoolMetrics, ReadCacheMetrics, RequestCount, TokensSaved,
};
pub(crate) use stages::StageStats;

use crate::error::ErrorKind;
use crate::request::Method;
use crate::resilience::BreakerState;
use crate::resilience::read_cache::ReadCacheCounts;
use crate::transport::Transport;

const KINDS: usize = ErrorKind::NAMES.len();

/// Status classes of a request: 2xx, 3xx, 4xx, 5xx, or no status (transport error).
pub const CLASSES: [&str; 5] = ["2xx", "3xx", "4xx", "5xx", "error"];
const METHODS: [Method; 4] = [Method::Get, Method::Post, Method::Put, Method::Delete];

fn class(status: Option<u16>) -> usize {
    match status {
        Some(s) if (200..300).contains(&s) => 0,
        Some(s) if (300..400).contains(&s) => 1,
        Some(s) if (400..500).contains(&s) => 2,
        Some(_) => 3,
        None => 4,
    }
}

fn method_index(m: Method) -> usize {
    METHODS.iter().position(|x| *x == m).unwrap_or(0)
}

/// Counters and latency of one operation.
#[derive(Default)]
pub(crate) struct OpMetrics {
    /// HTTP requests sent (attempts), by method and status class.
    requests: [[AtomicU64; 5]; 4],
    /// Calls that failed (calls finished = the latency histogram's count; successful = the
    /// difference, so a successful call writes no counter of its own).
    calls_failed: AtomicU64,
    /// Failed calls by error kind ([`ErrorKind::NAMES`] order).
    errors: [AtomicU64; KINDS],
    /// End-to-end call latency (retries and waits included).
    latency: Histogram,
}

/// Counts of every operation seen so far, as read by [`Metrics::per_operation`].
#[derive(Default)]
pub(crate) struct PerOperation {
    pub requests: Vec<RequestCount>,
    pub calls: Vec<CallMetrics>,
    pub errors: Vec<ErrorCount>,
    pub latency: Vec<(&'static str, HistogramSnapshot)>,
}

/// The registry of one client.
pub struct Metrics {
    ops: Box<[OnceLock<Box<OpMetrics>>]>,
    /// Requests the pagers did not send thanks to their large pages (see [`Metrics::record_page`]).
    large_page_saved: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            ops: (0..operations::SLOTS).map(|_| OnceLock::new()).collect(),
            large_page_saved: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    fn op(&self, op: &'static str) -> &OpMetrics {
        self.ops[operations::index(op)].get_or_init(Box::default)
    }

    /// One HTTP request of `op` ended with `status` (`None`: no response).
    pub(crate) fn record_request(&self, op: &'static str, method: Method, status: Option<u16>) {
        self.op(op).requests[method_index(method)][class(status)].fetch_add(1, Relaxed);
    }

    /// One call of `op` ended after `latency`, successfully or with an error of `failed`.
    pub(crate) fn record_call(&self, op: &'static str, failed: Option<&ErrorKind>, latency: Duration) {
        let m = self.op(op);
        if let Some(kind) = failed {
            m.errors[kind.index()].fetch_add(1, Relaxed);
            m.calls_failed.fetch_add(1, Relaxed);
        }
        m.latency.record(latency);
    }

    /// A pager (`iter`, `list_all`) received a page of `items` items: count the requests
    /// pages of the baseline size (10 items) would have needed beyond this one.
    pub(crate) fn record_page(&self, items: usize) {
        let saved = crate::resilience::read_cache::large_page_savings(items);
        if saved > 0 {
            self.large_page_saved.fetch_add(saved, Relaxed);
        }
    }

    /// Requests saved by large pages so far.
    pub(crate) fn large_page_saved(&self) -> u64 {
        self.large_page_saved.load(Relaxed)
    }

    /// Request counts, call counts and latency of every operation seen so far.
    pub(crate) fn per_operation(&self) -> PerOperation {
        let mut out = PerOperation::default();
        let PerOperation {
            requests: reqs,
            calls,
            errors,
            latency: lat,
        } = &mut out;
        for (i, slot) in self.ops.iter().enumerate() {
            let Some(m) = slot.get() else { continue };
            let name = operations::name(i);
            for (mi, by_class) in m.requests.iter().enumerate() {
                for (ci, c) in by_class.iter().enumerate() {
                    let n = c.load(Relaxed);
                    if n > 0 {
                        reqs.push(RequestCount {
                            operation: name.into(),
                            method: METHODS[mi].as_str().into(),
                            status_class: CLASSES[ci].into(),
                            count: n,
                        });
                    }
                }
            }
            let h = m.latency.snapshot();
            if h.count > 0 {
                // a failure is counted just before its latency: never report more failed
                // calls than calls
                let failed = m.calls_failed.load(Relaxed).min(h.count);
                calls.push(CallMetrics {
                    operation: name.into(),
                    succeeded: h.count - failed,
                    failed,
                });
                lat.push((name, h));
            }
            for (ki, c) in m.errors.iter().enumerate() {
                let n = c.load(Relaxed);
                if n > 0 {
                    errors.push(ErrorCount {
                        operation: name.into(),
                        kind: ErrorKind::NAMES[ki].into(),
                        count: n,
                    });
                }
            }
        }
        out
    }
}

/// What a client's snapshot is made of: its registry, its stages' counters and gauges,
/// its transport's counters and its token counters (read by the client, which owns them).
pub(crate) struct SnapshotSources<'a> {
    /// The per-operation registry.
    pub registry: &'a Metrics,
    /// The resilience stages' counters.
    pub stages: &'a StageStats,
    /// `(scope, state)` of every breaker.
    pub breaker_states: Vec<(String, BreakerState)>,
    /// Current rate of the read (or only) bucket.
    pub limiter_rate: Option<f64>,
    /// Reservations the local bucket took over because Redis was unavailable.
    pub redis_fallbacks: u64,
    /// Calls answered by an identical GET in flight.
    pub coalesced: u64,
    /// Answers served stale.
    pub stale_served: u64,
    /// The transport: pool, per-host cap and DNS counters.
    pub transport: &'a Transport,
    /// The API host, whose pool gauges are reported.
    pub host: &'a str,
    /// Token counters, read already.
    pub auth: AuthMetrics,
    /// The fresh-read cache's counts, when the client has one.
    pub read_cache: Option<ReadCacheCounts>,
}

/// Assemble a client's snapshot from what it measured.
pub(crate) fn snapshot(src: SnapshotSources<'_>) -> MetricsSnapshot {
    let t = src.transport;
    let PerOperation {
        requests,
        calls,
        errors,
        latency: lat,
    } = src.registry.per_operation();
    let latency = lat
        .into_iter()
        .map(|(op, h)| LatencyMetrics {
            operation: op.into(),
            count: h.count,
            min: h.min_micros as f64 / 1e6,
            mean: h.mean_micros() / 1e6,
            p50: h.quantile(0.5) as f64 / 1e6,
            p95: h.quantile(0.95) as f64 / 1e6,
            p99: h.quantile(0.99) as f64 / 1e6,
            max: h.max_micros as f64 / 1e6,
            precision: PRECISION,
            buckets: prometheus::BUCKETS
                .iter()
                .map(|le| (*le, h.count_le((le * 1e6) as u64)))
                .collect(),
            sum: h.sum_micros as f64 / 1e6,
            distribution: h
                .distribution()
                .into_iter()
                .map(|(us, n)| (us as f64 / 1e6, n))
                .collect(),
        })
        .collect();
    let st = src.stages;
    let host = src.host.to_string();
    let (in_use, waiting) = t.host_gauges(&host);
    let conns = t.connection_stats();
    let (opened, closed) = (conns.opened.load(Relaxed), conns.closed.load(Relaxed));
    let dns = t.dns_stats();
    let rc = src.read_cache.unwrap_or_default();
    let coalesced = src.coalesced;
    MetricsSnapshot {
        requests,
        calls,
        errors,
        latency,
        calls_started: st.calls.load(Relaxed),
        retries: st.retries.load(Relaxed),
        retry_budget_refusals: st.budget_refusals.load(Relaxed),
        stale_connection_retries: st.stale_connection_retries.load(Relaxed),
        coalesced,
        stale_served: src.stale_served,
        breaker: BreakerMetrics {
            states: src
                .breaker_states
                .into_iter()
                .map(|(k, v)| {
                    let name = match v {
                        BreakerState::Closed => "closed",
                        BreakerState::Open => "open",
                        BreakerState::HalfOpen => "half_open",
                    };
                    (k, name.to_string())
                })
                .collect(),
            transitions: st.breaker_transitions.load(Relaxed),
            rejections: st.breaker_rejections.load(Relaxed),
        },
        limiter: LimiterMetrics {
            waits: st.limiter_waits.load(Relaxed),
            wait_seconds: st.limiter_wait_micros.load(Relaxed) as f64 / 1e6,
            refusals: st.limiter_refusals.load(Relaxed),
            throttled: st.throttled.load(Relaxed),
            rate_per_sec: src.limiter_rate,
            redis_fallbacks: src.redis_fallbacks,
        },
        pool: PoolMetrics {
            host,
            opened,
            closed,
            open: opened.saturating_sub(closed),
            in_use: in_use as u64,
            waiting,
            connect_failures: conns.connect_failures.load(Relaxed),
            cap_waits: t.permit_stats().waits.load(Relaxed),
            cap_refusals: t.permit_stats().refusals.load(Relaxed),
        },
        dns: DnsMetrics {
            hits: dns.hits.load(Relaxed),
            lookups: dns.lookups.load(Relaxed),
            failures: dns.failures.load(Relaxed),
            stale_served: dns.stale_served.load(Relaxed),
        },
        auth: src.auth,
        read_cache: ReadCacheMetrics {
            enabled: src.read_cache.is_some(),
            hits: rc.hits,
            misses: rc.misses,
            entries: rc.entries,
            bytes: rc.bytes,
            evictions: rc.evictions,
            invalidated: rc.invalidated,
        },
        tokens_saved: TokensSaved {
            cache: rc.hits,
            coalesce: coalesced,
            large_page: src.registry.large_page_saved(),
        },
    }
}
