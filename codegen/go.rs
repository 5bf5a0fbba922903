//! `go/ops_gen.go`: a typed Go method for every operation beyond CRUD, calling its C
//! function directly. One Go type per group (`Client.DNSLog()`, `Client.Settings()`…).
//! gofmt-clean as written: tabs, no alignment needed.

use super::gomodels::{SETTING_TYPES, go_type, ident, type_name};
use super::table::{Arg, FAMILIES, Family, GoOut, Group, OPS, Op, Out, SETTINGS, SETTINGS_TABLE, Value};

/// `user_id` → `UserID`, `start_ipsec` → `StartIPsec`, `dns_log` → `DNSLog`.
pub fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| match w {
            "id" => "ID".to_string(),
            "dns" => "DNS".to_string(),
            "ip" => "IP".to_string(),
            "ipsec" => "IPsec".to_string(),
            "json" => "JSON".to_string(),
            _ => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect()
}

/// The Go parameter name of an argument.
fn var(a: &Arg) -> String {
    match a.name() {
        "json" => "body".into(),
        "query_json" => "query".into(),
        "json_value" => "value".into(),
        n => {
            let c = camel(n);
            let mut ch = c.chars();
            match ch.next() {
                // `ID` → `id`, `UserID` → `userID`
                Some(_) if c == "ID" => "id".into(),
                Some(f) => f.to_lowercase().collect::<String>() + ch.as_str(),
                None => c,
            }
        }
    }
}

fn method_name(op: &Op) -> String {
    if op.go.is_empty() {
        camel(op.name)
    } else {
        op.go.to_string()
    }
}

fn signature(op: &Op) -> String {
    let mut ps = Vec::new();
    if !op.offline {
        ps.push("ctx context.Context".to_string());
    }
    for a in op.args {
        ps.push(match a {
            Arg::Id(_) | Arg::OptId(_) | Arg::Str { .. } => format!("{} string", var(a)),
            Arg::Page => "page, size uint32".into(),
            Arg::Num { .. } => format!("{} uint32", var(a)),
            Arg::Json { .. } if !op.go_body.is_empty() => format!("{} *{}", var(a), type_name(op.go_body)),
            Arg::Json { .. } => format!("{} []byte", var(a)),
        });
    }
    let ret = match (op.out, op.go_out) {
        (Out::Unit, _) => "error".to_string(),
        (Out::Json, GoOut::Raw) => "([]byte, error)".into(),
        (Out::Json, GoOut::One(t) | GoOut::Cursor { page: t, .. }) => format!("(*{}, error)", type_name(t)),
        (Out::Json, GoOut::Page(t)) => format!("(*Page[{}], error)", type_name(t)),
        (Out::Json, GoOut::List(t)) => format!("([]{}, error)", type_name(t)),
        (Out::Bool, _) => "(bool, error)".into(),
        (Out::Text, _) => "(string, error)".into(),
    };
    format!("{}({}) {ret}", method_name(op), ps.join(", "))
}

/// The Go expression decoding `result(&out, err)` of a JSON answer.
fn decoded(op: &Op) -> String {
    match op.go_out {
        GoOut::Raw => "result(&out, err)".into(),
        GoOut::One(t) | GoOut::Cursor { page: t, .. } => format!("decode[{}](result(&out, err))", type_name(t)),
        GoOut::Page(t) => format!("decode[Page[{}]](result(&out, err))", type_name(t)),
        GoOut::List(t) => format!("decodeList[{}](result(&out, err))", type_name(t)),
    }
}

/// The Go doc of a method: the C summary, with the C function named for the details.
fn doc(op: &Op, g: &Group, c_name: &str) -> String {
    let summary = op.doc.replace("{label}", g.label);
    let mut args_note = String::new();
    if op.args.iter().any(|a| matches!(a, Arg::OptId(_))) {
        args_note = " An empty optional id means none.".into();
    }
    super::doc::comment(
        "// ",
        &format!(
            "{} calls {c_name}: {summary}{args_note} Arguments and errors: {c_name} in cloudconnexa.h.{}",
            method_name(op),
            match (op.out, op.go_out) {
                (Out::Unit, _) => "",
                (Out::Json, GoOut::Raw) => " The JSON answer comes back as []byte.",
                (Out::Json, _) => " The JSON answer comes back decoded.",
                (Out::Bool, _) => " The answer comes back as a bool.",
                (Out::Text, _) => " The text comes back as a Go string.",
            }
        ),
    )
}

