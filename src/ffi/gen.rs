//! The generator of `src/ffi/generated.rs`, run by `build.rs`: one table row per
//! CRUD family, one template per function. The output is committed (cbindgen needs
//! literal signatures) and rewritten only when it changes; CI checks it does not drift.
//! This file is only compiled into the build script.

/// A CRUD family: Rust accessor, C name, label for docs, parent (for families under a
/// network or host), required fields of a create body.
struct Family {
    accessor: &'static str,
    c: &'static str,
    label: &'static str,
    parent: Option<&'static str>,
    required: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        accessor: "networks",
        c: "networks",
        label: "network",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "hosts",
        c: "hosts",
        label: "host",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "users",
        c: "users",
        label: "user",
        parent: None,
        required: &["username", "email"],
    },
    Family {
        accessor: "user_groups",
        c: "user_groups",
        label: "user group",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "device_postures",
        c: "device_postures",
        label: "device posture",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "dns_records",
        c: "dns_records",
        label: "DNS record",
        parent: None,
        required: &["domain"],
    },
    Family {
        accessor: "access_groups",
        c: "access_groups",
        label: "access group",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "location_contexts",
        c: "location_contexts",
        label: "location context",
        parent: None,
        required: &["name"],
    },
    Family {
        accessor: "network_routes",
        c: "network_routes",
        label: "network route",
        parent: Some("network"),
        required: &["value"],
    },
    Family {
        accessor: "network_connectors",
        c: "network_connectors",
        label: "network connector",
        parent: Some("network"),
        required: &["name", "vpnRegionId"],
    },
    Family {
        accessor: "network_ip_services",
        c: "network_ip_services",
        label: "network IP service",
        parent: Some("network"),
        required: &["name"],
    },
    Family {
        accessor: "network_applications",
        c: "network_applications",
        label: "network application",
        parent: Some("network"),
        required: &["name"],
    },
    Family {
        accessor: "host_connectors",
        c: "host_connectors",
        label: "host connector",
        parent: Some("host"),
        required: &["name", "vpnRegionId"],
    },
    Family {
        accessor: "host_ip_services",
        c: "host_ip_services",
        label: "host IP service",
        parent: Some("host"),
        required: &["name"],
    },
    Family {
        accessor: "host_applications",
        c: "host_applications",
        label: "host application",
        parent: Some("host"),
        required: &["name"],
    },
];

const SAFETY: &str =
    "///\n/// # Safety\n/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.\n";
const TAIL: &str = "opts: *const ccx_call_options, json_out: *mut ccx_bytes, err_out: *mut *mut ccx_error) -> ccx_code";

fn family(f: &Family) -> String {
    let (a, c, l) = (f.accessor, f.c, f.label);
    let req = f
        .required
        .iter()
        .map(|r| format!("{r:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut o = String::new();
    match f.parent {
        None => {
            o += &format!(
                "/// One page of {l}s (`page` from 0, `size` 1..=1000) as the API's page envelope JSON.\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list(client: *const ccx_client, page: u32, size: u32, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| list_page(c.{a}(), page, size))\n}}\n\n"
            );
            o += &format!(
                "/// Every {l}, all pages, as a JSON array.\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list_all(client: *const ccx_client, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| to_json(&c.{a}().list_all()?))\n}}\n\n"
            );
            o += &format!(
                "/// Create a {l} from a JSON body (required: {req}); the created item comes back as JSON.\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_create(client: *const ccx_client, json: *const u8, json_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| create(c.{a}(), unsafe {{ json_arg(json, json_len)? }}, &[{req}]))\n}}\n\n"
            );
        }
        Some(p) => {
            o += &format!(
                "/// One page of {l}s, only those of the {p} `parent_id` unless it is empty (`page` from 0, `size` 1..=1000).\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, page: u32, size: u32, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ optional_id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 to_json(&c.{a}().list(parent, page_of(page, size))?)\n    }})\n}}\n\n"
            );
            o += &format!(
                "/// Every {l} (of the {p} `parent_id` unless it is empty), all pages, as a JSON array.\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list_all(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ optional_id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 to_json(&c.{a}().list_all(parent)?)\n    }})\n}}\n\n"
            );
            o += &format!(
                "/// Create a {l} under the {p} `parent_id` from a JSON body (required: {req}); the created item comes back as JSON.\n{SAFETY}\
                 #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_create(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, json: *const u8, json_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 child_create(c.{a}(), parent, unsafe {{ json_arg(json, json_len)? }}, &[{req}])\n    }})\n}}\n\n"
            );
        }
    }
    let update = if f.parent.is_some() { "child_update" } else { "update" };
    o += &format!(
        "/// Get one {l} by id, as JSON.\n{SAFETY}\
         #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_get(client: *const ccx_client, id: *const c_char, id_len: usize, {TAIL} {{\n    \
         answer(client, opts, json_out, err_out, |c| to_json(&c.{a}().get(unsafe {{ super::resources::id(id, id_len, \"id\")? }})?))\n}}\n\n"
    );
    o += &format!(
        "/// Update one {l} from a JSON body; the updated item comes back as JSON.\n{SAFETY}\
         #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_update(client: *const ccx_client, id: *const c_char, id_len: usize, json: *const u8, json_len: usize, {TAIL} {{\n    \
         answer(client, opts, json_out, err_out, |c| {{\n        \
         let id = unsafe {{ super::resources::id(id, id_len, \"id\")? }};\n        \
         {update}(c.{a}(), id, unsafe {{ json_arg(json, json_len)? }})\n    }})\n}}\n\n"
    );
    o += &format!(
        "/// Delete one {l} (and what it contains).\n{SAFETY}\
         #[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_delete(client: *const ccx_client, id: *const c_char, id_len: usize, \
         opts: *const ccx_call_options, err_out: *mut *mut ccx_error) -> ccx_code {{\n    \
         call(client, opts, err_out, |c| Ok(c.{a}().delete(unsafe {{ super::resources::id(id, id_len, \"id\")? }})?))\n}}\n\n"
    );
    o
}

/// The whole generated file.
pub fn generate() -> String {
    let mut o = String::from(
        "// @generated by build.rs from the table in src/ffi/gen.rs. Do not edit.\n\
         //! CRUD functions of the C ABI, one set per resource family (see `resources.rs`).\n\n\
         #![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]\n\n\
         use std::ffi::c_char;\n\n\
         use super::client::ccx_client;\n\
         use super::code::ccx_code;\n\
         use super::error::ccx_error;\n\
         use super::options::ccx_call_options;\n\
         use super::resources::{answer, call, child_create, child_update, create, id, json_arg, list_page, optional_id, page_of, to_json, update};\n\
         use super::types::ccx_bytes;\n\n",
    );
    for f in FAMILIES {
        o += &family(f);
    }
    o
}
