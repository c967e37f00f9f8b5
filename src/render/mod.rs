//! Render: every page of the site as bytes, with Tera.
//!
//! [`Renderer`] holds what all pages share: the compiled templates, the
//! global `site` value and every document's summary, each built once. A page
//! is described by a small [`Page`] value; [`Renderer::render`] builds that
//! page's context from the shared values and renders it. Pages are
//! independent, so the caller renders them in parallel and writes each one
//! as soon as it is ready, keeping memory flat.

pub mod fingerprint;
pub mod highlight;
pub mod ids;
pub mod markdown;
pub mod raw_html;
pub mod text;
pub mod theme;
pub mod views;

use tera::{Context, Value};

use crate::analyse::links::InlineMentions;
use crate::analyse::links::Occurrence;
use crate::analyse::mentions::EntityId;
use crate::analyse::{Archive, Delta, DocId};
use crate::config::Config;
use crate::content::Text;
use crate::content::date::MONTHS;
use crate::diag::Diagnostic;
use theme::Theme;
use views::{by_year, document_fields, list, map, paths};

/// How many documents the home page lists.
const LATEST: usize = 12;

/// How many quotations a "Cited by" entry shows per citing document.
const MAX_QUOTES: usize = 3;

fn kind_rank(kind: &str) -> usize {
    crate::content::entities::KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

fn kind_title(kind: &str) -> &'static str {
    match kind {
        "person" => "People",
        "organisation" => "Organisations",
        "place" => "Places",
        _ => "Other",
    }
}

/// One output page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    Document(DocId),
    Taxonomy(usize),
    Term(usize, usize),
    Timeline,
    Year(usize),
    Entities,
    Entity(EntityId),
    NotFound,
}

impl Page {
    /// The template that renders the page.
    pub fn template(self) -> &'static str {
        match self {
            Page::Home => "index.html",
            Page::Document(_) => "document.html",
            Page::Taxonomy(_) => "taxonomy.html",
            Page::Term(..) => "term.html",
            Page::Timeline => "timeline.html",
            Page::Year(_) => "year.html",
            Page::Entities => "entities.html",
            Page::Entity(_) => "entity.html",
            Page::NotFound => "404.html",
        }
    }
}

/// A page in words, for messages about writing it, and the file its name
/// comes from, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// E.g. "the page of document `plan`".
    pub page: String,
    pub file: Option<std::path::PathBuf>,
}

/// Summaries kept between builds (`serve` holds one): by slug, with the key
/// they were built for and their hash; and those of the last build by
/// document, which a build that only updated the archive starts from.
#[derive(Default)]
pub struct Cache {
    site: u64,
    summaries: crate::hash::Map<String, (u64, Value, u64)>,
    last: Option<Summaries>,
}

/// Every document's summary, by document, with the key it was built for
/// and its hash; hashes also by the address of the summary's map, so
/// fingerprints hash each summary once however many pages list it.
struct Summaries {
    values: Vec<Value>,
    keys: Vec<u64>,
    hashes: Vec<u64>,
    by_address: fingerprint::Memo,
}

impl Summaries {
    fn new(values: Vec<Value>, keys: Vec<u64>, hashes: Vec<u64>) -> Summaries {
        let by_address = values
            .iter()
            .zip(&hashes)
            .filter_map(|(v, h)| Some((fingerprint::address(v)?, *h)))
            .collect();
        Summaries {
            values,
            keys,
            hashes,
            by_address,
        }
    }
}

/// Every document's summary and its hash, reusing those whose inputs are
/// unchanged since the last build.
fn cached_summaries(config: &Config, archive: &Archive, site_hash: u64, cache: &mut Cache) -> Summaries {
    use rayon::prelude::*;
    if cache.site != site_hash {
        cache.site = site_hash;
        cache.summaries.clear();
    }
    let terms = views::Terms::new(config, archive);
    let built: Vec<(u64, Value, u64)> = (0..archive.documents.len())
        .into_par_iter()
        .map(|id| {
            let key = summary_key(archive, id);
            match cache.summaries.get(&archive.documents[id].slug) {
                Some((k, value, hash)) if *k == key => (key, value.clone(), *hash),
                _ => {
                    let (value, hash) = summary(config, archive, &terms, id);
                    (key, value, hash)
                }
            }
        })
        .collect();
    cache.summaries = archive
        .documents
        .iter()
        .map(|d| d.slug.clone())
        .zip(built.iter().cloned())
        .collect();
    let mut keys = Vec::with_capacity(built.len());
    let mut values = Vec::with_capacity(built.len());
    let mut hashes = Vec::with_capacity(built.len());
    for (key, value, hash) in built {
        keys.push(key);
        values.push(value);
        hashes.push(hash);
    }
    Summaries::new(values, keys, hashes)
}

