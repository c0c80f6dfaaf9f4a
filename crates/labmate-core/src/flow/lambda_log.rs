//! The stream Lambda's log, read as the workshop's handler writes it: each
//! line typed, and the lines of one log stream gathered into invocations
//! (START to REPORT), each record of the printed event paired with the
//! handler's line about it (the handler writes one line per record, in
//! order, and stops at the record that raises).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::observe::LogEvent;

/// One line of the function's log.
#[derive(Debug, Clone, PartialEq)]
pub enum HandlerLine {
    Start {
        request_id: String,
    },
    /// `print(event)`: the batch's records.
    Event {
        records: Vec<PrintedRecord>,
    },
    /// `Successfully: {doc}`.
    Indexed,
    /// `Failed to index item: {doc}, Response: {body}`.
    FailedToIndex {
        response: String,
    },
    /// `Removed item successfully with ID {id}`.
    Removed {
        id: String,
    },
    /// `Failed to remove item with ID {id}, Response: {body}`.
    FailedToRemove {
        id: String,
        response: String,
    },
    /// `LAMBDA_WARNING: Unhandled exception...`.
    Warning,
    /// `[ERROR] KeyError: 'S'\r Traceback...`: the exception line.
    Error {
        exception: String,
    },
    End {
        request_id: String,
    },
    Report {
        request_id: String,
        duration_ms: f64,
        billed_ms: u64,
    },
    Other,
}

/// A record as the handler's `print(event)` shows it (Python's repr).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedRecord {
    pub event_id: String,
    pub event_name: String,
    pub sequence_number: Option<String>,
    pub item_id: Option<String>,
}

/// Types one log message.
pub fn read_line(message: &str) -> HandlerLine {
    let m = message.trim_end_matches(['\n', '\r']);
    let word_after = |prefix: &str| {
        m.strip_prefix(prefix).map(|rest| {
            rest.split([' ', '\t'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    };
    if let Some(request_id) = word_after("START RequestId: ") {
        return HandlerLine::Start { request_id };
    }
    if let Some(request_id) = word_after("END RequestId: ") {
        return HandlerLine::End { request_id };
    }
    if let Some(request_id) = word_after("REPORT RequestId: ") {
        // serde_json's number reader rather than `str::parse::<f64>`: it is
        // in the bundle anyway, and core's float parser would add its own
        // table and code (15,427 B of the first load, gzip, measured).
        let number = |label: &str| {
            m.split('\t')
                .find_map(|part| part.trim().strip_prefix(label))
                .and_then(|v| serde_json::from_str::<f64>(v.trim_end_matches(" ms").trim()).ok())
                .unwrap_or(0.0)
        };
        return HandlerLine::Report {
            request_id,
            duration_ms: number("Duration: "),
            billed_ms: number("Billed Duration: ") as u64,
        };
    }
    if m.starts_with("{'Records': [") {
        return HandlerLine::Event {
            records: printed_records(m),
        };
    }
    if m.starts_with("Successfully: ") {
        return HandlerLine::Indexed;
    }
    if let Some(rest) = m.strip_prefix("Failed to index item: ") {
        let response = rest.rsplit_once(", Response: ").map_or("", |(_, r)| r);
        return HandlerLine::FailedToIndex {
            response: response.to_owned(),
        };
    }
    if let Some(id) = m.strip_prefix("Removed item successfully with ID ") {
        return HandlerLine::Removed { id: id.to_owned() };
    }
    if let Some(rest) = m.strip_prefix("Failed to remove item with ID ") {
        let (id, response) = rest.split_once(", Response: ").unwrap_or((rest, ""));
        return HandlerLine::FailedToRemove {
            id: id.to_owned(),
            response: response.to_owned(),
        };
    }
    if m.starts_with("LAMBDA_WARNING") {
        return HandlerLine::Warning;
    }
    if let Some(rest) = m.strip_prefix("[ERROR] ") {
        let exception = rest.split(['\r', '\n']).next().unwrap_or_default();
        return HandlerLine::Error {
            exception: exception.trim().to_owned(),
        };
    }
    HandlerLine::Other
}

/// The text after `key` up to the next `'`: a value of Python's repr.
fn quoted_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let len = text[start..].find('\'')?;
    Some(&text[start..start + len])
}

/// The records of a printed event. Each record opens with its `eventID`
/// (Lambda's key order), so the text is cut there; ids, names and
/// sequence numbers are plain ASCII, printed in single quotes.
fn printed_records(event: &str) -> Vec<PrintedRecord> {
    const OPEN: &str = "{'eventID': '";
    let starts: Vec<usize> = event.match_indices(OPEN).map(|(at, _)| at).collect();
    starts
        .iter()
        .enumerate()
        .filter_map(|(i, &start)| {
            let part = &event[start..starts.get(i + 1).copied().unwrap_or(event.len())];
            Some(PrintedRecord {
                event_id: quoted_after(part, OPEN)?.to_owned(),
                event_name: quoted_after(part, "'eventName': '")?.to_owned(),
                sequence_number: quoted_after(part, "'SequenceNumber': '").map(str::to_owned),
                item_id: quoted_after(part, "'Keys': {'id': {'S': '").map(str::to_owned),
            })
        })
        .collect()
}

/// What the handler did with one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordOutcome {
    Indexed,
    FailedToIndex {
        response: String,
    },
    Removed,
    FailedToRemove {
        response: String,
    },
    /// The handler raised on this record; the batch will be retried.
    Crashed {
        exception: String,
    },
    /// An earlier record of the batch raised first.
    NotReached,
}

/// One finished invocation (START to REPORT) of one log stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub request_id: String,
    pub log_stream: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_ms: f64,
    pub billed_ms: u64,
    /// `[ERROR] ...` when the handler raised.
    pub exception: Option<String>,
    /// The batch's records in order, each with what the handler did.
    pub records: Vec<(PrintedRecord, RecordOutcome)>,
    /// Every line of it, as logged.
    pub lines: Vec<LogEvent>,
    /// What each of `lines` is about.
    about: Vec<LineAbout>,
}

/// What one line of an invocation is about.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LineAbout {
    /// The whole invocation (START, END, REPORT, an error, a warning).
    Invocation,
    /// The printed event: every record of the batch.
    Event,
    /// One record of the batch (its outcome line), by index.
    Record(usize),
}

