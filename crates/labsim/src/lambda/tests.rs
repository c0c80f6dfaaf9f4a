use serde_json::{json, Value};

use super::*;
use crate::dynamodb::{AttributeValue, DynamoDb, DynamoDbConfig, Item, StreamViewType, LAB_TABLE};
use crate::message::{Request, Response};
use crate::opensearch::{Collection, CollectionConfig};

/// 2024-10-08T19:55:22Z
const NOW: i64 = 1_728_417_322_000;
const LAG: i64 = 10_000;

struct Lab {
    db: DynamoDb,
    os: Collection,
    fun: Lambda,
    now: i64,
}

impl Lab {
    fn new(handler: HandlerKind) -> Lab {
        let setup = LambdaSetup {
            handler,
            ..LambdaSetup::default()
        };
        Lab::with(setup)
    }

    fn with(setup: LambdaSetup) -> Lab {
        let mut config = DynamoDbConfig::new(3);
        config.lab_stream = Some(StreamViewType::NewImage);
        let mut lab = Lab {
            db: DynamoDb::new(config, NOW),
            os: Collection::new(CollectionConfig::new(3)),
            fun: Lambda::new(setup, "ap-southeast-1", "123456789012", 3, NOW),
            now: NOW,
        };
        lab.tick_for(0);
        lab
    }

    /// Ticks every 50 ms for `ms` (at least once).
    fn tick_for(&mut self, ms: i64) {
        let end = self.now + ms;
        loop {
            self.fun.tick(self.now, &mut self.db, &mut self.os);
            if self.now >= end {
                break;
            }
            self.now += 50;
        }
    }

    fn put(&mut self, fields: &[(&str, AttributeValue)]) {
        let item: Item = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.db.put_item(LAB_TABLE, item, self.now).unwrap();
    }

    fn delete(&mut self, id: &str) {
        let key: Item = [("id".to_owned(), AttributeValue::s(id))].into();
        self.db.delete_item(LAB_TABLE, &key, self.now).unwrap();
    }

    /// One Lambda API request at the lab's time.
    fn api(&mut self, method: &str, path: &str, query: &str, body: &str) -> Response {
        let req = Request::new(method, path)
            .with_query(query)
            .with_body(body.to_owned());
        self.fun.handle_api(&req, &self.db, self.now, "rid")
    }

    /// Every log message so far (visible or not), in order.
    fn messages(&self) -> Vec<String> {
        self.fun
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

    fn search_names(&self) -> Vec<String> {
        let result = self
            .os
            .search(INDEX, &json!({"query": {"match_all": {}}}), self.now)
            .map(|r| r.hits)
            .unwrap_or_default();
        let mut names: Vec<String> = result
            .iter()
            .map(|h| h.source["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::s(text)
}

#[test]
fn workshop_insert_reaches_the_index_after_the_refresh_lag() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("a1")), ("name", s("Ann")), ("type", s("cat"))]);
    lab.tick_for(500);
    let logs = lab.messages();
    assert!(logs[0].starts_with("INIT_START Runtime Version: python:3.12"));
    assert!(logs[1].starts_with("START RequestId: "));
    assert!(logs[1].ends_with(" Version: $LATEST\n"));
    assert!(
        logs[2].starts_with("{'Records': [{'eventID': '"),
        "{}",
        logs[2]
    );
    assert!(logs[2].contains(
        "'eventName': 'INSERT', 'eventVersion': '1.1', 'eventSource': 'aws:dynamodb', 'awsRegion': 'ap-southeast-1', 'dynamodb': {'ApproximateCreationDateTime': 1728417322, 'Keys': {'id': {'S': 'a1'}}, 'NewImage': {'id': {'S': 'a1'}, 'name': {'S': 'Ann'}, 'type': {'S': 'cat'}}, 'SequenceNumber': '"
    ), "{}", logs[2]);
    assert!(logs[2].contains("'StreamViewType': 'NEW_IMAGE'}, 'eventSourceARN': 'arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/"));
    assert!(logs[2].ends_with("'}]}\n"));
    assert_eq!(
        logs[3],
        "Successfully: {'id': 'a1', 'name': 'Ann', 'type': 'cat'}\n"
    );
    assert!(logs[4].starts_with("END RequestId: "));
    assert!(logs[5].contains("\tBilled Duration: "));
    assert!(logs[5].contains("\tMemory Size: 128 MB\tMax Memory Used: "));
    assert!(logs[5].contains("\tInit Duration: "));
    assert!(logs[5].ends_with(" ms\t\n"), "{:?}", logs[5]);
    // Billed: duration plus init, rounded up to the next millisecond.
    let field = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!("\t{name}: ")).unwrap() + name.len() + 3;
        let rest = &line[start..];
        rest[..rest.find(" ms").unwrap()].parse().unwrap()
    };
    let (duration, init) = (
        field(&logs[5], "Duration"),
        field(&logs[5], "Init Duration"),
    );
    assert_eq!(
        field(&logs[5], "Billed Duration"),
        (((duration + init) * 100.0).round() / 100.0).ceil()
    );
    assert!(field(&logs[5], "Billed Duration") > init, "{}", logs[5]);
    // Stored under a random id, searchable only after the lag.
    let ids = lab.os.document_ids(INDEX);
    assert_eq!(ids.len(), 1);
    assert!(ids[0].starts_with("1%3A0%3A"), "{}", ids[0]);
    assert!(lab.search_names().is_empty());
    lab.tick_for(LAG);
    assert_eq!(lab.search_names(), ["Ann"]);
    let inv = lab.fun.invocations()[0].clone();
    assert!(inv.cold_start && inv.error.is_none());
    let mapping = lab.fun.mapping().unwrap();
    assert_eq!(mapping.last_result, ProcessingResult::Ok);
    // The stream name: date and [$LATEST] plus 32 hex digits.
    assert!(inv.log_stream.starts_with("2024/10/08/[$LATEST]"));
    assert_eq!(inv.log_stream.len(), "2024/10/08/[$LATEST]".len() + 32);

    // A second write is a warm start in the same stream.
    lab.put(&[("id", s("a2")), ("name", s("Bob")), ("type", s("dog"))]);
    lab.tick_for(500);
    let second = &lab.fun.invocations()[1];
    assert!(!second.cold_start);
    assert_eq!(second.log_stream, inv.log_stream);
}

#[test]
fn workshop_modify_and_remove_fail_with_the_exact_lines() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.tick_for(500);
    lab.put(&[("id", s("a1")), ("name", s("Anne"))]);
    lab.tick_for(500);
    lab.delete("a1");
    lab.tick_for(500 + LAG);
    let logs = lab.messages();
    let modify = logs
        .iter()
        .find(|l| l.starts_with("Failed to index item"))
        .expect("a MODIFY failure");
    assert!(
        modify.starts_with(
            "Failed to index item: {'id': 'a1', 'name': 'Anne'}, Response: {\"error\":"
        ),
        "{modify}"
    );
    assert!(modify.contains("405"), "{modify}");
    let remove = logs
        .iter()
        .find(|l| l.starts_with("Failed to remove"))
        .expect("a REMOVE failure");
    assert!(
        remove.starts_with("Failed to remove item with ID a1, Response: "),
        "{remove}"
    );
    assert!(remove.contains("no handler found"), "{remove}");
    // The index still has the first version, under its random id.
    assert_eq!(lab.search_names(), ["Ann"]);
    // HTTP failures are printed, not raised: the batches succeeded.
    assert!(lab.fun.invocations().iter().all(|i| i.error.is_none()));
    assert_eq!(lab.fun.invocations().len(), 3);
}

