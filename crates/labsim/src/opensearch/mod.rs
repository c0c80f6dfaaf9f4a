//! OpenSearch Serverless data plane: one Search collection.
//!
//! A [`Collection`] holds indexes and answers the collection endpoint's
//! HTTP API ([`Collection::handle`]; SigV4 is checked before this, elsewhere)
//! as AOSS does, including where AOSS differs from self-managed OpenSearch:
//!
//! - Search lags writes by a refresh interval (AWS documents 10 to 60 s,
//!   not configurable there; [`CollectionConfig::refresh_lag`] here, fixed
//!   or drawn per write from a range): a search sees a write, replacement
//!   or deletion only once `now_ms >= written_at + lag`, while GET by id
//!   sees it at once.
//! - `_refresh`, `GET /` and the other APIs AOSS lacks answer 404 with an
//!   empty body; `?refresh=true|wait_for` on a write is a 400.
//! - Generated ids carry AOSS's `1%3A0%3A` prefix before the 20 base64url
//!   characters self-managed OpenSearch would give (seen in AWS's own
//!   samples); `_shards` counts and `_seq_no`/`_primary_term` are 0.
//!
//! What the workshop's stream Lambda sends fails as it does on AOSS: `PUT
//! /{index}/_doc` (MODIFY, no id) is a 405, `DELETE /{index}/_doc<id>`
//! (REMOVE, no slash) a 400 "no handler found"; only INSERT (`POST
//! /{index}/_doc`) lands.
//!
//! Nothing here does I/O or reads a clock; ids come from a seeded
//! [`SplitMix64`]. Besides HTTP there are typed helpers for tests and a
//! ground-truth [`TimelineEntry`] list of every write and when it became
//! searchable.

mod analysis;
mod api;
mod bulk;
mod error;
pub mod front_end;
mod index;
mod json;
mod mapping;
mod query;
mod refresh;
mod request;
mod score;
mod search;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use error::OsError;
pub use refresh::{RefreshLag, RefreshLagError, DEFAULT_REFRESH_LAG_MS, MAX_REFRESH_LAG_MS};

use crate::message::{Request, Response};
use crate::rng::SplitMix64;

use self::index::{Index, StoredDoc};
use self::json::Json;
use self::mapping::Mapping;
use self::request::SearchRequest;
use self::score::Searcher;
use self::search::SearchOutcome;

/// What AOSS puts before the 20-character id OpenSearch generates
/// (`1%3A0%3ALkidTIgBbiu_ytx_zXnH` in AWS's documentation).
pub const AOSS_AUTO_ID_PREFIX: &str = "1%3A0%3A";

/// The alphabet of OpenSearch's generated ids (URL-safe base64).
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The longest document id OpenSearch accepts, in bytes.
const MAX_ID_BYTES: usize = 512;

/// The longest index name, in bytes.
const MAX_INDEX_NAME_BYTES: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CollectionConfig {
    /// How long from a write until search sees it.
    pub refresh_lag: RefreshLag,
    /// Decides generated document ids and index uuids.
    pub seed: u64,
    /// Put before each generated 20-character id; empty gives
    /// self-managed OpenSearch's plain ids.
    pub auto_id_prefix: String,
}

impl CollectionConfig {
    pub fn new(seed: u64) -> Self {
        CollectionConfig {
            refresh_lag: RefreshLag::default(),
            seed,
            auto_id_prefix: AOSS_AUTO_ID_PREFIX.to_owned(),
        }
    }
}

impl Default for CollectionConfig {
    fn default() -> Self {
        CollectionConfig::new(0)
    }
}

/// What a write did, as the `result` field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResult {
    Created,
    Updated,
    Deleted,
    NotFound,
    Noop,
}

impl WriteResult {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteResult::Created => "created",
            WriteResult::Updated => "updated",
            WriteResult::Deleted => "deleted",
            WriteResult::NotFound => "not_found",
            WriteResult::Noop => "noop",
        }
    }

    /// The HTTP status OpenSearch answers the write with.
    pub fn status(self) -> u16 {
        match self {
            WriteResult::Created => 201,
            WriteResult::NotFound => 404,
            _ => 200,
        }
    }
}

