//! IP services of networks (`/networks/ip-services`) and hosts (`/hosts/ip-services`):
//! subnets and protocols offered to users through access groups.

use super::common::{NetworkItemType, RouteType, ServiceConfig};
use super::crud::{ChildCollection, resource};
use super::macros::{api_enum, model};
use crate::client::Client;

api_enum! {
    /// Direction of a network IP service.
    pub enum IpServiceType {
        /// Traffic from these subnets (the service default).
        IpSource = "IP_SOURCE",
        /// Traffic to these subnets.
        ServiceDestination = "SERVICE_DESTINATION",
    }
}

model! {
    /// A route of a network IP service.
    pub struct IpServiceRoute {
        /// Id.
        pub id: String,
        /// Id of the network route containing this subnet, if any.
        pub parent_route_id: Option<String>,
        /// `IP_V4` or `IP_V6`.
        #[serde(rename = "type")]
        pub route_type: Option<RouteType>,
        /// Subnet in CIDR notation.
        pub subnet: String,
    }
}

model! {
    /// A network IP service.
    pub struct NetworkIpService {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// Id of the network it belongs to.
        pub network_item_id: String,
        /// Direction.
        #[serde(rename = "type")]
        pub service_type: Option<IpServiceType>,
        /// `NETWORK`.
        pub network_item_type: Option<NetworkItemType>,
        /// Its subnets.
        pub routes: Vec<IpServiceRoute>,
        /// Protocols and ports.
        pub config: Option<ServiceConfig>,
    }
}

model! {
    /// One subnet of a network IP service request.
    pub struct ServiceRouteRequest {
        /// Subnet in CIDR notation.
        pub value: String,
    }
}

model! {
    /// Body of a network IP service create or update. `name` is required.
    pub struct NetworkIpServiceRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Subnets (CIDRs; always sent: on update they replace the old ones).
        pub routes: Vec<ServiceRouteRequest>,
        /// Protocols and ports (service default: any).
        pub config: Option<ServiceConfig>,
        /// Direction (service default: `IP_SOURCE`).
        #[serde(rename = "type")]
        pub service_type: Option<IpServiceType>,
    }
}

model! {
    /// A host IP service (the v1.1 DTO has no routes).
    pub struct HostIpService {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// Id of the host it belongs to.
        pub network_item_id: String,
        /// `HOST`.
        pub network_item_type: Option<NetworkItemType>,
        /// Protocols and ports.
        pub config: Option<ServiceConfig>,
    }
}

model! {
    /// Body of a host IP service create or update. `name` is required.
    pub struct HostIpServiceRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Protocols and ports (service default: any).
        pub config: Option<ServiceConfig>,
    }
}

resource! {
    /// Marker of the network IP services family.
    NetworkIpServiceResource: item NetworkIpService, create NetworkIpServiceRequest, update NetworkIpServiceRequest,
    path "/networks/ip-services",
    ops ["getIpServicesPage", "getService", "createService", "updateService", "deleteService"],
    parent "networkId"
}

resource! {
    /// Marker of the host IP services family.
    HostIpServiceResource: item HostIpService, create HostIpServiceRequest, update HostIpServiceRequest,
    path "/hosts/ip-services",
    ops ["getIpServicesPage_1", "getService_1", "createService_1", "updateService_1", "deleteService_1"],
    parent "hostId"
}

/// Network IP services service: see [`ChildCollection`]; parent `networkId`.
pub type NetworkIpServices<'a> = ChildCollection<'a, NetworkIpServiceResource>;

/// Host IP services service: see [`ChildCollection`]; parent `hostId`.
pub type HostIpServices<'a> = ChildCollection<'a, HostIpServiceResource>;

impl Client {
    /// Network IP services (`/networks/ip-services`).
    pub fn network_ip_services(&self) -> NetworkIpServices<'_> {
        ChildCollection::new(self)
    }

    /// Host IP services (`/hosts/ip-services`).
    pub fn host_ip_services(&self) -> HostIpServices<'_> {
        ChildCollection::new(self)
    }
}
