//! Mentions: finding documents' and entities' names in running text.
//!
//! The rules: Latin letters match without regard to ASCII case, Chinese
//! exactly; a name must stand as whole words (the character before and after
//! a Latin edge is not a letter or digit, so "Plans" does not mention "Plan");
//! where names overlap, the one that starts first wins, and of names starting
//! at the same place the longest that obeys the rules; a document never
//! mentions itself; straight and curly apostrophes are interchangeable.
//!
//! The search costs time in proportion to the text and the names, however
//! the names overlap. It has two steps:
//!
//! 1. An Aho-Corasick DFA over the first few bytes of every name scans each
//!    text once (in ASCII lower case) and proposes where a name may start (the DFA stays small
//!    because names share their first bytes). Each proposal reaches as far
//!    as the longest name with that beginning.
//! 2. The stretches of text those reaches cover are read once more,
//!    backwards, by an automaton of every name written backwards (an
//!    Aho-Corasick automaton with failure links, `Names`). Word
//!    boundaries are part of what it matches: a boundary mark stands in the
//!    names wherever the rules want one, and in the text wherever a Latin
//!    letter or digit meets anything else, so a name that fails the
//!    whole-word rule never matches at all. Read backwards, each position's
//!    state names the longest name that starts there, in constant time.
//!    Where that name is the scanning document's own, each name knows (from
//!    when the automaton was built) the longest name of another document or
//!    entity that it begins with, which the text holds there too.
//!
//! So no candidate is tried on its own: trying each name that could start
//! at a place costs, on repetitive text, the number of names sharing a
//! beginning times their length at every place.
//!
//! [`too_common`] says which names would link nearly every text (one
//! character, two letters, English function words, bare words for a
//! document); the link graph leaves those out and warns. The matcher itself
//! takes any name, since `annals new` looks for taxonomy terms with it.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rayon::slice::ParallelSliceMut;

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

/// One name (one spelling of it) the matcher knows.
struct Pattern {
    target: Target,
    /// Length of the name in bytes, as it stands in a text.
    len: usize,
    /// The longest name that the text also holds wherever this one stands
    /// (a shorter name this one begins with) and that names another
    /// target: what a document finds in place of a name of its own.
    fallback: Option<u32>,
}

/// The spellings [`Matcher::plan`] looks for `name` by, folded; none for
/// a name too short to look for.
pub fn spellings_of(name: &str) -> Vec<String> {
    let name = name.trim();
    match name.chars().count() >= MIN_NAME_CHARS {
        true => spellings(name),
        false => Vec::new(),
    }
}

/// A trimmed name's spellings, folded: both apostrophes, ASCII lower case.
fn spellings(name: &str) -> Vec<String> {
    apostrophe_variants(name)
        .iter()
        .map(|v| v.to_ascii_lowercase())
        .collect()
}

/// Names shorter than this many characters are ignored: too ambiguous.
const MIN_NAME_CHARS: usize = 2;

/// Whether `name` is long enough to be looked for (see [`MIN_NAME_CHARS`]).
pub fn long_enough(name: &str) -> bool {
    name.trim().chars().count() >= MIN_NAME_CHARS
}

/// How many bytes of each name the prefilter knows.
const PREFIX_BYTES: usize = 10;

/// The byte that marks a word boundary in names and texts: 0xFF never
/// occurs in UTF-8, so it cannot be mistaken for text.
const BOUNDARY: u8 = 0xFF;

/// The names a [`Matcher`] is to be built for, folded, each with what it
/// names (see [`Matcher::plan`]).
pub struct Plan(Vec<(String, Target)>);

impl Plan {
    /// Every name looked for, folded, with what it names.
    pub fn names(&self) -> &[(String, Target)] {
        &self.0
    }

    /// The plan of spellings a plan had, or some of them: folded, and
    /// distinct, each kept for one target.
    pub(super) fn of_spellings(names: Vec<(String, Target)>) -> Plan {
        Plan(names)
    }
}

pub struct Matcher {
    /// The first bytes of every name (ASCII lower case), as a DFA.
    prefixes: AhoCorasick,
    /// For each prefix, the length in bytes of the longest name that
    /// starts with it.
    reach: Vec<usize>,
    /// Every name, written backwards with its boundary marks.
    names: Names,
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// Builds a matcher over `(name, target)` pairs. A name given for two
    /// targets is ambiguous and kept for the first only; each name dropped
    /// that way is returned, as listed, with the target that keeps it and
    /// the one that loses it, so the caller can warn.
    pub fn new(list: Vec<(String, Target)>) -> (Option<Matcher>, Vec<Ambiguous>) {
        let (plan, ambiguous) = Matcher::plan(list);
        (Matcher::build(plan), ambiguous)
    }

