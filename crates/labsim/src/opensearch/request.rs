//! A `_search` request: its body (`query`, `from`, `size`, `sort`,
//! `_source`, `track_total_hits`, ...) parsed as SearchSourceBuilder does,
//! the `sort` URL parameter, and `_source` filtering of hits.

use super::error::OsError;
use super::json::Json;
use super::mapping::scalar_text;
use super::query::{boolean, number, parse_query, Query};

/// How many hits to count exactly before answering "gte".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrackTotal {
    UpTo(u64),
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceFilter {
    All,
    Off,
    Filter {
        includes: Vec<String>,
        excludes: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortMode {
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortKey {
    Score {
        desc: bool,
    },
    Doc {
        desc: bool,
    },
    Id {
        desc: bool,
    },
    Field {
        field: String,
        desc: bool,
        missing_last: bool,
        mode: SortMode,
        unmapped_type: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchRequest {
    pub query: Query,
    pub from: usize,
    pub size: usize,
    pub sort: Option<Vec<SortKey>>,
    pub source: SourceFilter,
    pub track_total_hits: TrackTotal,
    pub track_scores: bool,
    pub min_score: Option<f32>,
}

pub(crate) const DEFAULT_SIZE: usize = 10;
pub(crate) const MAX_RESULT_WINDOW: usize = 10_000;
const DEFAULT_TRACK_TOTAL_HITS: u64 = 10_000;

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: Query::MatchAll { boost: 1.0 },
            from: 0,
            size: DEFAULT_SIZE,
            sort: None,
            source: SourceFilter::All,
            track_total_hits: TrackTotal::UpTo(DEFAULT_TRACK_TOTAL_HITS),
            track_scores: false,
            min_score: None,
        }
    }
}

fn unknown_key(value: &Json, key: &str) -> OsError {
    OsError::parsing(format!(
        "Unknown key for a {} in [{key}].",
        value.token_name()
    ))
}

fn non_negative(name: &str, value: &Json) -> Result<usize, OsError> {
    let n = number(value).ok_or_else(|| unknown_key(value, name))? as i64;
    usize::try_from(n).map_err(|_| {
        OsError::illegal_argument(format!(
            "[{name}] parameter cannot be negative, found [{n}]"
        ))
    })
}

/// Parses a `_search` body (absent: match everything).
pub(crate) fn parse_search_body(body: Option<&Json>) -> Result<SearchRequest, OsError> {
    let mut request = SearchRequest::default();
    let Some(body) = body else {
        return Ok(request);
    };
    let Json::Object(pairs) = body else {
        return Err(OsError::parsing(format!(
            "Expected [START_OBJECT] but found [{}]",
            body.token_name()
        )));
    };
    for (key, value) in pairs {
        match (key.as_str(), value) {
            ("query", Json::Object(_)) => request.query = parse_query(value)?,
            ("from", v) if !matches!(v, Json::Object(_) | Json::Array(_)) => {
                request.from = non_negative("from", v)?
            }
            ("size", v) if !matches!(v, Json::Object(_) | Json::Array(_)) => {
                request.size = non_negative("size", v)?
            }
            ("sort", v) => request.sort = Some(parse_sort(v)?),
            ("_source", v) => request.source = parse_source_filter(v)?,
            ("track_scores", v) => request.track_scores = boolean(v).unwrap_or(false),
            ("track_total_hits", v) => request.track_total_hits = parse_track_total(v)?,
            ("min_score", v) => request.min_score = number(v).map(|f| f as f32),
            ("timeout", _) => {}
            ("explain" | "version" | "seq_no_primary_term" | "profile", v)
                if boolean(v) == Some(false) => {}
            (
                "aggs"
                | "aggregations"
                | "highlight"
                | "post_filter"
                | "search_after"
                | "collapse"
                | "suggest"
                | "rescore"
                | "stored_fields"
                | "docvalue_fields"
                | "fields"
                | "script_fields"
                | "indices_boost"
                | "pit"
                | "slice"
                | "ext"
                | "terminate_after"
                | "explain"
                | "version"
                | "seq_no_primary_term"
                | "profile"
                | "stats"
                | "search_pipeline"
                | "derived",
                _,
            ) => return Err(OsError::not_simulated(format!("[{key}] in a search"))),
            (key, value) => return Err(unknown_key(value, key)),
        }
    }
    Ok(request)
}

fn parse_track_total(value: &Json) -> Result<TrackTotal, OsError> {
    if let Some(b) = boolean(value) {
        return Ok(if b {
            TrackTotal::UpTo(u64::MAX)
        } else {
            TrackTotal::Off
        });
    }
    match number(value).map(|n| n as i64) {
        Some(-1) => Ok(TrackTotal::Off),
        Some(n) if n >= 0 => Ok(TrackTotal::UpTo(n as u64)),
        Some(n) => Err(OsError::illegal_argument(format!(
            "[track_total_hits] parameter must be positive or equals to -1, got {n}"
        ))),
        None => Err(unknown_key(value, "track_total_hits")),
    }
}

/// `_source`: a boolean, a pattern, a list of patterns, or
/// `{"includes": .., "excludes": ..}`.
pub(crate) fn parse_source_filter(value: &Json) -> Result<SourceFilter, OsError> {
    let patterns = |v: &Json| -> Result<Vec<String>, OsError> {
        match v {
            Json::String(s) => Ok(vec![s.clone()]),
            Json::Array(items) => Ok(items.iter().map(scalar_text).collect()),
            other => Err(OsError::parsing(format!(
                "Unknown key for a {} in [_source].",
                other.token_name()
            ))),
        }
    };
    match value {
        Json::Bool(true) => Ok(SourceFilter::All),
        Json::Bool(false) => Ok(SourceFilter::Off),
        Json::String(_) | Json::Array(_) => Ok(SourceFilter::Filter {
            includes: patterns(value)?,
            excludes: Vec::new(),
        }),
        Json::Object(pairs) => {
            let mut includes = Vec::new();
            let mut excludes = Vec::new();
            for (key, v) in pairs {
                match key.as_str() {
                    "includes" | "include" => includes = patterns(v)?,
                    "excludes" | "exclude" => excludes = patterns(v)?,
                    other => {
                        return Err(OsError::parsing(format!(
                            "Unknown key for a {} in [{other}].",
                            v.token_name()
                        )))
                    }
                }
            }
            Ok(SourceFilter::Filter { includes, excludes })
        }
        other => Err(OsError::parsing(format!(
            "Unknown key for a {} in [_source].",
            other.token_name()
        ))),
    }
}

/// `sort`: a field name, `{field: order}`, `{field: {order, missing, ..}}`,
/// or a list of those.
pub(crate) fn parse_sort(value: &Json) -> Result<Vec<SortKey>, OsError> {
    match value {
        Json::Array(items) => items.iter().map(parse_sort_one).collect(),
        other => Ok(vec![parse_sort_one(other)?]),
    }
}

fn parse_order(value: &Json) -> Result<bool, OsError> {
    match value.as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        _ => Err(OsError::illegal_argument(format!(
            "Unknown SortOrder [{}]",
            scalar_text(value)
        ))),
    }
}

fn sort_key(name: &str, desc: Option<bool>) -> SortKey {
    match name {
        "_score" => SortKey::Score {
            desc: desc.unwrap_or(true),
        },
        "_doc" => SortKey::Doc {
            desc: desc.unwrap_or(false),
        },
        "_id" => SortKey::Id {
            desc: desc.unwrap_or(false),
        },
        field => {
            let desc = desc.unwrap_or(false);
            SortKey::Field {
                field: field.to_owned(),
                desc,
                missing_last: true,
                mode: if desc { SortMode::Max } else { SortMode::Min },
                unmapped_type: None,
            }
        }
    }
}

fn parse_sort_one(value: &Json) -> Result<SortKey, OsError> {
    match value {
        Json::String(name) => Ok(sort_key(name, None)),
        Json::Object(pairs) => {
            let [(name, spec)] = pairs.as_slice() else {
                return Err(OsError::parsing(
                    "expected a single field name in [sort], found several",
                ));
            };
            match spec {
                Json::String(_) => Ok(sort_key(name, Some(parse_order(spec)?))),
                Json::Object(params) => {
                    let desc = match spec.get("order") {
                        Some(order) => Some(parse_order(order)?),
                        None => None,
                    };
                    let mut key = sort_key(name, desc);
                    for (param, v) in params {
                        match (param.as_str(), &mut key) {
                            ("order", _) => {}
                            ("missing", SortKey::Field { missing_last, .. }) => {
                                *missing_last = match v.as_str() {
                                    Some("_last") => true,
                                    Some("_first") => false,
                                    _ => {
                                        return Err(OsError::not_simulated(
                                            "a custom [missing] sort value",
                                        ))
                                    }
                                }
                            }
                            ("mode", SortKey::Field { mode, .. }) => {
                                *mode = match v.as_str() {
                                    Some("min") => SortMode::Min,
                                    Some("max") => SortMode::Max,
                                    _ => {
                                        return Err(OsError::not_simulated(format!(
                                            "the sort mode [{}]",
                                            scalar_text(v)
                                        )))
                                    }
                                }
                            }
                            ("unmapped_type", SortKey::Field { unmapped_type, .. }) => {
                                *unmapped_type = v.as_str().map(str::to_owned)
                            }
                            (other, _) => {
                                return Err(OsError::parsing(format!(
                                    "[field_sort] unknown field [{other}]"
                                )))
                            }
                        }
                    }
                    Ok(key)
                }
                other => Err(OsError::parsing(format!(
                    "[sort] unexpected token [{}]",
                    other.token_name()
                ))),
            }
        }
        other => Err(OsError::parsing(format!(
            "[sort] unexpected token [{}]",
            other.token_name()
        ))),
    }
}

/// The `sort` URL parameter: `field`, `field:asc`, comma-separated.
pub(crate) fn parse_sort_param(param: &str) -> Result<Vec<SortKey>, OsError> {
    param
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|item| match item.rsplit_once(':') {
            Some((field, order)) => Ok(sort_key(field, Some(parse_order(&Json::from(order))?))),
            None => Ok(sort_key(item, None)),
        })
        .collect()
}

