//! Load: content files and seeds become [`Document`]s.
//!
//! This is the only stage that reads the archive's `content/` and `seeds/`.
//! Each content file is read, split, parsed and checked on its own (in
//! parallel); problems are collected as diagnostics that point into the file
//! the maintainer edits. Checks that need every document at once (duplicate
//! slugs) run after. Nothing here knows about HTML.

pub mod date;
pub mod encoding;
pub mod entities;
pub mod frontmatter;
pub mod seed;
pub mod slug;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Diagnostic, Location, did_you_mean};
use date::PartialDate;
use frontmatter::FrontMatter;
use seed::Block;

pub const CONTENT_DIR: &str = "content";
pub const SEEDS_DIR: &str = "seeds";

/// The text a document carries.
#[derive(Debug, Clone)]
pub enum Text {
    /// A plain-text seed, parsed into blocks.
    Blocks(Vec<Block>),
    /// Markdown: a `.md` seed, or the body of a content file without a seed.
    Markdown(String),
    /// Neither: the archive knows of the document but does not hold its text.
    None,
}

/// One document of the archive, as loaded and checked.
#[derive(Debug, Clone)]
pub struct Document {
    /// Content file, relative to the archive root.
    pub file: PathBuf,
    pub slug: String,
    pub title: String,
    pub date: Option<PartialDate>,
    pub summary: Option<String>,
    pub source_url: Option<String>,
    pub archived_url: Option<String>,
    pub original_title: Option<String>,
    pub original_language: Option<String>,
    pub authors: Vec<String>,
    pub translators: Vec<String>,
    pub draft: bool,
    pub cited_as: Vec<String>,
    /// What citations describe the document as, when its front matter says.
    pub citation_kind: Option<crate::cite::Kind>,
    /// The number its issuer gave the document.
    pub document_number: Option<String>,
    /// Related slugs, each with its byte range in the content file.
    pub related: Vec<(String, std::ops::Range<usize>)>,
    /// Terms per taxonomy, in the order of the config's taxonomies.
    pub terms: Vec<(String, Vec<String>)>,
    pub extra: toml::Table,
    /// Seed file, relative to the archive root.
    pub seed: Option<PathBuf>,
    pub text: Text,
    /// The curator's note (markdown), when the document has a seed.
    pub note: Option<String>,
    /// Byte offset of the markdown body (note or text) in the content file,
    /// for pointing at a line in it.
    pub body_offset: usize,
    /// A hash of the content file's and the seed's bytes: two documents
    /// with the same fingerprint were read from the same files.
    pub fingerprint: u64,
}

impl Document {
    /// The document's type: the first of its terms in the taxonomy named
    /// `types`, if the archive has one.
    pub fn kind(&self) -> Option<&str> {
        self.terms
            .iter()
            .find(|(name, _)| name == "types")
            .and_then(|(_, terms)| terms.first())
            .map(String::as_str)
    }

    /// What the archive's order and indexes are built from besides the
    /// names looked for in texts and the terms: slugs, dates, the
    /// timeline, `related` slugs, whether there is a text. Two versions of
    /// a document with the same shape sit in the same places of the
    /// archive's order (as long as a new title does not move the document
    /// among others of its date, which the analysis checks); their texts,
    /// titles, `cited_as` names and terms may differ (the analysis moves
    /// the document between the terms' lists).
    pub fn same_shape(&self, other: &Document) -> bool {
        let related = |d: &Document| d.related.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>();
        self.slug == other.slug
            && self.date == other.date
            && self.draft == other.draft
            && matches!(self.text, Text::None) == matches!(other.text, Text::None)
            && related(self) == related(other)
    }
}

/// Drafts left out of a build, each slug with its content file.
pub type Drafts = Vec<(String, PathBuf)>;

/// Everything `load` found.
pub struct Loaded {
    /// Every document (drafts only when asked for), in path order; `None`
    /// when `replaced` says what changed, which is all an update of the
    /// last archive reads: [`Cache::documents`] lists them if a whole
    /// build is wanted after all. (Listing them took some 13 ms at 100,000
    /// documents, for each edit.)
    pub documents: Option<Vec<Arc<Document>>>,
    pub entities: Vec<entities::Entity>,
    pub warnings: Vec<Diagnostic>,
    /// When this load differs from the cache's previous, successful one
    /// only in some content files: the documents they replaced, added and
    /// removed, which let the analysis update the last archive instead of
    /// building a new one. `None` when anything else may have changed.
    pub replaced: Option<Replaced>,
}

/// The documents of some content files loaded again (see [`Loaded`]).
#[derive(Default)]
pub struct Replaced {
    /// Documents read again under the slug they had.
    pub documents: Vec<Arc<Document>>,
    /// Documents new to the archive: a new file, a draft published, a
    /// file given another slug.
    pub added: Vec<Arc<Document>>,
    /// The slugs of the documents gone from the archive.
    pub removed: Vec<String>,
}

