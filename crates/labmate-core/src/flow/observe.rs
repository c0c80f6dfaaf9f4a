//! What labmate's pollers saw, typed: one observation per AWS answer (the
//! API's answer to a POST, a GetRecords page, FilterLogEvents events, the
//! trigger's state, a `_search` by `id.keyword`), plus the hops the
//! credentials cannot see. Each knows how to read itself from AWS's JSON,
//! so the pollers hand over what AWS returned and nothing is re-invented.

use std::collections::BTreeMap;

use lab_model::timeline::ChangeKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Hop;

/// An item as DynamoDB writes it: attribute name to AttributeValue JSON
/// (`{"S": "Ann"}`). serde_json's own map, as the JSON it comes from: one
/// copy of the map's (de)serialising code serves both (a `BTreeMap` here
/// cost 2,838 B more of the first load, gzip, measured).
pub type Image = Map<String, Value>;

/// One thing a poller saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    ApiAnswer(ApiAnswer),
    TableCall(TableCall),
    StreamPage(StreamPage),
    StreamSetup(StreamSetup),
    LogEvents(LogEvents),
    Trigger(TriggerSeen),
    Function(FunctionSetup),
    Role(RolePolicies),
    DocumentSearch(DocumentSearch),
    NotObservable(NotObservable),
}

/// The API's answer to a POST /v1/lab labmate sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiAnswer {
    /// The UUID labmate sent as `x-amzn-RequestId`, if the API let it.
    pub sent_request_id: Option<String>,
    /// `x-amzn-RequestId` of the answer, if the page could read it.
    pub request_id: Option<String>,
    /// The body labmate sent (`{"name", "type"}`), to correlate by content
    /// when no id is known.
    pub sent_body: Map<String, Value>,
    /// `None` when the page could not read the answer (a CORS failure).
    pub status: Option<u16>,
    pub body: String,
    pub sent_ms: i64,
    pub answered_ms: i64,
}

/// What the API's answer says about the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiVerdict {
    /// `{}`: the integration's PutItem succeeded.
    Written,
    /// A 200 whose body is DynamoDB's error: nothing was written.
    DynamoDbError { error_type: String, message: String },
    /// Any other status: API Gateway answered itself.
    Refused { status: u16, message: String },
    /// The page could not read the answer: the write may have happened.
    Unreadable,
}

impl ApiAnswer {
    /// The item's id, as far as the answer tells: the answer's request id,
    /// else the one labmate sent.
    pub fn item_id(&self) -> Option<&str> {
        self.request_id
            .as_deref()
            .or(self.sent_request_id.as_deref())
    }

    /// Reads the answer as the workshop's API gives it: 200 is not proof of
    /// success, `{}` is.
    pub fn verdict(&self) -> ApiVerdict {
        let Some(status) = self.status else {
            return ApiVerdict::Unreadable;
        };
        let json: Option<Value> = serde_json::from_str(&self.body).ok();
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| json.as_ref()?.get(*k)?.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        if status == 200 {
            if json
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                return ApiVerdict::Written;
            }
            let error_type = text(&["__type"]);
            let error_type = error_type.rsplit('#').next().unwrap_or_default().to_owned();
            return ApiVerdict::DynamoDbError {
                error_type,
                message: text(&["message", "Message"]),
            };
        }
        ApiVerdict::Refused {
            status,
            message: text(&["message", "Message"]),
        }
    }
}

/// A signed UpdateItem, DeleteItem or PutItem labmate sent to the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCall {
    pub change: ChangeKind,
    pub item_id: String,
    /// `UpdateItem`, `DeleteItem`, `PutItem`.
    pub operation: String,
    pub status: u16,
    /// `x-amzn-RequestId` (exposed by DynamoDB's CORS).
    pub request_id: Option<String>,
    /// DynamoDB's `__type`, when it refused.
    pub error_type: Option<String>,
    pub sent_ms: i64,
    pub answered_ms: i64,
}

