//! Title, projector mode (its switch, and the `p` key anywhere but in a
//! text field) and the clock correction note.

use labmate_core::countdown::duration_text_in;
use labmate_core::word;
use leptos::prelude::*;

use crate::browser;
use crate::lang::{t, use_lang, LangSwitch};
use crate::state::{use_state, AppState};
use crate::ui::reactive::{flag, nothing, on_change, part};

/// Projector mode on or off; on, secrets are hidden again.
fn set_projector(state: AppState, on: bool) {
    state.projector.set(on);
    if on {
        state.reveal_secrets.set(false);
    }
}

#[component]
pub fn HeaderBar() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    // One key for the instructor at the front of the room.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "p" && !browser::is_typing(&ev) {
            ev.prevent_default();
            set_projector(state, !state.projector.get_untracked());
        }
    });
    on_cleanup(move || keys.remove());
    let clock_note = part(move || {
        let c = state.clock.get();
        if !c.is_notable() {
            return nothing();
        }
        let l = lang.get();
        let duration = duration_text_in(c.offset_ms / 1000, l);
        let note = if c.offset_ms > 0 {
            word!(l, page.clock_behind)(&duration)
        } else {
            word!(l, page.clock_ahead)(&duration)
        };
        view! {
            <span class="clock-note" data-testid="clock-note">{note}</span>
        }
        .into_any()
    });
    view! {
        <header class="header-bar">
            <h1>"labmate"</h1>
            <span class="tagline">{t(|l| word!(l, page.tagline))}</span>
            {clock_note}
            <label class="toggle">
                <input
                    type="checkbox"
                    data-testid="projector-toggle"
                    prop:checked=flag(move || state.projector.get())
                    on:change=on_change(move |ev| set_projector(state, event_target_checked(&ev)))
                    aria-keyshortcuts="p"
                />
                " "{t(|l| word!(l, page.projector_mode))}" "<kbd>"p"</kbd>
            </label>
            <LangSwitch/>
        </header>
    }
}