/// Loads every document under `root/content`. Drafts are skipped unless
/// `drafts` is set.
pub fn load(root: &Path, config: &Config, drafts: bool) -> Result<Vec<Arc<Document>>, Vec<Diagnostic>> {
    let mut cache = Cache::default();
    let loaded = load_cached(root, config, drafts, &mut cache, None)?;
    // (A first load lists them all.)
    Ok(loaded.documents.unwrap_or_else(|| cache.documents(drafts)))
}

/// Documents loaded by an earlier build, reused while neither their content
/// file nor their seed has changed (same modification time and size) and
/// the config's taxonomies are the same. `serve` keeps one between rebuilds.
#[derive(Default)]
pub struct Cache {
    taxonomies: Vec<String>,
    /// By content file, in path order (which is the order of a sorted walk).
    entries: std::collections::BTreeMap<PathBuf, Cached>,
    /// Content files that failed to load last time, with their errors.
    failed: std::collections::BTreeMap<PathBuf, Vec<Diagnostic>>,
    /// Whether the last load succeeded.
    ok: bool,
    /// Whether the last load looked at every content file (it stops early
    /// when `content/` cannot be walked).
    walked: bool,
    /// The entities the last load read (none when the file is broken).
    entities: Vec<entities::Entity>,
}

/// What a failed load did read: the documents that loaded and the slugs the
/// files that failed may hold, so that the rest of the pipeline can check
/// what depends only on the former in the same run.
pub struct Partial {
    pub documents: Vec<Arc<Document>>,
    pub entities: Vec<entities::Entity>,
    /// The drafts left out, each slug with its content file: a link to one
    /// is told it is a draft.
    pub drafts: Drafts,
    /// Slugs that a failed content file may hold: its file name's and any
    /// `slug = "..."` line in it. Links to these are not reported, since the
    /// document may well exist once its file is fixed.
    pub absent: std::collections::HashSet<String>,
}

impl Cache {
    /// The documents of the last load (drafts only when `drafts` is
    /// set), as [`Loaded::documents`] lists them.
    pub fn documents(&self, drafts: bool) -> Vec<Arc<Document>> {
        let mut documents: Vec<Arc<Document>> = self.listed(drafts).cloned().collect();
        let _ = crate::files::shuffle_for_tests(&mut documents);
        documents
    }

    fn listed(&self, drafts: bool) -> impl Iterator<Item = &Arc<Document>> {
        (self.entries.values())
            .map(|cached| &cached.document)
            .filter(move |doc| drafts || !doc.draft)
    }

    /// After [`load_cached`], what did load (everything, when it succeeded);
    /// `None` when loading stopped before every content file was read.
    pub fn partial(&self, root: &Path, drafts: bool) -> Option<Partial> {
        if !self.walked {
            return None;
        }
        let mut documents = Vec::with_capacity(self.entries.len());
        let mut left_out = Vec::new();
        for cached in self.entries.values() {
            let doc = &cached.document;
            if drafts || !doc.draft {
                documents.push(doc.clone());
            } else {
                left_out.push((doc.slug.clone(), doc.file.clone()));
            }
        }
        let mut absent = std::collections::HashSet::new();
        for file in self.failed.keys() {
            if let Some(stem) = file.file_stem().and_then(|s| s.to_str()) {
                absent.insert(stem.to_string());
            }
            if let Ok(Some(text)) = std::fs::read(root.join(file)).map(|b| decode_content(&b)) {
                absent.extend(declared_slugs(&text));
            }
        }
        Some(Partial {
            documents,
            entities: self.entities.clone(),
            drafts: left_out,
            absent,
        })
    }
}

/// The values of `slug = "..."` lines in a content file that may not parse
/// as a whole.
fn declared_slugs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .filter(|line| line.trim_start().starts_with("slug"))
        .filter_map(|line| toml::from_str::<toml::Table>(line).ok()?.remove("slug"))
        .filter_map(|value| value.as_str().map(str::to_string))
}

struct Cached {
    stamp: Stamp,
    /// When the files were read: a stamp close to it cannot tell an edit
    /// made in the same tick of the file system's clock.
    read_at: std::time::SystemTime,
    document: Arc<Document>,
    warnings: Vec<Diagnostic>,
}

/// How close to the reading a modification time must be for the stamp to
/// be in doubt: above the coarsest clock of common file systems (FAT keeps
/// two seconds; ext4, a few milliseconds of a coarse clock).
const RACY: std::time::Duration = std::time::Duration::from_secs(2);

impl Cached {
    /// Whether a file may have changed since it was read without its stamp
    /// showing it: two same-size saves in one tick of the file system's
    /// clock, one before the reading and one after, have one stamp. Such a
    /// file is read again and compared by its bytes, as git treats a
    /// "racily clean" file.
    fn racy(&self) -> bool {
        [self.stamp.content, self.stamp.seed]
            .into_iter()
            .flatten()
            .any(|(modified, _)| modified + RACY >= self.read_at)
    }
}

