//! `annals new`: a content file drafted from a seed.
//!
//! [`new_document`] finds the seed inside `seeds/`, chooses the slug,
//! reads the archive's vocabulary and writes `content/<slug>.md`: front
//! matter with a guessed title and date (and the original title, when a
//! Chinese first line comes before an English title), terms of the archive
//! that the text names, and every other key commented out with what it is
//! for. Guessing is done by the pure functions [`guess_title`],
//! [`guess_bilingual_titles`], [`super::dates`] and
//! [`super::terms`]; [`Draft::render`] writes the file's text. The draft is a
//! starting point for a curator, not a finished record: it never invents a
//! value it cannot see in the text, and it never overwrites a file.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::config::{Config, Overrides};
use crate::content::date::PartialDate;
use crate::content::slug::is_valid_slug;
use crate::content::{self, CONTENT_DIR, SEEDS_DIR};
use crate::diag::{Diagnostic, Location, did_you_mean};

use super::dates;
use super::terms::{Suggestions, Vocabulary};

/// Titles longer than this many characters are shortened.
pub const MAX_TITLE_CHARS: usize = 100;

/// How many terms of a taxonomy a draft suggests; the text may name
/// others, which are listed in a comment.
const MAX_TERMS: usize = 6;

/// How many of the other dates of a text the draft lists.
const MAX_OTHER_DATES: usize = 8;

/// Why `annals new` wrote nothing.
#[derive(Debug)]
pub enum NewError {
    /// The command line is wrong: the seed, slug or encoding given.
    Usage(Diagnostic),
    /// The archive stands in the way: no config, the file exists...
    Archive(Vec<Diagnostic>),
}

/// What `annals new` wrote.
#[derive(Debug)]
pub struct Created {
    /// The content file, relative to the archive root.
    pub file: PathBuf,
    pub draft: Draft,
    pub warnings: Vec<Diagnostic>,
}

/// What to draft, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct NewOptions {
    /// The archive root (holds config.toml).
    pub root: PathBuf,
    /// The seed: absolute, from the current folder, or from the root.
    pub seed: PathBuf,
    /// Default: made from the seed's file name.
    pub slug: Option<String>,
    /// The seed's encoding, when it is not UTF-8 and has no byte order mark.
    pub encoding: Option<String>,
}

/// Drafts `content/<slug>.md` for a seed of the archive and writes it,
/// unless that file exists.
pub fn new_document(options: &NewOptions) -> Result<Created, NewError> {
    let root = options.root.as_path();
    let config = Config::load(root, &Overrides::default()).map_err(NewError::Archive)?;
    let seed = locate_seed(root, &options.seed).map_err(NewError::Usage)?;
    crate::files::confine(root, Path::new(&seed)).map_err(|d| NewError::Archive(vec![d]))?;
    let slug = match &options.slug {
        Some(s) => check_slug(s),
        None => slug_from_seed(&seed),
    }
    .map_err(NewError::Usage)?;
    let encoding = options
        .encoding
        .as_deref()
        .map(check_encoding)
        .transpose()
        .map_err(NewError::Usage)?;
    let file = Path::new(CONTENT_DIR).join(format!("{slug}.md"));
    let path = root.join(&file);
    if path.symlink_metadata().is_ok() {
        return Err(NewError::Archive(vec![already_exists(&file)]));
    }
    let text = read_seed(root, &seed, encoding.as_deref()).map_err(|d| NewError::Archive(vec![d]))?;
    let (vocabulary, warnings) = vocabulary(root, &config, &slug, &seed).map_err(|d| NewError::Archive(vec![d]))?;
    let mut draft = Draft::new(&slug, &seed, &text, &vocabulary).ok_or_else(|| {
        NewError::Archive(vec![
            Diagnostic::error(format!("seed `{seed}` has no text"))
                .hint("put the original text into the seed, then run annals new again"),
        ])
    })?;
    draft.encoding = encoding;
    super::write_new(&path, &draft.render()).map_err(|e| {
        NewError::Archive(vec![match e.kind() {
            std::io::ErrorKind::AlreadyExists => already_exists(&file),
            _ => Diagnostic::error(format!("cannot write {}: {e}", path.display())),
        }])
    })?;
    Ok(Created { file, draft, warnings })
}

fn already_exists(file: &Path) -> Diagnostic {
    Diagnostic::error(format!("{} already exists", file.display()))
        .at(Location::file_only(file))
        .hint("annals new never overwrites a file: choose another slug with --slug, or edit that file")
}

