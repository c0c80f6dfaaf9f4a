//! The lab's own policies, so the simulator can give its principals
//! realistic permissions. The documents labmate shows too are
//! lab-model's ([`lab_model::policies`]); here they are parsed and named
//! for the evaluator.
//!
//! - `lambda-lab-role`: the AWS managed policy `AWSLambdaExecute` and the
//!   two inline policies chapter 4.1 adds (`dynamodb-stream-data`,
//!   `aoss-policy`), verbatim from the workshop but for its placeholders;
//!   each also in a plausible wrong form a learner might save instead
//!   ([`PolicyState::Wrong`]).
//! - The API's integration role, which may only PutItem on the table (the
//!   workshop does not name it or show its policy; the name is labsim's).
//! - The learner: the least-privilege policy labmate generates for the
//!   role whose credentials learners paste ([`learner_policy`]), exactly
//!   the calls labmate makes.
//! - The demo participant (the principal of labsim's demo credentials):
//!   the learner's policy and [`participant_extras`], what the chapter's
//!   console steps and the test harnesses do besides (the real Workshop
//!   Studio participant role is broader still).

use lab_model::policies;
use serde_json::{json, Value};

use super::arn::iam_role_arn;
use super::eval::{NamedPolicy, PermissionSet};
use super::policy::PolicyDocument;

pub use lab_model::policies::LabIds;

// The lab's names are lab-model's; here under the names IAM's code reads.
pub use lab_model::names::{
    AOSS_POLICY, API_RESOURCE, API_STAGE, FUNCTION as STREAM_FUNCTION, ROLE as LAMBDA_ROLE,
    STREAM_POLICY as DYNAMODB_STREAM_DATA, TABLE as LAB_TABLE,
};
pub use lab_model::policies::{API_METHOD, LEARNER_POLICY, LEARNER_ROLE};

pub const AWS_LAMBDA_EXECUTE: &str = "AWSLambdaExecute";
pub const AWS_LAMBDA_EXECUTE_ARN: &str = "arn:aws:iam::aws:policy/AWSLambdaExecute";
pub const PARTICIPANT_EXTRAS_POLICY: &str = "labsim-participant";
pub const API_INTEGRATION_POLICY: &str = "labsim-apigateway-putitem";

/// The lab's policies are fixed and tested, so they always parse.
fn document(value: Value) -> PolicyDocument {
    match PolicyDocument::from_value(&value) {
        Ok(document) => document,
        Err(err) => unreachable!("lab policy is invalid: {err}"),
    }
}

/// A lab-model document, parsed for the evaluator.
fn shared(written: &policies::PolicyDocument) -> PolicyDocument {
    document(written.to_value())
}

/// `AWSLambdaExecute` (AWS managed): logs everywhere, and S3 objects.
pub fn aws_lambda_execute() -> NamedPolicy {
    NamedPolicy::managed(
        AWS_LAMBDA_EXECUTE,
        AWS_LAMBDA_EXECUTE_ARN,
        document(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["logs:*"], "Resource": "arn:aws:logs:*:*:*"},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}
            ]
        })),
    )
}

/// Inline `dynamodb-stream-data` (chapter 4.1 step 3).
pub fn dynamodb_stream_data(ids: &LabIds) -> NamedPolicy {
    NamedPolicy::inline(
        DYNAMODB_STREAM_DATA,
        shared(&policies::dynamodb_stream_data(ids)),
    )
}

/// Inline `aoss-policy` (chapter 4.1 step 4).
pub fn aoss_policy() -> NamedPolicy {
    NamedPolicy::inline(AOSS_POLICY, shared(&policies::aoss_policy()))
}

/// `dynamodb-stream-data` with the table's ARN as the resource instead of
/// its streams'.
pub fn dynamodb_stream_data_wrong(ids: &LabIds) -> NamedPolicy {
    NamedPolicy::inline(
        DYNAMODB_STREAM_DATA,
        shared(&policies::dynamodb_stream_data_wrong(ids)),
    )
}

/// `aoss-policy` with only its dashboards statement.
pub fn aoss_policy_wrong() -> NamedPolicy {
    NamedPolicy::inline(AOSS_POLICY, shared(&policies::aoss_policy_wrong()))
}

/// Whether one of chapter 4.1's inline policies is on the role, and in
/// which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PolicyState {
    /// As the chapter writes it.
    #[default]
    Present,
    /// Not added (the step was skipped).
    Missing,
    /// Added with a plausible mistake (see the `_wrong` policies).
    Wrong,
}

impl PolicyState {
    pub const NAMES: [&'static str; 3] = ["present", "missing", "wrong"];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyState::Present => "present",
            PolicyState::Missing => "missing",
            PolicyState::Wrong => "wrong",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "present" => Some(PolicyState::Present),
            "missing" => Some(PolicyState::Missing),
            "wrong" => Some(PolicyState::Wrong),
            _ => None,
        }
    }
}

