//! Markdown to HTML: curator's notes, `.md` seeds and seedless documents.
//!
//! pulldown-cmark parses; a `Walk` adjusts its events on the way to HTML:
//! headings get `sec-…` anchors and feed the table of contents, top-level
//! paragraphs get `p-N` anchors like seed paragraphs, footnotes get `fn-…`
//! ids, fenced code is highlighted by syntect, Chinese runs get
//! `lang="zh"`, `@/slug#anchor` links are resolved, and mentions of other
//! documents become links. Authors' own ids follow [`super::ids`]: one that
//! annals or the theme uses is renamed, and in a curator's note every id
//! starts with `note-`.
//!
//! The walk hands on each event as soon as it has adjusted it and keeps
//! nothing per block but the table of contents, so rendering takes memory
//! for the HTML it writes and little more, however many paragraphs a text
//! has.
//!
//! The same walk also yields an [`Outline`] (anchors, explicit links, the
//! plain text of each block, and what is wrong with the markup) for the
//! analyse stage, which needs to know what a markdown text cites before any
//! page is rendered. One walk serves both so that the anchors analysed are
//! exactly the anchors rendered. A text that holds raw HTML is also written
//! out for the analysis and read as the sanitiser will read it
//! ([`super::raw_html`]), for the limits raw HTML must keep and the ids it
//! holds.

use std::cell::Cell;
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::highlight::highlight;
use super::ids;
use super::raw_html::{self, IdRules, Limit};
use super::text::{Mentions, TocEntry, escape, escape_marking_chinese, nest_toc, write_linked};
use crate::content::slug::{Unique, slugify};

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

/// One block's plain text, for finding mentions: where it is in the
/// outline's `text`, and which of the outline's `pieces` are its.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The anchor a reader follows to reach this text.
    pub anchor: Anchor,
    pub text: Range<usize>,
    pub pieces: Range<usize>,
}

/// An anchor of an outline, without a string of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text before the first block with an anchor.
    None,
    /// The N-th top-level paragraph, from 1.
    Paragraph(usize),
    /// The N-th heading, from 0.
    Heading(usize),
}

/// What a markdown text contains, for the link graph. Blocks' texts are
/// kept in one string and their anchors as numbers, so that an outline
/// takes a few dozen bytes per block besides the text.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    prefix: String,
    /// Each heading's anchor, with how many paragraphs come before it.
    headings: Vec<(usize, String)>,
    paragraphs: usize,
    pub links: Vec<ExplicitLink>,
    /// Links and images whose target is a script URL, with their byte
    /// ranges in the source: errors.
    pub script_links: Vec<(String, Range<usize>)>,
    /// The plain text of every block, one after another.
    pub text: String,
    pub segments: Vec<Segment>,
    /// The ranges of `text` eligible for mentions (outside links and
    /// code), in order.
    pub pieces: Vec<Range<usize>>,
    /// What is wrong with the markup, in the order found.
    pub markup: Vec<Markup>,
    /// The ids in the text's raw HTML as a parser reads them, with where.
    pub raw_ids: Vec<(String, usize)>,
}

impl Outline {
    /// The anchor as it is written on the page.
    pub fn anchor(&self, anchor: Anchor) -> std::borrow::Cow<'_, str> {
        match anchor {
            Anchor::None => "".into(),
            Anchor::Paragraph(n) => format!("{}p-{n}", self.prefix).into(),
            Anchor::Heading(i) => self.headings[i].1.as_str().into(),
        }
    }

    /// Every anchor of the text, in order.
    pub fn anchors(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.headings.len() + self.paragraphs);
        let mut paragraph = 0;
        for (before, heading) in &self.headings {
            while paragraph < *before {
                paragraph += 1;
                out.push(self.anchor(Anchor::Paragraph(paragraph)).into_owned());
            }
            out.push(heading.clone());
        }
        while paragraph < self.paragraphs {
            paragraph += 1;
            out.push(self.anchor(Anchor::Paragraph(paragraph)).into_owned());
        }
        out
    }

    /// A segment's text.
    pub fn segment_text(&self, segment: &Segment) -> &str {
        &self.text[segment.text.clone()]
    }

    /// A segment's pieces, as ranges of its text.
    pub fn segment_pieces(&self, segment: &Segment) -> impl Iterator<Item = Range<usize>> + '_ {
        let base = segment.text.start;
        self.pieces[segment.pieces.clone()]
            .iter()
            .map(move |r| r.start - base..r.end - base)
    }
}

