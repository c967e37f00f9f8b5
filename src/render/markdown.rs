//! Markdown to HTML: curator's notes, `.md` seeds and seedless documents.
//!
//! pulldown-cmark parses; this module adjusts its events on the way to HTML:
//! headings get `sec-…` anchors and feed the table of contents, top-level
//! paragraphs get `p-N` anchors like seed paragraphs, fenced code is
//! highlighted by syntect, Chinese runs get `lang="zh"`, `@/slug#anchor`
//! links are resolved, and mentions of other documents become links.
//!
//! The same walk also yields an [`Outline`] (anchors, explicit links, and the
//! plain text of each block) for the analyse stage, which needs to know what
//! a markdown text cites before any page is rendered. One walk serves both so
//! that the anchors analysed are exactly the anchors rendered.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::highlight::highlight;
use super::text::{Mentions, TocEntry, escape, escape_marking_chinese, nest_toc, write_linked};
use crate::content::slug::slugify;

/// The prefix of links to other documents: `[text](@/slug#anchor)`.
pub const INTERNAL_PREFIX: &str = "@/";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A `[text](@/slug#anchor)` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplicitLink {
    pub slug: String,
    pub fragment: Option<String>,
    /// Byte range of the link in the markdown source.
    pub source: Range<usize>,
    /// Index of the segment the link is in, and the link text's range in it.
    pub segment: usize,
    pub text: Range<usize>,
}

/// The plain text of one block, for finding mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    /// The anchor a reader follows to reach this text.
    pub anchor: String,
    pub text: String,
    /// The ranges of `text` eligible for mentions: outside links and code.
    pub pieces: Vec<Range<usize>>,
}

/// What a markdown text contains, for the link graph.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub anchors: Vec<String>,
    pub links: Vec<ExplicitLink>,
    /// Links and images whose target is a script URL, with their byte
    /// ranges in the source: errors.
    pub script_links: Vec<(String, Range<usize>)>,
    pub segments: Vec<Segment>,
}

/// How to turn references into URLs while rendering.
pub struct Linker<'a> {
    /// `@/slug#fragment` → URL; `None` leaves the link as written.
    pub resolve: &'a dyn Fn(&str, Option<&str>) -> Option<String>,
    /// The mentions in each piece of eligible text (the outline's
    /// `pieces`, in order), as links.
    pub mentions: Mentions<'a>,
    /// Keep raw HTML as written instead of sanitising it.
    pub unsafe_html: bool,
}

/// Rendered markdown and its outline.
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub outline: Outline,
}

/// Walks `markdown` once, without rendering links, for its outline.
pub fn outline(markdown: &str, anchor_prefix: &str) -> Outline {
    render(markdown, anchor_prefix, None).outline
}

/// Renders markdown. `anchor_prefix` keeps the anchors of two markdown texts
/// on one page apart (the curator's note uses `note-`).
pub fn render(markdown: &str, anchor_prefix: &str, linker: Option<&mut Linker>) -> Rendered {
    let mut walk = Walk {
        prefix: anchor_prefix,
        linker,
        used: Default::default(),
        toc: Vec::new(),
        outline: Outline::default(),
        paragraphs: 0,
        anchor: String::new(),
        depth: 0,
        link_depth: 0,
        image_depth: 0,
        open_link: None,
        raw_html: false,
        events: Vec::new(),
    };
    let mut parser = Parser::new_ext(markdown, options()).into_offset_iter();
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let inner: Vec<Event> = parser
                    .by_ref()
                    .map(|(e, _)| e)
                    .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                    .collect();
                walk.heading(level, id.map(|i| i.to_string()), inner);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let code: String = parser
                    .by_ref()
                    .map(|(e, _)| e)
                    .take_while(|e| !matches!(e, Event::End(TagEnd::CodeBlock)))
                    .filter_map(|e| match e {
                        Event::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                walk.events.push(Event::Html(code_block(&code, &lang).into()));
            }
            other => walk.event(other, range),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, walk.events.into_iter());
    if walk.raw_html && walk.linker.as_ref().is_some_and(|l| !l.unsafe_html) {
        html = sanitise(&html);
    }
    Rendered {
        html,
        toc: nest_toc(walk.toc),
        outline: walk.outline,
    }
}

/// Cleans the HTML of a markdown text that holds raw HTML: only harmless
/// tags and attributes stay (those annals itself writes among them), and no
/// scripts, event handlers, styles or script URLs.
fn sanitise(html: &str) -> String {
    static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
        let mut cleaner = ammonia::Builder::default();
        cleaner
            .add_generic_attributes(["id", "class"])
            .add_tag_attributes("pre", ["data-lang"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .link_rel(None);
        cleaner
    });
    CLEANER.clean(html).to_string()
}

/// URL schemes that run code when followed.
const SCRIPT_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

