//! A caching DNS resolver for ureq: one lookup per host per TTL (ureq itself
//! resolves on every request, even when it reuses a pooled connection),
//! concurrent misses for one host resolve once, IPv4 first with IPv6 as
//! fallback, and the last good answer is served when a re-resolve fails. The TTL
//! runs on the client's [`Clock`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use parking_lot::{Condvar, Mutex, RwLock};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::resilience::Clock;

/// Counters of the DNS cache.
#[derive(Debug, Default)]
pub struct DnsStats {
    /// Answers served from the cache.
    pub hits: AtomicU64,
    /// Lookups actually sent to the system resolver.
    pub lookups: AtomicU64,
    /// Lookups that failed.
    pub failures: AtomicU64,
    /// Expired answers served because a re-resolve failed.
    pub stale_served: AtomicU64,
}

struct Entry {
    addrs: Vec<std::net::SocketAddr>,
    /// ns on the resolver's clock
    expires: u64,
}

#[derive(Default)]
struct Flight {
    done: Mutex<Option<Result<Vec<std::net::SocketAddr>, String>>>,
    cv: Condvar,
}

/// The function that really resolves (the system resolver, or a fake in tests).
type LookupFn = dyn Fn(&Uri, &Config, NextTimeout) -> Result<Vec<std::net::SocketAddr>, ureq::Error> + Send + Sync;

/// The resolver installed in the ureq agent.
pub struct CachingResolver {
    /// How long an answer is served from the cache; `None`: no cache.
    ttl: Option<Duration>,
    clock: Arc<dyn Clock>,
    prefer_ipv4: bool,
    cache: RwLock<HashMap<String, Entry>>,
    flights: Mutex<HashMap<String, Arc<Flight>>>,
    lookup: Box<LookupFn>,
    /// Cache hits, lookups and failures so far.
    pub stats: Arc<DnsStats>,
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver")
            .field("ttl", &self.ttl)
            .field("prefer_ipv4", &self.prefer_ipv4)
            .finish()
    }
}

impl CachingResolver {
    /// A resolver over the system's, caching answers `ttl` (none: no cache) on `clock`,
    /// IPv4 addresses first when `prefer_ipv4`.
    pub fn new(
        ttl: Option<Duration>,
        prefer_ipv4: bool,
        stats: Arc<DnsStats>,
        clock: Arc<dyn Clock>,
    ) -> CachingResolver {
        let system = DefaultResolver::default();
        CachingResolver::with_lookup(ttl, prefer_ipv4, stats, clock, move |uri, cfg, t| {
            system.resolve(uri, cfg, t).map(|a| a.iter().copied().collect())
        })
    }

    /// With a custom lookup function (tests).
    pub fn with_lookup(
        ttl: Option<Duration>,
        prefer_ipv4: bool,
        stats: Arc<DnsStats>,
        clock: Arc<dyn Clock>,
        lookup: impl Fn(&Uri, &Config, NextTimeout) -> Result<Vec<std::net::SocketAddr>, ureq::Error>
        + Send
        + Sync
        + 'static,
    ) -> CachingResolver {
        CachingResolver {
            ttl,
            clock,
            prefer_ipv4,
            cache: RwLock::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            lookup: Box::new(lookup),
            stats,
        }
    }
}

/// The cache key of `uri` (`host:port`, as [`CachingResolver::key`] makes it) written
/// into `buf`; `None` when it does not fit or the scheme has no known default port.
fn stack_key<'a>(uri: &Uri, buf: &'a mut [u8; 300]) -> Option<&'a str> {
    let authority = uri.authority()?;
    let port = match (authority.port_u16(), uri.scheme_str()?) {
        (Some(p), _) => p,
        (None, "https") => 443,
        (None, "http") => 80,
        _ => return None,
    };
    let host = authority.host().as_bytes();
    let mut digits = [0u8; 5];
    let mut n = 0;
    let mut p = port;
    loop {
        digits[n] = b'0' + (p % 10) as u8;
        n += 1;
        p /= 10;
        if p == 0 {
            break;
        }
    }
    let len = host.len() + 1 + n;
    if len > buf.len() {
        return None;
    }
    buf[..host.len()].copy_from_slice(host);
    buf[host.len()] = b':';
    for (i, d) in digits[..n].iter().rev().enumerate() {
        buf[host.len() + 1 + i] = *d;
    }
    std::str::from_utf8(&buf[..len]).ok()
}

impl CachingResolver {
    fn key(uri: &Uri) -> Option<String> {
        let scheme = uri.scheme()?;
        let authority = uri.authority()?;
        DefaultResolver::host_and_port(scheme, authority)
    }

