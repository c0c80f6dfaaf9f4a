//! The pipeline's ground truth: one typed event for each thing that happens
//! to a change on its way API Gateway -> table -> stream -> Lambda ->
//! collection, plus the lab's setup changes and injected faults.
//!
//! labsim records each event when it happens and numbers it; a reader asks
//! for the events after the last number it saw (`GET
//! /_labsim/events?after=N`) and gets a [`TimelinePage`]. Events are
//! correlated by the ids the data itself carries: the API request id is the
//! item's `id`; the stream record carries the item's key; an invocation
//! lists its records; the document's `_source.id` is the item's `id` again.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Service;

/// One event and its place in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Position in the timeline, from 1, never reused (not even by a reset):
    /// the cursor a reader passes back as `after`.
    pub seq: u64,
    /// When it happened (simulator time, epoch milliseconds).
    pub time_ms: i64,
    #[serde(flatten)]
    pub event: TimelineEvent,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// A request to the REST API, as answered.
    ApiRequest(ApiRequest),
    /// A write to a table (by the API's integration or a DynamoDB call).
    TableWrite(TableWrite),
    /// A record the write put on the table's stream.
    StreamRecord(StreamRecord),
    /// The stream Lambda ran on a batch.
    LambdaInvocation(LambdaInvocation),
    /// A line the Lambda wrote to CloudWatch Logs.
    LogLine(LogLine),
    /// The collection accepted a write to an index.
    IndexWrite(IndexWrite),
    /// An index write became visible to search (after the refresh lag).
    Searchable(Searchable),
    /// Part of the lab's setup changed (stream, function, trigger, ...).
    SetupChange(SetupChange),
    /// An injected fault fired on a request.
    FaultInjected(FaultInjected),
    /// The simulator was reset: everything before is gone.
    Reset,
}

impl TimelineEvent {
    /// The `kind` tag as it appears on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            TimelineEvent::ApiRequest(_) => "api_request",
            TimelineEvent::TableWrite(_) => "table_write",
            TimelineEvent::StreamRecord(_) => "stream_record",
            TimelineEvent::LambdaInvocation(_) => "lambda_invocation",
            TimelineEvent::LogLine(_) => "log_line",
            TimelineEvent::IndexWrite(_) => "index_write",
            TimelineEvent::Searchable(_) => "searchable",
            TimelineEvent::SetupChange(_) => "setup_change",
            TimelineEvent::FaultInjected(_) => "fault_injected",
            TimelineEvent::Reset => "reset",
        }
    }
}

/// A stream record's change, as its `eventName` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "INSERT",
            ChangeKind::Modify => "MODIFY",
            ChangeKind::Remove => "REMOVE",
        }
    }
}

/// Where the API's request id (and so the item's id) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestIdOrigin {
    /// API Gateway made it up.
    #[default]
    Generated,
    /// The client sent a UUID in `x-amzn-RequestId`, and it was kept.
    Client,
    /// The client sent something that is not a UUID; API Gateway replaced it.
    Replaced,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRequest {
    /// `$context.requestId`, sent back in `x-amzn-RequestId`.
    pub request_id: String,
    #[serde(default)]
    pub request_id_origin: RequestIdOrigin,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// `x-amzn-ErrorType` of an answer API Gateway made itself (403, 413...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// DynamoDB's `__type` when the integration failed (the answer is still 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_error: Option<String>,
    /// The id of the item the integration wrote (the request id), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableWrite {
    pub table: String,
    /// `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`...
    pub operation: String,
    /// The item's `id` (or its first string key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Whether the item changed (a write that changes nothing makes no
    /// stream record).
    pub changed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<ChangeKind>,
    /// The stream record's sequence number, if the stream took one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    /// The API request that made this write, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRecord {
    pub event_name: ChangeKind,
    pub event_id: String,
    pub sequence_number: String,
    pub shard_id: String,
    pub stream_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvocationResult {
    Ok,
    /// The handler raised: the whole batch will be retried.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaInvocation {
    /// The invocation's request id (`START RequestId: ...`).
    pub request_id: String,
    /// Earlier attempts at this same batch (0 on the first).
    pub attempt: u32,
    /// How old the batch's last record was when this attempt began (Lambda's
    /// `IteratorAge` metric): it grows while a failing batch blocks the
    /// shard.
    #[serde(default)]
    pub iterator_age_ms: i64,
    pub cold_start: bool,
    pub log_stream: String,
    pub result: InvocationResult,
    /// The `[ERROR]` line of a failed invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The batch's records, in order, each with what the handler did.
    pub records: Vec<RecordOutcome>,
}

/// One record of a batch, and what the handler did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOutcome {
    pub event_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<ChangeKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub outcome: HandlerOutcome,
    /// The HTTP status the collection answered the handler's request with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The document the handler's request wrote or deleted (its `_id`), which
    /// ties the record to an `index_write` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
}

