//! The link graph: which document cites which, and who mentions whom.
//!
//! Citations come from explicit `[text](@/slug#anchor)` links in markdown and
//! from mentions of a document's title or `cited_as` names anywhere in
//! another document's text or curator's note; entity mentions come from the
//! same single pass. Every occurrence keeps the anchor of the paragraph it is
//! in and the sentence around it, so a "Cited by" list can quote the sentence
//! and link to the exact paragraph. Explicit links and `related` slugs that do
//! not resolve are errors pointing at the file and line that hold them (one
//! that names a draft left out of the build says so); a name two documents
//! or entities share is a warning naming both, at the file of the one it is
//! not linked to.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::DocId;
use super::mentions::{EntityId, Matcher, Target};
use crate::content::entities::Entity;
use crate::content::{Document, Drafts, Text};
use crate::diag::{Diagnostic, Location, did_you_mean};
use crate::render::markdown::{self, ExplicitLink, Segment};
use crate::render::text::{has_mentions, text_start};

/// The sentence around an occurrence, split so the occurrence can be shown
/// highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub before: String,
    pub matched: String,
    pub after: String,
}

/// One place where a document cites another or mentions an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub from: DocId,
    /// Anchor of the paragraph in `from`.
    pub anchor: String,
    pub snippet: Snippet,
}

/// The graph of the archive.
#[derive(Default)]
pub struct Links {
    /// For each document, the documents it cites, in order of first citation.
    pub cites: Vec<Vec<DocId>>,
    /// For each document, who cites it: sources newest first, each with its
    /// occurrences in reading order.
    pub cited_by: Vec<Vec<(DocId, Vec<Occurrence>)>>,
    /// For each document, the entities it mentions, most mentioned first.
    pub entities_of: Vec<Vec<EntityId>>,
    /// For each entity, the documents that mention it, newest first.
    pub mentions_of: Vec<Vec<(DocId, Vec<Occurrence>)>>,
    /// For each document, the mentions of other documents to render as
    /// links: for each piece of text that has any (numbered in reading
    /// order, as [`Segment::pieces`] are), the ranges in that piece and the
    /// documents they name. The renderer uses these instead of searching the
    /// text again.
    pub inline: Vec<Vec<InlineMentions>>,
}

/// The document mentions in one piece of text: its index, and each range.
pub type InlineMentions = (usize, Vec<(Range<usize>, DocId)>);

/// Where a markdown text lives, to point at its lines.
#[derive(Clone)]
struct Source {
    file: PathBuf,
    /// Byte offset of the markdown inside `file`.
    offset: usize,
}

/// One block of text: borrowed from a seed, or the plain text of markdown.
struct Part<'a> {
    anchor: Cow<'a, str>,
    text: Cow<'a, str>,
    pieces: Vec<Range<usize>>,
}

impl From<Segment> for Part<'_> {
    fn from(s: Segment) -> Self {
        Part {
            anchor: s.anchor.into(),
            text: s.text.into(),
            pieces: s.pieces,
        }
    }
}

/// The parts of one document the graph is built from.
#[derive(Default)]
struct DocText<'a> {
    parts: Vec<Part<'a>>,
    links: Vec<(ExplicitLink, Source, usize)>,
    /// Links to script URLs: errors.
    script_links: Vec<(String, Range<usize>, Source)>,
}

/// What a name or link points at, by slug: stable when documents are
/// added, removed or re-dated, unlike a [`DocId`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Document(String),
    Entity(String),
}

/// What scanning one document found, in stable keys.
struct Scan {
    found: Vec<(Key, Occurrence)>,
    inline: Vec<KeyedInline>,
    links: Vec<(ExplicitLink, Source)>,
    script_links: Vec<(String, Range<usize>, Source)>,
}

