//! The arguments of the operations beyond CRUD, from the bytes a binding received to the
//! typed values the Rust services take: queries, domain lists, device and access-item
//! bodies, enum names and settings by name. One copy for every binding: the C ABI uses
//! it as `ffi::convert`, and `ccx` includes this file (`cli/src/ops.rs`), so the C
//! functions and the `ccx` verbs that `build.rs` generates from `codegen/table.rs`
//! check their input the same way. Errors say which argument and field is wrong.
//!
//! `super::cc` is the library (`crate` here, `cloudconnexa` in `ccx`).

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::cc;
use cc::api::access_groups::{AccessItem, AccessItemType};
use cc::api::connectors::BundleType;
use cc::api::cybershield::DomainAndComment;
use cc::api::devices::DeviceRequest;
use cc::api::dns_log::DnsLogQuery;
use cc::api::sessions::{SessionQuery, SessionStatus};
use cc::api::settings::Settings;

#[path = "settings_gen.rs"]
#[rustfmt::skip]
mod settings_gen;

/// Why an argument was refused, or the call's own error.
#[derive(Debug)]
pub(crate) enum Bad {
    /// Malformed JSON, a wrong type, a missing or unknown field (C: `CCX_CODE_INVALID_JSON`).
    Json(String),
    /// A value out of range or unknown (C: `CCX_CODE_INVALID_PARAMETER`).
    Param(String),
    /// The call failed.
    Api(cc::Error),
}

impl From<cc::Error> for Bad {
    fn from(e: cc::Error) -> Bad {
        Bad::Api(e)
    }
}

/// Parse one JSON value (nothing after it but whitespace) into `T`; errors name the
/// argument and the field path.
pub(crate) fn json<T: DeserializeOwned>(b: &[u8], name: &str) -> Result<T, Bad> {
    let de = &mut serde_json::Deserializer::from_slice(b);
    let v: T = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        Bad::Json(format!("argument `{name}`{at}: {}", e.inner()))
    })?;
    de.end().map_err(|e| Bad::Json(format!("argument `{name}`: {e}")))?;
    Ok(v)
}

/// A required, non-empty JSON argument parsed into `T`.
fn parse<T: DeserializeOwned>(b: &[u8], name: &str) -> Result<T, Bad> {
    if b.is_empty() {
        return Err(Bad::Json(format!("argument `{name}` is empty")));
    }
    json(b, name)
}

/// A JSON argument passed on as bytes (its reader parses it).
pub(crate) fn raw(b: &[u8]) -> Result<&[u8], Bad> {
    Ok(b)
}

/// A JSON object body: the `required` top-level fields present and not blank, then
/// parsed into the request model `T`.
pub(crate) fn body<T: DeserializeOwned>(b: &[u8], required: &[&str]) -> Result<T, Bad> {
    if b.is_empty() {
        return Err(Bad::Json("argument `json` is empty".into()));
    }
    // always an object: serde would otherwise take a JSON array as the fields in order
    let v: Value = json(b, "json")?;
    let obj = v
        .as_object()
        .ok_or_else(|| Bad::Json("argument `json` must be a JSON object".into()))?;
    for f in required {
        let missing = match obj.get(*f) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        };
        if missing {
            return Err(Bad::Json(format!("argument `json`: missing required field `{f}`")));
        }
    }
    json(b, "json")
}

/// The body of a device create (required: `name`).
pub(crate) fn device_create(b: &[u8]) -> Result<DeviceRequest, Bad> {
    body(b, &["name"])
}

/// The body of a device update.
pub(crate) fn device_update(b: &[u8]) -> Result<DeviceRequest, Bad> {
    body(b, &[])
}

/// An access group source or destination (required: `type`).
pub(crate) fn access_item(b: &[u8]) -> Result<AccessItem, Bad> {
    body(b, &["type"])
}

/// The installer type of a connector bundle: 0 = DMG, 1 = MSI.
pub(crate) fn bundle_type(v: u32) -> Result<BundleType, Bad> {
    match v {
        0 => Ok(BundleType::Dmg),
        1 => Ok(BundleType::Msi),
        other => Err(Bad::Param(format!("bundle type {other} is not 0 (DMG) or 1 (MSI)"))),
    }
}

/// A value of an API enum by its wire name; an unknown name lists the valid ones.
fn enum_of<T: Copy>(s: &str, what: &str, all: &[T], wire: fn(T) -> &'static str) -> Result<T, String> {
    all.iter().copied().find(|v| wire(*v) == s).ok_or_else(|| {
        let valid: Vec<&str> = all.iter().map(|v| wire(*v)).collect();
        format!("{what}: {s:?} is not one of {}", valid.join(", "))
    })
}

