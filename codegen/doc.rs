//! Doc text of the generated functions: the argument and error paragraphs every C
//! function of one shape shares, and line wrapping.

use super::table::{Arg, Out};

/// `text` as `prefix` comment lines of at most 100 columns (paragraphs split at `\n\n`).
pub fn comment(prefix: &str, text: &str) -> String {
    let mut o = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            o += prefix.trim_end();
            o += "\n";
        }
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && prefix.len() + line.len() + 1 + word.len() > 100 {
                o += &format!("{prefix}{line}\n");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line += word;
        }
        if !line.is_empty() {
            o += &format!("{prefix}{line}\n");
        }
    }
    o
}

/// `a`, `a` or `b`, `a`, `b` or `c`.
fn either(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The paragraphs after the summary of a C function: its arguments, who owns the answer,
/// every error code it gives for bad input and how failures of the call are reported.
pub fn c_details(args: &[Arg], out: Out, offline: bool) -> String {
    let mut paras: Vec<String> = Vec::new();
    let arg_docs: Vec<&str> = args
        .iter()
        .filter_map(|a| match a {
            Arg::Num { doc, .. } | Arg::Str { doc, .. } | Arg::Json { doc, .. } => Some(*doc),
            _ => None,
        })
        .collect();
    if !arg_docs.is_empty() {
        paras.push(arg_docs.join(" "));
    }
    if args.iter().any(|a| matches!(a, Arg::Page)) {
        paras.push("`page` counts from 0; `size` is 1..=1000, else `CCX_CODE_INVALID_PARAMETER`.".into());
    }
    let mut null = Vec::new();
    if !offline {
        null.push("`client`".to_string());
    }
    if out != Out::Unit {
        null.push("`json_out`".to_string());
    }
    let strings: Vec<String> = args
        .iter()
        .filter(|a| !matches!(a, Arg::Page | Arg::Num { .. }))
        .map(|a| format!("`{}`", a.name()))
        .collect();
    let mut errors = format!("NULL {}", either(&null));
    if !strings.is_empty() {
        errors += &format!(", or a NULL {} with a non-zero length", either(&strings));
    }
    errors += ": `CCX_CODE_NULL_PARAMETER`.";
    let ids: Vec<String> = args
        .iter()
        .filter(|a| matches!(a, Arg::Id(_) | Arg::Str { .. }))
        .map(|a| format!("`{}`", a.name()))
        .collect();
    if !ids.is_empty() {
        errors += &format!(" An empty {}: `CCX_CODE_INVALID_PARAMETER`.", either(&ids));
    }
    let opt: Vec<String> = args
        .iter()
        .filter(|a| matches!(a, Arg::OptId(_)))
        .map(|a| format!("`{}`", a.name()))
        .collect();
    if !opt.is_empty() {
        errors += &format!(" An empty {} (`(NULL, 0)` included) means none.", either(&opt));
    }
    let text: Vec<String> = args
        .iter()
        .filter(|a| matches!(a, Arg::Id(_) | Arg::OptId(_) | Arg::Str { .. }))
        .map(|a| format!("`{}`", a.name()))
        .collect();
    if !text.is_empty() {
        errors += &format!(" {} not UTF-8: `CCX_CODE_INVALID_UTF8`.", either(&text));
    }
    let required_json: Vec<String> = args
        .iter()
        .filter(|a| matches!(a, Arg::Json { optional: false, .. }))
        .map(|a| format!("`{}`", a.name()))
        .collect();
    if !required_json.is_empty() {
        errors += &format!(
            " An empty {} (`(NULL, 0)` included) or malformed JSON: `CCX_CODE_INVALID_JSON`.",
            either(&required_json)
        );
    }
    if offline {
        errors += " Makes no request.";
    } else {
        errors += " A refusal of the service is `CCX_CODE_HTTP_STATUS` (status and body on the error); \
                   transport, limiter and breaker failures have their own codes (`ccx_code`). `opts` and \
                   `err_out` may be NULL; on failure `*err_out` receives an error freed with `ccx_error_free`.";
    }
    paras.push(errors);
    let mut tail = String::new();
    if out != Out::Unit {
        tail += "`json_out` is written only on success and owned by the caller (free it with `ccx_bytes_free`). ";
    }
    tail += if offline {
        "Thread-safe."
    } else {
        "Thread-safe: any thread, concurrently on one client."
    };
    paras.push(tail);
    paras.join("\n\n")
}
