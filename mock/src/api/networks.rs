//! Networks and their routes.

use serde_json::{Value, json};

use super::Ctx;
use super::connectors;
use super::crud::{existing, not_found};
use crate::db::{Db, Kind, arr, b, enum_or, merge, merge_enum, s};
use crate::ipnet::parse_cidr;
use crate::reply::{ApiResult, Reply};

const NETWORK_FIELDS: &[&str] = &["name", "description", "egress", "gatewaysIds"];

/// `POST /api/v1/networks`: a network with its routes and connectors.
pub fn create(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    // check every child before creating anything
    let routes = arr(&req, "routes");
    for (i, r) in routes.iter().enumerate() {
        check_route(&db, &s(r, "value"), None, &format!("routes[{i}].value"))?;
    }
    let connectors = arr(&req, "connectors");
    for (i, conn) in connectors.iter().enumerate() {
        connectors::check_region(&db, conn, &format!("connectors[{i}].vpnRegionId"))?;
    }
    let id = insert_network(&mut db, &req);
    for r in &routes {
        insert_route(&mut db, &id, &s(r, "value"), &s(r, "description"));
    }
    for conn in &connectors {
        connectors::insert(&mut db, Kind::NetConnector, &id, conn);
    }
    let rec = db.networks.get(&id).expect("just inserted");
    Ok(Reply::json(201, db.render(Kind::Network, rec)))
}

/// Store a network (without children) from a validated request; returns its id.
pub fn insert_network(db: &mut Db, req: &Value) -> String {
    let id = db.new_id();
    let net = json!({
        "id": id,
        "name": s(req, "name"),
        "description": s(req, "description"),
        "egress": b(req, "egress", true),
        "internetAccess": enum_or(req, "internetAccess", "SPLIT_TUNNEL_ON"),
        "systemSubnets": db.next_system_subnets(),
        "tunnelingProtocol": enum_or(req, "tunnelingProtocol", "OPENVPN"),
        "gatewaysIds": arr(req, "gatewaysIds"),
    });
    db.networks.insert(id.clone(), None, net);
    id
}

/// `PUT /api/v1/networks/{id}`.
pub fn update(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut net = existing(c, &db, Kind::Network, c.id())?;
    merge(&mut net, &req, NETWORK_FIELDS);
    merge_enum(&mut net, &req, "internetAccess");
    merge_enum(&mut net, &req, "tunnelingProtocol");
    let rec = db.networks.get_mut(c.id()).expect("checked");
    rec.v = net;
    let rec = db.networks.get(c.id()).expect("checked");
    Ok(Reply::ok(db.render(Kind::Network, rec)))
}

/// A route value must be a CIDR that overlaps no other route (except `except`, the one being updated).
fn check_route(db: &Db, value: &str, except: Option<&str>, field: &str) -> Result<(), Reply> {
    let Some(range) = parse_cidr(value) else {
        return Err(Reply::field_error(
            field,
            "InvalidSubnet",
            "must be a valid IPv4 or IPv6 subnet in CIDR notation",
        ));
    };
    for r in db.routes.iter() {
        if except.is_some_and(|e| r.v["id"] == e) {
            continue;
        }
        if parse_cidr(r.v["subnet"].as_str().unwrap_or_default()).is_some_and(|o| o.overlaps(&range)) {
            return Err(Reply::field_error(
                field,
                "SubnetOverlap",
                &format!(
                    "overlaps with existing route {}",
                    r.v["subnet"].as_str().unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

pub fn route_type(value: &str) -> &'static str {
    if parse_cidr(value).is_some_and(|r| r.v6) {
        "IP_V6"
    } else {
        "IP_V4"
    }
}

/// Store a route under a network (already validated).
pub fn insert_route(db: &mut Db, network: &str, value: &str, description: &str) -> Value {
    let id = db.new_id();
    let v = json!({ "id": id, "type": route_type(value), "subnet": value, "description": description });
    db.routes.insert(id, Some(network.to_string()), v.clone());
    v
}

/// `POST /api/v1/networks/routes?networkId=`.
pub fn create_route(c: &Ctx) -> ApiResult {
    let network = c.required_q("networkId")?;
    let req = c.json()?;
    let mut db = c.db.write();
    if !db.networks.contains(network) {
        return Err(not_found(c, Kind::Network, network));
    }
    check_route(&db, &s(&req, "value"), None, "value")?;
    Ok(Reply::json(
        201,
        insert_route(&mut db, network, &s(&req, "value"), &s(&req, "description")),
    ))
}

/// `PUT /api/v1/networks/routes/{id}`.
pub fn update_route(c: &Ctx) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut route = existing(c, &db, Kind::Route, c.id())?;
    let value = s(&req, "value");
    check_route(&db, &value, Some(c.id()), "value")?;
    route["subnet"] = json!(value);
    route["type"] = json!(route_type(&value));
    merge(&mut route, &req, &["description"]);
    db.routes.get_mut(c.id()).expect("checked").v = route.clone();
    Ok(Reply::ok(route))
}
