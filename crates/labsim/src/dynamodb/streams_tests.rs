//! Retention, iterator expiry, shard listing and the reader limit of
//! DynamoDB Streams, through the wire as a client meets them.

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
