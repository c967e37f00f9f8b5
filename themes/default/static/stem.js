/**
 * The Snowball English stemmer ("Porter2") for the search of the annals
 * default theme: `stem(word)` reduces a lowercase word to the stem under
 * which the search index files it, so "regulations", "regulated" and
 * "regulate" all become "regul".
 *
 * The index is built in Rust with the rust-stemmers crate (Snowball
 * English), and a query word finds a paragraph word only when both stem
 * alike, so this must give exactly the output of rust-stemmers for every
 * word; `tests/stem_agreement.rs` compares the two over a large vocabulary.
 * It follows the algorithm as described at snowballstem.org
 * (algorithms/english/stemmer.html) in the version rust-stemmers 1.2
 * implements: the special R1 prefixes are gener, commun and arsen, with
 * the exceptional forms below; prefixes and rules added to Snowball's
 * English stemmer since (past, univers, ogist, ...) are not there. Words of
 * two letters or less come back as they are. An ES module without
 * dependencies, for browsers.
 */

const VOWEL = new Set("aeiouy");
const LI_ENDING = new Set("cdeghkmnrt");
const isVowel = (c) => VOWEL.has(c);

// Whole words with a stem of their own, looked up before any rule.
const EXCEPTIONS = new Map([
  ["skis", "ski"], ["skies", "sky"], ["dying", "die"], ["lying", "lie"],
  ["tying", "tie"], ["idly", "idl"], ["gently", "gentl"], ["ugly", "ugli"],
  ["early", "earli"], ["only", "onli"], ["singly", "singl"],
  ["sky", "sky"], ["news", "news"], ["howe", "howe"], ["atlas", "atlas"],
  ["cosmos", "cosmos"], ["bias", "bias"], ["andes", "andes"],
]);

// Words that stop after Step 1a: "innings" becomes "inning" and no less.
const KEPT_AFTER_1A = new Set([
  "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed",
]);

// Prefixes after which R1 begins, instead of after the first
// vowel-consonant pair.
const R1_PREFIXES = ["gener", "commun", "arsen"];

const STEP2 = {
  tional: "tion", enci: "ence", anci: "ance", abli: "able", entli: "ent",
  izer: "ize", ization: "ize", ational: "ate", ation: "ate", ator: "ate",
  alism: "al", aliti: "al", alli: "al", fulness: "ful", ousli: "ous",
  ousness: "ous", iveness: "ive", iviti: "ive", biliti: "ble", bli: "ble",
  ogi: "og", fulli: "ful", lessli: "less", li: "",
};
const STEP3 = {
  tional: "tion", ational: "ate", alize: "al", icate: "ic", iciti: "ic",
  ical: "ic", ful: "", ness: "", ative: "",
};
const STEP4 = [
  "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment",
  "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion",
];

// rust-stemmers counts characters, a JavaScript string UTF-16 units, and a
// character beyond U+FFFF takes two. No rule looks at such a character
// except to count it as a non-vowel, so each stands in as one placeholder
// unit (U+FFFF, itself included) while the word is stemmed.
const WIDE = /[\u{FFFF}-\u{10FFFF}]/gu;
const PLACEHOLDER = "\uFFFF";

/** The stem of `word`, a lowercase word, as rust-stemmers gives it. */
export function stem(word) {
  const wide = [];
  const narrow = word.replace(WIDE, (c) => {
    wide.push(c);
    return PLACEHOLDER;
  });
  const stemmed = stemNarrow(narrow);
  let next = 0;
  return wide.length === 0 ? stemmed : stemmed.replace(/\uFFFF/g, () => wide[next++]);
}

// The algorithm itself, on a word whose UTF-16 units are its characters.
function stemNarrow(word) {
  if (EXCEPTIONS.has(word)) return EXCEPTIONS.get(word);
  if (word.length <= 2) return word;

  // A leading apostrophe goes; a y that starts the word or follows a vowel
  // is a consonant, marked Y until the end.
  let w = "";
  let marked = false;
  for (const c of word.startsWith("'") ? word.slice(1) : word) {
    const consonant = c === "y" && (w === "" || isVowel(w[w.length - 1]));
    marked ||= consonant;
    w += consonant ? "Y" : c;
  }

  const p1 = startOfR1(w);
  const r = { p1, p2: regionAfter(w, p1) };
  w = step1a(w);
  if (!KEPT_AFTER_1A.has(w)) {
    for (const step of [step1b, step1c, step2, step3, step4, step5]) w = step(w, r);
  }
  return marked ? w.replaceAll("Y", "y") : w;
}

