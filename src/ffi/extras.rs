//! The C functions beyond plain CRUD: connector profiles and activation, user activation,
//! devices, regions, access group items, sessions, settings, DNS log, access visibility
//! and Cyber Shield. Same shape as `generated.rs`: `client` first, ids and strings as
//! (pointer, length) UTF-8, JSON bodies as (pointer, length), the optional `opts`, then
//! `json_out` (written only on success, freed with `ccx_bytes_free`), then the optional
//! `err_out`. Every answer is JSON: text answers come as a JSON string, yes/no answers as
//! `true`/`false`. Operations without an answer take no `json_out` (like `_delete`).
//!
//! Every argument pointer is checked for NULL before any argument's content is examined,
//! so a NULL pointer is always `CCX_CODE_NULL_PARAMETER`.

use std::ffi::c_char;

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::boundary::{bytes, json, out};
use super::client::ccx_client;
use super::code::ccx_code;
use super::error::ccx_error;
use super::options::ccx_call_options;
use super::resources::{answer, body, call, id, json_arg, optional_id, page_of, to_json};
use super::types::ccx_bytes;
use crate::api::dns_log::DnsLogQuery;
use crate::api::settings::Settings;
use crate::api::{
    AccessItem, AccessItemType, BundleType, ConnectAuth, DeviceEnforcement, DeviceRequest, DnsServers, DnsZone,
    DomainAndComment, DomainRoutingSubnet, IpAllocationMode, ProfileDistribution, SessionQuery, SessionStatus, Subnet,
    Topology,
};

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// A required id argument (non-empty UTF-8).
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes.
unsafe fn req<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, ccx_error> {
    // SAFETY: forwarded caller contract.
    unsafe { id(ptr, len, name) }
}

/// An optional id argument: `(NULL, 0)` or an empty string mean none.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes.
unsafe fn opt<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<Option<&'a str>, ccx_error> {
    // SAFETY: forwarded caller contract.
    unsafe { optional_id(ptr, len, name) }
}

/// Raw bytes of a JSON argument named `name` (NULL checked, not yet parsed).
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes.
unsafe fn raw<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], ccx_error> {
    // SAFETY: forwarded caller contract.
    unsafe { bytes(ptr, len, name) }
}

fn invalid_json(msg: impl Into<String>) -> ccx_error {
    ccx_error::new(ccx_code::InvalidJson, msg)
}

/// A required, non-empty JSON argument parsed into `T` (errors name the field).
fn parse<T: DeserializeOwned>(b: &[u8], name: &str) -> Result<T, ccx_error> {
    if b.is_empty() {
        return Err(invalid_json(format!("argument `{name}` is empty")));
    }
    json(b, name)
}

fn bundle_type(v: u32) -> Result<BundleType, ccx_error> {
    match v {
        0 => Ok(BundleType::Dmg),
        1 => Ok(BundleType::Msi),
        other => Err(ccx_error::invalid(format!(
            "bundle type {other} is not 0 (DMG) or 1 (MSI)"
        ))),
    }
}

/// A JSON string naming a value of an API enum; unknown names list the valid ones.
fn enum_of<T: Copy>(s: &str, what: &str, all: &[T], wire: fn(T) -> &'static str) -> Result<T, ccx_error> {
    all.iter().copied().find(|v| wire(*v) == s).ok_or_else(|| {
        let valid: Vec<&str> = all.iter().map(|v| wire(*v)).collect();
        invalid_json(format!("{what}: {s:?} is not one of {}", valid.join(", ")))
    })
}

fn access_item_type(s: &str) -> Result<AccessItemType, ccx_error> {
    enum_of(s, "argument `item_type`", AccessItemType::ALL, AccessItemType::as_str)
        .map_err(|e| ccx_error::invalid(e.message))
}

/// The items of a Cyber Shield add call: a JSON array of `{"domain", "comment"}`, each
/// with a non-blank `domain`.
fn domains_to_add(b: &[u8]) -> Result<Vec<DomainAndComment>, ccx_error> {
    let v: Value = parse(b, "json")?;
    let arr = v
        .as_array()
        .ok_or_else(|| invalid_json("argument `json` must be a JSON array of {\"domain\", \"comment\"}"))?;
    for (i, item) in arr.iter().enumerate() {
        let ok = matches!(item.get("domain"), Some(Value::String(s)) if !s.trim().is_empty());
        if !ok {
            return Err(invalid_json(format!(
                "argument `json`: missing required field `[{i}].domain`"
            )));
        }
    }
    json(b, "json")
}

