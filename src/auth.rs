//! OAuth2 client credentials: the token is fetched once, cached, refreshed in the
//! background a margin before it expires while callers go on using it, and requested
//! by one thread at a time (single flight) however many callers need it. Callers that
//! must wait for a token (none yet, expired, rejected) wait within their own deadline
//! and cancellation; no lock is held across the request or the hook.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parking_lot::{Condvar, Mutex};
use serde::Deserialize;

use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
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
    /// From here on a new token is requested in the background (expiry minus the refresh
    /// margin), ns on the manager's clock.
    refresh_at: u64,
    /// From here on the token is not used (the server's expiry minus a safety of at most
    /// 5 s), ns on the manager's clock.
    expires_at: u64,
    generation: u64,
}

/// Where tokens come from: one token request, and its report (metrics, log, hook) once its
/// outcome is published to the callers.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Send one token request, in the trace of the call that needed it.
    fn request(&self, trace: &TraceContext, span: &[u8; 8]) -> Result<(HeaderValue, Duration)>;
    /// Record a finished request (metrics, log) before its outcome is published, so a
    /// caller that got it finds it recorded.
    fn record(&self, _trace: &TraceContext, _outcome: &Result<(HeaderValue, Duration)>, _latency: Duration) {}
    /// Report a finished request to the user's hook, after its outcome is published.
    /// Called with no lock held: the hook may call the client.
    fn report(
        &self,
        _trace: &TraceContext,
        _span: &[u8; 8],
        _outcome: &Result<(HeaderValue, Duration)>,
        _latency: Duration,
    ) {
    }
}

#[derive(Default)]
struct State {
    current: Option<Token>,
    /// The token request in flight, by number.
    in_flight: Option<u64>,
    /// Token requests started so far (the last one's number).
    flights: u64,
    /// The last finished request, when it failed: its number and error.
    failed: Option<(u64, Error)>,
    /// No early refresh before this (ns on the clock): set when one failed.
    ahead_not_before: u64,
    /// Callers waiting for a token request (a rendezvous for tests).
    #[cfg(test)]
    waiting: usize,
}

struct Shared {
    /// The client's clock: expiry and the early refresh are read on it.
    clock: Arc<dyn Clock>,
    margin: Duration,
    state: Mutex<State>,
    /// Signalled when a token request finishes.
    finished: Condvar,
    stats: AuthStats,
}

/// The client's token: cached, refreshed on the client's clock, requested by one
/// background thread at a time (single flight). No lock is held across the token request
/// or its report; callers that must wait for a token wait within their own deadline and
/// cancellation, and callers that hold a still-valid token never wait for its refresh.
pub(crate) struct TokenManager {
    shared: Arc<Shared>,
    source: Arc<dyn TokenSource>,
    /// The last token thread started, with its request's number (see `Drop`).
    last: Mutex<Option<(u64, std::thread::JoinHandle<()>)>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

/// Lifetime when the server does not say (conservative).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// After a failed early refresh, the next one waits this long (the token still works).
const AHEAD_RETRY: Duration = Duration::from_secs(2);

/// How often a caller waiting for a token looks at its cancel token.
const CANCEL_POLL: Duration = Duration::from_millis(10);

impl TokenManager {
    /// No token yet; expiry is read on `clock`; tokens are refreshed `margin` before they
    /// expire (at most half their lifetime early); `source` requests them.
    pub fn new(clock: Arc<dyn Clock>, margin: Duration, source: Arc<dyn TokenSource>) -> TokenManager {
        TokenManager {
            shared: Arc::new(Shared {
                clock,
                margin,
                state: Mutex::new(State::default()),
                finished: Condvar::new(),
                stats: AuthStats::default(),
            }),
            source,
            last: Mutex::new(None),
        }
    }

    /// The counters.
    pub fn stats(&self) -> &AuthStats {
        &self.shared.stats
    }

