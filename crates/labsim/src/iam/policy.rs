//! IAM policy documents: parsed from (and written back to) the JSON AWS
//! uses, and validated with IAM's own `MalformedPolicyDocument` messages.
//!
//! The checks and their order follow moto's `policy_validation.py`, which
//! was written against IAM's answers: structural problems are all
//! "Syntax errors in policy.", then the version, IAM's "legacy parsing",
//! Sid uniqueness, missing actions or resources, resource formats and action
//! vendors. Text that is not JSON at all gets the message IAM sends today,
//! "This policy contains invalid Json". Not reproduced: IAM's size limits,
//! date-condition value checks, and the IAM/S3 resource-path rules.
//!
//! The rules are IAM's (CreatePolicy, PutRolePolicy). A session policy sent
//! to STS AssumeRole goes through the same parser here; STS may word some
//! of these differently (unverified).

use std::fmt;
use std::str::FromStr;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::message::Response;
use crate::sts::StsError;

pub const VERSION_2012_10_17: &str = "2012-10-17";
pub const VERSION_2008_10_17: &str = "2008-10-17";

pub const MSG_INVALID_JSON: &str = "This policy contains invalid Json";
pub const MSG_SYNTAX: &str = "Syntax errors in policy.";
pub const MSG_VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
pub const MSG_LEGACY: &str = "The policy failed legacy parsing";
pub const MSG_PRINCIPAL: &str = "Policy document should not specify a principal.";
pub const MSG_SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
pub const MSG_SID_ALNUM: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
pub const MSG_NO_ACTIONS: &str = "Policy statement must contain actions.";
pub const MSG_NO_RESOURCES: &str = "Policy statement must contain resources.";
pub const MSG_ACTION_VENDOR: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
pub const MSG_ACTION_COLONS: &str = "Actions/Condition can contain only one colon.";
pub const MSG_RESOURCE_VENDOR: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";

const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Condition operators IAM knows (without `ForAnyValue:`/`ForAllValues:`
/// and `IfExists`). An unknown one is a syntax error unless its block is
/// empty, as in IAM.
const KNOWN_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// A document IAM would refuse, with IAM's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MalformedPolicyDocument: {message}")]
pub struct PolicyError {
    pub message: String,
}

impl PolicyError {
    /// The error code IAM and STS send.
    pub const CODE: &'static str = "MalformedPolicyDocument";

    pub fn new(message: impl Into<String>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }

    /// IAM's answer (query protocol): HTTP 400 with IAM's error document.
    pub fn iam_response(&self, request_id: &str) -> Response {
        let body = format!(
            "<ErrorResponse xmlns=\"{IAM_XMLNS}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            Self::CODE,
            xml_escape(&self.message),
            xml_escape(request_id),
        );
        let mut response = Response::with_body(400, "text/xml", body);
        response.set_header("x-amzn-RequestId", request_id);
        response
    }

    /// The same refusal from STS (a bad `Policy` on AssumeRole), for
    /// [`crate::sts::error_xml`].
    pub fn to_sts_error(&self) -> StsError {
        StsError {
            status: 400,
            code: Self::CODE,
            message: self.message.clone(),
        }
    }
}

fn xml_escape(text: &str) -> String {
    crate::xml::escape(text)
}

/// A string or an array of strings, remembering which (so a document
/// written back looks like the one read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany {
    pub values: Vec<String>,
    /// Written as a bare string rather than an array.
    pub single: bool,
}

impl OneOrMany {
    pub fn one(value: impl Into<String>) -> Self {
        OneOrMany {
            values: vec![value.into()],
            single: true,
        }
    }

    pub fn many<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        OneOrMany {
            values: values.into_iter().map(Into::into).collect(),
            single: false,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }
}

impl Serialize for OneOrMany {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.single, self.values.as_slice()) {
            (true, [one]) => serializer.serialize_str(one),
            _ => {
                let mut seq = serializer.serialize_seq(Some(self.values.len()))?;
                for value in &self.values {
                    seq.serialize_element(value)?;
                }
                seq.end()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actions {
    Action(OneOrMany),
    NotAction(OneOrMany),
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    Resource(OneOrMany),
    NotResource(OneOrMany),
}

/// One condition operator's block: `"StringEquals": {"aws:RequestedRegion": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionBlock {
    /// As written, prefixes and `IfExists` included.
    pub operator: String,
    pub entries: Vec<ConditionEntry>,
}

/// One key and its values. JSON booleans and numbers are kept as their text
/// (`true`, `5`), which is how IAM compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    pub key: String,
    pub values: OneOrMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Actions,
    pub resources: Resources,
    /// `None` when the statement has no `Condition`. Blocks (and their keys)
    /// come sorted by name: JSON objects are read through serde_json's
    /// sorted maps, and their order means nothing to IAM.
    pub condition: Option<Vec<ConditionBlock>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// `Statement` was a single object rather than an array.
    pub single_statement: bool,
}

