//! The ground-truth timeline (`GET /_labsim/events?after=N`): every hop a
//! change takes, from the API request through the table, its stream, the
//! Lambda and the collection until search sees it, plus setup changes and
//! injected faults, as typed [`lab_model::timeline`] events.
//!
//! Each event is recorded once, right after the step that made it happen
//! (a request answered, a slice of the Lambda poller's work), from the
//! simulator's own structured records: nothing is read back from log text,
//! and nothing is rebuilt on a read. The events go into a [`SharedTimeline`]
//! that readers page through by sequence number; a server keeps a handle to
//! it and serves reads without taking the simulator's lock.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::sync::{Arc, RwLock};

use lab_model::timeline::{
    ApiRequest, ChangeKind, FaultInjected, IndexResult, IndexWrite, InvocationResult,
    LambdaInvocation, LogLine, RecordOutcome, Searchable, SetupChange, StreamRecord, TableWrite,
    TimelineEntry, TimelineEvent, TimelinePage,
};
use serde_json::Value;

use crate::dynamodb::{AttributeValue, EventName, Item, WriteEvent, WriteOp};
use crate::faults::FaultEvent;
use crate::lambda::{Invocation, LogStore};
use crate::opensearch::{Collection, TimelineAction};
use crate::setup::LabSetup;
use crate::ApiRequestEvent;

/// The most events one read returns, and how many it returns unless asked.
pub const MAX_PAGE: usize = 10_000;
pub const DEFAULT_PAGE: usize = 1_000;
/// About how much JSON one page may carry.
pub const PAGE_BYTES: usize = 4 << 20;

/// An event's JSON size, roughly: what grows is log text and batches.
fn approximate_size(event: &TimelineEvent) -> usize {
    match event {
        TimelineEvent::LogLine(line) => 256 + line.message.len(),
        TimelineEvent::LambdaInvocation(inv) => {
            512 + inv.records.len() * 256 + inv.error.as_ref().map_or(0, String::len)
        }
        _ => 512,
    }
}

/// The query of `GET /_labsim/events`: `after` (a `seq`, default 0) and
/// `limit` (1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: u64,
    pub limit: usize,
}

/// A query `GET /_labsim/events` cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageRequestError {
    #[error("after must be the seq of an event already read (a whole number, 0 for the start), not {0:?}")]
    BadAfter(String),
    #[error("limit must be a whole number from 1 to {MAX_PAGE}, not {0:?}")]
    BadLimit(String),
}

impl PageRequest {
    pub fn parse(query: &str) -> Result<Self, PageRequestError> {
        let mut page = PageRequest {
            after: 0,
            limit: DEFAULT_PAGE,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let shown = || value.chars().take(40).collect::<String>();
            match &*key {
                "after" => {
                    page.after = value
                        .parse()
                        .map_err(|_| PageRequestError::BadAfter(shown()))?
                }
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE).contains(n))
                        .ok_or_else(|| PageRequestError::BadLimit(shown()))?
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

/// A page of the timeline whose events are still shared with it; it
/// serialises exactly as a [`TimelinePage`].
#[derive(Debug, Clone)]
pub struct SharedPage {
    pub events: Vec<Arc<TimelineEntry>>,
    pub next: u64,
    pub more: bool,
}

impl serde::Serialize for SharedPage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let events: Vec<&TimelineEntry> = self.events.iter().map(|e| &**e).collect();
        let mut page = serializer.serialize_struct("TimelinePage", 3)?;
        page.serialize_field("events", &events)?;
        page.serialize_field("next", &self.next)?;
        page.serialize_field("more", &self.more)?;
        page.end()
    }
}

/// The recorded events, shared between the simulator (which appends) and
/// any reader (which pages). Cloning the handle shares the log.
#[derive(Debug, Clone, Default)]
pub struct SharedTimeline(Arc<RwLock<Log>>);

