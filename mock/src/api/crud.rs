//! Generic list, get and delete, and the page/size rules shared by every list.

use serde_json::{Value, json};

use super::Ctx;
use crate::db::Kind;
use crate::reply::{ApiResult, Reply};

/// Validated paging parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paging {
    pub page: usize,
    pub size: usize,
}

/// Parse `page` (>= 0, default 0) and `size` (`min..=max`, default `default`).
pub fn page_params(c: &Ctx, default: usize, min: usize, max: usize) -> Result<Paging, Reply> {
    let page = match c.q("page") {
        None | Some("") => 0,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (0..=i32::MAX as i64).contains(&n) => n as usize,
            _ => {
                return Err(Reply::field_error(
                    "page",
                    "Min",
                    "must be an integer greater than or equal to 0",
                ));
            }
        },
    };
    let size = match c.q("size") {
        None | Some("") => default,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (min as i64..=max as i64).contains(&n) => n as usize,
            _ => {
                return Err(Reply::field_error(
                    "size",
                    "Range",
                    &format!("must be an integer from {min} to {max}"),
                ));
            }
        },
    };
    Ok(Paging { page, size })
}

/// The page envelope of every paged list.
pub fn envelope(content: Vec<Value>, total: usize, p: Paging) -> Value {
    let pages = total.div_ceil(p.size);
    let n = content.len();
    json!({
        "content": content,
        "totalElements": total,
        "totalPages": pages,
        "numberOfElements": n,
        "page": p.page,
        "size": p.size,
        "success": true,
    })
}

/// `GET` a page of a collection, optionally filtered by a parent query parameter.
pub fn list(c: &Ctx, kind: Kind, filter: Option<(&str, Kind)>) -> ApiResult {
    let p = page_params(c, 10, 1, 1000)?;
    let parent = filter.and_then(|(param, _)| c.q(param)).filter(|v| !v.is_empty());
    let db = c.db.read();
    let coll = db.coll(kind);
    let total = coll.count(parent);
    let skip = p.page.saturating_mul(p.size);
    let items = coll
        .slice(parent, skip, p.size)
        .into_iter()
        .map(|r| db.render(kind, r))
        .collect();
    Ok(Reply::ok(envelope(items, total, p)))
}

/// The "not found" answer for `kind` (400 for DNS records, as the real service does).
pub fn not_found(c: &Ctx, kind: Kind, id: &str) -> Reply {
    let mut r = Reply::not_found(kind.label(), id);
    if kind == Kind::DnsRecord && c.dns_not_found_is_400 {
        r = Reply::error(400, format!("DNS record with id {id} not found"), Default::default());
    }
    r
}

/// `GET /{id}`.
pub fn get(c: &Ctx, kind: Kind) -> ApiResult {
    let db = c.db.read();
    match db.coll(kind).get(c.id()) {
        Some(rec) => Ok(Reply::ok(db.render(kind, rec))),
        None => Err(not_found(c, kind, c.id())),
    }
}

/// `DELETE /{id}`, cascading to children; answers `status` with an empty body.
pub fn delete(c: &Ctx, kind: Kind, status: u16) -> ApiResult {
    let mut db = c.db.write();
    if db.delete(kind, c.id()) {
        Ok(Reply::empty(status))
    } else {
        Err(not_found(c, kind, c.id()))
    }
}

/// The record's JSON, or the kind's "not found" answer.
pub fn existing(c: &Ctx, db: &crate::db::Db, kind: Kind, id: &str) -> Result<Value, Reply> {
    db.coll(kind)
        .get(id)
        .map(|r| r.v.clone())
        .ok_or_else(|| not_found(c, kind, id))
}
