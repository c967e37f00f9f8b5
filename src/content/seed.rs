//! Seed text: the original plain text of a document, turned into blocks.
//!
//! Seeds are raw text copied from web pages and PDFs: one paragraph per line,
//! sometimes with blank lines between paragraphs, with the outline of the
//! document carried only by conventions ("I. ...", "(1) ...", "Box 1: ...",
//! "First, we will ...", a digest's "Page 3: ..." and "Other Stories:", a lead-in
//! ending with a colon before its items). [`parse`] recovers those
//! conventions as [`Block`]s with heading levels that nest correctly, lists,
//! captions and datelines, and gives every block a stable anchor. Lines
//! the front matter names as page furniture are read like the others, then
//! set apart as [`BlockKind::Furniture`] without moving any anchor.
//!
//! Two promises: no character of the seed is dropped (a block's text is its
//! line, trimmed, with runs of white space folded to one space), and anchors
//! depend only on the seed's text, so a citation to `#p-12` keeps working as
//! long as the seed is unchanged. Turning blocks into HTML is the renderer's
//! job; this module never produces markup.

/// What a block of seed text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// The text's own title line, at its top.
    Title,
    /// A section heading; `level` is the HTML heading level (2 to 6).
    Heading {
        level: u8,
    },
    Paragraph,
    /// One item of a list; consecutive items form one list.
    ListItem {
        ordered: bool,
    },
    /// A photo caption or a placeholder for an image.
    Caption,
    /// A date or publication line.
    Dateline,
    /// A line naming who said or wrote the text above it ("– Name, Title").
    Attribution,
    /// A bracketed note about the text, such as where it first appeared.
    Note,
    /// A line of the web page the seed was copied from, not of the document
    /// ("Send this to a friend"), as the front matter's `furniture` marks
    /// it. Kept, but shown apart, unnumbered and not searched.
    Furniture,
}

/// One block of a seed: a heading, a paragraph, a list item...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// The block's text: the source line, trimmed, white space folded.
    pub text: String,
    /// The fragment identifier, unique in the document (`p-12`, `sec-iv-2`).
    pub anchor: String,
    /// 1-based line of the seed the block comes from.
    pub line: usize,
}

/// How headings of each outline convention nest: a lower rank contains a
/// higher one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outline {
    /// "I. ..." roman sections.
    Roman(u32),
    /// "(1) ..." numbered sub-sections.
    Numbered(u32),
    /// "Box 1: ..." boxed projects.
    Boxed(u32),
    /// "First, we will ..." ordinal sections.
    Ordinal(u32),
    /// A digest's "Page 3:" section.
    Page(u32),
    /// A digest's other sections, such as "Other Stories:".
    DigestSection,
    /// A short title-like line standing alone between blank lines.
    Plain,
}

impl Outline {
    fn rank(self) -> u8 {
        match self {
            Outline::Roman(_) | Outline::Ordinal(_) | Outline::Page(_) | Outline::DigestSection | Outline::Plain => 0,
            Outline::Numbered(_) => 1,
            Outline::Boxed(_) => 2,
        }
    }
}

/// What one non-empty line is, before anchors and levels are assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Title,
    Heading(Outline),
    /// A "Page N:" line: a heading plus, usually, a paragraph on the same line.
    PageSection(u32, usize),
    Paragraph,
    Item {
        ordered: bool,
    },
    Caption,
    Dateline,
    Attribution,
    Note,
    /// A line of page furniture; `numbered` when the line, read as text,
    /// would have had a paragraph number.
    Furniture {
        numbered: bool,
    },
}

/// Parses seed text into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    parse_with_furniture(text, &[]).0
}

/// Parses seed text into blocks, marking as furniture every line that
/// reads as one of `furniture` (white space folded as in blocks). Also
/// says, for each entry of `furniture`, whether any line matched it.
///
/// Furniture lines are read like any other first (so that marking one
/// changes nothing about how the others are read) and then set apart:
/// each keeps the place its paragraph number would have had, so the
/// anchors of the document's own paragraphs never move because a line
/// was marked, and gets the anchor `furniture-N` instead.
pub fn parse_with_furniture(text: &str, furniture: &[String]) -> (Vec<Block>, Vec<bool>) {
    let lines = source_lines(text);
    let blank_separated = lines.windows(2).any(|w| w[1].number > w[0].number + 1);
    let wanted: Vec<String> = furniture.iter().map(|f| fold_whitespace(f)).collect();
    let mut matched = vec![false; furniture.len()];
    let is_furniture: Vec<bool> = lines
        .iter()
        .map(|line| {
            let mut any = false;
            for (i, w) in wanted.iter().enumerate() {
                if *w == line.text {
                    matched[i] = true;
                    any = true;
                }
            }
            any
        })
        .collect();
    let kinds = classify_all(&lines, blank_separated, &is_furniture);
    (Assembler::default().run(&lines, &kinds), matched)
}