/// The domains of a Cyber Shield remove call: a JSON array of strings.
fn domains_to_remove(b: &[u8]) -> Result<Vec<String>, ccx_error> {
    parse(b, "json")
}

/// The session query of `ccx_sessions_list`: every field optional, unknown fields refused.
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

fn session_query(b: &[u8]) -> Result<SessionQuery, ccx_error> {
    let q: SessionQueryJson = if b.is_empty() {
        SessionQueryJson::default()
    } else {
        json(b, "query_json")?
    };
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(enum_of(
            s,
            "argument `query_json` at `status`",
            SessionStatus::ALL,
            SessionStatus::as_str,
        )?),
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

fn dns_log_query(b: &[u8]) -> Result<DnsLogQuery, ccx_error> {
    let q: DnsLogQueryJson = parse(b, "query_json")?;
    let d = DnsLogQuery::new(q.start_hour);
    Ok(DnsLogQuery {
        hours_back: q.hours_back.unwrap_or(d.hours_back),
        page: q.page.unwrap_or(d.page),
        size: q.size.unwrap_or(d.size),
        ..d
    })
}

// ---------------------------------------------------------------------------------------
// Settings: one table row per setting, name = the path under /api/v1/settings/
// ---------------------------------------------------------------------------------------

type Getter = fn(&Settings<'_>) -> Result<Value, ccx_error>;
type Setter = fn(&Settings<'_>, &[u8]) -> Result<Value, ccx_error>;

/// One setting: its name, typed getter and (unless read-only) typed setter, both JSON.
struct Setting {
    name: &'static str,
    get: Getter,
    set: Option<Setter>,
}

fn val<T: Serialize>(r: crate::Result<T>) -> Result<Value, ccx_error> {
    serde_json::to_value(r?)
        .map_err(|e| ccx_error::new(ccx_code::Internal, format!("cannot serialise the answer: {e}")))
}

/// The new value of a setting, parsed into its type.
fn value<T: DeserializeOwned>(b: &[u8]) -> Result<T, ccx_error> {
    parse(b, "json_value")
}

/// The new value of an enum setting: a JSON string among the known values.
fn enum_value<T: Copy>(b: &[u8], all: &[T], wire: fn(T) -> &'static str) -> Result<T, ccx_error> {
    let s: String = value(b)?;
    enum_of(&s, "argument `json_value`", all, wire)
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "auth/trusted-devices-allowed",
        get: |s| val(s.trusted_devices_allowed()),
        set: Some(|s, b| val(s.set_trusted_devices_allowed(value(b)?))),
    },
    Setting {
        name: "auth/two-factor-auth",
        get: |s| val(s.two_factor_auth_enabled()),
        set: Some(|s, b| val(s.set_two_factor_auth_enabled(value(b)?))),
    },
    Setting {
        name: "auth/saml/group-mappings",
        get: |s| val(s.saml_group_mappings()),
        set: None,
    },
    Setting {
        name: "auth/ldap/group-mappings",
        get: |s| val(s.ldap_group_mappings()),
        set: None,
    },
    Setting {
        name: "dns/custom-servers",
        get: |s| val(s.dns_servers()),
        set: Some(|s, b| val(s.set_dns_servers(&value::<DnsServers>(b)?))),
    },
    Setting {
        name: "dns/default-suffix",
        get: |s| val(s.default_dns_suffix()),
        set: Some(|s, b| {
            let v: String = value(b)?;
            s.set_default_dns_suffix(&v)?;
            Ok(Value::String(v))
        }),
    },
    Setting {
        name: "dns/proxy-enabled",
        get: |s| val(s.dns_proxy_enabled()),
        set: Some(|s, b| val(s.set_dns_proxy_enabled(value(b)?))),
    },
    Setting {
        name: "dns/zones",
        get: |s| val(s.dns_zones()),
        set: Some(|s, b| val(s.set_dns_zones(&value::<Vec<DnsZone>>(b)?))),
    },
    Setting {
        name: "user/connect-auth",
        get: |s| val(s.default_connect_auth()),
        set: Some(|s, b| {
            let v = enum_value(b, ConnectAuth::ALL, ConnectAuth::as_str)?;
            s.set_default_connect_auth(v)?;
            Ok(Value::String(v.as_str().into()))
        }),
    },
    Setting {
        name: "user/device-allowance",
        get: |s| val(s.device_allowance_per_user()),
        set: Some(|s, b| val(s.set_device_allowance_per_user(value(b)?))),
    },
    Setting {
        name: "user/device-allowance-force-update",
        get: |s| val(s.force_update_device_allowance()),
        set: Some(|s, b| val(s.set_force_update_device_allowance(value(b)?))),
    },
    Setting {
        name: "user/device-enforcement",
        get: |s| val(s.device_enforcement()),
        set: Some(|s, b| {
            let v = enum_value(b, DeviceEnforcement::ALL, DeviceEnforcement::as_str)?;
            s.set_device_enforcement(v)?;
            Ok(Value::String(v.as_str().into()))
        }),
    },
    Setting {
        name: "user/profile-distribution",
        get: |s| val(s.profile_distribution()),
        set: Some(|s, b| {
            let v = enum_value(b, ProfileDistribution::ALL, ProfileDistribution::as_str)?;
            s.set_profile_distribution(v)?;
            Ok(Value::String(v.as_str().into()))
        }),
    },
    Setting {
        name: "users/connection-timeout",
        get: |s| val(s.connection_timeout()),
        set: Some(|s, b| val(s.set_connection_timeout(value(b)?))),
    },
    Setting {
        name: "wpc/client-options",
        get: |s| val(s.client_options()),
        set: Some(|s, b| val(s.set_client_options(&value::<Vec<String>>(b)?))),
    },
    Setting {
        name: "wpc/default-region",
        get: |s| val(s.default_region()),
        set: Some(|s, b| {
            let v: String = value(b)?;
            s.set_default_region(&v)?;
            Ok(Value::String(v))
        }),
    },
    Setting {
        name: "wpc/domain-routing-subnet",
        get: |s| val(s.domain_routing_subnet()),
        set: Some(|s, b| val(s.set_domain_routing_subnet(&value::<DomainRoutingSubnet>(b)?))),
    },
    Setting {
        name: "wpc/ip-allocation-mode",
        get: |s| val(s.ip_allocation_mode()),
        set: Some(|s, b| {
            let v = enum_value(b, IpAllocationMode::ALL, IpAllocationMode::as_str)?;
            s.set_ip_allocation_mode(v)?;
            Ok(Value::String(v.as_str().into()))
        }),
    },
    Setting {
        name: "wpc/routes-advanced-configuration-enabled",
        get: |s| val(s.routes_advanced_configuration_enabled()),
        set: Some(|s, b| val(s.set_routes_advanced_configuration_enabled(value(b)?))),
    },
    Setting {
        name: "wpc/snat",
        get: |s| val(s.snat_enabled()),
        set: Some(|s, b| val(s.set_snat_enabled(value(b)?))),
    },
    Setting {
        name: "wpc/subnet",
        get: |s| val(s.subnet()),
        set: Some(|s, b| val(s.set_subnet(&value::<Subnet>(b)?))),
    },
    Setting {
        name: "wpc/topology",
        get: |s| val(s.topology()),
        set: Some(|s, b| {
            let v = enum_value(b, Topology::ALL, Topology::as_str)?;
            s.set_topology(v)?;
            Ok(Value::String(v.as_str().into()))
        }),
    },
];

fn setting(name: &str) -> Result<&'static Setting, ccx_error> {
    SETTINGS.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        ccx_error::invalid(format!("unknown setting {name:?}; valid names: {}", names.join(", ")))
    })
}

