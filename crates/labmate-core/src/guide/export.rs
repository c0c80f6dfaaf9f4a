//! The learner's progress as a file: Markdown to read or hand in, JSON for
//! tools. Each step with its status, since when, when it first passed or
//! regressed, its evidence and problems; then the flows followed. Nothing
//! in it is secret: the checks and the board never hold a key.
//!
//! The Markdown is worded in the page's language. The JSON keeps English
//! keys and English status keys (`passed`, `failed`...) for tools; its
//! sentences (titles, evidence, problems, outcomes) follow the page.

use serde_json::{json, Value};

use super::{Progress, Step, StepCheck};
use crate::flow::{Flow, FlowState, Flows};
use crate::time::format_rfc3339;
use crate::word;
use crate::words::Lang;

/// The lab, as the workshop names it (a name: not translated).
const LAB: &str =
    "Replicate and synchronize data from DynamoDB to OpenSearch Serverless, chapter 4.1";

/// Epoch ms as RFC 3339 (seconds).
fn when(ms: i64) -> String {
    format_rfc3339(ms.div_euclid(1000))
}

/// A flow's outcome in words: complete, or where and why it stopped.
pub fn outcome(lang: Lang, flow: &Flow) -> String {
    match &flow.state {
        FlowState::InProgress { .. } => word!(lang, guide.outcome_in_progress).to_owned(),
        FlowState::Complete => word!(lang, guide.outcome_complete).to_owned(),
        FlowState::Stuck { reason } => word!(lang, guide.outcome_stuck)(&reason.reason_in(lang)),
        FlowState::NotObservable { permission, .. } => {
            word!(lang, guide.outcome_not_observable)(permission)
        }
    }
}

/// The progress as JSON, its messages in `lang`.
pub fn json_report(
    lang: Lang,
    checks: &[StepCheck],
    progress: &Progress,
    flows: &Flows,
    now_ms: i64,
) -> Value {
    let steps: Vec<Value> = checks
        .iter()
        .map(|c| {
            let record = progress.step(c.step);
            json!({
                "number": c.step.number(),
                "step": c.step.key(),
                "title": c.step.title(lang),
                "status": c.status.key(),
                "inferred": c.inferred,
                "since": record.map(|r| when(r.since_ms)),
                "first_passed": record.and_then(|r| r.first_passed_ms).map(when),
                "regressed": record.and_then(|r| r.regressed_ms).map(when),
                "evidence": c.evidence.iter().map(|e| e.words(lang)).collect::<Vec<_>>(),
                "problems": c.problems.iter().map(|p| {
                    let (what, fix) = p.worded(lang);
                    json!({"what": what, "fix": fix})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let flows: Vec<Value> = flows
        .flows()
        .iter()
        .map(|f| {
            json!({
                "flow": f.id.0,
                "change": f.change.as_str(),
                "item_id": f.item_id,
                "name": f.name,
                "started": when(f.started_ms),
                "outcome": outcome(lang, f),
            })
        })
        .collect();
    json!({
        "lab": LAB,
        "exported": when(now_ms),
        "steps_done": progress.passed(),
        "steps": steps,
        "flows": flows,
    })
}

/// The progress as Markdown, in `lang`; `subject` names a flow's item as
/// the board does.
pub fn markdown_report(
    lang: Lang,
    checks: &[StepCheck],
    progress: &Progress,
    flows: &Flows,
    now_ms: i64,
    subject: &dyn Fn(&Flow) -> String,
) -> String {
    let mut out = format!(
        "# {}\n\n{}\n",
        word!(lang, guide.report_title),
        word!(lang, guide.report_exported)(&when(now_ms), progress.passed(), Step::ALL.len())
    );
    for c in checks {
        out.push_str(&format!(
            "\n## {}. {}: {}\n\n",
            c.step.number(),
            c.step.title(lang),
            c.status.words(lang, c.inferred)
        ));
        if let Some(r) = progress.step(c.step) {
            let first = r.first_passed_ms.map(when);
            let again = r.regressed_ms.map(when);
            out.push_str(&format!(
                "- {}\n",
                word!(lang, guide.report_record)(
                    &when(r.since_ms),
                    first.as_deref(),
                    again.as_deref()
                )
            ));
        }
        for p in &c.problems {
            let (what, fix) = p.worded(lang);
            out.push_str(&format!(
                "- {}\n",
                word!(lang, guide.report_problem)(&what, &fix)
            ));
        }
        for e in &c.evidence {
            out.push_str(&format!(
                "- {}\n",
                word!(lang, guide.report_seen)(&e.words(lang))
            ));
        }
    }
    out.push_str(&format!("\n## {}\n\n", word!(lang, guide.report_flows)));
    if flows.flows().is_empty() {
        out.push_str(word!(lang, guide.report_no_flows));
        out.push('\n');
    } else {
        out.push_str(word!(lang, guide.report_flows_header));
        out.push_str("\n|---|---|---|---|---|\n");
        for f in flows.flows() {
            let cell = |t: String| t.replace('|', "\\|").replace('\n', " ");
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                f.id.0,
                f.change.as_str(),
                cell(subject(f)),
                when(f.started_ms),
                cell(outcome(lang, f))
            ));
        }
    }
    out
}
