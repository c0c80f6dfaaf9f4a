//! The event source mapping (the trigger): its states over time, and its
//! poller, which reads `lab-table`'s stream a batch at a time while the
//! mapping is `Enabled`, invokes the function with it, logs the run as the
//! runtime would, and moves on or retries the same batch.
//!
//! A tick is done in steps ([`Lambda::tick_start`], then
//! [`Lambda::tick_continue`] until it says `false`) so a server can answer
//! requests in between; an invocation under way ([`InFlight`]) keeps the
//! poll's time, so the outcome is the same as one tick done at once.

use super::handler::{handle_record, read_environment, HandlerEnv};
use super::runtime::{Centis, Crash, Report, UNHANDLED_EXCEPTION_WARNING};
use super::{
    python, Environment, HandlerKind, HandlerOutcome, Invocation, InvocationRecord, Lambda,
    ProcessingResult, BATCH_SIZE, ENVIRONMENT_IDLE_MS, LOG_GROUP, MAX_BATCHES_PER_TICK,
    POLL_INTERVAL_MS, RETRY_BASE_MS, RETRY_CAP_MS,
};
use crate::dynamodb::{DynamoDb, StartingPosition, StreamCursor, StreamRecord, LAB_TABLE};
use crate::opensearch::Collection;
use crate::time;

/// How long a state change of the mapping takes (`Creating`, `Enabling`,
/// `Disabling`, `Updating`, `Deleting`) before it settles. AWS documents no
/// figure, only that the change is not immediate ("might not be completely
/// deleted for several seconds", DeleteEventSourceMapping); a few seconds
/// is what one sees in the console, so labsim takes 3 s for each.
pub const STATE_TRANSITION_MS: i64 = 3_000;

/// `StateTransitionReason` while a change the user asked for is under way,
/// and once the mapping has settled (AWS's own answers show both).
const REASON_IN_TRANSITION: &str = "USER_INITIATED";
const REASON_SETTLED: &str = "User action";

/// The mapping's `State`, as the Lambda API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MappingState {
    Creating,
    Enabling,
    Enabled,
    Disabling,
    Disabled,
    Updating,
    Deleting,
}

impl MappingState {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingState::Creating => "Creating",
            MappingState::Enabling => "Enabling",
            MappingState::Enabled => "Enabled",
            MappingState::Disabling => "Disabling",
            MappingState::Disabled => "Disabled",
            MappingState::Updating => "Updating",
            MappingState::Deleting => "Deleting",
        }
    }
}

/// A change the mapping refuses because another is under way (Lambda's
/// `ResourceInUseException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event source mapping {uuid} is {} and takes no change until it settles", state.as_str())]
pub struct MappingBusy {
    pub uuid: String,
    pub state: MappingState,
}

/// The trigger.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EventSourceMapping {
    pub uuid: String,
    pub created_ms: i64,
    /// What the user last asked for (`Enabled` of Create- and
    /// UpdateEventSourceMapping): the state it is in or heading for.
    pub enabled: bool,
    /// A change under way and when it settles; `None` once settled.
    transition: Option<(MappingState, i64)>,
    /// The stream it reads (known when it was created, else found at the
    /// first poll).
    pub stream_arn: Option<String>,
    /// Where it starts reading: LATEST (as the console's trigger does) or
    /// TRIM_HORIZON.
    pub starting_position: StartingPosition,
    /// Set once polling starts (at its starting position at that moment).
    pub cursor: Option<StreamCursor>,
    pub batch_size: usize,
    pub last_result: ProcessingResult,
    pub last_modified_ms: i64,
    next_poll_ms: i64,
    /// Failed attempts at the current batch.
    pub failed_attempts: u32,
    /// The failed batch under retry, if the last batch failed.
    retry: Option<Retry>,
}

/// A failed batch, so that its retry reads the same records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Retry {
    /// Its first record's sequence number.
    first_sequence: String,
    /// How many records it holds.
    len: usize,
}

impl Retry {
    fn of(batch: &[StreamRecord]) -> Self {
        Retry {
            first_sequence: batch
                .first()
                .map(|r| r.sequence_number.clone())
                .unwrap_or_default(),
            len: batch.len(),
        }
    }
}

