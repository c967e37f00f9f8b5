//! The link graph: which document cites which, and who mentions whom.
//!
//! Citations come from explicit `[text](@/slug#anchor)` links in markdown and
//! from mentions of a document's title or `cited_as` names anywhere in
//! another document's text or curator's note; entity mentions come from the
//! same single pass. An occurrence is one sentence that names the target,
//! however many times: it keeps the anchor of the paragraph it is in, the
//! sentence with every name of the target marked, and whether it is in the
//! curator's note or the text, so a "Cited by" list can quote the sentence
//! once, link to the exact paragraph, and tell the archive's commentary
//! from the document's own references. Explicit links and `related` slugs that do
//! not resolve are errors pointing at the file and line that hold them (one
//! that names a draft left out of the build says so); a name two documents
//! or entities share is a warning naming both, at the file of the one it is
//! not linked to.
//!
//! The markdown outlines read here also say what is wrong with a text's
//! markup (see [`markdown::Issue`]): raw HTML beyond the limits the
//! sanitiser's parser needs is an error, an author's id that is renamed a
//! warning (an error when raw HTML is kept as written and cannot be
//! renamed). A document's markdown is read into outlines that hold its
//! blocks' text in one string, and the scan borrows from them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::DocId;
use super::mentions::{EntityId, Matcher, Target, too_common};
use super::renumber::Renumber;
use crate::content::entities::Entity;
use crate::content::{Document, Drafts, Text};
use crate::diag::{Diagnostic, Location, did_you_mean};
use crate::render::markdown::{self, ExplicitLink, Issue, Markup, Outline};
use crate::render::raw_html::{self, Limit};
use crate::render::text::{has_mentions, text_start};

/// The sentence around an occurrence, with the names it holds marked, so
/// that it can be quoted with them highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The sentence, clipped with `…` when it runs long.
    pub text: String,
    /// Byte ranges of `text` that name the target, in order, never
    /// overlapping; at least one.
    pub marks: Vec<Range<usize>>,
}

impl Snippet {
    /// The text before the first name.
    pub fn before(&self) -> &str {
        &self.text[..self.marks[0].start]
    }

    /// The first name.
    pub fn matched(&self) -> &str {
        &self.text[self.marks[0].clone()]
    }

    /// The text after the first name (further names included, unmarked).
    pub fn after(&self) -> &str {
        &self.text[self.marks[0].end..]
    }

    /// The sentence in pieces, each with whether it names the target.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::with_capacity(2 * self.marks.len() + 1);
        let mut at = 0;
        for mark in &self.marks {
            out.push((&self.text[at..mark.start], false));
            out.push((&self.text[mark.clone()], true));
            at = mark.end;
        }
        out.push((&self.text[at..], false));
        out.retain(|(piece, _)| !piece.is_empty());
        out
    }
}

/// One sentence where a document cites another or mentions an entity, by
/// one or more of its names. Its anchor and snippet are shared by its
/// copies (the scan's that `serve` keeps, the graph's, one copied from
/// the last scan of a text scanned again): a copy allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub from: DocId,
    /// Anchor of the paragraph in `from`, shared by the occurrences of
    /// the paragraph.
    pub anchor: Arc<str>,
    pub snippet: Arc<Snippet>,
    /// Whether it is in the curator's note rather than the text.
    pub in_note: bool,
}

/// The graph of the archive.
#[derive(Default)]
pub struct Links {
    /// For each document, the documents it cites, in order of first citation.
    pub cites: Vec<Vec<DocId>>,
    /// For each document, beside each of its `cites`: whether the
    /// citation is only in the curator's note (the archive's commentary,
    /// not the document's own reference).
    pub cites_in_note_only: Vec<Vec<bool>>,
    /// For each document, who cites it: sources newest first, each with its
    /// occurrences in reading order.
    pub cited_by: Vec<Vec<(DocId, Vec<Occurrence>)>>,
    /// For each document, the entities it mentions, most mentioned first.
    pub entities_of: Vec<Vec<EntityId>>,
    /// For each document, beside each of its `entities_of`: whether only
    /// its curator's note names the entity.
    pub entities_in_note_only: Vec<Vec<bool>>,
    /// For each entity, the documents that mention it, newest first.
    pub mentions_of: Vec<Vec<(DocId, Vec<Occurrence>)>>,
    /// For each document, the mentions of other documents to render as
    /// links: for each piece of text that has any (numbered in reading
    /// order, as [`markdown::Outline::pieces`] are), the ranges in that piece and the
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

/// One block of text: a seed's block, or the plain text of a markdown
/// block, borrowed from its outline.
struct Part<'a> {
    anchor: Cow<'a, str>,
    text: &'a str,
    pieces: Pieces<'a>,
    /// Whether the part is in the curator's note.
    in_note: bool,
}

/// The ranges of a part's text eligible for mentions.
enum Pieces<'a> {
    /// One range (a seed block's text after its list marker).
    One(Range<usize>),
    /// A markdown block's pieces.
    Outline(&'a Outline, &'a markdown::Segment),
}

impl Pieces<'_> {
    fn iter(&self) -> Box<dyn Iterator<Item = Range<usize>> + '_> {
        match self {
            Pieces::One(range) => Box::new(std::iter::once(range.clone())),
            Pieces::Outline(outline, segment) => Box::new(outline.segment_pieces(segment)),
        }
    }
}

/// The outlines of a document's markdown (text and note), each with where
/// it is, and what about them the graph reports.
#[derive(Default)]
struct Outlines {
    outlines: Vec<(Outline, Source)>,
    links: Vec<(ExplicitLink, Source, usize)>,
    /// Links to script URLs: errors.
    script_links: Vec<(String, Range<usize>, Source)>,
    /// What is wrong with the markup of its markdown.
    markup: Vec<(Markup, Source)>,
}

/// What a name or link points at, by slug: stable when documents are
/// added, removed or re-dated, unlike a [`DocId`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Document(Arc<str>),
    Entity(Arc<str>),
}

/// A name looked for: what it names, and the hash of its first word
/// (`None` for a name without words, one in Chinese say), with which one
/// bit tells most names that a few texts cannot hold (see
/// [`plan_for_texts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Looked {
    key: Key,
    first: Option<u64>,
}

impl Looked {
    fn new(spelling: &str, key: Key) -> Looked {
        Looked {
            key,
            first: super::words::words(spelling).next(),
        }
    }
}

/// What scanning one document found, in stable keys.
struct Scan {
    found: Vec<(Key, Occurrence)>,
    inline: Vec<KeyedInline>,
    /// Every name found, and where each part's occurrences are, for a
    /// later scan of the same text to take those of the parts that hold
    /// no name changed since (see [`Reuse`]); `None` for a text too long
    /// to count in `u32`.
    kept: Option<Kept>,
    links: Vec<(ExplicitLink, Source)>,
    script_links: Vec<(String, Range<usize>, Source)>,
    markup: Vec<(Markup, Source)>,
    /// Ids of raw HTML that, kept as written, take an id annals uses or
    /// repeat another on the page: errors when raw HTML is kept as written.
    id_conflicts: Vec<(Markup, Source)>,
}

/// What the config says about finding links and reading markup.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub detect_mentions: bool,
    /// Raw HTML is kept as written (`[markdown] unsafe_html`), so ids in it
    /// cannot be renamed.
    pub unsafe_html: bool,
}

/// A name found in a piece of a text: the piece, counted over the whole
/// document as [`occurrences`] counts them; where in the piece; and what it
/// names, as the index of an entry of the scan's `found` with that key.
#[derive(Clone, Copy)]
struct Named {
    piece: u32,
    start: u32,
    end: u32,
    key: u32,
}

/// What a scan keeps for later scans of the same text (see [`Reuse`]).
struct Kept {
    names: Vec<Named>,
    /// Where the occurrences of each part start in the scan's `found`,
    /// and one more: where the last part's end.
    starts: Vec<u32>,
}

/// A scan kept of the same text, and which of its parts may hold a name
/// looked for before or now, not both: in the others, every place finds
/// the name it found (the longest one starting there is another name only
/// where one of those starts, see [`update`]), so their names are taken
/// from the kept scan rather than looked for again.
struct Reuse<'a> {
    kept: &'a Scan,
    /// The parts that may hold such a name, in order (see [`holding`]).
    changed: &'a [u32],
}

impl Scan {
    /// Whether [`markup_diagnostics`] may report anything of this scan.
    fn has_markup(&self) -> bool {
        !self.markup.is_empty() || !self.id_conflicts.is_empty()
    }
}

/// Scans kept between builds by `serve`: a document is scanned again only
/// when its files changed or the names looked for changed.
#[derive(Default)]
pub struct Cache {
    /// Hash of every name looked for, in order, with what it names.
    names: u64,
    /// Each document's part of `names` ([`names_of`]), in a cache that
    /// keeps names.
    each_names: Vec<u64>,
    /// Names given for two targets: the name, who keeps it, who loses it.
    ambiguous: Vec<(String, Key, Key)>,
    /// Warnings about names too common to look for.
    common: Vec<Diagnostic>,
    /// The matcher for those names. Its targets are document ids, which
    /// stay valid while the names hash (which covers the documents' order)
    /// is unchanged.
    matcher: Option<Arc<Option<Matcher>>>,
    /// The matcher for new names, being built on a thread of its own after
    /// an update that did not need it (see [`update`]): it takes the place
    /// of `matcher` when a scan next needs one.
    pending: Option<Later>,
    /// The names, as written, that changed hands since `matcher` was
    /// built (while `pending` is built): a text that holds none of them
    /// finds the same with `matcher` as with the pending one.
    stale: Vec<String>,
    scans: crate::hash::Map<String, (u64, Arc<Scan>)>,
    /// The slugs of the documents whose scan has markup to report (see
    /// [`Scan::has_markup`]): an update reports the markup of the archive
    /// from theirs, without looking at every scan.
    flagged: crate::hash::Set<String>,
    /// Every name looked for, folded, with what it names: against the
    /// names of the next build, which names changed. Kept only by a cache
    /// [`Cache::keeping`] them (a one-shot build has no next).
    looked: crate::hash::Map<String, Looked>,
    keeps_names: bool,
    /// The slugs of the documents and entities of the last build, in order:
    /// what the targets of `matcher` (or `pending`) are numbered by. Kept
    /// with `looked`.
    targets: Option<Targets>,
    /// The words of the texts read for changed names, which tell the texts
    /// that cannot hold a name without reading them.
    words: super::words::Index,
}

/// The slugs of a build's documents and entities, in order: the numbering
/// of a matcher's targets.
type Targets = (Vec<String>, Vec<String>);

impl Cache {
    /// A cache that keeps the names looked for, so that the next build
    /// whose names changed scans again only the texts that hold one of the
    /// names changed (the preview keeps one).
    pub fn keeping() -> Cache {
        Cache {
            keeps_names: true,
            ..Cache::default()
        }
    }

    /// The matcher for the names of the last build, waiting for it if it is
    /// still being built; `None` if there is none, or building it failed.
    fn matcher(&mut self) -> Option<Arc<Option<Matcher>>> {
        if let Some(pending) = self.pending.take() {
            // The last matcher's memory (at 100,000 documents, automata of
            // 200,000 names) is freed on a thread of its own.
            crate::later::drop(std::mem::replace(&mut self.matcher, pending.join()));
            self.stale.clear();
        }
        self.matcher.clone()
    }

    /// A matcher that finds in `texts` what the matcher for the names of
    /// the last build finds: the one being built if it is done, or if one
    /// of the texts holds a name changed since the last one was built;
    /// otherwise the last one, without waiting.
    fn matcher_for(&mut self, texts: &[Arc<Document>]) -> Option<Arc<Option<Matcher>>> {
        let done = self.pending.as_ref().is_none_or(Later::is_finished);
        let stale: Vec<&str> = self.stale.iter().map(String::as_str).collect();
        if done || self.matcher.is_none() || !holding_any(texts, &stale, None).is_empty() {
            return self.matcher();
        }
        self.matcher.clone()
    }

    /// A hash of every name looked for, in order, with the slug it names:
    /// what the scans depend on besides each document's own text. With
    /// `only`, just that document's names changed since the last hash
    /// (a cache that keeps names keeps each document's hash).
    fn hash_names(
        &mut self,
        documents: &[Arc<Document>],
        entities: &[Entity],
        detect_mentions: bool,
        only: Option<DocId>,
    ) -> u64 {
        match only {
            Some(id) if detect_mentions && self.each_names.len() == documents.len() => {
                self.each_names[id] = names_of(&documents[id]);
            }
            // On every core.
            _ if detect_mentions => {
                self.each_names = documents
                    .par_iter()
                    .with_min_len(1024)
                    .map(|doc| names_of(doc))
                    .collect();
            }
            _ => self.each_names = Vec::new(),
        }
        let hash = hash_of_names(&self.each_names, entities, detect_mentions);
        if !self.keeps_names {
            self.each_names = Vec::new();
        }
        hash
    }