    /// Resolve through the cache, fresh while the clock is before the entry's expiry.
    fn resolve_cached(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<Vec<std::net::SocketAddr>, ureq::Error> {
        let now = self.clock.now_nanos();
        let Some(key) = Self::key(uri) else {
            return self.fresh_lookup(uri, config, timeout);
        };
        if self.ttl.is_some()
            && let Some(e) = self.cache.read().get(&key).filter(|e| e.expires > now)
        {
            self.stats.hits.fetch_add(1, Relaxed);
            return Ok(e.addrs.clone());
        }
        // single flight: the first caller resolves, the others wait for its answer
        let (flight, leader) = {
            let mut f = self.flights.lock();
            // a leader may have finished between the cache read above and this lock:
            // its answer is in the cache now (it fills the cache before leaving `flights`)
            if self.ttl.is_some()
                && let Some(e) = self.cache.read().get(&key).filter(|e| e.expires > now)
            {
                self.stats.hits.fetch_add(1, Relaxed);
                return Ok(e.addrs.clone());
            }
            match f.get(&key) {
                Some(fl) => (fl.clone(), false),
                None => {
                    let fl = Arc::new(Flight::default());
                    f.insert(key.clone(), fl.clone());
                    (fl, true)
                }
            }
        };
        if !leader {
            let mut done = flight.done.lock();
            while done.is_none() {
                flight.cv.wait(&mut done);
            }
            self.stats.hits.fetch_add(1, Relaxed);
            return done.clone().expect("set").map_err(DnsFailure::into_ureq);
        }
        let result = self.fresh_lookup(uri, config, timeout);
        let result = match result {
            Ok(addrs) => {
                if let Some(ttl) = self.ttl {
                    self.cache.write().insert(
                        key.clone(),
                        Entry {
                            addrs: addrs.clone(),
                            // from the answer's arrival, not from the miss
                            expires: self.clock.now_nanos().saturating_add(ttl.as_nanos() as u64),
                        },
                    );
                }
                Ok(addrs)
            }
            Err(e) => match self.cache.read().get(&key) {
                // serve the last good answer rather than fail every call while DNS is down
                Some(stale) => {
                    self.stats.stale_served.fetch_add(1, Relaxed);
                    Ok(stale.addrs.clone())
                }
                None => Err(e),
            },
        };
        *flight.done.lock() = Some(result.as_ref().map(Clone::clone).map_err(|e| e.to_string()));
        flight.cv.notify_all();
        self.flights.lock().remove(&key);
        result
    }

    fn fresh_lookup(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<Vec<std::net::SocketAddr>, ureq::Error> {
        self.stats.lookups.fetch_add(1, Relaxed);
        match (self.lookup)(uri, config, timeout) {
            Ok(mut addrs) if !addrs.is_empty() => {
                if self.prefer_ipv4 {
                    addrs.sort_by_key(|a| a.is_ipv6()); // stable: keeps the system's order within a family
                }
                Ok(addrs)
            }
            Ok(_) => {
                self.stats.failures.fetch_add(1, Relaxed);
                Err(DnsFailure::into_ureq(format!(
                    "cannot resolve {}: no address",
                    uri.host().unwrap_or("")
                )))
            }
            Err(e) => {
                self.stats.failures.fetch_add(1, Relaxed);
                Err(match e {
                    timeout @ ureq::Error::Timeout(_) => timeout,
                    other => DnsFailure::into_ureq(format!("cannot resolve {}: {other}", uri.host().unwrap_or(""))),
                })
            }
        }
    }
}

/// A failed name lookup, carried inside `ureq::Error::Io` so that the transport can tell
/// it by its type (`map_error` downcasts to it) rather than by the system's wording.
#[derive(Debug)]
pub(crate) struct DnsFailure(pub String);

impl DnsFailure {
    fn into_ureq(message: String) -> ureq::Error {
        ureq::Error::Io(std::io::Error::other(DnsFailure(message)))
    }
}

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DnsFailure {}

impl Resolver for CachingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // ureq asks on every request, pooled connection or not: answer a fresh cache entry
        // without allocating (the key is written on the stack)
        let mut buf = [0u8; 300];
        if self.ttl.is_some()
            && let Some(key) = stack_key(uri, &mut buf)
        {
            let now = self.clock.now_nanos();
            if let Some(e) = self.cache.read().get(key).filter(|e| e.expires > now) {
                self.stats.hits.fetch_add(1, Relaxed);
                let mut out = self.empty();
                for a in e.addrs.iter().take(16) {
                    out.push(*a);
                }
                return Ok(out);
            }
        }
        let addrs = self.resolve_cached(uri, config, timeout)?;
        let mut out = self.empty();
        for a in addrs.into_iter().take(16) {
            out.push(a);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::ManualClock;
    use std::net::SocketAddr;
    use std::sync::atomic::AtomicBool;

    fn uri() -> Uri {
        "https://api.example:443/x".parse().unwrap()
    }

    fn resolver(fail: Arc<AtomicBool>, ttl: u64, clock: Arc<ManualClock>) -> CachingResolver {
        resolver_with(fail, ttl, clock, || {})
    }

    /// `during` runs inside every lookup (a rendezvous for the concurrency test).
    fn resolver_with(
        fail: Arc<AtomicBool>,
        ttl: u64,
        clock: Arc<ManualClock>,
        during: impl Fn() + Send + Sync + 'static,
    ) -> CachingResolver {
        CachingResolver::with_lookup(
            Some(Duration::from_secs(ttl)),
            true,
            Arc::default(),
            clock,
            move |_, _, _| {
                during();
                if fail.load(Relaxed) {
                    Err(ureq::Error::HostNotFound)
                } else {
                    Ok(vec![
                        "[::1]:443".parse::<SocketAddr>().unwrap(),
                        "10.0.0.1:443".parse().unwrap(),
                    ])
                }
            },
        )
    }

    #[test]
    fn the_stack_key_is_the_cache_key() {
        for u in [
            "https://api.example/x",
            "http://127.0.0.1:8080/x?y=1",
            "https://[::1]:9443/",
            "http://localhost/",
            "https://a.b.c:1/",
            "https://a.b.c:65535/",
        ] {
            let uri: Uri = u.parse().unwrap();
            let mut buf = [0u8; 300];
            assert_eq!(stack_key(&uri, &mut buf), CachingResolver::key(&uri).as_deref(), "{u}");
        }
        let long: Uri = format!("https://{}.example/", "a".repeat(290)).parse().unwrap();
        assert_eq!(stack_key(&long, &mut [0u8; 300]), None);
    }

    #[test]
    fn caches_prefers_v4_and_serves_stale() {
        let fail = Arc::new(AtomicBool::new(false));
        let clock = ManualClock::new();
        let r = resolver(fail.clone(), 300, clock.clone());
        let cfg = Config::default();
        let resolve = || r.resolve_cached(&uri(), &cfg, NextTimeout::default());
        let a = resolve().unwrap();
        assert!(a[0].is_ipv4() && a[1].is_ipv6());
        // one nanosecond before the TTL ends: from the cache
        clock.advance(Duration::from_secs(300) - Duration::from_nanos(1));
        resolve().unwrap();
        assert_eq!(r.stats.lookups.load(Relaxed), 1);
        // at the TTL: resolved again
        clock.advance(Duration::from_nanos(1));
        resolve().unwrap();
        assert_eq!(r.stats.lookups.load(Relaxed), 2);
        clock.advance(Duration::from_secs(301));
        fail.store(true, Relaxed);
        let stale = resolve().unwrap();
        assert_eq!(stale, a);
        assert_eq!(
            (r.stats.lookups.load(Relaxed), r.stats.stale_served.load(Relaxed)),
            (3, 1)
        );
    }

    #[test]
    fn concurrent_misses_resolve_once() {
        // the lookup does not answer before all 16 callers have started (a rendezvous,
        // not a sleep), so most of them find the flight and wait for its answer
        let started = Arc::new((Mutex::new(0usize), Condvar::new()));
        let during = {
            let started = started.clone();
            move || {
                let mut n = started.0.lock();
                while *n < 16 {
                    started.1.wait(&mut n);
                }
            }
        };
        let r = Arc::new(resolver_with(
            Arc::new(AtomicBool::new(false)),
            300,
            ManualClock::new(),
            during,
        ));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (r, started) = (r.clone(), started.clone());
                std::thread::spawn(move || {
                    *started.0.lock() += 1;
                    started.1.notify_all();
                    r.resolve_cached(&uri(), &Config::default(), NextTimeout::default())
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().len(), 2);
        }
        assert_eq!(r.stats.lookups.load(Relaxed), 1);
    }

    #[test]
    fn failure_without_cache_is_an_error() {
        let r = resolver(Arc::new(AtomicBool::new(true)), 300, ManualClock::new());
        assert!(
            r.resolve_cached(&uri(), &Config::default(), NextTimeout::default())
                .is_err()
        );
        assert_eq!(r.stats.failures.load(Relaxed), 1);
    }
}
