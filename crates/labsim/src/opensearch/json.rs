//! An order-preserving JSON tree, and a writer that renders it the way
//! OpenSearch (Jackson) does.
//!
//! `serde_json::Value` sorts object keys (the workspace does not enable
//! `preserve_order`, and enabling it would change every other crate's output),
//! but OpenSearch hands `_source` back exactly as it was sent and writes its
//! own response fields in a fixed order. So documents are parsed into this
//! tree, which keeps key order, and responses are written by hand: compactly
//! (with `_source` copied byte for byte) or, for `?pretty`, in Jackson's
//! pretty-printer layout.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value with object keys in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    /// A Java `float` (scores, float sort values), written as
    /// `Float.toString` does.
    Float(f32),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
    /// Output only: JSON text copied verbatim in compact output (a stored
    /// `_source`); re-parsed and re-indented in pretty output.
    Raw(String),
}

impl Json {
    /// An object from `(key, value)` pairs, in that order.
    pub(crate) fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            Json::Float(f) => Some(f64::from(*f)),
            _ => None,
        }
    }

    /// The name of the parser token this value starts with, as OpenSearch
    /// error messages give it.
    pub(crate) fn token_name(&self) -> &'static str {
        match self {
            Json::Null => "VALUE_NULL",
            Json::Bool(_) => "VALUE_BOOLEAN",
            Json::Number(_) | Json::Float(_) => "VALUE_NUMBER",
            Json::String(_) => "VALUE_STRING",
            Json::Array(_) => "START_ARRAY",
            Json::Object(_) | Json::Raw(_) => "START_OBJECT",
        }
    }

    /// The compact rendering, as OpenSearch sends without `?pretty`.
    pub(crate) fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None);
        out
    }

    /// Jackson's default pretty printer as OpenSearch configures it
    /// (two-space indent, `" : "` between key and value, arrays broken over
    /// lines too, `{ }` for empty containers), with a final newline.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out.push('\n');
        out
    }

    pub(crate) fn render(&self, pretty: bool) -> String {
        if pretty {
            self.to_pretty()
        } else {
            self.to_compact()
        }
    }

    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::Float(f) => out.push_str(&java_float(*f)),
            Json::String(s) => write_string(out, s),
            Json::Raw(raw) => match indent {
                None => out.push_str(raw),
                Some(_) => match parse(raw) {
                    Ok(tree) => tree.write(out, indent),
                    // Stored sources were parsed once already; keep the
                    // bytes if that somehow fails now.
                    Err(_) => out.push_str(raw),
                },
            },
            Json::Array(items) => write_container(
                out,
                indent,
                ('[', ']'),
                items.iter().map(|item| (None, item)),
                items.len(),
            ),
            Json::Object(pairs) => write_container(
                out,
                indent,
                ('{', '}'),
                pairs.iter().map(|(k, v)| (Some(k.as_str()), v)),
                pairs.len(),
            ),
        }
    }

    /// The equivalent `serde_json::Value` (keys sorted), for typed helpers.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::Float(f) => serde_json::Number::from_f64(f64::from(*f))
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            Json::Raw(raw) => parse(raw).map(|t| t.to_value()).unwrap_or(Value::Null),
        }
    }

    /// From a `serde_json::Value` (whose key order is already lost).
    pub(crate) fn from_value(value: &serde_json::Value) -> Json {
        use serde_json::Value;
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(items) => Json::Array(items.iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Json::from_value(v)))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Self {
        Json::Number(n.into())
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Json::Number(n.into())
    }
}

impl From<u16> for Json {
    fn from(n: u16) -> Self {
        Json::Number(n.into())
    }
}

fn write_string(out: &mut String, s: &str) {
    // serde_json escapes exactly what JSON requires (quotes, backslashes,
    // control characters) and leaves other characters as UTF-8, as Jackson does.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
}

fn write_container<'a>(
    out: &mut String,
    indent: Option<usize>,
    (open, close): (char, char),
    items: impl Iterator<Item = (Option<&'a str>, &'a Json)>,
    len: usize,
) {
    out.push(open);
    match indent {
        None => {
            for (i, (key, value)) in items.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(key) = key {
                    write_string(out, key);
                    out.push(':');
                }
                value.write(out, None);
            }
        }
        Some(_) if len == 0 => out.push(' '),
        Some(level) => {
            for (i, (key, value)) in items.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                push_indent(out, level + 1);
                if let Some(key) = key {
                    write_string(out, key);
                    out.push_str(" : ");
                }
                value.write(out, Some(level + 1));
            }
            out.push('\n');
            push_indent(out, level);
        }
    }
    out.push(close);
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// `Float.toString(f)`: plain notation with at least one decimal between
/// 10^-3 and 10^7, otherwise `1.0E-5` style; shortest digits that read back.
pub(crate) fn java_float(f: f32) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let magnitude = f.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let s = format!("{f}");
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

/// Parses JSON text into a tree, keeping key order. Duplicate keys are an
/// error, as with OpenSearch's strict duplicate detection.
pub(crate) fn parse(text: &str) -> Result<Json, serde_json::Error> {
    serde_json::from_str(text)
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut pairs: Vec<(String, Json)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if pairs.iter().any(|(k, _)| *k == key) {
                // Jackson's wording, which OpenSearch passes on.
                return Err(de::Error::custom(format!("Duplicate field '{key}'")));
            }
            let value = map.next_value()?;
            pairs.push((key, value));
        }
        Ok(Json::Object(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_rejects_duplicates() {
        let tree = parse(r#"{"b":1,"a":[true,null,"x"],"c":{"z":1.5,"y":-2}}"#).unwrap();
        assert_eq!(
            tree.to_compact(),
            r#"{"b":1,"a":[true,null,"x"],"c":{"z":1.5,"y":-2}}"#
        );
        let err = parse(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.to_string().contains("Duplicate field 'a'"), "{err}");
        assert!(parse("{").is_err());
        assert!(parse("{} x").is_err());
    }

    #[test]
    fn pretty_matches_jacksons_layout() {
        let tree = Json::object([
            ("a", Json::from(1u64)),
            ("e", Json::Object(vec![])),
            ("l", Json::Array(vec![Json::from("x"), Json::Float(1.0)])),
            ("r", Json::Raw(r#"{"k":[]}"#.into())),
        ]);
        assert_eq!(
            tree.to_pretty(),
            "{\n  \"a\" : 1,\n  \"e\" : { },\n  \"l\" : [\n    \"x\",\n    1.0\n  ],\n  \"r\" : {\n    \"k\" : [ ]\n  }\n}\n"
        );
        // Compact output copies raw text untouched.
        let raw = Json::object([("s", Json::Raw("{ \"k\" : 1 }".into()))]);
        assert_eq!(raw.to_compact(), r#"{"s":{ "k" : 1 }}"#);
    }

    #[test]
    fn floats_print_like_java() {
        assert_eq!(java_float(1.0), "1.0");
        assert_eq!(java_float(0.2876821), "0.2876821");
        assert_eq!(java_float(0.0), "0.0");
        assert_eq!(java_float(1.0e-5), "1.0E-5");
        assert_eq!(java_float(12_345_678.0), "1.2345678E7");
        assert_eq!(java_float(f32::INFINITY), "Infinity");
    }
}
