//! Render: every page of the site as bytes, with Tera.
//!
//! [`Renderer`] holds what all pages share: the compiled templates, the
//! global `site` value and every document's summary, each built once. A page
//! is described by a small [`Page`] value; [`Renderer::render`] builds that
//! page's context from the shared values and renders it. Pages are
//! independent, so the caller renders them in parallel and writes each one
//! as soon as it is ready, keeping memory flat.
//!
//! Every list of the site is cut into pages ([`lists`], [`pagination`]); a
//! [`Page`] of a list names the list and the page. The variables of list
//! pages are built in [`lists`], those of document and entity pages here.

pub mod chart;
mod counts;
pub mod fingerprint;
pub mod highlight;
pub mod ids;
pub mod lists;
pub mod markdown;
pub mod pagination;
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
use crate::diag::Diagnostic;
pub use lists::List;
use theme::Theme;
use views::{document_fields, list, map, paths};

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
    /// The timeline's overview: the chart, the years and their months.
    Timeline,
    /// Page `n` (from 0) of a list.
    List(List, usize),
    /// `page/1/` of a list of more than one page, which leads to the
    /// list's first page: so that changing the number in the URL of page 2
    /// to 1 finds it.
    FirstPage(List),
    NotFound,
    /// The search page, when `[search]` is enabled.
    Search,
}

impl Page {
    /// The template that renders the page.
    pub fn template(self) -> &'static str {
        match self {
            Page::Home => "index.html",
            Page::Document(_) => "document.html",
            Page::Timeline => "timeline.html",
            Page::List(list, _) => list.template(),
            Page::FirstPage(_) => "first_page.html",
            Page::NotFound => "404.html",
            Page::Search => "search.html",
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
    /// How many pages each entity's list of mentions had in the last
    /// build.
    entity_pages: Vec<usize>,
    /// How many pages each taxonomy's index, each term's list, each
    /// year's list and the undated list had in the last build, by the
    /// list's site path (terms move up when one is added before them; their
    /// paths stay).
    list_pages: crate::hash::Map<String, usize>,
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
    /// Moves the summaries to their documents' new places after documents
    /// came or went; those of new documents are empty (their key is none)
    /// and those of documents gone are dropped.
    fn renumber(&mut self, map: &crate::analyse::Renumber) {
        use std::mem::take;
        if self.values.len() != map.old_len() {
            return;
        }
        for (old, value) in self.values.iter().enumerate() {
            if let (None, Some(address)) = (map.get(old), fingerprint::address(value)) {
                // Its memory may be another summary's next.
                self.by_address.remove(&address);
            }
        }
        let values = map.rows(take(&mut self.values).into_iter().map(Some).collect());
        self.values = values.into_iter().map(|v| v.unwrap_or_else(Value::none)).collect();
        self.keys = map.rows(take(&mut self.keys));
        self.hashes = map.rows(take(&mut self.hashes));
    }

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
fn cached_summaries(
    config: &Config,
    archive: &Archive,
    items: Option<&ListItems>,
    site_hash: u64,
    cache: &mut Cache,
) -> Result<Summaries, Diagnostic> {
    use rayon::prelude::*;
    if cache.site != site_hash {
        cache.site = site_hash;
        cache.summaries.clear();
    }
    let terms = views::Terms::new(config, archive);
    let built: Vec<(u64, Value, u64)> = (0..archive.documents.len())
        .into_par_iter()
        .with_max_len(crate::FINE)
        .map(|id| {
            let key = summary_key(archive, id);
            match cache.summaries.get(&archive.documents[id].slug) {
                Some((k, value, hash)) if *k == key => Ok((key, value.clone(), *hash)),
                _ => {
                    let (value, hash) = summary(config, archive, &terms, items, id)?;
                    Ok((key, value, hash))
                }
            }
        })
        .collect::<Result<_, Diagnostic>>()?;
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
    Ok(Summaries::new(values, keys, hashes))
}

/// The last build's summaries with those of the `changed` documents made
/// again when their key changed; also says which summaries now hash
/// differently. `None` when the last build's summaries cannot serve.
fn updated_summaries(
    config: &Config,
    archive: &Archive,
    items: Option<&ListItems>,
    site_hash: u64,
    cache: &mut Cache,
    changed: &[DocId],
) -> Option<Result<(Summaries, Vec<DocId>), Diagnostic>> {
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
        let (value, hash) = match summary(config, archive, &terms, items, id) {
            Ok(built) => built,
            Err(e) => return Some(Err(e)),
        };
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
    Some(Ok((last, resummarised)))
}

/// A document's summary and its hash; with its `list_item` when the theme
/// reads it.
fn summary(
    config: &Config,
    archive: &Archive,
    terms: &views::Terms,
    items: Option<&ListItems>,
    id: DocId,
) -> Result<(Value, u64), Diagnostic> {
    let mut fields = views::summary(config, archive, terms, id);
    if let Some(items) = items {
        let item = items.render(&Value::from(fields.clone()), &archive.documents[id])?;
        fields.insert("list_item".into(), item);
    }
    let value = Value::from(fields);
    let hash = fingerprint::hash_value(&value);
    Ok((value, hash))
}

/// A document's entry in a list, `partials/doc_item.html` rendered once per
/// document with only `doc` (its summary) and `site` set, and kept in the
/// summary as `list_item`: a site lists each document a dozen times or so
/// (108,625 entries on a site of 10,000), and the templates then copy the
/// entry instead of rendering it again each time. Done only when a
/// template that pages use names `list_item` in its tags, so that a theme
/// that includes the partial with variables of its own does not have it
/// rendered without them.
struct ListItems<'t> {
    tera: &'t tera::Tera,
    theme: &'t Theme,
}

impl<'t> ListItems<'t> {
    const TEMPLATE: &'static str = "partials/doc_item.html";

