//! A button that copies a text (a name, a policy, a body) and says whether
//! it worked: the browser may refuse the clipboard (no HTTPS, no focus).

use labmate_core::guide::with_values;
use labmate_core::word;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::lang::use_lang;
use crate::ui::guide_words::line;
use crate::ui::reactive::{nothing, on_click, part, Text};

#[component]
pub fn CopyButton(
    /// What is copied (read when clicked).
    #[prop(into)]
    text: Signal<String>,
    /// The button's words ("Copy policy"), following the page's language.
    label: Text,
    /// Its test id.
    #[prop(into)]
    testid: String,
) -> impl IntoView {
    let lang = use_lang();
    // Kept as the outcome (the browser's refusal as it gave it), worded
    // when shown, so the note follows the language.
    let note = RwSignal::new(None::<Result<(), String>>);
    let copy = on_click(move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            note.set(Some(browser::copy_to_clipboard(&text).await));
        });
    });
    view! {
        <span class="copy">
            <button type="button" data-testid=testid on:click=copy>{label}</button>
            {part(move || {
                let l = lang.get();
                let n = match note.get() {
                    Some(Ok(())) => vec![word!(l, guide.copy_done).into_any()],
                    Some(Err(e)) => line(with_values(|v| word!(l, guide.copy_failed)(&v(&e))), |t| t),
                    None => return nothing(),
                };
                view! { <span class="copy-note" role="status">" "{n}</span> }.into_any()
            })}
        </span>
    }
}
