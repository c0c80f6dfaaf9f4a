//! A polite live region that tells screen readers when a flow completes or
//! gets stuck, one short sentence at a time. Endings that come together
//! (a burst) are gathered for a moment and told as one ("12 flows
//! completed; 2 stuck at Lambda."). Flows that had already ended when the
//! page opened are not told again.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use labmate_core::flow::{Flow, FlowId, FlowState};
use leptos::prelude::*;

use crate::state::use_state;
use crate::ui::flow_words::{subject, StateKind};
use crate::ui::reactive::text;

/// How long endings are gathered before they are told.
pub const GATHER_MS: u64 = 1_500;

/// One flow that completed or got stuck.
#[derive(Clone, Debug)]
struct Ending {
    id: FlowId,
    /// `INSERT Ann`.
    what: String,
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
            what: format!("{} {}", flow.change.as_str(), subject(flow)),
            stuck_at,
        })
    }

    fn sentence(&self) -> String {
        match self.stuck_at {
            None => format!("Flow #{} ({}) completed.", self.id.0, self.what),
            Some(hop) => format!(
                "Flow #{} ({}) is stuck at {hop}; select it for the reason and the fix.",
                self.id.0, self.what
            ),
        }
    }
}

/// What to say about endings gathered together.
fn announcement(endings: &[Ending]) -> String {
    if let [one] = endings {
        return one.sentence();
    }
    let completed = endings.iter().filter(|e| e.stuck_at.is_none()).count();
    let mut stuck: BTreeMap<&str, usize> = BTreeMap::new();
    for hop in endings.iter().filter_map(|e| e.stuck_at) {
        *stuck.entry(hop).or_default() += 1;
    }
    let mut parts = Vec::new();
    match completed {
        0 => {}
        1 => parts.push("1 flow completed".to_owned()),
        n => parts.push(format!("{n} flows completed")),
    }
    for (hop, n) in stuck {
        parts.push(match (n, parts.is_empty()) {
            (1, true) => format!("1 flow stuck at {hop}"),
            (n, true) => format!("{n} flows stuck at {hop}"),
            (n, false) => format!("{n} stuck at {hop}"),
        });
    }
    format!("{}.", parts.join("; "))
}

#[component]
pub fn FlowAnnouncer() -> impl IntoView {
    let state = use_state();
    let message = RwSignal::new(String::new());
    // How each flow last ended, so that each ending is told once.
    let told = StoredValue::new(HashMap::<FlowId, StateKind>::new());
    let gathered = StoredValue::new(Vec::<Ending>::new());

    let tell = move || {
        let endings = std::mem::take(&mut *gathered.write_value());
        if endings.is_empty() {
            return;
        }
        let mut said = announcement(&endings);
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
