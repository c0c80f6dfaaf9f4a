//! The stream Lambda `sync-data-with-dynamodb-stream`, its event source
//! mapping on `lab-table`'s stream, its CloudWatch Logs, and the Lambda API
//! that describes them.
//!
//! [`Lambda::tick`] is the event source mapping's poller
//! (`event_source_mapping.rs`): about every
//! 250 ms it reads a batch (up to 100 records, one shard) after its position,
//! invokes the handler, and moves the position only when the invocation
//! succeeded. A batch whose invocation raises is retried as the same
//! records until they expire with the stream after 24 hours (the defaults
//! MaximumRetryAttempts and MaximumRecordAgeInSeconds -1), blocking the
//! shard, with a growing back-off so a poison record does not spin; every
//! attempt is recorded with its iterator age. The mapping polls only while
//! `Enabled`: its state changes take a few seconds, as AWS's do.
//!
//! What the runtime writes around the handler (the unhandled exception's
//! warning and `[ERROR]` event, the `REPORT` line) is in `runtime.rs`.
//!
//! Three handlers (`handler.rs`): [`HandlerKind::Workshop`] does exactly what the workshop's
//! downloaded code does (only INSERT reaches the index),
//! [`HandlerKind::Fixed`] uses the DynamoDB key as the document id, and
//! [`HandlerKind::Typed`] is the fixed one that also reads every attribute
//! by its type (boto3's `TypeDeserializer`), so a number no longer crashes
//! it. All talk to the collection through [`Collection::handle`] with real
//! requests, so OpenSearch's routing and errors apply. Deploying another
//! handler (or changing the configuration) is picked up by the next retry
//! of a failing batch, which then comes soon (see [`Lambda::set_handler`]).
//!
//! The environment variables are a map (`environment.rs`) the handler reads
//! at each invocation. UpdateFunctionConfiguration replaces it through
//! `LastUpdateStatus` `InProgress` for [`CONFIG_UPDATE_MS`], during which
//! invocations still get the variables before the update, as AWS's do.
//!
//! Nothing here does I/O or reads a clock.

pub mod api;
pub mod environment;
mod event_source_mapping;
mod handler;
mod listing;
pub mod logs;
pub mod python;
pub mod runtime;

#[cfg(test)]
mod tests;

use crate::iam::{ExecutionRole, LabIds};
pub use lab_model::timeline::HandlerOutcome;

use crate::dynamodb::StartingPosition;
use crate::rng::SplitMix64;

pub use environment::Variables;
use event_source_mapping::InFlight;
pub use event_source_mapping::{
    EventSourceMapping, MappingBusy, MappingState, STATE_TRANSITION_MS,
};
pub use logs::LogStore;

pub use lab_model::names::{FUNCTION as FUNCTION_NAME, INDEX, LOG_GROUP, ROLE as ROLE_NAME};
/// Identifies the Python 3.12 runtime version (a fixed made-up hash).
const RUNTIME_VERSION_HASH: &str =
    "d7bc3a4c2d9a7d6e1d2f0a0b3e5c8f1a9b6d4e2c0f8a7b5c3d1e9f7a5b3c1d0e";
/// How often the event source mapping polls the shard.
pub const POLL_INTERVAL_MS: i64 = 250;
pub const BATCH_SIZE: usize = 100;
/// At most this many back-to-back batches in one tick: the rest waits for
/// the next tick, so no tick holds the simulator long.
pub const MAX_BATCHES_PER_TICK: usize = 2;
/// First retry delay of a failed batch; doubles per attempt up to the cap.
pub const RETRY_BASE_MS: i64 = 250;
pub const RETRY_CAP_MS: i64 = 30_000;
/// An execution environment idle this long is gone; the next call is cold.
pub const ENVIRONMENT_IDLE_MS: i64 = 5 * 60 * 1000;
/// How long an UpdateFunctionConfiguration stays `InProgress`. AWS says a
/// function outside a VPC is ready "after a few seconds" at most; a
/// variables-only update is quicker. The figure is labsim's (unverified).
pub const CONFIG_UPDATE_MS: i64 = 1_000;

