//! OAuth2 client credentials: the token is fetched once, cached, refreshed a
//! margin before it expires, and refreshed by exactly one thread at a time
//! (single flight) however many callers need it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parking_lot::{Mutex, RwLock};
use serde::Deserialize;

use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{RequestEvent, RequestHook};
use crate::metrics::Metrics;
use crate::request::Method;
use crate::resilience::Clock;
use crate::secret::Secret;
use crate::trace::{TraceContext, new_span_id, span_hex};
use crate::transport::{HeaderValue, HttpRequest, Transport};
use ureq::http::header;

/// A header value that `Debug` never prints.
fn sensitive(v: &str) -> Result<HeaderValue> {
    let mut h = HeaderValue::from_str(v).map_err(|_| Error::invalid("credential is not a valid header value"))?;
    h.set_sensitive(true);
    Ok(h)
}

/// Where a token request is reported: the client's metrics, and the trace and hook of the
/// call that needed the token (a token request is part of that call's trace).
pub(crate) struct TokenObserver<'a> {
    pub metrics: &'a Metrics,
    pub trace: &'a TraceContext,
    pub hook: Option<&'a RequestHook>,
}

/// Operation name of the token request in metrics, logs and hook events.
const OPERATION: &str = "requestToken";

/// Counters of the token manager.
#[derive(Debug, Default)]
pub struct AuthStats {
    /// Token requests sent.
    pub fetches: AtomicU64,
    /// Token requests that failed.
    pub failures: AtomicU64,
    /// Tokens dropped because the server answered 401.
    pub rejected: AtomicU64,
}

#[derive(Clone)]
struct Token {
    /// `Bearer <token>`, marked sensitive; cloning it is a reference count.
    bearer: HeaderValue,
    /// When to stop using it (expiry minus the refresh margin), ns on the manager's clock.
    refresh_at: u64,
    generation: u64,
}

/// The client's token: cached, refreshed on the client's clock.
pub(crate) struct TokenManager {
    /// The client's clock: expiry and the early refresh are read on it.
    clock: Arc<dyn Clock>,
    current: RwLock<Option<Token>>,
    refresh: Mutex<u64>,
    pub stats: AuthStats,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

/// Lifetime when the server does not say (conservative).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

impl TokenManager {
    /// No token yet; expiry is read on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> TokenManager {
        TokenManager {
            clock,
            current: RwLock::new(None),
            refresh: Mutex::new(0),
            stats: AuthStats::default(),
        }
    }

    /// A valid token and its generation (for [`invalidate`](Self::invalidate)).
    /// When a new token is needed, the request is sent by this caller, in its trace
    /// (callers that wait for it meanwhile are not reported again). `deadline` bounds
    /// the token request in real time (see [`Deadline::instant`](crate::resilience::clock)).
    pub fn token(
        &self,
        cfg: &ClientConfig,
        transport: &Transport,
        observer: &TokenObserver<'_>,
        deadline: Instant,
    ) -> Result<(HeaderValue, u64)> {
        self.get(cfg.token_refresh_margin, || {
            self.fetch(cfg, transport, observer, deadline)
        })
    }

    /// The cached token while the clock is before its refresh point, else the one
    /// `fetch` returns (with its lifetime), fetched by one caller at a time: callers
    /// that queue behind it find the new token and do not fetch again. The token is
    /// refreshed `margin` before it expires, at most half its lifetime early.
    fn get(
        &self,
        margin: Duration,
        fetch: impl FnOnce() -> Result<(HeaderValue, Duration)>,
    ) -> Result<(HeaderValue, u64)> {
        let valid = |t: &&Token| t.refresh_at > self.clock.now_nanos();
        if let Some(t) = self.current.read().as_ref().filter(valid) {
            return Ok((t.bearer.clone(), t.generation));
        }
        // one refresher; the others wait here and then find the new token
        let mut generation = self.refresh.lock();
        if let Some(t) = self.current.read().as_ref().filter(valid) {
            return Ok((t.bearer.clone(), t.generation));
        }
        let (bearer, lifetime) = fetch()?;
        let margin = margin.min(lifetime / 2);
        *generation += 1;
        let token = Token {
            bearer: bearer.clone(),
            // from the answer's arrival: the lifetime counts from when it was issued
            refresh_at: self
                .clock
                .now_nanos()
                .saturating_add((lifetime - margin).as_nanos() as u64),
            generation: *generation,
        };
        *self.current.write() = Some(token);
        Ok((bearer, *generation))
    }

