//! Sign and send one request, record it for the inspector, explain failures.
//! Sending itself goes through `transport`, the one seam to the network.

use labmate_core::aws_error::{classify, AwsError};
use labmate_core::clock::ClockOffset;
use labmate_core::config::ConfigError;
use labmate_core::signing::{sign, HttpRequest, SignedRequest, SigningContext, SigningError};
use labmate_core::Service;
use leptos::prelude::*;

use super::transport::{self, NoAnswer};
use crate::browser::now_ms;
use crate::state::AppState;

/// One request as the inspector shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub id: u32,
    pub service: Service,
    pub region: String,
    pub operation: String,
    pub started_ms: i64,
    pub signed: SignedRequest,
    /// Where the browser sent it when not to `signed.url`: a same-origin
    /// route standing in for the service's origin.
    pub sent_to: Option<String>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pending,
    Answered {
        status: u16,
        body: String,
        request_id: Option<String>,
        elapsed_ms: i64,
        /// The explanation, when the answer is a failure.
        error: Option<String>,
    },
    Unreachable {
        message: String,
    },
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("Paste credentials first.")]
    NoCredentials,
    #[error("Your credentials have expired. Paste a fresh set; nothing else on the page is lost.")]
    CredentialsExpired,
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Signing(#[from] SigningError),
    #[error("{service} at {url} could not be reached. {hint}")]
    Unreachable {
        service: &'static str,
        url: String,
        hint: &'static str,
    },
    #[error("{0}")]
    Aws(#[from] AwsError),
}

/// Why a browser's fetch fails with no answer, per service.
fn unreachable_hint(service: Service, routed: bool) -> &'static str {
    if routed {
        return "Nothing answered on the same-origin route: check that it forwards to the service (a CloudFront behaviour for the route's path, or labsim serving this page).";
    }
    match service {
        Service::ApiGateway => "Either nothing answers there, or the API does not allow calls from this page: enable CORS on /lab (OPTIONS method and, so errors are readable too, the DEFAULT 4XX/5XX gateway responses). The browser console names the exact reason.",
        Service::Aoss => "OpenSearch Serverless never answers browsers on other origins (it has no CORS). Set a collection route (Your lab > Other endpoints): a CloudFront behaviour, or the simulator's /aoss.",
        _ => "Check the endpoint address and your network; the browser console names the exact reason.",
    }
}

fn next_id(state: &AppState) -> u32 {
    state
        .exchanges
        .with_untracked(|x| x.last().map_or(1, |e| e.id + 1))
}

fn record(state: &AppState, exchange: Exchange) {
    let id = exchange.id;
    state.exchanges.update(|x| {
        x.push(exchange);
        // The inspector keeps the last 200: enough for a class, bounded memory.
        let excess = x.len().saturating_sub(200);
        x.drain(..excess);
    });
    state.selected_exchange.set(Some(id));
}

fn settle(state: &AppState, id: u32, outcome: Outcome) {
    state.exchanges.update(|x| {
        if let Some(e) = x.iter_mut().find(|e| e.id == id) {
            e.outcome = outcome;
        }
    });
}

/// Signs and sends `build(endpoint_url)` to `service`, retrying once when
/// AWS reports clock skew (after learning the offset from its message).
/// `build` is a trait object so one copy of this code serves every caller.
pub async fn call(
    state: AppState,
    service: Service,
    operation: &str,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Answer, CallError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match call_once(&state, service, operation, build).await {
            Err(CallError::Aws(AwsError::ClockSkew { server_time, .. })) if attempts == 1 => {
                state.clock.set(ClockOffset::learn(server_time, now_ms()));
            }
            other => return other,
        }
    }
}

async fn call_once(
    state: &AppState,
    service: Service,
    operation: &str,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Answer, CallError> {
    let parsed = state
        .credentials
        .get_untracked()
        .ok_or(CallError::NoCredentials)?;
    let local = now_ms();
    let signing_ms = state.clock.get_untracked().now_ms(local);
    if parsed
        .credentials
        .seconds_left(signing_ms / 1000)
        .is_some_and(|s| s <= 0)
    {
        return Err(CallError::CredentialsExpired);
    }
    let endpoint = state.config.with_untracked(|c| c.endpoint(service))?;
    let request = build(&endpoint.url);
    let ctx =
        SigningContext::for_service(&parsed.credentials, service, &endpoint.region, signing_ms);
    let signed = sign(&request, &ctx)?;
    let fetch_url = endpoint.send_url(&signed.url);
    let id = next_id(state);
    record(
        state,
        Exchange {
            id,
            service,
            region: endpoint.region.clone(),
            operation: operation.to_owned(),
            started_ms: local,
            signed: signed.clone(),
            sent_to: endpoint.route.is_some().then(|| fetch_url.clone()),
            outcome: Outcome::Pending,
        },
    );

    let response = match transport::send(&signed, &fetch_url).await {
        Ok(r) => r,
        Err(NoAnswer) => {
            let err = CallError::Unreachable {
                service: service.label(),
                url: fetch_url,
                hint: unreachable_hint(service, endpoint.route.is_some()),
            };
            settle(
                state,
                id,
                Outcome::Unreachable {
                    message: err.to_string(),
                },
            );
            return Err(err);
        }
    };
    let transport::Response {
        status,
        request_id,
        body,
    } = response;
    let error = classify(service, status, &body);
    settle(
        state,
        id,
        Outcome::Answered {
            status,
            body: body.clone(),
            request_id: request_id.clone(),
            elapsed_ms: now_ms() - local,
            error: error.as_ref().map(ToString::to_string),
        },
    );
    match error {
        Some(e) => Err(CallError::Aws(e)),
        None => Ok(Answer {
            status,
            body,
            request_id,
        }),
    }
}
