//! `src/ffi/generated.rs`: every C function of the API, one template per shape. The
//! output is committed (cbindgen needs literal signatures) and checked for drift.

use super::doc::{c_details, code_comment};
use super::table::{Arg, Call, FAMILIES, Family, Group, OPS, Op, Out};

const SAFETY: &str =
    "///\n/// # Safety\n/// Pointers are NULL or valid for their lengths; `opts` and `err_out` may be NULL.\n";
const TAIL: &str = "opts: *const ccx_call_options, json_out: *mut ccx_bytes, err_out: *mut *mut ccx_error) -> ccx_code";

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The doc comment of a function: summary, details, safety.
fn docs(summary: &str, args: &[Arg], out: Out, offline: bool) -> String {
    let mut o = code_comment(
        "/// ",
        &format!("{summary}\n\n{}", c_details(summary, args, out, offline)),
    );
    o += if offline {
        "///\n/// # Safety\n/// `json_out` is NULL or writable.\n"
    } else {
        SAFETY
    };
    o
}

fn body_arg(f: &Family, create: bool) -> Arg {
    let req = if create && !f.required.is_empty() {
        let names: Vec<String> = f.required.iter().map(|r| format!("`{r}`")).collect();
        format!(" (required: {})", names.join(", "))
    } else {
        String::new()
    };
    Arg::Json {
        name: "json",
        conv: "",
        optional: false,
        doc: leak(format!(
            "`json` is the {} as a JSON object{req}; a missing field or a wrong type is \
             `CCX_CODE_INVALID_JSON` naming the field.",
            f.label
        )),
    }
}

fn crud(f: &Family) -> String {
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
            o += &docs(
                &format!("One page of {l}s as the API's page envelope JSON."),
                &[Arg::Page],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list(client: *const ccx_client, page: u32, size: u32, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| list_page(c.{a}(), page, size))\n}}\n\n"
            );
            o += &docs(
                &format!("Every {l}, all pages, as a JSON array."),
                &[],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list_all(client: *const ccx_client, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| to_json(&c.{a}().list_all()?))\n}}\n\n"
            );
            o += &docs(
                &format!("Create a {l}; the created item comes back as JSON."),
                &[body_arg(f, true)],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_create(client: *const ccx_client, json: *const u8, json_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| create(c.{a}(), unsafe {{ json_arg(json, json_len)? }}, &[{req}]))\n}}\n\n"
            );
        }
        Some(p) => {
            o += &docs(
                &format!(
                    "One page of {l}s as the API's page envelope JSON, only those of the {p} `parent_id` unless it is empty."
                ),
                &[Arg::OptId("parent_id"), Arg::Page],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, page: u32, size: u32, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ optional_id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 to_json(&c.{a}().list(parent, page_of(page, size))?)\n    }})\n}}\n\n"
            );
            o += &docs(
                &format!("Every {l} (of the {p} `parent_id` unless it is empty), all pages, as a JSON array."),
                &[Arg::OptId("parent_id")],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_list_all(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ optional_id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 to_json(&c.{a}().list_all(parent)?)\n    }})\n}}\n\n"
            );
            o += &docs(
                &format!("Create a {l} under the {p} `parent_id`; the created item comes back as JSON."),
                &[Arg::Id("parent_id"), body_arg(f, true)],
                Out::Json,
                false,
            );
            o += &format!(
                "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_create(client: *const ccx_client, parent_id: *const c_char, parent_id_len: usize, json: *const u8, json_len: usize, {TAIL} {{\n    \
                 answer(client, opts, json_out, err_out, |c| {{\n        \
                 let parent = unsafe {{ id(parent_id, parent_id_len, \"parent_id\")? }};\n        \
                 child_create(c.{a}(), parent, unsafe {{ json_arg(json, json_len)? }}, &[{req}])\n    }})\n}}\n\n"
            );
        }
    }
    let update = if f.parent.is_some() { "child_update" } else { "update" };
    o += &docs(
        &format!("Get one {l} by id, as JSON."),
        &[Arg::Id("id")],
        Out::Json,
        false,
    );
    o += &format!(
        "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_get(client: *const ccx_client, id: *const c_char, id_len: usize, {TAIL} {{\n    \
         answer(client, opts, json_out, err_out, |c| to_json(&c.{a}().get(unsafe {{ super::resources::id(id, id_len, \"id\")? }})?))\n}}\n\n"
    );
    o += &docs(
        &format!("Update one {l}; the updated item comes back as JSON."),
        &[Arg::Id("id"), body_arg(f, false)],
        Out::Json,
        false,
    );
    o += &format!(
        "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_update(client: *const ccx_client, id: *const c_char, id_len: usize, json: *const u8, json_len: usize, {TAIL} {{\n    \
         answer(client, opts, json_out, err_out, |c| {{\n        \
         let id = unsafe {{ super::resources::id(id, id_len, \"id\")? }};\n        \
         {update}(c.{a}(), id, unsafe {{ json_arg(json, json_len)? }})\n    }})\n}}\n\n"
    );
    o += &docs(
        &format!("Delete one {l} (and what it contains)."),
        &[Arg::Id("id")],
        Out::Unit,
        false,
    );
    o += &format!(
        "#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn ccx_{c}_delete(client: *const ccx_client, id: *const c_char, id_len: usize, \
         opts: *const ccx_call_options, err_out: *mut *mut ccx_error) -> ccx_code {{\n    \
         call(client, opts, err_out, |c| Ok(c.{a}().delete(unsafe {{ super::resources::id(id, id_len, \"id\")? }})?))\n}}\n\n"
    );
    o
}

