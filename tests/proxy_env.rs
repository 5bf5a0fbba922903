//! Environment proxies (`proxy_from_env(true)`): `HTTPS_PROXY`/`https_proxy` name a real
//! tinyproxy, and a host listed in `NO_PROXY` goes direct while another goes through it.
//!
//! This binary sets process environment variables, so it holds one test only (nothing can
//! read the environment while it changes it), and restores every variable it touched.
//! The parsing rules of `NO_PROXY` are unit-tested in `src/transport/proxy.rs`.

#[path = "mock_support/mod.rs"]
mod mock_support;
mod proxy_support;

use std::time::Duration;

use cloudconnexa::api::PageRequest;
use cloudconnexa::{Client, TlsRoots};
use mock_support::{MockServer, opts, start, stat};
use proxy_support::{ProxyConf, TinyProxy};

const VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Sets variables for its lifetime and puts back what was there, also on a panic.
struct EnvGuard(Vec<(&'static str, Option<String>)>);

impl EnvGuard {
    fn clear() -> EnvGuard {
        let saved = VARS.iter().map(|k| (*k, std::env::var(k).ok())).collect();
        for k in VARS {
            // SAFETY: the only test of this binary; no other thread reads the environment
            unsafe { std::env::remove_var(k) };
        }
        EnvGuard(saved)
    }

    fn set(&self, k: &str, v: &str) {
        // SAFETY: as above
        unsafe { std::env::set_var(k, v) };
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        for (k, v) in &self.0 {
            // SAFETY: as above
            unsafe {
                match v {
                    Some(v) => std::env::set_var(k, v),
                    None => std::env::remove_var(k),
                }
            }
        }
    }
}

/// A client of the TLS emulator under `host` (`localhost` or `127.0.0.1`, both on its
/// certificate), with environment proxies on.
fn env_client(server: &MockServer, host: &str) -> Client {
    Client::builder()
        .api_url(format!("https://{host}:{}", server.port()))
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .tls_roots(TlsRoots::None)
        .add_ca_pem(server.ca_pem().expect("TLS").to_owned())
        .proxy_from_env(true)
        .read_timeout(Duration::from_secs(20))
        .call_timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

fn calls(c: &Client) {
    let n = c
        .networks()
        .create(&serde_json::from_value(serde_json::json!({"name": "env-net"})).unwrap())
        .expect("create");
    c.networks().list(PageRequest::default()).expect("list");
    c.networks().delete(&n.id).expect("delete");
}

#[test]
fn env_proxies_honour_no_proxy() {
    let Some(proxy) = TinyProxy::start(&ProxyConf::default()) else {
        return;
    };
    let mut o = opts();
    o.tls = true;
    let server = start(o);
    let direct_target = format!("localhost:{}", server.port());
    let proxied_target = format!("127.0.0.1:{}", server.port());
    let env = EnvGuard::clear();

    for (proxy_var, no_proxy_var, no_proxy) in [
        ("HTTPS_PROXY", "NO_PROXY", "example.invalid, localhost"),
        ("https_proxy", "no_proxy", ".corp.invalid localhost:8443"),
    ] {
        env.set(proxy_var, &proxy.url());
        env.set(no_proxy_var, no_proxy);

        // listed in NO_PROXY: direct, the proxy reads nothing
        let before = proxy.connects().len();
        let accepted = stat(&server, "connections_accepted");
        calls(&env_client(&server, "localhost"));
        assert_eq!(
            proxy.connects().len(),
            before,
            "{proxy_var} with {no_proxy_var}={no_proxy:?}: localhost went through the proxy:\n{}",
            proxy.log()
        );
        assert!(
            stat(&server, "connections_accepted") > accepted,
            "the calls reached the emulator"
        );

        // not listed: every connection of the emulator is a tunnel
        let accepted = stat(&server, "connections_accepted");
        calls(&env_client(&server, "127.0.0.1"));
        let tunnels = proxy.connects_to(&proxied_target) - before;
        assert!(
            tunnels >= 1,
            "{proxy_var}: 127.0.0.1 did not use the proxy:\n{}",
            proxy.log()
        );
        assert_eq!(
            (stat(&server, "connections_accepted") - accepted) as usize,
            tunnels,
            "{proxy_var}: a connection bypassed the proxy"
        );
        assert_eq!(proxy.connects_to(&direct_target), 0);

        for k in VARS {
            // SAFETY: as in EnvGuard
            unsafe { std::env::remove_var(k) };
        }
    }

    // HTTP_PROXY is not read for the HTTPS API: direct
    env.set("HTTP_PROXY", &proxy.url());
    env.set("http_proxy", &proxy.url());
    let before = proxy.connects().len();
    calls(&env_client(&server, "127.0.0.1"));
    assert_eq!(proxy.connects().len(), before, "HTTP_PROXY was used");

    // proxy_from_env off (the default): the variables are ignored
    env.set("HTTPS_PROXY", &proxy.url());
    let off = Client::builder()
        .api_url(format!("https://127.0.0.1:{}", server.port()))
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .tls_roots(TlsRoots::None)
        .add_ca_pem(server.ca_pem().expect("TLS").to_owned())
        .build()
        .expect("client");
    calls(&off);
    assert_eq!(
        proxy.connects().len(),
        before,
        "HTTPS_PROXY was used without proxy_from_env"
    );
}
