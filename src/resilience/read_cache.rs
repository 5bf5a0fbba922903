//! The fresh-read cache: an opt-in, in-memory cache of successful GET answers,
//! served without any request (and so without spending a rate-limit token) while
//! they are younger than their family's time to live.
//!
//! # What is cached
//!
//! Only 2xx answers of GET calls. A GET that failed, or that was answered stale by
//! stale-if-error, is never stored. A fresh hit short-circuits the whole pipeline
//! (coalescing, limiter, breaker, token, retries): nothing is sent, no rate-limit token
//! is spent, the request hook is not called and the request counters do not move;
//! the call still counts as a call in the metrics. A hit returns the answer as it was
//! received, headers included (its `X-RateLimit-*` headers describe the moment it was
//! fetched; the adaptive limiter does not read them again). A miss goes down the normal
//! path and stores its answer. Cancellation is checked before the lookup.
//!
//! # Families
//!
//! Every path belongs to one *family*: the resource collection it reads or writes,
//! which is the **first segment of the path after the API version**, without query:
//!
//! | path                                        | family        |
//! |---------------------------------------------|---------------|
//! | `/api/v1/networks`, `/api/v1/networks/{id}` | `networks`    |
//! | `/api/v1/networks/connectors?networkId=…`   | `networks`    |
//! | `/api/v1/networks/{id}/routes`              | `networks`    |
//! | `/api/v1/hosts/{id}`, `/api/v1/hosts/ip-services` | `hosts` |
//! | `/api/v1/dns-records/{id}`                  | `dns-records` |
//! | `/api/v1/user-groups`                       | `user-groups` |
//! | `/api/v1/users/{id}`                        | `users`       |
//! | `/api/v1/devices/{id}?userId=…`             | `users` (see below) |
//!
//! Sub-collections (connectors, routes, IP services and applications of networks and
//! hosts) thus belong to their parent's family: writing a connector invalidates the
//! cached networks, whose answers embed their connectors and routes, and deleting a
//! network (which deletes its children) invalidates the cached connectors. One
//! exception to the first-segment rule: **devices** are children of users (a user's
//! answer embeds its devices, deleting a user deletes them) but live at the top-level
//! `/devices`, so `devices` is folded into the `users` family. [`family_of`] is the rule
//! as code. Links the service keeps between other families (an access group naming a
//! network, a user naming its group) are not followed: after a write to one of them, an
//! answer of another family may be stale until its time to live ends. Choose the TTLs
//! with that in mind, or use [`Client::invalidate_read_cache`](crate::Client::invalidate_read_cache).
//!
//! # Invalidation
//!
//! Any write (POST, PUT, DELETE) through the same transport removes the cached entries of
//! its family **on the same API origin**, for every client id, twice: when the write is
//! about to be sent, and again when it has ended, successfully or not (a failed or
//! timed-out write may still have been applied). Each family also has a generation,
//! bumped by both removals; a read remembers the generation it saw when it missed, and
//! its answer is not stored if the generation moved meanwhile. So a read racing a write
//! can never put back an answer from before the write. Writes made elsewhere (another
//! process, the Admin portal) are not seen: the time to live bounds how stale an answer
//! can be.
//!
//! # Sharing and keys
//!
//! The entries live with the [`Transport`](crate::Transport): clients built on one
//! transport (every client of one [`ClientFactory`](crate::ClientFactory), or clients
//! given the same transport with [`ClientBuilder::transport`](crate::ClientBuilder::transport))
//! share one cache, its entries and its invalidations. A client without a read cache that
//! shares the transport still invalidates on its writes. The key of an entry is the
//! client id plus the full request URL (scheme, host, port, API version, path and query),
//! so two API clients, or two accounts, never see each other's answers. The first client
//! with a read cache on a transport sets the size bounds (`max_entries`, `max_bytes`);
//! each client applies its own times to live when it reads.
//!
//! # Bounds and thread safety
//!
//! At most `max_entries` answers and `max_bytes` bytes (bodies, headers and keys) are
//! kept; beyond that the least recently used entry is evicted and counted. All of it is
//! behind one mutex that is never held while a request runs or a body is copied, so the
//! cache is safe to share between any number of threads. Time comes from the client's
//! clock (the same one the limiter and breaker use).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use parking_lot::Mutex;

use super::clock::Clock;
use crate::error::{Error, Result};
use crate::http::HttpResponse;

