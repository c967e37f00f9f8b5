//! What a document page tells the machines that read it: Highwire Press
//! `citation_*` tags (read by Google Scholar and Zotero), Dublin Core
//! `DC.*` tags, and a schema.org description in JSON-LD (read by search
//! engines). The tags are chosen from what those readers are published to
//! read; the README's "Citations" section names the sources and what each
//! reader makes of each kind of document.

use serde_json::{Map, Value, json};

use super::{Kind, Record, one_line};
use crate::render::text::escape_into;

/// The `<meta>` and `<link>` tags and the JSON-LD `<script>`, one per line,
/// for a page's head. `person` says whether a name is a person's (`Some`)
/// when the archive knows it, as an entity of `entities.toml`.
pub fn head(r: &Record, person: &dyn Fn(&str) -> Option<bool>) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<link rel=\"schema.DC\" href=\"http://purl.org/dc/elements/1.1/\">\n");
    let mut tag = |name: &str, value: &str| {
        let value = one_line(value);
        if !value.is_empty() {
            out.push_str("<meta name=\"");
            out.push_str(name);
            out.push_str("\" content=\"");
            escape_into(&mut out, &value);
            out.push_str("\">\n");
        }
    };
    // Highwire Press.
    tag("citation_title", r.title);
    for a in &r.authors {
        tag("citation_author", a);
    }
    if let Some(date) = r.date {
        // Google Scholar reads a full date as 2010/5/12 and otherwise the
        // year alone.
        let value = match (date.month, date.day) {
            (Some(m), Some(d)) => format!("{:04}/{m:02}/{d:02}", date.year),
            _ => format!("{:04}", date.year),
        };
        tag("citation_publication_date", &value);
    }
    tag("citation_language", r.language);
    tag("citation_public_url", &r.url);
    tag("citation_fulltext_html_url", &r.url);
    for k in &r.keywords {
        tag("citation_keywords", k);
    }
    let publisher = r.publisher();
    match r.kind {
        // Zotero saves a page with this tag as a report, the tag's value
        // its institution.
        Kind::Legislation | Kind::Report => {
            if let Some(institution) = &publisher {
                tag("citation_technical_report_institution", institution);
            }
            if let Some(number) = r.number {
                tag("citation_technical_report_number", number);
            }
        }
        // And with this one, as a journal article.
        Kind::Article => {
            if let Some(p) = r.publication {
                tag("citation_journal_title", p);
            }
        }
        // A newspaper article has no Highwire tag: Zotero takes its type
        // from `DC.type` and the newspaper from `prism.publicationName`.
        Kind::News => {
            if let Some(p) = r.publication {
                tag("prism.publicationName", p);
            }
        }
        Kind::Webpage => {}
    }
    // A web page without a publication is published by the archive.
    let fallback = (r.kind == Kind::Webpage).then_some(r.archive);
    if let Some(p) = publisher.as_deref().or(fallback) {
        tag("citation_publisher", p);
    }
    // Dublin Core.
    tag("DC.title", r.title);
    for a in &r.authors {
        tag("DC.creator", a);
    }
    for t in &r.translators {
        tag("DC.contributor", t);
    }
    if let Some(date) = r.date {
        tag("DC.date", &date.iso());
    }
    tag("DC.language", r.language);
    if let Some(publisher) = &publisher {
        tag("DC.publisher", publisher);
    }
    tag("DC.identifier", &r.url);
    // Values from the Eprints type vocabulary, which Zotero reads.
    let dc_type = match r.kind {
        Kind::Legislation | Kind::Report => "Report",
        Kind::News => "News Item",
        Kind::Article => "Article",
        Kind::Webpage => "Web Page",
    };
    tag("DC.type", dc_type);
    for k in &r.keywords {
        tag("DC.subject", k);
    }
    if let Some(summary) = r.summary {
        tag("DC.description", summary);
    }
    if let Some(source) = r.source_url {
        tag("DC.source", source);
    }
    // schema.org, with `<` escaped so that no text can close the script.
    let ld = serde_json::to_string(&json_ld(r, person)).expect("JSON-LD serialises");
    out.push_str("<script type=\"application/ld+json\">");
    out.push_str(&ld.replace('<', "\\u003c"));
    out.push_str("</script>\n");
    out
}

/// The schema.org description of the document.
pub fn json_ld(r: &Record, person: &dyn Fn(&str) -> Option<bool>) -> Value {
    let who = |name: &str, default_person: bool| {
        let is_person = person(name).unwrap_or(default_person);
        json!({"@type": if is_person { "Person" } else { "Organization" }, "name": one_line(name)})
    };
    let ld_type = match r.kind {
        Kind::Legislation => "Legislation",
        Kind::Report => "Report",
        Kind::News => "NewsArticle",
        Kind::Article => "Article",
        Kind::Webpage => "WebPage",
    };
    let mut m = Map::new();
    m.insert("@context".into(), "https://schema.org".into());
    m.insert("@type".into(), ld_type.into());
    m.insert("@id".into(), r.url.clone().into());
    m.insert("url".into(), r.url.clone().into());
    m.insert("name".into(), one_line(r.title).into());
    if r.kind.periodical() {
        m.insert("headline".into(), one_line(r.title).into());
    }
    if !r.authors.is_empty() {
        // Bodies issue legislation and reports; people write articles.
        let authors: Vec<Value> = r.authors.iter().map(|a| who(a, !r.kind.issued())).collect();
        if r.kind == Kind::Legislation {
            m.insert("legislationPassedBy".into(), authors.clone().into());
        }
        m.insert("author".into(), authors.into());
    }
    if !r.translators.is_empty() {
        let translators: Vec<Value> = r.translators.iter().map(|t| who(t, true)).collect();
        m.insert("translator".into(), translators.into());
    }
    if let Some(date) = r.date {
        m.insert("datePublished".into(), date.iso().into());
        if r.kind == Kind::Legislation {
            m.insert("legislationDate".into(), date.iso().into());
        }
    }
    if let Some(number) = r.number {
        let key = match r.kind {
            Kind::Legislation => "legislationIdentifier",
            Kind::Report => "reportNumber",
            _ => "identifier",
        };
        m.insert(key.into(), one_line(number).into());
    }
    if let Some(genre) = r.genre.filter(|_| r.kind == Kind::Legislation) {
        m.insert("legislationType".into(), one_line(genre).into());
    }
    if let Some(p) = r.publication {
        let publisher = if r.kind.periodical() {
            json!({"@type": "Periodical", "name": one_line(p)})
        } else {
            json!({"@type": "Organization", "name": one_line(p)})
        };
        m.insert(
            if r.kind.periodical() { "isPartOf" } else { "publisher" }.into(),
            publisher,
        );
    }
    if let Some(original) = r.original_title {
        // A text whose original is in another language is a translation.
        let translated = r.original_language.is_some_and(|l| l != r.language) || !r.translators.is_empty();
        if translated {
            let mut work = Map::new();
            work.insert("@type".into(), "CreativeWork".into());
            work.insert("name".into(), one_line(original).into());
            if let Some(lang) = r.original_language {
                work.insert("inLanguage".into(), lang.into());
            }
            m.insert("translationOfWork".into(), work.into());
        } else {
            m.insert("alternateName".into(), one_line(original).into());
        }
    }
    m.insert("inLanguage".into(), r.language.into());
    if let Some(summary) = r.summary {
        m.insert("description".into(), one_line(summary).into());
    }
    if !r.keywords.is_empty() {
        m.insert("keywords".into(), r.keywords.join(", ").into());
    }
    m.insert("isAccessibleForFree".into(), true.into());
    Value::Object(m)
}
