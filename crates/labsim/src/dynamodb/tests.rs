//! End-to-end tests: requests through `handle` as a client sends them, with
//! the exact JSON AWS answers; and the typed API the simulator uses.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

/// 2024-10-08T19:55:22Z
const NOW: i64 = 1_728_417_322_000;
const ARN_PREFIX: &str = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table";

fn db() -> DynamoDb {
    DynamoDb::new(DynamoDbConfig::new(7), NOW)
}

fn db_streaming(view: StreamViewType) -> DynamoDb {
    let mut config = DynamoDbConfig::new(7);
    config.lab_stream = Some(view);
    DynamoDb::new(config, NOW)
}

fn raw(db: &mut DynamoDb, target: &str, body: &[u8], now: i64) -> (u16, Value) {
    let res = db.handle(target, body, now);
    let json = serde_json::from_slice(&res.body).expect("JSON body");
    (res.status, json)
}

fn call(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> (u16, Value) {
    let target = format!("{DYNAMODB_TARGET_PREFIX}{op}");
    raw(db, &target, body.to_string().as_bytes(), now)
}

fn stream_call(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> (u16, Value) {
    let target = format!("{STREAMS_TARGET_PREFIX}{op}");
    raw(db, &target, body.to_string().as_bytes(), now)
}

fn ok(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> Value {
    let (status, json) = call(db, op, body, now);
    assert_eq!(status, 200, "{op}: {json}");
    json
}

fn stream_ok(db: &mut DynamoDb, op: &str, body: Value, now: i64) -> Value {
    let (status, json) = stream_call(db, op, body, now);
    assert_eq!(status, 200, "{op}: {json}");
    json
}

fn validation(message: &str) -> (u16, Value) {
    (
        400,
        json!({"__type": "com.amazon.coral.validate#ValidationException", "message": message}),
    )
}

fn not_found(message: &str) -> (u16, Value) {
    (
        400,
        json!({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": message}),
    )
}

/// An item as API Gateway's mapping template writes it.
fn lab_item(id: &str, name: &str) -> Value {
    json!({
        "id": {"S": id},
        "type": {"S": "cat"},
        "name": {"S": name},
        "createdAt": {"S": "1728417322000"},
    })
}

fn put(db: &mut DynamoDb, item: Value, now: i64) -> Value {
    ok(
        db,
        "PutItem",
        json!({"TableName": LAB_TABLE, "Item": item}),
        now,
    )
}

fn key(id: &str) -> Value {
    json!({"id": {"S": id}})
}

// ------------------------------------------------------------- protocol --

#[test]
fn responses_carry_content_type_request_id_and_crc() {
    let mut db = db();
    let res = db.handle(
        "DynamoDB_20120810.PutItem",
        lab_item("a", "x").to_string().as_bytes(),
        NOW,
    );
    // That body has no TableName: a constraint error, still with headers.
    assert_eq!(res.status, 400);
    let body = json!({"TableName": LAB_TABLE, "Item": lab_item("a", "x")}).to_string();
    let res = db.handle("DynamoDB_20120810.PutItem", body.as_bytes(), NOW);
    assert_eq!(res.status, 200);
    assert_eq!(res.body_text(), "{}");
    assert_eq!(
        res.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert_eq!(res.header("x-amz-crc32"), Some("2745614147"));
    let id = res.header("x-amzn-requestid").unwrap().to_owned();
    assert_eq!(id.len(), 52);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{id}"
    );
    // The seed decides request ids.
    let mut twin = self::db();
    twin.handle("DynamoDB_20120810.PutItem", b"{}", NOW);
    let again = twin.handle("DynamoDB_20120810.PutItem", body.as_bytes(), NOW);
    assert_eq!(again.header("x-amzn-requestid"), Some(id.as_str()));
}

#[test]
fn malformed_json_is_a_bare_serialization_exception() {
    let mut db = db();
    // A `"` pasted into the mapping template breaks the JSON.
    let broken =
        br#"{"TableName": "lab-table", "Item": {"id": {"S": "1"}, "name": {"S": "say "hi""}}}"#;
    let bare = (
        400,
        json!({"__type": "com.amazon.coral.service#SerializationException"}),
    );
    assert_eq!(raw(&mut db, "DynamoDB_20120810.PutItem", broken, NOW), bare);
    assert_eq!(raw(&mut db, "DynamoDB_20120810.PutItem", b"", NOW), bare);
    // Even an unknown target: the body is read first.
    assert_eq!(raw(&mut db, "Nope.Nope", broken, NOW), bare);
    assert!(db.items(LAB_TABLE).unwrap().is_empty());
    assert!(db.events().is_empty());
}

#[test]
fn wrong_json_types_are_serialization_exceptions_with_a_message() {
    let mut db = db();
    let (status, body) = call(
        &mut db,
        "PutItem",
        json!({"TableName": LAB_TABLE, "Item": {"id": {"S": 5}}}),
        NOW,
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "__type": "com.amazon.coral.service#SerializationException",
            "Message": "NUMBER_VALUE cannot be converted to String",
        })
    );
    let (_, body) = call(
        &mut db,
        "GetItem",
        json!({"TableName": 3, "Key": key("a")}),
        NOW,
    );
    assert_eq!(
        body["Message"],
        "NUMBER_VALUE cannot be converted to String"
    );
}

#[test]
fn unknown_and_unsimulated_operations() {
    let mut db = db();
    let unknown = (
        400,
        json!({"__type": "com.amazon.coral.service#UnknownOperationException"}),
    );
    assert_eq!(
        raw(&mut db, "DynamoDB_20120810.Explode", b"{}", NOW),
        unknown
    );
    assert_eq!(raw(&mut db, "PutItem", b"{}", NOW), unknown);
    assert_eq!(raw(&mut db, "", b"{}", NOW), unknown);
    let (status, body) = raw(&mut db, "DynamoDB_20120810.Query", b"{}", NOW);
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert_eq!(
        body["message"],
        "labsim does not simulate the DynamoDB operation Query"
    );
    // Each API knows only its own targets.
    let res = db.handle_at(
        DynamoDbApi::DynamoDb,
        "DynamoDBStreams_20120810.ListStreams",
        b"{}",
        NOW,
    );
    assert_eq!(res.status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&res.body).unwrap(),
        unknown.1
    );
    let res = db.handle_at(
        DynamoDbApi::Streams,
        "DynamoDBStreams_20120810.ListStreams",
        b"{}",
        NOW,
    );
    assert_eq!(res.status, 200);
}

// ---------------------------------------------------------------- items --

#[test]
fn put_then_get_returns_the_item() {
    let mut db = db();
    assert_eq!(put(&mut db, lab_item("a", "Ana"), NOW), json!({}));
    let got = ok(
        &mut db,
        "GetItem",
        json!({"TableName": LAB_TABLE, "Key": key("a"), "ConsistentRead": true}),
        NOW,
    );
    assert_eq!(got, json!({"Item": lab_item("a", "Ana")}));
    let missing = ok(
        &mut db,
        "GetItem",
        json!({"TableName": LAB_TABLE, "Key": key("zz")}),
        NOW,
    );
    assert_eq!(missing, json!({}));
    // The table's ARN works as its name.
    let by_arn = ok(
        &mut db,
        "GetItem",
        json!({"TableName": ARN_PREFIX, "Key": key("a")}),
        NOW,
    );
    assert_eq!(by_arn, got);
}

#[test]
fn put_item_return_values() {
    let mut db = db();
    let first =
        json!({"TableName": LAB_TABLE, "Item": lab_item("a", "one"), "ReturnValues": "ALL_OLD"});
    assert_eq!(ok(&mut db, "PutItem", first, NOW), json!({}));
    let second =
        json!({"TableName": LAB_TABLE, "Item": lab_item("a", "two"), "ReturnValues": "ALL_OLD"});
    assert_eq!(
        ok(&mut db, "PutItem", second, NOW),
        json!({"Attributes": lab_item("a", "one")})
    );
    let none =
        json!({"TableName": LAB_TABLE, "Item": lab_item("a", "three"), "ReturnValues": "NONE"});
    assert_eq!(ok(&mut db, "PutItem", none, NOW), json!({}));
    let all_new =
        json!({"TableName": LAB_TABLE, "Item": lab_item("a", "x"), "ReturnValues": "ALL_NEW"});
    assert_eq!(
        call(&mut db, "PutItem", all_new, NOW),
        validation("ReturnValues can only be ALL_OLD or NONE")
    );
    let bogus = json!({"TableName": LAB_TABLE, "Item": lab_item("a", "x"), "ReturnValues": "hi"});
    assert_eq!(
        call(&mut db, "PutItem", bogus, NOW),
        validation("1 validation error detected: Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
    );
}

#[test]
fn put_item_errors_in_dynamodbs_words() {
    let mut db = db();
    assert_eq!(
        call(&mut db, "PutItem", json!({}), NOW),
        validation("2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null")
    );
    let no_key = json!({"TableName": LAB_TABLE, "Item": {"name": {"S": "x"}}});
    assert_eq!(
        call(&mut db, "PutItem", no_key, NOW),
        validation("One or more parameter values were invalid: Missing the key id in the item")
    );
    let number_key = json!({"TableName": LAB_TABLE, "Item": {"id": {"N": "1"}}});
    assert_eq!(
        call(&mut db, "PutItem", number_key, NOW),
        validation("One or more parameter values were invalid: Type mismatch for key id expected: S actual: N")
    );
    let empty_key = json!({"TableName": LAB_TABLE, "Item": {"id": {"S": ""}}});
    assert_eq!(
        call(&mut db, "PutItem", empty_key, NOW),
        validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id")
    );
    let bad_value =
        json!({"TableName": LAB_TABLE, "Item": {"id": {"S": "a"}, "n": {"N": "1e200"}}});
    assert_eq!(
        call(&mut db, "PutItem", bad_value, NOW),
        validation("Number overflow. Attempting to store a number with magnitude larger than supported range")
    );
    let two_types = json!({"TableName": LAB_TABLE, "Item": {"id": {"S": "a", "N": "1"}}});
    assert_eq!(
        call(&mut db, "PutItem", two_types, NOW),
        validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
    );
    let big = json!({"TableName": LAB_TABLE, "Item": {"id": {"S": "a"}, "blob": {"S": "x".repeat(MAX_ITEM_SIZE)}}});
    assert_eq!(
        call(&mut db, "PutItem", big, NOW),
        validation("Item size has exceeded the maximum allowed size")
    );
    let other_table = json!({"TableName": "nope", "Item": lab_item("a", "x")});
    assert_eq!(
        call(&mut db, "PutItem", other_table, NOW),
        not_found("Requested resource not found")
    );
    let condition = json!({"TableName": LAB_TABLE, "Item": lab_item("a", "x"), "ConditionExpression": "attribute_not_exists(id)"});
    let (status, body) = call(&mut db, "PutItem", condition, NOW);
    assert_eq!(status, 400);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("labsim does not simulate ConditionExpression"));
    assert!(db.items(LAB_TABLE).unwrap().is_empty());
}

#[test]
fn keys_must_match_the_schema() {
    let mut db = db();
    let mismatch = validation("The provided key element does not match the schema");
    for bad in [
        json!({}),
        json!({"id": {"N": "1"}}),
        json!({"id": {"S": "a"}, "extra": {"S": "b"}}),
        json!({"other": {"S": "a"}}),
    ] {
        let body = json!({"TableName": LAB_TABLE, "Key": bad});
        assert_eq!(
            call(&mut db, "GetItem", body.clone(), NOW),
            mismatch,
            "{bad}"
        );
        assert_eq!(call(&mut db, "DeleteItem", body, NOW), mismatch, "{bad}");
    }
    let empty = json!({"TableName": LAB_TABLE, "Key": {"id": {"S": ""}}});
    assert_eq!(
        call(&mut db, "GetItem", empty, NOW),
        validation("One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: id")
    );
}

#[test]
fn missing_table_when_the_lab_has_not_created_it() {
    let mut config = DynamoDbConfig::new(7);
    config.lab_table = false;
    let mut db = DynamoDb::new(config, NOW);
    let body = json!({"TableName": LAB_TABLE, "Item": lab_item("a", "x")});
    assert_eq!(
        call(&mut db, "PutItem", body, NOW),
        not_found("Requested resource not found")
    );
    assert_eq!(
        call(
            &mut db,
            "DescribeTable",
            json!({"TableName": LAB_TABLE}),
            NOW
        ),
        not_found("Requested resource not found: Table: lab-table not found")
    );
    assert_eq!(
        ok(&mut db, "ListTables", json!({}), NOW),
        json!({"TableNames": []})
    );
    assert!(db.create_table(LAB_TABLE, KeySchema::hash_only("id", ScalarType::S), NOW));
    assert_eq!(
        ok(&mut db, "ListTables", json!({}), NOW),
        json!({"TableNames": ["lab-table"]})
    );
}

#[test]
fn update_item_creates_the_item_with_names_and_values() {
    let mut db = db();
    let body = json!({
        "TableName": LAB_TABLE,
        "Key": key("a"),
        "UpdateExpression": "SET #n = :n, #t = :t",
        "ExpressionAttributeNames": {"#n": "name", "#t": "type"},
        "ExpressionAttributeValues": {":n": {"S": "Ana"}, ":t": {"S": "cat"}},
        "ReturnValues": "ALL_NEW",
    });
    assert_eq!(
        ok(&mut db, "UpdateItem", body, NOW),
        json!({"Attributes": {"id": {"S": "a"}, "name": {"S": "Ana"}, "type": {"S": "cat"}}})
    );
    assert_eq!(db.events()[0].change, Some(EventName::Insert));
}

#[test]
fn update_item_set_and_remove_with_every_return_value() {
    let mut db = db();
    put(&mut db, lab_item("a", "Ana"), NOW);
    let update = |rv: &str| {
        json!({
            "TableName": LAB_TABLE,
            "Key": key("a"),
            "UpdateExpression": "SET #n = :n, age = :age REMOVE createdAt, #t",
            "ExpressionAttributeNames": {"#n": "name", "#t": "type"},
            "ExpressionAttributeValues": {":n": {"S": "Bo"}, ":age": {"N": "3"}},
            "ReturnValues": rv,
        })
    };
    let after = json!({"id": {"S": "a"}, "name": {"S": "Bo"}, "age": {"N": "3"}});
    assert_eq!(
        ok(&mut db, "UpdateItem", update("UPDATED_OLD"), NOW),
        json!({"Attributes": {"name": {"S": "Ana"}, "type": {"S": "cat"}, "createdAt": {"S": "1728417322000"}}})
    );
    // Same values again: the item no longer changes.
    assert_eq!(
        ok(&mut db, "UpdateItem", update("UPDATED_NEW"), NOW),
        json!({"Attributes": {"name": {"S": "Bo"}, "age": {"N": "3"}}})
    );
    assert_eq!(
        ok(&mut db, "UpdateItem", update("ALL_OLD"), NOW),
        json!({"Attributes": after})
    );
    assert_eq!(
        ok(&mut db, "UpdateItem", update("ALL_NEW"), NOW),
        json!({"Attributes": after})
    );
    assert_eq!(ok(&mut db, "UpdateItem", update("NONE"), NOW), json!({}));
    let remove_only = json!({"TableName": LAB_TABLE, "Key": key("a"), "UpdateExpression": "REMOVE age", "ReturnValues": "UPDATED_NEW"});
    assert_eq!(ok(&mut db, "UpdateItem", remove_only, NOW), json!({}));
    assert_eq!(
        db.get_item(LAB_TABLE, &item_from_json(&key("a")).unwrap())
            .unwrap()
            .map(|i| item_to_json(&i)),
        Some(json!({"id": {"S": "a"}, "name": {"S": "Bo"}}))
    );
}

#[test]
fn update_item_errors() {
    let mut db = db();
    let base =
        |expr: &str| json!({"TableName": LAB_TABLE, "Key": key("a"), "UpdateExpression": expr});
    let mut reserved = base("SET name = :n");
    reserved["ExpressionAttributeValues"] = json!({":n": {"S": "x"}});
    assert_eq!(
        call(&mut db, "UpdateItem", reserved, NOW),
        validation("Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name")
    );
    let mut key_update = base("SET id = :n");
    key_update["ExpressionAttributeValues"] = json!({":n": {"S": "x"}});
    assert_eq!(
        call(&mut db, "UpdateItem", key_update, NOW),
        validation("One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key")
    );
    let mut unused = base("SET a = :a");
    unused["ExpressionAttributeValues"] = json!({":a": {"S": "x"}, ":b": {"S": "y"}});
    assert_eq!(
        call(&mut db, "UpdateItem", unused, NOW),
        validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}")
    );
    let names_without_expression =
        json!({"TableName": LAB_TABLE, "Key": key("a"), "ExpressionAttributeNames": {"#a": "a"}});
    assert_eq!(
        call(&mut db, "UpdateItem", names_without_expression, NOW),
        validation("ExpressionAttributeNames can only be specified when using expressions")
    );
    let mut empty_names = base("SET a = :a");
    empty_names["ExpressionAttributeNames"] = json!({});
    empty_names["ExpressionAttributeValues"] = json!({":a": {"S": "x"}});
    assert_eq!(
        call(&mut db, "UpdateItem", empty_names, NOW),
        validation("ExpressionAttributeNames must not be empty")
    );
    let mut bad_value = base("SET a = :a");
    bad_value["ExpressionAttributeValues"] = json!({":a": {"SS": []}});
    assert_eq!(
        call(&mut db, "UpdateItem", bad_value, NOW),
        validation("ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :a")
    );
    assert_eq!(
        call(&mut db, "UpdateItem", base("SET a = "), NOW),
        validation("Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"=\"")
    );
    assert_eq!(
        call(&mut db, "UpdateItem", base(""), NOW),
        validation("Invalid UpdateExpression: The expression can not be empty;")
    );
    assert!(db.items(LAB_TABLE).unwrap().is_empty());
}

#[test]
fn update_item_without_expression_creates_a_key_only_item() {
    let mut db = db();
    assert_eq!(
        ok(
            &mut db,
            "UpdateItem",
            json!({"TableName": LAB_TABLE, "Key": key("k")}),
            NOW
        ),
        json!({})
    );
    assert_eq!(item_to_json(&db.items(LAB_TABLE).unwrap()[0]), key("k"));
}

#[test]
fn delete_item_returns_the_old_item() {
    let mut db = db();
    put(&mut db, lab_item("a", "Ana"), NOW);
    let body = json!({"TableName": LAB_TABLE, "Key": key("a"), "ReturnValues": "ALL_OLD"});
    assert_eq!(
        ok(&mut db, "DeleteItem", body.clone(), NOW),
        json!({"Attributes": lab_item("a", "Ana")})
    );
    assert_eq!(ok(&mut db, "DeleteItem", body, NOW), json!({}));
    let plain = json!({"TableName": LAB_TABLE, "Key": key("a")});
    assert_eq!(ok(&mut db, "DeleteItem", plain, NOW), json!({}));
}

#[test]
fn scan_pages_in_insertion_order() {
    let mut db = db();
    for id in ["c", "a", "b"] {
        put(&mut db, lab_item(id, id), NOW);
    }
    let all = ok(&mut db, "Scan", json!({"TableName": LAB_TABLE}), NOW);
    assert_eq!(
        all,
        json!({"Count": 3, "ScannedCount": 3, "Items": [lab_item("c", "c"), lab_item("a", "a"), lab_item("b", "b")]})
    );
    let page1 = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "Limit": 2}),
        NOW,
    );
    assert_eq!(
        page1,
        json!({"Count": 2, "ScannedCount": 2, "Items": [lab_item("c", "c"), lab_item("a", "a")], "LastEvaluatedKey": key("a")})
    );
    let page2 = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "Limit": 2, "ExclusiveStartKey": key("a")}),
        NOW,
    );
    assert_eq!(
        page2,
        json!({"Count": 1, "ScannedCount": 1, "Items": [lab_item("b", "b")]})
    );
    // A page that ends exactly at the last item still has a key, as in AWS.
    let exact = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "Limit": 1, "ExclusiveStartKey": key("a")}),
        NOW,
    );
    assert_eq!(exact["LastEvaluatedKey"], key("b"));
    let after_last = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "ExclusiveStartKey": key("b")}),
        NOW,
    );
    assert_eq!(
        after_last,
        json!({"Count": 0, "ScannedCount": 0, "Items": []})
    );
    let count = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "Select": "COUNT"}),
        NOW,
    );
    assert_eq!(count, json!({"Count": 3, "ScannedCount": 3}));
    let projected = ok(
        &mut db,
        "Scan",
        json!({"TableName": LAB_TABLE, "Limit": 1, "ProjectionExpression": "id, #n", "ExpressionAttributeNames": {"#n": "name"}}),
        NOW,
    );
    assert_eq!(
        projected["Items"],
        json!([{"id": {"S": "c"}, "name": {"S": "c"}}])
    );
}

