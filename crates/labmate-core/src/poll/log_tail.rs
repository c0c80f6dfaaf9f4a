//! The log tail: FilterLogEvents on the stream Lambda's log group, at most
//! one call a second (the account allows five, aws-behaviour.md §5).
//!
//! Events can reach CloudWatch a little after their time, and not in the
//! order they were written, so each search starts [`OVERLAP_MS`] before the
//! newest event seen, events are told apart by `eventId` (only new ones are
//! passed on, at once: the flow board's `LambdaLog` waits for a line
//! ingested after its invocation's REPORT). The ids kept are those a later search could return again
//! (the overlap window), so memory stays bounded however long the tail
//! runs. A search follows `nextToken` page by
//! page (a page may be empty while a token remains). No log group yet means
//! the function has never run: not an error. A search of a missing group
//! is a 400, which Chromium prints in the console, so until the group is
//! found the tail asks DescribeLogGroups (a 200, empty while the function
//! never ran): once as it starts, then each second while a change waits
//! ([`LogTail::want`]); the search follows a second after the group
//! appears (one Logs call a second, always). A role that may not
//! describe log groups makes the tail search [`FIRST_RUN_MS`] after the
//! first change instead, when the function has had time to run.
//! ThrottlingException backs off.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    answer_to, failure, json_of, still_in_flight, Answer, Failure, Health, InFlight, Next, Outcome,
    PlannedCall, Poller, PollerStatus, RetryCause, WaitReason,
};
use crate::flow::lambda_log::SETTLE_MS;
use crate::flow::{Hop, LogEvent, LogEvents, Observation};
use crate::Service;

/// The least time between two FilterLogEvents calls.
pub const LOGS_GAP_MS: i64 = 1_000;
/// How far before the newest event seen each search starts again.
pub const OVERLAP_MS: i64 = 10_000;
/// How often a log group that does not exist yet is asked for: at the
/// tail's own pace, since the function's first run is what the learner is
/// watching for.
pub const NO_LOG_EVERY_MS: i64 = LOGS_GAP_MS;
/// How long after the first change the function's log group can be
/// expected, for a tail that may not describe log groups: the trigger polls
/// the stream four times a second, and the first run creates the group.
pub const FIRST_RUN_MS: i64 = 3_000;
/// The most event ids kept, whatever the overlap window holds.
pub const SEEN_CAP: usize = 20_000;
/// One search: its `startTime`, and the token of its next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Search {
    start_ms: i64,
    token: Option<String>,
}

/// The call a tail has in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// DescribeLogGroups: does the function's group exist yet?
    Groups,
    /// FilterLogEvents.
    Search,
}

/// How the tail learns that the function's log group exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum GroupCheck {
    /// DescribeLogGroups has not been asked since the page loaded.
    #[default]
    NotAsked,
    /// It answers: ask it while a change waits.
    Describe,
    /// The role may not describe log groups: search [`FIRST_RUN_MS`] after
    /// the first change.
    Wait,
}

/// The log tail's state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogTail {
    log_group: String,
    /// Where searches start until an event is seen.
    start_ms: i64,
    /// The newest event time seen.
    latest_ms: Option<i64>,
    search: Option<Search>,
    /// Events seen that a search could return again: id to time.
    seen: BTreeMap<String, i64>,
    /// Whether a read made [`SETTLE_MS`] after the newest line has been
    /// passed on (see [`LambdaLog::read`](crate::flow::lambda_log::LambdaLog::read)).
    #[serde(default)]
    settled_told: bool,
    /// Whether a search has found the log group.
    #[serde(default)]
    group_found: bool,
    /// When the first change reached the table (the runner says).
    #[serde(default)]
    first_change_ms: Option<i64>,
    /// Not saved: a page asks again, the learner's role may have changed.
    #[serde(skip)]
    group_check: GroupCheck,
    free_ms: i64,
    health: Health,
    #[serde(skip)]
    in_flight: Option<InFlight<Call>>,
}

impl LogTail {
    /// A tail of `log_group` from `start_ms` on.
    pub fn new(log_group: &str, start_ms: i64) -> Self {
        LogTail {
            log_group: log_group.to_owned(),
            start_ms,
            latest_ms: None,
            settled_told: false,
            search: None,
            seen: BTreeMap::new(),
            group_found: false,
            first_change_ms: None,
            group_check: GroupCheck::NotAsked,
            free_ms: 0,
            health: Health::default(),
            in_flight: None,
        }
    }