    /// The renderer of list entries, when `theme` has the partial and a
    /// template reads `list_item`.
    fn of(tera: &'t tera::Tera, theme: &'t Theme, templates: &counts::Templates) -> Option<ListItems<'t>> {
        let wanted = theme.templates.contains_key(Self::TEMPLATE) && templates.pages_name("list_item");
        wanted.then_some(ListItems { tera, theme })
    }

    /// The list entry of `document`, whose summary is `doc`.
    fn render(&self, doc: &Value, document: &crate::content::Document) -> Result<Value, Diagnostic> {
        let mut context = Context::new();
        context.insert_value("doc", doc.clone());
        let html = self.tera.render(Self::TEMPLATE, &context).map_err(|e| {
            let diag = self.theme.template_error(&e);
            let page_variable = diag
                .message
                .strip_prefix("Variable `")
                .and_then(|rest| rest.split_once('`'))
                .is_some_and(|(name, _)| name != "doc" && name != "site");
            let why = if page_variable {
                format!(
                    "{} is rendered once for each document, with only `doc` and `site` set, to \
                     make `doc.list_item`; use only those in it, or include the partial where the \
                     list is instead of reading `list_item`",
                    Self::TEMPLATE
                )
            } else {
                format!(
                    "while making the list entry of the document `{}` ({})",
                    document.slug,
                    document.file.display()
                )
            };
            let hint = match &diag.hint {
                Some(h) => format!("{h}; {why}"),
                None => why,
            };
            diag.hint(hint)
        })?;
        Ok(Value::safe_string(&html))
    }
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

/// A page's template variables, before they become a Tera context; and
/// the hashes of those whose hash is known already.
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>, Vec<(&'static str, u64)>);

/// What a page's variables are made for. A page's fingerprint takes the
/// hash of each variable; for the largest, the lists of documents of a
/// term's or a year's pages, it is computed from the hashes of what they
/// are made of (the documents' summaries), without making the variable:
/// its value in the [`Fields`] is then a stand-in, and those fields are
/// good for nothing but the fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Render,
    Fingerprint,
}

impl Fields {
    fn insert_value(&mut self, key: &'static str, value: Value) {
        self.0.push((key, value));
    }