/// Default time to live of families without their own: 30 seconds.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);
/// Default bound on the number of cached answers: 1024.
pub const DEFAULT_MAX_ENTRIES: usize = 1024;
/// Default bound on the cached bytes (bodies, headers and keys): 32 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 32 << 20;
/// Longest time to live accepted: 24 hours.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Largest `max_entries` accepted: 1,000,000.
pub const MAX_ENTRIES_LIMIT: usize = 1_000_000;
/// Families tracked per transport; answers of further families (odd raw paths) are not cached.
const MAX_FAMILIES: usize = 4096;
/// Bookkeeping bytes counted per entry on top of its key, headers and body.
const ENTRY_OVERHEAD: u64 = 128;

/// Settings of the fresh-read cache ([`ClientBuilder::read_cache`](crate::ClientBuilder::read_cache)).
///
/// `Default` is: every family 30 s, 1024 entries, 32 MiB. All fields are checked when
/// the client is built ([`ClientBuilder::build`](crate::ClientBuilder::build) fails with
/// `InvalidInput` naming the bad field; nothing panics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadCacheConfig {
    /// Time to live of the families not listed in `ttl_by_family`. Zero means "cache
    /// only the listed families". At most 24 h. Default 30 s.
    pub default_ttl: Duration,
    /// Time to live per family (see [`family_of`] for the names: `networks`, `hosts`,
    /// `users`, `dns-records`, …). Zero switches caching off for that family. Each family
    /// at most once; names are the bare family (no `/`), non-empty. Default empty.
    pub ttl_by_family: Vec<(String, Duration)>,
    /// Most answers kept, 1..=1,000,000. Default 1024.
    pub max_entries: usize,
    /// Most bytes kept (bodies, headers and keys, plus 128 bytes of bookkeeping per
    /// entry); an answer larger than this is not cached. At least 1024. Default 32 MiB.
    pub max_bytes: u64,
}

