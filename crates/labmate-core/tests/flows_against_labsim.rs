//! Flows built from labsim's real wire answers by labmate's own pollers,
//! checked against labsim's ground-truth timeline.
//!
//! The simulator's core runs in-process (no I/O) and time is simulated. A
//! small loop does what the page's will: every 50 ms it lets the simulator
//! tick, asks each poller (`labmate_core::poll`) what it wants, signs the
//! planned call with labmate's signer, hands it to the simulator, gives the
//! answer back to the poller, observes what it returns into the flow board
//! and learns the clock from the `Date` header. Then every flow's state and
//! correlation ids are compared with what labsim's timeline says really
//! happened, and the requests sent are counted per service against AWS's
//! rates.

use std::collections::BTreeMap;

use labmate_core::clock::ClockOffset;
use labmate_core::config::LabConfig;
use labmate_core::credentials::Credentials;
use labmate_core::flow::{
    ApiAnswer, FlowState, Flows, GapCause, Hop, Observation, Origin, Stuck, TableCall, Waiting,
};
use labmate_core::guide::{check_all, LabFacts, Problem, Progress, Status, Step, StepCheck};
use labmate_core::poll::{
    Answer, DocumentWatch, LambdaWatch, LogTail, Next, Outcome, PlannedCall, Poller, PollerStatus,
    RetryCause, RoleWatch, StartAt, StreamReader,
};
use labmate_core::signing::{sign, SigningContext};
use labmate_core::Service;

use lab_model::timeline::{
    ChangeKind, HandlerOutcome, IndexResult, IndexWrite, InvocationResult, LambdaInvocation,
    Searchable, StreamRecord, TimelineEntry, TimelineEvent,
};
use labsim::faults::FaultSpec;
use labsim::lambda::{HandlerKind, FUNCTION_NAME, INDEX, LOG_GROUP};
use labsim::message::Request;
use labsim::{SimConfig, Simulator};
use serde_json::{json, Map, Value};

/// 2024-10-08T19:55:22Z.
const START: i64 = 1_728_417_322_000;
const REGION: &str = "ap-southeast-1";
const HOST: &str = "127.0.0.1:9100";
/// How often the page's loop wakes.
const TICK_MS: i64 = 50;
const HOUR: i64 = 3_600_000;

/// The page's pollers, in the order its loop asks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Which {
    Stream,
    Logs,
    Lambda,
    Role,
    Documents,
}

impl Which {
    const ALL: [Which; 5] = [
        Which::Stream,
        Which::Logs,
        Which::Lambda,
        Which::Role,
        Which::Documents,
    ];
}

/// One request sent, as the rate checks count it.
#[derive(Debug, Clone)]
struct Sent {
    /// AWS's time.
    at_ms: i64,
    service: Service,
    operation: &'static str,
    status: u16,
    /// The error's `__type`, when it failed.
    code: String,
    /// Sent for a poller (not a change labmate made).
    polled: bool,
    body: String,
}

