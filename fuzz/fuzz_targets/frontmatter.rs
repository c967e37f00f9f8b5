//! Fuzzes `annals::content::frontmatter::{split, parse}` with arbitrary
//! content files.
//!
//! Checks that splitting never panics and returns fence-delimited ranges on
//! char boundaries (or the right `SplitError`), that parsing never panics,
//! and that every diagnostic points at a line of the file and prints
//! without panicking. The properties live in `fuzz/oracles/frontmatter.rs`,
//! shared with `tests/fuzz_regressions.rs`. Invalid UTF-8 is skipped: the
//! loader reads files as `String`s and rejects it before splitting.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../oracles/frontmatter.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        oracle::check(text);
    }
});
