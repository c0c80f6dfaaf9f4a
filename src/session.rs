//! The learner's session: credentials accepted from a paste or from this
//! tab's memory, the lab configuration read at start-up (share link, saved
//! copy, simulator) and kept in localStorage. No view code here: components
//! call these functions, and `aws/` never calls back up into the page. What
//! the session has to tell the learner is a typed [`Notice`], worded
//! in the page's language where it shows.

use lab_model::sandbox;
use labmate_core::config::LabConfig;
use labmate_core::credentials::{parse_credentials, CredentialsError, ParsedCredentials};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::simulator::fetch_setup;
use crate::aws::sts::refresh_identity;
use crate::browser;
use crate::notice::Notice;
use crate::state::{AppState, IdentityState};

/// sessionStorage key of the credentials kept with "Remember in this tab".
const REMEMBER_KEY: &str = "labmate.credentials";
/// localStorage key of the lab configuration (it holds no secret).
const CONFIG_KEY: &str = "labmate.config";

/// Start-up: the configuration (share link, else the saved one), the
/// credentials remembered in this tab, else the simulator's demo ones;
/// from then on every change of the configuration is saved.
pub fn start(state: AppState) {
    state.config.set(initial_config(&state));
    restore_remembered(state);
    // A sandbox chosen before this reload starts again (as it was, when
    // its worker kept its state), with the demo credentials it hands out
    // now (a remembered set may be an earlier sandbox's).
    let sandboxed = state
        .config
        .with_untracked(|c| c.simulator == sandbox::ADDRESS);
    if state.credentials.with_untracked(Option::is_none) || sandboxed {
        spawn_local(connect_simulator(state));
    }
    persist_config(state);
}

/// Whether the configuration names the in-page sandbox (tracked).
pub fn in_sandbox(state: &AppState) -> bool {
    state.config.with(|c| c.simulator == sandbox::ADDRESS)
}

/// "Rehearse in a sandbox": the sandbox is the simulator, connected to as
/// a `#sim=` link's is; its module is fetched now, not before.
pub fn rehearse_in_sandbox(state: AppState) {
    state
        .config
        .update(|c| c.simulator = sandbox::ADDRESS.to_owned());
    spawn_local(connect_simulator(state));
}

/// "Leave the sandbox": the workshop's default configuration and no
/// credentials, and the sandbox forgotten with its board.
pub fn leave_sandbox(state: AppState) {
    browser::session_remove(REMEMBER_KEY);
    let _ = browser::local_set(CONFIG_KEY, &LabConfig::default().to_share_params());
    state.credentials.set(None);
    forget_sandbox(state);
}

/// The sandbox's "Start over": a fresh sandbox on an empty board.
pub fn start_sandbox_over(state: AppState) {
    forget_sandbox(state);
}

/// Empties the board as "Clear" does (its flows were the simulator's) and
/// deletes the state the sandbox's worker keeps (awaited, so the next
/// sandbox starts fresh), then reloads, which ends the worker: a new
/// simulator, with the page's view of it (credentials, pollers) new too.
fn forget_sandbox(state: AppState) {
    crate::ui::flow_files::clear_board(&state);
    // Split build: the board is the second module's.
    #[cfg(feature = "split")]
    crate::board_loader::clear_board();
    spawn_local(async {
        crate::aws::sandbox::forget().await;
        browser::reload();
    });
}

/// Puts freshly parsed credentials in place; everything else stays.
pub fn accept(state: AppState, parsed: ParsedCredentials) {
    if let Some(region) = &parsed.region {
        if state.config.with_untracked(|c| &c.region != region) {
            state.config.update(|c| c.region = region.clone());
        }
    }
    if state.remember_in_tab.get_untracked() {
        browser::session_set(REMEMBER_KEY, &parsed.credentials.to_env_lines());
    }
    state.credentials.set(Some(parsed));
    state.identity.set(IdentityState::Unknown);
    spawn_local(refresh_identity(state));
}

