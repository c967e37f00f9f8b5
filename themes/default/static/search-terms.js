/**
 * Search terms, by the rules of src/search/tokens.rs: what the index holds
 * is what a query looks up. English words are lower-cased and stemmed
 * (stem.js, the Snowball English stemmer the indexer uses); Chinese runs are
 * looked up by their pairs of characters. No DOM here: the tests run this
 * module in Node beside the Rust tokenizer.
 */
import { stem } from './stem.js';

const WORD = /[\p{Alphabetic}\p{N}]/u;
const NUMERIC = /\p{N}/u;
const MAX_WORD_BYTES = 40;
const encoder = new TextEncoder();

/** Whether the code point is a Han character. */
export function isHan(cp) {
  return (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2fa1f);
}

function isWordChar(ch, cp) {
  return !isHan(cp) && WORD.test(ch);
}

/**
 * The pieces of `text`: words (with their term) and Han runs, each with its
 * start and end in UTF-16 units.
 */
export function pieces(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i);
    const ch = String.fromCodePoint(cp);
    if (isHan(cp)) {
      let j = i;
      while (j < text.length && isHan(text.codePointAt(j))) j += text.codePointAt(j) > 0xffff ? 2 : 1;
      out.push({ kind: 'han', text: text.slice(i, j), start: i, end: j });
      i = j;
    } else if (isWordChar(ch, cp)) {
      let j = i;
      while (j < text.length) {
        const c = text.codePointAt(j);
        if (!isWordChar(String.fromCodePoint(c), c)) break;
        j += c > 0xffff ? 2 : 1;
      }
      const term = wordTerm(text.slice(i, j));
      if (term !== null) out.push({ kind: 'word', term, start: i, end: j });
      i = j;
    } else {
      i += ch.length;
    }
  }
  return out;
}

function wordTerm(word) {
  if (word.length > MAX_WORD_BYTES / 4 && encoder.encode(word).length > MAX_WORD_BYTES) return null;
  const lower = word.toLowerCase();
  const chars = [...lower];
  if (chars.length === 1 && !NUMERIC.test(chars[0])) return null;
  return /^[a-z]+$/.test(lower) ? stem(lower) : lower;
}

/** The index terms of a Han run: its pairs, or the one character. */
function hanTerms(run) {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out = [];
  for (let k = 1; k < chars.length; k++) out.push(chars[k - 1] + chars[k]);
  return out;
}

/**
 * Every index term of `text`, in order, as src/search/tokens.rs gives them
 * (a Han run: each character, then its pair with the one before).
 */
export function indexTerms(text) {
  const out = [];
  for (const p of pieces(text)) {
    if (p.kind === 'word') {
      out.push(p.term);
    } else {
      const chars = [...p.text];
      chars.forEach((c, k) => {
        out.push(c);
        if (k > 0) out.push(chars[k - 1] + c);
      });
    }
  }
  return out;
}

/**
 * A query: its parts (a word, a Han run, or a phrase of pieces), and the
 * index terms every result must hold.
 */
export function parseQuery(q) {
  const parts = [];
  const re = /"([^"]*)"?|[^"]+/g;
  let m;
  while ((m = re.exec(q)) !== null) {
    if (m[1] !== undefined) {
      const ps = pieces(m[1]);
      if (ps.length > 1) parts.push({ kind: 'phrase', pieces: ps, text: m[1].trim() });
      else if (ps.length === 1) parts.push(ps[0]);
    } else {
      parts.push(...pieces(m[0]));
    }
  }
  const terms = new Set();
  for (const p of parts) {
    for (const piece of p.kind === 'phrase' ? p.pieces : [p]) {
      if (piece.kind === 'word') terms.add(piece.term);
      else hanTerms(piece.text).forEach((t) => terms.add(t));
    }
  }
  return { parts, terms: [...terms] };
}

/** Whether a part is only known to hold once the text is read. */
export function needsCheck(part) {
  return part.kind === 'phrase' || (part.kind === 'han' && [...part.text].length > 2);
}