/// The simulator, the page's clocks and credentials, its flow board and
/// its pollers.
struct Lab {
    sim: Simulator,
    /// The page's (local) clock; the simulator's may run ahead.
    now: i64,
    clock: ClockOffset,
    credentials: Credentials,
    flows: Flows,
    /// `None` while this page does not read the stream (another tab does,
    /// or the page is reloading).
    stream: Option<StreamReader>,
    logs: LogTail,
    lambda: LambdaWatch,
    role: RoleWatch,
    documents: DocumentWatch,
    sent: Vec<Sent>,
    /// Each poller's status whenever it changed, at AWS's time.
    statuses: Vec<(i64, Which, PollerStatus)>,
    last_check_ms: i64,
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
            clock: ClockOffset::default(),
            credentials: credentials(c),
            flows: Flows::new(),
            stream: Some(StreamReader::new(
                lab_model::names::TABLE,
                StartAt::TrimHorizon,
            )),
            logs: LogTail::new(LOG_GROUP, START - 60_000),
            lambda: LambdaWatch::new(FUNCTION_NAME),
            role: RoleWatch::new(lab_model::names::ROLE),
            documents: DocumentWatch::new(INDEX),
            sent: Vec::new(),
            statuses: Vec::new(),
            last_check_ms: START,
        }
    }

    /// The time the page signs and polls with: its clock plus what the
    /// `Date` headers taught it.
    fn aws_now(&self) -> i64 {
        self.clock.now_ms(self.now)
    }

    /// The simulator's own time.
    fn sim_now(&self) -> i64 {
        self.sim.clock(self.now)
    }

    fn poller(&mut self, which: Which) -> Option<&mut dyn Poller> {
        match which {
            Which::Stream => self.stream.as_mut().map(|s| s as &mut dyn Poller),
            Which::Logs => Some(&mut self.logs),
            Which::Lambda => Some(&mut self.lambda),
            Which::Role => Some(&mut self.role),
            Which::Documents => Some(&mut self.documents),
        }
    }

    /// Signs `call` with labmate's signer, as labsim receives it, and
    /// reads the answer as the page does.
    fn send(&mut self, call: &PlannedCall, polled: bool) -> Outcome {
        let request = call.to_http_request(&format!("http://{HOST}"));
        let ctx = SigningContext::for_service(
            &self.credentials,
            call.service,
            call.service.signing_region(REGION),
            self.aws_now(),
        );
        let signed = sign(&request, &ctx).expect("labmate signs it");
        let path_and_query = signed
            .url
            .strip_prefix(&format!("http://{HOST}"))
            .expect("the signed URL keeps the host");
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut req = Request::new(&signed.method, path)
            .with_query(query)
            .with_header("host", HOST)
            .with_body(signed.body.clone());
        for (name, value) in &signed.headers {
            req = req.with_header(name, value);
        }
        let sim_now = self.sim_now();
        let answer = self.sim.answer(call.service, &req, sim_now);
        let body = answer.response.body_text();
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["__type"].as_str().map(str::to_owned))
            .map(|t| t.rsplit('#').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        self.sent.push(Sent {
            at_ms: self.aws_now(),
            service: call.service,
            operation: call.operation,
            status: answer.response.status,
            code,
            polled,
            body: call.body.clone(),
        });
        if answer.drop {
            return Outcome::NoAnswer;
        }
        let date = answer.response.header("Date").map(str::to_owned);
        if let Some(learned) = date
            .as_deref()
            .and_then(|d| self.clock.learn_from_date(d, self.now))
        {
            self.clock = learned;
        }
        Outcome::Answered(Answer {
            status: answer.response.status,
            body,
            date,
        })
    }

    /// One pass of the page's loop: each poller due sends one call.
    fn step_pollers(&mut self) -> bool {
        let mut observed = false;
        for which in Which::ALL {
            match which {
                Which::Documents => self.documents.track(&self.flows),
                Which::Logs => self.logs.want(self.flows.first_change_ms()),
                Which::Role => {
                    if let Some(role) = self.flows.function().and_then(|f| f.role_name()) {
                        self.role.follow(role);
                    }
                }
                _ => {}
            }
            let now = self.aws_now();
            let Some(poller) = self.poller(which) else {
                continue;
            };
            if let Next::Call(call) = poller.next(now) {
                let outcome = self.send(&call, true);
                let now = self.aws_now();
                let seen = self
                    .poller(which)
                    .expect("still there")
                    .answered(outcome, now);
                observed |= !seen.is_empty();
                for observation in seen {
                    self.flows.observe(observation);
                }
            }
            self.note_status(which);
        }
        observed
    }

    fn note_status(&mut self, which: Which) {
        let now = self.aws_now();
        let Some(status) = self.poller(which).map(|p| p.status()) else {
            return;
        };
        let last = self.statuses.iter().rev().find(|(_, w, _)| *w == which);
        if last.is_none_or(|(_, _, s)| *s != status) {
            self.statuses.push((now, which, status));
        }
    }

    /// One more call of a poller that is not the page's (another tab's).
    fn drive(&mut self, poller: &mut dyn Poller) -> Vec<Observation> {
        let now = self.aws_now();
        match poller.next(now) {
            Next::Call(call) => {
                let outcome = self.send(&call, true);
                poller.answered(outcome, self.aws_now())
            }
            _ => Vec::new(),
        }
    }

    /// `ms` of the page's life: the simulator ticks, the pollers poll.
    fn run(&mut self, ms: i64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += TICK_MS;
            let sim_now = self.sim_now();
            self.sim.tick(sim_now);
            let observed = self.step_pollers();
            let now = self.aws_now();
            if observed || now - self.last_check_ms >= 1_000 {
                self.flows.check(now);
                self.last_check_ms = now;
            }
        }
        self.flows.check(self.aws_now());
    }

    /// `ms` with the page asleep (a background tab, a closed laptop lid):
    /// the lab goes on, nothing is polled.
    fn sleep(&mut self, ms: i64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += (end - self.now).min(250);
            let sim_now = self.sim_now();
            self.sim.tick(sim_now);
        }
    }

    /// `ms` at once with the page asleep: one tick of the simulator (a
    /// day in one step).
    fn jump(&mut self, ms: i64) {
        self.now += ms;
        let sim_now = self.sim_now();
        self.sim.tick(sim_now);
    }

    /// A JSON-protocol call labmate makes itself (a change, not a poll).
    fn json_call(
        &mut self,
        service: Service,
        operation: &'static str,
        body: Value,
    ) -> (u16, Value) {
        let target = if service == Service::Logs {
            "Logs_20140328"
        } else {
            "DynamoDB_20120810"
        };
        let call = PlannedCall {
            service,
            operation,
            method: "POST",
            path_and_query: "/".into(),
            headers: vec![
                ("content-type", "application/x-amz-json-1.0".into()),
                ("x-amz-target", format!("{target}.{operation}")),
            ],
            body: body.to_string(),
        };
        match self.send(&call, false) {
            Outcome::Answered(a) => (
                a.status,
                serde_json::from_str(&a.body).unwrap_or(Value::Null),
            ),
            Outcome::NoAnswer => panic!("no answer to {operation}"),
        }
    }

    /// POST /v1/lab as labmate sends it (its own UUID as the request id, if
    /// given); observed as labmate will read the answer.
    fn post(&mut self, name: &str, own_id: Option<&str>) -> Option<String> {
        self.post_after(100, name, own_id)
    }

    fn post_after(&mut self, ms: i64, name: &str, own_id: Option<&str>) -> Option<String> {
        self.now += ms;
        let sent: Map<String, Value> = json!({"name": name, "type": "cat"})
            .as_object()
            .cloned()
            .unwrap();
        let mut req =
            Request::new("POST", "/v1/lab").with_body(Value::Object(sent.clone()).to_string());
        if let Some(id) = own_id {
            req = req.with_header("x-amzn-RequestId", id);
        }
        let sim_now = self.sim_now();
        let res = self.sim.handle(Service::ApiGateway, &req, sim_now);
        let now = self.aws_now();
        let answer = ApiAnswer {
            sent_request_id: own_id.map(str::to_owned),
            request_id: res.header("x-amzn-RequestId").map(str::to_owned),
            sent_body: sent,
            status: Some(res.status),
            body: res.body_text(),
            sent_ms: now,
            answered_ms: now + 30,
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
        let sent_ms = self.aws_now();
        let (status, answer) = self.json_call(Service::DynamoDb, operation, body);
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
            "PutItem",
            json!({"TableName": "lab-table", "Item": item}),
        );
        assert_eq!(status, 200, "{answer}");
    }

    /// Changes the lab's setup through labsim's control endpoint (what the
    /// learner does in the console).
    fn setup(&mut self, body: Value) {
        self.now += 100;
        let req = Request::new("POST", "/_labsim/setup").with_body(body.to_string());
        let sim_now = self.sim_now();
        let res = self.sim.handle(Service::Sts, &req, sim_now);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    /// What the guide says of each step now, for the lab labsim simulates.
    fn guide(&self) -> BTreeMap<Step, StepCheck> {
        let config = LabConfig {
            region: REGION.into(),
            // labsim's OPENSEARCH_HOST when it serves no AOSS port of its own.
            collection_endpoint: "https://lab0collection0id.ap-southeast-1.aoss.amazonaws.com"
                .into(),
            ..LabConfig::default()
        };
        let facts = LabFacts {
            flows: &self.flows,
            config: &config,
            account: Some(labsim::identity::DEMO_ACCOUNT),
        };
        check_all(&facts).into_iter().map(|c| (c.step, c)).collect()
    }

    /// The ground truth so far.
    fn truth(&self) -> Vec<TimelineEntry> {
        let page = self.sim.timeline().page(0, 100_000);
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

    /// Requests a second the pollers sent to each service in
    /// `[from_ms, to_ms)` (AWS's time).
    fn rates(&self, from_ms: i64, to_ms: i64) -> BTreeMap<Service, f64> {
        let mut counts: BTreeMap<Service, f64> = BTreeMap::new();
        for s in self
            .sent
            .iter()
            .filter(|s| s.polled && (from_ms..to_ms).contains(&s.at_ms))
        {
            *counts.entry(s.service).or_default() += 1.0;
        }
        let seconds = (to_ms - from_ms) as f64 / 1000.0;
        counts.values_mut().for_each(|c| *c /= seconds);
        counts
    }

    /// The most requests the pollers sent to each service within any one
    /// second.
    fn peaks(&self) -> BTreeMap<Service, usize> {
        let mut peaks: BTreeMap<Service, usize> = BTreeMap::new();
        let polled: Vec<&Sent> = self.sent.iter().filter(|s| s.polled).collect();
        for (i, first) in polled.iter().enumerate() {
            let within = polled[i..]
                .iter()
                .take_while(|s| s.at_ms < first.at_ms + 1_000)
                .filter(|s| s.service == first.service)
                .count();
            let peak = peaks.entry(first.service).or_default();
            *peak = (*peak).max(within);
        }
        peaks
    }

    /// AWS's rates are never exceeded: one FilterLogEvents a second, two
    /// requests a second to any other service.
    fn assert_within_rates(&self) {
        for (service, peak) in self.peaks() {
            let limit = if service == Service::Logs { 1 } else { 2 };
            assert!(
                peak <= limit,
                "{peak} requests to {service} within one second"
            );
        }
    }

    /// Calls sent to `operation` answered with the error `code`.
    fn answered_with(&self, operation: &str, code: &str) -> usize {
        self.sent
            .iter()
            .filter(|s| s.operation == operation && s.code == code)
            .count()
    }

    /// When the pollers last called `service` (AWS's time).
    fn last_read(&self, service: Service) -> i64 {
        self.sent
            .iter()
            .rev()
            .find(|s| s.polled && s.service == service)
            .map_or(0, |s| s.at_ms)
    }

    fn status_of(&mut self, which: Which) -> PollerStatus {
        self.poller(which).expect("polling").status()
    }
}

fn credentials(c: &labsim::identity::Credentials) -> Credentials {
    Credentials {
        access_key_id: c.access_key_id.clone(),
        secret_access_key: c.secret_access_key.clone(),
        session_token: Some(c.session_token.clone()),
        expiration: None,
    }
}

/// Credentials of the learner whose identity policy allows everything but
/// `denied`.
fn allowed_all_but(sim: &mut Simulator, denied: &str, ttl_s: i64) -> labsim::identity::Credentials {
    let policy = labsim::iam::PolicyDocument::from_value(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": denied, "Resource": "*"}
        ]
    }))
    .unwrap();
    sim.mint_credentials_with_policy(START, ttl_s, policy)
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
    lab.run(1_000);
    let own = "0b7c5b3a-1f2e-4d5c-9a8b-7c6d5e4f3a2b";
    let id = lab.post("Ann", Some(own)).expect("the item's id");
    assert_eq!(id, own, "labmate's own request id became the item's id");
    // The log tail waits for the function's first run (FIRST_RUN_MS).
    lab.run(5_000);
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
    lab.run(1_000);
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
    // collection's refresh lag (counted from the write, made during the
    // Lambda's run) plus a poll of the Lambda stage.
    let latency = modify.stage(Hop::Collection).unwrap().latency_ms;
    let run_ms = modify.lambda.as_ref().unwrap().duration_ms.ceil() as i64;
    assert!(
        (10_000 - run_ms..=12_000).contains(&latency),
        "{latency} ({run_ms} ms run)"
    );
}

