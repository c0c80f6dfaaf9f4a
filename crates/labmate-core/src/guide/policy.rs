//! Reading an IAM policy document as the guide needs it: its statements
//! (shown as evidence) and whether it allows an action on a resource, as
//! IAM decides for one identity policy (an explicit Deny wins; wildcards as
//! IAM matches them, [`lab_model::glob`]). Conditions are not evaluated:
//! the chapter's policies have none, and a statement with one is shown.

use lab_model::glob::{action_matches, resource_matches};
use serde_json::Value;

/// One statement, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `Action`, or `NotAction` entries (then `not_action` is set).
    pub actions: Vec<String>,
    pub not_action: bool,
    /// `Resource`, or `NotResource` entries (then `not_resource` is set).
    pub resources: Vec<String>,
    pub not_resource: bool,
    pub has_condition: bool,
}

/// A string or a list of strings, as policy fields may be either.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

impl PolicyStatement {
    /// The statements of a policy document (one object or a list).
    pub fn all(document: &Value) -> Vec<PolicyStatement> {
        let statements = match &document["Statement"] {
            Value::Array(items) => items.iter().collect(),
            one @ Value::Object(_) => vec![one],
            _ => Vec::new(),
        };
        statements
            .into_iter()
            .map(|s| {
                let (actions, not_action) = match s.get("NotAction") {
                    Some(v) => (strings(v), true),
                    None => (strings(&s["Action"]), false),
                };
                let (resources, not_resource) = match s.get("NotResource") {
                    Some(v) => (strings(v), true),
                    None => (strings(&s["Resource"]), false),
                };
                PolicyStatement {
                    sid: s["Sid"].as_str().map(str::to_owned),
                    effect: s["Effect"].as_str().unwrap_or_default().to_owned(),
                    actions,
                    not_action,
                    resources,
                    not_resource,
                    has_condition: s.get("Condition").is_some(),
                }
            })
            .collect()
    }

    /// Whether this statement is about `action` on `resource`.
    fn applies(&self, action: &str, resource: &str) -> bool {
        let action_listed = self.actions.iter().any(|p| action_matches(p, action));
        let resource_listed = self.resources.iter().any(|p| resource_matches(p, resource));
        action_listed != self.not_action && resource_listed != self.not_resource
    }
}

/// Whether `statements` allow `action` on `resource`.
pub(crate) fn allows(statements: &[PolicyStatement], action: &str, resource: &str) -> bool {
    let applying = |effect: &str| {
        statements
            .iter()
            .any(|s| s.effect == effect && s.applies(action, resource))
    };
    applying("Allow") && !applying("Deny")
}

/// The resource chapter 4.1's `dynamodb-stream-data` grants: every stream
/// of the table.
pub fn stream_arn_pattern(region: &str, account: &str, table: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{account}:table/{table}/stream/*")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STREAM: &str =
        "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2026-11-18T10:00:00.000";

    #[test]
    fn reads_single_and_listed_fields() {
        let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:GetRecords", "Resource": ["a", "b"]}});
        let s = PolicyStatement::all(&doc);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].actions, ["dynamodb:GetRecords"]);
        assert_eq!(s[0].resources, ["a", "b"]);
        assert!(!s[0].has_condition);
    }

    #[test]
    fn allows_with_wildcards_and_an_explicit_deny_wins() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": stream_arn_pattern("ap-southeast-1", "123456789012", "lab-table")},
            {"Effect": "Deny", "Action": "dynamodb:GetShardIterator", "Resource": "*"}
        ]});
        let s = PolicyStatement::all(&doc);
        assert!(allows(&s, "dynamodb:GetRecords", STREAM));
        assert!(
            allows(&s, "DynamoDB:getrecords", STREAM),
            "actions ignore case"
        );
        assert!(!allows(&s, "dynamodb:GetShardIterator", STREAM));
        assert!(!allows(&s, "dynamodb:DescribeStream", STREAM));
        assert!(!allows(
            &s,
            "dynamodb:GetRecords",
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/other/stream/x"
        ));
    }

    #[test]
    fn not_action_and_not_resource_invert_the_match() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:dynamodb:*:*:table/secret*"}
        ]});
        let s = PolicyStatement::all(&doc);
        assert!(allows(&s, "dynamodb:GetRecords", STREAM));
        assert!(!allows(&s, "iam:GetRole", STREAM));
        assert!(!allows(
            &s,
            "dynamodb:GetRecords",
            "arn:aws:dynamodb:ap-southeast-1:1:table/secret-table"
        ));
    }
}
