//! The `aws` CLI commands an instructor runs to mint learners' scoped
//! credentials, kept as data (commands and the JSON files they read) for
//! labmate to show with copy buttons and describe in the learner's
//! language.

use super::{
    learner_data_access_policy, learner_policy, learner_trust_policy, LabIds,
    LEARNER_DATA_ACCESS_POLICY, LEARNER_POLICY, LEARNER_SESSION, LEARNER_SESSION_SECONDS,
};
use crate::arn::iam_role_arn;

pub const TRUST_POLICY_FILE: &str = "labmate-trust-policy.json";
pub const LEARNER_POLICY_FILE: &str = "labmate-learner-policy.json";
pub const DATA_ACCESS_POLICY_FILE: &str = "labmate-data-access-policy.json";

/// Whether the instructor makes the learner role or already has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// `aws iam create-role` with the trust policy first.
    Create,
    /// The role exists and the instructor may assume it: its inline policy
    /// is set (or replaced) and the rest follows.
    Reuse,
}

/// What one [`MintStep`] does, for the UI to describe in the learner's
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MintStepKind {
    /// `aws iam create-role` with the trust policy.
    CreateRole,
    /// `aws iam put-role-policy` with the learner policy.
    PutRolePolicy,
    /// `aws opensearchserverless create-access-policy` with the data access
    /// policy.
    CreateDataAccessPolicy,
    /// `aws sts assume-role`: prints the credentials learners paste.
    AssumeRole,
}

/// One `aws` command, with the files (of [`MintCommands::files`]) it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintStep {
    pub kind: MintStepKind,
    /// The command, on one line, ready to paste into a shell.
    pub command: String,
    /// Names of the JSON files the command reads (as `file://<name>`).
    pub reads: Vec<&'static str>,
}

/// A JSON document the commands read, to be saved under `name` in the
/// directory the commands run in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    pub name: &'static str,
    /// The file's text: indented JSON, as the IAM console shows policies.
    pub contents: String,
}

/// Everything an instructor runs to mint scoped credentials for learners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintCommands {
    /// The learner role's ARN.
    pub role_arn: String,
    /// The JSON files to save first.
    pub files: Vec<PolicyFile>,
    /// The commands, in order.
    pub steps: Vec<MintStep>,
}

/// The `aws` CLI commands that mint learners' credentials from the role
/// `role` in the lab's account: create it (for [`RoleSource::Create`]),
/// put the learner policy on it (`super::learner_policy`), let it read the
/// index (`super::learner_data_access_policy`), then assume it for an hour.
///
/// What learners paste is the last command's output as it prints (the
/// `aws sts assume-role` JSON: `Credentials` with `AccessKeyId`,
/// `SecretAccessKey`, `SessionToken` and `Expiration`). labmate reads it as
/// it reads `aws configure export-credentials` output (the same keys at the
/// top level), so an instructor who assumes the role through a profile may
/// hand out that output instead. Changing `--role-session-name` per learner
/// gives each learner their own session name in the logs.
pub fn mint_commands(ids: &LabIds, role: &str, source: RoleSource) -> MintCommands {
    let role_arn = iam_role_arn(&ids.account, role);
    let mut files = Vec::new();
    let mut steps = Vec::new();
    if source == RoleSource::Create {
        files.push(PolicyFile {
            name: TRUST_POLICY_FILE,
            contents: learner_trust_policy(&ids.account).to_json_pretty(),
        });
        steps.push(MintStep {
            kind: MintStepKind::CreateRole,
            command: format!(
                "aws iam create-role --role-name {role} \
                 --assume-role-policy-document file://{TRUST_POLICY_FILE} \
                 --max-session-duration {LEARNER_SESSION_SECONDS}"
            ),
            reads: vec![TRUST_POLICY_FILE],
        });
    }
    files.push(PolicyFile {
        name: LEARNER_POLICY_FILE,
        contents: learner_policy(ids).to_json_pretty(),
    });
    files.push(PolicyFile {
        name: DATA_ACCESS_POLICY_FILE,
        contents: learner_data_access_policy(ids, &role_arn).to_json_pretty(),
    });
    steps.push(MintStep {
        kind: MintStepKind::PutRolePolicy,
        command: format!(
            "aws iam put-role-policy --role-name {role} --policy-name {LEARNER_POLICY} \
             --policy-document file://{LEARNER_POLICY_FILE}"
        ),
        reads: vec![LEARNER_POLICY_FILE],
    });
    steps.push(MintStep {
        kind: MintStepKind::CreateDataAccessPolicy,
        command: format!(
            "aws opensearchserverless create-access-policy --region {} \
             --name {LEARNER_DATA_ACCESS_POLICY} --type data \
             --policy file://{DATA_ACCESS_POLICY_FILE}",
            ids.region
        ),
        reads: vec![DATA_ACCESS_POLICY_FILE],
    });
    steps.push(MintStep {
        kind: MintStepKind::AssumeRole,
        command: format!(
            "aws sts assume-role --role-arn {role_arn} \
             --role-session-name {LEARNER_SESSION} \
             --duration-seconds {LEARNER_SESSION_SECONDS}"
        ),
        reads: Vec::new(),
    });
    MintCommands {
        role_arn,
        files,
        steps,
    }
}
