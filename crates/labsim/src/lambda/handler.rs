//! The function's code: what the workshop's handler (or the fixed one, or
//! the typed one) does with each stream record, calling the collection as
//! `requests` would, and the lines it prints; and what it reads from its
//! environment variables first.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::event_source_mapping::InFlight;
use super::runtime::{Crash, Frame};
use super::{python, HandlerKind, HandlerOutcome, InvocationRecord, Variables};
use crate::dynamodb::{AttributeValue, Item};
use crate::iam;
use crate::message::Request;
use crate::opensearch::Collection;
use crate::percent;
use crate::rng::SplitMix64;
use crate::service_error::auth_error;
use crate::sigv4::{AuthError, MSG_WRONG_REGION};
use crate::Service;

/// Where the workshop's code as shipped raises on a non-string attribute
/// (workshop.md: measured by running it under Python 3.12).
const WORKSHOP_NON_STRING: Frame = Frame {
    line: 33,
    function: Cow::Borrowed("lambda_handler"),
    source: Cow::Borrowed("transformed_data[key] = event_data[key][\"S\"];"),
};

/// Where the fixed handler raises on the same.
const FIXED_NON_STRING: Frame = Frame {
    line: 30,
    function: Cow::Borrowed("lambda_handler"),
    source: Cow::Borrowed(
        "document = {k: v['S'] for k, v in record['dynamodb']['NewImage'].items()}",
    ),
};

/// The handler's reads of its environment variables, in order, each where
/// it raises `KeyError` when its variable is missing. `OPENSEARCH_HOST`
/// comes first (no variables at all fail on it); the order and lines of
/// the other four are labsim's reading of the code (the shipped source is
/// not on record).
const ENVIRONMENT_READS: [(&str, Frame); 5] = [
    (
        "OPENSEARCH_HOST",
        read_at(8, "host = os.environ['OPENSEARCH_HOST']"),
    ),
    (
        "OPENSEARCH_INDEX",
        read_at(9, "index = os.environ['OPENSEARCH_INDEX']"),
    ),
    (
        "OPENSEARCH_DATATYPE",
        read_at(10, "datatype = os.environ['OPENSEARCH_DATATYPE']"),
    ),
    ("REGION", read_at(11, "region = os.environ['REGION']")),
    (
        "AWS_SERVICE",
        read_at(12, "service = os.environ['AWS_SERVICE']"),
    ),
];

const fn read_at(line: u32, source: &'static str) -> Frame {
    Frame {
        line,
        function: Cow::Borrowed("lambda_handler"),
        source: Cow::Borrowed(source),
    }
}

/// What the handler read from its environment variables.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct HandlerEnv {
    /// `OPENSEARCH_HOST` without its scheme or a trailing `/`.
    host: String,
    index: String,
    datatype: String,
    /// Why the collection refuses the signature made with `REGION` and
    /// `AWS_SERVICE` (its credential scope), if it does: the front door's
    /// own message for a region or service that is not the collection's.
    scope_refusal: Option<String>,
}

/// Reads the variables as the handler does before its first record: the
/// `KeyError` of the first one missing, or what it read. `region` is the
/// function's (and the collection's) region.
pub(super) fn read_environment(vars: &Variables, region: &str) -> Result<HandlerEnv, Crash> {
    for (name, frame) in ENVIRONMENT_READS {
        if !vars.contains_key(name) {
            return Err(Crash {
                exception: format!("KeyError: '{name}'"),
                frames: vec![frame],
            });
        }
    }
    let var = |name: &str| vars.get(name).cloned().unwrap_or_default();
    // Checked in the order the front door checks a credential scope.
    let scope_refusal = if var("REGION") != region {
        Some(MSG_WRONG_REGION.to_owned())
    } else if var("AWS_SERVICE") != "aoss" {
        Some("Credential should be scoped to correct service: 'aoss'.".to_owned())
    } else {
        None
    };
    Ok(HandlerEnv {
        host: var("OPENSEARCH_HOST")
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned(),
        index: var("OPENSEARCH_INDEX"),
        datatype: var("OPENSEARCH_DATATYPE"),
        scope_refusal,
    })
}

/// An HTTP call from the function to the collection.
struct Call {
    status: u16,
    body: String,
}

