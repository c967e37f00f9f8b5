//! Suggesting taxonomy terms for a new document from the archive's own
//! vocabulary.
//!
//! An archive's terms are its curators' choices ("industrial policy", not
//! "industrial policies"), so a new document should reuse them rather than
//! coin near-duplicates. [`Vocabulary`] holds every term the archive's
//! documents use, per taxonomy; [`Vocabulary::suggest`] finds them in a
//! seed's text with the rules of detected mentions (ASCII case ignored,
//! Chinese exact, whole words; see [`crate::analyse::mentions`]). It never
//! invents a term: a taxonomy no document uses yet gets no suggestion.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use crate::analyse::mentions::{Matcher, Target};
use crate::config::Config;
use crate::content::Document;

/// Every term in use, per taxonomy of the config.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    taxonomies: Vec<Terms>,
}

#[derive(Debug, Clone)]
struct Terms {
    name: String,
    title: String,
    terms: BTreeSet<String>,
}

/// A taxonomy's terms found in a text, most often named first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestions {
    /// The taxonomy's name, its key under `[taxonomies]`.
    pub taxonomy: String,
    /// Its title in the config, e.g. "Issuing bodies".
    pub title: String,
    pub terms: Vec<Suggested>,
}

/// A term of the archive named in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested {
    /// As the archive writes it.
    pub term: String,
    /// How many times the text names it.
    pub count: usize,
    /// Whether the title names it.
    pub in_title: bool,
}

impl Suggested {
    /// Named in the title or more than once: likely what the text is about,
    /// rather than a passing word.
    pub fn is_likely(&self) -> bool {
        self.in_title || self.count >= 2
    }
}

impl Vocabulary {
    /// The terms `documents` use, for each taxonomy of `config`. Every
    /// document lists its terms in the order of the config's taxonomies.
    pub fn new(config: &Config, documents: &[Arc<Document>]) -> Vocabulary {
        let taxonomies = config
            .taxonomies
            .iter()
            .enumerate()
            .map(|(i, t)| Terms {
                name: t.name.clone(),
                title: t.title.clone(),
                terms: documents
                    .iter()
                    .filter_map(|d| d.terms.get(i))
                    .flat_map(|(_, terms)| terms.iter().cloned())
                    .collect(),
            })
            .collect();
        Vocabulary { taxonomies }
    }

    /// A vocabulary from `(name, title, terms)` per taxonomy.
    pub fn from_terms(taxonomies: Vec<(String, String, Vec<String>)>) -> Vocabulary {
        let taxonomies = taxonomies
            .into_iter()
            .map(|(name, title, terms)| Terms {
                name,
                title,
                terms: terms.into_iter().collect(),
            })
            .collect();
        Vocabulary { taxonomies }
    }

    /// For every taxonomy, in the config's order, the terms of the archive
    /// that `text` names; `title` is where the text's title is, in bytes.
    pub fn suggest(&self, text: &str, title: Range<usize>) -> Vec<Suggestions> {
        // The matcher maps each name to one target: group the terms that
        // match alike (the same name in two taxonomies, or in two ASCII
        // cases), and number the groups.
        let mut groups: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
        for (t, taxonomy) in self.taxonomies.iter().enumerate() {
            for term in &taxonomy.terms {
                groups.entry(match_key(term)).or_default().push((t, term));
            }
        }
        let groups: Vec<Vec<(usize, &str)>> = groups.into_values().collect();
        let names = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g[0].1.to_string(), Target::Entity(i)))
            .collect();
        let mut counts = vec![(0, false); groups.len()];
        if let (Some(matcher), _) = Matcher::new(names) {
            for found in matcher.find(text, None) {
                let Target::Entity(i) = found.target else { continue };
                counts[i].0 += 1;
                counts[i].1 |= title.start <= found.range.start && found.range.end <= title.end;
            }
        }
        let mut out: Vec<Suggestions> = self
            .taxonomies
            .iter()
            .map(|t| Suggestions {
                taxonomy: t.name.clone(),
                title: t.title.clone(),
                terms: Vec::new(),
            })
            .collect();
        for (group, &(count, in_title)) in groups.iter().zip(&counts) {
            for &(t, term) in group.iter().filter(|_| count > 0) {
                out[t].terms.push(Suggested {
                    term: term.to_string(),
                    count,
                    in_title,
                });
            }
        }
        for s in &mut out {
            s.terms.sort_by(|a, b| {
                (b.in_title, b.count)
                    .cmp(&(a.in_title, a.count))
                    .then_with(|| a.term.to_lowercase().cmp(&b.term.to_lowercase()))
            });
        }
        out
    }
}

/// Terms that the mention rules cannot tell apart share a key.
fn match_key(term: &str) -> String {
    term.trim().to_ascii_lowercase().replace('’', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let list = |terms: &[&str]| terms.iter().map(|t| t.to_string()).collect();
        Vocabulary::from_terms(vec![
            (
                "topics".into(),
                "Topics".into(),
                list(&[
                    "industrial policy",
                    "5G",
                    "data",
                    "平安中国",
                    "digital economy",
                    "economy",
                ]),
            ),
            (
                "bodies".into(),
                "Issuing bodies".into(),
                list(&["MIIT", "State Council"]),
            ),
            ("types".into(), "Types".into(), list(&[])),
        ])
    }

    fn found(s: &Suggestions) -> Vec<(&str, usize, bool)> {
        s.terms.iter().map(|t| (t.term.as_str(), t.count, t.in_title)).collect()
    }

    #[test]
    fn finds_terms_as_whole_words_ascii_case_ignored_chinese_exact() {
        let text = "MIIT on Industrial Policy\n\
                    The miit said industrial policy and 5g networks matter; databases do not count. \
                    建设平安中国。The digital economy grows, and the Digital Economy again.";
        let title = 0..text.find('\n').unwrap();
        let s = vocabulary().suggest(text, title);
        assert_eq!(
            s.iter().map(|s| s.taxonomy.as_str()).collect::<Vec<_>>(),
            ["topics", "bodies", "types"],
            "every taxonomy, in the config's order"
        );
        assert_eq!(
            found(&s[0]),
            vec![
                ("industrial policy", 2, true),
                ("digital economy", 2, false),
                ("5G", 1, false),
                ("平安中国", 1, false),
            ],
            "\"economy\" is inside the longer \"digital economy\", \"data\" only inside a word"
        );
        assert_eq!(found(&s[1]), vec![("MIIT", 2, true)]);
        assert!(s[2].terms.is_empty());
        let likely: Vec<bool> = s[0].terms.iter().map(Suggested::is_likely).collect();
        assert_eq!(likely, [true, true, false, false]);
    }

    #[test]
    fn a_term_of_two_taxonomies_is_suggested_for_both() {
        let v = Vocabulary::from_terms(vec![
            ("topics".into(), "Topics".into(), vec!["Digital China".into()]),
            ("types".into(), "Types".into(), vec!["digital china".into()]),
        ]);
        let s = v.suggest("Building Digital China.", 0..0);
        assert_eq!(found(&s[0]), vec![("Digital China", 1, false)]);
        assert_eq!(found(&s[1]), vec![("digital china", 1, false)]);
    }
}
