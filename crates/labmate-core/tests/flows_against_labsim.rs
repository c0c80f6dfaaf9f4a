//! Flows built from labsim's real wire answers, checked against labsim's
//! ground-truth timeline.
//!
//! The simulator's core runs in-process (no I/O). A small poller here does
//! what labmate's pollers will do, with labmate's own signer: GetRecords
//! along the shard, FilterLogEvents on the function's log group with an
//! overlapping window, ListEventSourceMappings, and `_search` by
//! `id.keyword`; each answer is read into an observation by the flow
//! module's own readers. Then every flow's state and correlation ids are
//! compared with what labsim's timeline says really happened.

use labmate_core::credentials::Credentials;
use labmate_core::flow::{
    ApiAnswer, DocumentSearch, FlowState, Flows, FunctionSetup, Hop, LogEvents, NotObservable,
    Observation, Origin, ReadFrom, StreamPage, StreamSetup, Stuck, TableCall, TriggerSeen, Waiting,
};
use labmate_core::signing::{sign, HttpRequest, SigningContext};
use labmate_core::Service;

use lab_model::timeline::{
    ChangeKind, HandlerOutcome, IndexResult, IndexWrite, InvocationResult, LambdaInvocation,
    Searchable, StreamRecord, TimelineEntry, TimelineEvent,
};
use labsim::lambda::{HandlerKind, FUNCTION_NAME, INDEX, LOG_GROUP};
use labsim::message::Request;
use labsim::{SimConfig, Simulator};
use serde_json::{json, Map, Value};

/// 2024-10-08T19:55:22Z.
const START: i64 = 1_728_417_322_000;
const REGION: &str = "ap-southeast-1";
/// How often the test's poller reads every hop.
const POLL_MS: i64 = 1_000;

/// The simulator, its clock, labmate's board and the poller's positions.
struct Lab {
    sim: Simulator,
    now: i64,
    credentials: Credentials,
    flows: Flows,
    shard_iterator: Option<String>,
    shard_id: String,
    log_from_ms: i64,
}

impl Lab {
    fn new(handler: HandlerKind) -> Lab {
        let mut config = SimConfig::new(11);
        config.lambda.handler = handler;
        let sim = Simulator::new(config, START);
        let demo = sim.identity().demo_credentials().clone();
        Lab::with_credentials(sim, &demo)
    }