/// The vocabulary of the archive's documents, checking that no document
/// has `slug` yet. An archive whose documents do not load gives an empty
/// vocabulary and a warning: the draft can still be written.
fn vocabulary(
    root: &Path,
    config: &Config,
    slug: &str,
    seed: &str,
) -> Result<(Vocabulary, Vec<Diagnostic>), Diagnostic> {
    let documents = match content::load(root, config, true) {
        Ok(documents) => documents,
        Err(errors) => {
            let n = errors.iter().filter(|d| d.is_error()).count();
            let warning = Diagnostic::warning(format!(
                "the archive's documents have {n} error{}, so no terms are suggested",
                if n == 1 { "" } else { "s" }
            ))
            .hint("run annals build to see them");
            return Ok((Vocabulary::new(config, &[]), vec![warning]));
        }
    };
    if let Some(doc) = documents.iter().find(|d| d.slug == slug) {
        return Err(Diagnostic::error(format!("a document already has the slug `{slug}`"))
            .at(Location::file_only(&doc.file))
            .hint("choose another slug with --slug"));
    }
    let warnings = documents
        .iter()
        .filter(|d| d.seed.as_deref() == Some(Path::new(seed)))
        .map(|d| {
            Diagnostic::warning(format!("{} already has the seed `{seed}`", d.file.display()))
                .hint("two documents may share a seed, but check that this one is not a duplicate")
        })
        .collect();
    Ok((Vocabulary::new(config, &documents), warnings))
}

/// The seed's path from the archive root (`seeds/x.txt`, with `/`), for a
/// path given on the command line: absolute, relative to the current
/// folder, or relative to the archive root. It must name a `.txt` or `.md`
/// file inside the archive's `seeds/` folder.
pub fn locate_seed(root: &Path, given: &Path) -> Result<String, Diagnostic> {
    let seeds = root.join(SEEDS_DIR).canonicalize().map_err(|_| {
        Diagnostic::error(format!("no `{SEEDS_DIR}` folder in {}", root.display())).hint(format!(
            "create it, put the original text in it, and run annals new {SEEDS_DIR}/<file>"
        ))
    })?;
    let candidates = if given.is_absolute() {
        vec![given.to_path_buf()]
    } else {
        vec![given.to_path_buf(), root.join(given)]
    };
    let mut missing_inside = None;
    let mut outside = false;
    for candidate in &candidates {
        match (relative_to(&seeds, candidate), candidate.symlink_metadata().is_ok()) {
            (Some(rel), true) if candidate.is_file() => return seed_name(&rel),
            (Some(_), true) => {
                return Err(Diagnostic::error(format!(
                    "{} is a folder, not a seed",
                    given.display()
                )));
            }
            (Some(rel), false) => missing_inside = missing_inside.or(Some(rel)),
            (None, exists) => outside |= exists,
        }
    }
    if outside {
        return Err(Diagnostic::error(format!(
            "{} is not inside the archive's seeds folder, {}",
            given.display(),
            root.join(SEEDS_DIR).display()
        ))
        .hint(format!(
            "copy the original text into {SEEDS_DIR}/ unchanged, then run annals new {SEEDS_DIR}/<file>"
        )));
    }
    let Some(rel) = missing_inside else {
        return Err(Diagnostic::error(format!("no such file: {}", given.display()))
            .hint(format!("give the seed's path, e.g. {SEEDS_DIR}/plan.txt")));
    };
    let name = seed_name(&rel).unwrap_or_else(|_| rel.display().to_string());
    let hint = match close_seed(&seeds, &rel) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("put the original text in {SEEDS_DIR}/ first"),
    };
    Err(Diagnostic::error(format!("no seed `{name}` in this archive")).hint(hint))
}

/// `path`'s place inside `seeds` (a canonical folder), if it has one. Only
/// the folder is resolved, so `..` and symbolic links to the archive count.
fn relative_to(seeds: &Path, path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let rel = parent.canonicalize().ok()?.strip_prefix(seeds).ok()?.join(name);
    Some(rel)
}

