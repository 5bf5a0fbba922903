//! The request pipeline, one path for every call (typed, raw, Rust or C):
//!
//! ```text
//! coalesce ─► limiter ─► breaker ─► token ─► per-host slot ─► send
//!          ─► classify: breaker.record, limiter.observe / pause on 429
//!          ─► retry? (policy, budget, Retry-After, idempotency, deadline) ─► limiter …
//! ```
//! A GET the opt-in read cache answers fresh returns before all of this; a write
//! invalidates its family there before it is sent and after it ends.
//! Nothing here sleeps while holding a lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use percent_encoding::utf8_percent_encode;

use crate::auth::TokenManager;
use crate::config::{ClientConfig, Resilience};
use crate::error::{Error, ErrorKind, Result, TimeoutPhase, http_error};
use crate::hooks::{RequestEvent, RequestHook};
use crate::http::HttpResponse;
use crate::metrics::{Metrics, StageStats};
use crate::request::{Call, Method, Payload, QUERY};
use crate::resilience::clock::Deadline;
use crate::resilience::read_cache::{Lookup, ReadCache, WriteGuard};
use crate::resilience::retry::throttle_pause;
use crate::resilience::{
    BreakerState, Breakers, Bucket, Clock, Coalescer, RetryBudget, RetryPolicy, ServerLimits, Slot, StaleCache,
};
use crate::trace::{TRACEPARENT, TraceContext, current_trace_context, new_span_id, span_hex, traceparent};
use crate::transport::{HeaderValue, HttpRequest, Transport, opened_by_this_thread};
use ureq::http::header;

/// Everything one client owns (shared by its clones): settings, transport, token and
/// the stateful stages. [`Client`](crate::Client) wraps it in an `Arc`; the pipeline
/// runs every call on it.
pub(crate) struct Inner {
    pub(crate) cfg: ClientConfig,
    pub(crate) transport: Transport,
    pub(crate) auth: TokenManager,
    pub(crate) stages: Stages,
    /// The fresh-read cache, when configured (its entries live with the transport).
    pub(crate) read_cache: Option<ReadCache>,
}

impl Inner {
    /// The absolute URL of `call`: origin, API prefix, path and encoded query.
    pub(crate) fn url(&self, call: &Call) -> String {
        let cfg = &self.cfg;
        let query: usize = call.query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut url = String::with_capacity(cfg.base.origin.len() + cfg.api_prefix.len() + call.path.len() + query);
        url.push_str(&cfg.base.origin);
        url.push_str(&cfg.api_prefix);
        url.push_str(&call.path);
        for (i, (k, v)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
        }
        url
    }
}

/// What one call carries through its attempts.
struct CallCtx {
    trace: TraceContext,
    attempts: std::cell::Cell<u32>,
    /// 429 answers in a row in this call.
    throttled: std::cell::Cell<u32>,
    /// After a 429: not before this time (ns on the stages' clock), whichever bucket
    /// grants the next token.
    resume_at: std::cell::Cell<u64>,
    /// The call's whole budget: `call_timeout`, or a shorter `with_timeout` in scope.
    timeout: std::cell::Cell<std::time::Duration>,
}

/// The longest a call waits for the first answer of the server before it goes anyway
/// (see `Bucket::wait_for_first_answer`).
const FIRST_ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A token reserved for one attempt: sleep `wait` before sending. `local` when it came
/// from the client's own bucket (not the Redis-shared one), which a cancelled wait refunds.
/// `booked` false: the local bucket's next token is more than one interval away and
/// nothing is reserved yet; sleep `wait` and ask again.
struct Reservation {
    wait: std::time::Duration,
    local: bool,
    booked: bool,
}

/// The stateful stages of one client.
pub(crate) struct Stages {
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    breakers: Option<Breakers>,
    reads: Option<Bucket>,
    writes: Option<Bucket>,
    #[cfg(feature = "redis")]
    redis: Option<crate::resilience::RedisLimiter>,
    adaptive: bool,
    coalesce: Option<Coalescer<HttpResponse>>,
    stale: Option<StaleCache<HttpResponse>>,
    pub stats: StageStats,
    pub metrics: Arc<Metrics>,
    pub hook: Option<RequestHook>,
}

