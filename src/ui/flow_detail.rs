//! The selected flow in full: where it is (stuck: the reason and the fix;
//! waiting: what for, and how long so far), its stages with times and
//! latencies, what labmate sent and the signed request in the inspector,
//! the stream record, the old/new diff, the Lambda's log lines, and the
//! document beside the item. The `actions` slot takes what can be done
//! with the flow (modify, delete, replay).

use std::hash::{DefaultHasher, Hash, Hasher};

use labmate_core::flow::lambda_log::RecordOutcome;
use labmate_core::flow::{
    ChangeKind, Flow, FlowId, FlowState, Hop, Origin, Waiting, DOCUMENT_WAIT_MS, LAMBDA_WAIT_MS,
    STREAM_WAIT_MS,
};
use labmate_core::projector::mask_ids;
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::aws::client::{Asker, Exchange, Outcome};
use crate::lang::{t, use_lang};
use crate::state::{use_state, AppState};
use crate::ui::flow_words::{clock_text, find, hop_key, latency_text, look, subject_in, StateKind};
use crate::ui::reactive::{flag, nothing, on_click, part, text, Text};

/// How far apart a flow's send and an inspector request may be to be the
/// same request when no id ties them (the page signs, then sends).
const SAME_REQUEST_MS: i64 = 5_000;

/// The inspector's request that made `flow`'s change: the API's answer
/// carrying the flow's request id (or the id labmate sent), else the
/// request with the same body (the API) or on the same key (DynamoDB),
/// nearest in time. `offset_ms` turns the flow's AWS times into the
/// page's clock, which the inspector uses.
pub fn sent_exchange(flow: &Flow, exchanges: &[Exchange], offset_ms: i64) -> Option<u32> {
    let (service, sent_ms) = match (&flow.sent, flow.origin) {
        (Some(sent), _) => (Service::ApiGateway, sent.sent_ms),
        (None, Origin::Key) => (Service::DynamoDb, flow.started_ms),
        _ => return None,
    };
    let local_ms = sent_ms - offset_ms;
    let ours = exchanges
        .iter()
        .filter(|e| e.asker == Asker::Learner && e.service == service);
    let request_id = flow.sent.as_ref().and_then(|s| s.request_id.as_deref());
    if let Some(id) = request_id {
        let by_id = ours.clone().find(|e| {
            let answered = match &e.outcome {
                Outcome::Answered { request_id, .. } => request_id.as_deref(),
                _ => None,
            };
            answered == Some(id) || e.signed.header("x-amzn-requestid") == Some(id)
        });
        if let Some(e) = by_id {
            return Some(e.id);
        }
    }
    let same_change = |e: &Exchange| {
        let body = serde_json::from_str::<Map<String, Value>>(&e.signed.body).ok();
        match (&flow.sent, body) {
            (Some(sent), Some(body)) => body == sent.body,
            (None, Some(body)) => {
                let operation = match flow.change {
                    ChangeKind::Remove => "DeleteItem",
                    _ => "UpdateItem",
                };
                e.operation == operation
                    && body["Key"]["id"]["S"].as_str() == flow.item_id.as_deref()
            }
            (_, None) => false,
        }
    };
    ours.filter(|e| (e.started_ms - local_ms).abs() <= SAME_REQUEST_MS && same_change(e))
        .min_by_key(|e| (e.started_ms - local_ms).abs())
        .map(|e| e.id)
}

/// An attribute's value as the learner reads it: a string's text, else
/// the value with its DynamoDB type (`5 (N)`).
fn value_text(value: Option<&Value>) -> String {
    let Some(typed) = value.and_then(Value::as_object) else {
        return "—".into();
    };
    match typed.iter().next() {
        Some((t, v)) if t == "S" => v.as_str().unwrap_or_default().to_owned(),
        Some((t, v)) => format!("{} ({t})", v.as_str().unwrap_or("…")),
        None => "—".into(),
    }
}

/// A JSON value in a few words: strings as they are.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        // Lists and maps (a typed handler writes them) as compact JSON.
        _ => value.to_string(),
    }
}