#[test]
fn a_record_that_crashes_the_handler_blocks_the_changes_behind_it() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.run(1_000);
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
    // One attempt per failed invocation the page has read: those whose
    // REPORT was searchable at the tail's last read (a crash is whole: no
    // line waits for another).
    let read_ms = lab.last_read(Service::Logs);
    let reported: Vec<&str> = truth
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::LogLine(l)
                if l.message.starts_with("REPORT") && l.ingestion_ms <= read_ms =>
            {
                l.request_id.as_deref()
            }
            _ => None,
        })
        .collect();
    let read = failed
        .iter()
        .filter(|i| reported.contains(&i.request_id.as_str()))
        .count();
    assert!(
        read >= 2 && read + 1 >= failed.len(),
        "{read} of {}",
        failed.len()
    );
    assert_eq!(
        *attempts as usize, read,
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
fn once_the_typed_handler_is_deployed_the_crashed_flow_and_the_one_behind_it_complete() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.run(1_000);
    // Made in the console: a number the shipped handler cannot read.
    lab.put_outside(
        json!({"id": {"S": "numbered"}, "name": {"S": "Has a number"},
        "type": {"S": "t"}, "count": {"N": "3"}}),
    );
    lab.run(2_000);
    let behind = lab.post("Behind", None).unwrap();
    // Long enough for the retries to back off to their cap.
    lab.run(40_000);
    assert!(matches!(
        lab.flow_of(ChangeKind::Insert, "numbered").state,
        FlowState::Stuck {
            reason: Stuck::HandlerCrashed { .. }
        }
    ));
    let waiting = lab.flow_of(ChangeKind::Insert, &behind);
    let FlowState::Stuck {
        reason: reason @ Stuck::BlockedBehind { blocking_item, .. },
    } = &waiting.state
    else {
        panic!("{waiting:#?}")
    };
    assert_eq!(blocking_item, "numbered");
    assert!(reason.fix().contains("deploy"));
    let failed = invocations(&lab.truth()).len();

    lab.setup(json!({"handler": "typed"}));
    let deployed = lab.sim_now();
    // The retry within a poll interval, the document after the refresh lag
    // (10 s), found by the next search.
    lab.run(15_000);
    let truth = lab.truth();
    let after = &invocations(&truth)[failed..];
    let retried = truth
        .iter()
        .find(|e| matches!(&e.event, TimelineEvent::LambdaInvocation(i) if i.request_id == after[0].request_id))
        .unwrap()
        .time_ms;
    assert!(retried - deployed <= 500, "{}", retried - deployed);
    assert!(after.iter().all(|i| i.result == InvocationResult::Ok));
    let numbered = lab.flow_of(ChangeKind::Insert, "numbered");
    assert_eq!(numbered.state, FlowState::Complete, "{numbered:#?}");
    assert_eq!(assert_same_hops(numbered, &truth), HandlerOutcome::Indexed);
    // Every attempt the page read, the last one the success.
    assert!(numbered.lambda.as_ref().unwrap().attempts >= 2);
    let document = numbered.document.as_ref().unwrap();
    assert_eq!(document.document_id.as_deref(), Some("numbered"));
    let source = document.source.as_ref().unwrap();
    assert_eq!(source["count"], json!(3));
    let compared = numbered.compare_document(source);
    assert!(compared.iter().all(|c| c.same), "{compared:#?}");
    assert!(compared
        .iter()
        .any(|c| c.attribute == "count" && c.item == json!(3)));
    let behind = lab.flow_of(ChangeKind::Insert, &behind);
    assert_eq!(behind.state, FlowState::Complete, "{behind:#?}");
    assert_eq!(assert_same_hops(behind, &truth), HandlerOutcome::Indexed);
    // In order: the record behind was handled after the blocked one.
    assert!(behind.stage(Hop::Lambda).unwrap().at_ms >= numbered.stage(Hop::Lambda).unwrap().at_ms);
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
    lab.run(1_000);
    let id = lab.post("Di", None).unwrap();
    lab.run(5_000);
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(
        flow.state,
        FlowState::NotObservable {
            hop: Hop::Lambda,
            permission: "logs:FilterLogEvents".into()
        }
    );
    assert_eq!(
        lab.flows.not_observable(Hop::Lambda).map(|n| n
            .refusal
            .split(':')
            .next()
            .unwrap_or_default()),
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
    lab.run(1_000);
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
    lab.sleep(6_000);
    lab.setup(json!({"stream": "KEYS_ONLY"}));
    lab.sleep(6_000);
    lab.run(2_000);
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
fn a_burst_of_a_thousand_changes_ends_with_a_thousand_complete_flows() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    let started = std::time::Instant::now();
    let from = lab.aws_now();
    let ids: Vec<String> = (0..1_000)
        .map(|i| lab.post_after(1, &format!("item{i}"), None).unwrap())
        .collect();
    let mut complete_after = None;
    for second in 1..=120 {
        lab.run(1_000);
        let done = lab.flows.flows().iter().filter(|f| f.is_complete()).count();
        if done == ids.len() {
            complete_after = Some(second);
            break;
        }
    }
    let truth = lab.truth();
    let records: BTreeMap<String, StreamRecord> = records(&truth)
        .into_iter()
        .map(|r| (r.event_id.clone(), r))
        .collect();
    assert_eq!(records.len(), 1_000);
    assert_eq!(lab.flows.flows().len(), 1_000, "none lost or duplicated");
    for id in &ids {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        if flow.state != FlowState::Complete {
            let ev = &flow.stream.as_ref().unwrap().event_id;
            for e in &truth {
                match &e.event {
                    TimelineEvent::LambdaInvocation(i)
                        if i.records.iter().any(|r| &r.event_id == ev) =>
                    {
                        eprintln!(
                            "{} inv {} {} {:?} n={}",
                            e.time_ms - START,
                            i.request_id,
                            i.log_stream,
                            i.result,
                            i.records.len()
                        )
                    }
                    TimelineEvent::LogLine(l)
                        if l.message.starts_with("START")
                            || l.message.starts_with("REPORT")
                            || l.message.starts_with("END") =>
                    {
                        eprintln!(
                            "{} {} {}",
                            e.time_ms - START,
                            l.log_stream,
                            &l.message[..40.min(l.message.len())]
                        )
                    }
                    _ => {}
                }
            }
            for s in lab.sent.iter().filter(|s| s.service == Service::Logs) {
                eprintln!("{} {} {}", s.at_ms - START, s.status, s.code);
            }
            eprintln!(
                "{:#?}",
                flow.lambda.as_ref().map(|l| (&l.request_id, &l.outcome))
            );
        }
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        // The flow's stream record is the timeline's (the full check,
        // timeline scan and all, on a sample below).
        let stream = flow.stream.as_ref().unwrap();
        let record = &records[&stream.event_id];
        assert_eq!(record.key_id.as_ref(), Some(id));
        assert_eq!(
            stream.sequence_number.as_ref(),
            Some(&record.sequence_number)
        );
        assert!(!stream.from_lambda_log);
    }
    for id in ids.iter().step_by(97) {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    }
    assert_eq!(lab.flows.gaps(), []);
    lab.assert_within_rates();
    let to = lab.aws_now();
    let rates = lab.rates(from, to);
    let calls = |service| {
        lab.sent
            .iter()
            .filter(|s| s.polled && s.service == service && (from..to).contains(&s.at_ms))
            .count()
    };
    println!(
        "burst: 1,000 changes -> {} complete flows {} s after the burst ({} ms to simulate); requests meanwhile: streams {}, logs {}, aoss {}, lambda {}, dynamodb {} ({:.2}/s to streams, {:.2}/s to logs)",
        lab.flows.flows().iter().filter(|f| f.is_complete()).count(),
        complete_after.map_or("more than 120".to_owned(), |s| s.to_string()),
        started.elapsed().as_millis(),
        calls(Service::Streams),
        calls(Service::Logs),
        calls(Service::Aoss),
        calls(Service::Lambda),
        calls(Service::DynamoDb),
        rates.get(&Service::Streams).copied().unwrap_or_default(),
        rates.get(&Service::Logs).copied().unwrap_or_default(),
    );
    // A thousand waiting flows cost one search a second, not a thousand.
    assert!(calls(Service::Aoss) as i64 <= (to - from) / 1_000 + 1);
}

#[test]
fn steady_state_requests_stay_within_aws_rates() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    let id = lab.post("Ann", None).unwrap();
    lab.run(15_000);
    assert!(lab.flow_of(ChangeKind::Insert, &id).is_complete());
    let from = lab.aws_now();
    lab.run(60_000);
    let rates = lab.rates(from, lab.aws_now());
    let rate = |service| rates.get(&service).copied().unwrap_or_default();
    println!(
        "steady state, requests/s over 60 s: streams {:.2}, dynamodb {:.2}, logs {:.2}, lambda {:.2}, aoss {:.2}; peaks in any second: {:?}",
        rate(Service::Streams),
        rate(Service::DynamoDb),
        rate(Service::Logs),
        rate(Service::Lambda),
        rate(Service::Aoss),
        lab.peaks()
    );
    assert!(rate(Service::Logs) <= 1.0);
    for service in [
        Service::Streams,
        Service::DynamoDb,
        Service::Lambda,
        Service::Aoss,
    ] {
        assert!(rate(service) <= 2.0, "{service}: {}", rate(service));
    }
    // Each poller does poll: the stream and the log every second, the
    // trigger, the function (listed, then read) every 10 s, the role's two
    // policies every 30 s, the collection not at all (nothing waits for a
    // document).
    assert!((0.9..=1.0).contains(&rate(Service::Streams)));
    assert!((0.9..=1.0).contains(&rate(Service::Logs)));
    assert!((0.25..=0.35).contains(&rate(Service::Lambda)));
    assert!((0.05..=0.15).contains(&rate(Service::Iam)));
    assert_eq!(rate(Service::Aoss), 0.0);
    lab.assert_within_rates();
}

