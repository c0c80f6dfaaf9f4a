//! The flow state machine, one behaviour per test, from observations as
//! the pollers hand them over (the end-to-end checks against labsim are in
//! `tests/flows_against_labsim.rs`).

use serde_json::json;

use super::*;

const T: i64 = 1_728_417_322_000;
const SHARD: &str = "shardId-00000001728417322000-0000abcd";

fn body(name: &str) -> Map<String, Value> {
    json!({"name": name, "type": "cat"})
        .as_object()
        .cloned()
        .unwrap()
}

fn api(request_id: Option<&str>, name: &str, status: u16, answer: &str, at: i64) -> Observation {
    Observation::ApiAnswer(ApiAnswer {
        sent_request_id: None,
        request_id: request_id.map(str::to_owned),
        sent_body: body(name),
        status: Some(status),
        body: answer.into(),
        sent_ms: at,
        answered_ms: at + 40,
    })
}

fn record(
    event_id: &str,
    change: ChangeKind,
    id: &str,
    name: &str,
    seq: &str,
    at: i64,
) -> StreamRecordSeen {
    let image = Image::from_iter([
        ("id".to_owned(), json!({"S": id})),
        ("name".to_owned(), json!({"S": name})),
        ("type".to_owned(), json!({"S": "cat"})),
    ]);
    StreamRecordSeen {
        event_id: event_id.into(),
        change,
        sequence_number: seq.into(),
        created_ms: at / 1000 * 1000,
        keys: Image::from_iter([("id".to_owned(), json!({"S": id}))]),
        new_image: (change != ChangeKind::Remove).then_some(image),
        view_type: Some("NEW_IMAGE".into()),
    }
}

fn page(read_from: ReadFrom, records: Vec<StreamRecordSeen>, at: i64) -> Observation {
    Observation::StreamPage(StreamPage {
        shard_id: SHARD.into(),
        read_from,
        records,
        seen_ms: at,
    })
}

/// The log of one invocation: START, the printed event, the handler's
/// lines, then END and REPORT.
fn invocation(
    request_id: &str,
    records: &[(&str, &str, &str, &str)],
    lines: &[&str],
    at: i64,
) -> Observation {
    let printed: Vec<String> = records
        .iter()
        .map(|(event_id, name, id, seq)| {
            format!("{{'eventID': '{event_id}', 'eventName': '{name}', 'dynamodb': {{'Keys': {{'id': {{'S': '{id}'}}}}, 'SequenceNumber': '{seq}'}}}}")
        })
        .collect();
    let mut messages = vec![
        format!("START RequestId: {request_id} Version: $LATEST\n"),
        format!("{{'Records': [{}]}}\n", printed.join(", ")),
    ];
    messages.extend(lines.iter().map(|l| format!("{l}\n")));
    messages.push(format!("END RequestId: {request_id}\n"));
    messages.push(format!(
        "REPORT RequestId: {request_id}\tDuration: 20.50 ms\tBilled Duration: 21 ms\t\n"
    ));
    Observation::LogEvents(LogEvents {
        events: messages
            .into_iter()
            .enumerate()
            .map(|(i, message)| LogEvent {
                event_id: format!("{request_id}-{i}"),
                timestamp: at + i as i64,
                log_stream: "2024/10/08/[$LATEST]abc".into(),
                message,
            })
            .collect(),
        seen_ms: at + 500,
    })
}

fn search(id: &str, hits: Vec<(&str, &str)>, at: i64) -> Observation {
    Observation::DocumentSearch(DocumentSearch {
        item_id: id.into(),
        index: "dynamodb_replicate".into(),
        hits: hits
            .into_iter()
            .map(|(doc, name)| DocumentHit {
                id: doc.into(),
                source: json!({"id": id, "name": name, "type": "cat"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            })
            .collect(),
        seen_ms: at,
    })
}

fn trigger(state: Option<&str>, result: &str) -> Observation {
    Observation::Trigger(TriggerSeen {
        state: state.map(str::to_owned),
        last_processing_result: Some(result.into()),
        event_source_arn: None,
        mappings: usize::from(state.is_some()),
        seen_ms: T,
    })
}

fn reason(flows: &Flows, i: usize) -> Stuck {
    match &flows.flows()[i].state {
        FlowState::Stuck { reason } => reason.clone(),
        other => panic!("not stuck: {other:?}"),
    }
}

/// Every flow is past the Lambda, waiting for its document.
fn assert_all_waiting_for_the_document(flows: &Flows) {
    for flow in flows.flows() {
        assert!(
            matches!(
                flow.state,
                FlowState::InProgress {
                    next: Hop::Collection,
                    ..
                }
            ),
            "{:?}",
            flow.state
        );
    }
}

/// One INSERT of `k` through to the Lambda's success.
fn inserted(flows: &mut Flows) {
    flows.observe(api(Some("k"), "Ann", 200, "{}", T));
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T + 100)],
        T + 600,
    ));
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {'id': 'k'}"],
        T + 900,
    ));
}

