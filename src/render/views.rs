//! Template views: what templates see, built once and shared.
//!
//! Each document's summary (title, date, URL, terms...) becomes one Tera
//! [`Value`] when the renderer starts. Tera values share their strings,
//! arrays and maps by reference count, so putting a summary in every page
//! that lists the document (term pages, years, the home page) copies a
//! pointer, not the document. This is what keeps listing pages cheap at
//! 100,000 documents. A summary carries the document's summary whole and
//! shortened at a word for lists (`summary_short`). Full document views,
//! with the rendered text and the `[extra]` fields to show, are built only
//! for the document's own page. Also here: a page's description for
//! `<meta>` tags, cut to length, and the `og:locale` of the site's language.

use tera::{Map, Value};

use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::{Document, Text};

/// Builds a map value from `(key, value)` pairs.
pub fn map<const N: usize>(pairs: [(&'static str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

/// A map from `(key, value)` pairs, with room for one more.
fn fields<const N: usize>(pairs: [(&'static str, Value); N]) -> Map {
    let mut m = Map::with_capacity(N + 1);
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    m
}

/// An optional string, as `none` when absent.
pub fn opt(s: &Option<String>) -> Value {
    s.as_deref().map_or_else(Value::none, Value::from)
}

pub fn strings(list: &[String]) -> Value {
    Value::from(list.iter().map(|s| Value::from(s.as_str())).collect::<Vec<_>>())
}

/// Site paths of the archive's pages, without the root prefix.
pub mod paths {
    pub fn document(slug: &str) -> String {
        format!("documents/{slug}/")
    }
    /// Whether an output path is a document's page (or a file beside it).
    pub fn is_document(path: &str) -> bool {
        path.starts_with("documents/")
    }
    pub fn taxonomy(name: &str) -> String {
        format!("{name}/")
    }
    pub fn term(taxonomy: &str, term_slug: &str) -> String {
        format!("{taxonomy}/{term_slug}/")
    }
    pub fn timeline() -> String {
        "timeline/".to_string()
    }
    pub fn year(year: i32) -> String {
        format!("timeline/{year}/")
    }
    pub fn undated() -> String {
        "timeline/undated/".to_string()
    }
    pub fn entities() -> String {
        "entities/".to_string()
    }
    pub fn entity(slug: &str) -> String {
        format!("entities/{slug}/")
    }
}

/// The `site` variable of every template.
pub fn site(config: &Config, archive: &Archive) -> Value {
    let taxonomies: Vec<Value> = archive
        .taxonomies
        .iter()
        .map(|t| {
            map([
                ("name", t.name.as_str().into()),
                ("title", t.title.as_str().into()),
                ("url", config.url(&paths::taxonomy(&t.name)).into()),
                ("count", t.terms.len().into()),
            ])
        })
        .collect();
    map([
        ("title", config.title.as_str().into()),
        ("description", config.description.as_str().into()),
        ("base_url", config.base_url.as_str().into()),
        ("root", config.root_path.as_str().into()),
        ("language", config.language.as_str().into()),
        ("locale", og_locale(&config.language).into()),
        ("taxonomies", taxonomies.into()),
        ("timeline_url", config.url(&paths::timeline()).into()),
        (
            "entities_url",
            if archive.entities.is_empty() {
                Value::none()
            } else {
                config.url(&paths::entities()).into()
            },
        ),
        (
            "search_url",
            if config.search.enabled {
                config.url(&format!("{}/", crate::search::FOLDER)).into()
            } else {
                Value::none()
            },
        ),
        ("document_count", archive.documents.len().into()),
        ("generator", concat!("annals ", env!("CARGO_PKG_VERSION")).into()),
    ])
}

/// Every term of every taxonomy as the (name, url) value summaries show:
/// made once and shared by all the summaries that list the term (a value's
/// map is reference-counted), which saves a few hundred bytes per term per
/// document.
pub struct Terms {
    /// Each taxonomy's terms, each as `{name, url}`.
    terms: Vec<Vec<Value>>,
    /// Each taxonomy's terms, each as the group a document with that one
    /// term in the taxonomy shows (see [`terms_of`]): made once and shared
    /// by all those documents' summaries, which at 100,000 documents would
    /// otherwise hold some 60 MB of identical groups.
    single: Vec<Vec<Value>>,
}

impl Terms {
    pub fn new(config: &Config, archive: &Archive) -> Terms {
        let terms: Vec<Vec<Value>> = archive
            .taxonomies
            .iter()
            .map(|t| {
                t.terms
                    .iter()
                    .map(|term| {
                        map([
                            ("name", term.name.as_str().into()),
                            ("url", config.url(&paths::term(&t.name, &term.slug)).into()),
                        ])
                    })
                    .collect()
            })
            .collect();
        let single = archive
            .taxonomies
            .iter()
            .zip(&terms)
            .map(|(t, values)| values.iter().map(|v| group(t, vec![v.clone()])).collect())
            .collect();
        Terms { terms, single }
    }
}

/// A taxonomy's group of a document's terms.
fn group(taxonomy: &crate::analyse::Taxonomy, terms: Vec<Value>) -> Value {
    map([
        ("name", taxonomy.name.as_str().into()),
        ("title", taxonomy.title.as_str().into()),
        ("terms", terms.into()),
    ])
}

/// How many characters of a summary a list shows (`summary_short`).
pub const SUMMARY_CHARS: usize = 220;

/// The summary of a document: what every page listing it shows.
pub fn summary(config: &Config, archive: &Archive, terms: &Terms, id: DocId) -> Map {
    let doc = &archive.documents[id];
    let url = config.url(&paths::document(&doc.slug));
    fields([
        ("slug", doc.slug.as_str().into()),
        ("url", url.into()),
        ("title", doc.title.as_str().into()),
        ("date", doc.date.map_or_else(Value::none, |d| d.to_string().into())),
        ("date_iso", doc.date.map_or_else(Value::none, |d| d.iso().into())),
        ("year", doc.date.map_or_else(Value::none, |d| d.year.into())),
        ("summary", opt(&doc.summary)),
        (
            "summary_short",
            doc.summary
                .as_deref()
                .map_or_else(Value::none, |s| super::text::shorten(s, SUMMARY_CHARS).into()),
        ),
        ("original_title", opt(&doc.original_title)),
        ("catalogue", matches!(doc.text, Text::None).into()),
        ("taxonomies", terms_of(archive, terms, id)),
    ])
}

/// A document's terms grouped by taxonomy, each linked to its page; only
/// taxonomies in which the document has terms.
fn terms_of(archive: &Archive, terms: &Terms, id: DocId) -> Value {
    let groups: Vec<Value> = archive
        .taxonomies
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.terms_of[id].is_empty())
        .map(|(n, t)| match t.terms_of[id].as_slice() {
            &[one] => terms.single[n][one].clone(),
            many => group(t, many.iter().map(|&i| terms.terms[n][i].clone()).collect()),
        })
        .collect();
    groups.into()
}

/// Converts front matter's `[extra]` table for templates; dates become
/// ISO strings.
pub fn toml_to_value(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => s.as_str().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(a) => a.iter().map(toml_to_value).collect::<Vec<_>>().into(),
        toml::Value::Table(t) => table_to_value(t),
    }
}

pub fn table_to_value(table: &toml::Table) -> Value {
    let mut m = Map::with_capacity(table.len());
    for (k, v) in table {
        m.insert(k.clone().into(), toml_to_value(v));
    }
    Value::from(m)
}

/// Summaries of `ids`, in order.
pub fn list(summaries: &[Value], ids: &[DocId]) -> Value {
    ids.iter().map(|&id| summaries[id].clone()).collect::<Vec<_>>().into()
}

/// Front matter's `[extra]` table as a list to show: for each key, its
/// humanised label and its values, each a text, with a URL when the text is
/// an http(s) address. A string or a list of strings gives one item per
/// string; any other value is shown as TOML writes it.
pub fn extra_fields(extra: &toml::Table) -> Value {
    let item = |value: &toml::Value| {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => other.to_string(),
        };
        let is_url = text.starts_with("https://") || text.starts_with("http://");
        let url = if is_url {
            Value::from(text.as_str())
        } else {
            Value::none()
        };
        map([("text", text.into()), ("url", url)])
    };
    let fields: Vec<Value> = extra
        .iter()
        .map(|(key, value)| {
            let items: Vec<Value> = match value {
                toml::Value::Array(values) => values.iter().map(item).collect(),
                other => vec![item(other)],
            };
            map([
                ("key", key.as_str().into()),
                ("label", humanise(key).into()),
                ("items", items.into()),
            ])
        })
        .collect();
    fields.into()
}

/// A front-matter key as a label: words split at `_` and `-`, the first
/// capitalised, abbreviations in capitals (`original_url` → "Original URL").
pub fn humanise(key: &str) -> String {
    const ABBREVIATIONS: &[&str] = &["url", "urls", "id", "doi", "isbn", "issn", "pdf", "uri"];
    let words: Vec<String> = key
        .split(['_', '-'])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, word)| {
            if ABBREVIATIONS.contains(&word.to_ascii_lowercase().as_str()) {
                word.to_ascii_uppercase()
            } else if i == 0 {
                let mut chars = word.chars();
                chars
                    .next()
                    .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            } else {
                word.to_string()
            }
        })
        .collect();
    if words.is_empty() {
        key.to_string()
    } else {
        words.join(" ")
    }
}

