//! Network and host applications (domain-based services).

use serde_json::{Value, json};

use super::Ctx;
use super::crud::existing;
use super::services::service_config;
use crate::db::{Db, Kind, arr, b, merge, s};
use crate::reply::{ApiResult, Reply};

fn valid_domain(d: &str) -> bool {
    let d = d.strip_prefix("*.").unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
                && !l.starts_with('-')
        })
}

fn app_routes(db: &mut Db, kind: Kind, req: &Value) -> Result<Vec<Value>, Reply> {
    let mut out = Vec::new();
    for (i, r) in arr(req, "routes").iter().enumerate() {
        let domain = s(r, "value");
        if !valid_domain(&domain) {
            return Err(Reply::field_error(
                &format!("routes[{i}].value"),
                "InvalidDomain",
                "must be a domain name",
            ));
        }
        let mut route = json!({ "id": db.new_id(), "type": "DOMAIN", "domain": domain, "allowEmbeddedIp": b(r, "allowEmbeddedIp", false) });
        if kind == Kind::NetApp {
            route["exactMatch"] = json!(b(r, "exactMatch", false));
        }
        out.push(route);
    }
    Ok(out)
}

/// `POST …/applications?networkId=|hostId=`.
pub fn create(c: &Ctx, kind: Kind) -> ApiResult {
    let (param, parent_kind) = if kind == Kind::NetApp {
        ("networkId", Kind::Network)
    } else {
        ("hostId", Kind::Host)
    };
    let parent = c.required_q(param)?;
    let req = c.json()?;
    let mut db = c.db.write();
    existing(c, &db, parent_kind, parent)?;
    Ok(Reply::json(201, insert(&mut db, kind, parent, &req)?))
}

/// Store an application under `parent` (which must exist).
pub fn insert(db: &mut Db, kind: Kind, parent: &str, req: &Value) -> Result<Value, Reply> {
    let id = db.new_id();
    let v = json!({
        "id": id,
        "name": s(req, "name"),
        "description": s(req, "description"),
        "networkItemId": parent,
        "networkItemType": if kind == Kind::NetApp { "NETWORK" } else { "HOST" },
        "routes": app_routes(db, kind, req)?,
        "config": service_config(req),
    });
    db.coll_mut(kind).insert(id, Some(parent.to_string()), v.clone());
    Ok(v)
}

/// `PUT …/applications/{id}`.
pub fn update(c: &Ctx, kind: Kind) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = existing(c, &db, kind, c.id())?;
    merge(&mut v, &req, &["name", "description"]);
    if req.get("routes").is_some_and(Value::is_array) {
        v["routes"] = json!(app_routes(&mut db, kind, &req)?);
    }
    if req.get("config").is_some_and(Value::is_object) {
        v["config"] = service_config(&req);
    }
    db.coll_mut(kind).get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}
