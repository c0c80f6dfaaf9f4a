//! Policy evaluation as AWS does it for a principal's own requests
//! (identity-based policies, plus an optional session policy):
//!
//! 1. an explicit `Deny` in any applicable policy denies;
//! 2. otherwise an `Allow` in the identity-based policies is needed, and,
//!    when the session has a session policy, an `Allow` there too (the
//!    effective permissions are the intersection);
//! 3. otherwise the request is implicitly denied.
//!
//! Not modelled: resource-based policies, permissions boundaries, SCPs
//! (the lab involves none that decide the learner's or the role's
//! requests; AOSS data access policies are OpenSearch's own business).
//!
//! Conditions: only `StringEquals` and `StringLike` (and their `IfExists`
//! forms, the same thing for a key that is always present) on
//! `aws:RequestedRegion` are evaluated. Anything else in a statement that
//! would otherwise apply is reported as [`Unsupported`] rather than being
//! taken as true or false; so are policy variables (`${aws:username}`) in
//! resources.

use std::fmt;

use super::policy::{base_operator, Actions, ConditionBlock, Effect, PolicyDocument, Resources};
use lab_model::glob::{action_matches, resource_matches, wildcard_match};

/// Actions AWS allows whatever the policies say. For GetCallerIdentity the
/// STS API reference: "No permissions are required to perform this
/// operation. If an administrator attaches a policy to your identity that
/// explicitly denies access to the sts:GetCallerIdentity action, you can
/// still perform this operation."
pub const ALWAYS_ALLOWED_ACTIONS: &[&str] = &["sts:GetCallerIdentity"];

/// The only condition key evaluated.
pub const REQUESTED_REGION: &str = "aws:RequestedRegion";

/// What kind of policy a statement came from; AWS's denial messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Identity,
    Session,
}

impl PolicyType {
    /// As in "because no identity-based policy allows ...".
    pub fn adjective(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based",
            PolicyType::Session => "session",
        }
    }

    /// As in "with an explicit deny in an identity-based policy".
    pub fn with_article(self) -> &'static str {
        match self {
            PolicyType::Identity => "an identity-based policy",
            PolicyType::Session => "a session policy",
        }
    }
}

/// A policy as attached to a principal: inline (named only) or managed
/// (with an ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: String,
    pub arn: Option<String>,
    pub document: PolicyDocument,
}

impl NamedPolicy {
    pub fn inline(name: impl Into<String>, document: PolicyDocument) -> Self {
        NamedPolicy {
            name: name.into(),
            arn: None,
            document,
        }
    }

    pub fn managed(
        name: impl Into<String>,
        arn: impl Into<String>,
        document: PolicyDocument,
    ) -> Self {
        NamedPolicy {
            name: name.into(),
            arn: Some(arn.into()),
            document,
        }
    }
}

/// Which statement decided, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub policy_type: PolicyType,
    /// The policy's name (`session policy` for a session policy).
    pub policy: String,
    /// Position in the policy's `Statement` list, from 0.
    pub index: usize,
    pub sid: Option<String>,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "statement {}", self.index)?;
        if let Some(sid) = self.sid.as_deref().filter(|s| !s.is_empty()) {
            write!(f, " (Sid \"{sid}\")")?;
        }
        match self.policy_type {
            PolicyType::Identity => write!(f, " of policy \"{}\"", self.policy),
            PolicyType::Session => write!(f, " of the session policy"),
        }
    }
}

