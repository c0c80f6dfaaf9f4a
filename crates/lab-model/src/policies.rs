//! The lab's IAM documents, typed once for labmate's guide and labsim's
//! authorizer:
//!
//! - the two inline policies chapter 4.1 adds to `lambda-lab-role`
//!   ([`dynamodb_stream_data`], [`aoss_policy`]), as the workshop writes
//!   them with the learner's region, account and table filled in, and the
//!   plausible wrong forms a learner might save instead (labsim plays them);
//! - the least-privilege policy for the role whose temporary credentials
//!   learners paste into labmate ([`learner_policy`]): exactly the calls
//!   labmate makes, no more;
//! - the OpenSearch Serverless data access policy that lets that role read
//!   the lab's index ([`learner_data_access_policy`]);
//! - the `aws` CLI commands an instructor runs to mint the scoped
//!   credentials ([`mint_commands`]).
//!
//! Documents are typed in AWS's own grammar ([`PolicyDocument`],
//! [`DataAccessPolicy`]) and serialise in the order the console writes
//! them, so they can be shown, copied, compared statement by statement
//! (as `serde_json` values) and parsed by labsim's policy parser alike.

mod document;
mod mint;

pub use document::{
    DataAccessPolicy, DataAccessRule, DataAccessRuleSet, Effect, OneOrMany, PolicyDocument,
    Principal, Statement,
};
pub use mint::{
    mint_commands, MintCommands, MintStep, MintStepKind, PolicyFile, RoleSource,
    DATA_ACCESS_POLICY_FILE, LEARNER_POLICY_FILE, TRUST_POLICY_FILE,
};

use crate::arn::{
    aoss_collection_arn, dynamodb_table_arn, execute_api_arn, iam_role_arn, lambda_function_arn,
    lambda_log_group, log_group_arn, stream_arn,
};
use crate::names;

/// The only policy grammar version AWS documents for new policies.
pub const POLICY_VERSION: &str = "2012-10-17";
/// The role learners' credentials come from, unless the instructor names
/// another.
pub const LEARNER_ROLE: &str = "labmate-learner";
/// The learner role's inline policy ([`learner_policy`]).
pub const LEARNER_POLICY: &str = "labmate-learner";
/// The collection's data access policy for the learner role (AOSS policy
/// names: 3 to 32 lower-case letters, digits and hyphens).
pub const LEARNER_DATA_ACCESS_POLICY: &str = "labmate-learner-read";
/// The session name learners' credentials carry.
pub const LEARNER_SESSION: &str = "labmate";
/// How long minted credentials last: one hour, the most AWS grants when a
/// role is assumed with temporary credentials (role chaining), and the
/// default maximum of a new role.
pub const LEARNER_SESSION_SECONDS: u32 = 3600;
/// The method labmate's test POST uses.
pub const API_METHOD: &str = "POST";

/// The ids the lab's ARNs are built from. [`LabIds::new`] fills the names
/// with the workshop's ([`crate::names`]); a learner who named things
/// differently changes the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabIds {
    pub region: String,
    pub account: String,
    /// The REST API's id (`dynamodb-api-gw`'s), the host's first label.
    pub api_id: String,
    /// The API's stage (`v1`).
    pub api_stage: String,
    /// The API's resource the test POST goes to (`/lab`).
    pub api_resource: String,
    pub table: String,
    /// The stream Lambda.
    pub function: String,
    /// The stream Lambda's execution role, whose inline policies the guide
    /// reads (`lambda-lab-role`).
    pub lab_role: String,
    /// The collection's id (what its ARN and endpoint carry).
    pub collection_id: String,
    /// The collection's name (what its data access policy names).
    pub collection: String,
    /// The index the Lambda writes to.
    pub index: String,
}

