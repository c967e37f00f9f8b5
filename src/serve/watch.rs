//! Watching the archive's files and turning bursts of changes into one
//! rebuild.
//!
//! notify reports every file event; an editor's save is often several
//! (write a temporary file, rename it over the old one), and a `git
//! checkout` is hundreds. [`Watcher::next_batch`] waits for the first
//! relevant event, then keeps collecting until the files have been quiet for
//! [`QUIET`], so a burst becomes one rebuild. Only the inputs are watched:
//! the output folder never triggers a rebuild, nor do editors' temporary
//! files (lock, backup and swap files).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

/// How long the files must be quiet before a rebuild starts.
pub const QUIET: Duration = Duration::from_millis(15);
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
        while changed.is_empty() {
            let event = self.events.recv().ok()?;
            self.collect(event, &mut changed);
        }
        let started = Instant::now();
        loop {
            let left = MAX_DELAY.saturating_sub(started.elapsed());
            match self.events.recv_timeout(QUIET.min(left)) {
                Ok(event) if !left.is_zero() => self.collect(event, &mut changed),
                Ok(event) => {
                    self.collect(event, &mut changed);
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

    fn collect(&self, event: notify::Result<notify::Event>, changed: &mut Vec<PathBuf>) {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        changed.extend(event.paths.into_iter().filter(|p| is_input(&self.root, p)));
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
