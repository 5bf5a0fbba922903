//! `go/ops_gen.go`: a typed Go method for every operation beyond CRUD, calling its C
//! function directly. One Go type per group (`Client.DNSLog()`, `Client.Settings()`…).
//! gofmt-clean as written: tabs, no alignment needed.

use super::table::{Arg, Group, OPS, Op, Out};

/// `user_id` → `UserID`, `start_ipsec` → `StartIPsec`, `dns_log` → `DNSLog`.
pub fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| match w {
            "id" => "ID".to_string(),
            "dns" => "DNS".to_string(),
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
