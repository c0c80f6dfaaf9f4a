//! The event source mapping (the trigger): its poller reads `lab-table`'s
//! stream a batch at a time, invokes the function with it, logs the run as
//! the runtime would, and moves on or retries.
//!
//! A tick is done in steps ([`Lambda::tick_start`], then
//! [`Lambda::tick_continue`] until it says `false`) so a server can answer
//! requests in between; an invocation under way ([`InFlight`]) keeps the
//! poll's time, so the outcome is the same as one tick done at once.

use std::collections::BTreeMap;

use super::handler::{error_line, handle_record};
use super::{
    python, Environment, HandlerKind, HandlerOutcome, Invocation, InvocationRecord, Lambda,
    ProcessingResult, BATCH_SIZE, ENVIRONMENT_IDLE_MS, LOG_GROUP, MAX_BATCHES_PER_TICK,
    POLL_INTERVAL_MS, RETRY_BASE_MS, RETRY_CAP_MS,
};
use crate::dynamodb::{DynamoDb, StartingPosition, StreamCursor, StreamRecord, LAB_TABLE};
use crate::opensearch::Collection;
use crate::time;

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

impl EventSourceMapping {
    /// A new mapping, starting at LATEST once it first polls.
    pub(super) fn new(uuid: String, enabled: bool, now_ms: i64) -> Self {
        EventSourceMapping {
            uuid,
            created_ms: now_ms,
            enabled,
            cursor: None,
            last_result: ProcessingResult::NoRecords,
            last_modified_ms: now_ms,
            next_poll_ms: now_ms,
            failed_attempts: 0,
        }
    }

    /// Pauses or resumes; a change polls at once and forgets failures.
    pub(super) fn set_enabled(&mut self, enabled: bool, now_ms: i64) {
        if self.enabled != enabled {
            self.enabled = enabled;
            self.last_modified_ms = now_ms;
            self.next_poll_ms = now_ms;
            self.failed_attempts = 0;
        }
    }
}

/// An invocation under way: the handler prints the event, then handles its
/// records one by one, then the run is logged and the mapping moves on.
/// Everything it does is dated at the poll's time, however many steps it
/// takes, so the result is the same as running it at once.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    /// The mapping that read the batch: only it moves on afterwards.
    pub(super) mapping_uuid: String,
    /// The mapping's position after the batch.
    pub(super) next: StreamCursor,
    pub(super) full: bool,
    pub(super) attempt: u32,
    pub(super) now_ms: i64,
    pub(super) batch: Vec<StreamRecord>,
    pub(super) request_id: String,
    pub(super) cold: bool,
    pub(super) log_stream: String,
    pub(super) init_ms: i64,
    /// The code and environment variables it started with (an update does
    /// not change a running invocation). No variables: it fails at once.
    pub(super) handler: HandlerKind,
    pub(super) env: Option<BTreeMap<String, String>>,
    /// Whether its role lets it past the collection's IAM check (as the
    /// role was when it started).
    pub(super) may_call_collection: bool,
    /// How many of the batch's records `print(event)` has printed.
    pub(super) printed_records: usize,
    /// `print(event)` so far.
    pub(super) printed: String,
    /// Records handled so far, the handler's clock (ms into the run) and
    /// its (time, line) pairs.
    pub(super) handled: usize,
    pub(super) t: i64,
    pub(super) lines: Vec<(i64, String)>,
    /// What the handler did with each record handled so far.
    pub(super) outcomes: Vec<InvocationRecord>,
    /// The exception that ended the handler.
    pub(super) error: Option<String>,
}

impl InFlight {
    pub(super) fn done(&self) -> bool {
        self.env.is_none()
            || (self.printed_records == self.batch.len()
                && (self.error.is_some() || self.handled == self.batch.len()))
    }
}

impl Lambda {
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
        // An enabled mapping is one of its shard's readers even while it
        // waits to retry a batch (the Streams guide's two-reader limit).
        let reading = self.mapping.as_ref().filter(|m| m.enabled);
        if let Some(cursor) = reading.and_then(|m| m.cursor.as_ref()) {
            dynamodb.keep_reader(cursor, now_ms);
        }
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
        // Lambda reads the stream as the function's execution role.
        let stream = match &mapping.cursor {
            Some(cursor) => Some(cursor.stream_arn.clone()),
            None => dynamodb.latest_stream_arn(LAB_TABLE),
        };
        if stream.is_some_and(|arn| !self.role.can_read_stream(&arn)) {
            mapping.last_result = ProcessingResult::CannotReadStream;
            return;
        }
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
            printed_records: 0,
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
            may_call_collection: self.role.can_call_collection(),
            printed: python::EVENT_REPR_OPEN.to_owned(),
            handled: 0,
            t: 2,
            lines: Vec::new(),
            outcomes: Vec::new(),
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
            while budget > 0 && run.printed_records < run.batch.len() {
                if run.printed_records > 0 {
                    run.printed.push_str(", ");
                }
                // Straight from the record's items: its JSON would cost a
                // map per list element, under the simulator's lock.
                python::write_stream_record(&run.batch[run.printed_records], &mut run.printed);
                run.printed_records += 1;
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
        // Records after a crash (or all of them, when the handler failed
        // before its first) were never reached.
        let mut records = run.outcomes;
        for record in &run.batch[records.len().min(run.batch.len())..] {
            records.push(InvocationRecord {
                event_id: record.event_id.clone(),
                outcome: HandlerOutcome::NotReached,
                status: None,
                document_id: None,
            });
        }
        self.invocations.push(Invocation {
            request_id,
            time_ms: now_ms,
            log_stream: run.log_stream,
            records,
            cold_start: cold,
            error,
            attempt: run.attempt,
        });
        self.settle(&run.mapping_uuid, run.next, run.full, ok, now_ms);
    }
}
