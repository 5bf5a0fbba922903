//! The API base URL (`https` only, plain `http` to loopback when allowed; no userinfo,
//! query or fragment), `cloud_id`, and every check `ClientBuilder::build` makes before it
//! creates the transport.
//!
//! Input: a flags byte, then `\n`-separated fields: api_url, cloud_id, client_id,
//! client_secret, api_version, user_agent, proxy; then numeric knobs.
//!
//! Oracle: a URL the client accepts must mean the same to `http::Uri` (the parser ureq
//! sends with): same scheme, host and port, and every request URL built on it parses.
#![no_main]

mod common;

use std::time::Duration;

use cloudconnexa::{ClientBuilder, fuzzing};
use common::Input;
use libfuzzer_sys::fuzz_target;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What `http::Uri` makes of a URL the client accepted: it must agree on every part.
fn agree(url: &str, scheme: &str, host: &str, port: u16) {
    let uri: http::Uri = url
        .parse()
        .unwrap_or_else(|e| panic!("accepted {url:?}, but http::Uri says {e}"));
    assert_eq!(uri.scheme_str(), Some(scheme), "{url:?}");
    let h = uri.host().expect("a host");
    assert!(h.eq_ignore_ascii_case(host), "{url:?}: host {host:?}, http::Uri {h:?}");
    let default = if scheme == "https" { 443 } else { 80 };
    assert_eq!(uri.port_u16().unwrap_or(default), port, "{url:?}");
}

fn check_url(raw: &str, allow_http: bool) {
    let Ok((scheme, host, port, origin)) = fuzzing::parse_url(raw, allow_http) else {
        return;
    };
    assert!(scheme == "https" || (scheme == "http" && allow_http), "{raw:?}");
    assert!(!host.is_empty() && port != 0, "{raw:?}");
    if scheme == "http" {
        assert!(fuzzing::is_loopback(&host), "{raw:?}: http to {host:?}");
    }
    assert!(!origin.ends_with('/'), "{raw:?}");
    assert!(
        !origin.contains(['?', '#']) && !origin.chars().any(|c| c.is_whitespace() || c.is_control()),
        "{raw:?} -> {origin:?}"
    );
    let authority = origin.split_once("://").map(|(_, r)| r.split('/').next().unwrap_or(r));
    assert!(!authority.expect("a scheme").contains('@'), "{raw:?}: user information");
    // normalising is idempotent
    let again = fuzzing::parse_url(&origin, allow_http).unwrap_or_else(|e| panic!("{origin:?} (from {raw:?}): {e}"));
    assert_eq!(again, (scheme.clone(), host.clone(), port, origin.clone()), "{raw:?}");
    agree(&origin, &scheme, &host, port);
    agree(
        &format!("{origin}/api/v1/networks?page=0&size=10"),
        &scheme,
        &host,
        port,
    );
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let flags = input.u8();
    let api_url = text(input.field(b'\n'));
    let cloud_id = text(input.field(b'\n'));
    let client_id = text(input.field(b'\n'));
    let client_secret = text(input.field(b'\n'));
    let api_version = text(input.field(b'\n'));
    let user_agent = text(input.field(b'\n'));
    let proxy = text(input.field(b'\n'));

    check_url(&api_url, flags & 1 == 1);
    if let Ok(url) = fuzzing::url_from_cloud_id(&cloud_id) {
        assert!(cloud_id.len() <= 63);
        check_url(&url, false);
        let (_, host, port, _) = fuzzing::parse_url(&url, false).expect("a cloud_id URL parses");
        assert_eq!(
            (host, port),
            (format!("{}.api.openvpn.com", cloud_id.to_ascii_lowercase()), 443)
        );
    }

    let mut b = ClientBuilder::new().allow_insecure_http(flags & 1 == 1);
    if flags & 2 == 0 {
        b = b.api_url(api_url.clone());
    }
    if flags & 4 == 0 {
        b = b.cloud_id(cloud_id.clone());
    }
    if flags & 8 == 0 {
        b = b.client_id(client_id.clone()).client_secret(client_secret.clone());
    }
    if flags & 16 == 0 {
        b = b.api_version(api_version.clone());
    }
    if flags & 32 == 0 {
        b = b.user_agent(user_agent.clone());
    }
    if flags & 64 == 0 {
        b = b.proxy(Some(proxy.clone()));
    }
    if flags & 128 == 0 {
        let ms = |n: u64| Duration::from_millis(n % (100 * 86_400_000));
        b = b
            .connect_timeout(ms(input.u64()))
            .read_timeout(ms(input.u64()))
            .call_timeout(ms(input.u64()))
            .token_refresh_margin(ms(input.u64()))
            .max_response_bytes(input.u64())
            .pool_max_idle_per_host(input.u32() as usize)
            .pool_max_hosts(input.u32() as usize)
            .pool_idle_timeout(ms(input.u64()))
            .dns_cache_ttl(Some(ms(input.u64())));
    }
    let Ok((url, token_url)) = fuzzing::validate_config(&b, "/networks") else {
        return;
    };
    // a configuration that passes makes URLs and headers that the HTTP layer takes
    let raw = if flags & 2 == 0 {
        api_url.clone()
    } else {
        fuzzing::url_from_cloud_id(&cloud_id).expect("validated")
    };
    let (scheme, host, port, _) = fuzzing::parse_url(&raw, flags & 1 == 1).expect("validated");
    agree(&token_url, &scheme, &host, port);
    agree(&url, &scheme, &host, port);
    if flags & 32 == 0 {
        http::HeaderValue::from_str(&user_agent)
            .or_else(|_| http::HeaderValue::from_bytes(user_agent.as_bytes()))
            .unwrap_or_else(|e| panic!("user agent {user_agent:?} accepted, but not a header value: {e}"));
    }
});