    /// A valid token and its generation (for [`invalidate`](Self::invalidate)).
    ///
    /// - Before its refresh point, the cached token.
    /// - Between the refresh point and expiry, still the cached token; the first caller
    ///   there starts one token request in the background (single flight).
    /// - Without a usable token (none yet, expired or rejected), the caller waits for the
    ///   token request in flight, starting one if there is none, until `deadline` (real
    ///   time) or the cancellation of its call; a request that fails fails the callers
    ///   that waited for it.
    ///
    /// A token request runs in the trace of the call that started it.
    pub fn token(&self, trace: &TraceContext, deadline: Instant) -> Result<(HeaderValue, u64)> {
        let sh = &*self.shared;
        let mut st = sh.state.lock();
        loop {
            let now = sh.clock.now_nanos();
            if let Some(t) = &st.current {
                if now < t.refresh_at {
                    return Ok((t.bearer.clone(), t.generation));
                }
                if now < t.expires_at {
                    let t = t.clone();
                    if st.in_flight.is_none() && now >= st.ahead_not_before {
                        self.start(&mut st, *trace);
                    }
                    return Ok((t.bearer, t.generation));
                }
            }
            let flight = match st.in_flight {
                Some(f) => f,
                None => self.start(&mut st, *trace),
            };
            #[cfg(test)]
            {
                st.waiting += 1;
            }
            let waited = Self::wait_for(sh, &mut st, flight, deadline);
            #[cfg(test)]
            {
                st.waiting -= 1;
            }
            waited?;
            if let Some((f, e)) = &st.failed
                && *f == flight
            {
                return Err(e.clone());
            }
        }
    }

    /// Wait until token request `flight` has finished, within `deadline` and the call's
    /// cancellation (looked at every [`CANCEL_POLL`]).
    fn wait_for(
        sh: &Shared,
        st: &mut parking_lot::MutexGuard<'_, State>,
        flight: u64,
        deadline: Instant,
    ) -> Result<()> {
        let since = Instant::now();
        while st.in_flight == Some(flight) {
            crate::cancel::check()?;
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    ErrorKind::Timeout(TimeoutPhase::Call),
                    format!(
                        "the call deadline passed after waiting {:.3} s for a new token (the token request is still running)",
                        now.duration_since(since).as_secs_f64()
                    ),
                ));
            }
            let _ = sh.finished.wait_until(st, deadline.min(now + CANCEL_POLL));
        }
        Ok(())
    }

    /// Start the next token request on its own thread; its number.
    fn start(&self, st: &mut State, trace: TraceContext) -> u64 {
        st.flights += 1;
        let n = st.flights;
        st.in_flight = Some(n);
        self.shared.stats.fetches.fetch_add(1, Relaxed);
        let (shared, source) = (self.shared.clone(), self.source.clone());
        let run = move || {
            let span = new_span_id();
            let started = Instant::now();
            let r = source.request(&trace, &span);
            let latency = started.elapsed();
            source.record(&trace, &r, latency);
            shared.finish(n, r.clone());
            source.report(&trace, &span, &r, latency);
        };
        match std::thread::Builder::new().name("ccx-token".into()).spawn(run) {
            // an earlier thread's handle is dropped: that thread has published (this flight
            // could not start otherwise) and ends on its own
            Ok(handle) => *self.last.lock() = Some((n, handle)),
            Err(e) => {
                self.shared.stats.failures.fetch_add(1, Relaxed);
                st.in_flight = None;
                st.failed = Some((
                    n,
                    Error::new(ErrorKind::Io, format!("cannot start the token request: {e}")),
                ));
            }
        }
        n
    }

    /// Drop the token of `generation` after a 401, so the next call fetches a new one.
    pub fn invalidate(&self, generation: u64) {
        let mut st = self.shared.state.lock();
        if st.current.as_ref().is_some_and(|t| t.generation == generation) {
            st.current = None;
            self.shared.stats.rejected.fetch_add(1, Relaxed);
        }
    }

    /// Time left before the cached token is refreshed (`None` if there is none).
    pub fn time_to_refresh(&self) -> Option<Duration> {
        let now = self.shared.clock.now_nanos();
        self.shared
            .state
            .lock()
            .current
            .as_ref()
            .map(|t| Duration::from_nanos(t.refresh_at.saturating_sub(now)))
    }
}

impl Drop for TokenManager {
    /// When the client goes, a token thread that has published its outcome is only
    /// reporting it (metrics, log, the request hook): wait for that bounded tail, so no
    /// thread of the library outlives the client (a C program that frees its client and
    /// exits leaves nothing running for valgrind to find). A request still on the wire is
    /// not waited for: it ends on its own within `call_timeout`. Never waits for itself
    /// (the hook may hold the last handle of the client and drop it).
    fn drop(&mut self) {
        let Some((n, handle)) = self.last.get_mut().take() else {
            return;
        };
        let published = self.shared.state.lock().in_flight != Some(n);
        if published && handle.thread().id() != std::thread::current().id() {
            let _ = handle.join();
        }
    }
}