impl Stages {
    pub fn new(r: &Resilience, hook: Option<RequestHook>, clock: Arc<dyn Clock>) -> Result<Stages> {
        let transitions = Arc::new(AtomicU64::new(0));
        let t2 = transitions.clone();
        Ok(Stages {
            #[cfg(feature = "redis")]
            redis: match &r.redis {
                Some(c) => Some(crate::resilience::RedisLimiter::new(
                    crate::resilience::RedisLimitConfig {
                        burst: c.burst.saturating_sub(1).max(1),
                        ..c.clone()
                    },
                    clock.clone(),
                )?),
                None => None,
            },
            retry: r.retry.clone(),
            budget: r.budget.clone().map(|b| RetryBudget::new(b, clock.clone())),
            breakers: r.breaker.clone().map(|b| {
                Breakers::new(
                    b,
                    clock.clone(),
                    Some(Box::new(move |t: &crate::resilience::Transition| {
                        t2.fetch_add(1, Relaxed);
                        log::warn!(target: "cloudconnexa", "circuit breaker for {}: {:?} -> {:?}", t.key, t.from, t.to);
                    })),
                )
            }),
            // With Redis, the local bucket stays: it follows the server's headers and takes
            // over whenever Redis is unavailable (adaptive, never a private full bucket of
            // the shared rate). Without a local limit of its own it starts unlimited.
            reads: {
                #[allow(unused_mut)]
                let mut limit = r.limit.clone();
                #[cfg(feature = "redis")]
                if limit.is_none() && r.redis.is_some() && r.adaptive {
                    limit = Some(crate::resilience::RateLimit {
                        rate_per_sec: 1e6,
                        burst: 1_000_000,
                        ..crate::resilience::RateLimit::default()
                    });
                }
                limit.map(|l| Bucket::new(&l, clock.clone()))
            },
            writes: r.write_limit.as_ref().map(|l| Bucket::new(l, clock.clone())),
            adaptive: r.adaptive,
            coalesce: r.coalesce_gets.then(Coalescer::default),
            stale: r.stale_if_error.map(|age| StaleCache::new(age, 1024, clock.clone())),
            stats: StageStats {
                breaker_transitions: transitions,
                ..StageStats::default()
            },
            metrics: Arc::default(),
            hook,
            clock,
        })
    }

    /// Reservations left to the local (adaptive) bucket because Redis was unavailable.
    pub fn redis_fallbacks(&self) -> u64 {
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis {
            return r.stats().fallbacks.load(Relaxed);
        }
        0
    }

    /// Reserve a token: from the Redis-shared bucket when there is one and Redis answers,
    /// else (no Redis, or Redis unavailable: error, timeout, cluster failover) from the
    /// local adaptive bucket.
    fn reserve(&self, method: Method, left: std::time::Duration) -> Option<Result<Reservation>> {
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis {
            match r.reserve(left) {
                Ok(Some(wait)) => {
                    return Some(Ok(Reservation {
                        wait,
                        local: false,
                        booked: true,
                    }));
                }
                Err(e) => return Some(Err(e)),
                Ok(None) => {} // Redis unavailable: the local bucket decides
            }
        }
        self.bucket(method).map(|b| {
            b.reserve_within(Some(left)).map(|slot| match slot {
                Slot::Booked(wait) => Reservation {
                    wait,
                    local: true,
                    booked: true,
                },
                Slot::Recheck(wait) => Reservation {
                    wait,
                    local: true,
                    booked: false,
                },
            })
        })
    }

    /// `(scope, state)` of every breaker.
    pub fn breaker_states(&self) -> Vec<(String, BreakerState)> {
        self.breakers.as_ref().map(|b| b.states()).unwrap_or_default()
    }

    /// Current rate of the read (or only) bucket.
    pub fn limiter_rate(&self) -> Option<f64> {
        self.reads.as_ref().map(Bucket::rate_per_sec)
    }

    pub fn breaker_state(&self, host: &str, op: &str) -> BreakerState {
        self.breakers
            .as_ref()
            .map_or(BreakerState::Closed, |b| b.state(host, op))
    }

