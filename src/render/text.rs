//! Seed blocks to HTML, and the small escaping helpers every renderer uses.
//!
//! Blocks become semantic elements: headings with their anchors, paragraphs,
//! `<ol>`/`<ul>` for runs of list items, `<p class="caption">` and so on.
//! Every element carries its block's `id`, and a self-link (an empty anchor
//! the theme decorates with CSS) so readers can cite one paragraph. Runs of
//! Chinese text are wrapped in `<span lang="zh">` so browsers pick Chinese
//! fonts, line breaking and screen-reader voices. The text itself is written
//! as is, escaped: the renderer adds markup, never words, except the
//! summary of the collapsed `<details class="furniture">` block that holds
//! each run of page furniture (lines of the web page, not the document).

use serde::Serialize;

use crate::content::seed::{Block, BlockKind};

/// Appends `text` to `out`, HTML-escaped.
pub fn escape_into(out: &mut String, text: &str) {
    pulldown_cmark_escape::escape_html(&mut *out, text).expect("writing to a String cannot fail");
}

/// `text`, HTML-escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// Whether `c` is written in Chinese script (Han ideographs, CJK
/// punctuation, full-width forms, bopomofo).
pub fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3100..=0x312F | 0x31A0..=0x31BF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0xFFE0..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Appends `text` escaped, with each run of Chinese wrapped in
/// `<span lang="zh">`. A run starts and ends with a Chinese character and
/// may contain digits, spaces and punctuation, but no Latin letters.
pub fn escape_marking_chinese(out: &mut String, text: &str) {
    // Chinese characters are all three or four bytes long in UTF-8, starting
    // with 0xE3 or above: a cheap test before decoding.
    // (A fold rather than `any`, so that the compiler vectorises the scan.)
    let may_have_chinese = text.bytes().fold(false, |found, b| found | (b >= 0xE3));
    if !may_have_chinese || !text.chars().any(is_chinese) {
        escape_into(out, text);
        return;
    }
    let mut rest = text;
    while let Some(start) = rest.find(is_chinese) {
        let run_len = chinese_run_len(&rest[start..]);
        escape_into(out, &rest[..start]);
        out.push_str("<span lang=\"zh\">");
        escape_into(out, &rest[start..start + run_len]);
        out.push_str("</span>");
        rest = &rest[start + run_len..];
    }
    escape_into(out, rest);
}

/// Length in bytes of the Chinese run at the start of `s`.
fn chinese_run_len(s: &str) -> usize {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if is_chinese(c) {
            end = i + c.len_utf8();
        } else if c.is_alphabetic() {
            break;
        }
    }
    end
}

/// `text` cut to at most `max` characters, at a boundary between words
/// (or, in Chinese, between characters), ending with `…`; whole when it
/// is short enough. A single word longer than `max` is cut where it must be.
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let Some((limit, _)) = text.char_indices().nth(max) else {
        return text.into();
    };
    // The last place at or before the limit where a line may break: before
    // white space, or beside a Chinese character.
    let mut cut = None;
    let mut previous: Option<char> = None;
    let past = limit + text[limit..].chars().next().map_or(0, char::len_utf8);
    for (i, c) in text[..past].char_indices() {
        let at_break =
            c.is_whitespace() || previous.is_some_and(|p| is_chinese(p) || (is_chinese(c) && !p.is_whitespace()));
        if at_break && i > 0 {
            cut = Some(i);
        }
        previous = Some(c);
    }
    let head = text[..cut.unwrap_or(limit)].trim_end();
    // A comma, colon, full stop or opening mark before the ellipsis reads
    // as a stray.
    let head = head
        .trim_end_matches([
            ',', ';', ':', '.', '，', '；', '：', '、', '。', '-', '–', '—', '(', '/', '“', '‘', '"', '\'', '（',
        ])
        .trim_end();
    let head = if head.is_empty() { &text[..limit] } else { head };
    format!("{head}…").into()
}

/// A mention to render as a link: a range of a text and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionLink {
    pub range: std::ops::Range<usize>,
    pub url: String,
}

/// Appends `text` escaped and marked for Chinese, with each mention (sorted,
/// not overlapping) wrapped in a link.
pub fn write_linked(out: &mut String, text: &str, mentions: &[MentionLink]) {
    let mut at = 0;
    for m in mentions {
        escape_marking_chinese(out, &text[at..m.range.start]);
        out.push_str("<a class=\"mention\" href=\"");
        escape_into(out, &m.url);
        out.push_str("\">");
        escape_marking_chinese(out, &text[m.range.clone()]);
        out.push_str("</a>");
        at = m.range.end;
    }
    escape_marking_chinese(out, &text[at..]);
}

/// One entry of a table of contents, with its sub-sections.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    pub anchor: String,
    pub title: String,
    pub level: u8,
    pub children: Vec<TocEntry>,
}