function startOfR1(w) {
  const prefix = R1_PREFIXES.find((p) => w.startsWith(p));
  return prefix ? prefix.length : regionAfter(w, 0);
}

// The position just after the first non-vowel that follows a vowel, looking
// from `from`, or the end of the word if there is none: where R1 starts
// (looking from 0) and where R2 starts (looking from R1).
function regionAfter(w, from) {
  let i = from;
  while (i < w.length && !isVowel(w[i])) i++;
  while (i < w.length && isVowel(w[i])) i++;
  return Math.min(i + 1, w.length);
}

// The longest of `suffixes` that `w` ends with, or "" if none.
function longest(w, suffixes) {
  let best = "";
  for (const s of suffixes) if (s.length > best.length && w.endsWith(s)) best = s;
  return best;
}

const hasVowel = (w) => [...w].some(isVowel);

// Whether `w` ends in a short syllable: non-vowel, vowel, and a non-vowel
// other than w, x or Y; or a vowel and a non-vowel that make the whole word.
function endsShort(w) {
  const n = w.length;
  const [a, b, c] = [w[n - 3], w[n - 2], w[n - 1]];
  if (n < 2 || !isVowel(b) || isVowel(c)) return false;
  return n === 2 || (!isVowel(a) && !"wxY".includes(c));
}

function step1a(w) {
  w = w.slice(0, w.length - longest(w, ["'", "'s", "'s'"]).length);
  const s = longest(w, ["sses", "ied", "ies", "s", "us", "ss"]);
  const base = w.slice(0, w.length - s.length);
  switch (s) {
    case "sses":
      return base + "ss";
    case "ied":
    case "ies":
      return base + (base.length > 1 ? "i" : "ie");
    case "s":
      // Not counting the letter just before the s: "gas" stays.
      return hasVowel(base.slice(0, -1)) ? base : w;
    default:
      return w;
  }
}

function step1b(w, { p1 }) {
  const s = longest(w, ["eed", "eedly", "ed", "edly", "ing", "ingly"]);
  if (s === "") return w;
  const base = w.slice(0, w.length - s.length);
  if (s.startsWith("eed")) return base.length >= p1 ? base + "ee" : w;
  if (!hasVowel(base)) return w;
  if (/(at|bl|iz)$/.test(base)) return base + "e";
  if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(base)) return base.slice(0, -1);
  // A short word: R1 empty and ending in a short syllable ("hop").
  return base.length === p1 && endsShort(base) ? base + "e" : base;
}

function step1c(w) {
  const n = w.length;
  const y = w.endsWith("y") || w.endsWith("Y");
  return y && n > 2 && !isVowel(w[n - 2]) ? w.slice(0, -1) + "i" : w;
}

function step2(w, { p1 }) {
  const s = longest(w, Object.keys(STEP2));
  const base = w.slice(0, w.length - s.length);
  if (s === "" || base.length < p1) return w;
  if (s === "ogi" && !base.endsWith("l")) return w;
  if (s === "li" && !LI_ENDING.has(base[base.length - 1])) return w;
  return base + STEP2[s];
}

function step3(w, { p1, p2 }) {
  const s = longest(w, Object.keys(STEP3));
  const base = w.slice(0, w.length - s.length);
  if (s === "" || base.length < p1) return w;
  if (s === "ative" && base.length < p2) return w;
  return base + STEP3[s];
}

function step4(w, { p2 }) {
  const s = longest(w, STEP4);
  const base = w.slice(0, w.length - s.length);
  if (s === "" || base.length < p2) return w;
  if (s === "ion" && !/[st]$/.test(base)) return w;
  return base;
}

function step5(w, { p1, p2 }) {
  const base = w.slice(0, -1);
  if (w.endsWith("e") && (base.length >= p2 || (base.length >= p1 && !endsShort(base)))) return base;
  if (w.endsWith("l") && base.endsWith("l") && base.length >= p2) return base;
  return w;
}