#[test]
fn an_insert_moves_hop_by_hop_to_complete_with_each_stage_timed() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.check(T + 1_000);
    let flow = &flows.flows()[0];
    assert_eq!(
        flow.state,
        FlowState::InProgress {
            next: Hop::Collection,
            waiting: Some(Waiting::Refresh { since_ms: T + 904 })
        }
    );
    flows.observe(search("k", vec![], T + 5_000));
    flows.check(T + 5_000);
    assert!(!flows.flows()[0].is_complete(), "not searchable yet");
    flows.observe(search("k", vec![("rnd", "Ann")], T + 12_000));
    flows.check(T + 12_000);
    let flow = &flows.flows()[0];
    assert!(flow.is_complete());
    let stages: Vec<(Hop, i64)> = flow.stages.iter().map(|s| (s.hop, s.latency_ms)).collect();
    // The stream's time is whole seconds: never before the write.
    assert_eq!(
        stages,
        [
            (Hop::Api, 40),
            (Hop::Table, 0),
            (Hop::Stream, 0),
            (Hop::Lambda, 864),
            (Hop::Collection, 11_096)
        ]
    );
    assert_eq!(flow.lambda.as_ref().unwrap().lines.len(), 5);
    assert_eq!(flow.lambda.as_ref().unwrap().billed_ms, 21);
}

#[test]
fn a_change_nobody_announced_becomes_an_outside_flow() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e9", ChangeKind::Modify, "x", "Zed", "500", T)],
        T + 500,
    ));
    flows.check(T + 500);
    let flow = &flows.flows()[0];
    assert_eq!(
        (
            flow.origin,
            flow.change,
            flow.item_id.as_deref(),
            flow.name.as_deref()
        ),
        (Origin::Outside, ChangeKind::Modify, Some("x"), Some("Zed"))
    );
    assert_eq!(
        flow.state,
        FlowState::InProgress {
            next: Hop::Lambda,
            waiting: None
        }
    );
}

/// The stream read (record written at `written_at`) before the answer to
/// the send labmate dated `sent_at` was handled.
fn record_then_answer(written_at: i64, sent_at: i64) -> Flows {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record(
            "e1",
            ChangeKind::Insert,
            "k",
            "Ann",
            "100",
            written_at,
        )],
        written_at + 100,
    ));
    flows.observe(api(Some("k"), "Ann", 200, "{}", sent_at));
    flows
}

#[test]
fn an_answer_handled_after_its_stream_record_joins_that_flow() {
    let flows = record_then_answer(T + 1_000, T + 900);
    assert_eq!(flows.flows().len(), 1);
    let flow = &flows.flows()[0];
    assert_eq!(flow.origin, Origin::RequestId);
    let hops: Vec<Hop> = flow.stages.iter().map(|s| s.hop).collect();
    assert_eq!(hops, [Hop::Api, Hop::Table, Hop::Stream]);
}

#[test]
fn an_answer_handled_late_joins_its_record_when_the_signing_clock_was_learned_from_aws() {
    // The worst case the two precisions allow: AWS wrote the item at
    // T + 1_999 (its record says T + 1_000, whole seconds), and labmate's
    // clock, learned from a skew message (whole seconds, taken to be the
    // middle), dated the send half a second after the true T + 1_900.
    let flows = record_then_answer(T + 1_999, T + 2_400);
    assert_eq!(flows.flows().len(), 1, "{:#?}", flows.flows());
    assert_eq!(flows.flows()[0].origin, Origin::RequestId);
}

#[test]
fn an_insert_without_a_readable_id_is_tied_by_name_type_and_time() {
    let mut flows = Flows::new();
    flows.observe(Observation::ApiAnswer(ApiAnswer {
        status: None,
        request_id: None,
        ..match api(None, "Ann", 200, "", T) {
            Observation::ApiAnswer(a) => a,
            _ => unreachable!(),
        }
    }));
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![
            record("e0", ChangeKind::Insert, "other", "Bob", "90", T),
            record("e1", ChangeKind::Insert, "k", "Ann", "100", T + 20),
        ],
        T + 600,
    ));
    let sent = &flows.flows()[0];
    assert_eq!(sent.origin, Origin::Content);
    assert_eq!(sent.item_id.as_deref(), Some("k"));
    assert_eq!(flows.flows()[1].origin, Origin::Outside);
}

#[test]
fn a_post_without_a_readable_answer_and_no_record_is_stuck_after_the_wait_until_one_comes() {
    let mut flows = Flows::new();
    flows.observe(Observation::ApiAnswer(ApiAnswer {
        status: None,
        request_id: None,
        ..match api(None, "Ann", 200, "", T) {
            Observation::ApiAnswer(a) => a,
            _ => unreachable!(),
        }
    }));
    flows.check(T + STREAM_WAIT_MS);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::InProgress {
            next: Hop::Stream,
            ..
        }
    ));
    flows.check(T + STREAM_WAIT_MS + 1_000);
    let stuck = reason(&flows, 0);
    assert!(matches!(stuck, Stuck::NoAnswerNoRecord { .. }));
    assert_eq!(stuck.hop(), Hop::Api);
    assert!(stuck.fix().contains("replay"));
    // The record comes after all (the write happened): the flow goes on.
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T + 20)],
        T + STREAM_WAIT_MS + 2_000,
    ));
    flows.check(T + STREAM_WAIT_MS + 2_000);
    assert_eq!(flows.flows().len(), 1);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::InProgress {
            next: Hop::Lambda,
            ..
        }
    ));
}

#[test]
fn a_200_carrying_a_dynamodb_error_is_not_written() {
    let mut flows = Flows::new();
    flows.observe(api(
        Some("k"),
        "say \"hi\"",
        200,
        r#"{"__type":"com.amazon.coral.service#SerializationException","message":"Unexpected character"}"#,
        T,
    ));
    flows.check(T + 100_000);
    let stuck = reason(&flows, 0);
    assert_eq!(
        stuck,
        Stuck::NotWritten {
            error_type: "SerializationException".into(),
            message: "Unexpected character".into()
        }
    );
    assert_eq!(stuck.hop(), Hop::Table);
    assert!(stuck.fix().contains("quotes"));
}

