//! Every typed API operation against the emulator: create, read, update, delete and
//! paged lists of each family, the connector/device/settings/log/Cyber Shield extras,
//! and the error cases. `every_operation_is_called` runs all scenarios on one
//! emulator and checks that each of the 144 spec operations and the 14 v1.2 extras
//! was answered with a 2xx at least once.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use cloudconnexa::api::ipsec::{
    AuthenticationType, ConnectorState, DeadPeerHandling, DhGroup, EncryptionAlgorithm, IkeDeadPeerDetection, IkePhase,
    IkeRekey, IkeVersion, IntegrityAlgorithm, IpSecPlatform, StartupAction,
};
use cloudconnexa::api::postures::{
    Antivirus, DiskEncryption, DiskEncryptionType, MacOsPolicy, PlatformPolicy, VersionCondition, VersionPolicy,
    WindowsPolicy,
};
use cloudconnexa::models::*;
use cloudconnexa::*;
use cloudconnexa_mock::{MockOptions, MockServer};
use serde_json::Value;

// ---------------------------------------------------------------------------
// harness

fn start_with(tune: impl FnOnce(&mut MockOptions)) -> (MockServer, Client) {
    let mut opts = MockOptions::default();
    opts.rate_limit.enabled = false;
    tune(&mut opts);
    let server = MockServer::start(opts).expect("emulator starts");
    let client = Client::builder()
        .api_url(server.base_url())
        .allow_insecure_http(true)
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .build()
        .expect("client builds");
    (server, client)
}

type Scenario = fn(&Client, &MockServer) -> Result<()>;

fn run(scenario: Scenario) {
    let (server, client) = start_with(|_| {});
    scenario(&client, &server).unwrap();
}

fn requests_total(s: &MockServer) -> u64 {
    s.stats()["requests_total"].as_u64().unwrap()
}

/// How many times the emulator answered `op` with `status`.
fn op_count(s: &MockServer, op: &str, status: u16) -> u64 {
    s.stats()["operations"][op][status.to_string()].as_u64().unwrap_or(0)
}

/// `f` fails with `InvalidInput` and sends nothing.
fn invalid<T: Debug>(s: &MockServer, f: impl FnOnce() -> Result<T>) -> Error {
    let before = requests_total(s);
    let e = f().expect_err("expected InvalidInput");
    assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{e}");
    assert_eq!(requests_total(s), before, "no request may be sent for {e}");
    e
}

/// `r` is an HTTP error with `status` and a parsed `ErrorResponse`.
fn http_error<T: Debug>(r: Result<T>, status: u16) -> ApiErrorBody {
    let e = r.expect_err("expected an HTTP error");
    assert!(
        matches!(e.kind(), ErrorKind::Http { status: s, .. } if *s == status),
        "expected HTTP {status}, got {e}"
    );
    assert_eq!(e.status(), Some(status));
    e.api_error().cloned().expect("the ErrorResponse body is parsed")
}

fn not_found<T: Debug>(r: Result<T>) -> ApiErrorBody {
    let body = http_error(r, 404);
    assert_eq!(body.status_error.as_deref(), Some("NOT_FOUND"));
    assert!(
        body.error_message.as_deref().unwrap_or_default().contains("not found"),
        "{body:?}"
    );
    body
}

/// `r` is a 400 naming `field` in `errorDetails`.
fn bad_field<T: Debug>(r: Result<T>, field: &str) -> ApiErrorBody {
    let body = http_error(r, 400);
    assert_eq!(body.status_error.as_deref(), Some("BAD_REQUEST"));
    assert!(body.error_details.contains_key(field), "expected {field} in {body:?}");
    body
}

/// Bad ids are refused before any request.
fn bad_ids<T: Debug>(s: &MockServer, f: impl Fn(&str) -> Result<T>) {
    for id in ["", ".", "..", "a\nb"] {
        invalid(s, || f(id));
    }
}

/// Walk a list page by page (size 3) and compare with `all`; check the envelope,
/// the page past the end, and that bad page sizes are refused without a request.
fn check_pages<T: PartialEq + Debug>(s: &MockServer, all: &[T], list: impl Fn(PageRequest) -> Result<Page<T>>) {
    let size = 3;
    let first = list(PageRequest::new(0, size)).unwrap();
    assert_eq!(first.total_elements, all.len() as u64);
    assert_eq!(first.total_pages as usize, all.len().div_ceil(size as usize));
    assert_eq!((first.page, first.size, first.success), (0, size, Some(true)));
    let mut walked = Vec::new();
    for p in 0..first.total_pages {
        let page = list(PageRequest::new(p, size)).unwrap();
        assert_eq!(page.page, p);
        assert_eq!(page.number_of_elements as usize, page.content.len());
        assert!(page.content.len() <= size as usize);
        walked.extend(page.content);
    }
    assert_eq!(walked, all, "pages of {size} concatenated equal the whole list");
    let past = list(PageRequest::new(first.total_pages, size)).unwrap();
    assert!(past.content.is_empty());
    assert_eq!((past.total_elements, past.number_of_elements), (all.len() as u64, 0));
    let one = list(PageRequest::new(0, 1)).unwrap();
    assert_eq!(one.content.len(), usize::from(!all.is_empty()));
    let default = list(PageRequest::default()).unwrap();
    assert_eq!((default.size, default.content.len()), (10, all.len().min(10)));
    invalid(s, || list(PageRequest::new(0, 0)));
    invalid(s, || list(PageRequest::new(0, 1001)));
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|x| id(x).to_string()).collect()
}

fn now_minus(secs: u64) -> String {
    rfc3339(SystemTime::now() - Duration::from_secs(secs))
}

// ---------------------------------------------------------------------------
// scenarios, one per family (each only relies on data it creates or the seed)

fn networks(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.networks();
    let before = api.list(PageRequest::new(0, 1))?.total_elements;
    let body = NetworkCreate {
        name: "it-net".into(),
        description: Some("integration network".into()),
        egress: Some(false),
        internet_access: Some(InternetAccess::SplitTunnelOff),
        routes: vec![RouteRequest::new("172.20.0.0/24", "lab")],
        connectors: vec![NetworkConnectorRequest::new("it-net-conn", "us-east-1")],
        tunneling_protocol: Some(TunnelingProtocol::OpenVpn),
        gateways_ids: None,
    };
    let creates = op_count(s, "createNetwork", 201);
    let created = api.create(&body)?;
    assert_eq!(op_count(s, "createNetwork", 201), creates + 1, "create answers 201");
    assert!(!created.id.is_empty());
    assert_eq!(
        (created.name.as_str(), created.description.as_str()),
        ("it-net", "integration network")
    );
    assert!(!created.egress);
    assert_eq!(created.internet_access, Some(InternetAccess::SplitTunnelOff));
    assert_eq!(created.tunneling_protocol, Some(TunnelingProtocol::OpenVpn));
    assert_eq!(created.routes.len(), 1);
    assert_eq!(
        (
            created.routes[0].subnet.as_str(),
            created.routes[0].description.as_str()
        ),
        ("172.20.0.0/24", "lab")
    );
    assert_eq!(created.routes[0].route_type, Some(RouteType::IpV4));
    assert_eq!(created.connectors.len(), 1);
    let conn = &created.connectors[0];
    assert_eq!(
        (conn.name.as_str(), conn.vpn_region_id.as_str()),
        ("it-net-conn", "us-east-1")
    );
    assert_eq!(
        (conn.network_item_id.as_str(), conn.network_item_type),
        (created.id.as_str(), Some(NetworkItemType::Network))
    );
    assert!(!created.system_subnets.is_empty());

    assert_eq!(api.get(&created.id)?, created);
    assert_eq!(api.list(PageRequest::new(0, 1))?.total_elements, before + 1);

    let mut update = NetworkUpdate::from(&created);
    update.name = "it-net-renamed".into();
    update.description = Some("changed".into());
    update.internet_access = Some(InternetAccess::RestrictedInternet);
    update.egress = Some(true);
    let updated = api.update(&created.id, &update)?;
    assert_eq!(
        (updated.name.as_str(), updated.description.as_str()),
        ("it-net-renamed", "changed")
    );
    assert_eq!(
        (updated.internet_access, updated.egress),
        (Some(InternetAccess::RestrictedInternet), true)
    );
    assert_eq!(updated.routes, created.routes, "an update keeps the routes");
    assert_eq!(api.get(&created.id)?, updated);

    let all = api.list_all()?;
    assert_eq!(all.len() as u64, before + 1);
    assert!(all.contains(&updated));
    let iterated: Vec<Network> = api.iter().collect::<Result<_>>()?;
    assert_eq!(iterated, all);
    check_pages(s, &all, |p| api.list(p));

    // errors
    bad_field(
        api.create(&NetworkCreate {
            name: "".into(),
            ..NetworkCreate::default()
        }),
        "name",
    );
    let bad_enum = NetworkCreate {
        name: "x".into(),
        internet_access: Some(InternetAccess::Unknown),
        ..Default::default()
    };
    bad_field(api.create(&bad_enum), "internetAccess");
    bad_field(api.update(&created.id, &NetworkUpdate::default()), "name");
    not_found(api.update("00000000-0000-0000-0000-000000000000", &update));
    bad_ids(s, |id| api.get(id));
    bad_ids(s, |id| api.update(id, &update));
    bad_ids(s, |id| api.delete(id));
    // an id with '/' or '?' stays one path segment
    not_found(api.get("../users"));
    not_found(api.get("x?page=0"));

    api.delete(&created.id)?;
    let body = not_found(api.get(&created.id));
    assert!(body.error_message.unwrap().contains(&created.id));
    not_found(api.delete(&created.id));
    not_found(c.network_routes().get(&created.routes[0].id));
    not_found(c.network_connectors().get(&created.connectors[0].id));
    assert_eq!(api.list(PageRequest::new(0, 1))?.total_elements, before);
    Ok(())
}

