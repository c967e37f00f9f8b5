//! Analyse: the archive's indexes, built once from the loaded documents.
//!
//! [`Archive`] owns the documents, sorted newest first, and the indexes every
//! page is rendered from: documents by slug, taxonomies with their terms, the
//! timeline, and each document's neighbours in time. Everything here is a
//! pure function of the documents and the config: no I/O, no HTML.

pub mod links;
pub mod mentions;
pub mod related;
pub mod taxonomy;
pub mod timeline;

use std::cmp::Ordering;
use std::sync::Arc;

use std::path::Path;

use crate::config::Config;
use crate::content::entities::Entity;
use crate::content::{Document, Loaded};
use crate::diag::Diagnostic;
pub use links::Links;
pub use taxonomy::{Taxonomy, Term};
pub use timeline::{Timeline, Year};

/// What the analysis keeps between builds (`serve` holds one): document
/// scans for the link graph, and the related lists with a hash of what they
/// were computed from.
#[derive(Default)]
pub struct Cache {
    pub links: links::Cache,
    related: Option<(u64, Vec<Vec<DocId>>)>,
}

/// Index of a document in [`Archive::documents`].
pub type DocId = usize;

/// The analysed archive.
pub struct Archive {
    /// Newest first; undated documents last, by title.
    pub documents: Vec<Arc<Document>>,
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
    pub fn new(
        root: &Path,
        loaded: Loaded,
        config: &Config,
        cache: &mut Cache,
    ) -> Result<(Archive, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut documents = loaded.documents;
        documents.sort_by(|a, b| newest_first(a, b));
        let by_slug: crate::hash::Map<String, DocId> =
            documents.iter().enumerate().map(|(i, d)| (d.slug.clone(), i)).collect();
        let taxonomies: Vec<Taxonomy> = config
            .taxonomies
            .iter()
            .enumerate()
            .map(|(i, t)| Taxonomy::build(t, i, &documents))
            .collect();
        let timeline = Timeline::build(&documents);
        let neighbours = neighbours(&documents);
        let entities = loaded.entities;
        let (links, warnings) = links::build(
            root,
            &documents,
            &entities,
            &by_slug,
            config.links.detect_mentions,
            &mut cache.links,
        )?;
        let inputs = related::inputs_hash(&documents, &taxonomies, &links, &config.related);
        let related = match cache.related.take() {
            Some((hash, related)) if hash == inputs => related,
            _ => related::related(&documents, &by_slug, &taxonomies, &links, &config.related),
        };
        cache.related = Some((inputs, related.clone()));
        let archive = Archive {
            documents,
            entities,
            by_slug,
            taxonomies,
            timeline,
            neighbours,
            links,
            related,
        };
        Ok((archive, warnings))
    }
}

/// Orders documents newest first; undated ones last; ties by title, then slug.
pub fn newest_first(a: &Document, b: &Document) -> Ordering {
    match (a.date, b.date) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.title.cmp(&b.title))
    .then_with(|| a.slug.cmp(&b.slug))
}

/// Previous (older) and next (newer) dated document for each document.
fn neighbours(documents: &[Arc<Document>]) -> Vec<(Option<DocId>, Option<DocId>)> {
    let dated: Vec<DocId> = (0..documents.len()).filter(|&i| documents[i].date.is_some()).collect();
    let mut out = vec![(None, None); documents.len()];
    for (pos, &id) in dated.iter().enumerate() {
        let older = dated.get(pos + 1).copied();
        let newer = pos.checked_sub(1).map(|p| dated[p]);
        out[id] = (older, newer);
    }
    out
}