impl LabIds {
    /// The ids of a lab built with the workshop's names.
    pub fn new(region: &str, account: &str, api_id: &str, collection_id: &str) -> Self {
        LabIds {
            region: region.to_owned(),
            account: account.to_owned(),
            api_id: api_id.to_owned(),
            api_stage: names::API_STAGE.to_owned(),
            api_resource: names::API_RESOURCE.to_owned(),
            table: names::TABLE.to_owned(),
            function: names::FUNCTION.to_owned(),
            lab_role: names::ROLE.to_owned(),
            collection_id: collection_id.to_owned(),
            collection: names::COLLECTION.to_owned(),
            index: names::INDEX.to_owned(),
        }
    }

    pub fn table_arn(&self) -> String {
        dynamodb_table_arn(&self.region, &self.account, &self.table)
    }

    /// Every stream of the table, past and current (`table/<t>/stream/*`):
    /// turning the stream off and on again makes a new stream ARN.
    pub fn table_streams_arn(&self) -> String {
        stream_arn(&self.region, &self.account, &self.table, "*")
    }

    pub fn function_arn(&self) -> String {
        lambda_function_arn(&self.region, &self.account, &self.function)
    }

    /// The function's log group name (`/aws/lambda/<function>`).
    pub fn log_group(&self) -> String {
        lambda_log_group(&self.function)
    }

    pub fn log_group_arn(&self) -> String {
        log_group_arn(&self.region, &self.account, &self.log_group())
    }

    pub fn lab_role_arn(&self) -> String {
        iam_role_arn(&self.account, &self.lab_role)
    }

    pub fn collection_arn(&self) -> String {
        aoss_collection_arn(&self.region, &self.account, &self.collection_id)
    }

    /// The test POST's `execute-api` ARN (`<api>/<stage>/POST/<resource>`).
    pub fn api_post_arn(&self) -> String {
        execute_api_arn(
            &self.region,
            &self.account,
            &self.api_id,
            &self.api_stage,
            API_METHOD,
            &self.api_resource,
        )
    }
}

/// The stream actions chapter 4.1 grants, in the workshop's order.
fn stream_data_on(resource: String) -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow(
        Some("APIAccessForDynamoDBStreams"),
        [
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:DescribeStream",
            "dynamodb:ListStreams",
        ],
        resource,
    )])
}

/// Inline `dynamodb-stream-data` (chapter 4.1 step 3), verbatim but for
/// its placeholders: the stream actions on the table's streams.
pub fn dynamodb_stream_data(ids: &LabIds) -> PolicyDocument {
    stream_data_on(ids.table_streams_arn())
}

/// `dynamodb-stream-data` with the commonest slip: the table's ARN as the
/// resource instead of its streams', which covers none of the stream
/// actions.
pub fn dynamodb_stream_data_wrong(ids: &LabIds) -> PolicyDocument {
    stream_data_on(ids.table_arn())
}

/// The dashboards statement both forms of `aoss-policy` carry.
fn dashboards_statement() -> Statement {
    Statement::allow(Some("VisualEditor1"), "aoss:DashboardsAccessAll", "*")
}

/// Inline `aoss-policy` (chapter 4.1 step 4), verbatim: it has no
/// placeholders.
pub fn aoss_policy() -> PolicyDocument {
    PolicyDocument::new(vec![
        Statement::allow(
            None,
            ["aoss:APIAccessAll", "aoss:DeleteCollection", "aoss:*"],
            "*",
        ),
        dashboards_statement(),
    ])
}

/// `aoss-policy` with only its second statement pasted: the dashboards
/// permission, which is not the data plane's `aoss:APIAccessAll`.
pub fn aoss_policy_wrong() -> PolicyDocument {
    PolicyDocument::new(vec![dashboards_statement()])
}

