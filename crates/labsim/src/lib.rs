//! labsim core: a local simulator of the lab's AWS backend.
//!
//! Nothing here does I/O or reads a clock: requests come in as
//! [`message::Request`] values with the time as epoch milliseconds, and
//! responses go out as [`message::Response`] values. The native server
//! (`server` feature) feeds it real HTTP; the same code can run in a browser
//! (wasm32).
//!
//! Where things are: [`Simulator`] (this file) holds the state and its
//! public API; `router.rs` takes a request through faults, CORS, control
//! paths, signature and authorization to the service; `authz.rs` says what
//! a request is in IAM's terms and decides it; `service_error.rs` shapes
//! the front door's refusals (bad signature, throttle) as each service
//! does. One folder or file per simulated service: [`sts`], [`apigateway`],
//! [`dynamodb`], [`lambda`] (with CloudWatch Logs), [`opensearch`]; IAM's
//! policy engine, the lab's role and IAM's own API in [`iam`].

pub mod apigateway;
pub mod body_limit;
pub mod control;
pub mod cors;
pub mod dynamodb;
pub mod faults;
pub mod iam;
pub mod identity;
pub mod lambda;
pub mod message;
pub mod opensearch;
pub mod rng;
pub mod setup;
pub mod sigv4;
pub mod snapshot;
pub mod sts;
pub mod time;
pub mod timeline;
pub mod xml;

mod authz;
mod percent;
mod router;
mod service_error;
#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;

pub use lab_model::Service;
use lab_model::{SimulatorConfig, SimulatorCredentials, SimulatorIdentity};

use crate::apigateway::ApiSetup;
use crate::dynamodb::{DynamoDb, DynamoDbConfig, StreamViewType};
use crate::faults::{FaultEvent, FaultSet};
use crate::identity::{Credentials, IdentityStore, DEMO_ACCOUNT};
use crate::lambda::{Lambda, LambdaSetup};
use crate::message::Response;
use crate::opensearch::{Collection, CollectionConfig, RefreshLag};
use crate::rng::SplitMix64;

pub const DEFAULT_REGION: &str = lab_model::names::DEFAULT_REGION;
/// The REST API's id in ARNs (`execute-api:Invoke` is checked on it).
pub const LAB_API_ID: &str = "a1b2c3d4e5";
/// The collection's id in ARNs (`aoss:APIAccessAll` is checked on it).
pub const LAB_COLLECTION_ID: &str = "0a1b2c3d4e5f6g7h8i9j";
pub use crate::identity::DEFAULT_CREDENTIAL_TTL_SECONDS;
/// How long before the simulator started `lambda-lab-role` was made.
const ROLE_AGE_MS: i64 = 3_600_000;

/// How the simulator was started.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// static server forwards to it (see [`SimulatorConfig::routes`]).
    pub routes: BTreeMap<String, String>,
    /// Whether `lab-table`'s stream (NEW_IMAGE) is on at start.
    pub stream_enabled: bool,
    /// How far the stream Lambda is set up, and which code it runs.
    pub lambda: LambdaSetup,
    /// The REST API's authorization and CORS.
    pub api: ApiSetup,
    /// How long until a write to the collection is searchable.
    pub refresh_lag: RefreshLag,
    /// `lambda-lab-role`'s inline policies (chapter 4.1 steps 3 and 4).
    pub role: iam::LabRoleSetup,
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
            refresh_lag: RefreshLag::default(),
            role: iam::LabRoleSetup::default(),
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
    /// `lambda-lab-role`, as IAM answers for it and the function runs as.
    lab_role: iam::LabRole,
    /// Injected faults in force, and those that fired.
    faults: FaultSet,
    fault_log: Vec<FaultEvent>,
    /// Every request to the REST API, for the timeline.
    api_log: Vec<ApiRequestEvent>,
    /// The typed pipeline timeline, recorded after every step.
    timeline: timeline::Recorder,
    /// How far the simulator's clock runs ahead of its host's
    /// (`POST /_labsim/clock`); see [`Simulator::clock`].
    clock_offset_ms: i64,
}