#[test]
fn scan_errors() {
    let mut db = db();
    assert_eq!(
        call(&mut db, "Scan", json!({"TableName": LAB_TABLE, "Limit": 0}), NOW),
        validation("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    assert_eq!(
        call(&mut db, "Scan", json!({"TableName": LAB_TABLE, "ExclusiveStartKey": {"id": {"N": "1"}}}), NOW),
        validation("The provided starting key is invalid: The provided key element does not match the schema")
    );
    assert_eq!(
        call(&mut db, "Scan", json!({"TableName": "nope"}), NOW),
        not_found("Requested resource not found")
    );
}

// --------------------------------------------------------------- tables --

fn described(db: &mut DynamoDb, now: i64) -> Value {
    ok(db, "DescribeTable", json!({"TableName": LAB_TABLE}), now)["Table"].clone()
}

#[test]
fn describe_table_without_a_stream() {
    let mut db = db();
    put(&mut db, lab_item("a", "Ana"), NOW);
    let table = described(&mut db, NOW + 5);
    let table_id = table["TableId"].as_str().unwrap().to_owned();
    assert_eq!(table_id.len(), 36);
    assert_eq!(
        table,
        json!({
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": 1_728_417_322.0},
            "CreationDateTime": 1_728_417_322.0,
            "DeletionProtectionEnabled": false,
            "ItemCount": 1,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
            "TableArn": ARN_PREFIX,
            "TableId": table_id,
            "TableName": "lab-table",
            "TableSizeBytes": item_size(&item_from_json(&lab_item("a", "Ana")).unwrap()),
            "TableStatus": "ACTIVE",
            "WarmThroughput": {"ReadUnitsPerSecond": 12000, "Status": "ACTIVE", "WriteUnitsPerSecond": 4000},
        })
    );
    assert_eq!(db.describe_table(LAB_TABLE, NOW + 5).unwrap(), table);
    assert_eq!(
        call(&mut db, "DescribeTable", json!({"TableName": "nope"}), NOW),
        not_found("Requested resource not found: Table: nope not found")
    );
}

fn set_stream_spec(spec: Value) -> Value {
    json!({"TableName": LAB_TABLE, "StreamSpecification": spec})
}

#[test]
fn turning_the_stream_on_makes_a_stream_arn_and_label() {
    let mut db = db();
    let at = NOW + 123;
    let response = ok(
        &mut db,
        "UpdateTable",
        set_stream_spec(json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})),
        at,
    );
    let arn = format!("{ARN_PREFIX}/stream/2024-10-08T19:55:22.123");
    let desc = &response["TableDescription"];
    assert_eq!(desc["TableStatus"], "UPDATING");
    assert_eq!(
        desc["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
    );
    assert_eq!(desc["LatestStreamArn"], arn);
    assert_eq!(desc["LatestStreamLabel"], "2024-10-08T19:55:22.123");
    assert_eq!(
        db.latest_stream_arn(LAB_TABLE).as_deref(),
        Some(arn.as_str())
    );
    // UPDATING for a few seconds, then ACTIVE.
    assert_eq!(
        described(&mut db, at + DEFAULT_TABLE_UPDATE_MS - 1)["TableStatus"],
        "UPDATING"
    );
    assert_eq!(
        described(&mut db, at + DEFAULT_TABLE_UPDATE_MS)["TableStatus"],
        "ACTIVE"
    );
    let stream = stream_ok(&mut db, "DescribeStream", json!({"StreamArn": arn}), at + 1);
    assert_eq!(stream["StreamDescription"]["StreamStatus"], "ENABLING");
    let stream = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn}),
        at + DEFAULT_TABLE_UPDATE_MS,
    );
    assert_eq!(stream["StreamDescription"]["StreamStatus"], "ENABLED");
}