impl Shared {
    /// Publish the outcome of token request `n` and wake the callers waiting for it.
    fn finish(&self, n: u64, r: Result<(HeaderValue, Duration)>) {
        let now = self.clock.now_nanos();
        let mut st = self.state.lock();
        st.in_flight = None;
        match r {
            Ok((bearer, lifetime)) => {
                let margin = self.margin.min(lifetime / 2);
                let safety = Duration::from_secs(5).min(lifetime / 10);
                // from the answer's arrival: the lifetime counts from when it was issued
                let at = |d: Duration| now.saturating_add(d.as_nanos() as u64);
                st.current = Some(Token {
                    bearer,
                    refresh_at: at(lifetime - margin),
                    expires_at: at(lifetime - safety),
                    generation: n,
                });
                st.failed = None;
            }
            Err(e) => {
                self.stats.failures.fetch_add(1, Relaxed);
                st.ahead_not_before = now.saturating_add(AHEAD_RETRY.as_nanos() as u64);
                st.failed = Some((n, e));
            }
        }
        drop(st);
        self.finished.notify_all();
    }
}

/// The token endpoint of a client over its transport, reported in its metrics and hook.
pub(crate) struct HttpTokenSource {
    pub cfg: ClientConfig,
    pub transport: Transport,
    pub metrics: Arc<Metrics>,
    pub hook: Option<RequestHook>,
}

impl TokenSource for HttpTokenSource {
    fn request(&self, trace: &TraceContext, span: &[u8; 8]) -> Result<(HeaderValue, Duration)> {
        // no caller's deadline or cancellation: other callers may be waiting for this token
        let deadline = Instant::now() + self.cfg.call_timeout;
        crate::trace::traceparent(trace, span).and_then(|tp| self.fetch_once(tp, deadline))
    }

    fn record(&self, trace: &TraceContext, r: &Result<(HeaderValue, Duration)>, latency: Duration) {
        self.metrics.record_request(OPERATION, Method::Post, status_of(r));
        self.metrics
            .record_call(OPERATION, r.as_ref().err().map(|e| e.kind()), latency);
        // on the token thread: the trace id ties the line to the call that needed the token
        let trace_id = trace.trace_id_hex();
        match r {
            Ok((_, lifetime)) => {
                log::debug!(target: "cloudconnexa", "new token, valid {} s (trace {trace_id})", lifetime.as_secs())
            }
            Err(e) => log::warn!(target: "cloudconnexa", "token request failed (trace {trace_id}): {e}"),
        }
    }

    fn report(&self, trace: &TraceContext, span: &[u8; 8], r: &Result<(HeaderValue, Duration)>, latency: Duration) {
        let status = status_of(r);
        if let Some(hook) = &self.hook {
            hook(&RequestEvent {
                operation: OPERATION,
                method: Method::Post,
                attempt: 1,
                status,
                error: r.as_ref().err(),
                latency,
                trace_id: trace.trace_id_hex(),
                span_id: span_hex(span),
            });
        }
    }
}

/// The HTTP status of a token request's outcome, when it has one.
fn status_of(r: &Result<(HeaderValue, Duration)>) -> Option<u16> {
    match r {
        Ok(_) => Some(200),
        Err(e) => e.status(),
    }
}

impl HttpTokenSource {
    fn fetch_once(&self, traceparent: HeaderValue, deadline: Instant) -> Result<(HeaderValue, Duration)> {
        let (cfg, transport) = (&self.cfg, &self.transport);
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
            head_timeout: cfg.response_head_timeout,
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
        parse_token(resp.status, resp.header("content-type"), &resp.body)
    }
}

