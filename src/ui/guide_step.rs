//! One step of the guide: what to do and where, its check (status,
//! evidence, each problem with its fix), and copy buttons for what the
//! console asks for. In projector mode account ids and key ids are masked.

use lab_model::names::{AOSS_POLICY, INDEX, LOG_GROUP, ROLE, STREAM_POLICY, TABLE};
use lab_model::policies::{aoss_policy, dynamodb_stream_data};
use labmate_core::change::GUIDE_TEST_ITEM;
use labmate_core::config::LabConfig;
use labmate_core::guide::{expected_variables, lab_ids, Status, Step, StepCheck, StepRecord};
use labmate_core::projector::mask_ids;
use labmate_core::word;
use leptos::prelude::*;

use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::copy_button::CopyButton;
use crate::ui::flow_words::clock_text;
use crate::ui::guide_words::{copy_label, line, CopyWhat};
use crate::ui::reactive::{nothing, part, text};

/// What the console asks for in this step, to copy: (what, text), for
/// the configured lab and `account` (a placeholder while unknown).
fn copies(step: Step, config: &LabConfig, account: Option<&str>) -> Vec<(CopyWhat, String)> {
    use CopyWhat::*;
    match step {
        Step::Function => vec![
            (FunctionName, config.function_name.clone()),
            (RoleName, ROLE.to_owned()),
        ],
        Step::Stream => vec![(TableName, config.table.clone())],
        Step::StreamPolicy => vec![
            (PolicyName, STREAM_POLICY.to_owned()),
            (
                PolicyJson,
                dynamodb_stream_data(&lab_ids(config, account)).to_json_pretty(),
            ),
        ],
        Step::AossPolicy => vec![
            (PolicyName, AOSS_POLICY.to_owned()),
            (PolicyJson, aoss_policy().to_json_pretty()),
        ],
        Step::Trigger => vec![(FunctionName, config.function_name.clone())],
        Step::Environment => expected_variables(config)
            .into_iter()
            .map(|(n, v)| (Variable(n), v))
            .collect(),
        Step::TestPost => vec![(TestBody, GUIDE_TEST_ITEM.to_owned())],
        Step::Verify => vec![(LogGroup, LOG_GROUP.to_owned()), (Index, INDEX.to_owned())],
        Step::Explore => vec![(TableName, TABLE.to_owned())],
    }
}

#[component]
pub fn GuideStep(
    step: Step,
    check: Memo<StepCheck>,
    record: Memo<Option<StepRecord>>,
    /// The learner's account, once known, for the policies' ARNs.
    account: Memo<Option<String>>,
    /// The step the projector's arrow keys are on.
    is_current: Memo<bool>,
) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // Masked in projector mode: what a class should not see on the wall.
    let shown = move |t: String| {
        if state.projector.get() {
            mask_ids(&t)
        } else {
            t
        }
    };
    let status_key = move || check.with(|c| c.status.key());
    let regressed = move || record.with(|r| r.as_ref().and_then(|r| r.regressed_ms));
    let badge = text(move || {
        let l = lang.get();
        check.with(|c| c.status.words(l, c.inferred))
            + &regressed()
                .map(|at| word!(l, guide.status_regressed)(&clock_text(at)))
                .unwrap_or_default()
    });
    let problems = part(move || {
        let l = lang.get();
        let items = check.with(|c| c.problems.iter().map(|p| p.pieces(l)).collect::<Vec<_>>());
        if items.is_empty() {
            return nothing();
        }
        let items = items
            .into_iter()
            .map(|(what, fix)| {
                view! {
                    <li data-testid="guide-problem">
                        <span class="guide-problem-what">{line(what, shown)}</span>
                        " "<span class="guide-fix" data-testid="guide-fix">{t(|l| word!(l, guide.fix))}{line(fix, shown)}</span>
                    </li>
                }
            })
            .collect::<Vec<_>>();
        view! { <ul class="guide-problems">{items}</ul> }.into_any()
    });
    let evidence = part(move || {
        let l = lang.get();
        let items = check.with(|c| c.evidence.iter().map(|e| e.pieces(l)).collect::<Vec<_>>());
        if items.is_empty() {
            return nothing();
        }
        let items = items
            .into_iter()
            .map(|e| view! { <li data-testid="guide-evidence">{line(e, shown)}</li> })
            .collect::<Vec<_>>();
        view! {
            <details class="guide-evidence">
                <summary>{t(|l| word!(l, guide.what_labmate_saw))}</summary>
                <ul>{items}</ul>
            </details>
        }
        .into_any()
    });
    // The labels are fixed per step; the texts follow the configuration
    // and the account, read when a button is clicked.
    let labels = copies(step, &LabConfig::default(), None);
    let copy_buttons = labels
        .into_iter()
        .enumerate()
        .map(|(i, (what, _))| {
            let value = Signal::derive(move || {
                let account = account.get();
                state.config.with(|c| copies(step, c, account.as_deref()))[i]
                    .1
                    .clone()
            });
            view! {
                <CopyButton text=value label=text(move || copy_label(lang.get(), what))
                    testid=format!("guide-copy-{}-{i}", step.key())/>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <li class="guide-step" data-testid="guide-step" data-step=step.key() tabindex="-1"
            class:current=move || is_current.get()
            aria-current=move || is_current.get().then_some("step")
            data-status=status_key
            data-regressed=move || regressed().is_some().to_string()
            class:passed=move || check.with(|c| c.status == Status::Passed)
            class:failed=move || check.with(|c| c.status == Status::Failed)>
            <h3>
                <span class="guide-number">{step.number()}". "</span>{text(move || step.title(lang.get()).to_owned())}
                " "<span class="guide-status" data-testid="guide-status">{badge}</span>
            </h3>
            <p class="guide-todo">{text(move || step.todo(lang.get()).to_owned())}</p>
            <p class="guide-expect muted">{text(move || step.expect(lang.get()).to_owned())}</p>
            {problems}
            {evidence}
            <p class="guide-copies">{copy_buttons}</p>
        </li>
    }
}
