//! The flow board in headless Chromium (wasm-bindgen-test), with the
//! page's own stylesheet, fed by `Flows` built through the real core from
//! observations read out of AWS-shaped JSON, as the pollers make them.
//! Each test mounts its own board and checks what a learner sees, and that
//! Leptos printed no warning meanwhile.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use labmate::aws::client::{Asker, Exchange, Outcome};
use labmate::state::AppState;
use labmate::ui::flow_announcer::GATHER_MS;
use labmate::ui::flow_board::FlowBoard;
use labmate_core::change::{Modification, SentItem, TableChange};
use labmate_core::config::LabConfig;
use labmate_core::credentials::Credentials;
use labmate_core::flow::{
    DocumentSearch, FlowId, Flows, Hop, LogEvents, NotObservable, Observation, ReadFrom,
    StreamPage, TableCall,
};
use labmate_core::signing::{sign, HttpRequest, SigningContext};
use labmate_core::Service;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// 2024-10-08 20:35:22 UTC, the lab's usual day.
const T: i64 = 1_728_419_722_000;
const SHARD: &str = "shardId-00000001728417322000-0000abcd";

// ---- observations, as the pollers read them from AWS's answers ----

/// POST /v1/lab answered `{}` with request id `id`.
fn api_written(id: &str, name: &str, at: i64) -> Observation {
    let sent = SentItem {
        own_id: None,
        body: json!({"name": name, "type": "cat"}).to_string(),
        sent_ms: at,
    };
    Observation::ApiAnswer(sent.answer(Some(200), Some(id.into()), "{}", at + 40))
}

/// One element of GetRecords' `Records`.
fn record(event_id: &str, change: &str, id: &str, name: &str, seq: &str, at: i64) -> Value {
    let mut ddb = json!({
        "ApproximateCreationDateTime": at / 1000,
        "Keys": {"id": {"S": id}},
        "SequenceNumber": seq,
        "SizeBytes": 40,
        "StreamViewType": "NEW_IMAGE",
    });
    if change != "REMOVE" {
        ddb["NewImage"] = json!({"id": {"S": id}, "name": {"S": name}, "type": {"S": "cat"}});
    }
    json!({"eventID": event_id, "eventName": change, "eventSource": "aws:dynamodb",
        "awsRegion": "ap-southeast-1", "dynamodb": ddb})
}

fn page(records: Vec<Value>, at: i64) -> Observation {
    let body = json!({"Records": records, "NextShardIterator": "next"});
    Observation::StreamPage(
        StreamPage::from_get_records(SHARD, ReadFrom::Continued, &body, at).unwrap(),
    )
}

/// FilterLogEvents' events for one invocation: START, the printed event,
/// the handler's lines, END and REPORT.
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
        "REPORT RequestId: {request_id}\tDuration: 20.50 ms\tBilled Duration: 21 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n"
    ));
    let events: Vec<Value> = messages
        .into_iter()
        .enumerate()
        .map(|(i, message)| {
            json!({"eventId": format!("{request_id}-{i}"), "timestamp": at + i as i64,
                "logStreamName": "2024/10/08/[$LATEST]abc", "message": message,
                "ingestionTime": at + 500})
        })
        .collect();
    Observation::LogEvents(
        LogEvents::from_filter_log_events(&json!({ "events": events }), at + 500).unwrap(),
    )
}

/// A `_search` by `id.keyword` that found `hits` (`_id`, name).
fn search(id: &str, hits: &[(&str, &str)], at: i64) -> Observation {
    let hits: Vec<Value> = hits
        .iter()
        .map(|(doc, name)| {
            json!({"_index": "dynamodb_replicate", "_id": doc, "_score": 1.0,
                "_source": {"id": id, "name": name, "type": "cat"}})
        })
        .collect();
    let body = json!({"took": 3, "hits": {"total": {"value": hits.len()}, "hits": hits}});
    Observation::DocumentSearch(
        DocumentSearch::from_search(id, "dynamodb_replicate", &body, at).unwrap(),
    )
}

