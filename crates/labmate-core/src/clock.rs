//! The signing clock: the browser's clock plus what AWS's skew errors taught.

/// How far a `Date` header may stray from the signing clock before labmate
/// corrects it (SigV4 itself allows 5 minutes).
pub const DATE_TOLERANCE_MS: i64 = 2_000;

/// Milliseconds to add to the local clock to get AWS's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockOffset {
    pub offset_ms: i64,
}

impl ClockOffset {
    /// The time to sign with.
    pub fn now_ms(self, local_ms: i64) -> i64 {
        local_ms + self.offset_ms
    }

    /// Learns from AWS's time (seconds, from a skew message) seen at
    /// `local_ms`. The message has one-second precision, so half a second is
    /// added to land in the middle of it.
    pub fn learn(server_time_secs: i64, local_ms: i64) -> Self {
        Self {
            offset_ms: server_time_secs * 1000 + 500 - local_ms,
        }
    }

    /// Learns from an answer's `Date` header read at `local_ms`, when it
    /// puts AWS's clock more than [`DATE_TOLERANCE_MS`] away from what this
    /// offset says; `None` when nothing needs learning (or no date reads).
    /// The header has one-second precision and the answer took time to
    /// arrive, so small differences are noise, not skew.
    pub fn learn_from_date(self, date: &str, local_ms: i64) -> Option<Self> {
        let server = crate::time::parse_http_date_seconds(date)?;
        let learned = Self::learn(server, local_ms);
        ((learned.offset_ms - self.offset_ms).abs() > DATE_TOLERANCE_MS).then_some(learned)
    }

    /// Whether the learned offset is big enough to mention to the learner.
    pub fn is_notable(self) -> bool {
        self.offset_ms.abs() >= 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_and_applies_offset() {
        // Local clock 7 minutes behind AWS.
        let local = 1_000_000_000_000;
        let server_secs = (local + 7 * 60_000) / 1000;
        let c = ClockOffset::learn(server_secs, local);
        assert_eq!(c.now_ms(local) / 1000, server_secs);
        assert!(c.is_notable());
        assert!(!ClockOffset::default().is_notable());
        assert_eq!(ClockOffset::default().now_ms(5), 5);
    }

    #[test]
    fn learns_from_a_date_header_only_beyond_noise() {
        // 2024-10-08T20:04:40Z, read one second into the local minute.
        let aws_ms = 1_728_417_880_000;
        let date = "Tue, 08 Oct 2024 20:04:40 GMT";
        let none = ClockOffset::default();
        // Local clock 1.2 s off: noise.
        assert_eq!(none.learn_from_date(date, aws_ms - 1_200), None);
        // Local clock 10 minutes slow: learned, to within the header's second.
        let learned = none.learn_from_date(date, aws_ms - 600_000).unwrap();
        assert!((learned.now_ms(aws_ms - 600_000) - aws_ms).abs() <= 1_000);
        // Already learned: the same header teaches nothing new.
        assert_eq!(learned.learn_from_date(date, aws_ms - 600_000), None);
        assert_eq!(none.learn_from_date("garbage", 0), None);
    }
}
