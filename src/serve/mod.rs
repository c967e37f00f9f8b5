//! Watch and serve: rebuild on every change, and show the result at once.
//!
//! `annals serve` and `annals build --watch` share this loop: build once,
//! then wait for the watcher's next batch of changes and rebuild
//! incrementally (see [`crate::output::incremental`]), forever. `serve` also
//! runs the HTTP server in [`http`], which reloads open pages after every
//! rebuild that changed what they show and overlays the errors of a failed
//! one on the last good site. The state the server reads lives in
//! [`Shared`], passed explicitly, never global.
//!
//! Two promises are kept here. The server answers only from a folder a
//! build of this run wrote, or one that holds annals' marker (an output of
//! an earlier build); until there is one, it answers with the errors and
//! nothing else. And it never answers from a half-written rebuild: a
//! rebuild is rendered first, then written while [`Shared`] is locked for
//! writing, and the server reads files only under the same lock. A rebuild
//! that writes the pages of what changed first leaves the others, and the
//! files no page loads, for steps after the reload; a request for one of
//! those waits until its step has written it. Those steps, and the rest of
//! the work for later, wait in turn until the pages told to reload have
//! been asked for again (at most a quarter of a second), so that the
//! browser's request does not queue behind them for the cores.

pub mod http;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use crate::BuildOptions;
use crate::diag::Diagnostic;
use crate::output::incremental::{Incremental, Pending, Rebuilt};

/// What the server shares with the rebuild loop.
pub struct Shared {
    /// Locked for writing while a rebuild writes into the output, and for
    /// reading while the server reads from it.
    site: RwLock<Site>,
    /// Counts rebuilds, successful or not.
    version: Mutex<u64>,
    changed: Condvar,
    /// What the last rebuild left for later and is still making: requests
    /// for it wait until it is written.
    due: Mutex<Due>,
    due_done: Condvar,
    /// The output paths of the pages open in browsers (those whose reload
    /// script listens), each with how many times it is open.
    open: Mutex<crate::hash::Map<String, usize>>,
    /// The event streams open, and how many of the pages they were on are
    /// still to be asked for again since the last reload: work for later
    /// waits for those (see [`Shared::wait_for_reloaded_pages`]).
    reloading: Mutex<Reloading>,
    asked_again: Condvar,
}

/// How long the work a rebuild leaves for later waits at most for the
/// pages it told to reload to be asked for again: a stream whose page was
/// closed is noticed only when an event is next written to it.
const RELOAD_WAIT: Duration = Duration::from_millis(250);

/// The event streams open, and the pages still to be asked for again.
#[derive(Default)]
struct Reloading {
    streams: usize,
    awaited: usize,
}

/// The files a rebuild left for later that are not written yet.
#[derive(Default)]
struct Due {
    /// Whether the files no page loads (`graph.json`, the search index, the
    /// data, citations and feeds: see [`crate::Caches::defer_downloads`])
    /// are still being made.
    downloads: bool,
    /// The output paths of the pages left for later (see
    /// [`crate::BuildReport::later`]).
    pages: crate::hash::Set<String>,
}

impl Due {
    /// Whether the file at `rel` (a URL's path, without its first slash)
    /// may be one still being made.
    fn holds(&self, rel: &str) -> bool {
        if !self.downloads && self.pages.is_empty() {
            return false;
        }
        // Output paths are not percent-encoded: a term's page may be
        // `topics/平安中国/`.
        let rel = percent_encoding::percent_decode_str(rel).decode_utf8_lossy();
        (self.downloads && crate::deferred(&rel)) || self.pages.contains(&page_file(&rel))
    }
}

/// The output path of the page at the URL path `rel` (decoded, without its
/// first slash): a folder's `index.html`, or an HTML file named.
fn page_file(rel: &str) -> String {
    match rel {
        "" => "index.html".to_string(),
        _ if rel.ends_with('/') => format!("{rel}index.html"),
        _ if rel.ends_with(".html") => rel.to_string(),
        _ => format!("{rel}/index.html"),
    }
}

/// An open event stream, and the page it is on if it says, counted in
/// [`Shared`] until dropped.
pub struct OpenStream<'a> {
    shared: &'a Shared,
    file: Option<String>,
}

impl Drop for OpenStream<'_> {
    fn drop(&mut self) {
        self.shared.reloading.lock().expect("no panics while held").streams -= 1;
        let Some(file) = &self.file else { return };
        let mut open = self.shared.open.lock().expect("no panics while held");
        if let Some(count) = open.get_mut(file) {
            *count -= 1;
            if *count == 0 {
                open.remove(file);
            }
        }
    }
}

