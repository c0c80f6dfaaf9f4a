//! One stream reader per browser where Web Locks are missing (a page served
//! over plain HTTP, an S3 website endpoint, is not a secure context and has
//! no `navigator.locks`): a lease kept under one localStorage key, which
//! every tab of the browser reads and writes.
//!
//! The holder renews its lease every [`RENEW_MS`]; a lease not renewed for
//! [`TTL_MS`] is stale and any tab may claim it. localStorage has no
//! compare-and-swap, so a claim is only a bid: the claimant reads the key
//! again after [`SETTLE_MS`] (long enough for the other tabs' writes to
//! reach it) and reads the stream only if its bid is still there; the tabs
//! that raced see the winner's bid and go back to waiting. A holder that
//! finds another tab's lease (its renewals were late, as a background tab's
//! timers are) stops reading. So two tabs read at once only for moments,
//! which a shard allows (two readers).
//!
//! Pure: the time comes in as epoch ms, the stored text as read; the
//! browser layer (`src/pipeline/share.rs`) writes what [`Tick::write`] says
//! and calls [`ReaderLease::tick`] again at [`Tick::next_ms`] or when a
//! `storage` event says the key changed.

/// How often the holder renews its lease.
pub const RENEW_MS: i64 = 2_000;
/// How long a lease lasts without renewal: three missed renewals.
pub const TTL_MS: i64 = 6_000;
/// How long a claimant waits before it reads its claim back.
pub const SETTLE_MS: i64 = 300;

/// The lease as kept in storage: `{until_ms} {owner}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    /// When it goes stale unless renewed (epoch ms).
    pub until_ms: i64,
}

impl Lease {
    /// The stored text; anything else (another version's format, a hand
    /// edit) reads as no lease, so it is claimed rather than obeyed.
    pub fn parse(text: &str) -> Option<Lease> {
        let (until, owner) = text.split_once(' ')?;
        let until_ms = until.parse().ok()?;
        (!owner.is_empty()).then(|| Lease {
            owner: owner.to_owned(),
            until_ms,
        })
    }

    pub fn to_text(&self) -> String {
        format!("{} {}", self.until_ms, self.owner)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Another tab holds a fresh lease.
    Waiting,
    /// This tab wrote its bid at `at_ms` and reads it back after [`SETTLE_MS`].
    Claimed { at_ms: i64 },
    /// This tab reads the stream.
    Holding,
}

/// What the browser layer does after a tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    /// Text to store under the lease's key.
    pub write: Option<String>,
    /// Whether this tab reads the stream now.
    pub reading: bool,
    /// When to tick again at the latest (epoch ms); a `storage` event on
    /// the key may call for a tick sooner.
    pub next_ms: i64,
}

/// One tab's side of the lease.
#[derive(Clone, Debug)]
pub struct ReaderLease {
    owner: String,
    phase: Phase,
}

impl ReaderLease {
    /// `owner`: this tab's id, unique among the browser's tabs (a random
    /// UUID), without spaces.
    pub fn new(owner: impl Into<String>) -> ReaderLease {
        ReaderLease {
            owner: owner.into(),
            phase: Phase::Waiting,
        }
    }

    pub fn reading(&self) -> bool {
        self.phase == Phase::Holding
    }

    /// The next step, given the key's text as read now.
    pub fn tick(&mut self, stored: Option<&str>, now_ms: i64) -> Tick {
        let lease = stored.and_then(Lease::parse);
        let ours = lease.as_ref().is_some_and(|l| l.owner == self.owner);
        let free = lease.as_ref().is_none_or(|l| l.until_ms <= now_ms);
        match self.phase {
            // A lease removed (storage cleared, this page back from the
            // back-forward cache after releasing it) is taken again.
            Phase::Holding if ours || lease.is_none() => self.renew(now_ms),
            Phase::Holding => {
                self.phase = Phase::Waiting;
                self.wait(lease.as_ref(), now_ms)
            }
            Phase::Claimed { at_ms } if now_ms < at_ms + SETTLE_MS => Tick {
                write: None,
                reading: false,
                next_ms: at_ms + SETTLE_MS,
            },
            Phase::Claimed { .. } if ours => self.renew(now_ms),
            // Lost the race (or the bid never stuck): wait for the winner's
            // lease to go stale, or claim again if the key is free.
            Phase::Claimed { .. } | Phase::Waiting if free || ours => self.claim(now_ms),
            Phase::Claimed { .. } | Phase::Waiting => {
                self.phase = Phase::Waiting;
                self.wait(lease.as_ref(), now_ms)
            }
        }
    }

    /// Whether the tab, going away, should remove the key: only while the
    /// stored lease is its own, so the others claim at once.
    pub fn release(&self, stored: Option<&str>) -> bool {
        stored
            .and_then(Lease::parse)
            .is_some_and(|l| l.owner == self.owner)
    }

    fn lease_text(&self, now_ms: i64) -> String {
        Lease {
            owner: self.owner.clone(),
            until_ms: now_ms + TTL_MS,
        }
        .to_text()
    }

    fn renew(&mut self, now_ms: i64) -> Tick {
        self.phase = Phase::Holding;
        Tick {
            write: Some(self.lease_text(now_ms)),
            reading: true,
            next_ms: now_ms + RENEW_MS,
        }
    }

    fn claim(&mut self, now_ms: i64) -> Tick {
        self.phase = Phase::Claimed { at_ms: now_ms };
        Tick {
            write: Some(self.lease_text(now_ms)),
            reading: false,
            next_ms: now_ms + SETTLE_MS,
        }
    }

