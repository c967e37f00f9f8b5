//! The citation as CSL-JSON (`cite.json`): the input of Citation Style
//! Language processors (Zotero, Mendeley, Pandoc's citeproc), which format
//! it in any of the thousands of CSL styles. An array of one item, as the
//! CSL-JSON schema has it.

use serde::Serialize;

use super::{Kind, Record};

/// `s` on one line, owned.
fn one_line(s: &str) -> String {
    super::one_line(s).into_owned()
}

#[derive(Serialize)]
struct Name {
    literal: String,
}

#[derive(Serialize)]
struct Date {
    #[serde(rename = "date-parts")]
    parts: [Vec<u32>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Item<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_title: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<Name>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    translator: Vec<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    genre: Option<String>,
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword: Option<String>,
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(rename = "URL")]
    url: &'a str,
    archive: String,
}

/// The CSL-JSON array, ending with a new line.
pub fn json(r: &Record) -> Vec<u8> {
    let names = |names: &[&str]| -> Vec<Name> { names.iter().map(|n| Name { literal: one_line(n) }).collect() };
    let kind = match r.kind {
        Kind::Legislation => "legislation",
        Kind::Report => "report",
        Kind::News => "article-newspaper",
        Kind::Article => "article-journal",
        Kind::Webpage => "webpage",
    };
    let institution = r.institution().map(|i| one_line(&i));
    let publication = r.publication.map(one_line);
    let item = Item {
        id: r.key,
        kind,
        title: one_line(r.title),
        original_title: r.original_title.map(one_line),
        author: names(&r.authors),
        translator: names(&r.translators),
        issued: r.date.map(|d| Date {
            parts: [std::iter::once(d.year as u32)
                .chain(d.month.map(u32::from))
                .chain(d.day.map(u32::from))
                .collect()],
        }),
        // Legislation's issuing body is its authority; a report's, its
        // publisher (CSL's styles print a report's publisher as the
        // institution).
        authority: institution.clone().filter(|_| r.kind == Kind::Legislation),
        publisher: match r.kind {
            Kind::Report => institution.or(publication.clone()),
            Kind::Legislation | Kind::Webpage => publication.clone(),
            Kind::News | Kind::Article => None,
        },
        container_title: publication.filter(|_| r.kind.periodical()),
        number: r.number.map(one_line),
        genre: r.genre.map(one_line),
        language: r.language,
        keyword: (!r.keywords.is_empty()).then(|| r.keywords.join(", ")),
        summary: r.summary.map(one_line),
        url: &r.url,
        archive: one_line(r.archive),
    };
    let mut out = serde_json::to_vec_pretty(&[item]).expect("citations serialise");
    out.push(b'\n');
    out
}
