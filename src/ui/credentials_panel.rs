//! The one paste box: any credential format, recognised without asking.

use labmate_core::credentials::CredentialsError;
use labmate_core::word;
use leptos::prelude::*;

use crate::lang::{t, use_lang};
use crate::session;
use crate::state::use_state;
use crate::ui::identity_card::IdentityCard;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

#[component]
pub fn CredentialsPanel() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let pasted = RwSignal::new(String::new());
    let error = RwSignal::new(None::<CredentialsError>);

    let submit = move || match session::accept_pasted(state, &pasted.get_untracked()) {
        Ok(()) => {
            error.set(None);
            // The box is cleared so the secret does not stay in the page.
            pasted.set(String::new());
        }
        // The text stays, so the learner can fix it.
        Err(e) => error.set(Some(e)),
    };

    let on_remember = move |ev| session::set_remember_in_tab(state, event_target_checked(&ev));

    view! {
        <div class="panel" data-testid="credentials-panel">
            <h2>{t(|l| word!(l, setup.credentials_title))}</h2>
            <p class="hint">
                {t(|l| word!(l, setup.credentials_hint)[0])}
                <code>"aws configure export-credentials"</code>{t(|l| word!(l, setup.credentials_hint)[1])}<code>"aws sts assume-role"</code>{t(|l| word!(l, setup.credentials_hint)[2])}
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
                    {text(move || {
                        let l = lang.get();
                        if state.credentials.get().is_some() { word!(l, setup.credentials_replace) } else { word!(l, setup.credentials_use) }.to_owned()
                    })}
                </button>
                <label class="toggle" title=t(|l| word!(l, setup.remember_title))>
                    <input type="checkbox" data-testid="remember-toggle"
                        prop:checked=flag(move || state.remember_in_tab.get())
                        on:change=on_change(on_remember)/>
                    " "{t(|l| word!(l, setup.remember_in_tab))}
                </label>
            </div>
            {part(move || match error.get() {
                Some(e) => view! { <p class="error" data-testid="paste-error" role="alert">{e.words(lang.get())}</p> }.into_any(),
                None => nothing(),
            })}
            <IdentityCard/>
        </div>
    }
}
