//! How long a write to the collection takes to become searchable.
//!
//! AWS: "The refresh interval for indexes might be between 10 and 60
//! seconds depending on the size of your requests" (OpenSearch Serverless
//! overview). labsim takes one fixed lag (10 s by default, 0 for fast
//! tests) or a spread: each write draws its own lag between two bounds
//! from the seed, so a run repeats exactly, and `spread` is AWS's 10-60 s.
//! Nothing here does I/O or reads a clock.

use std::fmt;
use std::str::FromStr;

use crate::rng::SplitMix64;

/// The longest lag AWS documents, and so the longest labsim accepts.
pub const MAX_REFRESH_LAG_MS: i64 = 60_000;

/// How long a write takes to become searchable on a Search collection.
pub const DEFAULT_REFRESH_LAG_MS: i64 = 10_000;

/// A fixed lag, or a range each write draws its lag from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RefreshLag {
    min_ms: i64,
    max_ms: i64,
}

/// Why a refresh lag was refused (`--refresh-lag-ms`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshLagError {
    #[error("expected milliseconds from 0 to {MAX_REFRESH_LAG_MS}, a range MIN..MAX of them, or `spread` (AWS's 10000..60000)")]
    NotALag,
    #[error("{0} ms is out of range: a lag is 0 to {MAX_REFRESH_LAG_MS} ms (AWS documents a refresh interval of at most 60 s)")]
    OutOfRange(i64),
    #[error("the range {min}..{max} is reversed: its lower bound comes first")]
    Reversed { min: i64, max: i64 },
}

impl RefreshLag {
    /// AWS's documented spread, 10 to 60 s.
    pub const AWS_SPREAD: RefreshLag = RefreshLag {
        min_ms: 10_000,
        max_ms: MAX_REFRESH_LAG_MS,
    };

    /// Every write waits `ms`.
    pub fn fixed(ms: i64) -> Result<Self, RefreshLagError> {
        RefreshLag::spread(ms, ms)
    }

    /// Each write waits a lag drawn from `min_ms..=max_ms`.
    pub fn spread(min_ms: i64, max_ms: i64) -> Result<Self, RefreshLagError> {
        for ms in [min_ms, max_ms] {
            if !(0..=MAX_REFRESH_LAG_MS).contains(&ms) {
                return Err(RefreshLagError::OutOfRange(ms));
            }
        }
        if min_ms > max_ms {
            return Err(RefreshLagError::Reversed {
                min: min_ms,
                max: max_ms,
            });
        }
        Ok(RefreshLag { min_ms, max_ms })
    }

    pub fn min_ms(self) -> i64 {
        self.min_ms
    }

    pub fn max_ms(self) -> i64 {
        self.max_ms
    }

    /// The lag of the next write. A fixed lag draws nothing, so the
    /// generator's sequence (and everything after it) is the same as if
    /// there were none.
    pub fn draw(self, rng: &mut SplitMix64) -> i64 {
        if self.min_ms == self.max_ms {
            return self.min_ms;
        }
        // The span is at most 60,001: the modulo bias is below 2^-47.
        let span = (self.max_ms - self.min_ms) as u64 + 1;
        self.min_ms + (rng.next_u64() % span) as i64
    }
}

impl Default for RefreshLag {
    fn default() -> Self {
        RefreshLag {
            min_ms: DEFAULT_REFRESH_LAG_MS,
            max_ms: DEFAULT_REFRESH_LAG_MS,
        }
    }
}

impl FromStr for RefreshLag {
    type Err = RefreshLagError;

    /// `1500` (fixed), `200..800` (each write draws from the range, both
    /// ends included) or `spread` (AWS's 10-60 s).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("spread") {
            return Ok(RefreshLag::AWS_SPREAD);
        }
        let ms = |part: &str| -> Result<i64, RefreshLagError> {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RefreshLagError::NotALag);
            }
            // All digits: only too many of them fails to parse.
            part.parse()
                .map_err(|_| RefreshLagError::OutOfRange(i64::MAX))
        };
        match text.split_once("..") {
            Some((min, max)) => RefreshLag::spread(ms(min)?, ms(max)?),
            None => RefreshLag::fixed(ms(text)?),
        }
    }
}

impl fmt::Display for RefreshLag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min_ms == self.max_ms {
            write!(f, "{}", self.min_ms)
        } else {
            write!(f, "{}..{}", self.min_ms, self.max_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fixed_ranges_and_spread() {
        assert_eq!("0".parse(), RefreshLag::fixed(0));
        assert_eq!("60000".parse(), RefreshLag::fixed(60_000));
        assert_eq!(" 1500 ".parse(), RefreshLag::fixed(1_500));
        assert_eq!("200..800".parse(), RefreshLag::spread(200, 800));
        assert_eq!("spread".parse(), Ok(RefreshLag::AWS_SPREAD));
        assert_eq!(RefreshLag::AWS_SPREAD.to_string(), "10000..60000");
        assert_eq!(RefreshLag::default().to_string(), "10000");
        for text in ["1500", "200..800", "0..0"] {
            let lag: RefreshLag = text.parse().unwrap();
            let shown = if text == "0..0" { "0" } else { text };
            assert_eq!(lag.to_string(), shown);
        }
    }

    #[test]
    fn refuses_what_aws_does_not_document_with_a_reason() {
        let cases = [
            ("60001", RefreshLagError::OutOfRange(60_001)),
            ("10..70000", RefreshLagError::OutOfRange(70_000)),
            (
                "99999999999999999999",
                RefreshLagError::OutOfRange(i64::MAX),
            ),
            ("-1", RefreshLagError::NotALag),
            ("1.5", RefreshLagError::NotALag),
            ("", RefreshLagError::NotALag),
            ("10s", RefreshLagError::NotALag),
            ("..5", RefreshLagError::NotALag),
            ("5..", RefreshLagError::NotALag),
            ("1..2..3", RefreshLagError::NotALag),
            ("800..200", RefreshLagError::Reversed { min: 800, max: 200 }),
        ];
        for (text, err) in cases {
            assert_eq!(text.parse::<RefreshLag>(), Err(err), "{text:?}");
        }
        assert_eq!(
            RefreshLagError::OutOfRange(70_000).to_string(),
            "70000 ms is out of range: a lag is 0 to 60000 ms (AWS documents a refresh interval of at most 60 s)"
        );
    }

    #[test]
    fn a_spread_draws_every_lag_within_its_bounds_and_repeats_with_the_seed() {
        let draws = |seed| {
            let mut rng = SplitMix64::new(seed);
            (0..2_000)
                .map(|_| RefreshLag::AWS_SPREAD.draw(&mut rng))
                .collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3));
        assert_ne!(a, draws(4));
        assert!(a.iter().all(|ms| (10_000..=60_000).contains(ms)));
        // Spread over the range, not bunched: each tenth is hit.
        for tenth in 0..10 {
            let low = 10_000 + tenth * 5_000;
            assert!(
                a.iter().any(|ms| (low..low + 5_000).contains(ms)),
                "nothing in {low}..{}",
                low + 5_000
            );
        }
        // Both ends can come up.
        let mut rng = SplitMix64::new(1);
        let tiny = RefreshLag::spread(5, 6).unwrap();
        let seen: std::collections::BTreeSet<i64> = (0..100).map(|_| tiny.draw(&mut rng)).collect();
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [5, 6]);
        // A fixed lag leaves the generator untouched.
        let mut rng = SplitMix64::new(9);
        assert_eq!(RefreshLag::fixed(700).unwrap().draw(&mut rng), 700);
        assert_eq!(rng.next_u64(), SplitMix64::new(9).next_u64());
    }
}
