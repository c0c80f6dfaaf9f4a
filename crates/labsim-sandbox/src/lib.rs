//! labmate's in-page sandbox: labsim's core (no server, no I/O) running in
//! a dedicated module Web Worker, so the page stays responsive while the
//! pipeline works. `worker.js` (beside this crate's glue in
//! `dist/sandbox-<hash>/`, built by `scripts/extra-module.sh`) owns the
//! worker's messages and timer and calls the [`Sandbox`] below; the page's
//! transport (`src/aws/transport.rs`) posts it each request instead of
//! fetching. The answers are the ones labsim's server sends: the same
//! faults, control endpoints, signature checks and authorization. The
//! worker keeps the simulator across a reload ([`Sandbox::snapshot`],
//! [`Sandbox::restore`], `keep.rs`).

pub mod keep;
pub mod message;
pub mod serve;

use wasm_bindgen::prelude::*;

use crate::keep::ChangeCount;
use crate::message::SandboxRequest;

#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Stream records of Lambda work per slice of a tick, as labsim's server
/// takes them: a few, so a request waits less than a millisecond.
const TICK_BUDGET: usize = 4;

/// One answer: the [`message::SandboxAnswer`] as JSON for the page, and
/// how long the worker holds it first (an injected delay).
#[wasm_bindgen]
pub struct Answered {
    json: String,
    delay_ms: f64,
}

#[wasm_bindgen]
impl Answered {
    #[wasm_bindgen(getter)]
    pub fn json(&self) -> String {
        self.json.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }
}

/// The simulated backend, held by the worker.
#[wasm_bindgen]
pub struct Sandbox {
    sim: labsim::Simulator,
    changes: ChangeCount,
}

#[wasm_bindgen]
impl Sandbox {
    /// Starts the simulator at the worker's wall time `wall_ms` with a
    /// seed (two 32-bit halves: JS numbers hold no u64).
    #[wasm_bindgen(constructor)]
    pub fn new(seed_high: u32, seed_low: u32, wall_ms: f64) -> Sandbox {
        let seed = (u64::from(seed_high) << 32) | u64::from(seed_low);
        Sandbox::with(serve::start(seed, wall_ms as i64))
    }

    /// The sandbox a [`Sandbox::snapshot`] holds, going on at wall time
    /// `wall_ms`; refused (with why) when it is not one this build reads.
    pub fn restore(snapshot: &str, wall_ms: f64) -> Result<Sandbox, JsError> {
        Ok(Sandbox::with(keep::restore(snapshot, wall_ms as i64)?))
    }

    /// The simulator as JSON text, without its credentials (see labsim's
    /// `snapshot.rs`).
    pub fn snapshot(&self) -> String {
        self.sim.snapshot()
    }

    /// How many changes since start (a request that may change something,
    /// a step that recorded an event): the worker saves when it moved.
    #[wasm_bindgen(getter)]
    pub fn changes(&self) -> f64 {
        self.changes.count() as f64
    }

    /// Answers one request (a [`SandboxRequest`] as JSON: the page
    /// already has serde_json, so JSON text costs its module nothing more).
    pub fn answer(&mut self, request: &str, wall_ms: f64) -> Result<Answered, JsError> {
        let request: SandboxRequest = serde_json::from_str(request)?;
        let may_change = keep::may_change(&request);
        let answer = serve::answer(&mut self.sim, request, wall_ms as i64);
        self.changes.answered(&self.sim, may_change);
        Ok(Answered {
            delay_ms: answer.delay_ms as f64,
            json: serde_json::to_string(&answer)?,
        })
    }

    /// Begins a tick (the server's 50 ms timer); `true` while
    /// [`Sandbox::tick_continue`] has more to do.
    pub fn tick_start(&mut self, wall_ms: f64) -> bool {
        let more = serve::tick_start(&mut self.sim, wall_ms as i64, TICK_BUDGET);
        self.changes.stepped(&self.sim);
        more
    }

    /// The next slice of the tick.
    pub fn tick_continue(&mut self, wall_ms: f64) -> bool {
        let more = serve::tick_continue(&mut self.sim, wall_ms as i64, TICK_BUDGET);
        self.changes.stepped(&self.sim);
        more
    }
}

impl Sandbox {
    fn with(sim: labsim::Simulator) -> Sandbox {
        Sandbox {
            changes: ChangeCount::new(&sim),
            sim,
        }
    }
}