#[test]
fn update_table_refusals_are_awss() {
    let mut db = db();
    let on = |view: &str| set_stream_spec(json!({"StreamEnabled": true, "StreamViewType": view}));
    assert_eq!(
        call(&mut db, "UpdateTable", set_stream_spec(json!({"StreamEnabled": true})), NOW),
        validation("One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required")
    );
    assert_eq!(
        call(&mut db, "UpdateTable", set_stream_spec(json!({"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"})), NOW),
        validation("One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified")
    );
    assert_eq!(
        call(&mut db, "UpdateTable", on("Fisk"), NOW),
        validation("1 validation error detected: Value 'Fisk' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]")
    );
    assert_eq!(
        call(
            &mut db,
            "UpdateTable",
            set_stream_spec(json!({"StreamEnabled": false})),
            NOW
        ),
        validation("Table has no stream to disable: TableName: lab-table")
    );
    assert_eq!(
        call(&mut db, "UpdateTable", json!({"TableName": LAB_TABLE}), NOW),
        validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
    );
    ok(&mut db, "UpdateTable", on("NEW_IMAGE"), NOW);
    assert_eq!(
        call(&mut db, "UpdateTable", on("NEW_IMAGE"), NOW + 1),
        (
            400,
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
                "message": "Attempt to change a resource which is still in use: Table is being updated: lab-table",
            })
        )
    );
    let later = NOW + DEFAULT_TABLE_UPDATE_MS;
    let already = validation("Table already has an enabled stream: TableName: lab-table");
    assert_eq!(
        call(&mut db, "UpdateTable", on("NEW_IMAGE"), later),
        already
    );
    // The view type of an enabled stream cannot change in place.
    assert_eq!(
        call(&mut db, "UpdateTable", on("NEW_AND_OLD_IMAGES"), later),
        already
    );
    assert_eq!(
        call(
            &mut db,
            "UpdateTable",
            json!({"TableName": "nope", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}),
            later
        ),
        not_found("Requested resource not found: Table: nope not found")
    );
}