/// Which of the files left for later a step writes.
#[derive(Clone, Copy)]
enum Later {
    Pages,
    Downloads,
}

/// What the server may show.
pub struct Site {
    /// The folder to serve: one a build of this run wrote, or one that
    /// holds annals' marker. `None` while there is no such folder.
    pub output: Option<PathBuf>,
    /// The printed diagnostics of the last rebuild, if it failed.
    pub error: Option<String>,
}

impl Shared {
    /// The state before the first build: `output` is served only if annals
    /// wrote it (it holds the marker).
    fn new(output: PathBuf) -> Shared {
        let marked = output.join(crate::output::MARKER).is_file();
        Shared {
            site: RwLock::new(Site {
                output: marked.then_some(output),
                error: None,
            }),
            version: Mutex::new(0),
            changed: Condvar::new(),
            due: Mutex::new(Due::default()),
            due_done: Condvar::new(),
            open: Mutex::new(Default::default()),
            reloading: Mutex::new(Reloading::default()),
            asked_again: Condvar::new(),
        }
    }

    /// The site, locked against rebuilds writing into it, once `rel` is no
    /// file that the last rebuild is still making; after `timeout`, the
    /// site as it is. (What is due is changed only while the site is
    /// locked for writing, so it is read again under the read lock.)
    pub fn site_for(&self, rel: &str, timeout: Duration) -> RwLockReadGuard<'_, Site> {
        let deadline = Instant::now() + timeout;
        loop {
            let site = self.site();
            let due = || self.due.lock().expect("no panics while held").holds(rel);
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !due() {
                return site;
            }
            drop(site);
            // What is due is made after the wait for the reloaded pages:
            // this request ends that wait.
            self.reloading.lock().expect("no panics while held").awaited = 0;
            self.asked_again.notify_all();
            let due = self.due.lock().expect("no panics while held");
            let _ = self
                .due_done
                .wait_timeout_while(due, left, |due| due.holds(rel))
                .expect("no panics while held");
        }
    }

    /// Writes files a rebuild left for later (`which`), with the server
    /// shut out, and lets the requests waiting for them go on. A failure is
    /// shown as a failed rebuild's is. Open pages reload if it failed, or
    /// if `reloaded` is false (the pages did not change) and some file
    /// changed now. Returns whether they were told to reload.
    fn publish_later(
        &self,
        prepared: Result<Pending<'_>, Vec<Diagnostic>>,
        reloaded: bool,
        which: Later,
    ) -> (Result<(), Vec<Diagnostic>>, bool) {
        let (result, changed) = {
            let mut site = self.site.write().expect("no panics while held");
            let result = prepared.and_then(Pending::apply);
            if let Err(diagnostics) = &result {
                site.error = Some(printed(diagnostics));
            }
            let mut due = self.due.lock().expect("no panics while held");
            match which {
                Later::Pages => due.pages.clear(),
                Later::Downloads => due.downloads = false,
            }
            drop(due);
            let changed = result.as_ref().map_or(true, |r| !reloaded && changed_files(r));
            (result.map(|_| ()), changed)
        };
        self.due_done.notify_all();
        if changed {
            self.reload();
        }
        (result, changed)
    }

    /// Counts an event stream open, and the page at `file` (an output
    /// path) if it names one, until the returned guard is dropped.
    pub fn open(&self, file: Option<String>) -> OpenStream<'_> {
        self.reloading.lock().expect("no panics while held").streams += 1;
        if let Some(file) = &file {
            *self
                .open
                .lock()
                .expect("no panics while held")
                .entry(file.clone())
                .or_default() += 1;
        }
        OpenStream { shared: self, file }
    }

    /// Records that a page was served (or that a request waits for one
    /// the rebuild is still making): one fewer of the reloaded pages to
    /// wait for.
    pub fn page_served(&self) {
        let mut reloading = self.reloading.lock().expect("no panics while held");
        reloading.awaited = reloading.awaited.saturating_sub(1);
        self.asked_again.notify_all();
    }

    /// Waits until the pages the last reload was sent to have been asked
    /// for again, one for each event stream open then, or `timeout`.
    /// Returns whether they were. The work a rebuild leaves for later
    /// waits for this, so that on a machine of few cores the browser's
    /// request, and the server's answer, do not queue behind it.
    fn wait_for_reloaded_pages(&self, timeout: Duration) -> bool {
        let reloading = self.reloading.lock().expect("no panics while held");
        let (reloading, _) = self
            .asked_again
            .wait_timeout_while(reloading, timeout, |r| r.awaited > 0)
            .expect("no panics while held");
        reloading.awaited == 0
    }

    /// The output paths of the pages open in browsers.
    pub fn open_pages(&self) -> Vec<String> {
        self.open
            .lock()
            .expect("no panics while held")
            .keys()
            .cloned()
            .collect()
    }

    /// Tells the open pages to reload.
    fn reload(&self) {
        {
            let mut reloading = self.reloading.lock().expect("no panics while held");
            reloading.awaited = reloading.streams;
        }
        *self.version.lock().expect("no panics while held") += 1;
        self.changed.notify_all();
    }

    /// The site, locked against rebuilds writing into it until the guard
    /// is dropped.
    pub fn site(&self) -> RwLockReadGuard<'_, Site> {
        self.site.read().expect("no panics while held")
    }

    pub fn version(&self) -> u64 {
        *self.version.lock().expect("no panics while held")
    }

    /// Waits until the version passes `seen`, or `timeout`; returns the
    /// version then.
    pub fn wait_for_change(&self, seen: u64, timeout: Duration) -> u64 {
        let version = self.version.lock().expect("no panics while held");
        let (version, _) = self
            .changed
            .wait_timeout_while(version, timeout, |v| *v <= seen)
            .expect("no panics while held");
        *version
    }

    /// Applies a prepared rebuild (or records its failure) with the server
    /// shut out, then wakes the pages waiting for a reload, unless the
    /// rebuild succeeded, changed no file, and left the server showing
    /// what it showed: a save that changed nothing, or a late event of the
    /// last save, reloads nothing. Returns whether the pages were told to
    /// reload.
    fn publish(&self, prepared: Result<Pending<'_>, Vec<Diagnostic>>) -> (Result<Rebuilt, Vec<Diagnostic>>, bool) {
        // `reload`: the rebuild failed (its errors are shown), or the
        // folder served moved, or the errors shown went, or a file changed.
        let (result, reload) = {
            let mut site = self.site.write().expect("no panics while held");
            let result = prepared.and_then(Pending::apply);
            let reload = match &result {
                Ok(rebuilt) => {
                    let before = site.output.replace(rebuilt.report.output.clone());
                    let moved = before != site.output;
                    let mended = site.error.take().is_some();
                    let mut due = self.due.lock().expect("no panics while held");
                    due.downloads = rebuilt.report.deferred;
                    due.pages = rebuilt.report.later.iter().cloned().collect();
                    drop(due);
                    moved || mended || changed_files(rebuilt)
                }
                Err(diagnostics) => {
                    site.error = Some(printed(diagnostics));
                    true
                }
            };
            (result, reload)
        };
        if reload {
            self.reload();
        }
        (result, reload)
    }
}