/// Something about a text's markup that the analysis reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    pub issue: Issue,
    /// Byte offset in the markdown.
    pub at: usize,
    /// Bytes from there to show: the heading attribute, say.
    pub len: usize,
}

/// What [`Markup`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// An author's id that annals or the theme uses, and what it became.
    /// `raw` when it is in raw HTML (a heading's `{#id}` otherwise).
    ReservedId { id: String, renamed: String, raw: bool },
    /// An author's id used twice in one text, and what the repeat became.
    RepeatedId { id: String, renamed: String, raw: bool },
    /// The text's HTML crosses a limit of [`raw_html`].
    Limit(Limit),
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

/// Rendered markdown: the HTML and the headings for the table of contents.
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// Walks `markdown` once, without writing HTML, for its outline; a text
/// that holds raw HTML is also written and read (see the module comment).
/// The blocks of a markdown text as plain text, each with the anchor a
/// reader follows to it (the nearest paragraph or heading); empty blocks
/// left out. The search records and the documents' data are made of them.
pub fn text_blocks(markdown: &str, anchor_prefix: &str) -> Vec<(String, String)> {
    let outline = outline(markdown, anchor_prefix);
    outline
        .segments
        .iter()
        .filter_map(|segment| {
            let text = outline.text[segment.text.clone()].trim();
            (!text.is_empty()).then(|| (outline.anchor(segment.anchor).into_owned(), text.to_string()))
        })
        .collect()
}

pub fn outline(markdown: &str, anchor_prefix: &str) -> Outline {
    let mut walk = Walk::new(markdown, anchor_prefix, None, None);
    walk.outline = Some(Outline {
        prefix: anchor_prefix.to_string(),
        ..Outline::default()
    });
    walk.by_ref().for_each(drop);
    let raw_html = walk.raw_html;
    let mut outline = walk.outline.take().expect("set above");
    if raw_html {
        let (markup, raw_ids) = inspect_raw_html(markdown, anchor_prefix);
        outline.markup.extend(markup);
        outline.raw_ids = raw_ids;
    }
    outline
}

/// Renders markdown. `anchor_prefix` keeps the anchors of two markdown texts
/// on one page apart (the curator's note uses `note-`). Raw HTML is
/// sanitised when there is a linker that does not keep it as written.
pub fn render(markdown: &str, anchor_prefix: &str, linker: Option<&mut Linker>) -> Rendered {
    let sanitising = linker.as_ref().is_some_and(|l| !l.unsafe_html);
    // Only a text with a `<` can hold raw HTML: only then are annals' own
    // ids marked for the sanitiser.
    let own =
        (sanitising && memchr::memchr(b'<', markdown.as_bytes()).is_some()).then(|| raw_html::own_marker(markdown));
    let mut walk = Walk::new(markdown, anchor_prefix, linker, own.clone());
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, &mut walk);
    let html = match own {
        Some(own) if walk.raw_html => raw_html::sanitise(
            &html,
            IdRules {
                own,
                prefix: anchor_prefix.to_string(),
                used: walk.used,
            },
        ),
        Some(own) => html.replace(&own, ""),
        None => html,
    };
    Rendered {
        html,
        toc: nest_toc(walk.toc),
    }
}

/// Writes a text that holds raw HTML as the renderer does (without links
/// and mentions, which do not change its shape) and reads it as the
/// sanitiser will: the limits it crosses and the raw ids it renames, and
/// every raw id, each traced back to the markdown.
fn inspect_raw_html(markdown: &str, prefix: &str) -> (Vec<Markup>, Vec<(String, usize)>) {
    let own = raw_html::own_marker(markdown);
    let at = Rc::new(Cell::new(0));
    let mut walk = Walk::new(markdown, prefix, None, Some(own.clone()));
    walk.source_at = Some(at.clone());
    let mut out = Recorder {
        html: String::with_capacity(markdown.len() * 3 / 2),
        marks: Vec::new(),
        at,
    };
    pulldown_cmark::html::write_html_fmt(&mut out, &mut walk).expect("writing to a String cannot fail");
    let found = raw_html::inspect(&out.html, &out.marks, &own);
    let mut issues: Vec<Markup> = found
        .exceeded
        .map(|(limit, at)| Markup {
            issue: Issue::Limit(limit),
            at,
            len: 1,
        })
        .into_iter()
        .collect();
    let mut used = walk.used;
    for (id, at) in found.ids.iter().cloned() {
        let wanted = ids::author_id(&id, prefix);
        let renamed = used.claim(wanted.clone());
        let issue = if ids::is_reserved(&id) {
            Issue::ReservedId { id, renamed, raw: true }
        } else if renamed != wanted {
            Issue::RepeatedId { id, renamed, raw: true }
        } else {
            continue;
        };
        issues.push(Markup { issue, at, len: 1 });
    }
    (issues, found.ids)
}

