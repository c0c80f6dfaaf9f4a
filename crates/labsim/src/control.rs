//! The simulator's own endpoints under `/_labsim/`, and their JSON shapes.
//!
//! They are unauthenticated on purpose: the simulator runs on the learner's
//! machine, and a page must be able to fetch its credentials before it can
//! sign anything.

use serde::{Deserialize, Serialize};

use crate::faults::{FaultRule, FaultSpec};
use crate::iam::PolicyDocument;
use lab_model::{SimulatorCredentials, SimulatorIdentity};

use crate::identity::{Credentials, IdentityStore};
use crate::message::{Request, Response};
use crate::setup::SetupPatch;
use crate::{timeline, Simulator};

pub const PREFIX: &str = "/_labsim/";

/// Credentials as `GET /_labsim/config` and `POST /_labsim/credentials`
/// hand them out.
impl From<&Credentials> for SimulatorCredentials {
    fn from(c: &Credentials) -> Self {
        SimulatorCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expiration: c.expiration(),
        }
    }
}

/// What GetCallerIdentity returns for the demo principal.
impl From<&IdentityStore> for SimulatorIdentity {
    fn from(store: &IdentityStore) -> Self {
        let p = store.principal();
        SimulatorIdentity {
            account: p.account.clone(),
            arn: p.arn(),
            user_id: p.user_id(),
        }
    }
}

/// Body of `POST /_labsim/credentials`; an empty body means the default TTL.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MintRequest {
    pub ttl_seconds: Option<i64>,
    /// The credentials' identity policy (a JSON object, or a string holding
    /// one) instead of the learner's.
    pub policy: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a str,
}

/// Answers a request whose path starts with [`PREFIX`].
pub fn handle(sim: &mut Simulator, req: &Request, now_ms: i64) -> Response {
    let route = req.path.strip_prefix(PREFIX).unwrap_or_default();
    let method = req.method.to_ascii_uppercase();
    match (route, method.as_str()) {
        ("config", "GET") => Response::json(200, &sim.lab_config()),
        ("reset", "POST") => {
            sim.reset(now_ms);
            Response::json(200, &sim.lab_config())
        }
        ("credentials", "POST") => mint(sim, req, now_ms),
        ("events", "GET") => events(sim, req, now_ms),
        ("faults", "GET") => faults_list(sim),
        ("faults", "POST") => add_faults(sim, req),
        ("faults", "DELETE") => {
            sim.clear_faults();
            faults_list(sim)
        }
        ("setup", "GET") => Response::json(200, &sim.setup()),
        ("setup", "POST") => {
            match SetupPatch::parse(&req.body).and_then(|p| sim.apply_setup(&p, now_ms)) {
                Ok(setup) => Response::json(200, &setup),
                Err(e) => error(e.status(), e.message()),
            }
        }
        ("stream/roll-over", "POST") => match sim.roll_over_stream(now_ms) {
            Ok(rolled) => Response::json(200, &rolled),
            Err(e) => error(e.status(), e.message()),
        },
        (
            "config" | "reset" | "credentials" | "events" | "faults" | "setup" | "stream/roll-over",
            _,
        ) => error(405, "method not allowed"),
        _ => error(404, "no such control endpoint"),
    }
}

fn mint(sim: &mut Simulator, req: &Request, now_ms: i64) -> Response {
    let body = if req.body.iter().all(u8::is_ascii_whitespace) {
        MintRequest::default()
    } else {
        match serde_json::from_slice::<MintRequest>(&req.body) {
            Ok(body) => body,
            Err(e) => {
                return error(
                    400,
                    &format!("expected {{\"ttl_seconds\": N, \"policy\": {{...}}}}: {e}"),
                )
            }
        }
    };
    let ttl = body
        .ttl_seconds
        .unwrap_or(sim.config().credential_ttl_seconds);
    let policy = match &body.policy {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(PolicyDocument::parse(text)),
        Some(value) => Some(PolicyDocument::from_value(value)),
    };
    let credentials = match policy {
        None => sim.mint_credentials(now_ms, ttl),
        Some(Ok(policy)) => sim.mint_credentials_with_policy(now_ms, ttl, policy),
        Some(Err(e)) => return error(400, &format!("bad policy: {e}")),
    };
    Response::json(200, &SimulatorCredentials::from(&credentials))
}

/// `GET /_labsim/events[?since_ms=N]`: the ground-truth timeline.
fn events(sim: &Simulator, req: &Request, now_ms: i64) -> Response {
    let since = form_urlencoded::parse(req.query.as_bytes())
        .find(|(k, _)| k == "since_ms")
        .map(|(_, v)| v.parse::<i64>());
    match since {
        Some(Err(_)) => error(400, "since_ms must be epoch milliseconds"),
        Some(Ok(since)) => Response::json(200, &timeline::events_json(sim, Some(since), now_ms)),
        None => Response::json(200, &timeline::events_json(sim, None, now_ms)),
    }
}

/// `{"faults": [rule, ...]}`.
fn faults_list(sim: &Simulator) -> Response {
    let rules: Vec<serde_json::Value> = sim
        .faults()
        .rules()
        .iter()
        .map(FaultRule::to_json)
        .collect();
    Response::json(200, &serde_json::json!({ "faults": rules }))
}

/// `POST /_labsim/faults` with one rule or an array of them; all or none
/// are added.
fn add_faults(sim: &mut Simulator, req: &Request) -> Response {
    let specs = match serde_json::from_slice::<serde_json::Value>(&req.body) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(serde_json::from_value::<FaultSpec>)
            .collect::<Result<Vec<_>, _>>(),
        Ok(one) => serde_json::from_value::<FaultSpec>(one).map(|s| vec![s]),
        Err(e) => return error(400, &format!("expected a JSON fault rule: {e}")),
    };
    let specs = match specs {
        Ok(specs) => specs,
        Err(e) => return error(400, &format!("bad fault rule: {e}")),
    };
    for (i, spec) in specs.iter().enumerate() {
        if let Err(e) = FaultRule::new(0, spec.clone()) {
            return error(400, &format!("fault rule {i}: {e}"));
        }
    }
    let mut added = Vec::new();
    for spec in specs {
        match sim.add_fault(spec) {
            Ok(rule) => added.push(rule),
            Err(e) => return error(400, &e),
        }
    }
    Response::json(200, &serde_json::json!({ "faults": added }))
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &ErrorJson { error: message })
}
