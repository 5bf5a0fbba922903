//! The data the emulator starts with: realistic regions and a configurable
//! number of networks, hosts, users and sessions, all derived from `rng_seed`.

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::api::seed_helpers as h;
use crate::db::Db;
use crate::options::SeedOptions;
use crate::rng::Rng;
use crate::timefmt::{format_unix, now_unix};

/// Real Cloud Connexa region ids and places.
const REGIONS: &[(&str, &str, &str, &str, &str)] = &[
    ("us-east-1", "North America", "United States", "US", "N. Virginia"),
    ("us-nyc", "North America", "United States", "US", "New York"),
    ("us-chi", "North America", "United States", "US", "Chicago"),
    ("us-mia", "North America", "United States", "US", "Miami"),
    ("us-sfo", "North America", "United States", "US", "San Francisco"),
    ("us-sea", "North America", "United States", "US", "Seattle"),
    ("ca-tor", "North America", "Canada", "CA", "Toronto"),
    ("br-gru", "South America", "Brazil", "BR", "Sao Paulo"),
    ("gb-lon", "Europe", "United Kingdom", "GB", "London"),
    ("de-fra", "Europe", "Germany", "DE", "Frankfurt"),
    ("eu-central-1", "Europe", "Germany", "DE", "Frankfurt (AWS)"),
    ("fr-par", "Europe", "France", "FR", "Paris"),
    ("nl-ams", "Europe", "Netherlands", "NL", "Amsterdam"),
    ("it-mxp", "Europe", "Italy", "IT", "Milan"),
    ("es-mad", "Europe", "Spain", "ES", "Madrid"),
    ("se-sto", "Europe", "Sweden", "SE", "Stockholm"),
    ("in-bom", "Asia", "India", "IN", "Mumbai"),
    ("sg-sin", "Asia", "Singapore", "SG", "Singapore"),
    ("jp-tyo", "Asia", "Japan", "JP", "Tokyo"),
    ("au-syd", "Oceania", "Australia", "AU", "Sydney"),
    ("za-jnb", "Africa", "South Africa", "ZA", "Johannesburg"),
];

const FIRST: &[&str] = &[
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Vint", "Frances", "Donald",
];
const LAST: &[&str] = &[
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Cerf",
];
const OS: &[(&str, &str)] = &[
    ("Windows", "11"),
    ("macOS", "14.5"),
    ("Linux", "6.1"),
    ("iOS", "17.4"),
    ("Android", "14"),
];

