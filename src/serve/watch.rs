//! Watching the archive's files and turning bursts of changes into one
//! rebuild.
//!
//! notify reports every file event; an editor's save is often several
//! (write a temporary file, rename it over the old one), and a `git
//! checkout` is hundreds. [`Watcher::next_batch`] waits for the first
//! relevant event, then keeps collecting until the files have been quiet for
//! a while, so a burst becomes one rebuild: for only [`SETTLE`] after a
//! save of one file has ended (the file closed, removed or renamed into
//! place), and for [`QUIET`] while a file is being written or once a
//! second file changes (a checkout, a script, an editor that writes
//! beside the file), so that the rest of a burst of many files is waited
//! for.
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
/// How long the files must be quiet before a rebuild starts once the
/// only file changed has been closed (or removed, or renamed into place):
/// long enough for a second file of a burst to come, which then makes the
/// burst wait for [`QUIET`].
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

/// The input files of a burst, and those being written: a file is
/// written from its creation or first change until it is closed, removed
/// or renamed away.
#[derive(Default)]
struct Burst {
    seen: std::collections::HashSet<PathBuf>,
    writing: std::collections::HashSet<PathBuf>,
}

impl Burst {
    fn saw(&mut self, kind: &notify::EventKind, paths: &[PathBuf]) {
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
        for path in paths {
            match kind {
                Access(AccessKind::Close(AccessMode::Write)) => {
                    self.writing.remove(path);
                }
                // Reading changes nothing: the builds read the inputs too.
                Access(_) => {}
                Create(CreateKind::File | CreateKind::Any) | Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
                    self.seen.insert(path.clone());
                    self.writing.insert(path.clone());
                }
                Remove(_) | Modify(ModifyKind::Name(RenameMode::From)) => {
                    self.seen.insert(path.clone());
                    self.writing.remove(path);
                }
                _ => {
                    self.seen.insert(path.clone());
                }
            }
        }
    }

    /// How long to wait for the burst's next event.
    fn quiet(&self) -> Duration {
        if self.writing.is_empty() && self.seen.len() <= 1 {
            SETTLE
        } else {
            QUIET
        }
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

    /// A save of one file settles soon once the file is closed, removed
    /// or renamed into place; while it is open, or once a second file
    /// changes, the burst waits longer.
    #[test]
    fn a_burst_settles_soon_only_after_one_file_saved() {
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{
            AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind, RenameMode,
        };
        let (a, b) = (PathBuf::from("/a/content/a.md"), PathBuf::from("/a/seeds/a.txt"));
        let written = Modify(ModifyKind::Data(DataChange::Any));
        let closed = Access(AccessKind::Close(AccessMode::Write));
        let quiet_after = |events: &[(notify::EventKind, &PathBuf)]| {
            let mut burst = Burst::default();
            for (kind, path) in events {
                burst.saw(kind, &[(*path).clone()]);
            }
            burst.quiet()
        };
        assert_eq!(quiet_after(&[(written, &a)]), QUIET, "being written");
        assert_eq!(
            quiet_after(&[(written, &a), (closed, &a)]),
            SETTLE,
            "written and closed"
        );
        let touched = Modify(ModifyKind::Metadata(MetadataKind::Any));
        assert_eq!(
            quiet_after(&[(Create(CreateKind::File), &a), (closed, &a), (touched, &a)]),
            SETTLE
        );
        assert_eq!(quiet_after(&[(closed, &a), (written, &a)]), QUIET, "written again");
        assert_eq!(quiet_after(&[(Remove(RemoveKind::File), &a)]), SETTLE, "removed");
        let renamed = |mode| Modify(ModifyKind::Name(mode));
        assert_eq!(
            quiet_after(&[(renamed(RenameMode::To), &a)]),
            SETTLE,
            "renamed into place"
        );
        assert_eq!(
            quiet_after(&[(written, &a), (renamed(RenameMode::From), &a)]),
            SETTLE,
            "renamed away"
        );
        assert_eq!(
            quiet_after(&[(written, &a), (closed, &a), (written, &b), (closed, &b)]),
            QUIET,
            "a second file: a burst"
        );
        assert_eq!(
            quiet_after(&[(renamed(RenameMode::To), &a), (renamed(RenameMode::To), &b)]),
            QUIET
        );
        // A build reads files (and folders) while the next save comes.
        let read = Access(AccessKind::Open(AccessMode::Any));
        let folder = PathBuf::from("/a/content");
        assert_eq!(
            quiet_after(&[(read, &b), (read, &folder), (written, &a), (closed, &a)]),
            SETTLE
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
