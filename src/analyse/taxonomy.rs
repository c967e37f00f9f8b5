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
    /// this taxonomy now), in place, when no term goes and no other term's
    /// slug would change: every term the document leaves keeps another
    /// document, and a name that is no term yet gets a slug no term has
    /// (then its term is put in its place in the alphabetical order, and
    /// the terms after it move up one). The names of the terms whose
    /// documents changed are added to `moved`, and those of the new terms
    /// to `added` too. Returns whether it could; when not, nothing changed.
    pub fn move_document(
        &mut self,
        id: DocId,
        names: &[String],
        moved: &mut Vec<String>,
        added: &mut Vec<String>,
    ) -> bool {
        let new: Vec<&String> = names.iter().filter(|n| self.term_named(n).is_none()).collect();
        let before: Vec<String> = self.terms_of[id].iter().map(|&i| self.terms[i].name.clone()).collect();
        let left: Vec<&String> = before.iter().filter(|n| !names.contains(n)).collect();
        let keeps_another = |name: &String| self.term_named(name).is_some_and(|i| self.terms[i].documents.len() > 1);
        if !left.iter().all(|n| keeps_another(n)) {
            return false;
        }
        let slugs: std::collections::HashSet<&str> = self.terms.iter().map(|t| t.slug.as_str()).collect();
        let new_slugs: Vec<String> = new.iter().map(|n| base_slug(n)).collect();
        let distinct: std::collections::HashSet<&String> = new_slugs.iter().collect();
        if distinct.len() != new_slugs.len() || new_slugs.iter().any(|s| slugs.contains(s.as_str())) {
            return false;
        }
        for (name, slug) in new.into_iter().zip(new_slugs) {
            let key = |n: &str| (n.to_lowercase(), n.to_string());
            let at = self.terms.partition_point(|t| key(&t.name) < key(name));
            self.terms.insert(
                at,
                Term {
                    name: name.clone(),
                    slug,
                    documents: Vec::new(),
                },
            );
            for of_doc in &mut self.terms_of {
                of_doc.iter_mut().filter(|i| **i >= at).for_each(|i| *i += 1);
            }
            added.push(name.clone());
        }
        let now: Vec<usize> = names.iter().filter_map(|n| self.term_named(n)).collect();
        for name in &left {
            if let Some(i) = self.term_named(name) {
                let documents = &mut self.terms[i].documents;
                if let Ok(at) = documents.binary_search(&id) {
                    documents.remove(at);
                }
            }
        }
        for name in names.iter().filter(|n| !before.contains(n)) {
            if let Some(i) = self.term_named(name) {
                let documents = &mut self.terms[i].documents;
                if let Err(at) = documents.binary_search(&id) {
                    documents.insert(at, id);
                }
            }
            moved.push(name.clone());
        }
        moved.extend(left.into_iter().cloned());
        self.terms_of[id] = now;
        true
    }

    /// The index of the term named `name`.
    pub fn term_named(&self, name: &str) -> Option<usize> {
        self.terms.iter().position(|t| t.name == name)
    }
}

/// The slug a term named `name` gets when no other term has it.
fn base_slug(name: &str) -> String {
    match slugify(name) {
        s if s.is_empty() => "term".to_string(),
        s => s,
    }
}

fn unique_slug(name: &str, used: &mut Unique) -> String {
    used.claim(base_slug(name))
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