impl Invocation {
    /// Whether every line the invocation announced is here: an outcome
    /// line for each record of the printed event, or the error that ended
    /// the handler.
    fn is_whole(&self) -> bool {
        self.exception.is_some()
            || (!self.records.is_empty()
                && self
                    .records
                    .iter()
                    .all(|(_, outcome)| *outcome != RecordOutcome::NotReached))
    }

    /// The lines a flow keeps of this invocation: those about the whole
    /// invocation, the line about its own record, and the printed event
    /// cut to that record. A batch of a hundred records would otherwise
    /// give each of its flows the hundred records' lines.
    pub fn lines_for(&self, record: usize) -> Vec<LogEvent> {
        self.lines
            .iter()
            .zip(&self.about)
            .filter_map(|(line, about)| match about {
                LineAbout::Invocation => Some(line.clone()),
                LineAbout::Record(i) => (*i == record).then(|| line.clone()),
                LineAbout::Event => Some(LogEvent {
                    message: event_excerpt(&line.message, record),
                    ..line.clone()
                }),
            })
            .collect()
    }
}

/// "1 earlier record", "2 earlier records".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// A printed event cut to one of its records, with how many were left out
/// on either side.
fn event_excerpt(event: &str, record: usize) -> String {
    const OPEN: &str = "{'eventID': '";
    let starts: Vec<usize> = event.match_indices(OPEN).map(|(at, _)| at).collect();
    let Some(&start) = starts.get(record) else {
        return event.to_owned();
    };
    let mut text = event[..starts[0]].to_owned();
    if record > 0 {
        text.push_str(&format!("… {} …, ", count(record, "earlier record")));
    }
    match starts.get(record + 1) {
        Some(&next) => {
            let part = event[start..next].trim_end().trim_end_matches(',');
            let later = starts.len() - record - 1;
            text.push_str(&format!(
                "{part}, … {} …]}}\n",
                count(later, "later record")
            ));
        }
        None => text.push_str(&event[start..]),
    }
    text
}