#[test]
fn no_stream_record_is_stuck_after_the_wait_and_says_when_the_stream_is_off() {
    let mut flows = Flows::new();
    flows.observe(api(Some("k"), "Ann", 200, "{}", T));
    flows.check(T + STREAM_WAIT_MS);
    assert_eq!(
        flows.flows()[0].state,
        FlowState::InProgress {
            next: Hop::Stream,
            waiting: None
        }
    );
    flows.check(T + 40 + STREAM_WAIT_MS + 1);
    assert_eq!(
        reason(&flows, 0),
        Stuck::NoStreamRecord {
            waited_ms: STREAM_WAIT_MS + 1
        }
    );
    flows.observe(Observation::StreamSetup(StreamSetup {
        enabled: false,
        view_type: None,
        latest_stream_arn: None,
        seen_ms: T,
    }));
    flows.check(T + 1_000);
    assert_eq!(reason(&flows, 0), Stuck::StreamOff);
}

#[test]
fn a_record_without_the_new_image_is_stuck_at_the_stream() {
    let mut flows = Flows::new();
    let mut keys_only = record("e1", ChangeKind::Insert, "k", "Ann", "100", T);
    keys_only.new_image = None;
    keys_only.view_type = Some("KEYS_ONLY".into());
    flows.observe(page(ReadFrom::TrimHorizon, vec![keys_only], T + 500));
    flows.check(T + 500);
    let stuck = reason(&flows, 0);
    assert_eq!(
        stuck,
        Stuck::StreamWithoutNewImage {
            view_type: "KEYS_ONLY".into()
        }
    );
    assert_eq!(stuck.hop(), Hop::Stream);
}

#[test]
fn the_trigger_decides_why_no_invocation_comes() {
    let cases = [
        (None, "OK", Some(Stuck::NoTrigger)),
        (
            Some("Disabled"),
            "OK",
            Some(Stuck::TriggerOff {
                state: "Disabled".into(),
            }),
        ),
        (
            Some("Enabled"),
            "PROBLEM: Cannot access stream arn:x. Please ensure the role can perform the GetRecords...",
            Some(Stuck::RoleCannotReadStream {
                last_processing_result: "PROBLEM: Cannot access stream arn:x. Please ensure the role can perform the GetRecords...".into(),
            }),
        ),
        (Some("Enabling"), "No records processed", None),
    ];
    for (state, result, expected) in cases {
        let mut flows = Flows::new();
        flows.observe(page(
            ReadFrom::TrimHorizon,
            vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
            T,
        ));
        flows.observe(trigger(state, result));
        flows.check(T + 1_000);
        match expected {
            Some(stuck) => assert_eq!(reason(&flows, 0), stuck, "{state:?}"),
            None => assert_eq!(
                flows.flows()[0].state,
                FlowState::InProgress {
                    next: Hop::Lambda,
                    waiting: Some(Waiting::TriggerEnabling {
                        state: "Enabling".into()
                    })
                }
            ),
        }
    }
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
        T,
    ));
    flows.observe(trigger(Some("Enabled"), "PROBLEM: Function call failed"));
    flows.check(T + LAMBDA_WAIT_MS + 1);
    assert_eq!(
        reason(&flows, 0),
        Stuck::NoInvocation {
            waited_ms: LAMBDA_WAIT_MS + 1,
            last_processing_result: Some("PROBLEM: Function call failed".into())
        }
    );
}

#[test]
fn the_shipped_handlers_modify_and_remove_failures_are_named_with_the_fix() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(page(
        ReadFrom::Continued,
        vec![
            record("e2", ChangeKind::Modify, "k", "Bea", "200", T + 2_000),
            record("e3", ChangeKind::Remove, "k", "", "300", T + 2_000),
        ],
        T + 2_500,
    ));
    flows.observe(invocation(
        "r2",
        &[("e2", "MODIFY", "k", "200"), ("e3", "REMOVE", "k", "300")],
        &[
            r#"Failed to index item: {'id': 'k', 'name': 'Bea'}, Response: {"error":"Incorrect HTTP method for uri [/dynamodb_replicate/_doc] and method [PUT], allowed: [POST]","status":405}"#,
            r#"Failed to remove item with ID k, Response: {"error":"no handler found for uri [/dynamodb_replicate/_dock] and method [DELETE]"}"#,
        ],
        T + 2_600,
    ));
    flows.check(T + 3_000);
    assert!(matches!(
        reason(&flows, 1),
        Stuck::ShippedHandlerCannotUpdate {
            status: Some(405),
            ..
        }
    ));
    assert!(
        matches!(reason(&flows, 2), Stuck::ShippedHandlerCannotRemove { ref item_id, .. } if item_id == "k")
    );
    // The old side of the MODIFY is the INSERT's image; REMOVE has no new one.
    let diff = flows.flows()[1].diff();
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].old, Some(json!({"S": "Ann"})));
    let removed = flows.flows()[2].diff();
    assert!(removed.iter().all(|c| c.new.is_none()) && removed.len() == 3);
}

#[test]
fn a_403_from_the_collection_is_the_data_access_policy() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
        T,
    ));
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &[r#"Failed to index item: {'id': 'k'}, Response: {"status":403,"request-id":"u","error":{"reason":"403 Forbidden","type":"Forbidden"}}"#],
        T + 300,
    ));
    flows.check(T + 1_000);
    assert!(matches!(reason(&flows, 0), Stuck::DataAccessDenied { .. }));
}

