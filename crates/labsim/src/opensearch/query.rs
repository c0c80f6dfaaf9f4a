//! The query DSL a lab uses, parsed as OpenSearch parses it: the query
//! clauses (`match_all`, `term`, `terms`, `match`, `match_phrase`, `range`,
//! `bool`, `exists`, `ids`, `prefix`, `constant_score`, `match_none`), with
//! OpenSearch's parse errors. Query types OpenSearch has but this simulator
//! does not evaluate are refused with a plain "not simulated" error rather
//! than answered wrongly.

use super::error::OsError;
use super::json::Json;
use super::mapping::scalar_text;

/// Query types OpenSearch has that this simulator does not evaluate.
const UNSIMULATED_QUERIES: &[&str] = &[
    "multi_match",
    "query_string",
    "simple_query_string",
    "combined_fields",
    "match_phrase_prefix",
    "match_bool_prefix",
    "wildcard",
    "regexp",
    "fuzzy",
    "nested",
    "dis_max",
    "function_score",
    "script",
    "script_score",
    "boosting",
    "more_like_this",
    "terms_set",
    "intervals",
    "geo_distance",
    "geo_bounding_box",
    "geo_polygon",
    "geo_shape",
    "has_child",
    "has_parent",
    "parent_id",
    "knn",
    "neural",
    "hybrid",
    "span_term",
    "span_near",
    "span_or",
    "span_not",
    "span_first",
    "span_containing",
    "span_within",
    "span_multi",
    "field_masking_span",
    "distance_feature",
    "rank_feature",
    "percolate",
    "wrapper",
    "template",
];

/// `minimum_should_match`: a count or a percentage, negative meaning
/// "all but".
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Msm {
    Count(i64),
    Percent(i64),
}

impl Msm {
    /// Lucene's `calculateMinShouldMatch` for `clauses` optional clauses.
    pub(crate) fn resolve(self, clauses: usize) -> usize {
        let clauses = clauses as i64;
        let n = match self {
            Msm::Count(n) => n,
            Msm::Percent(p) => clauses.saturating_mul(p) / 100,
        };
        let n = if n < 0 { clauses.saturating_add(n) } else { n };
        n.max(0) as usize
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Bounds {
    /// A bound and whether it is inclusive.
    pub lower: Option<(Json, bool)>,
    pub upper: Option<(Json, bool)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    MatchAll {
        boost: f32,
    },
    MatchNone,
    Term {
        field: String,
        value: Json,
        boost: f32,
        case_insensitive: bool,
    },
    Terms {
        field: String,
        values: Vec<Json>,
        boost: f32,
    },
    Match {
        field: String,
        text: Json,
        and: bool,
        msm: Option<Msm>,
        boost: f32,
    },
    MatchPhrase {
        field: String,
        text: Json,
        boost: f32,
    },
    Range {
        field: String,
        bounds: Bounds,
        boost: f32,
    },
    Bool(Box<BoolQuery>),
    Exists {
        field: String,
        boost: f32,
    },
    Ids {
        values: Vec<String>,
        boost: f32,
    },
    Prefix {
        field: String,
        value: String,
        boost: f32,
        case_insensitive: bool,
    },
    ConstantScore {
        filter: Box<Query>,
        boost: f32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BoolQuery {
    pub must: Vec<Query>,
    pub filter: Vec<Query>,
    pub should: Vec<Query>,
    pub must_not: Vec<Query>,
    pub msm: Option<Msm>,
    pub boost: f32,
}

// ---------------------------------------------------------------- parsing

fn malformed(query: &str) -> OsError {
    OsError::parsing(format!(
        "[{query}] query malformed, no start_object after query name"
    ))
}

fn unsupported_param(query: &str, param: &str) -> OsError {
    OsError::parsing(format!("[{query}] query does not support [{param}]"))
}

fn parse_boost(value: &Json) -> Result<f32, OsError> {
    number(value).map(|f| f as f32).ok_or_else(|| {
        OsError::illegal_argument(format!(
            "[boost] must be a number, found [{}]",
            scalar_text(value)
        ))
    })
}

/// A JSON number, or a string holding one (OpenSearch's parser coerces).
pub(crate) fn number(value: &Json) -> Option<f64> {
    match value {
        Json::String(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
}

pub(crate) fn boolean(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s == "true" => Some(true),
        Json::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Parses one query clause (`{"<type>": {...}}`).
pub(crate) fn parse_query(value: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = value else {
        return Err(OsError::parsing(
            "[_na] query malformed, must start with start_object",
        ));
    };
    let (name, body) = match pairs.as_slice() {
        [] => return Err(OsError::parsing("query malformed, empty clause found")),
        [(name, body)] => (name.as_str(), body),
        [(name, _), ..] => {
            return Err(OsError::parsing(format!(
                "[{name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"
            )))
        }
    };
    match name {
        "match_all" => Ok(Query::MatchAll {
            boost: plain_params(name, body)?,
        }),
        "match_none" => plain_params(name, body).map(|_| Query::MatchNone),
        "term" => parse_term(body),
        "terms" => parse_terms(body),
        "match" => parse_match(body, false),
        "match_phrase" => parse_match(body, true),
        "range" => parse_range(body),
        "bool" => parse_bool(body),
        "exists" => parse_exists(body),
        "ids" => parse_ids(body),
        "prefix" => parse_prefix(body),
        "constant_score" => parse_constant_score(body),
        other if UNSIMULATED_QUERIES.contains(&other) => {
            Err(OsError::not_simulated(format!("the [{other}] query")))
        }
        other => Err(OsError::unknown_query(other)),
    }
}

/// A body with nothing but `boost` and `_name` (`match_all`, `match_none`).
fn plain_params(query: &str, body: &Json) -> Result<f32, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed(query));
    };
    let mut boost = 1.0;
    for (key, value) in pairs {
        match key.as_str() {
            "boost" => boost = parse_boost(value)?,
            "_name" => {}
            other => return Err(unsupported_param(query, other)),
        }
    }
    Ok(boost)
}

/// Splits `{"<field>": spec, "boost": .., "_name": ..}`, the shape of
/// `term`, `match`, `range` and `prefix`.
fn single_field<'a>(query: &str, body: &'a Json) -> Result<(&'a str, &'a Json, f32), OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed(query));
    };
    let mut field: Option<(&str, &Json)> = None;
    let mut boost = 1.0;
    for (key, value) in pairs {
        match key.as_str() {
            "boost" if !matches!(value, Json::Object(_)) => boost = parse_boost(value)?,
            "_name" if !matches!(value, Json::Object(_)) => {}
            _ => {
                if let Some((first, _)) = field {
                    return Err(OsError::parsing(format!(
                        "[{query}] query doesn't support multiple fields, found [{first}] and [{key}]"
                    )));
                }
                field = Some((key.as_str(), value));
            }
        }
    }
    let (name, spec) =
        field.ok_or_else(|| OsError::illegal_argument("field name is null or empty"))?;
    Ok((name, spec, boost))
}

