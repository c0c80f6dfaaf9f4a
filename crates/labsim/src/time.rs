//! Time formats AWS uses, from and to epoch milliseconds.
//!
//! The core never reads a clock (the caller passes the time in), and a date
//! library would be a dependency for three formats; the calendar arithmetic is
//! Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for the
//! proleptic Gregorian calendar.

const MS_PER_SECOND: i64 = 1000;
const SECONDS_PER_DAY: i64 = 86_400;

/// A UTC calendar instant at second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Sunday.
    weekday: u32,
}

fn civil(epoch_ms: i64) -> Civil {
    let seconds = epoch_ms.div_euclid(MS_PER_SECOND);
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY) as u32;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: second_of_day / 3600,
        minute: second_of_day / 60 % 60,
        second: second_of_day % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// SigV4's ISO 8601 basic format, as in `x-amz-date`: `20241008T195522Z`.
pub fn amz_date(epoch_ms: i64) -> String {
    let c = civil(epoch_ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 3339 in UTC at second precision, as STS writes `Expiration`:
/// `2024-10-08T19:55:22Z`.
pub fn rfc3339(epoch_ms: i64) -> String {
    let c = civil(epoch_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// The HTTP `Date` header format (IMF-fixdate): `Tue, 08 Oct 2024 19:55:22 GMT`.
pub fn http_date(epoch_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(epoch_ms);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday as usize],
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// Parses `x-amz-date` (`20241008T195522Z`) to epoch milliseconds; `None`
/// unless it is exactly that shape and a real instant.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = &text[range];
        digits
            .bytes()
            .all(|d| d.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let year = i64::from(number(0..4)?);
    let month = number(4..6)?;
    let day = number(6..8)?;
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second);
    Some(seconds * MS_PER_SECOND)
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
    }

    #[test]
    fn parses_what_it_formats() {
        assert_eq!(parse_amz_date("20241008T195522Z"), Some(T));
        assert_eq!(parse_amz_date("20240229T000000Z"), Some(1_709_164_800_000));
        for ms in [0, T, 951_782_400_000, 4_102_444_799_000] {
            assert_eq!(parse_amz_date(&amz_date(ms)), Some(ms));
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
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
