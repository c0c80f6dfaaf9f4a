//! Split build (docs/splitting.md): the request bridge between labmate's
//! two wasm modules. The board module (pollers, flow actions) does not sign
//! or send: it hands each request to the first module, which signs it with
//! the credentials it alone holds, sends it, records it for the inspector
//! and learns the clock from it, then hands the answer back.
//!
//! A request crosses as JSON: the service, the operation, who asked, and
//! the request relative to the service's base URL (the first module knows
//! the endpoints). The answer crosses as JSON too; the board reads AWS's
//! refusal from it again (`AwsError` is not serde).

use serde::{Deserialize, Serialize};

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
    Unreachable { message: String },
    /// Nothing was sent: no credentials, expired ones, a bad endpoint.
    NotSent { message: String, expired: bool },
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
                    message: e.to_string(),
                },
                Err(e) => BridgedReply::NotSent {
                    expired: e == CallError::CredentialsExpired,
                    message: e.to_string(),
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
pub async fn send(request: &BridgedRequest) -> Result<BridgedReply, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::JsValue;

    let window = web_sys::window().ok_or("no window")?;
    let bridge = js_sys::Reflect::get(&window, &JsValue::from_str(BRIDGE))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("the page's first module has not installed the request bridge")?;
    let json = serde_json::to_string(request).map_err(|e| e.to_string())?;
    let promise: js_sys::Promise = bridge
        .call1(&JsValue::NULL, &JsValue::from_str(&json))
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "the bridge did not return a promise")?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let text = answer.as_string().ok_or("the bridge answered no text")?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
