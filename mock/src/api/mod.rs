//! Handlers of the Cloud Connexa operations, one module per resource family,
//! and the dispatch from `operationId` to handler.

mod access;
mod applications;
mod connectors;
mod crud;
mod dnslog;
mod hosts;
mod networks;
mod services;
mod sessions;
mod settings;
mod users;

use parking_lot::RwLock;
use serde_json::Value;

use crate::db::Db;
use crate::reply::{ApiResult, Reply};
use crate::validate;

/// Insertion functions the seed uses, so seeded data has exactly the shape of created data.
pub mod seed_helpers {
    use serde_json::Value;

    use crate::db::{Db, Kind};

    pub use super::hosts::insert_host;
    pub use super::networks::{insert_network, insert_route};
    pub use super::users::insert_user;

    pub fn insert_connector(db: &mut Db, network: bool, parent: &str, req: &Value) {
        let kind = if network {
            Kind::NetConnector
        } else {
            Kind::HostConnector
        };
        super::connectors::insert(db, kind, parent, req);
    }

    pub fn insert_service(db: &mut Db, network: bool, parent: &str, req: &Value) {
        let kind = if network { Kind::NetService } else { Kind::HostService };
        super::services::insert(db, kind, parent, req).expect("seeded service is valid");
    }

    pub fn insert_app(db: &mut Db, network: bool, parent: &str, req: &Value) {
        let kind = if network { Kind::NetApp } else { Kind::HostApp };
        super::applications::insert(db, kind, parent, req).expect("seeded application is valid");
    }
}

/// Everything a handler may look at.
pub struct Ctx<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The `{id}` path parameter, percent-decoded.
    pub id: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// Schema of the JSON request body, from the spec.
    pub body_schema: Option<&'static str>,
    pub db: &'a RwLock<Db>,
    pub dns_not_found_is_400: bool,
}

impl Ctx<'_> {
    /// A query parameter (the first occurrence).
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A required, non-empty query parameter, else 400 naming it.
    pub fn required_q(&self, name: &str) -> Result<&str, Reply> {
        self.q(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Reply::field_error(name, "MissingParameter", "query parameter is required"))
    }

    pub fn id(&self) -> &str {
        self.id.unwrap_or_default()
    }

    /// The JSON body, validated against the operation's request schema.
    pub fn json(&self) -> Result<Value, Reply> {
        let v = parse_json(self.body)?;
        if let Some(schema) = self.body_schema {
            validate::check(schema, &v)?;
        }
        Ok(v)
    }
}

/// Parse a request body as JSON with a clear 400 on failure.
pub fn parse_json(body: &[u8]) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Reply::bad_request("Required request body is missing"));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| Reply::bad_request(format!("Request body is not valid UTF-8: {e}")))?;
    serde_json::from_str(text).map_err(|e| Reply::bad_request(format!("Malformed JSON request: {e}")))
}