/// How the stream reader came to this GetRecords page: whether it follows
/// on from what it read before, or may have skipped records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadFrom {
    /// The previous page's `NextShardIterator`, or `AFTER_SEQUENCE_NUMBER`
    /// of the last record seen (a renewed iterator): nothing skipped.
    Continued,
    /// `TRIM_HORIZON`: the oldest record the shard keeps.
    TrimHorizon,
    /// `LATEST`: records written before the iterator was taken are skipped.
    Latest,
    /// The last position was trimmed (`TrimmedDataAccessException`): the
    /// reader restarted at the trim horizon, records in between are gone.
    AfterTrim,
}

/// One GetRecords answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamPage {
    pub shard_id: String,
    pub read_from: ReadFrom,
    pub records: Vec<StreamRecordSeen>,
    pub seen_ms: i64,
}

/// One stream record as GetRecords returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRecordSeen {
    pub event_id: String,
    pub change: ChangeKind,
    pub sequence_number: String,
    /// `ApproximateCreationDateTime`, in epoch milliseconds (AWS gives
    /// seconds).
    pub created_ms: i64,
    pub keys: Image,
    pub new_image: Option<Image>,
    pub view_type: Option<String>,
}

/// Why an AWS answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("{}", self.words(crate::words::Lang::En))]
    Missing { what: &'static str, field: String },
    #[error("{}", self.words(crate::words::Lang::En))]
    UnknownChange { what: &'static str, name: String },
}

impl WireError {
    /// In `lang`; the API and field names stay as AWS spells them.
    pub fn words(&self, lang: crate::words::Lang) -> String {
        match self {
            WireError::Missing { what, field } => {
                crate::word!(lang, board.wire_missing)(what, field)
            }
            WireError::UnknownChange { what, name } => {
                crate::word!(lang, board.wire_unknown_change)(what, name)
            }
        }
    }
}

fn field<'a>(what: &'static str, v: &'a Value, name: &str) -> Result<&'a Value, WireError> {
    v.get(name).ok_or_else(|| WireError::Missing {
        what,
        field: name.to_owned(),
    })
}

fn text<'a>(what: &'static str, v: &'a Value, name: &str) -> Result<&'a str, WireError> {
    field(what, v, name)?
        .as_str()
        .ok_or_else(|| WireError::Missing {
            what,
            field: name.to_owned(),
        })
}

fn image(v: Option<&Value>) -> Option<Image> {
    v?.as_object().cloned()
}

/// `INSERT`, `MODIFY`, `REMOVE`.
pub fn change_named(what: &'static str, name: &str) -> Result<ChangeKind, WireError> {
    match name {
        "INSERT" => Ok(ChangeKind::Insert),
        "MODIFY" => Ok(ChangeKind::Modify),
        "REMOVE" => Ok(ChangeKind::Remove),
        _ => Err(WireError::UnknownChange {
            what,
            name: name.to_owned(),
        }),
    }
}

impl StreamRecordSeen {
    /// One element of GetRecords' `Records`.
    pub fn from_json(record: &Value) -> Result<Self, WireError> {
        const WHAT: &str = "GetRecords";
        let ddb = field(WHAT, record, "dynamodb")?;
        Ok(StreamRecordSeen {
            event_id: text(WHAT, record, "eventID")?.to_owned(),
            change: change_named(WHAT, text(WHAT, record, "eventName")?)?,
            sequence_number: text(WHAT, ddb, "SequenceNumber")?.to_owned(),
            created_ms: ddb
                .get("ApproximateCreationDateTime")
                .and_then(Value::as_f64)
                .map_or(0, |s| (s * 1000.0) as i64),
            keys: image(ddb.get("Keys")).ok_or_else(|| WireError::Missing {
                what: WHAT,
                field: "Keys".into(),
            })?,
            new_image: image(ddb.get("NewImage")),
            view_type: ddb
                .get("StreamViewType")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// The item's `id` (the lab's partition key).
    pub fn item_id(&self) -> Option<&str> {
        string_of(&self.keys, lab_model::names::TABLE_KEY)
    }
}

/// The string (`S`) value of attribute `name`.
pub fn string_of<'a>(image: &'a Image, name: &str) -> Option<&'a str> {
    image.get(name)?.get("S")?.as_str()
}

impl StreamPage {
    /// A GetRecords answer (`{"Records": [...], "NextShardIterator": ...}`).
    pub fn from_get_records(
        shard_id: &str,
        read_from: ReadFrom,
        body: &Value,
        seen_ms: i64,
    ) -> Result<Self, WireError> {
        let records = field("GetRecords", body, "Records")?
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(StreamRecordSeen::from_json)
            .collect::<Result<_, _>>()?;
        Ok(StreamPage {
            shard_id: shard_id.to_owned(),
            read_from,
            records,
            seen_ms,
        })
    }
}

/// The table's stream as DescribeTable shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSetup {
    pub enabled: bool,
    /// `NEW_IMAGE`, `NEW_AND_OLD_IMAGES`, `KEYS_ONLY`, `OLD_IMAGE`.
    pub view_type: Option<String>,
    /// The table's current stream (a stream turned off and on again is a
    /// new one): the one the trigger must read.
    #[serde(default)]
    pub latest_stream_arn: Option<String>,
    pub seen_ms: i64,
}

impl StreamSetup {
    /// DescribeTable's answer (`Table.StreamSpecification`).
    pub fn from_describe_table(body: &Value, seen_ms: i64) -> Self {
        let spec = &body["Table"]["StreamSpecification"];
        StreamSetup {
            enabled: spec["StreamEnabled"].as_bool().unwrap_or(false),
            view_type: spec["StreamViewType"].as_str().map(str::to_owned),
            latest_stream_arn: body["Table"]["LatestStreamArn"].as_str().map(str::to_owned),
            seen_ms,
        }
    }

    /// Whether records carry the new image the handler indexes.
    pub fn has_new_image(&self) -> bool {
        matches!(
            self.view_type.as_deref(),
            Some("NEW_IMAGE" | "NEW_AND_OLD_IMAGES")
        )
    }
}

/// Events from FilterLogEvents on the function's log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvents {
    pub events: Vec<LogEvent>,
    pub seen_ms: i64,
}

