//! DynamoDB's operations over the wire: PutItem, GetItem, UpdateItem,
//! DeleteItem, Scan, DescribeTable, UpdateTable and ListTables.
//!
//! Each reads its members with Coral's type checks, reports constraint
//! violations in Coral's format, then runs the service's own checks in the
//! order AWS does (expression parameters, attribute values, return values,
//! item size, expressions; then the table; then the key), so that a request
//! with several problems gets the error AWS would give first.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::attribute::{
    item_size, item_to_json, read_raw_map, validate_map, AttributeValue, Item, RawValue,
    MAX_ITEM_SIZE,
};
use super::error::{DynamoDbError, ErrorKind};
use super::expression::{parse_projection, parse_update, project, Context, Path};
use super::stream::StreamViewType;
use super::table::Table;
use super::wire::{Fields, Violations};
use super::DynamoDb;

/// Every operation of DynamoDB's API (2012-08-10); the ones not simulated are
/// answered as such rather than as unknown.
pub(crate) const OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExecuteStatement",
    "ExecuteTransaction",
    "ExportTableToPointInTime",
    "GetItem",
    "GetResourcePolicy",
    "ImportTable",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
];

const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];
const CONSUMED_CAPACITY: &[&str] = &["INDEXES", "TOTAL", "NONE"];
const COLLECTION_METRICS: &[&str] = &["SIZE", "NONE"];
const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];
/// Scan stops at 1 MB of items per page.
const PAGE_BYTES: usize = 1024 * 1024;

fn validation(message: String) -> DynamoDbError {
    DynamoDbError::validation(message)
}

