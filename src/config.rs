//! Site configuration: `config.toml` at the archive root.
//!
//! Two types, as ripgrep separates raw flags from settings: [`RawConfig`] is
//! exactly what serde reads (unknown keys rejected), and [`Config`] is the
//! checked form the pipeline uses, with defaults filled in and derived values
//! such as the URL path prefix computed once. Command-line overrides are
//! applied by the caller before [`Config::check`]. Turning TOML errors into
//! diagnostics, for this file, front matter and entities.toml alike, is
//! the job of the `toml_errors` submodule.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use crate::cite::CitationsConfig;
use crate::cite::Kind;
use crate::diag::{Diagnostic, Location};

mod toml_errors;
pub use toml_errors::{Keys, key_in_table, toml_error, top_level_keys_in_table};

/// Names that a taxonomy may not take because the site already uses them.
const RESERVED_PATHS: &[&str] = &[
    "documents",
    "timeline",
    "entities",
    "static",
    "404",
    "graph",
    "search",
    "data",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub base_url: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub output_dir: Option<String>,
    #[serde(default)]
    pub taxonomies: Vec<RawTaxonomy>,
    #[serde(default)]
    pub links: LinksConfig,
    #[serde(default)]
    pub related: RelatedConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub pagination: RawPagination,
    #[serde(default)]
    pub search: RawSearch,
    #[serde(default)]
    pub feeds: RawFeeds,
    #[serde(default)]
    pub sitemap: SitemapConfig,
    #[serde(default)]
    pub data: DataConfig,
    #[serde(default)]
    pub citations: RawCitations,
}

/// `[search]` as written: the sizes with where they are written, for
/// errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSearch {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub notes: bool,
    #[serde(default = "yes")]
    pub entities: bool,
    pub excerpt_length: Option<toml::Spanned<usize>>,
    pub excerpts: Option<toml::Spanned<usize>>,
}

impl Default for RawSearch {
    fn default() -> Self {
        RawSearch {
            enabled: true,
            notes: true,
            entities: true,
            excerpt_length: None,
            excerpts: None,
        }
    }
}

/// `[search]`: the full-text index and the search page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchConfig {
    /// Whether the build writes the index, the search page and the search
    /// box of every page.
    pub enabled: bool,
    /// Whether curators' notes are searched (a document's own text, titles,
    /// names, summary and terms always are).
    pub notes: bool,
    /// Whether people and organisations are results of their own.
    pub entities: bool,
    /// At most how many characters of a matching paragraph a result shows.
    pub excerpt_length: usize,
    /// At most how many matching paragraphs a result shows.
    pub excerpts: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            notes: true,
            entities: true,
            excerpt_length: EXCERPT_LENGTH.default,
            excerpts: EXCERPTS.default,
        }
    }
}

const EXCERPT_LENGTH: SizeRule = SizeRule {
    table: "search",
    key: "excerpt_length",
    least: 40,
    most: 2000,
    default: 240,
    few: "an excerpt that short cannot show a matched word with the words around it",
    many: "excerpts longer than that make a page of results too long to scan",
};
const EXCERPTS: SizeRule = SizeRule {
    table: "search",
    key: "excerpts",
    least: 1,
    most: 20,
    default: 3,
    few: "a result must show at least one matching paragraph",
    many: "more paragraphs than that make a page of results too long to scan",
};

impl RawSearch {
    fn check(&self, file: &Path, text: &str, problems: &mut Vec<Diagnostic>) -> SearchConfig {
        let mut size = |rule: &SizeRule, written: &Option<toml::Spanned<usize>>| {
            rule.value(written.as_ref(), file, text, problems)
        };
        SearchConfig {
            enabled: self.enabled,
            notes: self.notes,
            entities: self.entities,
            excerpt_length: size(&EXCERPT_LENGTH, &self.excerpt_length),
            excerpts: size(&EXCERPTS, &self.excerpts),
        }
    }
}

fn yes() -> bool {
    true
}

/// `[feeds]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeeds {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub entries: Option<toml::Spanned<usize>>,
}

impl Default for RawFeeds {
    fn default() -> Self {
        RawFeeds {
            enabled: true,
            entries: None,
        }
    }
}

/// `[feeds]`: Atom feeds of the newest documents, of the archive and of
/// each taxonomy term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedsConfig {
    pub enabled: bool,
    /// How many of the newest dated documents a feed lists.
    pub entries: usize,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            enabled: true,
            entries: FEED_ENTRIES.default,
        }
    }
}