/// Collects HTML, noting where in it the output of each markdown event
/// starts.
struct Recorder {
    html: String,
    marks: Vec<(usize, usize)>,
    /// The markdown offset of the event being written.
    at: Rc<Cell<usize>>,
}

impl std::fmt::Write for Recorder {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let at = self.at.get();
        if self.marks.last().is_none_or(|&(_, last)| last != at) {
            self.marks.push((self.html.len(), at));
        }
        self.html.push_str(s);
        Ok(())
    }
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

/// The walk over a markdown text's events: an iterator of the adjusted
/// events, which it hands on one source event at a time.
struct Walk<'a, 'l, 'k> {
    source: &'a str,
    parser: pulldown_cmark::OffsetIter<'a, pulldown_cmark::DefaultBrokenLinkCallback>,
    /// Adjusted events not yet handed on.
    queue: VecDeque<Event<'a>>,
    /// The outline being recorded, when it is wanted; events are wanted
    /// when it is not.
    outline: Option<Outline>,
    prefix: &'a str,
    linker: Option<&'l mut Linker<'k>>,
    /// The marker before annals' own ids, when raw HTML may need it.
    own: Option<String>,
    /// Where to note the markdown offset of each event read.
    source_at: Option<Rc<Cell<usize>>>,
    /// Ids given out: headings', authors' and footnotes'. Paragraph anchors
    /// are numbered and cannot collide with these, so they are not kept.
    used: Unique,
    toc: Vec<(u8, String, String)>,
    paragraphs: usize,
    /// The anchor of the block being walked, and the same for the outline.
    anchor: String,
    current: Anchor,
    /// Nesting depth of block containers (lists, quotes, footnotes).
    depth: usize,
    link_depth: usize,
    image_depth: usize,
    /// The explicit link being walked: (index in outline.links, text start).
    open_link: Option<(usize, usize)>,
    /// Whether the markdown holds raw HTML.
    raw_html: bool,
}

impl<'a> Iterator for Walk<'a, '_, '_> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            let (event, range) = self.parser.next()?;
            if let Some(at) = &self.source_at {
                at.set(range.start);
            }
            self.step(event, range);
        }
    }
}

impl<'a, 'l, 'k> Walk<'a, 'l, 'k> {
    fn new(markdown: &'a str, prefix: &'a str, linker: Option<&'l mut Linker<'k>>, own: Option<String>) -> Self {
        Walk {
            source: markdown,
            parser: Parser::new_ext(markdown, options()).into_offset_iter(),
            queue: VecDeque::new(),
            outline: None,
            prefix,
            linker,
            own,
            source_at: None,
            used: Unique::default(),
            toc: Vec::new(),
            paragraphs: 0,
            anchor: String::new(),
            current: Anchor::None,
            depth: 0,
            link_depth: 0,
            image_depth: 0,
            open_link: None,
            raw_html: false,
        }
    }

    /// Hands on `event`, if events are wanted.
    fn emit(&mut self, event: Event<'a>) {
        if self.outline.is_none() {
            self.queue.push_back(event);
        }
    }

    /// Hands on HTML made by `make`, if events are wanted.
    fn emit_html(&mut self, make: impl FnOnce(&str) -> String) {
        if self.outline.is_none() {
            let html = make(self.own.as_deref().unwrap_or(""));
            self.queue.push_back(Event::Html(html.into()));
        }
    }

    fn step(&mut self, event: Event<'a>, range: Range<usize>) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let inner: Vec<Event> = self
                    .parser
                    .by_ref()
                    .map(|(e, _)| e)
                    .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                    .collect();
                self.heading(level, id.filter(|i| !i.is_empty()), inner, range);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let code: String = self
                    .parser
                    .by_ref()
                    .map(|(e, _)| e)
                    .take_while(|e| !matches!(e, Event::End(TagEnd::CodeBlock)))
                    .filter_map(|e| match e {
                        Event::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                self.emit_html(|_| code_block(&code, &lang));
            }
            other => self.event(other, range),
        }
    }

