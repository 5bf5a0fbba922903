//! `go/models_gen.go`: the Go structs of the typed API, generated from the schemas of the
//! OpenAPI document (`spec/cloudconnexa-api-1.1.0.json`) that the table names (each
//! family's `GoModels`, the typed operations, the typed settings) and every schema they
//! reach, plus the `GO_MODELS` of the table. gofmt-clean as written: each field is one line
//! with single spaces, which gofmt aligns; the file is passed through no formatter, so the
//! alignment is done here.

use super::table::{FAMILIES, GO_MODELS, GoOut, OPS, SETTINGS_TABLE, Value};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The OpenAPI document, as committed.
pub const SPEC: &str = "spec/cloudconnexa-api-1.1.0.json";

/// Schema names whose Go name is not the schema name less `Response`.
const RENAMES: &[(&str, &str)] = &[
    // `Sessions` is the group type (Client.Sessions())
    ("SessionsResponse", "SessionPage"),
    // `Error` is this package's error type
    ("ErrorResponse", "ErrorResponse"),
];

/// The Go type of a setting whose Rust value is a JSON model: (Rust type, Go type with
/// `{Schema}` standing for the schema's Go name).
pub const SETTING_TYPES: &[(&str, &str)] = &[
    ("GroupMappings", "*{GroupMappingResponse}"),
    ("DnsServers", "*{DnsServerAddresses}"),
    ("Vec<DnsZone>", "[]{DnsZone}"),
    ("Vec<String>", "[]string"),
    ("DomainRoutingSubnet", "*{DomainRoutingSubnet}"),
    ("Subnet", "*{Subnet}"),
];

/// A word of an identifier as Go spells it (`id` → `ID`).
fn word(w: &str) -> String {
    let up = match w.to_ascii_lowercase().as_str() {
        "id" => "ID",
        "ids" => "IDs",
        "ip" => "IP",
        "ips" => "IPs",
        "ipv4" => "IPv4",
        "ipv6" => "IPv6",
        "dns" => "DNS",
        "vpn" => "VPN",
        "url" => "URL",
        "uuid" => "UUID",
        "api" => "API",
        "saml" => "SAML",
        "ldap" => "LDAP",
        "cidr" => "CIDR",
        "ike" => "IKE",
        "iso" => "ISO",
        "os" => "OS",
        "ios" => "IOS",
        "macos" => "MacOS",
        "snat" => "SNAT",
        _ => "",
    };
    if !up.is_empty() {
        return up.to_string();
    }
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `vpnRegionId` → `VPNRegionID`, `IpSecConfigRequest` → `IPsecConfigRequest`,
/// `clientUUID` → `ClientUUID`: words split where a lower-case letter or digit meets an
/// upper-case one.
pub fn ident(s: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if ch == '_' || ch == '-' || ch == '/' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .map(|w| word(w))
        .collect::<String>()
        .replace("IPSec", "IPsec")
}

/// The Go name of schema `s`.
pub fn type_name(s: &str) -> String {
    if let Some((_, g)) = RENAMES.iter().find(|(k, _)| *k == s) {
        return g.to_string();
    }
    if GO_MODELS.iter().any(|m| m.name == s) {
        return s.to_string();
    }
    ident(s.strip_suffix("Response").unwrap_or(s))
}

/// `{Schema}` in a Go type written with schema names → the Go names.
pub fn go_type(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        out += &rest[..i];
        let j = rest[i..].find('}').map(|j| i + j).expect("a closing brace");
        out += &type_name(&rest[i + 1..j]);
        rest = &rest[j + 1..];
    }
    out + rest
}

/// The schemas the table names directly.
fn roots() -> Vec<String> {
    let mut r = Vec::new();
    for f in FAMILIES {
        r.extend([f.go.item, f.go.create, f.go.update].map(String::from));
    }
    for op in OPS {
        match op.go_out {
            GoOut::Raw => {}
            GoOut::One(s) | GoOut::Page(s) | GoOut::List(s) | GoOut::Cursor { page: s, .. } => r.push(s.into()),
        }
        if !op.go_body.is_empty() {
            r.push(op.go_body.into());
        }
    }
    for s in SETTINGS_TABLE {
        if let Value::Json(rust) = s.value {
            let (_, t) = SETTING_TYPES
                .iter()
                .find(|(k, _)| *k == rust)
                .unwrap_or_else(|| panic!("codegen/gomodels.rs: no Go type for setting type {rust}"));
            if let (Some(i), Some(j)) = (t.find('{'), t.find('}')) {
                r.push(t[i + 1..j].into());
            }
        }
    }
    r
}

fn schema_ref(p: &Json) -> Option<&str> {
    p.get("$ref")?.as_str()?.rsplit('/').next()
}

/// The schemas of the document, by name.
fn schemas(spec: &Json) -> &Map<String, Json> {
    spec.pointer("/components/schemas")
        .and_then(Json::as_object)
        .expect("the OpenAPI document has components.schemas")
}

/// The Go type of property `p`; `request`: optional scalars become pointers so that an
/// unset field is not sent.
fn field_type(p: &Json, request: bool) -> String {
    if let Some(r) = schema_ref(p) {
        return format!("*{}", type_name(r));
    }
    let scalar = |t: &str| -> String {
        if request && t != "string" {
            format!("*{t}")
        } else {
            t.to_string()
        }
    };
    match p.get("type").and_then(Json::as_str) {
        Some("string") => "string".into(),
        Some("boolean") => scalar("bool"),
        Some("integer") => match p.get("format").and_then(Json::as_str) {
            Some("int64") => scalar("int64"),
            _ => scalar("int"),
        },
        Some("number") => scalar("float64"),
        Some("array") => {
            let items = p.get("items").unwrap_or(&Json::Null);
            match schema_ref(items) {
                Some(r) => format!("[]{}", type_name(r)),
                None => format!("[]{}", field_type(items, false)),
            }
        }
        _ => "json.RawMessage".into(),
    }
}

