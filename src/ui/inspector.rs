//! Every signed request, newest first; the selected one in detail.

use leptos::prelude::*;

use crate::aws::client::Outcome;
use crate::state::use_state;
use crate::ui::exchange_detail::ExchangeDetail;

#[component]
pub fn Inspector() -> impl IntoView {
    let state = use_state();
    let rows = move || {
        let mut list = state.exchanges.get();
        list.reverse();
        list
    };
    view! {
        <div class="panel" data-testid="inspector">
            <h2>"Request inspector"</h2>
            <Show when=move || state.exchanges.with(|x| !x.is_empty())
                fallback=|| view! { <p class="muted">"Signed requests appear here, with what was signed and why."</p> }>
                <ol class="exchanges" data-testid="inspector-list">
                    <For each=rows key=|e| (e.id, format!("{:?}", e.outcome)) children=move |e| {
                        let id = e.id;
                        let status = match &e.outcome {
                            Outcome::Pending => "…".to_owned(),
                            Outcome::Answered { status, .. } => status.to_string(),
                            Outcome::Unreachable { .. } => "no answer".to_owned(),
                        };
                        let failed = match &e.outcome {
                            Outcome::Answered { error, .. } => error.is_some(),
                            Outcome::Unreachable { .. } => true,
                            Outcome::Pending => false,
                        };
                        view! {
                            <li>
                                <button class="exchange-row" class:failed=failed
                                    class:selected=move || state.selected_exchange.get() == Some(id)
                                    data-testid="inspector-row"
                                    on:click=move |_| state.selected_exchange.set(Some(id))>
                                    <span class="id">{format!("#{id}")}</span>
                                    <span class="service">{e.service.label()}</span>
                                    <span class="op">{e.operation.clone()}</span>
                                    <span class="status">{status}</span>
                                </button>
                            </li>
                        }
                        .into_any()
                    }/>
                </ol>
                <ExchangeDetail/>
            </Show>
        </div>
    }
}
