//! One stream reader per browser, not per tab: a shard allows two readers
//! and the lab's Lambda is one, so the tabs of a browser elect one of them
//! (a Web Lock held for the tab's life) to run the pollers; every tab
//! publishes what it observes on a BroadcastChannel, so all boards follow
//! the same changes.

use std::cell::RefCell;

use labmate_core::flow::Observation;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::apply;
use crate::state::AppState;

const CHANNEL: &str = "labmate.board";
const READER_LOCK: &str = "labmate.stream-reader";

// web-sys gates the Web Locks API behind a build-wide cfg flag
// (`web_sys_unstable_apis`); the one call needed is bound here instead.
#[wasm_bindgen]
extern "C" {
    type LockManager;
    #[wasm_bindgen(method)]
    fn request(
        this: &LockManager,
        name: &str,
        callback: &Closure<dyn FnMut(JsValue) -> js_sys::Promise>,
    ) -> js_sys::Promise;
}

thread_local! {
    static CHANNEL_HANDLE: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
    /// Observations heard and not yet on the board.
    static HEARD: RefCell<Vec<Observation>> = const { RefCell::new(Vec::new()) };
}

/// How long heard observations gather before they go on the board in one
/// update: a burst's answers arrive one message each, and one update per
/// message re-checked and re-rendered the whole board a thousand times.
const GATHER_MS: u64 = 16;

/// Listens to the other tabs' observations.
pub fn listen(state: AppState) {
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            if let Ok(observations) = serde_json::from_str::<Vec<Observation>>(&text) {
                let first = HEARD.with_borrow_mut(|heard| {
                    let first = heard.is_empty();
                    heard.extend(observations);
                    first
                });
                if first {
                    leptos::prelude::set_timeout(
                        move || apply(&state, HEARD.with_borrow_mut(std::mem::take)),
                        std::time::Duration::from_millis(GATHER_MS),
                    );
                }
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The channel and its handler live as long as the page.
    on_message.forget();
    CHANNEL_HANDLE.with(|c| *c.borrow_mut() = Some(channel));
}

/// Opens the channel to publish on, without listening (the split build's
/// first module: the board that listens is in the second one).
#[cfg(feature = "split")]
pub fn open() {
    if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
        CHANNEL_HANDLE.with(|c| *c.borrow_mut() = Some(channel));
    }
}

/// Tells the other tabs what this one observed.
pub fn publish(observations: &[Observation]) {
    CHANNEL_HANDLE.with(|c| {
        if let Some(channel) = c.borrow().as_ref() {
            if let Ok(text) = serde_json::to_string(observations) {
                let _ = channel.post_message(&JsValue::from_str(&text));
            }
        }
    });
}

/// Runs `elected` once this tab holds the reader's lock: at once if no
/// other tab of this browser holds it, else when that tab closes. Without
/// Web Locks (an old browser) every tab reads.
pub fn when_elected(elected: impl FnOnce() + 'static) {
    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined());
    let Some(locks) = locks else {
        elected();
        return;
    };
    let mut elected = Some(elected);
    let callback = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock| {
        if let Some(elected) = elected.take() {
            elected();
        }
        // Never settles: the lock is held until the tab goes away.
        js_sys::Promise::new(&mut |_, _| {})
    });
    let _ = locks
        .unchecked_into::<LockManager>()
        .request(READER_LOCK, &callback);
    callback.forget();
}