fn method(op: &Op, g: &Group) -> String {
    let c_name = format!("ccx_{}_{}", g.c, op.name);
    let mut o = doc(op, g, &c_name);
    o += &format!("func (s {}) {} {{\n", g.go, signature(op));
    if op.offline {
        o += &format!(
            "\tvar out C.ccx_bytes\n\tif rc := C.{c_name}(&out); rc != 0 {{\n\t\treturn nil, takeError(rc, nil)\n\t}}\n\
             \treturn takeBytes(&out), nil\n}}\n\n"
        );
        return o;
    }
    let mut conv = String::new();
    let mut cargs = vec!["cl".to_string()];
    let fail = if op.out == Out::Unit { "err" } else { "nil, err" };
    for a in op.args {
        let v = var(a);
        if let (Arg::Json { optional, .. }, false) = (a, op.go_body.is_empty()) {
            let enc = if *optional { "encodeOpt" } else { "encode" };
            o += &format!("\t{v}JSON, err := {enc}({v}, {v:?})\n\tif err != nil {{\n\t\treturn {fail}\n\t}}\n");
            conv += &format!("\t\t{v}P, {v}N := bytesArg({v}JSON)\n");
            cargs.push(format!("{v}P, {v}N"));
            continue;
        }
        match a {
            Arg::Id(_) | Arg::OptId(_) | Arg::Str { .. } => {
                conv += &format!("\t\t{v}P, {v}N := strArg({v})\n");
                cargs.push(format!("{v}P, {v}N"));
            }
            Arg::Json { .. } => {
                conv += &format!("\t\t{v}P, {v}N := bytesArg({v})\n");
                cargs.push(format!("{v}P, {v}N"));
            }
            Arg::Page => cargs.push("C.uint32_t(page), C.uint32_t(size)".into()),
            Arg::Num { .. } => cargs.push(format!("C.uint32_t({v})")),
        }
    }
    cargs.push("o".into());
    if op.out != Out::Unit {
        o += "\tvar out C.ccx_bytes\n";
        cargs.push("&out".into());
    }
    cargs.push("e".into());
    let ret = match (op.out, op.go_body.is_empty()) {
        (Out::Unit, _) => "return",
        (_, true) => "err :=",
        (_, false) => "err =",
    };
    o += &format!(
        "\t{ret} s.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {{\n{conv}\
         \t\treturn C.{c_name}({})\n\t}})\n",
        cargs.join(", ")
    );
    match op.out {
        Out::Unit => {}
        Out::Json => o += &format!("\treturn {}\n", decoded(op)),
        Out::Bool => o += "\treturn boolResult(result(&out, err))\n",
        Out::Text => o += "\treturn textResult(result(&out, err))\n",
    }
    o += "}\n\n";
    match op.go_out {
        GoOut::Page(t) => o += &all_method(op, g, &type_name(t)),
        GoOut::Cursor { .. } => o += &cursor_all_method(op, g),
        _ => {}
    }
    o
}

/// `All` beside a typed cursor-paged `List` (whose one argument is the query): a lazy
/// iterator that sends each page's cursor in a copy of the query.
fn cursor_all_method(op: &Op, g: &Group) -> String {
    let GoOut::Cursor {
        item,
        items,
        next,
        cursor,
        ..
    } = op.go_out
    else {
        unreachable!()
    };
    assert!(
        op.args.len() == 1 && !op.go_body.is_empty(),
        "a cursor-paged list takes one typed query"
    );
    let (q, item) = (type_name(op.go_body), type_name(item));
    let (items, next, cursor) = (ident(items), ident(next), ident(cursor));
    let mut o = super::doc::comment(
        "// ",
        &format!(
            "All iterates over every {} that {} would list from query (nil: the defaults), following the \
             cursors page by page as Next needs them.",
            g.label,
            method_name(op)
        ),
    );
    o += &format!(
        "func (s {}) All(ctx context.Context, query *{q}) *Iter[{item}] {{\n\
         \tvar q {q}\n\tif query != nil {{\n\t\tq = *query\n\t}}\n\
         \treturn newChunkIter(ctx, func(ctx context.Context) ([]{item}, bool, error) {{\n\
         \t\tp, err := s.{}(ctx, &q)\n\t\tif err != nil || p == nil {{\n\t\t\treturn nil, false, err\n\t\t}}\n\
         \t\tmore := p.{next} != \"\" && p.{next} != q.{cursor}\n\
         \t\tq.{cursor} = p.{next}\n\t\treturn p.{items}, more, nil\n\t}})\n}}\n\n",
        g.go,
        method_name(op),
    );
    o
}