/// When a file was last changed, and how long it is.
type FileStamp = Option<(std::time::SystemTime, u64)>;

#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    content: FileStamp,
    seed: FileStamp,
}

fn file_stamp(path: &Path) -> FileStamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn stamp_of(root: &Path, file: &Path, doc: &Document) -> Stamp {
    Stamp {
        content: file_stamp(&root.join(file)),
        seed: doc.seed.as_ref().and_then(|s| file_stamp(&root.join(s))),
    }
}

/// Like [`load`], reusing what `cache` holds and updating it.
///
/// `changed`, when given, lists the files (relative to `root`) that changed
/// since the cache was filled, as a watcher reports them: then only those
/// are looked at, and nothing else is even checked on disk. Changes outside
/// `content/` and `seeds/`, or to folders, fall back to checking every file.
pub fn load_cached(
    root: &Path,
    config: &Config,
    drafts: bool,
    cache: &mut Cache,
    changed: Option<&[PathBuf]>,
) -> Result<Loaded, Vec<Diagnostic>> {
    let taxonomies: Vec<String> = config.taxonomies.iter().map(|t| t.name.clone()).collect();
    if cache.taxonomies != taxonomies {
        *cache = Cache {
            taxonomies,
            ..Cache::default()
        };
    }
    let was_ok = std::mem::replace(&mut cache.ok, false);
    cache.walked = false;
    let replaced = match changed.and_then(|c| targeted(root, cache, c)) {
        Some(forced) => {
            let before: Before = forced
                .iter()
                .map(|file| (file.clone(), cache.entries.get(file).map(|c| c.document.clone())))
                .collect();
            reload(root, config, cache, forced);
            replacements(cache, before, drafts).filter(|_| was_ok)
        }
        None => refresh(root, config, cache)?
            .and_then(|before| replacements(cache, before, drafts))
            .filter(|_| was_ok),
    };
    cache.walked = true;
    let warnings: Vec<Diagnostic> = cache
        .entries
        .values()
        .flat_map(|c| c.warnings.iter().cloned())
        .collect();
    let mut errors: Vec<Diagnostic> = cache.failed.values().flatten().cloned().collect();
    // Replacements keep their slugs, so they cannot add a duplicate; a
    // document added can, which is looked for first among the others.
    let added_taken = |r: &Replaced| {
        r.added.iter().any(|new| {
            let same = |d: &&Arc<Document>| d.slug == new.slug;
            cache.listed(drafts).filter(same).nth(1).is_some()
        })
    };
    let documents = match &replaced {
        Some(r) if !added_taken(r) => None,
        _ => {
            let mut documents: Vec<Arc<Document>> = cache.listed(drafts).cloned().collect();
            errors.extend(duplicate_slugs(root, &documents));
            let _ = crate::files::shuffle_for_tests(&mut documents);
            Some(documents)
        }
    };
    let entities = entities::load(root).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    cache.entities.clone_from(&entities);
    if errors.is_empty() {
        cache.ok = true;
        Ok(Loaded {
            documents,
            entities,
            warnings,
            replaced,
        })
    } else {
        Err(errors)
    }
}

/// A content file loaded, or why it could not be.
type Loading = Result<Cached, Vec<Diagnostic>>;

/// Loads one content file into a cache entry.
fn load_entry(root: &Path, file: &Path, config: &Config) -> Result<Cached, Vec<Diagnostic>> {
    let read_at = std::time::SystemTime::now();
    load_document(root, file, config).map(|(doc, warnings, stamp)| Cached {
        stamp,
        read_at,
        document: Arc::new(doc),
        warnings,
    })
}

/// Walks `content/` and loads every file that is new or whose stamp changed.
/// Returns the files it loaded again, each with the document it held
/// before; `None` when a file was added or removed.
fn refresh(root: &Path, config: &Config, cache: &mut Cache) -> Result<Option<Before>, Vec<Diagnostic>> {
    let files = content_files(root)?;
    let entries = std::mem::take(&mut cache.entries);
    let same_files = files.len() == entries.len() && files.iter().zip(entries.keys()).all(|(a, b)| a == b);
    let results: Vec<(PathBuf, Loading, bool)> = files
        .into_par_iter()
        .with_max_len(crate::FINE)
        .map(|file| {
            let reused = entries
                .get(&file)
                .filter(|c| !c.racy() && c.stamp == stamp_of(root, &file, &c.document));
            let result = match reused {
                Some(c) => Ok(Cached {
                    stamp: c.stamp,
                    read_at: c.read_at,
                    document: c.document.clone(),
                    warnings: c.warnings.clone(),
                }),
                None => load_entry(root, &file, config),
            };
            (file, result, reused.is_none())
        })
        .collect();
    let mut before = Vec::new();
    cache.failed.clear();
    let mut loaded_entries = Vec::with_capacity(results.len());
    for (file, result, loaded) in results {
        // Only a rebuild over the same files can replace documents in place;
        // a first load (everything loaded) keeps no list.
        if loaded && same_files {
            before.push((file.clone(), entries.get(&file).map(|c| c.document.clone())));
        }
        match result {
            Ok(cached) => loaded_entries.push((file, cached)),
            Err(e) => {
                cache.failed.insert(file, e);
            }
        }
    }
    // The files come in path order, which a map built all at once takes
    // in one pass; inserted one by one, each would cost a dozen path
    // comparisons.
    cache.entries = loaded_entries.into_iter().collect();
    Ok(same_files.then_some(before))
}

