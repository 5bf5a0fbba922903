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

/// Is `host` the local machine (`localhost`, names under `.localhost` (RFC 6761),
/// 127.0.0.0/8, `::1`)?
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.to_ascii_lowercase().ends_with(".localhost")
        || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of a proxy URL (`scheme://[user[:pass]@]host[:port][/]`), lower-case, or
/// `None` when it has none that can be made out.
pub fn proxy_host(proxy: &str) -> Option<String> {
    let rest = proxy.trim().split_once("://").map_or(proxy.trim(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        hostport.split_once(']').map(|(h, _)| format!("{h}]"))?
    } else {
        hostport.split(':').next()?.to_string()
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `proxy` with any `user:password@` replaced by `***@`, for Debug output and logs.
pub fn redact_userinfo(proxy: &str) -> String {
    let (scheme, rest) = proxy.split_once("://").map_or(("", proxy), |(s, r)| (s, r));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((_, hostport)) = authority.rsplit_once('@') else {
        return proxy.to_string();
    };
    let sep = if scheme.is_empty() { "" } else { "://" };
    format!("{scheme}{sep}***@{hostport}{tail}")
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
        // never echo what may be `user:password@host`
        let shown = if raw.contains('@') {
            "(with user information)"
        } else {
            raw
        };
        return Err(Error::invalid(format!(
            "api_url {shown:?} has no scheme; expected https://host"
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
    if !is_uri_path(path) {
        return Err(Error::invalid(format!(
            "api_url path {path:?} has characters that must be percent-encoded"
        )));
    }
    Ok(BaseUrl {
        origin: format!("{scheme}://{authority}{path}"),
        scheme,
        host,
        port,
    })
}

/// RFC 3986 path characters only (`/`, unreserved, sub-delims, `:`, `@`, `%XX`): what
/// every URI parser downstream takes as it is.
fn is_uri_path(path: &str) -> bool {
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() => {}
            b'/' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';'
            | b'=' | b':' | b'@' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// A port: 1 to 5 ASCII digits, 1..=65535 (RFC 3986 ports are digits; `u16::from_str`
/// also takes `+80`, and 0 is no port to connect to).
fn port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|n| *n != 0)
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>)> {
    let bad = || Error::invalid(format!("api_url authority {authority:?} is not host[:port]"));
    if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        h.parse::<std::net::Ipv6Addr>().map_err(|_| bad())?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(port(p).ok_or_else(bad)?),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        return Ok((format!("[{h}]"), port));
    }
    let (h, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(port(p).ok_or_else(bad)?)),
        None => (authority, None),
    };
    if h.chars()
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
            ("http://localhost.example.com", true),
        ] {
            assert!(parse(url, http).is_err(), "{url} should be rejected");
        }
    }

    #[test]
    fn proxy_hosts() {
        assert_eq!(
            proxy_host("http://u:p@Proxy.example:3128/").as_deref(),
            Some("proxy.example")
        );
        assert_eq!(proxy_host("socks5://127.0.0.1:1080").as_deref(), Some("127.0.0.1"));
        assert_eq!(proxy_host("http://[::1]:3128").as_deref(), Some("[::1]"));
        assert_eq!(proxy_host("proxy.example:3128").as_deref(), Some("proxy.example"));
        assert_eq!(proxy_host("http://"), None);
    }

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(redact_userinfo("http://u:p@proxy:3128/x"), "http://***@proxy:3128/x");
        assert_eq!(redact_userinfo("u:p@proxy:3128"), "***@proxy:3128");
        assert_eq!(redact_userinfo("http://proxy:3128/a@b"), "http://proxy:3128/a@b");
        assert_eq!(redact_userinfo("socks5://[::1]:1080"), "socks5://[::1]:1080");
    }

    #[test]
    fn no_password_in_errors() {
        let e = parse("admin:hunter2@example.com", false).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    /// Found by `fuzz/fuzz_targets/url_config.rs`: port 0 after an IPv6 host, `+443`, and
    /// path characters that `http::Uri` (what ureq sends with) refuses were accepted.
    #[test]
    fn ports_and_paths_are_strict() {
        for url in [
            "http://[::1]:0/",
            "https://[::1]:+443",
            "https://example.com:+443",
            "https://example.com:",
            "https://[::1]:",
            "https://example.com:0443x",
        ] {
            assert!(parse(url, true).is_err(), "{url} should be rejected");
        }
        assert_eq!(parse("https://example.com:08443", false).unwrap().port, 8443);
        for url in [
            "http://[::1]:9/a`b",
            "https://h/<x>",
            "https://h/caf\u{e9}",
            "https://h/%zz",
            "https://h/a%2",
        ] {
            assert!(parse(url, true).is_err(), "{url} should be rejected");
        }
        assert_eq!(
            parse("https://h/a%2Fb/~x@y:z/", false).unwrap().origin,
            "https://h/a%2Fb/~x@y:z"
        );
        assert_eq!(parse("http://[::1]:65535", true).unwrap().port, 65535);
    }

    #[test]
    fn cloud_id() {
        assert_eq!(from_cloud_id("acme-1").unwrap(), "https://acme-1.api.openvpn.com");
        assert!(from_cloud_id("acme.evil.com/x").is_err());
        assert!(from_cloud_id("").is_err());
    }
}
