//! Index mappings: dynamic mapping of new fields, explicit mappings given at
//! index creation, and turning a document into the values each field indexes.
//!
//! Dynamic mapping follows OpenSearch's defaults: a string becomes `text` with
//! a `keyword` sub-field (`ignore_above: 256`), an integer `long`, a fraction
//! `float`, a boolean `boolean`, an object an object mapping; `null` and
//! empty arrays add nothing. Date detection (strings shaped like dates
//! becoming `date`) is not simulated: the lab's fields are all plain strings.

use std::collections::BTreeMap;

use super::analysis::analyze;
use super::error::{Cause, OsError};
use super::json::Json;

/// The `ignore_above` dynamic mapping gives `.keyword` sub-fields.
pub(crate) const DYNAMIC_KEYWORD_IGNORE_ABOVE: u32 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum FieldType {
    Text,
    Keyword,
    Long,
    Integer,
    Short,
    Byte,
    Double,
    Float,
    HalfFloat,
    Boolean,
}

impl FieldType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Keyword => "keyword",
            FieldType::Long => "long",
            FieldType::Integer => "integer",
            FieldType::Short => "short",
            FieldType::Byte => "byte",
            FieldType::Double => "double",
            FieldType::Float => "float",
            FieldType::HalfFloat => "half_float",
            FieldType::Boolean => "boolean",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "text" => FieldType::Text,
            "keyword" => FieldType::Keyword,
            "long" => FieldType::Long,
            "integer" => FieldType::Integer,
            "short" => FieldType::Short,
            "byte" => FieldType::Byte,
            "double" => FieldType::Double,
            "float" => FieldType::Float,
            "half_float" => FieldType::HalfFloat,
            "boolean" => FieldType::Boolean,
            _ => return None,
        })
    }

    /// The inclusive range of an integral type, with the article its
    /// out-of-range message uses.
    pub(crate) fn integral_range(self) -> Option<(i64, i64, &'static str)> {
        match self {
            FieldType::Long => Some((i64::MIN, i64::MAX, "a long")),
            FieldType::Integer => Some((i32::MIN.into(), i32::MAX.into(), "an integer")),
            FieldType::Short => Some((i16::MIN.into(), i16::MAX.into(), "a short")),
            FieldType::Byte => Some((i8::MIN.into(), i8::MAX.into(), "a byte")),
            _ => None,
        }
    }

    pub(crate) fn is_floating(self) -> bool {
        matches!(
            self,
            FieldType::Double | FieldType::Float | FieldType::HalfFloat
        )
    }
}

/// Field types OpenSearch has that this simulator does not model.
const UNSIMULATED_TYPES: &[&str] = &[
    "date",
    "date_nanos",
    "ip",
    "nested",
    "flat_object",
    "geo_point",
    "geo_shape",
    "knn_vector",
    "binary",
    "token_count",
    "wildcard",
    "match_only_text",
    "completion",
    "search_as_you_type",
    "unsigned_long",
    "scaled_float",
    "alias",
    "join",
    "rank_feature",
    "rank_features",
    "percolator",
    "constant_keyword",
    "integer_range",
    "long_range",
    "float_range",
    "double_range",
    "date_range",
    "ip_range",
];

/// A field that holds values (as opposed to an object).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Leaf {
    pub ty: FieldType,
    pub ignore_above: Option<u32>,
    /// Multi-fields, such as `keyword` under a dynamic `text` field.
    pub fields: BTreeMap<String, Leaf>,
}

impl Leaf {
    fn plain(ty: FieldType) -> Self {
        Leaf {
            ty,
            ignore_above: None,
            fields: BTreeMap::new(),
        }
    }

    /// What dynamic mapping gives a string: text plus `.keyword`.
    fn dynamic_string() -> Self {
        let keyword = Leaf {
            ty: FieldType::Keyword,
            ignore_above: Some(DYNAMIC_KEYWORD_IGNORE_ABOVE),
            fields: BTreeMap::new(),
        };
        Leaf {
            ty: FieldType::Text,
            ignore_above: None,
            fields: BTreeMap::from([("keyword".to_owned(), keyword)]),
        }
    }

