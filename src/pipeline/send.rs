//! POST /v1/lab: one item, a burst, or a replay of a flow's request, each
//! answer read as the workshop's API gives it and taken into the board.

use std::cell::Cell;
use std::rc::Rc;

use labmate_core::change::{api_post, SentItem};
use labmate_core::flow::{ApiAnswer, ApiVerdict, Observation};
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{aws_now_ms, observe};
use crate::aws::client::{exchange, Asker, CallError};
use crate::browser;
use crate::state::AppState;

/// How many POSTs a burst keeps in flight at once.
const BURST_IN_FLIGHT: usize = 4;

/// What the learner is told about one POST.
#[derive(Clone, Debug, PartialEq)]
pub enum Sent {
    /// The API answered; the board has the flow.
    Answered(ApiAnswer),
    /// Nothing was sent (no credentials, expired, bad configuration).
    NotSent(CallError),
    /// Sent, but the page could not read the answer: the board follows it
    /// by content; the error says why (CORS, network) and the fix.
    Unreadable(ApiAnswer, CallError),
}

impl Sent {
    /// True when the item was written.
    pub fn written(&self) -> bool {
        matches!(self, Sent::Answered(a) if a.verdict() == ApiVerdict::Written)
    }

    /// One line for the send panel, in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, each value AWS gave passed through `v`.
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            Sent::Answered(a) => match a.verdict() {
                ApiVerdict::Written => match a.item_id() {
                    Some(id) => word!(lang, send.sent_written_with_id)(&v(id)),
                    None => word!(lang, send.sent_written_no_id).to_owned(),
                },
                ApiVerdict::DynamoDbError {
                    error_type,
                    message,
                } => word!(lang, send.sent_dynamodb_error)(&v(&error_type), &v(&message)),
                ApiVerdict::Refused { status, message } => {
                    refused_words(lang, status, &message, &v(&message))
                }
                ApiVerdict::Unreadable => word!(lang, send.sent_answer_unreadable).to_owned(),
            },
            Sent::NotSent(e) => e.worded(lang, v),
            Sent::Unreadable(_, e) => word!(lang, send.sent_unreadable)(&e.worded(lang, v)),
        }
    }
}

/// API Gateway's own refusals, told apart where the answer allows;
/// `shown` is `message` as the line shows it.
fn refused_words(lang: Lang, status: u16, message: &str, shown: &str) -> String {
    let refused = match (status, message) {
        (403, m) if m.contains("Missing Authentication Token") => {
            word!(lang, send.sent_refused_no_method)
        }
        (403, m) if m.contains("not authorized") || m.contains("explicit deny") => {
            word!(lang, send.sent_refused_not_authorized)
        }
        (403, m) if m.contains("Signature") || m.contains("security token") => {
            word!(lang, send.sent_refused_signature)
        }
        (403, _) => word!(lang, send.sent_refused_authorization),
        (429, _) => word!(lang, send.sent_refused_throttled),
        (500..=599, _) => word!(lang, send.sent_refused_integration),
        _ => word!(lang, send.sent_refused_other),
    };
    refused(status, shown)
}

/// labmate's own id for the item, when the API will adopt it: only
/// through a same-origin route, because the console's CORS setting does
/// not allow an x-amzn-RequestId header from another origin.
fn own_id(state: &AppState) -> Option<String> {
    let routed = state
        .config
        .with_untracked(|c| !c.api_route.trim().is_empty());
    // Not `crypto.randomUUID`: a page served over plain HTTP lacks it.
    routed.then(browser::random_uuid)?
}

/// POSTs one checked body and takes the answer into the board.
pub async fn send_item(state: AppState, body: String) -> Sent {
    let sent = SentItem {
        own_id: own_id(&state),
        body,
        sent_ms: aws_now_ms(&state),
    };
    let reply = exchange(
        state,
        Service::ApiGateway,
        "POST /v1/lab",
        Asker::Learner,
        &|url| api_post(url, &sent.body, sent.own_id.as_deref()),
    )
    .await;
    let answered_ms = aws_now_ms(&state);
    let (answer, unread) = match reply {
        Ok(r) => (
            sent.answer(Some(r.status), r.request_id, &r.body, answered_ms),
            None,
        ),
        Err(e @ (CallError::Unreachable { .. } | CallError::UnreachableRelayed(_))) => {
            (sent.answer(None, None, "", answered_ms), Some(e))
        }
        Err(e) => return Sent::NotSent(e),
    };
    observe(&state, vec![Observation::ApiAnswer(answer.clone())]);
    match unread {
        None => Sent::Answered(answer),
        Some(e) => Sent::Unreadable(answer, e),
    }
}

/// Progress of a burst, for the send panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BurstProgress {
    pub total: usize,
    pub answered: usize,
    pub written: usize,
    /// The first failure, if any (worded where it is shown).
    pub first_failure: Option<Sent>,
}

/// Sends every body, a few at a time; `progress` is told after each answer.
/// Stops early when nothing can be sent (credentials gone or expired).
pub fn send_burst(
    state: AppState,
    bodies: Vec<String>,
    progress: impl Fn(BurstProgress) + 'static,
) {
    let bodies = Rc::new(bodies);
    let next = Rc::new(Cell::new(0usize));
    let stopped = Rc::new(Cell::new(false));
    let tally = Rc::new(std::cell::RefCell::new(BurstProgress {
        total: bodies.len(),
        ..BurstProgress::default()
    }));
    let progress = Rc::new(progress);
    for _ in 0..BURST_IN_FLIGHT.min(bodies.len()) {
        let (bodies, next, stopped, tally, progress) = (
            bodies.clone(),
            next.clone(),
            stopped.clone(),
            tally.clone(),
            progress.clone(),
        );
        spawn_local(async move {
            while !stopped.get() {
                let i = next.get();
                let Some(body) = bodies.get(i) else { break };
                next.set(i + 1);
                let sent = send_item(state, body.clone()).await;
                let ok = sent.written();
                let snapshot = {
                    let mut t = tally.borrow_mut();
                    t.answered += 1;
                    t.written += usize::from(ok);
                    if !ok && t.first_failure.is_none() {
                        t.first_failure = Some(sent.clone());
                    }
                    if matches!(sent, Sent::NotSent(_)) {
                        stopped.set(true);
                    }
                    t.clone()
                };
                progress(snapshot);
            }
        });
    }
}
