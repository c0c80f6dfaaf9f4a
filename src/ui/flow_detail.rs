//! The selected flow in full: where it is (stuck: the reason and the fix;
//! waiting: what for, and how long so far), its stages with times and
//! latencies, what labmate sent and the signed request in the inspector,
//! the stream record, the old/new diff, the Lambda's log lines, and the
//! document beside the item. The `actions` slot takes what can be done
//! with the flow (modify, delete, replay).

use labmate_core::flow::lambda_log::RecordOutcome;
use labmate_core::flow::{
    ChangeKind, Flow, FlowId, FlowState, Hop, Image, Origin, Waiting, DOCUMENT_WAIT_MS,
    LAMBDA_WAIT_MS, STREAM_WAIT_MS,
};
use labmate_core::Service;
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::aws::client::{Exchange, Outcome};
use crate::state::{use_state, AppState};
use crate::ui::flow_words::{clock_text, find, latency_text, look, subject, StateKind};
use crate::ui::reactive::{nothing, on_click, part, text};

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
    let ours = exchanges.iter().filter(|e| e.service == service);
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
/// DynamoDB's JSON.
fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "—".into(),
        Some(v) => match v.get("S").and_then(Value::as_str) {
            Some(s) => s.to_owned(),
            None => v.to_string(),
        },
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

/// The flow's state, prominent; a wait shows how long it has lasted.
fn state_view(state: AppState, flow: &Flow) -> AnyView {
    let key = StateKind::of(&flow.state).key();
    let since = flow.stages.last().map_or(flow.started_ms, |s| s.at_ms);
    let waited = move |since: i64| {
        text(move || {
            let now = state.clock.get().now_ms(state.now_ms.get());
            latency_text((now - since).max(0))
        })
    };
    let body = match &flow.state {
        FlowState::Complete => match flow.document.as_ref().and_then(|d| d.superseded_by) {
            Some(newer) => view! {
                <p class="ok">"Complete: a later change of this item (flow #"{newer.0}") reached search first, so this image was overwritten before search could show it."</p>
            }
            .into_any(),
            None => view! { <p class="ok">"Complete: every hop confirmed it."</p> }.into_any(),
        },
        FlowState::Stuck { reason } => view! {
            <p class="reason" data-testid="flow-stuck-reason">
                <strong>{format!("Stuck at {}: ", reason.hop().label())}</strong>{reason.to_string()}
            </p>
            <p class="fix" data-testid="flow-fix"><strong>"Fix: "</strong>{reason.fix()}</p>
        }
        .into_any(),
        FlowState::NotObservable { hop, permission } => view! {
            <p data-testid="flow-not-observable">
                {format!("labmate cannot see {} with these credentials: they lack {permission}. Grant it to follow the flow further; it may well have gone on.", hop.label())}
            </p>
        }
        .into_any(),
        FlowState::InProgress { next, waiting } => match waiting {
            Some(Waiting::Refresh { since_ms }) => view! {
                <p data-testid="flow-waiting">
                    "The Lambda indexed it. The collection makes a write searchable 10 to 60 s after it (its refresh interval), so search may not show it yet: waiting "
                    {waited(*since_ms)}" of up to "{latency_text(DOCUMENT_WAIT_MS)}"."
                </p>
            }
            .into_any(),
            Some(Waiting::TriggerEnabling { state: trigger }) => view! {
                <p data-testid="flow-waiting">
                    {format!("The trigger is {trigger}: it invokes the Lambda once Enabled, which can take a minute. Waiting ")}
                    {waited(since)}"."
                </p>
            }
            .into_any(),
            None => {
                let limit = match next {
                    Hop::Stream => Some(STREAM_WAIT_MS),
                    Hop::Lambda => Some(LAMBDA_WAIT_MS),
                    Hop::Collection => Some(DOCUMENT_WAIT_MS),
                    Hop::Api | Hop::Table => None,
                };
                view! {
                    <p data-testid="flow-waiting">
                        {format!("In progress: waiting for {} for ", next.label())}{waited(since)}
                        {limit.map(|l| format!(" (labmate calls it stuck after {}).", latency_text(l)))}
                    </p>
                }
                .into_any()
            }
        },
    };
    view! {
        <div class=format!("flow-state state-{key}") data-testid="flow-detail-state" data-state=key>{body}</div>
    }
    .into_any()
}

