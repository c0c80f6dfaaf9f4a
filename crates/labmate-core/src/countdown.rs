//! The credential expiry countdown, as the learner reads it.

/// How close the credentials are to expiring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryStatus {
    /// More than ten minutes left.
    Fresh,
    /// Ten minutes or less: time to fetch new ones.
    Soon,
    Expired,
}

/// The warning threshold: ten minutes.
pub const WARN_BEFORE_SECS: i64 = 600;

pub fn expiry_status(seconds_left: i64) -> ExpiryStatus {
    if seconds_left <= 0 {
        ExpiryStatus::Expired
    } else if seconds_left <= WARN_BEFORE_SECS {
        ExpiryStatus::Soon
    } else {
        ExpiryStatus::Fresh
    }
}

/// `2h 05m 09s`, `9m 05s`, `42s`.
pub fn duration_text(seconds: i64) -> String {
    let s = seconds.abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {sec:02}s")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// The line under the identity: "expires in 9m 05s" or "expired 42s ago".
pub fn countdown_text(seconds_left: i64) -> String {
    if seconds_left > 0 {
        format!("expires in {}", duration_text(seconds_left))
    } else {
        format!("expired {} ago", duration_text(seconds_left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_thresholds() {
        assert_eq!(countdown_text(7509), "expires in 2h 05m 09s");
        assert_eq!(countdown_text(545), "expires in 9m 05s");
        assert_eq!(countdown_text(-42), "expired 42s ago");
        assert_eq!(expiry_status(601), ExpiryStatus::Fresh);
        assert_eq!(expiry_status(600), ExpiryStatus::Soon);
        assert_eq!(expiry_status(0), ExpiryStatus::Expired);
    }
}
