//! The search stems words twice: the index in Rust with rust-stemmers
//! (Snowball English), the query and the highlighted paragraphs in the
//! browser with the default theme's `static/stem.js`. A word is found only
//! if both give the same stem, so this test stems a large vocabulary with
//! both and fails on the first disagreements.
//!
//! The vocabulary: every word of the shipped archive's `seeds/` and
//! `content/` (ASCII letters, lowercased), a list of words chosen for the
//! algorithm's rules and exceptions, every rule's suffix on a set of short
//! bases, and pseudo-random strings over letters that matter to the rules
//! (with an apostrophe, an accented letter and one beyond U+FFFF). The
//! JavaScript side is `tests/stem/check.mjs`, run with Node; without Node
//! the test fails, saying what to install.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rust_stemmers::{Algorithm, Stemmer};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Words chosen for the rules and exceptions of the algorithm, and some
/// that narrowly miss them.
#[rustfmt::skip]
const CHOSEN: &[&str] = &[
    // Exceptional forms, and near misses.
    "skis", "skies", "sky", "skying", "dying", "lying", "tying", "dyings", "belying", "idly", "gently", "ugly",
    "early", "earlier", "only", "singly", "news", "newsy", "howe", "howes", "atlas", "atlases", "cosmos", "bias",
    "biases", "andes", "andean",
    // Words that stop after Step 1a.
    "inning", "innings", "outing", "outings", "canning", "cannings", "herring", "herrings", "earring", "earrings",
    "proceed", "proceeds", "proceeded", "proceeding", "exceed", "exceeds", "exceeded", "succeed", "succeeds",
    "succeeding", "beginning",
    // R1 after gener, commun, arsen.
    "generously", "generous", "generate", "generated", "generation", "generations", "general", "generally",
    "generalization", "generic", "genera", "gener", "genere", "generer", "commune", "communal", "communism",
    "communist", "community", "communities", "communication", "communicate", "communing", "arsenal", "arsenals",
    "arsenic", "arsen", "arsenate",
    // y as a consonant.
    "youth", "yelling", "yes", "young", "boy", "boys", "boyish", "toying", "enjoyed", "enjoyment", "player",
    "saying", "sayings", "cry", "cries", "cried", "crying", "dry", "dryly", "happy", "happily", "happiness", "by",
    "bye", "byes", "yyy", "ayyy", "yay", "syzygy", "day", "days", "monkey", "monkeys", "obey", "obeyed", "employ",
    "employment", "yearly", "lay", "layer", "conveyed", "eyed", "ayes",
    // Step 1a.
    "caresses", "caress", "ponies", "ties", "tied", "pies", "died", "lies", "gas", "gaps", "kiwis",
    "bus", "us", "this", "is", "was", "has", "its", "abyss", "chaos", "species", "series", "taxes", "ss", "sss",
    "uses", "focus", "status", "analysis", "crisis", "dogs", "dog's", "dogs'", "'dogs", "o'neill", "'s", "''",
    "'tis", "cat's'", "'quoted'",
    // Step 1b.
    "feed", "feeds", "fee", "agreed", "agreedly", "bleed", "bled", "speed", "deeded", "heeded", "needed", "freed",
    "luxuriating", "hoping", "hopping", "hopped", "hoped", "sized", "filing", "filling", "trapped", "troubled",
    "conflated", "tapping", "taping", "fizzed", "hissing", "matting", "failed", "controlling", "controlled",
    "amazingly", "knowingly", "allegedly", "supposedly", "ring", "sing", "thing", "ding", "bring", "red", "bed",
    "shed", "sled", "dated", "mating", "rated", "plastered", "motoring", "singing", "exceedingly",
    "disturbing", "beautifying", "worrying", "bowed", "boxed", "played", "fixing", "snowing", "eed",
    "reed", "need", "indeed", "embed", "embedding", "stirred", "humming", "sagged", "fibbed", "puffed", "padded",
    "canned", "opening", "happening", "offering",
    // Step 1c.
    "fly", "flies", "spy", "say", "enjoy", "ally", "rely", "deny", "supply", "apply", "annoy", "buy", "guy",
    "tiny", "policy", "policies", "agency", "agencies",
    // Step 2.
    "relational", "conditional", "rational", "valency", "valenci", "hesitancy", "digitizer", "conformably",
    "radically", "differently", "vilely", "analogously", "vietnamization", "predication", "operator",
    "feudalism", "decisiveness", "hopefulness", "callousness", "formality", "sensitivity", "sensibility",
    "analogy", "geology", "theology", "biology", "zoology", "hopefully", "fruitfully", "carelessly",
    "lovelessly", "crucially", "truly", "dully", "briefly", "shortly", "openly", "costly", "likely",
    "lovely", "quickly", "lately", "nobly", "possibly", "visibly", "ability", "mobility", "curiosity",
    "national", "nationally", "rationalization", "organization", "organizations", "realization",
    "standardization", "optimization", "informatization", "industrialization", "digitalization",
    // Step 3.
    "additional", "generalize", "duplicate", "electricity", "electrical", "hopeful", "goodness", "formative",
    "affirmative", "demonstrative", "sensational", "triplicate", "formalize", "electriciti", "cheerful",
    "darkness", "representative", "initiative", "native", "creative", "relative",
    // Step 4.
    "revival", "allowance", "inference", "airliner", "gyroscopic", "adjustable", "defensible", "irritant",
    "replacement", "adjustment", "dependent", "adoption", "expression", "activate", "angularity", "homologous",
    "effective", "bowdlerize", "cession", "vision", "champion", "onion", "region", "lion", "mention", "nation",
    "element", "cement", "moment", "agreement", "implement", "implementation", "government", "development",
    "governance", "regulation", "regulations", "regulate", "regulated", "regulatory", "security",
    "economic", "economy", "economical", "industry", "industrial", "industries", "plan", "planning", "digital",
    "digitization", "socialism", "socialist", "characteristics", "modernization", "innovation", "innovative",
    // Step 5.
    "probate", "rate", "cease", "hope", "roll", "controll", "fall", "tell", "spell", "smell", "skill", "skills",
    "crate", "debate", "state", "estate", "create", "compete", "complete", "have", "give", "move", "centre",
    "programme", "schedule", "article", "able", "table", "single", "little", "idle", "while",
    // Long and mixed.
    "abatements", "abbeys", "generalizations", "oscillators", "responsibilities", "internationalization",
    "counterrevolutionaries", "unconditionally", "disproportionately", "antidisestablishmentarianism",
    "electroencephalographically", "incomprehensibilities", "consign", "consigned", "consigning", "consignment",
    "consist", "consisted", "consistency", "consistent", "consistently", "consisting", "consists",
    "knight", "knightly", "knights", "controllable", "controller", "controllers", "fivefold", "twentieth",
    "ones", "thirties", "xx", "x", "a", "i", "ax", "axe", "ox", "oxen", "wow", "wows", "tax", "taxi", "taxing",
    "fix", "fixes", "fixed", "mix", "bow", "snowy", "yew", "yews", "awe", "owe", "aye", "eye", "eyes",
    // Characters outside ASCII, and beyond U+FFFF.
    "naïvely", "cafés", "résumés", "façades", "crème", "señorita", "𝒳yed", "a𝒳ed", "𝒳ies", "ü𝒳ing", "𝒳𝒳y",
    "𝒳ys", "y𝒳ed", "𝒳a𝒳ing", "abc\u{ffff}ed", "x😀ation",
];

