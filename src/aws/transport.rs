//! The one place a signed request leaves the page: the browser's fetch
//! today; the in-page simulator can answer here later, with `call` and
//! everything above it unchanged.

use gloo_net::http::{Method, RequestBuilder};
use labmate_core::signing::SignedRequest;

/// What came back, as much of it as labmate reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// AWS's `x-amzn-RequestId`, when the browser may read it.
    pub request_id: Option<String>,
    pub body: String,
}

/// No answer at all: network down, CORS refused, nothing listening. The
/// browser does not tell the page which, so neither can this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no answer")]
pub struct NoAnswer;

/// Sends `signed` to `url` (its own URL, or a same-origin route standing in
/// for it) and reads the answer.
pub async fn send(signed: &SignedRequest, url: &str) -> Result<Response, NoAnswer> {
    let method = Method::from_bytes(signed.method.as_bytes()).map_err(|_| NoAnswer)?;
    let mut builder = RequestBuilder::new(url).method(method);
    for (name, value) in &signed.headers {
        builder = builder.header(name, value);
    }
    let request = if signed.body.is_empty() {
        builder.build()
    } else {
        builder.body(signed.body.clone())
    };
    let response = request
        .map_err(|_| NoAnswer)?
        .send()
        .await
        .map_err(|_| NoAnswer)?;
    Ok(Response {
        status: response.status(),
        request_id: response.headers().get("x-amzn-requestid"),
        body: response.text().await.unwrap_or_default(),
    })
}
