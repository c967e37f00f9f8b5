//! annals: a static site generator for curated policy archives.
//!
//! The crate is one pipeline, one module per stage:
//! [`content`] loads content files and seeds, [`analyse`] builds the indexes,
//! [`render`] turns pages into HTML with Tera, and [`output`] writes the site
//! atomically. [`build`] runs the whole pipeline; the CLI in `main.rs` only
//! parses arguments and prints what [`build`] reports.

pub mod analyse;
pub mod cite;
pub mod config;
pub mod content;
pub mod diag;
pub mod files;
pub mod hash;
pub mod later;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;

/// The most items one job of a parallel loop over documents or pages takes.
/// Rayon splits a loop into about as many jobs as there are threads and
/// splits further only when a thread steals; on two cores that left one
/// core idle for the last few hundred milliseconds of a build, finishing a
/// job of a thousand pages alone. Jobs this small cost nothing to hand out
/// and leave little to finish alone.
pub(crate) const FINE: usize = 16;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use analyse::{Archive, DocId};
use config::{Config, Overrides};
use diag::Diagnostic;
use render::Renderer;
use render::theme::Theme;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The archive root (holds config.toml).
    pub root: PathBuf,
    pub overrides: Overrides,
    /// Include documents marked `draft = true`.
    pub drafts: bool,
    /// Treat warnings as errors: a build with warnings writes nothing.
    pub strict: bool,
}

/// What a successful build did. (The default: nothing, nowhere.)
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub documents: usize,
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub elapsed: Duration,
    pub warnings: Vec<Diagnostic>,
    /// Whether only the pages that can show the changes since the last
    /// build were handed to the sink, which keeps the others as they are.
    pub partial: bool,
    /// Whether the search index was updated in place (only the changed
    /// documents' records and terms written again) rather than built anew.
    pub search_partial: bool,
    /// How many files of the site were linked, unchanged, from the site
    /// the build replaced rather than written again.
    pub linked: usize,
    /// Whether nothing had changed since the last build, which left its
    /// site in the output untouched: the build read no document and wrote
    /// nothing.
    pub unchanged: bool,
    /// Whether the files no page loads were left for a later step (see
    /// [`Caches::defer_downloads`]).
    pub deferred: bool,
    /// How many pages were rendered: the others were not looked at, or
    /// their fingerprints said the output holds them already.
    pub rendered: usize,
    /// Whether the analysis updated the last build's archive in place
    /// (see [`analyse::Delta`]) rather than analysing it anew.
    pub archive_updated: bool,
    /// In a partial rebuild after documents came or went: the pages of the
    /// documents gone, which the site no longer has. The files beside the
    /// pages were then all handed over, and those not handed over are gone
    /// too.
    pub gone: Option<Vec<String>>,
    /// In a partial rebuild: the pages that lists with fewer pages than
    /// before lost, which the site no longer has.
    pub dropped: Vec<String>,
    /// The output paths of the pages a rebuild that served the pages of
    /// what changed first left for later (see [`Due::pages`]).
    pub later: Vec<String>,
}

/// Builds the archive at `options.root` into its output directory.
///
/// On error nothing in the output directory has changed.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Vec<Diagnostic>> {
    let started = Instant::now();
    // The stamp of the inputs is taken as the build starts to read them: a
    // file changed while the build reads it either changes the next
    // build's stamp or is too recent for a stamp to be kept at all. When
    // the last build's manifest records a stamp, it comes first, since the
    // build may find nothing changed; otherwise a thread of its own takes
    // it beside the build, on time the build leaves idle.
    #[cfg(unix)]
    let identity = format!("{:?} {} {}", options.overrides, options.drafts, options.strict);
    #[cfg(unix)]
    let first = output_of(options)
        .filter(|output| output::manifest::records_inputs(output))
        .map(|_| output::manifest::inputs_stamp(&options.root, &identity, true));
    #[cfg(unix)]
    if let Some(report) = first.flatten().and_then(|inputs| unchanged(options, inputs, started)) {
        return Ok(report);
    }
    #[cfg(unix)]
    let (staging, mut report) = std::thread::scope(|scope| {
        let beside = first
            .is_none()
            .then(|| scope.spawn(|| output::manifest::inputs_stamp(&options.root, &identity, false)));
        let stage = |out: &std::path::Path| {
            output::stage_reusing(out, "build").map(|s| output::manifest::Relinking::new(s, out, first.flatten()))
        };
        let (mut staging, report) = run(options, stage)?;
        if let Some(beside) = beside {
            staging.set_inputs(beside.join().ok().flatten());
        }
        Ok::<_, Vec<Diagnostic>>((staging, report))
    })?;
    #[cfg(not(unix))]
    let (staging, mut report) = run(options, |out: &std::path::Path| output::stage(out, "build"))?;
    strictly(options, &report)?;
    #[cfg(unix)]
    {
        report.linked = staging.linked();
    }
    let mut timings = Timings::new();
    #[cfg(unix)]
    let committed = staging.commit(&report);
    #[cfg(not(unix))]
    let committed = staging.commit();
    let committed = committed.map_err(|e| vec![cannot_commit(&report.output, &e)])?;
    timings.lap("put the site in place, delete the old one");
    if let Some(leftover) = committed.leftover {
        report.warnings.push(leftover_warning(&report.output, &leftover));
    }
    // The time to put the site in place and delete the old one counts.
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The output folder a build would write, if the config can be read and
/// names one the build may write.
#[cfg(unix)]
fn output_of(options: &BuildOptions) -> Option<std::path::PathBuf> {
    let config = Config::load(&options.root, &options.overrides).ok()?;
    if options.overrides.output_dir.is_none() {
        output_inside(&options.root, &config.output_dir).ok()?;
    }
    Some(options.root.join(&config.output_dir))
}

