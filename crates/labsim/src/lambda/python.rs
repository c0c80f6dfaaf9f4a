//! How Python prints what the workshop's handler prints: `repr` of dicts
//! (`{'id': 'x'}`, as `print(event)` and f-strings show them) and
//! `json.dumps` (what `requests` sends as the body).

use serde_json::Value;

/// `repr(value)` of the Python object `json.loads` would make of `value`.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_python(value, &REPR, &mut out);
    out
}

/// How one of Python's two printers writes JSON's scalars; lists and dicts
/// are written alike (`, ` and `: ` separators) by [`write_python`].
struct Printer {
    null: &'static str,
    true_: &'static str,
    false_: &'static str,
    string: fn(&str, &mut String),
}

const REPR: Printer = Printer {
    null: "None",
    true_: "True",
    false_: "False",
    string: |s, out| out.push_str(&str_repr(s)),
};

const JSON_DUMPS: Printer = Printer {
    null: "null",
    true_: "true",
    false_: "false",
    string: write_json_str,
};

fn write_python(value: &Value, printer: &Printer, out: &mut String) {
    match value {
        Value::Null => out.push_str(printer.null),
        Value::Bool(true) => out.push_str(printer.true_),
        Value::Bool(false) => out.push_str(printer.false_),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => (printer.string)(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python(item, printer, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                (printer.string)(key, out);
                out.push_str(": ");
                write_python(item, printer, out);
            }
            out.push('}');
        }
    }
}

/// `repr` of a dict whose keys come in `order` (as Python keeps insertion
/// order); keys not listed follow in sorted order. `inner` gives the order
/// within a nested dict by key.
pub fn ordered_repr(
    value: &Value,
    order: &[&str],
    inner: &dyn Fn(&str) -> &'static [&'static str],
) -> String {
    let Some(map) = value.as_object() else {
        return repr(value);
    };
    let mut keys: Vec<&String> = Vec::new();
    for name in order {
        if let Some((k, _)) = map.get_key_value(*name) {
            keys.push(k);
        }
    }
    for k in map.keys() {
        if !order.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    let parts: Vec<String> = keys
        .iter()
        .map(|k| {
            let nested = inner(k);
            let v = &map[k.as_str()];
            let text = if nested.is_empty() {
                repr(v)
            } else {
                ordered_repr(v, nested, &|_| &[])
            };
            format!("{}: {text}", str_repr(k))
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// `print(event)` of a DynamoDB stream event as Lambda delivers it: keys in
/// the order of Lambda's JSON.
pub fn stream_event_repr(records: &[Value]) -> String {
    let mut out = String::from(EVENT_REPR_OPEN);
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&stream_record_repr(record));
    }
    out.push_str(EVENT_REPR_CLOSE);
    out
}

/// What [`stream_event_repr`] prints around the records.
pub(crate) const EVENT_REPR_OPEN: &str = "{'Records': [";
pub(crate) const EVENT_REPR_CLOSE: &str = "]}";

/// One record of [`stream_event_repr`], so a long event can be printed a
/// few records at a time.
pub fn stream_record_repr(record: &Value) -> String {
    const RECORD: &[&str] = &[
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ];
    const DYNAMODB: &[&str] = &[
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "OldImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    ];
    let inner = |key: &str| -> &'static [&'static str] {
        if key == "dynamodb" {
            DYNAMODB
        } else {
            &[]
        }
    };
    ordered_repr(record, RECORD, &inner)
}

/// `repr(s)` of a `str`: single quotes unless the text holds a `'` and no
/// `"`; backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and other
/// non-printable characters.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `json.dumps(value)` with its defaults: `", "` and `": "` separators and
/// `ensure_ascii` (non-ASCII as `\uXXXX`, surrogate pairs beyond the BMP).
pub fn json_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_python(value, &JSON_DUMPS, &mut out);
    out
}

fn write_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && (c as u32) >= 0x20 => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_dicts_as_python_does() {
        let v = json!({"id": "a'b", "l": ["q\"", "it's \"x\""], "n": 1, "ok": true, "x": null});
        assert_eq!(
            repr(&v),
            r#"{'id': "a'b", 'l': ['q"', 'it\'s "x"'], 'n': 1, 'ok': True, 'x': None}"#
        );
        assert_eq!(
            json_dumps(&json!({"name": "é\"\n😀", "id": "1"})),
            r#"{"id": "1", "name": "\u00e9\"\n\ud83d\ude00"}"#
        );
    }
}