/// How far chapter 4.1's steps 3 and 4 got: the state of each inline
/// policy of `lambda-lab-role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LabRoleSetup {
    /// `dynamodb-stream-data` (step 3).
    pub stream_policy: PolicyState,
    /// `aoss-policy` (step 4).
    pub aoss_policy: PolicyState,
}

impl LabRoleSetup {
    /// The role's inline policies, in IAM's (alphabetical) order.
    pub fn inline_policies(&self, ids: &LabIds) -> Vec<NamedPolicy> {
        let aoss = match self.aoss_policy {
            PolicyState::Present => Some(aoss_policy()),
            PolicyState::Wrong => Some(aoss_policy_wrong()),
            PolicyState::Missing => None,
        };
        let stream = match self.stream_policy {
            PolicyState::Present => Some(dynamodb_stream_data(ids)),
            PolicyState::Wrong => Some(dynamodb_stream_data_wrong(ids)),
            PolicyState::Missing => None,
        };
        aoss.into_iter().chain(stream).collect()
    }

    /// The role's managed policies.
    pub fn attached_policies(&self) -> Vec<NamedPolicy> {
        vec![aws_lambda_execute()]
    }

    /// Everything the role's policies allow.
    pub fn permissions(&self, ids: &LabIds) -> PermissionSet {
        let mut policies = self.attached_policies();
        policies.extend(self.inline_policies(ids));
        PermissionSet::new(policies)
    }
}

/// `lambda-lab-role` once chapter 4.1's steps 3 and 4 are done.
pub fn lambda_lab_role(ids: &LabIds) -> PermissionSet {
    LabRoleSetup::default().permissions(ids)
}

/// The API Gateway integration's role: PutItem on the table only.
pub fn api_integration_policy(ids: &LabIds) -> NamedPolicy {
    NamedPolicy::inline(
        API_INTEGRATION_POLICY,
        document(json!({
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "dynamodb:PutItem",
                "Resource": ids.table_arn()
            }
        })),
    )
}

/// The learner's least-privilege policy, as labmate generates it for the
/// role whose credentials learners paste.
pub fn learner_policy(ids: &LabIds) -> NamedPolicy {
    NamedPolicy::inline(LEARNER_POLICY, shared(&policies::learner_policy(ids)))
}

/// Credentials minted from [`learner_policy`] alone.
pub fn learner_permissions(ids: &LabIds) -> PermissionSet {
    PermissionSet::new(vec![learner_policy(ids)])
}

/// What the demo participant may do besides labmate's calls: write and
/// read items directly (the chapter's console steps and the tests' seed
/// data), read the function as the console does, list Lambda, and read any
/// role, as the workshop participant's may, so a mistyped role name is
/// NoSuchEntity rather than AccessDenied.
pub fn participant_extras(ids: &LabIds) -> NamedPolicy {
    let function = ids.function_arn();
    NamedPolicy::inline(
        PARTICIPANT_EXTRAS_POLICY,
        document(json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteAndQueryLabItems",
                    "Effect": "Allow",
                    "Action": [
                        "dynamodb:PutItem",
                        "dynamodb:BatchGetItem",
                        "dynamodb:Query",
                        "dynamodb:Scan"
                    ],
                    "Resource": ids.table_arn()
                },
                {
                    "Sid": "ReadLabFunctionAsTheConsole",
                    "Effect": "Allow",
                    "Action": ["lambda:Get*", "lambda:List*"],
                    "Resource": [function.clone(), format!("{function}:*")]
                },
                {
                    "Sid": "ListLambda",
                    "Effect": "Allow",
                    "Action": "lambda:List*",
                    "Resource": "*"
                },
                {
                    "Sid": "ReadAnyRole",
                    "Effect": "Allow",
                    "Action": [
                        "iam:GetRole",
                        "iam:ListRolePolicies",
                        "iam:GetRolePolicy",
                        "iam:ListAttachedRolePolicies"
                    ],
                    "Resource": iam_role_arn(&ids.account, "*")
                }
            ]
        })),
    )
}

/// The demo participant's permissions: the learner's and the extras.
/// `sts:GetCallerIdentity` needs no statement (AWS always allows it).
pub fn participant_permissions(ids: &LabIds) -> PermissionSet {
    PermissionSet::new(vec![learner_policy(ids), participant_extras(ids)])
}