fn origin_text(origin: Origin, lang: Lang) -> &'static str {
    match origin {
        Origin::RequestId => word!(lang, board.origin_request_id),
        Origin::Content => word!(lang, board.origin_content),
        Origin::Key => word!(lang, board.origin_key),
        Origin::Outside => word!(lang, board.origin_outside),
    }
}

/// What the handler did with the record, in a sentence.
fn outcome_text(outcome: &RecordOutcome, lang: Lang) -> String {
    match outcome {
        RecordOutcome::Indexed => word!(lang, board.lambda_indexed).into(),
        RecordOutcome::Removed => word!(lang, board.lambda_removed).into(),
        RecordOutcome::FailedToIndex { response } => {
            word!(lang, board.lambda_failed_to_index)(response)
        }
        RecordOutcome::FailedToRemove { response } => {
            word!(lang, board.lambda_failed_to_remove)(response)
        }
        RecordOutcome::Crashed { exception } => word!(lang, board.lambda_crashed)(exception),
        RecordOutcome::NotReached => word!(lang, board.lambda_not_reached).into(),
    }
}

/// `20.50 ms` without float formatting.
fn duration_text(ms: f64) -> String {
    let hundredths = (ms * 100.0).round() as i64;
    format!("{}.{:02} ms", hundredths / 100, hundredths % 100)
}

/// A line of the detail; its words may follow signals (a wait's length).
struct Line {
    class: Option<&'static str>,
    testid: Option<&'static str>,
    words: Text,
}

fn line(class: Option<&'static str>, testid: Option<&'static str>, words: String) -> Line {
    Line {
        class,
        testid,
        words: text(move || words.clone()),
    }
}

fn plain(words: impl Into<String>) -> Line {
    line(None, None, words.into())
}

/// A table row: its key (`data-key`: a hop or an attribute), class, cells.
struct Row {
    key: String,
    class: Option<&'static str>,
    cells: Vec<String>,
}

