//! `ccx_code`: the result of every fallible C function.

use crate::error::ErrorKind;

/// Result code of a `ccx_*` function. `CCX_CODE_OK` (0) is success. Codes come in
/// numbered families with gaps (1xx arguments, 2xx transport, 3xx HTTP, 4xx
/// resilience, 9xx internal); a number is never reused for another meaning.
///
/// The `Returns:` part of each function lists the codes its arguments can give. Besides
/// those, any function returning a `ccx_code` may return `CCX_CODE_PANIC` (a bug, caught
/// at the boundary), and any `(pointer, length)` argument over 64 MiB is
/// `CCX_CODE_INVALID_PARAMETER`; the `Returns:` parts do not repeat these.
///
/// The codes of a call: a function that sends requests (every one with a
/// `const ccx_call_options *opts` parameter) can also return `CCX_CODE_INVALID_PARAMETER`
/// (a value refused before anything is sent), any code of the 2xx, 3xx and 4xx families
/// (`CCX_CODE_CANCELLED` and `CCX_CODE_TIMEOUT` through `opts` too), and
/// `CCX_CODE_INTERNAL`. Programs must treat a code they do not know as a failure.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum ccx_code {
    /// Success: the outputs are filled and no error was written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 100,
    /// An argument is out of range or otherwise unusable.
    InvalidParameter = 101,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 102,
    /// A JSON argument is malformed or does not fit the model (the message names the field).
    InvalidJson = 103,
    /// The host name could not be resolved.
    Dns = 200,
    /// TCP connect failed; the request never reached the server.
    Connect = 201,
    /// TLS handshake or certificate verification failed.
    Tls = 202,
    /// A time budget ran out (connect, read, pool wait or the whole call).
    Timeout = 203,
    /// The connection broke during the exchange (reset, closed early, truncated body).
    Io = 204,
    /// The call was cancelled through its `ccx_cancel_token`.
    Cancelled = 205,
    /// The server's answer was not valid HTTP/1.1 (malformed status line or header,
    /// conflicting `Content-Length`, broken chunking, head over the size limit). Not
    /// retried for POST; an idempotent call is sent again once, on a new connection.
    Protocol = 206,
    /// The HTTP proxy refused to open the tunnel to the API (it answered `CONNECT` with
    /// 407/401: credentials missing or wrong, or 403: forbidden by its rules; see
    /// `ccx_error_http_status` for its status). The request never reached the API. Not retried.
    Proxy = 207,
    /// The server answered with a non-success HTTP status (see `ccx_error_http_status`).
    HttpStatus = 300,
    /// The token endpoint refused the credentials or failed.
    Auth = 301,
    /// The response body could not be decoded.
    Decode = 302,
    /// The response body exceeded the configured limit.
    BodyTooLarge = 303,
    /// The client-side rate limiter refused the call (see `ccx_error_retry_after_ms`).
    RateLimited = 400,
    /// The circuit breaker is open for this host (see `ccx_error_retry_after_ms`).
    CircuitOpen = 401,
    /// Every connection slot of the per-host cap is taken.
    PoolExhausted = 402,
    /// A Rust panic was caught at the boundary (a bug: please report it).
    Panic = 900,
    /// An internal error.
    Internal = 901,
}

impl ccx_code {
    pub(crate) fn from_kind(kind: &ErrorKind) -> ccx_code {
        match kind {
            ErrorKind::InvalidInput => ccx_code::InvalidParameter,
            ErrorKind::Dns => ccx_code::Dns,
            ErrorKind::Connect => ccx_code::Connect,
            ErrorKind::Tls => ccx_code::Tls,
            ErrorKind::Timeout(_) => ccx_code::Timeout,
            ErrorKind::Io => ccx_code::Io,
            ErrorKind::Http { .. } => ccx_code::HttpStatus,
            ErrorKind::Auth { .. } => ccx_code::Auth,
            ErrorKind::Decode => ccx_code::Decode,
            ErrorKind::BodyTooLarge { .. } => ccx_code::BodyTooLarge,
            ErrorKind::RateLimited => ccx_code::RateLimited,
            ErrorKind::CircuitOpen => ccx_code::CircuitOpen,
            ErrorKind::PoolExhausted => ccx_code::PoolExhausted,
            ErrorKind::Cancelled => ccx_code::Cancelled,
            ErrorKind::Protocol => ccx_code::Protocol,
            ErrorKind::Proxy { .. } => ccx_code::Proxy,
            #[allow(unreachable_patterns)]
            _ => ccx_code::Internal,
        }
    }

