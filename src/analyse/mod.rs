//! Analyse: the archive's indexes, built once from the loaded documents.
//!
//! [`Archive`] owns the documents, sorted newest first, and the indexes every
//! page is rendered from: documents by slug, taxonomies with their terms, the
//! timeline, and each document's neighbours in time. Everything here is a
//! pure function of the documents and the config: no I/O, no HTML.

pub mod links;
pub mod mentions;
pub mod related;
pub mod renumber;
pub mod taxonomy;
pub mod timeline;
mod words;

use std::cmp::Ordering;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::date::PartialDate;
use crate::content::entities::Entity;
use crate::content::{Document, Loaded, Partial, Replaced};
use crate::diag::Diagnostic;
pub use links::Links;
use mentions::EntityId;
pub use renumber::Renumber;
pub use taxonomy::{Taxonomy, Term};
pub use timeline::{Timeline, Year};

/// What the analysis keeps between builds (`serve` holds one): document
/// scans for the link graph, the related lists with what each document
/// gave them, and the last archive, which a build that only replaced some
/// documents updates instead of building anew.
#[derive(Default)]
pub struct Cache {
    pub links: links::Cache,
    /// The related lists and what they were made from, kept by the
    /// preview for the next build to carry over what it can.
    kept_related: Option<related::Kept>,
    /// Whether this is the preview's cache, which keeps.
    keep: bool,
    /// Whether an update that changed no document may leave the related
    /// lists for after the pages of what changed (see [`Delta::related_later`]):
    /// the preview's, which writes those pages first, and no document page
    /// among them.
    pub related_later: bool,
    /// The related lists an update left for later, and the config they
    /// are made with: made by [`Cache::last`] or the next update.
    related_due: Option<(RelatedDue, crate::config::RelatedConfig)>,
    /// The last archive built, with a hash of the config it was built with.
    last: Option<(u64, Archive)>,
}

impl Cache {
    /// A cache for a run of builds (the preview's): see
    /// [`links::Cache::keeping`].
    pub fn keeping() -> Cache {
        Cache {
            links: links::Cache::keeping(),
            keep: true,
            ..Cache::default()
        }
    }

    /// Keeps `archive`, built with `config`, for the next build to update.
    pub fn keep(&mut self, archive: Archive, config: &Config) {
        self.last = Some((config.settings_hash(), archive));
    }

    /// The archive of the last build, its related lists made if they
    /// were left for later.
    pub fn last(&mut self) -> Option<&Archive> {
        let (_, archive) = self.last.as_mut()?;
        if let Some(due) = self.related_due.take() {
            archive.finish_related_later(due, &mut self.kept_related);
        }
        self.last.as_ref().map(|(_, archive)| archive)
    }
}

/// Related lists left for later: those a plan names, or every one (more
/// than a sixteenth of the documents changed their part).
enum RelatedDue {
    Planned(related::Due),
    All,
}

/// What changed since the last archive, when the archive was updated
/// rather than built anew: the renderer looks at the pages that can show
/// these changes, and only at them.
#[derive(Debug, Default)]
pub struct Delta {
    /// Documents whose files changed (same slug, same place in the
    /// archive's order; their terms may differ: see `terms`).
    pub changed: Vec<DocId>,
    /// Documents whose "Cited by" list changed.
    pub cited: Vec<DocId>,
    /// Entities whose list of mentions changed.
    pub mentioned: Vec<EntityId>,
    /// Entities mentioned by more or fewer documents than before.
    pub counted: Vec<EntityId>,
    /// Documents not replaced whose links changed: a name they hold now
    /// names another document, or nothing.
    pub rescanned: Vec<DocId>,
    /// Documents whose related list changed; with `related_later`, those
    /// whose list may change.
    pub related: Vec<DocId>,
    /// Whether the related lists are left for later: made once the pages
    /// of what changed (which show no related list) are written, by
    /// [`Archive::finish_related_now`] or [`Cache::last`]. Until then the
    /// archive holds the last build's.
    pub related_later: bool,
    /// Entities whose description alone changed (in `content/entities.toml`):
    /// their pages and search records show it, nothing else does.
    pub described: Vec<EntityId>,
    /// Whether anything `graph.json` shows changed.
    pub graph: bool,
    /// Terms that gained or lost a document, as (taxonomy, term), new
    /// ones among them.
    pub terms: Vec<(usize, usize)>,
    /// The new terms among `terms`: their pages are new, and the terms
    /// after them in their taxonomy moved up one place (their slugs, and
    /// so their pages, stay).
    pub terms_added: Vec<(usize, usize)>,
    /// Whether the terms were built anew (a term lost its last document,
    /// or a new one would change another's slug): their places moved, and
    /// pages go, which only a whole render handles.
    pub terms_reshaped: bool,
    /// When documents came or went, where each document of the last
    /// archive went: every id after the first of them moved. The ids of
    /// the other fields are those of the archive now.
    pub renumbered: Option<Arc<Renumber>>,
    /// The documents new to the archive, among `changed`.
    pub added: Vec<DocId>,
    /// The documents gone from the archive.
    pub removed: Vec<Gone>,
}

