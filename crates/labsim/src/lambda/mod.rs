//! The stream Lambda `sync-data-with-dynamodb-stream`, its event source
//! mapping on `lab-table`'s stream, its CloudWatch Logs, and the Lambda API
//! that describes them.
//!
//! [`Lambda::tick`] is the event source mapping's poller: about every
//! 250 ms it reads a batch (up to 100 records, one shard) after its position,
//! invokes the handler, and moves the position only when the invocation
//! succeeded. A batch whose invocation raises is retried (AWS retries until
//! the records expire; here with a growing back-off so a poison record does
//! not spin), and every attempt is recorded.
//!
//! Two handlers: [`HandlerKind::Workshop`] does exactly what the workshop's
//! downloaded code does (only INSERT reaches the index), and
//! [`HandlerKind::Fixed`] uses the DynamoDB key as the document id. Both talk
//! to the collection through [`Collection::handle`] with real requests, so
//! OpenSearch's routing and errors apply.
//!
//! Nothing here does I/O or reads a clock.

pub mod api;
pub mod logs;
pub mod python;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::dynamodb::{DynamoDb, StartingPosition, StreamCursor, StreamRecord, LAB_TABLE};
use crate::http::Request;
use crate::opensearch::Collection;
use crate::rng::SplitMix64;
use crate::time;

pub use logs::LogStore;

pub const FUNCTION_NAME: &str = "sync-data-with-dynamodb-stream";
pub const ROLE_NAME: &str = "lambda-lab-role";
pub const LOG_GROUP: &str = "/aws/lambda/sync-data-with-dynamodb-stream";
pub const INDEX: &str = "dynamodb_replicate";
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

/// Which code the function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// The workshop's code as shipped.
    Workshop,
    /// A corrected handler keyed by the DynamoDB id.
    Fixed,
}

impl HandlerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Workshop => "workshop",
            HandlerKind::Fixed => "fixed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "workshop" => Some(HandlerKind::Workshop),
            "fixed" => Some(HandlerKind::Fixed),
            _ => None,
        }
    }
}

/// How far the learner got with chapter 4.1, so a half-built lab can be
/// simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaSetup {
    pub function_exists: bool,
    pub trigger_exists: bool,
    pub trigger_enabled: bool,
    /// The five environment variables of step 6.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingResult {
    NoRecords,
    Ok,
    FunctionCallFailed,
}

impl ProcessingResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingResult::NoRecords => "No records processed",
            ProcessingResult::Ok => "OK",
            ProcessingResult::FunctionCallFailed => "PROBLEM: Function call failed",
        }
    }
}

/// The trigger.
#[derive(Debug, Clone)]
pub struct EventSourceMapping {
    pub uuid: String,
    pub created_ms: i64,
    pub enabled: bool,
    /// Set once polling starts (position LATEST at that moment).
    pub cursor: Option<StreamCursor>,
    pub last_result: ProcessingResult,
    pub last_modified_ms: i64,
    next_poll_ms: i64,
    /// Failed attempts at the current batch.
    pub failed_attempts: u32,
}

/// One invocation as it really happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub request_id: String,
    pub time_ms: i64,
    pub log_stream: String,
    pub event_ids: Vec<String>,
    pub cold_start: bool,
    /// `None` on success; the error line otherwise.
    pub error: Option<String>,
    /// How many attempts this batch had had before this one.
    pub attempt: u32,
}

#[derive(Debug, Clone)]
struct Environment {
    log_stream: String,
    last_used_ms: i64,
}

/// The function, its trigger and its logs.
#[derive(Debug, Clone)]
pub struct Lambda {
    setup: LambdaSetup,
    region: String,
    account: String,
    /// When the function's code or configuration last changed
    /// (`LastModified`).
    modified_ms: i64,
    /// Changes with every code or configuration change, as AWS's does.
    revision_id: String,
    mapping: Option<EventSourceMapping>,
    environment: Option<Environment>,
    logs: LogStore,
    rng: SplitMix64,
    invocations: Vec<Invocation>,
    /// The invocation under way, done a few records per step.
    in_flight: Option<InFlight>,
    /// Batches read since the tick began.
    batches_this_tick: usize,
}

