//! Incremental output: rebuild, then write only the files whose bytes
//! changed and delete the files the site no longer has.
//!
//! The first build goes through a staging folder as `annals build` does,
//! linking from the last build's site the files it already holds, and
//! records a hash of every file. Each rebuild after that hands its files to a
//! [`Changes`] sink, which keeps only those whose hash differs; nothing
//! touches the disk until the whole rebuild has succeeded, so a broken edit
//! leaves the last good site in place. After any sequence of rebuilds the
//! output folder holds exactly what a clean build of the same files writes.
//!
//! A rebuild is two steps: [`Incremental::prepare`] does all the work and
//! keeps the result in memory, [`Pending::apply`] writes it. Between them a
//! caller can shut out readers of the output (the preview server does), so
//! that nobody sees the output half updated; the files themselves are still
//! replaced one by one, so a reader that does not wait may. A rebuild that
//! serves the pages of what changed first leaves the other pages for
//! [`Incremental::prepare_pages`], and the files no page loads for
//! [`Incremental::prepare_downloads`]: each returns a [`Pending`] too.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Sink;
use crate::diag::Diagnostic;
use crate::{BuildOptions, BuildReport};

/// What one rebuild did to the output folder.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub report: BuildReport,
    /// Files written because they are new or their bytes changed.
    pub written: Vec<String>,
    /// Files deleted because the site no longer has them.
    pub removed: Vec<String>,
}

/// The state kept between rebuilds: which files the output holds.
pub struct Incremental {
    output: Option<PathBuf>,
    /// Every file of the output: the hash of its bytes and, for pages, the
    /// fingerprint of what it was rendered from.
    known: Files,
    /// Documents loaded by earlier rebuilds.
    caches: crate::Caches,
    /// The output's lock, held from the first build on: nothing else
    /// writes into the output while the rebuilds do.
    lock: Option<super::Lock>,
    /// What holds the lock, for the message another process gives.
    holder: &'static str,
    /// Files of the output that the last whole rebuild, which left some
    /// files for later, neither handed over nor deleted: those of them that
    /// the later step does not make either are deleted then.
    unseen: Vec<String>,
    /// Whether the step that makes the files left for later is to delete
    /// every such file it does not make: after a partial rebuild in which
    /// documents came or went, which left every one of them for later.
    sweep: bool,
}

/// What the preview knows of the files in the output, by path. Each has a
/// place in the map, so that a rebuild marks the files it meets in a
/// bitset rather than copying every path into a map of its own.
type Files = indexmap::IndexMap<String, Known, ahash::RandomState>;

/// What the preview knows of a file in the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Known {
    /// The hash of the file's bytes ([`crate::hash::of`]).
    pub(crate) hash: u64,
    /// The fingerprint of a page's inputs, if the file is a page.
    pub(crate) fingerprint: Option<u64>,
}

impl Known {
    fn of(bytes: &[u8], fingerprint: Option<u64>) -> Known {
        Known {
            hash: crate::hash::bytes(bytes),
            fingerprint,
        }
    }
}

/// The sink of a whole build: a staging folder that links from the last
/// site (and from the spare) what is unchanged, as `annals build` does,
/// and records every file by its path.
#[cfg(unix)]
type Whole = super::manifest::Relinking;

#[cfg(not(unix))]
type Whole = Recording;

/// Staging that also records what it wrote, for a whole build.
#[cfg(not(unix))]
struct Recording {
    staging: super::Staging,
    hashes: Mutex<crate::hash::Map<String, Known>>,
}

#[cfg(not(unix))]
impl Sink for Recording {
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()> {
        self.staging.write(rel, bytes)?;
        let known = Known::of(bytes, fingerprint);
        self.hashes
            .lock()
            .expect("no panics while held")
            .insert(rel.to_string(), known);
        Ok(())
    }

    fn wants_fingerprints(&self) -> bool {
        true
    }
}

