//! Why a flow stopped, typed, each reason with the hop it stopped at and
//! the fix in plain words. The reasons carry what the page shows (status,
//! the collection's answer, the exception, when a blocking record expires).

use serde::{Deserialize, Serialize};

use lab_model::names::{API_PATH, DATA_ACCESS_POLICY, FUNCTION, INDEX, ROLE, STREAM_POLICY, TABLE};

use super::Hop;
use crate::time::format_utc;
use crate::word;
use crate::words::Lang;

/// Why a flow went no further.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[error("{}", self.reason_in(Lang::En))]
pub enum Stuck {
    ApiRefused {
        status: u16,
        message: String,
    },
    /// The POST got no answer the page could read (a dropped connection,
    /// CORS), and no record of the item followed.
    NoAnswerNoRecord {
        waited_ms: i64,
    },
    NotWritten {
        error_type: String,
        message: String,
    },
    TableRefused {
        operation: String,
        status: u16,
        error_type: String,
    },
    StreamOff,
    StreamWithoutNewImage {
        view_type: String,
    },
    NoStreamRecord {
        waited_ms: i64,
    },
    NoTrigger,
    TriggerOff {
        state: String,
    },
    RoleCannotReadStream {
        last_processing_result: String,
    },
    NoInvocation {
        waited_ms: i64,
        last_processing_result: Option<String>,
    },
    ShippedHandlerCannotUpdate {
        status: Option<u16>,
        response: String,
    },
    ShippedHandlerCannotRemove {
        item_id: String,
        response: String,
    },
    IndexRefused {
        status: Option<u16>,
        response: String,
    },
    DataAccessDenied {
        response: String,
    },
    HandlerCrashed {
        exception: String,
        attempts: u32,
        expires_at_ms: i64,
    },
    RecordExpired {
        exception: String,
        expired_at_ms: i64,
    },
    FunctionCrashed {
        exception: String,
    },
    BlockedBehind {
        blocking_item: String,
        expires_at_ms: i64,
    },
    OtherIndex {
        function_index: String,
        searched_index: String,
    },
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

    /// What the learner can do about it, in English (logs and tests).
    pub fn fix(&self) -> String {
        self.fix_in(Lang::En)
    }

    /// Why the flow stopped, in `lang`. Values AWS or the handler gave
    /// (messages, exceptions, states) stay as they came.
    pub fn reason_in(&self, lang: Lang) -> String {
        let utc = |ms: i64| format_utc(ms / 1000);
        match self {
            Stuck::ApiRefused { status, message } => {
                word!(lang, board.stuck_api_refused)(*status, message)
            }
            Stuck::NoAnswerNoRecord { waited_ms } => {
                word!(lang, board.stuck_no_answer_no_record)(waited_ms / 1000)
            }
            Stuck::NotWritten {
                error_type,
                message,
            } => word!(lang, board.stuck_not_written)(error_type, message),
            Stuck::TableRefused {
                operation,
                status,
                error_type,
            } => word!(lang, board.stuck_table_refused)(operation, *status, error_type),
            Stuck::StreamOff => word!(lang, board.stuck_stream_off).to_owned(),
            Stuck::StreamWithoutNewImage { view_type } => {
                word!(lang, board.stuck_stream_without_new_image)(view_type)
            }
            Stuck::NoStreamRecord { waited_ms } => {
                word!(lang, board.stuck_no_stream_record)(waited_ms / 1000)
            }
            Stuck::NoTrigger => word!(lang, board.stuck_no_trigger).to_owned(),
            Stuck::TriggerOff { state } => word!(lang, board.stuck_trigger_off)(state),
            Stuck::RoleCannotReadStream {
                last_processing_result,
            } => word!(lang, board.stuck_role_cannot_read_stream)(last_processing_result),
            Stuck::NoInvocation {
                waited_ms,
                last_processing_result: None,
            } => word!(lang, board.stuck_no_invocation)(waited_ms / 1000),
            Stuck::NoInvocation {
                waited_ms,
                last_processing_result: Some(result),
            } => word!(lang, board.stuck_no_invocation_with_result)(waited_ms / 1000, result),
            Stuck::ShippedHandlerCannotUpdate { status, .. } => {
                word!(lang, board.stuck_shipped_handler_cannot_update)(*status)
            }
            Stuck::ShippedHandlerCannotRemove { item_id, .. } => {
                word!(lang, board.stuck_shipped_handler_cannot_remove)(item_id)
            }
            Stuck::IndexRefused { status, response } => {
                word!(lang, board.stuck_index_refused)(*status, response)
            }
            Stuck::DataAccessDenied { .. } => {
                word!(lang, board.stuck_data_access_denied).to_owned()
            }
            Stuck::HandlerCrashed {
                exception,
                attempts,
                expires_at_ms,
            } => {
                word!(lang, board.stuck_handler_crashed)(exception, *attempts, &utc(*expires_at_ms))
            }
            Stuck::RecordExpired {
                exception,
                expired_at_ms,
            } => word!(lang, board.stuck_record_expired)(exception, &utc(*expired_at_ms)),
            Stuck::FunctionCrashed { exception } => {
                word!(lang, board.stuck_function_crashed)(exception)
            }
            Stuck::BlockedBehind {
                blocking_item,
                expires_at_ms,
            } => word!(lang, board.stuck_blocked_behind)(blocking_item, &utc(*expires_at_ms)),
            Stuck::OtherIndex {
                function_index,
                searched_index,
            } => word!(lang, board.stuck_other_index)(function_index, searched_index),
            Stuck::NoDocument { waited_ms, .. } => {
                word!(lang, board.stuck_no_document)(waited_ms / 1000)
            }
        }
    }