/// One part of the detail, as data. Every part renders through
/// [`block_view`], so the page carries one copy of the view code for all
/// of them (each distinct view is code of its own in the bundle).
#[derive(Default)]
struct Block {
    testid: &'static str,
    class: String,
    /// The flow's state, on the state block.
    state: Option<&'static str>,
    /// The flow's title (the first block only).
    title: Option<String>,
    heading: Option<&'static str>,
    lines: Vec<Line>,
    /// A definition list.
    pairs: Vec<(&'static str, String)>,
    /// A table: its column heads and rows.
    head: Vec<&'static str>,
    rows: Vec<Row>,
    /// Log lines.
    log: Option<String>,
    /// The inspector's request that made the change, for a link to it.
    request: Option<Memo<Option<u32>>>,
}

impl Block {
    /// The block as projector mode shows it: account and key ids masked
    /// in every text (ARNs in stream records, log lines, refusals).
    fn masked(self) -> Block {
        let m = |t: String| mask_ids(&t);
        Block {
            title: self.title.map(m),
            lines: self
                .lines
                .into_iter()
                .map(|mut l| Line {
                    class: l.class,
                    testid: l.testid,
                    words: text(move || mask_ids(&(l.words)())),
                })
                .collect(),
            pairs: self.pairs.into_iter().map(|(k, v)| (k, m(v))).collect(),
            rows: self
                .rows
                .into_iter()
                .map(|r| Row {
                    cells: r.cells.into_iter().map(m).collect(),
                    ..r
                })
                .collect(),
            log: self.log.map(m),
            ..self
        }
    }
}

fn block_view(state: AppState, b: Block, lang: Lang) -> impl IntoView {
    let lines = b
        .lines
        .into_iter()
        .map(|l| view! { <p class=l.class data-testid=l.testid>{l.words}</p> })
        .collect_view();
    let pairs = (!b.pairs.is_empty()).then(|| {
        let pairs = b
            .pairs
            .into_iter()
            .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
            .collect_view();
        view! { <dl class="identity">{pairs}</dl> }
    });
    let table = (!b.rows.is_empty()).then(|| {
        let head = b
            .head
            .into_iter()
            .map(|h| view! { <th scope="col">{h}</th> })
            .collect_view();
        let rows = b
            .rows
            .into_iter()
            .map(|r| {
                let cells = r
                    .cells
                    .into_iter()
                    .map(|c| view! { <td>{c}</td> })
                    .collect_view();
                view! { <tr data-key=r.key class=r.class>{cells}</tr> }
            })
            .collect_view();
        view! { <table class="flow-table"><tr>{head}</tr>{rows}</table> }
    });
    view! {
        <section class=b.class data-testid=b.testid data-state=b.state>
            {b.title.map(|t| view! { <h3 data-testid="flow-detail-title">{t}</h3> })}
            {b.heading.map(|h| view! { <h4>{h}</h4> })}
            {lines}
            {pairs}
            {table}
            {b.log.map(|l| view! { <pre class="code" data-testid="flow-log">{l}</pre> })}
            {b.request.map(|request| view! {
                <button type="button" data-testid="flow-open-request"
                    class:hidden=flag(move || request.get().is_none())
                    on:click=on_click(move |_| {
                        state.selected_exchange.set(request.get_untracked());
                        if let Some(inspector) = document().query_selector("[data-testid=inspector]").ok().flatten() {
                            inspector.scroll_into_view();
                        }
                    })>
                    {text(move || word!(lang, board.detail_open_request)(request.get().unwrap_or_default()))}
                </button>
                <p class="muted" class:hidden=flag(move || request.get().is_some())>
                    {word!(lang, board.detail_request_not_held)}
                </p>
            })}
        </section>
    }
}

/// The flow's state, prominent; a wait shows how long it has lasted.
fn state_block(state: AppState, flow: &Flow, lang: Lang) -> Block {
    let key = StateKind::of(&flow.state).key();
    let since = flow.stages.last().map_or(flow.started_ms, |s| s.at_ms);
    // The sentence with the time waited, the time following the clock.
    let waiting = move |since: i64, say: Box<dyn Fn(&str) -> String + Send>| Line {
        class: None,
        testid: Some("flow-waiting"),
        words: text(move || {
            let now = state.clock.get().now_ms(state.now_ms.get());
            say(&latency_text((now - since).max(0)))
        }),
    };
    let lines = match &flow.state {
        FlowState::Complete => vec![line(
            Some("ok"),
            None,
            match flow.document.as_ref().and_then(|d| d.superseded_by) {
                Some(newer) => word!(lang, board.detail_complete_superseded)(newer.0),
                None => word!(lang, board.detail_complete).into(),
            },
        )],
        FlowState::Stuck { reason } => vec![
            line(
                Some("reason"),
                Some("flow-stuck-reason"),
                word!(lang, board.detail_stuck)(reason.hop().label(), &reason.reason_in(lang)),
            ),
            line(
                Some("fix"),
                Some("flow-fix"),
                word!(lang, board.detail_fix)(&reason.fix_in(lang)),
            ),
        ],
        FlowState::NotObservable { hop, permission } => vec![line(
            None,
            Some("flow-not-observable"),
            word!(lang, board.detail_not_observable)(hop.label(), permission),
        )],
        FlowState::InProgress {
            next,
            waiting: wait,
        } => vec![match wait {
            Some(Waiting::Refresh { since_ms }) => {
                let limit = latency_text(DOCUMENT_WAIT_MS);
                waiting(
                    *since_ms,
                    Box::new(move |waited| {
                        word!(lang, board.detail_waiting_refresh)(waited, &limit)
                    }),
                )
            }
            Some(Waiting::LambdaBusy { .. }) => waiting(
                since,
                Box::new(move |waited| word!(lang, board.detail_waiting_lambda_busy)(waited)),
            ),
            Some(Waiting::TriggerEnabling { state: trigger }) => {
                let trigger = trigger.clone();
                waiting(
                    since,
                    Box::new(move |waited| {
                        word!(lang, board.detail_waiting_trigger)(&trigger, waited)
                    }),
                )
            }
            None => {
                let limit = match next {
                    Hop::Stream => Some(STREAM_WAIT_MS),
                    Hop::Lambda => Some(LAMBDA_WAIT_MS),
                    Hop::Collection => Some(DOCUMENT_WAIT_MS),
                    Hop::Api | Hop::Table => None,
                };
                let hop = next.label();
                match limit.map(latency_text) {
                    Some(limit) => waiting(
                        since,
                        Box::new(move |waited| {
                            word!(lang, board.detail_waiting_for_until)(hop, waited, &limit)
                        }),
                    ),
                    None => waiting(
                        since,
                        Box::new(move |waited| word!(lang, board.detail_waiting_for)(hop, waited)),
                    ),
                }
            }
        }],
    };
    Block {
        testid: "flow-detail-state",
        class: format!("flow-state state-{key}"),
        state: Some(key),
        lines,
        ..Block::default()
    }
}

fn stages_block(flow: &Flow, lang: Lang) -> Block {
    let mut rows = vec![Row {
        key: "sent".into(),
        class: None,
        cells: vec![
            word!(lang, board.stages_sent).into(),
            clock_text(flow.started_ms),
            String::new(),
        ],
    }];
    rows.extend(Hop::ALL.iter().map(|&hop| {
        let stage = flow.stage(hop);
        Row {
            key: hop_key(hop).into(),
            class: stage.is_none().then_some("pending"),
            cells: vec![
                hop.label().into(),
                stage.map_or("—".into(), |s| clock_text(s.at_ms)),
                stage.map_or(String::new(), |s| {
                    format!("+{}", latency_text(s.latency_ms))
                }),
            ],
        }
    }));
    Block {
        testid: "flow-stages",
        heading: Some(word!(lang, board.stages_heading)),
        lines: vec![line(
            Some("muted"),
            None,
            word!(lang, board.stages_note).into(),
        )],
        head: vec![
            word!(lang, board.stages_hop),
            word!(lang, board.stages_at),
            word!(lang, board.stages_latency),
        ],
        rows,
        ..Block::default()
    }
}

fn sent_block(flow: &Flow, request: Memo<Option<u32>>, lang: Lang) -> Option<Block> {
    if flow.sent.is_none() && flow.origin == Origin::Outside {
        return None;
    }
    let mut lines = Vec::new();
    if let Some(s) = &flow.sent {
        let body: Vec<String> = s
            .body
            .iter()
            .map(|(k, v)| format!("{k}: {}", json_text(v)))
            .collect();
        lines.push(plain(word!(lang, board.sent_post)(
            &clock_text(s.sent_ms),
            &body.join(", "),
        )));
        lines.push(plain(match s.status {
            Some(status) => word!(lang, board.sent_answered)(
                status,
                &latency_text(s.answered_ms - s.sent_ms),
                &s.answer,
            ),
            None => word!(lang, board.sent_no_answer).into(),
        }));
        if let Some(id) = &s.request_id {
            lines.push(plain(format!("x-amzn-RequestId: {id}")));
        }
    }
    Some(Block {
        testid: "flow-sent",
        heading: Some(word!(lang, board.sent_heading)),
        lines,
        request: Some(request),
        ..Block::default()
    })
}

fn stream_block(flow: &Flow, lang: Lang) -> Option<Block> {
    let s = flow.stream.as_ref()?;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    Some(Block {
        testid: "flow-stream",
        heading: Some(word!(lang, board.stream_heading)),
        pairs: vec![
            (word!(lang, board.stream_event_id), s.event_id.clone()),
            (
                word!(lang, board.stream_sequence_number),
                or_dash(&s.sequence_number),
            ),
            (word!(lang, board.stream_shard), or_dash(&s.shard_id)),
            (word!(lang, board.stream_view_type), or_dash(&s.view_type)),
            (
                word!(lang, board.stream_created),
                word!(lang, board.stream_created_at)(&clock_text(s.created_ms)),
            ),
        ],
        lines: s
            .from_lambda_log
            .then(|| {
                line(
                    Some("warning"),
                    None,
                    word!(lang, board.stream_from_lambda_log).into(),
                )
            })
            .into_iter()
            .collect(),
        ..Block::default()
    })
}

fn diff_block(flow: &Flow, lang: Lang) -> Option<Block> {
    if flow.old_image.is_none() && flow.new_image.is_none() {
        return None;
    }
    let changes = flow.diff();
    let mut lines = vec![line(
        Some("muted"),
        None,
        word!(lang, board.diff_note).into(),
    )];
    if changes.is_empty() {
        lines.push(plain(word!(lang, board.diff_nothing)));
    }
    Some(Block {
        testid: "flow-diff",
        heading: Some(word!(lang, board.diff_heading)),
        lines,
        head: vec![
            word!(lang, board.diff_attribute),
            word!(lang, board.diff_old),
            word!(lang, board.diff_new),
        ],
        rows: changes
            .into_iter()
            .map(|c| Row {
                cells: vec![
                    c.attribute.clone(),
                    value_text(c.old.as_ref()),
                    value_text(c.new.as_ref()),
                ],
                key: c.attribute,
                class: None,
            })
            .collect(),
        ..Block::default()
    })
}

/// The invocation's batch, and where the lines left out of this flow are.
fn batch_text(records: usize, lang: Lang) -> String {
    match records {
        0 | 1 => word!(lang, board.lambda_batch_one).into(),
        n => word!(lang, board.lambda_batch_many)(n, n - 1),
    }
}

fn lambda_block(flow: &Flow, lang: Lang) -> Option<Block> {
    let l = flow.lambda.as_ref()?;
    let log = l
        .lines
        .iter()
        .map(|e| format!("{}  {}", clock_text(e.timestamp), e.message.trim_end()))
        .collect::<Vec<_>>()
        .join("\n");
    Some(Block {
        testid: "flow-lambda",
        heading: Some("Lambda"),
        lines: vec![plain(outcome_text(&l.outcome, lang))],
        pairs: vec![
            (word!(lang, board.lambda_request_id), l.request_id.clone()),
            (word!(lang, board.lambda_attempts), l.attempts.to_string()),
            (
                word!(lang, board.lambda_duration),
                word!(lang, board.lambda_duration_billed)(
                    &duration_text(l.duration_ms),
                    l.billed_ms,
                ),
            ),
            (word!(lang, board.lambda_log_stream), l.log_stream.clone()),
            (
                word!(lang, board.lambda_batch),
                batch_text(l.batch_size, lang),
            ),
        ],
        log: Some(log),
        ..Block::default()
    })
}

fn document_block(flow: &Flow, lang: Lang) -> Option<Block> {
    let mut block = Block {
        testid: "flow-document",
        heading: Some(word!(lang, board.document_heading)),
        head: vec![
            word!(lang, board.document_attribute),
            word!(lang, board.document_item),
            word!(lang, board.document_document),
            "",
        ],
        ..Block::default()
    };
    let said = match &flow.document {
        None if flow.lambda.is_none() => return None,
        None if matches!(flow.state, FlowState::Stuck { .. }) => {
            word!(lang, board.document_stopped).to_owned()
        }
        None => word!(lang, board.document_not_yet).to_owned(),
        Some(d) => match (d.superseded_by, &d.source) {
            (Some(newer), _) => word!(lang, board.document_overwritten)(newer.0),
            (None, None) => word!(lang, board.document_removed).into(),
            (None, Some(source)) => {
                // Compared by type: a number attribute is the same as the
                // document's number of equal value.
                block.rows = flow
                    .compare_document(source)
                    .into_iter()
                    .map(|c| Row {
                        class: (!c.same).then_some("differs"),
                        cells: vec![
                            c.attribute.clone(),
                            json_text(&c.item),
                            c.document.as_ref().map_or_else(|| "—".into(), json_text),
                            if c.same {
                                word!(lang, board.document_same)
                            } else {
                                word!(lang, board.document_differs)
                            }
                            .into(),
                        ],
                        key: c.attribute,
                    })
                    .collect();
                word!(lang, board.document_compared)(&d.document_id.clone().unwrap_or_default())
            }
        },
    };
    block.lines.push(plain(said));
    Some(block)
}

/// `projector`: ids masked ([`Block::masked`]).
fn detail_view(
    state: AppState,
    flow: &Flow,
    request: Memo<Option<u32>>,
    projector: bool,
    lang: Lang,
) -> impl IntoView {
    let k = look(flow.change);
    let head = Block {
        testid: "flow-detail-head",
        class: format!("flow-detail-head kind-{}", k.shape),
        title: Some(word!(lang, board.detail_title)(
            flow.id.0,
            k.label,
            &subject_in(flow, lang),
        )),
        lines: vec![line(
            Some("muted"),
            None,
            match &flow.item_id {
                Some(id) => word!(lang, board.detail_item_id)(id, origin_text(flow.origin, lang)),
                None => origin_text(flow.origin, lang).into(),
            },
        )],
        ..Block::default()
    };
    let blocks = [
        Some(head),
        Some(state_block(state, flow, lang)),
        Some(stages_block(flow, lang)),
        sent_block(flow, request, lang),
        stream_block(flow, lang),
        diff_block(flow, lang),
        lambda_block(flow, lang),
        document_block(flow, lang),
    ];
    let blocks = blocks
        .into_iter()
        .flatten()
        .map(|b| block_view(state, if projector { b.masked() } else { b }, lang))
        .collect_view();
    view! { <div class="flow-detail-body" data-flow-id=flow.id.0>{blocks}</div> }
}

/// Changes when anything the detail shows of `flow` changes.
fn fingerprint(flow: &Flow) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(flow).unwrap_or_default().hash(&mut h);
    h.finish()
}

