//! labsim core: a local simulator of the lab's AWS backend.
//!
//! Nothing here does I/O or reads a clock: requests come in as
//! [`http::Request`] values with the time as epoch milliseconds, and
//! responses go out as [`http::Response`] values. The native server
//! (`server` feature) feeds it real HTTP; the same code can run in a browser
//! (wasm32).

pub mod apigateway;
pub mod body_limit;
pub mod control;
pub mod cors;
pub mod dynamodb;
pub mod faults;
pub mod http;
pub mod iam;
pub mod identity;
pub mod lambda;
pub mod opensearch;
pub mod rng;
pub mod setup;
pub mod sigv4;
pub mod sts;
pub mod time;
pub mod timeline;

#[cfg(test)]
mod authz_tests;
#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::apigateway::ApiSetup;
use crate::control::{CredentialsJson, IdentityJson, LabConfig};
use crate::dynamodb::{DynamoDb, DynamoDbConfig, Endpoint, StreamViewType};
use crate::faults::{FaultEvent, FaultKind, FaultSet, Fired};
use crate::http::{Request, Response};
use crate::identity::{Credentials, IdentityStore, DEMO_ACCOUNT};
use crate::lambda::{Lambda, LambdaSetup};
use crate::opensearch::{Collection, CollectionConfig, DEFAULT_REFRESH_LAG_MS};
use crate::rng::SplitMix64;
use crate::sigv4::{AuthError, Expected};

pub const DEFAULT_REGION: &str = "ap-southeast-1";
/// The REST API's id in ARNs (`execute-api:Invoke` is checked on it).
pub const LAB_API_ID: &str = "a1b2c3d4e5";
/// The collection's id in ARNs (`aoss:APIAccessAll` is checked on it).
pub const LAB_COLLECTION_ID: &str = "0a1b2c3d4e5f6g7h8i9j";
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
    /// Service name (`aoss`, `api`) to the same-origin route prefix the
    /// static server forwards to it (see [`control::LabConfig::routes`]).
    pub routes: BTreeMap<String, String>,
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
            routes: BTreeMap::new(),
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
    /// Injected faults in force, and those that fired.
    faults: FaultSet,
    fault_log: Vec<FaultEvent>,
    /// Every request to the REST API, for the timeline.
    api_log: Vec<ApiRequestEvent>,
}

/// One request to the REST API as it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequestEvent {
    pub time_ms: i64,
    /// Also the id of the item it writes.
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// `x-amzn-ErrorType` of a gateway-made answer.
    pub error_type: Option<String>,
    /// DynamoDB's `__type` when the integration failed (still a 200).
    pub integration_error: Option<String>,
}