/// Gathers one log stream's lines, START to REPORT.
fn invocation(lines: &[LogEvent], kinds: &[HandlerLine]) -> Invocation {
    let mut records = Vec::new();
    let mut outcomes = Vec::new();
    let mut exception = None;
    let (mut duration_ms, mut billed_ms, mut request_id) = (0.0, 0, String::new());
    let mut about = Vec::with_capacity(kinds.len());
    for kind in kinds {
        about.push(match kind {
            HandlerLine::Event { .. } => LineAbout::Event,
            HandlerLine::Indexed
            | HandlerLine::FailedToIndex { .. }
            | HandlerLine::Removed { .. }
            | HandlerLine::FailedToRemove { .. } => LineAbout::Record(outcomes.len()),
            _ => LineAbout::Invocation,
        });
        match kind.clone() {
            HandlerLine::Start { request_id: id } => request_id = id,
            HandlerLine::Event { records: r } => records = r,
            HandlerLine::Indexed => outcomes.push(RecordOutcome::Indexed),
            HandlerLine::FailedToIndex { response } => {
                outcomes.push(RecordOutcome::FailedToIndex { response })
            }
            HandlerLine::Removed { .. } => outcomes.push(RecordOutcome::Removed),
            HandlerLine::FailedToRemove { response, .. } => {
                outcomes.push(RecordOutcome::FailedToRemove { response })
            }
            HandlerLine::Error { exception: e } => exception = Some(e),
            HandlerLine::Report {
                duration_ms: d,
                billed_ms: b,
                ..
            } => (duration_ms, billed_ms) = (d, b),
            HandlerLine::Warning | HandlerLine::End { .. } | HandlerLine::Other => {}
        }
    }
    let done = outcomes.len();
    let paired = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let outcome = match (outcomes.get(i), &exception) {
                (Some(o), _) => o.clone(),
                (None, Some(e)) if i == done => RecordOutcome::Crashed {
                    exception: e.clone(),
                },
                _ => RecordOutcome::NotReached,
            };
            (r, outcome)
        })
        .collect();
    Invocation {
        request_id,
        log_stream: lines[0].log_stream.clone(),
        start_ms: lines[0].timestamp,
        end_ms: lines.last().map_or(0, |l| l.timestamp),
        duration_ms,
        billed_ms,
        exception,
        records: paired,
        lines: lines.to_vec(),
        about,
    }
}

/// How long after its REPORT an invocation missing a line waits for it:
/// CloudWatch may make one line searchable after a later one.
pub const SETTLE_MS: i64 = 1_000;

/// How far back, before the newest line read, event ids are kept for
/// de-duplication: far beyond the log tail's overlap (`poll::log_tail`).
const SEEN_KEPT_MS: i64 = 5 * 60_000;

/// The log as read so far: events de-duplicated by `eventId`, and the
/// lines of invocations not finished yet (their REPORT not seen).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaLog {
    /// Event ids read, with their time: the log tail's shape (a set of ids
    /// cost 960 B more of the first load, gzip, measured).
    seen: BTreeMap<String, i64>,
    pending: Vec<LogEvent>,
}

impl LambdaLog {
    /// Whether lines wait for the rest of their invocation.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Takes new events (overlapping windows welcome) and returns the
    /// invocations they finish, oldest first.
    /// An invocation whose REPORT came before every line it announced (the
    /// printed event's records, each with its outcome line, or an error) is
    /// held for lines ingested late, until a read made [`SETTLE_MS`] after
    /// its REPORT (`read_ms`, AWS's time, when the log was read) still
    /// lacks them: a whole one goes at once.
    pub fn read(&mut self, events: &[LogEvent], read_ms: i64) -> Vec<Invocation> {
        for e in events {
            if self.seen.insert(e.event_id.clone(), e.timestamp).is_none() {
                self.pending.push(e.clone());
            }
        }
        // The log tail's windows overlap by seconds: ids older than that by
        // far cannot come again, and a board watched for hours would
        // otherwise keep every id it ever read.
        if let Some(newest) = self.seen.values().max().copied() {
            self.seen.retain(|_, t| *t >= newest - SEEN_KEPT_MS);
        }
        LogEvent::sort_by_time(&mut self.pending);
        let mut by_stream: BTreeMap<String, Vec<LogEvent>> = BTreeMap::new();
        for e in std::mem::take(&mut self.pending) {
            by_stream.entry(e.log_stream.clone()).or_default().push(e);
        }
        let mut finished = Vec::new();
        for (_, lines) in by_stream {
            // One pass: each line typed once (a printed event can be long).
            let kinds: Vec<HandlerLine> = lines.iter().map(|l| read_line(&l.message)).collect();
            let (mut open, mut kept_from) = (None, 0);
            for (i, kind) in kinds.iter().enumerate() {
                match kind {
                    HandlerLine::Start { request_id } => open = Some((i, request_id)),
                    HandlerLine::Report { request_id, .. } => {
                        if let Some((start, _)) = open.filter(|(_, id)| *id == request_id) {
                            let done = invocation(&lines[start..=i], &kinds[start..=i]);
                            if !done.is_whole() && lines[i].timestamp > read_ms - SETTLE_MS {
                                // This stream's later invocations wait too:
                                // they come in order.
                                break;
                            }
                            finished.push(done);
                            kept_from = i + 1;
                            open = None;
                        }
                    }
                    _ => {}
                }
            }
            // An invocation still running keeps its lines for the next read.
            self.pending.extend(lines.into_iter().skip(kept_from));
        }
        LogEvent::sort_by_time(&mut self.pending);
        finished.sort_by_key(|i| i.start_ms);
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u32, ts: i64, message: &str) -> LogEvent {
        LogEvent {
            event_id: format!("{id:03}"),
            timestamp: ts,
            log_stream: "2026/11/27/[$LATEST]abc".into(),
            message: format!("{message}\n"),
        }
    }

