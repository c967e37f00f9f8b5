//! One hasher for every fingerprint and cache key.
//!
//! Fingerprints decide whether a page is rendered again, so they must be
//! fast (every rebuild hashes every page's inputs) and well distributed (a
//! collision would leave a stale page). aHash with fixed seeds is both, and
//! gives the same hashes in every process. The standard library's SipHash
//! was the largest cost of a rebuild before this.

use std::hash::{BuildHasher, Hash, Hasher};

/// A fresh hasher.
pub fn hasher() -> ahash::AHasher {
    ahash::RandomState::with_seeds(0x616e_6e61, 0x6c73_2d66, 0x696e_6765, 0x7270_7269).build_hasher()
}

/// The hash of one value.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

/// A hash map keyed with aHash: for maps on the rebuild path, where
/// SipHash's resistance to hostile keys buys nothing (keys are the
/// archive's own slugs and paths) and costs time.
pub type Map<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// A set with the same hasher as [`Map`].
pub type Set<T> = std::collections::HashSet<T, ahash::RandomState>;