    /// A variable with its hash ([`fingerprint::hash_value`]), which a
    /// page's fingerprint then takes instead of hashing the value again.
    fn insert_hashed(&mut self, key: &'static str, (value, hash): (Value, u64)) {
        self.0.push((key, value));
        self.1.push((key, hash));
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
    /// Hash of the templates, the config and `site` without its counts.
    site_hash: u64,
    /// Hash of `site`'s counts, which change with every document or term
    /// added or removed; hashed only into the pages of `count_readers`.
    counts_hash: u64,
    /// The page templates that can show `site`'s counts.
    count_readers: std::collections::BTreeSet<&'static str>,
    /// Whether the term pages' template can show `taxonomy.term_count`;
    /// when it cannot, their fingerprints leave it out.
    term_pages_read_term_count: bool,
    /// Where each list breaks into pages.
    layout: lists::Layout,
    /// Each term's `years` (the same on every page of the term) and its
    /// hash, by taxonomy and term, made when first wanted.
    term_years: Vec<Vec<std::sync::OnceLock<(Value, u64)>>>,
    /// How many pages each entity's mentions had in the last build.
    entity_pages_before: Vec<usize>,
    /// How many pages each taxonomy's index, term's list, year's list
    /// and the undated list had in the last build, by site path.
    list_pages_before: crate::hash::Map<String, usize>,
    /// Whether each name of an entity is a person's, for citations.
    persons: crate::hash::Map<String, bool>,
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
        let (site_hash, counts_hash) = fingerprint::site(theme, config, &site);
        tera.global_context().insert_value("site", site);
        let templates = counts::Templates::read(theme);
        let items = ListItems::of(&tera, theme, &templates);
        // What the summaries are made from besides the documents: the
        // counts too when the list entries in them can show the counts.
        let summaries_hash = match &items {
            Some(_) if templates.reads_counts(ListItems::TEMPLATE) => crate::hash::of(&(site_hash, counts_hash)),
            _ => site_hash,
        };
        let items = items.as_ref();
        // Terms built anew may have given other documents' terms other
        // slugs, which their summaries show: every summary is looked at.
        let updated = delta.filter(|d| !d.terms_reshaped).and_then(|d| {
            // Documents came or went: the last summaries move to their
            // documents' new places, and the new documents' are made.
            if let (Some(map), Some(last)) = (&d.renumbered, &mut cache.last) {
                last.renumber(map);
            }
            updated_summaries(config, archive, items, summaries_hash, cache, &d.changed)
        });
        // A delta says which documents changed, not which templates did.
        let every_page = updated.is_none();
        let (summaries, resummarised) = match updated {
            Some(updated) => updated.map_err(|d| vec![d])?,
            None => (
                cached_summaries(config, archive, items, summaries_hash, cache).map_err(|d| vec![d])?,
                Vec::new(),
            ),
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
            counts_hash,
            count_readers: templates.count_readers(),
            term_pages_read_term_count: templates.reads_term_count(Page::List(List::Term(0, 0), 0).template()),
            layout: lists::Layout::new(config, archive),
            term_years: archive
                .taxonomies
                .iter()
                .map(|t| t.terms.iter().map(|_| std::sync::OnceLock::new()).collect())
                .collect(),
            entity_pages_before: std::mem::take(&mut cache.entity_pages),
            list_pages_before: std::mem::take(&mut cache.list_pages),
            persons: if config.citations.enabled {
                archive
                    .entities
                    .iter()
                    .flat_map(|e| e.names().map(move |n| (n.to_string(), e.kind == "person")))
                    .collect()
            } else {
                Default::default()
            },
        })
    }

