//! Words: which words each text holds, so that the preview can tell the
//! few texts that may hold a changed name without reading every text.
//!
//! A *word* is what the mention rules treat as one: a longest run of
//! letters and digits other than Chinese, compared blind to ASCII case
//! (see [`super::mentions`]). Wherever a text holds a name, a word
//! boundary stands at both ends of each of the name's words (the rules
//! want one where a letter or digit meets anything else, and at a name's
//! end that is one), so the text holds each of the name's words as a
//! whole word too, and each two of them one after the other, with no
//! word between. A text that lacks one of them, or holds two of them but
//! never side by side, cannot hold the name. Texts are read as the
//! matcher reads them, piece by piece (see [`super::links`]).
//!
//! Each text's words are kept in a Bloom filter: a bitset where each word
//! sets a few bits chosen by its hash. A word the text holds always finds
//! its bits set; one it does not hold finds them all set about once in a
//! hundred tries, and the text is then read as it would have been without
//! the filter. Ten bits per word keep a text's filter near a twentieth of
//! its size. The pairs of words side by side have a filter of their own,
//! with fewer bits each (it is asked only of texts that hold both words):
//! a name of common words, such as "financial technology innovation", is
//! held word by word by nine times as many texts as hold the phrase, and
//! every one of them was read. The filters are kept by the preview, by the
//! fingerprint of each document's inputs, and made when a document is
//! first read for names.

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::content::Document;
use crate::hash::Map;

/// Bits per distinct word: about 1% false positives with
/// [`PROBES`] bits per word.
const BITS_PER_WORD: usize = 10;
/// Bits per distinct pair of words: about 6% false positives, asked
/// only of a text that holds both words.
const BITS_PER_PAIR: usize = 6;
const PROBES: u64 = 4;
/// The `u64`s of a block, 512 bits: one cache line, which holds every bit
/// of a hash (see [`probes`]).
const BLOCK: usize = 8;

/// The words of one document's texts, and the pairs of words side by
/// side, in Bloom filters.
///
/// Every bit of one hash is in one block of the filter, so that testing a
/// word reads one cache line: the preview tests a name's words in the
/// filter of every document, and at 100,000 documents, with the bits
/// spread over the whole filter, that took 25 to 60 ms an edit. Both
/// filters are in one allocation, the words' blocks first.
pub struct Words {
    bits: Box<[u64]>,
    /// Where the pairs' blocks start.
    pairs: u32,
}

impl Words {
    /// The filter of every word in `texts`.
    #[cfg(test)]
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Words {
        let mut of = Of::default();
        for text in texts {
            of.add(text);
        }
        of.words()
    }

    /// Whether the texts may hold the word hashed to `h`: always when they
    /// do, and rarely when they do not.
    pub fn may_hold(&self, h: u64) -> bool {
        holds(&self.bits[..self.pairs as usize], h)
    }

    /// Whether the texts may hold the words hashed to `first` and then
    /// `second` side by side.
    pub fn may_hold_pair(&self, first: u64, second: u64) -> bool {
        holds(&self.bits[self.pairs as usize..], pair(first, second))
    }
}

/// The words of some texts, and pairs of words, gathered to make their
/// [`Words`].
#[derive(Default)]
pub struct Of {
    words: Vec<u64>,
    pairs: Vec<u64>,
}

impl Of {
    /// Adds the words of `text`, and its pairs of words side by side.
    pub fn add(&mut self, text: &str) {
        let mut last = None;
        for h in words(text) {
            self.words.push(h);
            if let Some(last) = last.replace(h) {
                self.pairs.push(pair(last, h));
            }
        }
    }

