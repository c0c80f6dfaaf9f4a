//! CloudWatch Logs: the function's log group, its streams and events, and the
//! JSON 1.1 API a page reads them with (`FilterLogEvents`, `GetLogEvents`,
//! `DescribeLogStreams`).
//!
//! As AWS's limits have it: FilterLogEvents and GetLogEvents are throttled
//! above their account rates (5 and 10 calls in any second) with
//! `ThrottlingException`; a page holds at most 10,000 events or 1 MB; and a
//! FilterLogEvents page searches one span of log time (a minute by
//! default), so a page may be empty while `nextToken` says more may follow.
//! [`LogsLimits`] holds these figures; tests may loosen them.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::message::Response;
use crate::rng::SplitMix64;

/// `Content-Type` of the Logs JSON 1.1 protocol.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// `X-Amz-Target` prefix of Logs operations.
pub const TARGET_PREFIX: &str = "Logs_20140328.";
/// The most events one call returns.
const MAX_EVENTS: usize = 10_000;
/// The most one page of events holds: 1 MB, counted as CloudWatch Logs
/// counts events (their message's UTF-8 bytes plus 26 each, as for
/// PutLogEvents batches).
pub const PAGE_BYTES: usize = 1024 * 1024;

/// What an event counts for in [`PAGE_BYTES`].
fn event_size(event: &LogEvent) -> usize {
    event.message.len() + 26
}

/// The Logs API's limits in force: AWS's by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogsLimits {
    /// FilterLogEvents calls admitted in any second (AWS: 5 per account
    /// and Region, "can't be changed"); `None`: no limit.
    pub filter_log_events_per_second: Option<u32>,
    /// GetLogEvents calls admitted in any second (AWS: 10); `None`: no
    /// limit.
    pub get_log_events_per_second: Option<u32>,
    /// How much log time one FilterLogEvents page searches, in ms, from
    /// the first event in the query's range on; `None`: all of it at once.
    pub filter_page_span_ms: Option<i64>,
}

impl Default for LogsLimits {
    fn default() -> Self {
        LogsLimits {
            filter_log_events_per_second: Some(5),
            get_log_events_per_second: Some(10),
            filter_page_span_ms: Some(60_000),
        }
    }
}

/// Why a change to [`LogsLimits`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    #[error("expected a JSON object of limits")]
    NotAnObject,
    #[error("unknown limit {0:?}; known: filter_log_events_per_second, get_log_events_per_second, filter_page_span_ms")]
    Unknown(String),
    #[error("{field} must be null (no limit) or a whole number from {min} to {max}")]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
    },
}

impl LogsLimits {
    /// Sets the limits named in `patch` (`null` lifts one); all or none.
    pub fn patch(&mut self, patch: &Value) -> Result<(), LimitsError> {
        let map = patch.as_object().ok_or(LimitsError::NotAnObject)?;
        let mut next = *self;
        for (name, value) in map {
            let read = |field: &'static str, min: i64, max: i64| match value {
                Value::Null => Ok(None),
                v => v
                    .as_i64()
                    .filter(|n| (min..=max).contains(n))
                    .map(Some)
                    .ok_or(LimitsError::OutOfRange { field, min, max }),
            };
            match name.as_str() {
                "filter_log_events_per_second" => {
                    next.filter_log_events_per_second =
                        read("filter_log_events_per_second", 1, 1_000_000)?.map(|n| n as u32);
                }
                "get_log_events_per_second" => {
                    next.get_log_events_per_second =
                        read("get_log_events_per_second", 1, 1_000_000)?.map(|n| n as u32);
                }
                "filter_page_span_ms" => {
                    next.filter_page_span_ms =
                        read("filter_page_span_ms", 1, 366 * 24 * 3_600_000)?;
                }
                other => return Err(LimitsError::Unknown(other.to_owned())),
            }
        }
        *self = next;
        Ok(())
    }
}

/// The calls admitted in the last second, for a sliding-window rate.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct RateWindow {
    admitted_ms: VecDeque<i64>,
}