/// Run the handler of operation `op`.
pub fn handle(op: &str, c: &Ctx) -> ApiResult {
    use crate::db::Kind::*;
    match op {
        // networks and their routes
        "getNetworksPage" => crud::list(c, Network, None),
        "getNetwork" => crud::get(c, Network),
        "createNetwork" => networks::create(c),
        "updateNetwork" => networks::update(c),
        "deleteNetwork" => crud::delete(c, Network, 204),
        "getNetworkRoutesPage" => crud::list(c, Route, Some(("networkId", Network))),
        "getNetworkRoute" => crud::get(c, Route),
        "createNetworkRoute" => networks::create_route(c),
        "updateNetworkRoute" => networks::update_route(c),
        "deleteNetworkRoute" => crud::delete(c, Route, 204),
        // connectors
        "getConnectors" => crud::list(c, NetConnector, Some(("networkId", Network))),
        "getConnectorsPage" => crud::list(c, HostConnector, Some(("hostId", Host))),
        "getConnector" => crud::get(c, NetConnector),
        "getConnector_1" => crud::get(c, HostConnector),
        "createConnector" => connectors::create(c, NetConnector),
        "createConnector_1" => connectors::create(c, HostConnector),
        "updateConnector" => connectors::update(c, NetConnector),
        "updateConnector_1" => connectors::update(c, HostConnector),
        "deleteConnector" => crud::delete(c, NetConnector, 204),
        "deleteConnector_1" => crud::delete(c, HostConnector, 204),
        "generateConnectorProfile" => connectors::profile(c, NetConnector),
        "generateConnectorProfile_1" => connectors::profile(c, HostConnector),
        "revokeConnectorProfile" => connectors::revoke(c, NetConnector),
        "revokeConnectorProfile_1" => connectors::revoke(c, HostConnector),
        "encryptConnectorProfile" => connectors::encrypt(c, NetConnector),
        "encryptConnectorProfile_1" => connectors::encrypt(c, HostConnector),
        "getBundledApp" => connectors::bundle(c, NetConnector),
        "getBundledApp_1" => connectors::bundle(c, HostConnector),
        "startIpSecConnection" => connectors::ipsec(c, true),
        "stopIpSecConnection" => connectors::ipsec(c, false),
        "activateNetworkConnector" => connectors::set_state(c, NetConnector, true),
        "suspendNetworkConnector" => connectors::set_state(c, NetConnector, false),
        "activateHostConnector" => connectors::set_state(c, HostConnector, true),
        "suspendHostConnector" => connectors::set_state(c, HostConnector, false),
        // IP services
        "getIpServicesPage" => crud::list(c, NetService, Some(("networkId", Network))),
        "getIpServicesPage_1" => crud::list(c, HostService, Some(("hostId", Host))),
        "getService" => crud::get(c, NetService),
        "getService_1" => crud::get(c, HostService),
        "createService" => services::create(c, NetService),
        "createService_1" => services::create(c, HostService),
        "updateService" => services::update(c, NetService),
        "updateService_1" => services::update(c, HostService),
        "deleteService" => crud::delete(c, NetService, 204),
        "deleteService_1" => crud::delete(c, HostService, 204),
        // applications
        "getApplicationsPage" => crud::list(c, NetApp, Some(("networkId", Network))),
        "getApplicationsPage_1" => crud::list(c, HostApp, Some(("hostId", Host))),
        "getApplication" => crud::get(c, NetApp),
        "getApplication_1" => crud::get(c, HostApp),
        "createApplication" => applications::create(c, NetApp),
        "createApplication_1" => applications::create(c, HostApp),
        "updateApplication" => applications::update(c, NetApp),
        "updateApplication_1" => applications::update(c, HostApp),
        "deleteApplication" => crud::delete(c, NetApp, 204),
        "deleteApplication_1" => crud::delete(c, HostApp, 204),
        // hosts
        "getHostsPage" => crud::list(c, Host, None),
        "getHost" => crud::get(c, Host),
        "createHost" => hosts::create(c),
        "updateHost" => hosts::update(c),
        "deleteHost" => crud::delete(c, Host, 204),
        // users, groups, devices
        "getUsers" => crud::list(c, User, None),
        "getUser" => crud::get(c, User),
        "createUser" => users::create(c),
        "updateUser" => users::update(c),
        "deleteUser" => crud::delete(c, User, 204),
        "activateUser" => users::set_status(c, "ACTIVE"),
        "suspendUser" => users::set_status(c, "SUSPENDED"),
        "getUserGroupsPage" => crud::list(c, UserGroup, None),
        "getUserGroup" => crud::get(c, UserGroup),
        "createUserGroup" => users::create_group(c),
        "updateUserGroup" => users::update_group(c),
        "deleteUserGroup" => users::delete_group(c),
        "getDevices" => crud::list(c, Device, Some(("userId", User))),
        "getDevice" => users::get_device(c),
        "createDevice" => users::create_device(c),
        "updateDevice" => users::update_device(c),
        "deleteDevice" => users::delete_device(c),
        "generateDeviceProfile" => users::device_profile(c),
        "revokeDeviceProfile" => users::revoke_device_profile(c),
        // access control
        "getAccessGroupsPage" => crud::list(c, AccessGroup, None),
        "getAccessGroupsPage_1" => crud::get(c, AccessGroup),
        "createAccessGroup" => access::create_group(c),
        "updateAccessGroup" => access::update_group(c),
        "deleteAccessGroup" => crud::delete(c, AccessGroup, 204),
        "addAccessGroupSource" => access::add_item(c, "source"),
        "addAccessGroupDestination" => access::add_item(c, "destination"),
        "deleteAccessGroupSource" => access::remove_items(c, "source"),
        "deleteAccessGroupDestination" => access::remove_items(c, "destination"),
        "get" => crud::list(c, LocationContext, None),
        "get_1" => crud::get(c, LocationContext),
        "create" => access::save_location_context(c, None),
        "update" => access::save_location_context(c, c.id),
        "delete" => crud::delete(c, LocationContext, 200),
        "get_2" => crud::list(c, Posture, None),
        "get_3" => crud::get(c, Posture),
        "create_1" => access::save_posture(c, None),
        "update_1" => access::save_posture(c, c.id),
        "delete_1" => crud::delete(c, Posture, 200),
        "getPageOfDnsRecords" => crud::list(c, DnsRecord, None),
        "getDnsRecord" => crud::get(c, DnsRecord),
        "createDnsRecord" => access::save_dns_record(c, None),
        "updateDnsRecord" => access::save_dns_record(c, c.id),
        "deleteDnsRecord" => crud::delete(c, DnsRecord, 204),
        // read-only and log endpoints
        "getVpnRegions" => Ok(Reply::ok(Value::Array(c.db.read().regions.clone()))),
        "getSessions" => sessions::list(c),
        "getUserDnsResolutions" => dnslog::page(c),
        "enableDnsLog" => dnslog::set_enabled(c, true),
        "disableDnsLog" => dnslog::set_enabled(c, false),
        "getDnsLogEnabled" => Ok(Reply::ok(Value::Bool(c.db.read().dns_log_enabled))),
        "getAccessVisibilityEnabled" => Ok(Reply::ok(Value::Bool(c.db.read().access_visibility_enabled))),
        "enableAccessVisibility" => dnslog::set_visibility(c, true),
        "disableAccessVisibility" => dnslog::set_visibility(c, false),
        "blockListAddDomains" => dnslog::add_domains(c, true),
        "allowListAddDomains" => dnslog::add_domains(c, false),
        "blockListRemoveDomains" => dnslog::remove_domains(c, true),
        "allowListRemoveDomains" => dnslog::remove_domains(c, false),
        "getSamlGroupMappings" => Ok(Reply::ok(c.db.read().saml_mappings.clone())),
        "getLdapGroupMappings" => Ok(Reply::ok(c.db.read().ldap_mappings.clone())),
        _ if c.path.starts_with("/api/v1/settings/") => settings::handle(c),
        other => Err(Reply::error(
            501,
            format!("operation {other} is not implemented"),
            Default::default(),
        )),
    }
}