    fn with_credentials(sim: Simulator, c: &labsim::identity::Credentials) -> Lab {
        Lab {
            sim,
            now: START,
            credentials: Credentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: c.secret_access_key.clone(),
                session_token: Some(c.session_token.clone()),
                expiration: None,
            },
            flows: Flows::new(),
            shard_iterator: None,
            shard_id: String::new(),
            log_from_ms: START - 60_000,
        }
    }

    /// A request signed by labmate's signer, as labsim receives it.
    fn call(
        &mut self,
        service: Service,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, Value) {
        let host = "127.0.0.1:9100";
        let mut request = HttpRequest::new(method, &format!("http://{host}{path_and_query}"));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(body);
        let ctx = SigningContext::for_service(&self.credentials, service, REGION, self.now);
        let signed = sign(&request, &ctx).expect("labmate signs it");
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut req = Request::new(&signed.method, path)
            .with_query(query)
            .with_header("host", host)
            .with_body(signed.body.clone());
        for (name, value) in &signed.headers {
            req = req.with_header(name, value);
        }
        let res = self.sim.handle(service, &req, self.now);
        let body = serde_json::from_slice(&res.body).unwrap_or(Value::Null);
        (res.status, body)
    }

    fn json_call(&mut self, service: Service, target: &str, body: Value) -> (u16, Value) {
        let content_type = if service == Service::Logs {
            "application/x-amz-json-1.1"
        } else {
            "application/x-amz-json-1.0"
        };
        self.call(
            service,
            "POST",
            "/",
            &[("content-type", content_type), ("x-amz-target", target)],
            &body.to_string(),
        )
    }

    /// POST /v1/lab as labmate sends it (its own UUID as the request id, if
    /// given); observed as labmate will read the answer.
    fn post(&mut self, name: &str, own_id: Option<&str>) -> Option<String> {
        self.now += 100;
        let sent: Map<String, Value> = json!({"name": name, "type": "cat"})
            .as_object()
            .cloned()
            .unwrap();
        let mut req =
            Request::new("POST", "/v1/lab").with_body(Value::Object(sent.clone()).to_string());
        if let Some(id) = own_id {
            req = req.with_header("x-amzn-RequestId", id);
        }
        let res = self.sim.handle(Service::ApiGateway, &req, self.now);
        let answer = ApiAnswer {
            sent_request_id: own_id.map(str::to_owned),
            request_id: res.header("x-amzn-RequestId").map(str::to_owned),
            sent_body: sent,
            status: Some(res.status),
            body: res.body_text(),
            sent_ms: self.now,
            answered_ms: self.now + 30,
        };
        let id = answer.item_id().map(str::to_owned);
        self.flows.observe(Observation::ApiAnswer(answer));
        id
    }

    /// A signed UpdateItem or DeleteItem labmate sends.
    fn change(&mut self, change: ChangeKind, id: &str, name: &str) {
        self.now += 100;
        let (operation, body) = match change {
            ChangeKind::Modify => (
                "UpdateItem",
                json!({"TableName": "lab-table", "Key": {"id": {"S": id}},
                    "UpdateExpression": "SET #n = :n",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":n": {"S": name}}}),
            ),
            _ => (
                "DeleteItem",
                json!({"TableName": "lab-table", "Key": {"id": {"S": id}}}),
            ),
        };
        let sent_ms = self.now;
        let (status, answer) = self.json_call(
            Service::DynamoDb,
            &format!("DynamoDB_20120810.{operation}"),
            body,
        );
        assert_eq!(status, 200, "{answer}");
        self.flows.observe(Observation::TableCall(TableCall {
            change,
            item_id: id.to_owned(),
            operation: operation.to_owned(),
            status,
            request_id: None,
            error_type: None,
            sent_ms,
            answered_ms: sent_ms + 20,
        }));
    }

    /// A PutItem made outside labmate (the console): nothing announces it.
    fn put_outside(&mut self, item: Value) {
        self.now += 100;
        let (status, answer) = self.json_call(
            Service::DynamoDb,
            "DynamoDB_20120810.PutItem",
            json!({"TableName": "lab-table", "Item": item}),
        );
        assert_eq!(status, 200, "{answer}");
    }

    /// Changes the lab's setup through labsim's control endpoint (what the
    /// learner does in the console).
    fn setup(&mut self, body: Value) {
        self.now += 100;
        let req = Request::new("POST", "/_labsim/setup").with_body(body.to_string());
        let res = self.sim.handle(Service::Sts, &req, self.now);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    /// Reads every hop once, as the pollers will, and checks the flows.
    fn poll(&mut self) {
        self.read_stream();
        self.read_log();
        let (status, mappings) = self.call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/event-source-mappings?FunctionName={FUNCTION_NAME}"),
            &[],
            "",
        );
        assert_eq!(status, 200, "{mappings}");
        let trigger = TriggerSeen::from_list_event_source_mappings(&mappings, self.now);
        self.flows.observe(Observation::Trigger(trigger));
        let (status, function) = self.call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{FUNCTION_NAME}/configuration"),
            &[],
            "",
        );
        assert_eq!(status, 200, "{function}");
        self.flows.observe(Observation::Function(
            FunctionSetup::from_function_configuration(&function, self.now),
        ));
        let (_, table) = self.json_call(
            Service::DynamoDb,
            "DynamoDB_20120810.DescribeTable",
            json!({"TableName": "lab-table"}),
        );
        self.flows
            .observe(Observation::StreamSetup(StreamSetup::from_describe_table(
                &table, self.now,
            )));
        self.search_documents();
        self.flows.check(self.now);
    }

    fn read_stream(&mut self) {
        let read_from = if self.shard_iterator.is_none() {
            let (_, table) = self.json_call(
                Service::DynamoDb,
                "DynamoDB_20120810.DescribeTable",
                json!({"TableName": "lab-table"}),
            );
            let arn = table["Table"]["LatestStreamArn"]
                .as_str()
                .unwrap()
                .to_owned();
            let (_, stream) = self.json_call(
                Service::Streams,
                "DynamoDBStreams_20120810.DescribeStream",
                json!({"StreamArn": arn}),
            );
            self.shard_id = stream["StreamDescription"]["Shards"][0]["ShardId"]
                .as_str()
                .unwrap()
                .to_owned();
            let (_, iterator) = self.json_call(
                Service::Streams,
                "DynamoDBStreams_20120810.GetShardIterator",
                json!({"StreamArn": arn, "ShardId": self.shard_id, "ShardIteratorType": "TRIM_HORIZON"}),
            );
            self.shard_iterator = iterator["ShardIterator"].as_str().map(str::to_owned);
            ReadFrom::TrimHorizon
        } else {
            ReadFrom::Continued
        };
        let mut read_from = read_from;
        loop {
            let (status, page) = self.json_call(
                Service::Streams,
                "DynamoDBStreams_20120810.GetRecords",
                json!({"ShardIterator": self.shard_iterator}),
            );
            assert_eq!(status, 200, "{page}");
            self.shard_iterator = page["NextShardIterator"].as_str().map(str::to_owned);
            let page = StreamPage::from_get_records(&self.shard_id, read_from, &page, self.now)
                .expect("a GetRecords answer");
            let empty = page.records.is_empty();
            self.flows.observe(Observation::StreamPage(page));
            read_from = ReadFrom::Continued;
            if empty {
                return;
            }
        }
    }

    /// FilterLogEvents from 10 s before the last event seen, every page.
    fn read_log(&mut self) {
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"logGroupName": LOG_GROUP, "startTime": self.log_from_ms});
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let (status, answer) =
                self.json_call(Service::Logs, "Logs_20140328.FilterLogEvents", body);
            if answer["__type"].as_str() == Some("ResourceNotFoundException") {
                // No log group yet: the function has not run.
                return;
            }
            if status != 200 {
                self.flows
                    .observe(Observation::NotObservable(NotObservable {
                        hop: Hop::Lambda,
                        permission: "logs:FilterLogEvents".into(),
                        refusal: answer["__type"].as_str().unwrap_or_default().to_owned(),
                        seen_ms: self.now,
                    }));
                return;
            }
            let events = LogEvents::from_filter_log_events(&answer, self.now).expect("events");
            if let Some(last) = events.events.iter().map(|e| e.timestamp).max() {
                self.log_from_ms = self.log_from_ms.max(last - 10_000);
            }
            self.flows.observe(Observation::LogEvents(events));
            token = answer["nextToken"].as_str().map(str::to_owned);
            if token.is_none() {
                return;
            }
        }
    }

    /// `_search` by `id.keyword` for every item whose flow is not done.
    fn search_documents(&mut self) {
        let mut items: Vec<String> = self
            .flows
            .flows()
            .iter()
            .filter(|f| {
                matches!(
                    f.state,
                    FlowState::InProgress {
                        next: Hop::Collection,
                        ..
                    } | FlowState::NotObservable { .. }
                )
            })
            .filter_map(|f| f.item_id.clone())
            .collect();
        items.dedup();
        for id in items {
            let query = json!({"query": {"term": {"id.keyword": id}}}).to_string();
            let (status, answer) = self.call(
                Service::Aoss,
                "POST",
                &format!("/{INDEX}/_search"),
                &[("content-type", "application/json")],
                &query,
            );
            assert_eq!(status, 200, "{answer}");
            let search = DocumentSearch::from_search(&id, INDEX, &answer, self.now).expect("hits");
            self.flows.observe(Observation::DocumentSearch(search));
        }
    }

    /// Lets `ms` pass in the server's 50 ms ticks, not polling.
    fn wait(&mut self, ms: i64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 50;
            self.sim.tick(self.now);
        }
    }

    /// Lets `ms` pass in the server's 50 ms ticks, polling every second.
    fn run(&mut self, ms: i64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 50;
            self.sim.tick(self.now);
            if (self.now - START) % POLL_MS == 0 {
                self.poll();
            }
        }
        self.poll();
    }

    /// The ground truth so far.
    fn truth(&self) -> Vec<TimelineEntry> {
        let page = self.sim.timeline().page(0, 10_000);
        assert!(!page.more);
        page.events
    }

    fn flow_of(&self, change: ChangeKind, id: &str) -> &labmate_core::flow::Flow {
        let found: Vec<_> = self
            .flows
            .flows()
            .iter()
            .filter(|f| f.change == change && f.item_id.as_deref() == Some(id))
            .collect();
        assert_eq!(found.len(), 1, "{change:?} {id}: {:#?}", self.flows.flows());
        found[0]
    }
}

