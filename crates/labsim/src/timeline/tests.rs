//! The timeline as a reader sees it: each change followed hop by hop with
//! both handlers, a record that crashes the handler, setup changes, and
//! the cursor.

use lab_model::timeline::{
    ApiRequest, ChangeKind, HandlerOutcome, IndexResult, IndexWrite, InvocationResult,
    LambdaInvocation, LogLine, RequestIdOrigin, Searchable, SetupChange, StreamRecord, TableWrite,
    TimelineEntry, TimelineEvent,
};
use serde_json::{json, Value};

use super::{PageRequest, PageRequestError, MAX_PAGE};
use crate::iam::PolicyDocument;
use crate::identity::Credentials;
use crate::lambda::HandlerKind;
use crate::message::Request;
use crate::test_support::{dynamodb_request, signed_as, NOW};
use crate::{Service, SimConfig, Simulator};

/// A simulator, its clock and a reader's cursor.
struct Lab {
    sim: Simulator,
    now: i64,
    after: u64,
}

impl Lab {
    fn new(handler: HandlerKind) -> Lab {
        let mut config = SimConfig::new(5);
        config.lambda.handler = handler;
        Lab {
            sim: Simulator::new(config, NOW),
            now: NOW,
            after: 0,
        }
    }

    /// POST /v1/lab; the item's id.
    fn post(&mut self, name: &str) -> String {
        self.now += 100;
        let body = json!({"name": name, "type": "cat"}).to_string();
        let res = self.sim.handle(
            Service::ApiGateway,
            &Request::new("POST", "/v1/lab").with_body(body),
            self.now,
        );
        assert_eq!((res.status, res.body_text()), (200, "{}".to_owned()));
        res.header("x-amzn-RequestId").unwrap().to_owned()
    }

    /// A DynamoDB call signed with the demo credentials.
    fn dynamodb(&mut self, operation: &str, body: Value) {
        let demo = self.sim.identity().demo_credentials().clone();
        self.dynamodb_as(&demo, operation, body);
    }

    /// A DynamoDB call signed with `credentials`.
    fn dynamodb_as(&mut self, credentials: &Credentials, operation: &str, body: Value) {
        self.now += 100;
        let req = signed_as(
            credentials,
            "dynamodb",
            dynamodb_request(operation, &body.to_string()),
        );
        let res = self.sim.handle(Service::DynamoDb, &req, self.now);
        assert_eq!(res.status, 200, "{operation}: {}", res.body_text());
    }

    fn setup(&mut self, body: Value) {
        self.now += 100;
        let req = Request::new("POST", "/_labsim/setup").with_body(body.to_string());
        let res = self.sim.handle(Service::Sts, &req, self.now);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    /// Lets `ms` pass in the server's 50 ms ticks.
    fn run(&mut self, ms: i64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 50;
            self.sim.tick(self.now);
        }
    }

    /// The events since the last read, as a reader pages through them.
    fn read(&mut self) -> Vec<TimelineEntry> {
        let mut out = Vec::new();
        loop {
            let page = self.sim.timeline().page(self.after, 7);
            assert!(page.events.iter().all(|e| e.seq > self.after));
            self.after = page.next;
            out.extend(page.events);
            if !page.more {
                return out;
            }
        }
    }
}

fn kinds(events: &[TimelineEntry]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.kind()).collect()
}

/// The only event of its kind in `events`, picked out by `pick`.
fn one<T: Clone>(events: &[TimelineEntry], pick: impl Fn(&TimelineEvent) -> Option<&T>) -> T {
    let found: Vec<&T> = events.iter().filter_map(|e| pick(&e.event)).collect();
    assert_eq!(found.len(), 1, "{:?}", kinds(events));
    found[0].clone()
}