#[test]
fn a_crashing_record_blocks_later_changes_until_it_is_handled() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![
            record("e1", ChangeKind::Insert, "bad", "x", "100", T),
            record("e2", ChangeKind::Insert, "good", "y", "200", T),
            record("e3", ChangeKind::Insert, "later", "z", "300", T + 1_000),
        ],
        T + 1_500,
    ));
    let crash = [
        "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.",
        "[ERROR] KeyError: 'S'\rTraceback (most recent call last):",
    ];
    flows.observe(invocation(
        "r1",
        &[
            ("e1", "INSERT", "bad", "100"),
            ("e2", "INSERT", "good", "200"),
        ],
        &crash,
        T + 300,
    ));
    flows.observe(invocation(
        "r2",
        &[
            ("e1", "INSERT", "bad", "100"),
            ("e2", "INSERT", "good", "200"),
        ],
        &crash,
        T + 800,
    ));
    flows.check(T + 2_000);
    let expires = T + RECORD_LIFETIME_MS;
    assert_eq!(
        reason(&flows, 0),
        Stuck::HandlerCrashed {
            exception: "KeyError: 'S'".into(),
            attempts: 2,
            expires_at_ms: expires
        }
    );
    let behind = Stuck::BlockedBehind {
        blocking_item: "bad".into(),
        expires_at_ms: expires,
    };
    // In the failing batch, and after it on the shard: both wait.
    assert_eq!(reason(&flows, 1), behind);
    assert_eq!(reason(&flows, 2), behind);
    // A fixed handler gets through the record: the shard moves on.
    flows.observe(invocation(
        "r3",
        &[
            ("e1", "INSERT", "bad", "100"),
            ("e2", "INSERT", "good", "200"),
            ("e3", "INSERT", "later", "300"),
        ],
        &["Successfully: {}", "Successfully: {}", "Successfully: {}"],
        T + 60_000,
    ));
    flows.check(T + 60_100);
    assert_all_waiting_for_the_document(&flows);
    assert_eq!(flows.flows()[0].lambda.as_ref().unwrap().attempts, 3);
}

#[test]
fn the_document_wait_is_the_refresh_then_stuck_after_a_minute() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(search("k", vec![], T + 30_000));
    flows.check(T + 904 + DOCUMENT_WAIT_MS);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::InProgress {
            waiting: Some(Waiting::Refresh { .. }),
            ..
        }
    ));
    // Past the minute, not stuck until a search made after it says so.
    flows.check(T + 904 + DOCUMENT_WAIT_MS + 1);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::InProgress { .. }
    ));
    flows.observe(search("k", vec![], T + 904 + DOCUMENT_WAIT_MS + 1));
    flows.check(T + 904 + DOCUMENT_WAIT_MS + 1);
    assert_eq!(
        reason(&flows, 0),
        Stuck::NoDocument {
            waited_ms: DOCUMENT_WAIT_MS + 1,
            index: "dynamodb_replicate".into()
        }
    );
}

#[test]
fn a_change_overwritten_before_search_showed_it_is_superseded_not_stuck() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(page(
        ReadFrom::Continued,
        vec![record(
            "e2",
            ChangeKind::Modify,
            "k",
            "Bea",
            "200",
            T + 2_000,
        )],
        T + 2_500,
    ));
    flows.observe(invocation(
        "r2",
        &[("e2", "MODIFY", "k", "200")],
        &["Successfully: {}"],
        T + 2_600,
    ));
    flows.observe(search("k", vec![("k", "Bea")], T + 15_000));
    flows.check(T + 15_000);
    assert!(flows.flows().iter().all(Flow::is_complete));
    let first = flows.flows()[0].document.as_ref().unwrap();
    assert_eq!(first.superseded_by, Some(flows.flows()[1].id));
}

#[test]
fn holes_in_the_stream_reading_are_flagged_and_the_records_kept() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "a", "A", "100", T)],
        T,
    ));
    // The iterator expired and the reader restarted at LATEST.
    flows.observe(page(
        ReadFrom::Latest,
        vec![record("e5", ChangeKind::Insert, "e", "E", "500", T + 1_000)],
        T + 1_000,
    ));
    // A record older than one read already.
    flows.observe(page(
        ReadFrom::Continued,
        vec![record("e4", ChangeKind::Insert, "d", "D", "400", T + 1_000)],
        T + 1_100,
    ));
    // The Lambda printed one the reader passed over.
    flows.observe(invocation(
        "r1",
        &[("e3", "INSERT", "c", "300")],
        &["Successfully: {}"],
        T + 1_200,
    ));
    // Trimmed: restarted at the trim horizon.
    flows.observe(page(ReadFrom::AfterTrim, vec![], T + 2_000));
    let causes: Vec<GapCause> = flows.gaps().iter().map(|g| g.cause).collect();
    assert_eq!(
        causes,
        [
            GapCause::ReadFromLatest,
            GapCause::OutOfOrder,
            GapCause::MissedByReader,
            GapCause::Trimmed
        ]
    );
    assert_eq!(
        (
            flows.gaps()[0].after.as_deref(),
            flows.gaps()[0].before.as_deref()
        ),
        (Some("100"), Some("500"))
    );
    let ids: Vec<&str> = flows
        .flows()
        .iter()
        .filter_map(|f| f.item_id.as_deref())
        .collect();
    assert_eq!(ids, ["a", "e", "d", "c"], "no record dropped");
    assert!(flows.flows()[3].stream.as_ref().unwrap().from_lambda_log);
    // Re-reading the same records adds nothing.
    flows.observe(page(
        ReadFrom::Continued,
        vec![record("e5", ChangeKind::Insert, "e", "E", "500", T + 1_000)],
        T + 3_000,
    ));
    assert_eq!(flows.flows().len(), 4);
    assert_eq!(
        flows.gaps().len(),
        4,
        "a re-read is neither a flow nor a gap"
    );
}