const FEED_ENTRIES: SizeRule = SizeRule {
    table: "feeds",
    key: "entries",
    least: 1,
    most: 1000,
    default: 20,
    few: "a feed must list at least one document",
    many: "feeds of more than 1000 documents are too long for feed readers",
};

impl RawFeeds {
    fn check(&self, file: &Path, text: &str, problems: &mut Vec<Diagnostic>) -> FeedsConfig {
        FeedsConfig {
            enabled: self.enabled,
            entries: FEED_ENTRIES.value(self.entries.as_ref(), file, text, problems),
        }
    }
}

/// `[citations]` as written, each kind with where it is written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCitations {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub downloads: bool,
    pub default_kind: Option<toml::Spanned<String>>,
    /// A `types` term to the kind of citation its documents get.
    #[serde(default)]
    pub kinds: std::collections::BTreeMap<String, toml::Spanned<String>>,
}

impl Default for RawCitations {
    fn default() -> Self {
        RawCitations {
            enabled: true,
            downloads: true,
            default_kind: None,
            kinds: Default::default(),
        }
    }
}

impl RawCitations {
    fn check(&self, file: &Path, text: &str, problems: &mut Vec<Diagnostic>) -> CitationsConfig {
        let mut kind = |written: &toml::Spanned<String>, key: &str| {
            let parsed = Kind::parse(written.get_ref());
            if parsed.is_none() {
                problems.push(
                    Diagnostic::error(format!("`{key} = \"{}\"` is not a kind of citation", written.get_ref()))
                        .at(Location::from_span(file, text, written.span()))
                        .hint(format!("write {}", Kind::names())),
                );
            }
            parsed
        };
        let mut config = CitationsConfig {
            enabled: self.enabled,
            downloads: self.downloads,
            ..CitationsConfig::default()
        };
        if let Some(k) = self.default_kind.as_ref().and_then(|k| kind(k, "default_kind")) {
            config.default_kind = k;
        }
        for (type_name, written) in &self.kinds {
            if let Some(k) = kind(written, type_name) {
                config.kinds.insert(type_name.to_lowercase(), k);
            }
        }
        config
    }
}

/// `[data]`: the catalogue as JSON and CSV, and each document's data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    pub enabled: bool,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig { enabled: true }
    }
}

/// `[sitemap]`: `sitemap.xml`, and `robots.txt` pointing at it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SitemapConfig {
    pub enabled: bool,
    /// Write `robots.txt`, allowing every crawler and naming the sitemap.
    pub robots: bool,
}

impl Default for SitemapConfig {
    fn default() -> Self {
        SitemapConfig {
            enabled: true,
            robots: true,
        }
    }
}

/// `[pagination]` as written: each size with where it is written, for
/// errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPagination {
    pub page_size: Option<toml::Spanned<usize>>,
    pub index_page_size: Option<toml::Spanned<usize>>,
    pub latest: Option<toml::Spanned<usize>>,
}

/// `[pagination]`: how long list pages are. Every list of the site is cut
/// into pages of a bounded length, so no list page grows with the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaginationConfig {
    /// Documents per page of a term, a year, the undated documents and an
    /// entity's mentions.
    pub page_size: usize,
    /// Terms per page of a taxonomy's index, and people and organisations
    /// per page of the entities' index.
    pub index_page_size: usize,
    /// How many of the newest documents the home page lists.
    pub latest: usize,
}

impl Default for PaginationConfig {
    fn default() -> Self {
        PaginationConfig {
            page_size: 100,
            index_page_size: 500,
            latest: 12,
        }
    }
}

/// A size in config.toml: its table and key, the numbers it may take, and
/// why a number below or above them is wrong.
struct SizeRule {
    table: &'static str,
    key: &'static str,
    least: usize,
    most: usize,
    default: usize,
    few: &'static str,
    many: &'static str,
}

impl SizeRule {
    /// The size written, or the default when it is missing or wrong (what
    /// is wrong goes into `problems`).
    fn value(
        &self,
        written: Option<&toml::Spanned<usize>>,
        file: &Path,
        text: &str,
        problems: &mut Vec<Diagnostic>,
    ) -> usize {
        self.check(written, file, text).unwrap_or_else(|d| {
            problems.push(d);
            self.default
        })
    }

