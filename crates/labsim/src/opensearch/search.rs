//! Running a search or count: matching, total hits, sorting (by score,
//! fields, `_id`, `_doc`) and paging, as OpenSearch's query phase does on a
//! single shard.

use super::error::{Cause, OsError};
use super::index::{Index, Visible};
use super::json::Json;
use super::mapping::{FieldType, Indexed};
use super::query::Query;
use super::request::{SearchRequest, SortKey, SortMode, TrackTotal, MAX_RESULT_WINDOW};
use super::score::Searcher;

/// A value a hit is sorted by.
#[derive(Debug, Clone, PartialEq)]
enum SortValue {
    Missing,
    Int(i64),
    Float(f64),
    Str(String),
}

/// How one sort key renders and orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKind {
    Long,
    Double,
    Float,
    Keyword,
}

/// One matching document.
#[derive(Debug, Clone)]
pub(crate) struct Hit<'a> {
    pub index: &'a Index,
    pub visible: Visible<'a>,
    pub score: Option<f32>,
    /// The `sort` array of the hit (present when the request sorts).
    pub sort: Option<Vec<Json>>,
    raw_score: f32,
    keys: Vec<SortValue>,
    /// Position of the index among those searched (ties break by it).
    index_order: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct SearchOutcome<'a> {
    /// Matching documents, counted up to the tracking limit.
    pub total: Option<(u64, bool)>,
    pub max_score: Option<f32>,
    pub hits: Vec<Hit<'a>>,
}

/// Counts the documents matching `query` in `searchers`.
pub(crate) fn count(searchers: &[Searcher<'_>], query: &Query, node: &str) -> Result<u64, OsError> {
    let mut total = 0;
    for searcher in searchers {
        let prepared = searcher.prepare(query, node)?;
        total += searcher
            .docs
            .iter()
            .filter(|doc| searcher.score(&prepared, doc).is_some())
            .count() as u64;
    }
    Ok(total)
}

/// Runs `request` over `searchers` (one per index), returning the page of
/// hits it asks for.
pub(crate) fn search<'a>(
    searchers: &'a [Searcher<'a>],
    request: &SearchRequest,
    node: &str,
) -> Result<SearchOutcome<'a>, OsError> {
    // Saturating: both come from the client.
    let window = request.from.saturating_add(request.size);
    if window > MAX_RESULT_WINDOW {
        let first = searchers
            .first()
            .map(|s| s.index.name.as_str())
            .unwrap_or("");
        let reason = format!(
            "Result window is too large, from + size must be less than or equal to: [{MAX_RESULT_WINDOW}] but was [{window}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."
        );
        return Err(OsError::shard_failure(
            first,
            node,
            Cause::new("illegal_argument_exception", reason),
        ));
    }
    let sorts = request.sort.clone().unwrap_or_default();
    let by_score = request.sort.is_none();
    let scores_tracked = by_score
        || request.track_scores
        || sorts.iter().any(|s| matches!(s, SortKey::Score { .. }));
    let mut kinds = Vec::new();
    for key in &sorts {
        kinds.push(sort_kind(searchers, key, node)?);
    }

    let mut hits = Vec::new();
    for (index_order, searcher) in searchers.iter().enumerate() {
        let prepared = searcher.prepare(&request.query, node)?;
        for (position, visible) in searcher.docs.iter().enumerate() {
            let Some(raw_score) = searcher.score(&prepared, visible) else {
                continue;
            };
            if request.min_score.is_some_and(|min| raw_score < min) {
                continue;
            }
            let keys = sorts
                .iter()
                .zip(&kinds)
                .map(|(key, kind)| sort_value(key, *kind, visible, raw_score, position))
                .collect();
            hits.push(Hit {
                index: searcher.index,
                visible: *visible,
                score: None,
                sort: None,
                raw_score,
                keys,
                index_order,
            });
        }
    }

    let total = hits.len() as u64;
    let tie = |a: &Hit<'_>, b: &Hit<'_>| {
        (a.index_order, a.visible.version.seq).cmp(&(b.index_order, b.visible.version.seq))
    };
    if by_score {
        hits.sort_by(|a, b| b.raw_score.total_cmp(&a.raw_score).then_with(|| tie(a, b)));
    } else {
        hits.sort_by(|a, b| {
            for ((key, x), y) in sorts.iter().zip(&a.keys).zip(&b.keys) {
                let order = compare_sort(key, x, y);
                if order.is_ne() {
                    return order;
                }
            }
            tie(a, b)
        });
    }
    let max_score = if scores_tracked && request.size > 0 {
        hits.iter().map(|h| h.raw_score).reduce(f32::max)
    } else {
        None
    };
    let page: Vec<Hit<'a>> = hits
        .into_iter()
        .skip(request.from)
        .take(request.size)
        .map(|mut hit| {
            hit.score = scores_tracked.then_some(hit.raw_score);
            if request.sort.is_some() {
                hit.sort = Some(
                    sorts
                        .iter()
                        .zip(&kinds)
                        .zip(&hit.keys)
                        .map(|((key, kind), value)| render_sort_value(key, *kind, value))
                        .collect(),
                );
            }
            hit
        })
        .collect();
    let total = match request.track_total_hits {
        TrackTotal::Off => None,
        TrackTotal::UpTo(limit) if total > limit => Some((limit, false)),
        TrackTotal::UpTo(_) => Some((total, true)),
    };
    Ok(SearchOutcome {
        total,
        max_score,
        hits: page,
    })
}

