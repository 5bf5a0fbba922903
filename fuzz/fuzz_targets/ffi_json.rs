//! The C ABI functions that take JSON: every `_create` and `_update`, device create and
//! update, access group items, session and DNS log queries, `ccx_settings_set` (every
//! setting) and Cyber Shield lists, and `ccx_client_request`'s query and body. They run
//! on an offline client (see `common::offline`): arguments are checked, nothing is sent.
//!
//! Input: one byte choosing the function (and for settings a second choosing the name;
//! for raw requests a method byte and the query JSON up to `\0`), then the JSON.
//!
//! Checks: no panic caught at the boundary, error object and output as documented,
//! only argument errors or the cancellation, and a body the C ABI let through decodes
//! as the typed request model.
#![no_main]

mod common;

use std::sync::OnceLock;

use cloudconnexa::api;
use cloudconnexa::fuzzing::ffi::code::ccx_code;
use cloudconnexa::fuzzing::ffi::generated::*;
use cloudconnexa::fuzzing::ffi::types::ccx_bytes_free;
use common::{Call, Input, Offline, answer, bytes, unit};
use libfuzzer_sys::fuzz_target;

const ID: &[u8] = b"id-1";
const PARENT: &[u8] = b"parent-1";

/// A body that the C ABI let through (the call got as far as the cancellation) must
/// decode as the typed model.
fn typed<T: serde::de::DeserializeOwned>(code: ccx_code, json: &[u8]) -> ccx_code {
    if code == ccx_code::Cancelled {
        if let Err(e) = serde_json::from_slice::<T>(json) {
            panic!(
                "{} accepted {:?}: {e}",
                std::any::type_name::<T>(),
                String::from_utf8_lossy(json)
            );
        }
    }
    code
}

/// `$f(client, [id, id_len, …,] json, json_len, opts, json_out, err)` with the rest of the
/// input as the JSON: `json!(f(ids…) as Model)` also checks that a body let through
/// decodes as `Model`.
macro_rules! json {
    ($f:ident($($id:expr),*) $(as $t:ty)?) => {
        (
            stringify!($f),
            (|o: &Offline, input: &mut Input| {
                let j = input.rest();
                let code = answer(|out, err| unsafe {
                    $f(o.client, $($id.as_ptr().cast(), $id.len(),)* j.as_ptr(), j.len(), o.opts, out, err)
                });
                $(let code = typed::<$t>(code, j);)?
                code
            }) as Call,
        )
    };
}

/// `create!(f, Model)`: `f(client, json, …)`.
macro_rules! create {
    ($f:ident, $t:ty) => {
        json!($f() as $t)
    };
}

/// `child_create!(f, Model)`: `f(client, parent_id, json, …)`.
macro_rules! child_create {
    ($f:ident, $t:ty) => {
        json!($f(PARENT) as $t)
    };
}

/// `update!(f, Model)`: `f(client, id, json, …)`.
macro_rules! update {
    ($f:ident, $t:ty) => {
        json!($f(ID) as $t)
    };
}

/// `f(client, query_json, …)` → `json_out`.
macro_rules! query {
    ($f:ident) => {
        json!($f())
    };
}

macro_rules! list {
    ($f:ident) => {
        (
            stringify!($f),
            (|o: &Offline, input: &mut Input| {
                let j = input.rest();
                unit(|err| unsafe { $f(o.client, j.as_ptr(), j.len(), o.opts, err) })
            }) as Call,
        )
    };
}

/// The setting names, as the C ABI lists them.
fn setting_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out = bytes();
        assert_eq!(unsafe { ccx_settings_names(&mut out) }, ccx_code::Ok);
        let b = unsafe { std::slice::from_raw_parts(out.data, out.len) };
        let v: Vec<serde_json::Value> = serde_json::from_slice(b).unwrap();
        unsafe { ccx_bytes_free(&mut out) };
        v.iter().map(|s| s["name"].as_str().unwrap().to_string()).collect()
    })
}

