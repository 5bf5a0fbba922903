//! Account settings (`/settings/…`): one typed getter and setter per setting.
//!
//! On the wire, booleans and integers are bare JSON scalars, string settings are
//! bare `text/plain` (no quotes), objects are JSON. Every setter answers with the
//! stored value except the string ones, whose answer the library does not rely on
//! (read them back with the getter). Enum setters refuse `Unknown` (`InvalidInput`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::check::{decode, setting_text};
use super::common::ConnectAuth;
use super::macros::{api_enum, model};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Call;

api_enum! {
    /// Device enforcement level.
    pub enum DeviceEnforcement {
        /// Devices are not checked.
        Off = "OFF",
        /// New devices are learned, then enforced.
        LearnAndEnforce = "LEARN_AND_ENFORCE",
        /// Only known devices may connect.
        Enforce = "ENFORCE",
    }
}

api_enum! {
    /// How profiles reach users.
    pub enum ProfileDistribution {
        /// Users download them in the client.
        Automatic = "AUTOMATIC",
        /// Administrators hand them out.
        Manual = "MANUAL",
    }
}

api_enum! {
    /// Topology of the WPC.
    pub enum Topology {
        /// Everything may reach everything (subject to access groups).
        FullMesh = "FULL_MESH",
        /// Custom.
        Custom = "CUSTOM",
    }
}

api_enum! {
    /// Which addresses the WPC assigns (v1.2).
    pub enum IpAllocationMode {
        /// IPv4 and IPv6.
        Both = "BOTH",
        /// IPv4 only.
        IpV4Only = "IP_V4_ONLY",
    }
}

model! {
    /// Custom DNS servers.
    pub struct DnsServers {
        /// Primary server IPv4 address.
        pub primary_ip_v4: Option<String>,
        /// Secondary server IPv4 address.
        pub secondary_ip_v4: Option<String>,
    }
}

model! {
    /// A DNS zone forwarded to specific servers.
    pub struct DnsZone {
        /// Zone name, e.g. `corp.example`.
        pub name: String,
        /// Server addresses.
        pub addresses: Vec<String>,
    }
}

model! {
    /// The wire wrapper `{"zones": [...]}`.
    struct DnsZones {
        pub zones: Vec<DnsZone>,
    }
}

model! {
    /// Subnets used for domain routing.
    pub struct DomainRoutingSubnet {
        /// IPv4 CIDR.
        pub ip_v4_address: String,
        /// IPv6 CIDR.
        pub ip_v6_address: String,
    }
}

model! {
    /// Subnets of the WPC.
    pub struct Subnet {
        /// IPv4 CIDRs.
        pub ip_v4_address: Vec<String>,
        /// IPv6 CIDRs.
        pub ip_v6_address: Vec<String>,
    }
}

model! {
    /// One identity-provider group mapping.
    pub struct GroupMapping {
        /// User group id the IdP groups map to.
        pub group_id: String,
        /// IdP group names (unique).
        pub idp_group_names: Vec<String>,
        /// Order in which mappings are tried.
        pub sorting_order: i32,
    }
}

model! {
    /// SAML or LDAP group mappings.
    pub struct GroupMappings {
        /// Group of users matched by no mapping.
        pub fallback_group_id: String,
        /// The mappings.
        pub mappings: Vec<GroupMapping>,
    }
}

/// Settings service (`client.settings()`).
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    client: &'a Client,
}

fn path(key: &str) -> String {
    format!("/settings/{key}")
}

