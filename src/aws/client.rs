//! Sign and send one request, record it for the inspector, explain failures.
//! Sending itself goes through `transport`, the one seam to the network.

// The board module's build sends through the first module (bridge.rs):
// the local signing and recording below are unused there.
#![cfg_attr(feature = "board", allow(dead_code, unused_imports))]

use labmate_core::aws_error::{classify, AwsError};
use labmate_core::clock::ClockOffset;
use labmate_core::config::ConfigError;
use labmate_core::signing::{
    sign_with, Explain, HttpRequest, SignedRequest, SigningContext, SigningError,
};
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;
use leptos::prelude::*;

use super::bridge::{BridgeError, Worded};
use super::transport::{self, NoAnswer};
use crate::browser::{self, now_ms};
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
    /// The learner's own request, or a poller's.
    pub asker: Asker,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pending,
    Answered {
        status: u16,
        body: String,
        request_id: Option<String>,
        elapsed_ms: i64,
        /// AWS's refusal, read, when the answer is a failure (worded
        /// where it is shown, in the page's language).
        error: Option<AwsError>,
    },
    /// Nothing answered: a [`CallError::Unreachable`].
    Unreachable {
        error: CallError,
    },
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
}

/// Any answer, success or refusal, as the pollers and the flow board read
/// it: they need the status and body of refusals too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
    /// The `Date` header, where the service exposes it.
    pub date: Option<String>,
    /// AWS's refusal, read; `None` on success.
    pub error: Option<AwsError>,
    /// When the request left, by the local clock.
    pub sent_ms: i64,
}

/// Who asked: the learner (the inspector shows the request at once) or a
/// poller (recorded, but the inspector's selection stays where it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asker {
    Learner,
    Poller,
}

/// Why a call brought no answer to read. Worded by [`CallError::words`],
/// where it is shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum CallError {
    NoCredentials,
    CredentialsExpired,
    Config(#[from] ConfigError),
    Signing(#[from] SigningError),
    Unreachable {
        service: &'static str,
        url: String,
        hint: UnreachableHint,
    },
    Aws(#[from] AwsError),
    /// Split build: the first module could not reach the service; its
    /// explanation, as it gave it, in each language.
    UnreachableRelayed(Worded),
    /// Split build: the first module sent nothing; why, as it said.
    Relayed(Worded),
    /// Split build: the request could not cross to the first module.
    Bridge(BridgeError),
}

impl CallError {
    /// Why, and what to do, in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, each value AWS, the browser or the learner gave passed
    /// through `v` (`guide::with_values` marks them for the page).
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            CallError::NoCredentials => word!(lang, send.call_no_credentials).to_owned(),
            CallError::CredentialsExpired => word!(lang, send.call_credentials_expired).to_owned(),
            CallError::Config(e) => e.words(lang),
            CallError::Signing(e) => e.worded(lang, v),
            CallError::Unreachable { service, url, hint } => {
                word!(lang, send.call_unreachable)(service, &v(url), hint.words(lang))
            }
            CallError::Aws(e) => e.worded(lang, v),
            CallError::UnreachableRelayed(w) | CallError::Relayed(w) => w.get(lang),
            CallError::Bridge(BridgeError::Failed(detail)) => {
                word!(lang, send.bridge_failed)(&v(detail))
            }
            CallError::Bridge(e) => e.words(lang),
        }
    }
}

/// Why a browser's fetch fails with no answer: what to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnreachableHint {
    /// Sent to a same-origin route standing in for the service.
    Route,
    ApiGateway,
    Aoss,
    /// The page's Content-Security-Policy does not list the host.
    BlockedByPolicy,
    /// The in-page sandbox answered nothing (an injected fault).
    Sandbox,
    Other,
}

impl UnreachableHint {
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            UnreachableHint::Route => word!(lang, send.hint_route),
            UnreachableHint::ApiGateway => word!(lang, send.hint_api_gateway),
            UnreachableHint::Aoss => word!(lang, send.hint_aoss),
            UnreachableHint::BlockedByPolicy => word!(lang, send.hint_blocked_by_policy),
            UnreachableHint::Sandbox => word!(lang, send.hint_sandbox),
            UnreachableHint::Other => word!(lang, send.hint_other),
        }
    }
}

/// The hint for a fetch to `url` (for `service`) that brought no answer.
/// A URL the page's own policy does not list was blocked by the browser
/// before it left: that comes first, whatever else may be wrong.
fn unreachable_hint(service: Service, url: &str, routed: bool) -> UnreachableHint {
    // Nothing left the page: the sandbox's worker had it.
    if super::sandbox::running() {
        return UnreachableHint::Sandbox;
    }
    if let Some(policy) = browser::page_policy() {
        if !labmate_core::csp::allows_connect(&policy, &browser::location_base(), url) {
            return UnreachableHint::BlockedByPolicy;
        }
    }
    if routed {
        return UnreachableHint::Route;
    }
    match service {
        Service::ApiGateway => UnreachableHint::ApiGateway,
        Service::Aoss => UnreachableHint::Aoss,
        _ => UnreachableHint::Other,
    }
}

fn next_id(state: &AppState) -> u32 {
    state
        .exchanges
        .with_untracked(|x| x.last().map_or(1, |e| e.id + 1))
}

