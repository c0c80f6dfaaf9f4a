//! The guide's words: each step's title, what to do and where, and what
//! each check's evidence and problems say. Spike (docs/i18n.md): titles,
//! steps, statuses and problems from `labmate_core::words`; the evidence
//! is still English.

use lab_model::names::{AOSS_POLICY, ROLE, STREAM_POLICY};
use labmate_core::flow::FlowId;
use labmate_core::guide::{Evidence, FlowReach, PolicyStatement, Problem, Status, Step};

use labmate_core::word;
use labmate_core::words::Lang;

/// A step's title (spike, docs/i18n.md: from the catalogue).
pub fn title(lang: Lang, step: Step) -> &'static str {
    match step {
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

/// A step as the guide shows it.
pub struct StepWords {
    pub title: &'static str,
    /// What to do, and where in the console.
    pub todo: &'static str,
    /// What the learner should then see.
    pub expect: &'static str,
}

pub fn step(lang: Lang, step: Step) -> StepWords {
    let (todo, expect) = match step {
        Step::Function => (
            word!(lang, guide.todo_function),
            word!(lang, guide.expect_function),
        ),
        Step::Stream => (
            word!(lang, guide.todo_stream),
            word!(lang, guide.expect_stream),
        ),
        Step::StreamPolicy => (
            word!(lang, guide.todo_stream_policy),
            word!(lang, guide.expect_stream_policy),
        ),
        Step::AossPolicy => (
            word!(lang, guide.todo_aoss_policy),
            word!(lang, guide.expect_aoss_policy),
        ),
        Step::Trigger => (
            word!(lang, guide.todo_trigger),
            word!(lang, guide.expect_trigger),
        ),
        Step::Environment => (
            word!(lang, guide.todo_environment),
            word!(lang, guide.expect_environment),
        ),
        Step::TestPost => (
            word!(lang, guide.todo_test_post),
            word!(lang, guide.expect_test_post),
        ),
        Step::Verify => (
            word!(lang, guide.todo_verify),
            word!(lang, guide.expect_verify),
        ),
        Step::Explore => (
            word!(lang, guide.todo_explore),
            word!(lang, guide.expect_explore),
        ),
    };
    StepWords {
        title: title(lang, step),
        todo,
        expect,
    }
}

/// The status badge's words.
pub fn status(lang: Lang, status: &Status, inferred: bool) -> String {
    let word = match status {
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

fn flow_ref(lang: Lang, flow: FlowId) -> String {
    word!(lang, guide.flow_ref)(flow.0)
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn statement(s: &PolicyStatement) -> String {
    let action_word = if s.not_action { "NotAction" } else { "Action" };
    let resource_word = if s.not_resource {
        "NotResource"
    } else {
        "Resource"
    };
    let mut out = format!(
        "{} {action_word} {} on {resource_word} {}",
        s.effect,
        list(&s.actions),
        list(&s.resources)
    );
    if s.has_condition {
        out.push_str(" (with a condition)");
    }
    out
}

/// One piece of evidence.
pub fn evidence(e: &Evidence) -> String {
    let lang = Lang::En;
    match e {
        Evidence::Function {
            runtime,
            role,
            state,
            handler,
        } => {
            let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
            format!(
                "Function: runtime {}, role {}, state {}, handler {}",
                or_unknown(runtime),
                or_unknown(role),
                or_unknown(state),
                or_unknown(handler)
            )
        }
        Evidence::Stream { view_type, arn } => match arn {
            Some(arn) => format!("Stream on, view type {view_type}: {arn}"),
            None => format!("Stream on, view type {view_type}"),
        },
        Evidence::Statement {
            policy,
            statement: s,
        } => {
            format!("{policy}: {}", statement(s))
        }
        Evidence::Trigger {
            state,
            stream_arn,
            last_processing_result,
        } => format!(
            "Trigger {state}, reading {}; last result: {}",
            stream_arn.as_deref().unwrap_or("?"),
            last_processing_result.as_deref().unwrap_or("none yet")
        ),
        Evidence::Variable { name, value } => format!("{name} = {value}"),
        Evidence::Flow {
            flow,
            change,
            item_id,
            reached,
        } => {
            let reached = match reached {
                FlowReach::Written => "written to the table",
                FlowReach::Lambda => "handled by the function (its log lines)",
                FlowReach::Document => "seen in the index",
            };
            format!(
                "{} {} of item {}: {reached}",
                flow_ref(lang, *flow),
                change.as_str(),
                item_id.as_deref().unwrap_or("?")
            )
        }
        Evidence::TriggerRead {
            last_processing_result,
        } => format!("The trigger read the stream: {last_processing_result}"),
    }
}

/// A problem: what is wrong, and what fixes it.
pub fn problem(lang: Lang, p: &Problem) -> (String, String) {
    match p {
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
                &flow_ref(lang, *flow),
                &reason.reason_in(lang),
            ),
            reason.fix_in(lang),
        ),
        Problem::IndexRefusedLambda { flow } => (
            word!(lang, guide.problem_index_refused_lambda)(&flow_ref(lang, *flow)),
            word!(lang, guide.fix_index_refused_lambda)(AOSS_POLICY, ROLE),
        ),
    }
}
