//! Emulator helpers shared by the support modules of the integration tests
//! (`common`, `resilience_support`, `fault_matrix_support`): emulator options with the
//! rate limiter off, starting an emulator, fault rules, the base of the test clients, the
//! emulator's counters and an error-kind assertion. Each support module re-exports what its tests use.

#![allow(dead_code)]

// opts, start, rule: the emulator's own tests share the one copy
#[path = "../../mock/tests/common/server.rs"]
mod server;

use std::time::Duration;

use cloudconnexa::resilience::RetryPolicy;
use cloudconnexa::{Client, ClientBuilder, Error, ErrorKind};
// re-exported for the tests, each of which uses part of them
#[allow(unused_imports)]
pub use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};
use serde_json::Value;
#[allow(unused_imports)]
pub use server::{opts, rule, start};

/// A builder for `url` with these credentials and budgets, plain `http` allowed; each
/// support module adds its own resilience settings on top.
pub fn client_for(url: &str, id: &str, secret: &str, read_timeout: Duration, call_timeout: Duration) -> ClientBuilder {
    Client::builder()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id(id)
        .client_secret(secret)
        .read_timeout(read_timeout)
        .call_timeout(call_timeout)
}

/// The default retry policy (default codes) with `max_retries` short, jitter-free waits:
/// retry `n` waits `backoff_factor * 2^(n-1)`, and `Retry-After` is honoured up to 5 s.
pub fn quick_retry_policy(max_retries: u32, backoff_factor: Duration) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        backoff_factor,
        backoff_max: Duration::from_secs(5),
        jitter: false,
        ..RetryPolicy::default()
    }
}

/// A top-level counter of the emulator (`requests_total`, `tokens_issued`, …).
pub fn stat(server: &MockServer, key: &str) -> u64 {
    let s = server.stats();
    s[key]
        .as_u64()
        .unwrap_or_else(|| panic!("stats has no counter {key:?}: {s}"))
}

/// How many times the emulator answered `op` with `status` (0 if never).
pub fn op_count(server: &MockServer, op: &str, status: u16) -> u64 {
    server.stats()["operations"][op][status.to_string()]
        .as_u64()
        .unwrap_or(0)
}

/// Every status the emulator answered for `op`, as `{"200": n, …}` (`null` if never called).
pub fn op_statuses(server: &MockServer, op: &str) -> Value {
    server.stats()["operations"][op].clone()
}

/// All answers the emulator gave for `op`, whatever their status.
pub fn op_total(server: &MockServer, op: &str) -> u64 {
    match server.stats()["operations"][op].as_object() {
        Some(m) => m.values().filter_map(Value::as_u64).sum(),
        None => 0,
    }
}

/// Assert that `r` failed with an error of a kind matching `pred`, returning the error.
#[track_caller]
pub fn expect_err<T: std::fmt::Debug>(r: Result<T, Error>, what: &str, pred: impl Fn(&ErrorKind) -> bool) -> Error {
    match r {
        Ok(v) => panic!("{what}: expected an error, got Ok({v:?})"),
        Err(e) => {
            assert!(pred(e.kind()), "{what}: unexpected error kind {:?} ({e})", e.kind());
            e
        }
    }
}
