//! What the sandbox's tests share: the time, the sandbox's configuration,
//! and requests signed by the page's own signer with its demo credentials.

use lab_model::{sandbox, Service, SimulatorConfig};
use labmate_core::credentials::Credentials;
use labmate_core::signing::{sign, HttpRequest, SigningContext};
use labsim::Simulator;
use labsim_sandbox::message::SandboxRequest;
use labsim_sandbox::serve;

/// 2026-11-27T12:00:00Z.
pub const NOW: i64 = 1_795_780_800_000;

/// `GET /_labsim/config`, as the page reads it.
pub fn config(sim: &mut Simulator) -> SimulatorConfig {
    let request = SandboxRequest {
        method: "GET".into(),
        url: format!("{}/_labsim/config", sandbox::ADDRESS),
        headers: Vec::new(),
        body: String::new(),
    };
    let answer = serve::answer(sim, request, NOW);
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).expect("config JSON")
}

/// The sandbox's demo credentials.
pub fn credentials(config: &SimulatorConfig) -> Credentials {
    Credentials {
        access_key_id: config.credentials.access_key_id.clone(),
        secret_access_key: config.credentials.secret_access_key.clone(),
        session_token: Some(config.credentials.session_token.clone()),
        expiration: None,
    }
}

/// `request` signed at `now` by labmate's signer for `service`, as the
/// transport hands it to the worker.
pub fn signed(
    config: &SimulatorConfig,
    service: Service,
    request: HttpRequest,
    now: i64,
) -> SandboxRequest {
    let region = if service == Service::Iam {
        "us-east-1"
    } else {
        config.region.as_str()
    };
    let creds = credentials(config);
    let ctx = SigningContext::for_service(&creds, service, region, now);
    let s = sign(&request, &ctx).expect("signs");
    SandboxRequest {
        method: s.method,
        url: s.url,
        headers: s.headers,
        body: s.body,
    }
}

/// A signed search of the lab's index for everything, as the page's
/// collection reader asks.
pub fn search(config: &SimulatorConfig, now: i64) -> SandboxRequest {
    let url = format!(
        "{}/dynamodb_replicate/_search",
        sandbox::endpoint(Service::Aoss)
    );
    signed(
        config,
        Service::Aoss,
        HttpRequest::new("POST", &url)
            .header("content-type", "application/json")
            .body(r#"{"query":{"match_all":{}}}"#),
        now,
    )
}