/// A document gone from the archive, for the renderer to tell the pages
/// that showed it.
#[derive(Debug, Clone)]
pub struct Gone {
    pub slug: String,
    pub date: Option<PartialDate>,
    /// Its place: the id of the document after it now (the number of
    /// documents before it).
    pub at: DocId,
}

/// An updated archive, its warnings, and what changed in it.
type Updated = (Archive, Vec<Diagnostic>, Delta);

/// Index of a document in [`Archive::documents`].
pub type DocId = usize;

/// The analysed archive.
pub struct Archive {
    /// Newest first; undated documents last, by title. (Shared, so that
    /// the preview's thread that plans the names for later takes the list
    /// without a copy: see [`links::update`]; an update that finds it
    /// shared still copies it.)
    pub documents: Arc<Vec<Arc<Document>>>,
    pub entities: Vec<Entity>,
    pub by_slug: crate::hash::Map<String, DocId>,
    pub taxonomies: Vec<Taxonomy>,
    pub timeline: Timeline,
    /// For each document: (older, newer) neighbour among dated documents.
    pub neighbours: Vec<(Option<DocId>, Option<DocId>)>,
    pub links: Links,
    /// For each document, its related documents, best first.
    pub related: Vec<Vec<DocId>>,
}

impl Archive {
    /// Analyses loaded documents. `root` is read only to quote the lines of
    /// errors (a link to a document that does not exist, say).
    ///
    /// When the load only replaced documents by others of the same shape
    /// (see [`Document::same_shape`]) and the config and entities are those
    /// of the last archive in `cache` (but for entities' descriptions, which
    /// no analysis reads, and their other names: see [`entity_edits`]),
    /// that archive is updated in place and the [`Delta`] says what
    /// changed; otherwise the archive is built anew, from every document
    /// (`every` lists them when the load did not: see [`Loaded::documents`]).
    pub fn new(
        root: &Path,
        loaded: Loaded,
        config: &Config,
        cache: &mut Cache,
        every: impl FnOnce() -> Vec<Arc<Document>>,
    ) -> Result<(Archive, Vec<Diagnostic>, Option<Delta>), Vec<Diagnostic>> {
        // (Related lists left for later are made first; left for an
        // archive not kept, they are dropped with it.)
        cache.last();
        cache.related_due = None;
        let last = cache.last.take();
        if let (Some(replaced), Some((hash, mut last))) = (&loaded.replaced, last) {
            let edits = entity_edits(&last.entities, &loaded.entities, &last.documents);
            if let (true, Some((mut described, renamed))) = (hash == config.settings_hash(), edits) {
                let renamed: Vec<(EntityId, Entity)> =
                    renamed.into_iter().map(|e| (e, last.entities[e].clone())).collect();
                last.entities.clone_from(&loaded.entities);
                if let Some((archive, warnings, mut delta)) = last.update(root, replaced, config, cache, &renamed)? {
                    // An entity's pages and search record show its other
                    // names, as they show its description.
                    described.extend(renamed.iter().map(|(e, _)| *e));
                    described.sort_unstable();
                    described.dedup();
                    delta.described = described;
                    return Ok((archive, warnings, Some(delta)));
                }
            }
        }
        let documents = loaded.documents.unwrap_or_else(every);
        let (archive, warnings) = Archive::build(root, documents, loaded.entities, config, cache)?;
        Ok((archive, warnings, None))
    }

    fn build(
        root: &Path,
        documents: Vec<Arc<Document>>,
        entities: Vec<Entity>,
        config: &Config,
        cache: &mut Cache,
    ) -> Result<(Archive, Vec<Diagnostic>), Vec<Diagnostic>> {
        // Errors stop the build here; the caller reports them from an
        // analysis of what loaded (see `partial`), drafts named and all.
        let (none_absent, no_drafts) = (std::collections::HashSet::new(), Vec::new());
        let elsewhere = links::Elsewhere {
            absent: &none_absent,
            drafts: &no_drafts,
        };
        let (archive, warnings, errors) = Archive::assemble(root, documents, entities, config, elsewhere, cache);
        if errors.is_empty() {
            Ok((archive, warnings))
        } else {
            Err(errors)
        }
    }

