//! TOML errors as diagnostics: config.toml, front matter and entities.toml.
//!
//! [`toml_error`] turns what the `toml` crate reports into a diagnostic at
//! the line of the file the maintainer edits, with a hint that knows which
//! table the faulty key sits in. The commonest mistake it explains is a key
//! written after a `[table]` header that belongs to the top level: in TOML
//! every key after a header belongs to that table, so `output_dir` written
//! below `[[taxonomies]]` is a taxonomy's key, and `title` below `[extra]`
//! leaves the document without a title. To tell, [`Layout`] reads the
//! headers and keys of the text line by line; it does not parse values, and
//! only keeps track of strings, brackets and comments well enough to know
//! where a line starts a key or a header.

use std::ops::Range;
use std::path::Path;

use crate::diag::{Diagnostic, Location, did_you_mean};

/// The keys a TOML file accepts: those of its top level and of each table.
pub struct Keys {
    pub top: &'static [&'static str],
    /// Each table by name, with its keys; `None` for a table that takes
    /// any key (front matter's `[taxonomies]` and `[extra]`).
    pub tables: &'static [(&'static str, Option<&'static [&'static str]>)],
}

impl Keys {
    /// The keys of the table named in a header (`extra.notes` is inside
    /// `extra`): `Some(None)` when it takes any key, `None` when the file
    /// has no such table.
    fn of_table(&self, name: &str) -> Option<Option<&'static [&'static str]>> {
        let first = name.split('.').next().unwrap_or(name).trim();
        self.tables
            .iter()
            .find(|(table, _)| *table == name || *table == first)
            .map(|(_, keys)| *keys)
    }

    /// Whether the file has a table that takes any key, for what to do
    /// with a key annals does not know.
    fn has_open_table(&self, name: &str) -> bool {
        self.of_table(name) == Some(None)
    }
}

/// One line of a TOML text that starts a key or a table.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `[name]` or `[[name]]`: `written` is the header as written, `span`
    /// its bytes in the text.
    Header {
        name: String,
        written: String,
        span: Range<usize>,
    },
    /// A line starting with a bare key (the first part of a dotted key).
    Key { key: String, start: usize },
}

/// The headers and keys of a TOML text, in order.
#[derive(Debug, Default)]
pub struct Layout {
    entries: Vec<Entry>,
}

/// What a line ends inside of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    /// A `"""` or `'''` string.
    String(&'static str),
}

impl Layout {
    /// Reads the headers and keys of `toml`.
    pub fn read(toml: &str) -> Layout {
        let mut entries = Vec::new();
        let mut open = Open::Nothing;
        // Depth of arrays and inline tables that span lines.
        let mut depth = 0usize;
        let mut start = 0;
        for line in toml.split_inclusive('\n') {
            let here = start;
            start += line.len();
            let trimmed = line.trim_start();
            let lead = line.len() - trimmed.len();
            if open == Open::Nothing && depth == 0 {
                if let Some(header) = header(trimmed) {
                    let written = header.1.to_string();
                    entries.push(Entry::Header {
                        name: header.0,
                        span: here + lead..here + lead + written.len(),
                        written,
                    });
                    continue;
                }
                if let Some(key) = bare_key(trimmed) {
                    entries.push(Entry::Key {
                        key: key.to_string(),
                        start: here + lead,
                    });
                }
            }
            scan_line(line, &mut open, &mut depth);
        }
        Layout { entries }
    }

