//! Write: the rendered site goes into a fresh directory that replaces the old
//! output only once everything is written.
//!
//! [`Staging`] creates a sibling of the output directory (same file system,
//! so the final swap is two renames), receives every file, and on
//! [`Staging::commit`] moves the old output aside, moves the new one in and
//! deletes the old. If the build fails at any point before the commit, the
//! staging directory is removed when dropped and the previous site is left
//! exactly as it was.
//!
//! Every output folder holds a marker file, [`MARKER`]. annals replaces a
//! folder only if it is empty or holds the marker, so a mistyped `--output`
//! can never delete a folder of someone's files.

pub mod graph;
pub mod incremental;

use std::io;
use std::path::{Path, PathBuf};

/// Where the files of a built site go.
pub trait Sink: Sync {
    /// Receives one file of the site; `rel` is its path inside the site and
    /// `fingerprint` the page's, when the sink asked for fingerprints.
    /// Called from several threads at once.
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()>;

    /// Whether the pipeline should compute page fingerprints for this sink.
    fn wants_fingerprints(&self) -> bool {
        false
    }

    /// Whether the output already holds this page as rendered from inputs
    /// with this fingerprint; then the page is neither rendered nor put.
    fn reuse(&self, _rel: &str, _fingerprint: u64) -> bool {
        false
    }

    /// Whether the sink keeps the files of the last build that this build
    /// does not hand it; then a build may hand it only what changed.
    fn keeps_unlisted(&self) -> bool {
        false
    }

    /// Whether the sink already holds this page as rendered from inputs
    /// with this fingerprint, without recording anything.
    fn holds(&self, _rel: &str, _fingerprint: u64) -> bool {
        false
    }
}

/// A sink that keeps nothing, for `annals check`.
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _rel: &str, _bytes: &[u8], _fingerprint: Option<u64>) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Staging {
    fn put(&self, rel: &str, bytes: &[u8], _fingerprint: Option<u64>) -> io::Result<()> {
        self.write(rel, bytes)
    }
}

/// The file that marks a folder as annals' output, safe to replace.
pub const MARKER: &str = ".annals-output";

const MARKER_TEXT: &str = "This folder was written by annals; the next build replaces all of it.\n";

/// Whether annals may replace `target`: it does not exist, or is an empty
/// folder, or an output folder annals wrote (it holds the marker).
pub fn may_replace(target: &Path) -> io::Result<()> {
    let refuse = |why: &str| Err(io::Error::other(why.to_string()));
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(meta) if !meta.is_dir() => refuse("it exists and is not a folder"),
        Ok(_) if target.join(MARKER).is_file() => Ok(()),
        Ok(_) if std::fs::read_dir(target)?.next().is_none() => Ok(()),
        Ok(_) => refuse(&format!(
            "it is a folder annals did not write (it has files but no {MARKER})"
        )),
    }
}

/// A staging folder for `target`, as diagnostics when annals may not
/// replace `target` or cannot prepare it.
pub fn stage(target: &Path) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    use crate::diag::Diagnostic;
    if let Err(e) = may_replace(target) {
        return Err(vec![
            Diagnostic::error(format!("will not replace {}: {e}", target.display()))
                .hint("annals replaces only empty folders and folders it wrote itself (they hold .annals-output)"),
        ]);
    }
    Staging::create(target).map_err(|e| vec![Diagnostic::error(format!("cannot prepare {}: {e}", target.display()))])
}

pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares a staging directory next to `target`, if annals may
    /// replace `target` (see [`may_replace`]).
    pub fn create(target: &Path) -> io::Result<Staging> {
        may_replace(target)?;
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "output path has no folder name"))?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        let dir = parent.join(format!(".{name}.annals-new-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir(&dir)?;
        std::fs::write(dir.join(MARKER), MARKER_TEXT)?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Writes one file, `rel` being its path inside the site.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    }

    /// Replaces the output directory with the staged site.
    pub fn commit(mut self) -> io::Result<()> {
        let old = self.dir.with_file_name(format!(
            ".{}.annals-old-{}",
            self.target.file_name().expect("checked in create").to_string_lossy(),
            std::process::id()
        ));
        let had_old = match std::fs::rename(&self.target, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.html"), "old").unwrap();
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();

        let staging = Staging::create(&out).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        drop(staging);
        assert!(out.join("old.html").exists(), "an abandoned build leaves the old site");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging left behind"
        );

        let staging = Staging::create(&out).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!out.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        assert!(out.join(MARKER).is_file(), "the new output is marked too");
    }

    #[test]
    fn refuses_folders_annals_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let theirs = tmp.path().join("photos");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("cat.jpg"), "meow").unwrap();
        let err = Staging::create(&theirs).err().expect("refused");
        assert!(err.to_string().contains("did not write"), "{err}");
        assert!(theirs.join("cat.jpg").exists());
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(Staging::create(&file).is_err());
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        Staging::create(&empty).unwrap().commit().unwrap();
        assert!(empty.join(MARKER).is_file());
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            3,
            "no staging left behind"
        );
    }
}
