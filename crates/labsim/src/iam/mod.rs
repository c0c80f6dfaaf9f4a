//! IAM for the simulator: policy documents, their evaluation, the lab's
//! own policies, the ARN and action each lab request is authorised
//! against, and each service's way of saying "access denied"; the lab's
//! role `lambda-lab-role` (`role.rs`) and IAM's own API that reads it
//! (`api.rs`).
//!
//! A pure core like the rest of labsim: nothing here does I/O or reads a
//! clock. A service front door authorises a request in three steps:
//!
//! ```
//! use labsim::iam::{self, AuthzRequest, DeniedBy, Denial, LabIds};
//!
//! let ids = LabIds::new("ap-southeast-1", "123456789012", "a1b2c3d4e5", "0a1b2c3d4e5f6g7h8i9j");
//! let permissions = iam::learner_permissions(&ids);
//! // 1. what the request is, in IAM's terms
//! let authz = iam::dynamodb_authz(&ids.region, &ids.account, "DeleteTable", Some("lab-table"), None);
//! let req = AuthzRequest { action: &authz.action, resource: &authz.resource, region: &ids.region };
//! // 2. the decision, with the statement that made it
//! let decision = permissions.evaluate(&req).expect("no unsupported conditions");
//! // 3. if refused, the service's own answer
//! if let Some(denial) = Denial::from_decision(
//!     "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant",
//!     &req,
//!     &decision,
//! ) {
//!     let response = iam::access_denied(DeniedBy::DynamoDb, &denial, "REQUESTID");
//!     assert_eq!(response.status, 400);
//! }
//! ```

pub mod api;
mod arn;
mod denied;
mod eval;
mod lab;
mod policy;
mod role;

pub use arn::{
    aoss_authz, aoss_collection_arn, dynamodb_authz, dynamodb_table_arn, execute_api_arn,
    execute_api_authz, iam_role_arn, lambda_authz, lambda_function_arn, lambda_log_group,
    log_authz_arn, log_group_arn, logs_authz, mask_account, stream_arn, sts_authz, Authz,
};
pub use denied::{
    access_denied, aoss_access_denied, api_gateway_access_denied, dynamodb_access_denied,
    iam_access_denied, lambda_access_denied, logs_access_denied, sts_access_denied, AossDenial,
    Denial, DeniedBy, DenyReason, API_GATEWAY_MESSAGE_KEY,
};
pub use eval::{
    evaluate_policies, AuthzRequest, Decision, NamedPolicy, Outcome, PermissionSet, PolicyType,
    StatementRef, Unsupported, ALWAYS_ALLOWED_ACTIONS, REQUESTED_REGION,
};
pub use lab::{
    aoss_policy, aoss_policy_wrong, api_integration_policy, aws_lambda_execute,
    dynamodb_stream_data, dynamodb_stream_data_wrong, lambda_lab_role, learner_permissions,
    learner_policy, participant_extras, participant_permissions, LabIds, LabRoleSetup, PolicyState,
    AOSS_POLICY, API_INTEGRATION_POLICY, API_METHOD, API_RESOURCE, API_STAGE, AWS_LAMBDA_EXECUTE,
    AWS_LAMBDA_EXECUTE_ARN, DYNAMODB_STREAM_DATA, LAB_TABLE, LAMBDA_ROLE, LEARNER_POLICY,
    LEARNER_ROLE, PARTICIPANT_EXTRAS_POLICY, STREAM_FUNCTION,
};
pub use lab_model::glob::{action_matches, resource_matches, wildcard_match};
pub use policy::{
    Actions, ConditionBlock, ConditionEntry, Effect, OneOrMany, PolicyDocument, PolicyError,
    Resources, Statement, VERSION_2008_10_17, VERSION_2012_10_17,
};
pub use role::{ExecutionRole, LabRole, RolePolicy, STREAM_READ_ACTIONS};
