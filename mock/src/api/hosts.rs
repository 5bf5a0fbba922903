//! Hosts.

use serde_json::{Value, json};

use super::Ctx;
use super::connectors;
use super::crud::existing;
use crate::db::{Db, Kind, arr, enum_or, merge, merge_enum, s};
use crate::reply::{ApiResult, Reply};

/// `POST /api/v1/hosts`: a host with its connectors.
pub fn create(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let connectors = arr(&req, "connectors");
    for (i, conn) in connectors.iter().enumerate() {
        connectors::check_region(&db, conn, &format!("connectors[{i}].vpnRegionId"))?;
    }
    let id = insert_host(&mut db, &req);
    for conn in &connectors {
        connectors::insert(&mut db, Kind::HostConnector, &id, conn);
    }
    let rec = db.hosts.get(&id).expect("just inserted");
    Ok(Reply::json(201, db.render(Kind::Host, rec)))
}

/// Store a host (without children) from a validated request; returns its id.
pub fn insert_host(db: &mut Db, req: &Value) -> String {
    let id = db.new_id();
    let host = json!({
        "id": id,
        "name": s(req, "name"),
        "description": s(req, "description"),
        "internetAccess": enum_or(req, "internetAccess", "SPLIT_TUNNEL_ON"),
        "domain": s(req, "domain"),
        "systemSubnets": db.next_system_subnets(),
        "gatewaysIds": arr(req, "gatewaysIds"),
    });
    db.hosts.insert(id.clone(), None, host);
    id
}

/// `PUT /api/v1/hosts/{id}`.
pub fn update(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut host = existing(c, &db, Kind::Host, c.id())?;
    merge(&mut host, &req, &["name", "description", "domain", "gatewaysIds"]);
    merge_enum(&mut host, &req, "internetAccess");
    db.hosts.get_mut(c.id()).expect("checked").v = host;
    let rec = db.hosts.get(c.id()).expect("checked");
    Ok(Reply::ok(db.render(Kind::Host, rec)))
}
