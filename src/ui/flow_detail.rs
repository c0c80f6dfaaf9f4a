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
use labmate_core::Service;
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::aws::client::{Asker, Exchange, Outcome};
use crate::state::{use_state, AppState};
use crate::ui::flow_words::{clock_text, find, hop_key, latency_text, look, subject, StateKind};
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

fn origin_text(origin: Origin) -> &'static str {
    match origin {
        Origin::RequestId => "Sent by labmate; followed by the API's request id, which becomes the item's id.",
        Origin::Content => "Sent by labmate; the page could not read the request id, so the flow was tied to its stream record by name, type and time.",
        Origin::Key => "A DynamoDB call labmate made on this item's key.",
        Origin::Outside => "Made outside labmate (the console, the CLI): first seen on the stream or in the Lambda's log.",
    }
}

fn outcome_text(outcome: &RecordOutcome) -> String {
    match outcome {
        RecordOutcome::Indexed => "indexed the document".into(),
        RecordOutcome::Removed => "removed the document".into(),
        RecordOutcome::FailedToIndex { response } => format!("failed to index it: {response}"),
        RecordOutcome::FailedToRemove { response } => format!("failed to remove it: {response}"),
        RecordOutcome::Crashed { exception } => format!("crashed on it: {exception}"),
        RecordOutcome::NotReached => {
            "did not reach it: an earlier record of the batch crashed".into()
        }
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

fn block_view(state: AppState, b: Block) -> impl IntoView {
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
                    {text(move || format!("Show the signed request (#{}) in the inspector", request.get().unwrap_or_default()))}
                </button>
                <p class="muted" class:hidden=flag(move || request.get().is_some())>
                    "The inspector does not hold this request (another tab sent it, or it was cleared)."
                </p>
            })}
        </section>
    }
}

