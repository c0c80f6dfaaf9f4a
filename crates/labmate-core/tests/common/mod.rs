//! What the generated-input tests share: a seeded generator and the little
//! of libtest's command line they honour.

use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64: small, seedable, good enough to pick test inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `LABMATE_FUZZ_SEED`, or a fresh seed from the clock (printed by the
/// tests, so a failing run can be repeated).
pub fn seed() -> u64 {
    match std::env::var("LABMATE_FUZZ_SEED") {
        Ok(s) => s.parse().expect("LABMATE_FUZZ_SEED is a number"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

/// A count from the environment variable `name`, else `default`.
pub fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Whether the check `name` runs, given the arguments `cargo test` passed on:
/// `--list` lists it instead, name filters select as libtest's do.
pub fn selected(name: &str) -> bool {
    const WITH_VALUE: [&str; 7] = [
        "--test-threads",
        "--skip",
        "--logfile",
        "--color",
        "--format",
        "--shuffle-seed",
        "-Z",
    ];
    let mut filters = Vec::new();
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--list" {
            list = true;
        } else if WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    let matches = filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    if list {
        if matches {
            println!("{name}: test");
        }
        return false;
    }
    matches
}
