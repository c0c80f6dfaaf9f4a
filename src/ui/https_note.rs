//! The note a page served over plain HTTP (an S3 website endpoint) shows
//! once: what labmate does without the APIs such a page lacks, and what
//! HTTPS would add. Dismissed for good in this browser (localStorage keeps
//! that it was, nothing else).

use labmate_core::word;
use leptos::prelude::*;

use crate::browser;
use crate::lang::t;
use crate::ui::reactive::{nothing, on_click, part};

const DISMISSED_KEY: &str = "labmate.https-note-dismissed";

#[component]
pub fn HttpsNote() -> impl IntoView {
    let shown =
        RwSignal::new(!browser::is_secure_context() && browser::local_get(DISMISSED_KEY).is_none());
    let dismiss = move |_| {
        browser::local_set(DISMISSED_KEY, "1");
        shown.set(false);
    };
    part(move || {
        if !shown.get() {
            return nothing();
        }
        view! {
            <aside class="notice https-note" data-testid="https-note">
                <p>{t(|l| word!(l, page.https_note_missing))}</p>
                <p>{t(|l| word!(l, page.https_note_advice))}</p>
                <button type="button" data-testid="https-note-dismiss" on:click=on_click(dismiss)>
                    {t(|l| word!(l, page.https_note_dismiss))}
                </button>
            </aside>
        }
        .into_any()
    })
}
