//! Time formats AWS uses, from and to epoch milliseconds.
//!
//! One unit throughout labsim: every instant, parsed or passed in, is
//! epoch **milliseconds** (`i64`), so [`parse_amz_date_ms`] returns
//! milliseconds too. The core never reads a clock (the caller passes the
//! time in). The calendar is aws-smithy-types' (as in labmate-core);
//! formatting works at whole seconds (milliseconds are truncated, also
//! before 1970) and holds instants to the years 0001 to 9999 that the
//! formats allow.

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

const MS_PER_SECOND: i64 = 1000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range RFC 3339 and
/// HTTP dates can write.
const FIRST_SECOND: i64 = -62_135_596_800;
const LAST_SECOND: i64 = 253_402_300_799;

/// `epoch_ms` at whole seconds, held to the years 0001 to 9999.
fn second(epoch_ms: i64) -> DateTime {
    DateTime::from_secs(
        epoch_ms
            .div_euclid(MS_PER_SECOND)
            .clamp(FIRST_SECOND, LAST_SECOND),
    )
}

/// RFC 3339 in UTC at second precision, as STS writes `Expiration`:
/// `2024-10-08T19:55:22Z`.
pub fn rfc3339(epoch_ms: i64) -> String {
    second(epoch_ms)
        .fmt(Format::DateTime)
        .expect("a whole second in 0001-9999 formats")
}

/// SigV4's ISO 8601 basic format, as in `x-amz-date`: `20241008T195522Z`.
pub fn amz_date(epoch_ms: i64) -> String {
    rfc3339(epoch_ms).replace(['-', ':'], "")
}

/// The HTTP `Date` header format (IMF-fixdate): `Tue, 08 Oct 2024 19:55:22 GMT`.
pub fn http_date(epoch_ms: i64) -> String {
    second(epoch_ms)
        .fmt(Format::HttpDate)
        .expect("a whole second in 0001-9999 formats")
}

/// Parses `x-amz-date` (`20241008T195522Z`) to epoch **milliseconds**;
/// `None` unless it is exactly that shape and a real instant.
pub fn parse_amz_date_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let shaped = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b.iter()
            .enumerate()
            .all(|(i, d)| i == 8 || i == 15 || d.is_ascii_digit());
    if !shaped {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    let parsed = DateTime::from_str(&iso, Format::DateTime).ok()?;
    parsed.secs().checked_mul(MS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    // `date -u -d 2024-10-08T19:55:22Z +%s`
    const T: i64 = 1_728_417_322_000;

    #[test]
    fn formats_a_known_instant() {
        assert_eq!(amz_date(T), "20241008T195522Z");
        assert_eq!(rfc3339(T), "2024-10-08T19:55:22Z");
        assert_eq!(http_date(T), "Tue, 08 Oct 2024 19:55:22 GMT");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // Milliseconds are truncated, also before 1970.
        assert_eq!(amz_date(T + 999), "20241008T195522Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        // Beyond what the formats can write: held to their last second.
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(http_date(i64::MIN), "Mon, 01 Jan 0001 00:00:00 GMT");
    }

    #[test]
    fn parses_what_it_formats() {
        assert_eq!(parse_amz_date_ms("20241008T195522Z"), Some(T));
        assert_eq!(
            parse_amz_date_ms("20240229T000000Z"),
            Some(1_709_164_800_000)
        );
        for ms in [0, T, 951_782_400_000, 4_102_444_799_000] {
            assert_eq!(parse_amz_date_ms(&amz_date(ms)), Some(ms));
        }
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "20241008195522Z",
            "20241008T195522",
            "2024-10-08T19:55:22Z",
            "20241008T1955220",
            "20230229T000000Z",
            "20241301T000000Z",
            "20241008T245522Z",
            "2024100+T195522Z",
            "20241008T235960Z",
            "20241008T19552:Z",
        ] {
            assert_eq!(parse_amz_date_ms(bad), None, "{bad}");
        }
    }
}