impl PolicyDocument {
    /// Parses and validates a policy document as IAM does.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|_| PolicyError::new(MSG_INVALID_JSON))?;
        Self::from_value(&value)
    }

    /// Validates an already-parsed JSON value as IAM does.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let syntax = || PolicyError::new(MSG_SYNTAX);
        let document = check_syntax(value)?;
        let top = value.as_object().ok_or_else(syntax)?;

        if document.version.as_deref() != Some(VERSION_2012_10_17) {
            return Err(PolicyError::new(MSG_VERSION));
        }

        let raw_statements: Vec<&Map<String, Value>> = match &top["Statement"] {
            Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
            Value::Object(one) => vec![one],
            _ => return Err(syntax()),
        };

        // Legacy parsing: the effect's exact case, and resource shapes.
        let mut resource_error: Option<String> = None;
        for raw in &raw_statements {
            if !matches!(
                raw.get("Effect").and_then(Value::as_str),
                Some("Allow" | "Deny")
            ) {
                return Err(PolicyError::new(MSG_LEGACY));
            }
            for key in ["Resource", "NotResource"] {
                let Some(resources) = raw.get(key) else {
                    continue;
                };
                for resource in strings_of(resources) {
                    if resource_error.is_none() {
                        resource_error = resource_format_error(resource);
                    }
                }
                // As in IAM, once a resource has a format error the legacy
                // parser is no longer run on resources.
                if resource_error.is_none() {
                    for resource in strings_of(resources) {
                        if !legacy_resource_ok(resource) {
                            return Err(PolicyError::new(MSG_LEGACY));
                        }
                    }
                }
            }
        }

        let mut sids: Vec<&str> = Vec::new();
        for sid in document.statements.iter().filter_map(|s| s.sid.as_deref()) {
            if !sid.is_empty() {
                if sids.contains(&sid) {
                    return Err(PolicyError::new(MSG_SID_UNIQUE));
                }
                sids.push(sid);
            }
        }

        for raw in &raw_statements {
            let present = |key: &str| match raw.get(key) {
                Some(Value::Array(items)) => !items.is_empty(),
                Some(_) => true,
                None => false,
            };
            if !present("Action") && !present("NotAction") {
                return Err(PolicyError::new(MSG_NO_ACTIONS));
            }
        }
        for raw in &raw_statements {
            let present = |key: &str| match raw.get(key) {
                Some(Value::Array(items)) => !items.is_empty(),
                Some(_) => true,
                None => false,
            };
            if !present("Resource") && !present("NotResource") {
                return Err(PolicyError::new(MSG_NO_RESOURCES));
            }
        }
        if let Some(message) = resource_error {
            return Err(PolicyError::new(message));
        }

        for statement in &document.statements {
            let actions = match &statement.actions {
                Actions::Action(list) | Actions::NotAction(list) => list,
            };
            for action in actions.iter() {
                check_action_vendor(action)?;
            }
        }

        let alnum = |sid: &str| sid.chars().all(|c| c.is_ascii_alphanumeric());
        if document
            .statements
            .iter()
            .filter_map(|s| s.sid.as_deref())
            .any(|sid| !alnum(sid))
        {
            return Err(PolicyError::new(MSG_SID_ALNUM));
        }

        Ok(document)
    }

    /// The document as compact JSON, keys in AWS's usual order.
    pub fn to_json(&self) -> String {
        // Serialising strings and sequences cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl FromStr for PolicyDocument {
    type Err = PolicyError;

    fn from_str(json: &str) -> Result<Self, Self::Err> {
        PolicyDocument::parse(json)
    }
}

