//! Thin browser I/O: clock, storage, location, clipboard, random ids.
//! Nothing here decides anything. Everything here also works in a page
//! that is not a secure context (plain HTTP, an S3 website endpoint).

use labmate_core::word;
use labmate_core::words::Lang;
use wasm_bindgen::{JsCast, JsValue};

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

/// Whether it was kept (the storage may be full or disabled).
pub fn local_set(key: &str, value: &str) -> bool {
    window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn local_remove(key: &str) {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
}

/// The keys that start with `prefix`.
pub fn local_keys(prefix: &str) -> Vec<String> {
    let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) else {
        return Vec::new();
    };
    (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect()
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

/// Loads the page again (leaving the sandbox ends its worker this way).
pub fn reload() {
    if let Some(w) = window() {
        let _ = w.location().reload();
    }
}

/// The page's own Content-Security-Policy (index.html's `<meta>`), if any.
pub fn page_policy() -> Option<String> {
    window()?
        .document()?
        .query_selector("meta[http-equiv='Content-Security-Policy']")
        .ok()??
        .get_attribute("content")
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

/// Why nothing was copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotCopied {
    /// The Clipboard API refused (no permission, the page not focused), in
    /// the browser's words, and the copy command did nothing either.
    Refused(String),
    /// No Clipboard API (the page is not served over HTTPS) and the copy
    /// command did nothing.
    NoClipboard,
}

impl NotCopied {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            NotCopied::Refused(reason) => reason.clone(),
            NotCopied::NoClipboard => word!(lang, page.copy_no_clipboard).to_owned(),
        }
    }
}

/// Copies `text`: with the Clipboard API where the page has it (HTTPS),
/// else (or if it refuses) with the copy command on a hidden text area,
/// the one way a page served over plain HTTP can. Called from a click, so
/// the browser sees the learner's gesture.
pub async fn copy_to_clipboard(text: &str) -> Result<(), NotCopied> {
    let Some(w) = window() else {
        return Err(NotCopied::NoClipboard);
    };
    // `navigator.clipboard` is undefined outside a secure context.
    let clipboard = js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined());
    let refused = match clipboard {
        Some(c) => {
            let promise = c.unchecked_into::<web_sys::Clipboard>().write_text(text);
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(_) => return Ok(()),
                Err(e) => Some(e.as_string().unwrap_or_else(|| {
                    js_sys::Reflect::get(&e, &JsValue::from_str("message"))
                        .ok()
                        .and_then(|m| m.as_string())
                        .unwrap_or_else(|| format!("{e:?}"))
                })),
            }
        }
        None => None,
    };
    if copy_command(&w, text) {
        return Ok(());
    }
    Err(refused.map_or(NotCopied::NoClipboard, NotCopied::Refused))
}

/// `document.execCommand('copy')` on a text area off screen (hidden from
/// screen readers), then the focus back where it was. Deprecated, and the
/// only copy a page outside a secure context has.
fn copy_command(w: &web_sys::Window, text: &str) -> bool {
    let Some(document) = w.document() else {
        return false;
    };
    let (Some(body), Ok(area)) = (document.body(), document.create_element("textarea")) else {
        return false;
    };
    let focused = document.active_element();
    let area: web_sys::HtmlTextAreaElement = area.unchecked_into();
    area.set_value(text);
    area.set_read_only(true);
    area.set_class_name("offscreen-copy");
    let _ = area.set_attribute("aria-hidden", "true");
    area.set_tab_index(-1);
    if body.append_child(&area).is_err() {
        return false;
    }
    area.select();
    let copied = document
        .unchecked_ref::<web_sys::HtmlDocument>()
        .exec_command("copy")
        .unwrap_or(false);
    area.remove();
    if let Some(el) = focused.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
    copied
}

/// Whether the page is a secure context (HTTPS, or 127.0.0.1 and
/// localhost): outside one the Clipboard API, Web Locks and
/// `crypto.randomUUID` are missing.
pub fn is_secure_context() -> bool {
    window().is_some_and(|w| w.is_secure_context())
}

/// A random version 4 UUID from `crypto.getRandomValues`, which every
/// context has (`crypto.randomUUID` needs HTTPS).
pub fn random_uuid() -> Option<String> {
    let mut bytes = [0u8; 16];
    window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(labmate_core::random_id::uuid_v4(bytes))
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    download_as(name, "application/json", text)
}

/// [`download`] with the file's media type (`text/markdown`).
pub fn download_as(name: &str, media_type: &str, text: &str) -> Result<(), String> {
    let fail = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// A picked file's text.
pub async fn file_text(file: &web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map(|v| v.as_string().unwrap_or_default())
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the browser refused to read it".into())
        })
}

/// Resolves after `ms` milliseconds (setTimeout as a future).
pub async fn sleep_ms(ms: i64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.clamp(0, i64::from(i32::MAX)) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Whether a key press is typing (in a text field or with a modifier held),
/// not a page shortcut.
pub fn is_typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    if ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
        return true;
    }
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.is_content_editable()
        })
}
