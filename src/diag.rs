//! Diagnostics: what went wrong, where, and how to fix it.
//!
//! Every stage reports problems as [`Diagnostic`]s that carry the file, the
//! line and column as the maintainer sees them (1-based, counting every line
//! of the file including the `+++` fences), the offending source line and a
//! hint. Stages collect diagnostics instead of stopping at the first one, so a
//! maintainer sees every problem of an archive in one run. This module only
//! formats; deciding whether a diagnostic stops the build is the caller's job.
//!
//! File names, source lines, messages and hints come from the archive, so
//! printing one must not let it drive the terminal: control characters (an
//! ESC that starts a colour or cursor sequence, say) are printed escaped, as
//! `\u{1b}`, in one place, [`Diagnostic`]'s `Display`, with the caret still
//! under the escaped text.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a source file: byte offset plus the derived line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The full text of the line, for the snippet.
    pub source_line: String,
    /// How many characters to underline (at least one).
    pub width: usize,
}

impl Location {
    /// Locates the byte range `span` inside `text`, the whole content of `file`.
    pub fn from_span(file: &Path, text: &str, span: std::ops::Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        Location {
            file: file.to_path_buf(),
            line,
            column,
            source_line: text[line_start..line_end].trim_end_matches('\r').to_string(),
            width,
        }
    }

    /// A location that names a whole file, without a line.
    pub fn file_only(file: &Path) -> Location {
        Location {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            source_line: String::new(),
            width: 0,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One problem found in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Boxed: diagnostics travel in `Result`s and should stay small.
    pub location: Option<Box<Location>>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(Box::new(location));
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", printable(&self.message))?;
        if let Some(loc) = &self.location {
            let file = loc.file.display().to_string();
            let file = printable(&file);
            if loc.line == 0 {
                writeln!(f, "  --> {file}")?;
            } else {
                let gutter = loc.line.to_string().len();
                let pad = " ".repeat(gutter);
                writeln!(f, "{pad}--> {file}:{}:{}", loc.line, loc.column)?;
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", loc.line, printable(&loc.source_line))?;
                // The caret goes under the escaped text: each character
                // before it takes as many columns as it is printed with.
                let mut chars = loc.source_line.chars();
                let mut indent = String::new();
                for c in chars.by_ref().take(loc.column - 1) {
                    match c {
                        '\t' => indent.push('\t'),
                        c => indent.extend(std::iter::repeat_n(' ', printed_width(c))),
                    }
                }
                let under: usize = chars
                    .map(printed_width)
                    .chain(std::iter::repeat(1))
                    .take(loc.width)
                    .sum();
                writeln!(f, "{pad} | {indent}{}", "^".repeat(under))?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = help: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// Whether `c` is printed escaped: control characters (an ESC would start a
/// terminal sequence, a carriage return move the cursor back) and the
/// invisible marks that reorder the text around them. Tabs are printed as
/// they are, so that the caret can line up under a tab-indented line.
fn escaped(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How many columns `c` takes once printed (wide characters aside).
fn printed_width(c: char) -> usize {
    if escaped(c) { c.escape_unicode().len() } else { 1 }
}

/// `text` as it is safe to print on a terminal: every character that
/// [`escaped`] picks is written as a Rust escape, `\u{1b}`.
fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to its first 40 characters and an ellipsis, when longer: for
/// quoting a name in a message when the name itself is the problem.
pub fn abridged(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(40) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// The closest of `candidates` to `unknown`, if it is close enough to be a
/// likely typo.
pub fn did_you_mean<'a>(unknown: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(unknown, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column_in_characters() {
        let text = "+++\ntitle = \"é\"\nbad = 1\n+++\n";
        let start = text.find("bad").unwrap();
        let loc = Location::from_span(Path::new("c.md"), text, start..start + 3);
        assert_eq!((loc.line, loc.column, loc.width), (3, 1, 3));
        assert_eq!(loc.source_line, "bad = 1");
        let e = text.find('é').unwrap();
        let loc = Location::from_span(Path::new("c.md"), text, e + 2..e + 3);
        assert_eq!(
            (loc.line, loc.column),
            (2, 11),
            "the quote after é is the 11th character"
        );
    }

    #[test]
    fn prints_file_line_snippet_and_caret() {
        let text = "a = 1\ntitel = 2\n";
        let loc = Location::from_span(Path::new("x.md"), text, 6..11);
        let d = Diagnostic::error("unknown key `titel`")
            .at(loc)
            .hint("did you mean `title`?");
        assert_eq!(
            d.to_string(),
            "error: unknown key `titel`\n --> x.md:2:1\n  |\n2 | titel = 2\n  | ^^^^^\n  = help: did you mean `title`?\n"
        );
    }

    #[test]
    fn control_characters_are_printed_escaped_with_the_caret_under_them() {
        let text = "+++\ntitle = \"\u{1b}[31mred\"\n+++\n";
        let start = text.find("red").unwrap();
        let loc = Location::from_span(Path::new("content/\u{1b}[2Jx.md"), text, start..start + 3);
        let d = Diagnostic::error("slug `\u{1b}[31m` is not valid")
            .at(loc)
            .hint("rename\u{7}\rit\u{202e}");
        assert_eq!(
            d.to_string(),
            "error: slug `\\u{1b}[31m` is not valid\n \
             --> content/\\u{1b}[2Jx.md:2:15\n  |\n\
             2 | title = \"\\u{1b}[31mred\"\n  \
             |                    ^^^\n  \
             = help: rename\\u{7}\\u{d}it\\u{202e}\n"
        );
        let file_only = Diagnostic::warning("x").at(Location::file_only(Path::new("a\nb.md")));
        assert_eq!(file_only.to_string(), "warning: x\n  --> a\\u{a}b.md\n");
    }

    #[test]
    fn the_caret_spans_escaped_characters_and_keeps_tabs() {
        let text = "\tkey = \"a\u{1b}b\"\n";
        let start = text.find('a').unwrap();
        let loc = Location::from_span(Path::new("x.toml"), text, start..start + 3);
        let shown = Diagnostic::error("e").at(loc).to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[3], "1 | \tkey = \"a\\u{1b}b\"");
        assert_eq!(
            lines[4], "  | \t       ^^^^^^^^",
            "a, the six characters of the escape, b"
        );
        assert!(!shown.contains('\u{1b}'));
    }

    #[test]
    fn long_names_are_abridged() {
        assert_eq!(abridged("short"), "short");
        assert_eq!(abridged(&"数".repeat(40)), "数".repeat(40));
        assert_eq!(abridged(&"数".repeat(41)), format!("{}…", "数".repeat(40)));
    }

    #[test]
    fn plain_text_is_printed_as_it_is() {
        assert!(matches!(printable("平安中国 \t x"), Cow::Borrowed(_)));
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("titel", ["title", "date"]), Some("title"));
        assert_eq!(did_you_mean("zzz", ["title", "date"]), None);
    }
}