    fn to_json(&self) -> Json {
        let mut pairs = vec![("type".to_owned(), Json::from(self.ty.name()))];
        if let Some(limit) = self.ignore_above {
            pairs.push(("ignore_above".to_owned(), Json::from(u64::from(limit))));
        }
        if !self.fields.is_empty() {
            let fields = self
                .fields
                .iter()
                .map(|(name, leaf)| (name.clone(), leaf.to_json()))
                .collect();
            pairs.push(("fields".to_owned(), Json::Object(fields)));
        }
        Json::Object(pairs)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Property {
    Leaf(Leaf),
    Object(BTreeMap<String, Property>),
}

impl Property {
    fn to_json(&self) -> Json {
        match self {
            Property::Leaf(leaf) => leaf.to_json(),
            Property::Object(properties) => {
                Json::object([("properties", properties_json(properties))])
            }
        }
    }
}

fn properties_json(properties: &BTreeMap<String, Property>) -> Json {
    // OpenSearch lists mapped fields sorted by name; BTreeMap order matches.
    Json::Object(
        properties
            .iter()
            .map(|(name, p)| (name.clone(), p.to_json()))
            .collect(),
    )
}

/// The `dynamic` setting of an index's root object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) enum Dynamic {
    #[default]
    True,
    False,
    Strict,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Mapping {
    pub dynamic: Dynamic,
    pub properties: BTreeMap<String, Property>,
}

/// One value as a field indexes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Indexed {
    /// The analysed tokens of one string.
    Text(Vec<String>),
    Keyword(String),
    Long(i64),
    Double(f64),
    Bool(bool),
}

/// Field path (`name`, `name.keyword`, `a.b`) to its values in one document.
pub(crate) type Fields = BTreeMap<String, Vec<Indexed>>;

impl Mapping {
    /// The `mappings` object of `GET /{index}/_mapping`.
    pub(crate) fn to_json(&self) -> Json {
        let mut pairs = Vec::new();
        match self.dynamic {
            Dynamic::True => {}
            Dynamic::False => pairs.push(("dynamic".to_owned(), Json::from("false"))),
            Dynamic::Strict => pairs.push(("dynamic".to_owned(), Json::from("strict"))),
        }
        if !self.properties.is_empty() {
            pairs.push(("properties".to_owned(), properties_json(&self.properties)));
        }
        Json::Object(pairs)
    }

    /// The leaf field at `path`, following objects and then multi-fields.
    pub(crate) fn resolve(&self, path: &str) -> Option<&Leaf> {
        let mut properties = &self.properties;
        let mut segments = path.split('.');
        while let Some(segment) = segments.next() {
            match properties.get(segment)? {
                Property::Object(children) => properties = children,
                Property::Leaf(leaf) => {
                    let mut leaf = leaf;
                    for sub in segments.by_ref() {
                        leaf = leaf.fields.get(sub)?;
                    }
                    return Some(leaf);
                }
            }
        }
        None
    }

    /// Whether `path` names a mapped object (for `exists` on an object).
    pub(crate) fn is_object(&self, path: &str) -> bool {
        let mut properties = &self.properties;
        for segment in path.split('.') {
            match properties.get(segment) {
                Some(Property::Object(children)) => properties = children,
                _ => return false,
            }
        }
        true
    }