/// `All` beside a typed paged `List`: the same arguments less the page, a lazy iterator.
fn all_method(op: &Op, g: &Group, t: &str) -> String {
    let mut ps = vec!["ctx context.Context".to_string()];
    let mut call = vec!["ctx".to_string()];
    for a in op.args {
        if let Arg::Page = a {
            call.push("page, AllPageSize".into());
        } else {
            ps.push(format!("{} string", var(a)));
            call.push(var(a));
        }
    }
    let mut o = super::doc::comment(
        "// ",
        &format!(
            "All iterates over every {} that {} would list, fetching pages of AllPageSize as Next needs them.",
            g.label,
            method_name(op)
        ),
    );
    o += &format!(
        "func (s {}) All({}) *Iter[{t}] {{\n\treturn newIter(ctx, func(ctx context.Context, page uint32) (*Page[{t}], error) {{\n\
         \t\treturn s.{}({})\n\t}})\n}}\n\n",
        g.go,
        ps.join(", "),
        method_name(op),
        call.join(", ")
    );
    o
}

/// The typed getters and setters of the account settings (over Settings.Get and .Set).
fn settings_methods() -> String {
    let mut o = String::new();
    for st in SETTINGS_TABLE {
        let t = match st.value {
            Value::Bool => "bool".to_string(),
            Value::Int => "int".to_string(),
            Value::Text | Value::Enum(_) => "string".to_string(),
            Value::Json(rust) => go_type(
                SETTING_TYPES
                    .iter()
                    .find(|(k, _)| *k == rust)
                    .map(|(_, t)| *t)
                    .unwrap_or_else(|| panic!("no Go type for setting type {rust}")),
            ),
        };
        let get = ident(st.get);
        let g = SETTINGS.go;
        o += &format!(
            "// {get} reads the account setting {}{}.\nfunc (s {g}) {get}(ctx context.Context) ({t}, error) {{\n\
             \treturn getSetting[{t}](ctx, s, {:?})\n}}\n\n",
            st.name,
            match st.value {
                Value::Enum(e) => format!(", a value of the API's enum {e}"),
                _ => String::new(),
            },
            st.name
        );
        if let Some(set) = st.set {
            let set = ident(set);
            o += &format!(
                "// {set} changes the account setting {}; the stored value comes back.\n\
                 func (s {g}) {set}(ctx context.Context, v {t}) ({t}, error) {{\n\
                 \treturn setSetting(ctx, s, {:?}, v)\n}}\n\n",
                st.name, st.name
            );
        }
    }
    o
}

/// Every group, in the order of first use.
fn groups() -> Vec<&'static Group> {
    let mut gs: Vec<&'static Group> = Vec::new();
    for op in OPS {
        for g in op.on {
            if !gs.iter().any(|x| x.c == g.c) {
                gs.push(g);
            }
        }
    }
    gs
}

/// The whole generated file.
pub fn generate() -> String {
    let mut o = String::from(
        "// Code generated by build.rs from the table in codegen/table.rs. DO NOT EDIT.\n\n\
         package cloudconnexa\n\n\
         /*\n#include <stdint.h>\n#include \"cloudconnexa.h\"\n*/\nimport \"C\"\n\n\
         import \"context\"\n\n",
    );
    for g in groups() {
        o += &super::doc::comment(
            "// ",
            &format!(
                "{} holds the operations of {} ({}){}; get it from Client.{}().",
                g.go,
                g.cli,
                g.about,
                if FAMILIES.iter().any(|f| camel(f.c) == g.go) {
                    ": its CRUD methods are in families_gen.go, the others below"
                } else {
                    ""
                },
                g.go
            ),
        );
        o += &format!("type {} struct{{ c *Client }}\n\n", g.go);
        o += &format!("// {} returns the {} operations.\n", g.go, g.cli);
        o += &format!("func (c *Client) {}() {} {{ return {}{{c}} }}\n\n", g.go, g.go, g.go);
        for op in OPS.iter().filter(|op| op.on.iter().any(|x| x.c == g.c)) {
            o += &method(op, g);
        }
        if g.c == SETTINGS.c {
            o += &settings_methods();
        }
    }
    o.truncate(o.trim_end().len());
    o.push('\n');
    o
}