fn value_json(v: &Value) -> Result<ccx_bytes, ccx_error> {
    to_json(v)
}

// ---------------------------------------------------------------------------------------
// Network connectors
// ---------------------------------------------------------------------------------------

/// Generate a new OpenVPN profile (the `.ovpn` text) of network connector `id`; it comes
/// back as a JSON string. Each call issues a new profile.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(&c.network_connectors().profile(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Revoke the profile of network connector `id`; the answer is JSON `true` when revoked.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_revoke_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(
            &c.network_connectors()
                .revoke_profile(unsafe { req(id, id_len, "id")? })?,
        )
    })
}

/// Generate an encrypted profile token of network connector `id` (the value pasted into
/// `openvpn-connector-setup`), as a JSON string.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_encrypted_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(
            &c.network_connectors()
                .encrypted_profile(unsafe { req(id, id_len, "id")? })?,
        )
    })
}

/// The URL of an installer bundling network connector `id` with its profile, as a JSON
/// string. `bundle_type`: 0 = DMG (macOS), 1 = MSI (Windows); other values are
/// `CCX_CODE_INVALID_PARAMETER`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_bundle(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    bundle_type: u32,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        to_json(&c.network_connectors().bundle(id, self::bundle_type(bundle_type)?)?)
    })
}

/// Activate network connector `id` (API v1.2).
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_activate(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.network_connectors().activate(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Suspend network connector `id` (API v1.2).
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_suspend(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.network_connectors().suspend(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Start the IPsec tunnel of IPsec network connector `id`.
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_start_ipsec(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.network_connectors().start_ipsec(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Stop the IPsec tunnel of IPsec network connector `id`.
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_network_connectors_stop_ipsec(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.network_connectors().stop_ipsec(unsafe { req(id, id_len, "id")? })?)
    })
}

// ---------------------------------------------------------------------------------------
// Host connectors
// ---------------------------------------------------------------------------------------

/// Generate a new OpenVPN profile (the `.ovpn` text) of host connector `id`; it comes back
/// as a JSON string. Each call issues a new profile.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(&c.host_connectors().profile(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Revoke the profile of host connector `id`; the answer is JSON `true` when revoked.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_revoke_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(&c.host_connectors().revoke_profile(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Generate an encrypted profile token of host connector `id`, as a JSON string.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_encrypted_profile(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(
            &c.host_connectors()
                .encrypted_profile(unsafe { req(id, id_len, "id")? })?,
        )
    })
}

