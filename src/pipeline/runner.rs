//! The pollers' loop: one task per poller, each asking its state machine
//! (`labmate_core::poll`) what to send and when, sending it signed through
//! `aws::client::exchange`, and handing the answer back. Runs only in the
//! tab elected to read; the pollers' positions are saved with the board,
//! so a reload or another tab resumes where this one stopped.

use std::cell::{Cell, RefCell};

use labmate_core::poll::{
    Answer, DocumentWatch, LambdaWatch, LogTail, Next, Outcome, Poller, PollerStatus, RoleWatch,
    StartAt, StreamReader,
};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::{aws_now_ms, observe};
use crate::aws::client::{exchange, Asker, CallError};
use crate::browser;
use crate::state::AppState;

/// When a poller has nothing to do, how often it looks again (a flow may
/// start waiting for its document, credentials may be pasted).
const IDLE_MS: i64 = 250;
/// The longest single sleep, so a wake-up (fresh credentials) is noticed.
const LONGEST_SLEEP_MS: i64 = 1_000;

/// The pollers.
#[derive(Clone, Debug)]
pub struct Pollers {
    pub stream: StreamReader,
    pub logs: LogTail,
    pub lambda: LambdaWatch,
    pub role: RoleWatch,
    pub documents: DocumentWatch,
}

/// What a reload needs of the pollers, saved with the board: where the
/// stream reader and the log tail stand. The trigger, role and document
/// watches start afresh; their next calls learn again all they knew (saving them
/// too cost 3,445 B of the first load, gzip, measured).
#[derive(Serialize, Deserialize)]
struct Positions<S, L> {
    stream: S,
    logs: L,
}

impl Pollers {
    /// Fresh pollers for the configured lab: the stream from the oldest
    /// record it keeps (changes made before labmate opened become flows
    /// too) and the function's log over the same day.
    fn new(state: &AppState) -> Pollers {
        let now = aws_now_ms(state);
        state.config.with_untracked(|c| Pollers {
            stream: StreamReader::new(&c.table, StartAt::TrimHorizon),
            logs: LogTail::new(
                &format!("/aws/lambda/{}", c.function_name),
                now - 24 * 3_600_000,
            ),
            lambda: LambdaWatch::new(&c.function_name),
            role: RoleWatch::new(lab_model::names::ROLE),
            documents: DocumentWatch::new(&c.index),
        })
    }

    fn get(&mut self, which: Which) -> &mut dyn Poller {
        match which {
            Which::Stream => &mut self.stream,
            Which::Logs => &mut self.logs,
            Which::Lambda => &mut self.lambda,
            Which::Role => &mut self.role,
            Which::Documents => &mut self.documents,
        }
    }
}

/// Each poller by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Stream,
    Logs,
    Lambda,
    Role,
    Documents,
}

impl Which {
    pub const ALL: [Which; 5] = [
        Which::Stream,
        Which::Logs,
        Which::Lambda,
        Which::Role,
        Which::Documents,
    ];

    /// Its short name, for tests and styles.
    pub fn key(self) -> &'static str {
        match self {
            Which::Stream => "stream",
            Which::Logs => "logs",
            Which::Lambda => "lambda",
            Which::Role => "role",
            Which::Documents => "documents",
        }
    }

    /// What it watches, for the page.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Which::Stream => word!(lang, board.poller_name_stream),
            Which::Logs => word!(lang, board.poller_name_logs),
            Which::Lambda => word!(lang, board.poller_name_lambda),
            Which::Role => word!(lang, board.poller_name_role),
            Which::Documents => word!(lang, board.poller_name_documents),
        }
    }
}

thread_local! {
    /// The running pollers; `None` in a tab that does not read.
    static POLLERS: RefCell<Option<Pollers>> = const { RefCell::new(None) };
    /// Whether the pollers' tasks run (they idle while `POLLERS` is `None`).
    static TASKS: Cell<bool> = const { Cell::new(false) };
    /// How many times the pollers were (re)started: an answer to a call
    /// made before the latest start is not theirs.
    static STARTS: Cell<u64> = const { Cell::new(0) };
}

/// The pollers' positions, to save (only in the reading tab).
pub fn saved() -> Option<String> {
    POLLERS.with(|p| {
        p.borrow().as_ref().and_then(|p| {
            serde_json::to_string(&Positions {
                stream: &p.stream,
                logs: &p.logs,
            })
            .ok()
        })
    })
}

/// Reads the lab's settings again now (the guide's "Check now"). `false`
/// when this tab runs no pollers (another tab reads the lab).
pub fn recheck() -> bool {
    POLLERS.with(|p| match p.borrow_mut().as_mut() {
        Some(p) => {
            for which in Which::ALL {
                p.get(which).recheck();
            }
            true
        }
        None => false,
    })
}

