//! One line above the board: how many flows, how they ended, and which tab
//! of this browser reads the stream. Its data attributes are what the
//! end-to-end tests and the page benchmark count (the tail is virtualised,
//! so rows cannot be counted).

use labmate_core::flow::FlowState;
use labmate_core::word;
use leptos::prelude::*;

use crate::lang::use_lang;
use crate::state::{use_state, ReaderRole};
use crate::ui::reactive::text;

/// Flows by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    total: usize,
    complete: usize,
    stuck: usize,
    not_observable: usize,
}

impl Counts {
    fn in_progress(self) -> usize {
        self.total - self.complete - self.stuck - self.not_observable
    }
}

#[component]
pub fn FlowCounts() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let counts = Memo::new(move |_| {
        state.flows.with(|flows| {
            let mut c = Counts {
                total: flows.flows().len(),
                ..Counts::default()
            };
            for f in flows.flows() {
                match f.state {
                    FlowState::Complete => c.complete += 1,
                    FlowState::Stuck { .. } => c.stuck += 1,
                    FlowState::NotObservable { .. } => c.not_observable += 1,
                    FlowState::InProgress { .. } => {}
                }
            }
            c
        })
    });
    let reader = move || match state.reader.get() {
        ReaderRole::ThisTab => word!(lang.get(), board.reader_this_tab),
        ReaderRole::OtherTab => word!(lang.get(), board.reader_other_tab),
    };
    view! {
        <p class="flow-counts" data-testid="flow-counts"
            data-total=move || counts.get().total
            data-complete=move || counts.get().complete
            data-stuck=move || counts.get().stuck
            data-not-observable=move || counts.get().not_observable
            data-reader=move || (state.reader.get() == ReaderRole::ThisTab).to_string()>
            {text(move || {
                let c = counts.get();
                word!(lang.get(), board.counts)(
                    c.total,
                    c.complete,
                    c.in_progress(),
                    c.stuck,
                    c.not_observable,
                )
            })}
            " "
            <span class="muted" data-testid="stream-reader">{reader}</span>
        </p>
    }
}
