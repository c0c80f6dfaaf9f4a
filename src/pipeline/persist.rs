//! The board survives a reload: saved to localStorage (it holds no
//! secret: flows keep bodies, ids and log lines, never credentials) a
//! moment after it changes and when the page goes away.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use labmate_core::flow::Flows;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::state::AppState;

const FLOWS_KEY: &str = "labmate.flows";
/// The pollers' positions (shard sequence numbers, log window), saved with
/// the board so that the two agree after a reload.
const POLLERS_KEY: &str = "labmate.pollers";
/// The learner's choice to watch the pipeline ("on"/"off"), kept so a
/// reload goes on watching.
const WATCHING_KEY: &str = "labmate.watching";
/// Saves at most this often while flows keep changing.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// Brings back the board saved by the last page.
pub fn restore(state: &AppState) {
    let Some(saved) = browser::local_get(FLOWS_KEY) else {
        return;
    };
    match Flows::import(&saved) {
        Ok(flows) => state.flows.set(flows),
        Err(e) => state.notice.set(Some(format!(
            "The flows saved by the last visit could not be read, so the board starts empty. {e}"
        ))),
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
    let json = state.flows.with_untracked(Flows::export);
    // Only the reading tab has pollers; the others keep the last ones saved.
    if let Some(pollers) = super::runner::saved() {
        let _ = browser::local_set(POLLERS_KEY, &pollers);
    }
    if !browser::local_set(FLOWS_KEY, &json) {
        let count = state.flows.with_untracked(|f| f.flows().len());
        state.notice.set(Some(format!(
            "The board ({count} flows) is too big to keep for a reload in this browser's storage. Export it to keep it."
        )));
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
    browser::local_remove(FLOWS_KEY);
}
