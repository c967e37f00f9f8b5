//! Citations. Each document's metadata becomes one [`Record`], which is
//! then written in the forms researchers and their tools read: a
//! Chicago-style citation for the page's cite box ([`chicago`]), BibTeX
//! ([`bibtex`]), RIS ([`ris`]), CSL-JSON ([`csl`]), and the meta tags and
//! JSON-LD that reference managers and scholarly indexes read from the
//! page itself ([`meta`]). The record is the one place that decides what a
//! document is (its [`Kind`]) and which of its fields a citation carries,
//! so the formats cannot disagree.

pub mod bibtex;
pub mod chicago;
pub mod csl;
pub mod meta;
pub mod ris;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::content::Document;
use crate::content::date::PartialDate;
use crate::render::views::paths;

/// What a citation describes a document as. Each format has its own
/// names for these; the README's table says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A law, regulation, plan, decision or other official text with force
    /// or intent of policy.
    Legislation,
    /// A report, readout, white paper, initiative or statement.
    Report,
    /// A news report or newspaper article, digest or column.
    News,
    /// An article in a journal or magazine.
    Article,
    /// A web page that is none of the above.
    Webpage,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Legislation,
        Kind::Report,
        Kind::News,
        Kind::Article,
        Kind::Webpage,
    ];

    /// The name written in config.toml and front matter.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Legislation => "legislation",
            Kind::Report => "report",
            Kind::News => "news",
            Kind::Article => "article",
            Kind::Webpage => "webpage",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The names, for hints: "`legislation`, `report`, ... or `webpage`".
    pub fn names() -> String {
        let names: Vec<String> = Kind::ALL.iter().map(|k| format!("`{}`", k.name())).collect();
        let (last, rest) = names.split_last().expect("kinds");
        format!("{} or {last}", rest.join(", "))
    }

    /// Whether the document's authors are the bodies that issued it.
    pub fn issued(self) -> bool {
        matches!(self, Kind::Legislation | Kind::Report)
    }

    /// Whether the document appeared in a periodical (its container).
    pub fn periodical(self) -> bool {
        matches!(self, Kind::News | Kind::Article)
    }
}

/// The kind of a document of each common type (a term of the `types`
/// taxonomy, compared without case), used where config.toml's
/// `[citations.kinds]` does not name the type.
const KINDS_OF_TYPES: &[(&str, Kind)] = &[
    ("law", Kind::Legislation),
    ("laws", Kind::Legislation),
    ("regulation", Kind::Legislation),
    ("regulations", Kind::Legislation),
    ("administrative regulations", Kind::Legislation),
    ("party regulations", Kind::Legislation),
    ("decision", Kind::Legislation),
    ("decree", Kind::Legislation),
    ("measures", Kind::Legislation),
    ("rules", Kind::Legislation),
    ("plan", Kind::Legislation),
    ("outline", Kind::Legislation),
    ("strategy", Kind::Legislation),
    ("opinions", Kind::Legislation),
    ("resolution", Kind::Legislation),
    ("notice", Kind::Legislation),
    ("circular", Kind::Legislation),
    ("guidelines", Kind::Legislation),
    ("report", Kind::Report),
    ("white paper", Kind::Report),
    ("readout", Kind::Report),
    ("meeting readout", Kind::Report),
    ("initiative", Kind::Report),
    ("statement", Kind::Report),
    ("speech", Kind::Report),
    ("news", Kind::News),
    ("news report", Kind::News),
    ("newspaper article", Kind::News),
    ("newspaper digest", Kind::News),
    ("digest", Kind::News),
    ("press release", Kind::News),
    ("article", Kind::Article),
    ("journal article", Kind::Article),
    ("party journal article", Kind::Article),
    ("commentary", Kind::Article),
    ("editorial", Kind::Article),
    ("essay", Kind::Article),
    ("web page", Kind::Webpage),
];

/// `[citations]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationsConfig {
    /// The cite box, `cite.bib`, `cite.ris` and `cite.json`, and the
    /// citation meta tags and JSON-LD of document pages.
    pub enabled: bool,
    /// `cite.bib`, `cite.ris` and `cite.json` beside each document page.
    pub downloads: bool,
    /// The kind of a document whose type names no kind.
    pub default_kind: Kind,
    /// The kind of each type, by the type's name in lower case; written
    /// ones over the built-in ones.
    pub kinds: BTreeMap<String, Kind>,
}

impl Default for CitationsConfig {
    fn default() -> Self {
        CitationsConfig {
            enabled: true,
            downloads: true,
            default_kind: Kind::Report,
            kinds: KINDS_OF_TYPES.iter().map(|&(t, k)| (t.to_string(), k)).collect(),
        }
    }
}

impl CitationsConfig {
    /// The kind of a document of type `type_name` (a `types` term).
    pub fn kind_of_type(&self, type_name: Option<&str>) -> Kind {
        type_name
            .and_then(|t| self.kinds.get(&t.to_lowercase()))
            .copied()
            .unwrap_or(self.default_kind)
    }
}

/// A person or body named in a citation, as written: the archive does not
/// know which part of a name is the family name (and Chinese names put it
/// first), so every format gets the whole name as one literal.
pub type Name<'a> = &'a str;

