//! Front matter: the TOML between `+++` fences at the top of a content file.
//!
//! [`split`] finds the fences and hands back byte ranges into the original
//! file, so that every later error can be reported at the line the maintainer
//! sees (counting the opening `+++` as line 1). [`parse`] reads the TOML into
//! [`FrontMatter`], rejecting unknown keys and warning of front-matter keys
//! written inside `[extra]`, which TOML makes extra fields. Checking values
//! against the rest of the archive (does the seed exist, is the taxonomy
//! declared) happens in the loader, which knows the archive.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{Keys, toml_error, top_level_keys_in_table};
use crate::diag::{Diagnostic, Location};

/// Where the parts of a content file are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// The TOML text between the fences.
    pub front_matter: Range<usize>,
    /// Everything after the closing fence's line.
    pub body: Range<usize>,
}

/// Splits a content file into front matter and body.
///
/// The file must open with a line that is exactly `+++` (a UTF-8 byte order
/// mark and trailing spaces are tolerated) and the front matter ends at the
/// next such line. Both `\n` and `\r\n` line endings work.
pub fn split(text: &str) -> Result<Parts, SplitError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = LineIter { text, pos: start };
    match lines.next() {
        Some((_, line)) if is_fence(line) => {}
        _ => return Err(SplitError::NoOpening),
    }
    let front_start = lines.pos;
    while let Some((line_start, line)) = lines.next() {
        if is_fence(line) {
            return Ok(Parts {
                front_matter: front_start..line_start,
                body: lines.pos..text.len(),
            });
        }
    }
    Err(SplitError::NoClosing)
}

/// Why a file could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    NoOpening,
    NoClosing,
}

impl SplitError {
    pub fn diagnostic(self, file: &Path, text: &str) -> Diagnostic {
        let first_line = text.find('\n').unwrap_or(text.len());
        let loc = Location::from_span(file, text, 0..first_line);
        match self {
            SplitError::NoOpening => Diagnostic::error("content file does not start with front matter")
                .at(loc)
                .hint("begin the file with a line `+++`, the TOML metadata, and another line `+++`"),
            SplitError::NoClosing => Diagnostic::error("front matter is never closed")
                .at(loc)
                .hint("add a line `+++` after the last metadata line"),
        }
    }
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "+++"
}

struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    /// (byte offset of the line, line without its terminator)
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    }
}

/// The metadata of one document, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Spanned<String>,
    #[serde(default)]
    pub date: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub slug: Option<Spanned<String>>,
    #[serde(default)]
    pub seed: Option<Spanned<String>>,
    /// The seed's encoding, when it is neither UTF-8 nor marked by a BOM.
    #[serde(default)]
    pub encoding: Option<Spanned<String>>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub source_url: Option<Spanned<String>>,
    #[serde(default)]
    pub archived_url: Option<Spanned<String>>,
    #[serde(default)]
    pub original_title: Option<String>,
    #[serde(default)]
    pub original_language: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub translators: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub cited_as: Vec<String>,
    /// What citations describe the document as (`legislation`, `report`,
    /// `news`, `article`, `webpage`), over the kind of its type.
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    /// The number its issuer gave the document, e.g. 国发〔2021〕33号.
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub related: Vec<Spanned<String>>,
    /// Whole lines of a plain-text seed that belong to the web page it was
    /// copied from, not to the document.
    #[serde(default)]
    pub furniture: Vec<Spanned<String>>,
    #[serde(default)]
    pub taxonomies: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    pub extra: toml::Table,
    /// What is legal TOML but probably not meant, found while parsing.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

/// The keys front matter accepts, for hints: `[taxonomies]` and `[extra]`
/// take any key.
pub const KEYS: Keys = Keys {
    top: &[
        "title",
        "date",
        "slug",
        "seed",
        "encoding",
        "summary",
        "source_url",
        "archived_url",
        "original_title",
        "original_language",
        "authors",
        "translators",
        "draft",
        "cited_as",
        "kind",
        "document_number",
        "related",
        "furniture",
        "taxonomies",
        "extra",
    ],
    tables: &[("taxonomies", None), ("extra", None)],
};

