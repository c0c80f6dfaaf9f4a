//! The grammar of the documents labmate shows and labsim evaluates: IAM
//! identity and trust policies, and OpenSearch Serverless data access
//! policies. Written only (labsim parses with its own evaluator's parser);
//! fields are declared in the order AWS's console and the workshop write
//! them, so a serialised document reads as the chapter shows it.

use serde::Serialize;
use serde_json::Value;

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A `2012-10-17` document.
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument {
            version: super::POLICY_VERSION,
            statements,
        }
    }

    /// The document as a JSON value, e.g. to compare with a policy read
    /// back from IAM.
    pub fn to_value(&self) -> Value {
        to_value(self)
    }

    /// Compact JSON in the console's key order, as `aws iam
    /// put-role-policy` sends it.
    pub fn to_json(&self) -> String {
        written(serde_json::to_string(self))
    }

    /// Indented JSON in the console's key order, as the IAM console shows
    /// a policy.
    pub fn to_json_pretty(&self) -> String {
        written(serde_json::to_string_pretty(self))
    }
}

// A document is strings, string arrays and maps with string keys, which
// always serialise: the errors below cannot happen.

fn to_value(document: &impl Serialize) -> Value {
    match serde_json::to_value(document) {
        Ok(value) => value,
        Err(err) => unreachable!("a document of strings serialises: {err}"),
    }
}

fn written(text: serde_json::Result<String>) -> String {
    match text {
        Ok(text) => text,
        Err(err) => unreachable!("a document of strings serialises: {err}"),
    }
}

/// One statement: Sid, Effect, Principal (trust policies), Action,
/// Resource (identity policies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    pub action: OneOrMany,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany>,
}

impl Statement {
    /// An Allow statement of an identity policy.
    pub fn allow(
        sid: Option<&str>,
        action: impl Into<OneOrMany>,
        resource: impl Into<OneOrMany>,
    ) -> Self {
        Statement {
            sid: sid.map(str::to_owned),
            effect: Effect::Allow,
            principal: None,
            action: action.into(),
            resource: Some(resource.into()),
        }
    }

    /// The statement's actions, however written.
    pub fn actions(&self) -> &[String] {
        self.action.as_slice()
    }

    /// The statement's resources, however written (none in a trust policy).
    pub fn resources(&self) -> &[String] {
        self.resource.as_ref().map_or(&[], OneOrMany::as_slice)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A trust policy's principal: an AWS account or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    #[serde(rename = "AWS")]
    pub aws: String,
}

/// `"Action": "a"` or `"Action": ["a", "b"]`: the workshop writes both,
/// and the text is shown as it writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

impl From<&str> for OneOrMany {
    fn from(one: &str) -> Self {
        OneOrMany::One(one.to_owned())
    }
}

impl From<String> for OneOrMany {
    fn from(one: String) -> Self {
        OneOrMany::One(one)
    }
}

impl<const N: usize> From<[&str; N]> for OneOrMany {
    fn from(many: [&str; N]) -> Self {
        OneOrMany::Many(many.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// An OpenSearch Serverless data access policy: the JSON array `aws
/// opensearchserverless create-access-policy --type data --policy` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DataAccessPolicy {
    pub rule_sets: Vec<DataAccessRuleSet>,
}

impl DataAccessPolicy {
    pub fn to_value(&self) -> Value {
        to_value(self)
    }

    /// Compact JSON, as `--policy` takes it.
    pub fn to_json(&self) -> String {
        written(serde_json::to_string(self))
    }

    /// Indented JSON.
    pub fn to_json_pretty(&self) -> String {
        written(serde_json::to_string_pretty(self))
    }
}

/// Rules and the principals they apply to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataAccessRuleSet {
    pub description: String,
    pub rules: Vec<DataAccessRule>,
    /// IAM role or user ARNs (a role covers all its sessions).
    pub principal: Vec<String>,
}

/// Permissions on collections or indexes, named `collection/<name>` or
/// `index/<collection name>/<index>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataAccessRule {
    /// `collection` or `index`.
    pub resource_type: String,
    pub resource: Vec<String>,
    pub permission: Vec<String>,
}
