//! The export buttons: the learner's progress saved as Markdown (worded in
//! the page's language) or JSON (English keys and status keys for tools,
//! its sentences in the page's language). The reports themselves are
//! core's (`labmate_core::guide::{markdown_report, json_report}`).

use labmate_core::guide::{json_report, markdown_report, with_values, Progress, StepCheck};
use labmate_core::word;
use leptos::prelude::*;

use crate::browser;
use crate::lang::{t, use_lang};
use crate::pipeline::aws_now_ms;
use crate::state::use_state;
use crate::ui::flow_words::subject;
use crate::ui::guide_words::line;
use crate::ui::reactive::{nothing, on_click, part};

/// How saving went: the file's name, and the browser's reason when it
/// refused. Worded when shown, so the note follows the language.
#[derive(Clone, Debug, PartialEq)]
enum Saved {
    Saved(&'static str),
    NotSaved { file: &'static str, reason: String },
}

#[component]
pub fn GuideExport(checks: Memo<Vec<StepCheck>>, progress: RwSignal<Progress>) -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let result = RwSignal::new(None::<Saved>);
    let export = move |markdown: bool| {
        let now = aws_now_ms(&state);
        let l = lang.get_untracked();
        let (name, media, text) = checks.with_untracked(|c| {
            progress.with_untracked(|p| {
                state.flows.with_untracked(|f| {
                    if markdown {
                        (
                            "labmate-progress.md",
                            "text/markdown",
                            markdown_report(l, c, p, f, now, &subject),
                        )
                    } else {
                        let json = json_report(l, c, p, f, now);
                        (
                            "labmate-progress.json",
                            "application/json",
                            json.to_string(),
                        )
                    }
                })
            })
        });
        result.set(Some(match browser::download_as(name, media, &text) {
            Ok(()) => Saved::Saved(name),
            Err(reason) => Saved::NotSaved { file: name, reason },
        }));
    };
    view! {
        <p class="guide-export">
            <button type="button" data-testid="progress-export-md" on:click=on_click(move |_| export(true))>{t(|l| word!(l, guide.export_markdown))}</button>
            " "
            <button type="button" data-testid="progress-export-json" on:click=on_click(move |_| export(false))>{t(|l| word!(l, guide.export_json))}</button>
            {part(move || {
                let l = lang.get();
                match result.get() {
                    Some(Saved::Saved(file)) => view! { <span class="muted" role="status">" "{word!(l, guide.export_saved)(file)}</span> }.into_any(),
                    Some(Saved::NotSaved { file, reason }) => {
                        let said = with_values(|v| word!(l, guide.export_not_saved)(file, &v(&reason)));
                        view! { <span class="error" role="alert">" "{line(said, |t| t)}</span> }.into_any()
                    }
                    None => nothing(),
                }
            })}
        </p>
    }
}