    /// Parses the `mappings` of a create-index request.
    pub(crate) fn from_request(mappings: &Json) -> Result<Mapping, OsError> {
        let Json::Object(pairs) = mappings else {
            return Err(OsError::mapper_parsing(
                "Failed to parse mapping [_doc]: Expected map for property [mappings]",
                None,
            ));
        };
        let mut mapping = Mapping::default();
        for (key, value) in pairs {
            match key.as_str() {
                "properties" => mapping.properties = parse_properties(value).map_err(wrap_doc)?,
                "dynamic" => mapping.dynamic = match value {
                    Json::Bool(true) => Dynamic::True,
                    Json::Bool(false) => Dynamic::False,
                    Json::String(s) if s == "true" => Dynamic::True,
                    Json::String(s) if s == "false" => Dynamic::False,
                    Json::String(s) if s == "strict" => Dynamic::Strict,
                    _ => return Err(OsError::mapper_parsing(
                        "Failed to parse mapping [_doc]: Could not convert [dynamic] to boolean",
                        None,
                    )),
                },
                other => {
                    return Err(OsError::not_simulated(format!(
                        "the mapping setting [{other}]"
                    )))
                }
            }
        }
        Ok(mapping)
    }

    /// Indexes `source` (a whole document) for document `id`: the values of
    /// every field, and the mapping with any fields this document adds
    /// (`None` when unchanged). Nothing changes on error.
    pub(crate) fn index_document(
        &self,
        source: &Json,
        id: &str,
    ) -> Result<(Option<Mapping>, Fields), OsError> {
        let Json::Object(pairs) = source else {
            return Err(OsError::mapper_parsing(
                "Malformed content, must start with an object",
                None,
            ));
        };
        let mut updated = self.clone();
        let mut fields = Fields::new();
        let mut parser = DocParser {
            id,
            dynamic: self.dynamic,
            fields: &mut fields,
        };
        parser.object(&mut updated.properties, pairs, "")?;
        let changed = (updated != *self).then_some(updated);
        Ok((changed, fields))
    }
}

fn wrap_doc(err: MappingError) -> OsError {
    let MappingError(reason) = err;
    OsError::mapper_parsing(
        format!("Failed to parse mapping [_doc]: {reason}"),
        Some(Cause::new("mapper_parsing_exception", reason)),
    )
}

/// An explicit-mapping problem, before it is wrapped as OpenSearch does.
struct MappingError(String);

fn parse_properties(value: &Json) -> Result<BTreeMap<String, Property>, MappingError> {
    let Json::Object(pairs) = value else {
        return Err(MappingError(
            "Expected map for property [properties]".into(),
        ));
    };
    let mut properties = BTreeMap::new();
    for (name, definition) in pairs {
        properties.insert(name.clone(), parse_property(name, definition)?);
    }
    Ok(properties)
}

fn parse_property(name: &str, definition: &Json) -> Result<Property, MappingError> {
    let Json::Object(params) = definition else {
        return Err(MappingError(format!(
            "Expected map for property [fields] on field [{name}] but got a class java.lang.String"
        )));
    };
    let type_name = match definition.get("type") {
        None => "object",
        Some(Json::String(t)) => t.as_str(),
        Some(_) => {
            return Err(MappingError(format!(
                "No type specified for field [{name}]"
            )))
        }
    };
    if type_name == "object" {
        let mut children = BTreeMap::new();
        for (key, value) in params {
            match key.as_str() {
                "type" => {}
                "properties" => children = parse_properties(value)?,
                other => return Err(unsimulated_param(other, name)),
            }
        }
        return Ok(Property::Object(children));
    }
    Ok(Property::Leaf(parse_leaf(name, type_name, params)?))
}

fn parse_leaf(
    name: &str,
    type_name: &str,
    params: &[(String, Json)],
) -> Result<Leaf, MappingError> {
    let Some(ty) = FieldType::from_name(type_name) else {
        if UNSIMULATED_TYPES.contains(&type_name) {
            return Err(MappingError(format!(
                "labsim does not simulate the field type [{type_name}] (field [{name}])"
            )));
        }
        return Err(MappingError(format!(
            "No handler for type [{type_name}] declared on field [{name}]"
        )));
    };
    let mut leaf = Leaf::plain(ty);
    for (key, value) in params {
        match (key.as_str(), value) {
            ("type", _) => {}
            ("ignore_above", Json::Number(n)) if ty == FieldType::Keyword => {
                leaf.ignore_above = n.as_u64().and_then(|n| u32::try_from(n).ok());
            }
            ("fields", Json::Object(subs)) => {
                for (sub_name, sub) in subs {
                    let Json::Object(sub_params) = sub else {
                        return Err(MappingError(format!(
                            "Expected map for property [fields] on field [{sub_name}]"
                        )));
                    };
                    let sub_type = match sub.get("type") {
                        Some(Json::String(t)) => t.as_str(),
                        _ => {
                            return Err(MappingError(format!(
                                "No type specified for field [{sub_name}]"
                            )))
                        }
                    };
                    leaf.fields.insert(
                        sub_name.clone(),
                        parse_leaf(sub_name, sub_type, sub_params)?,
                    );
                }
            }
            (other, _) => return Err(unsimulated_param(other, name)),
        }
    }
    Ok(leaf)
}

fn unsimulated_param(param: &str, field: &str) -> MappingError {
    MappingError(format!(
        "labsim does not simulate the mapping parameter [{param}] (field [{field}])"
    ))
}

/// Walks a document, updating the mapping and collecting field values.
struct DocParser<'a> {
    id: &'a str,
    dynamic: Dynamic,
    fields: &'a mut Fields,
}

