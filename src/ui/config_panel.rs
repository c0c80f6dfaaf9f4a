//! Where the lab lives: region, API, collection, names; and the share link.

use labmate_core::config::{ConfigField, ServiceKey};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::state::use_state;
use crate::ui::reactive::{on_change, on_click, part, text};

/// One labelled text input bound to one field of the configuration. The
/// field is data, not a closure, so one copy of this code serves them all.
#[component]
fn Field(
    label: &'static str,
    testid: &'static str,
    placeholder: &'static str,
    field: ConfigField,
) -> impl IntoView {
    let state = use_state();
    view! {
        <label class="field">
            <span>{label}</span>
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
    let copied = RwSignal::new(None::<String>);

    let share_link =
        move |params: &str| -> String { format!("{}#{params}", browser::location_base()) };
    // Saving the configuration is the session's (an Effect), not this view's.
    let shown_link = move || share_link(&state.config.with(|c| c.to_share_params()));
    let problems = move || state.config.with(|c| c.problems());

    let endpoint_fields = ServiceKey::ALL
        .into_iter()
        .map(|key| {
            view! {
                <Field label=key.service().label() testid=endpoint_testid(key)
                    placeholder="AWS's regional endpoint" field=ConfigField::Endpoint(key)/>
            }
        })
        .collect_view();

    view! {
        <div class="panel" data-testid="config-panel">
            <h2>"2. Your lab"</h2>
            <Field label="Region" testid="config-region" placeholder="ap-southeast-1" field=ConfigField::Region/>
            <Field label="API invoke URL (POST /v1/lab)" testid="config-api" placeholder="https://abc123.execute-api.ap-southeast-1.amazonaws.com/v1/lab" field=ConfigField::ApiUrl/>
            <Field label="OpenSearch collection endpoint" testid="config-collection" placeholder="https://xyz.ap-southeast-1.aoss.amazonaws.com" field=ConfigField::CollectionEndpoint/>
            <div class="field-row">
                <Field label="Index" testid="config-index" placeholder="dynamodb_replicate" field=ConfigField::Index/>
                <Field label="Table" testid="config-table" placeholder="lab-table" field=ConfigField::Table/>
                <Field label="Function" testid="config-function" placeholder="sync-data-with-dynamodb-stream" field=ConfigField::FunctionName/>
            </div>
            <details>
                <summary>"Other endpoints (simulator, same-origin routes, VPC endpoints)"</summary>
                <Field label="labsim control address (fills the rest and hands out demo credentials)" testid="config-simulator" placeholder="http://127.0.0.1:9101" field=ConfigField::Simulator/>
                <Field label="Collection route (same-origin path to the collection, e.g. /aoss)" testid="config-collection-route" placeholder="/aoss" field=ConfigField::CollectionRoute/>
                <Field label="API route (same-origin path to the API, e.g. /api)" testid="config-api-route" placeholder="/api" field=ConfigField::ApiRoute/>
                {endpoint_fields}
            </details>
            <ul class="problems" data-testid="config-problems">
                {part(move || problems().into_iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view().into_any())}
            </ul>
            <div class="row">
                <button data-testid="copy-share-link" on:click=on_click(move |_| {
                    let link = share_link(&state.config.with_untracked(|c| c.to_share_params()));
                    spawn_local(async move {
                        let note = match browser::copy_to_clipboard(&link).await {
                            Ok(()) => "Link copied. It carries the configuration only, never credentials.".to_owned(),
                            Err(e) => format!("Could not copy ({e}); select the link below instead."),
                        };
                        copied.set(Some(note));
                    });
                })>"Copy share link"</button>
                <span class="muted">{text(move || copied.get().unwrap_or_default())}</span>
            </div>
            <p class="share-link mono" data-testid="share-link">{text(shown_link)}</p>
        </div>
    }
}