/// The least-privilege policy for the role whose temporary credentials
/// learners paste into labmate: exactly the calls labmate makes, each on
/// the lab's own resource where AWS checks one.
///
/// - the test POST (`execute-api:Invoke` on `POST <resource>` of the
///   stage, no other method or path);
/// - the table: DescribeTable (the stream poller and the stream check),
///   GetItem, and UpdateItem/DeleteItem for the change demo (step 9); no
///   PutItem: new items go through the API, as the chapter does it;
/// - the table's streams (`table/<t>/stream/*`, which is also what
///   ListStreams with a TableName is checked against);
/// - the function: GetFunction, GetFunctionConfiguration; and
///   ListEventSourceMappings and ListFunctions, which AWS only grants on
///   `*`;
/// - the function's log group (`<group>:*`, which covers the
///   `log-group:<g>:log-stream:` resource Logs checks), and
///   DescribeLogGroups, which names no group: it is granted on the
///   account's groups (`log-group:*`), as the log tail asks whether the
///   function's group exists before the function first runs;
/// - IAM reads of the lab role, for the guide's policy check;
/// - `aoss:APIAccessAll` on the collection (the data access policy,
///   [`learner_data_access_policy`], then decides what it may do there).
///
/// `sts:GetCallerIdentity` needs no statement: AWS always allows it.
pub fn learner_policy(ids: &LabIds) -> PolicyDocument {
    PolicyDocument::new(vec![
        Statement::allow(
            Some("InvokeLabApiPost"),
            "execute-api:Invoke",
            ids.api_post_arn(),
        ),
        Statement::allow(
            Some("ReadLabTable"),
            ["dynamodb:DescribeTable", "dynamodb:GetItem"],
            ids.table_arn(),
        ),
        Statement::allow(
            Some("ChangeLabItems"),
            ["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            ids.table_arn(),
        ),
        Statement::allow(
            Some("ReadLabTableStream"),
            [
                "dynamodb:DescribeStream",
                "dynamodb:GetShardIterator",
                "dynamodb:GetRecords",
                "dynamodb:ListStreams",
            ],
            ids.table_streams_arn(),
        ),
        Statement::allow(
            Some("ReadLabFunction"),
            ["lambda:GetFunction", "lambda:GetFunctionConfiguration"],
            ids.function_arn(),
        ),
        Statement::allow(
            Some("ListFunctionsAndTriggers"),
            ["lambda:ListEventSourceMappings", "lambda:ListFunctions"],
            "*",
        ),
        Statement::allow(
            Some("ReadLabFunctionLogs"),
            [
                "logs:FilterLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
            ],
            format!("{}:*", ids.log_group_arn()),
        ),
        Statement::allow(
            Some("FindLabFunctionLogGroup"),
            "logs:DescribeLogGroups",
            log_group_arn(&ids.region, &ids.account, "*"),
        ),
        Statement::allow(
            Some("ReadLabRolePolicies"),
            [
                "iam:GetRole",
                "iam:ListRolePolicies",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
            ],
            ids.lab_role_arn(),
        ),
        Statement::allow(
            Some("SearchLabCollection"),
            "aoss:APIAccessAll",
            ids.collection_arn(),
        ),
    ])
}

/// The learner role's trust policy: any principal of `account` whose own
/// permissions allow `sts:AssumeRole` on it (the instructor) may assume it.
pub fn learner_trust_policy(account: &str) -> PolicyDocument {
    PolicyDocument::new(vec![Statement {
        sid: None,
        effect: Effect::Allow,
        principal: Some(Principal {
            aws: format!("arn:aws:iam::{account}:root"),
        }),
        action: "sts:AssumeRole".into(),
        resource: None,
    }])
}

/// The collection's data access policy for `learner_role_arn`: read the
/// lab's index (search it, describe it), nothing else. Index resources
/// name the collection by its name, not its id.
pub fn learner_data_access_policy(ids: &LabIds, learner_role_arn: &str) -> DataAccessPolicy {
    DataAccessPolicy {
        rule_sets: vec![DataAccessRuleSet {
            description: "labmate learners read the lab's index".to_owned(),
            rules: vec![DataAccessRule {
                resource_type: "index".to_owned(),
                resource: vec![format!("index/{}/{}", ids.collection, ids.index)],
                permission: vec![
                    "aoss:ReadDocument".to_owned(),
                    "aoss:DescribeIndex".to_owned(),
                ],
            }],
            principal: vec![learner_role_arn.to_owned()],
        }],
    }
}

#[cfg(test)]
mod tests;
