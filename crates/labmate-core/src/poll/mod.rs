//! labmate's pollers: what to ask AWS next, when, and what each answer
//! means, one state machine per hop ([`StreamReader`], [`LogTail`],
//! [`LambdaWatch`], [`DocumentWatch`]).
//!
//! Pure: no I/O and no clock. The page runs each poller through a thin
//! loop: it asks [`Poller::next`] at the time it reads (epoch ms, AWS's
//! clock), signs and sends the [`PlannedCall`] it gets, and hands the
//! answer (or its absence) back to [`Poller::answered`], which returns the
//! [`Observation`]s for the flow board. Each poller keeps its own pace
//! (AWS's rates, aws-behaviour.md §3 and §5) and backs off exponentially on
//! throttling, 5xx and no answer, up to a cap; a refusal makes its hop
//! [`Observation::NotObservable`], naming the IAM action, and the poller
//! then asks again only every [`REFUSED_RETRY_MS`] until access works.
//! [`PollerStatus`] says where each one stands in words the page shows.
//!
//! The stream reader and the log tail serialise (serde) without secrets,
//! so a reload, or another tab taking over the stream reader, resumes
//! where they left off; the call in flight is not kept (its answer goes to
//! the page that sent it). The trigger and document watches keep nothing
//! their next calls do not learn again, so they start afresh.
//!
//! ```
//! use labmate_core::flow::{Flows, Observation};
//! use labmate_core::poll::{Answer, Next, Outcome, Poller, StartAt, StreamReader};
//!
//! let mut reader = StreamReader::new("lab-table", StartAt::TrimHorizon);
//! let mut flows = Flows::new();
//! let now = 1_728_417_322_000;
//! // First it asks DynamoDB where the table's stream is.
//! let Next::Call(call) = reader.next(now) else { unreachable!() };
//! assert_eq!(call.operation, "DescribeTable");
//! let request = call.to_http_request("https://dynamodb.ap-southeast-1.amazonaws.com");
//! assert_eq!(request.url, "https://dynamodb.ap-southeast-1.amazonaws.com/");
//! // The page signs and sends `request`; here is DynamoDB's answer.
//! let body = r#"{"Table": {"StreamSpecification": {"StreamEnabled": true,
//!     "StreamViewType": "NEW_IMAGE"}, "LatestStreamArn": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T19:55:22.000"}}"#;
//! for seen in reader.answered(Outcome::Answered(Answer::new(200, body)), now + 80) {
//!     assert!(matches!(seen, Observation::StreamSetup(_)));
//!     flows.observe(seen);
//! }
//! // Then the stream's shards, once the pace allows.
//! let Next::Call(call) = reader.next(now + 80) else { unreachable!() };
//! assert_eq!(call.operation, "DescribeStream");
//! ```

pub mod documents;
pub mod lambda_watch;
pub mod log_tail;
pub mod role_watch;
pub mod stream;

use serde::{Deserialize, Serialize};

use crate::aws_error::{classify, code_and_message, AwsError};
use crate::flow::{Hop, NotObservable, Observation};
use crate::signing::HttpRequest;
use crate::word;
use crate::words::Lang;
use crate::Service;

pub use documents::DocumentWatch;
pub use lambda_watch::LambdaWatch;
pub use log_tail::LogTail;
pub use role_watch::RoleWatch;
pub use stream::{StartAt, StreamReader};

/// How long a poller waits before asking again after a refusal
/// (AccessDenied, credentials that do not work).
pub const REFUSED_RETRY_MS: i64 = 30_000;
/// A call the page never answered is given up after this long, so a lost
/// answer cannot stop a poller for good.
pub const LOST_CALL_MS: i64 = 60_000;

/// One request a poller wants sent, unsigned, relative to the service's
/// base URL (the page knows the endpoint and signs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCall {
    pub service: Service,
    /// AWS's name for it (`GetRecords`), for the inspector.
    pub operation: &'static str,
    pub method: &'static str,
    /// From the first `/`, appended to the service's base URL.
    pub path_and_query: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl PlannedCall {
    /// A JSON-protocol call (`POST /` with `X-Amz-Target`): DynamoDB and
    /// Streams speak JSON 1.0, CloudWatch Logs JSON 1.1.
    fn json(service: Service, operation: &'static str, body: serde_json::Value) -> Self {
        let (target, content_type) = match service {
            Service::Logs => ("Logs_20140328", "application/x-amz-json-1.1"),
            Service::Streams => ("DynamoDBStreams_20120810", "application/x-amz-json-1.0"),
            _ => ("DynamoDB_20120810", "application/x-amz-json-1.0"),
        };
        PlannedCall {
            service,
            operation,
            method: "POST",
            path_and_query: "/".to_owned(),
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("x-amz-target", format!("{target}.{operation}")),
            ],
            body: body.to_string(),
        }
    }

    /// The request to sign: `base_url` (`https://streams.dynamodb.ap-southeast-1.amazonaws.com`,
    /// with or without a path or a trailing `/`) joined with the path.
    pub fn to_http_request(&self, base_url: &str) -> HttpRequest {
        let url = format!("{}{}", base_url.trim_end_matches('/'), self.path_and_query);
        let mut request = HttpRequest::new(self.method, &url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request.body(self.body.clone())
    }
}

