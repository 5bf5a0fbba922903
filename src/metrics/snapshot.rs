//! The metrics snapshot: plain data, `serde::Serialize` for the JSON export.

use serde::Serialize;

/// HTTP requests of one operation, method and status class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestCount {
    /// Operation name (the API's operationId, e.g. `getNetworks`, or the raw call's).
    pub operation: String,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// `2xx`, `3xx`, `4xx`, `5xx`, or `error` (no response: connect, TLS, timeout, reset).
    pub status_class: String,
    /// Requests sent (retries included) that ended in this class.
    pub count: u64,
}

/// Calls of one operation as the caller saw them (after retries).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallMetrics {
    /// Operation name.
    pub operation: String,
    /// Calls that returned success.
    pub succeeded: u64,
    /// Calls that returned an error (after retries and fallbacks).
    pub failed: u64,
}

/// Failed calls of one operation with one error kind ([`ErrorKind::name`](crate::ErrorKind::name):
/// `timeout`, `connect`, `http`, `rate_limited`…), counted once per call after retries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorCount {
    /// Operation name.
    pub operation: String,
    /// Error kind name (see [`ErrorKind::name`](crate::ErrorKind::name)).
    pub kind: String,
    /// Failed calls of this operation with this kind.
    pub count: u64,
}

/// End-to-end call latency of one operation, in seconds, within `precision` (relative).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyMetrics {
    /// Operation name.
    pub operation: String,
    /// Calls measured (succeeded and failed).
    pub count: u64,
    /// The fastest call, exactly.
    pub min: f64,
    /// Mean latency, in seconds.
    pub mean: f64,
    /// Median latency, in seconds.
    pub p50: f64,
    /// 95th percentile latency, in seconds.
    pub p95: f64,
    /// 99th percentile latency, in seconds.
    pub p99: f64,
    /// The slowest call, exactly, in seconds.
    pub max: f64,
    /// Relative precision of the quantiles (e.g. 0.01: within 1 %).
    pub precision: f64,
    /// Cumulative counts at the Prometheus bucket bounds (`le`, seconds).
    #[serde(skip)]
    pub buckets: Vec<(f64, u64)>,
    /// The whole distribution at the stated precision: (upper bound in seconds, calls
    /// faster than it, cumulative), one entry per non-empty histogram bucket. For charts.
    #[serde(skip)]
    pub distribution: Vec<(f64, u64)>,
    /// Sum of all latencies, in seconds (the Prometheus `_sum`).
    #[serde(skip)]
    pub sum: f64,
}

/// Circuit breaker state and counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerMetrics {
    /// `(scope, state)` for every breaker: `closed`, `open` or `half_open`.
    pub states: Vec<(String, String)>,
    /// Breaker state changes since the client was built.
    pub transitions: u64,
    /// Calls refused, with nothing sent, because a breaker was open.
    pub rejections: u64,
}

/// Client-side rate limiter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimiterMetrics {
    /// Times a caller slept for the limiter (a long wait counts several sleeps).
    pub waits: u64,
    /// Total time callers waited for the limiter, in seconds.
    pub wait_seconds: f64,
    /// Calls refused by the limiter (fail-fast mode, or a wait past `max_wait` or the deadline).
    pub refusals: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Current rate of the read (or only) bucket, tokens per second; `None` without a limiter.
    pub rate_per_sec: Option<f64>,
    /// Times the Redis-shared limiter fell back to the local bucket.
    pub redis_fallbacks: u64,
}

/// Connections of the transport, for the client's host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolMetrics {
    /// The API host these pool figures are for.
    pub host: String,
    /// Connections opened since the transport was built (all hosts).
    pub opened: u64,
    /// Connections closed since the transport was built (all hosts).
    pub closed: u64,
    /// Open now (opened - closed).
    pub open: u64,
    /// Calls holding a connection slot (only counted with a per-host cap).
    pub in_use: u64,
    /// Calls waiting for a slot of the per-host cap.
    pub waiting: u64,
    /// Connection attempts that failed (TCP connect; all hosts).
    pub connect_failures: u64,
    /// Calls that waited for a slot of the per-host cap.
    pub cap_waits: u64,
    /// Calls refused by the per-host cap (fail-fast `pool_wait`, or the wait timed out).
    pub cap_refusals: u64,
}