/// One request to authorise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthzRequest<'a> {
    /// `service:Operation`, e.g. `dynamodb:GetItem`.
    pub action: &'a str,
    /// The resource ARN (or `*` for actions without one).
    pub resource: &'a str,
    /// The region the request went to (`aws:RequestedRegion`).
    pub region: &'a str,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `statement` is the identity-policy statement that allowed it (`None`
    /// for an action AWS always allows); `session_statement` the session
    /// policy's, when there is a session policy.
    Allowed {
        statement: Option<StatementRef>,
        session_statement: Option<StatementRef>,
    },
    ExplicitDeny {
        statement: StatementRef,
    },
    /// No statement allowed it: in the identity-based policies, or (when
    /// those did) in the session policy.
    ImplicitDeny {
        policy_type: PolicyType,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// One sentence for a person.
    pub fn explain(&self) -> String {
        match self {
            Decision::Allowed {
                statement: None, ..
            } => "allowed: AWS allows this action without any policy".to_owned(),
            Decision::Allowed {
                statement: Some(statement),
                session_statement: None,
            } => format!("allowed by {statement}"),
            Decision::Allowed {
                statement: Some(statement),
                session_statement: Some(session),
            } => format!("allowed by {statement} and by {session}"),
            Decision::ExplicitDeny { statement } => {
                format!("explicitly denied by {statement}")
            }
            Decision::ImplicitDeny { policy_type } => format!(
                "implicitly denied: no {} policy allows it",
                policy_type.adjective()
            ),
        }
    }
}

/// A statement that would apply but that labsim cannot evaluate faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("labsim cannot evaluate {what} in {statement}: only StringEquals and StringLike on aws:RequestedRegion are evaluated")]
pub struct Unsupported {
    pub statement: StatementRef,
    /// E.g. `condition operator NumericLessThan`, `condition key aws:SourceIp`.
    pub what: String,
}

/// The result of one set of policies of one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The first applicable Deny.
    Deny(StatementRef),
    /// No Deny applies; the first applicable Allow.
    Allow(StatementRef),
    NoMatch,
}

/// Evaluates `policies` (all of `policy_type`) for `req`.
pub fn evaluate_policies(
    policies: &[NamedPolicy],
    policy_type: PolicyType,
    req: &AuthzRequest<'_>,
) -> Result<Outcome, Unsupported> {
    let mut allow = None;
    for policy in policies {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            let here = || StatementRef {
                policy_type,
                policy: policy.name.clone(),
                index,
                sid: statement.sid.clone(),
            };
            let applies = statement_applies(statement, req).map_err(|what| Unsupported {
                statement: here(),
                what,
            })?;
            if !applies {
                continue;
            }
            match statement.effect {
                Effect::Deny => return Ok(Outcome::Deny(here())),
                Effect::Allow => {
                    allow.get_or_insert_with(here);
                }
            }
        }
    }
    Ok(allow.map_or(Outcome::NoMatch, Outcome::Allow))
}