/// `seeds/<rel>`, with `/` between folders, if it is a seed's name.
fn seed_name(rel: &Path) -> Result<String, Diagnostic> {
    let mut parts = vec![SEEDS_DIR];
    for c in rel.components() {
        match c {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(|| {
                Diagnostic::error(format!("the seed's path {} is not valid UTF-8", rel.display()))
                    .hint("rename the file")
            })?),
            _ => return Err(Diagnostic::error(format!("{} is not a seed's path", rel.display()))),
        }
    }
    let name = parts.join("/");
    match Path::new(&name).extension().and_then(|e| e.to_str()) {
        Some("txt" | "md" | "markdown") => Ok(name),
        _ => Err(Diagnostic::error(format!("seed `{name}` is neither .txt nor .md"))
            .hint("plain text seeds end in .txt, markdown seeds in .md: rename the file")),
    }
}

fn close_seed(seeds: &Path, rel: &Path) -> Option<String> {
    let wanted = rel.file_name()?.to_str()?;
    let folder = seeds.join(rel.parent()?);
    let names: Vec<String> = std::fs::read_dir(&folder)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let close = did_you_mean(wanted, names.iter().map(String::as_str))?;
    seed_name(&rel.with_file_name(close)).ok()
}

/// The seed's text, decoded as the loader decodes it: by its byte order
/// mark, else as `encoding` says, else as UTF-8.
fn read_seed(root: &Path, seed: &str, encoding: Option<&str>) -> Result<String, Diagnostic> {
    let (bytes, _) = crate::files::read_regular(&root.join(seed)).map_err(|e| {
        Diagnostic::error(format!("cannot read `{seed}`: {e}"))
            .hint("give a seed that is a plain text or markdown file")
    })?;
    let text = content::encoding::decode(&bytes, encoding).map_err(|e| {
        let hint = match (encoding, e.likely_encoding()) {
            (_, Some(label)) => format!("give its encoding, --encoding {label}, or convert it to UTF-8"),
            (Some(_), None) => "check the encoding given with --encoding, or convert the seed to UTF-8".to_string(),
            (None, None) => {
                "if the seed is in another encoding, give it, e.g. --encoding gb18030; or convert it to UTF-8"
                    .to_string()
            }
        };
        Diagnostic::error(format!("seed `{seed}` has {e}")).hint(hint)
    })?;
    // Control characters are left out, as the build leaves them out of pages.
    let strays = content::encoding::strays(&text);
    Ok(content::encoding::without(&text, &strays))
}

/// The encoding given with `--encoding`, if the Encoding Standard knows it.
pub fn check_encoding(label: &str) -> Result<String, Diagnostic> {
    match content::encoding::by_label(label) {
        Some(_) => Ok(label.trim().to_ascii_lowercase()),
        None => Err(Diagnostic::error(format!("unknown encoding `{label}`"))
            .hint("give a label of the WHATWG Encoding Standard, e.g. gb18030, gbk, big5, shift_jis")),
    }
}

/// The slug given with `--slug`, if it is one.
pub fn check_slug(slug: &str) -> Result<String, Diagnostic> {
    if is_valid_slug(slug) {
        return Ok(slug.to_string());
    }
    let hint = match slug_from_name(slug) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "use lowercase ASCII letters, digits and single hyphens, e.g. 14th-fyp-informatization".to_string(),
    };
    Err(Diagnostic::error(format!("`{slug}` is not a valid slug")).hint(hint))
}

/// The slug made from the seed's file name: `seeds/Plan_2021.txt` becomes
/// `plan-2021`.
pub fn slug_from_seed(seed: &str) -> Result<String, Diagnostic> {
    let stem = Path::new(seed).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    slug_from_name(stem).ok_or_else(|| {
        Diagnostic::error(format!("cannot make a slug from the file name `{stem}`")).hint(
            "give one with --slug, e.g. --slug 14th-fyp-informatization (lowercase ASCII letters, digits and single hyphens)",
        )
    })
}

/// Lowercases ASCII letters, drops apostrophes and turns every other run of
/// characters into one hyphen. A name with other than ASCII characters has
/// no slug: dropping its letters would lose what it says.
fn slug_from_name(name: &str) -> Option<String> {
    if !name.is_ascii() {
        return None;
    }
    let mut slug = String::with_capacity(name.len());
    let mut hyphen = false;
    for c in name.chars().filter(|&c| c != '\'') {
        if c.is_ascii_alphanumeric() {
            if hyphen && !slug.is_empty() {
                slug.push('-');
            }
            hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            hyphen = true;
        }
    }
    is_valid_slug(&slug).then_some(slug)
}

/// A title guessed from a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    pub text: String,
    /// Whether the line was too long and `text` is its beginning.
    pub shortened: bool,
    /// 1-based line of the seed.
    pub line: usize,
    /// The line's bytes in the seed.
    pub range: std::ops::Range<usize>,
}

