//! One check per step: a plain function of what the pollers have read.
//!
//! A setting read directly (GetFunctionConfiguration, DescribeTable, the
//! role's policies through IAM, ListEventSourceMappings) decides its step.
//! Where the credentials cannot read a role's policy, the step is inferred
//! from what the pipeline did (the trigger ran the function on the stream:
//! the role reads it; the Lambda's document is in the index: the role may
//! write it) and says so; without such evidence it names the permission
//! it lacks. The last three steps read the flows: the newest change of each
//! kind decides, so a fix shows as soon as a change goes through.

use lab_model::names::{AOSS_POLICY, ROLE, STREAM_POLICY};
use lab_model::policies::{dynamodb_stream_data, LabIds};
use lab_model::timeline::ChangeKind;

use super::policy::{allows, stream_arn_pattern, PolicyStatement};
use super::{Evidence, FlowReach, Problem, Status, Step, StepCheck};
use crate::config::LabConfig;
use crate::flow::{Flow, Flows, Hop, Stuck};

/// What the checks read.
pub struct LabFacts<'a> {
    pub flows: &'a Flows,
    pub config: &'a LabConfig,
    /// The learner's account (STS), for the ARNs the policies must cover.
    pub account: Option<&'a str>,
}

impl LabFacts<'_> {
    /// The account the lab's resources are in, as their ARNs show it (the
    /// function's role, else the table's stream), for a page that has not
    /// asked STS.
    pub fn account_seen(flows: &Flows) -> Option<&str> {
        let from_function = flows.function().and_then(|f| f.role.as_deref());
        let from_stream = flows
            .stream_setup()
            .and_then(|s| s.latest_stream_arn.as_deref());
        from_function
            .or(from_stream)
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|a| !a.is_empty())
    }
}

/// The lab's ids as the configuration and the account give them, for the
/// chapter's policies (lab-model writes them) and their ARNs. `account`
/// unknown: a placeholder the learner sees and replaces.
pub fn lab_ids(config: &LabConfig, account: Option<&str>) -> LabIds {
    let mut ids = LabIds::new(
        &config.region,
        account.unwrap_or("ACCOUNT_ID"),
        &known(&config.api_id)
            .or_else(|| first_label(&config.api_url, is_api_host))
            .unwrap_or_else(|| "API_ID".to_owned()),
        &known(&config.collection_id)
            .or_else(|| first_label(&config.collection_endpoint, is_collection_host))
            .unwrap_or_else(|| "COLLECTION_ID".to_owned()),
    );
    ids.table = config.table.clone();
    ids.function = config.function_name.clone();
    ids.index = config.index.clone();
    ids
}

fn known(id: &str) -> Option<String> {
    (!id.is_empty()).then(|| id.to_owned())
}

/// `{id}.execute-api.{region}.amazonaws.com`, after its first label.
fn is_api_host(rest: &str) -> bool {
    rest.starts_with("execute-api.") && rest.ends_with(".amazonaws.com")
}

/// `{id}.{region}.aoss.amazonaws.com`, after its first label.
fn is_collection_host(rest: &str) -> bool {
    rest.ends_with(".aoss.amazonaws.com")
}

/// The first label of `url`'s host when the rest of the host is the AWS
/// service's (`aws_host` says).
fn first_label(url: &str, aws_host: fn(&str) -> bool) -> Option<String> {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    let (id, rest) = host.split_once('.')?;
    aws_host(rest).then(|| id.to_owned())
}

/// What the Lambda needs of `aoss-policy` to call the collection.
const AOSS_ACTIONS: [&str; 1] = ["aoss:APIAccessAll"];

/// Every step's check, in the chapter's order.
pub fn check_all(facts: &LabFacts) -> Vec<StepCheck> {
    Step::ALL.iter().map(|s| check_step(*s, facts)).collect()
}

/// One step's check.
pub fn check_step(step: Step, facts: &LabFacts) -> StepCheck {
    let mut check = StepCheck {
        step,
        status: Status::Waiting,
        inferred: false,
        evidence: Vec::new(),
        problems: Vec::new(),
    };
    match step {
        Step::Function => function(facts, &mut check),
        Step::Stream => stream(facts, &mut check),
        Step::StreamPolicy => stream_policy(facts, &mut check),
        Step::AossPolicy => aoss_policy(facts, &mut check),
        Step::Trigger => trigger(facts, &mut check),
        Step::Environment => environment(facts, &mut check),
        Step::TestPost => test_post(facts, &mut check),
        Step::Verify => verify(facts, &mut check),
        Step::Explore => explore(facts, &mut check),
    }
    // Problems decide, whatever a check set before finding them.
    if !check.problems.is_empty() {
        check.status = Status::Failed;
    }
    check
}