/// The URL of an installer bundling host connector `id` with its profile, as a JSON
/// string. `bundle_type`: 0 = DMG (macOS), 1 = MSI (Windows); other values are
/// `CCX_CODE_INVALID_PARAMETER`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_bundle(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    bundle_type: u32,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        to_json(&c.host_connectors().bundle(id, self::bundle_type(bundle_type)?)?)
    })
}

/// Activate host connector `id` (API v1.2).
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_activate(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.host_connectors().activate(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Suspend host connector `id` (API v1.2).
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_host_connectors_suspend(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.host_connectors().suspend(unsafe { req(id, id_len, "id")? })?)
    })
}

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

/// Activate user `id` (API v1.2); its status becomes `ACTIVE`.
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_users_activate(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.users().activate(unsafe { req(id, id_len, "id")? })?)
    })
}

/// Suspend user `id` (API v1.2); its status becomes `SUSPENDED`.
///
/// NULL `client` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_users_suspend(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        Ok(c.users().suspend(unsafe { req(id, id_len, "id")? })?)
    })
}

// ---------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------

/// One page of devices as the API's page envelope JSON, only those of user `user_id`
/// unless it is empty (`(NULL, 0)` is empty); `page` from 0, `size` 1..=1000.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`, or a NULL `user_id` with a non-zero
/// length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any
/// thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_list(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    page: u32,
    size: u32,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { opt(user_id, user_id_len, "user_id")? };
        to_json(&c.devices().list(user, page_of(page, size))?)
    })
}

/// Every device (of user `user_id` unless it is empty), all pages, as a JSON array.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`, or a NULL `user_id` with a non-zero
/// length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any
/// thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_list_all(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { opt(user_id, user_id_len, "user_id")? };
        to_json(&c.devices().list_all(user)?)
    })
}

/// Device `id` of user `user_id`, as JSON (a device of another user is an HTTP 404).
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `user_id`, `id` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_get(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let id = unsafe { req(id, id_len, "id")? };
        to_json(&c.devices().get(user, id)?)
    })
}