/// Keeps the files that differ from what the output already holds, and
/// skips the pages whose inputs did not change.
///
/// A whole rebuild at 10,000 documents hands over some 50,000 files, and
/// most are the same as before: those cost a lookup and a bit in `seen`,
/// and only a new or different file is copied.
struct Changes<'k> {
    known: &'k Files,
    /// One bit per file of `known`, set when the rebuild hands it over.
    seen: Vec<AtomicU64>,
    /// The files that are new, or whose hash or fingerprint differ.
    updated: Mutex<Vec<(String, Known)>>,
    /// The bytes of the files that are new or whose bytes differ.
    changed: Mutex<Vec<(String, Vec<u8>)>>,
}

impl Changes<'_> {
    fn new(known: &Files) -> Changes<'_> {
        Changes {
            known,
            seen: (0..known.len().div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            updated: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
        }
    }

    fn mark(&self, index: usize) {
        self.seen[index / 64].fetch_or(1 << (index % 64), Ordering::Relaxed);
    }

    fn was_seen(&self, index: usize) -> bool {
        self.seen[index / 64].load(Ordering::Relaxed) & (1 << (index % 64)) != 0
    }

    /// The update of `output` this sink was handed, deleting `removed`.
    fn into_work(self, output: PathBuf, removed: Vec<String>) -> Work {
        let updated = self.updated.into_inner().expect("no panics while held");
        let mut changed = self.changed.into_inner().expect("no panics while held");
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        Work::Update {
            output,
            changed,
            removed,
            updated,
        }
    }
}

impl Sink for Changes<'_> {
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()> {
        let known = Known::of(bytes, fingerprint);
        let before = self.known.get_full(rel).map(|(index, _, before)| {
            self.mark(index);
            *before
        });
        if before == Some(known) {
            return Ok(());
        }
        if before.map(|k| k.hash) != Some(known.hash) {
            self.changed
                .lock()
                .expect("no panics while held")
                .push((rel.to_string(), bytes.to_vec()));
        }
        self.updated
            .lock()
            .expect("no panics while held")
            .push((rel.to_string(), known));
        Ok(())
    }

    fn wants_fingerprints(&self) -> bool {
        true
    }

    fn keeps_unlisted(&self) -> bool {
        true
    }

    fn holds(&self, rel: &str, fingerprint: u64) -> bool {
        self.known.get(rel).is_some_and(|k| k.fingerprint == Some(fingerprint))
    }

    fn reuse(&self, rel: &str, fingerprint: u64) -> bool {
        match self.known.get_full(rel) {
            Some((index, _, known)) if known.fingerprint == Some(fingerprint) => {
                self.mark(index);
                true
            }
            _ => false,
        }
    }

    fn keep(&self, rel: &str) {
        if let Some(index) = self.known.get_index_of(rel) {
            self.mark(index);
        }
    }
}

impl Incremental {
    /// Rebuilds for `holder`: "serve" or "watch" (`build --watch`).
    pub fn new(holder: &'static str) -> Incremental {
        Incremental {
            output: None,
            known: Files::default(),
            caches: crate::Caches {
                analysis: crate::analyse::Cache::keeping(),
                search: crate::search::Cache::keeping(),
                catalogue: super::data::Rows::keeping(),
                graph: super::graph::Cache::keeping(),
                ..crate::Caches::default()
            },
            lock: None,
            holder,
            unseen: Vec::new(),
            sweep: false,
        }
    }

    /// Rebuilds the archive after `changed` files (relative to the archive
    /// root), as a watcher reports them; see [`Incremental::rebuild`].
    pub fn rebuild_after(&mut self, options: &BuildOptions, changed: &[PathBuf]) -> Result<Rebuilt, Vec<Diagnostic>> {
        self.prepare(options, Some(changed))?.apply()
    }

    /// Rebuilds the archive, changing only what changed in the output.
    pub fn rebuild(&mut self, options: &BuildOptions) -> Result<Rebuilt, Vec<Diagnostic>> {
        self.prepare(options, None)?.apply()
    }