fn parse_term(body: &Json) -> Result<Query, OsError> {
    let (field, spec, mut boost) = single_field("term", body)?;
    let mut case_insensitive = false;
    let value = match spec {
        Json::Object(params) => {
            let mut value = None;
            for (key, v) in params {
                match key.as_str() {
                    "value" => value = Some(v.clone()),
                    "boost" => boost = parse_boost(v)?,
                    "_name" => {}
                    "case_insensitive" => {
                        case_insensitive = boolean(v).ok_or_else(|| {
                            OsError::parsing("[term] query does not support [case_insensitive]")
                        })?
                    }
                    other => return Err(unsupported_param("term", other)),
                }
            }
            value.unwrap_or(Json::Null)
        }
        Json::Array(_) => {
            return Err(OsError::parsing(
                "[term] query does not support array of values",
            ))
        }
        scalar => scalar.clone(),
    };
    if value == Json::Null {
        return Err(OsError::illegal_argument("value cannot be null"));
    }
    Ok(Query::Term {
        field: field.to_owned(),
        value,
        boost,
        case_insensitive,
    })
}

fn parse_terms(body: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed("terms"));
    };
    let mut found: Option<(&str, &Vec<Json>)> = None;
    let mut boost = 1.0;
    for (key, value) in pairs {
        match (key.as_str(), value) {
            ("boost", v) => boost = parse_boost(v)?,
            ("_name", _) => {}
            (field, Json::Array(values)) => {
                if found.is_some() {
                    return Err(OsError::parsing(
                        "[terms] query does not support multiple fields",
                    ));
                }
                found = Some((field, values));
            }
            (_, Json::Object(_)) => {
                return Err(OsError::not_simulated("terms lookup"));
            }
            (field, _) => return Err(unsupported_param("terms", field)),
        }
    }
    let (field, values) =
        found.ok_or_else(|| OsError::parsing("[terms] query requires a field with values"))?;
    Ok(Query::Terms {
        field: field.to_owned(),
        values: values.clone(),
        boost,
    })
}