    /// When the first change reached the table or the stream
    /// ([`crate::flow::Flows::first_change_ms`]): until then, and until the
    /// group is found, the tail asks nothing after its first
    /// DescribeLogGroups (or, when it may not describe groups, until
    /// [`FIRST_RUN_MS`] after it).
    pub fn want(&mut self, first_change_ms: Option<i64>) {
        self.first_change_ms = first_change_ms;
    }

    /// How many event ids it keeps (for tests and the page's diagnostics).
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }

    /// Where the next new search starts.
    fn search_start(&self) -> i64 {
        self.latest_ms
            .map_or(self.start_ms, |l| (l - OVERLAP_MS).max(self.start_ms))
    }

    /// Forgets ids no later search can return, and the oldest beyond
    /// [`SEEN_CAP`].
    fn forget_old(&mut self) {
        let from = self.search_start();
        self.seen.retain(|_, t| *t >= from);
        if self.seen.len() > SEEN_CAP {
            let mut times: Vec<i64> = self.seen.values().copied().collect();
            times.sort_unstable();
            let cut = times[times.len() - SEEN_CAP];
            self.seen.retain(|_, t| *t >= cut);
        }
    }

    /// Asks `call` now; the next call waits [`LOGS_GAP_MS`].
    fn call(&mut self, step: Call, call: PlannedCall, now_ms: i64) -> Next {
        self.free_ms = now_ms + LOGS_GAP_MS;
        self.in_flight = Some(InFlight {
            step,
            since_ms: now_ms,
        });
        Next::Call(call)
    }

    /// DescribeLogGroups answered: the search comes next when the group is
    /// there (the function has just run); a refusal makes the tail wait for
    /// the first run instead.
    fn groups_answered(&mut self, answer: &Answer, now_ms: i64) -> Vec<Observation> {
        if let Some(failure) = failure(Service::Logs, "logs:DescribeLogGroups", answer) {
            if matches!(failure, Failure::Denied { .. }) {
                self.group_check = GroupCheck::Wait;
                self.health.waiting(WaitReason::NoLogYet);
                return Vec::new();
            }
            return self.health.fail(failure, Hop::Lambda, now_ms);
        }
        self.group_check = GroupCheck::Describe;
        let body = json_of(answer);
        self.group_found = body["logGroups"].as_array().is_some_and(|groups| {
            groups
                .iter()
                .any(|g| g["logGroupName"].as_str() == Some(&self.log_group))
        });
        if self.group_found {
            self.health.ok();
        } else {
            self.health.waiting(WaitReason::NoLogYet);
        }
        Vec::new()
    }

    fn read(
        &mut self,
        body: &serde_json::Value,
        was_refused: bool,
        now_ms: i64,
    ) -> Vec<Observation> {
        let page = match LogEvents::from_filter_log_events(body, now_ms) {
            Ok(page) => page,
            Err(e) => {
                self.health.retry(
                    RetryCause::Unexpected {
                        status: 200,
                        message: e.to_string(),
                    },
                    now_ms,
                );
                return Vec::new();
            }
        };
        let mut new = Vec::new();
        for event in page.events {
            if self.seen.contains_key(&event.event_id) {
                continue;
            }
            self.seen.insert(event.event_id.clone(), event.timestamp);
            self.latest_ms = Some(
                self.latest_ms
                    .map_or(event.timestamp, |l| l.max(event.timestamp)),
            );
            new.push(event);
        }
        // In the order they were written.
        LogEvent::sort_by_time(&mut new);
        match (self.search.as_mut(), body["nextToken"].as_str()) {
            (Some(search), Some(token)) => search.token = Some(token.to_owned()),
            _ => self.search = None,
        }
        self.forget_old();
        // A read this long after the newest line is told once even with
        // nothing new: the board then stops waiting for a line of an
        // invocation that came without it.
        let settled = self
            .latest_ms
            .is_some_and(|latest| now_ms - latest >= SETTLE_MS);
        let tell_settled = new.is_empty() && settled && !self.settled_told;
        self.settled_told = new.is_empty() && (settled || self.settled_told);
        if new.is_empty() && !was_refused && !tell_settled {
            return Vec::new();
        }
        vec![Observation::LogEvents(LogEvents {
            events: new,
            seen_ms: now_ms,
        })]
    }
}

