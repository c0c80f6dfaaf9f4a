//! The role watch: the Lambda's execution role's inline policies, read
//! through IAM (ListRolePolicies, then GetRolePolicy for each) every
//! [`ROLE_EVERY_MS`], so the guide can compare them with what the chapter
//! asks. IAM answers in XML; a policy document comes percent-encoded
//! (aws-behaviour.md §7). The role is the function's (its configuration
//! names it) or, before the function exists, the lab's `lambda-lab-role`.
//! A refusal names the IAM action; it hides no hop.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    answer_to, failure, Failure, Health, InFlight, Next, Outcome, PlannedCall, Poller,
    PollerStatus, RetryCause, WaitReason, LOST_CALL_MS,
};
use crate::flow::{Hop, Observation, RolePolicies};
use crate::Service;

/// How often the role's policies are read again.
pub const ROLE_EVERY_MS: i64 = 30_000;
/// The least time between two IAM calls.
pub const IAM_GAP_MS: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    List,
    Get(String),
}

/// The watch's state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleWatch {
    role: String,
    /// The names still to read in this round, and the documents read.
    to_read: Vec<String>,
    read: BTreeMap<String, Value>,
    due_ms: i64,
    free_ms: i64,
    health: Health,
    in_flight: Option<InFlight<Step>>,
    /// "Check now" was asked while a call was out.
    recheck_pending: bool,
}

impl RoleWatch {
    /// A watch of the role named `role`.
    pub fn new(role: &str) -> Self {
        RoleWatch {
            role: role.to_owned(),
            to_read: Vec::new(),
            read: BTreeMap::new(),
            due_ms: 0,
            free_ms: 0,
            health: Health::default(),
            in_flight: None,
            recheck_pending: false,
        }
    }

    /// The role to read from now on (the function's, once known): a new
    /// role is read at once.
    pub fn follow(&mut self, role: &str) {
        if role != self.role {
            self.role = role.to_owned();
            self.to_read.clear();
            self.read.clear();
            self.due_ms = 0;
        }
    }

    /// A new round from ListRolePolicies, now.
    fn restart(&mut self) {
        self.to_read.clear();
        self.read.clear();
        self.due_ms = 0;
    }

    fn call(&self, step: &Step) -> PlannedCall {
        let mut form = form_urlencoded::Serializer::new(String::new());
        let operation = match step {
            Step::List => "ListRolePolicies",
            Step::Get(_) => "GetRolePolicy",
        };
        form.append_pair("Action", operation)
            .append_pair("RoleName", &self.role);
        if let Step::Get(name) = step {
            form.append_pair("PolicyName", name);
        }
        form.append_pair("Version", "2010-05-08");
        PlannedCall {
            service: Service::Iam,
            operation,
            method: "POST",
            path_and_query: "/".to_owned(),
            headers: vec![(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            )],
            body: form.finish(),
        }
    }

    fn observation(&self, missing: bool, now_ms: i64) -> Observation {
        Observation::Role(RolePolicies {
            role: self.role.clone(),
            missing,
            inline: self.read.clone(),
            seen_ms: now_ms,
        })
    }
}

/// The text of every element named `tag`, in order.
fn texts(xml: &str, tag: &str) -> Result<Vec<String>, roxmltree::Error> {
    let doc = roxmltree::Document::parse(xml)?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect())
}

/// ListRolePolicies' names (`PolicyNames/member`).
fn policy_names(xml: &str) -> Result<Vec<String>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("PolicyNames"))
        .flat_map(|list| list.children().filter(|m| m.has_tag_name("member")))
        .map(|m| m.text().unwrap_or_default().to_owned())
        .collect())
}

/// GetRolePolicy's document: percent-decoded, then JSON.
fn policy_document(xml: &str) -> Result<Value, String> {
    let encoded = texts(xml, "PolicyDocument")
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or("no PolicyDocument in the answer")?;
    let decoded = percent_encoding::percent_decode_str(&encoded)
        .decode_utf8()
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&decoded).map_err(|e| format!("the policy is not JSON: {e}"))
}