fn records(events: &[TimelineEntry]) -> Vec<StreamRecord> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::StreamRecord(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn invocations(events: &[TimelineEntry]) -> Vec<LambdaInvocation> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::LambdaInvocation(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

fn index_writes(events: &[TimelineEntry]) -> Vec<IndexWrite> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::IndexWrite(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn searchable_at(events: &[TimelineEntry]) -> Vec<(i64, Searchable)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::Searchable(s) => Some((e.time_ms, s.clone())),
            _ => None,
        })
        .collect()
}

/// The flow's correlation ids are the timeline's: same stream record,
/// same invocation, and the handler's outcome for it.
fn assert_same_hops(flow: &labmate_core::flow::Flow, truth: &[TimelineEntry]) -> HandlerOutcome {
    let stream = flow.stream.as_ref().expect("a stream record");
    let record = records(truth)
        .into_iter()
        .find(|r| r.event_id == stream.event_id)
        .expect("the timeline has the flow's stream record");
    assert_eq!(record.event_name, flow.change);
    assert_eq!(record.key_id, flow.item_id);
    assert_eq!(
        stream.sequence_number.as_ref(),
        Some(&record.sequence_number)
    );
    assert_eq!(stream.shard_id.as_ref(), Some(&record.shard_id));
    let lambda = flow.lambda.as_ref().expect("a Lambda stage");
    let invocation = invocations(truth)
        .into_iter()
        .find(|i| i.request_id == lambda.request_id)
        .expect("the timeline has the flow's invocation");
    assert_eq!(invocation.log_stream, lambda.log_stream);
    // Times: the record's second as the timeline has it; the Lambda stage
    // within the invocation's run.
    let record_ms = truth
        .iter()
        .find(
            |e| matches!(&e.event, TimelineEvent::StreamRecord(r) if r.event_id == stream.event_id),
        )
        .unwrap()
        .time_ms;
    assert_eq!(stream.created_ms, record_ms / 1000 * 1000);
    // The stage is reached when the log first shows the record: the first
    // run whose handler got as far as printing its batch (one that failed
    // before has no record in its log). The request id is the latest
    // attempt's.
    let printed = |i: &LambdaInvocation| {
        i.records.iter().any(|r| r.event_id == stream.event_id)
            && i.records
                .iter()
                .any(|r| r.outcome != HandlerOutcome::NotReached)
    };
    let invoked_ms = truth
        .iter()
        .find(|e| matches!(&e.event, TimelineEvent::LambdaInvocation(i) if printed(i)))
        .unwrap()
        .time_ms;
    let lambda_ms = flow.stage(Hop::Lambda).unwrap().at_ms;
    let run_ms = lambda.duration_ms.ceil() as i64 + 1_000;
    assert!(
        (invoked_ms..=invoked_ms + run_ms).contains(&lambda_ms),
        "{invoked_ms} {lambda_ms} {run_ms}"
    );
    let outcome = invocation
        .records
        .iter()
        .find(|r| r.event_id == stream.event_id)
        .expect("the invocation had the flow's record");
    // Stages come in order with non-negative latencies.
    let hops: Vec<Hop> = flow.stages.iter().map(|s| s.hop).collect();
    let mut sorted = hops.clone();
    sorted.sort();
    assert_eq!(hops, sorted);
    assert!(
        flow.stages.iter().all(|s| s.latency_ms >= 0),
        "{:?}",
        flow.stages
    );
    outcome.outcome
}