/// Whether a statement applies to the request (its effect aside); `Err`
/// names what could not be evaluated.
fn statement_applies(
    statement: &super::policy::Statement,
    req: &AuthzRequest<'_>,
) -> Result<bool, String> {
    let action_listed = |list: &super::policy::OneOrMany| {
        list.iter()
            .any(|pattern| action_matches(pattern, req.action))
    };
    let action_ok = match &statement.actions {
        Actions::Action(list) => action_listed(list),
        Actions::NotAction(list) => !action_listed(list),
    };
    if !action_ok {
        return Ok(false);
    }
    let patterns = match &statement.resources {
        Resources::Resource(list) | Resources::NotResource(list) => list,
    };
    if let Some(variable) = patterns.iter().find(|p| p.contains("${")) {
        return Err(format!("the policy variable in resource {variable}"));
    }
    let resource_listed = patterns
        .iter()
        .any(|pattern| resource_matches(pattern, req.resource));
    let resource_ok = match &statement.resources {
        Resources::Resource(_) => resource_listed,
        Resources::NotResource(_) => !resource_listed,
    };
    if !resource_ok {
        return Ok(false);
    }
    for block in statement.condition.iter().flatten() {
        if !condition_holds(block, req)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One operator's block: every key must match one of its values.
fn condition_holds(block: &ConditionBlock, req: &AuthzRequest<'_>) -> Result<bool, String> {
    let (base, prefix, _if_exists) = base_operator(&block.operator);
    if prefix.is_some() || !matches!(base, "StringEquals" | "StringLike") {
        return Err(format!("condition operator {}", block.operator));
    }
    for entry in &block.entries {
        // Condition key names are case-insensitive.
        if !entry.key.eq_ignore_ascii_case(REQUESTED_REGION) {
            return Err(format!("condition key {}", entry.key));
        }
        let matched = entry.values.iter().any(|value| match base {
            "StringEquals" => value == req.region,
            _ => wildcard_match(value, req.region, false),
        });
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What a principal may do: its identity-based policies and, for a session
/// from AssumeRole with `Policy`, the session policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermissionSet {
    pub identity: Vec<NamedPolicy>,
    pub session: Option<NamedPolicy>,
}

impl PermissionSet {
    pub fn new(identity: Vec<NamedPolicy>) -> Self {
        PermissionSet {
            identity,
            session: None,
        }
    }

    /// The same principal in a session restricted by `document`.
    pub fn with_session_policy(mut self, document: PolicyDocument) -> Self {
        self.session = Some(NamedPolicy::inline("session policy", document));
        self
    }

    /// Decides `req` as AWS would.
    pub fn evaluate(&self, req: &AuthzRequest<'_>) -> Result<Decision, Unsupported> {
        if ALWAYS_ALLOWED_ACTIONS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(req.action))
        {
            return Ok(Decision::Allowed {
                statement: None,
                session_statement: None,
            });
        }
        let identity = evaluate_policies(&self.identity, PolicyType::Identity, req)?;
        let session = self
            .session
            .as_ref()
            .map(|p| evaluate_policies(std::slice::from_ref(p), PolicyType::Session, req))
            .transpose()?;
        if let Outcome::Deny(statement) = identity {
            return Ok(Decision::ExplicitDeny { statement });
        }
        if let Some(Outcome::Deny(statement)) = session {
            return Ok(Decision::ExplicitDeny { statement });
        }
        let Outcome::Allow(statement) = identity else {
            return Ok(Decision::ImplicitDeny {
                policy_type: PolicyType::Identity,
            });
        };
        match session {
            None => Ok(Decision::Allowed {
                statement: Some(statement),
                session_statement: None,
            }),
            Some(Outcome::Allow(session_statement)) => Ok(Decision::Allowed {
                statement: Some(statement),
                session_statement: Some(session_statement),
            }),
            Some(_) => Ok(Decision::ImplicitDeny {
                policy_type: PolicyType::Session,
            }),
        }
    }

    /// [`PermissionSet::evaluate`] for one action on one resource.
    pub fn is_allowed(
        &self,
        action: &str,
        resource: &str,
        region: &str,
    ) -> Result<bool, Unsupported> {
        self.evaluate(&AuthzRequest {
            action,
            resource,
            region,
        })
        .map(|d| d.is_allowed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const REGION: &str = "ap-southeast-1";
    const TABLE: &str = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table";

    fn policy(name: &str, statements: Value) -> NamedPolicy {
        let document =
            PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": statements}))
                .unwrap();
        NamedPolicy::inline(name, document)
    }

    fn req<'a>(action: &'a str, resource: &'a str) -> AuthzRequest<'a> {
        AuthzRequest {
            action,
            resource,
            region: REGION,
        }
    }

    fn decide(set: &PermissionSet, action: &str, resource: &str) -> Decision {
        set.evaluate(&req(action, resource)).unwrap()
    }

    fn at(policy_type: PolicyType, policy: &str, index: usize, sid: Option<&str>) -> StatementRef {
        StatementRef {
            policy_type,
            policy: policy.to_owned(),
            index,
            sid: sid.map(str::to_owned),
        }
    }

    #[test]
    fn allow_names_the_statement_and_nothing_is_implicit_deny() {
        let set = PermissionSet::new(vec![policy(
            "read",
            json!([
                {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"},
                {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:Get*", "Resource": TABLE}
            ]),
        )]);
        assert_eq!(
            decide(&set, "dynamodb:GetItem", TABLE),
            Decision::Allowed {
                statement: Some(at(PolicyType::Identity, "read", 1, Some("Read"))),
                session_statement: None,
            }
        );
        assert_eq!(
            decide(&set, "dynamodb:PutItem", TABLE),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Identity
            }
        );
        assert_eq!(
            decide(&set, "dynamodb:GetItem", &format!("{TABLE}2")),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Identity
            }
        );
        assert_eq!(
            decide(&PermissionSet::default(), "dynamodb:GetItem", TABLE),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Identity
            }
        );
    }

    #[test]
    fn deny_beats_allow_in_any_order_and_any_policy() {
        let allow = policy(
            "allow-all",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        );
        let deny = policy(
            "no-deletes",
            json!([
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}
            ]),
        );
        for set in [
            PermissionSet::new(vec![allow.clone(), deny.clone()]),
            PermissionSet::new(vec![deny.clone(), allow.clone()]),
        ] {
            assert_eq!(
                decide(&set, "dynamodb:DeleteItem", TABLE),
                Decision::ExplicitDeny {
                    statement: at(PolicyType::Identity, "no-deletes", 1, Some("NoDelete"))
                }
            );
            assert!(decide(&set, "dynamodb:PutItem", TABLE).is_allowed());
        }
    }

    #[test]
    fn not_action_and_not_resource_invert_the_match() {
        let set = PermissionSet::new(vec![policy(
            "nots",
            json!([
                {"Effect": "Allow", "NotAction": ["iam:*", "dynamodb:Delete*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "lambda:*",
                 "NotResource": "arn:aws:lambda:*:*:function:sync-data-with-dynamodb-stream"}
            ]),
        )]);
        assert!(decide(&set, "dynamodb:GetItem", TABLE).is_allowed());
        assert!(!decide(&set, "dynamodb:DeleteItem", TABLE).is_allowed());
        assert!(!decide(&set, "iam:CreateRole", "*").is_allowed());
        let fine =
            "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream";
        let other = "arn:aws:lambda:ap-southeast-1:123456789012:function:other";
        assert!(decide(&set, "lambda:GetFunction", fine).is_allowed());
        assert_eq!(
            decide(&set, "lambda:GetFunction", other),
            Decision::ExplicitDeny {
                statement: at(PolicyType::Identity, "nots", 1, None)
            }
        );
    }

    #[test]
    fn actions_ignore_case_but_resources_do_not() {
        let set = PermissionSet::new(vec![policy(
            "p",
            json!({"Effect": "Allow", "Action": "DynamoDB:getitem", "Resource": TABLE}),
        )]);
        assert!(decide(&set, "dynamodb:GetItem", TABLE).is_allowed());
        assert!(!decide(
            &set,
            "dynamodb:GetItem",
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/Lab-Table"
        )
        .is_allowed());
    }

    #[test]
    fn session_policy_intersects_with_identity_policies() {
        let identity = policy(
            "role",
            json!([
                {"Sid": "Dynamo", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}
            ]),
        );
        let session_doc = PolicyDocument::from_value(&json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Reads", "Effect": "Allow", "Action": ["dynamodb:GetItem", "lambda:*"], "Resource": "*"},
                {"Sid": "NoLogs", "Effect": "Deny", "Action": "logs:GetLogEvents", "Resource": "*"}
            ]
        }))
        .unwrap();
        let set = PermissionSet::new(vec![identity]).with_session_policy(session_doc);
        // Both allow.
        assert_eq!(
            decide(&set, "dynamodb:GetItem", TABLE),
            Decision::Allowed {
                statement: Some(at(PolicyType::Identity, "role", 0, Some("Dynamo"))),
                session_statement: Some(at(
                    PolicyType::Session,
                    "session policy",
                    0,
                    Some("Reads")
                )),
            }
        );
        // Identity allows, session does not.
        assert_eq!(
            decide(&set, "dynamodb:PutItem", TABLE),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Session
            }
        );
        // Session allows, identity does not: a session policy grants nothing.
        assert_eq!(
            decide(&set, "lambda:GetFunction", "*"),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Identity
            }
        );
        // A deny in the session policy denies.
        assert_eq!(
            decide(&set, "logs:GetLogEvents", "*"),
            Decision::ExplicitDeny {
                statement: at(PolicyType::Session, "session policy", 1, Some("NoLogs"))
            }
        );
    }

    #[test]
    fn get_caller_identity_is_always_allowed() {
        let deny_all = policy(
            "deny-all",
            json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
        );
        let set = PermissionSet::new(vec![deny_all.clone()])
            .with_session_policy(deny_all.document.clone());
        let decision = decide(&set, "sts:GetCallerIdentity", "*");
        assert_eq!(
            decision,
            Decision::Allowed {
                statement: None,
                session_statement: None
            }
        );
        assert_eq!(
            decision.explain(),
            "allowed: AWS allows this action without any policy"
        );
        assert!(PermissionSet::default()
            .is_allowed("STS:getcalleridentity", "*", REGION)
            .unwrap());
        // Other STS actions are not.
        assert!(!set.is_allowed("sts:AssumeRole", "*", REGION).unwrap());
    }

    #[test]
    fn requested_region_conditions_are_evaluated() {
        let set = PermissionSet::new(vec![policy(
            "regions",
            json!([
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:RequestedRegion": ["ap-southeast-1", "us-east-1"]}}},
                {"Effect": "Allow", "Action": "logs:*", "Resource": "*",
                 "Condition": {"StringLikeIfExists": {"aws:requestedregion": "ap-*"}}}
            ]),
        )]);
        let in_region = |action: &str, region: &str| {
            set.evaluate(&AuthzRequest {
                action,
                resource: "*",
                region,
            })
            .unwrap()
            .is_allowed()
        };
        assert!(in_region("dynamodb:GetItem", "ap-southeast-1"));
        assert!(in_region("dynamodb:GetItem", "us-east-1"));
        assert!(!in_region("dynamodb:GetItem", "eu-west-1"));
        assert!(!in_region("dynamodb:GetItem", "AP-SOUTHEAST-1"));
        assert!(in_region("logs:GetLogEvents", "ap-northeast-2"));
        assert!(!in_region("logs:GetLogEvents", "eu-west-1"));
    }

    #[test]
    fn other_conditions_are_reported_not_guessed() {
        let set = PermissionSet::new(vec![policy(
            "conds",
            json!([
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
                {"Sid": "Tags", "Effect": "Deny", "Action": "logs:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/team": "lab"}}},
                {"Effect": "Allow", "Action": "lambda:*", "Resource": "arn:aws:lambda:*:*:function:${aws:username}"},
                {"Effect": "Allow", "Action": "aoss:*", "Resource": "*",
                 "Condition": {"ForAnyValue:StringEquals": {"aws:RequestedRegion": "ap-southeast-1"}}}
            ]),
        )]);
        let unsupported = |action: &str| set.evaluate(&req(action, "*")).unwrap_err();
        let e = unsupported("dynamodb:GetItem");
        assert_eq!(e.what, "condition operator IpAddress");
        assert_eq!(e.statement, at(PolicyType::Identity, "conds", 0, None));
        let e = unsupported("logs:FilterLogEvents");
        assert_eq!(e.what, "condition key aws:PrincipalTag/team");
        assert_eq!(
            e.to_string(),
            "labsim cannot evaluate condition key aws:PrincipalTag/team in statement 1 (Sid \"Tags\") of policy \"conds\": only StringEquals and StringLike on aws:RequestedRegion are evaluated"
        );
        assert!(unsupported("lambda:GetFunction")
            .what
            .contains("${aws:username}"));
        assert_eq!(
            unsupported("aoss:APIAccessAll").what,
            "condition operator ForAnyValue:StringEquals"
        );
        // A statement that does not apply anyway is not reported.
        assert!(!set.is_allowed("sqs:SendMessage", "*", REGION).unwrap());
    }

    #[test]
    fn decisions_explain_themselves() {
        let statement = at(
            PolicyType::Identity,
            "aoss-policy",
            1,
            Some("VisualEditor1"),
        );
        assert_eq!(
            Decision::Allowed {
                statement: Some(statement.clone()),
                session_statement: None
            }
            .explain(),
            "allowed by statement 1 (Sid \"VisualEditor1\") of policy \"aoss-policy\""
        );
        assert_eq!(
            Decision::ExplicitDeny {
                statement: at(PolicyType::Session, "session policy", 0, None)
            }
            .explain(),
            "explicitly denied by statement 0 of the session policy"
        );
        assert_eq!(
            Decision::ImplicitDeny {
                policy_type: PolicyType::Session
            }
            .explain(),
            "implicitly denied: no session policy allows it"
        );
    }
}
