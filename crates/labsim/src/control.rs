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
use crate::lambda::logs::LogsLimits;
use crate::message::{Request, Response};
use crate::setup::SetupPatch;
use crate::timeline::{self, SharedTimeline};
use crate::{cors, time, Simulator};

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

/// The `ttl_seconds` `POST /_labsim/credentials` accepts: up to 36 hours
/// either way. STS's sessions last 900 to 129,600 s; labsim also mints
/// short-lived and already expired credentials for tests (down to
/// -129,600 s), and nothing beyond, so every expiry is a valid date.
pub const TTL_SECONDS_RANGE: std::ops::RangeInclusive<i64> = -129_600..=129_600;

/// Body of `POST /_labsim/credentials`; an empty body means the default TTL.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MintRequest {
    pub ttl_seconds: Option<i64>,
    /// The credentials' identity policy (a JSON object, or a string holding
    /// one) instead of the learner's.
    pub policy: Option<serde_json::Value>,
}

/// Body of `POST /_labsim/clock`: how far to move the simulator's clock
/// ahead, in milliseconds (at most `u32::MAX`, about 49 days, a call).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockAdvance {
    pub advance_ms: u32,
}

/// `GET /_labsim/clock` and the answer to `POST`: the simulator's time and
/// its lead over the host's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockJson {
    pub now_ms: i64,
    pub offset_ms: i64,
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
        // What labmate generates for learners' credentials, for this lab:
        // tests mint credentials with it (`POST /_labsim/credentials`).
        ("learner-policy", "GET") => {
            Response::json(200, &lab_model::policies::learner_policy(&sim.lab_ids()))
        }
        ("events", "GET") => events(sim.timeline(), req),
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
        ("refresh-lag", "GET") => Response::json(200, &RefreshLagJson::of(sim)),
        ("refresh-lag", "POST") => set_refresh_lag(sim, req),
        ("limits", "GET") => Response::json(200, &sim.limits()),
        ("limits", "POST") => set_limits(sim, req),
        ("clock", "GET") => clock(sim, now_ms),
        ("clock", "POST") => match serde_json::from_slice::<ClockAdvance>(&req.body) {
            Ok(advance) => {
                sim.advance_clock(advance.advance_ms);
                clock(sim, now_ms + i64::from(advance.advance_ms))
            }
            Err(e) => error(
                400,
                &format!(
                    "expected {{\"advance_ms\": N}} with N from 0 to {}: {e}",
                    u32::MAX
                ),
            ),
        },
        (
            "config" | "reset" | "credentials" | "learner-policy" | "events" | "faults" | "setup"
            | "stream/roll-over" | "clock" | "limits" | "refresh-lag",
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
    if !TTL_SECONDS_RANGE.contains(&ttl) {
        return error(
            400,
            &format!(
                "ttl_seconds must be between {} and {} (36 hours either way), not {ttl}",
                TTL_SECONDS_RANGE.start(),
                TTL_SECONDS_RANGE.end()
            ),
        );
    }
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

/// `GET /_labsim/limits`: AWS's rate and page limits labsim applies, which
/// a test suite may loosen (`POST` with the same shape, fields to change
/// only; `null` lifts a limit). A reset puts AWS's back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub logs: LogsLimits,
}

impl Simulator {
    pub fn limits(&self) -> Limits {
        Limits {
            logs: self.lambda.logs().limits(),
        }
    }
}

fn set_limits(sim: &mut Simulator, req: &Request) -> Response {
    const SHAPE: &str = r#"expected {"logs": {"filter_log_events_per_second": 5, "get_log_events_per_second": 10, "filter_page_span_ms": 60000}} (any of the fields; null lifts a limit)"#;
    let patch = match serde_json::from_slice::<serde_json::Value>(&req.body) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return error(400, SHAPE),
    };
    let mut logs = sim.lambda.logs().limits();
    for (name, value) in &patch {
        let result = match name.as_str() {
            "logs" => logs.patch(value),
            _ => return error(400, SHAPE),
        };
        if let Err(e) = result {
            return error(400, &format!("logs: {e}"));
        }
    }
    sim.lambda.logs_mut().set_limits(logs);
    Response::json(200, &sim.limits())
}

