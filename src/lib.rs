//! labmate: the browser side. Components render state and dispatch intents;
//! everything that can be decided without a browser lives in `labmate-core`.

pub mod aws;
#[cfg(feature = "split")]
pub mod board_loader;
pub mod browser;
pub mod lang;
pub mod notice;
pub mod pipeline;
pub mod session;
pub mod state;
pub mod ui;

// The page is single-threaded: Talc without locking, growing wasm memory.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the app on the page.
pub fn run() {
    report_panics();
    // index.html's "starting" note is for browsers that never get this far.
    if let Some(note) = leptos::prelude::document().get_element_by_id("starting") {
        note.remove();
    }
    leptos::mount::mount_to_body(ui::app::App);
}

/// Development builds print a panic's message and stack to the console.
#[cfg(debug_assertions)]
fn report_panics() {
    console_error_panic_hook::set_once();
}

/// Release builds say what to do instead: formatting Rust's panic message
/// and stack would cost the bundle more than it tells a learner.
#[cfg(not(debug_assertions))]
fn report_panics() {
    std::panic::set_hook(Box::new(|_| {
        web_sys::console::error_1(&wasm_bindgen::JsValue::from_str(
            "labmate stopped on an internal error. Reload the page to go on: the lab configuration is kept. Please report what you were doing.",
        ));
    }));
}
