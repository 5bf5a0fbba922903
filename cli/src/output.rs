//! How resources are shown: a table of chosen columns for lists, `field  value` lines
//! for one item, or the JSON as the API answered it (`--json`).

use serde_json::Value;

/// Longest cell shown in a table; longer text is cut with `…`.
const MAX_CELL: usize = 48;

/// A JSON value as one table cell: text as is, arrays of objects as their length (a
/// network's routes), other arrays joined with commas, objects as compact JSON.
pub fn cell(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.iter().any(|x| x.is_object() || x.is_array()) => a.len().to_string(),
        Some(Value::Array(a)) => a.iter().map(|x| cell(Some(x))).collect::<Vec<_>>().join(","),
        Some(Value::Object(o)) if o.is_empty() => String::new(),
        Some(other) => other.to_string(),
    };
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() > MAX_CELL {
        let cut: String = one_line.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// The header of a column: the words of a camelCase field in capitals
/// (`internetAccess` is `INTERNET ACCESS`).
pub fn header(field: &str) -> String {
    let mut h = String::new();
    for c in field.chars() {
        if c.is_uppercase() && !h.is_empty() {
            h.push(' ');
        }
        h.extend(c.to_uppercase());
    }
    h
}

/// A table: the header row, then one row per item; `columns` are JSON fields.
pub fn table(items: &[Value], columns: &[&str]) -> String {
    let headers: Vec<String> = columns.iter().map(|f| header(f)).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|it| columns.iter().map(|f| cell(it.get(*f))).collect())
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&headers).chain(rows.iter()) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One item as `field  value` lines, every top-level field in the API's order.
/// Nested values are shown as compact JSON.
pub fn item(v: &Value) -> String {
    let Value::Object(map) = v else {
        return format!("{}\n", scalar(v));
    };
    let width = map.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, val) in map {
        out.push_str(format!("{k:<width$}  {}", scalar(val)).trim_end());
        out.push('\n');
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Pretty JSON, newline-terminated.
pub fn json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_aligns_columns_and_summarises_nested_values() {
        let items = vec![
            json!({"id": "n1", "name": "office", "routes": [1, 2], "egress": true}),
            json!({"id": "n22", "name": null, "routes": [{"id": "r"}], "egress": false}),
        ];
        let t = table(&items, &["id", "name", "routes", "egress"]);
        let want = "ID   NAME    ROUTES  EGRESS\nn1   office  1,2     true\nn22          1       false\n";
        assert_eq!(t, want);
        assert_eq!(header("internetAccess"), "INTERNET ACCESS");
        assert_eq!(cell(Some(&json!({"a": 1}))), r#"{"a":1}"#);
    }

    #[test]
    fn long_cells_are_cut() {
        let c = cell(Some(&json!("x".repeat(100))));
        assert_eq!(c.chars().count(), MAX_CELL);
        assert!(c.ends_with('…'));
    }
}