    /// Drop the token of `generation` after a 401, so the next call fetches a new one.
    pub fn invalidate(&self, generation: u64) {
        let mut cur = self.current.write();
        if cur.as_ref().is_some_and(|t| t.generation == generation) {
            *cur = None;
            self.stats.rejected.fetch_add(1, Relaxed);
        }
    }

    /// Time left before the cached token is refreshed (`None` if there is none).
    pub fn time_to_refresh(&self) -> Option<Duration> {
        self.current
            .read()
            .as_ref()
            .map(|t| Duration::from_nanos(t.refresh_at.saturating_sub(self.clock.now_nanos())))
    }

    fn fetch(
        &self,
        cfg: &ClientConfig,
        transport: &Transport,
        observer: &TokenObserver<'_>,
        deadline: Instant,
    ) -> Result<(HeaderValue, Duration)> {
        self.stats.fetches.fetch_add(1, Relaxed);
        // a latency for metrics and the hook: real time, like every request's
        let started = Instant::now();
        let span = new_span_id();
        let r = crate::trace::traceparent(observer.trace, &span)
            .and_then(|tp| self.fetch_once(cfg, transport, tp, deadline));
        let status = match &r {
            Ok(_) => Some(200),
            Err(e) => e.status(),
        };
        let latency = started.elapsed();
        let m = observer.metrics;
        m.record_request(OPERATION, Method::Post, status);
        m.record_call(OPERATION, r.as_ref().err().map(|e| e.kind()), latency);
        if let Some(hook) = observer.hook {
            hook(&RequestEvent {
                operation: OPERATION,
                method: Method::Post,
                attempt: 1,
                status,
                error: r.as_ref().err(),
                latency,
                trace_id: observer.trace.trace_id_hex(),
                span_id: span_hex(&span),
            });
        }
        match &r {
            Ok((_, lifetime)) => log::debug!(target: "cloudconnexa", "new token, valid {} s", lifetime.as_secs()),
            Err(e) => {
                self.stats.failures.fetch_add(1, Relaxed);
                log::warn!(target: "cloudconnexa", "token request failed: {e}");
            }
        }
        r
    }

    fn fetch_once(
        &self,
        cfg: &ClientConfig,
        transport: &Transport,
        traceparent: HeaderValue,
        deadline: Instant,
    ) -> Result<(HeaderValue, Duration)> {
        let basic = Secret::new(format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", cfg.client_id, cfg.client_secret.expose()))
        ));
        let url = cfg.token_url();
        let req = HttpRequest {
            method: Method::Post,
            url: &url,
            headers: vec![
                (header::AUTHORIZATION, sensitive(basic.expose())?),
                (header::ACCEPT, HeaderValue::from_static("application/json")),
                (header::USER_AGENT, cfg.user_agent.clone()),
                (crate::trace::TRACEPARENT, traceparent),
            ],
            body: Some((b"grant_type=client_credentials", "application/x-www-form-urlencoded")),
            read_timeout: cfg.read_timeout,
            deadline,
            max_body: 1 << 20,
            fresh_connection: false,
        };
        let _permit = transport.permit(&cfg.base.host, deadline)?;
        // No HTTP status: keep the transport's kind (a bad certificate must not look retryable).
        let resp = transport.send(&req).map_err(|e| e.context("token request"))?;
        if !(200..300).contains(&resp.status) {
            let retry_after = resp.header("retry-after").and_then(crate::error::parse_retry_after);
            return Err(Error::new(
                ErrorKind::Auth { status: resp.status },
                format!("token endpoint answered HTTP {}", resp.status),
            )
            .with_retry_after(retry_after));
        }
        parse_token(resp.status, &resp.body)
    }
}

