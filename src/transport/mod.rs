//! The HTTP transport: a ureq agent assembled from our socket connector, the
//! caching resolver and rustls, plus the per-host connection cap. A transport
//! is cheap to clone and can be shared by several clients (one pool, one DNS cache).

mod connector;
mod permits;
mod proxy;
mod resolver;
mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};
pub(crate) use ureq::http::{HeaderName, HeaderValue};

use ureq::Agent;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};

use connector::take_reset;
pub(crate) use connector::{ConnStats, opened_by_this_thread};
pub(crate) use permits::{HostPermits, Permit, PermitStats};
pub(crate) use resolver::{CachingResolver, DnsStats};
pub use tls::TlsRoots;

use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::http::HttpResponse;
use crate::request::Method;
use crate::secret::Secret;

/// What a call does when the per-host connection cap
/// ([`TransportOptions::max_connections_per_host`]) is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolWait {
    /// Wait up to this long for a free slot (never past the call's deadline), then fail
    /// with [`ErrorKind::Timeout`]`(`[`TimeoutPhase::PoolWait`]`)`. At most 24 h.
    Wait(Duration),
    /// Fail at once with [`ErrorKind::PoolExhausted`].
    FailFast,
}

impl PoolWait {
    /// The longest wait, `None` for fail fast.
    pub(crate) fn max_wait(self) -> Option<Duration> {
        match self {
            PoolWait::Wait(d) => Some(d),
            PoolWait::FailFast => None,
        }
    }
}

/// Transport-level settings: connections, pool, DNS, TLS, proxy.
/// `Debug` leaves out the proxy's credentials and the client key.
#[derive(Clone)]
pub struct TransportOptions {
    /// TCP connect and TLS handshake budget. Default 5 s.
    pub connect_timeout: Duration,
    /// Idle connections kept per host. Default 50.
    pub pool_max_idle_per_host: usize,
    /// Hosts whose idle connections are kept. Default 20.
    pub pool_max_hosts: usize,
    /// Idle connections older than this are closed instead of reused. Default 50 s.
    pub pool_idle_timeout: Duration,
    /// Cap on connections open to one host at once. Default none.
    pub max_connections_per_host: Option<usize>,
    /// At the cap: wait for a slot, or fail fast. Default `PoolWait::Wait(30 s)`.
    pub pool_wait: PoolWait,
    /// TCP keepalive (idle, interval, probes). Default 60 s, 10 s, 6.
    pub keepalive: Option<(Duration, Duration, u32)>,
    /// TCP_NODELAY. Default on.
    pub nodelay: bool,
    /// DNS cache TTL. Default 300 s.
    pub dns_ttl: Option<Duration>,
    /// IPv4 before IPv6. Default on.
    pub dns_prefer_ipv4: bool,
    /// Trust roots for server certificates. Default [`TlsRoots::Bundled`].
    pub tls_roots: TlsRoots,
    /// Extra PEM CA certificates trusted besides the roots. Default none.
    pub extra_ca_pem: Vec<Vec<u8>>,
    /// Client certificate for mutual TLS: the PEM chain and the PEM private key (a
    /// [`Secret`]). Default none.
    pub client_cert: Option<(Vec<u8>, Secret)>,
    /// Explicit proxy URL (`http://[user:pass@]host:port`, HTTP `CONNECT`), used for every
    /// request. Default none.
    pub proxy: Option<String>,
    /// Without an explicit proxy, read `HTTPS_PROXY`/`https_proxy`/`ALL_PROXY`/`all_proxy`
    /// and `NO_PROXY`/`no_proxy` when the transport is built (see
    /// [`ClientBuilder::proxy_from_env`](crate::ClientBuilder::proxy_from_env)). Default off.
    pub proxy_from_env: bool,
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("pool_max_hosts", &self.pool_max_hosts)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("pool_wait", &self.pool_wait)
            .field("keepalive", &self.keepalive)
            .field("nodelay", &self.nodelay)
            .field("dns_ttl", &self.dns_ttl)
            .field("dns_prefer_ipv4", &self.dns_prefer_ipv4)
            .field("tls_roots", &self.tls_roots)
            .field(
                "extra_ca_pem",
                &format_args!("{} certificate(s)", self.extra_ca_pem.len()),
            )
            .field("client_cert", &self.client_cert.as_ref().map(|_| "<set>"))
            .field("proxy", &self.proxy.as_deref().map(crate::url::redact_userinfo))
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(5),
            pool_max_idle_per_host: 50,
            pool_max_hosts: 20,
            pool_idle_timeout: Duration::from_secs(50),
            max_connections_per_host: None,
            pool_wait: PoolWait::Wait(Duration::from_secs(30)),
            keepalive: Some((Duration::from_secs(60), Duration::from_secs(10), 6)),
            nodelay: true,
            dns_ttl: Some(Duration::from_secs(300)),
            dns_prefer_ipv4: true,
            tls_roots: TlsRoots::Bundled,
            extra_ca_pem: Vec::new(),
            client_cert: None,
            proxy: None,
            proxy_from_env: false,
        }
    }
}

