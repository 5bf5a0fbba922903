//! Network and host IP services.

use serde_json::{Value, json};

use super::Ctx;
use super::crud::existing;
use crate::db::{Db, Kind, arr, enum_or, merge, s};
use crate::ipnet::parse_cidr;
use crate::reply::{ApiResult, Reply};

/// The `config` object as the service stores it (defaults: any service type).
pub fn service_config(req: &Value) -> Value {
    let cfg = req
        .get("config")
        .filter(|c| c.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let types = arr(&cfg, "serviceTypes");
    json!({
        "serviceTypes": if types.is_empty() && cfg.get("customServiceTypes").is_none() { vec![json!("ANY")] } else { types },
        "customServiceTypes": arr(&cfg, "customServiceTypes").into_iter().map(|c| {
            let mut out = json!({ "protocol": enum_or(&c, "protocol", "TCP"), "port": arr(&c, "port"), "icmpType": arr(&c, "icmpType") });
            if out["protocol"] == "ICMP" { out.as_object_mut().expect("object").remove("port"); }
            out
        }).collect::<Vec<_>>(),
    })
}

/// Routes of a network IP service: CIDRs, linked to the network route containing them.
fn service_routes(db: &mut Db, network: &str, req: &Value) -> Result<Vec<Value>, Reply> {
    let mut out = Vec::new();
    for (i, r) in arr(req, "routes").iter().enumerate() {
        let value = s(r, "value");
        let Some(range) = parse_cidr(&value) else {
            return Err(Reply::field_error(
                &format!("routes[{i}].value"),
                "InvalidSubnet",
                "must be a subnet in CIDR notation",
            ));
        };
        let parent = db
            .routes
            .children(network)
            .find(|nr| parse_cidr(nr.v["subnet"].as_str().unwrap_or_default()).is_some_and(|p| p.contains(&range)))
            .map(|nr| nr.v["id"].clone());
        let mut route = json!({ "id": db.new_id(), "type": super::networks::route_type(&value), "subnet": value });
        if let Some(p) = parent {
            route["parentRouteId"] = p;
        }
        out.push(route);
    }
    Ok(out)
}

/// `POST …/ip-services?networkId=|hostId=`.
pub fn create(c: &Ctx, kind: Kind) -> ApiResult {
    let (param, parent_kind) = if kind == Kind::NetService {
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

/// Store an IP service under `parent` (which must exist).
pub fn insert(db: &mut Db, kind: Kind, parent: &str, req: &Value) -> Result<Value, Reply> {
    let id = db.new_id();
    let mut v = json!({
        "id": id,
        "name": s(req, "name"),
        "description": s(req, "description"),
        "networkItemId": parent,
        "networkItemType": if kind == Kind::NetService { "NETWORK" } else { "HOST" },
        "config": service_config(req),
    });
    if kind == Kind::NetService {
        v["type"] = json!(enum_or(req, "type", "IP_SOURCE"));
        v["routes"] = json!(service_routes(db, parent, req)?);
    }
    db.coll_mut(kind).insert(id, Some(parent.to_string()), v.clone());
    Ok(v)
}

/// `PUT …/ip-services/{id}`.
pub fn update(c: &Ctx, kind: Kind) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = existing(c, &db, kind, c.id())?;
    merge(&mut v, &req, &["name", "description"]);
    if req.get("config").is_some_and(Value::is_object) {
        v["config"] = service_config(&req);
    }
    if kind == Kind::NetService {
        crate::db::merge_enum(&mut v, &req, "type");
        if req.get("routes").is_some_and(Value::is_array) {
            let network = s(&v, "networkItemId");
            v["routes"] = json!(service_routes(&mut db, &network, &req)?);
        }
    }
    db.coll_mut(kind).get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}
