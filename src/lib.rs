//! labmate: the browser side. Components render state and dispatch intents;
//! everything that can be decided without a browser lives in `labmate-core`.

pub mod aws;
pub mod browser;
pub mod state;
pub mod ui;

/// Mounts the app on the page.
pub fn run() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::app::App);
}
