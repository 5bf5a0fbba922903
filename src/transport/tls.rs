//! Building ureq's TLS configuration: which roots to trust, extra CAs, client certificate.

use std::sync::Arc;

use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Which certificate authorities verify the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsRoots {
    /// The Mozilla root bundle compiled into the library (webpki-roots). Default.
    #[default]
    Bundled,
    /// The operating system's bundle, read from `SSL_CERT_FILE` or the usual paths
    /// (`/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt`, `/etc/ssl/cert.pem`).
    System,
    /// Only the CAs added with `add_ca_pem` (private CAs, tests).
    None,
}

const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<Certificate<'static>>> {
    let mut out = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => out.push(c),
            Ok(_) => {}
            Err(e) => return Err(Error::invalid(format!("{what}: not valid PEM: {e}"))),
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(format!("{what}: no certificate found in the PEM")));
    }
    Ok(out)
}

fn system_certs() -> Result<Vec<Certificate<'static>>> {
    let env = std::env::var("SSL_CERT_FILE").ok();
    for path in env.iter().map(String::as_str).chain(SYSTEM_BUNDLES.iter().copied()) {
        if let Ok(pem) = std::fs::read(path) {
            return parse_certs(&pem, path);
        }
    }
    Err(Error::invalid(
        "TlsRoots::System: no CA bundle found (set SSL_CERT_FILE)",
    ))
}

/// The ureq TLS config for these settings. Built once per transport: ureq compares
/// roots by pointer identity when it pools connections.
pub fn tls_config(roots: TlsRoots, extra_ca: &[Vec<u8>], client_cert: Option<&(Vec<u8>, Secret)>) -> Result<TlsConfig> {
    let mut extra = Vec::new();
    for (i, pem) in extra_ca.iter().enumerate() {
        extra.extend(parse_certs(pem, &format!("extra CA #{i}"))?);
    }
    let root_certs = match (roots, extra.is_empty()) {
        (TlsRoots::Bundled, true) => RootCerts::WebPki,
        (TlsRoots::Bundled, false) => {
            let mut all: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            all.extend(extra);
            RootCerts::Specific(Arc::new(all))
        }
        (TlsRoots::System, _) => {
            let mut all = system_certs()?;
            all.extend(extra);
            RootCerts::Specific(Arc::new(all))
        }
        (TlsRoots::None, false) => RootCerts::Specific(Arc::new(extra)),
        (TlsRoots::None, true) => {
            return Err(Error::invalid(
                "TlsRoots::None needs at least one add_ca_pem certificate",
            ));
        }
    };
    let mut b = TlsConfig::builder().root_certs(root_certs);
    if let Some((chain, key)) = client_cert {
        let certs = parse_certs(chain, "client certificate")?;
        let key = PrivateKey::from_pem(key.expose().as_bytes())
            .map_err(|e| Error::invalid(format!("client certificate key: not a valid PEM private key: {e}")))?;
        b = b.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
    }
    Ok(b.build())
}