fn write(e: &TimelineEvent) -> Option<&TableWrite> {
    match e {
        TimelineEvent::TableWrite(w) => Some(w),
        _ => None,
    }
}
fn record(e: &TimelineEvent) -> Option<&StreamRecord> {
    match e {
        TimelineEvent::StreamRecord(r) => Some(r),
        _ => None,
    }
}
fn invocation(e: &TimelineEvent) -> Option<&LambdaInvocation> {
    match e {
        TimelineEvent::LambdaInvocation(i) => Some(i),
        _ => None,
    }
}
fn index_write(e: &TimelineEvent) -> Option<&IndexWrite> {
    match e {
        TimelineEvent::IndexWrite(w) => Some(w),
        _ => None,
    }
}
fn searchable(e: &TimelineEvent) -> Option<&Searchable> {
    match e {
        TimelineEvent::Searchable(s) => Some(s),
        _ => None,
    }
}
fn log_lines(events: &[TimelineEntry]) -> Vec<LogLine> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::LogLine(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn update_name(id: &str, name: &str) -> Value {
    json!({
        "TableName": "lab-table",
        "Key": {"id": {"S": id}},
        "UpdateExpression": "SET #n = :n",
        "ExpressionAttributeNames": {"#n": "name"},
        "ExpressionAttributeValues": {":n": {"S": name}},
    })
}

fn delete(id: &str) -> Value {
    json!({"TableName": "lab-table", "Key": {"id": {"S": id}}})
}

#[test]
fn an_insert_through_the_api_is_followed_hop_by_hop_to_search() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let _start = lab.read();
    let id = lab.post("Ann");
    let posted = lab.read();
    assert_eq!(
        kinds(&posted),
        ["api_request", "table_write", "stream_record"]
    );
    let TimelineEvent::ApiRequest(api) = &posted[0].event else {
        unreachable!()
    };
    assert_eq!(
        api,
        &ApiRequest {
            request_id: id.clone(),
            request_id_origin: RequestIdOrigin::Generated,
            method: "POST".into(),
            path: "/v1/lab".into(),
            status: 200,
            error_type: None,
            integration_error: None,
            item_id: Some(id.clone()),
        }
    );
    let w = one(&posted, write);
    assert_eq!(w.operation, "PutItem");
    assert_eq!(w.key_id.as_deref(), Some(id.as_str()));
    assert_eq!(w.event_name, Some(ChangeKind::Insert));
    assert_eq!(w.api_request_id.as_deref(), Some(id.as_str()));
    let r = one(&posted, record);
    assert_eq!(r.event_name, ChangeKind::Insert);
    assert_eq!(
        w.sequence_number.as_deref(),
        Some(r.sequence_number.as_str())
    );
    assert_eq!(r.key_id.as_deref(), Some(id.as_str()));
    assert!(r.shard_id.starts_with("shardId-"), "{}", r.shard_id);
    assert!(r.stream_arn.contains(":table/lab-table/stream/"));

    lab.run(12_000);
    let later = lab.read();
    let inv = one(&later, invocation);
    assert_eq!(inv.result, InvocationResult::Ok);
    assert_eq!(inv.attempt, 0);
    assert_eq!(inv.records.len(), 1);
    let outcome = &inv.records[0];
    assert_eq!(outcome.event_id, r.event_id);
    assert_eq!(outcome.event_name, Some(ChangeKind::Insert));
    assert_eq!(outcome.sequence_number.as_ref(), Some(&r.sequence_number));
    assert_eq!(outcome.key_id.as_deref(), Some(id.as_str()));
    assert_eq!(outcome.outcome, HandlerOutcome::Indexed);
    assert_eq!(outcome.status, Some(201));
    // The shipped handler POSTs: the collection picks the document's id.
    let doc = outcome.document_id.clone().expect("a document id");
    assert_ne!(doc, id);
    let written = one(&later, index_write);
    assert_eq!(written.document_id, doc);
    assert_eq!(written.result, IndexResult::Created);
    assert_eq!(written.source_id.as_deref(), Some(id.as_str()));
    assert_eq!(written.index, "dynamodb_replicate");
    let seen = one(&later, searchable);
    assert_eq!(seen.document_id, doc);
    assert_eq!(seen.written_at_ms + 10_000, written.searchable_at_ms);
    let entry = later
        .iter()
        .find(|e| searchable(&e.event).is_some())
        .unwrap();
    assert_eq!(entry.time_ms, written.searchable_at_ms);
    // The invocation's log lines are tied to it, START to REPORT.
    let lines = log_lines(&later);
    assert!(lines.iter().all(
        |l| l.log_group == "/aws/lambda/sync-data-with-dynamodb-stream"
            && l.log_stream == inv.log_stream
    ));
    let of_inv: Vec<&str> = lines
        .iter()
        .filter(|l| l.request_id.as_deref() == Some(inv.request_id.as_str()))
        .map(|l| l.message.as_str())
        .collect();
    assert!(of_inv[0].starts_with("START RequestId: "), "{of_inv:?}");
    assert!(of_inv.iter().any(|m| m.starts_with("Successfully: ")));
    assert!(of_inv.last().unwrap().starts_with("REPORT RequestId: "));
    // Causal order: the invocation, its lines and its write, then search.
    let order = kinds(&later);
    let at = |k: &str| order.iter().position(|x| *x == k).unwrap();
    assert!(at("lambda_invocation") < at("index_write"), "{order:?}");
    assert!(at("index_write") < at("searchable"), "{order:?}");
}

