//! Network routes (`/networks/routes`): the subnets a network makes reachable.

use super::common::RouteType;
use super::crud::{ChildCollection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// A network route.
    pub struct NetworkRoute {
        /// Id (UUID).
        pub id: String,
        /// `IP_V4` or `IP_V6`, derived by the service from the subnet.
        #[serde(rename = "type")]
        pub route_type: Option<RouteType>,
        /// The subnet in CIDR notation, e.g. `10.10.0.0/16`.
        pub subnet: String,
        /// Description.
        pub description: String,
    }
}

model! {
    /// Body of a route create or update: `value` (a CIDR, required) and a description.
    /// A subnet overlapping another route is refused with 400.
    pub struct RouteRequest {
        /// The subnet in CIDR notation (required).
        pub value: String,
        /// Description.
        pub description: Option<String>,
    }
}

impl RouteRequest {
    /// A route for `subnet` with a description.
    pub fn new(subnet: impl Into<String>, description: impl Into<String>) -> RouteRequest {
        RouteRequest {
            value: subnet.into(),
            description: Some(description.into()),
        }
    }
}

resource! {
    /// Marker of the network routes family.
    NetworkRouteResource: item NetworkRoute, create RouteRequest, update RouteRequest,
    path "/networks/routes",
    ops ["getNetworkRoutesPage", "getNetworkRoute", "createNetworkRoute", "updateNetworkRoute", "deleteNetworkRoute"],
    parent "networkId"
}

/// Network routes service: see [`ChildCollection`]; the parent is the network (`networkId`).
pub type NetworkRoutes<'a> = ChildCollection<'a, NetworkRouteResource>;

impl Client {
    /// Network routes (`/networks/routes`): list (filter by network), get,
    /// create under a network, update, delete.
    pub fn network_routes(&self) -> NetworkRoutes<'_> {
        ChildCollection::new(self)
    }
}