/// Whether a rebuild wrote or deleted any file.
fn changed_files(rebuilt: &Rebuilt) -> bool {
    !rebuilt.written.is_empty() || !rebuilt.removed.is_empty()
}

fn printed(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to serve.
pub struct ServeOptions {
    pub build: BuildOptions,
    /// Address to listen on; `None` watches without serving.
    pub listen: Option<(String, u16)>,
}

/// What the loop tells its caller, to print.
pub enum Event<'a> {
    Listening(SocketAddr),
    Rebuilt { rebuilt: &'a Rebuilt, took: Duration },
    Failed(&'a [Diagnostic]),
    Changed(&'a [PathBuf]),
}

/// Builds, serves if asked, and rebuilds on every change until the watcher
/// stops. Errors that stop it before it starts (the port is taken, the
/// folder cannot be watched) are returned.
pub fn run(mut options: ServeOptions, mut report: impl FnMut(Event)) -> Result<(), Vec<Diagnostic>> {
    let root = options.build.root.clone();
    let server = match &options.listen {
        Some((interface, port)) => {
            let server = tiny_http::Server::http((interface.as_str(), *port))
                .map_err(|e| vec![Diagnostic::error(format!("cannot listen on {interface}:{port}: {e}"))])?;
            let addr = server.server_addr().to_ip().expect("an IP listener");
            options.build.overrides.base_url = Some(format!("http://{addr}/"));
            report(Event::Listening(addr));
            Some(server)
        }
        None => None,
    };
    let mut watcher = watch::Watcher::new(&root)
        .map_err(|e| vec![Diagnostic::error(format!("cannot watch {}: {e}", root.display()))])?;
    let mut incremental = Incremental::new(if options.listen.is_some() { "serve" } else { "watch" });
    // Served, the pages a reader reloads come first; requests for the
    // files made after them wait (see `Shared::site_for`).
    incremental.defer_downloads(options.listen.is_some());
    let shared = Arc::new(Shared::new(default_output(&options.build)));
    rebuild(&mut incremental, &options.build, None, &shared, &mut report);
    if let Some(server) = server {
        let shared = shared.clone();
        let hosts = http::Hosts::for_address(server.server_addr().to_ip().expect("an IP listener"));
        std::thread::spawn(move || http::run(server, shared, hosts));
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    while let Some(changed) = watcher.next_batch() {
        report(Event::Changed(&changed));
        let relative: Vec<PathBuf> = changed
            .iter()
            .filter_map(|p| p.strip_prefix(&canonical_root).ok().map(PathBuf::from))
            .collect();
        rebuild(&mut incremental, &options.build, Some(&relative), &shared, &mut report);
    }
    Ok(())
}

fn rebuild(
    incremental: &mut Incremental,
    options: &BuildOptions,
    changed: Option<&[PathBuf]>,
    shared: &Shared,
    report: &mut impl FnMut(Event),
) {
    let started = Instant::now();
    // Work for later waits until the pages a reader reloads are written,
    // and then until they are asked for again (below): on a machine of
    // few cores, the browser's request would otherwise queue behind it.
    let urgent = crate::later::urgent();
    // The pages open in browsers, among those that show the change, are
    // written first.
    incremental.show_first(shared.open_pages());
    let prepared = incremental.prepare(options, changed);
    let mut timings = crate::Timings::new();
    let (published, reloaded) = shared.publish(prepared);
    timings.lap("write the changed files, the server shut out");
    let deferred = matches!(&published, Ok(rebuilt) if rebuilt.report.deferred);
    match published {
        Ok(rebuilt) => report(Event::Rebuilt {
            rebuilt: &rebuilt,
            took: started.elapsed(),
        }),
        Err(diagnostics) => report(Event::Failed(&diagnostics)),
    }
    if reloaded {
        shared.wait_for_reloaded_pages(RELOAD_WAIT);
        timings.lap("printed, and the reloaded pages asked for again");
    }
    drop(urgent);
    if deferred {
        let mut reloaded = reloaded;
        if let Some(pages) = incremental.prepare_pages(options) {
            let (published, now) = shared.publish_later(pages, reloaded, Later::Pages);
            reloaded |= now;
            timings.lap("the pages left for later");
            if let Err(diagnostics) = published {
                report(Event::Failed(&diagnostics));
            }
        }
        let downloads = incremental.prepare_downloads(options);
        if let (Err(diagnostics), _) = shared.publish_later(downloads, reloaded, Later::Downloads) {
            report(Event::Failed(&diagnostics));
        }
        timings.lap("search index, data, citations, feeds, sitemap and graph.json, after the pages");
    }
}

/// Where the output will be, before the first build says so.
fn default_output(options: &BuildOptions) -> PathBuf {
    if let Some(dir) = &options.overrides.output_dir {
        return options.root.join(dir);
    }
    match crate::config::Config::load(&options.root, &options.overrides) {
        Ok(config) => options.root.join(config.output_dir),
        Err(_) => options.root.join("public"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page left for later is due by each URL that serves it; a file
    /// beside the pages only while those are being made.
    #[test]
    fn a_page_left_for_later_is_due_by_its_urls() {
        let pages = [
            "documents/a/index.html",
            "index.html",
            "404.html",
            "topics/平安中国/index.html",
        ];
        let due = Due {
            downloads: false,
            pages: pages.iter().map(|p| p.to_string()).collect(),
        };
        let term = "topics/%E5%B9%B3%E5%AE%89%E4%B8%AD%E5%9B%BD/";
        for url in ["documents/a/", "documents/a", "", "404.html", term] {
            assert!(due.holds(url), "{url:?}");
        }
        for url in ["documents/b/", "documents/", "graph.json", "documents/a/index.json"] {
            assert!(!due.holds(url), "{url:?}");
        }
        let downloads = Due {
            downloads: true,
            ..Due::default()
        };
        assert!(downloads.holds("graph.json") && !downloads.holds("documents/a/"));
    }

    /// A request for a page left for later is answered once the page is
    /// written, not before.
    #[test]
    fn a_request_for_a_page_left_for_later_waits_for_it() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let shared = Arc::new(Shared::new(dir.path().to_path_buf()));
        let written = Arc::new(AtomicBool::new(false));
        (shared.due.lock().unwrap().pages).insert("documents/a/index.html".to_string());
        let request = {
            let (shared, written) = (shared.clone(), written.clone());
            std::thread::spawn(move || {
                let _site = shared.site_for("documents/a/", Duration::from_secs(60));
                written.load(Ordering::SeqCst)
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        {
            // As `publish_later` does.
            let _site = shared.site.write().unwrap();
            written.store(true, Ordering::SeqCst);
            shared.due.lock().unwrap().pages.clear();
        }
        shared.due_done.notify_all();
        assert!(request.join().unwrap(), "answered before the page was written");
    }

    /// The work a rebuild leaves for later waits until the pages told to
    /// reload are asked for again, one for each event stream open then:
    /// not at all with none open, and no longer once a request waits for
    /// something the rebuild is still making.
    #[test]
    fn work_for_later_waits_for_the_reloaded_pages_to_be_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Arc::new(Shared::new(dir.path().to_path_buf()));
        shared.reload();
        assert!(shared.wait_for_reloaded_pages(Duration::ZERO), "no stream open");

        let on_a_page = shared.open(Some("documents/a/index.html".to_string()));
        let other = shared.open(None);
        shared.reload();
        shared.page_served();
        assert!(
            !shared.wait_for_reloaded_pages(Duration::from_millis(20)),
            "one page of two asked for"
        );
        let waiting = {
            let shared = shared.clone();
            std::thread::spawn(move || shared.wait_for_reloaded_pages(Duration::from_secs(60)))
        };
        shared.page_served();
        assert!(waiting.join().unwrap());

        // A stream closed is not waited for at the next reload.
        drop(other);
        shared.reload();
        assert!(!shared.wait_for_reloaded_pages(Duration::ZERO));
        shared.page_served();
        assert!(shared.wait_for_reloaded_pages(Duration::ZERO));

        // A request for a page the rebuild is still making ends the wait,
        // which the making of it comes after.
        shared.reload();
        (shared.due.lock().unwrap().pages).insert("documents/b/index.html".to_string());
        let request = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let _site = shared.site_for("documents/b/", Duration::from_secs(60));
            })
        };
        assert!(shared.wait_for_reloaded_pages(Duration::from_secs(60)));
        {
            let _site = shared.site.write().unwrap();
            shared.due.lock().unwrap().pages.clear();
        }
        shared.due_done.notify_all();
        request.join().unwrap();
        drop(on_a_page);
        assert_eq!(shared.reloading.lock().unwrap().streams, 0);
    }

    /// A rebuild that changes no file reloads no page (an editor's second
    /// save of the same text, a late event of the last save); one that
    /// changes a file does, and so does every failed one, whose errors the
    /// pages show.
    #[test]
    fn only_a_rebuild_that_changes_something_reloads_the_pages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("config.toml"),
            "title = \"T\"\nbase_url = \"https://example.org\"\n",
        )
        .unwrap();
        std::fs::create_dir(root.join("content")).unwrap();
        let file = PathBuf::from("content/a.md");
        let doc = |text: &str| format!("+++\ntitle = \"A\"\ndate = 2020-01-01\n+++\n{text}\n");
        let save = |text: &str| std::fs::write(root.join(&file), text).unwrap();
        save(&doc("Text."));
        let options = BuildOptions {
            root: root.to_path_buf(),
            overrides: Default::default(),
            drafts: false,
            strict: false,
        };
        let mut incremental = Incremental::new("serve");
        let shared = Shared::new(default_output(&options));
        let (first, reloaded) = shared.publish(incremental.prepare(&options, None));
        assert!(first.is_ok() && reloaded);
        let mut rebuild = |text: &str| {
            save(text);
            let changed = [file.clone()];
            let (result, reloaded) = shared.publish(incremental.prepare(&options, Some(&changed)));
            (result.is_ok(), reloaded, shared.version())
        };
        assert_eq!(rebuild(&doc("Text.")), (true, false, 1), "the same text again");
        assert_eq!(rebuild(&doc("Other text.")), (true, true, 2));
        let broken = "+++\ntitle = \"A\"\n";
        assert_eq!(rebuild(broken), (false, true, 3));
        assert_eq!(rebuild(broken), (false, true, 4), "failed again");
        assert_eq!(rebuild(&doc("Other text.")), (true, true, 5), "mended");
        assert_eq!(rebuild(&doc("Other text.")), (true, false, 5));
    }
}