#[test]
fn the_shipped_handler_stops_modify_and_remove_in_the_lambda() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let id = lab.post("Ann");
    lab.run(12_000);
    lab.read();
    lab.dynamodb("UpdateItem", update_name(&id, "Bea"));
    lab.run(2_000);
    let modified = lab.read();
    let w = one(&modified, write);
    assert_eq!(
        (
            w.operation.as_str(),
            w.event_name,
            w.api_request_id.as_deref()
        ),
        ("UpdateItem", Some(ChangeKind::Modify), None)
    );
    assert_eq!(one(&modified, record).event_name, ChangeKind::Modify);
    let inv = one(&modified, invocation);
    // The invocation itself succeeds: the handler prints the failure.
    assert_eq!(inv.result, InvocationResult::Ok);
    let outcome = &inv.records[0];
    assert_eq!(outcome.outcome, HandlerOutcome::FailedToIndex);
    assert_eq!(outcome.status, Some(405));
    assert_eq!(outcome.document_id, None);
    assert!(log_lines(&modified)
        .iter()
        .any(|l| l.message.starts_with("Failed to index item: ")));
    assert!(!kinds(&modified).contains(&"index_write"));

    lab.dynamodb("DeleteItem", delete(&id));
    lab.run(2_000);
    let removed = lab.read();
    assert_eq!(one(&removed, write).event_name, Some(ChangeKind::Remove));
    assert_eq!(one(&removed, record).event_name, ChangeKind::Remove);
    let outcome = one(&removed, invocation).records[0].clone();
    assert_eq!(outcome.outcome, HandlerOutcome::FailedToRemove);
    assert!(outcome.status.is_some_and(|s| s >= 400), "{outcome:?}");
    assert!(log_lines(&removed).iter().any(|l| l
        .message
        .starts_with(&format!("Failed to remove item with ID {id}"))));
    assert!(!kinds(&removed).contains(&"index_write"));
}

