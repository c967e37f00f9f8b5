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

/// How many bytes [`bytes`] and [`Stream`] hash at a time.
const BLOCK: usize = 64 << 10;

/// The hash of a file's bytes. It equals what a [`Stream`] gives for the
/// same bytes written to it in any pieces, so a file can be hashed while
/// it is written without being held whole.
pub fn bytes(bytes: &[u8]) -> u64 {
    let mut h = hasher();
    for block in bytes.chunks(BLOCK) {
        h.write(block);
    }
    h.write_usize(bytes.len());
    h.finish()
}

/// A writer that passes bytes on to `inner` and hashes them as [`bytes`]
/// does.
pub struct Stream<W> {
    inner: W,
    hasher: ahash::AHasher,
    block: Vec<u8>,
    len: usize,
}

impl<W: std::io::Write> Stream<W> {
    pub fn new(inner: W) -> Stream<W> {
        Stream {
            inner,
            hasher: hasher(),
            block: Vec::with_capacity(BLOCK),
            len: 0,
        }
    }

    /// The hash of everything written, its length, and the inner writer.
    pub fn finish(mut self) -> (u64, usize, W) {
        if !self.block.is_empty() {
            self.hasher.write(&self.block);
        }
        self.hasher.write_usize(self.len);
        (self.hasher.finish(), self.len, self.inner)
    }
}

impl<W: std::io::Write> std::io::Write for Stream<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let take = (BLOCK - self.block.len()).min(rest.len());
            self.block.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.block.len() == BLOCK {
                self.hasher.write(&self.block);
                self.block.clear();
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn a_stream_hashes_as_the_whole_bytes_do() {
        let data: Vec<u8> = (0..3 * super::BLOCK + 123).map(|i| (i * 7 % 251) as u8).collect();
        for len in [
            0,
            1,
            super::BLOCK - 1,
            super::BLOCK,
            super::BLOCK + 1,
            2 * super::BLOCK,
            data.len(),
        ] {
            let whole = super::bytes(&data[..len]);
            for piece in [1, 1000, super::BLOCK, 100_000] {
                let mut s = super::Stream::new(Vec::new());
                for part in data[..len].chunks(piece) {
                    s.write_all(part).unwrap();
                }
                let (hash, n, inner) = s.finish();
                assert_eq!((hash, n), (whole, len), "length {len} in pieces of {piece}");
                assert_eq!(inner, &data[..len]);
            }
        }
        assert_ne!(super::bytes(b"ab"), super::bytes(b"ba"));
        assert_ne!(super::bytes(b""), super::bytes(b"\0"));
    }
}
