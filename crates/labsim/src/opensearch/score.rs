//! Query evaluation over the documents one search sees, scored as
//! Lucene 9's BM25 does (k1 = 1.2, b = 0.75, field lengths through Lucene's
//! one-byte norm encoding) for `match`, `match_phrase` and `term` on text and
//! keyword fields, so a single-shard index scores as OpenSearch would.
//! Queries Lucene scores as constants (`terms`, `range`, `exists`, `ids`,
//! `prefix`, numeric `term`, `match_all`) score their boost, and a `bool`
//! with only filter clauses scores 0.

use std::cell::RefCell;
use std::collections::HashMap;

use super::analysis::analyze;
use super::error::{Cause, OsError};
use super::index::{Index, Visible};
use super::json::Json;
use super::mapping::{scalar_text, FieldType, Indexed, Leaf};
use super::query::{boolean, number, Bounds, Query};

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Lucene's `SmallFloat.intToByte4` / `byte4ToInt`: the one-byte field
/// length BM25 sees (exact below 24, then 4 significant bits).
fn lossy_length(length: u32) -> f32 {
    const FREE: u32 = 24;
    if length < FREE {
        return length as f32;
    }
    let i = u64::from(length - FREE);
    let bits = 64 - i.leading_zeros();
    let encoded = if bits < 4 {
        i
    } else {
        let shift = bits - 4;
        ((i >> shift) & 0x07) | (u64::from(shift + 1) << 3)
    };
    let value = encoded & 0x07;
    let shift = (encoded >> 3) as i64 - 1;
    let decoded = if shift == -1 {
        value
    } else {
        (value | 0x08) << shift
    };
    (u64::from(FREE) + decoded) as f32
}

fn idf(doc_count: u64, doc_freq: u64) -> f32 {
    (1.0 + (doc_count as f64 - doc_freq as f64 + 0.5) / (doc_freq as f64 + 0.5)).ln() as f32
}

/// Lucene 9's BM25 score of one term in one document.
fn bm25(weight: f32, freq: f32, length: f32, avg_length: f32) -> f32 {
    let norm_inverse = 1.0 / (K1 * ((1.0 - B) + B * length / avg_length));
    weight - weight / (1.0 + freq * norm_inverse)
}

/// Per-field statistics over the documents one search sees.
#[derive(Debug, Clone, Copy)]
struct FieldStats {
    /// Documents with at least one term in the field.
    doc_count: u64,
    /// Total terms (text) or distinct terms per document (keyword).
    sum_terms: u64,
}

/// Evaluates queries over the documents of one index that a search sees.
pub(crate) struct Searcher<'a> {
    pub index: &'a Index,
    pub docs: Vec<Visible<'a>>,
    field_stats: RefCell<HashMap<String, FieldStats>>,
    doc_freqs: RefCell<HashMap<(String, String), u64>>,
}

/// A query with its fields resolved against one index's mapping.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    All(f32),
    Nothing,
    /// Analysed terms on a text field: `required` of them must match; each
    /// matching term adds its BM25 score.
    TextTerms {
        field: String,
        terms: Vec<String>,
        required: usize,
        boost: f32,
    },
    Phrase {
        field: String,
        terms: Vec<String>,
        boost: f32,
    },
    /// Exact keyword values; `scored` for `term`/`match` (BM25 without
    /// norms), constant for `terms`.
    Keywords {
        field: String,
        values: Vec<String>,
        case_insensitive: bool,
        scored: bool,
        boost: f32,
    },
    Numbers {
        field: String,
        values: Vec<f64>,
        boost: f32,
    },
    Booleans {
        field: String,
        values: Vec<bool>,
        boost: f32,
    },
    NumberRange {
        field: String,
        lower: Option<(f64, bool)>,
        upper: Option<(f64, bool)>,
        boost: f32,
    },
    TermRange {
        field: String,
        lower: Option<(String, bool)>,
        upper: Option<(String, bool)>,
        boost: f32,
    },
    Exists {
        field: String,
        object: bool,
        boost: f32,
    },
    Ids {
        ids: Vec<String>,
        boost: f32,
    },
    Prefix {
        field: String,
        prefix: String,
        case_insensitive: bool,
        boost: f32,
    },
    Bool {
        must: Vec<Prepared>,
        filter: Vec<Prepared>,
        should: Vec<Prepared>,
        must_not: Vec<Prepared>,
        required_should: usize,
        boost: f32,
    },
    Constant {
        inner: Box<Prepared>,
        boost: f32,
    },
}