/// An access item type by its API spelling (`USER_GROUP`, `HOST`…).
pub(crate) fn access_item_type(s: &str) -> Result<AccessItemType, Bad> {
    enum_of(s, "argument `item_type`", AccessItemType::ALL, AccessItemType::as_str).map_err(Bad::Param)
}

/// The items of a Cyber Shield add call: a JSON array of `{"domain", "comment"}`, each
/// with a non-blank `domain`.
pub(crate) fn domains_to_add(b: &[u8]) -> Result<Vec<DomainAndComment>, Bad> {
    let v: Value = parse(b, "json")?;
    let arr = v
        .as_array()
        .ok_or_else(|| Bad::Json("argument `json` must be a JSON array of {\"domain\", \"comment\"}".into()))?;
    for (i, item) in arr.iter().enumerate() {
        if !matches!(item.get("domain"), Some(Value::String(s)) if !s.trim().is_empty()) {
            return Err(Bad::Json(format!(
                "argument `json`: missing required field `[{i}].domain`"
            )));
        }
    }
    json(b, "json")
}

/// The domains of a Cyber Shield remove call: a JSON array of strings.
pub(crate) fn domains_to_remove(b: &[u8]) -> Result<Vec<String>, Bad> {
    parse(b, "json")
}

/// The session query: every field optional, unknown fields refused.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SessionQueryJson {
    size: Option<u32>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
    return_only_new: Option<bool>,
    cursor: Option<String>,
}

/// A session query from JSON; empty means every default.
pub(crate) fn session_query(b: &[u8]) -> Result<SessionQuery, Bad> {
    let q: SessionQueryJson = if b.is_empty() {
        SessionQueryJson::default()
    } else {
        json(b, "query_json")?
    };
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            enum_of(
                s,
                "argument `query_json` at `status`",
                SessionStatus::ALL,
                SessionStatus::as_str,
            )
            .map_err(Bad::Json)?,
        ),
    };
    let d = SessionQuery::default();
    Ok(SessionQuery {
        size: q.size.unwrap_or(d.size),
        start_date: q.start_date,
        end_date: q.end_date,
        status,
        return_only_new: q.return_only_new.unwrap_or(false),
        cursor: q.cursor,
    })
}

/// The DNS log query: `startHour` required, the rest optional, unknown fields refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DnsLogQueryJson {
    start_hour: String,
    hours_back: Option<u32>,
    page: Option<u32>,
    size: Option<u32>,
}

/// A DNS log query from JSON.
pub(crate) fn dns_log_query(b: &[u8]) -> Result<DnsLogQuery, Bad> {
    let q: DnsLogQueryJson = parse(b, "query_json")?;
    let d = DnsLogQuery::new(q.start_hour);
    Ok(DnsLogQuery {
        hours_back: q.hours_back.unwrap_or(d.hours_back),
        page: q.page.unwrap_or(d.page),
        size: q.size.unwrap_or(d.size),
        ..d
    })
}

type Reader = fn(&Settings<'_>) -> Result<Value, Bad>;
type Writer = fn(&Settings<'_>, &[u8]) -> Result<Value, Bad>;

/// One account setting by name (the table is generated from `codegen/table.rs`).
pub(crate) struct Setting {
    /// Its path under `/api/v1/settings/`.
    pub name: &'static str,
    /// Its `Settings` getter, dashed (`ccx` accepts it too): `device-allowance-per-user`.
    pub alias: &'static str,
    get: Reader,
    set: Option<Writer>,
}

impl Setting {
    /// The current value, as JSON.
    pub fn read(&self, s: &Settings<'_>) -> Result<Value, Bad> {
        (self.get)(s)
    }

    /// Store `value` (JSON in the getter's shape); the stored value comes back.
    pub fn write(&self, s: &Settings<'_>, value: &[u8]) -> Result<Value, Bad> {
        let set = self
            .set
            .ok_or_else(|| Bad::Param(format!("setting {:?} is read-only", self.name)))?;
        set(s, value)
    }

    /// Whether it can be changed.
    pub fn writable(&self) -> bool {
        self.set.is_some()
    }
}

/// Every setting.
pub(crate) fn settings() -> &'static [Setting] {
    settings_gen::SETTINGS
}

/// A setting by its path (or its dashed getter name); an unknown name lists the valid ones.
pub(crate) fn setting(name: &str) -> Result<&'static Setting, Bad> {
    settings()
        .iter()
        .find(|s| s.name == name || s.alias == name)
        .ok_or_else(|| {
            let names: Vec<&str> = settings().iter().map(|s| s.name).collect();
            Bad::Param(format!("unknown setting {name:?}; valid names: {}", names.join(", ")))
        })
}

