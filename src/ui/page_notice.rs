//! The page's notice (`crate::notice`), worded in the page's language.
//! Each module shows the notices of its own state: the first module the
//! session's, the board module the board's.

use leptos::prelude::*;

use crate::lang::use_lang;
use crate::state::use_state;
use crate::ui::projector::masked;
use crate::ui::reactive::{nothing, part};

#[component]
pub fn PageNotice() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    part(move || {
        match state.notice.get() {
        Some(n) => view! {
            <p class="notice" data-testid="page-notice" role="status">{masked(&state, n.words(lang.get()))}</p>
        }
        .into_any(),
        None => nothing(),
    }
    })
}