#[test]
fn an_iterator_that_expired_while_the_page_slept_is_renewed_after_the_last_record_read() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    let first = lab.post("Ann", None).unwrap();
    lab.run(14_000);
    let last_read = lab
        .flow_of(ChangeKind::Insert, &first)
        .stream
        .as_ref()
        .unwrap()
        .sequence_number
        .clone()
        .unwrap();
    // The laptop lid closes for 16 minutes; a change is made meanwhile.
    lab.sleep(1_000);
    let second = lab.post("Bea", None).unwrap();
    lab.sleep(16 * 60_000);
    let woke = lab.aws_now();
    lab.run(15_000);
    assert_eq!(
        lab.answered_with("GetRecords", "ExpiredIteratorException"),
        1
    );
    let renewed: Vec<Value> = lab
        .sent
        .iter()
        .filter(|s| s.operation == "GetShardIterator" && s.at_ms >= woke)
        .map(|s| serde_json::from_str(&s.body).unwrap())
        .collect();
    assert_eq!(renewed.len(), 1, "{renewed:?}");
    assert_eq!(renewed[0]["ShardIteratorType"], "AFTER_SEQUENCE_NUMBER");
    assert_eq!(renewed[0]["SequenceNumber"], json!(last_read));
    let truth = lab.truth();
    for id in [&first, &second] {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    }
    assert_eq!(lab.flows.flows().len(), 2);
    assert_eq!(lab.flows.gaps(), [], "nothing skipped");
}