/// The report of a build that found nothing changed since the last one,
/// whose site is still in the output as it wrote it (see
/// [`output::manifest::unchanged`]); `None` if anything changed or cannot
/// be checked, and the build must run.
#[cfg(unix)]
fn unchanged(options: &BuildOptions, inputs: u64, started: Instant) -> Option<BuildReport> {
    let output = output_of(options)?;
    // Under the lock: no other build is halfway through replacing it.
    let lock = output::Lock::acquire(&output, "build").ok()?;
    let summary = output::manifest::unchanged(&output, inputs)?;
    drop(lock);
    Some(BuildReport {
        documents: summary.documents,
        pages: summary.pages,
        files: summary.files,
        output,
        elapsed: started.elapsed(),
        unchanged: true,
        ..BuildReport::default()
    })
}

/// The swap failed: the previous site is still in place.
pub fn cannot_commit(output: &std::path::Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot put the new site in the place of {}: {e}",
        output.display()
    ))
    .hint("the previous site is as it was; check that the folder holding the output is writable")
}

/// The new site is in place, but the old one could not be deleted.
pub fn leftover_warning(output: &std::path::Path, leftover: &str) -> Diagnostic {
    Diagnostic::warning(format!(
        "the new site is in place in {}, but {leftover}",
        output.display()
    ))
    .hint("delete that folder by hand, or let the next build remove it")
}

/// Runs the whole pipeline, templates included, and writes nothing: what
/// an archive's own CI runs. Fails on any error, and on warnings when
/// `options.strict` is set.
pub fn check(options: &BuildOptions) -> Result<BuildReport, Vec<Diagnostic>> {
    let (_, report) = run(options, |_| Ok(output::Discard))?;
    strictly(options, &report)?;
    Ok(report)
}

/// Under `--strict`, warnings fail the build.
fn strictly(options: &BuildOptions, report: &BuildReport) -> Result<(), Vec<Diagnostic>> {
    if options.strict && !report.warnings.is_empty() {
        return Err(report.warnings.clone());
    }
    Ok(())
}

/// Runs the pipeline, handing every file of the site to the sink that
/// `make_sink` makes for the output directory (known once the config is
/// read, and made before anything else is). The sink decides what writing means: a staging folder for
/// `build`, a comparison with the files already written for `serve`.
/// A page whose folder name is too long for a file system, or whose path a
/// static file also takes, is an error before it is handed over.
pub fn run<S: output::Sink>(
    options: &BuildOptions,
    make_sink: impl FnOnce(&std::path::Path) -> Result<S, Vec<Diagnostic>>,
) -> Result<(S, BuildReport), Vec<Diagnostic>> {
    let mut caches = Caches::default();
    let result = run_with(options, &mut caches, make_sink);
    // Freeing what a build holds (every document, scan and summary) takes a
    // tenth of a second at 10,000 documents, on one core, after the site is
    // done. A one-shot run hands it to a thread; if the process exits first,
    // the system takes the memory back at once.
    later::drop(caches);
    result
}

/// What one build can keep for the next: `serve` holds one.
#[derive(Default)]
pub struct Caches {
    pub documents: content::Cache,
    pub analysis: analyse::Cache,
    pub graph: output::graph::Cache,
    pub render: render::Cache,
    /// Files changed since the caches were filled, relative to the archive
    /// root, when a watcher knows; `None` to check every file.
    pub changed: Option<Vec<PathBuf>>,
    /// The analysis of what loaded, after a failed load: kept apart from
    /// `analysis` so that fixing the failure finds that one as it was.
    pub failed_analysis: analyse::Cache,
    /// A hash of the theme's static files, names and bytes, as last written.
    pub statics: Option<u64>,
    /// The search index, kept by a sink that keeps files between builds.
    pub search: search::Cache,
    /// A hash of each document's catalogue row, as last written.
    pub catalogue: output::data::Rows,
    /// Whether a rebuild that updates the output in place leaves the files
    /// no page loads (`graph.json`, the search index, the feeds, the bulk
    /// data, the citation files and the sitemap) as they are, for
    /// [`output::incremental::Incremental::prepare_downloads`] to make
    /// after the pages are served (the preview's server does).
    pub defer_downloads: bool,
    /// What a rebuild left for later, if it did.
    pub due: Option<Due>,
    /// The output paths of pages that a rebuild that serves the pages of
    /// what changed first writes first too, when they show the changes:
    /// the pages open in the preview's browsers.
    pub open: Vec<String>,
}

/// The files a rebuild that served its pages first left for later (see
/// [`Caches::defer_downloads`]), besides `graph.json`: what they are made
/// from, besides the archive.
pub struct Due {
    /// The search records whose inputs changed, after an update of the
    /// archive in place (`Some(None)` after one analysed anew); `None`
    /// without a search index.
    pub search: Option<Option<Vec<usize>>>,
    pub beside: Beside,
    /// The pages to render after those of what changed are served: the
    /// other pages that can show the changes (see [`first_pages`]).
    pub pages: Vec<render::Page>,
}

