//! The setting checks over observations as the pollers make them. The
//! flow-based steps (test POST, verify, explore) are walked against the
//! real simulator in `tests/flows_against_labsim.rs`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::config::LabConfig;
use crate::flow::Flows;
use crate::flow::{
    FunctionSetup, Hop, NotObservable, Observation, RolePolicies, StreamSetup, TriggerSeen,
};
use crate::words::Lang;

const ACCOUNT: &str = "123456789012";
const HOST: &str = "https://abc123.ap-southeast-1.aoss.amazonaws.com";
const STREAM: &str =
    "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2026-11-18T10:00:00.000";
const OLD_STREAM: &str =
    "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2026-11-01T08:00:00.000";

fn config() -> LabConfig {
    LabConfig {
        collection_endpoint: HOST.into(),
        ..LabConfig::default()
    }
}

fn checks(flows: &Flows) -> BTreeMap<Step, StepCheck> {
    let config = config();
    let facts = LabFacts {
        flows,
        config: &config,
        account: Some(ACCOUNT),
    };
    check_all(&facts).into_iter().map(|c| (c.step, c)).collect()
}

fn function(environment: &[(&str, &str)], role: &str) -> Observation {
    Observation::Function(FunctionSetup::from_function_configuration(
        &json!({
            "FunctionName": "sync-data-with-dynamodb-stream",
            "Runtime": "python3.12",
            "Role": format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
            "Handler": "lambda_function.lambda_handler",
            "State": "Active",
            "Environment": {"Variables": environment.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()},
        }),
        1,
    ))
}

fn lab_variables() -> Vec<(&'static str, &'static str)> {
    vec![
        ("REGION", "ap-southeast-1"),
        ("AWS_SERVICE", "aoss"),
        ("OPENSEARCH_HOST", HOST),
        ("OPENSEARCH_INDEX", "dynamodb_replicate"),
        ("OPENSEARCH_DATATYPE", "_doc"),
    ]
}

fn stream(view_type: Option<&str>) -> Observation {
    Observation::StreamSetup(StreamSetup {
        enabled: view_type.is_some(),
        view_type: view_type.map(str::to_owned),
        latest_stream_arn: view_type.map(|_| STREAM.to_owned()),
        seen_ms: 1,
    })
}

fn trigger(state: Option<&str>, reads: &str) -> Observation {
    Observation::Trigger(TriggerSeen {
        state: state.map(str::to_owned),
        last_processing_result: Some("No records processed".into()),
        event_source_arn: state.map(|_| reads.to_owned()),
        mappings: usize::from(state.is_some()),
        seen_ms: 1,
    })
}

/// The chapter's `dynamodb-stream-data`, `aoss-policy`.
fn stream_policy(actions: &[&str]) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions,
        "Resource": format!("arn:aws:dynamodb:ap-southeast-1:{ACCOUNT}:table/lab-table/stream/*")}]})
}

fn aoss_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["aoss:*", "aoss:DashboardsAccessAll"], "Resource": "*"}]})
}

const ALL_STREAM_ACTIONS: [&str; 4] = [
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:DescribeStream",
    "dynamodb:ListStreams",
];

fn role(policies: &[(&str, Value)]) -> Observation {
    Observation::Role(RolePolicies {
        role: "lambda-lab-role".into(),
        missing: false,
        inline: policies
            .iter()
            .map(|(n, d)| (n.to_string(), d.clone()))
            .collect(),
        seen_ms: 1,
    })
}

fn built() -> Flows {
    let mut flows = Flows::new();
    flows.observe(function(&lab_variables(), "lambda-lab-role"));
    flows.observe(stream(Some("NEW_IMAGE")));
    flows.observe(role(&[
        ("dynamodb-stream-data", stream_policy(&ALL_STREAM_ACTIONS)),
        ("aoss-policy", aoss_policy()),
    ]));
    flows.observe(trigger(Some("Enabled"), STREAM));
    flows
}

fn status(flows: &Flows, step: Step) -> Status {
    checks(flows)[&step].status.clone()
}

#[test]
fn before_anything_is_read_every_step_waits_and_names_no_problem() {
    for (step, check) in checks(&Flows::new()) {
        assert_eq!(check.status, Status::Waiting, "{step:?}");
        assert!(check.problems.is_empty(), "{step:?}");
    }
}