/// Create a device of user `user_id` from a JSON body (required: "name"); the created
/// device comes back as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `user_id`, `json` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_create(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let b = unsafe { json_arg(json, json_len)? };
        to_json(&c.devices().create(user, &body::<DeviceRequest>(b, &["name"])?)?)
    })
}

/// Update device `id` of user `user_id` from a JSON body; the updated device comes back
/// as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `user_id`, `id`, `json` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_update(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    id: *const c_char,
    id_len: usize,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let id = unsafe { req(id, id_len, "id")? };
        let b = unsafe { json_arg(json, json_len)? };
        to_json(&c.devices().update(user, id, &body::<DeviceRequest>(b, &[])?)?)
    })
}

/// Delete device `id` of user `user_id`.
///
/// NULL `client`, `user_id` or `id`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may
/// be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_delete(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let id = unsafe { req(id, id_len, "id")? };
        Ok(c.devices().delete(user, id)?)
    })
}

/// Generate an OpenVPN profile of device `id` of user `user_id` in region `region_id`;
/// the `.ovpn` text comes back as a JSON string. An unknown region is an HTTP 400.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `user_id`, `id`, `region_id` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_generate_profile(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    id: *const c_char,
    id_len: usize,
    region_id: *const c_char,
    region_id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let id = unsafe { req(id, id_len, "id")? };
        let region = unsafe { req(region_id, region_id_len, "region_id")? };
        to_json(&c.devices().generate_profile(user, id, region)?)
    })
}

/// Revoke the profiles of device `id` of user `user_id`; the service's confirmation text
/// comes back as a JSON string.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `user_id`, `id` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_devices_revoke_profile(
    client: *const ccx_client,
    user_id: *const c_char,
    user_id_len: usize,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let user = unsafe { req(user_id, user_id_len, "user_id")? };
        let id = unsafe { req(id, id_len, "id")? };
        to_json(&c.devices().revoke_profile(user, id)?)
    })
}

// ---------------------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------------------

/// Every VPN region, as a JSON array (one call, not paged).
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts` and
/// `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_regions_list(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| to_json(&c.regions().list()?))
}

/// The VPN region with id `id` as JSON, or JSON `null` when there is none (the API has no
/// single-region call: this fetches the list and scans it).
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts`
/// and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_regions_get(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(&c.regions().get(unsafe { req(id, id_len, "id")? })?)
    })
}

// ---------------------------------------------------------------------------------------
// Access groups: single sources and destinations
// ---------------------------------------------------------------------------------------

/// Add a source to access group `id` from a JSON access item (`{"type": "USER_GROUP",
/// "allCovered": false, "parent": …, "children": […]}`; required: "type"); an item with
/// the same type and parent is merged. The group as stored comes back as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id`, `json` or `json_out`: `CCX_CODE_NULL_PARAMETER`;
/// `opts` and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_groups_add_source(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        let b = unsafe { json_arg(json, json_len)? };
        to_json(&c.access_groups().add_source(id, &body::<AccessItem>(b, &["type"])?)?)
    })
}

/// Add a destination to access group `id` from a JSON access item (required: "type").
/// The group as stored comes back as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id`, `json` or `json_out`: `CCX_CODE_NULL_PARAMETER`;
/// `opts` and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_groups_add_destination(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        let b = unsafe { json_arg(json, json_len)? };
        to_json(
            &c.access_groups()
                .add_destination(id, &body::<AccessItem>(b, &["type"])?)?,
        )
    })
}

/// Remove sources of access group `id`: every source of type `item_type` (the API
/// spelling, e.g. `USER_GROUP`, `NETWORK_SERVICE`, `HOST`), or only those under
/// `parent_id`, or only the child `child_id` of `parent_id`. `parent_id` and `child_id`
/// are optional (`(NULL, 0)` or empty: none); a child without a parent or an unknown type
/// is `CCX_CODE_INVALID_PARAMETER`. The group as stored comes back as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id`, `item_type` or `json_out`, or a NULL optional
/// id with a non-zero length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_groups_remove_source(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    item_type: *const c_char,
    item_type_len: usize,
    parent_id: *const c_char,
    parent_id_len: usize,
    child_id: *const c_char,
    child_id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        let kind = unsafe { req(item_type, item_type_len, "item_type")? };
        let parent = unsafe { opt(parent_id, parent_id_len, "parent_id")? };
        let child = unsafe { opt(child_id, child_id_len, "child_id")? };
        to_json(
            &c.access_groups()
                .remove_source(id, access_item_type(kind)?, parent, child)?,
        )
    })
}

