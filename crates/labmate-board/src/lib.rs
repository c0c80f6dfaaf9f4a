//! labmate's second wasm module (docs/splitting.md): the pollers,
//! the flow model and the flow board, fetched by the first module once the
//! page is up and mounted in its board slot. It has its own Leptos runtime
//! and its own copy of the page state; the first module pushes the session
//! (configuration, credentials in memory, clock offset) through
//! `set_session`, and the send panel's observations arrive on the
//! `labmate.board` BroadcastChannel like another tab's.

use std::cell::Cell;
use std::time::Duration;

use labmate::browser;
use labmate::pipeline;
use labmate::state::AppState;
use labmate::ui::app::{board, board_bar};
use labmate::ui::page_notice::PageNotice;
use labmate_core::config::LabConfig;
use labmate_core::credentials::parse_credentials;
use labmate_core::words::Lang;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

thread_local! {
    static STATE: Cell<Option<AppState>> = const { Cell::new(None) };
    static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
}

/// Mounts the board bar and the board in `slot` and starts the pipeline.
#[wasm_bindgen]
pub fn mount(slot: web_sys::HtmlElement) {
    let handle = leptos::mount::mount_to(slot, || {
        let state = AppState::new(LabConfig::default(), browser::now_ms());
        provide_context(state);
        LANG.with(|l| l.set(Some(labmate::lang::provide())));
        STATE.with(|s| s.set(Some(state)));
        pipeline::start(state);
        set_interval(
            move || state.now_ms.set(browser::now_ms()),
            Duration::from_secs(1),
        );
        // The board's own notices (its saved flows); the first module shows the session's.
        view! { <PageNotice/> {board_bar()} {board()} }
    });
    // The board lives as long as the page.
    handle.forget();
}

/// The first module's session, whenever it changes: the configuration as
/// share parameters, the credentials as env lines (or none), the clock
/// offset learned there.
#[wasm_bindgen]
pub fn set_session(config: &str, credentials: Option<String>, clock_offset_ms: f64) {
    let Some(state) = STATE.with(Cell::get) else {
        return;
    };
    state
        .config
        .set(LabConfig::from_share_params(config).config);
    let now_s = browser::now_ms() / 1000;
    state
        .credentials
        .set(credentials.and_then(|text| parse_credentials(&text, now_s).ok()));
    state.clock.update(|c| c.offset_ms = clock_offset_ms as i64);
}

/// The first module's projector mode: the board masks what it shows too.
#[wasm_bindgen]
pub fn set_projector(on: bool) {
    if let Some(state) = STATE.with(Cell::get) {
        state.projector.set(on);
    }
}

/// The first module's language (docs/i18n.md): the board's words
/// follow the switch in the header.
#[wasm_bindgen]
pub fn set_lang(code: &str) {
    if let (Some(l), Some(lang)) = (Lang::from_code(code), LANG.with(Cell::get)) {
        lang.set(l);
    }
}

/// The first module left the sandbox or started it over: the board is
/// emptied as "Clear" empties it, before the page reloads.
#[wasm_bindgen]
pub fn clear_board() {
    if let Some(state) = STATE.with(Cell::get) {
        labmate::ui::flow_files::clear_board(&state);
    }
}

/// The first module turned watching on (the simulator connected).
#[wasm_bindgen]
pub fn set_watching(on: bool) {
    if let Some(state) = STATE.with(Cell::get) {
        state.watching.set(on);
    }
}