#[test]
fn a_built_lab_passes_the_six_setting_steps_with_their_evidence() {
    let flows = built();
    let all = checks(&flows);
    for step in &Step::ALL[..6] {
        assert_eq!(
            all[step].status,
            Status::Passed,
            "{step:?}: {:?}",
            all[step]
        );
        assert!(!all[step].inferred);
        assert!(!all[step].evidence.is_empty(), "{step:?}");
    }
    assert!(all[&Step::Environment]
        .evidence
        .contains(&Evidence::Variable {
            name: "OPENSEARCH_HOST".into(),
            value: HOST.into()
        }));
    // The flow steps wait for changes.
    for step in &Step::ALL[6..] {
        assert_eq!(all[step].status, Status::Waiting, "{step:?}");
    }
}

#[test]
fn a_half_built_lab_names_each_problem() {
    let mut flows = Flows::new();
    flows.observe(Observation::Function(FunctionSetup::missing(1)));
    flows.observe(stream(None));
    flows.observe(role(&[("aoss-policy", aoss_policy())]));
    flows.observe(trigger(None, ""));
    let all = checks(&flows);
    assert_eq!(
        all[&Step::Function].problems,
        [Problem::FunctionMissing {
            name: "sync-data-with-dynamodb-stream".into()
        }]
    );
    assert_eq!(all[&Step::Stream].problems, [Problem::StreamOff]);
    assert_eq!(
        all[&Step::StreamPolicy].problems,
        [Problem::PolicyMissing {
            role: "lambda-lab-role".into(),
            policy: "dynamodb-stream-data".into()
        }]
    );
    assert_eq!(all[&Step::AossPolicy].status, Status::Passed);
    assert_eq!(all[&Step::Trigger].problems, [Problem::TriggerMissing]);
    // No function: its variables are step 1's problem, not a second one.
    assert_eq!(all[&Step::Environment].status, Status::Waiting);
    for step in [
        Step::Function,
        Step::Stream,
        Step::StreamPolicy,
        Step::Trigger,
    ] {
        assert_eq!(all[&step].status, Status::Failed, "{step:?}");
    }
}

#[test]
fn a_wrong_or_missing_variable_is_named_with_the_value_expected() {
    let mut flows = built();
    let mut variables = lab_variables();
    variables.retain(|(k, _)| *k != "OPENSEARCH_DATATYPE");
    variables.iter_mut().for_each(|(k, v)| {
        if *k == "OPENSEARCH_INDEX" {
            *v = "dynamodb-replicate";
        }
    });
    flows.observe(function(&variables, "lambda-lab-role"));
    let check = &checks(&flows)[&Step::Environment];
    assert_eq!(check.status, Status::Failed);
    assert_eq!(
        check.problems,
        [
            Problem::VariableWrong {
                name: "OPENSEARCH_INDEX".into(),
                value: "dynamodb-replicate".into(),
                expected: "dynamodb_replicate".into()
            },
            Problem::VariableMissing {
                name: "OPENSEARCH_DATATYPE".into(),
                expected: "_doc".into()
            },
        ]
    );
}

#[test]
fn a_host_with_a_trailing_slash_or_upper_case_is_the_same_host() {
    let mut flows = built();
    let host = format!("{}/", HOST.to_uppercase().replace("HTTPS", "https"));
    let variables: Vec<(&str, &str)> = lab_variables()
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                if k == "OPENSEARCH_HOST" {
                    host.as_str()
                } else {
                    v
                },
            )
        })
        .collect();
    flows.observe(function(&variables, "lambda-lab-role"));
    assert_eq!(status(&flows, Step::Environment), Status::Passed);
}

#[test]
fn a_stream_policy_without_list_streams_fails_naming_the_action() {
    let mut flows = built();
    flows.observe(role(&[
        (
            "dynamodb-stream-data",
            stream_policy(&ALL_STREAM_ACTIONS[..3]),
        ),
        ("aoss-policy", aoss_policy()),
    ]));
    let check = &checks(&flows)[&Step::StreamPolicy];
    assert_eq!(
        check.problems,
        [Problem::ActionsNotAllowed {
            policy: "dynamodb-stream-data".into(),
            actions: vec!["dynamodb:ListStreams".into()],
            resource: STREAM.into()
        }]
    );
}