/// Remove destinations of access group `id`; arguments as `ccx_access_groups_remove_source`
/// (types `USER_GROUP`, `NETWORK_SERVICE`, `HOST_SERVICE`, `PUBLISHED_SERVICE`). The group
/// as stored comes back as JSON.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `id`, `item_type` or `json_out`, or a NULL optional
/// id with a non-zero length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_groups_remove_destination(
    client: *const ccx_client,
    id: *const c_char,
    id_len: usize,
    item_type: *const c_char,
    item_type_len: usize,
    parent_id: *const c_char,
    parent_id_len: usize,
    child_id: *const c_char,
    child_id_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let id = unsafe { req(id, id_len, "id")? };
        let kind = unsafe { req(item_type, item_type_len, "item_type")? };
        let parent = unsafe { opt(parent_id, parent_id_len, "parent_id")? };
        let child = unsafe { opt(child_id, child_id_len, "child_id")? };
        to_json(
            &c.access_groups()
                .remove_destination(id, access_item_type(kind)?, parent, child)?,
        )
    })
}

// ---------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------

/// One page of VPN sessions as JSON `{"sessions": […], "nextCursor": …}`. `query_json` is
/// a JSON object, every field optional: `size` (1..=100, default 100), `startDate`,
/// `endDate` (RFC 3339), `status` (`ACTIVE`, `COMPLETED`, `FAILED`), `returnOnlyNew`
/// (bool), `cursor` (a previous page's `nextCursor`); `(NULL, 0)` means all defaults.
/// Unknown fields and bad types are `CCX_CODE_INVALID_JSON` naming the field.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`, or a NULL `query_json` with a non-zero
/// length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any
/// thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_sessions_list(
    client: *const ccx_client,
    query_json: *const u8,
    query_json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let q = unsafe { raw(query_json, query_json_len, "query_json")? };
        to_json(&c.sessions().list(&session_query(q)?)?)
    })
}

/// Every VPN session matching `query_json` (as `ccx_sessions_list`), following the
/// cursors from `cursor` on, as a JSON array.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`, or a NULL `query_json` with a non-zero
/// length: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any
/// thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_sessions_list_all(
    client: *const ccx_client,
    query_json: *const u8,
    query_json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let q = unsafe { raw(query_json, query_json_len, "query_json")? };
        to_json(&c.sessions().list_all(&session_query(q)?)?)
    })
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/// The names `ccx_settings_get` and `ccx_settings_set` accept, as a JSON array of
/// `{"name": "wpc/topology", "writable": true}`. Makes no request.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `json_out`: `CCX_CODE_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `json_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_settings_names(json_out: *mut ccx_bytes) -> ccx_code {
    super::boundary::guard(std::ptr::null_mut(), || {
        // SAFETY: caller contract.
        let o = unsafe { out(json_out, "json_out")? };
        let names: Vec<Value> = SETTINGS
            .iter()
            .map(|s| serde_json::json!({ "name": s.name, "writable": s.set.is_some() }))
            .collect();
        *o = to_json(&names)?;
        Ok(())
    })
}

/// Read one account setting as JSON. `name` is its path under `/api/v1/settings/`, e.g.
/// `wpc/topology` (a JSON string such as `"FULL_MESH"`), `wpc/snat` (`true`/`false`),
/// `user/device-allowance` (a number), `dns/zones` (an array), `wpc/subnet` (an object),
/// `dns/custom-servers` (an object, or `null` when none), `auth/saml/group-mappings`;
/// `ccx_settings_names` lists them all. An unknown name is `CCX_CODE_INVALID_PARAMETER`,
/// the message listing the valid names.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `name` or `json_out`: `CCX_CODE_NULL_PARAMETER`;
/// `opts` and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_settings_get(
    client: *const ccx_client,
    name: *const c_char,
    name_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let name = unsafe { req(name, name_len, "name")? };
        value_json(&(setting(name)?.get)(&c.settings())?)
    })
}