    /// Whether calls of `method` are paced by a client-side limiter (local or shared).
    /// (The local bucket is the one a 429 pauses, also when Redis shares the limit.)
    fn paced(&self, method: Method) -> bool {
        self.bucket(method).is_some()
    }

    fn bucket(&self, method: Method) -> Option<&Bucket> {
        match method {
            Method::Get => self.reads.as_ref(),
            _ => self.writes.as_ref().or(self.reads.as_ref()),
        }
    }

    /// Calls answered by another identical call's flight.
    pub fn coalesced(&self) -> u64 {
        self.coalesce.as_ref().map_or(0, |c| c.saved.load(Relaxed))
    }

    /// Answers served stale.
    pub fn stale_served(&self) -> u64 {
        self.stale.as_ref().map_or(0, |c| c.served.load(Relaxed))
    }
}

/// Failures worth hiding behind a stale answer.
fn serve_stale_on(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::CircuitOpen | ErrorKind::RateLimited) || e.is_retryable()
}

/// Run `call`: coalesced and stale-served when it is a GET, retried as the policy says,
/// measured end to end.
pub(crate) fn execute(inner: &Inner, call: &Call) -> Result<HttpResponse> {
    let start = Instant::now();
    let ctx = CallCtx {
        trace: current_trace_context().unwrap_or_else(TraceContext::new_random),
        attempts: 0.into(),
        throttled: 0.into(),
        resume_at: 0.into(),
        timeout: inner.cfg.call_timeout.into(),
    };
    let r = execute_traced(inner, call, &ctx);
    inner
        .stages
        .metrics
        .record_call(call.op, r.as_ref().err().map(|e| e.kind()), start.elapsed());
    r
}

fn execute_traced(inner: &Inner, call: &Call, ctx: &CallCtx) -> Result<HttpResponse> {
    let s = &inner.stages;
    // built once per call: the request URL, and the coalescing and stale-cache key
    let key = inner.url(call);
    if call.method != Method::Get {
        // A write drops its family from the fresh-read cache when it is sent and again
        // when it ends, whatever its outcome (see `resilience::read_cache`).
        let _invalidate = inner
            .transport
            .existing_read_cache()
            .map(|shared| WriteGuard::start(shared, &inner.cfg.base.origin, &call.path));
        return with_retries(inner, call, &key, ctx);
    }
    // A fresh answer from the read cache: nothing is sent, no token is spent.
    let mut ticket = None;
    if let Some(rc) = &inner.read_cache {
        crate::cancel::check()?;
        match rc.lookup(&key, &call.path) {
            Lookup::Hit(resp) => {
                log::trace!(target: "cloudconnexa", "{} GET: answered by the read cache", call.op);
                return Ok(resp);
            }
            Lookup::Miss(t) => ticket = t,
        }
    }
    let run = || {
        let r = with_retries(inner, call, &key, ctx);
        if let (Ok(resp), Some(rc), Some(t)) = (&r, &inner.read_cache, ticket) {
            rc.store(t, resp);
        }
        match (&r, &s.stale) {
            (Ok(resp), Some(cache)) => cache.store(&key, resp.clone()),
            (Err(e), Some(cache)) if serve_stale_on(e) => {
                if let Some(old) = cache.stale(&key) {
                    log::warn!(target: "cloudconnexa", "{}: serving the last good answer after: {e}", call.op);
                    return Ok(old);
                }
            }
            _ => {}
        }
        r
    };
    // A cancellable call never shares a flight: its cancellation must neither end other
    // callers' calls nor be ignored while it waits on someone else's request.
    match &s.coalesce {
        Some(c) if crate::cancel::current().is_none() => c.run(&key, run),
        _ => run(),
    }
}

fn with_retries(inner: &Inner, call: &Call, url: &str, ctx: &CallCtx) -> Result<HttpResponse> {
    retry_loop(inner, call, url, ctx).map_err(|e| timeout_note(e, ctx))
}

/// A timeout says which attempt it ended, and a call deadline also its budget.
fn timeout_note(e: Error, ctx: &CallCtx) -> Error {
    let attempt = match ctx.attempts.get() {
        0 => "before the first attempt was sent".to_string(),
        n => format!("attempt {n}"),
    };
    match e.kind() {
        ErrorKind::Timeout(TimeoutPhase::Call) => e.note(&format!(
            "call_timeout {:.3} s, {attempt}",
            ctx.timeout.get().as_secs_f64()
        )),
        ErrorKind::Timeout(_) => e.note(&attempt),
        _ => e,
    }
}

