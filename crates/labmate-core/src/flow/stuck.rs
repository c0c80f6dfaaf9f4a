//! Why a flow stopped, typed, each reason with the hop it stopped at and
//! the fix in plain words. The reasons carry what the page shows (status,
//! the collection's answer, the exception, when a blocking record expires).

use serde::{Deserialize, Serialize};

use lab_model::names::{API_PATH, DATA_ACCESS_POLICY, FUNCTION, INDEX, ROLE, STREAM_POLICY, TABLE};

use super::Hop;
use crate::time::format_utc;

/// Why a flow went no further.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Stuck {
    #[error("The API answered {status} and wrote nothing: {message}")]
    ApiRefused { status: u16, message: String },
    /// The POST got no answer the page could read (a dropped connection,
    /// CORS), and no record of the item followed.
    #[error("The API's answer could not be read, and no stream record of this item came {} s later: most likely it was not written.", waited_ms / 1000)]
    NoAnswerNoRecord { waited_ms: i64 },
    #[error("The API answered 200, but DynamoDB refused the item ({error_type}: {message}).")]
    NotWritten { error_type: String, message: String },
    #[error("DynamoDB refused the {operation} ({status} {error_type}).")]
    TableRefused {
        operation: String,
        status: u16,
        error_type: String,
    },
    #[error("No stream record: the table's stream is off.")]
    StreamOff,
    #[error("The stream record has no new image (the stream's view type is {view_type}).")]
    StreamWithoutNewImage { view_type: String },
    #[error("No stream record {} s after the write.", waited_ms / 1000)]
    NoStreamRecord { waited_ms: i64 },
    #[error("The table's stream has no trigger: nothing invokes the Lambda.")]
    NoTrigger,
    #[error("The trigger is {state}: the Lambda is not invoked.")]
    TriggerOff { state: String },
    #[error("The trigger cannot read the stream: {last_processing_result}")]
    RoleCannotReadStream { last_processing_result: String },
    #[error("No invocation of the Lambda {} s after the stream record{}.", waited_ms / 1000, last_processing_result.as_ref().map(|r| format!(" (the trigger's last result: {r})")).unwrap_or_default())]
    NoInvocation {
        waited_ms: i64,
        last_processing_result: Option<String>,
    },
    #[error("The shipped Lambda sends the update as PUT without a document id; the collection answered {}.", status.map_or("an error".to_owned(), |s| s.to_string()))]
    ShippedHandlerCannotUpdate {
        status: Option<u16>,
        response: String,
    },
    #[error("The shipped Lambda sends DELETE to `_doc{item_id}` (no `/` before the id), which matches no document.")]
    ShippedHandlerCannotRemove { item_id: String, response: String },
    #[error("The collection refused the Lambda's request{}: {response}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    IndexRefused {
        status: Option<u16>,
        response: String,
    },
    #[error("The collection's data access policy refused the Lambda's request (403).")]
    DataAccessDenied { response: String },
    #[error("This record crashes the handler ({exception}); the batch is retried ({attempts} attempts so far) and blocks the shard until the record expires at {}.", format_utc(expires_at_ms / 1000))]
    HandlerCrashed {
        exception: String,
        attempts: u32,
        expires_at_ms: i64,
    },
    #[error("This record crashed the handler ({exception}) until it expired from the stream at {}: it was never handled.", format_utc(expired_at_ms / 1000))]
    RecordExpired {
        exception: String,
        expired_at_ms: i64,
    },
    #[error("The Lambda fails before it reads its batch ({exception}); the batch is retried and the changes wait.")]
    FunctionCrashed { exception: String },
    #[error("Waiting behind a record that crashes the handler (item {blocking_item}); it blocks the shard until it expires at {}.", format_utc(expires_at_ms / 1000))]
    BlockedBehind {
        blocking_item: String,
        expires_at_ms: i64,
    },
    #[error("The Lambda writes to index \"{function_index}\" (its OPENSEARCH_INDEX), not \"{searched_index}\".")]
    OtherIndex {
        function_index: String,
        searched_index: String,
    },
    #[error("The Lambda reported success, but search has not found the document {} s later.", waited_ms / 1000)]
    NoDocument {
        waited_ms: i64,
        /// The index labmate searched.
        index: String,
    },
}

