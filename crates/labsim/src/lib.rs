//! labsim core: a local simulator of the lab's AWS backend.
//!
//! Nothing here does I/O or reads a clock: requests come in as
//! [`http::Request`] values with the time as epoch milliseconds, and
//! responses go out as [`http::Response`] values. The native server
//! (`server` feature) feeds it real HTTP; the same code can run in a browser
//! (wasm32).

pub mod control;
pub mod cors;
pub mod dynamodb;
pub mod http;
pub mod identity;
pub mod opensearch;
pub mod rng;
pub mod sigv4;
pub mod sts;
pub mod time;

#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;

use crate::control::{CredentialsJson, IdentityJson, LabConfig};
use crate::http::{Request, Response};
use crate::identity::{Credentials, IdentityStore};
use crate::rng::SplitMix64;

pub const DEFAULT_REGION: &str = "ap-southeast-1";
pub use crate::identity::DEFAULT_CREDENTIAL_TTL_SECONDS;

/// How the simulator was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub region: String,
    /// Decides every id, key and request id.
    pub seed: u64,
    /// Lifetime of the demo credentials.
    pub credential_ttl_seconds: i64,
    /// Service name (`sts`) to the base URL it is served at.
    pub endpoints: BTreeMap<String, String>,
}

impl SimConfig {
    pub fn new(seed: u64) -> Self {
        SimConfig {
            region: DEFAULT_REGION.to_owned(),
            seed,
            credential_ttl_seconds: DEFAULT_CREDENTIAL_TTL_SECONDS,
            endpoints: BTreeMap::new(),
        }
    }
}

/// A simulated AWS service endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
}

/// The whole simulated backend.
#[derive(Debug, Clone)]
pub struct Simulator {
    config: SimConfig,
    identity: IdentityStore,
    /// Separate from the identity store's stream, so the keys minted for a
    /// seed do not depend on how many requests came before.
    request_ids: SplitMix64,
}