    /// Analyses what a failed load did read, for the errors that only the
    /// analysis finds (links to documents that do not exist, say) and for
    /// rendering, so that one run reports every problem. References to the
    /// slugs the failed files may hold are not errors here.
    pub fn partial(root: &Path, partial: Partial, config: &Config, cache: &mut Cache) -> (Archive, Vec<Diagnostic>) {
        let elsewhere = links::Elsewhere {
            absent: &partial.absent,
            drafts: &partial.drafts,
        };
        let (archive, _, errors) =
            Archive::assemble(root, partial.documents, partial.entities, config, elsewhere, cache);
        (archive, errors)
    }

    /// The archive, its warnings and its errors.
    fn assemble(
        root: &Path,
        mut documents: Vec<Arc<Document>>,
        entities: Vec<Entity>,
        config: &Config,
        elsewhere: links::Elsewhere,
        cache: &mut Cache,
    ) -> (Archive, Vec<Diagnostic>, Vec<Diagnostic>) {
        let mut timings = crate::Timings::new();
        sort_newest_first(&mut documents);
        let by_slug: crate::hash::Map<String, DocId> =
            documents.iter().enumerate().map(|(i, d)| (d.slug.clone(), i)).collect();
        timings.lap("  analyse: sort the documents");
        // The indexes are each built on one thread; they run beside the
        // link graph, which keeps every thread busy scanning texts.
        let indexes = || {
            let mut timings = crate::Timings::new();
            let taxonomies = Taxonomy::build_all(&config.taxonomies, &documents);
            let timeline = Timeline::build(&documents);
            let neighbours = timeline.neighbours(documents.len());
            let indexes = (taxonomies, timeline, neighbours);
            timings.lap("    analyse: taxonomies and timeline");
            indexes
        };
        let graph = || {
            let mut timings = crate::Timings::new();
            let built = links::build(
                root,
                &documents,
                &entities,
                &by_slug,
                links_settings(config),
                elsewhere,
                &mut cache.links,
            );
            timings.lap("    analyse: links");
            built
        };
        let (
            (taxonomies, timeline, neighbours),
            links::Built {
                links,
                warnings,
                errors,
            },
        ) = rayon::join(indexes, graph);
        timings.lap("  analyse: taxonomies and timeline beside the links");
        let related_inputs = related::Inputs {
            documents: &documents,
            by_slug: &by_slug,
            entities: &entities,
            taxonomies: &taxonomies,
            links: &links,
            config: &config.related,
        };
        let related = related::lists(&related_inputs, &mut cache.kept_related, cache.keep);
        timings.lap("  analyse: related documents");
        let archive = Archive {
            documents: Arc::new(documents),
            entities,
            by_slug,
            taxonomies,
            timeline,
            neighbours,
            links,
            related,
        };
        (archive, warnings, errors)
    }