#[derive(Debug, Default)]
struct Log {
    /// In `seq` order, without gaps since the last reset. Shared, so that a
    /// read holds the lock only to count references, never to copy text:
    /// the simulator waits for that lock to record each step.
    entries: Vec<Arc<TimelineEntry>>,
    /// The `seq` the next event gets.
    next_seq: u64,
}

impl SharedTimeline {
    /// The events after `after` (a `seq` a reader saw, 0 for the start), at
    /// most `limit` of them.
    pub fn page(&self, after: u64, limit: usize) -> TimelinePage {
        let page = self.shared_page(after, limit);
        TimelinePage {
            events: page.events.iter().map(|e| (**e).clone()).collect(),
            next: page.next,
            more: page.more,
        }
    }

    /// [`SharedTimeline::page`] without copying the events: what a server
    /// serialises once the lock is released.
    pub fn shared_page(&self, after: u64, limit: usize) -> SharedPage {
        let log = self.0.read().unwrap_or_else(|e| e.into_inner());
        let start = log.entries.partition_point(|e| e.seq <= after);
        let limit = limit.clamp(1, MAX_PAGE);
        let mut end = (start + limit).min(log.entries.len());
        // A page also stops at about PAGE_BYTES of JSON (one event at least):
        // a batch's printed event can make one log line a megabyte.
        let mut bytes = 0;
        for (i, entry) in log.entries[start..end].iter().enumerate() {
            bytes += approximate_size(&entry.event);
            if bytes > PAGE_BYTES && i > 0 {
                end = start + i;
                break;
            }
        }
        let events = log.entries[start..end].to_vec();
        SharedPage {
            next: events.last().map_or(after, |e| e.seq),
            more: end < log.entries.len(),
            events,
        }
    }

    /// How many events are held (since the last reset).
    pub fn len(&self) -> usize {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `seq` of the newest event (0 before the first): it grows with
    /// every event recorded, over resets too, so a host can tell cheaply
    /// that something happened.
    pub fn last_seq(&self) -> u64 {
        self.0.read().unwrap_or_else(|e| e.into_inner()).next_seq
    }

    fn push_all(&self, events: Vec<(i64, TimelineEvent)>) {
        if events.is_empty() {
            return;
        }
        let mut log = self.0.write().unwrap_or_else(|e| e.into_inner());
        for (time_ms, event) in events {
            log.next_seq += 1;
            let seq = log.next_seq;
            log.entries.push(Arc::new(TimelineEntry {
                seq,
                time_ms,
                event,
            }));
        }
    }

    /// Empties the log after a reset; numbering goes on, so a reader's
    /// cursor stays meaningful.
    fn clear(&self) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .clear();
    }

    /// An independent copy (a cloned simulator must not write into the
    /// original's timeline; a restored one gets a log of its own too).
    fn deep_copy(&self) -> Self {
        let log = self.0.read().unwrap_or_else(|e| e.into_inner());
        SharedTimeline(Arc::new(RwLock::new(Log {
            entries: log.entries.clone(),
            next_seq: log.next_seq,
        })))
    }
}

/// The log as a snapshot writes it: every entry and the next number.
#[derive(serde::Serialize, serde::Deserialize)]
struct WrittenLog<E> {
    entries: Vec<E>,
    next_seq: u64,
}

impl serde::Serialize for SharedTimeline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let log = self.0.read().unwrap_or_else(|e| e.into_inner());
        WrittenLog {
            entries: log.entries.iter().map(|e| &**e).collect(),
            next_seq: log.next_seq,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for SharedTimeline {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let written = WrittenLog::<TimelineEntry>::deserialize(deserializer)?;
        Ok(SharedTimeline(Arc::new(RwLock::new(Log {
            entries: written.entries.into_iter().map(Arc::new).collect(),
            next_seq: written.next_seq,
        }))))
    }
}

/// What the simulator has, to record from: each source only grows between
/// resets, so the recorder keeps a watermark per source.
pub(crate) struct Sources<'a> {
    pub faults: &'a [FaultEvent],
    pub api: &'a [ApiRequestEvent],
    pub writes: &'a [WriteEvent],
    pub invocations: &'a [Invocation],
    pub logs: &'a LogStore,
    pub collection: &'a Collection,
    pub setup: LabSetup,
}

