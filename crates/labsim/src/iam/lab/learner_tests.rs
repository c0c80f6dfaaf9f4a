//! The policy labmate generates for learners' credentials, loaded into
//! labsim's authorizer: it allows every call labmate makes in the
//! chapter's walkthrough, on the resources labsim's front doors authorise
//! against, and refuses everything else tried here. Built for the
//! workshop's lab and for one with none of its names, region or account,
//! so nothing in it is hard-coded.

use lab_model::policies;

use super::*;
use crate::iam::arn::{
    aoss_authz, dynamodb_authz, execute_api_authz, iam_role_arn, lambda_authz, logs_authz,
    stream_arn, sts_authz, Authz,
};
use crate::iam::eval::{AuthzRequest, Decision, PolicyType};

/// IAM is signed for, and authorised in, us-east-1 whatever the lab's region.
const IAM_REGION: &str = "us-east-1";
const STREAM_LABEL: &str = "2024-10-08T19:55:22.500";

fn workshop() -> LabIds {
    LabIds::new(
        "ap-southeast-1",
        "123456789012",
        "a1b2c3d4e5",
        "0a1b2c3d4e5f6g7h8i9j",
    )
}

fn another_lab() -> LabIds {
    LabIds {
        region: "eu-west-3".into(),
        account: "210987654321".into(),
        api_id: "zyxwvut987".into(),
        api_stage: "prod".into(),
        api_resource: "/items".into(),
        table: "class-7-table".into(),
        function: "class-7-sync".into(),
        lab_role: "class-7-lambda-role".into(),
        collection_id: "9z8y7x6w5v4u3t2s1r0q".into(),
        collection: "class-7-collection".into(),
        index: "class_7_items".into(),
    }
}

/// The generated document as an instructor would paste it: its JSON text,
/// through labsim's policy parser (which refuses what IAM refuses).
fn learner(ids: &LabIds) -> PermissionSet {
    let text = policies::learner_policy(ids).to_json();
    let document = PolicyDocument::parse(&text).expect("IAM's grammar");
    PermissionSet::new(vec![NamedPolicy::inline(LEARNER_POLICY, document)])
}

/// A call as labsim authorises it, and the region it is signed for.
struct Call {
    what: &'static str,
    authz: Authz,
    region: String,
}

fn decide(set: &PermissionSet, call: &Call) -> Decision {
    set.evaluate(&AuthzRequest {
        action: &call.authz.action,
        resource: &call.authz.resource,
        region: &call.region,
    })
    .expect("no unsupported conditions")
}