struct SourceLine {
    number: usize,
    text: String,
}

/// The non-empty lines of `text`, trimmed and with white space folded.
fn source_lines(text: &str) -> Vec<SourceLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised;
    let text = if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        &normalised
    } else {
        text
    };
    let mut lines = Vec::new();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for (i, end) in ends.enumerate() {
        let folded = fold_whitespace(&text[start..end]);
        if !folded.is_empty() {
            lines.push(SourceLine {
                number: i + 1,
                text: folded,
            });
        }
        start = end + 1;
    }
    lines
}

/// Trims a line and folds every run of white-space characters into one
/// space, except that a lone space or non-breaking space stays as it is
/// (a non-breaking space between words may be meant).
pub fn fold_whitespace(line: &str) -> String {
    let line = line.trim();
    let bytes = line.as_bytes();
    if !may_fold(line) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(first) = whitespace_at(line, i) else {
            i += 1;
            continue;
        };
        let run_start = i;
        let mut run_chars = 0;
        while let Some(c) = whitespace_at(line, i) {
            i += c.len_utf8();
            run_chars += 1;
        }
        if run_chars == 1 && (first == ' ' || first == '\u{a0}') {
            continue;
        }
        out.push_str(&line[copied..run_start]);
        out.push(' ');
        copied = i;
    }
    out.push_str(&line[copied..]);
    out
}

/// Whether `line` holds white space that [`fold_whitespace`] may change:
/// ASCII white space other than a space, two spaces in a row, or a
/// non-ASCII white-space character. Each test is a vectorised scan (the
/// first by the compiler, the others by memchr), since most lines need
/// no folding and ordinary text has a space every few bytes.
fn may_fold(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes
        .iter()
        .fold(false, |found, &b| found | (b.wrapping_sub(b'\t') <= b'\r' - b'\t'))
        || memchr::memmem::find(bytes, b"  ").is_some()
        || memchr::memchr3_iter(0xC2, 0xE1, 0xE2, bytes).any(|i| whitespace_at(line, i).is_some())
        || memchr::memchr_iter(0xE3, bytes).any(|i| whitespace_at(line, i).is_some())
}

/// The white-space character starting at byte `i` of `text`, if any. Every
/// white-space character outside ASCII starts with one of four bytes, so
/// the others (Chinese text included) are passed over without decoding;
/// `i` need not be a character boundary.
#[inline]
fn whitespace_at(text: &str, i: usize) -> Option<char> {
    match *text.as_bytes().get(i)? {
        b @ (b' ' | b'\t'..=b'\r') => Some(char::from(b)),
        0xC2 | 0xE1 | 0xE2 | 0xE3 => text[i..].chars().next().filter(|c| c.is_whitespace()),
        _ => None,
    }
}

fn classify_all(lines: &[SourceLine], blank_separated: bool, furniture: &[bool]) -> Vec<Line> {
    let mut kinds: Vec<Line> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let alone = blank_separated
            && i + 1 < lines.len()
            && lines[i + 1].number > line.number + 1
            && (i == 0 || lines[i - 1].number < line.number - 1);
        let kind = if i == 0 && is_title(&line.text) {
            Line::Title
        } else {
            classify(&line.text, alone)
        };
        kinds.push(kind);
    }
    for ((kind, line), _) in kinds.iter_mut().zip(lines).zip(furniture).filter(|(_, f)| **f) {
        let numbered = match kind {
            Line::Heading(_) => false,
            Line::PageSection(_, rest) => *rest < line.text.len(),
            _ => true,
        };
        *kind = Line::Furniture { numbered };
    }
    mark_digest_sections(lines, &mut kinds);
    mark_unmarked_lists(lines, &mut kinds, blank_separated);
    kinds
}

/// In a digest (a text with "Page N:" sections), a line that is only a
/// short label ending with a colon, each word capitalised ("Other
/// Stories:"), is a section like the pages.
fn mark_digest_sections(lines: &[SourceLine], kinds: &mut [Line]) {
    if !kinds.iter().any(|k| matches!(k, Line::PageSection(..))) {
        return;
    }
    for (line, kind) in lines.iter().zip(kinds) {
        if *kind == Line::Paragraph && is_digest_section(&line.text) {
            *kind = Line::Heading(Outline::DigestSection);
        }
    }
}

