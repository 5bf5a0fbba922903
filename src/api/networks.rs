//! Networks (`/networks`): sites joined to Cloud Connexa through connectors,
//! with their routes and connectors embedded.

use super::common::{InternetAccess, TunnelingProtocol};
use super::connectors::{NetworkConnector, NetworkConnectorRequest};
use super::crud::{Collection, resource};
use super::macros::model;
use super::routes::{NetworkRoute, RouteRequest};
use crate::client::Client;

model! {
    /// A network as the service returns it, routes and connectors included.
    pub struct Network {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// Whether the network is an internet gateway (egress) for users.
        pub egress: bool,
        /// Internet access mode.
        pub internet_access: Option<InternetAccess>,
        /// The network's routes (subnets reachable through it).
        pub routes: Vec<NetworkRoute>,
        /// The network's connectors.
        pub connectors: Vec<NetworkConnector>,
        /// Subnets the service assigned to the network (may be absent in lists).
        pub system_subnets: Vec<String>,
        /// Tunnel protocol of its connectors.
        pub tunneling_protocol: Option<TunnelingProtocol>,
        /// Ids of the network gateways.
        pub gateways_ids: Vec<String>,
    }
}

model! {
    /// Body of [`Networks::create`]: a network, optionally with routes and connectors
    /// created with it. `name` is required (400 when blank).
    pub struct NetworkCreate {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Internet gateway for users (service default: `true`).
        pub egress: Option<bool>,
        /// Internet access mode (service default: split tunnel on).
        pub internet_access: Option<InternetAccess>,
        /// Routes to create with the network.
        pub routes: Vec<RouteRequest>,
        /// Connectors to create with the network.
        pub connectors: Vec<NetworkConnectorRequest>,
        /// Tunnel protocol (service default: OpenVPN).
        pub tunneling_protocol: Option<TunnelingProtocol>,
        /// Ids of network gateways.
        pub gateways_ids: Option<Vec<String>>,
    }
}

model! {
    /// Body of [`Networks::update`]. `name` is required; fields left `None` are not sent.
    pub struct NetworkUpdate {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Internet gateway for users.
        pub egress: Option<bool>,
        /// Internet access mode.
        pub internet_access: Option<InternetAccess>,
        /// Ids of network gateways.
        pub gateways_ids: Option<Vec<String>>,
        /// Tunnel protocol.
        pub tunneling_protocol: Option<TunnelingProtocol>,
    }
}

impl From<&Network> for NetworkUpdate {
    /// The update that keeps `network` as it is (edit the fields to change).
    fn from(n: &Network) -> Self {
        NetworkUpdate {
            name: n.name.clone(),
            description: Some(n.description.clone()),
            egress: Some(n.egress),
            internet_access: n.internet_access,
            gateways_ids: Some(n.gateways_ids.clone()),
            tunneling_protocol: n.tunneling_protocol,
        }
    }
}

resource! {
    /// Marker of the networks family.
    NetworkResource: item Network, create NetworkCreate, update NetworkUpdate,
    path "/networks", ops ["getNetworksPage", "getNetwork", "createNetwork", "updateNetwork", "deleteNetwork"]
}

/// Networks service: see [`Collection`] for the methods.
pub type Networks<'a> = Collection<'a, NetworkResource>;

impl Client {
    /// Networks (`/networks`): list, get, create (with routes and connectors),
    /// update, delete (cascades to routes, connectors, IP services, applications).
    pub fn networks(&self) -> Networks<'_> {
        Collection::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_nulls_unknown_fields_and_new_enum_values() {
        let n: Network = serde_json::from_str(
            r#"{"id":"n1","name":"hq","description":null,"egress":null,"internetAccess":"SOMETHING_NEW",
                "routes":[{"id":"r1","type":"IP_V4","subnet":"10.0.0.0/24","description":null}],
                "connectors":null,"systemSubnets":null,"tunnelingProtocol":"IPSEC","future":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!((n.id.as_str(), n.description.as_str(), n.egress), ("n1", "", false));
        assert_eq!(n.internet_access, Some(InternetAccess::Unknown));
        assert_eq!(n.tunneling_protocol, Some(TunnelingProtocol::IpSec));
        assert_eq!(n.routes[0].subnet, "10.0.0.0/24");
        assert!(n.connectors.is_empty() && n.system_subnets.is_empty() && n.gateways_ids.is_empty());
    }

    #[test]
    fn requests_leave_out_what_is_not_set() {
        let body = NetworkCreate {
            name: "hq".into(),
            egress: Some(false),
            ..NetworkCreate::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"name":"hq","egress":false,"routes":[],"connectors":[]}"#
        );
        let n = Network {
            name: "hq".into(),
            gateways_ids: vec!["g".into()],
            ..Network::default()
        };
        let update = serde_json::to_value(NetworkUpdate::from(&n)).unwrap();
        assert_eq!(update["gatewaysIds"], serde_json::json!(["g"]));
        assert!(update.get("internetAccess").is_none());
    }
}