#[test]
fn fixed_handler_inserts_modifies_and_removes_by_key() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.put(&[("id", s("b2")), ("name", s("Bob"))]);
    lab.tick_for(500 + LAG);
    assert_eq!(lab.os.document_ids(INDEX), ["a1", "b2"]);
    assert_eq!(lab.search_names(), ["Ann", "Bob"]);
    // Both records came in one batch.
    assert_eq!(lab.fun.invocations().len(), 1);
    lab.put(&[("id", s("a1")), ("name", s("Anne"))]);
    lab.delete("b2");
    lab.tick_for(500 + LAG);
    assert_eq!(lab.search_names(), ["Anne"]);
    let logs = lab.messages();
    assert!(logs.contains(&"Successfully: {'id': 'a1', 'name': 'Anne'}\n".to_owned()));
    assert!(logs.contains(&"Removed item successfully with ID b2\n".to_owned()));
}

#[test]
fn a_non_string_attribute_fails_the_batch_and_is_retried_with_backoff() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("n1")), ("count", AttributeValue::n("5").unwrap())]);
    lab.tick_for(2_000);
    let invocations = lab.fun.invocations();
    assert!(invocations.len() >= 3, "{}", invocations.len());
    // Backed off: far fewer attempts than polls (2 s / 250 ms = 8).
    assert!(invocations.len() <= 5, "{}", invocations.len());
    assert!(invocations.iter().all(|i| i.error.is_some()));
    let event_ids = |i: usize| -> Vec<&str> {
        invocations[i]
            .records
            .iter()
            .map(|r| r.event_id.as_str())
            .collect()
    };
    assert_eq!(event_ids(0), event_ids(1));
    assert_eq!(invocations[1].attempt, 1);
    let mapping = lab.fun.mapping().unwrap();
    assert_eq!(mapping.last_result, ProcessingResult::FunctionCallFailed);
    assert_eq!(
        mapping.last_result.as_str(),
        "PROBLEM: Function call failed"
    );
    // Each attempt logs the runtime's warning, then the exception with its
    // traceback as one event, naming the shipped code's line 33.
    let logs = lab.messages();
    let error = "[ERROR] KeyError: 'S'\rTraceback (most recent call last):\r\u{a0}\u{a0}File \"/var/task/lambda_function.py\", line 33, in lambda_handler\r\u{a0}\u{a0}\u{a0}\u{a0}transformed_data[key] = event_data[key][\"S\"];\n";
    let at = logs
        .iter()
        .position(|l| l == error)
        .expect("the [ERROR] event");
    assert_eq!(logs[at - 1], runtime::UNHANDLED_EXCEPTION_WARNING);
    assert!(logs[at + 1].starts_with("END RequestId: "));
    assert!(logs[at + 2].starts_with("REPORT RequestId: "));
    assert_eq!(
        logs.iter().filter(|l| *l == error).count(),
        invocations.len(),
        "one [ERROR] event per attempt"
    );
    assert_eq!(
        invocations[0].error.as_deref(),
        Some(error.trim_end_matches('\n'))
    );
    assert!(lab.os.document_ids(INDEX).is_empty());
    // A later good record stays stuck behind the poison one.
    lab.put(&[("id", s("ok")), ("name", s("fine"))]);
    lab.tick_for(5_000);
    assert!(lab.os.document_ids(INDEX).is_empty());
}

#[test]
fn a_mapping_waiting_to_retry_still_counts_as_a_reader_of_its_shard() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let arn = lab.db.latest_stream_arn(LAB_TABLE).unwrap();
    let shard = lab.db.open_shard_id(LAB_TABLE).unwrap();
    assert_eq!(lab.db.shard_readers(&arn, &shard, lab.now), 1);
    lab.put(&[("id", s("n1")), ("count", AttributeValue::n("5").unwrap())]);
    // Retries at 0.25, 0.75, 1.75, 3.75, 7.75 and 15.75 s: by 22 s the last
    // read is more than a reader's window ago, yet the mapping still counts.
    lab.tick_for(22_000);
    let last = lab.fun.invocations().last().unwrap().time_ms;
    assert!(
        lab.now - last > crate::dynamodb::READER_WINDOW_MS,
        "{}",
        lab.now - last
    );
    assert_eq!(lab.db.shard_readers(&arn, &shard, lab.now), 1);
    // Turned off, it stops counting once the window has passed.
    lab.fun.set_trigger_enabled(false, lab.now).unwrap();
    lab.tick_for(crate::dynamodb::READER_WINDOW_MS);
    assert_eq!(lab.db.shard_readers(&arn, &shard, lab.now), 0);
}

#[test]
fn a_half_built_lab_does_nothing_downstream() {
    let mut lab = Lab::with(LambdaSetup {
        trigger_exists: false,
        ..LambdaSetup::default()
    });
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.tick_for(1_000);
    assert!(lab.fun.invocations().is_empty());
    assert!(lab.fun.logs().group(LOG_GROUP).is_none());

    let mut lab = Lab::with(LambdaSetup {
        trigger_enabled: false,
        ..LambdaSetup::default()
    });
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.tick_for(1_000);
    assert!(lab.fun.invocations().is_empty());

    let mut lab = Lab::with(LambdaSetup {
        env_vars_set: false,
        ..LambdaSetup::default()
    });
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.tick_for(300);
    assert!(lab
        .messages()
        .iter()
        .any(|l| l.starts_with("[ERROR] KeyError: 'OPENSEARCH_HOST'")));
    assert_eq!(
        lab.fun.mapping().unwrap().last_result,
        ProcessingResult::FunctionCallFailed
    );
}

fn logs_call(lab: &mut Lab, op: &str, body: Value, now: i64) -> (u16, Value) {
    let res = lab.fun.logs_mut().handle(
        &format!("Logs_20140328.{op}"),
        body.to_string().as_bytes(),
        now,
        "rid",
    );
    assert_eq!(res.header("content-type"), Some(logs::CONTENT_TYPE));
    (res.status, serde_json::from_slice(&res.body).unwrap())
}

