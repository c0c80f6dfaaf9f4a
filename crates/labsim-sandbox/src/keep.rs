//! What the worker needs to keep the sandbox across a reload: the
//! simulator restored from its snapshot (labsim's [`Simulator::snapshot`]),
//! and a cheap count of the changes since start, so an idle sandbox (or
//! one the page only reads from) is not written out again and again.

use lab_model::{sandbox, Service};
use labsim::snapshot::SnapshotError;
use labsim::Simulator;

use crate::message::SandboxRequest;

/// Why a kept snapshot was not taken up (the sandbox then starts fresh).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// Written by a sandbox whose services were at other addresses.
    #[error("a snapshot of a sandbox at other addresses")]
    OtherAddresses,
}

/// The simulator `snapshot` holds, going on at wall time `wall_ms`, if it
/// is a sandbox's.
pub fn restore(snapshot: &str, wall_ms: i64) -> Result<Simulator, RestoreError> {
    let sim = Simulator::restore(snapshot, wall_ms)?;
    let here = Service::ALL
        .into_iter()
        .all(|s| sim.config().endpoints.get(s.key()) == Some(&sandbox::endpoint(s)));
    if here {
        Ok(sim)
    } else {
        Err(RestoreError::OtherAddresses)
    }
}

/// Whether a request may change the simulator: anything not known to be a
/// read. A read the list misses costs one needless snapshot, never a lost
/// change; the page's pollers (GetRecords, FilterLogEvents, searches,
/// GetCallerIdentity) are all on it.
pub fn may_change(request: &SandboxRequest) -> bool {
    if matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return false;
    }
    let reading = |operation: &str| {
        [
            "Get", "Describe", "List", "Scan", "Query", "Filter", "BatchGet",
        ]
        .iter()
        .any(|verb| operation.starts_with(verb))
    };
    // DynamoDB, Streams, CloudWatch Logs: `X-Amz-Target: Prefix.Operation`.
    let target = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-target"));
    if let Some((_, target)) = target {
        return !reading(target.rsplit('.').next().unwrap_or_default());
    }
    // STS and IAM: `Action=Operation` in a form body.
    if let Some(action) = form_action(&request.body) {
        return !reading(action);
    }
    // The collection: searches are POSTed.
    let path = request.url.split('?').next().unwrap_or_default();
    !["/_search", "/_count", "/_msearch", "/_mget"]
        .iter()
        .any(|read| path.ends_with(read))
}

fn form_action(body: &str) -> Option<&str> {
    body.split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
}

/// Changes since the sandbox started: every request that may change it,
/// and every step that recorded something in the timeline (a tick's work,
/// a fault that fired on a read).
#[derive(Debug, Clone, Default)]
pub struct ChangeCount {
    count: u64,
    seen_seq: u64,
}

impl ChangeCount {
    /// Counting from `sim` as it is.
    pub fn new(sim: &Simulator) -> Self {
        ChangeCount {
            count: 0,
            seen_seq: sim.timeline().last_seq(),
        }
    }

    /// After a request was answered.
    pub fn answered(&mut self, sim: &Simulator, may_change: bool) {
        self.count += u64::from(may_change);
        self.stepped(sim);
    }

    /// After a step of the pipeline's work.
    pub fn stepped(&mut self, sim: &Simulator) {
        let seq = sim.timeline().last_seq();
        if seq != self.seen_seq {
            self.seen_seq = seq;
            self.count += 1;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}
