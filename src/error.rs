//! The one error type of the library: what went wrong, whether trying again can
//! help, and how long the server asked us to wait; and how a non-success answer
//! becomes one (`http_error`, `parse_retry_after`).

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::http::HttpResponse;

/// Which phase of a call ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Resolving the host name.
    Resolve,
    /// TCP connect and TLS handshake.
    Connect,
    /// Sending the request.
    Send,
    /// Waiting for and reading the response head.
    Response,
    /// Reading the response body.
    Body,
    /// The whole call (all attempts) exceeded its deadline.
    Call,
    /// Waiting for a connection slot of the per-host cap.
    PoolWait,
}

/// The parsed `ErrorResponse` body the API sends with 400, 404 and 500.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorBody {
    /// `errorMessage`: what went wrong, in words.
    pub error_message: Option<String>,
    /// `statusError`: the status as a name (e.g. `NOT_FOUND`).
    pub status_error: Option<String>,
    /// `errorDetails`: the problems found, by field.
    pub error_details: std::collections::BTreeMap<String, Vec<ApiErrorDetail>>,
}

/// One entry of `errorDetails`.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorDetail {
    /// `errorCode`: a machine-readable code.
    pub error_code: Option<String>,
    /// `message`: the problem, in words.
    pub message: Option<String>,
    /// `params`: values the message refers to.
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed something unusable (bad URL, empty id, bad option). Never retryable.
    InvalidInput,
    /// The host name could not be resolved.
    Dns,
    /// TCP connect failed (refused, unreachable). The request never reached the server.
    Connect,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// A time budget ran out.
    Timeout(TimeoutPhase),
    /// The connection broke while the request or response was in flight (reset, closed
    /// early, truncated body).
    Io,
    /// The server answered with a non-success status.
    Http {
        /// The HTTP status.
        status: u16,
        /// The parsed `ErrorResponse`, when the body was one.
        body: Option<ApiErrorBody>,
        /// The raw body (at most 64 KiB kept), for anything else.
        raw: String,
    },
    /// The token endpoint answered with a non-success status (or an unusable body).
    /// Failures that got no answer keep their own kind (`Dns`, `Connect`, `Tls`, `Timeout`…).
    Auth {
        /// The token endpoint's HTTP status; 0 when it answered none.
        status: u16,
    },
    /// The response body could not be decoded as the expected type.
    Decode,
    /// The response body exceeded the configured limit.
    BodyTooLarge {
        /// The limit in bytes (`max_response_bytes`).
        limit: u64,
    },
    /// The local rate limiter refused the call (fail-fast mode).
    RateLimited,
    /// The circuit breaker is open for this host.
    CircuitOpen,
    /// Every connection slot of the per-host cap is taken (fail-fast mode).
    PoolExhausted,
    /// The call was cancelled by the caller.
    Cancelled,
    /// The server's answer was not valid HTTP/1.1: a malformed status line or header, a
    /// conflicting or invalid `Content-Length`, broken chunked framing, a response head
    /// over the size limit. Not retried for POST; an idempotent call is sent again once,
    /// on a new connection.
    Protocol,
    /// The HTTP proxy refused to open the tunnel to the API: it answered `CONNECT` with
    /// this status, other than 2xx and 5xx (407 or 401: its credentials are missing or
    /// wrong; 403: its rules forbid the target). The request never reached the API. Never
    /// retryable (the same proxy refuses the same tunnel again); a 5xx answer of the proxy
    /// (it cannot reach the API) is [`Connect`](Self::Connect) instead, which is.
    Proxy {
        /// The proxy's HTTP status (0 when its answer had none that could be read).
        status: u16,
    },
}

impl ErrorKind {
    /// Every kind's [`name`](Self::name), in declaration order.
    pub const NAMES: [&'static str; 16] = [
        "invalid_input",
        "dns",
        "connect",
        "tls",
        "timeout",
        "io",
        "http",
        "auth",
        "decode",
        "body_too_large",
        "rate_limited",
        "circuit_open",
        "pool_exhausted",
        "cancelled",
        "protocol",
        "proxy",
    ];

    /// Position of this kind in [`NAMES`](Self::NAMES).
    pub(crate) fn index(&self) -> usize {
        match self {
            ErrorKind::InvalidInput => 0,
            ErrorKind::Dns => 1,
            ErrorKind::Connect => 2,
            ErrorKind::Tls => 3,
            ErrorKind::Timeout(_) => 4,
            ErrorKind::Io => 5,
            ErrorKind::Http { .. } => 6,
            ErrorKind::Auth { .. } => 7,
            ErrorKind::Decode => 8,
            ErrorKind::BodyTooLarge { .. } => 9,
            ErrorKind::RateLimited => 10,
            ErrorKind::CircuitOpen => 11,
            ErrorKind::PoolExhausted => 12,
            ErrorKind::Cancelled => 13,
            ErrorKind::Protocol => 14,
            ErrorKind::Proxy { .. } => 15,
        }
    }

