//! The switch that lets labmate watch the learner's account, and where
//! each poller stands while it does.

use labmate_core::word;
use leptos::prelude::*;

use crate::lang::{t, use_lang};
use crate::pipeline::runner::Which;
use crate::state::{use_state, ReaderRole};
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, part};

#[component]
pub fn WatchToggle() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let statuses = part(move || {
        if !state.watching.get() || state.reader.get() != ReaderRole::ThisTab {
            return nothing();
        }
        let now = state.now_ms.get();
        let lang = lang.get();
        let rows = state.pollers.with(|all| {
            Which::ALL
                .iter()
                .zip(all.iter())
                .map(|(which, status)| {
                    let trouble = status.is_trouble();
                    // A refusal quotes AWS, ARNs and account included.
                    let text = masked(&state, status.words(lang, now));
                    view! {
                        <li class:trouble=trouble data-testid="poller-status" data-poller=which.key()>
                            <span class="poller-name">{which.label(lang)}</span>": "{text}
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        });
        view! { <ul class="poller-statuses" data-testid="poller-statuses">{rows}</ul> }.into_any()
    });
    view! {
        <div class="watch">
            <label class="toggle">
                <input type="checkbox" data-testid="watch-toggle"
                    prop:checked=flag(move || state.watching.get())
                    on:change=on_change(move |ev| state.watching.set(event_target_checked(&ev)))/>
                {t(|l| word!(l, board.watch_label))}
            </label>
            {statuses}
        </div>
    }
}
