//! The guide's typed values in words: a step's title, what to do and what
//! to expect, a status, a piece of evidence, a problem and its fix, in the
//! page's language (`crate::words`). Checks return these values as data;
//! they are worded only where they are shown or exported, so switching the
//! language re-words what is on screen.

use lab_model::names::{AOSS_POLICY, ROLE, STREAM_POLICY};

use super::{Evidence, FlowReach, PolicyStatement, Problem, Status, Step};
use crate::word;
use crate::words::Lang;

impl Step {
    /// Its title.
    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Step::Function => word!(lang, guide.step_function),
            Step::Stream => word!(lang, guide.step_stream),
            Step::StreamPolicy => word!(lang, guide.step_stream_policy),
            Step::AossPolicy => word!(lang, guide.step_aoss_policy),
            Step::Trigger => word!(lang, guide.step_trigger),
            Step::Environment => word!(lang, guide.step_environment),
            Step::TestPost => word!(lang, guide.step_test_post),
            Step::Verify => word!(lang, guide.step_verify),
            Step::Explore => word!(lang, guide.step_explore),
        }
    }

    /// What to do, and where in the console.
    pub fn todo(self, lang: Lang) -> &'static str {
        match self {
            Step::Function => word!(lang, guide.todo_function),
            Step::Stream => word!(lang, guide.todo_stream),
            Step::StreamPolicy => word!(lang, guide.todo_stream_policy),
            Step::AossPolicy => word!(lang, guide.todo_aoss_policy),
            Step::Trigger => word!(lang, guide.todo_trigger),
            Step::Environment => word!(lang, guide.todo_environment),
            Step::TestPost => word!(lang, guide.todo_test_post),
            Step::Verify => word!(lang, guide.todo_verify),
            Step::Explore => word!(lang, guide.todo_explore),
        }
    }

    /// What the learner should then see.
    pub fn expect(self, lang: Lang) -> &'static str {
        match self {
            Step::Function => word!(lang, guide.expect_function),
            Step::Stream => word!(lang, guide.expect_stream),
            Step::StreamPolicy => word!(lang, guide.expect_stream_policy),
            Step::AossPolicy => word!(lang, guide.expect_aoss_policy),
            Step::Trigger => word!(lang, guide.expect_trigger),
            Step::Environment => word!(lang, guide.expect_environment),
            Step::TestPost => word!(lang, guide.expect_test_post),
            Step::Verify => word!(lang, guide.expect_verify),
            Step::Explore => word!(lang, guide.expect_explore),
        }
    }
}

impl Status {
    /// The status badge's words; `inferred`: decided from indirect
    /// evidence.
    pub fn words(&self, lang: Lang, inferred: bool) -> String {
        let word = match self {
            Status::Passed => word!(lang, guide.status_done),
            Status::Failed => word!(lang, guide.status_failed),
            Status::Waiting => word!(lang, guide.status_waiting),
            Status::CannotCheck { permission } => {
                return word!(lang, guide.status_cannot_check)(permission);
            }
        };
        if inferred {
            word!(lang, guide.status_inferred)(word)
        } else {
            word.to_owned()
        }
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// A statement of `policy`, as evidence. `Allow`, `Action` and the like
/// are IAM's own words and stay as the policy writes them.
fn statement(lang: Lang, policy: &str, s: &PolicyStatement) -> String {
    let action_word = if s.not_action { "NotAction" } else { "Action" };
    let resource_word = if s.not_resource {
        "NotResource"
    } else {
        "Resource"
    };
    let sentence = if s.has_condition {
        word!(lang, guide.evidence_statement_condition)
    } else {
        word!(lang, guide.evidence_statement)
    };
    sentence(
        policy,
        &s.effect,
        action_word,
        &list(&s.actions),
        resource_word,
        &list(&s.resources),
    )
}

impl Evidence {
    /// One line of "what labmate saw". Values AWS gave (a runtime, an
    /// ARN, a result) stay as AWS gave them; `?` where AWS gave none.
    pub fn words(&self, lang: Lang) -> String {
        let or_unknown = |v: &Option<String>| v.as_deref().unwrap_or("?").to_owned();
        match self {
            Evidence::Function {
                runtime,
                role,
                state,
                handler,
            } => word!(lang, guide.evidence_function)(
                &or_unknown(runtime),
                &or_unknown(role),
                &or_unknown(state),
                &or_unknown(handler),
            ),
            Evidence::Stream { view_type, arn } => match arn {
                Some(arn) => word!(lang, guide.evidence_stream_arn)(view_type, arn),
                None => word!(lang, guide.evidence_stream)(view_type),
            },
            Evidence::Statement {
                policy,
                statement: s,
            } => statement(lang, policy, s),
            Evidence::Trigger {
                state,
                stream_arn,
                last_processing_result,
            } => match last_processing_result {
                Some(result) => {
                    word!(lang, guide.evidence_trigger)(state, &or_unknown(stream_arn), result)
                }
                None => {
                    word!(lang, guide.evidence_trigger_no_result)(state, &or_unknown(stream_arn))
                }
            },
            // A name and a value: no words to translate.
            Evidence::Variable { name, value } => format!("{name} = {value}"),
            Evidence::Flow {
                flow,
                change,
                item_id,
                reached,
            } => {
                let sentence = match reached {
                    FlowReach::Written => word!(lang, guide.evidence_flow_written),
                    FlowReach::Lambda => word!(lang, guide.evidence_flow_lambda),
                    FlowReach::Document => word!(lang, guide.evidence_flow_document),
                };
                sentence(flow.0, change.as_str(), &or_unknown(item_id))
            }
            Evidence::TriggerRead {
                last_processing_result,
            } => word!(lang, guide.evidence_trigger_read)(last_processing_result),
        }
    }
}

impl Problem {
    /// What is wrong.
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang).0
    }

