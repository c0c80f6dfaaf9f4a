//! The document watch: one `_search` a poll for every flow waiting at the
//! document hop, with a `terms` query on `id.keyword`, so a thousand
//! waiting flows cost one request, not a thousand. The hits are split per
//! item into [`DocumentSearch`] observations; an item with no hit gets an
//! empty one, which is how a REMOVE is confirmed (never when the answer
//! was cut short: then a missing hit proves nothing).
//!
//! The index is the function's OPENSEARCH_INDEX once known, else the
//! configuration's. At most one request every [`SEARCH_GAP_MS`]; idle while
//! no flow waits.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    answer_to, failure, json_of, still_in_flight, Failure, Health, InFlight, Next, Outcome,
    PlannedCall, Poller, PollerStatus, WaitReason,
};
use crate::flow::{DocumentHit, DocumentSearch, Flows, Hop, Observation};
use crate::Service;

/// The least time between two searches.
pub const SEARCH_GAP_MS: i64 = 1_000;
/// The most items one search asks for; more take turns.
pub const ITEMS_PER_SEARCH: usize = 1_000;
/// OpenSearch's `index.max_result_window`: a search returns no more hits.
const MAX_HITS: usize = 10_000;
/// What a network policy refusal (401, no body) needs: not an IAM action.
pub const NETWORK_POLICY: &str = "a network policy giving this caller access to the collection";

/// One search: the index and the items asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Query {
    index: String,
    items: Vec<String>,
}

/// The document watch's state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWatch {
    /// The configuration's index.
    index: String,
    /// The function's OPENSEARCH_INDEX, when known.
    function_index: Option<String>,
    waiting: Vec<String>,
    /// Where the next search starts in `waiting`.
    cursor: usize,
    /// Whether the last search found the index: then the flows still
    /// waiting for the Lambda are looked for too.
    index_seen: bool,
    free_ms: i64,
    health: Health,
    in_flight: Option<InFlight<Query>>,
}

impl DocumentWatch {
    /// A watch searching `index` (the configuration's).
    pub fn new(index: &str) -> Self {
        DocumentWatch {
            index: index.to_owned(),
            function_index: None,
            waiting: Vec::new(),
            cursor: 0,
            index_seen: false,
            free_ms: 0,
            health: Health::default(),
            in_flight: None,
        }
    }

    /// The index searched.
    pub fn index(&self) -> &str {
        self.function_index.as_deref().unwrap_or(&self.index)
    }

    /// The items to look for (each once), and the function's index if
    /// known.
    pub fn watch<I, S>(&mut self, items: I, function_index: Option<&str>)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        // In order, each once: a set beside the list keeps this fast for
        // the thousands of items a burst leaves waiting (it runs every poll).
        // A `BTreeSet<&str>`, as `Flows::waiting_for_document` uses: one copy
        // of its code (a `HashSet<String>` cost 903 B more of the first
        // load, gzip, measured).
        let items: Vec<String> = items.into_iter().map(Into::into).collect();
        let mut seen = std::collections::BTreeSet::new();
        self.waiting = items
            .iter()
            .filter(|item| seen.insert(item.as_str()))
            .cloned()
            .collect();
        if let Some(index) = function_index.filter(|i| !i.is_empty()) {
            self.function_index = Some(index.to_owned());
        }
    }

    /// [`DocumentWatch::watch`] for the flows of `flows` waiting at the
    /// document hop (call after [`Flows::check`]).
    pub fn track(&mut self, flows: &Flows) {
        let waiting = flows.waiting_for_document(self.index_seen);
        self.watch(waiting, flows.function_index());
    }

    /// The next items to ask for, at most [`ITEMS_PER_SEARCH`], taking
    /// turns when more wait.
    fn next_items(&mut self) -> Vec<String> {
        // All of them while they fit: a cursor would leave the first items
        // unasked while new ones keep joining the end.
        if self.waiting.len() <= ITEMS_PER_SEARCH {
            self.cursor = 0;
            return self.waiting.clone();
        }
        if self.cursor >= self.waiting.len() {
            self.cursor = 0;
        }
        let items: Vec<String> = self.waiting[self.cursor..]
            .iter()
            .take(ITEMS_PER_SEARCH)
            .cloned()
            .collect();
        self.cursor += items.len();
        items
    }

    fn found(&self, query: Query, body: &Value, now_ms: i64) -> Vec<Observation> {
        let hits = body["hits"]["hits"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut by_item: BTreeMap<&str, Vec<DocumentHit>> = BTreeMap::new();
        for hit in hits {
            let source = hit["_source"].as_object().cloned().unwrap_or_default();
            let (Some(id), Some(item)) = (
                hit["_id"].as_str(),
                source.get("id").and_then(Value::as_str),
            ) else {
                continue;
            };
            let Some(item) = query.items.iter().find(|i| *i == item) else {
                continue;
            };
            by_item.entry(item).or_default().push(DocumentHit {
                id: id.to_owned(),
                source: source.clone(),
            });
        }
        let total = body["hits"]["total"]["value"].as_u64().unwrap_or(0);
        let complete = total as usize <= hits.len() && body["hits"]["total"]["relation"] != "gte";
        query
            .items
            .iter()
            .filter_map(|item| {
                let hits = by_item.remove(item.as_str()).unwrap_or_default();
                // A missing hit proves nothing when hits were left out.
                (!hits.is_empty() || complete).then(|| {
                    Observation::DocumentSearch(DocumentSearch {
                        item_id: item.clone(),
                        index: query.index.clone(),
                        hits,
                        seen_ms: now_ms,
                    })
                })
            })
            .collect()
    }
}