/// What a poller wants now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send this, then hand the outcome to [`Poller::answered`].
    Call(PlannedCall),
    /// Nothing before this time (epoch ms, AWS's clock).
    WaitUntil(i64),
    /// Nothing to ask until something changes: its call in flight is
    /// answered, or (documents) a flow starts waiting.
    Idle,
}

/// What became of a planned call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answered(Answer),
    /// No answer the page could read: the network, or CORS.
    NoAnswer,
}

/// An answer as the page read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// The `Date` header, where the page could read it (the JSON services
    /// expose it): for [`crate::clock::ClockOffset::learn_from_date`].
    pub date: Option<String>,
}

impl Answer {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Answer {
            status,
            body: body.into(),
            date: None,
        }
    }
}

/// One poller, as the page's loop drives it.
pub trait Poller {
    /// What to do at `now_ms`. A [`Next::Call`] is in flight until
    /// [`Poller::answered`]; meanwhile `next` asks for nothing more.
    fn next(&mut self, now_ms: i64) -> Next;
    /// Reads the answer to the call in flight into observations.
    fn answered(&mut self, outcome: Outcome, now_ms: i64) -> Vec<Observation>;
    /// Where it stands, for the page.
    fn status(&self) -> PollerStatus;
    /// Ask again now rather than after the backoff or refusal delay: fresh
    /// credentials were pasted, or the page came back to the foreground.
    fn wake(&mut self);
    /// Read the lab's settings again now, not at their usual pace: the
    /// learner has just changed something in the console (the guide's
    /// "Check now"). Pollers that read no setting have nothing to do.
    fn recheck(&mut self) {
        self.wake();
    }
}

/// Where a poller stands, in words the page can show
/// ([`PollerStatus::describe`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PollerStatus {
    /// Nothing asked yet.
    #[default]
    Starting,
    /// Its calls are answered.
    Reading,
    /// Nothing to read yet, for a reason that is not a failure.
    Waiting { reason: WaitReason },
    /// A call failed; the next try is at `retry_at_ms`.
    Retrying {
        cause: RetryCause,
        retry_at_ms: i64,
        /// Failures in a row.
        failures: u32,
    },
    /// The credentials may not make the call.
    NotObservable {
        /// The IAM action that would allow it (`dynamodb:GetRecords`).
        permission: String,
        refusal: String,
        retry_at_ms: i64,
    },
    /// The credentials do not work (expired, unknown, wrong secret):
    /// AWS's refusal.
    NeedsCredentials { error: AwsError, retry_at_ms: i64 },
    /// No usable credentials on the page (none pasted, or expired): the
    /// poller waits and resumes where it stopped.
    Paused,
}

/// Why a poller has nothing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The table has no stream (or none with records left to read).
    NoStream,
    /// The function's log group does not exist: it has never run.
    NoLogYet,
    /// The function does not exist.
    NoFunction,
    /// The execution role does not exist.
    NoRole,
    /// No flow waits for its document.
    NothingWaiting,
}

/// Why a call is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryCause {
    /// The service's throttling error (Logs' ThrottlingException, 429).
    Throttled,
    /// Streams' LimitExceededException: the shard already has its two
    /// readers (the Lambda's trigger is one).
    TooManyReaders,
    ServerError {
        status: u16,
    },
    NoAnswer,
    /// AWS says the signing clock is off; the page learns the offset.
    ClockSkew,
    /// An answer labmate did not expect.
    Unexpected {
        status: u16,
        message: String,
    },
}

impl PollerStatus {
    /// In a sentence, relative to `now_ms`: "throttled, retrying in 4 s",
    /// "not observable: needs dynamodb:GetRecords". English, for tests
    /// and logs; the page uses [`PollerStatus::words`].
    pub fn describe(&self, now_ms: i64) -> String {
        self.words(Lang::En, now_ms)
    }