fn is_digest_section(text: &str) -> bool {
    let Some(label) = text.strip_suffix(':') else {
        return false;
    };
    let words: Vec<&str> = label.split(' ').collect();
    words.len() <= 4
        && !label.contains(':')
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()))
}

fn is_title(text: &str) -> bool {
    text.chars().count() <= 200 && !ends_with_sentence_punctuation(text) && !text.ends_with(':')
}

fn classify(text: &str, alone: bool) -> Line {
    if let Some((n, rest)) = page_section(text) {
        return Line::PageSection(n, rest);
    }
    if let Some(outline) = outline_heading(text) {
        return Line::Heading(outline);
    }
    if numbered_item(text) {
        return Line::Item { ordered: true };
    }
    if let Some(rest) = text.strip_prefix("• ").or_else(|| text.strip_prefix("· ")) {
        if !rest.is_empty() {
            return Line::Item { ordered: false };
        }
    }
    if is_caption(text) {
        return Line::Caption;
    }
    if is_dateline(text) {
        return Line::Dateline;
    }
    if (text.starts_with("– ") || text.starts_with("— ")) && text.chars().count() < 200 {
        return Line::Attribution;
    }
    if text.starts_with('(') && text.ends_with(')') && text.chars().count() < 300 {
        return Line::Note;
    }
    if alone && is_plain_heading(text) {
        return Line::Heading(Outline::Plain);
    }
    Line::Paragraph
}

/// Short and without closing punctuation: how a heading looks.
fn is_heading_shaped(rest: &str, max_chars: usize) -> bool {
    !rest.is_empty()
        && rest.chars().count() <= max_chars
        && !ends_with_sentence_punctuation(rest)
        && !rest.ends_with(':')
}

fn ends_with_sentence_punctuation(text: &str) -> bool {
    let last = text.trim_end_matches(['"', '”', '’', '\'', ')', '）']).chars().last();
    matches!(
        last,
        Some('.' | ';' | '?' | '!' | ',' | '。' | '；' | '？' | '！' | '，' | '…')
    )
}

fn is_plain_heading(text: &str) -> bool {
    let first = text.chars().next().unwrap_or(' ');
    // "Label: value" lines and paths or addresses are not headings.
    (first.is_uppercase() || first.is_ascii_digit()) && is_heading_shaped(text, 100) && !text.contains([':', '/', '|'])
}

/// Splits "Page 3: rest" into the page number and the byte offset of `rest`.
fn page_section(text: &str) -> Option<(u32, usize)> {
    let rest = text.strip_prefix("Page ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 || rest.as_bytes().get(digits) != Some(&b':') {
        return None;
    }
    let n = rest[..digits].parse().ok()?;
    let after = "Page ".len() + digits + 1;
    let content = after + (text[after..].len() - text[after..].trim_start().len());
    Some((n, content))
}

fn outline_heading(text: &str) -> Option<Outline> {
    if let Some((n, rest)) = roman_prefix(text) {
        return is_heading_shaped(rest, 150).then_some(Outline::Roman(n));
    }
    if let Some(inner) = text.strip_prefix('(') {
        let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=2).contains(&digits) && inner.as_bytes().get(digits) == Some(&b')') {
            let rest = inner[digits + 1..].trim_start();
            let n = inner[..digits].parse().ok()?;
            return is_heading_shaped(rest, 150).then_some(Outline::Numbered(n));
        }
    }
    if let Some(rest) = text.strip_prefix("Box ") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let sep = rest.as_bytes().get(digits).copied();
        if digits > 0 && matches!(sep, Some(b':' | b'.')) {
            let n = rest[..digits].parse().ok()?;
            return is_heading_shaped(rest[digits + 1..].trim_start(), 200).then_some(Outline::Boxed(n));
        }
    }
    // An ordinal and ", " open the line: tested word by word, since
    // searching every paragraph for ", " is a cost seen in profiles.
    let (n, rest) = ORDINALS
        .iter()
        .enumerate()
        .find_map(|(i, o)| Some((i as u32 + 1, text.strip_prefix(o)?.strip_prefix(", ")?)))?;
    is_heading_shaped(rest, 150).then_some(Outline::Ordinal(n))
}

const ORDINALS: [&str; 10] = [
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
];