#[test]
fn a_hop_without_permission_is_not_observable_until_it_answers_again() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
        T,
    ));
    flows.observe(Observation::NotObservable(NotObservable {
        hop: Hop::Lambda,
        permission: "logs:FilterLogEvents".into(),
        refusal: "AccessDeniedException".into(),
        seen_ms: T,
    }));
    flows.check(T + LAMBDA_WAIT_MS * 2);
    assert_eq!(
        flows.flows()[0].state,
        FlowState::NotObservable {
            hop: Hop::Lambda,
            permission: "logs:FilterLogEvents".into()
        }
    );
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {}"],
        T + 500,
    ));
    assert_eq!(flows.not_observable(Hop::Lambda), None);
}

#[test]
fn a_refused_trigger_or_function_read_explains_the_lambda_hop_without_hiding_it() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
        T,
    ));
    flows.observe(Observation::NotObservable(NotObservable {
        hop: Hop::Lambda,
        permission: "lambda:ListEventSourceMappings".into(),
        refusal: "AccessDeniedException".into(),
        seen_ms: T,
    }));
    flows.check(T + 1_000);
    assert_eq!(
        flows.flows()[0].state,
        FlowState::InProgress {
            next: Hop::Lambda,
            waiting: None
        }
    );
    assert_eq!(flows.not_observable(Hop::Lambda), None);
    let refused: Vec<&str> = flows.refusals().map(|n| n.permission.as_str()).collect();
    assert_eq!(refused, ["lambda:ListEventSourceMappings"]);
    // Allowed again: the next trigger read clears it.
    flows.observe(trigger(Some("Enabled"), "OK"));
    assert_eq!(flows.refusals().count(), 0);
}

#[test]
fn a_record_the_log_showed_first_is_completed_by_the_reader_and_dated_by_the_record() {
    let mut flows = Flows::new();
    flows.observe(api(Some("k"), "Ann", 200, "{}", T));
    // The log tail read the Lambda's run before the reader read the record.
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {}"],
        T + 1_400,
    ));
    let stream = flows.flows()[0].stream.clone().unwrap();
    assert!(stream.from_lambda_log);
    assert_eq!(
        flows.flows()[0].stage(Hop::Stream).unwrap().at_ms,
        T + 1_400
    );
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T + 300)],
        T + 2_000,
    ));
    flows.check(T + 2_000);
    let flow = &flows.flows()[0];
    assert_eq!(flows.flows().len(), 1);
    let stream = flow.stream.as_ref().unwrap();
    assert!(!stream.from_lambda_log);
    assert_eq!(
        (stream.created_ms, stream.shard_id.as_deref()),
        (T, Some(SHARD))
    );
    assert_eq!(
        flow.stage(Hop::Stream).unwrap().at_ms,
        T + 40,
        "never before the write"
    );
    assert_eq!(flow.name.as_deref(), Some("Ann"));
    assert!(flow.new_image.is_some());
    assert_eq!(
        flow.state,
        FlowState::InProgress {
            next: Hop::Collection,
            waiting: Some(Waiting::Refresh {
                since_ms: flow.stage(Hop::Lambda).unwrap().at_ms
            })
        },
        "not a stream without new image"
    );
    assert_eq!(flows.waiting_for_document(false), ["k"]);
    // Past its wait the document is still looked for: it may come.
    flows.observe(search("k", vec![], T + 10 * DOCUMENT_WAIT_MS - 1));
    flows.check(T + 10 * DOCUMENT_WAIT_MS);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::Stuck {
            reason: Stuck::NoDocument { .. }
        }
    ));
    assert_eq!(flows.waiting_for_document(false), ["k"]);
    flows.observe(search("k", vec![("k", "Ann")], T + 10 * DOCUMENT_WAIT_MS));
    flows.check(T + 10 * DOCUMENT_WAIT_MS);
    assert!(flows.flows()[0].is_complete());
    assert_eq!(flows.waiting_for_document(false), Vec::<&str>::new());
}

#[test]
fn flows_export_and_import_unchanged_and_a_bad_import_says_where() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.check(T + 1_000);
    let json = flows.export();
    assert_eq!(Flows::import(&json).unwrap(), flows);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(v["flows"][0]["state"]["in_progress"]["next"].is_string());
    assert_eq!(v["flows"][0]["change"], "INSERT");
    let err = Flows::import("{\"flows\": 3}").unwrap_err();
    assert_eq!((err.line, err.column), (1, 11));
    assert!(err.to_string().starts_with("These are not labmate flows"));
}