/// Scans kept between builds by `serve`: a document is scanned again only
/// when its files changed or the names looked for changed.
#[derive(Default)]
pub struct Cache {
    /// Hash of every name looked for, in order, with what it names.
    names: u64,
    /// Names given for two targets: the name, who keeps it, who loses it.
    ambiguous: Vec<(String, Key, Key)>,
    /// The matcher for those names. Its targets are document ids, which
    /// stay valid while the names hash (which covers the documents' order)
    /// is unchanged.
    matcher: Option<Arc<Option<Matcher>>>,
    scans: crate::hash::Map<String, (u64, Arc<Scan>)>,
}

/// Documents that links may name besides those analysed.
#[derive(Clone, Copy)]
pub struct Elsewhere<'a> {
    /// Slugs that content files which failed to load may hold: links to
    /// them are not reported, since they may resolve once the file is fixed.
    pub absent: &'a HashSet<String>,
    /// Drafts left out of the build: a link to one is told so.
    pub drafts: &'a Drafts,
}

/// Builds the graph. `root` is read again only to quote lines in errors.
pub fn build(
    root: &Path,
    documents: &[Arc<Document>],
    entities: &[Entity],
    by_slug: &crate::hash::Map<String, DocId>,
    detect_mentions: bool,
    elsewhere: Elsewhere,
    cache: &mut Cache,
) -> Built {
    let key_of = key_of(documents, entities);
    let names_hash = hash_names(documents, entities, detect_mentions);
    if cache.names != names_hash || cache.scans.is_empty() {
        cache.names = names_hash;
        cache.scans.clear();
        cache.ambiguous.clear();
        cache.matcher = None;
    }
    let matcher: std::sync::OnceLock<Arc<Option<Matcher>>> = std::sync::OnceLock::new();
    if let Some(m) = &cache.matcher {
        let _ = matcher.set(m.clone());
    }
    let ambiguous = std::sync::Mutex::new(None);
    let build_matcher = || {
        let names = if detect_mentions {
            names(documents, entities)
        } else {
            Vec::new()
        };
        let (m, amb) = Matcher::new(names);
        *ambiguous.lock().expect("no panics while held") = Some(amb);
        Arc::new(m)
    };
    let scans: Vec<Arc<Scan>> = documents
        .par_iter()
        .enumerate()
        .map(|(id, doc)| match cache.scans.get(&doc.slug) {
            Some((fingerprint, scan)) if *fingerprint == doc.fingerprint => scan.clone(),
            _ => Arc::new(scan(
                id,
                doc,
                matcher.get_or_init(build_matcher).as_ref().as_ref(),
                &key_of,
            )),
        })
        .collect();
    if let Some(amb) = ambiguous.into_inner().expect("no panics while held") {
        cache.ambiguous = amb
            .into_iter()
            .map(|a| (a.name, key_of(a.kept), key_of(a.dropped)))
            .collect();
    }
    if let Some(m) = matcher.into_inner() {
        cache.matcher = Some(m);
    }
    cache.scans = documents
        .iter()
        .zip(&scans)
        .map(|(doc, scan)| (doc.slug.clone(), (doc.fingerprint, scan.clone())))
        .collect();
    let errors = check_references(
        root,
        documents,
        documents.iter().map(|d| &**d).zip(&scans),
        by_slug,
        elsewhere,
    );
    let warnings = ambiguous_warnings(&cache.ambiguous, documents, by_slug);
    let target_of = target_of(entities, by_slug);
    let (found, inline): (Vec<_>, Vec<_>) = scans
        .par_iter()
        .enumerate()
        .map(|(id, scan)| resolve(id, scan, &target_of, by_slug))
        .unzip();
    let mut links = aggregate(documents.len(), entities.len(), found);
    links.inline = inline;
    Built {
        links,
        warnings,
        errors,
    }
}

/// The graph, with what is wrong in the references it was built from.
/// Links that do not resolve are left out of it.
pub struct Built {
    pub links: Links,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
}