/// The settings as `[{"name": …, "writable": …}]`.
pub(crate) fn setting_names() -> Result<Value, Bad> {
    Ok(settings()
        .iter()
        .map(|s| serde_json::json!({ "name": s.name, "writable": s.writable() }))
        .collect())
}

/// A typed answer as JSON.
fn val<T: Serialize>(r: cc::Result<T>) -> Result<Value, Bad> {
    serde_json::to_value(r?).map_err(|e| Bad::Json(format!("cannot serialise the answer: {e}")))
}

/// The new value of a setting, parsed into its type.
fn value<T: DeserializeOwned>(b: &[u8]) -> Result<T, Bad> {
    parse(b, "json_value")
}

/// The new value of an enum setting: a JSON string among the known values.
fn enum_value<T: Copy>(b: &[u8], all: &[T], wire: fn(T) -> &'static str) -> Result<T, Bad> {
    let s: String = value(b)?;
    enum_of(&s, "argument `json_value`", all, wire).map_err(Bad::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: Bad) -> String {
        match b {
            Bad::Json(m) | Bad::Param(m) => m,
            Bad::Api(e) => e.to_string(),
        }
    }

    #[test]
    fn every_setting_name_is_unique() {
        let mut names: Vec<&str> = settings().iter().flat_map(|s| [s.name, s.alias]).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn unknown_setting_lists_the_valid_names() {
        let e = setting("wpc/nope").err().unwrap();
        assert!(matches!(e, Bad::Param(_)));
        let m = msg(e);
        assert!(m.contains("wpc/topology") && m.contains("dns/zones"), "{m}");
        assert_eq!(setting("topology").ok().unwrap().name, "wpc/topology");
        assert!(!setting("auth/saml/group-mappings").ok().unwrap().writable());
    }

    #[test]
    fn queries_name_bad_fields() {
        let e = session_query(br#"{"sizee": 3}"#).err().unwrap();
        assert!(matches!(&e, Bad::Json(m) if m.contains("sizee")), "{e:?}");
        let e = session_query(br#"{"status": "NOPE"}"#).err().unwrap();
        assert!(msg(e).contains("ACTIVE"));
        assert_eq!(session_query(b"").ok().unwrap(), SessionQuery::default());
        let e = dns_log_query(b"{}").err().unwrap();
        assert!(msg(e).contains("startHour"));
        let q = dns_log_query(br#"{"startHour": "2024-01-01T00:00:00Z", "size": 10}"#)
            .ok()
            .unwrap();
        assert_eq!((q.hours_back, q.page, q.size), (1, 0, 10));
    }

    #[test]
    fn cybershield_items_need_a_domain() {
        let e = domains_to_add(br#"[{"domain": "a.example"}, {"comment": "x"}]"#)
            .err()
            .unwrap();
        assert!(matches!(&e, Bad::Json(m) if m.contains("[1].domain")), "{e:?}");
        assert_eq!(domains_to_add(br#"[{"domain": "a.example"}]"#).ok().unwrap().len(), 1);
        assert!(domains_to_remove(br#"{"domains": []}"#).is_err());
    }

    #[test]
    fn bundle_and_item_types() {
        assert_eq!(bundle_type(1).ok().unwrap(), BundleType::Msi);
        assert!(matches!(bundle_type(2), Err(Bad::Param(_))));
        assert_eq!(access_item_type("HOST").ok().unwrap(), AccessItemType::Host);
        assert!(matches!(access_item_type("host"), Err(Bad::Param(_))));
    }

    #[test]
    fn bodies_are_objects_with_their_required_fields() {
        for bad in [&b"[]"[..], b"[\"x\"]", b"1", b"\"x\"", b""] {
            assert!(matches!(device_update(bad), Err(Bad::Json(_))));
        }
        assert!(matches!(device_create(br#"{"name":" "}"#), Err(Bad::Json(m)) if m.contains("name")));
        assert!(device_create(br#"{"name":"d"}"#).is_ok());
        assert!(matches!(json::<Value>(b"{} x", "json"), Err(Bad::Json(m)) if m.contains("trailing")));
    }
}
