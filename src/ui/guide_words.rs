//! The guide's words: each step's title, what to do and where, and what
//! each check's evidence and problems say. English for now; the page's
//! language catalogues take these over (issue 9, part 6).

use lab_model::names::{AOSS_POLICY, ROLE, STREAM_POLICY, TABLE};
use labmate_core::flow::{FlowId, Stuck};
use labmate_core::guide::{Evidence, FlowReach, PolicyStatement, Problem, Status, Step};

use crate::lang::i18n::td_string;
use crate::lang::Locale;

/// A step's title (spike, docs/i18n.md: from the catalogue).
pub fn title(locale: Locale, step: Step) -> &'static str {
    match step {
        Step::Function => td_string!(locale, step_function),
        Step::Stream => td_string!(locale, step_stream),
        Step::StreamPolicy => td_string!(locale, step_stream_policy),
        Step::AossPolicy => td_string!(locale, step_aoss_policy),
        Step::Trigger => td_string!(locale, step_trigger),
        Step::Environment => td_string!(locale, step_environment),
        Step::TestPost => td_string!(locale, step_test_post),
        Step::Verify => td_string!(locale, step_verify),
        Step::Explore => td_string!(locale, step_explore),
    }
}

/// Why a flow stopped, worded from core's typed reason (spike: two of
/// them from the catalogue, the others still core's English Display).
fn stuck_reason(locale: Locale, reason: &Stuck) -> String {
    match reason {
        Stuck::TriggerOff { state } => td_string!(locale, stuck_trigger_off, state),
        Stuck::NoStreamRecord { waited_ms } => {
            td_string!(locale, stuck_no_stream_record, seconds = waited_ms / 1000)
        }
        other => other.to_string(),
    }
}

