//! The C ABI functions that take strings as (pointer, length): ids of every family's
//! get, delete and child lists, connector, user and device operations, access group
//! item types, setting names, raw request paths and `traceparent`. They run on an
//! offline client (see `common::offline`): arguments are checked, nothing is sent.
//!
//! Input: one byte choosing the function, then its string arguments separated by
//! `0xFF` (a byte that never occurs in UTF-8, so any other byte may be in a string).
#![no_main]

mod common;

use cloudconnexa::ffi::client::ccx_client_request;
use cloudconnexa::ffi::code::ccx_code;
use cloudconnexa::ffi::generated::*;
use cloudconnexa::ffi::options::{ccx_call_options_free, ccx_call_options_new, ccx_call_options_set_traceparent};
use cloudconnexa::ffi::types::ccx_bytes_free;
use common::{Input, Offline, bytes, offline, settle};
use libfuzzer_sys::fuzz_target;

const SEP: u8 = 0xFF;

type Call = fn(&Offline, &mut Input) -> ccx_code;

fn answer(
    f: impl FnOnce(*mut cloudconnexa::ffi::types::ccx_bytes, *mut *mut cloudconnexa::ffi::error::ccx_error) -> ccx_code,
) -> ccx_code {
    let mut out = bytes();
    let mut err = std::ptr::null_mut();
    let code = f(&mut out, &mut err);
    unsafe { settle(code, err, Some(&mut out)) }
}

fn unit(f: impl FnOnce(*mut *mut cloudconnexa::ffi::error::ccx_error) -> ccx_code) -> ccx_code {
    let mut err = std::ptr::null_mut();
    let code = f(&mut err);
    unsafe { settle(code, err, None) }
}

/// `(id)` → `json_out`: get, profiles.
macro_rules! get {
    ($f:ident) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                let id = i.field(SEP);
                answer(|out, err| unsafe { $f(o.client, id.as_ptr().cast(), id.len(), o.opts, out, err) })
            }) as Call,
        )
    };
}

/// `(id)`, no answer: delete, activate, suspend.
macro_rules! act {
    ($f:ident) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                let id = i.field(SEP);
                unit(|err| unsafe { $f(o.client, id.as_ptr().cast(), id.len(), o.opts, err) })
            }) as Call,
        )
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
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                let (user, id) = (i.field(SEP), i.field(SEP));
                answer(|out, err| unsafe {
                    $f(
                        o.client,
                        user.as_ptr().cast(),
                        user.len(),
                        id.as_ptr().cast(),
                        id.len(),
                        o.opts,
                        out,
                        err,
                    )
                })
            }) as Call,
        )
    };
}

/// Access group item removal: `(id, item_type, parent_id, child_id)`.
macro_rules! remove_item {
    ($f:ident) => {
        (
            stringify!($f),
            (|o: &Offline, i: &mut Input| {
                let (id, kind, parent, child) = (i.field(SEP), i.field(SEP), i.field(SEP), i.field(SEP));
                answer(|out, err| unsafe {
                    $f(
                        o.client,
                        id.as_ptr().cast(),
                        id.len(),
                        kind.as_ptr().cast(),
                        kind.len(),
                        parent.as_ptr().cast(),
                        parent.len(),
                        child.as_ptr().cast(),
                        child.len(),
                        o.opts,
                        out,
                        err,
                    )
                })
            }) as Call,
        )
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
    ("ccx_devices_delete", |o, i| {
        let (user, id) = (i.field(SEP), i.field(SEP));
        unit(|err| unsafe {
            ccx_devices_delete(
                o.client,
                user.as_ptr().cast(),
                user.len(),
                id.as_ptr().cast(),
                id.len(),
                o.opts,
                err,
            )
        })
    }),
    ("ccx_devices_generate_profile", |o, i| {
        let (user, id, region) = (i.field(SEP), i.field(SEP), i.field(SEP));
        answer(|out, err| unsafe {
            ccx_devices_generate_profile(
                o.client,
                user.as_ptr().cast(),
                user.len(),
                id.as_ptr().cast(),
                id.len(),
                region.as_ptr().cast(),
                region.len(),
                o.opts,
                out,
                err,
            )
        })
    }),
    get!(ccx_regions_get),
    remove_item!(ccx_access_groups_remove_source),
    remove_item!(ccx_access_groups_remove_destination),
    get!(ccx_settings_get),
    ("ccx_client_request", |o, i| {
        let method = (i.u8() % 5) as u32;
        let path = i.field(SEP);
        let mut status = 0u16;
        let mut out = bytes();
        let mut err = std::ptr::null_mut();
        let code = unsafe {
            ccx_client_request(
                o.client,
                method,
                path.as_ptr().cast(),
                path.len(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                o.opts,
                &mut status,
                &mut out,
                &mut err,
            )
        };
        unsafe { ccx_bytes_free(&mut out) };
        unsafe { settle(code, err, None) }
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
    let o = offline();
    let mut input = Input(data);
    let (name, call) = CALLS[input.u8() as usize % CALLS.len()];
    let code = call(o, &mut input);
    assert!(
        matches!(
            code,
            ccx_code::InvalidParameter | ccx_code::InvalidUtf8 | ccx_code::NullParameter | ccx_code::Cancelled
        ),
        "{name}: {code:?}"
    );
    common::assert_offline();
});