impl<'a> Searcher<'a> {
    pub(crate) fn new(index: &'a Index, now_ms: i64) -> Self {
        Searcher {
            index,
            docs: index.searchable(now_ms),
            field_stats: RefCell::new(HashMap::new()),
            doc_freqs: RefCell::new(HashMap::new()),
        }
    }

    pub(crate) fn leaf(&self, field: &str) -> Option<&'a Leaf> {
        self.index.mapping.resolve(field)
    }

    /// A `query_shard_exception` for this index, as a shard failure.
    pub(crate) fn shard_error(
        &self,
        node: &str,
        reason: String,
        caused_by: Option<Cause>,
    ) -> OsError {
        let mut cause = OsError::query_shard_cause(&self.index.name, &self.index.uuid, reason);
        cause.caused_by = caused_by.map(Box::new);
        OsError::shard_failure(&self.index.name, node, cause)
    }

    /// A query value converted for a numeric field, or the shard failure
    /// OpenSearch reports when it does not parse.
    fn numeric_value(&self, ty: FieldType, value: &Json, node: &str) -> Result<f64, OsError> {
        let parsed = number(value).filter(|f| f.is_finite());
        match parsed {
            Some(f) if matches!(ty, FieldType::Float | FieldType::HalfFloat) => {
                Ok(f64::from(f as f32))
            }
            Some(f) => Ok(f),
            None => {
                let text = scalar_text(value);
                let message = format!("For input string: \"{text}\"");
                Err(self.shard_error(
                    node,
                    format!("failed to create query: {message}"),
                    Some(Cause::new("number_format_exception", message)),
                ))
            }
        }
    }

    fn boolean_value(&self, value: &Json, node: &str) -> Result<bool, OsError> {
        boolean(value).ok_or_else(|| {
            let message = format!(
                "Can't parse boolean value [{}], expected [true] or [false]",
                scalar_text(value)
            );
            self.shard_error(
                node,
                format!("failed to create query: {message}"),
                Some(Cause::new("illegal_argument_exception", message)),
            )
        })
    }

    /// Resolves `query` against this index's mapping.
    pub(crate) fn prepare(&self, query: &Query, node: &str) -> Result<Prepared, OsError> {
        Ok(match query {
            Query::MatchAll { boost } => Prepared::All(*boost),
            Query::MatchNone => Prepared::Nothing,
            Query::Term {
                field,
                value,
                boost,
                case_insensitive,
            } => self.exact(field, std::slice::from_ref(value), *boost, true, *case_insensitive, node)?,
            Query::Terms {
                field,
                values,
                boost,
            } => self.exact(field, values, *boost, false, false, node)?,
            Query::Match {
                field,
                text,
                and,
                msm,
                boost,
            } => match self.leaf(field) {
                None => Prepared::Nothing,
                Some(leaf) if leaf.ty == FieldType::Text => {
                    let terms = analyze(&scalar_text(text));
                    let required = if *and {
                        terms.len()
                    } else {
                        msm.map_or(1, |m| m.resolve(terms.len())).max(1)
                    };
                    if terms.is_empty() {
                        Prepared::Nothing
                    } else {
                        Prepared::TextTerms {
                            field: field.clone(),
                            terms,
                            required,
                            boost: *boost,
                        }
                    }
                }
                Some(_) => self.exact(field, std::slice::from_ref(text), *boost, true, false, node)?,
            },
            Query::MatchPhrase { field, text, boost } => match self.leaf(field) {
                None => Prepared::Nothing,
                Some(leaf) if leaf.ty == FieldType::Text => {
                    let terms = analyze(&scalar_text(text));
                    if terms.is_empty() {
                        Prepared::Nothing
                    } else {
                        Prepared::Phrase {
                            field: field.clone(),
                            terms,
                            boost: *boost,
                        }
                    }
                }
                Some(_) => self.exact(field, std::slice::from_ref(text), *boost, true, false, node)?,
            },
            Query::Range {
                field,
                bounds,
                boost,
            } => self.range(field, bounds, *boost, node)?,
            Query::Bool(b) => {
                let prep = |qs: &[Query]| -> Result<Vec<Prepared>, OsError> {
                    qs.iter().map(|q| self.prepare(q, node)).collect()
                };
                let (must, filter, should, must_not) =
                    (prep(&b.must)?, prep(&b.filter)?, prep(&b.should)?, prep(&b.must_not)?);
                if must.is_empty() && filter.is_empty() && should.is_empty() && must_not.is_empty()
                {
                    // An empty bool is OpenSearch's MatchAllDocsQuery.
                    return Ok(Prepared::All(b.boost));
                }
                let required_should = match b.msm {
                    Some(msm) => msm.resolve(should.len()),
                    None if must.is_empty() && filter.is_empty() && !should.is_empty() => 1,
                    None => 0,
                };
                Prepared::Bool {
                    must,
                    filter,
                    should,
                    must_not,
                    required_should,
                    boost: b.boost,
                }
            }
            Query::Exists { field, boost } => {
                let object = self.index.mapping.is_object(field);
                if self.leaf(field).is_none() && !object {
                    Prepared::Nothing
                } else {
                    Prepared::Exists {
                        field: field.clone(),
                        object,
                        boost: *boost,
                    }
                }
            }
            Query::Ids { values, boost } => Prepared::Ids {
                ids: values.clone(),
                boost: *boost,
            },
            Query::Prefix {
                field,
                value,
                boost,
                case_insensitive,
            } => match self.leaf(field) {
                None => Prepared::Nothing,
                Some(leaf) if matches!(leaf.ty, FieldType::Text | FieldType::Keyword) => {
                    Prepared::Prefix {
                        field: field.clone(),
                        prefix: value.clone(),
                        case_insensitive: *case_insensitive,
                        boost: *boost,
                    }
                }
                Some(leaf) => {
                    return Err(self.shard_error(
                        node,
                        format!(
                            "Can only use prefix queries on keyword and text fields - not on [{field}] which is of type [{}]",
                            leaf.ty.name()
                        ),
                        None,
                    ))
                }
            },
            Query::ConstantScore { filter, boost } => Prepared::Constant {
                inner: Box::new(self.prepare(filter, node)?),
                boost: *boost,
            },
        })
    }

    /// `term`/`terms`, and `match` on a non-text field: exact values.
    fn exact(
        &self,
        field: &str,
        values: &[Json],
        boost: f32,
        scored: bool,
        case_insensitive: bool,
        node: &str,
    ) -> Result<Prepared, OsError> {
        let Some(leaf) = self.leaf(field) else {
            return Ok(Prepared::Nothing);
        };
        let field = field.to_owned();
        Ok(match leaf.ty {
            FieldType::Text => Prepared::TextTerms {
                field,
                // term on a text field looks for the value as one indexed
                // token, unanalysed.
                terms: values.iter().map(scalar_text).collect(),
                required: 1,
                boost,
            },
            FieldType::Keyword => Prepared::Keywords {
                field,
                values: values.iter().map(scalar_text).collect(),
                case_insensitive,
                scored,
                boost,
            },
            FieldType::Boolean => Prepared::Booleans {
                field,
                values: values
                    .iter()
                    .map(|v| self.boolean_value(v, node))
                    .collect::<Result<_, _>>()?,
                boost,
            },
            ty => Prepared::Numbers {
                field,
                values: values
                    .iter()
                    .map(|v| self.numeric_value(ty, v, node))
                    .collect::<Result<_, _>>()?,
                boost,
            },
        })
    }

    fn range(
        &self,
        field: &str,
        bounds: &Bounds,
        boost: f32,
        node: &str,
    ) -> Result<Prepared, OsError> {
        let Some(leaf) = self.leaf(field) else {
            return Ok(Prepared::Nothing);
        };
        let field = field.to_owned();
        Ok(match leaf.ty {
            FieldType::Text | FieldType::Keyword => {
                let text = |b: &Option<(Json, bool)>| {
                    b.as_ref()
                        .map(|(v, inclusive)| (scalar_text(v), *inclusive))
                };
                Prepared::TermRange {
                    field,
                    lower: text(&bounds.lower),
                    upper: text(&bounds.upper),
                    boost,
                }
            }
            FieldType::Boolean => {
                let as_number = |b: &Option<(Json, bool)>| -> Result<Option<(f64, bool)>, OsError> {
                    b.as_ref()
                        .map(|(v, inclusive)| {
                            self.boolean_value(v, node)
                                .map(|b| (if b { 1.0 } else { 0.0 }, *inclusive))
                        })
                        .transpose()
                };
                Prepared::NumberRange {
                    field,
                    lower: as_number(&bounds.lower)?,
                    upper: as_number(&bounds.upper)?,
                    boost,
                }
            }
            ty => {
                let as_number = |b: &Option<(Json, bool)>| -> Result<Option<(f64, bool)>, OsError> {
                    b.as_ref()
                        .map(|(v, inclusive)| {
                            self.numeric_value(ty, v, node).map(|f| (f, *inclusive))
                        })
                        .transpose()
                };
                Prepared::NumberRange {
                    field,
                    lower: as_number(&bounds.lower)?,
                    upper: as_number(&bounds.upper)?,
                    boost,
                }
            }
        })
    }

    fn stats(&self, field: &str) -> FieldStats {
        if let Some(stats) = self.field_stats.borrow().get(field) {
            return *stats;
        }
        let mut stats = FieldStats {
            doc_count: 0,
            sum_terms: 0,
        };
        for visible in &self.docs {
            let terms = term_count(visible.doc.fields.get(field));
            if terms > 0 {
                stats.doc_count += 1;
                stats.sum_terms += terms;
            }
        }
        self.field_stats
            .borrow_mut()
            .insert(field.to_owned(), stats);
        stats
    }

    fn doc_freq(&self, field: &str, term: &str) -> u64 {
        let key = (field.to_owned(), term.to_owned());
        if let Some(n) = self.doc_freqs.borrow().get(&key) {
            return *n;
        }
        let n = self
            .docs
            .iter()
            .filter(|v| term_freq(v.doc.fields.get(field), term) > 0)
            .count() as u64;
        self.doc_freqs.borrow_mut().insert(key, n);
        n
    }

    fn avg_length(&self, stats: FieldStats) -> f32 {
        if stats.doc_count == 0 {
            1.0
        } else {
            stats.sum_terms as f32 / stats.doc_count as f32
        }
    }

    /// The score of `doc` for `query`, or `None` when it does not match.
    pub(crate) fn score(&self, query: &Prepared, doc: &Visible<'_>) -> Option<f32> {
        let values = |field: &str| doc.doc.fields.get(field).map(Vec::as_slice).unwrap_or(&[]);
        match query {
            Prepared::All(boost) => Some(*boost),
            Prepared::Nothing => None,
            Prepared::TextTerms {
                field,
                terms,
                required,
                boost,
            } => {
                let field_values = doc.doc.fields.get(field);
                let stats = self.stats(field);
                let length = lossy_length(text_length(field_values));
                let avg = self.avg_length(stats);
                let mut matched = 0;
                let mut score = 0.0f32;
                for term in terms {
                    let freq = term_freq(field_values, term);
                    if freq > 0 {
                        matched += 1;
                        let weight = boost * idf(stats.doc_count, self.doc_freq(field, term));
                        score += bm25(weight, freq as f32, length, avg);
                    }
                }
                (matched >= *required).then_some(score)
            }
            Prepared::Phrase {
                field,
                terms,
                boost,
            } => {
                let freq = phrase_freq(values(field), terms);
                if freq == 0 {
                    return None;
                }
                let stats = self.stats(field);
                let idf_sum: f32 = terms
                    .iter()
                    .map(|t| idf(stats.doc_count, self.doc_freq(field, t)))
                    .sum();
                let length = lossy_length(text_length(doc.doc.fields.get(field)));
                Some(bm25(
                    boost * idf_sum,
                    freq as f32,
                    length,
                    self.avg_length(stats),
                ))
            }
            Prepared::Keywords {
                field,
                values: wanted,
                case_insensitive,
                scored,
                boost,
            } => {
                let hit = values(field).iter().find_map(|v| match v {
                    Indexed::Keyword(k) => wanted
                        .iter()
                        .find(|w| {
                            if *case_insensitive {
                                w.to_lowercase() == k.to_lowercase()
                            } else {
                                *w == k
                            }
                        })
                        .map(|_| k.as_str()),
                    _ => None,
                })?;
                if !scored {
                    return Some(*boost);
                }
                // Keyword fields index no norms or frequencies: BM25 with a
                // length of 1 and a frequency of 1.
                let stats = self.stats(field);
                let weight = boost * idf(stats.doc_count, self.doc_freq(field, hit));
                Some(bm25(weight, 1.0, 1.0, self.avg_length(stats)))
            }
            Prepared::Numbers {
                field,
                values: wanted,
                boost,
            } => values(field)
                .iter()
                .any(|v| numeric(v).is_some_and(|n| wanted.contains(&n)))
                .then_some(*boost),
            Prepared::Booleans {
                field,
                values: wanted,
                boost,
            } => values(field)
                .iter()
                .any(|v| matches!(v, Indexed::Bool(b) if wanted.contains(b)))
                .then_some(*boost),
            Prepared::NumberRange {
                field,
                lower,
                upper,
                boost,
            } => values(field)
                .iter()
                .filter_map(numeric)
                .any(|n| in_range(&n, lower.as_ref(), upper.as_ref()))
                .then_some(*boost),
            Prepared::TermRange {
                field,
                lower,
                upper,
                boost,
            } => values(field)
                .iter()
                .flat_map(terms_of)
                .any(|t| {
                    in_range(
                        &t,
                        lower.as_ref().map(|(s, i)| (s.as_str(), *i)).as_ref(),
                        upper.as_ref().map(|(s, i)| (s.as_str(), *i)).as_ref(),
                    )
                })
                .then_some(*boost),
            Prepared::Exists {
                field,
                object,
                boost,
            } => {
                let found = if *object {
                    let prefix = format!("{field}.");
                    doc.doc.fields.keys().any(|k| k.starts_with(&prefix))
                } else {
                    !values(field).is_empty()
                };
                found.then_some(*boost)
            }
            Prepared::Ids { ids, boost } => ids.iter().any(|id| id == doc.id).then_some(*boost),
            Prepared::Prefix {
                field,
                prefix,
                case_insensitive,
                boost,
            } => {
                let prefix = if *case_insensitive {
                    prefix.to_lowercase()
                } else {
                    prefix.clone()
                };
                values(field)
                    .iter()
                    .flat_map(terms_of)
                    .any(|t| {
                        if *case_insensitive {
                            t.to_lowercase().starts_with(&prefix)
                        } else {
                            t.starts_with(&prefix)
                        }
                    })
                    .then_some(*boost)
            }
            Prepared::Bool {
                must,
                filter,
                should,
                must_not,
                required_should,
                boost,
            } => {
                let mut score = 0.0f32;
                for clause in must {
                    score += self.score(clause, doc)?;
                }
                for clause in filter {
                    self.score(clause, doc)?;
                }
                if must_not.iter().any(|c| self.score(c, doc).is_some()) {
                    return None;
                }
                let mut matched = 0;
                for clause in should {
                    if let Some(s) = self.score(clause, doc) {
                        matched += 1;
                        score += s;
                    }
                }
                (matched >= *required_should).then_some(score * boost)
            }
            Prepared::Constant { inner, boost } => self.score(inner, doc).map(|_| *boost),
        }
    }
}