/// Nests `(level, anchor, title)` headings into a tree.
pub fn nest_toc(flat: Vec<(u8, String, String)>) -> Vec<TocEntry> {
    fn insert(entries: &mut Vec<TocEntry>, entry: TocEntry) {
        match entries.last_mut() {
            Some(last) if last.level < entry.level => insert(&mut last.children, entry),
            _ => entries.push(entry),
        }
    }
    let mut root = Vec::new();
    for (level, anchor, title) in flat {
        insert(
            &mut root,
            TocEntry {
                anchor,
                title,
                level,
                children: Vec::new(),
            },
        );
    }
    root
}

/// Seed blocks rendered: the HTML and the headings for the table of contents.
pub struct RenderedText {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// Gives the mentions in each piece of text eligible for them, in reading
/// order, as links.
pub type Mentions<'a> = &'a mut dyn FnMut(&str) -> Vec<MentionLink>;

/// Whether mentions are looked for in blocks of this kind. Headings and the
/// text's own title are left alone: a link there reads as navigation.
pub fn has_mentions(kind: BlockKind) -> bool {
    !matches!(
        kind,
        BlockKind::Heading { .. } | BlockKind::Title | BlockKind::Furniture
    )
}

/// What the collapsed block of page furniture says it is.
pub const FURNITURE_SUMMARY: &str = "Not part of the document: text of the web page it was copied from";

/// Renders seed blocks as HTML.
pub fn render_blocks(blocks: &[Block], mut mentions: Option<Mentions>) -> RenderedText {
    let mut html = String::with_capacity(blocks.iter().map(|b| b.text.len() + 64).sum());
    let mut toc = Vec::new();
    let mut open_list: Option<bool> = None;
    let mut in_furniture = false;
    for block in blocks {
        let item = match block.kind {
            BlockKind::ListItem { ordered } => Some(ordered),
            _ => None,
        };
        if open_list.is_some() && open_list != item {
            html.push_str(if open_list == Some(true) { "</ol>\n" } else { "</ul>\n" });
            open_list = None;
        }
        let furniture = block.kind == BlockKind::Furniture;
        if in_furniture && !furniture {
            html.push_str("</details>\n");
        } else if furniture && !in_furniture {
            html.push_str("<details class=\"furniture\"><summary>");
            html.push_str(FURNITURE_SUMMARY);
            html.push_str("</summary>\n");
        }
        in_furniture = furniture;
        if let (None, Some(ordered)) = (open_list, item) {
            html.push_str(if ordered {
                "<ol class=\"seed-list\">\n"
            } else {
                "<ul class=\"seed-list\">\n"
            });
            open_list = Some(ordered);
        }
        if let BlockKind::Heading { level } = block.kind {
            toc.push((level, block.anchor.clone(), block.text.clone()));
        }
        let found = match mentions.as_mut() {
            Some(find) if has_mentions(block.kind) => find(&block.text[text_start(block)..]),
            _ => Vec::new(),
        };
        render_block(&mut html, block, &found);
    }
    if let Some(ordered) = open_list {
        html.push_str(if ordered { "</ol>\n" } else { "</ul>\n" });
    }
    if in_furniture {
        html.push_str("</details>\n");
    }
    RenderedText {
        html,
        toc: nest_toc(toc),
    }
}

fn render_block(html: &mut String, block: &Block, mentions: &[MentionLink]) {
    let (tag, class, label) = match block.kind {
        BlockKind::Title => ("p", Some("text-title"), "paragraph"),
        BlockKind::Heading { level } => (
            ["h2", "h2", "h2", "h3", "h4", "h5", "h6"][level.min(6) as usize],
            None,
            "section",
        ),
        BlockKind::Paragraph => ("p", None, "paragraph"),
        BlockKind::ListItem { .. } => ("li", None, "item"),
        BlockKind::Caption => ("p", Some("caption"), "caption"),
        BlockKind::Dateline => ("p", Some("dateline"), "paragraph"),
        BlockKind::Attribution => ("p", Some("attribution"), "paragraph"),
        BlockKind::Note => ("p", Some("text-note"), "paragraph"),
        BlockKind::Furniture => ("p", Some("furniture-line"), "line"),
    };
    html.push('<');
    html.push_str(tag);
    html.push_str(" id=\"");
    html.push_str(&block.anchor);
    html.push('"');
    if let Some(class) = class {
        html.push_str(" class=\"");
        html.push_str(class);
        html.push('"');
    }
    html.push('>');
    let marker = text_start(block);
    if marker > 0 {
        html.push_str("<span class=\"marker\">");
        escape_into(html, &block.text[..marker]);
        html.push_str("</span>");
    }
    let rest = &block.text[marker..];
    write_linked(html, rest, mentions);
    html.push_str(" <a class=\"anchor\" href=\"#");
    html.push_str(&block.anchor);
    html.push_str("\" aria-label=\"Link to this ");
    html.push_str(label);
    html.push_str("\"></a></");
    html.push_str(tag);
    html.push_str(">\n");
}

/// Where a block's running text starts: after a list item's "1." marker.
/// Mentions are looked for from there.
pub fn text_start(block: &Block) -> usize {
    match block.kind {
        BlockKind::ListItem { .. } => marker_len(block).unwrap_or(0),
        _ => 0,
    }
}

/// Length of a list item's "1." marker, if it has one.
fn marker_len(block: &Block) -> Option<usize> {
    let digits = block.text.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && matches!(block.text.as_bytes().get(digits), Some(b'.' | b')'))).then_some(digits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::seed::parse;

    #[test]
    fn wraps_chinese_runs_only() {
        let mut out = String::new();
        escape_marking_chinese(&mut out, "Safe China - 平安中国. On 2021年12月28日 <b>");
        assert_eq!(
            out,
            "Safe China - <span lang=\"zh\">平安中国</span>. On 2021<span lang=\"zh\">年12月28日</span> &lt;b&gt;"
        );
    }

    #[test]
    fn shortens_english_at_a_word_boundary() {
        let text = "The plan sets goals for building Digital China by 2025.";
        assert_eq!(shorten(text, 100), text, "short texts stay whole");
        assert_eq!(shorten(text, 20), "The plan sets goals…");
        // The limit falls inside "building": the word is left out whole.
        assert_eq!(shorten(text, 28), "The plan sets goals for…");
        // A word that ends exactly at the limit is kept.
        assert_eq!(shorten(text, 19), "The plan sets goals…");
        assert_eq!(
            shorten("Goals, targets and tasks", 9),
            "Goals…",
            "no comma before the ellipsis"
        );
    }

    #[test]
    fn shortens_chinese_at_a_character_boundary() {
        assert_eq!(shorten("国家信息化发展战略纲要", 5), "国家信息化…");
        assert_eq!(shorten("“十四五”国家信息化规划", 7), "“十四五”国家…");
    }

    #[test]
    fn shortens_mixed_text_between_scripts_or_words() {
        let text = "Safe China 平安中国 and rule of law";
        assert_eq!(shorten(text, 13), "Safe China 平安…");
        assert_eq!(shorten(text, 8), "Safe…");
        assert_eq!(shorten("The 14th FYP（十四五）plan", 16), "The 14th FYP（十四五…");
    }

    #[test]
    fn shortens_a_text_without_spaces_where_it_must() {
        assert_eq!(
            shorten("https://www.gov.cn/xinwen/2021-12/28/content.htm", 10),
            "https://ww…"
        );
        assert_eq!(shorten("", 3), "");
    }

    #[test]
    fn renders_lists_headings_and_anchors() {
        let r = render_blocks(
            &parse("T\n\nI. Tasks\n\nBox 1: P\n\n1. Do a.\n2. Do b.\n\nEnd.\n"),
            None,
        );
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children[0].anchor, "box-1");
        assert!(
            r.html
                .contains("<ol class=\"seed-list\">\n<li id=\"p-2\"><span class=\"marker\">1.</span> Do a.")
        );
        assert!(r.html.contains("</ol>\n<p id=\"p-4\">End."));
        assert!(r.html.contains("<h2 id=\"sec-i\">I. Tasks"));
    }