    /// Renders a rebuild without touching the output folder; the returned
    /// [`Pending::apply`] writes it. `changed` lists the files that changed
    /// (relative to the archive root) when a watcher knows them.
    pub fn prepare(
        &mut self,
        options: &BuildOptions,
        changed: Option<&[PathBuf]>,
    ) -> Result<Pending<'_>, Vec<Diagnostic>> {
        self.caches.changed = changed.map(<[PathBuf]>::to_vec);
        if self.caches.due.take().is_some() {
            // The files the last rebuild left for later were never made:
            // this one hands over every file, as a whole rebuild does, and
            // the files that differ are written (or deleted) now.
            self.caches.statics = None;
        }
        let fresh = match &self.output {
            Some(out) => !out.is_dir(),
            None => true,
        };
        if fresh {
            return self.prepare_full(options);
        }
        let known = &self.known;
        let output = self.output.clone().expect("set by the first build");
        let result = crate::run_with(options, &mut self.caches, |out| {
            if out != output {
                // The output folder moved (config or flags changed): the
                // caller starts over.
                return Err(Vec::new());
            }
            Ok(Changes::new(known))
        });
        let (changes, report) = match result {
            Err(errors) if errors.is_empty() => return self.prepare_full(options),
            other => other?,
        };
        // A partial rebuild keeps the files it was not handed, but after
        // documents came or went, the pages of those gone and the files
        // beside the pages it did not make (it made them all); a whole one
        // deletes those the site no longer has.
        let unseen = (self.known.keys().enumerate()).filter(|&(index, _)| !changes.was_seen(index));
        self.sweep = false;
        let mut removed: Vec<String> = match (&report.gone, report.partial) {
            (_, false) => unseen.map(|(_, rel)| rel.clone()).collect(),
            (Some(gone), true) if report.deferred => {
                // Which of those files are gone is for the step that makes
                // them to tell, after the page is served.
                self.sweep = true;
                gone.clone()
            }
            (Some(gone), true) => unseen
                .map(|(_, rel)| rel)
                .filter(|rel| crate::deferred(rel) || gone.contains(rel))
                .cloned()
                .collect(),
            (None, true) => Vec::new(),
        };
        // The pages that lists with fewer pages lost.
        if report.partial {
            removed.extend(report.dropped.iter().cloned());
        }
        removed.sort();
        removed.dedup();
        // Those that may be files left for later are deleted, if need be,
        // by the step that makes them (see `prepare_downloads`).
        self.unseen.clear();
        if report.deferred {
            let (later, now) = removed.into_iter().partition(|rel| crate::deferred(rel));
            (self.unseen, removed) = (later, now);
        }
        Ok(Pending {
            work: changes.into_work(output, removed),
            report,
            incremental: self,
        })
    }

    /// After a rebuild that served the pages of what changed first
    /// ([`BuildReport::later`]): renders the other pages it left for later.
    /// The returned [`Pending::apply`] writes those that changed. `None`
    /// if no page was left for later.
    pub fn prepare_pages(&mut self, options: &BuildOptions) -> Option<Result<Pending<'_>, Vec<Diagnostic>>> {
        let pages = std::mem::take(&mut self.caches.due.as_mut()?.pages);
        if pages.is_empty() {
            return None;
        }
        let started = std::time::Instant::now();
        let output = self.output.clone()?;
        let sink = Changes::new(&self.known);
        let cache = &mut self.caches.render;
        let rendered = match self.caches.analysis.last() {
            Some(archive) => crate::config::Config::load(&options.root, &options.overrides)
                .and_then(|config| crate::render_later(options, &config, archive, cache, &pages, &sink))
                .map(|rendered| (rendered, archive.documents.len())),
            None => Err(vec![Diagnostic::error(
                "nothing was built to render the pages left for later from",
            )]),
        };
        let (rendered, documents) = match rendered {
            Ok(rendered) => rendered,
            Err(errors) => {
                // Those pages were not written: the next rebuild hands over
                // every page, as a whole one does.
                self.caches.statics = None;
                return Some(Err(errors));
            }
        };
        let report = BuildReport {
            rendered,
            ..step_report(documents, rendered, &output, started)
        };
        Some(Ok(Pending {
            work: sink.into_work(output, Vec::new()),
            report,
            incremental: self,
        }))
    }

    /// After a rebuild that left them for later ([`BuildReport::deferred`]):
    /// renders the pages it left for later, unless
    /// [`Incremental::prepare_pages`] did, and makes `graph.json`, the
    /// catalogue, the search index, the feeds, the documents' data and
    /// citation files and the sitemap from the archive
    /// that rebuild analysed, as it would have. The returned
    /// [`Pending::apply`] writes those of their files that changed, and
    /// deletes those the site no longer has.
    pub fn prepare_downloads(&mut self, options: &BuildOptions) -> Result<Pending<'_>, Vec<Diagnostic>> {
        let due = self.caches.due.take();
        let mut unseen = std::mem::take(&mut self.unseen);
        if std::mem::take(&mut self.sweep) {
            unseen = self.known.keys().filter(|rel| crate::deferred(rel)).cloned().collect();
        }
        let prepared = self.make_downloads(options, due.as_ref(), &unseen);
        if prepared.is_err() && due.is_some() {
            // The index kept no longer describes the files, and the files
            // beside the pages are those of an earlier build: the next
            // rebuild makes the index whole and hands over every file.
            self.caches.search.forget();
            self.caches.statics = None;
        }
        let (work, report) = prepared?;
        Ok(Pending {
            work,
            report,
            incremental: self,
        })
    }

    fn make_downloads(
        &mut self,
        options: &BuildOptions,
        due: Option<&crate::Due>,
        unseen: &[String],
    ) -> Result<(Work, BuildReport), Vec<Diagnostic>> {
        let started = std::time::Instant::now();
        let config = crate::config::Config::load(&options.root, &options.overrides)?;
        let (Some(output), Some(archive)) = (self.output.clone(), self.caches.analysis.last()) else {
            return Err(vec![Diagnostic::error(
                "nothing was built to make graph.json and the catalogue from",
            )]);
        };
        let sink = Changes::new(&self.known);
        if let Some(pages) = due.map(|d| &d.pages).filter(|pages| !pages.is_empty()) {
            crate::render_later(options, &config, archive, &mut self.caches.render, pages, &sink)?;
        }
        // As the rebuild would have handed them over (see `run_stages`).
        let handing = super::Handing {
            sink: &sink,
            output: &output,
        };
        let put = |rel: &str, bytes: &[u8], fingerprint: Option<u64>| handing.put(rel, bytes, fingerprint);
        let put_kept = |rel: &str, bytes: &[u8]| handing.put_kept(rel, bytes);
        let put_made = |rel: &str, inputs: u64, make: &dyn Fn() -> Vec<u8>| handing.put_made(rel, inputs, make);
        let search_cache = &mut self.caches.search;
        let search = || -> Result<Option<crate::search::Written>, Diagnostic> {
            let Some(changed) = due.and_then(|d| d.search.as_ref()) else {
                return Ok(None);
            };
            let keep = |rel: &str, bytes_hash: u64| sink.reuse(rel, bytes_hash);
            let written = crate::search::write(
                archive,
                &config.search,
                &put_kept,
                &keep,
                Some(search_cache),
                changed.as_deref(),
            )?;
            Ok(Some(written))
        };
        let graph_cache = &mut self.caches.graph;
        let catalogue = &mut self.caches.catalogue;
        let others = || -> Result<usize, Diagnostic> {
            let (graph, fingerprint) = super::graph::to_json_cached(archive, &config, graph_cache);
            if !fingerprint.is_some_and(|f| sink.reuse("graph.json", f)) {
                put("graph.json", &graph, fingerprint)?;
            }
            match due {
                Some(due) => crate::write_beside(archive, &config, &due.beside, catalogue, true, &put_kept, &put_made),
                None if config.data.enabled => super::data::write_catalogue(archive, &config, catalogue, &put_made),
                None => Ok(0),
            }
        };
        let (searched, others) = rayon::join(search, others);
        let files = others.map_err(|d| vec![d])?;
        let searched = searched.map_err(|d| vec![d])?;
        // The files the rebuild left for this step that it did not make:
        // the site no longer has them.
        let removed: Vec<String> = unseen
            .iter()
            .filter(|rel| self.known.get_index_of(rel.as_str()).is_none_or(|i| !sink.was_seen(i)))
            .cloned()
            .collect();
        let files = files + searched.as_ref().map_or(0, |w| w.files);
        let report = BuildReport {
            search_partial: searched.is_some_and(|w| w.in_place),
            ..step_report(archive.documents.len(), files, &output, started)
        };
        Ok((sink.into_work(output, removed), report))
    }

    /// Has the next rebuilds that serve the pages of what changed first
    /// (see [`Incremental::prepare_pages`]) write first, too, the pages
    /// among those that show the changes whose output paths are `files`:
    /// the pages open in browsers.
    pub fn show_first(&mut self, files: Vec<String>) {
        self.caches.open = files;
    }

    /// Leaves `graph.json`, the catalogue and the search index of rebuilds
    /// that update the output in place for
    /// [`Incremental::prepare_downloads`], or not.
    pub fn defer_downloads(&mut self, defer: bool) {
        self.caches.defer_downloads = defer;
    }

    /// A whole build into a staging folder, remembering every file. As in
    /// `annals build`, the files the last build's site already holds are
    /// linked from it rather than written, and the pages whose inputs did
    /// not change are not rendered: starting the preview over a built site
    /// writes little.
    fn prepare_full(&mut self, options: &BuildOptions) -> Result<Pending<'_>, Vec<Diagnostic>> {
        let lock = self.lock.take();
        let (holder, last_output) = (self.holder, self.output.as_deref());
        let (sink, report) = crate::run_with(options, &mut self.caches, |out| whole(out, lock, last_output, holder))?;
        Ok(Pending {
            work: Work::Full { sink: Box::new(sink) },
            report,
            incremental: self,
        })
    }
}

