//! The citation as an RIS record (`cite.ris`), the tagged format of
//! EndNote, Zotero, Mendeley and most library databases. RIS has no
//! escaping: a value is the rest of its line, so white space, new lines
//! included, is folded to single spaces. Lines end with CR LF, as the
//! format's specification writes them.
//!
//! No maintained Rust crate writes RIS; it is a list of `TAG  - value`
//! lines, written here.

use super::{Kind, Record, one_line};

/// The record, `TY` first and `ER` last.
pub fn record(r: &Record) -> String {
    let mut lines: Vec<(&str, String)> = Vec::new();
    let ty = match r.kind {
        Kind::Legislation | Kind::Report => "RPRT",
        Kind::News => "NEWS",
        Kind::Article => "JOUR",
        Kind::Webpage => "ELEC",
    };
    lines.push(("TY", ty.into()));
    lines.push(("TI", r.title.into()));
    for a in &r.authors {
        lines.push(("AU", (*a).into()));
    }
    // A4 is the translator in RIS, as EndNote and Zotero read it.
    for t in &r.translators {
        lines.push(("A4", (*t).into()));
    }
    if let Some(original) = r.original_title {
        lines.push(("TT", original.into()));
    }
    if let Some(date) = r.date {
        lines.push(("PY", format!("{:04}", date.year)));
        // DA is YYYY/MM/DD/ with the unknown parts left empty.
        let part = |n: Option<u8>| n.map(|n| format!("{n:02}")).unwrap_or_default();
        lines.push((
            "DA",
            format!("{:04}/{}/{}/", date.year, part(date.month), part(date.day)),
        ));
    }
    match r.kind {
        Kind::Legislation | Kind::Report => {
            if let Some(institution) = r.institution() {
                lines.push(("PB", institution));
            }
            if let Some(number) = r.number {
                lines.push(("SN", number.into()));
            }
            if let Some(genre) = r.genre {
                lines.push(("M3", genre.into()));
            }
        }
        Kind::News | Kind::Article => {
            if let Some(p) = r.publication {
                lines.push(("T2", p.into()));
            }
        }
        Kind::Webpage => {
            if let Some(p) = r.publication {
                lines.push(("PB", p.into()));
            }
        }
    }
    lines.push(("LA", r.language.into()));
    for k in &r.keywords {
        lines.push(("KW", (*k).into()));
    }
    if let Some(summary) = r.summary {
        lines.push(("AB", summary.into()));
    }
    lines.push(("UR", r.url.clone()));
    lines.push(("DB", r.archive.into()));
    let mut out = String::new();
    for (tag, value) in lines {
        let value = one_line(&value);
        if value.is_empty() {
            continue;
        }
        out.push_str(tag);
        out.push_str("  - ");
        out.push_str(&value);
        out.push_str("\r\n");
    }
    out.push_str("ER  - \r\n");
    out
}