    /// Keeps the summaries and the number of each entity's pages for the
    /// next build.
    pub fn keep(self, cache: &mut Cache) {
        let taxonomies = self.archive.taxonomies.iter().enumerate();
        let years = (0..self.archive.timeline.years.len()).map(List::Year);
        let undated = (!self.archive.timeline.undated.is_empty()).then_some(List::Undated);
        cache.list_pages = taxonomies
            .flat_map(|(t, taxonomy)| {
                let terms = (0..taxonomy.terms.len()).map(move |i| List::Term(t, i));
                std::iter::once(List::Taxonomy(t)).chain(terms)
            })
            .chain(years)
            .chain(undated)
            .map(|list| (self.list_path(list), self.layout.page_count(list)))
            .collect();
        cache.entity_pages = self.layout.entity_page_counts();
        cache.last = Some(self.summaries);
    }

    /// The pages that can show the changes of `delta`: those of the
    /// changed documents, of documents and entities whose citations or
    /// mentions changed, and the page of each list where a changed summary
    /// is listed. `None` when the changes reach every page, or move pages
    /// (terms built anew), which only a whole build handles; the pages an
    /// entity mentioned by more documents gains are among those returned
    /// (see [`Renderer::adds_pages`]). An entity mentioned by fewer
    /// documents, or a year's or a term's list, that has fewer pages (after
    /// documents came or went or left the term) is no reason for a whole
    /// build: the output paths of its pages that go are returned beside the
    /// pages.
    pub fn pages_for(&self, delta: &Delta) -> Option<(Vec<Page>, Vec<String>)> {
        if self.every_page {
            return None;
        }
        let mut dropped: Vec<String> = Vec::new();
        let a = self.archive;
        let links = &a.links;
        let layout = &self.layout;
        // Terms that came or went, or a term's list with more or fewer
        // pages: pages come and go.
        let repaged = |list: List| self.list_pages_before.get(&self.list_path(list)) != Some(&layout.page_count(list));
        if delta.terms_reshaped {
            return None;
        }
        // An entity mentioned by fewer documents may have fewer pages: the
        // pages it lost are deleted. (One with more pages has its new pages
        // made below.)
        for &e in &delta.counted {
            let before = *self.entity_pages_before.get(e)?;
            dropped.extend(self.pages_lost(List::Entity(e), before));
        }
        // A term's list with more pages has them made below, and one with
        // fewer has the pages it lost deleted.
        for &(t, i) in &delta.terms {
            if !delta.terms_added.contains(&(t, i)) {
                dropped.extend(self.pages_dropped(List::Term(t, i))?);
            }
        }
        let all_pages = |list: List| (0..layout.page_count(list)).map(move |n| Page::List(list, n));
        let mut pages: Vec<Page> = Vec::new();
        // The pages that can show how many terms or documents there are,
        // which are few; `None` when others can, which are many.
        let count_pages = |pages: &mut Vec<Page>| -> Option<()> {
            for template in &self.count_readers {
                pages.push(match *template {
                    "index.html" => Page::Home,
                    "timeline.html" => Page::Timeline,
                    "404.html" => Page::NotFound,
                    "search.html" if self.config.search.enabled => Page::Search,
                    "search.html" => continue,
                    _ => return None,
                });
            }
            Some(())
        };
        if let Some(map) = &delta.renumbered {
            // Documents added or removed: every page of each list that
            // holds one, or held it (the entries after it move), the
            // overview of the years, and the counts; the pages of a
            // removed one's neighbours, which now lead to each other. (A
            // new one's own page, and the pages that show its summary,
            // come with the new summaries below: its neighbours', those it
            // cites and is cited by.)
            debug_assert_eq!(map.new_len() + delta.removed.len(), map.old_len() + delta.added.len());
            count_pages(&mut pages)?;
            pages.extend([Page::Home, Page::Timeline]);
            for &d in &delta.added {
                for (list, _) in layout.pages_listing(a, d) {
                    // A year or an undated list that is new: its pages are
                    // new, and the years' overview shows it; the lists of
                    // years stand on how many there were.
                    let all_new = |ids: &[DocId]| ids.iter().all(|d| delta.added.contains(d));
                    let new_list = match list {
                        List::Year(y) => all_new(&a.timeline.years[y].documents),
                        List::Undated => all_new(&a.timeline.undated),
                        _ => false,
                    };
                    if new_list {
                        return None;
                    }
                    pages.extend(all_pages(list));
                    if layout.page_count(list) > 1 {
                        pages.push(Page::FirstPage(list));
                    }
                }
            }
            for gone in &delta.removed {
                // Its year's list, or the undated one; when it was the last
                // in it, or the list has fewer pages, pages go.
                let list = match gone.date {
                    Some(date) => List::Year(a.timeline.years.iter().position(|y| y.year == date.year)?),
                    None if a.timeline.undated.is_empty() => return None,
                    None => List::Undated,
                };
                dropped.extend(self.pages_dropped(list)?);
                pages.extend(all_pages(list));
                if layout.page_count(list) > 1 {
                    pages.push(Page::FirstPage(list));
                }
                if gone.date.is_some() {
                    let dated = |d: &DocId| a.documents[*d].date.is_some();
                    let newer = (0..gone.at).rev().find(dated);
                    let older = (gone.at..a.documents.len()).find(dated);
                    pages.extend(newer.into_iter().chain(older).map(Page::Document));
                }
            }
        }
        if !delta.terms_added.is_empty() {
            // A taxonomy has more terms: the pages that can show how many
            // terms or documents there are, which are few, or else all.
            let indexes_repaged = delta.terms_added.iter().any(|&(t, _)| repaged(List::Taxonomy(t)));
            if self.term_pages_read_term_count || indexes_repaged {
                return None;
            }
            count_pages(&mut pages)?;
            for &(t, i) in &delta.terms_added {
                if layout.page_count(List::Term(t, i)) > 1 {
                    pages.push(Page::FirstPage(List::Term(t, i)));
                }
            }
        }
        let mut documents: Vec<DocId> = delta
            .changed
            .iter()
            .chain(&delta.cited)
            .chain(&delta.rescanned)
            // Each shows its related documents.
            .chain(&delta.related)
            .copied()
            .collect();
        for &e in delta.mentioned.iter().chain(&delta.described) {
            // Its mentions moved, or its description changed: any of its
            // pages may show others, and each shows the description.
            pages.extend(all_pages(List::Entity(e)));
        }
        for &(t, i) in &delta.terms {
            // A document joined or left the term: its documents move on
            // every page; its count shows on its taxonomy's index and
            // maybe on the home page.
            pages.extend(all_pages(List::Term(t, i)));
            if layout.page_count(List::Term(t, i)) > 1 {
                pages.push(Page::FirstPage(List::Term(t, i)));
            }
            pages.extend(all_pages(List::Taxonomy(t)));
            pages.push(Page::Home);
        }
        for &e in &delta.counted {
            // Entity pages and lists show how many documents mention each.
            pages.extend(all_pages(List::Entity(e)));
            if layout.page_count(List::Entity(e)) > 1 {
                pages.push(Page::FirstPage(List::Entity(e)));
            }
            pages.push(Page::List(List::Entities, layout.entities_page_of(e)));
            documents.extend(links.mentions_of[e].iter().map(|(from, _)| *from));
        }
        if !self.resummarised.is_empty() {
            // Documents that list a changed summary among their related ones.
            for (id, related) in a.related.iter().enumerate() {
                if related.iter().any(|d| self.resummarised.binary_search(d).is_ok()) {
                    documents.push(id);
                }
            }
            for &d in &self.resummarised {
                if d < self.config.pagination.latest {
                    pages.push(Page::Home);
                }
                pages.extend(
                    layout
                        .pages_listing(a, d)
                        .into_iter()
                        .map(|(list, n)| Page::List(list, n)),
                );
                let (older, newer) = a.neighbours[d];
                documents.extend(older.into_iter().chain(newer));
                documents.extend(links.cited_by[d].iter().map(|(from, _)| *from));
                documents.extend(links.cites[d].iter().copied());
            }
        }
        pages.extend(documents.into_iter().map(Page::Document));
        let mut seen = std::collections::HashSet::new();
        pages.retain(|p| seen.insert(*p));
        dropped.sort_unstable();
        dropped.dedup();
        Some((pages, dropped))
    }

