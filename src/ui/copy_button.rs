//! A button that copies a text (a name, a policy, a body) and says whether
//! it worked: the browser may refuse the clipboard (no HTTPS, no focus).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::ui::reactive::{nothing, on_click, part};

#[component]
pub fn CopyButton(
    /// What is copied (read when clicked).
    #[prop(into)]
    text: Signal<String>,
    /// The button's words ("Copy policy").
    label: String,
    /// Its test id.
    #[prop(into)]
    testid: String,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let copy = on_click(move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            note.set(Some(match browser::copy_to_clipboard(&text).await {
                Ok(()) => "copied".to_owned(),
                Err(e) => format!("not copied: {e}"),
            }));
        });
    });
    view! {
        <span class="copy">
            <button type="button" data-testid=testid on:click=copy>{label}</button>
            {part(move || match note.get() {
                Some(n) => view! { <span class="copy-note" role="status">" "{n}</span> }.into_any(),
                None => nothing(),
            })}
        </span>
    }
}
