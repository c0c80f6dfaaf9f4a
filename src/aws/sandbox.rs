//! The page's side of the in-page sandbox (crates/labsim-sandbox):
//! starts its worker when the learner chooses it (the build names the
//! worker's script in `<meta name="labmate-sandbox">`; nothing of it is
//! fetched before), and hands it each request the transport would have
//! fetched. Answers come back in the order the worker sends them, matched
//! by id.

use lab_model::sandbox::{SandboxAnswer, SandboxRequest};
use labmate_core::word;
use labmate_core::words::Lang;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::prelude::*;

/// Set once the worker answered that it is up (one worker per page).
static RUNNING: AtomicBool = AtomicBool::new(false);

// The worker and its waiting requests live in the snippet. A message
// saying the worker cannot keep its state (`kept: false`) goes to
// `onNotKept`, once.
#[wasm_bindgen(inline_js = "let worker = null, ready = null, next = 1;
const waiting = new Map();
export function startSandbox(onNotKept) {
  if (ready) return ready;
  const meta = document.querySelector('meta[name=\"labmate-sandbox\"]');
  if (!meta) return Promise.reject(new Error('absent'));
  ready = new Promise((resolve, reject) => {
    const w = new Worker(new URL(meta.content, document.baseURI), { type: 'module' });
    w.onmessage = (event) => {
      const m = event.data;
      if (m.kept === false && onNotKept) { onNotKept(m.why); onNotKept = null; }
      if (m.ready) { worker = w; resolve(m); return; }
      if (m.id === undefined) { if (m.failed !== undefined) reject(new Error(m.failed)); return; }
      const settle = waiting.get(m.id);
      waiting.delete(m.id);
      if (settle) settle(m);
    };
    w.onerror = (event) => { event.preventDefault(); reject(new Error(event.message || 'worker')); };
  });
  ready.catch(() => { ready = null; });
  return ready;
}
function ask(message) {
  return new Promise((settle) => {
    message.id = next++;
    waiting.set(message.id, settle);
    worker.postMessage(message);
  });
}
export function sandboxSend(request) { return ask({ request }); }
export async function sandboxForget() {
  if (!ready) return;
  try { await ready; } catch { return; }
  await ask({ forget: true });
}")]
extern "C" {
    #[wasm_bindgen(js_name = startSandbox)]
    fn start_worker(on_not_kept: JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = sandboxSend)]
    fn send_to_worker(request: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = sandboxForget)]
    fn forget_in_worker() -> js_sys::Promise;
}

/// Why the sandbox did not start, or could not answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum SandboxError {
    /// This build has no sandbox (no `<meta name="labmate-sandbox">`).
    NotBuilt,
    /// The worker did not start: the browser's reason.
    NotStarted(String),
    /// The worker could not read a request or its answer did not read.
    Failed(String),
}

impl SandboxError {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            SandboxError::NotBuilt => word!(lang, setup.sandbox_not_built).to_owned(),
            SandboxError::NotStarted(why) => word!(lang, setup.sandbox_not_started)(why),
            SandboxError::Failed(why) => word!(lang, setup.sandbox_failed)(why),
        }
    }
}

/// How the worker started: from the state it kept before the reload, or
/// fresh (with why the kept state was dropped, if there was one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub restored: bool,
    pub dropped: Option<String>,
}

/// Loads the sandbox's module in its worker and waits until it answers.
/// `not_kept` hears, once, why the worker cannot keep its state (no
/// IndexedDB, or a save refused). Starting it again is a no-op.
pub async fn start(not_kept: impl FnOnce(String) + 'static) -> Result<Started, SandboxError> {
    let not_kept = Closure::once_into_js(not_kept);
    let started = wasm_bindgen_futures::JsFuture::from(start_worker(not_kept)).await;
    started
        .map(|m| {
            RUNNING.store(true, Ordering::Relaxed);
            Started {
                restored: field(&m, "restored").as_bool() == Some(true),
                dropped: field(&m, "dropped").as_string(),
            }
        })
        .map_err(|e| {
            let why = js_sys::Error::from(e)
                .message()
                .as_string()
                .unwrap_or_default();
            if why == "absent" {
                SandboxError::NotBuilt
            } else {
                SandboxError::NotStarted(why)
            }
        })
}

/// Has the worker delete the state it keeps (the learner leaves the
/// sandbox), and waits until it is gone: the next sandbox starts fresh.
pub async fn forget() {
    // The promise only resolves.
    let _ = wasm_bindgen_futures::JsFuture::from(forget_in_worker()).await;
}

/// A message's field.
fn field(message: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(message, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether the worker is up: from then on the transport sends to it.
pub fn running() -> bool {
    RUNNING.load(Ordering::Relaxed)
}

/// Why a control call (`/_labsim/...`) to the sandbox did not take.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum ControlError {
    /// The simulator refused: its status and message.
    Refused {
        status: u16,
        message: String,
    },
    NoAnswer,
}

impl ControlError {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            ControlError::Refused { status, message } => {
                word!(lang, setup.sandbox_control_refused)(*status, message)
            }
            ControlError::NoAnswer => word!(lang, setup.sandbox_control_no_answer).to_owned(),
        }
    }
}

/// labsim's refusal of a control call (a typed read: `serde_json::Value`
/// would add its code to the first load).
#[derive(serde::Deserialize)]
struct Refusal {
    error: String,
}

/// labsim's control call `method /_labsim/{route}` with a JSON `body`,
/// sent to the sandbox through the transport.
pub async fn control(method: &str, route: &str, body: &str) -> Result<(), ControlError> {
    let url = format!("{}/_labsim/{route}", lab_model::sandbox::ADDRESS);
    match super::transport::unsigned(method, &url, body).await {
        Ok((200..=299, _)) => Ok(()),
        Ok((status, body)) => {
            let message = serde_json::from_str::<Refusal>(&body).map_or(body, |r| r.error);
            Err(ControlError::Refused { status, message })
        }
        Err(_) => Err(ControlError::NoAnswer),
    }
}

/// The worker's answer to `request`.
pub async fn send(request: &SandboxRequest) -> Result<SandboxAnswer, SandboxError> {
    // JSON text both ways: serde_json is in this module already.
    let text = serde_json::to_string(request).map_err(|e| SandboxError::Failed(e.to_string()))?;
    // The promise only resolves (with the worker's message).
    let message = wasm_bindgen_futures::JsFuture::from(send_to_worker(&text))
        .await
        .unwrap_or(JsValue::UNDEFINED);
    if let Some(failed) = field(&message, "failed").as_string() {
        return Err(SandboxError::Failed(failed));
    }
    let answer = field(&message, "answer")
        .as_string()
        .ok_or_else(|| SandboxError::Failed("no answer".into()))?;
    serde_json::from_str(&answer).map_err(|e| SandboxError::Failed(e.to_string()))
}
