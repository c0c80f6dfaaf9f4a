//! Flows: each change to `lab-table` (INSERT, MODIFY, REMOVE) followed hop
//! by hop, API Gateway -> table -> stream -> Lambda -> collection, from
//! what labmate's pollers see on the learner's account ([`observe`]).
//!
//! A flow is correlated across hops by the ids the data carries: the API's
//! request id is the item's id; the stream record carries the item's key
//! and its `eventID`; the Lambda's printed event lists those `eventID`s and
//! its lines say what happened to each record, in order; the document's
//! `_source.id` is the item's id again. Each confirmed hop is a [`Stage`]
//! with its time and latency. [`Flows::check`] is each flow's small state
//! machine: in progress (waiting at a hop), complete, stuck with a typed
//! reason and its fix ([`Stuck`]), or not observable (the permission that
//! would show the hop). Changes labmate did not make become flows too;
//! holes in what the stream reader read are kept as [`Gap`]s.
//!
//! Pure: no I/O, time comes in as epoch milliseconds. The whole board
//! serialises to JSON (no credentials in it) for reload, export and import.

pub mod compare;
pub mod lambda_log;
pub mod observe;
mod stuck;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use compare::AttributeCompared;
pub use lab_model::timeline::ChangeKind;
use lambda_log::{Invocation, LambdaLog, PrintedRecord, RecordOutcome};
pub use observe::{
    ApiAnswer, ApiVerdict, DocumentHit, DocumentSearch, FunctionSetup, Image, LogEvent, LogEvents,
    NotObservable, Observation, ReadFrom, RolePolicies, StreamPage, StreamRecordSeen, StreamSetup,
    TableCall, TriggerSeen, WireError,
};
pub use stuck::Stuck;

/// How long after the write a stream record may take before the flow is
/// stuck ("near real time" in AWS's words; generous for polling).
pub const STREAM_WAIT_MS: i64 = 15_000;
/// How long after the stream record the Lambda may take (the trigger
/// polls four times a second; logs arrive within seconds).
pub const LAMBDA_WAIT_MS: i64 = 30_000;
/// How long search may lag the Lambda (the collection refreshes within
/// 10 to 60 s).
pub const DOCUMENT_WAIT_MS: i64 = 60_000;
/// A stream keeps a record 24 h; a record that crashes the handler blocks
/// its shard that long.
pub const RECORD_LIFETIME_MS: i64 = 24 * 3_600_000;
/// How far a stream record's time may sit before the time labmate dated a
/// send with and still be that send's: AWS's record time is whole seconds
/// (up to 1 s early), and a clock learned from AWS's skew message is only
/// good to its whole second (up to half a second late, taken as the
/// middle), so 1.5 s; 2 s leaves room for rounding. With 1 s, a record
/// read before its answer was handled became a second flow (seen in the
/// fault matrix's iterator-expiry test, run after a 16-minute skew).
const SEND_TO_RECORD_SLACK_MS: i64 = 2_000;
/// Longest log line kept in a flow (a printed event can be megabytes).
const LINE_KEPT_CHARS: usize = 16_000;

/// The five hops of the pipeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hop {
    Api,
    Table,
    Stream,
    Lambda,
    Collection,
}

impl Hop {
    pub const ALL: [Hop; 5] = [
        Hop::Api,
        Hop::Table,
        Hop::Stream,
        Hop::Lambda,
        Hop::Collection,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Hop::Api => "API Gateway",
            Hop::Table => lab_model::names::TABLE,
            Hop::Stream => "stream",
            Hop::Lambda => "Lambda",
            Hop::Collection => "OpenSearch",
        }
    }
}

/// A flow's number on the board, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlowId(pub u64);

/// Who made the change, and how labmate tied its answer to the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Sent by labmate; tied by the request id (the item's id).
    RequestId,
    /// Sent by labmate without a readable id; tied by name, type and time.
    Content,
    /// A DynamoDB call labmate made on a known key.
    Key,
    /// Made outside labmate (console, CLI): first seen on the stream or in
    /// the Lambda's log.
    Outside,
}

/// One hop a flow was seen to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub hop: Hop,
    /// AWS's time where it gives one (stream records: whole seconds, never
    /// before the previous stage), else when labmate saw it.
    pub at_ms: i64,
    /// Since the previous stage (for the first: since the request was sent).
    pub latency_ms: i64,
}

/// What labmate sent and what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub request_id: Option<String>,
    pub status: Option<u16>,
    pub body: Map<String, Value>,
    pub answer: String,
    pub sent_ms: i64,
    pub answered_ms: i64,
}

/// The stream record of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStage {
    pub event_id: String,
    pub sequence_number: Option<String>,
    pub shard_id: Option<String>,
    pub created_ms: i64,
    pub view_type: Option<String>,
    /// Known only from the Lambda's printed event (the reader never saw it).
    pub from_lambda_log: bool,
}

/// The Lambda's work on a flow's record (the latest attempt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaStage {
    pub request_id: String,
    pub log_stream: String,
    /// Invocations that got this record (retries of a failing batch).
    pub attempts: u32,
    pub outcome: RecordOutcome,
    pub duration_ms: f64,
    pub billed_ms: u64,
    /// The invocation's lines about this record: see
    /// [`lambda_log::Invocation::lines_for`].
    pub lines: Vec<LogEvent>,
    /// How many records the invocation's batch had.
    #[serde(default)]
    pub batch_size: usize,
}

/// The document search found (or found gone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentStage {
    /// `None` for a REMOVE: the search found no document any more.
    pub document_id: Option<String>,
    pub source: Option<Map<String, Value>>,
    /// A later change of the same item reached search first: this one's
    /// image was overwritten before search could show it.
    pub superseded_by: Option<FlowId>,
}

