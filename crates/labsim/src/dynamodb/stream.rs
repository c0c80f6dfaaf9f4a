//! DynamoDB Streams: streams, shards, stream records and shard iterators.
//!
//! A stream is created each time a table's stream is turned on (with a new
//! ARN and label: the enable time), and lives on, DISABLED, for 24 hours
//! after it is turned off. Each stream has one open shard at a time; when it
//! closes (on demand, every few hours, or when the stream is turned off) it
//! gets an `EndingSequenceNumber` and, unless the stream is off, a child
//! shard opens with `ParentShardId` pointing back to it. Sequence numbers
//! grow across the whole service, so a child's records always sort after its
//! parent's.
//!
//! Shard iterators are self-contained, authenticated tokens (the position,
//! issue time and reader chain, MACed with a key from the seed): GetRecords
//! needs no state per iterator, however many a poller asks for.
//!
//! Records older than 24 hours are trimmed: the shard keeps the highest
//! trimmed sequence number (its trim point), so a reader behind it can be
//! told so; a closed shard whose records are all past that age is no
//! longer listed.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::attribute::{item_to_json, Item};
use super::codec::{base64_decode, base64_encode};
use super::table::KeySchema;
use crate::time;

/// Shard iterators expire 15 minutes after they are issued.
pub const ITERATOR_TTL_MS: i64 = 15 * 60 * 1000;
/// A disabled stream (and every record) stays readable for 24 hours.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// How many readers one shard serves at a time; the Streams guide: "No more
/// than 2 processes at most should be reading from the same Streams shard at
/// the same time."
pub const MAX_SHARD_READERS: usize = 2;
/// How long after its last GetRecords a reader still counts as reading the
/// shard. Long enough that a poller reading every second or two counts the
/// whole time; short enough that an abandoned iterator chain (a closed tab,
/// a restarted script) frees its place within seconds.
pub const READER_WINDOW_MS: i64 = 5_000;

/// What a stream record carries besides the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StreamViewType {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamViewType {
    /// The wire names, in the order AWS lists them in errors.
    pub const NAMES: [&'static str; 4] =
        ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"];

    pub fn as_str(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "KEYS_ONLY" => Some(StreamViewType::KeysOnly),
            "NEW_IMAGE" => Some(StreamViewType::NewImage),
            "OLD_IMAGE" => Some(StreamViewType::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(StreamViewType::NewAndOldImages),
            _ => None,
        }
    }

    fn has_new(self) -> bool {
        matches!(
            self,
            StreamViewType::NewImage | StreamViewType::NewAndOldImages
        )
    }

    fn has_old(self) -> bool {
        matches!(
            self,
            StreamViewType::OldImage | StreamViewType::NewAndOldImages
        )
    }
}

/// What happened to the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EventName {
    Insert,
    Modify,
    Remove,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Insert => "INSERT",
            EventName::Modify => "MODIFY",
            EventName::Remove => "REMOVE",
        }
    }

    /// The change from `old` to `new`; `None` when nothing changed (such a
    /// write leaves no stream record).
    pub fn of_change(old: Option<&Item>, new: Option<&Item>) -> Option<Self> {
        match (old, new) {
            (None, Some(_)) => Some(EventName::Insert),
            (Some(o), Some(n)) if o != n => Some(EventName::Modify),
            (Some(_), None) => Some(EventName::Remove),
            _ => None,
        }
    }
}

/// One stream record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamRecord {
    /// 32 hex digits.
    pub event_id: String,
    pub event_name: EventName,
    pub aws_region: String,
    pub stream_arn: String,
    pub shard_id: String,
    /// When the change was made (epoch ms); the record shows it in seconds.
    pub created_ms: i64,
    pub keys: Item,
    /// Present per the view type (never for REMOVE).
    pub new_image: Option<Item>,
    /// Present per the view type (never for INSERT).
    pub old_image: Option<Item>,
    /// Decimal digits; compare as numbers.
    pub sequence_number: String,
    pub size_bytes: usize,
    pub view_type: StreamViewType,
    #[serde(with = "crate::snapshot::decimal")]
    pub(crate) seq: u128,
}

impl StreamRecord {
    /// `ApproximateCreationDateTime`: epoch seconds, rounded down.
    pub fn approximate_creation_date_time(&self) -> i64 {
        self.created_ms.div_euclid(1000)
    }

