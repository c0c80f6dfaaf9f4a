//! What the learner can do with a flow's item: change it (MODIFY), delete
//! it (REMOVE), or send the flow's POST again, as it was or edited.

use labmate_core::change::{Modification, TableChange};
use labmate_core::flow::{FlowId, FlowState, Hop};
use labmate_core::lab_item::{check_item, ItemError};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::lang::{t, use_lang};
use crate::pipeline::send::{send_item, Sent};
use crate::pipeline::table::{change_item, Accepted, Refused};
use crate::state::use_state;
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

/// What the last action did, kept typed and worded where shown.
#[derive(Clone, Debug, PartialEq)]
enum Done {
    Changed(Result<Accepted, Refused>),
    Replayed(Sent),
    NotAnItem(ItemError),
}

impl Done {
    /// Whether it went through, and what to say. The send results, AWS's
    /// errors and the item checks are worded by their own modules.
    fn words(&self, lang: Lang) -> (bool, String) {
        match self {
            Done::Changed(Ok(accepted)) => (true, accepted.words(lang)),
            Done::Changed(Err(refused)) => (false, refused.words(lang)),
            Done::Replayed(sent) => (sent.written(), sent.words(lang)),
            Done::NotAnItem(e) => (false, e.words(lang)),
        }
    }
}

#[component]
pub fn FlowActions(flow: FlowId) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // What the flow knows of its item, read once: the actions act on the
    // item as it was when the learner opened them.
    let (item_id, name, kind, sent_body) = state.flows.with_untracked(|flows| {
        let Some(f) = flows.flow(flow) else {
            return (None, String::new(), String::new(), None);
        };
        let image = f.new_image.as_ref().or(f.old_image.as_ref());
        let attr = |k: &str| {
            image
                .and_then(|i| labmate_core::flow::observe::string_of(i, k))
                .map(str::to_owned)
        };
        (
            f.item_id.clone(),
            attr("name").or(f.name.clone()).unwrap_or_default(),
            attr("type").unwrap_or_default(),
            f.sent
                .as_ref()
                .and_then(|s| serde_json::to_string_pretty(&s.body).ok()),
        )
    });
    let new_name = RwSignal::new(format!("{name} (edited)"));
    let new_kind = RwSignal::new(kind);
    let replay_body = RwSignal::new(sent_body.clone().unwrap_or_default());
    let result = RwSignal::new(None::<Done>);
    let busy = RwSignal::new(false);
    // A REMOVE'd item cannot be changed or removed again.
    let removed = state.flows.with_untracked(|flows| {
        flows.flow(flow).is_some_and(|f| {
            f.change == labmate_core::flow::ChangeKind::Remove
                && !matches!(f.state, FlowState::InProgress { next: Hop::Api, .. })
        })
    });

    let table = move || state.config.with_untracked(|c| c.table.clone());
    let run_change = move |change: TableChange| {
        busy.set(true);
        spawn_local(async move {
            result.set(Some(Done::Changed(change_item(state, change).await)));
            busy.set(false);
        });
    };
    let modify = {
        let item_id = item_id.clone();
        move |_| {
            let Some(id) = item_id.clone() else { return };
            run_change(TableChange::modify(
                &table(),
                &id,
                Modification {
                    name: new_name.get_untracked(),
                    kind: new_kind.get_untracked(),
                },
            ));
        }
    };
    let delete = {
        let item_id = item_id.clone();
        move |_| {
            let Some(id) = item_id.clone() else { return };
            run_change(TableChange::remove(&table(), &id));
        }
    };
    let replay = move |_| {
        let body = match check_item(&replay_body.get_untracked()) {
            Ok((body, _)) => body,
            Err(e) => {
                result.set(Some(Done::NotAnItem(e)));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            result.set(Some(Done::Replayed(send_item(state, body).await)));
            busy.set(false);
        });
    };

    let change_controls = match (item_id, removed) {
        (Some(_), false) => view! {
            <fieldset class="flow-change" data-testid="flow-change">
                <legend>{t(|l| word!(l, board.action_change_legend))}</legend>
                <label class="field"><span>"name"</span>
                    <input data-testid="modify-name" prop:value=text(move || new_name.get())
                        on:input=on_change(move |ev| new_name.set(event_target_value(&ev)))/>
                </label>
                <label class="field"><span>"type"</span>
                    <input data-testid="modify-type" prop:value=text(move || new_kind.get())
                        on:input=on_change(move |ev| new_kind.set(event_target_value(&ev)))/>
                </label>
                <div class="row">
                    <button data-testid="action-modify" prop:disabled=flag(move || busy.get())
                        on:click=on_click(modify)>{t(|l| word!(l, board.action_modify))}</button>
                    <button class="danger" data-testid="action-delete" prop:disabled=flag(move || busy.get())
                        on:click=on_click(delete)>{t(|l| word!(l, board.action_delete))}</button>
                </div>
            </fieldset>
        }
        .into_any(),
        (Some(_), true) => view! { <p class="muted">{t(|l| word!(l, board.action_deleted))}</p> }.into_any(),
        (None, _) => view! {
            <p class="muted">{t(|l| word!(l, board.action_no_id))}</p>
        }
        .into_any(),
    };
    let replay_controls = match sent_body {
        Some(_) => view! {
            <fieldset class="flow-replay" data-testid="flow-replay">
                <legend>{t(|l| word!(l, board.action_replay_legend))}</legend>
                <textarea class="mono" rows="3" spellcheck="false" data-testid="replay-body"
                    aria-label=t(|l| word!(l, board.action_replay_body))
                    prop:value=text(move || replay_body.get())
                    on:input=on_change(move |ev| replay_body.set(event_target_value(&ev)))></textarea>
                <button data-testid="action-replay" prop:disabled=flag(move || busy.get())
                    on:click=on_click(replay)>{t(|l| word!(l, board.action_replay))}</button>
            </fieldset>
        }
        .into_any(),
        None => nothing(),
    };

    view! {
        <div class="flow-actions" data-testid="flow-actions">
            {change_controls}
            {replay_controls}
            {part(move || match result.with(|r| r.as_ref().map(|done| done.words(lang.get()))) {
                Some((true, t)) => view! { <p class="ok" data-testid="flow-action-result">{masked(&state, t)}</p> }.into_any(),
                Some((false, t)) => view! { <p class="error" role="alert" data-testid="flow-action-result">{masked(&state, t)}</p> }.into_any(),
                None => nothing(),
            })}
        </div>
    }
}
