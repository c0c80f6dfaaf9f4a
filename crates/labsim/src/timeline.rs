//! The ground-truth timeline (`GET /_labsim/events`): every hop a record
//! takes, from the API request through the table, its stream, the Lambda
//! and the collection, until search sees it, correlated by id where the
//! data allows (the item's `id` is the API request id; the stream record
//! carries it; the invocation lists its records; the document's
//! `_source.id` is it again).
//!
//! A pure function over the simulator's state: it adds nothing to it.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::dynamodb::{AttributeValue, Item, WriteEvent};
use crate::lambda::{Invocation, LOG_GROUP};
use crate::opensearch::TimelineAction;
use crate::Simulator;

/// Every event kind, in causal order (events at the same millisecond are
/// listed in this order).
pub const KINDS: [&str; 7] = [
    "fault",
    "api_request",
    "table_write",
    "stream_record",
    "lambda_invocation",
    "index_write",
    "searchable",
];

/// One event: its time, kind and the kind's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub time_ms: i64,
    pub kind: &'static str,
    pub fields: Map<String, Value>,
}

impl Event {
    fn new(time_ms: i64, kind: &'static str, fields: Value) -> Self {
        let fields = match fields {
            Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => Map::new(),
        };
        Event {
            time_ms,
            kind,
            fields,
        }
    }

    /// `{"time_ms": ..., "kind": ..., ...fields}`.
    pub fn to_json(&self) -> Value {
        let mut map = self.fields.clone();
        map.insert("time_ms".into(), json!(self.time_ms));
        map.insert("kind".into(), json!(self.kind));
        Value::Object(map)
    }

    /// A string field.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
}

/// The key id of an item: its `id` string, or else its first string key.
fn key_id(keys: &Item) -> Option<String> {
    let s = |v: &AttributeValue| match v {
        AttributeValue::S(s) => Some(s.clone()),
        _ => None,
    };
    keys.get(crate::dynamodb::LAB_TABLE_KEY)
        .and_then(s)
        .or_else(|| keys.values().find_map(s))
}

/// What a handler's log line says it did with one record.
fn outcome(line: &str) -> Option<&'static str> {
    if line.starts_with("Successfully:") {
        Some("indexed")
    } else if line.starts_with("Failed to index item:") {
        Some("failed_to_index")
    } else if line.starts_with("Removed item successfully") {
        Some("removed")
    } else if line.starts_with("Failed to remove item") {
        Some("failed_to_remove")
    } else if line.starts_with("[ERROR]") {
        Some("error")
    } else {
        None
    }
}

/// The per-record outcomes an invocation logged, in record order.
fn outcomes(sim: &Simulator, invocation: &Invocation) -> Vec<&'static str> {
    let Some(stream) = sim
        .lambda()
        .logs()
        .group(LOG_GROUP)
        .and_then(|g| g.streams.iter().find(|s| s.name == invocation.log_stream))
    else {
        return Vec::new();
    };
    let start = format!("START RequestId: {}", invocation.request_id);
    let end = format!("END RequestId: {}", invocation.request_id);
    stream
        .events
        .iter()
        .skip_while(|e| !e.message.starts_with(&start))
        .take_while(|e| !e.message.starts_with(&end))
        .filter_map(|e| outcome(&e.message))
        .collect()
}

