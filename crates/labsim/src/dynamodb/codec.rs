//! Base64 (binary attribute values travel as base64 in the JSON protocol) and
//! CRC-32 (DynamoDB puts the body's CRC-32 in `x-amz-crc32`, and some SDKs
//! check it).
//!
//! Both are a few lines each; a crate apiece would add dependencies to a core
//! that must stay small and build for wasm32.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// Why a base64 string was refused, in the words DynamoDB's deserializer
/// uses (its spelling included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Base64Error {
    Length(usize),
    Invalid,
}

impl Base64Error {
    pub(crate) fn message(&self) -> String {
        match self {
            Base64Error::Length(len) => {
                format!("Base64 encoded length is expected a multiple of 4 bytes but found: {len}")
            }
            Base64Error::Invalid => "Invalid last non-pad Base64 character dectected".to_owned(),
        }
    }
}

/// Strict standard base64: length a multiple of 4, padding only at the end,
/// unused trailing bits zero (so that decoding and re-encoding round-trips).
pub(crate) fn base64_decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(Base64Error::Length(bytes.len()));
    }
    let value = |c: u8| ALPHABET.iter().position(|&a| a == c).map(|p| p as u32);
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == chunks;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err(Base64Error::Invalid);
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c).ok_or(Base64Error::Invalid)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Bits past the last whole byte must be zero.
        if (pad == 1 && decoded[2] != 0) || (pad == 2 && decoded[1] != 0) {
            return Err(Base64Error::Invalid);
        }
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Ok(out)
}

const fn crc32_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC32: [u32; 256] = crc32_table();

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC32[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64_refuses_what_dynamodb_refuses() {
        assert_eq!(base64_decode("abc"), Err(Base64Error::Length(3)));
        assert_eq!(base64_decode("ab!d"), Err(Base64Error::Invalid));
        assert_eq!(base64_decode("Zg=a"), Err(Base64Error::Invalid));
        assert_eq!(base64_decode("Zh=="), Err(Base64Error::Invalid));
        assert_eq!(base64_decode("Zg==Zg=="), Err(Base64Error::Invalid));
        assert_eq!(
            Base64Error::Length(3).message(),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3"
        );
    }

    #[test]
    fn crc32_matches_known_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // DynamoDB's `{}` body carries x-amz-crc32: 2745614147.
        assert_eq!(crc32(b"{}"), 2_745_614_147);
    }
}
