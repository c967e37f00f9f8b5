//! The cite box's citation, in the bibliography form of the Chicago
//! Manual of Style's notes and bibliography system, with the archive as the
//! place the document was found. The access date is the reader's to add.
//!
//! Laws, plans and reports are titled in italics like books, articles in
//! quotation marks followed by the periodical in italics:
//!
//! ```text
//! Issuing Body. *Title* [原标题]. No. 5. Translated by A and B. Publication, 28 December 2021. Archive. URL.
//! Author. “Title.” *Newspaper*, 2 December 2021. Archive. URL.
//! ```

use super::Record;

/// The citation as plain text and as HTML, each in two parts: everything
/// before the URL (`head`, which a pinpoint citation continues with the
/// paragraph), and the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub head: String,
    pub head_html: String,
    pub url: String,
}

impl Citation {
    /// The whole citation as plain text.
    pub fn text(&self) -> String {
        format!("{}. {}.", self.head, self.url)
    }

    /// The whole citation as HTML, its URL a link.
    pub fn html(&self) -> String {
        let url = crate::render::text::escape(&self.url);
        format!("{}. <a href=\"{url}\">{url}</a>.", self.head_html)
    }
}

/// A sentence of the citation, in plain text and in HTML; `closed` when
/// its punctuation ends it already (a quoted title's full stop sits inside
/// the quotation marks).
struct Piece {
    text: String,
    html: String,
    closed: bool,
}

impl Piece {
    fn plain(s: &str) -> Piece {
        Piece {
            text: s.to_string(),
            html: html(s),
            closed: ends_sentence(s),
        }
    }

    fn italic(s: &str) -> Piece {
        Piece {
            text: s.to_string(),
            html: format!("<i>{}</i>", html(s)),
            closed: ends_sentence(s),
        }
    }
}

fn ends_sentence(s: &str) -> bool {
    s.ends_with(['.', '?', '!', '。', '？', '！'])
}

/// Joins names Chicago's way: "A", "A and B", "A, B, and C".
fn names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

pub fn citation(r: &Record) -> Citation {
    let one = super::one_line;
    let mut sentences: Vec<Piece> = Vec::new();
    if !r.authors.is_empty() {
        sentences.push(Piece::plain(&one(&names(&r.authors))));
    }
    let title = one(r.title);
    let original = r.original_title.map(one).filter(|o| !o.is_empty() && *o != title);
    let mut title_piece = if r.kind.periodical() {
        // “Title.” or, with the original title after it, “Title” [原标题].
        let stop = if original.is_none() && !ends_sentence(&title) {
            "."
        } else {
            ""
        };
        let quoted = format!("“{title}{stop}”");
        Piece {
            html: html(&quoted),
            closed: original.is_none(),
            text: quoted,
        }
    } else {
        Piece::italic(&title)
    };
    if let Some(original) = &original {
        title_piece.text.push_str(&format!(" [{original}]"));
        title_piece.html.push_str(&format!(" [{}]", html(original)));
        title_piece.closed = false;
    }
    sentences.push(title_piece);
    if let Some(number) = r.number {
        sentences.push(Piece::plain(&one(number)));
    }
    if !r.translators.is_empty() {
        sentences.push(Piece::plain(&format!("Translated by {}", one(&names(&r.translators)))));
    }
    // Where and when: "Publication, date", a periodical in italics.
    let date = r.date.map(|d| d.to_string());
    let publication = r.publication.map(one);
    let published = match (&publication, &date) {
        (Some(p), Some(d)) if r.kind.periodical() => Some(Piece {
            text: format!("{p}, {d}"),
            html: format!("<i>{}</i>, {}", html(p), html(d)),
            closed: false,
        }),
        (Some(p), None) if r.kind.periodical() => Some(Piece::italic(p)),
        (Some(p), Some(d)) => Some(Piece::plain(&format!("{p}, {d}"))),
        (Some(p), None) => Some(Piece::plain(p)),
        (None, Some(d)) => Some(Piece::plain(d)),
        (None, None) => None,
    };
    sentences.extend(published);
    sentences.push(Piece::plain(&one(r.archive)));
    let mut head = String::new();
    let mut head_html = String::new();
    let mut closed = true;
    for piece in &sentences {
        if !head.is_empty() {
            if !closed {
                head.push('.');
                head_html.push('.');
            }
            head.push(' ');
            head_html.push(' ');
        }
        head.push_str(&piece.text);
        head_html.push_str(&piece.html);
        closed = piece.closed;
    }
    // The head ends before the full stop that the URL follows.
    if closed && head.ends_with('.') {
        head.pop();
        if head_html.ends_with('.') {
            head_html.pop();
        }
    }
    Citation {
        head,
        head_html,
        url: r.url.clone(),
    }
}

/// `s` escaped for HTML, its Chinese marked as such.
fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    crate::render::text::escape_marking_chinese(&mut out, s);
    out
}