    /// The output paths of the pages `list` had in the last build and has
    /// no more: its last pages, and the page that leads to its first when
    /// it has one page left. Empty when it has as many pages or more;
    /// `None` when the last build had no such list.
    fn pages_dropped(&self, list: List) -> Option<Vec<String>> {
        let before = *self.list_pages_before.get(&self.list_path(list))?;
        Some(self.pages_lost(list, before))
    }

    /// The output paths of the pages `list` had in the last build, when it
    /// had `before` pages, and has no more (see [`Renderer::pages_dropped`]).
    fn pages_lost(&self, list: List, before: usize) -> Vec<String> {
        let now = self.layout.page_count(list);
        let mut paths: Vec<String> = (now..before).map(|n| self.output_path(Page::List(list, n))).collect();
        if now <= 1 && before > 1 {
            paths.push(self.output_path(Page::FirstPage(list)));
        }
        paths
    }

    /// Whether the pages of [`Renderer::pages_for`] `delta` add pages
    /// that the site did not have, besides those of new documents and
    /// terms: those of an entity mentioned by more documents, or of a
    /// term's list that documents joined.
    pub fn adds_pages(&self, delta: &Delta) -> bool {
        let grew = |list: List| {
            let before = self.list_pages_before.get(&self.list_path(list)).copied().unwrap_or(0);
            self.layout.page_count(list) > before
        };
        delta.counted.iter().any(|&e| {
            let before = self.entity_pages_before.get(e).copied().unwrap_or(0);
            self.layout.page_count(List::Entity(e)) > before
        }) || delta.terms.iter().any(|&(t, i)| grew(List::Term(t, i)))
    }

