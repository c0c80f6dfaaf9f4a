//! DynamoDB's AttributeValue, as its wire JSON (`{"S": "x"}`, `{"N": "1"}`,
//! `{"M": {...}}`, ...), read in the two steps DynamoDB uses: Coral's type
//! check (wrong JSON types are a `SerializationException`), then the
//! service's validation (empty sets, bad numbers, two types at once: a
//! `ValidationException` in its words).
//!
//! Values are stored canonically: numbers normalised, sets sorted. So two
//! writes that DynamoDB would consider equal compare equal here, which the
//! "a write that changes nothing makes no stream record" rule relies on.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::codec::{base64_decode, base64_encode};
use super::error::DynamoDbError;
use super::number::{self, Decimal};
use super::wire::{read_bool, read_list, read_map, read_string};

/// An item, or a key: attribute name to value.
pub type Item = BTreeMap<String, AttributeValue>;

/// The largest item DynamoDB stores: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// How deep documents may nest.
const MAX_DEPTH: usize = 32;

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AttributeValue {
    S(String),
    /// Canonical decimal text.
    N(String),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(Item),
    L(Vec<AttributeValue>),
    /// Sorted, no duplicates.
    Ss(Vec<String>),
    /// Canonical, sorted numerically, no duplicates.
    Ns(Vec<String>),
    /// Sorted, no duplicates.
    Bs(Vec<Vec<u8>>),
}

impl AttributeValue {
    pub fn s(text: impl Into<String>) -> Self {
        AttributeValue::S(text.into())
    }

    /// A number from its text, normalised; `Err` is DynamoDB's message.
    pub fn n(text: &str) -> Result<Self, DynamoDbError> {
        number::normalize(text)
            .map(AttributeValue::N)
            .map_err(DynamoDbError::validation)
    }

    /// The type's wire name (`S`, `N`, `SS`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// The wire JSON.
    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::S(s) => json!({ "S": s }),
            AttributeValue::N(n) => json!({ "N": n }),
            AttributeValue::B(b) => json!({ "B": base64_encode(b) }),
            AttributeValue::Bool(b) => json!({ "BOOL": b }),
            AttributeValue::Null => json!({ "NULL": true }),
            AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
            AttributeValue::L(l) => json!({ "L": l.iter().map(Self::to_json).collect::<Vec<_>>() }),
            AttributeValue::Ss(ss) => json!({ "SS": ss }),
            AttributeValue::Ns(ns) => json!({ "NS": ns }),
            AttributeValue::Bs(bs) => {
                json!({ "BS": bs.iter().map(|b| base64_encode(b)).collect::<Vec<_>>() })
            }
        }
    }

    /// Reads wire JSON, with DynamoDB's checks and messages.
    pub fn from_json(value: &Value) -> Result<Self, DynamoDbError> {
        RawValue::read(value)?
            .validate(0)
            .map_err(DynamoDbError::validation)
    }

    /// Bytes the value counts for in an item's size (AWS's published rules:
    /// strings and binaries their length, numbers about a byte per two
    /// digits, lists and maps 3 bytes plus a byte per element).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => number_size(n),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::M(m) => {
                3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>()
            }
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(ss) => ss.iter().map(String::len).sum(),
            AttributeValue::Ns(ns) => ns.iter().map(|n| number_size(n)).sum(),
            AttributeValue::Bs(bs) => bs.iter().map(Vec::len).sum(),
        }
    }
}

fn number_size(text: &str) -> usize {
    Decimal::parse(text).map_or(text.len(), |d| d.storage_size())
}

/// An item's size as DynamoDB counts it: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

/// An item as wire JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect::<Map<String, Value>>(),
    )
}

/// Reads an item (or key) from wire JSON, with DynamoDB's checks.
pub fn item_from_json(value: &Value) -> Result<Item, DynamoDbError> {
    let raw = read_raw_map(value)?.unwrap_or_default();
    validate_map(raw).map_err(DynamoDbError::validation)
}

