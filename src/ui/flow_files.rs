//! The board as a file: export it (JSON, no secrets in it), import one
//! (the current board stays if the file does not read), or start afresh.

use labmate_core::flow::Flows;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::pipeline::persist;
use crate::state::use_state;
use crate::ui::reactive::{nothing, on_change, on_click, part};

#[component]
pub fn FlowFiles() -> impl IntoView {
    let state = use_state();
    let message = RwSignal::new(None::<Result<String, String>>);

    let export = move |_| {
        let json = state.flows.with_untracked(Flows::export);
        let count = state.flows.with_untracked(|f| f.flows().len());
        let stamp = labmate_core::time::format_rfc3339(browser::now_ms() / 1000).replace(':', "-");
        message.set(Some(
            browser::download(&format!("labmate-flows-{stamp}.json"), &json)
                .map(|()| format!("Exported {count} flows."))
                .map_err(|e| format!("The browser refused the download: {e}")),
        ));
    };

    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let text = match browser::file_text(&file).await {
                Ok(t) => t,
                Err(e) => {
                    message.set(Some(Err(format!("{} could not be read: {e}", file.name()))));
                    return;
                }
            };
            message.set(Some(match Flows::import(&text) {
                Ok(flows) => {
                    let count = flows.flows().len();
                    state.selected_flow.set(None);
                    state.flows.set(flows);
                    Ok(format!("Imported {count} flows from {}.", file.name()))
                }
                Err(e) => Err(format!("{}: {e} The board is unchanged.", file.name())),
            }));
        });
    };

    let clear = move |_| {
        state.selected_flow.set(None);
        state.flows.set(Flows::new());
        persist::forget();
        message.set(Some(Ok(
            "The board is empty; new changes will appear as they flow.".into(),
        )));
    };

    view! {
        <div class="row flow-files" data-testid="flow-files">
            <button data-testid="flows-export" on:click=on_click(export)>"Export flows"</button>
            <label class="button">
                "Import flows"
                <input type="file" accept="application/json,.json" class="visually-hidden"
                    data-testid="flows-import" on:change=on_change(import)/>
            </label>
            <button data-testid="flows-clear" on:click=on_click(clear)>"Clear board"</button>
            {part(move || match message.get() {
                Some(Ok(t)) => view! { <span class="ok" data-testid="flow-files-result">{t}</span> }.into_any(),
                Some(Err(t)) => view! { <span class="error" role="alert" data-testid="flow-files-result">{t}</span> }.into_any(),
                None => nothing(),
            })}
        </div>
    }
}