    /// Puts `replaced` in the places of the documents with their slugs,
    /// when each has the same shape as the document it replaces, and the
    /// documents added and removed in and out of theirs; `None` when one
    /// does not fit, or the caches cannot serve.
    ///
    /// A document added or removed moves every id after it: the archive
    /// and the caches are renumbered (see [`renumber`]). A document added
    /// stands for one with its slug and no names, text or terms that it
    /// replaces; one removed is replaced by such a stand-in, which goes
    /// once the links are updated: so that the names looked for and the
    /// terms change as for any replaced document.
    fn update(
        mut self,
        root: &Path,
        replaced: &Replaced,
        config: &Config,
        cache: &mut Cache,
        renamed_entities: &[(EntityId, Entity)],
    ) -> Result<Option<Updated>, Vec<Diagnostic>> {
        let mut timings = crate::Timings::new();
        let mut changed = Vec::with_capacity(replaced.documents.len());
        for doc in &replaced.documents {
            match self.by_slug.get(&doc.slug) {
                Some(&id) if self.documents[id].same_shape(doc) => changed.push(id),
                _ => return Ok(None),
            }
        }
        let renumbered = !replaced.added.is_empty() || !replaced.removed.is_empty();
        let Some(mut gone) = replaced
            .removed
            .iter()
            .map(|slug| self.by_slug.get(slug).copied())
            .collect::<Option<Vec<DocId>>>()
        else {
            return Ok(None);
        };
        // A slug taken (or given back in the same change), a document
        // both edited and renamed among others, names of entities
        // changed beside: built anew.
        let retitled = |(&id, doc): (&DocId, &Arc<Document>)| self.documents[id].title != doc.title;
        if renumbered
            && (!renamed_entities.is_empty()
                || replaced.added.iter().any(|d| self.by_slug.contains_key(&d.slug))
                || changed.iter().zip(&replaced.documents).any(retitled))
        {
            return Ok(None);
        }
        let mut old: Vec<Arc<Document>> = changed.iter().map(|&id| self.documents[id].clone()).collect();
        for (&id, doc) in changed.iter().zip(&replaced.documents) {
            Arc::make_mut(&mut self.documents)[id] = doc.clone();
        }
        // A new title may move a document among those of its date (or
        // among the undated, ordered by title): then every id after it
        // moves, and only a whole build will do.
        let in_order = |id: DocId| {
            let doc = &self.documents[id];
            let before = id.checked_sub(1).map(|i| &self.documents[i]);
            let after = self.documents.get(id + 1);
            before.is_none_or(|b| newest_first(b, doc) == Ordering::Less)
                && after.is_none_or(|a| newest_first(doc, a) == Ordering::Less)
        };
        if !changed.iter().all(|&id| in_order(id)) {
            return Ok(None);
        }
        let mut inserted: Option<Arc<Renumber>> = None;
        // The documents removed, by their ids while their stand-ins stand.
        let mut old_gone: Vec<(DocId, Arc<Document>)> = Vec::new();
        if renumbered {
            // The new documents in their places, each replacing a
            // stand-in; and a stand-in in the place of each one removed.
            if !replaced.added.is_empty() {
                let Some((map, ids)) = self.insert(&replaced.added, cache) else {
                    return Ok(None);
                };
                inserted = Some(map.clone());
                changed.iter_mut().chain(&mut gone).for_each(|id| *id = map.id(*id));
                for (id, doc) in ids.into_iter().zip(&replaced.added) {
                    old.push(stand_in(doc));
                    changed.push(id);
                }
            }
            for &id in &gone {
                let stand_in = stand_in(&self.documents[id]);
                let doc = std::mem::replace(&mut Arc::make_mut(&mut self.documents)[id], stand_in);
                old_gone.push((id, doc.clone()));
                old.push(doc);
                changed.push(id);
            }
            timings.lap("  analyse: documents added in their places");
        }
        // Documents that changed terms move between the terms' lists; a
        // term that comes or goes moves every term after it, and the
        // taxonomies are built anew.
        let retermed: Vec<DocId> = changed
            .iter()
            .zip(&old)
            .filter(|(id, old)| self.documents[**id].terms != old.terms)
            .map(|(&id, _)| id)
            .collect();
        let moved_terms = self.move_terms(&retermed, config);
        if !retermed.is_empty() {
            timings.lap("  analyse: documents moved between terms");
        }
        let links = std::mem::take(&mut self.links);
        let update = links::update(
            root,
            links,
            &self.documents,
            &self.entities,
            &self.by_slug,
            &changed,
            &old,
            renamed_entities,
            links_settings(config),
            &mut cache.links,
        )?;
        let Some((links, warnings, found)) = update else {
            return Ok(None);
        };
        self.links = links;
        timings.lap("  analyse: links");
        // The stand-ins of the documents removed go, unless a document still
        // links to one or lists it as related: a whole build reports that.
        let cited = gone.iter().any(|&id| !self.links.cited_by[id].is_empty());
        let listed = |d: &Arc<Document>| d.related.iter().any(|(slug, _)| replaced.removed.contains(slug));
        if renumbered && (cited || self.documents.iter().any(listed)) {
            return Ok(None);
        }
        // graph.json labels each document with its title. (Its summary
        // changes with it, which brings every list that shows it.)
        let retitled = changed
            .iter()
            .zip(&old)
            .any(|(&id, old)| self.documents[id].title != old.title);
        let mut delta = Delta {
            graph: found.outward || found.counts || retitled,
            changed,
            cited: found.cited,
            mentioned: found.mentioned,
            counted: found.counted,
            rescanned: found.rescanned,
            related: Vec::new(),
            related_later: false,
            described: Vec::new(),
            terms: moved_terms.terms,
            terms_added: moved_terms.added,
            terms_reshaped: moved_terms.reshaped,
            renumbered: None,
            added: Vec::new(),
            removed: Vec::new(),
        };
        // The related lists read the links and the terms (and a document
        // added or removed has a list, or had).
        if found.outward || !retermed.is_empty() || renumbered {
            // The documents whose part of a related list may have changed.
            let mut touched: Vec<DocId> = delta
                .changed
                .iter()
                .chain(&delta.cited)
                .chain(&delta.rescanned)
                .copied()
                .collect();
            touched.sort_unstable();
            touched.dedup();
            let inputs = self.related_inputs(&config.related);
            let due =
                (cache.kept_related.as_ref()).and_then(|kept| related::plan(&inputs, kept, &touched, &self.related));
            let kept = &mut cache.kept_related;
            // No document changed: the pages written first are those of
            // entities, which show no related list, and the lists are made
            // after them (every document's page waits for them when every
            // list is made again).
            let later = cache.related_later && delta.changed.is_empty() && kept.is_some();
            delta.related_later = later;
            delta.related = match due {
                Some(due) if later => {
                    let affected = due.affected().to_vec();
                    cache.related_due = Some((RelatedDue::Planned(due), config.related.clone()));
                    affected
                }
                None if later => {
                    cache.related_due = Some((RelatedDue::All, config.related.clone()));
                    (0..self.documents.len()).collect()
                }
                due => self.make_related(due, &config.related, kept, cache.keep),
            };
            delta.graph |= !delta.related.is_empty();
            timings.lap("  analyse: related documents");
        }
        if renumbered {
            gone.sort_unstable();
            let removed = (!gone.is_empty()).then(|| self.remove(&gone, &replaced.removed, cache));
            let map = match (inserted, removed.clone()) {
                (Some(a), Some(b)) => Arc::new(a.then(&b)),
                (Some(map), None) | (None, Some(map)) => map,
                // (Not reached: something came or went.)
                (None, None) => Arc::new(Renumber::removing(self.documents.len(), &[])),
            };
            let added: Vec<DocId> = replaced
                .added
                .iter()
                .filter_map(|d| self.by_slug.get(&d.slug).copied())
                .collect();
            let dated: Vec<(DocId, Option<PartialDate>)> =
                added.iter().map(|&id| (id, self.documents[id].date)).collect();
            self.timeline.renumber(&map, &dated);
            self.neighbours = self.timeline.neighbours(self.documents.len());
            debug_assert!(
                self.timeline == Timeline::build(&self.documents),
                "the timeline renumbered is the timeline built"
            );
            timings.lap("  analyse: documents removed, timeline renumbered");
            // The ids of the delta are those of the archive before the
            // stand-ins went.
            if let Some(removed) = &removed {
                for list in [
                    &mut delta.changed,
                    &mut delta.cited,
                    &mut delta.rescanned,
                    &mut delta.related,
                ] {
                    removed.ids(list);
                }
            }
            old_gone.sort_unstable_by_key(|(id, _)| *id);
            delta.removed = old_gone
                .iter()
                .map(|(id, doc)| Gone {
                    slug: doc.slug.clone(),
                    date: doc.date,
                    at: removed.as_ref().map_or(*id, |r| r.place(*id)),
                })
                .collect();
            delta.renumbered = Some(map);
            delta.added = added;
            delta.graph = true;
        }
        Ok(Some((self, warnings, delta)))
    }

