//! Access groups, location contexts, device postures and DNS records.

use serde_json::{Value, json};

use super::Ctx;
use super::crud::{existing, not_found};
use crate::db::{Kind, arr, b, enum_or, merge, s};
use crate::ipnet::{is_ipv4, is_ipv6};
use crate::reply::{ApiResult, Reply};

fn access_item(item: &Value) -> Value {
    let mut out = json!({
        "type": s(item, "type"),
        "allCovered": b(item, "allCovered", false),
        "children": arr(item, "children"),
    });
    if let Some(p) = item.get("parent").and_then(Value::as_str).filter(|p| !p.is_empty()) {
        out["parent"] = json!(p);
    }
    out
}

fn items(req: &Value, key: &str) -> Vec<Value> {
    arr(req, key).iter().map(access_item).collect()
}

/// `POST /api/v1/access-groups`.
pub fn create_group(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let id = db.new_id();
    let v = json!({
        "id": id,
        "name": s(&req, "name"),
        "description": s(&req, "description"),
        "defaultGroup": false,
        "source": items(&req, "source"),
        "destination": items(&req, "destination"),
    });
    db.access_groups.insert(id, None, v.clone());
    Ok(Reply::json(201, v))
}

/// `PUT /api/v1/access-groups/{id}`.
pub fn update_group(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = existing(c, &db, Kind::AccessGroup, c.id())?;
    merge(&mut v, &req, &["name", "description"]);
    for key in ["source", "destination"] {
        if req.get(key).is_some_and(Value::is_array) {
            v[key] = json!(items(&req, key));
        }
    }
    db.access_groups.get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}

/// `POST /api/v1/access-groups/{id}/source|destination`: merge one item in.
pub fn add_item(c: &Ctx, side: &str) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = existing(c, &db, Kind::AccessGroup, c.id())?;
    let item = access_item(&req);
    let list = v[side].as_array_mut().expect("stored as array");
    match list
        .iter_mut()
        .find(|x| x["type"] == item["type"] && x.get("parent") == item.get("parent"))
    {
        Some(x) => {
            x["allCovered"] = item["allCovered"].clone();
            let children = x["children"].as_array_mut().expect("stored as array");
            for ch in item["children"].as_array().into_iter().flatten() {
                if !children.contains(ch) {
                    children.push(ch.clone());
                }
            }
        }
        None => list.push(item),
    }
    db.access_groups.get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}

/// `DELETE /api/v1/access-groups/{id}/source|destination?type=&parentId=&childId=`:
/// `type` alone removes every item of that type; with `parentId`, the items under that
/// parent; with `childId` too, only that child.
pub fn remove_items(c: &Ctx, side: &str) -> ApiResult {
    let ty = c.required_q("type")?;
    let allowed: &[&str] = if side == "source" {
        &["USER_GROUP", "NETWORK_SERVICE", "HOST"]
    } else {
        &["USER_GROUP", "NETWORK_SERVICE", "HOST_SERVICE", "PUBLISHED_SERVICE"]
    };
    if !allowed.contains(&ty) {
        return Err(Reply::field_error(
            "type",
            "InvalidEnum",
            &format!("must be one of {}", allowed.join(", ")),
        ));
    }
    let parent = c.q("parentId").filter(|p| !p.is_empty());
    let child = c.q("childId").filter(|p| !p.is_empty());
    let mut db = c.db.write();
    let mut v = existing(c, &db, Kind::AccessGroup, c.id())?;
    let list = v[side].as_array_mut().expect("stored as array");
    match (parent, child) {
        (None, _) => list.retain(|x| x["type"] != ty),
        (Some(p), None) => list.retain(|x| !(x["type"] == ty && x["parent"] == p)),
        (Some(p), Some(ch)) => {
            for x in list.iter_mut().filter(|x| x["type"] == ty && x["parent"] == p) {
                if let Some(children) = x["children"].as_array_mut() {
                    children.retain(|y| y != ch);
                }
            }
        }
    }
    db.access_groups.get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}

/// `POST /api/v1/location-contexts` (answers 200) and `PUT …/{id}`.
pub fn save_location_context(c: &Ctx, id: Option<&str>) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = match id {
        Some(id) => existing(c, &db, Kind::LocationContext, id)?,
        None => {
            let id = db.new_id();
            json!({ "id": id, "name": "", "description": "", "userGroupsIds": [], "defaultCheck": { "allowed": true } })
        }
    };
    merge(
        &mut v,
        &req,
        &[
            "name",
            "description",
            "userGroupsIds",
            "ipCheck",
            "countryCheck",
            "defaultCheck",
        ],
    );
    let id = s(&v, "id");
    match db.location_contexts.get_mut(&id) {
        Some(rec) => rec.v = v.clone(),
        None => db.location_contexts.insert(id, None, v.clone()),
    }
    Ok(Reply::ok(v))
}

/// `POST /api/v1/device-postures` (answers 200) and `PUT …/{id}`.
pub fn save_posture(c: &Ctx, id: Option<&str>) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = match id {
        Some(id) => existing(c, &db, Kind::Posture, id)?,
        None => {
            let id = db.new_id();
            json!({ "id": id, "name": "", "description": "", "userGroupsIds": [],
                    "windows": {"allowed": false}, "macos": {"allowed": false}, "linux": {"allowed": false},
                    "android": {"allowed": false}, "ios": {"allowed": false} })
        }
    };
    merge(
        &mut v,
        &req,
        &[
            "name",
            "description",
            "userGroupsIds",
            "windows",
            "macos",
            "linux",
            "android",
            "ios",
        ],
    );
    if let Some(de) = v.pointer_mut("/windows/diskEncryption").filter(|d| d.is_object()) {
        de["type"] = json!(enum_or(de, "type", "FULL_DISK"));
    }
    let id = s(&v, "id");
    match db.postures.get_mut(&id) {
        Some(rec) => rec.v = v.clone(),
        None => db.postures.insert(id, None, v.clone()),
    }
    Ok(Reply::ok(v))
}

/// `POST /api/v1/dns-records` (201) and `PUT …/{id}` (200).
pub fn save_dns_record(c: &Ctx, id: Option<&str>) -> ApiResult {
    let req = c.json()?;
    for (key, ok) in [
        ("ipv4Addresses", is_ipv4 as fn(&str) -> bool),
        ("ipv6Addresses", is_ipv6),
    ] {
        for (i, a) in arr(&req, key).iter().enumerate() {
            if !a.as_str().is_some_and(ok) {
                return Err(Reply::field_error(
                    &format!("{key}[{i}]"),
                    "InvalidAddress",
                    "must be an IP address",
                ));
            }
        }
    }
    let mut db = c.db.write();
    let (mut v, status) = match id {
        Some(id) => match db.dns_records.get(id) {
            Some(r) => (r.v.clone(), 200),
            None => return Err(not_found(c, Kind::DnsRecord, id)),
        },
        None => (
            json!({ "id": db.new_id(), "domain": "", "description": "", "ipv4Addresses": [], "ipv6Addresses": [] }),
            201,
        ),
    };
    merge(
        &mut v,
        &req,
        &["domain", "description", "ipv4Addresses", "ipv6Addresses"],
    );
    let id = s(&v, "id");
    match db.dns_records.get_mut(&id) {
        Some(rec) => rec.v = v.clone(),
        None => db.dns_records.insert(id, None, v.clone()),
    }
    Ok(Reply::json(status, v))
}