/// What the feeds, bulk data, citations and sitemap are made from,
/// besides the archive.
pub struct Beside {
    /// The documents changed, after an update of the archive in place: only
    /// the feeds and citations that show them are made again.
    pub changed: Option<Vec<DocId>>,
    /// The documents whose pages were looked at, after an update of the
    /// archive in place: only their data is made again.
    pub looked_at: Option<Vec<DocId>>,
    /// Whether documents joined or left terms in that update: a term's
    /// feed may then have lost a document, and every feed is looked at.
    pub terms_moved: bool,
    /// The pages the sitemap lists, when it is to be made (their URLs are
    /// made with it: at 100,000 documents that takes a tenth of a second
    /// the preview need not spend before the page).
    pub sitemap: Option<Vec<render::Page>>,
}

/// Writes the feeds, bulk data, citations and sitemap that `config` asks
/// for; the catalogue too if `catalogue_now`. Returns how many files it
/// handed over.
pub(crate) fn write_beside(
    archive: &Archive,
    config: &Config,
    beside: &Beside,
    catalogue: &mut output::data::Rows,
    catalogue_now: bool,
    put_kept: &output::Put,
    put_made: &output::PutMade,
) -> Result<usize, Diagnostic> {
    let mut files = 0;
    let mut timings = Timings::new();
    let changed = beside.changed.as_deref();
    if config.feeds.enabled {
        let only = changed.filter(|_| !beside.terms_moved);
        files += output::feeds::write(archive, config, only, put_made)?;
        timings.lap("  beside the pages: feeds");
    }
    if config.data.enabled {
        let only = beside.looked_at.as_deref();
        files += output::data::write(archive, config, only, catalogue, catalogue_now, put_kept, put_made)?;
        timings.lap("  beside the pages: data");
    }
    if config.citations.enabled && config.citations.downloads {
        files += output::citations::write(archive, config, changed, put_made)?;
        timings.lap("  beside the pages: citations");
    }
    if let Some(pages) = &beside.sitemap {
        let urls: Vec<output::sitemap::Url> = pages
            .iter()
            .map(|&page| {
                let (loc, lastmod) = render::landing_url(config, archive, page);
                output::sitemap::Url { loc, lastmod }
            })
            .collect();
        files += output::sitemap::write(&urls, config, put_kept)?;
        timings.lap("  beside the pages: sitemap");
    }
    Ok(files)
}

/// [`run`], reusing and refreshing `caches`.
pub fn run_with<S: output::Sink>(
    options: &BuildOptions,
    caches: &mut Caches,
    make_sink: impl FnOnce(&std::path::Path) -> Result<S, Vec<Diagnostic>>,
) -> Result<(S, BuildReport), Vec<Diagnostic>> {
    let started = Instant::now();
    let root = &options.root;
    let config = Config::load(root, &options.overrides)?;
    // The sink first: a build takes the output's lock, and puts back or
    // clears what interrupted runs left, before it reads anything else.
    let output = root.join(&config.output_dir);
    let sink = match options.overrides.output_dir.as_ref() {
        Some(_) => Ok(()),
        None => output_inside(root, &config.output_dir).map_err(|d| vec![d]),
    }
    .and_then(|()| make_sink(&output));
    match sink {
        Ok(sink) => run_stages(options, &config, caches, sink, started),
        // No errors: the caller's own signal to stop.
        Err(errors) if errors.is_empty() => Err(errors),
        Err(mut errors) => {
            // Nothing can be written; the rest of the archive's problems
            // are reported all the same.
            if let Err(more) = run_stages(options, &config, caches, output::Discard, started) {
                errors.extend(more);
            }
            Err(errors)
        }
    }
}