    /// The record as GetRecords returns it.
    pub fn to_json(&self) -> Value {
        let mut dynamodb = Map::new();
        dynamodb.insert(
            "ApproximateCreationDateTime".into(),
            json!(self.approximate_creation_date_time()),
        );
        dynamodb.insert("Keys".into(), item_to_json(&self.keys));
        if let Some(new) = &self.new_image {
            dynamodb.insert("NewImage".into(), item_to_json(new));
        }
        if let Some(old) = &self.old_image {
            dynamodb.insert("OldImage".into(), item_to_json(old));
        }
        dynamodb.insert("SequenceNumber".into(), json!(self.sequence_number));
        dynamodb.insert("SizeBytes".into(), json!(self.size_bytes));
        dynamodb.insert("StreamViewType".into(), json!(self.view_type.as_str()));
        json!({
            "eventID": self.event_id,
            "eventName": self.event_name.as_str(),
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.aws_region,
            "dynamodb": Value::Object(dynamodb),
        })
    }

    /// The record as Lambda passes it to a function: the same, plus
    /// `eventSourceARN` (the stream's ARN).
    pub fn to_lambda_json(&self) -> Value {
        let mut record = self.to_json();
        if let Value::Object(map) = &mut record {
            map.insert("eventSourceARN".into(), json!(self.stream_arn));
        }
        record
    }
}

/// Builds a record for a change, keeping what the view type keeps.
#[allow(clippy::too_many_arguments)]
pub(crate) fn make_record(
    event_id: String,
    event_name: EventName,
    region: &str,
    stream: &Stream,
    shard_id: &str,
    created_ms: i64,
    keys: Item,
    old: Option<&Item>,
    new: Option<&Item>,
    seq: u128,
) -> StreamRecord {
    let view = stream.view_type;
    let new_image = new.filter(|_| view.has_new()).cloned();
    let old_image = old.filter(|_| view.has_old()).cloned();
    let size = |i: Option<&Item>| i.map_or(0, super::attribute::item_size);
    let size_bytes = size(Some(&keys)) + size(new_image.as_ref()) + size(old_image.as_ref());
    StreamRecord {
        event_id,
        event_name,
        aws_region: region.to_owned(),
        stream_arn: stream.arn.clone(),
        shard_id: shard_id.to_owned(),
        created_ms,
        keys,
        new_image,
        old_image,
        sequence_number: sequence_text(seq),
        size_bytes,
        view_type: view,
        seq,
    }
}

/// Sequence numbers are at least 21 digits, as AWS's are.
pub(crate) fn sequence_text(seq: u128) -> String {
    format!("{seq:021}")
}

/// A shard: a run of records in sequence-number order.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Shard {
    pub id: String,
    pub parent: Option<String>,
    pub created_ms: i64,
    #[serde(with = "crate::snapshot::decimal")]
    pub start_seq: u128,
    #[serde(with = "crate::snapshot::decimal_or_none")]
    pub end_seq: Option<u128>,
    /// When it closed.
    pub closed_ms: Option<i64>,
    /// The highest sequence number trimmed away (records at or below it
    /// are gone); `None` while nothing is.
    #[serde(with = "crate::snapshot::decimal_or_none")]
    pub trimmed_to: Option<u128>,
    pub records: Vec<StreamRecord>,
}

impl Shard {
    pub(crate) fn is_closed(&self) -> bool {
        self.end_seq.is_some()
    }

    /// Drops the records older than the retention period, moving the trim
    /// point past them.
    pub(crate) fn trim(&mut self, now_ms: i64) {
        let old = self
            .records
            .partition_point(|r| r.created_ms + RETENTION_MS <= now_ms);
        if old > 0 {
            self.trimmed_to = Some(self.records[old - 1].seq);
            self.records.drain(..old);
        }
    }

    /// Whether a reader placed after sequence number `after` (`None`: the
    /// shard's start) would skip trimmed records.
    pub(crate) fn is_trimmed_past(&self, after: Option<u128>) -> bool {
        self.trimmed_to.is_some_and(|t| after.is_none_or(|a| a < t))
    }

    /// A closed shard past the retention period holds nothing any more, and
    /// DescribeStream no longer lists it.
    pub(crate) fn is_expired(&self, now_ms: i64) -> bool {
        self.closed_ms.is_some_and(|c| c + RETENTION_MS <= now_ms)
    }

