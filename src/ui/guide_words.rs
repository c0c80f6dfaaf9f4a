//! The guide's words: each step's title, what to do and where, and what
//! each check's evidence and problems say. English for now; the page's
//! language catalogues take these over (issue 9, part 6).

use lab_model::names::{AOSS_POLICY, ROLE, STREAM_POLICY};
use labmate_core::flow::FlowId;
use labmate_core::guide::{Evidence, FlowReach, PolicyStatement, Problem, Status, Step};

use labmate_core::word;
use labmate_core::words::Lang;

/// A step's title (spike, docs/i18n.md: from the catalogue).
pub fn title(lang: Lang, step: Step) -> &'static str {
    match step {
        Step::Function => word!(lang, step_function),
        Step::Stream => word!(lang, step_stream),
        Step::StreamPolicy => word!(lang, step_stream_policy),
        Step::AossPolicy => word!(lang, step_aoss_policy),
        Step::Trigger => word!(lang, step_trigger),
        Step::Environment => word!(lang, step_environment),
        Step::TestPost => word!(lang, step_test_post),
        Step::Verify => word!(lang, step_verify),
        Step::Explore => word!(lang, step_explore),
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

pub fn step(step: Step) -> StepWords {
    match step {
        Step::Function => StepWords {
            title: title(Lang::En, step),
            todo: "Lambda console → Create function → Author from scratch. Name it sync-data-with-dynamodb-stream, runtime Python 3.12; under permissions, use the existing role lambda-lab-role. Then upload the stream-sync code from the lab's files.",
            expect: "labmate reads the function: Python, running as lambda-lab-role, Active.",
        },
        Step::Stream => StepWords {
            title: title(Lang::En, step),
            todo: "DynamoDB console → Tables → lab-table → Exports and streams → DynamoDB stream details → Turn on, view type New image.",
            expect: "Every write to the table now leaves a stream record holding the item as it is after the write.",
        },
        Step::StreamPolicy => StepWords {
            title: title(Lang::En, step),
            todo: "IAM console → Roles → lambda-lab-role → Add permissions → Create inline policy → JSON. Paste the policy below and name it dynamodb-stream-data.",
            expect: "The role may describe the table's streams and read their records: what the trigger needs.",
        },
        Step::AossPolicy => StepWords {
            title: title(Lang::En, step),
            todo: "On the same role, create a second inline policy from the JSON below, named aoss-policy.",
            expect: "The function, running as the role, may send requests to OpenSearch Serverless.",
        },
        Step::Trigger => StepWords {
            title: title(Lang::En, step),
            todo: "lab-table → Exports and streams → Triggers → Create trigger. Choose sync-data-with-dynamodb-stream, keep the batch size offered, and leave it turned on.",
            expect: "The trigger goes from Creating to Enabled in a few seconds, reading the table's current stream.",
        },
        Step::Environment => StepWords {
            title: title(Lang::En, step),
            todo: "Lambda console → the function → Configuration → Environment variables → Edit. Add the five variables below with exactly these values.",
            expect: "The function knows the collection's endpoint, the index and how to sign.",
        },
        Step::TestPost => StepWords {
            title: title(Lang::En, step),
            todo: "POST the test body to your API's /v1/lab: Send item in labmate does it, signed with your credentials.",
            expect: "The API answers {} : the item is in lab-table, with the request id as its id.",
        },
        Step::Verify => StepWords {
            title: title(Lang::En, step),
            todo: "Watch the flow on the board, or look yourself: the function's log group in CloudWatch Logs, and a search of dynamodb_replicate in the collection.",
            expect: "The log shows the event and a Successfully line; the search finds the document with the item's fields.",
        },
        Step::Explore => StepWords {
            title: title(Lang::En, step),
            todo: "Modify an item, then delete one: from a flow's detail in labmate, or in the DynamoDB console (Explore items). Watch each change downstream.",
            expect: "With the function as shipped, both stop in the Lambda (see why below); with the fixed code, the document changes and then disappears.",
        },
    }
}

/// The status badge's words.
pub fn status(lang: Lang, status: &Status, inferred: bool) -> String {
    let word = match status {
        Status::Passed => word!(lang, status_done),
        Status::Failed => word!(lang, status_failed),
        Status::Waiting => word!(lang, status_waiting),
        Status::CannotCheck { permission } => {
            return word!(lang, status_cannot_check)(permission);
        }
    };
    if inferred {
        word!(lang, status_inferred)(word)
    } else {
        word.to_owned()
    }
}

fn flow_ref(lang: Lang, flow: FlowId) -> String {
    word!(lang, flow_ref)(flow.0)
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
            format!("There is no function named {name}."),
            format!("Create it (this step): Python 3.12, existing role {ROLE}."),
        ),
        Problem::RuntimeNotPython { runtime } => (
            format!("The function runs {runtime}; the lab's code is Python."),
            "Create the function again with the Python 3.12 runtime.".into(),
        ),
        Problem::OtherRole { role, expected } => (
            format!("The function runs as the role {role}, not {expected}."),
            format!("Configuration → Permissions → Edit: choose {expected}, which holds the lab's policies."),
        ),
        Problem::FunctionNotActive { state } => (
            format!("The function is {state}."),
            "Open it in the Lambda console: its state reason says what went wrong.".into(),
        ),
        Problem::StreamOff => (
            "The table's stream is off, so no change leaves the table.".into(),
            "lab-table → Exports and streams → Turn on the stream, view type New image.".into(),
        ),
        Problem::NoNewImage { view_type } => (
            format!("The stream's view type is {view_type}: its records carry no new image for the function to copy."),
            "Turn the stream off, then on with New image, and create the trigger again (a stream turned on again is a new stream).".into(),
        ),
        Problem::RoleMissing { role } => (
            format!("IAM has no role named {role}."),
            "The role comes from the lab's earlier chapters: check its name, or create it as they say.".into(),
        ),
        Problem::PolicyMissing { role, policy } => (
            format!("The role {role} has no inline policy named {policy}."),
            format!("IAM → Roles → {role} → Add permissions → Create inline policy, with the JSON of this step, named {policy}."),
        ),
        Problem::ActionsNotAllowed {
            policy,
            actions,
            resource,
        } => (
            format!("{policy} does not allow {} on {resource}.", list(actions)),
            format!("Edit {policy} to match the JSON of this step."),
        ),
        Problem::TriggerMissing => (
            "The table's stream has no trigger: nothing runs the function.".into(),
            "lab-table → Exports and streams → Triggers → Create trigger for sync-data-with-dynamodb-stream.".into(),
        ),
        Problem::TriggerNotEnabled { state } => (
            word!(lang, problem_trigger_not_enabled)(state),
            word!(lang, fix_trigger_not_enabled).to_owned(),
        ),
        Problem::TriggerReadsOldStream { reads, current } => (
            format!("The trigger reads an older stream ({reads}); the table's stream is now {current}."),
            "Delete the trigger and create it again: turning a stream off and on makes a new one.".into(),
        ),
        Problem::TriggerCannotRead {
            last_processing_result,
        } => (
            format!("The trigger says: {last_processing_result}"),
            format!("Add the inline policy {STREAM_POLICY} to the role (step 3)."),
        ),
        Problem::VariableMissing { name, expected } => (
            format!("{name} is not set."),
            format!("Add {name} with the value {expected}."),
        ),
        Problem::VariableWrong {
            name,
            value,
            expected,
        } => (
            word!(lang, problem_variable_wrong)(name, value, expected),
            word!(lang, fix_variable_wrong)(name, expected),
        ),
        Problem::FlowStuck {
            flow,
            change,
            reason,
        } => (
            word!(lang, problem_flow_stuck)(change.as_str(), &flow_ref(lang, *flow), &reason.reason_in(lang)),
            reason.fix_in(lang),
        ),
        Problem::IndexRefusedLambda { flow } => (
            format!("The collection refused the function's write ({}).", flow_ref(lang, *flow)),
            format!("Add {AOSS_POLICY} to the role (step 4), and check that the collection's data access policy names {ROLE}."),
        ),
    }
}