/// The outcome of one document write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    pub index: String,
    pub id: String,
    pub version: u64,
    pub result: WriteResult,
    pub written_at_ms: i64,
    /// When search will see this write (`written_at_ms` + refresh lag).
    pub searchable_at_ms: i64,
}

/// A document as GET returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub index: String,
    pub id: String,
    pub version: u64,
    pub source: serde_json::Value,
    /// The source exactly as it was sent.
    pub raw_source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub index: String,
    pub id: String,
    /// `None` when the search sorted by fields and did not track scores.
    pub score: Option<f32>,
    pub source: serde_json::Value,
    /// The hit's `sort` values, when the search sorted.
    pub sort: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Matching documents (all of them, whatever `size` says).
    pub total: u64,
    pub max_score: Option<f32>,
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimelineAction {
    Created,
    Updated,
    Deleted,
}

/// Ground truth about one write: when it happened and when search saw it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEntry {
    /// Write order across the collection, from 1.
    pub seq: u64,
    pub index: String,
    pub id: String,
    pub action: TimelineAction,
    pub version: u64,
    pub written_at_ms: i64,
    pub searchable_at_ms: i64,
}

/// How a document write treats an existing document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteOp {
    /// Create or replace.
    Index,
    /// Create only; an existing document is a version conflict.
    Create,
}

/// An OpenSearch Serverless Search collection.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Collection {
    config: CollectionConfig,
    indexes: BTreeMap<String, Index>,
    ids: SplitMix64,
    /// Draws each write's refresh lag when it is a range; apart from `ids`
    /// so that document ids do not depend on it.
    lags: SplitMix64,
    /// Named in shard failures, as the node that failed.
    node_id: String,
    write_seq: u64,
    timeline: Vec<TimelineEntry>,
}

impl Collection {
    pub fn new(config: CollectionConfig) -> Self {
        let mut ids = SplitMix64::new(config.seed);
        let node_id = ids.string(BASE64URL, 22);
        Collection {
            lags: SplitMix64::new(config.seed ^ 0x1A6_0000_0000_0010),
            config,
            indexes: BTreeMap::new(),
            ids,
            node_id,
            write_seq: 0,
            timeline: Vec::new(),
        }
    }

    pub fn config(&self) -> &CollectionConfig {
        &self.config
    }

    pub fn refresh_lag(&self) -> RefreshLag {
        self.config.refresh_lag
    }

    /// The lag of writes from now on (those already made keep theirs).
    pub fn set_refresh_lag(&mut self, lag: RefreshLag) {
        self.config.refresh_lag = lag;
    }

    /// Back to empty, as if just created with the same configuration.
    pub fn reset(&mut self) {
        *self = Collection::new(self.config.clone());
    }

    /// Answers one request to the collection endpoint at `now_ms`.
    pub fn handle(&mut self, req: &Request, now_ms: i64) -> Response {
        api::handle(self, req, now_ms)
    }

    // ---- Typed helpers: the same operations as the HTTP API. ----

    /// `POST /{index}/_doc` (no `id`) or `PUT /{index}/_doc/{id}`.
    pub fn index_document(
        &mut self,
        index: &str,
        id: Option<&str>,
        source: &str,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        self.write_doc(index, id, source.to_owned(), WriteOp::Index, now_ms)
    }

    /// `DELETE /{index}/_doc/{id}`; a missing document is
    /// `WriteResult::NotFound`, not an error.
    pub fn delete_document(
        &mut self,
        index: &str,
        id: &str,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        self.delete_doc(index, id, now_ms)
    }

