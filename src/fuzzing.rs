//! Entry points for the fuzz targets in `fuzz/` (not part of the API; no stability promise).
//!
//! Thin wrappers over crate-private parsers and validators, so that the fuzzers run the
//! real code: `Retry-After`, the `X-RateLimit-*` headers as the pipeline reads them from
//! a response, HTTP error bodies, the API URL and the whole `ClientBuilder` validation.
//! Nothing here has behaviour of its own. The C ABI's modules are under [`ffi`], for the
//! targets that call it as Rust. Only built with the crate's `fuzzing` feature.

use std::time::Duration;

use crate::config::ClientBuilder;
use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::resilience::ServerLimits;

/// The C ABI's modules (`ffi::client`, `ffi::config`…), otherwise private to the crate.
pub mod ffi {
    pub use crate::ffi::*;
}

fn response(status: u16, headers: &[(String, String)], body: &[u8]) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers.to_vec(),
        body: body.to_vec(),
    }
}

/// A `Retry-After` value as the client reads it (delay-seconds or HTTP-date).
pub fn retry_after(value: &str) -> Option<Duration> {
    crate::error::parse_retry_after(value)
}

/// The error the client makes of a non-success response (`headers` with lower-case
/// names, as the transport hands them over): `ErrorResponse` body, `Retry-After`.
pub fn http_error(op: &str, status: u16, headers: &[(String, String)], body: &[u8]) -> Error {
    crate::error::http_error(op, &response(status, headers, body))
}

/// The `X-RateLimit-*` headers of a response, read the way the pipeline reads them.
pub fn server_limits(headers: &[(String, String)]) -> ServerLimits {
    let resp = response(200, headers, b"");
    ServerLimits::parse(|k| resp.header(k))
}

/// A checked API base URL: `(scheme, host, port, origin)`.
pub fn parse_url(raw: &str, allow_http: bool) -> Result<(String, String, u16, String)> {
    crate::url::parse(raw, allow_http).map(|u| (u.scheme, u.host, u.port, u.origin))
}

/// The API URL of a bare `cloud_id`.
pub fn url_from_cloud_id(cloud_id: &str) -> Result<String> {
    crate::url::from_cloud_id(cloud_id)
}

/// Whether the URL code treats `host` as the local machine.
pub fn is_loopback(host: &str) -> bool {
    crate::url::is_loopback(host)
}

/// Every check `build()` makes before it creates the transport; on success, the URL of
/// API path `path` and the token URL, as requests would use them.
pub fn validate_config(builder: &ClientBuilder, path: &str) -> Result<(String, String)> {
    let cfg = builder.config()?;
    Ok((cfg.url(path), cfg.token_url()))
}
