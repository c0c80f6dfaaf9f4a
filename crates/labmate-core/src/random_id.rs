//! Random ids (a request's own id, a tab's lease owner) as version 4 UUIDs,
//! from random bytes the browser gives: `crypto.getRandomValues` works in
//! every context, where `crypto.randomUUID` needs a secure one (HTTPS), which
//! an S3 website endpoint is not.

/// The UUID (version 4, RFC 9562 variant) that `random` makes, lower-case
/// and hyphenated as `crypto.randomUUID` writes it.
pub fn uuid_v4(random: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(random)
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_make_a_version_4_uuid_keeping_the_other_bits() {
        let id = uuid_v4([0xff; 16]);
        // Version nibble 4, variant bits 10, every other bit as given.
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        let id = uuid_v4(*b"\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef");
        assert_eq!(id, "01234567-89ab-4def-8123-456789abcdef");
    }
}
