//! HTTPS with the generated test CA.

mod common;

use std::sync::Arc;

use common::*;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

fn tls_opts() -> MockOptions {
    let mut o = opts();
    o.tls = true;
    o
}

/// An agent that trusts only the given CA (PEM), with verification on.
fn agent_trusting(ca_pem: &str) -> ureq::Agent {
    let cert = Certificate::from_pem(ca_pem.as_bytes())
        .expect("CA PEM parses")
        .to_owned();
    agent_with_roots(vec![cert])
}

/// An agent that trusts these roots, with verification on.
fn agent_with_roots(roots: Vec<Certificate<'static>>) -> ureq::Agent {
    // ureq is built as the library builds it (`rustls-no-provider`, no root store of its
    // own): name the provider and the roots
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(CLIENT_TIMEOUT))
        .tls_config(tls)
        .build()
        .into()
}

#[test]
fn https_with_the_test_ca() {
    let s = start(tls_opts());
    let url = s.base_url();
    assert!(url.starts_with("https://"), "{url}");
    assert!(url.ends_with(&format!(":{}", s.port())), "{url}");
    let ca = s.ca_pem().expect("ca_pem with tls").to_owned();
    assert!(ca.contains("-----BEGIN CERTIFICATE-----"), "{ca}");

    let a = agent_trusting(&ca);
    assert!(!a.config().tls_config().disable_verification());
    let tok = token(&a, &s);
    let r = get(&a, &s, &tok, "/api/v1/networks");
    r.expect_status(200);
    assert!(r.json()["content"].is_array());
    // keep-alive works over TLS too
    for _ in 0..3 {
        get(&a, &s, &tok, "/api/v1/regions").expect_status(200);
    }
    assert_eq!(counter(&s.stats(), &["connections_accepted"]), 1);
    control(&a, &s, "GET", "/__mock/health", None).expect_status(200);
}

#[test]
fn certificate_covers_the_loopback_ip() {
    let s = start(tls_opts());
    let a = agent_trusting(s.ca_pem().unwrap());
    let url = format!("https://127.0.0.1:{}/__mock/health", s.port());
    must(&a, "GET", &url, &[], None).expect_status(200);
}

#[track_caller]
fn assert_cert_error(res: Result<Resp, ureq::Error>) {
    match res {
        Ok(r) => panic!("TLS handshake succeeded without trusting the CA: {}", r.status),
        Err(e) => {
            let msg = e.to_string().to_lowercase();
            assert!(
                msg.contains("certificate") || msg.contains("issuer"),
                "not a certificate error: {e} ({e:?})"
            );
        }
    }
}

#[test]
fn default_roots_reject_the_test_certificate() {
    let s = start(tls_opts());
    // the Mozilla roots, the library's bundle
    let a = agent_with_roots(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()))
            .collect(),
    );
    let url = format!("{}/api/v1/oauth/token", s.base_url());
    assert_cert_error(request(&a, "POST", &url, &[], None));
    assert_eq!(counter(&s.stats(), &["tokens_issued"]), 0);
}

#[test]
fn another_servers_ca_is_rejected() {
    let s1 = start(tls_opts());
    let s2 = start(tls_opts());
    assert_ne!(s1.ca_pem(), s2.ca_pem(), "two servers share one CA");
    let a = agent_trusting(s1.ca_pem().unwrap());
    let url = format!("{}/__mock/health", s2.base_url());
    assert_cert_error(request(&a, "GET", &url, &[], None));
    // while its own server is fine
    must(&a, "GET", &format!("{}/__mock/health", s1.base_url()), &[], None).expect_status(200);
}

#[test]
fn plain_http_has_no_ca() {
    let s = start(opts());
    assert!(s.base_url().starts_with("http://"), "{}", s.base_url());
    assert!(s.ca_pem().is_none());
}

#[test]
fn cert_dir_receives_the_pem_files() {
    let dir = scratch_dir("tls");
    let mut o = tls_opts();
    o.cert_dir = Some(dir.clone());
    let s = start(o);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ca = read("ca.pem");
    let server = read("server.pem");
    let key = read("server-key.pem");
    assert_eq!(ca.trim(), s.ca_pem().unwrap().trim(), "ca.pem differs from ca_pem()");
    assert!(server.contains("-----BEGIN CERTIFICATE-----"), "{server}");
    assert!(key.contains("PRIVATE KEY-----"), "not a private key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode("server-key.pem"),
            0o600,
            "the private key is readable by its owner only"
        );
        // written again (a restart on the same directory): still 0600
        let again = {
            let mut o = tls_opts();
            o.cert_dir = Some(dir.clone());
            start(o)
        };
        assert_eq!(mode("server-key.pem"), 0o600);
        drop(again);
    }
    assert_ne!(server.trim(), ca.trim(), "server.pem is the CA");

    // the written CA is enough to talk to the server
    let a = agent_trusting(&ca);
    let tok = token(&a, &s);
    get(&a, &s, &tok, "/api/v1/networks").expect_status(200);

    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
