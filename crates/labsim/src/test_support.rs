//! Test helpers: requests signed by `aws-sigv4`, AWS's own signer.

use std::time::{Duration, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign, SessionTokenMode, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;

use crate::identity::Credentials;
use crate::message::{Request, Response};
use crate::{Service, SimConfig, Simulator};

/// 2024-10-08T19:55:22Z, the server's clock in the tests.
pub const NOW: i64 = 1_728_417_322_000;
pub const REGION: &str = "ap-southeast-1";
pub const HOST: &str = "127.0.0.1:9101";

/// What to sign with; every field can be wrong on purpose.
#[derive(Debug, Clone)]
pub struct Signer {
    pub access_key_id: String,
    pub secret: String,
    pub token: Option<String>,
    pub region: String,
    pub service: String,
    pub time_ms: i64,
    /// Whether the session token is among the signed headers.
    pub sign_token: bool,
}

impl Signer {
    /// Signs as `credentials` for STS in [`REGION`] at [`NOW`].
    pub fn new(credentials: &Credentials) -> Self {
        Signer {
            access_key_id: credentials.access_key_id.clone(),
            secret: credentials.secret_access_key.clone(),
            token: Some(credentials.session_token.clone()),
            region: REGION.to_owned(),
            service: "sts".to_owned(),
            time_ms: NOW,
            sign_token: true,
        }
    }

    /// `req` (which must have a `host` header) with the signer's headers added.
    pub fn sign(&self, mut req: Request) -> Request {
        let identity = aws_credential_types::Credentials::new(
            &self.access_key_id,
            &self.secret,
            self.token.clone(),
            None,
            "labsim-tests",
        )
        .into();
        let mut settings = SigningSettings::default();
        if !self.sign_token {
            settings.session_token_mode = SessionTokenMode::Exclude;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(UNIX_EPOCH + Duration::from_millis(self.time_ms as u64))
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let host = req.header("host").expect("a host header").to_owned();
        let mut url = format!("http://{host}{}", req.path);
        if !req.query.is_empty() {
            url = format!("{url}?{}", req.query);
        }
        // The signer takes the host from the URL.
        let headers = req
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
            .map(|(n, v)| (n.as_str(), v.as_str()));
        let signable =
            SignableRequest::new(&req.method, url, headers, SignableBody::Bytes(&req.body))
                .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
        let (added, _) = instructions.into_parts();
        for header in added {
            req.headers
                .push((header.name().to_owned(), header.value().to_owned()));
        }
        // (The signer adds the token header even when it does not sign it.)
        req
    }
}

/// An STS GetCallerIdentity POST as the SDKs send it, unsigned.
pub fn get_caller_identity() -> Request {
    Request::new("POST", "/")
        .with_header("host", HOST)
        .with_header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .with_body("Action=GetCallerIdentity&Version=2011-06-15")
}

/// Replaces the value of header `name` (which must be present).
pub fn replace_header(req: &mut Request, name: &str, value: &str) {
    let slot = req
        .headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .expect("header present");
    slot.1 = value.to_owned();
}

/// A DynamoDB JSON 1.0 request for `operation` (`GetItem`) to the lab's
/// DynamoDB port, unsigned.
pub fn dynamodb_request(operation: &str, body: &str) -> Request {
    Request::new("POST", "/")
        .with_header("host", "127.0.0.1:9103")
        .with_header("content-type", "application/x-amz-json-1.0")
        .with_header("x-amz-target", &format!("DynamoDB_20120810.{operation}"))
        .with_body(body)
}

/// `req` signed as `credentials` for `service`, in [`REGION`] at [`NOW`].
pub fn signed_as(credentials: &Credentials, service: &str, req: Request) -> Request {
    let mut signer = Signer::new(credentials);
    signer.service = service.to_owned();
    signer.sign(req)
}

/// The answer's body as JSON.
pub fn json_of(res: &Response) -> serde_json::Value {
    serde_json::from_slice(&res.body).expect("JSON body")
}

/// The simulator most tests start from: seed 5, STS's endpoint listed.
pub fn sim() -> Simulator {
    let mut config = SimConfig::new(5);
    config
        .endpoints
        .insert("sts".into(), "http://127.0.0.1:9101".into());
    Simulator::new(config, NOW)
}

/// Adds a fault rule (JSON) through the control endpoint.
pub fn add_fault(sim: &mut Simulator, json: &str) {
    let req = Request::new("POST", "/_labsim/faults").with_body(json);
    let res = sim.handle(Service::Sts, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
}

/// A GetItem on `lab-table` for id `x`, unsigned.
pub fn get_item() -> Request {
    dynamodb_request(
        "GetItem",
        r#"{"TableName":"lab-table","Key":{"id":{"S":"x"}}}"#,
    )
}

/// The faults the simulator's timeline says fired, oldest first.
pub fn faults_fired(sim: &crate::Simulator) -> Vec<lab_model::timeline::FaultInjected> {
    sim.timeline()
        .page(0, crate::timeline::MAX_PAGE)
        .events
        .into_iter()
        .filter_map(|e| match e.event {
            lab_model::timeline::TimelineEvent::FaultInjected(f) => Some(f),
            _ => None,
        })
        .collect()
}