impl Simulator {
    /// Starts the simulator at `now_ms`, minting the demo credentials.
    pub fn new(config: SimConfig, now_ms: i64) -> Self {
        Simulator {
            identity: IdentityStore::new(config.seed, now_ms, config.credential_ttl_seconds),
            request_ids: SplitMix64::new(!config.seed),
            config,
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn identity(&self) -> &IdentityStore {
        &self.identity
    }

    /// Back to the state at start, as if started at `now_ms` with the same
    /// seed: the demo credentials keep their keys (so exported shell
    /// variables stay valid) and get a fresh expiry; extra ones are revoked.
    pub fn reset(&mut self, now_ms: i64) {
        *self = Simulator::new(self.config.clone(), now_ms);
    }

    /// Issues another credential set for the demo principal.
    pub fn mint_credentials(&mut self, now_ms: i64, ttl_seconds: i64) -> Credentials {
        self.identity.mint(now_ms, ttl_seconds)
    }

    /// What `GET /_labsim/config` returns.
    pub fn lab_config(&self) -> LabConfig {
        LabConfig {
            region: self.config.region.clone(),
            endpoints: self.config.endpoints.clone(),
            credentials: CredentialsJson::from(self.identity.demo_credentials()),
            identity: IdentityJson::from(&self.identity),
        }
    }

    /// Answers one request to `service`'s endpoint at `now_ms`. Paths under
    /// `/_labsim/` go to the control endpoints instead.
    pub fn handle(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
        let (policy, control) = if req.path.starts_with(control::PREFIX) {
            (&cors::CONTROL, true)
        } else {
            (&cors::AWS_SERVICE, false)
        };
        let mut response = if let Some(preflight) = cors::preflight(policy, req) {
            preflight
        } else if control {
            control::handle(self, req, now_ms)
        } else {
            let request_id = self.request_ids.uuid();
            match service {
                Service::Sts => sts::handle(
                    req,
                    &self.identity,
                    &self.config.region,
                    now_ms,
                    &request_id,
                ),
            }
        };
        response.set_header("Date", &time::http_date(now_ms));
        cors::decorate(policy, req, &mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{get_caller_identity, Signer, NOW};

    const ORIGIN: &str = "http://localhost:8080";

    fn sim() -> Simulator {
        let mut config = SimConfig::new(5);
        config
            .endpoints
            .insert("sts".into(), "http://127.0.0.1:9101".into());
        Simulator::new(config, NOW)
    }

    fn config_of(res: &Response) -> LabConfig {
        serde_json::from_slice(&res.body).expect("config JSON")
    }

    #[test]
    fn config_endpoint_describes_region_endpoints_credentials_identity() {
        let mut sim = sim();
        let req = Request::new("GET", "/_labsim/config").with_header("Origin", ORIGIN);
        let res = sim.handle(Service::Sts, &req, NOW);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        let json: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
        let demo = sim.identity().demo_credentials();
        assert_eq!(
            json,
            serde_json::json!({
                "region": "ap-southeast-1",
                "endpoints": {"sts": "http://127.0.0.1:9101"},
                "credentials": {
                    "AccessKeyId": demo.access_key_id,
                    "SecretAccessKey": demo.secret_access_key,
                    "SessionToken": demo.session_token,
                    "Expiration": "2024-10-09T07:55:22Z",
                },
                "identity": {
                    "Account": "123456789012",
                    "Arn": "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant",
                    "UserId": sim.identity().principal().user_id(),
                },
            })
        );
    }

    #[test]
    fn minted_credentials_work_until_they_expire() {
        let mut sim = sim();
        let mint = |sim: &mut Simulator, body: &str| {
            let req = Request::new("POST", "/_labsim/credentials").with_body(body);
            let res = sim.handle(Service::Sts, &req, NOW);
            assert_eq!(res.status, 200, "{}", res.body_text());
            let c: CredentialsJson = serde_json::from_slice(&res.body).unwrap();
            c
        };
        let short = mint(&mut sim, r#"{"ttl_seconds": 30}"#);
        assert_eq!(short.expiration, "2024-10-08T19:55:52Z");
        let default = mint(&mut sim, "");
        assert_eq!(default.expiration, "2024-10-09T07:55:22Z");
        let expired = mint(&mut sim, r#"{"ttl_seconds": -60}"#);

        let call = |sim: &mut Simulator, c: &CredentialsJson, now: i64| {
            let creds = sim.identity().find(&c.access_key_id).unwrap().clone();
            let mut signer = Signer::new(&creds);
            signer.time_ms = now;
            sim.handle(Service::Sts, &signer.sign(get_caller_identity()), now)
        };
        assert_eq!(call(&mut sim, &short, NOW).status, 200);
        let late = call(&mut sim, &short, NOW + 31_000);
        assert_eq!(late.status, 403);
        assert!(late.body_text().contains("<Code>ExpiredToken</Code>"));
        assert_eq!(call(&mut sim, &expired, NOW).status, 403);

        let bad = Request::new("POST", "/_labsim/credentials").with_body("{oops");
        assert_eq!(sim.handle(Service::Sts, &bad, NOW).status, 400);
    }

    #[test]
    fn reset_keeps_demo_keys_renews_expiry_and_revokes_extras() {
        let mut sim = sim();
        let before = sim.identity().demo_credentials().clone();
        let extra = sim.mint_credentials(NOW, 60);
        let later = NOW + 3_600_000;
        let res = sim.handle(Service::Sts, &Request::new("POST", "/_labsim/reset"), later);
        assert_eq!(res.status, 200);
        let config = config_of(&res);
        assert_eq!(config.credentials.access_key_id, before.access_key_id);
        assert_eq!(config.credentials.expiration, "2024-10-09T08:55:22Z");
        assert_eq!(sim.identity().find(&extra.access_key_id), None);
    }

    #[test]
    fn control_routes_refuse_unknown_paths_and_methods() {
        let mut sim = sim();
        let get = |path: &str| Request::new("GET", path);
        assert_eq!(
            sim.handle(Service::Sts, &get("/_labsim/nope"), NOW).status,
            404
        );
        assert_eq!(
            sim.handle(Service::Sts, &get("/_labsim/reset"), NOW).status,
            405
        );
    }

    #[test]
    fn every_sts_response_carries_cors_date_and_request_id() {
        let mut sim = sim();
        let req = get_caller_identity().with_header("Origin", ORIGIN);
        let res = sim.handle(Service::Sts, &req, NOW);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            res.header("access-control-expose-headers"),
            Some("x-amzn-RequestId, Date")
        );
        assert_eq!(res.header("date"), Some("Tue, 08 Oct 2024 19:55:22 GMT"));
        let id = res.header("x-amzn-RequestId").unwrap().to_owned();
        assert!(res
            .body_text()
            .contains(&format!("<RequestId>{id}</RequestId>")));
        // Request ids differ per request, and the seed decides them.
        let again = sim.handle(Service::Sts, &req, NOW);
        assert_ne!(again.header("x-amzn-RequestId"), Some(id.as_str()));
        let first_of_twin =
            Simulator::new(sim.config().clone(), NOW).handle(Service::Sts, &req, NOW);
        assert_eq!(first_of_twin.header("x-amzn-RequestId"), Some(id.as_str()));

        let preflight = Request::new("OPTIONS", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        let res = sim.handle(Service::Sts, &preflight, NOW);
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("access-control-allow-methods"),
            Some("GET, POST, OPTIONS")
        );
    }
}