/// "IV. Rest" -> (4, "Rest").
fn roman_prefix(text: &str) -> Option<(u32, &str)> {
    let numeral_len = text.bytes().take_while(|b| b"IVXL".contains(b)).count();
    if numeral_len == 0 || numeral_len > 6 || text.as_bytes().get(numeral_len) != Some(&b'.') {
        return None;
    }
    let rest = &text[numeral_len + 1..];
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some((roman_value(&text[..numeral_len])?, rest.trim_start()))
}

fn roman_value(numeral: &str) -> Option<u32> {
    let value = |c| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        _ => 0,
    };
    let digits: Vec<u32> = numeral.chars().map(value).collect();
    let mut total = 0;
    for (i, d) in digits.iter().enumerate() {
        match digits.get(i + 1) {
            Some(next) if next > d => total -= *d as i64,
            _ => total += *d as i64,
        }
    }
    let total = u32::try_from(total).ok()?;
    (to_roman(total) == numeral).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 9] = [
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
        (0, ""),
        (0, ""),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE.iter().filter(|(v, _)| *v > 0) {
        while n >= *value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// "1. text" or "12) text".
fn numbered_item(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&digits)
        && matches!(text.as_bytes().get(digits), Some(b'.' | b')'))
        && text[digits + 1..].starts_with(char::is_whitespace)
        && text[digits + 1..].trim_start().chars().count() > 1
}

fn is_caption(text: &str) -> bool {
    if text.len() > 600 {
        return false;
    }
    // Past the short whole-line forms below, every form has "photo" in it.
    let has_photo = || {
        memchr::memchr2_iter(b'p', b'P', text.as_bytes()).any(|i| {
            text.as_bytes()[i + 1..]
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"hoto"))
        })
    };
    if text.len() > "article banner picture".len() && !has_photo() {
        return false;
    }
    let lower = text.to_lowercase();
    lower.contains("photo by ")
        || lower.starts_with("photo:")
        || lower.contains("(photo")
        || matches!(
            lower.as_str(),
            "article banner picture" | "banner picture" | "picture" | "photo" | "image"
        )
}

fn is_dateline(text: &str) -> bool {
    let b = text.as_bytes();
    let iso_date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if iso_date {
        return b.len() == 10 || b[10] == b' ';
    }
    // "December 2021", "Dec. 28, 2021"
    // Two or three words; no need to split a paragraph further.
    let words: Vec<&str> = text.split(' ').take(4).collect();
    let is_year = |w: &str| w.len() == 4 && w.bytes().all(|c| c.is_ascii_digit());
    let is_month = |w: &str| {
        let w = w.trim_end_matches('.');
        w.len() >= 3 && crate::content::date::MONTHS.iter().any(|m| m.starts_with(w))
    };
    match words.as_slice() {
        [m, y] => is_month(m) && is_year(y),
        [m, d, y] => is_month(m) && d.trim_end_matches(',').parse::<u8>().is_ok() && is_year(y),
        _ => false,
    }
}

/// In texts without blank lines, a lead-in line ending with a colon followed
/// by two or more items is a list. See [`list_after`] for where it ends.
fn mark_unmarked_lists(lines: &[SourceLine], kinds: &mut [Line], blank_separated: bool) {
    if blank_separated {
        return;
    }
    let mut i = 0;
    while i < lines.len() {
        let lead_in = kinds[i] == Line::Paragraph && lines[i].text.ends_with(':');
        let items = if lead_in {
            list_after(&lines[i + 1..], &kinds[i + 1..])
        } else {
            0
        };
        if items >= 2 {
            for kind in &mut kinds[i + 1..i + 1 + items] {
                *kind = Line::Item { ordered: false };
            }
        }
        i += 1 + items;
    }
}

