//! Errors as DynamoDB and DynamoDB Streams send them: HTTP 400 with a JSON body
//! `{"__type": "<namespace>#<Name>", "message": "..."}`.
//!
//! The namespace differs by who raises the error (the Coral framework for
//! protocol and validation errors, the service for its own), and Coral's
//! `SerializationException` capitalises `Message`; clients match on these, so
//! they are reproduced exactly.

use serde_json::{json, Map, Value};

/// Which error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Validation,
    ResourceNotFound,
    ResourceInUse,
    Serialization,
    UnknownOperation,
    ExpiredIterator,
    TrimmedDataAccess,
    LimitExceeded,
}

impl ErrorKind {
    /// The short name SDKs report as the error code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::ResourceInUse => "ResourceInUseException",
            ErrorKind::Serialization => "SerializationException",
            ErrorKind::UnknownOperation => "UnknownOperationException",
            ErrorKind::ExpiredIterator => "ExpiredIteratorException",
            ErrorKind::TrimmedDataAccess => "TrimmedDataAccessException",
            ErrorKind::LimitExceeded => "LimitExceededException",
        }
    }

    /// The `__type` value on the wire.
    pub fn wire_type(self) -> &'static str {
        match self {
            ErrorKind::Validation => "com.amazon.coral.validate#ValidationException",
            ErrorKind::ResourceNotFound => {
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
            }
            ErrorKind::ResourceInUse => "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
            ErrorKind::Serialization => "com.amazon.coral.service#SerializationException",
            ErrorKind::UnknownOperation => "com.amazon.coral.service#UnknownOperationException",
            ErrorKind::ExpiredIterator => {
                "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException"
            }
            ErrorKind::TrimmedDataAccess => {
                "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"
            }
            ErrorKind::LimitExceeded => "com.amazonaws.dynamodb.v20120810#LimitExceededException",
        }
    }
}

/// An error answer. `message` is `None` where DynamoDB sends none (malformed
/// JSON, unknown operation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", kind.code(), message.as_deref().unwrap_or(""))]
pub struct DynamoDbError {
    pub kind: ErrorKind,
    pub message: Option<String>,
}

impl DynamoDbError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DynamoDbError {
            kind,
            message: Some(message.into()),
        }
    }

    pub fn bare(kind: ErrorKind) -> Self {
        DynamoDbError {
            kind,
            message: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        DynamoDbError::new(ErrorKind::Validation, message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        DynamoDbError::new(ErrorKind::Serialization, message)
    }

    /// What item operations say about a missing table.
    pub fn table_not_found() -> Self {
        DynamoDbError::new(ErrorKind::ResourceNotFound, "Requested resource not found")
    }

    /// What DescribeTable and UpdateTable say about a missing table.
    pub fn table_not_found_named(name: &str) -> Self {
        DynamoDbError::new(
            ErrorKind::ResourceNotFound,
            format!("Requested resource not found: Table: {name} not found"),
        )
    }

    pub fn stream_not_found(arn: &str) -> Self {
        DynamoDbError::new(
            ErrorKind::ResourceNotFound,
            format!("Requested resource not found: Stream: {arn} not found"),
        )
    }

    /// GetRecords with an iterator more than 15 minutes old. The text is
    /// what the service model documents for the exception's `message`; the
    /// live service's wording is unverified.
    pub fn expired_iterator() -> Self {
        DynamoDbError::new(
            ErrorKind::ExpiredIterator,
            "The provided iterator exceeds the maximum age allowed.",
        )
    }

    /// A position behind the 24-hour trim point. Wording as seen from the
    /// live service (a client's error report), without the model's stray
    /// quote and full stop.
    pub fn trimmed() -> Self {
        DynamoDbError::new(
            ErrorKind::TrimmedDataAccess,
            "The data you are trying to access has been trimmed",
        )
    }

    /// GetRecords by a third reader of one shard. The text is what the
    /// service model documents for the exception's `message`; the live
    /// service's wording is unverified.
    pub fn too_many_readers() -> Self {
        DynamoDbError::new(
            ErrorKind::LimitExceeded,
            "Too many operations for a given subscriber.",
        )
    }

    /// A request this simulator accepts in AWS but does not model. Kept
    /// apart from AWS's own errors: the message says it is labsim talking.
    pub fn unsupported(what: &str) -> Self {
        DynamoDbError::validation(format!(
            "labsim does not simulate {what}; the request was not applied"
        ))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("__type".to_owned(), json!(self.kind.wire_type()));
        if let Some(message) = &self.message {
            let key = if self.kind == ErrorKind::Serialization {
                "Message"
            } else {
                "message"
            };
            body.insert(key.to_owned(), json!(message));
        }
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_use_the_wire_names() {
        assert_eq!(
            DynamoDbError::table_not_found().body(),
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                "message": "Requested resource not found",
            })
        );
        assert_eq!(
            DynamoDbError::serialization("Unexpected field type").body(),
            json!({
                "__type": "com.amazon.coral.service#SerializationException",
                "Message": "Unexpected field type",
            })
        );
        assert_eq!(
            DynamoDbError::bare(ErrorKind::UnknownOperation).body(),
            json!({"__type": "com.amazon.coral.service#UnknownOperationException"})
        );
        assert_eq!(
            DynamoDbError::trimmed().body(),
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException",
                "message": "The data you are trying to access has been trimmed",
            })
        );
        assert_eq!(
            DynamoDbError::too_many_readers().body()["__type"],
            "com.amazonaws.dynamodb.v20120810#LimitExceededException"
        );
        assert_eq!(
            DynamoDbError::validation("x").to_string(),
            "ValidationException: x"
        );
    }
}