#[test]
fn with_the_shipped_handler_insert_completes_and_modify_and_remove_stop_in_the_lambda() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.poll();
    let own = "0b7c5b3a-1f2e-4d5c-9a8b-7c6d5e4f3a2b";
    let id = lab.post("Ann", Some(own)).expect("the item's id");
    assert_eq!(id, own, "labmate's own request id became the item's id");
    lab.run(2_000);
    let insert = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(
        insert.state,
        FlowState::InProgress {
            next: Hop::Collection,
            waiting: Some(Waiting::Refresh {
                since_ms: insert.stage(Hop::Lambda).unwrap().at_ms
            })
        }
    );
    lab.run(12_000);
    let truth = lab.truth();
    let insert = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(insert.state, FlowState::Complete, "{insert:#?}");
    assert_eq!(insert.origin, Origin::RequestId);
    assert_eq!(insert.name.as_deref(), Some("Ann"));
    assert_eq!(assert_same_hops(insert, &truth), HandlerOutcome::Indexed);
    let hops: Vec<Hop> = insert.stages.iter().map(|s| s.hop).collect();
    assert_eq!(hops, Hop::ALL);
    // The document labmate found is the one the Lambda wrote (a random
    // `_id`: the shipped handler POSTs), and search showed it no earlier
    // than the collection made it searchable.
    let written = index_writes(&truth);
    assert_eq!(written.len(), 1);
    let document = insert.document.as_ref().unwrap();
    assert_eq!(document.document_id.as_ref(), Some(&written[0].document_id));
    assert_ne!(document.document_id.as_deref(), Some(id.as_str()));
    let (searchable_ms, _) = searchable_at(&truth)[0].clone();
    assert!(insert.stage(Hop::Collection).unwrap().at_ms >= searchable_ms);

    lab.change(ChangeKind::Modify, &id, "Bea");
    lab.run(3_000);
    lab.change(ChangeKind::Remove, &id, "");
    lab.run(3_000);
    let truth = lab.truth();
    let modify = lab.flow_of(ChangeKind::Modify, &id);
    assert_eq!(modify.origin, Origin::Key);
    assert_eq!(
        assert_same_hops(modify, &truth),
        HandlerOutcome::FailedToIndex
    );
    let FlowState::Stuck { reason } = &modify.state else {
        panic!("{modify:#?}")
    };
    assert!(
        matches!(
            reason,
            Stuck::ShippedHandlerCannotUpdate {
                status: Some(405),
                ..
            }
        ),
        "{reason:?}"
    );
    assert_eq!(reason.hop(), Hop::Lambda);
    assert!(reason.fix().contains("PUT /{index}/_doc/{id}"));
    // The stream carries only the new image: the old one is the INSERT's.
    let diff = modify.diff();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(
        (diff[0].attribute.as_str(), &diff[0].old, &diff[0].new),
        (
            "name",
            &Some(json!({"S": "Ann"})),
            &Some(json!({"S": "Bea"}))
        )
    );

    let remove = lab.flow_of(ChangeKind::Remove, &id);
    assert_eq!(
        assert_same_hops(remove, &truth),
        HandlerOutcome::FailedToRemove
    );
    let FlowState::Stuck { reason } = &remove.state else {
        panic!("{remove:#?}")
    };
    assert_eq!(
        reason,
        &Stuck::ShippedHandlerCannotRemove {
            item_id: id.clone(),
            response: match &remove.lambda.as_ref().unwrap().outcome {
                labmate_core::flow::lambda_log::RecordOutcome::FailedToRemove { response } =>
                    response.clone(),
                other => panic!("{other:?}"),
            }
        }
    );
    assert!(reason.fix().contains("DELETE /{index}/_doc/{id}"));
    // Nothing written for either, as the timeline says: only the INSERT's
    // document exists.
    assert_eq!(index_writes(&truth).len(), 1);
    // A minute on, they are still stuck for the same reasons.
    lab.run(60_000);
    assert!(matches!(
        lab.flow_of(ChangeKind::Modify, &id).state,
        FlowState::Stuck {
            reason: Stuck::ShippedHandlerCannotUpdate { .. }
        }
    ));
    assert_eq!(lab.flows.gaps(), []);
}