impl RateWindow {
    /// Whether a call at `now_ms` is within `per_second` (and if so, counts
    /// it). Refused calls do not count, so a client that backs off gets in.
    fn admit(&mut self, now_ms: i64, per_second: Option<u32>) -> bool {
        while self
            .admitted_ms
            .front()
            .is_some_and(|&t| t <= now_ms - 1000)
        {
            self.admitted_ms.pop_front();
        }
        if per_second.is_some_and(|n| self.admitted_ms.len() >= n as usize) {
            return false;
        }
        self.admitted_ms.push_back(now_ms);
        true
    }
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogEvent {
    pub timestamp: i64,
    /// As written, trailing newline included.
    pub message: String,
    /// When CloudWatch took it in; the API shows an event only from then on.
    pub ingestion_time: i64,
    /// 56 decimal digits.
    pub event_id: String,
}

/// A log stream (one per Lambda execution environment).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogStream {
    pub name: String,
    pub creation_time: i64,
    pub events: Vec<LogEvent>,
}

/// A log group and its streams.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogGroup {
    pub name: String,
    pub arn: String,
    pub creation_time: i64,
    pub streams: Vec<LogStream>,
}

/// Every log group (Lambda creates its group on the first invocation).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogStore {
    region: String,
    account: String,
    groups: Vec<LogGroup>,
    ids: SplitMix64,
    /// Events put so far (the leading part of each event id).
    events_put: u64,
    limits: LogsLimits,
    filter_calls: RateWindow,
    get_calls: RateWindow,
}

/// A Logs API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsError {
    pub code: &'static str,
    pub message: String,
}

impl LogsError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        LogsError {
            code,
            message: message.into(),
        }
    }

    fn group_missing() -> Self {
        LogsError::new(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    }

    fn validation(message: impl Into<String>) -> Self {
        LogsError::new("InvalidParameterException", message)
    }

    /// Over the account's rate for the operation.
    pub fn throttled() -> Self {
        LogsError::new("ThrottlingException", "Rate exceeded")
    }

    fn bad_token() -> Self {
        LogsError::validation("The specified nextToken is invalid.")
    }
}