const MODIFY_405: &str = r#"Failed to index item: {'id': 'k1', 'name': 'Bea'}, Response: {"error":"Incorrect HTTP method for uri [/dynamodb_replicate/_doc] and method [PUT], allowed: [POST]","status":405}"#;
const REMOVE_FAILED: &str = r#"Failed to remove item with ID k1, Response: {"error":"no handler found for uri [/dynamodb_replicate/_dock1] and method [DELETE]"}"#;

/// The workshop's story on one item: INSERT k1 complete, then MODIFY and
/// REMOVE stuck in the shipped Lambda, and INSERT k2 waiting for it.
fn workshop_flows() -> Flows {
    let mut flows = Flows::new();
    for o in [
        api_written("k1", "Ann", T),
        page(
            vec![record("e1", "INSERT", "k1", "Ann", "100", T + 100)],
            T + 600,
        ),
        invocation(
            "r1",
            &[("e1", "INSERT", "k1", "100")],
            &["Successfully: {'id': 'k1'}"],
            T + 900,
        ),
        search("k1", &[("doc1", "Ann")], T + 12_000),
        page(
            vec![
                record("e2", "MODIFY", "k1", "Bea", "200", T + 20_000),
                record("e3", "REMOVE", "k1", "", "300", T + 20_000),
            ],
            T + 20_500,
        ),
        invocation(
            "r2",
            &[("e2", "MODIFY", "k1", "200"), ("e3", "REMOVE", "k1", "300")],
            &[MODIFY_405, REMOVE_FAILED],
            T + 20_600,
        ),
        api_written("k2", "Cy", T + 21_000),
        page(
            vec![record("e4", "INSERT", "k2", "Cy", "400", T + 21_000)],
            T + 21_500,
        ),
    ] {
        flows.observe(o);
    }
    flows.check(T + 22_000);
    flows
}

// ---- the page ----

