//! The state shared by every connection of one running emulator.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::auth::Auth;
use crate::db::Db;
use crate::faults::{FaultRule, Faults};
use crate::io::IoShared;
use crate::options::{MockOptions, RateLimitOptions, SeedOptions};
use crate::ratelimit::Limiter;
use crate::stats::Stats;

/// The settings that can change while the server runs (`/__mock/config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    pub rate_limit: RateLimitOptions,
    pub token_lifetime_secs: u64,
    pub idle_close_ms: Option<u64>,
    pub dns_not_found_is_400: bool,
}

pub struct Shared {
    pub db: RwLock<Db>,
    seed: (SeedOptions, u64),
    pub auth: Auth,
    pub limiter: Limiter,
    pub faults: Faults,
    pub stats: Arc<Stats>,
    pub io: Arc<IoShared>,
    cfg: RwLock<RuntimeConfig>,
    pub max_body: usize,
    /// Serialised answers of read operations, valid while the data is unchanged.
    pub cache: crate::cache::ReadCache,
    /// Bumped whenever the fault rules change, so stalled requests re-check.
    pub faults_changed: watch::Sender<u64>,
}

impl Shared {
    pub fn new(opts: &MockOptions) -> Shared {
        let stats = Arc::new(Stats::default());
        let cfg = RuntimeConfig {
            rate_limit: opts.rate_limit.clone(),
            token_lifetime_secs: opts.token_lifetime.as_secs().max(1),
            idle_close_ms: opts.idle_close.map(|d| d.as_millis() as u64),
            dns_not_found_is_400: opts.dns_not_found_is_400,
        };
        Shared {
            db: RwLock::new(crate::seed::build(&opts.seed, opts.rng_seed)),
            seed: (opts.seed.clone(), opts.rng_seed),
            auth: Auth::new(&opts.client_id, &opts.client_secret, opts.rng_seed),
            limiter: Limiter::new(),
            faults: Faults::new(opts.faults.clone(), opts.rng_seed),
            io: Arc::new(IoShared {
                idle_close_ms: cfg.idle_close_ms.unwrap_or(0).into(),
                stats: stats.clone(),
            }),
            stats,
            cfg: RwLock::new(cfg),
            max_body: opts.max_body_bytes,
            cache: crate::cache::ReadCache::default(),
            faults_changed: watch::channel(0).0,
        }
    }

    pub fn config(&self) -> RuntimeConfig {
        self.cfg.read().clone()
    }

    pub fn rate_limit(&self) -> RateLimitOptions {
        self.cfg.read().rate_limit.clone()
    }

    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.cfg.read().token_lifetime_secs)
    }

    pub fn set_config(&self, new: RuntimeConfig) {
        let mut cfg = self.cfg.write();
        if cfg.dns_not_found_is_400 != new.dns_not_found_is_400 {
            self.cache.invalidate();
        }
        if cfg.rate_limit != new.rate_limit {
            self.limiter.clear();
        }
        self.io
            .idle_close_ms
            .store(new.idle_close_ms.unwrap_or(0), Ordering::Relaxed);
        *cfg = new;
    }

    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.faults.set(rules);
        self.faults_changed.send_modify(|n| *n += 1);
    }

    pub fn add_fault(&self, rule: FaultRule) {
        self.faults.add(rule);
        self.faults_changed.send_modify(|n| *n += 1);
    }

    /// Data back to the seed, buckets refilled.
    pub fn reset_data(&self) {
        *self.db.write() = crate::seed::build(&self.seed.0, self.seed.1);
        self.cache.invalidate();
        self.limiter.clear();
    }
}