    const PRINTED: &str = "{'Records': [{'eventID': 'e1', 'eventName': 'INSERT', 'eventVersion': '1.1', 'dynamodb': {'ApproximateCreationDateTime': 1.0, 'Keys': {'id': {'S': 'bad'}}, 'NewImage': {'id': {'S': 'bad'}, 'n': {'N': '1'}}, 'SequenceNumber': '100'}}, {'eventID': 'e2', 'eventName': 'INSERT', 'dynamodb': {'Keys': {'id': {'S': 'good'}}, 'SequenceNumber': '200'}}]}";

    #[test]
    fn lines_are_typed_as_the_handler_and_runtime_write_them() {
        assert_eq!(
            read_line("REPORT RequestId: r1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t\n"),
            HandlerLine::Report {
                request_id: "r1".into(),
                duration_ms: 12.34,
                billed_ms: 13
            }
        );
        assert_eq!(
            read_line("Failed to remove item with ID k1, Response: {\"error\":\"x\"}\n"),
            HandlerLine::FailedToRemove {
                id: "k1".into(),
                response: "{\"error\":\"x\"}".into()
            }
        );
        assert_eq!(
            read_line("[ERROR] KeyError: 'S'\rTraceback (most recent call last):\r  File ..."),
            HandlerLine::Error {
                exception: "KeyError: 'S'".into()
            }
        );
        let HandlerLine::Event { records } = read_line(PRINTED) else {
            panic!("not the printed event")
        };
        assert_eq!(
            records,
            [
                PrintedRecord {
                    event_id: "e1".into(),
                    event_name: "INSERT".into(),
                    sequence_number: Some("100".into()),
                    item_id: Some("bad".into())
                },
                PrintedRecord {
                    event_id: "e2".into(),
                    event_name: "INSERT".into(),
                    sequence_number: Some("200".into()),
                    item_id: Some("good".into())
                }
            ]
        );
    }

    #[test]
    fn an_invocation_is_read_once_its_report_arrives_even_across_overlapping_reads() {
        let lines = [
            event(1, 10, "START RequestId: r1 Version: $LATEST"),
            event(2, 11, PRINTED),
            event(3, 12, "LAMBDA_WARNING: Unhandled exception."),
            event(4, 12, "[ERROR] KeyError: 'S'\rTraceback"),
            event(5, 12, "END RequestId: r1"),
            event(
                6,
                12,
                "REPORT RequestId: r1\tDuration: 2.00 ms\tBilled Duration: 3 ms\t",
            ),
        ];
        let mut log = LambdaLog::default();
        assert_eq!(log.read(&lines[..3], 100_000), []);
        // The next window overlaps the first: nothing is read twice.
        let done = log.read(&lines[1..], 100_000);
        assert_eq!(done.len(), 1);
        let inv = &done[0];
        assert_eq!((inv.request_id.as_str(), inv.billed_ms), ("r1", 3));
        assert_eq!(inv.lines.len(), 6);
        let outcomes: Vec<&RecordOutcome> = inv.records.iter().map(|(_, o)| o).collect();
        assert_eq!(
            outcomes,
            [
                &RecordOutcome::Crashed {
                    exception: "KeyError: 'S'".into()
                },
                &RecordOutcome::NotReached
            ]
        );
        assert_eq!(log.read(&lines, 100_000), []);
    }