/// The flow's state, prominent; a wait shows how long it has lasted.
fn state_block(state: AppState, flow: &Flow) -> Block {
    let key = StateKind::of(&flow.state).key();
    let since = flow.stages.last().map_or(flow.started_ms, |s| s.at_ms);
    // "<before><time waited><after>", the time following the clock.
    let waiting = move |before: String, since: i64, after: String| Line {
        class: None,
        testid: Some("flow-waiting"),
        words: text(move || {
            let now = state.clock.get().now_ms(state.now_ms.get());
            format!("{before}{}{after}", latency_text((now - since).max(0)))
        }),
    };
    let lines = match &flow.state {
        FlowState::Complete => vec![line(
            Some("ok"),
            None,
            match flow.document.as_ref().and_then(|d| d.superseded_by) {
                Some(newer) => format!("Complete: a later change of this item (flow #{}) reached search first, so this image was overwritten before search could show it.", newer.0),
                None => "Complete: every hop confirmed it.".into(),
            },
        )],
        FlowState::Stuck { reason } => vec![
            line(
                Some("reason"),
                Some("flow-stuck-reason"),
                format!("Stuck at {}: {reason}", reason.hop().label()),
            ),
            line(Some("fix"), Some("flow-fix"), format!("Fix: {}", reason.fix())),
        ],
        FlowState::NotObservable { hop, permission } => vec![line(
            None,
            Some("flow-not-observable"),
            format!("labmate cannot see {} with these credentials: they lack {permission}. Grant it to follow the flow further; it may well have gone on.", hop.label()),
        )],
        FlowState::InProgress { next, waiting: wait } => vec![match wait {
            Some(Waiting::Refresh { since_ms }) => waiting(
                "The Lambda indexed it. The collection makes a write searchable 10 to 60 s after it (its refresh interval), so search may not show it yet: waiting ".into(),
                *since_ms,
                format!(" of up to {}.", latency_text(DOCUMENT_WAIT_MS)),
            ),
            Some(Waiting::LambdaBusy { .. }) => waiting(
                "The Lambda is working through earlier records of the stream, a batch at a time per shard: this record's turn comes in order. Waiting ".into(),
                since,
                ".".into(),
            ),
            Some(Waiting::TriggerEnabling { state: trigger }) => waiting(
                format!("The trigger is {trigger}: it invokes the Lambda once Enabled, which can take a minute. Waiting "),
                since,
                ".".into(),
            ),
            None => {
                let limit = match next {
                    Hop::Stream => Some(STREAM_WAIT_MS),
                    Hop::Lambda => Some(LAMBDA_WAIT_MS),
                    Hop::Collection => Some(DOCUMENT_WAIT_MS),
                    Hop::Api | Hop::Table => None,
                };
                waiting(
                    format!("In progress: waiting for {} for ", next.label()),
                    since,
                    limit.map_or(".".into(), |l| format!(" (labmate calls it stuck after {}).", latency_text(l))),
                )
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

fn stages_block(flow: &Flow) -> Block {
    let mut rows = vec![Row {
        key: "sent".into(),
        class: None,
        cells: vec![
            "sent / first seen".into(),
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
        heading: Some("Stages"),
        lines: vec![line(
            Some("muted"),
            None,
            "Times in UTC; each latency is since the stage before.".into(),
        )],
        head: vec!["hop", "at", "latency"],
        rows,
        ..Block::default()
    }
}

fn sent_block(flow: &Flow, request: Memo<Option<u32>>) -> Option<Block> {
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
        lines.push(plain(format!(
            "POST /v1/lab at {} with {}",
            clock_text(s.sent_ms),
            body.join(", ")
        )));
        lines.push(plain(match s.status {
            Some(status) => format!("Answered {status} after {}: {}", latency_text(s.answered_ms - s.sent_ms), s.answer),
            None => "The page could not read the answer (CORS or the network); the flow was followed on the stream.".into(),
        }));
        if let Some(id) = &s.request_id {
            lines.push(plain(format!("x-amzn-RequestId: {id}")));
        }
    }
    Some(Block {
        testid: "flow-sent",
        heading: Some("Request"),
        lines,
        request: Some(request),
        ..Block::default()
    })
}

fn stream_block(flow: &Flow) -> Option<Block> {
    let s = flow.stream.as_ref()?;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    Some(Block {
        testid: "flow-stream",
        heading: Some("Stream record"),
        pairs: vec![
            ("Event id", s.event_id.clone()),
            ("Sequence number", or_dash(&s.sequence_number)),
            ("Shard", or_dash(&s.shard_id)),
            ("View type", or_dash(&s.view_type)),
            ("Created", format!("{} (AWS gives whole seconds)", clock_text(s.created_ms))),
        ],
        lines: s
            .from_lambda_log
            .then(|| line(Some("warning"), None, "Known from the Lambda's printed event only: labmate's stream reader did not see this record.".into()))
            .into_iter()
            .collect(),
        ..Block::default()
    })
}

fn diff_block(flow: &Flow) -> Option<Block> {
    if flow.old_image.is_none() && flow.new_image.is_none() {
        return None;
    }
    let changes = flow.diff();
    let mut lines = vec![line(
        Some("muted"),
        None,
        "The stream carries only the new image, so the old side is the last image labmate saw for this item (— where it saw none).".into(),
    )];
    if changes.is_empty() {
        lines.push(plain("No attribute changed."));
    }
    Some(Block {
        testid: "flow-diff",
        heading: Some("What changed"),
        lines,
        head: vec!["attribute", "old (last seen)", "new"],
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
fn batch_text(records: usize) -> String {
    match records {
        0 | 1 => "this record only".into(),
        n => format!(
            "{n} records; the lines about the other {} are in their own flows",
            n - 1
        ),
    }
}

fn lambda_block(flow: &Flow) -> Option<Block> {
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
        lines: vec![plain(format!("The handler {}.", outcome_text(&l.outcome)))],
        pairs: vec![
            ("Request id", l.request_id.clone()),
            ("Attempts", l.attempts.to_string()),
            (
                "Duration",
                format!(
                    "{} (billed {} ms)",
                    duration_text(l.duration_ms),
                    l.billed_ms
                ),
            ),
            ("Log stream", l.log_stream.clone()),
            ("Batch", batch_text(l.batch_size)),
        ],
        log: Some(log),
        ..Block::default()
    })
}

fn document_block(flow: &Flow) -> Option<Block> {
    let mut block = Block {
        testid: "flow-document",
        heading: Some("Document"),
        head: vec!["attribute", "item", "document", ""],
        ..Block::default()
    };
    let said = match &flow.document {
        None if flow.lambda.is_none() => return None,
        None if matches!(flow.state, FlowState::Stuck { .. }) => {
            "No document: the flow stopped before the collection.".to_owned()
        }
        None => "Search has not found it yet.".to_owned(),
        Some(d) => match (d.superseded_by, &d.source) {
            (Some(newer), _) => {
                format!("Overwritten by flow #{} before search showed it.", newer.0)
            }
            (None, None) => {
                "Search finds no document for this item any more: it was removed.".into()
            }
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
                            if c.same { "same" } else { "differs" }.into(),
                        ],
                        key: c.attribute,
                    })
                    .collect();
                format!(
                    "_id {}, compared with the item:",
                    d.document_id.clone().unwrap_or_default()
                )
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
) -> impl IntoView {
    let k = look(flow.change);
    let head = Block {
        testid: "flow-detail-head",
        class: format!("flow-detail-head kind-{}", k.shape),
        title: Some(format!(
            "Flow #{} · {} · {}",
            flow.id.0,
            k.label,
            subject(flow)
        )),
        lines: vec![line(
            Some("muted"),
            None,
            match &flow.item_id {
                Some(id) => format!("Item id {id}. {}", origin_text(flow.origin)),
                None => origin_text(flow.origin).into(),
            },
        )],
        ..Block::default()
    };
    let blocks = [
        Some(head),
        Some(state_block(state, flow)),
        Some(stages_block(flow)),
        sent_block(flow, request),
        stream_block(flow),
        diff_block(flow),
        lambda_block(flow),
        document_block(flow),
    ];
    let blocks = blocks
        .into_iter()
        .flatten()
        .map(|b| block_view(state, if projector { b.masked() } else { b }))
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
    // The selected flow and a fingerprint of it: the detail is built anew
    // when this flow changes (keyed, so never patched), not on every
    // update of the board.
    let shown = Memo::new(move |_| {
        let id = state.selected_flow.get()?;
        let projector = state.projector.get();
        state
            .flows
            .with(|f| find(f, id).map(|flow| (id, fingerprint(flow), projector)))
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
    let shown_id = Memo::new(move |_| shown.get().map(|(id, _, _)| id));
    view! {
        <section class="flow-detail" data-testid="flow-detail" aria-label="The selected flow">
            <p class="muted" data-testid="flow-detail-empty" class:hidden=flag(move || shown.with(Option::is_some))>
                "Select a flow in the list (or a token in the diagram) to see it hop by hop."
            </p>
            <For each=move || shown.get() key=|shown| *shown
                children=move |(id, _, projector)| state.flows.with_untracked(|f| find(f, id).map(|flow| detail_view(state, flow, request, projector)))/>
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