    fn heading(&mut self, level: HeadingLevel, id: Option<CowStr<'a>>, inner: Vec<Event<'a>>, range: Range<usize>) {
        let title: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        self.raw_html |= inner.iter().any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)));
        let anchor = match id {
            Some(id) => self.author_id(&id, range),
            None => {
                let slug: String = slugify(&title).chars().take(48).collect();
                let slug = if slug.is_empty() { "untitled" } else { &slug };
                self.used.claim(format!("{}sec-{slug}", self.prefix))
            }
        };
        if let Some(outline) = &mut self.outline {
            self.current = Anchor::Heading(outline.headings.len());
            outline.headings.push((self.paragraphs, anchor.clone()));
        }
        self.anchor = anchor.clone();
        let n = level as u8;
        self.toc.push((n, anchor.clone(), title));
        let anchor = escape(&anchor);
        self.emit_html(|own| format!("<h{n} id=\"{own}{anchor}\">"));
        for e in inner {
            match e {
                Event::Text(t) => self.emit(Event::InlineHtml(marked(&t).into())),
                other => self.emit(other),
            }
        }
        self.emit_html(|_| {
            format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\"></a></h{n}>\n")
        });
    }

    /// The id a heading's `{#id}` becomes, noting in the outline when that
    /// is not the id as written (beyond a note's prefix). `heading` is the
    /// heading's range in the markdown.
    fn author_id(&mut self, id: &str, heading: Range<usize>) -> String {
        let wanted = ids::author_id(id, self.prefix);
        let renamed = self.used.claim(wanted.clone());
        let issue = if ids::is_reserved(id) {
            Issue::ReservedId {
                id: id.to_string(),
                renamed: renamed.clone(),
                raw: false,
            }
        } else if renamed != wanted {
            Issue::RepeatedId {
                id: id.to_string(),
                renamed: renamed.clone(),
                raw: false,
            }
        } else {
            return renamed;
        };
        if let Some(outline) = &mut self.outline {
            // Point at the attribute, `{#id}`, where it can be found.
            let written = self.source.get(heading.clone()).and_then(|h| h.find(&format!("#{id}")));
            let (at, len) = match written {
                Some(i) if i > 0 => (heading.start + i - 1, id.len() + 3),
                _ => (heading.start, 1),
            };
            outline.markup.push(Markup { issue, at, len });
        }
        renamed
    }

    fn new_segment(&mut self) {
        if let Some(outline) = &mut self.outline {
            let (text, pieces) = (outline.text.len(), outline.pieces.len());
            outline.segments.push(Segment {
                anchor: self.current,
                text: text..text,
                pieces: pieces..pieces,
            });
        }
    }

    /// The outline and its segment being walked, when the outline is
    /// wanted.
    fn segment(&mut self) -> Option<&mut Outline> {
        if self.outline.as_ref()?.segments.is_empty() {
            self.new_segment();
        }
        self.outline.as_mut()
    }

    /// Adds `text` to the segment being walked, as a piece eligible for
    /// mentions if `eligible`.
    fn add_text(&mut self, text: &str, eligible: bool) {
        if let Some(outline) = self.segment() {
            let start = outline.text.len();
            outline.text.push_str(text);
            let end = outline.text.len();
            if eligible {
                outline.pieces.push(start..end);
            }
            let (pieces, segment) = (
                outline.pieces.len(),
                outline.segments.last_mut().expect("made by segment()"),
            );
            segment.text.end = end;
            segment.pieces.end = pieces;
        }
    }

    /// Where the segment being walked ends, in its own text.
    fn segment_len(&mut self) -> Option<usize> {
        let outline = self.segment()?;
        let segment = outline.segments.last().expect("made by segment()");
        Some(segment.text.len())
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        match event {
            Event::Start(Tag::Paragraph) if self.depth == 0 => {
                self.paragraphs += 1;
                self.current = Anchor::Paragraph(self.paragraphs);
                if let Some(outline) = &mut self.outline {
                    outline.paragraphs = self.paragraphs;
                }
                self.new_segment();
                if self.outline.is_none() {
                    self.anchor = format!("{}p-{}", self.prefix, self.paragraphs);
                    let anchor = &self.anchor;
                    let own = self.own.as_deref().unwrap_or("");
                    let html = format!("<p id=\"{own}{anchor}\">");
                    self.queue.push_back(Event::Html(html.into()));
                }
            }
            Event::End(TagEnd::Paragraph) if self.depth == 0 => {
                let anchor = &self.anchor;
                if self.outline.is_none() {
                    let html = format!(
                        " <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this paragraph\"></a></p>\n"
                    );
                    self.queue.push_back(Event::Html(html.into()));
                }
            }
            Event::Start(Tag::Item | Tag::TableCell) => {
                self.new_segment();
                self.emit(event);
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                self.depth += 1;
                let id = self.used.claim(format!("{}fn-{label}", self.prefix));
                let own = self.own.as_deref().unwrap_or("");
                let name = format!("{own}{id}");
                self.emit(Event::Start(Tag::FootnoteDefinition(name.into())));
            }
            Event::FootnoteReference(label) => {
                let own = self.own.as_deref().unwrap_or("");
                let name = format!("{own}{}fn-{label}", self.prefix);
                self.emit(Event::FootnoteReference(name.into()));
            }
            Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => {
                self.depth += 1;
                self.emit(event);
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition) => {
                self.depth -= 1;
                self.emit(event);
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
                    let end = self.segment_len().unwrap_or(start);
                    if let Some(outline) = &mut self.outline {
                        outline.links[index].text = start..end;
                    }
                }
                self.emit(event);
            }
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                if is_script_url(dest_url) {
                    if let Some(outline) = &mut self.outline {
                        outline.script_links.push((dest_url.to_string(), range));
                    }
                }
                self.image_depth += 1;
                self.emit(event);
            }
            Event::End(TagEnd::Image) => {
                self.image_depth -= 1;
                self.emit(event);
            }
            Event::Text(text) if self.image_depth == 0 => self.text(text),
            Event::Code(code) => {
                self.add_text(&code, false);
                self.emit(Event::Code(code));
            }
            Event::SoftBreak | Event::HardBreak => {
                self.add_text(" ", false);
                self.emit(event);
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                self.raw_html = true;
                self.emit(event);
            }
            other => self.emit(other),
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
            if let Some(outline) = &mut self.outline {
                outline.script_links.push((dest_url.to_string(), range.clone()));
            }
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
            if let Some(start) = self.segment_len() {
                let outline = self.outline.as_mut().expect("a segment is an outline's");
                let segment = outline.segments.len() - 1;
                outline.links.push(ExplicitLink {
                    slug,
                    fragment,
                    source: range,
                    segment,
                    text: start..start,
                });
                self.open_link = Some((outline.links.len() - 1, start));
            }
            if let Some(url) = resolved {
                dest = url.into();
            }
        }
        self.emit(Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        }));
    }

    fn text(&mut self, text: CowStr<'a>) {
        let eligible = self.link_depth == 0;
        self.add_text(&text, eligible);
        let mentions = match (eligible, self.linker.as_mut()) {
            (true, Some(linker)) => (linker.mentions)(&text),
            _ => Vec::new(),
        };
        if mentions.is_empty() && !text.chars().any(super::text::is_chinese) {
            self.emit(Event::Text(text));
            return;
        }
        if self.outline.is_none() {
            let mut html = String::with_capacity(text.len() + 64);
            write_linked(&mut html, &text, &mentions);
            self.queue.push_back(Event::InlineHtml(html.into()));
        }
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
        let o = outline("# Intro\n\nFirst.\n\n- item\n\n## Details {#own}\n\nSecond.\n", "");
        assert_eq!(o.anchors(), ["sec-intro", "p-1", "own", "p-2"]);
        assert!(o.markup.is_empty());
    }

    #[test]
    fn reserved_and_repeated_heading_ids_are_renamed_and_reported() {
        let md = "# A {#main}\n\nText.\n\n## B {#p-2}\n\nMore.\n\n## C {#x}\n\n## D {#x}\n";
        let r = render(md, "", None);
        assert!(r.html.contains("<h1 id=\"id-main\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"id-p-2\">"));
        assert!(r.html.contains("<p id=\"p-2\">More."));
        assert!(r.html.contains("<h2 id=\"x-2\">"));
        let o = outline(md, "");
        let issues: Vec<(&Issue, &str)> = o.markup.iter().map(|m| (&m.issue, &md[m.at..m.at + m.len])).collect();
        assert_eq!(
            issues,
            [
                (
                    &Issue::ReservedId {
                        id: "main".into(),
                        renamed: "id-main".into(),
                        raw: false
                    },
                    "{#main}"
                ),
                (
                    &Issue::ReservedId {
                        id: "p-2".into(),
                        renamed: "id-p-2".into(),
                        raw: false
                    },
                    "{#p-2}"
                ),
                (
                    &Issue::RepeatedId {
                        id: "x".into(),
                        renamed: "x-2".into(),
                        raw: false
                    },
                    "{#x}"
                ),
            ]
        );
        // In a note, every id starts with note-.
        let note = render("## Sources {#sources}\n\n## Main {#main}\n", "note-", None);
        assert!(note.html.contains("<h2 id=\"note-sources\">"), "{}", note.html);
        assert!(note.html.contains("<h2 id=\"note-id-main\">"));
    }

    #[test]
    fn raw_html_in_a_heading_is_sanitised_too() {
        let resolve = |_: &str, _: Option<&str>| None;
        let mut mentions = |_: &str| Vec::new();
        let mut linker = Linker {
            resolve: &resolve,
            mentions: &mut mentions,
            unsafe_html: false,
        };
        let r = render("# Title <img src=x onerror=alert(1)>\n\nText.\n", "", Some(&mut linker));
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(r.html.contains("<img src=\"x\">"), "{}", r.html);
    }

    #[test]
    fn ids_and_their_links_are_escaped() {
        let r = render("# T {#x\"onmouseover=\"alert(1)}\n", "", None);
        assert!(!r.html.contains("\"onmouseover"), "{}", r.html);
        assert!(
            r.html.contains("id=\"x&quot;onmouseover=&quot;alert(1)\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn footnotes_get_ids_of_their_own() {
        let md = "Text[^1] and[^main].\n\n[^1]: One.\n[^main]: Two.\n";
        let r = render(md, "note-", None);
        assert!(r.html.contains("href=\"#note-fn-1\""), "{}", r.html);
        assert!(r.html.contains("id=\"note-fn-main\""), "{}", r.html);
        assert!(!r.html.contains("id=\"main\""));
    }

    #[test]
    fn raw_html_ids_are_renamed_by_the_sanitiser_and_reported_by_the_outline() {
        let md = "# Main {#own}\n\n<div id=\"main\">x</div>\n\nText <span id=\"own\">y</span>.\n";
        let resolve = |_: &str, _: Option<&str>| None;
        let mut mentions = |_: &str| Vec::new();
        let mut linker = Linker {
            resolve: &resolve,
            mentions: &mut mentions,
            unsafe_html: false,
        };
        let r = render(md, "", Some(&mut linker));
        assert!(r.html.contains("<h1 id=\"own\">"), "{}", r.html);
        assert!(r.html.contains("<div id=\"id-main\">"), "{}", r.html);
        assert!(r.html.contains("<span id=\"own-2\">"), "{}", r.html);
        assert!(r.html.contains("<p id=\"p-1\">Text"), "{}", r.html);
        let o = outline(md, "");
        let issues: Vec<(&Issue, &str)> = o.markup.iter().map(|m| (&m.issue, &md[m.at..m.at + 4])).collect();
        assert_eq!(
            issues,
            [
                (
                    &Issue::ReservedId {
                        id: "main".into(),
                        renamed: "id-main".into(),
                        raw: true
                    },
                    "<div"
                ),
                (
                    &Issue::RepeatedId {
                        id: "own".into(),
                        renamed: "own-2".into(),
                        raw: true
                    },
                    "<spa"
                ),
            ]
        );
    }

    #[test]
    fn raw_html_nested_too_deep_is_reported_where_it_crosses_the_limit() {
        let md = format!("Intro.\n\n{}\n", "<div>\n".repeat(raw_html::MAX_DEPTH + 10));
        let o = outline(&md, "");
        assert_eq!(o.markup.len(), 1, "{:?}", o.markup);
        assert_eq!(o.markup[0].issue, Issue::Limit(Limit::Depth));
        let line = md[..o.markup[0].at].matches('\n').count() + 1;
        assert!(
            (raw_html::MAX_DEPTH..raw_html::MAX_DEPTH + 4).contains(&line),
            "line {line}"
        );
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
        let text = o.segment_text(seg);
        assert_eq!(o.anchor(seg.anchor), "p-1");
        assert_eq!(&text[link.text.clone()], "the plan");
        assert_eq!(text, "See the plan and the web.");
        let pieces: Vec<&str> = o.segment_pieces(seg).map(|r| &text[r]).collect();
        assert_eq!(pieces, ["See ", " and ", "the", " ", "."]);
        assert_eq!(o.segment_text(&o.segments[1]), "an item");
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