#[test]
fn a_disabled_stream_stays_readable_and_a_new_one_gets_a_new_arn() {
    let mut db = db_streaming(StreamViewType::NewImage);
    let first = db.latest_stream_arn(LAB_TABLE).unwrap();
    assert_eq!(
        first,
        format!("{ARN_PREFIX}/stream/2024-10-08T19:55:22.000")
    );
    put(&mut db, lab_item("a", "Ana"), NOW + 10);
    let off = NOW + 1000;
    ok(
        &mut db,
        "UpdateTable",
        set_stream_spec(json!({"StreamEnabled": false})),
        off,
    );
    let table = described(&mut db, off + DEFAULT_TABLE_UPDATE_MS);
    assert_eq!(table.get("StreamSpecification"), None);
    assert_eq!(table["LatestStreamArn"], first);
    // Writes while off leave no record.
    put(&mut db, lab_item("b", "Bo"), off + DEFAULT_TABLE_UPDATE_MS);
    assert_eq!(db.events()[1].record, None);

    let on = off + 2 * DEFAULT_TABLE_UPDATE_MS;
    ok(
        &mut db,
        "UpdateTable",
        set_stream_spec(json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})),
        on,
    );
    let second = db.latest_stream_arn(LAB_TABLE).unwrap();
    assert_ne!(second, first);
    let listed = stream_ok(
        &mut db,
        "ListStreams",
        json!({"TableName": LAB_TABLE}),
        on + 1,
    );
    assert_eq!(
        listed,
        json!({"Streams": [
            {"StreamArn": first, "TableName": "lab-table", "StreamLabel": "2024-10-08T19:55:22.000"},
            {"StreamArn": second, "TableName": "lab-table", "StreamLabel": "2024-10-08T19:55:31.000"},
        ]})
    );
    let old = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": first}),
        on + 1,
    );
    let old = &old["StreamDescription"];
    assert_eq!(old["StreamStatus"], "DISABLED");
    let shard = &old["Shards"][0];
    assert!(
        shard["SequenceNumberRange"]
            .get("EndingSequenceNumber")
            .is_some(),
        "{shard}"
    );
    let iterator = stream_ok(
        &mut db,
        "GetShardIterator",
        json!({"StreamArn": first, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
        on + 2,
    )["ShardIterator"]
        .clone();
    let records = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": iterator}),
        on + 3,
    );
    assert_eq!(records["Records"].as_array().unwrap().len(), 1);
    assert_eq!(
        records.get("NextShardIterator"),
        None,
        "a closed shard read to its end"
    );

    // 24 hours after it was turned off, AWS no longer knows the old stream.
    let gone = off + RETENTION_MS;
    assert_eq!(
        stream_call(&mut db, "DescribeStream", json!({"StreamArn": first}), gone),
        not_found(&format!(
            "Requested resource not found: Stream: {first} not found"
        ))
    );
    let listed = stream_ok(&mut db, "ListStreams", json!({}), gone);
    assert_eq!(listed["Streams"].as_array().unwrap().len(), 1);
}

