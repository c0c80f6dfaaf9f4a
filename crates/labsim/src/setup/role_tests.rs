//! `lambda-lab-role`'s inline policies through `/_labsim/setup`: validated,
//! restored by reset, shown in the timeline, and followed by the pipeline
//! (the trigger cannot read the stream without the stream policy; the
//! code is refused by the collection without the aoss policy).

use lab_model::timeline::{SetupChange, TimelineEvent};
use serde_json::{json, Value};

use crate::lambda::{ProcessingResult, INDEX, LOG_GROUP};
use crate::message::{Request, Response};
use crate::test_support::{dynamodb_request, json_of, signed_as, NOW};
use crate::{Service, SimConfig, Simulator};

fn sim() -> Simulator {
    Simulator::new(SimConfig::new(7), NOW)
}

fn post_setup(sim: &mut Simulator, body: &str, now: i64) -> Response {
    let req = Request::new("POST", "/_labsim/setup").with_body(body.to_owned());
    sim.handle(Service::Sts, &req, now)
}

fn setup(sim: &mut Simulator, body: &str, now: i64) -> Value {
    let res = post_setup(sim, body, now);
    assert_eq!(res.status, 200, "{body}: {}", res.body_text());
    json_of(&res)
}

fn put(sim: &mut Simulator, id: &str, now: i64) {
    let item = json!({"TableName": "lab-table", "Item": {"id": {"S": id}, "name": {"S": id}}});
    let req = signed_as(
        sim.identity().demo_credentials(),
        "dynamodb",
        dynamodb_request("PutItem", &item.to_string()),
    );
    let res = sim.handle(Service::DynamoDb, &req, now);
    assert_eq!(res.status, 200, "{}", res.body_text());
}

/// Lets `ms` pass in the server's 50 ms ticks; the time after.
fn run(sim: &mut Simulator, from: i64, ms: i64) -> i64 {
    let mut now = from;
    while now < from + ms {
        now += 50;
        sim.tick(now);
    }
    now
}