/// One CloudWatch Logs event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    pub event_id: String,
    pub timestamp: i64,
    pub log_stream: String,
    pub message: String,
}

impl LogEvent {
    /// Sorts `events` by time, stably: the lines of one moment keep the
    /// order Logs returned them in.
    pub fn sort_by_time(events: &mut [LogEvent]) {
        events.sort_by_key(|e| e.timestamp);
    }
}

impl LogEvents {
    /// A FilterLogEvents answer (`{"events": [...], "nextToken": ...}`).
    pub fn from_filter_log_events(body: &Value, seen_ms: i64) -> Result<Self, WireError> {
        const WHAT: &str = "FilterLogEvents";
        let events = field(WHAT, body, "events")?
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                Ok(LogEvent {
                    event_id: text(WHAT, e, "eventId")?.to_owned(),
                    timestamp: field(WHAT, e, "timestamp")?.as_i64().unwrap_or(0),
                    log_stream: text(WHAT, e, "logStreamName")?.to_owned(),
                    message: text(WHAT, e, "message")?.to_owned(),
                })
            })
            .collect::<Result<_, WireError>>()?;
        Ok(LogEvents { events, seen_ms })
    }
}

/// The stream trigger (event source mapping), or its absence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerSeen {
    /// `None`: the function has no mapping on the table's stream.
    pub state: Option<String>,
    pub last_processing_result: Option<String>,
    /// The stream it reads.
    #[serde(default)]
    pub event_source_arn: Option<String>,
    /// How many mappings the function has (the lab wants one).
    #[serde(default)]
    pub mappings: usize,
    pub seen_ms: i64,
}