#[test]
fn logs_api_filters_pages_and_describes() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let now = lab.now;
    let (status, body) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP}),
        now,
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."})
    );
    lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
    lab.tick_for(2_000);
    let later = lab.now;
    let (status, body) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP, "filterPattern": "\"Successfully:\""}),
        later,
    );
    assert_eq!(status, 200);
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["message"], "Successfully: {'id': 'a1', 'name': 'Ann'}\n");
    assert!(e["logStreamName"].as_str().unwrap().contains("[$LATEST]"));
    assert_eq!(e["eventId"].as_str().unwrap().len(), 56);
    assert!(e["ingestionTime"].as_i64() >= e["timestamp"].as_i64());

    // Paging with limit and nextToken covers every event once.
    let (_, all) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP}),
        later,
    );
    let total = all["events"].as_array().unwrap().len();
    assert_eq!(total, 6);
    let (_, first) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP, "limit": 4}),
        later,
    );
    assert_eq!(first["events"].as_array().unwrap().len(), 4);
    let token = first["nextToken"].as_str().unwrap();
    let (_, rest) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP, "limit": 4, "nextToken": token}),
        later,
    );
    assert_eq!(rest["events"].as_array().unwrap().len(), 2);
    assert!(rest.get("nextToken").is_none());
    // A time window before the invocation finds nothing.
    let (_, none) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP, "endTime": NOW - 1}),
        later,
    );
    assert_eq!(none["events"], json!([]));

    let (_, streams) = logs_call(
        &mut lab,
        "DescribeLogStreams",
        json!({"logGroupName": LOG_GROUP, "orderBy": "LastEventTime", "descending": true}),
        later,
    );
    let stream = &streams["logStreams"][0];
    let name = stream["logStreamName"].as_str().unwrap().to_owned();
    assert!(stream["lastEventTimestamp"].is_i64());
    let (_, got) = logs_call(
        &mut lab,
        "GetLogEvents",
        json!({"logGroupName": LOG_GROUP, "logStreamName": name, "startFromHead": true}),
        later,
    );
    assert_eq!(got["events"].as_array().unwrap().len(), 6);
    assert!(got["nextForwardToken"].as_str().unwrap().starts_with("f/"));
    assert!(got["events"][0].get("eventId").is_none());
}

#[test]
fn lambda_api_describes_the_function_and_its_trigger() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let mut get = |path: &str, query: &str| lab.api("GET", path, query, "");
    let res = get(
        "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration",
        "",
    );
    assert_eq!(res.status, 200);
    let config: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(config["Runtime"], "python3.12");
    assert_eq!(
        config["Role"],
        "arn:aws:iam::123456789012:role/lambda-lab-role"
    );
    assert_eq!(config["Handler"], "lambda_function.lambda_handler");
    assert_eq!(config["State"], "Active");
    assert_eq!(config["LastModified"], "2024-10-08T19:55:22.000+0000");
    assert_eq!(
        config["Environment"]["Variables"]["OPENSEARCH_INDEX"],
        INDEX
    );
    assert_eq!(config["Environment"]["Variables"]["AWS_SERVICE"], "aoss");

    let res = get("/2015-03-31/functions/sync-data-with-dynamodb-stream", "");
    let function: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(function["Configuration"], config);
    assert_eq!(function["Code"]["RepositoryType"], "S3");

    let res = get("/2015-03-31/functions/nope", "");
    assert_eq!(res.status, 404);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    let body: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(
        body,
        json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:nope"})
    );

    let res = get(
        "/2015-03-31/event-source-mappings/",
        "FunctionName=sync-data-with-dynamodb-stream",
    );
    assert_eq!(res.status, 200);
    let list: Value = serde_json::from_slice(&res.body).unwrap();
    let m = &list["EventSourceMappings"][0];
    assert_eq!(m["State"], "Enabled");
    assert_eq!(m["StartingPosition"], "LATEST");
    assert_eq!(m["BatchSize"], 100);
    assert_eq!(m["LastProcessingResult"], "No records processed");
    assert_eq!(
        m["EventSourceArn"].as_str(),
        lab.db.latest_stream_arn(LAB_TABLE).as_deref()
    );
    assert_eq!(m["FunctionArn"], lab.fun.function_arn());
    assert_eq!(m["StateTransitionReason"], "User action");
    let uuid = m["UUID"].as_str().unwrap();
    let one = lab.api(
        "GET",
        &format!("/2015-03-31/event-source-mappings/{uuid}"),
        "",
        "",
    );
    assert_eq!(one.status, 200);
}

#[test]
fn a_busy_shard_is_read_back_to_back_one_invocation_at_a_time() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    for i in 0..250 {
        lab.put(&[("id", s(&format!("b{i}"))), ("name", s("n"))]);
    }
    // 100 + 100 + 50 records in three invocations, each read as soon as
    // the one before has returned (one batch per shard at a time, as with
    // Lambda's default ParallelizationFactor of 1), not a poll interval
    // later.
    lab.tick_for(60_000);
    let invocations = lab.fun.invocations();
    assert_eq!(invocations.len(), 3);
    assert_eq!(lab.os.document_ids(INDEX).len(), 250);
    let reports: Vec<i64> = lab
        .fun
        .logs()
        .group(LOG_GROUP)
        .unwrap()
        .streams
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| e.message.starts_with("REPORT"))
        .map(|e| e.timestamp)
        .collect();
    assert_eq!(reports.len(), 3);
    for (next, ended) in invocations[1..].iter().zip(&reports) {
        let after = next.time_ms - ended;
        assert!(
            (0..=50).contains(&after),
            "{after} ms after the last one ended"
        );
    }
}

#[test]
fn a_tick_in_small_steps_does_exactly_what_one_tick_does() {
    let run = |budget: Option<usize>| {
        let mut lab = Lab::new(HandlerKind::Workshop);
        for i in 0..230 {
            lab.put(&[("id", s(&format!("b{i}"))), ("name", s("n"))]);
        }
        lab.delete("b3");
        lab.put(&[("id", s("bad")), ("n", AttributeValue::N("1".into()))]);
        // Long enough for three runs, one after the other.
        for _ in 0..400 {
            lab.now += 50;
            match budget {
                None => lab.fun.tick(lab.now, &mut lab.db, &mut lab.os),
                Some(budget) => {
                    let mut more = lab
                        .fun
                        .tick_start(lab.now, &mut lab.db, &mut lab.os, budget);
                    while more {
                        more = lab
                            .fun
                            .tick_continue(lab.now, &mut lab.db, &mut lab.os, budget);
                    }
                }
            }
        }
        (
            lab.fun.invocations().to_vec(),
            format!("{:?}", lab.fun.logs()),
            lab.os.document_ids(INDEX),
        )
    };
    let whole = run(None);
    assert!(whole.0.len() >= 3, "{:?}", whole.0.len());
    assert!(whole.0.iter().any(|i| i.error.is_some()));
    assert_eq!(run(Some(3)), whole);
    assert_eq!(run(Some(1)), whole);
}

