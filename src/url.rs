//! Checking and normalising the API base URL.

use std::net::IpAddr;

use crate::error::{Error, Result};

/// A validated base URL: `scheme://host[:port][/prefix]`, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// `scheme://authority` plus any path prefix, without a trailing `/`.
    pub origin: String,
}

/// Is `host` the local machine (`localhost`, 127.0.0.0/8, `::1`)?
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.to_ascii_lowercase().ends_with(".localhost")
        || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Expand a bare Cloud Connexa `cloud_id` (tenant slug) to its API URL.
pub fn from_cloud_id(cloud_id: &str) -> Result<String> {
    if cloud_id.is_empty() || cloud_id.len() > 63 || !cloud_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::invalid(format!(
            "cloud_id {cloud_id:?} must be 1 to 63 letters, digits or '-' (the tenant name in https://<cloud_id>.api.openvpn.com)"
        )));
    }
    Ok(format!("https://{cloud_id}.api.openvpn.com"))
}

/// Parse and check an API URL. `https` is required; plain `http` only when
/// `allow_http` is set and the host is loopback. Userinfo, query and fragment are rejected.
pub fn parse(raw: &str, allow_http: bool) -> Result<BaseUrl> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::invalid("api_url is empty"));
    }
    if raw.contains('#') {
        return Err(Error::invalid("api_url must not contain a fragment"));
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(Error::invalid(format!(
            "api_url {raw:?} has no scheme; expected https://host"
        )));
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if path.contains('?') {
        return Err(Error::invalid("api_url must not contain a query"));
    }
    if authority.contains('@') {
        return Err(Error::invalid(
            "api_url must not contain user information; pass credentials with client_id and client_secret",
        ));
    }
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err(Error::invalid("api_url has no host"));
    }
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => {
            if !allow_http {
                return Err(Error::invalid(
                    "api_url must use https (plain http needs allow_insecure_http and a loopback host)",
                ));
            }
            if !is_loopback(&host) {
                return Err(Error::invalid(format!(
                    "plain http is only allowed to a loopback host, not {host:?}"
                )));
            }
            80
        }
        other => {
            return Err(Error::invalid(format!(
                "api_url scheme {other:?} is not supported; use https"
            )));
        }
    };
    let port = port.unwrap_or(default_port);
    let path = path.trim_end_matches('/');
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("api_url path contains whitespace or control characters"));
    }
    Ok(BaseUrl {
        origin: format!("{scheme}://{authority}{path}"),
        scheme,
        host,
        port,
    })
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>)> {
    let bad = || Error::invalid(format!("api_url authority {authority:?} is not host[:port]"));
    if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        h.parse::<std::net::Ipv6Addr>().map_err(|_| bad())?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        return Ok((format!("[{h}]"), port));
    }
    let (h, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad())?)),
        None => (authority, None),
    };
    if port == Some(0)
        || h.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
    {
        return Err(bad());
    }
    Ok((h.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let u = parse("https://acme.api.openvpn.com/", false).unwrap();
        assert_eq!(
            (u.origin.as_str(), u.host.as_str(), u.port),
            ("https://acme.api.openvpn.com", "acme.api.openvpn.com", 443)
        );
        let u = parse("http://127.0.0.1:8080", true).unwrap();
        assert_eq!(u.port, 8080);
        assert!(parse("http://[::1]:9/", true).is_ok());
        assert!(parse("http://localhost:9", true).is_ok());
        assert_eq!(
            parse("https://proxy.example/cc/", false).unwrap().origin,
            "https://proxy.example/cc"
        );
    }

    #[test]
    fn rejects() {
        for (url, http) in [
            ("", false),
            ("acme.api.openvpn.com", false),
            ("http://127.0.0.1:8080", false),
            ("http://example.com", true),
            ("https://user:pw@example.com", false),
            ("https://example.com/?a=b", false),
            ("https://example.com/#x", false),
            ("ftp://example.com", false),
            ("https://exa mple.com", false),
            ("https://example.com:99999", false),
            ("https://example.com:0", false),
            ("https://", false),
        ] {
            assert!(parse(url, http).is_err(), "{url} should be rejected");
        }
    }

    #[test]
    fn cloud_id() {
        assert_eq!(from_cloud_id("acme-1").unwrap(), "https://acme-1.api.openvpn.com");
        assert!(from_cloud_id("acme.evil.com/x").is_err());
        assert!(from_cloud_id("").is_err());
    }
}