/// Everything after the sink is made: load, analyse, render, write.
fn run_stages<S: output::Sink>(
    options: &BuildOptions,
    config: &Config,
    caches: &mut Caches,
    sink: S,
    started: Instant,
) -> Result<(S, BuildReport), Vec<Diagnostic>> {
    let mut timings = Timings::new();
    let root = &options.root;
    let output = root.join(&config.output_dir);
    let changed = caches.changed.take();
    let loaded = match content::load_cached(root, config, options.drafts, &mut caches.documents, changed.as_deref()) {
        Ok(loaded) => loaded,
        Err(mut errors) => {
            errors.extend(check_what_loaded(options, config, caches));
            timings.lap("check what loaded");
            return Err(errors);
        }
    };
    timings.lap("load");
    let mut warnings = loaded.warnings.clone();
    // A preview that writes the pages of what changed first makes the
    // related lists after them, when those pages show none: unless a
    // document's page is open in a browser, which then comes first with
    // its list made.
    let document_open = caches.open.iter().any(|page| render::views::paths::is_document(page));
    caches.analysis.related_later = caches.defer_downloads && sink.keeps_unlisted() && !document_open;
    let every = || caches.documents.documents(options.drafts);
    let Ok((mut archive, analyse_warnings, delta)) = Archive::new(root, loaded, config, &mut caches.analysis, every)
    else {
        // The same errors again, with those of rendering.
        return Err(check_what_loaded(options, config, caches));
    };
    warnings.extend(analyse_warnings);
    let archive_updated = delta.is_some();
    timings.lap("analyse");
    let theme = Theme::resolve(root, config)?;
    let renderer = Renderer::new(config, &archive, &theme, &mut caches.render, delta.as_ref())?;
    timings.lap("prepare render");

    let handing = output::Handing {
        sink: &sink,
        output: &output,
    };
    let put = |path: &str, bytes: &[u8], fingerprint: Option<u64>| handing.put(path, bytes, fingerprint);
    // After an update of the archive, a sink that keeps what it is not
    // given is handed only the pages that can show the changes.
    // Static files are written by whole builds only: a change among them
    // (one added, edited or removed) makes this one whole.
    let statics_unchanged = sink.wants_fingerprints() && {
        let statics = statics_hash(&theme)?;
        caches.statics.replace(statics) == Some(statics)
    };
    let partial_pages = delta
        .as_ref()
        .filter(|_| sink.keeps_unlisted() && statics_unchanged)
        .and_then(|delta| renderer.pages_for(delta));
    // Every page rendered now: the related lists too are made now.
    let related_later = delta.as_ref().is_some_and(|d| d.related_later);
    let (renderer, partial_pages) = match partial_pages {
        None if related_later => {
            drop(renderer);
            archive.finish_related_now(&mut caches.analysis);
            let renderer = Renderer::new(config, &archive, &theme, &mut caches.render, delta.as_ref())?;
            (renderer, None)
        }
        partial_pages => (renderer, partial_pages),
    };
    let partial = partial_pages.is_some();
    let (pages, pages_gone) = partial_pages.unwrap_or_else(|| (renderer.pages(), Vec::new()));
    let fingerprints = sink.wants_fingerprints();
    // A preview that updates its output in place leaves the files no page
    // loads for after the pages are served.
    let defer = caches.defer_downloads && sink.keeps_unlisted();
    // A static file at the path of a page is found as the page is written;
    // one at the path of another file annals writes, here.
    let mut problems: Vec<Diagnostic> = GENERATED
        .iter()
        .filter(|_| !partial)
        .filter(|(rel, _)| match *rel {
            "atom.xml" => config.feeds.enabled,
            "sitemap.xml" => config.sitemap.enabled,
            "robots.txt" => config.sitemap.enabled && config.sitemap.robots,
            "data/catalogue.json" | "data/catalogue.csv" => config.data.enabled,
            _ => true,
        })
        .filter_map(|(rel, what)| Some(static_in_the_way(theme.statics.get(*rel)?, what, None)))
        .collect();
    // Served, the pages of what changed come first: the other pages that
    // can show the changes are left for later, with the files beside the
    // pages, and are only checked now (see `Due::pages`).
    let (first, later): (Option<Vec<render::Page>>, Vec<render::Page>) = match &delta {
        Some(delta) if defer && partial => {
            let first = first_pages(delta);
            let open: std::collections::HashSet<&str> = caches.open.iter().map(String::as_str).collect();
            let shown = |page: render::Page| !open.is_empty() && open.contains(renderer.output_path(page).as_str());
            let (now, later): (Vec<render::Page>, _) = pages.iter().partition(|&&p| first.contains(&p) || shown(p));
            // (With the related lists left for later, no document page is
            // open, and none changed: none comes first.)
            debug_assert!(
                !related_later || !now.iter().any(|p| matches!(p, render::Page::Document(_))),
                "a document's page waits for the related lists"
            );
            (Some(now), later)
        }
        _ => (None, Vec::new()),
    };
    let now: &[render::Page] = first.as_deref().unwrap_or(&pages);
    let later_paths: Vec<String> = later.par_iter().map(|&page| renderer.output_path(page)).collect();
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    let render_pages = || -> Vec<Diagnostic> {
        let mut timings = Timings::new();
        // (The pages left for later, thousands when a name that thousands
        // of texts hold changed, are checked beside the few rendered now.)
        let (mut errors, in_the_way): (Vec<Diagnostic>, Vec<Diagnostic>) = rayon::join(
            || {
                (now.par_iter().with_max_len(FINE))
                    .filter_map(|&page| render_page(&renderer, &theme, page, &sink, fingerprints, &output, &rendered))
                    .collect()
            },
            || {
                (later.par_iter().zip(&later_paths))
                    .filter_map(|(&page, path)| page_in_the_way(&renderer, &theme, page, path))
                    .collect()
            },
        );
        errors.extend(in_the_way);
        timings.lap(&format!(
            "  pages ({} looked at, {} rendered{})",
            pages.len(),
            rendered.load(std::sync::atomic::Ordering::Relaxed),
            match later.len() {
                0 => String::new(),
                n => format!(", {n} left for later"),
            }
        ));
        errors
    };
    // The files beside the pages: a file with the bytes the sink already
    // holds is not written again.
    let put_kept = |rel: &str, bytes: &[u8]| handing.put_kept(rel, bytes);
    // The files made from inputs whose hash is known before the bytes are:
    // one the sink holds as made from the same inputs is not made again.
    let put_made = |rel: &str, inputs: u64, make: &dyn Fn() -> Vec<u8>| handing.put_made(rel, inputs, make);
    // The files beside the pages list every document (the catalogue, the
    // sitemap) or are named by document number (the search index's
    // records): after documents came or went, they are made whole, the
    // pages alone partial.
    let renumbered = delta.as_ref().is_some_and(|d| d.renumbered.is_some());
    let beside_partial = partial && !renumbered;
    let gone = (partial && renumbered).then(|| {
        let removed = delta.as_ref().map_or(&[][..], |d| d.removed.as_slice());
        removed.iter().map(Renderer::gone_path).collect()
    });
    // The documents a rebuild that kept every document's shape (see
    // `analyse::Delta`) changed.
    let changed = delta.as_ref().filter(|_| beside_partial).map(|d| d.changed.as_slice());
    // The search records to make again: those of the changed documents,
    // and those of the entities whose description changed (numbered after
    // the documents, when the index has entities).
    let search_changed: Option<Vec<usize>> = delta.as_ref().filter(|_| beside_partial).map(|d| {
        let entities = d.described.iter().map(|&e| archive.documents.len() + e);
        let entities = entities.filter(|_| config.search.entities);
        d.changed.iter().copied().chain(entities).collect()
    });
    let search_cache = &mut caches.search;
    let catalogue_cache = &mut caches.catalogue;
    // The search index, feeds, bulk data, citations and sitemap, made from
    // the analysed archive, not from the pages: they are made beside the
    // pages, so that neither waits for the slowest of the other's jobs; and
    // the search index, the largest of them, beside the others (when a
    // document comes or goes, it alone takes as long as the pages).
    let index = || -> Result<Option<search::Written>, Vec<Diagnostic>> {
        if !config.search.enabled || defer {
            return Ok(None);
        }
        let mut timings = Timings::new();
        // The preview keeps the index between builds, and an update in
        // place rewrites only what it changed.
        let cache = search_cache.keeps().then_some(search_cache);
        let keep = |rel: &str, bytes_hash: u64| fingerprints && sink.reuse(rel, bytes_hash);
        let written = search::write(
            &archive,
            &config.search,
            &put_kept,
            &keep,
            cache,
            search_changed.as_deref(),
        )
        .map_err(|d| vec![d])?;
        timings.lap("  beside the pages: search index");
        Ok(Some(written))
    };
    // A rebuild that keeps every document's shape changes no page's
    // place or date, but can add pages (those of new terms, of terms
    // joined, and of an entity mentioned more) or drop some (those of
    // terms left).
    let pages_moved = beside_partial
        && (!pages_gone.is_empty()
            || delta
                .as_ref()
                .is_some_and(|d| !d.terms_added.is_empty() || renderer.adds_pages(d)));
    let beside_inputs = || Beside {
        changed: changed.map(<[DocId]>::to_vec),
        terms_moved: delta.as_ref().is_some_and(|d| !d.terms.is_empty()),
        // A document's data changes with its page (its "cited by" too): a
        // partial rebuild writes the data of the documents whose pages it
        // looked at.
        looked_at: beside_partial.then(|| {
            pages
                .iter()
                .filter_map(|p| match p {
                    render::Page::Document(id) => Some(*id),
                    _ => None,
                })
                .collect()
        }),
        // The sitemap stays as it is, unless pages were added or dropped.
        sitemap: (config.sitemap.enabled && (!beside_partial || pages_moved)).then(|| renderer.landing_pages()),
    };
    // Left for later, the files beside the pages are only described (the
    // sitemap's URLs listed), beside the pages all the same.
    let others = || -> Result<(usize, Option<Beside>), Vec<Diagnostic>> {
        let beside = beside_inputs();
        if defer {
            return Ok((0, Some(beside)));
        }
        let files = write_beside(&archive, config, &beside, catalogue_cache, true, &put_kept, &put_made);
        Ok((files.map_err(|d| vec![d])?, None))
    };
    let syndicate = || -> Result<Syndicated, Vec<Diagnostic>> {
        let (index, others) = rayon::join(index, others);
        let (index, (files, later)) = (index?, others?);
        Ok(Syndicated {
            search_files: index.as_ref().map_or(0, |w| w.files),
            search_partial: index.is_some_and(|w| w.in_place),
            files,
            later,
        })
    };
    // graph.json is one long serial job: it runs beside the pages too.
    // (Unless it is left for later: see `defer`.)
    let wants_graph = !defer && (!partial || delta.as_ref().is_some_and(|d| d.graph));
    let graph_cache = &mut caches.graph;
    let make_graph = || -> Result<_, Diagnostic> {
        if !wants_graph {
            return Ok(None);
        }
        let mut timings = Timings::new();
        if !graph_cache.keeps() {
            // Written as it is made: a one-shot build has no use for the
            // bytes afterwards, and at 100,000 documents holding them
            // (85 MB) raised the build's peak memory.
            let write = |out: &mut dyn std::io::Write| output::graph::write_json(&archive, config, out);
            sink.put_streamed("graph.json", &write)
                .map_err(|e| Diagnostic::error(format!("cannot write graph.json into {}: {e}", output.display())))?;
            timings.lap("  graph.json");
            return Ok(None);
        }
        let graph = output::graph::to_json_cached(&archive, config, graph_cache);
        timings.lap("  graph.json");
        Ok(Some(graph))
    };
    let ((errors, graph), syndicated) = rayon::join(|| rayon::join(render_pages, make_graph), syndicate);
    problems.extend(errors);
    let graph = match graph {
        Ok(graph) => graph,
        Err(d) => {
            problems.push(d);
            None
        }
    };
    if !problems.is_empty() {
        return Err(first_of_each(problems));
    }
    let Syndicated {
        search_files,
        search_partial,
        files: syndication_files,
        later: later_beside,
    } = syndicated?;
    if cfg!(debug_assertions) && partial {
        check_unlisted_pages(&renderer, &pages, &sink);
    }
    if defer {
        for rel in DEFERRED {
            sink.keep(rel);
        }
        caches.due = later_beside.map(|beside| Due {
            search: config.search.enabled.then_some(search_changed),
            beside,
            pages: later,
        });
    }
    if let Some((graph, fingerprint)) = graph {
        // The preview's graph comes with a hash of what it was made from:
        // the sink keeps the file it holds if that is unchanged, without
        // hashing the bytes (some 85 MB at 100,000 documents).
        if !fingerprint.is_some_and(|f| sink.reuse("graph.json", f)) {
            put("graph.json", &graph, fingerprint).map_err(|d| vec![d])?;
        }
    }
    timings.lap(if defer {
        "render and write the pages"
    } else {
        "render and write pages, search index, feeds, sitemap, data and citations"
    });
    if !partial {
        for (rel, file) in &theme.statics {
            let bytes = file
                .bytes()
                .map_err(|e| vec![Diagnostic::error(format!("cannot read {}: {e}", file.shown.display()))])?;
            put(rel, &bytes, None).map_err(|d| vec![d])?;
        }
    }
    timings.lap("write graph.json and static files");
    let all_pages = renderer.page_count();
    debug_assert!(
        partial || all_pages == pages.len(),
        "page_count() counts what pages() lists"
    );
    renderer.keep(&mut caches.render);
    let documents = archive.documents.len();
    caches.analysis.keep(archive, config);
    let report = BuildReport {
        documents,
        pages: all_pages,
        files: all_pages + theme.statics.len() + 1 + search_files + syndication_files,
        output,
        elapsed: started.elapsed(),
        warnings,
        partial,
        search_partial,
        linked: 0,
        unchanged: false,
        deferred: defer,
        rendered: rendered.into_inner(),
        archive_updated,
        gone,
        dropped: pages_gone,
        later: later_paths,
    };
    Ok((sink, report))
}

