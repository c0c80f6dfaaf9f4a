//! A table: its key schema and its items.
//!
//! Items are kept in insertion order, which is the order Scan returns (real
//! DynamoDB scans in hash order; insertion order is as opaque to a client and
//! easier to follow on a timeline). An item overwritten in place keeps its
//! position; one deleted and written again moves to the end. Deleted keys
//! keep their position so that a Scan page that ended on them can resume.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::attribute::{item_size, AttributeValue, Item};
use super::codec::base64_encode;

/// The type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }

    fn matches(self, value: &AttributeValue) -> bool {
        matches!(
            (self, value),
            (ScalarType::S, AttributeValue::S(_))
                | (ScalarType::N, AttributeValue::N(_))
                | (ScalarType::B, AttributeValue::B(_))
        )
    }
}

/// One key attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyAttribute {
    pub name: String,
    pub kind: ScalarType,
}

/// A table's primary key: a partition (HASH) key and an optional sort
/// (RANGE) key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

impl KeySchema {
    pub fn hash_only(name: &str, kind: ScalarType) -> Self {
        KeySchema {
            hash: KeyAttribute {
                name: name.to_owned(),
                kind,
            },
            range: None,
        }
    }

    /// The key attributes, partition key first.
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    pub fn is_key(&self, name: &str) -> bool {
        self.attributes().any(|a| a.name == name)
    }

    /// `KeySchema` as DescribeTable and DescribeStream write it.
    pub fn to_json(&self) -> Value {
        let mut out = vec![json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(range) = &self.range {
            out.push(json!({"AttributeName": range.name, "KeyType": "RANGE"}));
        }
        Value::Array(out)
    }

    /// `AttributeDefinitions` as DescribeTable writes them.
    pub fn definitions_json(&self) -> Value {
        Value::Array(
            self.attributes()
                .map(|a| json!({"AttributeName": a.name, "AttributeType": a.kind.as_str()}))
                .collect(),
        )
    }

    /// Checks a key given to GetItem, UpdateItem, DeleteItem or as a Scan's
    /// start; `Err` is DynamoDB's message.
    pub fn validate_key(&self, key: &Item) -> Result<(), String> {
        const MISMATCH: &str = "The provided key element does not match the schema";
        if key.len() != self.attributes().count() {
            return Err(MISMATCH.to_owned());
        }
        for (index, attr) in self.attributes().enumerate() {
            let value = key.get(&attr.name).filter(|v| attr.kind.matches(v));
            let value = value.ok_or(MISMATCH)?;
            if let Some(kind) = empty_kind(value) {
                return Err(format!("One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {}", attr.name));
            }
            check_key_size(value, index == 0)?;
        }
        Ok(())
    }

    /// Checks the key attributes of an item given to PutItem; `Err` is
    /// DynamoDB's message (worded differently from [`validate_key`]'s).
    ///
    /// [`validate_key`]: KeySchema::validate_key
    pub fn validate_item(&self, item: &Item) -> Result<(), String> {
        for (index, attr) in self.attributes().enumerate() {
            let Some(value) = item.get(&attr.name) else {
                return Err(format!(
                    "One or more parameter values were invalid: Missing the key {} in the item",
                    attr.name
                ));
            };
            if !attr.kind.matches(value) {
                return Err(format!(
                    "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                    attr.name,
                    attr.kind.as_str(),
                    value.type_name()
                ));
            }
            if let Some(kind) = empty_kind(value) {
                return Err(format!("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {}", attr.name));
            }
            check_key_size(value, index == 0)?;
        }
        Ok(())
    }

    /// The key attributes of `item`.
    pub fn key_of(&self, item: &Item) -> Item {
        self.attributes()
            .filter_map(|a| item.get(&a.name).map(|v| (a.name.clone(), v.clone())))
            .collect()
    }

    /// A string identifying the key (of a validated key or item).
    fn key_id(&self, item: &Item) -> String {
        self.attributes()
            .map(|a| {
                let text = match item.get(&a.name) {
                    Some(AttributeValue::S(s)) => s.clone(),
                    Some(AttributeValue::N(n)) => n.clone(),
                    Some(AttributeValue::B(b)) => base64_encode(b),
                    _ => String::new(),
                };
                // Length-prefixed, so no two keys share an id.
                format!("{}:{}", text.len(), text)
            })
            .collect::<Vec<_>>()
            .join("|")
    }
}

fn empty_kind(value: &AttributeValue) -> Option<&'static str> {
    match value {
        AttributeValue::S(s) if s.is_empty() => Some("string"),
        AttributeValue::B(b) if b.is_empty() => Some("binary"),
        _ => None,
    }
}

fn check_key_size(value: &AttributeValue, is_hash: bool) -> Result<(), String> {
    let size = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => 0,
    };
    if is_hash && size > 2048 {
        // Sic: AWS's message lacks the space in "of2048".
        return Err("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes".to_owned());
    }
    if !is_hash && size > 1024 {
        return Err("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes".to_owned());
    }
    Ok(())
}

/// A table and its items.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Table {
    pub name: String,
    pub key_schema: KeySchema,
    pub created_ms: i64,
    /// `TableId`, a UUID.
    pub table_id: String,
    /// The enabled stream, an index into the service's streams.
    pub stream: Option<usize>,
    /// The last stream enabled, enabled or not (`LatestStreamArn`).
    pub latest_stream: Option<usize>,
    /// UpdateTable leaves the table `UPDATING` until then.
    pub updating_until_ms: i64,
    pub deletion_protection: bool,
    items: BTreeMap<u64, Item>,
    /// Key id to position in `items`, for live items.
    live: BTreeMap<String, u64>,
    /// Key id to last position, for every key ever written.
    positions: BTreeMap<String, u64>,
    next_position: u64,
}