/// A JSON 1.1 response: 200 with `body`, or 400 with `{"__type", "message"}`.
pub fn json_response(result: Result<Value, LogsError>, request_id: &str) -> Response {
    let (status, body) = match result {
        Ok(body) => (200, body),
        Err(err) => (400, json!({"__type": err.code, "message": err.message})),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = Response::with_body(status, CONTENT_TYPE, bytes);
    response.set_header("x-amzn-RequestId", request_id);
    response
}

impl LogStore {
    pub fn new(region: &str, account: &str, seed: u64) -> Self {
        LogStore {
            region: region.to_owned(),
            account: account.to_owned(),
            groups: Vec::new(),
            ids: SplitMix64::new(seed ^ 0x1065_0000_CAFE_0003),
            events_put: 0,
            limits: LogsLimits::default(),
            filter_calls: RateWindow::default(),
            get_calls: RateWindow::default(),
        }
    }

    pub fn limits(&self) -> LogsLimits {
        self.limits
    }

    pub fn set_limits(&mut self, limits: LogsLimits) {
        self.limits = limits;
    }

    pub fn groups(&self) -> &[LogGroup] {
        &self.groups
    }

    pub fn group(&self, name: &str) -> Option<&LogGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Creates the group if needed.
    pub fn ensure_group(&mut self, name: &str, now_ms: i64) {
        if self.group(name).is_none() {
            let arn = format!(
                "arn:aws:logs:{}:{}:log-group:{name}:*",
                self.region, self.account
            );
            self.groups.push(LogGroup {
                name: name.to_owned(),
                arn,
                creation_time: now_ms,
                streams: Vec::new(),
            });
        }
    }

    /// Creates the stream (and group) if needed.
    pub fn ensure_stream(&mut self, group: &str, stream: &str, now_ms: i64) {
        self.ensure_group(group, now_ms);
        let g = self.group_mut(group);
        if !g.streams.iter().any(|s| s.name == stream) {
            g.streams.push(LogStream {
                name: stream.to_owned(),
                creation_time: now_ms,
                events: Vec::new(),
            });
        }
    }

    /// Appends an event (creating group and stream as needed).
    pub fn put(
        &mut self,
        group: &str,
        stream: &str,
        timestamp: i64,
        ingestion_time: i64,
        message: &str,
    ) {
        self.ensure_stream(group, stream, timestamp);
        let event_id = self.event_id();
        let g = self.group_mut(group);
        if let Some(s) = g.streams.iter_mut().find(|s| s.name == stream) {
            s.events.push(LogEvent {
                timestamp,
                message: message.to_owned(),
                ingestion_time,
                event_id,
            });
        }
    }

    fn group_mut(&mut self, name: &str) -> &mut LogGroup {
        let index = self
            .groups
            .iter()
            .position(|g| g.name == name)
            .unwrap_or_else(|| unreachable!("group ensured before use"));
        &mut self.groups[index]
    }

    /// A 56-digit event id. Its first 20 digits count the events put, so
    /// events of one millisecond sort in the order they were written (the
    /// runtime's warning before its `[ERROR]`, END before REPORT), as
    /// CloudWatch's ids do.
    fn event_id(&mut self) -> String {
        self.events_put += 1;
        let mut id = format!("{:020}", self.events_put);
        while id.len() < 56 {
            id.push_str(&format!("{:019}", self.ids.next_u64() % 10_u64.pow(19)));
        }
        id.truncate(56);
        id
    }

    /// Answers one Logs request (`X-Amz-Target` and JSON body).
    pub fn handle(&mut self, target: &str, body: &[u8], now_ms: i64, request_id: &str) -> Response {
        json_response(self.dispatch(target, body, now_ms), request_id)
    }

    fn dispatch(&mut self, target: &str, body: &[u8], now_ms: i64) -> Result<Value, LogsError> {
        let operation = target.strip_prefix(TARGET_PREFIX).unwrap_or_default();
        let known = [
            "FilterLogEvents",
            "GetLogEvents",
            "DescribeLogStreams",
            "DescribeLogGroups",
        ];
        if !known.contains(&operation) {
            return Err(LogsError::new("UnknownOperationException", ""));
        }
        // The rate is the account's, checked before the request is read.
        let admitted = match operation {
            "FilterLogEvents" => self
                .filter_calls
                .admit(now_ms, self.limits.filter_log_events_per_second),
            "GetLogEvents" => self
                .get_calls
                .admit(now_ms, self.limits.get_log_events_per_second),
            _ => true,
        };
        if !admitted {
            return Err(LogsError::throttled());
        }
        let params: Map<String, Value> = match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(LogsError::new("SerializationException", "")),
        };
        match operation {
            "FilterLogEvents" => self.filter_log_events(&params, now_ms),
            "GetLogEvents" => self.get_log_events(&params, now_ms),
            "DescribeLogStreams" => self.describe_log_streams(&params, now_ms),
            _ => Ok(self.describe_log_groups(&params)),
        }
    }

    fn group_param(&self, params: &Map<String, Value>) -> Result<&LogGroup, LogsError> {
        let name = params
            .get("logGroupName")
            .and_then(Value::as_str)
            .or_else(|| {
                params
                    .get("logGroupIdentifier")
                    .and_then(Value::as_str)
                    .map(|arn| {
                        arn.rsplit_once(":log-group:")
                            .map_or(arn, |(_, rest)| rest.trim_end_matches(":*"))
                    })
            })
            .ok_or_else(|| {
                LogsError::validation("Should provide either logGroupName or logGroupIdentifier.")
            })?;
        self.group(name).ok_or_else(LogsError::group_missing)
    }

    /// FilterLogEvents: the matching events of one span of log time (see
    /// [`LogsLimits::filter_page_span_ms`]) after the token's place, at most
    /// `limit` (10,000) or [`PAGE_BYTES`] of them. `nextToken` is present
    /// while events in range remain past the page, even when the page is
    /// empty; absent when the search is done.
    fn filter_log_events(
        &self,
        params: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<Value, LogsError> {
        let group = self.group_param(params)?;
        let names: Option<Vec<&str>> = params
            .get("logStreamNames")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let prefix = params.get("logStreamNamePrefix").and_then(Value::as_str);
        let start = int(params, "startTime");
        let end = int(params, "endTime");
        let limit = limit(params, MAX_EVENTS)?;
        let token = match params.get("nextToken").and_then(Value::as_str) {
            Some(text) => Some(FilterToken::parse(text).ok_or_else(LogsError::bad_token)?),
            None => None,
        };
        let terms = params
            .get("filterPattern")
            .and_then(Value::as_str)
            .map(pattern_terms)
            .unwrap_or_default();
        let mut in_range: Vec<(&LogStream, &LogEvent)> = group
            .streams
            .iter()
            .filter(|s| names.as_ref().is_none_or(|n| n.contains(&s.name.as_str())))
            .filter(|s| prefix.is_none_or(|p| s.name.starts_with(p)))
            .flat_map(|s| s.events.iter().map(move |e| (s, e)))
            .filter(|(_, e)| e.ingestion_time <= now_ms)
            .filter(|(_, e)| start.is_none_or(|t| e.timestamp >= t))
            .filter(|(_, e)| end.is_none_or(|t| e.timestamp <= t))
            .collect();
        in_range
            .sort_by(|a, b| (a.1.timestamp, &a.1.event_id).cmp(&(b.1.timestamp, &b.1.event_id)));
        let span_start = match &token {
            Some(token) => token.span_start,
            None => match in_range.first() {
                Some((_, first)) => first.timestamp,
                None => return Ok(json!({"events": [], "searchedLogStreams": []})),
            },
        };
        let span_end = self
            .limits
            .filter_page_span_ms
            .map_or(i64::MAX, |span| span_start.saturating_add(span));
        let after = token.as_ref().and_then(|t| t.after.clone());
        let in_span = in_range.iter().filter(|(_, e)| {
            e.timestamp >= span_start
                && e.timestamp < span_end
                && after
                    .as_ref()
                    .is_none_or(|(ts, id)| (e.timestamp, &e.event_id) > (*ts, id))
        });
        let mut page = Vec::new();
        let mut bytes = 0;
        let mut last: Option<&LogEvent> = None;
        let mut full = false;
        for (stream, event) in in_span {
            if !terms.iter().all(|t| event.message.contains(t.as_str())) {
                continue;
            }
            let json = json!({
                "logStreamName": stream.name,
                "timestamp": event.timestamp,
                "message": event.message,
                "ingestionTime": event.ingestion_time,
                "eventId": event.event_id,
            });
            let size = event_size(event);
            if page.len() == limit || (!page.is_empty() && bytes + size > PAGE_BYTES) {
                full = true;
                break;
            }
            bytes += size;
            last = Some(event);
            page.push(json);
        }
        let next = if full {
            // The page filled up: the same span goes on after its last event.
            last.map(|e| FilterToken {
                span_start,
                after: Some((e.timestamp, e.event_id.clone())),
            })
        } else {
            // The next span starts at the next event, not at the next
            // empty minute: a day without logs is one empty page, not 1,440.
            in_range
                .iter()
                .map(|(_, e)| e.timestamp)
                .filter(|&t| t >= span_end)
                .min()
                .map(|next_event| FilterToken {
                    span_start: next_event,
                    after: None,
                })
        };
        let mut out = json!({"events": page, "searchedLogStreams": []});
        if let Some(next) = next {
            out["nextToken"] = json!(next.to_text());
        }
        Ok(out)
    }

    fn get_log_events(&self, params: &Map<String, Value>, now_ms: i64) -> Result<Value, LogsError> {
        let group = self.group_param(params)?;
        let name = params
            .get("logStreamName")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                LogsError::validation(
                    "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null",
                )
            })?;
        let stream = group
            .streams
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                LogsError::new(
                    "ResourceNotFoundException",
                    "The specified log stream does not exist.",
                )
            })?;
        let start = int(params, "startTime");
        let end = int(params, "endTime");
        let limit = limit(params, MAX_EVENTS)?;
        let from_head = params
            .get("startFromHead")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let events: Vec<&LogEvent> = stream
            .events
            .iter()
            .filter(|e| e.ingestion_time <= now_ms)
            .filter(|e| start.is_none_or(|t| e.timestamp >= t))
            .filter(|e| end.is_none_or(|t| e.timestamp < t))
            .collect();
        // Tokens are positions: `f/N` reads forward from N, `b/N` backward
        // to N.
        let (forward, from) = match params.get("nextToken").and_then(Value::as_str) {
            Some(t) => {
                let (dir, n) = t
                    .split_once('/')
                    .and_then(|(d, n)| Some((d, n.parse::<usize>().ok()?)))
                    .filter(|(d, _)| *d == "f" || *d == "b")
                    .ok_or_else(LogsError::bad_token)?;
                (dir == "f", n.min(events.len()))
            }
            None if from_head => (true, 0),
            None => (false, events.len()),
        };
        let as_json = |e: &LogEvent| {
            json!({
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion_time,
            })
        };
        // Up to `limit` events or PAGE_BYTES from `from`, forward or back.
        let mut page: Vec<Value> = Vec::new();
        let mut bytes = 0;
        let (mut lo, mut hi) = (from, from);
        while page.len() < limit {
            let next = if forward {
                events.get(hi)
            } else {
                lo.checked_sub(1).and_then(|i| events.get(i))
            };
            let Some(event) = next else { break };
            let size = event_size(event);
            if !page.is_empty() && bytes + size > PAGE_BYTES {
                break;
            }
            bytes += size;
            page.push(as_json(event));
            if forward {
                hi += 1;
            } else {
                lo -= 1;
            }
        }
        if !forward {
            page.reverse();
        }
        Ok(json!({
            "events": page,
            "nextForwardToken": format!("f/{hi:056}"),
            "nextBackwardToken": format!("b/{lo:056}"),
        }))
    }

    fn describe_log_streams(
        &self,
        params: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<Value, LogsError> {
        let group = self.group_param(params)?;
        let prefix = params.get("logStreamNamePrefix").and_then(Value::as_str);
        let by_time = params.get("orderBy").and_then(Value::as_str) == Some("LastEventTime");
        if by_time && prefix.is_some() {
            return Err(LogsError::validation(
                "Cannot order by LastEventTime with a logStreamNamePrefix.",
            ));
        }
        let descending = params
            .get("descending")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let limit = limit(params, 50)?;
        let skip = token(params, "nextToken")?;
        let mut streams: Vec<(&LogStream, Vec<&LogEvent>)> = group
            .streams
            .iter()
            .filter(|s| prefix.is_none_or(|p| s.name.starts_with(p)))
            .map(|s| {
                let seen = s
                    .events
                    .iter()
                    .filter(|e| e.ingestion_time <= now_ms)
                    .collect();
                (s, seen)
            })
            .collect();
        if by_time {
            streams.sort_by_key(|(s, seen)| {
                seen.iter()
                    .map(|e| e.timestamp)
                    .max()
                    .unwrap_or(s.creation_time)
            });
        } else {
            streams.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        }
        if descending {
            streams.reverse();
        }
        let page: Vec<Value> = streams
            .iter()
            .skip(skip)
            .take(limit)
            .map(|(s, seen)| {
                let mut v = json!({
                    "logStreamName": s.name,
                    "creationTime": s.creation_time,
                    "arn": format!("{}:log-stream:{}", group.arn.trim_end_matches(":*"), s.name),
                    "storedBytes": 0,
                });
                if let (Some(first), Some(last)) = (seen.first(), seen.last()) {
                    v["firstEventTimestamp"] = json!(first.timestamp);
                    v["lastEventTimestamp"] = json!(last.timestamp);
                    v["lastIngestionTime"] = json!(last.ingestion_time);
                    v["uploadSequenceToken"] =
                        json!("49039859613988222955738478521883423961624234592416543362");
                }
                v
            })
            .collect();
        let mut out = json!({"logStreams": page});
        if skip + limit < streams.len() {
            out["nextToken"] = json!(format!("n/{}", skip + limit));
        }
        Ok(out)
    }

    fn describe_log_groups(&self, params: &Map<String, Value>) -> Value {
        let prefix = params.get("logGroupNamePrefix").and_then(Value::as_str);
        let groups: Vec<Value> = self
            .groups
            .iter()
            .filter(|g| prefix.is_none_or(|p| g.name.starts_with(p)))
            .map(|g| {
                json!({
                    "logGroupName": g.name,
                    "creationTime": g.creation_time,
                    "metricFilterCount": 0,
                    "arn": g.arn,
                    "storedBytes": 0,
                    "logGroupClass": "STANDARD",
                    "logGroupArn": g.arn.trim_end_matches(":*"),
                })
            })
            .collect();
        json!({"logGroups": groups})
    }
}

