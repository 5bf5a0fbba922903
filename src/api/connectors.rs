//! Network connectors (`/networks/connectors`) and host connectors
//! (`/hosts/connectors`): the OpenVPN (or IPsec) endpoints of a network or host,
//! with their profiles, activation and, for networks, IPsec start/stop.

use super::check::unquote;
use super::common::{ConnectionStatus, NetworkItemType, TunnelingProtocol};
use super::crud::{ChildCollection, ChildResource, item_sub_path, resource};
use super::ipsec::{IpSecConfig, IpSecConfigRequest};
use super::macros::model;
use crate::client::Client;
use crate::error::Result;
use crate::request::Call;

model! {
    /// A network connector.
    pub struct NetworkConnector {
        /// Id (UUID).
        pub id: String,
        /// Id of the network it belongs to.
        pub network_item_id: String,
        /// `NETWORK`.
        pub network_item_type: Option<NetworkItemType>,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// VPN region it connects to, e.g. `us-east-1`.
        pub vpn_region_id: String,
        /// Its IPv4 address inside Cloud Connexa.
        pub ip_v4_address: String,
        /// Its IPv6 address inside Cloud Connexa.
        pub ip_v6_address: String,
        /// Tunnel protocol (that of its network).
        pub tunneling_protocol: Option<TunnelingProtocol>,
        /// IPsec configuration (IPsec connectors only).
        pub ip_sec_config: Option<IpSecConfig>,
        /// Connection state.
        pub connection_status: Option<ConnectionStatus>,
        /// Whether it is licensed, i.e. active (v1.2; absent on older servers).
        pub licensed: Option<bool>,
    }
}

model! {
    /// Body of a network connector create or update. `name` and `vpn_region_id`
    /// (a region id from [`Regions::list`](super::regions::Regions::list)) are required.
    pub struct NetworkConnectorRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// VPN region id (required, must exist).
        pub vpn_region_id: String,
        /// IPsec configuration (IPsec networks).
        pub ip_sec_config: Option<IpSecConfigRequest>,
    }
}

impl NetworkConnectorRequest {
    /// A connector named `name` in region `vpn_region_id`.
    pub fn new(name: impl Into<String>, vpn_region_id: impl Into<String>) -> Self {
        NetworkConnectorRequest {
            name: name.into(),
            vpn_region_id: vpn_region_id.into(),
            ..Default::default()
        }
    }
}

model! {
    /// A host connector.
    pub struct HostConnector {
        /// Id (UUID).
        pub id: String,
        /// Id of the host it belongs to.
        pub network_item_id: String,
        /// `HOST`.
        pub network_item_type: Option<NetworkItemType>,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// VPN region it connects to.
        pub vpn_region_id: String,
        /// Its IPv4 address inside Cloud Connexa.
        pub ip_v4_address: String,
        /// Its IPv6 address inside Cloud Connexa.
        pub ip_v6_address: String,
        /// Connection state.
        pub connection_status: Option<ConnectionStatus>,
        /// Whether it is licensed, i.e. active (v1.2; absent on older servers).
        pub licensed: Option<bool>,
    }
}

model! {
    /// Body of a host connector create or update. `name` and `vpn_region_id` are required.
    pub struct HostConnectorRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// VPN region id (required, must exist).
        pub vpn_region_id: String,
    }
}

impl HostConnectorRequest {
    /// A connector named `name` in region `vpn_region_id`.
    pub fn new(name: impl Into<String>, vpn_region_id: impl Into<String>) -> Self {
        HostConnectorRequest {
            name: name.into(),
            vpn_region_id: vpn_region_id.into(),
            description: None,
        }
    }
}

/// Installer package of a connector bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BundleType {
    /// macOS disk image.
    Dmg,
    /// Windows installer.
    Msi,
}

impl BundleType {
    /// The API spelling: `DMG` or `MSI`.
    pub fn as_str(self) -> &'static str {
        match self {
            BundleType::Dmg => "DMG",
            BundleType::Msi => "MSI",
        }
    }
}

/// Operation names of the connector extras.
#[derive(Debug, Clone, Copy)]
pub struct ConnectorOps {
    profile: &'static str,
    revoke: &'static str,
    encrypt: &'static str,
    bundle: &'static str,
    activate: &'static str,
    suspend: &'static str,
}

/// A connector family (network or host connectors): the profile and activation extras.
pub trait ConnectorResource: ChildResource {
    /// Operation names of the extras.
    const OPS: ConnectorOps;
}

resource! {
    /// Marker of the network connectors family.
    NetworkConnectorResource: item NetworkConnector, create NetworkConnectorRequest, update NetworkConnectorRequest,
    path "/networks/connectors",
    ops ["getConnectors", "getConnector", "createConnector", "updateConnector", "deleteConnector"],
    parent "networkId"
}

