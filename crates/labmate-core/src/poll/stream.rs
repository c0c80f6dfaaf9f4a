//! The stream reader: `lab-table`'s stream read as AWS's Streams guide
//! says, DescribeTable (the `LatestStreamArn`) -> DescribeStream (every
//! shard, page by page) -> GetShardIterator -> GetRecords along
//! `NextShardIterator`, a parent shard before its children.
//!
//! A shard it has never read starts at TRIM_HORIZON, or at LATEST when the
//! reader was told to start from now; a shard it has read continues after
//! the last sequence number seen (AFTER_SEQUENCE_NUMBER), which is also how
//! an expired iterator (15 minutes, ExpiredIteratorException) is renewed.
//! A closed shard read to its end (no `NextShardIterator`) sends it back to
//! DescribeStream for the children. A position older than the 24-hour trim
//! point (TrimmedDataAccessException) restarts at TRIM_HORIZON, and the
//! page says so ([`ReadFrom::AfterTrim`]) so the board records the gap. A
//! third reader of a shard (LimitExceededException: the Lambda's trigger
//! is one reader, another tab may be the other) backs off and says why.
//!
//! Pace: at most one Streams call every [`STREAMS_GAP_MS`] (two a second);
//! an open shard with nothing new is asked again after
//! [`EMPTY_PAGE_WAIT_MS`], so a quiet stream costs one GetRecords a second.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    answer_to, failure, json_of, still_in_flight, Failure, Health, InFlight, Next, Outcome,
    PlannedCall, Poller, PollerStatus, RetryCause, WaitReason,
};
use crate::flow::{Hop, Observation, ReadFrom, StreamPage, StreamSetup};
use crate::Service;

/// The least time between two Streams calls: at most two a second.
pub const STREAMS_GAP_MS: i64 = 500;
/// How long an open shard with nothing new waits before the next GetRecords.
pub const EMPTY_PAGE_WAIT_MS: i64 = 1_000;
/// How often the table is described again while its stream is read (a
/// stream turned off and on again gets a new ARN).
pub const TABLE_EVERY_MS: i64 = 30_000;
/// How often the table is described while it has no stream to read.
pub const NO_STREAM_EVERY_MS: i64 = 10_000;

/// Where a reader that has read nothing yet starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAt {
    /// Every record the stream still keeps (24 hours): changes made before
    /// labmate opened become flows too.
    TrimHorizon,
    /// Only changes from now on (LATEST; closed shards are skipped).
    Now,
}

/// Where a shard's next iterator starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Position {
    TrimHorizon,
    Latest,
    /// After the last record read.
    After(String),
    /// TRIM_HORIZON because the last position was trimmed.
    AfterTrim,
}

impl Position {
    fn iterator_type(&self) -> &'static str {
        match self {
            Position::TrimHorizon | Position::AfterTrim => "TRIM_HORIZON",
            Position::Latest => "LATEST",
            Position::After(_) => "AFTER_SEQUENCE_NUMBER",
        }
    }

    /// How the first page read from here follows on from what was read.
    fn read_from(&self) -> ReadFrom {
        match self {
            Position::TrimHorizon => ReadFrom::TrimHorizon,
            Position::Latest => ReadFrom::Latest,
            Position::After(_) => ReadFrom::Continued,
            Position::AfterTrim => ReadFrom::AfterTrim,
        }
    }
}

/// One shard, as far as the reader got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ShardRead {
    id: String,
    parent: Option<String>,
    /// Where a new iterator would start.
    position: Position,
    iterator: Option<String>,
    /// How the next page follows on from what was read.
    read_from: ReadFrom,
    /// Closed and read to its end (or skipped when starting from now).
    drained: bool,
    next_read_ms: i64,
}

/// A DescribeStream listing under way: where the next page starts and the
/// shards listed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Listing {
    after: Option<String>,
    listed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    DescribeTable,
    DescribeStream,
    GetShardIterator(String),
    GetRecords(String),
}

impl Step {
    fn operation(&self) -> &'static str {
        match self {
            Step::DescribeTable => "DescribeTable",
            Step::DescribeStream => "DescribeStream",
            Step::GetShardIterator(_) => "GetShardIterator",
            Step::GetRecords(_) => "GetRecords",
        }
    }

    fn service(&self) -> Service {
        match self {
            Step::DescribeTable => Service::DynamoDb,
            _ => Service::Streams,
        }
    }
}