impl Default for ReadCacheConfig {
    fn default() -> Self {
        ReadCacheConfig {
            default_ttl: DEFAULT_TTL,
            ttl_by_family: Vec::new(),
            max_entries: DEFAULT_MAX_ENTRIES,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl ReadCacheConfig {
    /// The defaults with `default_ttl` as the time to live of every family.
    pub fn new(default_ttl: Duration) -> ReadCacheConfig {
        ReadCacheConfig {
            default_ttl,
            ..ReadCacheConfig::default()
        }
    }

    /// The same settings with `family`'s time to live set to `ttl` (replacing an
    /// earlier setting of that family). A zero `ttl` leaves the family uncached.
    pub fn family_ttl(mut self, family: impl Into<String>, ttl: Duration) -> ReadCacheConfig {
        let family = family.into();
        self.ttl_by_family.retain(|(f, _)| *f != family);
        self.ttl_by_family.push((family, ttl));
        self
    }

    /// The same settings with at most `n` entries.
    pub fn with_max_entries(mut self, n: usize) -> ReadCacheConfig {
        self.max_entries = n;
        self
    }

    /// The same settings with at most `n` bytes.
    pub fn with_max_bytes(mut self, n: u64) -> ReadCacheConfig {
        self.max_bytes = n;
        self
    }

    /// The time to live of `family` (a name as [`family_of`] returns it).
    pub fn ttl_of(&self, family: &str) -> Duration {
        self.ttl_by_family
            .iter()
            .find(|(f, _)| f == family)
            .map_or(self.default_ttl, |(_, t)| *t)
    }

    /// Check every field; `InvalidInput` naming the first bad one.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.default_ttl > MAX_TTL {
            return Err(Error::invalid("read_cache default_ttl above 24 h"));
        }
        if self.max_entries == 0 || self.max_entries > MAX_ENTRIES_LIMIT {
            return Err(Error::invalid("read_cache max_entries must be within 1..=1000000"));
        }
        if self.max_bytes < 1024 {
            return Err(Error::invalid("read_cache max_bytes must be at least 1024"));
        }
        let mut seen = HashSet::new();
        for (family, ttl) in &self.ttl_by_family {
            if family.is_empty() || family.contains(['/', '?', '#']) || family.chars().any(char::is_control) {
                return Err(Error::invalid(format!(
                    "read_cache family {family:?} must be a bare family name such as \"networks\""
                )));
            }
            if !seen.insert(family.as_str()) {
                return Err(Error::invalid(format!("read_cache family {family:?} is listed twice")));
            }
            if *ttl > MAX_TTL {
                return Err(Error::invalid(format!(
                    "read_cache ttl of family {family:?} above 24 h"
                )));
            }
        }
        Ok(())
    }
}

/// The family of `path`: the first segment after the API version, with `devices`
/// folded into `users` (see the [module documentation](self)).
///
/// `path` is either below the API prefix (`/networks/abc/routes`) or a full API path
/// (`/api/v1/networks/abc/routes`); a query (`?…`) is ignored. The root path's family
/// is the empty string.
///
/// ```
/// use cloudconnexa::resilience::family_of;
/// assert_eq!(family_of("/api/v1/networks/abc/connectors"), "networks");
/// assert_eq!(family_of("/hosts/connectors?hostId=h1"), "hosts");
/// assert_eq!(family_of("/dns-records/42"), "dns-records");
/// assert_eq!(family_of("/devices/d1?userId=u1"), "users");
/// ```
pub fn family_of(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let mut first = segments.next().unwrap_or_default();
    // `/api/<version>/<family>/…`
    if first == "api" && segments.next().is_some() {
        first = segments.next().unwrap_or_default();
    }
    match first {
        "devices" => "users",
        f => f,
    }
}

/// The key of `family` on the API origin `origin` (invalidation is per origin, all client ids).
pub(crate) fn family_key(origin: &str, family: &str) -> String {
    let mut k = String::with_capacity(origin.len() + family.len() + 1);
    k.push_str(origin);
    k.push(' ');
    k.push_str(family);
    k
}

struct Entry {
    /// When it was stored, on the storing client's clock (ns).
    stored_at: u64,
    /// Its place in the recency order.
    seq: u64,
    family: String,
    size: u64,
    resp: Arc<HttpResponse>,
}

#[derive(Default)]
struct Family {
    generation: u64,
    keys: HashSet<String>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<String, Entry>,
    /// Recency: `seq` → key, the least recently used first.
    lru: BTreeMap<u64, String>,
    families: HashMap<String, Family>,
    next_seq: u64,
    bytes: u64,
}

impl Table {
    fn remove(&mut self, key: &str) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.lru.remove(&e.seq);
        self.bytes -= e.size;
        if let Some(f) = self.families.get_mut(&e.family) {
            f.keys.remove(key);
        }
        Some(e)
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

/// The entries of one transport, shared by the clients built on it.
pub(crate) struct SharedReadCache {
    table: Mutex<Table>,
    max_entries: usize,
    max_bytes: u64,
    evictions: AtomicU64,
    invalidated: AtomicU64,
}

impl std::fmt::Debug for SharedReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (entries, bytes) = self.size();
        f.debug_struct("SharedReadCache")
            .field("entries", &entries)
            .field("bytes", &bytes)
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl SharedReadCache {
    pub(crate) fn new(max_entries: usize, max_bytes: u64) -> SharedReadCache {
        SharedReadCache {
            table: Mutex::new(Table::default()),
            max_entries: max_entries.max(1),
            max_bytes,
            evictions: AtomicU64::new(0),
            invalidated: AtomicU64::new(0),
        }
    }

    /// Drop every entry of `family_key` and bump its generation.
    pub(crate) fn invalidate(&self, family_key: &str) {
        let mut t = self.table.lock();
        let keys = match t.families.get_mut(family_key) {
            Some(f) => {
                f.generation += 1;
                std::mem::take(&mut f.keys)
            }
            None => return,
        };
        let n = keys.len() as u64;
        for k in keys {
            t.remove(&k);
        }
        drop(t);
        if n > 0 {
            self.invalidated.fetch_add(n, Relaxed);
        }
    }

    /// Drop every entry (bumping every family's generation).
    pub(crate) fn clear(&self) {
        let mut t = self.table.lock();
        let n = t.entries.len() as u64;
        t.entries.clear();
        t.lru.clear();
        t.bytes = 0;
        for f in t.families.values_mut() {
            f.generation += 1;
            f.keys.clear();
        }
        drop(t);
        self.invalidated.fetch_add(n, Relaxed);
    }

    /// (entries, bytes) now.
    pub(crate) fn size(&self) -> (u64, u64) {
        let t = self.table.lock();
        (t.entries.len() as u64, t.bytes)
    }
}

/// What a lookup found.
pub(crate) enum Lookup {
    /// A fresh answer: return it, send nothing.
    Hit(HttpResponse),
    /// Nothing fresh: run the call, then [`ReadCache::store`] its answer with this ticket
    /// (`None` when the family is not cached).
    Miss(Option<Ticket>),
}

/// Permission to store the answer of one missed read, if its family was not written meanwhile.
pub(crate) struct Ticket {
    key: String,
    family: String,
    generation: u64,
}

/// One client's view of its transport's read cache: its times to live, identity and counters.
pub(crate) struct ReadCache {
    default_ttl: Duration,
    ttl_by_family: HashMap<String, Duration>,
    shared: Arc<SharedReadCache>,
    origin: String,
    client_id: String,
    clock: Arc<dyn Clock>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("default_ttl", &self.default_ttl)
            .field("ttl_by_family", &self.ttl_by_family)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

/// Counters of one client's read cache, as the metrics snapshot shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReadCacheCounts {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
    pub bytes: u64,
    pub evictions: u64,
    pub invalidated: u64,
}

impl ReadCache {
    /// A client's handle on `shared`, for calls to `origin` as `client_id`, timed by `clock`.
    pub(crate) fn new(
        cfg: &ReadCacheConfig,
        shared: Arc<SharedReadCache>,
        origin: &str,
        client_id: &str,
        clock: Arc<dyn Clock>,
    ) -> ReadCache {
        ReadCache {
            default_ttl: cfg.default_ttl,
            ttl_by_family: cfg.ttl_by_family.iter().cloned().collect(),
            shared,
            origin: origin.to_string(),
            client_id: client_id.to_string(),
            clock,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn ttl(&self, family: &str) -> Duration {
        self.ttl_by_family.get(family).copied().unwrap_or(self.default_ttl)
    }

    /// Look up the GET of `url` (the full request URL) whose path below the API prefix is `path`.
    pub(crate) fn lookup(&self, url: &str, path: &str) -> Lookup {
        let family = family_of(path);
        let ttl = self.ttl(family);
        if ttl.is_zero() {
            return Lookup::Miss(None);
        }
        let mut key = String::with_capacity(self.client_id.len() + 1 + url.len());
        key.push_str(&self.client_id);
        key.push('\n');
        key.push_str(url);
        let fkey = family_key(&self.origin, family);
        let now = self.clock.now_nanos();
        let ttl_ns = u64::try_from(ttl.as_nanos()).unwrap_or(u64::MAX);
        let mut t = self.shared.table.lock();
        let fresh = t.entries.get(&key).map(|e| now.saturating_sub(e.stored_at) < ttl_ns);
        match fresh {
            Some(true) => {
                let seq = t.seq();
                let e = t.entries.get_mut(&key).expect("looked up above");
                let old = std::mem::replace(&mut e.seq, seq);
                let resp = e.resp.clone();
                t.lru.remove(&old);
                t.lru.insert(seq, key);
                drop(t);
                self.hits.fetch_add(1, Relaxed);
                return Lookup::Hit(HttpResponse::clone(&resp));
            }
            Some(false) => {
                t.remove(&key);
            }
            None => {}
        }
        let generation = match t.families.get(&fkey) {
            Some(f) => f.generation,
            None if t.families.len() >= MAX_FAMILIES => {
                drop(t);
                return Lookup::Miss(None);
            }
            None => {
                t.families.insert(fkey.clone(), Family::default());
                0
            }
        };
        drop(t);
        self.misses.fetch_add(1, Relaxed);
        Lookup::Miss(Some(Ticket {
            key,
            family: fkey,
            generation,
        }))
    }

    /// Keep `resp`, the answer of the read that got `ticket`, unless its family was written
    /// since (or it is larger than the whole cache). Evicts the least recently used entries
    /// to make room.
    pub(crate) fn store(&self, ticket: Ticket, resp: &HttpResponse) {
        let size = ENTRY_OVERHEAD
            + 2 * ticket.key.len() as u64
            + resp.body.len() as u64
            + resp
                .headers
                .iter()
                .map(|(k, v)| (k.len() + v.len()) as u64)
                .sum::<u64>();
        let shared = &*self.shared;
        if size > shared.max_bytes {
            return;
        }
        // copy the body before taking the lock
        let resp = Arc::new(resp.clone());
        let now = self.clock.now_nanos();
        let mut evicted = 0u64;
        let mut t = shared.table.lock();
        if t.families.get(&ticket.family).map(|f| f.generation) != Some(ticket.generation) {
            return;
        }
        t.remove(&ticket.key);
        while t.entries.len() >= shared.max_entries || t.bytes + size > shared.max_bytes {
            let Some(oldest) = t.lru.first_key_value().map(|(_, k)| k.clone()) else {
                break;
            };
            t.remove(&oldest);
            evicted += 1;
        }
        let seq = t.seq();
        t.lru.insert(seq, ticket.key.clone());
        t.bytes += size;
        t.families
            .get_mut(&ticket.family)
            .expect("checked above")
            .keys
            .insert(ticket.key.clone());
        t.entries.insert(
            ticket.key,
            Entry {
                stored_at: now,
                seq,
                family: ticket.family,
                size,
                resp,
            },
        );
        drop(t);
        if evicted > 0 {
            shared.evictions.fetch_add(evicted, Relaxed);
        }
    }

    /// The counters: this client's hits and misses, the shared cache's size, evictions
    /// and entries removed by writes.
    pub(crate) fn counts(&self) -> ReadCacheCounts {
        let (entries, bytes) = self.shared.size();
        ReadCacheCounts {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            entries,
            bytes,
            evictions: self.shared.evictions.load(Relaxed),
            invalidated: self.shared.invalidated.load(Relaxed),
        }
    }
}

/// Invalidates a family when a write starts and again when it ends (on drop, so also
/// when the write fails or panics).
pub(crate) struct WriteGuard<'a> {
    shared: &'a SharedReadCache,
    family: String,
}

impl<'a> WriteGuard<'a> {
    /// Invalidate the family of `path` on `origin` in `shared` now, and again on drop.
    pub(crate) fn start(shared: &'a SharedReadCache, origin: &str, path: &str) -> WriteGuard<'a> {
        let family = family_key(origin, family_of(path));
        shared.invalidate(&family);
        WriteGuard { shared, family }
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.shared.invalidate(&self.family);
    }
}

/// Tokens a page of `items` items saved against pages of the baseline size
/// ([`crate::api::PageRequest::default`]'s 10 items, the API's default page size):
/// the baseline needs `ceil(items / 10)` requests (at least 1), this page needed one.
pub(crate) fn large_page_savings(items: usize) -> u64 {
    (items.div_ceil(BASELINE_PAGE_SIZE).max(1) - 1) as u64
}

/// Items per page of the baseline that large-page savings are counted against: 10, the
/// API's default page size and [`PageRequest::default`](crate::api::PageRequest::default)'s.
pub const BASELINE_PAGE_SIZE: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    const ORIGIN: &str = "https://acme.api.openvpn.com";