/// How a sort key's values compare and print, checked against every index
/// searched (an unmapped field is an error unless `unmapped_type` says what
/// to assume; a text field has no doc values to sort by).
fn sort_kind(searchers: &[Searcher<'_>], key: &SortKey, node: &str) -> Result<SortKind, OsError> {
    let SortKey::Field {
        field,
        unmapped_type,
        ..
    } = key
    else {
        return Ok(match key {
            SortKey::Score { .. } => SortKind::Float,
            SortKey::Id { .. } => SortKind::Keyword,
            _ => SortKind::Long,
        });
    };
    let mut kind = None;
    for searcher in searchers {
        let ty = match searcher.leaf(field) {
            Some(leaf) => leaf.ty,
            None => match unmapped_type.as_deref().and_then(FieldType::from_name) {
                Some(ty) => ty,
                None => {
                    return Err(searcher.shard_error(
                        node,
                        format!("No mapping found for [{field}] in order to sort on"),
                        None,
                    ))
                }
            },
        };
        let this = match ty {
            FieldType::Text => {
                let reason = format!(
                    "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory."
                );
                return Err(OsError::shard_failure(
                    &searcher.index.name,
                    node,
                    Cause::new("illegal_argument_exception", reason.clone())
                        .caused_by(Cause::new("illegal_argument_exception", reason)),
                ));
            }
            FieldType::Keyword => SortKind::Keyword,
            FieldType::Double => SortKind::Double,
            FieldType::Float | FieldType::HalfFloat => SortKind::Float,
            _ => SortKind::Long,
        };
        kind.get_or_insert(this);
    }
    Ok(kind.unwrap_or(SortKind::Keyword))
}

fn sort_value(
    key: &SortKey,
    kind: SortKind,
    visible: &Visible<'_>,
    score: f32,
    position: usize,
) -> SortValue {
    match key {
        SortKey::Score { .. } => SortValue::Float(f64::from(score)),
        SortKey::Doc { .. } => SortValue::Int(position as i64),
        SortKey::Id { .. } => SortValue::Str(visible.id.to_owned()),
        SortKey::Field { field, mode, .. } => {
            let values = visible
                .doc
                .fields
                .get(field)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let mut candidates: Vec<SortValue> = values
                .iter()
                .filter_map(|v| match (kind, v) {
                    (SortKind::Keyword, Indexed::Keyword(k)) => Some(SortValue::Str(k.clone())),
                    (SortKind::Long, Indexed::Long(n)) => Some(SortValue::Int(*n)),
                    (SortKind::Long, Indexed::Bool(b)) => Some(SortValue::Int(i64::from(*b))),
                    (SortKind::Double | SortKind::Float, Indexed::Double(f)) => {
                        Some(SortValue::Float(*f))
                    }
                    _ => None,
                })
                .collect();
            candidates.sort_by(compare_present);
            let picked = match mode {
                SortMode::Min => candidates.into_iter().next(),
                SortMode::Max => candidates.into_iter().next_back(),
            };
            picked.unwrap_or(SortValue::Missing)
        }
    }
}

fn compare_present(a: &SortValue, b: &SortValue) -> std::cmp::Ordering {
    match (a, b) {
        (SortValue::Int(x), SortValue::Int(y)) => x.cmp(y),
        (SortValue::Float(x), SortValue::Float(y)) => x.total_cmp(y),
        (SortValue::Str(x), SortValue::Str(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

fn compare_sort(key: &SortKey, a: &SortValue, b: &SortValue) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (desc, missing_last) = match key {
        SortKey::Score { desc } | SortKey::Doc { desc } | SortKey::Id { desc } => (*desc, true),
        SortKey::Field {
            desc, missing_last, ..
        } => (*desc, *missing_last),
    };
    match (a, b) {
        (SortValue::Missing, SortValue::Missing) => Ordering::Equal,
        (SortValue::Missing, _) => {
            if missing_last {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (_, SortValue::Missing) => {
            if missing_last {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        _ => {
            let order = compare_present(a, b);
            if desc {
                order.reverse()
            } else {
                order
            }
        }
    }
}

/// A sort value as the hit's `sort` array shows it. A missing number shows
/// the substitute OpenSearch sorted it by (`Long.MAX_VALUE` and so on).
fn render_sort_value(key: &SortKey, kind: SortKind, value: &SortValue) -> Json {
    let (desc, missing_last) = match key {
        SortKey::Field {
            desc, missing_last, ..
        } => (*desc, *missing_last),
        _ => (false, true),
    };
    // Ascending with missing last (or descending with missing first) sorts
    // a missing value as the largest possible one.
    let largest = desc != missing_last;
    match (value, kind) {
        (SortValue::Int(n), _) => Json::from(*n),
        (SortValue::Float(f), SortKind::Float) => Json::Float(*f as f32),
        (SortValue::Float(f), _) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        (SortValue::Str(s), _) => Json::from(s.as_str()),
        (SortValue::Missing, SortKind::Long) => {
            Json::from(if largest { i64::MAX } else { i64::MIN })
        }
        (SortValue::Missing, SortKind::Double | SortKind::Float) => {
            Json::from(if largest { "Infinity" } else { "-Infinity" })
        }
        (SortValue::Missing, SortKind::Keyword) => Json::Null,
    }
}