/// The seed's first line with text, white space folded; a markdown
/// heading's `#` marks are dropped. When that line reads as a sentence
/// (ends with a full stop, `!` or `?`), as a web page's banner does, the
/// first of the next few lines that reads as a title (short, no full stop
/// at the end: the rule the seed parser uses) is taken instead, if there is
/// one. A line longer than [`MAX_TITLE_CHARS`] is cut at a word boundary
/// and ends with `…`.
pub fn guess_title(text: &str, markdown: bool) -> Option<Title> {
    let lines: Vec<_> = lines_with_text(text, markdown).take(TITLE_LINES).collect();
    let sentence = |words: &str| words.ends_with(['.', '!', '?', '。', '！', '？']);
    let titlelike = |words: &str| !sentence(words) && words.chars().count() <= MAX_TITLE_CHARS;
    let (line, range, words) = match lines.first() {
        Some((_, _, first)) if sentence(first) => lines.iter().find(|(_, _, w)| titlelike(w)).or(lines.first()),
        first => first,
    }?;
    let (text, shortened) = shorten(words, MAX_TITLE_CHARS);
    Some(Title {
        text,
        shortened,
        line: *line,
        range: range.clone(),
    })
}

/// The English title and the Chinese original title of a seed that opens
/// with a line in Chinese followed, within the next few lines, by a line
/// that reads as a title in English (Latin letters, no Chinese): as a
/// translation often opens. `None` for any other seed.
pub fn guess_bilingual_titles(text: &str, markdown: bool) -> Option<(Title, Title)> {
    let lines: Vec<_> = lines_with_text(text, markdown).take(TITLE_LINES).collect();
    let (first, rest) = lines.split_first()?;
    if !is_chinese_line(&first.2) {
        return None;
    }
    let english = rest.iter().find(|(_, _, w)| {
        !w.ends_with(['.', '!', '?'])
            && w.chars().count() <= MAX_TITLE_CHARS
            && w.chars().any(|c| c.is_ascii_alphabetic())
            && !w.chars().any(crate::render::text::is_chinese)
    })?;
    let title = |(line, range, words): &(usize, std::ops::Range<usize>, String)| {
        let (text, shortened) = shorten(words, MAX_TITLE_CHARS);
        Title {
            text,
            shortened,
            line: *line,
            range: range.clone(),
        }
    };
    Some((title(english), title(first)))
}

/// Whether a line is written in Chinese: more Chinese characters than
/// Latin letters, and at least two.
fn is_chinese_line(words: &str) -> bool {
    let chinese = words
        .chars()
        .filter(|&c| crate::render::text::is_chinese(c) && c.is_alphabetic())
        .count();
    let latin = words.chars().filter(char::is_ascii_alphabetic).count();
    chinese >= 2 && chinese > latin
}

/// How many lines with text [`guess_title`] looks at.
const TITLE_LINES: usize = 5;

/// The lines of `text` that have text: 1-based number, bytes, and the
/// words with white space folded (and, for markdown, `#` marks dropped).
fn lines_with_text(text: &str, markdown: bool) -> impl Iterator<Item = (usize, std::ops::Range<usize>, String)> {
    let mut start = 0;
    text.split_inclusive('\n').enumerate().filter_map(move |(i, line)| {
        let range = start..start + line.len();
        start = range.end;
        let mut words = line.trim();
        if markdown {
            words = words.trim_start_matches('#').trim();
        }
        let folded = content::seed::fold_whitespace(words).replace('\u{a0}', " ");
        (!folded.is_empty()).then_some((i + 1, range, folded))
    })
}

/// `title` if it has at most `max` characters; otherwise its beginning, cut
/// at the last space or Chinese punctuation in the second half (anywhere,
/// for text without either), followed by `…`.
fn shorten(title: &str, max: usize) -> (String, bool) {
    let Some((cut, _)) = title.char_indices().nth(max) else {
        return (title.to_string(), false);
    };
    let head = &title[..cut];
    let breaks = head
        .char_indices()
        .enumerate()
        .filter(|&(n, (_, c))| n >= max / 2 && (c == ' ' || "，、；：。".contains(c)))
        .map(|(_, (i, _))| i);
    let kept = &head[..breaks.last().unwrap_or(head.len())];
    let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—|，、；：".contains(c));
    (format!("{kept}…"), true)
}

