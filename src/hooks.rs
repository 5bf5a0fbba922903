//! The per-request hook ([`ClientBuilder::on_request`](crate::ClientBuilder::on_request)):
//! the event every HTTP request reports, API calls and token requests alike, and the
//! callback type that receives it.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::request::Method;

/// One HTTP request as the per-request hook sees it.
#[derive(Debug, Clone)]
pub struct RequestEvent<'a> {
    /// The API operation id (e.g. `getNetworks`), `requestToken` for a token request,
    /// `raw` for [`Client::request`](crate::Client::request).
    pub operation: &'a str,
    /// The HTTP method sent.
    pub method: Method,
    /// 1 for the first request of a call, then 2, 3… (retries, token refresh, fresh connection).
    /// A token request is reported as operation `requestToken`, attempt 1, in the trace of
    /// the call that needed the token.
    pub attempt: u32,
    /// The HTTP status, or `None` when no response came (see `error`).
    pub status: Option<u16>,
    /// Why the request failed: set when no response came, and when a token request
    /// failed (its status, if any, is in `status`); `None` for an API response of any
    /// status.
    pub error: Option<&'a Error>,
    /// Time from sending the request to having read the whole response (or failing).
    pub latency: Duration,
    /// The W3C trace id of the call (32 hex digits).
    pub trace_id: String,
    /// This request's span id (16 hex digits), as sent in its `traceparent` header.
    pub span_id: String,
}

/// A callback run after every HTTP request (any thread; keep it quick).
pub type RequestHook = Arc<dyn Fn(&RequestEvent<'_>) + Send + Sync>;