/// Which code the function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HandlerKind {
    /// The workshop's code as shipped.
    Workshop,
    /// A corrected handler keyed by the DynamoDB id (it still reads every
    /// attribute's `S`, so a number crashes it).
    Fixed,
    /// The corrected handler that reads each attribute by its type, as
    /// boto3's `TypeDeserializer` does: the fix for a record that crashes
    /// the others.
    Typed,
}

impl HandlerKind {
    pub const ALL: [HandlerKind; 3] = [
        HandlerKind::Workshop,
        HandlerKind::Fixed,
        HandlerKind::Typed,
    ];
    /// The names [`HandlerKind::parse`] takes, in the order of [`HandlerKind::ALL`].
    pub const NAMES: [&'static str; 3] = ["workshop", "fixed", "typed"];

    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Workshop => Self::NAMES[0],
            HandlerKind::Fixed => Self::NAMES[1],
            HandlerKind::Typed => Self::NAMES[2],
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// How far the learner got with chapter 4.1, so a half-built lab can be
/// simulated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LambdaSetup {
    pub function_exists: bool,
    /// The trigger at start-up only: afterwards the mapping itself says
    /// (see [`Lambda::trigger`]).
    pub trigger_exists: bool,
    pub trigger_enabled: bool,
    /// At start-up: the five environment variables of step 6 set as the
    /// lab sets them (or none). Afterwards [`Lambda::variables`] says.
    pub env_vars_set: bool,
    pub handler: HandlerKind,
    /// `OPENSEARCH_HOST`: the collection's endpoint.
    pub opensearch_host: String,
}

impl Default for LambdaSetup {
    fn default() -> Self {
        LambdaSetup {
            function_exists: true,
            trigger_exists: true,
            trigger_enabled: true,
            env_vars_set: true,
            handler: HandlerKind::Workshop,
            opensearch_host: "https://lab0collection0id.ap-southeast-1.aoss.amazonaws.com".into(),
        }
    }
}

/// The event source mapping's view of its last batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProcessingResult {
    NoRecords,
    Ok,
    FunctionCallFailed,
    /// The execution role may not read the stream.
    CannotReadStream,
}

impl ProcessingResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingResult::NoRecords => "No records processed",
            ProcessingResult::Ok => "OK",
            ProcessingResult::FunctionCallFailed => "PROBLEM: Function call failed",
            // AWS's refusal to create such a trigger, as a processing
            // result (the exact text AWS shows for a role that loses the
            // permission later is unverified).
            ProcessingResult::CannotReadStream => "PROBLEM: Cannot access stream. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
        }
    }
}

/// One invocation as it really happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Invocation {
    pub request_id: String,
    pub time_ms: i64,
    pub log_stream: String,
    /// The batch's records in order, each with what the handler did.
    pub records: Vec<InvocationRecord>,
    pub cold_start: bool,
    /// `None` on success; the error line otherwise.
    pub error: Option<String>,
    /// How many attempts this batch had had before this one.
    pub attempt: u32,
    /// How old the batch's oldest record was at this attempt.
    pub iterator_age_ms: i64,
}

/// One record of an invocation's batch, and what the handler did with it,
/// as the handler saw it happen (not read back from its log lines).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvocationRecord {
    pub event_id: String,
    pub outcome: HandlerOutcome,
    /// The collection's answer to the handler's request for it.
    pub status: Option<u16>,
    /// The document that request wrote or deleted (`_id`).
    pub document_id: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Environment {
    log_stream: String,
    last_used_ms: i64,
}

/// An UpdateFunctionConfiguration under way (`LastUpdateStatus`
/// `InProgress`) until `done_ms`, or done but not yet seen by an
/// invocation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ConfigUpdate {
    done_ms: i64,
    /// What invocations get until then: the variables before the update.
    previous: Variables,
}