/// The C parameters of one argument.
fn params(a: &Arg) -> String {
    let n = a.name();
    match a {
        Arg::Id(_) | Arg::OptId(_) | Arg::Str { .. } => format!("{n}: *const c_char, {n}_len: usize, "),
        Arg::Page => "page: u32, size: u32, ".into(),
        Arg::Num { .. } => format!("{n}: u32, "),
        Arg::Json { .. } => format!("{n}: *const u8, {n}_len: usize, "),
    }
}

/// First every pointer checked and read, then the values converted (so a NULL pointer is
/// always `CCX_CODE_NULL_PARAMETER`, whatever the other arguments hold).
fn read_args(args: &[Arg]) -> String {
    let mut o = String::new();
    for a in args {
        let n = a.name();
        o += &match a {
            Arg::Id(_) => format!("        let {n} = unsafe {{ r::id({n}, {n}_len, \"{n}\")? }};\n"),
            Arg::OptId(_) => format!("        let {n} = unsafe {{ r::optional_id({n}, {n}_len, \"{n}\")? }};\n"),
            Arg::Str { .. } => format!("        let {n} = unsafe {{ r::id({n}, {n}_len, \"{n}\")? }};\n"),
            Arg::Json { .. } => format!("        let {n} = unsafe {{ r::bytes_arg({n}, {n}_len, \"{n}\")? }};\n"),
            Arg::Page | Arg::Num { .. } => String::new(),
        };
    }
    for a in args {
        let n = a.name();
        o += &match a {
            Arg::Page => "        let page = r::page_of(page, size);\n".into(),
            Arg::Num { conv, .. } | Arg::Str { conv, .. } | Arg::Json { conv, .. } => {
                format!("        let {n} = convert::{conv}({n})?;\n")
            }
            Arg::Id(_) | Arg::OptId(_) => String::new(),
        };
    }
    o
}

/// The Rust call of an operation on group `g`, a `Result`.
pub fn rust_call(op: &Op, g: &Group) -> String {
    match op.call {
        Call::Expr(e) => e.to_string(),
        Call::Method(m) => {
            let args: Vec<String> = op
                .args
                .iter()
                .map(|a| match a {
                    Arg::Json { .. } => format!("&{}", a.name()),
                    _ => a.name().to_string(),
                })
                .collect();
            format!("c.{}().{m}({})", g.rust, args.join(", "))
        }
    }
}

fn operation(op: &Op, g: &Group) -> String {
    let name = format!("ccx_{}_{}", g.c, op.name);
    let summary = op.doc.replace("{label}", g.label);
    let mut o = docs(&summary, op.args, op.out, op.offline);
    o += "#[unsafe(no_mangle)]\n";
    if op.offline {
        o += &format!(
            "pub unsafe extern \"C\" fn {name}(json_out: *mut ccx_bytes) -> ccx_code {{\n    \
             offline(json_out, || r::to_json(&{}?))\n}}\n\n",
            rust_call(op, g)
        );
        return o;
    }
    let ps: String = op.args.iter().map(params).collect();
    let call = rust_call(op, g);
    if op.out == Out::Unit {
        o += &format!(
            "pub unsafe extern \"C\" fn {name}(client: *const ccx_client, {ps}opts: *const ccx_call_options, \
             err_out: *mut *mut ccx_error) -> ccx_code {{\n    \
             call(client, opts, err_out, |c| {{\n{}        {call}?;\n        Ok(())\n    }})\n}}\n\n",
            read_args(op.args)
        );
    } else {
        o += &format!(
            "pub unsafe extern \"C\" fn {name}(client: *const ccx_client, {ps}{TAIL} {{\n    \
             answer(client, opts, json_out, err_out, |c| {{\n{}        r::to_json(&{call}?)\n    }})\n}}\n\n",
            read_args(op.args)
        );
    }
    o
}

/// The whole generated file.
pub fn generate() -> String {
    let mut o = String::from(
        "// @generated by build.rs from the table in codegen/table.rs. Do not edit.\n\
         //! Every function of the C ABI that calls the API: the CRUD set of each resource family,\n\
         //! then the other operations (connectors, devices, regions, access group items, sessions,\n\
         //! settings, DNS log, access visibility, Cyber Shield). Argument conversions: `convert.rs`.\n\n\
         #![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]\n\n\
         use std::ffi::c_char;\n\n\
         use super::client::ccx_client;\n\
         use super::code::ccx_code;\n\
         use super::convert;\n\
         use super::error::ccx_error;\n\
         use super::options::ccx_call_options;\n\
         use super::resources::{self as r, answer, call, child_create, child_update, create, id, json_arg, list_page, offline, optional_id, page_of, to_json, update};\n\
         use super::types::ccx_bytes;\n\n",
    );
    for f in FAMILIES {
        o += &crud(f);
    }
    for op in OPS {
        for g in op.on {
            o += &operation(op, g);
        }
    }
    o
}
