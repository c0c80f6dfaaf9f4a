//! The collection endpoint's REST API: routing as OpenSearch's
//! RestController does it, AOSS's missing APIs, and the JSON each API
//! answers with.
//!
//! Routing mirrors RestController so that wrong requests fail as they do on
//! AOSS: a path that matches a route but not its method is a 405 listing the
//! methods it allows (`PUT /{index}/_doc`, the workshop Lambda's MODIFY); a
//! path that matches no route at all is RestController's 400 "no handler
//! found for uri [..] and method [..]" with no `status` field. That is what
//! the Lambda's REMOVE gets: `DELETE /{index}/_doc<id>` has two segments, and
//! OpenSearch 2.x registers no two-segment route whose second segment is a
//! variable (typed `/{index}/{type}` routes went with mapping types), so
//! `_docabc-123` matches nothing. (AOSS's own front end answers APIs it lacks
//! with an empty 404; whether it also intercepts unknown paths is not
//! documented, so the OpenSearch answer is used.)

use std::collections::BTreeMap;

use crate::message::{Request, Response};

use super::error::OsError;
use super::index::StoredDoc;
use super::json::{self, Json};
use super::mapping::Mapping;
use super::query;
use super::request::{self, SearchRequest, SourceFilter};
use super::search::SearchOutcome;
use super::{bulk, Collection, WriteOp, WriteOutcome};

pub(crate) const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// `took`, in milliseconds: there is no clock to measure with.
pub(crate) const TOOK_MS: u64 = 1;

/// RestRequest.Method, in declaration order (how `allowed` lists them).
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT",
];

/// APIs AOSS does not offer (AWS's list of unsupported operations): first
/// path segment, and second segment after an index name.
const AOSS_UNSUPPORTED_ROOT: &[&str] = &[
    "_cluster",
    "_nodes",
    "_tasks",
    "_stats",
    "_refresh",
    "_flush",
    "_forcemerge",
    "_reindex",
    "_snapshot",
    "_mtermvectors",
    "_render",
    "_scripts",
];
const AOSS_UNSUPPORTED_INDEX: &[&str] = &[
    "_refresh",
    "_flush",
    "_forcemerge",
    "_stats",
    "_open",
    "_close",
    "_shrink",
    "_split",
    "_clone",
    "_rollover",
    "_termvectors",
    "_mtermvectors",
    "_delete_by_query",
    "_update_by_query",
];

/// Which OpenSearch REST API a path and method are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RestApi {
    Index,
    DocAutoId,
    Doc,
    Create,
    Update,
    Source,
    Search,
    Count,
    Mget,
    Mapping,
    Bulk,
    /// A real OpenSearch API this simulator does not answer.
    NotSimulated(&'static str),
}

/// `None` matches any segment (a path variable).
type Pattern = &'static [Option<&'static str>];

struct Route {
    pattern: Pattern,
    methods: &'static [&'static str],
    api: RestApi,
}

const V: Option<&str> = None;