/// `GET /_labsim/refresh-lag` and the answer to `POST`: how long the
/// collection's search lags a write, as `--refresh-lag-ms` takes it
/// (`1000`, `200..800` or `spread`). A suite shortens it (the in-page
/// sandbox has no command line); it holds from the next write, and a
/// reset keeps it, as it keeps the command line's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshLagJson {
    pub refresh_lag_ms: String,
}

impl RefreshLagJson {
    fn of(sim: &Simulator) -> Self {
        RefreshLagJson {
            refresh_lag_ms: sim.collection.refresh_lag().to_string(),
        }
    }
}

fn set_refresh_lag(sim: &mut Simulator, req: &Request) -> Response {
    const SHAPE: &str =
        r#"expected {"refresh_lag_ms": 1000} (milliseconds, "MIN..MAX" or "spread")"#;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        refresh_lag_ms: serde_json::Value,
    }
    let text = match serde_json::from_slice::<Body>(&req.body).map(|b| b.refresh_lag_ms) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        _ => return error(400, SHAPE),
    };
    match text.parse::<crate::opensearch::RefreshLag>() {
        Ok(lag) => {
            sim.set_refresh_lag(lag);
            Response::json(200, &RefreshLagJson::of(sim))
        }
        Err(e) => error(400, &format!("refresh_lag_ms: {e}")),
    }
}

/// `GET /_labsim/events[?after=N][&limit=M]`: the ground-truth timeline,
/// the events after the reader's cursor.
fn events(timeline: &SharedTimeline, req: &Request) -> Response {
    match timeline::PageRequest::parse(&req.query) {
        Ok(page) => Response::json(200, &timeline.shared_page(page.after, page.limit)),
        Err(e) => error(400, &e.to_string()),
    }
}

/// `GET /_labsim/events` answered from the timeline alone and finished as
/// every control answer is (`Date`, CORS); `None` for any other request.
/// The server calls it before taking the simulator, so a timeline read
/// neither waits for the simulator nor holds it up.
pub fn answer_timeline_read(
    timeline: &SharedTimeline,
    req: &Request,
    now_ms: i64,
) -> Option<Response> {
    let is_read =
        req.path.strip_prefix(PREFIX) == Some("events") && req.method.eq_ignore_ascii_case("GET");
    if !is_read {
        return None;
    }
    let mut response = events(timeline, req);
    response.set_header("Date", &time::http_date(now_ms));
    cors::finish(&cors::CONTROL, req, &mut response);
    Some(response)
}