/// An attribute value after Coral's type check and before validation: every
/// member that was present, so that validation can report what DynamoDB
/// reports (`more than one datatypes set`, `empty`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawValue {
    s: Option<String>,
    b: Option<Vec<u8>>,
    n: Option<String>,
    bool_: Option<bool>,
    null: Option<bool>,
    bs: Option<Vec<Vec<u8>>>,
    ns: Option<Vec<String>>,
    ss: Option<Vec<String>>,
    l: Option<Vec<RawValue>>,
    m: Option<Vec<(String, RawValue)>>,
}

fn read_blob(value: &Value) -> Result<Option<Vec<u8>>, DynamoDbError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => base64_decode(s)
            .map(Some)
            .map_err(|e| DynamoDbError::serialization(e.message())),
        Value::Array(_) => Err(DynamoDbError::serialization(
            "Unrecognized collection type class java.nio.ByteBuffer",
        )),
        Value::Object(_) => Err(DynamoDbError::serialization(
            "Start of structure or map found where not expected",
        )),
        Value::Bool(_) | Value::Number(_) => Err(DynamoDbError::serialization(
            "only base-64-encoded strings are convertible to bytes",
        )),
    }
}

/// A set's elements. A null element is a client bug DynamoDB refuses; it is
/// refused here as a type error rather than silently dropped.
fn read_elements<T>(
    value: &Value,
    read: impl Fn(&Value) -> Result<Option<T>, DynamoDbError>,
) -> Result<Option<Vec<T>>, DynamoDbError> {
    let Some(list) = read_list(value)? else {
        return Ok(None);
    };
    list.iter()
        .map(|v| {
            read(v)?.ok_or_else(|| DynamoDbError::serialization("Unexpected null element in a set"))
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// A `Map<String, AttributeValue>` member; null entries are dropped as Coral
/// drops null members.
pub(crate) fn read_raw_map(
    value: &Value,
) -> Result<Option<Vec<(String, RawValue)>>, DynamoDbError> {
    let Some(map) = read_map(value, "com.amazonaws.dynamodb.v20120810.AttributeValue")? else {
        return Ok(None);
    };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| Ok((k.clone(), RawValue::read(v)?)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl RawValue {
    /// Coral's type check of one AttributeValue structure.
    pub(crate) fn read(value: &Value) -> Result<RawValue, DynamoDbError> {
        let fields = match value {
            Value::Object(map) => map,
            Value::Array(_) => {
                return Err(DynamoDbError::serialization(
                    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
                ))
            }
            _ => {
                return Err(DynamoDbError::serialization(
                    "Unexpected value type in payload",
                ))
            }
        };
        let get = |name: &str| fields.get(name).unwrap_or(&Value::Null);
        // Members are checked in Coral's order for the shape.
        let mut raw = RawValue {
            s: read_string(get("S"))?.map(str::to_owned),
            b: read_blob(get("B"))?,
            n: read_string(get("N"))?.map(str::to_owned),
            bool_: read_bool(get("BOOL"))?,
            null: read_bool(get("NULL"))?,
            bs: read_elements(get("BS"), read_blob)?,
            ns: read_elements(get("NS"), |v| Ok(read_string(v)?.map(str::to_owned)))?,
            ss: read_elements(get("SS"), |v| Ok(read_string(v)?.map(str::to_owned)))?,
            ..RawValue::default()
        };
        if let Some(list) = read_list(get("L"))? {
            raw.l = Some(
                list.iter()
                    .map(RawValue::read)
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        raw.m = read_raw_map(get("M"))?;
        Ok(raw)
    }

    /// The service's validation; `Err` is the ValidationException message.
    pub(crate) fn validate(self, depth: usize) -> Result<AttributeValue, String> {
        if depth > MAX_DEPTH {
            return Err(
                "One or more parameter values were invalid: Nesting Levels have exceeded supported limits"
                    .to_owned(),
            );
        }
        let present = [
            self.s.is_some(),
            self.b.is_some(),
            self.n.is_some(),
            self.bool_.is_some(),
            self.null.is_some(),
            self.bs.is_some(),
            self.ns.is_some(),
            self.ss.is_some(),
            self.l.is_some(),
            self.m.is_some(),
        ]
        .iter()
        .filter(|&&p| p)
        .count();
        if present == 0 {
            return Err(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                    .to_owned(),
            );
        }
        // Each present member is checked in turn, then the count: DynamoDB
        // reports a bad member before the "more than one" problem.
        let mut value = None;
        if let Some(s) = self.s {
            value = Some(AttributeValue::S(s));
        }
        if let Some(b) = self.b {
            value = Some(AttributeValue::B(b));
        }
        if let Some(n) = self.n {
            value = Some(AttributeValue::N(number::normalize(&n)?));
        }
        if let Some(b) = self.bool_ {
            value = Some(AttributeValue::Bool(b));
        }
        if let Some(null) = self.null {
            if !null {
                return Err("One or more parameter values were invalid: Null attribute value types must have the value of true".to_owned());
            }
            value = Some(AttributeValue::Null);
        }
        if let Some(bs) = self.bs {
            value = Some(binary_set(bs)?);
        }
        if let Some(ns) = self.ns {
            value = Some(number_set(ns)?);
        }
        if let Some(ss) = self.ss {
            value = Some(string_set(ss)?);
        }
        if let Some(l) = self.l {
            let list = l
                .into_iter()
                .map(|v| v.validate(depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            value = Some(AttributeValue::L(list));
        }
        if let Some(m) = self.m {
            value = Some(AttributeValue::M(validate_map_at(m, depth + 1)?));
        }
        if present > 1 {
            return Err("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".to_owned());
        }
        value.ok_or_else(|| "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes".to_owned())
    }
}

/// Validates every value of a map, in name order.
pub(crate) fn validate_map(raw: Vec<(String, RawValue)>) -> Result<Item, String> {
    validate_map_at(raw, 0)
}

fn validate_map_at(mut raw: Vec<(String, RawValue)>, depth: usize) -> Result<Item, String> {
    // Name order, so the first error reported does not depend on how the
    // JSON map happened to be ordered.
    raw.sort_by(|a, b| a.0.cmp(&b.0));
    raw.into_iter()
        .map(|(k, v)| Ok((k, v.validate(depth)?)))
        .collect()
}

fn list_text<T: AsRef<str>>(items: &[T]) -> String {
    let parts: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", parts.join(", "))
}

fn string_set(mut ss: Vec<String>) -> Result<AttributeValue, String> {
    if ss.is_empty() {
        return Err(
            "One or more parameter values were invalid: An string set  may not be empty".to_owned(),
        );
    }
    let original = ss.clone();
    ss.sort();
    if ss.windows(2).any(|w| w[0] == w[1]) {
        return Err(format!(
            "One or more parameter values were invalid: Input collection {} contains duplicates.",
            list_text(&original)
        ));
    }
    Ok(AttributeValue::Ss(ss))
}

fn number_set(ns: Vec<String>) -> Result<AttributeValue, String> {
    if ns.is_empty() {
        return Err(
            "One or more parameter values were invalid: An number set  may not be empty".to_owned(),
        );
    }
    let mut numbers = Vec::with_capacity(ns.len());
    for text in &ns {
        number::normalize(text)?;
        numbers.push(Decimal::parse(text).ok_or_else(|| {
            format!("The parameter cannot be converted to a numeric value: {text}")
        })?);
    }
    numbers.sort();
    if numbers
        .windows(2)
        .any(|w| w[0].cmp(&w[1]) == Ordering::Equal)
    {
        return Err("Input collection contains duplicates".to_owned());
    }
    Ok(AttributeValue::Ns(
        numbers.iter().map(Decimal::to_plain).collect(),
    ))
}

fn binary_set(mut bs: Vec<Vec<u8>>) -> Result<AttributeValue, String> {
    if bs.is_empty() {
        return Err(
            "One or more parameter values were invalid: Binary sets should not be empty".to_owned(),
        );
    }
    let original: Vec<String> = bs.iter().map(|b| base64_encode(b)).collect();
    bs.sort();
    if bs.windows(2).any(|w| w[0] == w[1]) {
        // Sic: AWS's message lacks the space before "of".
        return Err(format!(
            "One or more parameter values were invalid: Input collection {}of type BS contains duplicates.",
            list_text(&original)
        ));
    }
    Ok(AttributeValue::Bs(bs))
}

/// Union of two sets of the same type (ADD), kept canonical.
pub(crate) fn set_union(a: &AttributeValue, b: &AttributeValue) -> Option<AttributeValue> {
    match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => {
            let mut all: Vec<String> = x.iter().chain(y).cloned().collect();
            all.sort();
            all.dedup();
            Some(AttributeValue::Ss(all))
        }
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => {
            let mut all: Vec<Decimal> = x
                .iter()
                .chain(y)
                .filter_map(|t| Decimal::parse(t))
                .collect();
            all.sort();
            all.dedup();
            Some(AttributeValue::Ns(
                all.iter().map(Decimal::to_plain).collect(),
            ))
        }
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => {
            let mut all: Vec<Vec<u8>> = x.iter().chain(y).cloned().collect();
            all.sort();
            all.dedup();
            Some(AttributeValue::Bs(all))
        }
        _ => None,
    }
}

/// `a` without the elements of `b` (DELETE); `None` when types differ,
/// `Some(None)` when nothing is left (DynamoDB then removes the attribute).
pub(crate) fn set_difference(
    a: &AttributeValue,
    b: &AttributeValue,
) -> Option<Option<AttributeValue>> {
    let result = match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => {
            let left: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            (!left.is_empty()).then_some(AttributeValue::Ss(left))
        }
        // Both sides are canonical, so equal numbers have equal text.
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => {
            let left: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            (!left.is_empty()).then_some(AttributeValue::Ns(left))
        }
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => {
            let left: Vec<Vec<u8>> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            (!left.is_empty()).then_some(AttributeValue::Bs(left))
        }
        _ => return None,
    };
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(value: Value) -> String {
        AttributeValue::from_json(&value)
            .unwrap_err()
            .message
            .unwrap_or_default()
    }

    #[test]
    fn reads_and_writes_every_type() {
        let wire = json!({
            "s": {"S": "hello"},
            "n": {"N": "42"},
            "b": {"B": "AQID"},
            "t": {"BOOL": true},
            "z": {"NULL": true},
            "m": {"M": {"inner": {"S": "x"}}},
            "l": {"L": [{"N": "1"}, {"S": "two"}]},
            "ss": {"SS": ["b", "a"]},
            "ns": {"NS": ["10", "2"]},
            "bs": {"BS": ["AQ=="]},
        });
        let item = item_from_json(&wire).unwrap();
        assert_eq!(item["b"], AttributeValue::B(vec![1, 2, 3]));
        assert_eq!(item["ss"], AttributeValue::Ss(vec!["a".into(), "b".into()]));
        assert_eq!(
            item["ns"],
            AttributeValue::Ns(vec!["2".into(), "10".into()])
        );
        let mut expected = wire;
        expected["ss"] = json!({"SS": ["a", "b"]});
        expected["ns"] = json!({"NS": ["2", "10"]});
        assert_eq!(item_to_json(&item), expected);
    }

    #[test]
    fn numbers_come_back_canonical() {
        let v = AttributeValue::from_json(&json!({"N": "01.50"})).unwrap();
        assert_eq!(v.to_json(), json!({"N": "1.5"}));
        assert_eq!(
            AttributeValue::n("1.0").unwrap(),
            AttributeValue::n("1").unwrap()
        );
    }

    #[test]
    fn validation_messages_are_dynamodbs() {
        assert_eq!(
            err(json!({})),
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        );
        // Unknown members are ignored, leaving an empty value.
        assert_eq!(
            err(json!({"X": "a"})),
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        );
        assert_eq!(
            err(json!({"S": "a", "N": "1"})),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
        );
        assert_eq!(
            err(json!({"NULL": false})),
            "One or more parameter values were invalid: Null attribute value types must have the value of true"
        );
        assert_eq!(
            err(json!({"SS": []})),
            "One or more parameter values were invalid: An string set  may not be empty"
        );
        assert_eq!(
            err(json!({"NS": []})),
            "One or more parameter values were invalid: An number set  may not be empty"
        );
        assert_eq!(
            err(json!({"BS": []})),
            "One or more parameter values were invalid: Binary sets should not be empty"
        );
        assert_eq!(
            err(json!({"SS": ["a", "a"]})),
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
        );
        assert_eq!(
            err(json!({"NS": ["1", "1.0"]})),
            "Input collection contains duplicates"
        );
        assert_eq!(
            err(json!({"N": "x1"})),
            "The parameter cannot be converted to a numeric value: x1"
        );
        assert_eq!(
            err(json!({"L": [{"N": ""}]})),
            "The parameter cannot be converted to a numeric value"
        );
    }

    #[test]
    fn type_errors_are_serialization_exceptions() {
        let ser = |v: Value| {
            let e = AttributeValue::from_json(&v).unwrap_err();
            assert_eq!(e.kind, super::super::error::ErrorKind::Serialization, "{v}");
            e.message.unwrap_or_default()
        };
        assert_eq!(
            ser(json!({"S": 1})),
            "NUMBER_VALUE cannot be converted to String"
        );
        assert_eq!(ser(json!("x")), "Unexpected value type in payload");
        assert_eq!(
            ser(json!({"B": 5})),
            "only base-64-encoded strings are convertible to bytes"
        );
        assert_eq!(
            ser(json!({"B": "abc"})),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3"
        );
        assert_eq!(ser(json!({"SS": "a"})), "Unexpected field type");
        assert_eq!(
            ser(json!({"M": []})),
            "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
        );
    }

    #[test]
    fn nesting_is_limited() {
        let mut v = json!({"S": "leaf"});
        for _ in 0..40 {
            v = json!({"L": [v]});
        }
        assert_eq!(
            err(v),
            "One or more parameter values were invalid: Nesting Levels have exceeded supported limits"
        );
    }

    #[test]
    fn sizes_follow_aws_rules() {
        // The worked example of AWS's stream documentation: 26 bytes.
        let keys = item_from_json(&json!({"Id": {"N": "101"}})).unwrap();
        let image =
            item_from_json(&json!({"Message": {"S": "New item!"}, "Id": {"N": "101"}})).unwrap();
        assert_eq!(item_size(&keys) + item_size(&image), 26);
        let doc = item_from_json(
            &json!({"m": {"M": {"ab": {"BOOL": true}}}, "l": {"L": [{"NULL": true}]}}),
        )
        .unwrap();
        // m: 1 + (3 + 2 + 1 + 1); l: 1 + (3 + 1 + 1)
        assert_eq!(item_size(&doc), 8 + 6);
    }

    #[test]
    fn set_arithmetic_stays_canonical() {
        let ns = |v: &[&str]| number_set(v.iter().map(|s| s.to_string()).collect()).unwrap();
        assert_eq!(
            set_union(&ns(&["1", "3"]), &ns(&["2", "3.0"])),
            Some(ns(&["1", "2", "3"]))
        );
        assert_eq!(
            set_difference(&ns(&["1", "3"]), &ns(&["1"])),
            Some(Some(ns(&["3"])))
        );
        assert_eq!(set_difference(&ns(&["1"]), &ns(&["1"])), Some(None));
        assert_eq!(set_difference(&ns(&["1"]), &AttributeValue::s("x")), None);
    }
}