/// `match` and `match_phrase`.
fn parse_match(body: &Json, phrase: bool) -> Result<Query, OsError> {
    let name = if phrase { "match_phrase" } else { "match" };
    let (field, spec, mut boost) = single_field(name, body)?;
    let mut and = false;
    let mut msm = None;
    let text = match spec {
        Json::Object(params) => {
            let mut text = None;
            for (key, v) in params {
                match key.as_str() {
                    "query" => text = Some(v.clone()),
                    "boost" => boost = parse_boost(v)?,
                    "_name" => {}
                    "operator" if !phrase => {
                        and = match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                            Some("and") => true,
                            Some("or") => false,
                            _ => {
                                return Err(OsError::illegal_argument(format!(
                                    "No enum constant org.opensearch.index.query.Operator.{}",
                                    scalar_text(v).to_ascii_uppercase()
                                )))
                            }
                        }
                    }
                    "minimum_should_match" if !phrase => msm = Some(parse_msm(v)?),
                    "slop" if phrase && number(v) == Some(0.0) => {}
                    "analyzer"
                    | "fuzziness"
                    | "prefix_length"
                    | "max_expansions"
                    | "fuzzy_transpositions"
                    | "fuzzy_rewrite"
                    | "lenient"
                    | "zero_terms_query"
                    | "cutoff_frequency"
                    | "auto_generate_synonyms_phrase_query"
                    | "slop" => {
                        return Err(OsError::not_simulated(format!(
                            "the [{key}] option of the [{name}] query"
                        )))
                    }
                    other => return Err(unsupported_param(name, other)),
                }
            }
            text.ok_or_else(|| OsError::illegal_argument(format!("[{name}] requires query value")))?
        }
        Json::Array(_) => {
            return Err(OsError::parsing(format!(
                "[{name}] unknown token [START_ARRAY] after [{field}]"
            )))
        }
        scalar => scalar.clone(),
    };
    let field = field.to_owned();
    Ok(if phrase {
        Query::MatchPhrase { field, text, boost }
    } else {
        Query::Match {
            field,
            text,
            and,
            msm,
            boost,
        }
    })
}

fn parse_msm(value: &Json) -> Result<Msm, OsError> {
    let text = match value {
        Json::Number(n) => return Ok(Msm::Count(n.as_i64().unwrap_or(0))),
        Json::String(s) => s.trim(),
        other => {
            return Err(OsError::illegal_argument(format!(
                "[minimum_should_match] must be a number or string, found [{}]",
                scalar_text(other)
            )))
        }
    };
    if let Some(percent) = text.strip_suffix('%') {
        if let Ok(p) = percent.parse() {
            return Ok(Msm::Percent(p));
        }
    } else if let Ok(n) = text.parse() {
        return Ok(Msm::Count(n));
    }
    Err(OsError::not_simulated(format!(
        "the minimum_should_match form [{text}]"
    )))
}

fn parse_range(body: &Json) -> Result<Query, OsError> {
    let (field, spec, mut boost) = single_field("range", body)?;
    let Json::Object(params) = spec else {
        return Err(OsError::parsing(
            "[range] query malformed, after field missing start object",
        ));
    };
    let mut bounds = Bounds::default();
    let (mut from, mut to) = (None, None);
    let (mut include_lower, mut include_upper) = (true, true);
    let bound = |v: &Json| (*v != Json::Null).then(|| v.clone());
    for (key, v) in params {
        match key.as_str() {
            "gt" => bounds.lower = bound(v).map(|b| (b, false)),
            "gte" => bounds.lower = bound(v).map(|b| (b, true)),
            "lt" => bounds.upper = bound(v).map(|b| (b, false)),
            "lte" => bounds.upper = bound(v).map(|b| (b, true)),
            "from" => from = Some(bound(v)),
            "to" => to = Some(bound(v)),
            "include_lower" => include_lower = boolean(v).unwrap_or(true),
            "include_upper" => include_upper = boolean(v).unwrap_or(true),
            "boost" => boost = parse_boost(v)?,
            "_name" => {}
            "format" | "time_zone" | "relation" => {
                return Err(OsError::not_simulated(format!(
                    "the [{key}] option of the [range] query"
                )))
            }
            other => return Err(unsupported_param("range", other)),
        }
    }
    if let Some(from) = from {
        bounds.lower = from.map(|b| (b, include_lower));
    }
    if let Some(to) = to {
        bounds.upper = to.map(|b| (b, include_upper));
    }
    Ok(Query::Range {
        field: field.to_owned(),
        bounds,
        boost,
    })
}