    /// How many pages the site has.
    pub fn page_count(&self) -> usize {
        let a = self.archive;
        let lists: usize = self
            .layout
            .lists(a)
            .into_iter()
            .map(|list| match self.layout.page_count(list) {
                1 => 1,
                n => n + 1,
            })
            .sum();
        3 + usize::from(self.config.search.enabled) + a.documents.len() + lists
    }

    /// Every page of the site.
    pub fn pages(&self) -> Vec<Page> {
        let a = self.archive;
        let mut pages = vec![Page::Home, Page::Timeline, Page::NotFound];
        if self.config.search.enabled {
            pages.push(Page::Search);
        }
        pages.extend((0..a.documents.len()).map(Page::Document));
        for list in self.layout.lists(a) {
            let count = self.layout.page_count(list);
            pages.extend((0..count).map(|n| Page::List(list, n)));
            if count > 1 {
                pages.push(Page::FirstPage(list));
            }
        }
        pages
    }

    /// The pages a reader may land on, for the sitemap (see
    /// [`landing_url`]): the pages that only lead to another, the search
    /// page and the missing page's are left out.
    pub fn landing_pages(&self) -> Vec<Page> {
        self.pages()
            .into_iter()
            .filter(|p| !matches!(p, Page::FirstPage(_) | Page::NotFound | Page::Search))
            .collect()
    }

    /// The output path of the page of a document gone from the archive
    /// (see [`crate::analyse::Gone`]).
    pub fn gone_path(gone: &crate::analyse::Gone) -> String {
        format!("{}index.html", paths::document(&gone.slug))
    }

    /// The output path of `page`, relative to the output directory.
    pub fn output_path(&self, page: Page) -> String {
        match page {
            Page::NotFound => "404.html".to_string(),
            _ => format!("{}index.html", self.site_path(page)),
        }
    }