const CALLS: &[(&str, Call)] = &[
    create!(ccx_networks_create, api::NetworkCreate),
    update!(ccx_networks_update, api::NetworkUpdate),
    create!(ccx_hosts_create, api::HostCreate),
    update!(ccx_hosts_update, api::HostUpdate),
    create!(ccx_users_create, api::UserCreate),
    update!(ccx_users_update, api::UserUpdate),
    create!(ccx_user_groups_create, api::UserGroupRequest),
    update!(ccx_user_groups_update, api::UserGroupRequest),
    create!(ccx_device_postures_create, api::DevicePostureRequest),
    update!(ccx_device_postures_update, api::DevicePostureRequest),
    create!(ccx_dns_records_create, api::DnsRecordRequest),
    update!(ccx_dns_records_update, api::DnsRecordRequest),
    create!(ccx_access_groups_create, api::AccessGroupRequest),
    update!(ccx_access_groups_update, api::AccessGroupRequest),
    create!(ccx_location_contexts_create, api::LocationContextRequest),
    update!(ccx_location_contexts_update, api::LocationContextRequest),
    child_create!(ccx_network_routes_create, api::RouteRequest),
    update!(ccx_network_routes_update, api::RouteRequest),
    child_create!(ccx_network_connectors_create, api::NetworkConnectorRequest),
    update!(ccx_network_connectors_update, api::NetworkConnectorRequest),
    child_create!(ccx_network_ip_services_create, api::NetworkIpServiceRequest),
    update!(ccx_network_ip_services_update, api::NetworkIpServiceRequest),
    child_create!(ccx_network_applications_create, api::ApplicationRequest),
    update!(ccx_network_applications_update, api::ApplicationRequest),
    child_create!(ccx_host_connectors_create, api::HostConnectorRequest),
    update!(ccx_host_connectors_update, api::HostConnectorRequest),
    child_create!(ccx_host_ip_services_create, api::HostIpServiceRequest),
    update!(ccx_host_ip_services_update, api::HostIpServiceRequest),
    child_create!(ccx_host_applications_create, api::ApplicationRequest),
    update!(ccx_host_applications_update, api::ApplicationRequest),
    child_create!(ccx_devices_create, api::DeviceRequest),
    json!(ccx_devices_update(PARENT, ID) as api::DeviceRequest),
    update!(ccx_access_groups_add_source, api::AccessItem),
    update!(ccx_access_groups_add_destination, api::AccessItem),
    query!(ccx_sessions_list),
    query!(ccx_sessions_list_all),
    query!(ccx_dns_log_page),
    query!(ccx_dns_log_list_all),
    list!(ccx_cybershield_block_list_add),
    list!(ccx_cybershield_block_list_remove),
    list!(ccx_cybershield_allow_list_add),
    list!(ccx_cybershield_allow_list_remove),
    ("ccx_settings_set", |o, input| {
        let names = setting_names();
        let name = names[input.u8() as usize % names.len()].as_bytes();
        let j = input.rest();
        answer(|out, err| unsafe {
            ccx_settings_set(
                o.client,
                name.as_ptr().cast(),
                name.len(),
                j.as_ptr(),
                j.len(),
                o.opts,
                out,
                err,
            )
        })
    }),
    ("ccx_client_request", |o, input| {
        let method = (input.u8() % 5) as u32; // 4 is not a method
        let query = input.field(0);
        let j = input.rest();
        common::raw_request(o, method, b"/networks", Some(query), Some(j))
    }),
];

fuzz_target!(|data: &[u8]| {
    // only argument errors, or the cancellation just before the request
    common::run(
        CALLS,
        data,
        &[
            ccx_code::InvalidJson,
            ccx_code::InvalidParameter,
            ccx_code::InvalidUtf8,
            ccx_code::NullParameter,
            ccx_code::Cancelled,
        ],
    );
});