    /// [`PollerStatus::describe`] in `lang`.
    pub fn words(&self, lang: Lang, now_ms: i64) -> String {
        let seconds = |at: i64| ((at - now_ms).max(0) + 999) / 1000;
        match self {
            PollerStatus::Starting => word!(lang, board.poller_starting).to_owned(),
            PollerStatus::Reading => word!(lang, board.poller_reading).to_owned(),
            PollerStatus::Waiting { reason } => match reason {
                WaitReason::NoStream => word!(lang, board.poller_no_stream),
                WaitReason::NoLogYet => word!(lang, board.poller_no_log_yet),
                WaitReason::NoFunction => word!(lang, board.poller_no_function),
                WaitReason::NoRole => word!(lang, board.poller_no_role),
                WaitReason::NothingWaiting => word!(lang, board.poller_nothing_waiting),
            }
            .to_owned(),
            PollerStatus::Retrying {
                cause, retry_at_ms, ..
            } => {
                let s = seconds(*retry_at_ms);
                match cause {
                    RetryCause::Throttled => word!(lang, board.poller_retry_throttled)(s),
                    RetryCause::TooManyReaders => {
                        word!(lang, board.poller_retry_too_many_readers)(s)
                    }
                    RetryCause::ServerError { status } => {
                        word!(lang, board.poller_retry_server_error)(*status, s)
                    }
                    RetryCause::NoAnswer => word!(lang, board.poller_retry_no_answer)(s),
                    RetryCause::ClockSkew => word!(lang, board.poller_retry_clock_skew)(s),
                    RetryCause::Unexpected { status, message } => {
                        word!(lang, board.poller_retry_unexpected)(*status, message, s)
                    }
                }
            }
            PollerStatus::NotObservable { permission, .. } => {
                word!(lang, board.poller_not_observable)(permission)
            }
            // AWS's refusal, as `aws_error` words it.
            PollerStatus::NeedsCredentials { error, .. } => error.to_string(),
            PollerStatus::Paused => word!(lang, board.poller_paused).to_owned(),
        }
    }

    /// A status that the page should point out (anything but reading and
    /// waiting).
    pub fn is_trouble(&self) -> bool {
        matches!(
            self,
            PollerStatus::Retrying { .. }
                | PollerStatus::NotObservable { .. }
                | PollerStatus::NeedsCredentials { .. }
                | PollerStatus::Paused
        )
    }
}

/// How a failed answer is read, before the poller's own cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Retry(RetryCause),
    Denied {
        permission: String,
        refusal: String,
    },
    Credentials(AwsError),
    /// An error the poller may know, by the service's error code.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

impl Failure {
    /// The service's error code (`ExpiredIteratorException`), if refused.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Failure::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// `None` for a success; else what the failure is, with `action` the IAM
/// action the call needs (named when AWS's message does not name one).
pub(crate) fn failure(service: Service, action: &str, answer: &Answer) -> Option<Failure> {
    let error = classify(service, answer.status, &answer.body)?;
    let (code, message) = code_and_message(&answer.body);
    Some(match error {
        AwsError::ClockSkew { .. } => Failure::Retry(RetryCause::ClockSkew),
        AwsError::Throttled { .. } => Failure::Retry(RetryCause::Throttled),
        AwsError::ExpiredToken { .. }
        | AwsError::UnknownKeys { .. }
        | AwsError::BadSignature { .. } => Failure::Credentials(error),
        AwsError::AccessDenied {
            action: named,
            message: explained,
            ..
        } => Failure::Denied {
            permission: named.unwrap_or_else(|| action.to_owned()),
            refusal: match (code.is_empty(), explained.is_empty()) {
                (false, false) => format!("{code}: {explained}"),
                (false, true) => code,
                _ => explained,
            },
        },
        _ if answer.status >= 500 => Failure::Retry(RetryCause::ServerError {
            status: answer.status,
        }),
        _ => Failure::Refused {
            status: answer.status,
            code,
            message,
        },
    })
}

/// The exponential backoff for the `failures`-th failure in a row.
fn backoff_ms(cause: &RetryCause, failures: u32) -> i64 {
    let (base, cap) = match cause {
        RetryCause::ClockSkew => (1_000, 1_000),
        RetryCause::NoAnswer | RetryCause::ServerError { .. } => (1_000, 30_000),
        RetryCause::Throttled => (2_000, 60_000),
        // A reader stops counting 5 s after its last read (labsim's
        // window; AWS does not say): try again after that.
        RetryCause::TooManyReaders => (5_000, 60_000),
        RetryCause::Unexpected { .. } => (5_000, 60_000),
    };
    let doublings = failures.saturating_sub(1).min(16);
    (base << doublings).min(cap)
}

/// A poller's health: its status, failures in a row and when it may ask
/// again. Shared by every poller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Health {
    /// Not saved: a reloaded poller says "starting" until its next answer
    /// (its failures and retry time are kept). Saving it cost 4,519 B of
    /// the first load (gzip, measured).
    #[serde(skip)]
    pub(crate) status: PollerStatus,
    failures: u32,
    pub(crate) retry_at_ms: i64,
}