/// States a target of this build in stable keys.
fn key_of<'a>(documents: &'a [Arc<Document>], entities: &'a [Entity]) -> impl Fn(Target) -> Key + Sync + 'a {
    move |t| match t {
        Target::Document(d) => Key::Document(documents[d].slug.clone()),
        Target::Entity(e) => Key::Entity(entities[e].slug.clone()),
    }
}

/// Finds what a stable key names in this build, if it still exists.
fn target_of<'a>(
    entities: &'a [Entity],
    by_slug: &'a crate::hash::Map<String, DocId>,
) -> impl Fn(&Key) -> Option<Target> + Sync + 'a {
    let entity_ids: HashMap<&'a str, EntityId> =
        entities.iter().enumerate().map(|(i, e)| (e.slug.as_str(), i)).collect();
    move |key| match key {
        Key::Document(slug) => by_slug.get(slug).map(|&d| Target::Document(d)),
        Key::Entity(slug) => entity_ids.get(slug.as_str()).map(|&e| Target::Entity(e)),
    }
}

/// A hash of every name looked for, in order, with the slug it names:
/// what the scans depend on besides each document's own text.
fn hash_names(documents: &[Arc<Document>], entities: &[Entity], detect_mentions: bool) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    detect_mentions.hash(&mut h);
    if !detect_mentions {
        return h.finish();
    }
    for doc in documents {
        (&doc.slug, &doc.title, &doc.cited_as).hash(&mut h);
    }
    for entity in entities {
        entity.slug.hash(&mut h);
        entity.names().for_each(|n| n.hash(&mut h));
        h.write_u8(0);
    }
    h.finish()
}

/// Scans one document and states what it found in keys.
fn scan(id: DocId, doc: &Document, matcher: Option<&Matcher>, key_of: &(impl Fn(Target) -> Key + Sync)) -> Scan {
    let text = doc_text(doc);
    let (found, inline) = occurrences(id, &doc.slug, &text, matcher, key_of);
    Scan {
        found,
        inline,
        links: text.links.into_iter().map(|(link, source, _)| (link, source)).collect(),
        script_links: text.script_links,
    }
}

/// A scan in terms of this build's ids.
fn resolve(
    id: DocId,
    scan: &Scan,
    target_of: &(impl Fn(&Key) -> Option<Target> + Sync),
    by_slug: &crate::hash::Map<String, DocId>,
) -> (Vec<(Target, Occurrence)>, Vec<InlineMentions>) {
    let found = scan
        .found
        .iter()
        .filter_map(|(key, o)| {
            let occurrence = Occurrence {
                from: id,
                anchor: o.anchor.clone(),
                snippet: o.snippet.clone(),
            };
            Some((target_of(key)?, occurrence))
        })
        .collect();
    let inline = scan
        .inline
        .iter()
        .map(|(piece, list)| {
            let list = list
                .iter()
                .filter_map(|(r, slug)| Some((r.clone(), *by_slug.get(slug)?)))
                .collect();
            (*piece, list)
        })
        .collect();
    (found, inline)
}

fn doc_text(doc: &Document) -> DocText<'_> {
    let mut out = DocText::default();
    let content = Source {
        file: doc.file.clone(),
        offset: doc.body_offset,
    };
    match &doc.text {
        Text::Blocks(blocks) => {
            for block in blocks {
                if has_mentions(block.kind) {
                    out.parts.push(Part {
                        anchor: Cow::Borrowed(&block.anchor),
                        text: Cow::Borrowed(&block.text),
                        pieces: std::iter::once(text_start(block)..block.text.len()).collect(),
                    });
                }
            }
        }
        Text::Markdown(md) => {
            let source = match &doc.seed {
                Some(seed) => Source {
                    file: seed.clone(),
                    offset: 0,
                },
                None => content.clone(),
            };
            add_markdown(&mut out, md, "", source);
        }
        Text::None => {}
    }
    if let Some(note) = &doc.note {
        add_markdown(&mut out, note, "note-", content);
    }
    out
}

