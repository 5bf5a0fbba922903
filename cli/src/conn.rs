//! Where the API is and who we are: the connection flags every command that talks to
//! a real account shares, with their `CLOUDCONNEXA_*` environment fallbacks; the
//! timeouts and retries; and the client-side flags that spend fewer rate-limit tokens
//! (limiter, Redis, read cache).
// The flags' doc comments are clap's --help text (URLs and placeholders as the user
// types them), not rustdoc markup.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::time::Duration;

use clap::Args;
use cloudconnexa::ClientBuilder;
use cloudconnexa::resilience::{LimitMode, RateLimit, ReadCacheConfig, RedisLimitConfig, RetryPolicy};

use crate::failure::{CmdResult, Failure};

/// Connection flags; each falls back to its environment variable.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// API base URL, e.g. https://acme.api.openvpn.com (plain http only to loopback).
    #[arg(long, env = "CLOUDCONNEXA_API_URL", global = true, hide_env_values = true)]
    pub api_url: Option<String>,
    /// Tenant name: https://<CLOUD_ID>.api.openvpn.com (when no API URL is given).
    #[arg(long, env = "CLOUDCONNEXA_CLOUD_ID", global = true, hide_env_values = true)]
    pub cloud_id: Option<String>,
    /// API client id.
    #[arg(long, env = "CLOUDCONNEXA_CLIENT_ID", global = true, hide_env_values = true)]
    pub client_id: Option<String>,
    /// API client secret (prefer the environment variable: flags show up in `ps`).
    #[arg(long, env = "CLOUDCONNEXA_CLIENT_SECRET", global = true, hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Also trust this PEM CA file (e.g. the emulator's with --tls).
    #[arg(long, env = "CLOUDCONNEXA_CA_FILE", global = true, hide_env_values = true)]
    pub ca_file: Option<std::path::PathBuf>,
    /// Share one rate limit through Redis with every process on the same API key:
    /// redis://[:password@]host:port/db or rediss://… (TLS); a comma-separated list of
    /// URLs is a Redis Cluster. Use it when several processes share one API key.
    #[arg(
        long,
        value_name = "URL",
        env = "CLOUDCONNEXA_REDIS_URL",
        global = true,
        hide_env_values = true
    )]
    pub redis: Option<String>,
    /// Share the limit through a Redis Cluster: its seed URLs, comma-separated (at least
    /// one must answer). Wins over --redis.
    #[arg(
        long,
        value_name = "URL,URL,...",
        env = "CLOUDCONNEXA_REDIS_CLUSTER",
        global = true,
        hide_env_values = true
    )]
    pub redis_cluster: Option<String>,
    /// The Redis key of the shared bucket. Default: cloudconnexa:{<api host>:<client id>}.
    #[arg(long, value_name = "KEY", global = true)]
    pub redis_key: Option<String>,
    /// Client-side rate in tokens per second: the ceiling of the local limiter, and the
    /// rate of the shared Redis bucket (default there: the real service's 1 per 15 s).
    #[arg(long, value_name = "R", global = true)]
    pub client_rate: Option<f64>,
    /// Client-side burst in tokens (with --client-rate; default 20).
    #[arg(long, value_name = "B", global = true)]
    pub client_burst: Option<u32>,
    /// No client-side limiter at all and no adaptive limiting: retries only.
    #[arg(long, global = true)]
    pub no_client_limiter: bool,
    /// Switch the fresh-read cache on: an identical GET within SECS seconds (fractions
    /// allowed, at most 86400) is answered from memory, with no request and no rate-limit
    /// token; writes drop their family's answers. The time to live of every family without
    /// --read-cache-family; 0 caches only those.
    #[arg(long, value_name = "SECS", global = true, value_parser = secs)]
    pub read_cache_ttl: Option<Duration>,
    /// One family's time to live in the read cache, e.g. networks=60 (0: not cached);
    /// repeatable. Switches the cache on (the other families: --read-cache-ttl, default 30).
    #[arg(long, value_name = "NAME=SECS", global = true, value_parser = family_ttl)]
    pub read_cache_family: Vec<(String, Duration)>,
    /// TCP connect plus TLS handshake budget per connection: 2s, 500ms, or bare seconds
    /// (library default 5s).
    #[arg(
        long,
        value_name = "DURATION",
        env = "CLOUDCONNEXA_CONNECT_TIMEOUT",
        global = true,
        value_parser = duration
    )]
    pub connect_timeout: Option<Duration>,
    /// Longest wait for any read of a response (library default 30s).
    #[arg(
        long,
        value_name = "DURATION",
        env = "CLOUDCONNEXA_READ_TIMEOUT",
        global = true,
        value_parser = duration
    )]
    pub read_timeout: Option<Duration>,
    /// Budget of a whole call: token fetch, waits, every attempt and backoff (library
    /// default 120s).
    #[arg(
        long,
        value_name = "DURATION",
        env = "CLOUDCONNEXA_CALL_TIMEOUT",
        global = true,
        value_parser = duration
    )]
    pub call_timeout: Option<Duration>,
    /// Retries per call on 408/429/5xx and broken connections (library default 5; 0: none).
    #[arg(long, value_name = "N", env = "CLOUDCONNEXA_MAX_RETRIES", global = true)]
    pub max_retries: Option<u32>,
}