impl Stuck {
    /// The hop the flow stopped before.
    pub fn hop(&self) -> Hop {
        match self {
            Stuck::ApiRefused { .. } | Stuck::NoAnswerNoRecord { .. } => Hop::Api,
            Stuck::NotWritten { .. } | Stuck::TableRefused { .. } => Hop::Table,
            Stuck::StreamOff
            | Stuck::NoStreamRecord { .. }
            | Stuck::StreamWithoutNewImage { .. } => Hop::Stream,
            Stuck::NoTrigger
            | Stuck::TriggerOff { .. }
            | Stuck::RoleCannotReadStream { .. }
            | Stuck::NoInvocation { .. }
            | Stuck::ShippedHandlerCannotUpdate { .. }
            | Stuck::ShippedHandlerCannotRemove { .. }
            | Stuck::IndexRefused { .. }
            | Stuck::DataAccessDenied { .. }
            | Stuck::HandlerCrashed { .. }
            | Stuck::RecordExpired { .. }
            | Stuck::FunctionCrashed { .. }
            | Stuck::BlockedBehind { .. } => Hop::Lambda,
            Stuck::OtherIndex { .. } | Stuck::NoDocument { .. } => Hop::Collection,
        }
    }

    /// What the learner can do about it.
    pub fn fix(&self) -> String {
        match self {
            Stuck::ApiRefused { status: 403, .. } => format!("Check the API's authorization: sign for execute-api with credentials allowed execute-api:Invoke on POST {API_PATH}, and redeploy the stage after changes."),
            // Throttling and integration failures are not the URL's fault.
            Stuck::ApiRefused { status: 429, .. } => "API Gateway throttled the request (the stage's or the account's rate limit): wait a moment and replay it.".into(),
            Stuck::ApiRefused { status: 500..=599, .. } => format!("The API or its integration failed: replay it; if it fails again, check the integration's role may dynamodb:PutItem on {TABLE}."),
            Stuck::ApiRefused { .. } => "Read API Gateway's message; check the invoke URL (stage v1, resource /lab, method POST) and redeploy.".into(),
            Stuck::NoAnswerNoRecord { .. } => "The send result says why the answer could not be read (the network, CORS, the route): fix that and replay the POST. Should the item show up on the stream after all, this flow goes on.".into(),
            Stuck::NotWritten { .. } => "The API pastes name and type into its template unescaped: remove quotes and backslashes from the values, or fix the mapping template.".into(),
            Stuck::TableRefused { .. } => format!("Check the key and the credentials' DynamoDB permissions on {TABLE}."),
            Stuck::StreamOff => format!("On {TABLE}, Exports and streams: turn on DynamoDB stream details with view type New image."),
            Stuck::StreamWithoutNewImage { .. } => "Turn the stream off and on again with view type New image (or New and old images): the handler indexes NewImage.".into(),
            Stuck::NoStreamRecord { .. } => format!("Check that {TABLE}'s stream is on; a write that changes nothing makes no stream record."),
            Stuck::NoTrigger => format!("On {TABLE}, Exports and streams, create a trigger for {FUNCTION}."),
            Stuck::TriggerOff { .. } => "Enable the trigger (Lambda, Configuration, Triggers).".into(),
            Stuck::RoleCannotReadStream { .. } => format!("Add the inline policy {STREAM_POLICY} (GetRecords, GetShardIterator, DescribeStream, ListStreams on the table's stream) to {ROLE}."),
            Stuck::NoInvocation { .. } => "Check the trigger's state and last processing result, and the function's logs for errors.".into(),
            Stuck::ShippedHandlerCannotUpdate { .. } => "Use the DynamoDB key as the document id: PUT /{index}/_doc/{id} for INSERT and MODIFY.".into(),
            Stuck::ShippedHandlerCannotRemove { .. } => "Delete by the DynamoDB key: DELETE /{index}/_doc/{id}, with the slash, on documents indexed under that id.".into(),
            Stuck::IndexRefused { .. } => "Read the collection's answer in the log line; check OPENSEARCH_HOST, OPENSEARCH_INDEX and OPENSEARCH_DATATYPE.".into(),
            Stuck::DataAccessDenied { .. } => format!("Add {ROLE} to the collection's data access policy ({DATA_ACCESS_POLICY}) with index and document permissions."),
            Stuck::HandlerCrashed { exception, .. } if exception.contains("KeyError: 'S'") => "The handler reads every attribute's \"S\", and this item has an attribute of another type (a number, a boolean, a list...). Fix the handler to read each attribute by its type, e.g. with boto3's TypeDeserializer (json.dumps needs a default for its Decimal numbers), and deploy it: the retried batch then goes through at its next attempt, and the records waiting behind it follow in order. Until then the record holds its shard, for up to a day (until it expires).".into(),
            Stuck::HandlerCrashed { exception, .. } | Stuck::FunctionCrashed { exception } if exception.starts_with("KeyError: '") => ENVIRONMENT_FIX.into(),
            Stuck::HandlerCrashed { .. } | Stuck::FunctionCrashed { .. } => "Fix the handler's exception (see the [ERROR] line); the batch is retried until it succeeds or the record expires.".into(),
            Stuck::RecordExpired { .. } => "Make the change again once the handler can read it; the stream no longer has this record.".into(),
            Stuck::OtherIndex { function_index, .. } => format!("Search index \"{function_index}\", or set OPENSEARCH_INDEX to {INDEX}."),
            Stuck::BlockedBehind { .. } => "Fix the handler so it can read the record that crashes it (see that flow) and deploy it: the retried batch goes through at its next attempt and this change follows in order.".into(),
            Stuck::NoDocument { .. } => format!("Check the Lambda's OPENSEARCH_INDEX against the index searched, and that {ROLE} is in the data access policy."),
        }
    }
}

