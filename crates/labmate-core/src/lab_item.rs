//! The body a learner POSTs to /v1/lab, checked before it is sent.

use serde_json::Value;

use crate::word;
use crate::words::Lang;

/// Why the item cannot be sent. Worded by [`ItemError::words`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum ItemError {
    NotJson {
        line: usize,
        column: usize,
        /// serde_json's own text.
        message: String,
    },
    NotAnObject,
    /// The field's name (`name`, `type`).
    MissingField(&'static str),
}

impl ItemError {
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, serde_json's own text passed through `v`.
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            ItemError::NotJson {
                line,
                column,
                message,
            } => word!(lang, send.item_not_json)(*line, *column, &v(message)),
            ItemError::NotAnObject => word!(lang, send.item_not_an_object).to_owned(),
            ItemError::MissingField(field) => word!(lang, send.item_missing_field)(field),
        }
    }
}

/// Things that will go wrong downstream although the JSON is fine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemWarning {
    /// A `"` or `\` in a value breaks the mapping template's pasted JSON:
    /// the API answers 200 with DynamoDB's SerializationException.
    BreaksTemplate { field: String },
    /// A non-string value is pasted as is; DynamoDB sees a different type.
    NotAString { field: String },
}

impl ItemWarning {
    /// The warning in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            ItemWarning::BreaksTemplate { field } => word!(lang, send.item_breaks_template)(field),
            ItemWarning::NotAString { field } => word!(lang, send.item_not_a_string)(field),
        }
    }

    /// The warning in English.
    pub fn message(&self) -> String {
        self.words(Lang::En)
    }
}

/// serde_json's message without its " at line L column C" tail: the
/// callers give line and column as fields of their own.
pub(crate) fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    text.split(" at line").next().unwrap_or_default().to_owned()
}

/// Checks a /v1/lab body. Returns the body to send, as typed (the request
/// inspector then shows exactly what the learner wrote), and warnings.
pub fn check_item(text: &str) -> Result<(String, Vec<ItemWarning>), ItemError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ItemError::NotJson {
        line: e.line(),
        column: e.column(),
        message: json_error_message(&e),
    })?;
    let obj = value.as_object().ok_or(ItemError::NotAnObject)?;
    let mut warnings = Vec::new();
    for field in ["name", "type"] {
        match obj.get(field) {
            None => return Err(ItemError::MissingField(field)),
            Some(Value::String(s)) if s.contains(['"', '\\']) => {
                warnings.push(ItemWarning::BreaksTemplate {
                    field: field.into(),
                })
            }
            Some(Value::String(_)) => {}
            Some(_) => warnings.push(ItemWarning::NotAString {
                field: field.into(),
            }),
        }
    }
    Ok((text.trim().to_owned(), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::assert_worded;

    /// Every error and warning, in every language, with the line, column,
    /// JSON message or field in it; the Vietnamese is not the English.
    #[test]
    fn every_item_message_is_worded_in_each_language_with_its_values() {
        let errors = [
            (
                ItemError::NotJson {
                    line: 27,
                    column: 31,
                    message: "expected value".into(),
                },
                vec!["27", "31", "expected value"],
            ),
            (ItemError::NotAnObject, vec!["{\"name\": \"Alice\""]),
            (ItemError::MissingField("type"), vec!["\"type\""]),
        ];
        for (e, values) in errors {
            assert_worded(&e, &e.to_string(), |l| e.words(l), &values, true);
        }
        let field = "name-77".to_owned();
        for w in [
            ItemWarning::BreaksTemplate {
                field: field.clone(),
            },
            ItemWarning::NotAString {
                field: field.clone(),
            },
        ] {
            assert_worded(&w, &w.message(), |l| w.words(l), &[&field], true);
        }
        assert_eq!(
            ItemError::MissingField("name").to_string(),
            "The item needs a \"name\" field: the API's mapping template reads name and type."
        );
    }

    #[test]
    fn sends_the_item_as_typed() {
        let typed = "{ \"type\": \"learner\",\n \"name\": \"Alice\" }";
        let (body, w) = check_item(&format!("\n  {typed}\n")).unwrap();
        assert_eq!(body, typed);
        assert!(w.is_empty());
    }

    #[test]
    fn specific_errors() {
        assert_eq!(
            check_item("{\"name\": \"A\",\n \"type\": }"),
            Err(ItemError::NotJson {
                line: 2,
                column: 10,
                message: "expected value".into()
            })
        );
        assert_eq!(check_item("[1]"), Err(ItemError::NotAnObject));
        assert_eq!(
            check_item(r#"{"name":"A"}"#),
            Err(ItemError::MissingField("type"))
        );
    }

    #[test]
    fn warns_about_template_breakers() {
        let (_, w) = check_item(r#"{"name":"say \"hi\"","type":3}"#).unwrap();
        assert_eq!(
            w,
            vec![
                ItemWarning::BreaksTemplate {
                    field: "name".into()
                },
                ItemWarning::NotAString {
                    field: "type".into()
                }
            ]
        );
    }
}