impl Table {
    pub(crate) fn new(
        name: &str,
        key_schema: KeySchema,
        created_ms: i64,
        table_id: String,
    ) -> Self {
        Table {
            name: name.to_owned(),
            key_schema,
            created_ms,
            table_id,
            stream: None,
            latest_stream: None,
            updating_until_ms: 0,
            deletion_protection: false,
            items: BTreeMap::new(),
            live: BTreeMap::new(),
            positions: BTreeMap::new(),
            next_position: 0,
        }
    }

    pub(crate) fn is_updating(&self, now_ms: i64) -> bool {
        now_ms < self.updating_until_ms
    }

    /// The item with this (validated) key.
    pub(crate) fn get(&self, key: &Item) -> Option<&Item> {
        let id = self.key_schema.key_id(key);
        self.live.get(&id).and_then(|p| self.items.get(p))
    }

    /// Stores an item (key validated), returning the one it replaced.
    pub(crate) fn put(&mut self, item: Item) -> Option<Item> {
        let id = self.key_schema.key_id(&item);
        if let Some(&position) = self.live.get(&id) {
            return self.items.insert(position, item);
        }
        let position = self.next_position;
        self.next_position += 1;
        self.items.insert(position, item);
        self.live.insert(id.clone(), position);
        self.positions.insert(id, position);
        None
    }

    /// Removes the item with this (validated) key.
    pub(crate) fn delete(&mut self, key: &Item) -> Option<Item> {
        let id = self.key_schema.key_id(key);
        let position = self.live.remove(&id)?;
        self.items.remove(&position)
    }

    /// Items in scan order, after the item with key `exclusive_start` (a key
    /// never written starts nowhere: the scan is over).
    pub(crate) fn scan(
        &self,
        exclusive_start: Option<&Item>,
    ) -> Box<dyn Iterator<Item = &Item> + '_> {
        match exclusive_start {
            None => Box::new(self.items.values()),
            Some(key) => match self.positions.get(&self.key_schema.key_id(key)) {
                Some(&p) => Box::new(self.items.range(p + 1..).map(|(_, item)| item)),
                None => Box::new(std::iter::empty()),
            },
        }
    }

    pub(crate) fn item_count(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn size_bytes(&self) -> usize {
        self.items.values().map(item_size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Item {
        Item::from([("id".to_owned(), AttributeValue::s(id))])
    }

    fn item(id: &str, v: &str) -> Item {
        let mut i = key(id);
        i.insert("v".into(), AttributeValue::s(v));
        i
    }

    fn table() -> Table {
        Table::new(
            "t",
            KeySchema::hash_only("id", ScalarType::S),
            0,
            "tid".into(),
        )
    }

    #[test]
    fn keys_are_validated_in_dynamodbs_words() {
        let schema = KeySchema::hash_only("id", ScalarType::S);
        let mismatch = Err("The provided key element does not match the schema".to_owned());
        assert_eq!(schema.validate_key(&Item::new()), mismatch);
        assert_eq!(schema.validate_key(&item("a", "b")), mismatch);
        let wrong = Item::from([("id".to_owned(), AttributeValue::Null)]);
        assert_eq!(schema.validate_key(&wrong), mismatch);
        assert_eq!(schema.validate_key(&key("a")), Ok(()));
        assert_eq!(
            schema.validate_key(&key("")),
            Err("One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: id".to_owned())
        );
        assert_eq!(
            schema.validate_item(&Item::new()),
            Err(
                "One or more parameter values were invalid: Missing the key id in the item"
                    .to_owned()
            )
        );
        assert_eq!(
            schema.validate_item(&Item::from([("id".to_owned(), AttributeValue::N("1".into()))])),
            Err("One or more parameter values were invalid: Type mismatch for key id expected: S actual: N".to_owned())
        );
        assert_eq!(
            schema.validate_item(&key("")),
            Err("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id".to_owned())
        );
        assert!(schema
            .validate_item(&key(&"x".repeat(2049)))
            .unwrap_err()
            .contains("of2048 bytes"));
    }

    #[test]
    fn items_keep_insertion_order_and_overwrites_keep_their_place() {
        let mut t = table();
        assert_eq!(t.put(item("b", "1")), None);
        assert_eq!(t.put(item("a", "1")), None);
        assert_eq!(t.put(item("b", "2")), Some(item("b", "1")));
        let ids: Vec<_> = t.scan(None).map(|i| i["v"].clone()).collect();
        assert_eq!(ids, [AttributeValue::s("2"), AttributeValue::s("1")]);
        assert_eq!(t.delete(&key("b")), Some(item("b", "2")));
        t.put(item("b", "3"));
        let order: Vec<_> = t.scan(None).map(|i| i["id"].clone()).collect();
        assert_eq!(order, [AttributeValue::s("a"), AttributeValue::s("b")]);
        assert_eq!(t.item_count(), 2);
    }

    #[test]
    fn scans_resume_after_a_key_even_a_deleted_one() {
        let mut t = table();
        for id in ["a", "b", "c"] {
            t.put(item(id, "x"));
        }
        t.delete(&key("b"));
        let rest: Vec<_> = t.scan(Some(&key("b"))).map(|i| i["id"].clone()).collect();
        assert_eq!(rest, [AttributeValue::s("c")]);
        assert_eq!(t.scan(Some(&key("never"))).count(), 0);
        assert_eq!(t.get(&key("a")), Some(&item("a", "x")));
        assert_eq!(t.get(&key("b")), None);
    }
}
