//! Users, user groups and devices.

use serde_json::{Value, json};

use super::Ctx;
use super::connectors::ovpn_profile;
use super::crud::{existing, not_found};
use crate::db::{Db, Kind, arr, b, enum_or, merge, merge_enum, s};
use crate::reply::{ApiResult, Reply};

fn check_group(db: &Db, id: &str, field: &str) -> Result<(), Reply> {
    if id.is_empty() || db.user_groups.contains(id) {
        Ok(())
    } else {
        Err(Reply::field_error(
            field,
            "UnknownGroup",
            &format!("user group '{id}' does not exist"),
        ))
    }
}

fn insert_device(db: &mut Db, user: &str, req: &Value) -> Value {
    let id = db.new_id();
    let (v4, v6) = db.next_addresses();
    let client_uuid = match s(req, "clientUUID") {
        u if u.is_empty() => db.new_id(),
        u => u,
    };
    let v = json!({
        "id": id,
        "userId": user,
        "clientUUID": client_uuid,
        "name": s(req, "name"),
        "description": s(req, "description"),
        "ipV4Address": v4,
        "ipV6Address": v6,
        "connectionStatus": "OFFLINE",
    });
    db.devices.insert(id, Some(user.to_string()), v.clone());
    v
}

/// `POST /api/v1/users`.
pub fn create(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let username = s(&req, "username");
    if db.users.iter().any(|u| u.v["username"] == username.as_str()) {
        return Err(Reply::field_error(
            "username",
            "Duplicate",
            "a user with this username already exists",
        ));
    }
    check_group(&db, &s(&req, "groupId"), "groupId")?;
    let id = insert_user(&mut db, &req);
    let rec = db.users.get(&id).expect("just inserted");
    Ok(Reply::json(201, db.render(Kind::User, rec)))
}

/// Store a user and its devices from a validated request; returns its id.
pub fn insert_user(db: &mut Db, req: &Value) -> String {
    let mut group = s(req, "groupId");
    if group.is_empty() {
        group = db.user_groups.iter().next().map(|g| s(&g.v, "id")).unwrap_or_default();
    }
    let id = db.new_id();
    let mut user = json!({
        "id": id,
        "username": s(req, "username"),
        "firstName": s(req, "firstName"),
        "lastName": s(req, "lastName"),
        "email": s(req, "email"),
        "groupId": group,
        "status": "INVITED",
        "authType": "INTERNAL",
        "role": enum_or(req, "role", "MEMBER"),
        "connectionStatus": "OFFLINE",
        "licensed": true,
    });
    if let Some(sec) = req.get("secondaryGroupIds").filter(|v| v.is_array()) {
        user["secondaryGroupIds"] = sec.clone();
    }
    db.users.insert(id.clone(), None, user);
    for d in arr(req, "devices") {
        insert_device(db, &id, &d);
    }
    id
}

/// `PUT /api/v1/users/{id}`.
pub fn update(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut user = existing(c, &db, Kind::User, c.id())?;
    check_group(&db, &s(&req, "groupId"), "groupId")?;
    merge(
        &mut user,
        &req,
        &["firstName", "lastName", "email", "secondaryGroupIds"],
    );
    if !s(&req, "groupId").is_empty() {
        user["groupId"] = json!(s(&req, "groupId"));
    }
    merge_enum(&mut user, &req, "status");
    merge_enum(&mut user, &req, "role");
    db.users.get_mut(c.id()).expect("checked").v = user;
    let rec = db.users.get(c.id()).expect("checked");
    Ok(Reply::ok(db.render(Kind::User, rec)))
}

/// `PUT /api/v1/users/{id}/activate|suspend` (v1.2): 200, empty.
pub fn set_status(c: &Ctx, status: &str) -> ApiResult {
    let mut db = c.db.write();
    existing(c, &db, Kind::User, c.id())?;
    db.users.get_mut(c.id()).expect("checked").v["status"] = json!(status);
    Ok(Reply::empty(200))
}

fn check_regions(db: &Db, req: &Value) -> Result<(), Reply> {
    for (i, r) in arr(req, "vpnRegionIds").iter().enumerate() {
        if !r.as_str().is_some_and(|r| db.region_exists(r)) {
            return Err(Reply::field_error(
                &format!("vpnRegionIds[{i}]"),
                "UnknownRegion",
                "unknown VPN region",
            ));
        }
    }
    Ok(())
}

