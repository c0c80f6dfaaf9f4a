//! `lambda-lab-role` as IAM shows it (its id, trust policy and the text of
//! its inline policies) and as the stream function uses it: what the
//! Lambda service may read and what the function's code may call.

use serde::Serialize;

use super::arn::{aoss_collection_arn, dynamodb_authz, iam_role_arn};
use super::eval::{NamedPolicy, PermissionSet};
use super::lab::{LabIds, LabRoleSetup, LAB_TABLE, LAMBDA_ROLE};

/// IAM's path for a role made in the console.
pub const ROLE_PATH: &str = "/";
/// The console's description for a role made for the Lambda use case.
pub const ROLE_DESCRIPTION: &str = "Allows Lambda functions to call AWS services on your behalf.";
/// The console's default maximum session, in seconds.
pub const MAX_SESSION_DURATION: u32 = 3600;
/// Who may assume the role: the Lambda service (the console's trust policy
/// for the Lambda use case).
pub const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// One of the role's policies as IAM answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePolicy {
    pub name: String,
    /// Managed policies only.
    pub arn: Option<String>,
    /// The document's text as the learner saved it (pasted from the
    /// chapter, tab-indented); IAM hands it back as saved.
    pub document: String,
}

impl RolePolicy {
    fn of(policy: &NamedPolicy) -> Self {
        RolePolicy {
            name: policy.name.clone(),
            arn: policy.arn.clone(),
            document: as_pasted(&policy.document),
        }
    }
}

/// The chapter's layout (one tab per level, `"key": value`), which is what
/// a learner pastes into the console's JSON editor.
fn as_pasted(document: &impl Serialize) -> String {
    let mut text = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut text,
        serde_json::ser::PrettyFormatter::with_indent(b"\t"),
    );
    // Serialising a policy (strings, sequences, maps) into memory cannot fail.
    if document.serialize(&mut serializer).is_err() {
        return String::new();
    }
    String::from_utf8(text).unwrap_or_default()
}

/// `lambda-lab-role` as the lab has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRole {
    pub ids: LabIds,
    pub setup: LabRoleSetup,
    /// `AROA` + 17, the same id STS names in the role's sessions.
    pub role_id: String,
    /// When the role was made (chapter 2, before the simulator started).
    pub created_ms: i64,
}

impl LabRole {
    pub fn name(&self) -> &'static str {
        LAMBDA_ROLE
    }

    pub fn arn(&self) -> String {
        iam_role_arn(&self.ids.account, LAMBDA_ROLE)
    }

    /// The inline policies, in IAM's (alphabetical) order.
    pub fn inline_policies(&self) -> Vec<RolePolicy> {
        let mut policies: Vec<RolePolicy> = self
            .setup
            .inline_policies(&self.ids)
            .iter()
            .map(RolePolicy::of)
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        policies
    }

    /// The attached managed policies.
    pub fn attached_policies(&self) -> Vec<RolePolicy> {
        self.setup
            .attached_policies()
            .iter()
            .map(RolePolicy::of)
            .collect()
    }

    /// What the role lets the Lambda service and the function do.
    pub fn execution_role(&self) -> ExecutionRole {
        ExecutionRole {
            permissions: self.setup.permissions(&self.ids),
            ids: self.ids.clone(),
        }
    }
}

/// The stream function's execution role, as the Lambda service and the
/// function's code meet it: the event source mapping reads the stream as
/// this role, and the code signs its calls to the collection as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRole {
    permissions: PermissionSet,
    ids: LabIds,
}

/// The stream actions Lambda's poller needs, as AWS's refusal to create a
/// trigger without them lists them.
pub const STREAM_READ_ACTIONS: [&str; 4] = [
    "GetRecords",
    "GetShardIterator",
    "DescribeStream",
    "ListStreams",
];

impl ExecutionRole {
    /// The role with both of chapter 4.1's policies as the chapter writes
    /// them.
    pub fn workshop(ids: &LabIds) -> Self {
        ExecutionRole {
            permissions: LabRoleSetup::default().permissions(ids),
            ids: ids.clone(),
        }
    }

    /// Whether the event source mapping may read `stream_arn`: every one of
    /// [`STREAM_READ_ACTIONS`] allowed. A policy labsim cannot evaluate
    /// counts as a refusal.
    pub fn can_read_stream(&self, stream_arn: &str) -> bool {
        let (region, account) = (&self.ids.region, &self.ids.account);
        STREAM_READ_ACTIONS.iter().all(|operation| {
            let authz = if *operation == "ListStreams" {
                dynamodb_authz(region, account, operation, Some(LAB_TABLE), None)
            } else {
                dynamodb_authz(region, account, operation, None, Some(stream_arn))
            };
            self.permissions
                .is_allowed(&authz.action, &authz.resource, region)
                .unwrap_or(false)
        })
    }

