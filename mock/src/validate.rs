//! Request-body validation against the spec's request schemas: types, enum
//! values and the emulator's required fields. Unknown fields are ignored, a `null`
//! optional field counts as absent, and an empty string counts as an unset enum, as
//! the real service tolerates what the official Go client sends. A `null` body, a
//! `null` required field and a `null` array item are refused: none of them can be
//! stored without breaking the response schemas.

use serde_json::{Map, Value};

use crate::reply::{Reply, add_detail};
use crate::spec;

/// Required fields per request schema. The document marks none; these are the
/// ones without which the real service cannot create the resource.
pub fn required(schema: &str) -> &'static [&'static str] {
    match schema {
        "NetworkCreateRequest"
        | "NetworkUpdateRequest"
        | "HostCreateRequest"
        | "HostUpdateRequest"
        | "NetworkIpServiceRequest"
        | "HostIpServiceRequest"
        | "ApplicationRequest"
        | "UserGroupRequest"
        | "DeviceRequest"
        | "DevicePostureRequest"
        | "AccessGroupRequest"
        | "LocationContextRequest" => &["name"],
        "NetworkConnectorRequest" | "HostConnectorRequest" => &["name", "vpnRegionId"],
        "NetworkRouteRequest" => &["value"],
        "UserCreateRequest" => &["username", "email"],
        "DnsRecordRequest" => &["domain"],
        "AccessItemSourceRequest" | "AccessItemDestinationRequest" => &["type"],
        "DomainAndComment" => &["domain"],
        _ => &[],
    }
}

/// Validate `v` against schema `name`; the error is a 400 `ErrorResponse`
/// whose `errorDetails` names every offending field.
pub fn check(name: &str, v: &Value) -> Result<(), Reply> {
    let Some(schema) = spec::schema(name) else {
        return Ok(());
    };
    let mut details = Map::new();
    if v.is_null() {
        add_detail(&mut details, "body", "NotNull", "the request body must not be null");
    }
    walk(name, schema, v, "", &mut details);
    if details.is_empty() {
        return Ok(());
    }
    let fields: Vec<&str> = details.keys().map(String::as_str).collect();
    Err(Reply::error(
        400,
        format!("Validation failed for {}", fields.join(", ")),
        details,
    ))
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn walk(name: &str, schema: &Value, v: &Value, path: &str, d: &mut Map<String, Value>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r.rsplit('/').next().unwrap_or(r);
        if let Some(s) = spec::schema(target) {
            walk(target, s, v, path, d);
        }
        return;
    }
    if v.is_null() {
        return;
    }
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("object");
    let here = if path.is_empty() { "body" } else { path };
    match ty {
        "object" => {
            let Some(obj) = v.as_object() else {
                add_detail(d, here, "TypeMismatch", "must be an object");
                return;
            };
            for field in required(name) {
                let missing = match obj.get(*field) {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    _ => false,
                };
                if missing {
                    add_detail(d, &join(path, field), "NotBlank", "must not be blank");
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, ps) in props {
                    if let Some(fv) = obj.get(k) {
                        walk("", ps, fv, &join(path, k), d);
                    }
                }
            }
        }
        "array" => {
            let Some(items) = v.as_array() else {
                add_detail(d, here, "TypeMismatch", "must be an array");
                return;
            };
            for (i, item) in items.iter().enumerate() {
                let at = format!("{here}[{i}]");
                if item.is_null() {
                    add_detail(d, &at, "NotNull", "must not be null");
                } else if let Some(is) = schema.get("items") {
                    walk("", is, item, &at, d);
                }
            }
        }
        "string" => match v.as_str() {
            None => add_detail(d, here, "TypeMismatch", "must be a string"),
            Some(s) => {
                if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
                    && !s.is_empty()
                    && !allowed.iter().any(|a| a.as_str() == Some(s))
                {
                    let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    add_detail(d, here, "InvalidEnum", &format!("must be one of {}", list.join(", ")));
                }
            }
        },
        "integer" => {
            let ok = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                _ => v.as_i64().is_some(),
            };
            if !ok {
                add_detail(d, here, "TypeMismatch", "must be an integer");
            }
        }
        "boolean" if !v.is_boolean() => {
            add_detail(d, here, "TypeMismatch", "must be a boolean");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(r: Result<(), Reply>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(reply) => match reply.body {
                crate::reply::Body::Json(v) => v["errorDetails"].as_object().unwrap().keys().cloned().collect(),
                _ => panic!("not json"),
            },
        }
    }

    #[test]
    fn missing_and_enum_and_nested() {
        assert_eq!(
            fields(check("NetworkCreateRequest", &json!({"name": "n"}))),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(check("NetworkCreateRequest", &json!({"description": "x"}))),
            vec!["name"]
        );
        assert_eq!(
            fields(check(
                "NetworkCreateRequest",
                &json!({"name": "n", "internetAccess": "NOPE"})
            )),
            vec!["internetAccess"]
        );
        assert_eq!(
            fields(check(
                "NetworkCreateRequest",
                &json!({"name": "n", "connectors": [{"name": "c"}]})
            )),
            vec!["connectors[0].vpnRegionId"]
        );
        assert_eq!(
            fields(check("NetworkCreateRequest", &json!({"name": "n", "egress": "yes"}))),
            vec!["egress"]
        );
        assert_eq!(fields(check("NetworkCreateRequest", &json!([]))), vec!["body"]);
    }

    #[test]
    fn lenient_inputs() {
        let go_style = json!({"id": "", "name": "n", "routes": null, "connectors": null, "internetAccess": "",
                              "connectionStatus": "", "unknown": {"x": 1}});
        assert!(check("NetworkCreateRequest", &go_style).is_ok());
        assert!(check("UserGroupRequest", &json!({"name": "g", "maxDevice": 3_000_000_000i64})).is_err());
    }

    #[test]
    fn nulls_that_cannot_be_stored() {
        assert_eq!(fields(check("HostCreateRequest", &Value::Null)), vec!["body"]);
        assert_eq!(
            fields(check(
                "NetworkCreateRequest",
                &json!({"name": "n", "gatewaysIds": [null, "g"]})
            )),
            vec!["gatewaysIds[0]"]
        );
        assert_eq!(
            fields(check(
                "NetworkCreateRequest",
                &json!({"name": "n", "connectors": [null, {"name": null, "vpnRegionId": "r"}]})
            )),
            vec!["connectors[0]", "connectors[1].name"]
        );
    }
}
