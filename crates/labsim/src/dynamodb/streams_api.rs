//! DynamoDB Streams over the wire: ListStreams, DescribeStream,
//! GetShardIterator, GetRecords (target prefix `DynamoDBStreams_20120810.`).
//!
//! Facts reproduced (from AWS's documentation and from tests that ran
//! against AWS, such as ScyllaDB's Alternator suite): a malformed stream ARN
//! is a ValidationException while a well-formed unknown one is
//! ResourceNotFoundException; an unknown shard is ResourceNotFoundException;
//! an `ExclusiveStartShardId` that matches nothing gives an empty page;
//! `NextShardIterator` is absent (not null) once a closed shard is read to
//! its end; `Records` is always present, possibly empty.
//!
//! DescribeStream pages through at most 100 shards at a time and, with
//! `ShardFilter {Type: CHILD_SHARDS, ShardId}`, lists only that shard's
//! children; shards that closed more than 24 hours ago are no longer listed.
//! GetShardIterator at a sequence number behind the 24-hour trim point is
//! TrimmedDataAccessException.

use serde_json::{json, Map, Value};

use super::error::{DynamoDbError, ErrorKind};
use super::stream::{parse_stream_arn, Shard, Stream};
use super::streams::IteratorStart;
use super::wire::{Fields, Violations};
use super::DynamoDb;

pub(crate) const OPERATIONS: &[&str] = &[
    "DescribeStream",
    "GetRecords",
    "GetShardIterator",
    "ListStreams",
];

const SHARD_FILTER_TYPES: &[&str] = &["CHILD_SHARDS"];

const ITERATOR_TYPES: &[&str] = &[
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
];

fn validation(message: String) -> DynamoDbError {
    DynamoDbError::validation(message)
}

/// A well-formed stream ARN, or AWS's ValidationException.
fn check_arn(arn: &str) -> Result<(), DynamoDbError> {
    match parse_stream_arn(arn) {
        Some(_) => Ok(()),
        None => Err(validation(format!("Invalid StreamArn: {arn}"))),
    }
}