/// A date as the seed writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateSeen {
    pub date: PartialDate,
    /// The words of the seed, e.g. `28 December 2021`.
    pub written: String,
    /// 1-based line of the seed.
    pub line: usize,
}

/// What `annals new` guessed for a document: everything its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub slug: String,
    /// `seeds/...`, as front matter writes it.
    pub seed: String,
    /// The seed's encoding, when given.
    pub encoding: Option<String>,
    pub title: Title,
    /// The title in Chinese, when the seed opens with it before an English
    /// title; then the original language is Chinese.
    pub original_title: Option<Title>,
    /// The date most likely the document's.
    pub date: Option<DateSeen>,
    /// Every other date of the text, once each, in order.
    pub other_dates: Vec<DateSeen>,
    /// For each taxonomy of the config, the archive's terms the text names.
    pub terms: Vec<Suggestions>,
}

impl Draft {
    /// Guesses from the seed's `text`; `None` when the seed has no text.
    pub fn new(slug: &str, seed: &str, text: &str, vocabulary: &Vocabulary) -> Option<Draft> {
        let markdown = !seed.ends_with(".txt");
        let (title, original_title) = match guess_bilingual_titles(text, markdown) {
            Some((english, chinese)) => (english, Some(chinese)),
            None => (guess_title(text, markdown)?, None),
        };
        let found = dates::find(text);
        let chosen = dates::most_plausible(text, &found);
        let seen = |f: &dates::FoundDate| DateSeen {
            date: f.date,
            written: text[f.range.clone()].to_string(),
            line: text[..f.range.start].matches('\n').count() + 1,
        };
        let date = chosen.map(|i| seen(&found[i]));
        let mut other_dates: Vec<DateSeen> = Vec::new();
        for f in &found {
            let known = other_dates.iter().map(|d| d.date).chain(date.as_ref().map(|d| d.date));
            if !known.into_iter().any(|d| d == f.date) {
                other_dates.push(seen(f));
            }
        }
        Some(Draft {
            slug: slug.to_string(),
            seed: seed.to_string(),
            encoding: None,
            terms: vocabulary.suggest(text, title.range.clone()),
            title,
            original_title,
            date,
            other_dates,
        })
    }

    /// The content file: front matter that loads as it is, with every key
    /// the draft could not fill commented out and explained, and no body.
    pub fn render(&self) -> String {
        let mut out = String::from("+++\n");
        out.push_str(
            "# Drafted by `annals new` from the seed's text: check every value. Uncomment\n\
             # the keys you need; the notes say what each is for. After the closing +++,\n\
             # you may write a curator's note in markdown.\n",
        );
        let title_note = match (self.title.shortened, self.title.line) {
            (false, 1) => "the seed's first line".to_string(),
            (false, n) => format!("line {n} of the seed"),
            (true, n) => format!("line {n} of the seed, shortened"),
        };
        out.push_str(&note(
            &format!("title = {}", super::toml_string(&self.title.text)),
            &title_note,
        ));
        if let Some(original) = &self.original_title {
            let line = match original.line {
                1 => "the seed's first line".to_string(),
                n => format!("line {n} of the seed"),
            };
            out.push_str(&note(
                &format!("original_title = {}", super::toml_string(&original.text)),
                &line,
            ));
            out.push_str(&note("original_language = \"zh\"", "the original title is Chinese"));
        }
        self.render_dates(&mut out);
        out.push_str(&format!("seed = {}\n", super::toml_string(&self.seed)));
        match &self.encoding {
            Some(label) => out.push_str(&note(
                &format!("encoding = {}", super::toml_string(label)),
                "the seed's encoding",
            )),
            None => out.push_str(&note(
                "# encoding = \"\"",
                "the seed's encoding if not UTF-8 and without a byte order mark, e.g. \"gb18030\"",
            )),
        }
        out.push('\n');
        for (key, value, what) in OPTIONAL_KEYS {
            let set = self.original_title.is_some() && matches!(*key, "original_title" | "original_language");
            if !set {
                out.push_str(&note(&format!("# {key} = {value}"), what));
            }
        }
        out.push_str(&note(
            &format!("# slug = {}", super::toml_string(&self.slug)),
            "URL segment; the file name is the default",
        ));
        self.render_terms(&mut out);
        out.push('\n');
        out.push_str(&note(
            "# [extra]",
            "any other keys, for templates as doc.extra, e.g. editors = [\"...\"]",
        ));
        out.push_str("+++\n");
        out
    }

