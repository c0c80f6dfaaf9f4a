//! DynamoDB numbers: decimals of up to 38 significant digits with a magnitude
//! between 1E-130 and 1E+126, kept and returned in canonical form (`"01.50"`
//! is stored and read back as `"1.5"`). Canonical forms matter beyond looks:
//! a write of `1.0` over `1` changes nothing, so it must not produce a stream
//! record.

use std::cmp::Ordering;

pub(crate) const MAX_DIGITS: usize = 38;

const MSG_OVERFLOW: &str =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const MSG_UNDERFLOW: &str =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const MSG_PRECISION: &str = "Attempting to store more than 38 significant digits in a Number";

/// `(-1)^negative × digits × 10^exponent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// Significant digits, most significant first, without leading or
    /// trailing zeros; empty for zero.
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Parses what Java's `BigDecimal` accepts: an optional sign, digits with
    /// an optional point, an optional exponent. No spaces, no `NaN`.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
            negative = sign == b'-';
            i = 1;
        }
        let mut digits = Vec::new();
        let mut fraction_len: i64 = 0;
        let mut point = false;
        while let Some(&c) = bytes.get(i) {
            match c {
                b'0'..=b'9' => {
                    digits.push(c - b'0');
                    if point {
                        fraction_len += 1;
                    }
                }
                b'.' if !point => point = true,
                _ => break,
            }
            i += 1;
        }
        if digits.is_empty() {
            return None;
        }
        let mut exponent: i64 = 0;
        if let Some(&c) = bytes.get(i) {
            if c != b'e' && c != b'E' {
                return None;
            }
            i += 1;
            let mut exponent_negative = false;
            if let Some(&sign @ (b'+' | b'-')) = bytes.get(i) {
                exponent_negative = sign == b'-';
                i += 1;
            }
            let start = i;
            while let Some(&d @ b'0'..=b'9') = bytes.get(i) {
                // Saturating: an absurd exponent is then reported as an
                // overflow or underflow, as it should be.
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(d - b'0'));
                i += 1;
            }
            if i == start || i != bytes.len() {
                return None;
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        Some(Decimal::from_parts(
            negative,
            digits,
            exponent.saturating_sub(fraction_len),
        ))
    }

    fn from_parts(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent = exponent.saturating_add(1);
        }
        if digits.is_empty() {
            return Decimal {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The power of ten of the leading digit (`123` -> 2, `0.05` -> -2).
    fn scientific_exponent(&self) -> i64 {
        self.exponent
            .saturating_add(self.digits.len() as i64)
            .saturating_sub(1)
    }

    /// Whether DynamoDB can store it; `Err` carries its message.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.is_zero() {
            return Ok(());
        }
        let e = self.scientific_exponent();
        if e > 125 {
            Err(MSG_OVERFLOW)
        } else if e < -130 {
            Err(MSG_UNDERFLOW)
        } else if self.digits.len() > MAX_DIGITS {
            Err(MSG_PRECISION)
        } else {
            Ok(())
        }
    }

    /// Plain notation without exponent, as DynamoDB returns numbers. Only
    /// meaningful after [`Decimal::check`] (which bounds the length).
    pub(crate) fn to_plain(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let digits: String = self.digits.iter().map(|&d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        if self.exponent >= 0 {
            let zeros = "0".repeat(self.exponent as usize);
            return format!("{sign}{digits}{zeros}");
        }
        let point = self.digits.len() as i64 + self.exponent;
        if point > 0 {
            let (int, frac) = digits.split_at(point as usize);
            format!("{sign}{int}.{frac}")
        } else {
            let zeros = "0".repeat((-point) as usize);
            format!("{sign}0.{zeros}{digits}")
        }
    }

    /// Bytes the number counts for in an item's size (DynamoDB stores about
    /// two digits a byte plus a byte of exponent; the formula is dynalite's,
    /// checked there against AWS).
    pub(crate) fn storage_size(&self) -> usize {
        if self.is_zero() {
            return 1;
        }
        let n = self.digits.len();
        let even_pad = n.is_multiple_of(2) && self.scientific_exponent() % 2 == 0;
        1 + n.div_ceil(2) + usize::from(even_pad) + usize::from(self.negative)
    }

    pub(crate) fn negated(&self) -> Decimal {
        Decimal {
            negative: !self.negative && !self.is_zero(),
            ..self.clone()
        }
    }

    pub(crate) fn add(&self, other: &Decimal) -> Decimal {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let exponent = self.exponent.min(other.exponent);
        let a = self.aligned(exponent);
        let b = other.aligned(exponent);
        if self.negative == other.negative {
            return Decimal::from_parts(self.negative, add_magnitudes(&a, &b), exponent);
        }
        match compare_magnitudes(&a, &b) {
            Ordering::Equal => Decimal::from_parts(false, Vec::new(), 0),
            Ordering::Greater => {
                Decimal::from_parts(self.negative, subtract_magnitudes(&a, &b), exponent)
            }
            Ordering::Less => {
                Decimal::from_parts(other.negative, subtract_magnitudes(&b, &a), exponent)
            }
        }
    }

    /// The digits scaled to `exponent` (which must not exceed ours).
    fn aligned(&self, exponent: i64) -> Vec<u8> {
        let shift = (self.exponent - exponent).max(0) as usize;
        let mut digits = self.digits.clone();
        digits.resize(digits.len() + shift, 0);
        digits
    }

    fn compare_magnitude(&self, other: &Decimal) -> Ordering {
        self.scientific_exponent()
            .cmp(&other.scientific_exponent())
            // Same leading power: digit order decides, and a longer run of
            // digits with an equal prefix is larger (no trailing zeros).
            .then_with(|| self.digits.cmp(&other.digits))
    }

    fn signum(&self) -> i8 {
        match (self.is_zero(), self.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let (a, b) = (self.signum(), other.signum());
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        let magnitude = self.compare_magnitude(other);
        if a > 0 {
            magnitude
        } else {
            magnitude.reverse()
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn strip(digits: &[u8]) -> &[u8] {
    let leading = digits.iter().take_while(|&&d| d == 0).count();
    &digits[leading..]
}

fn compare_magnitudes(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0;
    let mut ia = a.iter().rev();
    let mut ib = b.iter().rev();
    loop {
        let (x, y) = (ia.next(), ib.next());
        if x.is_none() && y.is_none() {
            break;
        }
        let sum = x.copied().unwrap_or(0) + y.copied().unwrap_or(0) + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a - b` for `a >= b`.
fn subtract_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i8;
    let mut ib = b.iter().rev();
    for &x in a.iter().rev() {
        let mut d = x as i8 - ib.next().copied().unwrap_or(0) as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    out
}

/// Canonical form of a number attribute, or DynamoDB's message for it.
pub(crate) fn normalize(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("The parameter cannot be converted to a numeric value".to_owned());
    }
    let number = Decimal::parse(text)
        .ok_or_else(|| format!("The parameter cannot be converted to a numeric value: {text}"))?;
    number.check().map_err(str::to_owned)?;
    Ok(number.to_plain())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn normalizes_like_dynamodb() {
        for (input, canonical) in [
            ("0", "0"),
            ("-0", "0"),
            ("00.000", "0"),
            ("01.50", "1.5"),
            ("+7", "7"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            ("-12.340", "-12.34"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1728417322000", "1728417322000"),
        ] {
            assert_eq!(normalize(input).as_deref(), Ok(canonical), "{input}");
        }
    }

    #[test]
    fn refuses_what_dynamodb_refuses() {
        assert_eq!(
            normalize(""),
            Err("The parameter cannot be converted to a numeric value".to_owned())
        );
        for bad in ["abc", "1e", "--1", "1.2.3", " 1", "NaN", "0x10", "1e5 "] {
            assert_eq!(
                normalize(bad),
                Err(format!(
                    "The parameter cannot be converted to a numeric value: {bad}"
                )),
                "{bad}"
            );
        }
        assert_eq!(normalize("1e126"), Err(MSG_OVERFLOW.to_owned()));
        assert_eq!(normalize("9.9e125").as_deref().map(str::len), Ok(126));
        assert_eq!(normalize("1e-131"), Err(MSG_UNDERFLOW.to_owned()));
        assert!(normalize("1e-130").is_ok());
        assert_eq!(normalize(&"1".repeat(39)), Err(MSG_PRECISION.to_owned()));
        assert!(normalize(&format!("{}000", "1".repeat(38))).is_ok());
        assert_eq!(
            normalize("1e99999999999999999999"),
            Err(MSG_OVERFLOW.to_owned())
        );
    }

    #[test]
    fn adds_and_subtracts_exactly() {
        let sum = |a: &str, b: &str| dec(a).add(&dec(b)).to_plain();
        assert_eq!(sum("1", "2"), "3");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("99.99", "0.01"), "100");
        assert_eq!(sum("5", "-7.5"), "-2.5");
        assert_eq!(sum("-5", "5"), "0");
        assert_eq!(sum("1e20", "1"), "100000000000000000001");
        assert_eq!(dec("3").add(&dec("10").negated()).to_plain(), "-7");
    }

    #[test]
    fn orders_numerically() {
        let mut numbers: Vec<Decimal> = ["10", "-1", "0", "2.5", "-10", "0.01", "100"]
            .iter()
            .map(|t| dec(t))
            .collect();
        numbers.sort();
        let plain: Vec<String> = numbers.iter().map(Decimal::to_plain).collect();
        assert_eq!(plain, ["-10", "-1", "0", "0.01", "2.5", "10", "100"]);
    }

    #[test]
    fn storage_size_follows_the_digit_pairs() {
        assert_eq!(dec("0").storage_size(), 1);
        assert_eq!(dec("101").storage_size(), 3);
        assert_eq!(dec("100").storage_size(), 2);
        assert_eq!(dec("12").storage_size(), 2);
        assert_eq!(dec("-12").storage_size(), 3);
    }
}