impl Health {
    /// An answer came back as expected. `true` when the hop had been
    /// refused (so the poller's next observation clears it).
    pub(crate) fn ok(&mut self) -> bool {
        let was_refused = matches!(self.status, PollerStatus::NotObservable { .. });
        self.status = PollerStatus::Reading;
        self.failures = 0;
        self.retry_at_ms = 0;
        was_refused
    }

    pub(crate) fn waiting(&mut self, reason: WaitReason) {
        self.ok();
        self.status = PollerStatus::Waiting { reason };
    }

    /// Whether the poller must wait before asking anything.
    pub(crate) fn holds(&self, now_ms: i64) -> Option<i64> {
        (now_ms < self.retry_at_ms).then_some(self.retry_at_ms)
    }

    pub(crate) fn retry(&mut self, cause: RetryCause, now_ms: i64) {
        self.failures += 1;
        self.retry_at_ms = now_ms + backoff_ms(&cause, self.failures);
        self.status = PollerStatus::Retrying {
            cause,
            retry_at_ms: self.retry_at_ms,
            failures: self.failures,
        };
    }

    /// A failure the poller has no special reading for; a refusal becomes
    /// the observation that `hop` is not observable.
    pub(crate) fn fail(&mut self, failure: Failure, hop: Hop, now_ms: i64) -> Vec<Observation> {
        match failure {
            Failure::Retry(cause) => self.retry(cause, now_ms),
            Failure::Refused {
                status,
                code,
                message,
            } => {
                let message = match (code.is_empty(), message.is_empty()) {
                    (false, false) => format!("{code}: {message}"),
                    (false, true) => code,
                    _ => message,
                };
                self.retry(RetryCause::Unexpected { status, message }, now_ms)
            }
            Failure::Credentials(error) => {
                self.failures += 1;
                self.retry_at_ms = now_ms + REFUSED_RETRY_MS;
                self.status = PollerStatus::NeedsCredentials {
                    error,
                    retry_at_ms: self.retry_at_ms,
                };
            }
            Failure::Denied {
                permission,
                refusal,
            } => {
                self.failures += 1;
                self.retry_at_ms = now_ms + REFUSED_RETRY_MS;
                self.status = PollerStatus::NotObservable {
                    permission: permission.clone(),
                    refusal: refusal.clone(),
                    retry_at_ms: self.retry_at_ms,
                };
                return vec![Observation::NotObservable(NotObservable {
                    hop,
                    permission,
                    refusal,
                    seen_ms: now_ms,
                })];
            }
        }
        Vec::new()
    }

    pub(crate) fn wake(&mut self) {
        self.retry_at_ms = 0;
    }
}

/// The call a poller has in flight, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight<S> {
    pub(crate) step: S,
    pub(crate) since_ms: i64,
}

/// Whether a poller with `in_flight` must keep waiting for its answer;
/// a call unanswered for [`LOST_CALL_MS`] is dropped as no answer.
pub(crate) fn still_in_flight<S>(
    in_flight: &mut Option<InFlight<S>>,
    health: &mut Health,
    now_ms: i64,
) -> bool {
    match in_flight {
        Some(f) if now_ms - f.since_ms < LOST_CALL_MS => true,
        Some(_) => {
            *in_flight = None;
            health.retry(RetryCause::NoAnswer, now_ms);
            false
        }
        None => false,
    }
}

/// The step of the call in flight and its answer. `None` when no call was
/// in flight, or when none came back (then `health` retries).
pub(crate) fn answer_to<S>(
    in_flight: &mut Option<InFlight<S>>,
    outcome: Outcome,
    health: &mut Health,
    now_ms: i64,
) -> Option<(S, Answer)> {
    let InFlight { step, .. } = in_flight.take()?;
    match outcome {
        Outcome::Answered(answer) => Some((step, answer)),
        Outcome::NoAnswer => {
            health.retry(RetryCause::NoAnswer, now_ms);
            None
        }
    }
}

