//! Related documents, ranked by what two documents share.
//!
//! A document's related list starts with the slugs its curator listed in
//! `related`, then fills up to `[related] count` with the best-scoring
//! others, leaving out every document it cites (in its text or its note),
//! since the page lists those already. Score = `terms` × shared taxonomy
//! terms + `entities` × shared entities + `citations` × (1 if the other
//! cites it, 1/2 if only in its curator's note) + `time` × closeness in
//! time (1 for the same day, 1/2 a year apart, 1/3 two years...).
//!
//! Candidates come from inverted indexes (term → documents, entity →
//! documents, citations), never from comparing every pair. Within a large
//! term or entity only the documents nearest in the archive's date order are
//! candidates (a window of [`WINDOW`] each side), so the work per document is
//! bounded however large the archive grows.

use std::sync::Arc;

use rayon::prelude::*;

use super::links::Links;
use super::renumber::Renumber;
use super::{DocId, Taxonomy};
use crate::config::RelatedConfig;
use crate::content::Document;
use crate::content::date::PartialDate;

/// How many neighbours on each side of a document a posting list offers.
pub const WINDOW: usize = 40;

/// What the related lists are made from.
pub struct Inputs<'a> {
    pub documents: &'a [Arc<Document>],
    pub by_slug: &'a crate::hash::Map<String, DocId>,
    pub entities: &'a [crate::content::entities::Entity],
    pub taxonomies: &'a [Taxonomy],
    pub links: &'a Links,
    pub config: &'a RelatedConfig,
}

/// The related lists: carried over from what the last build `kept` where
/// [`update`] can (all of them, when nothing they read changed), made anew
/// otherwise. With `keep` (the preview), the lists are kept with what they
/// were made from, for the next build.
pub fn lists(inputs: &Inputs, kept: &mut Option<Kept>, keep: bool) -> Vec<Vec<DocId>> {
    let parts = keep.then(|| parts(inputs.documents, inputs.taxonomies, inputs.links));
    let lists = kept
        .as_ref()
        .zip(parts.as_deref())
        .and_then(|(kept, parts)| update(kept, inputs, parts))
        .unwrap_or_else(|| related(inputs));
    *kept = parts.map(|parts| Kept::new(inputs, parts, lists.clone()));
    lists
}

/// For each document, its related documents, best first.
pub fn related(inputs: &Inputs) -> Vec<Vec<DocId>> {
    let n = inputs.documents.len();
    let context = Context::new(inputs);
    // Jobs small enough to share the work evenly between the cores, large
    // enough that the scratch each job starts with (two arrays the length of
    // the archive) costs little.
    (0..n)
        .into_par_iter()
        .with_max_len((n / 64).max(crate::FINE))
        .map_init(|| Scratch::new(n), |scratch, id| context.one(id, scratch))
        .collect()
}

/// What ranking reads, for every document.
struct Context<'a> {
    documents: &'a [Arc<Document>],
    by_slug: &'a crate::hash::Map<String, DocId>,
    taxonomies: &'a [Taxonomy],
    links: &'a Links,
    config: &'a RelatedConfig,
    /// Each document's [`days`]: read for every candidate, so kept side by
    /// side rather than behind each document's pointer, which at 100,000
    /// documents missed the cache on almost every read.
    days: Vec<Option<f64>>,
}

fn days_of(documents: &[Arc<Document>]) -> Vec<Option<f64>> {
    documents.iter().map(|d| d.date.map(days)).collect()
}

