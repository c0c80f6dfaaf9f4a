//! Connecting to labsim: its control endpoint tells labmate where each
//! simulated service is and hands out demo credentials, so a share link
//! only needs the simulator's address.

use lab_model::{Service, SimulatorConfig};

use crate::config::{LabConfig, ServiceKey};
use crate::credentials::{credentials_from_json, CredentialsError, ParsedCredentials, PasteFormat};
use crate::word;
use crate::words::Lang;

/// What `GET /_labsim/config` gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatorSetup {
    pub config: LabConfig,
    /// The demo credentials, checked as a paste of them would be.
    pub credentials: Result<ParsedCredentials, CredentialsError>,
}

/// Why the simulator's answer could not be used. Worded by
/// [`SimulatorError::words`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum SimulatorError {
    /// The simulator's address.
    NotJson(String),
    /// The JSON key that is missing (`endpoints`, `credentials`).
    Missing(&'static str),
    Unexpected {
        line: usize,
        column: usize,
    },
}

impl SimulatorError {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            SimulatorError::NotJson(simulator) => word!(lang, send.simulator_not_json)(simulator),
            SimulatorError::Missing(field) => word!(lang, send.simulator_missing)(field),
            SimulatorError::Unexpected { line, column } => {
                word!(lang, send.simulator_unexpected)(*line, *column)
            }
        }
    }
}

/// The control path, under the simulator's address.
pub fn config_url(simulator: &str) -> String {
    format!("{}/_labsim/config", simulator.trim_end_matches('/'))
}

