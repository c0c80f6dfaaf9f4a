//! The guide beside the pipeline: chapter 4.1's steps, each with its check
//! re-run whenever the pollers bring new evidence, and the learner's
//! progress, kept in this browser (no secret in it) across reloads.

use labmate_core::guide::{check_all, LabFacts, Progress, Step};
use leptos::prelude::*;

use crate::browser;
use crate::pipeline::aws_now_ms;
use crate::state::{use_state, IdentityState};
use crate::ui::guide_step::GuideStep;
use crate::ui::reactive::text;

/// Where the progress is kept.
const PROGRESS_KEY: &str = "labmate.progress";

#[component]
pub fn GuidePanel() -> impl IntoView {
    let state = use_state();
    let checks = Memo::new(move |_| {
        let known = state.identity.with(|i| match i {
            IdentityState::Known(id) => Some(id.account.clone()),
            _ => None,
        });
        state.flows.with(|flows| {
            state.config.with(|config| {
                let account = known
                    .as_deref()
                    .or_else(|| LabFacts::account_seen(flows));
                check_all(&LabFacts {
                    flows,
                    config,
                    account,
                })
            })
        })
    });
    let progress = RwSignal::new(
        browser::local_get(PROGRESS_KEY)
            .and_then(|saved| serde_json::from_str::<Progress>(&saved).ok())
            .unwrap_or_default(),
    );
    // Each new set of checks moves the progress on; then it is saved.
    Effect::new(move |_| {
        let now = aws_now_ms(&state);
        checks.with(|c| progress.update(|p| {
            p.update(c, now);
        }));
    });
    Effect::new(move |_| {
        progress.with(|p| {
            if let Ok(json) = serde_json::to_string(p) {
                browser::local_set(PROGRESS_KEY, &json);
            }
        })
    });
    let done = Memo::new(move |_| progress.with(Progress::passed));
    let steps = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let step = *step;
            let check = Memo::new(move |_| checks.with(|c| c[i].clone()));
            let record = Memo::new(move |_| progress.with(|p| p.step(step).cloned()));
            view! { <GuideStep step check record/> }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="panel guide" data-testid="guide" aria-labelledby="guide-title">
            <h2 id="guide-title">"The chapter, step by step"</h2>
            <p class="guide-progress" data-testid="guide-progress" data-done=move || done.get()>
                {text(move || format!("{} of {} steps done", done.get(), Step::ALL.len()))}
            </p>
            <ol class="guide-steps">{steps}</ol>
        </section>
    }
}