#[test]
fn a_save_writes_the_flows_changed_since_the_last_and_the_parts_restore_the_board() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(api(Some("k2"), "Bob", 200, "{}", T + 50));
    flows.check(T + 1_000);
    let first = flows.save_parts();
    let ids = |parts: &BoardParts| parts.changed.iter().map(|(id, _)| id.0).collect::<Vec<_>>();
    assert_eq!(ids(&first), [1, 2]);
    assert_eq!(first.ids, [FlowId(1), FlowId(2)].into());
    // The board part holds no flow: each is in its own part.
    let board: Value = serde_json::from_str(&first.board).unwrap();
    assert_eq!(board["flows"], json!([]));
    assert_eq!(board["next_id"], 2);

    // Nothing moved: nothing to write.
    flows.check(T + 1_100);
    assert_eq!(ids(&flows.save_parts()), Vec::<u64>::new());
    // Bob's record reaches the stream: only Bob's flow is written again.
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record(
            "e2",
            ChangeKind::Insert,
            "k2",
            "Bob",
            "200",
            T + 200,
        )],
        T + 1_200,
    ));
    flows.check(T + 1_200);
    let second = flows.save_parts();
    assert_eq!(ids(&second), [2]);

    // The latest part of each flow, in any order, gives the board back.
    let parts = [second.changed[0].1.clone(), first.changed[0].1.clone()];
    let restored = Flows::from_parts(&second.board, parts).unwrap();
    assert_eq!(restored, flows);
    assert_eq!(restored.export(), flows.export());
    assert_eq!(
        restored.flow(FlowId(2)).unwrap().name.as_deref(),
        Some("Bob")
    );
    // A restored board is saved already; an imported one is not.
    let mut restored = restored;
    assert_eq!(ids(&restored.save_parts()), Vec::<u64>::new());
    assert_eq!(
        ids(&Flows::import(&flows.export()).unwrap().save_parts()),
        [1, 2]
    );
    let err = Flows::from_parts(&second.board, ["{\"id\": 1"]).unwrap_err();
    assert!(err.to_string().starts_with("These are not labmate flows"));
}

#[test]
fn a_document_searchable_before_the_lambdas_log_is_read_is_shown_and_the_log_then_joins() {
    let mut flows = Flows::new();
    flows.observe(api(Some("k"), "Ann", 200, "{}", T));
    flows.check(T + 100);
    assert_eq!(
        flows.waiting_for_document(true),
        Vec::<&str>::new(),
        "not on the stream yet"
    );
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T + 100)],
        T + 600,
    ));
    flows.check(T + 600);
    assert_eq!(
        flows.waiting_for_document(true),
        ["k"],
        "waiting for the Lambda"
    );
    assert_eq!(
        flows.waiting_for_document(false),
        Vec::<&str>::new(),
        "not before the index is seen"
    );
    flows.observe(search("k", vec![("k", "Ann")], T + 2_000));
    flows.check(T + 2_000);
    assert_eq!(
        flows.flows()[0].stage(Hop::Collection).map(|s| s.at_ms),
        Some(T + 2_000)
    );
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {'id': 'k'}"],
        T + 900,
    ));
    flows.check(T + 2_500);
    let flow = &flows.flows()[0];
    assert!(flow.is_complete(), "{:?}", flow.state);
    assert_eq!(
        flow.lambda.as_ref().unwrap().outcome,
        RecordOutcome::Indexed
    );
}

#[test]
fn no_document_confirms_a_remove_only_once_the_lambda_ran() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Remove, "k", "", "100", T)],
        T + 500,
    ));
    flows.check(T + 500);
    assert_eq!(flows.waiting_for_document(true), ["k"]);
    // Not searchable is not gone: the Lambda has not run yet.
    flows.observe(search("k", vec![], T + 1_000));
    flows.check(T + 1_000);
    assert_eq!(flows.flows()[0].stage(Hop::Collection), None);
    flows.observe(invocation(
        "r1",
        &[("e1", "REMOVE", "k", "100")],
        &["Removed item successfully with ID k"],
        T + 1_200,
    ));
    flows.observe(search("k", vec![], T + 2_000));
    flows.check(T + 2_000);
    assert!(
        flows.flows()[0].is_complete(),
        "{:?}",
        flows.flows()[0].state
    );
}

#[test]
fn a_record_behind_a_backlog_the_lambda_works_through_waits_and_is_stuck_only_once_runs_stop() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![
            record("e1", ChangeKind::Insert, "a", "Ann", "100", T),
            record("e2", ChangeKind::Insert, "b", "Bob", "200", T),
        ],
        T + 500,
    ));
    // The Lambda handles the earlier record late: it is busy.
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "a", "100")],
        &["Successfully: {'id': 'a'}"],
        T + 25_000,
    ));
    flows.check(T + LAMBDA_WAIT_MS + 10_000);
    let waiting = |flows: &Flows| flows.flows()[1].state.clone();
    assert!(
        matches!(
            waiting(&flows),
            FlowState::InProgress {
                next: Hop::Lambda,
                waiting: Some(Waiting::LambdaBusy { .. })
            }
        ),
        "{:?}",
        waiting(&flows)
    );
    // No run for longer than the wait: stuck.
    flows.check(T + 25_000 + LAMBDA_WAIT_MS + 1_000);
    assert!(matches!(
        waiting(&flows),
        FlowState::Stuck {
            reason: Stuck::NoInvocation { .. }
        }
    ));
}

#[test]
fn sequence_numbers_compare_as_numbers() {
    assert_eq!(
        sequence_cmp("000000000000000000042", "9"),
        Ordering::Greater
    );
    assert_eq!(sequence_cmp("100", "99"), Ordering::Greater);
    assert_eq!(sequence_cmp("0100", "100"), Ordering::Equal);
}

