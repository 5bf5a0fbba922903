//! The proxy of a transport, and what a refusing proxy's answer becomes.
//!
//! * An explicit URL ([`TransportOptions::proxy`](super::TransportOptions::proxy)) is used
//!   for every request; `NO_PROXY` does not apply to it.
//! * With `proxy_from_env` on and no explicit URL, the first non-empty variable of
//!   `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, `all_proxy` names the proxy (`HTTP_PROXY` is
//!   not read: the API is HTTPS, and plain http is refused with `proxy_from_env`), and
//!   `NO_PROXY` (else `no_proxy`) lists the hosts reached directly. We parse `NO_PROXY`
//!   ourselves rather than through `ureq::Proxy::try_from_env`, which keeps the spaces of
//!   `a, b` (so ` b` never matches), reads `host:port` as a host name and matches
//!   `example.com` only exactly. Entries, separated by commas or white space:
//!   - `*`: every host goes direct;
//!   - `example.com`: that host and every host under it (`api.example.com`);
//!   - `.example.com` or `*.example.com`: only the hosts under it;
//!   - an IPv4 or IPv6 address (`::1` or `[::1]`): that address, written as such in the URL;
//!   - a `:port` suffix is dropped (the entry applies to every port); CIDR ranges are not
//!     supported (an entry with a `/` never matches).
//!
//!   Matching is case-insensitive and on the host of the API URL as written (no DNS).
//! * Only `http://` proxies (HTTP `CONNECT`) are tested; `https://` (TLS to the proxy) is
//!   accepted. SOCKS URLs are refused at build: this build has no SOCKS support, and ureq
//!   would otherwise send such requests directly, bypassing the proxy without a word.
//! * Basic credentials in the URL (`http://user:pass@host:port`, percent-encoded) are sent
//!   in `Proxy-Authorization` on each `CONNECT`; they are never logged, and `Debug`
//!   output, error messages and the proxy label used in errors carry only `host:port`.

use ureq::{Proxy, ProxyProtocol};

use crate::error::{Error, ErrorKind, Result};
use crate::url::redact_userinfo;

/// The proxy variables, in the order read; the first set and non-empty wins.
pub(crate) const PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
/// The no-proxy variables, in the order read.
pub(crate) const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// A proxy as the transport uses it: ureq's, and its `host:port` for messages.
pub(crate) struct ProxySetup {
    pub proxy: Proxy,
    pub label: String,
}