/// The body of a success as JSON (`Null` when it is not JSON).
pub(crate) fn json_of(answer: &Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_health_keeps_its_backoff_and_says_starting_until_the_next_answer() {
        let mut health = Health::default();
        health.retry(RetryCause::Throttled, 10_000);
        health.retry(RetryCause::Throttled, 12_000);
        let json = serde_json::to_string(&health).unwrap();
        let restored: Health = serde_json::from_str(&json).unwrap();
        assert_eq!(restored.status, PollerStatus::Starting);
        assert_eq!(restored.retry_at_ms, health.retry_at_ms);
        assert_eq!(restored.holds(12_001), Some(health.retry_at_ms));
        let mut restored = restored;
        restored.retry(RetryCause::Throttled, health.retry_at_ms);
        assert_eq!(
            restored.status,
            PollerStatus::Retrying {
                cause: RetryCause::Throttled,
                retry_at_ms: restored.retry_at_ms,
                failures: 3
            },
            "the failures in a row go on counting"
        );
    }

    #[test]
    fn a_planned_call_joins_any_base_url_and_keeps_its_headers() {
        let call = PlannedCall::json(
            Service::Streams,
            "GetRecords",
            serde_json::json!({"ShardIterator": "it"}),
        );
        for base in [
            "https://streams.dynamodb.ap-southeast-1.amazonaws.com",
            "https://streams.dynamodb.ap-southeast-1.amazonaws.com/",
        ] {
            let r = call.to_http_request(base);
            assert_eq!(
                r.url,
                "https://streams.dynamodb.ap-southeast-1.amazonaws.com/"
            );
            assert_eq!(r.method, "POST");
            assert_eq!(r.body, r#"{"ShardIterator":"it"}"#);
            assert!(r.headers.contains(&(
                "x-amz-target".into(),
                "DynamoDBStreams_20120810.GetRecords".into()
            )));
        }
        let logs = PlannedCall::json(Service::Logs, "FilterLogEvents", serde_json::json!({}));
        assert_eq!(logs.headers[0].1, "application/x-amz-json-1.1");
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let delays: Vec<i64> = (1..=7)
            .map(|n| backoff_ms(&RetryCause::Throttled, n))
            .collect();
        assert_eq!(
            delays,
            [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]
        );
        assert_eq!(backoff_ms(&RetryCause::NoAnswer, 1), 1_000);
        assert_eq!(backoff_ms(&RetryCause::NoAnswer, 40), 30_000);
    }

    #[test]
    fn failures_are_read_as_each_service_answers_them() {
        let denied = Answer::new(
            400,
            r#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: dynamodb:GetRecords on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/x because no identity-based policy allows the dynamodb:GetRecords action"}"#,
        );
        let Some(Failure::Denied {
            permission,
            refusal,
        }) = failure(Service::Streams, "dynamodb:GetRecords", &denied)
        else {
            panic!()
        };
        assert_eq!(permission, "dynamodb:GetRecords");
        assert!(refusal.starts_with("AccessDeniedException: User: "));
        // AOSS names no action: the call's own is named.
        let aoss = Answer::new(
            403,
            r#"{"status":403,"request-id":"r","error":{"reason":"403 Forbidden","type":"Forbidden"}}"#,
        );
        assert!(matches!(
            failure(Service::Aoss, "aoss:APIAccessAll", &aoss),
            Some(Failure::Denied { permission, .. }) if permission == "aoss:APIAccessAll"
        ));
        let throttled = Answer::new(
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
        assert_eq!(
            failure(Service::Logs, "logs:FilterLogEvents", &throttled),
            Some(Failure::Retry(RetryCause::Throttled))
        );
        let expired = Answer::new(
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException","message":"Iterator expired"}"#,
        );
        assert_eq!(
            failure(Service::Streams, "dynamodb:GetRecords", &expired)
                .as_ref()
                .and_then(Failure::code),
            Some("ExpiredIteratorException")
        );
        assert_eq!(
            failure(Service::Lambda, "lambda:GetFunction", &Answer::new(503, "")),
            Some(Failure::Retry(RetryCause::ServerError { status: 503 }))
        );
        assert!(matches!(
            failure(
                Service::Logs,
                "logs:FilterLogEvents",
                &Answer::new(
                    400,
                    r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#
                )
            ),
            Some(Failure::Credentials(_))
        ));
        assert_eq!(
            failure(
                Service::Logs,
                "logs:FilterLogEvents",
                &Answer::new(200, "{}")
            ),
            None
        );
    }

    #[test]
    fn the_status_says_what_happens_next_in_words() {
        let mut health = Health::default();
        health.retry(RetryCause::Throttled, 1_000);
        assert_eq!(health.status.describe(1_000), "throttled, retrying in 2 s");
        health.retry(RetryCause::Throttled, 3_000);
        assert_eq!(health.status.describe(3_500), "throttled, retrying in 4 s");
        assert!(health.status.is_trouble());
        assert_eq!(health.holds(6_000), Some(7_000));
        let seen = health.fail(
            Failure::Denied {
                permission: "dynamodb:GetRecords".into(),
                refusal: "AccessDeniedException".into(),
            },
            Hop::Stream,
            10_000,
        );
        assert_eq!(
            health.status.describe(10_000),
            "not observable: needs dynamodb:GetRecords"
        );
        assert!(matches!(&seen[..], [Observation::NotObservable(n)] if n.hop == Hop::Stream));
        assert_eq!(health.holds(10_001), Some(10_000 + REFUSED_RETRY_MS));
        health.wake();
        assert_eq!(health.holds(10_001), None);
        assert!(health.ok(), "access works again: the refusal is cleared");
        assert_eq!(health.status, PollerStatus::Reading);
        assert!(!health.ok());
    }

    #[test]
    fn every_status_is_worded_in_each_language_with_its_values() {
        let expired = classify(
            Service::Logs,
            400,
            r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
        )
        .expect("an AWS error");
        let retrying = |cause| PollerStatus::Retrying {
            cause,
            retry_at_ms: 7_000,
            failures: 2,
        };
        let statuses = [
            (PollerStatus::Starting, vec![]),
            (PollerStatus::Reading, vec![]),
            (
                PollerStatus::Waiting {
                    reason: WaitReason::NoStream,
                },
                vec![],
            ),
            (
                PollerStatus::Waiting {
                    reason: WaitReason::NoLogYet,
                },
                vec![],
            ),
            (
                PollerStatus::Waiting {
                    reason: WaitReason::NoFunction,
                },
                vec![],
            ),
            (
                PollerStatus::Waiting {
                    reason: WaitReason::NoRole,
                },
                vec![],
            ),
            (
                PollerStatus::Waiting {
                    reason: WaitReason::NothingWaiting,
                },
                vec![],
            ),
            (retrying(RetryCause::Throttled), vec!["4 s"]),
            (retrying(RetryCause::TooManyReaders), vec!["4 s"]),
            (
                retrying(RetryCause::ServerError { status: 503 }),
                vec!["503", "4 s"],
            ),
            (retrying(RetryCause::NoAnswer), vec!["4 s"]),
            (retrying(RetryCause::ClockSkew), vec!["4 s"]),
            (
                retrying(RetryCause::Unexpected {
                    status: 409,
                    message: "ConflictException: busy".into(),
                }),
                vec!["409", "ConflictException: busy", "4 s"],
            ),
            (
                PollerStatus::NotObservable {
                    permission: "dynamodb:GetRecords".into(),
                    refusal: "AccessDeniedException".into(),
                    retry_at_ms: 0,
                },
                vec!["dynamodb:GetRecords"],
            ),
            (PollerStatus::Paused, vec![]),
        ];
        for (status, values) in &statuses {
            for lang in Lang::ALL {
                let said = status.words(lang, 3_000);
                for v in values {
                    assert!(said.contains(v), "{lang:?}: {said} lacks {v}");
                }
            }
            assert_eq!(status.describe(3_000), status.words(Lang::En, 3_000));
            assert_ne!(
                status.words(Lang::Vi, 3_000),
                status.words(Lang::En, 3_000),
                "{status:?}"
            );
        }
        assert_eq!(
            PollerStatus::Paused.describe(0),
            "paused: paste credentials (fresh ones if they expired); it resumes where it stopped"
        );
        assert!(PollerStatus::Paused.is_trouble());
        // AWS's refusal of the credentials is AWS's error, as aws_error words it.
        let needs = PollerStatus::NeedsCredentials {
            error: expired.clone(),
            retry_at_ms: 0,
        };
        assert_eq!(needs.describe(0), expired.to_string());
        assert!(needs.is_trouble());
    }
}
