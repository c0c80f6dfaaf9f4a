//! Where the lab lives: region, API, collection, names; and the share link.

use labmate_core::config::{LabConfig, ServiceKey};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::state::use_state;
use crate::ui::reactive::{on_change, on_click, part, text};

const CONFIG_KEY: &str = "labmate.config";

/// The configuration this browser saved last time (it holds no secret).
pub fn load_saved_config() -> Option<LabConfig> {
    browser::local_get(CONFIG_KEY).map(|p| LabConfig::from_share_params(&p).config)
}

#[component]
fn Field(
    label: &'static str,
    testid: &'static str,
    placeholder: &'static str,
    // Plain function pointers, not generics: one copy of this component's
    // code serves every field, which keeps the wasm bundle small.
    get: fn(&LabConfig) -> String,
    set: fn(&mut LabConfig, String),
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
                prop:value=text(move || state.config.with(get))
                on:change=on_change(move |ev| {
                    let v = event_target_value(&ev);
                    state.config.update(|c| set(c, v.trim().to_owned()));
                })
            />
        </label>
    }
}

#[component]
pub fn ConfigPanel() -> impl IntoView {
    let state = use_state();
    let copied = RwSignal::new(None::<String>);

    // The share link follows every change of the configuration, so this is
    // also where it is saved (it carries no secret). One reactive closure
    // instead of a separate effect keeps the bundle smaller.
    let share_link = move || -> String {
        let params = state.config.with(|c| c.to_share_params());
        browser::local_set(CONFIG_KEY, &params);
        format!("{}#{params}", browser::location_base())
    };
    let problems = move || state.config.with(|c| c.problems());

    let endpoint_fields = ServiceKey::ALL
        .into_iter()
        .map(|key| {
            let label = key.service().label();
            view! {
                <label class="field">
                    <span>{label}</span>
                    <input
                        type="text"
                        spellcheck="false"
                        data-testid=format!("endpoint-{}", key.param())
                        placeholder="AWS's regional endpoint"
                        prop:value=text(move || state.config.with(|c| c.endpoints.get(key).unwrap_or_default().to_owned()))
                        on:change=on_change(move |ev| {
                            let v = event_target_value(&ev).trim().to_owned();
                            state.config.update(|c| c.endpoints.set(key, v));
                        })
                    />
                </label>
            }
        })
        .collect_view();

    view! {
        <div class="panel" data-testid="config-panel">
            <h2>"2. Your lab"</h2>
            <Field label="Region" testid="config-region" placeholder="ap-southeast-1"
                    get=|c| c.region.clone() set=|c, v| c.region = v/>
            <Field label="API invoke URL (POST /v1/lab)" testid="config-api" placeholder="https://abc123.execute-api.ap-southeast-1.amazonaws.com/v1/lab"
                    get=|c| c.api_url.clone() set=|c, v| c.api_url = v/>
            <Field label="OpenSearch collection endpoint" testid="config-collection" placeholder="https://xyz.ap-southeast-1.aoss.amazonaws.com"
                    get=|c| c.collection_endpoint.clone() set=|c, v| c.collection_endpoint = v/>
            <div class="field-row">
                <Field label="Index" testid="config-index" placeholder="dynamodb_replicate"
                    get=|c| c.index.clone() set=|c, v| c.index = v/>
                <Field label="Table" testid="config-table" placeholder="lab-table"
                    get=|c| c.table.clone() set=|c, v| c.table = v/>
                <Field label="Function" testid="config-function" placeholder="sync-data-with-dynamodb-stream"
                    get=|c| c.function_name.clone() set=|c, v| c.function_name = v/>
            </div>
            <details>
                <summary>"Other endpoints (simulator, same-origin routes, VPC endpoints)"</summary>
                <Field label="labsim control address (fills the rest and hands out demo credentials)" testid="config-simulator" placeholder="http://127.0.0.1:9101"
                    get=|c| c.simulator.clone() set=|c, v| c.simulator = v/>
                <Field label="Collection route (same-origin path to the collection, e.g. /aoss)" testid="config-collection-route" placeholder="/aoss"
                    get=|c| c.collection_route.clone() set=|c, v| c.collection_route = v/>
                <Field label="API route (same-origin path to the API, e.g. /api)" testid="config-api-route" placeholder="/api"
                    get=|c| c.api_route.clone() set=|c, v| c.api_route = v/>
                {endpoint_fields}
            </details>
            <ul class="problems" data-testid="config-problems">
                {part(move || problems().into_iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view().into_any())}
            </ul>
            <div class="row">
                <button data-testid="copy-share-link" on:click=on_click(move |_| {
                    let link = share_link();
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
            <p class="share-link mono" data-testid="share-link">{text(share_link)}</p>
        </div>
    }
}
