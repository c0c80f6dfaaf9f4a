//! A restored simulator is the one that was written: driven on with the
//! same requests and ticks, it answers exactly as the original does; and a
//! snapshot carries no secret.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{SnapshotError, FORMAT};
use crate::identity::Credentials;
use crate::message::Request;
use crate::test_support::{Signer, NOW, REGION};
use crate::timeline::MAX_PAGE;
use crate::{Answer, Service, SimConfig, Simulator};

/// A simulator and its host's clock.
struct Lab {
    sim: Simulator,
    wall: i64,
}

impl Lab {
    /// Sends `req` to `service` a little later, signed as the demo
    /// credentials for `signing` at the simulator's time (unsigned when
    /// `signing` is empty).
    fn send(&mut self, service: Service, signing: &str, req: Request) -> Answer {
        self.wall += 37;
        let now = self.sim.clock(self.wall);
        let req = if signing.is_empty() {
            req
        } else {
            let demo = self.sim.identity().demo_credentials().clone();
            signed(&demo, signing, now, req)
        };
        self.sim.answer(service, &req, now)
    }

    fn control(&mut self, method: &str, route: &str, body: Value) -> Answer {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let req = Request::new(method, &format!("/_labsim/{route}")).with_body(body);
        let answer = self.send(Service::Sts, "", req);
        assert_eq!(
            answer.response.status,
            200,
            "{}",
            answer.response.body_text()
        );
        answer
    }

    fn post_item(&mut self, name: &str) -> Answer {
        let body = json!({"name": name, "type": "cat"}).to_string();
        let req = Request::new("POST", "/v1/lab").with_body(body);
        self.send(Service::ApiGateway, "", req)
    }

    /// A DynamoDB JSON 1.0 call (`api`: `DynamoDB_20120810` or
    /// `DynamoDBStreams_20120810`), signed.
    fn dynamodb(&mut self, service: Service, api: &str, operation: &str, body: Value) -> Answer {
        let req = Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9103")
            .with_header("content-type", "application/x-amz-json-1.0")
            .with_header("x-amz-target", &format!("{api}.{operation}"))
            .with_body(body.to_string());
        self.send(service, "dynamodb", req)
    }

    fn logs(&mut self, operation: &str, body: Value) -> Answer {
        let req = Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9106")
            .with_header("content-type", "application/x-amz-json-1.1")
            .with_header("x-amz-target", &format!("Logs_20140328.{operation}"))
            .with_body(body.to_string());
        self.send(Service::Logs, "logs", req)
    }

    fn search(&mut self) -> Answer {
        let body = r#"{"query":{"match_all":{}},"size":100}"#;
        // As opensearch-py sends it: the payload's hash included.
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        let req = Request::new("POST", &format!("/{}/_search", crate::lambda::INDEX))
            .with_header("host", "127.0.0.1:9107")
            .with_header("content-type", "application/json")
            .with_header("x-amz-content-sha256", &hash)
            .with_body(body);
        self.send(Service::Aoss, "aoss", req)
    }

    /// Lets `ms` pass in 50 ms ticks, each done in slices of one stream
    /// record, as a server takes them.
    fn run(&mut self, ms: i64) {
        let end = self.wall + ms;
        while self.wall < end {
            self.wall += 50;
            let now = self.sim.clock(self.wall);
            let mut more = self.sim.tick_start(now, 1);
            while more {
                more = self.sim.tick_continue(now, 1);
            }
        }
    }

    fn events(&self) -> Vec<lab_model::timeline::TimelineEntry> {
        self.sim.timeline().page(0, MAX_PAGE).events
    }
}

/// `req` signed as `credentials` for `service` at `now_ms`.
fn signed(credentials: &Credentials, service: &str, now_ms: i64, req: Request) -> Request {
    let mut signer = Signer::new(credentials);
    signer.service = service.to_owned();
    signer.region = REGION.to_owned();
    signer.time_ms = now_ms;
    signer.sign(req)
}

