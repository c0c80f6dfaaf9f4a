//! Asks labsim's control endpoint for its endpoints and demo credentials.
//! What to do with them is the session's business (`crate::session`).

use labmate_core::config::LabConfig;
use labmate_core::simulator::{config_url, read_simulator_config, SimulatorSetup};

/// Why the simulator's configuration could not be had; each message is the
/// notice the learner reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimulatorConnectError {
    #[error(
        "The simulator at {simulator} answered {status} to {url}. Is labsim running (make demo)?"
    )]
    Refused {
        simulator: String,
        status: u16,
        url: String,
    },
    #[error("No simulator answers at {0}. Start it with `make demo`, or clear the simulator address to use AWS.")]
    Unreachable(String),
    #[error("{0}")]
    Config(#[from] labmate_core::simulator::SimulatorError),
}

/// Fetches `GET /_labsim/config` from `base.simulator` and merges it into
/// `base`. `now` is epoch seconds, for the demo credentials' expiry.
pub async fn fetch_setup(
    base: &LabConfig,
    now: i64,
) -> Result<SimulatorSetup, SimulatorConnectError> {
    let url = config_url(&base.simulator);
    let body = match gloo_net::http::Request::get(&url).send().await {
        Ok(r) if r.ok() => r.text().await.unwrap_or_default(),
        Ok(r) => {
            return Err(SimulatorConnectError::Refused {
                simulator: base.simulator.clone(),
                status: r.status(),
                url,
            })
        }
        Err(_) => return Err(SimulatorConnectError::Unreachable(base.simulator.clone())),
    };
    Ok(read_simulator_config(base, &body, now)?)
}
