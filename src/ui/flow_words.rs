//! How the flow board says things about a flow: its change kind's shape
//! and letter, where it is in a few words, latencies and times. Shared so
//! the diagram, the tail, the detail and the announcer say them alike.

use labmate_core::flow::{ChangeKind, Flow, FlowId, FlowState, Flows, Hop};
use labmate_core::word;
use labmate_core::words::Lang;

/// A change kind as the board draws it: never by colour alone.
pub struct KindLook {
    /// `INSERT`, `MODIFY`, `REMOVE`.
    pub label: &'static str,
    /// The letter inside the token.
    pub letter: &'static str,
    /// The shape, as a class suffix: `circle`, `square`, `diamond`.
    pub shape: &'static str,
    /// The shape as a character, for text (the tail's rows).
    pub glyph: &'static str,
}

pub const KINDS: [ChangeKind; 3] = [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Remove];

pub fn kind_index(kind: ChangeKind) -> usize {
    match kind {
        ChangeKind::Insert => 0,
        ChangeKind::Modify => 1,
        ChangeKind::Remove => 2,
    }
}

pub fn look(kind: ChangeKind) -> KindLook {
    let (letter, shape, glyph) = match kind {
        ChangeKind::Insert => ("I", "circle", "●"),
        ChangeKind::Modify => ("M", "square", "■"),
        ChangeKind::Remove => ("R", "diamond", "◆"),
    };
    KindLook {
        label: kind.as_str(),
        letter,
        shape,
        glyph,
    }
}

/// A flow's state without its details: what the outcome filter picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    InProgress,
    Complete,
    Stuck,
    NotObservable,
}

impl StateKind {
    pub const ALL: [StateKind; 4] = [
        StateKind::InProgress,
        StateKind::Complete,
        StateKind::Stuck,
        StateKind::NotObservable,
    ];

    pub fn of(state: &FlowState) -> StateKind {
        match state {
            FlowState::InProgress { .. } => StateKind::InProgress,
            FlowState::Complete => StateKind::Complete,
            FlowState::Stuck { .. } => StateKind::Stuck,
            FlowState::NotObservable { .. } => StateKind::NotObservable,
        }
    }

    /// In English (the guide's exports).
    pub fn label(self) -> &'static str {
        self.label_in(Lang::En)
    }

    pub fn label_in(self, lang: Lang) -> &'static str {
        match self {
            StateKind::InProgress => word!(lang, board.state_in_progress),
            StateKind::Complete => word!(lang, board.state_complete),
            StateKind::Stuck => word!(lang, board.state_stuck),
            StateKind::NotObservable => word!(lang, board.state_not_observable),
        }
    }

    /// As a class, a data attribute and a `<select>` value.
    pub fn key(self) -> &'static str {
        match self {
            StateKind::InProgress => "in-progress",
            StateKind::Complete => "complete",
            StateKind::Stuck => "stuck",
            StateKind::NotObservable => "not-observable",
        }
    }
}

/// A hop as a data attribute and a class (`api`, `table`, `stream`,
/// `lambda`, `collection`: the names flows export with).
pub fn hop_key(hop: Hop) -> &'static str {
    match hop {
        Hop::Api => "api",
        Hop::Table => "table",
        Hop::Stream => "stream",
        Hop::Lambda => "lambda",
        Hop::Collection => "collection",
    }
}

/// Where the flow is, in a few words ("stuck at Lambda").
pub fn where_text(flow: &Flow, lang: Lang) -> String {
    match &flow.state {
        FlowState::Complete => word!(lang, board.where_complete).into(),
        FlowState::Stuck { reason } => word!(lang, board.where_stuck)(reason.hop().label()),
        FlowState::NotObservable { hop, .. } => {
            word!(lang, board.where_not_observable)(hop.label())
        }
        FlowState::InProgress { next, .. } => word!(lang, board.where_waiting)(next.label()),
    }
}

/// The item, as the learner knows it: its name, else its id (English:
/// the guide's exports).
pub fn subject(flow: &Flow) -> String {
    subject_in(flow, Lang::En)
}

pub fn subject_in(flow: &Flow, lang: Lang) -> String {
    known_subject(flow).unwrap_or_else(|| word!(lang, board.subject_unknown).into())
}

/// The item's name, else its id; `None` while neither is known.
pub fn known_subject(flow: &Flow) -> Option<String> {
    match (&flow.name, &flow.item_id) {
        (Some(name), _) if !name.is_empty() => Some(name.clone()),
        (_, Some(id)) => Some(id.clone()),
        _ => None,
    }
}

/// The hop a flow's token stands at: its last confirmed stage, or, when
/// stuck, the hop it stopped at. `None`: sent, nothing confirmed yet.
pub fn token_hop(flow: &Flow) -> Option<Hop> {
    match &flow.state {
        FlowState::Stuck { reason } => Some(reason.hop()),
        _ => flow.stages.last().map(|s| s.hop),
    }
}

/// `840 ms`, `11.1 s`, `1 min`, `2 min 5 s`.
pub fn latency_text(ms: i64) -> String {
    match (ms, ms % 60_000 / 1000) {
        (..1_000, _) => format!("{ms} ms"),
        (..60_000, _) => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
        (_, 0) => format!("{} min", ms / 60_000),
        (_, s) => format!("{} min {s} s", ms / 60_000),
    }
}

/// Time of day in UTC with milliseconds (`20:04:12.345`).
pub fn clock_text(epoch_ms: i64) -> String {
    let day_ms = epoch_ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// A flow by id. The board keeps flows in id order, so this halves its
/// way there instead of reading thousands of flows (a scan if the order
/// were ever broken).
pub fn find(flows: &Flows, id: FlowId) -> Option<&Flow> {
    let all = flows.flows();
    match all.binary_search_by_key(&id, |f| f.id) {
        Ok(at) => Some(&all[at]),
        Err(_) => flows.flow(id),
    }
}

/// The median of `values`; `None` when empty.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// Whether `haystack` holds `needle` (already in lower case), ignoring
/// case in any script (names like "Đặng Ánh" match "đặng ánh"). Unicode
/// lower case costs the bundle nothing more: aws-sigv4 links its tables
/// already (the ASCII-only match this replaced was 100 B larger, measured).
pub fn holds(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.to_lowercase().contains(needle)
}
