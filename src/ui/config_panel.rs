//! Where the lab lives: region, API, collection, names; and the share link.

use labmate_core::config::{ConfigField, ServiceKey};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{self, NotCopied};
use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::copy_button::CopyByHand;
use crate::ui::reactive::{nothing, on_change, on_click, part, text};

/// One labelled text input bound to one field of the configuration. The
/// field is data, not a closure, so one copy of this code serves them all.
/// The label is the catalogue's word for the field (a service's AWS name
/// for an endpoint override); the placeholder an example value, or for an
/// endpoint override the catalogue's note.
#[component]
fn Field(
    label: Label,
    testid: &'static str,
    #[prop(optional)] placeholder: &'static str,
    field: ConfigField,
) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let placeholder = text(move || {
        match label {
            Label::Service(_) => word!(lang.get(), setup.config_endpoint_placeholder),
            Label::Word(_) => placeholder,
        }
        .to_owned()
    });
    view! {
        <label class="field">
            <span>{text(move || match label {
                Label::Word(word) => word(lang.get()).to_owned(),
                Label::Service(name) => name.to_owned(),
            })}</span>
            <input
                type="text"
                spellcheck="false"
                data-testid=testid
                placeholder=placeholder
                prop:value=text(move || state.config.with(|c| c.field(field).to_owned()))
                on:change=on_change(move |ev| {
                    let v = event_target_value(&ev);
                    state.config.update(|c| c.set_field(field, &v));
                })
            />
        </label>
    }
}

/// A field's label: the catalogue's word, or an AWS service's name.
#[derive(Clone, Copy)]
enum Label {
    Word(fn(Lang) -> &'static str),
    Service(&'static str),
}

/// The test id of an endpoint override's input (`endpoint-` and the
/// share-link parameter): a static string, as attributes built at run time
/// cost the bundle more than this match.
fn endpoint_testid(key: ServiceKey) -> &'static str {
    match key {
        ServiceKey::Sts => "endpoint-sts",
        ServiceKey::DynamoDb => "endpoint-dynamodb",
        ServiceKey::Streams => "endpoint-streams",
        ServiceKey::Lambda => "endpoint-lambda",
        ServiceKey::Logs => "endpoint-logs",
        ServiceKey::Iam => "endpoint-iam",
    }
}

#[component]
pub fn ConfigPanel() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // The outcome of the last copy (the browser's reason and the link when
    // it failed), worded where it shows.
    let copied = RwSignal::new(None::<Result<(), (NotCopied, String)>>);

    let share_link =
        move |params: &str| -> String { format!("{}#{params}", browser::location_base()) };
    // Saving the configuration is the session's (an Effect), not this view's.
    let shown_link = move || share_link(&state.config.with(|c| c.to_share_params()));
    let problems = move || state.config.with(|c| c.problems());

    let endpoint_fields = ServiceKey::ALL
        .into_iter()
        .map(|key| {
            view! {
                <Field label=Label::Service(key.service().label()) testid=endpoint_testid(key)
                    field=ConfigField::Endpoint(key)/>
            }
        })
        .collect_view();

    view! {
        <div class="panel" data-testid="config-panel">
            <h2>{t(|l| word!(l, setup.config_title))}</h2>
            <Field label=Label::Word(|l| word!(l, setup.label_region)) testid="config-region" placeholder="ap-southeast-1" field=ConfigField::Region/>
            <Field label=Label::Word(|l| word!(l, setup.config_api_url)) testid="config-api" placeholder="https://abc123.execute-api.ap-southeast-1.amazonaws.com/v1/lab" field=ConfigField::ApiUrl/>
            <Field label=Label::Word(|l| word!(l, setup.config_collection_endpoint)) testid="config-collection" placeholder="https://xyz.ap-southeast-1.aoss.amazonaws.com" field=ConfigField::CollectionEndpoint/>
            <div class="field-row">
                <Field label=Label::Word(|l| word!(l, setup.config_index)) testid="config-index" placeholder="dynamodb_replicate" field=ConfigField::Index/>
                <Field label=Label::Word(|l| word!(l, setup.config_table)) testid="config-table" placeholder="lab-table" field=ConfigField::Table/>
                <Field label=Label::Word(|l| word!(l, setup.config_function)) testid="config-function" placeholder="sync-data-with-dynamodb-stream" field=ConfigField::FunctionName/>
            </div>
            <details>
                <summary>{t(|l| word!(l, setup.config_other_endpoints))}</summary>
                <Field label=Label::Word(|l| word!(l, setup.config_simulator)) testid="config-simulator" placeholder="http://127.0.0.1:9101" field=ConfigField::Simulator/>
                <Field label=Label::Word(|l| word!(l, setup.config_collection_route)) testid="config-collection-route" placeholder="/aoss" field=ConfigField::CollectionRoute/>
                <Field label=Label::Word(|l| word!(l, setup.config_api_route)) testid="config-api-route" placeholder="/api" field=ConfigField::ApiRoute/>
                {endpoint_fields}
            </details>
            <ul class="problems" data-testid="config-problems">
                {part(move || {
                    let l = lang.get();
                    problems().into_iter().map(|p| view! { <li>{p.words(l)}</li> }).collect_view().into_any()
                })}
            </ul>
            <div class="row">
                <button data-testid="copy-share-link" on:click=on_click(move |_| {
                    let link = share_link(&state.config.with_untracked(|c| c.to_share_params()));
                    spawn_local(async move {
                        let outcome = browser::copy_to_clipboard(&link).await;
                        copied.set(Some(outcome.map_err(|e| (e, link))));
                    });
                })>{t(|l| word!(l, setup.copy_share_link))}</button>
                <span class="muted">{text(move || match copied.get() {
                    None => String::new(),
                    Some(Ok(())) => word!(lang.get(), setup.link_copied).to_owned(),
                    Some(Err((e, _))) => {
                        let l = lang.get();
                        word!(l, setup.link_not_copied)(&e.words(l))
                    }
                })}</span>
                {part(move || match copied.get() {
                    Some(Err((_, link))) => view! { <CopyByHand text=link/> }.into_any(),
                    _ => nothing(),
                })}
            </div>
            <p class="share-link mono" data-testid="share-link">{text(shown_link)}</p>
        </div>
    }
}