const fn lit(s: &'static str) -> Option<&'static str> {
    Some(s)
}

const GET_POST: &[&str] = &["GET", "POST"];

/// The routes OpenSearch 2.x registers that a collection endpoint can reach.
const ROUTES: &[Route] = &[
    Route {
        pattern: &[V],
        methods: &["GET", "HEAD", "PUT", "DELETE"],
        api: RestApi::Index,
    },
    Route {
        pattern: &[V, lit("_doc")],
        methods: &["POST"],
        api: RestApi::DocAutoId,
    },
    Route {
        pattern: &[V, lit("_doc"), V],
        methods: &["GET", "HEAD", "PUT", "POST", "DELETE"],
        api: RestApi::Doc,
    },
    Route {
        pattern: &[V, lit("_create"), V],
        methods: &["PUT", "POST"],
        api: RestApi::Create,
    },
    Route {
        pattern: &[V, lit("_update"), V],
        methods: &["POST"],
        api: RestApi::Update,
    },
    Route {
        pattern: &[V, lit("_source"), V],
        methods: &["GET", "HEAD"],
        api: RestApi::Source,
    },
    Route {
        pattern: &[lit("_search")],
        methods: GET_POST,
        api: RestApi::Search,
    },
    Route {
        pattern: &[V, lit("_search")],
        methods: GET_POST,
        api: RestApi::Search,
    },
    Route {
        pattern: &[lit("_count")],
        methods: GET_POST,
        api: RestApi::Count,
    },
    Route {
        pattern: &[V, lit("_count")],
        methods: GET_POST,
        api: RestApi::Count,
    },
    Route {
        pattern: &[lit("_mget")],
        methods: GET_POST,
        api: RestApi::Mget,
    },
    Route {
        pattern: &[V, lit("_mget")],
        methods: GET_POST,
        api: RestApi::Mget,
    },
    Route {
        pattern: &[lit("_mapping")],
        methods: &["GET"],
        api: RestApi::Mapping,
    },
    Route {
        pattern: &[V, lit("_mapping")],
        methods: &["GET"],
        api: RestApi::Mapping,
    },
    Route {
        pattern: &[V, lit("_mapping")],
        methods: &["PUT", "POST"],
        api: RestApi::NotSimulated("the put mapping API"),
    },
    Route {
        pattern: &[lit("_bulk")],
        methods: &["POST", "PUT"],
        api: RestApi::Bulk,
    },
    Route {
        pattern: &[V, lit("_bulk")],
        methods: &["POST", "PUT"],
        api: RestApi::Bulk,
    },
    Route {
        pattern: &[lit("_msearch")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_msearch"),
    },
    Route {
        pattern: &[V, lit("_msearch")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_msearch"),
    },
    Route {
        pattern: &[lit("_cat"), lit("indices")],
        methods: &["GET"],
        api: RestApi::NotSimulated("_cat/indices"),
    },
    Route {
        pattern: &[lit("_cat"), lit("indices"), V],
        methods: &["GET"],
        api: RestApi::NotSimulated("_cat/indices"),
    },
    Route {
        pattern: &[lit("_cat"), lit("aliases")],
        methods: &["GET"],
        api: RestApi::NotSimulated("_cat/aliases"),
    },
    Route {
        pattern: &[lit("_aliases")],
        methods: GET_POST,
        api: RestApi::NotSimulated("aliases"),
    },
    Route {
        pattern: &[V, lit("_alias"), V],
        methods: &["GET", "HEAD", "PUT", "POST", "DELETE"],
        api: RestApi::NotSimulated("aliases"),
    },
    Route {
        pattern: &[V, lit("_alias")],
        methods: &["GET", "HEAD"],
        api: RestApi::NotSimulated("aliases"),
    },
    Route {
        pattern: &[lit("_settings")],
        methods: &["GET"],
        api: RestApi::NotSimulated("index settings"),
    },
    Route {
        pattern: &[V, lit("_settings")],
        methods: &["GET", "PUT"],
        api: RestApi::NotSimulated("index settings"),
    },
    Route {
        pattern: &[lit("_analyze")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_analyze"),
    },
    Route {
        pattern: &[V, lit("_analyze")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_analyze"),
    },
    Route {
        pattern: &[V, lit("_explain"), V],
        methods: GET_POST,
        api: RestApi::NotSimulated("_explain"),
    },
    Route {
        pattern: &[V, lit("_validate"), lit("query")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_validate"),
    },
    Route {
        pattern: &[lit("_field_caps")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_field_caps"),
    },
    Route {
        pattern: &[V, lit("_field_caps")],
        methods: GET_POST,
        api: RestApi::NotSimulated("_field_caps"),
    },
    Route {
        pattern: &[lit("_index_template")],
        methods: &["GET"],
        api: RestApi::NotSimulated("index templates"),
    },
    Route {
        pattern: &[lit("_index_template"), V],
        methods: &["GET", "HEAD", "PUT", "POST", "DELETE"],
        api: RestApi::NotSimulated("index templates"),
    },
    Route {
        pattern: &[lit("_search"), lit("point_in_time")],
        methods: &["POST", "DELETE"],
        api: RestApi::NotSimulated("point in time"),
    },
    Route {
        pattern: &[V, lit("_search"), lit("point_in_time")],
        methods: &["POST"],
        api: RestApi::NotSimulated("point in time"),
    },
];

/// A successful answer.
enum Reply {
    Json {
        status: u16,
        body: Json,
        headers: Vec<(String, String)>,
    },
    Empty {
        status: u16,
        headers: Vec<(String, String)>,
    },
}

impl Reply {
    fn ok(body: Json) -> Self {
        Reply::Json {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    fn with_status(status: u16, body: Json) -> Self {
        Reply::Json {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

/// What a handler needs from the request.
struct Call<'r> {
    req: &'r Request,
    method: &'r str,
    params: BTreeMap<String, String>,
    now_ms: i64,
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The body parsed as a JSON request (not a document); `None` if empty.
    fn json_body(&self) -> Result<Option<Json>, OsError> {
        if self.req.body.is_empty() {
            return Ok(None);
        }
        let text = std::str::from_utf8(&self.req.body)
            .map_err(|_| OsError::parse("request body is not valid UTF-8"))?;
        json::parse(text)
            .map(Some)
            .map_err(|e| OsError::json_parse(&e))
    }

    /// A document body: the raw text (kept verbatim as `_source`).
    fn document_body(&self) -> Result<String, OsError> {
        if self.req.body.is_empty() {
            return Err(OsError::request_body_required());
        }
        String::from_utf8(self.req.body.clone()).map_err(|_| {
            OsError::mapper_parsing(
                "failed to parse",
                Some(super::error::Cause::new(
                    "json_parse_exception",
                    "Invalid UTF-8 middle byte",
                )),
            )
        })
    }

    /// AOSS accepts no refresh policy but `false` on writes.
    fn check_refresh(&self) -> Result<(), OsError> {
        match self.param("refresh") {
            None | Some("false") => Ok(()),
            Some("" | "true") => Err(OsError::refresh_not_supported("true")),
            Some("wait_for") => Err(OsError::refresh_not_supported("wait_for")),
            Some(other) => Err(OsError::illegal_argument(format!(
                "Unknown value for refresh: [{other}]."
            ))),
        }
    }
}

/// Answers one request to the collection endpoint.
pub(crate) fn handle(collection: &mut Collection, req: &Request, now_ms: i64) -> Response {
    let params = match decode_query(&req.query) {
        Ok(params) => params,
        Err(message) => return error_response(&OsError::illegal_argument(message), false, false),
    };
    // `?pretty` alone means true; OpenSearch honours it on errors too.
    let pretty = params.get("pretty").is_some_and(|v| v != "false");
    let head = req.method == "HEAD";
    match dispatch(collection, req, params, now_ms) {
        Ok(Reply::Json {
            status,
            body,
            headers,
        }) => {
            let mut response = if head {
                Response::new(status)
            } else {
                Response::with_body(status, CONTENT_TYPE, body.render(pretty))
            };
            for (name, value) in headers {
                response.set_header(&name, &value);
            }
            response
        }
        Ok(Reply::Empty { status, headers }) => {
            let mut response = Response::new(status);
            for (name, value) in headers {
                response.set_header(&name, &value);
            }
            response
        }
        Err(err) => error_response(&err, pretty, head),
    }
}

fn error_response(err: &OsError, pretty: bool, head: bool) -> Response {
    let mut response = match err.body_json() {
        Some(body) if !head => Response::with_body(err.status(), CONTENT_TYPE, body.render(pretty)),
        _ => Response::new(err.status()),
    };
    for (name, value) in err.headers() {
        response.set_header(name, value);
    }
    response
}

fn dispatch(
    collection: &mut Collection,
    req: &Request,
    params: BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Reply, OsError> {
    let raw_segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    if aoss_unsupported(&raw_segments) {
        return Err(OsError::aoss_unsupported());
    }
    let uri = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    // Most explicit routes first, as RestController's path trie tries them.
    let mut candidates: Vec<&Route> = ROUTES
        .iter()
        .filter(|route| {
            route.pattern.len() == raw_segments.len()
                && route
                    .pattern
                    .iter()
                    .zip(&raw_segments)
                    .all(|(p, s)| p.is_none_or(|lit| lit == *s))
        })
        .collect();
    candidates.sort_by_key(|route| route.pattern.iter().filter(|p| p.is_none()).count());
    let allowed: Vec<&str> = METHODS
        .iter()
        .copied()
        .filter(|m| candidates.iter().any(|r| r.methods.contains(m)))
        .collect();
    let method = req.method.as_str();
    if !METHODS.contains(&method) {
        // RestController cannot even name the method.
        let mut message = String::from("Unexpected HTTP method");
        if !allowed.is_empty() {
            message.push_str(&format!(", allowed: [{}]", allowed.join(", ")));
        }
        return Err(OsError::simple(405, message));
    }
    let Some(route) = candidates.iter().find(|r| r.methods.contains(&method)) else {
        if method == "OPTIONS" {
            // RestController answers OPTIONS itself, naming what the path allows.
            let mut headers = Vec::new();
            if !allowed.is_empty() {
                headers.push(("Allow".to_owned(), allowed.join(",")));
            }
            return Ok(Reply::Empty {
                status: 200,
                headers,
            });
        }
        if allowed.is_empty() {
            return Err(OsError::no_handler(
                &decoded_path_for_message(&req.path),
                method,
            ));
        }
        return Err(OsError::method_not_allowed(&uri, method, &allowed));
    };
    // Path variables are percent-decoded ('+' stays '+' in a path).
    let mut vars = Vec::new();
    for (pattern, raw) in route.pattern.iter().zip(&raw_segments) {
        if pattern.is_none() {
            vars.push(decode_component(raw, false).map_err(OsError::illegal_argument)?);
        }
    }
    if !req.body.is_empty() {
        check_content_type(req)?;
    }
    let call = Call {
        req,
        method,
        params,
        now_ms,
    };
    let var = |i: usize| vars.get(i).map(String::as_str).unwrap_or_default();
    match route.api {
        RestApi::Index => index_api(collection, &call, var(0)),
        RestApi::DocAutoId => {
            call.check_refresh()?;
            let op = op_type(&call)?;
            let body = call.document_body()?;
            let outcome = collection.write_doc(var(0), None, body, op, now_ms)?;
            Ok(write_reply(&outcome, true))
        }
        RestApi::Doc => doc_api(collection, &call, var(0), var(1)),
        RestApi::Create => {
            call.check_refresh()?;
            let body = call.document_body()?;
            let outcome =
                collection.write_doc(var(0), Some(var(1)), body, WriteOp::Create, now_ms)?;
            Ok(write_reply(&outcome, true))
        }
        RestApi::Update => {
            call.check_refresh()?;
            if call.req.body.is_empty() {
                return Err(OsError::request_body_required());
            }
            let body = call.json_body()?.unwrap_or(Json::Null);
            let outcome = collection.update_doc(var(0), var(1), &body, now_ms)?;
            Ok(write_reply(&outcome, false))
        }
        RestApi::Source => {
            let index = collection.index(var(0), "index_expression")?;
            match index.live(var(1)) {
                // The source alone; `_source=false` makes no sense here.
                Some((_, doc)) => Ok(Reply::ok(
                    source_json(doc, &source_filter_from_params(&call)?)
                        .unwrap_or_else(|| Json::Raw(doc.raw.clone())),
                )),
                None => Err(OsError::source_not_found(var(0), var(1))),
            }
        }
        RestApi::Search => search_api(collection, &call, vars.first().map(String::as_str)),
        RestApi::Count => count_api(collection, &call, vars.first().map(String::as_str)),
        RestApi::Mget => mget_api(collection, &call, vars.first().map(String::as_str)),
        RestApi::Mapping => mapping_api(collection, vars.first().map(String::as_str)),
        RestApi::Bulk => {
            call.check_refresh()?;
            if call.req.body.is_empty() {
                return Err(OsError::request_body_required());
            }
            let body = bulk::bulk(
                collection,
                vars.first().map(String::as_str),
                &call.req.body,
                now_ms,
            )?;
            Ok(Reply::ok(body))
        }
        RestApi::NotSimulated(what) => Err(OsError::not_simulated(what)),
    }
}

fn aoss_unsupported(segments: &[&str]) -> bool {
    match segments {
        [] => true,
        ["_search", "scroll" | "template", ..] => true,
        [first, ..] if AOSS_UNSUPPORTED_ROOT.contains(first) => true,
        [_, "_search", "template", ..] => true,
        [_, second, ..] if AOSS_UNSUPPORTED_INDEX.contains(second) => true,
        _ => false,
    }
}

/// RestController's 400 names `new URI(uri).getPath()`: the path, decoded;
/// a path Java's URI parser rejects gets a fixed message instead.
fn decoded_path_for_message(path: &str) -> String {
    let illegal = |c: char| c.is_ascii_control() || " \"<>\\^`{|}".contains(c);
    if path.chars().any(illegal) {
        return "invalid uri has been requested".to_owned();
    }
    match decode_component(path, false) {
        Ok(decoded) => decoded,
        Err(_) => "invalid uri has been requested".to_owned(),
    }
}

/// OpenSearch requires a Content-Type it can parse whenever there is a body.
fn check_content_type(req: &Request) -> Result<(), OsError> {
    let values: Vec<&str> = req.header_values("content-type").collect();
    let Some(first) = values.first() else {
        return Err(OsError::content_type(
            "Content-Type header is missing".to_owned(),
        ));
    };
    if values.len() > 1 {
        return Err(OsError::illegal_argument(
            "only one Content-Type header should be provided",
        ));
    }
    let media = first
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "application/x-ndjson" => Ok(()),
        "application/smile" | "application/cbor" | "application/yaml" => Err(
            OsError::not_simulated(format!("request bodies of type [{media}]")),
        ),
        _ => Err(OsError::content_type(format!(
            "Content-Type header [{}] is not supported",
            values.join(",")
        ))),
    }
}

/// RestUtils.decodeQueryString: `&` and `;` separate, `#` ends, `+` is a
/// space, a name without `=` has an empty value, later names win.
fn decode_query(query: &str) -> Result<BTreeMap<String, String>, String> {
    let query = query.split('#').next().unwrap_or_default();
    let mut params = BTreeMap::new();
    for pair in query.split(['&', ';']).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(
            decode_component(name, true)?,
            decode_component(value, true)?,
        );
    }
    Ok(params)
}

/// RestUtils.decodeComponent: `%XX` escapes as UTF-8 (`%%` is `%`).
fn decode_component(s: &str, plus_as_space: bool) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_as_space => out.push(b' '),
            b'%' => {
                if i + 1 >= bytes.len() {
                    return Err(format!(
                        "unterminated escape sequence at end of string: {s}"
                    ));
                }
                if bytes[i + 1] == b'%' {
                    out.push(b'%');
                    i += 2;
                    continue;
                }
                if i + 2 >= bytes.len() {
                    return Err(format!("partial escape sequence at end of string: {s}"));
                }
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        return Err(format!(
                            "invalid escape sequence `%{}{}' at index {i} of: {s}",
                            bytes[i + 1] as char,
                            bytes[i + 2] as char
                        ))
                    }
                }
                i += 3;
                continue;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `URLEncoder.encode` (UTF-8), as the `Location` header uses it: the
/// same set as form encoding (`*-._` and alphanumerics kept, space as `+`).
fn java_url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `_shards` of a write on AOSS (which reports no shard counts).
fn write_shards() -> Json {
    Json::object([
        ("total", Json::from(0u64)),
        ("successful", Json::from(0u64)),
        ("failed", Json::from(0u64)),
    ])
}

/// `_shards` of a search or count on AOSS.
pub(crate) fn search_shards() -> Json {
    Json::object([
        ("total", Json::from(0u64)),
        ("successful", Json::from(0u64)),
        ("skipped", Json::from(0u64)),
        ("failed", Json::from(0u64)),
    ])
}

/// A write response body, in DocWriteResponse's field order.
pub(crate) fn write_json(outcome: &WriteOutcome) -> Json {
    Json::object([
        ("_index", Json::from(outcome.index.as_str())),
        ("_id", Json::from(outcome.id.as_str())),
        ("_version", Json::from(outcome.version)),
        ("result", Json::from(outcome.result.as_str())),
        ("_shards", write_shards()),
        ("_seq_no", Json::from(0u64)),
        ("_primary_term", Json::from(0u64)),
    ])
}

/// The reply to a write; index API creations carry a `Location`.
fn write_reply(outcome: &WriteOutcome, location: bool) -> Reply {
    let status = outcome.result.status();
    let mut headers = Vec::new();
    if location && status == 201 {
        headers.push((
            "Location".to_owned(),
            format!(
                "/{}/_doc/{}",
                java_url_encode(&outcome.index),
                java_url_encode(&outcome.id)
            ),
        ));
    }
    Reply::Json {
        status,
        body: write_json(outcome),
        headers,
    }
}

fn op_type(call: &Call<'_>) -> Result<WriteOp, OsError> {
    match call.param("op_type") {
        None | Some("index") => Ok(WriteOp::Index),
        Some("create") => Ok(WriteOp::Create),
        Some(other) => Err(OsError::illegal_argument(format!(
            "opType must be 'create' or 'index', found: [{other}]"
        ))),
    }
}

fn index_api(collection: &mut Collection, call: &Call<'_>, name: &str) -> Result<Reply, OsError> {
    match call.method {
        "HEAD" => Ok(Reply::Empty {
            status: if collection.indexes.contains_key(name) {
                200
            } else {
                404
            },
            headers: Vec::new(),
        }),
        "GET" => {
            let names = collection.resolve_indexes(Some(name))?;
            let mut pairs = Vec::new();
            for name in names {
                let index = collection.index(&name, "index_or_alias")?;
                let settings = Json::object([(
                    "index",
                    Json::object([
                        ("creation_date", Json::from(index.created_at_ms.to_string())),
                        ("number_of_shards", Json::from("1")),
                        ("number_of_replicas", Json::from("0")),
                        ("uuid", Json::from(index.uuid.as_str())),
                        ("provided_name", Json::from(index.name.as_str())),
                    ]),
                )]);
                pairs.push((
                    name.clone(),
                    Json::object([
                        ("aliases", Json::Object(Vec::new())),
                        ("mappings", index.mapping.to_json()),
                        ("settings", settings),
                    ]),
                ));
            }
            Ok(Reply::ok(Json::Object(pairs)))
        }
        "PUT" => {
            let mut mapping = Mapping::default();
            if let Some(body) = call.json_body()? {
                let Json::Object(pairs) = &body else {
                    return Err(OsError::parse("Failed to derive xcontent"));
                };
                for (key, value) in pairs {
                    match key.as_str() {
                        "mappings" => mapping = Mapping::from_request(value)?,
                        // Shards, replicas and refresh are AOSS's to decide.
                        "settings" => {}
                        "aliases" if value == &Json::Object(Vec::new()) => {}
                        "aliases" => return Err(OsError::not_simulated("aliases")),
                        other => {
                            return Err(OsError::parse(format!(
                                "unknown key [{other}] for create index"
                            )))
                        }
                    }
                }
            }
            collection.create_index(name, mapping, call.now_ms)?;
            Ok(Reply::ok(Json::object([
                ("acknowledged", Json::Bool(true)),
                ("shards_acknowledged", Json::Bool(true)),
                ("index", Json::from(name)),
            ])))
        }
        _ => {
            for part in name.split(',') {
                if part.contains('*') || part == "_all" {
                    return Err(OsError::not_simulated("deleting indexes by pattern"));
                }
                collection.index(part, "index_or_alias")?;
            }
            for part in name.split(',') {
                collection.delete_index(part)?;
            }
            Ok(Reply::ok(Json::object([(
                "acknowledged",
                Json::Bool(true),
            )])))
        }
    }
}

fn doc_api(
    collection: &mut Collection,
    call: &Call<'_>,
    index: &str,
    id: &str,
) -> Result<Reply, OsError> {
    match call.method {
        "GET" | "HEAD" => {
            let filter = source_filter_from_params(call)?;
            let target = collection.index(index, "index_expression")?;
            match target.live(id) {
                Some((version, doc)) => Ok(Reply::ok(found_json(
                    index,
                    id,
                    version.version,
                    doc,
                    &filter,
                ))),
                None => Ok(Reply::with_status(404, not_found_json(index, id))),
            }
        }
        "DELETE" => {
            call.check_refresh()?;
            let outcome = collection.delete_doc(index, id, call.now_ms)?;
            Ok(write_reply(&outcome, false))
        }
        _ => {
            call.check_refresh()?;
            let op = op_type(call)?;
            let body = call.document_body()?;
            let outcome = collection.write_doc(index, Some(id), body, op, call.now_ms)?;
            Ok(write_reply(&outcome, true))
        }
    }
}

/// A found document, in GetResult's field order.
fn found_json(index: &str, id: &str, version: u64, doc: &StoredDoc, filter: &SourceFilter) -> Json {
    let mut pairs = vec![
        ("_index".to_owned(), Json::from(index)),
        ("_id".to_owned(), Json::from(id)),
        ("_version".to_owned(), Json::from(version)),
        ("_seq_no".to_owned(), Json::from(0u64)),
        ("_primary_term".to_owned(), Json::from(0u64)),
        ("found".to_owned(), Json::Bool(true)),
    ];
    if let Some(source) = source_json(doc, filter) {
        pairs.push(("_source".to_owned(), source));
    }
    Json::Object(pairs)
}

fn not_found_json(index: &str, id: &str) -> Json {
    Json::object([
        ("_index", Json::from(index)),
        ("_id", Json::from(id)),
        ("found", Json::Bool(false)),
    ])
}

/// `_source` as a response carries it: the stored bytes untouched unless
/// filtered.
fn source_json(doc: &StoredDoc, filter: &SourceFilter) -> Option<Json> {
    match filter {
        SourceFilter::All => Some(Json::Raw(doc.raw.clone())),
        SourceFilter::Off => None,
        SourceFilter::Filter { includes, excludes }
            if includes.is_empty() && excludes.is_empty() =>
        {
            Some(Json::Raw(doc.raw.clone()))
        }
        SourceFilter::Filter { includes, excludes } => {
            Some(request::filter_source(&doc.tree, includes, excludes))
        }
    }
}

/// `_source`, `_source_includes` and `_source_excludes` URL parameters.
fn source_filter_from_params(call: &Call<'_>) -> Result<SourceFilter, OsError> {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut filter = match call.param("_source") {
        None | Some("true") => SourceFilter::All,
        Some("false") => SourceFilter::Off,
        Some(patterns) => SourceFilter::Filter {
            includes: list(patterns),
            excludes: Vec::new(),
        },
    };
    let includes = call.param("_source_includes").map(list);
    let excludes = call.param("_source_excludes").map(list);
    if includes.is_some() || excludes.is_some() {
        let (base_in, base_ex) = match filter {
            SourceFilter::Filter { includes, excludes } => (includes, excludes),
            _ => (Vec::new(), Vec::new()),
        };
        filter = SourceFilter::Filter {
            includes: includes.unwrap_or(base_in),
            excludes: excludes.unwrap_or(base_ex),
        };
    }
    Ok(filter)
}

fn search_api(
    collection: &Collection,
    call: &Call<'_>,
    indexes: Option<&str>,
) -> Result<Reply, OsError> {
    let body = call.json_body()?;
    let mut request: SearchRequest = request::parse_search_body(body.as_ref())?;
    // URL parameters override the body, as RestSearchAction applies them
    // after parsing it.
    if call.param("q").is_some() {
        return Err(OsError::not_simulated("URI searches ([q])"));
    }
    if let Some(size) = call.param("size") {
        request.size = url_count("size", size)?;
    }
    if let Some(from) = call.param("from") {
        request.from = url_count("from", from)?;
    }
    if let Some(sort) = call.param("sort") {
        request.sort = Some(request::parse_sort_param(sort)?);
    }
    if call.param("track_scores").is_some_and(|v| v != "false") {
        request.track_scores = true;
    }
    if ["_source", "_source_includes", "_source_excludes"]
        .iter()
        .any(|p| call.param(p).is_some())
    {
        request.source = source_filter_from_params(call)?;
    }
    let source = request.source.clone();
    collection.run_search(indexes, &request, call.now_ms, |outcome| {
        Reply::ok(search_json(&outcome, &source))
    })
}

fn url_count(name: &str, value: &str) -> Result<usize, OsError> {
    let n: i64 = value.parse().map_err(|_| {
        OsError::illegal_argument(format!(
            "Failed to parse int parameter [{name}] with value [{value}]"
        ))
    })?;
    usize::try_from(n).map_err(|_| {
        OsError::illegal_argument(format!(
            "[{name}] parameter cannot be negative, found [{n}]"
        ))
    })
}

fn search_json(outcome: &SearchOutcome<'_>, filter: &SourceFilter) -> Json {
    let hits: Vec<Json> = outcome
        .hits
        .iter()
        .map(|hit| {
            let mut pairs = vec![
                ("_index".to_owned(), Json::from(hit.index.name.as_str())),
                ("_id".to_owned(), Json::from(hit.visible.id)),
                (
                    "_score".to_owned(),
                    hit.score.map_or(Json::Null, Json::Float),
                ),
            ];
            if let Some(source) = source_json(hit.visible.doc, filter) {
                pairs.push(("_source".to_owned(), source));
            }
            if let Some(sort) = &hit.sort {
                pairs.push(("sort".to_owned(), Json::Array(sort.clone())));
            }
            Json::Object(pairs)
        })
        .collect();
    let mut hits_pairs = Vec::new();
    if let Some((value, exact)) = outcome.total {
        hits_pairs.push((
            "total".to_owned(),
            Json::object([
                ("value", Json::from(value)),
                ("relation", Json::from(if exact { "eq" } else { "gte" })),
            ]),
        ));
    }
    hits_pairs.push((
        "max_score".to_owned(),
        outcome.max_score.map_or(Json::Null, Json::Float),
    ));
    hits_pairs.push(("hits".to_owned(), Json::Array(hits)));
    Json::object([
        ("took", Json::from(TOOK_MS)),
        ("timed_out", Json::Bool(false)),
        ("_shards", search_shards()),
        ("hits", Json::Object(hits_pairs)),
    ])
}

fn count_api(
    collection: &Collection,
    call: &Call<'_>,
    indexes: Option<&str>,
) -> Result<Reply, OsError> {
    if call.param("q").is_some() {
        return Err(OsError::not_simulated("URI counts ([q])"));
    }
    let mut query = query::Query::MatchAll { boost: 1.0 };
    if let Some(body) = call.json_body()? {
        let Json::Object(pairs) = &body else {
            return Err(OsError::parsing(format!(
                "Expected [START_OBJECT] but found [{}]",
                body.token_name()
            )));
        };
        for (key, value) in pairs {
            match key.as_str() {
                "query" => query = query::parse_query(value)?,
                other => {
                    return Err(OsError::parsing(format!(
                        "request does not support [{other}]"
                    )))
                }
            }
        }
    }
    let count = collection.run_count(indexes, &query, call.now_ms)?;
    Ok(Reply::ok(Json::object([
        ("count", Json::from(count)),
        ("_shards", search_shards()),
    ])))
}

fn mget_api(
    collection: &Collection,
    call: &Call<'_>,
    default_index: Option<&str>,
) -> Result<Reply, OsError> {
    let Some(body) = call.json_body()? else {
        return Err(OsError::parse(
            "request body or source parameter is required",
        ));
    };
    let Json::Object(pairs) = &body else {
        return Err(OsError::parse(format!(
            "unexpected token [{}], expected [docs] or [ids]",
            body.token_name()
        )));
    };
    let default_filter = source_filter_from_params(call)?;
    let mut wanted: Vec<(Option<String>, Option<String>, SourceFilter)> = Vec::new();
    for (key, value) in pairs {
        match (key.as_str(), value) {
            ("docs", Json::Array(docs)) => {
                for doc in docs {
                    let Json::Object(fields) = doc else {
                        return Err(OsError::illegal_argument(
                            "docs array element should include an object",
                        ));
                    };
                    let mut index = default_index.map(str::to_owned);
                    let mut id = None;
                    let mut filter = default_filter.clone();
                    for (field, v) in fields {
                        match field.as_str() {
                            "_index" => index = v.as_str().map(str::to_owned),
                            "_id" => id = Some(super::mapping::scalar_text(v)),
                            "_source" => filter = request::parse_source_filter(v)?,
                            "routing" | "_routing" => {}
                            other => {
                                return Err(OsError::parse(format!(
                                    "Unknown key for a {} in [{other}].",
                                    v.token_name()
                                )))
                            }
                        }
                    }
                    wanted.push((index, id, filter));
                }
            }
            ("ids", Json::Array(ids)) => {
                for id in ids {
                    wanted.push((
                        default_index.map(str::to_owned),
                        Some(super::mapping::scalar_text(id)),
                        default_filter.clone(),
                    ));
                }
            }
            (other, v) => {
                return Err(OsError::parse(format!(
                    "unknown key [{other}] for a {}, expected [docs] or [ids]",
                    v.token_name()
                )))
            }
        }
    }
    let mut problems = Vec::new();
    if wanted.is_empty() {
        problems.push("no documents to get".to_owned());
    }
    for (i, (index, id, _)) in wanted.iter().enumerate() {
        if index.is_none() {
            problems.push(format!("index is missing for doc {i}"));
        }
        if id.is_none() {
            problems.push(format!("id is missing for doc {i}"));
        }
    }
    if !problems.is_empty() {
        return Err(OsError::validation(&problems));
    }
    let docs = wanted
        .iter()
        .map(|(index, id, filter)| {
            let (index, id) = (index.as_deref().unwrap_or(""), id.as_deref().unwrap_or(""));
            match collection.index(index, "index_expression") {
                Err(err) => Json::object([
                    ("_index", Json::from(index)),
                    ("_id", Json::from(id)),
                    ("error", err.item_json(true)),
                ]),
                Ok(target) => match target.live(id) {
                    Some((version, doc)) => found_json(index, id, version.version, doc, filter),
                    None => not_found_json(index, id),
                },
            }
        })
        .collect();
    Ok(Reply::ok(Json::object([("docs", Json::Array(docs))])))
}

fn mapping_api(collection: &Collection, indexes: Option<&str>) -> Result<Reply, OsError> {
    let names = collection.resolve_indexes(indexes)?;
    let mut pairs = Vec::new();
    for name in names {
        let index = collection.index(&name, "index_or_alias")?;
        pairs.push((
            name.clone(),
            Json::object([("mappings", index.mapping.to_json())]),
        ));
    }
    Ok(Reply::ok(Json::Object(pairs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_like_restutils() {
        let params = decode_query("refresh&size=5;q=a+b%21&x=%%#frag=1").unwrap();
        assert_eq!(params["refresh"], "");
        assert_eq!(params["size"], "5");
        assert_eq!(params["q"], "a b!");
        assert_eq!(params["x"], "%");
        assert!(!params.contains_key("frag"));
        assert!(decode_query("a=%zz").is_err());
        assert_eq!(decode_component("a+b%20c", false).unwrap(), "a+b c");
    }

    #[test]
    fn location_encoding_is_javas() {
        assert_eq!(java_url_encode("1%3A0%3Ax y"), "1%253A0%253Ax+y");
        assert_eq!(java_url_encode("a-b_c.d*"), "a-b_c.d*");
    }
}