/// An invocation under way: the handler prints the event, then handles its
/// records one by one, then the run is logged and the mapping moves on.
/// Everything it does is dated at the poll's time, however many steps it
/// takes, so the result is the same as running it at once.
#[derive(Debug, Clone)]
struct InFlight {
    /// The mapping that read the batch: only it moves on afterwards.
    mapping_uuid: String,
    /// The mapping's position after the batch.
    next: StreamCursor,
    full: bool,
    attempt: u32,
    now_ms: i64,
    batch: Vec<StreamRecord>,
    request_id: String,
    cold: bool,
    log_stream: String,
    init_ms: i64,
    /// The code and environment variables it started with (an update does
    /// not change a running invocation). No variables: it fails at once.
    handler: HandlerKind,
    env: Option<BTreeMap<String, String>>,
    /// The event's records as Lambda's JSON, built as they are printed.
    records: Vec<Value>,
    /// `print(event)` so far.
    printed: String,
    /// Records handled so far, the handler's clock (ms into the run) and
    /// its (time, line) pairs.
    handled: usize,
    t: i64,
    lines: Vec<(i64, String)>,
    /// The exception that ended the handler.
    error: Option<String>,
}

impl InFlight {
    fn done(&self) -> bool {
        self.env.is_none()
            || (self.records.len() == self.batch.len()
                && (self.error.is_some() || self.handled == self.batch.len()))
    }
}

impl Lambda {
    pub fn new(setup: LambdaSetup, region: &str, account: &str, seed: u64, now_ms: i64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x1A3B_DA00_5EED_0004);
        let mapping = setup.trigger_exists.then(|| EventSourceMapping {
            uuid: rng.uuid(),
            created_ms: now_ms,
            enabled: setup.trigger_enabled,
            cursor: None,
            last_result: ProcessingResult::NoRecords,
            last_modified_ms: now_ms,
            next_poll_ms: now_ms,
            failed_attempts: 0,
        });
        Lambda {
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
        self.setup.env_vars_set = false;
        self.changed(now_ms);
    }

    /// Deploys the workshop's or the fixed code.
    pub fn set_handler(&mut self, handler: HandlerKind, now_ms: i64) {
        if handler != self.setup.handler {
            self.setup.handler = handler;
            self.changed(now_ms);
        }
    }

    /// Sets (or removes) the five environment variables of step 6.
    pub fn set_env_vars(&mut self, set: bool, now_ms: i64) {
        if set != self.setup.env_vars_set {
            self.setup.env_vars_set = set;
            self.changed(now_ms);
        }
    }

    /// A code or configuration change: new `LastModified`, and the next
    /// invocation runs in a fresh (cold) execution environment, as AWS
    /// never reuses one across versions of the function.
    fn changed(&mut self, now_ms: i64) {
        self.modified_ms = now_ms;
        self.revision_id = self.rng.uuid();
        self.environment = None;
    }

    /// Creates the trigger (a new event source mapping, with a new UUID,
    /// starting at LATEST) or deletes it.
    pub fn set_trigger_exists(&mut self, exists: bool, enabled: bool, now_ms: i64) {
        if !exists {
            self.mapping = None;
        } else if self.mapping.is_none() {
            self.mapping = Some(EventSourceMapping {
                uuid: self.rng.uuid(),
                created_ms: now_ms,
                enabled,
                cursor: None,
                last_result: ProcessingResult::NoRecords,
                last_modified_ms: now_ms,
                next_poll_ms: now_ms,
                failed_attempts: 0,
            });
        }
        self.setup.trigger_exists = self.mapping.is_some();
        self.setup.trigger_enabled = self.mapping.as_ref().is_some_and(|m| m.enabled);
    }