/// How many files the search index and the files beside the pages took,
/// or what to make them from later.
struct Syndicated {
    search_files: usize,
    search_partial: bool,
    files: usize,
    later: Option<Beside>,
}

/// A hash of the names and bytes of the theme's static files.
fn statics_hash(theme: &Theme) -> Result<u64, Vec<Diagnostic>> {
    use std::hash::Hasher;
    let mut h = hash::hasher();
    for (rel, file) in &theme.statics {
        let bytes = file
            .bytes()
            .map_err(|e| vec![Diagnostic::error(format!("cannot read {}: {e}", file.shown.display()))])?;
        h.write(rel.as_bytes());
        h.write_u8(0);
        h.write(&bytes);
        h.write_u8(0);
    }
    Ok(h.finish())
}

/// `output_dir` from config.toml must stay inside the archive, also when a
/// folder on its way is a symbolic link; only `--output` may lead elsewhere.
fn output_inside(root: &std::path::Path, dir: &std::path::Path) -> Result<(), Diagnostic> {
    let why = match files::escape(root, dir) {
        None => return Ok(()),
        Some(files::Escape::Outside) => "leads, through a symbolic link, outside the archive",
        Some(files::Escape::Broken) => "passes through a broken symbolic link",
    };
    Err(Diagnostic::error(format!("output_dir `{}` {why}", dir.display()))
        .at(diag::Location::file_only(std::path::Path::new(config::FILE_NAME)))
        .hint("name a real folder inside the archive, e.g. \"public\"; use --output to write anywhere else"))
}

