//! The board survives a reload: saved to localStorage (it holds no
//! secret: flows keep bodies, ids and log lines, never credentials) a
//! moment after it changes and when the page goes away. It is saved in
//! parts, each flow under its own key, and a save writes only the flows
//! that changed since the last: a whole board of a thousand flows is
//! megabytes of JSON, too slow to write twice a second during a burst.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use labmate_core::flow::{FlowId, Flows};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::notice::Notice;
use crate::state::AppState;

/// Everything on the board but its flows.
const BOARD_KEY: &str = "labmate.board";
/// Each flow: this and its number.
const FLOW_KEY_PREFIX: &str = "labmate.flow.";
/// The whole board in one value, as earlier versions saved it: read once
/// and replaced by the parts.
const OLD_FLOWS_KEY: &str = "labmate.flows";
/// The pollers' positions (shard sequence numbers, log window), saved with
/// the board so that the two agree after a reload.
const POLLERS_KEY: &str = "labmate.pollers";
/// The learner's choice to watch the pipeline ("on"/"off"), kept so a
/// reload goes on watching.
const WATCHING_KEY: &str = "labmate.watching";
/// Saves at most this often while flows keep changing.
const SAVE_EVERY: Duration = Duration::from_millis(500);

thread_local! {
    /// The flows this page's storage holds, to drop those no longer on
    /// the board (cleared, or replaced by an import).
    static SAVED: RefCell<BTreeSet<FlowId>> = RefCell::default();
}

fn flow_key(id: FlowId) -> String {
    format!("{FLOW_KEY_PREFIX}{}", id.0)
}

/// Brings back the board saved by the last page.
pub fn restore(state: &AppState) {
    let restored = if let Some(board) = browser::local_get(BOARD_KEY) {
        let flows = browser::local_keys(FLOW_KEY_PREFIX)
            .into_iter()
            .filter_map(|key| browser::local_get(&key));
        Flows::from_parts(&board, flows)
    } else if let Some(whole) = browser::local_get(OLD_FLOWS_KEY) {
        Flows::import(&whole)
    } else {
        return;
    };
    match restored {
        Ok(flows) => {
            SAVED.with_borrow_mut(|saved| *saved = flows.flows().iter().map(|f| f.id).collect());
            state.flows.set(flows);
        }
        Err(e) => state.notice.set(Some(Notice::SavedFlowsUnreadable(e))),
    }
}

/// Saves the board shortly after each change and when the page is hidden
/// or unloaded.
pub fn keep(state: AppState) {
    let pending = Rc::new(Cell::new(false));
    Effect::new(move |_| {
        state.flows.track();
        if pending.replace(true) {
            return;
        }
        let pending = pending.clone();
        set_timeout(
            move || {
                pending.set(false);
                save(&state);
            },
            SAVE_EVERY,
        );
    });
    let on_hide = Closure::<dyn FnMut()>::new(move || save(&state));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    }
    on_hide.forget();
}

fn save(state: &AppState) {
    // Only the reading tab has pollers; the others keep the last ones saved.
    if let Some(pollers) = super::runner::saved() {
        let _ = browser::local_set(POLLERS_KEY, &pollers);
    }
    // Untracked: taking the changes is bookkeeping, not a change of the board.
    let parts = state.flows.try_update_untracked(Flows::save_parts);
    let Some(parts) = parts else { return };
    let mut kept = browser::local_set(BOARD_KEY, &parts.board);
    for (id, json) in &parts.changed {
        kept &= browser::local_set(&flow_key(*id), json);
    }
    SAVED.with_borrow_mut(|saved| {
        for gone in saved.difference(&parts.ids) {
            browser::local_remove(&flow_key(*gone));
        }
        *saved = parts.ids.clone();
    });
    browser::local_remove(OLD_FLOWS_KEY);
    if !kept {
        let count = parts.ids.len();
        state.notice.set(Some(Notice::BoardTooBig(count)));
    }
}

/// Restores the choice to watch and saves it whenever it changes.
pub fn keep_watching(state: AppState) {
    let saved = browser::local_get(WATCHING_KEY);
    state.watching.set(saved.as_deref() == Some("on"));
    Effect::new(move |first: Option<()>| {
        let on = state.watching.get();
        if first.is_some() {
            let _ = browser::local_set(WATCHING_KEY, if on { "on" } else { "off" });
        }
    });
}

/// Whether the learner chose, earlier, not to watch.
pub fn chose_not_to_watch() -> bool {
    browser::local_get(WATCHING_KEY).as_deref() == Some("off")
}

/// The pollers saved by the last page, if any.
pub fn saved_pollers() -> Option<String> {
    browser::local_get(POLLERS_KEY)
}

/// Forgets the saved board (the learner cleared it). The pollers' positions
/// stay: clearing the board must not replay the stream into it.
pub fn forget() {
    browser::local_remove(BOARD_KEY);
    browser::local_remove(OLD_FLOWS_KEY);
    for key in browser::local_keys(FLOW_KEY_PREFIX) {
        browser::local_remove(&key);
    }
    SAVED.with_borrow_mut(BTreeSet::clear);
}
