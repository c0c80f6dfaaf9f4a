//! A DynamoDB number (`{"N": "3"}`) as the lab's typed handler writes it
//! into a document, following the `DecimalEncoder` of AWS's DynamoDB Python
//! examples: `int(d) if d % 1 == 0 else float(d)`. labsim's handler writes
//! documents with it, and labmate compares documents with items by it.

use serde_json::Number;

/// The JSON number for DynamoDB's number text in plain notation: an
/// integer when whole, else a float; `None` when it is neither (not a
/// number, or a float JSON cannot hold).
pub fn number_json(text: &str) -> Option<Number> {
    let whole = text
        .split_once('.')
        .is_none_or(|(_, fraction)| fraction.bytes().all(|b| b == b'0'));
    let integer = text.split('.').next().unwrap_or_default();
    if whole {
        if let Ok(n) = integer.parse::<i64>() {
            return Some(n.into());
        }
        if let Ok(n) = integer.parse::<u64>() {
            return Some(n.into());
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_integers_the_rest_floats() {
        let json = |t| number_json(t).map(|n| n.to_string());
        assert_eq!(json("3").as_deref(), Some("3"));
        assert_eq!(json("3.00").as_deref(), Some("3"));
        assert_eq!(json("-2.25").as_deref(), Some("-2.25"));
        assert_eq!(
            json("18446744073709551615").as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(json("abc"), None);
    }
}