/// Content files loaded again, each with the document it held before.
type Before = Vec<(PathBuf, Option<Arc<Document>>)>;

/// Loads again only the `forced` files; the rest of the cache stands.
fn reload(root: &Path, config: &Config, cache: &mut Cache, forced: std::collections::HashSet<PathBuf>) {
    let results: Vec<(PathBuf, Option<Loading>)> = forced
        .into_par_iter()
        .map(|file| {
            // A file the watcher saw go is gone from the archive; one that is
            // there is read by the same rule as a walk reads it.
            let result = std::fs::symlink_metadata(root.join(&file)).ok().map(|_| {
                crate::files::confine(root, &file)
                    .map_err(|d| vec![d])
                    .and_then(|()| load_entry(root, &file, config))
            });
            (file, result)
        })
        .collect();
    for (file, result) in results {
        cache.entries.remove(&file);
        cache.failed.remove(&file);
        match result {
            Some(Ok(cached)) => {
                cache.entries.insert(file, cached);
            }
            Some(Err(e)) => {
                cache.failed.insert(file, e);
            }
            None => {}
        }
    }
}

/// The documents of the archive that `reload` replaced, added and
/// removed, given what the reloaded files held `before`; `None` when
/// something failed to load.
fn replacements(cache: &Cache, before: Before, drafts: bool) -> Option<Replaced> {
    if !cache.failed.is_empty() {
        return None;
    }
    let shown = |doc: &Arc<Document>| drafts || !doc.draft;
    let mut replaced = Replaced::default();
    for (file, old) in before {
        let new = cache.entries.get(&file).map(|c| &c.document).filter(|d| shown(d));
        let old = old.filter(shown);
        match (old, new) {
            (Some(old), Some(new)) if old.slug == new.slug => {
                if old.fingerprint != new.fingerprint {
                    replaced.documents.push(new.clone());
                }
            }
            (old, new) => {
                replaced.removed.extend(old.map(|d| d.slug.clone()));
                replaced.added.extend(new.cloned());
            }
        }
    }
    Some(replaced)
}

/// The content files after `changed`, and those of them to load again;
/// `None` when the changes need a full look at the disk.
fn targeted(root: &Path, cache: &Cache, changed: &[PathBuf]) -> Option<std::collections::HashSet<PathBuf>> {
    if cache.entries.is_empty() && cache.failed.is_empty() {
        return None;
    }
    let mut forced = std::collections::HashSet::new();
    for path in changed {
        if path.file_name().is_some_and(crate::files::is_editor_temporary) {
            continue;
        }
        let top = path.components().next().and_then(|c| c.as_os_str().to_str());
        if root.join(path).is_dir() {
            return None;
        }
        match top {
            Some(CONTENT_DIR) if path.extension().is_some_and(|e| e == "md") => {
                forced.insert(path.clone());
            }
            Some(CONTENT_DIR) => {}
            Some(SEEDS_DIR) => {
                let users = cache
                    .entries
                    .iter()
                    .filter(|(_, c)| c.document.seed.as_deref() == Some(path.as_path()));
                forced.extend(users.map(|(file, _)| file.clone()));
                // A document may have failed for want of this seed.
                forced.extend(cache.failed.keys().cloned());
            }
            _ => return None,
        }
    }
    Some(forced)
}

/// Every `.md` file below `content/`, relative to `root`, in path order,
/// read by the rule of [`crate::files::walk`].
fn content_files(root: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let dir = root.join(CONTENT_DIR);
    if !dir.is_dir() {
        return Err(vec![
            Diagnostic::error(format!("no `{CONTENT_DIR}` folder in {}", root.display()))
                .hint("create content/ and put one .md file per document in it"),
        ]);
    }
    let walked = crate::files::walk(root, Path::new(CONTENT_DIR), |rel| {
        rel.extension().is_some_and(|x| x == "md")
    });
    if walked.errors.is_empty() {
        Ok(walked.files)
    } else {
        Err(walked.errors)
    }
}

/// A document, its warnings and the stamps of the files it was read from.
type DocumentResult = Result<(Document, Vec<Diagnostic>, Stamp), Vec<Diagnostic>>;

