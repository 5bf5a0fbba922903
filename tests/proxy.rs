//! Behind a corporate proxy: the client against the emulator served over HTTPS (a
//! generated test CA, which the client trusts), through a real tinyproxy the tests start
//! on a free loopback port (see `proxy_support`).
//!
//! * every CRUD family once, plus reads of devices, regions, sessions and settings, all
//!   through the tunnel: every connection the emulator accepted is one the proxy opened
//!   for a `CONNECT` it logged (a bypass would give the emulator a connection the proxy
//!   never saw);
//! * Basic proxy credentials work, and appear in no log record (trace level, every target),
//!   no `Debug` output and no error message;
//! * a refusing proxy (407 without credentials, 401 with wrong ones, 403 for a port its
//!   `ConnectPort` rules forbid) gives a `Proxy` error naming the proxy and its status,
//!   not retryable and not retried: the proxy logs exactly one `CONNECT` per call; a proxy
//!   that cannot reach the API (500) is a `Connect` error, retried (so the counting
//!   would see a retry).
//!
//! `NO_PROXY` with environment proxies is in `tests/proxy_env.rs` (it sets process
//! environment variables, so it has a test binary of its own).

mod log_capture;
#[path = "mock_support/mod.rs"]
mod mock_support;
mod proxy_support;

use std::time::Duration;

use base64::Engine;
use cloudconnexa::api::crud::{ChildResource, Resource};
use cloudconnexa::api::{ChildCollection, Collection, PageRequest};
use cloudconnexa::{Client, ClientBuilder, ErrorKind, TlsRoots};
use mock_support::{MockServer, expect_err, opts, quick_retry_policy, start, stat};
use proxy_support::{ProxyConf, TinyProxy, process_exists};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The emulator over HTTPS (`https://localhost:PORT`, certificate from a generated CA).
fn tls_emulator() -> MockServer {
    let mut o = opts();
    o.tls = true;
    start(o)
}

/// A client of the TLS emulator that trusts only its CA and goes through `proxy`.
fn through(server: &MockServer, proxy: &str) -> ClientBuilder {
    Client::builder()
        .api_url(server.base_url())
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .tls_roots(TlsRoots::None)
        .add_ca_pem(server.ca_pem().expect("a TLS emulator").to_owned())
        .proxy(Some(proxy.to_string()))
        .read_timeout(Duration::from_secs(20))
        .call_timeout(Duration::from_secs(60))
}

/// `localhost:PORT`: the `CONNECT` target of the emulator's URL.
fn target(server: &MockServer) -> String {
    format!("localhost:{}", server.port())
}

fn id_of(item: &impl Serialize) -> String {
    let v = serde_json::to_value(item).expect("items serialize");
    v["id"].as_str().expect("an id").to_string()
}

fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid body")
}

/// Create, get, update, list and delete one item of a top-level family.
fn crud<R: Resource>(c: Collection<'_, R>, create: Value, update: Value)
where
    R::Create: DeserializeOwned + Sized,
    R::Update: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    let id = id_of(&c.create(&body(create)).expect("create"));
    assert_eq!(id_of(&c.get(&id).expect("get")), id);
    c.update(&id, &body(update)).expect("update");
    let all = c.list_all().expect("list_all");
    assert!(all.iter().any(|i| id_of(i) == id), "the list lacks {id}");
    c.delete(&id).expect("delete");
}

/// The same for a family under a network or host.
fn crud_child<R: ChildResource>(c: ChildCollection<'_, R>, parent: &str, create: Value, update: Value)
where
    R::Create: DeserializeOwned + Sized,
    R::Update: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    let id = id_of(&c.create(parent, &body(create)).expect("create"));
    assert_eq!(id_of(&c.get(&id).expect("get")), id);
    c.update(&id, &body(update)).expect("update");
    let all = c.list_all(Some(parent)).expect("list_all");
    assert!(all.iter().any(|i| id_of(i) == id), "the list lacks {id}");
    c.delete(&id).expect("delete");
}