    /// Makes the related lists an update left for later (see
    /// [`Delta::related_later`]), if it did.
    pub fn finish_related_now(&mut self, cache: &mut Cache) {
        if let Some(due) = cache.related_due.take() {
            self.finish_related_later(due, &mut cache.kept_related);
        }
    }

    fn finish_related_later(
        &mut self,
        (due, config): (RelatedDue, crate::config::RelatedConfig),
        kept: &mut Option<related::Kept>,
    ) {
        let mut timings = crate::Timings::new();
        let due = match due {
            RelatedDue::Planned(due) => Some(due),
            RelatedDue::All => None,
        };
        self.make_related(due, &config, kept, true);
        timings.lap("related documents, after the pages of what changed");
    }

    /// Makes the related lists `due` names (see [`related::finish`]), or,
    /// without a plan or where it cannot be followed, every list (carried
    /// over where `kept` can); returns the documents whose list changed.
    fn make_related(
        &mut self,
        due: Option<related::Due>,
        config: &crate::config::RelatedConfig,
        kept: &mut Option<related::Kept>,
        keep: bool,
    ) -> Vec<DocId> {
        if let Some(due) = due {
            let mut lists = std::mem::take(&mut self.related);
            let moved = related::finish(&self.related_inputs(config), kept, due, &mut lists);
            self.related = lists;
            if let Some(moved) = moved {
                return moved;
            }
        }
        let related = related::lists(&self.related_inputs(config), kept, keep);
        let moved = (0..related.len())
            .filter(|&d| self.related.get(d) != Some(&related[d]))
            .collect();
        self.related = related;
        moved
    }