const ENVIRONMENT_FIX: &str = "Set the Lambda's environment variables (REGION, AWS_SERVICE, OPENSEARCH_HOST, OPENSEARCH_INDEX, OPENSEARCH_DATATYPE); the waiting records then drain in order.";

/// The collection's answer in a handler's `Response: ...`, as far as it
/// says a status (`{"status": 405, ...}`).
pub(super) fn answered_status(response: &str) -> Option<u16> {
    let json: serde_json::Value = serde_json::from_str(response).ok()?;
    json.get("status")?
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_names_its_hop_and_a_fix() {
        let crashed = Stuck::HandlerCrashed {
            exception: "KeyError: 'S'".into(),
            attempts: 3,
            expires_at_ms: 1_728_417_322_000 + 86_400_000,
        };
        assert_eq!(crashed.hop(), Hop::Lambda);
        assert!(crashed.to_string().contains("3 attempts"));
        assert!(crashed.to_string().contains("2024-10-09 19:55 UTC"));
        assert!(crashed.fix().contains("TypeDeserializer"));
        assert!(crashed.fix().contains("retried batch then goes through"));
        let env = Stuck::HandlerCrashed {
            exception: "KeyError: 'OPENSEARCH_HOST'".into(),
            attempts: 1,
            expires_at_ms: 0,
        };
        assert!(env.fix().contains("environment variables"));
        let early = Stuck::FunctionCrashed {
            exception: "KeyError: 'OPENSEARCH_HOST'".into(),
        };
        assert_eq!(early.fix(), env.fix());
        assert_eq!(Stuck::StreamOff.hop(), Hop::Stream);
        assert!(Stuck::ShippedHandlerCannotUpdate {
            status: Some(405),
            response: String::new()
        }
        .to_string()
        .contains("405"));
    }

    #[test]
    fn the_apis_refusals_are_fixed_by_what_refused() {
        let refused = |status| Stuck::ApiRefused {
            status,
            message: "m".into(),
        };
        assert!(refused(429).fix().contains("throttled"));
        assert!(!refused(429).fix().contains("invoke URL"));
        assert!(refused(502).fix().contains("integration"));
        assert!(!refused(502).fix().contains("invoke URL"));
        assert!(refused(403).fix().contains("execute-api:Invoke"));
        assert!(refused(404).fix().contains("invoke URL"));
        assert_eq!(refused(429).hop(), Hop::Api);
    }

    #[test]
    fn a_reason_round_trips_as_json_keyed_by_its_name() {
        let r = Stuck::ShippedHandlerCannotRemove {
            item_id: "k".into(),
            response: "{}".into(),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["shipped_handler_cannot_remove"]["item_id"], "k");
        assert_eq!(serde_json::from_value::<Stuck>(v).unwrap(), r);
        assert_eq!(answered_status(r#"{"error":"x","status":405}"#), Some(405));
        assert_eq!(answered_status("no json"), None);
    }
}
