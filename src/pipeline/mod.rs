//! The live pipeline, browser side: the changes the learner sends, the
//! pollers that watch every hop, the board's persistence and its sharing
//! between tabs. Decisions live in `labmate_core` (`change`, `flow`, `poll`);
//! this layer only moves their requests and answers.

pub mod persist;
pub mod runner;
pub mod send;
pub mod share;
pub mod table;

use labmate_core::flow::Observation;
use leptos::prelude::*;

use crate::browser;
use crate::state::{AppState, ReaderRole};

/// Start-up: the board saved by the last page, the other tabs' news, and
/// the pollers while this tab is the browser's elected reader.
pub fn start(state: AppState) {
    persist::restore(&state);
    persist::keep(state);
    persist::keep_watching(state);
    share::listen(state);
    share::elect(move |reading| {
        if reading {
            // From the positions the last reader saved.
            runner::start(state, persist::saved_pollers());
            state.reader.set(ReaderRole::ThisTab);
        } else {
            runner::stop();
            state.reader.set(ReaderRole::OtherTab);
        }
    });
}

/// Split build (docs/splitting.md): this module only sends changes and
/// tells the board, which lives in the second module, over the channel.
#[cfg(feature = "split")]
pub fn start_shell() {
    share::open();
}

/// AWS's time as far as labmate knows it: flows compare the page's own
/// times with AWS's (stream records), so both must be on one clock.
pub fn aws_now_ms(state: &AppState) -> i64 {
    state.clock.get_untracked().now_ms(browser::now_ms())
}

/// Takes observations made in this tab into the board, and tells the
/// other tabs so their boards follow.
pub fn observe(state: &AppState, observations: Vec<Observation>) {
    if observations.is_empty() {
        return;
    }
    share::publish(&observations);
    // Split build: the board (second module) hears the channel; this
    // module keeps no flows.
    #[cfg(not(feature = "split"))]
    apply(state, observations);
    #[cfg(feature = "split")]
    let _ = state;
}

/// Takes observations (from this tab or another) into the board, in one
/// update so a page of a thousand records re-renders once.
pub fn apply(state: &AppState, observations: Vec<Observation>) {
    let now = aws_now_ms(state);
    state.flows.update(|flows| {
        for o in observations {
            flows.observe(o);
        }
        flows.check(now);
    });
}