/// The last build's summaries with those of the `changed` documents made
/// again when their key changed; also says which summaries now hash
/// differently. `None` when the last build's summaries cannot serve.
fn updated_summaries(
    config: &Config,
    archive: &Archive,
    site_hash: u64,
    cache: &mut Cache,
    changed: &[DocId],
) -> Option<(Summaries, Vec<DocId>)> {
    let mut last = cache.last.take()?;
    if cache.site != site_hash || last.values.len() != archive.documents.len() {
        return None;
    }
    let mut resummarised = Vec::new();
    let terms = views::Terms::new(config, archive);
    for &id in changed {
        let key = summary_key(archive, id);
        if key == last.keys[id] {
            continue;
        }
        let (value, hash) = summary(config, archive, &terms, id);
        if let Some(old) = fingerprint::address(&last.values[id]) {
            last.by_address.remove(&old);
        }
        if let Some(new) = fingerprint::address(&value) {
            last.by_address.insert(new, hash);
        }
        if hash != last.hashes[id] {
            resummarised.push(id);
        }
        cache
            .summaries
            .insert(archive.documents[id].slug.clone(), (key, value.clone(), hash));
        (last.keys[id], last.values[id], last.hashes[id]) = (key, value, hash);
    }
    resummarised.sort_unstable();
    Some((last, resummarised))
}

/// A document's summary and its hash.
fn summary(config: &Config, archive: &Archive, terms: &views::Terms, id: DocId) -> (Value, u64) {
    let value = views::summary(config, archive, terms, id);
    let hash = fingerprint::hash_value(&value);
    (value, hash)
}

/// What a summary is built from besides the config: the document's files
/// and the slugs its terms got.
fn summary_key(archive: &Archive, id: DocId) -> u64 {
    use std::hash::{Hash, Hasher};
    let doc = &archive.documents[id];
    let mut h = crate::hash::hasher();
    (doc.fingerprint, &doc.slug).hash(&mut h);
    for taxonomy in &archive.taxonomies {
        for &term in &taxonomy.terms_of[id] {
            (&taxonomy.terms[term].name, &taxonomy.terms[term].slug).hash(&mut h);
        }
        h.write_u8(0);
    }
    h.finish()
}

/// A page's template variables, before they become a Tera context.
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn insert_value(&mut self, key: &'static str, value: Value) {
        self.0.push((key, value));
    }

    /// The length of the document's rendered text and note, if they are
    /// among the variables.
    fn texts_len(&self) -> usize {
        let doc = self.0.iter().find(|(k, _)| *k == "doc").and_then(|(_, v)| v.as_map());
        let len = |key: &'static str| {
            doc.and_then(|d| d.get(&key.into()))
                .and_then(Value::as_str)
                .map_or(0, str::len)
        };
        len("text") + len("note")
    }
}

pub struct Renderer<'a> {
    config: &'a Config,
    archive: &'a Archive,
    theme: &'a Theme,
    tera: tera::Tera,
    summaries: Summaries,
    /// After an update of the archive: the documents whose summary changed.
    resummarised: Vec<DocId>,
    /// Whether the last build's summaries could not be updated (the
    /// templates or the config changed, say), so that any page may differ.
    every_page: bool,
    /// Hash of the templates and the config.
    site_hash: u64,
}

