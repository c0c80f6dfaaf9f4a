//! Asks labsim's control endpoint for its endpoints and demo credentials.
//! What to do with them is the session's business (`crate::session`).

use labmate_core::config::LabConfig;
use labmate_core::simulator::{config_url, read_simulator_config, SimulatorSetup};
use labmate_core::word;
use labmate_core::words::Lang;

use super::transport;

/// Why the simulator's configuration could not be had; each is a notice
/// the learner reads, worded by [`SimulatorConnectError::words`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum SimulatorConnectError {
    Refused {
        simulator: String,
        status: u16,
        url: String,
    },
    /// The simulator's address.
    Unreachable(String),
    Config(#[from] labmate_core::simulator::SimulatorError),
}

impl SimulatorConnectError {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            SimulatorConnectError::Refused {
                simulator,
                status,
                url,
            } => word!(lang, send.simulator_refused)(simulator, *status, url),
            SimulatorConnectError::Unreachable(simulator) => {
                word!(lang, send.simulator_unreachable)(simulator)
            }
            SimulatorConnectError::Config(e) => e.words(lang),
        }
    }
}

/// Fetches `GET /_labsim/config` from `base.simulator` and merges it into
/// `base`. `now` is epoch seconds, for the demo credentials' expiry.
pub async fn fetch_setup(
    base: &LabConfig,
    now: i64,
) -> Result<SimulatorSetup, SimulatorConnectError> {
    let url = config_url(&base.simulator);
    // Through the transport: the in-page sandbox answers there too.
    let body = match transport::unsigned("GET", &url, "").await {
        Ok((200..=299, body)) => body,
        Ok((status, _)) => {
            return Err(SimulatorConnectError::Refused {
                simulator: base.simulator.clone(),
                status,
                url,
            })
        }
        Err(_) => return Err(SimulatorConnectError::Unreachable(base.simulator.clone())),
    };
    Ok(read_simulator_config(base, &body, now)?)
}
