//! The emulator's data: every collection, the settings, and how resources are
//! rendered (children embedded) and deleted (children cascaded).

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::rng::Rng;
use crate::store::{Collection, Rec};

/// The resource collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Network,
    Route,
    NetConnector,
    NetService,
    NetApp,
    Host,
    HostConnector,
    HostService,
    HostApp,
    User,
    UserGroup,
    Device,
    Posture,
    DnsRecord,
    AccessGroup,
    LocationContext,
}

impl Kind {
    /// Name used in "not found" messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Network => "Network",
            Kind::Route => "Route",
            Kind::NetConnector => "Network connector",
            Kind::NetService => "Network IP service",
            Kind::NetApp => "Network application",
            Kind::Host => "Host",
            Kind::HostConnector => "Host connector",
            Kind::HostService => "Host IP service",
            Kind::HostApp => "Host application",
            Kind::User => "User",
            Kind::UserGroup => "User group",
            Kind::Device => "Device",
            Kind::Posture => "Device posture",
            Kind::DnsRecord => "DNS record",
            Kind::AccessGroup => "Access group",
            Kind::LocationContext => "Location context",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Db {
    pub rng: Rng,
    pub networks: Collection,
    pub routes: Collection,
    pub net_connectors: Collection,
    pub net_services: Collection,
    pub net_apps: Collection,
    pub hosts: Collection,
    pub host_connectors: Collection,
    pub host_services: Collection,
    pub host_apps: Collection,
    pub users: Collection,
    pub user_groups: Collection,
    pub devices: Collection,
    pub postures: Collection,
    pub dns_records: Collection,
    pub access_groups: Collection,
    pub location_contexts: Collection,
    pub regions: Vec<Value>,
    /// Sessions ordered by start time; each carries `_start`/`_end` unix seconds for filtering.
    pub sessions: Vec<Value>,
    /// Settings by path under `/api/v1/settings/` (e.g. `wpc/topology`); `Null` = unset.
    pub settings: IndexMap<&'static str, Value>,
    pub saml_mappings: Value,
    pub ldap_mappings: Value,
    pub dns_log_enabled: bool,
    pub access_visibility_enabled: bool,
    pub block_list: IndexMap<String, String>,
    pub allow_list: IndexMap<String, String>,
    /// Counter behind generated addresses and subnets.
    pub serial: u32,
}

impl Default for Rng {
    fn default() -> Self {
        Rng::new(1)
    }
}

impl Db {
    pub fn coll(&self, k: Kind) -> &Collection {
        match k {
            Kind::Network => &self.networks,
            Kind::Route => &self.routes,
            Kind::NetConnector => &self.net_connectors,
            Kind::NetService => &self.net_services,
            Kind::NetApp => &self.net_apps,
            Kind::Host => &self.hosts,
            Kind::HostConnector => &self.host_connectors,
            Kind::HostService => &self.host_services,
            Kind::HostApp => &self.host_apps,
            Kind::User => &self.users,
            Kind::UserGroup => &self.user_groups,
            Kind::Device => &self.devices,
            Kind::Posture => &self.postures,
            Kind::DnsRecord => &self.dns_records,
            Kind::AccessGroup => &self.access_groups,
            Kind::LocationContext => &self.location_contexts,
        }
    }

    pub fn coll_mut(&mut self, k: Kind) -> &mut Collection {
        match k {
            Kind::Network => &mut self.networks,
            Kind::Route => &mut self.routes,
            Kind::NetConnector => &mut self.net_connectors,
            Kind::NetService => &mut self.net_services,
            Kind::NetApp => &mut self.net_apps,
            Kind::Host => &mut self.hosts,
            Kind::HostConnector => &mut self.host_connectors,
            Kind::HostService => &mut self.host_services,
            Kind::HostApp => &mut self.host_apps,
            Kind::User => &mut self.users,
            Kind::UserGroup => &mut self.user_groups,
            Kind::Device => &mut self.devices,
            Kind::Posture => &mut self.postures,
            Kind::DnsRecord => &mut self.dns_records,
            Kind::AccessGroup => &mut self.access_groups,
            Kind::LocationContext => &mut self.location_contexts,
        }
    }