#[test]
fn with_the_fixed_handler_every_change_reaches_search() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.poll();
    let id = lab.post("Ann", None).expect("the answer's request id");
    lab.run(14_000);
    lab.change(ChangeKind::Modify, &id, "Bea");
    lab.run(14_000);
    lab.change(ChangeKind::Remove, &id, "");
    lab.run(14_000);
    let truth = lab.truth();
    let searchable = searchable_at(&truth);
    let results: Vec<IndexResult> = searchable.iter().map(|(_, s)| s.result).collect();
    assert_eq!(
        results,
        [
            IndexResult::Created,
            IndexResult::Updated,
            IndexResult::Deleted
        ]
    );
    for (change, outcome, (searchable_ms, seen)) in [
        (ChangeKind::Insert, HandlerOutcome::Indexed, &searchable[0]),
        (ChangeKind::Modify, HandlerOutcome::Indexed, &searchable[1]),
        (ChangeKind::Remove, HandlerOutcome::Removed, &searchable[2]),
    ] {
        let flow = lab.flow_of(change, &id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), outcome);
        assert!(flow.stage(Hop::Collection).unwrap().at_ms >= *searchable_ms);
        assert_eq!(
            seen.document_id, id,
            "the fixed handler keys documents by id"
        );
        let document = flow.document.as_ref().unwrap();
        match change {
            ChangeKind::Remove => assert_eq!(document.document_id, None),
            _ => assert_eq!(document.document_id.as_deref(), Some(id.as_str())),
        }
    }
    let modify = lab.flow_of(ChangeKind::Modify, &id);
    assert_eq!(
        modify.document.as_ref().unwrap().source.as_ref().unwrap()["name"],
        "Bea"
    );
    // Each hop's latency is what labmate saw: the document within the
    // collection's refresh lag plus a poll of the Lambda stage.
    let latency = modify.stage(Hop::Collection).unwrap().latency_ms;
    assert!((10_000..=12_000).contains(&latency), "{latency}");
}

