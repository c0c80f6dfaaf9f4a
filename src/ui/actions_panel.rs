//! Things to send: who am I, a test item through the API, a document count.

use labmate_core::lab_item::check_item;
use labmate_core::signing::HttpRequest;
use labmate_core::Service;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::client::call;
use crate::aws::sts::refresh_identity;
use crate::state::use_state;
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
    let item = RwSignal::new(String::from("{\"name\": \"Alice\", \"type\": \"learner\"}"));
    let result = RwSignal::new(None::<ActionResult>);
    // One per line: there are at most two.
    let warnings = RwSignal::new(String::new());

    let send_item = move |_| {
        let (body, item_warnings) = match check_item(&item.get_untracked()) {
            Ok(checked) => checked,
            Err(e) => {
                warnings.set(String::new());
                result.set(Some(ActionResult::Failed(e.to_string())));
                return;
            }
        };
        let lines: Vec<String> = item_warnings.iter().map(|w| w.message()).collect();
        warnings.set(lines.join("\n"));
        spawn_local(async move {
            let answer = call(state, Service::ApiGateway, "POST /v1/lab", &|url| {
                HttpRequest::new("POST", url)
                    .header("content-type", "application/json")
                    .body(body.clone())
            })
            .await;
            result.set(Some(match answer {
                Ok(a) => ActionResult::Ok(match a.request_id {
                    Some(id) => format!("Written. The item's id is the API request id: {id}"),
                    None => "Written (200 {}). The item's id is the API's request id, which this page cannot read unless the API exposes x-amzn-RequestId.".into(),
                }),
                Err(e) => ActionResult::Failed(e.to_string()),
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
            <button data-testid="action-send-item" on:click=on_click(send_item)>"Send item (API Gateway)"</button>
            <p class="warning lines" data-testid="item-warning"
                class:hidden=flag(move || warnings.with(String::is_empty))>
                {text(move || warnings.get())}
            </p>
            {part(move || match result.get() {
                Some(ActionResult::Ok(t)) => view! { <p class="ok" data-testid="action-result">{t}</p> }.into_any(),
                Some(ActionResult::Failed(t)) => view! { <p class="error" data-testid="action-result" role="alert">{t}</p> }.into_any(),
                None => nothing(),
            })}
        </div>
    }
}