/// Whether a link target would run code (`javascript:alert(1)`, also when
/// disguised with case, spaces or control characters).
pub fn is_script_url(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    SCRIPT_SCHEMES.iter().any(|s| squeezed.starts_with(s))
}

fn code_block(code: &str, lang: &str) -> String {
    let token = lang.split([' ', ',', '{']).next().unwrap_or_default();
    let class = if token.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape(token))
    };
    format!(
        "<pre class=\"code\"{class}><code>{}</code></pre>\n",
        highlight(code, lang)
    )
}

struct Walk<'a, 'l, 'k> {
    prefix: &'a str,
    linker: Option<&'l mut Linker<'k>>,
    used: crate::content::slug::Unique,
    toc: Vec<(u8, String, String)>,
    outline: Outline,
    paragraphs: usize,
    /// The anchor of the block being walked.
    anchor: String,
    /// Nesting depth of block containers (lists, quotes, footnotes).
    depth: usize,
    link_depth: usize,
    image_depth: usize,
    /// The explicit link being walked: (index in outline.links, text start).
    open_link: Option<(usize, usize)>,
    /// Whether the markdown holds raw HTML.
    raw_html: bool,
    events: Vec<Event<'a>>,
}

impl<'a> Walk<'a, '_, '_> {
    fn unique(&mut self, anchor: String) -> String {
        let anchor = self.used.claim(anchor);
        self.outline.anchors.push(anchor.clone());
        anchor
    }

    fn heading(&mut self, level: HeadingLevel, id: Option<String>, inner: Vec<Event<'a>>) {
        let title: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let slug: String = slugify(&title).chars().take(48).collect();
        let base = id.unwrap_or_else(|| {
            format!(
                "{}sec-{}",
                self.prefix,
                if slug.is_empty() { "untitled" } else { &slug }
            )
        });
        let anchor = self.unique(base);
        self.anchor = anchor.clone();
        let n = level as u8;
        self.toc.push((n, anchor.clone(), title));
        self.events.push(Event::Html(format!("<h{n} id=\"{anchor}\">").into()));
        for e in inner {
            match e {
                Event::Text(t) => self.events.push(Event::InlineHtml(marked(&t).into())),
                other => self.events.push(other),
            }
        }
        self.events.push(Event::Html(
            format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\"></a></h{n}>\n").into(),
        ));
    }

    fn new_segment(&mut self) {
        self.outline.segments.push(Segment {
            anchor: self.anchor.clone(),
            ..Segment::default()
        });
    }

    fn segment(&mut self) -> &mut Segment {
        if self.outline.segments.is_empty() {
            self.new_segment();
        }
        self.outline.segments.last_mut().expect("just ensured")
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        match event {
            Event::Start(Tag::Paragraph) if self.depth == 0 => {
                self.paragraphs += 1;
                let anchor = self.unique(format!("{}p-{}", self.prefix, self.paragraphs));
                self.anchor = anchor.clone();
                self.new_segment();
                self.events.push(Event::Html(format!("<p id=\"{anchor}\">").into()));
            }
            Event::End(TagEnd::Paragraph) if self.depth == 0 => {
                let anchor = &self.anchor;
                self.events.push(Event::Html(
                    format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this paragraph\"></a></p>\n")
                        .into(),
                ));
            }
            Event::Start(Tag::Item | Tag::TableCell) => {
                self.new_segment();
                self.events.push(event);
            }
            Event::Start(Tag::List(_) | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_)) => {
                self.depth += 1;
                self.events.push(event);
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition) => {
                self.depth -= 1;
                self.events.push(event);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.start_link(link_type, dest_url, title, id, range),
            Event::End(TagEnd::Link) => {
                self.link_depth -= 1;
                if let Some((index, start)) = self.open_link.take() {
                    let end = self.segment().text.len();
                    self.outline.links[index].text = start..end;
                }
                self.events.push(event);
            }
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                if is_script_url(dest_url) {
                    self.outline.script_links.push((dest_url.to_string(), range));
                }
                self.image_depth += 1;
                self.events.push(event);
            }
            Event::End(TagEnd::Image) => {
                self.image_depth -= 1;
                self.events.push(event);
            }
            Event::Text(text) if self.image_depth == 0 => self.text(text),
            Event::Code(code) => {
                self.segment().text.push_str(&code);
                self.events.push(Event::Code(code));
            }
            Event::SoftBreak | Event::HardBreak => {
                self.segment().text.push(' ');
                self.events.push(event);
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                self.raw_html = true;
                self.events.push(event);
            }
            other => self.events.push(other),
        }
    }

    fn start_link(
        &mut self,
        link_type: pulldown_cmark::LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: Range<usize>,
    ) {
        self.link_depth += 1;
        if is_script_url(&dest_url) {
            self.outline.script_links.push((dest_url.to_string(), range.clone()));
        }
        let mut dest = dest_url;
        if let Some(target) = dest.strip_prefix(INTERNAL_PREFIX) {
            let (slug, fragment) = match target.split_once('#') {
                Some((s, f)) => (s.to_string(), Some(f.to_string())),
                None => (target.to_string(), None),
            };
            let resolved = self
                .linker
                .as_ref()
                .and_then(|l| (l.resolve)(&slug, fragment.as_deref()));
            let start = self.segment().text.len();
            let segment = self.outline.segments.len() - 1;
            self.outline.links.push(ExplicitLink {
                slug,
                fragment,
                source: range,
                segment,
                text: start..start,
            });
            self.open_link = Some((self.outline.links.len() - 1, start));
            if let Some(url) = resolved {
                dest = url.into();
            }
        }
        self.events.push(Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        }));
    }

    fn text(&mut self, text: CowStr<'a>) {
        let eligible = self.link_depth == 0;
        let segment = self.segment();
        let start = segment.text.len();
        segment.text.push_str(&text);
        if eligible {
            segment.pieces.push(start..segment.text.len());
        }
        let mentions = match (eligible, self.linker.as_mut()) {
            (true, Some(linker)) => (linker.mentions)(&text),
            _ => Vec::new(),
        };
        if mentions.is_empty() && !text.chars().any(super::text::is_chinese) {
            self.events.push(Event::Text(text));
            return;
        }
        let mut html = String::with_capacity(text.len() + 64);
        write_linked(&mut html, &text, &mentions);
        self.events.push(Event::InlineHtml(html.into()));
    }
}