/// Every CRUD family once, and a read of devices, regions, sessions and settings.
fn every_family(c: &Client) {
    crud(c.networks(), json!({"name": "p-net"}), json!({"name": "p-net-2"}));
    let net = id_of(
        &c.networks()
            .create(&body(
                json!({"name": "p-parent", "routes": [{"value": "10.77.0.0/16"}]}),
            ))
            .expect("parent network"),
    );
    crud_child(
        c.network_routes(),
        &net,
        json!({"value": "10.78.0.0/24"}),
        json!({"value": "10.78.1.0/24"}),
    );
    let region = json!({"name": "p-conn", "vpnRegionId": "us-east-1"});
    let region2 = json!({"name": "p-conn-2", "vpnRegionId": "us-east-1"});
    crud_child(c.network_connectors(), &net, region.clone(), region2.clone());
    let svc = json!({"name": "p-svc", "routes": [{"value": "10.77.1.0/24"}], "config": {"serviceTypes": ["ANY"]}});
    crud_child(
        c.network_ip_services(),
        &net,
        svc,
        json!({"name": "p-svc-2", "routes": [{"value": "10.77.1.0/24"}]}),
    );
    let app = |n: &str| json!({"name": n, "routes": [{"value": "app.p.example"}]});
    crud_child(c.network_applications(), &net, app("p-app"), app("p-app-2"));
    c.networks().delete(&net).expect("parent network delete");

    crud(c.hosts(), json!({"name": "p-host"}), json!({"name": "p-host-2"}));
    let host = id_of(
        &c.hosts()
            .create(&body(json!({"name": "p-hparent"})))
            .expect("parent host"),
    );
    crud_child(c.host_connectors(), &host, region, region2);
    crud_child(
        c.host_ip_services(),
        &host,
        json!({"name": "p-hsvc", "config": {"serviceTypes": ["SSH"]}}),
        json!({"name": "p-hsvc-2"}),
    );
    crud_child(c.host_applications(), &host, app("p-happ"), app("p-happ-2"));
    c.hosts().delete(&host).expect("parent host delete");

    crud(
        c.users(),
        json!({"username": "p.crud", "email": "p.crud@p.example"}),
        json!({"firstName": "Grace"}),
    );
    crud(
        c.user_groups(),
        json!({"name": "p-group"}),
        json!({"name": "p-group-2"}),
    );
    let all = |t: &str| json!([{"type": t, "allCovered": true}]);
    crud(
        c.access_groups(),
        json!({"name": "p-ag", "source": all("USER_GROUP"), "destination": all("NETWORK_SERVICE")}),
        json!({"name": "p-ag-2", "source": all("USER_GROUP"), "destination": all("NETWORK_SERVICE")}),
    );
    crud(
        c.device_postures(),
        json!({"name": "p-posture"}),
        json!({"name": "p-posture-2"}),
    );
    crud(
        c.dns_records(),
        json!({"domain": "p.example", "ipv4Addresses": ["10.9.9.9"]}),
        json!({"domain": "p2.example"}),
    );
    crud(
        c.location_contexts(),
        json!({"name": "p-loc"}),
        json!({"name": "p-loc-2"}),
    );

    c.devices().list(None, PageRequest::default()).expect("devices list");
    assert!(!c.regions().list().expect("regions list").is_empty());
    c.sessions().list(&Default::default()).expect("sessions list");
    c.settings().trusted_devices_allowed().expect("a setting");
}

#[test]
fn every_family_goes_through_the_proxy_over_tls() {
    let Some(proxy) = TinyProxy::start(&ProxyConf::default()) else {
        return;
    };
    let server = tls_emulator();
    let client = through(&server, &proxy.url()).build().expect("client");
    every_family(&client);

    let tunnels = proxy.connects_to(&target(&server));
    let accepted = stat(&server, "connections_accepted");
    assert!(tunnels >= 1, "the proxy saw no CONNECT:\n{}", proxy.log());
    assert_eq!(
        accepted as usize,
        tunnels,
        "every connection of the emulator must be a tunnel the proxy opened:\n{}",
        proxy.log()
    );
    assert_eq!(
        proxy.connects().len(),
        tunnels,
        "no CONNECT to anything else: {:?}",
        proxy.connects()
    );
    assert!(stat(&server, "requests_total") > 50, "{}", server.stats());
    eprintln!(
        "[proxy] {} requests over {tunnels} tunnel(s) of tinyproxy",
        stat(&server, "requests_total")
    );

    let pid = proxy.pid();
    drop(proxy);
    assert!(!process_exists(pid), "tinyproxy {pid} outlived its guard");
}