#[test]
fn a_shard_rolled_over_is_read_to_its_end_then_its_child_from_its_start() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    let before = lab.post("Ann", None).unwrap();
    let sim_now = lab.sim_now();
    // What `POST /_labsim/stream/roll-over` does.
    let rolled = lab.sim.roll_over_stream(sim_now).expect("the stream is on");
    let after = lab.post("Bea", None).unwrap();
    lab.run(15_000);
    let truth = lab.truth();
    for (id, shard) in [
        (&before, &rolled.parent_shard_id),
        (&after, &rolled.shard_id),
    ] {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
        assert_eq!(flow.stream.as_ref().unwrap().shard_id.as_ref(), Some(shard));
    }
    let reader = lab.stream.as_ref().unwrap();
    let shards: Vec<&str> = reader.positions().iter().map(|(id, _)| *id).collect();
    assert_eq!(
        shards,
        [rolled.parent_shard_id.as_str(), rolled.shard_id.as_str()]
    );
    // The child was read from its start.
    let child_iterator: Value = lab
        .sent
        .iter()
        .filter(|s| s.operation == "GetShardIterator")
        .map(|s| serde_json::from_str::<Value>(&s.body).unwrap())
        .find(|b| b["ShardId"] == json!(rolled.shard_id))
        .unwrap();
    assert_eq!(child_iterator["ShardIteratorType"], "TRIM_HORIZON");
    assert_eq!(lab.flows.gaps(), []);
}

