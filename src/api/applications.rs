//! Applications of networks (`/networks/applications`) and hosts
//! (`/hosts/applications`): domain-based services.

use super::common::{NetworkItemType, RouteType, ServiceConfig};
use super::crud::{ChildCollection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// A domain route of an application.
    pub struct DomainRoute {
        /// Id.
        pub id: String,
        /// `DOMAIN`.
        #[serde(rename = "type")]
        pub route_type: Option<RouteType>,
        /// The domain, e.g. `app.example.com` or `*.example.com`.
        pub domain: String,
        /// Whether IP addresses embedded in names are routed too.
        pub allow_embedded_ip: bool,
        /// Only this exact name, not its subdomains (network applications, v1.2).
        pub exact_match: Option<bool>,
    }
}

model! {
    /// An application (network or host).
    pub struct Application {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// Id of the network or host it belongs to.
        pub network_item_id: String,
        /// `NETWORK` or `HOST`.
        pub network_item_type: Option<NetworkItemType>,
        /// Its domains.
        pub routes: Vec<DomainRoute>,
        /// Protocols and ports.
        pub config: Option<ServiceConfig>,
    }
}

model! {
    /// One domain of an application request.
    pub struct ApplicationRoute {
        /// The domain.
        pub value: String,
        /// Route IP addresses embedded in names too.
        pub allow_embedded_ip: Option<bool>,
        /// Only this exact name (network applications only, v1.2).
        pub exact_match: Option<bool>,
    }
}

impl ApplicationRoute {
    /// A route for `domain` with the service's defaults.
    pub fn domain(domain: impl Into<String>) -> ApplicationRoute {
        ApplicationRoute {
            value: domain.into(),
            allow_embedded_ip: None,
            exact_match: None,
        }
    }
}

model! {
    /// Body of an application create or update. `name` is required; each route
    /// must be a domain name (400 otherwise).
    pub struct ApplicationRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Domains (always sent: on update they replace the old ones).
        pub routes: Vec<ApplicationRoute>,
        /// Protocols and ports (service default: any).
        pub config: Option<ServiceConfig>,
    }
}

resource! {
    /// Marker of the network applications family.
    NetworkApplicationResource: item Application, create ApplicationRequest, update ApplicationRequest,
    path "/networks/applications",
    ops ["getApplicationsPage", "getApplication", "createApplication", "updateApplication", "deleteApplication"],
    parent "networkId"
}

resource! {
    /// Marker of the host applications family.
    HostApplicationResource: item Application, create ApplicationRequest, update ApplicationRequest,
    path "/hosts/applications",
    ops ["getApplicationsPage_1", "getApplication_1", "createApplication_1", "updateApplication_1", "deleteApplication_1"],
    parent "hostId"
}

/// Network applications service: see [`ChildCollection`]; parent `networkId`.
pub type NetworkApplications<'a> = ChildCollection<'a, NetworkApplicationResource>;

/// Host applications service: see [`ChildCollection`]; parent `hostId`.
pub type HostApplications<'a> = ChildCollection<'a, HostApplicationResource>;

impl Client {
    /// Network applications (`/networks/applications`).
    pub fn network_applications(&self) -> NetworkApplications<'_> {
        ChildCollection::new(self)
    }

    /// Host applications (`/hosts/applications`).
    pub fn host_applications(&self) -> HostApplications<'_> {
        ChildCollection::new(self)
    }
}
