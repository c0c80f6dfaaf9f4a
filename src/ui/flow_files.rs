//! The board as a file: export it (JSON, no secrets in it), import one
//! (the current board stays if the file does not read), or start afresh.

use labmate_core::flow::{Flows, ImportError};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::lang::{t, use_lang};
use crate::pipeline::persist;
use crate::state::{use_state, AppState};
use crate::ui::reactive::{nothing, on_change, on_click, part};

/// Empties the board and forgets its saved copy ("Clear"; and the
/// sandbox's, when it is left or starts over: its flows were the
/// simulator's).
pub fn clear_board(state: &AppState) {
    state.selected_flow.set(None);
    state.flows.set(Flows::new());
    persist::forget();
}

/// What the last export, import or clearing did, worded where shown.
/// The browser's and the file's own words (`error`, `file`) stay as they
/// came.
#[derive(Clone, Debug, PartialEq)]
enum Done {
    Exported { count: usize },
    DownloadRefused { error: String },
    Unreadable { file: String, error: String },
    Imported { count: usize, file: String },
    NotFlows { file: String, error: ImportError },
    Cleared,
}

impl Done {
    fn ok(&self) -> bool {
        matches!(
            self,
            Done::Exported { .. } | Done::Imported { .. } | Done::Cleared
        )
    }

    fn words(&self, lang: Lang) -> String {
        match self {
            Done::Exported { count } => word!(lang, board.files_exported)(*count),
            Done::DownloadRefused { error } => word!(lang, board.files_download_refused)(error),
            Done::Unreadable { file, error } => word!(lang, board.files_unreadable)(file, error),
            Done::Imported { count, file } => word!(lang, board.files_imported)(*count, file),
            Done::NotFlows { file, error } => {
                word!(lang, board.files_import_refused)(file, &error.words(lang))
            }
            Done::Cleared => word!(lang, board.files_cleared).to_owned(),
        }
    }
}

#[component]
pub fn FlowFiles() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let message = RwSignal::new(None::<Done>);

    let export = move |_| {
        let json = state.flows.with_untracked(Flows::export);
        let count = state.flows.with_untracked(|f| f.flows().len());
        let stamp = labmate_core::time::format_rfc3339(browser::now_ms() / 1000).replace(':', "-");
        message.set(Some(
            match browser::download(&format!("labmate-flows-{stamp}.json"), &json) {
                Ok(()) => Done::Exported { count },
                Err(e) => Done::DownloadRefused { error: e },
            },
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
                    message.set(Some(Done::Unreadable {
                        file: file.name(),
                        error: e,
                    }));
                    return;
                }
            };
            message.set(Some(match Flows::import(&text) {
                Ok(flows) => {
                    let count = flows.flows().len();
                    state.selected_flow.set(None);
                    state.flows.set(flows);
                    Done::Imported {
                        count,
                        file: file.name(),
                    }
                }
                Err(error) => Done::NotFlows {
                    file: file.name(),
                    error,
                },
            }));
        });
    };

    let clear = move |_| {
        clear_board(&state);
        message.set(Some(Done::Cleared));
    };

    view! {
        <div class="row flow-files" data-testid="flow-files">
            <button data-testid="flows-export" on:click=on_click(export)>{t(|l| word!(l, board.files_export))}</button>
            <label class="button">
                {t(|l| word!(l, board.files_import))}
                <input type="file" accept="application/json,.json" class="visually-hidden"
                    data-testid="flows-import" on:change=on_change(import)/>
            </label>
            <button data-testid="flows-clear" on:click=on_click(clear)>{t(|l| word!(l, board.files_clear))}</button>
            {part(move || match message.get() {
                Some(done) if done.ok() => view! { <span class="ok" data-testid="flow-files-result">{done.words(lang.get())}</span> }.into_any(),
                Some(done) => view! { <span class="error" role="alert" data-testid="flow-files-result">{done.words(lang.get())}</span> }.into_any(),
                None => nothing(),
            })}
        </div>
    }
}
