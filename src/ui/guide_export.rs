//! The learner's progress as a file: Markdown to read or hand in, JSON for
//! tools. Each step with its status, since when, when it first passed or
//! regressed, its evidence and problems; then the flows followed. Nothing
//! in it is secret: the checks and the board never hold a key.

use labmate_core::flow::{Flow, FlowState, Flows};
use labmate_core::guide::{Progress, Step, StepCheck};
use labmate_core::time::format_rfc3339;
use labmate_core::words::Lang;
use leptos::prelude::*;
use serde_json::{json, Value};

use crate::browser;
use crate::pipeline::aws_now_ms;
use crate::state::use_state;
use crate::ui::flow_words::{subject, StateKind};
use crate::ui::guide_words;
use crate::ui::reactive::{nothing, on_click, part};

/// Epoch ms as RFC 3339 (seconds).
fn when(ms: i64) -> String {
    format_rfc3339(ms.div_euclid(1000))
}

/// A flow's outcome in words: complete, or where and why it stopped.
fn outcome(flow: &Flow) -> String {
    match &flow.state {
        FlowState::Stuck { reason } => format!("stuck: {reason}"),
        FlowState::NotObservable { permission, .. } => {
            format!("not observable: needs {permission}")
        }
        s => StateKind::of(s).label().to_owned(),
    }
}

/// The progress as JSON.
pub fn json_report(checks: &[StepCheck], progress: &Progress, flows: &Flows, now_ms: i64) -> Value {
    let steps: Vec<Value> = checks
        .iter()
        .map(|c| {
            let record = progress.step(c.step);
            let words = guide_words::step(Lang::En, c.step);
            json!({
                "number": c.step.number(),
                "step": c.step.key(),
                "title": words.title,
                "status": c.status.key(),
                "inferred": c.inferred,
                "since": record.map(|r| when(r.since_ms)),
                "first_passed": record.and_then(|r| r.first_passed_ms).map(when),
                "regressed": record.and_then(|r| r.regressed_ms).map(when),
                "evidence": c.evidence.iter().map(guide_words::evidence).collect::<Vec<_>>(),
                "problems": c.problems.iter().map(|p| {
                    let (what, fix) = guide_words::problem(Lang::En, p);
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
                "outcome": outcome(f),
            })
        })
        .collect();
    json!({
        "lab": "Replicate and synchronize data from DynamoDB to OpenSearch Serverless, chapter 4.1",
        "exported": when(now_ms),
        "steps_done": progress.passed(),
        "steps": steps,
        "flows": flows,
    })
}

/// The progress as Markdown.
pub fn markdown_report(
    checks: &[StepCheck],
    progress: &Progress,
    flows: &Flows,
    now_ms: i64,
) -> String {
    let mut out = format!(
        "# labmate: chapter 4.1, step by step\n\nExported {}. {} of {} steps done.\n",
        when(now_ms),
        progress.passed(),
        Step::ALL.len()
    );
    for c in checks {
        let words = guide_words::step(Lang::En, c.step);
        out.push_str(&format!(
            "\n## {}. {}: {}\n\n",
            c.step.number(),
            words.title,
            guide_words::status(Lang::En, &c.status, c.inferred)
        ));
        if let Some(r) = progress.step(c.step) {
            out.push_str(&format!("- Since {}", when(r.since_ms)));
            if let Some(at) = r.first_passed_ms {
                out.push_str(&format!("; first done {}", when(at)));
            }
            if let Some(at) = r.regressed_ms {
                out.push_str(&format!("; failed again {}", when(at)));
            }
            out.push('\n');
        }
        for p in &c.problems {
            let (what, fix) = guide_words::problem(Lang::En, p);
            out.push_str(&format!("- Problem: {what} Fix: {fix}\n"));
        }
        for e in &c.evidence {
            out.push_str(&format!("- Seen: {}\n", guide_words::evidence(e)));
        }
    }
    out.push_str("\n## Flows\n\n");
    if flows.flows().is_empty() {
        out.push_str("None yet.\n");
    } else {
        out.push_str("| # | Change | Item | Started | Outcome |\n|---|---|---|---|---|\n");
        for f in flows.flows() {
            let cell = |t: String| t.replace('|', "\\|").replace('\n', " ");
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                f.id.0,
                f.change.as_str(),
                cell(subject(f)),
                when(f.started_ms),
                cell(outcome(f))
            ));
        }
    }
    out
}

#[component]
pub fn GuideExport(checks: Memo<Vec<StepCheck>>, progress: RwSignal<Progress>) -> impl IntoView {
    let state = use_state();
    let result = RwSignal::new(None::<Result<String, String>>);
    let export = move |markdown: bool| {
        let now = aws_now_ms(&state);
        let (name, media, text) = checks.with_untracked(|c| {
            progress.with_untracked(|p| {
                state.flows.with_untracked(|f| {
                    if markdown {
                        (
                            "labmate-progress.md",
                            "text/markdown",
                            markdown_report(c, p, f, now),
                        )
                    } else {
                        let json = json_report(c, p, f, now);
                        (
                            "labmate-progress.json",
                            "application/json",
                            json.to_string(),
                        )
                    }
                })
            })
        });
        result.set(Some(
            browser::download_as(name, media, &text)
                .map(|()| format!("Saved {name}."))
                .map_err(|e| format!("Could not save {name}: {e}")),
        ));
    };
    view! {
        <p class="guide-export">
            <button type="button" data-testid="progress-export-md" on:click=on_click(move |_| export(true))>"Export progress (Markdown)"</button>
            " "
            <button type="button" data-testid="progress-export-json" on:click=on_click(move |_| export(false))>"Export progress (JSON)"</button>
            {part(move || match result.get() {
                Some(Ok(t)) => view! { <span class="muted" role="status">" "{t}</span> }.into_any(),
                Some(Err(t)) => view! { <span class="error" role="alert">" "{t}</span> }.into_any(),
                None => nothing(),
            })}
        </p>
    }
}