    fn render_dates(&self, out: &mut String) {
        match &self.date {
            Some(d) => {
                let value = match d.date.day {
                    Some(_) => d.date.iso(),
                    None => super::toml_string(&d.date.iso()),
                };
                out.push_str(&note(
                    &format!("date = {value}"),
                    &format!("written \"{}\", line {} of the seed", d.written, d.line),
                ));
            }
            None => out.push_str(&note(
                "# date = 2021-12-28",
                "no date found in the text; \"2021-12\" or \"2021\" when only the month or year is known",
            )),
        }
        if self.other_dates.is_empty() {
            return;
        }
        out.push_str("# Other dates in the text:\n");
        for d in self.other_dates.iter().take(MAX_OTHER_DATES) {
            let _ = writeln!(out, "#   {}  \"{}\", line {}", d.date.iso(), d.written, d.line);
        }
        if self.other_dates.len() > MAX_OTHER_DATES {
            let _ = writeln!(out, "#   and {} more", self.other_dates.len() - MAX_OTHER_DATES);
        }
    }

    fn render_terms(&self, out: &mut String) {
        out.push('\n');
        if self.terms.is_empty() {
            out.push_str(
                "# No taxonomies are declared in config.toml; add [[taxonomies]] there to classify documents.\n",
            );
            return;
        }
        out.push_str(
            "[taxonomies]\n\
             # Terms this archive already uses that the text names: in its title or more\n\
             # than once, most named first; the others in comments. Keep those that fit.\n",
        );
        for s in &self.terms {
            let likely = s.terms.iter().take_while(|t| t.is_likely()).take(MAX_TERMS).count();
            let (chosen, others) = s.terms.split_at(likely);
            let quoted: Vec<String> = chosen.iter().map(|t| super::toml_string(&t.term)).collect();
            if chosen.is_empty() {
                out.push_str(&note(
                    &format!("# {} = []", s.taxonomy),
                    &format!("{}: no term of the archive in the title or named twice", s.title),
                ));
            } else {
                out.push_str(&note(&format!("{} = [{}]", s.taxonomy, quoted.join(", ")), &s.title));
            }
            if !others.is_empty() {
                let named: Vec<String> = others
                    .iter()
                    .map(|t| match t.count {
                        1 => format!("{} (once)", super::toml_string(&t.term)),
                        n => format!("{} ({n} times)", super::toml_string(&t.term)),
                    })
                    .collect();
                let _ = writeln!(out, "#   also named: {}", named.join(", "));
            }
        }
    }
}

/// The optional keys a draft leaves commented out: key, placeholder, what
/// it is for.
const OPTIONAL_KEYS: &[(&str, &str, &str)] = &[
    (
        "summary",
        "\"\"",
        "one paragraph, under the title and in <meta name=\"description\">",
    ),
    (
        "source_url",
        "\"\"",
        "where the text was published (http:// or https://)",
    ),
    ("archived_url", "\"\"", "an archived copy (http:// or https://)"),
    ("original_title", "\"\"", "the title in the original language"),
    (
        "original_language",
        "\"\"",
        "language of the original (BCP 47, e.g. \"zh\")",
    ),
    ("authors", "[]", "authors or issuing body, as named"),
    ("translators", "[]", "translators, where named"),
    (
        "document_number",
        "\"\"",
        "the number its issuer gave it, for citations",
    ),
    (
        "cited_as",
        "[]",
        "names other documents use to cite this one, found in their texts",
    ),
    (
        "related",
        "[]",
        "slugs of related documents, listed first among the related",
    ),
    ("draft", "true", "left out of the build unless --drafts"),
];