impl TransportOptions {
    pub(crate) fn validate(&self) -> Result<()> {
        let day = Duration::from_secs(24 * 3600);
        if self.connect_timeout.is_zero() || self.connect_timeout > day {
            return Err(Error::invalid("connect_timeout must be within (0, 24 h]"));
        }
        if self.pool_max_idle_per_host == 0 || self.pool_max_hosts == 0 {
            return Err(Error::invalid("pool sizes must be at least 1"));
        }
        if self.pool_max_idle_per_host.saturating_mul(self.pool_max_hosts) > 100_000 {
            return Err(Error::invalid("pool_max_idle_per_host x pool_max_hosts above 100000"));
        }
        if self.pool_idle_timeout > day {
            return Err(Error::invalid("pool_idle_timeout above 24 h"));
        }
        if self.max_connections_per_host == Some(0) {
            return Err(Error::invalid("max_connections_per_host must be at least 1"));
        }
        if self.pool_wait.max_wait().is_some_and(|w| w > day) {
            return Err(Error::invalid("pool_wait above 24 h"));
        }
        if let Some((idle, interval, probes)) = self.keepalive {
            if idle < Duration::from_secs(1) || interval < Duration::from_secs(1) || probes == 0 {
                return Err(Error::invalid(
                    "tcp_keepalive idle and interval must be at least 1 s and probes at least 1",
                ));
            }
            if idle > day || interval > day || probes > 1000 {
                return Err(Error::invalid("tcp_keepalive values are absurd"));
            }
        }
        if self.dns_ttl.is_some_and(|t| t.is_zero() || t > day) {
            return Err(Error::invalid("dns_cache_ttl must be within (0, 24 h]"));
        }
        if let Some(p) = &self.proxy {
            proxy::setup(Some(p), false, |_| None)?;
        }
        Ok(())
    }
}

/// The lookup of [`Transport::with_dns_lookup`].
type TestLookup = dyn Fn(&str, u16) -> Option<Vec<std::net::SocketAddr>> + Send + Sync;

struct Inner {
    agent: Agent,
    /// For timeout messages.
    connect_timeout: Duration,
    /// `host:port` of the proxy, for the error of a refused tunnel.
    proxy: Option<String>,
    permits: HostPermits,
    conns: Arc<ConnStats>,
    dns: Arc<DnsStats>,
    /// The fresh-read cache of the clients built on this transport, created by the first
    /// of them that asks for one (see [`crate::resilience::read_cache`]).
    read_cache: std::sync::OnceLock<Arc<crate::resilience::read_cache::SharedReadCache>>,
}

/// A shareable HTTP transport: connection pool, DNS cache, TLS and the per-host cap.
/// `Clone` is cheap (one `Arc`); clones share everything. Thread-safe.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").finish_non_exhaustive()
    }
}

/// One HTTP exchange as the pipeline hands it to the transport.
pub(crate) struct HttpRequest<'a> {
    pub method: Method,
    pub url: &'a str,
    /// Built once where possible (cached bearer token, user agent): cloning a
    /// `HeaderValue` is a reference count, not a copy.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<(&'a [u8], &'static str)>,
    /// Longest idle wait for any read (head or body).
    pub read_timeout: Duration,
    /// Budget of the whole response head, when set.
    pub head_timeout: Option<Duration>,
    pub deadline: Instant,
    pub max_body: u64,
    /// Skip pooled connections (retry after a stale one).
    pub fresh_connection: bool,
}

