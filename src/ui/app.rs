//! The page: state, start-up (handed to `crate::session`), layout.

use labmate_core::config::LabConfig;
use leptos::prelude::*;
use std::time::Duration;

use crate::browser;
use crate::pipeline;
use crate::session;
use crate::state::AppState;
use crate::ui::actions_panel::ActionsPanel;
use crate::ui::config_panel::ConfigPanel;
use crate::ui::credentials_panel::CredentialsPanel;
#[cfg(not(feature = "split"))]
use crate::ui::flow_actions::FlowActions;
#[cfg(not(feature = "split"))]
use crate::ui::flow_board::FlowBoard;
#[cfg(not(feature = "split"))]
use crate::ui::flow_counts::FlowCounts;
#[cfg(not(feature = "split"))]
use crate::ui::flow_files::FlowFiles;
#[cfg(not(feature = "split"))]
use crate::ui::guide_panel::GuidePanel;
use crate::ui::header_bar::HeaderBar;
use crate::ui::https_note::HttpsNote;
use crate::ui::inspector::Inspector;
use crate::ui::page_notice::PageNotice;
use crate::ui::reactive::flag;
use crate::ui::sandbox_banner::SandboxBanner;
use crate::ui::sandbox_controls::SandboxControls;
use crate::ui::sandbox_offer::SandboxOffer;
#[cfg(not(feature = "split"))]
use crate::ui::watch_toggle::WatchToggle;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(LabConfig::default(), browser::now_ms());
    provide_context(state);
    crate::lang::provide();
    session::start(state);
    #[cfg(not(feature = "split"))]
    pipeline::start(state);
    #[cfg(feature = "split")]
    {
        pipeline::start_shell();
        crate::aws::bridge::serve(state);
        crate::board_loader::load(state);
    }

    // One tick a second drives the expiry countdown.
    set_interval(
        move || state.now_ms.set(browser::now_ms()),
        Duration::from_secs(1),
    );

    view! {
        <div class="app" class:projector=flag(move || state.projector.get())>
            <HeaderBar/>
            <SandboxBanner/>
            <HttpsNote/>
            <PageNotice/>
            {board_bar()}
            <main class="columns">
                <section class="column">
                    <SandboxOffer/>
                    <SandboxControls/>
                    <CredentialsPanel/>
                    <ConfigPanel/>
                </section>
                <section class="column">
                    <ActionsPanel/>
                    <Inspector/>
                </section>
            </main>
            {board()}
        </div>
    }
}

/// The board bar: the Watch switch, the counts, export and import (the
/// split build's board module mounts it too).
#[cfg(not(feature = "split"))]
pub fn board_bar() -> impl IntoView {
    view! {
        <section class="board-bar">
            <WatchToggle/>
            <FlowCounts/>
            <FlowFiles/>
        </section>
    }
}

/// The flow board, each flow's actions in its detail.
#[cfg(not(feature = "split"))]
pub fn board() -> impl IntoView {
    view! {
        <div class="pipeline-and-guide">
            <GuidePanel/>
            <FlowBoard actions=Callback::new(|flow| view! { <FlowActions flow/> }.into_any())/>
        </div>
    }
}

/// Split build: the second module mounts the board bar and the board here.
#[cfg(feature = "split")]
fn board_bar() -> impl IntoView {
    view! { <div id="board-slot" data-testid="board-slot"></div> }
}

#[cfg(feature = "split")]
fn board() -> impl IntoView {}
