//! The one stable content hash of the application: XXH3-64 (a published hash, the same on
//! every platform and toolchain, unlike std's hashers) over byte slices. Model version ids,
//! the risk model's train/validation split and the sentiment model's version use it;
//! `contract::shard` uses the same hash for account → shard assignment.

use xxhash_rust::xxh3::Xxh3;

/// XXH3-64 of the concatenation of `parts` (the same value as [`StableHasher`] fed each
/// part in turn).
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hasher = StableHasher::default();
    for part in parts {
        hasher.update(part);
    }
    hasher.finish()
}

/// Streaming XXH3-64: the same hash as [`stable_hash`] over everything passed to `update`,
/// without gathering the bytes first.
#[derive(Clone, Default)]
pub struct StableHasher(Xxh3);

impl std::fmt::Debug for StableHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StableHasher")
    }
}

impl StableHasher {
    /// Hashes more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0.digest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_streaming_agree_with_xxh3_of_the_concatenation() {
        let whole = xxhash_rust::xxh3::xxh3_64(b"model-bytescalibration");
        assert_eq!(stable_hash(&[b"model-bytes", b"calibration"]), whole);
        let mut hasher = StableHasher::default();
        hasher.update(b"model-");
        hasher.update(b"bytescalibration");
        assert_eq!(hasher.finish(), whole);
        assert_ne!(stable_hash(&[b"a"]), stable_hash(&[b"b"]));
    }
}
