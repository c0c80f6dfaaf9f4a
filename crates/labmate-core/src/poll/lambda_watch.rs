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
    Function,
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
        }
    }

    fn due(&self, step: Step) -> i64 {
        let (due, health) = match step {
            Step::Trigger => (self.trigger_due_ms, &self.trigger),
            Step::Function => (self.function_due_ms, &self.setup),
        };
        due.max(health.retry_at_ms).max(self.free_ms)
    }

    fn health(&mut self, step: Step) -> &mut Health {
        match step {
            Step::Trigger => &mut self.trigger,
            Step::Function => &mut self.setup,
        }
    }

    fn call(&self, step: Step) -> PlannedCall {
        let function =
            form_urlencoded::byte_serialize(self.function.as_bytes()).collect::<String>();
        let (operation, path_and_query) = match step {
            Step::Trigger => (
                "ListEventSourceMappings",
                format!("/2015-03-31/event-source-mappings?FunctionName={function}"),
            ),
            Step::Function => (
                "GetFunctionConfiguration",
                format!("/2015-03-31/functions/{function}/configuration"),
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
        let step = [Step::Trigger, Step::Function]
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
        };
        if let Some(failure) = failure(Service::Lambda, action, &answer) {
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
                (Step::Function, true) => {
                    self.setup.waiting(WaitReason::NoFunction);
                    self.function_due_ms = now_ms + WATCH_EVERY_MS;
                    vec![Observation::Function(FunctionSetup::missing(now_ms))]
                }
                _ => self.health(step).fail(failure, Hop::Lambda, now_ms),
            };
        }
        self.health(step).ok();
        let body = json_of(&answer);
        match step {
            Step::Trigger => {
                let trigger = TriggerSeen::from_list_event_source_mappings(&body, now_ms);
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
                self.function_due_ms = now_ms + WATCH_EVERY_MS;
                vec![Observation::Function(
                    FunctionSetup::from_function_configuration(&body, now_ms),
                )]
            }
        }
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

    fn mapping(state: &str) -> serde_json::Value {
        json!({"EventSourceMappings": [{"State": state, "LastProcessingResult": "No records processed"}]})
    }

    #[test]
    fn reads_the_trigger_and_the_function_every_ten_seconds_and_faster_while_the_trigger_settles() {
        let mut w = LambdaWatch::new("sync-data-with-dynamodb-stream");
        let c = call(&mut w, 0);
        assert_eq!(
            (c.method, c.path_and_query.as_str()),
            (
                "GET",
                "/2015-03-31/event-source-mappings?FunctionName=sync-data-with-dynamodb-stream"
            )
        );
        let seen = answer(&mut w, 200, mapping("Enabling"), 0);
        assert!(
            matches!(&seen[..], [Observation::Trigger(t)] if t.state.as_deref() == Some("Enabling"))
        );
        let c = call(&mut w, 500);
        assert_eq!(
            c.path_and_query,
            "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration"
        );
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
        assert_eq!(call(&mut w, 10_500).operation, "GetFunctionConfiguration");
        answer(&mut w, 200, json!({}), 10_500);
        assert_eq!(w.next(10_600), Next::WaitUntil(12_000));
    }

    #[test]
    fn a_refused_mapping_list_names_its_action_and_the_function_is_still_read() {
        let mut w = LambdaWatch::new("f");
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
        let mut w = LambdaWatch::new("f");
        call(&mut w, 0);
        let missing = json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:ap-southeast-1:123456789012:function:f"});
        let seen = answer(&mut w, 404, missing.clone(), 0);
        assert!(matches!(&seen[..], [Observation::Trigger(t)] if t.state.is_none()));
        call(&mut w, 500);
        let seen = answer(&mut w, 404, missing, 500);
        assert!(
            matches!(&seen[..], [Observation::Function(f)] if f.missing && f.environment.is_empty()),
            "{seen:?}"
        );
        assert_eq!(
            w.setup.status,
            PollerStatus::Waiting {
                reason: WaitReason::NoFunction
            }
        );
    }

    #[test]
    fn throttling_backs_off_that_call_only() {
        let mut w = LambdaWatch::new("f");
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
}
