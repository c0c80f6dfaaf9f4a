//! The page: state, start-up (share link, remembered credentials), layout.

use labmate_core::config::LabConfig;
use leptos::prelude::*;
use std::time::Duration;

use crate::aws::simulator;
use crate::browser;
use crate::state::AppState;
use crate::ui::actions_panel::ActionsPanel;
use crate::ui::config_panel::{load_saved_config, ConfigPanel};
use crate::ui::credentials_panel::{restore_remembered, CredentialsPanel};
use crate::ui::header_bar::HeaderBar;
use crate::ui::inspector::Inspector;
use crate::ui::reactive::{flag, nothing, part};

/// Reads the configuration: a share link wins over what this browser saved.
fn initial_config(state: &AppState) -> LabConfig {
    let hash = browser::location_hash();
    if hash.trim_start_matches('#').is_empty() {
        return load_saved_config().unwrap_or_default();
    }
    let import = LabConfig::from_share_params(&hash);
    if !import.dropped_secret_params.is_empty() {
        state.notice.set(Some(format!(
            "The link carried {} that looked like secrets; labmate ignored them. Share links never carry keys: paste credentials in the box instead.",
            import.dropped_secret_params.join(", ")
        )));
    }
    browser::clear_location_hash();
    import.config
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(LabConfig::default(), browser::now_ms());
    provide_context(state);
    state.config.set(initial_config(&state));
    restore_remembered(state);
    if state.credentials.with_untracked(Option::is_none) {
        leptos::task::spawn_local(simulator::connect(state));
    }

    // One tick a second drives the expiry countdown.
    set_interval(
        move || state.now_ms.set(browser::now_ms()),
        Duration::from_secs(1),
    );

    view! {
        <div class="app" class:projector=flag(move || state.projector.get())>
            <HeaderBar/>
            {part(move || match state.notice.get() {
                Some(n) => view! { <p class="notice" data-testid="page-notice" role="status">{n}</p> }.into_any(),
                None => nothing(),
            })}
            <main class="columns">
                <section class="column">
                    <CredentialsPanel/>
                    <ConfigPanel/>
                </section>
                <section class="column">
                    <ActionsPanel/>
                    <Inspector/>
                </section>
            </main>
        </div>
    }
}