/// A lab driven through most of what it holds: items written through the
/// API and by DynamoDB calls, the Lambda run on them (crashing on MODIFY
/// with the workshop's code), a fault that fired and one still in force,
/// the fixed code chosen, the clock moved ahead, a tick left half done.
fn driven() -> Lab {
    let mut config = SimConfig::new(11);
    config
        .endpoints
        .insert("sts".into(), "http://127.0.0.1:9101".into());
    let mut lab = Lab {
        sim: Simulator::new(config, NOW),
        wall: NOW,
    };
    let mut first = None;
    for name in ["Tom", "Kitty", "Felix"] {
        let posted = lab.post_item(name).response;
        assert_eq!(posted.status, 200);
        first.get_or_insert(posted.header("x-amzn-RequestId").unwrap().to_owned());
    }
    lab.run(3_000);
    // A MODIFY the workshop's code fails on, retried.
    let update = json!({
        "TableName": "lab-table",
        "Key": {"id": {"S": first}},
        "UpdateExpression": "SET #n = :n",
        "ExpressionAttributeNames": {"#n": "name"},
        "ExpressionAttributeValues": {":n": {"S": "Garfield"}},
    });
    lab.dynamodb(Service::DynamoDb, "DynamoDB_20120810", "UpdateItem", update);
    lab.run(2_000);
    lab.control(
        "POST",
        "faults",
        json!({"service": "dynamodb", "operation": "GetItem", "times": 2, "throttle": true}),
    );
    let get = json!({"TableName": "lab-table", "Key": {"id": {"S": first}}});
    let throttled = lab.dynamodb(Service::DynamoDb, "DynamoDB_20120810", "GetItem", get);
    assert_eq!(throttled.response.status, 400);
    lab.control("POST", "setup", json!({"handler": "fixed"}));
    lab.control("POST", "clock", json!({"advance_ms": 90_000}));
    for name in ["Tom", "Kitty", "Felix", "Oscar"] {
        assert_eq!(lab.post_item(name).response.status, 200);
    }
    // Half a tick: the poller stops after one record of its batch.
    lab.wall += 50;
    let now = lab.sim.clock(lab.wall);
    assert!(lab.sim.tick_start(now, 1), "the batch is under way");
    lab
}

