//! The one paste box: any credential format, recognised without asking.

use labmate_core::credentials::{parse_credentials, ParsedCredentials};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::sts::refresh_identity;
use crate::browser;
use crate::state::{use_state, AppState, IdentityState};
use crate::ui::identity_card::IdentityCard;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

const REMEMBER_KEY: &str = "labmate.credentials";

/// Puts freshly parsed credentials in place; everything else stays.
pub fn accept(state: AppState, parsed: ParsedCredentials) {
    if let Some(region) = &parsed.region {
        if state.config.with_untracked(|c| &c.region != region) {
            state.config.update(|c| c.region = region.clone());
        }
    }
    if state.remember_in_tab.get_untracked() {
        browser::session_set(REMEMBER_KEY, &parsed.credentials.to_env_lines());
    }
    state.credentials.set(Some(parsed));
    state.identity.set(IdentityState::Unknown);
    spawn_local(refresh_identity(state));
}

/// Brings back credentials kept in this tab's sessionStorage, if the
/// learner opted in earlier in this tab.
pub fn restore_remembered(state: AppState) {
    let Some(saved) = browser::session_get(REMEMBER_KEY) else {
        return;
    };
    state.remember_in_tab.set(true);
    match parse_credentials(&saved, browser::now_ms() / 1000) {
        Ok(parsed) => accept(state, parsed),
        Err(e) => {
            browser::session_remove(REMEMBER_KEY);
            state.notice.set(Some(format!(
                "The credentials remembered in this tab are no longer usable: {e}"
            )));
        }
    }
}

#[component]
pub fn CredentialsPanel() -> impl IntoView {
    let state = use_state();
    let pasted = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let submit = move || {
        let current = pasted.get_untracked();
        match parse_credentials(
            &current,
            state.clock.get_untracked().now_ms(browser::now_ms()) / 1000,
        ) {
            Ok(parsed) => {
                error.set(None);
                // The box is cleared so the secret does not stay in the page.
                pasted.set(String::new());
                accept(state, parsed);
            }
            // The text stays, so the learner can fix it.
            Err(e) => error.set(Some(e.to_string())),
        }
    };

    let on_remember = move |ev| {
        let on = event_target_checked(&ev);
        state.remember_in_tab.set(on);
        if on {
            if let Some(p) = state.credentials.get_untracked() {
                browser::session_set(REMEMBER_KEY, &p.credentials.to_env_lines());
            }
        } else {
            browser::session_remove(REMEMBER_KEY);
        }
    };

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