#[test]
fn a_logs_throttling_burst_backs_off_then_recovers() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    lab.sim
        .add_fault(FaultSpec {
            service: "logs".into(),
            operation: Some("FilterLogEvents".into()),
            times: Some(3),
            throttle: Some(json!(true)),
            ..FaultSpec::default()
        })
        .unwrap();
    let id = lab.post("Ann", None).unwrap();
    lab.run(30_000);
    // The log tail said why it waited, each time twice as long.
    let waits: Vec<(i64, String)> = lab
        .statuses
        .iter()
        .filter_map(|(at, which, status)| match (which, status) {
            (
                Which::Logs,
                PollerStatus::Retrying {
                    cause: RetryCause::Throttled,
                    retry_at_ms,
                    ..
                },
            ) => Some((retry_at_ms - at, status.describe(*at))),
            _ => None,
        })
        .collect();
    assert_eq!(
        waits,
        [
            (2_000, "throttled, retrying in 2 s".to_owned()),
            (4_000, "throttled, retrying in 4 s".to_owned()),
            (8_000, "throttled, retrying in 8 s".to_owned())
        ]
    );
    // It sent nothing while it waited.
    let filters: Vec<i64> = lab
        .sent
        .iter()
        .filter(|s| s.operation == "FilterLogEvents")
        .map(|s| s.at_ms)
        .collect();
    let throttled_at: Vec<usize> = lab
        .sent
        .iter()
        .filter(|s| s.operation == "FilterLogEvents")
        .enumerate()
        .filter(|(_, s)| s.code == "ThrottlingException")
        .map(|(i, _)| i)
        .collect();
    let gaps: Vec<i64> = throttled_at
        .iter()
        .map(|&i| filters[i + 1] - filters[i])
        .collect();
    assert_eq!(gaps, [2_000, 4_000, 8_000]);
    assert_eq!(lab.status_of(Which::Logs), PollerStatus::Reading);
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    lab.assert_within_rates();
}

#[test]
fn a_refused_hop_is_not_observable_naming_the_permission_until_access_works() {
    let mut config = SimConfig::new(11);
    config.lambda.handler = HandlerKind::Fixed;
    let mut sim = Simulator::new(config, START);
    let denied = allowed_all_but(&mut sim, "dynamodb:GetRecords", 43_200);
    let full = sim.identity().demo_credentials().clone();
    let mut lab = Lab::with_credentials(sim, &denied);
    lab.run(2_000);
    let PollerStatus::NotObservable {
        permission,
        refusal,
        ..
    } = lab.status_of(Which::Stream)
    else {
        panic!("{:?}", lab.status_of(Which::Stream))
    };
    assert_eq!(permission, "dynamodb:GetRecords");
    assert!(
        refusal.starts_with("AccessDeniedException: User: ")
            && refusal.contains("is not authorized to perform: dynamodb:GetRecords"),
        "{refusal}"
    );
    let now = lab.aws_now();
    assert_eq!(
        lab.status_of(Which::Stream).describe(now),
        "not observable: needs dynamodb:GetRecords"
    );
    let id = lab.post("Ann", None).unwrap();
    lab.flows.check(lab.aws_now());
    assert_eq!(
        lab.flow_of(ChangeKind::Insert, &id).state,
        FlowState::NotObservable {
            hop: Hop::Stream,
            permission: "dynamodb:GetRecords".into()
        }
    );
    // Refused, the reader slows right down: one try in 30 s.
    let from = lab.aws_now();
    lab.run(14_000);
    let tries = lab
        .sent
        .iter()
        .filter(|s| s.service == Service::Streams && s.at_ms >= from)
        .count();
    assert!(tries <= 1, "{tries} Streams calls in 14 s");
    // The Lambda's log and the document still show the change go through.
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert!(flow.stream.as_ref().unwrap().from_lambda_log);
    // Fresh credentials pasted: the reader asks at once and the hop is seen.
    lab.credentials = credentials(&full);
    lab.stream.as_mut().unwrap().wake();
    lab.run(3_000);
    assert_eq!(lab.status_of(Which::Stream), PollerStatus::Reading);
    assert_eq!(lab.flows.not_observable(Hop::Stream), None);
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert!(!flow.stream.as_ref().unwrap().from_lambda_log);
    assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);

    // The collection's data access policy leaves the learner out.
    lab.sim
        .add_fault(FaultSpec {
            service: "aoss".into(),
            data_access_deny: Some(true),
            ..FaultSpec::default()
        })
        .unwrap();
    let second = lab.post("Bea", None).unwrap();
    lab.run(4_000);
    assert_eq!(
        lab.flow_of(ChangeKind::Insert, &second).state,
        FlowState::NotObservable {
            hop: Hop::Collection,
            permission: "aoss:APIAccessAll".into()
        }
    );
    let now = lab.aws_now();
    assert_eq!(
        lab.status_of(Which::Documents).describe(now),
        "not observable: needs aoss:APIAccessAll"
    );
    // Let in again: within the 30 s retry, the document is found.
    lab.sim.clear_faults();
    lab.run(31_000);
    let flow = lab.flow_of(ChangeKind::Insert, &second);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert_eq!(lab.flows.not_observable(Hop::Collection), None);
    assert_eq!(lab.flows.refusals().count(), 0);
}

#[test]
fn a_refused_trigger_read_is_named_and_hides_no_hop() {
    let mut config = SimConfig::new(11);
    config.lambda.handler = HandlerKind::Fixed;
    let mut sim = Simulator::new(config, START);
    let denied = allowed_all_but(&mut sim, "lambda:ListEventSourceMappings", 43_200);
    let mut lab = Lab::with_credentials(sim, &denied);
    lab.run(1_000);
    let id = lab.post("Ann", None).unwrap();
    lab.run(14_000);
    let now = lab.aws_now();
    assert_eq!(
        lab.status_of(Which::Lambda).describe(now),
        "not observable: needs lambda:ListEventSourceMappings"
    );
    let refused: Vec<(Hop, &str)> = lab
        .flows
        .refusals()
        .map(|n| (n.hop, n.permission.as_str()))
        .collect();
    assert_eq!(refused, [(Hop::Lambda, "lambda:ListEventSourceMappings")]);
    assert_eq!(lab.flows.not_observable(Hop::Lambda), None);
    assert!(lab.flow_of(ChangeKind::Insert, &id).is_complete());
}