    /// The first, cheap half of [`Matcher::new`]: which spelling of which
    /// name names what (folded, apostrophes both ways, ambiguous names
    /// kept for the first target), and the names dropped as ambiguous.
    pub fn plan(list: Vec<(String, Target)>) -> (Plan, Vec<Ambiguous>) {
        use rayon::prelude::*;
        // Each name's spellings, folded, on every core (at 100,000
        // documents there are some 200,000 names); then, in the order
        // given, which name keeps a spelling.
        let folded: Vec<(&str, Target, Vec<String>)> = list
            .par_iter()
            .with_min_len(1024)
            .filter_map(|(name, target)| {
                let name = name.trim();
                (name.chars().count() >= MIN_NAME_CHARS).then(|| (name, *target, spellings(name)))
            })
            .collect();
        let mut seen: crate::hash::Map<&str, Target> = crate::hash::Map::default();
        seen.reserve(folded.len());
        let mut ambiguous = Vec::new();
        let mut kept: Vec<(&str, Target)> = Vec::with_capacity(folded.len());
        for (name, target, spellings) in &folded {
            let mut reported = false;
            for spelling in spellings {
                match seen.entry(spelling.as_str()) {
                    std::collections::hash_map::Entry::Occupied(first) if *first.get() != *target => {
                        if !std::mem::replace(&mut reported, true) {
                            ambiguous.push(Ambiguous {
                                name: name.to_string(),
                                kept: *first.get(),
                                dropped: *target,
                            });
                        }
                    }
                    std::collections::hash_map::Entry::Occupied(_) => {}
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        entry.insert(*target);
                        kept.push((spelling.as_str(), *target));
                    }
                }
            }
        }
        drop(seen);
        let folded_names = kept
            .into_iter()
            .map(|(name, target)| (name.to_string(), target))
            .collect();
        (Plan(folded_names), ambiguous)
    }

    /// The second half of [`Matcher::new`]: the automata, built side by
    /// side on the thread pool; `None` when no name is left to look for.
    pub fn build(plan: Plan) -> Option<Matcher> {
        Matcher::automata(plan, true)
    }

    /// [`Matcher::build`] on the calling thread alone.
    pub fn build_here(plan: Plan) -> Option<Matcher> {
        Matcher::automata(plan, false)
    }

    /// Renumbers the documents the names name, when documents came or
    /// went. The names of a document gone name `DocId::MAX`, which is no
    /// document: the caller scans no text that holds one of them with this
    /// matcher (they are among the names changed since it was built).
    pub fn renumber(&mut self, map: &super::renumber::Renumber) {
        for pattern in &mut self.patterns {
            if let Target::Document(id) = &mut pattern.target {
                *id = map.get(*id).unwrap_or(DocId::MAX);
            }
        }
    }

    fn automata(plan: Plan, parallel: bool) -> Option<Matcher> {
        let folded_names = plan.0;
        if folded_names.is_empty() {
            return None;
        }
        let prefixes = || prefix_filter(&folded_names);
        let names = || Names::new(&folded_names);
        let ((prefixes, reach), (names, patterns)) = if parallel {
            rayon::join(prefixes, names)
        } else {
            (prefixes(), names())
        };
        Some(Matcher {
            prefixes,
            reach,
            names,
            patterns,
        })
    }

    /// Every mention in `text`, in order, not overlapping, leaving out
    /// mentions of `exclude`.
    pub fn find(&self, text: &str, exclude: Option<DocId>) -> Vec<Found> {
        self.find_counting(text, exclude).0
    }

    /// [`Matcher::find`], and the work it took: bytes read by either
    /// automaton and places tried. Tests hold the work to the size of the
    /// input.
    pub fn find_counting(&self, text: &str, exclude: Option<DocId>) -> (Vec<Found>, usize) {
        let mut found = Vec::new();
        let work = self.each_candidate(text, exclude, None, |f| keep_apart(&mut found, f));
        (found, work)
    }

    /// What one matcher of the names of all `matchers` finds in `text`,
    /// each matcher given with a target whose names it is not to find (one
    /// renamed since it was built, whose names now another of them finds),
    /// when no name is then looked for by two of them: where names of
    /// several start, the longest (a name of its own, for the text of
    /// `exclude`, falls back to the longest it starts with of another,
    /// whichever matcher looks for that).
    pub fn find_in_all(matchers: &[(&Matcher, Option<Target>)], text: &str, exclude: Option<DocId>) -> Vec<Found> {
        if let [(one, None)] = matchers {
            return one.find(text, exclude);
        }
        let mut candidates = Vec::new();
        for (matcher, left_out) in matchers {
            matcher.each_candidate(text, exclude, *left_out, |f| candidates.push(f));
        }
        // By start, the longest first.
        candidates.sort_unstable_by(|a, b| a.range.start.cmp(&b.range.start).then(b.range.end.cmp(&a.range.end)));
        let mut found = Vec::new();
        for f in candidates {
            keep_apart(&mut found, f);
        }
        found
    }

    /// Calls `each` with the mention that each place of `text` where a name
    /// starts makes (the longest name there, see [`Matcher::accept`]), in
    /// order; returns the work it took.
    fn each_candidate(
        &self,
        text: &str,
        exclude: Option<DocId>,
        left_out: Option<Target>,
        mut each: impl FnMut(Found),
    ) -> usize {
        let folded = text.to_ascii_lowercase();
        let mut proposals: Vec<(usize, usize)> = self
            .prefixes
            .find_overlapping_iter(&folded)
            .map(|m| (m.start(), m.start() + self.reach[m.pattern().as_usize()]))
            .collect();
        let mut work = text.len() + proposals.len();
        if proposals.is_empty() {
            return work;
        }
        // By start, the farthest reach first; then one entry per start.
        proposals.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        proposals.dedup_by_key(|p| p.0);
        let mut longest = Vec::new();
        let mut i = 0;
        while i < proposals.len() {
            // A stretch of text covered by overlapping reaches, read once.
            let (from, mut to) = proposals[i];
            let mut j = i + 1;
            while j < proposals.len() && proposals[j].0 < to {
                to = to.max(proposals[j].1);
                j += 1;
            }
            let starts = &proposals[i..j];
            let mut to = to.min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            work += self.names.longest_from(text, from..to, starts, &mut longest);
            for (&(start, _), &pattern) in starts.iter().zip(&longest) {
                if let Some(f) = self.accept(start, pattern, exclude, left_out) {
                    each(f);
                }
            }
            i = j;
        }
        work
    }

    /// The mention that `pattern` (the longest name starting at `start`)
    /// makes, or when it names `exclude` or `left_out`, the longest name it
    /// starts with that names neither: each fallback names another target
    /// than the name it is the fallback of, and every name between them
    /// that one's.
    fn accept(&self, start: usize, pattern: u32, exclude: Option<DocId>, left_out: Option<Target>) -> Option<Found> {
        let mut p = (pattern != NONE).then_some(pattern)?;
        let excluded = |t: Target| Some(t) == exclude.map(Target::Document) || Some(t) == left_out;
        while excluded(self.patterns[p as usize].target) {
            p = self.patterns[p as usize].fallback?;
        }
        let pattern = &self.patterns[p as usize];
        Some(Found {
            range: start..start + pattern.len,
            target: pattern.target,
        })
    }
}