impl Transport {
    /// Build a transport (validates the options). Its DNS cache runs on the system clock.
    pub fn new(opts: &TransportOptions) -> Result<Transport> {
        Transport::build(opts, None, crate::resilience::clock::system())
    }

    /// A transport whose DNS cache TTL runs on `clock` (the client's).
    pub(crate) fn with_clock(opts: &TransportOptions, clock: Arc<dyn crate::resilience::Clock>) -> Result<Transport> {
        Transport::build(opts, None, clock)
    }

    /// A transport whose DNS lookups call `lookup(host, port)` instead of the system
    /// resolver (`None` is "name not found"); the cache, its TTL (on `clock`, e.g. a
    /// [`ManualClock`](crate::resilience::ManualClock)) and the stale answer served when a
    /// re-resolve fails work as usual. For tests of DNS failures.
    #[doc(hidden)]
    pub fn with_dns_lookup(
        opts: &TransportOptions,
        clock: Arc<dyn crate::resilience::Clock>,
        lookup: impl Fn(&str, u16) -> Option<Vec<std::net::SocketAddr>> + Send + Sync + 'static,
    ) -> Result<Transport> {
        Transport::build(opts, Some(Box::new(lookup)), clock)
    }

    fn build(
        opts: &TransportOptions,
        lookup: Option<Box<TestLookup>>,
        clock: Arc<dyn crate::resilience::Clock>,
    ) -> Result<Transport> {
        opts.validate()?;
        let tls = tls::tls_config(opts.tls_roots, &opts.extra_ca_pem, opts.client_cert.as_ref())?;
        let proxy = proxy::setup(opts.proxy.as_deref(), opts.proxy_from_env, proxy::process_env)?;
        let (proxy, proxy_label) = match proxy {
            Some(p) => (Some(p.proxy), Some(p.label)),
            None => (None, None),
        };
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls)
            .no_delay(opts.nodelay)
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_resolve(Some(opts.connect_timeout))
            .max_idle_connections(opts.pool_max_idle_per_host * opts.pool_max_hosts)
            .max_idle_connections_per_host(opts.pool_max_idle_per_host)
            .max_idle_age(opts.pool_idle_timeout)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .build();
        let conns = Arc::new(ConnStats::default());
        let dns = Arc::new(DnsStats::default());
        let socket = connector::SocketConnector {
            opts: connector::SocketOptions {
                keepalive: opts.keepalive,
                nodelay: opts.nodelay,
            },
            stats: conns.clone(),
        };
        let chain = ().chain(ConnectProxyConnector::default()).chain(socket).chain(RustlsConnector::default());
        let resolver = match lookup {
            None => CachingResolver::new(opts.dns_ttl, opts.dns_prefer_ipv4, dns.clone(), clock),
            Some(f) => CachingResolver::with_lookup(
                opts.dns_ttl,
                opts.dns_prefer_ipv4,
                dns.clone(),
                clock,
                move |uri, _, _| {
                    let host = uri
                        .host()
                        .unwrap_or_default()
                        .trim_start_matches('[')
                        .trim_end_matches(']');
                    let port = uri
                        .port_u16()
                        .unwrap_or(if uri.scheme_str() == Some("http") { 80 } else { 443 });
                    f(host, port).ok_or(ureq::Error::HostNotFound)
                },
            ),
        };
        let agent = Agent::with_parts(config, chain, resolver);
        Ok(Transport {
            inner: Arc::new(Inner {
                agent,
                connect_timeout: opts.connect_timeout,
                proxy: proxy_label,
                permits: HostPermits::new(opts.max_connections_per_host, opts.pool_wait.max_wait()),
                conns,
                dns,
                read_cache: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The read cache shared by the clients on this transport, created with these bounds
    /// when none exists yet (the first client's bounds win).
    pub(crate) fn read_cache(
        &self,
        max_entries: usize,
        max_bytes: u64,
    ) -> Arc<crate::resilience::read_cache::SharedReadCache> {
        self.inner
            .read_cache
            .get_or_init(|| {
                Arc::new(crate::resilience::read_cache::SharedReadCache::new(
                    max_entries,
                    max_bytes,
                ))
            })
            .clone()
    }

    /// The read cache of this transport, if a client created one: writes invalidate it.
    pub(crate) fn existing_read_cache(&self) -> Option<&crate::resilience::read_cache::SharedReadCache> {
        self.inner.read_cache.get().map(|c| &**c)
    }

    /// Connection counters.
    pub(crate) fn connection_stats(&self) -> &ConnStats {
        &self.inner.conns
    }

    /// DNS cache counters.
    pub(crate) fn dns_stats(&self) -> &DnsStats {
        &self.inner.dns
    }

    /// Per-host cap counters.
    pub(crate) fn permit_stats(&self) -> &PermitStats {
        &self.inner.permits.stats
    }

    /// (connections in use, calls waiting) for `host` under the per-host cap.
    pub(crate) fn host_gauges(&self, host: &str) -> (usize, u64) {
        self.inner.permits.gauges(host)
    }

    /// Take a slot of the per-host cap.
    pub(crate) fn permit(&self, host: &str, deadline: Instant) -> Result<Permit> {
        self.inner.permits.acquire(host, deadline)
    }

    /// Send one request and read the whole response (within `max_body`).
    pub(crate) fn send(&self, r: &HttpRequest<'_>) -> Result<HttpResponse> {
        let now = Instant::now();
        let left = r.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(Error::new(
                ErrorKind::Timeout(TimeoutPhase::Call),
                format!(
                    "the call deadline passed before the request to {} was sent",
                    authority(r.url)
                ),
            ));
        }
        let mut b = ureq::http::Request::builder().method(r.method.as_str()).uri(r.url);
        for (k, v) in &r.headers {
            b = b.header(k, v);
        }
        if let Some((_, ct)) = r.body {
            b = b.header(ureq::http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        let body: &[u8] = r.body.map(|(b, _)| b).unwrap_or_default();
        let req = b
            .body(body)
            .map_err(|e| Error::invalid(format!("cannot build request: {e}")))?;
        let mut cfg = self
            .inner
            .agent
            .configure_request(req)
            .timeout_global(Some(left))
            .timeout_recv_response(r.head_timeout)
            .timeout_per_read(Some(r.read_timeout));
        if r.fresh_connection {
            cfg = cfg.max_idle_age(Duration::ZERO);
        }
        let req = cfg.build();
        // a cancel during the exchange shuts its socket down (see `cancel::watch_socket`)
        let _scope = crate::cancel::RequestScope::start();
        take_reset();
        let mut resp = self.inner.agent.run(req).map_err(|e| match (e, &self.inner.proxy) {
            (ureq::Error::ConnectProxyFailed(reason), Some(label)) => proxy::refused(&reason, label, &authority(r.url)),
            (e, _) => map_error(e, r, Stage::Head, self.inner.connect_timeout),
        })?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter(|(k, _)| {
                let k = k.as_str();
                matches!(k, "retry-after" | "content-type" | "location") || k.starts_with("x-ratelimit-")
            })
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // we send no Accept-Encoding: a compressed body is one we cannot read
        if let Some(enc) = resp
            .headers()
            .get(ureq::http::header::CONTENT_ENCODING)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty() && e != "identity")
        {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "{} answered HTTP {status} with a {enc}-encoded body, which this client does not decode \
                     (it sends no Accept-Encoding)",
                    authority(r.url)
                ),
            ));
        }
        let expected = resp.body().content_length();
        let body = read_body(resp.body_mut(), r, expected, self.inner.connect_timeout)?;
        Ok(HttpResponse { status, headers, body })
    }
}

/// The whole body (within `max_body`); an error says how many bytes of how many came.
fn read_body(body: &mut ureq::Body, r: &HttpRequest<'_>, expected: Option<u64>, connect: Duration) -> Result<Vec<u8>> {
    use std::io::Read;
    let cap = expected.unwrap_or(0).min(r.max_body).min(1 << 20) as usize;
    let mut out = Vec::with_capacity(cap);
    let mut reader = body.with_config().limit(r.max_body).reader();
    match reader.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(io) => {
            // ureq's own errors (limit, timeouts, framing) come wrapped in an io::Error
            let e = match io.get_ref().is_some_and(|e| e.is::<ureq::Error>()) {
                true => match io.into_inner().map(|e| e.downcast::<ureq::Error>()) {
                    Some(Ok(e)) => *e,
                    _ => ureq::Error::ConnectionFailed,
                },
                false => ureq::Error::Io(io),
            };
            let received = Received {
                bytes: out.len() as u64,
                of: expected,
            };
            Err(map_error(e, r, Stage::Body(received), connect))
        }
    }
}

