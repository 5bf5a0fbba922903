//! `Client`: the public handle on one client's state (settings, transport, token, the
//! pipeline's stages), its typed-call helpers for the services in `api`, raw requests,
//! and `ClientBuilder::build`, which makes a client of a builder's checked settings.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use serde::de::DeserializeOwned;

use crate::auth::{HttpTokenSource, TokenManager};
use crate::config::{ClientBuilder, ClientConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpResponse;
use crate::metrics::{AuthMetrics, MetricsSnapshot, SnapshotSources};
use crate::pipeline::{Inner, Stages};
use crate::request::{Call, Method};
use crate::resilience::read_cache::ReadCache;
use crate::resilience::{BreakerState, Clock};
use crate::transport::Transport;

/// A Cloud Connexa API client.
///
/// `Send + Sync + Clone`: clones share one connection pool, DNS cache and token.
/// Build one per API key and share it across threads. Every method blocks the
/// calling thread until the call finishes or its `call_timeout` (default 120 s) runs out.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.cfg.base.origin)
            .field("client_id", &self.inner.cfg.client_id)
            .field("client_secret", &self.inner.cfg.client_secret)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with every setting at its default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from `CLOUDCONNEXA_API_URL`, `CLOUDCONNEXA_CLIENT_ID` and `CLOUDCONNEXA_CLIENT_SECRET`.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    pub(crate) fn from_parts(cfg: ClientConfig, transport: Transport, clock: Arc<dyn Clock>) -> Result<Client> {
        let read_cache = cfg.resilience.read_cache.as_ref().map(|rc| {
            ReadCache::new(
                rc,
                transport.read_cache(rc.max_entries, rc.max_bytes),
                &cfg.base.origin,
                &cfg.client_id,
                clock.clone(),
            )
        });
        let stages = Stages::new(&cfg.resilience, cfg.hook.as_ref().map(|h| h.0.clone()), clock.clone())?;
        let source = HttpTokenSource {
            cfg: cfg.clone(),
            transport: transport.clone(),
            metrics: stages.metrics.clone(),
            hook: stages.hook.clone(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                auth: TokenManager::new(clock, cfg.token_refresh_margin, Arc::new(source)),
                cfg,
                transport,
                stages,
                read_cache,
            }),
        })
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// State of the circuit breaker for this client's host (`Closed` when there is none).
    pub fn breaker_state(&self, op: &str) -> BreakerState {
        self.inner.stages.breaker_state(&self.inner.cfg.base.host, op)
    }

    /// Everything the client has measured so far, as plain values at one moment: requests,
    /// calls and latency per operation, retries, coalesced and stale answers, breaker,
    /// limiter, pool and per-host cap, DNS cache, token counters and time to refresh, read
    /// cache. The only way to read the client's counters. Cheap enough to call on every
    /// scrape; `to_json()` and `to_prometheus()` render it. Thread-safe.
    pub fn metrics(&self) -> MetricsSnapshot {
        let inner = &*self.inner;
        let s = &inner.stages;
        let auth = inner.auth.stats();
        crate::metrics::snapshot(SnapshotSources {
            registry: &s.metrics,
            stages: &s.stats,
            breaker_states: s.breaker_states(),
            limiter_rate: s.limiter_rate(),
            redis_fallbacks: s.redis_fallbacks(),
            coalesced: s.coalesced(),
            stale_served: s.stale_served(),
            transport: &inner.transport,
            host: &inner.cfg.base.host,
            auth: AuthMetrics {
                token_fetches: auth.fetches.load(Relaxed),
                fetch_failures: auth.failures.load(Relaxed),
                rejected: auth.rejected.load(Relaxed),
                seconds_to_refresh: inner.auth.time_to_refresh().map(|d| d.as_secs_f64()),
            },
            read_cache: inner.read_cache.as_ref().map(ReadCache::counts),
        })
    }

    /// Drop entries of the fresh-read cache ([`ClientBuilder::read_cache`]) of this
    /// client's API origin: those of `family` (a name as
    /// [`family_of`](crate::resilience::family_of) returns it, e.g. `"networks"`) for every
    /// client id, or every entry of the shared cache when `None`. For changes made
    /// elsewhere (another process, the Admin portal). Does nothing without a read cache
    /// on this client's transport. Thread-safe; sends nothing.
    pub fn invalidate_read_cache(&self, family: Option<&str>) {
        let Some(shared) = self.inner.transport.existing_read_cache() else {
            return;
        };
        match family {
            Some(f) => shared.invalidate(&crate::resilience::read_cache::family_key(
                &self.inner.cfg.base.origin,
                f,
            )),
            None => shared.clear(),
        }
    }

    /// The transport (pool, DNS cache) this client uses; pass it to other builders to share it.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The API base URL in use (e.g. `https://acme.api.openvpn.com`).
    pub fn api_url(&self) -> &str {
        &self.inner.cfg.base.origin
    }

    /// A raw request to `path` below the API prefix (e.g. `/networks`), through the same
    /// pipeline as the typed methods: for endpoints this version does not know yet.
    pub fn request(&self, method: Method, path: &str) -> RawRequest<'_> {
        let error = check_raw_path(path).err();
        RawRequest {
            client: self,
            call: Call::new("raw", method, path),
            error,
        }
    }

    /// Run a call through the pipeline; `Ok` only for 2xx.
    pub(crate) fn execute(&self, call: &Call) -> Result<HttpResponse> {
        crate::pipeline::execute(&self.inner, call)
    }

    /// Run a call and decode its JSON body.
    pub(crate) fn call_json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let resp = self.execute(&call)?;
        decode_json(call.op, &resp.body)
    }

    /// Run a call and return its body as text.
    pub(crate) fn call_text(&self, call: Call) -> Result<String> {
        let resp = self.execute(&call)?;
        String::from_utf8(resp.body)
            .map_err(|_| Error::new(ErrorKind::Decode, format!("{}: body is not UTF-8", call.op)))
    }

    /// Run a call and ignore its body.
    pub(crate) fn call_unit(&self, call: Call) -> Result<()> {
        self.execute(&call).map(|_| ())
    }
}