/// The simulator's decision on one request: the response, and what the
/// transport must do with it (injected faults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub response: Response,
    /// Wait this long before sending the response.
    pub delay_ms: u64,
    /// Close the connection without answering (`response` is then a
    /// status-0 placeholder).
    pub drop: bool,
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
            identity: IdentityStore::with_permissions(
                config.seed,
                now_ms,
                config.credential_ttl_seconds,
                iam::learner_permissions(&lab_ids(&config.region)),
            ),
            request_ids: SplitMix64::new(!config.seed),
            apigw_ids: SplitMix64::new(config.seed ^ 0xA919_0000_0000_0006),
            dynamodb: DynamoDb::new(db_config, now_ms),
            collection: Collection::new(os_config),
            lambda: Lambda::new(setup, &config.region, DEMO_ACCOUNT, config.seed, now_ms),
            faults: FaultSet::new(config.seed),
            fault_log: Vec::new(),
            api_log: Vec::new(),
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

    /// [`Simulator::tick`] in steps of about `budget` stream records of
    /// work each, so a server can answer requests between them: begins a
    /// tick; `true` while [`Simulator::tick_continue`] has more to do. The
    /// outcome is the same as one tick at `now_ms`.
    pub fn tick_start(&mut self, now_ms: i64, budget: usize) -> bool {
        self.lambda
            .tick_start(now_ms, &mut self.dynamodb, &mut self.collection, budget)
    }

    /// The next step of the tick begun by [`Simulator::tick_start`].
    pub fn tick_continue(&mut self, now_ms: i64, budget: usize) -> bool {
        self.lambda
            .tick_continue(now_ms, &mut self.dynamodb, &mut self.collection, budget)
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

    /// Issues a credential set for the demo principal whose identity
    /// policy is `policy` (instead of the learner's).
    pub fn mint_credentials_with_policy(
        &mut self,
        now_ms: i64,
        ttl_seconds: i64,
        policy: iam::PolicyDocument,
    ) -> Credentials {
        let permissions =
            iam::PermissionSet::new(vec![iam::NamedPolicy::inline("labsim-credential", policy)]);
        let principal = self.identity.principal();
        let (arn, user_id) = (principal.arn(), principal.user_id());
        self.identity
            .mint_for(now_ms, ttl_seconds, permissions, arn, user_id)
    }

    /// The ids the lab's ARNs are built from.
    pub fn lab_ids(&self) -> iam::LabIds {
        lab_ids(&self.config.region)
    }

    /// What `GET /_labsim/config` returns.
    pub fn lab_config(&self) -> LabConfig {
        LabConfig {
            region: self.config.region.clone(),
            endpoints: self.config.endpoints.clone(),
            routes: self.config.routes.clone(),
            credentials: CredentialsJson::from(self.identity.demo_credentials()),
            identity: IdentityJson::from(&self.identity),
        }
    }

    /// Answers one request to `service`'s endpoint at `now_ms`. Paths under
    /// `/_labsim/` go to the control endpoints instead. An injected delay is
    /// ignored here and a dropped request answers status 0; see
    /// [`Simulator::answer`].
    pub fn handle(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
        self.answer(service, req, now_ms).response
    }

    /// Like [`Simulator::handle`], with what injected faults ask of the
    /// transport (a delay, or closing the connection).
    pub fn answer(&mut self, service: Service, req: &Request, now_ms: i64) -> Answer {
        let control = req.path.starts_with(control::PREFIX);
        let mut delay_ms = 0;
        // A preflight is never faulted; control endpoints neither.
        if !control && !cors::is_preflight(req) {
            if let Some(fired) = self.faults.pick(service, req) {
                match fired.kind {
                    FaultKind::Delay { ms } => {
                        delay_ms = ms;
                        self.log_fault(service, req, &fired, now_ms, None, Some(ms));
                    }
                    FaultKind::Drop => {
                        self.log_fault(service, req, &fired, now_ms, None, None);
                        return Answer {
                            response: Response::new(0),
                            delay_ms: 0,
                            drop: true,
                        };
                    }
                    _ => {
                        let request_id = self.request_ids.uuid();
                        let response =
                            self.fault_response(service, req, &fired.kind, now_ms, &request_id);
                        let status = response.as_ref().map(|r| r.status);
                        self.log_fault(service, req, &fired, now_ms, status, None);
                        if let Some(response) = response {
                            return Answer {
                                response: self.finish_fault(service, req, response, now_ms),
                                delay_ms: 0,
                                drop: false,
                            };
                        }
                    }
                }
            }
        }
        Answer {
            response: self.respond(service, req, now_ms),
            delay_ms,
            drop: false,
        }
    }

    /// Adds a fault rule.
    pub fn add_fault(&mut self, spec: faults::FaultSpec) -> Result<serde_json::Value, String> {
        self.faults.add(spec).map(faults::FaultRule::to_json)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    pub fn faults(&self) -> &FaultSet {
        &self.faults
    }

    /// Every fault that fired, in order.
    pub fn fault_log(&self) -> &[FaultEvent] {
        &self.fault_log
    }

    /// Every request to the REST API, in order.
    pub fn api_log(&self) -> &[ApiRequestEvent] {
        &self.api_log
    }

    fn log_fault(
        &mut self,
        service: Service,
        req: &Request,
        fired: &Fired,
        now_ms: i64,
        status: Option<u16>,
        delay_ms: Option<u64>,
    ) {
        self.fault_log.push(FaultEvent {
            time_ms: now_ms,
            rule_id: fired.rule_id,
            service,
            operation: fired.operation.clone(),
            method: req.method.clone(),
            path: req.path.clone(),
            fault: fired.kind.name(),
            status,
            delay_ms,
        });
    }

    /// The error a fault answers with, in `service`'s shape; `None` when
    /// the fault changes nothing (a clock skew within AWS's 5 minutes).
    fn fault_response(
        &self,
        service: Service,
        req: &Request,
        kind: &FaultKind,
        now_ms: i64,
        request_id: &str,
    ) -> Option<Response> {
        let mut response = match kind {
            FaultKind::Raw { status, body } => {
                let content_type = if serde_json::from_str::<serde_json::Value>(body).is_ok() {
                    "application/json"
                } else {
                    "text/plain"
                };
                Response::with_body(*status, content_type, body.clone())
            }
            FaultKind::Throttle { code } => throttle_error(service, code.as_deref(), request_id),
            FaultKind::ExpiredToken => auth_failure(service, &AuthError::ExpiredToken, request_id),
            FaultKind::ClockSkew { seconds } => {
                let signed_at = req
                    .header("x-amz-date")
                    .and_then(time::parse_amz_date)
                    .unwrap_or(now_ms);
                let server_now = now_ms.saturating_add(seconds.saturating_mul(1000));
                let err = sigv4::check_skew(signed_at, server_now).err()?;
                auth_failure(service, &err, request_id)
            }
            FaultKind::Delay { .. } | FaultKind::Drop => return None,
        };
        if response.header("x-amzn-RequestId").is_none() {
            response.set_header("x-amzn-RequestId", request_id);
        }
        Some(response)
    }

    /// `Date` and CORS on a fault's answer, as the service would add them.
    fn finish_fault(
        &self,
        service: Service,
        req: &Request,
        mut response: Response,
        now_ms: i64,
    ) -> Response {
        response.set_header("Date", &time::http_date(now_ms));
        match service {
            // Gateway responses: CORS only with DEFAULT_4XX/5XX set up.
            Service::ApiGateway => {
                if self.config.api.cors == apigateway::ApiCors::On {
                    response.set_header("Access-Control-Allow-Origin", "*");
                    response.set_header(
                        "Access-Control-Allow-Headers",
                        apigateway::CORS_ALLOW_HEADERS,
                    );
                }
            }
            Service::Aoss => {}
            _ => cors::decorate(&cors::AWS_SERVICE, req, &mut response),
        }
        response
    }

    /// The answer without faults.
    fn respond(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
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
            let integration_error = serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned));
            self.api_log.push(ApiRequestEvent {
                time_ms: now_ms,
                request_id,
                method: req.method.clone(),
                path: req.path.clone(),
                status: response.status,
                error_type: response.header("x-amzn-ErrorType").map(str::to_owned),
                integration_error,
            });
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
            let ids = self.lab_ids();
            return sts::handle(req, &mut self.identity, &ids, now_ms, request_id);
        }
        let expected = Expected {
            service: service.signing_name(),
            region: &self.config.region,
        };
        let verified = sigv4::verify(req, expected, &self.identity, now_ms);
        let verified = if service == Service::Aoss {
            verified.and_then(|c| check_aoss_payload(req).map(|()| c))
        } else {
            verified
        };
        let caller = match verified {
            Err(err) => return auth_error(service, &err, request_id),
            Ok(c) => c,
        };
        let target = req.header("x-amz-target").unwrap_or_default().to_owned();
        if let Some(authz) = self.request_authz(service, req, &target) {
            if let Some(refusal) =
                authorize(service, caller, &authz, &self.config.region, request_id)
            {
                return refusal;
            }
        }
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
                .logs_mut()
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

