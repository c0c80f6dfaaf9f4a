//! labsim core: a local simulator of the lab's AWS backend.
//!
//! Nothing here does I/O or reads a clock: requests come in as
//! [`http::Request`] values with the time as epoch milliseconds, and
//! responses go out as [`http::Response`] values. The native server
//! (`server` feature) feeds it real HTTP; the same code can run in a browser
//! (wasm32).

pub mod apigateway;
pub mod control;
pub mod cors;
pub mod dynamodb;
pub mod http;
pub mod iam;
pub mod identity;
pub mod lambda;
pub mod opensearch;
pub mod rng;
pub mod sigv4;
pub mod sts;
pub mod time;

#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::apigateway::ApiSetup;
use crate::control::{CredentialsJson, IdentityJson, LabConfig};
use crate::dynamodb::{DynamoDb, DynamoDbConfig, Endpoint, StreamViewType};
use crate::http::{Request, Response};
use crate::identity::{Credentials, IdentityStore, DEMO_ACCOUNT};
use crate::lambda::{Lambda, LambdaSetup};
use crate::opensearch::{Collection, CollectionConfig, DEFAULT_REFRESH_LAG_MS};
use crate::rng::SplitMix64;
use crate::sigv4::{AuthError, Expected};

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
    /// Service name (`sts`) to the base URL it is served at (`api`: the
    /// full invoke URL, ending in `/v1/lab`).
    pub endpoints: BTreeMap<String, String>,
    /// Whether `lab-table`'s stream (NEW_IMAGE) is on at start.
    pub stream_enabled: bool,
    /// How far the stream Lambda is set up, and which code it runs.
    pub lambda: LambdaSetup,
    /// The REST API's authorization and CORS.
    pub api: ApiSetup,
    /// How long until a write to the collection is searchable.
    pub refresh_lag_ms: i64,
}

impl SimConfig {
    pub fn new(seed: u64) -> Self {
        SimConfig {
            region: DEFAULT_REGION.to_owned(),
            seed,
            credential_ttl_seconds: DEFAULT_CREDENTIAL_TTL_SECONDS,
            endpoints: BTreeMap::new(),
            stream_enabled: true,
            lambda: LambdaSetup::default(),
            api: ApiSetup::default(),
            refresh_lag_ms: DEFAULT_REFRESH_LAG_MS,
        }
    }
}

/// A simulated AWS service endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    /// The REST API's invoke URL (`execute-api`).
    ApiGateway,
    DynamoDb,
    /// DynamoDB Streams (signed as `dynamodb`).
    Streams,
    Lambda,
    /// CloudWatch Logs.
    Logs,
    /// The OpenSearch Serverless collection endpoint.
    Aoss,
}

impl Service {
    /// Every service, in port order.
    pub const ALL: [Service; 7] = [
        Service::Sts,
        Service::ApiGateway,
        Service::DynamoDb,
        Service::Streams,
        Service::Lambda,
        Service::Logs,
        Service::Aoss,
    ];

    /// The key of this service in `/_labsim/config`'s `endpoints`.
    pub fn key(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::ApiGateway => "api",
            Service::DynamoDb => "dynamodb",
            Service::Streams => "streams",
            Service::Lambda => "lambda",
            Service::Logs => "logs",
            Service::Aoss => "aoss",
        }
    }

    /// The SigV4 signing name.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::ApiGateway => apigateway::SERVICE,
            Service::DynamoDb | Service::Streams => "dynamodb",
            Service::Lambda => "lambda",
            Service::Logs => "logs",
            Service::Aoss => "aoss",
        }
    }
}

/// The whole simulated backend.
#[derive(Debug, Clone)]
pub struct Simulator {
    config: SimConfig,
    identity: IdentityStore,
    /// Separate from the identity store's stream, so the keys minted for a
    /// seed do not depend on how many requests came before.
    request_ids: SplitMix64,
    /// API Gateway's `x-amz-apigw-id`s.
    apigw_ids: SplitMix64,
    dynamodb: DynamoDb,
    collection: Collection,
    lambda: Lambda,
}

impl Simulator {
    /// Starts the simulator at `now_ms`, minting the demo credentials.
    pub fn new(config: SimConfig, now_ms: i64) -> Self {
        let mut db_config = DynamoDbConfig::new(config.seed);
        db_config.region = config.region.clone();
        db_config.lab_stream = config.stream_enabled.then_some(StreamViewType::NewImage);
        let mut os_config = CollectionConfig::new(config.seed ^ 0xA055_0000_0000_0005);
        os_config.refresh_lag_ms = config.refresh_lag_ms;
        let mut setup = config.lambda.clone();
        if let Some(aoss) = config.endpoints.get("aoss") {
            setup.opensearch_host = aoss.clone();
        }
        let mut sim = Simulator {
            identity: IdentityStore::new(config.seed, now_ms, config.credential_ttl_seconds),
            request_ids: SplitMix64::new(!config.seed),
            apigw_ids: SplitMix64::new(config.seed ^ 0xA919_0000_0000_0006),
            dynamodb: DynamoDb::new(db_config, now_ms),
            collection: Collection::new(os_config),
            lambda: Lambda::new(setup, &config.region, DEMO_ACCOUNT, config.seed, now_ms),
            config,
        };
        // The trigger starts reading at LATEST now, as if set up before.
        sim.tick(now_ms);
        sim
    }

