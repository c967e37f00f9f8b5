//! Atom feeds (RFC 4287) of the newest dated documents: one of the whole
//! archive (`atom.xml`) and one per taxonomy term
//! (`<taxonomy>/<term>/atom.xml`), written with atom_syndication from the
//! analysed archive.
//!
//! A feed's bytes depend only on the archive: its `updated` is the date of
//! its newest document, never the time of the build, so a build with no
//! change writes the same feeds. An entry's id is the document's permalink.
//! Undated documents are left out (a feed is read newest first, and they
//! have no place in that order); a term with no dated document has no feed.

use atom_syndication::{Category, Entry, Feed, FixedDateTime, Generator, Link, Person, Text};
use chrono::TimeZone;

use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::date::PartialDate;
use crate::diag::Diagnostic;
use crate::render::views::paths;

/// The archive's feed, at the site's root.
pub const ARCHIVE_FEED: &str = "atom.xml";

/// The site path of a term's feed.
pub fn term_feed(taxonomy: &str, term_slug: &str) -> String {
    format!("{}atom.xml", paths::term(taxonomy, term_slug))
}

/// The documents a feed of `documents` (newest first) lists: the newest
/// dated ones, at most `entries`.
pub fn entries_of(archive: &Archive, documents: &[DocId], entries: usize) -> Vec<DocId> {
    documents
        .iter()
        .copied()
        .filter(|&d| archive.documents[d].date.is_some())
        .take(entries)
        .collect()
}

/// A partial date as an instant: its first day, at midnight UTC.
fn instant(date: PartialDate) -> FixedDateTime {
    let utc = chrono::FixedOffset::east_opt(0).expect("zero is a valid offset");
    utc.with_ymd_and_hms(
        date.year,
        u32::from(date.month.unwrap_or(1)),
        u32::from(date.day.unwrap_or(1)),
        0,
        0,
        0,
    )
    .single()
    .unwrap_or_else(|| {
        utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
            .single()
            .expect("a valid date")
    })
}

fn link(rel: &str, href: String, mime: &str) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        ..Link::default()
    }
}

/// The bytes of the feed of `documents` (dated, newest first), titled
/// `title`, for the page at `page` (a site path) and the feed at `path`.
fn feed(archive: &Archive, config: &Config, documents: &[DocId], title: String, page: &str, path: &str) -> Vec<u8> {
    let entries: Vec<Entry> = documents
        .iter()
        .map(|&d| {
            let doc = &archive.documents[d];
            let url = config.permalink(&paths::document(&doc.slug));
            let date = instant(doc.date.expect("feeds list dated documents"));
            let mut entry = Entry::default();
            entry.set_title(Text::plain(doc.title.clone()));
            entry.set_id(url.clone());
            entry.set_updated(date);
            entry.set_published(Some(date));
            entry.set_links(vec![link("alternate", url, "text/html")]);
            entry.set_summary(doc.summary.clone().map(Text::plain));
            entry.set_authors(
                doc.authors
                    .iter()
                    .map(|name| Person {
                        name: name.clone(),
                        ..Person::default()
                    })
                    .collect::<Vec<_>>(),
            );
            entry.set_categories(
                doc.terms
                    .iter()
                    .flat_map(|(taxonomy, terms)| {
                        terms.iter().map(move |term| Category {
                            term: term.clone(),
                            scheme: Some(config.permalink(&paths::taxonomy(taxonomy))),
                            label: None,
                        })
                    })
                    .collect::<Vec<_>>(),
            );
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(config.permalink(page));
    feed.set_updated(entries.first().map(|e| e.updated).expect("a feed lists a document"));
    // RFC 4287 wants an author for every entry: the archive is the author
    // of the entries that name none.
    feed.set_authors(vec![Person {
        name: config.title.clone(),
        uri: Some(config.permalink("")),
        ..Person::default()
    }]);
    feed.set_links(vec![
        link("self", config.permalink(path), "application/atom+xml"),
        link("alternate", config.permalink(page), "text/html"),
    ]);
    feed.set_generator(Some(Generator {
        value: "annals".to_string(),
        uri: None,
        version: None,
    }));
    if !config.description.is_empty() {
        feed.set_subtitle(Some(Text::plain(config.description.clone())));
    }
    feed.set_lang(Some(config.language.clone()));
    feed.set_entries(entries);
    feed.write_to(Vec::new()).expect("writing to memory")
}

/// Writes the archive's feed and every term's, each handed to `put`; with
/// `only` (the documents a rebuild changed), just the feeds that list one
/// of them. Returns how many feeds were written.
pub fn write(
    archive: &Archive,
    config: &Config,
    only: Option<&[DocId]>,
    put: &super::PutMade,
) -> Result<usize, Diagnostic> {
    let n = config.feeds.entries;
    let wanted = |docs: &[DocId]| only.is_none_or(|changed| docs.iter().any(|d| changed.contains(d)));
    let settings = config.settings_hash();
    // A feed is made of the config, where it is, its title and its
    // documents (their slugs, which come from their files' names, and
    // their files): made again only when a hash of those changed.
    let put_feed = |path: &str, docs: &[DocId], title: String, page: &str| {
        let inputs = crate::hash::of(&(
            settings,
            path,
            &title,
            page,
            docs.iter()
                .map(|&d| (&archive.documents[d].slug, archive.documents[d].fingerprint))
                .collect::<Vec<_>>(),
        ));
        put(path, inputs, &|| feed(archive, config, docs, title.clone(), page, path))
    };
    let mut written = 0;
    let all: Vec<DocId> = (0..archive.documents.len()).collect();
    let newest = entries_of(archive, &all, n);
    if !newest.is_empty() && wanted(&newest) {
        put_feed(ARCHIVE_FEED, &newest, config.title.clone(), "")?;
        written += 1;
    }
    for taxonomy in &archive.taxonomies {
        for term in &taxonomy.terms {
            let docs = entries_of(archive, &term.documents, n);
            if docs.is_empty() || !wanted(&docs) {
                continue;
            }
            let path = term_feed(&taxonomy.name, &term.slug);
            let title = format!("{}: {} ({})", config.title, term.name, taxonomy.title);
            put_feed(&path, &docs, title, &paths::term(&taxonomy.name, &term.slug))?;
            written += 1;
        }
    }
    Ok(written)
}
