//! Client-side checks run before a request is built (so bad input costs no call
//! of the rate limit), and the clean-up of bare-text answers.

use crate::error::{Error, ErrorKind, Result};
use crate::request::segment;

/// Check an id that travels in the query string (`networkId`, `userId`, …) with the
/// same rules as a path id: not empty, not `.`/`..`, no control characters.
/// The core percent-encodes it when the URL is built.
pub(crate) fn query_id<'s>(name: &str, id: &'s str) -> Result<&'s str> {
    segment(id).map_err(|e| Error::invalid(format!("{name}: {}", e.message())))?;
    Ok(id)
}

/// An optional filter id: `None` is no filter; `Some("")` is refused rather than
/// silently listing everything.
pub(crate) fn filter_id<'s>(name: &str, id: Option<&'s str>) -> Result<Option<&'s str>> {
    id.map(|id| query_id(name, id)).transpose()
}

/// `value` must lie in `min..=max`.
pub(crate) fn in_range<T>(name: &str, value: T, min: T, max: T) -> Result<()>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if value < min || value > max {
        return Err(Error::invalid(format!(
            "{name} must be from {min} to {max}, got {value}"
        )));
    }
    Ok(())
}

/// The body of a `text/plain` answer. If the service wrapped it as a JSON string
/// (`"abc"`) it is unquoted; otherwise it is returned unchanged.
pub(crate) fn unquote(text: String) -> String {
    let t = text.trim();
    if t.len() >= 2
        && t.starts_with('"')
        && t.ends_with('"')
        && let Ok(s) = serde_json::from_str::<String>(t)
    {
        return s;
    }
    text
}

/// A bare-text setting value: unquoted and without surrounding whitespace.
pub(crate) fn setting_text(text: String) -> String {
    unquote(text).trim().to_string()
}

/// Decode a JSON answer already read as text (for answers that may be empty).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::new(ErrorKind::Decode, format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_the_query_are_checked() {
        assert_eq!(query_id("userId", "a/b").unwrap(), "a/b");
        let e = query_id("userId", "").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput);
        assert!(e.message().contains("userId"));
        assert!(filter_id("networkId", Some("..")).is_err());
        assert_eq!(filter_id("networkId", None).unwrap(), None);
    }

    #[test]
    fn ranges() {
        assert!(in_range("size", 0u32, 1, 1000).is_err());
        assert!(in_range("size", 1001u32, 1, 1000).is_err());
        assert!(in_range("size", 1000u32, 1, 1000).is_ok());
    }

    #[test]
    fn text_answers() {
        assert_eq!(unquote("\"corp.example\"".into()), "corp.example");
        assert_eq!(unquote("corp.example".into()), "corp.example");
        assert_eq!(unquote("\"broken".into()), "\"broken");
        assert_eq!(setting_text("FULL_MESH\n".into()), "FULL_MESH");
        let e = decode::<bool>("x", "nope").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Decode);
    }
}
