//! Mentions: finding documents' and entities' names in running text.
//!
//! The rules: Latin letters match without regard to ASCII case, Chinese
//! exactly; a name must stand as whole words (the character before and after
//! a Latin edge is not a letter or digit, so "Plans" does not mention "Plan");
//! where names overlap, the one that starts first wins, and of names starting
//! at the same place the longest that obeys the rules; a document never
//! mentions itself; straight and curly apostrophes are interchangeable.
//!
//! The search has two steps so that its cost does not grow with the number
//! of names. An Aho-Corasick DFA over the first few bytes of every name scans
//! each text once and proposes the places where a name may start (the DFA
//! stays small because names share their first bytes). At each place, the
//! lengths of the names with that prefix are tried longest first, by looking
//! the folded slice of text up in a hash map of all names.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

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

/// A name given for two targets: it names `kept`, the first listed, only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguous {
    pub name: String,
    pub kept: Target,
    pub dropped: Target,
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
    /// The first bytes of every name (ASCII lower case), as a DFA.
    prefixes: AhoCorasick,
    /// For each prefix, the byte lengths of the names that start with it,
    /// longest first.
    lengths: Vec<Vec<usize>>,
    /// Every name, in ASCII lower case, to its pattern.
    names: HashMap<String, usize>,
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// Builds a matcher over `(name, target)` pairs. A name given for two
    /// targets is ambiguous and kept for the first only; each name dropped
    /// that way is returned, as listed, with the target that keeps it and
    /// the one that loses it, so the caller can warn.
    pub fn new(list: Vec<(String, Target)>) -> (Option<Matcher>, Vec<Ambiguous>) {
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut ambiguous = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for (name, target) in list {
            let name = name.trim();
            if name.chars().count() < MIN_NAME_CHARS {
                continue;
            }
            let mut reported = false;
            for variant in apostrophe_variants(name) {
                let folded = variant.to_ascii_lowercase();
                match names.get(&folded) {
                    Some(&p) if patterns[p].target != target => {
                        if !std::mem::replace(&mut reported, true) {
                            ambiguous.push(Ambiguous {
                                name: name.to_string(),
                                kept: patterns[p].target,
                                dropped: target,
                            });
                        }
                    }
                    Some(_) => {}
                    None => {
                        names.insert(folded, patterns.len());
                        patterns.push(Pattern {
                            target,
                            bounded_start: variant.chars().next().is_some_and(is_word),
                            bounded_end: variant.chars().last().is_some_and(is_word),
                        });
                    }
                }
            }
        }
        if names.is_empty() {
            return (None, ambiguous);
        }
        let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
        for name in names.keys() {
            by_prefix.entry(prefix(name)).or_default().push(name.len());
        }
        let mut prefix_list: Vec<(&str, Vec<usize>)> = by_prefix.into_iter().collect();
        prefix_list.sort_unstable();
        let prefixes = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(prefix_list.iter().map(|(p, _)| p))
            .expect("prefixes are plain strings");
        let lengths = prefix_list
            .into_iter()
            .map(|(_, mut l)| {
                l.sort_unstable_by(|a, b| b.cmp(a));
                l.dedup();
                l
            })
            .collect();
        let matcher = Matcher {
            prefixes,
            lengths,
            names,
            patterns,
        };
        (Some(matcher), ambiguous)
    }

    /// Every mention in `text`, in order, not overlapping, leaving out
    /// mentions of `exclude`.
    pub fn find(&self, text: &str, exclude: Option<DocId>) -> Vec<Found> {
        let folded = text.to_ascii_lowercase();
        let mut starts: Vec<(usize, usize)> = self
            .prefixes
            .find_overlapping_iter(&folded)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .collect();
        if starts.is_empty() {
            return Vec::new();
        }
        starts.sort_unstable();
        let mut found = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while i < starts.len() {
            let start = starts[i].0;
            let same_start = starts[i..].iter().take_while(|(s, _)| *s == start).count();
            if start >= at {
                let mut lengths: Vec<usize> = starts[i..i + same_start]
                    .iter()
                    .flat_map(|&(_, p)| self.lengths[p].iter().copied())
                    .collect();
                lengths.sort_unstable_by(|a, b| b.cmp(a));
                if let Some(f) = self.longest_at(text, &folded, start, &lengths, exclude) {
                    at = f.range.end;
                    found.push(f);
                }
            }
            i += same_start;
        }
        found
    }

    /// The longest name at `start` that obeys the rules, trying `lengths`
    /// (longest first).
    fn longest_at(
        &self,
        text: &str,
        folded: &str,
        start: usize,
        lengths: &[usize],
        exclude: Option<DocId>,
    ) -> Option<Found> {
        lengths.iter().find_map(|&len| {
            let end = start + len;
            let slice = folded.get(start..end)?;
            let pattern = &self.patterns[*self.names.get(slice)?];
            let ok = Some(pattern.target) != exclude.map(Target::Document)
                && (!pattern.bounded_start || !text[..start].chars().next_back().is_some_and(is_word))
                && (!pattern.bounded_end || !text[end..].chars().next().is_some_and(is_word));
            ok.then_some(Found {
                range: start..end,
                target: pattern.target,
            })
        })
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
        assert_eq!(
            ambiguous,
            [Ambiguous {
                name: "china's plan".into(),
                kept: PLAN,
                dropped: BIG
            }],
            "one report per name, not per apostrophe"
        );
        assert_eq!(
            found(&m.unwrap(), "China’s Plan", None),
            vec![("China’s Plan".into(), PLAN)]
        );
    }
}