impl DocParser<'_> {
    fn object(
        &mut self,
        properties: &mut BTreeMap<String, Property>,
        pairs: &[(String, Json)],
        prefix: &str,
    ) -> Result<(), OsError> {
        for (key, value) in pairs {
            if key.trim().is_empty() {
                return Err(OsError::mapper_parsing(
                    if key.is_empty() {
                        "field name cannot be an empty string"
                    } else {
                        "field name cannot contain only whitespace"
                    },
                    None,
                ));
            }
            // `{"a.b": 1}` means `{"a": {"b": 1}}`.
            let segments: Vec<&str> = key.split('.').collect();
            if segments.iter().any(|s| s.is_empty()) {
                // Not a MapperParsingException, so OpenSearch wraps it.
                return Err(OsError::mapper_parsing(
                    "failed to parse",
                    Some(Cause::new(
                        "illegal_argument_exception",
                        format!(
                            "object field starting or ending with a [.] makes object resolution ambiguous: [{key}]"
                        ),
                    )),
                ));
            }
            self.path(properties, &segments, value, prefix)?;
        }
        Ok(())
    }

    /// Handles `value` at the dotted `segments` below `prefix`.
    fn path(
        &mut self,
        properties: &mut BTreeMap<String, Property>,
        segments: &[&str],
        value: &Json,
        prefix: &str,
    ) -> Result<(), OsError> {
        let (name, rest) = match segments {
            [name, rest @ ..] => (*name, rest),
            [] => return Ok(()),
        };
        let full = join(prefix, name);
        if !rest.is_empty() {
            let Some(children) = self.object_property(properties, name, &full, prefix)? else {
                return Ok(());
            };
            return self.path(children, rest, value, &full);
        }
        match value {
            Json::Null => Ok(()),
            Json::Array(items) => {
                for item in items {
                    self.path(properties, segments, item, prefix)?;
                }
                Ok(())
            }
            Json::Object(pairs) => {
                if let Some(Property::Leaf(leaf)) = properties.get(name) {
                    return Err(self.field_error(&full, leaf.ty, value, None));
                }
                match self.object_property(properties, name, &full, prefix)? {
                    Some(children) => self.object(children, pairs, &full),
                    None => Ok(()),
                }
            }
            scalar => {
                if matches!(properties.get(name), Some(Property::Object(_))) {
                    return Err(OsError::mapper_parsing(
                        format!(
                            "object mapping for [{full}] tried to parse field [{name}] as object, but found a concrete value"
                        ),
                        None,
                    ));
                }
                if !properties.contains_key(name) {
                    let Some(leaf) = dynamic_leaf(scalar) else {
                        return Ok(());
                    };
                    if !self.may_add(&full, prefix)? {
                        return Ok(());
                    }
                    properties.insert(name.to_owned(), Property::Leaf(leaf));
                }
                let Some(Property::Leaf(leaf)) = properties.get(name) else {
                    return Ok(());
                };
                let leaf = leaf.clone();
                self.leaf(&leaf, &full, scalar)
            }
        }
    }

    /// The children of object `name`, created if dynamic mapping allows;
    /// `None` when the object is unmapped and stays so (`dynamic: false`).
    fn object_property<'p>(
        &mut self,
        properties: &'p mut BTreeMap<String, Property>,
        name: &str,
        full: &str,
        prefix: &str,
    ) -> Result<Option<&'p mut BTreeMap<String, Property>>, OsError> {
        if !properties.contains_key(name) {
            if !self.may_add(full, prefix)? {
                return Ok(None);
            }
            properties.insert(name.to_owned(), Property::Object(BTreeMap::new()));
        }
        match properties.get_mut(name) {
            Some(Property::Object(children)) => Ok(Some(children)),
            Some(Property::Leaf(leaf)) => {
                let ty = leaf.ty;
                Err(self.field_error(full, ty, &Json::Object(Vec::new()), None))
            }
            None => Ok(None),
        }
    }

    /// Whether a new field may be mapped, per the `dynamic` setting.
    fn may_add(&self, full: &str, prefix: &str) -> Result<bool, OsError> {
        match self.dynamic {
            Dynamic::True => Ok(true),
            Dynamic::False => Ok(false),
            Dynamic::Strict => {
                let within = if prefix.is_empty() { "_doc" } else { prefix };
                let name = full.rsplit('.').next().unwrap_or(full);
                Err(OsError::from_cause(
                    400,
                    Cause::new(
                        "strict_dynamic_mapping_exception",
                        format!(
                            "mapping set to strict, dynamic introduction of [{name}] within [{within}] is not allowed"
                        ),
                    ),
                ))
            }
        }
    }

    fn leaf(&mut self, leaf: &Leaf, path: &str, value: &Json) -> Result<(), OsError> {
        if let Some(indexed) = self.convert(leaf, path, value)? {
            self.fields
                .entry(path.to_owned())
                .or_default()
                .push(indexed);
        }
        for (sub_name, sub) in &leaf.fields {
            let sub_path = format!("{path}.{sub_name}");
            if let Some(indexed) = self.convert(sub, &sub_path, value)? {
                self.fields.entry(sub_path).or_default().push(indexed);
            }
        }
        Ok(())
    }

    /// `value` as field `leaf` indexes it (coercing as OpenSearch does);
    /// `None` when it is not indexed (a keyword over `ignore_above`).
    fn convert(&self, leaf: &Leaf, path: &str, value: &Json) -> Result<Option<Indexed>, OsError> {
        let text = scalar_text(value);
        match leaf.ty {
            FieldType::Text => Ok(Some(Indexed::Text(analyze(&text)))),
            FieldType::Keyword => {
                let too_long = leaf
                    .ignore_above
                    .is_some_and(|limit| text.chars().count() > limit as usize);
                Ok((!too_long).then_some(Indexed::Keyword(text)))
            }
            FieldType::Boolean => match value {
                Json::Bool(b) => Ok(Some(Indexed::Bool(*b))),
                Json::String(s) if s == "true" => Ok(Some(Indexed::Bool(true))),
                Json::String(s) if s == "false" || s.is_empty() => Ok(Some(Indexed::Bool(false))),
                _ => Err(self.field_error(
                    path,
                    leaf.ty,
                    value,
                    Some(Cause::new(
                        "illegal_argument_exception",
                        format!(
                            "Failed to parse value [{text}] as only [true] or [false] are allowed."
                        ),
                    )),
                )),
            },
            ty if ty.is_floating() => {
                let parsed = match value {
                    Json::Number(n) => n.as_f64(),
                    Json::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                    _ => None,
                };
                match parsed {
                    Some(f) if ty == FieldType::Double => Ok(Some(Indexed::Double(f))),
                    // float and half_float keep single precision.
                    Some(f) => Ok(Some(Indexed::Double(f64::from(f as f32)))),
                    None => Err(self.field_error(
                        path,
                        ty,
                        value,
                        Some(Cause::new(
                            "number_format_exception",
                            format!("For input string: \"{text}\""),
                        )),
                    )),
                }
            }
            ty => self.integral(ty, path, value, &text).map(Some),
        }
    }

    fn integral(
        &self,
        ty: FieldType,
        path: &str,
        value: &Json,
        text: &str,
    ) -> Result<Indexed, OsError> {
        let (min, max, article) = ty
            .integral_range()
            .unwrap_or((i64::MIN, i64::MAX, "a long"));
        // Coercion: numeric strings are accepted and fractions truncated.
        let number = match value {
            Json::Number(n) => n
                .as_i64()
                .map(|i| i as f64)
                .or_else(|| n.as_f64())
                .map(|f| (f, n.as_i64())),
            Json::String(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .map(|i| (i as f64, Some(i)))
                    .or_else(|| {
                        s.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .map(|f| (f, None))
                    })
            }
            _ => None,
        };
        let Some((as_float, exact)) = number else {
            return Err(self.field_error(
                path,
                ty,
                value,
                Some(Cause::new(
                    "illegal_argument_exception",
                    format!("For input string: \"{text}\""),
                )),
            ));
        };
        let truncated = exact.unwrap_or(as_float.trunc() as i64);
        let in_range = as_float.trunc() >= min as f64
            && as_float.trunc() <= max as f64
            && (min..=max).contains(&truncated);
        if !in_range {
            return Err(self.field_error(
                path,
                ty,
                value,
                Some(Cause::new(
                    "illegal_argument_exception",
                    format!("Value [{text}] is out of range for {article}"),
                )),
            ));
        }
        Ok(Indexed::Long(truncated))
    }

    fn field_error(
        &self,
        path: &str,
        ty: FieldType,
        value: &Json,
        cause: Option<Cause>,
    ) -> OsError {
        OsError::mapper_parsing(
            format!(
                "failed to parse field [{path}] of type [{}] in document with id '{}'. Preview of field's value: '{}'",
                ty.name(),
                self.id,
                java_preview(value)
            ),
            cause,
        )
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// What dynamic mapping makes of a new scalar.
fn dynamic_leaf(value: &Json) -> Option<Leaf> {
    Some(match value {
        Json::String(_) => Leaf::dynamic_string(),
        Json::Bool(_) => Leaf::plain(FieldType::Boolean),
        Json::Number(n) if n.is_i64() || n.is_u64() => Leaf::plain(FieldType::Long),
        Json::Number(_) | Json::Float(_) => Leaf::plain(FieldType::Float),
        _ => return None,
    })
}

/// A scalar as the text a string field indexes.
pub(crate) fn scalar_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        other => java_preview(other),
    }
}