impl<'a> Context<'a> {
    fn new(inputs: &Inputs<'a>) -> Context<'a> {
        Context {
            documents: inputs.documents,
            by_slug: inputs.by_slug,
            taxonomies: inputs.taxonomies,
            links: inputs.links,
            config: inputs.config,
            days: days_of(inputs.documents),
        }
    }

    /// The related list of one document.
    fn one(&self, id: DocId, scratch: &mut Scratch) -> Vec<DocId> {
        let config = self.config;
        // What the page lists as cited is not listed again.
        let cited = &self.links.cites[id];
        let mut chosen: Vec<DocId> = Vec::new();
        for (slug, _) in &self.documents[id].related {
            if let Some(&other) = self.by_slug.get(slug) {
                if other != id && !chosen.contains(&other) && !cited.contains(&other) {
                    chosen.push(other);
                }
            }
        }
        if chosen.len() < config.count {
            let mut ranked = scratch.scores(id, &self.days, self.taxonomies, self.links, config);
            ranked.retain(|(d, _)| !chosen.contains(d) && !cited.contains(d));
            // Best first, ties by document: a total order, so the
            // few wanted are picked out of thousands of candidates
            // without sorting them all.
            let wanted = config.count - chosen.len();
            let best_first = |a: &(DocId, f64), b: &(DocId, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            if ranked.len() > wanted {
                ranked.select_nth_unstable_by(wanted - 1, best_first);
                ranked.truncate(wanted);
            }
            ranked.sort_unstable_by(best_first);
            chosen.extend(ranked.into_iter().map(|(d, _)| d));
        }
        chosen
    }
}

/// What a build of the preview keeps of its related lists, for the next
/// build to compute again only the lists that can have changed.
pub struct Kept {
    settings: String,
    /// The entities' slugs, in order: entity ids mean the same while this
    /// is unchanged.
    entities: u64,
    documents: Vec<Arc<Document>>,
    by_slug: crate::hash::Map<String, DocId>,
    /// Each document's [`part`].
    parts: Vec<u64>,
    entities_of: Vec<Vec<super::EntityId>>,
    lists: Vec<Vec<DocId>>,
}

/// Everything of one document that any related list reads of it, with the
/// documents named by slug: when a document's part is unchanged and no
/// document that changed stands near it in a list of a term or entity,
/// its related list is unchanged (see [`update`]).
fn part(id: DocId, documents: &[Arc<Document>], taxonomies: &[Taxonomy], links: &Links) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    let doc = &documents[id];
    // Its place in every list: the archive's order.
    (&doc.slug, &doc.date, &doc.title).hash(&mut h);
    for (slug, _) in &doc.related {
        slug.hash(&mut h);
    }
    for taxonomy in taxonomies {
        for &term in &taxonomy.terms_of[id] {
            taxonomy.terms[term].name.hash(&mut h);
        }
        h.write_u8(0);
    }
    links.entities_of[id].hash(&mut h);
    for &d in &links.cites[id] {
        documents[d].slug.hash(&mut h);
    }
    h.write_u8(0);
    for (from, occurrences) in &links.cited_by[id] {
        (&documents[*from].slug, occurrences.iter().all(|o| o.in_note)).hash(&mut h);
    }
    h.finish()
}

/// Every document's [`part`].
pub fn parts(documents: &[Arc<Document>], taxonomies: &[Taxonomy], links: &Links) -> Vec<u64> {
    (0..documents.len())
        .into_par_iter()
        .with_max_len(crate::FINE)
        .map(|id| part(id, documents, taxonomies, links))
        .collect()
}

fn entities_hash(entities: &[crate::content::entities::Entity]) -> u64 {
    crate::hash::of(&entities.iter().map(|e| &e.slug).collect::<Vec<_>>())
}

impl Kept {
    /// Keeps the related lists of the archive just built, and its
    /// documents' [`parts`].
    pub fn new(inputs: &Inputs, parts: Vec<u64>, lists: Vec<Vec<DocId>>) -> Kept {
        Kept {
            settings: format!("{:?}", inputs.config),
            entities: entities_hash(inputs.entities),
            documents: inputs.documents.to_vec(),
            by_slug: inputs.by_slug.clone(),
            parts,
            entities_of: inputs.links.entities_of.clone(),
            lists,
        }
    }
}

/// Renumbers the related lists and what `kept` holds of them after
/// documents came or went (see [`super::renumber`]). Each of the `added`
/// documents (by new id) comes with a stand-in for the version kept, and
/// an empty list: its part is unknown, so [`plan`] ranks it and the
/// documents near it. `removed` are the slugs of the documents gone, which
/// no list holds any longer.
pub fn renumber(
    kept: &mut Option<Kept>,
    lists: &mut Vec<Vec<DocId>>,
    map: &Renumber,
    added: &[(DocId, Arc<Document>)],
    removed: &[&str],
) {
    use std::mem::take;
    if lists.len() != map.old_len() {
        *lists = Vec::new();
    } else {
        *lists = map.rows(take(lists));
        lists.iter_mut().for_each(|list| map.ids(list));
    }
    let Some(k) = kept.as_mut().filter(|k| k.documents.len() == map.old_len()) else {
        *kept = None;
        return;
    };
    let mut documents = map.rows(take(&mut k.documents).into_iter().map(Some).collect());
    for (id, doc) in added {
        documents[*id] = Some(doc.clone());
    }
    k.documents = documents.into_iter().flatten().collect();
    if k.documents.len() != map.new_len() {
        *kept = None;
        return;
    }
    map.slugs(
        &mut k.by_slug,
        added.iter().map(|(id, d)| (*id, d.slug.as_str())),
        removed,
    );
    k.parts = map.rows(take(&mut k.parts));
    k.entities_of = map.rows(take(&mut k.entities_of));
    k.lists = map.rows(take(&mut k.lists));
    k.lists.iter_mut().for_each(|list| map.ids(list));
    debug_assert!(k.lists == *lists, "the kept related lists are the archive's");
}

/// The related lists of an archive that differs from the one `kept` was
/// made for by a few documents added, removed or changed (in their
/// dates, titles, terms, entities or citations): the lists of the
/// documents that stand within a window's reach of a changed one in some
/// list of a term or entity are computed again, the others carried over
/// under the documents' new ids. `None` when too much changed to gain by
/// it, or the settings or the entities did.
///
/// Why that suffices: a list is made from the document's own part, and
/// from its candidates: the documents within [`WINDOW`] places of it in
/// the lists of its terms and entities (their part read for the date
/// only), and those that cite it (in its part). Ids follow the archive's
/// order, and the documents kept keep their order among themselves. So a
/// document whose part is unchanged, and which has no changed document
/// (in its old place or its new) within `WINDOW + 1 + changes` places of
/// it in any list, has the same candidates with the same scores, in the
/// same order.
pub fn update(kept: &Kept, inputs: &Inputs, parts: &[u64]) -> Option<Vec<Vec<DocId>>> {
    let &Inputs {
        documents,
        by_slug,
        entities,
        taxonomies,
        links,
        config,
    } = inputs;
    use std::cmp::Ordering;
    if kept.settings != format!("{config:?}") || kept.entities != entities_hash(entities) {
        return None;
    }
    let n = documents.len();
    let old_of: Vec<Option<DocId>> = documents.iter().map(|d| kept.by_slug.get(&d.slug).copied()).collect();
    let changed: Vec<DocId> = (0..n)
        .filter(|&id| old_of[id].is_none_or(|o| kept.parts[o] != parts[id]))
        .collect();
    let removed: Vec<DocId> = (0..kept.documents.len())
        .filter(|&o| !by_slug.contains_key(&kept.documents[o].slug))
        .collect();
    let count = changed.len() + removed.len();
    if count > n / 16 + 1 {
        return None;
    }
    let context = Context::new(inputs);
    let mut affected = vec![false; n];
    let reach = WINDOW + 1 + count;
    let mut mark = |ids: &mut dyn Iterator<Item = DocId>| ids.for_each(|d| affected[d] = true);
    // The changed documents where they stand now.
    for &c in &changed {
        for taxonomy in taxonomies {
            for &term in &taxonomy.terms_of[c] {
                let list = &taxonomy.terms[term].documents;
                mark(&mut near(list, c, reach).iter().copied());
            }
        }
        for &e in &links.entities_of[c] {
            let list = &links.mentions_of[e];
            mark(
                &mut window(list, list.partition_point(|(d, _)| *d < c), reach)
                    .iter()
                    .map(|(d, _)| *d),
            );
        }
    }
    // And where they stood: their old versions, and the documents removed,
    // at the place their old version would take in each list now.
    let olds = changed.iter().filter_map(|&c| old_of[c]).chain(removed.iter().copied());
    for o in olds {
        let old = &kept.documents[o];
        let before = |d: &DocId| super::newest_first(&documents[*d], old) == Ordering::Less;
        for (taxonomy, (_, names)) in taxonomies.iter().zip(&old.terms) {
            for name in names {
                if let Some(term) = taxonomy.terms.iter().find(|t| t.name == *name) {
                    let at = term.documents.partition_point(before);
                    mark(&mut window(&term.documents, at, reach).iter().copied());
                }
            }
        }
        for &e in &kept.entities_of[o] {
            let list = &links.mentions_of[e];
            let at = list.partition_point(|(d, _)| before(d));
            mark(&mut window(list, at, reach).iter().map(|(d, _)| *d));
        }
    }
    // A curated `related` slug that names a document added or removed.
    let came_or_went: std::collections::HashSet<&str> = changed
        .iter()
        .filter(|&&c| old_of[c].is_none())
        .map(|&c| documents[c].slug.as_str())
        .chain(removed.iter().map(|&o| kept.documents[o].slug.as_str()))
        .collect();
    for (id, doc) in documents.iter().enumerate() {
        if doc.related.iter().any(|(slug, _)| came_or_went.contains(slug.as_str())) {
            affected[id] = true;
        }
    }
    for &c in &changed {
        affected[c] = true;
    }
    let lists: Option<Vec<Vec<DocId>>> = (0..n)
        .into_par_iter()
        .with_max_len((n / 64).max(crate::FINE))
        .map_init(
            || None,
            |scratch: &mut Option<Scratch>, id| {
                if affected[id] {
                    return Some(context.one(id, scratch.get_or_insert_with(|| Scratch::new(n))));
                }
                let old = &kept.lists[old_of[id]?];
                old.iter()
                    .map(|&o| by_slug.get(&kept.documents[o].slug).copied())
                    .collect()
            },
        )
        .collect();
    debug_assert!(
        lists.as_ref().is_none_or(|l| *l == related(inputs)),
        "related lists carried over differ from those computed anew"
    );
    lists
}

/// The related lists to compute again after an update in place, found
/// without computing them (see [`plan`]): which documents' parts changed,
/// and which lists may have.
pub struct Due {
    parts: Vec<(DocId, u64)>,
    affected: Vec<DocId>,
}

impl Due {
    /// The documents whose related list may change.
    pub fn affected(&self) -> &[DocId] {
        &self.affected
    }
}

/// How to bring the related lists up to date after the archive was
/// updated in place (the same documents in the same places, as
/// [`super::Archive`]'s update keeps them), from what `k` holds of the last
/// build: `touched` are the documents whose [`part`] may have changed
/// (those replaced, those scanned again, those whose "Cited by" changed).
/// Only the lists of the documents whose part changed, and of those within
/// reach of where one of them joined or left the list of a term or entity,
/// are to be computed again: with the same places, a changed document
/// stood where it stands, and in a list it stayed in, it is the same
/// candidate to the others. `None` when `k` cannot serve (the caller then
/// calls [`lists`]). [`finish`] computes them, now or after the pages that
/// show no related list.
pub fn plan(inputs: &Inputs, k: &Kept, touched: &[DocId], lists: &[Vec<DocId>]) -> Option<Due> {
    let &Inputs {
        documents,
        entities,
        taxonomies,
        links,
        config,
        ..
    } = inputs;
    let n = documents.len();
    let same_places = k.documents.len() == n
        && lists.len() == n
        && touched
            .iter()
            .all(|&id| id < n && k.documents[id].slug == documents[id].slug);
    if !same_places || k.settings != format!("{config:?}") || k.entities != entities_hash(entities) {
        return None;
    }
    let parts: Vec<(DocId, u64)> = touched
        .iter()
        .map(|&id| (id, part(id, documents, taxonomies, links)))
        .collect();
    let changed: Vec<DocId> = parts
        .iter()
        .filter(|&&(id, part)| k.parts[id] != part)
        .map(|&(id, _)| id)
        .collect();
    if changed.len() > n / 16 + 1 {
        return None;
    }
    // The lists of terms and entities each changed document joined or
    // left: only there do the windows of other documents change. In a list
    // it stays in, at the same place and with the same date (an update in
    // place keeps each document's date: see `Document::same_shape`), it is
    // the same candidate to the others.
    let mut moved: Vec<(List, DocId)> = Vec::new();
    for &c in &changed {
        let old = &k.documents[c];
        debug_assert_eq!(old.date, documents[c].date, "a document updated in place kept its date");
        // (Most are scanned again, their terms as they were: looking each
        // name up among thousands of terms took most of the plan.)
        let retermed = !Arc::ptr_eq(old, &documents[c]) && old.terms != documents[c].terms;
        for (t, (taxonomy, (_, names))) in taxonomies.iter().zip(&old.terms).enumerate().filter(|_| retermed) {
            let now = &taxonomy.terms_of[c];
            let before: Vec<usize> = names.iter().filter_map(|name| taxonomy.term_named(name)).collect();
            let joined = now.iter().filter(|term| !before.contains(term));
            let left = before.iter().filter(|term| !now.contains(term));
            moved.extend(joined.chain(left).map(|&term| (List::Term(t, term), c)));
        }
        let (now, before) = (&links.entities_of[c], &k.entities_of[c]);
        let joined = now.iter().filter(|e| !before.contains(e));
        let left = before.iter().filter(|e| !now.contains(e));
        moved.extend(joined.chain(left).map(|&e| (List::Entity(e), c)));
    }
    // A list's places shift by at most as many documents as joined or left
    // it: a document that left is looked for where it would stand now, at
    // most that far from where it stood. Each list's windows are marked
    // once, merged: thousands of documents joining one entity's list
    // have windows thousands of places wide.
    let mut by_list: crate::hash::Map<List, Vec<DocId>> = crate::hash::Map::default();
    for (list, c) in moved {
        by_list.entry(list).or_default().push(c);
    }
    let mut marked = vec![false; n];
    for &c in &changed {
        marked[c] = true;
    }
    for (list, docs) in by_list {
        let reach = WINDOW + 1 + docs.len();
        match list {
            List::Term(t, term) => {
                let list = &taxonomies[t].terms[term].documents;
                let places = docs.iter().map(|&c| list.partition_point(|&d| d < c)).collect();
                mark_near(&mut marked, places, list.len(), reach, |p| list[p]);
            }
            List::Entity(e) => {
                let list = links.mentions_of.get(e).map_or(&[][..], Vec::as_slice);
                let places = docs.iter().map(|&c| list.partition_point(|(d, _)| *d < c)).collect();
                mark_near(&mut marked, places, list.len(), reach, |p| list[p].0);
            }
        }
    }
    let affected: Vec<DocId> = (0..n).filter(|&d| marked[d]).collect();
    Some(Due { parts, affected })
}

/// Marks the documents of a list of `len` places that stand within
/// `reach` places of one of `places`, the list's place `p` holding
/// `id_at(p)`: each place once.
fn mark_near(marked: &mut [bool], mut places: Vec<usize>, len: usize, reach: usize, id_at: impl Fn(usize) -> DocId) {
    places.sort_unstable();
    let mut done = 0;
    for at in places {
        let to = (at + reach + 1).min(len);
        for p in at.saturating_sub(reach).max(done)..to {
            marked[id_at(p)] = true;
        }
        done = done.max(to);
    }
}

/// Computes the lists `due` names and brings `lists` (the last build's,
/// which `kept` holds too) and `kept` up to date, from the archive `due`
/// was planned on; returns the documents whose list changed. `None` when
/// `kept` cannot serve.
pub fn finish(inputs: &Inputs, kept: &mut Option<Kept>, due: Due, lists: &mut [Vec<DocId>]) -> Option<Vec<DocId>> {
    let Due { parts, affected } = due;
    let k = kept.as_mut()?;
    let n = inputs.documents.len();
    if k.lists.len() != n || lists.len() != n {
        return None;
    }
    let context = Context::new(inputs);
    let made: Vec<Vec<DocId>> = affected
        .par_iter()
        .with_max_len((affected.len() / 64).max(crate::FINE))
        .map_init(|| Scratch::new(n), |scratch, &id| context.one(id, scratch))
        .collect();
    debug_assert!(k.lists == lists, "the kept related lists are the last build's");
    let mut moved = Vec::new();
    for (&id, list) in affected.iter().zip(made) {
        if k.lists[id] != list {
            lists[id].clone_from(&list);
            k.lists[id] = list;
            moved.push(id);
        }
    }
    for (id, part) in parts {
        k.parts[id] = part;
        k.documents[id] = inputs.documents[id].clone();
        k.entities_of[id].clone_from(&inputs.links.entities_of[id]);
    }
    debug_assert!(
        k.lists == related(inputs),
        "related lists updated in place differ from those computed anew"
    );
    Some(moved)
}

/// A list that offers candidates: a taxonomy's term (by the taxonomy's
/// place and the term's), or an entity.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum List {
    Term(usize, usize),
    Entity(super::EntityId),
}