/// The report of a step after a rebuild that left files for later (see
/// [`Incremental::prepare_pages`] and [`Incremental::prepare_downloads`]),
/// which handed over `files` of the archive of `documents` documents into
/// `output`, begun at `started`.
fn step_report(documents: usize, files: usize, output: &Path, started: std::time::Instant) -> BuildReport {
    BuildReport {
        documents,
        files,
        output: output.to_path_buf(),
        elapsed: started.elapsed(),
        partial: true,
        ..BuildReport::default()
    }
}

/// The sink of a whole build into `out`, under `lock` when it is the lock
/// of `out` already held.
fn whole(
    out: &Path,
    lock: Option<super::Lock>,
    last_output: Option<&Path>,
    holder: &str,
) -> Result<Whole, Vec<Diagnostic>> {
    #[cfg(unix)]
    let (stage, stage_locked) = (super::stage_reusing, super::stage_reusing_locked);
    #[cfg(not(unix))]
    let (stage, stage_locked) = (super::stage, super::stage_locked);
    let staging = match lock {
        Some(lock) if last_output == Some(out) => stage_locked(out, lock)?,
        _ => stage(out, holder)?,
    };
    // No stamp of the inputs: the preview goes on to change the site in
    // place, so its manifest must never let a build skip as unchanged.
    #[cfg(unix)]
    return Ok(super::manifest::Relinking::new(staging, out, None).keeping_paths());
    #[cfg(not(unix))]
    Ok(Recording {
        staging,
        hashes: Mutex::new(crate::hash::Map::default()),
    })
}

