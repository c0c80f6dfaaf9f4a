//! The signing clock: the browser's clock plus what AWS's skew errors taught.

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
}