/// Per-thread scores indexed by document, so scoring allocates nothing but
/// the list of candidates it touched.
struct Scratch {
    scores: Vec<f64>,
    marked: Vec<bool>,
    touched: Vec<DocId>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            scores: vec![0.0; n],
            marked: vec![false; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, id: DocId, other: DocId, weight: f64) {
        if other == id || weight == 0.0 {
            return;
        }
        if !self.marked[other] {
            self.marked[other] = true;
            self.touched.push(other);
        }
        self.scores[other] += weight;
    }

    /// The candidates of `id` with their scores; leaves the scratch clean.
    fn scores(
        &mut self,
        id: DocId,
        days: &[Option<f64>],
        taxonomies: &[Taxonomy],
        links: &Links,
        config: &RelatedConfig,
    ) -> Vec<(DocId, f64)> {
        for taxonomy in taxonomies {
            for &term in &taxonomy.terms_of[id] {
                for &other in near(&taxonomy.terms[term].documents, id, WINDOW) {
                    self.add(id, other, config.terms);
                }
            }
        }
        for &entity in &links.entities_of[id] {
            let list = &links.mentions_of[entity];
            let at = list.partition_point(|(d, _)| *d < id);
            for &(other, _) in window(list, at, WINDOW) {
                self.add(id, other, config.entities);
            }
        }
        // Only documents that cite this one are left to weigh (those it
        // cites are not listed); a citation in a curator's note only, the
        // archive's commentary rather than the document's reference,
        // weighs half.
        for (other, occurrences) in &links.cited_by[id] {
            let in_note_only = occurrences.iter().all(|o| o.in_note);
            let weight = if in_note_only {
                config.citations / 2.0
            } else {
                config.citations
            };
            self.add(id, *other, weight);
        }
        let day = days[id];
        self.touched
            .drain(..)
            .map(|other| {
                self.marked[other] = false;
                let score = std::mem::take(&mut self.scores[other]);
                (other, score + config.time * closeness(day, days[other]))
            })
            .collect()
    }
}