/// Test-only: the simulator's clock, which `POST` moves ahead (never back)
/// so that a suite can let an iterator's 15 minutes or a record's 24 hours
/// pass. Every service sees the new time, signature checks included: a
/// client must sign with its clock moved as far.
fn clock(sim: &Simulator, now_ms: i64) -> Response {
    Response::json(
        200,
        &ClockJson {
            now_ms,
            offset_ms: sim.clock_offset_ms(),
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{dynamodb_request, json_of, Signer, NOW};
    use crate::{Service, SimConfig};

    const MINUTE: i64 = 60_000;

    fn sim() -> Simulator {
        Simulator::new(SimConfig::new(5), NOW)
    }

    /// A control call as the server makes it: at the simulator's time.
    fn control(sim: &mut Simulator, method: &str, path: &str, body: &str) -> Response {
        let req = Request::new(method, path).with_body(body);
        let now = sim.clock(NOW);
        sim.handle(Service::Sts, &req, now)
    }

    #[test]
    fn the_refresh_lag_is_read_and_shortened_and_a_reset_keeps_it() {
        let mut sim = sim();
        let lag = |sim: &mut Simulator| {
            json_of(&control(sim, "GET", "/_labsim/refresh-lag", ""))["refresh_lag_ms"].clone()
        };
        assert_eq!(lag(&mut sim), "10000");
        for (body, now) in [
            (r#"{"refresh_lag_ms": 1000}"#, "1000"),
            (r#"{"refresh_lag_ms": "200..800"}"#, "200..800"),
            (r#"{"refresh_lag_ms": "spread"}"#, "10000..60000"),
            (r#"{"refresh_lag_ms": "0"}"#, "0"),
        ] {
            let res = control(&mut sim, "POST", "/_labsim/refresh-lag", body);
            assert_eq!(
                (res.status, json_of(&res)["refresh_lag_ms"].clone()),
                (200, now.into())
            );
            assert_eq!(sim.collection().refresh_lag().to_string(), now);
        }
        for (bad, says) in [
            (
                r#"{"refresh_lag_ms": 60001}"#,
                "refresh_lag_ms: 60001 ms is out of range",
            ),
            (
                r#"{"refresh_lag_ms": "9..1"}"#,
                "refresh_lag_ms: the range 9..1 is reversed",
            ),
            (
                r#"{"refresh_lag_ms": true}"#,
                "expected {\"refresh_lag_ms\": 1000}",
            ),
            (r#"{"lag": 5}"#, "expected {\"refresh_lag_ms\": 1000}"),
        ] {
            let res = control(&mut sim, "POST", "/_labsim/refresh-lag", bad);
            assert_eq!(res.status, 400, "{bad}");
            let error = json_of(&res)["error"].as_str().unwrap().to_owned();
            assert!(error.starts_with(says), "{bad}: {error}");
        }
        control(&mut sim, "POST", "/_labsim/reset", "");
        assert_eq!(lag(&mut sim), "0");
    }

    #[test]
    fn the_clock_moves_ahead_never_back_and_keeps_its_lead_over_a_reset() {
        let mut sim = sim();
        let res = control(&mut sim, "GET", "/_labsim/clock", "");
        assert_eq!(
            json_of(&res),
            serde_json::json!({"now_ms": NOW, "offset_ms": 0})
        );
        let res = control(
            &mut sim,
            "POST",
            "/_labsim/clock",
            r#"{"advance_ms": 900000}"#,
        );
        assert_eq!(res.status, 200);
        assert_eq!(
            json_of(&res),
            serde_json::json!({"now_ms": NOW + 15 * MINUTE, "offset_ms": 15 * MINUTE})
        );
        assert_eq!(sim.clock(NOW + 1), NOW + 15 * MINUTE + 1);
        for bad in [
            r#"{"advance_ms": -1}"#,
            r#"{"advance_ms": 1.5}"#,
            r#"{"advance_ms": 4294967296}"#,
            r#"{"back_ms": 1}"#,
            "",
        ] {
            let res = control(&mut sim, "POST", "/_labsim/clock", bad);
            assert_eq!(res.status, 400, "{bad}");
            assert!(
                json_of(&res)["error"]
                    .as_str()
                    .unwrap()
                    .starts_with("expected {\"advance_ms\": N} with N from 0 to 4294967295"),
                "{bad}"
            );
        }
        assert_eq!(
            control(&mut sim, "DELETE", "/_labsim/clock", "").status,
            405
        );
        assert_eq!(control(&mut sim, "POST", "/_labsim/reset", "").status, 200);
        assert_eq!(sim.clock_offset_ms(), 15 * MINUTE);
    }

    #[test]
    fn after_a_jump_requests_are_judged_at_the_simulators_time() {
        let mut sim = sim();
        control(
            &mut sim,
            "POST",
            "/_labsim/clock",
            r#"{"advance_ms": 900000}"#,
        );
        let mut signer = Signer::new(sim.identity().demo_credentials());
        signer.service = "dynamodb".to_owned();
        let describe = || dynamodb_request("DescribeTable", r#"{"TableName":"lab-table"}"#);
        let now = sim.clock(NOW);
        // Signed by a client whose clock did not move: 15 minutes behind.
        let res = sim.handle(Service::DynamoDb, &signer.sign(describe()), now);
        assert_eq!(res.status, 400);
        assert!(
            json_of(&res)["message"]
                .as_str()
                .unwrap()
                .starts_with("Signature expired"),
            "{}",
            res.body_text()
        );
        signer.time_ms = now;
        let res = sim.handle(Service::DynamoDb, &signer.sign(describe()), now);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    #[test]
    fn the_reader_limit_switch_holds_until_the_faults_are_cleared() {
        let mut sim = sim();
        assert!(sim.dynamodb().shard_reader_limit());
        let res = control(
            &mut sim,
            "POST",
            "/_labsim/faults",
            r#"{"service":"streams","no_reader_limit":true}"#,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert!(!sim.dynamodb().shard_reader_limit());
        let listed = json_of(&control(&mut sim, "GET", "/_labsim/faults", ""));
        assert_eq!(listed["faults"][0]["no_reader_limit"], true);
        control(&mut sim, "DELETE", "/_labsim/faults", "");
        assert!(sim.dynamodb().shard_reader_limit());
        let res = control(
            &mut sim,
            "POST",
            "/_labsim/faults",
            r#"{"service":"streams","times":2,"no_reader_limit":true}"#,
        );
        assert_eq!(res.status, 400);
        assert!(sim.dynamodb().shard_reader_limit());
    }

    fn mint_with(sim: &mut Simulator, body: &str) -> Response {
        let req = Request::new("POST", "/_labsim/credentials").with_body(body);
        handle(sim, &req, NOW)
    }

    #[test]
    fn ttl_seconds_out_of_range_is_refused_naming_the_field_and_range() {
        let mut sim = Simulator::new(SimConfig::new(3), NOW);
        // Before the check, 10^15 s gave an expiry past year 9999, not an
        // RFC 3339 date.
        for ttl in [
            "1000000000000000",
            "129601",
            "-129601",
            "9223372036854775807",
        ] {
            let res = mint_with(&mut sim, &format!(r#"{{"ttl_seconds": {ttl}}}"#));
            assert_eq!(res.status, 400, "{ttl}");
            let body: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
            assert_eq!(
                body["error"],
                format!("ttl_seconds must be between -129600 and 129600 (36 hours either way), not {ttl}")
            );
        }
    }

    #[test]
    fn the_learner_policy_is_served_for_this_labs_ids_in_the_consoles_order() {
        let mut sim = sim();
        let res = control(&mut sim, "GET", "/_labsim/learner-policy", "");
        assert_eq!(res.status, 200);
        let expected = lab_model::policies::learner_policy(&sim.lab_ids());
        assert_eq!(res.body_text(), expected.to_json());
        assert!(res
            .body_text()
            .starts_with(r#"{"Version":"2012-10-17","Statement":[{"Sid":"#));
        assert!(res
            .body_text()
            .contains("arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/POST/lab"));
        let res = control(&mut sim, "POST", "/_labsim/learner-policy", "{}");
        assert_eq!(res.status, 405);
    }

    #[test]
    fn limits_are_read_and_loosened_over_http_and_reset_to_aws() {
        let mut sim = Simulator::new(SimConfig::new(3), NOW);
        let get = Request::new("GET", "/_labsim/limits");
        let aws = serde_json::json!({"logs": {
            "filter_log_events_per_second": 5,
            "get_log_events_per_second": 10,
            "filter_page_span_ms": 60000,
        }});
        let read = |res: Response| serde_json::from_slice::<serde_json::Value>(&res.body).unwrap();
        assert_eq!(read(handle(&mut sim, &get, NOW)), aws);
        let post = |body: &str| Request::new("POST", "/_labsim/limits").with_body(body);
        let res = handle(
            &mut sim,
            &post(r#"{"logs": {"filter_log_events_per_second": null}}"#),
            NOW,
        );
        assert_eq!(res.status, 200);
        assert_eq!(
            read(res)["logs"]["filter_log_events_per_second"],
            serde_json::Value::Null
        );
        assert_eq!(sim.limits().logs.filter_log_events_per_second, None);
        let res = handle(
            &mut sim,
            &post(r#"{"logs": {"get_log_events_per_second": 0}}"#),
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(
            read(res)["error"],
            "logs: get_log_events_per_second must be null (no limit) or a whole number from 1 to 1000000"
        );
        assert_eq!(handle(&mut sim, &post(r#"{"sts": {}}"#), NOW).status, 400);
        handle(&mut sim, &Request::new("POST", "/_labsim/reset"), NOW);
        assert_eq!(read(handle(&mut sim, &get, NOW)), aws);
    }

    #[test]
    fn ttl_seconds_at_the_ends_of_the_range_and_what_tests_use_are_minted() {
        let mut sim = Simulator::new(SimConfig::new(3), NOW);
        // NOW is 2024-10-08T19:55:22Z.
        for (ttl, expiration) in [
            (-129_600, "2024-10-07T07:55:22Z"),
            (-180, "2024-10-08T19:52:22Z"),
            (4, "2024-10-08T19:55:26Z"),
            (3600, "2024-10-08T20:55:22Z"),
            (129_600, "2024-10-10T07:55:22Z"),
        ] {
            let res = mint_with(&mut sim, &format!(r#"{{"ttl_seconds": {ttl}}}"#));
            assert_eq!(res.status, 200, "{ttl}");
            let c: SimulatorCredentials = serde_json::from_slice(&res.body).unwrap();
            assert_eq!(c.expiration, expiration);
        }
    }
}
