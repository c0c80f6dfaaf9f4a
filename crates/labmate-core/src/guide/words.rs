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

/// A piece of a worded line: the catalogue's words, or a value AWS or the
/// learner gave (a state, an ARN, AWS's own message), shown as given and
/// never translated. The page marks values so a reader (and the page's
/// language test) can tell them from the sentence around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Words(String),
    Value(String),
}

/// Around a value while a line is worded, then split out by [`pieces`]:
/// private-use characters, which no catalogue word and no AWS value holds.
const VALUE_START: char = '\u{E000}';
const VALUE_END: char = '\u{E001}';

/// How values go into a sentence: as they are, or marked.
pub type Value<'a> = &'a dyn Fn(&str) -> String;

fn plain(v: &str) -> String {
    v.to_owned()
}

fn marked(v: &str) -> String {
    let v: String = v
        .chars()
        .filter(|c| *c != VALUE_START && *c != VALUE_END)
        .collect();
    format!("{VALUE_START}{v}{VALUE_END}")
}

/// A line worded with [`marked`] values, in pieces.
fn pieces(line: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in line.chars() {
        match c {
            VALUE_START | VALUE_END => {
                if !current.is_empty() {
                    let text = std::mem::take(&mut current);
                    out.push(if c == VALUE_END {
                        Piece::Value(text)
                    } else {
                        Piece::Words(text)
                    });
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(Piece::Words(current));
    }
    out
}

/// A sentence with values, in pieces: `word` words it, passing each value
/// through the function it is given. For the page's own sentences that
/// carry what the browser or AWS said (a refused clipboard, a save that
/// failed).
pub fn with_values(word: impl FnOnce(Value) -> String) -> Vec<Piece> {
    pieces(&word(&marked))
}

/// A statement of `policy`, as evidence. `Allow`, `Action` and the like
/// are IAM's own words and stay as the policy writes them.
fn statement(lang: Lang, v: Value, policy: &str, s: &PolicyStatement) -> String {
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
        &v(policy),
        &v(&s.effect),
        &v(action_word),
        &v(&list(&s.actions)),
        &v(resource_word),
        &v(&list(&s.resources)),
    )
}

impl Evidence {
    /// One line of "what labmate saw". Values AWS gave (a runtime, an
    /// ARN, a result) stay as AWS gave them; `?` where AWS gave none.
    pub fn words(&self, lang: Lang) -> String {
        self.worded_with(lang, &plain)
    }

    /// The same line, its values apart from its words.
    pub fn pieces(&self, lang: Lang) -> Vec<Piece> {
        pieces(&self.worded_with(lang, &marked))
    }

    fn worded_with(&self, lang: Lang, v: Value) -> String {
        let or_unknown = |x: &Option<String>| v(x.as_deref().unwrap_or("?"));
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
                Some(arn) => word!(lang, guide.evidence_stream_arn)(&v(view_type), &v(arn)),
                None => word!(lang, guide.evidence_stream)(&v(view_type)),
            },
            Evidence::Statement {
                policy,
                statement: s,
            } => statement(lang, v, policy, s),
            Evidence::Trigger {
                state,
                stream_arn,
                last_processing_result,
            } => match last_processing_result {
                Some(result) => word!(lang, guide.evidence_trigger)(
                    &v(state),
                    &or_unknown(stream_arn),
                    &v(result),
                ),
                None => word!(lang, guide.evidence_trigger_no_result)(
                    &v(state),
                    &or_unknown(stream_arn),
                ),
            },
            // A name and a value: no words to translate.
            Evidence::Variable { name, value } => format!("{} = {}", v(name), v(value)),
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
                sentence(flow.0, &v(change.as_str()), &or_unknown(item_id))
            }
            Evidence::TriggerRead {
                last_processing_result,
            } => word!(lang, guide.evidence_trigger_read)(&v(last_processing_result)),
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
        self.worded_with(lang, &plain)
    }

    /// The same two sentences, their values apart from their words.
    pub fn pieces(&self, lang: Lang) -> (Vec<Piece>, Vec<Piece>) {
        let (what, fix) = self.worded_with(lang, &marked);
        (pieces(&what), pieces(&fix))
    }

    /// The lab's own names (the role, the policies) are words of the
    /// chapter, not values AWS gave: they stay unmarked.
    fn worded_with(&self, lang: Lang, v: Value) -> (String, String) {
        let flow_ref = |flow: &crate::flow::FlowId| word!(lang, guide.flow_ref)(flow.0);
        match self {
            Problem::FunctionMissing { name } => (
                word!(lang, guide.problem_function_missing)(&v(name)),
                word!(lang, guide.fix_function_missing)(ROLE),
            ),
            Problem::RuntimeNotPython { runtime } => (
                word!(lang, guide.problem_runtime_not_python)(&v(runtime)),
                word!(lang, guide.fix_runtime_not_python).to_owned(),
            ),
            Problem::OtherRole { role, expected } => (
                word!(lang, guide.problem_other_role)(&v(role), &v(expected)),
                word!(lang, guide.fix_other_role)(&v(expected)),
            ),
            Problem::FunctionNotActive { state } => (
                word!(lang, guide.problem_function_not_active)(&v(state)),
                word!(lang, guide.fix_function_not_active).to_owned(),
            ),
            Problem::StreamOff => (
                word!(lang, guide.problem_stream_off).to_owned(),
                word!(lang, guide.fix_stream_off).to_owned(),
            ),
            Problem::NoNewImage { view_type } => (
                word!(lang, guide.problem_no_new_image)(&v(view_type)),
                word!(lang, guide.fix_no_new_image).to_owned(),
            ),
            Problem::RoleMissing { role } => (
                word!(lang, guide.problem_role_missing)(&v(role)),
                word!(lang, guide.fix_role_missing).to_owned(),
            ),
            Problem::PolicyMissing { role, policy } => (
                word!(lang, guide.problem_policy_missing)(&v(role), &v(policy)),
                word!(lang, guide.fix_policy_missing)(&v(role), &v(policy)),
            ),
            Problem::ActionsNotAllowed {
                policy,
                actions,
                resource,
            } => (
                word!(lang, guide.problem_actions_not_allowed)(
                    &v(policy),
                    &v(&list(actions)),
                    &v(resource),
                ),
                word!(lang, guide.fix_actions_not_allowed)(&v(policy)),
            ),
            Problem::TriggerMissing => (
                word!(lang, guide.problem_trigger_missing).to_owned(),
                word!(lang, guide.fix_trigger_missing).to_owned(),
            ),
            Problem::TriggerNotEnabled { state } => (
                word!(lang, guide.problem_trigger_not_enabled)(&v(state)),
                word!(lang, guide.fix_trigger_not_enabled).to_owned(),
            ),
            Problem::TriggerReadsOldStream { reads, current } => (
                word!(lang, guide.problem_trigger_reads_old_stream)(&v(reads), &v(current)),
                word!(lang, guide.fix_trigger_reads_old_stream).to_owned(),
            ),
            Problem::TriggerCannotRead {
                last_processing_result,
            } => (
                word!(lang, guide.problem_trigger_cannot_read)(&v(last_processing_result)),
                word!(lang, guide.fix_trigger_cannot_read)(STREAM_POLICY),
            ),
            Problem::VariableMissing { name, expected } => (
                word!(lang, guide.problem_variable_missing)(&v(name)),
                word!(lang, guide.fix_variable_missing)(&v(name), &v(expected)),
            ),
            Problem::VariableWrong {
                name,
                value,
                expected,
            } => (
                word!(lang, guide.problem_variable_wrong)(&v(name), &v(value), &v(expected)),
                word!(lang, guide.fix_variable_wrong)(&v(name), &v(expected)),
            ),
            // The reason and its fix are the flow's own sentences (the
            // board's words), not values.
            Problem::FlowStuck {
                flow,
                change,
                reason,
            } => (
                word!(lang, guide.problem_flow_stuck)(
                    &v(change.as_str()),
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

#[cfg(test)]
mod tests {
    use lab_model::timeline::ChangeKind;

    use super::*;
    use crate::flow::{FlowId, Stuck};

    fn s(v: &str) -> String {
        v.to_owned()
    }

    /// Every problem, with the values its sentences must carry. The match
    /// below fails to build when a variant is added and not listed here.
    fn every_problem() -> Vec<(Problem, Vec<&'static str>)> {
        let all = vec![
            (
                Problem::FunctionMissing { name: s("fn-x") },
                vec!["fn-x", ROLE],
            ),
            (
                Problem::RuntimeNotPython {
                    runtime: s("nodejs22.x"),
                },
                vec!["nodejs22.x"],
            ),
            (
                Problem::OtherRole {
                    role: s("role-a"),
                    expected: s("role-b"),
                },
                vec!["role-a", "role-b"],
            ),
            (
                Problem::FunctionNotActive {
                    state: s("Pending"),
                },
                vec!["Pending"],
            ),
            (Problem::StreamOff, vec![]),
            (
                Problem::NoNewImage {
                    view_type: s("KEYS_ONLY"),
                },
                vec!["KEYS_ONLY"],
            ),
            (Problem::RoleMissing { role: s("role-c") }, vec!["role-c"]),
            (
                Problem::PolicyMissing {
                    role: s("role-d"),
                    policy: s("policy-e"),
                },
                vec!["role-d", "policy-e"],
            ),
            (
                Problem::ActionsNotAllowed {
                    policy: s("policy-f"),
                    actions: vec![s("dynamodb:GetRecords"), s("dynamodb:ListStreams")],
                    resource: s("arn:aws:dynamodb:r:1:table/t/stream/*"),
                },
                vec![
                    "policy-f",
                    "dynamodb:GetRecords, dynamodb:ListStreams",
                    "arn:aws:dynamodb:r:1:table/t/stream/*",
                ],
            ),
            (Problem::TriggerMissing, vec![]),
            (
                Problem::TriggerNotEnabled {
                    state: s("Disabled"),
                },
                vec!["Disabled"],
            ),
            (
                Problem::TriggerReadsOldStream {
                    reads: s("stream/old"),
                    current: s("stream/new"),
                },
                vec!["stream/old", "stream/new"],
            ),
            (
                Problem::TriggerCannotRead {
                    last_processing_result: s("Cannot access stream"),
                },
                vec!["Cannot access stream", STREAM_POLICY],
            ),
            (
                Problem::VariableMissing {
                    name: s("REGION"),
                    expected: s("ap-southeast-1"),
                },
                vec!["REGION", "ap-southeast-1"],
            ),
            (
                Problem::VariableWrong {
                    name: s("AWS_SERVICE"),
                    value: s("es"),
                    expected: s("aoss"),
                },
                vec!["AWS_SERVICE", "es", "aoss"],
            ),
            (
                Problem::FlowStuck {
                    flow: FlowId(7),
                    change: ChangeKind::Modify,
                    reason: Stuck::TriggerOff {
                        state: s("Disabled"),
                    },
                },
                vec!["MODIFY", "#7", "Disabled"],
            ),
            (
                Problem::IndexRefusedLambda { flow: FlowId(8) },
                vec!["#8", AOSS_POLICY, ROLE],
            ),
        ];
        let mut seen: Vec<usize> = all
            .iter()
            .map(|(p, _)| match p {
                Problem::FunctionMissing { .. } => 0,
                Problem::RuntimeNotPython { .. } => 1,
                Problem::OtherRole { .. } => 2,
                Problem::FunctionNotActive { .. } => 3,
                Problem::StreamOff => 4,
                Problem::NoNewImage { .. } => 5,
                Problem::RoleMissing { .. } => 6,
                Problem::PolicyMissing { .. } => 7,
                Problem::ActionsNotAllowed { .. } => 8,
                Problem::TriggerMissing => 9,
                Problem::TriggerNotEnabled { .. } => 10,
                Problem::TriggerReadsOldStream { .. } => 11,
                Problem::TriggerCannotRead { .. } => 12,
                Problem::VariableMissing { .. } => 13,
                Problem::VariableWrong { .. } => 14,
                Problem::FlowStuck { .. } => 15,
                Problem::IndexRefusedLambda { .. } => 16,
            })
            .collect();
        seen.dedup();
        assert_eq!(seen, (0..17).collect::<Vec<_>>(), "one of each, in order");
        all
    }

    /// Every piece of evidence, with its values; listed by the same rule.
    fn every_evidence() -> Vec<(Evidence, Vec<&'static str>)> {
        let statement = |has_condition| Evidence::Statement {
            policy: s("dynamodb-stream-data"),
            statement: PolicyStatement {
                sid: None,
                effect: s("Allow"),
                actions: vec![s("dynamodb:GetRecords")],
                not_action: false,
                resources: vec![s("arn:stream/*")],
                not_resource: true,
                has_condition,
            },
        };
        let flow = |reached| Evidence::Flow {
            flow: FlowId(3),
            change: ChangeKind::Insert,
            item_id: Some(s("item-9")),
            reached,
        };
        let all = vec![
            (
                Evidence::Function {
                    runtime: Some(s("python3.12")),
                    role: Some(s("arn:role/x")),
                    state: Some(s("Active")),
                    handler: None,
                },
                vec!["python3.12", "arn:role/x", "Active", "?"],
            ),
            (
                Evidence::Stream {
                    view_type: s("NEW_IMAGE"),
                    arn: Some(s("arn:stream/1")),
                },
                vec!["NEW_IMAGE", "arn:stream/1"],
            ),
            (
                Evidence::Stream {
                    view_type: s("NEW_IMAGE"),
                    arn: None,
                },
                vec!["NEW_IMAGE"],
            ),
            (
                statement(false),
                vec![
                    "dynamodb-stream-data",
                    "Allow Action dynamodb:GetRecords",
                    "NotResource arn:stream/*",
                ],
            ),
            (
                statement(true),
                vec![
                    "dynamodb-stream-data",
                    "Allow Action dynamodb:GetRecords",
                    "NotResource arn:stream/*",
                ],
            ),
            (
                Evidence::Trigger {
                    state: s("Enabled"),
                    stream_arn: Some(s("arn:stream/2")),
                    last_processing_result: Some(s("OK")),
                },
                vec!["Enabled", "arn:stream/2", "OK"],
            ),
            (
                Evidence::Trigger {
                    state: s("Creating"),
                    stream_arn: None,
                    last_processing_result: None,
                },
                vec!["Creating", "?"],
            ),
            (
                Evidence::Variable {
                    name: s("REGION"),
                    value: s("ap-southeast-1"),
                },
                vec!["REGION", "ap-southeast-1"],
            ),
            (flow(FlowReach::Written), vec!["#3", "INSERT", "item-9"]),
            (flow(FlowReach::Lambda), vec!["#3", "INSERT", "item-9"]),
            (flow(FlowReach::Document), vec!["#3", "INSERT", "item-9"]),
            (
                Evidence::TriggerRead {
                    last_processing_result: s("OK"),
                },
                vec!["OK"],
            ),
        ];
        let mut seen: Vec<usize> = all
            .iter()
            .map(|(e, _)| match e {
                Evidence::Function { .. } => 0,
                Evidence::Stream { .. } => 1,
                Evidence::Statement { .. } => 2,
                Evidence::Trigger { .. } => 3,
                Evidence::Variable { .. } => 4,
                Evidence::Flow { .. } => 5,
                Evidence::TriggerRead { .. } => 6,
            })
            .collect();
        seen.dedup();
        assert_eq!(seen, (0..7).collect::<Vec<_>>(), "each kind, in order");
        all
    }

    #[test]
    fn every_problem_and_fix_is_worded_in_each_language_with_its_values() {
        for (p, values) in every_problem() {
            let (en_what, en_fix) = p.worded(Lang::En);
            for lang in Lang::ALL {
                let (what, fix) = p.worded(lang);
                assert_eq!((p.words(lang), p.fix_in(lang)), (what.clone(), fix.clone()));
                assert!(!what.is_empty() && !fix.is_empty(), "{p:?} in {lang:?}");
                let both = format!("{what} {fix}");
                for v in &values {
                    assert!(both.contains(v), "{p:?} in {lang:?} lacks {v}: {both}");
                }
                if lang != Lang::En {
                    assert_ne!(what, en_what, "{p:?} in {lang:?} is English");
                    assert_ne!(fix, en_fix, "{p:?}'s fix in {lang:?} is English");
                }
            }
        }
    }

    #[test]
    fn every_piece_of_evidence_is_worded_in_each_language_with_its_values() {
        for (e, values) in every_evidence() {
            let en = e.words(Lang::En);
            for lang in Lang::ALL {
                let line = e.words(lang);
                for v in &values {
                    assert!(line.contains(v), "{e:?} in {lang:?} lacks {v}: {line}");
                }
                // A variable is a name and a value: nothing to translate.
                if lang != Lang::En && !matches!(e, Evidence::Variable { .. }) {
                    assert_ne!(line, en, "{e:?} in {lang:?} is English");
                }
            }
        }
    }

    fn joined(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Words(t) | Piece::Value(t) => t.as_str(),
            })
            .collect()
    }

    fn values(pieces: &[Piece]) -> Vec<&str> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Value(t) => Some(t.as_str()),
                Piece::Words(_) => None,
            })
            .collect()
    }

    #[test]
    fn in_pieces_a_line_reads_the_same_and_holds_aws_values_apart() {
        for lang in Lang::ALL {
            for (e, _) in every_evidence() {
                let pieces = e.pieces(lang);
                assert_eq!(joined(&pieces), e.words(lang), "{e:?}");
            }
            for (p, _) in every_problem() {
                let (what, fix) = p.pieces(lang);
                assert_eq!((joined(&what), joined(&fix)), p.worded(lang), "{p:?}");
            }
            // AWS's own message is a value in every language, apart from
            // the words around it.
            let read = Evidence::Trigger {
                state: s("Enabled"),
                stream_arn: None,
                last_processing_result: Some(s("No records processed")),
            };
            assert_eq!(
                values(&read.pieces(lang)),
                ["Enabled", "?", "No records processed"]
            );
            let refused =
                with_values(|v| word!(lang, guide.copy_failed)(&v("Write permission denied.")));
            assert_eq!(values(&refused), ["Write permission denied."]);
            assert_eq!(
                joined(&refused),
                word!(lang, guide.copy_failed)("Write permission denied.")
            );
            let cannot = Problem::TriggerCannotRead {
                last_processing_result: s("Cannot access stream arn:x."),
            };
            let (what, fix) = cannot.pieces(lang);
            assert_eq!(values(&what), ["Cannot access stream arn:x."]);
            assert!(values(&fix).is_empty(), "the lab's policy name is a word");
        }
    }

    #[test]
    fn the_english_evidence_reads_as_it_always_did() {
        let lines: Vec<String> = every_evidence()
            .iter()
            .map(|(e, _)| e.words(Lang::En))
            .collect();
        assert_eq!(
            lines,
            [
                "Function: runtime python3.12, role arn:role/x, state Active, handler ?",
                "Stream on, view type NEW_IMAGE: arn:stream/1",
                "Stream on, view type NEW_IMAGE",
                "dynamodb-stream-data: Allow Action dynamodb:GetRecords on NotResource arn:stream/*",
                "dynamodb-stream-data: Allow Action dynamodb:GetRecords on NotResource arn:stream/* (with a condition)",
                "Trigger Enabled, reading arn:stream/2; last result: OK",
                "Trigger Creating, reading ?; last result: none yet",
                "REGION = ap-southeast-1",
                "flow #3 INSERT of item item-9: written to the table",
                "flow #3 INSERT of item item-9: handled by the function (its log lines)",
                "flow #3 INSERT of item item-9: seen in the index",
                "The trigger read the stream: OK",
            ]
        );
    }

    #[test]
    fn every_status_and_step_is_worded_in_each_language() {
        let statuses = [
            Status::Passed,
            Status::Failed,
            Status::Waiting,
            Status::CannotCheck {
                permission: s("iam:GetRolePolicy"),
            },
        ];
        for status in &statuses {
            for inferred in [false, true] {
                let en = status.words(Lang::En, inferred);
                let vi = status.words(Lang::Vi, inferred);
                assert_ne!(vi, en);
                if let Status::CannotCheck { permission } = status {
                    assert!(en.contains(permission.as_str()) && vi.contains(permission.as_str()));
                }
            }
        }
        assert_eq!(Status::Passed.words(Lang::En, true), "done (inferred)");
        assert_eq!(Status::Passed.words(Lang::Vi, true), "đã xong (suy ra)");
        for step in Step::ALL {
            for lang in Lang::ALL {
                assert!(!step.title(lang).is_empty());
            }
            assert_ne!(step.title(Lang::Vi), step.title(Lang::En), "{step:?}");
            assert_ne!(step.todo(Lang::Vi), step.todo(Lang::En), "{step:?}");
            assert_ne!(step.expect(Lang::Vi), step.expect(Lang::En), "{step:?}");
        }
    }
}