impl fmt::Display for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        PolicyDocument::from_value(&value).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(version) = &self.version {
            map.serialize_entry("Version", version)?;
        }
        if let Some(id) = &self.id {
            map.serialize_entry("Id", id)?;
        }
        match (self.single_statement, self.statements.as_slice()) {
            (true, [one]) => map.serialize_entry("Statement", one)?,
            _ => map.serialize_entry("Statement", &self.statements)?,
        }
        map.end()
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.serialize_entry("Effect", self.effect.as_str())?;
        match &self.actions {
            Actions::Action(list) => map.serialize_entry("Action", list)?,
            Actions::NotAction(list) => map.serialize_entry("NotAction", list)?,
        }
        match &self.resources {
            Resources::Resource(list) => map.serialize_entry("Resource", list)?,
            Resources::NotResource(list) => map.serialize_entry("NotResource", list)?,
        }
        if let Some(blocks) = &self.condition {
            map.serialize_entry("Condition", &Blocks(blocks))?;
        }
        map.end()
    }
}

struct Blocks<'a>(&'a [ConditionBlock]);
struct Entries<'a>(&'a [ConditionEntry]);

impl Serialize for Blocks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for block in self.0 {
            map.serialize_entry(&block.operator, &Entries(&block.entries))?;
        }
        map.end()
    }
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for entry in self.0 {
            map.serialize_entry(&entry.key, &entry.values)?;
        }
        map.end()
    }
}

/// The structural check; everything it refuses is "Syntax errors in
/// policy." (or the principal message).
fn check_syntax(value: &Value) -> Result<PolicyDocument, PolicyError> {
    let syntax = || PolicyError::new(MSG_SYNTAX);
    let top = value.as_object().ok_or_else(syntax)?;
    if top
        .keys()
        .any(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(syntax());
    }
    let version = match top.get("Version") {
        None => None,
        Some(Value::String(v)) if v == VERSION_2012_10_17 || v == VERSION_2008_10_17 => {
            Some(v.clone())
        }
        Some(_) => return Err(syntax()),
    };
    let id = match top.get("Id") {
        None => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(syntax()),
    };
    let (raw, single_statement) = match top.get("Statement") {
        Some(Value::Object(one)) => (vec![one], true),
        Some(Value::Array(items)) if !items.is_empty() => {
            let objects: Option<Vec<&Map<String, Value>>> =
                items.iter().map(Value::as_object).collect();
            (objects.ok_or_else(syntax)?, false)
        }
        _ => return Err(syntax()),
    };
    let statements = raw
        .into_iter()
        .map(statement_syntax)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyDocument {
        version,
        id,
        statements,
        single_statement,
    })
}

fn statement_syntax(raw: &Map<String, Value>) -> Result<Statement, PolicyError> {
    let syntax = || PolicyError::new(MSG_SYNTAX);
    if raw.contains_key("Principal") || raw.contains_key("NotPrincipal") {
        return Err(PolicyError::new(MSG_PRINCIPAL));
    }
    if raw.keys().any(|k| {
        !matches!(
            k.as_str(),
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource" | "Condition"
        )
    }) {
        return Err(syntax());
    }
    if (raw.contains_key("Action") && raw.contains_key("NotAction"))
        || (raw.contains_key("Resource") && raw.contains_key("NotResource"))
    {
        return Err(syntax());
    }
    let effect = match raw.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => return Err(syntax()),
    };
    let list = |key: &str| -> Result<Option<OneOrMany>, PolicyError> {
        match raw.get(key) {
            None => Ok(None),
            Some(Value::String(one)) => Ok(Some(OneOrMany::one(one.clone()))),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(|values| {
                    Some(OneOrMany {
                        values,
                        single: false,
                    })
                })
                .ok_or_else(syntax),
            Some(_) => Err(syntax()),
        }
    };
    // Missing lists pass the syntax check; the later "must contain" checks
    // give the right message. An empty list stands in meanwhile.
    let empty = || OneOrMany::many(Vec::<String>::new());
    let actions = match (list("Action")?, list("NotAction")?) {
        (_, Some(not)) => Actions::NotAction(not),
        (action, None) => Actions::Action(action.unwrap_or_else(empty)),
    };
    let resources = match (list("Resource")?, list("NotResource")?) {
        (_, Some(not)) => Resources::NotResource(not),
        (resource, None) => Resources::Resource(resource.unwrap_or_else(empty)),
    };
    let sid = match raw.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return Err(syntax()),
    };
    let condition = match raw.get("Condition") {
        None => None,
        Some(Value::Object(blocks)) => Some(
            blocks
                .iter()
                .map(|(operator, block)| condition_block(operator, block))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(syntax()),
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
        condition,
    })
}