#[test]
fn a_record_that_crashes_the_handler_blocks_the_changes_behind_it() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.poll();
    // Made in the console, not by labmate: a number the handler cannot read.
    lab.put_outside(json!({"id": {"S": "bad"}, "n": {"N": "1"}}));
    let good = lab.post("Cy", None).unwrap();
    lab.run(6_000);
    let truth = lab.truth();
    let failed: Vec<LambdaInvocation> = invocations(&truth)
        .into_iter()
        .filter(|i| i.result == InvocationResult::Failed)
        .collect();
    assert!(failed.len() >= 2, "{failed:?}");
    assert_eq!(
        invocations(&truth).len(),
        failed.len(),
        "nothing got through"
    );
    let bad = lab.flow_of(ChangeKind::Insert, "bad");
    assert_eq!(bad.origin, Origin::Outside);
    assert_eq!(assert_same_hops(bad, &truth), HandlerOutcome::Crashed);
    let FlowState::Stuck {
        reason:
            Stuck::HandlerCrashed {
                exception,
                attempts,
                expires_at_ms,
            },
    } = &bad.state
    else {
        panic!("{bad:#?}")
    };
    assert_eq!(exception, "KeyError: 'S'");
    assert_eq!(
        *attempts as usize,
        failed.len(),
        "one attempt per failed invocation"
    );
    let created = bad.stream.as_ref().unwrap().created_ms;
    assert_eq!(*expires_at_ms, created + 24 * 3_600_000);
    let waiting = lab.flow_of(ChangeKind::Insert, &good);
    assert_eq!(
        assert_same_hops(waiting, &truth),
        HandlerOutcome::NotReached
    );
    assert_eq!(
        waiting.state,
        FlowState::Stuck {
            reason: Stuck::BlockedBehind {
                blocking_item: "bad".into(),
                expires_at_ms: *expires_at_ms
            }
        }
    );
    // Export then import: the same flows.
    let json = lab.flows.export();
    assert!(!json.contains(&lab.credentials.secret_access_key));
    assert_eq!(Flows::import(&json).unwrap(), lab.flows);
}

