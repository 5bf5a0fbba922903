//! Start-up options of the emulator. Every field has a default that mirrors the
//! real service (rate limits, token lifetime) or keeps tests fast (seed sizes).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;

/// The per-API-key token bucket, as the real service runs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitOptions {
    /// Limiter on or off. Default on.
    pub enabled: bool,
    /// Bucket capacity. Default 20.
    pub burst: u32,
    /// Tokens added per `replenish_time_secs`. Default 1. Zero is treated as 1.
    pub replenish_rate: u32,
    /// Length of the replenish period in seconds. Default 15. Zero is treated as 1.
    pub replenish_time_secs: u32,
    /// Add `Retry-After` (whole seconds) to 429 answers. Default off, like the real service.
    pub retry_after: bool,
    /// Run the bucket this many times faster with the same shape (burst and period kept,
    /// tokens per period multiplied). Default 1. The advertised
    /// `X-RateLimit-Replenish-Rate` is [`advertised_rate`](Self::advertised_rate), and the
    /// bucket refills at exactly that rate, so a client can compute it from the headers.
    /// Values that are not finite and above zero are treated as 1.
    pub time_scale: f64,
}

impl RateLimitOptions {
    /// The time scale in force: `time_scale`, or 1 when it is not finite and above zero.
    pub fn effective_time_scale(&self) -> f64 {
        if self.time_scale.is_finite() && self.time_scale > 0.0 {
            self.time_scale
        } else {
            1.0
        }
    }

    /// Tokens per replenish period as advertised and applied:
    /// `round(replenish_rate * time_scale)`, at least 1 (a zero rate counts as 1).
    pub fn advertised_rate(&self) -> u32 {
        let r = (f64::from(self.replenish_rate.max(1)) * self.effective_time_scale()).round();
        r.clamp(1.0, f64::from(u32::MAX)) as u32
    }

    /// The replenish period in seconds as advertised (a zero period counts as 1).
    pub fn advertised_time_secs(&self) -> u32 {
        self.replenish_time_secs.max(1)
    }

    /// Refill speed of the bucket in tokens per second: exactly
    /// `advertised_rate / advertised_time_secs`.
    pub fn tokens_per_sec(&self) -> f64 {
        f64::from(self.advertised_rate()) / f64::from(self.advertised_time_secs())
    }
}

impl Default for RateLimitOptions {
    fn default() -> Self {
        RateLimitOptions {
            enabled: true,
            burst: 20,
            replenish_rate: 1,
            replenish_time_secs: 15,
            retry_after: false,
            time_scale: 1.0,
        }
    }
}

/// How much data the emulator starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedOptions {
    /// Networks, each with one route and one connector. Default 20.
    pub networks: usize,
    /// Hosts, each with one connector. Default 10.
    pub hosts: usize,
    /// Users, spread over three user groups, some with devices. Default 40.
    pub users: usize,
    /// Sessions over the last three days. Default 200.
    pub sessions: usize,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            networks: 20,
            hosts: 10,
            users: 40,
            sessions: 200,
        }
    }
}

/// Everything `MockServer::start` needs.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// Listen address. Default `127.0.0.1:0` (a free loopback port).
    pub bind: SocketAddr,
    /// Serve HTTPS with a generated test CA. Default off.
    pub tls: bool,
    /// Where to write `ca.pem`, `server.pem`, `server-key.pem` when `tls` is on. Default none.
    pub cert_dir: Option<PathBuf>,
    /// The accepted API key. Default `ccx-mock-client`.
    pub client_id: String,
    /// Its secret. Default `ccx-mock-secret`.
    pub client_secret: String,
    /// `expires_in` of issued tokens; they really expire. Default 43199 s, as the real service.
    pub token_lifetime: Duration,
    /// Rate limiter settings.
    pub rate_limit: RateLimitOptions,
    /// Seed data sizes.
    pub seed: SeedOptions,
    /// Seed of every random choice (ids, data, fault probabilities). Default 1.
    pub rng_seed: u64,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
    /// Close keep-alive connections idle this long. Default never.
    pub idle_close: Option<Duration>,
    /// Request bodies above this many bytes get 413. Default 1 MiB.
    pub max_body_bytes: usize,
    /// Answer an unknown DNS record id with 400, as the real service does. Default true.
    pub dns_not_found_is_400: bool,
    /// Server worker threads. Default 2.
    pub workers: usize,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            cert_dir: None,
            client_id: "ccx-mock-client".into(),
            client_secret: "ccx-mock-secret".into(),
            token_lifetime: Duration::from_secs(43_199),
            rate_limit: RateLimitOptions::default(),
            seed: SeedOptions::default(),
            rng_seed: 1,
            faults: Vec::new(),
            idle_close: None,
            max_body_bytes: 1 << 20,
            dns_not_found_is_400: true,
            workers: 2,
        }
    }
}
