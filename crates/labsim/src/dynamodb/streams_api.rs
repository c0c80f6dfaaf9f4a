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
        let (records, next) = self.get_records(iterator, limit, now_ms)?;
        let mut out = Map::new();
        out.insert(
            "Records".into(),
            Value::Array(records.iter().map(|r| r.to_json()).collect()),
        );
        if let Some(next) = next {
            out.insert("NextShardIterator".into(), json!(next));
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    //! Retention, iterator expiry, shard listing and the reader limit,
    //! through the wire as a client meets them.

    use serde_json::{json, Value};

    use crate::dynamodb::{
        DynamoDb, DynamoDbConfig, StartingPosition, StreamViewType, DEFAULT_SHARD_ROLLOVER_MS,
        ITERATOR_TTL_MS, LAB_TABLE, READER_WINDOW_MS, RETENTION_MS, STREAMS_TARGET_PREFIX,
    };

    /// 2024-10-08T19:55:22Z
    const NOW: i64 = 1_728_417_322_000;
    const MINUTE: i64 = 60_000;

    fn db(rollover: Option<i64>) -> DynamoDb {
        let mut config = DynamoDbConfig::new(7);
        config.lab_stream = Some(StreamViewType::NewImage);
        config.shard_rollover_ms = rollover;
        DynamoDb::new(config, NOW)
    }

    fn call(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> (u16, Value) {
        let target = format!("{STREAMS_TARGET_PREFIX}{op}");
        let res = db.handle(&target, body.to_string().as_bytes(), now);
        (res.status, serde_json::from_slice(&res.body).expect("JSON"))
    }

    fn ok(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> Value {
        let (status, json) = call(db, op, body, now);
        assert_eq!(status, 200, "{op}: {json}");
        json
    }

    fn error(kind: &str, message: &str) -> (u16, Value) {
        let namespace = if kind == "ValidationException" {
            "com.amazon.coral.validate"
        } else {
            "com.amazonaws.dynamodb.v20120810"
        };
        (
            400,
            json!({"__type": format!("{namespace}#{kind}"), "message": message}),
        )
    }

    fn trimmed() -> (u16, Value) {
        error(
            "TrimmedDataAccessException",
            "The data you are trying to access has been trimmed",
        )
    }

    fn too_many_readers() -> (u16, Value) {
        error(
            "LimitExceededException",
            "Too many operations for a given subscriber.",
        )
    }

    fn write(db: &mut DynamoDb, id: &str, now: i64) -> String {
        let item = json!({"id": {"S": id}});
        let res = db.handle(
            "DynamoDB_20120810.PutItem",
            json!({"TableName": LAB_TABLE, "Item": item})
                .to_string()
                .as_bytes(),
            now,
        );
        assert_eq!(res.status, 200);
        db.events()
            .last()
            .unwrap()
            .record
            .clone()
            .unwrap()
            .sequence_number
    }

    fn arn(db: &DynamoDb) -> String {
        db.latest_stream_arn(LAB_TABLE).unwrap()
    }

    fn shards(db: &mut DynamoDb, body: Value, now: i64) -> Value {
        ok(db, "DescribeStream", body, now)["StreamDescription"].clone()
    }

    fn shard_ids(description: &Value) -> Vec<String> {
        description["Shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ShardId"].as_str().unwrap().to_owned())
            .collect()
    }

    fn iterator(
        db: &mut DynamoDb,
        shard: &str,
        kind: &str,
        seq: Option<&str>,
        now: i64,
    ) -> (u16, Value) {
        let mut body = json!({"StreamArn": arn(db), "ShardId": shard, "ShardIteratorType": kind});
        if let Some(seq) = seq {
            body["SequenceNumber"] = json!(seq);
        }
        call(db, "GetShardIterator", body, now)
    }

    fn new_iterator(db: &mut DynamoDb, shard: &str, now: i64) -> Value {
        let (status, body) = iterator(db, shard, "TRIM_HORIZON", None, now);
        assert_eq!(status, 200, "{body}");
        body["ShardIterator"].clone()
    }

    fn read(db: &mut DynamoDb, iterator: &Value, now: i64) -> (u16, Value) {
        call(db, "GetRecords", json!({"ShardIterator": iterator}), now)
    }

    fn first_shard(db: &mut DynamoDb, now: i64) -> String {
        let description = shards(db, json!({"StreamArn": arn(db)}), now);
        shard_ids(&description)[0].clone()
    }

    #[test]
    fn records_older_than_a_day_are_trimmed_and_positions_behind_them_refused() {
        let mut db = db(None);
        // Several readers at once, one after the other.
        db.set_shard_reader_limit(false);
        let shard = first_shard(&mut db, NOW);
        let a = write(&mut db, "a", NOW);
        let b = write(&mut db, "b", NOW + MINUTE);
        // A TRIM_HORIZON iterator taken just before `a` is a day old ...
        let early = new_iterator(&mut db, &shard, NOW + RETENTION_MS - 1);
        let (_, page) = read(&mut db, &early, NOW + RETENTION_MS - 1);
        assert_eq!(page["Records"].as_array().unwrap().len(), 2);
        // ... finds it trimmed when used after: it would skip `a`.
        assert_eq!(read(&mut db, &early, NOW + RETENTION_MS), trimmed());
        // The next iterator of the chain had read past `a`: still fine.
        let (_, after_b) = read(&mut db, &page["NextShardIterator"], NOW + RETENTION_MS);
        assert_eq!(after_b["Records"], json!([]));

        let at = NOW + RETENTION_MS;
        assert_eq!(
            iterator(&mut db, &shard, "AT_SEQUENCE_NUMBER", Some(&a), at),
            trimmed()
        );
        // Right after the trim point is still there: `b`.
        let (status, after_a) = iterator(&mut db, &shard, "AFTER_SEQUENCE_NUMBER", Some(&a), at);
        assert_eq!(status, 200);
        let (_, page) = read(&mut db, &after_a["ShardIterator"], at);
        assert_eq!(page["Records"][0]["dynamodb"]["SequenceNumber"], json!(b));
        // TRIM_HORIZON starts at the trim point, not at the shard's start.
        let horizon = new_iterator(&mut db, &shard, at);
        let (_, page) = read(&mut db, &horizon, at);
        assert_eq!(page["Records"][0]["dynamodb"]["SequenceNumber"], json!(b));
        // A day after `b`, nothing is left; the shard itself stays open.
        let later = at + MINUTE;
        assert_eq!(
            iterator(&mut db, &shard, "AT_SEQUENCE_NUMBER", Some(&b), later),
            trimmed()
        );
        let horizon = new_iterator(&mut db, &shard, later);
        assert_eq!(read(&mut db, &horizon, later).1["Records"], json!([]));
    }

    #[test]
    fn shards_closed_a_day_ago_are_no_longer_listed_and_the_lambda_moves_on() {
        let mut db = db(Some(DEFAULT_SHARD_ROLLOVER_MS));
        let first = first_shard(&mut db, NOW);
        let mut cursor = db
            .stream_cursor(&arn(&db), StartingPosition::TrimHorizon, NOW)
            .unwrap();
        write(&mut db, "a", NOW + 1);
        // The first shard closes after four hours; a day later it is gone.
        let gone = NOW + DEFAULT_SHARD_ROLLOVER_MS + RETENTION_MS;
        let stream = json!({"StreamArn": arn(&db)});
        let listed = shard_ids(&shards(&mut db, stream.clone(), gone - 1));
        assert_eq!(listed[0], first);
        let listed = shard_ids(&shards(&mut db, stream, gone));
        assert!(!listed.contains(&first), "{listed:?}");
        assert_eq!(
            iterator(&mut db, &first, "TRIM_HORIZON", None, gone),
            error(
                "ResourceNotFoundException",
                "Requested resource not found: Shard does not exist"
            )
        );
        // The poller that never read `a` finds it trimmed and reads on.
        write(&mut db, "b", gone);
        let records = db.read_stream(&mut cursor, 100, gone).unwrap();
        let ids: Vec<_> = records.iter().map(|r| r.keys["id"].clone()).collect();
        assert_eq!(ids, [crate::dynamodb::AttributeValue::s("b")]);
    }

    #[test]
    fn iterators_expire_after_fifteen_minutes_and_each_page_hands_a_fresh_one() {
        let mut db = db(None);
        let shard = first_shard(&mut db, NOW);
        let it = new_iterator(&mut db, &shard, NOW);
        let (_, page) = read(&mut db, &it, NOW + 10 * MINUTE);
        let next = page["NextShardIterator"].clone();
        let expired = error(
            "ExpiredIteratorException",
            "The provided iterator exceeds the maximum age allowed.",
        );
        assert_eq!(read(&mut db, &it, NOW + ITERATOR_TTL_MS + 1), expired);
        // Twenty minutes after GetShardIterator, ten after its page.
        assert_eq!(read(&mut db, &next, NOW + 20 * MINUTE).0, 200);
        assert_eq!(read(&mut db, &next, NOW + 25 * MINUTE + 1), expired);
    }

    #[test]
    fn describe_stream_pages_and_filters_child_shards() {
        let mut db = db(None);
        let mut ids = vec![first_shard(&mut db, NOW)];
        for i in 1..=5 {
            ids.push(db.roll_over_shard(LAB_TABLE, NOW + i).unwrap());
        }
        let arn = arn(&db);
        // Two at a time, each page naming its last shard while more remain.
        let mut seen = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let mut body = json!({"StreamArn": arn, "Limit": 2});
            if let Some(s) = &start {
                body["ExclusiveStartShardId"] = json!(s);
            }
            let page = shards(&mut db, body, NOW + 10);
            seen.extend(shard_ids(&page));
            match page.get("LastEvaluatedShardId") {
                Some(last) => {
                    assert_eq!(last.as_str(), seen.last().map(String::as_str));
                    start = Some(last.as_str().unwrap().to_owned());
                }
                None => break,
            }
        }
        assert_eq!(seen, ids);
        // The children of the third shard: the fourth only.
        let filter = json!({"Type": "CHILD_SHARDS", "ShardId": ids[2]});
        let children = shards(
            &mut db,
            json!({"StreamArn": arn, "ShardFilter": filter}),
            NOW + 10,
        );
        assert_eq!(shard_ids(&children), [ids[3].clone()]);
        assert_eq!(children["Shards"][0]["ParentShardId"], json!(ids[2]));
        assert_eq!(children.get("LastEvaluatedShardId"), None);
        // The open shard has none yet.
        let filter = json!({"Type": "CHILD_SHARDS", "ShardId": ids[5]});
        let none = shards(
            &mut db,
            json!({"StreamArn": arn, "ShardFilter": filter}),
            NOW + 10,
        );
        assert_eq!(none["Shards"], json!([]));
    }

    #[test]
    fn describe_stream_refuses_bad_limits_and_filters_in_corals_words() {
        let mut db = db(None);
        let arn = arn(&db);
        let shard = first_shard(&mut db, NOW);
        let cases = [
            (
                json!({"StreamArn": arn, "Limit": 0}),
                "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
            (
                json!({"StreamArn": arn, "Limit": 101}),
                "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
            ),
            (
                json!({"StreamArn": arn, "ShardFilter": {"Type": "PARENT_SHARDS", "ShardId": shard}}),
                "1 validation error detected: Value 'PARENT_SHARDS' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]",
            ),
            (
                json!({"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS"}}),
                "1 validation error detected: Value null at 'shardFilter.shardId' failed to satisfy constraint: Member must not be null",
            ),
            (
                json!({"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": "short"}}),
                "1 validation error detected: Value 'short' at 'shardFilter.shardId' failed to satisfy constraint: Member must have length greater than or equal to 28",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(
                call(&mut db, "DescribeStream", body.clone(), NOW),
                error("ValidationException", message),
                "{body}"
            );
        }
    }

    #[test]
    fn a_third_reader_of_a_shard_is_refused_until_one_stops_reading() {
        let mut db = db(None);
        let shard = first_shard(&mut db, NOW);
        let arn = arn(&db);
        let a = new_iterator(&mut db, &shard, NOW);
        let b = new_iterator(&mut db, &shard, NOW);
        let c = new_iterator(&mut db, &shard, NOW);
        let (_, page_a) = read(&mut db, &a, NOW);
        assert_eq!(read(&mut db, &b, NOW).0, 200);
        assert_eq!(read(&mut db, &c, NOW + 1), too_many_readers());
        assert_eq!(db.shard_readers(&arn, &shard, NOW + 1), 2);
        // The first reader goes on with its next iterator: still one reader.
        let (status, page_a) = read(&mut db, &page_a["NextShardIterator"], NOW + 1_000);
        assert_eq!(status, 200);
        assert_eq!(read(&mut db, &c, NOW + 1_000), too_many_readers());
        // `b` stops; once it has been quiet for the window, `c` gets in.
        let quiet = NOW + READER_WINDOW_MS;
        assert_eq!(read(&mut db, &c, quiet - 1), too_many_readers());
        assert_eq!(
            read(&mut db, &page_a["NextShardIterator"], quiet - 1).0,
            200
        );
        assert_eq!(read(&mut db, &c, quiet).0, 200);
        // A reader of another shard is not counted here.
        let child = db.roll_over_shard(LAB_TABLE, quiet + 1).unwrap();
        let d = new_iterator(&mut db, &child, quiet + 1);
        assert_eq!(read(&mut db, &d, quiet + 1).0, 200);
    }

    #[test]
    fn the_lambda_counts_as_one_reader_and_is_never_refused() {
        let mut db = db(None);
        let shard = first_shard(&mut db, NOW);
        let mut cursor = db
            .stream_cursor(&arn(&db), StartingPosition::Latest, NOW)
            .unwrap();
        db.read_stream(&mut cursor, 100, NOW).unwrap();
        let page = new_iterator(&mut db, &shard, NOW);
        let tab = new_iterator(&mut db, &shard, NOW);
        assert_eq!(read(&mut db, &page, NOW + 1).0, 200);
        assert_eq!(read(&mut db, &tab, NOW + 2), too_many_readers());
        // A mapping waiting to retry still holds its place.
        db.keep_reader(&cursor, NOW + READER_WINDOW_MS);
        assert_eq!(read(&mut db, &page, NOW + READER_WINDOW_MS).0, 200);
        assert_eq!(
            read(&mut db, &tab, NOW + READER_WINDOW_MS + 1),
            too_many_readers()
        );
        // Two pages reading, and the poller still reads.
        let quiet = NOW + 3 * READER_WINDOW_MS;
        assert_eq!(
            {
                let it = new_iterator(&mut db, &shard, quiet);
                read(&mut db, &it, quiet).0
            },
            200
        );
        assert_eq!(
            {
                let it = new_iterator(&mut db, &shard, quiet);
                read(&mut db, &it, quiet).0
            },
            200
        );
        write(&mut db, "a", quiet);
        assert_eq!(db.read_stream(&mut cursor, 100, quiet).unwrap().len(), 1);
        assert_eq!(db.shard_readers(&arn(&db), &shard, quiet), 3);
    }

    #[test]
    fn with_the_limit_off_every_reader_reads_and_is_still_counted() {
        let mut db = db(None);
        let shard = first_shard(&mut db, NOW);
        db.set_shard_reader_limit(false);
        for _ in 0..4 {
            let it = new_iterator(&mut db, &shard, NOW);
            assert_eq!(read(&mut db, &it, NOW).0, 200);
        }
        assert_eq!(db.shard_readers(&arn(&db), &shard, NOW), 4);
        db.set_shard_reader_limit(true);
        let it = new_iterator(&mut db, &shard, NOW);
        assert_eq!(read(&mut db, &it, NOW), too_many_readers());
    }
}