/// Suffixes of every step of the algorithm, put on each base.
#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "", "s", "es", "ies", "ied", "sses", "ss", "us", "'s", "'", "'s'", "ed", "eed", "edly", "eedly", "ing",
    "ingly", "y", "ly", "li", "e", "l", "ll", "at", "ate", "ation", "ational", "tional", "enci", "anci", "abli",
    "entli", "izer", "ization", "ator", "alism", "aliti", "alli", "fulness", "ousli", "ousness", "iveness",
    "iviti", "biliti", "bli", "ogi", "logi", "fulli", "lessli", "alize", "icate", "iciti", "ical", "ful", "ness",
    "ative", "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "iti", "ous",
    "ive", "ize", "ion", "sion", "tion", "iz", "bl", "bb", "tt", "ity", "ency", "ancy", "ogy",
];

/// Short bases that meet the rules in different ways: short syllables
/// and not, y after vowels and consonants, the R1 prefixes, doubles.
#[rustfmt::skip]
const BASES: &[&str] = &[
    "", "a", "b", "y", "e", "l", "s", "t", "ab", "ba", "by", "ay", "al", "ll", "st", "cr", "bab", "bay", "yab",
    "hop", "hopp", "tap", "fix", "bow", "saw", "sat", "bit", "abl", "ful", "fee", "feed", "kiwi", "rat", "ration",
    "gener", "commun", "arsen", "past", "univers", "emerg", "organ", "inter", "can", "ann", "ell", "err", "succ",
    "outl", "digit", "nation", "relat", "condit", "struct", "polic", "econom", "'", "'bab", "ee", "oo", "ya",
];