/// The stream reader's state machine. Serialises without secrets (shard
/// iterators are positions, not credentials) so another tab can take over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamReader {
    table: String,
    start: StartAt,
    /// Whether the first listing was made: [`StartAt`] applies to it only;
    /// every shard found later (a child, a new stream) is read from its
    /// start.
    started: bool,
    stream_arn: Option<String>,
    /// A newer stream of the table, read once this one is drained.
    newer_stream_arn: Option<String>,
    shards: Vec<ShardRead>,
    /// `Some` while the shards must be listed (again).
    listing: Option<Listing>,
    table_due_ms: i64,
    /// When the next Streams call may go.
    streams_free_ms: i64,
    health: Health,
    #[serde(skip)]
    in_flight: Option<InFlight<Step>>,
    /// "Check now" was asked while a call was out.
    #[serde(skip)]
    recheck_pending: bool,
}

impl StreamReader {
    /// A reader of `table`'s stream that has read nothing yet.
    pub fn new(table: &str, start: StartAt) -> Self {
        StreamReader {
            table: table.to_owned(),
            start,
            started: false,
            stream_arn: None,
            newer_stream_arn: None,
            shards: Vec::new(),
            listing: None,
            table_due_ms: 0,
            streams_free_ms: 0,
            health: Health::default(),
            in_flight: None,
            recheck_pending: false,
        }
    }

    /// The stream being read.
    pub fn stream_arn(&self) -> Option<&str> {
        self.stream_arn.as_deref()
    }

    /// The shards known, each with the last sequence number read in it.
    pub fn positions(&self) -> Vec<(&str, Option<&str>)> {
        self.shards
            .iter()
            .map(|s| {
                let last = match &s.position {
                    Position::After(seq) => Some(seq.as_str()),
                    _ => None,
                };
                (s.id.as_str(), last)
            })
            .collect()
    }

    /// Listed, and every shard read to its end.
    fn finished(&self) -> bool {
        self.listing.is_none() && self.shards.iter().all(|s| s.drained)
    }

    fn shard_mut(&mut self, id: &str) -> Option<&mut ShardRead> {
        self.shards.iter_mut().find(|s| s.id == id)
    }

    /// A shard is read once its parent is read to its end (or unknown:
    /// trimmed away, or from before the reader started).
    fn readable(&self, shard: &ShardRead) -> bool {
        !shard.drained
            && shard.parent.as_ref().is_none_or(|p| {
                self.shards
                    .iter()
                    .find(|s| &s.id == p)
                    .is_none_or(|parent| parent.drained)
            })
    }

    /// Starts reading `arn` from its first listing.
    fn follow(&mut self, arn: &str) {
        self.stream_arn = Some(arn.to_owned());
        self.newer_stream_arn = None;
        self.shards.clear();
        self.listing = Some(Listing::default());
    }

    /// The stream is gone (disabled more than 24 hours ago): back to the
    /// table for its latest one.
    fn forget_stream(&mut self, now_ms: i64) {
        self.stream_arn = None;
        self.shards.clear();
        self.listing = None;
        self.table_due_ms = now_ms;
    }

    /// The next step and when it is due.
    fn plan(&self) -> (Step, i64) {
        let table = (Step::DescribeTable, self.table_due_ms);
        if self.stream_arn.is_none() {
            return table;
        }
        let streams = if self.listing.is_some() {
            Some((Step::DescribeStream, self.streams_free_ms))
        } else {
            self.shards
                .iter()
                .filter(|s| self.readable(s))
                .map(|s| {
                    let step = match s.iterator {
                        None => Step::GetShardIterator(s.id.clone()),
                        Some(_) => Step::GetRecords(s.id.clone()),
                    };
                    (step, s.next_read_ms.max(self.streams_free_ms))
                })
                .min_by_key(|(_, due)| *due)
        };
        match streams {
            Some(step) if step.1 < table.1 => step,
            _ => table,
        }
    }

