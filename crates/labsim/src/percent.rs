//! Percent-encoding as AWS reads and writes it, from the `percent-encoding`
//! crate: one place for the character sets, so every service agrees on
//! what `+` means.
//!
//! In a path and in SigV4's canonical query a `+` is a literal plus (AWS
//! decodes only `%XX`); only form bodies and OpenSearch's query strings
//! read it as a space, and they say so where they do it.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// is encoded: SigV4's rule, and what `requests` leaves in a path segment.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// [`UNRESERVED`], with `/` kept too: a whole path.
pub const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// `text` with every byte outside `set` as `%XX` (uppercase hex).
pub fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// `%XX` escapes decoded; `+` stays `+`; a malformed escape is kept as
/// written and invalid UTF-8 becomes U+FFFD.
pub fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// `text`'s bytes, `%XX` decoded (`+` stays `+`), re-encoded with every
/// byte outside `set` as `%XX`: bytes that are not UTF-8 (`%FF`) are kept,
/// as SigV4's canonical form keeps them.
pub fn reencode(text: &str, set: &'static AsciiSet) -> String {
    let bytes: Vec<u8> = percent_decode_str(text).collect();
    percent_encoding::percent_encode(&bytes, set).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reencoding_keeps_bytes_that_are_not_utf8() {
        assert_eq!(reencode("%ff%41+b", UNRESERVED), "%FFA%2Bb");
        assert_eq!(reencode("caf%C3%A9", UNRESERVED), "caf%C3%A9");
    }

    #[test]
    fn encodes_all_but_unreserved_in_uppercase_hex() {
        assert_eq!(encode("a b+c/é~", UNRESERVED), "a%20b%2Bc%2F%C3%A9~");
        assert_eq!(encode("/a b/c", UNRESERVED_AND_SLASH), "/a%20b/c");
    }

    #[test]
    fn decodes_escapes_and_keeps_plus_and_malformed_escapes() {
        assert_eq!(decode("a+b%20c%2B"), "a+b c+");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%C3%A9"), "%zzé");
    }
}