/// How many of `lines`, which follow a lead-in ending with a colon, are its
/// list's items.
///
/// Candidates run up to the first line that is not a plain paragraph, that
/// ends with a colon (the next lead-in) or that opens with a quotation mark
/// (a quoted passage, not an item). When the first candidate is a short
/// title without closing punctuation ("Opinions on ..."), the items are the
/// candidates of that shape. Otherwise items may be sentences: each is
/// short or opens with a short phrase ("Balancing development and
/// security. ...", "Stick to the correct direction: ..."), and a long item
/// may stand between two such; the list ends at the last short or
/// labelled line before two long paragraphs in a row, and a short
/// sentence just before the prose that follows it is that prose's
/// introduction, not an item.
fn list_after(lines: &[SourceLine], kinds: &[Line]) -> usize {
    let candidates = lines
        .iter()
        .zip(kinds)
        .take_while(|(l, k)| **k == Line::Paragraph && !l.text.ends_with(':') && !opens_with_quote(&l.text))
        .count();
    let lines = &lines[..candidates];
    let Some(first) = lines.first() else { return 0 };
    if is_title_item(&first.text) {
        let titles = lines.iter().take_while(|l| is_title_item(&l.text)).count();
        if titles >= 2 {
            return titles;
        }
    }
    let mut last_item = 0;
    let mut long_in_a_row = 0;
    for (n, line) in lines.iter().enumerate() {
        if is_sentence_item(&line.text) {
            last_item = n + 1;
            long_in_a_row = 0;
        } else {
            long_in_a_row += 1;
            if long_in_a_row == 2 {
                break;
            }
        }
    }
    // A short sentence right before the prose that follows a list
    // introduces that prose ("The final section talks about future work.").
    let introduces_prose = last_item < lines.len()
        && last_item > 0
        && ends_with_sentence_punctuation(&lines[last_item - 1].text)
        && lines[last_item - 1].text.chars().count() <= ITEM_LABEL_CHARS;
    if introduces_prose { last_item - 1 } else { last_item }
}

/// The longest a list item may be without opening with a short phrase.
const SHORT_ITEM_CHARS: usize = 160;

/// The longest an item's opening phrase may be.
const ITEM_LABEL_CHARS: usize = 80;

/// A short line without closing punctuation: the title of something.
fn is_title_item(text: &str) -> bool {
    text.chars().count() <= SHORT_ITEM_CHARS && !ends_with_sentence_punctuation(text)
}

/// A short line, or one whose first sentence or label is short.
fn is_sentence_item(text: &str) -> bool {
    text.chars().count() <= SHORT_ITEM_CHARS || opening_chars(text).is_some_and(|n| n <= ITEM_LABEL_CHARS)
}

/// Length in characters of a line's opening phrase: up to the first full
/// stop, question mark, exclamation mark or colon (with any closing quote)
/// followed by a space. `None` when the line is one phrase.
fn opening_chars(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    let mut count = 0;
    while let Some((_, c)) = chars.next() {
        count += 1;
        if matches!(c, '.' | '?' | '!' | ':') {
            while chars.next_if(|(_, q)| matches!(q, '"' | '”' | '’' | '\'')).is_some() {
                count += 1;
            }
            if chars.peek().is_some_and(|(_, n)| *n == ' ') {
                return Some(count);
            }
        }
    }
    None
}

fn opens_with_quote(text: &str) -> bool {
    text.starts_with(['"', '“', '‘', '\'', '「', '『'])
}

/// Assigns heading levels, anchors and splits "Page N:" lines.
#[derive(Default)]
struct Assembler {
    blocks: Vec<Block>,
    /// Open outline conventions with their ranks, outermost first.
    open: Vec<(Outline, u8)>,
    used: crate::content::slug::Unique,
    paragraphs: usize,
    furniture: usize,
}

impl Assembler {
    fn run(mut self, lines: &[SourceLine], kinds: &[Line]) -> Vec<Block> {
        for (line, kind) in lines.iter().zip(kinds) {
            match kind {
                Line::Heading(outline) => self.heading(*outline, line.text.clone(), line.number),
                Line::PageSection(n, rest) => {
                    let (head, tail) = line.text.split_at(*rest);
                    self.heading(Outline::Page(*n), head.trim_end().to_string(), line.number);
                    if !tail.is_empty() {
                        self.numbered(BlockKind::Paragraph, tail.to_string(), line.number);
                    }
                }
                Line::Furniture { numbered } => self.furniture(line.text.clone(), line.number, *numbered),
                other => {
                    let kind = match other {
                        Line::Title => BlockKind::Title,
                        Line::Item { ordered } => BlockKind::ListItem { ordered: *ordered },
                        Line::Caption => BlockKind::Caption,
                        Line::Dateline => BlockKind::Dateline,
                        Line::Attribution => BlockKind::Attribution,
                        Line::Note => BlockKind::Note,
                        _ => BlockKind::Paragraph,
                    };
                    self.numbered(kind, line.text.clone(), line.number);
                }
            }
        }
        self.blocks
    }

    fn numbered(&mut self, kind: BlockKind, text: String, line: usize) {
        self.paragraphs += 1;
        let anchor = self.unique(format!("p-{}", self.paragraphs));
        self.blocks.push(Block {
            kind,
            text,
            anchor,
            line,
        });
    }

