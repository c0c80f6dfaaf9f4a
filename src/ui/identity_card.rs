//! Who you are, and how long the credentials last.

use labmate_core::countdown::{countdown_text_in, expiry_status, ExpiryStatus};
use labmate_core::credentials::mask;
use labmate_core::projector::mask_ids;
use labmate_core::word;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::sts::refresh_identity;
use crate::lang::{t, use_lang};
use crate::session;
use crate::state::{use_state, IdentityState};
use crate::ui::projector::masked;
use crate::ui::reactive::{nothing, on_click, part};

#[component]
pub fn IdentityCard() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let seconds_left = move || {
        let now = state.clock.get().now_ms(state.now_ms.get()) / 1000;
        state
            .credentials
            .with(|c| c.as_ref().and_then(|p| p.credentials.seconds_left(now)))
    };
    let countdown = move || {
        let Some(s) = seconds_left() else {
            return nothing();
        };
        let status = expiry_status(s);
        let class = match status {
            ExpiryStatus::Fresh => "countdown",
            ExpiryStatus::Soon => "countdown soon",
            ExpiryStatus::Expired => "countdown expired",
        };
        view! {
            <p class=class data-testid="countdown">{countdown_text_in(s, lang.get())}</p>
            {(status == ExpiryStatus::Soon).then(|| view! {
                <p class="warning" data-testid="expiry-warning" role="alert">
                    {t(|l| word!(l, setup.expiry_warning))}
                </p>
            })}
            {(status == ExpiryStatus::Expired).then(|| view! {
                <p class="error" data-testid="expired-notice" role="alert">
                    {t(|l| word!(l, setup.expired_notice))}
                </p>
            })}
        }
        .into_any()
    };
    let identity = move || {
        match state.identity.get() {
        IdentityState::Unknown => view! { <p class="muted" data-testid="identity-status">{t(|l| word!(l, setup.identity_unchecked))}</p> }.into_any(),
        IdentityState::Checking => view! { <p class="muted" data-testid="identity-status">{t(|l| word!(l, setup.identity_checking))}</p> }.into_any(),
        IdentityState::Known(id) => {
            let (name, session) = id.principal();
            view! {
                <dl class="identity" data-testid="identity-known">
                    <dt>{t(|l| word!(l, setup.label_account))}</dt><dd data-testid="identity-account">{masked(&state, id.account.clone())}</dd>
                    <dt>{t(|l| word!(l, setup.label_principal))}</dt><dd data-testid="identity-principal">{name}{session.map(|s| word!(lang.get(), setup.principal_session)(&s))}</dd>
                    <dt>"ARN"</dt><dd data-testid="identity-arn" class="mono">{masked(&state, id.arn.clone())}</dd>
                </dl>
            }.into_any()
        }
        IdentityState::Failed(why) => view! {
            <div class="identity-failed">
                <p class="error" data-testid="identity-error">{why.words(lang.get())}</p>
                <button data-testid="identity-retry" on:click=on_click(move |_| spawn_local(refresh_identity(state)))>{t(|l| word!(l, setup.ask_sts_again))}</button>
            </div>
        }.into_any(),
    }
    };
    part(move || {
        state.credentials.get().map_or_else(nothing, |p| {
            let l = lang.get();
            let warnings: Vec<String> = p.warnings.iter().map(|w| w.words(l)).collect();
            view! {
                <div class="identity-card" data-testid="identity">
                    {session::in_sandbox(&state).then(|| view! {
                        <p class="sandbox-mark" data-testid="identity-simulated">{word!(l, setup.sandbox_identity)}</p>
                    })}
                    <p class="format">{word!(l, setup.recognised)}<strong data-testid="credential-format">{p.format.words(l)}</strong></p>
                    <dl class="identity">
                        <dt>{word!(l, setup.label_access_key)}</dt><dd data-testid="access-key" class="mono">{
                            // Projector mode keeps only the kind (ASIA: temporary).
                            if state.projector.get() { mask_ids(&p.credentials.access_key_id) } else { mask(&p.credentials.access_key_id) }
                        }</dd>
                        <dt>{word!(l, setup.label_session_token)}</dt><dd data-testid="session-token">{if p.credentials.session_token.is_some() { word!(l, setup.token_present) } else { word!(l, setup.token_none) }}</dd>
                        {p.region.clone().map(|r| view! { <dt>{word!(l, setup.label_region)}</dt><dd data-testid="credential-region">{r}</dd> })}
                    </dl>
                    {part(countdown)}
                    <ul class="warnings">
                        {warnings.into_iter().map(|w| view! { <li class="warning" data-testid="credential-warning">{w}</li> }).collect_view()}
                    </ul>
                    {part(identity)}
                </div>
            }
            .into_any()
        })
    })
}