/// Puts the site of a whole build in place; returns what it holds.
#[cfg(unix)]
fn commit_whole(sink: Whole, report: &BuildReport) -> io::Result<(super::Committed, Files)> {
    let known = sink.paths().unwrap_or_default().into_iter().collect();
    Ok((sink.commit(report)?, known))
}

#[cfg(not(unix))]
fn commit_whole(sink: Whole, _report: &BuildReport) -> io::Result<(super::Committed, Files)> {
    let known = sink
        .hashes
        .into_inner()
        .expect("no panics while held")
        .into_iter()
        .collect();
    Ok((sink.staging.commit()?, known))
}

/// A rebuild that has been rendered and not yet written.
///
/// Everything slow (loading, analysing, rendering, hashing) is done by
/// [`Incremental::prepare`]; [`Pending::apply`] only writes, deletes or
/// swaps files, so a caller can keep readers of the output away while it
/// runs without keeping them waiting long. Apply every prepared rebuild:
/// the loaded documents are already updated, so a rebuild dropped unapplied
/// would leave the output behind what the next one assumes it holds.
pub struct Pending<'a> {
    incremental: &'a mut Incremental,
    report: BuildReport,
    work: Work,
}

enum Work {
    /// A whole site staged beside the output, to be swapped in.
    Full { sink: Box<Whole> },
    /// Files to write and delete in the output, and what changes in what
    /// the preview knows of it.
    Update {
        output: PathBuf,
        changed: Vec<(String, Vec<u8>)>,
        removed: Vec<String>,
        updated: Vec<(String, Known)>,
    },
}