/// What a flow waits for while in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// The trigger is Creating, Enabling or Updating.
    TriggerEnabling { state: String },
    /// The collection makes writes searchable after 10 to 60 s.
    Refresh { since_ms: i64 },
    /// The Lambda is working through earlier records of the stream (a
    /// backlog: batches run one at a time per shard); its last run ended
    /// at `last_run_ms`.
    LambdaBusy { last_run_ms: i64 },
}

/// Where a flow is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowState {
    /// The next hop has not confirmed it yet.
    InProgress {
        next: Hop,
        waiting: Option<Waiting>,
    },
    Complete,
    Stuck {
        reason: Stuck,
    },
    /// The credentials cannot see the next hop.
    NotObservable {
        hop: Hop,
        permission: String,
    },
}

/// One change, followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub id: FlowId,
    pub change: ChangeKind,
    pub item_id: Option<String>,
    /// The item's `name`, where known.
    pub name: Option<String>,
    pub origin: Origin,
    pub started_ms: i64,
    pub stages: Vec<Stage>,
    pub sent: Option<Sent>,
    /// Why the API or the table refused the change (known from the answer).
    pub refused: Option<Stuck>,
    pub stream: Option<StreamStage>,
    pub lambda: Option<LambdaStage>,
    pub document: Option<DocumentStage>,
    /// When the collection was last searched for the item and did not
    /// show this change. Not saved: it changes with every search, and
    /// after a reload the next search (a second on) tells it again.
    #[serde(skip)]
    pub searched_ms: Option<i64>,
    /// The last image labmate saw for this key before the change (the
    /// stream carries only the new one).
    pub old_image: Option<Image>,
    pub new_image: Option<Image>,
    pub state: FlowState,
}

/// One attribute that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub attribute: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl Flow {
    fn new(id: FlowId, change: ChangeKind, origin: Origin, started_ms: i64) -> Flow {
        Flow {
            id,
            change,
            item_id: None,
            name: None,
            origin,
            started_ms,
            stages: Vec::new(),
            sent: None,
            refused: None,
            stream: None,
            lambda: None,
            document: None,
            searched_ms: None,
            old_image: None,
            new_image: None,
            state: FlowState::InProgress {
                next: Hop::Api,
                waiting: None,
            },
        }
    }

    /// Records that the flow reached `hop` at `at_ms` (once per hop). A
    /// hop confirmed late (the API's answer handled after the stream
    /// record) takes its place in order; no stage is dated before the one
    /// it follows.
    fn reach(&mut self, hop: Hop, at_ms: i64) {
        if self.stage(hop).is_some() {
            return;
        }
        self.stages.push(Stage {
            hop,
            at_ms,
            latency_ms: 0,
        });
        self.stages.sort_by_key(|s| s.hop);
        let mut before = self.started_ms;
        for stage in &mut self.stages {
            stage.at_ms = stage.at_ms.max(before);
            stage.latency_ms = stage.at_ms - before;
            before = stage.at_ms;
        }
    }

    pub fn stage(&self, hop: Hop) -> Option<&Stage> {
        self.stages.iter().find(|s| s.hop == hop)
    }

    /// The old/new diff, attribute by attribute.
    pub fn diff(&self) -> Vec<FieldChange> {
        let empty = Image::new();
        let old = self.old_image.as_ref().unwrap_or(&empty);
        let new = self.new_image.as_ref().unwrap_or(&empty);
        let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| old.get(*n) != new.get(*n))
            .map(|n| FieldChange {
                attribute: n.clone(),
                old: old.get(n).cloned(),
                new: new.get(n).cloned(),
            })
            .collect()
    }

    pub fn is_complete(&self) -> bool {
        self.state == FlowState::Complete
    }

    /// When the last confirmed hop was reached.
    fn last_at(&self) -> i64 {
        self.stages.last().map_or(self.started_ms, |s| s.at_ms)
    }

    /// The change's images; its name from the new one (a REMOVE's from
    /// the old).
    fn set_image(&mut self, image: Option<Image>, old: Option<Image>) {
        if let Some(name) = image
            .as_ref()
            .or(old.as_ref())
            .and_then(|i| observe::string_of(i, "name"))
        {
            self.name = Some(name.to_owned());
        }
        self.old_image = old;
        self.new_image = image;
    }

    /// The item as written, typed as DynamoDB writes it: the new image,
    /// else the strings of the body labmate sent (the API writes them as
    /// strings); `None` when neither is known.
    fn item_image(&self) -> Option<Cow<'_, Image>> {
        match (&self.new_image, &self.sent) {
            (Some(image), _) => Some(Cow::Borrowed(image)),
            (None, Some(sent)) => Some(Cow::Owned(
                sent.body
                    .iter()
                    .filter_map(|(k, v)| {
                        let text = v.as_str()?;
                        Some((k.clone(), serde_json::json!({ "S": text })))
                    })
                    .collect(),
            )),
            (None, None) => None,
        }
    }

    /// A document's `_source` compared with the item, attribute by
    /// attribute (a number attribute `{"N": "3"}` is the same as a
    /// document's `3`); empty when the item is not known.
    pub fn compare_document(&self, source: &Map<String, Value>) -> Vec<AttributeCompared> {
        self.item_image()
            .map(|image| compare::compare(&image, source))
            .unwrap_or_default()
    }

    /// Whether a document's `_source` shows this flow's item as written:
    /// every attribute the same, except that a handler may leave out the
    /// non-string ones it cannot index (never the strings, which all of
    /// them write).
    fn shown_by(&self, source: &Map<String, Value>) -> bool {
        let Some(image) = self.item_image() else {
            return false;
        };
        image.iter().all(|(name, typed)| match source.get(name) {
            Some(value) => compare::shows(typed, value),
            None => typed.get("S").is_none(),
        })
    }
}