    fn headers(&self) -> impl Iterator<Item = (&str, &str, &Range<usize>)> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Header { name, written, span } => Some((name.as_str(), written.as_str(), span)),
            Entry::Key { .. } => None,
        })
    }

    /// The header of the table that holds the byte at `offset`; `None` at
    /// the top level (and on the header line of a table itself).
    fn table_at(&self, offset: usize) -> Option<(&str, &str, &Range<usize>)> {
        self.headers()
            .take_while(|(_, _, span)| span.start <= offset)
            .last()
            .filter(|(_, _, span)| span.end <= offset)
    }

    /// The key whose line holds the byte at `offset`, if the last entry
    /// before it is a key.
    fn key_at(&self, offset: usize) -> Option<(&str, usize)> {
        let last = self.entries.iter().take_while(|e| match e {
            Entry::Header { span, .. } => span.start <= offset,
            Entry::Key { start, .. } => *start <= offset,
        });
        match last.last()? {
            Entry::Key { key, start } => Some((key.as_str(), *start)),
            Entry::Header { .. } => None,
        }
    }

    /// Where `key` is written as a key of a table (not of the top level),
    /// each with the name of that table.
    fn in_tables<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let mut table: Option<&str> = None;
        self.entries.iter().filter_map(move |e| match e {
            Entry::Header { name, .. } => {
                table = Some(name);
                None
            }
            Entry::Key { key: k, start } if k == key => table.map(|t| (*start, t)),
            Entry::Key { .. } => None,
        })
    }

    /// Whether the top level, before any header, has `key`.
    fn top_level_has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .take_while(|e| matches!(e, Entry::Key { .. }))
            .any(|e| matches!(e, Entry::Key { key: k, .. } if k == key))
    }
}

/// A header line's table name and the header as written.
fn header(line: &str) -> Option<(String, &str)> {
    let (close, inner) = match line.strip_prefix("[[") {
        Some(rest) => ("]]", rest),
        None => ("]", line.strip_prefix('[')?),
    };
    let end = inner.find(close)?;
    let name = inner[..end].split('.').map(str::trim).collect::<Vec<_>>().join(".");
    let written = &line[..line.len() - inner.len() + end + close.len()];
    Some((name, written))
}

/// The bare key a line starts with (the first part of a dotted key).
fn bare_key(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    let after = line[end..].trim_start();
    (end > 0 && (after.starts_with('=') || after.starts_with('.'))).then(|| &line[..end])
}