/// The DNS cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsMetrics {
    /// Answers served from the DNS cache.
    pub hits: u64,
    /// Lookups sent to the system resolver.
    pub lookups: u64,
    /// Lookups that failed.
    pub failures: u64,
    /// Expired answers served because a re-resolve failed.
    pub stale_served: u64,
}

/// The token manager.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthMetrics {
    /// Token requests sent to the OAuth endpoint.
    pub token_fetches: u64,
    /// Token requests that failed.
    pub fetch_failures: u64,
    /// Tokens dropped after a 401.
    pub rejected: u64,
    /// Seconds until the cached token is refreshed (`None` when none is cached).
    pub seconds_to_refresh: Option<f64>,
}

/// The fresh-read cache ([`ClientBuilder::read_cache`](crate::ClientBuilder::read_cache)).
/// `hits` and `misses` are this client's; `entries`, `bytes`, `evictions` and
/// `invalidated` are of the cache it shares with the other clients of its transport.
/// All zero, and `enabled` false, without a read cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadCacheMetrics {
    /// Whether this client has a read cache.
    pub enabled: bool,
    /// GETs answered from memory, with no request sent (each saved one rate-limit token).
    pub hits: u64,
    /// GETs of a cached family that found no fresh answer and were sent.
    pub misses: u64,
    /// Answers held now.
    pub entries: u64,
    /// Bytes held now (bodies, headers, keys and bookkeeping).
    pub bytes: u64,
    /// Answers dropped to stay within `max_entries` / `max_bytes`.
    pub evictions: u64,
    /// Answers dropped because a write touched their family (or on request).
    pub invalidated: u64,
}

/// Rate-limit tokens (requests) saved, by reason. Every count is a request this client
/// did not send that a plain client would have sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TokensSaved {
    /// GETs answered fresh by the read cache.
    pub cache: u64,
    /// GETs answered by an identical GET already in flight (coalescing).
    pub coalesce: u64,
    /// Pages the pagers (`iter`, `list_all`) did not request because they ask for up to
    /// 1000 items a page (10000 for the DNS log): a page of `n` items counts
    /// `max(ceil(n / 10), 1) - 1`, against the baseline of the API's default page size, 10.
    /// Pages fetched one by one with `list(PageRequest)` are not counted.
    pub large_page: u64,
}

impl TokensSaved {
    /// All reasons together.
    pub fn total(&self) -> u64 {
        self.cache + self.coalesce + self.large_page
    }
}

/// Everything the client measures, at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// HTTP requests by operation, method and status class (retries counted one by one).
    pub requests: Vec<RequestCount>,
    /// Calls by operation, as the caller saw them (after retries).
    pub calls: Vec<CallMetrics>,
    /// Failed calls by operation and error kind (kinds with no failure are left out).
    pub errors: Vec<ErrorCount>,
    /// End-to-end call latency by operation (retries and waits included).
    pub latency: Vec<LatencyMetrics>,
    /// Calls that went down the pipeline to the retry stage (first attempts), finished or
    /// not: calls answered by the read cache or by an identical GET in flight are not
    /// counted.
    pub calls_started: u64,
    /// Retries sent.
    pub retries: u64,
    /// Retries refused by the retry budget.
    pub retry_budget_refusals: u64,
    /// Requests sent again on a fresh connection: after a broken pooled one, or once after
    /// a malformed answer (`Protocol`) to an idempotent call.
    pub stale_connection_retries: u64,
    /// GETs answered by an identical GET already in flight.
    pub coalesced: u64,
    /// Calls answered with a stale answer (stale-if-error).
    pub stale_served: u64,
    /// Circuit breakers.
    pub breaker: BreakerMetrics,
    /// Client-side rate limiter.
    pub limiter: LimiterMetrics,
    /// Connections to the API host.
    pub pool: PoolMetrics,
    /// The DNS cache.
    pub dns: DnsMetrics,
    /// The token manager.
    pub auth: AuthMetrics,
    /// The fresh-read cache.
    pub read_cache: ReadCacheMetrics,
    /// Requests not sent, by reason.
    pub tokens_saved: TokensSaved,
}

impl MetricsSnapshot {
    /// Requests of `op` in `class` (all methods).
    pub fn requests_of(&self, op: &str, class: &str) -> u64 {
        self.requests
            .iter()
            .filter(|r| r.operation == op && r.status_class == class)
            .map(|r| r.count)
            .sum()
    }

    /// Total HTTP requests sent (all operations, classes and methods).
    pub fn total_requests(&self) -> u64 {
        self.requests.iter().map(|r| r.count).sum()
    }

    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}