/// What the handler did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerOutcome {
    /// Sent to the index and accepted.
    Indexed,
    /// Sent to the index and refused (the shipped handler's MODIFY).
    FailedToIndex,
    /// Deleted from the index.
    Removed,
    /// The delete was refused (the shipped handler's REMOVE).
    FailedToRemove,
    /// The handler raised on this record: the batch failed.
    Crashed,
    /// Not reached: an earlier record of the batch crashed the handler.
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub log_group: String,
    pub log_stream: String,
    /// The invocation it belongs to, where the line is inside one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub message: String,
    /// When CloudWatch took it in: searches find it from then on (the
    /// entry's time is the line's own timestamp).
    #[serde(default)]
    pub ingestion_ms: i64,
}

/// What a write did to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexResult {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexWrite {
    pub index: String,
    /// The document's `_id`.
    pub document_id: String,
    pub result: IndexResult,
    pub version: u64,
    /// The document's `_source.id` (the item's id), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// When search will see it.
    pub searchable_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Searchable {
    pub index: String,
    pub document_id: String,
    pub result: IndexResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub written_at_ms: i64,
}

/// One field of the lab's setup (as `GET /_labsim/setup` names it) that
/// changed, whether through an AWS call or `/_labsim/setup`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupChange {
    pub field: String,
    pub from: Value,
    pub to: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultInjected {
    /// The rule that fired (`/_labsim/faults`).
    pub fault_id: u64,
    pub service: Service,
    /// `throttle`, `expired_token`, `delay`, `drop`, ...
    pub fault: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    /// The status answered, if the fault answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// `GET /_labsim/events?after=N[&limit=M]`. Events come in the order they
/// were recorded, which is causal order; `time_ms` may step back a little
/// between them (a log line carries its own timestamp, a `searchable` event
/// the moment its refresh lag ended).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinePage {
    /// In `seq` order, all with `seq > after`.
    pub events: Vec<TimelineEntry>,
    /// Pass it as `after` next time (the last `seq` returned, or `after`
    /// itself when nothing was new).
    pub next: u64,
    /// Whether more events were waiting beyond `limit`.
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_is_flat_json_with_its_kind() {
        let entry = TimelineEntry {
            seq: 7,
            time_ms: 1_700_000_000_000,
            event: TimelineEvent::StreamRecord(StreamRecord {
                event_name: ChangeKind::Modify,
                event_id: "e1".into(),
                sequence_number: "100".into(),
                shard_id: "shardId-1".into(),
                stream_arn: "arn:aws:dynamodb:ap-southeast-1:1:table/lab-table/stream/x".into(),
                key_id: Some("k".into()),
            }),
        };
        let v = serde_json::to_value(&entry).unwrap();
        assert_eq!(v["kind"], "stream_record");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["event_name"], "MODIFY");
        assert_eq!(v["key_id"], "k");
        let back: TimelineEntry = serde_json::from_value(v).unwrap();
        assert_eq!(back, entry);
        assert_eq!(back.event.kind(), "stream_record");
    }

    #[test]
    fn every_kind_round_trips_with_the_tag_kind_reports() {
        let events = vec![
            TimelineEvent::ApiRequest(ApiRequest {
                request_id: "r".into(),
                request_id_origin: RequestIdOrigin::Client,
                method: "POST".into(),
                path: "/v1/lab".into(),
                status: 200,
                error_type: None,
                integration_error: None,
                item_id: Some("r".into()),
            }),
            TimelineEvent::LambdaInvocation(LambdaInvocation {
                request_id: "i".into(),
                attempt: 2,
                iterator_age_ms: 1_500,
                cold_start: false,
                log_stream: "2026/11/27/[$LATEST]abc".into(),
                result: InvocationResult::Failed,
                error: Some("[ERROR] KeyError: 'S'".into()),
                records: vec![RecordOutcome {
                    event_id: "e".into(),
                    event_name: Some(ChangeKind::Insert),
                    sequence_number: Some("1".into()),
                    key_id: None,
                    outcome: HandlerOutcome::Crashed,
                    status: None,
                    document_id: None,
                }],
            }),
            TimelineEvent::SetupChange(SetupChange {
                field: "trigger_enabled".into(),
                from: json!(true),
                to: json!(false),
            }),
            TimelineEvent::FaultInjected(FaultInjected {
                fault_id: 1,
                service: Service::Logs,
                fault: "throttle".into(),
                operation: Some("FilterLogEvents".into()),
                method: "POST".into(),
                path: "/".into(),
                status: Some(400),
                delay_ms: None,
            }),
            TimelineEvent::Reset,
        ];
        for (i, event) in events.into_iter().enumerate() {
            let entry = TimelineEntry {
                seq: i as u64 + 1,
                time_ms: 5,
                event,
            };
            let v = serde_json::to_value(&entry).unwrap();
            assert_eq!(v["kind"], entry.event.kind());
            assert_eq!(serde_json::from_value::<TimelineEntry>(v).unwrap(), entry);
        }
    }

    #[test]
    fn optional_fields_are_left_out_rather_than_null() {
        let v = serde_json::to_value(TimelineEvent::TableWrite(TableWrite {
            table: "lab-table".into(),
            operation: "PutItem".into(),
            key_id: None,
            changed: false,
            event_name: None,
            sequence_number: None,
            api_request_id: None,
        }))
        .unwrap();
        assert_eq!(
            v,
            json!({"kind": "table_write", "table": "lab-table", "operation": "PutItem", "changed": false})
        );
    }
}
