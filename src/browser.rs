//! Thin browser I/O: clock, storage, location, clipboard. Nothing here
//! decides anything.

use wasm_bindgen::JsValue;

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// sessionStorage only: it dies with the tab. labmate never uses
/// localStorage for anything secret.
pub fn session_get(key: &str) -> Option<String> {
    window()?.session_storage().ok()??.get_item(key).ok()?
}

pub fn session_set(key: &str, value: &str) -> bool {
    window()
        .and_then(|w| w.session_storage().ok().flatten())
        .is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn session_remove(key: &str) {
    if let Some(s) = window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
}

/// localStorage, for the lab configuration (which holds no secret).
pub fn local_get(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

pub fn local_set(key: &str, value: &str) {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
}

/// The part of the address after `#`.
pub fn location_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The page's address without its fragment.
pub fn location_base() -> String {
    window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// Clears the fragment without reloading, so a shared link's parameters
/// do not linger in the address bar after they are read.
pub fn clear_location_hash() {
    if let Some(w) = window() {
        if let Ok(history) = w.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&location_base()));
        }
    }
}

pub async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let w = window().ok_or("no window")?;
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the browser refused clipboard access".into())
        })
}
