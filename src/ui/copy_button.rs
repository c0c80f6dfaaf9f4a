//! A button that copies a text (a name, a policy, a body) and says whether
//! it worked. `browser::copy_to_clipboard` falls back to the copy command
//! where the page has no Clipboard API (plain HTTP); where that fails too,
//! [`CopyByHand`] shows the text selected for the learner to copy.

use labmate_core::guide::with_values;
use labmate_core::word;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{self, NotCopied};
use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::guide_words::line;
use crate::ui::projector::masked;
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
    // when shown, so the note follows the language; a refusal keeps the
    // text, shown to copy by hand.
    let note = RwSignal::new(None::<Result<(), (NotCopied, String)>>);
    let copy = on_click(move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            let outcome = browser::copy_to_clipboard(&text).await;
            note.set(Some(outcome.map_err(|e| (e, text))));
        });
    });
    view! {
        <span class="copy">
            <button type="button" data-testid=testid on:click=copy>{label}</button>
            {part(move || {
                let l = lang.get();
                match note.get() {
                    Some(Ok(())) => view! { <span class="copy-note" role="status">" "{word!(l, guide.copy_done)}</span> }.into_any(),
                    Some(Err((e, text))) => view! {
                        <span class="copy-note" role="status">" "{line(with_values(|v| word!(l, guide.copy_failed)(&v(&e.words(l)))), |t| t)}</span>
                        <CopyByHand text/>
                    }
                    .into_any(),
                    None => nothing(),
                }
            })}
        </span>
    }
}

/// The text the browser would not copy, selected in a read-only box with
/// a line saying to copy it with the keyboard. Projector mode masks it as
/// it masks the rest of the page.
#[component]
pub fn CopyByHand(text: String) -> impl IntoView {
    let state = use_state();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let rows = text.lines().count().clamp(1, 8);
    // The value set here, then selected: selecting before the value is in
    // leaves the caret at its end. Again when projector mode changes.
    Effect::new(move |_| {
        let shown = masked(&state, text.clone());
        if let Some(el) = area.get() {
            el.set_value(&shown);
            let _ = el.focus();
            el.select();
        }
    });
    view! {
        <span class="copy-by-hand" data-testid="copy-by-hand">
            <span class="copy-note">{t(|l| word!(l, page.copy_by_hand))}</span>
            <textarea class="mono" readonly rows=rows node_ref=area
                aria-label=t(|l| word!(l, page.copy_by_hand_label))></textarea>
        </span>
    }
}