impl Poller for LogTail {
    fn next(&mut self, now_ms: i64) -> Next {
        if still_in_flight(&mut self.in_flight, &mut self.health, now_ms) {
            return Next::Idle;
        }
        if let Some(at) = self.health.holds(now_ms) {
            return Next::WaitUntil(at);
        }
        if now_ms < self.free_ms {
            return Next::WaitUntil(self.free_ms);
        }
        if !self.group_found {
            match (self.group_check, self.first_change_ms) {
                (GroupCheck::NotAsked, _) | (GroupCheck::Describe, Some(_)) => {
                    let body = json!({"logGroupNamePrefix": self.log_group});
                    return self.call(
                        Call::Groups,
                        PlannedCall::json(Service::Logs, "DescribeLogGroups", body),
                        now_ms,
                    );
                }
                (_, None) => {
                    self.health.waiting(WaitReason::NoLogYet);
                    return Next::Idle;
                }
                (GroupCheck::Wait, Some(at)) if now_ms < at + FIRST_RUN_MS => {
                    self.health.waiting(WaitReason::NoLogYet);
                    return Next::WaitUntil(at + FIRST_RUN_MS);
                }
                (GroupCheck::Wait, Some(_)) => {}
            }
        }
        let search = match &self.search {
            Some(search) => search.clone(),
            None => Search {
                start_ms: self.search_start(),
                token: None,
            },
        };
        let mut body = json!({"logGroupName": self.log_group, "startTime": search.start_ms});
        if let Some(token) = &search.token {
            body["nextToken"] = json!(token);
        }
        self.search = Some(search);
        self.call(
            Call::Search,
            PlannedCall::json(Service::Logs, "FilterLogEvents", body),
            now_ms,
        )
    }

    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let Some((step, answer)) =
            answer_to(&mut self.in_flight, outcome, &mut self.health, now_ms)
        else {
            return Vec::new();
        };
        if step == Call::Groups {
            return self.groups_answered(&answer, now_ms);
        }
        if let Some(failure) = failure(Service::Logs, "logs:FilterLogEvents", &answer) {
            return match failure.code() {
                Some("ResourceNotFoundException") => {
                    self.group_found = false;
                    self.search = None;
                    self.free_ms = now_ms + NO_LOG_EVERY_MS;
                    self.health.waiting(WaitReason::NoLogYet);
                    Vec::new()
                }
                // The token expired (24 hours) or was refused: a new search.
                Some("InvalidParameterException") => {
                    self.search = None;
                    Vec::new()
                }
                _ => self.health.fail(failure, Hop::Lambda, now_ms),
            };
        }
        self.group_found = true;
        let was_refused = self.health.ok();
        self.read(&json_of(&answer), was_refused, now_ms)
    }

    fn status(&self) -> PollerStatus {
        self.health.status.clone()
    }

    fn wake(&mut self) {
        self.health.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::Answer;
    use serde_json::Value;

    const GROUP: &str = "/aws/lambda/sync-data-with-dynamodb-stream";

    /// A tail from `start` on, with a change on the stream and the
    /// function's log group found.
    fn described(start: i64) -> LogTail {
        let mut tail = LogTail::new(GROUP, start);
        tail.want(Some(start));
        groups(&mut tail, 0, &[GROUP]);
        assert!(tail.group_found);
        tail
    }

    /// Expects DescribeLogGroups for the function's group at `now` and
    /// answers it with `names`.
    fn groups(tail: &mut LogTail, now: i64, names: &[&str]) {
        let Next::Call(c) = tail.next(now) else {
            panic!("expected DescribeLogGroups at {now}")
        };
        assert_eq!(
            (c.service, c.operation),
            (Service::Logs, "DescribeLogGroups")
        );
        let body: Value = serde_json::from_str(&c.body).unwrap();
        assert_eq!(body, json!({"logGroupNamePrefix": GROUP}));
        let found: Vec<Value> = names
            .iter()
            .map(|n| json!({"logGroupName": n, "creationTime": 1, "storedBytes": 0}))
            .collect();
        let answer = Answer::new(200, json!({"logGroups": found}).to_string());
        assert_eq!(tail.answered(Outcome::Answered(answer), now), []);
    }

    fn no_log_yet() -> PollerStatus {
        PollerStatus::Waiting {
            reason: WaitReason::NoLogYet,
        }
    }

    #[test]
    fn the_group_is_looked_for_as_the_tail_starts_then_each_second_while_a_change_waits() {
        let mut tail = LogTail::new(GROUP, 0);
        // Once as it starts, with nothing to wait for yet.
        groups(&mut tail, 0, &[]);
        assert_eq!(tail.status(), no_log_yet());
        assert!(!tail.status().is_trouble());
        assert_eq!(tail.next(5_000), Next::Idle, "no change: nothing asked");
        // A change: asked each second; a group that only shares the prefix
        // is not the function's.
        tail.want(Some(5_000));
        groups(&mut tail, 5_000, &[&format!("{GROUP}-v2")]);
        assert_eq!(tail.next(5_500), Next::WaitUntil(6_000));
        groups(&mut tail, 6_000, &[GROUP, &format!("{GROUP}-v2")]);
        // The function has just run: its lines are searched next, a Logs
        // call a second still.
        assert_eq!(tail.next(6_500), Next::WaitUntil(7_000));
        assert_eq!(
            call(&mut tail, 7_000),
            json!({"logGroupName": GROUP, "startTime": 0})
        );
        assert_eq!(ok(&mut tail, events(&[(1, 5_600)], None), 7_000), [1]);
        // Found: it goes on tailing whatever the board says.
        tail.want(None);
        call(&mut tail, 8_000);
    }

    #[test]
    fn a_group_there_as_the_tail_starts_is_searched_next() {
        let mut tail = LogTail::new(GROUP, 0);
        groups(&mut tail, 0, &[GROUP]);
        call(&mut tail, 1_000);
    }

    #[test]
    fn a_role_that_may_not_describe_groups_searches_a_moment_after_the_first_change() {
        let mut tail = LogTail::new(GROUP, 0);
        assert!(matches!(tail.next(0), Next::Call(c) if c.operation == "DescribeLogGroups"));
        let denied = Answer::new(
            400,
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: logs:DescribeLogGroups on resource: arn:aws:logs:ap-southeast-1:123456789012:log-group::log-stream: because no identity-based policy allows the logs:DescribeLogGroups action"}"#,
        );
        // Not a hop refused: the tail only loses its early start.
        assert_eq!(tail.answered(Outcome::Answered(denied), 0), []);
        assert_eq!(tail.status(), no_log_yet());
        assert_eq!(tail.next(1_000), Next::Idle);
        tail.want(Some(5_000));
        assert_eq!(tail.next(5_000), Next::WaitUntil(5_000 + FIRST_RUN_MS));
        call(&mut tail, 8_000);
        tail.answered(
            Outcome::Answered(Answer::new(200, events(&[], None))),
            8_000,
        );
        assert!(tail.group_found);
        // Never asked again on this page.
        tail.want(None);
        call(&mut tail, 9_000);
    }

    #[test]
    fn looking_for_the_group_backs_off_when_throttled() {
        let mut tail = LogTail::new(GROUP, 0);
        tail.want(Some(0));
        assert!(matches!(tail.next(0), Next::Call(_)));
        let throttled = Answer::new(
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
        assert_eq!(tail.answered(Outcome::Answered(throttled), 0), []);
        assert!(matches!(
            tail.status(),
            PollerStatus::Retrying {
                cause: RetryCause::Throttled,
                ..
            }
        ));
        assert_eq!(tail.next(1_000), Next::WaitUntil(2_000));
        groups(&mut tail, 2_000, &[GROUP]);
    }

    fn call(tail: &mut LogTail, now: i64) -> Value {
        match tail.next(now) {
            Next::Call(c) => {
                assert_eq!((c.service, c.operation), (Service::Logs, "FilterLogEvents"));
                serde_json::from_str(&c.body).unwrap()
            }
            other => panic!("expected a call at {now}, got {other:?}"),
        }
    }

    fn events(ids_at: &[(u32, i64)], token: Option<&str>) -> String {
        let events: Vec<Value> = ids_at
            .iter()
            .map(|(id, ts)| {
                json!({"eventId": format!("{id:056}"), "timestamp": ts,
                "logStreamName": "2024/10/08/[$LATEST]abc", "message": format!("line {id}\n"),
                "ingestionTime": ts + 200})
            })
            .collect();
        let mut body = json!({"events": events, "searchedLogStreams": []});
        if let Some(t) = token {
            body["nextToken"] = json!(t);
        }
        body.to_string()
    }

    fn ok(tail: &mut LogTail, body: String, now: i64) -> Vec<u32> {
        let seen = tail.answered(Outcome::Answered(Answer::new(200, body)), now);
        match &seen[..] {
            [] => Vec::new(),
            [Observation::LogEvents(l)] => l
                .events
                .iter()
                .map(|e| e.event_id.parse().unwrap())
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_search_overlaps_the_last_and_passes_on_only_new_events() {
        let mut tail = described(1_000);
        assert_eq!(
            call(&mut tail, 45_000),
            json!({"logGroupName": GROUP, "startTime": 1_000})
        );
        assert_eq!(
            ok(&mut tail, events(&[(1, 20_000), (2, 30_000)], None), 45_000),
            [1, 2]
        );
        assert_eq!(
            tail.next(45_500),
            Next::WaitUntil(46_000),
            "one call a second"
        );
        // From 10 s before the newest event seen.
        assert_eq!(call(&mut tail, 46_000)["startTime"], 20_000);
        assert_eq!(
            ok(
                &mut tail,
                events(&[(1, 20_000), (2, 30_000), (3, 30_000)], None),
                46_000
            ),
            [3]
        );
        assert_eq!(call(&mut tail, 47_000)["startTime"], 20_000);
        assert_eq!(
            ok(&mut tail, events(&[(2, 30_000), (3, 30_000)], None), 47_000),
            Vec::<u32>::new()
        );
        assert_eq!(tail.status(), PollerStatus::Reading);
    }

    #[test]
    fn a_search_follows_next_token_through_empty_pages() {
        let mut tail = described(0);
        call(&mut tail, 101_000);
        assert_eq!(
            ok(&mut tail, events(&[], Some("t1")), 101_000),
            Vec::<u32>::new()
        );
        assert_eq!(
            call(&mut tail, 102_000),
            json!({"logGroupName": GROUP, "startTime": 0, "nextToken": "t1"})
        );
        assert_eq!(
            ok(&mut tail, events(&[(7, 90_000)], Some("t2")), 102_000),
            [7]
        );
        let body = call(&mut tail, 103_000);
        assert_eq!(
            (body["startTime"].as_i64(), body["nextToken"].as_str()),
            (Some(0), Some("t2"))
        );
        ok(&mut tail, events(&[], None), 103_000);
        let body = call(&mut tail, 104_000);
        assert_eq!(
            body,
            json!({"logGroupName": GROUP, "startTime": 80_000}),
            "a new search"
        );
    }

    #[test]
    fn throttling_backs_off_keeping_the_page_then_recovers() {
        let mut tail = described(0);
        call(&mut tail, 11_000);
        ok(&mut tail, events(&[(1, 500)], Some("t1")), 11_000);
        let throttled = || {
            Outcome::Answered(Answer::new(
                400,
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ))
        };
        call(&mut tail, 12_000);
        assert_eq!(tail.answered(throttled(), 12_000), []);
        assert_eq!(tail.status().describe(12_000), "throttled, retrying in 2 s");
        assert_eq!(tail.next(12_500), Next::WaitUntil(14_000));
        assert_eq!(call(&mut tail, 14_000)["nextToken"], "t1");
        tail.answered(throttled(), 14_000);
        assert_eq!(tail.next(14_000), Next::WaitUntil(18_000));
        assert_eq!(call(&mut tail, 18_000)["nextToken"], "t1");
        assert_eq!(ok(&mut tail, events(&[(2, 600)], None), 18_000), [2]);
        assert_eq!(tail.status(), PollerStatus::Reading);
        assert_eq!(tail.next(18_000), Next::WaitUntil(19_000));
    }

    #[test]
    fn new_lines_are_passed_on_at_once_each_once_in_the_order_written() {
        let mut tail = described(0);
        // The REPORT (3) was ingested before the handler's last line (2):
        // the board's LambdaLog waits for it.
        call(&mut tail, 10_300);
        assert_eq!(
            ok(&mut tail, events(&[(3, 10_100), (1, 10_000)], None), 10_300),
            [1, 3]
        );
        call(&mut tail, 11_300);
        assert_eq!(
            ok(
                &mut tail,
                events(&[(1, 10_000), (2, 10_090), (3, 10_100), (4, 11_000)], None),
                11_300
            ),
            [2, 4]
        );
    }

    #[test]
    fn the_first_read_a_settle_time_after_the_newest_line_is_told_once_though_empty() {
        let mut tail = described(0);
        let read = |tail: &mut LogTail, lines: &[(u32, i64)], now| {
            call(tail, now);
            tail.answered(
                Outcome::Answered(Answer::new(200, events(lines, None))),
                now,
            )
        };
        assert_eq!(read(&mut tail, &[(1, 10_000)], 10_300).len(), 1);
        // Nothing new, a settle time after the newest line: told, empty.
        let settled = read(&mut tail, &[(1, 10_000)], 11_300);
        assert!(
            matches!(&settled[..], [Observation::LogEvents(l)] if l.events.is_empty() && l.seen_ms == 11_300),
            "{settled:?}"
        );
        assert_eq!(read(&mut tail, &[(1, 10_000)], 12_300), [], "told once");
        assert_eq!(read(&mut tail, &[(2, 13_000)], 13_300).len(), 1);
        assert_eq!(
            read(&mut tail, &[], 14_300).len(),
            1,
            "told again after new lines"
        );
    }

    #[test]
    fn a_missing_log_group_means_no_log_yet_not_an_error() {
        let mut tail = described(0);
        call(&mut tail, 1_000);
        let missing = Answer::new(
            400,
            r#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#,
        );
        assert_eq!(tail.answered(Outcome::Answered(missing), 1_000), []);
        assert_eq!(
            tail.status(),
            PollerStatus::Waiting {
                reason: WaitReason::NoLogYet
            }
        );
        assert!(!tail.status().is_trouble());
        assert_eq!(tail.next(1_000), Next::WaitUntil(2_000));
        // Deleted since: looked for again before any search.
        groups(&mut tail, 2_000, &[GROUP]);
        call(&mut tail, 3_000);
    }

    #[test]
    fn without_logs_access_the_lambda_hop_is_not_observable_until_it_works_again() {
        let mut tail = described(0);
        call(&mut tail, 1_000);
        let denied = Answer::new(
            400,
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/x:log-stream: with an explicit deny in an identity-based policy"}"#,
        );
        let seen = tail.answered(Outcome::Answered(denied), 1_000);
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(
            (n.hop, n.permission.as_str()),
            (Hop::Lambda, "logs:FilterLogEvents")
        );
        assert!(n.refusal.contains("explicit deny"));
        assert_eq!(tail.next(2_000), Next::WaitUntil(31_000));
        tail.wake();
        call(&mut tail, 2_000);
        let seen = tail.answered(
            Outcome::Answered(Answer::new(200, events(&[], None))),
            2_000,
        );
        assert!(
            matches!(&seen[..], [Observation::LogEvents(l)] if l.events.is_empty()),
            "clears the refusal"
        );
    }

    #[test]
    fn memory_holds_only_the_overlap_window_however_long_it_runs() {
        let mut tail = described(0);
        let mut now = 2_000;
        let mut id = 0;
        let mut passed = 0;
        // Ten minutes of a busy function: 20 events a second.
        for second in 0..600 {
            let batch: Vec<(u32, i64)> = (0..20)
                .map(|i| {
                    id += 1;
                    (id, second * 1_000 + i * 50)
                })
                .collect();
            call(&mut tail, now);
            passed += ok(&mut tail, events(&batch, None), now).len();
            now += 1_000;
        }
        assert_eq!(passed, 12_000, "every event once");
        assert!(
            tail.remembered() <= 11 * 20,
            "{} ids kept",
            tail.remembered()
        );
        let json = serde_json::to_string(&tail).unwrap();
        assert!(json.len() < 40_000, "{} bytes saved", json.len());
    }
}