/// `actions`: called with the selected flow's id whenever the selection
/// changes; the lead's Modify / Delete / Replay go there.
#[component]
pub fn FlowDetail(
    #[prop(optional_no_strip)] actions: Option<Callback<FlowId, AnyView>>,
) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // The selected flow and a fingerprint of it: the detail is built anew
    // when this flow changes (keyed, so never patched), not on every
    // update of the board; and when the language changes.
    let shown = Memo::new(move |_| {
        let id = state.selected_flow.get()?;
        let projector = state.projector.get();
        let lang = lang.get();
        state
            .flows
            .with(|f| find(f, id).map(|flow| (id, fingerprint(flow), projector, lang)))
    });
    let request = Memo::new(move |_| {
        let id = state.selected_flow.get()?;
        let offset = state.clock.with(|c| c.offset_ms);
        state.flows.with(|f| {
            let flow = find(f, id)?;
            state.exchanges.with(|x| sent_exchange(flow, x, offset))
        })
    });
    // The actions are rebuilt only when another flow is selected.
    let shown_id = Memo::new(move |_| shown.get().map(|(id, ..)| id));
    view! {
        <section class="flow-detail" data-testid="flow-detail" aria-label=t(|l| word!(l, board.detail_label))>
            <p class="muted" data-testid="flow-detail-empty" class:hidden=flag(move || shown.with(Option::is_some))>
                {t(|l| word!(l, board.detail_empty))}
            </p>
            <For each=move || shown.get() key=|(id, version, projector, lang): &(FlowId, u64, bool, Lang)| (*id, *version, *projector, lang.code())
                children=move |(id, _, projector, lang)| state.flows.with_untracked(|f| find(f, id).map(|flow| detail_view(state, flow, request, projector, lang)))/>
            {part(move || match (shown_id.get(), actions) {
                (Some(id), Some(actions)) => view! {
                    <div class="flow-actions-slot" data-testid="flow-actions-slot">{actions.run(id)}</div>
                }
                .into_any(),
                _ => nothing(),
            })}
        </section>
    }
}
