//! The typed API: one module per resource family, each with its serde models and
//! a service reached from the [`Client`](crate::client::Client).
//!
//! # Naming
//!
//! * `client.<family>()` returns a cheap borrowed service handle, e.g.
//!   `client.networks()`, `client.network_routes()`, `client.host_connectors()`,
//!   `client.devices()`, `client.settings()`.
//! * CRUD families share the same methods: `list(PageRequest)` (one page),
//!   `iter()` (every item, lazily, in pages of 1000), `list_all()`, `get(id)`,
//!   `create(&body)`, `update(id, &body)`, `delete(id)`; see [`Collection`].
//!   Families under a network or host ([`ChildCollection`]) take the parent id:
//!   `list(Some(network_id), page)`, `create(network_id, &body)`.
//! * Response models are named after the resource (`Network`, `HostConnector`);
//!   request bodies end in `Create`/`Update` (different shapes) or `Request`
//!   (one shape for both).
//!
//! # Decoding
//!
//! Models accept missing and `null` fields (the type's default) and ignore unknown
//! ones; enums have an `Unknown` variant for values newer than this library.
//!
//! # Errors
//!
//! Ids are checked before anything is sent (`InvalidInput` for `""`, `.`, `..`,
//! control characters), as are page sizes and the documented limits of each call.
//! Server refusals are `ErrorKind::Http` with the parsed `ErrorResponse`.

mod check;
mod macros;

pub mod access_groups;
pub mod applications;
pub mod common;
pub mod connectors;
pub mod crud;
pub mod cybershield;
pub mod dates;
pub mod devices;
pub mod dns_log;
pub mod dns_records;
pub mod hosts;
pub mod ipsec;
pub mod location_contexts;
pub mod networks;
pub mod page;
pub mod postures;
pub mod regions;
pub mod routes;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod user_groups;
pub mod users;
pub mod visibility;

pub use access_groups::{AccessGroup, AccessGroupRequest, AccessGroups, AccessItem, AccessItemType};
pub use applications::{
    Application, ApplicationRequest, ApplicationRoute, DomainRoute, HostApplications, NetworkApplications,
};
pub use common::{
    ConnectAuth, ConnectionStatus, CustomServiceType, InternetAccess, NetworkItemType, Protocol, RangeInteger,
    RouteType, ServiceConfig, ServiceType, TunnelingProtocol,
};
pub use connectors::{
    BundleType, HostConnector, HostConnectorRequest, HostConnectors, NetworkConnector, NetworkConnectorRequest,
    NetworkConnectors,
};
pub use crud::{ChildCollection, Collection};
pub use cybershield::{CyberShield, DomainAndComment};
pub use dates::rfc3339;
pub use devices::{Device, DeviceRequest, Devices, Platform, PlatformDetails};
pub use dns_log::{DnsLog, DnsLogQuery, DnsResolution};
pub use dns_records::{DnsRecord, DnsRecordRequest, DnsRecords};
pub use hosts::{Host, HostCreate, HostUpdate, Hosts};
pub use ipsec::{IkeProtocol, IpSecConfig, IpSecConfigRequest};
pub use location_contexts::{
    CountryCheck, DefaultCheck, IpCheck, IpEntry, LocationContext, LocationContextRequest, LocationContexts,
};
pub use networks::{Network, NetworkCreate, NetworkUpdate, Networks};
pub use page::{Page, PageRequest, Pager};
pub use postures::{DevicePosture, DevicePostureRequest, DevicePostures};
pub use regions::{Region, Regions};
pub use routes::{NetworkRoute, NetworkRoutes, RouteRequest};
pub use services::{
    HostIpService, HostIpServiceRequest, HostIpServices, IpServiceRoute, IpServiceType, NetworkIpService,
    NetworkIpServiceRequest, NetworkIpServices, ServiceRouteRequest,
};
pub use sessions::{Session, SessionIter, SessionQuery, SessionStatus, Sessions, SessionsPage};
pub use settings::{
    DeviceEnforcement, DnsServers, DnsZone, DomainRoutingSubnet, GroupMapping, GroupMappings, IpAllocationMode,
    ProfileDistribution, Settings, Subnet, Topology,
};
pub use user_groups::{TunnelBypass, UserGroup, UserGroupRequest, UserGroups};
pub use users::{AuthType, Role, User, UserCreate, UserStatus, UserUpdate, Users};
pub use visibility::AccessVisibility;