    /// The size written, or the default; what is wrong with it otherwise.
    fn check(&self, written: Option<&toml::Spanned<usize>>, file: &Path, text: &str) -> Result<usize, Diagnostic> {
        let Some(written) = written else {
            return Ok(self.default);
        };
        let n = *written.get_ref();
        if (self.least..=self.most).contains(&n) {
            return Ok(n);
        }
        let why = if n < self.least { self.few } else { self.many };
        Err(
            Diagnostic::error(format!("`{}.{}` is {n}: {why}", self.table, self.key))
                .at(Location::from_span(file, text, written.span()))
                .hint(format!(
                    "write a number from {} to {}, or leave the key out for the default, {}",
                    self.least, self.most, self.default
                )),
        )
    }
}

const PAGE_SIZE: SizeRule = SizeRule {
    table: "pagination",
    key: "page_size",
    least: 1,
    most: 1000,
    default: 100,
    few: "a page must list at least one document",
    many: "pages of more than 1000 documents are too long to load well",
};
const INDEX_PAGE_SIZE: SizeRule = SizeRule {
    table: "pagination",
    key: "index_page_size",
    least: 1,
    most: 10_000,
    default: 500,
    few: "a page must list at least one name",
    many: "pages of more than 10000 names are too long to load well",
};
const LATEST: SizeRule = SizeRule {
    table: "pagination",
    key: "latest",
    least: 0,
    most: 1000,
    default: 12,
    few: "",
    many: "pages of more than 1000 documents are too long to load well",
};

impl RawPagination {
    fn check(&self, file: &Path, text: &str, problems: &mut Vec<Diagnostic>) -> PaginationConfig {
        let mut size = |rule: &SizeRule, written: &Option<toml::Spanned<usize>>| {
            rule.value(written.as_ref(), file, text, problems)
        };
        PaginationConfig {
            page_size: size(&PAGE_SIZE, &self.page_size),
            index_page_size: size(&INDEX_PAGE_SIZE, &self.index_page_size),
            latest: size(&LATEST, &self.latest),
        }
    }
}

/// `[markdown]`: how markdown (notes, `.md` seeds) becomes HTML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Pass raw HTML in markdown through unchanged. Off by default: raw
    /// HTML is sanitised (scripts, event handlers and script URLs removed).
    pub unsafe_html: bool,
}

/// `[links]`: cross-links between documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinksConfig {
    /// Find documents' titles and `cited_as` names, and entities' names, in
    /// the text of other documents.
    pub detect_mentions: bool,
}

impl Default for LinksConfig {
    fn default() -> Self {
        LinksConfig { detect_mentions: true }
    }
}

/// `[related]`: how related documents are ranked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelatedConfig {
    /// How many related documents a page lists.
    pub count: usize,
    /// Weight of each taxonomy term two documents share.
    pub terms: f64,
    /// Weight of each entity both documents mention.
    pub entities: f64,
    /// Weight of a citation (a link or a mention) between the two.
    pub citations: f64,
    /// Weight of closeness in time: the full weight for the same day, half
    /// for a year apart, a third for two years...
    pub time: f64,
}

impl Default for RelatedConfig {
    fn default() -> Self {
        RelatedConfig {
            count: 5,
            terms: 1.0,
            entities: 0.5,
            citations: 2.0,
            time: 1.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTaxonomy {
    pub name: toml::Spanned<String>,
    pub title: String,
}

/// A taxonomy declared in the config: a way of classifying documents.
#[derive(Debug, Clone)]
pub struct TaxonomyConfig {
    /// Key under `[taxonomies]` in front matter and first URL segment.
    pub name: String,
    /// Human title, e.g. "Issuing bodies".
    pub title: String,
}

/// The checked site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Always ends with `/`.
    pub base_url: String,
    /// Path part of `base_url`, always starting and ending with `/`.
    pub root_path: String,
    pub language: String,
    pub theme: String,
    pub output_dir: PathBuf,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub links: LinksConfig,
    pub related: RelatedConfig,
    pub markdown: MarkdownConfig,
    pub pagination: PaginationConfig,
    pub search: SearchConfig,
    pub feeds: FeedsConfig,
    pub sitemap: SitemapConfig,
    pub data: DataConfig,
    pub citations: CitationsConfig,
}

/// Settings given on the command line that take precedence over the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub output_dir: Option<PathBuf>,
}

pub const FILE_NAME: &str = "config.toml";

impl Config {
    /// A hash of every setting: what is made from the config (the archive
    /// a preview keeps, documents' data, citations and feeds) is made again
    /// when it changes.
    pub fn settings_hash(&self) -> u64 {
        crate::hash::of(format!("{self:?}").as_bytes())
    }

