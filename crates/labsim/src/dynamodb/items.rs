//! Item reads and writes without JSON, and the ground truth they leave.
//!
//! Every write goes through [`DynamoDb::record_write`], which decides what
//! the change was (INSERT, MODIFY, REMOVE, or nothing: a write that leaves
//! the item as it was makes no stream record, as in AWS), appends the stream
//! record if the table's stream is on, and logs a [`WriteEvent`] for the
//! simulator's timeline, no-op writes included (they are exactly what a
//! learner needs to see explained).

use std::collections::BTreeMap;

use super::attribute::{item_size, AttributeValue, Item, MAX_ITEM_SIZE};
use super::error::DynamoDbError;
use super::expression::{parse_update, Context, PathElem, UpdateExpression};
use super::stream::EventName;
use super::DynamoDb;

/// Which operation wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WriteOp {
    PutItem,
    UpdateItem,
    DeleteItem,
}

impl WriteOp {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteOp::PutItem => "PutItem",
            WriteOp::UpdateItem => "UpdateItem",
            WriteOp::DeleteItem => "DeleteItem",
        }
    }
}

/// Where a write's stream record went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordRef {
    pub stream_arn: String,
    pub shard_id: String,
    pub sequence_number: String,
    pub event_id: String,
}

/// One write as it really happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteEvent {
    pub time_ms: i64,
    pub table: String,
    pub operation: WriteOp,
    pub keys: Item,
    /// What changed; `None` when the write changed nothing.
    pub change: Option<EventName>,
    pub old_image: Option<Item>,
    pub new_image: Option<Item>,
    /// The stream record; `None` without a change or without a stream.
    pub record: Option<RecordRef>,
}

impl DynamoDb {
    /// PutItem: stores `item`, returning the item it replaced.
    pub fn put_item(
        &mut self,
        table: &str,
        item: Item,
        now_ms: i64,
    ) -> Result<Option<Item>, DynamoDbError> {
        self.tick(now_ms);
        if item_size(&item) > MAX_ITEM_SIZE {
            return Err(DynamoDbError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        let t = self
            .table_mut(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        t.key_schema
            .validate_item(&item)
            .map_err(DynamoDbError::validation)?;
        let keys = t.key_schema.key_of(&item);
        let old = t.put(item.clone());
        let name = t.name.clone();
        self.record_write(
            &name,
            WriteOp::PutItem,
            keys,
            old.clone(),
            Some(item),
            now_ms,
        );
        Ok(old)
    }

    /// GetItem.
    pub fn get_item(&self, table: &str, key: &Item) -> Result<Option<Item>, DynamoDbError> {
        let t = self
            .table(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        t.key_schema
            .validate_key(key)
            .map_err(DynamoDbError::validation)?;
        Ok(t.get(key).cloned())
    }

    /// DeleteItem: removes the item, returning it.
    pub fn delete_item(
        &mut self,
        table: &str,
        key: &Item,
        now_ms: i64,
    ) -> Result<Option<Item>, DynamoDbError> {
        self.tick(now_ms);
        let t = self
            .table_mut(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        t.key_schema
            .validate_key(key)
            .map_err(DynamoDbError::validation)?;
        let old = t.delete(key);
        let name = t.name.clone();
        self.record_write(
            &name,
            WriteOp::DeleteItem,
            key.clone(),
            old.clone(),
            None,
            now_ms,
        );
        Ok(old)
    }

    /// UpdateItem with an optional update expression and its placeholders;
    /// returns the item before (if it existed) and after. Creates the item
    /// when it does not exist, as DynamoDB does.
    pub fn update_item(
        &mut self,
        table: &str,
        key: Item,
        update_expression: Option<&str>,
        names: &BTreeMap<String, String>,
        values: &BTreeMap<String, AttributeValue>,
        now_ms: i64,
    ) -> Result<(Option<Item>, Item), DynamoDbError> {
        let update = match update_expression {
            Some(src) => {
                let mut ctx = Context::new(names, values);
                let parsed = parse_update(src, &mut ctx).map_err(|m| {
                    DynamoDbError::validation(format!("Invalid UpdateExpression: {m}"))
                })?;
                if let Some(unused) = ctx.unused() {
                    return Err(DynamoDbError::validation(unused));
                }
                Some(parsed)
            }
            None if !names.is_empty() => {
                return Err(DynamoDbError::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ))
            }
            None if !values.is_empty() => {
                return Err(DynamoDbError::validation(
                    "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null",
                ))
            }
            None => None,
        };
        self.apply_update(table, key, update.as_ref(), now_ms)
    }

    /// UpdateItem once its expression is parsed.
    pub(crate) fn apply_update(
        &mut self,
        table: &str,
        key: Item,
        update: Option<&UpdateExpression>,
        now_ms: i64,
    ) -> Result<(Option<Item>, Item), DynamoDbError> {
        self.tick(now_ms);
        let t = self
            .table_mut(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        t.key_schema
            .validate_key(&key)
            .map_err(DynamoDbError::validation)?;
        if let Some(update) = update {
            for path in update.targets() {
                if let Some(PathElem::Name(first)) = path.first() {
                    if t.key_schema.is_key(first) {
                        return Err(DynamoDbError::validation(format!("One or more parameter values were invalid: Cannot update attribute {first}. This attribute is part of the key")));
                    }
                }
            }
        }
        let old = t.get(&key).cloned();
        let base = old.clone().unwrap_or_else(|| key.clone());
        let new = match update {
            Some(update) => update.apply(&base).map_err(DynamoDbError::validation)?,
            None => base,
        };
        if item_size(&new) > MAX_ITEM_SIZE {
            return Err(DynamoDbError::validation(
                "Item size to update has exceeded the maximum allowed size",
            ));
        }
        t.put(new.clone());
        let name = t.name.clone();
        self.record_write(
            &name,
            WriteOp::UpdateItem,
            key,
            old.clone(),
            Some(new.clone()),
            now_ms,
        );
        Ok((old, new))
    }

    /// Every item, in Scan order.
    pub fn items(&self, table: &str) -> Result<Vec<Item>, DynamoDbError> {
        let t = self
            .table(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        Ok(t.scan(None).cloned().collect())
    }

    /// Every write so far, in order: the ground truth for a timeline.
    pub fn events(&self) -> &[WriteEvent] {
        &self.events
    }

    fn record_write(
        &mut self,
        table: &str,
        operation: WriteOp,
        keys: Item,
        old: Option<Item>,
        new: Option<Item>,
        now_ms: i64,
    ) {
        let change = EventName::of_change(old.as_ref(), new.as_ref());
        let record = change.and_then(|name| {
            self.append_record(
                table,
                name,
                keys.clone(),
                old.as_ref(),
                new.as_ref(),
                now_ms,
            )
        });
        self.events.push(WriteEvent {
            time_ms: now_ms,
            table: table.to_owned(),
            operation,
            keys,
            change,
            old_image: old,
            new_image: new,
            record,
        });
    }
}