fn marked(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    escape_marking_chinese(&mut html, text);
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::text::MentionLink;

    #[test]
    fn anchors_headings_and_top_level_paragraphs() {
        let r = render(
            "# Intro\n\nFirst.\n\n- item\n\n## Details {#own}\n\nSecond.\n",
            "",
            None,
        );
        assert!(r.html.contains("<h1 id=\"sec-intro\">Intro"), "{}", r.html);
        assert!(r.html.contains("<p id=\"p-1\">First."));
        assert!(r.html.contains("<p id=\"p-2\">Second."));
        assert!(r.html.contains("<h2 id=\"own\">"));
        assert_eq!(r.toc[0].children[0].anchor, "own");
        assert_eq!(r.outline.anchors, ["sec-intro", "p-1", "own", "p-2"]);
    }

    #[test]
    fn prefixes_keep_note_anchors_apart() {
        let r = render("A note.", "note-", None);
        assert!(r.html.contains("id=\"note-p-1\""));
    }

    #[test]
    fn highlights_fenced_code_and_marks_chinese() {
        let r = render("```rust\nlet x = 1;\n```\n\n平安中国 <i>x</i>\n", "", None);
        assert!(
            r.html
                .contains("<pre class=\"code\" data-lang=\"rust\"><code><span class=\"hl-"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<span lang=\"zh\">平安中国</span>"));
    }

    #[test]
    fn outline_records_internal_links_and_text_segments() {
        let o = outline(
            "See [the plan](@/plan#sec-iv) and *the* [web](https://x.org).\n\n- an item\n",
            "",
        );
        assert_eq!(o.links.len(), 1);
        let link = &o.links[0];
        assert_eq!((link.slug.as_str(), link.fragment.as_deref()), ("plan", Some("sec-iv")));
        let seg = &o.segments[link.segment];
        assert_eq!(seg.anchor, "p-1");
        assert_eq!(&seg.text[link.text.clone()], "the plan");
        assert_eq!(seg.text, "See the plan and the web.");
        let pieces: Vec<&str> = seg.pieces.iter().map(|r| &seg.text[r.clone()]).collect();
        assert_eq!(pieces, ["See ", " and ", "the", " ", "."]);
        assert_eq!(o.segments[1].text, "an item");
    }

    #[test]
    fn renders_resolved_links_and_mentions_but_not_inside_links() {
        let resolve = |slug: &str, frag: Option<&str>| Some(format!("/documents/{slug}/#{}", frag.unwrap_or("")));
        let mut mentions = |text: &str| match text.find("Plan") {
            Some(i) => vec![MentionLink {
                range: i..i + 4,
                url: "/documents/plan/".into(),
            }],
            None => Vec::new(),
        };
        let mut linker = Linker {
            resolve: &resolve,
            mentions: &mut mentions,
            unsafe_html: false,
        };
        let r = render("The Plan and [the Plan](@/plan#p-2).", "", Some(&mut linker));
        assert!(r.html.contains("The <a class=\"mention\" href=\"/documents/plan/\">Plan</a> and <a href=\"/documents/plan/#p-2\">the Plan</a>"), "{}", r.html);
    }
}