    /// [`Cache::hash_names`] when only entities' names changed since the
    /// last hash: each document's part is kept.
    fn hash_names_of_entities(&mut self, documents: &[Arc<Document>], entities: &[Entity]) -> u64 {
        if self.each_names.len() == documents.len() {
            hash_of_names(&self.each_names, entities, true)
        } else {
            self.hash_names(documents, entities, true, None)
        }
    }

    /// Renumbers what the cache holds by document id when documents came
    /// or went (see [`Links::renumber`]); `added` are the new documents, by
    /// new id, and `removed` the slugs of those gone. `false` when the
    /// matcher is in use elsewhere and could not be, and the cache then
    /// holds none: an update cannot serve.
    pub fn renumber(&mut self, map: &Arc<Renumber>, added: &[(DocId, &str)], removed: &[&str]) -> bool {
        for slug in removed {
            self.scans.remove(*slug);
            self.flagged.remove(*slug);
        }
        if !self.each_names.is_empty() {
            self.each_names = map.rows(std::mem::take(&mut self.each_names));
        }
        if let Some((slugs, _)) = &mut self.targets {
            *slugs = map.rows(std::mem::take(slugs));
            for &(id, slug) in added {
                slugs[id] = slug.to_string();
            }
        }
        if let Some(later) = &mut self.pending {
            later.renumbered.push(map.clone());
        }
        match self.matcher.as_mut().map(Arc::get_mut) {
            None | Some(Some(None)) => true,
            Some(Some(Some(matcher))) => {
                matcher.renumber(map);
                true
            }
            Some(None) => {
                self.matcher = None;
                self.pending = None;
                false
            }
        }
    }

    /// Has `later` build the matcher for the names now looked for, which
    /// differ from the last matcher's by `changed` (as written).
    fn build_later(&mut self, later: Option<Later>, changed: &[&str]) {
        if self.pending.is_none() {
            self.stale.clear();
        }
        self.pending = later;
        self.stale.extend(changed.iter().map(|name| name.to_string()));
        if self.pending.is_none() {
            // No thread: the next scan makes the matcher anew.
            self.matcher = None;
            self.stale.clear();
        }
    }
}

/// A matcher being built on a thread of its own, at low priority, once
/// the rebuild that wants it for later has made its first pages (see
/// [`crate::later`]). Dropped, it tells the thread to give up if it has
/// not started the automata.
struct Later {
    handle: Option<std::thread::JoinHandle<Option<Matcher>>>,
    cancelled: Arc<std::sync::atomic::AtomicBool>,
    /// Raised when a rebuild waits for the matcher.
    hurry: crate::later::Hurry,
    /// How documents were renumbered since the matcher was planned, in
    /// order: applied to it once it is built.
    renumbered: Vec<Arc<Renumber>>,
}

impl Later {
    /// Runs `make` on a thread of its own at low priority, as work for
    /// later; `make` is told whether the matcher is still wanted. `None` if
    /// no thread could be started.
    fn spawn(make: impl FnOnce(&dyn Fn() -> bool) -> Option<Matcher> + Send + 'static) -> Option<Later> {
        let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hurry = crate::later::Hurry::default();
        let (flag, hurried) = (cancelled.clone(), hurry.clone());
        let handle = std::thread::Builder::new()
            .name("annals-matcher".into())
            .spawn(move || {
                crate::later::wait(Some(&hurried));
                let wanted = || !flag.load(std::sync::atomic::Ordering::Relaxed);
                if !wanted() {
                    return None;
                }
                // Loops `make` runs on every core would run on the global
                // pool, at the priority of the rebuild, which would then wait
                // for them: here they run on one thread at low priority.
                match rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(|_| "annals-matcher-pool".into())
                    .start_handler(|_| crate::later::lower_priority())
                    .build()
                {
                    Ok(pool) => pool.install(|| make(&wanted)),
                    Err(_) => make(&wanted),
                }
            })
            .ok()?;
        Some(Later {
            handle: Some(handle),
            cancelled,
            hurry,
            renumbered: Vec::new(),
        })
    }

    fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// The matcher, once built; `None` if building it failed.
    fn join(mut self) -> Option<Arc<Option<Matcher>>> {
        self.hurry.now();
        let mut matcher = self.handle.take()?.join().ok()?;
        if let Some(matcher) = &mut matcher {
            for map in &self.renumbered {
                matcher.renumber(map);
            }
        }
        Some(Arc::new(matcher))
    }
}

impl Drop for Later {
    fn drop(&mut self) {
        self.cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
    }
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
    settings: Settings,
    elsewhere: Elsewhere,
    cache: &mut Cache,
) -> Built {
    let mut timings = crate::Timings::new();
    let detect_mentions = settings.detect_mentions;
    let key_of = key_of(documents, entities);
    let names_hash = cache.hash_names(documents, entities, detect_mentions, None);
    // The plan of the names, when they changed: the automata are built
    // from it only if a text is to be scanned.
    let planned = std::sync::Mutex::new(None);
    // The last build's matcher and the numbering of its targets, when the
    // texts to scan hold none of the names changed since.
    let mut last: Option<(Arc<Option<Matcher>>, Targets)> = None;
    if cache.names != names_hash || cache.scans.is_empty() {
        let last_matcher = if cache.keeps_names { cache.matcher() } else { None };
        // A matcher being built is for names no longer looked for.
        cache.pending = None;
        cache.matcher = None;
        cache.stale.clear();
        let (list, common) = if detect_mentions {
            names(documents, entities)
        } else {
            (Vec::new(), Vec::new())
        };
        let (plan, ambiguous) = Matcher::plan(list);
        timings.lap("      links: names and plan");
        let looked = match cache.keeps_names {
            true => looked(&plan, &key_of),
            false => crate::hash::Map::default(),
        };
        // A scan stays as it was unless its text holds a name that names
        // something else now, or nothing, or is new (a document added or
        // deleted, say).
        let changed: Vec<&str> = looked
            .iter()
            .filter(|(name, key)| cache.looked.get(*name) != Some(*key))
            .map(|(name, _)| name.as_str())
            .chain(
                cache
                    .looked
                    .keys()
                    .filter(|name| !looked.contains_key(*name))
                    .map(String::as_str),
            )
            .collect();
        let few = !cache.scans.is_empty()
            && !looked.is_empty()
            && !cache.looked.is_empty()
            && changed.len() <= looked.len().max(cache.looked.len()) / 4;
        if few {
            let holding = holding_any(documents, &changed, Some(&mut cache.words));
            timings.lap("      links: changed names, and the texts that hold them");
            for &id in &holding {
                cache.scans.remove(&documents[id].slug);
            }
            // A text that holds none of the changed names finds with the
            // last build's matcher what it finds with the new one. When no
            // text holds one, the texts to scan (a new document's, say)
            // are scanned with it, and the new one is built on a thread of
            // its own, for later scans.
            if holding.is_empty() {
                if let (Some(m), Some(targets)) = (last_matcher, cache.targets.take()) {
                    last = Some((m, targets));
                }
            }
        } else {
            cache.scans.clear();
        }
        cache.names = names_hash;
        cache.ambiguous = ambiguous
            .into_iter()
            .map(|a| (a.name, key_of(a.kept), key_of(a.dropped)))
            .collect();
        cache.common = common_warnings(root, documents, &common);
        crate::later::drop(std::mem::replace(&mut cache.looked, looked));
        timings.lap("      links: warnings about names");
        if last.is_some() {
            cache.build_later(build_later(plan), &[]);
        } else {
            *planned.lock().expect("no panics while held") = Some(plan);
        }
    }
    let matcher: std::sync::OnceLock<Arc<Option<Matcher>>> = std::sync::OnceLock::new();
    // (Not while the new matcher is being built for later: this build
    // scans with the last one.)
    if last.is_none() {
        if let Some(m) = cache.matcher() {
            let _ = matcher.set(m);
        }
    }
    let ambiguous = std::sync::Mutex::new(None);
    let build_matcher = || {
        if let Some(plan) = planned.lock().expect("no panics while held").take() {
            return Arc::new(Matcher::build(plan));
        }
        let (names, common) = if detect_mentions {
            names(documents, entities)
        } else {
            (Vec::new(), Vec::new())
        };
        let (m, amb) = Matcher::new(names);
        let common = common_warnings(root, documents, &common);
        *ambiguous.lock().expect("no panics while held") = Some((amb, common));
        Arc::new(m)
    };
    // The last build's numbering, for its matcher: a document it did not
    // have is excluded as no target.
    let last_ids: Option<crate::hash::Map<&str, DocId>> = last
        .as_ref()
        .map(|(_, (docs, _))| docs.iter().enumerate().map(|(id, slug)| (slug.as_str(), id)).collect());
    let last_key_of = |t: Target| {
        let (_, (docs, entities)) = last.as_ref().expect("used with the last matcher only");
        match t {
            Target::Document(d) => Key::Document(docs.get(d).map_or("", String::as_str).into()),
            Target::Entity(e) => Key::Entity(entities[e].as_str().into()),
        }
    };
    // This build's matcher is made before the scans when one of them
    // needs it, not by the first that does: made inside a scan, its own
    // jobs on the pool (the plan, the automata) let the waiting thread
    // take another scan, which then waited for the matcher being made, a
    // deadlock (a build of the shipped archive on eight threads hung).
    let kept = |doc: &Document| matches!(cache.scans.get(&doc.slug), Some((f, _)) if *f == doc.fingerprint);
    if (last.is_none() || last_ids.is_none()) && !documents.iter().all(|doc| kept(doc)) {
        matcher.get_or_init(build_matcher);
    }
    // The matchers each scan takes, once for all.
    let last_matchers = last.as_ref().map(|(m, _)| alone(m.as_ref().as_ref()));
    let this_build = matcher.get().map(|m| alone(m.as_ref().as_ref()));
    let scans: Vec<Arc<Scan>> = documents
        .par_iter()
        .with_max_len(crate::FINE)
        .enumerate()
        .map(
            |(id, doc)| match (cache.scans.get(&doc.slug), &last_matchers, &last_ids) {
                (Some((fingerprint, scan)), _, _) if *fingerprint == doc.fingerprint => scan.clone(),
                (_, Some(matchers), Some(ids)) => {
                    let was = ids.get(doc.slug.as_str()).copied().unwrap_or(DocId::MAX);
                    Arc::new(scan(was, doc, matchers, &last_key_of, None))
                }
                _ => Arc::new(scan(
                    id,
                    doc,
                    this_build.as_deref().expect("made before the scans"),
                    &key_of,
                    None,
                )),
            },
        )
        .collect();
    timings.lap("      links: scans");
    if let Some((amb, common)) = ambiguous.into_inner().expect("no panics while held") {
        cache.ambiguous = amb
            .into_iter()
            .map(|a| (a.name, key_of(a.kept), key_of(a.dropped)))
            .collect();
        cache.common = common;
    }
    if let Some(m) = matcher.into_inner() {
        cache.matcher = Some(m);
    }
    if cache.keeps_names {
        cache.targets = Some((
            documents.iter().map(|d| d.slug.clone()).collect(),
            entities.iter().map(|e| e.slug.clone()).collect(),
        ));
    }
    if cache.keeps_names && detect_mentions {
        cache.words.make_later(documents, words_of);
    }
    let kept = documents
        .iter()
        .zip(&scans)
        .map(|(doc, scan)| (doc.slug.clone(), (doc.fingerprint, scan.clone())))
        .collect();
    crate::later::drop(std::mem::replace(&mut cache.scans, kept));
    cache.flagged = documents
        .iter()
        .zip(&scans)
        .filter(|(_, scan)| scan.has_markup())
        .map(|(doc, _)| doc.slug.clone())
        .collect();
    let mut errors = check_references(
        root,
        documents,
        documents.iter().map(|d| &**d).zip(&scans),
        by_slug,
        elsewhere,
    );
    let (markup_warnings, markup_errors) = markup_diagnostics(root, &scans, settings);
    errors.extend(markup_errors);
    let mut warnings = cache.common.clone();
    timings.lap("      links: references and markup checked");
    warnings.extend(ambiguous_warnings(&cache.ambiguous, documents, by_slug));
    warnings.extend(markup_warnings);
    let target_of = target_of(entities, by_slug);
    let (found, inline): (Vec<_>, Vec<_>) = scans
        .par_iter()
        .enumerate()
        .map(|(id, scan)| resolve(id, scan, &target_of, by_slug))
        .unzip();
    let mut links = aggregate(documents.len(), entities.len(), found);
    links.inline = inline;
    timings.lap("      links: resolved and aggregated");
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
    // (A target no document has, which a matcher renumbered after a
    // document went gives its names, is a slug no document has.)
    move |t| match t {
        Target::Document(d) => Key::Document(documents.get(d).map_or("", |d| d.slug.as_str()).into()),
        Target::Entity(e) => Key::Entity(entities[e].slug.as_str().into()),
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
        Key::Document(slug) => by_slug.get(&**slug).map(|&d| Target::Document(d)),
        Key::Entity(slug) => entity_ids.get(&**slug).map(|&e| Target::Entity(e)),
    }
}