    fn site_path(&self, page: Page) -> String {
        site_path(self.archive, page)
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
            Page::Timeline => ("the timeline page".to_string(), None),
            Page::List(list, 0) => self.list_origin(list),
            Page::List(list, n) => {
                let (page, file) = self.list_origin(list);
                (format!("{page}, page {}", n + 1), file)
            }
            Page::FirstPage(list) => {
                let (page, file) = self.list_origin(list);
                (format!("the page/1/ link to {page}"), file)
            }
            Page::NotFound => ("the not-found page".to_string(), None),
            Page::Search => ("the search page".to_string(), None),
        };
        Origin { page, file }
    }

    /// The first page of `list` in words, and the file its name comes from.
    fn list_origin(&self, list: List) -> (String, Option<std::path::PathBuf>) {
        let a = self.archive;
        match list {
            List::Taxonomy(t) => (
                format!("the page of taxonomy `{}`", a.taxonomies[t].name),
                Some(crate::config::FILE_NAME.into()),
            ),
            List::Term(t, i) => {
                let term = &a.taxonomies[t].terms[i];
                let name = crate::diag::abridged(&term.name);
                (
                    format!("the page of term `{name}` of `{}`", a.taxonomies[t].name),
                    term.documents.first().map(|&d| a.documents[d].file.clone()),
                )
            }
            List::Year(y) => (format!("the page of the year {}", a.timeline.years[y].year), None),
            List::Undated => ("the page of undated documents".to_string(), None),
            List::Entities => ("the page of people and organisations".to_string(), None),
            List::Entity(e) => (
                format!("the page of entity `{}`", crate::diag::abridged(&a.entities[e].name)),
                Some(crate::content::entities::FILE.into()),
            ),
        }
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
        let (template, fields) = self.variables_of(page, Purpose::Fingerprint);
        let mut h = fingerprint::Fingerprinter::new(&self.summaries.by_address);
        h.write_u64(self.site_hash);
        if self.count_readers.contains(template) {
            h.write_u64(self.counts_hash);
        }
        h.write_str(template);
        for (key, value) in &fields.0 {
            h.write_str(key);
            match fields.1.iter().find(|(k, _)| k == key) {
                Some(&(_, hash)) => h.write_u64(hash),
                None => h.value(value),
            }
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
        if self.count_readers.contains("document.html") {
            h.write_u64(self.counts_hash);
        }
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
        self.variables_of(page, Purpose::Render)
    }

    /// The variables of `page`, or for [`Purpose::Fingerprint`] stand-ins
    /// with their hashes for the largest of them (see [`Purpose`]).
    fn variables_of(&self, page: Page, purpose: Purpose) -> (&'static str, Fields) {
        let (template, title, mut context) = match page {
            Page::Home => ("index.html", self.config.title.clone(), self.home()),
            Page::Document(id) => (
                "document.html",
                self.archive.documents[id].title.clone(),
                self.document(id),
            ),
            Page::Timeline => ("timeline.html", "Timeline".to_string(), self.timeline()),
            Page::List(list, n) => (
                list.template(),
                self.list_title(list, n),
                self.list_fields(list, n, purpose),
            ),
            Page::FirstPage(list) => {
                let path = self.list_path(list);
                let mut c = Fields::default();
                c.insert_value(
                    "target",
                    map([
                        ("url", self.config.url(&path).into()),
                        ("permalink", self.config.permalink(&path).into()),
                    ]),
                );
                ("first_page.html", self.list_title(list, 0), c)
            }
            Page::NotFound => ("404.html", "Page not found".to_string(), Fields::default()),
            Page::Search => ("search.html", "Search".to_string(), Fields::default()),
        };
        debug_assert_eq!(template, page.template());
        let path = self.site_path(page);
        let feed = self
            .feed_of(page)
            .map_or_else(Value::none, |f| self.config.url(&f).into());
        context.insert_value(
            "page",
            map([
                ("url", self.config.url(&path).into()),
                ("permalink", self.config.permalink(&path).into()),
                ("title", title.into()),
                ("feed", feed),
            ]),
        );
        (template, context)
    }

    /// The site path of the Atom feed a page offers, if it has one: the
    /// home page the archive's, a term's pages the term's (see
    /// [`crate::output::feeds`]).
    fn feed_of(&self, page: Page) -> Option<String> {
        use crate::output::feeds;
        if !self.config.feeds.enabled {
            return None;
        }
        let a = self.archive;
        let dated = |docs: &[DocId]| docs.iter().any(|&d| a.documents[d].date.is_some());
        match page {
            Page::Home => a
                .documents
                .iter()
                .any(|d| d.date.is_some())
                .then(|| feeds::ARCHIVE_FEED.to_string()),
            Page::List(List::Term(t, term), _) => {
                let (taxonomy, term) = (&a.taxonomies[t], &a.taxonomies[t].terms[term]);
                dated(&term.documents).then(|| feeds::term_feed(&taxonomy.name, &term.slug))
            }
            _ => None,
        }
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
        let cite = if self.config.citations.enabled {
            self.citation(id)
        } else {
            Value::none()
        };
        fields.insert("cite".into(), cite);
        let (older, newer) = self.archive.neighbours[id];
        let neighbour = |n: Option<DocId>| n.map_or_else(Value::none, |i| self.summaries.values[i].clone());
        fields.insert("previous".into(), neighbour(older));
        fields.insert("next".into(), neighbour(newer));
        let mut c = Fields::default();
        c.insert_value("doc", Value::from(fields));
        c
    }

    /// A document's citation: `doc.cite` in its page.
    fn citation(&self, id: DocId) -> Value {
        let doc = &self.archive.documents[id];
        let record = crate::cite::Record::new(doc, self.config);
        let c = crate::cite::chicago::citation(&record);
        let person = |name: &str| self.persons.get(name).copied();
        let dir = self.config.url(&paths::document(&doc.slug));
        map([
            ("kind", record.kind.name().into()),
            ("text", c.text().into()),
            ("html", Value::safe_string(&c.html())),
            ("url", c.url.clone().into()),
            ("downloads", self.config.citations.downloads.into()),
            ("bibtex", format!("{dir}cite.bib").into()),
            ("ris", format!("{dir}cite.ris").into()),
            ("csl_json", format!("{dir}cite.json").into()),
            ("meta", Value::safe_string(&crate::cite::meta::head(&record, &person))),
        ])
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

    /// Page `n` of an entity: the documents that mention it, with their
    /// quotations.
    fn entity(&self, e: EntityId, n: usize) -> Fields {
        let entity = &self.archive.entities[e];
        let mut fields = self.entity_value(e).as_map().cloned().unwrap_or_default();
        fields.insert("other_names".into(), views::strings(&entity.other_names));
        fields.insert("description".into(), views::opt(&entity.description));
        let page = self.layout.split(List::Entity(e)).pages[n].clone();
        let mentions: Vec<Value> = self.archive.links.mentions_of[e][page]
            .iter()
            .map(|(from, occ)| self.citing(*from, occ))
            .collect();
        let mut c = Fields::default();
        c.insert_value("entity", Value::from(fields));
        c.insert_value("mentions", mentions.into());
        c
    }
}

/// The site path of `page` of `archive`.
fn site_path(a: &Archive, page: Page) -> String {
    match page {
        Page::Home => String::new(),
        Page::Document(id) => paths::document(&a.documents[id].slug),
        Page::Timeline => paths::timeline(),
        Page::List(list, n) => pagination::path(&lists::list_path(a, list), n),
        Page::FirstPage(list) => format!("{}page/1/", lists::list_path(a, list)),
        Page::NotFound => "404.html".to_string(),
        Page::Search => format!("{}/", crate::search::FOLDER),
    }
}

/// A landing page (see [`Renderer::landing_pages`]) as the sitemap lists
/// it: its permalink, and a document page's date as written. Made from
/// the archive alone, so that the preview can list them after the page.
pub fn landing_url(config: &Config, archive: &Archive, page: Page) -> (String, Option<String>) {
    let date = match page {
        Page::Document(id) => archive.documents[id].date.map(|d| d.iso()),
        _ => None,
    };
    (config.permalink(&site_path(archive, page)), date)
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
