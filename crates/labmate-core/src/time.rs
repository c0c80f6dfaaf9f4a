//! Dates as AWS writes them, through aws-smithy-types (already in the
//! bundle for aws-sigv4), so the core keeps no calendar code of its own.

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// Epoch seconds as RFC 3339, `2026-11-23T20:04:40Z`.
pub fn format_rfc3339(epoch: i64) -> String {
    DateTime::from_secs(epoch)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| epoch.to_string())
}

/// Epoch seconds as `2026-11-23 20:04 UTC`, for messages.
pub fn format_utc(epoch: i64) -> String {
    let iso = format_rfc3339(epoch);
    match (iso.get(..10), iso.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => iso,
    }
}

/// SigV4's basic format, `20241008T200440Z`, to epoch seconds.
pub fn parse_amz_date_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !s.is_ascii() {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    DateTime::from_str(&iso, Format::DateTime)
        .ok()
        .map(|d| d.secs())
}

/// HTTP's `Date` header (`Fri, 27 Nov 2026 09:00:00 GMT`) to epoch seconds.
pub fn parse_http_date_seconds(s: &str) -> Option<i64> {
    DateTime::from_str(s.trim(), Format::HttpDate)
        .ok()
        .map(|d| d.secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_http_dates() {
        assert_eq!(
            parse_http_date_seconds("Tue, 08 Oct 2024 20:04:40 GMT"),
            parse_amz_date_seconds("20241008T200440Z")
        );
        assert_eq!(parse_http_date_seconds("yesterday"), None);
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_rfc3339(1_728_417_880), "2024-10-08T20:04:40Z");
        assert_eq!(format_utc(1_728_417_880), "2024-10-08 20:04 UTC");
        assert_eq!(
            parse_amz_date_seconds("20241008T200440Z"),
            Some(1_728_417_880)
        );
        assert_eq!(parse_amz_date_seconds("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date_seconds("20241308T000000Z"), None);
        assert_eq!(parse_amz_date_seconds("2024-10-08T20:04"), None);
    }
}