    /// Pauses or resumes the trigger. It keeps its place in the stream, so
    /// records written while it was off are processed once it is back on
    /// (as UpdateEventSourceMapping `Enabled` does).
    pub fn set_trigger_enabled(&mut self, enabled: bool, now_ms: i64) {
        let Some(m) = self.mapping.as_mut() else {
            return;
        };
        self.setup.trigger_enabled = enabled;
        if m.enabled != enabled {
            m.enabled = enabled;
            m.last_modified_ms = now_ms;
            m.next_poll_ms = now_ms;
            m.failed_attempts = 0;
        }
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

    /// The function's environment variables (empty before step 6).
    pub fn environment_variables(&self) -> BTreeMap<String, String> {
        if !self.setup.env_vars_set {
            return BTreeMap::new();
        }
        BTreeMap::from([
            ("REGION".to_owned(), self.region.clone()),
            ("AWS_SERVICE".to_owned(), "aoss".to_owned()),
            (
                "OPENSEARCH_HOST".to_owned(),
                self.setup.opensearch_host.clone(),
            ),
            ("OPENSEARCH_INDEX".to_owned(), INDEX.to_owned()),
            ("OPENSEARCH_DATATYPE".to_owned(), "_doc".to_owned()),
        ])
    }

    /// Runs the event source mapping: polls, invokes, moves on or retries.
    /// A read waits for the poll interval, but while batches come back full
    /// the mapping reads again at once, as Lambda does with a busy shard
    /// (bounded per tick so one tick stays short).
    pub fn tick(&mut self, now_ms: i64, dynamodb: &mut DynamoDb, collection: &mut Collection) {
        let mut more = self.tick_start(now_ms, dynamodb, collection, usize::MAX);
        while more {
            more = self.tick_continue(now_ms, dynamodb, collection, usize::MAX);
        }
    }

    /// Begins a tick, doing at most about `budget` records' worth of work;
    /// `true` while work remains, to be done by [`Lambda::tick_continue`].
    /// A server can so let other requests in between the steps.
    pub fn tick_start(
        &mut self,
        now_ms: i64,
        dynamodb: &mut DynamoDb,
        collection: &mut Collection,
        budget: usize,
    ) -> bool {
        self.batches_this_tick = 0;
        self.tick_continue(now_ms, dynamodb, collection, budget)
    }

    /// The next step of the tick begun by [`Lambda::tick_start`].
    pub fn tick_continue(
        &mut self,
        now_ms: i64,
        dynamodb: &mut DynamoDb,
        collection: &mut Collection,
        budget: usize,
    ) -> bool {
        let mut budget = budget.max(1);
        loop {
            budget = self.advance(budget, collection);
            if self.in_flight.is_some() {
                return true;
            }
            let due = self
                .mapping
                .as_ref()
                .is_some_and(|m| m.enabled && now_ms >= m.next_poll_ms);
            if !due || self.batches_this_tick >= MAX_BATCHES_PER_TICK {
                return false;
            }
            if budget == 0 {
                return true;
            }
            self.batches_this_tick += 1;
            self.poll(now_ms, dynamodb);
        }
    }

    /// One read: starts an invocation, or settles at once when there is
    /// nothing to invoke.
    fn poll(&mut self, now_ms: i64, dynamodb: &mut DynamoDb) {
        let Some(mapping) = self.mapping.as_mut() else {
            return;
        };
        mapping.next_poll_ms = now_ms + POLL_INTERVAL_MS;
        if mapping.cursor.is_none() {
            let Some(arn) = dynamodb.latest_stream_arn(LAB_TABLE) else {
                return;
            };
            match dynamodb.stream_cursor(&arn, StartingPosition::Latest, now_ms) {
                Ok(cursor) => mapping.cursor = Some(cursor),
                Err(_) => return,
            }
        }
        let Some(cursor) = mapping.cursor.as_ref() else {
            return;
        };
        let mut next = cursor.clone();
        let Ok(mut batch) = dynamodb.read_stream(&mut next, BATCH_SIZE, now_ms) else {
            return;
        };
        let full = batch.len() == BATCH_SIZE;
        // Records past the stream's retention are gone: AWS stops retrying.
        let expired = batch
            .iter()
            .take_while(|r| r.created_ms + crate::dynamodb::RETENTION_MS <= now_ms)
            .count();
        if expired > 0 {
            batch.drain(..expired);
            if batch.is_empty() {
                mapping.cursor = Some(next);
                mapping.failed_attempts = 0;
                return;
            }
        }
        if batch.is_empty() {
            return;
        }
        let attempt = mapping.failed_attempts;
        let uuid = mapping.uuid.clone();
        if !self.setup.function_exists {
            self.settle(&uuid, next, full, false, now_ms);
            return;
        }
        self.in_flight = Some(self.begin(uuid, next, full, attempt, now_ms, batch));
    }

    /// Moves the mapping `uuid` on after a batch, or schedules its retry.
    fn settle(&mut self, uuid: &str, next: StreamCursor, full: bool, ok: bool, now_ms: i64) {
        let Some(mapping) = self.mapping.as_mut().filter(|m| m.uuid == uuid) else {
            return;
        };
        if ok {
            mapping.cursor = Some(next);
            mapping.failed_attempts = 0;
            mapping.last_result = ProcessingResult::Ok;
            if full {
                // More records wait: read again at the next tick, not after
                // the poll interval.
                mapping.next_poll_ms = now_ms;
            }
        } else {
            mapping.failed_attempts += 1;
            mapping.last_result = ProcessingResult::FunctionCallFailed;
            let shift = (mapping.failed_attempts - 1).min(16);
            let delay = (RETRY_BASE_MS << shift).min(RETRY_CAP_MS);
            mapping.next_poll_ms = now_ms + delay;
        }
    }

    /// Starts invoking the function with `batch`: the execution environment
    /// and the request id.
    fn begin(
        &mut self,
        mapping_uuid: String,
        next: StreamCursor,
        full: bool,
        attempt: u32,
        now_ms: i64,
        batch: Vec<StreamRecord>,
    ) -> InFlight {
        let request_id = self.rng.uuid();
        let cold = self
            .environment
            .as_ref()
            .is_none_or(|e| now_ms - e.last_used_ms > ENVIRONMENT_IDLE_MS);
        if cold {
            let date = time::rfc3339(now_ms)[..10].replace('-', "/");
            let name = format!(
                "{date}/[$LATEST]{:016x}{:016x}",
                self.rng.next_u64(),
                self.rng.next_u64()
            );
            self.environment = Some(Environment {
                log_stream: name,
                last_used_ms: now_ms,
            });
        }
        let log_stream = self
            .environment
            .as_ref()
            .map(|e| e.log_stream.clone())
            .unwrap_or_default();
        let init_ms = if cold {
            300 + (self.rng.next_u64() % 250) as i64
        } else {
            0
        };
        InFlight {
            mapping_uuid,
            next,
            full,
            attempt,
            now_ms,
            records: Vec::with_capacity(batch.len()),
            batch,
            request_id,
            cold,
            log_stream,
            init_ms,
            handler: self.setup.handler,
            env: self
                .setup
                .env_vars_set
                .then(|| self.environment_variables()),
            printed: python::EVENT_REPR_OPEN.to_owned(),
            handled: 0,
            t: 2,
            lines: Vec::new(),
            error: None,
        }
    }

    /// Runs the invocation under way for up to `budget` records (each
    /// printed, then each handled), and finishes it when it is done; the
    /// budget left.
    fn advance(&mut self, mut budget: usize, collection: &mut Collection) -> usize {
        let Some(mut run) = self.in_flight.take() else {
            return budget;
        };
        if run.env.is_some() {
            while budget > 0 && run.records.len() < run.batch.len() {
                let record = run.batch[run.records.len()].to_lambda_json();
                if !run.records.is_empty() {
                    run.printed.push_str(", ");
                }
                run.printed.push_str(&python::stream_record_repr(&record));
                run.records.push(record);
                budget -= 1;
            }
            while budget > 0 && !run.done() {
                handle_record(&mut run, collection, &mut self.rng);
                budget -= 1;
            }
        }
        if run.done() {
            self.finish(run);
        } else {
            self.in_flight = Some(run);
        }
        budget
    }

    /// Logs a finished invocation, records it, and moves the mapping on.
    fn finish(&mut self, run: InFlight) {
        let now_ms = run.now_ms;
        let request_id = run.request_id;
        let cold = run.cold;
        let init_ms = run.init_ms;
        let mut lines: Vec<(i64, String)> = Vec::new();
        if cold {
            lines.push((
                0,
                format!(
                    "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {}",
                    self.runtime_version_arn()
                ),
            ));
        }
        let start = init_ms;
        lines.push((
            start,
            format!("START RequestId: {request_id} Version: $LATEST"),
        ));
        let (run_lines, elapsed_ms, error) = if run.env.is_none() {
            let error = error_line(
                "KeyError: 'OPENSEARCH_HOST'",
                8,
                "host = os.environ['OPENSEARCH_HOST']",
            );
            (Vec::new(), 1, Some(error))
        } else {
            let mut printed = run.printed;
            printed.push_str(python::EVENT_REPR_CLOSE);
            let mut run_lines = vec![(1, printed)];
            run_lines.extend(run.lines);
            // The handler returns one millisecond after its last call; an
            // exception ends it there.
            let elapsed = if run.error.is_some() {
                run.t
            } else {
                run.t + 1
            };
            (run_lines, elapsed, run.error)
        };
        for (at, line) in run_lines {
            lines.push((start + at, line));
        }
        let end = start + elapsed_ms;
        if let Some(error) = &error {
            lines.push((end, error.clone()));
        }
        let duration = elapsed_ms as f64 + (self.rng.next_u64() % 100) as f64 / 100.0;
        let billed = duration.ceil() as i64;
        let memory = 70 + self.rng.next_u64() % 12;
        lines.push((end, format!("END RequestId: {request_id}")));
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration:.2} ms\tBilled Duration: {billed} ms\tMemory Size: 128 MB\tMax Memory Used: {memory} MB"
        );
        if cold {
            report.push_str(&format!(
                "\tInit Duration: {init_ms}.{:02} ms",
                self.rng.next_u64() % 100
            ));
        }
        lines.push((end, report));
        for (at, line) in lines {
            let timestamp = now_ms + at;
            let ingestion = timestamp + 100 + (self.rng.next_u64() % 400) as i64;
            self.logs.put(
                LOG_GROUP,
                &run.log_stream,
                timestamp,
                ingestion,
                &format!("{line}\n"),
            );
        }
        if let Some(env) = self.environment.as_mut() {
            env.last_used_ms = now_ms + end;
        }
        let ok = error.is_none();
        self.invocations.push(Invocation {
            request_id,
            time_ms: now_ms,
            log_stream: run.log_stream,
            event_ids: run.batch.iter().map(|r| r.event_id.clone()).collect(),
            cold_start: cold,
            error,
            attempt: run.attempt,
        });
        self.settle(&run.mapping_uuid, run.next, run.full, ok, now_ms);
    }
}