/// `host:port` of `url` (the default port of its scheme when none is written), for
/// error messages.
fn authority(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let has_port = match hostport.rsplit_once(':') {
        Some((h, p)) => {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (!h.starts_with('[') || h.ends_with(']'))
        }
        None => false,
    };
    match (has_port, scheme) {
        (true, _) => hostport.to_string(),
        (false, "http") => format!("{hostport}:80"),
        (false, _) => format!("{hostport}:443"),
    }
}

/// The rustls error behind an I/O error, if that is what it is.
fn rustls_cause(io: &std::io::Error) -> Option<&rustls::Error> {
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A TLS failure's message: a handshake answered in plain text is named as such, and a
/// certificate's validity dates are RFC 3339 instants.
fn tls_message(e: &rustls::Error, peer: &str) -> String {
    use crate::timefmt::rfc3339_secs as date;
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => format!(
            "{peer}: the server answered plain HTTP on an https URL (its reply is not a TLS record); \
             use http:// for a plain server, or the server's TLS port"
        ),
        rustls::Error::InvalidCertificate(C::ExpiredContext { time, not_after }) => format!(
            "{peer}: the server's certificate expired at {} (it is now {})",
            date(not_after.as_secs()),
            date(time.as_secs())
        ),
        rustls::Error::InvalidCertificate(C::NotValidYetContext { time, not_before }) => format!(
            "{peer}: the server's certificate is not valid before {} (it is now {})",
            date(not_before.as_secs()),
            date(time.as_secs())
        ),
        other => format!("{peer}: {other}"),
    }
}

