//! Network and host connectors, their profiles, IPsec and activation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::Ctx;
use super::crud::existing;
use crate::db::{Db, Kind, merge, s};
use crate::reply::{ApiResult, Reply};

const IPSEC_FIELDS: &[&str] = &[
    "platform",
    "authenticationType",
    "remoteSitePublicIp",
    "preSharedKey",
    "caCertificate",
    "peerCertificate",
    "remoteGatewayCertificate",
    "peerCertificatePrivateKey",
    "peerCertificateKeyPassphrase",
    "ikeProtocol",
    "hostname",
    "domain",
];

/// `vpnRegionId` must name a known region.
pub fn check_region(db: &Db, conn: &Value, field: &str) -> Result<(), Reply> {
    let region = s(conn, "vpnRegionId");
    if db.region_exists(&region) {
        Ok(())
    } else {
        Err(Reply::field_error(
            field,
            "UnknownRegion",
            &format!("unknown VPN region '{region}'"),
        ))
    }
}

fn parent_kind(kind: Kind) -> Kind {
    if kind == Kind::NetConnector {
        Kind::Network
    } else {
        Kind::Host
    }
}

fn ipsec_config(req: &Value, server_id: &str) -> Option<Value> {
    let cfg = req.get("ipSecConfig").filter(|v| v.is_object())?;
    let mut out = json!({ "connectorState": "ACTIVE", "serverId": server_id });
    merge(&mut out, cfg, IPSEC_FIELDS);
    for key in ["platform", "authenticationType"] {
        if out.get(key).and_then(Value::as_str) == Some("") {
            out.as_object_mut().expect("object").remove(key);
        }
    }
    if cfg
        .get("caCertificate")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
    {
        out["caCertificateFileName"] = json!("ca.crt");
    }
    Some(out)
}

/// Store a connector under `parent` (validated already); returns its JSON.
pub fn insert(db: &mut Db, kind: Kind, parent: &str, req: &Value) -> Value {
    let id = db.new_id();
    let (v4, v6) = db.next_addresses();
    let mut v = json!({
        "id": id,
        "networkItemId": parent,
        "networkItemType": if kind == Kind::NetConnector { "NETWORK" } else { "HOST" },
        "name": s(req, "name"),
        "description": s(req, "description"),
        "vpnRegionId": s(req, "vpnRegionId"),
        "ipV4Address": v4,
        "ipV6Address": v6,
        "connectionStatus": "OFFLINE",
        "licensed": true,
    });
    if kind == Kind::NetConnector {
        let proto = db
            .networks
            .get(parent)
            .and_then(|n| n.v["tunnelingProtocol"].as_str())
            .unwrap_or("OPENVPN");
        v["tunnelingProtocol"] = json!(proto);
        let server = db.rng.hex(24);
        if let Some(cfg) = ipsec_config(req, &server) {
            v["ipSecConfig"] = cfg;
        }
    }
    db.coll_mut(kind).insert(id, Some(parent.to_string()), v.clone());
    v
}

/// `POST …/connectors?networkId=|hostId=`.
pub fn create(c: &Ctx, kind: Kind) -> ApiResult {
    let param = if kind == Kind::NetConnector {
        "networkId"
    } else {
        "hostId"
    };
    let parent = c.required_q(param)?;
    let req = c.json()?;
    let mut db = c.db.write();
    existing(c, &db, parent_kind(kind), parent)?;
    check_region(&db, &req, "vpnRegionId")?;
    Ok(Reply::json(201, insert(&mut db, kind, parent, &req)))
}

/// `PUT …/connectors/{id}`.
pub fn update(c: &Ctx, kind: Kind) -> ApiResult {
    let req = c.json()?;
    let mut db = c.db.write();
    let mut v = existing(c, &db, kind, c.id())?;
    check_region(&db, &req, "vpnRegionId")?;
    merge(&mut v, &req, &["name", "description", "vpnRegionId"]);
    if kind == Kind::NetConnector {
        let server = v["ipSecConfig"]["serverId"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| db.rng.hex(24));
        if let Some(cfg) = ipsec_config(&req, &server) {
            v["ipSecConfig"] = cfg;
        }
    }
    db.coll_mut(kind).get_mut(c.id()).expect("checked").v = v.clone();
    Ok(Reply::ok(v))
}