/// The part of a sorted posting list within `reach` places of `id`.
fn near(postings: &[DocId], id: DocId, reach: usize) -> &[DocId] {
    window(postings, postings.partition_point(|&d| d < id), reach)
}

/// The items of `list` within `reach` places of place `at`.
fn window<T>(list: &[T], at: usize, reach: usize) -> &[T] {
    &list[at.saturating_sub(reach)..(at + reach + 1).min(list.len())]
}

/// 1 for the same day, 1/(1 + years apart) otherwise; 0 without dates.
/// Takes [`days`] of each date.
fn closeness(a: Option<f64>, b: Option<f64>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => 1.0 / (1.0 + (a - b).abs() / 365.25),
        _ => 0.0,
    }
}

/// Approximate day number, placing partial dates mid-period.
fn days(d: PartialDate) -> f64 {
    let month = d.month.map_or(6.5, f64::from);
    let day = d.day.map_or(15.0, f64::from);
    f64::from(d.year) * 365.25 + (month - 1.0) * 30.44 + day
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Windows marked merged mark what each window marks on its own.
        #[test]
        fn merged_windows_mark_what_each_window_marks(
            len in 0..60usize,
            places in proptest::collection::vec(0..61usize, 0..8),
            reach in 0..20usize,
        ) {
            let places: Vec<usize> = places.into_iter().map(|p| p.min(len)).collect();
            let id_at = |p: usize| 2 * p + 1;
            let mut marked = vec![false; 2 * len + 2];
            mark_near(&mut marked, places.clone(), len, reach, id_at);
            let mut each = vec![false; 2 * len + 2];
            let list: Vec<DocId> = (0..len).map(id_at).collect();
            for at in places {
                window(&list, at, reach).iter().for_each(|&d| each[d] = true);
            }
            proptest::prop_assert_eq!(marked, each);
        }
    }

    #[test]
    fn windows_bound_the_candidates() {
        let postings: Vec<DocId> = (0..1000).collect();
        assert_eq!(near(&postings, 500, WINDOW).len(), 2 * WINDOW + 1);
        assert_eq!(near(&postings, 0, WINDOW).len(), WINDOW + 1);
        assert_eq!(near(&[3, 9], 5, WINDOW), &[3, 9]);
    }

    #[test]
    fn closeness_falls_with_years() {
        let d = |s| PartialDate::parse(s).ok().map(days);
        assert_eq!(closeness(d("2021-01-01"), d("2021-01-01")), 1.0);
        let a_year = closeness(d("2021-01-01"), d("2022-01-01"));
        assert!((a_year - 0.5).abs() < 0.01, "{a_year}");
        assert_eq!(closeness(d("2021"), None), 0.0);
    }
}