    /// What fixes it.
    pub fn fix_in(&self, lang: Lang) -> String {
        self.worded(lang).1
    }

    /// (what is wrong, what fixes it): one match, so a problem's two
    /// sentences cannot drift apart.
    pub fn worded(&self, lang: Lang) -> (String, String) {
        let flow_ref = |flow: &crate::flow::FlowId| word!(lang, guide.flow_ref)(flow.0);
        match self {
            Problem::FunctionMissing { name } => (
                word!(lang, guide.problem_function_missing)(name),
                word!(lang, guide.fix_function_missing)(ROLE),
            ),
            Problem::RuntimeNotPython { runtime } => (
                word!(lang, guide.problem_runtime_not_python)(runtime),
                word!(lang, guide.fix_runtime_not_python).to_owned(),
            ),
            Problem::OtherRole { role, expected } => (
                word!(lang, guide.problem_other_role)(role, expected),
                word!(lang, guide.fix_other_role)(expected),
            ),
            Problem::FunctionNotActive { state } => (
                word!(lang, guide.problem_function_not_active)(state),
                word!(lang, guide.fix_function_not_active).to_owned(),
            ),
            Problem::StreamOff => (
                word!(lang, guide.problem_stream_off).to_owned(),
                word!(lang, guide.fix_stream_off).to_owned(),
            ),
            Problem::NoNewImage { view_type } => (
                word!(lang, guide.problem_no_new_image)(view_type),
                word!(lang, guide.fix_no_new_image).to_owned(),
            ),
            Problem::RoleMissing { role } => (
                word!(lang, guide.problem_role_missing)(role),
                word!(lang, guide.fix_role_missing).to_owned(),
            ),
            Problem::PolicyMissing { role, policy } => (
                word!(lang, guide.problem_policy_missing)(role, policy),
                word!(lang, guide.fix_policy_missing)(role, policy),
            ),
            Problem::ActionsNotAllowed {
                policy,
                actions,
                resource,
            } => (
                word!(lang, guide.problem_actions_not_allowed)(policy, &list(actions), resource),
                word!(lang, guide.fix_actions_not_allowed)(policy),
            ),
            Problem::TriggerMissing => (
                word!(lang, guide.problem_trigger_missing).to_owned(),
                word!(lang, guide.fix_trigger_missing).to_owned(),
            ),
            Problem::TriggerNotEnabled { state } => (
                word!(lang, guide.problem_trigger_not_enabled)(state),
                word!(lang, guide.fix_trigger_not_enabled).to_owned(),
            ),
            Problem::TriggerReadsOldStream { reads, current } => (
                word!(lang, guide.problem_trigger_reads_old_stream)(reads, current),
                word!(lang, guide.fix_trigger_reads_old_stream).to_owned(),
            ),
            Problem::TriggerCannotRead {
                last_processing_result,
            } => (
                word!(lang, guide.problem_trigger_cannot_read)(last_processing_result),
                word!(lang, guide.fix_trigger_cannot_read)(STREAM_POLICY),
            ),
            Problem::VariableMissing { name, expected } => (
                word!(lang, guide.problem_variable_missing)(name),
                word!(lang, guide.fix_variable_missing)(name, expected),
            ),
            Problem::VariableWrong {
                name,
                value,
                expected,
            } => (
                word!(lang, guide.problem_variable_wrong)(name, value, expected),
                word!(lang, guide.fix_variable_wrong)(name, expected),
            ),
            Problem::FlowStuck {
                flow,
                change,
                reason,
            } => (
                word!(lang, guide.problem_flow_stuck)(
                    change.as_str(),
                    &flow_ref(flow),
                    &reason.reason_in(lang),
                ),
                reason.fix_in(lang),
            ),
            Problem::IndexRefusedLambda { flow } => (
                word!(lang, guide.problem_index_refused_lambda)(&flow_ref(flow)),
                word!(lang, guide.fix_index_refused_lambda)(AOSS_POLICY, ROLE),
            ),
        }
    }
}
