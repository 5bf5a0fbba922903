//! DNS log, access visibility and Cyber Shield domain lists.

use serde_json::{Value, json};

use super::Ctx;
use super::crud::{envelope, page_params};
use crate::db::s;
use crate::reply::{ApiResult, Reply};
use crate::rng::Rng;
use crate::timefmt::{now_unix, parse_instant};

const DOMAINS: &[&str] = &[
    "github.com",
    "api.openvpn.com",
    "intranet.corp.example",
    "mail.google.com",
    "slack.com",
    "login.microsoftonline.com",
    "jira.corp.example",
    "s3.amazonaws.com",
    "registry.npmjs.org",
    "crates.io",
    "ads.tracker.example",
    "wiki.corp.example",
];
const PER_HOUR: usize = 37;

/// `GET /api/v1/dns-log/user-dns-resolutions/page?startHour=&hoursBack=&page=&size=`.
pub fn page(c: &Ctx) -> ApiResult {
    let start_raw = c.required_q("startHour")?;
    let start = parse_instant(start_raw).ok_or_else(|| {
        Reply::field_error(
            "startHour",
            "InvalidFormat",
            "must be an ISO-8601 instant like 2024-01-01T10:00:00Z",
        )
    })?;
    let hour = start - start.rem_euclid(3600);
    if hour < now_unix() - 30 * 86_400 {
        return Err(Reply::field_error(
            "startHour",
            "Range",
            "must be within the last 30 days",
        ));
    }
    let hours_back = match c.q("hoursBack") {
        None | Some("") => 1,
        Some(h) => match h.parse::<i64>() {
            Ok(n @ 1..=2) => n,
            _ => return Err(Reply::field_error("hoursBack", "Range", "must be 1 or 2")),
        },
    };
    let p = page_params(c, 500, 10, 10_000)?;
    let db = c.db.read();
    let members: Vec<String> = db
        .users
        .iter()
        .take(16)
        .map(|u| format!("{}@tenant", s(&u.v, "username")))
        .collect();
    let mut entries: Vec<Value> = Vec::new();
    if db.dns_log_enabled {
        for h in 0..hours_back {
            let at = hour - h * 3600;
            let mut rng = Rng::new(at as u64);
            for i in 0..PER_HOUR {
                let domain = *rng.pick(DOMAINS);
                entries.push(json!({
                    "time": (at + (i as i64 * 3600 / PER_HOUR as i64)) * 1000,
                    "domain": domain,
                    "memberId": members.get(rng.below(members.len().max(1) as u64) as usize).cloned().unwrap_or_else(|| "member@tenant".into()),
                    "internalDomain": domain.ends_with(".example") && !domain.starts_with("ads."),
                    "allowedCount": rng.below(20),
                    "blockedCount": if domain.starts_with("ads.") { 1 + rng.below(5) } else { 0 },
                    "failedCount": rng.below(2),
                }));
            }
        }
    }
    let total = entries.len();
    let content = entries
        .into_iter()
        .skip(p.page.saturating_mul(p.size))
        .take(p.size)
        .collect();
    Ok(Reply::ok(envelope(content, total, p)))
}

pub fn set_enabled(c: &Ctx, on: bool) -> ApiResult {
    c.db.write().dns_log_enabled = on;
    Ok(Reply::empty(200))
}

pub fn set_visibility(c: &Ctx, on: bool) -> ApiResult {
    c.db.write().access_visibility_enabled = on;
    Ok(Reply::empty(200))
}

/// `POST /api/v1/cybershield/{block|allow}-list-add-domains`: at most 1000 items,
/// domain plus comment at most 150 characters, the last duplicate wins.
pub fn add_domains(c: &Ctx, block: bool) -> ApiResult {
    let req = c.json()?;
    let items = req
        .get("domainAndComments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() || items.len() > 1000 {
        return Err(Reply::field_error(
            "domainAndComments",
            "Size",
            "must hold 1 to 1000 items",
        ));
    }
    for (i, it) in items.iter().enumerate() {
        if s(it, "domain").chars().count() + s(it, "comment").chars().count() > 150 {
            return Err(Reply::field_error(
                &format!("domainAndComments[{i}]"),
                "Size",
                "domain and comment together must not exceed 150 characters",
            ));
        }
    }
    let mut db = c.db.write();
    let list = if block { &mut db.block_list } else { &mut db.allow_list };
    for it in items {
        list.insert(s(&it, "domain"), s(&it, "comment"));
    }
    Ok(Reply::empty(200))
}

/// `POST /api/v1/cybershield/{block|allow}-list-remove-domains`.
pub fn remove_domains(c: &Ctx, block: bool) -> ApiResult {
    let req = c.json()?;
    let Some(domains) = req.get("domains").and_then(Value::as_array).filter(|d| !d.is_empty()) else {
        return Err(Reply::field_error("domains", "NotEmpty", "must not be empty"));
    };
    let mut db = c.db.write();
    let list = if block { &mut db.block_list } else { &mut db.allow_list };
    for d in domains.iter().filter_map(Value::as_str) {
        list.shift_remove(d);
    }
    Ok(Reply::empty(200))
}