impl EventSourceMapping {
    /// A mapping that was set up before the simulator started: already
    /// `Enabled` (or `Disabled`), starting at LATEST once it first polls.
    pub(super) fn settled(uuid: String, enabled: bool, now_ms: i64) -> Self {
        EventSourceMapping {
            uuid,
            created_ms: now_ms,
            enabled,
            transition: None,
            stream_arn: None,
            starting_position: StartingPosition::Latest,
            cursor: None,
            batch_size: BATCH_SIZE,
            last_result: ProcessingResult::NoRecords,
            last_modified_ms: now_ms,
            next_poll_ms: now_ms,
            failed_attempts: 0,
            retry: None,
        }
    }

    /// A mapping just created on `stream_arn`: `Creating` for a while, then
    /// `Enabled` or `Disabled`.
    pub(super) fn created(
        uuid: String,
        stream_arn: Option<String>,
        enabled: bool,
        now_ms: i64,
    ) -> Self {
        EventSourceMapping {
            transition: Some((MappingState::Creating, now_ms + STATE_TRANSITION_MS)),
            stream_arn,
            ..EventSourceMapping::settled(uuid, enabled, now_ms)
        }
    }

    /// The `State` at `now_ms`.
    pub fn state(&self, now_ms: i64) -> MappingState {
        match self.transition {
            Some((state, until)) if now_ms < until => state,
            Some((MappingState::Deleting, _)) => MappingState::Deleting,
            _ if self.enabled => MappingState::Enabled,
            _ => MappingState::Disabled,
        }
    }

    /// `StateTransitionReason` at `now_ms`.
    pub fn state_transition_reason(&self, now_ms: i64) -> &'static str {
        match self.transition {
            Some((_, until)) if now_ms < until => REASON_IN_TRANSITION,
            _ => REASON_SETTLED,
        }
    }

    /// Whether a deletion has run its course: the mapping is gone.
    pub fn is_deleted(&self, now_ms: i64) -> bool {
        matches!(self.transition, Some((MappingState::Deleting, until)) if now_ms >= until)
    }

    /// Whether it is being deleted or gone.
    pub fn is_deleting(&self) -> bool {
        matches!(self.transition, Some((MappingState::Deleting, _)))
    }

    /// Refuses a change while another is under way, as Lambda does.
    pub(super) fn ensure_settled(&self, now_ms: i64) -> Result<(), MappingBusy> {
        let state = self.state(now_ms);
        match state {
            MappingState::Enabled | MappingState::Disabled => Ok(()),
            _ => Err(MappingBusy {
                uuid: self.uuid.clone(),
                state,
            }),
        }
    }

    /// UpdateEventSourceMapping: `enabled` (if given and new) switches it
    /// through `Enabling`/`Disabling`; any other update goes through
    /// `Updating` back to the state it was in. Pausing keeps its place in the stream,
    /// so records written meanwhile are processed once it is back on; a
    /// change forgets the failures of the batch under way and polls as
    /// soon as it settles.
    pub(super) fn update(&mut self, enabled: Option<bool>, now_ms: i64) -> Result<(), MappingBusy> {
        self.ensure_settled(now_ms)?;
        let until = now_ms + STATE_TRANSITION_MS;
        let state = match enabled {
            Some(true) if !self.enabled => MappingState::Enabling,
            Some(false) if self.enabled => MappingState::Disabling,
            _ => MappingState::Updating,
        };
        if let Some(enabled) = enabled {
            self.enabled = enabled;
        }
        self.transition = Some((state, until));
        self.last_modified_ms = now_ms;
        self.next_poll_ms = until;
        self.failed_attempts = 0;
        self.retry = None;
        Ok(())
    }

    /// DeleteEventSourceMapping: `Deleting` for a while, then gone.
    pub(super) fn delete(&mut self, now_ms: i64) -> Result<(), MappingBusy> {
        self.ensure_settled(now_ms)?;
        self.transition = Some((MappingState::Deleting, now_ms + STATE_TRANSITION_MS));
        self.last_modified_ms = now_ms;
        Ok(())
    }

    /// Brings the retry of a failed batch forward to the next poll after
    /// `now_ms` (the function changed: its next attempt may succeed). The
    /// attempts so far still count for the back-off should it fail again.
    pub(super) fn retry_soon(&mut self, now_ms: i64) {
        if self.retry.is_some() {
            self.next_poll_ms = self.next_poll_ms.min(now_ms + POLL_INTERVAL_MS);
        }
    }

    /// Whether it reads the stream at `now_ms`: only while `Enabled`.
    fn polls(&self, now_ms: i64) -> bool {
        self.state(now_ms) == MappingState::Enabled && now_ms >= self.next_poll_ms
    }
}