    /// Reads and checks `config.toml` in `root`.
    pub fn load(root: &Path, overrides: &Overrides) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(FILE_NAME);
        let shown = PathBuf::from(FILE_NAME);
        if std::fs::symlink_metadata(&path).is_ok() {
            crate::files::confine(root, &shown).map_err(|d| vec![d])?;
        }
        let text = crate::files::read_text(&path).map_err(|e| {
            vec![
                Diagnostic::error(format!("cannot read {}: {e}", path.display()))
                    .hint("run annals in an archive folder, or pass --root DIR"),
            ]
        })?;
        let raw: RawConfig =
            toml::from_str(&text).map_err(|e| vec![toml_error(&shown, &text, 0..text.len(), &e, &CONFIG_KEYS)])?;
        Config::check(raw, overrides, &shown, &text)
    }

    /// Turns a parsed file into a checked config, reporting every problem.
    pub fn check(raw: RawConfig, overrides: &Overrides, file: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let base_url = overrides.base_url.clone().unwrap_or(raw.base_url);
        let base_url = normalise_base_url(&base_url).unwrap_or_else(|message| {
            problems.push(Diagnostic::error(message).at(locate_key(file, text, "base_url")));
            "/".to_string()
        });
        let root_path = url_path(&base_url);
        let mut taxonomies: Vec<TaxonomyConfig> = Vec::new();
        for t in raw.taxonomies {
            let name = t.name.get_ref().clone();
            let loc = Location::from_span(file, text, t.name.span());
            if !crate::content::slug::is_valid_slug(&name) {
                problems.push(
                    Diagnostic::error(format!("taxonomy name `{name}` is not a valid URL segment"))
                        .at(loc)
                        .hint("use lowercase ASCII letters, digits and hyphens, e.g. \"topics\""),
                );
            } else if let Some(d) =
                crate::content::slug::too_long(&name, "taxonomy name", "<name>/", "shorten the name")
            {
                problems.push(d.at(loc));
            } else if RESERVED_PATHS.contains(&name.as_str()) {
                problems.push(
                    Diagnostic::error(format!("taxonomy name `{name}` is reserved by annals"))
                        .at(loc)
                        .hint(format!(
                            "choose another name; these are taken: {}",
                            RESERVED_PATHS.join(", ")
                        )),
                );
            } else if taxonomies.iter().any(|x| x.name == name) {
                problems.push(Diagnostic::error(format!("taxonomy `{name}` is declared twice")).at(loc));
            } else {
                taxonomies.push(TaxonomyConfig { name, title: t.title });
            }
        }
        let output_dir = raw.output_dir.as_deref().map(|dir| {
            check_output_dir(dir).unwrap_or_else(|(message, hint)| {
                problems.push(
                    Diagnostic::error(message)
                        .at(locate_key(file, text, "output_dir"))
                        .hint(hint),
                );
                PathBuf::new()
            })
        });
        let pagination = raw.pagination.check(file, text, &mut problems);
        let search = raw.search.check(file, text, &mut problems);
        let feeds = raw.feeds.check(file, text, &mut problems);
        let citations = raw.citations.check(file, text, &mut problems);
        if let Some(theme) = raw.theme.as_deref().filter(|t| !is_folder_name(t)) {
            problems.push(
                Diagnostic::error(format!("theme `{theme}` is not the name of a folder in themes/"))
                    .at(locate_key(file, text, "theme"))
                    .hint("write the folder's name, e.g. theme = \"default\"; a theme from elsewhere is not read: copy it into themes/"),
            );
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let output_dir = overrides
            .output_dir
            .clone()
            .or(output_dir)
            .unwrap_or_else(|| PathBuf::from("public"));
        Ok(Config {
            title: raw.title,
            description: raw.description.unwrap_or_default(),
            base_url,
            root_path,
            language: raw.language.unwrap_or_else(|| "en".into()),
            theme: raw.theme.unwrap_or_else(|| "default".into()),
            output_dir,
            taxonomies,
            links: raw.links,
            related: raw.related,
            markdown: raw.markdown,
            pagination,
            search,
            feeds,
            sitemap: raw.sitemap,
            data: raw.data,
            citations,
        })
    }

    /// The absolute URL of a site path such as `documents/x/`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The root-relative URL of a site path, honouring a base URL with a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.root_path, path)
    }
}

