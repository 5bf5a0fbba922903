//! Hosts (`/hosts`): single machines joined through a host connector.

use super::common::InternetAccess;
use super::connectors::{HostConnector, HostConnectorRequest};
use super::crud::{Collection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// A host, its connectors included.
    pub struct Host {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// Internet access mode.
        pub internet_access: Option<InternetAccess>,
        /// Domain name of the host.
        pub domain: String,
        /// Its connectors.
        pub connectors: Vec<HostConnector>,
        /// Subnets the service assigned to the host.
        pub system_subnets: Vec<String>,
        /// Ids of network gateways.
        pub gateways_ids: Vec<String>,
    }
}

model! {
    /// Body of [`Hosts::create`]; `name` is required.
    pub struct HostCreate {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Internet access mode (service default: split tunnel on).
        pub internet_access: Option<InternetAccess>,
        /// Domain name.
        pub domain: Option<String>,
        /// Connectors to create with the host.
        pub connectors: Vec<HostConnectorRequest>,
        /// Ids of network gateways.
        pub gateways_ids: Option<Vec<String>>,
    }
}

model! {
    /// Body of [`Hosts::update`]; `name` is required, `None` fields are not sent.
    pub struct HostUpdate {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Internet access mode.
        pub internet_access: Option<InternetAccess>,
        /// Domain name.
        pub domain: Option<String>,
        /// Ids of network gateways.
        pub gateways_ids: Option<Vec<String>>,
    }
}

impl From<&Host> for HostUpdate {
    /// The update that keeps `host` as it is (edit the fields to change).
    fn from(h: &Host) -> Self {
        HostUpdate {
            name: h.name.clone(),
            description: Some(h.description.clone()),
            internet_access: h.internet_access,
            domain: Some(h.domain.clone()),
            gateways_ids: Some(h.gateways_ids.clone()),
        }
    }
}

resource! {
    /// Marker of the hosts family.
    HostResource: item Host, create HostCreate, update HostUpdate,
    path "/hosts", ops ["getHostsPage", "getHost", "createHost", "updateHost", "deleteHost"]
}

/// Hosts service: see [`Collection`].
pub type Hosts<'a> = Collection<'a, HostResource>;

impl Client {
    /// Hosts (`/hosts`): CRUD; deleting a host deletes its connectors, IP services
    /// and applications.
    pub fn hosts(&self) -> Hosts<'_> {
        Collection::new(self)
    }
}