/// Change one account setting. `name` as in `ccx_settings_get`; `json_value` is the new
/// value in the same JSON shape the getter answers (`"CUSTOM"`, `true`, `3`, `["a"]`,
/// `{"ipV4Address": …}`). The stored value comes back as JSON; for the text settings
/// (`dns/default-suffix`, `wpc/default-region` and the enum ones), whose API answer has
/// no value, it is the value sent. An unknown name or a read-only setting (the SAML and
/// LDAP group mappings) is `CCX_CODE_INVALID_PARAMETER`; a value of the wrong type or an
/// unknown enum value is `CCX_CODE_INVALID_JSON`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `name`, `json_value` or `json_out`:
/// `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL. Thread-safe: any thread,
/// concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_settings_set(
    client: *const ccx_client,
    name: *const c_char,
    name_len: usize,
    json_value: *const u8,
    json_value_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        let name = unsafe { req(name, name_len, "name")? };
        if json_value.is_null() {
            return Err(ccx_error::null("json_value"));
        }
        let b = unsafe { raw(json_value, json_value_len, "json_value")? };
        let s = setting(name)?;
        let set = s
            .set
            .ok_or_else(|| ccx_error::invalid(format!("setting {name:?} is read-only")))?;
        value_json(&set(&c.settings(), b)?)
    })
}

// ---------------------------------------------------------------------------------------
// DNS log
// ---------------------------------------------------------------------------------------

/// Whether DNS resolutions are recorded (API v1.2), as JSON `true`/`false`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts` and
/// `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_dns_log_enabled(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| to_json(&c.dns_log().enabled()?))
}

/// Start recording DNS resolutions.
///
/// NULL `client`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_dns_log_enable(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| Ok(c.dns_log().enable()?))
}

/// Stop recording DNS resolutions (the log then reads empty).
///
/// NULL `client`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_dns_log_disable(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| Ok(c.dns_log().disable()?))
}

/// One page of the DNS log as the API's page envelope JSON. `query_json` is a JSON object:
/// `startHour` (required, RFC 3339, at most 30 days back), `hoursBack` (1 or 2, default
/// 1), `page` (from 0, default 0), `size` (10..=10000, default 500). A missing `startHour`,
/// unknown fields and bad types are `CCX_CODE_INVALID_JSON` naming the field; values out
/// of range are `CCX_CODE_INVALID_PARAMETER`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `query_json` or `json_out`: `CCX_CODE_NULL_PARAMETER`;
/// `opts` and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_dns_log_page(
    client: *const ccx_client,
    query_json: *const u8,
    query_json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        if query_json.is_null() {
            return Err(ccx_error::null("query_json"));
        }
        let q = unsafe { raw(query_json, query_json_len, "query_json")? };
        to_json(&c.dns_log().page(&dns_log_query(q)?)?)
    })
}

/// Every DNS log entry of the hours chosen by `query_json` (as `ccx_dns_log_page`; its
/// `page` and `size` are ignored), all pages, as a JSON array.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client`, `query_json` or `json_out`: `CCX_CODE_NULL_PARAMETER`;
/// `opts` and `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_dns_log_list_all(
    client: *const ccx_client,
    query_json: *const u8,
    query_json_len: usize,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        if query_json.is_null() {
            return Err(ccx_error::null("query_json"));
        }
        let q = unsafe { raw(query_json, query_json_len, "query_json")? };
        to_json(&c.dns_log().list_all(&dns_log_query(q)?)?)
    })
}

// ---------------------------------------------------------------------------------------
// Access visibility
// ---------------------------------------------------------------------------------------

/// Whether access visibility is on (API v1.2), as JSON `true`/`false`.
///
/// `json_out` is written only on success and owned by the caller (free it with
/// `ccx_bytes_free`). NULL `client` or `json_out`: `CCX_CODE_NULL_PARAMETER`; `opts` and
/// `err_out` may be NULL. Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_visibility_enabled(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    answer(client, opts, json_out, err_out, |c| {
        to_json(&c.access_visibility().enabled()?)
    })
}

