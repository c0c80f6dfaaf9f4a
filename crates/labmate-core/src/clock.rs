//! The signing clock: the browser's clock plus what AWS taught it, from a
//! skew error's message or from the `Date` header every JSON service
//! exposes to the page (aws-behaviour.md §1).

use crate::time::parse_http_date_ms;

/// How far AWS's `Date` may disagree with the signing clock before the
/// offset is learned again: the header counts whole seconds and the answer
/// took time to arrive, so a smaller difference says nothing.
pub const DATE_TOLERANCE_MS: i64 = 3_000;

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

    /// Learns from an answer's `Date` header, read when the answer arrived
    /// (`local_ms`): a new offset when AWS's clock and the signing clock
    /// differ by more than [`DATE_TOLERANCE_MS`], else this one unchanged
    /// (so the offset does not wander with every answer's latency). An
    /// unreadable date changes nothing.
    pub fn learn_from_date(self, date: &str, local_ms: i64) -> Self {
        let Some(server_ms) = parse_http_date_ms(date) else {
            return self;
        };
        let learned = Self::learn(server_ms / 1000, local_ms);
        if (learned.offset_ms - self.offset_ms).abs() > DATE_TOLERANCE_MS {
            learned
        } else {
            self
        }
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
    fn a_date_header_teaches_the_offset_only_when_it_differs_by_more_than_a_few_seconds() {
        // 2024-10-08T20:04:40Z.
        let date = "Tue, 08 Oct 2024 20:04:40 GMT";
        let aws_ms = 1_728_417_880_000;
        let on_time = ClockOffset::default();
        // Within the header's second plus latency: nothing learned.
        assert_eq!(on_time.learn_from_date(date, aws_ms + 900), on_time);
        assert_eq!(on_time.learn_from_date(date, aws_ms - 2_000), on_time);
        // The local clock 7 minutes behind.
        let learned = on_time.learn_from_date(date, aws_ms - 7 * 60_000);
        assert_eq!(learned.offset_ms, 7 * 60_000 + 500);
        assert!(learned.is_notable());
        // Once learned, the next answers confirm it and change nothing.
        let later = aws_ms - 7 * 60_000 + 10_000;
        assert_eq!(
            learned.learn_from_date("Tue, 08 Oct 2024 20:04:50 GMT", later),
            learned
        );
        // The local clock ahead by a minute.
        assert_eq!(
            on_time.learn_from_date(date, aws_ms + 60_000).offset_ms,
            -59_500
        );
        assert_eq!(on_time.learn_from_date("yesterday", 0), on_time);
    }
}
