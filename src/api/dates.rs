//! RFC 3339 instants, the format of every date-time query parameter of the API
//! (`2024-11-08T14:00:00Z`), without a date-time dependency.

use crate::error::{Error, Result};

pub use crate::timefmt::rfc3339;

/// Check that `value` is an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`);
/// `name` is the parameter named in the `InvalidInput` error.
pub(crate) fn check_rfc3339(name: &str, value: &str) -> Result<()> {
    if is_rfc3339(value.as_bytes()) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{name} must be an RFC 3339 date-time like 2024-11-08T14:00:00Z, got {value:?}"
        )))
    }
}

fn is_rfc3339(b: &[u8]) -> bool {
    let num = |s: &[u8], max: u32| -> bool {
        s.iter().all(u8::is_ascii_digit) && s.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')) <= max
    };
    if b.len() < 20 {
        return false;
    }
    let date_ok = b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && num(&b[5..7], 12)
        && b[5..7] != *b"00"
        && b[7] == b'-'
        && num(&b[8..10], 31)
        && b[8..10] != *b"00"
        && matches!(b[10], b'T' | b't')
        && num(&b[11..13], 23)
        && b[13] == b':'
        && num(&b[14..16], 59)
        && b[16] == b':'
        && num(&b[17..19], 60);
    if !date_ok {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => num(&[*h1, *h2], 23) && num(&[*m1, *m2], 59),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_utc_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_667_919_223);
        assert_eq!(rfc3339(t), "2022-11-08T14:53:43Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn checks_the_format() {
        for ok in [
            "2024-11-08T14:00:00Z",
            "2024-11-08T14:00:00.123Z",
            "2024-11-08t14:00:00+02:00",
        ] {
            assert!(check_rfc3339("startDate", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2024-11-08",
            "2024-13-08T14:00:00Z",
            "2024-11-08T24:00:00Z",
            "2024-11-08 14:00:00Z",
            "2024-11-08T14:00:00",
            "2024-11-08T14:00:00.Z",
            "yesterday",
            "2024-11-08T14:00:00+0200",
        ] {
            assert!(check_rfc3339("startDate", bad).is_err(), "{bad}");
        }
    }
}