impl<'a> Renderer<'a> {
    /// Prepares to render `archive`; `delta` says what changed in it since
    /// the last build, when the analysis updated it rather than building it.
    pub fn new(
        config: &'a Config,
        archive: &'a Archive,
        theme: &'a Theme,
        cache: &mut Cache,
        delta: Option<&Delta>,
    ) -> Result<Renderer<'a>, Vec<Diagnostic>> {
        let mut tera = theme.compile()?;
        let site = views::site(config, archive);
        let site_hash = fingerprint::site(theme, config, &site);
        tera.global_context().insert_value("site", site);
        let updated = delta.and_then(|d| updated_summaries(config, archive, site_hash, cache, &d.changed));
        // A delta says which documents changed, not which templates did.
        let every_page = updated.is_none();
        let (summaries, resummarised) = match updated {
            Some(updated) => updated,
            None => (cached_summaries(config, archive, site_hash, cache), Vec::new()),
        };
        Ok(Renderer {
            config,
            archive,
            theme,
            tera,
            summaries,
            resummarised,
            every_page,
            site_hash,
        })
    }

    /// Keeps the summaries for the next build.
    pub fn keep(self, cache: &mut Cache) {
        cache.last = Some(self.summaries);
    }

    /// The pages that can show the changes of `delta`: those of the
    /// changed documents, of documents and entities whose citations or
    /// mentions changed, and wherever a changed summary is listed. `None`
    /// when the changes reach every page.
    pub fn pages_for(&self, delta: &Delta) -> Option<Vec<Page>> {
        if delta.related || self.every_page {
            return None;
        }
        let a = self.archive;
        let links = &a.links;
        let mut documents: Vec<DocId> = delta.changed.iter().chain(&delta.cited).copied().collect();
        let mut pages: Vec<Page> = delta.mentioned.iter().map(|&e| Page::Entity(e)).collect();
        if !delta.counted.is_empty() {
            // Entity pages and lists show how many documents mention each.
            pages.push(Page::Entities);
            for &e in &delta.counted {
                documents.extend(links.mentions_of[e].iter().map(|(from, _)| *from));
            }
        }
        if !self.resummarised.is_empty() {
            pages.push(Page::Timeline);
            // Documents that list a changed summary among their related ones.
            for (id, related) in a.related.iter().enumerate() {
                if related.iter().any(|d| self.resummarised.binary_search(d).is_ok()) {
                    documents.push(id);
                }
            }
            for &d in &self.resummarised {
                if d < LATEST {
                    pages.push(Page::Home);
                }
                if let Some(date) = a.documents[d].date {
                    let year = a.timeline.years.iter().position(|y| y.year == date.year)?;
                    pages.push(Page::Year(year));
                }
                for (t, taxonomy) in a.taxonomies.iter().enumerate() {
                    pages.extend(taxonomy.terms_of[d].iter().map(|&i| Page::Term(t, i)));
                }
                let (older, newer) = a.neighbours[d];
                documents.extend(older.into_iter().chain(newer));
                documents.extend(links.cited_by[d].iter().map(|(from, _)| *from));
                documents.extend(links.cites[d].iter().copied());
                pages.extend(links.entities_of[d].iter().map(|&e| Page::Entity(e)));
            }
        }
        pages.extend(documents.into_iter().map(Page::Document));
        let mut seen = std::collections::HashSet::new();
        pages.retain(|p| seen.insert(*p));
        Some(pages)
    }

    /// How many pages the site has.
    pub fn page_count(&self) -> usize {
        let a = self.archive;
        let terms: usize = a.taxonomies.iter().map(|t| 1 + t.terms.len()).sum();
        let entities = if a.entities.is_empty() { 0 } else { 1 + a.entities.len() };
        3 + a.documents.len() + terms + a.timeline.years.len() + entities
    }

    /// Every page of the site.
    pub fn pages(&self) -> Vec<Page> {
        let a = self.archive;
        let mut pages = vec![Page::Home, Page::Timeline, Page::NotFound];
        pages.extend((0..a.documents.len()).map(Page::Document));
        for (t, taxonomy) in a.taxonomies.iter().enumerate() {
            pages.push(Page::Taxonomy(t));
            pages.extend((0..taxonomy.terms.len()).map(|i| Page::Term(t, i)));
        }
        pages.extend((0..a.timeline.years.len()).map(Page::Year));
        if !a.entities.is_empty() {
            pages.push(Page::Entities);
            pages.extend((0..a.entities.len()).map(Page::Entity));
        }
        pages
    }

    /// The output path of `page`, relative to the output directory.
    pub fn output_path(&self, page: Page) -> String {
        match page {
            Page::NotFound => "404.html".to_string(),
            _ => format!("{}index.html", self.site_path(page)),
        }
    }

    fn site_path(&self, page: Page) -> String {
        let a = self.archive;
        match page {
            Page::Home => String::new(),
            Page::Document(id) => paths::document(&a.documents[id].slug),
            Page::Taxonomy(t) => paths::taxonomy(&a.taxonomies[t].name),
            Page::Term(t, i) => paths::term(&a.taxonomies[t].name, &a.taxonomies[t].terms[i].slug),
            Page::Timeline => paths::timeline(),
            Page::Year(y) => paths::year(a.timeline.years[y].year),
            Page::Entities => paths::entities(),
            Page::Entity(e) => paths::entity(&a.entities[e].slug),
            Page::NotFound => "404.html".to_string(),
        }
    }

    /// What `page` is, and the file its name comes from.
    pub fn origin(&self, page: Page) -> Origin {
        let a = self.archive;
        let (page, file) = match page {
            Page::Home => ("the home page".to_string(), None),
            Page::Document(id) => (
                format!("the page of document `{}`", a.documents[id].slug),
                Some(a.documents[id].file.clone()),
            ),
            Page::Taxonomy(t) => (
                format!("the page of taxonomy `{}`", a.taxonomies[t].name),
                Some(crate::config::FILE_NAME.into()),
            ),
            Page::Term(t, i) => {
                let term = &a.taxonomies[t].terms[i];
                let name = crate::diag::abridged(&term.name);
                (
                    format!("the page of term `{name}` of `{}`", a.taxonomies[t].name),
                    term.documents.first().map(|&d| a.documents[d].file.clone()),
                )
            }
            Page::Timeline => ("the timeline page".to_string(), None),
            Page::Year(y) => (format!("the page of the year {}", a.timeline.years[y].year), None),
            Page::Entities => ("the page of people and organisations".to_string(), None),
            Page::Entity(e) => (
                format!("the page of entity `{}`", crate::diag::abridged(&a.entities[e].name)),
                Some(crate::content::entities::FILE.into()),
            ),
            Page::NotFound => ("the not-found page".to_string(), None),
        };
        Origin { page, file }
    }

    /// Renders one page.
    pub fn render(&self, page: Page) -> Result<Vec<u8>, Diagnostic> {
        let (template, fields) = self.variables(page);
        // A page is written into one buffer, sized for its texts at once:
        // a long text would otherwise be copied on every doubling.
        let mut out = Vec::with_capacity(16 * 1024 + fields.texts_len());
        let mut context = Context::new();
        for (key, value) in fields.0 {
            context.insert_value(key, value);
        }
        self.tera
            .render_to(template, &context, &mut out)
            .map_err(|e| self.theme.template_error(&e))?;
        Ok(out)
    }

    /// A hash of everything `page` is rendered from: the templates and
    /// config, the page's variables, and for a document page the bytes of
    /// its files and the mentions linked in its text (which stand in for
    /// the rendered text, so the text is not rendered to compute this). Two
    /// builds that give a page the same fingerprint render the same bytes.
    pub fn fingerprint(&self, page: Page) -> u64 {
        if let Page::Document(id) = page {
            return self.document_fingerprint(id);
        }
        let (template, fields) = self.variables(page);
        let mut h = fingerprint::Fingerprinter::new(&self.summaries.by_address);
        h.write_u64(self.site_hash);
        h.write_str(template);
        for (key, value) in &fields.0 {
            h.write_str(key);
            h.value(value);
        }
        h.finish()
    }

    /// A document page's fingerprint, from the hashes of what its
    /// variables are made of rather than from the variables themselves:
    /// the document's files, its summary, the summaries of the documents it
    /// lists, its quotations and entities, and the mentions in its text.
    /// Computing it for every document on every rebuild must stay cheap.
    fn document_fingerprint(&self, id: DocId) -> u64 {
        let a = self.archive;
        let links = &a.links;
        let summary = |d: DocId| self.summaries.hashes[d];
        let mut h = fingerprint::Fingerprinter::new(&self.summaries.by_address);
        h.write_u64(self.site_hash);
        h.write_str("document.html");
        h.write_u64(a.documents[id].fingerprint);
        h.write_u64(summary(id));
        let (older, newer) = a.neighbours[id];
        for neighbour in [older, newer] {
            h.write_u64(neighbour.map_or(0, |d| summary(d) ^ 1));
        }
        for list in [&links.cites[id], &a.related[id]] {
            h.write_u64(list.len() as u64);
            list.iter().for_each(|&d| h.write_u64(summary(d)));
        }
        links.cites_in_note_only[id].iter().for_each(|&n| h.write_u64(n.into()));
        h.write_u64(links.cited_by[id].len() as u64);
        for (from, occurrences) in &links.cited_by[id] {
            h.write_u64(summary(*from));
            h.write_u64(occurrences.len() as u64);
            for o in occurrences.iter().take(MAX_QUOTES + 1) {
                h.write_str(&o.anchor);
                h.write_str(&o.snippet.text);
                for mark in &o.snippet.marks {
                    h.write_u64(mark.start as u64);
                    h.write_u64(mark.end as u64);
                }
                h.write_u64(o.in_note.into());
            }
            h.write_u64(occurrences.iter().all(|o| o.in_note).into());
        }
        h.write_u64(links.entities_of[id].len() as u64);
        for (&e, &in_note_only) in links.entities_of[id].iter().zip(&links.entities_in_note_only[id]) {
            let entity = &a.entities[e];
            for part in [&entity.slug, &entity.name, &entity.kind] {
                h.write_str(part);
            }
            h.write_u64(links.mentions_of[e].len() as u64);
            h.write_u64(in_note_only.into());
        }
        for (piece, found) in &links.inline[id] {
            h.write_u64(*piece as u64);
            for (range, to) in found {
                h.write_u64(range.start as u64);
                h.write_u64(range.end as u64);
                h.write_str(&a.documents[*to].slug);
            }
        }
        h.finish()
    }

    /// The template and variables of a page.
    fn variables(&self, page: Page) -> (&'static str, Fields) {
        let (template, title, mut context) = match page {
            Page::Home => ("index.html", self.config.title.clone(), self.home()),
            Page::Document(id) => (
                "document.html",
                self.archive.documents[id].title.clone(),
                self.document(id),
            ),
            Page::Taxonomy(t) => (
                "taxonomy.html",
                self.archive.taxonomies[t].title.clone(),
                self.taxonomy(t),
            ),
            Page::Term(t, i) => (
                "term.html",
                self.archive.taxonomies[t].terms[i].name.clone(),
                self.term(t, i),
            ),
            Page::Timeline => ("timeline.html", "Timeline".to_string(), self.timeline()),
            Page::Year(y) => (
                "year.html",
                self.archive.timeline.years[y].year.to_string(),
                self.year(y),
            ),
            Page::Entities => ("entities.html", "People and organisations".to_string(), self.entities()),
            Page::Entity(e) => ("entity.html", self.archive.entities[e].name.clone(), self.entity(e)),
            Page::NotFound => ("404.html", "Page not found".to_string(), Fields::default()),
        };
        debug_assert_eq!(template, page.template());
        let path = self.site_path(page);
        context.insert_value(
            "page",
            map([
                ("url", self.config.url(&path).into()),
                ("permalink", self.config.permalink(&path).into()),
                ("title", title.into()),
            ]),
        );
        (template, context)
    }

    fn home(&self) -> Fields {
        let a = self.archive;
        let latest: Vec<DocId> = (0..a.documents.len().min(LATEST)).collect();
        let mut c = Fields::default();
        c.insert_value("latest", list(&self.summaries.values, &latest));
        c.insert_value(
            "taxonomies",
            a.taxonomies
                .iter()
                .enumerate()
                .map(|(t, _)| self.taxonomy_value(t, 12))
                .collect::<Vec<_>>()
                .into(),
        );
        c.insert_value("years", self.year_values());
        c
    }

    fn document(&self, id: DocId) -> Fields {
        let doc = &self.archive.documents[id];
        let mut fields = self.summaries.values[id].as_map().cloned().unwrap_or_default();
        for (k, v) in document_fields(doc) {
            fields.insert(k.into(), v);
        }
        self.add_text(id, &mut fields);
        for (key, value) in self.graph_fields(id) {
            fields.insert(key.into(), value);
        }
        let (older, newer) = self.archive.neighbours[id];
        let neighbour = |n: Option<DocId>| n.map_or_else(Value::none, |i| self.summaries.values[i].clone());
        fields.insert("previous".into(), neighbour(older));
        fields.insert("next".into(), neighbour(newer));
        let mut c = Fields::default();
        c.insert_value("doc", Value::from(fields));
        c
    }

    /// Renders a document's text and note into its variables.
    fn add_text(&self, id: DocId, fields: &mut tera::Map) {
        let doc = &self.archive.documents[id];
        let mut pieces = InlineLinks::new(self, id);
        let mut mentions = |text: &str| pieces.next(text);
        let resolve = |slug: &str, fragment: Option<&str>| self.resolve(slug, fragment);
        let text = match &doc.text {
            Text::Blocks(blocks) => Some(text::render_blocks(blocks, Some(&mut mentions))),
            Text::Markdown(md) => {
                let mut linker = markdown::Linker {
                    resolve: &resolve,
                    mentions: &mut mentions,
                    unsafe_html: self.config.markdown.unsafe_html,
                };
                let r = markdown::render(md, "", Some(&mut linker));
                Some(text::RenderedText {
                    html: r.html,
                    toc: r.toc,
                })
            }
            Text::None => None,
        };
        if let Some(text) = text {
            fields.insert("text".into(), Value::safe_string(&text.html));
            fields.insert("toc".into(), Value::from_serializable(&text.toc));
        }
        if let Some(note) = &doc.note {
            let mut linker = markdown::Linker {
                resolve: &resolve,
                mentions: &mut mentions,
                unsafe_html: self.config.markdown.unsafe_html,
            };
            let html = markdown::render(note, "note-", Some(&mut linker)).html;
            fields.insert("note".into(), Value::safe_string(&html));
        }
    }

    /// The URL of `@/slug#fragment`.
    fn resolve(&self, slug: &str, fragment: Option<&str>) -> Option<String> {
        self.archive.by_slug.get(slug)?;
        let url = self.config.url(&paths::document(slug));
        Some(match fragment {
            Some(f) => format!("{url}#{f}"),
            None => url,
        })
    }

    /// Cites (from the text, and from the note only), cited by, entities
    /// and related documents of a document page.
    fn graph_fields(&self, id: DocId) -> [(&'static str, Value); 5] {
        let links = &self.archive.links;
        let cited_by: Vec<Value> = links.cited_by[id]
            .iter()
            .map(|(from, occ)| self.citing(*from, occ))
            .collect();
        let entities: Vec<Value> = links.entities_of[id]
            .iter()
            .zip(&links.entities_in_note_only[id])
            .map(|(&e, &in_note_only)| {
                let mut fields = self.entity_value(e).as_map().cloned().unwrap_or_default();
                fields.insert("note_only".into(), in_note_only.into());
                Value::from(fields)
            })
            .collect();
        [
            ("cites", list(&self.summaries.values, &links.cites_from(id, false))),
            ("note_cites", list(&self.summaries.values, &links.cites_from(id, true))),
            ("cited_by", cited_by.into()),
            ("entities", entities.into()),
            ("related", list(&self.summaries.values, &self.archive.related[id])),
        ]
    }

    /// A citing document with up to three of its occurrences, and where
    /// the next one is when there are more.
    fn citing(&self, from: DocId, occurrences: &[Occurrence]) -> Value {
        let url = self.config.url(&paths::document(&self.archive.documents[from].slug));
        let at = |o: &Occurrence| format!("{url}#{}", o.anchor);
        let shown: Vec<Value> = occurrences
            .iter()
            .take(MAX_QUOTES)
            .map(|o| {
                let pieces: Vec<Value> = o
                    .snippet
                    .pieces()
                    .into_iter()
                    .map(|(text, marked)| map([("text", text.into()), ("marked", marked.into())]))
                    .collect();
                map([
                    ("url", at(o).into()),
                    ("before", o.snippet.before().into()),
                    ("matched", o.snippet.matched().into()),
                    ("after", o.snippet.after().into()),
                    ("pieces", pieces.into()),
                    ("in_note", o.in_note.into()),
                ])
            })
            .collect();
        map([
            ("doc", self.summaries.values[from].clone()),
            ("occurrences", shown.into()),
            ("count", occurrences.len().into()),
            (
                "more_url",
                occurrences.get(MAX_QUOTES).map_or_else(Value::none, |o| at(o).into()),
            ),
            ("note_only", occurrences.iter().all(|o| o.in_note).into()),
        ])
    }

    fn entity_value(&self, e: EntityId) -> Value {
        let entity = &self.archive.entities[e];
        map([
            ("slug", entity.slug.as_str().into()),
            ("name", entity.name.as_str().into()),
            ("kind", entity.kind.as_str().into()),
            ("url", self.config.url(&paths::entity(&entity.slug)).into()),
            ("count", self.archive.links.mentions_of[e].len().into()),
        ])
    }

    fn entities(&self) -> Fields {
        let mut by_kind: Vec<(&str, Vec<Value>)> = Vec::new();
        let mut order: Vec<EntityId> = (0..self.archive.entities.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&self.archive.entities[a], &self.archive.entities[b]);
            (kind_rank(&x.kind), x.name.to_lowercase()).cmp(&(kind_rank(&y.kind), y.name.to_lowercase()))
        });
        for e in order {
            let kind = self.archive.entities[e].kind.as_str();
            match by_kind.last_mut() {
                Some((k, list)) if *k == kind => list.push(self.entity_value(e)),
                _ => by_kind.push((kind, vec![self.entity_value(e)])),
            }
        }
        let groups: Vec<Value> = by_kind
            .into_iter()
            .map(|(kind, list)| {
                map([
                    ("kind", kind.into()),
                    ("title", kind_title(kind).into()),
                    ("entities", list.into()),
                ])
            })
            .collect();
        let mut c = Fields::default();
        c.insert_value("groups", groups.into());
        c
    }

    fn entity(&self, e: EntityId) -> Fields {
        let entity = &self.archive.entities[e];
        let mut fields = self.entity_value(e).as_map().cloned().unwrap_or_default();
        fields.insert("other_names".into(), views::strings(&entity.other_names));
        fields.insert("description".into(), views::opt(&entity.description));
        let mentions: Vec<Value> = self.archive.links.mentions_of[e]
            .iter()
            .map(|(from, occ)| self.citing(*from, occ))
            .collect();
        let mut c = Fields::default();
        c.insert_value("entity", Value::from(fields));
        c.insert_value("mentions", mentions.into());
        c
    }

    /// A taxonomy with its terms (all, or the `top` most used).
    fn taxonomy_value(&self, t: usize, top: usize) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let mut order: Vec<usize> = (0..taxonomy.terms.len()).collect();
        if top < order.len() {
            order.sort_by_key(|&i| std::cmp::Reverse(taxonomy.terms[i].documents.len()));
            order.truncate(top);
        }
        let terms: Vec<Value> = order.iter().map(|&i| self.term_value(t, i)).collect();
        map([
            ("name", taxonomy.name.as_str().into()),
            ("title", taxonomy.title.as_str().into()),
            ("url", self.config.url(&paths::taxonomy(&taxonomy.name)).into()),
            ("term_count", taxonomy.terms.len().into()),
            ("terms", terms.into()),
        ])
    }

    fn term_value(&self, t: usize, i: usize) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let term = &taxonomy.terms[i];
        map([
            ("name", term.name.as_str().into()),
            ("url", self.config.url(&paths::term(&taxonomy.name, &term.slug)).into()),
            ("count", term.documents.len().into()),
        ])
    }

    fn taxonomy(&self, t: usize) -> Fields {
        let mut c = Fields::default();
        c.insert_value("taxonomy", self.taxonomy_value(t, usize::MAX));
        c
    }

    fn term(&self, t: usize, i: usize) -> Fields {
        let term = &self.archive.taxonomies[t].terms[i];
        let mut c = Fields::default();
        c.insert_value("taxonomy", self.taxonomy_value(t, 0));
        c.insert_value("term", self.term_value(t, i));
        c.insert_value("groups", by_year(self.archive, &self.summaries.values, &term.documents));
        c
    }

    fn year_values(&self) -> Value {
        let years = &self.archive.timeline.years;
        years
            .iter()
            .map(|y| {
                map([
                    ("year", y.year.into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                    ("count", y.documents.len().into()),
                ])
            })
            .collect::<Vec<_>>()
            .into()
    }

    fn timeline(&self) -> Fields {
        let t = &self.archive.timeline;
        let dated: Vec<DocId> = t.years.iter().flat_map(|y| y.documents.iter().copied()).collect();
        let mut c = Fields::default();
        c.insert_value("years", self.year_values());
        c.insert_value("chart", self.chart());
        c.insert_value("groups", by_year(self.archive, &self.summaries.values, &dated));
        c.insert_value("undated", list(&self.summaries.values, &t.undated));
        c
    }

    /// Bars for the timeline's overview, oldest year on the left, with
    /// coordinates in a 100-unit-high box so templates need no arithmetic.
    fn chart(&self) -> Value {
        let t = &self.archive.timeline;
        let busiest = t.busiest_year().max(1) as f64;
        let (Some(last), Some(first)) = (t.years.first(), t.years.last()) else {
            return map([("width", 0.into()), ("bars", Vec::<Value>::new().into())]);
        };
        let span = (last.year - first.year + 1) as usize;
        let bars: Vec<Value> = t
            .years
            .iter()
            .rev()
            .map(|y| {
                let height = (y.documents.len() as f64 / busiest * 90.0).max(1.0).round() as i64;
                map([
                    ("year", y.year.into()),
                    ("count", y.documents.len().into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                    ("x", (((y.year - first.year) as i64) * 12).into()),
                    ("y", (100 - height).into()),
                    ("height", height.into()),
                ])
            })
            .collect();
        map([("width", (span * 12).into()), ("bars", bars.into())])
    }

    fn year(&self, index: usize) -> Fields {
        let years = &self.archive.timeline.years;
        let y = &years[index];
        let months: Vec<Value> = y
            .months
            .iter()
            .map(|(month, ids)| {
                let (name, anchor) = match month {
                    Some(m) => (MONTHS[*m as usize - 1].to_string(), format!("m-{m:02}")),
                    None => ("Month unknown".to_string(), "m-unknown".to_string()),
                };
                map([
                    ("name", name.into()),
                    ("anchor", anchor.into()),
                    ("documents", list(&self.summaries.values, ids)),
                ])
            })
            .collect();
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| years.get(i)).map_or_else(Value::none, |y| {
                map([
                    ("year", y.year.into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                ])
            })
        };
        let mut c = Fields::default();
        c.insert_value(
            "year",
            map([("year", y.year.into()), ("count", y.documents.len().into())]),
        );
        c.insert_value("months", months.into());
        c.insert_value("older", neighbour(index.checked_add(1)));
        c.insert_value("newer", neighbour(index.checked_sub(1)));
        c
    }
}