/// One struct field: (name, type, tag, comment).
struct Field {
    name: String,
    ty: String,
    tag: String,
    doc: String,
}

fn struct_text(name: &str, doc: &str, fields: &[Field]) -> String {
    let mut o = super::doc::comment("// ", doc);
    o += &format!("type {name} struct {{\n");
    // gofmt aligns the types and tags of consecutive fields; a comment line starts a new
    // block.
    let mut start = 0;
    while start < fields.len() {
        let mut end = start + 1;
        while end < fields.len() && fields[end].doc.is_empty() {
            end += 1;
        }
        let block = &fields[start..end];
        let nw = block.iter().map(|f| f.name.len()).max().unwrap_or(0);
        let tw = block.iter().map(|f| f.ty.len()).max().unwrap_or(0);
        for f in block {
            if !f.doc.is_empty() {
                o += &super::doc::comment("\t// ", &f.doc);
            }
            o += &format!("\t{:nw$} {:tw$} {}\n", f.name, f.ty, f.tag);
        }
        start = end;
    }
    o += "}\n\n";
    o
}

/// The whole generated file, from the OpenAPI document's text.
pub fn generate(spec_text: &str) -> String {
    let spec: Json = serde_json::from_str(spec_text).expect("the OpenAPI document is JSON");
    let all = schemas(&spec);
    let required: BTreeMap<&str, &[&str]> = FAMILIES.iter().map(|f| (f.go.create, f.required)).collect();

    // every schema reached from the roots
    let mut todo = roots();
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    while let Some(s) = todo.pop() {
        if seen.contains_key(&s) || GO_MODELS.iter().any(|m| m.name == s) {
            continue;
        }
        let schema = all
            .get(&s)
            .unwrap_or_else(|| panic!("codegen: schema {s} is not in {SPEC}"));
        for p in schema
            .get("properties")
            .and_then(Json::as_object)
            .into_iter()
            .flat_map(|m| m.values())
        {
            for r in [schema_ref(p), p.get("items").and_then(schema_ref)]
                .into_iter()
                .flatten()
            {
                todo.push(r.to_string());
            }
        }
        seen.insert(s, ());
    }

    let mut by_go: BTreeMap<String, String> = BTreeMap::new();
    for s in seen.keys() {
        let g = type_name(s);
        if let Some(other) = by_go.insert(g.clone(), s.clone()) {
            panic!("codegen: schemas {other} and {s} both become Go type {g}");
        }
    }

    let mut o = String::new();
    for (g, s) in &by_go {
        let schema = &all[s.as_str()];
        let request = s.ends_with("Request") || !s.ends_with("Response") && !g.ends_with("Page");
        let req_fields = required.get(s.as_str()).copied().unwrap_or(&[]);
        let mut fields = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Json::as_object) {
            for (json_name, p) in props {
                let name = ident(json_name);
                let is_req = req_fields.contains(&json_name.as_str());
                let ty = field_type(p, request && !is_req);
                let tag = if is_req {
                    format!("`json:\"{json_name}\"`")
                } else {
                    format!("`json:\"{json_name},omitempty\"`")
                };
                let mut doc = p
                    .get("description")
                    .and_then(Json::as_str)
                    .map(|d| format!("{name}: {}", d.trim()))
                    .unwrap_or_default();
                if let Some(e) = p.get("enum").and_then(Json::as_array) {
                    let vals: Vec<&str> = e.iter().filter_map(Json::as_str).collect();
                    if doc.is_empty() {
                        doc = format!("{name} is one of {}.", vals.join(", "));
                    } else {
                        doc += &format!(" One of {}.", vals.join(", "));
                    }
                }
                if is_req {
                    doc = if doc.is_empty() {
                        format!("{name} is required.")
                    } else {
                        format!("{doc} Required.")
                    };
                }
                fields.push(Field { name, ty, tag, doc });
            }
        }
        let what = if request {
            "A body the API takes"
        } else {
            "An answer of the API"
        };
        let mut doc = format!("{g} is the OpenAPI schema {s}. {what}; fields it does not know are ignored.");
        if let Some(d) = schema.get("description").and_then(Json::as_str) {
            doc = format!("{doc} {}", d.trim());
        }
        o += &struct_text(g, &doc, &fields);
    }
    for m in GO_MODELS {
        let fields: Vec<Field> = m
            .fields
            .iter()
            .map(|(j, t, d)| {
                let name = ident(j);
                Field {
                    doc: if d.is_empty() {
                        String::new()
                    } else {
                        format!("{name}: {d}.")
                    },
                    name,
                    ty: t.to_string(),
                    tag: format!("`json:\"{j},omitempty\"`"),
                }
            })
            .collect();
        o += &struct_text(m.name, m.doc, &fields);
    }
    o.truncate(o.trim_end().len());
    o.push('\n');
    let import = if o.contains("json.RawMessage") {
        "import \"encoding/json\"\n\n"
    } else {
        ""
    };
    format!(
        "// Code generated by build.rs from spec/cloudconnexa-api-1.1.0.json and codegen/table.rs. DO NOT EDIT.\n\n\
         package cloudconnexa\n\n{import}{o}"
    )
}