fn stages_view(flow: &Flow) -> AnyView {
    let rows = Hop::ALL
        .iter()
        .map(|&hop| {
            let (at, latency) = match flow.stage(hop) {
                Some(s) => (clock_text(s.at_ms), format!("+{}", latency_text(s.latency_ms))),
                None => ("—".into(), String::new()),
            };
            view! {
                <tr data-hop=crate::ui::flow_words::hop_key(hop) class:pending=flow.stage(hop).is_none()>
                    <th scope="row">{hop.label()}</th><td class="mono">{at}</td><td class="mono">{latency}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="flow-stages" data-testid="flow-stages">
            <caption>"Stages (UTC; latency since the stage before)"</caption>
            <tr><th scope="row">"sent / first seen"</th><td class="mono">{clock_text(flow.started_ms)}</td><td></td></tr>
            {rows}
        </table>
    }
    .into_any()
}

fn sent_view(state: AppState, flow: &Flow, request: Memo<Option<u32>>) -> AnyView {
    let sent = flow.sent.as_ref().map(|s| {
        let answer = match s.status {
            Some(status) => format!("answered {status} after {}: {}", latency_text(s.answered_ms - s.sent_ms), s.answer),
            None => "the page could not read the answer (CORS or the network); the flow was followed on the stream".into(),
        };
        view! {
            <p class="mono">{format!("POST /v1/lab {} at {}", Value::Object(s.body.clone()), clock_text(s.sent_ms))}</p>
            <p>{answer}</p>
            {s.request_id.clone().map(|id| view! { <p class="mono">"x-amzn-RequestId: "{id}</p> })}
        }
    });
    let open = part(move || {
        match request.get() {
        Some(id) => view! {
            <button type="button" data-testid="flow-open-request"
                on:click=on_click(move |_| {
                    state.selected_exchange.set(Some(id));
                    if let Some(inspector) = document().query_selector("[data-testid=inspector]").ok().flatten() {
                        inspector.scroll_into_view();
                    }
                })>
                {format!("Show the signed request (#{id}) in the inspector")}
            </button>
        }
        .into_any(),
        None => view! {
            <p class="muted">"The inspector does not hold this request (another tab sent it, or it was cleared)."</p>
        }
        .into_any(),
    }
    });
    match (sent, flow.origin) {
        (None, Origin::Outside) => nothing(),
        (sent, _) => view! {
            <section data-testid="flow-sent">
                <h4>"Request"</h4>
                {sent}
                {open}
            </section>
        }
        .into_any(),
    }
}

fn stream_view(flow: &Flow) -> AnyView {
    let Some(s) = &flow.stream else {
        return nothing();
    };
    view! {
        <section data-testid="flow-stream">
            <h4>"Stream record"</h4>
            <dl class="identity">
                <dt>"Event id"</dt><dd class="mono">{s.event_id.clone()}</dd>
                <dt>"Sequence number"</dt><dd class="mono">{s.sequence_number.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Shard"</dt><dd class="mono">{s.shard_id.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"View type"</dt><dd class="mono">{s.view_type.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Created"</dt><dd class="mono">{clock_text(s.created_ms)}" (AWS gives whole seconds)"</dd>
            </dl>
            {s.from_lambda_log.then(|| view! {
                <p class="warning">"Known from the Lambda's printed event only: labmate's stream reader did not see this record."</p>
            })}
        </section>
    }
    .into_any()
}

fn diff_view(flow: &Flow) -> AnyView {
    if flow.old_image.is_none() && flow.new_image.is_none() {
        return nothing();
    }
    let changes = flow.diff();
    let rows = changes
        .iter()
        .map(|c| {
            view! {
                <tr data-attribute=c.attribute.clone()>
                    <th scope="row" class="mono">{c.attribute.clone()}</th>
                    <td class="mono old">{value_text(c.old.as_ref())}</td>
                    <td class="mono new">{value_text(c.new.as_ref())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section data-testid="flow-diff">
            <h4>"What changed"</h4>
            <p class="muted">"The stream carries only the new image, so the old side is the last image labmate saw for this item (— where it saw none)."</p>
            <table class="flow-diff">
                <tr><th>"attribute"</th><th>"old (last seen)"</th><th>"new"</th></tr>
                {rows}
            </table>
            {changes.is_empty().then(|| view! { <p class="muted">"No attribute changed."</p> })}
        </section>
    }
    .into_any()
}

fn lambda_view(flow: &Flow) -> AnyView {
    let Some(l) = &flow.lambda else {
        return nothing();
    };
    let lines = l
        .lines
        .iter()
        .map(|e| format!("{}  {}", clock_text(e.timestamp), e.message.trim_end()))
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <section data-testid="flow-lambda">
            <h4>"Lambda"</h4>
            <p>{format!("The handler {}.", outcome_text(&l.outcome))}</p>
            <dl class="identity">
                <dt>"Request id"</dt><dd class="mono">{l.request_id.clone()}</dd>
                <dt>"Attempts"</dt><dd data-testid="flow-lambda-attempts">{l.attempts}</dd>
                <dt>"Duration"</dt><dd>{format!("{} (billed {} ms)", duration_text(l.duration_ms), l.billed_ms)}</dd>
                <dt>"Log stream"</dt><dd class="mono">{l.log_stream.clone()}</dd>
            </dl>
            <pre class="code" data-testid="flow-log">{lines}</pre>
        </section>
    }
    .into_any()
}

/// The item's string attributes as written: the new image, else the body
/// labmate sent.
fn item_strings(flow: &Flow) -> Vec<(String, String)> {
    match (&flow.new_image, &flow.sent) {
        (Some(image), _) => strings_of_image(image),
        (None, Some(sent)) => sent
            .body
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        (None, None) => Vec::new(),
    }
}

fn strings_of_image(image: &Image) -> Vec<(String, String)> {
    image
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.get("S")?.as_str()?.to_owned())))
        .collect()
}

fn document_view(flow: &Flow) -> AnyView {
    let body = match &flow.document {
        None if flow.lambda.is_none() => return nothing(),
        None => view! { <p class="muted">"Search has not found it yet."</p> }.into_any(),
        Some(d) => match (d.superseded_by, &d.source) {
            (Some(newer), _) => view! {
                <p>{format!("Overwritten by flow #{} before search showed it.", newer.0)}</p>
            }
            .into_any(),
            (None, None) => {
                view! { <p>"Search finds no document for this item any more: it was removed."</p> }
                    .into_any()
            }
            (None, Some(source)) => {
                let rows = item_strings(flow)
                    .into_iter()
                    .map(|(k, item)| {
                        let doc = source
                            .get(&k)
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
                        let same = doc.as_deref() == Some(item.as_str());
                        let attribute = k.clone();
                        view! {
                            <tr data-attribute=attribute class:differs=!same>
                                <th scope="row" class="mono">{k}</th>
                                <td class="mono">{item}</td>
                                <td class="mono">{doc.unwrap_or_else(|| "—".into())}</td>
                                <td>{if same { "same" } else { "differs" }}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <p class="mono">{format!("_id {}", d.document_id.clone().unwrap_or_default())}</p>
                    <table class="flow-diff">
                        <tr><th>"attribute"</th><th>"item"</th><th>"document"</th><th></th></tr>
                        {rows}
                    </table>
                }
                .into_any()
            }
        },
    };
    view! {
        <section data-testid="flow-document">
            <h4>"Document"</h4>
            {body}
        </section>
    }
    .into_any()
}

fn detail_view(state: AppState, flow: &Flow, request: Memo<Option<u32>>) -> AnyView {
    let k = look(flow.change);
    view! {
        <div class="flow-detail-body" data-flow-id=flow.id.0>
            <h3 data-testid="flow-detail-title">
                <span class=format!("glyph kind-{}", k.shape) aria-hidden="true">{k.glyph}</span>
                {format!(" Flow #{} · {} · {}", flow.id.0, k.label, subject(flow))}
            </h3>
            <p class="muted">
                {flow.item_id.clone().map(|id| view! { "Item id "<span class="mono">{id}</span>". " })}
                {origin_text(flow.origin)}
            </p>
            {state_view(state, flow)}
            {stages_view(flow)}
            {sent_view(state, flow, request)}
            {stream_view(flow)}
            {diff_view(flow)}
            {lambda_view(flow)}
            {document_view(flow)}
        </div>
    }
    .into_any()
}

/// `actions`: called with the selected flow's id whenever the selection
/// changes; the lead's Modify / Delete / Replay go there.
#[component]
pub fn FlowDetail(
    #[prop(optional_no_strip)] actions: Option<Callback<FlowId, AnyView>>,
) -> impl IntoView {
    let state = use_state();
    // A copy of the selected flow: the detail is rebuilt only when this
    // flow changes, not on every update of the board.
    let flow = Memo::new(move |_| {
        let id = state.selected_flow.get()?;
        state.flows.with(|f| find(f, id).cloned())
    });
    let request = Memo::new(move |_| {
        let offset = state.clock.with(|c| c.offset_ms);
        flow.with(|f| {
            let f = f.as_ref()?;
            state.exchanges.with(|x| sent_exchange(f, x, offset))
        })
    });
    // The actions are rebuilt only when another flow is selected.
    let shown_id = Memo::new(move |_| flow.with(|f| f.as_ref().map(|f| f.id)));
    view! {
        <section class="flow-detail" data-testid="flow-detail" aria-label="The selected flow">
            {part(move || flow.with(|f| match f {
                Some(f) => detail_view(state, f, request),
                None => view! {
                    <p class="muted" data-testid="flow-detail-empty">"Select a flow in the list (or a token in the diagram) to see it hop by hop."</p>
                }
                .into_any(),
            }))}
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