// -------------------------------------------------------------- streams --

/// Reads every record of the table's latest stream through the wire, from
/// TRIM_HORIZON of every shard.
fn all_records(db: &mut DynamoDb, now: i64) -> Vec<Value> {
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    let desc = stream_ok(db, "DescribeStream", json!({"StreamArn": arn}), now);
    let mut out = Vec::new();
    for shard in desc["StreamDescription"]["Shards"].as_array().unwrap() {
        let mut iterator = stream_ok(
            db,
            "GetShardIterator",
            json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
            now,
        )["ShardIterator"]
            .clone();
        loop {
            let page = stream_ok(db, "GetRecords", json!({"ShardIterator": iterator}), now);
            let records = page["Records"].as_array().unwrap().clone();
            let done = records.is_empty();
            out.extend(records);
            match page.get("NextShardIterator") {
                Some(next) if !done => iterator = next.clone(),
                _ => break,
            }
        }
    }
    out
}

fn dynamodb_part(record: &Value) -> Value {
    let mut d = record["dynamodb"].clone();
    d.as_object_mut().unwrap().remove("SequenceNumber");
    d
}

#[test]
fn records_are_exactly_as_aws_writes_them_for_the_lab_view_type() {
    let mut db = db_streaming(StreamViewType::NewImage);
    put(&mut db, lab_item("a", "Ana"), NOW + 1_500);
    let update = json!({
        "TableName": LAB_TABLE, "Key": key("a"), "UpdateExpression": "SET #n = :n",
        "ExpressionAttributeNames": {"#n": "name"}, "ExpressionAttributeValues": {":n": {"S": "Bo"}},
    });
    ok(&mut db, "UpdateItem", update, NOW + 2_000);
    ok(
        &mut db,
        "DeleteItem",
        json!({"TableName": LAB_TABLE, "Key": key("a")}),
        NOW + 3_000,
    );
    let records = all_records(&mut db, NOW + 4_000);
    assert_eq!(records.len(), 3);
    let insert = &records[0];
    let event_id = insert["eventID"].as_str().unwrap();
    assert_eq!(event_id.len(), 32);
    assert!(event_id.bytes().all(|b| b.is_ascii_hexdigit()));
    let seq = insert["dynamodb"]["SequenceNumber"].as_str().unwrap();
    assert!(
        seq.len() >= 21 && seq.bytes().all(|b| b.is_ascii_digit()),
        "{seq}"
    );
    let new_item = item_from_json(&lab_item("a", "Ana")).unwrap();
    let key_size = item_size(&item_from_json(&key("a")).unwrap());
    assert_eq!(
        *insert,
        json!({
            "eventID": event_id,
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "ap-southeast-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_728_417_323,
                "Keys": key("a"),
                "NewImage": lab_item("a", "Ana"),
                "SequenceNumber": seq,
                "SizeBytes": key_size + item_size(&new_item),
                "StreamViewType": "NEW_IMAGE",
            },
        })
    );
    assert_eq!(records[1]["eventName"], "MODIFY");
    assert_eq!(records[1]["dynamodb"]["NewImage"], lab_item("a", "Bo"));
    assert_eq!(records[1]["dynamodb"].get("OldImage"), None);
    assert_eq!(records[2]["eventName"], "REMOVE");
    assert_eq!(
        dynamodb_part(&records[2]),
        json!({
            "ApproximateCreationDateTime": 1_728_417_325,
            "Keys": key("a"),
            "SizeBytes": key_size,
            "StreamViewType": "NEW_IMAGE",
        })
    );
}

#[test]
fn view_types_decide_the_images() {
    let cases = [
        (
            StreamViewType::KeysOnly,
            [(false, false), (false, false), (false, false)],
        ),
        (
            StreamViewType::NewImage,
            [(true, false), (true, false), (false, false)],
        ),
        (
            StreamViewType::OldImage,
            [(false, false), (false, true), (false, true)],
        ),
        (
            StreamViewType::NewAndOldImages,
            [(true, false), (true, true), (false, true)],
        ),
    ];
    for (view, expected) in cases {
        let mut db = db_streaming(view);
        put(&mut db, lab_item("a", "one"), NOW);
        put(&mut db, lab_item("a", "two"), NOW);
        ok(
            &mut db,
            "DeleteItem",
            json!({"TableName": LAB_TABLE, "Key": key("a")}),
            NOW,
        );
        let records = all_records(&mut db, NOW);
        let names: Vec<&str> = records
            .iter()
            .map(|r| r["eventName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"], "{view:?}");
        for (record, (has_new, has_old)) in records.iter().zip(expected) {
            let d = &record["dynamodb"];
            assert_eq!(d.get("NewImage").is_some(), has_new, "{view:?} {record}");
            assert_eq!(d.get("OldImage").is_some(), has_old, "{view:?} {record}");
            assert_eq!(d["StreamViewType"], view.as_str());
        }
        if view == StreamViewType::NewAndOldImages {
            assert_eq!(records[1]["dynamodb"]["OldImage"], lab_item("a", "one"));
            assert_eq!(records[1]["dynamodb"]["NewImage"], lab_item("a", "two"));
            assert_eq!(records[2]["dynamodb"]["OldImage"], lab_item("a", "two"));
        }
    }
}