/// Turns what each step added to the simulator's records into timeline
/// events. A snapshot writes it whole: the events and how far each source
/// was recorded.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Recorder {
    shared: SharedTimeline,
    faults_seen: usize,
    api_seen: usize,
    writes_seen: usize,
    invocations_seen: usize,
    index_seen: usize,
    /// Log lines seen, per (group, stream) position.
    #[serde(with = "crate::snapshot::pairs")]
    log_lines_seen: BTreeMap<(usize, usize), usize>,
    /// The invocation each log stream is inside (between its START and
    /// REPORT lines).
    log_request: BTreeMap<String, String>,
    /// Stream records by event id, for the invocations that read them.
    records: BTreeMap<String, (ChangeKind, String, Option<String>)>,
    /// Index writes not searchable yet: (searchable at, entry position).
    #[serde(serialize_with = "crate::snapshot::heap_in_order")]
    pending: BinaryHeap<Reverse<(i64, usize)>>,
    /// The setup as last seen, as JSON fields.
    setup: Option<BTreeMap<String, Value>>,
}

impl Clone for Recorder {
    fn clone(&self) -> Self {
        Recorder {
            shared: self.shared.deep_copy(),
            faults_seen: self.faults_seen,
            api_seen: self.api_seen,
            writes_seen: self.writes_seen,
            invocations_seen: self.invocations_seen,
            index_seen: self.index_seen,
            log_lines_seen: self.log_lines_seen.clone(),
            log_request: self.log_request.clone(),
            records: self.records.clone(),
            pending: self.pending.clone(),
            setup: self.setup.clone(),
        }
    }
}

impl Recorder {
    /// A handle to the recorded events.
    pub fn shared(&self) -> &SharedTimeline {
        &self.shared
    }

    /// Takes over `previous`'s log after a reset: its events are dropped
    /// (a `reset` event says so) and numbering goes on, so handles held by
    /// readers keep working. What this recorder recorded so far follows.
    pub(crate) fn continue_after_reset(&mut self, previous: SharedTimeline, now_ms: i64) {
        let mine = std::mem::replace(&mut self.shared, previous);
        let recorded: Vec<(i64, TimelineEvent)> = mine
            .page(0, MAX_PAGE)
            .events
            .into_iter()
            .map(|e| (e.time_ms, e.event))
            .collect();
        self.shared.clear();
        self.shared.push_all(vec![(now_ms, TimelineEvent::Reset)]);
        self.shared.push_all(recorded);
    }

    /// Records whatever the sources gained since the last call, and the
    /// index writes that became searchable by `now_ms`.
    pub(crate) fn record(&mut self, src: Sources<'_>, now_ms: i64) {
        let mut out = Vec::new();
        self.record_setup(src.setup, now_ms, &mut out);
        for f in unseen(src.faults, &mut self.faults_seen) {
            out.push((f.time_ms, fault_event(f)));
        }
        // Items the API's integration wrote in this step: the table write
        // seen in the same step under that id is the API's.
        let mut api_items = HashSet::new();
        for a in unseen(src.api, &mut self.api_seen) {
            // The integration writes the item under the request id.
            let wrote = a.method == "POST" && a.status == 200 && a.integration_error.is_none();
            if wrote {
                api_items.insert(a.request_id.clone());
            }
            out.push((
                a.time_ms,
                TimelineEvent::ApiRequest(ApiRequest {
                    request_id: a.request_id.clone(),
                    request_id_origin: a.request_id_origin,
                    method: a.method.clone(),
                    path: a.path.clone(),
                    status: a.status,
                    error_type: a.error_type.clone(),
                    integration_error: a.integration_error.clone(),
                    item_id: wrote.then(|| a.request_id.clone()),
                }),
            ));
        }
        for w in unseen(src.writes, &mut self.writes_seen) {
            self.record_write(w, &api_items, &mut out);
        }
        for inv in unseen(src.invocations, &mut self.invocations_seen) {
            out.push((inv.time_ms, self.invocation_event(inv)));
        }
        self.record_log_lines(src.logs, &mut out);
        self.record_index_writes(src.collection, &mut out);
        while let Some(Reverse((at, position))) = self.pending.peek().copied() {
            if at > now_ms {
                break;
            }
            self.pending.pop();
            if let Some(entry) = src.collection.timeline().get(position) {
                out.push((
                    at,
                    TimelineEvent::Searchable(Searchable {
                        index: entry.index.clone(),
                        document_id: entry.id.clone(),
                        result: index_result(entry.action),
                        source_id: source_id(src.collection, entry),
                        written_at_ms: entry.written_at_ms,
                    }),
                ));
            }
        }
        self.shared.push_all(out);
    }

