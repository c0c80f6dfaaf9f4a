//! Split build (docs/splitting.md): the request bridge between labmate's
//! two wasm modules. The board module (pollers, flow actions) does not sign
//! or send: it hands each request to the first module, which signs it with
//! the credentials it alone holds, sends it, records it for the inspector
//! and learns the clock from it, then hands the answer back.
//!
//! A request crosses as JSON: the service, the operation, who asked, and
//! the request relative to the service's base URL (the first module knows
//! the endpoints). The answer crosses as JSON too; the board reads AWS's
//! refusal from it again (`AwsError` is not serde). The first module's
//! explanations cross worded in every language, so the board shows them in
//! the page's language and re-words them when it changes.

use labmate_core::word;
use labmate_core::words::Lang;
use serde::{Deserialize, Serialize};

/// One explanation in every language of the page, as `(code, text)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worded(Vec<(String, String)>);

impl Worded {
    /// Words `what` in every language.
    pub fn new(what: impl Fn(Lang) -> String) -> Self {
        Worded(
            Lang::ALL
                .into_iter()
                .map(|l| (l.code().to_owned(), what(l)))
                .collect(),
        )
    }

    /// The text in `lang`, else the first one there is.
    pub fn get(&self, lang: Lang) -> String {
        self.0
            .iter()
            .find(|(code, _)| code == lang.code())
            .or(self.0.first())
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    }
}

/// Why a request could not cross to the first module (never expected: the
/// first module installs the bridge before the board loads).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum BridgeError {
    NoWindow,
    NotInstalled,
    NoPromise,
    NoText,
    /// JavaScript's or serde's own text.
    Failed(String),
}

impl BridgeError {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            BridgeError::NoWindow => word!(lang, send.bridge_no_window).to_owned(),
            BridgeError::NotInstalled => word!(lang, send.bridge_not_installed).to_owned(),
            BridgeError::NoPromise => word!(lang, send.bridge_no_promise).to_owned(),
            BridgeError::NoText => word!(lang, send.bridge_no_text).to_owned(),
            BridgeError::Failed(detail) => word!(lang, send.bridge_failed)(detail),
        }
    }
}

/// The global function the first module installs for the board.
#[cfg(any(feature = "split", feature = "board"))]
const BRIDGE: &str = "__labmateExchange";

/// A request as it crosses: `suffix` follows the service's base URL.
#[derive(Debug, Serialize, Deserialize)]
pub struct BridgedRequest {
    pub service: String,
    pub operation: String,
    pub poller: bool,
    pub method: String,
    pub suffix: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The answer as it crosses back.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgedReply {
    Answered {
        status: u16,
        body: String,
        request_id: Option<String>,
        date: Option<String>,
        sent_ms: i64,
    },
    /// Nothing answered (network, CORS): the first module's explanation.
    Unreachable { words: Worded },
    /// Nothing was sent: no credentials, expired ones, a bad endpoint.
    NotSent { words: Worded, expired: bool },
}

/// First module: answers the board's requests.
#[cfg(feature = "split")]
pub fn serve(state: crate::state::AppState) {
    use labmate_core::signing::HttpRequest;
    use wasm_bindgen::prelude::*;

    use super::client::{exchange, Asker, CallError};

    let handler = Closure::<dyn FnMut(String) -> js_sys::Promise>::new(move |json: String| {
        wasm_bindgen_futures::future_to_promise(async move {
            let request: BridgedRequest =
                serde_json::from_str(&json).map_err(|e| JsValue::from_str(&e.to_string()))?;
            let service: labmate_core::Service = request
                .service
                .parse()
                .map_err(|_| JsValue::from_str("unknown service"))?;
            let asker = if request.poller {
                Asker::Poller
            } else {
                Asker::Learner
            };
            let build = |base: &str| {
                let mut r = HttpRequest::new(&request.method, &format!("{base}{}", request.suffix));
                for (n, v) in &request.headers {
                    r = r.header(n, v);
                }
                r.body(request.body.clone())
            };
            let reply = match exchange(state, service, &request.operation, asker, &build).await {
                Ok(r) => BridgedReply::Answered {
                    status: r.status,
                    body: r.body,
                    request_id: r.request_id,
                    date: r.date,
                    sent_ms: r.sent_ms,
                },
                Err(e @ CallError::Unreachable { .. }) => BridgedReply::Unreachable {
                    words: Worded::new(|l| e.words(l)),
                },
                Err(e) => BridgedReply::NotSent {
                    expired: e == CallError::CredentialsExpired,
                    words: Worded::new(|l| e.words(l)),
                },
            };
            Ok(JsValue::from_str(
                &serde_json::to_string(&reply).unwrap_or_default(),
            ))
        })
    });
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str(BRIDGE), handler.as_ref());
    }
    // Installed for the page's life.
    handler.forget();
}

/// Board module: sends a request through the first module.
#[cfg(feature = "board")]
pub async fn send(request: &BridgedRequest) -> Result<BridgedReply, BridgeError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::JsValue;

    let failed = |e: String| BridgeError::Failed(e);
    let window = web_sys::window().ok_or(BridgeError::NoWindow)?;
    let bridge = js_sys::Reflect::get(&window, &JsValue::from_str(BRIDGE))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or(BridgeError::NotInstalled)?;
    let json = serde_json::to_string(request).map_err(|e| failed(e.to_string()))?;
    let promise: js_sys::Promise = bridge
        .call1(&JsValue::NULL, &JsValue::from_str(&json))
        .map_err(|e| failed(format!("{e:?}")))?
        .dyn_into()
        .map_err(|_| BridgeError::NoPromise)?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| failed(format!("{e:?}")))?;
    let text = answer.as_string().ok_or(BridgeError::NoText)?;
    serde_json::from_str(&text).map_err(|e| failed(e.to_string()))
}