fn add_markdown(out: &mut DocText, md: &str, prefix: &str, source: Source) {
    let outline = markdown::outline(md, prefix);
    let base = out.parts.len();
    for link in outline.links {
        out.links.push((link, source.clone(), base));
    }
    for (url, range) in outline.script_links {
        out.script_links.push((url, range, source.clone()));
    }
    out.parts.extend(outline.segments.into_iter().map(Part::from));
}

/// The names to look for: each document's title and `cited_as` names, each
/// entity's names.
fn names(documents: &[Arc<Document>], entities: &[Entity]) -> Vec<(String, Target)> {
    let mut names = Vec::new();
    for (id, doc) in documents.iter().enumerate() {
        names.push((doc.title.clone(), Target::Document(id)));
        names.extend(doc.cited_as.iter().map(|n| (n.clone(), Target::Document(id))));
    }
    for (id, entity) in entities.iter().enumerate() {
        names.extend(entity.names().map(|n| (n.to_string(), Target::Entity(id))));
    }
    names
}

/// A warning for each name two documents or entities share, at the file
/// of the one that loses it.
fn ambiguous_warnings(
    ambiguous: &[(String, Key, Key)],
    documents: &[Arc<Document>],
    by_slug: &crate::hash::Map<String, DocId>,
) -> Vec<Diagnostic> {
    let what = |key: &Key| match key {
        Key::Document(slug) => format!("document `{slug}`"),
        Key::Entity(slug) => format!("entity `{slug}`"),
    };
    let file = |key: &Key| match key {
        Key::Document(slug) => by_slug.get(slug).map(|&d| documents[d].file.clone()),
        Key::Entity(_) => Some(PathBuf::from(crate::content::entities::FILE)),
    };
    ambiguous
        .iter()
        .map(|(name, kept, dropped)| {
            let warning = Diagnostic::warning(format!(
                "the name \"{name}\" is shared by {} and {}; mentions of it link to {} only",
                what(kept),
                what(dropped),
                what(kept)
            ))
            .hint(
                "a shared name goes to the newer document (the first by title on the same date), to a \
                 document before an entity, and to the entity listed first; give each names of its own",
            );
            match file(dropped) {
                Some(file) => warning.at(Location::file_only(&file)),
                None => warning,
            }
        })
        .collect()
}

/// Checks explicit links and `related` slugs against the archive.
fn check_references<'a>(
    root: &Path,
    documents: &[Arc<Document>],
    checked: impl Iterator<Item = (&'a Document, &'a Arc<Scan>)>,
    by_slug: &crate::hash::Map<String, DocId>,
    elsewhere: Elsewhere,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let slugs = || by_slug.keys().map(String::as_str);
    let mut anchors: HashMap<DocId, Vec<String>> = HashMap::new();
    for (doc, scan) in checked {
        for (url, range, source) in &scan.script_links {
            let at = locate(
                root,
                &source.file,
                source.offset + range.start..source.offset + range.end,
            );
            errors.push(
                Diagnostic::error(format!("link to a script URL `{url}`")).at(at).hint(
                    "link to a web page (https://...) or another document (@/slug); script URLs are never allowed",
                ),
            );
        }
        for (link, source) in &scan.links {
            let at = || {
                locate(
                    root,
                    &source.file,
                    source.offset + link.source.start..source.offset + link.source.end,
                )
            };
            let Some(&target) = by_slug.get(&link.slug) else {
                errors.extend(unresolved(&link.slug, at, elsewhere, "remove the link", slugs));
                continue;
            };
            let Some(fragment) = &link.fragment else { continue };
            let known = anchors.entry(target).or_insert_with(|| anchors_of(&documents[target]));
            if !known.iter().any(|a| a == fragment) {
                let hint = match did_you_mean(fragment, known.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `#{close}`?"),
                    None => {
                        "anchors are #p-N for paragraphs and #sec-... for sections; see the target page".to_string()
                    }
                };
                errors.push(
                    Diagnostic::error(format!("document `{}` has no anchor `#{fragment}`", link.slug))
                        .at(at())
                        .hint(hint),
                );
            }
        }
        for (slug, span) in &doc.related {
            if !by_slug.contains_key(slug) {
                let at = || locate(root, &doc.file, span.clone());
                errors.extend(unresolved(slug, at, elsewhere, "remove it from `related`", slugs));
            }
        }
    }
    errors
}

