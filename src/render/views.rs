//! Template views: what templates see, built once and shared.
//!
//! Each document's summary (title, date, URL, terms...) becomes one Tera
//! [`Value`] when the renderer starts. Tera values share their strings,
//! arrays and maps by reference count, so putting a summary in every page
//! that lists the document (term pages, years, the home page) copies a
//! pointer, not the document. This is what keeps listing pages cheap at
//! 100,000 documents. Full document views, with the rendered text, are built
//! only for the document's own page.

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
        ("document_count", archive.documents.len().into()),
        ("generator", concat!("annals ", env!("CARGO_PKG_VERSION")).into()),
    ])
}

/// Every term of every taxonomy as the (name, url) value summaries show:
/// made once and shared by all the summaries that list the term (a value's
/// map is reference-counted), which saves a few hundred bytes per term per
/// document.
pub struct Terms(Vec<Vec<Value>>);

impl Terms {
    pub fn new(config: &Config, archive: &Archive) -> Terms {
        Terms(
            archive
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
                .collect(),
        )
    }
}

/// The summary of a document: what every page listing it shows.
pub fn summary(config: &Config, archive: &Archive, terms: &Terms, id: DocId) -> Value {
    let doc = &archive.documents[id];
    let url = config.url(&paths::document(&doc.slug));
    map([
        ("slug", doc.slug.as_str().into()),
        ("url", url.into()),
        ("title", doc.title.as_str().into()),
        ("date", doc.date.map_or_else(Value::none, |d| d.to_string().into())),
        ("date_iso", doc.date.map_or_else(Value::none, |d| d.iso().into())),
        ("year", doc.date.map_or_else(Value::none, |d| d.year.into())),
        ("summary", opt(&doc.summary)),
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
        .zip(&terms.0)
        .filter(|(t, _)| !t.terms_of[id].is_empty())
        .map(|(t, values)| {
            let terms: Vec<Value> = t.terms_of[id].iter().map(|&i| values[i].clone()).collect();
            map([
                ("name", t.name.as_str().into()),
                ("title", t.title.as_str().into()),
                ("terms", terms.into()),
            ])
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

/// Fields only a document's own page needs.
pub fn document_fields(doc: &Document) -> [(&'static str, Value); 9] {
    [
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