#[test]
fn the_fixed_handler_carries_modify_and_remove_to_search() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    let id = lab.post("Ann");
    lab.run(12_000);
    let inserted = lab.read();
    assert_eq!(
        one(&inserted, index_write).document_id,
        id,
        "the fixed handler uses the key as the document id"
    );
    lab.dynamodb("UpdateItem", update_name(&id, "Bea"));
    lab.run(12_000);
    let modified = lab.read();
    let outcome = one(&modified, invocation).records[0].clone();
    assert_eq!(outcome.outcome, HandlerOutcome::Indexed);
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.document_id.as_deref(), Some(id.as_str()));
    let written = one(&modified, index_write);
    assert_eq!((written.result, written.version), (IndexResult::Updated, 2));
    assert_eq!(one(&modified, searchable).result, IndexResult::Updated);

    lab.dynamodb("DeleteItem", delete(&id));
    lab.run(12_000);
    let removed = lab.read();
    let outcome = one(&removed, invocation).records[0].clone();
    assert_eq!(outcome.outcome, HandlerOutcome::Removed);
    assert_eq!(outcome.status, Some(200));
    let written = one(&removed, index_write);
    assert_eq!(
        (written.document_id.as_str(), written.result),
        (id.as_str(), IndexResult::Deleted)
    );
    assert_eq!(one(&removed, searchable).result, IndexResult::Deleted);
}

#[test]
fn a_record_that_crashes_the_handler_fails_its_batch_again_and_again() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.read();
    // A number attribute (the shipped handler reads every value's "S"),
    // then a good item in the same batch.
    lab.dynamodb(
        "PutItem",
        json!({"TableName": "lab-table", "Item": {"id": {"S": "bad"}, "n": {"N": "1"}}}),
    );
    lab.dynamodb(
        "PutItem",
        json!({"TableName": "lab-table", "Item": {"id": {"S": "good"}, "name": {"S": "x"}}}),
    );
    lab.run(5_000);
    let events = lab.read();
    let invocations: Vec<LambdaInvocation> = events
        .iter()
        .filter_map(|e| invocation(&e.event).cloned())
        .collect();
    assert!(invocations.len() >= 2, "{:?}", kinds(&events));
    for (attempt, inv) in invocations.iter().enumerate() {
        assert_eq!(inv.result, InvocationResult::Failed);
        assert_eq!(inv.attempt, attempt as u32);
        assert!(inv.error.as_deref().unwrap().contains("KeyError: 'S'"));
        let outcomes: Vec<(Option<&str>, HandlerOutcome)> = inv
            .records
            .iter()
            .map(|r| (r.key_id.as_deref(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Some("bad"), HandlerOutcome::Crashed),
                (Some("good"), HandlerOutcome::NotReached)
            ]
        );
    }
    // The batch's oldest record ages with every attempt.
    let ages: Vec<i64> = invocations.iter().map(|i| i.iterator_age_ms).collect();
    assert!(ages.windows(2).all(|w| w[0] < w[1]), "{ages:?}");
    // Nothing got through: the good record waits behind the bad one.
    assert!(!kinds(&events).contains(&"index_write"));
    let lines = log_lines(&events);
    let error = lines
        .iter()
        .position(|l| l.message.starts_with("[ERROR] KeyError: 'S'\r"))
        .expect("the [ERROR] event");
    assert!(lines[error - 1]
        .message
        .starts_with("LAMBDA_WARNING: Unhandled exception."));
}

#[test]
fn setup_changes_are_events_whether_made_by_labsim_or_an_aws_call() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.read();
    lab.setup(json!({"handler": "fixed"}));
    let changes: Vec<SetupChange> = lab
        .read()
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::SetupChange(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [SetupChange {
            field: "handler".into(),
            from: json!("workshop"),
            to: json!("fixed"),
        }]
    );
    // The stream turned off through DynamoDB's own UpdateTable, by someone
    // allowed to (the learner's demo credentials are not).
    let allow_all = PolicyDocument::from_value(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    .unwrap();
    let admin = lab
        .sim
        .mint_credentials_with_policy(lab.now, 3600, allow_all);
    lab.dynamodb_as(
        &admin,
        "UpdateTable",
        json!({"TableName": "lab-table", "StreamSpecification": {"StreamEnabled": false}}),
    );
    lab.run(1_000);
    let stream_changes: Vec<SetupChange> = lab
        .read()
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::SetupChange(c) if c.field == "stream" => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(stream_changes.len(), 1, "{stream_changes:?}");
    assert_eq!(
        (&stream_changes[0].from, &stream_changes[0].to),
        (&json!("NEW_IMAGE"), &json!("off"))
    );
}

