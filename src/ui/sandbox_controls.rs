//! The sandbox's controls, shown only while it runs: which code the
//! Lambda runs (the workshop's, whose MODIFY and REMOVE fail, or the fixed
//! one), a half-built lab state, and faults to inject or clear; each sent
//! as labsim's control call through the transport to the worker; and
//! "Start over" (`session::start_sandbox_over`): a fresh sandbox on an
//! empty board. One list and two buttons: every view node here is code in
//! the first load.

use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::sandbox::{control, ControlError};
use crate::lang::{t, use_lang};
use crate::session;
use crate::state::use_state;
use crate::ui::reactive::{nothing, on_change, on_click, part};

/// One change: labsim's control call.
struct Change {
    method: &'static str,
    route: &'static str,
    body: &'static str,
}

const fn setup(body: &'static str) -> Change {
    Change {
        method: "POST",
        route: "setup",
        body,
    }
}

const fn fault(body: &'static str) -> Change {
    Change {
        method: "POST",
        route: "faults",
        body,
    }
}

/// Every change, in the order the list shows them: the two codes, then
/// `setup.sandbox_lab_states`, then `setup.sandbox_faults`, then clearing.
const CHANGES: [Change; 15] = [
    setup(r#"{"handler":"workshop"}"#),
    setup(r#"{"handler":"fixed"}"#),
    setup(
        r#"{"stream":"NEW_IMAGE","stream_policy":"present","aoss_policy":"present","function_exists":true,"trigger_exists":true,"trigger_enabled":true,"env_vars_set":true}"#,
    ),
    setup(r#"{"stream":"off"}"#),
    setup(r#"{"stream_policy":"missing"}"#),
    setup(r#"{"aoss_policy":"missing"}"#),
    setup(r#"{"function_exists":false}"#),
    setup(r#"{"trigger_exists":false}"#),
    setup(r#"{"trigger_enabled":false}"#),
    setup(r#"{"env_vars_set":false}"#),
    fault(r#"{"service":"dynamodb","times":1,"throttle":true}"#),
    fault(r#"{"service":"api","times":1,"drop":true}"#),
    fault(r#"{"service":"streams","operation":"GetRecords","times":3,"throttle":true}"#),
    fault(r#"{"service":"dynamodb","times":1,"expired_token":true}"#),
    Change {
        method: "DELETE",
        route: "faults",
        body: "",
    },
];

/// The list's entries in `lang`, in [`CHANGES`]' order, each with the
/// group it is shown under.
fn labels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    let code = word!(lang, setup.sandbox_lambda_code);
    let lab = word!(lang, setup.sandbox_lab_state);
    let faults = word!(lang, setup.sandbox_fault);
    let mut labels = vec![
        (code, word!(lang, setup.sandbox_code_workshop)),
        (code, word!(lang, setup.sandbox_code_fixed)),
    ];
    labels.extend(
        word!(lang, setup.sandbox_lab_states)
            .iter()
            .map(|l| (lab, *l)),
    );
    labels.extend(
        word!(lang, setup.sandbox_faults)
            .iter()
            .map(|l| (faults, *l)),
    );
    labels.push((faults, word!(lang, setup.sandbox_clear_faults)));
    labels
}

#[component]
pub fn SandboxControls() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let outcome = RwSignal::new(None::<Result<(), ControlError>>);
    let chosen = RwSignal::new(0usize);
    let apply = move |_| {
        let change = &CHANGES[chosen.get_untracked().min(CHANGES.len() - 1)];
        outcome.set(None);
        spawn_local(async move {
            outcome.set(Some(
                control(change.method, change.route, change.body).await,
            ));
        });
    };
    let result = move || match outcome.get() {
        None => nothing(),
        Some(r) => {
            let (class, text) = match r {
                Ok(()) => (
                    "ok",
                    word!(lang.get(), setup.sandbox_control_done).to_owned(),
                ),
                Err(e) => ("error", e.words(lang.get())),
            };
            view! { <p class=class data-testid="sandbox-control-result" role="status">{text}</p> }
                .into_any()
        }
    };
    let options = move || {
        labels(lang.get())
            .into_iter()
            .enumerate()
            .map(|(i, (group, label))| {
                view! { <option value=i.to_string()>{format!("{group}: {label}")}</option> }
            })
            .collect_view()
    };
    part(move || {
        if !session::in_sandbox(&state) {
            return nothing();
        }
        view! {
            <details class="panel sandbox-controls" data-testid="sandbox-controls">
                <summary>{t(|l| word!(l, setup.sandbox_controls))}</summary>
                <select data-testid="sandbox-change" on:change=on_change(move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0)))>
                    {options}
                </select>
                <button data-testid="sandbox-apply" on:click=on_click(apply)>{t(|l| word!(l, setup.sandbox_apply))}</button>
                <button data-testid="sandbox-start-over" on:click=on_click(move |_| session::start_sandbox_over(state))>{t(|l| word!(l, setup.sandbox_start_over))}</button>
                {result}
            </details>
        }
        .into_any()
    })
}