/// After loading or analysis failed: the errors that the rest of the
/// pipeline finds in what did load, so that one run reports every problem.
/// The documents that loaded are analysed on their own (links to those that
/// failed are not reported) and every page is rendered, for template errors.
fn check_what_loaded(options: &BuildOptions, config: &Config, caches: &mut Caches) -> Vec<Diagnostic> {
    let theme = match Theme::resolve(&options.root, config) {
        Ok(theme) => theme,
        Err(errors) => return errors,
    };
    let Some(partial) = caches.documents.partial(&options.root, options.drafts) else {
        return theme.compile().err().unwrap_or_default();
    };
    let (archive, mut errors) = Archive::partial(&options.root, partial, config, &mut caches.failed_analysis);
    match Renderer::new(config, &archive, &theme, &mut render::Cache::default(), None) {
        Ok(renderer) => {
            let pages = renderer.pages();
            let failed = pages.par_iter().filter_map(|&page| renderer.render(page).err());
            errors.extend(first_of_each(failed.collect()));
        }
        Err(more) => errors.extend(more),
    }
    errors
}

/// The pages that show the changes of `delta` most directly: those of
/// the documents changed and of the entities described anew. A preview
/// that serves its pages first renders these before the others.
fn first_pages(delta: &analyse::Delta) -> std::collections::HashSet<render::Page> {
    let documents = delta.changed.iter().map(|&d| render::Page::Document(d));
    let entities = (delta.described.iter()).map(|&e| render::Page::List(render::List::Entity(e), 0));
    documents.chain(entities).collect()
}

/// Why `page` cannot be written at `path`: a name too long, or a static
/// file of the theme at its path.
fn page_in_the_way(renderer: &Renderer, theme: &Theme, page: render::Page, path: &str) -> Option<Diagnostic> {
    if let Some(problem) = unwritable(renderer, page, path) {
        return Some(problem);
    }
    let file = theme.statics.get(path)?;
    Some(static_in_the_way(
        file,
        &renderer.origin(page).page,
        Some(page.template()),
    ))
}

/// Renders `page` and hands it to `sink`, unless its fingerprint says the
/// sink holds it already; counts it in `rendered` if it renders it.
fn render_page<S: output::Sink>(
    renderer: &Renderer,
    theme: &Theme,
    page: render::Page,
    sink: &S,
    fingerprints: bool,
    output: &std::path::Path,
    rendered: &std::sync::atomic::AtomicUsize,
) -> Option<Diagnostic> {
    let path = renderer.output_path(page);
    if let Some(problem) = page_in_the_way(renderer, theme, page, &path) {
        return Some(problem);
    }
    let fingerprint = fingerprints.then(|| renderer.fingerprint(page));
    if fingerprint.is_some_and(|f| sink.reuse(&path, f)) {
        return None;
    }
    rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let written = renderer.render(page).and_then(|bytes| {
        sink.put(&path, &bytes, fingerprint)
            .map_err(|e| write_error(&renderer.origin(page), &path, output, &e))
    });
    written.err()
}