/// `POST …/connectors/{id}/profile`: the `.ovpn` profile as text.
pub fn profile(c: &Ctx, kind: Kind) -> ApiResult {
    let mut db = c.db.write();
    let v = existing(c, &db, kind, c.id())?;
    let key = STANDARD.encode(db.rng.hex(96));
    Ok(Reply::text(ovpn_profile(&s(&v, "vpnRegionId"), &s(&v, "name"), &key)))
}

/// A syntactically plausible OpenVPN client profile.
pub fn ovpn_profile(region: &str, name: &str, key: &str) -> String {
    format!(
        "# Cloud Connexa profile for {name}\nclient\ndev tun\nproto udp\nremote {region}.gw.openvpn.com 1194\n\
         remote-cert-tls server\nnobind\npersist-key\npersist-tun\nverb 3\n<ca>\n-----BEGIN CERTIFICATE-----\n{key}\n\
         -----END CERTIFICATE-----\n</ca>"
    )
}

/// `DELETE …/connectors/{id}/profile`: `true`.
pub fn revoke(c: &Ctx, kind: Kind) -> ApiResult {
    existing(c, &c.db.read(), kind, c.id())?;
    Ok(Reply::ok(Value::Bool(true)))
}

/// `POST …/connectors/{id}/profile/encrypt`: an opaque token as text.
pub fn encrypt(c: &Ctx, kind: Kind) -> ApiResult {
    let mut db = c.db.write();
    existing(c, &db, kind, c.id())?;
    let token = STANDARD.encode(db.rng.hex(120));
    Ok(Reply::text(token))
}

/// `POST …/connectors/{id}/profile/bundle?type=DMG|MSI`: a download URL as text.
pub fn bundle(c: &Ctx, kind: Kind) -> ApiResult {
    let ty = c.required_q("type")?;
    let ext = match ty {
        "DMG" => "dmg",
        "MSI" => "msi",
        _ => {
            return Err(Reply::field_error("type", "InvalidEnum", "must be one of DMG, MSI"));
        }
    };
    existing(c, &c.db.read(), kind, c.id())?;
    Ok(Reply::text(format!(
        "https://openvpn.net/downloads/cloudconnexa-connector-{}.{ext}",
        c.id()
    )))
}

/// `POST /api/v1/networks/connectors/{id}/ipsec/start|stop`: 200, empty.
pub fn ipsec(c: &Ctx, start: bool) -> ApiResult {
    let mut db = c.db.write();
    existing(c, &db, Kind::NetConnector, c.id())?;
    let rec = db.net_connectors.get_mut(c.id()).expect("checked");
    if rec.v["ipSecConfig"].is_object() {
        rec.v["ipSecConfig"]["connectorState"] = json!(if start { "ACTIVE" } else { "SUSPENDED" });
    }
    rec.v["connectionStatus"] = json!(if start { "ONLINE" } else { "OFFLINE" });
    Ok(Reply::empty(200))
}

/// `PUT …/connectors/{id}/activate|suspend` (v1.2): 200, empty.
pub fn set_state(c: &Ctx, kind: Kind, active: bool) -> ApiResult {
    let mut db = c.db.write();
    existing(c, &db, kind, c.id())?;
    let rec = db.coll_mut(kind).get_mut(c.id()).expect("checked");
    rec.v["licensed"] = json!(active);
    if rec.v["ipSecConfig"].is_object() {
        rec.v["ipSecConfig"]["connectorState"] = json!(if active { "ACTIVE" } else { "SUSPENDED" });
    }
    Ok(Reply::empty(200))
}