    fn resp(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn url(path: &str) -> String {
        format!("{ORIGIN}/api/v1{path}")
    }

    fn cache(cfg: &ReadCacheConfig, shared: &Arc<SharedReadCache>, id: &str, clock: &Arc<ManualClock>) -> ReadCache {
        ReadCache::new(cfg, shared.clone(), ORIGIN, id, clock.clone())
    }

    /// Read `path`: the cached body, or store `body` as the server's answer and return `None`.
    fn read(c: &ReadCache, path: &str, body: &str) -> Option<String> {
        match c.lookup(&url(path), path) {
            Lookup::Hit(r) => Some(String::from_utf8(r.body).unwrap()),
            Lookup::Miss(t) => {
                if let Some(t) = t {
                    c.store(t, &resp(body));
                }
                None
            }
        }
    }

    #[test]
    fn families() {
        for (path, family) in [
            ("/networks", "networks"),
            ("/networks/abc", "networks"),
            ("/networks/connectors?networkId=n", "networks"),
            ("/api/v1/networks/abc/routes", "networks"),
            ("/api/v2/hosts/h/connectors", "hosts"),
            ("/hosts/ip-services", "hosts"),
            ("/dns-records/1", "dns-records"),
            ("/user-groups", "user-groups"),
            ("/users/u1", "users"),
            ("/devices/d1?userId=u1", "users"),
            ("/settings/wpc", "settings"),
            ("/", ""),
            ("", ""),
            ("/api", "api"),
        ] {
            assert_eq!(family_of(path), family, "{path}");
        }
    }

    #[test]
    fn config_validation() {
        assert!(ReadCacheConfig::default().validate().is_ok());
        assert!(ReadCacheConfig::new(Duration::ZERO).validate().is_ok());
        let bad = [
            ReadCacheConfig::default().with_max_entries(0),
            ReadCacheConfig::default().with_max_entries(MAX_ENTRIES_LIMIT + 1),
            ReadCacheConfig::default().with_max_bytes(10),
            ReadCacheConfig::new(MAX_TTL + Duration::from_secs(1)),
            ReadCacheConfig::default().family_ttl("networks", Duration::from_secs(200_000)),
            ReadCacheConfig::default().family_ttl("", Duration::from_secs(1)),
            ReadCacheConfig::default().family_ttl("/networks", Duration::from_secs(1)),
            ReadCacheConfig {
                ttl_by_family: vec![("hosts".into(), Duration::ZERO), ("hosts".into(), Duration::ZERO)],
                ..ReadCacheConfig::default()
            },
        ];
        for cfg in bad {
            let e = cfg.validate().expect_err(&format!("{cfg:?}"));
            assert_eq!(e.kind(), &crate::ErrorKind::InvalidInput);
        }
        let c = ReadCacheConfig::new(Duration::from_secs(5))
            .family_ttl("hosts", Duration::from_secs(1))
            .family_ttl("hosts", Duration::from_secs(2));
        assert_eq!(c.ttl_by_family.len(), 1);
        assert_eq!(c.ttl_of("hosts"), Duration::from_secs(2));
        assert_eq!(c.ttl_of("networks"), Duration::from_secs(5));
    }

    #[test]
    fn hit_within_ttl_then_expires() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(16, DEFAULT_MAX_BYTES));
        let cfg = ReadCacheConfig::new(Duration::from_secs(10)).family_ttl("hosts", Duration::from_secs(2));
        let c = cache(&cfg, &shared, "id", &clock);
        assert_eq!(read(&c, "/networks", "n1"), None);
        assert_eq!(read(&c, "/hosts", "h1"), None);
        clock.advance(Duration::from_secs(1));
        assert_eq!(read(&c, "/networks", "x").as_deref(), Some("n1"));
        assert_eq!(read(&c, "/hosts", "x").as_deref(), Some("h1"));
        clock.advance(Duration::from_secs(1));
        assert_eq!(read(&c, "/hosts", "h2"), None, "hosts live 2 s");
        assert_eq!(read(&c, "/networks", "x").as_deref(), Some("n1"), "networks 10 s");
        clock.advance(Duration::from_secs(8));
        assert_eq!(read(&c, "/networks", "n2"), None);
        let n = c.counts();
        assert_eq!((n.hits, n.misses, n.entries), (3, 4, 2));
    }