/// Renders the pages a rebuild left for later ([`Due::pages`]) from the
/// archive it analysed, as it would have rendered them, and hands them to
/// `sink`. Returns how many it rendered.
pub(crate) fn render_later<S: output::Sink>(
    options: &BuildOptions,
    config: &Config,
    archive: &Archive,
    cache: &mut render::Cache,
    pages: &[render::Page],
    sink: &S,
) -> Result<usize, Vec<Diagnostic>> {
    let mut timings = Timings::new();
    let output = options.root.join(&config.output_dir);
    let theme = Theme::resolve(&options.root, config)?;
    // Nothing changed since the rebuild that kept the summaries.
    let unchanged = analyse::Delta::default();
    let renderer = Renderer::new(config, archive, &theme, cache, Some(&unchanged))?;
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    let errors: Vec<Diagnostic> = pages
        .par_iter()
        .with_max_len(FINE)
        .filter_map(|&page| render_page(&renderer, &theme, page, sink, true, &output, &rendered))
        .collect();
    renderer.keep(cache);
    timings.lap(&format!(
        "  pages left for later ({} rendered)",
        rendered.load(std::sync::atomic::Ordering::Relaxed)
    ));
    match errors.is_empty() {
        true => Ok(rendered.into_inner()),
        false => Err(first_of_each(errors)),
    }
}

/// Why `page` cannot be written at `path`: a folder name longer than file
/// systems take. The loaders check every slug, taxonomy name and term where
/// it is written; what is left is a term whose URL segment took a suffix
/// (`-2`) because another term folds to the same one.
fn unwritable(renderer: &Renderer, page: render::Page, path: &str) -> Option<Diagnostic> {
    let long = path
        .split('/')
        .find(|name| name.len() > content::slug::MAX_NAME_BYTES)?;
    let origin = renderer.origin(page);
    let diag = Diagnostic::error(format!(
        "{} needs a folder name of {} bytes, too long for a file name",
        origin.page,
        long.len()
    ))
    .hint(format!(
        "the folder would be `{}`, and common file systems take at most {} bytes per file name; shorten the name it is made from",
        ends_of(long),
        content::slug::MAX_NAME_BYTES
    ));
    Some(match origin.file {
        Some(file) => diag.at(diag::Location::file_only(&file)),
        None => diag,
    })
}

/// The files of fixed paths that a preview that updates its output in
/// place makes after the pages are served (see [`Caches::defer_downloads`]
/// and [`deferred`]).
pub const DEFERRED: [&str; 3] = ["graph.json", output::data::CATALOGUE_JSON, output::data::CATALOGUE_CSV];

/// Whether `rel`, a path in the output, may be one of the files a preview
/// that updates its output in place makes after the pages are served: one
/// of [`DEFERRED`], a file of the search index, a feed, the sitemap or
/// `robots.txt`, or a document's data or citation files. (The server
/// holds back requests for such paths until they are made; what is
/// deleted afterwards is decided by exact paths, see
/// [`output::incremental::Incremental::prepare_downloads`].)
pub fn deferred(rel: &str) -> bool {
    const BESIDE_A_PAGE: [&str; 4] = ["/index.json", "/cite.bib", "/cite.ris", "/cite.json"];
    DEFERRED.contains(&rel)
        || search::is_index_file(rel)
        || rel == "atom.xml"
        || rel.ends_with("/atom.xml")
        || rel == "robots.txt"
        || (rel.starts_with("sitemap") && rel.ends_with(".xml") && !rel.contains('/'))
        || BESIDE_A_PAGE.iter().any(|name| rel.ends_with(name))
}

/// The files annals writes besides the pages, in words.
const GENERATED: &[(&str, &str)] = &[
    ("graph.json", "graph.json, the link graph annals writes"),
    ("atom.xml", "atom.xml, the archive's feed annals writes"),
    ("sitemap.xml", "sitemap.xml, the sitemap annals writes"),
    ("data/catalogue.json", "the catalogue annals writes as JSON"),
    ("data/catalogue.csv", "the catalogue annals writes as CSV"),
    (
        "robots.txt",
        "robots.txt, which annals writes beside the sitemap (`[sitemap] robots = false` to keep your own)",
    ),
    (
        output::MARKER,
        "the file that marks the output folder as written by annals",
    ),
];

/// A static file of the theme or archive at the path of a page or another
/// file annals writes (`what`), which it would silently replace. `template`
/// is the page's, for the hint.
fn static_in_the_way(file: &render::theme::ThemeFile, what: &str, template: Option<&str>) -> Diagnostic {
    let publish = "to publish the file as well, rename it or move it to another folder";
    let hint = match template {
        Some(template) => format!(
            "to change the page, override its template instead (put your own templates/{template} in the archive); {publish}"
        ),
        None => format!("{publish}; annals writes this file itself"),
    };
    Diagnostic::error(format!("static file {} would replace {what}", file.shown.display()))
        .at(diag::Location::file_only(&file.shown))
        .hint(hint)
}

/// The start and end of a long name, which show a suffix such as `-2`.
fn ends_of(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 40 {
        return name.to_string();
    }
    let start: String = chars[..24].iter().collect();
    let end: String = chars[chars.len() - 12..].iter().collect();
    format!("{start}…{end}")
}