    pub fn words(mut self) -> Words {
        let blocks = |hashes: &mut Vec<u64>, bits: usize| {
            hashes.sort_unstable();
            hashes.dedup();
            (hashes.len() * bits).div_ceil(BLOCK * 64).max(1)
        };
        let (words, pairs) = (
            blocks(&mut self.words, BITS_PER_WORD),
            blocks(&mut self.pairs, BITS_PER_PAIR),
        );
        let mut bits = vec![0u64; (words + pairs) * BLOCK].into_boxed_slice();
        let (of_words, of_pairs) = bits.split_at_mut(words * BLOCK);
        for (filter, hashes) in [(of_words, &self.words), (of_pairs, &self.pairs)] {
            for &h in hashes {
                let (block, each) = probes(h, filter.len() / BLOCK);
                for bit in each {
                    filter[block + bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        Words {
            bits,
            // (A filter of 2^32 blocks is of more words than a text holds.)
            pairs: u32::try_from(words * BLOCK).unwrap_or(u32::MAX),
        }
    }
}

/// Whether `filter` may hold the hash `h`.
fn holds(filter: &[u64], h: u64) -> bool {
    let (block, mut each) = probes(h, filter.len() / BLOCK);
    let Some(block) = filter.get(block..block + BLOCK) else {
        return true;
    };
    each.all(|bit| block[bit / 64] & (1 << (bit % 64)) != 0)
}

/// Where the bits of the hash `h` are in a filter of `blocks` blocks: the
/// first `u64` of its block, and each bit in the block (nine bits of the
/// hash each; the block from its top 28 bits).
fn probes(h: u64, blocks: usize) -> (usize, impl Iterator<Item = usize>) {
    let block = ((h >> 36) * blocks as u64) >> 28;
    let each = (0..PROBES).map(move |i| ((h >> (9 * i)) & 511) as usize);
    (block as usize * BLOCK, each)
}

/// The hash of two words one after the other, from theirs.
pub fn pair(first: u64, second: u64) -> u64 {
    first.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ second
}

/// Calls `f` with the hash of every word of `text`, in order, repeats and
/// all. Letters are hashed in ASCII lower case.
pub fn each_word(text: &str, f: impl FnMut(u64)) {
    words(text).for_each(f);
}

/// The hashes of the words of `text`, in order, repeats and all, as
/// [`each_word`] gives them: a caller can stop at any word.
pub fn words(text: &str) -> impl Iterator<Item = u64> + '_ {
    let bytes = text.as_bytes();
    // A character other than ASCII follows the rule the matcher's word
    // boundaries follow, so that a name's words are the words a text
    // holding it holds; ASCII, most of a text, is told by a table.
    let other = move |at: usize| {
        let c = text[at..].chars().next().unwrap_or_default();
        (super::mentions::is_word(c), c.len_utf8())
    };
    let mut at = 0;
    std::iter::from_fn(move || {
        // To the word's first byte.
        loop {
            let &b = bytes.get(at)?;
            if b.is_ascii() {
                if ASCII_WORD[usize::from(b)] {
                    break;
                }
                at += 1;
            } else {
                let (word, len) = other(at);
                if word {
                    break;
                }
                at += len;
            }
        }
        let mut hash = FNV_OFFSET;
        while let Some(&b) = bytes.get(at) {
            if b.is_ascii() {
                if !ASCII_WORD[usize::from(b)] {
                    break;
                }
                hash = (hash ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FNV_PRIME);
                at += 1;
            } else {
                let (word, len) = other(at);
                if !word {
                    break;
                }
                for &b in &bytes[at..at + len] {
                    hash = (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
                }
                at += len;
            }
        }
        Some(mix(hash))
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Which ASCII bytes are part of a word: letters and digits.
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Spreads FNV-1a's bits over the whole word, so that both halves of the
/// hash are fit to choose bits.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// What a text that holds a name holds of it: its words, and each two
/// side by side.
pub struct Name {
    words: Vec<u64>,
    pairs: Vec<(u64, u64)>,
}

impl Name {
    pub fn of(name: &str) -> Name {
        let words: Vec<u64> = words(name).collect();
        let pairs = words.windows(2).map(|w| (w[0], w[1])).collect();
        Name { words, pairs }
    }

    /// Whether texts with these `words` may hold the name: always when
    /// they do. A name without words (in Chinese, say) may be in any.
    pub fn may_be_in(&self, words: &Words) -> bool {
        self.words.iter().all(|&h| words.may_hold(h)) && self.pairs.iter().all(|&(a, b)| words.may_hold_pair(a, b))
    }
}

/// Filters made, by fingerprint.
type Made = Vec<(u64, Words)>;

/// The filters of the documents read so far, by the fingerprint of each
/// document's inputs (which covers its texts).
#[derive(Default)]
pub struct Index {
    /// Each filter, with its document's fingerprint.
    slots: Vec<(u64, Words)>,
    /// Each filter's slot, by fingerprint.
    by_fingerprint: Map<u64, u32>,
    /// The slot of each document's filter, by the document's place in the
    /// archive when it was last looked up. [`Index::find`] reads it first,
    /// in the archive's order, and checks the fingerprint: a name looked
    /// for in every document's filter then reads no map, whose lookups
    /// (two cache misses each) took half of that pass at 100,000
    /// documents.
    order: Vec<u32>,
    /// The filters of a whole archive, being made on threads of their own
    /// after the preview's first build (see [`Index::make_later`]), in the
    /// archive's order.
    pending: Vec<JoinHandle<Made>>,
}

/// Where [`Index::find`] found a document's filter.
pub enum Found<'a> {
    /// In the slot kept for the document's place.
    InPlace(&'a Words),
    /// In another slot, by the fingerprint: [`Index::update`] keeps it for
    /// the place.
    Moved(&'a Words, u32),
    Missing,
}

impl Index {
    #[cfg(test)]
    pub fn get(&self, fingerprint: u64) -> Option<&Words> {
        let slot = *self.by_fingerprint.get(&fingerprint)?;
        Some(&self.slots[slot as usize].1)
    }

    /// The filter of the document at `place` in the archive, whose inputs'
    /// fingerprint is `fingerprint`.
    pub fn find(&self, place: usize, fingerprint: u64) -> Found<'_> {
        let at = |slot: u32| self.slots.get(slot as usize).filter(|(fp, _)| *fp == fingerprint);
        if let Some((_, words)) = self.order.get(place).and_then(|&slot| at(slot)) {
            return Found::InPlace(words);
        }
        match self.by_fingerprint.get(&fingerprint) {
            Some(&slot) => Found::Moved(&self.slots[slot as usize].1, slot),
            None => Found::Missing,
        }
    }

    /// When the index is empty, makes the filters of `documents` with
    /// `words_of` on threads of their own at low priority, one for each
    /// core: the first edit of a name then finds them made, instead of
    /// reading every text (at 100,000 documents, some 870 MB). A rebuild
    /// meanwhile, at normal priority, takes the cores first. (They start
    /// at once, not as [`crate::later`]'s work for later, which would wait
    /// for the first build's pages: at 100,000 documents, the first edit of
    /// a name then waited five seconds for them.)
    pub fn make_later(&mut self, documents: &[Arc<Document>], words_of: fn(&Document) -> Words) {
        if !self.slots.is_empty() || !self.pending.is_empty() {
            return;
        }
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let each = documents.len().div_ceil(threads).max(1);
        for (n, chunk) in documents.chunks(each).enumerate() {
            let documents = chunk.to_vec();
            let spawned = std::thread::Builder::new()
                .name(format!("annals-words-{n}"))
                .spawn(move || {
                    crate::later::lower_priority();
                    (documents.iter()).map(|doc| (doc.fingerprint, words_of(doc))).collect()
                });
            match spawned {
                Ok(spawned) => self.pending.push(spawned),
                // (Without a thread, the filters are made when first
                // wanted; those of the chunks after this one would be out
                // of place.)
                Err(_) => break,
            }
        }
    }

    /// Takes in the filters being made, waiting for them if need be.
    pub fn settle(&mut self) {
        let mut place = 0;
        for pending in std::mem::take(&mut self.pending) {
            let Ok(made) = pending.join() else {
                break;
            };
            for (fingerprint, words) in made {
                let slot = self.insert(fingerprint, words);
                self.place(place, slot);
                place += 1;
            }
        }
    }

    fn insert(&mut self, fingerprint: u64, words: Words) -> u32 {
        if let Some(&slot) = self.by_fingerprint.get(&fingerprint) {
            self.slots[slot as usize].1 = words;
            return slot;
        }
        // (Past 2^32 filters, every lookup goes by the map.)
        let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push((fingerprint, words));
        self.by_fingerprint.insert(fingerprint, slot);
        slot
    }

    fn place(&mut self, place: usize, slot: u32) {
        if self.order.len() <= place {
            self.order.resize(place + 1, u32::MAX);
        }
        self.order[place] = slot;
    }

    /// Adds the filters made in a pass, by place and fingerprint, and keeps
    /// the slots found `moved` for their places. Drops the filters of
    /// documents that are no longer (or no longer so) in the archive, whose
    /// fingerprints are not in `current` (in the archive's order), once
    /// they are an eighth of the filters: an edit leaves one behind, and
    /// looking for them all at each edit took longer than keeping a few.
    pub fn update(
        &mut self,
        made: Vec<(usize, u64, Words)>,
        moved: Vec<(usize, u32)>,
        current: impl ExactSizeIterator<Item = u64> + Clone,
    ) {
        for (place, fingerprint, words) in made {
            let slot = self.insert(fingerprint, words);
            self.place(place, slot);
        }
        for (place, slot) in moved {
            self.place(place, slot);
        }
        let count = current.len();
        self.order.truncate(count);
        if self.slots.len() > count + count / 8 {
            let kept: crate::hash::Set<u64> = current.clone().collect();
            self.slots.retain(|(fp, _)| kept.contains(fp));
            self.by_fingerprint = (self.slots.iter().enumerate())
                .map(|(slot, (fp, _))| (*fp, u32::try_from(slot).unwrap_or(u32::MAX)))
                .collect();
            let slot_of = |fp: u64| self.by_fingerprint.get(&fp).copied().unwrap_or(u32::MAX);
            self.order = current.map(slot_of).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        each_word(text, |h| out.push(h));
        out
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_blind_to_ascii_case() {
        assert_eq!(words("The 14th Five-Year Plan"), words("the 14TH five year PLAN"));
        assert_eq!(words("Ministry's data").len(), 3);
        // Letters beyond ASCII belong to the word; Chinese and
        // punctuation end it.
        assert_eq!(words("Café au lait"), words("CAFé AU LAIT"));
        assert_ne!(words("Café"), words("Caf"));
        assert_eq!(words("5G网络建设"), words("5g"));
        assert_eq!(words("数字中国（2021）"), words("2021"));
        assert!(words("，。、 ——").is_empty());
    }

    /// The words of a text are its longest runs of word characters, each
    /// hashed as it would be alone: across ASCII and other letters, digits,
    /// Chinese, marks and punctuation.
    #[test]
    fn a_text_splits_into_the_words_it_holds_alone() {
        let text = "Naïve Zürich-based 5G网络 ΑΒΓ-αβγ e\u{301}x 东数西算2022年 x1,y2;;Z3 ok\u{2019}s déjà";
        let runs: Vec<&str> = text
            .split(|c: char| !crate::analyse::mentions::is_word(c))
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(runs.len(), 15, "{runs:?}");
        let alone: Vec<u64> = runs.iter().flat_map(|w| words(w)).collect();
        assert_eq!(words(text), alone);
        assert!(runs.iter().all(|w| words(w).len() == 1));
        assert_eq!(words("NAÏVE"), words("naÏve"), "ASCII case only");
        assert_ne!(words("NAÏVE"), words("naïve"));
    }

    /// The hash of a word alone.
    fn one(word: &str) -> u64 {
        super::words(word).next().expect("a word")
    }

    #[test]
    fn a_filter_finds_every_word_it_holds_and_few_others() {
        let text: String = (0..2000).map(|n| format!("word{n} ")).collect();
        let filter = Words::of([text.as_str()]);
        for n in 0..2000 {
            assert!(filter.may_hold(one(&format!("WORD{n}"))), "word{n}");
        }
        let false_positives = (2000..12_000)
            .filter(|n| filter.may_hold(one(&format!("word{n}"))))
            .count();
        // About 1% expected; 3% would mean the bits are badly spread.
        assert!(false_positives < 300, "{false_positives} of 10,000");
        assert!(!Words::of(["nothing here"]).may_hold(one("plan")));
    }

    /// Pairs are of words side by side in one text, in their order.
    #[test]
    fn a_filter_finds_every_pair_of_words_side_by_side_and_few_others() {
        let text: String = (0..2000).map(|n| format!("w{n} ")).collect();
        let filter = Words::of([text.as_str(), "Data ELEMENTS", "elements of data"]);
        for n in 0..1999 {
            let (a, b) = (one(&format!("W{n}")), one(&format!("w{}", n + 1)));
            assert!(filter.may_hold_pair(a, b), "w{n} w{}", n + 1);
        }
        let false_positives = (0..10_000)
            .filter(|n| filter.may_hold_pair(one(&format!("w{}", n + 1)), one(&format!("w{n}"))))
            .count();
        // About 6% expected.
        assert!(false_positives < 1000, "{false_positives} of 10,000");
        let name = |n: &str| Name::of(n).may_be_in(&filter);
        assert!(name("data elements") && name("Elements of Data") && name("w7 w8 w9"));
        // Both words, never side by side; one across two texts; a word
        // missing. A name of no words may be anywhere.
        let apart = Words::of(["data and elements", "elements data"]);
        assert!(!Name::of("data elements").may_be_in(&apart));
        assert!(Name::of("elements data").may_be_in(&apart));
        assert!(!Words::of(["data", "elements"]).may_hold_pair(one("data"), one("elements")));
        assert!(!name("data elementsx") && !name("w1 w3"));
        assert!(Name::of("数字中国").may_be_in(&apart));
    }

    #[test]
    fn filters_made_on_their_own_thread_are_taken_in_when_settled() {
        use crate::analyse::links::tests::with_blocks;
        use crate::content::Text;
        fn blocks(doc: &Document) -> Words {
            match &doc.text {
                Text::Blocks(blocks) => Words::of(blocks.iter().map(|b| b.text.as_str())),
                _ => Words::of([]),
            }
        }
        let documents = [
            with_blocks("plan", &["The Five-Year Plan"]),
            with_blocks("other", &["Nothing"]),
        ];
        let mut index = Index::default();
        index.make_later(&documents, blocks);
        index.settle();
        let plan = one("Plan");
        assert!(matches!(index.find(0, documents[0].fingerprint), Found::InPlace(w) if w.may_hold(plan)));
        assert!(index.get(documents[0].fingerprint).unwrap().may_hold(plan));
        assert!(!index.get(documents[1].fingerprint).unwrap().may_hold(plan));
        // An index that has filters makes none on its own thread again.
        index.make_later(&documents, blocks);
        assert!(index.pending.is_empty());
    }

    /// A filter is looked up first by its document's place, then by the
    /// fingerprint; a filter found by the fingerprint is kept for the
    /// place.
    #[test]
    fn filters_are_found_in_place_or_by_fingerprint_once_moved() {
        let mut index = Index::default();
        index.update(
            vec![(0, 10, Words::of(["a"])), (1, 11, Words::of(["b"]))],
            Vec::new(),
            [10, 11].into_iter(),
        );
        assert!(matches!(index.find(0, 10), Found::InPlace(w) if w.may_hold(one("a"))));
        assert!(matches!(index.find(1, 11), Found::InPlace(w) if w.may_hold(one("b"))));
        // A document added first moves the others one place on.
        let Found::Moved(words, slot) = index.find(1, 10) else {
            panic!("found by the fingerprint");
        };
        assert!(words.may_hold(one("a")));
        assert!(matches!(index.find(0, 12), Found::Missing));
        index.update(
            vec![(0, 12, Words::of(["c"]))],
            vec![(1, slot)],
            [12, 10, 11].into_iter(),
        );
        assert!(matches!(index.find(0, 12), Found::InPlace(w) if w.may_hold(one("c"))));
        assert!(matches!(index.find(1, 10), Found::InPlace(w) if w.may_hold(one("a"))));
        assert!(matches!(index.find(2, 11), Found::Moved(w, _) if w.may_hold(one("b"))));
        // A document edited in its place has another fingerprint.
        assert!(matches!(index.find(0, 13), Found::Missing));
    }

    #[test]
    fn the_index_drops_the_filters_of_documents_gone() {
        let mut index = Index::default();
        index.update(
            vec![(0, 1, Words::of(["a"])), (1, 2, Words::of(["b"]))],
            Vec::new(),
            [1, 2].into_iter(),
        );
        assert!(index.get(2).is_some());
        index.update(vec![(1, 3, Words::of(["c"]))], Vec::new(), [1, 3].into_iter());
        assert!(index.get(1).is_some() && index.get(3).is_some());
        assert!(index.get(2).is_none());
    }
}