/// `_source` filtered by include/exclude patterns (`*` wildcards, matched
/// against dotted paths; including an object includes what is under it).
pub(crate) fn filter_source(tree: &Json, includes: &[String], excludes: &[String]) -> Json {
    filter_value(tree, "", includes, excludes, includes.is_empty())
        .unwrap_or(Json::Object(Vec::new()))
}

fn filter_value(
    value: &Json,
    path: &str,
    includes: &[String],
    excludes: &[String],
    included: bool,
) -> Option<Json> {
    match value {
        Json::Object(pairs) => {
            let mut kept = Vec::new();
            for (key, child) in pairs {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if excludes.iter().any(|p| glob(p, &child_path)) {
                    continue;
                }
                let child_included = included || includes.iter().any(|p| glob(p, &child_path));
                let may_descend = child_included
                    || includes
                        .iter()
                        .any(|p| p.starts_with(&format!("{child_path}.")) || p.contains('*'));
                if !may_descend {
                    continue;
                }
                if let Some(filtered) =
                    filter_value(child, &child_path, includes, excludes, child_included)
                {
                    kept.push((key.clone(), filtered));
                }
            }
            (included || !kept.is_empty()).then_some(Json::Object(kept))
        }
        Json::Array(items) => {
            let kept: Vec<Json> = items
                .iter()
                .filter_map(|item| filter_value(item, path, includes, excludes, included))
                .collect();
            (included || !kept.is_empty()).then_some(Json::Array(kept))
        }
        scalar => included.then(|| scalar.clone()),
    }
}

/// `*`-wildcard match.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_source_filters() {
        assert!(glob("a*", "abc"));
        assert!(glob("*.keyword", "name.keyword"));
        assert!(!glob("a*c", "abd"));
        let tree = super::super::json::parse(r#"{"a":1,"b":{"c":2,"d":3},"e":[{"c":4}]}"#).unwrap();
        let only = |inc: &[&str], exc: &[&str]| {
            let inc: Vec<String> = inc.iter().map(|s| s.to_string()).collect();
            let exc: Vec<String> = exc.iter().map(|s| s.to_string()).collect();
            filter_source(&tree, &inc, &exc).to_compact()
        };
        assert_eq!(only(&["b.c"], &[]), r#"{"b":{"c":2}}"#);
        assert_eq!(only(&["b"], &["b.d"]), r#"{"b":{"c":2}}"#);
        assert_eq!(only(&[], &["a", "e"]), r#"{"b":{"c":2,"d":3}}"#);
        assert_eq!(only(&["*.c"], &[]), r#"{"b":{"c":2},"e":[{"c":4}]}"#);
    }
}