fn stuck_fix(locale: Locale, reason: &Stuck) -> String {
    match reason {
        Stuck::TriggerOff { .. } => td_string!(locale, fix_stuck_trigger_off).to_owned(),
        Stuck::NoStreamRecord { .. } => {
            td_string!(locale, fix_stuck_no_stream_record, table = TABLE)
        }
        other => other.fix(),
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

pub fn step(locale: Locale, step: Step) -> StepWords {
    let (todo, expect) = match step {
        Step::Function => (
            td_string!(locale, todo_function),
            td_string!(locale, expect_function),
        ),
        Step::Stream => (
            td_string!(locale, todo_stream),
            td_string!(locale, expect_stream),
        ),
        Step::StreamPolicy => (
            td_string!(locale, todo_stream_policy),
            td_string!(locale, expect_stream_policy),
        ),
        Step::AossPolicy => (
            td_string!(locale, todo_aoss_policy),
            td_string!(locale, expect_aoss_policy),
        ),
        Step::Trigger => (
            td_string!(locale, todo_trigger),
            td_string!(locale, expect_trigger),
        ),
        Step::Environment => (
            td_string!(locale, todo_environment),
            td_string!(locale, expect_environment),
        ),
        Step::TestPost => (
            td_string!(locale, todo_test_post),
            td_string!(locale, expect_test_post),
        ),
        Step::Verify => (
            td_string!(locale, todo_verify),
            td_string!(locale, expect_verify),
        ),
        Step::Explore => (
            td_string!(locale, todo_explore),
            td_string!(locale, expect_explore),
        ),
    };
    StepWords {
        title: title(locale, step),
        todo,
        expect,
    }
}

/// The status badge's words.
pub fn status(locale: Locale, status: &Status, inferred: bool) -> String {
    let word = match status {
        Status::Passed => td_string!(locale, status_done),
        Status::Failed => td_string!(locale, status_failed),
        Status::Waiting => td_string!(locale, status_waiting),
        Status::CannotCheck { permission } => {
            return td_string!(locale, status_cannot_check, permission);
        }
    };
    if inferred {
        td_string!(locale, status_inferred, status = word)
    } else {
        word.to_owned()
    }
}

fn flow_ref(locale: Locale, flow: FlowId) -> String {
    td_string!(locale, flow_ref, id = flow.0)
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
    let locale = Locale::en;
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
                flow_ref(locale, *flow),
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
pub fn problem(locale: Locale, p: &Problem) -> (String, String) {
    match p {
        Problem::FunctionMissing { name } => (
            td_string!(locale, problem_function_missing, name),
            td_string!(locale, fix_function_missing, role = ROLE),
        ),
        Problem::RuntimeNotPython { runtime } => (
            td_string!(locale, problem_runtime_not_python, runtime),
            td_string!(locale, fix_runtime_not_python).to_owned(),
        ),
        Problem::OtherRole { role, expected } => (
            td_string!(locale, problem_other_role, role, expected),
            td_string!(locale, fix_other_role, expected),
        ),
        Problem::FunctionNotActive { state } => (
            td_string!(locale, problem_function_not_active, state),
            td_string!(locale, fix_function_not_active).to_owned(),
        ),
        Problem::StreamOff => (
            td_string!(locale, problem_stream_off).to_owned(),
            td_string!(locale, fix_stream_off).to_owned(),
        ),
        Problem::NoNewImage { view_type } => (
            td_string!(locale, problem_no_new_image, view_type),
            td_string!(locale, fix_no_new_image).to_owned(),
        ),
        Problem::RoleMissing { role } => (
            td_string!(locale, problem_role_missing, role),
            td_string!(locale, fix_role_missing).to_owned(),
        ),
        Problem::PolicyMissing { role, policy } => (
            td_string!(locale, problem_policy_missing, role, policy),
            td_string!(locale, fix_policy_missing, role, policy),
        ),
        Problem::ActionsNotAllowed {
            policy,
            actions,
            resource,
        } => (
            td_string!(
                locale,
                problem_actions_not_allowed,
                policy,
                actions = list(actions),
                resource
            ),
            td_string!(locale, fix_actions_not_allowed, policy),
        ),
        Problem::TriggerMissing => (
            td_string!(locale, problem_trigger_missing).to_owned(),
            td_string!(locale, fix_trigger_missing).to_owned(),
        ),
        Problem::TriggerNotEnabled { state } => (
            td_string!(locale, problem_trigger_not_enabled, state),
            td_string!(locale, fix_trigger_not_enabled).to_owned(),
        ),
        Problem::TriggerReadsOldStream { reads, current } => (
            td_string!(locale, problem_trigger_reads_old_stream, reads, current),
            td_string!(locale, fix_trigger_reads_old_stream).to_owned(),
        ),
        Problem::TriggerCannotRead {
            last_processing_result,
        } => (
            td_string!(
                locale,
                problem_trigger_cannot_read,
                result = last_processing_result
            ),
            td_string!(locale, fix_trigger_cannot_read, policy = STREAM_POLICY),
        ),
        Problem::VariableMissing { name, expected } => (
            td_string!(locale, problem_variable_missing, name),
            td_string!(locale, fix_variable_missing, name, expected),
        ),
        Problem::VariableWrong {
            name,
            value,
            expected,
        } => (
            td_string!(locale, problem_variable_wrong, name, value, expected),
            td_string!(locale, fix_variable_wrong, name, expected),
        ),
        Problem::FlowStuck {
            flow,
            change,
            reason,
        } => (
            td_string!(
                locale,
                problem_flow_stuck,
                change = change.as_str(),
                flow = flow_ref(locale, *flow),
                reason = stuck_reason(locale, reason)
            ),
            stuck_fix(locale, reason),
        ),
        Problem::IndexRefusedLambda { flow } => (
            td_string!(
                locale,
                problem_index_refused_lambda,
                flow = flow_ref(locale, *flow)
            ),
            td_string!(
                locale,
                fix_index_refused_lambda,
                aoss_policy = AOSS_POLICY,
                role = ROLE
            ),
        ),
    }
}