/// The timeline at `now_ms`, oldest first; with `since_ms`, only events at
/// or after it.
pub fn events(sim: &Simulator, since_ms: Option<i64>, now_ms: i64) -> Vec<Event> {
    let mut out = Vec::new();
    for f in sim.fault_log() {
        out.push(Event::new(
            f.time_ms,
            "fault",
            json!({
                "fault_id": f.rule_id,
                "service": f.service.key(),
                "fault": f.fault,
                "operation": f.operation,
                "method": f.method,
                "path": f.path,
                "status": f.status,
                "delay_ms": f.delay_ms,
            }),
        ));
    }
    for a in sim.api_log() {
        // The integration writes the item under the request id.
        let wrote = a.method == "POST" && a.status == 200 && a.integration_error.is_none();
        out.push(Event::new(
            a.time_ms,
            "api_request",
            json!({
                "request_id": a.request_id,
                "method": a.method,
                "path": a.path,
                "status": a.status,
                "error_type": a.error_type,
                "integration_error": a.integration_error,
                "item_id": wrote.then_some(&a.request_id),
            }),
        ));
    }
    let api_ids: BTreeMap<&str, ()> = sim
        .api_log()
        .iter()
        .map(|a| (a.request_id.as_str(), ()))
        .collect();
    // Stream record event id -> (sequence number, key id, event name).
    let mut by_event_id: BTreeMap<&str, (&str, Option<String>, &'static str)> = BTreeMap::new();
    let writes: &[WriteEvent] = sim.dynamodb().events();
    for w in writes {
        let key = key_id(&w.keys);
        let api_request_id = key
            .as_deref()
            .filter(|k| api_ids.contains_key(k))
            .map(str::to_owned);
        out.push(Event::new(
            w.time_ms,
            "table_write",
            json!({
                "table": w.table,
                "operation": w.operation.as_str(),
                "key_id": key,
                "changed": w.change.is_some(),
                "event_name": w.change.map(|c| c.as_str()),
                "sequence_number": w.record.as_ref().map(|r| &r.sequence_number),
                "api_request_id": api_request_id,
            }),
        ));
        if let (Some(record), Some(change)) = (&w.record, w.change) {
            by_event_id.insert(
                record.event_id.as_str(),
                (
                    record.sequence_number.as_str(),
                    key.clone(),
                    change.as_str(),
                ),
            );
            out.push(Event::new(
                w.time_ms,
                "stream_record",
                json!({
                    "eventName": change.as_str(),
                    "SequenceNumber": record.sequence_number,
                    "shard_id": record.shard_id,
                    "event_id": record.event_id,
                    "stream_arn": record.stream_arn,
                    "key_id": key,
                }),
            ));
        }
    }
    // (time, key id) -> invocation request id, for the index writes.
    let mut invoked: BTreeMap<(i64, String), &str> = BTreeMap::new();
    for inv in sim.lambda().invocations() {
        let outcomes = outcomes(sim, inv);
        let records: Vec<Value> = inv
            .event_ids
            .iter()
            .enumerate()
            .map(|(i, event_id)| {
                let (seq, key, name) = by_event_id
                    .get(event_id.as_str())
                    .cloned()
                    .map_or((None, None, None), |(s, k, n)| (Some(s), k, Some(n)));
                if let Some(k) = &key {
                    invoked.insert((inv.time_ms, k.clone()), inv.request_id.as_str());
                }
                json!({
                    "event_id": event_id,
                    "SequenceNumber": seq,
                    "eventName": name,
                    "key_id": key,
                    "outcome": outcomes.get(i),
                })
            })
            .collect();
        let sequence_numbers: Vec<&Value> = records.iter().map(|r| &r["SequenceNumber"]).collect();
        out.push(Event::new(
            inv.time_ms,
            "lambda_invocation",
            json!({
                "request_id": inv.request_id,
                "result": if inv.error.is_none() { "ok" } else { "failed" },
                "error": inv.error,
                "attempt": inv.attempt,
                "cold_start": inv.cold_start,
                "log_stream": inv.log_stream,
                "sequence_numbers": sequence_numbers,
                "outcomes": outcomes,
                "records": records,
            }),
        ));
    }
    let collection = sim.collection();
    let mut searchable = Vec::new();
    for entry in collection.timeline() {
        let source_id = collection
            .source_of_version(&entry.index, &entry.id, entry.version)
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
        let result = match entry.action {
            TimelineAction::Created => "created",
            TimelineAction::Updated => "updated",
            TimelineAction::Deleted => "deleted",
        };
        let invocation = source_id
            .iter()
            .chain(std::iter::once(&entry.id))
            .find_map(|k| invoked.get(&(entry.written_at_ms, k.clone())))
            .copied();
        out.push(Event::new(
            entry.written_at_ms,
            "index_write",
            json!({
                "index": entry.index,
                "_id": entry.id,
                "result": result,
                "version": entry.version,
                "source_id": source_id,
                "searchable_at_ms": entry.searchable_at_ms,
                "invocation_request_id": invocation,
            }),
        ));
        if entry.searchable_at_ms <= now_ms {
            searchable.push(Event::new(
                entry.searchable_at_ms,
                "searchable",
                json!({
                    "index": entry.index,
                    "_id": entry.id,
                    "result": result,
                    "source_id": source_id,
                    "written_at_ms": entry.written_at_ms,
                }),
            ));
        }
    }
    out.extend(searchable);
    // Stable: events at the same millisecond stay in causal order.
    out.sort_by_key(|e| e.time_ms);
    if let Some(since) = since_ms {
        out.retain(|e| e.time_ms >= since);
    }
    out
}

/// `GET /_labsim/events`'s body.
pub fn events_json(sim: &Simulator, since_ms: Option<i64>, now_ms: i64) -> Value {
    let events: Vec<Value> = events(sim, since_ms, now_ms)
        .iter()
        .map(Event::to_json)
        .collect();
    json!({ "events": events })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Request;
    use crate::test_support::NOW;
    use crate::{Service, SimConfig};

    fn run_post() -> (Simulator, i64) {
        let mut sim = Simulator::new(SimConfig::new(5), NOW);
        let post = Request::new("POST", "/v1/lab").with_body(r#"{"name":"Ann","type":"cat"}"#);
        let res = sim.handle(Service::ApiGateway, &post, NOW + 100);
        assert_eq!(res.status, 200);
        let mut now = NOW + 100;
        while now < NOW + 12_000 {
            now += 50;
            sim.tick(now);
        }
        (sim, now)
    }

    #[test]
    fn a_post_through_the_api_shows_every_hop_in_order_correlated_by_id() {
        let (sim, now) = run_post();
        let events = events(&sim, None, now);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "api_request",
                "table_write",
                "stream_record",
                "lambda_invocation",
                "index_write",
                "searchable"
            ]
        );
        let times: Vec<i64> = events.iter().map(|e| e.time_ms).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        let [api, write, record, invocation, index, searchable] = &events[..] else {
            unreachable!()
        };
        let id = api.str("request_id").unwrap();
        assert_eq!(api.fields["status"], 200);
        assert_eq!(api.str("item_id"), Some(id));
        assert_eq!(write.str("key_id"), Some(id));
        assert_eq!(write.str("operation"), Some("PutItem"));
        assert_eq!(write.fields["changed"], true);
        assert_eq!(write.str("api_request_id"), Some(id));
        assert_eq!(record.str("key_id"), Some(id));
        assert_eq!(record.str("eventName"), Some("INSERT"));
        let seq = record.str("SequenceNumber").unwrap();
        assert_eq!(write.str("sequence_number"), Some(seq));
        assert!(record.str("shard_id").unwrap().starts_with("shardId-"));
        assert_eq!(invocation.str("result"), Some("ok"));
        assert_eq!(invocation.fields["sequence_numbers"], json!([seq]));
        assert_eq!(invocation.fields["outcomes"], json!(["indexed"]));
        assert_eq!(invocation.fields["records"][0]["key_id"], id);
        let inv_id = invocation.str("request_id").unwrap();
        assert_eq!(index.str("source_id"), Some(id));
        assert_eq!(index.str("result"), Some("created"));
        assert_eq!(index.str("invocation_request_id"), Some(inv_id));
        assert_eq!(index.time_ms, invocation.time_ms);
        assert_eq!(index.fields["searchable_at_ms"], searchable.time_ms);
        assert_eq!(searchable.time_ms, index.time_ms + 10_000);
        assert_eq!(searchable.str("_id"), index.str("_id"));
        assert_eq!(searchable.str("source_id"), Some(id));

        // Not yet searchable: no such event. since_ms filters.
        assert!(events_of(&sim, None, index.time_ms)
            .iter()
            .all(|e| e.kind != "searchable"));
        let late: Vec<&str> = events_of(&sim, Some(index.time_ms), now)
            .iter()
            .map(|e| e.kind)
            .collect();
        // The invocation wrote at the same millisecond.
        assert_eq!(late, ["lambda_invocation", "index_write", "searchable"]);
    }

    fn events_of(sim: &Simulator, since: Option<i64>, now: i64) -> Vec<Event> {
        events(sim, since, now)
    }

    #[test]
    fn the_control_endpoint_serves_the_timeline_with_cors() {
        let (mut sim, now) = run_post();
        let req = Request::new("GET", "/_labsim/events").with_header("Origin", "http://x");
        let res = sim.handle(Service::Sts, &req, now);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("access-control-allow-origin"), Some("http://x"));
        let body: Value = serde_json::from_slice(&res.body).unwrap();
        assert_eq!(body["events"].as_array().unwrap().len(), 6);
        assert_eq!(body["events"][0]["kind"], "api_request");
        assert!(body["events"][0]["time_ms"].is_i64());
        let since = Request::new("GET", "/_labsim/events").with_query(&format!("since_ms={now}"));
        let body: Value =
            serde_json::from_slice(&sim.handle(Service::Sts, &since, now).body).unwrap();
        assert_eq!(body, json!({"events": []}));
        let bad = Request::new("GET", "/_labsim/events").with_query("since_ms=soon");
        assert_eq!(sim.handle(Service::Sts, &bad, now).status, 400);
    }
}