#[test]
fn a_stream_policy_on_another_table_does_not_cover_this_one() {
    let mut flows = built();
    let other = json!({"Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
        "Resource": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/other-table/stream/*"}]});
    flows.observe(role(&[
        ("dynamodb-stream-data", other),
        ("aoss-policy", aoss_policy()),
    ]));
    assert_eq!(status(&flows, Step::StreamPolicy), Status::Failed);
}

#[test]
fn a_stream_without_new_images_and_a_trigger_on_the_old_stream_are_named() {
    let mut flows = built();
    flows.observe(stream(Some("KEYS_ONLY")));
    flows.observe(trigger(Some("Enabled"), OLD_STREAM));
    let all = checks(&flows);
    assert_eq!(
        all[&Step::Stream].problems,
        [Problem::NoNewImage {
            view_type: "KEYS_ONLY".into()
        }]
    );
    assert_eq!(
        all[&Step::Trigger].problems,
        [Problem::TriggerReadsOldStream {
            reads: OLD_STREAM.into(),
            current: STREAM.into()
        }]
    );
}

#[test]
fn a_trigger_on_its_way_waits_and_a_disabled_one_fails() {
    let mut flows = built();
    flows.observe(trigger(Some("Enabling"), STREAM));
    assert_eq!(status(&flows, Step::Trigger), Status::Waiting);
    flows.observe(trigger(Some("Disabled"), STREAM));
    assert_eq!(
        checks(&flows)[&Step::Trigger].problems,
        [Problem::TriggerNotEnabled {
            state: "Disabled".into()
        }]
    );
}

#[test]
fn a_function_on_another_role_or_runtime_is_named() {
    let mut flows = built();
    flows.observe(Observation::Function(
        FunctionSetup::from_function_configuration(
            &json!({"Runtime": "nodejs20.x", "Role": "arn:aws:iam::1:role/service-role/other", "State": "Active"}),
            1,
        ),
    ));
    assert_eq!(
        checks(&flows)[&Step::Function].problems,
        [
            Problem::RuntimeNotPython {
                runtime: "nodejs20.x".into()
            },
            Problem::OtherRole {
                role: "other".into(),
                expected: "lambda-lab-role".into()
            }
        ]
    );
}

#[test]
fn without_iam_reads_the_policies_cannot_be_checked_and_name_the_permission() {
    let mut flows = built();
    // A fresh board: the role was never read, and IAM refuses.
    let mut fresh = Flows::new();
    fresh.observe(function(&lab_variables(), "lambda-lab-role"));
    fresh.observe(Observation::NotObservable(NotObservable {
        hop: Hop::Lambda,
        permission: "iam:ListRolePolicies".into(),
        refusal: "AccessDenied".into(),
        seen_ms: 1,
    }));
    for step in [Step::StreamPolicy, Step::AossPolicy] {
        assert_eq!(
            status(&fresh, step),
            Status::CannotCheck {
                permission: "iam:ListRolePolicies".into()
            },
            "{step:?}"
        );
    }
    // The trigger's own words decide the stream policy, inferred.
    fresh.observe(Observation::Trigger(TriggerSeen {
        state: Some("Enabled".into()),
        last_processing_result: Some("PROBLEM: Cannot access stream arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/x. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.".into()),
        event_source_arn: Some(STREAM.into()),
        mappings: 1,
        seen_ms: 2,
    }));
    let check = &checks(&fresh)[&Step::StreamPolicy];
    assert!(check.inferred);
    assert!(matches!(
        &check.problems[..],
        [Problem::TriggerCannotRead { .. }]
    ));
    // Readable again: read, not inferred.
    flows.observe(role(&[]));
    let check = &checks(&flows)[&Step::StreamPolicy];
    assert!(!check.inferred);
    assert_eq!(check.status, Status::Failed);
}

#[test]
fn progress_reports_a_regression_once_and_clears_it_when_fixed() {
    let mut flows = built();
    let mut progress = Progress::new();
    let run = |flows: &Flows| {
        check_all(&LabFacts {
            flows,
            config: &config(),
            account: Some(ACCOUNT),
        })
    };
    assert!(progress.update(&run(&flows), 1_000).is_empty());
    assert_eq!(progress.passed(), 6);
    let first = progress.step(Step::Trigger).unwrap().first_passed_ms;
    assert_eq!(first, Some(1_000));

    flows.observe(trigger(Some("Disabled"), STREAM));
    assert_eq!(progress.update(&run(&flows), 2_000), [Step::Trigger]);
    assert_eq!(progress.update(&run(&flows), 3_000), [], "told once");
    let record = progress.step(Step::Trigger).unwrap();
    assert_eq!(
        (record.status.key(), record.regressed_ms),
        ("failed", Some(2_000))
    );

    // Not knowing for a moment changes nothing shown.
    flows.observe(trigger(Some("Enabling"), STREAM));
    progress.update(&run(&flows), 4_000);
    assert_eq!(progress.step(Step::Trigger).unwrap().status, Status::Failed);

    flows.observe(trigger(Some("Enabled"), STREAM));
    progress.update(&run(&flows), 5_000);
    let record = progress.step(Step::Trigger).unwrap();
    assert_eq!(record.status, Status::Passed);
    assert_eq!(record.regressed_ms, None);
    assert_eq!(record.first_passed_ms, Some(1_000));
    // Saved and restored as it was.
    let saved = serde_json::to_string(&progress).unwrap();
    assert_eq!(serde_json::from_str::<Progress>(&saved).unwrap(), progress);
}

#[test]
fn step_numbers_and_keys_follow_the_chapter() {
    assert_eq!(Step::Function.number(), 1);
    assert_eq!(Step::Explore.number(), 9);
    let keys: Vec<_> = Step::ALL.iter().map(|s| s.key()).collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys.len(), unique.len());
}

#[test]
fn the_account_is_read_from_the_arns_seen() {
    assert_eq!(LabFacts::account_seen(&Flows::new()), None);
    let mut flows = Flows::new();
    flows.observe(stream(Some("NEW_IMAGE")));
    assert_eq!(LabFacts::account_seen(&flows), Some(ACCOUNT));
    flows.observe(function(&[], "lambda-lab-role"));
    assert_eq!(LabFacts::account_seen(&flows), Some(ACCOUNT));
}

#[test]
fn the_lab_ids_come_from_the_configured_endpoints_with_placeholders_where_unknown() {
    let mut config = config();
    config.api_url = "https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com/v1/lab".into();
    let ids = lab_ids(&config, Some(ACCOUNT));
    assert_eq!(
        (
            ids.api_id.as_str(),
            ids.collection_id.as_str(),
            ids.account.as_str()
        ),
        ("a1b2c3d4e5", "abc123", ACCOUNT)
    );
    // The simulator's local endpoints and an unknown account.
    config.api_url = "http://127.0.0.1:9102/v1/lab".into();
    config.collection_endpoint = "http://127.0.0.1:9107".into();
    let ids = lab_ids(&config, None);
    assert_eq!(
        (
            ids.api_id.as_str(),
            ids.collection_id.as_str(),
            ids.account.as_str()
        ),
        ("API_ID", "COLLECTION_ID", "ACCOUNT_ID")
    );
}

#[test]
fn a_role_reading_refused_since_is_stale_and_the_policy_steps_say_so() {
    let mut flows = built();
    assert_eq!(status(&flows, Step::StreamPolicy), Status::Passed);
    flows.observe(Observation::NotObservable(NotObservable {
        hop: Hop::Lambda,
        permission: "iam:GetRolePolicy".into(),
        refusal: "AccessDenied".into(),
        seen_ms: 2,
    }));
    assert_eq!(
        status(&flows, Step::AossPolicy),
        Status::CannotCheck {
            permission: "iam:GetRolePolicy".into()
        }
    );
}

/// A report's lab: the settings built, then the trigger disabled (a
/// regression), and no function read yet for another account's lab.
fn report_lab() -> (Vec<StepCheck>, Progress, Flows) {
    let mut flows = built();
    let run = |flows: &Flows| {
        check_all(&LabFacts {
            flows,
            config: &config(),
            account: Some(ACCOUNT),
        })
    };
    let mut progress = Progress::new();
    progress.update(&run(&flows), 1_764_000_000_000);
    flows.observe(trigger(Some("Disabled"), STREAM));
    let checks = run(&flows);
    progress.update(&checks, 1_764_000_060_000);
    (checks, progress, flows)
}

fn flow_name(_: &crate::flow::Flow) -> String {
    "an item".into()
}

#[test]
fn the_markdown_export_reads_in_english_as_it_always_did() {
    let (checks, progress, flows) = report_lab();
    let md = markdown_report(
        Lang::En,
        &checks,
        &progress,
        &flows,
        1_764_000_120_000,
        &flow_name,
    );
    assert!(
        md.starts_with(
            "# labmate: chapter 4.1, step by step\n\nExported 2025-11-24T16:02:00Z. 5 of 9 steps done.\n"
        ),
        "{md}"
    );
    assert!(md.contains(
        "\n## 1. Create the stream function: done\n\n- Since 2025-11-24T16:00:00Z; first done 2025-11-24T16:00:00Z\n- Seen: Function: runtime python3.12,"
    ), "{md}");
    assert!(md.contains(
        "\n## 5. Connect the stream to the function: not yet: see below\n\n- Since 2025-11-24T16:01:00Z; first done 2025-11-24T16:00:00Z; failed again 2025-11-24T16:01:00Z\n- Problem: The trigger is Disabled: the function is not run. Fix: Turn the trigger on:"
    ), "{md}");
    assert!(
        md.contains("\n## 7. Send the test item: waiting\n\n- Since "),
        "{md}"
    );
    assert!(md.ends_with("\n## Flows\n\nNone yet.\n"), "{md}");
}

#[test]
fn the_markdown_export_is_worded_in_vietnamese_when_asked() {
    let (checks, progress, flows) = report_lab();
    let md = markdown_report(
        Lang::Vi,
        &checks,
        &progress,
        &flows,
        1_764_000_120_000,
        &flow_name,
    );
    assert!(
        md.starts_with(
            "# labmate: chương 4.1, từng bước một\n\nXuất lúc 2025-11-24T16:02:00Z. Đã xong 5/9 bước.\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("\n## 1. Tạo hàm Lambda xử lý stream: đã xong\n\n"),
        "{md}"
    );
    assert!(md.contains(
        "; lỗi lại lúc 2025-11-24T16:01:00Z\n- Vấn đề: Trigger đang ở trạng thái Disabled: hàm Lambda không được chạy. Cách sửa: Bật trigger:"
    ), "{md}");
    assert!(
        md.contains("- labmate thấy: Hàm Lambda: runtime python3.12,"),
        "{md}"
    );
    // Values AWS gave stay as they were.
    assert!(md.contains("REGION = ap-southeast-1"), "{md}");
    assert!(
        md.ends_with("\n## Các luồng\n\nChưa có luồng nào.\n"),
        "{md}"
    );
    for english in [
        "steps done",
        "Since ",
        "first done",
        "failed again",
        "Problem:",
        "Fix:",
        "Seen:",
        "None yet",
        "## Flows",
        ": done\n",
        ": waiting\n",
    ] {
        assert!(!md.contains(english), "English left: {english:?} in {md}");
    }
}

#[test]
fn the_json_export_keeps_english_keys_and_status_keys_and_words_its_messages_in_the_page_language()
{
    let (checks, progress, flows) = report_lab();
    let en = json_report(Lang::En, &checks, &progress, &flows, 1_764_000_120_000);
    let vi = json_report(Lang::Vi, &checks, &progress, &flows, 1_764_000_120_000);
    let keys = |v: &Value| -> Vec<Vec<String>> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_object().unwrap().keys().cloned().collect())
            .collect()
    };
    assert_eq!(keys(&vi), keys(&en));
    assert_eq!(vi["steps_done"], 5);
    let trigger = &vi["steps"][4];
    assert_eq!(trigger["step"], "trigger");
    assert_eq!(trigger["status"], "failed");
    assert_eq!(trigger["title"], "Nối stream với hàm Lambda");
    assert_eq!(
        en["steps"][4]["title"],
        "Connect the stream to the function"
    );
    assert_eq!(
        trigger["problems"][0]["what"],
        "Trigger đang ở trạng thái Disabled: hàm Lambda không được chạy."
    );
    assert_eq!(
        en["steps"][4]["problems"][0]["what"],
        "The trigger is Disabled: the function is not run."
    );
    assert_ne!(vi["steps"][0]["evidence"], en["steps"][0]["evidence"]);
    assert_eq!(vi["lab"], en["lab"]);
}