/// Why the stream reader may have missed records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapCause {
    /// The reader restarted at LATEST after having read the shard.
    ReadFromLatest,
    /// The last position was trimmed: records older than 24 h are gone.
    Trimmed,
    /// A record came with a sequence number below one already read.
    OutOfOrder,
    /// The Lambda's printed event shows a record the reader passed over.
    MissedByReader,
}

/// A hole in what the stream reader read; the records around it are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub cause: GapCause,
    pub shard_id: Option<String>,
    /// The last sequence number read before the hole.
    pub after: Option<String>,
    /// The first read after it (or the record that revealed it).
    pub before: Option<String>,
    pub seen_ms: i64,
}

/// The record that crashes the handler and holds its shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Blocker {
    flow: FlowId,
    item: String,
    shard_id: Option<String>,
    sequence_number: Option<String>,
    expires_at_ms: i64,
}

/// Sequence numbers as numbers (AWS writes 21 to 40 digits).
pub fn sequence_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Every flow, and what the board needs to move them on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flows {
    flows: Vec<Flow>,
    next_id: u64,
    /// The last image seen per item id (the old side of the next diff).
    last_images: BTreeMap<String, Image>,
    /// The last sequence number read per shard.
    shards: BTreeMap<String, String>,
    gaps: Vec<Gap>,
    stream_setup: Option<StreamSetup>,
    trigger: Option<TriggerSeen>,
    function: Option<FunctionSetup>,
    /// The execution role's inline policies, when IAM lets them be read.
    #[serde(default)]
    role: Option<RolePolicies>,
    /// The last invocation, when it failed before printing its batch (the
    /// environment variables missing): every change waiting for the Lambda
    /// waits behind it.
    function_crash: Option<String>,
    not_observable: BTreeMap<Hop, NotObservable>,
    /// Refusals that hide no hop (the trigger's state, the function's
    /// settings), by permission.
    #[serde(default)]
    unseen_settings: BTreeMap<String, NotObservable>,
    log: LambdaLog,
    blocker: Option<Blocker>,
    /// The index the document searches look in.
    searched_index: Option<String>,
    /// When the last run of the function the log showed ended: while runs
    /// keep coming, a record still waiting is in a backlog, not stuck.
    #[serde(default)]
    last_run_ms: Option<i64>,
    /// Flows changed since the last [`Flows::save_parts`]: a save writes
    /// only those (a burst changes a few of thousands at a time).
    #[serde(skip)]
    changed: Changed,
}

/// The flows to save next. Not part of the board's value: two boards with
/// the same flows are equal whatever either has saved.
#[derive(Debug, Clone, Default)]
struct Changed(BTreeSet<FlowId>);

impl PartialEq for Changed {
    fn eq(&self, _: &Changed) -> bool {
        true
    }
}

/// What [`Flows::save_parts`] gives the page's storage.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardParts {
    /// Everything but the flows, as JSON.
    pub board: String,
    /// Each flow changed since the last save, as JSON.
    pub changed: Vec<(FlowId, String)>,
    /// Every flow on the board now: a saved flow not among them is gone.
    pub ids: BTreeSet<FlowId>,
}

fn import_error(e: serde_json::Error) -> ImportError {
    ImportError {
        line: e.line(),
        column: e.column(),
        message: crate::lab_item::json_error_message(&e),
    }
}

/// Why an export could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(crate::words::Lang::En))]
pub struct ImportError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ImportError {
    /// In `lang`; serde's message stays as it came.
    pub fn words(&self, lang: crate::words::Lang) -> String {
        crate::word!(lang, board.import_not_flows)(self.line, self.column, &self.message)
    }
}

impl Flows {
    pub fn new() -> Flows {
        Flows::default()
    }

