//! Taxonomies: topics, issuing bodies, types... and the documents under each
//! term.
//!
//! Terms are kept as maintainers wrote them; each gets a URL slug that is
//! unique within its taxonomy even when two names fold to the same slug
//! (`5G` and `5g`) or a name has no letters at all.

use std::sync::Arc;

use super::DocId;
use crate::config::TaxonomyConfig;
use crate::content::Document;
use crate::content::slug::{Unique, slugify};

/// One term of a taxonomy and its documents, newest first.
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub documents: Vec<DocId>,
}

/// A taxonomy with its terms in alphabetical order.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub title: String,
    pub terms: Vec<Term>,
    /// For each document, the indexes into `terms` of its terms, in the
    /// order the document lists them.
    pub terms_of: Vec<Vec<usize>>,
}

impl Taxonomy {
    /// Builds a taxonomy from documents sorted newest first. `index` is the
    /// taxonomy's position in the config, which is also its position in
    /// every document's `terms`.
    pub fn build(config: &TaxonomyConfig, index: usize, documents: &[Arc<Document>]) -> Taxonomy {
        // Group by name first (one lookup per use of a term), then sort the
        // few distinct names.
        let mut by_name: crate::hash::Map<&str, Vec<DocId>> = crate::hash::Map::default();
        for (id, doc) in documents.iter().enumerate() {
            for name in &doc.terms[index].1 {
                by_name.entry(name.as_str()).or_default().push(id);
            }
        }
        let mut names: Vec<(String, &str, Vec<DocId>)> = by_name
            .into_iter()
            .map(|(name, docs)| (name.to_lowercase(), name, docs))
            .collect();
        names.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut used = Unique::default();
        let mut terms = Vec::with_capacity(names.len());
        for (_, name, docs) in names {
            let slug = unique_slug(name, &mut used);
            terms.push(Term {
                name: name.to_string(),
                slug,
                documents: docs,
            });
        }
        let position: crate::hash::Map<&str, usize> =
            terms.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        let terms_of = documents
            .iter()
            .map(|d| d.terms[index].1.iter().map(|n| position[n.as_str()]).collect())
            .collect();
        Taxonomy {
            name: config.name.clone(),
            title: config.title.clone(),
            terms,
            terms_of,
        }
    }
}

fn unique_slug(name: &str, used: &mut Unique) -> String {
    let base = match slugify(name) {
        s if s.is_empty() => "term".to_string(),
        s => s,
    };
    used.claim(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_stay_distinct() {
        let mut used = Unique::default();
        assert_eq!(unique_slug("5G", &mut used), "5g");
        assert_eq!(unique_slug("5g", &mut used), "5g-2");
        assert_eq!(unique_slug("平安中国", &mut used), "平安中国");
        assert_eq!(unique_slug("!!", &mut used), "term");
        assert_eq!(unique_slug("??", &mut used), "term-2");
    }
}