/// A few more endings for a second suffix after the first.
const SECOND: &[&str] = &["s", "ly", "ed", "ing", "e", "ness", "al", "ize", "ation"];

/// Letters that matter to the rules, and some that do not.
#[rustfmt::skip]
const ALPHABET: &[char] = &[
    'a', 'e', 'i', 'o', 'u', 'y', 'b', 'c', 'd', 'g', 'l', 'n', 's', 't', 'w', 'x', 'z', '\'', 'é', '𝒳',
];

/// Every word of the files under `dir`: runs of ASCII letters, lowercased.
fn words_in(dir: &Path, into: &mut BTreeSet<String>) {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        for word in bytes.split(|b| !b.is_ascii_alphabetic()).filter(|w| !w.is_empty()) {
            into.insert(String::from_utf8(word.to_ascii_lowercase()).unwrap());
        }
    }
}

/// Each base with each suffix, and with each suffix followed by a second.
fn combinations(into: &mut BTreeSet<String>) {
    for base in BASES {
        for suffix in SUFFIXES {
            into.insert(format!("{base}{suffix}"));
            for second in SECOND {
                into.insert(format!("{base}{suffix}{second}"));
            }
        }
    }
}

/// `count` strings of 1 to 10 letters of `ALPHABET`, from a fixed seed.
fn random_words(count: usize, into: &mut BTreeSet<String>) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..count {
        let len = 1 + (next() % 10) as usize;
        let word: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        into.insert(word);
    }
}

fn vocabulary() -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    words_in(&repo().join("seeds"), &mut words);
    words_in(&repo().join("content"), &mut words);
    words.extend(CHOSEN.iter().map(|w| w.to_string()));
    combinations(&mut words);
    random_words(40_000, &mut words);
    words
}

/// Whether `node --version` runs.
fn node_runs() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn stem_js_agrees_with_rust_stemmers() {
    assert!(
        node_runs(),
        "this test runs themes/default/static/stem.js in Node.js, and `node` does not run: \
         install Node.js 18 or newer (`apt-get install nodejs`)"
    );
    let words = vocabulary();
    let stemmer = Stemmer::create(Algorithm::English);
    let mut table = String::new();
    for word in &words {
        table.push_str(&format!("{word}\t{}\n", stemmer.stem(word)));
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("stems.tsv");
    std::fs::write(&file, table).unwrap();

    let out = Command::new("node")
        .arg(repo().join("tests/stem/check.mjs"))
        .arg(&file)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tests/stem/check.mjs failed ({}):\n{}{stdout}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<&str> = stdout.lines().collect();
    let checked = lines.pop().unwrap_or_default();
    assert_eq!(
        checked,
        format!("checked {}", words.len()),
        "check.mjs did not read every word"
    );
    assert!(
        lines.is_empty(),
        "stem.js disagrees with rust-stemmers on {} of {} words; the first (word, rust-stemmers, stem.js):\n{}",
        lines.len(),
        words.len(),
        lines.iter().take(40).copied().collect::<Vec<_>>().join("\n")
    );
    println!("stem.js agrees with rust-stemmers on all {} words", words.len());
}