fn network_routes(c: &Client, s: &MockServer) -> Result<()> {
    let net = c.networks().create(&NetworkCreate {
        name: "it-routes".into(),
        ..Default::default()
    })?;
    let api = c.network_routes();
    let seeded_total = api.list(None, PageRequest::new(0, 1))?.total_elements;
    let a = api.create(&net.id, &RouteRequest::new("172.21.0.0/24", "first"))?;
    assert_eq!(
        (a.subnet.as_str(), a.description.as_str(), a.route_type),
        ("172.21.0.0/24", "first", Some(RouteType::IpV4))
    );
    let b = api.create(
        &net.id,
        &RouteRequest {
            value: "fd00:21::/64".into(),
            description: None,
        },
    )?;
    assert_eq!(
        (b.subnet.as_str(), b.route_type),
        ("fd00:21::/64", Some(RouteType::IpV6))
    );
    assert_eq!(api.get(&a.id)?, a);

    let mine = api.list_all(Some(&net.id))?;
    assert_eq!(mine, vec![a.clone(), b.clone()]);
    assert_eq!(c.networks().get(&net.id)?.routes, mine, "the network embeds its routes");
    check_pages(s, &mine, |p| api.list(Some(&net.id), p));
    assert_eq!(api.list(None, PageRequest::new(0, 1))?.total_elements, seeded_total + 2);
    assert_eq!(api.iter(None).count() as u64, seeded_total + 2);

    let updated = api.update(&a.id, &RouteRequest::new("172.21.1.0/24", "moved"))?;
    assert_eq!(
        (
            updated.id.as_str(),
            updated.subnet.as_str(),
            updated.description.as_str()
        ),
        (a.id.as_str(), "172.21.1.0/24", "moved")
    );
    assert_eq!(api.get(&a.id)?, updated);

    // errors
    let overlap = bad_field(
        api.create(&net.id, &RouteRequest::new("172.21.1.128/25", "overlap")),
        "value",
    );
    assert_eq!(
        overlap.error_details["value"][0].error_code.as_deref(),
        Some("SubnetOverlap")
    );
    bad_field(api.create(&net.id, &RouteRequest::new("not-a-cidr", "x")), "value");
    bad_field(api.create(&net.id, &RouteRequest::default()), "value");
    not_found(api.create("no-such-network", &RouteRequest::new("172.21.9.0/24", "x")));
    bad_ids(s, |id| api.create(id, &RouteRequest::new("172.21.9.0/24", "x")));
    invalid(s, || api.list(Some(""), PageRequest::default()));
    bad_ids(s, |id| api.get(id));
    let mut pager = api.iter(Some(""));
    assert_eq!(pager.next().unwrap().unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert!(pager.next().is_none());

    api.delete(&b.id)?;
    not_found(api.get(&b.id));
    not_found(api.delete(&b.id));
    assert_eq!(api.list_all(Some(&net.id))?, vec![updated]);
    c.networks().delete(&net.id)?;
    Ok(())
}

fn ike() -> IkeProtocol {
    let phase = IkePhase {
        encryption_algorithms: vec![EncryptionAlgorithm::Aes256Gcm16, EncryptionAlgorithm::Aes128],
        integrity_algorithms: vec![IntegrityAlgorithm::Sha2_256],
        diffie_hellman_groups: vec![DhGroup::G14, DhGroup::G19],
        lifetime_sec: Some(3600),
    };
    IkeProtocol {
        protocol_version: Some(IkeVersion::IkeV2),
        phase1: Some(phase.clone()),
        phase2: Some(IkePhase {
            lifetime_sec: Some(1800),
            ..phase
        }),
        rekey: Some(IkeRekey {
            margin_time_sec: Some(270),
            fuzz_percent: Some(100),
            replay_window_size: Some(1024),
        }),
        dead_peer_detection: Some(IkeDeadPeerDetection {
            timeout_sec: Some(30),
            dead_peer_handling: Some(DeadPeerHandling::Restart),
        }),
        startup_action: Some(StartupAction::Start),
    }
}

fn network_connectors(c: &Client, s: &MockServer) -> Result<()> {
    let net = c.networks().create(&NetworkCreate {
        name: "it-conns".into(),
        ..Default::default()
    })?;
    let api = c.network_connectors();
    let total_before = api.list(None, PageRequest::new(0, 1))?.total_elements;
    let req = NetworkConnectorRequest {
        description: Some("edge".into()),
        ..NetworkConnectorRequest::new("it-conn", "de-fra")
    };
    let conn = api.create(&net.id, &req)?;
    assert_eq!(
        (
            conn.name.as_str(),
            conn.description.as_str(),
            conn.vpn_region_id.as_str()
        ),
        ("it-conn", "edge", "de-fra")
    );
    assert_eq!(
        (conn.network_item_id.as_str(), conn.network_item_type),
        (net.id.as_str(), Some(NetworkItemType::Network))
    );
    assert_eq!(conn.tunneling_protocol, Some(TunnelingProtocol::OpenVpn));
    assert_eq!(
        (conn.connection_status, conn.licensed),
        (Some(ConnectionStatus::Offline), Some(true))
    );
    assert!(!conn.ip_v4_address.is_empty() && !conn.ip_v6_address.is_empty());
    assert!(conn.ip_sec_config.is_none());
    assert_eq!(api.get(&conn.id)?, conn);
    assert_eq!(api.list_all(Some(&net.id))?, vec![conn.clone()]);
    assert_eq!(api.list(None, PageRequest::new(0, 1))?.total_elements, total_before + 1);
    let all = api.list_all(None)?;
    assert!(all.iter().any(|x| x.id == conn.id));
    check_pages(s, &all, |p| api.list(None, p));

    let updated = api.update(&conn.id, &NetworkConnectorRequest::new("it-conn-2", "gb-lon"))?;
    assert_eq!(
        (updated.name.as_str(), updated.vpn_region_id.as_str()),
        ("it-conn-2", "gb-lon")
    );
    assert_eq!(api.get(&conn.id)?, updated);

    // profiles and bundles
    let profile = api.profile(&conn.id)?;
    assert!(
        profile.contains("client") && profile.contains("remote gb-lon.gw.openvpn.com"),
        "{profile}"
    );
    assert!(profile.contains("BEGIN CERTIFICATE"));
    let token = api.encrypted_profile(&conn.id)?;
    assert!(token.len() > 100 && !token.contains('\n'), "{token}");
    let dmg = api.bundle(&conn.id, BundleType::Dmg)?;
    assert!(
        dmg.starts_with("https://") && dmg.ends_with(".dmg") && dmg.contains(&conn.id),
        "{dmg}"
    );
    assert!(api.bundle(&conn.id, BundleType::Msi)?.ends_with(".msi"));
    assert!(api.revoke_profile(&conn.id)?);

    // activation (v1.2)
    api.suspend(&conn.id)?;
    assert_eq!(api.get(&conn.id)?.licensed, Some(false));
    api.activate(&conn.id)?;
    assert_eq!(api.get(&conn.id)?.licensed, Some(true));

    // IPsec
    let ipsec_net = c.networks().create(&NetworkCreate {
        name: "it-ipsec".into(),
        tunneling_protocol: Some(TunnelingProtocol::IpSec),
        ..Default::default()
    })?;
    let ipsec_req = NetworkConnectorRequest {
        ip_sec_config: Some(IpSecConfigRequest {
            platform: Some(IpSecPlatform::Aws),
            authentication_type: Some(AuthenticationType::SharedSecret),
            remote_site_public_ip: Some("203.0.113.7".into()),
            pre_shared_key: Some("s3cret-key".into()),
            ike_protocol: Some(ike()),
            hostname: Some("vpn.site.example".into()),
            ..Default::default()
        }),
        ..NetworkConnectorRequest::new("it-ipsec-conn", "us-east-1")
    };
    let ipsec = api.create(&ipsec_net.id, &ipsec_req)?;
    assert_eq!(ipsec.tunneling_protocol, Some(TunnelingProtocol::IpSec));
    let cfg = ipsec.ip_sec_config.clone().expect("ipSecConfig");
    assert_eq!(
        (cfg.platform, cfg.authentication_type),
        (Some(IpSecPlatform::Aws), Some(AuthenticationType::SharedSecret))
    );
    assert_eq!(cfg.connector_state, Some(ConnectorState::Active));
    assert_eq!(cfg.remote_site_public_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(cfg.ike_protocol, Some(ike()), "the IKE settings round-trip");
    assert!(cfg.server_id.is_some_and(|id| !id.is_empty()));
    api.stop_ipsec(&ipsec.id)?;
    let stopped = api.get(&ipsec.id)?;
    assert_eq!(
        stopped.ip_sec_config.unwrap().connector_state,
        Some(ConnectorState::Suspended)
    );
    assert_eq!(stopped.connection_status, Some(ConnectionStatus::Offline));
    api.start_ipsec(&ipsec.id)?;
    let started = api.get(&ipsec.id)?;
    assert_eq!(
        started.ip_sec_config.unwrap().connector_state,
        Some(ConnectorState::Active)
    );
    assert_eq!(started.connection_status, Some(ConnectionStatus::Online));

    // errors
    bad_field(
        api.create(&net.id, &NetworkConnectorRequest::new("x", "nowhere-1")),
        "vpnRegionId",
    );
    let blank = bad_field(api.create(&net.id, &NetworkConnectorRequest::default()), "name");
    assert!(blank.error_details.contains_key("vpnRegionId"));
    not_found(api.create("no-such-network", &NetworkConnectorRequest::new("x", "us-east-1")));
    not_found(api.profile("no-such-connector"));
    not_found(api.start_ipsec("no-such-connector"));
    not_found(api.activate("no-such-connector"));
    bad_ids(s, |id| api.profile(id));
    bad_ids(s, |id| api.revoke_profile(id));
    bad_ids(s, |id| api.encrypted_profile(id));
    bad_ids(s, |id| api.bundle(id, BundleType::Msi));
    bad_ids(s, |id| api.stop_ipsec(id));
    bad_ids(s, |id| api.suspend(id));

    api.delete(&conn.id)?;
    not_found(api.get(&conn.id));
    not_found(api.delete(&conn.id));
    c.networks().delete(&ipsec_net.id)?;
    not_found(api.get(&ipsec.id));
    c.networks().delete(&net.id)?;
    Ok(())
}

fn network_ip_services(c: &Client, s: &MockServer) -> Result<()> {
    let net = c.networks().create(&NetworkCreate {
        name: "it-svc".into(),
        routes: vec![RouteRequest::new("172.22.0.0/16", "wide")],
        ..Default::default()
    })?;
    let api = c.network_ip_services();
    let config = ServiceConfig {
        service_types: vec![ServiceType::Custom],
        custom_service_types: vec![CustomServiceType {
            protocol: Some(Protocol::Tcp),
            port: vec![RangeInteger::single(443), RangeInteger::range(8000, 8080)],
            icmp_type: vec![],
        }],
    };
    let req = NetworkIpServiceRequest {
        name: "it-web".into(),
        description: Some("web servers".into()),
        routes: vec![ServiceRouteRequest {
            value: "172.22.1.0/24".into(),
        }],
        config: Some(config.clone()),
        service_type: Some(IpServiceType::ServiceDestination),
    };
    let svc = api.create(&net.id, &req)?;
    assert_eq!((svc.name.as_str(), svc.description.as_str()), ("it-web", "web servers"));
    assert_eq!(
        (svc.network_item_id.as_str(), svc.network_item_type),
        (net.id.as_str(), Some(NetworkItemType::Network))
    );
    assert_eq!(svc.service_type, Some(IpServiceType::ServiceDestination));
    assert_eq!(svc.config, Some(config));
    assert_eq!(svc.routes.len(), 1);
    assert_eq!(
        (svc.routes[0].subnet.as_str(), svc.routes[0].route_type),
        ("172.22.1.0/24", Some(RouteType::IpV4))
    );
    assert_eq!(
        svc.routes[0].parent_route_id.as_deref(),
        Some(net.routes[0].id.as_str())
    );
    assert_eq!(api.get(&svc.id)?, svc);
    assert_eq!(api.list_all(Some(&net.id))?, vec![svc.clone()]);
    let all = api.list_all(None)?;
    assert!(all.contains(&svc));
    check_pages(s, &all, |p| api.list(None, p));

    let new_req = NetworkIpServiceRequest {
        name: "it-dns".into(),
        config: Some(ServiceConfig::of(&[ServiceType::Dns])),
        service_type: Some(IpServiceType::IpSource),
        ..req
    };
    let updated = api.update(&svc.id, &new_req)?;
    assert_eq!(
        (updated.name.as_str(), updated.service_type),
        ("it-dns", Some(IpServiceType::IpSource))
    );
    assert_eq!(updated.config.as_ref().unwrap().service_types, vec![ServiceType::Dns]);
    assert_eq!(api.get(&svc.id)?, updated);

    bad_field(api.create(&net.id, &NetworkIpServiceRequest::default()), "name");
    let bad_route = NetworkIpServiceRequest {
        name: "x".into(),
        routes: vec![ServiceRouteRequest { value: "nope".into() }],
        ..Default::default()
    };
    bad_field(api.create(&net.id, &bad_route), "routes[0].value");
    not_found(api.get("no-such-service"));
    bad_ids(s, |id| api.delete(id));

    api.delete(&svc.id)?;
    not_found(api.get(&svc.id));
    c.networks().delete(&net.id)?;
    Ok(())
}

fn network_applications(c: &Client, s: &MockServer) -> Result<()> {
    let net = c.networks().create(&NetworkCreate {
        name: "it-apps".into(),
        ..Default::default()
    })?;
    let api = c.network_applications();
    let req = ApplicationRequest {
        name: "it-intranet".into(),
        description: Some("intranet".into()),
        routes: vec![
            ApplicationRoute {
                value: "intranet.it.example".into(),
                allow_embedded_ip: Some(true),
                exact_match: Some(true),
            },
            ApplicationRoute::domain("*.wiki.it.example"),
        ],
        config: Some(ServiceConfig::of(&[ServiceType::Http, ServiceType::Https])),
    };
    let app = api.create(&net.id, &req)?;
    assert_eq!(
        (app.name.as_str(), app.description.as_str()),
        ("it-intranet", "intranet")
    );
    assert_eq!(
        (app.network_item_id.as_str(), app.network_item_type),
        (net.id.as_str(), Some(NetworkItemType::Network))
    );
    let domains: Vec<_> = app
        .routes
        .iter()
        .map(|r| (r.domain.as_str(), r.allow_embedded_ip, r.exact_match))
        .collect();
    assert_eq!(
        domains,
        vec![
            ("intranet.it.example", true, Some(true)),
            ("*.wiki.it.example", false, Some(false))
        ]
    );
    assert!(
        app.routes
            .iter()
            .all(|r| r.route_type == Some(RouteType::Domain) && !r.id.is_empty())
    );
    assert_eq!(
        app.config.as_ref().unwrap().service_types,
        vec![ServiceType::Http, ServiceType::Https]
    );
    assert_eq!(api.get(&app.id)?, app);
    assert_eq!(api.list_all(Some(&net.id))?, vec![app.clone()]);
    let all = api.list_all(None)?;
    check_pages(s, &all, |p| api.list(None, p));

    let updated = api.update(
        &app.id,
        &ApplicationRequest {
            name: "it-portal".into(),
            routes: vec![ApplicationRoute::domain("portal.it.example")],
            ..req
        },
    )?;
    assert_eq!(updated.name, "it-portal");
    assert_eq!(ids(&updated.routes, |r| &r.domain), vec!["portal.it.example"]);
    assert_eq!(api.get(&app.id)?, updated);

    let bad = ApplicationRequest {
        name: "x".into(),
        routes: vec![ApplicationRoute::domain("not a domain!")],
        ..Default::default()
    };
    bad_field(api.create(&net.id, &bad), "routes[0].value");
    bad_field(api.update(&app.id, &ApplicationRequest::default()), "name");
    not_found(api.get("no-such-app"));
    bad_ids(s, |id| api.get(id));

    api.delete(&app.id)?;
    not_found(api.get(&app.id));
    c.networks().delete(&net.id)?;
    Ok(())
}

fn hosts(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.hosts();
    let before = api.list(PageRequest::new(0, 1))?.total_elements;
    let host = api.create(&HostCreate {
        name: "it-host".into(),
        description: Some("a box".into()),
        internet_access: Some(InternetAccess::SplitTunnelOn),
        domain: Some("box.it.example".into()),
        connectors: vec![HostConnectorRequest::new("it-host-conn", "sg-sin")],
        gateways_ids: None,
    })?;
    assert_eq!(
        (host.name.as_str(), host.description.as_str(), host.domain.as_str()),
        ("it-host", "a box", "box.it.example")
    );
    assert_eq!(host.internet_access, Some(InternetAccess::SplitTunnelOn));
    assert_eq!(host.connectors.len(), 1);
    assert_eq!(
        (
            host.connectors[0].name.as_str(),
            host.connectors[0].vpn_region_id.as_str()
        ),
        ("it-host-conn", "sg-sin")
    );
    assert_eq!(host.connectors[0].network_item_type, Some(NetworkItemType::Host));
    assert!(!host.system_subnets.is_empty());
    assert_eq!(api.get(&host.id)?, host);

    let mut update = HostUpdate::from(&host);
    update.name = "it-host-2".into();
    update.domain = Some("box2.it.example".into());
    update.internet_access = Some(InternetAccess::SplitTunnelOff);
    let updated = api.update(&host.id, &update)?;
    assert_eq!(
        (updated.name.as_str(), updated.domain.as_str()),
        ("it-host-2", "box2.it.example")
    );
    assert_eq!(updated.internet_access, Some(InternetAccess::SplitTunnelOff));
    assert_eq!(updated.connectors, host.connectors);
    assert_eq!(api.get(&host.id)?, updated);

    let all = api.list_all()?;
    assert_eq!(all.len() as u64, before + 1);
    assert_eq!(api.iter().collect::<Result<Vec<_>>>()?, all);
    check_pages(s, &all, |p| api.list(p));

    bad_field(api.create(&HostCreate::default()), "name");
    let bad_conn = HostCreate {
        name: "x".into(),
        connectors: vec![HostConnectorRequest::new("c", "xx")],
        ..Default::default()
    };
    bad_field(api.create(&bad_conn), "connectors[0].vpnRegionId");
    not_found(api.get("no-such-host"));
    bad_ids(s, |id| api.update(id, &update));

    api.delete(&host.id)?;
    not_found(api.get(&host.id));
    not_found(c.host_connectors().get(&host.connectors[0].id));
    Ok(())
}

fn host_connectors(c: &Client, s: &MockServer) -> Result<()> {
    let host = c.hosts().create(&HostCreate {
        name: "it-hc".into(),
        ..Default::default()
    })?;
    let api = c.host_connectors();
    let req = HostConnectorRequest {
        description: Some("edge".into()),
        ..HostConnectorRequest::new("it-hconn", "jp-tyo")
    };
    let conn = api.create(&host.id, &req)?;
    assert_eq!(
        (
            conn.name.as_str(),
            conn.description.as_str(),
            conn.vpn_region_id.as_str()
        ),
        ("it-hconn", "edge", "jp-tyo")
    );
    assert_eq!(
        (conn.network_item_id.as_str(), conn.network_item_type),
        (host.id.as_str(), Some(NetworkItemType::Host))
    );
    assert_eq!(conn.licensed, Some(true));
    assert_eq!(api.get(&conn.id)?, conn);
    assert_eq!(api.list_all(Some(&host.id))?, vec![conn.clone()]);
    assert_eq!(c.hosts().get(&host.id)?.connectors, vec![conn.clone()]);
    let all = api.list_all(None)?;
    check_pages(s, &all, |p| api.list(None, p));

    let updated = api.update(&conn.id, &HostConnectorRequest::new("it-hconn-2", "au-syd"))?;
    assert_eq!(
        (updated.name.as_str(), updated.vpn_region_id.as_str()),
        ("it-hconn-2", "au-syd")
    );
    assert_eq!(api.get(&conn.id)?, updated);

    let profile = api.profile(&conn.id)?;
    assert!(profile.contains("remote au-syd.gw.openvpn.com"), "{profile}");
    assert!(!api.encrypted_profile(&conn.id)?.is_empty());
    assert!(api.bundle(&conn.id, BundleType::Msi)?.ends_with(".msi"));
    assert!(api.bundle(&conn.id, BundleType::Dmg)?.ends_with(".dmg"));
    assert!(api.revoke_profile(&conn.id)?);
    api.suspend(&conn.id)?;
    assert_eq!(api.get(&conn.id)?.licensed, Some(false));
    api.activate(&conn.id)?;
    assert_eq!(api.get(&conn.id)?.licensed, Some(true));

    bad_field(api.create(&host.id, &HostConnectorRequest::new("", "au-syd")), "name");
    not_found(api.create("no-such-host", &req));
    not_found(api.encrypted_profile("no-such-connector"));
    not_found(api.bundle("no-such-connector", BundleType::Dmg));
    not_found(api.revoke_profile("no-such-connector"));
    bad_ids(s, |id| api.activate(id));
    invalid(s, || api.list_all(Some("..")));

    api.delete(&conn.id)?;
    not_found(api.get(&conn.id));
    c.hosts().delete(&host.id)?;
    Ok(())
}

fn host_ip_services(c: &Client, s: &MockServer) -> Result<()> {
    let host = c.hosts().create(&HostCreate {
        name: "it-hsvc".into(),
        ..Default::default()
    })?;
    let api = c.host_ip_services();
    let req = HostIpServiceRequest {
        name: "it-ssh".into(),
        description: Some("ssh".into()),
        config: Some(ServiceConfig::of(&[ServiceType::Ssh])),
    };
    let svc = api.create(&host.id, &req)?;
    assert_eq!((svc.name.as_str(), svc.description.as_str()), ("it-ssh", "ssh"));
    assert_eq!(
        (svc.network_item_id.as_str(), svc.network_item_type),
        (host.id.as_str(), Some(NetworkItemType::Host))
    );
    assert_eq!(svc.config.as_ref().unwrap().service_types, vec![ServiceType::Ssh]);
    assert_eq!(api.get(&svc.id)?, svc);
    assert_eq!(api.list_all(Some(&host.id))?, vec![svc.clone()]);
    let all = api.list_all(None)?;
    check_pages(s, &all, |p| api.list(None, p));

    let icmp = ServiceConfig {
        service_types: vec![],
        custom_service_types: vec![CustomServiceType {
            protocol: Some(Protocol::Icmp),
            port: vec![],
            icmp_type: vec![RangeInteger::single(8)],
        }],
    };
    let updated = api.update(
        &svc.id,
        &HostIpServiceRequest {
            name: "it-ping".into(),
            description: None,
            config: Some(icmp.clone()),
        },
    )?;
    assert_eq!(
        (updated.name.as_str(), updated.description.as_str()),
        ("it-ping", "ssh")
    );
    assert_eq!(updated.config, Some(icmp));
    assert_eq!(api.get(&svc.id)?, updated);

    bad_field(api.create(&host.id, &HostIpServiceRequest::default()), "name");
    not_found(api.create("no-such-host", &req));
    not_found(api.update("no-such-service", &req));
    bad_ids(s, |id| api.get(id));

    api.delete(&svc.id)?;
    not_found(api.get(&svc.id));
    not_found(api.delete(&svc.id));
    c.hosts().delete(&host.id)?;
    Ok(())
}

fn host_applications(c: &Client, s: &MockServer) -> Result<()> {
    let host = c.hosts().create(&HostCreate {
        name: "it-happ".into(),
        ..Default::default()
    })?;
    let api = c.host_applications();
    let req = ApplicationRequest {
        name: "it-web".into(),
        description: Some("web".into()),
        routes: vec![ApplicationRoute {
            value: "web.it.example".into(),
            allow_embedded_ip: Some(true),
            exact_match: None,
        }],
        config: Some(ServiceConfig::of(&[ServiceType::Https])),
    };
    let app = api.create(&host.id, &req)?;
    assert_eq!(
        (app.network_item_id.as_str(), app.network_item_type),
        (host.id.as_str(), Some(NetworkItemType::Host))
    );
    assert_eq!(app.routes.len(), 1);
    assert_eq!(
        (app.routes[0].domain.as_str(), app.routes[0].allow_embedded_ip),
        ("web.it.example", true)
    );
    assert_eq!(
        app.routes[0].exact_match, None,
        "host application routes have no exactMatch"
    );
    assert_eq!(api.get(&app.id)?, app);
    assert_eq!(api.list_all(Some(&host.id))?, vec![app.clone()]);
    let all = api.list_all(None)?;
    check_pages(s, &all, |p| api.list(None, p));

    let updated = api.update(
        &app.id,
        &ApplicationRequest {
            description: Some("web 2".into()),
            ..req.clone()
        },
    )?;
    assert_eq!(updated.description, "web 2");
    assert_eq!(api.get(&app.id)?, updated);

    bad_field(api.create(&host.id, &ApplicationRequest::default()), "name");
    not_found(api.create("no-such-host", &req));
    not_found(api.get("no-such-app"));
    bad_ids(s, |id| api.update(id, &req));

    api.delete(&app.id)?;
    not_found(api.get(&app.id));
    c.hosts().delete(&host.id)?;
    not_found(api.create(&host.id, &req));
    Ok(())
}

fn users(c: &Client, s: &MockServer) -> Result<()> {
    let groups = c.user_groups().list_all()?;
    let (g1, g2) = (groups[0].id.clone(), groups[1].id.clone());
    let api = c.users();
    let before = api.list(PageRequest::new(0, 1))?.total_elements;
    let create = UserCreate {
        username: "it.user".into(),
        email: "it.user@it.example".into(),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        group_id: Some(g1.clone()),
        secondary_group_ids: Some(vec![g2.clone()]),
        role: Some(Role::Admin),
        devices: vec![DeviceRequest::new("it-phone")],
    };
    let user = api.create(&create)?;
    assert_eq!(
        (user.username.as_str(), user.email.as_str()),
        ("it.user", "it.user@it.example")
    );
    assert_eq!((user.first_name.as_str(), user.last_name.as_str()), ("Ada", "Lovelace"));
    assert_eq!(
        (user.group_id.as_str(), user.secondary_group_ids.clone()),
        (g1.as_str(), vec![g2.clone()])
    );
    assert_eq!(
        (user.role, user.status, user.auth_type),
        (Some(Role::Admin), Some(UserStatus::Invited), Some(AuthType::Internal))
    );
    assert_eq!(user.devices.len(), 1);
    assert_eq!(
        (user.devices[0].name.as_str(), user.devices[0].user_id.as_str()),
        ("it-phone", user.id.as_str())
    );
    assert_eq!(api.get(&user.id)?, user);

    let updated = api.update(
        &user.id,
        &UserUpdate {
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            group_id: Some(g2.clone()),
            role: Some(Role::Member),
            ..Default::default()
        },
    )?;
    assert_eq!(
        (updated.first_name.as_str(), updated.last_name.as_str()),
        ("Grace", "Hopper")
    );
    assert_eq!(
        (updated.group_id.as_str(), updated.role),
        (g2.as_str(), Some(Role::Member))
    );
    assert_eq!(updated.email, user.email, "fields not sent are kept");
    assert_eq!(api.get(&user.id)?, updated);

    api.suspend(&user.id)?;
    assert_eq!(api.get(&user.id)?.status, Some(UserStatus::Suspended));
    api.activate(&user.id)?;
    assert_eq!(api.get(&user.id)?.status, Some(UserStatus::Active));

    let all = api.list_all()?;
    assert_eq!(all.len() as u64, before + 1);
    assert_eq!(api.iter().collect::<Result<Vec<_>>>()?, all);
    check_pages(s, &all, |p| api.list(p));

    // errors
    let dup = bad_field(api.create(&create), "username");
    assert_eq!(
        dup.error_details["username"][0].error_code.as_deref(),
        Some("Duplicate")
    );
    let missing = bad_field(
        api.create(&UserCreate {
            username: "it.other".into(),
            ..Default::default()
        }),
        "email",
    );
    assert_eq!(
        missing.error_details["email"][0].error_code.as_deref(),
        Some("NotBlank")
    );
    bad_field(
        api.update(
            &user.id,
            &UserUpdate {
                group_id: Some("no-such-group".into()),
                ..Default::default()
            },
        ),
        "groupId",
    );
    not_found(api.get("no-such-user"));
    not_found(api.suspend("no-such-user"));
    bad_ids(s, |id| api.activate(id));
    bad_ids(s, |id| api.suspend(id));

    api.delete(&user.id)?;
    not_found(api.get(&user.id));
    not_found(c.devices().get(&user.id, &user.devices[0].id));
    assert_eq!(api.list(PageRequest::new(0, 1))?.total_elements, before);
    Ok(())
}

fn user_groups(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.user_groups();
    let req = UserGroupRequest {
        name: "it-group".into(),
        vpn_region_ids: vec!["us-east-1".into(), "de-fra".into()],
        internet_access: Some(InternetAccess::SplitTunnelOff),
        max_device: Some(5),
        connect_auth: Some(ConnectAuth::EveryTime),
        all_regions_included: Some(false),
        gateways_ids: None,
        tunnel_bypass: Some(TunnelBypass {
            ipv4_subnets: vec!["192.0.2.0/24".into()],
        }),
    };
    let group = api.create(&req)?;
    assert_eq!(group.name, "it-group");
    assert_eq!(group.vpn_region_ids, vec!["us-east-1", "de-fra"]);
    assert_eq!(
        (group.internet_access, group.max_device, group.connect_auth),
        (Some(InternetAccess::SplitTunnelOff), 5, Some(ConnectAuth::EveryTime))
    );
    assert!(!group.all_regions_included);
    assert_eq!(group.tunnel_bypass, req.tunnel_bypass);
    assert!(!group.system_subnets.is_empty());
    assert_eq!(api.get(&group.id)?, group);

    let updated = api.update(
        &group.id,
        &UserGroupRequest {
            name: "it-group-2".into(),
            vpn_region_ids: vec!["it-mxp".into()],
            max_device: Some(2),
            all_regions_included: Some(true),
            connect_auth: Some(ConnectAuth::NoAuth),
            ..req.clone()
        },
    )?;
    assert_eq!(
        (
            updated.name.as_str(),
            updated.vpn_region_ids.clone(),
            updated.max_device
        ),
        ("it-group-2", vec!["it-mxp".to_string()], 2)
    );
    assert!(updated.all_regions_included);
    assert_eq!(updated.connect_auth, Some(ConnectAuth::NoAuth));
    assert_eq!(api.get(&group.id)?, updated);

    let all = api.list_all()?;
    assert!(all.contains(&updated));
    check_pages(s, &all, |p| api.list(p));

    bad_field(api.create(&UserGroupRequest::default()), "name");
    bad_field(
        api.create(&UserGroupRequest {
            name: "x".into(),
            vpn_region_ids: vec!["xx-nowhere".into()],
            ..Default::default()
        }),
        "vpnRegionIds[0]",
    );
    not_found(api.get("no-such-group"));
    bad_ids(s, |id| api.get(id));
    // a group with users cannot be deleted
    let member = c.users().create(&UserCreate {
        username: "it.member".into(),
        email: "m@it.example".into(),
        group_id: Some(group.id.clone()),
        ..Default::default()
    })?;
    let still = http_error(api.delete(&group.id), 400);
    assert!(still.error_message.unwrap().contains("users"));
    c.users().delete(&member.id)?;
    api.delete(&group.id)?;
    not_found(api.get(&group.id));
    Ok(())
}

fn devices(c: &Client, s: &MockServer) -> Result<()> {
    let user = c.users().create(&UserCreate {
        username: "it.devices".into(),
        email: "d@it.example".into(),
        ..Default::default()
    })?;
    let other = c.users().create(&UserCreate {
        username: "it.other-dev".into(),
        email: "o@it.example".into(),
        ..Default::default()
    })?;
    let api = c.devices();
    let req = DeviceRequest {
        name: "it-laptop".into(),
        description: Some("work".into()),
        client_uuid: Some("0c1a2b3c-uuid".into()),
    };
    let dev = api.create(&user.id, &req)?;
    assert_eq!(
        (dev.name.as_str(), dev.description.as_str(), dev.client_uuid.as_str()),
        ("it-laptop", "work", "0c1a2b3c-uuid")
    );
    assert_eq!(dev.user_id, user.id);
    assert_eq!(dev.connection_status, Some(ConnectionStatus::Offline));
    assert!(!dev.ip_v4_address.is_empty());
    let second = api.create(&user.id, &DeviceRequest::new("it-phone"))?;
    assert!(!second.client_uuid.is_empty(), "the service generates a client UUID");
    assert_eq!(api.get(&user.id, &dev.id)?, dev);
    assert_eq!(api.list_all(Some(&user.id))?, vec![dev.clone(), second.clone()]);
    assert_eq!(
        ids(&c.users().get(&user.id)?.devices, |d| &d.id),
        vec![dev.id.clone(), second.id.clone()]
    );
    let mine = api.list(Some(&user.id), PageRequest::new(0, 1))?;
    assert_eq!((mine.total_elements, mine.total_pages, mine.content.len()), (2, 2, 1));
    let all = api.list_all(None)?;
    assert!(all.contains(&dev) && all.contains(&second));
    assert_eq!(api.iter(None).collect::<Result<Vec<_>>>()?, all);
    check_pages(s, &all, |p| api.list(None, p));

    let updated = api.update(
        &user.id,
        &dev.id,
        &DeviceRequest {
            name: "it-laptop-2".into(),
            description: Some("home".into()),
            client_uuid: None,
        },
    )?;
    assert_eq!(
        (
            updated.name.as_str(),
            updated.description.as_str(),
            updated.client_uuid.as_str()
        ),
        ("it-laptop-2", "home", "0c1a2b3c-uuid")
    );
    assert_eq!(api.get(&user.id, &dev.id)?, updated);

    let profile = api.generate_profile(&user.id, &dev.id, "it-mxp")?;
    assert!(
        profile.contains("remote it-mxp.gw.openvpn.com") && profile.contains("it-laptop-2"),
        "{profile}"
    );
    let revoked = api.revoke_profile(&user.id, &dev.id)?;
    assert!(revoked.contains(&dev.id) && revoked.contains("revoked"), "{revoked}");

    // errors
    bad_field(api.generate_profile(&user.id, &dev.id, "xx-nowhere"), "regionId");
    bad_field(api.create(&user.id, &DeviceRequest::default()), "name");
    not_found(api.get(&other.id, &dev.id)); // another user's device
    not_found(api.get("no-such-user", &dev.id));
    not_found(api.create("no-such-user", &req));
    not_found(api.revoke_profile(&user.id, "no-such-device"));
    not_found(api.get("a/b?c", &dev.id)); // query ids are encoded, not interpreted
    bad_ids(s, |id| api.get(id, &dev.id));
    bad_ids(s, |id| api.get(&user.id, id));
    bad_ids(s, |id| api.create(id, &req));
    bad_ids(s, |id| api.update(&user.id, id, &req));
    bad_ids(s, |id| api.delete(id, &dev.id));
    bad_ids(s, |id| api.generate_profile(&user.id, &dev.id, id));
    bad_ids(s, |id| api.revoke_profile(id, &dev.id));
    invalid(s, || api.list(Some(""), PageRequest::default()));
    invalid(s, || api.list(None, PageRequest::new(0, 5000)));

    api.delete(&user.id, &dev.id)?;
    not_found(api.get(&user.id, &dev.id));
    not_found(api.delete(&user.id, &dev.id));
    assert_eq!(api.list_all(Some(&user.id))?, vec![second]);
    c.users().delete(&user.id)?;
    c.users().delete(&other.id)?;
    Ok(())
}

fn device_postures(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.device_postures();
    let group = c.user_groups().list_all()?[0].id.clone();
    let req = DevicePostureRequest {
        name: "it-posture".into(),
        description: Some("strict".into()),
        user_groups_ids: vec![group],
        windows: Some(WindowsPolicy {
            allowed: true,
            version: Some(VersionPolicy {
                version: "10.0.22631".into(),
                condition: Some(VersionCondition::Gte),
            }),
            antiviruses: vec![Antivirus::MicrosoftDefender, Antivirus::CrowdstrikeFalcon],
            disk_encryption: Some(DiskEncryption {
                encryption_type: Some(DiskEncryptionType::SpecificVolume),
                volume: Some("C:".into()),
            }),
            certificate: Some("cert-a".into()),
        }),
        macos: Some(MacOsPolicy {
            allowed: true,
            version: Some(VersionPolicy {
                version: "14.0".into(),
                condition: Some(VersionCondition::Equal),
            }),
            antiviruses: vec![Antivirus::SentinelOne],
            disk_encrypted: Some(true),
            certificate: None,
        }),
        linux: Some(PlatformPolicy { allowed: false }),
        android: Some(PlatformPolicy { allowed: true }),
        ios: Some(PlatformPolicy { allowed: false }),
    };
    let posture = api.create(&req)?;
    assert!(op_count(s, "create_1", 200) >= 1, "device posture create answers 200");
    assert_eq!(
        (posture.name.as_str(), posture.description.as_str()),
        ("it-posture", "strict")
    );
    assert_eq!(posture.user_groups_ids, req.user_groups_ids);
    assert_eq!(
        (&posture.windows, &posture.macos),
        (&req.windows, &req.macos),
        "platform policies round-trip"
    );
    assert_eq!(
        (posture.linux.clone(), posture.android.clone(), posture.ios.clone()),
        (req.linux.clone(), req.android.clone(), req.ios.clone())
    );
    assert_eq!(api.get(&posture.id)?, posture);

    let updated = api.update(
        &posture.id,
        &DevicePostureRequest {
            name: "it-posture-2".into(),
            linux: Some(PlatformPolicy { allowed: true }),
            ..req.clone()
        },
    )?;
    assert_eq!(
        (updated.name.as_str(), updated.linux.clone()),
        ("it-posture-2", Some(PlatformPolicy { allowed: true }))
    );
    assert_eq!(api.get(&posture.id)?, updated);

    let all = api.list_all()?;
    assert!(all.contains(&updated));
    assert!(
        all.iter().any(|p| p.name == "Managed laptops"),
        "the seeded posture is listed"
    );
    check_pages(s, &all, |p| api.list(p));

    bad_field(api.create(&DevicePostureRequest::default()), "name");
    not_found(api.get("no-such-posture"));
    bad_ids(s, |id| api.delete(id));

    let deletes = op_count(s, "delete_1", 200);
    api.delete(&posture.id)?;
    assert_eq!(
        op_count(s, "delete_1", 200),
        deletes + 1,
        "device posture delete answers 200"
    );
    not_found(api.get(&posture.id));
    Ok(())
}

fn dns_records(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.dns_records();
    let req = DnsRecordRequest {
        domain: "db.it.example".into(),
        description: Some("database".into()),
        ipv4_addresses: vec!["10.1.2.3".into(), "10.1.2.4".into()],
        ipv6_addresses: vec!["fd00::1".into()],
    };
    let rec = api.create(&req)?;
    assert_eq!(
        (rec.domain.as_str(), rec.description.as_str()),
        ("db.it.example", "database")
    );
    assert_eq!(
        (rec.ipv4_addresses.clone(), rec.ipv6_addresses.clone()),
        (req.ipv4_addresses.clone(), req.ipv6_addresses.clone())
    );
    assert_eq!(api.get(&rec.id)?, rec);

    let updated = api.update(
        &rec.id,
        &DnsRecordRequest {
            ipv6_addresses: vec![],
            description: Some("db".into()),
            ..req.clone()
        },
    )?;
    assert_eq!(
        (updated.description.as_str(), updated.ipv6_addresses.len()),
        ("db", 0),
        "an empty list clears"
    );
    assert_eq!(updated.ipv4_addresses, req.ipv4_addresses);
    assert_eq!(api.get(&rec.id)?, updated);

    let all = api.list_all()?;
    assert!(all.contains(&updated));
    check_pages(s, &all, |p| api.list(p));

    bad_field(api.create(&DnsRecordRequest::default()), "domain");
    bad_field(
        api.create(&DnsRecordRequest {
            domain: "x.it.example".into(),
            ipv4_addresses: vec!["999.1.1.1".into()],
            ..Default::default()
        }),
        "ipv4Addresses[0]",
    );
    // the service's quirk: an unknown DNS record is 400, not 404
    let missing = http_error(api.get("no-such-record"), 400);
    assert!(missing.error_message.unwrap().contains("not found"));
    http_error(api.update("no-such-record", &req), 400);
    bad_ids(s, |id| api.get(id));

    api.delete(&rec.id)?;
    http_error(api.get(&rec.id), 400);
    http_error(api.delete(&rec.id), 400);
    Ok(())
}

fn access_groups(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.access_groups();
    let seeded = api.list_all()?;
    assert!(
        seeded
            .iter()
            .any(|g| g.default_group && g.name == "Default Full Mesh Access")
    );
    let req = AccessGroupRequest {
        name: "it-access".into(),
        description: Some("lab access".into()),
        source: vec![AccessItem::all(AccessItemType::UserGroup)],
        destination: vec![AccessItem::under(AccessItemType::NetworkService, "net-1", vec![])],
    };
    let group = api.create(&req)?;
    assert_eq!(
        (group.name.as_str(), group.description.as_str(), group.default_group),
        ("it-access", "lab access", false)
    );
    assert_eq!(
        (group.source.clone(), group.destination.clone()),
        (req.source.clone(), req.destination.clone())
    );
    assert_eq!(api.get(&group.id)?, group);

    // add and remove single items
    let host_item = AccessItem::under(AccessItemType::Host, "host-1", vec!["svc-1".into(), "svc-2".into()]);
    let g = api.add_source(&group.id, &host_item)?;
    assert_eq!(g.source.len(), 2);
    assert_eq!(g.source[1], host_item);
    let g = api.add_source(
        &group.id,
        &AccessItem::under(AccessItemType::Host, "host-1", vec!["svc-3".into()]),
    )?;
    assert_eq!(g.source.len(), 2, "same type and parent are merged");
    assert_eq!(g.source[1].children, vec!["svc-1", "svc-2", "svc-3"]);
    let g = api.remove_source(&group.id, AccessItemType::Host, Some("host-1"), Some("svc-2"))?;
    assert_eq!(g.source[1].children, vec!["svc-1", "svc-3"]);
    let g = api.remove_source(&group.id, AccessItemType::Host, Some("host-1"), None)?;
    assert_eq!(g.source, req.source);
    let g = api.remove_source(&group.id, AccessItemType::UserGroup, None, None)?;
    assert!(g.source.is_empty());

    let dest = AccessItem::under(AccessItemType::HostService, "host-2", vec!["svc-9".into()]);
    let g = api.add_destination(&group.id, &dest)?;
    assert_eq!(g.destination, vec![req.destination[0].clone(), dest.clone()]);
    let g = api.remove_destination(&group.id, AccessItemType::NetworkService, None, None)?;
    assert_eq!(g.destination, vec![dest]);
    let g = api.remove_destination(&group.id, AccessItemType::HostService, Some("host-2"), Some("svc-9"))?;
    assert!(g.destination[0].children.is_empty());
    assert_eq!(api.get(&group.id)?, g);

    let updated = api.update(
        &group.id,
        &AccessGroupRequest {
            name: "it-access-2".into(),
            ..req.clone()
        },
    )?;
    assert_eq!(
        (
            updated.name.as_str(),
            updated.source.clone(),
            updated.destination.clone()
        ),
        ("it-access-2", req.source.clone(), req.destination.clone())
    );
    assert_eq!(api.get(&group.id)?, updated);

    let all = api.list_all()?;
    assert_eq!(all.len(), seeded.len() + 1);
    check_pages(s, &all, |p| api.list(p));

    // errors
    bad_field(api.create(&AccessGroupRequest::default()), "name");
    bad_field(api.add_source(&group.id, &AccessItem::default()), "type");
    bad_field(
        api.add_destination(
            &group.id,
            &AccessItem {
                item_type: Some(AccessItemType::Host),
                ..Default::default()
            },
        ),
        "type",
    );
    bad_field(
        api.remove_source(&group.id, AccessItemType::PublishedService, None, None),
        "type",
    );
    not_found(api.add_source("no-such-group", &host_item));
    not_found(api.remove_destination("no-such-group", AccessItemType::UserGroup, None, None));
    invalid(s, || {
        api.remove_source(&group.id, AccessItemType::Host, None, Some("svc-1"))
    });
    invalid(s, || {
        api.remove_destination(&group.id, AccessItemType::Unknown, None, None)
    });
    invalid(s, || api.remove_source(&group.id, AccessItemType::Host, Some(""), None));
    bad_ids(s, |id| api.add_destination(id, &host_item));
    bad_ids(s, |id| api.remove_source(id, AccessItemType::Host, None, None));

    api.delete(&group.id)?;
    not_found(api.get(&group.id));
    Ok(())
}

fn location_contexts(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.location_contexts();
    let group = c.user_groups().list_all()?[0].id.clone();
    let req = LocationContextRequest {
        name: "it-location".into(),
        description: Some("hq only".into()),
        user_groups_ids: vec![group],
        ip_check: Some(IpCheck {
            allowed: true,
            ips: vec![IpEntry {
                ip: "198.51.100.0/24".into(),
                description: "hq".into(),
            }],
        }),
        country_check: Some(CountryCheck {
            allowed: false,
            countries: vec!["FR".into(), "IT".into()],
        }),
        default_check: Some(DefaultCheck { allowed: true }),
    };
    let creates = op_count(s, "create", 200);
    let ctx = api.create(&req)?;
    assert_eq!(
        op_count(s, "create", 200),
        creates + 1,
        "location context create answers 200"
    );
    assert_eq!(
        (ctx.name.as_str(), ctx.description.as_str()),
        ("it-location", "hq only")
    );
    assert_eq!(
        (
            &ctx.user_groups_ids,
            &ctx.ip_check,
            &ctx.country_check,
            &ctx.default_check
        ),
        (
            &req.user_groups_ids,
            &req.ip_check,
            &req.country_check,
            &req.default_check
        )
    );
    assert_eq!(api.get(&ctx.id)?, ctx);

    let updated = api.update(
        &ctx.id,
        &LocationContextRequest {
            name: "it-location-2".into(),
            default_check: Some(DefaultCheck { allowed: false }),
            ..req.clone()
        },
    )?;
    assert_eq!(
        (updated.name.as_str(), updated.default_check.clone()),
        ("it-location-2", Some(DefaultCheck { allowed: false }))
    );
    assert_eq!(api.get(&ctx.id)?, updated);

    let all = api.list_all()?;
    assert!(all.contains(&updated) && all.iter().any(|l| l.name == "Office only"));
    check_pages(s, &all, |p| api.list(p));

    bad_field(api.create(&LocationContextRequest::default()), "name");
    not_found(api.get("no-such-context"));
    not_found(api.update("no-such-context", &req));
    bad_ids(s, |id| api.get(id));

    api.delete(&ctx.id)?;
    not_found(api.get(&ctx.id));
    not_found(api.delete(&ctx.id));
    Ok(())
}

fn regions(c: &Client, _s: &MockServer) -> Result<()> {
    let all = c.regions().list()?;
    assert!(all.len() >= 20);
    let us = all.iter().find(|r| r.id == "us-east-1").expect("us-east-1 listed");
    assert_eq!(
        (us.country.as_str(), us.country_iso.as_str(), us.continent.as_str()),
        ("United States", "US", "North America")
    );
    let milan = c.regions().get("it-mxp")?.expect("it-mxp exists");
    assert_eq!((milan.region_name.as_str(), milan.country.as_str()), ("Milan", "Italy"));
    assert_eq!(c.regions().get("xx-nowhere")?, None);
    Ok(())
}

fn sessions(c: &Client, s: &MockServer) -> Result<()> {
    let api = c.sessions();
    let window = SessionQuery {
        start_date: Some(now_minus(2 * 86_400)),
        end_date: Some(rfc3339(SystemTime::now() + Duration::from_secs(3600))),
        ..SessionQuery::default()
    };
    let all = api.list_all(&window)?;
    assert!(all.len() > 20, "seeded sessions in the window: {}", all.len());
    let unique: BTreeSet<&str> = all.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(unique.len(), all.len(), "no session twice");
    for x in &all {
        assert!(!x.id.is_empty() && x.session_id == x.id);
        assert!(!x.user_name.is_empty() && x.session_start_time.is_some());
        assert!(matches!(
            x.status,
            Some(SessionStatus::Active | SessionStatus::Completed | SessionStatus::Failed)
        ));
    }

    // follow the cursor by hand with pages of 7
    let mut walked = Vec::new();
    let mut q = SessionQuery {
        size: 7,
        ..window.clone()
    };
    let mut pages = 0;
    loop {
        let page = api.list(&q)?;
        pages += 1;
        assert!(page.sessions.len() <= 7);
        walked.extend(page.sessions);
        match page.next_cursor {
            Some(cur) => q.cursor = Some(cur),
            None => break,
        }
    }
    assert_eq!(pages, all.len().div_ceil(7));
    assert_eq!(walked, all);
    let calls = op_count(s, "getSessions", 200);
    let iterated: Vec<Session> = api
        .iter(&SessionQuery {
            size: 7,
            ..window.clone()
        })
        .collect::<Result<_>>()?;
    assert_eq!(iterated, all);
    assert_eq!(
        op_count(s, "getSessions", 200) - calls,
        pages as u64,
        "one call per cursor page"
    );

    let active = api.list_all(&SessionQuery {
        status: Some(SessionStatus::Active),
        ..window.clone()
    })?;
    assert!(!active.is_empty() && active.iter().all(|x| x.status == Some(SessionStatus::Active)));
    assert!(active.iter().all(|x| x.session_end_time.is_none()));
    let start = now_minus(86_400);
    let fresh = api.list_all(&SessionQuery {
        return_only_new: true,
        start_date: Some(start.clone()),
        ..window.clone()
    })?;
    assert!(fresh.len() < all.len());
    assert!(
        fresh
            .iter()
            .all(|x| x.session_start_time.as_deref().unwrap() >= start.as_str())
    );
    let default_window = api.list(&SessionQuery {
        size: 5,
        ..SessionQuery::default()
    })?;
    assert_eq!(default_window.sessions.len(), 5);

    // errors
    invalid(s, || {
        api.list(&SessionQuery {
            size: 0,
            ..SessionQuery::default()
        })
    });
    invalid(s, || {
        api.list(&SessionQuery {
            size: 101,
            ..SessionQuery::default()
        })
    });
    invalid(s, || {
        api.list(&SessionQuery {
            start_date: Some("yesterday".into()),
            ..SessionQuery::default()
        })
    });
    invalid(s, || {
        api.list(&SessionQuery {
            status: Some(SessionStatus::Unknown),
            ..SessionQuery::default()
        })
    });
    bad_field(
        api.list(&SessionQuery {
            start_date: Some(now_minus(40 * 86_400)),
            ..SessionQuery::default()
        }),
        "startDate",
    );
    bad_field(
        api.list(&SessionQuery {
            cursor: Some("not-a-cursor".into()),
            ..SessionQuery::default()
        }),
        "cursor",
    );
    let mut it = api.iter(&SessionQuery {
        size: 0,
        ..SessionQuery::default()
    });
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
    Ok(())
}

fn settings(c: &Client, s: &MockServer) -> Result<()> {
    let st = c.settings();
    // booleans: bare JSON scalars
    type Get<'a> = &'a dyn Fn() -> Result<bool>;
    type Set<'a> = &'a dyn Fn(bool) -> Result<bool>;
    let bools: [(&str, Get, Set, bool); 7] = [
        (
            "trusted devices",
            &|| st.trusted_devices_allowed(),
            &|v| st.set_trusted_devices_allowed(v),
            true,
        ),
        (
            "two-factor",
            &|| st.two_factor_auth_enabled(),
            &|v| st.set_two_factor_auth_enabled(v),
            false,
        ),
        (
            "dns proxy",
            &|| st.dns_proxy_enabled(),
            &|v| st.set_dns_proxy_enabled(v),
            true,
        ),
        (
            "force update",
            &|| st.force_update_device_allowance(),
            &|v| st.set_force_update_device_allowance(v),
            false,
        ),
        ("snat", &|| st.snat_enabled(), &|v| st.set_snat_enabled(v), true),
        (
            "routes advanced",
            &|| st.routes_advanced_configuration_enabled(),
            &|v| st.set_routes_advanced_configuration_enabled(v),
            false,
        ),
        (
            "routes advanced back",
            &|| st.routes_advanced_configuration_enabled(),
            &|v| st.set_routes_advanced_configuration_enabled(v),
            true,
        ),
    ];
    for (name, get, set, seeded) in bools {
        assert_eq!(get()?, seeded, "{name}");
        assert_eq!(set(!seeded)?, !seeded, "{name}");
        assert_eq!(get()?, !seeded, "{name}");
    }

    // integers
    assert_eq!(st.device_allowance_per_user()?, 3);
    assert_eq!(st.set_device_allowance_per_user(7)?, 7);
    assert_eq!(st.device_allowance_per_user()?, 7);
    bad_field(st.set_device_allowance_per_user(0), "device-allowance");
    assert_eq!(st.connection_timeout()?, 3600);
    assert_eq!(st.set_connection_timeout(7200)?, 7200);
    assert_eq!(st.connection_timeout()?, 7200);

    // strings: bare text both ways
    assert_eq!(st.default_dns_suffix()?, "corp.example");
    st.set_default_dns_suffix("it.example")?;
    assert_eq!(st.default_dns_suffix()?, "it.example");
    assert_eq!(st.default_region()?, "us-east-1");
    st.set_default_region("de-fra")?;
    assert_eq!(st.default_region()?, "de-fra");
    bad_field(st.set_default_region("xx-nowhere"), "default-region");
    assert_eq!(st.default_connect_auth()?, ConnectAuth::OnPriorAuth);
    st.set_default_connect_auth(ConnectAuth::EveryTime)?;
    assert_eq!(st.default_connect_auth()?, ConnectAuth::EveryTime);
    assert_eq!(st.device_enforcement()?, DeviceEnforcement::Off);
    st.set_device_enforcement(DeviceEnforcement::LearnAndEnforce)?;
    assert_eq!(st.device_enforcement()?, DeviceEnforcement::LearnAndEnforce);
    assert_eq!(st.profile_distribution()?, ProfileDistribution::Automatic);
    st.set_profile_distribution(ProfileDistribution::Manual)?;
    assert_eq!(st.profile_distribution()?, ProfileDistribution::Manual);
    assert_eq!(st.topology()?, Topology::FullMesh);
    st.set_topology(Topology::Custom)?;
    assert_eq!(st.topology()?, Topology::Custom);
    assert_eq!(st.ip_allocation_mode()?, IpAllocationMode::Both);
    st.set_ip_allocation_mode(IpAllocationMode::IpV4Only)?;
    assert_eq!(st.ip_allocation_mode()?, IpAllocationMode::IpV4Only);
    invalid(s, || st.set_topology(Topology::Unknown));
    invalid(s, || st.set_default_dns_suffix(" "));

    // objects and lists
    let servers = st.dns_servers()?.expect("seeded custom servers");
    assert_eq!(
        (servers.primary_ip_v4.as_deref(), servers.secondary_ip_v4.as_deref()),
        (Some("1.1.1.1"), Some("8.8.8.8"))
    );
    let new_servers = DnsServers {
        primary_ip_v4: Some("9.9.9.9".into()),
        secondary_ip_v4: Some("149.112.112.112".into()),
    };
    assert_eq!(st.set_dns_servers(&new_servers)?, Some(new_servers.clone()));
    assert_eq!(st.dns_servers()?, Some(new_servers));

    let zones = st.dns_zones()?;
    assert_eq!(
        zones,
        vec![DnsZone {
            name: "corp.example".into(),
            addresses: vec!["10.250.0.53".into()]
        }]
    );
    let new_zones = vec![
        DnsZone {
            name: "lab.example".into(),
            addresses: vec!["10.9.9.9".into(), "10.9.9.10".into()],
        },
        DnsZone {
            name: "corp.example".into(),
            addresses: vec!["10.250.0.53".into()],
        },
    ];
    assert_eq!(st.set_dns_zones(&new_zones)?, new_zones);
    assert_eq!(st.dns_zones()?, new_zones);

    assert_eq!(st.client_options()?, vec!["block-outside-dns"]);
    let opts = vec![
        "block-outside-dns".to_string(),
        "pull-filter ignore redirect-gateway".to_string(),
    ];
    assert_eq!(st.set_client_options(&opts)?, opts);
    assert_eq!(st.client_options()?, opts);

    let drs = st.domain_routing_subnet()?;
    assert_eq!(
        (drs.ip_v4_address.as_str(), drs.ip_v6_address.as_str()),
        ("100.80.0.0/16", "fd:0:0:8100::/64")
    );
    let new_drs = DomainRoutingSubnet {
        ip_v4_address: "100.81.0.0/16".into(),
        ip_v6_address: "fd:0:0:8200::/64".into(),
    };
    assert_eq!(st.set_domain_routing_subnet(&new_drs)?, new_drs);
    assert_eq!(st.domain_routing_subnet()?, new_drs);

    let subnet = st.subnet()?;
    assert_eq!(
        (subnet.ip_v4_address.clone(), subnet.ip_v6_address.clone()),
        (vec!["100.96.0.0/11".to_string()], vec!["fd:0:0:8000::/52".to_string()])
    );
    let new_subnet = Subnet {
        ip_v4_address: vec!["100.64.0.0/11".into()],
        ip_v6_address: vec!["fd:0:0:9000::/52".into()],
    };
    assert_eq!(st.set_subnet(&new_subnet)?, new_subnet);
    assert_eq!(st.subnet()?, new_subnet);

    // group mappings (read-only)
    let groups = ids(&c.user_groups().list_all()?, |g| &g.id);
    for mappings in [st.saml_group_mappings()?, st.ldap_group_mappings()?] {
        assert!(groups.contains(&mappings.fallback_group_id));
        assert_eq!(mappings.mappings.len(), 1);
        assert_eq!(mappings.mappings[0].idp_group_names, vec!["eng", "engineering"]);
        assert!(groups.contains(&mappings.mappings[0].group_id));
    }
    Ok(())
}

fn dns_log(c: &Client, s: &MockServer) -> Result<()> {
    let log = c.dns_log();
    assert!(log.enabled()?);
    let hour = rfc3339(SystemTime::now());
    let q = DnsLogQuery {
        hours_back: 2,
        size: 10,
        ..DnsLogQuery::new(hour.clone())
    };
    let first = log.page(&q)?;
    assert_eq!(first.content.len(), 10);
    assert!(first.total_elements > 10);
    assert_eq!(first.total_pages as u64, first.total_elements.div_ceil(10));
    let all = log.list_all(&q)?;
    assert_eq!(all.len() as u64, first.total_elements);
    let mut walked = Vec::new();
    for p in 0..first.total_pages {
        walked.extend(log.page(&DnsLogQuery { page: p, ..q.clone() })?.content);
    }
    assert_eq!(walked, all);
    assert!(
        log.page(&DnsLogQuery {
            page: first.total_pages,
            ..q.clone()
        })?
        .content
        .is_empty()
    );
    let now_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for e in &all {
        assert!(
            e.time > now_ms - 3 * 3_600_000 && e.time < now_ms + 3_600_000,
            "time is epoch milliseconds: {}",
            e.time
        );
        assert!(!e.domain.is_empty() && e.member_id.ends_with("@tenant"));
        assert!(e.allowed_count >= 0 && e.blocked_count >= 0 && e.failed_count >= 0);
    }
    let one_hour = log.list_all(&DnsLogQuery::new(hour.clone()))?;
    assert!(!one_hour.is_empty() && one_hour.len() < all.len());

    log.disable()?;
    assert!(!log.enabled()?);
    assert_eq!(log.page(&q)?.total_elements, 0);
    log.enable()?;
    assert!(log.enabled()?);
    assert_eq!(log.page(&q)?.total_elements, first.total_elements);

    invalid(s, || log.page(&DnsLogQuery { size: 9, ..q.clone() }));
    invalid(s, || {
        log.page(&DnsLogQuery {
            size: 10_001,
            ..q.clone()
        })
    });
    invalid(s, || {
        log.page(&DnsLogQuery {
            hours_back: 3,
            ..q.clone()
        })
    });
    invalid(s, || {
        log.page(&DnsLogQuery {
            hours_back: 0,
            ..q.clone()
        })
    });
    invalid(s, || log.page(&DnsLogQuery::new("now")));
    invalid(s, || log.list_all(&DnsLogQuery::new("")));
    bad_field(log.page(&DnsLogQuery::new(now_minus(40 * 86_400))), "startHour");
    Ok(())
}

fn access_visibility(c: &Client, _s: &MockServer) -> Result<()> {
    let av = c.access_visibility();
    assert!(!av.enabled()?);
    av.enable()?;
    assert!(av.enabled()?);
    av.disable()?;
    assert!(!av.enabled()?);
    Ok(())
}

fn cybershield(c: &Client, s: &MockServer) -> Result<()> {
    let cs = c.cybershield();
    let items = vec![
        DomainAndComment::new("ads.it.example", "ads"),
        DomainAndComment {
            domain: "track.it.example".into(),
            comment: None,
        },
    ];
    cs.block_list_add(&items)?;
    cs.allow_list_add(&[DomainAndComment::new("ok.it.example", "needed")])?;
    cs.block_list_remove(&["ads.it.example"])?;
    cs.allow_list_remove(&["ok.it.example".to_string()])?;
    cs.block_list_add(&vec![DomainAndComment::new("x.it.example", ""); 1000])?;
    for op in [
        "blockListAddDomains",
        "allowListAddDomains",
        "blockListRemoveDomains",
        "allowListRemoveDomains",
    ] {
        assert!(op_count(s, op, 200) >= 1, "{op}");
    }
    invalid(s, || {
        cs.block_list_add(&vec![DomainAndComment::new("x.it.example", ""); 1001])
    });
    invalid(s, || cs.allow_list_add(&[]));
    invalid(s, || {
        cs.allow_list_add(&[DomainAndComment::new("a".repeat(100), "b".repeat(51))])
    });
    invalid(s, || cs.block_list_add(&[DomainAndComment::default()]));
    invalid(s, || cs.block_list_remove::<&str>(&[]));
    invalid(s, || cs.allow_list_remove::<String>(&[]));
    Ok(())
}

const SCENARIOS: &[(&str, Scenario)] = &[
    ("networks", networks),
    ("network_routes", network_routes),
    ("network_connectors", network_connectors),
    ("network_ip_services", network_ip_services),
    ("network_applications", network_applications),
    ("hosts", hosts),
    ("host_connectors", host_connectors),
    ("host_ip_services", host_ip_services),
    ("host_applications", host_applications),
    ("users", users),
    ("user_groups", user_groups),
    ("devices", devices),
    ("device_postures", device_postures),
    ("dns_records", dns_records),
    ("access_groups", access_groups),
    ("location_contexts", location_contexts),
    ("regions", regions),
    ("sessions", sessions),
    ("settings", settings),
    ("dns_log", dns_log),
    ("access_visibility", access_visibility),
    ("cybershield", cybershield),
];

// ---------------------------------------------------------------------------
// tests

#[test]
fn networks_crud_paging_and_errors() {
    run(networks);
}

#[test]
fn network_routes_crud_filter_and_errors() {
    run(network_routes);
}

#[test]
fn network_connectors_crud_profiles_activation_ipsec() {
    run(network_connectors);
}

#[test]
fn network_ip_services_crud() {
    run(network_ip_services);
}

#[test]
fn network_applications_crud() {
    run(network_applications);
}

#[test]
fn hosts_crud_and_cascade() {
    run(hosts);
}

#[test]
fn host_connectors_crud_profiles_activation() {
    run(host_connectors);
}

#[test]
fn host_ip_services_crud() {
    run(host_ip_services);
}

#[test]
fn host_applications_crud() {
    run(host_applications);
}

#[test]
fn users_crud_activation_and_errors() {
    run(users);
}

#[test]
fn user_groups_crud() {
    run(user_groups);
}

#[test]
fn devices_crud_and_profiles() {
    run(devices);
}

#[test]
fn device_postures_crud() {
    run(device_postures);
}

#[test]
fn dns_records_crud_and_400_not_found() {
    run(dns_records);
}

#[test]
fn access_groups_crud_and_items() {
    run(access_groups);
}

#[test]
fn location_contexts_crud() {
    run(location_contexts);
}

#[test]
fn regions_list_and_get() {
    run(regions);
}

#[test]
fn sessions_cursor_paging() {
    run(sessions);
}

#[test]
fn settings_get_and_set() {
    run(settings);
}

#[test]
fn dns_log_pages_and_switch() {
    run(dns_log);
}

#[test]
fn access_visibility_switch() {
    run(access_visibility);
}

#[test]
fn cybershield_lists() {
    run(cybershield);
}

/// With more than 1000 items the pager walks several pages of 1000, one call each,
/// and yields exactly what the pages hold.
#[test]
fn iterator_walks_several_pages() {
    let (server, client) = start_with(|o| {
        o.seed.networks = 2345;
        o.seed.hosts = 0;
        o.seed.users = 3;
        o.seed.sessions = 0;
    });
    let api = client.networks();
    let calls = op_count(&server, "getNetworksPage", 200);
    let mut pager = api.iter();
    let first = pager.next().unwrap().unwrap();
    assert_eq!(pager.pages_fetched(), 1);
    let mut all = vec![first];
    all.extend(pager.by_ref().map(Result::unwrap));
    assert_eq!(pager.pages_fetched(), 3);
    assert_eq!(
        op_count(&server, "getNetworksPage", 200) - calls,
        3,
        "three calls of size 1000"
    );
    assert_eq!(all.len(), 2345);
    let unique: BTreeSet<&str> = all.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(unique.len(), 2345);
    assert_eq!(api.list_all().unwrap(), all);
    let mut by_hand = Vec::new();
    for p in 0..3 {
        let page = api.list(PageRequest::new(p, 1000)).unwrap();
        assert_eq!((page.total_pages, page.total_elements), (3, 2345));
        by_hand.extend(page.content);
    }
    assert_eq!(by_hand, all);
    assert_eq!(all[0].name, "network-0000");
    assert_eq!(all[2344].name, "network-2344");
    // the routes list filtered by network holds exactly that network's route
    let last = &all[2344];
    assert_eq!(client.network_routes().list_all(Some(&last.id)).unwrap(), last.routes);
    let conns = client.network_connectors().list_all(Some(&last.id)).unwrap();
    assert_eq!(conns, last.connectors);
    assert!(conns.iter().all(|c| c.network_item_id == last.id));
}

/// An error in the middle of a walk is yielded once, then the iterator ends.
#[test]
fn iterator_yields_a_server_error_once() {
    let (server, client) = start_with(|o| o.seed.hosts = 1500);
    server.add_fault(
        cloudconnexa_mock::FaultRule::parse(r#"{"kind":"status","status":404,"path":"/api/v1/hosts","after":1}"#)
            .unwrap(),
    );
    let mut pager = client.hosts().iter();
    let got: Vec<_> = pager.by_ref().take(1000).collect();
    assert!(got.iter().all(Result::is_ok));
    let e = pager.next().unwrap().unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(pager.next().is_none());
    assert!(client.hosts().list_all().is_err());
}

/// Every scenario on one emulator, then: each of the 144 operations of the spec and
/// the 14 v1.2 extras was answered with a 2xx at least once, and nothing else was called.
#[test]
fn every_operation_is_called() {
    let (server, client) = start_with(|_| {});
    for (name, scenario) in SCENARIOS {
        if let Err(e) = scenario(&client, &server) {
            panic!("scenario {name}: {e}");
        }
    }
    let spec: Value = serde_json::from_str(include_str!("../spec/cloudconnexa-api-1.1.0.json")).unwrap();
    let mut expected = BTreeSet::new();
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                expected.insert(id.to_string());
            }
        }
    }
    assert_eq!(expected.len(), 144);
    for extra in [
        "activateNetworkConnector",
        "suspendNetworkConnector",
        "activateHostConnector",
        "suspendHostConnector",
        "activateUser",
        "suspendUser",
        "getDnsLogEnabled",
        "getAccessVisibilityEnabled",
        "enableAccessVisibility",
        "disableAccessVisibility",
        "getRoutesAdvancedConfigurationEnabled",
        "setRoutesAdvancedConfigurationEnabled",
        "getIpAllocationMode",
        "setIpAllocationMode",
    ] {
        assert!(expected.insert(extra.to_string()), "{extra} is not in the spec");
    }
    assert_eq!(expected.len(), 158);

    let stats = server.stats();
    let ops = stats["operations"].as_object().unwrap();
    let called_ok: BTreeSet<String> = ops
        .iter()
        .filter(|(_, by_status)| {
            by_status
                .as_object()
                .unwrap()
                .iter()
                .any(|(code, n)| code.starts_with('2') && n.as_u64().unwrap() > 0)
        })
        .map(|(op, _)| op.clone())
        .collect();
    let missing: Vec<_> = expected.difference(&called_ok).collect();
    assert!(missing.is_empty(), "operations never answered 2xx: {missing:?}");
    let unexpected: Vec<_> = ops.keys().filter(|op| !expected.contains(*op)).collect();
    assert!(unexpected.is_empty(), "calls outside the API: {unexpected:?}");
    assert_eq!(called_ok.len(), 158);
}