/// One request to the REST API as it was answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiRequestEvent {
    pub time_ms: i64,
    /// Also the id of the item it writes.
    pub request_id: String,
    /// Whether the client chose it (or sent a non-UUID, replaced).
    pub request_id_origin: apigateway::RequestIdOrigin,
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
        os_config.refresh_lag = config.refresh_lag;
        let mut setup = config.lambda.clone();
        if let Some(aoss) = config.endpoints.get("aoss") {
            setup.opensearch_host = aoss.clone();
        }
        let identity = IdentityStore::with_permissions(
            config.seed,
            now_ms,
            config.credential_ttl_seconds,
            iam::participant_permissions(&lab_ids(&config.region)),
        );
        let lab_role = iam::LabRole {
            ids: lab_ids(&config.region),
            setup: config.role,
            role_id: sts::role_id(&identity, iam::LAMBDA_ROLE),
            // Made in an earlier chapter, before the simulator started.
            created_ms: now_ms - ROLE_AGE_MS,
        };
        let mut lambda = Lambda::new(setup, &config.region, DEMO_ACCOUNT, config.seed, now_ms);
        lambda.set_execution_role(lab_role.execution_role());
        let mut sim = Simulator {
            identity,
            request_ids: SplitMix64::new(!config.seed),
            apigw_ids: SplitMix64::new(config.seed ^ 0xA919_0000_0000_0006),
            dynamodb: DynamoDb::new(db_config, now_ms),
            collection: Collection::new(os_config),
            lambda,
            lab_role,
            faults: FaultSet::new(config.seed),
            fault_log: Vec::new(),
            api_log: Vec::new(),
            timeline: timeline::Recorder::default(),
            clock_offset_ms: 0,
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
        self.record_timeline(now_ms);
    }

    /// [`Simulator::tick`] in steps of about `budget` stream records of
    /// work each, so a server can answer requests between them: begins a
    /// tick; `true` while [`Simulator::tick_continue`] has more to do. The
    /// outcome is the same as one tick at `now_ms`.
    pub fn tick_start(&mut self, now_ms: i64, budget: usize) -> bool {
        let more = self
            .lambda
            .tick_start(now_ms, &mut self.dynamodb, &mut self.collection, budget);
        self.record_timeline(now_ms);
        more
    }

    /// The next step of the tick begun by [`Simulator::tick_start`].
    pub fn tick_continue(&mut self, now_ms: i64, budget: usize) -> bool {
        let more =
            self.lambda
                .tick_continue(now_ms, &mut self.dynamodb, &mut self.collection, budget);
        self.record_timeline(now_ms);
        more
    }

    /// Records in the timeline what the last step did (called after every
    /// request and every slice of the poller's work).
    pub(crate) fn record_timeline(&mut self, now_ms: i64) {
        let setup = self.setup();
        self.timeline.record(
            timeline::Sources {
                faults: &self.fault_log,
                api: &self.api_log,
                writes: self.dynamodb.events(),
                invocations: self.lambda.invocations(),
                logs: self.lambda.logs(),
                collection: &self.collection,
                setup,
            },
            now_ms,
        );
    }

    /// The pipeline timeline: a handle that stays valid across resets, so a
    /// server can page through it without holding the simulator.
    pub fn timeline(&self) -> &timeline::SharedTimeline {
        self.timeline.shared()
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

    /// `lambda-lab-role` as the lab has it now.
    pub fn lab_role(&self) -> &iam::LabRole {
        &self.lab_role
    }

    /// Changes `lambda-lab-role`'s inline policies; the function runs with
    /// the new permissions from its next poll and invocation.
    pub(crate) fn set_lab_role(&mut self, setup: iam::LabRoleSetup) {
        self.lab_role.setup = setup;
        self.lambda
            .set_execution_role(self.lab_role.execution_role());
    }

    /// Back to the state at start, as if started at `now_ms` with the same
    /// seed: the demo credentials keep their keys (so exported shell
    /// variables stay valid) and get a fresh expiry; extra ones are revoked.
    pub fn reset(&mut self, now_ms: i64) {
        // Time never runs back: the clock keeps its lead. The timeline goes
        // on in the same log, so readers' handles and cursors stay valid.
        let offset = self.clock_offset_ms;
        let timeline = self.timeline.shared().clone();
        *self = Simulator::new(self.config.clone(), now_ms);
        self.clock_offset_ms = offset;
        self.timeline.continue_after_reset(timeline, now_ms);
    }

    /// The simulator's time when its host's clock reads `wall_ms`: the
    /// `now_ms` a host passes to every call here. The core never adds the
    /// lead itself, so every time inside it is simulator time.
    pub fn clock(&self, wall_ms: i64) -> i64 {
        wall_ms.saturating_add(self.clock_offset_ms)
    }

    /// The collection's refresh lag from the next write on, kept by a
    /// reset (`POST /_labsim/refresh-lag`).
    pub fn set_refresh_lag(&mut self, lag: RefreshLag) {
        self.config.refresh_lag = lag;
        self.collection.set_refresh_lag(lag);
    }

    /// How far the clock runs ahead of the host's.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms
    }

    /// Moves the simulator's clock `ms` ahead (a test's way to let 15
    /// minutes or a day pass). Everything sees the new time, signature
    /// checks and credential expiry included, as if that much time had
    /// passed for AWS and its client alike.
    pub fn advance_clock(&mut self, ms: u32) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(i64::from(ms));
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
    pub fn lab_config(&self) -> SimulatorConfig {
        SimulatorConfig {
            region: self.config.region.clone(),
            endpoints: self.config.endpoints.clone(),
            routes: self.config.routes.clone(),
            credentials: SimulatorCredentials::from(self.identity.demo_credentials()),
            identity: SimulatorIdentity::from(&self.identity),
            api_id: LAB_API_ID.to_owned(),
            collection_id: LAB_COLLECTION_ID.to_owned(),
        }
    }
    /// Adds a fault rule.
    pub fn add_fault(&mut self, spec: faults::FaultSpec) -> Result<serde_json::Value, String> {
        let added = self.faults.add(spec).map(faults::FaultRule::to_json);
        self.sync_switches();
        added
    }

    /// Removes every fault rule.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
        self.sync_switches();
    }

    /// Hands the switches among the fault rules to the services.
    fn sync_switches(&mut self) {
        let limit = !self.faults.reader_limit_off();
        self.dynamodb.set_shard_reader_limit(limit);
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
}

fn lab_ids(region: &str) -> iam::LabIds {
    iam::LabIds::new(region, DEMO_ACCOUNT, LAB_API_ID, LAB_COLLECTION_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Request;
    use crate::test_support::{get_caller_identity, sim, Signer, NOW};
    use lab_model::SimulatorCredentials;

    const ORIGIN: &str = "http://localhost:8080";

    fn config_of(res: &Response) -> SimulatorConfig {
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
                "api_id": LAB_API_ID,
                "collection_id": LAB_COLLECTION_ID,
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
            let c: SimulatorCredentials = serde_json::from_slice(&res.body).unwrap();
            c
        };
        let short = mint(&mut sim, r#"{"ttl_seconds": 30}"#);
        assert_eq!(short.expiration, "2024-10-08T19:55:52Z");
        let default = mint(&mut sim, "");
        assert_eq!(default.expiration, "2024-10-09T07:55:22Z");
        let expired = mint(&mut sim, r#"{"ttl_seconds": -60}"#);

        let call = |sim: &mut Simulator, c: &SimulatorCredentials, now: i64| {
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