/// A value as Java's `toString` of the parsed map shows it in error
/// messages: `{a=1, b=[x, y]}`.
fn java_preview(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::Float(f) => super::json::java_float(*f),
        Json::String(s) | Json::Raw(s) => s.clone(),
        Json::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(java_preview)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Object(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", java_preview(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opensearch::json::parse;

    fn index(mapping: &Mapping, source: &str) -> Result<(Option<Mapping>, Fields), OsError> {
        mapping.index_document(&parse(source).unwrap(), "1")
    }

    #[test]
    fn dynamic_mapping_types_every_json_kind() {
        let (mapping, fields) = index(
            &Mapping::default(),
            r#"{"s":"Hello World","n":3,"f":1.5,"b":true,"o":{"x.y":"z"},"nil":null,"arr":[1,2]}"#,
        )
        .unwrap();
        let mapping = mapping.unwrap();
        assert_eq!(
            mapping.to_json().to_compact(),
            concat!(
                r#"{"properties":{"arr":{"type":"long"},"b":{"type":"boolean"},"f":{"type":"float"},"#,
                r#""n":{"type":"long"},"o":{"properties":{"x":{"properties":{"y":{"type":"text","#,
                r#""fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}}},"#,
                r#""s":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}"#
            )
        );
        assert_eq!(
            fields["s"],
            [Indexed::Text(vec!["hello".into(), "world".into()])]
        );
        assert_eq!(
            fields["s.keyword"],
            [Indexed::Keyword("Hello World".into())]
        );
        assert_eq!(fields["arr"], [Indexed::Long(1), Indexed::Long(2)]);
        assert_eq!(fields["o.x.y.keyword"], [Indexed::Keyword("z".into())]);
        assert!(!fields.contains_key("nil"));
        assert_eq!(
            mapping.resolve("o.x.y.keyword").unwrap().ty,
            FieldType::Keyword
        );
        assert!(mapping.is_object("o.x"));
    }

    #[test]
    fn conflicting_values_are_rejected_without_changing_the_mapping() {
        let (mapping, _) = index(&Mapping::default(), r#"{"n":1,"o":{"a":1}}"#).unwrap();
        let mapping = mapping.unwrap();
        let err = index(&mapping, r#"{"n":"abc","new":"x"}"#).unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(
            err.reason(),
            Some("failed to parse field [n] of type [long] in document with id '1'. Preview of field's value: 'abc'")
        );
        let err = index(&mapping, r#"{"o":"flat"}"#).unwrap_err();
        assert_eq!(
            err.reason(),
            Some("object mapping for [o] tried to parse field [o] as object, but found a concrete value")
        );
        // Coercion: numeric strings and fractions go into a long field.
        let (changed, fields) = index(&mapping, r#"{"n":"12","o":{"a":2.9}}"#).unwrap();
        assert_eq!(changed, None);
        assert_eq!(fields["n"], [Indexed::Long(12)]);
        assert_eq!(fields["o.a"], [Indexed::Long(2)]);
        // Numbers go into a text field as their text.
        let (mapping, _) = index(&Mapping::default(), r#"{"s":"x"}"#).unwrap();
        let (_, fields) = index(&mapping.unwrap(), r#"{"s":42}"#).unwrap();
        assert_eq!(fields["s.keyword"], [Indexed::Keyword("42".into())]);
    }

    #[test]
    fn keyword_values_over_ignore_above_are_not_indexed() {
        let long = "x".repeat(257);
        let (_, fields) = index(&Mapping::default(), &format!(r#"{{"s":"{long}"}}"#)).unwrap();
        assert!(!fields.contains_key("s.keyword"));
        assert_eq!(fields["s"].len(), 1);
    }

    #[test]
    fn explicit_mappings_and_strict_dynamic() {
        let request = parse(
            r#"{"dynamic":"strict","properties":{"k":{"type":"keyword"},"n":{"type":"integer"}}}"#,
        )
        .unwrap();
        let mapping = Mapping::from_request(&request).unwrap();
        assert!(index(&mapping, r#"{"k":"a","n":5}"#).is_ok());
        let err = index(&mapping, r#"{"other":1}"#).unwrap_err();
        assert_eq!(err.error_type(), Some("strict_dynamic_mapping_exception"));
        assert_eq!(
            err.reason(),
            Some("mapping set to strict, dynamic introduction of [other] within [_doc] is not allowed")
        );
        let err = index(&mapping, r#"{"n":3000000000}"#).unwrap_err();
        assert!(err.reason().unwrap().contains("of type [integer]"), "{err}");
        let bad = parse(r#"{"properties":{"a":{"type":"bogus"}}}"#).unwrap();
        let err = Mapping::from_request(&bad).unwrap_err();
        assert_eq!(
            err.reason(),
            Some(
                "Failed to parse mapping [_doc]: No handler for type [bogus] declared on field [a]"
            )
        );
    }

    #[test]
    fn a_document_must_be_an_object() {
        let err = index(&Mapping::default(), "[1]").unwrap_err();
        assert_eq!(
            err.reason(),
            Some("Malformed content, must start with an object")
        );
    }
}