#[test]
fn without_log_access_the_lambda_hop_is_not_observable_yet_search_completes_the_flow() {
    let mut config = SimConfig::new(11);
    config.lambda.handler = HandlerKind::Fixed;
    let mut sim = Simulator::new(config, START);
    let policy = labsim::iam::PolicyDocument::from_value(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "logs:*", "Resource": "*"}
        ]
    }))
    .unwrap();
    let creds = sim.mint_credentials_with_policy(START, 3600, policy);
    let mut lab = Lab::with_credentials(sim, &creds);
    lab.poll();
    let id = lab.post("Di", None).unwrap();
    lab.run(3_000);
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(
        flow.state,
        FlowState::NotObservable {
            hop: Hop::Lambda,
            permission: "logs:FilterLogEvents".into()
        }
    );
    assert_eq!(
        lab.flows
            .not_observable(Hop::Lambda)
            .map(|n| n.refusal.as_str()),
        Some("AccessDeniedException")
    );
    lab.run(12_000);
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(flow.state, FlowState::Complete);
    assert!(flow.lambda.is_none() && flow.stage(Hop::Lambda).is_none());
    assert_eq!(
        flow.document.as_ref().unwrap().document_id.as_deref(),
        Some(index_writes(&truth)[0].document_id.as_str())
    );
}

#[test]
fn a_lambda_without_its_environment_holds_the_changes_until_the_variables_are_set() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.setup(json!({"env_vars_set": false}));
    lab.poll();
    let first = lab.post("Ed", None).unwrap();
    let second = lab.post("Flo", None).unwrap();
    lab.run(4_000);
    let truth = lab.truth();
    let failed = invocations(&truth);
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|i| i.result == InvocationResult::Failed
        && i.error
            .as_deref()
            .unwrap()
            .contains("KeyError: 'OPENSEARCH_HOST'")));
    for id in [&first, &second] {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(
            flow.state,
            FlowState::Stuck {
                reason: Stuck::FunctionCrashed {
                    exception: "KeyError: 'OPENSEARCH_HOST'".into()
                }
            },
            "{flow:#?}"
        );
    }
    lab.setup(json!({"env_vars_set": true}));
    lab.run(15_000);
    let truth = lab.truth();
    for id in [&first, &second] {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    }
}

#[test]
fn a_disabled_trigger_and_a_stream_without_new_images_are_named() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.setup(json!({"trigger_enabled": false}));
    lab.run(10_000);
    let id = lab.post("Gus", None).unwrap();
    lab.run(2_000);
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert!(
        matches!(&flow.state, FlowState::Stuck { reason: Stuck::TriggerOff { state } } if state == "Disabled"),
        "{:?}",
        flow.state
    );
    assert!(invocations(&lab.truth()).is_empty());

    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.setup(json!({"stream": "off"}));
    lab.wait(6_000);
    lab.setup(json!({"stream": "KEYS_ONLY"}));
    lab.wait(6_000);
    lab.poll();
    let id = lab.post("Hal", None).unwrap();
    lab.run(3_000);
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(
        flow.state,
        FlowState::Stuck {
            reason: Stuck::StreamWithoutNewImage {
                view_type: "KEYS_ONLY".into()
            }
        },
        "{flow:#?}"
    );
    let truth = lab.truth();
    assert_eq!(
        records(&truth).len(),
        1,
        "the record exists, without NewImage"
    );
}

#[test]
fn a_burst_of_changes_ends_with_one_complete_flow_each() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.poll();
    let ids: Vec<String> = (0..50)
        .map(|i| lab.post(&format!("item{i}"), None).unwrap())
        .collect();
    lab.run(15_000);
    let truth = lab.truth();
    assert_eq!(records(&truth).len(), 50);
    assert_eq!(lab.flows.flows().len(), 50, "none lost or duplicated");
    for id in &ids {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    }
    assert_eq!(lab.flows.gaps(), []);
}
