//! Every signed request, newest first; the selected one in detail. The
//! pollers' requests are kept apart and shown on demand: they come every
//! second and would bury the learner's own.

use leptos::prelude::*;

use crate::aws::client::{Asker, Outcome};
use crate::state::use_state;
use crate::ui::exchange_detail::ExchangeDetail;
use crate::ui::reactive::{flag, on_change, on_click};

/// What one line of the list shows; a row re-renders only when this changes.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: u32,
    service: &'static str,
    operation: String,
    status: String,
    failed: bool,
    polled: bool,
}

#[component]
pub fn Inspector() -> impl IntoView {
    let state = use_state();
    let show_polling = RwSignal::new(false);
    let rows = Memo::new(move |_| {
        let polling = show_polling.get();
        state.exchanges.with(|x| {
            x.iter()
                .rev()
                .filter(|e| polling || e.asker == Asker::Learner)
                .map(|e| {
                    let (status, failed) = match &e.outcome {
                        Outcome::Pending => ("…".to_owned(), false),
                        Outcome::Answered { status, error, .. } => {
                            (status.to_string(), error.is_some())
                        }
                        Outcome::Unreachable { .. } => ("no answer".to_owned(), true),
                    };
                    Row {
                        id: e.id,
                        service: e.service.label(),
                        operation: e.operation.clone(),
                        status,
                        failed,
                        polled: e.asker == Asker::Poller,
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    let polled_count = Memo::new(move |_| {
        state
            .exchanges
            .with(|x| x.iter().filter(|e| e.asker == Asker::Poller).count())
    });
    view! {
        <div class="panel" data-testid="inspector">
            <h2>"Request inspector"</h2>
            <label class="toggle">
                <input type="checkbox" data-testid="inspector-show-polling"
                    prop:checked=flag(move || show_polling.get())
                    on:change=on_change(move |ev| show_polling.set(event_target_checked(&ev)))/>
                {move || format!(" Show the pollers' requests too (last {})", polled_count.get())}
            </label>
            <p class="muted" class:hidden=flag(move || rows.with(|r| !r.is_empty()))>
                "Signed requests appear here, with what was signed and why."
            </p>
            <ol class="exchanges" data-testid="inspector-list">
                <For each=move || rows.get() key=|r| (r.id, r.status.clone()) let:row>
                    {
                        let id = row.id;
                        view! {
                            <li>
                                <button class="exchange-row" class:failed=row.failed class:polled=row.polled
                                    class:selected=flag(move || state.selected_exchange.get() == Some(id))
                                    data-testid="inspector-row"
                                    on:click=on_click(move |_| state.selected_exchange.set(Some(id)))>
                                    <span class="id">{format!("#{id}")}</span>
                                    <span class="service">{row.service}</span>
                                    <span class="op">{row.operation}</span>
                                    <span class="status">{row.status}</span>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <ExchangeDetail/>
        </div>
    }
}
