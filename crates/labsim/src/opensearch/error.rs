//! OpenSearch's error responses, in the shapes its REST layer produces.
//!
//! There are four: the exception shape (`{"error":{"root_cause":[..],
//! "type","reason",..},"status":N}`, from `OpenSearchException`), the simple
//! shape (`{"error":"..","status":N}`, from `createSimpleErrorResponse`, used
//! for 405 and 406), RestController's "no handler" answer (`{"error":".."}`
//! with no status field at all), and AOSS's empty 404 for APIs it does not
//! offer (`_refresh`, `GET /`: clients report `NotFoundError(404, '')`).

use std::fmt;

use super::json::Json;

/// An error as OpenSearch (Serverless) would answer it.
#[derive(Debug, Clone, PartialEq)]
pub struct OsError {
    // Boxed: errors travel in every `Result` here and are rare.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    status: u16,
    body: Body,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Exception {
        cause: Cause,
        root_causes: Vec<Cause>,
    },
    Simple(String),
    NoHandler(String),
    Empty,
}

/// One exception in the exception shape: `type`, `reason`, then extra
/// metadata fields in OpenSearch's order, then `caused_by`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cause {
    pub kind: String,
    pub reason: String,
    pub extra: Vec<(String, Json)>,
    pub caused_by: Option<Box<Cause>>,
}

impl Cause {
    pub(crate) fn new(kind: &str, reason: impl Into<String>) -> Self {
        Cause {
            kind: kind.to_owned(),
            reason: reason.into(),
            extra: Vec::new(),
            caused_by: None,
        }
    }

    pub(crate) fn with(mut self, key: &str, value: impl Into<Json>) -> Self {
        self.extra.push((key.to_owned(), value.into()));
        self
    }

    pub(crate) fn caused_by(mut self, cause: Cause) -> Self {
        self.caused_by = Some(Box::new(cause));
        self
    }

    /// `index_uuid` then `index`, the order OpenSearch's metadata map yields.
    fn with_index(self, index: &str, uuid: &str) -> Self {
        self.with("index_uuid", uuid).with("index", index)
    }

    pub(crate) fn to_json(&self, include_cause: bool) -> Json {
        let mut pairs = vec![
            ("type".to_owned(), Json::from(self.kind.as_str())),
            ("reason".to_owned(), Json::from(self.reason.as_str())),
        ];
        pairs.extend(self.extra.iter().cloned());
        if include_cause {
            if let Some(cause) = &self.caused_by {
                pairs.push(("caused_by".to_owned(), cause.to_json(true)));
            }
        }
        Json::Object(pairs)
    }

    /// `{"root_cause":[..], "type",..}`: the `error` object, also used for
    /// failed items inside `_mget` answers.
    pub(crate) fn failure_json(&self, root_causes: &[Cause]) -> Json {
        let roots = root_causes.iter().map(|c| c.to_json(false)).collect();
        let mut pairs = vec![("root_cause".to_owned(), Json::Array(roots))];
        if let Json::Object(rest) = self.to_json(true) {
            pairs.extend(rest);
        }
        Json::Object(pairs)
    }
}

impl OsError {
    fn build(status: u16, body: Body, headers: Vec<(String, String)>) -> Self {
        OsError {
            inner: Box::new(Inner {
                status,
                body,
                headers,
            }),
        }
    }

    pub(crate) fn from_cause(status: u16, cause: Cause) -> Self {
        let mut root = cause.clone();
        root.caused_by = None;
        OsError::with_roots(status, cause, vec![root])
    }

    fn with_roots(status: u16, cause: Cause, root_causes: Vec<Cause>) -> Self {
        OsError::build(status, Body::Exception { cause, root_causes }, Vec::new())
    }

    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// The exception `type`, when the error has the exception shape.
    pub fn error_type(&self) -> Option<&str> {
        match &self.inner.body {
            Body::Exception { cause, .. } => Some(&cause.kind),
            _ => None,
        }
    }

