//! Things to send: who am I, a test item (or a burst) through the API, a
//! document count. Items become flows on the board.

use labmate_core::change::{burst_bodies, GUIDE_TEST_ITEM, MAX_BURST};
use labmate_core::lab_item::check_item;
use labmate_core::signing::HttpRequest;
use labmate_core::Service;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::client::call;
use crate::aws::sts::refresh_identity;
use crate::pipeline::send::{send_burst, send_item};
use crate::state::use_state;
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

/// What the last action did, for the panel.
#[derive(Clone, Debug, PartialEq)]
enum ActionResult {
    Ok(String),
    Failed(String),
}

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let state = use_state();
    let item = RwSignal::new(String::from(GUIDE_TEST_ITEM));
    let burst_size = RwSignal::new(20usize);
    let result = RwSignal::new(None::<ActionResult>);
    // One per line: there are at most two.
    let warnings = RwSignal::new(String::new());

    let checked = move || -> Option<String> {
        match check_item(&item.get_untracked()) {
            Ok((body, item_warnings)) => {
                let lines: Vec<String> = item_warnings.iter().map(|w| w.message()).collect();
                warnings.set(lines.join("\n"));
                Some(body)
            }
            Err(e) => {
                warnings.set(String::new());
                result.set(Some(ActionResult::Failed(e.to_string())));
                None
            }
        }
    };

    let send_one = move |_| {
        let Some(body) = checked() else { return };
        // The last answer goes: what shows next is this send's.
        result.set(None);
        spawn_local(async move {
            let (ok, text) = send_item(state, body).await.summary();
            result.set(Some(if ok {
                ActionResult::Ok(text)
            } else {
                ActionResult::Failed(text)
            }));
        });
    };

    let send_many = move |_| {
        let Some(body) = checked() else { return };
        let count = burst_size.get_untracked();
        result.set(None);
        send_burst(state, burst_bodies(&body, count), move |p| {
            let text = format!(
                "Burst: {} of {} answered, {} written.",
                p.answered, p.total, p.written
            );
            result.set(Some(match p.first_failure {
                Some(f) => ActionResult::Failed(format!("{text} First failure: {f}")),
                None => ActionResult::Ok(text),
            }));
        });
    };

    let count_documents = move |_| {
        let index = state.config.with_untracked(|c| c.index.clone());
        spawn_local(async move {
            let answer = call(state, Service::Aoss, "_count", &|base| {
                HttpRequest::new("POST", &format!("{base}/{index}/_count"))
                    .header("content-type", "application/json")
                    .body("{\"query\":{\"match_all\":{}}}")
            })
            .await;
            result.set(Some(match answer {
                Ok(a) => {
                    let count = serde_json::from_str::<serde_json::Value>(&a.body)
                        .ok()
                        .and_then(|v| v.get("count").and_then(|c| c.as_u64()));
                    match count {
                        Some(n) => ActionResult::Ok(format!("{index} holds {n} searchable documents (new ones appear about 10 s after they are written).")),
                        None => ActionResult::Failed(format!("The collection answered without a count: {}", a.body)),
                    }
                }
                Err(e) => ActionResult::Failed(e.to_string()),
            }));
        });
    };

    view! {
        <div class="panel" data-testid="actions-panel">
            <h2>"3. Try it"</h2>
            <div class="row">
                <button data-testid="action-whoami" on:click=on_click(move |_| spawn_local(refresh_identity(state)))>"Who am I? (STS)"</button>
                <button data-testid="action-count" on:click=on_click(count_documents)>"Count documents (OpenSearch)"</button>
            </div>
            <label class="field">
                <span>"Item for POST /v1/lab"</span>
                <textarea class="mono" rows="3" data-testid="item-body" spellcheck="false"
                    prop:value=text(move || item.get())
                    on:input=on_change(move |ev| item.set(event_target_value(&ev)))></textarea>
            </label>
            <div class="row">
                <button data-testid="action-send-item" on:click=on_click(send_one)>"Send item (API Gateway)"</button>
                <label class="inline">
                    <span>"Burst of"</span>
                    <input type="number" min="1" max=MAX_BURST.to_string() data-testid="burst-size"
                        prop:value=text(move || burst_size.get().to_string())
                        on:input=on_change(move |ev| {
                            let n = event_target_value(&ev).trim().parse::<usize>().unwrap_or(1);
                            burst_size.set(n.clamp(1, MAX_BURST));
                        })/>
                </label>
                <button data-testid="action-send-burst" on:click=on_click(send_many)>"Send burst"</button>
            </div>
            <p class="warning lines" data-testid="item-warning"
                class:hidden=flag(move || warnings.with(String::is_empty))>
                {text(move || warnings.get())}
            </p>
            {part(move || match result.get() {
                Some(ActionResult::Ok(t)) => view! { <p class="ok" data-testid="action-result">{masked(&state, t)}</p> }.into_any(),
                Some(ActionResult::Failed(t)) => view! { <p class="error" data-testid="action-result" role="alert">{masked(&state, t)}</p> }.into_any(),
                None => nothing(),
            })}
        </div>
    }
}
