//! The JSON 1.0 protocol as DynamoDB's front end (Amazon's "Coral"
//! framework) implements it: reading typed members out of the request body
//! with Coral's own type-error messages (`SerializationException`), the
//! `N validation errors detected: ...` constraint report, and the response
//! envelope (`application/x-amz-json-1.0`, `x-amzn-RequestId`,
//! `x-amz-crc32`).
//!
//! The messages are the ones dynalite collected from AWS; they are odd
//! (`TRUE_VALUE cannot be converted to String`) but they are what a client
//! sees, so a learner's page must cope with exactly them.

use serde_json::{Map, Value};

use super::codec::crc32;
use super::error::DynamoDbError;
use crate::message::Response;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Reads the request body. An empty or malformed body is a
/// `SerializationException` without a message, as AWS sends it.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, DynamoDbError> {
    let bare = || DynamoDbError::bare(super::error::ErrorKind::Serialization);
    if body.is_empty() {
        return Err(bare());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(_)) => Err(DynamoDbError::serialization(
            "Start of list found where not expected",
        )),
        Ok(_) | Err(_) => Err(bare()),
    }
}

/// The answer to one request.
pub(crate) fn response(result: Result<Value, DynamoDbError>, request_id: &str) -> Response {
    let (status, body) = match result {
        Ok(body) => (200, body),
        Err(err) => (400, err.body()),
    };
    // Serialising a `Value` cannot fail.
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let crc = crc32(&bytes);
    let mut response = Response::with_body(status, CONTENT_TYPE, bytes);
    response.set_header("x-amzn-RequestId", request_id);
    response.set_header("x-amz-crc32", &crc.to_string());
    response
}

fn mismatch(value: &Value, java_type: &str) -> DynamoDbError {
    let message = match value {
        Value::Bool(b) => format!(
            "{} cannot be converted to {java_type}",
            if *b { "TRUE_VALUE" } else { "FALSE_VALUE" }
        ),
        Value::Number(n) => {
            let whole = n.as_f64().is_none_or(|f| f.fract() == 0.0);
            format!(
                "{} cannot be converted to {java_type}",
                if whole {
                    "NUMBER_VALUE"
                } else {
                    "DECIMAL_VALUE"
                }
            )
        }
        Value::String(_) => format!("STRING_VALUE cannot be converted to {java_type}"),
        Value::Array(_) => format!("Unrecognized collection type class java.lang.{java_type}"),
        Value::Object(_) | Value::Null => {
            "Start of structure or map found where not expected".into()
        }
    };
    DynamoDbError::serialization(message)
}

/// A `String` member (null counts as absent, as Coral reads it).
pub(crate) fn read_string(value: &Value) -> Result<Option<&str>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(mismatch(other, "String")),
    }
}

/// A `Boolean` member. Coral also takes the strings true/false/yes/no/1/0.
pub(crate) fn read_bool(value: &Value) -> Result<Option<bool>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) => match s.to_ascii_uppercase().as_str() {
            "TRUE" | "1" | "YES" => Ok(Some(true)),
            "FALSE" | "0" | "NO" => Ok(Some(false)),
            _ => Err(DynamoDbError::serialization(
                "Unexpected token received from parser",
            )),
        },
        Value::Number(_) | Value::Array(_) | Value::Object(_) => Err(mismatch(value, "Boolean")),
    }
}

/// An `Integer` member (fractions are dropped, as Coral does).
pub(crate) fn read_integer(value: &Value) -> Result<Option<i64>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => {
            Ok(Some(n.as_i64().unwrap_or_else(|| {
                n.as_f64().map_or(i64::MAX, |f| f.floor() as i64)
            })))
        }
        other => Err(mismatch(other, "Integer")),
    }
}

/// A list member.
pub(crate) fn read_list(value: &Value) -> Result<Option<&Vec<Value>>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::Array(list) => Ok(Some(list)),
        Value::Object(_) => Err(DynamoDbError::serialization(
            "Start of structure or map found where not expected",
        )),
        _ => Err(DynamoDbError::serialization("Unexpected field type")),
    }
}

/// A map member whose values are `value_type` (a Java class name).
pub(crate) fn read_map<'a>(
    value: &'a Value,
    value_type: &str,
) -> Result<Option<&'a Map<String, Value>>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        Value::Array(_) => Err(DynamoDbError::serialization(format!(
            "Unrecognized collection type java.util.Map<java.lang.String, {value_type}>"
        ))),
        _ => Err(DynamoDbError::serialization("Unexpected field type")),
    }
}

/// A structure member of shape `shape` (`StreamSpecification`, ...).
pub(crate) fn read_struct<'a>(
    value: &'a Value,
    shape: &str,
) -> Result<Option<Fields<'a>>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(Fields(map))),
        Value::Array(_) => Err(DynamoDbError::serialization(format!(
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{shape}"
        ))),
        _ => Err(DynamoDbError::serialization("Unexpected field type")),
    }
}

