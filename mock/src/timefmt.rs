//! ISO-8601 instants as the API writes and reads them (`2022-11-08T14:53:43Z`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Format Unix seconds as an RFC 3339 instant in UTC.
pub fn format_unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parse an RFC 3339 / ISO instant (offsets allowed) into Unix seconds.
pub fn parse_instant(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(format_unix(1_667_919_223), "2022-11-08T14:53:43Z");
        assert_eq!(parse_instant("2022-11-08T14:53:43Z"), Some(1_667_919_223));
        assert_eq!(parse_instant("2022-11-08T16:53:43+02:00"), Some(1_667_919_223));
        assert_eq!(parse_instant("yesterday"), None);
    }
}
