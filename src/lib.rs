//! `cloudconnexa`: a blocking, thread-safe client for the OpenVPN Cloud Connexa REST API.
//!
//! ```no_run
//! let client = cloudconnexa::Client::builder()
//!     .cloud_id("acme")
//!     .client_id("id")
//!     .client_secret("secret")
//!     .build()?;
//! for network in client.networks().iter() {
//!     println!("{}", network?.name);
//! }
//! # Ok::<(), cloudconnexa::Error>(())
//! ```
//!
//! # Logging
//!
//! The library logs through the [`log`](https://docs.rs/log) facade under the target
//! `cloudconnexa`: `info` is quiet in steady state; breaker changes, fallbacks, retry-budget
//! exhaustion and token failures are `warn`; retries are `debug`; every request is `trace`.
//! None of these lines ever holds the client secret, a token or an `Authorization` header.
//! The HTTP layer underneath (ureq, targets `ureq` and `ureq_proto`) dumps raw request
//! bytes, `Authorization` included, at `trace`: keep those targets at `debug` or below
//! (e.g. `RUST_LOG=trace,ureq=info,ureq_proto=info`). The C ABI's log callback only
//! forwards their lines at `info` and above.
//!
//! One [`Client`] is meant to be shared by every thread of a service: it keeps a
//! pool of keep-alive connections with tuned TCP keepalive, caches DNS answers,
//! caches and refreshes its OAuth token (one refresh at a time), and caps the
//! connections it opens per host when asked to. The pipeline stage by stage, the module
//! layers and where each setting lives are in `docs/ARCHITECTURE.md` in the repository.

#![deny(missing_docs)]

pub mod api;
mod auth;
mod cancel;
mod client;
mod config;
mod error;
mod factory;
// The C ABI: its `#[no_mangle]` functions are exported from the static and shared
// libraries; it is not Rust API. The fuzz targets reach it as `fuzzing::ffi`.
mod ffi;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hooks;
mod http;
pub mod metrics;
/// The API's data types: resources as the API returns them (`Network`, `User`…), the
/// request bodies that create or update them (`NetworkCreate`, `UserUpdate`…), their enums,
/// and paging (`PageRequest`, `Page`). All are `serde` types with the API's field names;
/// unknown fields are kept or ignored as each type documents. The services that send them
/// are reached from [`Client`] (`client.networks()`…) and named under [`api`].
pub mod models {
    pub use crate::api::{
        AccessGroup, AccessGroupRequest, AccessItem, AccessItemType, Application, ApplicationRequest, ApplicationRoute,
        AuthType, BundleType, ConnectAuth, ConnectionStatus, CountryCheck, CustomServiceType, DefaultCheck, Device,
        DeviceEnforcement, DevicePosture, DevicePostureRequest, DeviceRequest, DnsLogQuery, DnsRecord,
        DnsRecordRequest, DnsResolution, DnsServers, DnsZone, DomainAndComment, DomainRoute, DomainRoutingSubnet,
        GroupMapping, GroupMappings, Host, HostConnector, HostConnectorRequest, HostCreate, HostIpService,
        HostIpServiceRequest, HostUpdate, IkeProtocol, InternetAccess, IpAllocationMode, IpCheck, IpEntry, IpSecConfig,
        IpSecConfigRequest, IpServiceRoute, IpServiceType, LocationContext, LocationContextRequest, Network,
        NetworkConnector, NetworkConnectorRequest, NetworkCreate, NetworkIpService, NetworkIpServiceRequest,
        NetworkItemType, NetworkRoute, NetworkUpdate, Page, PageRequest, Platform, PlatformDetails,
        ProfileDistribution, Protocol, RangeInteger, Region, Role, RouteRequest, RouteType, ServiceConfig,
        ServiceRouteRequest, ServiceType, Session, SessionQuery, SessionStatus, SessionsPage, Subnet, Topology,
        TunnelBypass, TunnelingProtocol, User, UserCreate, UserGroup, UserGroupRequest, UserStatus, UserUpdate,
        rfc3339,
    };
}
mod pipeline;
mod request;
pub mod resilience;
mod rng;
mod secret;
mod timefmt;
pub mod trace;
pub mod transport;
mod url;

pub use cancel::{CancelToken, with_cancel, with_timeout};
pub use client::{Client, RawRequest, RawResponse};
pub use config::ClientBuilder;
pub use error::{ApiErrorBody, ApiErrorDetail, Error, ErrorKind, Result, TimeoutPhase};
pub use factory::{ClientFactory, ClientOverrides};
pub use hooks::{RequestEvent, RequestHook};
pub use metrics::MetricsSnapshot;
pub use request::{Method, segment};
pub use secret::Secret;
pub use trace::{TraceContext, current_trace_context, with_trace_context};
pub use transport::{PoolWait, TlsRoots, Transport, TransportOptions};

/// Version of this library, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