/// The status of a check whose setting is not read yet: the refusal, if
/// the credentials were refused.
fn unread(facts: &LabFacts, permission: &str) -> Status {
    match facts.flows.unseen_setting(permission) {
        Some(_) => Status::CannotCheck {
            permission: permission.to_owned(),
        },
        None => Status::Waiting,
    }
}

fn function(facts: &LabFacts, check: &mut StepCheck) {
    let Some(f) = facts.flows.function() else {
        check.status = unread(facts, "lambda:GetFunctionConfiguration");
        return;
    };
    if f.missing {
        check.problems.push(Problem::FunctionMissing {
            name: facts.config.function_name.clone(),
        });
        return;
    }
    check.evidence.push(Evidence::Function {
        runtime: f.runtime.clone(),
        role: f.role.clone(),
        state: f.state.clone(),
        handler: f.handler.clone(),
    });
    if let Some(runtime) = f.runtime.as_deref().filter(|r| !r.starts_with("python3")) {
        check.problems.push(Problem::RuntimeNotPython {
            runtime: runtime.to_owned(),
        });
    }
    if let Some(role) = f.role_name().filter(|r| *r != ROLE) {
        check.problems.push(Problem::OtherRole {
            role: role.to_owned(),
            expected: ROLE.to_owned(),
        });
    }
    check.status = match f.state.as_deref() {
        // Lambda makes a new function Pending for a few seconds.
        Some("Pending") | None => Status::Waiting,
        Some("Active") => Status::Passed,
        Some(state) => {
            check.problems.push(Problem::FunctionNotActive {
                state: state.to_owned(),
            });
            Status::Failed
        }
    };
}

fn stream(facts: &LabFacts, check: &mut StepCheck) {
    let Some(s) = facts.flows.stream_setup() else {
        check.status = match facts.flows.not_observable(Hop::Stream) {
            Some(n) if n.permission == "dynamodb:DescribeTable" => Status::CannotCheck {
                permission: n.permission.clone(),
            },
            _ => Status::Waiting,
        };
        return;
    };
    if !s.enabled {
        check.problems.push(Problem::StreamOff);
        return;
    }
    let view_type = s.view_type.clone().unwrap_or_default();
    check.evidence.push(Evidence::Stream {
        view_type: view_type.clone(),
        arn: s.latest_stream_arn.clone(),
    });
    if !s.has_new_image() {
        check.problems.push(Problem::NoNewImage { view_type });
    }
    check.status = Status::Passed;
}

/// Checks that the role's inline policy `policy` allows `actions` on
/// `resource`. `None` when the role's policies are not read (yet, or at
/// all): the caller infers or waits.
fn role_policy(
    facts: &LabFacts,
    check: &mut StepCheck,
    policy: &str,
    actions: &[&str],
    resource: &str,
) -> Option<()> {
    let role = facts.flows.role()?;
    if role.missing {
        check.problems.push(Problem::RoleMissing {
            role: role.role.clone(),
        });
        return Some(());
    }
    let Some(document) = role.inline.get(policy) else {
        check.problems.push(Problem::PolicyMissing {
            role: role.role.clone(),
            policy: policy.to_owned(),
        });
        return Some(());
    };
    let statements = PolicyStatement::all(document);
    check
        .evidence
        .extend(statements.iter().map(|s| Evidence::Statement {
            policy: policy.to_owned(),
            statement: s.clone(),
        }));
    let missing: Vec<String> = actions
        .iter()
        .filter(|a| !allows(&statements, a, resource))
        .map(|a| a.to_string())
        .collect();
    if missing.is_empty() {
        check.status = Status::Passed;
    } else {
        check.problems.push(Problem::ActionsNotAllowed {
            policy: policy.to_owned(),
            actions: missing,
            resource: resource.to_owned(),
        });
    }
    Some(())
}

/// The permission the role's policies are read with, when refused.
fn role_refusal(facts: &LabFacts) -> Option<String> {
    ["iam:ListRolePolicies", "iam:GetRolePolicy"]
        .into_iter()
        .find(|p| facts.flows.unseen_setting(p).is_some())
        .map(str::to_owned)
}

