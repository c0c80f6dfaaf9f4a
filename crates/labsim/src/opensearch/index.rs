//! One index: its mapping and every version of every document.
//!
//! Versions are kept (deletions as tombstones) rather than overwritten
//! because the two read paths see different moments: GET by id reads the
//! latest version at once (OpenSearch's realtime get), while search sees a
//! version only once the refresh lag has passed since it was written. Keeping
//! the history also lets a search be asked about any moment, which the
//! ground-truth helpers and tests rely on; a lab writes few documents.

use std::collections::BTreeMap;

use super::json::Json;
use super::mapping::{Fields, Mapping};

/// A document as stored: the source exactly as sent, its parsed tree, and
/// what each field indexes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredDoc {
    pub raw: String,
    pub tree: Json,
    pub fields: Fields,
}

/// A [`StoredDoc`] in a snapshot: the tree is the source's, parsed again.
#[derive(serde::Serialize, serde::Deserialize)]
struct WrittenDoc<R, F> {
    raw: R,
    fields: F,
}

impl serde::Serialize for StoredDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WrittenDoc {
            raw: &self.raw,
            fields: &self.fields,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for StoredDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = WrittenDoc::<String, Fields>::deserialize(deserializer)?;
        let tree = super::json::parse(&doc.raw).map_err(serde::de::Error::custom)?;
        Ok(StoredDoc {
            raw: doc.raw,
            tree,
            fields: doc.fields,
        })
    }
}

/// One write to a document id; `doc` is `None` for a deletion.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Version {
    pub version: u64,
    /// Collection-wide write order; a search lists equal-scoring documents
    /// in this order, as Lucene does by doc id (a replaced document moves to
    /// the end).
    pub seq: u64,
    pub written_at_ms: i64,
    /// When search sees this version: its refresh lag after the write, and
    /// never before the document's previous version.
    pub searchable_at_ms: i64,
    pub doc: Option<StoredDoc>,
}

/// A document a search can see.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visible<'a> {
    pub id: &'a str,
    pub version: &'a Version,
    pub doc: &'a StoredDoc,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Index {
    pub name: String,
    pub uuid: String,
    pub created_at_ms: i64,
    pub mapping: Mapping,
    docs: BTreeMap<String, Vec<Version>>,
}

impl Index {
    pub(crate) fn new(name: &str, uuid: String, created_at_ms: i64, mapping: Mapping) -> Self {
        Index {
            name: name.to_owned(),
            uuid,
            created_at_ms,
            mapping,
            docs: BTreeMap::new(),
        }
    }

    /// The latest write to `id`, which may be a deletion.
    pub(crate) fn latest(&self, id: &str) -> Option<&Version> {
        self.docs.get(id).and_then(|versions| versions.last())
    }

    /// Every write to `id`, oldest first.
    pub(crate) fn versions(&self, id: &str) -> &[Version] {
        self.docs.get(id).map_or(&[], Vec::as_slice)
    }

    /// The current document `id`, as GET sees it.
    pub(crate) fn live(&self, id: &str) -> Option<(&Version, &StoredDoc)> {
        let version = self.latest(id)?;
        version.doc.as_ref().map(|doc| (version, doc))
    }

    /// Records a write (or, with `doc: None`, a deletion) that search sees
    /// `lag_ms` later, and returns the new version: its number is one more
    /// than the last, tombstones included. With lags that vary per write, a
    /// version never becomes searchable before the one it replaces (a
    /// refresh publishes what came before it too).
    pub(crate) fn write(
        &mut self,
        id: &str,
        doc: Option<StoredDoc>,
        written_at_ms: i64,
        lag_ms: i64,
        seq: u64,
    ) -> &Version {
        let versions = self.docs.entry(id.to_owned()).or_default();
        let (version, searchable_at_ms) = match versions.last() {
            Some(last) => (
                last.version + 1,
                written_at_ms
                    .saturating_add(lag_ms)
                    .max(last.searchable_at_ms),
            ),
            None => (1, written_at_ms.saturating_add(lag_ms)),
        };
        versions.push(Version {
            version,
            seq,
            written_at_ms,
            searchable_at_ms,
            doc,
        });
        &versions[versions.len() - 1]
    }