#[test]
fn update_and_delete_event_source_mapping_go_through_states_over_time() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    let uuid = lab.fun.mapping().unwrap().uuid.clone();
    let path = format!("/2015-03-31/event-source-mappings/{uuid}");
    let json = |res: &Response| serde_json::from_slice::<Value>(&res.body).unwrap();

    let res = lab.api("PUT", &path, "", r#"{"Enabled": false}"#);
    assert_eq!(res.status, 202, "{}", res.body_text());
    let m = json(&res);
    assert_eq!(m["State"], "Disabling");
    assert_eq!(m["StateTransitionReason"], "USER_INITIATED");
    assert_eq!(m["LastModified"], json!(NOW as f64 / 1000.0));
    // A second change while the first is under way is refused.
    lab.now += 1_000;
    let res = lab.api("PUT", &path, "", r#"{"Enabled": true}"#);
    assert_eq!(res.status, 400);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceInUseException")
    );
    assert_eq!(
        json(&res),
        json!({"Type": "User", "Message": format!("Cannot update the event source mapping {uuid}: it is in the Disabling state.")})
    );
    // Not polling while Disabling or Disabled: a record waits.
    lab.put(&[("id", s("w1")), ("name", s("waits"))]);
    lab.tick_for(STATE_TRANSITION_MS + 1_000);
    assert!(lab.fun.invocations().is_empty());
    let m = json(&lab.api("GET", &path, "", ""));
    assert_eq!(m["State"], "Disabled");
    assert_eq!(m["StateTransitionReason"], "User action");

    // Enabled again: Enabling, then Enabled, and the waiting record comes.
    let res = lab.api("PUT", &path, "", r#"{"Enabled": true}"#);
    assert_eq!(json(&res)["State"], "Enabling");
    let enabling_from = lab.now;
    lab.tick_for(STATE_TRANSITION_MS - 50);
    assert!(lab.fun.invocations().is_empty());
    lab.tick_for(500);
    assert_eq!(json(&lab.api("GET", &path, "", ""))["State"], "Enabled");
    let first = &lab.fun.invocations()[0];
    assert!(first.time_ms >= enabling_from + STATE_TRANSITION_MS);

    // Any other update: Updating, then back to the state it was in.
    let res = lab.api("PUT", &path, "", r#"{"BatchSize": 100}"#);
    assert_eq!(json(&res)["State"], "Updating");
    lab.tick_for(STATE_TRANSITION_MS);
    assert_eq!(json(&lab.api("GET", &path, "", ""))["State"], "Enabled");

    // Bad bodies and unknown mappings.
    let res = lab.api("PUT", &path, "", r#"{"Enabled": "no"}"#);
    assert_eq!(res.status, 400);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("InvalidParameterValueException")
    );
    let missing = "/2015-03-31/event-source-mappings/00000000-0000-0000-0000-000000000000";
    let res = lab.api("PUT", missing, "", r#"{"Enabled": true}"#);
    assert_eq!(res.status, 404);
    assert_eq!(
        json(&res)["Message"],
        "The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: rid)"
    );

    // Deleted: Deleting for a while, then not found.
    let res = lab.api("DELETE", &path, "", "");
    assert_eq!(res.status, 202);
    assert_eq!(json(&res)["State"], "Deleting");
    lab.put(&[("id", s("w2")), ("name", s("never"))]);
    lab.tick_for(STATE_TRANSITION_MS);
    assert_eq!(lab.api("GET", &path, "", "").status, 404);
    assert!(lab.fun.mapping().is_none());
    let list = json(&lab.api("GET", "/2015-03-31/event-source-mappings", "", ""));
    assert_eq!(list["EventSourceMappings"], json!([]));
    assert_eq!(
        lab.fun.invocations().len(),
        1,
        "nothing read after Deleting"
    );
}

#[test]
fn a_failing_batch_blocks_the_shard_until_its_record_expires() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    // A good record, the bad one, a good one: one batch.
    lab.put(&[("id", s("g1")), ("name", s("before"))]);
    lab.put(&[("id", s("bad")), ("count", AttributeValue::n("5").unwrap())]);
    lab.put(&[("id", s("g2")), ("name", s("after"))]);
    let written = lab.now;
    lab.tick_for(1_000);
    // A change made later waits behind the failing batch.
    lab.put(&[("id", s("g3")), ("name", s("later"))]);
    let retention = crate::dynamodb::RETENTION_MS;
    // Let almost a day pass, 10 s at a time.
    while lab.now < written + retention - 60_000 {
        lab.now += 10_000;
        lab.fun.tick(lab.now, &mut lab.db, &mut lab.os);
    }
    let invocations = lab.fun.invocations().to_vec();
    assert!(invocations.len() > 2_000, "{}", invocations.len());
    assert!(invocations.iter().all(|i| i.error.is_some()));
    let ids = |inv: &Invocation| -> Vec<String> {
        inv.records.iter().map(|r| r.event_id.clone()).collect()
    };
    let outcomes = |inv: &Invocation| -> Vec<HandlerOutcome> {
        inv.records.iter().map(|r| r.outcome).collect()
    };
    for (n, inv) in invocations.iter().enumerate() {
        // The same batch every time, attempts counting up, the iterator
        // age growing with them; the record before the bad one is sent
        // again each time, the one after it never reached.
        assert_eq!(ids(inv), ids(&invocations[0]));
        assert_eq!(
            outcomes(inv),
            [
                HandlerOutcome::Indexed,
                HandlerOutcome::Crashed,
                HandlerOutcome::NotReached
            ]
        );
        assert_eq!(inv.attempt as usize, n);
        assert_eq!(inv.iterator_age_ms, inv.time_ms - written);
    }
    assert_eq!(invocations[0].records.len(), 3);
    assert_eq!(invocations[0].records[0].status, Some(201));
    let last = invocations.last().unwrap();
    assert!(last.iterator_age_ms > retention - 120_000);
    assert_eq!(
        lab.fun.mapping().unwrap().last_result,
        ProcessingResult::FunctionCallFailed
    );
    // The record before the bad one was sent on every attempt (random
    // ids: one document per attempt); the ones after it never were.
    let names = |lab: &Lab| -> Vec<String> {
        let mut names: Vec<String> = lab
            .os
            .document_ids(INDEX)
            .iter()
            .filter_map(|id| lab.os.get_document(INDEX, id).ok().flatten())
            .map(|d| d.source["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    assert_eq!(names(&lab), ["before"]);
    assert_eq!(lab.os.document_ids(INDEX).len(), invocations.len());

    // A day after they were written the three records expire, the
    // shard moves on, and the later change flows.
    lab.now = written + retention;
    lab.tick_for(1_000);
    let after = &lab.fun.invocations()[invocations.len()..];
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].error.is_none());
    assert_eq!(after[0].attempt, 0);
    assert_eq!(outcomes(&after[0]), [HandlerOutcome::Indexed]);
    assert_eq!(lab.fun.mapping().unwrap().last_result, ProcessingResult::Ok);
    lab.tick_for(LAG);
    assert_eq!(names(&lab), ["before", "later"]);
}

#[test]
fn retries_of_a_crashing_batch_read_in_order_through_filter_log_events() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("n1")), ("count", AttributeValue::n("5").unwrap())]);
    lab.tick_for(5_000);
    let now = lab.now;
    let (status, body) = logs_call(
        &mut lab,
        "FilterLogEvents",
        json!({"logGroupName": LOG_GROUP}),
        now + 1_000,
    );
    assert_eq!(status, 200);
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let m = e["message"].as_str().unwrap();
            [
                "INIT_START",
                "START",
                "{'Records'",
                "LAMBDA_WARNING",
                "[ERROR]",
                "END",
                "REPORT",
            ]
            .into_iter()
            .find(|p| m.starts_with(p))
            .unwrap_or(m)
        })
        .collect();
    let attempts = lab.fun.invocations().len();
    assert!(attempts >= 3, "{attempts}");
    // A cold start once, then each attempt whole, never interleaved with
    // the next: a retry starts after the failed run has ended.
    let run = [
        "START",
        "{'Records'",
        "LAMBDA_WARNING",
        "[ERROR]",
        "END",
        "REPORT",
    ];
    let mut expected = vec!["INIT_START"];
    for _ in 0..attempts {
        expected.extend(run);
    }
    assert_eq!(kinds, expected);
}