fn condition_block(operator: &str, block: &Value) -> Result<ConditionBlock, PolicyError> {
    let syntax = || PolicyError::new(MSG_SYNTAX);
    let entries = block.as_object().ok_or_else(syntax)?;
    if !entries.is_empty() && !KNOWN_OPERATORS.contains(&base_operator(operator).0) {
        return Err(syntax());
    }
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let entries = entries
        .iter()
        .map(|(key, values)| {
            let values = match values {
                Value::Array(items) => OneOrMany {
                    values: items
                        .iter()
                        .map(scalar)
                        .collect::<Option<_>>()
                        .ok_or_else(syntax)?,
                    single: false,
                },
                other => OneOrMany::one(scalar(other).ok_or_else(syntax)?),
            };
            Ok(ConditionEntry {
                key: key.clone(),
                values,
            })
        })
        .collect::<Result<Vec<_>, PolicyError>>()?;
    Ok(ConditionBlock {
        operator: operator.to_owned(),
        entries,
    })
}

/// The operator without its set prefix and `IfExists` suffix:
/// (`StringLike`, prefix, if-exists) for `ForAnyValue:StringLikeIfExists`.
pub(crate) fn base_operator(operator: &str) -> (&str, Option<&str>, bool) {
    let (prefix, rest) = ["ForAnyValue:", "ForAllValues:"]
        .iter()
        .find_map(|p| operator.strip_prefix(p).map(|rest| (Some(*p), rest)))
        .unwrap_or((None, operator));
    match rest.strip_suffix("IfExists") {
        Some(base) => (base, prefix, true),
        None => (rest, prefix, false),
    }
}

/// The strings in a string-or-array value (already syntax-checked).
fn strings_of(value: &Value) -> Vec<&str> {
    match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// IAM's complaint about a resource's shape, if any (reported only after
/// the actions and resources are known to be present).
fn resource_format_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let Some((_, rest)) = resource.split_once(':') else {
        return Some(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        ));
    };
    let (partition, rest) = match rest.split_once(':') {
        Some((partition, rest)) => (partition, Some(rest)),
        None => (rest, None),
    };
    if partition != "aws" {
        let parts: Vec<&str> = rest.map(|r| r.split(':').collect()).unwrap_or_default();
        let part = |i: usize| -> String {
            match parts.get(i) {
                Some(p) if !p.is_empty() || parts.len() > 1 || i > 0 => (*p).to_owned(),
                _ => "*".to_owned(),
            }
        };
        let tail = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{}:{}:{}:{tail}\".",
            part(0),
            part(1),
            part(2),
        ));
    }
    match rest {
        Some(_) => None,
        None => Some(MSG_RESOURCE_VENDOR.to_owned()),
    }
}

/// IAM's legacy parser: an ARN with `::` needs all six parts, and the
/// service part must not be empty.
fn legacy_resource_ok(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let colons = resource.matches(':').count();
    if colons < 5 && resource.contains("::") {
        return false;
    }
    !matches!(resource.split(':').nth(2), Some(""))
}