#[test]
fn basic_credentials_work_and_are_never_logged_or_shown() {
    const USER: &str = "proxyuser";
    const PASS: &str = "Pr0xyPassw0rd7x";
    let conf = ProxyConf {
        basic_auth: Some((USER.into(), PASS.into())),
        ..ProxyConf::default()
    };
    let Some(proxy) = TinyProxy::start(&conf) else {
        return;
    };
    let server = tls_emulator();
    log_capture::capture();
    let b = through(&server, &proxy.url_with(USER, PASS));
    let client = b.clone().build().expect("client");
    let net = client
        .networks()
        .create(&body(json!({"name": "auth-net"})))
        .expect("create through the authenticated proxy");
    client.networks().get(&net.id).expect("get");
    client.networks().delete(&net.id).expect("delete");
    assert!(proxy.connects_to(&target(&server)) >= 1, "{}", proxy.log());
    assert_eq!(
        stat(&server, "connections_accepted") as usize,
        proxy.connects_to(&target(&server))
    );

    // a failing call with the wrong password, for its error
    let wrong = through(&server, &proxy.url_with(USER, "WrongPassw0rd9z"))
        .build()
        .expect("client");
    let err = expect_err(wrong.networks().list(PageRequest::default()), "wrong password", |k| {
        matches!(k, ErrorKind::Proxy { .. })
    });

    let basic = |p: &str| base64::prelude::BASE64_STANDARD.encode(format!("{USER}:{p}"));
    let secrets = [
        PASS.to_string(),
        basic(PASS),
        "WrongPassw0rd9z".to_string(),
        basic("WrongPassw0rd9z"),
    ];
    let lines = log_capture::all_lines();
    assert!(
        lines.iter().any(|l| l.level == log::Level::Trace) && lines.len() >= 6,
        "the client should have logged its calls at trace level: {lines:?}"
    );
    let shown = [
        format!("{b:?}"),
        format!("{:?}", b.transport_options()),
        format!("{client:?}"),
        format!("{err}"),
        format!("{err:?}"),
    ];
    for s in &secrets {
        for l in &lines {
            assert!(!l.text.contains(s.as_str()), "a log record shows a credential: {l:?}");
        }
        for text in &shown {
            assert!(!text.contains(s.as_str()), "shown: {text}");
        }
    }
    assert!(
        shown[1].contains(&format!("***@127.0.0.1:{}", proxy.port())),
        "the proxy, redacted: {}",
        shown[1]
    );
}

/// One call of a client with these retries through `proxy`; the error, and how many
/// `CONNECT`s to the emulator the call made the proxy read.
fn one_failing_call(server: &MockServer, proxy: &TinyProxy, url: &str) -> (cloudconnexa::Error, usize) {
    let client = through(server, url)
        .retry_policy(quick_retry_policy(3, Duration::from_millis(10)))
        .build()
        .expect("client");
    let before = proxy.connects_to(&target(server));
    let err = client
        .networks()
        .list(PageRequest::default())
        .expect_err("the proxy refuses");
    (err, proxy.connects_to(&target(server)) - before)
}

#[test]
fn a_refusing_proxy_is_a_final_proxy_error_sent_once() {
    let conf = ProxyConf {
        basic_auth: Some(("proxyuser".into(), "right".into())),
        ..ProxyConf::default()
    };
    let Some(proxy) = TinyProxy::start(&conf) else {
        return;
    };
    let server = tls_emulator();
    let label = format!("proxy 127.0.0.1:{}", proxy.port());
    for (url, status) in [(proxy.url(), 407), (proxy.url_with("proxyuser", "wrong"), 401)] {
        let (err, attempts) = one_failing_call(&server, &proxy, &url);
        assert_eq!(err.kind(), &ErrorKind::Proxy { status }, "{err}");
        assert_eq!(err.status(), Some(status));
        assert!(!err.is_retryable(), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&label) && msg.contains(&format!("HTTP {status}")) && msg.contains("credentials"),
            "{msg}"
        );
        assert_eq!(attempts, 1, "one CONNECT for one call, not retried:\n{}", proxy.log());
        eprintln!("[proxy] {status}: {msg}");
    }
    assert_eq!(stat(&server, "requests_total"), 0, "nothing reached the API");
}

#[test]
fn a_forbidden_port_is_a_final_403_and_an_unreachable_api_a_retried_connect_error() {
    let conf = ProxyConf {
        connect_ports: vec![443],
        ..ProxyConf::default()
    };
    let Some(proxy) = TinyProxy::start(&conf) else {
        return;
    };
    let server = tls_emulator();
    let (err, attempts) = one_failing_call(&server, &proxy, &proxy.url());
    assert_eq!(err.kind(), &ErrorKind::Proxy { status: 403 }, "{err}");
    assert!(!err.is_retryable());
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("proxy 127.0.0.1:{}", proxy.port())) && msg.contains("HTTP 403"),
        "{msg}"
    );
    assert_eq!(attempts, 1, "one CONNECT, not retried:\n{}", proxy.log());
    assert_eq!(stat(&server, "requests_total"), 0);
    eprintln!("[proxy] 403: {msg}");

    // the same counting sees retries: an open proxy whose target is down answers 500,
    // a connection failure, retried (3 retries: 4 CONNECTs)
    let Some(open) = TinyProxy::start(&ProxyConf::default()) else {
        return;
    };
    let down = {
        let s = tls_emulator();
        let t = target(&s);
        drop(s);
        t
    };
    let client = Client::builder()
        .api_url(format!("https://{down}"))
        .client_id("id")
        .client_secret("secret")
        .proxy(Some(open.url()))
        .retry_policy(quick_retry_policy(3, Duration::from_millis(10)))
        .build()
        .expect("client");
    let err = expect_err(client.networks().list(PageRequest::default()), "API down", |k| {
        *k == ErrorKind::Connect
    });
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(open.connects_to(&down), 4, "{}", open.log());
}
