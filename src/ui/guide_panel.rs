//! The guide beside the pipeline: chapter 4.1's steps, each with its check
//! re-run whenever the pollers bring new evidence, and the learner's
//! progress, kept in this browser (no secret in it) across reloads.

use labmate_core::guide::{check_all, LabFacts, Progress, Step};
use labmate_core::word;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::lang::{t, use_lang};
use crate::pipeline::aws_now_ms;
use crate::pipeline::runner;
use crate::state::{use_state, IdentityState};
use crate::ui::guide_export::GuideExport;
use crate::ui::guide_step::GuideStep;
use crate::ui::learner_access::LearnerAccess;
use crate::ui::reactive::{nothing, on_click, part, text};

/// Where the progress is kept.
const PROGRESS_KEY: &str = "labmate.progress";

#[component]
pub fn GuidePanel() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // STS's answer where this page asked it, else the ARNs the pollers saw.
    let account = Memo::new(move |_| {
        state
            .identity
            .with(|i| match i {
                IdentityState::Known(id) => Some(id.account.clone()),
                _ => None,
            })
            .or_else(|| {
                state
                    .flows
                    .with(|f| LabFacts::account_seen(f).map(str::to_owned))
            })
    });
    let checks = Memo::new(move |_| {
        let account = account.get();
        state.flows.with(|flows| {
            state.config.with(|config| {
                check_all(&LabFacts {
                    flows,
                    config,
                    account: account.as_deref(),
                })
            })
        })
    });
    let progress = RwSignal::new(
        browser::local_get(PROGRESS_KEY)
            .and_then(|saved| serde_json::from_str::<Progress>(&saved).ok())
            .unwrap_or_default(),
    );
    // Each new set of checks moves the progress on; then it is saved. Set
    // only when it changed: checks change with every flow in a burst.
    Effect::new(move |_| {
        let now = aws_now_ms(&state);
        let mut next = progress.get_untracked();
        checks.with(|c| next.update(c, now));
        if progress.with_untracked(|p| *p != next) {
            progress.set(next);
        }
    });
    Effect::new(move |_| {
        progress.with(|p| {
            if let Ok(json) = serde_json::to_string(p) {
                browser::local_set(PROGRESS_KEY, &json);
            }
        })
    });
    let done = Memo::new(move |_| progress.with(Progress::passed));
    // Whether this tab checks again itself (else another tab does).
    let recheck_note = RwSignal::new(None::<bool>);
    let recheck = on_click(move |_| {
        recheck_note.set(Some(runner::recheck()));
    });
    // Projector mode: the arrow keys move through the steps, the current
    // one focused and in view, so the instructor walks the class through.
    let current = RwSignal::new(0_usize);
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !state.projector.get_untracked() || browser::is_typing(&ev) {
            return;
        }
        let last = Step::ALL.len() - 1;
        let now = current.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowDown" | "ArrowRight" => (now + 1).min(last),
            "ArrowUp" | "ArrowLeft" => now.saturating_sub(1),
            _ => return,
        };
        ev.prevent_default();
        current.set(next);
        let selector = format!(
            "[data-testid=guide-step][data-step={}]",
            Step::ALL[next].key()
        );
        if let Some(el) = document()
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    on_cleanup(move || keys.remove());
    let steps = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let step = *step;
            let check = Memo::new(move |_| checks.with(|c| c[i].clone()));
            let record = Memo::new(move |_| progress.with(|p| p.step(step).cloned()));
            let is_current = Memo::new(move |_| state.projector.get() && current.get() == i);
            view! { <GuideStep step check record account is_current/> }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="panel guide" data-testid="guide" aria-labelledby="guide-title">
            <h2 id="guide-title">{t(|l| word!(l, guide.title))}</h2>
            <p class="guide-progress" data-testid="guide-progress" data-done=move || done.get()>
                {text(move || word!(lang.get(), guide.progress)(done.get(), Step::ALL.len()))}
                " "
                <button type="button" data-testid="guide-recheck" on:click=recheck>{t(|l| word!(l, guide.check_now))}</button>
                {part(move || {
                    let l = lang.get();
                    let note = match recheck_note.get() {
                        Some(true) => word!(l, guide.recheck_here),
                        Some(false) => word!(l, guide.recheck_other_tab),
                        None => return nothing(),
                    };
                    view! { <span class="muted" role="status">" "{note}</span> }.into_any()
                })}
            </p>
            <ol class="guide-steps">{steps}</ol>
            <GuideExport checks progress/>
            <LearnerAccess account/>
        </section>
    }
}