/// What both simulators are asked after the snapshot, in order.
fn drive_on(lab: &mut Lab) -> Vec<Answer> {
    let mut answers = Vec::new();
    // The half-done tick first.
    let now = lab.sim.clock(lab.wall);
    while lab.sim.tick_continue(now, 1) {}
    answers.push(lab.post_item("Luna"));
    lab.run(60_000);
    let get = json!({"TableName": "lab-table", "Key": {"id": {"S": "unknown"}}});
    // The fault's second and last firing, then the item.
    for _ in 0..2 {
        answers.push(lab.dynamodb(
            Service::DynamoDb,
            "DynamoDB_20120810",
            "GetItem",
            get.clone(),
        ));
    }
    answers.push(lab.dynamodb(
        Service::DynamoDb,
        "DynamoDB_20120810",
        "Scan",
        json!({"TableName": "lab-table"}),
    ));
    let described = lab.dynamodb(
        Service::DynamoDb,
        "DynamoDB_20120810",
        "DescribeTable",
        json!({"TableName": "lab-table"}),
    );
    let body: Value = serde_json::from_slice(&described.response.body).unwrap();
    let stream_arn = body["Table"]["LatestStreamArn"]
        .as_str()
        .unwrap()
        .to_owned();
    answers.push(described);
    let stream = lab.dynamodb(
        Service::Streams,
        "DynamoDBStreams_20120810",
        "DescribeStream",
        json!({"StreamArn": stream_arn}),
    );
    let body: Value = serde_json::from_slice(&stream.response.body).unwrap();
    let shard = body["StreamDescription"]["Shards"][0]["ShardId"]
        .as_str()
        .unwrap()
        .to_owned();
    answers.push(stream);
    let iterator = lab.dynamodb(
        Service::Streams,
        "DynamoDBStreams_20120810",
        "GetShardIterator",
        json!({"StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
    );
    let body: Value = serde_json::from_slice(&iterator.response.body).unwrap();
    let iterator_id = body["ShardIterator"].as_str().unwrap().to_owned();
    answers.push(iterator);
    answers.push(lab.dynamodb(
        Service::Streams,
        "DynamoDBStreams_20120810",
        "GetRecords",
        json!({"ShardIterator": iterator_id}),
    ));
    answers.push(lab.logs(
        "FilterLogEvents",
        json!({"logGroupName": crate::lambda::LOG_GROUP}),
    ));
    answers.push(lab.search());
    answers.push(lab.control("GET", "setup", Value::Null));
    answers.push(lab.control("GET", "faults", Value::Null));
    answers.push(lab.control("GET", "clock", Value::Null));
    answers.push(lab.control("GET", "events", Value::Null));
    answers
}

#[test]
fn a_restored_simulator_answers_as_the_original_does() {
    let mut original = driven();
    let text = original.sim.snapshot();
    let mut restored = Lab {
        sim: Simulator::restore(&text, original.wall).expect("restored"),
        wall: original.wall,
    };
    assert_eq!(restored.sim.snapshot(), text, "restored as written");
    assert_eq!(restored.events(), original.events());

    let from_original = drive_on(&mut original);
    let from_restored = drive_on(&mut restored);
    assert_eq!(from_original.len(), from_restored.len());
    for (a, b) in from_original.iter().zip(&from_restored) {
        assert_eq!(
            (
                a.response.status,
                a.response.body_text(),
                &a.response.headers
            ),
            (
                b.response.status,
                b.response.body_text(),
                &b.response.headers
            )
        );
        assert_eq!((a.delay_ms, a.drop), (b.delay_ms, b.drop));
    }
    assert_eq!(restored.events(), original.events());
    assert_eq!(restored.sim.snapshot(), original.sim.snapshot());

    // What the drive shows was kept: the eight items the API wrote (one
    // renamed since), their documents (the fixed code got past the MODIFY
    // the workshop's code crashed on), the fault's last firing, the code
    // chosen, the clock's lead.
    let scan: Value = serde_json::from_slice(&from_restored[3].response.body).unwrap();
    assert_eq!(scan["Count"], 8, "{scan}");
    assert_eq!(from_restored[1].response.status, 400, "the fault fired");
    assert_eq!(from_restored[2].response.status, 200, "and was used up");
    let search: Value = serde_json::from_slice(&from_restored[9].response.body).unwrap();
    assert!(
        search["hits"]["total"]["value"]
            .as_u64()
            .is_some_and(|n| n >= 8),
        "{search}"
    );
    let setup: Value = serde_json::from_slice(&from_restored[10].response.body).unwrap();
    assert_eq!(setup["handler"], "fixed");
    let clock: Value = serde_json::from_slice(&from_restored[12].response.body).unwrap();
    assert_eq!(clock["offset_ms"], 90_000);
}

#[test]
fn a_snapshot_holds_no_secret_and_the_demo_credentials_still_sign() {
    let mut lab = driven();
    // Credentials minted beyond the demo set, as a test would.
    let minted = lab.control("POST", "credentials", json!({}));
    let minted: Value = serde_json::from_slice(&minted.response.body).unwrap();
    let demo = lab.sim.identity().demo_credentials().clone();
    let text = lab.sim.snapshot();
    let secrets = [
        demo.secret_access_key.as_str(),
        demo.session_token.as_str(),
        minted["SecretAccessKey"].as_str().unwrap(),
        minted["SessionToken"].as_str().unwrap(),
    ];
    for secret in secrets {
        assert!(!text.contains(secret), "a secret in the snapshot");
    }

    let mut restored = Lab {
        sim: Simulator::restore(&text, lab.wall + 60_000).unwrap(),
        wall: lab.wall + 60_000,
    };
    let same = restored.sim.identity().demo_credentials();
    assert_eq!(
        (
            &same.access_key_id,
            &same.secret_access_key,
            &same.session_token
        ),
        (
            &demo.access_key_id,
            &demo.secret_access_key,
            &demo.session_token
        )
    );
    // A fresh lifetime from the restore, at the simulator's time.
    let now = restored.sim.clock(restored.wall);
    assert_eq!(
        same.expires_at_ms,
        (now.div_euclid(1000) + crate::DEFAULT_CREDENTIAL_TTL_SECONDS) * 1000
    );
    let caller = Request::new("POST", "/")
        .with_header("host", "127.0.0.1:9101")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body("Action=GetCallerIdentity&Version=2011-06-15");
    let res = restored.send(Service::Sts, "sts", caller.clone()).response;
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert!(res
        .body_text()
        .contains("assumed-role/WSParticipantRole/Participant"));
    // The minted set is gone.
    let mut stale = Signer::new(&demo);
    stale.access_key_id = minted["AccessKeyId"].as_str().unwrap().to_owned();
    stale.secret = minted["SecretAccessKey"].as_str().unwrap().to_owned();
    stale.token = minted["SessionToken"].as_str().map(str::to_owned);
    stale.time_ms = now;
    let res = restored
        .sim
        .handle(Service::Sts, &stale.sign(caller.clone()), now);
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert!(res.body_text().contains("InvalidClientTokenId"));
    // The next set minted is a new one, not the one minted before.
    let next = restored.control("POST", "credentials", json!({}));
    let next: Value = serde_json::from_slice(&next.response.body).unwrap();
    assert_ne!(next["AccessKeyId"], minted["AccessKeyId"]);
}

#[test]
fn another_format_or_no_snapshot_at_all_is_refused_by_name() {
    let text = driven().sim.snapshot();
    let mut other: Value = serde_json::from_str(&text).unwrap();
    other["labsim_snapshot"] = json!(FORMAT + 1);
    let refused = Simulator::restore(&other.to_string(), NOW).err().unwrap();
    assert!(
        matches!(refused, SnapshotError::OtherFormat { found } if found == u64::from(FORMAT) + 1)
    );
    assert_eq!(
        refused.to_string(),
        format!(
            "a snapshot of format {}, and this labsim reads format {FORMAT} only",
            FORMAT + 1
        )
    );

    for not_json in ["", "{", "labsim"] {
        let refused = Simulator::restore(not_json, NOW).err().unwrap();
        assert!(
            matches!(refused, SnapshotError::NotJson(_)),
            "{not_json:?}: {refused}"
        );
        assert!(refused.to_string().starts_with("not a labsim snapshot: "));
    }
    for no_format in ["null", "[]", r#"{"labsim": 1}"#] {
        let refused = Simulator::restore(no_format, NOW).err().unwrap();
        assert!(matches!(refused, SnapshotError::NoFormat), "{refused}");
        assert_eq!(
            refused.to_string(),
            "not a labsim snapshot: no format (labsim_snapshot) in it"
        );
    }

    let mut damaged: Value = serde_json::from_str(&text).unwrap();
    damaged["dynamodb"] = json!("gone");
    let refused = Simulator::restore(&damaged.to_string(), NOW).err().unwrap();
    assert!(matches!(refused, SnapshotError::Damaged(_)), "{refused}");
}

#[test]
fn every_fault_name_reads_back() {
    use crate::faults::{FaultKind, FAULT_NAMES};
    use crate::iam::AossDenial;
    let kinds = [
        FaultKind::Raw {
            status: 500,
            body: String::new(),
        },
        FaultKind::Delay { ms: 1 },
        FaultKind::Drop,
        FaultKind::Throttle { code: None },
        FaultKind::ExpiredToken,
        FaultKind::ClockSkew { seconds: 1 },
        FaultKind::NoReaderLimit,
        FaultKind::AossDenial(AossDenial::NetworkPolicy),
        FaultKind::AossDenial(AossDenial::DataAccessPolicy),
        FaultKind::AossDenial(AossDenial::MissingApiAccessAll),
    ];
    for kind in kinds {
        assert!(FAULT_NAMES.contains(&kind.name()), "{kind:?}");
    }
    for name in FAULT_NAMES {
        let event: crate::faults::FaultEvent = serde_json::from_value(json!({
            "time_ms": 1, "rule_id": 1, "service": "dynamodb", "operation": null,
            "method": "POST", "path": "/", "fault": name, "status": null, "delay_ms": null,
        }))
        .unwrap();
        assert_eq!(event.fault, name);
    }
}
