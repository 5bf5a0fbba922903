//! The control API under `/__mock/`: stats, fault rules, run-time config,
//! token expiry, extra API keys and data reset. JSON in and out, no auth.

use std::time::Instant;

use serde_json::{Value, json};

use crate::api::parse_json;
use crate::faults::FaultRule;
use crate::reply::Reply;
use crate::state::{RuntimeConfig, Shared};

pub fn handle(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Reply {
    match (method, path.trim_end_matches('/')) {
        ("GET", "/__mock/health") => Reply::ok(json!({ "status": "ok" })),
        ("GET", "/__mock/stats") => Reply::ok(shared.stats.snapshot()),
        ("POST", "/__mock/stats/reset") => {
            shared.stats.reset();
            Reply::ok(shared.stats.snapshot())
        }
        ("GET", "/__mock/faults") => Reply::ok(json!({ "rules": shared.faults.rules() })),
        ("PUT", "/__mock/faults") => match rules(body) {
            Ok(r) => {
                shared.set_faults(r);
                Reply::ok(json!({ "rules": shared.faults.rules() }))
            }
            Err(e) => e,
        },
        ("POST", "/__mock/faults") => match parse_json(body).and_then(|v| rule(&v)) {
            Ok(r) => {
                shared.add_fault(r);
                Reply::ok(json!({ "rules": shared.faults.rules() }))
            }
            Err(e) => e,
        },
        ("DELETE", "/__mock/faults") => {
            shared.set_faults(Vec::new());
            Reply::ok(json!({ "rules": [] }))
        }
        ("GET", "/__mock/config") => Reply::ok(serde_json::to_value(shared.config()).unwrap_or_default()),
        ("PUT", "/__mock/config") => match update_config(shared, body) {
            Ok(c) => Reply::ok(serde_json::to_value(c).unwrap_or_default()),
            Err(e) => e,
        },
        ("POST", "/__mock/tokens/expire") => Reply::ok(json!({ "expired": shared.auth.expire_all(Instant::now()) })),
        ("POST", "/__mock/credentials") => match parse_json(body) {
            Ok(v) => match (v["client_id"].as_str(), v["client_secret"].as_str()) {
                (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                    shared.auth.add_credentials(id, secret);
                    Reply::ok(json!({ "client_id": id }))
                }
                _ => Reply::bad_request("body must be {\"client_id\": \"…\", \"client_secret\": \"…\"}"),
            },
            Err(e) => e,
        },
        ("POST", "/__mock/reset") => {
            shared.reset_data();
            Reply::ok(json!({ "reset": true }))
        }
        _ => Reply::error(404, format!("No control endpoint {method} {path}"), Default::default()),
    }
}

fn rule(v: &Value) -> Result<FaultRule, Reply> {
    let r: FaultRule =
        serde_json::from_value(v.clone()).map_err(|e| Reply::bad_request(format!("invalid fault rule: {e}")))?;
    r.check().map_err(Reply::bad_request)?;
    Ok(r)
}

fn rules(body: &[u8]) -> Result<Vec<FaultRule>, Reply> {
    let v = parse_json(body)?;
    let list = v
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(|| Reply::bad_request("body must be {\"rules\": [...]}"))?;
    list.iter().map(rule).collect()
}

/// Merge a partial config into the current one.
fn update_config(shared: &Shared, body: &[u8]) -> Result<RuntimeConfig, Reply> {
    let patch = parse_json(body)?;
    let Value::Object(patch) = patch else {
        return Err(Reply::bad_request("body must be a JSON object"));
    };
    let mut cur = serde_json::to_value(shared.config()).unwrap_or_default();
    for (k, v) in patch {
        match (cur.get_mut(&k), v) {
            (Some(Value::Object(dst)), Value::Object(src)) => dst.extend(src),
            (Some(slot), v) => *slot = v,
            (None, _) => return Err(Reply::bad_request(format!("unknown config key {k}"))),
        }
    }
    let new: RuntimeConfig =
        serde_json::from_value(cur).map_err(|e| Reply::bad_request(format!("invalid config: {e}")))?;
    shared.set_config(new.clone());
    Ok(new)
}