    /// Records with a sequence number above `after` (all for `None`).
    pub(crate) fn records_after(&self, after: Option<u128>) -> &[StreamRecord] {
        let from = after.map_or(0, |a| self.records.partition_point(|r| r.seq <= a));
        &self.records[from..]
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut range = Map::new();
        range.insert(
            "StartingSequenceNumber".into(),
            json!(sequence_text(self.start_seq)),
        );
        if let Some(end) = self.end_seq {
            range.insert("EndingSequenceNumber".into(), json!(sequence_text(end)));
        }
        let mut shard = Map::new();
        shard.insert("ShardId".into(), json!(self.id));
        shard.insert("SequenceNumberRange".into(), Value::Object(range));
        if let Some(parent) = &self.parent {
            shard.insert("ParentShardId".into(), json!(parent));
        }
        Value::Object(shard)
    }
}

/// `shardId-{20-digit creation time in ms}-{8 hex}`, as AWS names shards.
pub(crate) fn shard_id(created_ms: i64, suffix: u32) -> String {
    format!("shardId-{:020}-{suffix:08x}", created_ms.max(0))
}

/// A stream's label: its enable time, `2024-10-08T19:55:22.123`.
pub(crate) fn stream_label(epoch_ms: i64) -> String {
    let seconds = time::rfc3339(epoch_ms);
    format!(
        "{}.{:03}",
        seconds.trim_end_matches('Z'),
        epoch_ms.rem_euclid(1000)
    )
}

/// One stream of one table.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Stream {
    pub arn: String,
    pub label: String,
    pub table_name: String,
    pub key_schema: KeySchema,
    pub view_type: StreamViewType,
    pub created_ms: i64,
    /// `ENABLING` until then.
    pub enabled_settles_ms: i64,
    /// When it was turned off.
    pub disabled_ms: Option<i64>,
    /// `DISABLING` until then.
    pub disable_settles_ms: i64,
    pub shards: Vec<Shard>,
}

impl Stream {
    pub(crate) fn status(&self, now_ms: i64) -> &'static str {
        match self.disabled_ms {
            Some(_) if now_ms < self.disable_settles_ms => "DISABLING",
            Some(_) => "DISABLED",
            None if now_ms < self.enabled_settles_ms => "ENABLING",
            None => "ENABLED",
        }
    }

    /// Whether the stream has passed its 24 hours after being turned off,
    /// after which AWS no longer knows it.
    pub(crate) fn is_gone(&self, now_ms: i64) -> bool {
        self.disabled_ms.is_some_and(|d| now_ms >= d + RETENTION_MS)
    }

    pub(crate) fn open_shard(&self) -> Option<usize> {
        self.shards.iter().position(|s| !s.is_closed())
    }

    pub(crate) fn shard_index(&self, id: &str) -> Option<usize> {
        self.shards.iter().position(|s| s.id == id)
    }
}

/// A stream ARN's parts: `arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}`.
pub(crate) fn parse_stream_arn(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("table/")?;
    let (table, label) = rest.split_once("/stream/")?;
    let fine = |s: &str| !s.is_empty() && !s.contains('/');
    (fine(region) && fine(account) && fine(table) && fine(label))
        .then_some((region, account, table, label))
}

/// Where a shard iterator points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub stream: usize,
    pub shard: usize,
    /// Read records above this sequence number (`None`: from the start).
    pub after: Option<u128>,
    pub issued_ms: i64,
    /// The reader: one GetShardIterator and the NextShardIterators that
    /// follow from it share this number.
    pub chain: u64,
}

const TOKEN_VERSION: u8 = 2;
/// Version, stream, shard, has-after, after, issued, chain.
const PAYLOAD_LEN: usize = 1 + 4 + 4 + 1 + 16 + 8 + 8;
const MAC_LEN: usize = 12;

fn mac(key: &[u8; 16], payload: &[u8]) -> [u8; MAC_LEN] {
    let digest = Sha256::new()
        .chain_update(key)
        .chain_update(payload)
        .finalize();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&digest[..MAC_LEN]);
    out
}

/// An opaque iterator string: `{stream ARN}|1|{token}`, the shape AWS uses.
pub(crate) fn encode_iterator(key: &[u8; 16], stream_arn: &str, position: &Position) -> String {
    let mut payload = vec![TOKEN_VERSION];
    payload.extend_from_slice(&(position.stream as u32).to_be_bytes());
    payload.extend_from_slice(&(position.shard as u32).to_be_bytes());
    payload.push(u8::from(position.after.is_some()));
    payload.extend_from_slice(&position.after.unwrap_or(0).to_be_bytes());
    payload.extend_from_slice(&position.issued_ms.to_be_bytes());
    payload.extend_from_slice(&position.chain.to_be_bytes());
    let tag = mac(key, &payload);
    payload.extend_from_slice(&tag);
    format!("{stream_arn}|1|{}", base64_encode(&payload))
}