/// Which part of the exchange an error came from: connecting, sending and reading the
/// head (`Agent::run`), or reading the body (with what had come of it).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Head,
    Body(Received),
}

/// Body bytes received, of the `Content-Length` when there was one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Received {
    bytes: u64,
    of: Option<u64>,
}

impl std::fmt::Display for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.of {
            Some(n) => write!(f, "after {} of {n} body bytes", self.bytes),
            None => write!(f, "after {} body bytes", self.bytes),
        }
    }
}

/// A timeout's phase and what ran out, from ureq's timeout and the stage it hit in: a
/// per-read timeout is `Response` while the head is read and `Body` after it, so the same
/// fault always gives the same phase.
fn timeout_of(
    t: ureq::Timeout,
    r: &HttpRequest<'_>,
    stage: Stage,
    peer: &str,
    connect: Duration,
) -> (TimeoutPhase, String) {
    use ureq::Timeout as T;
    let secs = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    match t {
        T::Resolve => (
            TimeoutPhase::Resolve,
            format!("resolving {peer} took over {} (connect_timeout)", secs(connect)),
        ),
        T::Connect => (
            TimeoutPhase::Connect,
            format!("connecting to {peer} took over {} (connect_timeout)", secs(connect)),
        ),
        T::SendRequest | T::SendBody | T::PerWrite | T::Await100 => {
            (TimeoutPhase::Send, format!("sending the request to {peer}"))
        }
        T::PerRead => {
            let (phase, what) = match stage {
                Stage::Head => (TimeoutPhase::Response, "response head"),
                Stage::Body(_) => (TimeoutPhase::Body, "response body"),
            };
            let msg = format!(
                "{peer} sent nothing for {} (read_timeout) while the {what} was due",
                secs(r.read_timeout)
            );
            (phase, msg)
        }
        T::RecvResponse => {
            let budget = r
                .head_timeout
                .map_or_else(String::new, |d| format!(" within {}", secs(d)));
            (
                TimeoutPhase::Response,
                format!("{peer} did not complete the response head{budget} (response_head_timeout)"),
            )
        }
        T::RecvBody => (TimeoutPhase::Body, format!("{peer} did not complete the response body")),
        _ => (
            TimeoutPhase::Call,
            format!("the call deadline passed while talking to {peer}"),
        ),
    }
}

