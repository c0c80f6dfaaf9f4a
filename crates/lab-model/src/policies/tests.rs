//! The documents' shape: the workshop's text where the workshop gives it,
//! every id where it belongs, and commands that read exactly the files
//! they come with. (That the learner policy allows labmate's calls and no
//! others is proved with labsim's evaluator, in labsim.)

use serde_json::{json, Value};

use super::*;

const REGION: &str = "ap-southeast-1";
const ACCOUNT: &str = "123456789012";

fn workshop() -> LabIds {
    LabIds::new(REGION, ACCOUNT, "a1b2c3d4e5", "0a1b2c3d4e5f6g7h8i9j")
}

/// A lab built with none of the workshop's names, in another region and
/// account.
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

/// Each statement's Sid with its actions and resources.
fn statements(document: &PolicyDocument) -> Vec<(&str, Vec<&str>, Vec<&str>)> {
    document
        .statements
        .iter()
        .map(|s| {
            (
                s.sid.as_deref().unwrap_or(""),
                s.actions().iter().map(String::as_str).collect(),
                s.resources().iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

#[test]
fn chapter_4_1s_policies_are_the_workshop_text_in_its_order() {
    assert_eq!(
        dynamodb_stream_data(&workshop()).to_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"APIAccessForDynamoDBStreams","Effect":"Allow","Action":["dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:DescribeStream","dynamodb:ListStreams"],"Resource":"arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*"}]}"#
    );
    assert_eq!(
        aoss_policy().to_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["aoss:APIAccessAll","aoss:DeleteCollection","aoss:*"],"Resource":"*"},{"Sid":"VisualEditor1","Effect":"Allow","Action":"aoss:DashboardsAccessAll","Resource":"*"}]}"#
    );
    // Indented as the console shows it, keys still in the workshop's order.
    let pretty = aoss_policy().to_json_pretty();
    assert!(pretty.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": ["));
    assert_eq!(
        serde_json::from_str::<Value>(&pretty).unwrap(),
        aoss_policy().to_value()
    );
}

#[test]
fn the_stream_policy_names_the_learners_table_region_and_account() {
    let ids = another_lab();
    assert_eq!(
        statements(&dynamodb_stream_data(&ids))[0].2,
        ["arn:aws:dynamodb:eu-west-3:210987654321:table/class-7-table/stream/*"]
    );
}

#[test]
fn the_wrong_forms_are_the_slips_they_describe() {
    let ids = another_lab();
    let right = dynamodb_stream_data(&ids);
    let wrong = dynamodb_stream_data_wrong(&ids);
    assert_eq!(right.statements[0].action, wrong.statements[0].action);
    assert_eq!(
        statements(&wrong)[0].2,
        ["arn:aws:dynamodb:eu-west-3:210987654321:table/class-7-table"]
    );
    let aoss_wrong = aoss_policy_wrong();
    assert_eq!(aoss_wrong.statements, aoss_policy().statements[1..]);
}

#[test]
fn the_learner_policy_grants_each_call_on_its_own_resource() {
    let got = learner_policy(&another_lab());
    let table = "arn:aws:dynamodb:eu-west-3:210987654321:table/class-7-table";
    let streams = format!("{table}/stream/*");
    let expected: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        (
            "InvokeLabApiPost",
            vec!["execute-api:Invoke"],
            vec!["arn:aws:execute-api:eu-west-3:210987654321:zyxwvut987/prod/POST/items"],
        ),
        (
            "ReadLabTable",
            vec!["dynamodb:DescribeTable", "dynamodb:GetItem"],
            vec![table],
        ),
        (
            "ChangeLabItems",
            vec!["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            vec![table],
        ),
        (
            "ReadLabTableStream",
            vec![
                "dynamodb:DescribeStream",
                "dynamodb:GetShardIterator",
                "dynamodb:GetRecords",
                "dynamodb:ListStreams",
            ],
            vec![&streams],
        ),
        (
            "ReadLabFunction",
            vec!["lambda:GetFunction", "lambda:GetFunctionConfiguration"],
            vec!["arn:aws:lambda:eu-west-3:210987654321:function:class-7-sync"],
        ),
        (
            "ListFunctionsAndTriggers",
            vec!["lambda:ListEventSourceMappings", "lambda:ListFunctions"],
            vec!["*"],
        ),
        (
            "ReadLabFunctionLogs",
            vec![
                "logs:FilterLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
            ],
            vec!["arn:aws:logs:eu-west-3:210987654321:log-group:/aws/lambda/class-7-sync:*"],
        ),
        (
            "FindLabFunctionLogGroup",
            vec!["logs:DescribeLogGroups"],
            vec!["arn:aws:logs:eu-west-3:210987654321:log-group:*"],
        ),
        (
            "ReadLabRolePolicies",
            vec![
                "iam:GetRole",
                "iam:ListRolePolicies",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
            ],
            vec!["arn:aws:iam::210987654321:role/class-7-lambda-role"],
        ),
        (
            "SearchLabCollection",
            vec!["aoss:APIAccessAll"],
            vec!["arn:aws:aoss:eu-west-3:210987654321:collection/9z8y7x6w5v4u3t2s1r0q"],
        ),
    ];
    assert_eq!(statements(&got), expected);
    assert!(got.statements.iter().all(|s| s.effect == Effect::Allow));
    assert_eq!(got.to_value()["Version"], "2012-10-17");
}