#[test]
fn create_event_source_mapping_starts_creating_and_is_one_per_stream() {
    let mut lab = Lab::new(HandlerKind::Fixed);
    let json = |res: &Response| serde_json::from_slice::<Value>(&res.body).unwrap();
    let arn = lab.db.latest_stream_arn(LAB_TABLE).unwrap();
    let create = |start: &str| {
        json!({"FunctionName": FUNCTION_NAME, "EventSourceArn": arn, "StartingPosition": start})
            .to_string()
    };
    let old = lab.fun.mapping().unwrap().uuid.clone();
    let res = lab.api(
        "POST",
        "/2015-03-31/event-source-mappings",
        "",
        &create("LATEST"),
    );
    assert_eq!(res.status, 409);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceConflictException")
    );
    assert_eq!(
        json(&res),
        json!({"Type": "User", "message": format!("The event source arn (\" {arn} \") and function (\" {FUNCTION_NAME} \") provided mapping already exists. Please update or delete the existing mapping with UUID {old}")})
    );

    // Written while the trigger is away: TRIM_HORIZON reads it again.
    lab.put(&[("id", s("early")), ("name", s("e"))]);
    lab.tick_for(500);
    assert_eq!(lab.fun.invocations().len(), 1);
    let res = lab.api(
        "DELETE",
        &format!("/2015-03-31/event-source-mappings/{old}"),
        "",
        "",
    );
    assert_eq!(res.status, 202);
    for (body, message) in [
        (
            create("AT_TIMESTAMP"),
            "StartingPosition must be LATEST or TRIM_HORIZON for a DynamoDB stream, not \"AT_TIMESTAMP\".",
        ),
        (
            json!({"FunctionName": FUNCTION_NAME, "EventSourceArn": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/other/stream/x", "StartingPosition": "LATEST"}).to_string(),
            "EventSourceArn \"arn:aws:dynamodb:ap-southeast-1:123456789012:table/other/stream/x\" is not an enabled stream of lab-table.",
        ),
    ] {
        let res = lab.api("POST", "/2015-03-31/event-source-mappings", "", &body);
        assert_eq!(res.status, 400, "{body}");
        assert_eq!(json(&res)["Message"], message);
    }
    let res = lab.api(
        "POST",
        "/2015-03-31/event-source-mappings",
        "",
        &json!({"FunctionName": "nope", "EventSourceArn": arn, "StartingPosition": "LATEST"})
            .to_string(),
    );
    assert_eq!(res.status, 404);

    // While the old one is Deleting, a new one may be made.
    let res = lab.api(
        "POST",
        "/2015-03-31/event-source-mappings",
        "",
        &create("TRIM_HORIZON"),
    );
    assert_eq!(res.status, 202, "{}", res.body_text());
    let made = json(&res);
    assert_ne!(made["UUID"], old.as_str());
    assert_eq!(made["State"], "Creating");
    assert_eq!(made["StateTransitionReason"], "USER_INITIATED");
    assert_eq!(made["StartingPosition"], "TRIM_HORIZON");
    assert_eq!(made["EventSourceArn"], arn.as_str());
    lab.tick_for(STATE_TRANSITION_MS - 100);
    assert_eq!(
        lab.fun.invocations().len(),
        1,
        "nothing read while Creating"
    );
    lab.tick_for(500);
    let uuid = made["UUID"].as_str().unwrap();
    let now = json(&lab.api(
        "GET",
        &format!("/2015-03-31/event-source-mappings/{uuid}"),
        "",
        "",
    ));
    assert_eq!(
        (&now["State"], &now["StateTransitionReason"]),
        (&json!("Enabled"), &json!("User action"))
    );
    // From the trim horizon: the early record once more.
    let runs = lab.fun.invocations();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].records[0].event_id, runs[0].records[0].event_id);
}

#[test]
fn an_item_with_a_50000_element_list_is_printed_and_fails_in_steps() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let list = (0..50_000).map(|i| s(&format!("v{i}"))).collect();
    lab.put(&[("id", s("big")), ("list", AttributeValue::L(list))]);
    lab.now += 300;
    // Each step is what the server runs under the simulator's lock. Printing
    // the record through its JSON took about 600 ms here (80 ms in a
    // release build); from its items, a few.
    let mut longest = std::time::Duration::ZERO;
    let timed = |lab: &mut Lab, first: bool| {
        let started = std::time::Instant::now();
        let more = if first {
            lab.fun.tick_start(lab.now, &mut lab.db, &mut lab.os, 4)
        } else {
            lab.fun.tick_continue(lab.now, &mut lab.db, &mut lab.os, 4)
        };
        (more, started.elapsed())
    };
    let (mut more, took) = timed(&mut lab, true);
    longest = longest.max(took);
    while more {
        let (again, took) = timed(&mut lab, false);
        longest = longest.max(took);
        more = again;
    }
    let run = lab.fun.invocations().last().expect("an invocation");
    assert!(run.error.as_deref().is_some_and(|e| e.contains("KeyError")));
    let printed = lab
        .messages()
        .into_iter()
        .find(|m| m.starts_with("{'Records'"));
    assert!(printed.is_some_and(|p| p.contains("'v49999'")));
    // A figure, not a check: timing depends on the machine's load, so the
    // target (a few ms in release) is checked by `make bench`.
    eprintln!("50,000-element item: longest poller step {longest:?} (debug build)");
}

#[test]
fn typed_handler_writes_every_attribute_type_as_its_json() {
    let mut lab = Lab::new(HandlerKind::Typed);
    let n = |text: &str| AttributeValue::n(text).unwrap();
    let inner: Item = [
        ("ok".to_owned(), AttributeValue::Bool(true)),
        ("at".to_owned(), n("1.5")),
    ]
    .into();
    lab.put(&[
        ("id", s("t1")),
        ("name", s("Typed")),
        ("count", n("3")),
        ("price", n("-2.25")),
        ("tiny", n("0.00000012")),
        ("done", AttributeValue::Bool(false)),
        ("gone", AttributeValue::Null),
        ("meta", AttributeValue::M(inner)),
        ("list", AttributeValue::L(vec![s("a"), n("7")])),
        ("tags", AttributeValue::Ss(vec!["x".into(), "y".into()])),
        ("scores", AttributeValue::Ns(vec!["1".into(), "2.5".into()])),
        ("blob", AttributeValue::B(b"hi".to_vec())),
    ]);
    lab.tick_for(500);
    let invocations = lab.fun.invocations();
    assert_eq!(invocations.len(), 1);
    assert_eq!(invocations[0].error, None);
    assert_eq!(invocations[0].records[0].outcome, HandlerOutcome::Indexed);
    // Keyed by the DynamoDB id, as the fixed handler is.
    assert_eq!(invocations[0].records[0].document_id.as_deref(), Some("t1"));
    let document = lab.os.get_document(INDEX, "t1").unwrap().unwrap();
    assert_eq!(
        document.source,
        json!({
            "id": "t1", "name": "Typed", "count": 3, "price": -2.25, "tiny": 1.2e-7,
            "done": false, "gone": null, "meta": {"ok": true, "at": 1.5},
            "list": ["a", 7], "tags": ["x", "y"], "scores": [1, 2.5], "blob": "aGk="
        })
    );
    // The line prints the document as Python holds it: decimals, sets.
    let line = "Successfully: {'blob': 'aGk=', 'count': Decimal('3'), 'done': False, \
                'gone': None, 'id': 't1', 'list': ['a', Decimal('7')], \
                'meta': {'at': Decimal('1.5'), 'ok': True}, 'name': 'Typed', \
                'price': Decimal('-2.25'), 'scores': {Decimal('1'), Decimal('2.5')}, \
                'tags': {'x', 'y'}, 'tiny': Decimal('1.2E-7')}\n";
    assert!(
        lab.messages().contains(&line.to_owned()),
        "{:#?}",
        lab.messages()
    );
}