/// The members of a request (or of a structure inside it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a>(pub &'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The member, unless absent or null.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, DynamoDbError> {
        self.get(name).map_or(Ok(None), read_string)
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, DynamoDbError> {
        self.get(name).map_or(Ok(None), read_bool)
    }

    pub(crate) fn integer(&self, name: &str) -> Result<Option<i64>, DynamoDbError> {
        self.get(name).map_or(Ok(None), read_integer)
    }

    pub(crate) fn structure(
        &self,
        name: &str,
        shape: &str,
    ) -> Result<Option<Fields<'a>>, DynamoDbError> {
        self.get(name).map_or(Ok(None), |v| read_struct(v, shape))
    }

    /// A `Map<String, String>` member (`ExpressionAttributeNames`).
    pub(crate) fn string_map(
        &self,
        name: &str,
    ) -> Result<Option<Vec<(String, String)>>, DynamoDbError> {
        let Some(map) = self
            .get(name)
            .map_or(Ok(None), |v| read_map(v, "java.lang.String"))?
        else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(map.len());
        for (key, value) in map {
            if let Some(s) = read_string(value)? {
                out.push((key.clone(), s.to_owned()));
            }
        }
        Ok(Some(out))
    }
}

/// Coral's constraint report: every violated constraint of the request, as
/// `1 validation error detected: Value null at 'tableName' failed to satisfy
/// constraint: Member must not be null` (at most ten).
#[derive(Debug, Default)]
pub(crate) struct Violations(Vec<String>);

impl Violations {
    pub(crate) fn new() -> Self {
        Violations::default()
    }

    fn push(&mut self, value: Option<String>, path: &str, constraint: &str) {
        if self.0.len() >= 10 {
            return;
        }
        let value = value.map_or_else(|| "null".to_owned(), |v| format!("'{v}'"));
        self.0.push(format!(
            "Value {value} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    pub(crate) fn not_null(&mut self, path: &str, present: bool) {
        if !present {
            self.push(None, path, "Member must not be null");
        }
    }

    pub(crate) fn one_of(&mut self, path: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value.filter(|v| !allowed.contains(v)) {
            let set = allowed.join(", ");
            self.push(
                Some(v.to_owned()),
                path,
                &format!("Member must satisfy enum value set: [{set}]"),
            );
        }
    }

    pub(crate) fn range(&mut self, path: &str, value: Option<i64>, min: i64, max: Option<i64>) {
        let Some(v) = value else { return };
        if v < min {
            let c = format!("Member must have value greater than or equal to {min}");
            self.push(Some(v.to_string()), path, &c);
        }
        if let Some(max) = max.filter(|&max| v > max) {
            let c = format!("Member must have value less than or equal to {max}");
            self.push(Some(v.to_string()), path, &c);
        }
    }

    pub(crate) fn length(&mut self, path: &str, value: Option<&str>, min: usize, max: usize) {
        let Some(v) = value else { return };
        let len = v.chars().count();
        if len < min {
            let c = format!("Member must have length greater than or equal to {min}");
            self.push(Some(v.to_owned()), path, &c);
        }
        if len > max {
            let c = format!("Member must have length less than or equal to {max}");
            self.push(Some(v.to_owned()), path, &c);
        }
    }

    pub(crate) fn finish(self) -> Result<(), DynamoDbError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(DynamoDbError::validation(format!(
                "{n} validation error{} detected: {}",
                if n > 1 { "s" } else { "" },
                self.0.join("; ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_errors_read_like_corals() {
        let msg = |v: Value| read_string(&v).map(|_| ()).unwrap_err().message;
        assert_eq!(
            msg(json!(5)).as_deref(),
            Some("NUMBER_VALUE cannot be converted to String")
        );
        assert_eq!(
            msg(json!(5.5)).as_deref(),
            Some("DECIMAL_VALUE cannot be converted to String")
        );
        assert_eq!(
            msg(json!(true)).as_deref(),
            Some("TRUE_VALUE cannot be converted to String")
        );
        assert_eq!(
            msg(json!([])).as_deref(),
            Some("Unrecognized collection type class java.lang.String")
        );
        assert_eq!(
            msg(json!({})).as_deref(),
            Some("Start of structure or map found where not expected")
        );
        assert_eq!(read_bool(&json!("yes")).unwrap(), Some(true));
        assert_eq!(read_integer(&json!(2.7)).unwrap(), Some(2));
        assert_eq!(
            read_integer(&json!("2")).unwrap_err().message.as_deref(),
            Some("STRING_VALUE cannot be converted to Integer")
        );
    }

    #[test]
    fn violations_are_counted_and_joined() {
        let mut v = Violations::new();
        v.not_null("tableName", false);
        v.one_of("returnValues", Some("hi"), &["NONE", "ALL_OLD"]);
        v.range("limit", Some(0), 1, None);
        assert_eq!(
            v.finish().unwrap_err().message.as_deref(),
            Some(
                "3 validation errors detected: \
                 Value null at 'tableName' failed to satisfy constraint: Member must not be null; \
                 Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD]; \
                 Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )
        );
        assert!(Violations::new().finish().is_ok());
    }

    #[test]
    fn bodies_that_are_not_objects_are_serialization_errors() {
        assert_eq!(parse_body(b"").unwrap_err().message, None);
        assert_eq!(parse_body(b"{oops").unwrap_err().message, None);
        assert_eq!(parse_body(b"\"x\"").unwrap_err().message, None);
        assert!(parse_body(b"{}").unwrap().is_empty());
    }

    #[test]
    fn responses_carry_request_id_and_crc() {
        let res = response(Ok(json!({})), "REQ");
        assert_eq!(res.status, 200);
        assert_eq!(res.body_text(), "{}");
        assert_eq!(res.header("content-type"), Some(CONTENT_TYPE));
        assert_eq!(res.header("x-amzn-requestid"), Some("REQ"));
        assert_eq!(res.header("x-amz-crc32"), Some("2745614147"));
        let err = response(Err(DynamoDbError::table_not_found()), "REQ");
        assert_eq!(err.status, 400);
    }
}
