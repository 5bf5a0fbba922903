//! Response decoding of every model: each type of `cloudconnexa::api` (structs, string
//! enums, the page envelope of every list, the settings' shapes), decoded with serde_json
//! as the client decodes answers, then encoded and decoded again: what the client
//! accepts, it must send back unchanged (the C ABI hands answers on as re-encoded JSON).
//! The `ErrorResponse` body goes through the client's HTTP error path.
//!
//! Input: the model name, `\n`, the JSON body (`fuzz/corpus/decode_models` has one seed per
//! model). An unknown name picks a model from a hash of the name, so every input decodes.
#![no_main]

use cloudconnexa::api;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decode; on success, encode and decode again, and compare.
fn roundtrip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(name: &str, body: &[u8]) {
    let Ok(v) = serde_json::from_slice::<T>(body) else {
        return;
    };
    let json = serde_json::to_vec(&v).unwrap_or_else(|e| panic!("{name}: cannot encode {v:?}: {e}"));
    let again: T = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "{name}: cannot decode its own JSON {:?}: {e}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(
        again,
        v,
        "{name}: changed by a round trip through {:?}",
        String::from_utf8_lossy(&json)
    );
}

/// The `ErrorResponse` of a failed call, through the client's error path and the C ABI's.
fn error_response(body: &[u8]) {
    for status in [400, 404, 429, 500] {
        let err = cloudconnexa::fuzzing::http_error("createNetwork", status, &[], body);
        let _ = err.to_string();
        match err.kind() {
            cloudconnexa::ErrorKind::Http {
                status: s,
                body: parsed,
                raw,
            } => {
                assert_eq!(*s, status);
                assert!(raw.chars().count() <= 64 * 1024);
                if let Some(b) = parsed {
                    assert!(b.error_message.is_some() || b.status_error.is_some() || !b.error_details.is_empty());
                }
            }
            other => panic!("kind {other:?} for an HTTP error"),
        }
        let c = cloudconnexa::fuzzing::ffi::error::ccx_error::from(err);
        let mut out = cloudconnexa::fuzzing::ffi::types::ccx_str {
            data: std::ptr::null(),
            len: 0,
        };
        unsafe { cloudconnexa::fuzzing::ffi::error::ccx_error_body(&c, &mut out) };
        let raw = unsafe { std::slice::from_raw_parts(out.data.cast::<u8>(), out.len) };
        std::str::from_utf8(raw).expect("the error body is UTF-8");
    }
    let _ = serde_json::from_slice::<cloudconnexa::ApiErrorBody>(body);
}

type Decode = fn(&str, &[u8]);

macro_rules! model {
    ($name:literal, $t:ty) => {
        ($name, roundtrip::<$t> as Decode)
    };
}

