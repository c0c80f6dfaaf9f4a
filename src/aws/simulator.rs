//! Connects to labsim at start-up when the link names one.

use labmate_core::simulator::{config_url, read_simulator_config};
use leptos::prelude::*;

use crate::browser;
use crate::state::AppState;
use crate::ui::credentials_panel::accept;

/// Reads the simulator's endpoints and demo credentials. Failures leave the
/// page as it was, with a notice saying what to do.
pub async fn connect(state: AppState) {
    let base = state.config.get_untracked();
    if base.simulator.trim().is_empty() {
        return;
    }
    let url = config_url(&base.simulator);
    let body = match gloo_net::http::Request::get(&url).send().await {
        Ok(r) if r.ok() => r.text().await.unwrap_or_default(),
        Ok(r) => {
            state.notice.set(Some(format!(
                "The simulator at {} answered {} to {url}. Is labsim running (make demo)?",
                base.simulator,
                r.status()
            )));
            return;
        }
        Err(_) => {
            state.notice.set(Some(format!(
                "No simulator answers at {}. Start it with `make demo`, or clear the simulator address to use AWS.",
                base.simulator
            )));
            return;
        }
    };
    let setup = match read_simulator_config(&base, &body, browser::now_ms() / 1000) {
        Ok(s) => s,
        Err(e) => {
            state.notice.set(Some(e.to_string()));
            return;
        }
    };
    state.config.set(setup.config);
    match setup.credentials {
        Ok(parsed) => accept(state, parsed),
        Err(e) => state.notice.set(Some(format!(
            "The simulator's demo credentials were refused: {e}"
        ))),
    }
}