/// The bearer header and lifetime of a successful token answer: `expires_in` seconds
/// (a number or a numeric string), [`DEFAULT_LIFETIME`] when missing, zero or unusable,
/// at most 366 days.
fn parse_token(status: u16, body: &[u8]) -> Result<(HeaderValue, Duration)> {
    let unusable = |msg: String| Error::new(ErrorKind::Auth { status }, msg);
    let parsed: TokenResponse =
        serde_json::from_slice(body).map_err(|e| unusable(format!("token response is not JSON: {e}")))?;
    let no_token = || unusable("token response has no usable access_token".into());
    let token = parsed
        .access_token
        .filter(|t| !t.is_empty() && !t.chars().any(|c| c.is_control() || c == ' '))
        .ok_or_else(no_token)?;
    let lifetime = match parsed.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64().map(Duration::from_secs),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok().map(Duration::from_secs),
        _ => None,
    }
    .filter(|d| !d.is_zero())
    .unwrap_or(DEFAULT_LIFETIME)
    .min(Duration::from_secs(366 * 24 * 3600));
    let bearer = sensitive(&format!("Bearer {token}")).map_err(|_| no_token())?;
    Ok((bearer, lifetime))
}

#[cfg(test)]
mod tests {
    //! The token cache on the manual clock: nothing here waits for real time.
    use super::*;
    use crate::resilience::ManualClock;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Barrier, Condvar as StdCondvar, Mutex as StdMutex};

    const MARGIN: Duration = Duration::from_secs(60);

    fn manager() -> (Arc<ManualClock>, TokenManager) {
        let clock = ManualClock::new();
        (clock.clone(), TokenManager::new(clock))
    }

    /// A fetch that counts its calls and hands out `Bearer t<n>` living `lifetime`.
    fn fetcher(fetches: &AtomicUsize, lifetime: Duration) -> impl FnOnce() -> Result<(HeaderValue, Duration)> + '_ {
        move || {
            let n = fetches.fetch_add(1, Relaxed) + 1;
            Ok((sensitive(&format!("Bearer t{n}")).unwrap(), lifetime))
        }
    }

    fn bearer(v: &HeaderValue) -> &str {
        v.to_str().unwrap()
    }

    #[test]
    fn the_token_is_refreshed_a_margin_before_it_expires() {
        let (clock, m) = manager();
        let fetches = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        let (t, g) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        assert_eq!((bearer(&t), g), ("Bearer t1", 1));
        assert_eq!(m.time_to_refresh(), Some(hour - MARGIN));
        // one nanosecond before the refresh point: still the cached token
        clock.advance(hour - MARGIN - Duration::from_nanos(1));
        let (t, g) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        assert_eq!((bearer(&t), g, fetches.load(Relaxed)), ("Bearer t1", 1, 1));
        assert_eq!(m.time_to_refresh(), Some(Duration::from_nanos(1)));
        // at the refresh point, a margin before the server's expiry: a new token
        clock.advance(Duration::from_nanos(1));
        assert_eq!(m.time_to_refresh(), Some(Duration::ZERO));
        let (t, g) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        assert_eq!((bearer(&t), g, fetches.load(Relaxed)), ("Bearer t2", 2, 2));
        assert_eq!(m.time_to_refresh(), Some(hour - MARGIN), "counted from the new token");
    }

    #[test]
    fn a_short_lived_token_is_refreshed_at_half_its_life_and_never_used_expired() {
        let (clock, m) = manager();
        let fetches = AtomicUsize::new(0);
        // 100 s with a 60 s margin: the margin is capped at half the lifetime
        let life = Duration::from_secs(100);
        m.get(MARGIN, fetcher(&fetches, life)).unwrap();
        assert_eq!(m.time_to_refresh(), Some(Duration::from_secs(50)));
        clock.advance(Duration::from_secs(49));
        m.get(MARGIN, fetcher(&fetches, life)).unwrap();
        assert_eq!(fetches.load(Relaxed), 1);
        // long past the expiry (a client idle for hours): fetched again, not reused
        clock.advance(Duration::from_secs(10_000));
        let (t, _) = m.get(MARGIN, fetcher(&fetches, life)).unwrap();
        assert_eq!((bearer(&t), fetches.load(Relaxed)), ("Bearer t2", 2));
    }

    #[test]
    fn a_failed_fetch_caches_nothing_and_the_next_call_fetches_again() {
        let (_clock, m) = manager();
        let e = m
            .get(MARGIN, || Err(Error::new(ErrorKind::Auth { status: 503 }, "down")))
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Auth { status: 503 });
        assert_eq!(m.time_to_refresh(), None);
        let fetches = AtomicUsize::new(0);
        let (_, g) = m.get(MARGIN, fetcher(&fetches, Duration::from_secs(3600))).unwrap();
        assert_eq!((g, fetches.load(Relaxed)), (1, 1));
    }

    #[test]
    fn a_401_drops_only_the_rejected_generation() {
        let (_clock, m) = manager();
        let fetches = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        let (_, g1) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        // the server rejects token 1 although the clock says it is valid: refetch
        m.invalidate(g1);
        assert_eq!(m.time_to_refresh(), None);
        let (t, g2) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        assert_eq!((bearer(&t), g2, fetches.load(Relaxed)), ("Bearer t2", 2, 2));
        // a late 401 for token 1 (a request that was in flight) leaves token 2 alone
        m.invalidate(g1);
        let (t, _) = m.get(MARGIN, fetcher(&fetches, hour)).unwrap();
        assert_eq!((bearer(&t), fetches.load(Relaxed)), ("Bearer t2", 2));
        assert_eq!(m.stats.rejected.load(Relaxed), 1, "one token dropped, once");
    }

    #[test]
    fn concurrent_callers_fetch_once() {
        const N: usize = 16;
        let (_clock, m) = manager();
        let fetches = AtomicUsize::new(0);
        // the fetching caller holds its answer until every caller has asked for a token;
        // the others queue behind it and then find its token
        let arrived = StdMutex::new(0usize);
        let all_arrived = StdCondvar::new();
        let barrier = Barrier::new(N);
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..N)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        {
                            *arrived.lock().unwrap() += 1;
                            all_arrived.notify_all();
                        }
                        m.get(MARGIN, || {
                            let mut n = arrived.lock().unwrap();
                            while *n < N {
                                n = all_arrived.wait(n).unwrap();
                            }
                            drop(n);
                            fetcher(&fetches, Duration::from_secs(3600))()
                        })
                        .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(fetches.load(Relaxed), 1);
        for (t, g) in &results {
            assert_eq!((bearer(t), *g), ("Bearer t1", 1));
        }
    }

    #[test]
    fn token_answers_are_parsed_strictly() {
        let ok = |body: &str| parse_token(200, body.as_bytes()).map(|(b, d)| (b.to_str().unwrap().to_string(), d));
        let secs = Duration::from_secs;
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":120}"#).unwrap(),
            ("Bearer a".into(), secs(120))
        );
        assert_eq!(ok(r#"{"access_token":"a","expires_in":" 90 "}"#).unwrap().1, secs(90));
        assert_eq!(ok(r#"{"access_token":"a"}"#).unwrap().1, DEFAULT_LIFETIME);
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":0}"#).unwrap().1,
            DEFAULT_LIFETIME
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":-5}"#).unwrap().1,
            DEFAULT_LIFETIME
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":99999999999}"#).unwrap().1,
            secs(366 * 24 * 3600)
        );
        for bad in [
            r#"{"expires_in":60}"#,
            r#"{"access_token":""}"#,
            r#"{"access_token":"a b"}"#,
            "<html>",
        ] {
            let e = ok(bad).unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::Auth { status: 200 }, "{bad}");
        }
        assert!(
            sensitive("Bearer x").unwrap().is_sensitive(),
            "the header is marked sensitive"
        );
    }
}