    /// What the learner can do about it, in `lang`.
    pub fn fix_in(&self, lang: Lang) -> String {
        let fixed = |w: &'static str| w.to_owned();
        match self {
            Stuck::ApiRefused { status: 403, .. } => {
                word!(lang, board.fix_stuck_api_refused_403)(API_PATH)
            }
            // Throttling and integration failures are not the URL's fault.
            Stuck::ApiRefused { status: 429, .. } => {
                fixed(word!(lang, board.fix_stuck_api_refused_429))
            }
            Stuck::ApiRefused {
                status: 500..=599, ..
            } => word!(lang, board.fix_stuck_api_refused_5xx)(TABLE),
            Stuck::ApiRefused { .. } => fixed(word!(lang, board.fix_stuck_api_refused)),
            Stuck::NoAnswerNoRecord { .. } => {
                fixed(word!(lang, board.fix_stuck_no_answer_no_record))
            }
            Stuck::NotWritten { .. } => fixed(word!(lang, board.fix_stuck_not_written)),
            Stuck::TableRefused { .. } => word!(lang, board.fix_stuck_table_refused)(TABLE),
            Stuck::StreamOff => word!(lang, board.fix_stuck_stream_off)(TABLE),
            Stuck::StreamWithoutNewImage { .. } => {
                fixed(word!(lang, board.fix_stuck_stream_without_new_image))
            }
            Stuck::NoStreamRecord { .. } => word!(lang, board.fix_stuck_no_stream_record)(TABLE),
            Stuck::NoTrigger => word!(lang, board.fix_stuck_no_trigger)(TABLE, FUNCTION),
            Stuck::TriggerOff { .. } => fixed(word!(lang, board.fix_stuck_trigger_off)),
            Stuck::RoleCannotReadStream { .. } => {
                word!(lang, board.fix_stuck_role_cannot_read_stream)(STREAM_POLICY, ROLE)
            }
            Stuck::NoInvocation { .. } => fixed(word!(lang, board.fix_stuck_no_invocation)),
            Stuck::ShippedHandlerCannotUpdate { .. } => {
                fixed(word!(lang, board.fix_stuck_shipped_handler_cannot_update))
            }
            Stuck::ShippedHandlerCannotRemove { .. } => {
                fixed(word!(lang, board.fix_stuck_shipped_handler_cannot_remove))
            }
            Stuck::IndexRefused { .. } => fixed(word!(lang, board.fix_stuck_index_refused)),
            Stuck::DataAccessDenied { .. } => {
                word!(lang, board.fix_stuck_data_access_denied)(ROLE, DATA_ACCESS_POLICY)
            }
            Stuck::HandlerCrashed { exception, .. } if exception.contains("KeyError: 'S'") => {
                fixed(word!(lang, board.fix_stuck_handler_reads_only_strings))
            }
            Stuck::HandlerCrashed { exception, .. } | Stuck::FunctionCrashed { exception }
                if exception.starts_with("KeyError: '") =>
            {
                fixed(word!(lang, board.fix_stuck_environment))
            }
            Stuck::HandlerCrashed { .. } | Stuck::FunctionCrashed { .. } => {
                fixed(word!(lang, board.fix_stuck_handler_crashed))
            }
            Stuck::RecordExpired { .. } => fixed(word!(lang, board.fix_stuck_record_expired)),
            Stuck::OtherIndex { function_index, .. } => {
                word!(lang, board.fix_stuck_other_index)(function_index, INDEX)
            }
            Stuck::BlockedBehind { .. } => fixed(word!(lang, board.fix_stuck_blocked_behind)),
            Stuck::NoDocument { .. } => word!(lang, board.fix_stuck_no_document)(ROLE),
        }
    }
}

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

    /// One of each reason, with values that show whether they are carried
    /// into the words; each of the fix's branches too.
    fn one_of_each() -> Vec<Stuck> {
        let s = |v: &str| v.to_owned();
        vec![
            Stuck::ApiRefused {
                status: 403,
                message: s("Missing Authentication Token"),
            },
            Stuck::ApiRefused {
                status: 429,
                message: s("Too Many Requests"),
            },
            Stuck::ApiRefused {
                status: 502,
                message: s("Internal server error"),
            },
            Stuck::ApiRefused {
                status: 404,
                message: s("Not Found"),
            },
            Stuck::NoAnswerNoRecord { waited_ms: 61_900 },
            Stuck::NotWritten {
                error_type: s("SerializationException"),
                message: s("Start of structure"),
            },
            Stuck::TableRefused {
                operation: s("UpdateItem"),
                status: 400,
                error_type: s("ValidationException"),
            },
            Stuck::StreamOff,
            Stuck::StreamWithoutNewImage {
                view_type: s("KEYS_ONLY"),
            },
            Stuck::NoStreamRecord { waited_ms: 42_500 },
            Stuck::NoTrigger,
            Stuck::TriggerOff {
                state: s("Disabled"),
            },
            Stuck::RoleCannotReadStream {
                last_processing_result: s("PROBLEM: Function call failed"),
            },
            Stuck::NoInvocation {
                waited_ms: 33_000,
                last_processing_result: None,
            },
            Stuck::NoInvocation {
                waited_ms: 34_000,
                last_processing_result: Some(s("PROBLEM: x")),
            },
            Stuck::ShippedHandlerCannotUpdate {
                status: Some(405),
                response: s("{}"),
            },
            Stuck::ShippedHandlerCannotUpdate {
                status: None,
                response: s("{}"),
            },
            Stuck::ShippedHandlerCannotRemove {
                item_id: s("k-17"),
                response: s("{}"),
            },
            Stuck::IndexRefused {
                status: Some(400),
                response: s("mapper_parsing_exception"),
            },
            Stuck::IndexRefused {
                status: None,
                response: s("mapper_parsing_exception"),
            },
            Stuck::DataAccessDenied {
                response: s("403 Forbidden"),
            },
            Stuck::HandlerCrashed {
                exception: s("KeyError: 'S'"),
                attempts: 3,
                expires_at_ms: 1_728_503_722_000,
            },
            Stuck::HandlerCrashed {
                exception: s("KeyError: 'OPENSEARCH_HOST'"),
                attempts: 4,
                expires_at_ms: 1_728_503_722_000,
            },
            Stuck::HandlerCrashed {
                exception: s("TypeError: boom"),
                attempts: 5,
                expires_at_ms: 1_728_503_722_000,
            },
            Stuck::RecordExpired {
                exception: s("TypeError: boom"),
                expired_at_ms: 1_728_503_722_000,
            },
            Stuck::FunctionCrashed {
                exception: s("ImportModuleError: nope"),
            },
            Stuck::BlockedBehind {
                blocking_item: s("k-9"),
                expires_at_ms: 1_728_503_722_000,
            },
            Stuck::OtherIndex {
                function_index: s("other_index"),
                searched_index: s("dynamodb_replicate"),
            },
            Stuck::NoDocument {
                waited_ms: 75_000,
                index: s("dynamodb_replicate"),
            },
        ]
    }

    /// The values each reason must say, in any language.
    fn values_of(r: &Stuck) -> Vec<String> {
        let utc = |ms: i64| format_utc(ms / 1000);
        match r {
            Stuck::ApiRefused { status, message } => vec![status.to_string(), message.clone()],
            Stuck::NoAnswerNoRecord { waited_ms }
            | Stuck::NoStreamRecord { waited_ms }
            | Stuck::NoDocument { waited_ms, .. } => vec![format!("{} s", waited_ms / 1000)],
            Stuck::NotWritten {
                error_type,
                message,
            } => vec![error_type.clone(), message.clone()],
            Stuck::TableRefused {
                operation,
                status,
                error_type,
            } => {
                vec![operation.clone(), status.to_string(), error_type.clone()]
            }
            Stuck::StreamOff | Stuck::NoTrigger | Stuck::DataAccessDenied { .. } => vec![],
            Stuck::StreamWithoutNewImage { view_type } => vec![view_type.clone()],
            Stuck::TriggerOff { state } => vec![state.clone()],
            Stuck::RoleCannotReadStream {
                last_processing_result,
            } => vec![last_processing_result.clone()],
            Stuck::NoInvocation {
                waited_ms,
                last_processing_result,
            } => {
                let mut v = vec![format!("{} s", waited_ms / 1000)];
                v.extend(last_processing_result.clone());
                v
            }
            Stuck::ShippedHandlerCannotUpdate { status, .. } => {
                status.iter().map(u16::to_string).collect()
            }
            Stuck::ShippedHandlerCannotRemove { item_id, .. } => vec![format!("_doc{item_id}")],
            Stuck::IndexRefused { status, response } => {
                let mut v = vec![response.clone()];
                v.extend(status.map(|s| s.to_string()));
                v
            }
            Stuck::HandlerCrashed {
                exception,
                attempts,
                expires_at_ms,
            } => {
                vec![exception.clone(), attempts.to_string(), utc(*expires_at_ms)]
            }
            Stuck::RecordExpired {
                exception,
                expired_at_ms,
            } => vec![exception.clone(), utc(*expired_at_ms)],
            Stuck::FunctionCrashed { exception } => vec![exception.clone()],
            Stuck::BlockedBehind {
                blocking_item,
                expires_at_ms,
            } => vec![blocking_item.clone(), utc(*expires_at_ms)],
            Stuck::OtherIndex {
                function_index,
                searched_index,
            } => vec![function_index.clone(), searched_index.clone()],
        }
    }

    #[test]
    fn every_reason_and_fix_is_worded_in_each_language_with_its_values() {
        let all = one_of_each();
        // Every variant is among them (a new one fails `values_of` first).
        let names: std::collections::BTreeSet<String> = all
            .iter()
            .map(|r| match serde_json::to_value(r).unwrap() {
                // A variant without fields is its name.
                serde_json::Value::String(name) => name,
                v => v.as_object().unwrap().keys().next().unwrap().clone(),
            })
            .collect();
        assert_eq!(names.len(), 21, "{names:?}");
        for r in &all {
            // English is Display's, and the fix's English is `fix()`.
            assert_eq!(r.reason_in(Lang::En), r.to_string());
            assert_eq!(r.fix_in(Lang::En), r.fix());
            for lang in Lang::ALL {
                let reason = r.reason_in(lang);
                for value in values_of(r) {
                    assert!(
                        reason.contains(&value),
                        "{lang:?} {r:?}: {reason} lacks {value}"
                    );
                }
                assert!(!r.fix_in(lang).is_empty());
            }
            assert_ne!(r.reason_in(Lang::Vi), r.reason_in(Lang::En), "{r:?}");
            assert_ne!(r.fix_in(Lang::Vi), r.fix_in(Lang::En), "{r:?}");
        }
        // The fixes name the lab's resources in both languages.
        for lang in Lang::ALL {
            assert!(Stuck::StreamOff.fix_in(lang).contains(TABLE));
            assert!(Stuck::NoTrigger.fix_in(lang).contains(FUNCTION));
            let other = &all[27];
            assert!(
                other.fix_in(lang).contains("other_index") && other.fix_in(lang).contains(INDEX)
            );
        }
    }

    #[test]
    fn the_english_is_the_text_the_page_always_showed() {
        let off = Stuck::TriggerOff {
            state: "Disabled".into(),
        };
        assert_eq!(
            off.to_string(),
            "The trigger is Disabled: the Lambda is not invoked."
        );
        let late = Stuck::NoInvocation {
            waited_ms: 34_000,
            last_processing_result: Some("PROBLEM: x".into()),
        };
        assert_eq!(late.to_string(), "No invocation of the Lambda 34 s after the stream record (the trigger's last result: PROBLEM: x).");
        let refused = Stuck::IndexRefused {
            status: None,
            response: "r".into(),
        };
        assert_eq!(
            refused.to_string(),
            "The collection refused the Lambda's request: r"
        );
        assert_eq!(
            Stuck::ShippedHandlerCannotUpdate { status: None, response: String::new() }.to_string(),
            "The shipped Lambda sends the update as PUT without a document id; the collection answered an error."
        );
        assert_eq!(
            Stuck::TriggerOff {
                state: "Disabled".into()
            }
            .reason_in(Lang::Vi),
            "Trigger đang ở trạng thái Disabled: hàm Lambda không được gọi."
        );
    }
}
