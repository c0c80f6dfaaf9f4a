//! Streams on the service: turning them on and off, shard roll-over,
//! appending records, trimming them after 24 hours, and reading them
//! (through shard iterators for the wire, through cursors for the
//! simulator's Lambda poller).
//!
//! Readers of a shard are counted, because the Streams guide warns that more
//! than two at a time get throttled. A reader is an iterator chain: one
//! GetShardIterator and the NextShardIterators that follow from it, which is
//! what one process reading the shard holds (the guide counts processes). A
//! caller identity would not do: every tab of the lab's page signs with the
//! same credentials, and a second tab is exactly the reader too many. A
//! chain counts while it read within the last [`READER_WINDOW_MS`]; the
//! Lambda event source mapping is one reader (its cursor), counted the same
//! way and never refused itself. A new chain that finds two readers active
//! gets `LimitExceededException`; the readers already reading go on.

use super::error::{DynamoDbError, ErrorKind};
use super::items::RecordRef;
use super::stream::{
    decode_iterator, encode_iterator, make_record, sequence_text, shard_id, stream_label,
    EventName, Position, Shard, Stream, StreamRecord, StreamViewType, ITERATOR_TTL_MS,
    MAX_SHARD_READERS, READER_WINDOW_MS,
};
use super::{DynamoDb, Item};
use serde_json::Value;

/// GetRecords returns at most 1 MB of records (or 1000, whichever comes
/// first): the records' JSON is kept under 1 MiB less room for the rest of
/// the body (`NextShardIterator`, at most 2048 characters), so a whole
/// page stays within 1 MiB on the wire.
pub const RECORDS_PAGE_BYTES: usize = 1024 * 1024 - 4096;

/// How many bytes `value` takes as compact JSON, without building the text.
pub(crate) fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Where a new reader starts, as for a Lambda event source mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StartingPosition {
    /// The oldest record still kept.
    TrimHorizon,
    /// Only records written from now on.
    Latest,
}

/// A reader's place in a stream. It moves through the shard lineage: when
/// its shard is closed and read to the end, it continues in the child shard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamCursor {
    pub stream_arn: String,
    /// The shard being read.
    pub shard_id: String,
    /// The last sequence number read in that shard, if any.
    pub after: Option<String>,
    stream: usize,
    shard: usize,
    #[serde(with = "crate::snapshot::decimal_or_none")]
    after_seq: Option<u128>,
    /// Which reader it is, for the count of a shard's readers.
    reader: u64,
}

/// What an iterator starts at, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IteratorStart {
    TrimHorizon,
    Latest,
    At(u128),
    After(u128),
}

impl DynamoDb {
    /// Applies the passage of time: open shards older than the roll-over
    /// period close and hand over to a child, as AWS's do every few hours;
    /// records older than 24 hours are trimmed; idle readers stop counting.
    pub(crate) fn tick(&mut self, now_ms: i64) {
        self.roll_over_due(now_ms);
        // One comparison per shard when nothing is due.
        for stream in &mut self.streams {
            for shard in &mut stream.shards {
                shard.trim(now_ms);
            }
        }
        self.readers.retain(|_, readers| {
            readers.retain(|&(_, last)| now_ms - last < READER_WINDOW_MS);
            !readers.is_empty()
        });
    }

    fn roll_over_due(&mut self, now_ms: i64) {
        let Some(every) = self.config.shard_rollover_ms.filter(|&e| e > 0) else {
            return;
        };
        for index in 0..self.streams.len() {
            if self.streams[index].disabled_ms.is_some() {
                continue;
            }
            // At most two steps however long the gap: the shard that was
            // due, then one opened at the last boundary (the empty shards in
            // between would hold nothing).
            for _ in 0..2 {
                let Some(open) = self.streams[index].open_shard() else {
                    break;
                };
                let opened = self.streams[index].shards[open].created_ms;
                if now_ms < opened + every {
                    break;
                }
                let boundaries = (now_ms - opened) / every;
                let at = if boundaries > 1 && self.streams[index].shards[open].records.is_empty() {
                    opened + boundaries * every
                } else {
                    opened + every
                };
                self.roll_over(index, at);
            }
        }
    }