fn retry_loop(inner: &Inner, call: &Call, url: &str, ctx: &CallCtx) -> Result<HttpResponse> {
    crate::cancel::check()?;
    let s = &inner.stages;
    let timeout = match crate::cancel::timeout() {
        Some(t) => t.min(inner.cfg.call_timeout),
        None => inner.cfg.call_timeout,
    };
    ctx.timeout.set(timeout);
    let deadline = Deadline::after(&*s.clock, timeout);
    s.stats.calls.fetch_add(1, Relaxed);
    if let Some(b) = &s.budget {
        b.record_request();
    }
    let mut retries = 0u32;
    loop {
        let err = match attempt(inner, call, url, deadline, ctx, retries > 0 || ctx.throttled.get() > 0) {
            Ok(resp) => return Ok(resp),
            Err(e) => e,
        };
        let throttled = err.status() == Some(429) && s.retry.retry_codes.contains(&429);
        if throttled && s.paced(call.method) {
            // A 429 is "wait", not "fail": `attempt` paused the limiter until the server has
            // a token for us, and the next attempt's reservation waits for it, bounded by the
            // deadline (it fails with `RateLimited`, saying when the token is due, when the
            // deadline cannot be met). Neither `max_retries` nor the retry budget applies:
            // they protect failing servers, not one that says when to come back.
            log::debug!(target: "cloudconnexa", "{}: throttled (429), waiting for the rate limiter", call.op);
            continue;
        }
        if retries >= s.retry.max_retries || !s.retry.is_retryable(call.method, &err) {
            return Err(err);
        }
        let wait = s.retry.backoff(retries + 1, err.retry_after());
        if wait >= deadline.left(&*s.clock) {
            return Err(err.note(&format!(
                "not retried: the next attempt, due in {:.3} s, would start after the call deadline",
                wait.as_secs_f64()
            )));
        }
        if !throttled
            && let Some(b) = &s.budget
            && !b.try_retry()
        {
            s.stats.budget_refusals.fetch_add(1, Relaxed);
            log::warn!(target: "cloudconnexa", "{}: retry budget exhausted, not retrying: {err}", call.op);
            return Err(err.note("not retried: the retry budget is exhausted (too many retries lately)"));
        }
        retries += 1;
        log::debug!(target: "cloudconnexa", "{}: {err}; retry {retries} in {:.3} s", call.op, wait.as_secs_f64());
        pause(s, wait)?;
    }
}