/// Turn access visibility on (API v1.2).
///
/// NULL `client`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_visibility_enable(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| Ok(c.access_visibility().enable()?))
}

/// Turn access visibility off (API v1.2).
///
/// NULL `client`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_access_visibility_disable(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| Ok(c.access_visibility().disable()?))
}

// ---------------------------------------------------------------------------------------
// Cyber Shield
// ---------------------------------------------------------------------------------------

/// Add domains to the Cyber Shield block list. `json` is a JSON array of
/// `{"domain": "ads.example", "comment": "why"}` (1 to 1000 items, each domain plus comment
/// at most 150 characters); an item without a non-blank `domain` is
/// `CCX_CODE_INVALID_JSON` naming it, the limits are `CCX_CODE_INVALID_PARAMETER`.
///
/// NULL `client` or `json`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cybershield_block_list_add(
    client: *const ccx_client,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        let b = unsafe { raw(json, json_len, "json")? };
        Ok(c.cybershield().block_list_add(&domains_to_add(b)?)?)
    })
}

/// Remove domains from the Cyber Shield block list. `json` is a JSON array of domain
/// strings; an empty array is `CCX_CODE_INVALID_PARAMETER`.
///
/// NULL `client` or `json`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cybershield_block_list_remove(
    client: *const ccx_client,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        let b = unsafe { raw(json, json_len, "json")? };
        Ok(c.cybershield().block_list_remove(&domains_to_remove(b)?)?)
    })
}

/// Add domains to the Cyber Shield allow list; `json` and limits as
/// `ccx_cybershield_block_list_add`.
///
/// NULL `client` or `json`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cybershield_allow_list_add(
    client: *const ccx_client,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        let b = unsafe { raw(json, json_len, "json")? };
        Ok(c.cybershield().allow_list_add(&domains_to_add(b)?)?)
    })
}

/// Remove domains from the Cyber Shield allow list; `json` as
/// `ccx_cybershield_block_list_remove`.
///
/// NULL `client` or `json`: `CCX_CODE_NULL_PARAMETER`; `opts` and `err_out` may be NULL.
/// Thread-safe: any thread, concurrently on one client.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_cybershield_allow_list_remove(
    client: *const ccx_client,
    json: *const u8,
    json_len: usize,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        let b = unsafe { raw(json, json_len, "json")? };
        Ok(c.cybershield().allow_list_remove(&domains_to_remove(b)?)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_name_is_unique() {
        let mut names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn unknown_setting_lists_the_valid_names() {
        let e = setting("wpc/nope").err().unwrap();
        assert_eq!(e.code, ccx_code::InvalidParameter);
        assert!(
            e.message.contains("wpc/topology") && e.message.contains("dns/zones"),
            "{}",
            e.message
        );
    }

    #[test]
    fn queries_name_bad_fields() {
        let e = session_query(br#"{"sizee": 3}"#).err().unwrap();
        assert_eq!(e.code, ccx_code::InvalidJson);
        assert!(e.message.contains("sizee"), "{}", e.message);
        let e = session_query(br#"{"status": "NOPE"}"#).err().unwrap();
        assert!(e.message.contains("ACTIVE"), "{}", e.message);
        assert_eq!(session_query(b"").ok().unwrap(), SessionQuery::default());
        let e = dns_log_query(b"{}").err().unwrap();
        assert!(e.message.contains("startHour"), "{}", e.message);
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
        assert_eq!(e.code, ccx_code::InvalidJson);
        assert!(e.message.contains("[1].domain"), "{}", e.message);
        assert_eq!(domains_to_add(br#"[{"domain": "a.example"}]"#).ok().unwrap().len(), 1);
        assert!(domains_to_remove(br#"{"domains": []}"#).is_err());
    }

    #[test]
    fn bundle_and_item_types() {
        assert_eq!(bundle_type(1).ok().unwrap(), BundleType::Msi);
        assert_eq!(bundle_type(2).err().unwrap().code, ccx_code::InvalidParameter);
        assert_eq!(access_item_type("HOST").ok().unwrap(), AccessItemType::Host);
        assert_eq!(access_item_type("host").err().unwrap().code, ccx_code::InvalidParameter);
    }
}