    /// Hands out the next sequence number; gaps between them are irregular,
    /// as AWS's are, so a reader cannot assume `n + 1` follows `n`.
    fn take_seq(&mut self) -> u128 {
        let seq = self.next_seq;
        self.next_seq += 1 + u128::from(self.ids.next_u64() % 1000);
        seq
    }

    fn new_shard(&mut self, created_ms: i64, parent: Option<String>) -> Shard {
        Shard {
            id: shard_id(created_ms, self.ids.next_u64() as u32),
            parent,
            created_ms,
            start_seq: self.next_seq,
            end_seq: None,
            closed_ms: None,
            trimmed_to: None,
            records: Vec::new(),
        }
    }

    fn close_shard(&mut self, stream: usize, shard: usize, at_ms: i64) {
        let s = &mut self.streams[stream].shards[shard];
        let end = s
            .records
            .last()
            .map(|r| r.seq)
            .or(s.trimmed_to)
            .unwrap_or(s.start_seq);
        s.end_seq = Some(end);
        s.closed_ms = Some(at_ms);
        // An empty shard reserved its starting number: move past it.
        self.next_seq = self.next_seq.max(end + 1);
    }

    /// Closes the open shard at `at_ms` and opens its child; the child's id.
    fn roll_over(&mut self, stream: usize, at_ms: i64) -> Option<String> {
        let open = self.streams[stream].open_shard()?;
        self.close_shard(stream, open, at_ms);
        let parent = &self.streams[stream].shards[open];
        // Shard ids sort by creation time; keep them strictly increasing.
        let created = at_ms.max(parent.created_ms + 1);
        let parent_id = parent.id.clone();
        let child = self.new_shard(created, Some(parent_id));
        let id = child.id.clone();
        self.streams[stream].shards.push(child);
        Some(id)
    }

    /// When a stream enabled on `table` at `now_ms` would be created, and
    /// its ARN: two streams of one table never share a label, so a second
    /// one in the same millisecond is dated a millisecond later.
    pub fn next_stream(&self, table: &str, now_ms: i64) -> (i64, String) {
        let mut created = now_ms;
        while self
            .streams
            .iter()
            .any(|s| s.table_name == table && s.label == stream_label(created))
        {
            created += 1;
        }
        let arn = format!("{}/stream/{}", self.table_arn(table), stream_label(created));
        (created, arn)
    }

    /// Turns a table's stream on: a new stream, ARN and label. Its index.
    pub(crate) fn open_stream(
        &mut self,
        table: &str,
        view: StreamViewType,
        now_ms: i64,
    ) -> Option<usize> {
        let key_schema = self.tables.get(table)?.key_schema.clone();
        let (created, arn) = self.next_stream(table, now_ms);
        let label = stream_label(created);
        let shard = self.new_shard(created, None);
        let index = self.streams.len();
        self.streams.push(Stream {
            arn,
            label,
            table_name: table.to_owned(),
            key_schema,
            view_type: view,
            created_ms: created,
            enabled_settles_ms: now_ms + self.config.table_update_ms,
            disabled_ms: None,
            disable_settles_ms: 0,
            shards: vec![shard],
        });
        let t = self.tables.get_mut(table)?;
        t.stream = Some(index);
        t.latest_stream = Some(index);
        Some(index)
    }

    /// Turns a stream off: its open shard closes; it stays readable, DISABLED.
    pub(crate) fn close_stream(&mut self, index: usize, now_ms: i64) {
        if let Some(open) = self.streams[index].open_shard() {
            self.close_shard(index, open, now_ms);
        }
        let s = &mut self.streams[index];
        s.disabled_ms = Some(now_ms);
        s.disable_settles_ms = now_ms + self.config.table_update_ms;
    }