/// Starts every poller, from `saved` positions when they read. Again after
/// [`stop`] (a tab elected anew), from the positions saved since.
pub fn start(state: AppState, saved: Option<String>) {
    let mut pollers = Pollers::new(&state);
    if let Some(saved) =
        saved.and_then(|s| serde_json::from_str::<Positions<StreamReader, LogTail>>(&s).ok())
    {
        pollers.stream = saved.stream;
        pollers.logs = saved.logs;
    }
    POLLERS.with(|p| *p.borrow_mut() = Some(pollers));
    STARTS.set(STARTS.get() + 1);
    if TASKS.replace(true) {
        return;
    }
    // Fresh credentials (or watching turned on) end every poller's refusal
    // or backoff at once.
    Effect::new(move |first: Option<()>| {
        state.credentials.track();
        state.watching.track();
        if first.is_some() {
            POLLERS.with(|p| {
                if let Some(p) = p.borrow_mut().as_mut() {
                    for which in Which::ALL {
                        p.get(which).wake();
                    }
                }
            });
        }
    });
    for which in Which::ALL {
        spawn_local(run(state, which));
    }
}

/// This tab no longer reads (another took over the lease): the pollers
/// idle, and their positions are no longer saved over the new reader's.
/// An answer in flight is dropped.
pub fn stop() {
    POLLERS.with(|p| *p.borrow_mut() = None);
}

/// What one poller wants now (documents first learn which flows wait, the
/// log tail whether anything reached the stream).
fn ask(state: &AppState, which: Which, now: i64) -> Option<Next> {
    POLLERS.with(|p| {
        let mut p = p.borrow_mut();
        let p = p.as_mut()?;
        match which {
            Which::Documents => state.flows.with_untracked(|f| p.documents.track(f)),
            Which::Logs => p
                .logs
                .want(state.flows.with_untracked(|f| f.first_change_ms())),
            // The function's own role, once its configuration names it.
            Which::Role => state.flows.with_untracked(|f| {
                if let Some(role) = f.function().and_then(|f| f.role_name()) {
                    p.role.follow(role);
                }
            }),
            _ => {}
        }
        Some(p.get(which).next(now))
    })
}

async fn run(state: AppState, which: Which) {
    loop {
        if !state.watching.get_untracked() {
            set_status(&state, which, PollerStatus::Starting);
            browser::sleep_ms(LONGEST_SLEEP_MS).await;
            continue;
        }
        if !credentials_usable(&state) {
            set_status(&state, which, PollerStatus::Paused);
            browser::sleep_ms(LONGEST_SLEEP_MS).await;
            continue;
        }
        let now = aws_now_ms(&state);
        let Some(next) = ask(&state, which, now) else {
            // Stopped: another tab reads.
            browser::sleep_ms(LONGEST_SLEEP_MS).await;
            continue;
        };
        match next {
            Next::Call(call) => {
                let started = STARTS.get();
                let reply = exchange(
                    state,
                    call.service,
                    call.operation,
                    Asker::Poller,
                    &|base| call.to_http_request(base),
                )
                .await;
                let outcome = match reply {
                    Ok(r) => Outcome::Answered(Answer {
                        status: r.status,
                        body: r.body,
                        date: r.date,
                    }),
                    // Credentials gone or expired since the check, or an
                    // endpoint that does not read: nothing was sent.
                    Err(CallError::Unreachable { .. }) | Err(_) => Outcome::NoAnswer,
                };
                let now = aws_now_ms(&state);
                let observations = POLLERS.with(|p| {
                    p.borrow_mut()
                        .as_mut()
                        .filter(|_| STARTS.get() == started)
                        .map(|p| p.get(which).answered(outcome, now))
                        .unwrap_or_default()
                });
                observe(&state, observations);
            }
            Next::WaitUntil(at) => {
                browser::sleep_ms((at - now).clamp(0, LONGEST_SLEEP_MS)).await;
            }
            Next::Idle => browser::sleep_ms(IDLE_MS).await,
        }
        let status = POLLERS.with(|p| p.borrow_mut().as_mut().map(|p| p.get(which).status()));
        if let Some(status) = status {
            set_status(&state, which, status);
        }
    }
}

/// Credentials pasted and not expired by AWS's clock.
fn credentials_usable(state: &AppState) -> bool {
    let now_s = aws_now_ms(state) / 1000;
    state.credentials.with_untracked(|c| {
        c.as_ref()
            .is_some_and(|p| p.credentials.seconds_left(now_s).is_none_or(|s| s > 0))
    })
}

/// Updates the page only when a poller's status changed.
fn set_status(state: &AppState, which: Which, status: PollerStatus) {
    let i = Which::ALL.iter().position(|w| *w == which).unwrap_or(0);
    if state.pollers.with_untracked(|s| s[i] != status) {
        state.pollers.update(|s| s[i] = status);
    }
}