/// Follows strings, comments and brackets through one line, so that the
/// next line is known to start inside a multi-line string or array. Works
/// on bytes: every delimiter is ASCII, and the line may be anything.
fn scan_line(line: &str, open: &mut Open, depth: &mut usize) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if let Open::String(delimiter) = *open {
            match rest.windows(3).position(|w| w == delimiter.as_bytes()) {
                Some(at) => {
                    i += at + 3;
                    *open = Open::Nothing;
                    continue;
                }
                None => return,
            }
        }
        match bytes[i] {
            b'#' => return,
            b'"' if rest.starts_with(b"\"\"\"") => {
                *open = Open::String("\"\"\"");
                i += 3;
            }
            b'\'' if rest.starts_with(b"'''") => {
                *open = Open::String("'''");
                i += 3;
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if quote == b'"' && bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'[' | b'{' => {
                *depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                *depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Converts a TOML parse or shape error into a diagnostic. `toml` is where
/// the TOML text lies inside `text` (the whole file), so that line numbers
/// match the file the maintainer edits.
pub fn toml_error(file: &Path, text: &str, toml: Range<usize>, error: &toml::de::Error, keys: &Keys) -> Diagnostic {
    let layout = Layout::read(&text[toml.clone()]);
    if let Some(diag) = misplaced(file, text, toml.start, &layout, error, keys) {
        return diag;
    }
    let message = error.message().trim_end();
    let mut diag = Diagnostic::error(first_sentence(message));
    let offset = toml.start;
    if let Some(span) = error.span() {
        diag = diag.at(Location::from_span(file, text, offset + span.start..offset + span.end));
    } else {
        diag = diag.at(Location::from_span(
            file,
            text,
            offset.saturating_sub(4)..offset.saturating_sub(1),
        ));
    }
    if let Some(unknown) = unknown_field(message) {
        let table = error.span().and_then(|s| layout.table_at(s.start)).map(|t| t.0);
        let mut hint = unknown_key_hint(unknown, table, keys);
        if table.is_some() && hint.is_none() {
            // Perhaps a top-level key, misspelt and below a table header.
            let close = did_you_mean(unknown, keys.top.iter().copied().filter(|k| *k != unknown));
            if let (Some(close), Some(first)) = (close, layout.headers().next()) {
                hint = Some(format!(
                    "did you mean `{close}`? It is a top-level key: {}",
                    move_above(file, text, offset, first.2.clone())
                ));
            }
        }
        diag = diag.hint(hint.unwrap_or_else(|| no_such_key_hint(unknown, keys)));
    } else if let Some(key) = missing_field(message) {
        diag = diag.hint(format!("add the key with a value, e.g. {key} = \"...\""));
    } else if message.starts_with("invalid basic string, expected `\"`")
        || message.starts_with("invalid literal string, expected `'`")
    {
        diag = diag.hint("close the string on the same line; text of several lines goes between \"\"\" and \"\"\"");
    }
    diag
}

/// The hint for a key the table it is written in does not take: the
/// table that has it, or a close key of this table.
fn unknown_key_hint(unknown: &str, table: Option<&str>, keys: &Keys) -> Option<String> {
    let here = match table {
        None => keys.top,
        Some(name) => keys.of_table(name).flatten().unwrap_or(&[]),
    };
    let elsewhere = keys
        .tables
        .iter()
        .find(|(name, keys)| Some(*name) != table && keys.is_some_and(|k| k.contains(&unknown)));
    if let Some((name, _)) = elsewhere {
        return Some(format!(
            "`{unknown}` is a key of the `[{name}]` table: move it below that table's header"
        ));
    }
    // Never the very name that was written.
    did_you_mean(unknown, here.iter().copied().filter(|k| *k != unknown))
        .map(|known| format!("did you mean `{known}`?"))
}

/// The hint for a key no table of the file has, nor any close to it.
fn no_such_key_hint(unknown: &str, keys: &Keys) -> String {
    if keys.has_open_table("extra") {
        format!("remove `{unknown}`, or put it under [extra] if templates need it")
    } else {
        format!("remove `{unknown}`; annals reads only the keys the message lists")
    }
}

/// A top-level key written inside a table, as what `error` reports: a
/// key the table does not take, a value of the wrong type for a table that
/// takes any key, a key the table already has, or a required key missing
/// from the top level because it sits in a table.
fn misplaced(
    file: &Path,
    text: &str,
    offset: usize,
    layout: &Layout,
    error: &toml::de::Error,
    keys: &Keys,
) -> Option<Diagnostic> {
    let message = error.message();
    let (key, start) = if let Some(key) = unknown_field(message) {
        (key, error.span()?.start)
    } else if let Some(key) = missing_field(message) {
        if layout.top_level_has(key) {
            return None;
        }
        let (start, _) = layout.in_tables(key).find(|(_, table)| {
            keys.of_table(table)
                .is_some_and(|k| k.is_none_or(|k| !k.contains(&key)))
        })?;
        (key, start)
    } else if message.starts_with("invalid type") {
        let (key, start) = layout.key_at(error.span()?.start)?;
        let (name, _, _) = layout.table_at(start)?;
        if !keys.has_open_table(name) {
            return None;
        }
        (key, start)
    } else if message.starts_with("duplicate key") {
        let (key, start) = layout.key_at(error.span()?.start)?;
        if layout.top_level_has(key) {
            return None;
        }
        (key, start)
    } else {
        return None;
    };
    if !keys.top.contains(&key) {
        return None;
    }
    let (_, table, _) = layout.table_at(start)?;
    let first = layout.headers().next()?.2.clone();
    let shown = format!("`{key}` is inside the `{table}` table, but it is a top-level key");
    Some(
        Diagnostic::error(shown)
            .at(Location::from_span(
                file,
                text,
                offset + start..offset + start + key.len(),
            ))
            .hint(move_above(file, text, offset, first)),
    )
}

/// The hint for a top-level key written inside a table.
fn move_above(file: &Path, text: &str, offset: usize, first_header: Range<usize>) -> String {
    let header = Location::from_span(file, text, offset + first_header.start..offset + first_header.end);
    format!(
        "move it above the first table header (`{}`, line {}): in TOML every key after a `[table]` header belongs to that table",
        &text[offset + first_header.start..offset + first_header.end],
        header.line
    )
}

/// The top-level keys of `keys` written inside the table `table` of the
/// TOML text at `toml` in `text`, each as a warning that says `why` it
/// matters (`why` receives the key): front matter's `[extra]` takes any key,
/// so a `date` there is no error, yet the document has no date.
pub fn top_level_keys_in_table(
    file: &Path,
    text: &str,
    toml: Range<usize>,
    table: &str,
    wanted: impl Fn(&str) -> bool,
    why: impl Fn(&str) -> String,
) -> Vec<Diagnostic> {
    let layout = Layout::read(&text[toml.clone()]);
    let Some(first) = layout.headers().next().map(|h| h.2.clone()) else {
        return Vec::new();
    };
    let mut current: Option<&str> = None;
    let mut found = Vec::new();
    for entry in &layout.entries {
        match entry {
            Entry::Header { name, .. } => current = Some(name),
            Entry::Key { key, start } if current == Some(table) && wanted(key) => {
                let at = toml.start + start;
                found.push(
                    Diagnostic::warning(format!("`{key}` is inside the `[{table}]` table, {}", why(key)))
                        .at(Location::from_span(file, text, at..at + key.len()))
                        .hint(move_above(file, text, toml.start, first.clone())),
                );
            }
            Entry::Key { .. } => {}
        }
    }
    found
}

/// A top-level key that a table in front matter took as one of its own:
/// the diagnostic for it, when `key_start` (in `text`) lies in a table of
/// the TOML text that starts at `toml_start`.
pub fn key_in_table(file: &Path, text: &str, toml_start: usize, key: &str, key_start: usize) -> Option<Diagnostic> {
    let layout = Layout::read(&text[toml_start..key_start]);
    let (_, table, _) = layout.table_at(key_start - toml_start)?;
    let first = layout.headers().next()?.2.clone();
    Some(
        Diagnostic::error(format!(
            "`{key}` is inside the `{table}` table, but it is a top-level key"
        ))
        .at(Location::from_span(file, text, key_start..key_start + key.len()))
        .hint(move_above(file, text, toml_start, first)),
    )
}

fn first_sentence(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_string()
}

fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: Keys = Keys {
        top: &["title", "base_url", "output_dir", "taxonomies", "links", "related"],
        tables: &[
            ("taxonomies", Some(&["name", "title"])),
            ("links", Some(&["detect_mentions"])),
            ("related", Some(&["count", "time"])),
        ],
    };

    #[test]
    fn layout_finds_headers_and_keys_outside_strings_and_arrays() {
        let toml = "title = \"\"\"\n[not a header]\nname = 1\n\"\"\"\nlist = [\n  [1],\n]\n# [comment]\n  [[ taxonomies . a ]] # c\nname = 'x'\n\"quoted\" = 2\n";
        let layout = Layout::read(toml);
        let shown: Vec<String> = layout
            .entries
            .iter()
            .map(|e| match e {
                Entry::Header { name, written, span } => format!("{name}|{written}|{}", &toml[span.clone()]),
                Entry::Key { key, start } => format!("{key}@{start}"),
            })
            .collect();
        let header = toml.find("[[").unwrap();
        assert_eq!(
            shown,
            [
                "title@0".to_string(),
                "list@40".to_string(),
                "taxonomies.a|[[ taxonomies . a ]]|[[ taxonomies . a ]]".to_string(),
                format!("name@{}", header + 25),
            ]
        );
        assert_eq!(
            layout.table_at(header).map(|t| t.0),
            None,
            "a header line is not inside its table"
        );
        assert_eq!(layout.table_at(header + 25).map(|t| t.0), Some("taxonomies.a"));
        assert!(layout.top_level_has("list") && !layout.top_level_has("name"));
    }

    proptest::proptest! {
        #[test]
        fn reading_any_text_stays_on_char_boundaries(text in "[ a=\\[\\]{}\"'#.\n\\\\二é]{0,60}") {
            let layout = Layout::read(&text);
            for entry in &layout.entries {
                let start = match entry {
                    Entry::Header { span, .. } => span.start,
                    Entry::Key { start, .. } => *start,
                };
                proptest::prop_assert!(text.is_char_boundary(start));
            }
            if let Err(e) = toml::from_str::<toml::Table>(&text) {
                let _ = toml_error(Path::new("x.toml"), &text, 0..text.len(), &e, &CONFIG);
            }
        }
    }

    fn error_of(toml: &str) -> Diagnostic {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Config {
            title: String,
            output_dir: Option<String>,
            #[serde(default)]
            taxonomies: Vec<Taxonomy>,
            #[serde(default)]
            links: Option<Links>,
            #[serde(default)]
            related: Option<Related>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Taxonomy {
            name: String,
            title: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Links {
            detect_mentions: bool,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Related {
            count: usize,
        }
        let e = toml::from_str::<Config>(toml).unwrap_err();
        toml_error(Path::new("config.toml"), toml, 0..toml.len(), &e, &CONFIG)
    }

    #[test]
    fn a_top_level_key_after_a_table_says_where_it_belongs() {
        let d = error_of("title = \"A\"\n[[taxonomies]]\nname = \"t\"\ntitle = \"T\"\noutput_dir = \"x\"\n");
        assert_eq!(
            d.message,
            "`output_dir` is inside the `[[taxonomies]]` table, but it is a top-level key"
        );
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column, l.width)),
            Some((5, 1, 10))
        );
        let hint = d.hint.unwrap();
        assert!(
            hint.starts_with("move it above the first table header (`[[taxonomies]]`, line 2)"),
            "{hint}"
        );
        assert!(!hint.contains("did you mean"), "{hint}");
    }

    #[test]
    fn a_required_key_that_a_table_took_is_found_there() {
        // The taxonomy has its title: the second one is a duplicate.
        let d = error_of("[[taxonomies]]\nname = \"t\"\ntitle = \"T\"\ntitle = \"Archive\"\n");
        assert_eq!(
            d.message,
            "`title` is inside the `[[taxonomies]]` table, but it is a top-level key"
        );
        assert_eq!(d.location.unwrap().line, 4);
        // With a top-level title, a duplicate is only a duplicate.
        let d = error_of("title = \"A\"\n[[taxonomies]]\nname = \"t\"\ntitle = \"T\"\ntitle = \"B\"\n");
        assert!(d.message.starts_with("duplicate key"), "{}", d.message);
    }

    #[test]
    fn a_misspelt_top_level_key_after_a_table_is_suggested_with_where_it_goes() {
        let d = error_of("title = \"A\"\n[[taxonomies]]\nname = \"t\"\ntitle = \"T\"\noutpt_dir = \"x\"\n");
        assert_eq!(
            d.hint.as_deref(),
            Some(
                "did you mean `output_dir`? It is a top-level key: move it above the first table header (`[[taxonomies]]`, line 2): in TOML every key after a `[table]` header belongs to that table"
            )
        );
    }

    #[test]
    fn a_key_of_another_table_names_that_table() {
        let d = error_of("title = \"A\"\n[links]\ncount = 3\n");
        assert_eq!(
            d.hint.as_deref(),
            Some("`count` is a key of the `[related]` table: move it below that table's header")
        );
        let d = error_of("title = \"A\"\n[links]\ndetect_mentions = true\n[related]\ncont = 3\n");
        assert_eq!(d.hint.as_deref(), Some("did you mean `count`?"));
    }

    #[test]
    fn never_suggests_the_name_that_was_written() {
        let keys = Keys {
            top: &["title"],
            tables: &[("a", Some(&["name", "names"]))],
        };
        assert_eq!(
            unknown_key_hint("name", Some("a"), &keys).as_deref(),
            Some("did you mean `names`?")
        );
        assert_eq!(
            unknown_key_hint("nme", Some("a"), &keys).as_deref(),
            Some("did you mean `name`?")
        );
    }
}