/// The hash of a document's names, with its slug, for [`Cache::hash_names`].
fn names_of(doc: &Document) -> u64 {
    crate::hash::of(&(&doc.slug, &doc.title, &doc.cited_as))
}

/// [`Cache::hash_names`] from each document's [`names_of`].
fn hash_of_names(each: &[u64], entities: &[Entity], detect_mentions: bool) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    detect_mentions.hash(&mut h);
    if !detect_mentions {
        return h.finish();
    }
    each.hash(&mut h);
    for entity in entities {
        entity.slug.hash(&mut h);
        entity.names().for_each(|n| n.hash(&mut h));
        h.write_u8(0);
    }
    h.finish()
}

/// Scans one document and states what it found in keys.
/// With `reuse`, the names of parts that hold no changed name are those
/// its kept scan found.
fn scan(
    id: DocId,
    doc: &Document,
    matchers: &[(&Matcher, Option<Target>)],
    key_of: &(impl Fn(Target) -> Key + Sync),
    reuse: Option<&Reuse>,
) -> Scan {
    let outlines = outlines(doc);
    let parts = parts(doc, &outlines.outlines);
    // The kept names, and whether each part holds no changed name (its
    // names, and its occurrences, are then those kept).
    let kept: Option<(&Scan, &Kept, Vec<bool>)> = reuse.and_then(|reuse| {
        let kept = reuse.kept.kept.as_ref()?;
        let mut unchanged = vec![true; parts.len()];
        for &part in reuse.changed {
            *unchanged.get_mut(part as usize)? = false;
        }
        Some((reuse.kept, kept, unchanged))
    });
    let find = |part: usize, piece: usize, text: &str| -> Vec<(Range<usize>, Key)> {
        match &kept {
            Some((scan, Kept { names, .. }, unchanged)) if unchanged[part] => {
                let piece = piece as u32;
                let from = names.partition_point(|n| n.piece < piece);
                let to = from + names[from..].partition_point(|n| n.piece == piece);
                let named = |n: &Named| (n.start as usize..n.end as usize, scan.found[n.key as usize].0.clone());
                names[from..to].iter().map(named).collect()
            }
            _ => Matcher::find_in_all(matchers, text, Some(id))
                .into_iter()
                .map(|f| (f.range, key_of(f.target)))
                .collect(),
        }
    };
    let kept_part = |part: usize| match &kept {
        Some((scan, Kept { starts, .. }, unchanged)) if unchanged[part] => scan
            .found
            .get(*starts.get(part)? as usize..*starts.get(part + 1)? as usize),
        _ => None,
    };
    let (found, inline, kept) = occurrences(id, &doc.slug, &parts, &outlines.links, find, kept_part);
    drop(parts);
    let id_conflicts = raw_id_conflicts(doc, &outlines.outlines);
    Scan {
        found,
        inline,
        kept,
        links: outlines
            .links
            .into_iter()
            .map(|(link, source, _)| (link, source))
            .collect(),
        script_links: outlines.script_links,
        markup: outlines.markup,
        id_conflicts,
    }
}

/// One matcher, or none, as [`scan`] takes matchers: finding every name
/// it looks for.
fn alone(matcher: Option<&Matcher>) -> Vec<(&Matcher, Option<Target>)> {
    matcher.map(|m| (m, None)).into_iter().collect()
}

/// The ids of a document's raw HTML that, kept as written, are reserved
/// (see [`crate::render::ids`]) or repeat an id the page already has.
fn raw_id_conflicts(doc: &Document, outlines: &[(Outline, Source)]) -> Vec<(Markup, Source)> {
    if outlines.iter().all(|(o, _)| o.raw_ids.is_empty()) {
        return Vec::new();
    }
    let mut seen: HashSet<String> = match &doc.text {
        Text::Blocks(blocks) => blocks.iter().map(|b| b.anchor.clone()).collect(),
        _ => HashSet::new(),
    };
    for (outline, _) in outlines {
        seen.extend(outline.anchors());
    }
    let mut conflicts = Vec::new();
    for (outline, source) in outlines {
        for (id, at) in &outline.raw_ids {
            let (id, renamed, raw) = (id.clone(), id.clone(), true);
            let issue = if crate::render::ids::is_reserved(&id) {
                Issue::ReservedId { id, renamed, raw }
            } else if !seen.insert(id.clone()) {
                Issue::RepeatedId { id, renamed, raw }
            } else {
                continue;
            };
            conflicts.push((Markup { issue, at: *at, len: 1 }, source.clone()));
        }
    }
    conflicts
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
            let occurrence = Occurrence { from: id, ..o.clone() };
            Some((target_of(key)?, occurrence))
        })
        .collect();
    let inline = scan
        .inline
        .iter()
        .map(|(piece, list)| {
            let list = list
                .iter()
                .filter_map(|(r, slug)| Some((r.clone(), *by_slug.get(&**slug)?)))
                .collect();
            (*piece, list)
        })
        .collect();
    (found, inline)
}

/// The outlines of a document's markdown: its text's when it is markdown,
/// and its note's. Explicit links are numbered by part, as [`parts`] lays
/// the parts out.
fn outlines(doc: &Document) -> Outlines {
    let mut out = Outlines::default();
    let content = Source {
        file: doc.file.clone(),
        offset: doc.body_offset,
    };
    let parts_before = match &doc.text {
        Text::Blocks(blocks) => blocks.iter().filter(|b| has_mentions(b.kind)).count(),
        Text::Markdown(md) => {
            let source = match &doc.seed {
                Some(seed) => Source {
                    file: seed.clone(),
                    offset: 0,
                },
                None => content.clone(),
            };
            add_markdown(&mut out, md, "", source, 0)
        }
        Text::None => 0,
    };
    if let Some(note) = &doc.note {
        add_markdown(&mut out, note, "note-", content, parts_before);
    }
    out
}

/// Adds the outline of `md`, whose parts come after `base` others; returns
/// how many parts it has.
fn add_markdown(out: &mut Outlines, md: &str, prefix: &str, source: Source, base: usize) -> usize {
    let mut outline = markdown::outline(md, prefix);
    for link in std::mem::take(&mut outline.links) {
        out.links.push((link, source.clone(), base));
    }
    for (url, range) in std::mem::take(&mut outline.script_links) {
        out.script_links.push((url, range, source.clone()));
    }
    for markup in std::mem::take(&mut outline.markup) {
        out.markup.push((markup, source.clone()));
    }
    let parts = outline.segments.len();
    out.outlines.push((outline, source));
    parts
}

/// Every block of a document's text and note that mentions are looked for
/// in, in reading order.
fn parts<'a>(doc: &'a Document, outlines: &'a [(Outline, Source)]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    if let Text::Blocks(blocks) = &doc.text {
        parts.extend(blocks.iter().filter(|b| has_mentions(b.kind)).map(|block| Part {
            anchor: Cow::Borrowed(&block.anchor),
            text: &block.text,
            pieces: Pieces::One(text_start(block)..block.text.len()),
            in_note: false,
        }));
    }
    // The note's outline, when there is a note, comes last.
    let note = doc.note.as_ref().map(|_| outlines.len().saturating_sub(1));
    for (index, (outline, _)) in outlines.iter().enumerate() {
        parts.extend(outline.segments.iter().map(|segment| Part {
            anchor: outline.anchor(segment.anchor),
            text: outline.segment_text(segment),
            pieces: Pieces::Outline(outline, segment),
            in_note: Some(index) == note,
        }));
    }
    parts
}

/// A name not looked for because it is too common, and whose it is.
struct CommonName<'a> {
    name: &'a str,
    target: Target,
    /// The key that gives the name: `cited_as`, `name` or `other_names`.
    key: &'static str,
}

/// The names to look for: each document's title and `cited_as` names, each
/// entity's names; and those left out as [`too_common`].
fn names<'a>(documents: &'a [Arc<Document>], entities: &'a [Entity]) -> (Vec<(String, Target)>, Vec<CommonName<'a>>) {
    type Names<'a> = (Vec<(String, Target)>, Vec<CommonName<'a>>);
    // A name too common to look for is set aside, with the key it came in.
    fn add<'a>((names, common): &mut Names<'a>, name: &'a str, target: Target, key: &'static str) {
        if too_common(name) {
            common.push(CommonName { name, target, key });
        } else {
            names.push((name.to_string(), target));
        }
    }
    // Documents on every core (at 100,000 there are some 200,000 names),
    // in their order.
    let of_documents: Vec<Names> = documents
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(id, doc)| {
            let target = Target::Document(id);
            // A title is looked for whatever it is: it is the document's own.
            let mut found: Names = (vec![(doc.title.clone(), target)], Vec::new());
            for name in &doc.cited_as {
                add(&mut found, name, target, "cited_as");
            }
            found
        })
        .collect();
    let mut all: Names = (Vec::new(), Vec::new());
    for (names, common) in of_documents {
        all.0.extend(names);
        all.1.extend(common);
    }
    for (id, entity) in entities.iter().enumerate() {
        add(&mut all, &entity.name, Target::Entity(id), "name");
        for name in &entity.other_names {
            add(&mut all, name, Target::Entity(id), "other_names");
        }
    }
    all
}

/// Every name `plan` looks for, folded, with the key of what it names.
fn looked(plan: &super::mentions::Plan, key_of: &(impl Fn(Target) -> Key + Sync)) -> crate::hash::Map<String, Looked> {
    // The copies on every core; at 100,000 documents, 200,000 names and
    // as many slugs.
    let pairs: Vec<(String, Looked)> = plan
        .names()
        .par_iter()
        .with_min_len(1024)
        .map(|(name, t)| (name.clone(), Looked::new(name, key_of(*t))))
        .collect();
    let mut looked = crate::hash::Map::with_capacity_and_hasher(pairs.len(), Default::default());
    looked.extend(pairs);
    looked
}

/// Builds the matcher of `plan` on a thread of its own at low priority,
/// for later scans.
fn build_later(plan: super::mentions::Plan) -> Option<Later> {
    Later::spawn(move |wanted| wanted().then(|| Matcher::build_here(plan)).flatten())
}

/// Plans the names of `documents` and `entities` and builds their
/// matcher, on a thread of its own at low priority, for later scans (see
/// [`build_later`]).
fn plan_later(documents: &Arc<Vec<Arc<Document>>>, entities: &[Entity]) -> Option<Later> {
    // (The list shared, not copied: copying it took 100,000 reference counts
    // of documents mostly out of the cache, 4 to 5 ms of the edit.)
    let (documents, entities) = (documents.clone(), entities.to_vec());
    Later::spawn(move |wanted| {
        let (plan, _) = Matcher::plan(names(&documents, &entities).0);
        drop((documents, entities));
        wanted().then(|| Matcher::build_here(plan)).flatten()
    })
}

/// The spellings a document renamed from `old` to `new` stops and starts
/// being looked for by, when the names looked for can be patched with
/// them: `key`, the document's, has every old spelling and no other target
/// has a new one (so no name changes hands, none is ambiguous before or
/// after, and which names of others are kept is as before), and neither
/// has a `cited_as` name too common to look for (whose warnings would
/// have to be made again).
fn spelling_patch(cache: &Cache, key: &Key, old: &Document, new: &Document) -> Option<(Vec<String>, Vec<String>)> {
    if old.cited_as.iter().chain(&new.cited_as).any(|name| too_common(name)) {
        return None;
    }
    let spellings =
        |doc: &Document| -> Vec<String> { looked_for(doc).flat_map(super::mentions::spellings_of).collect() };
    patch_of(cache, key, spellings(old), spellings(new))
}

/// [`spelling_patch`] for an entity given other names: none of its names
/// may be too common to look for.
fn entity_patch(cache: &Cache, key: &Key, old: &Entity, new: &Entity) -> Option<(Vec<String>, Vec<String>)> {
    if old.names().chain(new.names()).any(too_common) {
        return None;
    }
    let spellings =
        |e: &Entity| -> Vec<String> { entity_looked_for(e).flat_map(super::mentions::spellings_of).collect() };
    patch_of(cache, key, spellings(old), spellings(new))
}

/// The spellings `key` stops and starts being looked for by, `gone` and
/// `added`, when the names looked for can be patched with them: `key` has
/// every gone spelling and no other target has an added one, and `key`
/// has no ambiguous name.
fn patch_of(cache: &Cache, key: &Key, gone: Vec<String>, added: Vec<String>) -> Option<(Vec<String>, Vec<String>)> {
    if cache
        .ambiguous
        .iter()
        .any(|(_, kept, dropped)| kept == key || dropped == key)
    {
        return None;
    }
    let ours = gone.iter().all(|s| cache.looked.get(s).map(|l| &l.key) == Some(key));
    let free = added.iter().all(|s| cache.looked.get(s).is_none_or(|l| &l.key == key));
    (ours && free).then_some((gone, added))
}

/// The names of `entity` that [`names`] has the matcher look for.
fn entity_looked_for(entity: &Entity) -> impl Iterator<Item = &str> {
    entity.names().filter(|n| !too_common(n))
}