    /// Lets time pass: the event source mapping polls the stream and invokes
    /// the function. The server calls this every 50 ms.
    pub fn tick(&mut self, now_ms: i64) {
        self.lambda
            .tick(now_ms, &mut self.dynamodb, &mut self.collection);
    }

    pub fn dynamodb(&self) -> &DynamoDb {
        &self.dynamodb
    }

    pub fn dynamodb_mut(&mut self) -> &mut DynamoDb {
        &mut self.dynamodb
    }

    pub fn collection(&self) -> &Collection {
        &self.collection
    }

    pub fn collection_mut(&mut self) -> &mut Collection {
        &mut self.collection
    }

    pub fn lambda(&self) -> &Lambda {
        &self.lambda
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
        if !control && service == Service::ApiGateway {
            // API Gateway answers CORS (or not) itself, per its settings.
            let request_id = self.request_ids.uuid();
            let mut response = apigateway::handle(
                self.config.api,
                req,
                &mut self.dynamodb,
                &self.identity,
                &self.config.region,
                now_ms,
                &request_id,
                &mut self.apigw_ids,
            );
            response.set_header("Date", &time::http_date(now_ms));
            return response;
        }
        let cors_policy = (service != Service::Aoss || control).then_some(policy);
        let mut response = match cors_policy.and_then(|p| cors::preflight(p, req)) {
            Some(preflight) => preflight,
            None if control => control::handle(self, req, now_ms),
            None => {
                let request_id = self.request_ids.uuid();
                self.serve(service, req, now_ms, &request_id)
            }
        };
        response.set_header("Date", &time::http_date(now_ms));
        if let Some(policy) = cors_policy {
            cors::decorate(policy, req, &mut response);
        }
        response
    }

    fn serve(
        &mut self,
        service: Service,
        req: &Request,
        now_ms: i64,
        request_id: &str,
    ) -> Response {
        if service == Service::Sts {
            return sts::handle(req, &self.identity, &self.config.region, now_ms, request_id);
        }
        let expected = Expected {
            service: service.signing_name(),
            region: &self.config.region,
        };
        let verified = sigv4::verify(req, expected, &self.identity, now_ms).map(|_| ());
        let verified = if service == Service::Aoss {
            verified.and_then(|()| check_aoss_payload(req))
        } else {
            verified
        };
        if let Err(err) = verified {
            return auth_error(service, &err, request_id);
        }
        let target = req.header("x-amz-target").unwrap_or_default().to_owned();
        match service {
            Service::DynamoDb => {
                self.dynamodb
                    .handle_at(Endpoint::DynamoDb, &target, &req.body, now_ms)
            }
            Service::Streams => {
                self.dynamodb
                    .handle_at(Endpoint::Streams, &target, &req.body, now_ms)
            }
            Service::Lambda => self
                .lambda
                .handle_api(req, &self.dynamodb, now_ms, request_id),
            Service::Logs => self
                .lambda
                .logs()
                .handle(&target, &req.body, now_ms, request_id),
            Service::Aoss => {
                let mut response = self.collection.handle(req, now_ms);
                response.set_header("x-request-id", request_id);
                response
            }
            Service::Sts | Service::ApiGateway => Response::new(500),
        }
    }
}

/// AOSS also wants the payload hash, and refuses a signed `content-length`
/// (a proxy may change it).
fn check_aoss_payload(req: &Request) -> Result<(), AuthError> {
    let hash = hex::encode(Sha256::digest(&req.body));
    let signed_length = req
        .header("authorization")
        .and_then(|h| h.split("SignedHeaders=").nth(1))
        .and_then(|rest| rest.split(',').next())
        .is_some_and(|list| {
            list.split(';')
                .any(|h| h.eq_ignore_ascii_case("content-length"))
        });
    if req.header("x-amz-content-sha256") != Some(hash.as_str()) || signed_length {
        return Err(AuthError::SignatureDoesNotMatch(
            sigv4::MSG_SIGNATURE_MISMATCH.to_owned(),
        ));
    }
    Ok(())
}