#[test]
fn writes_that_change_nothing_leave_no_record() {
    let mut db = db_streaming(StreamViewType::NewAndOldImages);
    put(&mut db, lab_item("a", "Ana"), NOW);
    put(&mut db, lab_item("a", "Ana"), NOW + 1);
    let same = json!({
        "TableName": LAB_TABLE, "Key": key("a"), "UpdateExpression": "SET #n = :n",
        "ExpressionAttributeNames": {"#n": "name"}, "ExpressionAttributeValues": {":n": {"S": "Ana"}},
    });
    ok(&mut db, "UpdateItem", same, NOW + 2);
    ok(
        &mut db,
        "UpdateItem",
        json!({"TableName": LAB_TABLE, "Key": key("a"), "UpdateExpression": "REMOVE nothing_here"}),
        NOW + 3,
    );
    ok(
        &mut db,
        "DeleteItem",
        json!({"TableName": LAB_TABLE, "Key": key("zz")}),
        NOW + 4,
    );
    // A number written as 1.0 over 1 is the same number.
    put(
        &mut db,
        json!({"id": {"S": "n"}, "v": {"N": "1"}, "s": {"SS": ["x", "y"]}}),
        NOW + 5,
    );
    put(
        &mut db,
        json!({"id": {"S": "n"}, "v": {"N": "1.0"}, "s": {"SS": ["y", "x"]}}),
        NOW + 6,
    );
    let records = all_records(&mut db, NOW + 10);
    assert_eq!(records.len(), 2, "{records:?}");
    let changes: Vec<Option<EventName>> = db.events().iter().map(|e| e.change).collect();
    assert_eq!(
        changes,
        [
            Some(EventName::Insert),
            None,
            None,
            None,
            None,
            Some(EventName::Insert),
            None
        ]
    );
    let ops: Vec<&str> = db.events().iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(
        ops,
        [
            "PutItem",
            "PutItem",
            "UpdateItem",
            "UpdateItem",
            "DeleteItem",
            "PutItem",
            "PutItem"
        ]
    );
    assert!(db
        .events()
        .iter()
        .filter(|e| e.change.is_none())
        .all(|e| e.record.is_none()));
}

#[test]
fn records_come_once_in_write_order_with_growing_sequence_numbers() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let ids = ["a", "b", "a", "c", "b"];
    for (i, id) in ids.iter().enumerate() {
        put(&mut db, lab_item(id, &format!("v{i}")), NOW + i as i64);
    }
    let records = all_records(&mut db, NOW + 100);
    let keys: Vec<&str> = records
        .iter()
        .map(|r| r["dynamodb"]["Keys"]["id"]["S"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ids);
    let seqs: Vec<u128> = records
        .iter()
        .map(|r| {
            r["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // The timeline names each record.
    let refs: Vec<String> = db
        .events()
        .iter()
        .map(|e| e.record.as_ref().unwrap().sequence_number.clone())
        .collect();
    let from_wire: Vec<String> = seqs.iter().map(|s| format!("{s:021}")).collect();
    assert_eq!(refs, from_wire);
}

fn shard_iterator(
    db: &mut DynamoDb,
    arn: &str,
    shard: &Value,
    kind: &str,
    seq: Option<&str>,
    now: i64,
) -> (u16, Value) {
    let mut body = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind});
    if let Some(seq) = seq {
        body["SequenceNumber"] = json!(seq);
    }
    stream_call(db, "GetShardIterator", body, now)
}

#[test]
fn every_iterator_type_starts_where_it_should() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    // Many readers at once: the two-reader limit would refuse the third.
    db.set_shard_reader_limit(false);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    for id in ["a", "b", "c"] {
        put(&mut db, lab_item(id, id), NOW);
    }
    let desc = stream_ok(&mut db, "DescribeStream", json!({"StreamArn": arn}), NOW);
    let shard = desc["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let start = desc["StreamDescription"]["Shards"][0]["SequenceNumberRange"]
        ["StartingSequenceNumber"]
        .clone();
    let read = |db: &mut DynamoDb, kind: &str, seq: Option<&str>| -> Vec<String> {
        let (status, it) = shard_iterator(db, &arn, &shard, kind, seq, NOW);
        assert_eq!(status, 200, "{it}");
        let page = stream_ok(
            db,
            "GetRecords",
            json!({"ShardIterator": it["ShardIterator"]}),
            NOW,
        );
        page["Records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["dynamodb"]["Keys"]["id"]["S"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(read(&mut db, "TRIM_HORIZON", None), ["a", "b", "c"]);
    assert_eq!(
        read(&mut db, "AT_SEQUENCE_NUMBER", start.as_str()),
        ["a", "b", "c"]
    );
    let all = all_records(&mut db, NOW);
    let second = all[1]["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        read(&mut db, "AT_SEQUENCE_NUMBER", Some(&second)),
        ["b", "c"]
    );
    assert_eq!(read(&mut db, "AFTER_SEQUENCE_NUMBER", Some(&second)), ["c"]);
    assert!(read(&mut db, "LATEST", None).is_empty());

    // LATEST sees what comes after it, and only that.
    let (_, latest) = shard_iterator(&mut db, &arn, &shard, "LATEST", None, NOW);
    put(&mut db, lab_item("d", "d"), NOW + 1);
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": latest["ShardIterator"], "Limit": 1}),
        NOW + 2,
    );
    assert_eq!(page["Records"][0]["dynamodb"]["Keys"], key("d"));
    let next = page["NextShardIterator"].clone();
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": next}),
        NOW + 3,
    );
    assert_eq!(page["Records"], json!([]));
    assert!(
        page.get("NextShardIterator").is_some(),
        "an open shard always has a next iterator"
    );

    // Limit is honoured, and the next iterator resumes.
    let (_, trim) = shard_iterator(&mut db, &arn, &shard, "TRIM_HORIZON", None, NOW);
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": trim["ShardIterator"], "Limit": 2}),
        NOW,
    );
    assert_eq!(page["Records"].as_array().unwrap().len(), 2);
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": page["NextShardIterator"], "Limit": 2}),
        NOW,
    );
    let rest: Vec<&Value> = page["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["dynamodb"]["Keys"])
        .collect();
    assert_eq!(rest, [&key("c"), &key("d")]);
}

