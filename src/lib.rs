//! labmate: the browser side. Components render state and dispatch intents;
//! everything that can be decided without a browser lives in `labmate-core`.

pub mod aws;
pub mod browser;
pub mod state;
pub mod ui;

// The page is single-threaded: Talc without locking, growing wasm memory.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the app on the page.
pub fn run() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::app::App);
}