    /// `GET /{index}/_doc/{id}`: the latest write, refresh or not.
    pub fn get_document(&self, index: &str, id: &str) -> Result<Option<Document>, OsError> {
        let index_ref = self
            .indexes
            .get(index)
            .ok_or_else(|| OsError::index_not_found(index, "index_expression"))?;
        Ok(index_ref.live(id).map(|(version, doc)| Document {
            index: index.to_owned(),
            id: id.to_owned(),
            version: version.version,
            source: doc.tree.to_value(),
            raw_source: doc.raw.clone(),
        }))
    }

    /// `POST /{indexes}/_search` with `body` at `now_ms`.
    pub fn search(
        &self,
        indexes: &str,
        body: &serde_json::Value,
        now_ms: i64,
    ) -> Result<SearchResult, OsError> {
        let request = request::parse_search_body(Some(&Json::from_value(body)))?;
        let names = self.resolve_indexes(Some(indexes))?;
        let searchers = self.searchers(&names, now_ms);
        let outcome = search::search(&searchers, &request, &self.node_id)?;
        let SearchOutcome {
            total,
            max_score,
            hits,
        } = outcome;
        Ok(SearchResult {
            total: total.map_or(0, |(n, _)| n),
            max_score,
            hits: hits
                .into_iter()
                .map(|hit| SearchHit {
                    index: hit.index.name.clone(),
                    id: hit.visible.id.to_owned(),
                    score: hit.score,
                    source: hit.visible.doc.tree.to_value(),
                    sort: hit
                        .sort
                        .unwrap_or_default()
                        .iter()
                        .map(Json::to_value)
                        .collect(),
                })
                .collect(),
        })
    }

    /// `POST /{indexes}/_count` with `{"query": query}`.
    pub fn count(
        &self,
        indexes: &str,
        query: &serde_json::Value,
        now_ms: i64,
    ) -> Result<u64, OsError> {
        let query = query::parse_query(&Json::from_value(query))?;
        let names = self.resolve_indexes(Some(indexes))?;
        let searchers = self.searchers(&names, now_ms);
        search::count(&searchers, &query, &self.node_id)
    }

    /// The `mappings` of `index`, as `GET /{index}/_mapping` shows them.
    pub fn mapping(&self, index: &str) -> Option<serde_json::Value> {
        self.indexes
            .get(index)
            .map(|i| i.mapping.to_json().to_value())
    }

    pub fn index_names(&self) -> Vec<String> {
        self.indexes.keys().cloned().collect()
    }