    fn wait(&self, lease: Option<&Lease>, now_ms: i64) -> Tick {
        let stale_at = lease.map_or(now_ms, |l| l.until_ms);
        Tick {
            write: None,
            reading: false,
            next_ms: stale_at.clamp(now_ms + 1, now_ms + RENEW_MS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// localStorage's one key, shared by the tabs of these tests.
    #[derive(Default)]
    struct Key(Option<String>);

    impl Key {
        fn tick(&mut self, tab: &mut ReaderLease, now_ms: i64) -> Tick {
            let t = tab.tick(self.0.as_deref(), now_ms);
            if let Some(w) = &t.write {
                self.0 = Some(w.clone());
            }
            t
        }
    }

    #[test]
    fn a_lone_tab_claims_then_reads_after_reading_its_claim_back() {
        let mut key = Key::default();
        let mut a = ReaderLease::new("a");
        let t = key.tick(&mut a, 1_000);
        assert_eq!(
            t,
            Tick {
                write: Some("7000 a".into()),
                reading: false,
                next_ms: 1_300
            }
        );
        // Too early: nothing yet.
        assert!(!key.tick(&mut a, 1_100).reading);
        let t = key.tick(&mut a, 1_300);
        assert!(t.reading && a.reading());
        assert_eq!(t.write.as_deref(), Some("7300 a"));
        assert_eq!(t.next_ms, 1_300 + RENEW_MS);
        // Renewed at every tick.
        let t = key.tick(&mut a, 3_300);
        assert_eq!((t.reading, t.write.as_deref()), (true, Some("9300 a")));
    }

    #[test]
    fn a_second_tab_waits_while_the_lease_is_fresh_and_takes_it_once_stale() {
        let mut key = Key::default();
        let (mut a, mut b) = (ReaderLease::new("a"), ReaderLease::new("b"));
        key.tick(&mut a, 0);
        key.tick(&mut a, SETTLE_MS);
        let t = key.tick(&mut b, 1_000);
        assert_eq!((t.reading, t.write), (false, None));
        // The lease holds until 6,300: b looks again by then at the latest.
        assert_eq!(t.next_ms, 1_000 + RENEW_MS);
        assert_eq!(key.tick(&mut b, 6_000).next_ms, 6_300);
        // a stops renewing (its tab was killed): b claims, then reads.
        let t = key.tick(&mut b, 6_300);
        assert_eq!((t.reading, t.write.as_deref()), (false, Some("12300 b")));
        assert!(key.tick(&mut b, 6_600).reading);
    }

    #[test]
    fn of_two_tabs_claiming_together_the_last_write_wins_and_the_other_waits() {
        let mut key = Key::default();
        let (mut a, mut b) = (ReaderLease::new("a"), ReaderLease::new("b"));
        // Both read the key empty before either's write reached the other.
        let ta = a.tick(None, 0);
        let tb = b.tick(None, 10);
        key.0 = ta.write;
        key.0 = tb.write;
        let ta = key.tick(&mut a, SETTLE_MS);
        let tb = key.tick(&mut b, 10 + SETTLE_MS);
        assert_eq!((ta.reading, tb.reading), (false, true));
        assert_eq!(ta.write, None, "the loser leaves the winner's lease alone");
        assert_eq!(key.0.as_deref(), Some("6310 b"));
    }

    #[test]
    fn a_holder_whose_renewals_came_late_steps_down_for_the_tab_that_took_over() {
        let mut key = Key::default();
        let (mut a, mut b) = (ReaderLease::new("a"), ReaderLease::new("b"));
        key.tick(&mut a, 0);
        key.tick(&mut a, SETTLE_MS);
        // a's tab is throttled in the background; b takes the stale lease.
        key.tick(&mut b, 7_000);
        assert!(key.tick(&mut b, 7_300).reading);
        // a's late timer: it finds b's lease and stops reading.
        let t = key.tick(&mut a, 60_000);
        assert_eq!((t.reading, t.write), (false, None));
        assert!(!a.reading());
        assert!(key.tick(&mut b, 60_000).reading);
    }

    #[test]
    fn a_holder_whose_lease_was_removed_takes_it_again() {
        let mut key = Key::default();
        let mut a = ReaderLease::new("a");
        key.tick(&mut a, 0);
        key.tick(&mut a, SETTLE_MS);
        key.0 = None;
        let t = key.tick(&mut a, 1_000);
        assert_eq!((t.reading, t.write.as_deref()), (true, Some("7000 a")));
    }

    #[test]
    fn a_tab_going_away_removes_only_its_own_lease() {
        let a = ReaderLease::new("a");
        assert!(a.release(Some("7000 a")));
        assert!(!a.release(Some("7000 b")));
        assert!(!a.release(None));
        assert!(!a.release(Some("garbage")));
    }

    #[test]
    fn text_that_is_not_a_lease_is_claimed_over() {
        for junk in ["", "soon a", "123", "123 ", "{\"owner\":\"x\"}"] {
            assert_eq!(Lease::parse(junk), None, "{junk:?}");
            let mut a = ReaderLease::new("a");
            let t = a.tick(Some(junk), 5);
            assert_eq!(t.write.as_deref(), Some("6005 a"), "{junk:?}");
        }
        let lease = Lease {
            owner: "0f8e-4c".into(),
            until_ms: 1_700_000_000_000,
        };
        assert_eq!(Lease::parse(&lease.to_text()), Some(lease));
    }
}