/// The names of `doc` that [`names`] has the matcher look for.
fn looked_for(doc: &Document) -> impl Iterator<Item = &str> {
    let cited_as = doc.cited_as.iter().map(String::as_str).filter(|n| !too_common(n));
    // (A title too short is not looked for; a stand-in's is empty: see
    // `analyse::Archive::update`.)
    let title = Some(doc.title.as_str()).filter(|t| super::mentions::long_enough(t));
    title.into_iter().chain(cited_as)
}

/// A test of whether a text may hold one of some names, looser than the
/// matcher's (see [`holding_any`]).
enum Finder {
    /// Each piece looked for with memchr's `memmem`: those without ASCII
    /// letters in the text as it stands, the others, in lower case, in a
    /// copy of the text in ASCII lower case.
    Few {
        exact: Vec<memchr::memmem::Finder<'static>>,
        folded: Vec<memchr::memmem::Finder<'static>>,
    },
    /// Every piece in one automaton blind to ASCII case.
    Many(aho_corasick::AhoCorasick),
    /// The names could not be looked for: every text may hold one.
    Everything,
}

/// The most pieces [`Finder::Few`] looks for one by one.
const FEW_PIECES: usize = 24;

impl Finder {
    fn of(names: &[&str]) -> Finder {
        Finder::new(names, FEW_PIECES)
    }

    /// With more than `few` pieces, one automaton.
    fn new(names: &[&str], few: usize) -> Finder {
        // Where case cannot differ (digits, punctuation, spaces, Chinese), a
        // name's longest such stretch is looked for as it stands; a name of
        // letters alone is looked for blind to ASCII case, by its longest
        // piece between apostrophes (either kind will do), trimmed (a
        // shorter piece only finds more). A new title brings the old one
        // and the new, which often share their stretch: it is looked for
        // once.
        // On the 10,000-document benchmark's seeds (read block by block, as
        // the scan reads them), memmem over a lower-case copy finds two
        // phrases of common words in 18 ms, and eleven in 62 ms, where
        // aho-corasick's DFA blind to case took 250 and 190 ms: it finds no
        // rare byte to skip ahead to, and reads 0.3 GB/s. Past a few dozen
        // pieces, one automaton reading the text once wins.
        let apostrophe = |c: char| c == '\'' || c == '\u{2019}';
        let mut pieces: Vec<&str> = Vec::new();
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let invariant = name
                .split(|c: char| c.is_ascii_alphabetic() || apostrophe(c))
                .max_by_key(|piece| piece.trim().len())
                .unwrap_or("");
            if invariant.trim().len() >= 4 {
                pieces.push(invariant.trim());
            } else {
                // (Every piece of a name is in a text that holds it: the
                // longest leaves out the most texts.)
                let longest = name.split(apostrophe).map(str::trim).max_by_key(|piece| piece.len());
                pieces.push(longest.unwrap_or(""));
            }
        }
        pieces.retain(|p| !p.is_empty());
        pieces.sort_unstable();
        pieces.dedup();
        if pieces.len() > few {
            return aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&pieces)
                .map_or(Finder::Everything, Finder::Many);
        }
        let (folded, exact): (Vec<&str>, Vec<&str>) = pieces
            .into_iter()
            .partition(|p| p.bytes().any(|b| b.is_ascii_alphabetic()));
        let finder = |piece: &[u8]| memchr::memmem::Finder::new(piece).into_owned();
        Finder::Few {
            exact: exact.iter().map(|p| finder(p.as_bytes())).collect(),
            folded: folded
                .iter()
                .map(|p| finder(&p.to_ascii_lowercase().into_bytes()))
                .collect(),
        }
    }

    fn holds(&self, text: &str) -> bool {
        match self {
            Finder::Few { exact, folded } => {
                exact.iter().any(|f| f.find(text.as_bytes()).is_some())
                    || !folded.is_empty() && {
                        thread_local! {
                            static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                        }
                        LOWER.with_borrow_mut(|lower| {
                            lower.clear();
                            lower.extend_from_slice(text.as_bytes());
                            lower.make_ascii_lowercase();
                            folded.iter().any(|f| f.find(lower).is_some())
                        })
                    }
            }
            Finder::Many(automaton) => automaton.is_match(text),
            Finder::Everything => true,
        }
    }
}

/// The documents whose texts or notes may hold one of `names`: every one
/// that does, and perhaps others. The test is looser than the matcher's
/// (any ASCII case, any apostrophe, no word rule) and reads the same
/// blocks of text the scan reads, so a document it leaves out finds the
/// same with or without these names. With `words`, a text is read only if
/// it holds every word of one of the names, as the word rule wants of a
/// text that holds the name; the filters of the texts not yet in `words`
/// are made on the way.
fn holding_any(documents: &[Arc<Document>], names: &[&str], words: Option<&mut super::words::Index>) -> Vec<DocId> {
    let holding = holding(documents, names, words, Look::Any);
    holding.into_iter().map(|(id, _)| id).collect()
}

/// How far [`holding`] reads a text that holds a name.
#[derive(Clone, Copy)]
enum Look {
    /// To the first part that holds one.
    Any,
    /// Every part the scan reads, to tell which hold one (see
    /// [`parts_holding`]): the scan of the text then reads only those.
    EveryPart,
}

/// [`holding_any`], each document with the parts that may hold a name
/// when `look` asks for them (none otherwise).
fn holding(
    documents: &[Arc<Document>],
    names: &[&str],
    words: Option<&mut super::words::Index>,
    look: Look,
) -> Vec<(DocId, Box<[u32]>)> {
    let finder = Finder::of(names);
    let holds = |text: &str| finder.holds(text);
    let read = |doc: &Document| -> Option<Box<[u32]>> {
        match look {
            Look::Any => each_text(doc, holds).then(Box::default),
            Look::EveryPart => Some(parts_holding(doc, holds)).filter(|parts| !parts.is_empty()),
        }
    };
    let Some(index) = words else {
        return (documents.par_iter().with_max_len(crate::FINE).enumerate())
            .filter_map(|(id, doc)| Some((id, read(doc)?)))
            .collect();
    };
    // With the words of each text (see `words`), only the texts that hold
    // every word of one of the names are read; a name without words (in
    // Chinese, say) has every text read.
    index.settle();
    let sought: Vec<super::words::Name> = names.iter().map(|n| super::words::Name::of(n)).collect();
    let may_hold = |words: &super::words::Words| sought.iter().any(|name| name.may_be_in(words));
    let index_now = &*index;
    // Each document that holds a name, whose filter was made here, or
    // whose filter was out of place.
    type Found = (DocId, Option<Box<[u32]>>, Option<super::words::Words>, Option<u32>);
    let found: Vec<Found> = documents
        .par_iter()
        .with_max_len(crate::FINE)
        .enumerate()
        .filter_map(|(id, doc)| {
            let (words, moved) = match index_now.find(id, doc.fingerprint) {
                super::words::Found::InPlace(words) => (words, None),
                super::words::Found::Moved(words, slot) => (words, Some(slot)),
                super::words::Found::Missing => {
                    let words = words_of(doc);
                    let found = may_hold(&words).then(|| read(doc)).flatten();
                    return Some((id, found, Some(words), None));
                }
            };
            let found = may_hold(words).then(|| read(doc)).flatten();
            (found.is_some() || moved.is_some()).then_some((id, found, None, moved))
        })
        .collect();
    let mut holding = Vec::new();
    let (mut made, mut moved) = (Vec::new(), Vec::new());
    for (id, parts, words, slot) in found {
        holding.extend(parts.map(|parts| (id, parts)));
        if let Some(words) = words {
            made.push((id, documents[id].fingerprint, words));
        }
        moved.extend(slot.map(|slot| (id, slot)));
    }
    index.update(made, moved, documents.iter().map(|d| d.fingerprint));
    holding
}

/// The plan of the names of `looked` that `texts` may hold, with what
/// each names now: each whose words they hold, one after another (see
/// [`super::words`]: where a text holds a name, it holds the name's words
/// as words, in the name's order, with no other word between them). In
/// those texts, a matcher of this plan finds what a matcher of every name
/// finds: where a name starts, the longest name that starts there, and
/// the shorter ones a mention of a text's own document falls back to
/// (names it starts with), are names the text holds. `None` if a name
/// names something this build does not have.
fn plan_for_texts(
    looked: &crate::hash::Map<String, Looked>,
    texts: &[&Document],
    target_of: &(impl Fn(&Key) -> Option<Target> + Sync),
) -> Option<super::mentions::Plan> {
    // Each word of the texts, and each pair of words one after another,
    // piece by piece as the matcher reads them.
    let pairs = |text: &str, f: &mut dyn FnMut(u64)| {
        let mut last = None;
        super::words::each_word(text, |h| {
            f(h);
            if let Some(last) = last.replace(h) {
                f(super::words::pair(last, h));
            }
        });
    };
    // Kept as bits, one for each hash (its low bits), on each thread:
    // setting one is cheaper than a set's insertion, and a bit that
    // another word set only makes a name a candidate in vain. Texts of n
    // bytes hold at most n words and pairs of words together, and repeat
    // most of them: 2n bits leave most bits clear.
    let bytes: usize = texts.iter().map(|doc| text_bytes(doc)).sum();
    let size = (bytes * 2).clamp(1 << 16, 1 << 27).next_power_of_two();
    let each = texts.len().div_ceil(rayon::current_num_threads()).max(1);
    let held = texts
        .par_chunks(each)
        .map(|chunk| {
            let mut bits = vec![0u64; size / 64];
            for doc in chunk {
                each_piece(doc, |text| {
                    pairs(text, &mut |h| bits[(h as usize & (size - 1)) / 64] |= 1 << (h % 64))
                });
            }
            bits
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(b).for_each(|(a, b)| *a |= b);
            a
        })
        .unwrap_or_default();
    let held = |h: u64| {
        held.get((h as usize & (size - 1)) / 64)
            .is_some_and(|w| w & (1 << (h % 64)) != 0)
    };
    // Most names are told by their first word, whose hash is kept.
    let may_hold = |spelling: &str, looked: &Looked| {
        let mut last = None;
        looked.first.is_none_or(held)
            && super::words::words(spelling)
                .all(|h| held(h) && last.replace(h).is_none_or(|last| held(super::words::pair(last, h))))
    };
    let mut names: Vec<(String, Target)> = looked
        .par_iter()
        .filter(|(spelling, looked)| may_hold(spelling, looked))
        .map(|(spelling, looked)| target_of(&looked.key).map(|target| (spelling.clone(), target)))
        .collect::<Option<_>>()?;
    // (In one order whatever the map's.)
    names.par_sort_unstable();
    Some(super::mentions::Plan::of_spellings(names))
}

/// The bytes of `doc`'s text and note, which hold every text
/// [`each_text`] reads.
fn text_bytes(doc: &Document) -> usize {
    let text = match &doc.text {
        Text::Blocks(blocks) => blocks.iter().map(|b| b.text.len()).sum(),
        Text::Markdown(md) => md.len(),
        Text::None => 0,
    };
    text + doc.note.as_ref().map_or(0, String::len)
}

/// The words of the texts of `doc` that [`holding_any`] reads, and their
/// pairs of words side by side, piece by piece.
fn words_of(doc: &Document) -> super::words::Words {
    let mut of = super::words::Of::default();
    each_piece(doc, |piece| of.add(piece));
    of.words()
}

/// Calls `f` with each piece of each text of `doc` that the scan reads,
/// as the matcher reads it: on its own, so that a name set apart by
/// emphasis or code may start right after other letters
/// (`sub*Records Bureau*`), where the whole text reads one word.
fn each_piece(doc: &Document, mut f: impl FnMut(&str)) {
    let outlines = outlines(doc);
    for part in parts(doc, &outlines.outlines) {
        for piece in part.pieces.iter() {
            f(&part.text[piece]);
        }
    }
}

/// The parts of `doc`, numbered as [`parts`] lays them out, whose text
/// `holds`.
fn parts_holding(doc: &Document, holds: impl Fn(&str) -> bool) -> Box<[u32]> {
    fn number<T>((n, _): (usize, T)) -> u32 {
        u32::try_from(n).unwrap_or(u32::MAX)
    }
    match (&doc.text, &doc.note) {
        (Text::Blocks(blocks), None) => (blocks.iter())
            .filter(|block| has_mentions(block.kind))
            .enumerate()
            .filter(|(_, block)| holds(&block.text))
            .map(number)
            .collect(),
        (Text::None, None) => Box::default(),
        _ => {
            let outlines = outlines(doc);
            (parts(doc, &outlines.outlines).iter())
                .enumerate()
                .filter(|(_, part)| holds(part.text))
                .map(number)
                .collect()
        }
    }
}