/// One field of a family row: a Go func literal calling the C function (gofmt's layout).
fn entry(key: &str, params: &str, c: &str, args: &str, out: bool) -> String {
    let (out_p, out_a) = if out { ("out *C.ccx_bytes, ", "out, ") } else { ("", "") };
    format!(
        "\t\t{key}: func(cl *C.ccx_client, {params}o *C.ccx_call_options, {out_p}e **C.ccx_error) C.ccx_code {{\n\
         \t\t\treturn C.{c}(cl, {args}o, {out_a}e)\n\t\t}},\n"
    )
}

/// `go/families_gen.go`: the CRUD families (`Family`, `ChildFamily`) and the C functions
/// behind `Client.Collection` and `Client.ChildCollection`.
pub fn families() -> String {
    let mut o = String::from(
        "// Code generated by build.rs from the table in codegen/table.rs. DO NOT EDIT.\n\n\
         package cloudconnexa\n\n\
         /*\n#include <stdint.h>\n#include \"cloudconnexa.h\"\n*/\nimport \"C\"\n\n\
         import \"context\"\n\n",
    );
    let (top, child): (Vec<_>, Vec<_>) = FAMILIES.iter().partition(|f| f.parent.is_none());
    o += "// Family names a top-level CRUD family of the API.\ntype Family int\n\n// The top-level CRUD families.\nconst (\n";
    for (i, f) in top.iter().enumerate() {
        o += &format!("\tFamily{}{}\n", camel(f.c), if i == 0 { " Family = iota" } else { "" });
    }
    o += ")\n\n// ChildFamily names a CRUD family under a network or a host.\ntype ChildFamily int\n\n\
          // The CRUD families under a network or a host.\nconst (\n";
    for (i, f) in child.iter().enumerate() {
        o += &format!(
            "\tFamily{}{}\n",
            camel(f.c),
            if i == 0 { " ChildFamily = iota" } else { "" }
        );
    }
    o += ")\n\nvar families = [...]family{\n";
    for f in &top {
        let c = f.c;
        o += &format!("\tFamily{}: {{\n\t\tname: {c:?},\n", camel(c));
        o += &entry(
            "list",
            "page, size C.uint32_t, ",
            &format!("ccx_{c}_list"),
            "page, size, ",
            true,
        );
        o += &entry("listAll", "", &format!("ccx_{c}_list_all"), "", true);
        o += &entry(
            "create",
            "b *C.uint8_t, n C.size_t, ",
            &format!("ccx_{c}_create"),
            "b, n, ",
            true,
        );
        o += &common(c);
        o += "\t},\n";
    }
    o += "}\n\nvar childFamilies = [...]childFamily{\n";
    for f in &child {
        let c = f.c;
        o += &format!("\tFamily{}: {{\n\t\tname: {c:?},\n", camel(c));
        let p = "p *C.char, pn C.size_t, ";
        o += &entry(
            "list",
            &format!("{p}page, size C.uint32_t, "),
            &format!("ccx_{c}_list"),
            "p, pn, page, size, ",
            true,
        );
        o += &entry("listAll", p, &format!("ccx_{c}_list_all"), "p, pn, ", true);
        o += &entry(
            "create",
            &format!("{p}b *C.uint8_t, n C.size_t, "),
            &format!("ccx_{c}_create"),
            "p, pn, b, n, ",
            true,
        );
        o += &common(c);
        o += "\t},\n";
    }
    o += "}\n";
    for f in FAMILIES {
        o += &typed_family(f);
    }
    o.truncate(o.trim_end().len());
    o.push('\n');
    o
}

