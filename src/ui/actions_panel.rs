//! Things to send: who am I, a test item (or a burst) through the API, a
//! document count. Items become flows on the board.

use labmate_core::change::{burst_bodies, GUIDE_TEST_ITEM, MAX_BURST};
use labmate_core::guide::with_values;
use labmate_core::lab_item::{check_item, ItemError, ItemWarning};
use labmate_core::signing::HttpRequest;
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::client::{call, CallError};
use crate::aws::sts::refresh_identity;
use crate::lang::{t, use_lang};
use crate::pipeline::send::{send_burst, send_item, BurstProgress, Sent};
use crate::state::use_state;
use crate::ui::guide_words::line;
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

/// What the last action did, for the panel: kept typed, worded where it
/// is shown, so a change of language re-words it.
#[derive(Clone, Debug, PartialEq)]
enum ActionResult {
    /// The item was not sent: it is not what the API takes.
    Item(ItemError),
    Sent(Sent),
    Burst(BurstProgress),
    Counted {
        index: String,
        count: u64,
    },
    NoCount {
        body: String,
    },
    CountFailed(CallError),
}

impl ActionResult {
    fn ok(&self) -> bool {
        match self {
            ActionResult::Sent(s) => s.written(),
            ActionResult::Burst(p) => p.first_failure.is_none(),
            ActionResult::Counted { .. } => true,
            ActionResult::Item(_) | ActionResult::NoCount { .. } | ActionResult::CountFailed(_) => {
                false
            }
        }
    }

    /// In `lang`, each value AWS or the learner gave passed through `v`.
    fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            ActionResult::Item(e) => e.worded(lang, v),
            ActionResult::Sent(s) => s.worded(lang, v),
            ActionResult::Burst(p) => match &p.first_failure {
                Some(f) => word!(lang, send.burst_progress_failed)(
                    p.answered,
                    p.total,
                    p.written,
                    &f.worded(lang, v),
                ),
                None => word!(lang, send.burst_progress)(p.answered, p.total, p.written),
            },
            ActionResult::Counted { index, count } => word!(lang, send.count_result)(index, *count),
            ActionResult::NoCount { body } => word!(lang, send.count_no_count)(&v(body)),
            ActionResult::CountFailed(e) => e.worded(lang, v),
        }
    }
}

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let item = RwSignal::new(String::from(GUIDE_TEST_ITEM));
    let burst_size = RwSignal::new(20usize);
    let result = RwSignal::new(None::<ActionResult>);
    // At most two, shown one per line.
    let warnings = RwSignal::new(Vec::<ItemWarning>::new());

    let checked = move || -> Option<String> {
        match check_item(&item.get_untracked()) {
            Ok((body, item_warnings)) => {
                warnings.set(item_warnings);
                Some(body)
            }
            Err(e) => {
                warnings.set(Vec::new());
                result.set(Some(ActionResult::Item(e)));
                None
            }
        }
    };

    let send_one = move |_| {
        let Some(body) = checked() else { return };
        // The last answer goes: what shows next is this send's.
        result.set(None);
        spawn_local(async move {
            let sent = send_item(state, body).await;
            result.set(Some(ActionResult::Sent(sent)));
        });
    };

    let send_many = move |_| {
        let Some(body) = checked() else { return };
        let count = burst_size.get_untracked();
        result.set(None);
        send_burst(state, burst_bodies(&body, count), move |p| {
            result.set(Some(ActionResult::Burst(p)));
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
                        Some(count) => ActionResult::Counted { index, count },
                        None => ActionResult::NoCount { body: a.body },
                    }
                }
                Err(e) => ActionResult::CountFailed(e),
            }));
        });
    };

    view! {
        <div class="panel" data-testid="actions-panel">
            <h2>{t(|l| word!(l, send.actions_title))}</h2>
            <div class="row">
                <button data-testid="action-whoami" on:click=on_click(move |_| spawn_local(refresh_identity(state)))>{t(|l| word!(l, send.action_whoami))}</button>
                <button data-testid="action-count" on:click=on_click(count_documents)>{t(|l| word!(l, send.action_count))}</button>
            </div>
            <label class="field">
                <span>{t(|l| word!(l, send.item_label))}</span>
                <textarea class="mono" rows="3" data-testid="item-body" spellcheck="false"
                    prop:value=text(move || item.get())
                    on:input=on_change(move |ev| item.set(event_target_value(&ev)))></textarea>
            </label>
            <div class="row">
                <button data-testid="action-send-item" on:click=on_click(send_one)>{t(|l| word!(l, send.action_send_item))}</button>
                <label class="inline">
                    <span>{t(|l| word!(l, send.burst_of))}</span>
                    <input type="number" min="1" max=MAX_BURST.to_string() data-testid="burst-size"
                        prop:value=text(move || burst_size.get().to_string())
                        on:input=on_change(move |ev| {
                            let n = event_target_value(&ev).trim().parse::<usize>().unwrap_or(1);
                            burst_size.set(n.clamp(1, MAX_BURST));
                        })/>
                </label>
                <button data-testid="action-send-burst" on:click=on_click(send_many)>{t(|l| word!(l, send.action_send_burst))}</button>
            </div>
            <p class="warning lines" data-testid="item-warning"
                class:hidden=flag(move || warnings.with(Vec::is_empty))>
                {text(move || {
                    let l = lang.get();
                    warnings.with(|w| w.iter().map(|w| w.words(l)).collect::<Vec<_>>().join("\n"))
                })}
            </p>
            {part(move || {
                let l = lang.get();
                match result.get() {
                    Some(r) => {
                        let said = line(with_values(|v| r.worded(l, v)), |t| masked(&state, t));
                        if r.ok() {
                            view! { <p class="ok" data-testid="action-result">{said}</p> }.into_any()
                        } else {
                            view! { <p class="error" data-testid="action-result" role="alert">{said}</p> }.into_any()
                        }
                    }
                    None => nothing(),
                }
            })}
        </div>
    }
}