    /// Oldest first.
    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }

    /// Newest first, as the live tail shows them.
    pub fn newest_first(&self) -> impl Iterator<Item = &Flow> {
        self.flows.iter().rev()
    }

    pub fn flow(&self, id: FlowId) -> Option<&Flow> {
        // Flows are kept in id order (new ones get the next id; a restored
        // board is sorted).
        let at = self.flows.binary_search_by_key(&id, |f| f.id).ok()?;
        Some(&self.flows[at])
    }

    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// The hop the credentials cannot see, with the permission that would
    /// show it; `None` while it is observable.
    pub fn not_observable(&self, hop: Hop) -> Option<&NotObservable> {
        self.not_observable.get(&hop)
    }

    /// Every refusal in force: the hops' and the settings' (see
    /// [`NotObservable::hides_hop`]).
    pub fn refusals(&self) -> impl Iterator<Item = &NotObservable> {
        self.not_observable
            .values()
            .chain(self.unseen_settings.values())
    }

    /// The items of the flows waiting at the document hop, each once, for
    /// the document watch: in progress there, past their wait without a
    /// document (it may still come: a page that slept finds the Lambda's
    /// run long over), or with a hop before it that cannot be seen (only
    /// the document can tell). Call after [`Flows::check`].
    ///
    /// With `before_lambda`, also the flows still waiting for the Lambda:
    /// its log lines reach CloudWatch a moment after the run, and the
    /// document may show first (once the index exists: a search of a
    /// missing index is a 404, which the browser prints in its console).
    pub fn waiting_for_document(&self, before_lambda: bool) -> Vec<&str> {
        let mut items: Vec<&str> = Vec::new();
        let mut listed = std::collections::BTreeSet::new();
        for flow in &self.flows {
            let waiting = matches!(
                flow.state,
                FlowState::InProgress {
                    next: Hop::Collection,
                    ..
                } | FlowState::Stuck {
                    reason: Stuck::NoDocument { .. }
                } | FlowState::NotObservable { .. }
            );
            let waiting = waiting
                || (before_lambda
                    && matches!(
                        flow.state,
                        FlowState::InProgress {
                            next: Hop::Lambda,
                            ..
                        }
                    ));
            if let Some(item) = flow.item_id.as_deref().filter(|_| waiting) {
                if listed.insert(item) {
                    items.push(item);
                }
            }
        }
        items
    }

    /// When the first change reached the table or the stream: from then on
    /// the Lambda has something to run for and its log is worth reading.
    pub fn first_change_ms(&self) -> Option<i64> {
        self.flows
            .iter()
            .filter_map(|f| {
                f.stage(Hop::Table)
                    .or(f.stage(Hop::Stream))
                    .map(|s| s.at_ms)
                    .or(f.stream.as_ref().map(|s| s.created_ms))
            })
            .min()
    }

    /// The table's stream as last described.
    pub fn stream_setup(&self) -> Option<&StreamSetup> {
        self.stream_setup.as_ref()
    }

    /// The trigger as last listed.
    pub fn trigger(&self) -> Option<&TriggerSeen> {
        self.trigger.as_ref()
    }

    /// The function's configuration as last read.
    pub fn function(&self) -> Option<&FunctionSetup> {
        self.function.as_ref()
    }

    /// The execution role's inline policies as last read.
    pub fn role(&self) -> Option<&RolePolicies> {
        self.role.as_ref()
    }

    /// The refusal of `permission` (a setting's read: `lambda:*`, `iam:*`),
    /// while it lasts.
    pub fn unseen_setting(&self, permission: &str) -> Option<&NotObservable> {
        self.unseen_settings.get(permission)
    }

    /// The function's OPENSEARCH_INDEX, when seen.
    pub fn function_index(&self) -> Option<&str> {
        self.function.as_ref().and_then(FunctionSetup::index)
    }

    /// The board as JSON, for reload and export.
    pub fn export(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A board from [`Flows::export`]'s JSON. Every flow counts as changed:
    /// the next [`Flows::save_parts`] writes them all.
    pub fn import(json: &str) -> Result<Flows, ImportError> {
        let mut flows: Flows = serde_json::from_str(json).map_err(import_error)?;
        flows.changed = Changed(flows.flows.iter().map(|f| f.id).collect());
        Ok(flows)
    }

    /// The board for the page's storage: everything but the flows in one
    /// part, and each flow changed since the last call in a part of its
    /// own, so a save of a big board writes only what moved.
    pub fn save_parts(&mut self) -> BoardParts {
        let flows = std::mem::take(&mut self.flows);
        let board = serde_json::to_string(self).unwrap_or_default();
        self.flows = flows;
        let changed = std::mem::take(&mut self.changed.0)
            .into_iter()
            .filter_map(|id| Some((id, serde_json::to_string(self.flow(id)?).ok()?)))
            .collect();
        BoardParts {
            board,
            changed,
            ids: self.flows.iter().map(|f| f.id).collect(),
        }
    }

    /// A board from the parts [`Flows::save_parts`] gave, the flows in any
    /// order. Nothing counts as changed: it is all saved already.
    pub fn from_parts<I, S>(board: &str, flows: I) -> Result<Flows, ImportError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut restored: Flows = serde_json::from_str(board).map_err(import_error)?;
        restored.flows = flows
            .into_iter()
            .map(|f| serde_json::from_str(f.as_ref()).map_err(import_error))
            .collect::<Result<_, _>>()?;
        restored.flows.sort_by_key(|f| f.id);
        Ok(restored)
    }

    fn start_flow(&mut self, change: ChangeKind, origin: Origin, started_ms: i64) -> usize {
        self.next_id += 1;
        self.flows
            .push(Flow::new(FlowId(self.next_id), change, origin, started_ms));
        self.changed.0.insert(FlowId(self.next_id));
        self.flows.len() - 1
    }

    /// The flow at `at`, to change: noted for the next save.
    fn flow_mut(&mut self, at: usize) -> &mut Flow {
        let flow = &mut self.flows[at];
        self.changed.0.insert(flow.id);
        flow
    }

    /// Takes in one observation (then call [`Flows::check`]).
    pub fn observe(&mut self, observation: Observation) {
        match observation {
            Observation::ApiAnswer(a) => self.api_answer(a),
            Observation::TableCall(c) => self.table_call(c),
            Observation::StreamPage(p) => {
                self.not_observable.remove(&Hop::Stream);
                self.stream_page(p)
            }
            Observation::StreamSetup(s) => self.stream_setup = Some(s),
            Observation::LogEvents(l) => {
                self.not_observable.remove(&Hop::Lambda);
                for invocation in self.log.read(&l.events, l.seen_ms) {
                    self.lambda_invocation(invocation);
                }
            }
            Observation::Trigger(t) => {
                self.unseen_settings
                    .remove("lambda:ListEventSourceMappings");
                self.trigger = Some(t)
            }
            Observation::Function(f) => {
                self.unseen_settings
                    .remove("lambda:GetFunctionConfiguration");
                self.function = Some(f)
            }
            Observation::Role(r) => {
                self.unseen_settings
                    .retain(|permission, _| !permission.starts_with("iam:"));
                self.role = Some(r)
            }
            Observation::DocumentSearch(s) => {
                self.not_observable.remove(&Hop::Collection);
                self.document_search(s)
            }
            Observation::NotObservable(n) if !n.hides_hop() => {
                self.unseen_settings.insert(n.permission.clone(), n);
            }
            Observation::NotObservable(n) => {
                self.not_observable.insert(n.hop, n);
            }
        }
    }

    /// A flow that stream data with `item_id` and `change` can belong to:
    /// the oldest not yet on the stream. (Outside flows are already there.)
    fn awaiting_stream(&self, item_id: &str, change: ChangeKind) -> Option<usize> {
        self.flows.iter().position(|f| {
            f.stream.is_none()
                && f.refused.is_none()
                && f.change == change
                && f.item_id.as_deref() == Some(item_id)
        })
    }

    /// An outside flow the answer of a change labmate sent at `sent_ms`
    /// explains (the stream was read before the answer was handled): same
    /// change of the same item, recorded no earlier than the send.
    fn outside_flow_for(&self, change: ChangeKind, item_id: &str, sent_ms: i64) -> Option<usize> {
        self.flows.iter().position(|f| {
            f.origin == Origin::Outside
                && f.change == change
                && f.item_id.as_deref() == Some(item_id)
                && f.stream
                    .as_ref()
                    .is_some_and(|s| s.created_ms >= sent_ms - SEND_TO_RECORD_SLACK_MS)
        })
    }

    fn api_answer(&mut self, a: ApiAnswer) {
        let verdict = a.verdict();
        let item_id = a.item_id().map(str::to_owned);
        let origin = if item_id.is_some() {
            Origin::RequestId
        } else {
            Origin::Content
        };
        let at = match item_id.as_deref().and_then(|id| {
            (verdict == ApiVerdict::Written)
                .then(|| self.outside_flow_for(ChangeKind::Insert, id, a.sent_ms))
                .flatten()
        }) {
            Some(at) => at,
            None => self.start_flow(ChangeKind::Insert, origin, a.sent_ms),
        };
        let flow = self.flow_mut(at);
        flow.origin = origin;
        flow.started_ms = a.sent_ms;
        flow.item_id = item_id.or(flow.item_id.take());
        if flow.name.is_none() {
            flow.name = a
                .sent_body
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        flow.sent = Some(Sent {
            request_id: a.request_id.clone(),
            status: a.status,
            body: a.sent_body.clone(),
            answer: a.body.clone(),
            sent_ms: a.sent_ms,
            answered_ms: a.answered_ms,
        });
        match verdict {
            ApiVerdict::Written => {
                flow.reach(Hop::Api, a.answered_ms);
                flow.reach(Hop::Table, a.answered_ms);
            }
            ApiVerdict::DynamoDbError {
                error_type,
                message,
            } => {
                flow.reach(Hop::Api, a.answered_ms);
                flow.refused = Some(Stuck::NotWritten {
                    error_type,
                    message,
                });
            }
            ApiVerdict::Refused { status, message } => {
                flow.refused = Some(Stuck::ApiRefused { status, message })
            }
            ApiVerdict::Unreadable => {}
        }
    }

    fn table_call(&mut self, c: TableCall) {
        let at = match (c.status == 200)
            .then(|| self.outside_flow_for(c.change, &c.item_id, c.sent_ms))
            .flatten()
        {
            Some(at) => at,
            None => self.start_flow(c.change, Origin::Key, c.sent_ms),
        };
        let flow = self.flow_mut(at);
        flow.origin = Origin::Key;
        flow.started_ms = c.sent_ms;
        flow.item_id = Some(c.item_id.clone());
        if c.status == 200 {
            flow.reach(Hop::Table, c.answered_ms);
        } else {
            flow.refused = Some(Stuck::TableRefused {
                operation: c.operation,
                status: c.status,
                error_type: c.error_type.unwrap_or_default(),
            });
        }
    }

    /// The flow labmate sent without a readable id that this INSERT
    /// record's name and type (and time) match.
    fn sent_with_content(&self, record: &StreamRecordSeen) -> Option<usize> {
        let image = record.new_image.as_ref()?;
        self.flows.iter().position(|f| {
            let Some(sent) = &f.sent else { return false };
            f.origin == Origin::Content
                && f.stream.is_none()
                && f.refused.is_none()
                && f.item_id.is_none()
                && ["name", "type"].iter().all(|k| {
                    sent.body.get(*k).and_then(Value::as_str) == observe::string_of(image, k)
                })
                && record.created_ms >= sent.sent_ms - SEND_TO_RECORD_SLACK_MS
                && record.created_ms <= sent.answered_ms + SEND_TO_RECORD_SLACK_MS
        })
    }

    fn stream_page(&mut self, page: StreamPage) {
        let last = self.shards.get(&page.shard_id).cloned();
        let first = page.records.first().map(|r| r.sequence_number.clone());
        let gap = match (&page.read_from, &last) {
            (ReadFrom::Latest, Some(_)) => Some(GapCause::ReadFromLatest),
            (ReadFrom::AfterTrim, _) => Some(GapCause::Trimmed),
            _ => None,
        };
        if let Some(cause) = gap {
            self.gaps.push(Gap {
                cause,
                shard_id: Some(page.shard_id.clone()),
                after: last.clone(),
                before: first,
                seen_ms: page.seen_ms,
            });
        }
        for record in page.records {
            let known = self.flows.iter().position(|f| {
                f.stream
                    .as_ref()
                    .is_some_and(|s| s.event_id == record.event_id)
            });
            let last = self.shards.get(&page.shard_id).cloned();
            let behind = last
                .as_deref()
                .is_some_and(|l| sequence_cmp(&record.sequence_number, l) != Ordering::Greater);
            if !behind {
                self.shards
                    .insert(page.shard_id.clone(), record.sequence_number.clone());
            }
            if let Some(at) = known {
                let from_log = self.flows[at]
                    .stream
                    .as_ref()
                    .is_some_and(|s| s.from_lambda_log);
                if from_log {
                    // First seen in the Lambda's printed event (the log
                    // was read first): the record tells the rest.
                    self.fill_stream(at, record, Some(&page.shard_id));
                } else if let Some(s) = self.flow_mut(at).stream.as_mut() {
                    // Read again (an overlapping read).
                    s.shard_id = Some(page.shard_id.clone());
                }
                continue;
            }
            if behind {
                self.gaps.push(Gap {
                    cause: GapCause::OutOfOrder,
                    shard_id: Some(page.shard_id.clone()),
                    after: last,
                    before: Some(record.sequence_number.clone()),
                    seen_ms: page.seen_ms,
                });
            }
            self.stream_record(record, Some(&page.shard_id));
        }
    }

    /// Puts one stream record on its flow (or a new, outside one).
    fn stream_record(&mut self, record: StreamRecordSeen, shard_id: Option<&str>) {
        let item_id = record.item_id().map(str::to_owned);
        let at = item_id
            .as_deref()
            .and_then(|id| self.awaiting_stream(id, record.change))
            .or_else(|| {
                (record.change == ChangeKind::Insert)
                    .then(|| self.sent_with_content(&record))
                    .flatten()
            });
        let at = match at {
            Some(at) => at,
            None => self.start_flow(record.change, Origin::Outside, record.created_ms),
        };
        self.fill_stream(at, record, shard_id);
    }

    /// Puts the stream record on the flow at `at`: its images and its
    /// stream stage, dated by the record.
    fn fill_stream(&mut self, at: usize, record: StreamRecordSeen, shard_id: Option<&str>) {
        let item_id = record.item_id().map(str::to_owned);
        let old = item_id
            .as_ref()
            .and_then(|id| self.last_images.get(id).cloned());
        if let Some(id) = &item_id {
            match (&record.new_image, record.change) {
                (_, ChangeKind::Remove) => {
                    self.last_images.remove(id);
                }
                (Some(image), _) => {
                    self.last_images.insert(id.clone(), image.clone());
                }
                (None, _) => {}
            }
        }
        let flow = self.flow_mut(at);
        flow.item_id = item_id.or(flow.item_id.take());
        flow.set_image(record.new_image.clone(), old);
        flow.stream = Some(StreamStage {
            event_id: record.event_id,
            sequence_number: Some(record.sequence_number),
            shard_id: shard_id.map(str::to_owned),
            created_ms: record.created_ms,
            view_type: record.view_type,
            from_lambda_log: false,
        });
        // A stage dated when the log showed it takes the record's time.
        flow.stages.retain(|s| s.hop != Hop::Stream);
        flow.reach(Hop::Stream, record.created_ms);
    }

    /// The flow of a record in the Lambda's printed event.
    fn flow_of_printed(&mut self, printed: &PrintedRecord, at_ms: i64) -> usize {
        if let Some(at) = self.flows.iter().position(|f| {
            f.stream
                .as_ref()
                .is_some_and(|s| s.event_id == printed.event_id)
        }) {
            return at;
        }
        // The reader did not see it: say so if it read past it.
        let passed = printed.sequence_number.as_deref().is_some_and(|seq| {
            self.shards
                .values()
                .any(|last| sequence_cmp(seq, last) == Ordering::Less)
        });
        if passed {
            self.gaps.push(Gap {
                cause: GapCause::MissedByReader,
                shard_id: None,
                after: None,
                before: printed.sequence_number.clone(),
                seen_ms: at_ms,
            });
        }
        let change = observe::change_named("printed event", &printed.event_name)
            .unwrap_or(ChangeKind::Modify);
        let at = printed
            .item_id
            .as_deref()
            .and_then(|id| self.awaiting_stream(id, change))
            .unwrap_or_else(|| self.start_flow(change, Origin::Outside, at_ms));
        let flow = self.flow_mut(at);
        if flow.item_id.is_none() {
            flow.item_id = printed.item_id.clone();
        }
        flow.stream = Some(StreamStage {
            event_id: printed.event_id.clone(),
            sequence_number: printed.sequence_number.clone(),
            shard_id: None,
            created_ms: at_ms,
            view_type: None,
            from_lambda_log: true,
        });
        flow.reach(Hop::Stream, at_ms);
        at
    }

    fn lambda_invocation(&mut self, inv: Invocation) {
        self.last_run_ms = self.last_run_ms.max(Some(inv.end_ms));
        self.function_crash = match &inv.exception {
            Some(e) if inv.records.is_empty() => Some(e.clone()),
            _ => None,
        };
        for (record, (printed, outcome)) in inv.records.iter().enumerate() {
            let at = self.flow_of_printed(printed, inv.start_ms);
            let flow = self.flow_mut(at);
            let attempts = flow.lambda.as_ref().map_or(0, |l| l.attempts) + 1;
            flow.lambda = Some(LambdaStage {
                request_id: inv.request_id.clone(),
                log_stream: inv.log_stream.clone(),
                attempts,
                outcome: outcome.clone(),
                duration_ms: inv.duration_ms,
                billed_ms: inv.billed_ms,
                lines: inv
                    .lines_for(record)
                    .into_iter()
                    .map(|l| LogEvent {
                        message: kept(&l.message),
                        ..l
                    })
                    .collect(),
                batch_size: inv.records.len(),
            });
            flow.reach(Hop::Lambda, inv.end_ms);
            let flow_id = flow.id;
            match outcome {
                RecordOutcome::Crashed { .. } => {
                    let stream = flow.stream.clone();
                    self.blocker = Some(Blocker {
                        flow: flow_id,
                        item: flow.item_id.clone().unwrap_or_default(),
                        shard_id: stream.as_ref().and_then(|s| s.shard_id.clone()),
                        sequence_number: stream.as_ref().and_then(|s| s.sequence_number.clone()),
                        expires_at_ms: stream.map_or(inv.start_ms, |s| s.created_ms)
                            + RECORD_LIFETIME_MS,
                    });
                }
                RecordOutcome::NotReached => {}
                _ if self.blocker.as_ref().is_some_and(|b| b.flow == flow_id) => {
                    self.blocker = None;
                }
                _ => {}
            }
        }
    }

    fn document_search(&mut self, search: DocumentSearch) {
        self.searched_index = Some(search.index.clone());
        let (item_id, seen_ms) = (search.item_id.clone(), search.seen_ms);
        self.search_for_documents(search);
        // Not a change to save (see `Flow::searched_ms`): set in place.
        for f in &mut self.flows {
            if f.document.is_none() && f.item_id.as_deref() == Some(item_id.as_str()) {
                f.searched_ms = Some(seen_ms);
            }
        }
    }

    fn search_for_documents(&mut self, search: DocumentSearch) {
        let of_item: Vec<usize> = (0..self.flows.len())
            .filter(|&i| {
                let f = &self.flows[i];
                f.item_id.as_deref() == Some(search.item_id.as_str())
                    && f.document.is_none()
                    && f.refused.is_none()
            })
            .collect();
        for &i in of_item.iter().rev() {
            let flow = &self.flows[i];
            let handled = match &flow.lambda {
                None => true,
                Some(l) => matches!(l.outcome, RecordOutcome::Indexed | RecordOutcome::Removed),
            };
            if !handled {
                continue;
            }
            // No document proves a REMOVE only once the Lambda ran (or
            // cannot be seen): before, the document may just not be
            // searchable yet.
            let lambda_ran =
                flow.lambda.is_some() || self.not_observable.contains_key(&Hop::Lambda);
            let found = match flow.change {
                ChangeKind::Remove if !lambda_ran => None,
                ChangeKind::Remove => search.hits.is_empty().then_some(DocumentStage {
                    document_id: None,
                    source: None,
                    superseded_by: None,
                }),
                _ => search
                    .hits
                    .iter()
                    .find(|h| flow.shown_by(&h.source))
                    .map(|h| DocumentStage {
                        document_id: Some(h.id.clone()),
                        source: Some(h.source.clone()),
                        superseded_by: None,
                    }),
            };
            let Some(found) = found else { continue };
            let newest = flow.id;
            let flow = self.flow_mut(i);
            flow.document = Some(found);
            flow.reach(Hop::Collection, search.seen_ms);
            // Earlier changes of the item that the Lambda handled were
            // overwritten before search showed them.
            for &j in of_item.iter().filter(|&&j| j < i) {
                let earlier = self.flow_mut(j);
                let handled = earlier.lambda.as_ref().is_some_and(|l| {
                    matches!(l.outcome, RecordOutcome::Indexed | RecordOutcome::Removed)
                });
                if handled && earlier.document.is_none() {
                    earlier.document = Some(DocumentStage {
                        document_id: None,
                        source: None,
                        superseded_by: Some(newest),
                    });
                    earlier.reach(Hop::Collection, search.seen_ms);
                }
            }
            break;
        }
    }

    /// Moves every flow's state machine on to `now_ms`.
    pub fn check(&mut self, now_ms: i64) {
        let states: Vec<FlowState> = self
            .flows
            .iter()
            .map(|f| self.flow_state(f, now_ms))
            .collect();
        for (flow, state) in self.flows.iter_mut().zip(states) {
            if flow.state != state {
                flow.state = state;
                self.changed.0.insert(flow.id);
            }
        }
    }

    fn unseen(&self, hop: Hop) -> Option<FlowState> {
        self.not_observable
            .get(&hop)
            .map(|n| FlowState::NotObservable {
                hop,
                permission: n.permission.clone(),
            })
    }

    /// Whether the crashing record holds `flow` back (until it expires).
    fn blocks(&self, flow: &Flow, now_ms: i64) -> Option<Stuck> {
        let b = self.blocker.as_ref().filter(|b| now_ms < b.expires_at_ms)?;
        let stream = flow.stream.as_ref()?;
        let same_shard = match (&b.shard_id, &stream.shard_id) {
            (Some(a), Some(c)) => a == c,
            _ => true,
        };
        let after = match (&b.sequence_number, &stream.sequence_number) {
            (Some(a), Some(c)) => sequence_cmp(c, a) == Ordering::Greater,
            _ => true,
        };
        (b.flow != flow.id && same_shard && after).then(|| Stuck::BlockedBehind {
            blocking_item: b.item.clone(),
            expires_at_ms: b.expires_at_ms,
        })
    }

    /// One flow's state machine: the first hop not confirmed decides.
    fn flow_state(&self, flow: &Flow, now_ms: i64) -> FlowState {
        let stuck = |reason| FlowState::Stuck { reason };
        let in_progress = |next, waiting| FlowState::InProgress { next, waiting };
        if let Some(reason) = &flow.refused {
            return stuck(reason.clone());
        }
        if flow.document.is_some() {
            return FlowState::Complete;
        }
        let Some(stream) = &flow.stream else {
            if let Some(unseen) = self.unseen(Hop::Stream) {
                return unseen;
            }
            if self.stream_setup.as_ref().is_some_and(|s| !s.enabled) {
                return stuck(Stuck::StreamOff);
            }
            let waited = now_ms - flow.last_at();
            if flow.stage(Hop::Table).is_some() && waited > STREAM_WAIT_MS {
                return stuck(Stuck::NoStreamRecord { waited_ms: waited });
            }
            // Sent, the answer unread: only a stream record can say it was
            // written, and none came.
            let unanswered = flow.sent.as_ref().is_some_and(|s| s.status.is_none());
            if unanswered && waited > STREAM_WAIT_MS {
                return stuck(Stuck::NoAnswerNoRecord { waited_ms: waited });
            }
            return in_progress(Hop::Stream, None);
        };
        // The handler indexes NewImage: without it the record cannot get
        // through, whatever the Lambda then does with it.
        if flow.change != ChangeKind::Remove && flow.new_image.is_none() && !stream.from_lambda_log
        {
            return stuck(Stuck::StreamWithoutNewImage {
                view_type: stream.view_type.clone().unwrap_or_default(),
            });
        }
        let Some(lambda) = &flow.lambda else {
            if let Some(blocked) = self.blocks(flow, now_ms) {
                return stuck(blocked);
            }
            if let Some(exception) = &self.function_crash {
                return stuck(Stuck::FunctionCrashed {
                    exception: exception.clone(),
                });
            }
            if let Some(t) = &self.trigger {
                let result = t.last_processing_result.clone();
                match t.state.as_deref() {
                    None => return stuck(Stuck::NoTrigger),
                    Some(s @ ("Disabled" | "Disabling" | "Deleting")) => {
                        return stuck(Stuck::TriggerOff {
                            state: s.to_owned(),
                        })
                    }
                    Some(s @ ("Creating" | "Enabling" | "Updating")) => {
                        return in_progress(
                            Hop::Lambda,
                            Some(Waiting::TriggerEnabling {
                                state: s.to_owned(),
                            }),
                        )
                    }
                    _ => {}
                }
                if let Some(r) = result.filter(|r| r.starts_with("PROBLEM: Cannot access stream")) {
                    return stuck(Stuck::RoleCannotReadStream {
                        last_processing_result: r,
                    });
                }
            }
            if let Some(unseen) = self.unseen(Hop::Lambda) {
                return unseen;
            }
            let waited = now_ms - flow.last_at();
            // Runs keep coming, each taking a batch of earlier records: this
            // one's turn comes in order.
            let busy = self
                .last_run_ms
                .filter(|&run| run > flow.last_at() && now_ms - run <= LAMBDA_WAIT_MS);
            if let Some(last_run_ms) = busy {
                return in_progress(Hop::Lambda, Some(Waiting::LambdaBusy { last_run_ms }));
            }
            if waited > LAMBDA_WAIT_MS {
                return stuck(Stuck::NoInvocation {
                    waited_ms: waited,
                    last_processing_result: self
                        .trigger
                        .as_ref()
                        .and_then(|t| t.last_processing_result.clone()),
                });
            }
            return in_progress(Hop::Lambda, None);
        };
        match &lambda.outcome {
            RecordOutcome::Crashed { exception } => {
                let expires_at_ms = stream.created_ms + RECORD_LIFETIME_MS;
                stuck(if now_ms < expires_at_ms {
                    Stuck::HandlerCrashed {
                        exception: exception.clone(),
                        attempts: lambda.attempts,
                        expires_at_ms,
                    }
                } else {
                    Stuck::RecordExpired {
                        exception: exception.clone(),
                        expired_at_ms: expires_at_ms,
                    }
                })
            }
            RecordOutcome::NotReached => match self.blocks(flow, now_ms) {
                Some(blocked) => stuck(blocked),
                None => in_progress(Hop::Lambda, None),
            },
            RecordOutcome::FailedToIndex { response } => stuck(index_failure(
                flow,
                response,
                stuck::answered_status(response),
            )),
            RecordOutcome::FailedToRemove { response } => stuck(index_failure(
                flow,
                response,
                stuck::answered_status(response),
            )),
            RecordOutcome::Indexed | RecordOutcome::Removed => {
                if let Some(unseen) = self.unseen(Hop::Collection) {
                    return unseen;
                }
                let since = flow.last_at();
                let waited = now_ms - since;
                let searched = self.searched_index.clone().unwrap_or_default();
                let written = self.function.as_ref().and_then(FunctionSetup::index);
                if let Some(index) = written.filter(|i| *i != searched && !searched.is_empty()) {
                    return stuck(Stuck::OtherIndex {
                        function_index: index.to_owned(),
                        searched_index: searched,
                    });
                }
                // Stuck once a search made after the wait still did not
                // show it: a refresh may land right at the minute, and the
                // next search comes a poll later (seen in the sandbox,
                // with a 60 s lag, as a moment "stuck" before completing).
                let searched_after_wait = flow
                    .searched_ms
                    .is_some_and(|at| at - since > DOCUMENT_WAIT_MS);
                if waited > DOCUMENT_WAIT_MS && searched_after_wait {
                    return stuck(Stuck::NoDocument {
                        waited_ms: waited,
                        index: searched,
                    });
                }
                in_progress(Hop::Collection, Some(Waiting::Refresh { since_ms: since }))
            }
        }
    }
}

