//! The citation as a BibLaTeX entry (`cite.bib`), written with the
//! `biblatex` crate, which escapes what TeX would read as commands
//! (`{ } % & $ # _ ~ ^ \`). Names go in braces whole, so that neither BibTeX
//! nor Biber splits a body's name at its "and" or takes the last word of a
//! Chinese name for the family name; titles go in braces too, so styles
//! that change case leave official names as written.

use biblatex::{Chunk, Entry, EntryType, Spanned};

use super::{Kind, Record, one_line};

fn normal(s: &str) -> Vec<Spanned<Chunk>> {
    vec![Spanned::zero(Chunk::Normal(one_line(s).into_owned()))]
}

fn verbatim(s: &str) -> Vec<Spanned<Chunk>> {
    vec![Spanned::zero(Chunk::Verbatim(one_line(s).into_owned()))]
}

/// A name list: each name in braces, joined by "and".
fn names(names: &[&str]) -> Vec<Spanned<Chunk>> {
    let mut chunks = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            chunks.push(Spanned::zero(Chunk::Normal(" and ".into())));
        }
        chunks.push(Spanned::zero(Chunk::Verbatim(one_line(name).into_owned())));
    }
    chunks
}

/// The entry, ending with a new line.
pub fn entry(r: &Record) -> String {
    let entry_type = match r.kind {
        Kind::Legislation | Kind::Report => EntryType::Report,
        Kind::News | Kind::Article => EntryType::Article,
        Kind::Webpage => EntryType::Online,
    };
    let mut e = Entry::new(r.key.to_string(), entry_type);
    if !r.authors.is_empty() {
        e.set("author", names(&r.authors));
    }
    e.set("title", verbatim(r.title));
    if let Some(original) = r.original_title {
        e.set("origtitle", verbatim(original));
    }
    if !r.translators.is_empty() {
        e.set("translator", names(&r.translators));
    }
    if let Some(date) = r.date {
        e.set("date", normal(&date.iso()));
    }
    match r.kind {
        Kind::Legislation | Kind::Report => {
            if !r.authors.is_empty() {
                e.set("institution", names(&r.authors));
            }
            // A report's type is printed in its place ("Technical report"
            // by default): the archive's own name for it.
            if let Some(genre) = r.genre {
                e.set("type", normal(&capitalised(genre)));
            }
            if let Some(number) = r.number {
                e.set("number", normal(number));
            }
            if let Some(p) = r.publication {
                e.set("publisher", verbatim(p));
            }
        }
        Kind::News | Kind::Article => {
            if let Some(p) = r.publication {
                e.set("journaltitle", verbatim(p));
            }
            if r.kind == Kind::News {
                e.set("entrysubtype", normal("newspaper"));
            }
            if let Some(number) = r.number {
                e.set("number", normal(number));
            }
        }
        Kind::Webpage => {
            if let Some(p) = r.publication {
                e.set("organization", verbatim(p));
            }
        }
    }
    if !r.keywords.is_empty() {
        e.set("keywords", normal(&r.keywords.join(", ")));
    }
    if let Some(summary) = r.summary {
        e.set("abstract", normal(summary));
    }
    e.set("url", normal(&r.url));
    e.set("addendum", normal(r.archive));
    let mut out = e.to_biblatex_string();
    out.push('\n');
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