    #[test]
    fn a_report_read_before_a_line_waits_for_it_then_for_the_settle_time_at_most() {
        let lines = [
            event(1, 10, "START RequestId: r3 Version: $LATEST"),
            event(2, 11, PRINTED),
            event(3, 12, "Successfully: {'id': 'bad'}"),
            event(4, 13, "Successfully: {'id': 'good'}"),
            event(5, 14, "END RequestId: r3"),
            event(
                6,
                14,
                "REPORT RequestId: r3\tDuration: 2.00 ms\tBilled Duration: 3 ms\t",
            ),
        ];
        let without_4 = [&lines[..3], &lines[4..]].concat();
        // The second record's line is not searchable yet: held.
        let mut log = LambdaLog::default();
        assert_eq!(log.read(&without_4, 500), []);
        assert!(log.has_pending());
        // It comes: the invocation goes whole at once.
        let done = log.read(&lines[3..4], 600);
        assert_eq!(done.len(), 1);
        assert!(done[0]
            .records
            .iter()
            .all(|(_, o)| *o == RecordOutcome::Indexed));
        assert!(!log.has_pending());
        // It never comes: the invocation goes once the settle time is over,
        // the record without its line as not reached.
        let mut log = LambdaLog::default();
        assert_eq!(log.read(&without_4, 14 + SETTLE_MS - 1), []);
        let done = log.read(&[], 14 + SETTLE_MS);
        assert_eq!(done[0].records[1].1, RecordOutcome::NotReached);
        // A whole invocation never waits.
        assert_eq!(LambdaLog::default().read(&lines, 15).len(), 1);
    }

    #[test]
    fn ids_far_older_than_the_newest_line_are_forgotten_recent_ones_kept() {
        let mut log = LambdaLog::default();
        let start = |id, ts| event(id, ts, "START RequestId: open Version: $LATEST");
        log.read(&[start(1, 0), start(2, 1_000)], 0);
        log.read(&[start(3, SEEN_KEPT_MS + 500)], 0);
        let ids: Vec<&str> = log.seen.keys().map(String::as_str).collect();
        assert_eq!(ids, ["002", "003"]);
        // A re-read of a kept line is still no new line.
        let pending = log.pending.len();
        log.read(&[start(2, 1_000)], 0);
        assert_eq!(log.pending.len(), pending);
    }

    #[test]
    fn each_record_keeps_the_invocations_lines_and_only_its_own() {
        let lines = [
            event(1, 10, "START RequestId: r2 Version: $LATEST"),
            event(2, 11, PRINTED),
            event(3, 12, "Successfully: {'id': 'bad'}"),
            event(4, 13, "Failed to index item: {'id': 'good'}, Response: {}"),
            event(5, 14, "END RequestId: r2"),
            event(
                6,
                14,
                "REPORT RequestId: r2\tDuration: 2.00 ms\tBilled Duration: 3 ms\t",
            ),
        ];
        let done = LambdaLog::default().read(&lines, 0);
        let inv = &done[0];
        let messages = |record| -> Vec<String> {
            inv.lines_for(record)
                .into_iter()
                .map(|l| l.message)
                .collect()
        };
        let first = messages(0);
        assert_eq!(first.len(), 5);
        assert!(first[0].starts_with("START"));
        assert!(
            first[1].starts_with("{'Records': [{'eventID': 'e1'"),
            "{}",
            first[1]
        );
        assert!(
            first[1].ends_with(", … 1 later record …]}\n"),
            "{}",
            first[1]
        );
        assert!(!first[1].contains("'e2'"));
        assert!(first[2].starts_with("Successfully"));
        assert!(first[3].starts_with("END") && first[4].starts_with("REPORT"));
        let second = messages(1);
        assert_eq!(second.len(), 5);
        assert!(
            second[1].starts_with("{'Records': [… 1 earlier record …, {'eventID': 'e2'"),
            "{}",
            second[1]
        );
        assert!(!second[1].contains("'e1'"));
        assert!(second[2].starts_with("Failed to index item: {'id': 'good'}"));
    }
}