/// Every call labmate makes in the walkthrough, with the resource labsim's
/// front door checks for it (see `crate::authz`, `apigateway`, `iam::api`).
fn walkthrough(ids: &LabIds) -> Vec<Call> {
    let (r, a) = (ids.region.as_str(), ids.account.as_str());
    let stream = stream_arn(r, a, &ids.table, STREAM_LABEL);
    let group = ids.log_group();
    let log_stream = "2024/10/08/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let table = Some(ids.table.as_str());
    let function = Some(ids.function.as_str());
    let role = iam_role_arn(a, &ids.lab_role);
    let iam = |what, action: &str| Call {
        what,
        authz: Authz {
            action: format!("iam:{action}"),
            resource: role.clone(),
        },
        region: IAM_REGION.to_owned(),
    };
    let here = |what, authz| Call {
        what,
        authz,
        region: r.to_owned(),
    };
    vec![
        // Who the credentials are (the credentials panel).
        here("whoami", sts_authz("GetCallerIdentity", None)),
        // The test POST.
        here(
            "test POST",
            execute_api_authz(r, a, &ids.api_id, &ids.api_stage, "POST", &ids.api_resource),
        ),
        // The stream poller and the stream check.
        here(
            "DescribeTable",
            dynamodb_authz(r, a, "DescribeTable", table, None),
        ),
        here(
            "ListStreams",
            dynamodb_authz(r, a, "ListStreams", table, None),
        ),
        here(
            "DescribeStream",
            dynamodb_authz(r, a, "DescribeStream", None, Some(&stream)),
        ),
        here(
            "GetShardIterator",
            dynamodb_authz(r, a, "GetShardIterator", None, Some(&stream)),
        ),
        here(
            "GetRecords",
            dynamodb_authz(r, a, "GetRecords", None, Some(&stream)),
        ),
        // Step 9's change demo, and reading an item back.
        here("GetItem", dynamodb_authz(r, a, "GetItem", table, None)),
        here(
            "UpdateItem",
            dynamodb_authz(r, a, "UpdateItem", table, None),
        ),
        here(
            "DeleteItem",
            dynamodb_authz(r, a, "DeleteItem", table, None),
        ),
        // The Lambda watcher and the function and trigger checks.
        here("GetFunction", lambda_authz(r, a, "GetFunction", function)),
        here(
            "GetFunctionConfiguration",
            lambda_authz(r, a, "GetFunctionConfiguration", function),
        ),
        here(
            "ListEventSourceMappings",
            lambda_authz(r, a, "ListEventSourceMappings", function),
        ),
        here("ListFunctions", lambda_authz(r, a, "ListFunctions", None)),
        // The log tail.
        here(
            "DescribeLogGroups",
            logs_authz(r, a, "DescribeLogGroups", None, None),
        ),
        here(
            "FilterLogEvents",
            logs_authz(r, a, "FilterLogEvents", Some(&group), None),
        ),
        here(
            "DescribeLogStreams",
            logs_authz(r, a, "DescribeLogStreams", Some(&group), None),
        ),
        here(
            "GetLogEvents",
            logs_authz(r, a, "GetLogEvents", Some(&group), Some(log_stream)),
        ),
        // The guide's policy check.
        iam("GetRole", "GetRole"),
        iam("ListRolePolicies", "ListRolePolicies"),
        iam("GetRolePolicy", "GetRolePolicy"),
        iam("ListAttachedRolePolicies", "ListAttachedRolePolicies"),
        // The documents panel's search.
        here("search", aoss_authz(r, a, &ids.collection_id)),
    ]
}

