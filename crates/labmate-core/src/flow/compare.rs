//! The document compared with the item: each attribute of the item (typed,
//! as DynamoDB writes it: `{"N": "3"}`) beside the value the handler put in
//! the document (plain JSON: `3`).
//!
//! A handler that reads each attribute by its type (boto3's
//! `TypeDeserializer`, then `json.dumps`) writes N as a JSON number, BOOL
//! and NULL as themselves, M as an object, L as an array, and the sets as
//! arrays in any order; B stays the stream event's base64 text. A number
//! matches by value (`"3"`, `3` and `3.0` are one number), or as its text
//! (a handler that dumps decimals with `default=str`).

use serde_json::{Map, Value};

use super::Image;

/// One attribute of the item beside the document's value for it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeCompared {
    pub attribute: String,
    /// The item's value, as plain JSON (see [`plain`]).
    pub item: Value,
    /// The document's value; `None` when the document lacks it.
    pub document: Option<Value>,
    pub same: bool,
}

/// An attribute value as DynamoDB types it (`{"N": "3"}`), as plain JSON,
/// the way a handler reading it by its type writes it (`3`). Anything not
/// a typed value is returned as it is.
pub fn plain(typed: &Value) -> Value {
    let Some((tag, inner)) = typed
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return typed.clone();
    };
    let list = |f: fn(&Value) -> Value| {
        Value::Array(
            inner
                .as_array()
                .map_or_else(Vec::new, |a| a.iter().map(f).collect()),
        )
    };
    match tag.as_str() {
        "S" | "B" | "BOOL" => inner.clone(),
        "NULL" => Value::Null,
        "N" => inner.as_str().map_or(Value::Null, number),
        "M" => Value::Object(
            inner
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
                .unwrap_or_default(),
        ),
        "L" => list(plain),
        "SS" | "BS" => inner.clone(),
        "NS" => list(|n| n.as_str().map_or(Value::Null, number)),
        _ => typed.clone(),
    }
}

/// A DynamoDB number's text as the typed handler writes it (the text
/// itself when it is no number JSON can hold).
fn number(text: &str) -> Value {
    lab_model::number_json(text).map_or_else(|| Value::String(text.to_owned()), Value::Number)
}

/// Whether the document's `value` shows the typed attribute `typed`.
pub fn shows(typed: &Value, value: &Value) -> bool {
    let Some((tag, inner)) = typed
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return typed == value;
    };
    let members = |kind: fn(&Value, &Value) -> bool| {
        let (Some(wanted), Some(got)) = (inner.as_array(), value.as_array()) else {
            return false;
        };
        wanted.len() == got.len() && wanted.iter().all(|w| got.iter().any(|g| kind(w, g)))
    };
    match tag.as_str() {
        "S" | "B" | "BOOL" => inner == value,
        "NULL" => value.is_null(),
        "N" => same_number(inner, value),
        "M" => match (inner.as_object(), value.as_object()) {
            (Some(m), Some(doc)) => m
                .iter()
                .all(|(k, v)| doc.get(k).is_some_and(|d| shows(v, d))),
            _ => false,
        },
        "L" => match (inner.as_array(), value.as_array()) {
            (Some(l), Some(doc)) => {
                l.len() == doc.len() && l.iter().zip(doc).all(|(v, d)| shows(v, d))
            }
            _ => false,
        },
        "SS" | "BS" => members(|w, g| w == g),
        "NS" => members(same_number),
        _ => typed == value,
    }
}

/// A number's text (`"3"`) against a document value: equal as numbers, or
/// the same text.
fn same_number(text: &Value, value: &Value) -> bool {
    let Some(text) = text.as_str() else {
        return false;
    };
    match value {
        Value::Number(n) => text.parse::<f64>().ok() == n.as_f64(),
        Value::String(s) => s == text,
        _ => false,
    }
}

/// Each attribute of `image` (typed) beside `source`'s value for it, in the
/// image's order.
pub fn compare(image: &Image, source: &Map<String, Value>) -> Vec<AttributeCompared> {
    image
        .iter()
        .map(|(name, typed)| {
            let document = source.get(name).cloned();
            AttributeCompared {
                attribute: name.clone(),
                item: plain(typed),
                same: document.as_ref().is_some_and(|d| shows(typed, d)),
                document,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_number_matches_the_json_number_of_the_same_value_or_its_text() {
        let n = json!({"N": "3"});
        assert!(shows(&n, &json!(3)));
        assert!(shows(&n, &json!(3.0)));
        assert!(shows(&n, &json!("3")));
        assert!(!shows(&n, &json!(4)));
        assert!(!shows(&n, &json!("three")));
        assert!(shows(&json!({"N": "-2.25"}), &json!(-2.25)));
        assert_eq!(plain(&n), json!(3));
        assert_eq!(plain(&json!({"N": "1.50"})), json!(1.5));
    }

    #[test]
    fn every_type_is_compared_as_a_typed_handler_writes_it() {
        let image: Image = serde_json::from_value(json!({
            "id": {"S": "t1"},
            "done": {"BOOL": false},
            "gone": {"NULL": true},
            "meta": {"M": {"ok": {"BOOL": true}, "at": {"N": "1.5"}}},
            "list": {"L": [{"S": "a"}, {"N": "7"}]},
            "tags": {"SS": ["x", "y"]},
            "scores": {"NS": ["1", "2.5"]},
            "blob": {"B": "aGk="}
        }))
        .unwrap();
        let document: Map<String, Value> = serde_json::from_value(json!({
            "id": "t1", "done": false, "gone": null, "meta": {"ok": true, "at": 1.5},
            "list": ["a", 7], "tags": ["y", "x"], "scores": [2.5, 1], "blob": "aGk="
        }))
        .unwrap();
        let compared = compare(&image, &document);
        assert!(compared.iter().all(|c| c.same), "{compared:#?}");
        let items: Map<String, Value> = compared
            .iter()
            .map(|c| (c.attribute.clone(), c.item.clone()))
            .collect();
        // The item as plain JSON is what the handler wrote, sets aside
        // (their order is the item's).
        let mut expected = document.clone();
        expected.insert("tags".into(), json!(["x", "y"]));
        expected.insert("scores".into(), json!([1, 2.5]));
        assert_eq!(items, expected);
        let mut changed = document.clone();
        changed.insert("list".into(), json!(["a", 8]));
        changed.remove("done");
        let compared = compare(&image, &changed);
        let differ: Vec<(&str, bool)> = compared
            .iter()
            .filter(|c| !c.same)
            .map(|c| (c.attribute.as_str(), c.document.is_some()))
            .collect();
        assert_eq!(differ, [("done", false), ("list", true)]);
    }
}