/// Reads a whole regular file, with its stamp as of opening it, so that
/// the stamp costs no system call of its own.
fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, FileStamp)> {
    let (bytes, meta) = crate::files::read_regular(path)?;
    Ok((bytes, meta.modified().ok().map(|m| (m, meta.len()))))
}

fn load_document(root: &Path, file: &Path, config: &Config) -> DocumentResult {
    let (text, content_stamp) = read_stamped(&root.join(file))
        .map_err(|e| vec![Diagnostic::error(format!("cannot read {}: {e}", file.display()))])?;
    let text = encoding::decode(&text, None).map_err(|e| {
        vec![
            Diagnostic::error(format!("content file has {e}"))
                .at(Location::file_only(file))
                .hint("save the file as UTF-8"),
        ]
    })?;
    if let Some(&at) = encoding::strays(&text).first() {
        let c = text[at..].chars().next().unwrap_or_default();
        return Err(vec![
            Diagnostic::error(format!(
                "content file has the control character U+{:04X}, which cannot appear in a page",
                u32::from(c)
            ))
            .at(Location::from_span(file, &text, at..at + c.len_utf8()))
            .hint(
                "delete it (editors may show it as ^@, ^[ or a box); if the whole file looks wrong, save it as UTF-8",
            ),
        ]);
    }
    let parts = frontmatter::split(&text).map_err(|e| vec![e.diagnostic(file, &text)])?;
    let fm = frontmatter::parse(file, &text, &parts).map_err(|d| vec![d])?;
    let body_raw = &text[parts.body.clone()];
    let body = body_raw.trim();
    let body_offset = parts.body.start + (body_raw.len() - body_raw.trim_start().len());
    DocumentBuilder {
        root,
        file,
        text: &text,
        config,
        errors: Vec::new(),
        warnings: Vec::new(),
        fingerprint: hash_bytes(0, text.as_bytes()),
        stamp: Stamp {
            content: content_stamp,
            seed: None,
        },
    }
    .build(fm, parts.front_matter.start, body, body_offset)
}

/// Checks one parsed front matter against the archive.
struct DocumentBuilder<'a> {
    root: &'a Path,
    file: &'a Path,
    text: &'a str,
    config: &'a Config,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// Hash of the content file, and of the seed once read.
    fingerprint: u64,
    /// Stamps of the content file, and of the seed once read.
    stamp: Stamp,
}

