//! Split build (docs/splitting.md): fetches the second wasm module (the
//! pollers and the flow board) once this one is on the page, mounts it in
//! the board slot and keeps it told of the session: configuration,
//! credentials (in memory only), the clock offset and the watch switch;
//! and has it cleared when the sandbox is left ([`clear_board`]).

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::notice::Notice;
use crate::state::AppState;

// The post-build hook (scripts/post-build.sh) names the second module's
// JS in a `<meta name="labmate-board">`; a build without it has no board.
#[wasm_bindgen(inline_js = "export async function loadBoard() {
  const meta = document.querySelector('meta[name=\"labmate-board\"]');
  if (!meta) return null;
  const board = await import(new URL(meta.content, document.baseURI).href);
  await board.default();
  return board;
}")]
extern "C" {
    #[wasm_bindgen(catch, js_name = loadBoard)]
    async fn load_board() -> Result<JsValue, JsValue>;
}

thread_local! {
    /// The board module's `clear_board`, once it is loaded.
    static CLEAR: std::cell::RefCell<Option<Function>> = const { std::cell::RefCell::new(None) };
}

/// Empties the board in the board module (a board not loaded yet has
/// nothing to save back over its forgotten copy).
pub fn clear_board() {
    CLEAR.with_borrow(|clear| {
        if let Some(clear) = clear {
            let _ = clear.call0(&JsValue::NULL);
        }
    });
}

fn export(module: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(module, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
}

/// Loads the board after first paint and wires the session to it.
pub fn load(state: AppState) {
    let owner = Owner::current();
    let not_loaded = || Some(Notice::BoardNotLoaded);
    spawn_local(async move {
        let module = match load_board().await {
            Ok(m) if !m.is_null() => m,
            Ok(_) => return,
            Err(_) => {
                state.notice.set(not_loaded());
                return;
            }
        };
        let (Some(mount), Some(set_session), Some(set_watching)) = (
            export(&module, "mount"),
            export(&module, "set_session"),
            export(&module, "set_watching"),
        ) else {
            state.notice.set(not_loaded());
            return;
        };
        let Some(slot) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("board-slot"))
        else {
            return;
        };
        let _ = mount.call1(&JsValue::NULL, &slot);
        CLEAR.set(export(&module, "clear_board"));
        let wire = move || {
            // Every change of the session reaches the board's copy.
            Effect::new(move |_| {
                let config = state.config.with(|c| c.to_share_params());
                let credentials = state
                    .credentials
                    .with(|c| c.as_ref().map(|p| p.credentials.to_env_lines()));
                let offset = state.clock.with(|c| c.offset_ms) as f64;
                let _ = set_session.call3(
                    &JsValue::NULL,
                    &JsValue::from_str(&config),
                    &credentials.map_or(JsValue::NULL, |c| JsValue::from_str(&c)),
                    &JsValue::from_f64(offset),
                );
            });
            // Projector mode masks the board's texts too.
            if let Some(set_projector) = export(&module, "set_projector") {
                Effect::new(move |_| {
                    let on = JsValue::from_bool(state.projector.get());
                    let _ = set_projector.call1(&JsValue::NULL, &on);
                });
            }
            // The language switch (docs/i18n.md) is in this module.
            if let Some(set_lang) = export(&module, "set_lang") {
                let lang = crate::lang::use_lang();
                Effect::new(move |_| {
                    let code = JsValue::from_str(lang.get().code());
                    let _ = set_lang.call1(&JsValue::NULL, &code);
                });
            }
            // The simulator turns watching on from this side; turning it
            // off is the board's own switch.
            Effect::new(move |_| {
                if state.watching.get() {
                    let _ = set_watching.call1(&JsValue::NULL, &JsValue::TRUE);
                }
            });
        };
        match owner {
            Some(o) => o.with(wire),
            None => wire(),
        }
    });
}