/// The keys of config.toml, for hints.
const CONFIG_KEYS: Keys = Keys {
    top: &[
        "title",
        "description",
        "base_url",
        "language",
        "theme",
        "output_dir",
        "taxonomies",
        "links",
        "related",
        "markdown",
        "pagination",
        "search",
        "feeds",
        "sitemap",
        "data",
        "citations",
    ],
    tables: &[
        ("taxonomies", Some(&["name", "title"])),
        ("links", Some(&["detect_mentions"])),
        ("related", Some(&["count", "terms", "entities", "citations", "time"])),
        ("markdown", Some(&["unsafe_html"])),
        ("pagination", Some(&["page_size", "index_page_size", "latest"])),
        (
            "search",
            Some(&["enabled", "notes", "entities", "excerpt_length", "excerpts"]),
        ),
        ("feeds", Some(&["enabled", "entries"])),
        ("sitemap", Some(&["enabled", "robots"])),
        ("data", Some(&["enabled"])),
        ("citations.kinds", None),
        ("citations", Some(&["enabled", "downloads", "default_kind", "kinds"])),
    ],
};

fn normalise_base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("base_url `{url}` must start with https:// or http://"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.chars().any(char::is_whitespace) {
        return Err(format!("base_url `{url}` has no host name"));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

fn url_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    }
}

/// Folders of an archive that annals reads: the output may not be one.
const INPUT_DIRS: &[&str] = &["content", "seeds", "templates", "themes", "static"];