/// Hands the renderer the mentions the analysis found, piece by piece: the
/// n-th call gets the links of the n-th piece of eligible text, which is the
/// text it is called with (checked in debug builds).
struct InlineLinks<'r> {
    renderer: &'r Renderer<'r>,
    pending: std::iter::Peekable<std::slice::Iter<'r, InlineMentions>>,
    piece: usize,
}

impl<'r> InlineLinks<'r> {
    fn new(renderer: &'r Renderer<'r>, id: DocId) -> Self {
        InlineLinks {
            renderer,
            pending: renderer.archive.links.inline[id].iter().peekable(),
            piece: 0,
        }
    }

    fn next(&mut self, text: &str) -> Vec<text::MentionLink> {
        let piece = self.piece;
        self.piece += 1;
        let Some((_, found)) = self.pending.next_if(|(p, _)| *p == piece) else {
            return Vec::new();
        };
        let documents = &self.renderer.archive.documents;
        found
            .iter()
            .map(|(range, to)| {
                debug_assert!(
                    text.get(range.clone()).is_some(),
                    "piece {piece} is not the text analysed"
                );
                text::MentionLink {
                    range: range.clone(),
                    url: self.renderer.config.url(&paths::document(&documents[*to].slug)),
                }
            })
            .collect()
    }
}