/// The bearer header and lifetime of a successful token answer: `expires_in` seconds
/// (a number or a numeric string), [`DEFAULT_LIFETIME`] when missing, zero or unusable,
/// at most 366 days.
fn parse_token(status: u16, content_type: Option<&str>, body: &[u8]) -> Result<(HeaderValue, Duration)> {
    let unusable = |msg: String| Error::new(ErrorKind::Auth { status }, msg);
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        let excerpt: String = String::from_utf8_lossy(body).chars().take(60).collect();
        unusable(format!(
            "the token endpoint's answer is not JSON ({}, {} bytes, starting {excerpt:?}; {e}): \
             is the API URL the tenant's API, e.g. https://<tenant>.api.openvpn.com?",
            content_type.unwrap_or("no Content-Type"),
            body.len()
        ))
    })?;
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
    //! The token cache on the manual clock, with a scripted token source on its background
    //! thread: rendezvous on the source's gate, never on elapsed time.
    use super::*;
    use crate::resilience::ManualClock;
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    const MARGIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    /// Hands out `Bearer t<n>` living `lifetime`, or fails while `fail` is set; each
    /// request first waits until the gate is open.
    struct Scripted {
        lifetime: Duration,
        fetches: AtomicUsize,
        fail: AtomicBool,
        open: std::sync::Mutex<bool>,
        opened: std::sync::Condvar,
    }

    impl Scripted {
        fn new(lifetime: Duration) -> Arc<Scripted> {
            Arc::new(Scripted {
                lifetime,
                fetches: AtomicUsize::new(0),
                fail: AtomicBool::new(false),
                open: std::sync::Mutex::new(true),
                opened: std::sync::Condvar::new(),
            })
        }
        fn gate(&self, open: bool) {
            *self.open.lock().unwrap() = open;
            self.opened.notify_all();
        }
        fn fetches(&self) -> usize {
            self.fetches.load(Relaxed)
        }
    }

    impl TokenSource for Scripted {
        fn request(&self, _: &TraceContext, _: &[u8; 8]) -> Result<(HeaderValue, Duration)> {
            let mut open = self.open.lock().unwrap();
            while !*open {
                open = self.opened.wait(open).unwrap();
            }
            let n = self.fetches.fetch_add(1, Relaxed) + 1;
            if self.fail.load(Relaxed) {
                return Err(Error::new(ErrorKind::Auth { status: 503 }, "down"));
            }
            Ok((sensitive(&format!("Bearer t{n}")).unwrap(), self.lifetime))
        }
    }

    fn manager(lifetime: Duration) -> (Arc<ManualClock>, Arc<Scripted>, TokenManager) {
        let clock = ManualClock::new();
        let source = Scripted::new(lifetime);
        let m = TokenManager::new(clock.clone(), MARGIN, source.clone());
        (clock, source, m)
    }

    fn far() -> Instant {
        Instant::now() + HOUR
    }

    fn get(m: &TokenManager) -> Result<(String, u64)> {
        m.token(&TraceContext::new_random(), far())
            .map(|(t, g)| (t.to_str().unwrap().to_string(), g))
    }

    impl TokenManager {
        /// Wait until no token request is in flight (the background one has published).
        fn settle(&self) {
            let mut st = self.shared.state.lock();
            while st.in_flight.is_some() {
                self.shared.finished.wait(&mut st);
            }
        }
        fn waiting(&self) -> usize {
            self.shared.state.lock().waiting
        }
    }

    #[test]
    fn the_token_is_refreshed_in_the_background_a_margin_before_it_expires() {
        let (clock, source, m) = manager(HOUR);
        assert_eq!(get(&m).unwrap(), ("Bearer t1".into(), 1));
        assert_eq!(m.time_to_refresh(), Some(HOUR - MARGIN));
        // one nanosecond before the refresh point: the cached token, no request
        clock.advance(HOUR - MARGIN - Duration::from_nanos(1));
        assert_eq!(get(&m).unwrap(), ("Bearer t1".into(), 1));
        assert_eq!(
            (source.fetches(), m.time_to_refresh()),
            (1, Some(Duration::from_nanos(1)))
        );
        // at the refresh point: still the valid token, and a request in the background
        clock.advance(Duration::from_nanos(1));
        assert_eq!(get(&m).unwrap(), ("Bearer t1".into(), 1));
        m.settle();
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
        assert_eq!(source.fetches(), 2);
        assert_eq!(m.time_to_refresh(), Some(HOUR - MARGIN), "counted from the new token");
    }

    #[test]
    fn the_early_refresh_blocks_no_caller_and_is_single_flight() {
        let (clock, source, m) = manager(HOUR);
        get(&m).unwrap();
        // the token endpoint hangs from now on
        source.gate(false);
        clock.advance(HOUR - MARGIN);
        // 16 callers past the refresh point: each gets the valid token at once, while the
        // one refresh they started waits at the gate
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| assert_eq!(get(&m).unwrap(), ("Bearer t1".into(), 1)));
            }
        });
        assert_eq!(m.stats().fetches.load(Relaxed), 2, "one refresh for 16 callers");
        source.gate(true);
        m.settle();
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
    }

    #[test]
    fn a_failed_early_refresh_keeps_the_token_and_waits_before_the_next() {
        let (clock, source, m) = manager(HOUR);
        get(&m).unwrap();
        source.fail.store(true, Relaxed);
        clock.advance(HOUR - MARGIN);
        assert_eq!(get(&m).unwrap().0, "Bearer t1");
        m.settle();
        // the failure is not the callers' problem while the token is valid, and it is not
        // asked for again on every call
        assert_eq!(get(&m).unwrap().0, "Bearer t1");
        assert_eq!((source.fetches(), m.stats().failures.load(Relaxed)), (2, 1));
        source.fail.store(false, Relaxed);
        clock.advance(AHEAD_RETRY);
        assert_eq!(get(&m).unwrap().0, "Bearer t1");
        m.settle();
        assert_eq!(get(&m).unwrap(), ("Bearer t3".into(), 3));
    }

    #[test]
    fn a_short_lived_token_is_refreshed_at_half_its_life_and_never_used_expired() {
        let (clock, source, m) = manager(Duration::from_secs(100));
        // 100 s with a 60 s margin: the margin is capped at half the lifetime
        get(&m).unwrap();
        assert_eq!(m.time_to_refresh(), Some(Duration::from_secs(50)));
        clock.advance(Duration::from_secs(49));
        get(&m).unwrap();
        assert_eq!(source.fetches(), 1);
        // long past the expiry (a client idle for hours): the caller waits for a new one
        clock.advance(Duration::from_secs(10_000));
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
        assert_eq!(source.fetches(), 2);
    }

    #[test]
    fn a_failed_fetch_fails_its_waiters_caches_nothing_and_the_next_call_fetches_again() {
        let (_clock, source, m) = manager(HOUR);
        source.fail.store(true, Relaxed);
        let e = get(&m).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Auth { status: 503 });
        assert_eq!(m.time_to_refresh(), None);
        source.fail.store(false, Relaxed);
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
        assert_eq!(source.fetches(), 2);
    }

    #[test]
    fn a_401_drops_only_the_rejected_generation() {
        let (_clock, source, m) = manager(HOUR);
        let (_, g1) = get(&m).unwrap();
        // the server rejects token 1 although the clock says it is valid: refetch
        m.invalidate(g1);
        assert_eq!(m.time_to_refresh(), None);
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
        // a late 401 for token 1 (a request that was in flight) leaves token 2 alone
        m.invalidate(g1);
        assert_eq!(get(&m).unwrap(), ("Bearer t2".into(), 2));
        assert_eq!(source.fetches(), 2);
        assert_eq!(m.stats().rejected.load(Relaxed), 1, "one token dropped, once");
    }

    #[test]
    fn concurrent_callers_without_a_token_fetch_once() {
        const N: usize = 16;
        let (_clock, source, m) = manager(HOUR);
        source.gate(false);
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..N).map(|_| s.spawn(|| get(&m).unwrap())).collect();
            // every caller waits for the one request before it may answer
            while m.waiting() < N {
                std::thread::yield_now();
            }
            source.gate(true);
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(source.fetches(), 1);
        for r in &results {
            assert_eq!(r, &("Bearer t1".to_string(), 1));
        }
    }

    #[test]
    fn waiting_callers_keep_their_own_deadline_and_cancellation() {
        let (_clock, source, m) = manager(HOUR);
        source.gate(false);
        let trace = TraceContext::new_random();
        let token = crate::CancelToken::new();
        std::thread::scope(|s| {
            // a deadline already passed: it fails at once, with its own timeout
            let late = s.spawn(|| m.token(&trace, Instant::now()).map(|_| ()));
            // a cancelled caller: cancelled, although the request still runs
            let cancelled = s.spawn(|| crate::with_cancel(&token, || m.token(&trace, far()).map(|_| ())));
            let e = late.join().unwrap().unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::Timeout(TimeoutPhase::Call), "{e}");
            assert!(e.to_string().contains("waiting"), "{e}");
            while m.waiting() < 1 {
                std::thread::yield_now();
            }
            token.cancel();
            let e = cancelled.join().unwrap().unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::Cancelled);
        });
        assert_eq!(source.fetches(), 0, "the request is still at the gate");
        source.gate(true);
        m.settle();
        assert_eq!(
            get(&m).unwrap(),
            ("Bearer t1".into(), 1),
            "and its token serves the next caller"
        );
    }

    #[test]
    fn token_answers_are_parsed_strictly() {
        let ok =
            |body: &str| parse_token(200, None, body.as_bytes()).map(|(b, d)| (b.to_str().unwrap().to_string(), d));
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
        let e = parse_token(200, Some("text/html"), b"<html>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed (HTTP 200): the token endpoint's answer is not JSON (text/html, 6 bytes, \
             starting \"<html>\"; expected value at line 1 column 1): is the API URL the tenant's API, \
             e.g. https://<tenant>.api.openvpn.com?"
        );
        assert!(
            sensitive("Bearer x").unwrap().is_sensitive(),
            "the header is marked sensitive"
        );
    }
}