/// The wire value of a known enum value; `Unknown` cannot be sent.
fn known(wire: &'static str) -> Result<&'static str> {
    if wire == "UNKNOWN" {
        return Err(Error::invalid("the value Unknown cannot be sent"));
    }
    Ok(wire)
}

impl Settings<'_> {
    fn get<T: DeserializeOwned>(&self, op: &'static str, key: &str) -> Result<T> {
        self.client.call_json(Call::get(op, path(key)))
    }

    fn put<B: Serialize + ?Sized, T: DeserializeOwned>(&self, op: &'static str, key: &str, v: &B) -> Result<T> {
        self.client.call_json(Call::put(op, path(key)).json(v)?)
    }

    fn get_text(&self, op: &'static str, key: &str) -> Result<String> {
        self.client.call_text(Call::get(op, path(key))).map(setting_text)
    }

    fn put_text(&self, op: &'static str, key: &str, v: &str) -> Result<()> {
        if v.trim().is_empty() {
            return Err(Error::invalid(format!("setting {key} must not be blank")));
        }
        self.client.call_unit(Call::put(op, path(key)).text(v))
    }

    /// Whether users may mark devices as trusted (`auth/trusted-devices-allowed`).
    pub fn trusted_devices_allowed(&self) -> Result<bool> {
        self.get("getTrustedDevicesAllowed", "auth/trusted-devices-allowed")
    }

    /// Set `auth/trusted-devices-allowed`; returns the stored value.
    pub fn set_trusted_devices_allowed(&self, on: bool) -> Result<bool> {
        self.put("setTrustedDevicesAllowed", "auth/trusted-devices-allowed", &on)
    }

    /// Whether two-factor authentication is required (`auth/two-factor-auth`).
    pub fn two_factor_auth_enabled(&self) -> Result<bool> {
        self.get("getTwoFactorAuthEnabled", "auth/two-factor-auth")
    }

    /// Set `auth/two-factor-auth`; returns the stored value.
    pub fn set_two_factor_auth_enabled(&self, on: bool) -> Result<bool> {
        self.put("setTwoFactorAuthEnabled", "auth/two-factor-auth", &on)
    }

    /// Custom DNS servers (`dns/custom-servers`); `None` when the service answers
    /// with an empty body (none configured).
    pub fn dns_servers(&self) -> Result<Option<DnsServers>> {
        let text = self
            .client
            .call_text(Call::get("getDnsServerAddresses", path("dns/custom-servers")))?;
        optional_json("dns/custom-servers", &text)
    }

    /// Set `dns/custom-servers`; returns the stored value (`None` on an empty answer).
    pub fn set_dns_servers(&self, servers: &DnsServers) -> Result<Option<DnsServers>> {
        let call = Call::put("setDnsServerAddresses", path("dns/custom-servers")).json(servers)?;
        optional_json("dns/custom-servers", &self.client.call_text(call)?)
    }

    /// Default DNS suffix (`dns/default-suffix`), e.g. `corp.example`.
    pub fn default_dns_suffix(&self) -> Result<String> {
        self.get_text("getDefaultDnsSuffix", "dns/default-suffix")
    }

    /// Set `dns/default-suffix` (sent as bare text; blank is `InvalidInput`).
    pub fn set_default_dns_suffix(&self, suffix: &str) -> Result<()> {
        self.put_text("setDefaultDnsSuffix", "dns/default-suffix", suffix)
    }

    /// Whether the DNS proxy is on (`dns/proxy-enabled`).
    pub fn dns_proxy_enabled(&self) -> Result<bool> {
        self.get("getDnsProxyEnabled", "dns/proxy-enabled")
    }

    /// Set `dns/proxy-enabled`; returns the stored value.
    pub fn set_dns_proxy_enabled(&self, on: bool) -> Result<bool> {
        self.put("setDnsProxyEnabled", "dns/proxy-enabled", &on)
    }

    /// DNS zones (`dns/zones`, unwrapped from `{"zones": [...]}`).
    pub fn dns_zones(&self) -> Result<Vec<DnsZone>> {
        self.get::<DnsZones>("getDnsZones", "dns/zones").map(|z| z.zones)
    }

    /// Replace the DNS zones (`dns/zones`); returns the stored zones.
    pub fn set_dns_zones(&self, zones: &[DnsZone]) -> Result<Vec<DnsZone>> {
        let body = DnsZones { zones: zones.to_vec() };
        self.put::<_, DnsZones>("setDnsZones", "dns/zones", &body)
            .map(|z| z.zones)
    }

    /// Default connect authentication of new groups (`user/connect-auth`).
    pub fn default_connect_auth(&self) -> Result<ConnectAuth> {
        self.get_text("getDefaultConnectAuth", "user/connect-auth")
            .map(|t| ConnectAuth::from_wire(&t))
    }

    /// Set `user/connect-auth`.
    pub fn set_default_connect_auth(&self, v: ConnectAuth) -> Result<()> {
        self.put_text("setDefaultConnectAuth", "user/connect-auth", known(v.as_str())?)
    }

    /// Default number of devices per user (`user/device-allowance`, at least 1).
    pub fn device_allowance_per_user(&self) -> Result<i32> {
        self.get("getDeviceAllowancePerUser", "user/device-allowance")
    }

    /// Set `user/device-allowance` (at least 1, else 400); returns the stored value.
    pub fn set_device_allowance_per_user(&self, n: i32) -> Result<i32> {
        self.put("setDeviceAllowancePerUser", "user/device-allowance", &n)
    }

    /// Whether a changed allowance is forced onto existing users
    /// (`user/device-allowance-force-update`).
    pub fn force_update_device_allowance(&self) -> Result<bool> {
        self.get("getForceUpdateDeviceAllowance", "user/device-allowance-force-update")
    }

    /// Set `user/device-allowance-force-update`; returns the stored value.
    pub fn set_force_update_device_allowance(&self, on: bool) -> Result<bool> {
        self.put(
            "setForceUpdateDeviceAllowance",
            "user/device-allowance-force-update",
            &on,
        )
    }

    /// Device enforcement level (`user/device-enforcement`).
    pub fn device_enforcement(&self) -> Result<DeviceEnforcement> {
        self.get_text("getDeviceEnforcementLevel", "user/device-enforcement")
            .map(|t| DeviceEnforcement::from_wire(&t))
    }

    /// Set `user/device-enforcement`.
    pub fn set_device_enforcement(&self, v: DeviceEnforcement) -> Result<()> {
        self.put_text(
            "setDeviceEnforcementLevel",
            "user/device-enforcement",
            known(v.as_str())?,
        )
    }

    /// How profiles are distributed (`user/profile-distribution`).
    pub fn profile_distribution(&self) -> Result<ProfileDistribution> {
        self.get_text("getProfileDistribution", "user/profile-distribution")
            .map(|t| ProfileDistribution::from_wire(&t))
    }

    /// Set `user/profile-distribution`.
    pub fn set_profile_distribution(&self, v: ProfileDistribution) -> Result<()> {
        self.put_text(
            "setProfileDistribution",
            "user/profile-distribution",
            known(v.as_str())?,
        )
    }

    /// Idle connection timeout in seconds (`users/connection-timeout`; note `users`).
    pub fn connection_timeout(&self) -> Result<i32> {
        self.get("getConnectionTimeout", "users/connection-timeout")
    }

    /// Set `users/connection-timeout` (seconds, at least 0); returns the stored value.
    pub fn set_connection_timeout(&self, secs: i32) -> Result<i32> {
        self.put("setConnectionTimeout", "users/connection-timeout", &secs)
    }

    /// OpenVPN client directives pushed to clients (`wpc/client-options`),
    /// e.g. `block-outside-dns`.
    pub fn client_options(&self) -> Result<Vec<String>> {
        self.get("getClientOptions", "wpc/client-options")
    }

    /// Replace `wpc/client-options`; returns the stored list.
    pub fn set_client_options(&self, options: &[String]) -> Result<Vec<String>> {
        self.put("setClientOptions", "wpc/client-options", options)
    }

    /// Default region id (`wpc/default-region`).
    pub fn default_region(&self) -> Result<String> {
        self.get_text("getDefaultRegion", "wpc/default-region")
    }

    /// Set `wpc/default-region` (an existing region id, else 400).
    pub fn set_default_region(&self, region_id: &str) -> Result<()> {
        self.put_text("setDefaultRegion", "wpc/default-region", region_id)
    }

    /// Domain routing subnets (`wpc/domain-routing-subnet`).
    pub fn domain_routing_subnet(&self) -> Result<DomainRoutingSubnet> {
        self.get("getDomainRoutingSubnet", "wpc/domain-routing-subnet")
    }

    /// Set `wpc/domain-routing-subnet`; returns the stored value.
    pub fn set_domain_routing_subnet(&self, v: &DomainRoutingSubnet) -> Result<DomainRoutingSubnet> {
        self.put("setDomainRoutingSubnet", "wpc/domain-routing-subnet", v)
    }

    /// Whether source NAT is on (`wpc/snat`).
    pub fn snat_enabled(&self) -> Result<bool> {
        self.get("getSnat", "wpc/snat")
    }

    /// Set `wpc/snat`; returns the stored value.
    pub fn set_snat_enabled(&self, on: bool) -> Result<bool> {
        self.put("setSnat", "wpc/snat", &on)
    }

    /// WPC subnets (`wpc/subnet`).
    pub fn subnet(&self) -> Result<Subnet> {
        self.get("getSubnet", "wpc/subnet")
    }

    /// Set `wpc/subnet`; returns the stored value.
    pub fn set_subnet(&self, v: &Subnet) -> Result<Subnet> {
        self.put("setSubnet", "wpc/subnet", v)
    }

    /// Topology (`wpc/topology`).
    pub fn topology(&self) -> Result<Topology> {
        self.get_text("getTopology", "wpc/topology")
            .map(|t| Topology::from_wire(&t))
    }

    /// Set `wpc/topology`.
    pub fn set_topology(&self, v: Topology) -> Result<()> {
        self.put_text("setTopology", "wpc/topology", known(v.as_str())?)
    }

    /// Whether advanced route configuration is on
    /// (`wpc/routes-advanced-configuration-enabled`, v1.2).
    pub fn routes_advanced_configuration_enabled(&self) -> Result<bool> {
        self.get(
            "getRoutesAdvancedConfigurationEnabled",
            "wpc/routes-advanced-configuration-enabled",
        )
    }

    /// Set `wpc/routes-advanced-configuration-enabled` (v1.2); returns the stored value.
    pub fn set_routes_advanced_configuration_enabled(&self, on: bool) -> Result<bool> {
        self.put(
            "setRoutesAdvancedConfigurationEnabled",
            "wpc/routes-advanced-configuration-enabled",
            &on,
        )
    }

    /// IP allocation mode (`wpc/ip-allocation-mode`, v1.2).
    pub fn ip_allocation_mode(&self) -> Result<IpAllocationMode> {
        self.get_text("getIpAllocationMode", "wpc/ip-allocation-mode")
            .map(|t| IpAllocationMode::from_wire(&t))
    }

    /// Set `wpc/ip-allocation-mode` (v1.2).
    pub fn set_ip_allocation_mode(&self, v: IpAllocationMode) -> Result<()> {
        self.put_text("setIpAllocationMode", "wpc/ip-allocation-mode", known(v.as_str())?)
    }

    /// SAML group mappings (`auth/saml/group-mappings`, read-only).
    pub fn saml_group_mappings(&self) -> Result<GroupMappings> {
        self.get("getSamlGroupMappings", "auth/saml/group-mappings")
    }

    /// LDAP group mappings (`auth/ldap/group-mappings`, read-only).
    pub fn ldap_group_mappings(&self) -> Result<GroupMappings> {
        self.get("getLdapGroupMappings", "auth/ldap/group-mappings")
    }
}