fn numeric(value: &Indexed) -> Option<f64> {
    match value {
        Indexed::Long(n) => Some(*n as f64),
        Indexed::Double(f) => Some(*f),
        Indexed::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// The indexed terms of a value: tokens of text, the whole keyword.
fn terms_of(value: &Indexed) -> Vec<&str> {
    match value {
        Indexed::Text(tokens) => tokens.iter().map(String::as_str).collect(),
        Indexed::Keyword(k) => vec![k.as_str()],
        _ => Vec::new(),
    }
}

fn in_range<T: PartialOrd>(
    value: &T,
    lower: Option<&(T, bool)>,
    upper: Option<&(T, bool)>,
) -> bool {
    let above = lower.is_none_or(|(bound, inclusive)| {
        if *inclusive {
            value >= bound
        } else {
            value > bound
        }
    });
    let below = upper.is_none_or(|(bound, inclusive)| {
        if *inclusive {
            value <= bound
        } else {
            value < bound
        }
    });
    above && below
}

fn text_length(values: Option<&Vec<Indexed>>) -> u32 {
    values
        .map(|vs| {
            vs.iter()
                .map(|v| match v {
                    Indexed::Text(tokens) => tokens.len() as u32,
                    _ => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Terms of the field in one document, as Lucene's statistics count them:
/// every token of a text field, each distinct value of a keyword field.
fn term_count(values: Option<&Vec<Indexed>>) -> u64 {
    let Some(values) = values else {
        return 0;
    };
    let mut keywords: Vec<&str> = Vec::new();
    let mut tokens = 0u64;
    for value in values {
        match value {
            Indexed::Text(t) => tokens += t.len() as u64,
            Indexed::Keyword(k) if !keywords.contains(&k.as_str()) => keywords.push(k),
            _ => {}
        }
    }
    tokens + keywords.len() as u64
}

fn term_freq(values: Option<&Vec<Indexed>>, term: &str) -> u32 {
    let Some(values) = values else {
        return 0;
    };
    let mut freq = 0;
    for value in values {
        match value {
            Indexed::Text(tokens) => freq += tokens.iter().filter(|t| *t == term).count() as u32,
            // A keyword field records presence only.
            Indexed::Keyword(k) if k == term => return 1,
            _ => {}
        }
    }
    freq
}

/// Occurrences of `terms` as consecutive tokens within one value (values
/// are far apart in position, so a phrase never spans two).
fn phrase_freq(values: &[Indexed], terms: &[String]) -> u32 {
    values
        .iter()
        .map(|v| match v {
            Indexed::Text(tokens) if tokens.len() >= terms.len() => tokens
                .windows(terms.len())
                .filter(|w| w.iter().zip(terms).all(|(a, b)| a == b))
                .count() as u32,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_lengths_match_lucenes_table() {
        // Exact below 24, then 4 significant bits (values from SmallFloat).
        assert_eq!(lossy_length(0), 0.0);
        assert_eq!(lossy_length(23), 23.0);
        assert_eq!(lossy_length(24), 24.0);
        assert_eq!(lossy_length(31), 31.0);
        assert_eq!(lossy_length(40), 40.0);
        assert_eq!(lossy_length(41), 40.0);
        assert_eq!(lossy_length(100), 96.0);
    }

    #[test]
    fn bm25_of_a_single_document_is_lucenes() {
        // One document, one matching term of one: the score OpenSearch gives
        // on a fresh single-shard index.
        let weight = idf(1, 1);
        assert_eq!(weight, 0.287_682_1);
        assert_eq!(bm25(weight, 1.0, 1.0, 1.0), 0.130_764_57);
    }
}