impl ClientBuilder {
    /// Validate every setting and build the client. Fails with `InvalidInput` naming
    /// the first bad setting; never panics.
    pub fn build(self) -> Result<Client> {
        let (cfg, transport, clock) = self.into_parts()?;
        Client::from_parts(cfg, transport, clock)
    }
}

fn decode_json<T: DeserializeOwned>(op: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let excerpt: String = String::from_utf8_lossy(body).chars().take(120).collect();
        Error::new(
            ErrorKind::Decode,
            format!("{op}: cannot decode response ({e}); body starts {excerpt:?}"),
        )
    })
}

fn check_raw_path(path: &str) -> Result<()> {
    if !path.starts_with('/') {
        return Err(Error::invalid(format!("raw path {path:?} must start with '/'")));
    }
    if path.contains(['?', '#']) || path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid(
            "raw path must not contain '?', '#', spaces or control characters; use .query()",
        ));
    }
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Err(Error::invalid("raw path must not contain '.' or '..' segments"));
    }
    Ok(())
}

/// A request built by [`Client::request`].
#[must_use = "a RawRequest does nothing until send() is called"]
pub struct RawRequest<'a> {
    client: &'a Client,
    call: Call,
    error: Option<Error>,
}

impl RawRequest<'_> {
    /// Add a query parameter (encoded for you).
    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.call = self.call.query(key, value);
        self
    }

    /// Send `body` as JSON.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        match self.call.clone().json(body) {
            Ok(c) => self.call = c,
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Send bare text (`text/plain`).
    pub fn text(mut self, body: impl Into<String>) -> Self {
        self.call = self.call.text(body);
        self
    }

    /// Run it. `Ok` for 2xx; other statuses are `ErrorKind::Http`.
    pub fn send(self) -> Result<RawResponse> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let r = self.client.execute(&self.call)?;
        Ok(RawResponse {
            status: r.status,
            headers: r.headers,
            body: r.body,
        })
    }
}

/// The answer to a raw request.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status (2xx: other statuses are `ErrorKind::Http` errors).
    pub status: u16,
    /// Selected headers (content type, rate-limit headers, Retry-After), lower-case names.
    pub headers: Vec<(String, String)>,
    /// The whole body (within `max_response_bytes`).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Decode the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json("raw", &self.body)
    }

    /// The body as text.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body).map_err(|_| Error::new(ErrorKind::Decode, "body is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_paths() {
        assert!(check_raw_path("/networks").is_ok());
        for bad in ["networks", "/a?b", "/a/../b", "/a b", "/a#x"] {
            assert!(check_raw_path(bad).is_err(), "{bad}");
        }
    }
}
