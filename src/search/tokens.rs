//! Text to search terms: the one definition the index and the browser share.
//!
//! A term is either a word of an alphabetic script or a piece of Chinese.
//! Words are maximal runs of letters and digits outside Chinese script,
//! lower-cased; words of ASCII letters are stemmed with the Snowball English
//! stemmer (Porter2), so "plans" and "planning" are both "plan"; single
//! letters are dropped. Chinese is written without spaces between words, and
//! no dictionary segments official prose reliably, so every run of Han
//! characters gives its characters and its overlapping pairs of characters:
//! 国家信息化 gives 国, 家, 信, 息, 化, 国家, 家信, 信息, 息化. A query of
//! two or more characters is looked up by its pairs, one character by itself;
//! the browser then checks that the characters stand together in the text.
//!
//! `themes/default/static/search.js` tokenises queries and paragraphs with the
//! same rules (and `stem.js`, the same stemmer); the tests of `tests/search`
//! hold the two to each other.

use rust_stemmers::{Algorithm, Stemmer};

/// Longer words are not indexed: no reader searches for them, and they
/// are mostly identifiers and runs of digits.
pub const MAX_WORD_BYTES: usize = 40;

/// Whether `c` is a Han character (a Chinese ideograph). Punctuation of
/// Chinese script is not: it separates terms like any other.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// What a character is to the tokenizer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter or digit outside Han script.
    Word,
    Han,
    /// Anything else: it separates terms.
    Other,
}

fn class(c: char) -> Class {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Other
        }
    } else if is_han(c) {
        Class::Han
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Other
    }
}

/// A piece of text that gives terms: a word as written, or a run of Han
/// characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    Word(&'t str),
    Han(&'t str),
}

/// Calls `piece` with every word and Han run of `text`, in order.
///
/// Most text is ASCII: its words and the spaces between them are scanned
/// eight bytes at a time ([`ascii_word_bytes`]); a character outside ASCII
/// is classified by itself.
#[inline]
pub fn pieces<'t>(text: &'t str, mut piece: impl FnMut(Piece<'t>)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip what separates words: ASCII that is not a letter or digit.
        i = ascii_run_end(bytes, i, |x| !ascii_word_bytes(x) & !x & HIGH);
        if i >= bytes.len() {
            break;
        }
        let start = i;
        let kind = if bytes[i] < 0x80 {
            i = ascii_run_end(bytes, i, ascii_word_bytes);
            if i >= bytes.len() || bytes[i] < 0x80 {
                piece(Piece::Word(&text[start..i]));
                continue;
            }
            Class::Word
        } else {
            let c = char_at(text, i);
            i += c.len_utf8();
            match class(c) {
                Class::Other => continue,
                kind => kind,
            }
        };
        // A run that holds characters outside ASCII, one at a time.
        while i < bytes.len() {
            let b = bytes[i];
            let (next, len) = if b < 0x80 {
                let class = if b.is_ascii_alphanumeric() {
                    Class::Word
                } else {
                    Class::Other
                };
                (class, 1)
            } else {
                let c = char_at(text, i);
                (class(c), c.len_utf8())
            };
            if next != kind {
                break;
            }
            i += len;
        }
        piece(if kind == Class::Han {
            Piece::Han(&text[start..i])
        } else {
            Piece::Word(&text[start..i])
        });
    }
}

fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().expect("i is at a character")
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For eight bytes read little-endian, the high bit of each byte that is an
/// ASCII letter or digit. Each byte is compared in its own seven bits, so
/// no carry crosses into the next.
#[inline(always)]
fn ascii_word_bytes(x: u64) -> u64 {
    // The high bit of each byte of `v` (seven bits a byte) that is at
    // least `lo`.
    let at_least = |v: u64, lo: u8| (v + u64::from(0x80 - lo) * ONES) & HIGH;
    let low = x & !HIGH;
    // Setting 0x20 folds capitals onto small letters and moves no other
    // byte into a..z.
    let folded = low | (0x20 * ONES);
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    let digit = at_least(low, b'0') & !at_least(low, b'9' + 1);
    (letter | digit) & !x & HIGH
}

/// Where the run of bytes from `i` that `run` marks (the high bit of each
/// byte of eight read little-endian) ends.
#[inline(always)]
fn ascii_run_end(bytes: &[u8], mut i: usize, run: impl Fn(u64) -> u64) -> usize {
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let outside = !run(x) & HIGH;
        if outside != 0 {
            return i + (outside.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let mut tail = [0u8; 8];
    tail[..bytes.len() - i].copy_from_slice(&bytes[i..]);
    let outside = !run(u64::from_le_bytes(tail)) & HIGH;
    (i + (outside.trailing_zeros() / 8) as usize).min(bytes.len())
}

/// Splits texts into terms. Holds the stemmer, and a buffer reused between
/// words.
pub struct Tokenizer {
    stemmer: Stemmer,
    word: String,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
            word: String::new(),
        }
    }
}