/// UpdateFunctionConfiguration refused: the last update is still
/// `InProgress` (AWS's `ResourceConflictException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The operation cannot be performed at this time. An update is in progress for resource: {function_arn}")]
pub struct UpdateInProgress {
    pub function_arn: String,
}

/// The function, its trigger and its logs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Lambda {
    setup: LambdaSetup,
    region: String,
    account: String,
    /// When the function's code or configuration last changed
    /// (`LastModified`).
    modified_ms: i64,
    /// Changes with every code or configuration change, as AWS's does.
    revision_id: String,
    /// The environment variables as configured (the newest).
    variables: Variables,
    update: Option<ConfigUpdate>,
    mapping: Option<EventSourceMapping>,
    environment: Option<Environment>,
    logs: LogStore,
    rng: SplitMix64,
    invocations: Vec<Invocation>,
    /// The invocation under way, done a few records per step.
    in_flight: Option<InFlight>,
    /// Batches read since the tick began.
    batches_this_tick: usize,
    /// What `lambda-lab-role` lets the poller and the code do. Not in a
    /// snapshot: it follows from the role's setup, and the restoring
    /// simulator sets it ([`Lambda::set_execution_role`]).
    #[serde(skip, default = "unset_role")]
    role: ExecutionRole,
}

/// Stands in for the execution role until the restoring simulator sets it.
fn unset_role() -> ExecutionRole {
    workshop_role(crate::DEFAULT_REGION, crate::identity::DEMO_ACCOUNT)
}

fn workshop_role(region: &str, account: &str) -> ExecutionRole {
    ExecutionRole::workshop(&LabIds::new(
        region,
        account,
        crate::LAB_API_ID,
        crate::LAB_COLLECTION_ID,
    ))
}

