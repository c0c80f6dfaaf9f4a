//! CloudWatch Logs: the function's log group, its streams and events, and the
//! JSON 1.1 API a page reads them with (`FilterLogEvents`, `GetLogEvents`,
//! `DescribeLogStreams`).

use serde_json::{json, Map, Value};

use crate::message::Response;
use crate::rng::SplitMix64;

/// `Content-Type` of the Logs JSON 1.1 protocol.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// `X-Amz-Target` prefix of Logs operations.
pub const TARGET_PREFIX: &str = "Logs_20140328.";
/// The most events one call returns.
const MAX_EVENTS: usize = 10_000;

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    pub name: String,
    pub creation_time: i64,
    pub events: Vec<LogEvent>,
}

/// A log group and its streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    pub name: String,
    pub arn: String,
    pub creation_time: i64,
    pub streams: Vec<LogStream>,
}

/// Every log group (Lambda creates its group on the first invocation).
#[derive(Debug, Clone)]
pub struct LogStore {
    region: String,
    account: String,
    groups: Vec<LogGroup>,
    ids: SplitMix64,
    /// Events put so far (the leading part of each event id).
    events_put: u64,
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
        }
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
    pub fn handle(&self, target: &str, body: &[u8], now_ms: i64, request_id: &str) -> Response {
        json_response(self.dispatch(target, body, now_ms), request_id)
    }

    fn dispatch(&self, target: &str, body: &[u8], now_ms: i64) -> Result<Value, LogsError> {
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
        let skip = token(params, "nextToken")?;
        let terms = params
            .get("filterPattern")
            .and_then(Value::as_str)
            .map(pattern_terms)
            .unwrap_or_default();
        let mut events: Vec<(&LogStream, &LogEvent)> = group
            .streams
            .iter()
            .filter(|s| names.as_ref().is_none_or(|n| n.contains(&s.name.as_str())))
            .filter(|s| prefix.is_none_or(|p| s.name.starts_with(p)))
            .flat_map(|s| s.events.iter().map(move |e| (s, e)))
            .filter(|(_, e)| e.ingestion_time <= now_ms)
            .filter(|(_, e)| start.is_none_or(|t| e.timestamp >= t))
            .filter(|(_, e)| end.is_none_or(|t| e.timestamp <= t))
            .filter(|(_, e)| terms.iter().all(|t| e.message.contains(t.as_str())))
            .collect();
        events.sort_by(|a, b| (a.1.timestamp, &a.1.event_id).cmp(&(b.1.timestamp, &b.1.event_id)));
        let page: Vec<Value> = events
            .iter()
            .skip(skip)
            .take(limit)
            .map(|(s, e)| {
                json!({
                    "logStreamName": s.name,
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": e.event_id,
                })
            })
            .collect();
        let mut out = json!({"events": page, "searchedLogStreams": []});
        if skip + limit < events.len() {
            out["nextToken"] = json!(format!("n/{}", skip + limit));
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
        let (lo, hi) = match params.get("nextToken").and_then(Value::as_str) {
            Some(t) => {
                let (dir, n) = t
                    .split_once('/')
                    .and_then(|(d, n)| Some((d, n.parse::<usize>().ok()?)))
                    .ok_or_else(|| LogsError::validation("The specified nextToken is invalid."))?;
                let n = n.min(events.len());
                if dir == "f" {
                    (n, (n + limit).min(events.len()))
                } else {
                    (n.saturating_sub(limit), n)
                }
            }
            None if from_head => (0, limit.min(events.len())),
            None => (events.len().saturating_sub(limit), events.len()),
        };
        let page: Vec<Value> = events[lo..hi]
            .iter()
            .map(|e| {
                json!({
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                })
            })
            .collect();
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