/// Build the initial data.
pub fn build(opts: &SeedOptions, seed: u64) -> Db {
    let mut db = Db {
        rng: Rng::new(seed),
        dns_log_enabled: true,
        ..Db::default()
    };
    db.regions = REGIONS
        .iter()
        .map(|(id, continent, country, iso, name)| {
            json!({ "id": id, "continent": continent, "country": country, "countryIso": iso, "regionName": name })
        })
        .collect();
    let region = |rng: &mut Rng| REGIONS[rng.below(REGIONS.len() as u64) as usize].0;

    let mut groups = Vec::new();
    for (name, access) in [
        ("Default", "SPLIT_TUNNEL_ON"),
        ("Engineering", "SPLIT_TUNNEL_OFF"),
        ("Contractors", "RESTRICTED_INTERNET"),
    ] {
        let id = db.new_id();
        let subnets = db.next_system_subnets();
        let g = json!({
            "id": id, "name": name, "vpnRegionIds": [region(&mut db.rng)], "allRegionsIncluded": name == "Default",
            "internetAccess": access, "maxDevice": 3, "connectAuth": "ON_PRIOR_AUTH",
            "systemSubnets": subnets, "gatewaysIds": [],
        });
        db.user_groups.insert(id.clone(), None, g);
        groups.push(id);
    }

    for i in 0..opts.networks {
        let req = json!({
            "name": format!("network-{i:04}"),
            "description": format!("Seeded network {i}"),
            "internetAccess": (["SPLIT_TUNNEL_ON", "SPLIT_TUNNEL_OFF", "RESTRICTED_INTERNET"][i % 3]),
        });
        let id = h::insert_network(&mut db, &req);
        let subnet = format!("10.{}.{}.0/24", (i / 256) % 200, i % 256);
        crate::api::seed_helpers::insert_route(&mut db, &id, &subnet, "office LAN");
        let r = region(&mut db.rng);
        h::insert_connector(
            &mut db,
            true,
            &id,
            &json!({ "name": format!("connector-{i:04}"), "description": "seeded", "vpnRegionId": r }),
        );
        if i % 4 == 0 {
            h::insert_service(
                &mut db,
                true,
                &id,
                &json!({ "name": format!("svc-{i:04}"), "description": "all traffic",
                "type": "SERVICE_DESTINATION", "routes": [{"value": subnet}], "config": {"serviceTypes": ["ANY"]} }),
            );
            h::insert_app(
                &mut db,
                true,
                &id,
                &json!({ "name": format!("app-{i:04}"), "description": "intranet",
                "routes": [{"value": format!("app{i}.corp.example"), "allowEmbeddedIp": false}],
                "config": {"serviceTypes": ["HTTP", "HTTPS"]} }),
            );
        }
    }

    for i in 0..opts.hosts {
        let req = json!({ "name": format!("host-{i:04}"), "description": format!("Seeded host {i}"),
                          "domain": format!("host{i}.corp.example"), "internetAccess": "SPLIT_TUNNEL_ON" });
        let id = h::insert_host(&mut db, &req);
        let r = region(&mut db.rng);
        h::insert_connector(
            &mut db,
            false,
            &id,
            &json!({ "name": format!("host-connector-{i:04}"), "description": "seeded", "vpnRegionId": r }),
        );
        if i % 3 == 0 {
            h::insert_service(
                &mut db,
                false,
                &id,
                &json!({ "name": format!("ssh-{i:04}"), "description": "ssh",
                "config": {"serviceTypes": ["SSH"]} }),
            );
            h::insert_app(
                &mut db,
                false,
                &id,
                &json!({ "name": format!("web-{i:04}"), "description": "web",
                "routes": [{"value": format!("web{i}.corp.example"), "allowEmbeddedIp": true}],
                "config": {"serviceTypes": ["HTTPS"]} }),
            );
        }
    }

    for i in 0..opts.users {
        let first = *db.rng.pick(FIRST);
        let last = *db.rng.pick(LAST);
        let username = format!("{}.{}{i}", first.to_lowercase(), last.to_lowercase());
        let req = json!({
            "username": username, "firstName": first, "lastName": last, "email": format!("{username}@corp.example"),
            "groupId": groups[i % groups.len()], "role": if i == 0 { "OWNER" } else if i % 10 == 0 { "ADMIN" } else { "MEMBER" },
            "devices": (0..(i % 3)).map(|d| json!({"name": format!("{first}-laptop-{d}"), "description": "seeded"})).collect::<Vec<_>>(),
        });
        let id = h::insert_user(&mut db, &req);
        let status = if i % 7 == 3 {
            "INVITED"
        } else if i % 11 == 5 {
            "SUSPENDED"
        } else {
            "ACTIVE"
        };
        db.users.get_mut(&id).expect("just inserted").v["status"] = json!(status);
    }

    for i in 0..10 {
        let id = db.new_id();
        db.dns_records.insert(
            id.clone(),
            None,
            json!({ "id": id, "domain": format!("svc{i}.corp.example"), "description": "seeded record",
                    "ipv4Addresses": [format!("10.250.0.{}", i + 1)], "ipv6Addresses": [] }),
        );
    }

    let id = db.new_id();
    let all_networks: Vec<Value> = vec![json!({ "type": "NETWORK_SERVICE", "allCovered": true, "children": [] })];
    db.access_groups.insert(
        id.clone(),
        None,
        json!({ "id": id, "name": "Default Full Mesh Access", "description": "Every user group reaches every network",
                "defaultGroup": true,
                "source": [{ "type": "USER_GROUP", "allCovered": true, "children": [] }],
                "destination": all_networks }),
    );
    let id = db.new_id();
    db.location_contexts.insert(
        id.clone(),
        None,
        json!({ "id": id, "name": "Office only", "description": "Connect only from the office or home country",
                "userGroupsIds": [groups[2]], "ipCheck": { "allowed": true, "ips": [{ "ip": "203.0.113.0/24", "description": "office" }] },
                "countryCheck": { "allowed": true, "countries": ["US", "DE"] }, "defaultCheck": { "allowed": false } }),
    );
    let id = db.new_id();
    db.postures.insert(
        id.clone(),
        None,
        json!({ "id": id, "name": "Managed laptops", "description": "Up-to-date, encrypted, with antivirus",
                "userGroupsIds": [groups[1]],
                "windows": { "allowed": true, "version": { "version": "10.0.19045", "condition": "GTE" },
                             "antiviruses": ["MICROSOFT_DEFENDER"], "diskEncryption": { "type": "FULL_DISK", "volume": "" }, "certificate": "" },
                "macos": { "allowed": true, "version": { "version": "13.0", "condition": "GTE" }, "antiviruses": [], "diskEncrypted": true, "certificate": "" },
                "linux": { "allowed": true }, "android": { "allowed": false }, "ios": { "allowed": true } }),
    );

    db.settings = default_settings();
    let mapping = |g: &str| json!({ "fallbackGroupId": groups[0], "mappings": [{ "groupId": g, "idpGroupNames": ["eng", "engineering"], "sortingOrder": 0 }] });
    db.saml_mappings = mapping(&groups[1]);
    db.ldap_mappings = mapping(&groups[2]);
    db.sessions = sessions(&mut db, opts.sessions);
    db
}

