//! Every signed request, newest first; the selected one in detail.

use leptos::prelude::*;

use crate::aws::client::{Exchange, Outcome};
use crate::state::{use_state, AppState};
use crate::ui::exchange_detail::ExchangeDetail;
use crate::ui::reactive::{flag, on_click, part};

/// One line of the list: number, service, operation, status.
fn row(state: AppState, e: &Exchange) -> impl IntoView {
    let id = e.id;
    let (status, failed) = match &e.outcome {
        Outcome::Pending => ("…".to_owned(), false),
        Outcome::Answered { status, error, .. } => (status.to_string(), error.is_some()),
        Outcome::Unreachable { .. } => ("no answer".to_owned(), true),
    };
    view! {
        <li>
            <button class="exchange-row" class:failed=failed
                class:selected=flag(move || state.selected_exchange.get() == Some(id))
                data-testid="inspector-row"
                on:click=on_click(move |_| state.selected_exchange.set(Some(id)))>
                <span class="id">{format!("#{id}")}</span>
                <span class="service">{e.service.label()}</span>
                <span class="op">{e.operation.clone()}</span>
                <span class="status">{status}</span>
            </button>
        </li>
    }
}

#[component]
pub fn Inspector() -> impl IntoView {
    let state = use_state();
    // Newest first. The list is small (at most 200) and rebuilt in place.
    let rows = part(move || {
        state.exchanges.with(|x| {
            x.iter()
                .rev()
                .map(|e| row(state, e))
                .collect_view()
                .into_any()
        })
    });
    view! {
        <div class="panel" data-testid="inspector">
            <h2>"Request inspector"</h2>
            <p class="muted" class:hidden=flag(move || state.exchanges.with(|x| !x.is_empty()))>
                "Signed requests appear here, with what was signed and why."
            </p>
            <ol class="exchanges" data-testid="inspector-list">{rows}</ol>
            <ExchangeDetail/>
        </div>
    }
}