/// One attempt: limiter, breaker, token, slot, send, classify. Handles the one token
/// refresh after a 401 and the one fresh-connection retry after a stale pooled connection.
fn attempt(
    inner: &Inner,
    call: &Call,
    url: &str,
    deadline: Deadline,
    ctx: &CallCtx,
    retry: bool,
) -> Result<HttpResponse> {
    let (cfg, s) = (&inner.cfg, &inner.stages);
    let host = cfg.base.host.as_str();
    let bucket = s.bucket(call.method);
    if let (Some(b), true) = (bucket, s.adaptive) {
        // until the server's first answer tells what is left of the key's bucket
        b.wait_for_first_answer(deadline.left(&*s.clock).min(FIRST_ANSWER_WAIT))?;
    }
    let reservation = loop {
        let left = deadline.left(&*s.clock);
        match s.reserve(call.method, left) {
            // not booked yet (the rate may change before the token is due): sleep, then
            // ask again; a cancelled sleep has nothing to give back
            Some(Ok(Reservation {
                wait, booked: false, ..
            })) => {
                s.stats.limiter_waits.fetch_add(1, Relaxed);
                s.stats.limiter_wait_micros.fetch_add(wait.as_micros() as u64, Relaxed);
                pause(s, wait)?;
            }
            r => break r,
        }
    };
    if let Some(reservation) = reservation {
        match reservation {
            Ok(Reservation { wait, local, .. }) => {
                if let (false, Some(b)) = (local, bucket) {
                    // Redis granted it: the local bucket, which takes over when Redis
                    // fails, spends it too
                    b.note_spent();
                }
                // a token of the shared bucket does not lift the pause a 429 set on the
                // local one: this call still waits it out
                let wait = match local {
                    true => wait,
                    false => wait.max(std::time::Duration::from_nanos(
                        ctx.resume_at.get().saturating_sub(s.clock.now_nanos()),
                    )),
                };
                if !wait.is_zero() {
                    s.stats.limiter_waits.fetch_add(1, Relaxed);
                    s.stats.limiter_wait_micros.fetch_add(wait.as_micros() as u64, Relaxed);
                    if let Err(e) = pause(s, wait) {
                        // cancelled while waiting: give the reserved slot back (a token of
                        // the shared bucket is spent: Redis has no refund)
                        if let (Some(b), true) = (bucket, local) {
                            b.refund();
                        }
                        return Err(e);
                    }
                }
            }
            Err(e) => {
                s.stats.limiter_refusals.fetch_add(1, Relaxed);
                return Err(e);
            }
        }
    }
    let ticket = match &s.breakers {
        Some(b) => Some(b.allow(host, call.op).inspect_err(|_| {
            s.stats.breaker_rejections.fetch_add(1, Relaxed);
        })?),
        None => None,
    };
    if retry {
        // counted here, once limiter and breaker let it through: a retry that is sent
        s.stats.retries.fetch_add(1, Relaxed);
    }
    let result = send(inner, call, url, deadline, ctx);
    if let Some(b) = bucket {
        b.answered();
    }
    if let (Some(b), Some(t)) = (&s.breakers, ticket) {
        // a response of any status is `Ok` here: classify by its status (5xx, or 429 when
        // configured, are failures), errors by their kind
        let status = result.as_ref().map(|r| r.status).map_err(Clone::clone);
        b.record(t, b.outcome(&status));
    }
    match result {
        Ok(resp) => {
            let limits = match (bucket, s.adaptive) {
                (Some(b), true) => {
                    let limits = ServerLimits::parse(|k| resp.header(k));
                    if !limits.is_empty() {
                        // every answer but a 429 spent a token of the key's bucket
                        b.observe(&limits, resp.status != 429);
                    }
                    limits
                }
                _ => ServerLimits::default(),
            };
            if (200..300).contains(&resp.status) {
                ctx.throttled.set(0);
                return Ok(resp);
            }
            let err = http_error(call.op, &resp);
            if resp.status == 429 {
                s.stats.throttled.fetch_add(1, Relaxed);
                let n = ctx.throttled.get() + 1;
                ctx.throttled.set(n);
                if let Some(b) = bucket {
                    let wait = throttle_pause(b, &limits, err.retry_after(), n);
                    ctx.resume_at
                        .set(s.clock.now_nanos().saturating_add(wait.as_nanos() as u64));
                    log::debug!(target: "cloudconnexa", "{}: throttled by the server (429), limiter paused {:.3} s", call.op, wait.as_secs_f64());
                    b.pause(wait);
                }
            }
            Err(err)
        }
        Err(e) => Err(e),
    }
}

