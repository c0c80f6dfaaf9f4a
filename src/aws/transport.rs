//! The one place a request leaves the page: the browser's fetch, or, once
//! the learner chose to rehearse in the sandbox, its worker
//! (`super::sandbox`), with `call` and everything above it unchanged.

use gloo_net::http::{Method, RequestBuilder};
use lab_model::sandbox::SandboxRequest;
use labmate_core::signing::SignedRequest;

use super::sandbox;

/// What came back, as much of it as labmate reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// AWS's `x-amzn-RequestId`, when the browser may read it.
    pub request_id: Option<String>,
    /// The `Date` header, when the service exposes it (the JSON services
    /// do): AWS's clock, for learning the skew.
    pub date: Option<String>,
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
    if sandbox::running() {
        return in_sandbox(SandboxRequest {
            method: signed.method.clone(),
            url: url.to_owned(),
            headers: signed.headers.clone(),
            body: signed.body.clone(),
        })
        .await;
    }
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
        date: response.headers().get("date"),
        body: response.text().await.unwrap_or_default(),
    })
}

/// An unsigned request (the simulator's control endpoints): its status
/// and body.
pub async fn unsigned(method: &str, url: &str, body: &str) -> Result<(u16, String), NoAnswer> {
    if sandbox::running() {
        let request = SandboxRequest {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: if body.is_empty() {
                Vec::new()
            } else {
                vec![("content-type".to_owned(), "application/json".to_owned())]
            },
            body: body.to_owned(),
        };
        let response = in_sandbox(request).await?;
        return Ok((response.status, response.body));
    }
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| NoAnswer)?;
    let builder = RequestBuilder::new(url).method(method);
    let request = if body.is_empty() {
        builder.build()
    } else {
        builder
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let response = request
        .map_err(|_| NoAnswer)?
        .send()
        .await
        .map_err(|_| NoAnswer)?;
    Ok((response.status(), response.text().await.unwrap_or_default()))
}

/// The sandbox's answer, read as a fetch's; a dropped request (an
/// injected fault) is no answer, as a cut connection is.
async fn in_sandbox(request: SandboxRequest) -> Result<Response, NoAnswer> {
    let answer = sandbox::send(&request).await.map_err(|_| NoAnswer)?;
    if answer.dropped {
        return Err(NoAnswer);
    }
    Ok(Response {
        status: answer.status,
        request_id: answer.header("x-amzn-requestid").map(str::to_owned),
        date: answer.header("date").map(str::to_owned),
        body: answer.body,
    })
}
