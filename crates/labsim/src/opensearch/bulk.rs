//! `_bulk`: newline-delimited actions, answered item by item.
//!
//! A malformed action line fails the whole request (as OpenSearch's
//! BulkRequestParser does, before anything is written); a failing document
//! fails only its own item.

use super::api::{write_json, TOOK_MS};
use super::error::OsError;
use super::json::{self, Json};
use super::mapping::scalar_text;
use super::{Collection, WriteOp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Create,
    Update,
    Delete,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Index => "index",
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Delete => "delete",
        }
    }
}

struct Action<'a> {
    kind: Kind,
    index: String,
    id: Option<String>,
    /// The document (index, create) or update body line.
    payload: &'a str,
}

fn malformed(line: usize, detail: String) -> OsError {
    OsError::illegal_argument(format!("Malformed action/metadata line [{line}], {detail}"))
}

/// Runs a bulk request; `default_index` comes from `/{index}/_bulk`.
pub(crate) fn bulk(
    collection: &mut Collection,
    default_index: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Json, OsError> {
    let text =
        std::str::from_utf8(body).map_err(|_| OsError::parse("request body is not valid UTF-8"))?;
    if !text.ends_with('\n') {
        return Err(OsError::illegal_argument(
            "The bulk request must be terminated by a newline [\\n]",
        ));
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut actions = Vec::new();
    let mut missing_index = 0;
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let line = lines[i];
        i += 1;
        if line.trim().is_empty() {
            continue;
        }
        let meta = json::parse(line).map_err(|e| OsError::json_parse(&e))?;
        let Json::Object(pairs) = &meta else {
            return Err(malformed(
                line_no,
                format!(
                    "expected START_OBJECT or END_OBJECT but found [{}]",
                    meta.token_name()
                ),
            ));
        };
        let (kind_name, params) = match pairs.as_slice() {
            [] => {
                return Err(malformed(
                    line_no,
                    "expected FIELD_NAME but found [END_OBJECT]".into(),
                ))
            }
            [only] => (only.0.as_str(), &only.1),
            _ => {
                return Err(malformed(
                    line_no,
                    "expected END_OBJECT but found [FIELD_NAME]".into(),
                ))
            }
        };
        let kind = match kind_name {
            "index" => Kind::Index,
            "create" => Kind::Create,
            "update" => Kind::Update,
            "delete" => Kind::Delete,
            other => {
                return Err(malformed(
                    line_no,
                    format!(
                    "expected field [create], [delete], [index] or [update] but found [{other}]"
                ),
                ))
            }
        };
        let Json::Object(params) = params else {
            return Err(malformed(
                line_no,
                format!("expected START_OBJECT but found [{}]", params.token_name()),
            ));
        };
        let mut index = default_index.map(str::to_owned);
        let mut id = None;
        for (key, value) in params {
            match key.as_str() {
                "_index" => index = Some(scalar_text(value)),
                "_id" => id = Some(scalar_text(value)),
                "routing" | "_routing" | "retry_on_conflict" | "require_alias" => {}
                "if_seq_no" | "if_primary_term" | "version" | "version_type" | "pipeline"
                | "_source" | "dynamic_templates" => {
                    return Err(OsError::not_simulated(format!("[{key}] in bulk actions")))
                }
                other => {
                    return Err(OsError::illegal_argument(format!(
                        "Action/metadata line [{line_no}] contains an unknown parameter [{other}]"
                    )))
                }
            }
        }
        let payload = if kind == Kind::Delete {
            ""
        } else {
            // An action whose document line never comes is dropped, as the
            // parser stops at the last newline.
            match lines.get(i) {
                Some(next) if i + 1 < lines.len() => {
                    i += 1;
                    next
                }
                _ => break,
            }
        };
        let Some(index) = index else {
            missing_index += 1;
            continue;
        };
        actions.push(Action {
            kind,
            index,
            id,
            payload,
        });
    }
    let mut problems = vec!["index is missing".to_owned(); missing_index];
    if actions.is_empty() && problems.is_empty() {
        problems.push("no requests added".to_owned());
    }
    if !problems.is_empty() {
        return Err(OsError::validation(&problems));
    }

    let mut errors = false;
    let mut items = Vec::new();
    for action in actions {
        // Generated ids are assigned before the document is parsed, so a
        // failed item still names one.
        let id = match (&action.id, action.kind) {
            (Some(id), _) => id.clone(),
            (None, Kind::Index | Kind::Create) => collection.new_id(),
            (None, _) => String::new(),
        };
        let result = match action.kind {
            _ if id.is_empty() => Err(OsError::validation(&["id is missing".to_owned()])),
            Kind::Index => collection.write_doc(
                &action.index,
                Some(&id),
                action.payload.to_owned(),
                WriteOp::Index,
                now_ms,
            ),
            Kind::Create => collection.write_doc(
                &action.index,
                Some(&id),
                action.payload.to_owned(),
                WriteOp::Create,
                now_ms,
            ),
            Kind::Delete => collection.delete_doc(&action.index, &id, now_ms),
            Kind::Update => json::parse(action.payload)
                .map_err(|e| OsError::json_parse(&e))
                .and_then(|body| collection.update_doc(&action.index, &id, &body, now_ms)),
        };
        let item = match result {
            Ok(outcome) => {
                let mut item = write_json(&outcome);
                if let Json::Object(pairs) = &mut item {
                    pairs.push(("status".to_owned(), Json::from(outcome.result.status())));
                }
                item
            }
            Err(err) => {
                errors = true;
                Json::object([
                    ("_index", Json::from(action.index.as_str())),
                    (
                        "_id",
                        if id.is_empty() {
                            Json::Null
                        } else {
                            Json::from(id.as_str())
                        },
                    ),
                    ("status", Json::from(err.status())),
                    ("error", err.item_json(false)),
                ])
            }
        };
        items.push(Json::object([(action.kind.name(), item)]));
    }
    Ok(Json::object([
        ("took", Json::from(TOOK_MS)),
        ("errors", Json::Bool(errors)),
        ("items", Json::Array(items)),
    ]))
}
