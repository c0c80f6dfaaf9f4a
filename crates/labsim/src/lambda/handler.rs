//! The function's code: what the workshop's handler (or the fixed one, or
//! the typed one) does with each stream record, calling the collection as
//! `requests` would, and the lines it prints.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::event_source_mapping::InFlight;
use super::runtime::{Crash, Frame};
use super::{python, HandlerKind, HandlerOutcome, InvocationRecord};
use crate::dynamodb::{AttributeValue, Item};
use crate::iam;
use crate::message::Request;
use crate::opensearch::Collection;
use crate::percent;
use crate::rng::SplitMix64;

/// Where the workshop's code as shipped raises on a non-string attribute
/// (workshop.md: measured by running it under Python 3.12).
const WORKSHOP_NON_STRING: Frame = Frame {
    line: 33,
    function: "lambda_handler",
    source: "transformed_data[key] = event_data[key][\"S\"];",
};

/// Where the fixed handler raises on the same.
const FIXED_NON_STRING: Frame = Frame {
    line: 30,
    function: "lambda_handler",
    source: "document = {k: v['S'] for k, v in record['dynamodb']['NewImage'].items()}",
};

/// Where either handler raises when its environment variables are not set.
pub(super) const MISSING_ENVIRONMENT: Frame = Frame {
    line: 8,
    function: "lambda_handler",
    source: "host = os.environ['OPENSEARCH_HOST']",
};

/// An HTTP call from the function to the collection.
struct Call {
    status: u16,
    body: String,
}

/// The code signs as the execution role; without `aoss:APIAccessAll` the
/// collection refuses it with AOSS's 403 before anything else.
fn call(
    run: &InFlight,
    collection: &mut Collection,
    env: &BTreeMap<String, String>,
    (method, path): (&str, &str),
    body: Option<String>,
    rng: &mut SplitMix64,
) -> Call {
    if !run.may_call_collection {
        let denied = iam::aoss_access_denied(iam::AossDenial::MissingApiAccessAll, &rng.uuid());
        return Call {
            status: denied.status,
            body: denied.body_text(),
        };
    }
    let now_ms = run.now_ms;
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
    let Some(env) = run.env.as_ref() else {
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
    let base = format!(
        "/{}/{}",
        env["OPENSEARCH_INDEX"], env["OPENSEARCH_DATATYPE"]
    );
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