impl Tokenizer {
    /// Calls `term` with every term of `text`, in order.
    pub fn terms(&mut self, text: &str, mut term: impl FnMut(&str)) {
        pieces(text, |piece| match piece {
            Piece::Word(word) => {
                if let Some(t) = self.word_term(word) {
                    term(&t);
                }
            }
            Piece::Han(run) => han_terms(run, &mut term),
        });
    }

    /// The term of a word as written, if it gives one: lower-cased, and
    /// stemmed when it is all ASCII letters.
    pub fn word_term(&mut self, word: &str) -> Option<String> {
        if word.len() > MAX_WORD_BYTES {
            return None;
        }
        self.word.clear();
        self.word.extend(word.chars().flat_map(char::to_lowercase));
        let mut chars = self.word.chars();
        if let (Some(only), None) = (chars.next(), chars.next()) {
            if !only.is_numeric() {
                return None;
            }
        }
        if self.word.bytes().all(|b| b.is_ascii_lowercase()) {
            Some(self.stemmer.stem(&self.word).into_owned())
        } else {
            Some(self.word.clone())
        }
    }
}

/// The characters of a Han run, and its overlapping pairs.
pub fn han_terms(run: &str, term: &mut impl FnMut(&str)) {
    let mut previous: Option<usize> = None;
    for (i, c) in run.char_indices() {
        let end = i + c.len_utf8();
        term(&run[i..end]);
        if let Some(p) = previous {
            term(&run[p..end]);
        }
        previous = Some(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Tokenizer::default().terms(text, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn english_words_are_lower_cased_and_stemmed() {
        assert_eq!(terms("Plans, PLANNING and planned."), ["plan", "plan", "and", "plan"]);
        assert_eq!(terms("Digitalization of industries"), ["digit", "of", "industri"]);
    }

    #[test]
    fn digits_stay_words_and_single_letters_are_dropped() {
        assert_eq!(terms("5G in 2025: China's a 3 x"), ["5g", "in", "2025", "china", "3"]);
    }

    #[test]
    fn words_outside_ascii_are_lower_cased_but_not_stemmed() {
        assert_eq!(terms("Économie NUMÉRIQUE"), ["économie", "numérique"]);
    }

    #[test]
    fn chinese_gives_characters_and_pairs() {
        assert_eq!(terms("信息化"), ["信", "息", "信息", "化", "息化"]);
        assert_eq!(terms("数"), ["数"]);
    }

    #[test]
    fn chinese_punctuation_and_latin_end_a_run() {
        assert_eq!(terms("数字，中国"), ["数", "字", "数字", "中", "国", "中国"]);
        assert_eq!(terms("5G网络plan"), ["5g", "网", "络", "网络", "plan"]);
    }

    /// `pieces` as the rules say it, a character at a time.
    fn pieces_one_by_one(text: &str) -> Vec<Piece<'_>> {
        let mut out = Vec::new();
        let mut run: Option<(usize, Class)> = None;
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            let k = class(c);
            if let Some((start, kind)) = run {
                if kind == k {
                    continue;
                }
                out.push(match kind {
                    Class::Han => Piece::Han(&text[start..i]),
                    _ => Piece::Word(&text[start..i]),
                });
                run = None;
            }
            if k != Class::Other {
                run = Some((i, k));
            }
        }
        out
    }

    #[test]
    fn pieces_read_eight_bytes_at_a_time_as_one_at_a_time() {
        let texts = [
            "",
            " ",
            "a",
            "word",
            "exactly8",
            "exactly8 ninebytes! and @[`{ marks: Z z 0 9 / : ~ \x7f",
            "  leading and trailing  ",
            "Économie numérique, café—naïve 5G网络plan 国家信息化规划 数字中国",
            "abcdefgé",
            "abcdefghé中",
            "中abcdefghijklmnop",
            "αβγ δ\u{a0}x\u{2003}y",
            "x1y2z3w4v5u6t7s8r9q0 12345678901234567 ((((((((((a))))))))))",
        ];
        for text in texts {
            let mut found = Vec::new();
            pieces(text, |p| found.push(p));
            assert_eq!(found, pieces_one_by_one(text), "{text:?}");
            // Every starting offset, so runs cross the eight-byte reads
            // at every place.
            for (i, _) in text.char_indices() {
                let mut found = Vec::new();
                pieces(&text[i..], |p| found.push(p));
                assert_eq!(found, pieces_one_by_one(&text[i..]), "{:?}", &text[i..]);
            }
        }
        for b in 0u8..0x80 {
            let text = format!("ab{}cd", b as char);
            let mut found = Vec::new();
            pieces(&text, |p| found.push(p));
            assert_eq!(found, pieces_one_by_one(&text), "byte {b:#x}");
        }
    }

    #[test]
    fn very_long_words_are_left_out() {
        let long = "a".repeat(MAX_WORD_BYTES + 1);
        assert_eq!(terms(&format!("one {long} two")), ["one", "two"]);
    }
}
