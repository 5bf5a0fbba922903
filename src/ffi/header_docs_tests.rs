//! Every function of `include/cloudconnexa.h` is documented for C readers: its comment
//! names each parameter and has the `Thread safety:` and `Returns:` parts, and an
//! `Ownership:` part when a pointer goes in or out (docs/ABI.md, "How each function is
//! documented"). The header is the one `cargo build` just wrote from `src/ffi` and the
//! generator templates (`codegen/doc.rs`), so a new function without them fails here.

/// One function declaration of the header and the doc comment right before it.
#[derive(Debug)]
struct Decl {
    name: String,
    /// `(type, name)` of each parameter; empty for `(void)`.
    params: Vec<(String, String)>,
    returns: String,
    /// The text of the `/** … */` comment, `*` margins removed; `None` when there is none.
    doc: Option<String>,
}

/// The text of a `/** … */` comment without its delimiters and ` * ` margins.
fn comment_text(c: &str) -> String {
    c.trim_start_matches("/**")
        .trim_end_matches("*/")
        .lines()
        .map(|l| {
            let l = l.trim_start();
            l.strip_prefix("* ").or_else(|| l.strip_prefix('*')).unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(type, name)` of one C parameter such as `const struct ccx_client *client`.
fn param(p: &str) -> (String, String) {
    let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
    let split = p
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    (p[..split].trim().to_string(), p[split..].to_string())
}

/// A statement (the code between two `;`, `{` or `}`) that declares a `ccx_*` function.
fn declaration(stmt: &str, doc: Option<String>) -> Option<Decl> {
    let stmt = stmt.trim();
    if stmt.starts_with("typedef") {
        return None;
    }
    let open = stmt.find('(')?;
    let head = stmt[..open].trim_end();
    let name_at = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &head[name_at..];
    if !name.starts_with("ccx_") {
        return None;
    }
    let inner = stmt[open + 1..].trim_end().strip_suffix(')')?;
    let params = if inner.trim() == "void" {
        Vec::new()
    } else {
        inner.split(',').map(param).collect()
    };
    Some(Decl {
        name: name.to_string(),
        params,
        returns: head[..name_at].split_whitespace().collect::<Vec<_>>().join(" "),
        doc,
    })
}

/// Every `ccx_*` function the header declares, with its doc comment. Preprocessor lines
/// and `//` comments are skipped; a `/** … */` comment belongs to the statement after it.
fn declarations(header: &str) -> Vec<Decl> {
    let mut out = Vec::new();
    let mut doc: Option<String> = None;
    let mut stmt = String::new();
    let mut rest = header;
    let mut line_start = true;
    while let Some(c) = rest.chars().next() {
        if line_start && rest.trim_start_matches([' ', '\t']).starts_with('#') {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
            stmt.push('\n');
            continue;
        }
        if rest.starts_with("/*") {
            let end = rest.find("*/").expect("every comment of the header is closed") + 2;
            if rest.starts_with("/**") {
                doc = Some(comment_text(&rest[..end]));
            }
            rest = &rest[end..];
            line_start = false;
            continue;
        }
        if rest.starts_with("//") {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
            line_start = true;
            continue;
        }
        match c {
            ';' => {
                out.extend(declaration(&stmt, doc.take()));
                stmt.clear();
            }
            '{' | '}' => {
                doc = None;
                stmt.clear();
            }
            _ => stmt.push(c),
        }
        line_start = c == '\n';
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Each name followed by `(` outside comments and preprocessor lines: the count of
/// declared functions, found without the parser above (so that it cannot miss one).
fn declared_names(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_comment = false;
    for line in header.lines() {
        let mut l = line.to_string();
        if in_comment {
            match l.find("*/") {
                Some(i) => {
                    l = l[i + 2..].to_string();
                    in_comment = false;
                }
                None => continue,
            }
        }
        while let Some(i) = l.find("/*") {
            match l[i..].find("*/") {
                Some(j) => l.replace_range(i..i + j + 2, " "),
                None => {
                    l.truncate(i);
                    in_comment = true;
                }
            }
        }
        if l.trim_start().starts_with('#') || l.trim_start().starts_with("//") {
            continue;
        }
        let mut s = l.as_str();
        while let Some(i) = s.find("ccx_") {
            let after = &s[i..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let before_ok = i == 0 || !s[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            if before_ok && after[end..].starts_with('(') {
                names.push(after[..end].to_string());
            }
            s = &after[end..];
        }
    }
    names
}

/// A line of the comment that starts with `label` (the parts are paragraphs opening with
/// their label: `Thread safety: …`).
fn has_part(doc: &str, label: &str) -> bool {
    doc.lines().any(|l| l.starts_with(label))
}

/// What is missing from the comment of `d` (empty: nothing).
fn missing(d: &Decl) -> Vec<String> {
    let Some(doc) = &d.doc else {
        return vec!["a doc comment".into()];
    };
    let mut m = Vec::new();
    for part in ["Thread safety:", "Returns:"] {
        if !has_part(doc, part) {
            m.push(format!("a `{part}` part"));
        }
    }
    let pointers = d.returns.contains('*') || d.params.iter().any(|(t, _)| t.contains('*'));
    if pointers && !has_part(doc, "Ownership:") {
        m.push("an `Ownership:` part (a pointer goes in or out)".into());
    }
    for (_, p) in &d.params {
        // `x_len` goes with `x`: a (pointer, length) pair is documented as one
        let named = |n: &str| doc.contains(&format!("`{n}`"));
        if !named(p) && !p.strip_suffix("_len").is_some_and(named) {
            m.push(format!("parameter `{p}` named in backticks"));
        }
    }
    m
}

fn header() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/cloudconnexa.h");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

#[test]
fn the_parser_sees_every_function_of_the_header() {
    let h = header();
    let parsed: Vec<String> = declarations(&h).into_iter().map(|d| d.name).collect();
    let mut found = declared_names(&h);
    found.sort();
    let mut sorted = parsed.clone();
    sorted.sort();
    assert_eq!(sorted, found, "the two ways of finding the header's functions disagree");
    assert!(
        parsed.len() > 150,
        "only {} functions found in the header",
        parsed.len()
    );
    assert!(parsed.iter().any(|n| n == "ccx_client_build") && parsed.iter().any(|n| n == "ccx_bytes_free"));
}

#[test]
fn every_header_function_is_documented_for_c_readers() {
    let decls = declarations(&header());
    let bad: Vec<String> = decls
        .iter()
        .filter_map(|d| {
            let m = missing(d);
            (!m.is_empty()).then(|| format!("  {}: lacks {}", d.name, m.join(", ")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of the {} functions of include/cloudconnexa.h lack parts of their comment (docs/ABI.md, \
         \"How each function is documented\"); hand-written ones are documented in src/ffi/*.rs, \
         generated ones in codegen/doc.rs:\n{}",
        bad.len(),
        decls.len(),
        bad.join("\n")
    );
}

#[test]
fn the_checker_finds_what_is_missing() {
    let h = "/**\n * Frees.\n *\n * Thread safety: one thread.\n */\nvoid ccx_a_free(struct ccx_a *a);\n\n\
             /**\n * Counts.\n *\n * Thread safety: any.\n *\n * Returns: the count.\n */\n\
             uint32_t ccx_count(uint32_t x,\n                   size_t y_len);\n\n\
             typedef void (*ccx_fn)(void *userdata);\n#define CCX_X(a) (a)\n\
             uint32_t ccx_bare(void);\n";
    let d = declarations(h);
    let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["ccx_a_free", "ccx_count", "ccx_bare"]);
    assert_eq!(declared_names(h), names);
    assert_eq!(d[0].params, [("struct ccx_a *".to_string(), "a".to_string())]);
    assert_eq!(d[2].params, []);
    let m0 = missing(&d[0]);
    assert!(m0.iter().any(|m| m.contains("Returns:")), "{m0:?}");
    assert!(m0.iter().any(|m| m.contains("Ownership:")), "{m0:?}");
    assert!(m0.iter().any(|m| m.contains("`a`")), "{m0:?}");
    let m1 = missing(&d[1]);
    assert_eq!(m1.len(), 2, "{m1:?}");
    assert!(m1.iter().any(|m| m.contains("`x`")) && m1.iter().any(|m| m.contains("`y_len`")));
    assert_eq!(missing(&d[2]), ["a doc comment"]);
}