/// Every typed method sends the operation name the spec gives its method and path:
/// with every call answered 409 by an injected fault, the name in the error message
/// (from the `Call`) equals the operation the emulator matched by method and path.
#[test]
fn operation_names_match_the_spec() {
    let (server, c) = start_with(|_| {});
    c.regions().list().unwrap(); // fetch the token before the fault
    server.add_fault(cloudconnexa_mock::FaultRule::parse(r#"{"kind":"status","status":409}"#).unwrap());
    let id = "00000000-0000-0000-0000-000000000001";
    let hour = rfc3339(SystemTime::now());
    let net_conn = NetworkConnectorRequest::new("n", "us-east-1");
    let host_conn = HostConnectorRequest::new("n", "us-east-1");
    let item = AccessItem::all(AccessItemType::UserGroup);
    let domains = [DomainAndComment::new("a.example", "")];
    let st = c.settings();
    macro_rules! calls {
        ($($e:expr),* $(,)?) => { vec![$(Box::new(|| ($e).map(drop)) as Box<dyn Fn() -> Result<()> + '_>),*] };
    }
    let calls = calls![
        c.networks().list(PageRequest::default()),
        c.networks().get(id),
        c.networks().create(&NetworkCreate::default()),
        c.networks().update(id, &NetworkUpdate::default()),
        c.networks().delete(id),
        c.network_routes().list(Some(id), PageRequest::default()),
        c.network_routes().get(id),
        c.network_routes().create(id, &RouteRequest::default()),
        c.network_routes().update(id, &RouteRequest::default()),
        c.network_routes().delete(id),
        c.network_connectors().list(None, PageRequest::default()),
        c.network_connectors().get(id),
        c.network_connectors().create(id, &net_conn),
        c.network_connectors().update(id, &net_conn),
        c.network_connectors().delete(id),
        c.network_connectors().profile(id),
        c.network_connectors().revoke_profile(id),
        c.network_connectors().encrypted_profile(id),
        c.network_connectors().bundle(id, BundleType::Dmg),
        c.network_connectors().start_ipsec(id),
        c.network_connectors().stop_ipsec(id),
        c.network_connectors().activate(id),
        c.network_connectors().suspend(id),
        c.network_ip_services().list(None, PageRequest::default()),
        c.network_ip_services().get(id),
        c.network_ip_services().create(id, &NetworkIpServiceRequest::default()),
        c.network_ip_services().update(id, &NetworkIpServiceRequest::default()),
        c.network_ip_services().delete(id),
        c.network_applications().list(None, PageRequest::default()),
        c.network_applications().get(id),
        c.network_applications().create(id, &ApplicationRequest::default()),
        c.network_applications().update(id, &ApplicationRequest::default()),
        c.network_applications().delete(id),
        c.hosts().list(PageRequest::default()),
        c.hosts().get(id),
        c.hosts().create(&HostCreate::default()),
        c.hosts().update(id, &HostUpdate::default()),
        c.hosts().delete(id),
        c.host_connectors().list(Some(id), PageRequest::default()),
        c.host_connectors().get(id),
        c.host_connectors().create(id, &host_conn),
        c.host_connectors().update(id, &host_conn),
        c.host_connectors().delete(id),
        c.host_connectors().profile(id),
        c.host_connectors().revoke_profile(id),
        c.host_connectors().encrypted_profile(id),
        c.host_connectors().bundle(id, BundleType::Msi),
        c.host_connectors().activate(id),
        c.host_connectors().suspend(id),
        c.host_ip_services().list(None, PageRequest::default()),
        c.host_ip_services().get(id),
        c.host_ip_services().create(id, &HostIpServiceRequest::default()),
        c.host_ip_services().update(id, &HostIpServiceRequest::default()),
        c.host_ip_services().delete(id),
        c.host_applications().list(None, PageRequest::default()),
        c.host_applications().get(id),
        c.host_applications().create(id, &ApplicationRequest::default()),
        c.host_applications().update(id, &ApplicationRequest::default()),
        c.host_applications().delete(id),
        c.users().list(PageRequest::default()),
        c.users().get(id),
        c.users().create(&UserCreate::default()),
        c.users().update(id, &UserUpdate::default()),
        c.users().delete(id),
        c.users().activate(id),
        c.users().suspend(id),
        c.user_groups().list(PageRequest::default()),
        c.user_groups().get(id),
        c.user_groups().create(&UserGroupRequest::default()),
        c.user_groups().update(id, &UserGroupRequest::default()),
        c.user_groups().delete(id),
        c.devices().list(None, PageRequest::default()),
        c.devices().get(id, id),
        c.devices().create(id, &DeviceRequest::default()),
        c.devices().update(id, id, &DeviceRequest::default()),
        c.devices().delete(id, id),
        c.devices().generate_profile(id, id, "us-east-1"),
        c.devices().revoke_profile(id, id),
        c.device_postures().list(PageRequest::default()),
        c.device_postures().get(id),
        c.device_postures().create(&DevicePostureRequest::default()),
        c.device_postures().update(id, &DevicePostureRequest::default()),
        c.device_postures().delete(id),
        c.dns_records().list(PageRequest::default()),
        c.dns_records().get(id),
        c.dns_records().create(&DnsRecordRequest::default()),
        c.dns_records().update(id, &DnsRecordRequest::default()),
        c.dns_records().delete(id),
        c.access_groups().list(PageRequest::default()),
        c.access_groups().get(id),
        c.access_groups().create(&AccessGroupRequest::default()),
        c.access_groups().update(id, &AccessGroupRequest::default()),
        c.access_groups().delete(id),
        c.access_groups().add_source(id, &item),
        c.access_groups().add_destination(id, &item),
        c.access_groups()
            .remove_source(id, AccessItemType::Host, Some(id), Some(id)),
        c.access_groups()
            .remove_destination(id, AccessItemType::HostService, None, None),
        c.location_contexts().list(PageRequest::default()),
        c.location_contexts().get(id),
        c.location_contexts().create(&LocationContextRequest::default()),
        c.location_contexts().update(id, &LocationContextRequest::default()),
        c.location_contexts().delete(id),
        c.regions().list(),
        c.sessions().list(&SessionQuery::default()),
        c.dns_log().enabled(),
        c.dns_log().enable(),
        c.dns_log().disable(),
        c.dns_log().page(&DnsLogQuery::new(hour.clone())),
        c.access_visibility().enabled(),
        c.access_visibility().enable(),
        c.access_visibility().disable(),
        c.cybershield().block_list_add(&domains),
        c.cybershield().allow_list_add(&domains),
        c.cybershield().block_list_remove(&["a.example"]),
        c.cybershield().allow_list_remove(&["a.example"]),
        st.trusted_devices_allowed(),
        st.set_trusted_devices_allowed(true),
        st.two_factor_auth_enabled(),
        st.set_two_factor_auth_enabled(true),
        st.dns_servers(),
        st.set_dns_servers(&DnsServers::default()),
        st.default_dns_suffix(),
        st.set_default_dns_suffix("x.example"),
        st.dns_proxy_enabled(),
        st.set_dns_proxy_enabled(true),
        st.dns_zones(),
        st.set_dns_zones(&[]),
        st.default_connect_auth(),
        st.set_default_connect_auth(ConnectAuth::NoAuth),
        st.device_allowance_per_user(),
        st.set_device_allowance_per_user(1),
        st.force_update_device_allowance(),
        st.set_force_update_device_allowance(true),
        st.device_enforcement(),
        st.set_device_enforcement(DeviceEnforcement::Enforce),
        st.profile_distribution(),
        st.set_profile_distribution(ProfileDistribution::Manual),
        st.connection_timeout(),
        st.set_connection_timeout(60),
        st.client_options(),
        st.set_client_options(&[]),
        st.default_region(),
        st.set_default_region("us-east-1"),
        st.domain_routing_subnet(),
        st.set_domain_routing_subnet(&DomainRoutingSubnet::default()),
        st.snat_enabled(),
        st.set_snat_enabled(true),
        st.subnet(),
        st.set_subnet(&Subnet::default()),
        st.topology(),
        st.set_topology(Topology::Custom),
        st.routes_advanced_configuration_enabled(),
        st.set_routes_advanced_configuration_enabled(true),
        st.ip_allocation_mode(),
        st.set_ip_allocation_mode(IpAllocationMode::Both),
        st.saml_group_mappings(),
        st.ldap_group_mappings(),
    ];
    let mut seen = BTreeSet::new();
    for (i, call) in calls.iter().enumerate() {
        server.reset_stats();
        let e = call().expect_err("every call is answered 409");
        assert_eq!(e.status(), Some(409), "call {i}: {e}");
        let stats = server.stats();
        let ops: Vec<&String> = stats["operations"].as_object().unwrap().keys().collect();
        assert_eq!(ops.len(), 1, "call {i} made one request: {ops:?}");
        let sent = e.message().split(':').next().unwrap();
        assert_eq!(
            sent,
            ops[0].as_str(),
            "call {i}: the Call's operation name is the spec's"
        );
        assert!(seen.insert(ops[0].clone()), "call {i}: {} twice in this list", ops[0]);
    }
    assert_eq!(seen.len(), 157, "every operation except requestToken");
}
