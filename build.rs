//! Spike (docs/i18n.md), prototype A: leptos_i18n reads `locales/*.json`
//! and writes the `i18n` module (keys as functions, the `Locale` enum) that
//! `src/lang.rs` includes. A key missing from a language is only a cargo
//! warning here (the page falls back to English); `src/lang.rs`'s test
//! fails on it.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("i18n");
    let config = Config::new("en")
        .and_then(|c| c.add_locale("vi"))
        .expect("valid locale names")
        .parse_options(ParseOptions::new().interpolate_display(true));
    let infos = TranslationsInfos::parse(config).expect("locales/*.json parse");
    infos.rerun_if_locales_changed();
    infos.emit_diagnostics();
    infos
        .generate_i18n_module(out)
        .expect("i18n module written");
}