/// Map a ureq error of request `r` to our kinds, from the error's type (never its text):
/// `io::ErrorKind`, the `rustls::Error` inside an I/O error, the resolver's
/// [`DnsFailure`](resolver::DnsFailure), and ureq's own variants.
fn map_error(e: ureq::Error, r: &HttpRequest<'_>, stage: Stage, connect: Duration) -> Error {
    use ureq::Error as U;
    let peer = authority(r.url);
    match e {
        U::Timeout(t) => {
            let (phase, msg) = timeout_of(t, r, stage, &peer, connect);
            Error::new(ErrorKind::Timeout(phase), msg).with_source(U::Timeout(t))
        }
        U::HostNotFound => Error::new(ErrorKind::Dns, format!("cannot resolve {peer}: no address")),
        U::BodyExceedsLimit(n) => Error::new(
            ErrorKind::BodyTooLarge { limit: n },
            format!("{peer} sent a body over max_response_bytes"),
        ),
        U::Io(io) => {
            use std::io::ErrorKind as K;
            if let Some(tls) = rustls_cause(&io) {
                let msg = tls_message(tls, &peer);
                return Error::new(ErrorKind::Tls, msg).with_source(io);
            }
            if let Some(dns) = io.get_ref().and_then(|e| e.downcast_ref::<resolver::DnsFailure>()) {
                let msg = dns.to_string();
                return Error::new(ErrorKind::Dns, msg).with_source(io);
            }
            let (kind, what) = match io.kind() {
                K::ConnectionRefused => (ErrorKind::Connect, "connection refused"),
                K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => (ErrorKind::Connect, "unreachable"),
                K::AddrNotAvailable => (ErrorKind::Connect, "no local address"),
                K::TimedOut => (ErrorKind::Timeout(TimeoutPhase::Body), "timed out"),
                K::ConnectionReset | K::ConnectionAborted => (ErrorKind::Io, "reset by the server"),
                K::UnexpectedEof if take_reset() => (ErrorKind::Io, "reset by the server"),
                K::UnexpectedEof => (ErrorKind::Io, "closed by the server"),
                K::BrokenPipe => (ErrorKind::Io, "closed by the server while the request was sent"),
                _ => (ErrorKind::Io, "broken"),
            };
            let when = match stage {
                Stage::Body(received) => format!(" {received}"),
                Stage::Head if kind == ErrorKind::Io => " before the response head".to_string(),
                Stage::Head => String::new(),
            };
            // the system's words only where ours do not already say it
            let detail = match io.kind() {
                K::ConnectionRefused | K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
                    String::new()
                }
                _ => format!(" ({io})"),
            };
            Error::new(kind, format!("{peer}: {what}{when}{detail}")).with_source(io)
        }
        U::Tls(m) => Error::new(ErrorKind::Tls, format!("{peer}: {m}")),
        U::Rustls(r) => Error::new(ErrorKind::Tls, tls_message(&r, &peer)).with_source(r),
        U::Pem(p) => Error::new(ErrorKind::Tls, format!("{peer}: {p}")),
        U::ConnectionFailed => Error::new(ErrorKind::Connect, format!("cannot connect to {peer}")),
        U::Protocol(p) => {
            Error::new(ErrorKind::Protocol, format!("{peer} sent a malformed response: {p}")).with_source(p)
        }
        U::LargeResponseHeader(size, limit) => Error::new(
            ErrorKind::Protocol,
            format!("{peer} sent a response head over {limit} bytes ({size} bytes or more)"),
        ),
        U::BadUri(u) => Error::invalid(format!("bad URL: {u}")),
        U::Http(h) => Error::invalid(format!("bad request: {h}")),
        U::InvalidProxyUrl => Error::invalid("invalid proxy URL"),
        other => Error::new(ErrorKind::Io, format!("{peer}: {other}")).with_source(other),
    }
}