#[test]
fn a_position_trimmed_while_the_page_was_away_restarts_at_the_trim_horizon_and_the_gap_is_kept() {
    let mut config = SimConfig::new(11);
    config.lambda.handler = HandlerKind::Fixed;
    let mut sim = Simulator::new(config, START);
    // Credentials that outlive the day away.
    let creds = sim.mint_credentials(START, 129_600);
    let mut lab = Lab::with_credentials(sim, &creds);
    lab.run(1_000);
    let first = lab.post("Ann", None).unwrap();
    lab.run(14_000);
    let shard = lab
        .flow_of(ChangeKind::Insert, &first)
        .stream
        .clone()
        .unwrap();
    // Away for a day: a change made just after leaving is trimmed from
    // the stream before the reader could read it.
    lab.sleep(1_000);
    let second = lab.post("Bea", None).unwrap();
    lab.sleep(15_000);
    lab.jump(25 * HOUR);
    lab.run(20_000);
    assert_eq!(
        lab.answered_with("GetShardIterator", "TrimmedDataAccessException"),
        1
    );
    let gaps = lab.flows.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].cause, GapCause::Trimmed);
    assert_eq!(gaps[0].shard_id, shard.shard_id);
    assert_eq!(
        gaps[0].after, shard.sequence_number,
        "after the last record read"
    );
    // The trimmed change is still followed: the Lambda's log printed it.
    let flow = lab.flow_of(ChangeKind::Insert, &second);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert!(flow.stream.as_ref().unwrap().from_lambda_log);
    assert_eq!(lab.flows.flows().len(), 2);
    // And the reader reads on, in the shards opened meanwhile.
    let third = lab.post("Cy", None).unwrap();
    lab.run(15_000);
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &third);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    assert_eq!(lab.flows.gaps().len(), 1);
}

/// What the page saves after every answer: the stream reader's and the
/// log tail's positions, and the board. The trigger and document watches
/// start afresh after a reload.
struct Saved {
    stream: String,
    logs: String,
    flows: String,
}

#[test]
fn a_reloaded_page_resumes_from_its_saved_pollers_losing_and_duplicating_nothing() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(1_000);
    let mut ids: Vec<String> = (0..3)
        .map(|i| lab.post(&format!("sent{i}"), None).unwrap())
        .collect();
    lab.run(2_500);
    assert!(
        lab.flows.flows().iter().all(|f| !f.is_complete()),
        "saved mid-flow"
    );
    let saved = Saved {
        stream: serde_json::to_string(lab.stream.as_ref().unwrap()).unwrap(),
        logs: serde_json::to_string(&lab.logs).unwrap(),
        flows: lab.flows.export(),
    };
    for text in [&saved.stream, &saved.logs, &saved.flows] {
        assert!(!text.contains(&lab.credentials.secret_access_key));
        assert!(!text.contains(lab.credentials.session_token.as_deref().unwrap()));
    }
    // The page reloads: its pollers are gone; changes made in the console
    // meanwhile are not announced to it.
    lab.stream = None;
    lab.logs = LogTail::new("/nowhere", 0);
    lab.lambda = LambdaWatch::new("nothing");
    lab.documents = DocumentWatch::new("nothing");
    lab.flows = Flows::new();
    for i in 0..3 {
        let id = format!("console{i}");
        lab.put_outside(
            json!({"id": {"S": id}, "name": {"S": format!("c{i}")}, "type": {"S": "cat"}}),
        );
        ids.push(id);
        lab.sleep(500);
    }
    lab.stream = Some(serde_json::from_str(&saved.stream).unwrap());
    lab.logs = serde_json::from_str(&saved.logs).unwrap();
    lab.lambda = LambdaWatch::new(FUNCTION_NAME);
    lab.documents = DocumentWatch::new(INDEX);
    lab.flows = Flows::import(&saved.flows).unwrap();
    let reloaded = lab.aws_now();
    lab.run(15_000);
    // The reader went on along its saved iterator: no new one was taken.
    assert!(!lab
        .sent
        .iter()
        .any(|s| s.operation == "GetShardIterator" && s.at_ms >= reloaded));
    let truth = lab.truth();
    assert_eq!(lab.flows.flows().len(), 6, "none lost or duplicated");
    for id in &ids {
        let flow = lab.flow_of(ChangeKind::Insert, id);
        assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
        assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    }
    assert_eq!(lab.flows.gaps(), []);
}

#[test]
fn a_second_tab_reading_on_its_own_is_a_third_reader_and_takes_over_from_the_saved_reader() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.run(2_000);
    // Another tab reads the stream itself: with the trigger and this tab,
    // the shard has its two readers.
    let mut other = StreamReader::new(lab_model::names::TABLE, StartAt::TrimHorizon);
    for _ in 0..60 {
        lab.run(TICK_MS);
        lab.drive(&mut other);
    }
    assert!(lab.answered_with("GetRecords", "LimitExceededException") >= 1);
    let status = other.status();
    assert!(
        matches!(
            status,
            PollerStatus::Retrying {
                cause: RetryCause::TooManyReaders,
                ..
            }
        ),
        "{status:?}"
    );
    assert!(status.describe(lab.aws_now()).contains("two readers"));
    // The first tab closes and hands its reader over (the election): the
    // other tab goes on from the saved state, as the same reader.
    let saved = serde_json::to_string(&lab.stream.take().unwrap()).unwrap();
    let id = lab.post("Ann", None).unwrap();
    lab.stream = Some(serde_json::from_str(&saved).unwrap());
    let refused = lab.answered_with("GetRecords", "LimitExceededException");
    lab.run(15_000);
    assert_eq!(
        lab.answered_with("GetRecords", "LimitExceededException"),
        refused,
        "taken over without a refusal"
    );
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
}

#[test]
fn a_page_clock_seven_minutes_slow_learns_aws_time_from_the_date_header() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.sim.advance_clock(7 * 60_000);
    lab.run(3_000);
    // The first answers refused the signature and taught the clock.
    assert!(lab
        .sent
        .iter()
        .any(|s| s.code == "InvalidSignatureException"));
    let learned = lab.clock.offset_ms;
    assert!((learned - 7 * 60_000).abs() <= 1_000, "{learned}");
    let id = lab.post("Ann", None).unwrap();
    lab.run(14_000);
    assert_eq!(lab.clock.offset_ms, learned, "learned once");
    let truth = lab.truth();
    let flow = lab.flow_of(ChangeKind::Insert, &id);
    assert_eq!(flow.state, FlowState::Complete, "{flow:#?}");
    assert_eq!(assert_same_hops(flow, &truth), HandlerOutcome::Indexed);
    for which in Which::ALL {
        let status = lab.status_of(which);
        assert!(!status.is_trouble(), "{which:?}: {status:?}");
    }
}