/// Every anchor of a document's text and note.
fn anchors_of(doc: &Document) -> Vec<String> {
    let mut out: Vec<String> = match &doc.text {
        Text::Blocks(blocks) => blocks.iter().map(|b| b.anchor.clone()).collect(),
        Text::Markdown(md) => markdown::outline(md, "").anchors,
        Text::None => Vec::new(),
    };
    if let Some(note) = &doc.note {
        out.extend(markdown::outline(note, "note-").anchors);
    }
    out
}

/// The error for a reference to `slug`, which no analysed document has:
/// `None` when the slug may belong to a file that failed to load. `remove`
/// says how to drop the reference.
fn unresolved<'a, I: Iterator<Item = &'a str>>(
    slug: &str,
    at: impl FnOnce() -> Location,
    elsewhere: Elsewhere,
    remove: &str,
    slugs: impl FnOnce() -> I,
) -> Option<Diagnostic> {
    if let Some((_, file)) = elsewhere.drafts.iter().find(|(s, _)| s == slug) {
        let file = file.display();
        return Some(
            Diagnostic::error(format!(
                "document `{slug}` is a draft ({file}), left out of this build"
            ))
            .at(at())
            .hint(format!(
                "publish it by removing `draft = true` from {file}, build with --drafts to include drafts, or {remove}"
            )),
        );
    }
    if elsewhere.absent.contains(slug) {
        return None;
    }
    Some(unknown_slug(slug, at(), slugs()))
}

fn unknown_slug<'a>(slug: &str, at: Location, slugs: impl Iterator<Item = &'a str>) -> Diagnostic {
    let hint = match did_you_mean(slug, slugs) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "name a document by its slug: its `slug` key, or else its file name without `.md`".to_string(),
    };
    Diagnostic::error(format!("no document has the slug `{slug}`"))
        .at(at)
        .hint(hint)
}

fn locate(root: &Path, file: &Path, span: Range<usize>) -> Location {
    match std::fs::read(root.join(file)).map(|b| crate::content::decode_content(&b)) {
        Ok(Some(text)) => Location::from_span(file, &text, span),
        _ => Location::file_only(file),
    }
}

/// Every citation and entity mention in one document, and the document
/// mentions to render as links (by piece of text), all in keys.
type Keyed = (Vec<(Key, Occurrence)>, Vec<KeyedInline>);

/// The document mentions of one piece of text, by slug.
type KeyedInline = (usize, Vec<(Range<usize>, String)>);