/// The Python runtime's log line for an unhandled exception: one event,
/// lines joined with `\r`.
fn error_line(exception: &str, line: u32, source: &str) -> String {
    format!(
        "[ERROR] {exception}\rTraceback (most recent call last):\r  File \"/var/task/lambda_function.py\", line {line}, in lambda_handler\r    {source}"
    )
}

/// An HTTP call from the function to the collection.
struct Call {
    status: u16,
    body: String,
}

fn call(
    collection: &mut Collection,
    env: &BTreeMap<String, String>,
    method: &str,
    path: &str,
    body: Option<String>,
    now_ms: i64,
) -> Call {
    let host = env
        .get("OPENSEARCH_HOST")
        .map(|h| {
            h.trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned()
        })
        .unwrap_or_default();
    let mut req = Request::new(method, path)
        .with_header("host", &host)
        .with_header("user-agent", "python-requests/2.32.3")
        .with_header("accept", "*/*");
    if let Some(body) = body {
        req = req
            .with_header("content-type", "application/json")
            .with_header("content-length", &body.len().to_string())
            .with_body(body);
    }
    let res = collection.handle(&req, now_ms);
    Call {
        status: res.status,
        body: res.body_text(),
    }
}

/// `{attr: value["S"]}` over an image; `Err(attr)` at the first value that
/// has no `S` (Python's KeyError).
fn flatten_s(image: &Value) -> Result<Map<String, Value>, String> {
    let mut doc = Map::new();
    if let Some(map) = image.as_object() {
        for (name, value) in map {
            match value.get("S") {
                Some(s) => {
                    doc.insert(name.clone(), s.clone());
                }
                None => return Err(name.clone()),
            }
        }
    }
    Ok(doc)
}

