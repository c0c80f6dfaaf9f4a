//! One stream reader per browser, not per tab: a shard allows two readers
//! and the lab's Lambda is one, so the tabs of a browser elect one of them
//! (a Web Lock held for the tab's life, or where the page has no Web Locks,
//! served over plain HTTP, a lease in localStorage) to run the pollers; every tab
//! publishes what it observes on a BroadcastChannel, so all boards follow
//! the same changes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use labmate_core::flow::Observation;
use labmate_core::reader_lease::ReaderLease;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::apply;
use crate::browser;
use crate::state::AppState;

const CHANNEL: &str = "labmate.board";
/// The Web Lock's name, and the localStorage key of the lease that stands
/// in for it where the page has no Web Locks.
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

/// Tells `reading` whether this tab is the browser's stream reader, each
/// time that changes. With Web Locks (a secure context) the tab is elected
/// once it holds the reader's lock, at once if no other tab of this
/// browser holds it, else when that tab closes, and reads until it closes.
/// Without them (a page served over plain HTTP) a lease in localStorage
/// elects it (`labmate_core::reader_lease`), and a tab whose renewals came
/// late steps down for the one that took over.
pub fn elect(reading: impl Fn(bool) + 'static) {
    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined());
    let Some(locks) = locks else {
        lease(reading);
        return;
    };
    let mut reading = Some(reading);
    let callback = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock| {
        if let Some(reading) = reading.take() {
            reading(true);
        }
        // Never settles: the lock is held until the tab goes away.
        js_sys::Promise::new(&mut |_, _| {})
    });
    let _ = locks
        .unchecked_into::<LockManager>()
        .request(READER_LOCK, &callback);
    callback.forget();
}

/// One tab's side of the localStorage lease, and its next tick.
struct LeaseTab {
    lease: RefCell<ReaderLease>,
    reading: Cell<bool>,
    /// The newest tick's number: a tick scheduled before it is dropped.
    generation: Cell<u64>,
    on_change: Box<dyn Fn(bool)>,
}

/// Elects through the lease: ticks when the lease says, and at once when
/// another tab changes the key (its `storage` event); releases the lease
/// when the page goes away, so another tab takes over at once.
fn lease(reading: impl Fn(bool) + 'static) {
    let (Some(w), Some(owner)) = (web_sys::window(), browser::random_uuid()) else {
        // No storage or no randomness to tell tabs apart: every tab reads.
        reading(true);
        return;
    };
    let tab = Rc::new(LeaseTab {
        lease: RefCell::new(ReaderLease::new(owner)),
        reading: Cell::new(false),
        generation: Cell::new(0),
        on_change: Box::new(reading),
    });
    let on_storage = {
        let tab = Rc::clone(&tab);
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
            // `key` is null when the storage was cleared.
            if e.key().is_none_or(|k| k == READER_LOCK) {
                tick(&tab);
            }
        })
    };
    let on_pagehide = {
        let tab = Rc::clone(&tab);
        Closure::<dyn FnMut()>::new(move || {
            let stored = browser::local_get(READER_LOCK);
            if tab.lease.borrow().release(stored.as_deref()) {
                browser::local_remove(READER_LOCK);
            }
        })
    };
    let _ = w.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    let _ = w.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    // Both live as long as the page.
    on_storage.forget();
    on_pagehide.forget();
    tick(&tab);
}

fn tick(tab: &Rc<LeaseTab>) {
    let now = browser::now_ms();
    let stored = browser::local_get(READER_LOCK);
    let step = tab.lease.borrow_mut().tick(stored.as_deref(), now);
    if let Some(text) = &step.write {
        browser::local_set(READER_LOCK, text);
    }
    if tab.reading.replace(step.reading) != step.reading {
        (tab.on_change)(step.reading);
    }
    let generation = tab.generation.get() + 1;
    tab.generation.set(generation);
    let again = Rc::clone(tab);
    leptos::prelude::set_timeout(
        move || {
            if again.generation.get() == generation {
                tick(&again);
            }
        },
        std::time::Duration::from_millis((step.next_ms - now).max(0) as u64),
    );
}
