//! Counters the tests read through `/__mock/stats`: requests per operation and
//! status, connections, tokens, bytes, limiter and fault hits.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use parking_lot::Mutex;
use serde_json::{Map, Value, json};

#[derive(Default)]
pub struct Stats {
    pub connections_accepted: AtomicU64,
    pub connections_open: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub bytes_served: AtomicU64,
    pub requests_total: AtomicU64,
    pub rate_limited: AtomicU64,
    pub unauthorized: AtomicU64,
    operations: Mutex<BTreeMap<&'static str, BTreeMap<u16, u64>>>,
    faults: Mutex<BTreeMap<&'static str, u64>>,
}

impl Stats {
    pub fn record(&self, op: &'static str, status: u16) {
        self.requests_total.fetch_add(1, Relaxed);
        *self.operations.lock().entry(op).or_default().entry(status).or_default() += 1;
    }

    pub fn fault(&self, kind: &'static str) {
        *self.faults.lock().entry(kind).or_default() += 1;
    }

    pub fn reset(&self) {
        for c in [
            &self.connections_accepted,
            &self.tokens_issued,
            &self.bytes_served,
            &self.requests_total,
            &self.rate_limited,
            &self.unauthorized,
        ] {
            c.store(0, Relaxed);
        }
        self.operations.lock().clear();
        self.faults.lock().clear();
    }

    pub fn snapshot(&self) -> Value {
        let ops: Map<String, Value> = self
            .operations
            .lock()
            .iter()
            .map(|(op, by)| {
                let by: Map<String, Value> = by.iter().map(|(s, n)| (s.to_string(), json!(n))).collect();
                (op.to_string(), Value::Object(by))
            })
            .collect();
        let faults: Map<String, Value> = self
            .faults
            .lock()
            .iter()
            .map(|(k, n)| (k.to_string(), json!(n)))
            .collect();
        json!({
            "connections_accepted": self.connections_accepted.load(Relaxed),
            "connections_open": self.connections_open.load(Relaxed),
            "tokens_issued": self.tokens_issued.load(Relaxed),
            "bytes_served": self.bytes_served.load(Relaxed),
            "requests_total": self.requests_total.load(Relaxed),
            "rate_limited": self.rate_limited.load(Relaxed),
            "unauthorized": self.unauthorized.load(Relaxed),
            "operations": ops,
            "faults": faults,
        })
    }
}