#[cfg(test)]
mod learner_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::arn::{
        aoss_authz, dynamodb_authz, execute_api_authz, lambda_authz, lambda_log_group,
        log_group_arn, logs_authz, stream_arn, Authz,
    };
    use crate::iam::eval::{AuthzRequest, Decision, PolicyType};

    const REGION: &str = "ap-southeast-1";
    const ACCOUNT: &str = "123456789012";
    const LABEL: &str = "2024-10-08T19:55:22.500";

    fn ids() -> LabIds {
        LabIds::new(REGION, ACCOUNT, "a1b2c3d4e5", "0a1b2c3d4e5f6g7h8i9j")
    }

    fn decide(set: &PermissionSet, authz: &Authz) -> Decision {
        set.evaluate(&AuthzRequest {
            action: &authz.action,
            resource: &authz.resource,
            region: REGION,
        })
        .unwrap()
    }

    fn allowed(set: &PermissionSet, authz: Authz) -> bool {
        decide(set, &authz).is_allowed()
    }

    #[test]
    fn workshop_policies_are_the_workshop_text() {
        assert_eq!(
            dynamodb_stream_data(&ids()).document.to_json(),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"APIAccessForDynamoDBStreams","Effect":"Allow","Action":["dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:DescribeStream","dynamodb:ListStreams"],"Resource":"arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*"}]}"#
        );
        assert_eq!(
            aoss_policy().document.to_json(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["aoss:APIAccessAll","aoss:DeleteCollection","aoss:*"],"Resource":"*"},{"Sid":"VisualEditor1","Effect":"Allow","Action":"aoss:DashboardsAccessAll","Resource":"*"}]}"#
        );
        let execute = aws_lambda_execute();
        assert_eq!(execute.arn.as_deref(), Some(AWS_LAMBDA_EXECUTE_ARN));
    }

    #[test]
    fn lambda_lab_role_can_read_the_stream_index_and_log() {
        let role = lambda_lab_role(&ids());
        let stream = stream_arn(REGION, ACCOUNT, LAB_TABLE, LABEL);
        for op in ["DescribeStream", "GetShardIterator", "GetRecords"] {
            assert!(
                allowed(
                    &role,
                    dynamodb_authz(REGION, ACCOUNT, op, None, Some(&stream))
                ),
                "{op}"
            );
        }
        assert!(allowed(
            &role,
            dynamodb_authz(REGION, ACCOUNT, "ListStreams", Some(LAB_TABLE), None)
        ));
        assert!(allowed(&role, aoss_authz(REGION, ACCOUNT, "anycollection")));
        let group = lambda_log_group(STREAM_FUNCTION);
        for op in ["CreateLogGroup", "CreateLogStream", "PutLogEvents"] {
            assert!(allowed(
                &role,
                logs_authz(REGION, ACCOUNT, op, Some(&group), Some("s"))
            ));
        }
        // The role cannot touch the table itself.
        assert_eq!(
            decide(
                &role,
                &dynamodb_authz(REGION, ACCOUNT, "GetItem", Some(LAB_TABLE), None)
            ),
            Decision::ImplicitDeny {
                policy_type: PolicyType::Identity
            }
        );
        // Without chapter 4.1's inline policies, only logging works.
        let before = PermissionSet::new(vec![aws_lambda_execute()]);
        assert!(!allowed(
            &before,
            dynamodb_authz(REGION, ACCOUNT, "GetRecords", None, Some(&stream))
        ));
        assert!(!allowed(&before, aoss_authz(REGION, ACCOUNT, "c")));
    }

    #[test]
    fn api_integration_may_only_put_items() {
        let set = PermissionSet::new(vec![api_integration_policy(&ids())]);
        assert!(allowed(
            &set,
            dynamodb_authz(REGION, ACCOUNT, "PutItem", Some(LAB_TABLE), None)
        ));
        assert!(!allowed(
            &set,
            dynamodb_authz(REGION, ACCOUNT, "DeleteItem", Some(LAB_TABLE), None)
        ));
        assert!(!allowed(
            &set,
            dynamodb_authz(REGION, ACCOUNT, "PutItem", Some("other"), None)
        ));
    }

    /// The learner's policy alone, and the demo participant's (which adds
    /// to it): both pass the tests the participant's policy always had.
    fn learners() -> [PermissionSet; 2] {
        [learner_permissions(&ids()), participant_permissions(&ids())]
    }

    #[test]
    fn learner_can_do_the_lab_and_no_more() {
        for learner in learners() {
            learner_can_do_the_lab_and_no_more_as(&learner);
        }
    }

    fn learner_can_do_the_lab_and_no_more_as(learner: &PermissionSet) {
        let ids = ids();
        let stream = stream_arn(REGION, ACCOUNT, LAB_TABLE, LABEL);
        let group = lambda_log_group(STREAM_FUNCTION);
        let yes = [
            execute_api_authz(REGION, ACCOUNT, &ids.api_id, "v1", "POST", "/lab"),
            aoss_authz(REGION, ACCOUNT, &ids.collection_id),
            dynamodb_authz(REGION, ACCOUNT, "GetItem", Some(LAB_TABLE), None),
            dynamodb_authz(REGION, ACCOUNT, "DeleteItem", Some(LAB_TABLE), None),
            dynamodb_authz(REGION, ACCOUNT, "GetRecords", None, Some(&stream)),
            lambda_authz(REGION, ACCOUNT, "GetFunction", Some(STREAM_FUNCTION)),
            lambda_authz(
                REGION,
                ACCOUNT,
                "GetFunctionConfiguration",
                Some(STREAM_FUNCTION),
            ),
            lambda_authz(REGION, ACCOUNT, "ListFunctions", None),
            lambda_authz(REGION, ACCOUNT, "ListEventSourceMappings", None),
            logs_authz(REGION, ACCOUNT, "FilterLogEvents", Some(&group), None),
            logs_authz(REGION, ACCOUNT, "DescribeLogStreams", Some(&group), None),
            logs_authz(REGION, ACCOUNT, "DescribeLogGroups", None, None),
            logs_authz(
                REGION,
                ACCOUNT,
                "GetLogEvents",
                Some(&group),
                Some("2024/10/08/[$LATEST]0f1e"),
            ),
        ];
        for authz in yes {
            assert!(allowed(learner, authz.clone()), "{authz:?}");
        }
        let no = [
            execute_api_authz(REGION, ACCOUNT, &ids.api_id, "v1", "GET", "/lab"),
            execute_api_authz(REGION, ACCOUNT, "otherapi00", "v1", "POST", "/lab"),
            aoss_authz(REGION, ACCOUNT, "someothercollection"),
            dynamodb_authz(REGION, ACCOUNT, "DeleteTable", Some(LAB_TABLE), None),
            dynamodb_authz(REGION, ACCOUNT, "GetItem", Some("other-table"), None),
            dynamodb_authz(REGION, ACCOUNT, "ListTables", None, None),
            lambda_authz(REGION, ACCOUNT, "Invoke", Some(STREAM_FUNCTION)),
            lambda_authz(REGION, ACCOUNT, "UpdateFunctionCode", Some(STREAM_FUNCTION)),
            lambda_authz(REGION, ACCOUNT, "GetFunction", Some("other-function")),
            logs_authz(
                REGION,
                ACCOUNT,
                "FilterLogEvents",
                Some("/aws/lambda/other"),
                None,
            ),
            logs_authz(REGION, ACCOUNT, "DeleteLogGroup", Some(&group), None),
        ];
        for authz in no {
            assert!(!allowed(learner, authz.clone()), "{authz:?}");
        }
        assert!(learner
            .is_allowed("sts:GetCallerIdentity", "*", REGION)
            .unwrap());
    }

    #[test]
    fn learner_may_read_roles_and_change_none() {
        for learner in learners() {
            learner_may_read_roles_and_change_none_as(&learner);
        }
    }

    fn learner_may_read_roles_and_change_none_as(learner: &PermissionSet) {
        let role = iam_role_arn(ACCOUNT, LAMBDA_ROLE);
        for action in [
            "iam:GetRole",
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
        ] {
            assert!(
                learner.is_allowed(action, &role, "us-east-1").unwrap(),
                "{action}"
            );
        }
        for action in ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:ListRoles"] {
            assert!(
                !learner.is_allowed(action, &role, "us-east-1").unwrap(),
                "{action}"
            );
        }
        assert!(!learner
            .is_allowed(
                "iam:GetUser",
                "arn:aws:iam::123456789012:user/x",
                "us-east-1"
            )
            .unwrap());
    }

    #[test]
    fn the_participant_may_also_seed_items_and_read_any_role() {
        let (learner, participant) = (learner_permissions(&ids()), participant_permissions(&ids()));
        let put = dynamodb_authz(REGION, ACCOUNT, "PutItem", Some(LAB_TABLE), None);
        assert!(allowed(&participant, put.clone()));
        assert!(!allowed(&learner, put));
        let other_role = iam_role_arn(ACCOUNT, "lambda-lap-role");
        assert!(participant
            .is_allowed("iam:GetRole", &other_role, "us-east-1")
            .unwrap());
        assert!(!learner
            .is_allowed("iam:GetRole", &other_role, "us-east-1")
            .unwrap());
    }

    #[test]
    fn a_log_group_arn_without_star_does_not_cover_its_streams() {
        // The classic mistake: Resource "...:log-group:NAME" does not
        // match "...:log-group:NAME:log-stream:" that FilterLogEvents checks.
        let group = lambda_log_group(STREAM_FUNCTION);
        let set = PermissionSet::new(vec![NamedPolicy::inline(
            "narrow",
            document(json!({
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "logs:FilterLogEvents",
                              "Resource": log_group_arn(REGION, ACCOUNT, &group)}
            })),
        )]);
        assert!(!allowed(
            &set,
            logs_authz(REGION, ACCOUNT, "FilterLogEvents", Some(&group), None)
        ));
    }
}