/// Adds `f`, a name found, to `found` (in order of where they start),
/// unless it starts inside the last one: that one stands, and `f` is none.
fn keep_apart(found: &mut Vec<Found>, f: Found) {
    if found.last().is_none_or(|last| f.range.start >= last.range.end) {
        found.push(f);
    }
}

/// English function words: a name made of nothing else names nothing.
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "between",
    "but", "by", "can", "could", "did", "do", "does", "during", "each", "for", "from", "had", "has", "have", "he",
    "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "might", "must", "my", "no", "nor",
    "not", "of", "on", "onto", "or", "other", "our", "over", "shall", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "under",
    "upon", "us", "was", "we", "were", "what", "when", "where", "which", "who", "whom", "whose", "why", "will", "with",
    "within", "without", "would", "you", "your",
];

/// What this archive's texts call any document: a name of nothing else
/// would name every plan, law and speech.
const DOCUMENT_WORDS: &[&str] = &[
    "act",
    "article",
    "circular",
    "code",
    "decision",
    "decree",
    "document",
    "guidance",
    "guideline",
    "guidelines",
    "initiative",
    "law",
    "measures",
    "notice",
    "opinion",
    "opinions",
    "outline",
    "plan",
    "plans",
    "policy",
    "program",
    "programme",
    "readout",
    "regulation",
    "regulations",
    "report",
    "resolution",
    "rules",
    "speech",
    "statement",
    "strategy",
];

