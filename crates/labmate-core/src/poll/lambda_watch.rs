//! The trigger and function watch: ListEventSourceMappings (the trigger's
//! `State` and `LastProcessingResult`) and GetFunctionConfiguration (the
//! lab's environment variables, OPENSEARCH_INDEX among them) every
//! [`WATCH_EVERY_MS`], and every [`SETTLING_EVERY_MS`] while the trigger is
//! changing state (Creating, Enabling, Updating, Disabling, Deleting).
//!
//! Each call keeps its own health: a learner allowed to read the function
//! but not its mappings still sees the function. A refusal names the
//! action; it explains the Lambda hop without hiding it (the log shows the
//! hop), see [`crate::flow::NotObservable::hides_hop`].

use super::{
    failure, json_of, Failure, Health, InFlight, Next, Outcome, PlannedCall, Poller, PollerStatus,
    RetryCause, WaitReason, LOST_CALL_MS,
};
use crate::flow::{FunctionSetup, Hop, Observation, TriggerSeen};
use crate::Service;

/// How often the trigger and the function are read.
pub const WATCH_EVERY_MS: i64 = 10_000;
/// How often the trigger is read while it changes state.
pub const SETTLING_EVERY_MS: i64 = 2_000;
/// The least time between two Lambda calls.
pub const LAMBDA_GAP_MS: i64 = 500;

/// States a mapping passes through on its way to Enabled or Disabled.
const SETTLING: [&str; 5] = ["Creating", "Enabling", "Updating", "Disabling", "Deleting"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Trigger,
    /// GetFunctionConfiguration.
    Function,
    /// ListFunctions: whether the function exists yet. A 404 from
    /// GetFunctionConfiguration for a function not created yet would be
    /// printed in the console of every learner who opens labmate before
    /// chapter 4.1's first step.
    Find,
}

/// Whether the function exists, as the last look said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Unknown,
    Missing,
    There,
}

/// The watch's state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaWatch {
    function: String,
    trigger_due_ms: i64,
    function_due_ms: i64,
    free_ms: i64,
    trigger: Health,
    setup: Health,
    in_flight: Option<InFlight<Step>>,
    /// "Check now" was asked while a call was out.
    recheck_pending: bool,
    presence: Presence,
    /// Where ListFunctions goes on (its `NextMarker`).
    marker: Option<String>,
    /// The role may not ListFunctions: the function is read directly.
    list_refused: bool,
}

impl LambdaWatch {
    /// A watch of the function named `function` and its trigger.
    pub fn new(function: &str) -> Self {
        LambdaWatch {
            function: function.to_owned(),
            trigger_due_ms: 0,
            function_due_ms: 0,
            free_ms: 0,
            trigger: Health::default(),
            setup: Health::default(),
            in_flight: None,
            recheck_pending: false,
            presence: Presence::Unknown,
            marker: None,
            list_refused: false,
        }
    }

    /// How the function is read next: found first, unless it is known to
    /// be there (or the role may not list functions).
    fn function_step(&self) -> Step {
        if self.presence == Presence::There || self.list_refused {
            Step::Function
        } else {
            Step::Find
        }
    }

    /// The function is not there: nor is its trigger (not asked: Lambda
    /// would answer 404 too).
    fn missing(&mut self, now_ms: i64) -> Vec<Observation> {
        self.presence = Presence::Missing;
        self.marker = None;
        self.setup.waiting(WaitReason::NoFunction);
        self.trigger.ok();
        self.function_due_ms = now_ms + WATCH_EVERY_MS;
        vec![
            Observation::Function(FunctionSetup::missing(now_ms)),
            Observation::Trigger(TriggerSeen {
                state: None,
                last_processing_result: None,
                event_source_arn: None,
                mappings: 0,
                seen_ms: now_ms,
            }),
        ]
    }

    fn due(&self, step: Step) -> i64 {
        let (due, health) = match step {
            // No function, no trigger to ask about.
            Step::Trigger if self.presence == Presence::Missing => (i64::MAX, &self.trigger),
            Step::Trigger => (self.trigger_due_ms, &self.trigger),
            Step::Function | Step::Find => (self.function_due_ms, &self.setup),
        };
        due.max(health.retry_at_ms).max(self.free_ms)
    }