fn occurrences(
    id: DocId,
    own_slug: &str,
    text: &DocText,
    matcher: Option<&Matcher>,
    key_of: &(impl Fn(Target) -> Key + Sync),
) -> Keyed {
    let mut out = Vec::new();
    let mut inline = Vec::new();
    let mut piece_index = 0;
    let mut link_at = text.links.iter().peekable();
    for (index, segment) in text.parts.iter().enumerate() {
        let mut found: Vec<(Range<usize>, Key)> = Vec::new();
        for piece in &segment.pieces {
            let in_piece = matcher
                .map(|m| m.find(&segment.text[piece.clone()], Some(id)))
                .unwrap_or_default();
            let documents: Vec<(Range<usize>, String)> = in_piece
                .iter()
                .filter_map(|f| match key_of(f.target) {
                    Key::Document(slug) => Some((f.range.clone(), slug)),
                    Key::Entity(_) => None,
                })
                .collect();
            if !documents.is_empty() {
                inline.push((piece_index, documents));
            }
            piece_index += 1;
            found.extend(
                in_piece
                    .into_iter()
                    .map(|f| (f.range.start + piece.start..f.range.end + piece.start, key_of(f.target))),
            );
        }
        while let Some((link, _, base)) = link_at.peek() {
            if base + link.segment != index {
                break;
            }
            if link.slug != own_slug {
                found.push((link.text.clone(), Key::Document(link.slug.clone())));
            }
            link_at.next();
        }
        found.sort_by_key(|(r, _)| r.start);
        for (range, key) in found {
            let snippet = snippet(&segment.text, range);
            let occurrence = Occurrence {
                from: id,
                anchor: segment.anchor.to_string(),
                snippet,
            };
            out.push((key, occurrence));
        }
    }
    (out, inline)
}

/// Groups every document's occurrences by what they point at.
fn aggregate(documents: usize, entities: usize, found: Vec<Vec<(Target, Occurrence)>>) -> Links {
    let mut links = Links {
        cites: vec![Vec::new(); documents],
        cited_by: vec![Vec::new(); documents],
        entities_of: vec![Vec::new(); documents],
        mentions_of: vec![Vec::new(); entities],
        inline: Vec::new(),
    };
    // Sources are visited in DocId order, which is newest first, so every
    // list of sources comes out sorted by DocId.
    for (from, occurrences) in found.into_iter().enumerate() {
        links.add(from, occurrences);
    }
    links
}

impl Links {
    /// Adds what document `from` cites and mentions. Lists of sources stay
    /// sorted by DocId.
    fn add(&mut self, from: DocId, occurrences: Vec<(Target, Occurrence)>) {
        let mut per_target: BTreeMap<Target, Vec<Occurrence>> = BTreeMap::new();
        let mut order: Vec<Target> = Vec::new();
        for (target, occurrence) in occurrences {
            let entry = per_target.entry(target).or_default();
            if entry.is_empty() {
                order.push(target);
            }
            entry.push(occurrence);
        }
        let insert = |list: &mut Vec<(DocId, Vec<Occurrence>)>, occurrences| {
            let at = list.partition_point(|(f, _)| *f < from);
            list.insert(at, (from, occurrences));
        };
        let mut entity_counts: Vec<(EntityId, usize)> = Vec::new();
        self.cites[from].clear();
        for target in order {
            let occurrences = per_target.remove(&target).expect("recorded above");
            match target {
                Target::Document(to) => {
                    self.cites[from].push(to);
                    insert(&mut self.cited_by[to], occurrences);
                }
                Target::Entity(e) => {
                    entity_counts.push((e, occurrences.len()));
                    insert(&mut self.mentions_of[e], occurrences);
                }
            }
        }
        entity_counts.sort_by_key(|&(e, n)| (std::cmp::Reverse(n), e));
        self.entities_of[from] = entity_counts.into_iter().map(|(e, _)| e).collect();
    }

    /// Takes out what document `from` cites and mentions: for each target,
    /// its occurrences.
    fn remove(&mut self, from: DocId) -> Vec<(Target, Vec<Occurrence>)> {
        let mut out = Vec::new();
        let take = |list: &mut Vec<(DocId, Vec<Occurrence>)>| {
            let at = list.partition_point(|(f, _)| *f < from);
            (list.get(at).is_some_and(|(f, _)| *f == from)).then(|| list.remove(at).1)
        };
        for to in std::mem::take(&mut self.cites[from]) {
            out.extend(take(&mut self.cited_by[to]).map(|o| (Target::Document(to), o)));
        }
        for e in std::mem::take(&mut self.entities_of[from]) {
            out.extend(take(&mut self.mentions_of[e]).map(|o| (Target::Entity(e), o)));
        }
        out
    }
}