impl TriggerSeen {
    /// ListEventSourceMappings' answer: the first mapping of the function
    /// named `function`, if any (the list may hold other functions').
    pub fn from_list_event_source_mappings(body: &Value, function: &str, seen_ms: i64) -> Self {
        let of_function = |m: &&Value| {
            m["FunctionArn"].as_str().is_some_and(|arn| {
                // `...:function:NAME`, or `...:function:NAME:QUALIFIER`.
                arn.split(":function:")
                    .nth(1)
                    .is_some_and(|rest| rest.split(':').next() == Some(function))
            })
        };
        let mine: Vec<&Value> = body["EventSourceMappings"]
            .as_array()
            .map(|all| all.iter().filter(of_function).collect())
            .unwrap_or_default();
        let first = mine.first().copied();
        let text = |k: &str| first.and_then(|m| m[k].as_str()).map(str::to_owned);
        TriggerSeen {
            state: text("State"),
            last_processing_result: text("LastProcessingResult"),
            event_source_arn: text("EventSourceArn"),
            mappings: mine.len(),
            seen_ms,
        }
    }
}

/// The lab's environment variables of the stream Lambda, as
/// GetFunctionConfiguration shows them. Only the five the lab sets are kept
/// (a function's other variables may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSetup {
    pub environment: BTreeMap<String, String>,
    /// GetFunctionConfiguration answered 404: there is no such function.
    #[serde(default)]
    pub missing: bool,
    /// `python3.12`.
    #[serde(default)]
    pub runtime: Option<String>,
    /// The execution role's ARN.
    #[serde(default)]
    pub role: Option<String>,
    /// `Active`, `Pending`, `Inactive`, `Failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// `lambda_function.lambda_handler`.
    #[serde(default)]
    pub handler: Option<String>,
    pub seen_ms: i64,
}

pub use lab_model::names::LAB_VARIABLES;

impl FunctionSetup {
    /// GetFunctionConfiguration's answer (`Environment.Variables`).
    pub fn from_function_configuration(body: &Value, seen_ms: i64) -> Self {
        let variables = &body["Environment"]["Variables"];
        let text = |k: &str| body[k].as_str().map(str::to_owned);
        FunctionSetup {
            environment: LAB_VARIABLES
                .iter()
                .filter_map(|name| Some((name.to_string(), variables[*name].as_str()?.to_owned())))
                .collect(),
            missing: false,
            runtime: text("Runtime"),
            role: text("Role"),
            state: text("State"),
            handler: text("Handler"),
            seen_ms,
        }
    }

    /// GetFunctionConfiguration's 404: no function of that name.
    pub fn missing(seen_ms: i64) -> Self {
        FunctionSetup {
            environment: BTreeMap::new(),
            missing: true,
            runtime: None,
            role: None,
            state: None,
            handler: None,
            seen_ms,
        }
    }

    /// The execution role's name (the last part of its ARN).
    pub fn role_name(&self) -> Option<&str> {
        self.role.as_deref()?.rsplit('/').next()
    }

    /// `OPENSEARCH_INDEX`, the index the handler writes to.
    pub fn index(&self) -> Option<&str> {
        self.environment.get("OPENSEARCH_INDEX").map(String::as_str)
    }
}

/// The execution role's inline policies, as IAM gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolePolicies {
    /// The role's name.
    pub role: String,
    /// IAM has no role of that name.
    pub missing: bool,
    /// Each inline policy's document (JSON), by policy name.
    pub inline: BTreeMap<String, Value>,
    pub seen_ms: i64,
}

/// A `_search` by `id.keyword` for one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSearch {
    pub item_id: String,
    pub index: String,
    /// The documents whose `_source.id` is the item's id (none: not found,
    /// or not searchable yet).
    pub hits: Vec<DocumentHit>,
    pub seen_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentHit {
    pub id: String,
    pub source: Map<String, Value>,
}

