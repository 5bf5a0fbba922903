//! A request as the pipeline sees it: operation name, method, path under the
//! API prefix, query and body. Typed service methods and the raw escape hatch
//! both build one of these.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::error::{Error, Result};

/// HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name in capitals, as sent on the wire (`"GET"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// GET, PUT and DELETE may be repeated without changing the outcome (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// No body.
    None,
    /// Serialised JSON, sent as `application/json`.
    Json(Vec<u8>),
    /// Bare text, sent as `text/plain` (string settings).
    Text(String),
}

/// One API call, before auth and transport.
#[derive(Debug, Clone)]
pub struct Call {
    /// Operation name for metrics and logs (the spec's operationId where there is one).
    pub op: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path below the API prefix, segments already encoded, e.g. `/networks/abc`.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(String, String)>,
    /// Request body.
    pub payload: Payload,
}

impl Call {
    /// A call of operation `op` with no query and no body; `path` is below the API prefix, segments already encoded.
    pub fn new(op: &'static str, method: Method, path: impl Into<String>) -> Call {
        Call {
            op,
            method,
            path: path.into(),
            query: Vec::new(),
            payload: Payload::None,
        }
    }

    /// A `GET` call (see [`Call::new`]).
    pub fn get(op: &'static str, path: impl Into<String>) -> Call {
        Call::new(op, Method::Get, path)
    }

    /// A `POST` call (see [`Call::new`]).
    pub fn post(op: &'static str, path: impl Into<String>) -> Call {
        Call::new(op, Method::Post, path)
    }

    /// A `PUT` call (see [`Call::new`]).
    pub fn put(op: &'static str, path: impl Into<String>) -> Call {
        Call::new(op, Method::Put, path)
    }

    /// A `DELETE` call (see [`Call::new`]).
    pub fn delete(op: &'static str, path: impl Into<String>) -> Call {
        Call::new(op, Method::Delete, path)
    }

    /// Add a query parameter (encoded when the URL is built).
    pub fn query(mut self, key: &str, value: impl ToString) -> Call {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// Add a query parameter if it is `Some`.
    pub fn query_opt(self, key: &str, value: Option<impl ToString>) -> Call {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Serialise `body` as the JSON payload.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Call> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Error::invalid(format!("cannot serialise request body: {e}")))?;
        self.payload = Payload::Json(bytes);
        Ok(self)
    }

    /// Use bare text as the payload.
    pub fn text(mut self, body: impl Into<String>) -> Call {
        self.payload = Payload::Text(body.into());
        self
    }
}

/// Characters kept as they are in a path segment: RFC 3986 unreserved only.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// Query components: unreserved kept, everything else encoded.
pub(crate) const QUERY: &AsciiSet = SEGMENT;

/// Check and encode one id for use as a path segment.
///
/// Empty ids, `.` and `..`, and ids with control characters are rejected with
/// `InvalidInput`; everything else is percent-encoded, so `/`, `?` and `#` in an id
/// can never change the path that is requested.
pub fn segment(id: &str) -> Result<String> {
    if id.is_empty() {
        return Err(Error::invalid("id must not be empty"));
    }
    if id == "." || id == ".." {
        return Err(Error::invalid(format!("id {id:?} is not a valid resource id")));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid("id must not contain control characters"));
    }
    if id.len() > 512 {
        return Err(Error::invalid("id longer than 512 bytes"));
    }
    Ok(utf8_percent_encode(id, SEGMENT).to_string())
}

/// Encode a query component.
#[cfg(test)]
pub(crate) fn encode_query(s: &str) -> String {
    utf8_percent_encode(s, QUERY).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_or_rejected() {
        assert_eq!(segment("abc-123").unwrap(), "abc-123");
        assert_eq!(segment("../admin").unwrap(), "..%2Fadmin");
        assert_eq!(segment("a b?c#d").unwrap(), "a%20b%3Fc%23d");
        assert!(segment("").is_err());
        assert!(segment("..").is_err());
        assert!(segment("a\nb").is_err());
    }

    #[test]
    fn builder() {
        let c = Call::get("op", "/x")
            .query("page", 2)
            .query_opt("networkId", None::<&str>)
            .query_opt("s", Some("a b"));
        assert_eq!(c.query, vec![("page".into(), "2".into()), ("s".into(), "a b".into())]);
        assert_eq!(encode_query("a b&c"), "a%20b%26c");
        assert!(Method::Put.is_idempotent() && !Method::Post.is_idempotent());
    }
}