    /// The `reason`, or the message of the simple and no-handler shapes.
    pub fn reason(&self) -> Option<&str> {
        match &self.inner.body {
            Body::Exception { cause, .. } => Some(&cause.reason),
            Body::Simple(message) | Body::NoHandler(message) => Some(message),
            Body::Empty => None,
        }
    }

    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.inner.headers
    }

    /// The response body; `None` for AOSS's empty 404.
    pub(crate) fn body_json(&self) -> Option<Json> {
        let status = Json::from(self.inner.status);
        match &self.inner.body {
            Body::Exception { cause, root_causes } => Some(Json::object([
                ("error", cause.failure_json(root_causes)),
                ("status", status),
            ])),
            Body::Simple(message) => Some(Json::object([
                ("error", Json::from(message.as_str())),
                ("status", status),
            ])),
            Body::NoHandler(message) => {
                Some(Json::object([("error", Json::from(message.as_str()))]))
            }
            Body::Empty => None,
        }
    }

    /// The `error` object of an exception-shaped error, for `_mget` items
    /// and bulk items.
    pub(crate) fn item_json(&self, with_root_causes: bool) -> Json {
        match &self.inner.body {
            Body::Exception { cause, root_causes } if with_root_causes => {
                cause.failure_json(root_causes)
            }
            Body::Exception { cause, .. } => cause.to_json(true),
            _ => Json::from(self.reason().unwrap_or_default()),
        }
    }

    // ---- Constructors, one per error OpenSearch gives. ----

    /// `resource_type` is `index_or_alias` where a search resolves names and
    /// `index_expression` where a document API resolves one index.
    pub(crate) fn index_not_found(index: &str, resource_type: &str) -> Self {
        let cause = Cause::new(
            "index_not_found_exception",
            format!("no such index [{index}]"),
        )
        .with("resource.type", resource_type)
        .with("resource.id", index)
        .with_index(index, "_na_");
        OsError::from_cause(404, cause)
    }

    pub(crate) fn invalid_index_name(index: &str, why: &str) -> Self {
        let cause = Cause::new(
            "invalid_index_name_exception",
            format!("Invalid index name [{index}], {why}"),
        )
        .with_index(index, "_na_");
        OsError::from_cause(400, cause)
    }

    /// AOSS refuses any refresh policy other than `false`; the observed
    /// answer is a `status_exception` (opensearch-ruby issue #131).
    pub(crate) fn refresh_not_supported(policy: &str) -> Self {
        OsError::from_cause(
            400,
            Cause::new(
                "status_exception",
                format!("{policy} refresh policy is not supported."),
            ),
        )
    }

    pub(crate) fn illegal_argument(reason: impl Into<String>) -> Self {
        OsError::from_cause(400, Cause::new("illegal_argument_exception", reason))
    }

    pub(crate) fn parsing(reason: impl Into<String>) -> Self {
        OsError::from_cause(400, Cause::new("parsing_exception", reason))
    }

    pub(crate) fn parse(reason: impl Into<String>) -> Self {
        OsError::from_cause(400, Cause::new("parse_exception", reason))
    }

    pub(crate) fn unknown_query(name: &str) -> Self {
        let cause = Cause::new("parsing_exception", format!("unknown query [{name}]")).caused_by(
            Cause::new(
                "named_object_not_found_exception",
                format!("unknown field [{name}]"),
            ),
        );
        OsError::from_cause(400, cause)
    }

    /// A syntax error in a request body that is not a document.
    pub(crate) fn json_parse(err: &serde_json::Error) -> Self {
        OsError::from_cause(400, Cause::new("json_parse_exception", err.to_string()))
    }

    pub(crate) fn request_body_required() -> Self {
        OsError::parse("request body is required")
    }

    pub(crate) fn mapper_parsing(reason: impl Into<String>, caused_by: Option<Cause>) -> Self {
        let mut cause = Cause::new("mapper_parsing_exception", reason);
        cause.caused_by = caused_by.map(Box::new);
        OsError::from_cause(400, cause)
    }

    /// A document body that is not JSON: "failed to parse", caused by the
    /// parser's complaint.
    pub(crate) fn document_not_json(err: &serde_json::Error) -> Self {
        OsError::mapper_parsing(
            "failed to parse",
            Some(Cause::new("json_parse_exception", err.to_string())),
        )
    }

    pub(crate) fn validation(problems: &[String]) -> Self {
        let mut reason = String::from("Validation Failed: ");
        for (i, problem) in problems.iter().enumerate() {
            reason.push_str(&format!("{}: {problem};", i + 1));
        }
        OsError::from_cause(
            400,
            Cause::new("action_request_validation_exception", reason),
        )
    }

    pub(crate) fn version_conflict(index: &str, uuid: &str, id: &str, current: u64) -> Self {
        let cause = Cause::new(
            "version_conflict_engine_exception",
            format!(
                "[{id}]: version conflict, document already exists (current version [{current}])"
            ),
        )
        .with("index_uuid", uuid)
        .with("shard", "0")
        .with("index", index);
        OsError::from_cause(409, cause)
    }

    pub(crate) fn document_missing(index: &str, uuid: &str, id: &str) -> Self {
        let cause = Cause::new(
            "document_missing_exception",
            format!("[{id}]: document missing"),
        )
        .with("index_uuid", uuid)
        .with("shard", "0")
        .with("index", index);
        OsError::from_cause(404, cause)
    }

    pub(crate) fn source_not_found(index: &str, id: &str) -> Self {
        OsError::from_cause(
            404,
            Cause::new(
                "resource_not_found_exception",
                format!("Document not found [{index}]/[{id}]"),
            ),
        )
    }

    pub(crate) fn index_exists(index: &str, uuid: &str) -> Self {
        let cause = Cause::new(
            "resource_already_exists_exception",
            format!("index [{index}/{uuid}] already exists"),
        )
        .with_index(index, uuid);
        OsError::from_cause(400, cause)
    }

    /// A failure on the (single, simulated) shard of a search: OpenSearch
    /// wraps it as "all shards failed".
    pub(crate) fn shard_failure(index: &str, node: &str, cause: Cause) -> Self {
        let failed = Json::object([
            ("shard", Json::from(0u64)),
            ("index", Json::from(index)),
            ("node", Json::from(node)),
            ("reason", cause.to_json(true)),
        ]);
        let mut root = cause.clone();
        root.caused_by = None;
        let outer = Cause::new("search_phase_execution_exception", "all shards failed")
            .with("phase", "query")
            .with("grouped", true)
            .with("failed_shards", Json::Array(vec![failed]))
            .caused_by(cause);
        OsError::with_roots(400, outer, vec![root])
    }

    /// `query_shard_exception` for `index`, as raised while building a
    /// query or sort on a shard.
    pub(crate) fn query_shard_cause(index: &str, uuid: &str, reason: impl Into<String>) -> Cause {
        Cause::new("query_shard_exception", reason).with_index(index, uuid)
    }

    /// 405, with the methods the path does accept (RestController).
    pub(crate) fn method_not_allowed(uri: &str, method: &str, allowed: &[&str]) -> Self {
        let list = allowed.join(", ");
        OsError::build(
            405,
            Body::Simple(format!(
                "Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{list}]"
            )),
            vec![("Allow".to_owned(), allowed.join(","))],
        )
    }

    /// 400 for a path no REST handler matches (RestController's
    /// `handleBadRequest`: the path only, no `status` field).
    pub(crate) fn no_handler(path: &str, method: &str) -> Self {
        OsError::build(
            400,
            Body::NoHandler(format!(
                "no handler found for uri [{path}] and method [{method}]"
            )),
            Vec::new(),
        )
    }

    /// `{"error":"..","status":N}`, BytesRestResponse's simple shape.
    pub(crate) fn simple(status: u16, message: String) -> Self {
        OsError::build(status, Body::Simple(message), Vec::new())
    }

    pub(crate) fn content_type(message: String) -> Self {
        OsError::simple(406, message)
    }

    /// AOSS's answer to an API it does not offer: 404, empty body.
    pub(crate) fn aoss_unsupported() -> Self {
        OsError::build(404, Body::Empty, Vec::new())
    }

    /// Something real OpenSearch does that this simulator does not: said
    /// plainly rather than answered wrongly.
    pub(crate) fn not_simulated(what: impl fmt::Display) -> Self {
        OsError::from_cause(
            501,
            Cause::new(
                "labsim_not_simulated_exception",
                format!("labsim does not simulate {what}"),
            ),
        )
    }
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.error_type(), self.reason()) {
            (Some(kind), Some(reason)) => write!(f, "{} {kind}: {reason}", self.inner.status),
            (None, Some(message)) => write!(f, "{} {message}", self.inner.status),
            _ => write!(f, "{}", self.inner.status),
        }
    }
}

impl std::error::Error for OsError {}