impl RoleWatch {
    /// Reads the answer to the call in flight ([`Poller::answered`]).
    fn read_answer(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let Some((step, answer)) =
            answer_to(&mut self.in_flight, outcome, &mut self.health, now_ms)
        else {
            return Vec::new();
        };
        let action = match step {
            Step::List => "iam:ListRolePolicies",
            Step::Get(_) => "iam:GetRolePolicy",
        };
        if let Some(failure) = failure(Service::Iam, action, &answer) {
            return match failure {
                Failure::Refused { code, .. } if code == "NoSuchEntity" => {
                    self.to_read.clear();
                    self.read.clear();
                    match step {
                        // No such role: asked again next round.
                        Step::List => {
                            self.due_ms = now_ms + ROLE_EVERY_MS;
                            self.health.waiting(WaitReason::NoRole);
                            vec![self.observation(true, now_ms)]
                        }
                        // The policy went between the two calls (the
                        // learner is editing the role): list again now.
                        Step::Get(_) => {
                            self.due_ms = now_ms;
                            self.health.ok();
                            Vec::new()
                        }
                    }
                }
                other => self.health.fail(other, Hop::Lambda, now_ms),
            };
        }
        let unreadable = |health: &mut Health, message: String| {
            health.retry(
                RetryCause::Unexpected {
                    status: answer.status,
                    message,
                },
                now_ms,
            );
            Vec::new()
        };
        match step {
            Step::List => match policy_names(&answer.body) {
                Ok(mut names) => {
                    self.health.ok();
                    // Read from the end of the list.
                    names.reverse();
                    self.to_read = names;
                    self.read.clear();
                    if self.to_read.is_empty() {
                        self.due_ms = now_ms + ROLE_EVERY_MS;
                        return vec![self.observation(false, now_ms)];
                    }
                    Vec::new()
                }
                Err(e) => unreadable(&mut self.health, e),
            },
            Step::Get(name) => match policy_document(&answer.body) {
                Ok(document) => {
                    self.health.ok();
                    self.to_read.retain(|n| *n != name);
                    self.read.insert(name, document);
                    if self.to_read.is_empty() {
                        self.due_ms = now_ms + ROLE_EVERY_MS;
                        return vec![self.observation(false, now_ms)];
                    }
                    Vec::new()
                }
                Err(e) => unreadable(&mut self.health, e),
            },
        }
    }
}