    fn related_inputs<'a>(&'a self, config: &'a crate::config::RelatedConfig) -> related::Inputs<'a> {
        related::Inputs {
            documents: &self.documents,
            by_slug: &self.by_slug,
            entities: &self.entities,
            taxonomies: &self.taxonomies,
            links: &self.links,
            config,
        }
    }
}

impl Archive {
    /// Puts the `added` documents in their places in the archive's order,
    /// and renumbers the archive and the caches. Returns the renumbering
    /// and the new documents' ids (in the order of `added`); `None` when
    /// the caches cannot be renumbered (then only a whole build will do).
    fn insert(&mut self, added: &[Arc<Document>], cache: &mut Cache) -> Option<(Arc<Renumber>, Vec<DocId>)> {
        let mut order: Vec<usize> = (0..added.len()).collect();
        order.sort_by(|&a, &b| newest_first(&added[a], &added[b]));
        // Each one's place: after the documents before it, and after the
        // new ones before it.
        let mut ids = vec![0; added.len()];
        for (k, &a) in order.iter().enumerate() {
            ids[a] = k + self
                .documents
                .partition_point(|d| newest_first(d, &added[a]) == Ordering::Less);
        }
        let mut ascending = ids.clone();
        ascending.sort_unstable();
        let map = Arc::new(Renumber::inserting(self.documents.len(), &ascending));
        let slugs: Vec<(DocId, &str)> = ids.iter().zip(added).map(|(&id, d)| (id, d.slug.as_str())).collect();
        if !cache.links.renumber(&map, &slugs, &[]) {
            return None;
        }
        let last = std::mem::take(Arc::make_mut(&mut self.documents));
        let mut documents = map.rows(last.into_iter().map(Some).collect());
        for (&id, doc) in ids.iter().zip(added) {
            documents[id] = Some(doc.clone());
        }
        self.documents = Arc::new(documents.into_iter().flatten().collect());
        debug_assert_eq!(self.documents.len(), map.new_len(), "every place filled");
        self.renumber(&map, &slugs, &[]);
        let stand_ins: Vec<(DocId, Arc<Document>)> = ids.iter().zip(added).map(|(&id, d)| (id, stand_in(d))).collect();
        related::renumber(&mut cache.kept_related, &mut self.related, &map, &stand_ins, &[]);
        Some((map, ids))
    }

    /// Takes the documents at `gone` (ascending), whose slugs are `slugs`,
    /// out of the archive, and renumbers the archive and the caches; returns
    /// the renumbering. The timeline and neighbours are left to the caller.
    fn remove(&mut self, gone: &[DocId], slugs: &[String], cache: &mut Cache) -> Arc<Renumber> {
        let map = Arc::new(Renumber::removing(self.documents.len(), gone));
        let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
        // When the matcher is in use elsewhere, the cache drops it, and
        // the next build that scans a text makes one.
        cache.links.renumber(&map, &[], &slugs);
        let mut old = 0..;
        Arc::make_mut(&mut self.documents).retain(|_| map.get(old.next().unwrap_or_default()).is_some());
        self.renumber(&map, &[], &slugs);
        related::renumber(&mut cache.kept_related, &mut self.related, &map, &[], &slugs);
        map
    }

    /// Renumbers the indexes built from the documents' order (but the
    /// timeline and neighbours, which the caller makes again, and the
    /// related lists, which go with the cache's: see
    /// [`related::renumber`]) after documents came or went: `added` are the
    /// new ones, by new id, and `removed` the slugs of those gone.
    fn renumber(&mut self, map: &Renumber, added: &[(DocId, &str)], removed: &[&str]) {
        map.slugs(&mut self.by_slug, added.iter().copied(), removed);
        for taxonomy in &mut self.taxonomies {
            for term in &mut taxonomy.terms {
                map.ids(&mut term.documents);
            }
            taxonomy.terms_of = map.rows(std::mem::take(&mut taxonomy.terms_of));
        }
        self.links.renumber(map);
    }

