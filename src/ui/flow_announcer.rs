//! A polite live region that tells screen readers when a flow completes or
//! gets stuck, one short sentence at a time. Endings that come together
//! (a burst) are gathered for a moment and told as one ("12 flows
//! completed; 2 stuck at Lambda."). Flows that had already ended when the
//! page opened are not told again. Told in the page's language at the
//! moment they are told.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use labmate_core::flow::{Flow, FlowId, FlowState};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;

use crate::lang::use_lang;
use crate::state::use_state;
use crate::ui::flow_words::{known_subject, StateKind};
use crate::ui::reactive::text;

/// How long endings are gathered before they are told.
pub const GATHER_MS: u64 = 1_500;

/// One flow that completed or got stuck.
#[derive(Clone, Debug)]
struct Ending {
    id: FlowId,
    /// `INSERT`.
    change: &'static str,
    /// The item's name or id, as the flow knew it when it ended.
    subject: Option<String>,
    /// `None`: completed; else the hop it is stuck at.
    stuck_at: Option<&'static str>,
}

impl Ending {
    fn of(flow: &Flow) -> Option<Ending> {
        let stuck_at = match &flow.state {
            FlowState::Complete => None,
            FlowState::Stuck { reason } => Some(reason.hop().label()),
            _ => return None,
        };
        Some(Ending {
            id: flow.id,
            change: flow.change.as_str(),
            subject: known_subject(flow),
            stuck_at,
        })
    }

    fn sentence(&self, lang: Lang) -> String {
        // `INSERT Ann`.
        let subject = self
            .subject
            .clone()
            .unwrap_or_else(|| word!(lang, board.subject_unknown).into());
        let what = format!("{} {subject}", self.change);
        match self.stuck_at {
            None => word!(lang, board.announce_completed)(self.id.0, &what),
            Some(hop) => word!(lang, board.announce_stuck)(self.id.0, &what, hop),
        }
    }
}

/// What to say about endings gathered together.
fn announcement(endings: &[Ending], lang: Lang) -> String {
    if let [one] = endings {
        return one.sentence(lang);
    }
    let completed = endings.iter().filter(|e| e.stuck_at.is_none()).count();
    let mut stuck: BTreeMap<&str, usize> = BTreeMap::new();
    for hop in endings.iter().filter_map(|e| e.stuck_at) {
        *stuck.entry(hop).or_default() += 1;
    }
    let mut parts = Vec::new();
    if completed > 0 {
        parts.push(word!(lang, board.announce_many_completed)(completed));
    }
    for (hop, n) in stuck {
        parts.push(match parts.is_empty() {
            true => word!(lang, board.announce_many_stuck)(n, hop),
            false => word!(lang, board.announce_more_stuck)(n, hop),
        });
    }
    format!("{}.", parts.join("; "))
}

#[component]
pub fn FlowAnnouncer() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let message = RwSignal::new(String::new());
    // How each flow last ended, so that each ending is told once.
    let told = StoredValue::new(HashMap::<FlowId, StateKind>::new());
    let gathered = StoredValue::new(Vec::<Ending>::new());

    let tell = move || {
        let endings = std::mem::take(&mut *gathered.write_value());
        if endings.is_empty() {
            return;
        }
        let mut said = announcement(&endings, lang.get_untracked());
        // The same words twice would not be read again: make them differ
        // by a trailing non-breaking space, every other time.
        let (same, marked) = message
            .with_untracked(|m| (m.trim_end_matches('\u{a0}') == said, m.ends_with('\u{a0}')));
        if same && !marked {
            said.push('\u{a0}');
        }
        message.set(said);
    };

    Effect::new(move |seen_before: Option<()>| {
        let fresh: Vec<Ending> = state.flows.with(|flows| {
            let mut told = told.write_value();
            let mut fresh = Vec::new();
            for flow in flows.flows() {
                let kind = StateKind::of(&flow.state);
                if !matches!(kind, StateKind::Complete | StateKind::Stuck) {
                    told.remove(&flow.id);
                    continue;
                }
                if told.insert(flow.id, kind) != Some(kind) {
                    fresh.extend(Ending::of(flow));
                }
            }
            fresh
        });
        // The first run only learns how the restored flows ended.
        if seen_before.is_none() || fresh.is_empty() {
            return;
        }
        let first = gathered.with_value(Vec::is_empty);
        gathered.update_value(|g| g.extend(fresh));
        if first {
            set_timeout(tell, Duration::from_millis(GATHER_MS));
        }
    });

    view! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"
            data-testid="flow-announcer">
            {text(move || message.get())}
        </div>
    }
}