impl Poller for RoleWatch {
    fn next(&mut self, now_ms: i64) -> Next {
        if let Some(f) = &self.in_flight {
            if now_ms - f.since_ms < LOST_CALL_MS {
                return Next::Idle;
            }
            self.in_flight = None;
            self.health.retry(RetryCause::NoAnswer, now_ms);
        }
        if let Some(at) = self.health.holds(now_ms) {
            return Next::WaitUntil(at);
        }
        let step = match self.to_read.last() {
            Some(name) => Step::Get(name.clone()),
            None if now_ms < self.due_ms => return Next::WaitUntil(self.due_ms),
            None => Step::List,
        };
        if now_ms < self.free_ms {
            return Next::WaitUntil(self.free_ms);
        }
        self.free_ms = now_ms + IAM_GAP_MS;
        let call = self.call(&step);
        self.in_flight = Some(InFlight {
            step,
            since_ms: now_ms,
        });
        Next::Call(call)
    }

    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let seen = self.read_answer(outcome, now_ms);
        // "Check now" came while this call was out: the round may predate
        // the learner's change, so it starts again and tells nothing.
        if std::mem::take(&mut self.recheck_pending) {
            self.restart();
            // Nor may it hold the new round back: a refusal's 30 s wait
            // kept the guide's policy steps "waiting" after "Check now"
            // (credentials pasted, then checked, with the first call out).
            self.health.wake();
            return Vec::new();
        }
        seen
    }

    fn status(&self) -> PollerStatus {
        self.health.status.clone()
    }

    fn wake(&mut self) {
        self.health.wake();
    }

    fn recheck(&mut self) {
        self.wake();
        self.recheck_pending = self.in_flight.is_some();
        self.restart();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::Answer;
    use serde_json::json;

    const ROLE: &str = "lambda-lab-role";

    fn call(w: &mut RoleWatch, now: i64) -> PlannedCall {
        match w.next(now) {
            Next::Call(c) => c,
            other => panic!("expected a call at {now}, got {other:?}"),
        }
    }

    fn ok(w: &mut RoleWatch, body: &str, now: i64) -> Vec<Observation> {
        w.answered(Outcome::Answered(Answer::new(200, body)), now)
    }

    fn list(names: &[&str]) -> String {
        let members: String = names
            .iter()
            .map(|n| format!("<member>{n}</member>"))
            .collect();
        format!(
            r#"<ListRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolePoliciesResult><PolicyNames>{members}</PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListRolePoliciesResponse>"#
        )
    }

    fn get(name: &str, document: &Value) -> String {
        let encoded = percent_encoding::utf8_percent_encode(
            &document.to_string(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        format!(
            r#"<GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRolePolicyResult><PolicyName>{name}</PolicyName><RoleName>{ROLE}</RoleName><PolicyDocument>{encoded}</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>"#
        )
    }

    fn denied() -> Answer {
        Answer::new(
            403,
            r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: iam:ListRolePolicies on resource: role lambda-lab-role because no identity-based policy allows the iam:ListRolePolicies action</Message></Error><RequestId>r</RequestId></ErrorResponse>"#,
        )
    }

    #[test]
    fn lists_the_inline_policies_then_reads_each_document_decoded() {
        let mut w = RoleWatch::new(ROLE);
        let c = call(&mut w, 0);
        assert_eq!((c.service, c.operation), (Service::Iam, "ListRolePolicies"));
        assert_eq!(
            c.body,
            "Action=ListRolePolicies&RoleName=lambda-lab-role&Version=2010-05-08"
        );
        assert!(ok(&mut w, &list(&["aoss-policy", "dynamodb-stream-data"]), 0).is_empty());
        // A `+` and a space in the document survive the decoding.
        let stream = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetRecords", "Resource": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*", "Sid": "a+b c"}]});
        let aoss = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "aoss:*", "Resource": "*"}]});
        assert_eq!(w.next(100), Next::WaitUntil(500), "one IAM call at a time");
        let c = call(&mut w, 500);
        assert_eq!(
            c.body,
            "Action=GetRolePolicy&RoleName=lambda-lab-role&PolicyName=aoss-policy&Version=2010-05-08"
        );
        assert!(ok(&mut w, &get("aoss-policy", &aoss), 500).is_empty());
        let c = call(&mut w, 1_000);
        assert!(c.body.contains("PolicyName=dynamodb-stream-data"));
        let seen = ok(&mut w, &get("dynamodb-stream-data", &stream), 1_000);
        let [Observation::Role(r)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(r.role, ROLE);
        assert!(!r.missing);
        assert_eq!(r.inline["dynamodb-stream-data"], stream);
        assert_eq!(r.inline["aoss-policy"], aoss);
        assert_eq!(w.next(1_500), Next::WaitUntil(1_000 + ROLE_EVERY_MS));
    }

    #[test]
    fn a_role_without_inline_policies_is_told_at_once() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        let seen = ok(&mut w, &list(&[]), 0);
        assert!(matches!(&seen[..], [Observation::Role(r)] if r.inline.is_empty()));
    }

    #[test]
    fn a_missing_role_is_told_and_a_new_role_is_read_at_once() {
        let mut w = RoleWatch::new("typo-role");
        call(&mut w, 0);
        let missing = Answer::new(
            404,
            r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name typo-role cannot be found.</Message></Error><RequestId>r</RequestId></ErrorResponse>"#,
        );
        let seen = w.answered(Outcome::Answered(missing), 0);
        assert!(matches!(&seen[..], [Observation::Role(r)] if r.missing && r.role == "typo-role"));
        assert!(!w.status().is_trouble());
        w.follow(ROLE);
        let c = call(&mut w, 1_000);
        assert!(c.body.contains("RoleName=lambda-lab-role"));
    }

    #[test]
    fn a_refusal_names_the_iam_action_and_hides_no_hop() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        let seen = w.answered(Outcome::Answered(denied()), 0);
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(n.permission, "iam:ListRolePolicies");
        assert!(!n.hides_hop());
    }

    #[test]
    fn an_answer_that_is_not_iam_xml_is_retried_not_believed() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        assert!(ok(&mut w, "<html>oops", 0).is_empty());
        assert!(matches!(w.status(), PollerStatus::Retrying { .. }));
    }

    #[test]
    fn check_now_reads_the_role_again_at_once() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        ok(&mut w, &list(&[]), 0);
        assert_eq!(w.next(1_000), Next::WaitUntil(ROLE_EVERY_MS));
        w.recheck();
        assert_eq!(call(&mut w, 1_000).operation, "ListRolePolicies");
    }

    #[test]
    fn check_now_during_a_call_that_is_refused_reads_the_role_again_at_once() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        w.recheck();
        // The answer may predate what the learner changed: it tells
        // nothing, and its refusal does not hold the new round back.
        assert!(w.answered(Outcome::Answered(denied()), 100).is_empty());
        assert_eq!(call(&mut w, 600).operation, "ListRolePolicies");
        let seen = w.answered(Outcome::Answered(denied()), 700);
        assert!(
            matches!(&seen[..], [Observation::NotObservable(n)] if n.permission == "iam:ListRolePolicies")
        );
    }

    #[test]
    fn a_policy_removed_between_the_two_calls_lists_the_role_again_at_once() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        ok(&mut w, &list(&["aoss-policy", "dynamodb-stream-data"]), 0);
        call(&mut w, 500);
        let gone = Answer::new(
            404,
            r#"<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role policy with name aoss-policy cannot be found.</Message></Error></ErrorResponse>"#,
        );
        assert_eq!(w.answered(Outcome::Answered(gone), 500), []);
        assert!(!w.status().is_trouble());
        assert_ne!(
            w.status(),
            PollerStatus::Waiting {
                reason: WaitReason::NoRole
            },
            "the role is there"
        );
        assert_eq!(call(&mut w, 1_000).operation, "ListRolePolicies");
    }

    #[test]
    fn check_now_while_a_call_is_out_reads_again_after_its_answer() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        w.recheck();
        ok(&mut w, &list(&[]), 0);
        assert_eq!(call(&mut w, 500).operation, "ListRolePolicies");
    }

    #[test]
    fn check_now_between_two_calls_of_a_round_starts_the_round_again() {
        let mut w = RoleWatch::new(ROLE);
        call(&mut w, 0);
        ok(&mut w, &list(&["aoss-policy"]), 0);
        // The learner adds a policy now: the listing above is out of date.
        w.recheck();
        assert_eq!(call(&mut w, 500).operation, "ListRolePolicies");
    }
}