    /// Puts each of the `retermed` documents in the lists of the terms it
    /// names now. Returns the terms whose lists changed, as (taxonomy,
    /// term); or, when a term came or went and the taxonomies were built
    /// anew, no terms and `true`.
    fn move_terms(&mut self, retermed: &[DocId], config: &Config) -> Moved {
        let n = self.taxonomies.len();
        let (mut moved, mut added) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let in_place = retermed.iter().all(|&id| {
            let doc = self.documents[id].clone();
            doc.terms.len() == n
                && self
                    .taxonomies
                    .iter_mut()
                    .zip(&doc.terms)
                    .zip(moved.iter_mut().zip(added.iter_mut()))
                    .all(|((taxonomy, (_, names)), (moved, added))| taxonomy.move_document(id, names, moved, added))
        });
        if !in_place {
            self.taxonomies = Taxonomy::build_all(&config.taxonomies, &self.documents);
            return Moved {
                reshaped: true,
                ..Moved::default()
            };
        }
        // By name until now: a term added moves the terms after it.
        let indexes = |names: Vec<Vec<String>>| -> Vec<(usize, usize)> {
            let mut terms: Vec<(usize, usize)> = names
                .into_iter()
                .enumerate()
                .flat_map(|(t, names)| {
                    let taxonomy = &self.taxonomies[t];
                    names
                        .into_iter()
                        .filter_map(move |name| Some((t, taxonomy.term_named(&name)?)))
                })
                .collect();
            terms.sort_unstable();
            terms.dedup();
            terms
        };
        Moved {
            terms: indexes(moved),
            added: indexes(added),
            reshaped: false,
        }
    }
}

/// A document with `doc`'s slug and place in the archive's order, and no
/// names, text, terms or related documents: what a document added
/// replaces, and what replaces one removed, while the links and terms are
/// updated (see [`Archive::update`]). Its fingerprint is its own, so that
/// no scan of it is taken for one of `doc`.
fn stand_in(doc: &Arc<Document>) -> Arc<Document> {
    let mut stand_in = Document::clone(doc);
    stand_in.title = String::new();
    stand_in.cited_as = Vec::new();
    stand_in.text = crate::content::Text::None;
    stand_in.note = None;
    stand_in.related = Vec::new();
    stand_in.terms.iter_mut().for_each(|(_, names)| names.clear());
    stand_in.fingerprint = crate::hash::of(&("stand-in", doc.fingerprint));
    Arc::new(stand_in)
}

/// What [`Archive::move_terms`] did: the terms whose documents changed,
/// those of them that are new, as (taxonomy, term); or that terms were
/// built anew.
#[derive(Default)]
struct Moved {
    terms: Vec<(usize, usize)>,
    added: Vec<(usize, usize)>,
    reshaped: bool,
}

/// The entities of `new` whose description differs from `old`'s, and
/// those whose other names do, when that is all that differs (the same
/// entities in the same order, with the same slugs, names and kinds);
/// `None` otherwise. `None` too when a name that comes or goes is an
/// author's or translator's of one of `documents`: their citations say
/// whether such a name is a person's or an organisation's from the
/// entities.
fn entity_edits(old: &[Entity], new: &[Entity], documents: &[Arc<Document>]) -> Option<(Vec<EntityId>, Vec<EntityId>)> {
    let same = |a: &Entity, b: &Entity| (&a.slug, &a.name, &a.kind) == (&b.slug, &b.name, &b.kind);
    if old.len() != new.len() || !old.iter().zip(new).all(|(a, b)| same(a, b)) {
        return None;
    }
    let described = (0..new.len())
        .filter(|&e| old[e].description != new[e].description)
        .collect();
    let renamed: Vec<EntityId> = (0..new.len())
        .filter(|&e| old[e].other_names != new[e].other_names)
        .collect();
    let changed_names: std::collections::HashSet<&str> = renamed
        .iter()
        .flat_map(|&e| {
            let (was, is) = (&old[e].other_names, &new[e].other_names);
            let gone = was.iter().filter(move |n| !is.contains(n));
            let added = is.iter().filter(move |n| !was.contains(n));
            gone.chain(added).map(String::as_str)
        })
        .collect();
    let credited = |d: &Arc<Document>| {
        d.authors
            .iter()
            .chain(&d.translators)
            .any(|name| changed_names.contains(name.as_str()))
    };
    if !changed_names.is_empty() && documents.iter().any(credited) {
        return None;
    }
    Some((described, renamed))
}

/// What the link graph needs from the config.
fn links_settings(config: &Config) -> links::Settings {
    links::Settings {
        detect_mentions: config.links.detect_mentions,
        unsafe_html: config.markdown.unsafe_html,
    }
}

/// Orders documents newest first; undated ones last; ties by title, then slug.
pub fn newest_first(a: &Document, b: &Document) -> Ordering {
    newest_first_key(a).cmp(&newest_first_key(b))
}