impl ConnectorResource for NetworkConnectorResource {
    const OPS: ConnectorOps = ConnectorOps {
        profile: "generateConnectorProfile",
        revoke: "revokeConnectorProfile",
        encrypt: "encryptConnectorProfile",
        bundle: "getBundledApp",
        activate: "activateNetworkConnector",
        suspend: "suspendNetworkConnector",
    };
}

resource! {
    /// Marker of the host connectors family.
    HostConnectorResource: item HostConnector, create HostConnectorRequest, update HostConnectorRequest,
    path "/hosts/connectors",
    ops ["getConnectorsPage", "getConnector_1", "createConnector_1", "updateConnector_1", "deleteConnector_1"],
    parent "hostId"
}

impl ConnectorResource for HostConnectorResource {
    const OPS: ConnectorOps = ConnectorOps {
        profile: "generateConnectorProfile_1",
        revoke: "revokeConnectorProfile_1",
        encrypt: "encryptConnectorProfile_1",
        bundle: "getBundledApp_1",
        activate: "activateHostConnector",
        suspend: "suspendHostConnector",
    };
}

/// Network connectors service: [`ChildCollection`] (parent `networkId`) plus the
/// connector extras and IPsec start/stop.
pub type NetworkConnectors<'a> = ChildCollection<'a, NetworkConnectorResource>;

/// Host connectors service: [`ChildCollection`] (parent `hostId`) plus the connector extras.
pub type HostConnectors<'a> = ChildCollection<'a, HostConnectorResource>;

impl<R: ConnectorResource> ChildCollection<'_, R> {
    fn post(&self, op: &'static str, id: &str, tail: &str) -> Result<Call> {
        Ok(Call::post(op, item_sub_path(R::ENDPOINT.path, id, tail)?))
    }

    /// Generate the connector's OpenVPN profile (`POST …/{id}/profile`): the `.ovpn`
    /// text, to install on the connector machine. Each call issues a new profile.
    pub fn profile(&self, id: &str) -> Result<String> {
        self.client()
            .call_text(self.post(R::OPS.profile, id, "profile")?)
            .map(unquote)
    }

    /// Revoke the connector's profile (`DELETE …/{id}/profile`); `true` when revoked.
    pub fn revoke_profile(&self, id: &str) -> Result<bool> {
        let path = item_sub_path(R::ENDPOINT.path, id, "profile")?;
        self.client().call_json(Call::delete(R::OPS.revoke, path))
    }

    /// Generate an encrypted profile token (`POST …/{id}/profile/encrypt`), the value
    /// pasted into `openvpn-connector-setup`.
    pub fn encrypted_profile(&self, id: &str) -> Result<String> {
        self.client()
            .call_text(self.post(R::OPS.encrypt, id, "profile/encrypt")?)
            .map(unquote)
    }

    /// URL of an installer bundling the connector and its profile
    /// (`POST …/{id}/profile/bundle?type=DMG|MSI`).
    pub fn bundle(&self, id: &str, bundle: BundleType) -> Result<String> {
        let call = self
            .post(R::OPS.bundle, id, "profile/bundle")?
            .query("type", bundle.as_str());
        self.client().call_text(call).map(unquote)
    }

    /// Activate the connector (`PUT …/{id}/activate`, v1.2).
    pub fn activate(&self, id: &str) -> Result<()> {
        let path = item_sub_path(R::ENDPOINT.path, id, "activate")?;
        self.client().call_unit(Call::put(R::OPS.activate, path))
    }

    /// Suspend the connector (`PUT …/{id}/suspend`, v1.2).
    pub fn suspend(&self, id: &str) -> Result<()> {
        let path = item_sub_path(R::ENDPOINT.path, id, "suspend")?;
        self.client().call_unit(Call::put(R::OPS.suspend, path))
    }
}

impl NetworkConnectors<'_> {
    /// Start the IPsec tunnel of an IPsec connector (`POST …/{id}/ipsec/start`).
    pub fn start_ipsec(&self, id: &str) -> Result<()> {
        self.client()
            .call_unit(self.post("startIpSecConnection", id, "ipsec/start")?)
    }

    /// Stop the IPsec tunnel of an IPsec connector (`POST …/{id}/ipsec/stop`).
    pub fn stop_ipsec(&self, id: &str) -> Result<()> {
        self.client()
            .call_unit(self.post("stopIpSecConnection", id, "ipsec/stop")?)
    }
}

impl Client {
    /// Network connectors (`/networks/connectors`): CRUD, profiles, bundles,
    /// activate/suspend and IPsec start/stop.
    pub fn network_connectors(&self) -> NetworkConnectors<'_> {
        ChildCollection::new(self)
    }

    /// Host connectors (`/hosts/connectors`): CRUD, profiles, bundles, activate/suspend.
    pub fn host_connectors(&self) -> HostConnectors<'_> {
        ChildCollection::new(self)
    }
}