    #[test]
    fn furniture_is_collapsed_and_not_searched() {
        let (blocks, _) = crate::content::seed::parse_with_furniture(
            "Bear with us.\nTitle\nText.\nSend this\nShare\n",
            &["Bear with us.".into(), "Send this".into(), "Share".into()],
        );
        let mut asked = Vec::new();
        let mut find = |t: &str| {
            asked.push(t.to_string());
            Vec::new()
        };
        let r = render_blocks(&blocks, Some(&mut find));
        assert_eq!(asked, ["Title", "Text."]);
        let details = format!("<details class=\"furniture\"><summary>{FURNITURE_SUMMARY}</summary>\n");
        assert!(
            r.html.starts_with(&format!(
                "{details}<p id=\"furniture-1\" class=\"furniture-line\">Bear with us."
            )),
            "{}",
            r.html
        );
        assert!(r.html.ends_with("Share <a class=\"anchor\" href=\"#furniture-3\" aria-label=\"Link to this line\"></a></p>\n</details>\n"), "{}", r.html);
        assert_eq!(r.html.matches("<details").count(), 2);
    }

    #[test]
    fn nests_toc_by_level() {
        let toc = nest_toc(vec![
            (2, "a".into(), "A".into()),
            (3, "b".into(), "B".into()),
            (2, "c".into(), "C".into()),
        ]);
        assert_eq!(toc.len(), 2);
        assert_eq!(toc[0].children[0].anchor, "b");
    }
}
