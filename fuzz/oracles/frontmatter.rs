//! What must hold for any content file given to the front matter parser.
//!
//! Shared by the `frontmatter` fuzz target and `tests/fuzz_regressions.rs`,
//! so a regression input is checked exactly as the fuzzer checked it. Panics
//! (through `assert!`) when a property fails; returns quietly otherwise.

use std::path::Path;

use annals::content::frontmatter::{self, SplitError};
use annals::diag::Diagnostic;

/// Splits `text`, parses its front matter and formats every error.
pub fn check(text: &str) {
    let file = Path::new("fuzz.md");
    let parts = match frontmatter::split(text) {
        Ok(parts) => parts,
        Err(e) => {
            check_split_error(text, e);
            check_diagnostic(text, &e.diagnostic(file, text));
            return;
        }
    };
    let (fm, body) = (&parts.front_matter, &parts.body);
    assert!(
        fm.start <= fm.end && fm.end <= body.start && body.start <= body.end,
        "{parts:?}"
    );
    assert_eq!(body.end, text.len(), "the body runs to the end of the file");
    for at in [fm.start, fm.end, body.start] {
        assert!(text.is_char_boundary(at), "{at} is not a char boundary: {parts:?}");
    }
    let opening = text[..fm.start].trim_start_matches('\u{feff}');
    assert_eq!(opening.trim_end(), "+++", "the front matter follows an opening fence");
    assert!(opening.ends_with('\n'), "the opening fence is a line of its own");
    assert_eq!(
        text[fm.end..body.start].trim_end(),
        "+++",
        "the front matter ends at a fence"
    );
    match frontmatter::parse(file, text, &parts) {
        Ok(meta) => {
            let span = meta.title.span();
            assert!(
                span.end <= fm.len(),
                "the title's span {span:?} lies in the front matter {fm:?}"
            );
        }
        Err(d) => check_diagnostic(text, &d),
    }
}

/// `NoClosing` means the opening fence was there; `NoOpening` that it was not.
fn check_split_error(text: &str, e: SplitError) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.split('\n').next().unwrap_or("");
    let first = first.strip_suffix('\r').unwrap_or(first);
    let opened = !text.is_empty() && first.trim_end() == "+++";
    assert_eq!(
        e == SplitError::NoClosing,
        opened,
        "{e:?} for a file whose first line is {first:?}"
    );
}

/// A diagnostic points at a real line of the file and prints without panicking.
fn check_diagnostic(text: &str, d: &Diagnostic) {
    let shown = format!("{d}");
    assert!(shown.starts_with("error: "), "{shown}");
    if let Some(loc) = &d.location {
        let lines = text.matches('\n').count() + 1;
        assert!(
            (1..=lines).contains(&loc.line),
            "line {} of a {lines}-line file",
            loc.line
        );
        assert!(loc.column >= 1 && loc.width >= 1, "{loc:?}");
        assert!(!loc.source_line.contains('\n'), "{loc:?}");
        assert!(shown.contains(&format!(":{}:{}", loc.line, loc.column)), "{shown}");
    }
}