impl FrontMatter {
    /// Whether the top level sets `key` (for `draft`: to true).
    fn sets(&self, key: &str) -> bool {
        match key {
            "title" => true,
            "date" => self.date.is_some(),
            "slug" => self.slug.is_some(),
            "seed" => self.seed.is_some(),
            "encoding" => self.encoding.is_some(),
            "summary" => self.summary.is_some(),
            "source_url" => self.source_url.is_some(),
            "archived_url" => self.archived_url.is_some(),
            "original_title" => self.original_title.is_some(),
            "original_language" => self.original_language.is_some(),
            "authors" => !self.authors.is_empty(),
            "translators" => !self.translators.is_empty(),
            "draft" => self.draft,
            "cited_as" => !self.cited_as.is_empty(),
            "kind" => self.kind.is_some(),
            "document_number" => self.document_number.is_some(),
            "related" => !self.related.is_empty(),
            "furniture" => !self.furniture.is_empty(),
            _ => true,
        }
    }
}

/// Parses the front matter of `text` (the whole file) found at `parts`.
///
/// A front-matter key written inside `[extra]`, which takes any key, is no
/// error, but annals does not read it: when the top level does not set it
/// too, the front matter comes back with a warning.
pub fn parse(file: &Path, text: &str, parts: &Parts) -> Result<FrontMatter, Diagnostic> {
    let toml_text = &text[parts.front_matter.clone()];
    let mut fm: FrontMatter = toml::from_str(toml_text).map_err(|e| {
        let mut diag = toml_error(file, text, parts.front_matter.clone(), &e, &KEYS);
        if diag.message.starts_with("missing field") {
            // The whole table is at fault: point at the opening fence.
            let first_line = text.find('\n').unwrap_or(text.len());
            diag.location = Some(Box::new(Location::from_span(file, text, 0..first_line)));
        }
        diag
    })?;
    let misplaced = |key: &str| KEYS.top.contains(&key) && !matches!(key, "taxonomies" | "extra") && !fm.sets(key);
    if fm.extra.keys().any(|k| misplaced(k)) {
        fm.warnings = top_level_keys_in_table(
            file,
            text,
            parts.front_matter.clone(),
            "extra",
            |key| fm.extra.contains_key(key) && misplaced(key),
            |key| format!("so it is not the document's `{key}`"),
        );
    }
    Ok(fm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let parts = split(text).unwrap();
        assert_eq!(&text[parts.front_matter.clone()], "title = \"A\"\n");
        assert_eq!(&text[parts.body], "Body\n");
    }

    #[test]
    fn handles_crlf_bom_and_trailing_spaces() {
        let text = "\u{feff}+++ \r\ntitle = \"A\"\r\n+++\r\nBody";
        let parts = split(text).unwrap();
        assert_eq!(&text[parts.front_matter], "title = \"A\"\r\n");
        assert_eq!(&text[parts.body], "Body");
    }

    #[test]
    fn empty_front_matter_and_no_body() {
        let parts = split("+++\n+++").unwrap();
        assert_eq!(parts.front_matter, 4..4);
        assert_eq!(parts.body, 7..7);
    }

    #[test]
    fn reports_missing_fences() {
        assert_eq!(split("title = 1\n"), Err(SplitError::NoOpening));
        assert_eq!(split("+++\ntitle = 1\n"), Err(SplitError::NoClosing));
        assert_eq!(split("++++\n+++\n"), Err(SplitError::NoOpening));
        assert_eq!(split(""), Err(SplitError::NoOpening));
    }

    #[test]
    fn a_fence_inside_a_string_line_is_not_a_fence() {
        let text = "+++\nsummary = \"\"\"\n +++x\n\"\"\"\ntitle = \"T\"\n+++\n";
        let parts = split(text).unwrap();
        let fm = parse(Path::new("a.md"), text, &parts).unwrap();
        assert_eq!(fm.title.get_ref(), "T");
    }

    fn error_of(text: &str) -> Diagnostic {
        let parts = split(text).unwrap();
        parse(Path::new("c.md"), text, &parts).unwrap_err()
    }

    #[test]
    fn errors_point_at_the_line_in_the_file() {
        let d = error_of("+++\ntitle = \"A\"\ndate = = 3\n+++\n");
        assert_eq!(d.location.unwrap().line, 3);
        let d = error_of("+++\ntitle = \"A\"\n\nsumary = \"x\"\n+++\n");
        let loc = d.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (4, 1));
        assert_eq!(d.hint.as_deref(), Some("did you mean `summary`?"));
        let d = error_of("+++\ndate = 2021-01-01\n+++\n");
        assert!(d.message.contains("title"), "{}", d.message);
        assert_eq!(d.location.unwrap().line, 1);
    }
}