/// Token, slot and transport, with the 401 refresh and the fresh-connection resend (after
/// a stale pooled connection, or a malformed answer to an idempotent call).
fn send(inner: &Inner, call: &Call, url: &str, deadline: Deadline, ctx: &CallCtx) -> Result<HttpResponse> {
    let cfg = &inner.cfg;
    let clock = &*inner.stages.clock;
    let (body, ctype) = match &call.payload {
        Payload::None => (None, "application/json"),
        Payload::Json(b) => (Some(b.as_slice()), "application/json"),
        Payload::Text(t) => (Some(t.as_bytes()), "text/plain"),
    };
    let mut refreshed = false;
    let mut fresh_connection = false;
    loop {
        if deadline.passed(clock) {
            return Err(Error::new(
                ErrorKind::Timeout(TimeoutPhase::Call),
                format!(
                    "the call deadline passed before a request to {}:{} could be sent",
                    cfg.base.host, cfg.base.port
                ),
            )
            .before_sending());
        }
        // the token request, the per-host slot and the exchange wait for real I/O: they
        // get the time left on the clock as a real-time bound
        let io_deadline = deadline.instant(clock);
        let (token, generation) = inner
            .auth
            .token(&ctx.trace, io_deadline)
            .map_err(Error::before_sending)?;
        let span = new_span_id();
        let req = HttpRequest {
            method: call.method,
            url,
            headers: vec![
                (header::AUTHORIZATION, token.clone()),
                (
                    header::ACCEPT,
                    HeaderValue::from_static("application/json, text/plain, */*"),
                ),
                (header::USER_AGENT, cfg.user_agent.clone()),
                (TRACEPARENT, traceparent(&ctx.trace, &span)?),
            ],
            body: body.map(|b| (b, ctype)),
            read_timeout: cfg.read_timeout,
            head_timeout: cfg.response_head_timeout,
            deadline: io_deadline,
            max_body: cfg.max_response_bytes,
            fresh_connection,
        };
        let opened_before = opened_by_this_thread();
        let sent = Instant::now();
        let result = {
            let _slot = inner.transport.permit(&cfg.base.host, io_deadline)?;
            inner.transport.send(&req)
        };
        // cancelled with the request on the wire: its socket was shut down under it
        let result = match result {
            Err(e) if crate::cancel::is_cancelled() => Err(crate::cancel::cancelled().with_source(e)),
            r => r,
        };
        observe(inner, call, ctx, &span, &result, sent.elapsed());
        match result {
            Ok(resp) if resp.status == 401 && !refreshed => {
                // revoked or expired early: one new token, one more try
                inner.auth.invalidate(generation);
                refreshed = true;
            }
            Ok(resp) => return Ok(resp),
            // A pooled connection the server had closed: only idempotent methods are
            // safe to send again, and only once, on a new connection.
            Err(e)
                if matches!(e.kind(), ErrorKind::Io)
                    && call.method.is_idempotent()
                    && !fresh_connection
                    && opened_by_this_thread() == opened_before =>
            {
                inner.stages.stats.stale_connection_retries.fetch_add(1, Relaxed);
                fresh_connection = true;
            }
            // A malformed answer: an idempotent call is sent once more, on a new connection
            // (a proxy or a half-dead connection can garble one answer); never a POST, and
            // the retry policy does not retry it further.
            Err(e) if matches!(e.kind(), ErrorKind::Protocol) && call.method.is_idempotent() && !fresh_connection => {
                log::debug!(target: "cloudconnexa", "{}: {e}; once more on a new connection", call.op);
                inner.stages.stats.stale_connection_retries.fetch_add(1, Relaxed);
                fresh_connection = true;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sleep on the stages' clock, or until the call is cancelled.
fn pause(s: &Stages, d: std::time::Duration) -> Result<()> {
    match crate::cancel::current() {
        Some(token) => s.clock.sleep_cancellable(d, &token),
        None => {
            s.clock.sleep(d);
            Ok(())
        }
    }
}

/// Metrics, log line and hook of one HTTP request.
fn observe(
    inner: &Inner,
    call: &Call,
    ctx: &CallCtx,
    span: &[u8; 8],
    result: &Result<HttpResponse>,
    latency: std::time::Duration,
) {
    let s = &inner.stages;
    let attempt = ctx.attempts.get() + 1;
    ctx.attempts.set(attempt);
    let status = result.as_ref().ok().map(|r| r.status);
    s.metrics.record_request(call.op, call.method, status);
    match result {
        Ok(r) => log::trace!(
            target: "cloudconnexa",
            "{} {} attempt {attempt}: HTTP {} in {:.1} ms",
            call.op,
            call.method.as_str(),
            r.status,
            latency.as_secs_f64() * 1e3
        ),
        Err(e) => log::debug!(target: "cloudconnexa", "{} {} attempt {attempt}: {e}", call.op, call.method.as_str()),
    }
    if let Some(hook) = &s.hook {
        hook(&RequestEvent {
            operation: call.op,
            method: call.method,
            attempt,
            status,
            error: result.as_ref().err(),
            latency,
            trace_id: ctx.trace.trace_id_hex(),
            span_id: span_hex(span),
        });
    }
}