#[test]
fn a_crashed_batch_goes_through_at_the_next_attempt_once_the_typed_handler_is_deployed() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[
        ("id", s("bad")),
        ("name", s("Has a number")),
        ("count", AttributeValue::n("3").unwrap()),
    ]);
    lab.tick_for(1_000);
    // Written after the first attempt: not in the failing batch, behind it.
    lab.put(&[("id", s("later")), ("name", s("Behind"))]);
    lab.put(&[("id", s("last")), ("name", s("Behind too"))]);
    // Long enough for the back-off to reach its cap.
    lab.tick_for(40_000);
    let failed = lab.fun.invocations().len();
    assert!(lab.fun.invocations().iter().all(|i| i.error.is_some()));
    let last_attempt = lab.fun.invocations()[failed - 1].time_ms;
    assert!(lab.now - last_attempt > 5_000, "waiting out the back-off");
    assert!(lab.os.document_ids(INDEX).is_empty());

    let deployed = lab.now;
    lab.fun.set_handler(HandlerKind::Typed, deployed);
    lab.tick_for(1_000);
    let after = &lab.fun.invocations()[failed..];
    assert!(after.len() >= 2, "{after:?}");
    // The retry (the same batch, its attempt counted on) within a poll
    // interval of the deploy, run by the new code, in a cold environment.
    assert!(
        after[0].time_ms - deployed <= POLL_INTERVAL_MS,
        "{}",
        after[0].time_ms - deployed
    );
    assert_eq!(after[0].attempt as usize, failed);
    assert!(after[0].cold_start);
    assert_eq!(after[0].error, None);
    let ids = |inv: &Invocation| -> Vec<String> {
        inv.records.iter().map(|r| r.event_id.clone()).collect()
    };
    assert_eq!(ids(&after[0]), ids(&lab.fun.invocations()[0]));
    assert_eq!(after[0].records[0].outcome, HandlerOutcome::Indexed);
    // The records behind follow in order, in the next batch.
    let behind: Vec<(&str, HandlerOutcome)> = after[1..]
        .iter()
        .flat_map(|i| &i.records)
        .map(|r| (r.document_id.as_deref().unwrap_or_default(), r.outcome))
        .collect();
    assert_eq!(
        behind,
        [
            ("later", HandlerOutcome::Indexed),
            ("last", HandlerOutcome::Indexed)
        ]
    );
    assert_eq!(after[1].attempt, 0);
    assert_eq!(lab.fun.mapping().unwrap().last_result, ProcessingResult::Ok);
    let bad = lab.os.get_document(INDEX, "bad").unwrap().unwrap();
    assert_eq!(bad.source["count"], json!(3));
    assert!(lab.messages().contains(
        &"Successfully: {'count': Decimal('3'), 'id': 'bad', 'name': 'Has a number'}\n".to_owned()
    ));
    lab.tick_for(LAG);
    assert_eq!(lab.search_names(), ["Behind", "Behind too", "Has a number"]);
}

#[test]
fn a_deploy_during_a_failing_run_still_brings_its_retry_forward() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("bad")), ("count", AttributeValue::n("3").unwrap())]);
    lab.tick_for(20_000);
    let failed = lab.fun.invocations().len();
    // The next attempt starts, its first step done; the code changes
    // before the run ends (a server answers requests between steps).
    let due = lab.now + 20_000;
    let mut steps = 0;
    let mut now = lab.now;
    while lab.fun.invocations().len() == failed && now < due {
        now += 50;
        if lab.fun.tick_start(now, &mut lab.db, &mut lab.os, 1) {
            steps += 1;
            lab.fun.set_handler(HandlerKind::Typed, now);
            while lab.fun.tick_continue(now, &mut lab.db, &mut lab.os, 1) {}
        }
    }
    assert_eq!(steps, 1, "one run in steps");
    let crashed = lab.fun.invocations().last().unwrap().clone();
    assert!(
        crashed.error.is_some(),
        "the run kept the code it started with"
    );
    lab.now = now;
    lab.tick_for(1_000);
    let next = &lab.fun.invocations()[failed + 1];
    assert_eq!(next.error, None);
    assert!(next.time_ms - now <= 1_000, "{}", next.time_ms - now);
}

const CONFIGURATION: &str = "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration";

/// The lab's five variables, some changed (`None` removes one), as a
/// request's `Variables`.
fn lab_with(lab: &Lab, changes: &[(&str, Option<&str>)]) -> Value {
    let mut vars = lab.fun.lab_variables();
    for (name, value) in changes {
        match value {
            Some(v) => vars.insert((*name).to_owned(), (*v).to_owned()),
            None => vars.remove(*name),
        };
    }
    json!(vars)
}

fn update(lab: &mut Lab, variables: &Value) -> Response {
    let body = json!({"Environment": {"Variables": variables}}).to_string();
    lab.api("PUT", CONFIGURATION, "", &body)
}

fn json(res: &Response) -> Value {
    serde_json::from_slice(&res.body).unwrap()
}

