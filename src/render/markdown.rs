//! Markdown to HTML: curator's notes, `.md` seeds and seedless documents.
//!
//! pulldown-cmark parses; this module adjusts its events on the way to HTML:
//! headings get `sec-…` anchors and feed the table of contents, top-level
//! paragraphs get `p-N` anchors like seed paragraphs, fenced code is
//! highlighted by syntect, and Chinese runs get `lang="zh"`. Anchors use the
//! same scheme as plain-text seeds so citations look alike across formats.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::highlight::highlight;
use super::text::{RenderedText, escape_marking_chinese, nest_toc};
use crate::content::slug::slugify;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders markdown. `anchor_prefix` keeps the anchors of two markdown texts
/// on one page apart (the curator's note uses `note-`).
pub fn render(markdown: &str, anchor_prefix: &str) -> RenderedText {
    let mut state = State {
        prefix: anchor_prefix,
        used: HashSet::new(),
        toc: Vec::new(),
        paragraphs: 0,
        depth: 0,
        image_depth: 0,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut parser = Parser::new_ext(markdown, options());
    while let Some(event) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let inner: Vec<Event> = parser
                    .by_ref()
                    .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                    .collect();
                state.heading(&mut events, level, id.map(|i| i.to_string()), inner);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let code: String = parser
                    .by_ref()
                    .take_while(|e| !matches!(e, Event::End(TagEnd::CodeBlock)))
                    .filter_map(|e| match e {
                        Event::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                events.push(Event::Html(code_block(&code, &lang).into()));
            }
            other => state.event(&mut events, other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    RenderedText {
        html,
        toc: nest_toc(state.toc),
    }
}

fn code_block(code: &str, lang: &str) -> String {
    let token = lang.split([' ', ',', '{']).next().unwrap_or_default();
    let class = if token.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", super::text::escape(token))
    };
    format!(
        "<pre class=\"code\"{class}><code>{}</code></pre>\n",
        highlight(code, lang)
    )
}

struct State<'p> {
    prefix: &'p str,
    used: HashSet<String>,
    toc: Vec<(u8, String, String)>,
    paragraphs: usize,
    /// Nesting depth of block containers (lists, quotes, footnotes).
    depth: usize,
    image_depth: usize,
}

impl State<'_> {
    fn unique(&mut self, anchor: String) -> String {
        let mut candidate = anchor.clone();
        let mut n = 2;
        while !self.used.insert(candidate.clone()) {
            candidate = format!("{anchor}-{n}");
            n += 1;
        }
        candidate
    }

    fn heading<'a>(
        &mut self,
        out: &mut Vec<Event<'a>>,
        level: HeadingLevel,
        id: Option<String>,
        inner: Vec<Event<'a>>,
    ) {
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
        let n = level as u8;
        self.toc.push((n, anchor.clone(), title));
        out.push(Event::Html(format!("<h{n} id=\"{anchor}\">").into()));
        for e in inner {
            self.event(out, e);
        }
        out.push(Event::Html(format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\"></a></h{n}>\n").into()));
    }

    fn event<'a>(&mut self, out: &mut Vec<Event<'a>>, event: Event<'a>) {
        match event {
            Event::Start(Tag::Paragraph) if self.depth == 0 => {
                self.paragraphs += 1;
                let anchor = self.unique(format!("{}p-{}", self.prefix, self.paragraphs));
                out.push(Event::Html(format!("<p id=\"{anchor}\">").into()));
            }
            Event::End(TagEnd::Paragraph) if self.depth == 0 => {
                let anchor = format!("{}p-{}", self.prefix, self.paragraphs);
                out.push(Event::Html(format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this paragraph\"></a></p>\n").into()));
            }
            Event::Start(
                ref tag @ (Tag::List(_) | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_)),
            ) => {
                let _ = tag;
                self.depth += 1;
                out.push(event);
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition) => {
                self.depth -= 1;
                out.push(event);
            }
            Event::Start(Tag::Image { .. }) => {
                self.image_depth += 1;
                out.push(event);
            }
            Event::End(TagEnd::Image) => {
                self.image_depth -= 1;
                out.push(event);
            }
            Event::Text(text)
                if self.image_depth == 0 && text.chars().any(super::text::is_chinese) =>
            {
                let mut html = String::with_capacity(text.len() + 32);
                escape_marking_chinese(&mut html, &text);
                out.push(Event::InlineHtml(html.into()));
            }
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_headings_and_top_level_paragraphs() {
        let r = render(
            "# Intro\n\nFirst.\n\n- item\n\n## Details {#own}\n\nSecond.\n",
            "",
        );
        assert!(r.html.contains("<h1 id=\"sec-intro\">Intro"), "{}", r.html);
        assert!(r.html.contains("<p id=\"p-1\">First."));
        assert!(r.html.contains("<p id=\"p-2\">Second."));
        assert!(r.html.contains("<h2 id=\"own\">"));
        assert_eq!(r.toc[0].children[0].anchor, "own");
    }

    #[test]
    fn prefixes_keep_note_anchors_apart() {
        let r = render("A note.", "note-");
        assert!(r.html.contains("id=\"note-p-1\""));
    }

    #[test]
    fn highlights_fenced_code_and_marks_chinese() {
        let r = render("```rust\nlet x = 1;\n```\n\n平安中国 <i>x</i>\n", "");
        assert!(
            r.html
                .contains("<pre class=\"code\" data-lang=\"rust\"><code><span class=\"hl-"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<span lang=\"zh\">平安中国</span>"));
    }
}