/// A paste (first or again, e.g. after expiry): read it at AWS's time as
/// far as labmate knows it, and accept it when it reads. On an error nothing
/// changes, so the learner can fix the text.
pub fn accept_pasted(state: AppState, text: &str) -> Result<(), CredentialsError> {
    let now_ms = state.clock.get_untracked().now_ms(browser::now_ms());
    let parsed = parse_credentials(text, now_ms / 1000)?;
    accept(state, parsed);
    Ok(())
}

/// "Remember in this tab": on keeps the current credentials in
/// sessionStorage (gone with the tab), off forgets them there.
pub fn set_remember_in_tab(state: AppState, on: bool) {
    state.remember_in_tab.set(on);
    if on {
        if let Some(p) = state.credentials.get_untracked() {
            browser::session_set(REMEMBER_KEY, &p.credentials.to_env_lines());
        }
    } else {
        browser::session_remove(REMEMBER_KEY);
    }
}

/// Brings back credentials kept in this tab's sessionStorage, if the
/// learner opted in earlier in this tab.
fn restore_remembered(state: AppState) {
    let Some(saved) = browser::session_get(REMEMBER_KEY) else {
        return;
    };
    state.remember_in_tab.set(true);
    match parse_credentials(&saved, browser::now_ms() / 1000) {
        Ok(parsed) => accept(state, parsed),
        Err(e) => {
            browser::session_remove(REMEMBER_KEY);
            state.notice.set(Some(Notice::RememberedUnusable(e)));
        }
    }
}

/// Reads the configuration: a share link wins over what this browser saved.
fn initial_config(state: &AppState) -> LabConfig {
    let hash = browser::location_hash();
    if hash.trim_start_matches('#').is_empty() {
        return browser::local_get(CONFIG_KEY)
            .map(|p| LabConfig::from_share_params(&p).config)
            .unwrap_or_default();
    }
    let import = LabConfig::from_share_params(&hash);
    if !import.dropped_secret_params.is_empty() {
        state.notice.set(Some(Notice::LinkCarriedSecrets(
            import.dropped_secret_params,
        )));
    }
    browser::clear_location_hash();
    import.config
}

/// Saves the configuration whenever it changes (and once now).
fn persist_config(state: AppState) {
    Effect::new(move |_| {
        let params = state.config.with(|c| c.to_share_params());
        let _ = browser::local_set(CONFIG_KEY, &params);
    });
}

/// When the configuration names a simulator (a `sim=` link), takes its
/// endpoints and demo credentials. Failures leave the page as it was, with
/// a notice saying what to do.
async fn connect_simulator(state: AppState) {
    let base = state.config.get_untracked();
    if base.simulator.trim().is_empty() {
        return;
    }
    if base.simulator == sandbox::ADDRESS {
        let not_kept = move |why| state.notice.set(Some(Notice::SandboxNotKept(why)));
        match crate::aws::sandbox::start(not_kept).await {
            Ok(started) => {
                state.sandbox_restored.set(started.restored);
                if let Some(why) = started.dropped {
                    state.notice.set(Some(Notice::SandboxDropped(why)));
                }
            }
            Err(e) => {
                state.notice.set(Some(Notice::SandboxNotStarted(e)));
                return;
            }
        }
    }
    let setup = match fetch_setup(&base, browser::now_ms() / 1000).await {
        Ok(s) => s,
        Err(e) => {
            state.notice.set(Some(Notice::SimulatorUnreachable(e)));
            return;
        }
    };
    state.config.set(setup.config);
    // The simulator is there to be watched; a learner who turned watching
    // off keeps it off.
    if !crate::pipeline::persist::chose_not_to_watch() {
        state.watching.set(true);
    }
    match setup.credentials {
        Ok(parsed) => accept(state, parsed),
        Err(e) => state.notice.set(Some(Notice::DemoCredentialsRefused(e))),
    }
}
