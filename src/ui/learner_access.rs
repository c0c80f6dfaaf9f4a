//! For instructors: the least-privilege credentials learners paste. The
//! policy allows exactly the calls labmate makes (lab-model writes it from
//! the lab's ids), the collection's data access rule lets it read the
//! index, and the `aws` commands create the role and mint an hour's
//! credentials from it. Nothing here is secret: no key is ever in it; the
//! account id is masked in projector mode (the copies keep it).

use lab_model::policies::{mint_commands, MintStepKind, RoleSource, LEARNER_ROLE};
use labmate_core::guide::lab_ids;
use leptos::prelude::*;

use crate::state::use_state;
use crate::ui::copy_button::CopyButton;
use crate::ui::projector::masked;

/// What each command does, in the page's words.
fn step_words(kind: MintStepKind) -> &'static str {
    match kind {
        MintStepKind::CreateRole => "Create the learners' role, trusted by your account:",
        MintStepKind::PutRolePolicy => "Give it exactly the permissions labmate uses:",
        MintStepKind::CreateDataAccessPolicy => "Let it read the lab's index in the collection:",
        MintStepKind::AssumeRole => {
            "Mint an hour's credentials; learners paste the output into labmate:"
        }
    }
}

#[component]
pub fn LearnerAccess(
    /// The learner's account, once known.
    account: Memo<Option<String>>,
) -> impl IntoView {
    let state = use_state();
    let commands = Memo::new(move |_| {
        let account = account.get();
        state.config.with(|c| {
            mint_commands(
                &lab_ids(c, account.as_deref()),
                LEARNER_ROLE,
                RoleSource::Create,
            )
        })
    });
    // The shape (file names, step kinds) is fixed; texts follow the lab.
    let shape = commands.get_untracked();
    let files = shape
        .files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let contents = Signal::derive(move || commands.with(|m| m.files[i].contents.clone()));
            view! {
                <li data-testid="learner-file" data-file=file.name>
                    <code>{file.name}</code>" "
                    <CopyButton text=contents label=format!("Copy {}", file.name)
                        testid=format!("learner-copy-file-{i}")/>
                    <pre class="code">{move || masked(&state, contents.get())}</pre>
                </li>
            }
        })
        .collect::<Vec<_>>();
    let steps = shape
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let command = Signal::derive(move || commands.with(|m| m.steps[i].command.clone()));
            view! {
                <li data-testid="learner-command">
                    {step_words(step.kind)}" "
                    <CopyButton text=command label="Copy command".to_owned()
                        testid=format!("learner-copy-command-{i}")/>
                    <pre class="code">{move || masked(&state, command.get())}</pre>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <details class="learner-access" data-testid="learner-access">
            <summary>"For instructors: least-privilege credentials for your learners"</summary>
            <p>
                "The policy below allows exactly the calls labmate makes for this lab, and nothing else: "
                "the POST to the API, the table's reads and the step 9 changes, the stream, the "
                "function, its trigger, log and role, and searching the collection. Save the files, "
                "run the commands in your lab account, and hand out what the last one prints."
            </p>
            <ol class="learner-files">{files}</ol>
            <ol class="learner-commands">{steps}</ol>
        </details>
    }
}