    /// A furniture line: it takes up the paragraph number it would have
    /// had, if any (which no block then has), so marking it moves no
    /// anchor.
    fn furniture(&mut self, text: String, line: usize, numbered: bool) {
        self.paragraphs += usize::from(numbered);
        self.furniture += 1;
        let anchor = self.unique(format!("furniture-{}", self.furniture));
        self.blocks.push(Block {
            kind: BlockKind::Furniture,
            text,
            anchor,
            line,
        });
    }

    fn heading(&mut self, outline: Outline, text: String, line: usize) {
        let rank = match outline {
            // A plain heading belongs to the section it appears in.
            Outline::Plain => {
                while self.open.last().is_some_and(|(o, _)| *o == Outline::Plain) {
                    self.open.pop();
                }
                self.open.last().map_or(0, |(_, rank)| rank + 1)
            }
            other => other.rank(),
        };
        while self.open.last().is_some_and(|(_, r)| *r >= rank) {
            self.open.pop();
        }
        let anchor = self.unique(self.anchor_for(outline, &text));
        self.open.push((outline, rank));
        let level = (self.open.len() + 1).min(6) as u8;
        self.blocks.push(Block {
            kind: BlockKind::Heading { level },
            text,
            anchor,
            line,
        });
    }

    fn anchor_for(&self, outline: Outline, text: &str) -> String {
        let parent = self.open.iter().rev().find_map(|(o, _)| match o {
            Outline::Roman(n) => Some(to_roman(*n).to_lowercase()),
            _ => None,
        });
        match (outline, parent) {
            (Outline::Roman(n), _) => format!("sec-{}", to_roman(n).to_lowercase()),
            (Outline::Numbered(n), Some(p)) => format!("sec-{p}-{n}"),
            (Outline::Numbered(n), None) => format!("sec-{n}"),
            (Outline::Boxed(n), _) => format!("box-{n}"),
            (Outline::Page(n), _) => format!("page-{n}"),
            (Outline::Ordinal(n), _) => format!("sec-{n}"),
            (Outline::Plain | Outline::DigestSection, _) => {
                let slug: String = crate::content::slug::slugify(text).chars().take(48).collect();
                format!("sec-{}", slug.trim_end_matches('-'))
            }
        }
    }

    fn unique(&mut self, anchor: String) -> String {
        self.used.claim(anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(BlockKind, String)> {
        parse(text).into_iter().map(|b| (b.kind, b.anchor)).collect()
    }

    #[test]
    fn whitespace_at_knows_every_white_space_character() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            let text = format!("{c}x");
            assert_eq!(whitespace_at(&text, 0), c.is_whitespace().then_some(c), "{c:?}");
        }
    }

    /// `fold_whitespace` as its rule reads, one character at a time.
    fn fold_by_chars(line: &str) -> String {
        let mut out = String::new();
        let mut run: Vec<char> = Vec::new();
        for c in line.trim().chars().chain(std::iter::once('x')) {
            if c.is_whitespace() {
                run.push(c);
                continue;
            }
            match run.as_slice() {
                [] => {}
                [lone @ (' ' | '\u{a0}')] => out.push(*lone),
                _ => out.push(' '),
            }
            run.clear();
            out.push(c);
        }
        out.pop();
        out
    }

    proptest::proptest! {
        #[test]
        fn folding_follows_its_rule(line in "[a \t\u{a0}\u{3000}\u{2028}\u{85}\u{b}中文。、]{0,24}") {
            proptest::prop_assert_eq!(fold_whitespace(&line), fold_by_chars(&line));
        }
    }

    #[test]
    fn outline_headings_nest() {
        let text = "Plan title\n\nI. General\n\nIntro.\n\n(1) Status\n\nText.\n\nBox 1: Projects\n\n  1.\u{a0} Build networks.\n  2. Build more.\n\nII. Tasks\n\nBox 2: Other\n";
        let h = |level| BlockKind::Heading { level };
        let item = BlockKind::ListItem { ordered: true };
        assert_eq!(
            kinds(text),
            vec![
                (BlockKind::Title, "p-1".into()),
                (h(2), "sec-i".into()),
                (BlockKind::Paragraph, "p-2".into()),
                (h(3), "sec-i-1".into()),
                (BlockKind::Paragraph, "p-3".into()),
                (h(4), "box-1".into()),
                (item, "p-4".into()),
                (item, "p-5".into()),
                (h(2), "sec-ii".into()),
                (h(3), "box-2".into()),
            ]
        );
    }