fn stream_policy(facts: &LabFacts, check: &mut StepCheck) {
    let config = facts.config;
    // The table's current stream where known; else any stream of the table.
    let resource = facts
        .flows
        .stream_setup()
        .and_then(|s| s.latest_stream_arn.clone())
        .unwrap_or_else(|| {
            stream_arn_pattern(&config.region, facts.account.unwrap_or("*"), &config.table)
                .replace("stream/*", "stream/any")
        });
    // Every action the chapter's document grants, on the stream.
    let chapter = dynamodb_stream_data(&lab_ids(config, facts.account));
    let actions: Vec<&str> = chapter
        .statements
        .iter()
        .flat_map(|s| s.actions())
        .map(String::as_str)
        .collect();
    // A refusal newer than the last reading (a reading clears the refusal)
    // makes that reading stale: inferred instead.
    let refusal = role_refusal(facts);
    if refusal.is_none() && role_policy(facts, check, STREAM_POLICY, &actions, &resource).is_some()
    {
        return;
    }
    let Some(permission) = refusal else {
        return;
    };
    // Inferred: the trigger's word, or the Lambda having had records.
    check.inferred = true;
    if let Some(result) = facts
        .flows
        .trigger()
        .and_then(|t| t.last_processing_result.as_deref())
    {
        if cannot_read_stream(result) {
            check.problems.push(Problem::TriggerCannotRead {
                last_processing_result: result.to_owned(),
            });
            return;
        }
    }
    if let Some(flow) = newest(facts.flows, |f| f.lambda.is_some()) {
        check.evidence.push(flow_evidence(flow, FlowReach::Lambda));
        check.status = Status::Passed;
        return;
    }
    check.inferred = false;
    check.status = Status::CannotCheck { permission };
}

/// Lambda's words when the role cannot read the stream (aws-behaviour.md
/// §4: "Cannot access stream ... Please ensure the role can perform the
/// GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions").
fn cannot_read_stream(last_processing_result: &str) -> bool {
    last_processing_result.contains("Cannot access stream")
        || last_processing_result.contains("ensure the role can perform")
}

fn aoss_policy(facts: &LabFacts, check: &mut StepCheck) {
    let config = facts.config;
    let collection = known(&config.collection_id)
        .or_else(|| first_label(&config.collection_endpoint, is_collection_host))
        .unwrap_or("*".into());
    let resource = format!(
        "arn:aws:aoss:{}:{}:collection/{collection}",
        config.region,
        facts.account.unwrap_or("*")
    );
    let refusal = role_refusal(facts);
    if refusal.is_none()
        && role_policy(facts, check, AOSS_POLICY, &AOSS_ACTIONS, &resource).is_some()
    {
        return;
    }
    let Some(permission) = refusal else {
        return;
    };
    check.inferred = true;
    if let Some(flow) = newest(facts.flows, |f| {
        matches!(
            &f.state,
            crate::flow::FlowState::Stuck {
                reason: Stuck::DataAccessDenied { .. }
                    | Stuck::IndexRefused {
                        status: Some(403),
                        ..
                    }
            }
        )
    }) {
        check
            .problems
            .push(Problem::IndexRefusedLambda { flow: flow.id });
        return;
    }
    if let Some(flow) = newest(facts.flows, |f| {
        f.change == ChangeKind::Insert && f.is_complete()
    }) {
        check
            .evidence
            .push(flow_evidence(flow, FlowReach::Document));
        check.status = Status::Passed;
        return;
    }
    check.inferred = false;
    check.status = Status::CannotCheck { permission };
}

fn trigger(facts: &LabFacts, check: &mut StepCheck) {
    let Some(t) = facts.flows.trigger() else {
        check.status = unread(facts, "lambda:ListEventSourceMappings");
        return;
    };
    let Some(state) = t.state.clone() else {
        check.problems.push(Problem::TriggerMissing);
        return;
    };
    check.evidence.push(Evidence::Trigger {
        state: state.clone(),
        stream_arn: t.event_source_arn.clone(),
        last_processing_result: t.last_processing_result.clone(),
    });
    let current = facts
        .flows
        .stream_setup()
        .filter(|s| s.enabled)
        .and_then(|s| s.latest_stream_arn.as_deref());
    if let (Some(reads), Some(current)) = (t.event_source_arn.as_deref(), current) {
        if reads != current {
            check.problems.push(Problem::TriggerReadsOldStream {
                reads: reads.to_owned(),
                current: current.to_owned(),
            });
        }
    }
    check.status = match state.as_str() {
        "Enabled" => Status::Passed,
        "Creating" | "Enabling" | "Updating" => Status::Waiting,
        _ => {
            check.problems.push(Problem::TriggerNotEnabled { state });
            Status::Failed
        }
    };
}

