//! What a handler answers, and the spec's `ErrorResponse` builders.

use serde_json::{Map, Value, json};

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    Json(Value),
    /// Bare text, sent as `text/plain` with no trailing newline.
    Text(String),
    /// Bytes already serialised, with their content type (from the response cache).
    Raw(bytes::Bytes, &'static str),
}

/// A handler's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Body,
    pub retry_after: Option<String>,
}

/// Handlers return `Err` for error answers so `?` works on validation.
pub type ApiResult = Result<Reply, Reply>;

impl Reply {
    pub fn new(status: u16, body: Body) -> Reply {
        Reply {
            status,
            body,
            retry_after: None,
        }
    }
    pub fn json(status: u16, v: Value) -> Reply {
        Reply::new(status, Body::Json(v))
    }
    pub fn ok(v: Value) -> Reply {
        Reply::json(200, v)
    }
    pub fn text(s: impl Into<String>) -> Reply {
        Reply::new(200, Body::Text(s.into()))
    }
    pub fn empty(status: u16) -> Reply {
        Reply::new(status, Body::Empty)
    }

    /// An `ErrorResponse` with the given details.
    pub fn error(status: u16, message: impl Into<String>, details: Map<String, Value>) -> Reply {
        Reply::json(
            status,
            json!({ "errorMessage": message.into(), "statusError": status_name(status), "errorDetails": details }),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Reply {
        Reply::error(400, message, Map::new())
    }

    /// 400 naming one field: `{"<field>":[{"errorCode":code,"message":msg,"params":{}}]}`.
    pub fn field_error(field: &str, code: &str, message: &str) -> Reply {
        let mut d = Map::new();
        add_detail(&mut d, field, code, message);
        Reply::error(400, format!("Validation failed: {field} {message}"), d)
    }

    pub fn not_found(what: &str, id: &str) -> Reply {
        Reply::error(404, format!("{what} with id {id} not found"), Map::new())
    }

    pub fn with_retry_after(mut self, v: Option<String>) -> Reply {
        self.retry_after = v;
        self
    }
}

/// Append one entry to an `errorDetails` map.
pub fn add_detail(d: &mut Map<String, Value>, field: &str, code: &str, message: &str) {
    let entry = json!({ "errorCode": code, "message": message, "params": {} });
    match d.get_mut(field) {
        Some(Value::Array(a)) => a.push(entry),
        _ => {
            d.insert(field.to_string(), Value::Array(vec![entry]));
        }
    }
}

/// Spring's `HttpStatus` names, as the real service writes in `statusError`.
pub fn status_name(status: u16) -> &'static str {
    match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        429 => "TOO_MANY_REQUESTS",
        500 => "INTERNAL_SERVER_ERROR",
        501 => "NOT_IMPLEMENTED",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        s if s < 500 => "CLIENT_ERROR",
        _ => "SERVER_ERROR",
    }
}
