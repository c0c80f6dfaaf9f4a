//! Title, projector mode and the clock correction note.

use labmate_core::countdown::duration_text;
use leptos::prelude::*;

use crate::state::use_state;
use crate::ui::reactive::{flag, nothing, on_change, part};

#[component]
pub fn HeaderBar() -> impl IntoView {
    let state = use_state();
    let clock_note = part(move || {
        let c = state.clock.get();
        if !c.is_notable() {
            return nothing();
        }
        let dir = if c.offset_ms > 0 {
            "behind"
        } else {
            "ahead of"
        };
        view! {
            <span class="clock-note" data-testid="clock-note">
                {format!("Your clock is {} {dir} AWS's; labmate signs with AWS's time.", duration_text(c.offset_ms / 1000))}
            </span>
        }
        .into_any()
    });
    view! {
        <header class="header-bar">
            <h1>"labmate"</h1>
            <span class="tagline">"DynamoDB → Streams → Lambda → OpenSearch, request by request"</span>
            {clock_note}
            <label class="toggle">
                <input
                    type="checkbox"
                    data-testid="projector-toggle"
                    prop:checked=flag(move || state.projector.get())
                    on:change=on_change(move |ev| {
                        let on = event_target_checked(&ev);
                        state.projector.set(on);
                        if on {
                            state.reveal_secrets.set(false);
                        }
                    })
                />
                " Projector mode"
            </label>
        </header>
    }
}