impl DocumentBuilder<'_> {
    fn at(&self, span: std::ops::Range<usize>, fm_offset: usize) -> Location {
        Location::from_span(self.file, self.text, fm_offset + span.start..fm_offset + span.end)
    }

    /// `offset` is where the front matter starts in the file.
    fn build(mut self, mut fm: FrontMatter, offset: usize, body: &str, body_offset: usize) -> DocumentResult {
        self.warnings.append(&mut fm.warnings);
        let slug = self.slug(&fm, offset);
        let date = self.date(&fm, offset);
        let (seed, text) = self.seed_text(&fm, offset, body);
        // With a seed, the body is the curator's note; without, it is the text.
        let note = fm.seed.as_ref().map(|_| body.to_string()).filter(|b| !b.is_empty());
        let terms = self.terms(&fm, offset);
        if fm.title.get_ref().trim().is_empty() {
            self.errors
                .push(Diagnostic::error("`title` is empty").at(self.at(fm.title.span(), offset)));
        }
        let citation_kind = fm.kind.as_ref().and_then(|kind| {
            let parsed = crate::cite::Kind::parse(kind.get_ref());
            if parsed.is_none() {
                self.errors.push(
                    Diagnostic::error(format!("`kind = \"{}\"` is not a kind of citation", kind.get_ref()))
                        .at(self.at(kind.span(), offset))
                        .hint(format!(
                            "write {}, or leave `kind` out to take the kind of the document's type",
                            crate::cite::Kind::names()
                        )),
                );
            }
            parsed
        });
        for url in [&fm.source_url, &fm.archived_url].into_iter().flatten() {
            if !(url.get_ref().starts_with("https://") || url.get_ref().starts_with("http://")) {
                self.errors.push(
                    Diagnostic::error(format!("`{}` is not an http(s) URL", url.get_ref()))
                        .at(self.at(url.span(), offset))
                        .hint("write the full address, starting with https://"),
                );
            }
        }
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let doc = Document {
            file: self.file.to_path_buf(),
            slug,
            title: fm.title.into_inner().trim().to_string(),
            date,
            summary: fm.summary.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            source_url: fm.source_url.map(|s| s.into_inner()),
            archived_url: fm.archived_url.map(|s| s.into_inner()),
            original_title: fm.original_title,
            original_language: fm.original_language,
            authors: fm.authors,
            translators: fm.translators,
            draft: fm.draft,
            cited_as: fm.cited_as,
            citation_kind,
            document_number: fm
                .document_number
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            related: fm
                .related
                .into_iter()
                .map(|s| {
                    let span = s.span();
                    (s.into_inner(), offset + span.start..offset + span.end)
                })
                .collect(),
            terms,
            extra: fm.extra,
            seed,
            text,
            note,
            body_offset,
            fingerprint: self.fingerprint,
        };
        Ok((doc, self.warnings, self.stamp))
    }

    fn slug(&mut self, fm: &FrontMatter, offset: usize) -> String {
        if let Some(slug) = &fm.slug {
            if !slug::is_valid_slug(slug.get_ref()) {
                self.errors.push(
                    Diagnostic::error(format!("slug `{}` is not valid", slug.get_ref()))
                        .at(self.at(slug.span(), offset))
                        .hint(
                            "use lowercase ASCII letters, digits and single hyphens, e.g. \"14th-fyp-informatization\"",
                        ),
                );
            } else if let Some(d) = slug::too_long(slug.get_ref(), "slug", "documents/<slug>/", "shorten the slug") {
                self.errors.push(d.at(self.at(slug.span(), offset)));
            }
            return slug.get_ref().clone();
        }
        let stem = self
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !slug::is_valid_slug(&stem) {
            self.errors.push(
                Diagnostic::error(format!("file name `{stem}` is not a valid slug"))
                    .at(Location::from_span(self.file, self.text, 0..3))
                    .hint(format!(
                        "rename the file, or set slug = \"{}\" in its front matter",
                        suggest_slug(&stem)
                    )),
            );
        }
        stem
    }

    fn date(&mut self, fm: &FrontMatter, offset: usize) -> Option<PartialDate> {
        let Some(value) = &fm.date else {
            self.warnings.push(
                Diagnostic::warning(
                    "document has no date; it is listed under \"Undated\", after the dated documents of the timeline and of its terms",
                )
                    .at(Location::from_span(self.file, self.text, 0..3))
                    .hint("add date = 2021-12-28, or \"2021-12\" or \"2021\" when only the month or year is known"),
            );
            return None;
        };
        let parsed = match value.get_ref() {
            toml::Value::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), _) => PartialDate::new(d.year as i32, Some(d.month as u32), Some(d.day as u32))
                    .ok_or_else(|| "not a day of the calendar".to_string()),
                (None, _) => Err("a time of day without a date".to_string()),
            },
            toml::Value::String(s) => PartialDate::parse(s),
            other => {
                let kind = other.type_str();
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                Err(format!("{article} {kind} is not a date"))
            }
        };
        match parsed {
            Ok(d) => Some(d),
            Err(message) => {
                self.errors.push(
                    Diagnostic::error(format!("invalid `date`: {message}"))
                        .at(self.at(value.span(), offset))
                        .hint("write date = 2021-12-28, or the string \"2021-12\" or \"2021\""),
                );
                None
            }
        }
    }

    /// An error at `furniture` when the document has no plain-text seed
    /// whose lines it could mark.
    fn furniture_without_lines(&mut self, fm: &FrontMatter, offset: usize, why: &str) {
        if let Some(first) = fm.furniture.first() {
            self.errors.push(
                Diagnostic::error(format!("`furniture` marks lines of a plain-text seed, but {why}"))
                    .at(self.at(first.span(), offset))
                    .hint("remove `furniture`; in markdown, leave such lines out of the text or put them in the curator's note"),
            );
        }
    }

    fn seed_text(&mut self, fm: &FrontMatter, offset: usize, body: &str) -> (Option<PathBuf>, Text) {
        let Some(seed) = &fm.seed else {
            self.furniture_without_lines(fm, offset, "the document has no `seed`");
            let text = if body.is_empty() {
                Text::None
            } else {
                Text::Markdown(body.to_string())
            };
            return (None, text);
        };
        let loc = self.at(seed.span(), offset);
        let rel = PathBuf::from(seed.get_ref());
        let inside_seeds = rel.components().next() == Some(Component::Normal(SEEDS_DIR.as_ref()))
            && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !inside_seeds {
            self.errors.push(
                Diagnostic::error(format!("seed `{}` is not inside `{SEEDS_DIR}/`", seed.get_ref()))
                    .at(loc)
                    .hint("give the path from the archive root, e.g. seed = \"seeds/plan.txt\""),
            );
            return (None, Text::None);
        }
        if let Err(d) = crate::files::confine(self.root, &rel) {
            // Shown at the `seed` line that names the path.
            self.errors.push(Diagnostic {
                location: Some(Box::new(loc)),
                ..d
            });
            return (None, Text::None);
        }
        let bytes = match read_stamped(&self.root.join(&rel)) {
            Ok((b, stamp)) => {
                self.fingerprint = hash_bytes(self.fingerprint, &b);
                self.stamp.seed = stamp;
                b
            }
            Err(e) => {
                let hint = match missing_seed_hint(self.root, &rel) {
                    Some(close) => format!("did you mean \"{close}\"?"),
                    None => "copy the original text into seeds/, or fix the path".to_string(),
                };
                self.errors.push(
                    Diagnostic::error(format!("cannot read seed `{}`: {}", seed.get_ref(), io_reason(&e)))
                        .at(loc)
                        .hint(hint),
                );
                return (None, Text::None);
            }
        };
        let declared = fm.encoding.as_ref();
        let text = match encoding::decode(&bytes, declared.map(|e| e.get_ref().as_str())) {
            Ok(t) => t,
            Err(encoding::DecodeError::UnknownLabel(label)) => {
                let span = declared.map_or(seed.span(), |e| e.span());
                self.errors.push(
                    Diagnostic::error(format!("unknown encoding `{label}`"))
                        .at(self.at(span, offset))
                        .hint("use a label such as \"gb18030\", \"gbk\", \"big5\", \"utf-16le\" or \"windows-1252\""),
                );
                return (None, Text::None);
            }
            Err(e @ encoding::DecodeError::Utf16WithoutMark { .. }) => {
                let label = e.likely_encoding().unwrap_or("utf-16le");
                self.errors.push(
                    Diagnostic::error(format!("seed `{}` has {e}", seed.get_ref()))
                        .at(loc)
                        .hint(format!(
                            "declare its encoding, encoding = \"{label}\", or convert the seed to UTF-8"
                        )),
                );
                return (None, Text::None);
            }
            Err(e @ encoding::DecodeError::Malformed { .. }) => {
                let hint = match declared {
                    Some(_) => "check the declared `encoding`, or convert the seed to UTF-8".to_string(),
                    None => {
                        "convert the seed to UTF-8, or declare its encoding, e.g. encoding = \"gb18030\"".to_string()
                    }
                };
                self.errors.push(
                    Diagnostic::error(format!("seed `{}` has {e}", seed.get_ref()))
                        .at(loc)
                        .hint(hint),
                );
                return (None, Text::None);
            }
        };
        let text = self.leave_out_strays(&rel, text);
        let parsed = match rel.extension().and_then(|e| e.to_str()) {
            Some("txt") => {
                let furniture: Vec<String> = fm.furniture.iter().map(|f| f.get_ref().clone()).collect();
                let (blocks, matched) = seed::parse_with_furniture(&text, &furniture);
                for (entry, _) in fm.furniture.iter().zip(matched).filter(|(_, m)| !m) {
                    self.errors
                        .push(furniture_not_in_seed(entry, &rel, &text, self.at(entry.span(), offset)));
                }
                Text::Blocks(blocks)
            }
            Some("md" | "markdown") => {
                self.furniture_without_lines(fm, offset, "the seed is markdown");
                Text::Markdown(text)
            }
            _ => {
                self.errors.push(
                    Diagnostic::error(format!("seed `{}` is neither .txt nor .md", seed.get_ref()))
                        .at(loc)
                        .hint("plain text seeds end in .txt, markdown seeds in .md"),
                );
                Text::None
            }
        };
        (Some(rel), parsed)
    }

    /// A seed's control characters (NUL, escape...) cannot appear in a
    /// page: they are left out, with a warning at the first. The seed
    /// itself is never changed.
    fn leave_out_strays(&mut self, seed: &Path, text: String) -> String {
        let strays = encoding::strays(&text);
        let Some(&first) = strays.first() else {
            return text;
        };
        let c = text[first..].chars().next().unwrap_or_default();
        let more = match strays.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        self.warnings.push(
            Diagnostic::warning(format!(
                "seed `{}` has the control character U+{:04X}{more}, which cannot appear in a page; the pages leave it out",
                seed.display(),
                u32::from(c)
            ))
            .at(Location::from_span(seed, &text, first..first + c.len_utf8()))
            .hint("if the text reads wrongly, check the seed's encoding; the seed itself stays as it is"),
        );
        encoding::without(&text, &strays)
    }

    fn terms(&mut self, fm: &FrontMatter, offset: usize) -> Vec<(String, Vec<String>)> {
        let known: Vec<&str> = self.config.taxonomies.iter().map(|t| t.name.as_str()).collect();
        for name in fm.taxonomies.keys() {
            if !known.contains(&name.get_ref().as_str()) {
                let start = offset + name.span().start;
                if frontmatter::KEYS.top.contains(&name.get_ref().as_str()) {
                    if let Some(d) = crate::config::key_in_table(self.file, self.text, offset, name.get_ref(), start) {
                        self.errors.push(d);
                        continue;
                    }
                }
                let hint = match did_you_mean(name.get_ref(), known.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None if known.is_empty() => "declare taxonomies in config.toml with [[taxonomies]]".to_string(),
                    None => format!("the taxonomies declared in config.toml are: {}", known.join(", ")),
                };
                self.errors.push(
                    Diagnostic::error(format!("unknown taxonomy `{}`", name.get_ref()))
                        .at(self.at(name.span(), offset))
                        .hint(hint),
                );
            }
        }
        self.config
            .taxonomies
            .iter()
            .map(|t| {
                let written = fm.taxonomies.iter().find(|(k, _)| *k.get_ref() == t.name);
                let terms = written.map(|(_, v)| v.as_slice()).unwrap_or_default();
                // Folding makes a name at most half as long again in bytes
                // (`İ` lowercases to `i̇`): shorter terms need no look.
                for term in terms
                    .iter()
                    .filter(|t| t.get_ref().len() * 3 / 2 > slug::MAX_NAME_BYTES)
                {
                    let segment = slug::slugify(term.get_ref().trim());
                    let folder = format!("{}/<term>/", t.name);
                    let fix = "shorten the term";
                    if let Some(d) = slug::too_long(&segment, "the URL segment of this term", &folder, fix) {
                        self.errors.push(d.at(self.at(term.span(), offset)));
                    }
                }
                (t.name.clone(), dedup_terms(terms))
            })
            .collect()
    }
}

