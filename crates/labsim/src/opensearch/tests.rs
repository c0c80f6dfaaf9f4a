//! Endpoint tests through `Collection::handle`, with exact statuses and
//! bodies.

use serde_json::{json, Value};

use super::*;
use crate::message::{Request, Response};

/// 2024-10-08T19:55:22Z.
const T0: i64 = 1_728_417_322_000;
const LAG: i64 = DEFAULT_REFRESH_LAG_MS;
const INDEX: &str = "dynamodb_replicate";

fn collection() -> Collection {
    Collection::new(CollectionConfig::new(7))
}

/// A collection whose writes are searchable at once, for query tests.
fn instant() -> Collection {
    Collection::new(CollectionConfig {
        refresh_lag: RefreshLag::fixed(0).unwrap(),
        ..CollectionConfig::new(7)
    })
}

/// Sends `method target` (`target` may carry `?query`) with a JSON body.
fn send(c: &mut Collection, method: &str, target: &str, body: Option<&str>, now: i64) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request::new(method, path).with_query(query);
    if let Some(body) = body {
        req = req
            .with_header("Content-Type", "application/json")
            .with_body(body);
    }
    c.handle(&req, now)
}

fn body_json(res: &Response) -> Value {
    serde_json::from_slice(&res.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", res.body_text()))
}

fn hit_ids(res: &Response) -> Vec<String> {
    let json = body_json(res);
    json["hits"]["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits: {json}"))
        .iter()
        .map(|h| h["_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn search(c: &mut Collection, body: Value, now: i64) -> Response {
    let res = send(
        c,
        "POST",
        &format!("/{INDEX}/_search"),
        Some(&body.to_string()),
        now,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    res
}

fn write_body(index: &str, id: &str, version: u64, result: &str) -> String {
    format!(
        r#"{{"_index":"{index}","_id":"{id}","_version":{version},"result":"{result}","_shards":{{"total":0,"successful":0,"failed":0}},"_seq_no":0,"_primary_term":0}}"#
    )
}

// ------------------------------------------------------------ documents

#[test]
fn post_without_id_generates_an_aoss_style_id() {
    let mut c = collection();
    let res = send(
        &mut c,
        "POST",
        "/dynamodb_replicate/_doc",
        Some(r#"{"id":"a"}"#),
        T0,
    );
    assert_eq!(res.status, 201, "{}", res.body_text());
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    let id = body_json(&res)["_id"].as_str().unwrap().to_owned();
    let random = id.strip_prefix("1%3A0%3A").expect("AOSS prefix");
    assert_eq!(random.len(), 20, "{id}");
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{id}"
    );
    assert_eq!(res.body_text(), write_body(INDEX, &id, 1, "created"));
    assert_eq!(
        res.header("location"),
        Some(format!("/dynamodb_replicate/_doc/{}", id.replace('%', "%25")).as_str())
    );
    // The seed decides the ids; each write gets a new one.
    let mut twin = collection();
    let again = send(
        &mut twin,
        "POST",
        "/dynamodb_replicate/_doc",
        Some("{}"),
        T0,
    );
    assert_eq!(body_json(&again)["_id"], id.as_str());
    let second = send(&mut c, "POST", "/dynamodb_replicate/_doc", Some("{}"), T0);
    assert_ne!(body_json(&second)["_id"], id.as_str());
    // Plain OpenSearch ids when the prefix is configured away.
    let mut plain = Collection::new(CollectionConfig {
        auto_id_prefix: String::new(),
        ..CollectionConfig::new(7)
    });
    let res = send(&mut plain, "POST", "/i/_doc", Some("{}"), T0);
    assert_eq!(body_json(&res)["_id"].as_str().unwrap().len(), 20);
}

#[test]
fn put_and_post_with_id_create_then_replace() {
    let mut c = collection();
    let res = send(&mut c, "PUT", "/i/_doc/1", Some(r#"{"v":1}"#), T0);
    assert_eq!(
        (res.status, res.body_text()),
        (201, write_body("i", "1", 1, "created"))
    );
    let res = send(&mut c, "POST", "/i/_doc/1", Some(r#"{"v":2}"#), T0 + 1);
    assert_eq!(
        (res.status, res.body_text()),
        (200, write_body("i", "1", 2, "updated"))
    );
    assert_eq!(res.header("location"), None);
    // op_type=create and _create refuse an existing document.
    let conflict = send(&mut c, "PUT", "/i/_doc/1?op_type=create", Some("{}"), T0);
    assert_eq!(conflict.status, 409);
    let uuid = c.indexes["i"].uuid.clone();
    assert_eq!(
        body_json(&conflict),
        json!({"error":{"root_cause":[{"type":"version_conflict_engine_exception",
            "reason":"[1]: version conflict, document already exists (current version [2])",
            "index_uuid":uuid,"shard":"0","index":"i"}],
            "type":"version_conflict_engine_exception",
            "reason":"[1]: version conflict, document already exists (current version [2])",
            "index_uuid":uuid,"shard":"0","index":"i"},"status":409})
    );
    assert_eq!(
        send(&mut c, "PUT", "/i/_create/1", Some("{}"), T0).status,
        409
    );
    let created = send(&mut c, "PUT", "/i/_create/2", Some("{}"), T0);
    assert_eq!(
        (created.status, created.body_text()),
        (201, write_body("i", "2", 1, "created"))
    );
}

#[test]
fn get_sees_a_write_at_once_with_the_source_verbatim() {
    let mut c = collection();
    let source = "{\"name\": \"Alice\",  \"id\":\"x-1\"}";
    send(&mut c, "PUT", "/i/_doc/x-1", Some(source), T0);
    let res = send(&mut c, "GET", "/i/_doc/x-1", None, T0);
    assert_eq!(res.status, 200);
    assert_eq!(
        res.body_text(),
        format!(
            r#"{{"_index":"i","_id":"x-1","_version":1,"_seq_no":0,"_primary_term":0,"found":true,"_source":{source}}}"#
        )
    );
    let missing = send(&mut c, "GET", "/i/_doc/nope", None, T0);
    assert_eq!(
        (missing.status, missing.body_text()),
        (
            404,
            r#"{"_index":"i","_id":"nope","found":false}"#.to_owned()
        )
    );
    let no_index = send(&mut c, "GET", "/other/_doc/1", None, T0);
    assert_eq!(no_index.status, 404);
    assert_eq!(
        no_index.body_text(),
        concat!(
            r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [other]","#,
            r#""resource.type":"index_expression","resource.id":"other","index_uuid":"_na_","index":"other"}],"#,
            r#""type":"index_not_found_exception","reason":"no such index [other]","resource.type":"index_expression","#,
            r#""resource.id":"other","index_uuid":"_na_","index":"other"},"status":404}"#
        )
    );
    // HEAD answers with the status only; _source returns the bytes alone.
    let head = send(&mut c, "HEAD", "/i/_doc/x-1", None, T0);
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(send(&mut c, "HEAD", "/i/_doc/nope", None, T0).status, 404);
    let raw = send(&mut c, "GET", "/i/_source/x-1", None, T0);
    assert_eq!((raw.status, raw.body_text()), (200, source.to_owned()));
    let filtered = send(&mut c, "GET", "/i/_doc/x-1?_source_includes=name", None, T0);
    assert_eq!(body_json(&filtered)["_source"], json!({"name": "Alice"}));
}

#[test]
fn delete_removes_a_document_and_reports_not_found_after() {
    let mut c = collection();
    send(&mut c, "PUT", "/i/_doc/1", Some("{}"), T0);
    let res = send(&mut c, "DELETE", "/i/_doc/1", None, T0);
    assert_eq!(
        (res.status, res.body_text()),
        (200, write_body("i", "1", 2, "deleted"))
    );
    let again = send(&mut c, "DELETE", "/i/_doc/1", None, T0);
    assert_eq!(
        (again.status, again.body_text()),
        (404, write_body("i", "1", 3, "not_found"))
    );
    assert_eq!(send(&mut c, "GET", "/i/_doc/1", None, T0).status, 404);
    // A delete does not create its index.
    let res = send(&mut c, "DELETE", "/other/_doc/1", None, T0);
    assert_eq!(res.status, 404);
    assert_eq!(
        body_json(&res)["error"]["type"],
        "index_not_found_exception"
    );
    assert_eq!(c.index_names(), ["i"]);
}

#[test]
fn the_workshop_lambdas_insert_lands_but_its_modify_and_remove_fail() {
    let mut c = collection();
    let url = "/dynamodb_replicate/_doc";
    let doc = r#"{"id": "abc-123", "name": "n1", "type": "t", "createdAt": "1728417322000"}"#;
    // INSERT: POST url.
    let insert = send(&mut c, "POST", url, Some(doc), T0);
    assert_eq!(insert.status, 201, "{}", insert.body_text());
    // MODIFY: PUT url, no id.
    let modified = r#"{"id": "abc-123", "name": "n2", "type": "t", "createdAt": "1728417322000"}"#;
    let modify = send(&mut c, "PUT", url, Some(modified), T0 + 1_000);
    assert_eq!(modify.status, 405);
    assert_eq!(
        modify.body_text(),
        r#"{"error":"Incorrect HTTP method for uri [/dynamodb_replicate/_doc] and method [PUT], allowed: [POST]","status":405}"#
    );
    assert_eq!(modify.header("allow"), Some("POST"));
    // REMOVE: DELETE url + id, no slash.
    let remove = send(
        &mut c,
        "DELETE",
        "/dynamodb_replicate/_docabc-123",
        None,
        T0 + 2_000,
    );
    assert_eq!(remove.status, 400);
    assert_eq!(
        remove.body_text(),
        r#"{"error":"no handler found for uri [/dynamodb_replicate/_docabc-123] and method [DELETE]"}"#
    );
    // With the slash it is a real delete, but of an id that does not exist.
    let slashed = send(
        &mut c,
        "DELETE",
        "/dynamodb_replicate/_doc/abc-123",
        None,
        T0 + 3_000,
    );
    assert_eq!(slashed.status, 404);
    assert_eq!(body_json(&slashed)["result"], "not_found");
    // Only the INSERT reached the index.
    let res = search(&mut c, json!({"query": {"match_all": {}}}), T0 + 60_000);
    let hits = body_json(&res)["hits"]["hits"].clone();
    assert_eq!(hits.as_array().map(Vec::len), Some(1));
    assert_eq!(hits[0]["_source"]["name"], "n1");
    assert_eq!(hits[0]["_id"], body_json(&insert)["_id"]);
}

// ----------------------------------------------------------- visibility

#[test]
fn search_sees_writes_only_after_the_refresh_lag() {
    let mut c = collection();
    for (i, at) in [T0, T0 + 1_000, T0 + 2_000].iter().enumerate() {
        let res = send(
            &mut c,
            "PUT",
            &format!("/{INDEX}/_doc/{i}"),
            Some(&format!(r#"{{"n":{i}}}"#)),
            *at,
        );
        assert_eq!(res.status, 201);
    }
    let all = json!({"query": {"match_all": {}}});
    // GET by id sees the write at once; search and count do not.
    assert_eq!(
        send(&mut c, "GET", &format!("/{INDEX}/_doc/0"), None, T0).status,
        200
    );
    assert_eq!(
        hit_ids(&search(&mut c, all.clone(), T0 + LAG - 1)),
        Vec::<String>::new()
    );
    let count = send(
        &mut c,
        "POST",
        &format!("/{INDEX}/_count"),
        None,
        T0 + LAG - 1,
    );
    assert_eq!(body_json(&count)["count"], 0);
    assert_eq!(hit_ids(&search(&mut c, all.clone(), T0 + LAG)), ["0"]);
    assert_eq!(
        hit_ids(&search(&mut c, all.clone(), T0 + LAG + 2_000)),
        ["0", "1", "2"]
    );
    let count = send(
        &mut c,
        "GET",
        &format!("/{INDEX}/_count"),
        None,
        T0 + LAG + 2_000,
    );
    assert_eq!(body_json(&count)["count"], 3);

    // A deletion and a replacement lag the same way.
    let t1 = T0 + 100_000;
    send(&mut c, "DELETE", &format!("/{INDEX}/_doc/0"), None, t1);
    send(
        &mut c,
        "PUT",
        &format!("/{INDEX}/_doc/1"),
        Some(r#"{"n":100}"#),
        t1,
    );
    assert_eq!(
        send(&mut c, "GET", &format!("/{INDEX}/_doc/0"), None, t1).status,
        404
    );
    let before = search(&mut c, all.clone(), t1 + LAG - 1);
    assert_eq!(hit_ids(&before), ["0", "1", "2"]);
    assert_eq!(
        body_json(&before)["hits"]["hits"][1]["_source"],
        json!({"n": 1})
    );
    let after = search(&mut c, all, t1 + LAG);
    // The replaced document moves to the end, as in Lucene.
    assert_eq!(hit_ids(&after), ["2", "1"]);
    assert_eq!(
        body_json(&after)["hits"]["hits"][1]["_source"],
        json!({"n": 100})
    );

    // The ground truth says the same.
    let timeline: Vec<_> = c
        .timeline()
        .iter()
        .map(|e| (e.id.as_str(), e.action, e.written_at_ms, e.searchable_at_ms))
        .collect();
    assert_eq!(
        timeline,
        [
            ("0", TimelineAction::Created, T0, T0 + LAG),
            ("1", TimelineAction::Created, T0 + 1_000, T0 + 1_000 + LAG),
            ("2", TimelineAction::Created, T0 + 2_000, T0 + 2_000 + LAG),
            ("0", TimelineAction::Deleted, t1, t1 + LAG),
            ("1", TimelineAction::Updated, t1, t1 + LAG),
        ]
    );
    assert_eq!(c.searchable_ids(INDEX, t1 + LAG - 1), ["0", "1", "2"]);
    assert_eq!(c.searchable_ids(INDEX, t1 + LAG), ["2", "1"]);
    assert_eq!(c.document_ids(INDEX), ["1", "2"]);
}

#[test]
fn the_refresh_lag_is_configurable() {
    let mut c = Collection::new(CollectionConfig {
        refresh_lag: RefreshLag::fixed(500).unwrap(),
        ..CollectionConfig::new(1)
    });
    let outcome = c.index_document("i", Some("a"), "{}", T0).unwrap();
    assert_eq!(outcome.searchable_at_ms, T0 + 500);
    assert_eq!(c.searchable_ids("i", T0 + 499), Vec::<String>::new());
    assert_eq!(c.searchable_ids("i", T0 + 500), ["a"]);
}

#[test]
fn a_lag_spread_gives_each_write_its_own_lag_repeatably() {
    let spread = |seed| {
        Collection::new(CollectionConfig {
            refresh_lag: RefreshLag::spread(1_000, 5_000).unwrap(),
            ..CollectionConfig::new(seed)
        })
    };
    let write_all = |c: &mut Collection| {
        (0..8)
            .map(|n| {
                let res = send(c, "POST", "/i/_doc", Some(&format!(r#"{{"n":{n}}}"#)), T0);
                assert_eq!(res.status, 201, "{}", res.body_text());
                let id = body_json(&res)["_id"].as_str().unwrap().to_owned();
                let at = c.timeline().last().unwrap().searchable_at_ms;
                (id, at)
            })
            .collect::<Vec<_>>()
    };
    let mut c = spread(3);
    let writes = write_all(&mut c);
    let lags: Vec<i64> = writes.iter().map(|(_, at)| at - T0).collect();
    assert!(
        lags.iter().all(|lag| (1_000..=5_000).contains(lag)),
        "{lags:?}"
    );
    let distinct: std::collections::BTreeSet<_> = lags.iter().collect();
    assert!(distinct.len() >= 6, "{lags:?}");
    // Each document is invisible to search until its own lag, then found.
    for (id, at) in &writes {
        let query = json!({"query": {"ids": {"values": [id]}}}).to_string();
        let mut count = |now| {
            let res = send(&mut c, "POST", "/i/_search", Some(&query), now);
            body_json(&res)["hits"]["total"]["value"].as_u64().unwrap()
        };
        assert_eq!(count(at - 1), 0, "{id} before {at}");
        assert_eq!(count(*at), 1, "{id} at {at}");
        // GET by id sees it at once.
        assert!(c.get_document("i", id).unwrap().is_some(), "{id}");
    }
    // The same seed gives the same lags; document ids do not depend on them.
    assert_eq!(write_all(&mut spread(3)), writes);
    let other = write_all(&mut spread(4));
    assert_ne!(
        other.iter().map(|(_, at)| at).collect::<Vec<_>>(),
        writes.iter().map(|(_, at)| at).collect::<Vec<_>>()
    );
    let mut fixed = Collection::new(CollectionConfig::new(3));
    let fixed_ids: Vec<_> = write_all(&mut fixed)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let spread_ids: Vec<_> = writes.into_iter().map(|(id, _)| id).collect();
    assert_eq!(fixed_ids, spread_ids);
}

// --------------------------------------------------------------- quirks

#[test]
fn aoss_refuses_refresh_and_the_root_path_with_an_empty_404() {
    let mut c = collection();
    send(&mut c, "PUT", "/i/_doc/1", Some("{}"), T0);
    for (method, path) in [
        ("POST", "/i/_refresh"),
        ("GET", "/i/_refresh"),
        ("POST", "/_refresh"),
        ("GET", "/"),
        ("HEAD", "/"),
        ("GET", "/_cluster/health"),
        ("GET", "/i/_stats"),
        ("POST", "/i/_delete_by_query"),
        ("POST", "/_search/scroll"),
    ] {
        let res = send(&mut c, method, path, None, T0);
        assert_eq!((res.status, res.body.len()), (404, 0), "{method} {path}");
        assert_eq!(res.header("content-type"), None, "{method} {path}");
    }
}

#[test]
fn writes_asking_for_a_refresh_are_rejected_and_not_applied() {
    let mut c = collection();
    let expected = |policy: &str| {
        format!(
            r#"{{"error":{{"root_cause":[{{"type":"status_exception","reason":"{policy} refresh policy is not supported."}}],"type":"status_exception","reason":"{policy} refresh policy is not supported."}},"status":400}}"#
        )
    };
    for target in [
        "/i/_doc/1?refresh=true",
        "/i/_doc/1?refresh",
        "/i/_doc?refresh=true",
    ] {
        let method = if target.contains("_doc/") {
            "PUT"
        } else {
            "POST"
        };
        let res = send(&mut c, method, target, Some("{}"), T0);
        assert_eq!(
            (res.status, res.body_text()),
            (400, expected("true")),
            "{target}"
        );
    }
    let res = send(&mut c, "PUT", "/i/_doc/1?refresh=wait_for", Some("{}"), T0);
    assert_eq!((res.status, res.body_text()), (400, expected("wait_for")));
    let res = send(&mut c, "DELETE", "/i/_doc/1?refresh=true", None, T0);
    assert_eq!((res.status, res.body_text()), (400, expected("true")));
    let res = send(
        &mut c,
        "POST",
        "/_bulk?refresh=wait_for",
        Some("{\"delete\":{\"_index\":\"i\",\"_id\":\"1\"}}\n"),
        T0,
    );
    assert_eq!((res.status, res.body_text()), (400, expected("wait_for")));
    let res = send(&mut c, "PUT", "/i/_doc/1?refresh=soon", Some("{}"), T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "Unknown value for refresh: [soon]."
    );
    // Nothing was written (not even the index).
    assert_eq!(c.index_names(), Vec::<String>::new());
    let res = send(&mut c, "PUT", "/i/_doc/1?refresh=false", Some("{}"), T0);
    assert_eq!(res.status, 201);
}

#[test]
fn search_on_a_missing_index_is_an_index_not_found_404() {
    let mut c = collection();
    let expected = concat!(
        r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]","#,
        r#""resource.type":"index_or_alias","resource.id":"x","index_uuid":"_na_","index":"x"}],"#,
        r#""type":"index_not_found_exception","reason":"no such index [x]","resource.type":"index_or_alias","#,
        r#""resource.id":"x","index_uuid":"_na_","index":"x"},"status":404}"#
    );
    for (method, path) in [
        ("POST", "/x/_search"),
        ("GET", "/x/_search"),
        ("POST", "/x/_count"),
        ("GET", "/x/_mapping"),
    ] {
        let res = send(&mut c, method, path, None, T0);
        assert_eq!(
            (res.status, res.body_text()),
            (404, expected.to_owned()),
            "{method} {path}"
        );
    }
    // A wildcard matching nothing is not an error.
    let res = send(&mut c, "GET", "/x*/_search", None, T0);
    assert_eq!(res.status, 200);
    assert_eq!(body_json(&res)["hits"]["total"]["value"], 0);
}

#[test]
fn malformed_bodies_fail_as_opensearch_parses_them() {
    let mut c = collection();
    let res = send(&mut c, "POST", "/i/_doc", Some(r#"{"a":"#), T0);
    assert_eq!(res.status, 400);
    let err = &body_json(&res)["error"];
    assert_eq!(
        err["root_cause"],
        json!([{"type":"mapper_parsing_exception","reason":"failed to parse"}])
    );
    assert_eq!(err["type"], "mapper_parsing_exception");
    assert_eq!(err["caused_by"]["type"], "json_parse_exception");
    // The index was auto-created before the document failed, as in OpenSearch.
    assert_eq!(c.index_names(), ["i"]);

    let res = send(&mut c, "PUT", "/i/_doc/1", Some(r#"{"a":1,"a":2}"#), T0);
    let err = &body_json(&res)["error"];
    assert_eq!(res.status, 400);
    assert!(
        err["caused_by"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Duplicate field 'a'"),
        "{err}"
    );

    let res = send(&mut c, "PUT", "/i/_doc/1", Some("[1]"), T0);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "Malformed content, must start with an object"
    );

    let empty = c.handle(&Request::new("POST", "/i/_doc"), T0);
    assert_eq!(
        (empty.status, empty.body_text()),
        (400, r#"{"error":{"root_cause":[{"type":"parse_exception","reason":"request body is required"}],"type":"parse_exception","reason":"request body is required"},"status":400}"#.to_owned())
    );

    let res = send(&mut c, "POST", "/i/_search", Some(r#"{"query":"#), T0);
    assert_eq!(res.status, 400);
    assert_eq!(body_json(&res)["error"]["type"], "json_parse_exception");

    let res = send(&mut c, "POST", "/i/_search", Some(r#"{"qeury":{}}"#), T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["root_cause"],
        json!([{"type":"parsing_exception","reason":"Unknown key for a START_OBJECT in [qeury]."}])
    );
    let res = send(
        &mut c,
        "POST",
        "/i/_search",
        Some(r#"{"query":{"nope":{}}}"#),
        T0,
    );
    assert_eq!(body_json(&res)["error"]["reason"], "unknown query [nope]");
    assert_eq!(
        body_json(&res)["error"]["caused_by"]["type"],
        "named_object_not_found_exception"
    );
    let res = send(&mut c, "POST", "/i/_search", Some(r#"{"aggs":{}}"#), T0);
    assert_eq!(res.status, 501, "not simulated, said plainly");
}

#[test]
fn a_mapping_conflict_rejects_the_document() {
    let mut c = collection();
    send(&mut c, "PUT", "/i/_doc/1", Some(r#"{"age":3}"#), T0);
    let res = send(&mut c, "PUT", "/i/_doc/2", Some(r#"{"age":"old"}"#), T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res),
        json!({"error":{"root_cause":[{"type":"mapper_parsing_exception",
            "reason":"failed to parse field [age] of type [long] in document with id '2'. Preview of field's value: 'old'"}],
            "type":"mapper_parsing_exception",
            "reason":"failed to parse field [age] of type [long] in document with id '2'. Preview of field's value: 'old'",
            "caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"old\""}},"status":400})
    );
    assert_eq!(send(&mut c, "GET", "/i/_doc/2", None, T0).status, 404);
}

#[test]
fn content_type_is_required_for_bodies() {
    let mut c = collection();
    let res = c.handle(&Request::new("POST", "/i/_doc").with_body("{}"), T0);
    assert_eq!(
        (res.status, res.body_text()),
        (
            406,
            r#"{"error":"Content-Type header is missing","status":406}"#.to_owned()
        )
    );
    let res = c.handle(
        &Request::new("POST", "/i/_doc")
            .with_header("Content-Type", "text/plain;charset=UTF-8")
            .with_body("{}"),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (406, r#"{"error":"Content-Type header [text/plain;charset=UTF-8] is not supported","status":406}"#.to_owned())
    );
    let res = c.handle(
        &Request::new("POST", "/i/_doc")
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body("{}"),
        T0,
    );
    assert_eq!(res.status, 201);
}

#[test]
fn routing_errors_follow_restcontroller() {
    let mut c = collection();
    let res = send(&mut c, "GET", "/_plugins/_nothing/here", None, T0);
    assert_eq!(
        (res.status, res.body_text()),
        (
            400,
            r#"{"error":"no handler found for uri [/_plugins/_nothing/here] and method [GET]"}"#
                .to_owned()
        )
    );
    let res = send(&mut c, "PATCH", "/i/_doc/1", None, T0);
    assert_eq!(
        (res.status, res.body_text()),
        (405, r#"{"error":"Incorrect HTTP method for uri [/i/_doc/1] and method [PATCH], allowed: [GET, POST, PUT, DELETE, HEAD]","status":405}"#.to_owned())
    );
    let res = send(&mut c, "GET", "/i/_doc?pretty", None, T0);
    assert_eq!(res.status, 405);
    assert_eq!(
        body_json(&res)["error"],
        "Incorrect HTTP method for uri [/i/_doc?pretty] and method [GET], allowed: [POST]"
    );
    let res = send(&mut c, "OPTIONS", "/i/_search", None, T0);
    assert_eq!((res.status, res.header("allow")), (200, Some("GET,POST")));
    // An explicit route wins over an index of the same name; the other
    // methods fall through to the index routes.
    let res = send(&mut c, "PUT", "/_search", None, T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "Invalid index name [_search], must not start with '_', '-', or '+'"
    );
    assert_eq!(send(&mut c, "GET", "/_cat/indices", None, T0).status, 501);
}

// -------------------------------------------------------------- indexes

#[test]
fn indexes_are_created_on_first_write_with_a_dynamic_mapping() {
    let mut c = collection();
    let doc = r#"{"id":"a","name":"Alice","count":3,"ratio":0.5,"ok":true,"tags":["x","y"],"meta":{"by":"me"},"none":null}"#;
    send(&mut c, "POST", "/i/_doc", Some(doc), T0);
    let res = send(&mut c, "GET", "/i/_mapping", None, T0);
    let text = json!({"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}});
    assert_eq!(res.status, 200);
    assert_eq!(
        body_json(&res),
        json!({"i":{"mappings":{"properties":{
            "count":{"type":"long"},
            "id":text,
            "meta":{"properties":{"by":text}},
            "name":text,
            "ok":{"type":"boolean"},
            "ratio":{"type":"float"},
            "tags":text,
        }}}})
    );
    assert_eq!(
        c.mapping("i"),
        Some(body_json(&res)["i"]["mappings"].clone())
    );
    let all = send(&mut c, "GET", "/_mapping", None, T0);
    assert_eq!(body_json(&all), body_json(&res));
}

#[test]
fn indexes_can_be_created_checked_and_deleted() {
    let mut c = collection();
    let res = send(
        &mut c,
        "PUT",
        "/books",
        Some(
            r#"{"settings":{"number_of_shards":2},"mappings":{"properties":{"isbn":{"type":"keyword"}}}}"#,
        ),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (
            200,
            r#"{"acknowledged":true,"shards_acknowledged":true,"index":"books"}"#.to_owned()
        )
    );
    let res = send(&mut c, "PUT", "/books", None, T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["type"],
        "resource_already_exists_exception"
    );
    assert_eq!(
        c.mapping("books"),
        Some(json!({"properties":{"isbn":{"type":"keyword"}}}))
    );
    assert_eq!(send(&mut c, "HEAD", "/books", None, T0).status, 200);
    let info = send(&mut c, "GET", "/books", None, T0);
    assert_eq!(
        body_json(&info)["books"]["mappings"],
        json!({"properties":{"isbn":{"type":"keyword"}}})
    );
    let res = send(&mut c, "DELETE", "/books", None, T0);
    assert_eq!(
        (res.status, res.body_text()),
        (200, r#"{"acknowledged":true}"#.to_owned())
    );
    assert_eq!(send(&mut c, "HEAD", "/books", None, T0).status, 404);
    assert_eq!(send(&mut c, "DELETE", "/books", None, T0).status, 404);

    let res = send(&mut c, "POST", "/Bad/_doc", Some("{}"), T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res),
        json!({"error":{"root_cause":[{"type":"invalid_index_name_exception",
            "reason":"Invalid index name [Bad], must be lowercase","index_uuid":"_na_","index":"Bad"}],
            "type":"invalid_index_name_exception","reason":"Invalid index name [Bad], must be lowercase",
            "index_uuid":"_na_","index":"Bad"},"status":400})
    );
}

// --------------------------------------------------------------- search

fn people() -> Collection {
    let mut c = instant();
    for (id, doc) in [
        (
            "1",
            r#"{"name":"Alice Smith","type":"admin","age":30,"score":1.5,"active":true}"#,
        ),
        (
            "2",
            r#"{"name":"Bob Smith","type":"user","age":25,"score":2.5,"active":false}"#,
        ),
        (
            "3",
            r#"{"name":"Carol Jones","type":"user","age":35,"score":0.5,"active":true}"#,
        ),
        ("4", r#"{"name":"alice","type":"guest","age":40}"#),
    ] {
        let res = send(&mut c, "PUT", &format!("/{INDEX}/_doc/{id}"), Some(doc), T0);
        assert_eq!(res.status, 201, "{}", res.body_text());
    }
    c
}

fn ids_for(c: &mut Collection, query: Value) -> Vec<String> {
    hit_ids(&search(c, json!({"query": query}), T0))
}

#[test]
fn the_search_response_has_opensearchs_exact_shape() {
    let mut c = instant();
    send(
        &mut c,
        "PUT",
        "/i/_doc/1",
        Some(r#"{"a": "hello world"}"#),
        T0,
    );
    let res = send(
        &mut c,
        "POST",
        "/i/_search",
        Some(r#"{"query":{"match_all":{}}}"#),
        T0,
    );
    assert_eq!(
        res.body_text(),
        concat!(
            r#"{"took":1,"timed_out":false,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},"#,
            r#""hits":{"total":{"value":1,"relation":"eq"},"max_score":1.0,"hits":[{"_index":"i","_id":"1","#,
            r#""_score":1.0,"_source":{"a": "hello world"}}]}}"#
        )
    );
    // BM25 for one matching term of two, in a one-document index.
    let res = send(
        &mut c,
        "POST",
        "/i/_search",
        Some(r#"{"query":{"match":{"a":"HELLO"}}}"#),
        T0,
    );
    assert_eq!(
        body_json(&res)["hits"]["hits"][0]["_score"],
        json!(0.13076457)
    );
    let none = send(
        &mut c,
        "GET",
        "/i/_search",
        Some(r#"{"query":{"match":{"a":"nothing"}}}"#),
        T0,
    );
    assert_eq!(
        body_json(&none)["hits"],
        json!({"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]})
    );
    // No body means match_all; ?pretty lays it out as Jackson does.
    let pretty = send(&mut c, "GET", "/i/_count?pretty", None, T0);
    assert_eq!(
        pretty.body_text(),
        "{\n  \"count\" : 1,\n  \"_shards\" : {\n    \"total\" : 0,\n    \"successful\" : 0,\n    \"skipped\" : 0,\n    \"failed\" : 0\n  }\n}\n"
    );
}

#[test]
fn term_queries_match_keywords_exactly_and_text_by_token() {
    let mut c = people();
    assert_eq!(
        ids_for(&mut c, json!({"term":{"name.keyword":"Alice Smith"}})),
        ["1"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"term":{"name.keyword":"alice smith"}})),
        Vec::<String>::new()
    );
    // A text field holds lowercased tokens: "Alice" is not one of them.
    assert_eq!(
        ids_for(&mut c, json!({"term":{"name":"Alice"}})),
        Vec::<String>::new()
    );
    // Scored by BM25: the shorter field ranks first.
    assert_eq!(
        ids_for(&mut c, json!({"term":{"name":{"value":"alice"}}})),
        ["4", "1"]
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"term":{"name.keyword":{"value":"ALICE","case_insensitive":true}}})
        ),
        ["4"]
    );
    assert_eq!(ids_for(&mut c, json!({"term":{"age":30}})), ["1"]);
    assert_eq!(ids_for(&mut c, json!({"term":{"age":"30"}})), ["1"]);
    assert_eq!(ids_for(&mut c, json!({"term":{"active":true}})), ["1", "3"]);
    assert_eq!(
        ids_for(&mut c, json!({"term":{"unmapped":"x"}})),
        Vec::<String>::new()
    );
    assert_eq!(
        ids_for(&mut c, json!({"terms":{"type.keyword":["user","guest"]}})),
        ["2", "3", "4"]
    );
    let res = search(
        &mut c,
        json!({"query":{"terms":{"type.keyword":["admin"]}}}),
        T0,
    );
    assert_eq!(body_json(&res)["hits"]["hits"][0]["_score"], json!(1.0));
    // A value a numeric field cannot hold fails the shard.
    let res = send(
        &mut c,
        "POST",
        &format!("/{INDEX}/_search"),
        Some(r#"{"query":{"term":{"age":"old"}}}"#),
        T0,
    );
    assert_eq!(res.status, 400);
    let err = body_json(&res)["error"].clone();
    assert_eq!(err["type"], "search_phase_execution_exception");
    assert_eq!(err["root_cause"][0]["type"], "query_shard_exception");
    assert_eq!(
        err["root_cause"][0]["reason"],
        "failed to create query: For input string: \"old\""
    );
}

#[test]
fn match_queries_analyse_and_score() {
    let mut c = people();
    // OR of tokens, best first: Bob Smith has both.
    assert_eq!(
        ids_for(&mut c, json!({"match":{"name":"SMITH, bob!"}})),
        ["2", "1"]
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"match":{"name":{"query":"alice smith","operator":"and"}}})
        ),
        ["1"]
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"match":{"name":{"query":"alice smith jones","minimum_should_match":2}}})
        ),
        ["1"]
    );
    // match on a keyword sub-field is an exact match.
    assert_eq!(
        ids_for(&mut c, json!({"match":{"name.keyword":"alice"}})),
        ["4"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"match_phrase":{"name":"alice smith"}})),
        ["1"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"match_phrase":{"name":"smith alice"}})),
        Vec::<String>::new()
    );
    // The shorter "alice" field scores higher for the same term.
    let res = search(&mut c, json!({"query":{"match":{"name":"alice"}}}), T0);
    let hits = body_json(&res)["hits"]["hits"].clone();
    assert_eq!(hit_ids(&res), ["4", "1"]);
    assert!(
        hits[0]["_score"].as_f64() > hits[1]["_score"].as_f64(),
        "{hits}"
    );
    assert_eq!(body_json(&res)["hits"]["max_score"], hits[0]["_score"]);
}

#[test]
fn bool_and_range_queries_combine() {
    let mut c = people();
    assert_eq!(
        ids_for(
            &mut c,
            json!({"bool":{"must":{"match":{"name":"smith"}},"filter":[{"term":{"type.keyword":"user"}}]}})
        ),
        ["2"]
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"bool":{"must_not":[{"term":{"type.keyword":"user"}}]}})
        ),
        ["1", "4"]
    );
    // should alone: at least one must match.
    assert_eq!(
        ids_for(
            &mut c,
            json!({"bool":{"should":[{"term":{"age":25}},{"term":{"age":40}}]}})
        ),
        ["2", "4"]
    );
    // should beside a filter is optional, but adds to the score.
    let res = search(
        &mut c,
        json!({"query":{"bool":{"filter":{"range":{"age":{"gte":30}}},"should":{"match":{"name":"jones"}}}}}),
        T0,
    );
    assert_eq!(hit_ids(&res), ["3", "1", "4"]);
    let hits = body_json(&res)["hits"]["hits"].clone();
    assert_eq!(
        (hits[1]["_score"].clone(), hits[2]["_score"].clone()),
        (json!(0.0), json!(0.0))
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"bool":{"should":[{"term":{"age":25}},{"term":{"age":30}},{"term":{"type.keyword":"admin"}}],"minimum_should_match":2}})
        ),
        ["1"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"range":{"age":{"gte":30,"lt":40}}})),
        ["1", "3"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"range":{"score":{"gt":1.5}}})),
        ["2"]
    );
    assert_eq!(
        ids_for(
            &mut c,
            json!({"range":{"name.keyword":{"gte":"B","lt":"C"}}})
        ),
        ["2"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"range":{"age":{"lte":"25"}}})),
        ["2"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"exists":{"field":"score"}})),
        ["1", "2", "3"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"ids":{"values":["3","9","1"]}})),
        ["1", "3"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"prefix":{"name.keyword":"Car"}})),
        ["3"]
    );
    assert_eq!(
        ids_for(&mut c, json!({"match_none":{}})),
        Vec::<String>::new()
    );
}

#[test]
fn sort_size_and_from_page_through_results() {
    let mut c = people();
    let res = search(&mut c, json!({"sort":[{"age":"desc"}],"size":2}), T0);
    assert_eq!(hit_ids(&res), ["4", "3"]);
    let json = body_json(&res);
    assert_eq!(json["hits"]["max_score"], Value::Null);
    assert_eq!(json["hits"]["hits"][0]["_score"], Value::Null);
    assert_eq!(json["hits"]["hits"][0]["sort"], json!([40]));
    assert_eq!(json["hits"]["total"]["value"], 4);
    let page = search(&mut c, json!({"sort":["age"],"from":1,"size":2}), T0);
    assert_eq!(hit_ids(&page), ["1", "3"]);
    let by_id = search(&mut c, json!({"sort":{"_id":{"order":"desc"}}}), T0);
    assert_eq!(hit_ids(&by_id), ["4", "3", "2", "1"]);
    // Missing values sort last either way, shown as Long.MAX_VALUE/MIN_VALUE.
    let res = search(&mut c, json!({"sort":[{"score":{"order":"asc"}}]}), T0);
    assert_eq!(hit_ids(&res), ["3", "1", "2", "4"]);
    assert_eq!(body_json(&res)["hits"]["hits"][0]["sort"], json!([0.5]));
    assert_eq!(
        body_json(&res)["hits"]["hits"][3]["sort"],
        json!(["Infinity"])
    );
    let res = search(&mut c, json!({"sort":[{"score":{"order":"desc"}}]}), T0);
    assert_eq!(hit_ids(&res), ["2", "1", "3", "4"]);
    assert_eq!(
        body_json(&res)["hits"]["hits"][3]["sort"],
        json!(["-Infinity"])
    );
    let res = search(
        &mut c,
        json!({"sort":[{"active":{"order":"asc","missing":"_first"}}]}),
        T0,
    );
    assert_eq!(hit_ids(&res), ["4", "2", "1", "3"]);
    assert_eq!(
        body_json(&res)["hits"]["hits"][0]["sort"],
        json!([i64::MIN])
    );
    assert_eq!(body_json(&res)["hits"]["hits"][1]["sort"], json!([0]));
    let res = search(
        &mut c,
        json!({"sort":[{"type.keyword":"asc"},{"age":"desc"}]}),
        T0,
    );
    assert_eq!(hit_ids(&res), ["1", "4", "3", "2"]);
    assert_eq!(
        body_json(&res)["hits"]["hits"][2]["sort"],
        json!(["user", 35])
    );
    // _score sorting keeps scores; size 0 counts only.
    let res = search(
        &mut c,
        json!({"query":{"match":{"name":"smith"}},"sort":["_score"]}),
        T0,
    );
    assert!(body_json(&res)["hits"]["max_score"].is_f64());
    let res = search(&mut c, json!({"size":0}), T0);
    assert_eq!(
        body_json(&res)["hits"],
        json!({"total":{"value":4,"relation":"eq"},"max_score":null,"hits":[]})
    );
    // URL parameters override the body.
    let res = send(
        &mut c,
        "POST",
        &format!("/{INDEX}/_search?size=1&sort=age:asc"),
        Some(r#"{"size":3}"#),
        T0,
    );
    assert_eq!(hit_ids(&res), ["2"]);
}

#[test]
fn bad_sorts_and_windows_fail_the_search() {
    let mut c = people();
    let post = |c: &mut Collection, body: &str| {
        send(c, "POST", &format!("/{INDEX}/_search"), Some(body), T0)
    };
    let res = post(&mut c, r#"{"sort":["name"]}"#);
    assert_eq!(res.status, 400);
    let err = body_json(&res)["error"].clone();
    assert_eq!(err["type"], "search_phase_execution_exception");
    assert_eq!(err["reason"], "all shards failed");
    assert!(err["root_cause"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("Text fields are not optimised"));
    assert_eq!(err["failed_shards"][0]["index"], INDEX);
    let res = post(&mut c, r#"{"sort":["nope"]}"#);
    assert_eq!(
        body_json(&res)["error"]["root_cause"][0]["reason"],
        "No mapping found for [nope] in order to sort on"
    );
    let res = post(&mut c, r#"{"sort":[{"nope":{"unmapped_type":"long"}}]}"#);
    assert_eq!(res.status, 200);
    let res = post(&mut c, r#"{"from":9995,"size":10}"#);
    assert_eq!(res.status, 400);
    assert!(body_json(&res)["error"]["root_cause"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("Result window is too large, from + size must be less than or equal to: [10000] but was [10005]."));
    let res = post(&mut c, r#"{"size":-1}"#);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "[size] parameter cannot be negative, found [-1]"
    );
}

#[test]
fn count_and_mget_read_documents() {
    let mut c = people();
    let res = send(
        &mut c,
        "POST",
        &format!("/{INDEX}/_count"),
        Some(r#"{"query":{"term":{"type.keyword":"user"}}}"#),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (
            200,
            r#"{"count":2,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0}}"#.to_owned()
        )
    );
    let res = send(
        &mut c,
        "POST",
        &format!("/{INDEX}/_count"),
        Some(r#"{"size":1}"#),
        T0,
    );
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "request does not support [size]"
    );

    send(&mut c, "PUT", "/other/_doc/9", Some(r#"{"x": 1}"#), T0);
    let body = format!(
        r#"{{"docs":[{{"_index":"{INDEX}","_id":"4"}},{{"_index":"other","_id":"9"}},{{"_index":"other","_id":"8"}},{{"_index":"gone","_id":"1"}}]}}"#
    );
    let res = send(&mut c, "POST", "/_mget", Some(&body), T0);
    assert_eq!(res.status, 200);
    assert_eq!(
        res.body_text(),
        concat!(
            r#"{"docs":[{"_index":"dynamodb_replicate","_id":"4","_version":1,"_seq_no":0,"_primary_term":0,"found":true,"#,
            r#""_source":{"name":"alice","type":"guest","age":40}},"#,
            r#"{"_index":"other","_id":"9","_version":1,"_seq_no":0,"_primary_term":0,"found":true,"_source":{"x": 1}},"#,
            r#"{"_index":"other","_id":"8","found":false},"#,
            r#"{"_index":"gone","_id":"1","error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [gone]","#,
            r#""resource.type":"index_expression","resource.id":"gone","index_uuid":"_na_","index":"gone"}],"#,
            r#""type":"index_not_found_exception","reason":"no such index [gone]","resource.type":"index_expression","#,
            r#""resource.id":"gone","index_uuid":"_na_","index":"gone"}}]}"#
        )
    );
    let res = send(
        &mut c,
        "GET",
        &format!("/{INDEX}/_mget"),
        Some(r#"{"ids":["2","7"]}"#),
        T0,
    );
    let docs = body_json(&res)["docs"].clone();
    assert_eq!(
        (docs[0]["found"].clone(), docs[1]["found"].clone()),
        (json!(true), json!(false))
    );
    let res = send(&mut c, "POST", "/_mget", Some(r#"{"ids":["1"]}"#), T0);
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "Validation Failed: 1: index is missing for doc 0;"
    );
    // mget reads like GET: at once, before any refresh.
    let mut lagging = collection();
    send(&mut lagging, "PUT", "/i/_doc/1", Some("{}"), T0);
    let res = send(
        &mut lagging,
        "POST",
        "/i/_mget",
        Some(r#"{"ids":["1"]}"#),
        T0,
    );
    assert_eq!(body_json(&res)["docs"][0]["found"], true);
}

// ---------------------------------------------------- update and bulk

#[test]
fn partial_updates_merge_and_detect_noops() {
    let mut c = collection();
    send(
        &mut c,
        "PUT",
        "/i/_doc/1",
        Some(r#"{"a":1,"o":{"x":1}}"#),
        T0,
    );
    let res = send(
        &mut c,
        "POST",
        "/i/_update/1",
        Some(r#"{"doc":{"o":{"y":2},"b":3}}"#),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (200, write_body("i", "1", 2, "updated"))
    );
    let got = send(&mut c, "GET", "/i/_source/1", None, T0);
    assert_eq!(got.body_text(), r#"{"a":1,"o":{"x":1,"y":2},"b":3}"#);
    let res = send(
        &mut c,
        "POST",
        "/i/_update/1",
        Some(r#"{"doc":{"a":1}}"#),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (200, write_body("i", "1", 2, "noop"))
    );
    let res = send(
        &mut c,
        "POST",
        "/i/_update/2",
        Some(r#"{"doc":{"a":1}}"#),
        T0,
    );
    assert_eq!(res.status, 404);
    assert_eq!(
        body_json(&res)["error"]["type"],
        "document_missing_exception"
    );
    assert_eq!(body_json(&res)["error"]["reason"], "[2]: document missing");
    let res = send(
        &mut c,
        "POST",
        "/i/_update/2",
        Some(r#"{"doc":{"a":1},"doc_as_upsert":true}"#),
        T0,
    );
    assert_eq!(
        (res.status, res.body_text()),
        (201, write_body("i", "2", 1, "created"))
    );
}

#[test]
fn bulk_answers_each_action() {
    let mut c = collection();
    send(&mut c, "PUT", "/i/_doc/old", Some("{}"), T0);
    let body = concat!(
        "{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"a\":1}\n",
        "{\"create\":{\"_id\":\"old\"}}\n{}\n",
        "{\"delete\":{\"_id\":\"old\"}}\n",
        "{\"index\":{}}\n{\"a\":\"not a number\"}\n",
        "{\"update\":{\"_id\":\"1\"}}\n{\"doc\":{\"b\":2}}\n",
    );
    let res = send(&mut c, "POST", "/i/_bulk", Some(body), T0);
    assert_eq!(res.status, 200, "{}", res.body_text());
    let json = body_json(&res);
    assert_eq!(json["errors"], true);
    let items = json["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["index"]["status"], 201);
    assert_eq!(items[0]["index"]["result"], "created");
    assert_eq!(items[1]["create"]["status"], 409);
    assert_eq!(
        items[1]["create"]["error"]["type"],
        "version_conflict_engine_exception"
    );
    assert_eq!(
        items[2],
        json!({"delete":{"_index":"i","_id":"old","_version":2,"result":"deleted",
            "_shards":{"total":0,"successful":0,"failed":0},"_seq_no":0,"_primary_term":0,"status":200}})
    );
    assert_eq!(items[3]["index"]["status"], 400);
    assert_eq!(
        items[3]["index"]["error"]["type"],
        "mapper_parsing_exception"
    );
    assert!(items[3]["index"]["_id"]
        .as_str()
        .unwrap()
        .starts_with("1%3A0%3A"));
    assert_eq!(items[4]["update"]["result"], "updated");
    assert_eq!(
        send(&mut c, "GET", "/i/_source/1", None, T0).body_text(),
        r#"{"a":1,"b":2}"#
    );

    let res = send(
        &mut c,
        "POST",
        "/_bulk",
        Some("{\"index\":{\"_index\":\"i\"}}\n{}"),
        T0,
    );
    assert_eq!(res.status, 400);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "The bulk request must be terminated by a newline [\\n]"
    );
    let res = send(&mut c, "POST", "/_bulk", Some("{\"upsert\":{}}\n"), T0);
    assert_eq!(
        body_json(&res)["error"]["reason"],
        "Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]"
    );
}

// -------------------------------------------------------- typed helpers

#[test]
fn typed_helpers_read_what_http_wrote() {
    let mut c = collection();
    let outcome = c
        .index_document(INDEX, None, r#"{"id":"k1","name":"Widget"}"#, T0)
        .unwrap();
    assert_eq!(outcome.result, WriteResult::Created);
    assert_eq!((outcome.version, outcome.searchable_at_ms), (1, T0 + LAG));
    let got = c.get_document(INDEX, &outcome.id).unwrap().unwrap();
    assert_eq!(got.source, json!({"id":"k1","name":"Widget"}));
    assert_eq!(got.raw_source, r#"{"id":"k1","name":"Widget"}"#);
    assert_eq!(c.get_document(INDEX, "nope").unwrap(), None);
    assert_eq!(c.get_document("nope", "1").unwrap_err().status(), 404);

    let query = json!({"query":{"term":{"id.keyword":"k1"}}});
    assert_eq!(c.search(INDEX, &query, T0).unwrap().total, 0);
    let found = c.search(INDEX, &query, T0 + LAG).unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.hits[0].id, outcome.id);
    assert_eq!(found.hits[0].source["name"], "Widget");
    assert_eq!(
        c.count(INDEX, &json!({"match":{"name":"widget"}}), T0 + LAG)
            .unwrap(),
        1
    );

    let deleted = c.delete_document(INDEX, &outcome.id, T0 + 1).unwrap();
    assert_eq!((deleted.result, deleted.version), (WriteResult::Deleted, 2));
    let err = c.index_document("Bad", None, "{}", T0).unwrap_err();
    assert_eq!(
        (err.status(), err.error_type()),
        (400, Some("invalid_index_name_exception"))
    );
    c.reset();
    assert_eq!(c.index_names(), Vec::<String>::new());
    assert_eq!(c.timeline(), &[]);
}
