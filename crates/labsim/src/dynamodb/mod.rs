//! DynamoDB and DynamoDB Streams, as the lab uses them.
//!
//! Two faces over one state:
//! - the wire: [`DynamoDb::handle`] takes an `X-Amz-Target` and a JSON body
//!   and answers exactly as AWS does (JSON 1.0 protocol, errors included);
//! - a typed API for the rest of the simulator: API Gateway's integration
//!   writes with [`DynamoDb::put_item`] (or through `handle`, to get AWS's
//!   errors for a broken mapping template), the Lambda poller reads with
//!   [`DynamoDb::stream_cursor`] / [`DynamoDb::read_stream`], and a timeline
//!   shows [`DynamoDb::events`].
//!
//! Nothing here does I/O or reads a clock: every call takes the time. Ids,
//! sequence numbers and request ids come from the seed.
//!
//! Signature checks and CORS are the caller's business, as for STS.

mod api;
mod attribute;
mod codec;
mod error;
mod expression;
mod items;
mod number;
mod reserved;
mod stream;
mod streams;
mod streams_api;
mod table;
mod wire;

#[cfg(test)]
mod streams_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::Value;

pub use attribute::{item_from_json, item_size, item_to_json, AttributeValue, Item, MAX_ITEM_SIZE};
pub use error::{DynamoDbError, ErrorKind};
pub use items::{RecordRef, WriteEvent, WriteOp};
pub use stream::{
    EventName, StreamRecord, StreamViewType, ITERATOR_TTL_MS, MAX_SHARD_READERS, READER_WINDOW_MS,
    RETENTION_MS,
};
pub use streams::{StartingPosition, StreamCursor};
pub use table::{KeyAttribute, KeySchema, ScalarType};
pub use wire::CONTENT_TYPE;

use crate::identity::DEMO_ACCOUNT;
use crate::message::Response;
use crate::rng::{SplitMix64, UPPER_ALNUM};
use table::Table;

/// The lab's table.
pub use lab_model::names::TABLE as LAB_TABLE;
/// Its partition key.
pub use lab_model::names::TABLE_KEY as LAB_TABLE_KEY;
/// `X-Amz-Target` prefix of DynamoDB operations.
pub const DYNAMODB_TARGET_PREFIX: &str = "DynamoDB_20120810.";
/// `X-Amz-Target` prefix of DynamoDB Streams operations.
pub const STREAMS_TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";
/// Shards close and split about every four hours in AWS.
pub const DEFAULT_SHARD_ROLLOVER_MS: i64 = 4 * 60 * 60 * 1000;
/// How long UpdateTable keeps a table UPDATING (AWS takes 3 to 5 s).
pub const DEFAULT_TABLE_UPDATE_MS: i64 = 4_000;

/// The lab's state at start, and the simulator's timings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DynamoDbConfig {
    pub region: String,
    pub account: String,
    /// Decides every id, sequence number and request id.
    pub seed: u64,
    /// Whether `lab-table` exists (chapter 2 done).
    pub lab_table: bool,
    /// Its stream at start. `None` (the default) is the state before chapter
    /// 4.1 step 2 turns it on (with `NEW_IMAGE`).
    pub lab_stream: Option<StreamViewType>,
    /// How long UpdateTable keeps the table UPDATING and a stream
    /// ENABLING/DISABLING.
    pub table_update_ms: i64,
    /// How often the open shard closes and a child shard opens; `None` only
    /// on demand ([`DynamoDb::roll_over_shard`]).
    pub shard_rollover_ms: Option<i64>,
}

impl DynamoDbConfig {
    pub fn new(seed: u64) -> Self {
        DynamoDbConfig {
            region: crate::DEFAULT_REGION.to_owned(),
            account: DEMO_ACCOUNT.to_owned(),
            seed,
            lab_table: true,
            lab_stream: None,
            table_update_ms: DEFAULT_TABLE_UPDATE_MS,
            shard_rollover_ms: Some(DEFAULT_SHARD_ROLLOVER_MS),
        }
    }
}

/// Which of the two APIs a request came to: DynamoDB's or DynamoDB
/// Streams' (each served at its own endpoint URL, both signed as
/// `dynamodb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamoDbApi {
    /// `dynamodb.{region}.amazonaws.com`
    DynamoDb,
    /// `streams.dynamodb.{region}.amazonaws.com`
    Streams,
}

/// The simulated service.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DynamoDb {
    config: DynamoDbConfig,
    tables: BTreeMap<String, Table>,
    /// Every stream ever enabled, in order; tables point into it.
    streams: Vec<stream::Stream>,
    /// The next sequence number to hand out (service-wide, so it only grows).
    #[serde(with = "crate::snapshot::decimal")]
    next_seq: u128,
    ids: SplitMix64,
    /// Apart from `ids`, so ids do not depend on how many requests came.
    request_ids: SplitMix64,
    iterator_key: [u8; 16],
    events: Vec<WriteEvent>,
    /// The last reader number handed out (iterator chains and cursors).
    next_reader: u64,
    /// Per (stream, shard) index: each reader and when it last read.
    #[serde(with = "crate::snapshot::pairs")]
    readers: BTreeMap<(usize, usize), Vec<(u64, i64)>>,
    /// Whether a shard's third reader is refused.
    reader_limit: bool,
}