    /// UpdateTable's `StreamSpecification`: `Some(view)` turns the stream on,
    /// `None` off, with AWS's refusals (a second stream, a missing one, a
    /// table still UPDATING).
    pub fn set_stream(
        &mut self,
        table: &str,
        view: Option<StreamViewType>,
        now_ms: i64,
    ) -> Result<(), DynamoDbError> {
        self.tick(now_ms);
        let t = self
            .table(table)
            .ok_or_else(|| DynamoDbError::table_not_found_named(table))?;
        let name = t.name.clone();
        if t.is_updating(now_ms) {
            return Err(DynamoDbError::new(
                ErrorKind::ResourceInUse,
                format!("Attempt to change a resource which is still in use: Table is being updated: {name}"),
            ));
        }
        match (view, t.stream) {
            (Some(_), Some(_)) => {
                return Err(DynamoDbError::validation(format!(
                    "Table already has an enabled stream: TableName: {name}"
                )))
            }
            (None, None) => {
                return Err(DynamoDbError::validation(format!(
                    "Table has no stream to disable: TableName: {name}"
                )))
            }
            (Some(view), None) => {
                self.open_stream(&name, view, now_ms);
            }
            (None, Some(index)) => {
                self.close_stream(index, now_ms);
                if let Some(t) = self.tables.get_mut(&name) {
                    t.stream = None;
                }
            }
        }
        let until = now_ms + self.config.table_update_ms;
        if let Some(t) = self.tables.get_mut(&name) {
            t.updating_until_ms = until;
        }
        Ok(())
    }

    /// The table's `LatestStreamArn` (its last stream, on or off).
    pub fn latest_stream_arn(&self, table: &str) -> Option<String> {
        let index = self.table(table)?.latest_stream?;
        Some(self.streams[index].arn.clone())
    }

    /// The view type of the table's enabled stream; `None` when it is off.
    pub fn stream_view(&self, table: &str) -> Option<StreamViewType> {
        let index = self.table(table)?.stream?;
        Some(self.streams[index].view_type)
    }

    /// The id of the open shard of the table's enabled stream.
    pub fn open_shard_id(&self, table: &str) -> Option<String> {
        let s = &self.streams[self.table(table)?.stream?];
        Some(s.shards[s.open_shard()?].id.clone())
    }

    /// The parent of a shard of the table's latest stream.
    pub fn parent_shard_id(&self, table: &str, shard_id: &str) -> Option<String> {
        let s = &self.streams[self.table(table)?.latest_stream?];
        s.shards.iter().find(|x| x.id == shard_id)?.parent.clone()
    }