/// A JSON object answer that may be an empty body (`None`).
fn optional_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<Option<T>> {
    if text.trim().is_empty() || text.trim() == "null" {
        return Ok(None);
    }
    decode(what, text).map(Some)
}

impl Client {
    /// Account settings (`/settings/…`).
    pub fn settings(&self) -> Settings<'_> {
        Settings { client: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_answers_are_none() {
        assert_eq!(optional_json::<DnsServers>("x", "").unwrap(), None);
        assert_eq!(optional_json::<DnsServers>("x", " null ").unwrap(), None);
        let s = optional_json::<DnsServers>("x", r#"{"primaryIpV4":"1.1.1.1"}"#)
            .unwrap()
            .unwrap();
        assert_eq!((s.primary_ip_v4.as_deref(), s.secondary_ip_v4), (Some("1.1.1.1"), None));
        assert!(optional_json::<DnsServers>("x", "garbage").is_err());
    }

    #[test]
    fn unknown_enum_values_are_not_sent() {
        assert!(known(Topology::Unknown.as_str()).is_err());
        assert_eq!(known(Topology::FullMesh.as_str()).unwrap(), "FULL_MESH");
        assert_eq!(IpAllocationMode::from_wire("IP_V4_ONLY"), IpAllocationMode::IpV4Only);
    }
}