    fn health(&mut self, step: Step) -> &mut Health {
        match step {
            Step::Trigger => &mut self.trigger,
            Step::Function | Step::Find => &mut self.setup,
        }
    }

    fn call(&self, step: Step) -> PlannedCall {
        let function =
            form_urlencoded::byte_serialize(self.function.as_bytes()).collect::<String>();
        let (operation, path_and_query) = match step {
            // Every mapping, not `?FunctionName=`: for a function not
            // created yet that is a 404, printed in the console.
            Step::Trigger => (
                "ListEventSourceMappings",
                "/2015-03-31/event-source-mappings".to_owned(),
            ),
            Step::Function => (
                "GetFunctionConfiguration",
                format!("/2015-03-31/functions/{function}/configuration"),
            ),
            Step::Find => (
                "ListFunctions",
                match &self.marker {
                    Some(marker) => format!(
                        "/2015-03-31/functions/?MaxItems=50&Marker={}",
                        form_urlencoded::byte_serialize(marker.as_bytes()).collect::<String>()
                    ),
                    None => "/2015-03-31/functions/?MaxItems=50".to_owned(),
                },
            ),
        };
        PlannedCall {
            service: Service::Lambda,
            operation,
            method: "GET",
            path_and_query,
            headers: Vec::new(),
            body: String::new(),
        }
    }
}

impl LambdaWatch {
    /// Reads the answer to the call in flight ([`Poller::answered`]).
    fn read_answer(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let Some(InFlight { step, .. }) = self.in_flight.take() else {
            return Vec::new();
        };
        let answer = match outcome {
            Outcome::Answered(answer) => answer,
            Outcome::NoAnswer => {
                self.health(step).retry(RetryCause::NoAnswer, now_ms);
                return Vec::new();
            }
        };
        let action = match step {
            Step::Trigger => "lambda:ListEventSourceMappings",
            Step::Function => "lambda:GetFunctionConfiguration",
            Step::Find => "lambda:ListFunctions",
        };
        if let Some(failure) = failure(Service::Lambda, action, &answer) {
            if step == Step::Find && matches!(failure, Failure::Denied { .. }) {
                // Read the function directly instead (a 404 then shows in
                // the console while it does not exist).
                self.list_refused = true;
                self.function_due_ms = now_ms;
                return Vec::new();
            }
            // Lambda's 404 names its error in a header only.
            let missing = matches!(failure, Failure::Refused { status: 404, .. });
            return match (step, missing) {
                // No function: no trigger either.
                (Step::Trigger, true) => {
                    self.trigger.ok();
                    self.trigger_due_ms = now_ms + WATCH_EVERY_MS;
                    vec![Observation::Trigger(TriggerSeen {
                        state: None,
                        last_processing_result: None,
                        event_source_arn: None,
                        mappings: 0,
                        seen_ms: now_ms,
                    })]
                }
                (Step::Function, true) => self.missing(now_ms),
                _ => self.health(step).fail(failure, Hop::Lambda, now_ms),
            };
        }
        self.health(step).ok();
        let body = json_of(&answer);
        match step {
            Step::Trigger => {
                let trigger =
                    TriggerSeen::from_list_event_source_mappings(&body, &self.function, now_ms);
                let settling = trigger
                    .state
                    .as_deref()
                    .is_some_and(|s| SETTLING.contains(&s));
                self.trigger_due_ms = now_ms
                    + if settling {
                        SETTLING_EVERY_MS
                    } else {
                        WATCH_EVERY_MS
                    };
                vec![Observation::Trigger(trigger)]
            }
            Step::Function => {
                // Each round looks for the function first, so one deleted
                // since is noticed without a 404.
                self.presence = Presence::Unknown;
                self.function_due_ms = now_ms + WATCH_EVERY_MS;
                vec![Observation::Function(
                    FunctionSetup::from_function_configuration(&body, now_ms),
                )]
            }
            Step::Find => {
                let listed = body["Functions"].as_array().is_some_and(|all| {
                    all.iter()
                        .any(|f| f["FunctionName"].as_str() == Some(&self.function))
                });
                if listed {
                    // There: its configuration next, and its trigger too if
                    // the function has just appeared.
                    if self.presence == Presence::Missing {
                        self.trigger_due_ms = self.trigger_due_ms.min(now_ms);
                    }
                    self.presence = Presence::There;
                    self.marker = None;
                    self.function_due_ms = now_ms;
                    return Vec::new();
                }
                match body["NextMarker"].as_str() {
                    Some(marker) => {
                        self.marker = Some(marker.to_owned());
                        self.function_due_ms = now_ms;
                        Vec::new()
                    }
                    None => self.missing(now_ms),
                }
            }
        }
    }
}

