//! The credential expiry countdown, as the learner reads it, in the page's
//! language (the words are `words::SetupWords`'s `duration_*` and
//! `countdown_*`).

use crate::word;
use crate::words::Lang;

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
    duration_text_in(seconds, Lang::En)
}

/// A duration in `lang`: `2h 05m 09s`, or `2 giờ 5 phút 9 giây`.
pub fn duration_text_in(seconds: i64, lang: Lang) -> String {
    let s = seconds.abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        word!(lang, setup.duration_hms)(h, m, sec)
    } else if m > 0 {
        word!(lang, setup.duration_ms)(m, sec)
    } else {
        word!(lang, setup.duration_s)(sec)
    }
}

/// The line under the identity: "expires in 9m 05s" or "expired 42s ago".
pub fn countdown_text(seconds_left: i64) -> String {
    countdown_text_in(seconds_left, Lang::En)
}

/// The countdown line in `lang`.
pub fn countdown_text_in(seconds_left: i64, lang: Lang) -> String {
    let duration = duration_text_in(seconds_left, lang);
    if seconds_left > 0 {
        word!(lang, setup.countdown_expires_in)(&duration)
    } else {
        word!(lang, setup.countdown_expired_ago)(&duration)
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

    #[test]
    fn durations_and_countdowns_are_worded_in_each_language() {
        assert_eq!(duration_text_in(123, Lang::Vi), "2 phút 3 giây");
        assert_eq!(duration_text_in(7509, Lang::Vi), "2 giờ 5 phút 9 giây");
        assert_eq!(duration_text_in(-42, Lang::Vi), "42 giây");
        for secs in [7509, 545, 42, -42] {
            assert_eq!(duration_text_in(secs, Lang::En), duration_text(secs));
            assert_eq!(countdown_text_in(secs, Lang::En), countdown_text(secs));
            let vi = countdown_text_in(secs, Lang::Vi);
            assert_ne!(vi, countdown_text(secs));
            assert!(vi.contains(&duration_text_in(secs, Lang::Vi)), "{vi}");
        }
    }
}
