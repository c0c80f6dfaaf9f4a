//! The page's language (docs/i18n.md). The words are
//! `labmate_core::words` (one catalogue per language); the choice lives in
//! a signal in context, is kept in localStorage and starts from the
//! browser's language; the board module is told it.

use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;

use crate::browser;
use crate::ui::reactive::{on_change, text, Text};

/// Where the choice is kept (never anything else in it).
const LANG_KEY: &str = "labmate.lang";

/// The saved choice, else the browser's language, else English.
fn initial() -> Lang {
    browser::local_get(LANG_KEY)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.navigator().language())
                .and_then(|c| Lang::from_code(&c))
        })
        .unwrap_or_default()
}

/// Starts the page's language; `<html lang>` follows it.
pub fn provide() -> RwSignal<Lang> {
    let lang = RwSignal::new(initial());
    provide_context(lang);
    Effect::new(move |_| {
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", lang.get().code());
        }
    });
    lang
}

pub fn use_lang() -> RwSignal<Lang> {
    expect_context()
}

/// A fixed text of the catalogue, following the language:
/// `t(|l| word!(l, page.tagline))`.
pub fn t(word: fn(Lang) -> &'static str) -> Text {
    let lang = use_lang();
    text(move || word(lang.get()).to_owned())
}

/// The switch in the header; the choice is remembered.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let options = Lang::ALL
        .into_iter()
        .map(|l| {
            view! { <option value=l.code() lang=l.code() selected=move || lang.get() == l>{word!(l, page.lang_name)}</option> }
        })
        .collect::<Vec<_>>();
    view! {
        <label class="lang-switch">
            {t(|l| word!(l, page.language))}" "
            <select data-testid="lang-switch" on:change=on_change(move |ev| {
                if let Some(l) = Lang::from_code(&event_target_value(&ev)) {
                    lang.set(l);
                    browser::local_set(LANG_KEY, l.code());
                }
            })>{options}</select>
        </label>
    }
}