/// The graph after [`update`], its warnings, and what changed in it.
pub type Updated = (Links, Vec<Diagnostic>, Changes);

/// What [`update`] changed in the graph.
#[derive(Debug, Default)]
pub struct Changes {
    /// Documents whose "Cited by" list changed.
    pub cited: Vec<DocId>,
    /// Entities whose list of mentions changed.
    pub mentioned: Vec<EntityId>,
    /// Entities that more or fewer documents mention.
    pub counted: Vec<EntityId>,
    /// Whether a replaced document cites or mentions others than before,
    /// or in another order: what related lists are computed from.
    pub outward: bool,
    /// Whether a replaced document mentions an entity more or less often.
    pub counts: bool,
}

/// Updates the graph after the documents at `changed` were replaced by
/// others of the same shape (`old` holds the replaced ones): scans the new
/// documents and swaps their occurrences for the old ones. `None` when the
/// cache cannot serve (the caller builds the graph anew).
#[allow(clippy::too_many_arguments)]
pub fn update(
    root: &Path,
    mut links: Links,
    documents: &[Arc<Document>],
    entities: &[Entity],
    by_slug: &crate::hash::Map<String, DocId>,
    changed: &[DocId],
    old: &[Arc<Document>],
    cache: &mut Cache,
) -> Result<Option<Updated>, Vec<Diagnostic>> {
    let Some(matcher) = cache.matcher.clone() else {
        return Ok(None);
    };
    if links.cites.len() != documents.len() {
        return Ok(None);
    }
    let key_of = key_of(documents, entities);
    let scans: Vec<Arc<Scan>> = changed
        .par_iter()
        .map(|&id| Arc::new(scan(id, &documents[id], matcher.as_ref().as_ref(), &key_of)))
        .collect();
    let anchors_moved = changed
        .iter()
        .zip(old)
        .any(|(&id, old)| anchors_of(old) != anchors_of(&documents[id]));
    for (&id, scan) in changed.iter().zip(&scans) {
        let doc = &documents[id];
        cache.scans.insert(doc.slug.clone(), (doc.fingerprint, scan.clone()));
    }
    // Errors here only stop the update: the caller analyses what loaded
    // anew to report them, drafts and all.
    let (none_absent, no_drafts) = (HashSet::new(), Drafts::new());
    let elsewhere = Elsewhere {
        absent: &none_absent,
        drafts: &no_drafts,
    };
    let errors = if anchors_moved {
        // Links from other documents may point at an anchor that is gone.
        let all: Option<Vec<Arc<Scan>>> = documents
            .iter()
            .map(|d| cache.scans.get(&d.slug).map(|(_, s)| s.clone()))
            .collect();
        let Some(all) = all else { return Ok(None) };
        let all = documents.iter().map(|d| &**d).zip(&all);
        check_references(root, documents, all, by_slug, elsewhere)
    } else {
        let own = changed.iter().map(|&id| &*documents[id]);
        check_references(root, documents, own.zip(&scans), by_slug, elsewhere)
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let target_of = target_of(entities, by_slug);
    let mut changes = Changes::default();
    for (&id, scan) in changed.iter().zip(&scans) {
        let (cites, entities_of) = (links.cites[id].clone(), links.entities_of[id].clone());
        let before = links.remove(id);
        let (found, inline) = resolve(id, scan, &target_of, by_slug);
        links.add(id, found);
        links.inline[id] = inline;
        changes.outward |= links.cites[id] != cites || links.entities_of[id] != entities_of;
        let mut after: Vec<(Target, &[Occurrence])> = Vec::new();
        for &to in &links.cites[id] {
            let list = &links.cited_by[to];
            let at = list.partition_point(|(f, _)| *f < id);
            after.push((Target::Document(to), &list[at].1));
        }
        for &e in &links.entities_of[id] {
            let list = &links.mentions_of[e];
            let at = list.partition_point(|(f, _)| *f < id);
            after.push((Target::Entity(e), &list[at].1));
        }
        let old_of = |t: Target| before.iter().find(|(x, _)| *x == t).map(|(_, o)| o.as_slice());
        let new_of = |t: Target| after.iter().find(|(x, _)| *x == t).map(|(_, o)| *o);
        let targets = before.iter().map(|(t, _)| *t).chain(after.iter().map(|(t, _)| *t));
        for target in targets.collect::<std::collections::BTreeSet<_>>() {
            let (was, is) = (old_of(target), new_of(target));
            if was == is {
                continue;
            }
            changes.counts |= was.map(<[_]>::len) != is.map(<[_]>::len);
            match target {
                Target::Document(to) => changes.cited.push(to),
                Target::Entity(e) => {
                    changes.mentioned.push(e);
                    if was.is_none() || is.is_none() {
                        changes.counted.push(e);
                    }
                }
            }
        }
    }
    for list in [&mut changes.cited, &mut changes.mentioned, &mut changes.counted] {
        list.sort_unstable();
        list.dedup();
    }
    let warnings = ambiguous_warnings(&cache.ambiguous, documents, by_slug);
    Ok(Some((links, warnings, changes)))
}

/// Longest a snippet's context runs on either side of the occurrence.
const CONTEXT_CHARS: usize = 160;

/// The sentence of `text` around `range`.
pub fn snippet(text: &str, range: Range<usize>) -> Snippet {
    let start = sentence_start(text, range.start);
    let end = sentence_end(text, range.end);
    let before = clip_start(&text[start..range.start]);
    let after = clip_end(&text[range.end..end]);
    Snippet {
        before,
        matched: text[range].to_string(),
        after,
    }
}

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '?' | '!' | '。' | '？' | '！' | '；')
}