fn default_settings() -> IndexMap<&'static str, Value> {
    let mut s = IndexMap::new();
    for (k, v) in [
        ("auth/trusted-devices-allowed", json!(true)),
        ("auth/two-factor-auth", json!(false)),
        (
            "dns/custom-servers",
            json!({ "primaryIpV4": "1.1.1.1", "secondaryIpV4": "8.8.8.8" }),
        ),
        ("dns/default-suffix", json!("corp.example")),
        ("dns/proxy-enabled", json!(true)),
        (
            "dns/zones",
            json!({ "zones": [{ "name": "corp.example", "addresses": ["10.250.0.53"] }] }),
        ),
        ("user/connect-auth", json!("ON_PRIOR_AUTH")),
        ("user/device-allowance", json!(3)),
        ("user/device-allowance-force-update", json!(false)),
        ("user/device-enforcement", json!("OFF")),
        ("user/profile-distribution", json!("AUTOMATIC")),
        ("users/connection-timeout", json!(3600)),
        ("wpc/client-options", json!(["block-outside-dns"])),
        ("wpc/default-region", json!("us-east-1")),
        (
            "wpc/domain-routing-subnet",
            json!({ "ipV4Address": "100.80.0.0/16", "ipV6Address": "fd:0:0:8100::/64" }),
        ),
        ("wpc/snat", json!(true)),
        (
            "wpc/subnet",
            json!({ "ipV4Address": ["100.96.0.0/11"], "ipV6Address": ["fd:0:0:8000::/52"] }),
        ),
        ("wpc/topology", json!("FULL_MESH")),
        ("wpc/routes-advanced-configuration-enabled", json!(false)),
        ("wpc/ip-allocation-mode", json!("BOTH")),
    ] {
        s.insert(k, v);
    }
    s
}

/// Sessions over the last three days, oldest first, with both the spec's and the Go client's field names.
fn sessions(db: &mut Db, n: usize) -> Vec<Value> {
    let now = now_unix();
    let users: Vec<Value> = db.users.iter().map(|u| u.v.clone()).collect();
    let networks: Vec<Value> = db
        .networks
        .iter()
        .map(|r| db.render(crate::db::Kind::Network, r))
        .collect();
    let groups: Vec<(String, String)> = db
        .user_groups
        .iter()
        .map(|g| (crate::db::s(&g.v, "id"), crate::db::s(&g.v, "name")))
        .collect();
    let mut out: Vec<Value> = (0..n)
        .map(|i| {
            let rng = &mut db.rng;
            let start = now - 3 * 86_400 + rng.below(3 * 86_400) as i64;
            let status = match rng.below(10) {
                0 => "FAILED",
                1..=3 => "ACTIVE",
                _ => "COMPLETED",
            };
            let duration = if status == "ACTIVE" { now - start } else { 60 + rng.below(8 * 3600) as i64 };
            let end = (status != "ACTIVE").then(|| (start + duration).min(now));
            let user = users.get(i % users.len().max(1)).cloned().unwrap_or_else(|| json!({}));
            let net = networks.get(i % networks.len().max(1)).cloned().unwrap_or_else(|| json!({}));
            let conn = net["connectors"].get(0).cloned().unwrap_or_else(|| json!({}));
            let region = conn["vpnRegionId"].as_str().unwrap_or("us-east-1").to_string();
            let (os, ver) = *rng.pick(OS);
            let id = rng.hex(24);
            let group = groups.iter().find(|(gid, _)| user["groupId"] == gid.as_str()).map(|g| g.1.clone()).unwrap_or_default();
            let ip = format!("198.51.100.{}", 1 + rng.below(250));
            let tunnel = format!("100.96.{}.{}", 200 + rng.below(50), 1 + rng.below(250));
            let (bytes_in, bytes_out) = (rng.below(1 << 30) as i64, rng.below(1 << 28) as i64);
            let mut s = json!({
                "id": id, "sessionId": id,
                "userId": user["id"], "userName": user["username"], "userGroup": group,
                "firstName": user["firstName"], "lastName": user["lastName"], "email": user["email"],
                "deviceId": rng.uuid(), "deviceName": format!("{}-device", user["firstName"].as_str().unwrap_or("user")),
                "clientUUID": rng.uuid(), "osType": os, "osVersion": ver,
                "networkId": net["id"], "networkName": net["name"],
                "connectorId": conn["id"], "connectorName": conn["name"],
                "region": region, "regionId": region, "regionName": region,
                "sessionStartTime": format_unix(start), "startDateTime": format_unix(start),
                "sessionDurationSeconds": duration,
                "status": status, "connectionStatus": status,
                "bytesIn": bytes_in, "bytesOut": bytes_out,
                "protocol": if i % 5 == 0 { "TCP" } else { "UDP" },
                "publicIp": ip, "clientIp": ip, "tunnelIpV4": tunnel, "vpnIpv4": tunnel,
                "tunnelIpV6": format!("fd:0:0:8800::{:x}", i + 1),
                "_start": start, "_end": end,
            });
            if let Some(e) = end {
                s["sessionEndTime"] = json!(format_unix(e));
            }
            if status == "FAILED" {
                s["disconnectReason"] = json!("AUTH_FAILED");
                s["disconnectReasonDescription"] = json!("Authentication failed");
            } else if status == "COMPLETED" {
                s["disconnectReason"] = json!("USER_DISCONNECTED");
                s["disconnectReasonDescription"] = json!("Disconnected by the user");
            }
            s
        })
        .collect();
    out.sort_by_key(|s| s["_start"].as_i64());
    out
}