#[test]
fn a_cursor_reads_each_event_once_and_survives_a_reset() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    for name in ["a", "b", "c"] {
        lab.post(name);
    }
    let all = lab.sim.timeline().page(0, MAX_PAGE);
    assert!(!all.more);
    let seqs: Vec<u64> = all.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let first = lab.sim.timeline().page(0, 2);
    assert_eq!((first.events.len(), first.next, first.more), (2, 2, true));
    let rest = lab.sim.timeline().page(first.next, MAX_PAGE);
    assert_eq!(rest.events, all.events[2..]);
    let none = lab.sim.timeline().page(all.next, 10);
    assert_eq!(
        (none.events.len(), none.next, none.more),
        (0, all.next, false)
    );

    // A clone records on its own.
    let mut copy = lab.sim.clone();
    copy.tick(lab.now + 50);
    copy.handle(
        Service::ApiGateway,
        &Request::new("POST", "/v1/lab").with_body(r#"{"name":"d","type":"t"}"#),
        lab.now + 60,
    );
    assert_eq!(lab.sim.timeline().page(all.next, 10).events, []);

    // A reset: numbering goes on, and a reset event says what happened.
    let handle = lab.sim.timeline().clone();
    let req = Request::new("POST", "/_labsim/reset");
    assert_eq!(
        lab.sim.handle(Service::Sts, &req, lab.now + 100).status,
        200
    );
    let after_reset = handle.page(all.next, 10);
    assert_eq!(after_reset.events[0].event, TimelineEvent::Reset);
    assert_eq!(after_reset.events[0].seq, all.next + 1);
    assert_eq!(handle.page(0, MAX_PAGE).events, after_reset.events);
    lab.after = after_reset.next;
    lab.post("e");
    assert_eq!(kinds(&lab.read())[0], "api_request");
}

#[test]
fn the_control_endpoint_pages_and_names_bad_parameters() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let id = lab.post("Ann");
    let get = |sim: &mut Simulator, query: &str| {
        let req = Request::new("GET", "/_labsim/events")
            .with_query(query)
            .with_header("Origin", "http://x");
        sim.handle(Service::Sts, &req, NOW)
    };
    let res = get(&mut lab.sim, "");
    assert_eq!(res.status, 200);
    assert!(res.header("access-control-allow-origin").is_some());
    let body: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(body["events"][0]["kind"], "api_request");
    assert_eq!(body["events"][0]["request_id"], id);
    assert_eq!(body["events"][0]["seq"], 1);
    assert_eq!(body["more"], false);
    let res = get(&mut lab.sim, "after=1&limit=1");
    let body: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(body["events"][0]["kind"], "table_write");
    assert_eq!(
        (body["next"].clone(), body["more"].clone()),
        (json!(2), json!(true))
    );
    for (query, message) in [
        (
            "after=soon",
            "after must be the seq of an event already read (a whole number, 0 for the start), not \"soon\"",
        ),
        ("limit=0", "limit must be a whole number from 1 to 10000, not \"0\""),
    ] {
        let res = get(&mut lab.sim, query);
        assert_eq!(res.status, 400, "{query}");
        let body: Value = serde_json::from_slice(&res.body).unwrap();
        assert_eq!(body["error"], message);
    }
    assert_eq!(
        PageRequest::parse("limit=10001"),
        Err(PageRequestError::BadLimit("10001".into()))
    );
}

