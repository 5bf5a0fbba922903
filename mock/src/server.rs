//! The HTTP server: accept loop, per-connection tasks (plain or TLS), and the
//! request pipeline (faults, auth, rate limit, handler, stats).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};
use hyper::header::AUTHORIZATION;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::api::{self, Ctx};
use crate::auth::{TokenError, basic};
use crate::faults::FaultKind;
use crate::http::{parse_form, read_body, response, segments};
use crate::io::{ConnCtl, FaultIo, ResetPlan};
use crate::ratelimit::Take;
use crate::reply::Reply;
use crate::spec::{Routed, route};
use crate::state::Shared;

/// Accept connections until `shutdown` flips.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    shared.stats.connections_accepted.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(connection(tcp, shared.clone(), tls.clone(), shutdown.clone()));
                }
                // out of descriptors or similar: back off briefly, keep serving
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => return,
        }
    }
}

struct OpenGuard(Arc<Shared>);
impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.stats.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn connection(
    tcp: TcpStream,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    shared.stats.connections_open.fetch_add(1, Ordering::Relaxed);
    let _open = OpenGuard(shared.clone());
    let fd = crate::io::raw_fd(&tcp);
    let ctl = Arc::new(ConnCtl::default());
    match tls {
        None => {
            let io = FaultIo::new(tcp, fd, ctl.clone(), shared.io.clone());
            serve(io, shared, ctl, &mut shutdown).await
        }
        Some(acceptor) => {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp));
            let stream = tokio::select! {
                r = handshake => match r { Ok(Ok(s)) => s, _ => return },
                _ = shutdown.changed() => return,
            };
            let io = FaultIo::new(stream, fd, ctl.clone(), shared.io.clone());
            serve(io, shared, ctl, &mut shutdown).await
        }
    }
}