impl Lambda {
    pub fn new(setup: LambdaSetup, region: &str, account: &str, seed: u64, now_ms: i64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x1A3B_DA00_5EED_0004);
        let mapping = setup
            .trigger_exists
            .then(|| EventSourceMapping::settled(rng.uuid(), setup.trigger_enabled, now_ms));
        let variables = if setup.function_exists && setup.env_vars_set {
            environment::lab_variables(region, &setup.opensearch_host)
        } else {
            Variables::new()
        };
        Lambda {
            variables,
            update: None,
            region: region.to_owned(),
            account: account.to_owned(),
            modified_ms: now_ms,
            revision_id: "2f0b5b4c-6b8a-4f0e-9d55-0f6a3c3f1f2a".to_owned(),
            mapping,
            environment: None,
            logs: LogStore::new(region, account, seed),
            rng,
            invocations: Vec::new(),
            in_flight: None,
            batches_this_tick: 0,
            role: workshop_role(region, account),
            setup,
        }
    }

    pub fn setup(&self) -> &LambdaSetup {
        &self.setup
    }

    /// Creates (`true`) or deletes the function, as the console does. A
    /// deleted function takes its configuration (environment variables)
    /// with it, but not its trigger: AWS keeps event source mappings, whose
    /// invocations then fail. A created one has no environment variables
    /// yet and starts cold.
    pub fn set_function_exists(&mut self, exists: bool, now_ms: i64) {
        if exists == self.setup.function_exists {
            return;
        }
        self.setup.function_exists = exists;
        self.variables.clear();
        self.changed(now_ms);
    }

    /// Deploys the workshop's, the fixed or the typed code. A batch
    /// waiting to be retried gets the new code at its next attempt, which
    /// comes within a poll interval (see [`Lambda::changed`]).
    pub fn set_handler(&mut self, handler: HandlerKind, now_ms: i64) {
        if handler != self.setup.handler {
            self.setup.handler = handler;
            self.changed(now_ms);
        }
    }

    /// Replaces the environment variables at once, as a finished update
    /// would (`/_labsim/setup`): the next invocation gets them, and a
    /// failing batch is retried soon with them. The same variables change
    /// nothing.
    pub fn set_variables(&mut self, variables: Variables, now_ms: i64) {
        if variables != self.variables {
            self.variables = variables;
            self.changed(now_ms);
        }
    }

    /// UpdateFunctionConfiguration: replaces the variables when `variables`
    /// is given (the request's `Environment`) and starts an update, even
    /// when nothing else changes, as AWS does: a new `RevisionId` and
    /// `LastModified`, `InProgress` for [`CONFIG_UPDATE_MS`]. Meanwhile
    /// invocations still get the variables before it; once it is done,
    /// the next one runs in a fresh environment, and a failing batch's
    /// retry comes soon after. Refused while the last update is in
    /// progress.
    pub fn update_configuration(
        &mut self,
        variables: Option<Variables>,
        now_ms: i64,
    ) -> Result<(), UpdateInProgress> {
        if self.update_in_progress(now_ms) {
            return Err(UpdateInProgress {
                function_arn: self.function_arn(),
            });
        }
        self.settle_update(now_ms);
        let previous = self.variables.clone();
        if let Some(variables) = variables {
            self.variables = variables;
        }
        self.modified_ms = now_ms;
        self.revision_id = self.rng.uuid();
        let done_ms = now_ms + CONFIG_UPDATE_MS;
        self.update = Some(ConfigUpdate { done_ms, previous });
        if let Some(mapping) = self.mapping.as_mut() {
            mapping.retry_soon(done_ms);
        }
        Ok(())
    }

    /// Whether an UpdateFunctionConfiguration is `InProgress` at `now_ms`.
    pub fn update_in_progress(&self, now_ms: i64) -> bool {
        self.update.as_ref().is_some_and(|u| now_ms < u.done_ms)
    }

    /// Forgets a finished update; the execution environment of the
    /// version before it is then gone.
    fn settle_update(&mut self, now_ms: i64) {
        if self.update.as_ref().is_some_and(|u| now_ms >= u.done_ms) {
            self.update = None;
            self.environment = None;
        }
    }

    /// When the configuration an invocation gets last changed or will
    /// change: the end of an update in progress (else long ago).
    fn configuration_from_ms(&self) -> i64 {
        self.update.as_ref().map_or(i64::MIN, |u| u.done_ms)
    }

    /// The variables an invocation starting at `now_ms` gets: those before
    /// an update still in progress, else the configured ones.
    fn variables_at(&self, now_ms: i64) -> &Variables {
        match &self.update {
            Some(u) if now_ms < u.done_ms => &u.previous,
            _ => &self.variables,
        }
    }

    /// A code or configuration change: new `LastModified`, and the next
    /// invocation runs in a fresh (cold) execution environment, as AWS
    /// never reuses one across versions of the function. A failing batch
    /// is retried soon with it: AWS backs retries off but documents no
    /// figure, and its next attempt runs the new code; labsim's own
    /// back-off reaches 30 s, so the learner who deploys a fix would
    /// otherwise wait that long to see it picked up.
    fn changed(&mut self, now_ms: i64) {
        self.modified_ms = now_ms;
        self.revision_id = self.rng.uuid();
        self.environment = None;
        // Whatever an update in progress was bringing is in force now.
        self.update = None;
        if let Some(mapping) = self.mapping.as_mut() {
            mapping.retry_soon(now_ms);
        }
    }

    /// Creates the trigger on `stream_arn` (a new event source mapping,
    /// with a new UUID, `Creating` for a while, then reading from LATEST)
    /// or deletes it (`Deleting` for a while, then gone), as
    /// CreateEventSourceMapping and DeleteEventSourceMapping do. A mapping
    /// being deleted is already no trigger: a new one replaces it.
    pub fn set_trigger_exists(
        &mut self,
        exists: bool,
        enabled: bool,
        stream_arn: Option<String>,
        now_ms: i64,
    ) -> Result<(), MappingBusy> {
        let live = self.mapping.as_ref().filter(|m| !m.is_deleting());
        match (exists, live.is_some()) {
            (false, true) => {
                if let Some(m) = self.mapping.as_mut() {
                    m.delete(now_ms)?;
                }
            }
            (true, false) => {
                self.mapping = Some(EventSourceMapping::created(
                    self.rng.uuid(),
                    stream_arn,
                    enabled,
                    now_ms,
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// CreateEventSourceMapping: a new trigger on `stream_arn`, `Creating`
    /// for a while, reading from `start` once it is `Enabled`. A mapping
    /// being deleted is replaced; a live one is AWS's conflict, answered by
    /// the caller.
    pub fn create_mapping(
        &mut self,
        stream_arn: String,
        start: StartingPosition,
        enabled: bool,
        now_ms: i64,
    ) {
        let mut mapping =
            EventSourceMapping::created(self.rng.uuid(), Some(stream_arn), enabled, now_ms);
        mapping.starting_position = start;
        self.mapping = Some(mapping);
    }

    /// Pauses or resumes the trigger, as UpdateEventSourceMapping `Enabled`
    /// does (through `Disabling` or `Enabling`). It keeps its place in the
    /// stream, so records written while it was off are processed once it
    /// is back on. Refused while another change is under way.
    pub fn set_trigger_enabled(&mut self, enabled: bool, now_ms: i64) -> Result<(), MappingBusy> {
        self.update_mapping(Some(enabled), now_ms)
    }

    /// UpdateEventSourceMapping on the trigger (no trigger: nothing to do).
    pub fn update_mapping(
        &mut self,
        enabled: Option<bool>,
        now_ms: i64,
    ) -> Result<(), MappingBusy> {
        if let Some(m) = self.mapping.as_mut().filter(|m| !m.is_deleting()) {
            m.update(enabled, now_ms)?;
        }
        Ok(())
    }

    /// A change the trigger would refuse at `now_ms` because another is
    /// under way, if any.
    pub fn trigger_busy(&self, now_ms: i64) -> Option<MappingBusy> {
        self.mapping.as_ref()?.ensure_settled(now_ms).err()
    }

    /// The trigger as the lab's setup shows it: whether there is one (not
    /// being deleted) and whether it is enabled, read from its state as
    /// Terraform's AWS provider does (`Enabled`/`Enabling` are on,
    /// `Disabled`/`Disabling` off; `Creating` and `Updating` by where they
    /// lead).
    pub fn trigger(&self) -> (bool, bool) {
        match self.mapping.as_ref().filter(|m| !m.is_deleting()) {
            Some(m) => (true, m.enabled),
            None => (false, false),
        }
    }

    /// The execution role's permissions, as they now are: the poller reads
    /// the stream, and each new invocation calls the collection, as this
    /// role.
    pub fn set_execution_role(&mut self, role: ExecutionRole) {
        self.role = role;
    }

    pub fn logs(&self) -> &LogStore {
        &self.logs
    }

    pub fn logs_mut(&mut self) -> &mut LogStore {
        &mut self.logs
    }

    pub fn mapping(&self) -> Option<&EventSourceMapping> {
        self.mapping.as_ref()
    }

    pub fn invocations(&self) -> &[Invocation] {
        &self.invocations
    }

    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{FUNCTION_NAME}",
            self.region, self.account
        )
    }

    /// The ARN of the runtime version the function runs on.
    pub fn runtime_version_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}::runtime:{RUNTIME_VERSION_HASH}",
            self.region
        )
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// The function's environment variables as configured (empty before
    /// step 6).
    pub fn variables(&self) -> &Variables {
        &self.variables
    }

    /// The five variables of step 6 as the lab sets them for this
    /// function.
    pub fn lab_variables(&self) -> Variables {
        environment::lab_variables(&self.region, &self.setup.opensearch_host)
    }

    /// Whether all five variables of step 6 are exactly as the lab sets
    /// them (other variables may be there too).
    pub fn env_vars_set(&self) -> bool {
        self.setup.function_exists
            && self
                .lab_variables()
                .iter()
                .all(|(name, value)| self.variables.get(name) == Some(value))
    }
}