/// A duration: `2s`, `500ms`, `1.5s`, `2m`, or a bare number of seconds; above 0 and at
/// most 24 hours.
pub fn duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    if number.trim().is_empty() {
        return Err(format!("{s:?} is not a duration (e.g. 2s, 500ms, or seconds)"));
    }
    let scale = match unit.trim() {
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "{s:?}: unknown unit {other:?} (use ms, s, m or h, e.g. 2s or 500ms)"
            ));
        }
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 2s, 500ms, or seconds)"))?;
    let d = Duration::try_from_secs_f64(v * scale).map_err(|_| format!("{s:?} is not a duration from 0 up"))?;
    if d.is_zero() || d > Duration::from_secs(86_400) {
        return Err(format!("{s:?} must be above 0 and at most 24h"));
    }
    Ok(d)
}

/// A number of seconds, fractions allowed.
fn secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(v).map_err(|_| format!("{s} is not a number of seconds from 0 up"))
}

/// `NAME=SECS`: a read-cache family and its time to live.
fn family_ttl(s: &str) -> Result<(String, Duration), String> {
    let (name, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=SECS (e.g. networks=60)"))?;
    Ok((name.trim().to_string(), secs(v)?))
}

/// The burst used with --client-rate when --client-burst is not given: the real
/// service's bucket size.
const DEFAULT_BURST: u32 = 20;

/// A comma-separated list of URLs, blanks dropped.
fn url_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect()
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ConnArgs {
    /// True when an account was named (URL or cloud id), by flag or environment.
    pub fn names_an_account(&self) -> bool {
        given(&self.api_url).is_some() || given(&self.cloud_id).is_some()
    }

    /// A builder for the named account, or a clear error naming what is missing.
    pub fn builder(&self) -> CmdResult<ClientBuilder> {
        let mut b = ClientBuilder::new().allow_insecure_http(true);
        b = match (given(&self.api_url), given(&self.cloud_id)) {
            (Some(url), _) => b.api_url(url),
            (None, Some(id)) => b.cloud_id(id),
            (None, None) => {
                return Err(Failure::new(
                    "missing credentials: no API URL (set CLOUDCONNEXA_API_URL or CLOUDCONNEXA_CLOUD_ID, \
                     or pass --api-url or --cloud-id)",
                ));
            }
        };
        let Some(id) = given(&self.client_id) else {
            return Err(Failure::new(
                "missing credentials: no client id (set CLOUDCONNEXA_CLIENT_ID or pass --client-id)",
            ));
        };
        let Some(secret) = given(&self.client_secret) else {
            return Err(Failure::new(
                "missing credentials: no client secret (set CLOUDCONNEXA_CLIENT_SECRET or pass --client-secret)",
            ));
        };
        b = b.client_id(id).client_secret(secret);
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| Failure::new(format!("cannot read CA file {}: {e}", path.display())))?;
            b = b.add_ca_pem(pem);
        }
        self.client_flags(b)
    }

    /// The client-side flags applied to `b`: timeouts and retries (see [`Self::timeouts`]),
    /// the limits (see [`Self::rate_limits`]) and the read cache (--read-cache-ttl,
    /// --read-cache-family). Bad read-cache values are reported when the client is built.
    pub fn client_flags(&self, b: ClientBuilder) -> CmdResult<ClientBuilder> {
        let b = self.rate_limits(self.timeouts(b))?;
        Ok(self.read_cache(b))
    }

    /// --connect-timeout, --read-timeout, --call-timeout and --max-retries on top of `b`;
    /// the ones not given keep the library's defaults.
    fn timeouts(&self, mut b: ClientBuilder) -> ClientBuilder {
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = self.read_timeout {
            b = b.read_timeout(d);
        }
        if let Some(d) = self.call_timeout {
            b = b.call_timeout(d);
        }
        if self.max_retries.is_some() {
            b = b.retry_policy(self.retry_policy());
        }
        b
    }

    /// The library's retry policy with --max-retries applied.
    pub fn retry_policy(&self) -> RetryPolicy {
        let mut p = RetryPolicy::default();
        if let Some(n) = self.max_retries {
            p.max_retries = n;
        }
        p
    }

    /// The read-cache flags on top of `b`: none given, the cache stays off.
    fn read_cache(&self, b: ClientBuilder) -> ClientBuilder {
        if self.read_cache_ttl.is_none() && self.read_cache_family.is_empty() {
            return b;
        }
        let mut rc = ReadCacheConfig::default();
        if let Some(ttl) = self.read_cache_ttl {
            rc.default_ttl = ttl;
        }
        for (family, ttl) in &self.read_cache_family {
            rc = rc.family_ttl(family.clone(), *ttl);
        }
        b.read_cache(Some(rc))
    }

    /// The client-side limit flags (--client-rate, --client-burst, --no-client-limiter,
    /// --redis, --redis-cluster, --redis-key) applied to `b`, or a clear error for bad
    /// values or flags that contradict each other. Bad Redis URLs are reported when
    /// the client is built.
    fn rate_limits(&self, mut b: ClientBuilder) -> CmdResult<ClientBuilder> {
        let cluster = given(&self.redis_cluster).map(url_list).unwrap_or_default();
        let urls = given(&self.redis).map(url_list).unwrap_or_default();
        let redis_named = !cluster.is_empty() || !urls.is_empty();
        if self.no_client_limiter {
            if self.client_rate.is_some() || self.client_burst.is_some() || redis_named {
                return Err(Failure::new(
                    "--no-client-limiter cannot be combined with --client-rate, --client-burst, \
                     --redis or --redis-cluster (or CLOUDCONNEXA_REDIS_URL / CLOUDCONNEXA_REDIS_CLUSTER)",
                ));
            }
            return Ok(b.rate_limit(None).write_rate_limit(None).adaptive_rate_limit(false));
        }
        if let Some(r) = self.client_rate
            && !(r.is_finite() && r > 0.0 && r <= 1e6)
        {
            return Err(Failure::new(format!(
                "--client-rate {r} must be a number of tokens per second above 0 and at most 1000000"
            )));
        }
        if let Some(n) = self.client_burst {
            if self.client_rate.is_none() {
                return Err(Failure::new("--client-burst needs --client-rate"));
            }
            if !(1..=1_000_000).contains(&n) {
                return Err(Failure::new(format!("--client-burst {n} must be within 1..=1000000")));
            }
        }
        if self.redis_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(Failure::new("--redis-key must not be empty"));
        }
        if self.redis_key.is_some() && !redis_named {
            return Err(Failure::new("--redis-key needs --redis or --redis-cluster"));
        }
        let local = self.client_rate.map(|rate| RateLimit {
            rate_per_sec: rate,
            burst: self.client_burst.unwrap_or(DEFAULT_BURST),
            mode: LimitMode::Wait {
                max_wait: Duration::from_secs(60),
            },
        });
        if let Some(l) = &local {
            b = b.rate_limit(Some(l.clone()));
        }
        if redis_named {
            let mut cfg = match &local {
                Some(l) => RedisLimitConfig::from_rate_limit("", "", l),
                None => RedisLimitConfig::default(),
            };
            if !cluster.is_empty() {
                cfg.cluster_seeds = cluster;
            } else if urls.len() > 1 {
                cfg.cluster_seeds = urls;
            } else {
                cfg.url = urls.into_iter().next().unwrap_or_default();
            }
            if let Some(k) = &self.redis_key {
                cfg.key = k.trim().to_string();
            }
            b = b.redis_rate_limit(Some(cfg));
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_with_and_without_units() {
        assert_eq!(duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration(" 1.5 "), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["0", "0ms", "-1s", "soon", "2 weeks", "25h", "1e30", "", "ms"] {
            assert!(duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(duration("3d").unwrap_err().contains("unknown unit"));
    }
}
