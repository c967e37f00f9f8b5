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
    /// Builds every taxonomy of the config from documents sorted newest
    /// first; a document's terms are in the config's order of taxonomies.
    /// One pass over the documents for all of them: at 10,000 documents a
    /// pass per taxonomy and step cost more in reaching each document's
    /// terms than in the work done with them.
    pub fn build_all(configs: &[TaxonomyConfig], documents: &[Arc<Document>]) -> Vec<Taxonomy> {
        // Per taxonomy: each name's number in order of first use, its
        // documents, and for each document the numbers of its names.
        let mut numbers: Vec<crate::hash::Map<&str, usize>> = vec![Default::default(); configs.len()];
        let mut groups: Vec<Vec<(&str, Vec<DocId>)>> = vec![Vec::new(); configs.len()];
        let mut used: Vec<Vec<Vec<usize>>> = vec![Vec::with_capacity(documents.len()); configs.len()];
        for (id, doc) in documents.iter().enumerate() {
            // A document's terms hold one list per taxonomy of the config.
            for (index, (_, names)) in doc.terms.iter().enumerate() {
                let of_doc = names
                    .iter()
                    .map(|name| {
                        let next = groups[index].len();
                        let n = *numbers[index].entry(name.as_str()).or_insert(next);
                        if n == next {
                            groups[index].push((name.as_str(), Vec::new()));
                        }
                        groups[index][n].1.push(id);
                        n
                    })
                    .collect();
                used[index].push(of_doc);
            }
        }
        configs
            .iter()
            .zip(groups)
            .zip(used)
            .map(|((config, groups), used)| {
                // Alphabetical, case folded, then as written.
                let mut order: Vec<(String, usize)> = groups
                    .iter()
                    .enumerate()
                    .map(|(n, (name, _))| (name.to_lowercase(), n))
                    .collect();
                order.sort_unstable_by(|a, b| (&a.0, groups[a.1].0).cmp(&(&b.0, groups[b.1].0)));
                let mut position = vec![0; groups.len()];
                for (at, &(_, n)) in order.iter().enumerate() {
                    position[n] = at;
                }
                let mut groups: Vec<Option<(&str, Vec<DocId>)>> = groups.into_iter().map(Some).collect();
                let mut slugs = Unique::default();
                let terms = order
                    .iter()
                    .filter_map(|&(_, n)| groups[n].take())
                    .map(|(name, documents)| Term {
                        name: name.to_string(),
                        slug: unique_slug(name, &mut slugs),
                        documents,
                    })
                    .collect();
                Taxonomy {
                    name: config.name.clone(),
                    title: config.title.clone(),
                    terms,
                    terms_of: used
                        .into_iter()
                        .map(|names| names.into_iter().map(|n| position[n]).collect())
                        .collect(),
                }
            })
            .collect()
    }
}

impl Taxonomy {
    /// Moves document `id` from the terms it had to `names` (its terms in
    /// this taxonomy now), in place, when no term comes or goes: every
    /// name is a term already, and every term the document leaves keeps
    /// another document. The terms whose documents changed are added to
    /// `moved`. Returns whether it could; when not, nothing changed.
    pub fn move_document(&mut self, id: DocId, names: &[String], moved: &mut Vec<usize>) -> bool {
        let Some(now): Option<Vec<usize>> = names
            .iter()
            .map(|name| self.terms.iter().position(|t| t.name == *name))
            .collect()
        else {
            return false;
        };
        let before = &self.terms_of[id];
        let left: Vec<usize> = before.iter().copied().filter(|i| !now.contains(i)).collect();
        if left.iter().any(|&i| self.terms[i].documents.len() < 2) {
            return false;
        }
        let joined: Vec<usize> = now.iter().copied().filter(|i| !before.contains(i)).collect();
        for &i in &left {
            let documents = &mut self.terms[i].documents;
            if let Ok(at) = documents.binary_search(&id) {
                documents.remove(at);
            }
        }
        for &i in &joined {
            let documents = &mut self.terms[i].documents;
            if let Err(at) = documents.binary_search(&id) {
                documents.insert(at, id);
            }
        }
        moved.extend(left.into_iter().chain(joined));
        self.terms_of[id] = now;
        true
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
