//! The persistent "simulated" banner while the in-page sandbox answers
//! every request, with the way out; after a reload that found the
//! sandbox's kept state, it says so.

use labmate_core::word;
use leptos::prelude::*;

use crate::lang::t;
use crate::session;
use crate::state::use_state;
use crate::ui::reactive::{nothing, on_click, part};

#[component]
pub fn SandboxBanner() -> impl IntoView {
    let state = use_state();
    part(move || {
        if !session::in_sandbox(&state) {
            return nothing();
        }
        view! {
            <div class="sandbox-banner" data-testid="sandbox-banner" role="status">
                <strong>{t(|l| word!(l, setup.sandbox_banner))}</strong>
                {part(move || if state.sandbox_restored.get() {
                    view! { <span data-testid="sandbox-restored">{t(|l| word!(l, setup.sandbox_restored))}</span> }.into_any()
                } else {
                    nothing()
                })}
                <button data-testid="sandbox-leave" on:click=on_click(move |_| session::leave_sandbox(state))>
                    {t(|l| word!(l, setup.sandbox_leave))}
                </button>
            </div>
        }
        .into_any()
    })
}
