//! Watching the archive's files and turning bursts of changes into one
//! rebuild.
//!
//! notify reports every file event; an editor's save is often several
//! (write a temporary file, rename it over the old one), and a `git
//! checkout` is hundreds. [`Watcher::next_batch`] waits for the first
//! relevant event, then keeps collecting until the files have been quiet for
//! a while, so a burst becomes one rebuild: for [`QUIET`] while a file is
//! being written, and for only [`SETTLE`] once every file written has been
//! closed (or removed, or renamed into place), which is how a save ends.
//! Only the inputs are watched: the output folder never triggers a
//! rebuild, nor do editors' temporary files (lock, backup and swap files).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

/// How long the files must be quiet before a rebuild starts while a file
/// written to has not been closed (or where the platform does not say when
/// a file is closed).
pub const QUIET: Duration = Duration::from_millis(15);
/// How long the files must be quiet before a rebuild starts once every
/// file written to has been closed: long enough for the next file of a
/// burst (a checkout, an editor's rename of its temporary file) to come.
pub const SETTLE: Duration = Duration::from_millis(4);
/// The longest a burst may delay a rebuild.
const MAX_DELAY: Duration = Duration::from_millis(500);

/// The folders and files of an archive that feed a build.
pub const WATCHED: &[&str] = &["config.toml", "content", "seeds", "templates", "themes", "static"];

pub struct Watcher {
    _inner: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
}

impl Watcher {
    /// Watches the inputs of the archive at `root`. Folders that do not
    /// exist yet are picked up when they appear at the top of the root.
    pub fn new(root: &Path) -> notify::Result<Watcher> {
        // Events name absolute paths; compare them with an absolute root.
        let root = &root.canonicalize()?;
        let (tx, events) = channel();
        let mut inner = notify::recommended_watcher(tx)?;
        inner.watch(root, RecursiveMode::NonRecursive)?;
        for name in WATCHED {
            let path = root.join(name);
            if path.is_dir() {
                inner.watch(&path, RecursiveMode::Recursive)?;
            }
        }
        Ok(Watcher {
            _inner: inner,
            events,
            root: root.to_path_buf(),
        })
    }

    /// Blocks until some input changed, then until the burst is over;
    /// returns the paths that changed. `None` when the watcher stopped.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let mut changed = Vec::new();
        let mut burst = Burst::default();
        while changed.is_empty() {
            let event = self.events.recv().ok()?;
            self.collect(event, &mut changed, &mut burst);
        }
        let started = Instant::now();
        loop {
            let left = MAX_DELAY.saturating_sub(started.elapsed());
            match self.events.recv_timeout(burst.quiet().min(left)) {
                Ok(event) if !left.is_zero() => self.collect(event, &mut changed, &mut burst),
                Ok(event) => {
                    self.collect(event, &mut changed, &mut burst);
                    break;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        changed.sort();
        changed.dedup();
        self.watch_new_folders(&changed);
        Some(changed)
    }

    fn collect(&self, event: notify::Result<notify::Event>, changed: &mut Vec<PathBuf>, burst: &mut Burst) {
        let Ok(event) = event else { return };
        let inputs = event.paths.into_iter().filter(|p| is_input(&self.root, p));
        let inputs: Vec<PathBuf> = inputs.collect();
        burst.saw(&event.kind, &inputs);
        if !matches!(event.kind, notify::EventKind::Access(_)) {
            changed.extend(inputs);
        }
    }

    /// A watched folder created after start (say `templates/`) is watched
    /// from now on.
    fn watch_new_folders(&mut self, changed: &[PathBuf]) {
        for path in changed {
            let top = path.strip_prefix(&self.root).ok().and_then(|r| r.components().next());
            if path.is_dir() && path.parent() == Some(self.root.as_path()) && top.is_some() {
                let _ = self._inner.watch(path, RecursiveMode::Recursive);
            }
        }
    }
}

/// The input files of a burst being written: a file is written from its
/// creation or first change until it is closed, removed or renamed away.
#[derive(Default)]
struct Burst {
    writing: std::collections::HashSet<PathBuf>,
}

impl Burst {
    fn saw(&mut self, kind: &notify::EventKind, paths: &[PathBuf]) {
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
        for path in paths {
            match kind {
                Create(CreateKind::File | CreateKind::Any) | Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
                    self.writing.insert(path.clone());
                }
                Access(AccessKind::Close(AccessMode::Write))
                | Remove(_)
                | Modify(ModifyKind::Name(RenameMode::From)) => {
                    self.writing.remove(path);
                }
                _ => {}
            }
        }
    }

    /// How long to wait for the burst's next event.
    fn quiet(&self) -> Duration {
        if self.writing.is_empty() { SETTLE } else { QUIET }
    }
}

/// Whether a changed path is one of the archive's inputs: editors'
/// temporary files, which come and go as a maintainer types, are not.
fn is_input(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let first = rel.components().next().and_then(|c| c.as_os_str().to_str());
    first.is_some_and(|f| WATCHED.contains(&f)) && !path.file_name().is_some_and(crate::files::is_editor_temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst settles soon once every file written to is closed; while
    /// one is still open, it waits longer.
    #[test]
    fn a_burst_waits_for_the_files_written_to_be_closed() {
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{
            AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind, RenameMode,
        };
        let (a, b) = (PathBuf::from("/a/content/a.md"), PathBuf::from("/a/seeds/a.txt"));
        let mut burst = Burst::default();
        let mut saw = |kind, paths: &[&PathBuf]| {
            let paths: Vec<PathBuf> = paths.iter().map(|p| (*p).clone()).collect();
            burst.saw(&kind, &paths);
            burst.quiet()
        };
        let written = Modify(ModifyKind::Data(DataChange::Any));
        let closed = Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(saw(written, &[&a]), QUIET, "being written");
        assert_eq!(saw(Create(CreateKind::File), &[&b]), QUIET);
        assert_eq!(saw(closed, &[&a]), QUIET, "the other file is still open");
        assert_eq!(saw(Modify(ModifyKind::Metadata(MetadataKind::Any)), &[&a]), QUIET);
        assert_eq!(saw(closed, &[&b]), SETTLE, "both closed");
        assert_eq!(saw(written, &[&b]), QUIET, "written again");
        assert_eq!(saw(Remove(RemoveKind::File), &[&b]), SETTLE, "removed");
        assert_eq!(
            saw(Modify(ModifyKind::Name(RenameMode::To)), &[&a]),
            SETTLE,
            "renamed into place"
        );
        assert_eq!(saw(written, &[&a]), QUIET);
        assert_eq!(
            saw(Modify(ModifyKind::Name(RenameMode::From)), &[&a]),
            SETTLE,
            "renamed away"
        );
        assert!(SETTLE < QUIET);
    }

    #[test]
    fn only_inputs_trigger_rebuilds() {
        let root = Path::new("/a");
        assert!(is_input(root, Path::new("/a/content/x.md")));
        assert!(is_input(root, Path::new("/a/config.toml")));
        assert!(!is_input(root, Path::new("/a/public/index.html")));
        assert!(!is_input(root, Path::new("/a/.git/index")));
        assert!(!is_input(root, Path::new("/b/content/x.md")));
        for temporary in [".#x.md", "x.md~", ".x.md.swp", "4913"] {
            assert!(!is_input(root, &Path::new("/a/content").join(temporary)), "{temporary}");
        }
    }
}