/// What [`newest_first`] compares: `Reverse` puts the later date first,
/// and a date before none.
fn newest_first_key(d: &Document) -> (std::cmp::Reverse<Option<PartialDate>>, &str, &str) {
    (std::cmp::Reverse(d.date), d.title.as_str(), d.slug.as_str())
}

/// Sorts `documents` as [`newest_first`] orders them. The comparisons read
/// keys laid out side by side, not each document through its pointer: at
/// 100,000 documents, sorting the documents themselves took some 0.2 s of
/// CPU in every preview rebuild that adds or removes one, most of it
/// spent waiting on memory.
fn sort_newest_first(documents: &mut Vec<Arc<Document>>) {
    let order: Vec<usize> = {
        let mut keyed: Vec<_> = documents
            .iter()
            .enumerate()
            .map(|(i, d)| (newest_first_key(d), i))
            .collect();
        // Slugs are unique, so no two keys are equal, and an unstable
        // sort gives the one order.
        keyed.par_sort_unstable();
        keyed.into_iter().map(|(.., i)| i).collect()
    };
    let mut slots: Vec<Option<Arc<Document>>> = std::mem::take(documents).into_iter().map(Some).collect();
    *documents = order
        .into_iter()
        .map(|i| slots[i].take().expect("each place once"))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(slug: &str, title: &str, date: Option<&str>) -> Arc<Document> {
        let mut doc = links::tests::with_blocks(slug, &[]);
        let d = Arc::get_mut(&mut doc).expect("just made");
        d.title = title.into();
        d.date = date.map(|d| PartialDate::parse(d).expect("a date"));
        doc
    }

    /// The keyed sort puts documents in `newest_first`'s order: later
    /// dates first, a day before its month and its year, undated last,
    /// then by title and slug.
    #[test]
    fn documents_are_sorted_newest_first_then_by_title_and_slug() {
        let documents = vec![
            dated("a", "Zeta", None),
            dated("b", "Alpha", Some("2021-03-01")),
            dated("c", "Alpha", Some("2021-03")),
            dated("d", "Beta", Some("2024")),
            dated("e", "Alpha", Some("2021-03-01")),
            dated("f", "Alpha", None),
            dated("g", "Gamma", Some("2021")),
            dated("h", "Alpha", Some("2024-12-31")),
        ];
        let mut expected = documents.clone();
        expected.sort_by(|a, b| newest_first(a, b));
        let mut sorted = documents;
        sort_newest_first(&mut sorted);
        let slugs = |docs: &[Arc<Document>]| docs.iter().map(|d| d.slug.clone()).collect::<Vec<_>>();
        assert_eq!(slugs(&sorted), slugs(&expected));
        assert_eq!(slugs(&sorted), ["h", "d", "b", "e", "c", "g", "f", "a"]);
    }

    /// A timeline renumbered after documents went and came (a new year at
    /// each end, a new month, an undated one) is the one built from the
    /// documents after, neighbours and all.
    #[test]
    fn a_renumbered_timeline_is_the_one_built_after() {
        let make = |dates: &[Option<&str>]| -> Vec<Arc<Document>> {
            (dates.iter().enumerate())
                .map(|(i, d)| dated(&format!("d{i}"), &format!("T{i}"), *d))
                .collect()
        };
        let before = make(&[
            Some("2022-03-01"),
            Some("2022-03"),
            Some("2022"),
            Some("2021-12-05"),
            Some("2021-01-01"),
            None,
        ]);
        let after = make(&[
            Some("2023-05-01"),
            Some("2022-03-01"),
            Some("2022-01-10"),
            Some("2022"),
            Some("2021-12-05"),
            Some("2020"),
            None,
            None,
        ]);
        let mut timeline = Timeline::build(&before);
        let map = Renumber::removing(6, &[1, 4]).then(&Renumber::inserting(4, &[0, 2, 5, 7]));
        let added: Vec<(DocId, Option<PartialDate>)> = [0, 2, 5, 7].iter().map(|&id| (id, after[id].date)).collect();
        timeline.renumber(&map, &added);
        assert_eq!(timeline, Timeline::build(&after));
        let neighbours = timeline.neighbours(after.len());
        assert_eq!(neighbours[0], (Some(1), None));
        assert_eq!(neighbours[2], (Some(3), Some(1)));
        assert_eq!(neighbours[5], (None, Some(4)));
        assert_eq!(neighbours[7], (None, None));
    }
}
