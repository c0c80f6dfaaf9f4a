//! Projector mode's rule for what the page shows: account ids and access
//! key ids masked in any text that may carry them (ARNs, AWS's refusals,
//! request and answer bodies). Secret keys and tokens are never shown in
//! any mode. Read inside a reactive closure, so the text follows the mode.

use labmate_core::projector::mask_ids;
use leptos::prelude::*;

use crate::state::AppState;

/// `text` as the page may show it now.
pub fn masked(state: &AppState, text: String) -> String {
    if state.projector.get() {
        mask_ids(&text)
    } else {
        text
    }
}