/// The typed API of a CRUD family: its Go type (unless an operation group of the same name
/// declares it) and List, All, ListAll, Get, Create, Update, Delete over the raw
/// Collection (or ChildCollection), decoding into the structs of models_gen.go.
fn typed_family(f: &Family) -> String {
    let ty = camel(f.c);
    let item = type_name(f.go.item);
    let create = type_name(f.go.create);
    let update = type_name(f.go.update);
    let label = f.label;
    let plural = format!("{label}s");
    let mut o = String::from("\n");
    if !OPS.iter().any(|op| op.on.iter().any(|g| g.go == ty)) {
        o += &super::doc::comment(
            "// ",
            &format!(
                "{ty} is the typed API of the {plural} (models: {item}, {create}, {update}); get it from Client.{ty}()."
            ),
        );
        o += &format!("type {ty} struct{{ c *Client }}\n\n");
        o += &format!(
            "// {ty} returns the typed API of the {plural}.\nfunc (c *Client) {ty}() {ty} {{ return {ty}{{c}} }}\n\n"
        );
    }
    let (col, p_param, p_arg, p_doc) = match f.parent {
        None => (
            format!("s.c.Collection(Family{ty})"),
            String::new(),
            String::new(),
            String::new(),
        ),
        Some(parent) => (
            format!("s.c.ChildCollection(Family{ty})"),
            format!("{parent}ID string, "),
            format!("{parent}ID, "),
            format!(" of {parent} {parent}ID (an empty {parent}ID: of every {parent})"),
        ),
    };
    let create_doc = match f.parent {
        None => String::new(),
        Some(parent) => format!(" under {parent} {parent}ID"),
    };
    let methods = [
        format!(
            "// List returns one page of the {plural}{p_doc} (page from 0, size 1..1000).\n\
             func (s {ty}) List(ctx context.Context, {p_param}page, size uint32) (*Page[{item}], error) {{\n\
             \treturn decode[Page[{item}]]({col}.List(ctx, {p_arg}page, size))\n}}\n"
        ),
        format!(
            "// All iterates over the {plural}{p_doc}, fetching pages of AllPageSize as Next needs them.\n\
             func (s {ty}) All(ctx context.Context{}) *Iter[{item}] {{\n\
             \treturn newIter(ctx, func(ctx context.Context, page uint32) (*Page[{item}], error) {{\n\
             \t\treturn s.List(ctx, {p_arg}page, AllPageSize)\n\t}})\n}}\n",
            p_param.strip_suffix(", ").map(|p| format!(", {p}")).unwrap_or_default()
        ),
        format!(
            "// ListAll returns the {plural}{p_doc}, every page, fetched by the library in one call.\n\
             func (s {ty}) ListAll(ctx context.Context{}) ([]{item}, error) {{\n\
             \treturn decodeList[{item}]({col}.ListAll(ctx{}))\n}}\n",
            p_param.strip_suffix(", ").map(|p| format!(", {p}")).unwrap_or_default(),
            p_arg.strip_suffix(", ").map(|p| format!(", {p}")).unwrap_or_default()
        ),
        format!(
            "// Get returns the {label} id (an error matching ErrNotFound when there is none).\n\
             func (s {ty}) Get(ctx context.Context, id string) (*{item}, error) {{\n\
             \treturn decode[{item}]({col}.Get(ctx, id))\n}}\n",
        ),
        format!(
            "// Create creates a {label}{create_doc}; the created one comes back. Required: {}.\n\
             func (s {ty}) Create(ctx context.Context, {p_param}v *{create}) (*{item}, error) {{\n\
             \tbody, err := encode(v, \"v\")\n\tif err != nil {{\n\t\treturn nil, err\n\t}}\n\
             \treturn decode[{item}]({col}.Create(ctx, {p_arg}body))\n}}\n",
            f.required.join(", ")
        ),
        format!(
            "// Update replaces the {label} id with v; the stored one comes back.\n\
             func (s {ty}) Update(ctx context.Context, id string, v *{update}) (*{item}, error) {{\n\
             \tbody, err := encode(v, \"v\")\n\tif err != nil {{\n\t\treturn nil, err\n\t}}\n\
             \treturn decode[{item}]({col}.Update(ctx, id, body))\n}}\n",
        ),
        format!(
            "// Delete deletes the {label} id.\nfunc (s {ty}) Delete(ctx context.Context, id string) error {{\n\
             \treturn {col}.Delete(ctx, id)\n}}\n",
        ),
    ];
    o += &methods.join("\n");
    o
}
/// The get, update and delete of family `c`.
fn common(c: &str) -> String {
    let id = "id *C.char, n C.size_t, ";
    entry("get", id, &format!("ccx_{c}_get"), "id, n, ", true)
        + &entry(
            "update",
            &format!("{id}b *C.uint8_t, bn C.size_t, "),
            &format!("ccx_{c}_update"),
            "id, n, b, bn, ",
            true,
        )
        + &entry("delete", id, &format!("ccx_{c}_delete"), "id, n, ", false)
}