impl Simulator {
    /// What a request to `service` is in IAM's terms (`None`: nothing to
    /// check).
    fn request_authz(&self, service: Service, req: &Request, target: &str) -> Option<iam::Authz> {
        let region = &self.config.region;
        let account = DEMO_ACCOUNT;
        let body = || serde_json::from_slice::<serde_json::Value>(&req.body).unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default();
        match service {
            Service::Streams
                if !matches!(
                    operation,
                    "DescribeStream" | "GetRecords" | "GetShardIterator" | "ListStreams"
                ) =>
            {
                // Not a Streams operation: UnknownOperationException first.
                None
            }
            Service::DynamoDb | Service::Streams => {
                let body = body();
                // GetRecords names no stream: its iterator starts with the
                // stream's ARN (as AWS's do), and IAM checks that stream.
                let from_iterator = body["ShardIterator"]
                    .as_str()
                    .and_then(|it| it.split('|').next())
                    .filter(|arn| arn.starts_with("arn:"));
                Some(iam::dynamodb_authz(
                    region,
                    account,
                    operation,
                    body["TableName"].as_str(),
                    body["StreamArn"].as_str().or(from_iterator),
                ))
            }
            Service::Logs => {
                let body = body();
                Some(iam::logs_authz(
                    region,
                    account,
                    operation,
                    body["logGroupName"].as_str(),
                    body["logStreamName"].as_str(),
                ))
            }
            Service::Lambda => {
                let (operation, function) = lambda_operation(req);
                Some(iam::lambda_authz(
                    region,
                    account,
                    operation,
                    function.as_deref(),
                ))
            }
            Service::Aoss => Some(iam::aoss_authz(region, account, LAB_COLLECTION_ID)),
            Service::Sts | Service::ApiGateway => None,
        }
    }
}

