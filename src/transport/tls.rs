//! Building ureq's TLS configuration: which roots to trust, extra CAs, client certificate.
//!
//! The transport has one bundled root store, `webpki-root-certs` (the Mozilla roots as
//! whole certificates, so a private CA can be added to them); ureq's own `webpki-roots`
//! feature is off. (The Redis limiter's rediss:// uses redis' bundle: see Cargo.toml.)

use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Which certificate authorities verify the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsRoots {
    /// The Mozilla root bundle compiled into the library (webpki-root-certs). Default.
    #[default]
    Bundled,
    /// The operating system's store, read through `rustls-native-certs`: the PEM file and
    /// directories named by `SSL_CERT_FILE` / `SSL_CERT_DIR`, else the usual bundle paths
    /// (`/etc/ssl/certs/ca-certificates.crt`, …) on Linux and BSD, the keychain on macOS and
    /// the system store on Windows. Building fails if no certificate can be read.
    System,
    /// Only the CAs added with `add_ca_pem` (private CAs, tests).
    None,
}

/// The bundled roots as ureq certificates, borrowed from the static bundle: built once,
/// shared by every transport (ureq pools connections by the roots' pointer identity).
fn bundled() -> &'static Arc<Vec<Certificate<'static>>> {
    static ROOTS: OnceLock<Arc<Vec<Certificate<'static>>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        Arc::new(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()))
                .collect(),
        )
    })
}

/// The ring provider of rustls, the one ureq would pick with its `rustls` feature (which
/// would also compile in a second root store, `webpki-roots`). One per process.
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    static PROVIDER: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

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

/// The operating system's roots. Unreadable entries are skipped (with a warning) as long as
/// some certificate was read; none at all is an error that says what was tried.
fn system_certs() -> Result<Vec<Certificate<'static>>> {
    from_system_store(rustls_native_certs::load_native_certs())
}

fn from_system_store(found: rustls_native_certs::CertificateResult) -> Result<Vec<Certificate<'static>>> {
    if found.certs.is_empty() {
        let why = match found.errors.first() {
            Some(e) => format!(": {e}"),
            None => String::new(),
        };
        return Err(Error::invalid(format!(
            "TlsRoots::System: no certificate in the system store{why} (set SSL_CERT_FILE or SSL_CERT_DIR)"
        )));
    }
    for e in &found.errors {
        log::warn!("TlsRoots::System: skipped part of the system store: {e}");
    }
    Ok(found
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect())
}

/// The ureq TLS config for these settings. Built once per transport: ureq compares
/// roots by pointer identity when it pools connections.
pub fn tls_config(roots: TlsRoots, extra_ca: &[Vec<u8>], client_cert: Option<&(Vec<u8>, Secret)>) -> Result<TlsConfig> {
    let mut extra = Vec::new();
    for (i, pem) in extra_ca.iter().enumerate() {
        extra.extend(parse_certs(pem, &format!("extra CA #{i}"))?);
    }
    let root_certs = match (roots, extra.is_empty()) {
        (TlsRoots::Bundled, true) => RootCerts::Specific(bundled().clone()),
        (TlsRoots::Bundled, false) => {
            let mut all = bundled().as_ref().clone();
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
    let mut b = TlsConfig::builder()
        .root_certs(root_certs)
        .unversioned_rustls_crypto_provider(crypto_provider());
    if let Some((chain, key)) = client_cert {
        let certs = parse_certs(chain, "client certificate")?;
        let key = PrivateKey::from_pem(key.expose().as_bytes())
            .map_err(|e| Error::invalid(format!("client certificate key: not a valid PEM private key: {e}")))?;
        b = b.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_roots_are_one_shared_store() {
        let a = tls_config(TlsRoots::Bundled, &[], None).unwrap();
        let b = tls_config(TlsRoots::Bundled, &[], None).unwrap();
        let (RootCerts::Specific(x), RootCerts::Specific(y)) = (a.root_certs(), b.root_certs()) else {
            panic!("the bundled roots are handed to ureq as certificates");
        };
        assert!(Arc::ptr_eq(x, y), "one copy, shared, so ureq pools by identity");
        assert_eq!(x.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
        assert!(x.len() > 100, "{}", x.len());
        assert!(a.unversioned_rustls_crypto_provider().is_some());
    }

    #[test]
    fn an_empty_system_store_is_a_clear_error() {
        let e = from_system_store(rustls_native_certs::CertificateResult::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("TlsRoots::System: no certificate in the system store"),
            "{msg}"
        );
        assert!(msg.contains("SSL_CERT_FILE"), "{msg}");
    }

    #[test]
    fn the_system_store_is_read_where_there_is_one() {
        // build machines have a distribution bundle; a bare container may not
        if std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").exists() {
            let certs = system_certs().unwrap();
            assert!(!certs.is_empty());
        }
    }
}