    fn call_for(&mut self, step: &Step, now_ms: i64) -> PlannedCall {
        let arn = self.stream_arn.clone().unwrap_or_default();
        if step.service() == Service::Streams {
            self.streams_free_ms = now_ms + STREAMS_GAP_MS;
        }
        let body = match step {
            Step::DescribeTable => json!({"TableName": self.table}),
            Step::DescribeStream => {
                let mut body = json!({"StreamArn": arn});
                if let Some(after) = self.listing.as_ref().and_then(|l| l.after.as_ref()) {
                    body["ExclusiveStartShardId"] = json!(after);
                }
                body
            }
            Step::GetShardIterator(id) => {
                let position = self
                    .shards
                    .iter()
                    .find(|s| &s.id == id)
                    .map_or(Position::TrimHorizon, |s| s.position.clone());
                let mut body = json!({
                    "StreamArn": arn,
                    "ShardId": id,
                    "ShardIteratorType": position.iterator_type(),
                });
                if let Position::After(seq) = &position {
                    body["SequenceNumber"] = json!(seq);
                }
                body
            }
            Step::GetRecords(id) => {
                let iterator = self
                    .shards
                    .iter()
                    .find(|s| &s.id == id)
                    .and_then(|s| s.iterator.clone());
                json!({"ShardIterator": iterator})
            }
        };
        PlannedCall::json(step.service(), step.operation(), body)
    }

    fn described_table(&mut self, body: &Value, now_ms: i64) -> Vec<Observation> {
        let setup = StreamSetup::from_describe_table(body, now_ms);
        self.table_due_ms = now_ms
            + if setup.enabled {
                TABLE_EVERY_MS
            } else {
                NO_STREAM_EVERY_MS
            };
        let latest = body["Table"]["LatestStreamArn"].as_str();
        match (latest, self.stream_arn.as_deref()) {
            (Some(arn), None) => self.follow(arn),
            (Some(arn), Some(current)) if arn != current => {
                if self.finished() {
                    self.follow(arn);
                } else {
                    self.newer_stream_arn = Some(arn.to_owned());
                }
            }
            _ => {}
        }
        if self.stream_arn.is_none() || self.finished() {
            self.health.waiting(WaitReason::NoStream);
        }
        vec![Observation::StreamSetup(setup)]
    }

    fn described_stream(&mut self, body: &Value, now_ms: i64) {
        let description = &body["StreamDescription"];
        let mut listing = self.listing.take().unwrap_or_default();
        for shard in description["Shards"].as_array().into_iter().flatten() {
            let Some(id) = shard["ShardId"].as_str() else {
                continue;
            };
            listing.listed.push(id.to_owned());
            if self.shards.iter().any(|s| s.id == id) {
                continue;
            }
            let closed = shard["SequenceNumberRange"]["EndingSequenceNumber"].is_string();
            let (position, drained) = match (self.started, self.start) {
                (false, StartAt::Now) => (Position::Latest, closed),
                _ => (Position::TrimHorizon, false),
            };
            self.shards.push(ShardRead {
                id: id.to_owned(),
                parent: shard["ParentShardId"].as_str().map(str::to_owned),
                read_from: position.read_from(),
                position,
                iterator: None,
                drained,
                next_read_ms: now_ms,
            });
        }
        if let Some(last) = description["LastEvaluatedShardId"].as_str() {
            listing.after = Some(last.to_owned());
            self.listing = Some(listing);
            return;
        }
        self.started = true;
        // A shard read to its end and no longer listed has expired.
        self.shards
            .retain(|s| !s.drained || listing.listed.contains(&s.id));
        if self.finished() {
            match self.newer_stream_arn.take() {
                Some(newer) => self.follow(&newer),
                // Disabled, or turned off and on: the table says which.
                None => self.table_due_ms = self.table_due_ms.min(now_ms),
            }
        }
    }