fn lab_ids(region: &str) -> iam::LabIds {
    iam::LabIds::new(region, DEMO_ACCOUNT, LAB_API_ID, LAB_COLLECTION_ID)
}

/// The Lambda API operation a request is, by method and path, and the
/// function it names.
fn lambda_operation(req: &Request) -> (&'static str, Option<String>) {
    let rest = req.path.strip_prefix("/2015-03-31/").unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let query_function = || {
        form_urlencoded::parse(req.query.as_bytes())
            .find(|(k, _)| k == "FunctionName")
            .map(|(_, v)| v.into_owned())
    };
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    let method = req.method.to_ascii_uppercase();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["functions"]) => ("ListFunctions", None),
        ("GET", ["functions", name]) => ("GetFunction", decode(name)),
        ("GET", ["functions", name, "configuration"]) => ("GetFunctionConfiguration", decode(name)),
        ("POST", ["functions", name, "invocations"]) => ("Invoke", decode(name)),
        ("GET", ["event-source-mappings"]) => ("ListEventSourceMappings", query_function()),
        ("GET", ["event-source-mappings", _]) => ("GetEventSourceMapping", None),
        _ => ("ListFunctions", None),
    }
}

/// Decides `authz` for `caller`; the refusal in `service`'s shape, or
/// `None` when allowed.
fn authorize(
    service: Service,
    caller: &Credentials,
    authz: &iam::Authz,
    region: &str,
    request_id: &str,
) -> Option<Response> {
    let req = iam::AuthzRequest {
        action: &authz.action,
        resource: &authz.resource,
        region,
    };
    let decision = match caller.permissions.evaluate(&req) {
        Ok(decision) => decision,
        Err(unsupported) => {
            let mut response = Response::json(
                500,
                &json!({"message": format!("labsim cannot authorize this request: {unsupported}")}),
            );
            response.set_header("x-amzn-RequestId", request_id);
            return Some(response);
        }
    };
    let denial = iam::Denial::from_decision(&caller.principal_arn, &req, &decision)?;
    let denied_by = match service {
        Service::Aoss => {
            return Some(iam::aoss_access_denied(
                iam::AossDenial::MissingApiAccessAll,
                request_id,
            ))
        }
        Service::Sts => iam::DeniedBy::Sts,
        Service::ApiGateway => iam::DeniedBy::ApiGateway,
        Service::DynamoDb => iam::DeniedBy::DynamoDb,
        Service::Streams => iam::DeniedBy::DynamoDbStreams,
        Service::Lambda => iam::DeniedBy::Lambda,
        Service::Logs => iam::DeniedBy::Logs,
    };
    Some(iam::access_denied(denied_by, &denial, request_id))
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

/// A refused signature in any service's shape (STS's XML and API Gateway's
/// gateway response included).
fn auth_failure(service: Service, err: &AuthError, request_id: &str) -> Response {
    match service {
        Service::Sts => {
            let err = sts::StsError::from(err.clone());
            let mut response =
                Response::with_body(err.status, "text/xml", sts::error_xml(&err, request_id));
            response.set_header("x-amzn-RequestId", request_id);
            response
        }
        Service::ApiGateway => {
            let mut response = apigateway::gateway_error(err);
            response.set_header("x-amzn-RequestId", request_id);
            response
        }
        _ => auth_error(service, err, request_id),
    }
}

/// Each service's throttling answer (aws-behaviour.md). `code` picks
/// DynamoDB's exception.
fn throttle_error(service: Service, code: Option<&str>, request_id: &str) -> Response {
    let coral = |content_type: &str, wire_type: String, message: &str| {
        let body = json!({"__type": wire_type, "message": message});
        Response::with_body(
            400,
            content_type,
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    };
    let mut response = match service {
        Service::Sts => {
            let err = sts::StsError {
                status: 400,
                code: "Throttling",
                message: "Rate exceeded".to_owned(),
            };
            Response::with_body(400, "text/xml", sts::error_xml(&err, request_id))
        }
        Service::ApiGateway => {
            let mut res = Response::json(429, &json!({"message": "Too Many Requests"}));
            res.set_header("x-amzn-ErrorType", "TooManyRequestsException");
            res
        }
        Service::DynamoDb => match code.unwrap_or("ThrottlingException") {
            "ProvisionedThroughputExceededException" => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException".into(),
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            ),
            "RequestLimitExceeded" => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded".into(),
                "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
            ),
            _ => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazon.coral.availability#ThrottlingException".into(),
                "Rate of requests exceeds the allowed throughput.",
            ),
        },
        Service::Streams => coral(
            dynamodb::CONTENT_TYPE,
            "com.amazon.coral.availability#ThrottlingException".into(),
            "Rate exceeded",
        ),
        Service::Logs => lambda::logs::json_response(
            Err(lambda::logs::LogsError {
                code: "ThrottlingException",
                message: "Rate exceeded".to_owned(),
            }),
            request_id,
        ),
        Service::Lambda => {
            let mut res = Response::json(
                429,
                &json!({"Type": "User", "message": "Rate exceeded.", "Reason": "CallerRateLimitExceeded"}),
            );
            res.set_header("x-amzn-ErrorType", "TooManyRequestsException");
            res
        }
        // Body undocumented; AOSS sends 429.
        Service::Aoss => Response::json(429, &json!({"message": "Too Many Requests"})),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
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
    use crate::test_support::{
        dynamodb_request, get_caller_identity, json_of, signed_as, Signer, NOW,
    };

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

    fn signed(sim: &Simulator, service: &str, req: Request) -> Request {
        signed_as(sim.identity().demo_credentials(), service, req)
    }

    /// DescribeTable on lab-table (the learner may not ListTables).
    fn list_tables() -> Request {
        dynamodb_request("DescribeTable", r#"{"TableName":"lab-table"}"#)
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
        assert_eq!(json_of(&res)["Table"]["TableName"], "lab-table");
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
            .with_header("x-amz-target", "Logs_20140328.DescribeLogStreams")
            .with_body(r#"{"logGroupName":"/aws/lambda/sync-data-with-dynamodb-stream"}"#);
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
        // Signed and allowed: the group only exists once the function ran.
        let res = sim.handle(Service::Logs, &signed(&sim, "logs", logs), NOW);
        assert_eq!(json_of(&res)["__type"], "ResourceNotFoundException");
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

    fn add_fault(sim: &mut Simulator, json: &str) {
        let req = Request::new("POST", "/_labsim/faults").with_body(json);
        let res = sim.handle(Service::Sts, &req, NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    fn get_item() -> Request {
        dynamodb_request(
            "GetItem",
            r#"{"TableName":"lab-table","Key":{"id":{"S":"x"}}}"#,
        )
    }

    #[test]
    fn fault_endpoints_add_list_and_clear_rules() {
        let mut sim = sim();
        let post = |body: &str| Request::new("POST", "/_labsim/faults").with_body(body);
        let res = sim.handle(
            Service::Sts,
            &post(r#"[{"service":"dynamodb","operation":"GetItem","times":1,"throttle":true},{"service":"api","status":503,"body":"down"}]"#),
            NOW,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(json_of(&res)["faults"][1]["id"], 2);
        for bad in [
            r#"{"service":"nope","drop":true}"#,
            "{oops",
            r#"[{"service":"sts","drop":true},{"service":"sts"}]"#,
        ] {
            assert_eq!(
                sim.handle(Service::Sts, &post(bad), NOW).status,
                400,
                "{bad}"
            );
        }
        let list = Request::new("GET", "/_labsim/faults").with_header("Origin", ORIGIN);
        let res = sim.handle(Service::Sts, &list, NOW);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            json_of(&res)["faults"][0],
            serde_json::json!({"id": 1, "service": "dynamodb", "operation": "GetItem", "times": 1, "throttle": true, "fired": 0, "remaining": 1})
        );
        assert_eq!(
            json_of(&res)["faults"][1]["remaining"],
            serde_json::Value::Null
        );
        let res = sim.handle(
            Service::Sts,
            &Request::new("DELETE", "/_labsim/faults"),
            NOW,
        );
        assert_eq!(json_of(&res), serde_json::json!({"faults": []}));
        assert_eq!(
            sim.handle(Service::Sts, &Request::new("PUT", "/_labsim/faults"), NOW)
                .status,
            405
        );
    }

    #[test]
    fn a_throttle_fires_once_on_its_operation_in_the_service_shape() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","operation":"GetItem","times":1,"throttle":true}"#,
        );
        // Another operation is untouched; a preflight is never faulted.
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 200);
        let preflight = Request::new("OPTIONS", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        assert_eq!(sim.handle(Service::DynamoDb, &preflight, NOW).status, 200);
        let req = signed(&sim, "dynamodb", get_item()).with_header("Origin", ORIGIN);
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 400);
        assert_eq!(
            res.header("content-type"),
            Some("application/x-amz-json-1.0")
        );
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert!(res.header("x-amzn-RequestId").is_some());
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.availability#ThrottlingException"
        );
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
        // The timeline shows it.
        let faults: Vec<_> = timeline::events(&sim, None, NOW)
            .into_iter()
            .filter(|e| e.kind == "fault")
            .collect();
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].str("fault"), Some("throttle"));
        assert_eq!(faults[0].str("operation"), Some("GetItem"));
        assert_eq!(faults[0].fields["status"], 400);
    }

    #[test]
    fn each_service_throttles_in_its_own_shape() {
        let cases = [
            (Service::Sts, 400, "<Code>Throttling</Code>"),
            (
                Service::ApiGateway,
                429,
                r#"{"message":"Too Many Requests"}"#,
            ),
            (Service::DynamoDb, 400, "ThrottlingException"),
            (Service::Streams, 400, "ThrottlingException"),
            (Service::Logs, 400, r#""__type":"ThrottlingException""#),
            (Service::Lambda, 429, "Rate exceeded."),
            (Service::Aoss, 429, "Too Many Requests"),
        ];
        for (service, status, text) in cases {
            let mut sim = sim();
            add_fault(
                &mut sim,
                &format!(r#"{{"service":"{}","throttle":true}}"#, service.key()),
            );
            let res = sim.handle(service, &Request::new("POST", "/v1/lab"), NOW);
            assert_eq!(res.status, status, "{service:?}");
            assert!(
                res.body_text().contains(text),
                "{service:?}: {}",
                res.body_text()
            );
        }
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","throttle":"ProvisionedThroughputExceededException"}"#,
        );
        let res = sim.handle(Service::DynamoDb, &get_item(), NOW);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
        );
    }

    #[test]
    fn expired_token_and_clock_skew_faults_answer_as_the_service_would() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"expired_token":true}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"api","times":1,"expired_token":true}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"sts","times":1,"expired_token":true}"#,
        );
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", get_item()),
            NOW,
        );
        assert_eq!(
            json_of(&res),
            serde_json::json!({
                "__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": "The security token included in the request is expired",
            })
        );
        let res = sim.handle(Service::ApiGateway, &Request::new("POST", "/v1/lab"), NOW);
        assert_eq!(res.status, 403);
        assert_eq!(
            json_of(&res),
            serde_json::json!({"message": "The security token included in the request is expired"})
        );
        let res = sim.handle(Service::Sts, &get_caller_identity(), NOW);
        assert_eq!(res.status, 403);
        assert!(res.body_text().contains("<Code>ExpiredToken</Code>"));

        let mut sim = self::sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":360}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":-360}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":60}"#,
        );
        let req = signed(&sim, "dynamodb", get_item());
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["message"],
            "Signature expired: 20241008T195522Z is now earlier than 20241008T195622Z (20241008T200122Z - 5 min.)"
        );
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#InvalidSignatureException"
        );
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(
            json_of(&res)["message"],
            "Signature not yet current: 20241008T195522Z is still later than 20241008T195422Z (20241008T194922Z + 5 min.)"
        );
        // Within AWS's five minutes: answered normally.
        assert_eq!(sim.handle(Service::DynamoDb, &req, NOW).status, 200);
    }

    #[test]
    fn raw_delay_and_drop_faults() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"api","times":1,"status":503,"body":"{\"message\":\"down\"}"}"#,
        );
        add_fault(&mut sim, r#"{"service":"api","times":1,"delay_ms":1500}"#);
        add_fault(&mut sim, r#"{"service":"api","times":1,"drop":true}"#);
        let post = Request::new("POST", "/v1/lab").with_body(r#"{"name":"Ann"}"#);
        let first = sim.answer(Service::ApiGateway, &post, NOW);
        assert_eq!(
            (first.response.status, first.delay_ms, first.drop),
            (503, 0, false)
        );
        assert_eq!(first.response.body_text(), r#"{"message":"down"}"#);
        assert_eq!(
            first.response.header("content-type"),
            Some("application/json")
        );
        let second = sim.answer(Service::ApiGateway, &post, NOW);
        assert_eq!(
            (second.response.status, second.delay_ms, second.drop),
            (200, 1500, false)
        );
        let third = sim.answer(Service::ApiGateway, &post, NOW);
        assert!(third.drop);
        // Only the delayed request reached the table.
        assert_eq!(sim.dynamodb().events().len(), 1);
        let kinds: Vec<_> = timeline::events(&sim, None, NOW)
            .into_iter()
            .map(|e| (e.kind, e.str("fault").map(str::to_owned)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("fault", Some("status".to_owned())),
                ("fault", Some("delay".to_owned())),
                ("fault", Some("drop".to_owned())),
                ("api_request", None),
                ("table_write", None),
                ("stream_record", None),
            ]
        );
    }

    #[test]
    fn probability_faults_repeat_with_the_seed() {
        let run = || {
            let mut sim = sim();
            add_fault(
                &mut sim,
                r#"{"service":"logs","probability":0.5,"throttle":true}"#,
            );
            (0..40)
                .map(|_| {
                    let res = sim.handle(Service::Logs, &Request::new("POST", "/"), NOW);
                    res.body_text().contains("ThrottlingException")
                })
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.contains(&true) && a.contains(&false), "{a:?}");
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