/// The inspector keeps the learner's last 200 requests and the pollers'
/// last 100: enough for a class, bounded memory, and polling never pushes
/// the learner's own requests out.
const KEPT: [(Asker, usize); 2] = [(Asker::Learner, 200), (Asker::Poller, 100)];

fn record(state: &AppState, exchange: Exchange) {
    let id = exchange.id;
    let asker = exchange.asker;
    state.exchanges.update(|x| {
        x.push(exchange);
        let kept = KEPT.iter().find(|(a, _)| *a == asker).map_or(200, |k| k.1);
        let mine = x.iter().filter(|e| e.asker == asker).count();
        if mine > kept {
            if let Some(oldest) = x.iter().position(|e| e.asker == asker) {
                x.remove(oldest);
            }
        }
    });
    if asker == Asker::Learner {
        state.selected_exchange.set(Some(id));
    }
}

fn settle(state: &AppState, id: u32, outcome: Outcome) {
    state.exchanges.update(|x| {
        if let Some(e) = x.iter_mut().find(|e| e.id == id) {
            e.outcome = outcome;
        }
    });
}

/// Signs and sends `build(endpoint_url)` to `service` for the learner;
/// a refusal comes back as the error that explains it.
/// `build` is a trait object so one copy of this code serves every caller.
pub async fn call(
    state: AppState,
    service: Service,
    operation: &str,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Answer, CallError> {
    let reply = exchange(state, service, operation, Asker::Learner, build).await?;
    match reply.error {
        Some(e) => Err(CallError::Aws(e)),
        None => Ok(Answer {
            status: reply.status,
            body: reply.body,
            request_id: reply.request_id,
        }),
    }
}

/// Split build, board module: the first module signs, sends and records
/// (src/aws/bridge.rs). `build` is given a marker for the base URL, and what
/// follows the marker crosses as the request's suffix.
#[cfg(feature = "board")]
pub async fn exchange(
    _state: AppState,
    service: Service,
    operation: &str,
    asker: Asker,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Reply, CallError> {
    use super::bridge::{send, BridgedReply, BridgedRequest};
    const BASE: &str = "labmate-base:";
    let request = build(BASE);
    let request = BridgedRequest {
        service: service.key().to_owned(),
        operation: operation.to_owned(),
        poller: asker == Asker::Poller,
        method: request.method,
        suffix: request
            .url
            .strip_prefix(BASE)
            .unwrap_or(&request.url)
            .to_owned(),
        headers: request.headers,
        body: request.body,
    };
    match send(&request).await.map_err(CallError::Bridge)? {
        BridgedReply::Answered {
            status,
            body,
            request_id,
            date,
            sent_ms,
        } => Ok(Reply {
            error: classify(service, status, &body),
            status,
            body,
            request_id,
            date,
            sent_ms,
        }),
        BridgedReply::Unreachable { words } => Err(CallError::UnreachableRelayed(words)),
        BridgedReply::NotSent { expired: true, .. } => Err(CallError::CredentialsExpired),
        BridgedReply::NotSent { words, .. } => Err(CallError::Relayed(words)),
    }
}

/// Signs and sends `build(endpoint_url)` to `service` and returns whatever
/// answered, retrying once when AWS reports clock skew (after learning the
/// offset from its message). A `Date` header far from the local clock
/// teaches the offset too, before any request is refused for it.
#[cfg(not(feature = "board"))]
pub async fn exchange(
    state: AppState,
    service: Service,
    operation: &str,
    asker: Asker,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Reply, CallError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let reply = send_once(&state, service, operation, asker, build).await?;
        if let Some(date) = &reply.date {
            let learned = state.clock.get_untracked().learn_from_date(date, now_ms());
            if let Some(clock) = learned {
                state.clock.set(clock);
            }
        }
        match reply.error {
            Some(AwsError::ClockSkew { server_time, .. }) if attempts == 1 => {
                state.clock.set(ClockOffset::learn(server_time, now_ms()));
            }
            _ => return Ok(reply),
        }
    }
}

async fn send_once(
    state: &AppState,
    service: Service,
    operation: &str,
    asker: Asker,
    build: &dyn Fn(&str) -> HttpRequest,
) -> Result<Reply, CallError> {
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
    // The learner's request is shown at once, with its explanation; a
    // poller's (several a second) only if opened, so its explanation is
    // built then (exchange_detail), which halves what signing it costs.
    let explain = match asker {
        Asker::Learner => Explain::Now,
        Asker::Poller => Explain::OnDemand,
    };
    let signed = sign_with(&request, &ctx, explain)?;
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
            asker,
        },
    );

    let response = match transport::send(&signed, &fetch_url).await {
        Ok(r) => r,
        Err(NoAnswer) => {
            let err = CallError::Unreachable {
                service: service.label(),
                hint: unreachable_hint(service, &fetch_url, endpoint.route.is_some()),
                url: fetch_url,
            };
            settle(state, id, Outcome::Unreachable { error: err.clone() });
            return Err(err);
        }
    };
    let transport::Response {
        status,
        request_id,
        date,
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
            error: error.clone(),
        },
    );
    Ok(Reply {
        status,
        body,
        request_id,
        date,
        error,
        sent_ms: local,
    })
}