    #[test]
    fn keeps_every_character_and_folds_whitespace() {
        let blocks = parse("  IV.\u{a0} Major Tasks\u{a0}\n\nA\u{a0}b  c.\n");
        assert_eq!(blocks[0].text, "IV. Major Tasks");
        assert_eq!(blocks[1].text, "A\u{a0}b c.");
    }

    #[test]
    fn page_sections_split_into_heading_and_paragraph() {
        let blocks = parse("Digest title\nPage 1: Let us begin.\nOn Page 3, a report.\nPage 2:\n");
        let texts: Vec<_> = blocks
            .iter()
            .map(|b| (b.kind, b.text.as_str(), b.anchor.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (BlockKind::Title, "Digest title", "p-1"),
                (BlockKind::Heading { level: 2 }, "Page 1:", "page-1"),
                (BlockKind::Paragraph, "Let us begin.", "p-2"),
                (BlockKind::Paragraph, "On Page 3, a report.", "p-3"),
                (BlockKind::Heading { level: 2 }, "Page 2:", "page-2"),
            ]
        );
    }

    #[test]
    fn ordinal_headings_only_when_short_and_unpunctuated() {
        let text = "T\n\nFirst, we will grow\n\nSecond, both sides agree. More text follows here.\n\nEnd.\n";
        let k = kinds(text);
        assert_eq!(k[1], (BlockKind::Heading { level: 2 }, "sec-1".into()));
        assert_eq!(k[2].0, BlockKind::Paragraph);
    }

    #[test]
    fn captions_datelines_attributions_and_notes() {
        let text = "Title\n\n2024-03-21 16:56:00 | Author: X\n\nWorkers at a plant, May 1. PHOTO BY XINHUA\n\n– Xie Shaofeng, Director\n\nDecember 2021\n\n(Originally appeared in Qiushi)\n";
        let k: Vec<BlockKind> = kinds(text).into_iter().map(|(k, _)| k).collect();
        use BlockKind::*;
        assert_eq!(k, vec![Title, Dateline, Caption, Attribution, Dateline, Note]);
    }

    #[test]
    fn captions_in_any_case_and_not_other_photos() {
        for caption in [
            "Workers at a plant. Photo by Li Wei",
            "A long line of delegates, seated (photo/Xinhua)",
            "pHoTo: the signing ceremony in Beijing",
            "Article Banner Picture",
            "IMAGE",
        ] {
            assert!(is_caption(caption), "{caption}");
        }
        for other in [
            "The photographs of the ceremony were published widely.",
            "A photo op, by all accounts, and little else.",
            "Pictures and images of the plan",
            "",
        ] {
            assert!(!is_caption(other), "{other}");
        }
    }

    #[test]
    fn lead_in_colon_starts_an_unmarked_list_in_dense_text() {
        let long = "A long paragraph follows, and it goes on well past the length of any list item. ".repeat(3);
        let text = format!("Title\nThe piece lists documents:\nOpinions on A - 关于\nRegulations on B\n{long}\n");
        let k: Vec<BlockKind> = kinds(&text).into_iter().map(|(k, _)| k).collect();
        let item = BlockKind::ListItem { ordered: false };
        assert_eq!(k[2..], [item, item, BlockKind::Paragraph]);
    }

    /// The kinds of the lines of a dense text, as letters: `p` paragraph,
    /// `i` unordered item, `h` heading, `t` title.
    fn shape(text: &str) -> String {
        parse(text)
            .iter()
            .map(|b| match b.kind {
                BlockKind::Paragraph => 'p',
                BlockKind::ListItem { ordered: false } => 'i',
                BlockKind::Heading { .. } => 'h',
                BlockKind::Title => 't',
                _ => '?',
            })
            .collect()
    }

    #[test]
    fn sentence_items_after_a_lead_in_form_a_list_up_to_the_prose() {
        let long = |s: &str| {
            format!(
                "{s} {}",
                "and it goes on at length about many things ".repeat(5).trim_end()
            )
        };
        let text = [
            "Title".to_string(),
            "He lists the lessons:".to_string(),
            format!("Balancing development and security. {}.", long("He says")),
            long("Adhere to the prevention of crime") + ".",
            "Address hidden dangers".to_string(),
            long("This leads to some focus on teachers") + ".",
            long("Later in the piece we get more") + ".",
            "Short again.".to_string(),
            "The last section is on the future.".to_string(),
            long("By the end of the plan") + ".",
        ]
        .join("\n");
        // The long item between two labelled ones belongs to the list; two
        // long paragraphs in a row end it.
        assert_eq!(shape(&text), "tpiiippppp");
        // A short sentence before the paragraph that follows introduces it.
        let text = format!(
            "Title\nHe sums up:\nIt is important to lead\n{}.\nThe importance of time.\nThe final section is on work.\n{}.\n",
            long("It is key to adhere"),
            long("By the end of the plan")
        );
        assert_eq!(shape(&text), "tpiiipp");
    }