/// Calls outside labmate's, in this lab and on other resources of it.
fn outside(ids: &LabIds) -> Vec<Call> {
    let (r, a) = (ids.region.as_str(), ids.account.as_str());
    let table = Some(ids.table.as_str());
    let function = Some(ids.function.as_str());
    let group = ids.log_group();
    let other_stream = stream_arn(r, a, "other-table", STREAM_LABEL);
    let role = iam_role_arn(a, &ids.lab_role);
    let iam = |what, action: &str, resource: &str| Call {
        what,
        authz: Authz {
            action: format!("iam:{action}"),
            resource: resource.to_owned(),
        },
        region: IAM_REGION.to_owned(),
    };
    let here = |what, authz| Call {
        what,
        authz,
        region: r.to_owned(),
    };
    let api = |method, stage: &str, path: &str, api_id: &str| {
        execute_api_authz(r, a, api_id, stage, method, path)
    };
    vec![
        here(
            "GET on the API",
            api("GET", &ids.api_stage, &ids.api_resource, &ids.api_id),
        ),
        here(
            "POST on another resource",
            api("POST", &ids.api_stage, "/admin", &ids.api_id),
        ),
        here(
            "POST on another stage",
            api("POST", "test", &ids.api_resource, &ids.api_id),
        ),
        here(
            "POST on another API",
            api("POST", &ids.api_stage, &ids.api_resource, "otherapi00"),
        ),
        here("PutItem", dynamodb_authz(r, a, "PutItem", table, None)),
        here(
            "DeleteTable",
            dynamodb_authz(r, a, "DeleteTable", table, None),
        ),
        here("Scan", dynamodb_authz(r, a, "Scan", table, None)),
        here("Query", dynamodb_authz(r, a, "Query", table, None)),
        here(
            "BatchWriteItem",
            dynamodb_authz(r, a, "BatchWriteItem", table, None),
        ),
        here(
            "UpdateTable",
            dynamodb_authz(r, a, "UpdateTable", table, None),
        ),
        here("ListTables", dynamodb_authz(r, a, "ListTables", None, None)),
        here(
            "GetItem on another table",
            dynamodb_authz(r, a, "GetItem", Some("other-table"), None),
        ),
        here(
            "UpdateItem on another table",
            dynamodb_authz(r, a, "UpdateItem", Some("other-table"), None),
        ),
        here(
            "GetRecords on another table's stream",
            dynamodb_authz(r, a, "GetRecords", None, Some(&other_stream)),
        ),
        here(
            "ListStreams of every table",
            dynamodb_authz(r, a, "ListStreams", None, None),
        ),
        here("Invoke", lambda_authz(r, a, "Invoke", function)),
        here(
            "UpdateFunctionCode",
            lambda_authz(r, a, "UpdateFunctionCode", function),
        ),
        here(
            "UpdateFunctionConfiguration",
            lambda_authz(r, a, "UpdateFunctionConfiguration", function),
        ),
        here(
            "DeleteFunction",
            lambda_authz(r, a, "DeleteFunction", function),
        ),
        here(
            "CreateEventSourceMapping",
            lambda_authz(r, a, "CreateEventSourceMapping", None),
        ),
        here(
            "GetFunction of another function",
            lambda_authz(r, a, "GetFunction", Some("other-function")),
        ),
        here(
            "FilterLogEvents on another group",
            logs_authz(r, a, "FilterLogEvents", Some("/aws/lambda/other"), None),
        ),
        here(
            "DeleteLogGroup",
            logs_authz(r, a, "DeleteLogGroup", Some(&group), None),
        ),
        here(
            "PutLogEvents",
            logs_authz(r, a, "PutLogEvents", Some(&group), Some("s")),
        ),
        iam("PutRolePolicy", "PutRolePolicy", &role),
        iam("DeleteRolePolicy", "DeleteRolePolicy", &role),
        iam("AttachRolePolicy", "AttachRolePolicy", &role),
        iam("ListRoles", "ListRoles", "*"),
        iam(
            "GetRole of another role",
            "GetRole",
            &iam_role_arn(a, "other-role"),
        ),
        here(
            "search another collection",
            aoss_authz(r, a, "someothercollection00"),
        ),
        here(
            "AssumeRole",
            sts_authz("AssumeRole", Some(&iam_role_arn(a, &ids.lab_role))),
        ),
    ]
}

#[test]
fn the_learner_may_make_every_call_of_the_walkthrough() {
    for ids in [workshop(), another_lab()] {
        let learner = learner(&ids);
        for call in walkthrough(&ids) {
            assert!(
                decide(&learner, &call).is_allowed(),
                "{} in {}: {:?}",
                call.what,
                ids.region,
                call.authz
            );
        }
    }
}

#[test]
fn the_learner_is_refused_everything_else_for_want_of_an_allow() {
    for ids in [workshop(), another_lab()] {
        let learner = learner(&ids);
        for call in outside(&ids) {
            assert_eq!(
                decide(&learner, &call),
                Decision::ImplicitDeny {
                    policy_type: PolicyType::Identity
                },
                "{} in {}: {:?}",
                call.what,
                ids.region,
                call.authz
            );
        }
    }
}

#[test]
fn one_labs_policy_opens_nothing_in_another() {
    // Every call on a resource of the workshop's lab is refused to the
    // other lab's learner, and the other way round; only what AWS grants
    // on `*` (the Lambda lists) and the caller's own identity are the same.
    let account_wide = ["whoami", "ListEventSourceMappings", "ListFunctions"];
    for (theirs, ours) in [(workshop(), another_lab()), (another_lab(), workshop())] {
        let learner = learner(&ours);
        for call in walkthrough(&theirs) {
            let allowed = decide(&learner, &call).is_allowed();
            assert_eq!(
                allowed,
                account_wide.contains(&call.what),
                "{} of the lab in {}",
                call.what,
                theirs.region
            );
        }
    }
}

#[test]
fn the_served_policy_is_the_one_labsim_evaluates_for_the_learner() {
    let ids = workshop();
    let evaluated = learner_policy(&ids);
    let parsed = PolicyDocument::parse(&policies::learner_policy(&ids).to_json()).unwrap();
    assert_eq!(evaluated.document, parsed);
    assert_eq!(evaluated.name, "labmate-learner");
}