/// Every line the function logged.
fn log_lines(sim: &Simulator) -> Vec<String> {
    sim.lambda()
        .logs()
        .group(LOG_GROUP)
        .map(|g| {
            g.streams
                .iter()
                .flat_map(|s| s.events.iter().map(|e| e.message.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bad_policy_states_are_400_naming_the_field() {
    let mut sim = sim();
    for (body, message) in [
        (
            r#"{"stream_policy": "gone"}"#,
            r#""stream_policy" must be one of "present", "missing", "wrong", not "gone""#,
        ),
        (
            r#"{"aoss_policy": true}"#,
            r#""aoss_policy" must be one of "present", "missing", "wrong", not true"#,
        ),
    ] {
        let res = post_setup(&mut sim, body, NOW);
        assert_eq!(res.status, 400, "{body}");
        assert_eq!(json_of(&res)["error"], message);
    }
    // Nothing changed, not even the valid half of a refused change.
    let res = post_setup(
        &mut sim,
        r#"{"aoss_policy": "missing", "stream_policy": 3}"#,
        NOW,
    );
    assert_eq!(res.status, 400);
    assert_eq!(sim.setup().aoss_policy, "present");
}

#[test]
fn the_policies_show_in_the_setup_and_reset_restores_them() {
    let mut sim = sim();
    let changed = setup(
        &mut sim,
        r#"{"stream_policy": "wrong", "aoss_policy": "missing"}"#,
        NOW,
    );
    assert_eq!(changed["stream_policy"], "wrong");
    assert_eq!(changed["aoss_policy"], "missing");
    let res = sim.handle(Service::Sts, &Request::new("GET", "/_labsim/setup"), NOW);
    assert_eq!(json_of(&res), changed);
    let res = sim.handle(Service::Sts, &Request::new("POST", "/_labsim/reset"), NOW);
    assert_eq!(res.status, 200);
    assert_eq!(sim.setup().stream_policy, "present");
    assert_eq!(sim.setup().aoss_policy, "present");
    assert_eq!(sim.lab_role().setup, crate::iam::LabRoleSetup::default());
}

#[test]
fn policy_changes_are_setup_changes_in_the_timeline() {
    let mut sim = sim();
    let start = sim.timeline().page(0, 1000).next;
    setup(&mut sim, r#"{"stream_policy": "missing"}"#, NOW + 100);
    let changes: Vec<SetupChange> = sim
        .timeline()
        .page(start, 1000)
        .events
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::SetupChange(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [SetupChange {
            field: "stream_policy".into(),
            from: json!("present"),
            to: json!("missing"),
        }]
    );
}

#[test]
fn without_a_working_stream_policy_the_trigger_cannot_read() {
    for state in ["missing", "wrong"] {
        let mut sim = sim();
        let mut now = run(&mut sim, NOW, 100);
        setup(&mut sim, &format!(r#"{{"stream_policy": "{state}"}}"#), now);
        put(&mut sim, "blocked", now);
        now = run(&mut sim, now, 5_000);
        assert!(sim.lambda().invocations().is_empty(), "{state}");
        let mapping = &sim.lambda().mapping_json(sim.dynamodb(), now)[0];
        assert_eq!(
            mapping["LastProcessingResult"],
            ProcessingResult::CannotReadStream.as_str()
        );
        assert!(mapping["LastProcessingResult"]
            .as_str()
            .unwrap()
            .starts_with("PROBLEM: "));
        assert_eq!(mapping["State"], "Enabled");
        // Fixed: the trigger reads on from where it was.
        setup(&mut sim, r#"{"stream_policy": "present"}"#, now);
        now = run(&mut sim, now, 12_000);
        assert_eq!(sim.lambda().invocations().len(), 1, "{state}");
        assert_eq!(sim.collection().searchable_ids(INDEX, now).len(), 1);
    }
}

#[test]
fn a_trigger_the_role_cannot_read_from_is_refused_as_lambda_refuses_it() {
    let mut sim = sim();
    setup(&mut sim, r#"{"trigger_exists": false}"#, NOW);
    setup(&mut sim, r#"{"stream_policy": "missing"}"#, NOW);
    let res = post_setup(&mut sim, r#"{"trigger_exists": true}"#, NOW);
    assert_eq!(res.status, 409);
    let stream = sim.dynamodb().latest_stream_arn("lab-table").unwrap();
    assert_eq!(
        json_of(&res)["error"].as_str().unwrap(),
        format!("Cannot access stream {stream}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
    );
    assert!(!sim.setup().trigger_exists);
    // Adding the policy in the same change makes it work, as doing step 3
    // before step 5 does.
    let made = setup(
        &mut sim,
        r#"{"stream_policy": "present", "trigger_exists": true}"#,
        NOW,
    );
    assert_eq!(made["trigger_exists"], true);
}

#[test]
fn without_a_working_aoss_policy_the_code_is_refused_by_the_collection() {
    for state in ["missing", "wrong"] {
        let mut sim = sim();
        let mut now = run(&mut sim, NOW, 100);
        setup(&mut sim, &format!(r#"{{"aoss_policy": "{state}"}}"#), now);
        put(&mut sim, "refused", now);
        now = run(&mut sim, now, 12_000);
        // The code prints HTTP failures and returns: the batch succeeds.
        let invocations = sim.lambda().invocations();
        assert_eq!(invocations.len(), 1, "{state}");
        assert_eq!(invocations[0].error, None);
        assert!(sim.collection().searchable_ids(INDEX, now).is_empty());
        let failed: Vec<String> = log_lines(&sim)
            .into_iter()
            .filter(|l| l.starts_with("Failed to index item: "))
            .collect();
        assert_eq!(failed.len(), 1, "{state}: {:?}", log_lines(&sim));
        let (doc, body) = failed[0].trim_end().split_once(", Response: ").unwrap();
        assert_eq!(
            doc,
            "Failed to index item: {'id': 'refused', 'name': 'refused'}"
        );
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["status"], 403);
        assert_eq!(
            body["error"],
            json!({"reason": "403 Forbidden", "type": "Forbidden"})
        );
    }
}

#[test]
fn a_session_of_the_role_has_its_policies_as_they_now_are() {
    let mut sim = sim();
    setup(&mut sim, r#"{"stream_policy": "missing"}"#, NOW);
    let policy = crate::iam::PolicyDocument::from_value(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]
    }))
    .unwrap();
    let admin = sim.mint_credentials_with_policy(NOW, 3600, policy);
    let req = crate::test_support::get_caller_identity().with_body(
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=check&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Flambda-lab-role",
    );
    let req = signed_as(&admin, "sts", req);
    let res = sim.handle(Service::Sts, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
    let xml = res.body_text();
    let key = xml
        .split("<AccessKeyId>")
        .nth(1)
        .and_then(|rest| rest.split("</AccessKeyId>").next())
        .unwrap();
    let session = sim.identity().find(key).unwrap();
    let stream = sim.dynamodb().latest_stream_arn("lab-table").unwrap();
    let allowed = |action: &str, resource: &str| {
        session
            .permissions
            .is_allowed(action, resource, "ap-southeast-1")
            .unwrap()
    };
    assert!(!allowed("dynamodb:GetRecords", &stream));
    assert!(allowed(
        "aoss:APIAccessAll",
        "arn:aws:aoss:ap-southeast-1:123456789012:collection/0a1b2c3d4e5f6g7h8i9j"
    ));
}

#[test]
fn create_event_source_mapping_through_the_api_checks_the_role_too() {
    let mut sim = sim();
    let mut now = NOW + 100;
    setup(&mut sim, r#"{"trigger_exists": false}"#, now);
    now = run(&mut sim, now, 10_000);
    setup(&mut sim, r#"{"stream_policy": "missing"}"#, now);
    let allow_all = crate::iam::PolicyDocument::from_value(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    .unwrap();
    let admin = sim.mint_credentials_with_policy(now, 3600, allow_all);
    let arn = sim.dynamodb().latest_stream_arn("lab-table").unwrap();
    let create = |sim: &mut Simulator, now: i64| {
        let body = json!({"FunctionName": "sync-data-with-dynamodb-stream", "EventSourceArn": arn, "StartingPosition": "LATEST"});
        let req = Request::new("POST", "/2015-03-31/event-source-mappings")
            .with_header("host", "127.0.0.1:9105")
            .with_body(body.to_string());
        let mut signer = crate::test_support::Signer::new(&admin);
        signer.service = "lambda".into();
        signer.time_ms = now;
        sim.handle(Service::Lambda, &signer.sign(req), now)
    };
    let res = create(&mut sim, now);
    assert_eq!(res.status, 400, "{}", res.body_text());
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("InvalidParameterValueException")
    );
    assert_eq!(
        json_of(&res)["Message"],
        format!("Cannot access stream {arn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
    );
    assert!(sim.lambda().mapping().is_none());
    // With the policy back, the same call makes the trigger.
    setup(&mut sim, r#"{"stream_policy": "present"}"#, now + 100);
    assert_eq!(create(&mut sim, now + 200).status, 202);
}