impl Pending<'_> {
    /// Writes the rebuild into the output folder.
    pub fn apply(self) -> Result<Rebuilt, Vec<Diagnostic>> {
        let Pending {
            incremental,
            report,
            work,
        } = self;
        match work {
            Work::Full { sink } => {
                let mut report = report;
                #[cfg(unix)]
                {
                    report.linked = sink.linked();
                }
                let (committed, known) =
                    commit_whole(*sink, &report).map_err(|e| vec![crate::cannot_commit(&report.output, &e)])?;
                if let Some(leftover) = committed.leftover {
                    report.warnings.push(crate::leftover_warning(&report.output, &leftover));
                }
                incremental.lock = Some(committed.lock);
                incremental.known = known;
                incremental.output = Some(report.output.clone());
                let mut written: Vec<String> = incremental.known.keys().cloned().collect();
                written.sort();
                Ok(Rebuilt {
                    report,
                    written,
                    removed: Vec::new(),
                })
            }
            Work::Update {
                output,
                changed,
                removed,
                updated,
            } => {
                let io_error =
                    |e: io::Error| vec![Diagnostic::error(format!("cannot update {}: {e}", output.display()))];
                // On every core: the readers of the output wait meanwhile,
                // and a title that hundreds of texts mention changes
                // hundreds of pages.
                use rayon::prelude::*;
                (changed.par_iter().with_max_len(8))
                    .try_for_each(|(rel, bytes)| write(&output, rel, bytes))
                    .map_err(io_error)?;
                let written: Vec<String> = changed.into_iter().map(|(rel, _)| rel).collect();
                for rel in &removed {
                    remove(&output, rel).map_err(io_error)?;
                }
                // A partial rebuild removes nothing: the files not handed
                // over are kept as they are.
                for rel in &removed {
                    incremental.known.swap_remove(rel);
                }
                incremental.known.extend(updated);
                Ok(Rebuilt {
                    report,
                    written,
                    removed,
                })
            }
        }
    }
}

fn write(output: &Path, rel: &str, bytes: &[u8]) -> io::Result<()> {
    let path = output.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Write beside, then rename: a server reading the file never sees half.
    let tmp = path.with_file_name(format!(
        ".{}.annals-tmp",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)
}

/// Deletes a file and the folders it leaves empty, up to the output root.
fn remove(output: &Path, rel: &str) -> io::Result<()> {
    let path = output.join(rel);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == output || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
