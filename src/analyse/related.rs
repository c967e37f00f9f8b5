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
use super::{DocId, Taxonomy};
use crate::config::RelatedConfig;
use crate::content::Document;
use crate::content::date::PartialDate;

/// How many neighbours on each side of a document a posting list offers.
pub const WINDOW: usize = 40;

/// For each document, its related documents, best first.
pub fn related(
    documents: &[Arc<Document>],
    by_slug: &crate::hash::Map<String, DocId>,
    taxonomies: &[Taxonomy],
    links: &Links,
    config: &RelatedConfig,
) -> Vec<Vec<DocId>> {
    let entity_docs: Vec<Vec<DocId>> = links
        .mentions_of
        .iter()
        .map(|m| m.iter().map(|(d, _)| *d).collect())
        .collect();
    let n = documents.len();
    // Read for every candidate: kept side by side rather than behind each
    // document's pointer, which at 100,000 documents missed the cache on
    // almost every read.
    let days: Vec<Option<f64>> = documents.iter().map(|d| d.date.map(days)).collect();
    // Jobs small enough to share the work evenly between the cores, large
    // enough that the scratch each job starts with (two arrays the length of
    // the archive) costs little.
    (0..n)
        .into_par_iter()
        .with_max_len((n / 64).max(crate::FINE))
        .map_init(
            || Scratch {
                scores: vec![0.0; n],
                marked: vec![false; n],
                touched: Vec::new(),
            },
            |scratch, id| {
                // What the page lists as cited is not listed again.
                let cited = &links.cites[id];
                let mut chosen: Vec<DocId> = Vec::new();
                for (slug, _) in &documents[id].related {
                    if let Some(&other) = by_slug.get(slug) {
                        if other != id && !chosen.contains(&other) && !cited.contains(&other) {
                            chosen.push(other);
                        }
                    }
                }
                if chosen.len() < config.count {
                    let mut ranked = scratch.scores(id, &days, taxonomies, &entity_docs, links, config);
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
            },
        )
        .collect()
}

/// Per-thread scores indexed by document, so scoring allocates nothing but
/// the list of candidates it touched.
struct Scratch {
    scores: Vec<f64>,
    marked: Vec<bool>,
    touched: Vec<DocId>,
}

impl Scratch {
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
        entity_docs: &[Vec<DocId>],
        links: &Links,
        config: &RelatedConfig,
    ) -> Vec<(DocId, f64)> {
        for taxonomy in taxonomies {
            for &term in &taxonomy.terms_of[id] {
                for &other in near(&taxonomy.terms[term].documents, id) {
                    self.add(id, other, config.terms);
                }
            }
        }
        for &entity in &links.entities_of[id] {
            for &other in near(&entity_docs[entity], id) {
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

/// A hash of everything [`related`] reads: when it is unchanged, so is the
/// result, and a rebuild reuses the lists it already has. Documents are
/// named by slug, in archive order, so the hash also covers every id.
pub fn inputs_hash(documents: &[Arc<Document>], taxonomies: &[Taxonomy], links: &Links, config: &RelatedConfig) -> u64 {
    use std::hash::{Hash, Hasher};
    // Each document's part on every core, then the parts in order.
    let parts: Vec<u64> = documents
        .par_iter()
        .with_max_len(crate::FINE)
        .enumerate()
        .map(|(id, doc)| {
            let mut h = crate::hash::hasher();
            doc.slug.hash(&mut h);
            doc.date.hash(&mut h);
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
            links.cites[id].hash(&mut h);
            for (from, occurrences) in &links.cited_by[id] {
                (from, occurrences.iter().all(|o| o.in_note)).hash(&mut h);
            }
            h.finish()
        })
        .collect();
    let mut h = crate::hash::hasher();
    format!("{config:?}").hash(&mut h);
    parts.hash(&mut h);
    for docs in &links.mentions_of {
        docs.len().hash(&mut h);
        for (from, _) in docs {
            from.hash(&mut h);
        }
    }
    h.finish()
}

/// The part of a sorted posting list around `id`.
fn near(postings: &[DocId], id: DocId) -> &[DocId] {
    let at = postings.partition_point(|&d| d < id);
    &postings[at.saturating_sub(WINDOW)..(at + WINDOW + 1).min(postings.len())]
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

    #[test]
    fn windows_bound_the_candidates() {
        let postings: Vec<DocId> = (0..1000).collect();
        assert_eq!(near(&postings, 500).len(), 2 * WINDOW + 1);
        assert_eq!(near(&postings, 0).len(), WINDOW + 1);
        assert_eq!(near(&[3, 9], 5), &[3, 9]);
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