    /// Whether the function's requests to the lab's collection pass IAM
    /// (`aoss:APIAccessAll`); the data access policy is the collection's.
    pub fn can_call_collection(&self) -> bool {
        let (region, account) = (&self.ids.region, &self.ids.account);
        let collection = aoss_collection_arn(region, account, &self.ids.collection_id);
        self.permissions
            .is_allowed("aoss:APIAccessAll", &collection, region)
            .unwrap_or(false)
    }

    /// AWS's refusal to create a trigger the role cannot read from.
    pub fn cannot_access_stream(stream_arn: &str) -> String {
        format!("Cannot access stream {stream_arn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::arn::stream_arn;
    use crate::iam::lab::PolicyState;

    const REGION: &str = "ap-southeast-1";
    const ACCOUNT: &str = "123456789012";

    fn role(stream_policy: PolicyState, aoss_policy: PolicyState) -> LabRole {
        LabRole {
            ids: LabIds::new(REGION, ACCOUNT, "a1b2c3d4e5", "0a1b2c3d4e5f6g7h8i9j"),
            setup: LabRoleSetup {
                stream_policy,
                aoss_policy,
            },
            role_id: "AROAEXAMPLEEXAMPLE1".into(),
            created_ms: 0,
        }
    }

    fn stream() -> String {
        stream_arn(REGION, ACCOUNT, LAB_TABLE, "2024-10-08T19:55:22.500")
    }

    #[test]
    fn the_stream_policy_is_the_chapters_text_as_pasted() {
        let policies = role(PolicyState::Present, PolicyState::Present).inline_policies();
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["aoss-policy", "dynamodb-stream-data"]);
        assert_eq!(
            policies[1].document,
            "{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": [\n\t\t{\n\t\t\t\"Sid\": \"APIAccessForDynamoDBStreams\",\n\t\t\t\"Effect\": \"Allow\",\n\t\t\t\"Action\": [\n\t\t\t\t\"dynamodb:GetRecords\",\n\t\t\t\t\"dynamodb:GetShardIterator\",\n\t\t\t\t\"dynamodb:DescribeStream\",\n\t\t\t\t\"dynamodb:ListStreams\"\n\t\t\t],\n\t\t\t\"Resource\": \"arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*\"\n\t\t}\n\t]\n}"
        );
        assert_eq!(policies[1].arn, None);
        let attached = role(PolicyState::Missing, PolicyState::Missing).attached_policies();
        assert_eq!(attached.len(), 1);
        assert_eq!(
            attached[0].arn.as_deref(),
            Some("arn:aws:iam::aws:policy/AWSLambdaExecute")
        );
    }

    #[test]
    fn missing_policies_are_not_listed() {
        let only_aoss = role(PolicyState::Missing, PolicyState::Wrong).inline_policies();
        assert_eq!(only_aoss.len(), 1);
        assert_eq!(only_aoss[0].name, "aoss-policy");
        assert!(!only_aoss[0].document.contains("APIAccessAll"));
        assert!(role(PolicyState::Missing, PolicyState::Missing)
            .inline_policies()
            .is_empty());
    }

    #[test]
    fn only_the_chapters_stream_policy_lets_the_trigger_read() {
        let stream = stream();
        let read = |state| {
            role(state, PolicyState::Present)
                .execution_role()
                .can_read_stream(&stream)
        };
        assert!(read(PolicyState::Present));
        assert!(!read(PolicyState::Missing));
        // On the table's ARN: none of the stream actions match.
        assert!(!read(PolicyState::Wrong));
        assert!(
            ExecutionRole::workshop(&role(PolicyState::Missing, PolicyState::Missing).ids)
                .can_read_stream(&stream)
        );
    }

    #[test]
    fn only_the_chapters_aoss_policy_lets_the_code_call_the_collection() {
        let call = |state| {
            role(PolicyState::Present, state)
                .execution_role()
                .can_call_collection()
        };
        assert!(call(PolicyState::Present));
        assert!(!call(PolicyState::Missing));
        // Dashboards only: not the data plane.
        assert!(!call(PolicyState::Wrong));
    }

    #[test]
    fn the_trust_policy_lets_lambda_assume_the_role() {
        let trust: serde_json::Value = serde_json::from_str(TRUST_POLICY).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        assert_eq!(
            role(PolicyState::Present, PolicyState::Present).arn(),
            "arn:aws:iam::123456789012:role/lambda-lab-role"
        );
    }
}