/// `POST /api/v1/user-groups`.
pub fn create_group(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    check_regions(&db, &req)?;
    let id = db.new_id();
    let mut g = json!({
        "id": id,
        "name": s(&req, "name"),
        "vpnRegionIds": arr(&req, "vpnRegionIds"),
        "allRegionsIncluded": b(&req, "allRegionsIncluded", false),
        "internetAccess": enum_or(&req, "internetAccess", "SPLIT_TUNNEL_ON"),
        "maxDevice": req.get("maxDevice").and_then(Value::as_i64).unwrap_or(3),
        "connectAuth": enum_or(&req, "connectAuth", "ON_PRIOR_AUTH"),
        "systemSubnets": db.next_system_subnets(),
        "gatewaysIds": arr(&req, "gatewaysIds"),
    });
    merge(&mut g, &req, &["tunnelBypass"]);
    db.user_groups.insert(id, None, g.clone());
    Ok(Reply::json(201, g))
}

/// `PUT /api/v1/user-groups/{id}`.
pub fn update_group(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut g = existing(c, &db, Kind::UserGroup, c.id())?;
    check_regions(&db, &req)?;
    merge(
        &mut g,
        &req,
        &[
            "name",
            "vpnRegionIds",
            "allRegionsIncluded",
            "maxDevice",
            "gatewaysIds",
            "tunnelBypass",
        ],
    );
    merge_enum(&mut g, &req, "internetAccess");
    merge_enum(&mut g, &req, "connectAuth");
    db.user_groups.get_mut(c.id()).expect("checked").v = g.clone();
    Ok(Reply::ok(g))
}

/// `DELETE /api/v1/user-groups/{id}`: refused while users belong to it.
pub fn delete_group(c: &Ctx) -> ApiResult {
    let mut db = c.db.write();
    existing(c, &db, Kind::UserGroup, c.id())?;
    if db.users.iter().any(|u| u.v["groupId"] == c.id()) {
        return Err(Reply::bad_request(
            "User group still has users; move or delete them first",
        ));
    }
    db.delete(Kind::UserGroup, c.id());
    Ok(Reply::empty(204))
}

/// The device `{id}` of user `?userId=`, or the right error.
fn device_of_user(c: &Ctx, db: &Db) -> Result<(String, Value), Reply> {
    let user = c.required_q("userId")?;
    existing(c, db, Kind::User, user)?;
    match db.devices.get(c.id()) {
        Some(d) if d.parent.as_deref() == Some(user) => Ok((user.to_string(), d.v.clone())),
        _ => Err(not_found(c, Kind::Device, c.id())),
    }
}

pub fn get_device(c: &Ctx) -> ApiResult {
    let (_, v) = device_of_user(c, &c.db.read())?;
    Ok(Reply::ok(v))
}

/// `POST /api/v1/devices?userId=`.
pub fn create_device(c: &Ctx) -> ApiResult {
    let user = c.required_q("userId")?;
    let req = c.json()?;
    let mut db = c.db.write();
    existing(c, &db, Kind::User, user)?;
    Ok(Reply::json(201, insert_device(&mut db, user, &req)))
}

/// `PUT /api/v1/devices/{id}?userId=`.
pub fn update_device(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let (_, mut v) = device_of_user(c, &db)?;
    merge(&mut v, &req, &["name", "description", "clientUUID"]);
    db.devices.get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}

pub fn delete_device(c: &Ctx) -> ApiResult {
    let mut db = c.db.write();
    device_of_user(c, &db)?;
    db.delete(Kind::Device, c.id());
    Ok(Reply::empty(204))
}

/// `POST /api/v1/devices/{id}/profile?userId=&regionId=`: the `.ovpn` profile as text.
pub fn device_profile(c: &Ctx) -> ApiResult {
    let region = c.required_q("regionId")?;
    let mut db = c.db.write();
    let (_, v) = device_of_user(c, &db)?;
    if !db.region_exists(region) {
        return Err(Reply::field_error("regionId", "UnknownRegion", "unknown VPN region"));
    }
    let key = db.rng.hex(96);
    Ok(Reply::text(ovpn_profile(region, &s(&v, "name"), &key)))
}

/// `DELETE /api/v1/devices/{id}/profile?userId=`: a confirmation as text.
pub fn revoke_device_profile(c: &Ctx) -> ApiResult {
    device_of_user(c, &c.db.read())?;
    Ok(Reply::text(format!("Profile of device {} revoked", c.id())))
}
