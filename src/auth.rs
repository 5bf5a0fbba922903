//! OAuth2 client credentials: the token is fetched once, cached, refreshed a
//! margin before it expires, and refreshed by exactly one thread at a time
//! (single flight) however many callers need it.

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
    /// When to stop using it (expiry minus the refresh margin).
    refresh_at: Instant,
    generation: u64,
}

#[derive(Default)]
pub(crate) struct TokenManager {
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
    /// A valid token and its generation (for [`invalidate`](Self::invalidate)).
    /// When a new token is needed, the request is sent by this caller, in its trace
    /// (callers that wait for it meanwhile are not reported again).
    pub fn token(
        &self,
        cfg: &ClientConfig,
        transport: &Transport,
        observer: &TokenObserver<'_>,
        deadline: Instant,
    ) -> Result<(HeaderValue, u64)> {
        if let Some(t) = self.current.read().as_ref().filter(|t| t.refresh_at > Instant::now()) {
            return Ok((t.bearer.clone(), t.generation));
        }
        // one refresher; the others wait here and then find the new token
        let mut generation = self.refresh.lock();
        if let Some(t) = self.current.read().as_ref().filter(|t| t.refresh_at > Instant::now()) {
            return Ok((t.bearer.clone(), t.generation));
        }
        let (bearer, lifetime) = self.fetch(cfg, transport, observer, deadline)?;
        let margin = cfg.token_refresh_margin.min(lifetime / 2);
        *generation += 1;
        let token = Token {
            bearer: bearer.clone(),
            refresh_at: Instant::now() + lifetime - margin,
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
            .map(|t| t.refresh_at.saturating_duration_since(Instant::now()))
    }

    fn fetch(
        &self,
        cfg: &ClientConfig,
        transport: &Transport,
        observer: &TokenObserver<'_>,
        deadline: Instant,
    ) -> Result<(HeaderValue, Duration)> {
        self.stats.fetches.fetch_add(1, Relaxed);
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
            host: &cfg.base.host,
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
        let parsed: TokenResponse = serde_json::from_slice(&resp.body).map_err(|e| {
            Error::new(
                ErrorKind::Auth { status: resp.status },
                format!("token response is not JSON: {e}"),
            )
        })?;
        let token = parsed
            .access_token
            .filter(|t| !t.is_empty() && !t.chars().any(|c| c.is_control() || c == ' '))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth { status: resp.status },
                    "token response has no usable access_token",
                )
            })?;
        let lifetime = match parsed.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64().map(Duration::from_secs),
            Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok().map(Duration::from_secs),
            _ => None,
        }
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_LIFETIME)
        .min(Duration::from_secs(366 * 24 * 3600));
        let bearer = sensitive(&format!("Bearer {token}")).map_err(|_| {
            Error::new(
                ErrorKind::Auth { status: resp.status },
                "token response has no usable access_token",
            )
        })?;
        Ok((bearer, lifetime))
    }
}
