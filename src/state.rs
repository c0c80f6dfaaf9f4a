//! The app's state: a small struct of signals shared through context.

use labmate_core::aws_error::CallerIdentity;
use labmate_core::clock::ClockOffset;
use labmate_core::config::LabConfig;
use labmate_core::credentials::ParsedCredentials;
use labmate_core::flow::{FlowId, Flows};
use labmate_core::poll::PollerStatus;
use leptos::prelude::*;

use crate::aws::client::Exchange;
use crate::notice::Notice;

/// What is known of who the credentials belong to.
#[derive(Clone, Debug, PartialEq)]
pub enum IdentityState {
    /// No credentials yet, or not asked.
    Unknown,
    Checking,
    Known(CallerIdentity),
    /// STS could not be asked or refused.
    Failed(crate::aws::sts::IdentityFailure),
}

/// Which tab of this browser reads the stream (and runs the pollers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderRole {
    /// Another tab does; this one shows what it publishes.
    OtherTab,
    ThisTab,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// The pasted credentials. In memory only, unless `remember_in_tab`.
    pub credentials: RwSignal<Option<ParsedCredentials>>,
    pub identity: RwSignal<IdentityState>,
    pub config: RwSignal<LabConfig>,
    /// Learned from AWS's clock-skew errors.
    pub clock: RwSignal<ClockOffset>,
    /// The browser clock, ticking once a second (epoch ms).
    pub now_ms: RwSignal<i64>,
    /// Every request sent, newest last, for the inspector.
    pub exchanges: RwSignal<Vec<Exchange>>,
    pub selected_exchange: RwSignal<Option<u32>>,
    /// Big type, no secrets anywhere in the page.
    pub projector: RwSignal<bool>,
    /// Opt-in: keep credentials in sessionStorage for this tab.
    pub remember_in_tab: RwSignal<bool>,
    /// Show secrets in the inspector and copied commands (never in projector mode).
    pub reveal_secrets: RwSignal<bool>,
    /// A notice for the whole page (share link dropped secrets, etc.).
    pub notice: RwSignal<Option<Notice>>,
    /// Every change followed through the pipeline (no secrets in it).
    /// Updated in place: readers use `with`, never `get`, as it can hold
    /// thousands of flows.
    pub flows: RwSignal<Flows>,
    /// The flow shown in the flow detail.
    pub selected_flow: RwSignal<Option<FlowId>>,
    /// Whether the pollers may watch the learner's account (off until the
    /// learner asks, except with the simulator).
    pub watching: RwSignal<bool>,
    /// Whether this tab was elected to read the stream.
    pub reader: RwSignal<ReaderRole>,
    /// Where each poller stands, in `pipeline::runner::Which::ALL` order
    /// (stream, logs, Lambda, role, documents).
    pub pollers: RwSignal<[PollerStatus; 5]>,
    /// Whether the in-page sandbox came back as it was before the reload
    /// (its banner says so until it starts over).
    pub sandbox_restored: RwSignal<bool>,
}

impl AppState {
    pub fn new(config: LabConfig, now_ms: i64) -> Self {
        Self {
            credentials: RwSignal::new(None),
            identity: RwSignal::new(IdentityState::Unknown),
            config: RwSignal::new(config),
            clock: RwSignal::new(ClockOffset::default()),
            now_ms: RwSignal::new(now_ms),
            exchanges: RwSignal::new(Vec::new()),
            selected_exchange: RwSignal::new(None),
            projector: RwSignal::new(false),
            remember_in_tab: RwSignal::new(false),
            reveal_secrets: RwSignal::new(false),
            notice: RwSignal::new(None),
            flows: RwSignal::new(Flows::new()),
            selected_flow: RwSignal::new(None),
            watching: RwSignal::new(false),
            reader: RwSignal::new(ReaderRole::OtherTab),
            pollers: RwSignal::new(Default::default()),
            sandbox_restored: RwSignal::new(false),
        }
    }

    /// Secrets may be shown only when asked and never on a projector.
    pub fn secrets_visible(&self) -> bool {
        self.reveal_secrets.get() && !self.projector.get()
    }
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