/// Why the collection refused the handler's request for `flow`.
fn index_failure(flow: &Flow, response: &str, status: Option<u16>) -> Stuck {
    let item_id = flow.item_id.clone().unwrap_or_default();
    if status == Some(403) || response.contains("\"Forbidden\"") {
        return Stuck::DataAccessDenied {
            response: response.to_owned(),
        };
    }
    match flow.change {
        ChangeKind::Modify if status == Some(405) || response.contains("Incorrect HTTP method") => {
            Stuck::ShippedHandlerCannotUpdate {
                status,
                response: response.to_owned(),
            }
        }
        ChangeKind::Remove
            if response.contains(&format!("_doc{item_id}"))
                || status == Some(404)
                || response.contains("not_found") =>
        {
            Stuck::ShippedHandlerCannotRemove {
                item_id,
                response: response.to_owned(),
            }
        }
        _ => Stuck::IndexRefused {
            status,
            response: response.to_owned(),
        },
    }
}

/// A log line as a flow keeps it: cut at [`LINE_KEPT_CHARS`].
fn kept(message: &str) -> String {
    match message.char_indices().nth(LINE_KEPT_CHARS) {
        Some((at, _)) => format!("{}… ({} more bytes)", &message[..at], message.len() - at),
        None => message.to_owned(),
    }
}
