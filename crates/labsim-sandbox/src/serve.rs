//! The worker's side of labsim's server, without the network: the
//! simulator set up at the sandbox's addresses, and one request taken
//! through the same core path the server takes it (timeline reads, the
//! body limit, then faults, control, signature, authorization, service).

use lab_model::{sandbox, Service};
use labsim::message::Request;
use labsim::{body_limit, control, SimConfig, Simulator};

use crate::message::{target, SandboxAnswer, SandboxRequest};

/// The simulator as the sandbox starts it: labsim's defaults (the
/// workshop's Lambda, the stream on, the role as the guide leaves it),
/// every service at its sandbox address, at wall time `wall_ms`.
pub fn start(seed: u64, wall_ms: i64) -> Simulator {
    let mut config = SimConfig::new(seed);
    config.endpoints = Service::ALL
        .into_iter()
        .map(|s| (s.key().to_owned(), sandbox::endpoint(s)))
        .collect();
    Simulator::new(config, wall_ms)
}

/// Which service answers at `host`: a service's own host, or the
/// sandbox's address for the control endpoints (any of labsim's ports
/// answers those; STS's is the one a `#sim=` link names).
fn service_at(host: &str, path: &str) -> Option<Service> {
    if let Some(service) = sandbox::service_of_host(host) {
        return Some(service);
    }
    let own = sandbox::ADDRESS.split_once("://").map(|(_, h)| h);
    (own == Some(host) && path.starts_with(control::PREFIX)).then_some(Service::Sts)
}

/// Answers `request` at the host's wall time `wall_ms` (the simulator's
/// clock lead is added here, as the server adds it).
pub fn answer(sim: &mut Simulator, request: SandboxRequest, wall_ms: i64) -> SandboxAnswer {
    let Ok(target) = target(&request.url) else {
        return SandboxAnswer::dropped();
    };
    let Some(service) = service_at(target.host, target.path) else {
        // Nothing listens there.
        return SandboxAnswer::dropped();
    };
    let mut headers = request.headers;
    // What the browser adds to every fetch it sends (a client outside a
    // browser, such as an SDK given the worker's door, sends its own).
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if !has(&headers, "host") {
        headers.push(("host".to_owned(), target.host.to_owned()));
    }
    if !request.body.is_empty() && !has(&headers, "content-length") {
        headers.push(("content-length".to_owned(), request.body.len().to_string()));
    }
    let req = Request {
        method: request.method,
        path: target.path.to_owned(),
        query: target.query.to_owned(),
        headers,
        body: request.body.into_bytes(),
    };
    let now = sim.clock(wall_ms);
    if let Some(res) = control::answer_timeline_read(sim.timeline(), &req, now) {
        return answered(res, 0);
    }
    if req.body.len() > body_limit::max_body_bytes(service, &req.path) {
        return answered(sim.refuse_too_large(service, &req, now), 0);
    }
    let answer = sim.answer(service, &req, now);
    if answer.drop {
        return SandboxAnswer::dropped();
    }
    answered(answer.response, answer.delay_ms)
}

fn answered(res: labsim::message::Response, delay_ms: u64) -> SandboxAnswer {
    SandboxAnswer {
        status: res.status,
        // The lab's services answer in JSON or XML text.
        body: String::from_utf8_lossy(&res.body).into_owned(),
        headers: res.headers,
        delay_ms,
        dropped: false,
    }
}

/// Lets time pass for the pipeline, in slices of `budget` stream records
/// (see [`Simulator::tick_start`]); `true` while there is more.
pub fn tick_start(sim: &mut Simulator, wall_ms: i64, budget: usize) -> bool {
    let now = sim.clock(wall_ms);
    sim.tick_start(now, budget)
}

/// The next slice of the tick begun by [`tick_start`].
pub fn tick_continue(sim: &mut Simulator, wall_ms: i64, budget: usize) -> bool {
    let now = sim.clock(wall_ms);
    sim.tick_continue(now, budget)
}