/// The code signs as the execution role, scoped with `REGION` and
/// `AWS_SERVICE`: a scope that is not the collection's is refused as the
/// collection's front door refuses it; then, without `aoss:APIAccessAll`,
/// the collection refuses it with AOSS's 403 before anything else.
fn call(
    run: &InFlight,
    collection: &mut Collection,
    env: &HandlerEnv,
    (method, path): (&str, &str),
    body: Option<String>,
    rng: &mut SplitMix64,
) -> Call {
    if let Some(message) = &env.scope_refusal {
        let err = AuthError::SignatureDoesNotMatch(message.clone());
        let refused = auth_error(Service::Aoss, &err, &rng.uuid());
        return Call {
            status: refused.status,
            body: refused.body_text(),
        };
    }
    if !run.may_call_collection {
        let denied = iam::aoss_access_denied(iam::AossDenial::MissingApiAccessAll, &rng.uuid());
        return Call {
            status: denied.status,
            body: denied.body_text(),
        };
    }
    let now_ms = run.now_ms;
    let mut req = Request::new(method, path)
        .with_header("host", &env.host)
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

/// `{attr: value["S"]}` over an image (none: an empty one); `Err(attr)` at
/// the first value that has no `S` (Python's KeyError).
fn flatten_s(image: Option<&Item>) -> Result<Map<String, Value>, String> {
    let mut doc = Map::new();
    for (name, value) in image.into_iter().flatten() {
        match value {
            AttributeValue::S(s) => {
                doc.insert(name.clone(), Value::String(s.clone()));
            }
            _ => return Err(name.clone()),
        }
    }
    Ok(doc)
}

fn latency(rng: &mut SplitMix64) -> i64 {
    20 + (rng.next_u64() % 90) as i64
}

/// The handler's work on its next record: the workshop's code as shipped,
/// the fixed one (the DynamoDB key as the document id), or the typed one
/// (the fixed one reading each attribute by its type, see `python.rs`). The calls reach
/// the collection at the invocation's time (the simulated durations only
/// shape the log timestamps), so nothing is written in the future.
pub(super) fn handle_record(run: &mut InFlight, collection: &mut Collection, rng: &mut SplitMix64) {
    let Ok(env) = run.env.as_ref() else {
        return;
    };
    let record = &run.batch[run.handled];
    let event_id = record.event_id.clone();
    run.handled += 1;
    let outcome = |outcome, res: Option<&Call>, document_id: Option<String>| InvocationRecord {
        event_id: event_id.clone(),
        outcome,
        status: res.map(|r| r.status),
        document_id,
    };
    let base = format!("/{}/{}", env.index, env.datatype);
    // The typed handler is the fixed one with every attribute read by its
    // type.
    let fixed = matches!(run.handler, HandlerKind::Fixed | HandlerKind::Typed);
    let id = match record.keys.get("id") {
        Some(AttributeValue::S(id)) => id.clone(),
        _ => String::new(),
    };
    let name = record.event_name.as_str();
    match name {
        "INSERT" | "MODIFY" => {
            let document = if run.handler == HandlerKind::Typed {
                let empty = Item::new();
                let image = record.new_image.as_ref().unwrap_or(&empty);
                Ok((
                    python::deserialized_document(image),
                    python::deserialized_repr(image),
                ))
            } else {
                flatten_s(record.new_image.as_ref()).map(|doc| {
                    let doc = Value::Object(doc);
                    let printed = python::repr(&doc);
                    (doc, printed)
                })
            };
            let (doc, printed) = match document {
                Ok(document) => document,
                Err(_) => {
                    let crashed = outcome(HandlerOutcome::Crashed, None, None);
                    run.outcomes.push(crashed);
                    let frame = if fixed {
                        FIXED_NON_STRING
                    } else {
                        WORKSHOP_NON_STRING
                    };
                    run.error = Some(Crash {
                        exception: "KeyError: 'S'".to_owned(),
                        frames: vec![frame],
                    });
                    return;
                }
            };
            let (method, path) = match (fixed, name) {
                (true, _) => (
                    "PUT",
                    format!("{base}/{}", percent::encode(&id, percent::UNRESERVED)),
                ),
                (false, "INSERT") => ("POST", base),
                (false, _) => ("PUT", base),
            };
            let res = call(
                run,
                collection,
                env,
                (method, &path),
                Some(python::json_dumps(&doc)),
                rng,
            );
            run.t += latency(rng);
            let doc = printed;
            let accepted = res.status == 200 || res.status == 201;
            let record = if accepted {
                outcome(HandlerOutcome::Indexed, Some(&res), written_id(&res))
            } else {
                outcome(HandlerOutcome::FailedToIndex, Some(&res), None)
            };
            run.outcomes.push(record);
            if accepted {
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
                format!("{base}/{}", percent::encode(&id, percent::UNRESERVED))
            } else {
                format!("{base}{id}")
            };
            let res = call(run, collection, env, ("DELETE", &path), None, rng);
            run.t += latency(rng);
            let record = if res.status == 200 {
                outcome(HandlerOutcome::Removed, Some(&res), written_id(&res))
            } else {
                outcome(HandlerOutcome::FailedToRemove, Some(&res), None)
            };
            run.outcomes.push(record);
            run.lines.push((run.t, removal_line(&id, &res)));
        }
        // No handler has a branch for anything else.
        _ => run
            .outcomes
            .push(outcome(HandlerOutcome::NotReached, None, None)),
    }
}

/// The `_id` the collection says it wrote or deleted.
fn written_id(res: &Call) -> Option<String> {
    serde_json::from_str::<Value>(&res.body)
        .ok()?
        .get("_id")?
        .as_str()
        .map(str::to_owned)
}

/// What every handler prints after a DELETE, word for word as the
/// workshop's Python does.
fn removal_line(id: &str, res: &Call) -> String {
    if res.status == 200 {
        format!("Removed item successfully with ID {id}")
    } else {
        format!("Failed to remove item with ID {id}, Response: {}", res.body)
    }
}