#[test]
fn nothing_of_the_workshops_lab_is_left_in_another_labs_documents() {
    let ids = another_lab();
    let texts = [
        learner_policy(&ids).to_json(),
        dynamodb_stream_data(&ids).to_json(),
        learner_data_access_policy(&ids, "arn:aws:iam::210987654321:role/r").to_json(),
    ];
    let workshop = workshop();
    for text in texts {
        for default in [
            REGION,
            ACCOUNT,
            &workshop.api_id,
            &workshop.collection_id,
            names::TABLE,
            names::FUNCTION,
            names::ROLE,
            names::COLLECTION,
            names::INDEX,
            "/v1/",
        ] {
            assert!(!text.contains(default), "{default} in {text}");
        }
    }
}

#[test]
fn sids_are_unique_and_alphanumeric_as_iam_requires() {
    let document = learner_policy(&workshop());
    let sids: Vec<&str> = statements(&document).iter().map(|s| s.0).collect();
    for sid in &sids {
        assert!(
            !sid.is_empty() && sid.chars().all(|c| c.is_ascii_alphanumeric()),
            "{sid}"
        );
    }
    let mut unique = sids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), sids.len());
}

#[test]
fn the_data_access_policy_lets_the_role_read_the_index_by_collection_name() {
    let got = learner_data_access_policy(
        &another_lab(),
        "arn:aws:iam::210987654321:role/labmate-learner",
    );
    assert_eq!(
        got.to_value(),
        json!([{
            "Description": "labmate learners read the lab's index",
            "Rules": [{
                "ResourceType": "index",
                "Resource": ["index/class-7-collection/class_7_items"],
                "Permission": ["aoss:ReadDocument", "aoss:DescribeIndex"]
            }],
            "Principal": ["arn:aws:iam::210987654321:role/labmate-learner"]
        }])
    );
}

#[test]
fn the_trust_policy_trusts_the_labs_account_only() {
    assert_eq!(
        learner_trust_policy("210987654321").to_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}"#
    );
}

/// The `file://` names a command line reads.
fn files_read(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("file://"))
        .collect()
}

#[test]
fn a_new_role_is_created_given_its_policies_and_assumed_for_an_hour() {
    let ids = another_lab();
    let got = mint_commands(&ids, LEARNER_ROLE, RoleSource::Create);
    assert_eq!(
        got.role_arn,
        "arn:aws:iam::210987654321:role/labmate-learner"
    );
    let commands: Vec<&str> = got.steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "aws iam create-role --role-name labmate-learner --assume-role-policy-document file://labmate-trust-policy.json --max-session-duration 3600",
            "aws iam put-role-policy --role-name labmate-learner --policy-name labmate-learner --policy-document file://labmate-learner-policy.json",
            "aws opensearchserverless create-access-policy --region eu-west-3 --name labmate-learner-read --type data --policy file://labmate-data-access-policy.json",
            "aws sts assume-role --role-arn arn:aws:iam::210987654321:role/labmate-learner --role-session-name labmate --duration-seconds 3600",
        ]
    );
    let kinds: Vec<MintStepKind> = got.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            MintStepKind::CreateRole,
            MintStepKind::PutRolePolicy,
            MintStepKind::CreateDataAccessPolicy,
            MintStepKind::AssumeRole,
        ]
    );
    // Each file is the document it is named for, and each is read by the
    // command that says so.
    let file = |name: &str| -> Value {
        let file = got.files.iter().find(|f| f.name == name).unwrap();
        serde_json::from_str(&file.contents).unwrap()
    };
    assert_eq!(
        file(TRUST_POLICY_FILE),
        learner_trust_policy(&ids.account).to_value()
    );
    assert_eq!(file(LEARNER_POLICY_FILE), learner_policy(&ids).to_value());
    assert_eq!(
        file(DATA_ACCESS_POLICY_FILE),
        learner_data_access_policy(&ids, &got.role_arn).to_value()
    );
    for step in &got.steps {
        assert_eq!(files_read(&step.command), step.reads, "{}", step.command);
    }
    let mut read: Vec<&str> = got.steps.iter().flat_map(|s| s.reads.clone()).collect();
    let mut saved: Vec<&str> = got.files.iter().map(|f| f.name).collect();
    read.sort_unstable();
    saved.sort_unstable();
    assert_eq!(read, saved);
}

#[test]
fn a_reused_role_skips_its_creation_and_trust_policy() {
    let got = mint_commands(&workshop(), "class-helpers", RoleSource::Reuse);
    assert_eq!(got.steps[0].kind, MintStepKind::PutRolePolicy);
    assert!(got.steps[0]
        .command
        .starts_with("aws iam put-role-policy --role-name class-helpers "));
    assert!(got.files.iter().all(|f| f.name != TRUST_POLICY_FILE));
    assert!(got.steps.iter().all(|s| s.kind != MintStepKind::CreateRole));
    let data_access: Value = serde_json::from_str(&got.files[1].contents).unwrap();
    assert_eq!(
        data_access[0]["Principal"],
        json!(["arn:aws:iam::123456789012:role/class-helpers"])
    );
}