/// The error for an entry of `furniture` that no line of the seed reads as.
fn furniture_not_in_seed(entry: &toml::Spanned<String>, seed: &Path, text: &str, at: Location) -> Diagnostic {
    let wanted = seed::fold_whitespace(entry.get_ref());
    let error = Diagnostic::error(format!(
        "no line of the seed `{}` reads \"{}\"",
        seed.display(),
        crate::diag::abridged(&wanted)
    ))
    .at(at);
    let within = (!wanted.is_empty())
        .then(|| text.lines().position(|l| l.contains(wanted.as_str())))
        .flatten();
    match within {
        Some(n) => error.hint(format!(
            "line {} of the seed holds it within a longer line; `furniture` lists whole lines, so copy the whole line",
            n + 1
        )),
        None => error.hint("list whole lines of the seed as they read (white space may differ), or remove this entry"),
    }
}

fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    crate::hash::of(&(seed, bytes))
}

fn dedup_terms(terms: &[toml::Spanned<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(terms.len());
    for t in terms.iter().map(|t| t.get_ref().trim()).filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => e.to_string(),
    }
}

/// Decodes a content file (UTF-8, or as its byte order mark says) as
/// [`load`] does, to quote its lines in diagnostics.
pub fn decode_content(bytes: &[u8]) -> Option<String> {
    encoding::decode(bytes, None).ok()
}

