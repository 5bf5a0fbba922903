//! The official OpenAPI document, embedded, and the route table built from it
//! (plus the v1.2 operations the official Go client calls).

use std::sync::OnceLock;

use serde_json::Value;

/// The official OpenAPI 3.0.1 document of the Cloud Connexa API, version 1.1.0.
pub const SPEC_JSON: &str = include_str!("../../spec/cloudconnexa-api-1.1.0.json");

/// Operations outside the 1.1.0 document that the official Go client (v2.5.x) uses.
pub const EXTRA_OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "PUT",
        "/api/v1/networks/connectors/{id}/activate",
        "activateNetworkConnector",
    ),
    (
        "PUT",
        "/api/v1/networks/connectors/{id}/suspend",
        "suspendNetworkConnector",
    ),
    ("PUT", "/api/v1/hosts/connectors/{id}/activate", "activateHostConnector"),
    ("PUT", "/api/v1/hosts/connectors/{id}/suspend", "suspendHostConnector"),
    ("PUT", "/api/v1/users/{id}/activate", "activateUser"),
    ("PUT", "/api/v1/users/{id}/suspend", "suspendUser"),
    (
        "GET",
        "/api/v1/dns-log/user-dns-resolutions/enabled",
        "getDnsLogEnabled",
    ),
    ("GET", "/api/v1/access-visibility/enabled", "getAccessVisibilityEnabled"),
    ("PUT", "/api/v1/access-visibility/enable", "enableAccessVisibility"),
    ("PUT", "/api/v1/access-visibility/disable", "disableAccessVisibility"),
    (
        "GET",
        "/api/v1/settings/wpc/routes-advanced-configuration-enabled",
        "getRoutesAdvancedConfigurationEnabled",
    ),
    (
        "PUT",
        "/api/v1/settings/wpc/routes-advanced-configuration-enabled",
        "setRoutesAdvancedConfigurationEnabled",
    ),
    ("GET", "/api/v1/settings/wpc/ip-allocation-mode", "getIpAllocationMode"),
    ("PUT", "/api/v1/settings/wpc/ip-allocation-mode", "setIpAllocationMode"),
];

/// The parsed document.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(SPEC_JSON).expect("embedded OpenAPI document is valid JSON"))
}

/// A schema of `components.schemas` by name.
pub fn schema(name: &str) -> Option<&'static Value> {
    spec().pointer(&format!("/components/schemas/{name}"))
}

/// One routable operation.
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    segments: Vec<Seg>,
    pub op: &'static str,
    /// The request body schema (`components.schemas` name), when it is an object schema.
    pub body_schema: Option<&'static str>,
}

#[derive(Debug, PartialEq)]
enum Seg {
    Lit(String),
    Param,
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn parse_pattern(p: &str) -> Vec<Seg> {
    p.trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                Seg::Param
            } else {
                Seg::Lit(s.to_string())
            }
        })
        .collect()
}

/// Every operation: the 144 of the document, then the extras.
pub fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut out = Vec::new();
        let paths = spec()["paths"].as_object().expect("paths");
        for (path, ops) in paths {
            for (method, op) in ops.as_object().expect("path item") {
                let body_schema = op
                    .pointer("/requestBody/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                    .map(|r| leak(r.rsplit('/').next().unwrap_or(r)));
                out.push(Route {
                    method: leak(&method.to_ascii_uppercase()),
                    segments: parse_pattern(path),
                    op: leak(op["operationId"].as_str().expect("operationId")),
                    body_schema,
                });
            }
        }
        for (m, p, op) in EXTRA_OPERATIONS {
            out.push(Route {
                method: m,
                segments: parse_pattern(p),
                op,
                body_schema: None,
            });
        }
        out
    })
}

/// The outcome of routing a request.
#[derive(Debug)]
pub enum Routed<'a> {
    Found(&'a Route, Option<String>),
    MethodNotAllowed,
    NotFound,
}

/// Match a request path (already split on `/`, segments percent-decoded) against the table.
/// Literal segments beat parameters, so `/networks/routes` is not `/networks/{id}`.
pub fn route<'a>(method: &str, segs: &[String]) -> Routed<'a> {
    let mut best: Option<(&Route, usize, Option<String>)> = None;
    let mut path_matched = false;
    for r in routes() {
        if r.segments.len() != segs.len() {
            continue;
        }
        let mut params = 0;
        let mut id = None;
        let ok = r.segments.iter().zip(segs).all(|(p, s)| match p {
            Seg::Lit(l) => l == s,
            Seg::Param => {
                params += 1;
                id = Some(s.clone());
                !s.is_empty()
            }
        });
        if !ok {
            continue;
        }
        path_matched = true;
        if r.method != method {
            continue;
        }
        if best.as_ref().is_none_or(|(_, p, _)| params < *p) {
            best = Some((r, params, id));
        }
    }
    match best {
        Some((r, _, id)) => Routed::Found(r, id),
        None if path_matched => Routed::MethodNotAllowed,
        None => Routed::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.trim_start_matches('/').split('/').map(String::from).collect()
    }

    #[test]
    fn all_operations_present() {
        assert_eq!(routes().len(), 144 + EXTRA_OPERATIONS.len());
    }

    #[test]
    fn literal_beats_param() {
        match route("GET", &segs("/api/v1/networks/routes")) {
            Routed::Found(r, None) => assert_eq!(r.op, "getNetworkRoutesPage"),
            other => panic!("{other:?}"),
        }
        match route("GET", &segs("/api/v1/networks/abc")) {
            Routed::Found(r, Some(id)) => {
                assert_eq!(r.op, "getNetwork");
                assert_eq!(id, "abc");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            route("PATCH", &segs("/api/v1/networks")),
            Routed::MethodNotAllowed
        ));
        assert!(matches!(route("GET", &segs("/api/v2/networks")), Routed::NotFound));
        assert!(matches!(
            route("GET", &segs("/api/v1/networks/")),
            Routed::NotFound | Routed::MethodNotAllowed
        ));
    }
}