    /// A stable lower-case name for metrics and logs: `invalid_input`, `dns`, `connect`,
    /// `tls`, `timeout`, `io`, `http`, `auth`, `decode`, `body_too_large`, `rate_limited`,
    /// `circuit_open`, `pool_exhausted`, `cancelled`, `protocol` or `proxy`.
    pub fn name(&self) -> &'static str {
        Self::NAMES[self.index()]
    }
}

/// An error from the Cloud Connexa client.
///
/// Messages never contain the client secret, a bearer token or an `Authorization` header.
///
/// One pointer wide, so `Result<T, Error>` stays small on the happy path.
#[derive(Debug, Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    retry_after: Option<Duration>,
    /// The API request of the call was provably never sent (e.g. its token request failed).
    not_sent: bool,
    /// The underlying error (I/O, TLS, HTTP framing), for [`std::error::Error::source`].
    source: Option<Source>,
}

/// The cause of an [`Error`], shared by its clones.
type Source = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                retry_after: None,
                not_sent: false,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// The same error with `cause` as its [`source`](std::error::Error::source).
    pub(crate) fn with_source(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.inner.source = Some(std::sync::Arc::new(cause));
        self
    }

    pub(crate) fn with_retry_after(mut self, d: Option<Duration>) -> Error {
        self.inner.retry_after = d;
        self
    }

    /// Mark that the API request this error ended was never sent, whatever the kind says
    /// (a broken token request is `Io`, but the request it was for never left).
    pub(crate) fn before_sending(mut self) -> Error {
        self.inner.not_sent = true;
        self
    }

    /// Whether the API request was provably never sent (see [`before_sending`](Self::before_sending)).
    pub(crate) fn never_sent(&self) -> bool {
        self.inner.not_sent
    }

    /// The same error with `context: ` in front of its message.
    pub(crate) fn context(mut self, context: &str) -> Error {
        self.inner.message = format!("{context}: {}", self.inner.message);
        self
    }

    /// The same error with `note` after its message (`message; note`).
    pub(crate) fn note(mut self, note: &str) -> Error {
        if self.inner.message.is_empty() {
            self.inner.message = note.to_string();
        } else {
            self.inner.message = format!("{}; {note}", self.inner.message);
        }
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Human-readable detail (also part of `Display`).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status, for `Http` and `Auth` errors, and the proxy's for `Proxy` errors.
    pub fn status(&self) -> Option<u16> {
        match self.inner.kind {
            ErrorKind::Http { status, .. } => Some(status),
            ErrorKind::Auth { status } | ErrorKind::Proxy { status } if status != 0 => Some(status),
            _ => None,
        }
    }

    /// The parsed `ErrorResponse` body of an `Http` error.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match &self.inner.kind {
            ErrorKind::Http { body, .. } => body.as_ref(),
            _ => None,
        }
    }

    /// How long the server (`Retry-After`), the limiter or the breaker asked to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether the same call may succeed if tried again later: connection failures,
    /// timeouts, 408, 429, 5xx, rate limiting, an open breaker, an exhausted pool.
    /// Input, TLS, malformed HTTP (`Protocol`), decode, other 4xx errors and a proxy's
    /// refusal (`Proxy`) are not.
    pub fn is_retryable(&self) -> bool {
        match &self.inner.kind {
            ErrorKind::Dns | ErrorKind::Connect | ErrorKind::Timeout(_) | ErrorKind::Io => true,
            ErrorKind::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            ErrorKind::Auth { status } => *status == 0 || *status == 429 || *status >= 500,
            ErrorKind::RateLimited | ErrorKind::CircuitOpen | ErrorKind::PoolExhausted => true,
            ErrorKind::InvalidInput
            | ErrorKind::Tls
            | ErrorKind::Decode
            | ErrorKind::BodyTooLarge { .. }
            | ErrorKind::Cancelled
            | ErrorKind::Protocol
            | ErrorKind::Proxy { .. } => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.inner.kind {
            ErrorKind::InvalidInput => "invalid input".to_string(),
            ErrorKind::Dns => "DNS resolution failed".to_string(),
            ErrorKind::Connect => "connection failed".to_string(),
            ErrorKind::Tls => "TLS failure".to_string(),
            ErrorKind::Timeout(p) => format!("timed out ({p:?})"),
            ErrorKind::Io => "connection broken".to_string(),
            ErrorKind::Http { status, .. } => format!("HTTP {status}"),
            ErrorKind::Auth { status: 0 } => "authentication failed".to_string(),
            ErrorKind::Auth { status } => format!("authentication failed (HTTP {status})"),
            ErrorKind::Decode => "unexpected response body".to_string(),
            ErrorKind::BodyTooLarge { limit } => format!("response body larger than {limit} bytes"),
            ErrorKind::RateLimited => "rate limited".to_string(),
            ErrorKind::CircuitOpen => "circuit open".to_string(),
            ErrorKind::PoolExhausted => "connection pool exhausted".to_string(),
            ErrorKind::Cancelled => "cancelled".to_string(),
            ErrorKind::Protocol => "malformed HTTP response".to_string(),
            ErrorKind::Proxy { status: 0 } => "proxy refused the tunnel".to_string(),
            ErrorKind::Proxy { status } => format!("proxy refused the tunnel (HTTP {status})"),
        };
        write!(f, "{what}")?;
        if !self.inner.message.is_empty() {
            write!(f, ": {}", self.inner.message)?;
        }
        if let Some(d) = self.inner.retry_after {
            write!(f, " (retry after {:.3} s)", d.as_secs_f64())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    /// The underlying I/O, TLS or HTTP framing error, when there is one.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Parse `Retry-After`: delay seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// The `Error` for a non-success response.
pub(crate) fn http_error(op: &str, resp: &HttpResponse) -> Error {
    let raw_full = String::from_utf8_lossy(&resp.body);
    let raw: String = raw_full.chars().take(64 * 1024).collect();
    let body = serde_json::from_slice::<ApiErrorBody>(&resp.body)
        .ok()
        .filter(|b| b.error_message.is_some() || b.status_error.is_some() || !b.error_details.is_empty());
    let detail = match (&body, resp.status) {
        (_, 300..=399) => match resp.header("location") {
            Some(to) => format!("redirected to {to}; redirects are not followed (check the API URL)"),
            None => "a redirect without a Location; redirects are not followed (check the API URL)".to_string(),
        },
        (Some(b), _) => b.error_message.clone().unwrap_or_default(),
        (None, _) => raw.chars().take(200).collect(),
    };
    let msg = if detail.is_empty() {
        op.to_string()
    } else {
        format!("{op}: {detail}")
    };
    Error::new(
        ErrorKind::Http {
            status: resp.status,
            body,
            raw,
        },
        msg,
    )
    .with_retry_after(resp.header("retry-after").and_then(parse_retry_after))
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classes() {
        let http = |s| {
            Error::new(
                ErrorKind::Http {
                    status: s,
                    body: None,
                    raw: String::new(),
                },
                "",
            )
        };
        assert!(http(503).is_retryable() && http(429).is_retryable() && http(408).is_retryable());
        assert!(!http(404).is_retryable() && !http(400).is_retryable());
        assert!(Error::new(ErrorKind::Connect, "x").is_retryable());
        assert!(!Error::invalid("x").is_retryable());
        assert_eq!(http(404).status(), Some(404));
        assert_eq!(Error::new(ErrorKind::Auth { status: 401 }, "").status(), Some(401));
        let proxy = Error::new(ErrorKind::Proxy { status: 407 }, "");
        assert!(!proxy.is_retryable());
        assert_eq!((proxy.status(), proxy.kind().name()), (Some(407), "proxy"));
    }

    #[test]
    fn display_is_useful() {
        let e = Error::new(ErrorKind::Timeout(TimeoutPhase::Connect), "to api.example:443")
            .with_retry_after(Some(Duration::from_millis(1500)));
        assert_eq!(
            e.to_string(),
            "timed out (Connect): to api.example:443 (retry after 1.500 s)"
        );
    }

    #[test]
    fn a_redirect_names_its_location_and_says_it_is_not_followed() {
        let resp = |headers: Vec<(String, String)>| HttpResponse {
            status: 302,
            headers,
            body: b"moved".to_vec(),
        };
        let e = http_error(
            "getNetworksPage",
            &resp(vec![("location".into(), "https://login.example/sso".into())]),
        );
        assert_eq!(
            e.to_string(),
            "HTTP 302: getNetworksPage: redirected to https://login.example/sso; redirects are not followed \
             (check the API URL)"
        );
        let e = http_error("getNetworksPage", &resp(vec![]));
        assert!(
            e.to_string()
                .ends_with("a redirect without a Location; redirects are not followed (check the API URL)"),
            "{e}"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&future).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