#[test]
fn a_very_long_log_line_is_kept_cut() {
    let long = "x".repeat(LINE_KEPT_CHARS + 10);
    let kept = kept(&long);
    assert!(kept.ends_with("… (10 more bytes)"));
    assert_eq!(super::kept("short"), "short");
}

#[test]
fn a_crashing_record_that_expired_blocks_no_more() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![
            record("e1", ChangeKind::Insert, "bad", "x", "100", T),
            record("e2", ChangeKind::Insert, "good", "y", "200", T),
        ],
        T + 500,
    ));
    flows.observe(invocation(
        "r1",
        &[
            ("e1", "INSERT", "bad", "100"),
            ("e2", "INSERT", "good", "200"),
        ],
        &["[ERROR] KeyError: 'S'\rTraceback"],
        T + 600,
    ));
    let day_later = T + RECORD_LIFETIME_MS;
    flows.check(day_later);
    assert_eq!(
        reason(&flows, 0),
        Stuck::RecordExpired {
            exception: "KeyError: 'S'".into(),
            expired_at_ms: day_later
        }
    );
    assert_eq!(
        flows.flows()[1].state,
        FlowState::InProgress {
            next: Hop::Lambda,
            waiting: None
        }
    );
}

#[test]
fn a_function_failing_before_its_batch_holds_every_change_until_it_runs_again() {
    let mut flows = Flows::new();
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Insert, "k", "Ann", "100", T)],
        T,
    ));
    // No printed event: the handler raised before print(event).
    let mut failed = invocation(
        "r1",
        &[],
        &["[ERROR] KeyError: 'OPENSEARCH_HOST'\rTraceback"],
        T + 300,
    );
    if let Observation::LogEvents(l) = &mut failed {
        l.events.remove(1);
    }
    flows.observe(failed);
    flows.check(T + 1_000);
    let stuck = reason(&flows, 0);
    assert_eq!(
        stuck,
        Stuck::FunctionCrashed {
            exception: "KeyError: 'OPENSEARCH_HOST'".into()
        }
    );
    assert!(stuck.fix().contains("environment variables"));
    flows.observe(invocation(
        "r2",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {}"],
        T + 5_000,
    ));
    flows.check(T + 5_100);
    assert!(matches!(
        flows.flows()[0].state,
        FlowState::InProgress {
            next: Hop::Collection,
            ..
        }
    ));
}

#[test]
fn a_lambda_writing_to_another_index_is_named() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(Observation::Function(
        FunctionSetup::from_function_configuration(
            &json!({"Environment": {"Variables": {"OPENSEARCH_INDEX": "dynamodb-replicate"}}}),
            T,
        ),
    ));
    flows.observe(search("k", vec![], T + 2_000));
    flows.check(T + 2_000);
    let stuck = reason(&flows, 0);
    assert_eq!(
        stuck,
        Stuck::OtherIndex {
            function_index: "dynamodb-replicate".into(),
            searched_index: "dynamodb_replicate".into()
        }
    );
    assert_eq!(stuck.hop(), Hop::Collection);
}

#[test]
fn a_remove_is_named_from_the_last_image_seen() {
    let mut flows = Flows::new();
    inserted(&mut flows);
    flows.observe(page(
        ReadFrom::Continued,
        vec![record("e2", ChangeKind::Remove, "k", "", "200", T + 2_000)],
        T + 2_500,
    ));
    assert_eq!(flows.flows()[1].name.as_deref(), Some("Ann"));
}

#[test]
fn a_change_labmate_sends_does_not_claim_an_older_outside_change() {
    let mut flows = Flows::new();
    // A console edit, then labmate's own edit of the same item a minute on.
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![record("e1", ChangeKind::Modify, "k", "Ann", "100", T)],
        T + 500,
    ));
    flows.observe(Observation::TableCall(TableCall {
        change: ChangeKind::Modify,
        item_id: "k".into(),
        operation: "UpdateItem".into(),
        status: 200,
        request_id: None,
        error_type: None,
        sent_ms: T + 60_000,
        answered_ms: T + 60_020,
    }));
    let origins: Vec<Origin> = flows.flows().iter().map(|f| f.origin).collect();
    assert_eq!(origins, [Origin::Outside, Origin::Key]);
}

#[test]
fn log_lines_of_an_unfinished_invocation_wait_for_its_report() {
    let Observation::LogEvents(all) = invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {}"],
        T,
    ) else {
        unreachable!()
    };
    let mut flows = Flows::new();
    let (head, tail) = all.events.split_at(3);
    flows.observe(Observation::LogEvents(LogEvents {
        events: head.to_vec(),
        seen_ms: T,
    }));
    assert!(flows.flows().is_empty());
    flows.observe(Observation::LogEvents(LogEvents {
        events: tail.to_vec(),
        seen_ms: T + 1,
    }));
    assert_eq!(flows.flows().len(), 1);
    assert_eq!(flows.flows()[0].lambda.as_ref().unwrap().lines.len(), 5);
}

