//! `go/ops_gen.go`: a typed Go method for every operation beyond CRUD, calling its C
//! function directly. One Go type per group (`Client.DNSLog()`, `Client.Settings()`…).
//! gofmt-clean as written: tabs, no alignment needed.

use super::table::{Arg, FAMILIES, Group, OPS, Op, Out};

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
            Arg::Json { .. } => format!("{} []byte", var(a)),
        });
    }
    let ret = match op.out {
        Out::Unit => "error",
        Out::Json => "([]byte, error)",
        Out::Bool => "(bool, error)",
        Out::Text => "(string, error)",
    };
    format!("{}({}) {ret}", method_name(op), ps.join(", "))
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
            match op.out {
                Out::Unit => "",
                Out::Json => " The JSON answer comes back as []byte.",
                Out::Bool => " The answer comes back as a bool.",
                Out::Text => " The text comes back as a Go string.",
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
    for a in op.args {
        let v = var(a);
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
    let ret = if op.out == Out::Unit { "return" } else { "err :=" };
    o += &format!(
        "\t{ret} s.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {{\n{conv}\
         \t\treturn C.{c_name}({})\n\t}})\n",
        cargs.join(", ")
    );
    match op.out {
        Out::Unit => {}
        Out::Json => o += "\treturn result(&out, err)\n",
        Out::Bool => o += "\treturn boolResult(result(&out, err))\n",
        Out::Text => o += "\treturn textResult(result(&out, err))\n",
    }
    o += "}\n\n";
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
                "{} holds the operations of {} beyond CRUD ({}); get it from Client.{}().",
                g.go, g.cli, g.about, g.go
            ),
        );
        o += &format!("type {} struct{{ c *Client }}\n\n", g.go);
        o += &format!("// {} returns the {} operations.\n", g.go, g.cli);
        o += &format!("func (c *Client) {}() {} {{ return {}{{c}} }}\n\n", g.go, g.go, g.go);
        for op in OPS.iter().filter(|op| op.on.iter().any(|x| x.c == g.c)) {
            o += &method(op, g);
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
         /*\n#include <stdint.h>\n#include \"cloudconnexa.h\"\n*/\nimport \"C\"\n\n",
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