/// `output_dir` must be a folder inside the archive root, and not one that
/// holds its inputs. Returns it without `.` components (`./public` is
/// `public`), or what is wrong with it and what to write instead.
fn check_output_dir(dir: &str) -> Result<PathBuf, (String, String)> {
    use std::path::Component;
    let elsewhere = "to write outside the archive, give the folder to --output on the command line instead";
    let mut folder = PathBuf::new();
    for part in Path::new(dir).components() {
        match part {
            Component::CurDir => {}
            Component::Normal(name) => folder.push(name),
            Component::ParentDir => {
                return Err((
                    format!("output_dir `{dir}` leaves the archive through `..`"),
                    format!(
                        "output_dir is a folder inside the archive, relative to config.toml, e.g. \"public\"; {elsewhere}"
                    ),
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err((
                    format!("output_dir `{dir}` is an absolute path"),
                    format!(
                        "output_dir is a folder inside the archive, relative to config.toml, e.g. \"public\"; {elsewhere}"
                    ),
                ));
            }
        }
    }
    if folder.as_os_str().is_empty() {
        return Err((
            format!("output_dir `{dir}` is the archive folder itself"),
            "name a folder inside it, e.g. \"public\": each build replaces the whole output folder".to_string(),
        ));
    }
    let first = folder.components().next().and_then(|c| c.as_os_str().to_str());
    if let Some(input) = first.filter(|f| INPUT_DIRS.contains(f)) {
        return Err((
            format!("output_dir `{dir}` is inside `{input}/`, which annals reads"),
            "choose a folder annals does not read, e.g. \"public\": each build replaces the whole output folder"
                .to_string(),
        ));
    }
    Ok(folder)
}

/// Whether `name` names a folder directly inside another: one plain path
/// part, no separators, not `.` or `..`.
fn is_folder_name(name: &str) -> bool {
    use std::path::Component;
    let mut parts = Path::new(name).components();
    matches!(parts.next(), Some(Component::Normal(_))) && parts.next().is_none() && !name.contains(['/', '\\'])
}

fn locate_key(file: &Path, text: &str, key: &str) -> Location {
    let start = text
        .lines()
        .scan(0, |offset, line| {
            let here = *offset;
            *offset += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with(key))
        .map_or(0, |(offset, line)| offset + (line.len() - line.trim_start().len()));
    Location::from_span(file, text, start..start + key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_dir_stays_inside_the_archive() {
        for (written, folder) in [
            ("public", "public"),
            ("site/out", "site/out"),
            ("_site", "_site"),
            ("./public", "public"),
            ("./site/./out/", "site/out"),
            ("././x", "x"),
        ] {
            assert_eq!(check_output_dir(written), Ok(PathBuf::from(folder)), "{written}");
        }
        for bad in [
            "/tmp/x",
            "../x",
            "public/../..",
            "./../x",
            ".",
            "./",
            "",
            "content",
            "./seeds/out",
        ] {
            assert!(check_output_dir(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refused_output_dir_says_why_and_what_to_write() {
        let (message, hint) = check_output_dir("../site").unwrap_err();
        assert_eq!(message, "output_dir `../site` leaves the archive through `..`");
        assert!(hint.contains("e.g. \"public\"") && hint.contains("--output"), "{hint}");
        let (message, _) = check_output_dir("/srv/www").unwrap_err();
        assert_eq!(message, "output_dir `/srv/www` is an absolute path");
    }

    #[test]
    fn output_dir_is_kept_without_dot_components() {
        let c = check("title = \"A\"\nbase_url = \"https://x.org\"\noutput_dir = \"./site/./out\"\n").unwrap();
        assert_eq!(c.output_dir, PathBuf::from("site/out"));
    }

    fn check(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            vec![toml_error(
                Path::new("config.toml"),
                text,
                0..text.len(),
                &e,
                &CONFIG_KEYS,
            )]
        })?;
        Config::check(raw, &Overrides::default(), Path::new("config.toml"), text)
    }

    #[test]
    fn theme_names_a_folder_in_themes() {
        for good in ["default", "dark-2", "my_theme"] {
            assert!(is_folder_name(good), "{good}");
        }
        for bad in ["/abs/path", "../../x", "a/b", "..", ".", "", "a\\b"] {
            assert!(!is_folder_name(bad), "{bad}");
        }
        let err = check("title = \"A\"\nbase_url = \"https://x.org\"\ntheme = \"../../x\"\n").unwrap_err();
        assert_eq!(err[0].location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn derives_root_path_from_base_url() {
        let c = check("title = \"A\"\nbase_url = \"https://x.org/archive\"\n").unwrap();
        assert_eq!(c.base_url, "https://x.org/archive/");
        assert_eq!(c.url("documents/a/"), "/archive/documents/a/");
        assert_eq!(c.output_dir, PathBuf::from("public"));
    }

    #[test]
    fn unknown_key_is_an_error_with_a_hint() {
        let err = check("title = \"A\"\nbase_url = \"https://x.org\"\ntheem = \"x\"\n").unwrap_err();
        let loc = err[0].location.as_ref().unwrap();
        assert_eq!(loc.line, 3);
        assert_eq!(err[0].hint.as_deref(), Some("did you mean `theme`?"));
    }

    #[test]
    fn pagination_has_defaults_and_takes_sizes() {
        let base = "title = \"A\"\nbase_url = \"https://x.org\"\n";
        assert_eq!(check(base).unwrap().pagination, PaginationConfig::default());
        let c = check(&format!(
            "{base}[pagination]\npage_size = 20\nindex_page_size = 1\nlatest = 0\n"
        ))
        .unwrap();
        assert_eq!(
            c.pagination,
            PaginationConfig {
                page_size: 20,
                index_page_size: 1,
                latest: 0
            }
        );
    }

    #[test]
    fn pagination_sizes_out_of_bounds_are_errors_at_their_value() {
        let base = "title = \"A\"\nbase_url = \"https://x.org\"\n";
        let text = format!("{base}[pagination]\npage_size = 0\nindex_page_size = 10001\nlatest = 5000\n");
        let err = check(&text).unwrap_err();
        let found: Vec<(usize, usize, &str)> = err
            .iter()
            .map(|d| {
                let at = d.location.as_ref().unwrap();
                (at.line, at.column, d.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    4,
                    13,
                    "`pagination.page_size` is 0: a page must list at least one document"
                ),
                (
                    5,
                    19,
                    "`pagination.index_page_size` is 10001: pages of more than 10000 names are too long to load well"
                ),
                (
                    6,
                    10,
                    "`pagination.latest` is 5000: pages of more than 1000 documents are too long to load well"
                ),
            ]
        );
        assert_eq!(
            err[0].hint.as_deref(),
            Some("write a number from 1 to 1000, or leave the key out for the default, 100")
        );
        let negative = check(&format!("{base}[pagination]\npage_size = -1\n")).unwrap_err();
        assert_eq!(negative[0].location.as_ref().unwrap().line, 4);
        let unknown = check(&format!("{base}[pagination]\npagesize = 5\n")).unwrap_err();
        assert_eq!(unknown[0].hint.as_deref(), Some("did you mean `page_size`?"));
    }

    #[test]
    fn reserved_and_duplicate_taxonomies_are_errors() {
        let text = "title = \"A\"\nbase_url = \"https://x.org\"\n[[taxonomies]]\nname = \"timeline\"\ntitle = \"T\"\n[[taxonomies]]\nname = \"a\"\ntitle = \"A\"\n[[taxonomies]]\nname = \"a\"\ntitle = \"A\"\n";
        let err = check(text).unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!(err[0].location.as_ref().unwrap().line, 4);
        assert_eq!(err[1].location.as_ref().unwrap().line, 10);
    }
}