impl DynamoDb {
    /// The service at `now_ms`, with the lab's table as configured.
    pub fn new(config: DynamoDbConfig, now_ms: i64) -> Self {
        let mut ids = SplitMix64::new(config.seed ^ 0xD1A0_0DB0_5EED_0001);
        let request_ids = SplitMix64::new(config.seed ^ 0x5E0_0E57_1D00_0002);
        let mut iterator_key = [0u8; 16];
        iterator_key[..8].copy_from_slice(&ids.next_u64().to_be_bytes());
        iterator_key[8..].copy_from_slice(&ids.next_u64().to_be_bytes());
        // 21 digits, starting somewhere the seed decides.
        let next_seq =
            100_000_000_000_000_000_000 + u128::from(ids.next_u64() % 1_000_000_000_000_000_000);
        let mut db = DynamoDb {
            tables: BTreeMap::new(),
            streams: Vec::new(),
            next_seq,
            ids,
            request_ids,
            iterator_key,
            events: Vec::new(),
            next_reader: 0,
            readers: BTreeMap::new(),
            reader_limit: true,
            config,
        };
        if db.config.lab_table {
            let schema = KeySchema::hash_only(LAB_TABLE_KEY, ScalarType::S);
            db.create_table(LAB_TABLE, schema, now_ms);
            if let Some(view) = db.config.lab_stream {
                // Set up before the learner arrives: no transition to watch.
                if let Some(index) = db.open_stream(LAB_TABLE, view, now_ms) {
                    db.streams[index].enabled_settles_ms = now_ms;
                }
            }
        }
        db
    }

    pub fn config(&self) -> &DynamoDbConfig {
        &self.config
    }

    /// Creates a table (as the console's "Create table" with default
    /// settings: on-demand, no stream). Replaces nothing: `false` if a table
    /// of that name exists.
    pub fn create_table(&mut self, name: &str, key_schema: KeySchema, now_ms: i64) -> bool {
        if self.tables.contains_key(name) {
            return false;
        }
        let table_id = self.ids.uuid();
        let table = Table::new(name, key_schema, now_ms, table_id);
        self.tables.insert(name.to_owned(), table);
        true
    }

    /// Deletes a table; its streams stay listed, DISABLED, as in AWS.
    pub fn delete_table(&mut self, name: &str, now_ms: i64) -> bool {
        self.tick(now_ms);
        let Some(table) = self.tables.remove(name) else {
            return false;
        };
        if let Some(index) = table.stream {
            self.close_stream(index, now_ms);
        }
        true
    }

    /// DescribeTable's `Table` object, for the simulator's own views.
    pub fn describe_table(&self, table: &str, now_ms: i64) -> Result<Value, DynamoDbError> {
        let t = self
            .table(table)
            .ok_or_else(|| DynamoDbError::table_not_found_named(table))?;
        Ok(self.describe(t, now_ms))
    }

    /// Answers one request to either API (the target's prefix decides).
    pub fn handle(&mut self, target: &str, body: &[u8], now_ms: i64) -> Response {
        self.answer(None, target, body, now_ms)
    }

    /// Answers one request to `api`; a target of the other API is an
    /// unknown operation there, as in AWS.
    pub fn handle_at(
        &mut self,
        api: DynamoDbApi,
        target: &str,
        body: &[u8],
        now_ms: i64,
    ) -> Response {
        self.answer(Some(api), target, body, now_ms)
    }

    fn answer(
        &mut self,
        api: Option<DynamoDbApi>,
        target: &str,
        body: &[u8],
        now_ms: i64,
    ) -> Response {
        let request_id = self.request_ids.string(UPPER_ALNUM, 52);
        let result = self.dispatch(api, target, body, now_ms);
        wire::response(result, &request_id)
    }

    fn dispatch(
        &mut self,
        api: Option<DynamoDbApi>,
        target: &str,
        body: &[u8],
        now_ms: i64,
    ) -> Result<Value, DynamoDbError> {
        // AWS reads the body before it looks at the target.
        let parsed = if body.is_empty() {
            None
        } else {
            Some(wire::parse_body(body)?)
        };
        let unknown = || DynamoDbError::bare(ErrorKind::UnknownOperation);
        let (prefix, operation) = target.split_once('.').ok_or_else(unknown)?;
        let at = match prefix {
            "DynamoDB_20120810" => DynamoDbApi::DynamoDb,
            "DynamoDBStreams_20120810" => DynamoDbApi::Streams,
            _ => return Err(unknown()),
        };
        if api.is_some_and(|a| a != at) {
            return Err(unknown());
        }
        let known = match at {
            DynamoDbApi::DynamoDb => api::OPERATIONS.contains(&operation),
            DynamoDbApi::Streams => streams_api::OPERATIONS.contains(&operation),
        };
        if !known {
            return Err(unknown());
        }
        let Some(fields) = parsed else {
            return Err(DynamoDbError::bare(ErrorKind::Serialization));
        };
        self.tick(now_ms);
        let fields = wire::Fields(&fields);
        match at {
            DynamoDbApi::DynamoDb => self.call(operation, fields, now_ms),
            DynamoDbApi::Streams => self.call_streams(operation, fields, now_ms),
        }
    }

    /// A table by name or ARN (DynamoDB takes either).
    fn table_name<'a>(&self, name_or_arn: &'a str) -> &'a str {
        let prefix = format!(
            "arn:aws:dynamodb:{}:{}:table/",
            self.config.region, self.config.account
        );
        name_or_arn
            .strip_prefix(prefix.as_str())
            .unwrap_or(name_or_arn)
    }

    fn table(&self, name_or_arn: &str) -> Option<&Table> {
        self.tables.get(self.table_name(name_or_arn))
    }

    fn table_mut(&mut self, name_or_arn: &str) -> Option<&mut Table> {
        let name = self.table_name(name_or_arn).to_owned();
        self.tables.get_mut(&name)
    }

    fn table_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{name}",
            self.config.region, self.config.account
        )
    }

    /// 32 hex digits, as stream records' `eventID`.
    fn event_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.ids.next_u64(), self.ids.next_u64())
    }
}