    /// Closes the table's open shard now and opens a child shard, as AWS
    /// does every few hours; the child's id. Readers must follow to it.
    pub fn roll_over_shard(&mut self, table: &str, now_ms: i64) -> Result<String, DynamoDbError> {
        self.tick(now_ms);
        let t = self
            .table(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        let index = t.stream.ok_or_else(|| {
            DynamoDbError::validation(format!("Table {} has no enabled stream", t.name))
        })?;
        self.roll_over(index, now_ms)
            .ok_or_else(|| DynamoDbError::validation("The stream has no open shard"))
    }

    /// Appends the record of a change to the table's enabled stream.
    pub(crate) fn append_record(
        &mut self,
        table: &str,
        event_name: EventName,
        keys: Item,
        old: Option<&Item>,
        new: Option<&Item>,
        now_ms: i64,
    ) -> Option<RecordRef> {
        let stream = self.tables.get(table)?.stream?;
        let shard = self.streams[stream].open_shard()?;
        let event_id = self.event_id();
        let seq = self.take_seq();
        let s = &self.streams[stream];
        let record = make_record(
            event_id,
            event_name,
            &self.config.region,
            s,
            &s.shards[shard].id,
            now_ms,
            keys,
            old,
            new,
            seq,
        );
        let reference = RecordRef {
            stream_arn: record.stream_arn.clone(),
            shard_id: record.shard_id.clone(),
            sequence_number: record.sequence_number.clone(),
            event_id: record.event_id.clone(),
        };
        self.streams[stream].shards[shard].records.push(record);
        Some(reference)
    }

    /// A stream AWS still knows (disabled ones for 24 hours).
    pub(crate) fn find_stream(&self, arn: &str, now_ms: i64) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| s.arn == arn && !s.is_gone(now_ms))
    }

    pub(crate) fn stream_at(&self, index: usize) -> &Stream {
        &self.streams[index]
    }

    /// Streams still known, in the order they were enabled.
    pub(crate) fn live_streams(&self, now_ms: i64) -> impl Iterator<Item = &Stream> {
        self.streams.iter().filter(move |s| !s.is_gone(now_ms))
    }

    /// The highest sequence number a reader could have seen.
    fn latest_seq(&self, shard: &Shard) -> u128 {
        shard.end_seq.unwrap_or(self.next_seq - 1)
    }

    /// A shard iterator, the start of a new reader's chain (range and trim
    /// checks are the caller's). TRIM_HORIZON starts at the trim point.
    pub(crate) fn shard_iterator(
        &mut self,
        stream: usize,
        shard: usize,
        start: IteratorStart,
        now_ms: i64,
    ) -> String {
        let chain = self.new_reader();
        let s = &self.streams[stream];
        let after = match start {
            IteratorStart::TrimHorizon => s.shards[shard].trimmed_to,
            IteratorStart::Latest => Some(self.latest_seq(&s.shards[shard])),
            IteratorStart::At(n) => n.checked_sub(1),
            IteratorStart::After(n) => Some(n),
        };
        let position = Position {
            stream,
            shard,
            after,
            issued_ms: now_ms,
            chain,
        };
        encode_iterator(&self.iterator_key, &s.arn, &position)
    }

    /// A number for a new reader (an iterator chain or a cursor).
    fn new_reader(&mut self) -> u64 {
        self.next_reader += 1;
        self.next_reader
    }

    /// Counts `reader` as reading a shard at `now_ms`. `false`, and not
    /// counted, when it is a newcomer and the shard already has its
    /// [`MAX_SHARD_READERS`] (unless the limit is off, or `may_refuse` is
    /// false: the Lambda poller is never refused).
    fn admit_reader(
        &mut self,
        stream: usize,
        shard: usize,
        reader: u64,
        may_refuse: bool,
        now_ms: i64,
    ) -> bool {
        let readers = self.readers.entry((stream, shard)).or_default();
        readers.retain(|&(_, last)| now_ms - last < READER_WINDOW_MS);
        if let Some(known) = readers.iter_mut().find(|(r, _)| *r == reader) {
            known.1 = known.1.max(now_ms);
            return true;
        }
        if may_refuse && self.reader_limit && readers.len() >= MAX_SHARD_READERS {
            return false;
        }
        readers.push((reader, now_ms));
        true
    }

    /// Whether a third reader of a shard is refused (the default) or let
    /// through; readers are counted either way.
    pub fn set_shard_reader_limit(&mut self, on: bool) {
        self.reader_limit = on;
    }

    pub fn shard_reader_limit(&self) -> bool {
        self.reader_limit
    }

    /// How many readers read the shard `shard_id` of `stream_arn` within
    /// the last [`READER_WINDOW_MS`].
    pub fn shard_readers(&self, stream_arn: &str, shard_id: &str, now_ms: i64) -> usize {
        let Some(stream) = self.streams.iter().position(|s| s.arn == stream_arn) else {
            return 0;
        };
        let Some(shard) = self.streams[stream].shard_index(shard_id) else {
            return 0;
        };
        self.readers.get(&(stream, shard)).map_or(0, |readers| {
            readers
                .iter()
                .filter(|&&(_, last)| now_ms - last < READER_WINDOW_MS)
                .count()
        })
    }

    /// The sequence numbers an AT/AFTER iterator may name in a shard.
    pub(crate) fn sequence_range(&self, stream: usize, shard: usize) -> (u128, u128) {
        let s = &self.streams[stream].shards[shard];
        (s.start_seq, self.latest_seq(s).max(s.start_seq))
    }

    /// GetRecords: up to `limit` records (as JSON), no more than
    /// [`RECORDS_PAGE_BYTES`] of them, and the next iterator (none once a
    /// closed shard has been read to its end).
    pub(crate) fn get_records(
        &self,
        iterator: &str,
        limit: usize,
        now_ms: i64,
    ) -> Result<(Vec<Value>, Option<String>), DynamoDbError> {
        let (arn, position) = decode_iterator(&self.iterator_key, iterator)
            .ok_or_else(|| DynamoDbError::validation("Invalid ShardIterator"))?;
        if now_ms - position.issued_ms > ITERATOR_TTL_MS {
            return Err(DynamoDbError::expired_iterator());
        }
        let stream = self
            .streams
            .get(position.stream)
            .filter(|s| s.arn == arn && !s.is_gone(now_ms))
            .ok_or_else(|| DynamoDbError::stream_not_found(&arn))?;
        let shard = stream
            .shards
            .get(position.shard)
            .ok_or_else(|| DynamoDbError::validation("Invalid ShardIterator"))?;
        let available = shard.records_after(position.after);
        let mut records = Vec::new();
        let mut bytes = 0;
        let mut last_seq = None;
        for record in available.iter().take(limit) {
            let json = record.to_json();
            let size = json_size(&json) + 1;
            // At least one record, however big, or the reader is stuck.
            if !records.is_empty() && bytes + size > RECORDS_PAGE_BYTES {
                break;
            }
            bytes += size;
            last_seq = Some(record.seq);
            records.push(json);
        }
        let read_all = records.len() == available.len();
        let next = (!(shard.is_closed() && read_all)).then(|| {
            let after = last_seq.or(position.after);
            let next = Position {
                after,
                issued_ms: now_ms,
                ..position
            };
            encode_iterator(&self.iterator_key, &arn, &next)
        });
        Ok((records, next))
    }

    /// What GetRecords refuses before it reads, in this order: an iterator
    /// that is not ours, one older than 15 minutes, one behind the trim
    /// point, a third reader of the shard. Counts the iterator's chain as a
    /// reader of its shard when it may read.
    pub(crate) fn admit_get_records(
        &mut self,
        iterator: &str,
        now_ms: i64,
    ) -> Result<(), DynamoDbError> {
        let (arn, position) = decode_iterator(&self.iterator_key, iterator)
            .ok_or_else(|| DynamoDbError::validation("Invalid ShardIterator"))?;
        if now_ms - position.issued_ms > ITERATOR_TTL_MS {
            return Err(DynamoDbError::expired_iterator());
        }
        self.check_readable(&arn, &position, now_ms)?;
        if !self.admit_reader(
            position.stream,
            position.shard,
            position.chain,
            true,
            now_ms,
        ) {
            return Err(DynamoDbError::too_many_readers());
        }
        Ok(())
    }

    /// The shard an iterator points into still holds its position.
    fn check_readable(
        &self,
        arn: &str,
        position: &Position,
        now_ms: i64,
    ) -> Result<(), DynamoDbError> {
        let stream = self
            .streams
            .get(position.stream)
            .filter(|s| s.arn == arn && !s.is_gone(now_ms))
            .ok_or_else(|| DynamoDbError::stream_not_found(arn))?;
        let shard = stream
            .shards
            .get(position.shard)
            .ok_or_else(|| DynamoDbError::validation("Invalid ShardIterator"))?;
        if shard.is_trimmed_past(position.after) {
            return Err(DynamoDbError::trimmed());
        }
        Ok(())
    }

    /// A reader for the simulator's Lambda poller, at `start` of the stream.
    pub fn stream_cursor(
        &mut self,
        stream_arn: &str,
        start: StartingPosition,
        now_ms: i64,
    ) -> Result<StreamCursor, DynamoDbError> {
        self.tick(now_ms);
        let index = self
            .find_stream(stream_arn, now_ms)
            .ok_or_else(|| DynamoDbError::stream_not_found(stream_arn))?;
        let reader = self.new_reader();
        let s = &self.streams[index];
        let (shard, after_seq) = match start {
            StartingPosition::TrimHorizon => {
                // The oldest shard still listed, at its trim point.
                let shard = s
                    .shards
                    .iter()
                    .position(|x| !x.is_expired(now_ms))
                    .unwrap_or(s.shards.len() - 1);
                (shard, s.shards[shard].trimmed_to)
            }
            StartingPosition::Latest => {
                let shard = s.open_shard().unwrap_or(s.shards.len() - 1);
                (shard, Some(self.latest_seq(&s.shards[shard])))
            }
        };
        Ok(StreamCursor {
            stream_arn: s.arn.clone(),
            shard_id: s.shards[shard].id.clone(),
            after: after_seq.map(sequence_text),
            stream: index,
            shard,
            after_seq,
            reader,
        })
    }

    /// Up to `limit` records after the cursor, from one shard (as Lambda
    /// batches are per shard), moving the cursor past them. A closed shard
    /// read to its end hands over to its child. The cursor counts as a
    /// reader of the shard it ends on.
    pub fn read_stream(
        &mut self,
        cursor: &mut StreamCursor,
        limit: usize,
        now_ms: i64,
    ) -> Result<Vec<StreamRecord>, DynamoDbError> {
        let records = self.read_cursor(cursor, limit, now_ms)?;
        self.admit_reader(cursor.stream, cursor.shard, cursor.reader, false, now_ms);
        Ok(records)
    }

    /// Keeps the cursor's reader counted without reading, as a Lambda event
    /// source mapping that waits to retry a batch still holds its place.
    pub fn keep_reader(&mut self, cursor: &StreamCursor, now_ms: i64) {
        let known = self
            .streams
            .get(cursor.stream)
            .is_some_and(|s| s.arn == cursor.stream_arn && cursor.shard < s.shards.len());
        if known {
            self.admit_reader(cursor.stream, cursor.shard, cursor.reader, false, now_ms);
        }
    }

    fn read_cursor(
        &mut self,
        cursor: &mut StreamCursor,
        limit: usize,
        now_ms: i64,
    ) -> Result<Vec<StreamRecord>, DynamoDbError> {
        self.tick(now_ms);
        let stream = self
            .streams
            .get(cursor.stream)
            .filter(|s| s.arn == cursor.stream_arn && !s.is_gone(now_ms))
            .ok_or_else(|| DynamoDbError::stream_not_found(&cursor.stream_arn))?;
        loop {
            // A cursor from another run of the simulator may point nowhere.
            let shard = stream
                .shards
                .get(cursor.shard)
                .filter(|s| s.id == cursor.shard_id)
                .ok_or_else(|| DynamoDbError::stream_not_found(&cursor.stream_arn))?;
            let records: Vec<StreamRecord> = shard
                .records_after(cursor.after_seq)
                .iter()
                .take(limit)
                .cloned()
                .collect();
            if let Some(last) = records.last() {
                cursor.after_seq = Some(last.seq);
                cursor.after = Some(last.sequence_number.clone());
                return Ok(records);
            }
            if !shard.is_closed() {
                return Ok(records);
            }
            let child = stream
                .shards
                .iter()
                .position(|s| s.parent.as_deref() == Some(shard.id.as_str()));
            let Some(child) = child else {
                return Ok(records);
            };
            cursor.shard = child;
            cursor.shard_id = stream.shards[child].id.clone();
            cursor.after_seq = None;
            cursor.after = None;
        }
    }

    /// Records of the table's latest stream above sequence number `after`
    /// (all for `None`), across its shards, oldest first.
    pub fn poll_stream(
        &mut self,
        table: &str,
        after: Option<&str>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Vec<StreamRecord>, DynamoDbError> {
        self.tick(now_ms);
        let after = match after {
            Some(text) => Some(text.parse::<u128>().map_err(|_| {
                DynamoDbError::validation(format!("Invalid SequenceNumber: {text}"))
            })?),
            None => None,
        };
        let t = self
            .table(table)
            .ok_or_else(DynamoDbError::table_not_found)?;
        let Some(index) = t
            .latest_stream
            .filter(|&i| !self.streams[i].is_gone(now_ms))
        else {
            return Ok(Vec::new());
        };
        Ok(self.streams[index]
            .shards
            .iter()
            .flat_map(|s| s.records_after(after))
            .take(limit)
            .cloned()
            .collect())
    }
}