async fn serve<I>(io: I, shared: Arc<Shared>, ctl: Arc<ConnCtl>, shutdown: &mut watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| {
        let (shared, ctl) = (shared.clone(), ctl.clone());
        async move { Ok::<_, Infallible>(handle(shared, ctl, req).await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        _ = shutdown.changed() => {}
    }
}

/// Marks a request in flight on its connection (no idle close meanwhile).
struct InFlight(Arc<ConnCtl>);
impl InFlight {
    fn new(ctl: Arc<ConnCtl>) -> InFlight {
        ctl.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(ctl)
    }
}
impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

type Resp = Response<Full<Bytes>>;

/// One request through the pipeline.
async fn handle(shared: Arc<Shared>, ctl: Arc<ConnCtl>, req: Request<Incoming>) -> Resp {
    let _in_flight = InFlight::new(ctl.clone());
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(parse_form).unwrap_or_default();
    let authorization = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(String::from);

    if path.starts_with("/__mock/") || path == "/__mock" {
        let body = match read_body(req, shared.max_body).await {
            Ok(b) => b,
            Err(reply) => return response(reply, &[]),
        };
        return response(crate::control::handle(&shared, &method, &path, &body), &[]);
    }

    let Some(segs) = segments(&path) else {
        shared.stats.record("unmatched", 400);
        return response(Reply::bad_request("Request path is not valid UTF-8"), &[]);
    };
    let (route, id) = match route(&method, &segs) {
        Routed::Found(r, id) => (r, id),
        Routed::MethodNotAllowed => {
            shared.stats.record("unmatched", 405);
            return response(
                Reply::error(
                    405,
                    format!("Request method '{method}' is not supported"),
                    Default::default(),
                ),
                &[],
            );
        }
        Routed::NotFound => {
            shared.stats.record("unmatched", 404);
            return response(
                Reply::error(404, format!("No endpoint {method} {path}"), Default::default()),
                &[],
            );
        }
    };
    let op = route.op;
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = match read_body(req, shared.max_body).await {
        Ok(b) => b,
        Err(reply) => return finish(&shared, op, reply, &[]),
    };

    // faults first: they stand for the network and the front door, not the application
    // subscribed before deciding: a change of the rules after the decision wakes a stall
    let mut changed = shared.faults_changed.subscribe();
    let mut decision = shared.faults.decide(&method, &path);
    loop {
        for kind in &decision.fired {
            shared.stats.fault(kind);
        }
        if decision.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
        }
        if decision.action != Some(FaultKind::Stall) {
            break;
        }
        // held until the rules change; then decided again by the rules in force (none:
        // answered normally), so a test can hold requests and then choose their fate
        if changed.changed().await.is_err() {
            decision.action = None; // the rules are gone with the server: answer
            break;
        }
        decision = shared.faults.decide(&method, &path);
    }
    let mut reset_mid_body = false;
    // an injected answer comes from the front door too: it shows the caller's bucket
    // (without taking a token), and an injected 429 shows it empty
    let front = |refused: bool| match op {
        "requestToken" => Vec::new(),
        _ => front_door_headers(&shared, authorization.as_deref(), refused),
    };
    match decision.action {
        Some(FaultKind::Status { status, retry_after }) => {
            let reply = if status == 401 || status == 429 {
                Reply::empty(status)
            } else {
                Reply::error(status, format!("Injected fault: HTTP {status}"), Default::default())
            };
            let mut headers = front(status == 429);
            if status == 401 {
                headers.push(www_authenticate(authorization.as_deref()));
            }
            return finish(&shared, op, reply.with_retry_after(retry_after), &headers);
        }
        Some(FaultKind::RateLimit { retry_after }) => {
            let headers = front(true);
            return finish(&shared, op, Reply::empty(429).with_retry_after(retry_after), &headers);
        }
        Some(FaultKind::ResetBefore) => {
            ctl.arm(ResetPlan::Now);
            return finish(&shared, op, Reply::empty(500), &[]);
        }
        Some(FaultKind::ResetMidBody) => reset_mid_body = true,
        Some(FaultKind::ExpireToken) => {
            let mut headers = front(false);
            headers.push(www_authenticate(authorization.as_deref()));
            shared.auth.expire(authorization.as_deref());
            shared.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
            return finish(&shared, op, Reply::empty(401), &headers);
        }
        // a stall was waited out above
        Some(FaultKind::Stall) | Some(FaultKind::Latency { .. }) | None => {}
    }

    let (reply, headers) = if op == "requestToken" {
        (
            token(
                &shared,
                authorization.as_deref(),
                &query,
                content_type.as_deref(),
                &body,
            ),
            Vec::new(),
        )
    } else {
        authorized(
            &shared,
            op,
            route.body_schema,
            &method,
            &path,
            id.as_deref(),
            &query,
            &body,
            authorization.as_deref(),
        )
    };
    let resp = finish(&shared, op, reply, &headers);
    if reset_mid_body {
        let len = resp.body().size_hint().exact().unwrap_or(0) as usize;
        ctl.arm(ResetPlan::AfterHead(len / 2));
    }
    resp
}

fn finish(shared: &Shared, op: &'static str, reply: Reply, headers: &[(&'static str, String)]) -> Resp {
    shared.stats.record(op, reply.status);
    response(reply, headers)
}

