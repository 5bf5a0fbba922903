//! `GET /api/v1/sessions`: cursor paging over the seeded sessions.

use serde_json::{Value, json};

use super::Ctx;
use crate::reply::{ApiResult, Reply};
use crate::timefmt::{now_unix, parse_instant};

const STATUSES: &[&str] = &["ACTIVE", "COMPLETED", "FAILED"];

fn instant(c: &Ctx, name: &str, default: i64) -> Result<i64, Reply> {
    match c.q(name) {
        None | Some("") => Ok(default),
        Some(v) => parse_instant(v).ok_or_else(|| {
            Reply::field_error(
                name,
                "InvalidFormat",
                "must be an ISO-8601 instant like 2022-11-08T14:53:43Z",
            )
        }),
    }
}

/// Cursors are opaque 24-hex-digit strings (like the real service's) encoding a position.
fn encode_cursor(pos: usize) -> String {
    format!("{:024x}", (pos as u128) ^ 0x6352_7ce1_d8e5_8112_43db_4902)
}

fn decode_cursor(s: &str) -> Option<usize> {
    if s.len() != 24 {
        return None;
    }
    let n = u128::from_str_radix(s, 16).ok()? ^ 0x6352_7ce1_d8e5_8112_43db_4902;
    usize::try_from(n).ok()
}

pub fn list(c: &Ctx) -> ApiResult {
    let size = match c.q("size") {
        None | Some("") => {
            return Err(Reply::field_error(
                "size",
                "MissingParameter",
                "query parameter is required",
            ));
        }
        Some(v) => match v.parse::<i64>() {
            Ok(n @ 1..=100) => n as usize,
            _ => {
                return Err(Reply::field_error("size", "Range", "must be an integer from 1 to 100"));
            }
        },
    };
    let now = now_unix();
    let start = instant(c, "startDate", now - 86_400)?;
    let end = instant(c, "endDate", now)?;
    if start < now - 30 * 86_400 {
        return Err(Reply::field_error(
            "startDate",
            "Range",
            "must not be more than 30 days in the past",
        ));
    }
    let status = c.q("status").filter(|s| !s.is_empty());
    if let Some(st) = status
        && !STATUSES.contains(&st)
    {
        return Err(Reply::field_error(
            "status",
            "InvalidEnum",
            "must be one of ACTIVE, COMPLETED, FAILED",
        ));
    }
    let only_new = match c.q("returnOnlyNew") {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(Reply::field_error(
                "returnOnlyNew",
                "TypeMismatch",
                "must be true or false",
            ));
        }
    };
    let from = match c.q("cursor").filter(|s| !s.is_empty()) {
        None => 0,
        Some(cur) => {
            decode_cursor(cur).ok_or_else(|| Reply::field_error("cursor", "InvalidCursor", "is not a valid cursor"))?
        }
    };
    let db = c.db.read();
    let matching: Vec<&Value> = db
        .sessions
        .iter()
        .filter(|s| {
            let s_start = s["_start"].as_i64().unwrap_or(0);
            let s_end = s["_end"].as_i64();
            let in_window = if only_new {
                s_start >= start && s_start < end
            } else {
                s_start < end && s_end.is_none_or(|e| e >= start)
            };
            in_window && status.is_none_or(|st| s["status"] == st)
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(from)
        .take(size)
        .map(|s| {
            let mut v = (*s).clone();
            let o = v.as_object_mut().expect("session object");
            o.remove("_start");
            o.remove("_end");
            v
        })
        .collect();
    let mut out = json!({ "sessions": page });
    if from + size < matching.len() {
        out["nextCursor"] = json!(encode_cursor(from + size));
    }
    Ok(Reply::ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        for pos in [0, 1, 7, 199, 1 << 40] {
            assert_eq!(decode_cursor(&encode_cursor(pos)), Some(pos));
        }
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("zzzzzzzzzzzzzzzzzzzzzzzz"), None);
    }
}