/// Merges the simulator's endpoints into `base`; names (index, table,
/// function) stay as the learner set them. `now` is epoch seconds, for the
/// credentials' expiry.
pub fn read_simulator_config(
    base: &LabConfig,
    body: &str,
    now: i64,
) -> Result<SimulatorSetup, SimulatorError> {
    let sim: SimulatorConfig = serde_json::from_str(body).map_err(|e| {
        let text = e.to_string();
        match e.classify() {
            serde_json::error::Category::Data if text.contains("`endpoints`") => {
                SimulatorError::Missing("endpoints")
            }
            serde_json::error::Category::Data if text.contains("`credentials`") => {
                SimulatorError::Missing("credentials")
            }
            // Only where: serde's text quotes values, and one may be a secret.
            serde_json::error::Category::Data => SimulatorError::Unexpected {
                line: e.line(),
                column: e.column(),
            },
            _ => SimulatorError::NotJson(base.simulator.clone()),
        }
    })?;
    let mut config = base.clone();
    if !sim.region.is_empty() {
        config.region = sim.region.clone();
    }
    if let Some(url) = sim.endpoint(Service::ApiGateway) {
        config.api_url = url.to_owned();
    }
    if let Some(url) = sim.endpoint(Service::Aoss) {
        config.collection_endpoint = url.to_owned();
    }
    config.api_id = sim.api_id.clone();
    config.collection_id = sim.collection_id.clone();
    for key in ServiceKey::ALL {
        if let Some(url) = sim.endpoint(key.service()) {
            config.endpoints.set(key, url.to_owned());
        }
    }
    // Present when labsim also serves this app: its same-origin routes.
    if let Some(route) = sim.route(Service::ApiGateway) {
        config.api_route = route.to_owned();
    }
    if let Some(route) = sim.route(Service::Aoss) {
        config.collection_route = route.to_owned();
    }
    // Checked as a paste of `aws configure export-credentials` would be, so a
    // broken set gets the same specific message.
    let credentials = serde_json::to_value(&sim.credentials).unwrap_or_default();
    Ok(SimulatorSetup {
        config,
        credentials: credentials_from_json(&credentials, PasteFormat::Simulator, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::assert_worded;

    #[test]
    fn every_simulator_error_is_worded_in_each_language_with_its_values() {
        let all = [
            (
                SimulatorError::NotJson("http://sim:9".into()),
                vec!["http://sim:9"],
            ),
            (SimulatorError::Missing("endpoints"), vec!["endpoints"]),
            (
                SimulatorError::Unexpected {
                    line: 41,
                    column: 43,
                },
                vec!["41", "43"],
            ),
        ];
        for (e, values) in all {
            assert_worded(&e, &e.to_string(), |l| e.words(l), &values, true);
        }
    }

    /// Epoch seconds an hour before the demo credentials below expire.
    const NOW: i64 = 1_795_518_000;

    fn demo_credentials() -> String {
        format!(
            r#"{{"AccessKeyId":"ASIAXXXXXXXXXXXXXXXX","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","SessionToken":"{}","Expiration":"2026-11-24T12:00:00Z"}}"#,
            "IQoJb3JpZ2luX2VjEXAMPLE".repeat(20)
        )
    }

    #[test]
    fn merges_endpoints_and_keeps_names() {
        let base = LabConfig {
            simulator: "http://127.0.0.1:9101".into(),
            index: "my_index".into(),
            ..LabConfig::default()
        };
        let body = format!(
            r#"{{"region":"ap-southeast-1","endpoints":{{"sts":"http://127.0.0.1:9101","api":"http://127.0.0.1:9102/v1/lab"}},
            "credentials":{}}}"#,
            demo_credentials()
        );
        let setup = read_simulator_config(&base, &body, NOW).unwrap();
        assert_eq!(
            setup.config.endpoints.get(ServiceKey::Sts).unwrap(),
            "http://127.0.0.1:9101"
        );
        assert_eq!(setup.config.api_url, "http://127.0.0.1:9102/v1/lab");
        assert_eq!(setup.config.index, "my_index");
        let parsed = setup.credentials.expect("demo credentials pass the checks");
        assert_eq!(parsed.credentials.access_key_id, "ASIAXXXXXXXXXXXXXXXX");
        assert_eq!(parsed.format, PasteFormat::Simulator);
        assert_eq!(parsed.credentials.seconds_left(NOW), Some(3600));
        assert_eq!(config_url("http://h:1/"), "http://h:1/_labsim/config");
    }

    #[test]
    fn same_origin_routes_are_taken_when_labsim_serves_the_app() {
        let body = r#"{"endpoints":{"aoss":"http://127.0.0.1:9107","api":"http://127.0.0.1:9102/v1/lab"},
            "routes":{"aoss":"http://127.0.0.1:8080/aoss","api":"http://127.0.0.1:8080/api"},
            "credentials":{"AccessKeyId":"ASIAXXXXXXXXXXXXXXXX"}}"#;
        let config = read_simulator_config(&LabConfig::default(), body, NOW)
            .unwrap()
            .config;
        assert_eq!(config.collection_route, "http://127.0.0.1:8080/aoss");
        assert_eq!(config.api_route, "http://127.0.0.1:8080/api");
        let without = r#"{"endpoints":{},"credentials":{}}"#;
        let config = read_simulator_config(&LabConfig::default(), without, NOW)
            .unwrap()
            .config;
        assert_eq!(config.collection_route, "");
        // Bad demo credentials are named as a bad paste would be.
        let body = r#"{"endpoints":{},"credentials":{"AccessKeyId":"ASIAXXXXXXXXXXXXXXXX"}}"#;
        assert!(matches!(
            read_simulator_config(&LabConfig::default(), body, NOW)
                .unwrap()
                .credentials,
            Err(CredentialsError::MissingSecretAccessKey {
                format: PasteFormat::Simulator
            })
        ));
    }

    #[test]
    fn a_wrong_shape_is_placed_without_quoting_what_was_there() {
        let body = r#"{"endpoints":{},"credentials":{"SecretAccessKey":["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]}}"#;
        let err = read_simulator_config(&LabConfig::default(), body, NOW).unwrap_err();
        assert!(
            matches!(err, SimulatorError::Unexpected { line: 1, .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("wJalr"), "{err}");
    }

    #[test]
    fn bad_answers_are_named() {
        let base = LabConfig::default();
        assert!(matches!(
            read_simulator_config(&base, "<html>", NOW),
            Err(SimulatorError::NotJson(_))
        ));
        assert_eq!(
            read_simulator_config(&base, r#"{"endpoints":{}}"#, NOW),
            Err(SimulatorError::Missing("credentials"))
        );
    }
}