/// Bearer check, rate limit, then the operation's handler.
#[allow(clippy::too_many_arguments)]
fn authorized(
    shared: &Shared,
    op: &'static str,
    body_schema: Option<&'static str>,
    method: &str,
    path: &str,
    id: Option<&str>,
    query: &[(String, String)],
    body: &[u8],
    authorization: Option<&str>,
) -> (Reply, Vec<(&'static str, String)>) {
    let now = Instant::now();
    let Some(key) = shared.auth.check(authorization, now) else {
        shared.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        let mut headers = front_door_headers(shared, authorization, false);
        headers.push(www_authenticate(authorization));
        return (Reply::empty(401), headers);
    };
    let rl = shared.rate_limit();
    let headers = if !rl.enabled {
        Vec::new()
    } else {
        match shared.limiter.take(&key, &rl, now) {
            Take::Limited { retry_after_secs } => {
                shared.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                let ra = rl.retry_after.then(|| retry_after_secs.to_string());
                return (Reply::empty(429).with_retry_after(ra), limit_headers(&rl, 0));
            }
            Take::Allowed { remaining } => limit_headers(&rl, remaining),
        }
    };
    let cacheable = method == "GET" && crate::cache::cacheable(op);
    let cache_key = || match query.is_empty() {
        true => path.to_string(),
        false => format!(
            "{path}?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        ),
    };
    if cacheable && let Some(hit) = shared.cache.get(&cache_key()) {
        return (hit, headers);
    }
    let version = shared.cache.version();
    let cfg = shared.config();
    let ctx = Ctx {
        method,
        path,
        id,
        query,
        body,
        body_schema,
        db: &shared.db,
        dns_not_found_is_400: cfg.dns_not_found_is_400,
    };
    let mut reply = api::handle(op, &ctx).unwrap_or_else(|e| e);
    if method != "GET" {
        shared.cache.invalidate();
    } else if cacheable {
        reply = crate::http::freeze(&reply);
        shared.cache.put(cache_key(), version, reply.clone());
    }
    // every answer that went through the limiter carries its headers, errors included
    (reply, headers)
}

/// The challenge of a 401 (RFC 6750 §3): `Bearer` when no bearer token came, and
/// `Bearer error="invalid_token"` when the one that came is unknown or expired.
fn www_authenticate(authorization: Option<&str>) -> (&'static str, String) {
    let presented = authorization.is_some_and(|a| a.len() > 7 && a[..7].eq_ignore_ascii_case("bearer "));
    let v = if presented {
        r#"Bearer error="invalid_token""#
    } else {
        "Bearer"
    };
    ("www-authenticate", v.to_string())
}

/// The `X-RateLimit-*` headers of an answer that did not take a token (an injected
/// fault, a refused bearer): the bucket of the caller's API key as it stands, empty when
/// `refused`. The key is the live token's, else the one an expired token names in its
/// `client_id` claim; a bearer that names no key is shown a full bucket of its own. None
/// when rate limiting is off.
fn front_door_headers(shared: &Shared, authorization: Option<&str>, refused: bool) -> Vec<(&'static str, String)> {
    let rl = shared.rate_limit();
    if !rl.enabled {
        return Vec::new();
    }
    let now = Instant::now();
    let key = shared
        .auth
        .check(authorization, now)
        .or_else(|| shared.auth.claimed_key(authorization))
        .unwrap_or_else(|| format!("unauthenticated:{}", authorization.unwrap_or_default()));
    let remaining = if refused {
        0
    } else {
        shared.limiter.peek(&key, &rl, now)
    };
    limit_headers(&rl, remaining)
}

/// The four `X-RateLimit-*` headers, all bare integers. The rate is the scaled one the
/// bucket really refills at ([`RateLimitOptions::advertised_rate`]).
///
/// [`RateLimitOptions::advertised_rate`]: crate::RateLimitOptions::advertised_rate
fn limit_headers(rl: &crate::RateLimitOptions, remaining: u32) -> Vec<(&'static str, String)> {
    vec![
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-replenish-rate", rl.advertised_rate().to_string()),
        ("x-ratelimit-replenish-time", rl.advertised_time_secs().to_string()),
        ("x-ratelimit-burst-capacity", rl.burst.to_string()),
    ]
}

/// `POST /api/v1/oauth/token`: credentials by Basic auth, query or form (or JSON) body.
fn token(
    shared: &Shared,
    authorization: Option<&str>,
    query: &[(String, String)],
    ctype: Option<&str>,
    body: &[u8],
) -> Reply {
    let mut fields: Vec<(String, String)> = query.to_vec();
    let text = std::str::from_utf8(body).unwrap_or_default().trim();
    if text.starts_with('{') || ctype.is_some_and(|c| c.contains("json")) {
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(text) {
            fields.extend(
                o.into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))),
            );
        }
    } else if !text.is_empty() {
        fields.extend(parse_form(text));
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (id, secret) = match authorization.and_then(basic) {
        Some((i, s)) => (Some(i), Some(s)),
        None => (field("client_id"), field("client_secret")),
    };
    let lifetime = shared.token_lifetime();
    match shared.auth.issue(
        id.as_deref(),
        secret.as_deref(),
        field("grant_type").as_deref(),
        lifetime,
        Instant::now(),
    ) {
        Ok(t) => {
            shared.stats.tokens_issued.fetch_add(1, Ordering::Relaxed);
            Reply::ok(
                json!({ "access_token": t, "token_type": "bearer", "expires_in": lifetime.as_secs(), "scope": "read write" }),
            )
        }
        Err(TokenError::BadCredentials) => Reply::json(
            401,
            json!({ "error": "invalid_client", "error_description": "Bad client credentials" }),
        ),
        Err(TokenError::UnsupportedGrant(g)) => Reply::json(
            400,
            json!({ "error": "unsupported_grant_type", "error_description": format!("Unsupported grant type: {g}") }),
        ),
    }
}

/// Bind the listener (std first, so bind errors surface synchronously).
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}
