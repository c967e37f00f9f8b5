//! Analyse: the archive's indexes, built once from the loaded documents.
//!
//! [`Archive`] owns the documents, sorted newest first, and the indexes every
//! page is rendered from: documents by slug, taxonomies with their terms, the
//! timeline, and each document's neighbours in time. Everything here is a
//! pure function of the documents and the config: no I/O, no HTML.

pub mod taxonomy;
pub mod timeline;

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::config::Config;
use crate::content::Document;
pub use taxonomy::{Taxonomy, Term};
pub use timeline::{Timeline, Year};

/// Index of a document in [`Archive::documents`].
pub type DocId = usize;

/// The analysed archive.
pub struct Archive {
    /// Newest first; undated documents last, by title.
    pub documents: Vec<Document>,
    pub by_slug: HashMap<String, DocId>,
    pub taxonomies: Vec<Taxonomy>,
    pub timeline: Timeline,
    /// For each document: (older, newer) neighbour among dated documents.
    pub neighbours: Vec<(Option<DocId>, Option<DocId>)>,
}

impl Archive {
    pub fn new(mut documents: Vec<Document>, config: &Config) -> Archive {
        documents.sort_by(newest_first);
        let by_slug = documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.slug.clone(), i))
            .collect();
        let taxonomies = config
            .taxonomies
            .iter()
            .enumerate()
            .map(|(i, t)| Taxonomy::build(t, i, &documents))
            .collect();
        let timeline = Timeline::build(&documents);
        let neighbours = neighbours(&documents);
        Archive {
            documents,
            by_slug,
            taxonomies,
            timeline,
            neighbours,
        }
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
fn neighbours(documents: &[Document]) -> Vec<(Option<DocId>, Option<DocId>)> {
    let dated: Vec<DocId> = (0..documents.len())
        .filter(|&i| documents[i].date.is_some())
        .collect();
    let mut out = vec![(None, None); documents.len()];
    for (pos, &id) in dated.iter().enumerate() {
        let older = dated.get(pos + 1).copied();
        let newer = pos.checked_sub(1).map(|p| dated[p]);
        out[id] = (older, newer);
    }
    out
}