    fn read_page(
        &mut self,
        id: &str,
        body: &Value,
        was_refused: bool,
        now_ms: i64,
    ) -> Vec<Observation> {
        let Some(shard) = self.shard_mut(id) else {
            return Vec::new();
        };
        let page = match StreamPage::from_get_records(id, shard.read_from.clone(), body, now_ms) {
            Ok(page) => page,
            Err(e) => {
                // Not advanced: the same page is asked for again.
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
        if let Some(last) = page.records.last() {
            shard.position = Position::After(last.sequence_number.clone());
        }
        shard.read_from = ReadFrom::Continued;
        match body["NextShardIterator"].as_str() {
            Some(next) => {
                shard.iterator = Some(next.to_owned());
                shard.next_read_ms = if page.records.is_empty() {
                    now_ms + EMPTY_PAGE_WAIT_MS
                } else {
                    now_ms
                };
            }
            None => {
                // Closed and read to its end: its children come next.
                shard.iterator = None;
                shard.drained = true;
                self.listing = Some(Listing::default());
            }
        }
        let news = !page.records.is_empty() || page.read_from != ReadFrom::Continued;
        if news || was_refused {
            vec![Observation::StreamPage(page)]
        } else {
            Vec::new()
        }
    }

    fn refused(&mut self, step: Step, failure: Failure, now_ms: i64) -> Vec<Observation> {
        let code = failure.code().unwrap_or_default().to_owned();
        match (&step, code.as_str()) {
            // Renewed from the last sequence number seen (or the shard's
            // first place when nothing was read): nothing skipped.
            (Step::GetRecords(id), "ExpiredIteratorException" | "ValidationException") => {
                if let Some(shard) = self.shard_mut(id) {
                    shard.iterator = None;
                }
            }
            (Step::GetRecords(id) | Step::GetShardIterator(id), "TrimmedDataAccessException") => {
                if let Some(shard) = self.shard_mut(id) {
                    shard.iterator = None;
                    shard.position = Position::AfterTrim;
                }
            }
            (Step::GetRecords(_), "LimitExceededException") => {
                self.health.retry(RetryCause::TooManyReaders, now_ms);
            }
            // The shard closed more than 24 hours ago: gone with its data.
            (Step::GetShardIterator(id), "ResourceNotFoundException") => {
                if let Some(shard) = self.shard_mut(id) {
                    shard.drained = true;
                }
                self.listing = Some(Listing::default());
            }
            (Step::DescribeStream | Step::GetRecords(_), "ResourceNotFoundException") => {
                self.forget_stream(now_ms);
            }
            (Step::DescribeTable, "ResourceNotFoundException") => {
                self.table_due_ms = now_ms + NO_STREAM_EVERY_MS;
                self.health.waiting(WaitReason::NoStream);
            }
            _ => return self.health.fail(failure, Hop::Stream, now_ms),
        }
        Vec::new()
    }
}

impl StreamReader {
    /// Reads the answer to the call in flight ([`Poller::answered`]).
    fn read_answer(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let Some((step, answer)) =
            answer_to(&mut self.in_flight, outcome, &mut self.health, now_ms)
        else {
            return Vec::new();
        };
        let action = format!("dynamodb:{}", step.operation());
        if let Some(failure) = failure(step.service(), &action, &answer) {
            return self.refused(step, failure, now_ms);
        }
        let was_refused = self.health.ok();
        let body = json_of(&answer);
        match step {
            Step::DescribeTable => self.described_table(&body, now_ms),
            Step::DescribeStream => {
                self.described_stream(&body, now_ms);
                Vec::new()
            }
            Step::GetShardIterator(id) => {
                let iterator = body["ShardIterator"].as_str().map(str::to_owned);
                match (self.shard_mut(&id), iterator) {
                    (Some(shard), Some(iterator)) => {
                        shard.iterator = Some(iterator);
                        shard.read_from = shard.position.read_from();
                        shard.next_read_ms = now_ms;
                    }
                    (Some(_), None) => self.health.retry(
                        RetryCause::Unexpected {
                            status: answer.status,
                            message: "GetShardIterator answered no ShardIterator".into(),
                        },
                        now_ms,
                    ),
                    (None, _) => {}
                }
                Vec::new()
            }
            Step::GetRecords(id) => self.read_page(&id, &body, was_refused, now_ms),
        }
    }
}

impl Poller for StreamReader {
    fn next(&mut self, now_ms: i64) -> Next {
        if still_in_flight(&mut self.in_flight, &mut self.health, now_ms) {
            return Next::Idle;
        }
        if let Some(at) = self.health.holds(now_ms) {
            return Next::WaitUntil(at);
        }
        let (step, due) = self.plan();
        if due > now_ms {
            return Next::WaitUntil(due);
        }
        let call = self.call_for(&step, now_ms);
        self.in_flight = Some(InFlight {
            step,
            since_ms: now_ms,
        });
        Next::Call(call)
    }

    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation> {
        let seen = self.read_answer(outcome, now_ms);
        // "Check now" came while this call was out: the answer may predate
        // the learner's change, so the table is described again, at once
        // even if it was a refusal.
        if std::mem::take(&mut self.recheck_pending) {
            self.wake();
            self.table_due_ms = 0;
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
        self.table_due_ms = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::Answer;
    use lab_model::timeline::ChangeKind;

    const ARN: &str = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T19:55:22.000";
    const PARENT: &str = "shardId-00000001728417322000-aaaaaaaa";
    const CHILD: &str = "shardId-00000001728431722000-bbbbbbbb";

    /// The call `reader` makes at `now`, with its JSON body.
    fn call(reader: &mut StreamReader, now: i64) -> (&'static str, Value) {
        match reader.next(now) {
            Next::Call(c) => (c.operation, serde_json::from_str(&c.body).unwrap()),
            other => panic!("expected a call at {now}, got {other:?}"),
        }
    }

    /// The Streams call `reader` makes at `now`, answering a DescribeTable
    /// due on the way (the table keeps its stream).
    fn streams_call(reader: &mut StreamReader, now: i64) -> (&'static str, Value) {
        let first = call(reader, now);
        if first.0 != "DescribeTable" {
            return first;
        }
        ok(reader, table(Some(ARN)), now);
        call(reader, now)
    }

    fn ok(reader: &mut StreamReader, body: Value, now: i64) -> Vec<Observation> {
        reader.answered(Outcome::Answered(Answer::new(200, body.to_string())), now)
    }

    fn error(reader: &mut StreamReader, status: u16, code: &str, now: i64) -> Vec<Observation> {
        let body =
            json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": "m"});
        reader.answered(
            Outcome::Answered(Answer::new(status, body.to_string())),
            now,
        )
    }

    fn table(arn: Option<&str>) -> Value {
        let mut t = json!({"Table": {"TableName": "lab-table",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}});
        if let Some(arn) = arn {
            t["Table"]["LatestStreamArn"] = json!(arn);
        }
        t
    }

    fn shard(id: &str, parent: Option<&str>, closed: bool) -> Value {
        let mut s =
            json!({"ShardId": id, "SequenceNumberRange": {"StartingSequenceNumber": "100"}});
        if let Some(p) = parent {
            s["ParentShardId"] = json!(p);
        }
        if closed {
            s["SequenceNumberRange"]["EndingSequenceNumber"] = json!("900");
        }
        s
    }

    fn record(seq: &str, id: &str) -> Value {
        json!({"eventID": format!("e{seq}"), "eventName": "INSERT", "dynamodb": {
            "ApproximateCreationDateTime": 1728417322, "Keys": {"id": {"S": id}},
            "NewImage": {"id": {"S": id}}, "SequenceNumber": seq, "StreamViewType": "NEW_IMAGE"}})
    }

    fn page(records: Vec<Value>, next: Option<&str>) -> Value {
        let mut p = json!({"Records": records});
        if let Some(n) = next {
            p["NextShardIterator"] = json!(n);
        }
        p
    }

    /// A reader that has listed one open shard and holds an iterator on it.
    fn reading(start: StartAt) -> StreamReader {
        let mut r = StreamReader::new("lab-table", start);
        call(&mut r, 0);
        ok(&mut r, table(Some(ARN)), 0);
        call(&mut r, 0);
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(PARENT, None, false)]}}),
            0,
        );
        call(&mut r, 500);
        ok(&mut r, json!({"ShardIterator": "it-0"}), 500);
        r
    }

    fn stream_page(observations: &[Observation]) -> &StreamPage {
        match observations {
            [Observation::StreamPage(p)] => p,
            other => panic!("expected one page, got {other:?}"),
        }
    }

    #[test]
    fn a_fresh_reader_finds_the_stream_lists_every_shard_and_reads_the_parent_first() {
        let mut r = StreamReader::new("lab-table", StartAt::TrimHorizon);
        assert_eq!(
            call(&mut r, 0),
            ("DescribeTable", json!({"TableName": "lab-table"}))
        );
        let seen = ok(&mut r, table(Some(ARN)), 10);
        assert!(matches!(&seen[..], [Observation::StreamSetup(s)] if s.enabled));
        // The shards, in two pages.
        assert_eq!(
            call(&mut r, 10),
            ("DescribeStream", json!({"StreamArn": ARN}))
        );
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(PARENT, None, true)], "LastEvaluatedShardId": PARENT}}),
            20,
        );
        assert_eq!(
            r.next(20),
            Next::WaitUntil(510),
            "two Streams calls a second at most"
        );
        assert_eq!(
            call(&mut r, 510),
            (
                "DescribeStream",
                json!({"StreamArn": ARN, "ExclusiveStartShardId": PARENT})
            )
        );
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(CHILD, Some(PARENT), false)]}}),
            520,
        );
        // The parent first, from its oldest record.
        let (op, body) = call(&mut r, 1_010);
        assert_eq!(op, "GetShardIterator");
        assert_eq!(body["ShardId"], PARENT);
        assert_eq!(body["ShardIteratorType"], "TRIM_HORIZON");
        ok(&mut r, json!({"ShardIterator": "p-0"}), 1_020);
        assert_eq!(
            call(&mut r, 1_510),
            ("GetRecords", json!({"ShardIterator": "p-0"}))
        );
        let seen = ok(&mut r, page(vec![record("100", "a")], Some("p-1")), 1_520);
        let p = stream_page(&seen);
        assert_eq!(
            (p.shard_id.as_str(), &p.read_from),
            (PARENT, &ReadFrom::TrimHorizon)
        );
        assert_eq!(p.records[0].change, ChangeKind::Insert);
        // Records came: the next page as soon as the pace allows.
        assert_eq!(
            call(&mut r, 2_010),
            ("GetRecords", json!({"ShardIterator": "p-1"}))
        );
        // The parent's end: no NextShardIterator, so the shards are listed
        // again, and the child is read from its start.
        let seen = ok(&mut r, page(vec![record("200", "b")], None), 2_020);
        assert_eq!(stream_page(&seen).read_from, ReadFrom::Continued);
        assert_eq!(call(&mut r, 2_510).0, "DescribeStream");
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(PARENT, None, true), shard(CHILD, Some(PARENT), false)]}}),
            2_520,
        );
        let (op, body) = call(&mut r, 3_010);
        assert_eq!((op, &body["ShardId"]), ("GetShardIterator", &json!(CHILD)));
        assert_eq!(body["ShardIteratorType"], "TRIM_HORIZON");
        assert_eq!(r.positions(), [(PARENT, Some("200")), (CHILD, None)]);
        assert_eq!(r.status(), PollerStatus::Reading);
    }

    #[test]
    fn an_empty_page_waits_a_second_and_a_quiet_stream_costs_one_call_a_second() {
        let mut r = reading(StartAt::TrimHorizon);
        let mut calls = Vec::new();
        let mut now = 1_000;
        while now < 61_000 {
            if let Next::Call(c) = r.next(now) {
                calls.push((now, c.service));
                let body = if c.operation == "GetRecords" {
                    page(vec![], Some("it"))
                } else {
                    table(Some(ARN))
                };
                ok(&mut r, body, now);
            }
            now += 50;
        }
        let streams = calls.iter().filter(|(_, s)| *s == Service::Streams).count();
        let tables = calls
            .iter()
            .filter(|(_, s)| *s == Service::DynamoDb)
            .count();
        assert!((59..=61).contains(&streams), "{streams} GetRecords in 60 s");
        assert_eq!(tables, 2, "DescribeTable every 30 s");
    }

    #[test]
    fn check_now_describes_the_table_again_at_once() {
        let mut r = reading(StartAt::TrimHorizon);
        assert_eq!(call(&mut r, 1_000).0, "GetRecords");
        ok(&mut r, page(vec![], Some("it")), 1_000);
        r.recheck();
        assert_eq!(call(&mut r, 1_500).0, "DescribeTable");
    }

    #[test]
    fn an_expired_iterator_is_renewed_after_the_last_record_seen() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        ok(&mut r, page(vec![record("150", "a")], Some("it-1")), 1_000);
        // The tab slept 16 minutes.
        let later = 1_000 + 16 * 60_000;
        assert_eq!(
            streams_call(&mut r, later).1,
            json!({"ShardIterator": "it-1"})
        );
        assert_eq!(error(&mut r, 400, "ExpiredIteratorException", later), []);
        let (op, body) = streams_call(&mut r, later + 500);
        assert_eq!(op, "GetShardIterator");
        assert_eq!(body["ShardIteratorType"], "AFTER_SEQUENCE_NUMBER");
        assert_eq!(body["SequenceNumber"], "150");
        ok(&mut r, json!({"ShardIterator": "it-2"}), later + 500);
        streams_call(&mut r, later + 1_000);
        let seen = ok(
            &mut r,
            page(vec![record("170", "b")], Some("it-3")),
            later + 1_000,
        );
        assert_eq!(
            stream_page(&seen).read_from,
            ReadFrom::Continued,
            "nothing skipped"
        );
        assert_eq!(r.status(), PollerStatus::Reading);
    }

    #[test]
    fn a_trimmed_position_restarts_at_the_trim_horizon_and_says_so() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        ok(&mut r, page(vec![record("150", "a")], Some("it-1")), 1_000);
        streams_call(&mut r, 2_000);
        error(&mut r, 400, "ExpiredIteratorException", 2_000);
        streams_call(&mut r, 2_500);
        error(&mut r, 400, "TrimmedDataAccessException", 2_500);
        let (op, body) = streams_call(&mut r, 3_000);
        assert_eq!(op, "GetShardIterator");
        assert_eq!(body["ShardIteratorType"], "TRIM_HORIZON");
        assert!(body.get("SequenceNumber").is_none());
        ok(&mut r, json!({"ShardIterator": "it-2"}), 3_000);
        streams_call(&mut r, 3_500);
        let seen = ok(&mut r, page(vec![], Some("it-3")), 3_500);
        assert_eq!(
            stream_page(&seen).read_from,
            ReadFrom::AfterTrim,
            "even an empty page tells the board records were lost"
        );
    }

    #[test]
    fn a_third_reader_is_told_why_and_backs_off_keeping_its_iterator() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        error(&mut r, 400, "LimitExceededException", 1_000);
        let status = r.status();
        assert!(matches!(
            status,
            PollerStatus::Retrying {
                cause: RetryCause::TooManyReaders,
                retry_at_ms: 6_000,
                ..
            }
        ));
        assert!(
            status.describe(1_000).contains("two readers"),
            "{}",
            status.describe(1_000)
        );
        assert_eq!(r.next(1_500), Next::WaitUntil(6_000));
        assert_eq!(
            streams_call(&mut r, 6_000).1,
            json!({"ShardIterator": "it-0"})
        );
        error(&mut r, 400, "LimitExceededException", 6_000);
        assert_eq!(r.next(6_000), Next::WaitUntil(16_000), "backs off further");
    }

    #[test]
    fn starting_from_now_skips_closed_shards_and_reads_the_open_one_from_latest() {
        let mut r = StreamReader::new("lab-table", StartAt::Now);
        call(&mut r, 0);
        ok(&mut r, table(Some(ARN)), 0);
        streams_call(&mut r, 0);
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(PARENT, None, true), shard(CHILD, Some(PARENT), false)]}}),
            0,
        );
        let (_, body) = streams_call(&mut r, 500);
        assert_eq!(
            (&body["ShardId"], &body["ShardIteratorType"]),
            (&json!(CHILD), &json!("LATEST"))
        );
        ok(&mut r, json!({"ShardIterator": "c-0"}), 500);
        streams_call(&mut r, 1_000);
        let seen = ok(&mut r, page(vec![], Some("c-1")), 1_000);
        assert_eq!(stream_page(&seen).read_from, ReadFrom::Latest);
    }

    #[test]
    fn a_refusal_makes_the_stream_not_observable_until_access_works_again() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        let denied = json!({"__type": "com.amazon.coral.service#AccessDeniedException",
            "Message": "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: dynamodb:GetRecords on resource: x because no identity-based policy allows the dynamodb:GetRecords action"});
        let seen = r.answered(
            Outcome::Answered(Answer::new(400, denied.to_string())),
            1_000,
        );
        let [Observation::NotObservable(n)] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(
            (n.hop, n.permission.as_str()),
            (Hop::Stream, "dynamodb:GetRecords")
        );
        assert_eq!(
            r.status().describe(1_000),
            "not observable: needs dynamodb:GetRecords"
        );
        assert_eq!(r.next(2_000), Next::WaitUntil(31_000), "slows right down");
        streams_call(&mut r, 31_000);
        // Allowed again: even an empty page is reported, to clear the hop.
        let seen = ok(&mut r, page(vec![], Some("it-1")), 31_000);
        assert_eq!(stream_page(&seen).records, []);
        assert_eq!(r.status(), PollerStatus::Reading);
        streams_call(&mut r, 32_000);
        assert_eq!(
            ok(&mut r, page(vec![], Some("it-2")), 32_000),
            [],
            "quiet again"
        );
    }

    #[test]
    fn no_answer_backs_off_exponentially_and_a_lost_answer_is_given_up() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        r.answered(Outcome::NoAnswer, 1_000);
        assert_eq!(r.next(1_000), Next::WaitUntil(2_000));
        streams_call(&mut r, 2_000);
        r.answered(Outcome::NoAnswer, 2_000);
        assert_eq!(r.next(2_000), Next::WaitUntil(4_000));
        streams_call(&mut r, 4_000);
        assert_eq!(r.next(5_000), Next::Idle, "one call in flight at a time");
        // Never answered: given up after a minute, and asked again.
        assert_eq!(r.next(64_000), Next::WaitUntil(68_000));
        assert_eq!(streams_call(&mut r, 68_000).0, "GetRecords");
        ok(&mut r, page(vec![], Some("it-1")), 68_000);
        assert_eq!(call(&mut r, 68_000).0, "DescribeTable", "long due");
        ok(&mut r, table(Some(ARN)), 68_000);
        assert_eq!(
            r.next(68_000),
            Next::WaitUntil(69_000),
            "recovered: its own pace"
        );
    }

    #[test]
    fn the_state_round_trips_through_json_and_resumes_on_the_same_iterator() {
        let mut r = reading(StartAt::TrimHorizon);
        streams_call(&mut r, 1_000);
        ok(&mut r, page(vec![record("150", "a")], Some("it-1")), 1_000);
        streams_call(&mut r, 1_500);
        // Saved with a call in flight: the call is not part of the state.
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("in_flight"));
        let mut resumed: StreamReader = serde_json::from_str(&json).unwrap();
        assert_eq!(
            streams_call(&mut resumed, 2_000).1,
            json!({"ShardIterator": "it-1"})
        );
        assert_eq!(resumed.positions(), [(PARENT, Some("150"))]);
    }

    #[test]
    fn a_stream_turned_off_and_on_is_followed_to_its_new_arn_once_the_old_one_is_drained() {
        let newer = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T20:10:00.000";
        let mut r = reading(StartAt::TrimHorizon);
        // The table has a new stream: the old shard is read to its end first.
        let later = TABLE_EVERY_MS;
        assert_eq!(streams_call(&mut r, later).0, "GetRecords");
        ok(&mut r, page(vec![], Some("it-1")), later);
        assert_eq!(call(&mut r, later + 50).0, "DescribeTable");
        ok(&mut r, table(Some(newer)), later + 50);
        assert_eq!(r.stream_arn(), Some(ARN));
        assert_eq!(streams_call(&mut r, later + 1_000).0, "GetRecords");
        ok(&mut r, page(vec![record("300", "z")], None), later + 1_000);
        assert_eq!(streams_call(&mut r, later + 1_500).0, "DescribeStream");
        ok(
            &mut r,
            json!({"StreamDescription": {"Shards": [shard(PARENT, None, true)]}}),
            later + 1_500,
        );
        assert_eq!(r.stream_arn(), Some(newer));
        let (op, body) = streams_call(&mut r, later + 2_000);
        assert_eq!((op, &body["StreamArn"]), ("DescribeStream", &json!(newer)));
    }

    #[test]
    fn a_table_without_a_stream_is_asked_again_every_ten_seconds() {
        let mut r = StreamReader::new("lab-table", StartAt::TrimHorizon);
        call(&mut r, 0);
        let off = json!({"Table": {"TableName": "lab-table"}});
        let seen = ok(&mut r, off, 0);
        assert!(matches!(&seen[..], [Observation::StreamSetup(s)] if !s.enabled));
        assert_eq!(
            r.status(),
            PollerStatus::Waiting {
                reason: WaitReason::NoStream
            }
        );
        assert_eq!(r.next(1_000), Next::WaitUntil(NO_STREAM_EVERY_MS));
    }
}
