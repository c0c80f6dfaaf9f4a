//! The learner's progress through the steps: when each step first passed,
//! its status now and since when, and whether it regressed (passed, then
//! failed again: a trigger disabled, a policy removed). Saved with the page
//! (no secret in it) so a reload keeps it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Status, Step, StepCheck};

/// One step's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub status: Status,
    /// Since when it has had this status.
    pub since_ms: i64,
    /// When it first passed.
    pub first_passed_ms: Option<i64>,
    /// When it failed after having passed; cleared when it passes again.
    pub regressed_ms: Option<i64>,
}

/// Every step's history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    steps: BTreeMap<Step, StepRecord>,
}

impl Progress {
    pub fn new() -> Self {
        Progress::default()
    }

    /// Takes the latest checks at `now_ms`; gives the steps that regressed
    /// just now.
    pub fn update(&mut self, checks: &[StepCheck], now_ms: i64) -> Vec<Step> {
        let mut regressed = Vec::new();
        for check in checks {
            // Not knowing (yet) changes nothing a step has shown.
            if matches!(check.status, Status::Waiting | Status::CannotCheck { .. })
                && self.steps.contains_key(&check.step)
            {
                continue;
            }
            let record = self.steps.entry(check.step).or_insert(StepRecord {
                status: check.status.clone(),
                since_ms: now_ms,
                first_passed_ms: None,
                regressed_ms: None,
            });
            if record.status != check.status {
                if record.status == Status::Passed && check.status == Status::Failed {
                    record.regressed_ms = Some(now_ms);
                    regressed.push(check.step);
                }
                record.status = check.status.clone();
                record.since_ms = now_ms;
            }
            if check.status == Status::Passed {
                record.first_passed_ms.get_or_insert(now_ms);
                record.regressed_ms = None;
            }
        }
        regressed
    }

    pub fn step(&self, step: Step) -> Option<&StepRecord> {
        self.steps.get(&step)
    }

    /// How many steps pass now.
    pub fn passed(&self) -> usize {
        self.steps
            .values()
            .filter(|r| r.status == Status::Passed)
            .count()
    }
}