/// The five variables chapter 3 sets, with the values this lab needs.
pub fn expected_variables(config: &LabConfig) -> [(&'static str, String); 5] {
    lab_model::names::lab_variables(
        &config.region,
        config.collection_endpoint.trim_end_matches('/'),
        &config.index,
    )
}

fn environment(facts: &LabFacts, check: &mut StepCheck) {
    let Some(f) = facts.flows.function() else {
        check.status = unread(facts, "lambda:GetFunctionConfiguration");
        return;
    };
    if f.missing {
        // Step 1's problem: nothing to set variables on yet.
        return;
    }
    for (name, want) in expected_variables(facts.config) {
        let want = want.as_str();
        match f.environment.get(name) {
            None => check.problems.push(Problem::VariableMissing {
                name: name.to_owned(),
                expected: want.to_owned(),
            }),
            Some(value) => {
                check.evidence.push(Evidence::Variable {
                    name: name.to_owned(),
                    value: value.clone(),
                });
                let same = if name == "OPENSEARCH_HOST" {
                    value.trim_end_matches('/').eq_ignore_ascii_case(want)
                } else {
                    value == want
                };
                if !same {
                    check.problems.push(Problem::VariableWrong {
                        name: name.to_owned(),
                        value: value.clone(),
                        expected: want.to_owned(),
                    });
                }
            }
        }
    }
    check.status = Status::Passed;
}

/// The newest flow matching `keep`.
fn newest(flows: &Flows, keep: impl Fn(&Flow) -> bool) -> Option<&Flow> {
    flows.newest_first().find(|f| keep(f))
}

fn flow_evidence(flow: &Flow, reached: FlowReach) -> Evidence {
    Evidence::Flow {
        flow: flow.id,
        change: flow.change,
        item_id: flow.item_id.clone(),
        reached,
    }
}

fn stuck_reason(flow: &Flow) -> Option<&Stuck> {
    match &flow.state {
        crate::flow::FlowState::Stuck { reason } => Some(reason),
        _ => flow.refused.as_ref(),
    }
}

fn test_post(facts: &LabFacts, check: &mut StepCheck) {
    // The newest POST labmate sent decides: written, or refused and why.
    let Some(flow) = newest(facts.flows, |f| f.sent.is_some()) else {
        return;
    };
    let written = flow.refused.is_none() && flow.stage(Hop::Table).is_some();
    if written {
        check.evidence.push(flow_evidence(flow, FlowReach::Written));
        check.status = Status::Passed;
    } else if let Some(reason) = flow.refused.clone() {
        check.problems.push(Problem::FlowStuck {
            flow: flow.id,
            change: flow.change,
            reason,
        });
    }
}

fn verify(facts: &LabFacts, check: &mut StepCheck) {
    let Some(flow) = newest(facts.flows, |f| f.change == ChangeKind::Insert) else {
        return;
    };
    if flow.is_complete() {
        check.evidence.push(flow_evidence(flow, FlowReach::Lambda));
        check
            .evidence
            .push(flow_evidence(flow, FlowReach::Document));
        check.status = Status::Passed;
    } else if let Some(reason) = stuck_reason(flow) {
        check.problems.push(Problem::FlowStuck {
            flow: flow.id,
            change: flow.change,
            reason: reason.clone(),
        });
    }
}

fn explore(facts: &LabFacts, check: &mut StepCheck) {
    let mut complete = 0;
    for change in [ChangeKind::Modify, ChangeKind::Remove] {
        let Some(flow) = newest(facts.flows, |f| f.change == change) else {
            continue;
        };
        if flow.is_complete() {
            check
                .evidence
                .push(flow_evidence(flow, FlowReach::Document));
            complete += 1;
        } else if let Some(reason) = stuck_reason(flow) {
            check.problems.push(Problem::FlowStuck {
                flow: flow.id,
                change,
                reason: reason.clone(),
            });
        }
    }
    if complete == 2 {
        check.status = Status::Passed;
    }
}