/// Fields only a document's own page needs.
pub fn document_fields(doc: &Document) -> [(&'static str, Value); 11] {
    [
        ("document_number", opt(&doc.document_number)),
        ("authors", strings(&doc.authors)),
        ("translators", strings(&doc.translators)),
        ("source_url", opt(&doc.source_url)),
        ("archived_url", opt(&doc.archived_url)),
        ("original_language", opt(&doc.original_language)),
        (
            "original_language_name",
            doc.original_language
                .as_deref()
                .map_or_else(Value::none, |code| language_name(code).into()),
        ),
        (
            "seed",
            doc.seed
                .as_ref()
                .map_or_else(Value::none, |s| s.to_string_lossy().replace('\\', "/").into()),
        ),
        ("cited_as", strings(&doc.cited_as)),
        ("extra", table_to_value(&doc.extra)),
        ("extra_fields", extra_fields(&doc.extra)),
    ]
}

/// The English name of a language code, or the code itself when unknown.
pub fn language_name(code: &str) -> &str {
    let primary = code.split(['-', '_']).next().unwrap_or(code);
    match primary.to_ascii_lowercase().as_str() {
        "zh" => "Chinese",
        "en" => "English",
        "ja" => "Japanese",
        "ko" => "Korean",
        "ru" => "Russian",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        "ar" => "Arabic",
        "pt" => "Portuguese",
        "vi" => "Vietnamese",
        _ => code,
    }
}

/// The most characters a page's description has (`<meta
/// name="description">` and `og:description`): about what search results
/// and link previews show before they cut it themselves.
pub const DESCRIPTION_MAX: usize = 160;

/// `text` as a page's description: white space folded to single spaces,
/// and a text longer than [`DESCRIPTION_MAX`] characters cut to fit with
/// an ellipsis. The cut falls between words, or between two characters
/// where the text is Chinese (which has no spaces), and no comma, colon or
/// dash is left dangling before the ellipsis; only a single word longer
/// than the limit is cut inside.
pub fn meta_description(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= DESCRIPTION_MAX {
        return folded;
    }
    // The ellipsis takes the last place.
    crate::render::text::shorten(&folded, DESCRIPTION_MAX - 1).into_owned()
}

/// The `og:locale` of a BCP 47 language tag: the language, and the region
/// when the tag names one, joined by an underscore (`en-GB` → `en_GB`,
/// `zh-Hans-CN` → `zh_CN`, `en` → `en`).
pub fn og_locale(language: &str) -> String {
    let mut parts = language.split(['-', '_']);
    let primary = parts.next().unwrap_or_default().to_ascii_lowercase();
    let region = parts.find(|p| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
            || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
    });
    match region {
        Some(region) => format!("{primary}_{}", region.to_ascii_uppercase()),
        None => primary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_humanised() {
        assert_eq!(humanise("original_url"), "Original URL");
        assert_eq!(humanise("editors"), "Editors");
        assert_eq!(humanise("original_archived_url"), "Original archived URL");
        assert_eq!(humanise("plans-released"), "Plans released");
        assert_eq!(humanise("_"), "_");
    }

    /// A field as shown: its label, and each item's text and URL.
    type Shown = (String, Vec<(String, Option<String>)>);

    #[test]
    fn extra_fields_give_one_item_per_string_and_links_only_urls() {
        let extra: toml::Table = toml::from_str(
            "editors = [\"A\", \"B\"]\noriginal_url = \"http://www.gov.cn/x.pdf\"\nrevised = 2025-03-17\nnote = \"javascript:alert(1)\"\ncount = 3\n",
        )
        .unwrap();
        let fields = serde_json::to_value(extra_fields(&extra)).unwrap();
        let shown: Vec<Shown> = fields
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let items = f["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| {
                        (
                            i["text"].as_str().unwrap().to_string(),
                            i["url"].as_str().map(String::from),
                        )
                    })
                    .collect();
                (f["label"].as_str().unwrap().to_string(), items)
            })
            .collect();
        let text = |t: &str| (t.to_string(), None);
        assert_eq!(
            shown,
            [
                ("Count".to_string(), vec![text("3")]),
                ("Editors".to_string(), vec![text("A"), text("B")]),
                ("Note".to_string(), vec![text("javascript:alert(1)")]),
                (
                    "Original URL".to_string(),
                    vec![(
                        "http://www.gov.cn/x.pdf".to_string(),
                        Some("http://www.gov.cn/x.pdf".to_string())
                    )]
                ),
                ("Revised".to_string(), vec![text("2025-03-17")]),
            ]
        );
    }

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn a_short_description_is_kept_with_its_white_space_folded() {
        assert_eq!(meta_description("  A plan\n for  2025. "), "A plan for 2025.");
        assert_eq!(meta_description(""), "");
        let exact = "x".repeat(DESCRIPTION_MAX);
        assert_eq!(meta_description(&exact), exact);
    }

    #[test]
    fn a_long_description_is_cut_between_words_with_an_ellipsis() {
        let text = "China's national five-year plan for 2021–2025, with long-range objectives to 2035, \
                    adopted by the National People's Congress on 11 March 2021. Sectoral and special plans \
                    for the period are drawn up on its basis.";
        let cut = meta_description(text);
        assert!(chars(&cut) <= DESCRIPTION_MAX, "{} characters: {cut}", chars(&cut));
        assert!(chars(&cut) > DESCRIPTION_MAX - 20, "cut too early: {cut}");
        let kept = cut.strip_suffix('…').expect("ends with an ellipsis");
        assert!(text.starts_with(kept));
        let next = text[kept.len()..].chars().next();
        assert!(matches!(next, Some(' ' | '.' | ',')), "cut inside a word: {cut}");
        assert_eq!(
            meta_description(&format!("{}and, thereafter more", "word ".repeat(30))),
            format!("{}and…", "word ".repeat(30)),
            "no comma before the ellipsis"
        );
    }

    #[test]
    fn chinese_is_cut_between_characters() {
        let text = "数字中国".repeat(50);
        let cut = meta_description(&text);
        assert_eq!(chars(&cut), DESCRIPTION_MAX);
        assert!(text.starts_with(cut.strip_suffix('…').unwrap()));
        // A Latin word next to Chinese is not split.
        let mixed = format!("{}Informatization", "规划".repeat(75));
        assert_eq!(meta_description(&mixed), format!("{}…", "规划".repeat(75)));
    }

    #[test]
    fn a_single_word_longer_than_the_limit_is_cut_inside() {
        let cut = meta_description(&"a".repeat(300));
        assert_eq!(cut, format!("{}…", "a".repeat(DESCRIPTION_MAX - 1)));
    }

    #[test]
    fn og_locale_keeps_the_language_and_region() {
        assert_eq!(og_locale("en"), "en");
        assert_eq!(og_locale("en-GB"), "en_GB");
        assert_eq!(og_locale("zh-Hans-CN"), "zh_CN");
        assert_eq!(og_locale("pt_br"), "pt_BR");
        assert_eq!(og_locale("zh-Hant"), "zh");
    }
}