    #[test]
    fn a_lead_in_before_a_quotation_is_no_list() {
        let text = "Title\nThe report says:\n“We will do it,” he said.\nWang: More.\nEnd.\n";
        assert_eq!(shape(text), "tpppp");
        let text = "Title\nHe calls for:\nFocus on A. This means much.\nFocus on B.\nThe next line\n“A quote”\n";
        assert_eq!(shape(text), "tpiiip");
    }

    #[test]
    fn title_items_end_at_the_first_sentence() {
        let text = "Title\nDocuments issued:\nOpinions on A\nRegulations on B\nAnother point. It is made here in a sentence.\nShort.\n";
        assert_eq!(shape(text), "tpiipp");
    }

    #[test]
    fn other_stories_is_a_digest_section() {
        let blocks = parse("Digest\nPage 1: News.\nOther Stories:\nA headline\nA story.\n");
        let heading = &blocks[3];
        assert_eq!(heading.kind, BlockKind::Heading { level: 2 });
        assert_eq!(
            (heading.text.as_str(), heading.anchor.as_str()),
            ("Other Stories:", "sec-other-stories")
        );
        // Outside a digest such a line is a paragraph, or a list's lead-in.
        assert_eq!(shape("Title\nOther Stories:\nText.\n"), "tpp");
        assert!(!is_digest_section("A long label of five words:"));
        assert!(!is_digest_section("Other stories:"));
    }

    #[test]
    fn furniture_is_set_apart_and_moves_no_anchor() {
        let text =
            "Kindly bear with us.\n\nThe Title\n\nFirst.\n\nSend  this to a friend\n\nLast.\n\nSend this to a friend\n";
        let plain = kinds(text);
        let (blocks, matched) = parse_with_furniture(
            text,
            &[
                "Kindly bear with us.".into(),
                "Send this to a friend".into(),
                "Absent".into(),
            ],
        );
        assert_eq!(matched, [true, true, false]);
        let marked: Vec<(BlockKind, String)> = blocks.iter().map(|b| (b.kind, b.anchor.clone())).collect();
        let furniture = |n: &str| (BlockKind::Furniture, n.to_string());
        assert_eq!(
            marked,
            [
                furniture("furniture-1"),
                plain[1].clone(),
                plain[2].clone(),
                furniture("furniture-2"),
                plain[4].clone(),
                furniture("furniture-3"),
            ]
        );
        // "First." is p-2 either way, though "Kindly..." (p-1 as text) is
        // furniture; a line that reads as a heading had no number to keep.
        assert_eq!((plain[2].1.as_str(), plain[4].1.as_str()), ("p-2", "p-3"));
        assert_eq!(blocks[3].text, "Send this to a friend");
    }

    #[test]
    fn plain_headings_nest_in_the_open_section() {
        let k = kinds("T\n\nI. Goals\n\n(3) Objectives\n\nText.\n\nMain Targets\n\nMore.\n\nII. Next\n\nEnd.\n");
        assert_eq!(k[4], (BlockKind::Heading { level: 4 }, "sec-main-targets".into()));
        assert_eq!(k[6], (BlockKind::Heading { level: 2 }, "sec-ii".into()));
    }

    #[test]
    fn label_lines_are_not_headings() {
        let k = kinds("T\n\nArchived copy: /web/2022/x.pdf\n\nText.\n");
        assert_eq!(k[1].0, BlockKind::Paragraph);
    }

    #[test]
    fn duplicate_anchors_get_suffixes() {
        let k = kinds("T\n\nFirst, a\n\nx.\n\n(1) b\n\ny.\n");
        assert_eq!(k[1].1, "sec-1");
        assert_eq!(k[3].1, "sec-1-2");
    }

    #[test]
    fn roman_numerals_must_be_well_formed() {
        assert_eq!(roman_prefix("IV. Tasks"), Some((4, "Tasks")));
        assert_eq!(roman_prefix("IIII. Tasks"), None);
        assert_eq!(roman_prefix("I.Tasks"), None);
        assert_eq!(to_roman(49), "XLIX");
    }
}
