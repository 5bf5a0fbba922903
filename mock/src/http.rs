//! Turning hyper requests into handler input and replies into hyper responses.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use percent_encoding::percent_decode_str;

use crate::reply::{Body, Reply};

/// Decode `a=b&c=d` (form / query encoding: `+` is a space).
pub fn parse_form(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Split a path into percent-decoded segments; `None` if a segment is not UTF-8.
pub fn segments(path: &str) -> Option<Vec<String>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned()))
        .collect()
}

/// Read the request body, at most `limit` bytes; `Err` is the 413 or 400 answer.
pub async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, Reply> {
    let announced = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(e) => Err(Reply::bad_request(format!("Could not read the request body: {e}"))),
    }
}

fn too_large(limit: usize) -> Reply {
    Reply::error(
        413,
        format!("Request body larger than {limit} bytes"),
        Default::default(),
    )
}

/// Serialise a reply body once, for the response cache.
pub fn freeze(reply: &Reply) -> Reply {
    let body = match &reply.body {
        Body::Json(v) => Body::Raw(
            Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
            "application/json",
        ),
        Body::Text(t) => Body::Raw(Bytes::from(t.clone()), "text/plain;charset=UTF-8"),
        other => other.clone(),
    };
    Reply {
        status: reply.status,
        body,
        retry_after: reply.retry_after.clone(),
    }
}

/// Serialise a reply; `extra` headers go out as well.
pub fn response(reply: Reply, extra: &[(&'static str, String)]) -> Response<Full<Bytes>> {
    let (body, ctype) = match reply.body {
        Body::Empty => (Bytes::new(), None),
        Body::Json(v) => (
            Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
            Some("application/json"),
        ),
        Body::Text(t) => (Bytes::from(t), Some("text/plain;charset=UTF-8")),
        Body::Raw(b, ct) => (b, Some(ct)),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Some(ct) = ctype {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if let Some(ra) = reply.retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(RETRY_AFTER, ra);
    }
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_and_segments() {
        assert_eq!(
            parse_form("client_id=a%20b&client_secret=c+d&x"),
            vec![
                ("client_id".into(), "a b".into()),
                ("client_secret".into(), "c d".into()),
                ("x".into(), "".into())
            ]
        );
        assert_eq!(
            segments("/api/v1/networks/..%2Fx").unwrap(),
            vec!["api", "v1", "networks", "../x"]
        );
        assert!(segments("/api/%ff").is_none());
    }
}