/// The same in Chinese, as whole names.
const CHINESE_DOCUMENT_WORDS: &[&str] = &[
    "规划", "计划", "意见", "通知", "决定", "办法", "条例", "报告", "方案", "纲要", "讲话", "决议", "文件", "政策",
    "法律",
];

/// Whether a name is too common to look for: linking every place it
/// stands would link nearly every text. That is a name of one character,
/// or of two letters or digits; a name of only English function words and
/// words for documents ("the", "and", "the Plan", "Opinions"); a bare
/// Chinese word for a document (规划, 意见...); or a name of only digits.
pub fn too_common(name: &str) -> bool {
    let name = name.trim();
    let chars = name.chars().count();
    if chars <= 1 || (chars == 2 && !name.chars().all(is_chinese)) {
        return true;
    }
    if CHINESE_DOCUMENT_WORDS.contains(&name) {
        return true;
    }
    let common = |w: &str| {
        // Lower-cased only when that changes it, and only as far as the
        // first word that is not common.
        let lower: std::borrow::Cow<str> = if w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            w.into()
        } else {
            w.to_lowercase().into()
        };
        let w = &*lower;
        FUNCTION_WORDS.contains(&w) || DOCUMENT_WORDS.contains(&w) || w.chars().all(|c| c.is_ascii_digit()) || w == "s"
    };
    let mut words = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some() && words.all(common)
}

/// The DFA over the first [`PREFIX_BYTES`] of every name, and for each of
/// its patterns the length of the longest name that starts with it.
fn prefix_filter(names: &[(String, Target)]) -> (AhoCorasick, Vec<usize>) {
    let mut by_prefix: HashMap<&str, usize> = HashMap::new();
    for (name, _) in names {
        let reach = by_prefix.entry(prefix(name)).or_default();
        *reach = (*reach).max(name.len());
    }
    let mut prefix_list: Vec<(&str, usize)> = by_prefix.into_iter().collect();
    prefix_list.sort_unstable();
    let prefixes = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(prefix_list.iter().map(|(p, _)| p))
        .expect("prefixes are plain strings");
    (prefixes, prefix_list.iter().map(|&(_, r)| r).collect())
}

/// No pattern, no state.
const NONE: u32 = u32::MAX;

/// The root state of [`Names`].
const ROOT: u32 = 0;

/// An Aho-Corasick automaton over names written backwards, with boundary
/// marks (see the module comment). States are the nodes of a trie of the
/// reversed names, numbered breadth first, so that the children of a state
/// are consecutive states and the trie needs no edge list: a state's edges
/// are its children's bytes. A state's `longest` is the longest name that
/// ends the text read so far, which is, the text being read backwards, the
/// longest name that starts where reading stands. About 13 bytes per state.
struct Names {
    /// Transitions from the root, which most bytes of a text lead back to.
    root: Box<[u32; 256]>,
    /// The first child of each state; one more entry than there are states.
    children: Vec<u32>,
    /// The byte that leads to each state from its parent.
    byte: Vec<u8>,
    fail: Vec<u32>,
    longest: Vec<u32>,
}