impl Poller for DocumentWatch {
    fn next(&mut self, now_ms: i64) -> Next {
        if still_in_flight(&mut self.in_flight, &mut self.health, now_ms) {
            return Next::Idle;
        }
        if let Some(at) = self.health.holds(now_ms) {
            return Next::WaitUntil(at);
        }
        if self.waiting.is_empty() {
            if !self.health.status.is_trouble() {
                self.health.waiting(WaitReason::NothingWaiting);
            }
            return Next::Idle;
        }
        if now_ms < self.free_ms {
            return Next::WaitUntil(self.free_ms);
        }
        let items = self.next_items();
        let index = self.index().to_owned();
        let size = (items.len() * 2).clamp(10, MAX_HITS);
        let body = json!({"size": size, "query": {"terms": {"id.keyword": items}}});
        self.free_ms = now_ms + SEARCH_GAP_MS;
        self.in_flight = Some(InFlight {
            step: Query {
                index: index.clone(),
                items,
            },
            since_ms: now_ms,
        });
        Next::Call(PlannedCall {
            service: Service::Aoss,
            operation: "Search",
            method: "POST",
            path_and_query: format!("/{index}/_search"),
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.to_string(),
        })
    }

    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let Some((query, answer)) =
            answer_to(&mut self.in_flight, outcome, &mut self.health, now_ms)
        else {
            return Vec::new();
        };
        match failure(Service::Aoss, "aoss:APIAccessAll", &answer) {
            None => {}
            // No index yet: no document anywhere.
            Some(Failure::Refused { status: 404, .. }) => {
                self.index_seen = false;
                self.health.ok();
                return self.found(query, &json!({"hits": {"hits": []}}), now_ms);
            }
            Some(Failure::Refused { status: 401, .. }) => {
                let denied = Failure::Denied {
                    permission: NETWORK_POLICY.to_owned(),
                    refusal: "401: the collection's network policy does not admit this caller"
                        .to_owned(),
                };
                return self.health.fail(denied, Hop::Collection, now_ms);
            }
            Some(failure) => return self.health.fail(failure, Hop::Collection, now_ms),
        }
        self.health.ok();
        self.index_seen = true;
        self.found(query, &json_of(&answer), now_ms)
    }

    fn status(&self) -> PollerStatus {
        self.health.status.clone()
    }

    fn wake(&mut self) {
        self.health.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::Answer;
    use serde_json::Map;

    fn source(item: &str, name: &str) -> Map<String, Value> {
        json!({"id": item, "name": name})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn call(w: &mut DocumentWatch, now: i64) -> PlannedCall {
        match w.next(now) {
            Next::Call(c) => c,
            other => panic!("expected a call at {now}, got {other:?}"),
        }
    }

    fn hits(found: &[(&str, &str)], total: usize) -> String {
        let hits: Vec<Value> = found
            .iter()
            .map(|(doc, item)| json!({"_index": "i", "_id": doc, "_source": source(item, "Ann")}))
            .collect();
        json!({"hits": {"total": {"value": total, "relation": "eq"}, "hits": hits}}).to_string()
    }

    fn searches(seen: &[Observation]) -> Vec<(&str, usize)> {
        seen.iter()
            .map(|o| match o {
                Observation::DocumentSearch(s) => (s.item_id.as_str(), s.hits.len()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn idle_while_no_flow_waits() {
        let mut w = DocumentWatch::new("dynamodb_replicate");
        assert_eq!(w.next(0), Next::Idle);
        assert_eq!(
            w.status(),
            PollerStatus::Waiting {
                reason: WaitReason::NothingWaiting
            }
        );
    }

    #[test]
    fn every_waiting_item_in_one_search_split_per_item_with_an_empty_one_for_no_hit() {
        let mut w = DocumentWatch::new("dynamodb_replicate");
        w.watch(["a", "b", "c", "a"], None);
        let c = call(&mut w, 0);
        assert_eq!(
            (c.method, c.path_and_query.as_str()),
            ("POST", "/dynamodb_replicate/_search")
        );
        let body: Value = serde_json::from_str(&c.body).unwrap();
        assert_eq!(
            body["query"],
            json!({"terms": {"id.keyword": ["a", "b", "c"]}})
        );
        let seen = w.answered(
            Outcome::Answered(Answer::new(
                200,
                hits(&[("d1", "a"), ("d2", "c"), ("d3", "c")], 3),
            )),
            10,
        );
        assert_eq!(searches(&seen), [("a", 1), ("b", 0), ("c", 2)]);
        assert_eq!(w.next(20), Next::WaitUntil(1_000), "one search a second");
    }

    #[test]
    fn items_joining_one_by_one_are_all_asked_for_at_every_search() {
        let mut w = DocumentWatch::new("i");
        let mut waiting = Vec::new();
        for (n, item) in ["a", "b", "c"].into_iter().enumerate() {
            waiting.push(item);
            w.watch(waiting.clone(), None);
            let now = n as i64 * 1_000;
            let body: Value = serde_json::from_str(&call(&mut w, now).body).unwrap();
            assert_eq!(body["query"]["terms"]["id.keyword"], json!(waiting));
            w.answered(Outcome::Answered(Answer::new(200, hits(&[], 0))), now);
        }
    }

    #[test]
    fn the_functions_index_is_searched_once_known() {
        let mut w = DocumentWatch::new("dynamodb_replicate");
        w.watch(["a"], Some("mine"));
        assert_eq!(call(&mut w, 0).path_and_query, "/mine/_search");
        let seen = w.answered(Outcome::Answered(Answer::new(200, hits(&[], 0))), 0);
        assert!(matches!(&seen[..], [Observation::DocumentSearch(s)] if s.index == "mine"));
    }

    #[test]
    fn a_thousand_waiting_flows_are_one_request_and_more_take_turns() {
        let mut w = DocumentWatch::new("i");
        let items: Vec<String> = (0..2_500).map(|i| format!("item-{i}")).collect();
        w.watch(items, None);
        let mut asked = Vec::new();
        for now in [0, 1_000, 2_000, 3_000] {
            let body: Value = serde_json::from_str(&call(&mut w, now).body).unwrap();
            let terms = body["query"]["terms"]["id.keyword"]
                .as_array()
                .unwrap()
                .clone();
            assert!(body["size"].as_u64().unwrap() as usize >= terms.len());
            asked.push((terms.len(), terms[0].as_str().unwrap().to_owned()));
            w.answered(Outcome::Answered(Answer::new(200, hits(&[], 0))), now);
        }
        assert_eq!(
            asked,
            [
                (1_000, "item-0".to_owned()),
                (1_000, "item-1000".to_owned()),
                (500, "item-2000".to_owned()),
                (1_000, "item-0".to_owned())
            ]
        );
    }

    #[test]
    fn a_missing_hit_in_a_cut_short_answer_proves_nothing() {
        let mut w = DocumentWatch::new("i");
        w.watch(["a", "b"], None);
        call(&mut w, 0);
        let seen = w.answered(
            Outcome::Answered(Answer::new(200, hits(&[("d1", "a")], 40))),
            0,
        );
        assert_eq!(searches(&seen), [("a", 1)]);
    }

    #[test]
    fn no_index_yet_means_no_document_anywhere() {
        let mut w = DocumentWatch::new("i");
        w.watch(["gone"], None);
        call(&mut w, 0);
        let missing = r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [i]"}],"type":"index_not_found_exception","reason":"no such index [i]"},"status":404}"#;
        let seen = w.answered(Outcome::Answered(Answer::new(404, missing)), 0);
        assert_eq!(searches(&seen), [("gone", 0)]);
    }

    #[test]
    fn refusals_name_what_would_let_the_collection_be_seen() {
        let mut w = DocumentWatch::new("i");
        w.watch(["a"], None);
        call(&mut w, 0);
        let forbidden = r#"{"status":403,"request-id":"r","error":{"reason":"403 Forbidden","type":"Forbidden"}}"#;
        let seen = w.answered(Outcome::Answered(Answer::new(403, forbidden)), 0);
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(
            (n.hop, n.permission.as_str()),
            (Hop::Collection, "aoss:APIAccessAll")
        );
        assert_eq!(w.next(1_000), Next::WaitUntil(30_000));
        call(&mut w, 30_000);
        let seen = w.answered(Outcome::Answered(Answer::new(401, "")), 30_000);
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(n.permission, NETWORK_POLICY);
        assert!(w.status().is_trouble());
        // Nothing waiting any more: the refusal stays on show.
        w.watch(Vec::<String>::new(), None);
        assert_eq!(w.next(30_000), Next::WaitUntil(60_000));
        assert!(w.status().is_trouble());
    }
}