    const ALL: [ccx_code; 22] = [
        ccx_code::Ok,
        ccx_code::NullParameter,
        ccx_code::InvalidParameter,
        ccx_code::InvalidUtf8,
        ccx_code::InvalidJson,
        ccx_code::Dns,
        ccx_code::Connect,
        ccx_code::Tls,
        ccx_code::Timeout,
        ccx_code::Io,
        ccx_code::Cancelled,
        ccx_code::Protocol,
        ccx_code::Proxy,
        ccx_code::HttpStatus,
        ccx_code::Auth,
        ccx_code::Decode,
        ccx_code::BodyTooLarge,
        ccx_code::RateLimited,
        ccx_code::CircuitOpen,
        ccx_code::PoolExhausted,
        ccx_code::Panic,
        ccx_code::Internal,
    ];

    fn name(self) -> &'static std::ffi::CStr {
        match self {
            ccx_code::Ok => c"ok",
            ccx_code::NullParameter => c"a required pointer argument was NULL",
            ccx_code::InvalidParameter => c"invalid argument",
            ccx_code::InvalidUtf8 => c"argument is not valid UTF-8",
            ccx_code::InvalidJson => c"invalid JSON argument",
            ccx_code::Dns => c"DNS resolution failed",
            ccx_code::Connect => c"connection failed",
            ccx_code::Tls => c"TLS failure",
            ccx_code::Timeout => c"timed out",
            ccx_code::Io => c"connection broken",
            ccx_code::Cancelled => c"cancelled",
            ccx_code::Protocol => c"malformed HTTP response",
            ccx_code::Proxy => c"proxy refused the tunnel",
            ccx_code::HttpStatus => c"HTTP error status",
            ccx_code::Auth => c"authentication failed",
            ccx_code::Decode => c"unexpected response body",
            ccx_code::BodyTooLarge => c"response body too large",
            ccx_code::RateLimited => c"rate limited",
            ccx_code::CircuitOpen => c"circuit open",
            ccx_code::PoolExhausted => c"connection pool exhausted",
            ccx_code::Panic => c"internal panic",
            ccx_code::Internal => c"internal error",
        }
    }
}

/// A static English description of `code`, e.g. `"timed out"`; `"unknown ccx_code"` for a
/// number this library does not know.
///
/// Parameters: `code` is any number (a `ccx_code` value).
///
/// Ownership: the string is static and NUL-terminated: never NULL, never freed, valid for
/// the life of the process.
///
/// Thread safety: safe from any thread, at any time.
///
/// Returns: the description.
#[unsafe(no_mangle)]
pub extern "C" fn ccx_code_str(code: u32) -> *const std::ffi::c_char {
    ccx_code::ALL
        .iter()
        .find(|c| **c as u32 == code)
        .map_or(c"unknown ccx_code", |c| c.name())
        .as_ptr()
}

/// The library's version as a number, `(major << 16) | (minor << 8) | patch` (0x000100 for
/// 0.1.0): the value of `CCX_VERSION_NUM` in the header of the same release. Compare the
/// two to check that the library loaded at run time is the one a program was built with, or
/// a newer one.
///
/// Parameters: none.
///
/// Thread safety: safe from any thread, at any time.
///
/// Returns: the version number; never fails.
#[unsafe(no_mangle)]
pub extern "C" fn ccx_version_num() -> u32 {
    const NUM: u32 = (parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
        | (parse_u32(env!("CARGO_PKG_VERSION_MINOR")) << 8)
        | parse_u32(env!("CARGO_PKG_VERSION_PATCH"));
    NUM
}

/// A decimal number of Cargo's version parts, at compile time.
const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0u32;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

/// The library version as text, e.g. `"cloudconnexa 0.1.0"`.
///
/// Parameters: none.
///
/// Ownership: the string is static and NUL-terminated: never NULL, never freed.
///
/// Thread safety: safe from any thread, at any time.
///
/// Returns: the version string; never fails.
#[unsafe(no_mangle)]
pub extern "C" fn ccx_version() -> *const std::ffi::c_char {
    concat!("cloudconnexa ", env!("CARGO_PKG_VERSION"), "\0")
        .as_ptr()
        .cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_number_packs_cargos_version() {
        let v: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split(['-', '+'])
            .next()
            .unwrap()
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(ccx_version_num(), (v[0] << 16) | (v[1] << 8) | v[2]);
        assert_eq!(parse_u32("0"), 0);
        assert_eq!(parse_u32("255"), 255);
    }
}