#[test]
fn shard_iterator_errors() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    put(&mut db, lab_item("a", "a"), NOW);
    let desc = stream_ok(&mut db, "DescribeStream", json!({"StreamArn": arn}), NOW);
    let shard = desc["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let start = desc["StreamDescription"]["Shards"][0]["SequenceNumberRange"]
        ["StartingSequenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = shard_iterator(&mut db, &arn, &shard, "AT_SEQUENCE_NUMBER", None, NOW);
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("com.amazon.coral.validate#ValidationException"))
    );
    let (status, body) = shard_iterator(&mut db, &arn, &shard, "LATEST", Some(&start), NOW);
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("com.amazon.coral.validate#ValidationException"))
    );
    let (status, body) = shard_iterator(
        &mut db,
        &arn,
        &shard,
        "AT_SEQUENCE_NUMBER",
        Some("999999999999999999999999"),
        NOW,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("com.amazon.coral.validate#ValidationException"))
    );
    assert_eq!(
        shard_iterator(&mut db, &arn, &shard, "bulle", None, NOW),
        validation("1 validation error detected: Value 'bulle' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]")
    );
    // Malformed ARN: validation; well-formed unknown one: not found.
    let (status, body) = shard_iterator(
        &mut db,
        "sdfadfsddafgdafsgjnadflkgnalngalsdfnlkasnlkasdfasdfasf",
        &shard,
        "LATEST",
        None,
        NOW,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("com.amazon.coral.validate#ValidationException"))
    );
    let unknown = format!("{ARN_PREFIX}/stream/2020-01-01T00:00:00.000");
    assert_eq!(
        shard_iterator(&mut db, &unknown, &shard, "LATEST", None, NOW),
        not_found(&format!(
            "Requested resource not found: Stream: {unknown} not found"
        ))
    );
    assert_eq!(
        shard_iterator(
            &mut db,
            &arn,
            &json!("shardId-00000000000000000000-00000000"),
            "LATEST",
            None,
            NOW
        ),
        not_found("Requested resource not found: Shard does not exist")
    );
    assert_eq!(
        stream_call(
            &mut db,
            "GetRecords",
            json!({"ShardIterator": "sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg"}),
            NOW
        ),
        validation("Invalid ShardIterator")
    );
    let (_, it) = shard_iterator(&mut db, &arn, &shard, "TRIM_HORIZON", None, NOW);
    assert_eq!(
        stream_call(&mut db, "GetRecords", json!({"ShardIterator": it["ShardIterator"], "Limit": 1001}), NOW),
        validation("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
    );
}

#[test]
fn iterators_expire_fifteen_minutes_after_issue() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    let desc = stream_ok(&mut db, "DescribeStream", json!({"StreamArn": arn}), NOW);
    let shard = desc["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let (_, it) = shard_iterator(&mut db, &arn, &shard, "TRIM_HORIZON", None, NOW);
    let iterator = it["ShardIterator"].clone();
    // Still good at exactly 15 minutes; the next iterator is fresh.
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": iterator}),
        NOW + ITERATOR_TTL_MS,
    );
    let next = page["NextShardIterator"].clone();
    assert_eq!(
        stream_call(
            &mut db,
            "GetRecords",
            json!({"ShardIterator": iterator}),
            NOW + ITERATOR_TTL_MS + 1
        ),
        (
            400,
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",
                "message": "The provided iterator exceeds the maximum age allowed.",
            })
        )
    );
    stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": next}),
        NOW + 2 * ITERATOR_TTL_MS,
    );
}

#[test]
fn a_reader_follows_a_rolled_over_shard_to_its_child() {
    let mut db = db_streaming(StreamViewType::NewImage);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    put(&mut db, lab_item("a", "before"), NOW + 1);
    let desc = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn}),
        NOW + 2,
    );
    let parent = desc["StreamDescription"]["Shards"][0]["ShardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, it) = shard_iterator(&mut db, &arn, &json!(parent), "TRIM_HORIZON", None, NOW + 2);
    let mut cursor = db
        .stream_cursor(&arn, StartingPosition::TrimHorizon, NOW + 2)
        .unwrap();

    let child = db.roll_over_shard(LAB_TABLE, NOW + 3).unwrap();
    put(&mut db, lab_item("b", "after"), NOW + 4);

    let desc = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn}),
        NOW + 5,
    );
    let shards = desc["StreamDescription"]["Shards"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(shards.len(), 2);
    let ending = shards[0]["SequenceNumberRange"]["EndingSequenceNumber"]
        .as_str()
        .unwrap();
    let records = all_records(&mut db, NOW + 5);
    assert_eq!(records[0]["dynamodb"]["SequenceNumber"], ending);
    assert_eq!(shards[1]["ShardId"], child);
    assert_eq!(shards[1]["ParentShardId"], parent);
    assert_eq!(
        shards[1]["SequenceNumberRange"].get("EndingSequenceNumber"),
        None
    );
    assert!(child.as_str() > parent.as_str(), "shard ids sort by age");

    // The old iterator reads the parent to its end, then has no next one.
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": it["ShardIterator"]}),
        NOW + 6,
    );
    assert_eq!(page["Records"][0]["dynamodb"]["Keys"], key("a"));
    assert_eq!(page.get("NextShardIterator"), None);
    // The reader then finds the child through DescribeStream.
    let (_, child_it) = shard_iterator(&mut db, &arn, &json!(child), "TRIM_HORIZON", None, NOW + 6);
    let page = stream_ok(
        &mut db,
        "GetRecords",
        json!({"ShardIterator": child_it["ShardIterator"]}),
        NOW + 6,
    );
    assert_eq!(page["Records"][0]["dynamodb"]["Keys"], key("b"));

    // The typed cursor does the same on its own.
    let first = db.read_stream(&mut cursor, 10, NOW + 7).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].shard_id, parent);
    let second = db.read_stream(&mut cursor, 10, NOW + 7).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].shard_id, child);
    assert_eq!(cursor.shard_id, child);
    assert!(db.read_stream(&mut cursor, 10, NOW + 8).unwrap().is_empty());
}

