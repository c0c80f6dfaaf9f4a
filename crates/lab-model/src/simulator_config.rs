//! The body of labsim's `GET /_labsim/config`: where each simulated service
//! is, the same-origin routes of its static server, and the demo
//! credentials. labsim writes it; labmate reads it from a `sim=` link.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Service;

/// `GET /_labsim/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorConfig {
    #[serde(default)]
    pub region: String,
    /// [`Service::key`] to base URL (for `api`, the full invoke URL ending in
    /// `/v1/lab`). Keyed by text, not by [`Service`], so that a page reading
    /// a newer simulator's config is not refused over a service it does not
    /// know yet.
    pub endpoints: BTreeMap<String, String>,
    /// [`Service::key`] (`aoss`, `api`) to the path prefix on the static
    /// server's origin that forwards to that service, as a CloudFront
    /// behaviour in front of the app would. Empty when no app is served.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, String>,
    pub credentials: SimulatorCredentials,
    #[serde(default)]
    pub identity: SimulatorIdentity,
    /// The ids AWS would show in the API's and the collection's host names,
    /// which the simulator's local endpoints hide: the lab's ARNs (and the
    /// policies labmate writes from them) carry them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub collection_id: String,
}

impl SimulatorConfig {
    /// The base URL `service` is served at.
    pub fn endpoint(&self, service: Service) -> Option<&str> {
        self.endpoints.get(service.key()).map(String::as_str)
    }

    /// The same-origin route prefix for `service`, if the static server has one.
    pub fn route(&self, service: Service) -> Option<&str> {
        self.routes.get(service.key()).map(String::as_str)
    }
}

/// The demo credentials, named as `aws configure export-credentials` and STS
/// name them. A missing field reads as empty and an empty one is left out,
/// so that labmate can check them as it checks a paste, with the same
/// messages.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulatorCredentials {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_key_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_token: String,
    /// RFC 3339, UTC (`2024-10-09T07:55:22Z`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expiration: String,
}

/// Never prints the secret key or the session token.
impl fmt::Debug for SimulatorCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// What GetCallerIdentity answers for the demo principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulatorIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SimulatorConfig {
        SimulatorConfig {
            region: "ap-southeast-1".into(),
            endpoints: [
                ("sts", "http://127.0.0.1:9101"),
                ("api", "http://127.0.0.1:9102/v1/lab"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            routes: BTreeMap::new(),
            credentials: SimulatorCredentials {
                access_key_id: "ASIAEXAMPLEEXAMPLE12".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                session_token: "IQoJb3JpZ2luX2VjEXAMPLETOKEN".into(),
                expiration: "2026-11-27T19:00:00Z".into(),
            },
            identity: SimulatorIdentity {
                account: "123456789012".into(),
                arn: "arn:aws:sts::123456789012:assumed-role/learner/labsim".into(),
                user_id: "AROAEXAMPLE:labsim".into(),
            },
            api_id: String::new(),
            collection_id: String::new(),
        }
    }

    #[test]
    fn the_wire_shape_is_what_labsim_has_always_served() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["credentials"]["AccessKeyId"], "ASIAEXAMPLEEXAMPLE12");
        assert_eq!(json["credentials"]["Expiration"], "2026-11-27T19:00:00Z");
        assert_eq!(json["identity"]["UserId"], "AROAEXAMPLE:labsim");
        assert_eq!(json["endpoints"]["api"], "http://127.0.0.1:9102/v1/lab");
        // No routes: the key is left out, as before routes existed.
        assert!(json.get("routes").is_none());
        let back: SimulatorConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn endpoints_are_found_by_service_and_unknown_keys_are_kept() {
        let mut config = sample();
        config
            .endpoints
            .insert("iam".into(), "http://127.0.0.1:9108".into());
        let back: SimulatorConfig =
            serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
        assert_eq!(back.endpoint(Service::Sts), Some("http://127.0.0.1:9101"));
        assert_eq!(back.endpoint(Service::Aoss), None);
        assert_eq!(back.endpoints["iam"], "http://127.0.0.1:9108");
    }

    #[test]
    fn debug_output_carries_no_secret() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert!(!text.contains("IQoJb3JpZ2lu"), "{text}");
        assert!(text.contains("ASIAEXAMPLEEXAMPLE12"));
    }
}
