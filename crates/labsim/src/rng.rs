//! The simulator's source of ids, keys and request ids.
//!
//! SplitMix64 (Steele, Lea and Flood, 2014), hand-rolled rather than taken
//! from `rand`: with `--seed N` the same credentials must come out on every
//! platform (native and wasm32) and after every dependency upgrade, and
//! `rand`'s `StdRng` does not promise a stable stream, while `rand_chacha`
//! would add `rand_core` and `getrandom` (which needs extra features on
//! wasm32) for no benefit. It is not cryptographic and need not be: these
//! credentials guard nothing but a local simulator.

/// A SplitMix64 generator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SplitMix64 {
    state: u64,
}

/// `A-Z0-9`, the alphabet of access key ids and role ids.
pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The base64 alphabet, for secrets and session tokens.
pub const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` characters drawn from `alphabet` (ASCII). The modulo bias is
    /// below 2^-57 for these alphabets: irrelevant here.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[(self.next_u64() % alphabet.len() as u64) as usize]))
            .collect()
    }

    /// A random (version 4) UUID in lowercase, like AWS request ids.
    pub fn uuid(&mut self) -> String {
        let (hi, lo) = (self.next_u64(), self.next_u64());
        let hi = (hi & !0xF000) | 0x4000; // version 4
        let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
        let hex = format!("{hi:016x}{lo:016x}");
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // First outputs for seed 0 of the reference C implementation.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn strings_use_only_the_alphabet() {
        let mut rng = SplitMix64::new(7);
        let s = rng.string(UPPER_ALNUM, 200);
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|b| UPPER_ALNUM.contains(&b)), "{s}");
    }

    #[test]
    fn uuids_are_version_4() {
        let mut rng = SplitMix64::new(1);
        let id = rng.uuid();
        assert_eq!(id.len(), 36);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(rng.uuid(), id);
    }
}