impl Names {
    /// The automaton of `names` (ASCII lower case, distinct), and a pattern
    /// for each, in the same order.
    fn new(names: &[(String, Target)]) -> (Names, Vec<Pattern>) {
        let mut marked: Vec<(Vec<u8>, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let mut key = mark_boundaries(name);
                key.reverse();
                (key, i as u32)
            })
            .collect();
        marked.par_sort_unstable();
        let keys = Keys::new(marked);
        let mut automaton = Names {
            root: Box::new([ROOT; 256]),
            children: Vec::new(),
            byte: vec![0],
            fail: Vec::new(),
            longest: Vec::new(),
        };
        let ends = automaton.build_trie(&keys);
        drop(keys);
        let mut patterns: Vec<Pattern> = names
            .iter()
            .map(|(name, target)| Pattern {
                target: *target,
                len: name.len(),
                fallback: None,
            })
            .collect();
        automaton.link(&ends, &mut patterns);
        (automaton, patterns)
    }

    /// Builds the trie of the sorted `keys` breadth first: the keys below a
    /// state are a run of the sorted list, and its children split the run
    /// by the next byte. Returns the pattern that ends at each state.
    fn build_trie(&mut self, keys: &Keys) -> Vec<u32> {
        let mut ends = Vec::with_capacity(keys.bytes.len());
        // Each state's run of keys (first, end) and its depth, in state order.
        let mut runs: Vec<(u32, u32, u32)> = vec![(0, keys.count() as u32, 0)];
        let mut state = 0;
        while state < runs.len() {
            let (first, end, depth) = runs[state];
            let (end, depth) = (end as usize, depth as usize);
            self.children.push(runs.len() as u32);
            let mut i = first as usize;
            // A key as long as the depth ends here; being shortest, it sorts first.
            if i < end && keys.len(i) == depth {
                ends.push(keys.pattern[i]);
                i += 1;
            } else {
                ends.push(NONE);
            }
            while i < end {
                let b = keys.byte(i, depth);
                let mut j = i + 1;
                while j < end && keys.byte(j, depth) == b {
                    j += 1;
                }
                runs.push((i as u32, j as u32, depth as u32 + 1));
                self.byte.push(b);
                i = j;
            }
            state += 1;
        }
        self.children.push(runs.len() as u32);
        ends
    }

    fn children_of(&self, state: u32) -> Range<usize> {
        self.children[state as usize] as usize..self.children[state as usize + 1] as usize
    }

    /// Failure links and each state's longest name, breadth first (state
    /// order); and each pattern's fallback, shorter patterns first.
    fn link(&mut self, ends: &[u32], patterns: &mut [Pattern]) {
        let count = ends.len();
        self.fail = vec![ROOT; count];
        self.longest = vec![NONE; count];
        for child in self.children_of(ROOT) {
            self.root[self.byte[child] as usize] = child as u32;
        }
        for state in 0..count as u32 {
            let own = ends[state as usize];
            let shorter = if state == ROOT {
                NONE
            } else {
                self.longest[self.fail[state as usize] as usize]
            };
            self.longest[state as usize] = if own == NONE { shorter } else { own };
            if own != NONE {
                // `shorter` is the longest name this one ends with, read
                // backwards: the longest name it starts with.
                patterns[own as usize].fallback = match shorter {
                    NONE => None,
                    s if patterns[s as usize].target != patterns[own as usize].target => Some(s),
                    s => patterns[s as usize].fallback,
                };
            }
            for child in self.children_of(state) {
                self.fail[child] = if state == ROOT {
                    ROOT
                } else {
                    self.next(self.fail[state as usize], self.byte[child])
                };
            }
        }
    }

    fn child(&self, state: u32, b: u8) -> Option<u32> {
        let range = self.children_of(state);
        let i = self.byte[range.clone()].binary_search(&b).ok()?;
        Some((range.start + i) as u32)
    }

    /// The state after reading `b` in `state`.
    fn next(&self, mut state: u32, b: u8) -> u32 {
        loop {
            if state == ROOT {
                return self.root[b as usize];
            }
            if let Some(next) = self.child(state, b) {
                return next;
            }
            state = self.fail[state as usize];
        }
    }

    /// Reads `text[window]` backwards and sets `out[i]` to the longest name
    /// (a pattern, or [`NONE`]) that starts at `starts[i].0`, for starts in
    /// the window, sorted and distinct. Every name starting there must end
    /// inside the window. Returns the bytes read.
    fn longest_from(&self, text: &str, window: Range<usize>, starts: &[(usize, usize)], out: &mut Vec<u32>) -> usize {
        out.clear();
        out.resize(starts.len(), NONE);
        let mut state = ROOT;
        if boundary_at(text, window.end) {
            state = self.next(state, BOUNDARY);
        }
        let mut pending = starts.len();
        let mut read = 0;
        for (i, c) in text[window.clone()].char_indices().rev() {
            let at = window.start + i;
            for &b in text.as_bytes()[at..at + c.len_utf8()].iter().rev() {
                state = self.next(state, b.to_ascii_lowercase());
            }
            read += c.len_utf8();
            let boundary = boundary_at(text, at);
            let marked = if boundary { self.next(state, BOUNDARY) } else { state };
            while pending > 0 && starts[pending - 1].0 >= at {
                pending -= 1;
                if starts[pending].0 == at {
                    // A name that starts with a word character starts
                    // with a boundary mark; any other starts at the
                    // character itself.
                    out[pending] = match (is_word(c), boundary) {
                        (true, true) => self.longest[marked as usize],
                        (true, false) => NONE,
                        (false, _) => self.longest[state as usize],
                    };
                }
            }
            state = marked;
        }
        read
    }
}

