//! Mentions: finding documents' and entities' names in running text.
//!
//! All names (document titles, `cited_as` names, entity names) go into one
//! Aho-Corasick automaton, so a text is scanned once whatever the number of
//! names. The rules: Latin letters match without regard to ASCII case, Chinese
//! exactly; a name must stand as whole words (the character before and after
//! a Latin edge is not a letter or digit, so "Plans" does not mention "Plan");
//! where names overlap, the one that starts first wins, and of names starting
//! at the same place the longest; and a document never mentions itself. Straight and curly apostrophes are interchangeable.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

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

/// How many bytes of each name the prefilter knows.
const PREFIX_BYTES: usize = 10;

pub struct Matcher {
    /// All names, searched anchored at candidate positions.
    automaton: AhoCorasick,
    /// The first bytes of every name, as a DFA: small, and fast enough to
    /// scan every text; it yields the positions where a name may start.
    prefixes: AhoCorasick,
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
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&texts)
            .expect("names are plain strings");
        let mut prefixes: Vec<String> = texts.iter().map(|t| prefix(t).to_ascii_lowercase()).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let prefixes = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&prefixes)
            .expect("prefixes are plain strings");
        let matcher = Matcher {
            automaton,
            prefixes,
            patterns,
        };
        (Some(matcher), ambiguous)
    }

    /// Every mention in `text`, in order, not overlapping, leaving out
    /// mentions of `exclude`.
    ///
    /// The prefilter proposes every position where a name may start, in
    /// order; at each, the longest name that starts there is tried, and if it
    /// fails the word-boundary rule (or names `exclude`) the longest shorter
    /// one that passes. This is a leftmost-longest search, done in two steps
    /// so that the big automaton only runs where a name can start.
    pub fn find(&self, text: &str, exclude: Option<DocId>) -> Vec<Found> {
        let mut found = Vec::new();
        let mut at = 0;
        for candidate in self.prefixes.find_overlapping_iter(text) {
            let start = candidate.start();
            if start < at {
                continue;
            }
            let input = Input::new(text).range(start..).anchored(Anchored::Yes);
            let Some(m) = self.automaton.find(input) else { continue };
            if let Some(f) = self
                .accept(text, m, exclude)
                .or_else(|| self.shorter_at(text, m, exclude))
            {
                at = f.range.end;
                found.push(f);
            }
        }
        found
    }

    /// The match as a mention, if it obeys the word rule and is not excluded.
    fn accept(&self, text: &str, m: aho_corasick::Match, exclude: Option<DocId>) -> Option<Found> {
        let pattern = &self.patterns[m.pattern().as_usize()];
        let ok = Some(pattern.target) != exclude.map(Target::Document)
            && (!pattern.bounded_start || !text[..m.start()].chars().next_back().is_some_and(is_word))
            && (!pattern.bounded_end || !text[m.end()..].chars().next().is_some_and(is_word));
        ok.then(|| Found {
            range: m.start()..m.end(),
            target: pattern.target,
        })
    }

    /// The longest acceptable name starting where `m` starts and ending
    /// before it: "Plan" in "Plan Bx" when "Plan B" fails the word rule.
    fn shorter_at(&self, text: &str, m: aho_corasick::Match, exclude: Option<DocId>) -> Option<Found> {
        let mut limit = m.end() - 1;
        while limit > m.start() {
            let input = Input::new(text).range(m.start()..limit).anchored(Anchored::Yes);
            let shorter = self.automaton.find(input)?;
            if let Some(f) = self.accept(text, shorter, exclude) {
                return Some(f);
            }
            limit = shorter.end() - 1;
        }
        None
    }
}

/// A letter or digit that needs a word boundary: not Chinese, where words
/// are not separated by spaces.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() && !is_chinese(c)
}

/// The first [`PREFIX_BYTES`] bytes of a name, cut at a character boundary.
fn prefix(name: &str) -> &str {
    let mut end = PREFIX_BYTES.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
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
    fn a_shorter_name_matches_where_the_longest_fails_the_word_rule() {
        let m = matcher(&[("Plan", PLAN), ("Plan B", BIG)]);
        assert_eq!(found(&m, "the Plan Bx", None), vec![("Plan".into(), PLAN)]);
        assert_eq!(found(&m, "the Plan B.", None), vec![("Plan B".into(), BIG)]);
    }

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
