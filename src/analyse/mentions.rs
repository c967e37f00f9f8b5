//! Mentions: finding documents' and entities' names in running text.
//!
//! All names (document titles, `cited_as` names, entity names) go into one
//! Aho-Corasick automaton, so a text is scanned once whatever the number of
//! names. The rules: Latin letters match without regard to ASCII case, Chinese
//! exactly; a name must stand as whole words (the character before and after
//! a Latin edge is not a letter or digit, so "Plans" does not mention "Plan");
//! where matches overlap, the longest wins, then the leftmost; and a document
//! never mentions itself. Straight and curly apostrophes are interchangeable.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::DocId;
use crate::render::text::is_chinese;

/// Index of an entity in the archive's entity list.
pub type EntityId = usize;

/// What a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Document(DocId),
    Entity(EntityId),
}

/// A name found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub range: Range<usize>,
    pub target: Target,
}

struct Pattern {
    target: Target,
    /// Whether the name starts (ends) with a letter or digit that is not
    /// Chinese, and so needs a word boundary there.
    bounded_start: bool,
    bounded_end: bool,
}

/// Names shorter than this many characters are ignored: too ambiguous.
const MIN_NAME_CHARS: usize = 2;

pub struct Matcher {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// Builds a matcher over `(name, target)` pairs. A name given for two
    /// targets is ambiguous and kept for the first only; the names dropped
    /// that way are returned so the caller can warn.
    pub fn new(names: Vec<(String, Target)>) -> (Option<Matcher>, Vec<(String, Target)>) {
        let mut seen: std::collections::HashMap<String, Target> = std::collections::HashMap::new();
        let mut ambiguous = Vec::new();
        let mut texts = Vec::new();
        let mut patterns = Vec::new();
        for (name, target) in names {
            let name = name.trim();
            if name.chars().count() < MIN_NAME_CHARS {
                continue;
            }
            for variant in apostrophe_variants(name) {
                match seen.get(&variant.to_ascii_lowercase()) {
                    Some(t) if *t != target => {
                        ambiguous.push((variant, target));
                        continue;
                    }
                    Some(_) => continue,
                    None => {}
                }
                seen.insert(variant.to_ascii_lowercase(), target);
                patterns.push(Pattern {
                    target,
                    bounded_start: variant.chars().next().is_some_and(is_word),
                    bounded_end: variant.chars().last().is_some_and(is_word),
                });
                texts.push(variant);
            }
        }
        if texts.is_empty() {
            return (None, ambiguous);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .expect("names are plain strings");
        (Some(Matcher { automaton, patterns }), ambiguous)
    }

    /// Every mention in `text`, in order, not overlapping, leaving out
    /// mentions of `exclude`.
    pub fn find(&self, text: &str, exclude: Option<DocId>) -> Vec<Found> {
        let mut candidates: Vec<Found> = self
            .automaton
            .find_overlapping_iter(text)
            .filter_map(|m| {
                let pattern = &self.patterns[m.pattern().as_usize()];
                let ok = Some(pattern.target) != exclude.map(Target::Document)
                    && (!pattern.bounded_start || !text[..m.start()].chars().next_back().is_some_and(is_word))
                    && (!pattern.bounded_end || !text[m.end()..].chars().next().is_some_and(is_word));
                ok.then_some(Found {
                    range: m.start()..m.end(),
                    target: pattern.target,
                })
            })
            .collect();
        if candidates.len() <= 1 {
            return candidates;
        }
        // Longest first, then leftmost; keep each one that overlaps none kept.
        candidates.sort_by_key(|f| (std::cmp::Reverse(f.range.len()), f.range.start));
        let mut kept: Vec<Found> = Vec::with_capacity(candidates.len());
        for c in candidates {
            if kept
                .iter()
                .all(|k| k.range.end <= c.range.start || c.range.end <= k.range.start)
            {
                kept.push(c);
            }
        }
        kept.sort_by_key(|f| f.range.start);
        kept
    }
}

/// A letter or digit that needs a word boundary: not Chinese, where words
/// are not separated by spaces.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() && !is_chinese(c)
}

fn apostrophe_variants(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    if name.contains('\'') {
        out.push(name.replace('\'', "’"));
    }
    if name.contains('’') {
        out.push(name.replace('’', "'"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(names: &[(&str, Target)]) -> Matcher {
        Matcher::new(names.iter().map(|(n, t)| (n.to_string(), *t)).collect())
            .0
            .unwrap()
    }

    fn found(m: &Matcher, text: &str, exclude: Option<DocId>) -> Vec<(String, Target)> {
        m.find(text, exclude)
            .into_iter()
            .map(|f| (text[f.range].to_string(), f.target))
            .collect()
    }

    const PLAN: Target = Target::Document(0);
    const BIG: Target = Target::Document(1);
    const MIIT: Target = Target::Entity(0);

    #[test]
    fn whole_words_any_ascii_case_longest_first() {
        let m = matcher(&[
            ("Five-Year Plan", PLAN),
            ("14th Five-Year Plan for Informatization", BIG),
            ("MIIT", MIIT),
        ]);
        assert_eq!(
            found(
                &m,
                "The 14th five-year plan for informatization and the Five-Year Plans; miit's view.",
                None
            ),
            vec![
                ("14th five-year plan for informatization".into(), BIG),
                ("miit".into(), MIIT)
            ]
        );
        assert_eq!(
            found(&m, "a Five-Year Plan.", None),
            vec![("Five-Year Plan".into(), PLAN)]
        );
        assert!(found(&m, "SubMIIT and Five-Year Planning", None).is_empty());
    }

    #[test]
    fn chinese_names_match_exactly_without_spaces() {
        let m = matcher(&[("工业和信息化部", MIIT)]);
        assert_eq!(
            found(&m, "根据工业和信息化部的规划", None),
            vec![("工业和信息化部".into(), MIIT)]
        );
    }

    #[test]
    fn a_document_never_mentions_itself() {
        let m = matcher(&[("The Plan", PLAN)]);
        assert!(found(&m, "As The Plan says", Some(0)).is_empty());
        assert_eq!(found(&m, "As The Plan says", Some(5)).len(), 1);
    }

    #[test]
    fn apostrophes_are_interchangeable_and_ambiguous_names_reported() {
        let (m, ambiguous) = Matcher::new(vec![("China's Plan".into(), PLAN), ("china's plan".into(), BIG)]);
        assert_eq!(ambiguous.len(), 2);
        assert_eq!(
            found(&m.unwrap(), "China’s Plan", None),
            vec![("China’s Plan".into(), PLAN)]
        );
    }
}
