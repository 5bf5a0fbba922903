//! The C ABI functions that take strings as (pointer, length): ids of every family's
//! get, delete and child lists, connector, user and device operations, access group
//! item types, setting names, raw request paths and `traceparent`. They run on an
//! offline client (see `common::offline`): arguments are checked, nothing is sent.
//!
//! Input: one byte choosing the function, then its string arguments separated by
//! `0xFF` (a byte that never occurs in UTF-8, so any other byte may be in a string).
#![no_main]

mod common;

use cloudconnexa::fuzzing::ffi::code::ccx_code;
use cloudconnexa::fuzzing::ffi::generated::*;
use cloudconnexa::fuzzing::ffi::options::{ccx_call_options_free, ccx_call_options_new, ccx_call_options_set_traceparent};
use common::{Call, Input, Offline, answer, unit};
use libfuzzer_sys::fuzz_target;

const SEP: u8 = 0xFF;

/// `$f(client, s1, s1_len, …, opts, [json_out,] err)` with string fields of the input:
/// `strings!(answer f(a, b))` for functions with `json_out`, `strings!(unit f(a))` without.
macro_rules! strings {
    (answer $f:ident($($a:ident),+)) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                $(let $a = i.field(SEP);)+
                answer(|out, err| unsafe { $f(o.client, $($a.as_ptr().cast(), $a.len(),)+ o.opts, out, err) })
            }) as Call,
        )
    };
    (unit $f:ident($($a:ident),+)) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                $(let $a = i.field(SEP);)+
                unit(|err| unsafe { $f(o.client, $($a.as_ptr().cast(), $a.len(),)+ o.opts, err) })
            }) as Call,
        )
    };
}

/// `(id)` → `json_out`: get, profiles.
macro_rules! get {
    ($f:ident) => {
        strings!(answer $f(id))
    };
}

/// `(id)`, no answer: delete, activate, suspend.
macro_rules! act {
    ($f:ident) => {
        strings!(unit $f(id))
    };
}

/// `(parent_id, page, size)` → `json_out`: child lists.
macro_rules! child_list {
    ($f:ident) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                let (page, size) = (i.u8() as u32, i.u8() as u32 * 8);
                let id = i.field(SEP);
                answer(|out, err| unsafe { $f(o.client, id.as_ptr().cast(), id.len(), page, size, o.opts, out, err) })
            }) as Call,
        )
    };
}

/// `(user_id, id)` → `json_out` (devices).
macro_rules! device {
    ($f:ident) => {
        strings!(answer $f(user, id))
    };
}

/// Access group item removal: `(id, item_type, parent_id, child_id)`.
macro_rules! remove_item {
    ($f:ident) => {
        strings!(answer $f(id, kind, parent, child))
    };
}

const CALLS: &[(&str, Call)] = &[
    get!(ccx_networks_get),
    act!(ccx_networks_delete),
    get!(ccx_hosts_get),
    act!(ccx_hosts_delete),
    get!(ccx_users_get),
    act!(ccx_users_delete),
    get!(ccx_user_groups_get),
    act!(ccx_user_groups_delete),
    get!(ccx_device_postures_get),
    act!(ccx_device_postures_delete),
    get!(ccx_dns_records_get),
    act!(ccx_dns_records_delete),
    get!(ccx_access_groups_get),
    act!(ccx_access_groups_delete),
    get!(ccx_location_contexts_get),
    act!(ccx_location_contexts_delete),
    get!(ccx_network_routes_get),
    act!(ccx_network_routes_delete),
    child_list!(ccx_network_routes_list),
    get!(ccx_network_connectors_get),
    act!(ccx_network_connectors_delete),
    child_list!(ccx_network_connectors_list),
    get!(ccx_network_ip_services_get),
    act!(ccx_network_ip_services_delete),
    child_list!(ccx_network_ip_services_list),
    get!(ccx_network_applications_get),
    act!(ccx_network_applications_delete),
    child_list!(ccx_network_applications_list),
    get!(ccx_host_connectors_get),
    act!(ccx_host_connectors_delete),
    child_list!(ccx_host_connectors_list),
    get!(ccx_host_ip_services_get),
    act!(ccx_host_ip_services_delete),
    child_list!(ccx_host_ip_services_list),
    get!(ccx_host_applications_get),
    act!(ccx_host_applications_delete),
    child_list!(ccx_host_applications_list),
    get!(ccx_network_connectors_profile),
    get!(ccx_network_connectors_revoke_profile),
    get!(ccx_network_connectors_encrypted_profile),
    act!(ccx_network_connectors_activate),
    act!(ccx_network_connectors_suspend),
    act!(ccx_network_connectors_start_ipsec),
    act!(ccx_network_connectors_stop_ipsec),
    get!(ccx_host_connectors_profile),
    get!(ccx_host_connectors_revoke_profile),
    get!(ccx_host_connectors_encrypted_profile),
    act!(ccx_host_connectors_activate),
    act!(ccx_host_connectors_suspend),
    ("ccx_network_connectors_bundle", |o, i| {
        let kind = i.u8() as u32 % 3;
        let id = i.field(SEP);
        answer(|out, err| unsafe {
            ccx_network_connectors_bundle(o.client, id.as_ptr().cast(), id.len(), kind, o.opts, out, err)
        })
    }),
    ("ccx_host_connectors_bundle", |o, i| {
        let kind = i.u8() as u32 % 3;
        let id = i.field(SEP);
        answer(|out, err| unsafe {
            ccx_host_connectors_bundle(o.client, id.as_ptr().cast(), id.len(), kind, o.opts, out, err)
        })
    }),
    act!(ccx_users_activate),
    act!(ccx_users_suspend),
    child_list!(ccx_devices_list),
    device!(ccx_devices_get),
    device!(ccx_devices_revoke_profile),
    strings!(unit ccx_devices_delete(user, id)),
    strings!(answer ccx_devices_generate_profile(user, id, region)),
    get!(ccx_regions_get),
    remove_item!(ccx_access_groups_remove_source),
    remove_item!(ccx_access_groups_remove_destination),
    get!(ccx_settings_get),
    ("ccx_client_request", |o, i| {
        let method = (i.u8() % 5) as u32;
        let path = i.field(SEP);
        common::raw_request(o, method, path, None, None)
    }),
    ("ccx_call_options_set_traceparent", |_, i| {
        let tp = i.field(SEP);
        let mut opts = std::ptr::null_mut();
        assert_eq!(unsafe { ccx_call_options_new(&mut opts) }, ccx_code::Ok);
        let code = unsafe { ccx_call_options_set_traceparent(opts, tp.as_ptr().cast(), tp.len()) };
        if code == ccx_code::Ok {
            // what the C ABI accepts is a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>
            let s = std::str::from_utf8(tp).expect("accepted, so UTF-8");
            let parts: Vec<&str> = s.split('-').collect();
            assert_eq!(parts.len(), 4, "{s:?}");
            assert!(
                parts
                    .iter()
                    .zip([2, 32, 16, 2])
                    .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit())),
                "{s:?}"
            );
        }
        unsafe { ccx_call_options_free(opts) };
        assert!(
            matches!(code, ccx_code::Ok | ccx_code::InvalidParameter | ccx_code::InvalidUtf8),
            "{code:?}"
        );
        ccx_code::Cancelled
    }),
];

fuzz_target!(|data: &[u8]| {
    common::run(
        CALLS,
        data,
        &[
            ccx_code::InvalidParameter,
            ccx_code::InvalidUtf8,
            ccx_code::NullParameter,
            ccx_code::Cancelled,
        ],
    );
});