/// Sorted keys in one buffer, in their order, so that reading the same
/// position of consecutive keys reads memory in order.
struct Keys {
    bytes: Vec<u8>,
    /// Where each key starts in `bytes`; one more entry than there are keys.
    starts: Vec<u32>,
    pattern: Vec<u32>,
}

impl Keys {
    fn new(sorted: Vec<(Vec<u8>, u32)>) -> Keys {
        let mut keys = Keys {
            bytes: Vec::with_capacity(sorted.iter().map(|(k, _)| k.len()).sum()),
            starts: Vec::with_capacity(sorted.len() + 1),
            pattern: Vec::with_capacity(sorted.len()),
        };
        for (key, pattern) in sorted {
            keys.starts.push(keys.bytes.len() as u32);
            keys.bytes.extend_from_slice(&key);
            keys.pattern.push(pattern);
        }
        keys.starts.push(keys.bytes.len() as u32);
        keys
    }

    fn count(&self) -> usize {
        self.pattern.len()
    }

    fn len(&self, key: usize) -> usize {
        (self.starts[key + 1] - self.starts[key]) as usize
    }

    fn byte(&self, key: usize, at: usize) -> u8 {
        self.bytes[self.starts[key] as usize + at]
    }
}

/// `name` (ASCII lower case) with a [`BOUNDARY`] wherever the rules want a
/// word boundary: where a Latin letter or digit meets anything else, and at
/// an end that is a Latin letter or digit.
fn mark_boundaries(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 8);
    let mut previous = false;
    for c in name.chars() {
        let word = is_word(c);
        if word != previous {
            out.push(BOUNDARY);
        }
        previous = word;
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    if previous {
        out.push(BOUNDARY);
    }
    out
}

/// Whether a word boundary stands at byte `at` of `text`: a Latin letter or
/// digit on one side and not on the other (the text's edges count as not).
fn boundary_at(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back().is_some_and(is_word);
    let after = text[at..].chars().next().is_some_and(is_word);
    before != after
}