#[test]
fn shards_roll_over_on_their_own_every_four_hours() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    put(&mut db, lab_item("a", "a"), NOW);
    put(
        &mut db,
        lab_item("b", "b"),
        NOW + DEFAULT_SHARD_ROLLOVER_MS - 1,
    );
    put(&mut db, lab_item("c", "c"), NOW + DEFAULT_SHARD_ROLLOVER_MS);
    let desc = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn}),
        NOW + DEFAULT_SHARD_ROLLOVER_MS,
    );
    let shards = desc["StreamDescription"]["Shards"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(shards.len(), 2);
    assert_eq!(shards[1]["ParentShardId"], shards[0]["ShardId"]);
    assert_eq!(
        shards[1]["ShardId"].as_str().unwrap()[..28],
        format!("shardId-{:020}", NOW + DEFAULT_SHARD_ROLLOVER_MS)
    );
    let mut cursor = db
        .stream_cursor(
            &arn,
            StartingPosition::TrimHorizon,
            NOW + DEFAULT_SHARD_ROLLOVER_MS,
        )
        .unwrap();
    let first = db
        .read_stream(&mut cursor, 100, NOW + DEFAULT_SHARD_ROLLOVER_MS)
        .unwrap();
    let second = db
        .read_stream(&mut cursor, 100, NOW + DEFAULT_SHARD_ROLLOVER_MS)
        .unwrap();
    assert_eq!((first.len(), second.len()), (2, 1));
    // A long idle spell does not pile up empty shards: by the end of the
    // first day, four (not six); much later, only the two that closed less
    // than 24 hours ago are listed at all.
    let listed = |db: &mut DynamoDb, now: i64| {
        stream_ok(db, "DescribeStream", json!({"StreamArn": arn}), now)["StreamDescription"]
            ["Shards"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(listed(&mut db, NOW + RETENTION_MS - 1), 4);
    assert_eq!(listed(&mut db, NOW + 100 * DEFAULT_SHARD_ROLLOVER_MS), 2);
}

#[test]
fn describe_stream_and_list_streams_page() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    db.roll_over_shard(LAB_TABLE, NOW + 1).unwrap();
    db.roll_over_shard(LAB_TABLE, NOW + 2).unwrap();
    let page = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn, "Limit": 2}),
        NOW + 3,
    );
    let d = &page["StreamDescription"];
    let shards = d["Shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2);
    assert_eq!(d["LastEvaluatedShardId"], shards[1]["ShardId"]);
    assert_eq!(
        d["KeySchema"],
        json!([{"AttributeName": "id", "KeyType": "HASH"}])
    );
    assert_eq!(d["TableName"], "lab-table");
    assert_eq!(d["StreamViewType"], "KEYS_ONLY");
    assert_eq!(d["StreamLabel"], "2024-10-08T19:55:22.000");
    assert_eq!(d["CreationRequestDateTime"], json!(1_728_417_322.0));
    let rest = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn, "ExclusiveStartShardId": d["LastEvaluatedShardId"]}),
        NOW + 3,
    );
    assert_eq!(
        rest["StreamDescription"]["Shards"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(rest["StreamDescription"].get("LastEvaluatedShardId"), None);
    let none = stream_ok(
        &mut db,
        "DescribeStream",
        json!({"StreamArn": arn, "ExclusiveStartShardId": "shardId-00000000000000000000-ffffffff"}),
        NOW + 3,
    );
    assert_eq!(none["StreamDescription"]["Shards"], json!([]));

    assert!(db.create_table(
        "other-table",
        KeySchema::hash_only("pk", ScalarType::S),
        NOW
    ));
    db.set_stream("other-table", Some(StreamViewType::NewImage), NOW + 4)
        .unwrap();
    let all = stream_ok(&mut db, "ListStreams", json!({"Limit": 1}), NOW + 5);
    assert_eq!(all["Streams"].as_array().unwrap().len(), 1);
    assert_eq!(all["LastEvaluatedStreamArn"], arn);
    let rest = stream_ok(
        &mut db,
        "ListStreams",
        json!({"ExclusiveStartStreamArn": arn}),
        NOW + 5,
    );
    assert_eq!(rest["Streams"][0]["TableName"], "other-table");
    assert_eq!(
        stream_ok(
            &mut db,
            "ListStreams",
            json!({"TableName": "nope"}),
            NOW + 5
        ),
        json!({"Streams": []})
    );
    let (status, body) = stream_call(
        &mut db,
        "ListStreams",
        json!({"ExclusiveStartStreamArn": "kossaapaaasdafsdaasdasdasdasasdasfadfadfasdasdas"}),
        NOW,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("com.amazon.coral.validate#ValidationException"))
    );
}

// ------------------------------------------------------------ typed API --

#[test]
fn the_typed_api_writes_reads_and_polls() {
    let mut db = db_streaming(StreamViewType::NewImage);
    let item = item_from_json(&lab_item("a", "Ana")).unwrap();
    assert_eq!(
        db.put_item(LAB_TABLE, item.clone(), NOW + 10).unwrap(),
        None
    );
    let key_a = item_from_json(&key("a")).unwrap();
    assert_eq!(db.get_item(LAB_TABLE, &key_a).unwrap(), Some(item.clone()));
    let names = BTreeMap::from([("#n".to_owned(), "name".to_owned())]);
    let values = BTreeMap::from([(":n".to_owned(), AttributeValue::s("Bo"))]);
    let (old, new) = db
        .update_item(
            LAB_TABLE,
            key_a.clone(),
            Some("SET #n = :n"),
            &names,
            &values,
            NOW + 20,
        )
        .unwrap();
    assert_eq!(old, Some(item));
    assert_eq!(new["name"], AttributeValue::s("Bo"));
    assert_eq!(
        db.update_item(LAB_TABLE, key_a.clone(), Some("SET name = :n"), &BTreeMap::new(), &values, NOW)
            .unwrap_err()
            .to_string(),
        "ValidationException: Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name"
    );
    assert!(db
        .delete_item(LAB_TABLE, &key_a, NOW + 30)
        .unwrap()
        .is_some());

    let all = db.poll_stream(LAB_TABLE, None, 10, NOW + 40).unwrap();
    assert_eq!(
        all.iter().map(|r| r.event_name).collect::<Vec<_>>(),
        [EventName::Insert, EventName::Modify, EventName::Remove]
    );
    let rest = db
        .poll_stream(LAB_TABLE, Some(&all[0].sequence_number), 10, NOW + 40)
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(
        db.poll_stream(LAB_TABLE, Some(&all[1].sequence_number), 1, NOW + 40)
            .unwrap()[0]
            .event_name,
        EventName::Remove
    );

    // As Lambda hands it to a function.
    let lambda = all[0].to_lambda_json();
    assert_eq!(
        lambda["eventSourceARN"],
        json!(db.latest_stream_arn(LAB_TABLE).unwrap())
    );
    assert_eq!(lambda["dynamodb"]["NewImage"], lab_item("a", "Ana"));
    assert_eq!(
        lambda["dynamodb"]["ApproximateCreationDateTime"],
        json!(1_728_417_322)
    );
    let mut without = lambda.clone();
    without.as_object_mut().unwrap().remove("eventSourceARN");
    assert_eq!(without, all[0].to_json());

    let events = db.events();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].time_ms, NOW + 10);
    assert_eq!(
        events[0].record.as_ref().unwrap().sequence_number,
        all[0].sequence_number
    );
    assert_eq!(events[2].operation, WriteOp::DeleteItem);
}

#[test]
fn a_latest_cursor_skips_what_was_written_before() {
    let mut db = db_streaming(StreamViewType::KeysOnly);
    let arn = db.latest_stream_arn(LAB_TABLE).unwrap();
    put(&mut db, lab_item("old", "x"), NOW);
    let mut cursor = db
        .stream_cursor(&arn, StartingPosition::Latest, NOW + 1)
        .unwrap();
    assert!(db.read_stream(&mut cursor, 10, NOW + 1).unwrap().is_empty());
    put(&mut db, lab_item("new", "x"), NOW + 2);
    let records = db.read_stream(&mut cursor, 10, NOW + 3).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].keys, item_from_json(&key("new")).unwrap());
    assert_eq!(
        cursor.after.as_deref(),
        Some(records[0].sequence_number.as_str())
    );
}

#[test]
fn the_same_seed_gives_the_same_ids() {
    let run = || {
        let mut db = db_streaming(StreamViewType::NewImage);
        put(&mut db, lab_item("a", "Ana"), NOW);
        db.roll_over_shard(LAB_TABLE, NOW + 1).unwrap();
        let r = &db.poll_stream(LAB_TABLE, None, 1, NOW + 2).unwrap()[0];
        (
            r.event_id.clone(),
            r.sequence_number.clone(),
            r.shard_id.clone(),
            described(&mut db, NOW)["TableId"].clone(),
        )
    };
    assert_eq!(run(), run());
    let mut other = DynamoDb::new(
        DynamoDbConfig {
            lab_stream: Some(StreamViewType::NewImage),
            ..DynamoDbConfig::new(8)
        },
        NOW,
    );
    put(&mut other, lab_item("a", "Ana"), NOW);
    assert_ne!(
        other.poll_stream(LAB_TABLE, None, 1, NOW).unwrap()[0].event_id,
        run().0
    );
}