#[test]
fn a_crashed_flow_and_the_one_behind_complete_once_a_typed_handler_handles_them() {
    let mut flows = Flows::new();
    let mut numbered = record("e1", ChangeKind::Insert, "bad", "Has a number", "100", T);
    if let Some(image) = numbered.new_image.as_mut() {
        image.insert("count".into(), json!({"N": "3"}));
    }
    flows.observe(page(
        ReadFrom::TrimHorizon,
        vec![
            numbered,
            record("e2", ChangeKind::Insert, "good", "Behind", "200", T + 1_000),
        ],
        T + 1_500,
    ));
    let crash = [
        "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.",
        "[ERROR] KeyError: 'S'\rTraceback (most recent call last):",
    ];
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "bad", "100")],
        &crash,
        T + 300,
    ));
    flows.check(T + 2_000);
    assert!(matches!(reason(&flows, 0), Stuck::HandlerCrashed { .. }));
    assert!(matches!(reason(&flows, 1), Stuck::BlockedBehind { .. }));
    // The typed handler deployed: the retried batch goes through, then the
    // record behind it in the next batch.
    flows.observe(invocation(
        "r2",
        &[("e1", "INSERT", "bad", "100")],
        &["Successfully: {'count': Decimal('3'), 'id': 'bad', 'name': 'Has a number', 'type': 'cat'}"],
        T + 30_000,
    ));
    flows.observe(invocation(
        "r3",
        &[("e2", "INSERT", "good", "200")],
        &["Successfully: {'id': 'good', 'name': 'Behind', 'type': 'cat'}"],
        T + 30_300,
    ));
    flows.check(T + 31_000);
    assert_all_waiting_for_the_document(&flows);
    assert_eq!(flows.flows()[0].lambda.as_ref().unwrap().attempts, 2);
    let hit = |source: Value| {
        Observation::DocumentSearch(DocumentSearch {
            item_id: "bad".into(),
            index: "dynamodb_replicate".into(),
            hits: vec![DocumentHit {
                id: "bad".into(),
                source: source.as_object().cloned().unwrap(),
            }],
            seen_ms: T + 40_000,
        })
    };
    // Another number is not this item's document.
    flows.observe(hit(
        json!({"id": "bad", "name": "Has a number", "type": "cat", "count": 4}),
    ));
    flows.check(T + 40_000);
    assert!(flows.flows()[0].document.is_none());
    // The number as a JSON number is.
    let source = json!({"id": "bad", "name": "Has a number", "type": "cat", "count": 3});
    flows.observe(hit(source.clone()));
    flows.observe(search("good", vec![("good", "Behind")], T + 40_000));
    flows.check(T + 40_100);
    assert!(
        flows.flows().iter().all(Flow::is_complete),
        "{:#?}",
        flows.flows()
    );
    let compared = flows.flows()[0].compare_document(source.as_object().unwrap());
    let count = compared.iter().find(|c| c.attribute == "count").unwrap();
    assert_eq!(
        (&count.item, &count.document, count.same),
        (&json!(3), &Some(json!(3)), true)
    );
    assert!(compared.iter().all(|c| c.same));
}

#[test]
fn a_document_leaving_out_a_number_still_shows_the_item_but_not_a_missing_string() {
    let mut flows = Flows::new();
    let mut numbered = record("e1", ChangeKind::Insert, "k", "Ann", "100", T);
    if let Some(image) = numbered.new_image.as_mut() {
        image.insert("count".into(), json!({"N": "3"}));
    }
    flows.observe(page(ReadFrom::TrimHorizon, vec![numbered], T + 500));
    flows.observe(invocation(
        "r1",
        &[("e1", "INSERT", "k", "100")],
        &["Successfully: {'id': 'k', 'name': 'Ann', 'type': 'cat'}"],
        T + 900,
    ));
    let found = |source: Value| {
        Observation::DocumentSearch(DocumentSearch {
            item_id: "k".into(),
            index: "dynamodb_replicate".into(),
            hits: vec![DocumentHit {
                id: "k".into(),
                source: source.as_object().cloned().unwrap(),
            }],
            seen_ms: T + 12_000,
        })
    };
    flows.observe(found(json!({"id": "k", "type": "cat", "count": 3})));
    flows.check(T + 12_000);
    assert!(flows.flows()[0].document.is_none(), "the name is missing");
    // A handler that skips the types it cannot index.
    let skipped = json!({"id": "k", "name": "Ann", "type": "cat"});
    flows.observe(found(skipped.clone()));
    flows.check(T + 12_100);
    assert!(flows.flows()[0].is_complete());
    let compared = flows.flows()[0].compare_document(skipped.as_object().unwrap());
    let count = compared.iter().find(|c| c.attribute == "count").unwrap();
    assert_eq!((&count.document, count.same), (&None, false));
}

#[test]
fn import_and_wire_errors_are_worded_in_each_language_with_their_values() {
    use crate::words::Lang;
    let import = Flows::import("{\"flows\": 3").unwrap_err();
    let wire = [
        WireError::Missing {
            what: "GetRecords",
            field: "eventName".into(),
        },
        WireError::UnknownChange {
            what: "GetRecords",
            name: "TRUNCATE".into(),
        },
    ];
    assert!(import
        .to_string()
        .starts_with("These are not labmate flows (line 1, column "));
    assert_eq!(
        wire[1].to_string(),
        "The GetRecords answer has an unknown eventName \"TRUNCATE\"."
    );
    for lang in Lang::ALL {
        let said = import.words(lang);
        assert!(said.contains(&import.message) && said.contains(&import.column.to_string()));
        for (e, value) in wire.iter().zip(["eventName", "TRUNCATE"]) {
            assert!(e.words(lang).contains("GetRecords") && e.words(lang).contains(value));
        }
    }
    assert_eq!(import.words(Lang::En), import.to_string());
    assert_ne!(import.words(Lang::Vi), import.to_string());
    for e in &wire {
        assert_eq!(e.words(Lang::En), e.to_string());
        assert_ne!(e.words(Lang::Vi), e.to_string());
    }
}