fn missing_seed_hint(root: &Path, rel: &Path) -> Option<String> {
    let dir = root.join(rel.parent()?);
    let wanted = rel.file_name()?.to_str()?;
    let names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let close = did_you_mean(wanted, names.iter().map(String::as_str))?;
    Some(rel.with_file_name(close).to_string_lossy().replace('\\', "/"))
}

fn suggest_slug(stem: &str) -> String {
    let s = slug::slugify(stem);
    let ascii: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    if ascii.is_empty() {
        "my-document".to_string()
    } else {
        ascii
    }
}

/// Two documents with one slug: reported at the `slug = "..."` line of the
/// one that declares it (the later one when both or neither do), naming the
/// other.
fn duplicate_slugs(root: &Path, documents: &[Arc<Document>]) -> Vec<Diagnostic> {
    let mut seen: crate::hash::Map<&str, &Path> = crate::hash::Map::default();
    let mut errors = Vec::new();
    for doc in documents {
        if let Some(first) = seen.insert(&doc.slug, &doc.file) {
            let text = |file: &Path| std::fs::read(root.join(file)).ok().and_then(|b| decode_content(&b));
            let declared = |file: &Path| {
                let text = text(file)?;
                let span = declared_slug_span(&text, &doc.slug)?;
                Some(Location::from_span(file, &text, span))
            };
            let (at, other) = match declared(&doc.file) {
                Some(at) => (at, first),
                None => match declared(first) {
                    Some(at) => (at, doc.file.as_path()),
                    None => (Location::file_only(&doc.file), first),
                },
            };
            errors.push(
                Diagnostic::error(format!("two documents have the slug `{}`", doc.slug))
                    .at(at)
                    .hint(format!(
                        "{} has it too; set a different slug in one of them",
                        other.display()
                    )),
            );
            seen.insert(&doc.slug, first);
        }
    }
    errors
}

/// The byte range of the `slug = "..."` line declaring `slug`, if any.
fn declared_slug_span(text: &str, slug: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if declared_slugs(line).any(|s| s == slug) {
            let trimmed = line.trim();
            let lead = line.len() - line.trim_start().len();
            return Some(start + lead..start + lead + trimmed.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_slugs_are_found_in_front_matter_that_does_not_parse() {
        let text = "+++\ntitle = \"Unclosed\nslug = \"the-plan\"\n  slug=\"other\" # spaced\nslugs = [\"x\"]\n+++\n";
        let found: Vec<String> = declared_slugs(text).collect();
        assert_eq!(found, ["the-plan", "other"]);
    }
}