    /// Ids of the documents GET finds in `index`, sorted.
    pub fn document_ids(&self, index: &str) -> Vec<String> {
        self.indexes
            .get(index)
            .map(|i| i.live_ids().into_iter().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Ids a search of `index` at `now_ms` sees, in index order.
    pub fn searchable_ids(&self, index: &str, now_ms: i64) -> Vec<String> {
        self.indexes
            .get(index)
            .map(|i| {
                i.searchable(now_ms)
                    .iter()
                    .map(|v| v.id.to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every write that changed a document, in order.
    pub fn timeline(&self) -> &[TimelineEntry] {
        &self.timeline
    }

    /// The source of version `version` of document `id` as sent; for a
    /// deletion, that of the last version before it.
    pub fn source_of_version(&self, index: &str, id: &str, version: u64) -> Option<&str> {
        self.indexes
            .get(index)?
            .versions(id)
            .iter()
            .rev()
            .filter(|v| v.version <= version)
            .find_map(|v| v.doc.as_ref())
            .map(|doc| doc.raw.as_str())
    }

    // ---- Core operations shared by HTTP and the helpers. ----

    fn new_id(&mut self) -> String {
        format!(
            "{}{}",
            self.config.auto_id_prefix,
            self.ids.string(BASE64URL, 20)
        )
    }

    fn new_uuid(&mut self) -> String {
        self.ids.string(BASE64URL, 22)
    }

    fn index(&self, name: &str, resource_type: &str) -> Result<&Index, OsError> {
        self.indexes
            .get(name)
            .ok_or_else(|| OsError::index_not_found(name, resource_type))
    }

    /// The index a write goes to, created (with dynamic mapping) on first
    /// write as OpenSearch's auto-create does.
    fn index_for_write(&mut self, name: &str, now_ms: i64) -> Result<&mut Index, OsError> {
        if !self.indexes.contains_key(name) {
            validate_index_name(name)?;
            let uuid = self.new_uuid();
            self.indexes.insert(
                name.to_owned(),
                Index::new(name, uuid, now_ms, Mapping::default()),
            );
        }
        self.indexes
            .get_mut(name)
            .ok_or_else(|| OsError::index_not_found(name, "index_expression"))
    }

    pub(crate) fn create_index(
        &mut self,
        name: &str,
        mapping: Mapping,
        now_ms: i64,
    ) -> Result<(), OsError> {
        if let Some(existing) = self.indexes.get(name) {
            return Err(OsError::index_exists(name, &existing.uuid));
        }
        validate_index_name(name)?;
        let uuid = self.new_uuid();
        self.indexes
            .insert(name.to_owned(), Index::new(name, uuid, now_ms, mapping));
        Ok(())
    }

    pub(crate) fn delete_index(&mut self, name: &str) -> Result<(), OsError> {
        self.indexes
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| OsError::index_not_found(name, "index_or_alias"))
    }

    /// Writes document `id` (generated when `None`) with source `raw`.
    pub(crate) fn write_doc(
        &mut self,
        index: &str,
        id: Option<&str>,
        raw: String,
        op: WriteOp,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        if let Some(id) = id {
            validate_id(id)?;
        }
        let id = match id {
            Some(id) => id.to_owned(),
            None => self.new_id(),
        };
        // The index is auto-created before the document is parsed, so a
        // rejected first document still leaves the index behind.
        self.index_for_write(index, now_ms)?;
        if raw.is_empty() {
            return Err(OsError::mapper_parsing(
                "failed to parse, document is empty",
                None,
            ));
        }
        let tree = json::parse(&raw).map_err(|e| OsError::document_not_json(&e))?;
        self.store(index, &id, raw, tree, op, now_ms)
    }

    /// Validates `tree` against the mapping and records it.
    fn store(
        &mut self,
        index: &str,
        id: &str,
        raw: String,
        tree: Json,
        op: WriteOp,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        let seq = self.write_seq + 1;
        self.index_for_write(index, now_ms)?;
        // Borrowed field by field: the lag is drawn while the index is held.
        let Collection {
            indexes,
            lags,
            config,
            ..
        } = self;
        let target = indexes
            .get_mut(index)
            .ok_or_else(|| OsError::index_not_found(index, "index_expression"))?;
        if let (WriteOp::Create, Some((version, _))) = (op, target.live(id)) {
            return Err(OsError::version_conflict(
                index,
                &target.uuid,
                id,
                version.version,
            ));
        }
        let (new_mapping, fields) = target.mapping.index_document(&tree, id)?;
        if let Some(mapping) = new_mapping {
            target.mapping = mapping;
        }
        let existed = target.live(id).is_some();
        let lag_ms = config.refresh_lag.draw(lags);
        let version = target.write(
            id,
            Some(StoredDoc { raw, tree, fields }),
            now_ms,
            lag_ms,
            seq,
        );
        let stamp = (version.version, version.searchable_at_ms);
        self.write_seq = seq;
        let (result, action) = if existed {
            (WriteResult::Updated, TimelineAction::Updated)
        } else {
            (WriteResult::Created, TimelineAction::Created)
        };
        Ok(self.record(index, id, stamp, result, Some(action), now_ms))
    }

    /// Notes a write's outcome; `(version, searchable_at_ms)` is what the
    /// index recorded.
    fn record(
        &mut self,
        index: &str,
        id: &str,
        (version, searchable_at_ms): (u64, i64),
        result: WriteResult,
        action: Option<TimelineAction>,
        now_ms: i64,
    ) -> WriteOutcome {
        if let Some(action) = action {
            self.timeline.push(TimelineEntry {
                seq: self.write_seq,
                index: index.to_owned(),
                id: id.to_owned(),
                action,
                version,
                written_at_ms: now_ms,
                searchable_at_ms,
            });
        }
        WriteOutcome {
            index: index.to_owned(),
            id: id.to_owned(),
            version,
            result,
            written_at_ms: now_ms,
            searchable_at_ms,
        }
    }

    pub(crate) fn delete_doc(
        &mut self,
        index: &str,
        id: &str,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        validate_id(id)?;
        let seq = self.write_seq + 1;
        // A delete never creates its index.
        let target = self
            .indexes
            .get_mut(index)
            .ok_or_else(|| OsError::index_not_found(index, "index_expression"))?;
        let existed = target.live(id).is_some();
        // Deleting a missing document still leaves a tombstone, so the
        // version moves on either way, as in OpenSearch.
        let lag_ms = self.config.refresh_lag.draw(&mut self.lags);
        let version = target.write(id, None, now_ms, lag_ms, seq);
        let stamp = (version.version, version.searchable_at_ms);
        self.write_seq = seq;
        Ok(if existed {
            self.record(
                index,
                id,
                stamp,
                WriteResult::Deleted,
                Some(TimelineAction::Deleted),
                now_ms,
            )
        } else {
            self.record(index, id, stamp, WriteResult::NotFound, None, now_ms)
        })
    }

    /// `POST /{index}/_update/{id}` with `{"doc": ..}` (and upserts).
    pub(crate) fn update_doc(
        &mut self,
        index: &str,
        id: &str,
        body: &Json,
        now_ms: i64,
    ) -> Result<WriteOutcome, OsError> {
        validate_id(id)?;
        let Json::Object(params) = body else {
            return Err(OsError::parsing(format!(
                "Expected [START_OBJECT] but found [{}]",
                body.token_name()
            )));
        };
        let mut doc = None;
        let mut upsert = None;
        let mut doc_as_upsert = false;
        let mut detect_noop = true;
        for (key, value) in params {
            match key.as_str() {
                "doc" => doc = Some(value),
                "upsert" => upsert = Some(value),
                "doc_as_upsert" => doc_as_upsert = value == &Json::Bool(true),
                "detect_noop" => detect_noop = value != &Json::Bool(false),
                "_source" => {}
                "script" | "scripted_upsert" => {
                    return Err(OsError::not_simulated("scripted updates"))
                }
                other => {
                    return Err(OsError::parsing(format!(
                        "[UpdateRequest] unknown field [{other}]"
                    )))
                }
            }
        }
        let target = self.index_for_write(index, now_ms)?;
        let uuid = target.uuid.clone();
        let current = target
            .live(id)
            .map(|(v, d)| ((v.version, v.searchable_at_ms), d.tree.clone()));
        let Some((current_stamp, current_tree)) = current else {
            let inserted = match (upsert, doc) {
                (Some(upsert), _) => upsert,
                (None, Some(doc)) if doc_as_upsert => doc,
                _ => return Err(OsError::document_missing(index, &uuid, id)),
            };
            return self.store(
                index,
                id,
                inserted.to_compact(),
                inserted.clone(),
                WriteOp::Index,
                now_ms,
            );
        };
        let Some(doc) = doc else {
            return Err(OsError::validation(
                &["script or doc is missing".to_owned()],
            ));
        };
        let merged = merge(&current_tree, doc);
        if detect_noop && merged == current_tree {
            // Nothing written: the current version's times stand.
            return Ok(self.record(index, id, current_stamp, WriteResult::Noop, None, now_ms));
        }
        self.store(
            index,
            id,
            merged.to_compact(),
            merged,
            WriteOp::Index,
            now_ms,
        )
    }

    /// The indexes an index expression names: `_all`, `*`, globs and
    /// comma-separated lists; a missing concrete name is a 404.
    pub(crate) fn resolve_indexes(&self, expression: Option<&str>) -> Result<Vec<String>, OsError> {
        let expression = expression.unwrap_or("_all");
        let mut names: Vec<String> = Vec::new();
        for part in expression.split(',').filter(|p| !p.is_empty()) {
            if let Some(excluded) = part.strip_prefix('-').filter(|_| !names.is_empty()) {
                names.retain(|n| !query_glob(excluded, n));
            } else if part == "_all" || part.contains('*') {
                let pattern = if part == "_all" { "*" } else { part };
                for name in self.indexes.keys() {
                    if query_glob(pattern, name) && !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            } else {
                self.index(part, "index_or_alias")?;
                if !names.iter().any(|n| n == part) {
                    names.push(part.to_owned());
                }
            }
        }
        Ok(names)
    }

    fn searchers(&self, names: &[String], now_ms: i64) -> Vec<Searcher<'_>> {
        names
            .iter()
            .filter_map(|name| self.indexes.get(name))
            .map(|index| Searcher::new(index, now_ms))
            .collect()
    }

    pub(crate) fn run_search<R>(
        &self,
        expression: Option<&str>,
        request: &SearchRequest,
        now_ms: i64,
        render: impl FnOnce(SearchOutcome<'_>) -> R,
    ) -> Result<R, OsError> {
        let names = self.resolve_indexes(expression)?;
        let searchers = self.searchers(&names, now_ms);
        let outcome = search::search(&searchers, request, &self.node_id)?;
        Ok(render(outcome))
    }

    pub(crate) fn run_count(
        &self,
        expression: Option<&str>,
        query: &query::Query,
        now_ms: i64,
    ) -> Result<u64, OsError> {
        let names = self.resolve_indexes(expression)?;
        let searchers = self.searchers(&names, now_ms);
        search::count(&searchers, query, &self.node_id)
    }
}

/// `*` patterns over index names.
fn query_glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => name.strip_prefix(head).is_some_and(|rest| {
            tail.is_empty()
                || (0..=rest.len())
                    .filter(|i| rest.is_char_boundary(*i))
                    .any(|i| query_glob(tail, &rest[i..]))
        }),
    }
}

/// OpenSearch's merge for partial updates: objects merge key by key (new
/// keys appended), anything else is replaced.
fn merge(current: &Json, changes: &Json) -> Json {
    match (current, changes) {
        (Json::Object(base), Json::Object(updates)) => {
            let mut merged = base.clone();
            for (key, value) in updates {
                match merged.iter_mut().find(|(k, _)| k == key) {
                    Some((_, existing)) => *existing = merge(existing, value),
                    None => merged.push((key.clone(), value.clone())),
                }
            }
            Json::Object(merged)
        }
        (_, replacement) => replacement.clone(),
    }
}

fn validate_id(id: &str) -> Result<(), OsError> {
    if id.len() > MAX_ID_BYTES {
        return Err(OsError::validation(&[format!(
            "id [{id}] is too long, must be no longer than {MAX_ID_BYTES} bytes but was: {}",
            id.len()
        )]));
    }
    Ok(())
}

/// OpenSearch's rules for a new index's name, checked in its order.
pub(crate) fn validate_index_name(name: &str) -> Result<(), OsError> {
    const INVALID: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ','];
    let why = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.contains(INVALID) {
        // The order Java prints its HashSet of these characters in.
        Some(
            "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]".to_owned(),
        )
    } else if name.contains('#') {
        Some("must not contain '#'".to_owned())
    } else if name.contains(':') {
        Some("must not contain ':'".to_owned())
    } else if name.starts_with(['_', '-', '+']) {
        Some("must not start with '_', '-', or '+'".to_owned())
    } else if name.len() > MAX_INDEX_NAME_BYTES {
        Some(format!(
            "index name is too long, ({} > {MAX_INDEX_NAME_BYTES})",
            name.len()
        ))
    } else if name == "." || name == ".." {
        Some("must not be '.' or '..'".to_owned())
    } else if name.to_lowercase() != name {
        Some("must be lowercase".to_owned())
    } else {
        None
    };
    match why {
        Some(why) => Err(OsError::invalid_index_name(name, &why)),
        None => Ok(()),
    }
}