/// The proxy of an explicit URL, or (with `from_env`) of the variables `var` reads, or none.
pub(crate) fn setup(
    explicit: Option<&str>,
    from_env: bool,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxySetup>> {
    if let Some(url) = explicit {
        return parse(url, "proxy URL", &[]).map(Some);
    }
    if !from_env {
        return Ok(None);
    }
    let first = |names: &[&'static str]| {
        names
            .iter()
            .find_map(|n| var(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
    };
    let Some((name, url)) = first(&PROXY_VARS) else {
        return Ok(None);
    };
    let no_proxy = first(&NO_PROXY_VARS).map_or_else(Vec::new, |(_, v)| no_proxy_entries(&v));
    parse(&url, name, &no_proxy).map(Some)
}

/// The process environment, for [`setup`].
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Parse a proxy URL (`what` names where it came from in errors) and attach the no-proxy
/// expressions (ureq's forms, see [`no_proxy_entries`]).
fn parse(url: &str, what: &str, no_proxy: &[String]) -> Result<ProxySetup> {
    let url = url.trim();
    let bad = |why: &str| Error::invalid(format!("{what} {}: {why}", redact_userinfo(url)));
    let p = Proxy::new(url).map_err(|e| bad(&e.to_string()))?;
    match p.protocol() {
        ProxyProtocol::Http | ProxyProtocol::Https => {}
        other => {
            return Err(bad(&format!(
                "{other} proxies are not supported (http:// CONNECT proxies only)"
            )));
        }
    }
    let label = format!("{}:{}", p.host(), p.port());
    if no_proxy.is_empty() {
        return Ok(ProxySetup { proxy: p, label });
    }
    let mut b = Proxy::builder(p.protocol()).host(p.host()).port(p.port());
    if let Some(u) = p.username() {
        b = b.username(u);
    }
    if let Some(pw) = p.password() {
        b = b.password(pw);
    }
    for e in no_proxy {
        b = b.no_proxy(e);
    }
    let proxy = b.build().map_err(|e| bad(&e.to_string()))?;
    Ok(ProxySetup { proxy, label })
}

/// The `NO_PROXY` value as ureq's no-proxy expressions (exact `host`, suffix `.domain`,
/// `*`): see the module documentation for the forms understood.
pub(crate) fn no_proxy_entries(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in value.split(|c: char| c == ',' || c.is_whitespace()) {
        let e = raw.trim().to_ascii_lowercase();
        if e.is_empty() {
            continue;
        }
        if e == "*" {
            out.push(e);
            continue;
        }
        let (suffix_only, rest) = match e.strip_prefix("*.").or_else(|| e.strip_prefix('.')) {
            Some(r) => (true, r.to_string()),
            None => (false, e),
        };
        let host = strip_port(&rest);
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            continue;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
            // the URL's host is `[v6]` in brackets, an IPv4 address as written
            out.push(match ip {
                std::net::IpAddr::V6(_) => format!("[{bare}]"),
                std::net::IpAddr::V4(_) => bare.to_string(),
            });
            continue;
        }
        if !suffix_only {
            out.push(host.to_string());
        }
        out.push(format!(".{host}"));
    }
    out
}

/// `host` without a `:port` suffix (`[v6]:port` keeps its brackets; a bare IPv6 address,
/// with several colons, is left alone).
fn strip_port(e: &str) -> &str {
    if e.starts_with('[') {
        return e.find(']').map_or(e, |i| &e[..=i]);
    }
    match e.split_once(':') {
        Some((h, p)) if !p.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => e,
    }
}

/// The error of a `CONNECT` the proxy at `label` did not grant for `target` (`host:port`).
/// `reason` is ureq's text (`proxy server responded 407/407`, or
/// `proxy server did not respond`): ureq gives no status of its own, so it is read from there.
///
/// A 5xx answer (the proxy cannot reach the API) and no answer are [`ErrorKind::Connect`],
/// retried like any connection failure; any other status is [`ErrorKind::Proxy`], never
/// retried.
pub(crate) fn refused(reason: &str, label: &str, target: &str) -> Error {
    let answer = reason.strip_prefix("proxy server responded ");
    let status = answer
        .and_then(|a| a.split('/').next())
        .and_then(|s| s.trim().parse::<u16>().ok());
    let Some(answer) = answer else {
        return Error::new(
            ErrorKind::Connect,
            format!("proxy {label} gave no answer to CONNECT {target} ({reason})"),
        );
    };
    // ureq writes `407/407` (the code twice): show the code and its standard reason
    let shown = match status {
        Some(s) => match ureq::http::StatusCode::from_u16(s)
            .ok()
            .and_then(|c| c.canonical_reason())
        {
            Some(reason) => format!("{s} {reason}"),
            None => s.to_string(),
        },
        None => answer.to_string(),
    };
    let hint = match status {
        Some(407 | 401) => "; the proxy wants credentials: check the user and password of the proxy URL",
        Some(403) => "; the proxy's rules forbid this target (ask its administrator to allow it)",
        _ => "",
    };
    let msg = format!("proxy {label} refused CONNECT {target}: HTTP {shown}{hint}");
    match status {
        Some(500..=599) => Error::new(ErrorKind::Connect, msg),
        s => Error::new(ErrorKind::Proxy { status: s.unwrap_or(0) }, msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> ureq::http::Uri {
        s.parse().unwrap()
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string())
    }

    #[test]
    fn no_proxy_forms() {
        assert_eq!(
            no_proxy_entries(" localhost, .corp.example,*.svc , 10.0.0.1:8443,[::1]:443, ::2 ,API.Example.com.,,"),
            [
                "localhost",
                ".localhost",
                ".corp.example",
                ".svc",
                "10.0.0.1",
                "[::1]",
                "[::2]",
                "api.example.com",
                ".api.example.com"
            ]
        );
        assert_eq!(no_proxy_entries("*"), ["*"]);
        assert!(no_proxy_entries(" , ").is_empty());
    }

    #[test]
    fn env_proxy_honours_no_proxy() {
        let vars = [
            ("https_proxy", "http://u:p%40ss@proxy.corp:3128"),
            ("NO_PROXY", "localhost, example.com,.internal,[::1]:8443,10.1.2.3"),
        ];
        let s = setup(None, true, env(&vars)).unwrap().unwrap();
        assert_eq!(s.label, "proxy.corp:3128");
        assert_eq!((s.proxy.username(), s.proxy.password()), (Some("u"), Some("p@ss")));
        let p = &s.proxy;
        for direct in [
            "https://localhost:1/",
            "https://LOCALHOST/",
            "https://example.com/",
            "https://api.example.com/",
            "https://a.internal/",
            "https://[::1]:9/",
            "https://10.1.2.3/",
        ] {
            assert!(p.is_no_proxy(&uri(direct)), "{direct} should go direct");
        }
        for proxied in [
            "https://127.0.0.1/",
            "https://internal/",
            "https://notexample.com/",
            "https://10.1.2.30/",
            "https://[::2]/",
        ] {
            assert!(!p.is_no_proxy(&uri(proxied)), "{proxied} should use the proxy");
        }
    }

    #[test]
    fn which_variables_count() {
        let none = setup(
            None,
            true,
            env(&[("HTTP_PROXY", "http://p:1"), ("http_proxy", "http://p:1")]),
        )
        .unwrap();
        assert!(none.is_none(), "HTTP_PROXY is not read for an HTTPS API");
        let off = setup(None, false, env(&[("HTTPS_PROXY", "http://p:1")])).unwrap();
        assert!(off.is_none(), "the environment is only read when asked");
        let order = setup(
            None,
            true,
            env(&[
                ("HTTPS_PROXY", " "),
                ("https_proxy", "http://b:2"),
                ("ALL_PROXY", "http://c:3"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            order.label, "b:2",
            "empty values are skipped, HTTPS_PROXY before ALL_PROXY"
        );
        let explicit = setup(
            Some("http://x:9"),
            true,
            env(&[("HTTPS_PROXY", "http://b:2"), ("NO_PROXY", "*")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(explicit.label, "x:9");
        assert!(
            !explicit.proxy.is_no_proxy(&uri("https://x/")),
            "NO_PROXY is for env proxies only"
        );
    }

    #[test]
    fn bad_and_socks_urls_are_refused_without_their_credentials() {
        let e = setup(None, true, env(&[("HTTPS_PROXY", "socks5://u:hunter2@p:1080")]))
            .err()
            .unwrap();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput);
        assert!(
            e.message().contains("HTTPS_PROXY") && e.message().contains("not supported"),
            "{e}"
        );
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = setup(Some("http://u:hunter2@bad host:1"), false, env(&[]))
            .err()
            .unwrap();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn refusals_are_classified() {
        let e = refused("proxy server responded 407/407", "p:3128", "api:443");
        assert_eq!(e.kind(), &ErrorKind::Proxy { status: 407 });
        assert!(!e.is_retryable());
        assert!(
            e.to_string().starts_with("proxy refused the tunnel (HTTP 407): proxy p:3128 refused CONNECT api:443: HTTP 407 Proxy Authentication Required"),
            "{e}"
        );
        assert_eq!(
            refused("proxy server responded 403/403", "p:1", "a:443").kind(),
            &ErrorKind::Proxy { status: 403 }
        );
        let down = refused("proxy server responded 502/502", "p:1", "a:443");
        assert_eq!(down.kind(), &ErrorKind::Connect);
        assert!(
            down.is_retryable() && down.message().contains("HTTP 502 Bad Gateway"),
            "{down}"
        );
        assert_eq!(
            refused("proxy server did not respond", "p:1", "a:443").kind(),
            &ErrorKind::Connect
        );
        assert_eq!(
            refused("proxy server responded x/y", "p:1", "a:443").kind(),
            &ErrorKind::Proxy { status: 0 }
        );
    }
}