fn check_action_vendor(action: &str) -> Result<(), PolicyError> {
    let parts: Vec<&str> = action.split(':').collect();
    if parts.len() == 1 && parts[0] != "*" {
        return Err(PolicyError::new(MSG_ACTION_VENDOR));
    }
    if parts.len() > 2 {
        return Err(PolicyError::new(MSG_ACTION_COLONS));
    }
    let vendor = parts[0];
    if vendor != "*"
        && vendor
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(PolicyError::new(format!("Vendor {vendor} is not valid")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(value: Value) -> String {
        PolicyDocument::from_value(&value).unwrap_err().message
    }

    fn stmt(extra: Value) -> Value {
        let mut s = json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                s.as_object_mut().unwrap().remove(k);
            } else {
                s[k] = v.clone();
            }
        }
        s
    }

    fn doc(statement: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": statement})
    }

    #[test]
    fn statement_may_be_an_object_or_an_array() {
        let object = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"aoss:*","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(object.single_statement);
        assert_eq!(object.statements.len(), 1);
        assert_eq!(object.statements[0].sid.as_deref(), Some("One"));
        assert_eq!(
            object.statements[0].actions,
            Actions::Action(OneOrMany::one("aoss:*"))
        );

        let array = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"*"},
                {"Effect":"Deny","NotAction":"logs:*","NotResource":["arn:aws:logs:*:*:*"]}]}"#,
        )
        .unwrap();
        assert!(!array.single_statement);
        assert_eq!(array.statements.len(), 2);
        assert_eq!(array.statements[1].effect, Effect::Deny);
        assert_eq!(
            array.statements[1].actions,
            Actions::NotAction(OneOrMany::one("logs:*"))
        );
        assert_eq!(
            array.statements[1].resources,
            Resources::NotResource(OneOrMany::many(["arn:aws:logs:*:*:*"]))
        );
    }

    #[test]
    fn documents_round_trip_in_aws_key_order() {
        let text = r#"{"Version":"2012-10-17","Id":"lab","Statement":[{"Sid":"Region","Effect":"Allow","Action":["dynamodb:GetItem"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:RequestedRegion":["ap-southeast-1","us-east-1"]}}}]}"#;
        let document = PolicyDocument::parse(text).unwrap();
        assert_eq!(document.to_json(), text);
        // Through serde too, and a single object stays an object.
        let single = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::b"}}"#;
        let document: PolicyDocument = serde_json::from_str(single).unwrap();
        assert_eq!(serde_json::to_string(&document).unwrap(), single);
        assert_eq!(document.to_string(), single);
    }

    #[test]
    fn conditions_are_kept_with_scalars_as_text() {
        let document = PolicyDocument::from_value(&doc(stmt(json!({
            "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*"]},
                          "NumericLessThan": {"s3:max-keys": 10}}
        }))))
        .unwrap();
        let blocks = document.statements[0].condition.as_ref().unwrap();
        assert_eq!(blocks.len(), 2);
        let numeric = blocks
            .iter()
            .find(|b| b.operator == "NumericLessThan")
            .unwrap();
        assert_eq!(numeric.entries[0].values, OneOrMany::one("10"));
        assert_eq!(
            base_operator("ForAnyValue:StringLikeIfExists"),
            ("StringLike", Some("ForAnyValue:"), true)
        );
    }

    #[test]
    fn text_that_is_not_json_is_invalid_json() {
        for text in ["", "{", "{\"Version\": \"2012-10-17\",}", "\u{feff}{}"] {
            assert_eq!(
                PolicyDocument::parse(text).unwrap_err().message,
                MSG_INVALID_JSON,
                "{text:?}"
            );
        }
        let e = PolicyDocument::parse("nope").unwrap_err();
        assert_eq!(
            e.to_string(),
            "MalformedPolicyDocument: This policy contains invalid Json"
        );
    }

    #[test]
    fn structural_problems_are_syntax_errors() {
        let cases = [
            json!([]),
            json!("policy"),
            json!({"Version": "2012-10-17"}),
            json!({"Version": "2012-10-17", "Statement": []}),
            json!({"Version": "2012-10-17", "Statement": "Allow"}),
            json!({"Version": "2012-10-17", "Statement": [stmt(json!({})), 3]}),
            json!({"Version": "2012-10-17", "Statment": [stmt(json!({}))]}),
            json!({"Version": "2012-10-17", "Statement": stmt(json!({})), "Extra": 1}),
            json!({"Version": "2013-01-01", "Statement": stmt(json!({}))}),
            json!({"Version": "2012-10-17", "Id": 5, "Statement": stmt(json!({}))}),
            doc(stmt(json!({"Effect": "Permit"}))),
            doc(stmt(json!({"Effect": null}))),
            doc(stmt(json!({"Action": 5}))),
            doc(stmt(json!({"Action": ["s3:GetObject", 5]}))),
            doc(stmt(json!({"NotAction": "s3:GetObject"}))),
            doc(stmt(json!({"NotResource": "*"}))),
            doc(stmt(json!({"Sid": 7}))),
            doc(stmt(json!({"Condition": "aws:RequestedRegion"}))),
            doc(stmt(json!({"Condition": {"StringEquals": "x"}}))),
            doc(stmt(
                json!({"Condition": {"StringEquals": {"k": {"nested": 1}}}}),
            )),
            doc(stmt(json!({"Condition": {"StringSorta": {"k": "v"}}}))),
            doc(stmt(json!({"Resources": "*"}))),
        ];
        for case in cases {
            assert_eq!(err(case.clone()), MSG_SYNTAX, "{case}");
        }
        // An unknown operator with an empty block is accepted, as by IAM.
        assert!(
            PolicyDocument::from_value(&doc(stmt(json!({"Condition": {"StringSorta": {}}}))))
                .is_ok()
        );
    }

    #[test]
    fn identity_policies_may_not_name_a_principal() {
        assert_eq!(
            err(doc(stmt(json!({"Principal": {"AWS": "*"}})))),
            MSG_PRINCIPAL
        );
        assert_eq!(err(doc(stmt(json!({"NotPrincipal": "*"})))), MSG_PRINCIPAL);
    }

    #[test]
    fn version_must_be_2012_10_17() {
        assert_eq!(err(json!({"Statement": stmt(json!({}))})), MSG_VERSION);
        assert_eq!(
            err(json!({"Version": "2008-10-17", "Statement": stmt(json!({}))})),
            MSG_VERSION
        );
    }

    #[test]
    fn effect_case_fails_legacy_parsing() {
        assert_eq!(err(doc(stmt(json!({"Effect": "allow"})))), MSG_LEGACY);
        assert_eq!(
            err(doc(stmt(json!({"Resource": "arn:aws::table/x"})))),
            MSG_LEGACY
        );
    }

    #[test]
    fn sids_must_be_unique_then_alphanumeric() {
        let twice = doc(json!([
            stmt(json!({"Sid": "A"})),
            stmt(json!({"Sid": "A"}))
        ]));
        assert_eq!(err(twice), MSG_SID_UNIQUE);
        // Empty Sids do not clash.
        assert!(PolicyDocument::from_value(&doc(json!([
            stmt(json!({"Sid": ""})),
            stmt(json!({"Sid": ""}))
        ])))
        .is_ok());
        assert_eq!(err(doc(stmt(json!({"Sid": "read-table"})))), MSG_SID_ALNUM);
    }

    #[test]
    fn statements_need_actions_and_resources() {
        assert_eq!(err(doc(stmt(json!({"Action": null})))), MSG_NO_ACTIONS);
        assert_eq!(err(doc(stmt(json!({"Action": []})))), MSG_NO_ACTIONS);
        assert_eq!(err(doc(stmt(json!({"Resource": null})))), MSG_NO_RESOURCES);
        assert_eq!(err(doc(stmt(json!({"Resource": []})))), MSG_NO_RESOURCES);
        // Actions are checked first.
        assert_eq!(
            err(doc(stmt(json!({"Action": null, "Resource": null})))),
            MSG_NO_ACTIONS
        );
    }

    #[test]
    fn resources_must_be_arns() {
        assert_eq!(
            err(doc(stmt(json!({"Resource": "lab-table"})))),
            "Resource lab-table must be in ARN format or \"*\"."
        );
        assert_eq!(
            err(doc(stmt(
                json!({"Resource": "arn:aws-cn:dynamodb:r:a:table/t"})
            ))),
            "Partition \"aws-cn\" is not valid for resource \"arn:aws-cn:dynamodb:r:a:table/t\"."
        );
        assert_eq!(
            err(doc(stmt(json!({"Resource": "arn:aws"})))),
            MSG_RESOURCE_VENDOR
        );
        // Reported only once the statement is otherwise complete.
        assert_eq!(
            err(doc(stmt(json!({"Resource": "lab-table", "Action": null})))),
            MSG_NO_ACTIONS
        );
    }

    #[test]
    fn actions_need_one_vendor_prefix() {
        assert_eq!(
            err(doc(stmt(json!({"Action": "GetItem"})))),
            MSG_ACTION_VENDOR
        );
        assert_eq!(
            err(doc(stmt(json!({"Action": "dynamodb:Get:Item"})))),
            MSG_ACTION_COLONS
        );
        assert_eq!(
            err(doc(stmt(
                json!({"NotAction": ["dyn@mo:GetItem"], "Action": null})
            ))),
            "Vendor dyn@mo is not valid"
        );
        assert!(PolicyDocument::from_value(&doc(stmt(json!({"Action": "*"})))).is_ok());
    }

    #[test]
    fn errors_render_as_iam_and_sts_answers() {
        let e = PolicyError::new(MSG_SYNTAX);
        let res = e.iam_response("4a5b7c1e-0000-4000-8000-000000000000");
        assert_eq!(res.status, 400);
        assert_eq!(res.header("content-type"), Some("text/xml"));
        assert_eq!(
            res.body_text(),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>MalformedPolicyDocument</Code>\n    <Message>Syntax errors in policy.</Message>\n  </Error>\n  <RequestId>4a5b7c1e-0000-4000-8000-000000000000</RequestId>\n</ErrorResponse>\n"
        );
        let sts = e.to_sts_error();
        assert_eq!((sts.status, sts.code), (400, "MalformedPolicyDocument"));
        // serde reports the same message.
        let via_serde = serde_json::from_str::<PolicyDocument>(r#"{"Statement":{}}"#).unwrap_err();
        assert!(via_serde.to_string().starts_with(MSG_SYNTAX), "{via_serde}");
    }
}