impl DocumentSearch {
    /// A `_search` answer (`{"hits": {"hits": [{"_id", "_source"}]}}`).
    pub fn from_search(
        item_id: &str,
        index: &str,
        body: &Value,
        seen_ms: i64,
    ) -> Result<Self, WireError> {
        const WHAT: &str = "_search";
        let hits = field(WHAT, field(WHAT, body, "hits")?, "hits")?
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|h| {
                Ok(DocumentHit {
                    id: text(WHAT, h, "_id")?.to_owned(),
                    source: field(WHAT, h, "_source")?
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<_, WireError>>()?;
        Ok(DocumentSearch {
            item_id: item_id.to_owned(),
            index: index.to_owned(),
            hits,
            seen_ms,
        })
    }
}

/// A hop the credentials cannot see, and the permission that would show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotObservable {
    pub hop: Hop,
    /// `logs:FilterLogEvents`, `dynamodb:GetRecords`, ...
    pub permission: String,
    /// AWS's refusal, as answered (`AccessDeniedException: ...`).
    pub refusal: String,
    pub seen_ms: i64,
}

impl NotObservable {
    /// Whether the refusal hides the hop. The trigger's state, the
    /// function's settings (`lambda:*`) and its role's policies (`iam:*`)
    /// explain the Lambda hop, but its log shows it: refusing them hides
    /// nothing.
    pub fn hides_hop(&self) -> bool {
        !self.permission.starts_with("lambda:") && !self.permission.starts_with("iam:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: Option<u16>, body: &str) -> ApiAnswer {
        ApiAnswer {
            sent_request_id: None,
            request_id: Some("r".into()),
            sent_body: Map::new(),
            status,
            body: body.into(),
            sent_ms: 0,
            answered_ms: 1,
        }
    }

    #[test]
    fn only_an_empty_object_means_the_api_wrote_the_item() {
        assert_eq!(answer(Some(200), "{}").verdict(), ApiVerdict::Written);
        assert_eq!(
            answer(
                Some(200),
                r#"{"__type":"com.amazon.coral.service#SerializationException","message":"bad"}"#
            )
            .verdict(),
            ApiVerdict::DynamoDbError {
                error_type: "SerializationException".into(),
                message: "bad".into()
            }
        );
        assert_eq!(
            answer(Some(403), r#"{"message":"Missing Authentication Token"}"#).verdict(),
            ApiVerdict::Refused {
                status: 403,
                message: "Missing Authentication Token".into()
            }
        );
        assert_eq!(answer(None, "").verdict(), ApiVerdict::Unreadable);
    }

    #[test]
    fn only_the_labs_variables_are_kept_from_the_function() {
        let body = json!({"Environment": {"Variables": {
            "OPENSEARCH_INDEX": "mine", "REGION": "ap-southeast-1", "API_SECRET": "s3cr3t"}}});
        let setup = FunctionSetup::from_function_configuration(&body, 1);
        assert_eq!(setup.index(), Some("mine"));
        assert_eq!(setup.environment.len(), 2);
        assert!(!serde_json::to_string(&setup).unwrap().contains("s3cr3t"));
    }

    #[test]
    fn a_get_records_page_reads_keys_images_and_seconds() {
        let body = json!({"Records": [{
            "eventID": "e1", "eventName": "MODIFY",
            "dynamodb": {"ApproximateCreationDateTime": 1728417322, "Keys": {"id": {"S": "k"}},
                "NewImage": {"id": {"S": "k"}, "name": {"S": "Bea"}},
                "SequenceNumber": "000000000000000000042", "StreamViewType": "NEW_IMAGE"}
        }], "NextShardIterator": "it"});
        let page = StreamPage::from_get_records("s", ReadFrom::Continued, &body, 5).unwrap();
        let r = &page.records[0];
        assert_eq!((r.change, r.item_id()), (ChangeKind::Modify, Some("k")));
        assert_eq!(r.created_ms, 1_728_417_322_000);
        assert_eq!(
            string_of(r.new_image.as_ref().unwrap(), "name"),
            Some("Bea")
        );
        let bad = json!({"Records": [{"eventID": "e", "eventName": "TOUCH", "dynamodb": {}}]});
        assert_eq!(
            StreamPage::from_get_records("s", ReadFrom::Continued, &bad, 5),
            Err(WireError::UnknownChange {
                what: "GetRecords",
                name: "TOUCH".into()
            })
        );
    }
}
