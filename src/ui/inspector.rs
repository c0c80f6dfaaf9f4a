//! Every signed request, newest first; the selected one in detail. The
//! pollers' requests are kept apart and shown on demand: they come every
//! second and would bury the learner's own.

use labmate_core::word;
use leptos::prelude::*;

use crate::aws::client::{Asker, Outcome};
use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::exchange_detail::ExchangeDetail;
use crate::ui::reactive::{flag, on_change, on_click, text};

/// A request's status in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Status {
    Pending,
    Answered(u16),
    NoAnswer,
}

/// What one line of the list shows; a row re-renders only when this changes.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: u32,
    service: &'static str,
    operation: String,
    status: Status,
    failed: bool,
    polled: bool,
}

#[component]
pub fn Inspector() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let show_polling = RwSignal::new(false);
    let rows = Memo::new(move |_| {
        let polling = show_polling.get();
        state.exchanges.with(|x| {
            x.iter()
                .rev()
                .filter(|e| polling || e.asker == Asker::Learner)
                .map(|e| {
                    let (status, failed) = match &e.outcome {
                        Outcome::Pending => (Status::Pending, false),
                        Outcome::Answered { status, error, .. } => {
                            (Status::Answered(*status), error.is_some())
                        }
                        Outcome::Unreachable { .. } => (Status::NoAnswer, true),
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
            <h2>{t(|l| word!(l, send.inspector_title))}</h2>
            <label class="toggle">
                <input type="checkbox" data-testid="inspector-show-polling"
                    prop:checked=flag(move || show_polling.get())
                    on:change=on_change(move |ev| show_polling.set(event_target_checked(&ev)))/>
                {text(move || word!(lang.get(), send.inspector_show_polling)(polled_count.get()))}
            </label>
            <p class="muted" class:hidden=flag(move || rows.with(|r| !r.is_empty()))>
                {t(|l| word!(l, send.inspector_empty))}
            </p>
            <ol class="exchanges" data-testid="inspector-list">
                <For each=move || rows.get() key=|r| (r.id, r.status) let:row>
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
                                    <span class="status">{text(move || match row.status {
                                        Status::Pending => "…".to_owned(),
                                        Status::Answered(status) => status.to_string(),
                                        Status::NoAnswer => word!(lang.get(), send.inspector_no_answer).to_owned(),
                                    })}</span>
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
