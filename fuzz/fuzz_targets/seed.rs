//! Fuzzes `annals::content::seed::parse` and
//! `annals::render::text::render_blocks` with arbitrary seed text.
//!
//! Checks that neither panics nor hangs, and that the blocks keep the seed's
//! promises: no character dropped, trimmed non-empty texts, unique anchors
//! that are safe in an HTML attribute, heading levels h2..h6, one self-link
//! per block in the HTML. The properties live in `fuzz/oracles/seed.rs`,
//! shared with `tests/fuzz_regressions.rs`. Invalid UTF-8 is skipped: seeds
//! are decoded to `String`s before they are parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../oracles/seed.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        oracle::check(text);
    }
});