/// Calls `holds` with each text of `doc` that the scan reads, until one
/// returns true; returns whether one did. Block by block, as the scan reads
/// them: no name runs from one block into the next. Markdown is read as
/// the scan reads it, as plain text.
fn each_text(doc: &Document, mut holds: impl FnMut(&str) -> bool) -> bool {
    match (&doc.text, &doc.note) {
        (Text::Blocks(blocks), None) => blocks.iter().any(|block| holds(&block.text)),
        (Text::None, None) => false,
        _ => {
            let outlines = outlines(doc);
            parts(doc, &outlines.outlines).iter().any(|part| holds(part.text))
        }
    }
}

/// A warning for each name too common to look for, at the name in its file.
fn common_warnings(root: &Path, documents: &[Arc<Document>], common: &[CommonName]) -> Vec<Diagnostic> {
    common
        .iter()
        .map(|c| {
            let (file, whose) = match c.target {
                Target::Document(d) => (documents[d].file.as_path(), format!("document `{}`", documents[d].slug)),
                Target::Entity(_) => (Path::new(crate::content::entities::FILE), "an entity".to_string()),
            };
            Diagnostic::warning(format!(
                "the name \"{}\" ({} of {whose}) is too common to look for in texts; it is not linked",
                c.name.trim(),
                c.key
            ))
            .at(name_location(root, file, c.name))
            .hint("give a longer name that texts use for it alone, such as its full title")
        })
        .collect()
}

/// Where `name` is written in a TOML file: its first occurrence as a
/// quoted string.
fn name_location(root: &Path, file: &Path, name: &str) -> Location {
    let text = match std::fs::read(root.join(file)).map(|b| crate::content::decode_content(&b)) {
        Ok(Some(text)) => text,
        _ => return Location::file_only(file),
    };
    let basic = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
    let literal = format!("'{name}'");
    let found = [basic, literal]
        .iter()
        .find_map(|quoted| text.find(quoted.as_str()).map(|at| at..at + quoted.len()));
    match found {
        Some(span) => Location::from_span(file, &text, span),
        None => Location::file_only(file),
    }
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
        Key::Document(slug) => by_slug.get(&**slug).map(|&d| documents[d].file.clone()),
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

/// How many renamed ids are reported for one text; the rest are counted.
const MAX_ID_REPORTS: usize = 10;

/// Warnings and errors about the markup of every scanned text: raw HTML
/// beyond the limits the sanitiser's parser needs (errors), and renamed
/// ids (warnings; errors for raw HTML kept as written, which annals cannot
/// rename).
fn markup_diagnostics(root: &Path, scans: &[Arc<Scan>], settings: Settings) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let (mut warnings, mut errors) = (Vec::new(), Vec::new());
    for scan in scans {
        // Renamed ids reported per file, and those left out (and whether
        // any of those is an error).
        let mut reported: HashMap<&Path, (usize, usize, bool)> = HashMap::new();
        // Raw ids are renamed by the sanitiser, or, kept as written, must
        // not need renaming.
        let raw = |m: &Markup| {
            matches!(
                m.issue,
                Issue::ReservedId { raw: true, .. } | Issue::RepeatedId { raw: true, .. }
            )
        };
        let issues = scan
            .markup
            .iter()
            .filter(|(m, _)| !(settings.unsafe_html && raw(m)))
            .chain(scan.id_conflicts.iter().filter(|_| settings.unsafe_html));
        for (markup, source) in issues {
            if !matches!(markup.issue, Issue::Limit(_)) {
                let (shown, left_out, error) = reported.entry(&source.file).or_default();
                if *shown == MAX_ID_REPORTS {
                    // Counted, not located: locating reads the file.
                    *left_out += 1;
                    *error |= settings.unsafe_html && raw(markup);
                    continue;
                }
                *shown += 1;
            }
            let d = markup_diagnostic(root, markup, source, settings);
            if d.is_error() { errors.push(d) } else { warnings.push(d) }
        }
        let mut left_out: Vec<_> = reported.into_iter().filter(|(_, (_, n, _))| *n > 0).collect();
        left_out.sort();
        for (file, (_, n, error)) in left_out {
            let message = format!("{n} more ids in {} are reported as above", file.display());
            if error {
                errors.push(Diagnostic::error(message).hint("choose other ids"));
            } else {
                warnings.push(Diagnostic::warning(message).hint("choose other ids"));
            }
        }
    }
    (warnings, errors)
}

/// The diagnostic for one [`Markup`] issue.
fn markup_diagnostic(root: &Path, markup: &Markup, source: &Source, settings: Settings) -> Diagnostic {
    let at = source.offset + markup.at;
    let located = locate(root, &source.file, at..at + markup.len);
    match &markup.issue {
        Issue::Limit(Limit::Depth) => Diagnostic::error(format!(
            "elements here are nested more than {} deep, in a text that holds raw HTML",
            raw_html::MAX_DEPTH
        ))
        .at(located)
        .hint("close the elements the raw HTML opens (`<div>` needs `</div>`), and nest fewer quotes and lists"),
        Issue::Limit(Limit::Moves) => Diagnostic::error(
            "raw HTML here puts so much where HTML does not allow it that sanitising it would take too long",
        )
        .at(located)
        .hint(
            "put a table's content inside its cells (<td>), and close formatting tags (<b>, <i>...) in the order they were opened",
        ),
        Issue::Limit(Limit::Attributes) => Diagnostic::error(format!(
            "a tag of raw HTML here has more than {} attributes",
            raw_html::MAX_ATTRIBUTES
        ))
        .at(located)
        .hint("give the tag fewer attributes; look for a missing `>` or quote"),
        Issue::ReservedId { id, renamed, raw } | Issue::RepeatedId { id, renamed, raw } => {
            let what = if *raw { "raw HTML" } else { "a heading" };
            let reason = match &markup.issue {
                Issue::ReservedId { .. } => crate::render::ids::reserved_for(id).to_string(),
                _ => "is already used in this text".to_string(),
            };
            if *raw && settings.unsafe_html {
                let reason = match &markup.issue {
                    Issue::ReservedId { .. } => reason,
                    _ => "is already an id of this page".to_string(),
                };
                Diagnostic::error(format!("the id `{id}` in {what} {reason}"))
                    .at(located)
                    .hint("choose another id: with `unsafe_html = true` raw HTML is kept as written, so annals cannot rename it")
            } else {
                Diagnostic::warning(format!("the id `{id}` in {what} {reason}; it is renamed `{renamed}`"))
                    .at(located)
                    .hint("choose another id, so that links to it work as written")
            }
        }
    }
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
        Text::Markdown(md) => markdown::outline(md, "").anchors(),
        Text::None => Vec::new(),
    };
    if let Some(note) = &doc.note {
        out.extend(markdown::outline(note, "note-").anchors());
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

/// What [`occurrences`] finds in one document.
type Keyed = (Vec<(Key, Occurrence)>, Vec<KeyedInline>, Option<Kept>);

/// The document mentions of one piece of text, by slug.
type KeyedInline = (usize, Vec<(Range<usize>, Arc<str>)>);

/// Every citation and entity mention in one document, the document
/// mentions to render as links (by piece of text), all in keys, and what
/// a later scan keeps (see [`Scan::kept`]); `find` gives the names in a
/// piece of a part (by the part's index, and the piece's counted over the
/// document), and `kept_part` the occurrences of a part that a kept scan
/// of the same text found with the same names, if any (they are copied
/// rather than made again: the snippets of a text's every part took a
/// fifth of a scan).
fn occurrences<'k>(
    id: DocId,
    own_slug: &str,
    parts: &[Part],
    links: &[(ExplicitLink, Source, usize)],
    find: impl Fn(usize, usize, &str) -> Vec<(Range<usize>, Key)>,
    kept_part: impl Fn(usize) -> Option<&'k [(Key, Occurrence)]>,
) -> Keyed {
    let mut out = Vec::new();
    let mut inline = Vec::new();
    // Every name found, with its key, until the occurrences are made.
    let mut names: Vec<(usize, Range<usize>, Key)> = Vec::new();
    let mut starts = Vec::with_capacity(parts.len() + 1);
    let mut piece_index = 0;
    let mut link_at = links.iter().peekable();
    for (index, segment) in parts.iter().enumerate() {
        starts.push(out.len());
        let copied = kept_part(index);
        let mut found: Vec<(Range<usize>, Key)> = Vec::new();
        for piece in segment.pieces.iter() {
            let in_piece = find(index, piece_index, &segment.text[piece.clone()]);
            let documents: Vec<(Range<usize>, Arc<str>)> = in_piece
                .iter()
                .filter_map(|(range, key)| match key {
                    Key::Document(slug) => Some((range.clone(), slug.clone())),
                    Key::Entity(_) => None,
                })
                .collect();
            if !documents.is_empty() {
                inline.push((piece_index, documents));
            }
            for (range, key) in in_piece {
                if copied.is_none() {
                    found.push((range.start + piece.start..range.end + piece.start, key.clone()));
                }
                names.push((piece_index, range, key));
            }
            piece_index += 1;
        }
        while let Some((link, _, base)) = link_at.peek() {
            if base + link.segment != index {
                break;
            }
            if link.slug != own_slug && copied.is_none() {
                found.push((link.text.clone(), Key::Document(link.slug.as_str().into())));
            }
            link_at.next();
        }
        if let Some(copied) = copied {
            out.extend(
                copied
                    .iter()
                    .map(|(key, o)| (key.clone(), Occurrence { from: id, ..o.clone() })),
            );
            continue;
        }
        found.sort_by_key(|(r, _)| r.start);
        let anchor: Arc<str> = Arc::from(&*segment.anchor);
        for (sentence, key, names) in by_sentence(segment.text, found) {
            let occurrence = Occurrence {
                from: id,
                anchor: anchor.clone(),
                snippet: Arc::new(snippet(segment.text, sentence, &names)),
                in_note: segment.in_note,
            };
            out.push((key, occurrence));
        }
    }
    starts.push(out.len());
    // Each name's key as the index of the first occurrence with that key
    // (every name found is in one).
    let mut first: crate::hash::Map<&Key, usize> = crate::hash::Map::default();
    for (at, (key, _)) in out.iter().enumerate() {
        first.entry(key).or_insert(at);
    }
    let named = |(piece, range, key): (usize, Range<usize>, Key)| {
        Some(Named {
            piece: u32::try_from(piece).ok()?,
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
            key: u32::try_from(*first.get(&key)?).ok()?,
        })
    };
    let names: Option<Vec<Named>> = names.into_iter().map(named).collect();
    let starts: Option<Vec<u32>> = starts.into_iter().map(|at| u32::try_from(at).ok()).collect();
    let kept = names.zip(starts).map(|(names, starts)| Kept { names, starts });
    (out, inline, kept)
}

/// Groups the names found in one text (sorted by where they start) by
/// sentence and target: each sentence that names a target, however many
/// times and by however many of its names, is one occurrence. In order of
/// each group's first name.
fn by_sentence(text: &str, found: Vec<(Range<usize>, Key)>) -> Vec<(Range<usize>, Key, Vec<Range<usize>>)> {
    let mut groups: Vec<(Range<usize>, Key, Vec<Range<usize>>)> = Vec::new();
    for (range, key) in found {
        let sentence = sentence_start(text, range.start)..sentence_end(text, range.end);
        let same = groups
            .iter_mut()
            .rev()
            .take_while(|(s, _, _)| s.end > range.start)
            .find(|(s, k, _)| *s == sentence && *k == key);
        match same {
            Some((_, _, names)) => {
                if names.last().is_none_or(|last| last.end <= range.start) {
                    names.push(range);
                }
            }
            None => groups.push((sentence, key, vec![range])),
        }
    }
    groups
}