/// An invocation under way: the handler prints the event, then handles its
/// records one by one, then the run is logged and the mapping moves on.
/// Everything it does is dated at the poll's time, however many steps it
/// takes, so the result is the same as running it at once.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// The code and what it read from the environment variables it
    /// started with (an update does not change a running invocation). A
    /// variable missing: it fails at once, with that `KeyError`.
    pub(super) handler: HandlerKind,
    pub(super) env: Result<HandlerEnv, Crash>,
    /// The function's `RevisionId` when it started: a change made while
    /// it ran brings the retry of its batch forward all the same.
    pub(super) revision_id: String,
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
    pub(super) error: Option<Crash>,
}

impl InFlight {
    pub(super) fn done(&self) -> bool {
        self.env.is_err()
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
        let reading = self
            .mapping
            .as_ref()
            .filter(|m| m.state(now_ms) == MappingState::Enabled);
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
            if self.mapping.as_ref().is_some_and(|m| m.is_deleted(now_ms)) {
                self.mapping = None;
            }
            let due = self.mapping.as_ref().is_some_and(|m| m.polls(now_ms));
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
            let Some(arn) = mapping
                .stream_arn
                .clone()
                .or_else(|| dynamodb.latest_stream_arn(LAB_TABLE))
            else {
                return;
            };
            mapping.stream_arn = Some(arn.clone());
            match dynamodb.stream_cursor(&arn, mapping.starting_position, now_ms) {
                Ok(cursor) => mapping.cursor = Some(cursor),
                Err(_) => return,
            }
        }
        let Some(cursor) = mapping.cursor.as_ref() else {
            return;
        };
        // A failed batch is retried as it was: the same records, no more.
        let limit = mapping.retry.as_ref().map_or(mapping.batch_size, |r| r.len);
        let mut next = cursor.clone();
        let Ok(mut batch) = dynamodb.read_stream(&mut next, limit, now_ms) else {
            return;
        };
        let head = batch.first().map(|r| r.sequence_number.as_str());
        if mapping
            .retry
            .as_ref()
            .is_some_and(|r| head != Some(r.first_sequence.as_str()))
        {
            // The failed batch's first record is gone: the stream trimmed
            // it after 24 hours, which (MaximumRecordAgeInSeconds -1) is
            // when Lambda stops retrying. What is left is a new batch.
            mapping.retry = None;
            mapping.failed_attempts = 0;
            next = cursor.clone();
            let Ok(fresh) = dynamodb.read_stream(&mut next, mapping.batch_size, now_ms) else {
                return;
            };
            batch = fresh;
        }
        let full = batch.len() == mapping.batch_size;
        if batch.is_empty() {
            return;
        }
        let attempt = mapping.failed_attempts;
        let uuid = mapping.uuid.clone();
        if !self.setup.function_exists {
            let failed = Retry::of(&batch);
            self.settle(&uuid, next, full, Err(failed), now_ms, now_ms);
            return;
        }
        self.in_flight = Some(self.begin(uuid, next, full, attempt, now_ms, batch));
    }

    /// Moves the mapping `uuid` on after a batch read at `now_ms` (`Ok`),
    /// or schedules the retry of the `Err` batch, counting its back-off
    /// from `ended_ms`, when the failed invocation ended (a retry never
    /// starts before the failed run is over).
    fn settle(
        &mut self,
        uuid: &str,
        next: StreamCursor,
        full: bool,
        outcome: Result<(), Retry>,
        now_ms: i64,
        ended_ms: i64,
    ) {
        let Some(mapping) = self.mapping.as_mut().filter(|m| m.uuid == uuid) else {
            return;
        };
        if let Err(failed) = outcome {
            mapping.failed_attempts += 1;
            mapping.retry = Some(failed);
            mapping.last_result = ProcessingResult::FunctionCallFailed;
            let shift = (mapping.failed_attempts - 1).min(16);
            let delay = (RETRY_BASE_MS << shift).min(RETRY_CAP_MS);
            mapping.next_poll_ms = ended_ms.max(now_ms) + delay;
        } else {
            mapping.cursor = Some(next);
            mapping.failed_attempts = 0;
            mapping.retry = None;
            mapping.last_result = ProcessingResult::Ok;
            // One invocation at a time per shard: the next batch is read
            // once this run is over, at once when more records wait (a
            // full batch), else after the poll interval.
            mapping.next_poll_ms = if full {
                ended_ms.max(now_ms)
            } else {
                mapping.next_poll_ms.max(ended_ms)
            };
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
        // A configuration update done since the last run: a new version,
        // so a new execution environment.
        self.settle_update(now_ms);
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
            revision_id: self.revision_id.clone(),
            env: read_environment(self.variables_at(now_ms), &self.region),
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
        if run.env.is_ok() {
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
        // (ms into the run, the log event as written).
        let mut events: Vec<(i64, String)> = Vec::new();
        if cold {
            events.push((
                0,
                format!(
                    "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {}\n",
                    self.runtime_version_arn()
                ),
            ));
        }
        let start = init_ms;
        events.push((
            start,
            format!("START RequestId: {request_id} Version: $LATEST\n"),
        ));
        let (run_lines, elapsed_ms, crash) = if let Err(crash) = &run.env {
            (Vec::new(), 1, Some(crash.clone()))
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
            events.push((start + at, format!("{line}\n")));
        }
        let end = start + elapsed_ms;
        let error = crash.as_ref().map(Crash::error_event);
        if let Some(error) = &error {
            // The runtime's warning first (as written, no newline), then
            // the exception and its traceback as one event.
            events.push((end, UNHANDLED_EXCEPTION_WARNING.to_owned()));
            events.push((end, error.clone()));
        }
        let duration = Centis(elapsed_ms * 100 + (self.rng.next_u64() % 100) as i64);
        let max_memory_used_mb = 70 + (self.rng.next_u64() % 12) as u32;
        let init = cold.then(|| Centis(init_ms * 100 + (self.rng.next_u64() % 100) as i64));
        events.push((end, format!("END RequestId: {request_id}\n")));
        let report = Report {
            request_id: &request_id,
            duration,
            init,
            memory_size_mb: 128,
            max_memory_used_mb,
        };
        events.push((end, format!("{}\n", report.line())));
        for (at, message) in events {
            let timestamp = now_ms + at;
            let ingestion = timestamp + 100 + (self.rng.next_u64() % 400) as i64;
            self.logs
                .put(LOG_GROUP, &run.log_stream, timestamp, ingestion, &message);
        }
        if let Some(env) = self.environment.as_mut() {
            env.last_used_ms = now_ms + end;
        }
        let outcome = if error.is_none() {
            Ok(())
        } else {
            Err(Retry::of(&run.batch))
        };
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
            error: error.map(|e| e.trim_end_matches('\n').to_owned()),
            attempt: run.attempt,
            // Lambda's IteratorAge: the age of the batch's last record.
            iterator_age_ms: run
                .batch
                .last()
                .map_or(0, |r| (now_ms - r.created_ms).max(0)),
        });
        self.settle(
            &run.mapping_uuid,
            run.next,
            run.full,
            outcome,
            now_ms,
            now_ms + end,
        );
        if run.revision_id != self.revision_id {
            // Not before an update in progress is done: until then the
            // retry would get the same configuration.
            let from = (now_ms + end).max(self.configuration_from_ms());
            let uuid = run.mapping_uuid;
            if let Some(mapping) = self.mapping.as_mut().filter(|m| m.uuid == uuid) {
                mapping.retry_soon(from);
            }
        }
    }
}