fn parse_bool(body: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed("bool"));
    };
    let mut query = BoolQuery {
        must: Vec::new(),
        filter: Vec::new(),
        should: Vec::new(),
        must_not: Vec::new(),
        msm: None,
        boost: 1.0,
    };
    for (key, value) in pairs {
        let clauses = match key.as_str() {
            "must" => &mut query.must,
            "filter" => &mut query.filter,
            "should" => &mut query.should,
            "must_not" | "mustNot" => &mut query.must_not,
            "minimum_should_match" => {
                query.msm = Some(parse_msm(value)?);
                continue;
            }
            "boost" => {
                query.boost = parse_boost(value)?;
                continue;
            }
            "_name" | "adjust_pure_negative" => continue,
            other => return Err(unsupported_param("bool", other)),
        };
        match value {
            Json::Array(items) => {
                for item in items {
                    clauses.push(parse_query(item)?);
                }
            }
            Json::Object(_) => clauses.push(parse_query(value)?),
            _ => {
                return Err(OsError::parsing(format!(
                    "[bool] query does not support [{key}]"
                )))
            }
        }
    }
    Ok(Query::Bool(Box::new(query)))
}

fn parse_exists(body: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed("exists"));
    };
    let mut field = None;
    let mut boost = 1.0;
    for (key, value) in pairs {
        match key.as_str() {
            "field" => field = value.as_str().map(str::to_owned),
            "boost" => boost = parse_boost(value)?,
            "_name" => {}
            other => return Err(unsupported_param("exists", other)),
        }
    }
    let field =
        field.ok_or_else(|| OsError::parsing("[exists] must be provided with a [field]"))?;
    Ok(Query::Exists { field, boost })
}

fn parse_ids(body: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed("ids"));
    };
    let mut values = Vec::new();
    let mut boost = 1.0;
    for (key, value) in pairs {
        match (key.as_str(), value) {
            ("values", Json::Array(items)) => {
                values = items.iter().map(scalar_text).collect();
            }
            ("boost", v) => boost = parse_boost(v)?,
            ("_name", _) | ("type" | "types", _) => {}
            (other, _) => return Err(unsupported_param("ids", other)),
        }
    }
    Ok(Query::Ids { values, boost })
}

fn parse_prefix(body: &Json) -> Result<Query, OsError> {
    let (field, spec, mut boost) = single_field("prefix", body)?;
    let mut case_insensitive = false;
    let value = match spec {
        Json::Object(params) => {
            let mut value = None;
            for (key, v) in params {
                match key.as_str() {
                    "value" | "prefix" => value = Some(scalar_text(v)),
                    "boost" => boost = parse_boost(v)?,
                    "case_insensitive" => case_insensitive = boolean(v).unwrap_or(false),
                    "_name" | "rewrite" => {}
                    other => return Err(unsupported_param("prefix", other)),
                }
            }
            value.ok_or_else(|| OsError::illegal_argument("value cannot be null"))?
        }
        scalar => scalar_text(scalar),
    };
    Ok(Query::Prefix {
        field: field.to_owned(),
        value,
        boost,
        case_insensitive,
    })
}

fn parse_constant_score(body: &Json) -> Result<Query, OsError> {
    let Json::Object(pairs) = body else {
        return Err(malformed("constant_score"));
    };
    let mut filter = None;
    let mut boost = 1.0;
    for (key, value) in pairs {
        match key.as_str() {
            "filter" => filter = Some(parse_query(value)?),
            "boost" => boost = parse_boost(value)?,
            "_name" => {}
            other => return Err(unsupported_param("constant_score", other)),
        }
    }
    let filter =
        filter.ok_or_else(|| OsError::parsing("[constant_score] requires a 'filter' element"))?;
    Ok(Query::ConstantScore {
        filter: Box::new(filter),
        boost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_should_match_resolves_like_lucene() {
        assert_eq!(Msm::Count(2).resolve(3), 2);
        assert_eq!(Msm::Count(-1).resolve(3), 2);
        assert_eq!(Msm::Percent(75).resolve(3), 2);
        assert_eq!(Msm::Percent(-25).resolve(4), 3);
        assert_eq!(Msm::Count(-5).resolve(3), 0);
    }

    #[test]
    fn query_parse_errors_name_the_problem() {
        let parse = |text: &str| parse_query(&super::super::json::parse(text).unwrap());
        let err = parse(r#"{"match":{"a":"x"},"term":{"b":"y"}}"#).unwrap_err();
        assert_eq!(
            err.reason(),
            Some("[match] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
        );
        let err = parse(r#"{"term":{"a":"x","b":"y"}}"#).unwrap_err();
        assert_eq!(
            err.reason(),
            Some("[term] query doesn't support multiple fields, found [a] and [b]")
        );
        let err = parse(r#"{"nope":{}}"#).unwrap_err();
        assert_eq!(
            (err.status(), err.reason()),
            (400, Some("unknown query [nope]"))
        );
        let err = parse(r#"{"query_string":{"query":"x"}}"#).unwrap_err();
        assert_eq!(err.status(), 501);
        let err = parse(r#"{"bool":{"must":{"match_all":{}},"nope":[]}}"#).unwrap_err();
        assert_eq!(err.reason(), Some("[bool] query does not support [nope]"));
    }
}
