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

/// As [`comment`], but never breaking a line inside a `code span`.
pub fn code_comment(prefix: &str, text: &str) -> String {
    const KEEP: char = '\u{E000}';
    let mut inside = false;
    let kept: String = text
        .chars()
        .map(|c| {
            inside ^= c == '`';
            if inside && c == ' ' { KEEP } else { c }
        })
        .collect();
    comment(prefix, &kept).replace(KEEP, " ")
}

/// `a`, `a` or `b`, `a`, `b` or `c`.
fn either(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The parts after the summary of a C function, each a paragraph opening with its label
/// (docs/ABI.md, "How each function is documented"): `Parameters:` (each argument, what
/// NULL does), `Ownership:` (who frees the answer and the error), `Thread safety:` and
/// `Returns:` (every code it gives for bad input, then "the codes of a call", listed once
/// on `ccx_code`).
pub fn c_details(summary: &str, args: &[Arg], out: Out, offline: bool) -> String {
    let named = |f: &dyn Fn(&Arg) -> bool| -> Vec<String> {
        args.iter()
            .filter(|a| f(a))
            .map(|a| format!("`{}`", a.name()))
            .collect()
    };

    let mut params: Vec<String> = Vec::new();
    if !offline {
        params.push("`client` is required.".into());
    }
    for a in args {
        params.push(match a {
            Arg::Page => "`page` counts from 0; `size` is 1..=1000.".into(),
            Arg::Id(n) => format!("`{n}` is a required, non-empty id: `{n}_len` bytes of UTF-8, not NUL-terminated."),
            Arg::OptId(n) => {
                format!("`{n}` is an optional id (`{n}_len` bytes of UTF-8): empty, `(NULL, 0)` included, means none.")
            }
            Arg::Num { doc, .. } | Arg::Str { doc, .. } | Arg::Json { doc, .. } => (*doc).to_string(),
        });
    }
    if !offline {
        params.push("`opts` may be NULL (no cancel token, timeout or trace).".into());
    }
    if out != Out::Unit {
        params.push("`json_out` is required and receives the answer.".into());
    }
    if !offline {
        params.push("`err_out` may be NULL (no error object).".into());
    }

    let mut own: Vec<&str> = Vec::new();
    if out != Out::Unit {
        own.push(
            "On success `*json_out` holds JSON (not NUL-terminated) that the caller frees with `ccx_bytes_free`; \
             on failure it is not written.",
        );
    }
    if !offline {
        own.push(
            "On failure a non-NULL `err_out` receives an error the caller frees with `ccx_error_free`; \
             on success `*err_out` is not written.",
        );
        own.push("`client`, `opts` and the input buffers are only borrowed for the call.");
    }
    // "Ownership: on success …", like the other parts after their colon
    let own = own.join(" ");
    let own = format!("{}{}", own[..1].to_lowercase(), &own[1..]);

    let threads = if offline {
        "Thread safety: safe from any thread, at any time."
    } else {
        "Thread safety: safe from any thread; any number of calls may run at once on one `client`. One \
         `opts` may serve concurrent calls while no thread changes it. The request and log callbacks run \
         on the threads that call the client, and on the library's token thread for token requests."
    };

    let mut null = Vec::new();
    if !offline {
        null.push("`client`".to_string());
    }
    if out != Out::Unit {
        null.push("`json_out`".to_string());
    }
    let mut codes = vec!["`CCX_CODE_OK` on success".to_string()];
    let mut n = format!("`CCX_CODE_NULL_PARAMETER` for a NULL {}", either(&null));
    let with_len = named(&|a| !matches!(a, Arg::Page | Arg::Num { .. }));
    if !with_len.is_empty() {
        n += &format!(", or a NULL {} with a non-zero length", either(&with_len));
    }
    codes.push(n);
    let mut invalid = Vec::new();
    let empty = named(&|a| matches!(a, Arg::Id(_) | Arg::Str { .. }));
    if !empty.is_empty() {
        invalid.push(format!("an empty {}", either(&empty)));
    }
    if args.iter().any(|a| matches!(a, Arg::Page)) {
        invalid.push("a `size` outside 1..=1000".into());
    }
    if args.iter().any(|a| matches!(a, Arg::Id(_) | Arg::OptId(_))) {
        invalid.push("an unusable id (`.`, `..`, over 512 bytes, control characters)".into());
    }
    if !invalid.is_empty() {
        let last = invalid.pop().unwrap_or_default();
        let list = if invalid.is_empty() {
            last
        } else {
            format!("{}, or {last}", invalid.join(", "))
        };
        codes.push(format!("`CCX_CODE_INVALID_PARAMETER` for {list}"));
    }
    let text = named(&|a| matches!(a, Arg::Id(_) | Arg::OptId(_) | Arg::Str { .. }));
    if !text.is_empty() {
        codes.push(format!("`CCX_CODE_INVALID_UTF8` for {} not UTF-8", either(&text)));
    }
    let required_json = named(&|a| matches!(a, Arg::Json { optional: false, .. }));
    if !required_json.is_empty() {
        codes.push(format!(
            "`CCX_CODE_INVALID_JSON` for an empty (`(NULL, 0)` included) or malformed {}",
            either(&required_json)
        ));
    }
    let documented = summary.contains("CCX_CODE_")
        || args.iter().any(|a| match a {
            Arg::Num { doc, .. } | Arg::Str { doc, .. } | Arg::Json { doc, .. } => doc.contains("CCX_CODE_"),
            _ => false,
        });
    if documented {
        codes.push("the codes given above for refused values".into());
    }
    let mut returns = format!("Returns: {}", codes.join("; "));
    if offline {
        returns += ". Makes no request.";
    } else {
        returns += "; otherwise the codes of a call (see `ccx_code`): a refusal of the service is \
                    `CCX_CODE_HTTP_STATUS` (status and body on the error).";
    }

    [
        format!("Parameters: {}", params.join(" ")),
        format!("Ownership: {own}"),
        threads.to_string(),
        returns,
    ]
    .join("\n\n")
}
