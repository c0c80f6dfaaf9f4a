//! The page: state, start-up (handed to `crate::session`), layout.

use labmate_core::config::LabConfig;
use leptos::prelude::*;
use std::time::Duration;

use crate::browser;
use crate::session;
use crate::state::AppState;
use crate::ui::actions_panel::ActionsPanel;
use crate::ui::config_panel::ConfigPanel;
use crate::ui::credentials_panel::CredentialsPanel;
use crate::ui::header_bar::HeaderBar;
use crate::ui::inspector::Inspector;
use crate::ui::reactive::{flag, nothing, part};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(LabConfig::default(), browser::now_ms());
    provide_context(state);
    session::start(state);

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
