//! The guide: chapter 4.1's steps and a check for each, run over what the
//! pollers read with the learner's own credentials (the function, the
//! table's stream, the role's inline policies, the trigger, the flows).
//!
//! Checks are plain functions of those facts, so they do not depend on the
//! order the learner worked in and re-run whenever new evidence arrives. A
//! check says what it saw (its evidence) and, when the step is not done,
//! each problem with what fixes it; the words are the page's (one
//! catalogue per language), so a check returns typed findings, not text.
//! [`Progress`] remembers each step's last status, so a step that passed
//! and fails again is reported as a regression.

mod checks;
mod export;
mod policy;
mod progress;
mod step;
#[cfg(test)]
mod tests;
mod words;

pub use checks::{check_all, check_step, expected_variables, lab_ids, LabFacts};
pub use export::{json_report, markdown_report, outcome};
pub use policy::{stream_arn_pattern, PolicyStatement};
pub use progress::{Progress, StepRecord};
pub use step::Step;
pub use words::{with_values, Piece};

use lab_model::timeline::ChangeKind;
use serde::{Deserialize, Serialize};

use crate::flow::{FlowId, Stuck};

/// Where a step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Done, with evidence.
    Passed,
    /// Not done, or done wrong: see the problems.
    Failed,
    /// Nothing wrong seen yet, but not done either (no evidence yet: the
    /// pollers have not read it, or the learner has not got there).
    Waiting,
    /// The credentials cannot read what the check needs.
    CannotCheck { permission: String },
}

impl Status {
    /// A short stable key, for the page's styles and tests.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Waiting => "waiting",
            Status::CannotCheck { .. } => "cannot-check",
        }
    }
}

/// One step's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCheck {
    pub step: Step,
    pub status: Status,
    /// Decided from indirect evidence (the trigger's state, what the Lambda
    /// did) because the credentials cannot read the setting itself.
    pub inferred: bool,
    pub evidence: Vec<Evidence>,
    pub problems: Vec<Problem>,
}

/// What a check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// GetFunctionConfiguration: runtime, role, state, handler.
    Function {
        runtime: Option<String>,
        role: Option<String>,
        state: Option<String>,
        handler: Option<String>,
    },
    /// DescribeTable: the stream's view type and current ARN.
    Stream {
        view_type: String,
        arn: Option<String>,
    },
    /// One statement of one of the role's inline policies.
    Statement {
        policy: String,
        statement: PolicyStatement,
    },
    /// The trigger: its state, the stream it reads, its last result.
    Trigger {
        state: String,
        stream_arn: Option<String>,
        last_processing_result: Option<String>,
    },
    /// One of the function's environment variables.
    Variable { name: String, value: String },
    /// A change labmate followed, and how far it went.
    Flow {
        flow: FlowId,
        change: ChangeKind,
        item_id: Option<String>,
        reached: FlowReach,
    },
    /// The trigger ran the function on the stream's records (so its role
    /// can read the stream).
    TriggerRead { last_processing_result: String },
}

/// How far a flow got, as a step's evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowReach {
    /// The API answered `{}`: the item is written.
    Written,
    /// The Lambda's log shows it handled the record.
    Lambda,
    /// Complete: the document is in the index (or gone, for a REMOVE).
    Document,
}

/// Something wrong or missing, with what the page explains as its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// GetFunctionConfiguration answered 404.
    FunctionMissing { name: String },
    /// The chapter uses Python 3.12; the code is Python.
    RuntimeNotPython { runtime: String },
    /// The function runs as another role than the lab's.
    OtherRole { role: String, expected: String },
    /// The function is not Active (Pending, Inactive, Failed).
    FunctionNotActive { state: String },
    /// The table has no stream.
    StreamOff,
    /// The stream's records carry no new image.
    NoNewImage { view_type: String },
    /// IAM has no role of that name.
    RoleMissing { role: String },
    /// The role has no inline policy of the chapter's name.
    PolicyMissing { role: String, policy: String },
    /// The policy does not allow these actions on the resource the lab
    /// needs (`resource`: the ARN they were checked against).
    ActionsNotAllowed {
        policy: String,
        actions: Vec<String>,
        resource: String,
    },
    /// The function has no trigger.
    TriggerMissing,
    /// The trigger is not Enabled.
    TriggerNotEnabled { state: String },
    /// The trigger reads a stream that is no longer the table's (the stream
    /// was turned off and on again: a new stream).
    TriggerReadsOldStream { reads: String, current: String },
    /// The trigger's last result says its role cannot read the stream.
    TriggerCannotRead { last_processing_result: String },
    /// An environment variable is not set.
    VariableMissing { name: String, expected: String },
    /// An environment variable is set to something else.
    VariableWrong {
        name: String,
        value: String,
        expected: String,
    },
    /// A change stopped, and why (the flow's own reason and fix).
    FlowStuck {
        flow: FlowId,
        change: ChangeKind,
        reason: Stuck,
    },
    /// The collection refused the Lambda's write (403): its role is not
    /// allowed (the policy, or the data access policy).
    IndexRefusedLambda { flow: FlowId },
}