/// Reads an iterator string back; `None` if it is not one of ours.
pub(crate) fn decode_iterator(key: &[u8; 16], text: &str) -> Option<(String, Position)> {
    let mut parts = text.splitn(3, '|');
    let (arn, version, token) = (parts.next()?, parts.next()?, parts.next()?);
    if version != "1" {
        return None;
    }
    let bytes = base64_decode(token).ok()?;
    if bytes.len() != PAYLOAD_LEN + MAC_LEN {
        return None;
    }
    let (payload, tag) = bytes.split_at(PAYLOAD_LEN);
    if payload[0] != TOKEN_VERSION || mac(key, payload) != tag {
        return None;
    }
    let u32_at = |i: usize| u32::from_be_bytes(payload[i..i + 4].try_into().unwrap_or_default());
    let after = u128::from_be_bytes(payload[10..26].try_into().ok()?);
    let issued_ms = i64::from_be_bytes(payload[26..34].try_into().ok()?);
    let chain = u64::from_be_bytes(payload[34..42].try_into().ok()?);
    let position = Position {
        stream: u32_at(1) as usize,
        shard: u32_at(5) as usize,
        after: (payload[9] == 1).then_some(after),
        issued_ms,
        chain,
    };
    Some((arn.to_owned(), position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::attribute::AttributeValue;

    #[test]
    fn labels_ids_and_dates_look_like_aws() {
        // 2024-10-08T19:55:22.123Z
        assert_eq!(stream_label(1_728_417_322_123), "2024-10-08T19:55:22.123");
        assert_eq!(stream_label(1_728_417_322_005), "2024-10-08T19:55:22.005");
        assert_eq!(
            shard_id(1_700_000_000_000, 0xabcdef12),
            "shardId-00000001700000000000-abcdef12"
        );
        assert_eq!(sequence_text(42), "000000000000000000042");
    }

    #[test]
    fn stream_arns_parse_strictly() {
        assert_eq!(
            parse_stream_arn("arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T19:55:22.123"),
            Some(("ap-southeast-1", "123456789012", "lab-table", "2024-10-08T19:55:22.123"))
        );
        for bad in [
            "",
            "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf",
            "arn:aws:dynamodb:r:a:table/t",
            "arn:aws:dynamodb:r:a:table/t/stream/",
            "arn:aws:s3:r:a:table/t/stream/x",
        ] {
            assert_eq!(parse_stream_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn iterators_round_trip_and_resist_tampering() {
        let key = [7u8; 16];
        let pos = Position {
            stream: 2,
            shard: 3,
            after: Some(100_000_000_000_000_000_123),
            issued_ms: 1_728_417_322_000,
            chain: 41,
        };
        let text = encode_iterator(&key, "arn:x", &pos);
        assert!(text.starts_with("arn:x|1|"), "{text}");
        assert_eq!(
            decode_iterator(&key, &text),
            Some(("arn:x".to_owned(), pos))
        );
        let start = Position { after: None, ..pos };
        let text2 = encode_iterator(&key, "arn:x", &start);
        assert_eq!(decode_iterator(&key, &text2).map(|p| p.1), Some(start));
        assert_eq!(decode_iterator(&[8u8; 16], &text), None);
        let mut tampered = text.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            decode_iterator(&key, &String::from_utf8(tampered).unwrap()),
            None
        );
        assert_eq!(decode_iterator(&key, "garbage"), None);
    }

    #[test]
    fn change_kinds_follow_old_and_new_images() {
        let a = Item::from([("id".to_owned(), AttributeValue::s("1"))]);
        let mut b = a.clone();
        b.insert("x".into(), AttributeValue::Bool(true));
        assert_eq!(
            EventName::of_change(None, Some(&a)),
            Some(EventName::Insert)
        );
        assert_eq!(
            EventName::of_change(Some(&a), Some(&b)),
            Some(EventName::Modify)
        );
        assert_eq!(EventName::of_change(Some(&a), Some(&a)), None);
        assert_eq!(
            EventName::of_change(Some(&a), None),
            Some(EventName::Remove)
        );
        assert_eq!(EventName::of_change(None, None), None);
    }
}