fn int(params: &Map<String, Value>, name: &str) -> Option<i64> {
    params.get(name).and_then(Value::as_i64)
}

fn limit(params: &Map<String, Value>, max: usize) -> Result<usize, LogsError> {
    match params.get("limit").and_then(Value::as_i64) {
        None => Ok(max),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(LogsError::validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {max}"
        ))),
    }
}

/// Where a FilterLogEvents search goes on: the span of log time it is in,
/// and the last event returned from it (`None`: from the span's start).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FilterToken {
    span_start: i64,
    after: Option<(i64, String)>,
}

impl FilterToken {
    fn to_text(&self) -> String {
        match &self.after {
            Some((timestamp, event_id)) => format!("s/{}/{timestamp}/{event_id}", self.span_start),
            None => format!("s/{}", self.span_start),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.strip_prefix("s/")?.split('/');
        let span_start = parts.next()?.parse().ok()?;
        let after = match (parts.next(), parts.next()) {
            (None, None) => None,
            (Some(timestamp), Some(id)) if id.bytes().all(|b| b.is_ascii_digit()) => {
                Some((timestamp.parse().ok()?, id.to_owned()))
            }
            _ => return None,
        };
        parts
            .next()
            .is_none()
            .then_some(FilterToken { span_start, after })
    }
}

fn token(params: &Map<String, Value>, name: &str) -> Result<usize, LogsError> {
    match params.get(name).and_then(Value::as_str) {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("n/")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| LogsError::validation("The specified nextToken is invalid.")),
    }
}

