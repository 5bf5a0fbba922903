//! The counters the pipeline's resilience stages keep (retries, limiter, breaker,
//! stale connections), read by the metrics snapshot ([`Client::metrics`](crate::Client::metrics)).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Counters of the resilience stages.
#[derive(Debug, Default)]
pub struct StageStats {
    /// Calls made (first attempts).
    pub calls: AtomicU64,
    /// Retries sent.
    pub retries: AtomicU64,
    /// Retries refused by the retry budget.
    pub budget_refusals: AtomicU64,
    /// Times a caller slept for the rate limiter (a wait longer than one token's interval
    /// is several sleeps: the limiter is asked again after each).
    pub limiter_waits: AtomicU64,
    /// Total time spent waiting for the rate limiter, in microseconds.
    pub limiter_wait_micros: AtomicU64,
    /// Calls refused by the rate limiter (fail-fast mode or wait too long).
    pub limiter_refusals: AtomicU64,
    /// 429 answers received.
    pub throttled: AtomicU64,
    /// Calls refused because the breaker was open.
    pub breaker_rejections: AtomicU64,
    /// Breaker state changes.
    pub breaker_transitions: Arc<AtomicU64>,
    /// Retries on a fresh connection after a stale pooled one.
    pub stale_connection_retries: AtomicU64,
}