/// Groups every document's occurrences by what they point at.
fn aggregate(documents: usize, entities: usize, found: Vec<Vec<(Target, Occurrence)>>) -> Links {
    let mut links = Links {
        cites: vec![Vec::new(); documents],
        cites_in_note_only: vec![Vec::new(); documents],
        cited_by: vec![Vec::new(); documents],
        entities_of: vec![Vec::new(); documents],
        entities_in_note_only: vec![Vec::new(); documents],
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
        self.add_replacing(from, occurrences, &mut Vec::new());
    }

    /// Replaces what document `from` cites and mentions, as [`Links::add`]
    /// adds it, and returns what it cited and mentioned before, by target.
    /// The occurrences of a target `from` names before and after are
    /// swapped in their place in the target's list, rather than taken out
    /// and put back, which moved every entry after them (at 100,000
    /// documents, an entity that thousands of texts name has as many
    /// entries).
    fn replace(&mut self, from: DocId, occurrences: Vec<(Target, Occurrence)>) -> Vec<(Target, Vec<Occurrence>)> {
        let before: Vec<Target> = (self.cites[from].iter().map(|&d| Target::Document(d)))
            .chain(self.entities_of[from].iter().map(|&e| Target::Entity(e)))
            .collect();
        let mut out = Vec::new();
        self.add_replacing(from, occurrences, &mut out);
        for target in before {
            let (list, kept) = match target {
                Target::Document(to) => (&mut self.cited_by[to], self.cites[from].contains(&to)),
                Target::Entity(e) => (&mut self.mentions_of[e], self.entities_of[from].contains(&e)),
            };
            let at = list.partition_point(|(f, _)| *f < from);
            if !kept && list.get(at).is_some_and(|(f, _)| *f == from) {
                out.push((target, list.remove(at).1));
            }
        }
        out
    }

    /// [`Links::add`], where a target's list may hold an entry of `from`
    /// already: it is replaced, and its occurrences go into `replaced`.
    fn add_replacing(
        &mut self,
        from: DocId,
        occurrences: Vec<(Target, Occurrence)>,
        replaced: &mut Vec<(Target, Vec<Occurrence>)>,
    ) {
        let mut per_target: BTreeMap<Target, Vec<Occurrence>> = BTreeMap::new();
        let mut order: Vec<Target> = Vec::new();
        for (target, occurrence) in occurrences {
            let entry = per_target.entry(target).or_default();
            if entry.is_empty() {
                order.push(target);
            }
            entry.push(occurrence);
        }
        let mut insert = |list: &mut Vec<(DocId, Vec<Occurrence>)>, target: Target, occurrences| {
            let at = list.partition_point(|(f, _)| *f < from);
            match list.get_mut(at) {
                Some((f, was)) if *f == from => replaced.push((target, std::mem::replace(was, occurrences))),
                _ => list.insert(at, (from, occurrences)),
            }
        };
        let mut entity_counts: Vec<(EntityId, usize, bool)> = Vec::new();
        self.cites[from].clear();
        self.cites_in_note_only[from].clear();
        for target in order {
            let occurrences = per_target.remove(&target).expect("recorded above");
            let in_note_only = occurrences.iter().all(|o| o.in_note);
            match target {
                Target::Document(to) => {
                    self.cites[from].push(to);
                    self.cites_in_note_only[from].push(in_note_only);
                    insert(&mut self.cited_by[to], target, occurrences);
                }
                Target::Entity(e) => {
                    entity_counts.push((e, occurrences.len(), in_note_only));
                    insert(&mut self.mentions_of[e], target, occurrences);
                }
            }
        }
        entity_counts.sort_by_key(|&(e, n, _)| (std::cmp::Reverse(n), e));
        self.entities_of[from] = entity_counts.iter().map(|&(e, _, _)| e).collect();
        self.entities_in_note_only[from] = entity_counts.iter().map(|&(_, _, note)| note).collect();
    }

    /// The documents `from` cites in its own text (`false`), or only in its
    /// curator's note (`true`).
    pub fn cites_from(&self, from: DocId, in_note_only: bool) -> Vec<DocId> {
        self.cites[from]
            .iter()
            .zip(&self.cites_in_note_only[from])
            .filter(|(_, note)| **note == in_note_only)
            .map(|(to, _)| *to)
            .collect()
    }

    /// Renumbers the graph when documents came or went: the rows of new
    /// documents are empty. A document gone must cite, mention and be
    /// cited by none (the caller checks that it is not).
    pub fn renumber(&mut self, map: &Renumber) {
        use std::mem::take;
        let sources = |list: &mut Vec<(DocId, Vec<Occurrence>)>| {
            for (from, occurrences) in list {
                *from = map.id(*from);
                occurrences.iter_mut().for_each(|o| o.from = *from);
            }
        };
        self.cites = map.rows(take(&mut self.cites));
        self.cites.iter_mut().flatten().for_each(|to| *to = map.id(*to));
        self.cites_in_note_only = map.rows(take(&mut self.cites_in_note_only));
        self.cited_by = map.rows(take(&mut self.cited_by));
        self.cited_by.iter_mut().for_each(sources);
        self.entities_of = map.rows(take(&mut self.entities_of));
        self.entities_in_note_only = map.rows(take(&mut self.entities_in_note_only));
        self.mentions_of.iter_mut().for_each(sources);
        self.inline = map.rows(take(&mut self.inline));
        for (_, list) in self.inline.iter_mut().flatten() {
            list.iter_mut().for_each(|(_, to)| *to = map.id(*to));
        }
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
    /// or in another order, or cites or names one from its text that it
    /// had only in its note (or the other way): what related lists and
    /// `graph.json` are made from.
    pub outward: bool,
    /// Whether a replaced document mentions an entity more or less often.
    pub counts: bool,
    /// Documents not replaced whose links changed all the same: a name
    /// they hold was given to another document, or taken away.
    pub rescanned: Vec<DocId>,
}

/// Updates the graph after the documents at `changed` were replaced by
/// others of the same shape (`old` holds the replaced ones): scans the new
/// documents and swaps their occurrences for the old ones. `None` when the
/// cache cannot serve (the caller builds the graph anew).
#[allow(clippy::too_many_arguments)]
pub fn update(
    root: &Path,
    mut links: Links,
    documents: &Arc<Vec<Arc<Document>>>,
    entities: &[Entity],
    by_slug: &crate::hash::Map<String, DocId>,
    changed: &[DocId],
    old: &[Arc<Document>],
    renamed_entities: &[(EntityId, Entity)],
    settings: Settings,
    cache: &mut Cache,
) -> Result<Option<Updated>, Vec<Diagnostic>> {
    let mut timings = crate::Timings::new();
    if links.cites.len() != documents.len() {
        return Ok(None);
    }
    let texts: Vec<Arc<Document>> = changed.iter().map(|&id| documents[id].clone()).collect();
    let Some(mut matcher) = cache.matcher_for(&texts) else {
        return Ok(None);
    };
    // Whether `matcher` is that of every name of the last build, for any
    // text (not one being built, nor one for changed names' texts).
    let matcher_current = cache.pending.is_none() && cache.stale.is_empty();
    // What one document or entity renamed since the last build names, and
    // a matcher of its names now: the texts that hold a changed name are
    // scanned with it, and with `matcher` leaving out that one's names
    // (see `Matcher::find_in_all`).
    let mut renamed_now: Option<(Target, Option<Matcher>)> = None;
    let key_of = key_of(documents, entities);
    let target_of = target_of(entities, by_slug);
    // Names that are no longer looked for, or are now: only the texts that
    // hold one of them can find anything else than before.
    let renamed: Vec<(DocId, &Arc<Document>)> = changed
        .iter()
        .zip(old)
        .filter(|(id, old)| documents[**id].title != old.title || documents[**id].cited_as != old.cited_as)
        .map(|(&id, old)| (id, old))
        .collect();
    let mut others: Vec<DocId> = Vec::new();
    // With one renamed document or entity whose names name it alone, which
    // parts of each of the others may hold a name changed: those of the
    // other parts are kept (see `Reuse`).
    let mut changed_parts: Option<Vec<Box<[u32]>>> = None;
    if settings.detect_mentions && !(renamed.is_empty() && renamed_entities.is_empty()) {
        // The names looked for before or after, not both: a text that
        // holds none of them finds what it found.
        fn differ<'n>(before: Vec<&'n str>, after: Vec<&'n str>) -> Vec<&'n str> {
            let gone = before.iter().filter(|name| !after.contains(name));
            let added = after.iter().filter(|name| !before.contains(name));
            gone.chain(added).copied().collect()
        }
        let mut sought: Vec<&str> = Vec::new();
        for &(id, old) in &renamed {
            sought.extend(differ(looked_for(old).collect(), looked_for(&documents[id]).collect()));
        }
        for (e, old) in renamed_entities {
            sought.extend(differ(
                entity_looked_for(old).collect(),
                entity_looked_for(&entities[*e]).collect(),
            ));
        }
        // What was renamed, when that is one document or one entity.
        let single = match (renamed.as_slice(), renamed_entities) {
            ([(id, _)], []) => Some(Target::Document(*id)),
            ([], [(e, _)]) => Some(Target::Entity(*e)),
            _ => None,
        };
        // One renamed document or entity whose names, old and new, name it
        // alone: the names looked for can be patched (see `patch_of`).
        let patch = match (renamed.as_slice(), renamed_entities) {
            _ if !cache.keeps_names => None,
            ([(id, old)], []) => spelling_patch(cache, &key_of(Target::Document(*id)), old, &documents[*id]),
            ([], [(e, old)]) => entity_patch(cache, &key_of(Target::Entity(*e)), old, &entities[*e]),
            _ => None,
        };
        // Which name names what, and the warnings about names, are needed
        // now, unless the patch does; the automata only to scan a text that
        // holds a changed name.
        let planned = || {
            let (names, common) = names(documents, entities);
            let (plan, ambiguous) = Matcher::plan(names);
            (plan, ambiguous, common_warnings(root, documents, &common))
        };
        let words = &mut cache.words;
        let (planned_now, holding) = match patch {
            Some(_) => {
                let holding = holding(documents, &sought, Some(words), Look::EveryPart);
                timings.lap("      links: the texts that hold the changed names");
                (None, holding)
            }
            None => {
                let (made, holding) = rayon::join(planned, || holding(documents, &sought, Some(words), Look::Any));
                (Some(made), holding)
            }
        };
        // Whether no text but the renamed document's own holds a changed
        // name (a text never names its own document).
        let own_only = match single {
            Some(Target::Document(id)) => holding.iter().all(|&(h, _)| h == id),
            Some(Target::Entity(_)) => holding.is_empty(),
            None => false,
        };
        match (patch, single) {
            (Some((gone, added)), Some(target)) => {
                // When only the renamed document's own text holds a changed
                // name, every scan is the same with the old names as with
                // the new, as in the case below without a patch. Otherwise
                // the texts that hold one are scanned again: when the last
                // build's matcher is at hand, with it, leaving out the names
                // of what was renamed, and beside it a matcher of that
                // one's names now (a matcher of every name finds the same,
                // see `Matcher::find_in_all`); else with a matcher of the
                // names they may hold (see `plan_for_texts`): at 100,000
                // documents, a few milliseconds against a second for the
                // matcher of every name. Either way the names looked for
                // are patched, and the new matcher, for later scans, is
                // planned and built on a thread of its own.
                let key = key_of(target);
                if !own_only && matcher_current {
                    let names = added.iter().map(|spelling| (spelling.clone(), target)).collect();
                    renamed_now = Some((target, Matcher::build_here(super::mentions::Plan::of_spellings(names))));
                }
                for spelling in gone {
                    cache.looked.remove(&spelling);
                }
                cache.looked.extend(added.into_iter().map(|spelling| {
                    let looked = Looked::new(&spelling, key.clone());
                    (spelling, looked)
                }));
                cache.build_later(plan_later(documents, entities), &sought);
                cache.names = match target {
                    Target::Document(id) => cache.hash_names(documents, entities, true, Some(id)),
                    Target::Entity(_) => cache.hash_names_of_entities(documents, entities),
                };
                #[cfg(debug_assertions)]
                {
                    let (plan, _) = Matcher::plan(names(documents, entities).0);
                    debug_assert!(cache.looked == looked(&plan, &key_of), "patched names differ");
                }
                timings.lap("      links: names patched");
                if !own_only {
                    let parts;
                    (others, parts) = holding.into_iter().filter(|(id, _)| !changed.contains(id)).unzip();
                    changed_parts = Some(parts);
                }
                if !own_only && renamed_now.is_none() {
                    let texts: Vec<&Document> = changed.iter().chain(&others).map(|&id| &*documents[id]).collect();
                    let plan = match plan_for_texts(&cache.looked, &texts, &target_of) {
                        Some(plan) => plan,
                        // (A patched name naming nothing this build has:
                        // the names of all are planned as a build plans them.)
                        None => Matcher::plan(names(documents, entities).0).0,
                    };
                    matcher = Arc::new(Matcher::build(plan));
                    timings.lap("      links: a matcher of the names those texts may hold");
                }
            }
            _ => {
                let (plan, ambiguous, common) = planned_now.unwrap_or_else(planned);
                timings.lap("      links: names and plan, beside the texts that hold the changed names");
                let ambiguous: Vec<(String, Key, Key)> = ambiguous
                    .into_iter()
                    .map(|a| (a.name, key_of(a.kept), key_of(a.dropped)))
                    .collect();
                // Whether a list of ambiguous names has one of the renamed one's.
                let own = single.map(&key_of);
                let shared = |list: &[(String, Key, Key)]| {
                    list.iter()
                        .any(|(_, kept, dropped)| own.as_ref().is_some_and(|own| kept == own || dropped == own))
                };
                if cache.keeps_names {
                    crate::later::drop(std::mem::replace(&mut cache.looked, looked(&plan, &key_of)));
                }
                // A document removed leaves a stand-in with no text: no
                // scan of this update reads a name, so which document a
                // shared name names now matters only to later scans.
                let textless = changed
                    .iter()
                    .all(|&id| matches!(documents[id].text, Text::None) && documents[id].note.is_none());
                if own_only && (textless || !shared(&cache.ambiguous) && !shared(&ambiguous)) {
                    // Only the renamed document's own text may hold its names
                    // (no text, for an entity), each of which names it alone,
                    // before and after; and a text never names its own
                    // document: every scan is the same with the old names as
                    // with the new. The new matcher is for later scans,
                    // and is built meanwhile, after the pages.
                    cache.build_later(build_later(plan), &sought);
                } else {
                    matcher = Arc::new(Matcher::build(plan));
                    cache.matcher = Some(matcher.clone());
                    cache.pending = None;
                    cache.stale.clear();
                    others = (holding.into_iter())
                        .map(|(id, _)| id)
                        .filter(|id| !changed.contains(id))
                        .collect();
                }
                cache.names = cache.hash_names(documents, entities, true, None);
                cache.ambiguous = ambiguous;
                cache.common = common;
            }
        }
    }
    timings.lap("      links: names kept");
    // The replaced documents, then the others scanned again for the names.
    let rescanned: Vec<DocId> = changed.iter().chain(&others).copied().collect();
    let left_out = renamed_now.as_ref().map(|(target, _)| *target);
    let matchers: Vec<(&Matcher, Option<Target>)> = (matcher.as_ref().as_ref().map(|m| (m, left_out)).into_iter())
        .chain(renamed_now.as_ref().and_then(|(_, m)| m.as_ref()).map(|m| (m, None)))
        .collect();
    let scans: Vec<Arc<Scan>> = rescanned
        .par_iter()
        .enumerate()
        .map(|(n, &id)| {
            let doc = &documents[id];
            // The scan kept of another text, still its own.
            let parts = (changed_parts.as_ref()).and_then(|parts| parts.get(n.checked_sub(changed.len())?));
            let reuse = match (parts, cache.scans.get(&doc.slug)) {
                (Some(parts), Some((fingerprint, kept))) if *fingerprint == doc.fingerprint => {
                    Some(Reuse { kept, changed: parts })
                }
                _ => None,
            };
            Arc::new(scan(id, doc, &matchers, &key_of, reuse.as_ref()))
        })
        .collect();
    // Only an anchor gone can break a link from another document: one
    // added (a paragraph or a heading at the end of a note) cannot. (A
    // document added or removed has a stand-in on the other side, of
    // another shape: no link pointed into the one added, and the caller
    // checks that none points into the one removed.)
    let anchors_gone = changed
        .iter()
        .zip(old)
        .filter(|(id, old)| old.same_shape(&documents[**id]))
        .any(|(&id, old)| {
            let new = anchors_of(&documents[id]);
            let new: HashSet<&str> = new.iter().map(String::as_str).collect();
            anchors_of(old).iter().any(|a| !new.contains(a.as_str()))
        });
    // (The scans replaced are freed on a thread of their own: for 3,600
    // texts at 100,000 documents, some 7 ms of a core.)
    let mut replaced = Vec::with_capacity(rescanned.len());
    for (&id, scan) in rescanned.iter().zip(&scans) {
        let doc = &documents[id];
        replaced.extend(cache.scans.insert(doc.slug.clone(), (doc.fingerprint, scan.clone())));
        match scan.has_markup() {
            true => cache.flagged.insert(doc.slug.clone()),
            false => cache.flagged.remove(&doc.slug),
        };
    }
    crate::later::drop(replaced);
    let scans_of_changed = &scans[..changed.len()];
    timings.lap("      links: scans");
    // Errors here only stop the update: the caller analyses what loaded
    // anew to report them, drafts and all.
    let (none_absent, no_drafts) = (HashSet::new(), Drafts::new());
    let elsewhere = Elsewhere {
        absent: &none_absent,
        drafts: &no_drafts,
    };
    // The scans kept, of the documents `ids`; `None` if one has none (then
    // the whole archive is analysed). Every document's is looked up only
    // when a link may point at an anchor gone: at 100,000 documents that
    // takes 50 ms.
    let scans_of = |ids: &mut dyn Iterator<Item = DocId>| -> Option<Vec<Arc<Scan>>> {
        ids.map(|id| cache.scans.get(&documents[id].slug).map(|(_, s)| s.clone()))
            .collect()
    };
    if cache.scans.len() != documents.len() {
        return Ok(None);
    }
    debug_assert!(
        documents.iter().all(|d| cache.scans.contains_key(&d.slug)),
        "a scan is kept for every document"
    );
    let mut errors = if anchors_gone {
        // Links from other documents may point at an anchor that is gone.
        let Some(all) = scans_of(&mut (0..documents.len())) else {
            return Ok(None);
        };
        check_references(
            root,
            documents,
            documents.iter().map(|d| &**d).zip(&all),
            by_slug,
            elsewhere,
        )
    } else {
        let own = changed.iter().map(|&id| &*documents[id]);
        check_references(root, documents, own.zip(scans_of_changed), by_slug, elsewhere)
    };
    // Only the scans with markup to report, in the archive's order.
    let mut flagged: Vec<DocId> = cache
        .flagged
        .iter()
        .filter_map(|slug| by_slug.get(slug).copied())
        .collect();
    flagged.sort_unstable();
    let Some(flagged) = scans_of(&mut flagged.into_iter()) else {
        return Ok(None);
    };
    let (markup_warnings, markup_errors) = markup_diagnostics(root, &flagged, settings);
    timings.lap("      links: references and markup checked");
    errors.extend(markup_errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut changes = Changes::default();
    // (Each scan is resolved as its links are replaced: resolved on every
    // core first, 3,600 texts' occurrences at 100,000 documents were out
    // of the cache by the time they were compared with the old, and that
    // took longer.)
    for (n, (&id, scan)) in rescanned.iter().zip(&scans).enumerate() {
        let outward = |links: &Links| {
            (
                links.cites[id].clone(),
                links.cites_in_note_only[id].clone(),
                links.entities_of[id].clone(),
                links.entities_in_note_only[id].clone(),
            )
        };
        let was = outward(&links);
        let inline_was = (n >= changed.len()).then(|| links.inline[id].clone());
        let (found, inline) = resolve(id, scan, &target_of, by_slug);
        let before = links.replace(id, found);
        links.inline[id] = inline;
        let moved = outward(&links) != was;
        changes.outward |= moved;
        if inline_was.is_some_and(|was| moved || was != links.inline[id]) {
            // Its page links other names, or lists other citations.
            changes.rescanned.push(id);
        }
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
    for list in [
        &mut changes.cited,
        &mut changes.mentioned,
        &mut changes.counted,
        &mut changes.rescanned,
    ] {
        list.sort_unstable();
        list.dedup();
    }
    let mut warnings = cache.common.clone();
    warnings.extend(ambiguous_warnings(&cache.ambiguous, documents, by_slug));
    warnings.extend(markup_warnings);
    timings.lap("      links: updated");
    Ok(Some((links, warnings, changes)))
}

/// Longest a snippet's context runs on either side of the occurrence.
const CONTEXT_CHARS: usize = 160;

/// The `sentence` of `text` with the `names` in it (in order, at least
/// one) marked; clipped to [`CONTEXT_CHARS`] before the first name and
/// after the last.
pub fn snippet(text: &str, sentence: Range<usize>, names: &[Range<usize>]) -> Snippet {
    let (first, last) = (names[0].start, names[names.len() - 1].end);
    let mut out = clip_start(&text[sentence.start..first]);
    let shift = |at: usize| at - first + out.len();
    let marks = names.iter().map(|n| shift(n.start)..shift(n.end)).collect();
    out.push_str(&text[first..last]);
    out.push_str(&clip_end(&text[last..sentence.end]));
    Snippet { text: out, marks }
}

/// The sentence of `text` around `range`, with it marked.
pub fn snippet_around(text: &str, range: Range<usize>) -> Snippet {
    let sentence = sentence_start(text, range.start)..sentence_end(text, range.end);
    snippet(text, sentence, &[range])
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
pub(crate) mod tests {
    use super::*;

    #[test]
    fn snippet_is_the_sentence_around_the_occurrence() {
        let text = "First sentence. The Plan, issued in 2021, matters. Last one.";
        let at = text.find("Plan").unwrap();
        let s = snippet_around(text, at..at + 4);
        assert_eq!(
            (s.before(), s.matched(), s.after()),
            ("The ", "Plan", ", issued in 2021, matters.")
        );
    }

    #[test]
    fn snippet_handles_chinese_sentences_and_long_context() {
        let text = "前一句。根据规划推进。后一句";
        let at = text.find("规划").unwrap();
        let s = snippet_around(text, at..at + "规划".len());
        assert_eq!((s.before(), s.after()), ("根据", "推进。"));
        let long = format!("{} Plan", "word ".repeat(100));
        let at = long.find("Plan").unwrap();
        assert!(snippet_around(&long, at..at + 4).before().starts_with('…'));
    }

    #[test]
    fn one_sentence_naming_a_target_twice_is_one_occurrence() {
        let text = "MIIT, the Ministry of Industry, spoke. The ministry (MIIT) again. Other.";
        let key = || Key::Entity("miit".into());
        let at = |name: &str, from: usize| {
            let start = from + text[from..].find(name).unwrap();
            start..start + name.len()
        };
        let found = vec![
            (at("MIIT", 0), key()),
            (at("Ministry of Industry", 0), key()),
            (at("ministry", 20), Key::Document("m".into())),
            (at("MIIT", 10), key()),
        ];
        let groups = by_sentence(text, found);
        let summary: Vec<(&str, usize)> = groups
            .iter()
            .map(|(s, k, names)| (text[s.clone()].trim(), names.len() + usize::from(*k == key()) * 10))
            .collect();
        assert_eq!(
            summary,
            [
                ("MIIT, the Ministry of Industry, spoke.", 12),
                ("The ministry (MIIT) again.", 1),
                ("The ministry (MIIT) again.", 11)
            ]
        );
        let (sentence, _, names) = &groups[0];
        let quoted = snippet(text, sentence.clone(), names);
        assert_eq!(
            quoted.pieces(),
            [
                ("MIIT", true),
                (", the ", false),
                ("Ministry of Industry", true),
                (", spoke.", false)
            ]
        );
    }

    /// After documents come or go, the kept matcher and one being built
    /// for later find the documents by their new ids: a text scanned with
    /// either names the document it named before.
    #[test]
    fn renumbered_matchers_name_the_documents_they_named() {
        let old = vec![with_blocks("rules", &[]), with_blocks("review", &["The rules apply."])];
        let (plan, _) = Matcher::plan(names(&old, &[]).0);
        let later = build_later(Matcher::plan(names(&old, &[]).0).0);
        let mut cache = Cache::keeping();
        cache.matcher = Some(Arc::new(Matcher::build(plan)));
        cache.pending = later;
        // A document before both, and "review" removed after it.
        let inserted = Arc::new(Renumber::inserting(2, &[0]));
        assert!(cache.renumber(&inserted, &[(0, "new")], &[]));
        let removed = Arc::new(Renumber::removing(3, &[2]));
        assert!(cache.renumber(&removed, &[], &["review"]));
        let now = vec![with_blocks("new", &[]), old[0].clone()];
        let text = with_blocks("reader", &["The rules apply."]);
        let found = |matcher: &Arc<Option<Matcher>>| {
            let scan = scan(
                DocId::MAX,
                &text,
                &alone(matcher.as_ref().as_ref()),
                &key_of(&now, &[]),
                None,
            );
            scan.found.into_iter().map(|(key, _)| key).collect::<Vec<_>>()
        };
        let kept = cache.matcher.clone().expect("kept");
        assert_eq!(found(&kept), [Key::Document("rules".into())]);
        let pending = cache.pending.take().and_then(Later::join).expect("built");
        assert_eq!(found(&pending), [Key::Document("rules".into())]);
    }

    /// A document whose seed text is `blocks`, one block each.
    pub(crate) fn with_blocks(slug: &str, blocks: &[&str]) -> Arc<Document> {
        use crate::content::seed::{Block, BlockKind};
        Arc::new(Document {
            file: format!("content/{slug}.md").into(),
            slug: slug.into(),
            title: slug.into(),
            date: None,
            summary: None,
            source_url: None,
            archived_url: None,
            original_title: None,
            original_language: None,
            authors: Vec::new(),
            translators: Vec::new(),
            draft: false,
            cited_as: Vec::new(),
            citation_kind: None,
            document_number: None,
            related: Vec::new(),
            terms: Vec::new(),
            extra: toml::Table::new(),
            seed: None,
            text: Text::Blocks(
                blocks
                    .iter()
                    .enumerate()
                    .map(|(i, text)| Block {
                        kind: BlockKind::Paragraph,
                        text: text.to_string(),
                        anchor: format!("p-{}", i + 1),
                        line: i + 1,
                    })
                    .collect(),
            ),
            note: None,
            body_offset: 0,
            // As if read from files: the same slug and texts, the same
            // fingerprint.
            fingerprint: crate::hash::of(&(slug, blocks)),
        })
    }

    #[test]
    fn holding_any_finds_every_text_that_holds_a_name_in_any_case() {
        let documents = [
            with_blocks(
                "plan",
                &["The Outline of the 14th Five-Year Plan (2021-2025) was adopted."],
            ),
            with_blocks("caps", &["See the OUTLINE OF THE 14TH FIVE-YEAR PLAN, chapter 3."]),
            with_blocks("curly", &["The ministry\u{2019}s notice on data"]),
            with_blocks("split", &["The Outline of the", "14th Five-Year Plan"]),
            with_blocks("chinese", &["根据《数字中国建设整体布局规划》推进。"]),
            with_blocks("none", &["Nothing to see here, no names at all."]),
        ];
        let slugs = |ids: Vec<DocId>| -> Vec<&str> { ids.into_iter().map(|id| documents[id].slug.as_str()).collect() };
        // Every text read; then with the words of each text, made in a
        // first pass and read from the index in a second.
        let holding = |names: &[&str]| -> Vec<&str> {
            let read = slugs(holding_any(&documents, names, None));
            let mut index = crate::analyse::words::Index::default();
            let making = slugs(holding_any(&documents, names, Some(&mut index)));
            let made = slugs(holding_any(&documents, names, Some(&mut index)));
            assert_eq!(making, read, "{names:?}, making the words");
            assert_eq!(made, read, "{names:?}, with the words made");
            read
        };
        // Letters alone, any case; in quotes too.
        assert_eq!(holding(&["outline of the 14th five-year plan"]), ["plan", "caps"]);
        assert_eq!(holding(&["'Outline of the 14th Five-Year Plan'"]), ["plan", "caps"]);
        // A stretch without letters, and two names read in one pass; the
        // old and the new name of a retitled document share theirs.
        assert_eq!(
            holding(&["Five-Year Plan (2021-2025)", "Five-Year Plan (2021-2025) revised"]),
            ["plan"]
        );
        assert_eq!(
            holding(&["数字中国建设整体布局规划", "Ministry's notice"]),
            ["curly", "chinese"]
        );
        // No name runs from one block into the next; no names, no texts.
        assert_eq!(holding(&["14th Five-Year"]), ["plan", "caps", "split"]);
        assert_eq!(holding(&["Outline of the 14th"]), ["plan", "caps"]);
        assert!(holding(&[]).is_empty());
        assert!(holding(&["  "]).is_empty());
    }

    proptest::proptest! {
        /// A document's citations and mentions replaced in place leave the
        /// graph one made with the new ones has, and give back the old.
        #[test]
        fn replacing_a_document_s_links_makes_the_graph_made_anew(
            found in proptest::collection::vec(proptest::collection::vec((0..5usize, proptest::bool::ANY), 0..6), 5),
            now in proptest::collection::vec((0..5usize, proptest::bool::ANY), 0..6),
            which in 0..5usize,
        ) {
            // Targets 0 and 1 are documents, 2 to 4 entities; no document
            // cites itself.
            let target = |t: usize| if t < 2 { Target::Document(t) } else { Target::Entity(t - 2) };
            let occurrences = |from: DocId, list: &[(usize, bool)]| -> Vec<(Target, Occurrence)> {
                let occurrence = |(n, &(t, in_note)): (usize, &(usize, bool))| {
                    let snippet = Arc::new(Snippet { text: format!("{from} {n}"), marks: Vec::new() });
                    let anchor = format!("p{n}").into();
                    (target(t), Occurrence { from, anchor, snippet, in_note })
                };
                let own = |(_, (t, _)): &(usize, &(usize, bool))| target(*t) == Target::Document(from);
                list.iter().enumerate().filter(|o| !own(o)).map(occurrence).collect()
            };
            let graph = |lists: &[Vec<(usize, bool)>]| {
                aggregate(5, 3, lists.iter().enumerate().map(|(d, l)| occurrences(d, l)).collect())
            };
            let mut links = graph(&found);
            let mut before = links.replace(which, occurrences(which, &now));
            let mut after = found.clone();
            after[which] = now;
            let anew = graph(&after);
            proptest::prop_assert_eq!(&links.cites, &anew.cites);
            proptest::prop_assert_eq!(&links.cites_in_note_only, &anew.cites_in_note_only);
            proptest::prop_assert_eq!(&links.cited_by, &anew.cited_by);
            proptest::prop_assert_eq!(&links.entities_of, &anew.entities_of);
            proptest::prop_assert_eq!(&links.entities_in_note_only, &anew.entities_in_note_only);
            proptest::prop_assert_eq!(&links.mentions_of, &anew.mentions_of);
            // What it named before, by target.
            let old = graph(&found);
            let mut was: Vec<(Target, Vec<Occurrence>)> = Vec::new();
            for (to, list) in old.cited_by.iter().enumerate() {
                was.extend(list.iter().filter(|(f, _)| *f == which).map(|(_, o)| (Target::Document(to), o.clone())));
            }
            for (e, list) in old.mentions_of.iter().enumerate() {
                was.extend(list.iter().filter(|(f, _)| *f == which).map(|(_, o)| (Target::Entity(e), o.clone())));
            }
            before.sort_by_key(|(t, _)| *t);
            proptest::prop_assert_eq!(before, was);
        }

        /// Looked for one by one or in one automaton, a name is found in
        /// a text that holds it in any ASCII case, with either apostrophe.
        #[test]
        fn a_finder_finds_a_name_in_any_case_one_by_one_or_in_one_automaton(
            names in proptest::collection::vec("[aBc' 1-]{1,8}|[dE’中 2]{1,6}", 1..6),
            text in "[aAbBcCdDeE' ’中 12-]{0,40}",
            at in 0..40usize,
            pick in 0..6usize,
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let (few, many) = (Finder::new(&names, FEW_PIECES), Finder::new(&names, 0));
            let none = |f: &Finder| matches!(f, Finder::Few { exact, folded } if exact.is_empty() && folded.is_empty());
            let kinds = (matches!(few, Finder::Few { .. }), matches!(many, Finder::Many(_)) || none(&many));
            proptest::prop_assert_eq!(kinds, (true, true));
            proptest::prop_assert_eq!(few.holds(&text), many.holds(&text));
            // The text with one of the names in it, in other cases and
            // with the other apostrophe.
            let name = names[pick % names.len()];
            // (A name of apostrophes and spaces alone is none.)
            proptest::prop_assume!(name.chars().any(char::is_alphanumeric));
            let name: String = name
                .chars()
                .map(|c| match c {
                    '\'' => '\u{2019}',
                    '\u{2019}' => '\'',
                    c if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
                    c => c.to_ascii_lowercase(),
                })
                .collect();
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let holding = format!("{}{name}{}", &text[..at], &text[at..]);
            proptest::prop_assert!(few.holds(&holding), "{:?} in {:?}", names, holding);
            proptest::prop_assert!(many.holds(&holding), "{:?} in {:?}", names, holding);
        }
    }

    /// The words of each text leave out a text that holds a name's
    /// letters but not as whole words, which the matcher would not find
    /// there either; the text that holds the name stays.
    #[test]
    fn holding_any_with_words_leaves_out_texts_without_the_whole_words() {
        let documents = [
            with_blocks("plans", &["Three Five-Year Plans were drafted."]),
            with_blocks("plan", &["The five-year plan was drafted."]),
        ];
        let name = ["Five-Year Plan"];
        assert_eq!(holding_any(&documents, &name, None), [0, 1]);
        let mut index = crate::analyse::words::Index::default();
        assert_eq!(holding_any(&documents, &name, Some(&mut index)), [1]);
        assert_eq!(holding_any(&documents, &name, Some(&mut index)), [1]);
    }

    /// A document whose text is markdown, as if read from its file.
    fn with_markdown(slug: &str, md: &str) -> Arc<Document> {
        let mut doc = Arc::unwrap_or_clone(with_blocks(slug, &[]));
        doc.text = Text::Markdown(md.to_string());
        doc.fingerprint = crate::hash::of(&(slug, md));
        Arc::new(doc)
    }

    /// Read for every part, a text that holds a name gives the parts that
    /// hold it, numbered as the scan numbers them: a heading, which the
    /// scan does not read, is not counted, and a note's parts come after
    /// the text's. Every part named holds the name, and no other does.
    #[test]
    fn holding_every_part_names_the_parts_the_scan_reads() {
        use crate::content::seed::BlockKind;
        // The first block of `doc` made a heading.
        let headed = |doc: Arc<Document>| {
            let mut doc = Arc::unwrap_or_clone(doc);
            if let Text::Blocks(blocks) = &mut doc.text {
                blocks[0].kind = BlockKind::Heading { level: 2 };
            }
            Arc::new(doc)
        };
        let mut noted = Arc::unwrap_or_clone(with_blocks("noted", &["The Records Bureau met.", "Nothing."]));
        noted.note = Some("A note.\n\nThe *Records Bureau* said so.".to_string());
        let documents = [
            headed(with_blocks(
                "headed",
                &[
                    "Records Bureau",
                    "Nothing here.",
                    "The records bureau met.",
                    "And again: RECORDS BUREAU.",
                ],
            )),
            Arc::new(noted),
            with_markdown(
                "markdown",
                "# Records Bureau\n\nFirst.\n\n- an item of the Records Bureau\n- another",
            ),
            headed(with_blocks("heading only", &["Records Bureau"])),
            with_blocks("none", &["No name at all."]),
        ];
        let name = ["Records Bureau"];
        let mut index = crate::analyse::words::Index::default();
        for words in [None, Some(&mut index)] {
            let found = holding(&documents, &name, words, Look::EveryPart);
            let ids: Vec<DocId> = found.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids, [0, 1, 2], "the heading alone is not read");
            for (id, numbers) in &found {
                let outlines = outlines(&documents[*id]);
                let parts = parts(&documents[*id], &outlines.outlines);
                let holds: Vec<u32> = (0..parts.len() as u32)
                    .filter(|&n| parts[n as usize].text.to_lowercase().contains("records bureau"))
                    .collect();
                assert_eq!(**numbers, *holds, "{}", documents[*id].slug);
            }
            assert_eq!(*found[0].1, [1, 2]);
            assert_eq!(*found[1].1, [0, 3]);
        }
        // Read to the first part that holds one, no part is named.
        let found = holding(&documents, &name, None, Look::Any);
        assert!(found.iter().all(|(_, parts)| parts.is_empty()));
        assert_eq!(found.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [0, 1, 2, 3]);
    }

    /// The matcher reads each piece of a markdown block on its own, so a
    /// name set apart by emphasis or code right after other letters is
    /// found: the words of each text, and the words the plan of names
    /// for some texts reads, are those of the pieces, and keep the text.
    #[test]
    fn words_are_read_piece_by_piece_as_the_matcher_reads_them() {
        let documents = [
            with_markdown("emphasis", "The sub*Records Bureau* met."),
            with_markdown("code", "See `data`Records Bureau notes."),
            with_markdown("none", "The Records Office met."),
        ];
        let name = ["Records Bureau"];
        let (plan, _) = Matcher::plan(vec![("Records Bureau".to_string(), Target::Entity(0))]);
        let matcher = Matcher::build(plan).expect("a name to look for");
        let key_of = |_: Target| Key::Entity("records-bureau".into());
        let finds = |doc: &Document| !scan(0, doc, &alone(Some(&matcher)), &key_of, None).found.is_empty();
        assert!(finds(&documents[0]) && finds(&documents[1]) && !finds(&documents[2]));
        assert_eq!(holding_any(&documents, &name, None), [0, 1]);
        let mut index = crate::analyse::words::Index::default();
        assert_eq!(holding_any(&documents, &name, Some(&mut index)), [0, 1]);
        assert_eq!(holding_any(&documents, &name, Some(&mut index)), [0, 1]);
        let mut looked = crate::hash::Map::default();
        looked.insert(
            name[0].to_string(),
            Looked::new(name[0], Key::Entity("records-bureau".into())),
        );
        let texts: Vec<&Document> = documents.iter().map(|d| &**d).collect();
        let plan = plan_for_texts(&looked, &texts[..2], &|_: &Key| Some(Target::Entity(0))).expect("names");
        assert_eq!(plan.names().len(), 1);
    }

    /// The names a text may hold are those whose words it holds one
    /// after another: a name whose words it holds apart, or lacks, is
    /// left out, and every name it holds is in, whatever its case.
    #[test]
    fn a_plan_for_texts_keeps_the_names_whose_words_they_hold_in_order() {
        let text = with_blocks("t", &["The DATA OFFICE PLAN of 2021, and a plan for the office."]);
        let mut looked = crate::hash::Map::default();
        for name in [
            "data office plan",
            "data office",
            "office plan",
            "the data",
            "plan data",
            "office data",
            "harbour",
            "2021",
            "数字中国",
        ] {
            looked.insert(name.to_string(), Looked::new(name, Key::Entity(name.into())));
        }
        let target_of = |_: &Key| Some(Target::Entity(0));
        let plan = plan_for_texts(&looked, &[&text], &target_of).expect("every key names something");
        let names: Vec<&str> = plan.names().iter().map(|(n, _)| n.as_str()).collect();
        // (A name without words of the kind a word filter tells is kept.)
        assert_eq!(
            names,
            [
                "2021",
                "data office",
                "data office plan",
                "office plan",
                "the data",
                "数字中国"
            ]
        );
        assert!(plan_for_texts(&looked, &[&text], &|_: &Key| None).is_none());
    }
}