/// The system's number for "file name too long" (ENAMETOOLONG; on Windows
/// ERROR_FILENAME_EXCED_RANGE). `io::ErrorKind::InvalidFilename` says the
/// same but needs a newer Rust than annals supports.
const NAME_TOO_LONG: i32 = if cfg!(windows) {
    206
} else if cfg!(any(target_os = "linux", target_os = "android")) {
    36
} else if cfg!(any(target_os = "solaris", target_os = "illumos")) {
    78
} else {
    63
};

/// An error writing a page into `output`. A name the file system finds too
/// long (it may take fewer than the 255 bytes checked for, as encrypted
/// home folders do) is reported with the page and the file its name comes
/// from.
fn write_error(origin: &render::Origin, path: &str, output: &std::path::Path, e: &std::io::Error) -> Diagnostic {
    if e.raw_os_error() != Some(NAME_TOO_LONG) {
        return Diagnostic::error(format!("cannot write {path} into {}: {e}", output.display()));
    }
    let diag = Diagnostic::error(format!(
        "cannot write {}: the file system finds its path `{path}` too long ({e})",
        origin.page
    ));
    let limit = "this file system takes fewer than the 255 bytes per file name most do";
    match &origin.file {
        Some(file) => diag.at(diag::Location::file_only(file)).hint(format!(
            "the page's folder is named after a name in {}: shorten it there ({limit})",
            file.display()
        )),
        None => diag.hint(format!("{limit}; write the site to another one with --output")),
    }
}

/// Stage timings, printed to standard error when `ANNALS_TIMINGS` is set:
/// a profiling aid that costs nothing otherwise.
///
/// Each lap shows wall time and the process's CPU time (user and system,
/// all threads, from /proc where there is one), so that a stage that runs
/// on one core shows as CPU close to wall.
pub(crate) struct Timings {
    last: Option<(Instant, Option<f64>)>,
}

impl Timings {
    pub(crate) fn new() -> Timings {
        Timings {
            last: std::env::var_os("ANNALS_TIMINGS").map(|_| (Instant::now(), cpu_seconds())),
        }
    }

    pub(crate) fn lap(&mut self, stage: &str) {
        if let Some((wall, cpu)) = self.last {
            let now = cpu_seconds();
            let cpu_ms = now.zip(cpu).map(|(b, a)| format!(", CPU {:.0} ms", (b - a) * 1000.0));
            eprintln!(
                "{stage}: {:.1} ms{}{}",
                wall.elapsed().as_secs_f64() * 1000.0,
                cpu_ms.unwrap_or_default(),
                memory().unwrap_or_default()
            );
            self.last = Some((Instant::now(), now));
        }
    }
}

/// The memory this process holds now and at most so far, as
/// ", RSS 120 MiB (peak 180 MiB)" (Linux only).
fn memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()
    };
    Some(format!(
        ", RSS {} MiB (peak {} MiB)",
        kib("VmRSS:")? >> 10,
        kib("VmHWM:")? >> 10
    ))
}

/// User plus system CPU seconds of this process so far (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, in clock ticks of
    // 1/100 s on every Linux platform annals runs on.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Checks, in debug builds, that a partial rebuild looked at every page
/// whose fingerprint changed: the pages it skipped must be those the sink
/// already holds as rendered from the same inputs.
fn check_unlisted_pages<S: output::Sink>(renderer: &Renderer, listed: &[render::Page], sink: &S) {
    let listed: std::collections::HashSet<render::Page> = listed.iter().copied().collect();
    for page in renderer.pages() {
        if !listed.contains(&page) {
            let path = renderer.output_path(page);
            assert!(
                sink.holds(&path, renderer.fingerprint(page)),
                "{path} changed, but the partial rebuild did not look at it"
            );
        }
    }
}

/// A template error repeats on every page that uses the template, its
/// message varying with the page (the fields a value has, say); report the
/// first at each place in a template, and each message without a place once.
fn first_of_each(mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    errors.retain(|d| {
        let key = match &d.location {
            Some(at) if at.line > 0 => format!("{}:{}:{}", at.file.display(), at.line, at.column),
            _ => d.message.clone(),
        };
        seen.insert(key)
    });
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_too_long_at_write_time_names_the_page_and_its_file() {
        let origin = render::Origin {
            page: "the page of document `plan`".to_string(),
            file: Some(PathBuf::from("content/plan.md")),
        };
        // What the system says to a name of 300 bytes.
        let tmp = tempfile::tempdir().unwrap();
        let e = std::fs::write(tmp.path().join("a".repeat(300)), "x").unwrap_err();
        let d = write_error(&origin, "documents/plan/index.html", std::path::Path::new("public"), &e);
        assert_eq!(
            d.message,
            format!(
                "cannot write the page of document `plan`: the file system finds its path `documents/plan/index.html` too long ({e})"
            )
        );
        assert_eq!(d.location.unwrap().file, PathBuf::from("content/plan.md"));
        assert!(d.hint.unwrap().contains("shorten it there"));
        let other = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let d = write_error(
            &origin,
            "documents/plan/index.html",
            std::path::Path::new("public"),
            &other,
        );
        assert_eq!(d.message, "cannot write documents/plan/index.html into public: denied");
    }

    #[test]
    fn a_long_name_is_shown_by_its_ends() {
        assert_eq!(ends_of("short-2"), "short-2");
        let long = format!("{}-2", "a".repeat(255));
        assert_eq!(ends_of(&long), format!("{}…{}-2", "a".repeat(24), "a".repeat(10)));
    }
}