    #[test]
    fn zero_ttl_family_is_not_cached() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(16, DEFAULT_MAX_BYTES));
        let cfg = ReadCacheConfig::new(Duration::ZERO).family_ttl("users", Duration::from_secs(5));
        let c = cache(&cfg, &shared, "id", &clock);
        assert_eq!(read(&c, "/networks", "n"), None);
        assert_eq!(read(&c, "/networks", "n"), None);
        assert_eq!(read(&c, "/devices/d?userId=u", "d"), None);
        assert_eq!(read(&c, "/devices/d?userId=u", "x").as_deref(), Some("d"));
        let n = c.counts();
        assert_eq!(
            (n.hits, n.misses, n.entries),
            (1, 1, 1),
            "bypassed reads are not misses"
        );
    }

    #[test]
    fn writes_invalidate_their_family_for_every_client_id() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(16, DEFAULT_MAX_BYTES));
        let cfg = ReadCacheConfig::default();
        let (a, b) = (cache(&cfg, &shared, "a", &clock), cache(&cfg, &shared, "b", &clock));
        read(&a, "/networks", "a-n");
        read(&b, "/networks", "b-n");
        read(&a, "/networks/connectors?networkId=1", "a-c");
        read(&a, "/hosts", "a-h");
        assert_eq!(
            read(&b, "/networks", "x").as_deref(),
            Some("b-n"),
            "keys hold the client id"
        );
        drop(WriteGuard::start(&shared, ORIGIN, "/networks/1/routes"));
        assert_eq!(read(&a, "/networks", "a-n2"), None);
        assert_eq!(read(&b, "/networks", "b-n2"), None);
        assert_eq!(read(&a, "/networks/connectors?networkId=1", "a-c2"), None);
        assert_eq!(read(&a, "/hosts", "x").as_deref(), Some("a-h"), "another family stays");
        assert_eq!(a.counts().invalidated, 3);
        // another origin's write leaves this origin alone
        drop(WriteGuard::start(&shared, "https://other.api.openvpn.com", "/hosts"));
        assert_eq!(read(&a, "/hosts", "x").as_deref(), Some("a-h"));
    }

    #[test]
    fn a_read_racing_a_write_does_not_store_its_answer() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(16, DEFAULT_MAX_BYTES));
        let c = cache(&ReadCacheConfig::default(), &shared, "id", &clock);
        // the read misses, then a write starts and ends before the read's answer arrives
        let Lookup::Miss(Some(t)) = c.lookup(&url("/users"), "/users") else {
            panic!("miss")
        };
        drop(WriteGuard::start(&shared, ORIGIN, "/devices?userId=u"));
        c.store(t, &resp("before the write"));
        assert_eq!(read(&c, "/users", "after"), None, "the racing answer was not kept");
        assert_eq!(read(&c, "/users", "x").as_deref(), Some("after"));
        // reads that missed before or while a write was in flight are dropped by its end
        let Lookup::Miss(Some(t)) = c.lookup(&url("/users/u"), "/users/u") else {
            panic!("miss")
        };
        let write = WriteGuard::start(&shared, ORIGIN, "/users/u");
        assert_eq!(read(&c, "/users", "y"), None, "the write's start dropped the family");
        let Lookup::Miss(Some(t2)) = c.lookup(&url("/users/u"), "/users/u") else {
            panic!("miss")
        };
        c.store(t2, &resp("during the write"));
        assert_eq!(read(&c, "/users/u", "x").as_deref(), Some("during the write"));
        drop(write);
        c.store(t, &resp("before"));
        assert_eq!(read(&c, "/users/u", "fresh"), None, "the write's end dropped it again");
        assert_eq!(read(&c, "/users/u", "x").as_deref(), Some("fresh"));
    }

    #[test]
    fn bounded_by_entries_and_bytes_least_recently_used_first() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(2, DEFAULT_MAX_BYTES));
        let c = cache(&ReadCacheConfig::default(), &shared, "id", &clock);
        read(&c, "/networks/1", "1");
        read(&c, "/networks/2", "2");
        assert_eq!(
            read(&c, "/networks/1", "x").as_deref(),
            Some("1"),
            "1 is now the most recent"
        );
        read(&c, "/networks/3", "3");
        let n = c.counts();
        assert_eq!((n.entries, n.evictions), (2, 1));
        assert_eq!(read(&c, "/networks/1", "x").as_deref(), Some("1"));
        assert_eq!(read(&c, "/networks/2", "2b"), None, "2 was evicted");
        assert_eq!(c.counts().evictions, 2);

        let small = Arc::new(SharedReadCache::new(100, 1024));
        let c = cache(&ReadCacheConfig::default(), &small, "id", &clock);
        let body = "x".repeat(300);
        for i in 0..5 {
            read(&c, &format!("/hosts/{i}"), &body);
        }
        let n = c.counts();
        assert!(n.bytes <= 1024, "{n:?}");
        assert_eq!(n.entries + n.evictions, 5, "{n:?}");
        assert!(n.evictions >= 3, "{n:?}");
        read(&c, "/hosts/big", &"y".repeat(2000));
        assert_eq!(read(&c, "/hosts/big", "z"), None, "larger than the cache: not kept");
        assert_eq!(c.counts().evictions, n.evictions, "and nothing evicted for it");
    }

    #[test]
    fn invalidate_all_and_large_pages() {
        let clock = ManualClock::new();
        let shared = Arc::new(SharedReadCache::new(16, DEFAULT_MAX_BYTES));
        let c = cache(&ReadCacheConfig::default(), &shared, "id", &clock);
        read(&c, "/networks", "n");
        read(&c, "/hosts", "h");
        shared.invalidate(&family_key(ORIGIN, "hosts"));
        assert_eq!(c.counts().entries, 1);
        shared.clear();
        assert_eq!(c.counts().entries, 0);
        assert_eq!(c.counts().bytes, 0);
        assert_eq!(c.counts().invalidated, 2);
        assert_eq!([0, 1, 10, 11, 999, 1000].map(large_page_savings), [0, 0, 0, 1, 99, 99]);
    }
}