/// The guide's status of each step, for messages.
fn statuses(guide: &BTreeMap<Step, StepCheck>) -> Vec<(Step, &'static str)> {
    guide.values().map(|c| (c.step, c.status.key())).collect()
}

/// A lab built up to chapter 4.1: the table, API and collection exist;
/// nothing of the chapter is done.
fn half_built() -> Lab {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.setup(json!({"trigger_exists": false}));
    lab.sleep(6_000);
    lab.setup(json!({"function_exists": false, "stream": "off", "stream_policy": "missing"}));
    lab.sleep(6_000);
    lab.run(12_000);
    lab
}

#[test]
fn the_guide_names_each_missing_step_of_a_half_built_lab() {
    let lab = half_built();
    let guide = lab.guide();
    assert_eq!(
        guide[&Step::Function].problems,
        [Problem::FunctionMissing {
            name: FUNCTION_NAME.into()
        }]
    );
    assert_eq!(guide[&Step::Stream].problems, [Problem::StreamOff]);
    assert_eq!(
        guide[&Step::StreamPolicy].problems,
        [Problem::PolicyMissing {
            role: "lambda-lab-role".into(),
            policy: "dynamodb-stream-data".into()
        }]
    );
    assert_eq!(
        guide[&Step::AossPolicy].status,
        Status::Passed,
        "read through IAM"
    );
    assert_eq!(guide[&Step::Trigger].problems, [Problem::TriggerMissing]);
    for step in [
        Step::Environment,
        Step::TestPost,
        Step::Verify,
        Step::Explore,
    ] {
        assert_eq!(guide[&step].status, Status::Waiting, "{step:?}");
    }
}

/// Walks the chapter from [`half_built`] doing `order`'s steps (labsim's
/// setup, as the learner's console work), checking that each step the
/// guide passes is one done, then the flow steps; returns the lab.
fn walk(order: &[(&str, Value)]) -> Lab {
    let mut lab = half_built();
    let mut progress = Progress::new();
    progress.update(
        &lab.guide().into_values().collect::<Vec<_>>(),
        lab.aws_now(),
    );
    for (what, setup) in order {
        lab.setup(setup.clone());
        lab.run(12_000);
        let guide = lab.guide();
        let regressed =
            progress.update(&guide.values().cloned().collect::<Vec<_>>(), lab.aws_now());
        assert_eq!(regressed, [], "after {what}: {:?}", statuses(&guide));
    }
    let guide = lab.guide();
    for step in &Step::ALL[..6] {
        assert_eq!(
            guide[step].status,
            Status::Passed,
            "{step:?}: {:#?}",
            guide[step]
        );
    }
    // The chapter's test item, then what the shipped Lambda does.
    let id = lab.post("Test DynamoDB Stream Pipeline", None).unwrap();
    lab.run(20_000);
    let guide = lab.guide();
    assert_eq!(guide[&Step::TestPost].status, Status::Passed);
    assert_eq!(
        guide[&Step::Verify].status,
        Status::Passed,
        "{:#?}",
        guide[&Step::Verify]
    );
    lab.change(ChangeKind::Modify, &id, "changed");
    lab.run(15_000);
    lab.change(ChangeKind::Remove, &id, "");
    lab.run(15_000);
    let explore = &lab.guide()[&Step::Explore];
    assert_eq!(explore.status, Status::Failed);
    assert!(
        matches!(
            &explore.problems[..],
            [
                Problem::FlowStuck {
                    reason: Stuck::ShippedHandlerCannotUpdate { .. },
                    ..
                },
                Problem::FlowStuck {
                    reason: Stuck::ShippedHandlerCannotRemove { .. },
                    ..
                },
            ]
        ),
        "{explore:#?}"
    );
    // The fix: the fixed code, then a change of each kind again.
    lab.setup(json!({"handler": "fixed"}));
    let id = lab.post("After the fix", None).unwrap();
    lab.run(20_000);
    lab.change(ChangeKind::Modify, &id, "changed");
    lab.run(15_000);
    lab.change(ChangeKind::Remove, &id, "");
    lab.run(15_000);
    let guide = lab.guide();
    assert_eq!(
        guide[&Step::Explore].status,
        Status::Passed,
        "{:#?}",
        guide[&Step::Explore]
    );
    assert_eq!(
        progress.update(&guide.into_values().collect::<Vec<_>>(), lab.aws_now()),
        []
    );
    assert_eq!(progress.passed(), 9);

    // A regression: the trigger disabled again.
    lab.setup(json!({"trigger_enabled": false}));
    lab.run(12_000);
    let guide = lab.guide();
    assert_eq!(
        guide[&Step::Trigger].problems,
        [Problem::TriggerNotEnabled {
            state: "Disabled".into()
        }]
    );
    assert_eq!(
        progress.update(&guide.into_values().collect::<Vec<_>>(), lab.aws_now()),
        [Step::Trigger]
    );
    lab
}

#[test]
fn the_guide_walks_the_chapter_in_its_order() {
    walk(&[
        ("the function", json!({"function_exists": true})),
        ("the stream", json!({"stream": "NEW_IMAGE"})),
        ("the stream policy", json!({"stream_policy": "present"})),
        ("the trigger", json!({"trigger_exists": true})),
        ("the variables", json!({"env_vars_set": true})),
    ]);
}

#[test]
fn the_guide_walks_the_chapter_in_another_order() {
    walk(&[
        ("the stream policy", json!({"stream_policy": "present"})),
        ("the stream", json!({"stream": "NEW_AND_OLD_IMAGES"})),
        ("the function", json!({"function_exists": true})),
        ("the variables", json!({"env_vars_set": true})),
        ("the trigger", json!({"trigger_exists": true})),
    ]);
}