impl Poller for LambdaWatch {
    fn next(&mut self, now_ms: i64) -> Next {
        if let Some(f) = &self.in_flight {
            if now_ms - f.since_ms < LOST_CALL_MS {
                return Next::Idle;
            }
            let step = f.step;
            self.in_flight = None;
            self.health(step).retry(RetryCause::NoAnswer, now_ms);
        }
        let step = [Step::Trigger, self.function_step()]
            .into_iter()
            .min_by_key(|s| self.due(*s))
            .unwrap_or(Step::Trigger);
        let due = self.due(step);
        if due > now_ms {
            return Next::WaitUntil(due);
        }
        self.free_ms = now_ms + LAMBDA_GAP_MS;
        self.in_flight = Some(InFlight {
            step,
            since_ms: now_ms,
        });
        Next::Call(self.call(step))
    }

    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let seen = self.read_answer(outcome, now_ms);
        // "Check now" came while this call was out: the answer may predate
        // the learner's change, so the settings are read again, at once
        // even if it was a refusal.
        if std::mem::take(&mut self.recheck_pending) {
            self.wake();
            self.trigger_due_ms = 0;
            self.function_due_ms = 0;
        }
        seen
    }

    /// The trigger's trouble first, then the function's.
    fn status(&self) -> PollerStatus {
        [&self.trigger.status, &self.setup.status]
            .into_iter()
            .find(|s| s.is_trouble())
            .unwrap_or(&self.trigger.status)
            .clone()
    }

    fn wake(&mut self) {
        self.trigger.wake();
        self.setup.wake();
    }

    fn recheck(&mut self) {
        self.wake();
        self.recheck_pending = self.in_flight.is_some();
        self.trigger_due_ms = 0;
        self.function_due_ms = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::Answer;
    use serde_json::json;

    fn call(w: &mut LambdaWatch, now: i64) -> PlannedCall {
        match w.next(now) {
            Next::Call(c) => c,
            other => panic!("expected a call at {now}, got {other:?}"),
        }
    }

    fn answer(
        w: &mut LambdaWatch,
        status: u16,
        body: serde_json::Value,
        now: i64,
    ) -> Vec<Observation> {
        w.answered(
            Outcome::Answered(Answer::new(status, body.to_string())),
            now,
        )
    }

    /// A watch that has found its function.
    fn there(function: &str) -> LambdaWatch {
        let mut w = LambdaWatch::new(function);
        w.presence = Presence::There;
        w
    }

    fn mapping(state: &str) -> serde_json::Value {
        json!({"EventSourceMappings": [{"State": state, "LastProcessingResult": "No records processed",
            "FunctionArn": "arn:aws:lambda:ap-southeast-1:123456789012:function:f"}]})
    }

    #[test]
    fn reads_the_trigger_and_the_function_every_ten_seconds_and_faster_while_the_trigger_settles() {
        let mut w = there("f");
        let c = call(&mut w, 0);
        assert_eq!(
            (c.method, c.path_and_query.as_str()),
            ("GET", "/2015-03-31/event-source-mappings")
        );
        let seen = answer(&mut w, 200, mapping("Enabling"), 0);
        assert!(
            matches!(&seen[..], [Observation::Trigger(t)] if t.state.as_deref() == Some("Enabling"))
        );
        let c = call(&mut w, 500);
        assert_eq!(c.path_and_query, "/2015-03-31/functions/f/configuration");
        let seen = answer(
            &mut w,
            200,
            json!({"Environment": {"Variables": {"OPENSEARCH_INDEX": "dynamodb_replicate"}}}),
            500,
        );
        assert!(
            matches!(&seen[..], [Observation::Function(f)] if f.index() == Some("dynamodb_replicate"))
        );
        // Enabling: the trigger again in 2 s.
        assert_eq!(w.next(600), Next::WaitUntil(2_000));
        call(&mut w, 2_000);
        answer(&mut w, 200, mapping("Enabled"), 2_000);
        assert_eq!(
            w.next(2_100),
            Next::WaitUntil(10_500),
            "the function's turn"
        );
        // Each round looks for the function first (one deleted since is no 404).
        assert_eq!(call(&mut w, 10_500).operation, "ListFunctions");
        answer(&mut w, 200, listed(&["f"], None), 10_500);
        assert_eq!(call(&mut w, 11_000).operation, "GetFunctionConfiguration");
        answer(&mut w, 200, json!({}), 11_000);
        assert_eq!(w.next(11_100), Next::WaitUntil(12_000));
    }

    #[test]
    fn a_refused_mapping_list_names_its_action_and_the_function_is_still_read() {
        let mut w = there("f");
        call(&mut w, 0);
        let denied = json!({"Message": "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: lambda:ListEventSourceMappings on resource: * because no identity-based policy allows the lambda:ListEventSourceMappings action"});
        let seen = answer(&mut w, 403, denied, 0);
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(n.permission, "lambda:ListEventSourceMappings");
        assert!(!n.hides_hop(), "the log still shows the Lambda hop");
        assert_eq!(
            w.status().describe(0),
            "not observable: needs lambda:ListEventSourceMappings"
        );
        assert_eq!(call(&mut w, 500).operation, "GetFunctionConfiguration");
        answer(&mut w, 200, json!({}), 500);
        assert_eq!(w.next(600), Next::WaitUntil(10_500));
        assert!(w.status().is_trouble());
    }

    #[test]
    fn a_missing_function_has_no_trigger() {
        let mut w = there("f");
        call(&mut w, 0);
        let missing = json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:f"});
        let seen = answer(&mut w, 404, missing.clone(), 0);
        assert!(matches!(&seen[..], [Observation::Trigger(t)] if t.state.is_none()));
        call(&mut w, 500);
        let seen = answer(&mut w, 404, missing, 500);
        assert!(
            matches!(&seen[..], [Observation::Function(f), Observation::Trigger(t)] if f.missing && f.environment.is_empty() && t.state.is_none()),
            "{seen:?}"
        );
        // Gone: looked for by listing, its trigger not asked.
        assert_eq!(call(&mut w, 10_500).operation, "ListFunctions");
        assert_eq!(
            w.setup.status,
            PollerStatus::Waiting {
                reason: WaitReason::NoFunction
            }
        );
    }

    #[test]
    fn throttling_backs_off_that_call_only() {
        let mut w = there("f");
        call(&mut w, 0);
        answer(
            &mut w,
            429,
            json!({"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}),
            0,
        );
        assert!(w
            .status()
            .describe(0)
            .starts_with("throttled, retrying in 2 s"));
        assert_eq!(call(&mut w, 500).operation, "GetFunctionConfiguration");
        answer(&mut w, 200, json!({}), 500);
        assert_eq!(w.next(600), Next::WaitUntil(2_000));
        assert_eq!(call(&mut w, 2_000).operation, "ListEventSourceMappings");
    }

    #[test]
    fn check_now_reads_the_trigger_and_the_function_again_at_once() {
        let mut w = there("f");
        call(&mut w, 0);
        answer(&mut w, 200, mapping("Enabled"), 0);
        call(&mut w, 500);
        answer(&mut w, 200, json!({}), 500);
        assert_eq!(w.next(1_000), Next::WaitUntil(WATCH_EVERY_MS));
        w.recheck();
        assert_eq!(call(&mut w, 1_000).operation, "ListEventSourceMappings");
        answer(&mut w, 200, mapping("Disabled"), 1_000);
        assert_eq!(call(&mut w, 1_500).operation, "ListFunctions");
    }

    #[test]
    fn check_now_during_a_refused_call_asks_again_at_once() {
        let mut w = there("f");
        call(&mut w, 0);
        w.recheck();
        // Refused with the credentials of before the learner's fix: told,
        // but no 30 s wait before the reading "Check now" asked for.
        let seen = answer(
            &mut w,
            403,
            json!({"Message": "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: lambda:ListEventSourceMappings on resource: * because no identity-based policy allows the lambda:ListEventSourceMappings action"}),
            100,
        );
        assert!(
            matches!(&seen[..], [Observation::NotObservable(n)] if n.permission == "lambda:ListEventSourceMappings"),
            "{seen:?}"
        );
        assert_eq!(call(&mut w, 600).operation, "ListEventSourceMappings");
    }

    fn listed(names: &[&str], next: Option<&str>) -> serde_json::Value {
        let mut body = json!({"Functions": names.iter().map(|n| json!({"FunctionName": n, "Runtime": "python3.12"})).collect::<Vec<_>>()});
        if let Some(marker) = next {
            body["NextMarker"] = json!(marker);
        }
        body
    }

    #[test]
    fn the_function_is_found_by_listing_so_a_lab_without_it_meets_no_404() {
        let mut w = LambdaWatch::new("f");
        // Every mapping is listed (a 200 whatever exists), then the function.
        let c = call(&mut w, 0);
        assert_eq!(c.path_and_query, "/2015-03-31/event-source-mappings");
        let seen = answer(&mut w, 200, json!({"EventSourceMappings": []}), 0);
        assert!(matches!(&seen[..], [Observation::Trigger(t)] if t.state.is_none()));
        let c = call(&mut w, 500);
        assert_eq!(
            (c.operation, c.path_and_query.as_str()),
            ("ListFunctions", "/2015-03-31/functions/?MaxItems=50")
        );
        assert_eq!(
            answer(&mut w, 200, listed(&["other"], Some("m 1")), 500),
            []
        );
        let c = call(&mut w, 1_000);
        assert_eq!(
            c.path_and_query,
            "/2015-03-31/functions/?MaxItems=50&Marker=m+1"
        );
        let seen = answer(&mut w, 200, listed(&[], None), 1_000);
        assert!(
            matches!(&seen[..], [Observation::Function(f), Observation::Trigger(t)] if f.missing && t.state.is_none()),
            "{seen:?}"
        );
        assert!(!w.status().is_trouble());
        // Asked again in ten seconds; no trigger asked meanwhile.
        assert_eq!(w.next(1_100), Next::WaitUntil(11_000));
        call(&mut w, 11_000);
        assert_eq!(answer(&mut w, 200, listed(&["f"], None), 11_000), []);
        let next: Vec<&str> = (0..2)
            .map(|i| {
                let now = 11_500 + i * 500;
                let c = call(&mut w, now);
                let body = if c.operation == "ListEventSourceMappings" {
                    mapping("Enabled")
                } else {
                    json!({})
                };
                answer(&mut w, 200, body, now);
                c.operation
            })
            .collect();
        assert_eq!(
            next,
            ["ListEventSourceMappings", "GetFunctionConfiguration"]
        );
    }

    #[test]
    fn without_list_functions_the_function_is_read_directly() {
        let mut w = LambdaWatch::new("f");
        call(&mut w, 0);
        answer(&mut w, 200, mapping("Enabled"), 0);
        assert_eq!(call(&mut w, 500).operation, "ListFunctions");
        let denied = json!({"Message": "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action"});
        assert_eq!(answer(&mut w, 403, denied, 500), []);
        assert!(!w.status().is_trouble(), "not a hop refused");
        assert_eq!(call(&mut w, 1_000).operation, "GetFunctionConfiguration");
    }

    #[test]
    fn a_trigger_is_the_one_of_this_function_among_all_listed() {
        let body = json!({"EventSourceMappings": [
            {"State": "Disabled", "FunctionArn": "arn:aws:lambda:ap-southeast-1:1:function:other"},
            {"State": "Enabled", "FunctionArn": "arn:aws:lambda:ap-southeast-1:1:function:f", "EventSourceArn": "s"},
            {"State": "Enabled", "FunctionArn": "arn:aws:lambda:ap-southeast-1:1:function:f-v2"}
        ]});
        let t = TriggerSeen::from_list_event_source_mappings(&body, "f", 1);
        assert_eq!(
            (
                t.state.as_deref(),
                t.event_source_arn.as_deref(),
                t.mappings
            ),
            (Some("Enabled"), Some("s"), 1)
        );
        let none = TriggerSeen::from_list_event_source_mappings(&body, "g", 1);
        assert_eq!((none.state, none.mappings), (None, 0));
    }
}