    /// Children kinds embedded in (and deleted with) a parent of kind `k`.
    fn children_of(k: Kind) -> &'static [Kind] {
        match k {
            Kind::Network => &[Kind::Route, Kind::NetConnector, Kind::NetService, Kind::NetApp],
            Kind::Host => &[Kind::HostConnector, Kind::HostService, Kind::HostApp],
            Kind::User => &[Kind::Device],
            _ => &[],
        }
    }

    /// The response JSON of a record, with its embedded children.
    pub fn render(&self, k: Kind, rec: &Rec) -> Value {
        let id = rec.v["id"].as_str().unwrap_or_default();
        let embed =
            |child: Kind| -> Value { Value::Array(self.coll(child).children(id).map(|c| c.v.clone()).collect()) };
        let mut v = rec.v.clone();
        match k {
            Kind::Network => {
                v["routes"] = embed(Kind::Route);
                v["connectors"] = embed(Kind::NetConnector);
            }
            Kind::Host => v["connectors"] = embed(Kind::HostConnector),
            Kind::User => v["devices"] = embed(Kind::Device),
            _ => {}
        }
        v
    }

    /// Delete a record and, recursively, its children. Returns whether it existed.
    pub fn delete(&mut self, k: Kind, id: &str) -> bool {
        for child in Self::children_of(k) {
            for cid in self.coll(*child).child_ids(id) {
                self.delete(*child, &cid);
            }
        }
        self.coll_mut(k).remove(id).is_some()
    }

    pub fn next_serial(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// A fresh tunnel address pair for a connector or device.
    pub fn next_addresses(&mut self) -> (String, String) {
        let n = self.next_serial();
        (
            format!("100.96.{}.{}", (n >> 8) & 0xff, n & 0xff),
            format!("fd:0:0:8{:03x}::{:x}", (n >> 8) & 0xfff, n & 0xff),
        )
    }

    /// System subnets for a new network, host or user group.
    pub fn next_system_subnets(&mut self) -> Vec<String> {
        let n = self.next_serial();
        vec![
            format!("100.{}.{}.0/24", 64 + ((n >> 8) & 0x1f), n & 0xff),
            format!("fd:0:0:{:x}::/64", 0x8000 + (n & 0xfff)),
        ]
    }

    pub fn region_exists(&self, id: &str) -> bool {
        self.regions.iter().any(|r| r["id"] == id)
    }

    pub fn new_id(&mut self) -> String {
        self.rng.uuid()
    }
}

/// A JSON string field, or `""`.
pub fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A string field if set and non-empty, else `default` (for enums, so a response never carries `""`).
pub fn enum_or(v: &Value, key: &str, default: &str) -> String {
    match v.get(key).and_then(Value::as_str) {
        Some(x) if !x.is_empty() => x.to_string(),
        _ => default.to_string(),
    }
}

/// An array field (`null` or absent = empty).
pub fn arr(v: &Value, key: &str) -> Vec<Value> {
    v.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// A boolean field, or `default`.
pub fn b(v: &Value, key: &str, default: bool) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// Copy `keys` from `src` into `dst` where `src` has a non-null value.
pub fn merge(dst: &mut Value, src: &Value, keys: &[&str]) {
    for k in keys {
        if let Some(x) = src.get(*k).filter(|x| !x.is_null()) {
            dst[*k] = x.clone();
        }
    }
}

/// Set an enum field from `src` if it holds a non-empty value.
pub fn merge_enum(dst: &mut Value, src: &Value, key: &str) {
    if let Some(x) = src.get(key).and_then(Value::as_str).filter(|x| !x.is_empty()) {
        dst[key] = json!(x);
    }
}