fn sentence_start(text: &str, at: usize) -> usize {
    let head = &text[..at];
    for (i, c) in head.char_indices().rev() {
        let next_is_space = head[i + c.len_utf8()..].starts_with(char::is_whitespace);
        if is_terminal(c) && (next_is_space || c.len_utf8() > 1) {
            return i + c.len_utf8();
        }
    }
    0
}

fn sentence_end(text: &str, at: usize) -> usize {
    for (i, c) in text[at..].char_indices() {
        let end = at + i + c.len_utf8();
        if is_terminal(c)
            && (text[end..].is_empty() || text[end..].starts_with(char::is_whitespace) || c.len_utf8() > 1)
        {
            return end;
        }
    }
    text.len()
}

fn clip_start(s: &str) -> String {
    let s = s.trim_start();
    let n = s.chars().count();
    if n <= CONTEXT_CHARS {
        return s.to_string();
    }
    let skip = s.char_indices().nth(n - CONTEXT_CHARS).map_or(0, |(i, _)| i);
    format!("…{}", &s[skip..])
}

fn clip_end(s: &str) -> String {
    match s.char_indices().nth(CONTEXT_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_the_sentence_around_the_occurrence() {
        let text = "First sentence. The Plan, issued in 2021, matters. Last one.";
        let at = text.find("Plan").unwrap();
        let s = snippet(text, at..at + 4);
        assert_eq!(
            (s.before.as_str(), s.matched.as_str(), s.after.as_str()),
            ("The ", "Plan", ", issued in 2021, matters.")
        );
    }

    #[test]
    fn snippet_handles_chinese_sentences_and_long_context() {
        let text = "前一句。根据规划推进。后一句";
        let at = text.find("规划").unwrap();
        let s = snippet(text, at..at + "规划".len());
        assert_eq!((s.before.as_str(), s.after.as_str()), ("根据", "推进。"));
        let long = format!("{} Plan", "word ".repeat(100));
        let at = long.find("Plan").unwrap();
        assert!(snippet(&long, at..at + 4).before.starts_with('…'));
    }
}