#[test]
fn a_timeline_read_needs_no_simulator_lock() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.post("Ann");
    let handle = lab.sim.timeline().clone();
    // The server keeps the simulator in a mutex: hold it, and read anyway.
    let shared = std::sync::Arc::new(std::sync::Mutex::new(lab.sim));
    let _held = shared.lock().unwrap();
    let reader = std::thread::spawn(move || {
        let req = Request::new("GET", "/_labsim/events").with_query("after=1");
        crate::control::answer_timeline_read(&handle, &req, NOW).map(|r| r.status)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !reader.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the read waited for the simulator"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(reader.join().unwrap(), Some(200));
}

#[test]
fn only_a_get_of_the_events_is_answered_without_the_simulator() {
    let handle = Lab::new(HandlerKind::Workshop).sim.timeline().clone();
    for (method, path) in [
        ("GET", "/_labsim/config"),
        ("POST", "/_labsim/events"),
        ("OPTIONS", "/_labsim/events"),
        ("GET", "/_labsim/eventsx"),
    ] {
        let req = Request::new(method, path);
        assert!(
            crate::control::answer_timeline_read(&handle, &req, NOW).is_none(),
            "{method} {path}"
        );
    }
}

#[test]
fn a_page_stops_at_a_few_megabytes_of_log_text() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.read();
    // Items of 300 KB each: the handler prints each batch whole.
    let big = "x".repeat(300_000);
    for i in 0..20 {
        lab.dynamodb(
            "PutItem",
            json!({"TableName": "lab-table", "Item": {"id": {"S": format!("big{i}")}, "blob": {"S": big}}}),
        );
        lab.run(300);
    }
    lab.run(2_000);
    let after = lab.after;
    let page = lab.sim.timeline().page(after, MAX_PAGE);
    assert!(page.more, "{} events", page.events.len());
    let json = serde_json::to_vec(&page).unwrap();
    assert!(json.len() < 2 * super::PAGE_BYTES, "{} bytes", json.len());
    assert!(json.len() > super::PAGE_BYTES / 2, "{} bytes", json.len());
    // Nothing is lost: paging on reads everything once.
    let everything = lab.read();
    assert_eq!(everything[..page.events.len()], page.events[..]);
}

#[test]
fn a_shared_page_is_served_as_the_same_json_as_a_page() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.post("Ann");
    lab.run(1_000);
    let shared = serde_json::to_value(lab.sim.timeline().shared_page(1, 5)).unwrap();
    let owned = serde_json::to_value(lab.sim.timeline().page(1, 5)).unwrap();
    assert_eq!(shared, owned);
    assert_eq!(shared["events"].as_array().unwrap().len(), 5);
}

#[test]
fn deploying_the_typed_handler_is_a_setup_change_and_the_blocked_batch_then_goes_through() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.dynamodb(
        "PutItem",
        json!({"TableName": "lab-table", "Item": {"id": {"S": "numbered"}, "count": {"N": "3"}}}),
    );
    lab.run(1_000);
    let behind = lab.post("Behind");
    lab.run(30_000);
    lab.read();
    lab.setup(json!({"handler": "typed"}));
    let deployed = lab.now;
    lab.run(2_000);
    let events = lab.read();
    let change = one(&events, |e| match e {
        TimelineEvent::SetupChange(c) => Some(c),
        _ => None,
    });
    assert_eq!(
        (change.field.as_str(), &change.from, &change.to),
        ("handler", &json!("workshop"), &json!("typed"))
    );
    let runs: Vec<(i64, LambdaInvocation)> = events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::LambdaInvocation(i) => Some((e.time_ms, i.clone())),
            _ => None,
        })
        .collect();
    // The retry comes within a poll interval of the deploy and succeeds;
    // the record behind follows in the next batch.
    assert!(
        runs[0].0 - deployed <= crate::lambda::POLL_INTERVAL_MS,
        "{runs:?}"
    );
    assert!(runs[0].1.attempt > 0);
    let handled: Vec<(Option<String>, HandlerOutcome)> = runs
        .iter()
        .inspect(|(_, i)| assert_eq!(i.result, InvocationResult::Ok))
        .flat_map(|(_, i)| i.records.iter().map(|r| (r.key_id.clone(), r.outcome)))
        .collect();
    assert_eq!(
        handled,
        [
            (Some("numbered".into()), HandlerOutcome::Indexed),
            (Some(behind), HandlerOutcome::Indexed)
        ]
    );
}
