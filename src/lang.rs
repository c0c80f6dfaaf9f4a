//! Spike (docs/i18n.md), prototype A: the page's language with
//! leptos_i18n. The words are in `locales/<lang>.json`; the build script
//! turns them into the `i18n` module (a `Locale` enum, one function per
//! key). The choice is kept in localStorage; the board module is told it.

use leptos::prelude::*;
use leptos_i18n::context::init_i18n_subcontext;
use leptos_i18n::I18nContext;

use crate::browser;
use crate::ui::reactive::on_change;

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
pub use i18n::{use_i18n, Locale};

/// The page's language, as the board module keeps it.
pub type I18n = I18nContext<Locale>;

/// Where the choice is kept (never anything else in it).
const LANG_KEY: &str = "labmate.lang";

/// The languages the switch offers, with their own names.
const ALL: [Locale; 2] = [Locale::en, Locale::vi];

pub fn code(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::vi => "vi",
    }
}

pub fn parse(code: &str) -> Option<Locale> {
    ALL.into_iter().find(|l| self::code(*l) == code)
}

/// Starts the page's language: the saved choice, else what the browser
/// prefers (leptos_i18n reads navigator.languages); `<html lang>` follows,
/// and each change is saved.
pub fn provide() -> I18n {
    // leptos_i18n's main context would override a locale set here with the
    // browser's on its first effect; a subcontext's initial locale holds.
    let saved = browser::local_get(LANG_KEY).as_deref().and_then(parse);
    let i18n = init_i18n_subcontext::<Locale>(saved.map(Signal::stored));
    provide_context(i18n);
    Effect::new(move |_| {
        let locale = code(i18n.get_locale());
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", locale);
        }
    });
    i18n
}

/// The switch in the header; the choice is remembered.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let options = ALL
        .into_iter()
        .map(|l| {
            let name = i18n::td_string!(l, lang_name);
            view! { <option value=code(l) lang=code(l) selected=move || i18n.get_locale() == l>{name}</option> }
        })
        .collect::<Vec<_>>();
    view! {
        <label class="lang-switch">
            {i18n::t!(i18n, language)}" "
            <select data-testid="lang-switch" on:change=on_change(move |ev| {
                if let Some(l) = parse(&event_target_value(&ev)) {
                    i18n.set_locale(l);
                    browser::local_set(LANG_KEY, code(l));
                }
            })>{options}</select>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    fn keys(lang: &str) -> Vec<String> {
        let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("locale file");
        let map: Map<String, Value> = serde_json::from_str(&text).expect("locale JSON");
        map.keys().cloned().collect()
    }

    /// leptos_i18n only warns of a missing key (and shows English there).
    #[test]
    fn every_language_has_every_key() {
        let en = keys("en");
        for lang in ["vi"] {
            let other = keys(lang);
            let missing: Vec<_> = en.iter().filter(|k| !other.contains(k)).collect();
            let extra: Vec<_> = other.iter().filter(|k| !en.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}: missing {missing:?}, extra {extra:?}"
            );
        }
    }
}
