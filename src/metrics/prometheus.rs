//! The snapshot in the Prometheus text exposition format (version 0.0.4):
//! `cloudconnexa_` prefix, base units (seconds), `_total` counters, one HELP and
//! TYPE line per family.

use std::fmt::Write;

use super::snapshot::MetricsSnapshot;

/// Bucket bounds of the latency histogram, in seconds.
pub const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP cloudconnexa_{name} {help}");
        let _ = writeln!(self.0, "# TYPE cloudconnexa_{name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let _ = write!(self.0, "cloudconnexa_{name}");
        if !labels.is_empty() {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", esc(v))).collect();
            let _ = write!(self.0, "{{{}}}", l.join(","));
        }
        let _ = writeln!(self.0, " {value}");
    }
    fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

impl MetricsSnapshot {
    /// Render as Prometheus text, ready to serve on a `/metrics` page.
    pub fn to_prometheus(&self) -> String {
        let mut o = Out(String::with_capacity(4096));
        o.family(
            "requests_total",
            "counter",
            "HTTP requests sent, by operation, method and status class.",
        );
        for r in &self.requests {
            o.sample(
                "requests_total",
                &[
                    ("operation", &r.operation),
                    ("method", &r.method),
                    ("status_class", &r.status_class),
                ],
                r.count as f64,
            );
        }
        o.family(
            "calls_total",
            "counter",
            "Calls finished, by operation and outcome (after retries).",
        );
        for c in &self.calls {
            o.sample(
                "calls_total",
                &[("operation", &c.operation), ("outcome", "success")],
                c.succeeded as f64,
            );
            o.sample(
                "calls_total",
                &[("operation", &c.operation), ("outcome", "failure")],
                c.failed as f64,
            );
        }
        o.family(
            "call_errors_total",
            "counter",
            "Failed calls, by operation and error kind (after retries).",
        );
        for e in &self.errors {
            o.sample(
                "call_errors_total",
                &[("operation", &e.operation), ("kind", &e.kind)],
                e.count as f64,
            );
        }
        o.family(
            "call_duration_seconds",
            "histogram",
            "End-to-end call latency, retries and waits included.",
        );
        for l in &self.latency {
            for (le, n) in &l.buckets {
                o.sample(
                    "call_duration_seconds_bucket",
                    &[("operation", &l.operation), ("le", &le.to_string())],
                    *n as f64,
                );
            }
            o.sample(
                "call_duration_seconds_bucket",
                &[("operation", &l.operation), ("le", "+Inf")],
                l.count as f64,
            );
            o.sample("call_duration_seconds_sum", &[("operation", &l.operation)], l.sum);
            o.sample(
                "call_duration_seconds_count",
                &[("operation", &l.operation)],
                l.count as f64,
            );
        }
        o.single("retries_total", "counter", "Retries sent.", self.retries as f64);
        o.single(
            "retry_budget_refusals_total",
            "counter",
            "Retries refused by the retry budget.",
            self.retry_budget_refusals as f64,
        );
        o.single(
            "stale_connection_retries_total",
            "counter",
            "Requests resent on a new connection after a stale pooled one.",
            self.stale_connection_retries as f64,
        );
        o.single(
            "coalesced_calls_total",
            "counter",
            "Calls answered by an identical call in flight.",
            self.coalesced as f64,
        );
        o.single(
            "stale_served_total",
            "counter",
            "Answers served stale after a failure.",
            self.stale_served as f64,
        );
        for (name, help, v) in [
            (
                "read_cache_hits_total",
                "GETs answered by the fresh-read cache, with no request sent.",
                self.read_cache.hits,
            ),
            (
                "read_cache_misses_total",
                "GETs of a cached family sent because no fresh answer was cached.",
                self.read_cache.misses,
            ),
            (
                "read_cache_evictions_total",
                "Answers evicted from the read cache to stay within its bounds.",
                self.read_cache.evictions,
            ),
            (
                "read_cache_invalidations_total",
                "Answers dropped from the read cache because a write touched their family.",
                self.read_cache.invalidated,
            ),
        ] {
            o.single(name, "counter", help, v as f64);
        }
        o.single(
            "read_cache_entries",
            "gauge",
            "Answers held by the read cache.",
            self.read_cache.entries as f64,
        );
        o.single(
            "read_cache_bytes",
            "gauge",
            "Bytes held by the read cache.",
            self.read_cache.bytes as f64,
        );
        o.family(
            "tokens_saved_total",
            "counter",
            "Rate-limit tokens (requests) not spent, by reason: cache, coalesce, large_page.",
        );
        for (reason, v) in [
            ("cache", self.tokens_saved.cache),
            ("coalesce", self.tokens_saved.coalesce),
            ("large_page", self.tokens_saved.large_page),
        ] {
            o.sample("tokens_saved_total", &[("reason", reason)], v as f64);
        }
        o.family(
            "breaker_state",
            "gauge",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
        );
        for (scope, state) in &self.breaker.states {
            let v = match state.as_str() {
                "open" => 2.0,
                "half_open" => 1.0,
                _ => 0.0,
            };
            o.sample("breaker_state", &[("scope", scope)], v);
        }
        o.single(
            "breaker_transitions_total",
            "counter",
            "Circuit breaker state changes.",
            self.breaker.transitions as f64,
        );
        o.single(
            "breaker_rejections_total",
            "counter",
            "Calls failed fast by an open breaker.",
            self.breaker.rejections as f64,
        );
        o.single(
            "limiter_waits_total",
            "counter",
            "Calls that waited for the rate limiter.",
            self.limiter.waits as f64,
        );
        o.single(
            "limiter_wait_seconds_total",
            "counter",
            "Time spent waiting for the rate limiter.",
            self.limiter.wait_seconds,
        );
        o.single(
            "limiter_refusals_total",
            "counter",
            "Calls refused by the rate limiter.",
            self.limiter.refusals as f64,
        );
        o.single(
            "throttled_total",
            "counter",
            "HTTP 429 answers received.",
            self.limiter.throttled as f64,
        );
        if let Some(r) = self.limiter.rate_per_sec {
            o.single("limiter_rate_per_second", "gauge", "Current client-side rate limit.", r);
        }
        o.single(
            "redis_limiter_fallbacks_total",
            "counter",
            "Reservations served by the local bucket because Redis was unreachable.",
            self.limiter.redis_fallbacks as f64,
        );
        let host = [("host", self.pool.host.as_str())];
        for (name, help, v) in [
            ("connections_opened_total", "Connections opened.", self.pool.opened),
            ("connections_closed_total", "Connections closed.", self.pool.closed),
            (
                "connect_failures_total",
                "Connection attempts that failed.",
                self.pool.connect_failures,
            ),
            (
                "pool_waits_total",
                "Calls that waited for a slot of the per-host cap.",
                self.pool.cap_waits,
            ),
            (
                "pool_refusals_total",
                "Calls refused or timed out by the per-host cap.",
                self.pool.cap_refusals,
            ),
        ] {
            o.family(name, "counter", help);
            o.sample(name, &host, v as f64);
        }
        for (name, help, v) in [
            ("connections_open", "Connections open now.", self.pool.open),
            (
                "connections_in_use",
                "Calls holding a connection slot (with a per-host cap).",
                self.pool.in_use,
            ),
            (
                "pool_waiting",
                "Calls waiting for a connection slot.",
                self.pool.waiting,
            ),
        ] {
            o.family(name, "gauge", help);
            o.sample(name, &host, v as f64);
        }
        o.single(
            "dns_cache_hits_total",
            "counter",
            "DNS answers served from the cache.",
            self.dns.hits as f64,
        );
        o.single(
            "dns_lookups_total",
            "counter",
            "DNS lookups sent to the system resolver.",
            self.dns.lookups as f64,
        );
        o.single(
            "dns_failures_total",
            "counter",
            "DNS lookups that failed.",
            self.dns.failures as f64,
        );
        o.single(
            "dns_stale_served_total",
            "counter",
            "Expired DNS answers served after a failed lookup.",
            self.dns.stale_served as f64,
        );
        o.single(
            "token_fetches_total",
            "counter",
            "OAuth token requests.",
            self.auth.token_fetches as f64,
        );
        o.single(
            "token_fetch_failures_total",
            "counter",
            "OAuth token requests that failed.",
            self.auth.fetch_failures as f64,
        );
        o.single(
            "token_rejections_total",
            "counter",
            "Tokens dropped after a 401.",
            self.auth.rejected as f64,
        );
        if let Some(s) = self.auth.seconds_to_refresh {
            o.single(
                "token_refresh_in_seconds",
                "gauge",
                "Seconds until the cached token is refreshed.",
                s,
            );
        }
        o.0
    }
}