fn js(args: &str, body: &str) -> js_sys::Function {
    js_sys::Function::new_with_args(args, body)
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// The page's stylesheet, once, so that sizes and scrolling are the app's.
fn install_style() {
    let doc = document();
    if doc.get_element_by_id("labmate-style").is_some() {
        return;
    }
    let style = doc.create_element("style").unwrap();
    style.set_id("labmate-style");
    style.set_text_content(Some(include_str!("../public/style.css")));
    doc.head().unwrap().append_child(&style).unwrap();
}

/// Records `console.warn` and `console.error` (Leptos warns through them).
fn watch_console() {
    js("", "if (window.__seen) return; window.__seen = [];
        for (const k of ['warn', 'error']) { const was = console[k];
          console[k] = function (...a) { window.__seen.push(k + ': ' + a.join(' ')); return was.apply(console, a); }; }")
    .call0(&JsValue::NULL)
    .unwrap();
}

/// What was warned since the last call.
fn console_warnings() -> String {
    js("", "return window.__seen.splice(0).join('\\n');")
        .call0(&JsValue::NULL)
        .unwrap()
        .as_string()
        .unwrap()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Lets effects and rendering catch up.
async fn settle() {
    sleep(0).await;
    sleep(20).await;
}

struct Board {
    state: AppState,
    root: HtmlElement,
    _mounted: Box<dyn std::any::Any>,
}

impl Board {
    fn mount(flows: Flows) -> Board {
        install_style();
        watch_console();
        // A failed test before this one must not fail this one too.
        console_warnings();
        let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        root.set_attribute("style", "width: 1200px").unwrap();
        document().body().unwrap().append_child(&root).unwrap();
        let made = Rc::new(Cell::new(None));
        let out = made.clone();
        let mounted = leptos::mount::mount_to(root.clone(), move || {
            let state = AppState::new(LabConfig::default(), T + 22_000);
            state.flows.set(flows);
            provide_context(state);
            // The board's words: English, as these tests read them.
            provide_context(RwSignal::new(labmate_core::words::Lang::En));
            out.set(Some(state));
            view! { <FlowBoard/> }
        });
        Board {
            state: made.get().unwrap(),
            root,
            _mounted: Box::new(mounted),
        }
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let found: js_sys::Array = js("root, s", "return Array.from(root.querySelectorAll(s));")
            .call2(&JsValue::NULL, &self.root, &JsValue::from_str(selector))
            .unwrap()
            .unchecked_into();
        found.iter().map(|e| e.unchecked_into()).collect()
    }

    fn one(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
    }

    fn text(&self, selector: &str) -> String {
        self.one(selector).text_content().unwrap_or_default()
    }

    /// The tail's rows in the page, top to bottom, by flow id.
    fn row_ids(&self) -> Vec<u64> {
        self.all("[data-testid=flow-row]")
            .iter()
            .map(|r| r.get_attribute("data-flow-id").unwrap().parse().unwrap())
            .collect()
    }

    fn token(&self, id: u64) -> Element {
        self.one(&format!("[data-testid=flow-token][data-flow-id=\"{id}\"]"))
    }

    fn click(&self, selector: &str) {
        self.one(selector).unchecked_into::<HtmlElement>().click();
    }

    /// Types into an input or picks in a select, as the learner does.
    fn enter(&self, selector: &str, value: &str, event: &str) {
        js(
            "el, v, ev",
            "el.value = v; el.dispatchEvent(new Event(ev, {bubbles: true}));",
        )
        .call3(
            &JsValue::NULL,
            &self.one(selector),
            &JsValue::from_str(value),
            &JsValue::from_str(event),
        )
        .unwrap();
    }

    fn observe(&self, observations: Vec<Observation>, now: i64) {
        self.state.flows.update(|f| {
            for o in observations {
                f.observe(o);
            }
            f.check(now);
        });
    }
}

fn attr(e: &Element, name: &str) -> String {
    e.get_attribute(name).unwrap_or_default()
}

fn displayed(e: &Element) -> bool {
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(e)
        .unwrap()
        .unwrap();
    style.get_property_value("display").unwrap() != "none"
}

// ---- the tests ----

#[wasm_bindgen_test]
async fn tokens_show_each_change_kind_by_shape_and_letter_and_stuck_ones_where_they_stopped() {
    let board = Board::mount(workshop_flows());
    settle().await;

    let tokens = board.all("[data-testid=flow-token]");
    assert_eq!(tokens.len(), 4);
    // id, kind, shape, letter, hop, state
    let expected = [
        (1, "INSERT", "circle", "I", "collection", "complete"),
        (2, "MODIFY", "square", "M", "lambda", "stuck"),
        (3, "REMOVE", "diamond", "R", "lambda", "stuck"),
        (4, "INSERT", "circle", "I", "stream", "in-progress"),
    ];
    for (id, kind, shape, letter, hop, state) in expected {
        let t = board.token(id);
        assert_eq!(
            (
                attr(&t, "data-kind"),
                attr(&t, "data-shape"),
                attr(&t, "data-hop"),
                attr(&t, "data-state")
            ),
            (kind.into(), shape.into(), hop.into(), state.into()),
            "token {id}"
        );
        // The outline's geometry: a square fills its corner, a diamond its
        // tip, a circle neither.
        let outline = t.query_selector(".shape").unwrap().unwrap();
        let fills = |x: i32, y: i32| {
            js("e, x, y", "return e.isPointInFill(new DOMPoint(x, y));")
                .call3(&JsValue::NULL, &outline, &x.into(), &y.into())
                .unwrap()
                .as_bool()
                .unwrap()
        };
        assert_eq!(
            (fills(12, 12), fills(17, 0), fills(14, 0)),
            match shape {
                "circle" => (false, false, true),
                "square" => (true, false, false),
                _ => (false, true, true),
            },
            "outline of {id}"
        );
        assert_eq!(
            t.query_selector(".letter")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            letter
        );
        let mark = t
            .query_selector("[data-testid=flow-token-stuck]")
            .unwrap()
            .unwrap();
        assert_eq!(displayed(&mark), state == "stuck", "stuck mark of {id}");
    }
    // The stuck token's title (its accessible name too) says why.
    let modify = board.token(2);
    let title = modify
        .query_selector("title")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(title.contains("stuck at Lambda"), "{title}");
    assert!(title.contains("PUT without a document id"), "{title}");
    assert_eq!(attr(&modify, "aria-label"), title);
    // Tokens stand at their hop's x, in lanes newest first.
    // Set through CSSOM (the page's policy allows no style attributes),
    // which writes the value back with a space after the comma.
    let transform = attr(&board.token(4), "style").replace(' ', "");
    assert!(transform.contains("translate(620px,134px)"), "{transform}");
    let transform = attr(&board.token(1), "style").replace(' ', "");
    assert!(transform.contains("translate(1010px,266px)"), "{transform}");
    // Every hop drawn with its label; median latencies on the edges.
    let hops: Vec<String> = board
        .all("[data-testid=diagram-hop] .hop-label")
        .iter()
        .map(|h| h.text_content().unwrap())
        .collect();
    assert_eq!(
        hops,
        ["API Gateway", "lab-table", "stream", "Lambda", "OpenSearch"]
    );
    // Into OpenSearch only flow 1 went: 11,096 ms after its Lambda stage.
    assert_eq!(
        board.text("[data-testid=diagram-latency][data-hop=collection]"),
        "11.0 s"
    );

    // A token moves on as its next hop confirms it.
    board.observe(
        vec![invocation(
            "r3",
            &[("e4", "INSERT", "k2", "400")],
            &["Successfully: {'id': 'k2'}"],
            T + 22_500,
        )],
        T + 23_000,
    );
    settle().await;
    let t = board.token(4);
    assert_eq!(attr(&t, "data-hop"), "lambda");
    assert!(attr(&t, "style")
        .replace(' ', "")
        .contains("translate(815px,134px)"));
    // The same element moved (keyed by flow), so CSS can animate it.
    assert!(t.is_same_node(Some(&board.token(4))));
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn a_hop_the_credentials_cannot_see_is_drawn_with_the_missing_permission() {
    let board = Board::mount(workshop_flows());
    board.observe(
        vec![Observation::NotObservable(NotObservable {
            hop: Hop::Lambda,
            permission: "logs:FilterLogEvents".into(),
            refusal: "AccessDeniedException: not authorized to perform logs:FilterLogEvents".into(),
            seen_ms: T + 22_000,
        })],
        T + 22_000,
    );
    settle().await;
    let hop = board.one("[data-testid=diagram-hop][data-hop=lambda]");
    assert!(hop.class_list().contains("unseen"));
    assert_eq!(attr(&hop, "data-permission"), "logs:FilterLogEvents");
    assert_eq!(
        board.text("[data-hop=lambda] [data-testid=diagram-not-observable]"),
        "not observable: needs logs:FilterLogEvents"
    );
    let stream = board.one("[data-testid=diagram-hop][data-hop=stream]");
    assert!(!stream.class_list().contains("unseen"));
    // The flow waiting for the Lambda cannot be followed further.
    assert_eq!(attr(&board.token(4), "data-state"), "not-observable");
    board.click("[data-testid=flow-row][data-flow-id=\"4\"]");
    settle().await;
    assert!(board
        .text("[data-testid=flow-not-observable]")
        .contains("logs:FilterLogEvents"));
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn the_text_filter_ignores_case_beyond_ascii() {
    let mut flows = Flows::new();
    for o in [
        api_written("k1", "Đặng Ánh", T),
        page(
            vec![record("e1", "INSERT", "k1", "Đặng Ánh", "100", T + 100)],
            T + 600,
        ),
        api_written("k2", "Ann", T + 1_000),
    ] {
        flows.observe(o);
    }
    flows.check(T + 2_000);
    let board = Board::mount(flows);
    settle().await;
    assert_eq!(board.row_ids(), [2, 1]);
    for text in ["đặng ánh", "ĐẶNG", "ánh"] {
        board.enter("[data-testid=flow-filter-text]", text, "input");
        settle().await;
        assert_eq!(board.row_ids(), [1], "{text}");
    }
    board.enter("[data-testid=flow-filter-text]", "AN", "input");
    settle().await;
    assert_eq!(board.row_ids(), [2], "Ánh is not An");
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn the_tail_filters_by_kind_state_and_text_and_pause_keeps_its_rows() {
    let board = Board::mount(workshop_flows());
    settle().await;
    assert_eq!(board.row_ids(), [4, 3, 2, 1], "newest first");

    board.click("[data-testid=flow-filter-insert]");
    settle().await;
    assert_eq!(board.row_ids(), [3, 2]);
    board.click("[data-testid=flow-filter-insert]");
    board.enter("[data-testid=flow-filter-state]", "stuck", "change");
    settle().await;
    assert_eq!(board.row_ids(), [3, 2]);
    board.enter("[data-testid=flow-filter-state]", "complete", "change");
    settle().await;
    assert_eq!(board.row_ids(), [1]);
    board.enter("[data-testid=flow-filter-state]", "", "change");
    // Text matches the name, the item id and the reason.
    board.enter("[data-testid=flow-filter-text]", "cy", "input");
    settle().await;
    assert_eq!(board.row_ids(), [4]);
    board.enter("[data-testid=flow-filter-text]", "K1", "input");
    settle().await;
    assert_eq!(board.row_ids(), [3, 2, 1]);
    board.enter("[data-testid=flow-filter-text]", "document id", "input");
    settle().await;
    assert_eq!(board.row_ids(), [2]);
    assert_eq!(
        board.text("[data-testid=flow-shown-count]"),
        "1 of 4 flows, newest first."
    );
    board.enter("[data-testid=flow-filter-text]", "", "input");
    settle().await;
    assert_eq!(board.row_ids(), [4, 3, 2, 1]);

    // Pause: new flows are counted, not shown; a row's flow still updates.
    board.click("[data-testid=flow-pause]");
    settle().await;
    assert_eq!(board.text("[data-testid=flow-pause]"), "Resume");
    board.observe(
        vec![
            api_written("k3", "Dee", T + 23_000),
            api_written("k4", "Eve", T + 23_100),
            invocation(
                "r3",
                &[("e4", "INSERT", "k2", "400")],
                &["Successfully: {'id': 'k2'}"],
                T + 23_200,
            ),
        ],
        T + 23_500,
    );
    settle().await;
    assert_eq!(board.row_ids(), [4, 3, 2, 1]);
    assert_eq!(board.text("[data-testid=flow-new-count]"), "2 new flows");
    let row = board.one("[data-testid=flow-row][data-flow-id=\"4\"]");
    assert!(row
        .text_content()
        .unwrap()
        .contains("waiting for OpenSearch"));
    // A filter changed while paused picks among the rows kept.
    board.enter("[data-testid=flow-filter-state]", "stuck", "change");
    settle().await;
    assert_eq!(board.row_ids(), [3, 2]);
    board.enter("[data-testid=flow-filter-state]", "", "change");
    board.click("[data-testid=flow-pause]");
    settle().await;
    assert_eq!(board.row_ids(), [6, 5, 4, 3, 2, 1]);
    assert!(!displayed(&board.one("[data-testid=flow-new-count]")));
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn selecting_a_flow_shows_its_detail_with_the_reason_and_the_fix() {
    let board = Board::mount(workshop_flows());
    settle().await;
    assert!(board
        .root
        .query_selector("[data-testid=flow-detail-empty]")
        .unwrap()
        .is_some());

    board.click("[data-testid=flow-row][data-flow-id=\"2\"]");
    settle().await;
    assert_eq!(board.state.selected_flow.get_untracked(), Some(FlowId(2)));
    let row = board.one("[data-testid=flow-row][data-flow-id=\"2\"]");
    assert_eq!(attr(&row, "aria-pressed"), "true");
    assert!(board.token(2).class_list().contains("selected"));
    assert_eq!(
        board.text("[data-testid=flow-detail-title]"),
        "Flow #2 · MODIFY · Bea"
    );
    let reason = board.text("[data-testid=flow-stuck-reason]");
    assert!(reason.starts_with("Stuck at Lambda: The shipped Lambda sends the update as PUT without a document id; the collection answered 405."), "{reason}");
    assert!(board
        .text("[data-testid=flow-fix]")
        .contains("PUT /{index}/_doc/{id}"));
    // The stream record, the diff against the last image seen, the log.
    let stream = board.text("[data-testid=flow-stream]");
    assert!(
        stream.contains("e2") && stream.contains("200") && stream.contains(SHARD),
        "{stream}"
    );
    assert!(stream.contains("NEW_IMAGE"));
    let diff = board.text("[data-testid=flow-diff]");
    assert!(diff.contains("the last image labmate saw"), "{diff}");
    let changed = board.one("[data-testid=flow-diff] tr[data-key=name]");
    assert_eq!(changed.text_content().unwrap(), "nameAnnBea");
    assert_eq!(board.all("[data-testid=flow-diff] tr[data-key]").len(), 1);
    let log = board.text("[data-testid=flow-log]");
    assert!(
        log.contains("Incorrect HTTP method") && log.contains("REPORT RequestId: r2"),
        "{log}"
    );
    assert!(board
        .text("[data-testid=flow-lambda]")
        .contains("20.50 ms (billed 21 ms)"));
    assert!(board
        .text("[data-testid=flow-lambda]")
        .contains("Attempts1"));
    // Stages: through the Lambda, not to OpenSearch.
    let pending: Vec<String> = board
        .all("[data-testid=flow-stages] tr.pending")
        .iter()
        .map(|r| attr(r, "data-key"))
        .collect();
    assert_eq!(pending, ["api", "table", "collection"]);

    // Arrow keys move the selection along the rows.
    js("el", "el.focus(); el.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));")
        .call1(&JsValue::NULL, &row)
        .unwrap();
    settle().await;
    assert_eq!(board.state.selected_flow.get_untracked(), Some(FlowId(1)));
    sleep(50).await;
    let focused = document().active_element().unwrap();
    assert_eq!(attr(&focused, "data-flow-id"), "1");

    // The complete INSERT: its document beside the item, every attribute the same.
    let doc = board.text("[data-testid=flow-document]");
    assert!(doc.contains("_id doc1"), "{doc}");
    assert_eq!(board.all("[data-testid=flow-document] tr.differs").len(), 0);
    assert_eq!(
        board.all("[data-testid=flow-document] tr[data-key]").len(),
        3
    );
    assert_eq!(
        attr(&board.one("[data-testid=flow-detail-state]"), "data-state"),
        "complete"
    );

    // A flow waiting for search explains the refresh, counting the wait.
    board.observe(
        vec![invocation(
            "r3",
            &[("e4", "INSERT", "k2", "400")],
            &["Successfully: {'id': 'k2'}"],
            T + 22_500,
        )],
        T + 23_000,
    );
    board.state.selected_flow.set(Some(FlowId(4)));
    board.state.now_ms.set(T + 33_000);
    settle().await;
    let waiting = board.text("[data-testid=flow-waiting]");
    assert!(waiting.contains("10 to 60 s"), "{waiting}");
    assert!(
        waiting.contains("waiting 10.4 s of up to 1 min."),
        "{waiting}"
    );
    assert_eq!(console_warnings(), "");
}

/// A request as the inspector records it, signed for real.
fn exchange(
    id: u32,
    service: Service,
    operation: &str,
    request: HttpRequest,
    started_ms: i64,
    request_id: Option<&str>,
) -> Exchange {
    let credentials = Credentials {
        access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
        expiration: None,
    };
    let ctx = SigningContext::for_service(&credentials, service, "ap-southeast-1", started_ms);
    Exchange {
        id,
        service,
        region: "ap-southeast-1".into(),
        operation: operation.into(),
        started_ms,
        signed: sign(&request, &ctx).unwrap(),
        sent_to: None,
        outcome: Outcome::Answered {
            status: 200,
            body: "{}".into(),
            request_id: request_id.map(str::to_owned),
            elapsed_ms: 40,
            error: None,
        },
        asker: Asker::Learner,
    }
}

#[wasm_bindgen_test]
async fn the_detail_opens_the_flows_signed_request_in_the_inspector() {
    let mut flows = workshop_flows();
    let modification = Modification {
        name: "Flo".into(),
        kind: "dog".into(),
    };
    let change = TableChange::modify("lab-table", "k2", modification);
    let call: TableCall = change.answered(200, Some("DDB1".into()), "{}", T + 25_000, T + 25_060);
    flows.observe(Observation::TableCall(call));
    flows.check(T + 25_100);
    let board = Board::mount(flows);
    let api = "https://abc.execute-api.ap-southeast-1.amazonaws.com/v1";
    let post = |name: &str| {
        labmate_core::change::api_post(api, &json!({"name": name, "type": "cat"}).to_string(), None)
    };
    let ddb = "https://dynamodb.ap-southeast-1.amazonaws.com";
    board.state.exchanges.set(vec![
        exchange(
            7,
            Service::ApiGateway,
            "POST /v1/lab",
            post("Ann"),
            T + 2,
            Some("k1"),
        ),
        // No request id read: tied by body and time.
        exchange(
            8,
            Service::ApiGateway,
            "POST /v1/lab",
            post("Cy"),
            T + 21_001,
            None,
        ),
        // Another item's UpdateItem at the same moment, then this one's.
        exchange(
            9,
            Service::DynamoDb,
            "UpdateItem",
            TableChange::modify(
                "lab-table",
                "k9",
                Modification {
                    name: "Flo".into(),
                    kind: "dog".into(),
                },
            )
            .request(ddb),
            T + 25_000,
            None,
        ),
        exchange(
            10,
            Service::DynamoDb,
            "UpdateItem",
            change.request(ddb),
            T + 25_003,
            None,
        ),
    ]);
    for (flow, request) in [(1, 7), (4, 8), (5, 10)] {
        board.state.selected_flow.set(Some(FlowId(flow)));
        settle().await;
        let open = board.one("[data-testid=flow-open-request]");
        assert!(displayed(&open), "flow {flow}");
        assert_eq!(
            open.text_content().unwrap(),
            format!("Show the signed request (#{request}) in the inspector")
        );
        board.click("[data-testid=flow-open-request]");
        assert_eq!(
            board.state.selected_exchange.get_untracked(),
            Some(request),
            "flow {flow}"
        );
    }
    // Once the inspector no longer holds it, the detail says so.
    board.state.exchanges.update(|x| x.retain(|e| e.id != 8));
    board.state.selected_flow.set(Some(FlowId(4)));
    settle().await;
    assert!(!displayed(&board.one("[data-testid=flow-open-request]")));
    assert!(board
        .text("[data-testid=flow-sent]")
        .contains("The inspector does not hold this request"));
    // An outside change has no request of labmate's.
    board.state.selected_flow.set(Some(FlowId(2)));
    settle().await;
    assert!(board
        .root
        .query_selector("[data-testid=flow-sent]")
        .unwrap()
        .is_none());
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn endings_are_announced_politely_and_gathered_in_a_burst() {
    let board = Board::mount(workshop_flows());
    settle().await;
    let region = board.one("[data-testid=flow-announcer]");
    assert_eq!(attr(&region, "aria-live"), "polite");
    // Flows that had ended before the page opened are not told again.
    sleep(GATHER_MS as i32 + 100).await;
    assert_eq!(region.text_content().unwrap(), "");

    board.observe(
        vec![
            invocation(
                "r3",
                &[("e4", "INSERT", "k2", "400")],
                &["Successfully: {'id': 'k2'}"],
                T + 22_500,
            ),
            search("k2", &[("doc2", "Cy")], T + 30_000),
        ],
        T + 30_000,
    );
    sleep(GATHER_MS as i32 + 100).await;
    assert_eq!(
        region.text_content().unwrap(),
        "Flow #4 (INSERT Cy) completed."
    );

    // A burst: 12 INSERTs complete and 2 MODIFYs stick in the Lambda.
    // (event id, change, item id, name, sequence number)
    let burst: Vec<(String, &str, String, String, String)> = (0..14)
        .map(|i| {
            let (change, id, name) = match i {
                ..12 => ("INSERT", format!("b{i}"), format!("Item {i}")),
                _ => ("MODIFY", "k2".to_owned(), "Cy2".to_owned()),
            };
            (format!("e-b{i}"), change, id, name, (1000 + i).to_string())
        })
        .collect();
    let mut observations: Vec<Observation> = burst
        .iter()
        .filter(|b| b.1 == "INSERT")
        .zip(0..)
        .map(|(b, i)| api_written(&b.2, &b.3, T + 31_000 + i))
        .collect();
    let records = burst
        .iter()
        .map(|(e, change, id, name, seq)| record(e, change, id, name, seq, T + 31_000))
        .collect();
    observations.push(page(records, T + 31_500));
    let printed: Vec<(&str, &str, &str, &str)> = burst
        .iter()
        .map(|(e, change, id, _, seq)| (e.as_str(), *change, id.as_str(), seq.as_str()))
        .collect();
    let lines: Vec<String> = burst
        .iter()
        .map(|(_, change, id, _, _)| match *change {
            "INSERT" => format!("Successfully: {{'id': '{id}'}}"),
            _ => MODIFY_405.to_owned(),
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    observations.push(invocation("r4", &printed, &lines, T + 32_000));
    board.observe(observations, T + 32_500);
    let searches: Vec<Observation> = (0..12)
        .map(|i| {
            search(
                &format!("b{i}"),
                &[(&format!("d{i}"), &format!("Item {i}"))],
                T + 40_000,
            )
        })
        .collect();
    board.observe(searches, T + 40_000);
    sleep(GATHER_MS as i32 + 100).await;
    assert_eq!(
        region.text_content().unwrap(),
        "12 flows completed; 2 stuck at Lambda."
    );
    assert_eq!(console_warnings(), "");
}

#[wasm_bindgen_test]
async fn five_thousand_flows_render_only_the_rows_in_view() {
    let mut flows = Flows::new();
    let started = js_sys::Date::now();
    for i in 0..5_000 {
        flows.observe(api_written(
            &format!("item-{i}"),
            &format!("Item {i}"),
            T + i,
        ));
    }
    flows.check(T + 6_000);
    let built = js_sys::Date::now() - started;
    let started = js_sys::Date::now();
    let board = Board::mount(flows);
    settle().await;
    let mounted = js_sys::Date::now() - started;
    web_sys::console::log_1(
        &format!("5,000 flows: built in {built} ms, board mounted in {mounted} ms (debug build)")
            .into(),
    );

    let ids = board.row_ids();
    assert!(
        ids.len() >= 10 && ids.len() <= 40,
        "{} rows in the page",
        ids.len()
    );
    assert_eq!(ids[0], 5_000);
    assert_eq!(board.all("[data-testid=flow-token]").len(), 6);
    assert_eq!(
        board.text("[data-testid=flow-shown-count]"),
        "5000 of 5000 flows, newest first."
    );

    // Scroll to the middle: the rows there come, the top ones go.
    let scroller = board.one("[data-testid=flow-scroller]");
    let row_px = scroller.scroll_height() as f64 / 5_000.0;
    scroller.set_scroll_top((row_px * 2_500.0) as i32);
    scroller
        .dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let ids = board.row_ids();
    assert!(ids.len() <= 40, "{} rows in the page", ids.len());
    assert!(ids.contains(&2_500), "{ids:?}");
    assert!(!ids.contains(&5_000));
    // The row for flow 2,500 is where the scroll put it.
    let row = board.one("[data-testid=flow-row][data-flow-id=\"2500\"]");
    let top = js(
        "a, b",
        "return a.getBoundingClientRect().top - b.getBoundingClientRect().top;",
    )
    .call2(&JsValue::NULL, &row, &scroller)
    .unwrap()
    .as_f64()
    .unwrap();
    assert!(top.abs() < row_px * 1.5, "row 2500 at {top} px");

    // A new flow while scrolled: it joins the list, the window stays keyed.
    let kept = board.one("[data-testid=flow-row][data-flow-id=\"2490\"]");
    let started = js_sys::Date::now();
    board.observe(vec![api_written("late", "Late", T + 7_000)], T + 7_100);
    settle().await;
    web_sys::console::log_1(
        &format!(
            "one more flow on 5,000: {} ms to update (debug build)",
            js_sys::Date::now() - started
        )
        .into(),
    );
    assert!(kept.is_same_node(Some(
        &board.one("[data-testid=flow-row][data-flow-id=\"2490\"]")
    )));
    assert_eq!(
        board.text("[data-testid=flow-shown-count]"),
        "5001 of 5001 flows, newest first."
    );
    assert_eq!(console_warnings(), "");
}
