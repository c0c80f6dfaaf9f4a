//! Opened with no credentials: the offer to rehearse in the in-page
//! sandbox (labsim's core in a Web Worker), and "starting" while its
//! module loads. Its module is fetched only when chosen here.

use labmate_core::word;
use leptos::prelude::*;

use crate::lang::t;
use crate::session;
use crate::state::use_state;
use crate::ui::reactive::{nothing, on_click, part};

#[component]
pub fn SandboxOffer() -> impl IntoView {
    let state = use_state();
    part(move || {
        if state.credentials.with(Option::is_some) {
            return nothing();
        }
        if session::in_sandbox(&state) {
            return view! {
                <p class="muted" data-testid="sandbox-starting" role="status">{t(|l| word!(l, setup.sandbox_starting))}</p>
            }
            .into_any();
        }
        view! {
            <div class="panel sandbox-offer" data-testid="sandbox-offer">
                <h2>{t(|l| word!(l, setup.sandbox_offer_title))}</h2>
                <p class="hint">{t(|l| word!(l, setup.sandbox_offer_text))}</p>
                <button data-testid="sandbox-start" on:click=on_click(move |_| session::rehearse_in_sandbox(state))>
                    {t(|l| word!(l, setup.sandbox_offer_button))}
                </button>
            </div>
        }
        .into_any()
    })
}
