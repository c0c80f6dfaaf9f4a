//! For instructors: the least-privilege credentials learners paste. The
//! policy allows exactly the calls labmate makes (lab-model writes it from
//! the lab's ids), the collection's data access rule lets it read the
//! index, and the `aws` commands create the role and mint an hour's
//! credentials from it. Nothing here is secret: no key is ever in it; the
//! account id is masked in projector mode (the copies keep it).

use lab_model::policies::{mint_commands, MintStepKind, RoleSource, LEARNER_ROLE};
use labmate_core::guide::lab_ids;
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;

use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::copy_button::CopyButton;
use crate::ui::projector::masked;
use crate::ui::reactive::text;

/// What each command does, in the page's words.
fn step_words(lang: Lang, kind: MintStepKind) -> &'static str {
    match kind {
        MintStepKind::CreateRole => word!(lang, guide.learner_create_role),
        MintStepKind::PutRolePolicy => word!(lang, guide.learner_put_role_policy),
        MintStepKind::CreateDataAccessPolicy => word!(lang, guide.learner_data_access),
        MintStepKind::AssumeRole => word!(lang, guide.learner_assume_role),
    }
}

#[component]
pub fn LearnerAccess(
    /// The learner's account, once known.
    account: Memo<Option<String>>,
) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
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
            let name = file.name;
            let contents = Signal::derive(move || commands.with(|m| m.files[i].contents.clone()));
            view! {
                <li data-testid="learner-file" data-file=file.name>
                    <code>{file.name}</code>" "
                    <CopyButton text=contents label=text(move || word!(lang.get(), guide.learner_copy_file)(name))
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
            let kind = step.kind;
            let command = Signal::derive(move || commands.with(|m| m.steps[i].command.clone()));
            view! {
                <li data-testid="learner-command">
                    {text(move || step_words(lang.get(), kind).to_owned())}" "
                    <CopyButton text=command label=t(|l| word!(l, guide.learner_copy_command))
                        testid=format!("learner-copy-command-{i}")/>
                    <pre class="code">{move || masked(&state, command.get())}</pre>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <details class="learner-access" data-testid="learner-access">
            <summary>{t(|l| word!(l, guide.learner_summary))}</summary>
            <p>{t(|l| word!(l, guide.learner_intro))}</p>
            <ol class="learner-files">{files}</ol>
            <ol class="learner-commands">{steps}</ol>
        </details>
    }
}
