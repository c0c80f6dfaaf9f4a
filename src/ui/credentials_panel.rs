//! The one paste box: any credential format, recognised without asking.

use leptos::prelude::*;

use crate::session;
use crate::state::use_state;
use crate::ui::identity_card::IdentityCard;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

#[component]
pub fn CredentialsPanel() -> impl IntoView {
    let state = use_state();
    let pasted = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let submit = move || match session::accept_pasted(state, &pasted.get_untracked()) {
        Ok(()) => {
            error.set(None);
            // The box is cleared so the secret does not stay in the page.
            pasted.set(String::new());
        }
        // The text stays, so the learner can fix it.
        Err(e) => error.set(Some(e.to_string())),
    };

    let on_remember = move |ev| session::set_remember_in_tab(state, event_target_checked(&ev));

    view! {
        <div class="panel" data-testid="credentials-panel">
            <h2>"1. Credentials"</h2>
            <p class="hint">
                "Paste temporary credentials in any form: export lines (bash, zsh, fish, PowerShell, cmd), a ~/.aws/credentials profile, or the JSON of "
                <code>"aws configure export-credentials"</code>" or "<code>"aws sts assume-role"</code>". They stay in this tab's memory and are never sent anywhere but AWS."
            </p>
            <textarea
                class="paste-box"
                data-testid="paste-box"
                rows="6"
                spellcheck="false"
                autocomplete="off"
                placeholder="export AWS_ACCESS_KEY_ID=ASIA…"
                prop:value=text(move || pasted.get())
                on:input=on_change(move |ev| pasted.set(event_target_value(&ev)))
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <div class="row">
                <button data-testid="paste-submit" on:click=on_click(move |_| submit())>
                    {text(move || if state.credentials.get().is_some() { "Replace credentials" } else { "Use these credentials" }.to_owned())}
                </button>
                <label class="toggle" title="Kept in sessionStorage: gone when this tab closes. Never in localStorage.">
                    <input type="checkbox" data-testid="remember-toggle"
                        prop:checked=flag(move || state.remember_in_tab.get())
                        on:change=on_change(on_remember)/>
                    " Remember in this tab"
                </label>
            </div>
            {part(move || match error.get() {
                Some(e) => view! { <p class="error" data-testid="paste-error" role="alert">{e}</p> }.into_any(),
                None => nothing(),
            })}
            <IdentityCard/>
        </div>
    }
}