#[test]
fn update_function_configuration_replaces_the_variables_through_in_progress() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let before = json(&lab.api("GET", CONFIGURATION, "", ""));
    assert_eq!(before["LastUpdateStatus"], "Successful");
    lab.tick_for(1_000);
    let wrong = lab_with(&lab, &[("OPENSEARCH_INDEX", Some("dynamodb-replicate"))]);
    let res = update(&mut lab, &wrong);
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(res.header("x-amzn-RequestId"), Some("rid"));
    let answer = json(&res);
    assert_eq!(answer["Environment"]["Variables"], wrong);
    assert_eq!(answer["LastUpdateStatus"], "InProgress");
    assert_eq!(
        answer["LastUpdateStatusReason"],
        "The function is being created."
    );
    assert_eq!(answer["LastUpdateStatusReasonCode"], "Creating");
    assert_eq!(answer["State"], "Active");
    assert_eq!(answer["LastModified"], "2024-10-08T19:55:23.000+0000");
    assert_ne!(answer["RevisionId"], before["RevisionId"]);
    // The rest of the configuration is what GetFunctionConfiguration says.
    let got = json(&lab.api("GET", CONFIGURATION, "", ""));
    assert_eq!(got, answer);
    // A second update while the first is in progress: AWS's conflict.
    let res = update(&mut lab, &wrong);
    assert_eq!(res.status, 409);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceConflictException")
    );
    assert_eq!(
        json(&res),
        json!({"Type": "User", "message": "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream"})
    );
    lab.tick_for(CONFIG_UPDATE_MS);
    let done = json(&lab.api("GET", CONFIGURATION, "", ""));
    assert_eq!(done["LastUpdateStatus"], "Successful");
    assert_eq!(done.get("LastUpdateStatusReason"), None);
    assert_eq!(done.get("LastUpdateStatusReasonCode"), None);
    assert_eq!(done["RevisionId"], answer["RevisionId"]);
    assert_eq!(done["Environment"]["Variables"], wrong);
    let function = json(&lab.api(
        "GET",
        "/2015-03-31/functions/sync-data-with-dynamodb-stream",
        "",
        "",
    ));
    assert_eq!(function["Configuration"], done);

    // No Environment: the variables stay, and it is an update all the same.
    let res = lab.api(
        "PUT",
        CONFIGURATION,
        "",
        r#"{"Timeout": 3, "Description": ""}"#,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    let kept = json(&res);
    assert_eq!(kept["Environment"]["Variables"], wrong);
    assert_ne!(kept["RevisionId"], done["RevisionId"]);
    assert_eq!(kept["LastUpdateStatus"], "InProgress");
    lab.tick_for(CONFIG_UPDATE_MS);
    // The RevisionId the caller read must be the function's, if given.
    let stale = json!({"RevisionId": done["RevisionId"], "Environment": {"Variables": {}}});
    let res = lab.api("PUT", CONFIGURATION, "", &stale.to_string());
    assert_eq!(res.status, 412);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("PreconditionFailedException")
    );
    assert_eq!(
        json(&res)["message"],
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    );
    // Empty Variables (or none) remove them all: no Environment then.
    let current = json!({"RevisionId": kept["RevisionId"], "Environment": {}});
    let res = lab.api("PUT", CONFIGURATION, "", &current.to_string());
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(json(&res).get("Environment"), None);
    assert!(lab.fun.variables().is_empty());
}

#[test]
fn update_function_configuration_refuses_what_lambda_refuses() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let lab_vars = lab_with(&lab, &[]);
    let cases: [(&str, u16, &str, &str); 6] = [
        (
            r#"{"Environment": {"Variables": {"AWS_REGION": "ap-southeast-1", "REGION": "x"}}}"#,
            400,
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION",
        ),
        (
            r#"{"Environment": {"Variables": {"OPENSEARCH-HOST": "x"}}}"#,
            400,
            "ValidationException",
            "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
        ),
        (
            r#"{"Environment": {"Variables": {"REGION": 7}}}"#,
            400,
            "InvalidParameterValueException",
            "Environment.Variables.REGION must be a string, not a number.",
        ),
        (
            r#"{"Environment": {"Variables": ["REGION"]}}"#,
            400,
            "InvalidParameterValueException",
            "Environment.Variables must be an object of names to strings, not an array.",
        ),
        (
            r#"{"Environment": "REGION=x"}"#,
            400,
            "InvalidParameterValueException",
            "Environment must be an object such as {\"Variables\": {...}}.",
        ),
        (
            "not json",
            400,
            "InvalidParameterValueException",
            "The request body is not a valid UpdateFunctionConfiguration request.",
        ),
    ];
    for (body, status, kind, message) in cases {
        let res = lab.api("PUT", CONFIGURATION, "", body);
        assert_eq!(res.status, status, "{body}");
        assert_eq!(res.header("x-amzn-ErrorType"), Some(kind), "{body}");
        let answer = json(&res);
        let text = answer["message"].as_str().or(answer["Message"].as_str());
        assert_eq!(text, Some(message), "{body}");
    }
    // Nothing changed, and no update was started.
    assert_eq!(json!(lab.fun.variables()), lab_vars);
    assert!(!lab.fun.update_in_progress(lab.now));

    let res = lab.api(
        "PUT",
        "/2015-03-31/functions/nope/configuration",
        "",
        r#"{"Environment": {"Variables": {}}}"#,
    );
    assert_eq!(res.status, 404);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        json(&res),
        json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:nope"})
    );
    // By its ARN, as the console and SDKs may name it.
    let arn = lab.fun.function_arn();
    let res = lab.api(
        "PUT",
        &format!("/2015-03-31/functions/{arn}/configuration"),
        "",
        r#"{"Environment": {"Variables": {"REGION": "ap-southeast-1"}}}"#,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(
        json!(lab.fun.variables()),
        json!({"REGION": "ap-southeast-1"})
    );
}