/// A member Coral has already required; absent only if a check was missed.
fn required<T>(value: Option<T>, member: &str) -> Result<T, DynamoDbError> {
    value.ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// Checked placeholders: names to attribute names, values to values.
type Checked = (BTreeMap<String, String>, BTreeMap<String, AttributeValue>);

/// `ExpressionAttributeNames` and `ExpressionAttributeValues` as read.
struct Placeholders {
    names: Option<Vec<(String, String)>>,
    values: Option<Vec<(String, RawValue)>>,
}

impl Placeholders {
    fn read(f: &Fields<'_>, with_values: bool) -> Result<Self, DynamoDbError> {
        let values = if with_values {
            f.get("ExpressionAttributeValues")
                .map(read_raw_map)
                .transpose()?
                .flatten()
        } else {
            None
        };
        Ok(Placeholders {
            values,
            names: f.string_map("ExpressionAttributeNames")?,
        })
    }

    /// DynamoDB's checks of the placeholders themselves.
    fn check(self) -> Result<Checked, DynamoDbError> {
        let valid_key = |key: &str, sigil: char| {
            key.strip_prefix(sigil).is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        };
        let mut names = BTreeMap::new();
        if let Some(given) = self.names {
            if given.is_empty() {
                return Err(validation(
                    "ExpressionAttributeNames must not be empty".into(),
                ));
            }
            names = given.into_iter().collect();
            if let Some(bad) = names.keys().find(|k| !valid_key(k, '#')) {
                return Err(validation(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
        }
        let mut values = BTreeMap::new();
        if let Some(mut given) = self.values {
            if given.is_empty() {
                return Err(validation(
                    "ExpressionAttributeValues must not be empty".into(),
                ));
            }
            given.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some((bad, _)) = given.iter().find(|(k, _)| !valid_key(k, ':')) {
                return Err(validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
            for (key, raw) in given {
                let value = raw.validate(0).map_err(|m| {
                    validation(format!(
                        "ExpressionAttributeValues contains invalid value: {m} for key {key}"
                    ))
                })?;
                values.insert(key, value);
            }
        }
        Ok((names, values))
    }
}

/// DynamoDB's rules on mixing expression and legacy parameters, and on
/// placeholders without expressions.
fn expression_params(
    f: &Fields<'_>,
    expressions: &[&str],
    legacy: &[&str],
) -> Result<(), DynamoDbError> {
    let used: Vec<&str> = expressions
        .iter()
        .copied()
        .filter(|e| f.get(e).is_some())
        .collect();
    let old: Vec<&str> = legacy
        .iter()
        .copied()
        .filter(|e| f.get(e).is_some())
        .collect();
    if !used.is_empty() && !old.is_empty() {
        return Err(validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
            old.join(", "),
            used.join(", ")
        )));
    }
    if f.get("ExpressionAttributeNames").is_some() && used.is_empty() {
        return Err(validation(
            "ExpressionAttributeNames can only be specified when using expressions".into(),
        ));
    }
    let value_expressions: Vec<&str> = expressions
        .iter()
        .copied()
        .filter(|e| *e != "ProjectionExpression")
        .collect();
    let values_used = value_expressions.iter().any(|e| f.get(e).is_some());
    if !value_expressions.is_empty() && f.get("ExpressionAttributeValues").is_some() && !values_used
    {
        return Err(validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            value_expressions.join(" and "),
            if value_expressions.len() > 1 {
                "are"
            } else {
                "is"
            }
        )));
    }
    Ok(())
}

/// Legacy parameters the simulator does not model.
fn refuse_legacy(f: &Fields<'_>, members: &[&str]) -> Result<(), DynamoDbError> {
    match members.iter().find(|m| f.get(m).is_some()) {
        Some(member) => Err(DynamoDbError::unsupported(&format!(
            "the legacy parameter {member}"
        ))),
        None => Ok(()),
    }
}

fn epoch_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn attributes(item: Item) -> Value {
    json!({ "Attributes": item_to_json(&item) })
}

impl DynamoDb {
    pub(crate) fn call(
        &mut self,
        operation: &str,
        f: Fields<'_>,
        now_ms: i64,
    ) -> Result<Value, DynamoDbError> {
        match operation {
            "PutItem" => self.op_put_item(f, now_ms),
            "GetItem" => self.op_get_item(f),
            "UpdateItem" => self.op_update_item(f, now_ms),
            "DeleteItem" => self.op_delete_item(f, now_ms),
            "Scan" => self.op_scan(f),
            "DescribeTable" => self.op_describe_table(f, now_ms),
            "UpdateTable" => self.op_update_table(f, now_ms),
            "ListTables" => self.op_list_tables(f),
            other => Err(DynamoDbError::new(
                ErrorKind::UnknownOperation,
                format!("labsim does not simulate the DynamoDB operation {other}"),
            )),
        }
    }

    fn op_put_item(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let consumed = f.string("ReturnConsumedCapacity")?;
        let table = f.string("TableName")?;
        let item = f.get("Item").map(read_raw_map).transpose()?.flatten();
        let return_values = f.string("ReturnValues")?;
        let metrics = f.string("ReturnItemCollectionMetrics")?;
        let condition = f.string("ConditionExpression")?;
        let placeholders = Placeholders::read(&f, true)?;
        let mut v = Violations::new();
        v.one_of("returnConsumedCapacity", consumed, CONSUMED_CAPACITY);
        v.not_null("tableName", table.is_some());
        v.not_null("item", item.is_some());
        v.one_of("returnValues", return_values, RETURN_VALUES);
        v.one_of("returnItemCollectionMetrics", metrics, COLLECTION_METRICS);
        v.finish()?;
        let (table, item) = (required(table, "tableName")?, required(item, "item")?);

        expression_params(&f, &["ConditionExpression"], &["Expected"])?;
        let item = validate_map(item).map_err(validation)?;
        if return_values.is_some_and(|r| r != "ALL_OLD" && r != "NONE") {
            return Err(validation(
                "ReturnValues can only be ALL_OLD or NONE".into(),
            ));
        }
        if item_size(&item) > MAX_ITEM_SIZE {
            return Err(validation(
                "Item size has exceeded the maximum allowed size".into(),
            ));
        }
        refuse_legacy(&f, &["Expected", "ConditionalOperator"])?;
        placeholders.check()?;
        if condition.is_some() {
            return Err(DynamoDbError::unsupported("ConditionExpression"));
        }

        let old = self.put_item(table, item, now_ms)?;
        Ok(match old {
            Some(old) if return_values == Some("ALL_OLD") => attributes(old),
            _ => json!({}),
        })
    }

    fn op_get_item(&mut self, f: Fields<'_>) -> Result<Value, DynamoDbError> {
        let table = f.string("TableName")?;
        let key = f.get("Key").map(read_raw_map).transpose()?.flatten();
        f.boolean("ConsistentRead")?;
        let projection = f.string("ProjectionExpression")?;
        let placeholders = Placeholders::read(&f, false)?;
        let consumed = f.string("ReturnConsumedCapacity")?;
        let mut v = Violations::new();
        v.one_of("returnConsumedCapacity", consumed, CONSUMED_CAPACITY);
        v.not_null("tableName", table.is_some());
        v.not_null("key", key.is_some());
        v.finish()?;
        let (table, key) = (required(table, "tableName")?, required(key, "key")?);

        expression_params(&f, &["ProjectionExpression"], &["AttributesToGet"])?;
        let key = validate_map(key).map_err(validation)?;
        refuse_legacy(&f, &["AttributesToGet"])?;
        let paths = self.projection(projection, placeholders)?;

        let item = self.get_item(table, &key)?;
        Ok(match item {
            Some(item) => {
                let item = match &paths {
                    Some(paths) => project(&item, paths),
                    None => item,
                };
                json!({ "Item": item_to_json(&item) })
            }
            None => json!({}),
        })
    }

    /// Parses a projection with its names, checking for unused ones.
    fn projection(
        &self,
        projection: Option<&str>,
        placeholders: Placeholders,
    ) -> Result<Option<Vec<Path>>, DynamoDbError> {
        let (names, values) = placeholders.check()?;
        let mut ctx = Context::new(&names, &values);
        let paths = projection
            .map(|src| {
                parse_projection(src, &mut ctx)
                    .map_err(|m| validation(format!("Invalid ProjectionExpression: {m}")))
            })
            .transpose()?;
        match ctx.unused() {
            Some(unused) => Err(validation(unused)),
            None => Ok(paths),
        }
    }

    fn op_update_item(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let consumed = f.string("ReturnConsumedCapacity")?;
        let table = f.string("TableName")?;
        let metrics = f.string("ReturnItemCollectionMetrics")?;
        let return_values = f.string("ReturnValues")?;
        let key = f.get("Key").map(read_raw_map).transpose()?.flatten();
        let condition = f.string("ConditionExpression")?;
        let update = f.string("UpdateExpression")?;
        let placeholders = Placeholders::read(&f, true)?;
        let mut v = Violations::new();
        v.one_of("returnConsumedCapacity", consumed, CONSUMED_CAPACITY);
        v.not_null("tableName", table.is_some());
        v.one_of("returnItemCollectionMetrics", metrics, COLLECTION_METRICS);
        v.one_of("returnValues", return_values, RETURN_VALUES);
        v.not_null("key", key.is_some());
        v.finish()?;
        let (table, key) = (required(table, "tableName")?, required(key, "key")?);

        expression_params(
            &f,
            &["UpdateExpression", "ConditionExpression"],
            &["AttributeUpdates", "Expected"],
        )?;
        let key = validate_map(key).map_err(validation)?;
        refuse_legacy(&f, &["AttributeUpdates", "Expected", "ConditionalOperator"])?;
        let (names, values) = placeholders.check()?;
        let mut ctx = Context::new(&names, &values);
        let parsed = update
            .map(|src| {
                parse_update(src, &mut ctx)
                    .map_err(|m| validation(format!("Invalid UpdateExpression: {m}")))
            })
            .transpose()?;
        if condition.is_some() {
            return Err(DynamoDbError::unsupported("ConditionExpression"));
        }
        if let Some(unused) = ctx.unused() {
            return Err(validation(unused));
        }

        let (old, new) = self.apply_update(table, key, parsed.as_ref(), now_ms)?;
        let targets: Vec<&Path> = parsed.as_ref().map(|u| u.targets()).unwrap_or_default();
        let returned = match return_values.unwrap_or("NONE") {
            "ALL_OLD" => old,
            "ALL_NEW" => Some(new),
            "UPDATED_OLD" => old.map(|o| project(&o, targets.iter().copied())),
            "UPDATED_NEW" => Some(project(&new, targets.iter().copied())),
            _ => None,
        };
        Ok(match returned {
            // An empty selection comes back as no Attributes at all.
            Some(item) if !item.is_empty() => attributes(item),
            _ => json!({}),
        })
    }

    fn op_delete_item(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let table = f.string("TableName")?;
        let key = f.get("Key").map(read_raw_map).transpose()?.flatten();
        let consumed = f.string("ReturnConsumedCapacity")?;
        let metrics = f.string("ReturnItemCollectionMetrics")?;
        let return_values = f.string("ReturnValues")?;
        let condition = f.string("ConditionExpression")?;
        let placeholders = Placeholders::read(&f, true)?;
        let mut v = Violations::new();
        v.not_null("tableName", table.is_some());
        v.not_null("key", key.is_some());
        v.one_of("returnConsumedCapacity", consumed, CONSUMED_CAPACITY);
        v.one_of("returnItemCollectionMetrics", metrics, COLLECTION_METRICS);
        v.one_of("returnValues", return_values, RETURN_VALUES);
        v.finish()?;
        let (table, key) = (required(table, "tableName")?, required(key, "key")?);

        expression_params(&f, &["ConditionExpression"], &["Expected"])?;
        let key = validate_map(key).map_err(validation)?;
        if return_values.is_some_and(|r| r != "ALL_OLD" && r != "NONE") {
            return Err(validation(
                "ReturnValues can only be ALL_OLD or NONE".into(),
            ));
        }
        refuse_legacy(&f, &["Expected", "ConditionalOperator"])?;
        placeholders.check()?;
        if condition.is_some() {
            return Err(DynamoDbError::unsupported("ConditionExpression"));
        }

        let old = self.delete_item(table, &key, now_ms)?;
        Ok(match old {
            Some(old) if return_values == Some("ALL_OLD") => attributes(old),
            _ => json!({}),
        })
    }

    fn op_scan(&mut self, f: Fields<'_>) -> Result<Value, DynamoDbError> {
        let start = f
            .get("ExclusiveStartKey")
            .map(read_raw_map)
            .transpose()?
            .flatten();
        let limit = f.integer("Limit")?;
        let select = f.string("Select")?;
        let segment = f.integer("Segment")?;
        let total_segments = f.integer("TotalSegments")?;
        let table = f.string("TableName")?;
        f.boolean("ConsistentRead")?;
        let projection = f.string("ProjectionExpression")?;
        let placeholders = Placeholders::read(&f, true)?;
        let consumed = f.string("ReturnConsumedCapacity")?;
        let mut v = Violations::new();
        v.one_of("select", select, SELECT);
        v.range("totalSegments", total_segments, 1, Some(1_000_000));
        v.one_of("returnConsumedCapacity", consumed, CONSUMED_CAPACITY);
        v.not_null("tableName", table.is_some());
        v.range("segment", segment, 0, Some(999_999));
        v.range("limit", limit, 1, None);
        v.finish()?;
        let table = required(table, "tableName")?;

        expression_params(
            &f,
            &["ProjectionExpression", "FilterExpression"],
            &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
        )?;
        let start = match start {
            Some(raw) => Some(validate_map(raw).map_err(|m| {
                // AWS prefixes only some of these messages.
                let bare = [
                    "contains duplicates",
                    "number set",
                    "numeric value",
                    "significant digits",
                    "number with magnitude",
                ];
                if bare.iter().any(|b| m.contains(b)) {
                    validation(m)
                } else {
                    validation(format!("The provided starting key is invalid: {m}"))
                }
            })?),
            None => None,
        };
        refuse_legacy(
            &f,
            &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
        )?;
        if f.get("FilterExpression").is_some() {
            return Err(DynamoDbError::unsupported("FilterExpression"));
        }
        if f.get("IndexName").is_some() {
            return Err(DynamoDbError::unsupported("secondary indexes (IndexName)"));
        }
        if segment.is_some() || total_segments.is_some() {
            return Err(DynamoDbError::unsupported(
                "parallel scans (Segment, TotalSegments)",
            ));
        }
        if select == Some("ALL_PROJECTED_ATTRIBUTES") {
            return Err(DynamoDbError::unsupported(
                "secondary indexes (ALL_PROJECTED_ATTRIBUTES)",
            ));
        }
        let paths = self.projection(projection, placeholders)?;

        let t = self
            .table(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        if let Some(start) = &start {
            t.key_schema
                .validate_key(start)
                .map_err(|m| validation(format!("The provided starting key is invalid: {m}")))?;
        }
        let limit = limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
        let (mut scanned, mut bytes) = (Vec::new(), 0);
        for item in t.scan(start.as_ref()) {
            if limit.is_some_and(|l| scanned.len() >= l) || bytes >= PAGE_BYTES {
                break;
            }
            bytes += item_size(item);
            scanned.push(item);
        }
        // As AWS: a page cut by Limit or size has a LastEvaluatedKey, even if
        // nothing follows it.
        let cut = limit.is_some_and(|l| scanned.len() >= l) || bytes >= PAGE_BYTES;
        let mut out = Map::new();
        out.insert("Count".into(), json!(scanned.len()));
        out.insert("ScannedCount".into(), json!(scanned.len()));
        if let Some(last) = scanned.last().filter(|_| cut) {
            out.insert(
                "LastEvaluatedKey".into(),
                item_to_json(&t.key_schema.key_of(last)),
            );
        }
        if select != Some("COUNT") {
            let items: Vec<Value> = scanned
                .iter()
                .map(|item| match &paths {
                    Some(paths) => item_to_json(&project(item, paths)),
                    None => item_to_json(item),
                })
                .collect();
            out.insert("Items".into(), Value::Array(items));
        }
        Ok(Value::Object(out))
    }

    fn op_describe_table(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let table = f.string("TableName")?;
        let mut v = Violations::new();
        v.not_null("tableName", table.is_some());
        v.finish()?;
        let name = required(table, "tableName")?;
        let t = self
            .table(name)
            .ok_or_else(|| DynamoDbError::table_not_found_named(name))?;
        Ok(json!({ "Table": self.describe(t, now_ms) }))
    }

    fn op_update_table(&mut self, f: Fields<'_>, now_ms: i64) -> Result<Value, DynamoDbError> {
        let table = f.string("TableName")?;
        let spec = f.structure("StreamSpecification", "StreamSpecification")?;
        let enabled = spec
            .map(|s| s.boolean("StreamEnabled"))
            .transpose()?
            .flatten();
        let view = spec
            .map(|s| s.string("StreamViewType"))
            .transpose()?
            .flatten();
        let billing = f.string("BillingMode")?;
        let protection = f.boolean("DeletionProtectionEnabled")?;
        let mut v = Violations::new();
        v.not_null("tableName", table.is_some());
        v.one_of("billingMode", billing, &["PROVISIONED", "PAY_PER_REQUEST"]);
        if spec.is_some() {
            v.not_null("streamSpecification.streamEnabled", enabled.is_some());
            v.one_of(
                "streamSpecification.streamViewType",
                view,
                &StreamViewType::NAMES,
            );
        }
        v.finish()?;
        let name = required(table, "tableName")?;

        let unmodelled = [
            "AttributeDefinitions",
            "ProvisionedThroughput",
            "GlobalSecondaryIndexUpdates",
            "SSESpecification",
            "ReplicaUpdates",
            "TableClass",
            "OnDemandThroughput",
            "WarmThroughput",
            "MultiRegionConsistency",
            "GlobalTableWitnessUpdates",
        ];
        if let Some(member) = unmodelled.iter().find(|m| f.get(m).is_some()) {
            return Err(DynamoDbError::unsupported(&format!(
                "UpdateTable's {member}"
            )));
        }
        if billing == Some("PROVISIONED") {
            return Err(DynamoDbError::unsupported("provisioned capacity"));
        }
        if spec.is_none() && billing.is_none() && protection.is_none() {
            return Err(validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required".into()));
        }
        let view = match (enabled, view) {
            (Some(true), None) => {
                return Err(validation("One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required".into()))
            }
            (Some(false), Some(_)) => {
                return Err(validation("One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified".into()))
            }
            (_, view) => view.and_then(StreamViewType::parse),
        };
        if self.table(name).is_none() {
            return Err(DynamoDbError::table_not_found_named(name));
        }
        if enabled.is_some() {
            self.set_stream(name, view, now_ms)?;
        }
        if let Some(protection) = protection {
            if let Some(t) = self.table_mut(name) {
                t.deletion_protection = protection;
            }
        }
        let t = self
            .table(name)
            .ok_or_else(|| DynamoDbError::table_not_found_named(name))?;
        Ok(json!({ "TableDescription": self.describe(t, now_ms) }))
    }

    fn op_list_tables(&mut self, f: Fields<'_>) -> Result<Value, DynamoDbError> {
        let start = f.string("ExclusiveStartTableName")?;
        let limit = f.integer("Limit")?;
        let mut v = Violations::new();
        v.range("limit", limit, 1, Some(100));
        v.length("exclusiveStartTableName", start, 3, 255);
        v.finish()?;
        let limit = limit.map_or(100, |l| l as usize);
        let names: Vec<&String> = self
            .tables
            .keys()
            .filter(|n| start.is_none_or(|s| n.as_str() > s))
            .collect();
        let mut out = Map::new();
        let page: Vec<&String> = names.iter().take(limit).copied().collect();
        if names.len() > limit {
            if let Some(last) = page.last() {
                out.insert("LastEvaluatedTableName".into(), json!(last));
            }
        }
        out.insert("TableNames".into(), json!(page));
        Ok(Value::Object(out))
    }

    /// A table as DescribeTable and UpdateTable describe it (on-demand
    /// capacity, as the console's default settings create it).
    pub(crate) fn describe(&self, t: &Table, now_ms: i64) -> Value {
        let created = epoch_seconds(t.created_ms);
        let mut out = Map::new();
        out.insert(
            "AttributeDefinitions".into(),
            t.key_schema.definitions_json(),
        );
        out.insert(
            "BillingModeSummary".into(),
            json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": created}),
        );
        out.insert("CreationDateTime".into(), json!(created));
        out.insert(
            "DeletionProtectionEnabled".into(),
            json!(t.deletion_protection),
        );
        // Live, where AWS refreshes it about every six hours.
        out.insert("ItemCount".into(), json!(t.item_count()));
        out.insert("KeySchema".into(), t.key_schema.to_json());
        if let Some(index) = t.latest_stream {
            let s = self.stream_at(index);
            out.insert("LatestStreamArn".into(), json!(s.arn));
            out.insert("LatestStreamLabel".into(), json!(s.label));
        }
        out.insert(
            "ProvisionedThroughput".into(),
            json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}),
        );
        // Absent when off, as AWS omits it after a stream is turned off.
        if let Some(index) = t.stream {
            out.insert(
                "StreamSpecification".into(),
                json!({"StreamEnabled": true, "StreamViewType": self.stream_at(index).view_type.as_str()}),
            );
        }
        out.insert("TableArn".into(), json!(self.table_arn(&t.name)));
        out.insert("TableId".into(), json!(t.table_id));
        out.insert("TableName".into(), json!(t.name));
        out.insert("TableSizeBytes".into(), json!(t.size_bytes()));
        let status = if t.is_updating(now_ms) {
            "UPDATING"
        } else {
            "ACTIVE"
        };
        out.insert("TableStatus".into(), json!(status));
        out.insert(
            "WarmThroughput".into(),
            json!({"ReadUnitsPerSecond": 12000, "Status": "ACTIVE", "WriteUnitsPerSecond": 4000}),
        );
        Value::Object(out)
    }
}