/// `line`, then `# note`, with the notes of a block aligned.
fn note(line: &str, note: &str) -> String {
    format!("{line:<26}  # {note}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::frontmatter;

    #[test]
    fn slugs_from_file_names_are_plain_ascii() {
        assert_eq!(
            slug_from_seed("seeds/Plan_2021 (final).txt").unwrap(),
            "plan-2021-final"
        );
        assert_eq!(slug_from_seed("seeds/sub/People's Daily.md").unwrap(), "peoples-daily");
        assert_eq!(
            slug_from_seed("seeds/002_a31164652f5d1e44.txt").unwrap(),
            "002-a31164652f5d1e44"
        );
        for bad in ["seeds/平安中国.txt", "seeds/Réforme.txt", "seeds/___.txt"] {
            let d = slug_from_seed(bad).unwrap_err();
            assert!(d.hint.unwrap().contains("--slug"), "{bad}");
        }
        assert_eq!(check_slug("plan-2021").unwrap(), "plan-2021");
        let d = check_slug("Plan 2021").unwrap_err();
        assert_eq!(d.hint.as_deref(), Some("did you mean `plan-2021`?"));
    }

    #[test]
    fn the_title_is_the_first_line_with_text() {
        let t = guess_title("\n \u{a0}\n  Plan  for\u{a0}\u{a0}Quiet Streets \nText.\n", false).unwrap();
        assert_eq!(
            (t.text.as_str(), t.shortened, t.line),
            ("Plan for Quiet Streets", false, 3)
        );
        let t = guess_title("## A *markdown* title\n", true).unwrap();
        assert_eq!(t.text, "A *markdown* title");
        assert_eq!(guess_title(" \n\n", false), None);
    }

    #[test]
    fn a_first_line_that_reads_as_a_sentence_gives_way_to_a_title() {
        let text = "We are creating some events for you. Bear with us.\n\nChina’s Plan for Digital Economies\nText.\n";
        let t = guess_title(text, false).unwrap();
        assert_eq!((t.text.as_str(), t.line), ("China’s Plan for Digital Economies", 3));
        let t = guess_title("On July 28, a meeting was held.\nIt said things.\n", false).unwrap();
        assert_eq!(
            (t.text.as_str(), t.line),
            ("On July 28, a meeting was held.", 1),
            "no title-like line"
        );
    }

    #[test]
    fn a_chinese_first_line_before_an_english_title_is_the_original_title() {
        let text = "“十四五”国家信息化规划\n\n14th Five-Year Plan for National Informatization\n\nText.\n";
        let (english, chinese) = guess_bilingual_titles(text, false).unwrap();
        assert_eq!(english.text, "14th Five-Year Plan for National Informatization");
        assert_eq!((chinese.text.as_str(), chinese.line), ("“十四五”国家信息化规划", 1));
        assert_eq!(
            guess_bilingual_titles("A Plan\n\n国家规划\n", false),
            None,
            "English first"
        );
        assert_eq!(
            guess_bilingual_titles("国家规划\n\n第一章 总则\n", false),
            None,
            "no English title"
        );
        assert_eq!(
            guess_bilingual_titles("The 5G 规划 plan\nText\n", false),
            None,
            "mostly Latin"
        );
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let long = format!(
            "{} – and the rest of a very long first line",
            "Word ".repeat(19) + "Last"
        );
        let t = guess_title(&long, false).unwrap();
        assert!(t.shortened);
        assert_eq!(t.text, format!("{}Last…", "Word ".repeat(19)));
        assert!(t.text.chars().count() <= MAX_TITLE_CHARS + 1);
        let chinese = "关于加快推进新型工业化的意见，".repeat(10);
        let t = guess_title(&chinese, false).unwrap();
        assert!(t.text.ends_with("的意见…"), "{}", t.text);
        let unbroken = "x".repeat(150);
        assert_eq!(
            guess_title(&unbroken, false).unwrap().text,
            format!("{}…", "x".repeat(100))
        );
    }

    fn vocabulary() -> Vocabulary {
        Vocabulary::from_terms(vec![
            (
                "topics".into(),
                "Topics".into(),
                vec!["transport".into(), "noise".into(), "housing".into()],
            ),
            ("bodies".into(), "Issuing bodies".into(), vec![]),
        ])
    }

    const SEED: &str = "Plan for \"Quiet\" Streets and Transport\n\
                        Harbourside, 12 March 2024\n\n\
                        Transport is changing. Noise will fall by 2025-01-15.\n\
                        Adopted on 1 March 2024; reviewed in June 2025; 2024年3月12日.\n";

    #[test]
    fn renders_a_file_that_parses_as_front_matter() {
        let draft = Draft::new("quiet-streets", "seeds/quiet.txt", SEED, &vocabulary()).unwrap();
        let text = draft.render();
        let parts = frontmatter::split(&text).unwrap();
        let fm = frontmatter::parse(Path::new("content/quiet-streets.md"), &text, &parts).unwrap();
        assert_eq!(fm.title.get_ref(), "Plan for \"Quiet\" Streets and Transport");
        assert_eq!(fm.date.unwrap().into_inner().to_string(), "2024-03-12");
        assert_eq!(fm.seed.unwrap().into_inner(), "seeds/quiet.txt");
        let terms: Vec<(String, Vec<String>)> = fm
            .taxonomies
            .into_iter()
            .map(|(k, v)| (k.into_inner(), v.into_iter().map(|t| t.into_inner()).collect()))
            .collect();
        assert_eq!(terms, vec![("topics".to_string(), vec!["transport".to_string()])]);
        assert!(fm.summary.is_none() && !fm.draft && fm.extra.is_empty());
        assert!(text[parts.body].is_empty());
    }

    #[test]
    fn renders_every_key_dates_and_terms() {
        let draft = Draft::new("quiet-streets", "seeds/quiet.txt", SEED, &vocabulary()).unwrap();
        assert_eq!(
            draft.render(),
            r#"+++
# Drafted by `annals new` from the seed's text: check every value. Uncomment
# the keys you need; the notes say what each is for. After the closing +++,
# you may write a curator's note in markdown.
title = "Plan for \"Quiet\" Streets and Transport"  # the seed's first line
date = 2024-03-12           # written "12 March 2024", line 2 of the seed
# Other dates in the text:
#   2025-01-15  "2025-01-15", line 4
#   2024-03-01  "1 March 2024", line 5
#   2025-06  "June 2025", line 5
seed = "seeds/quiet.txt"
# encoding = ""             # the seed's encoding if not UTF-8 and without a byte order mark, e.g. "gb18030"

# summary = ""              # one paragraph, under the title and in <meta name="description">
# source_url = ""           # where the text was published (http:// or https://)
# archived_url = ""         # an archived copy (http:// or https://)
# original_title = ""       # the title in the original language
# original_language = ""    # language of the original (BCP 47, e.g. "zh")
# authors = []              # authors or issuing body, as named
# translators = []          # translators, where named
# document_number = ""      # the number its issuer gave it, for citations
# cited_as = []             # names other documents use to cite this one, found in their texts
# related = []              # slugs of related documents, listed first among the related
# draft = true              # left out of the build unless --drafts
# slug = "quiet-streets"    # URL segment; the file name is the default

[taxonomies]
# Terms this archive already uses that the text names: in its title or more
# than once, most named first; the others in comments. Keep those that fit.
topics = ["transport"]      # Topics
#   also named: "noise" (once)
# bodies = []               # Issuing bodies: no term of the archive in the title or named twice

# [extra]                   # any other keys, for templates as doc.extra, e.g. editors = ["..."]
+++
"#
        );
    }

    #[test]
    fn without_dates_or_taxonomies_the_keys_stay_commented() {
        let draft = Draft::new("a", "seeds/a.md", "# A\n\nNo date.\n", &Vocabulary::default()).unwrap();
        let text = draft.render();
        assert!(
            text.contains(
                "\n# date = 2021-12-28         # no date found in the text; \"2021-12\" or \"2021\" when only the month or year is known\n"
            ),
            "{text}"
        );
        assert!(!text.contains("Other dates"), "{text}");
        assert!(
            text.contains("\n# No taxonomies are declared in config.toml;"),
            "{text}"
        );
        assert!(!text.contains("\n[taxonomies]\n"), "{text}");
        let parts = frontmatter::split(&text).unwrap();
        let fm = frontmatter::parse(Path::new("a.md"), &text, &parts).unwrap();
        assert!(fm.date.is_none() && fm.taxonomies.is_empty());
    }

    #[test]
    fn suggests_at_most_a_few_terms_and_lists_the_others() {
        let terms: Vec<String> = (1..=8).map(|i| format!("term{i}")).collect();
        let vocabulary = Vocabulary::from_terms(vec![("topics".into(), "Topics".into(), terms)]);
        let text = "Title\n".to_string() + &(1..=8).map(|i| format!("term{i} ").repeat(10 - i)).collect::<String>();
        let rendered = Draft::new("a", "seeds/a.txt", &text, &vocabulary).unwrap().render();
        assert!(
            rendered.contains(
                "\ntopics = [\"term1\", \"term2\", \"term3\", \"term4\", \"term5\", \"term6\"]  # Topics\n\
                 #   also named: \"term7\" (3 times), \"term8\" (2 times)\n"
            ),
            "{rendered}"
        );
    }

    #[test]
    fn a_month_is_written_as_a_string() {
        let draft = Draft::new("a", "seeds/a.txt", "A\n2021年12月\n", &Vocabulary::default()).unwrap();
        assert!(draft.render().contains("\ndate = \"2021-12\" "), "{}", draft.render());
    }
}