/// A refused signature, in the service's own error shape.
fn auth_error(service: Service, err: &AuthError, request_id: &str) -> Response {
    let code = match err {
        AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
        AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
        AuthError::InvalidClientTokenId => "UnrecognizedClientException",
        AuthError::ExpiredToken => "ExpiredTokenException",
        AuthError::SignatureDoesNotMatch(_) | AuthError::SignatureMismatch(_) => {
            "InvalidSignatureException"
        }
    };
    let message = err.to_string();
    let mut response = match service {
        Service::DynamoDb | Service::Streams | Service::Logs => {
            let content_type = if service == Service::Logs {
                lambda::logs::CONTENT_TYPE
            } else {
                dynamodb::CONTENT_TYPE
            };
            let body = json!({
                "__type": format!("com.amazon.coral.service#{code}"),
                "message": message,
            });
            Response::with_body(
                400,
                content_type,
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        // Lambda's front end answers 403 with the type in a header.
        Service::Lambda => {
            let mut res = Response::json(403, &json!({"message": message}));
            res.set_header("x-amzn-ErrorType", code);
            res
        }
        _ => Response::json(403, &json!({"message": message})),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
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

    fn json_of(res: &Response) -> serde_json::Value {
        serde_json::from_slice(&res.body).expect("JSON body")
    }

    fn signed(sim: &Simulator, service: &str, req: Request) -> Request {
        let mut signer = Signer::new(sim.identity().demo_credentials());
        signer.service = service.to_owned();
        signer.sign(req)
    }

    fn list_tables() -> Request {
        Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9103")
            .with_header("content-type", "application/x-amz-json-1.0")
            .with_header("x-amz-target", "DynamoDB_20120810.ListTables")
            .with_body("{}")
    }

    #[test]
    fn each_service_checks_its_signing_name_and_answers_in_its_shape() {
        let mut sim = sim();
        // DynamoDB: signed as dynamodb works; as lambda is a 400 coral error.
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(
            json_of(&res)["TableNames"],
            serde_json::json!(["lab-table"])
        );
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "lambda", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#InvalidSignatureException"
        );
        // Streams is signed as dynamodb too, and refuses DynamoDB's targets.
        let res = sim.handle(
            Service::Streams,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#UnknownOperationException"
        );
        // Expired: the JSON services' ExpiredTokenException.
        let late = NOW + 13 * 3_600_000;
        let mut signer = Signer::new(sim.identity().demo_credentials());
        signer.service = "logs".into();
        signer.time_ms = late;
        let logs = Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9106")
            .with_header("x-amz-target", "Logs_20140328.DescribeLogGroups")
            .with_body("{}");
        let res = sim.handle(Service::Logs, &signer.sign(logs.clone()), late);
        assert_eq!(res.status, 400);
        assert_eq!(
            res.header("content-type"),
            Some("application/x-amz-json-1.1")
        );
        assert_eq!(
            json_of(&res),
            serde_json::json!({
                "__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": "The security token included in the request is expired",
            })
        );
        let res = sim.handle(Service::Logs, &signed(&sim, "logs", logs), NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
        // Lambda: unsigned is refused, signed works.
        let get = Request::new(
            "GET",
            "/2015-03-31/functions/sync-data-with-dynamodb-stream",
        )
        .with_header("host", "127.0.0.1:9105");
        let res = sim.handle(Service::Lambda, &get, NOW);
        assert_eq!(res.status, 403);
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
        let res = sim.handle(Service::Lambda, &signed(&sim, "lambda", get), NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    #[test]
    fn aoss_wants_the_payload_hash_and_no_signed_content_length_and_has_no_cors() {
        let mut sim = sim();
        let body = r#"{"query":{"match_all":{}}}"#;
        let search = || {
            Request::new("POST", "/dynamodb_replicate/_search")
                .with_header("host", "127.0.0.1:9107")
                .with_header("content-type", "application/json")
                .with_body(body)
        };
        // Signed without x-amz-content-sha256: refused.
        let res = sim.handle(Service::Aoss, &signed(&sim, "aoss", search()), NOW);
        assert_eq!(res.status, 403);
        // With the right hash: through to the collection (no index yet: 404).
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        let with_hash = search().with_header("x-amz-content-sha256", &hash);
        let res = sim.handle(Service::Aoss, &signed(&sim, "aoss", with_hash.clone()), NOW);
        assert_eq!(res.status, 404, "{}", res.body_text());
        // Signing content-length: refused.
        let with_length = with_hash.with_header("content-length", &body.len().to_string());
        let res = sim.handle(Service::Aoss, &signed(&sim, "aoss", with_length), NOW);
        assert_eq!(res.status, 403);
        // No preflight answer, no CORS headers.
        let preflight = Request::new("OPTIONS", "/dynamodb_replicate/_search")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        let res = sim.handle(Service::Aoss, &preflight, NOW);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("access-control-allow-origin"), None);
        // The JSON services do answer preflights.
        let res = sim.handle(Service::DynamoDb, &preflight, NOW);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    }

    #[test]
    fn tick_carries_an_api_post_into_the_collection() {
        let mut sim = sim();
        let post = Request::new("POST", "/v1/lab").with_body(r#"{"name":"Ann","type":"cat"}"#);
        let res = sim.handle(Service::ApiGateway, &post, NOW);
        assert_eq!(res.body_text(), "{}");
        let mut now = NOW;
        while now < NOW + 11_000 {
            now += 50;
            sim.tick(now);
        }
        let ids = sim.collection().searchable_ids(lambda::INDEX, now);
        assert_eq!(ids.len(), 1);
        assert_eq!(sim.lambda().invocations().len(), 1);
    }
}