fn latency(rng: &mut SplitMix64) -> i64 {
    20 + (rng.next_u64() % 90) as i64
}

/// The handler's work on its next record: the workshop's code as shipped,
/// or the fixed one (the DynamoDB key as the document id). The calls reach
/// the collection at the invocation's time (the simulated durations only
/// shape the log timestamps), so nothing is written in the future.
fn handle_record(run: &mut InFlight, collection: &mut Collection, rng: &mut SplitMix64) {
    let Some(env) = run.env.as_ref() else {
        return;
    };
    let record = &run.records[run.handled];
    run.handled += 1;
    let base = format!(
        "/{}/{}",
        env["OPENSEARCH_INDEX"], env["OPENSEARCH_DATATYPE"]
    );
    let fixed = run.handler == HandlerKind::Fixed;
    let id = record["dynamodb"]["Keys"]["id"]["S"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let name = record["eventName"].as_str().unwrap_or_default();
    match name {
        "INSERT" | "MODIFY" => {
            let doc = match flatten_s(&record["dynamodb"]["NewImage"]) {
                Ok(doc) => Value::Object(doc),
                Err(_) => {
                    run.error = Some(error_line(
                        "KeyError: 'S'",
                        if fixed { 30 } else { 27 },
                        "document = {k: v['S'] for k, v in record['dynamodb']['NewImage'].items()}",
                    ));
                    return;
                }
            };
            let (method, path) = match (fixed, name) {
                (true, _) => ("PUT", format!("{base}/{}", percent_encode(&id))),
                (false, "INSERT") => ("POST", base),
                (false, _) => ("PUT", base),
            };
            let res = call(
                collection,
                env,
                method,
                &path,
                Some(python::json_dumps(&doc)),
                run.now_ms,
            );
            run.t += latency(rng);
            let doc = python::repr(&doc);
            if res.status == 200 || res.status == 201 {
                run.lines.push((run.t, format!("Successfully: {doc}")));
            } else {
                run.lines.push((
                    run.t,
                    format!("Failed to index item: {doc}, Response: {}", res.body),
                ));
            }
        }
        "REMOVE" => {
            // The workshop's code forgets the `/` before the id.
            let path = if fixed {
                format!("{base}/{}", percent_encode(&id))
            } else {
                format!("{base}{id}")
            };
            let res = call(collection, env, "DELETE", &path, None, run.now_ms);
            run.t += latency(rng);
            run.lines.push((run.t, removal_line(&id, &res)));
        }
        _ => {}
    }
}

/// What both handlers print after a DELETE, word for word as the
/// workshop's Python does.
fn removal_line(id: &str, res: &Call) -> String {
    if res.status == 200 {
        format!("Removed item successfully with ID {id}")
    } else {
        format!("Failed to remove item with ID {id}, Response: {}", res.body)
    }
}

/// Percent-encodes a path segment as `requests` would leave it: unreserved
/// characters as they are, the rest `%XX`.
fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
