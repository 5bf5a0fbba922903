//! `/api/v1/settings/…`: bare text strings, bare JSON scalars and JSON objects.

use serde_json::Value;

use super::{Ctx, parse_json};
use crate::reply::{ApiResult, Reply};
use crate::validate;

/// How a setting travels on the wire.
#[derive(Debug, Clone, Copy)]
pub enum Wire {
    Bool,
    Int {
        min: i64,
    },
    /// Bare text; `Some` = one of these values.
    Text(Option<&'static [&'static str]>),
    /// JSON validated against a schema of the document.
    Object(&'static str),
    StringList,
}

/// Every setting path under `/api/v1/settings/` and its wire type.
pub const SETTINGS: &[(&str, Wire)] = &[
    ("auth/trusted-devices-allowed", Wire::Bool),
    ("auth/two-factor-auth", Wire::Bool),
    ("dns/custom-servers", Wire::Object("DnsServerAddresses")),
    ("dns/default-suffix", Wire::Text(None)),
    ("dns/proxy-enabled", Wire::Bool),
    ("dns/zones", Wire::Object("DnsZones")),
    (
        "user/connect-auth",
        Wire::Text(Some(&["NO_AUTH", "ON_PRIOR_AUTH", "EVERY_TIME"])),
    ),
    ("user/device-allowance", Wire::Int { min: 1 }),
    ("user/device-allowance-force-update", Wire::Bool),
    (
        "user/device-enforcement",
        Wire::Text(Some(&["OFF", "LEARN_AND_ENFORCE", "ENFORCE"])),
    ),
    ("user/profile-distribution", Wire::Text(Some(&["AUTOMATIC", "MANUAL"]))),
    ("users/connection-timeout", Wire::Int { min: 0 }),
    ("wpc/client-options", Wire::StringList),
    ("wpc/default-region", Wire::Text(None)),
    ("wpc/domain-routing-subnet", Wire::Object("DomainRoutingSubnet")),
    ("wpc/snat", Wire::Bool),
    ("wpc/subnet", Wire::Object("Subnet")),
    ("wpc/topology", Wire::Text(Some(&["FULL_MESH", "CUSTOM"]))),
    ("wpc/routes-advanced-configuration-enabled", Wire::Bool),
    ("wpc/ip-allocation-mode", Wire::Text(Some(&["BOTH", "IP_V4_ONLY"]))),
];

/// Render a stored value the way the real service sends it.
fn render(wire: Wire, v: &Value) -> Reply {
    match (wire, v) {
        (_, Value::Null) => Reply::empty(200),
        (Wire::Text(_), Value::String(s)) => Reply::text(s.clone()),
        _ => Reply::ok(v.clone()),
    }
}

fn parse(c: &Ctx, key: &str, wire: Wire) -> Result<Value, Reply> {
    let field = key.rsplit('/').next().unwrap_or(key);
    match wire {
        Wire::Bool => match parse_json(c.body)? {
            Value::Bool(b) => Ok(Value::Bool(b)),
            _ => Err(Reply::field_error(field, "TypeMismatch", "must be true or false")),
        },
        Wire::Int { min } => match parse_json(c.body)?.as_i64() {
            Some(n) if n >= min && n <= i32::MAX as i64 => Ok(Value::from(n)),
            _ => Err(Reply::field_error(
                field,
                "TypeMismatch",
                &format!("must be an integer of at least {min}"),
            )),
        },
        Wire::Text(allowed) => {
            let raw = std::str::from_utf8(c.body).map_err(|_| Reply::bad_request("Request body is not valid UTF-8"))?;
            let text = if raw.trim_start().starts_with('"') {
                serde_json::from_str::<String>(raw)
                    .map_err(|e| Reply::bad_request(format!("Malformed JSON string: {e}")))?
            } else {
                raw.to_string()
            };
            if text.trim().is_empty() {
                return Err(Reply::field_error(field, "NotBlank", "must not be blank"));
            }
            if let Some(allowed) = allowed
                && !allowed.contains(&text.as_str())
            {
                return Err(Reply::field_error(
                    field,
                    "InvalidEnum",
                    &format!("must be one of {}", allowed.join(", ")),
                ));
            }
            Ok(Value::String(text))
        }
        Wire::Object(schema) => {
            let v = parse_json(c.body)?;
            validate::check(schema, &v)?;
            if !v.is_object() {
                return Err(Reply::field_error(field, "TypeMismatch", "must be an object"));
            }
            Ok(v)
        }
        Wire::StringList => match parse_json(c.body)? {
            Value::Array(a) if a.iter().all(Value::is_string) => Ok(Value::Array(a)),
            _ => Err(Reply::field_error(field, "TypeMismatch", "must be an array of strings")),
        },
    }
}

/// `GET`/`PUT` of any setting, and the SAML/LDAP group mappings.
pub fn handle(c: &Ctx) -> ApiResult {
    let key = c.path.trim_start_matches("/api/v1/settings/");
    let Some(&(name, wire)) = SETTINGS.iter().find(|(k, _)| *k == key) else {
        return Err(Reply::error(404, format!("Unknown setting {key}"), Default::default()));
    };
    if c.method == "GET" {
        let db = c.db.read();
        return Ok(render(wire, db.settings.get(name).unwrap_or(&Value::Null)));
    }
    let v = parse(c, key, wire)?;
    if name == "wpc/default-region" && !c.db.read().region_exists(v.as_str().unwrap_or_default()) {
        return Err(Reply::field_error(
            "default-region",
            "UnknownRegion",
            "unknown VPN region",
        ));
    }
    c.db.write().settings.insert(name, v.clone());
    Ok(render(wire, &v))
}