    fn record_setup(&mut self, setup: LabSetup, now_ms: i64, out: &mut Vec<(i64, TimelineEvent)>) {
        let Ok(Value::Object(now)) = serde_json::to_value(&setup) else {
            return;
        };
        let now: BTreeMap<String, Value> = now.into_iter().collect();
        if let Some(before) = &self.setup {
            for (field, to) in &now {
                let from = before.get(field).cloned().unwrap_or(Value::Null);
                if &from != to {
                    out.push((
                        now_ms,
                        TimelineEvent::SetupChange(SetupChange {
                            field: field.clone(),
                            from,
                            to: to.clone(),
                        }),
                    ));
                }
            }
        }
        self.setup = Some(now);
    }

    fn record_write(
        &mut self,
        w: &WriteEvent,
        api_items: &HashSet<String>,
        out: &mut Vec<(i64, TimelineEvent)>,
    ) {
        let key = key_id(&w.keys);
        let change = w.change.map(change_kind);
        out.push((
            w.time_ms,
            TimelineEvent::TableWrite(TableWrite {
                table: w.table.clone(),
                operation: w.operation.as_str().to_owned(),
                key_id: key.clone(),
                changed: w.change.is_some(),
                event_name: change,
                sequence_number: w.record.as_ref().map(|r| r.sequence_number.clone()),
                api_request_id: key
                    .clone()
                    .filter(|k| w.operation == WriteOp::PutItem && api_items.contains(k)),
            }),
        ));
        if let (Some(record), Some(change)) = (&w.record, change) {
            self.records.insert(
                record.event_id.clone(),
                (change, record.sequence_number.clone(), key.clone()),
            );
            out.push((
                w.time_ms,
                TimelineEvent::StreamRecord(StreamRecord {
                    event_name: change,
                    event_id: record.event_id.clone(),
                    sequence_number: record.sequence_number.clone(),
                    shard_id: record.shard_id.clone(),
                    stream_arn: record.stream_arn.clone(),
                    key_id: key,
                }),
            ));
        }
    }

    fn invocation_event(&self, inv: &Invocation) -> TimelineEvent {
        let records = inv
            .records
            .iter()
            .map(|r| {
                let known = self.records.get(&r.event_id);
                RecordOutcome {
                    event_id: r.event_id.clone(),
                    event_name: known.map(|k| k.0),
                    sequence_number: known.map(|k| k.1.clone()),
                    key_id: known.and_then(|k| k.2.clone()),
                    outcome: r.outcome,
                    status: r.status,
                    document_id: r.document_id.clone(),
                }
            })
            .collect();
        TimelineEvent::LambdaInvocation(LambdaInvocation {
            request_id: inv.request_id.clone(),
            attempt: inv.attempt,
            iterator_age_ms: inv.iterator_age_ms,
            cold_start: inv.cold_start,
            log_stream: inv.log_stream.clone(),
            result: if inv.error.is_none() {
                InvocationResult::Ok
            } else {
                InvocationResult::Failed
            },
            error: inv.error.clone(),
            records,
        })
    }