const MODELS: &[(&str, Decode)] = &[
    ("ErrorResponse", |_, b| error_response(b)),
    model!("bool", bool),
    model!("i32", i32),
    model!("Vec<String>", Vec<String>),
    model!("Vec<Region>", Vec<api::Region>),
    model!("Vec<DnsZone>", Vec<api::DnsZone>),
    model!("Option<DnsServers>", Option<api::DnsServers>),
    model!("AccessItemType", api::access_groups::AccessItemType),
    model!("AccessItem", api::access_groups::AccessItem),
    model!("AccessGroup", api::access_groups::AccessGroup),
    model!("AccessGroupRequest", api::access_groups::AccessGroupRequest),
    model!("DomainRoute", api::applications::DomainRoute),
    model!("Application", api::applications::Application),
    model!("ApplicationRoute", api::applications::ApplicationRoute),
    model!("ApplicationRequest", api::applications::ApplicationRequest),
    model!("InternetAccess", api::common::InternetAccess),
    model!("TunnelingProtocol", api::common::TunnelingProtocol),
    model!("ConnectionStatus", api::common::ConnectionStatus),
    model!("NetworkItemType", api::common::NetworkItemType),
    model!("RouteType", api::common::RouteType),
    model!("ServiceType", api::common::ServiceType),
    model!("Protocol", api::common::Protocol),
    model!("ConnectAuth", api::common::ConnectAuth),
    model!("RangeInteger", api::common::RangeInteger),
    model!("CustomServiceType", api::common::CustomServiceType),
    model!("ServiceConfig", api::common::ServiceConfig),
    model!("NetworkConnector", api::connectors::NetworkConnector),
    model!("NetworkConnectorRequest", api::connectors::NetworkConnectorRequest),
    model!("HostConnector", api::connectors::HostConnector),
    model!("HostConnectorRequest", api::connectors::HostConnectorRequest),
    model!("DomainAndComment", api::cybershield::DomainAndComment),
    model!("Platform", api::devices::Platform),
    model!("PlatformDetails", api::devices::PlatformDetails),
    model!("Device", api::devices::Device),
    model!("DeviceRequest", api::devices::DeviceRequest),
    model!("DnsResolution", api::dns_log::DnsResolution),
    model!("DnsRecord", api::dns_records::DnsRecord),
    model!("DnsRecordRequest", api::dns_records::DnsRecordRequest),
    model!("Host", api::hosts::Host),
    model!("HostCreate", api::hosts::HostCreate),
    model!("HostUpdate", api::hosts::HostUpdate),
    model!("IpSecPlatform", api::ipsec::IpSecPlatform),
    model!("ConnectorState", api::ipsec::ConnectorState),
    model!("AuthenticationType", api::ipsec::AuthenticationType),
    model!("IkeVersion", api::ipsec::IkeVersion),
    model!("StartupAction", api::ipsec::StartupAction),
    model!("EncryptionAlgorithm", api::ipsec::EncryptionAlgorithm),
    model!("IntegrityAlgorithm", api::ipsec::IntegrityAlgorithm),
    model!("DhGroup", api::ipsec::DhGroup),
    model!("DeadPeerHandling", api::ipsec::DeadPeerHandling),
    model!("IkePhase", api::ipsec::IkePhase),
    model!("IkeRekey", api::ipsec::IkeRekey),
    model!("IkeDeadPeerDetection", api::ipsec::IkeDeadPeerDetection),
    model!("IkeProtocol", api::ipsec::IkeProtocol),
    model!("IpSecConfig", api::ipsec::IpSecConfig),
    model!("IpSecConfigRequest", api::ipsec::IpSecConfigRequest),
    model!("IpEntry", api::location_contexts::IpEntry),
    model!("IpCheck", api::location_contexts::IpCheck),
    model!("CountryCheck", api::location_contexts::CountryCheck),
    model!("DefaultCheck", api::location_contexts::DefaultCheck),
    model!("LocationContext", api::location_contexts::LocationContext),
    model!("LocationContextRequest", api::location_contexts::LocationContextRequest),
    model!("Network", api::networks::Network),
    model!("NetworkCreate", api::networks::NetworkCreate),
    model!("NetworkUpdate", api::networks::NetworkUpdate),
    model!("VersionCondition", api::postures::VersionCondition),
    model!("Antivirus", api::postures::Antivirus),
    model!("DiskEncryptionType", api::postures::DiskEncryptionType),
    model!("VersionPolicy", api::postures::VersionPolicy),
    model!("DiskEncryption", api::postures::DiskEncryption),
    model!("WindowsPolicy", api::postures::WindowsPolicy),
    model!("MacOsPolicy", api::postures::MacOsPolicy),
    model!("PlatformPolicy", api::postures::PlatformPolicy),
    model!("DevicePosture", api::postures::DevicePosture),
    model!("DevicePostureRequest", api::postures::DevicePostureRequest),
    model!("Region", api::regions::Region),
    model!("NetworkRoute", api::routes::NetworkRoute),
    model!("RouteRequest", api::routes::RouteRequest),
    model!("IpServiceType", api::services::IpServiceType),
    model!("IpServiceRoute", api::services::IpServiceRoute),
    model!("NetworkIpService", api::services::NetworkIpService),
    model!("ServiceRouteRequest", api::services::ServiceRouteRequest),
    model!("NetworkIpServiceRequest", api::services::NetworkIpServiceRequest),
    model!("HostIpService", api::services::HostIpService),
    model!("HostIpServiceRequest", api::services::HostIpServiceRequest),
    model!("SessionStatus", api::sessions::SessionStatus),
    model!("Session", api::sessions::Session),
    model!("SessionsPage", api::sessions::SessionsPage),
    model!("DeviceEnforcement", api::settings::DeviceEnforcement),
    model!("ProfileDistribution", api::settings::ProfileDistribution),
    model!("Topology", api::settings::Topology),
    model!("IpAllocationMode", api::settings::IpAllocationMode),
    model!("DnsServers", api::settings::DnsServers),
    model!("DnsZone", api::settings::DnsZone),
    model!("DomainRoutingSubnet", api::settings::DomainRoutingSubnet),
    model!("Subnet", api::settings::Subnet),
    model!("GroupMapping", api::settings::GroupMapping),
    model!("GroupMappings", api::settings::GroupMappings),
    model!("TunnelBypass", api::user_groups::TunnelBypass),
    model!("UserGroup", api::user_groups::UserGroup),
    model!("UserGroupRequest", api::user_groups::UserGroupRequest),
    model!("Role", api::users::Role),
    model!("UserStatus", api::users::UserStatus),
    model!("AuthType", api::users::AuthType),
    model!("User", api::users::User),
    model!("UserCreate", api::users::UserCreate),
    model!("UserUpdate", api::users::UserUpdate),
    model!("Page<Network>", api::Page<api::Network>),
    model!("Page<Host>", api::Page<api::Host>),
    model!("Page<User>", api::Page<api::User>),
    model!("Page<UserGroup>", api::Page<api::UserGroup>),
    model!("Page<DevicePosture>", api::Page<api::DevicePosture>),
    model!("Page<DnsRecord>", api::Page<api::DnsRecord>),
    model!("Page<AccessGroup>", api::Page<api::AccessGroup>),
    model!("Page<LocationContext>", api::Page<api::LocationContext>),
    model!("Page<NetworkRoute>", api::Page<api::NetworkRoute>),
    model!("Page<NetworkConnector>", api::Page<api::NetworkConnector>),
    model!("Page<NetworkIpService>", api::Page<api::NetworkIpService>),
    model!("Page<Application>", api::Page<api::Application>),
    model!("Page<HostConnector>", api::Page<api::HostConnector>),
    model!("Page<HostIpService>", api::Page<api::HostIpService>),
    model!("Page<Device>", api::Page<api::Device>),
    model!("Page<DnsResolution>", api::Page<api::DnsResolution>),
];

fuzz_target!(|data: &[u8]| {
    let (name, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let name = String::from_utf8_lossy(name);
    let (name, decode) = MODELS.iter().find(|(n, _)| *n == name).copied().unwrap_or_else(|| {
        let h = name
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
        MODELS[h % MODELS.len()]
    });
    decode(name, body);
});