/// A letter or digit that needs a word boundary: not Chinese, where words
/// are not separated by spaces.
pub(super) fn is_word(c: char) -> bool {
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
        let m = matcher(&[("工业和信息化部", MIIT), ("ab 规划规划规划", PLAN)]);
        // Where the longest name could end is inside a Chinese character.
        assert!(found(&m, "ab 规划xxxxxxxxxxx中", None).is_empty());
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

    /// `k` names "w w w ... w end" of 1 to `k` words after a shared
    /// beginning, and a text of about `k * k` words "w", where every word
    /// begins every name and none ends: the worst case for trying names one
    /// by one. Returns the input's size in bytes and the work of finding.
    fn work_on_long_names_sharing_a_beginning(k: usize) -> (usize, usize) {
        let names: Vec<(String, Target)> = (1..=k)
            .map(|i| (format!("{}end", "w ".repeat(5 + i)), Target::Document(i)))
            .collect();
        let size_of_names: usize = names.iter().map(|(n, _)| n.len()).sum();
        let m = Matcher::new(names).0.unwrap();
        let text = "w ".repeat(k * k);
        let (found, work) = m.find_counting(&text, None);
        assert!(found.is_empty());
        (size_of_names + text.len(), work)
    }

    #[test]
    fn finding_costs_work_in_proportion_to_the_input() {
        let (small, small_work) = work_on_long_names_sharing_a_beginning(40);
        let (large, large_work) = work_on_long_names_sharing_a_beginning(80);
        assert!(large >= 3 * small, "{small} and {large} bytes");
        let per_byte = |work: usize, size: usize| work as f64 / size as f64;
        assert!(
            per_byte(large_work, large) <= 1.25 * per_byte(small_work, small),
            "work per byte of input grew from {:.1} ({small_work} for {small} bytes) to {:.1} ({large_work} for {large} bytes)",
            per_byte(small_work, small),
            per_byte(large_work, large),
        );
    }

    #[test]
    fn a_document_finds_the_longest_name_of_another_inside_its_own() {
        let m = matcher(&[("Plan", BIG), ("Plan B", PLAN), ("Plan B Two", PLAN)]);
        assert_eq!(found(&m, "the Plan B Two.", Some(0)), vec![("Plan".into(), BIG)]);
        assert_eq!(found(&m, "the Plan B Two.", Some(1)), vec![("Plan B Two".into(), PLAN)]);
        assert_eq!(found(&m, "the Plan B Twos.", None), vec![("Plan B".into(), PLAN)]);
    }

    #[test]
    fn names_starting_or_ending_with_punctuation_need_no_boundary_there() {
        let m = matcher(&[("《求是》", MIIT), ("(Plan)", PLAN), ("Plan B.", BIG)]);
        assert_eq!(
            found(&m, "x《求是》y a(Plan)b the Plan B.c", None),
            vec![
                ("《求是》".into(), MIIT),
                ("(Plan)".into(), PLAN),
                ("Plan B.".into(), BIG)
            ]
        );
    }

    #[test]
    fn common_words_and_short_names_are_too_common() {
        for name in [
            "the",
            "And",
            "of the",
            "the Plan",
            "Opinions",
            "EU",
            "5G",
            "规",
            "规划",
            "2021",
            " x ",
            "the Plan's",
        ] {
            assert!(too_common(name), "{name}");
        }
        for name in [
            "MIIT",
            "Five-Year Plan",
            "the 14th Plan",
            "求是",
            "Plan B",
            "中国共产党",
            "Central Eight Regulations",
        ] {
            assert!(!too_common(name), "{name}");
        }
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

    /// The rules of the module comment, applied by trying every name at
    /// every place: slow, and plainly right.
    fn reference(names: &[(String, Target)], text: &str, exclude: Option<DocId>) -> Vec<(Range<usize>, Target)> {
        let mut known: Vec<(String, Target)> = Vec::new();
        for (name, target) in names {
            let name = name.trim();
            if name.chars().count() < MIN_NAME_CHARS {
                continue;
            }
            for variant in apostrophe_variants(name) {
                let folded = variant.to_ascii_lowercase();
                if !known.iter().any(|(n, _)| *n == folded) {
                    known.push((folded, *target));
                }
            }
        }
        let folded = text.to_ascii_lowercase();
        let mut out = Vec::new();
        let mut at = 0;
        for (start, _) in text.char_indices() {
            if start < at {
                continue;
            }
            let best = known
                .iter()
                .filter(|(n, t)| {
                    let end = start + n.len();
                    folded.get(start..end) == Some(n.as_str())
                        && Some(*t) != exclude.map(Target::Document)
                        && !(n.chars().next().is_some_and(is_word)
                            && text[..start].chars().next_back().is_some_and(is_word))
                        && !(n.chars().last().is_some_and(is_word) && text[end..].chars().next().is_some_and(is_word))
                })
                .max_by_key(|(n, _)| n.len());
            if let Some((n, t)) = best {
                out.push((start..start + n.len(), *t));
                at = start + n.len();
            }
        }
        out
    }

    /// Where names of two matchers start at one place, the longest is
    /// found, or for the text of the document it names, the other.
    #[test]
    fn of_two_matchers_the_longest_name_at_a_place_is_found() {
        let short = matcher(&[("data office", Target::Document(0))]);
        let long = matcher(&[("data office rules", Target::Document(1))]);
        let text = "The Data Office Rules apply.";
        for (exclude, expected) in [(None, "Data Office Rules"), (Some(1), "Data Office")] {
            for pair in [[(&short, None), (&long, None)], [(&long, None), (&short, None)]] {
                let found = Matcher::find_in_all(&pair, text, exclude);
                let found: Vec<&str> = found.iter().map(|f| &text[f.range.clone()]).collect();
                assert_eq!(found, [expected], "excluding {exclude:?}");
            }
        }
    }

    /// Left out, a renamed target's name falls back to the longest name it
    /// starts with that names neither it nor the text's own document,
    /// however the two alternate.
    #[test]
    fn a_name_left_out_falls_back_past_the_text_s_own_names() {
        let before = matcher(&[
            ("data office rules", Target::Document(1)),
            ("data office", Target::Entity(0)),
            ("data", Target::Document(2)),
        ]);
        let text = "The Data Office Rules apply.";
        let found = Matcher::find_in_all(&[(&before, Some(Target::Entity(0)))], text, Some(1));
        let found: Vec<(&str, Target)> = found.iter().map(|f| (&text[f.range.clone()], f.target)).collect();
        assert_eq!(found, [("Data", Target::Document(2))]);
    }

    /// Names that often begin one another, and any others.
    fn name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const OVERLAPPING: [&str; 9] = [
            "ab",
            "ab b",
            "ab b ab",
            "b ab",
            "中国",
            "中国 ab",
            "ab中",
            "ab's b",
            "ab’s",
        ];
        prop_oneof![
            proptest::sample::select(&OVERLAPPING[..]).prop_map(String::from),
            "[ab A'’中国.-]{0,7}",
        ]
    }

    /// The targets names of the property tests name: three documents and
    /// an entity.
    fn target(t: usize) -> Target {
        if t == 3 { Target::Entity(0) } else { Target::Document(t) }
    }

    /// Texts of the property tests.
    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof!["[ab A'’中国.x-]{0,60}", "((ab|b|中) ){0,12}"]
    }

    /// What was found, as spans and targets.
    fn spans(found: Vec<Found>) -> Vec<(Range<usize>, Target)> {
        found.into_iter().map(|f| (f.range, f.target)).collect()
    }

    proptest::proptest! {
        #[test]
        fn finds_what_trying_every_name_everywhere_finds(
            names in proptest::collection::vec((name(), 0..4usize), 1..8),
            text in text(),
            exclude in proptest::option::of(0..4usize),
        ) {
            let names: Vec<(String, Target)> = names.into_iter().map(|(n, t)| (n, target(t))).collect();
            let expected = reference(&names, &text, exclude);
            let got = match Matcher::new(names).0 {
                Some(m) => spans(m.find(&text, exclude)),
                None => Vec::new(),
            };
            proptest::prop_assert_eq!(got, expected);
        }

        /// The names looked for split between two matchers, found with
        /// both, are found as one matcher of them all finds them.
        #[test]
        fn two_matchers_find_what_one_of_all_their_names_finds(
            names in proptest::collection::vec((name(), 0..4usize), 1..8),
            split in proptest::collection::vec(proptest::bool::ANY, 16),
            text in text(),
            exclude in proptest::option::of(0..4usize),
        ) {
            let names: Vec<(String, Target)> = names.into_iter().map(|(n, t)| (n, target(t))).collect();
            let (plan, _) = Matcher::plan(names);
            let (first, second): (Vec<_>, Vec<_>) =
                plan.names().iter().cloned().enumerate().partition(|(i, _)| split[i % split.len()]);
            let build = |half: Vec<(usize, (String, Target))>| {
                Matcher::build(Plan::of_spellings(half.into_iter().map(|(_, n)| n).collect()))
            };
            let halves = [build(first), build(second)];
            let matchers: Vec<(&Matcher, Option<Target>)> = halves.iter().flatten().map(|m| (m, None)).collect();
            let expected = match Matcher::build(plan) {
                Some(m) => spans(m.find(&text, exclude)),
                None => Vec::new(),
            };
            proptest::prop_assert_eq!(spans(Matcher::find_in_all(&matchers, &text, exclude)), expected);
        }

        /// A matcher built before a target was renamed, leaving out that
        /// target's names, beside a matcher of its names now, finds what
        /// one matcher of the names now finds (when no name of the target
        /// was given for another too, before or after: the preview plans
        /// every name again then).
        #[test]
        fn a_matcher_leaving_out_a_renamed_target_finds_what_one_of_the_names_now_finds(
            names in proptest::collection::vec((name(), 0..4usize), 1..8),
            renamed in 0..4usize,
            new_names in proptest::collection::vec(name(), 0..3),
            text in text(),
            exclude in proptest::option::of(0..4usize),
        ) {
            let renamed = target(renamed);
            let names: Vec<(String, Target)> = names.into_iter().map(|(n, t)| (n, target(t))).collect();
            let (before, ambiguous) = Matcher::plan(names);
            let new_names: Vec<(String, Target)> = new_names.into_iter().map(|n| (n, renamed)).collect();
            let (now, _) = Matcher::plan(new_names);
            let others: Vec<(String, Target)> =
                before.names().iter().filter(|(_, t)| *t != renamed).cloned().collect();
            let taken = |spelling: &str| others.iter().any(|(s, _)| s == spelling);
            proptest::prop_assume!(ambiguous.iter().all(|a| a.kept != renamed && a.dropped != renamed));
            proptest::prop_assume!(now.names().iter().all(|(s, _)| !taken(s)));
            let all_now = Plan::of_spellings(others.iter().chain(now.names()).cloned().collect());
            let expected = match Matcher::build(all_now) {
                Some(m) => spans(m.find(&text, exclude)),
                None => Vec::new(),
            };
            let (before, now) = (Matcher::build(before), Matcher::build(now));
            let matchers: Vec<(&Matcher, Option<Target>)> = (before.iter().map(|m| (m, Some(renamed))))
                .chain(now.iter().map(|m| (m, None)))
                .collect();
            proptest::prop_assert_eq!(spans(Matcher::find_in_all(&matchers, &text, exclude)), expected);
        }
    }
}
