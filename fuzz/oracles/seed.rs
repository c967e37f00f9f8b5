//! What must hold for the blocks of any seed text, and for their HTML.
//!
//! Shared by the `seed` fuzz target and `tests/fuzz_regressions.rs`. The
//! properties are the promises of `annals::content::seed`: no character is
//! dropped, block texts are trimmed and non-empty, anchors are unique and
//! safe to write into an HTML attribute unescaped (the renderer does), and
//! heading levels stay within h2..h6. Panics (through `assert!`) when one fails.

use std::collections::HashSet;

use annals::content::seed::{self, BlockKind};
use annals::render::text::{TocEntry, render_blocks};

/// Parses `text` into blocks, checks them, renders them and checks the HTML.
pub fn check(text: &str) {
    let blocks = seed::parse(text);
    let max_line = text.matches(['\n', '\r']).count() + 1;
    let mut anchors = HashSet::new();
    let mut last_line = 0;
    for b in &blocks {
        assert!(!b.text.is_empty(), "empty block {b:?}");
        assert_eq!(b.text.trim(), b.text, "block text is trimmed: {b:?}");
        assert!(!b.text.contains(['\n', '\r']), "a block is one line: {b:?}");
        assert!(!b.anchor.is_empty(), "{b:?}");
        assert!(
            b.anchor.chars().all(|c| c.is_alphanumeric() || c == '-'),
            "anchor {:?} is not safe in an id attribute",
            b.anchor
        );
        assert!(anchors.insert(b.anchor.as_str()), "duplicate anchor {:?}", b.anchor);
        assert!(
            b.line >= last_line.max(1) && b.line <= max_line,
            "line {} after {last_line}",
            b.line
        );
        last_line = b.line;
        if let BlockKind::Heading { level } = b.kind {
            assert!((2..=6).contains(&level), "{b:?}");
        }
    }
    let kept: String = blocks
        .iter()
        .flat_map(|b| b.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let given = text.strip_prefix('\u{feff}').unwrap_or(text);
    let given: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(kept, given, "every character of the seed is kept, in order");

    let rendered = render_blocks(&blocks, None);
    let headings = blocks
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::Heading { .. }))
        .count();
    assert_eq!(
        count_toc(&rendered.toc),
        headings,
        "every heading is in the table of contents"
    );
    // Block text is escaped, so only the renderer's own self-links match.
    let self_links = rendered.html.matches("<a class=\"anchor\" href=\"#").count();
    assert_eq!(self_links, blocks.len(), "one self-link per block");
}

fn count_toc(entries: &[TocEntry]) -> usize {
    entries.iter().map(|e| 1 + count_toc(&e.children)).sum()
}