/// One document's citation, in the terms every format is written from.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// The citation key of BibTeX, and the id of CSL-JSON: the slug.
    pub key: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub original_title: Option<&'a str>,
    pub authors: Vec<Name<'a>>,
    pub translators: Vec<Name<'a>>,
    pub date: Option<PartialDate>,
    /// The document number given by its issuer (front matter
    /// `document_number`), e.g. 国发〔2021〕33号.
    pub number: Option<&'a str>,
    /// The document's type as the archive names it (its first `types`
    /// term), e.g. "plan".
    pub genre: Option<&'a str>,
    /// The periodical or site that published the text (the first term of a
    /// `publications` taxonomy).
    pub publication: Option<&'a str>,
    /// The language of the text on the page (the site's language).
    pub language: &'a str,
    /// The language the document was first written in.
    pub original_language: Option<&'a str>,
    pub keywords: Vec<&'a str>,
    pub summary: Option<&'a str>,
    /// The document page's absolute URL.
    pub url: String,
    /// The archive's title: where the document was found.
    pub archive: &'a str,
    pub source_url: Option<&'a str>,
}

impl<'a> Record<'a> {
    pub fn new(doc: &'a Document, config: &'a Config) -> Record<'a> {
        let first_term = |taxonomy: &str| {
            doc.terms
                .iter()
                .find(|(name, _)| name == taxonomy)
                .and_then(|(_, terms)| terms.first())
                .map(String::as_str)
        };
        let kind = doc
            .citation_kind
            .unwrap_or_else(|| config.citations.kind_of_type(doc.kind()));
        let mut keywords: Vec<&str> = Vec::new();
        for (name, terms) in &doc.terms {
            if name == "types" || name == "publications" {
                continue;
            }
            for term in terms {
                if !keywords.contains(&term.as_str()) {
                    keywords.push(term);
                }
            }
        }
        Record {
            key: &doc.slug,
            kind,
            title: &doc.title,
            original_title: doc.original_title.as_deref(),
            authors: doc.authors.iter().map(String::as_str).collect(),
            translators: doc.translators.iter().map(String::as_str).collect(),
            date: doc.date,
            number: doc.document_number.as_deref(),
            genre: doc.kind(),
            publication: first_term("publications"),
            language: &config.language,
            original_language: doc.original_language.as_deref(),
            keywords,
            summary: doc.summary.as_deref(),
            url: config.permalink(&paths::document(&doc.slug)),
            archive: &config.title,
            source_url: doc.source_url.as_deref(),
        }
    }

    /// The issuing bodies, for the formats with a field for them: the
    /// authors of legislation and reports.
    pub fn institution(&self) -> Option<String> {
        (self.kind.issued() && !self.authors.is_empty()).then(|| self.authors.join("; "))
    }

    /// Who published the document, as the page's meta tags name it: the
    /// issuing bodies of legislation and reports, the publication of the
    /// others.
    pub fn publisher(&self) -> Option<String> {
        if self.kind.issued() {
            self.institution()
        } else {
            self.publication.map(str::to_string)
        }
    }
}

/// The site paths of a document's citation files.
pub fn files(slug: &str) -> [(String, Format); 3] {
    let dir = paths::document(slug);
    [
        (format!("{dir}cite.bib"), Format::Bibtex),
        (format!("{dir}cite.ris"), Format::Ris),
        (format!("{dir}cite.json"), Format::CslJson),
    ]
}

/// A downloadable citation format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Bibtex,
    Ris,
    CslJson,
}

impl Format {
    pub fn write(self, record: &Record) -> Vec<u8> {
        match self {
            Format::Bibtex => bibtex::entry(record).into_bytes(),
            Format::Ris => ris::record(record).into_bytes(),
            Format::CslJson => csl::json(record),
        }
    }
}

/// `s` with runs of white space (new lines too) folded to one space: the
/// line-based formats and meta tags take one line per value.
/// Most values are on one line already and are returned as they are.
pub fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if is_one_line(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// Whether `s` is not empty, has no white space but single spaces, and
/// neither begins nor ends with one. Reads bytes, decoding only where a
/// non-ASCII white-space character can begin (its first byte is 0xC2,
/// 0xE1, 0xE2 or 0xE3): most values are checked at memory speed.
fn is_one_line(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.first().is_none_or(|&b| b == b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    let mut previous_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b' ' if previous_space => return false,
            b' ' => {
                previous_space = true;
                continue;
            }
            b'\t'..=b'\r' => return false,
            0xC2 | 0xE1..=0xE3 if s[i..].chars().next().is_some_and(char::is_whitespace) => return false,
            _ => {}
        }
        previous_space = false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn one_line_folds_as_split_whitespace_does() {
        for s in [
            "",
            " ",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "a\nb",
            "a\tb",
            "a\u{3000}b",
            "数字 中国",
            "a b c",
            "  ",
            "a \n b",
            "a\rb",
            "a\u{b}b",
            "a\u{85}b",
            "a\u{a0}b",
            "a\u{1680}b",
            "a\u{2028}b",
            "a\u{202f}b",
            "中\u{3000}国",
            "a\u{3001}b é",
            "\u{a0}a",
        ] {
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(one_line(s), expected, "{s:?}");
        }
        for s in ["a b", "数字 中国", "政策、规划 é", "a\u{1f}b"] {
            assert!(matches!(one_line(s), std::borrow::Cow::Borrowed(_)), "{s:?}");
        }
    }
}