/// The terms of a filter pattern, each of which a message must contain:
/// bare words, or `"quoted phrases"`. (Only the subset the lab needs: no
/// `?term`, `-term` or JSON patterns.)
pub fn pattern_terms(pattern: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut term = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(next) = chars.next() {
                            term.push(next);
                        }
                    }
                    c => term.push(c),
                }
            }
            terms.push(term);
        } else {
            let mut term = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                term.push(c);
                chars.next();
            }
            terms.push(term);
        }
    }
    terms.retain(|t| !t.is_empty());
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "/aws/lambda/f";
    const T0: i64 = 1_728_417_322_000;

    fn store() -> LogStore {
        LogStore::new("ap-southeast-1", "123456789012", 1)
    }

    fn call(store: &mut LogStore, op: &str, body: Value, now_ms: i64) -> (u16, Value) {
        let res = store.handle(
            &format!("{TARGET_PREFIX}{op}"),
            body.to_string().as_bytes(),
            now_ms,
            "rid",
        );
        (res.status, serde_json::from_slice(&res.body).unwrap())
    }

    /// Follows `nextToken` from `body`'s query to the end: each page's
    /// messages.
    fn filter_pages(store: &mut LogStore, body: Value, now_ms: i64) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut body = body;
        loop {
            let (status, page) = call(store, "FilterLogEvents", body.clone(), now_ms);
            assert_eq!(status, 200, "{page}");
            pages.push(
                page["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["message"].as_str().unwrap().to_owned())
                    .collect(),
            );
            match page.get("nextToken") {
                Some(token) => body["nextToken"] = token.clone(),
                None => return pages,
            }
        }
    }

    fn unthrottled(store: &mut LogStore) {
        store.set_limits(LogsLimits {
            filter_log_events_per_second: None,
            get_log_events_per_second: None,
            ..LogsLimits::default()
        });
    }

    #[test]
    fn filter_and_get_are_throttled_above_their_account_rates() {
        let mut store = store();
        store.put(GROUP, "s", T0, T0, "hello\n");
        let filter = json!({"logGroupName": GROUP});
        let get = json!({"logGroupName": GROUP, "logStreamName": "s"});
        let now = T0 + 5_000;
        for i in 0..5 {
            assert_eq!(
                call(&mut store, "FilterLogEvents", filter.clone(), now + i).0,
                200
            );
        }
        let throttled = (
            400,
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        );
        assert_eq!(
            call(&mut store, "FilterLogEvents", filter.clone(), now + 999),
            throttled
        );
        // GetLogEvents has a rate of its own: 10.
        for i in 0..10 {
            assert_eq!(
                call(&mut store, "GetLogEvents", get.clone(), now + i).0,
                200
            );
        }
        assert_eq!(
            call(&mut store, "GetLogEvents", get.clone(), now + 500),
            throttled
        );
        // A second after the first call, one more is admitted; the refused
        // calls did not count.
        assert_eq!(
            call(&mut store, "FilterLogEvents", filter.clone(), now + 1000).0,
            200
        );
        assert_eq!(
            call(&mut store, "FilterLogEvents", filter.clone(), now + 1000),
            throttled
        );
        assert_eq!(
            call(&mut store, "GetLogEvents", get.clone(), now + 1000).0,
            200
        );
        // Other operations are not limited here.
        for _ in 0..20 {
            let (status, _) = call(&mut store, "DescribeLogStreams", filter.clone(), now + 1000);
            assert_eq!(status, 200);
        }
        // Lifted, as a test suite that polls may ask.
        unthrottled(&mut store);
        for _ in 0..50 {
            assert_eq!(
                call(&mut store, "FilterLogEvents", filter.clone(), now + 1000).0,
                200
            );
            assert_eq!(
                call(&mut store, "GetLogEvents", get.clone(), now + 1000).0,
                200
            );
        }
    }

    #[test]
    fn filter_pages_search_a_minute_from_the_next_event_and_may_be_empty_while_more_remain() {
        let mut store = store();
        unthrottled(&mut store);
        store.put(GROUP, "a", T0, T0, "START one\n");
        store.put(GROUP, "b", T0 + 10, T0 + 10, "Successfully: one\n");
        store.put(GROUP, "a", T0 + 5_000, T0 + 5_000, "END one\n");
        // Nothing in the second minute.
        store.put(
            GROUP,
            "c",
            T0 + 130_000,
            T0 + 130_000,
            "Successfully: two\n",
        );
        let now = T0 + 200_000;
        let all = json!({"logGroupName": GROUP});
        // The empty minute is skipped: the next span starts at the next event.
        assert_eq!(
            filter_pages(&mut store, all.clone(), now),
            vec![
                vec!["START one\n", "Successfully: one\n", "END one\n"],
                vec!["Successfully: two\n"],
            ]
        );
        // A pattern can leave a page empty where the span has events.
        let some = json!({"logGroupName": GROUP, "filterPattern": "two"});
        assert_eq!(
            filter_pages(&mut store, some, now),
            vec![vec![], vec!["Successfully: two\n"]]
        );
        // A limit splits a span; the search goes on inside it.
        let mut limited = all.clone();
        limited["limit"] = json!(2);
        assert_eq!(
            filter_pages(&mut store, limited, now),
            vec![
                vec!["START one\n", "Successfully: one\n"],
                vec!["END one\n"],
                vec!["Successfully: two\n"],
            ]
        );
        // startTime starts the first span; nothing in range, no token.
        let mut late = all.clone();
        late["startTime"] = json!(T0 + 5_000);
        assert_eq!(
            filter_pages(&mut store, late, now),
            vec![vec!["END one\n"], vec!["Successfully: two\n"]]
        );
        let mut none = all.clone();
        none["startTime"] = json!(T0 + 300_000);
        assert_eq!(
            filter_pages(&mut store, none, now),
            vec![Vec::<String>::new()]
        );
        // Without spans, one page.
        store.set_limits(LogsLimits {
            filter_page_span_ms: None,
            ..store.limits()
        });
        assert_eq!(filter_pages(&mut store, all, now).len(), 1);
    }

    #[test]
    fn pages_stop_at_one_megabyte_or_ten_thousand_events() {
        let mut store = store();
        unthrottled(&mut store);
        let big = "x".repeat(100_000);
        for i in 0..30 {
            store.put(GROUP, "s", T0 + i, T0 + i, &format!("{i:02}{big}"));
        }
        let now = T0 + 10_000;
        // Before the cap, all 30 (3 MB) came in one page.
        let mut body = json!({"logGroupName": GROUP});
        let mut seen = Vec::new();
        loop {
            let res = store.handle(
                "Logs_20140328.FilterLogEvents",
                body.to_string().as_bytes(),
                now,
                "rid",
            );
            assert!(res.body.len() <= 1024 * 1024, "{} bytes", res.body.len());
            let page: Value = serde_json::from_slice(&res.body).unwrap();
            for e in page["events"].as_array().unwrap() {
                seen.push(e["message"].as_str().unwrap()[..2].to_owned());
            }
            match page.get("nextToken") {
                Some(token) => body["nextToken"] = token.clone(),
                None => break,
            }
        }
        let expected: Vec<String> = (0..30).map(|i| format!("{i:02}")).collect();
        assert_eq!(seen, expected);

        // GetLogEvents too, from the head and from the tail.
        for from_head in [true, false] {
            let mut body =
                json!({"logGroupName": GROUP, "logStreamName": "s", "startFromHead": from_head});
            let mut pages = Vec::new();
            loop {
                let res = store.handle(
                    "Logs_20140328.GetLogEvents",
                    body.to_string().as_bytes(),
                    now,
                    "rid",
                );
                assert!(res.body.len() <= 1024 * 1024, "{} bytes", res.body.len());
                let page: Value = serde_json::from_slice(&res.body).unwrap();
                let n = page["events"].as_array().unwrap().len();
                if n == 0 {
                    break;
                }
                pages.push(n);
                let token = if from_head {
                    "nextForwardToken"
                } else {
                    "nextBackwardToken"
                };
                body["nextToken"] = page[token].clone();
            }
            assert_eq!(pages.iter().sum::<usize>(), 30, "{pages:?}");
            assert!(pages.iter().all(|&n| n <= 10), "{pages:?}");
        }

        let mut store = self::store();
        unthrottled(&mut store);
        for i in 0..10_001 {
            store.put(GROUP, "s", T0 + i, T0, "e");
        }
        let pages = filter_pages(&mut store, json!({"logGroupName": GROUP}), now + 20_000);
        let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
        assert_eq!(sizes, [10_000, 1]);
    }

    #[test]
    fn malformed_tokens_are_invalid_parameters() {
        let mut store = store();
        unthrottled(&mut store);
        store.put(GROUP, "s", T0, T0, "e");
        for token in ["", "n/1", "s/x", "s/1/2", "s/1/2/ab", "s/1/2/3/4"] {
            let body = json!({"logGroupName": GROUP, "nextToken": token});
            assert_eq!(
                call(&mut store, "FilterLogEvents", body, T0 + 1_000_000),
                (
                    400,
                    json!({"__type": "InvalidParameterException", "message": "The specified nextToken is invalid."})
                ),
                "{token}"
            );
        }
    }

    #[test]
    fn limits_are_patched_all_or_nothing() {
        let mut limits = LogsLimits::default();
        limits
            .patch(&json!({"filter_log_events_per_second": null, "filter_page_span_ms": 5}))
            .unwrap();
        assert_eq!(
            limits,
            LogsLimits {
                filter_log_events_per_second: None,
                get_log_events_per_second: Some(10),
                filter_page_span_ms: Some(5),
            }
        );
        let before = limits;
        let err = limits
            .patch(&json!({"get_log_events_per_second": 3, "filter_page_span_ms": 0}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "filter_page_span_ms must be null (no limit) or a whole number from 1 to 31622400000"
        );
        assert_eq!(limits, before);
        assert_eq!(
            limits.patch(&json!({"tps": 1})),
            Err(LimitsError::Unknown("tps".into()))
        );
        assert_eq!(limits.patch(&json!([1])), Err(LimitsError::NotAnObject));
    }
}