    /// The documents a search at `now_ms` sees, in write order.
    pub(crate) fn searchable(&self, now_ms: i64) -> Vec<Visible<'_>> {
        let mut visible: Vec<Visible<'_>> = self
            .docs
            .iter()
            .filter_map(|(id, versions)| {
                let version = versions
                    .iter()
                    .rev()
                    .find(|v| v.searchable_at_ms <= now_ms)?;
                let doc = version.doc.as_ref()?;
                Some(Visible {
                    id: id.as_str(),
                    version,
                    doc,
                })
            })
            .collect();
        visible.sort_by_key(|v| v.version.seq);
        visible
    }

    /// Ids of the current documents, sorted.
    pub(crate) fn live_ids(&self) -> Vec<&str> {
        self.docs
            .iter()
            .filter(|(_, versions)| versions.last().is_some_and(|v| v.doc.is_some()))
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(raw: &str) -> StoredDoc {
        StoredDoc {
            raw: raw.to_owned(),
            tree: super::super::json::parse(raw).unwrap(),
            fields: Fields::new(),
        }
    }

    #[test]
    fn search_sees_the_last_write_older_than_the_lag() {
        let mut index = Index::new("i", "u".into(), 0, Mapping::default());
        let mut write = |doc, at, seq| index.write("a", doc, at, 1_000, seq).version;
        assert_eq!(write(Some(self::doc(r#"{"v":1}"#)), 1_000, 1), 1);
        assert_eq!(write(Some(self::doc(r#"{"v":2}"#)), 5_000, 2), 2);
        assert_eq!(write(None, 9_000, 3), 3);
        let raw_at = |now| {
            index
                .searchable(now)
                .iter()
                .map(|v| v.doc.raw.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(raw_at(1_999), Vec::<String>::new());
        assert_eq!(raw_at(2_000), [r#"{"v":1}"#]);
        assert_eq!(raw_at(6_000), [r#"{"v":2}"#]);
        assert_eq!(raw_at(10_000), Vec::<String>::new());
        assert!(index.live("a").is_none());
        assert_eq!(index.latest("a").map(|v| v.version), Some(3));
        assert_eq!(
            index.write("a", Some(doc("{}")), 11_000, 1_000, 4).version,
            4
        );
        assert_eq!(index.live_ids(), ["a"]);
    }

    #[test]
    fn a_later_version_never_becomes_searchable_before_the_one_it_replaces() {
        let mut index = Index::new("i", "u".into(), 0, Mapping::default());
        // Written at 0 with a 50 s lag, replaced at 1 s with a 12 s lag.
        assert_eq!(
            index
                .write("a", Some(doc(r#"{"v":1}"#)), 0, 50_000, 1)
                .searchable_at_ms,
            50_000
        );
        assert_eq!(
            index
                .write("a", Some(doc(r#"{"v":2}"#)), 1_000, 12_000, 2)
                .searchable_at_ms,
            50_000
        );
        // Another document keeps its own lag.
        assert_eq!(
            index
                .write("b", Some(doc(r#"{"v":3}"#)), 1_000, 12_000, 3)
                .searchable_at_ms,
            13_000
        );
        let raw_at = |now| {
            index
                .searchable(now)
                .iter()
                .map(|v| v.doc.raw.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(raw_at(13_000), [r#"{"v":3}"#]);
        assert_eq!(raw_at(49_999), [r#"{"v":3}"#]);
        // In write order, as search lists equal scores.
        assert_eq!(raw_at(50_000), [r#"{"v":2}"#, r#"{"v":3}"#]);
    }
}