fn required<T>(value: Option<T>, member: &str) -> Result<T, DynamoDbError> {
    value.ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn stream_summary(s: &Stream) -> Value {
    json!({"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label})
}

impl DynamoDb {
    pub(crate) fn call_streams(
        &mut self,
        operation: &str,
        f: Fields<'_>,
        now_ms: i64,
    ) -> Result<Value, DynamoDbError> {
        match operation {
            "ListStreams" => self.op_list_streams(f, now_ms),
            "DescribeStream" => self.op_describe_stream(f, now_ms),
            "GetShardIterator" => self.op_get_shard_iterator(f, now_ms),
            "GetRecords" => self.op_get_records(f, now_ms),
            other => Err(DynamoDbError::new(
                ErrorKind::UnknownOperation,
                format!("labsim does not simulate the DynamoDB Streams operation {other}"),
            )),
        }
    }

    fn op_list_streams(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let table = f.string("TableName")?;
        let limit = f.integer("Limit")?;
        let start = f.string("ExclusiveStartStreamArn")?;
        let mut v = Violations::new();
        v.range("limit", limit, 1, Some(100));
        v.length("exclusiveStartStreamArn", start, 37, 1024);
        v.finish()?;
        if let Some(start) = start {
            check_arn(start)?;
        }
        let limit = limit.map_or(100, |l| l as usize);
        let table = table.map(|t| self.table_name(t).to_owned());
        let streams: Vec<&Stream> = self
            .live_streams(now_ms)
            .filter(|s| table.as_ref().is_none_or(|t| &s.table_name == t))
            .collect();
        let from = match start {
            // An ARN not in the list starts nowhere: the listing is over.
            Some(arn) => streams
                .iter()
                .position(|s| s.arn == arn)
                .map_or(streams.len(), |p| p + 1),
            None => 0,
        };
        let rest = &streams[from..];
        let page = &rest[..rest.len().min(limit)];
        let mut out = Map::new();
        out.insert(
            "Streams".into(),
            Value::Array(page.iter().map(|s| stream_summary(s)).collect()),
        );
        if rest.len() > page.len() {
            if let Some(last) = page.last() {
                out.insert("LastEvaluatedStreamArn".into(), json!(last.arn));
            }
        }
        Ok(Value::Object(out))
    }

    fn op_describe_stream(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let arn = f.string("StreamArn")?;
        let limit = f.integer("Limit")?;
        let start = f.string("ExclusiveStartShardId")?;
        let filter = f.structure("ShardFilter", "ShardFilter")?;
        let (filter_type, filter_shard) = match filter {
            Some(filter) => (filter.string("Type")?, filter.string("ShardId")?),
            None => (None, None),
        };
        let mut v = Violations::new();
        v.not_null("streamArn", arn.is_some());
        v.length("streamArn", arn, 37, 1024);
        v.range("limit", limit, 1, Some(100));
        v.length("exclusiveStartShardId", start, 28, 65);
        if filter.is_some() {
            // The model marks neither member required, but a filter without
            // them names nothing; refused in Coral's words (unverified).
            v.not_null("shardFilter.type", filter_type.is_some());
            v.one_of("shardFilter.type", filter_type, SHARD_FILTER_TYPES);
            v.not_null("shardFilter.shardId", filter_shard.is_some());
            v.length("shardFilter.shardId", filter_shard, 28, 65);
        }
        v.finish()?;
        let arn = required(arn, "streamArn")?;
        check_arn(arn)?;
        let index = self
            .find_stream(arn, now_ms)
            .ok_or_else(|| DynamoDbError::stream_not_found(arn))?;
        let s = self.stream_at(index);
        let limit = limit.map_or(100, |l| l as usize);
        // An id that matches nothing starts past the end: an empty page.
        let from = match start {
            Some(id) => s.shard_index(id).map_or(s.shards.len(), |p| p + 1),
            None => 0,
        };
        // A parent that matches nothing has no children: an empty list
        // (AWS's answer for an unknown parent is unverified).
        let rest: Vec<&Shard> = s.shards[from..]
            .iter()
            .filter(|shard| !shard.is_expired(now_ms))
            .filter(|shard| filter_shard.is_none_or(|p| shard.parent.as_deref() == Some(p)))
            .collect();
        let page = &rest[..rest.len().min(limit)];
        let mut description = Map::new();
        description.insert(
            "CreationRequestDateTime".into(),
            json!(s.created_ms as f64 / 1000.0),
        );
        description.insert("KeySchema".into(), s.key_schema.to_json());
        if rest.len() > page.len() {
            if let Some(last) = page.last() {
                description.insert("LastEvaluatedShardId".into(), json!(last.id));
            }
        }
        description.insert(
            "Shards".into(),
            Value::Array(page.iter().map(|shard| shard.to_json()).collect()),
        );
        description.insert("StreamArn".into(), json!(s.arn));
        description.insert("StreamLabel".into(), json!(s.label));
        description.insert("StreamStatus".into(), json!(s.status(now_ms)));
        description.insert("StreamViewType".into(), json!(s.view_type.as_str()));
        description.insert("TableName".into(), json!(s.table_name));
        Ok(json!({ "StreamDescription": Value::Object(description) }))
    }

    fn op_get_shard_iterator(
        &mut self,
        f: Fields<'_>,
        now_ms: i64,
    ) -> Result<Value, DynamoDbError> {
        let arn = f.string("StreamArn")?;
        let shard_id = f.string("ShardId")?;
        let kind = f.string("ShardIteratorType")?;
        let sequence = f.string("SequenceNumber")?;
        let mut v = Violations::new();
        v.not_null("streamArn", arn.is_some());
        v.length("streamArn", arn, 37, 1024);
        v.not_null("shardId", shard_id.is_some());
        v.length("shardId", shard_id, 28, 65);
        v.not_null("shardIteratorType", kind.is_some());
        v.one_of("shardIteratorType", kind, ITERATOR_TYPES);
        v.length("sequenceNumber", sequence, 21, 40);
        v.finish()?;
        let (arn, shard_id, kind) = (
            required(arn, "streamArn")?,
            required(shard_id, "shardId")?,
            required(kind, "shardIteratorType")?,
        );
        check_arn(arn)?;
        let needs_sequence = kind == "AT_SEQUENCE_NUMBER" || kind == "AFTER_SEQUENCE_NUMBER";
        let sequence = match (needs_sequence, sequence) {
            (true, None) => {
                return Err(validation(format!(
                    "Must specify a SequenceNumber for ShardIteratorType {kind}"
                )))
            }
            (false, Some(_)) => {
                return Err(validation(format!(
                    "Must not specify a SequenceNumber for ShardIteratorType {kind}"
                )))
            }
            (_, Some(text)) => Some(
                text.parse::<u128>()
                    .ok()
                    .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| validation(format!("Invalid SequenceNumber: {text}")))?,
            ),
            (false, None) => None,
        };
        let stream = self
            .find_stream(arn, now_ms)
            .ok_or_else(|| DynamoDbError::stream_not_found(arn))?;
        // A shard that closed more than 24 hours ago is gone with its data.
        let shard = self
            .stream_at(stream)
            .shard_index(shard_id)
            .filter(|&i| !self.stream_at(stream).shards[i].is_expired(now_ms))
            .ok_or_else(|| {
                DynamoDbError::new(
                    ErrorKind::ResourceNotFound,
                    "Requested resource not found: Shard does not exist",
                )
            })?;
        let start = match (kind, sequence) {
            ("AT_SEQUENCE_NUMBER", Some(n)) | ("AFTER_SEQUENCE_NUMBER", Some(n)) => {
                // Reading at or after a trimmed record would skip what is gone.
                let trimmed_to = self.stream_at(stream).shards[shard].trimmed_to;
                let behind = trimmed_to.is_some_and(|t| {
                    if kind == "AT_SEQUENCE_NUMBER" {
                        n <= t
                    } else {
                        n < t
                    }
                });
                if behind {
                    return Err(DynamoDbError::trimmed());
                }
                let (low, high) = self.sequence_range(stream, shard);
                if n < low || n > high {
                    return Err(validation(format!(
                        "Invalid SequenceNumber for ShardIteratorType {kind}: {n:021} is not in shard {shard_id}"
                    )));
                }
                if kind == "AT_SEQUENCE_NUMBER" {
                    IteratorStart::At(n)
                } else {
                    IteratorStart::After(n)
                }
            }
            ("LATEST", _) => IteratorStart::Latest,
            _ => IteratorStart::TrimHorizon,
        };
        let iterator = self.shard_iterator(stream, shard, start, now_ms);
        Ok(json!({ "ShardIterator": iterator }))
    }

    fn op_get_records(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let iterator = f.string("ShardIterator")?;
        let limit = f.integer("Limit")?;
        let mut v = Violations::new();
        v.not_null("shardIterator", iterator.is_some());
        v.length("shardIterator", iterator, 1, 2048);
        v.range("limit", limit, 1, Some(1000));
        v.finish()?;
        let iterator = required(iterator, "shardIterator")?;
        let limit = limit.map_or(1000, |l| l as usize);
        self.admit_get_records(iterator, now_ms)?;
        let (records, next) = self.get_records(iterator, limit, now_ms)?;
        let mut out = Map::new();
        out.insert("Records".into(), Value::Array(records));
        if let Some(next) = next {
            out.insert("NextShardIterator".into(), json!(next));
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{
        DynamoDb, DynamoDbConfig, StreamViewType, LAB_TABLE, STREAMS_TARGET_PREFIX,
    };
    use crate::test_support::NOW;

    fn streaming_db() -> DynamoDb {
        let mut config = DynamoDbConfig::new(7);
        config.lab_stream = Some(StreamViewType::NewImage);
        DynamoDb::new(config, NOW)
    }

    fn streams(db: &mut DynamoDb, op: &str, body: Value) -> (u16, Vec<u8>) {
        let res = db.handle(
            &format!("{STREAMS_TARGET_PREFIX}{op}"),
            body.to_string().as_bytes(),
            NOW,
        );
        (res.status, res.body)
    }

    fn trim_horizon(db: &mut DynamoDb) -> Value {
        let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
        let shard = db.open_shard_id(LAB_TABLE).unwrap();
        let (_, body) = streams(
            db,
            "GetShardIterator",
            json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
        );
        serde_json::from_slice::<Value>(&body).unwrap()["ShardIterator"].clone()
    }

    /// Every record from TRIM_HORIZON, page by page: the ids of each page
    /// and each page's body size.
    fn read_all(db: &mut DynamoDb) -> Vec<(Vec<String>, usize)> {
        let mut iterator = trim_horizon(db);
        let mut pages = Vec::new();
        loop {
            let (status, body) = streams(db, "GetRecords", json!({"ShardIterator": iterator}));
            assert_eq!(status, 200);
            let page: Value = serde_json::from_slice(&body).unwrap();
            let ids: Vec<String> = page["Records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["dynamodb"]["Keys"]["id"]["S"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            if ids.is_empty() {
                return pages;
            }
            pages.push((ids, body.len()));
            iterator = page["NextShardIterator"].clone();
        }
    }

    fn put(db: &mut DynamoDb, id: &str, payload: &str) {
        let item = json!({"id": {"S": id}, "blob": {"S": payload}});
        let res = db.handle(
            "DynamoDB_20120810.PutItem",
            json!({"TableName": LAB_TABLE, "Item": item})
                .to_string()
                .as_bytes(),
            NOW,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    #[test]
    fn get_records_pages_stop_at_one_megabyte() {
        let mut db = streaming_db();
        // 24 records of about 300 KB: 7.2 MB in all. Before the cap they
        // came back in one page.
        let blob = "x".repeat(300_000);
        let ids: Vec<String> = (0..24).map(|i| format!("big-{i:02}")).collect();
        for id in &ids {
            put(&mut db, id, &blob);
        }
        let pages = read_all(&mut db);
        for (page, bytes) in &pages {
            assert!(
                *bytes <= 1024 * 1024,
                "{} records in {bytes} bytes",
                page.len()
            );
            assert_eq!(
                page.len(),
                3,
                "three 300 KB records fit in 1 MB, four do not"
            );
        }
        let seen: Vec<String> = pages.into_iter().flat_map(|(page, _)| page).collect();
        assert_eq!(seen, ids, "every record once, in order");
    }

    #[test]
    fn get_records_pages_stop_at_a_thousand_records() {
        let mut db = streaming_db();
        let ids: Vec<String> = (0..1001).map(|i| format!("small-{i:04}")).collect();
        for id in &ids {
            put(&mut db, id, "x");
        }
        let pages = read_all(&mut db);
        let sizes: Vec<usize> = pages.iter().map(|(page, _)| page.len()).collect();
        assert_eq!(sizes, [1000, 1]);
        let iterator = trim_horizon(&mut db);
        let (status, body) = streams(
            &mut db,
            "GetRecords",
            json!({"ShardIterator": iterator, "Limit": 1001}),
        );
        assert_eq!(status, 400);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({
                "__type": "com.amazon.coral.validate#ValidationException",
                "message": "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
            })
        );
    }

    #[test]
    fn a_record_bigger_than_the_cap_still_comes_alone() {
        // 200,000 control characters are a 200 KB item but 1.2 MB of JSON
        // (`\u0001` each); a record is never split or skipped.
        let mut db = streaming_db();
        put(&mut db, "a", "small");
        put(&mut db, "b", &"\u{1}".repeat(200_000));
        put(&mut db, "c", "small");
        let pages = read_all(&mut db);
        let ids: Vec<Vec<String>> = pages.into_iter().map(|(page, _)| page).collect();
        assert_eq!(ids, [vec!["a"], vec!["b"], vec!["c"]]);
    }
}