/// The `_source.name`s search finds in `index`.
fn names_in(lab: &Lab, index: &str) -> Vec<String> {
    let found = lab
        .os
        .search(index, &json!({"query": {"match_all": {}}}), lab.now)
        .map(|r| r.hits)
        .unwrap_or_default();
    let mut names: Vec<String> = found
        .iter()
        .map(|h| h.source["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_invocation_during_an_update_gets_the_variables_before_it() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    lab.put(&[("id", s("warm")), ("name", s("Warm"))]);
    lab.tick_for(500);
    let wrong = lab_with(&lab, &[("OPENSEARCH_INDEX", Some("elsewhere"))]);
    assert_eq!(update(&mut lab, &wrong).status, 200);
    let updated_at = lab.now;
    lab.put(&[("id", s("during")), ("name", s("During"))]);
    lab.tick_for(CONFIG_UPDATE_MS);
    lab.put(&[("id", s("after")), ("name", s("After"))]);
    lab.tick_for(1_000);
    let invocations = lab.fun.invocations();
    let during = invocations
        .iter()
        .find(|i| i.time_ms > updated_at && i.time_ms < updated_at + CONFIG_UPDATE_MS)
        .expect("an invocation while the update was in progress");
    assert!(!during.cold_start, "the version before: its environment");
    let after = invocations
        .iter()
        .find(|i| i.time_ms >= updated_at + CONFIG_UPDATE_MS)
        .expect("an invocation once it was done");
    assert!(after.cold_start, "a new version starts cold");
    lab.tick_for(LAG);
    assert_eq!(lab.search_names(), ["During", "Warm"]);
    assert_eq!(names_in(&lab, "elsewhere"), ["After"]);
}

#[test]
fn each_missing_variable_raises_its_key_error_where_the_handler_reads_it() {
    let reads = [
        ("OPENSEARCH_HOST", 8, "host = os.environ['OPENSEARCH_HOST']"),
        (
            "OPENSEARCH_INDEX",
            9,
            "index = os.environ['OPENSEARCH_INDEX']",
        ),
        (
            "OPENSEARCH_DATATYPE",
            10,
            "datatype = os.environ['OPENSEARCH_DATATYPE']",
        ),
        ("REGION", 11, "region = os.environ['REGION']"),
        ("AWS_SERVICE", 12, "service = os.environ['AWS_SERVICE']"),
    ];
    for (name, line, source) in reads {
        let mut lab = Lab::new(HandlerKind::Fixed);
        let vars = lab_with(&lab, &[(name, None)]);
        assert_eq!(update(&mut lab, &vars).status, 200);
        lab.tick_for(CONFIG_UPDATE_MS);
        lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
        lab.tick_for(300);
        let error = lab.fun.invocations()[0].error.clone().unwrap();
        assert_eq!(
            error,
            format!(
                "[ERROR] KeyError: '{name}'\rTraceback (most recent call last):\r\u{a0}\u{a0}File \"/var/task/lambda_function.py\", line {line}, in lambda_handler\r\u{a0}\u{a0}\u{a0}\u{a0}{source}"
            )
        );
        // It failed before printing the event: nothing else was logged.
        assert!(!lab.messages().iter().any(|m| m.starts_with("{'Records'")));
    }
}

#[test]
fn a_wrong_region_or_service_signs_a_request_the_collection_refuses() {
    for (name, value, message) in [
        (
            "REGION",
            "us-east-1",
            r#"{"message":"Credential should be scoped to a valid region."}"#,
        ),
        (
            "AWS_SERVICE",
            "es",
            r#"{"message":"Credential should be scoped to correct service: 'aoss'."}"#,
        ),
    ] {
        let mut lab = Lab::new(HandlerKind::Workshop);
        let vars = lab_with(&lab, &[(name, Some(value))]);
        assert_eq!(update(&mut lab, &vars).status, 200);
        lab.tick_for(CONFIG_UPDATE_MS);
        lab.put(&[("id", s("a1")), ("name", s("Ann"))]);
        lab.tick_for(300);
        let run = &lab.fun.invocations()[0];
        assert_eq!(run.error, None, "an HTTP failure is printed, not raised");
        assert_eq!(run.records[0].outcome, HandlerOutcome::FailedToIndex);
        assert_eq!(run.records[0].status, Some(403));
        assert!(
            lab.messages().contains(&format!(
                "Failed to index item: {{'id': 'a1', 'name': 'Ann'}}, Response: {message}\n"
            )),
            "{name}: {:?}",
            lab.messages()
        );
        lab.tick_for(LAG);
        assert!(lab.os.index_names().is_empty(), "{name}");
    }
}

#[test]
fn an_update_brings_a_failing_batchs_retry_forward_once_it_is_done() {
    let mut lab = Lab::with(LambdaSetup {
        env_vars_set: false,
        ..LambdaSetup::default()
    });
    lab.put(&[("id", s("waiting")), ("name", s("Waiting"))]);
    // The back-off at its cap, and just after a failed attempt: the next
    // would be 30 s away.
    lab.tick_for(40_000);
    let before = lab.fun.invocations().len();
    while lab.fun.invocations().len() == before {
        lab.tick_for(50);
    }
    let failed = lab.fun.invocations().len();
    assert!(lab.fun.invocations().iter().all(|i| i
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("[ERROR] KeyError: 'OPENSEARCH_HOST'"))));
    let vars = lab_with(&lab, &[]);
    assert_eq!(update(&mut lab, &vars).status, 200);
    let done = lab.now + CONFIG_UPDATE_MS;
    lab.tick_for(2_000);
    let retry = lab
        .fun
        .invocations()
        .get(failed)
        .cloned()
        .expect("a retry within a second of the update's end");
    assert!(
        retry.time_ms >= done && retry.time_ms - done <= POLL_INTERVAL_MS,
        "{} after the update was done",
        retry.time_ms - done
    );
    assert_eq!(retry.error, None);
    assert_eq!(retry.attempt as usize, failed);
    lab.tick_for(LAG);
    assert_eq!(lab.search_names(), ["Waiting"]);
}

const FUNCTIONS: &str = "/2015-03-31/functions";

#[test]
fn list_functions_shows_the_function_as_get_function_configuration_does_less_its_states() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let config = json(&lab.api("GET", CONFIGURATION, "", ""));
    // Both spellings of the route: the SDKs' and AWS's reference's.
    for path in [FUNCTIONS, "/2015-03-31/functions/"] {
        let res = lab.api("GET", path, "", "");
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(res.header("x-amzn-RequestId"), Some("rid"));
        let mut expected = config.clone();
        for field in ["State", "LastUpdateStatus", "RuntimeVersionConfig"] {
            assert!(expected.as_object_mut().unwrap().remove(field).is_some());
        }
        assert_eq!(
            json(&res),
            json!({"Functions": [expected], "NextMarker": null})
        );
    }
}

#[test]
fn list_functions_lists_nothing_before_the_function_exists() {
    let mut lab = Lab::with(LambdaSetup {
        function_exists: false,
        ..LambdaSetup::default()
    });
    let res = lab.api("GET", FUNCTIONS, "MaxItems=1", "");
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(json(&res), json!({"Functions": [], "NextMarker": null}));
    // Once it is created, it is listed.
    lab.fun.set_function_exists(true, lab.now);
    let listed = json(&lab.api("GET", FUNCTIONS, "", ""));
    assert_eq!(listed["Functions"][0]["FunctionName"], FUNCTION_NAME);
}

#[test]
fn list_functions_pages_by_max_items() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    // One function, one item per page: the page is the last, no marker.
    let one = json(&lab.api("GET", FUNCTIONS, "MaxItems=1", ""));
    assert_eq!(one["Functions"].as_array().unwrap().len(), 1);
    assert_eq!(one["NextMarker"], Value::Null);
    // Above AWS's cap of 50 is accepted (up to the model's 10000).
    let many = json(&lab.api("GET", FUNCTIONS, "MaxItems=10000", ""));
    assert_eq!(many, one);
    // ALL versions: the one version, $LATEST, its ARN qualified.
    let all = json(&lab.api("GET", FUNCTIONS, "FunctionVersion=ALL", ""));
    assert_eq!(
        all["Functions"][0]["FunctionArn"],
        format!("{}:$LATEST", lab.fun.function_arn())
    );
    assert_eq!(all["Functions"][0]["Version"], "$LATEST");
    // Lambda@Edge replicas only: the lab's function is none.
    let edge = json(&lab.api(
        "GET",
        FUNCTIONS,
        "MasterRegion=us-east-1&FunctionVersion=ALL",
        "",
    ));
    assert_eq!(edge["Functions"], json!([]));
}

#[test]
fn list_functions_refuses_a_bad_max_items_as_lambda_does() {
    let mut lab = Lab::new(HandlerKind::Workshop);
    let cases = [
        (
            "MaxItems=0",
            "ValidationException",
            "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        (
            "MaxItems=10001",
            "ValidationException",
            "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000",
        ),
        (
            "FunctionVersion=LATEST",
            "ValidationException",
            "1 validation error detected: Value 'LATEST' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
        ),
        (
            "MaxItems=ten",
            "InvalidParameterValueException",
            "MaxItems must be a whole number, not \"ten\".",
        ),
        (
            "Marker=nonsense",
            "InvalidParameterValueException",
            "The Marker \"nonsense\" is not one this API returned as NextMarker.",
        ),
    ];
    for (query, kind, message) in cases {
        let res = lab.api("GET", FUNCTIONS, query, "");
        assert_eq!(res.status, 400, "{query}");
        assert_eq!(res.header("x-amzn-ErrorType"), Some(kind), "{query}");
        assert_eq!(
            json(&res),
            json!({"Type": "User", "Message": message}),
            "{query}"
        );
    }
}