    /// New log lines, each tied to the invocation whose START line came
    /// before it in the same log stream.
    fn record_log_lines(&mut self, logs: &LogStore, out: &mut Vec<(i64, TimelineEvent)>) {
        for (g, group) in logs.groups().iter().enumerate() {
            for (s, stream) in group.streams.iter().enumerate() {
                let seen = self.log_lines_seen.entry((g, s)).or_default();
                for event in unseen(&stream.events, seen) {
                    let message = event.message.trim_end_matches('\n');
                    if let Some(id) = message.strip_prefix("START RequestId: ") {
                        let id = id.split(' ').next().unwrap_or_default();
                        self.log_request.insert(stream.name.clone(), id.to_owned());
                    }
                    let request_id = self.log_request.get(&stream.name).cloned();
                    if message.starts_with("REPORT RequestId: ") {
                        self.log_request.remove(&stream.name);
                    }
                    out.push((
                        event.timestamp,
                        TimelineEvent::LogLine(LogLine {
                            log_group: group.name.clone(),
                            log_stream: stream.name.clone(),
                            request_id,
                            message: message.to_owned(),
                            ingestion_ms: event.ingestion_time,
                        }),
                    ));
                }
            }
        }
    }

    fn record_index_writes(
        &mut self,
        collection: &Collection,
        out: &mut Vec<(i64, TimelineEvent)>,
    ) {
        let entries = collection.timeline();
        let first = if entries.len() < self.index_seen {
            0
        } else {
            self.index_seen
        };
        for (i, entry) in unseen(entries, &mut self.index_seen).iter().enumerate() {
            let position = first + i;
            out.push((
                entry.written_at_ms,
                TimelineEvent::IndexWrite(IndexWrite {
                    index: entry.index.clone(),
                    document_id: entry.id.clone(),
                    result: index_result(entry.action),
                    version: entry.version,
                    source_id: source_id(collection, entry),
                    searchable_at_ms: entry.searchable_at_ms,
                }),
            ));
            self.pending
                .push(Reverse((entry.searchable_at_ms, position)));
        }
    }
}

/// What `items` gained since `seen` items were recorded, moving `seen` on.
/// Each source only grows; one that shrank was replaced, so all of it is new.
fn unseen<'a, T>(items: &'a [T], seen: &mut usize) -> &'a [T] {
    if items.len() < *seen {
        *seen = 0;
    }
    let new = &items[*seen..];
    *seen = items.len();
    new
}

fn fault_event(f: &FaultEvent) -> TimelineEvent {
    TimelineEvent::FaultInjected(FaultInjected {
        fault_id: f.rule_id,
        service: f.service,
        fault: f.fault.to_owned(),
        operation: f.operation.clone(),
        method: f.method.clone(),
        path: f.path.clone(),
        status: f.status,
        delay_ms: f.delay_ms,
    })
}

fn change_kind(name: EventName) -> ChangeKind {
    match name {
        EventName::Insert => ChangeKind::Insert,
        EventName::Modify => ChangeKind::Modify,
        EventName::Remove => ChangeKind::Remove,
    }
}

fn index_result(action: TimelineAction) -> IndexResult {
    match action {
        TimelineAction::Created => IndexResult::Created,
        TimelineAction::Updated => IndexResult::Updated,
        TimelineAction::Deleted => IndexResult::Deleted,
    }
}

/// The document's `_source.id` at that version (the item it came from).
fn source_id(collection: &Collection, entry: &crate::opensearch::TimelineEntry) -> Option<String> {
    collection
        .source_of_version(&entry.index, &entry.id, entry.version)
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
}

/// The key id of an item: its `id` string, or else its first string key.
fn key_id(keys: &Item) -> Option<String> {
    let s = |v: &AttributeValue| match v {
        AttributeValue::S(s) => Some(s.clone()),
        _ => None,
    };
    keys.get(crate::dynamodb::LAB_TABLE_KEY)
        .and_then(s)
        .or_else(|| keys.values().find_map(s))
}

#[cfg(test)]
mod tests;
