//! Write: the rendered site goes into a fresh folder that replaces the old
//! output in one step, only once everything is written.
//!
//! [`stage`] takes the output's [`Lock`] (two builds never write into one
//! output at once), removes what interrupted runs left beside the output,
//! and creates a staging folder there (same file system). Every file goes
//! into it; [`Staging::commit`] then puts it in the output's place with one
//! atomic exchange ([`swap`]), so that at every instant the output folder
//! holds one whole build, the old or the new. The old site, now in the
//! staging folder's place, is deleted after, or, for `annals build`, kept
//! as the spare that the next build takes up as its staging folder
//! ([`stage_reusing`], [`Staging::commit_keeping`]; see [`manifest`]). If the
//! build fails before the commit, the staging folder is removed when dropped
//! and the previous site is left exactly as it was.
//!
//! Every output folder holds a marker file, [`MARKER`]. annals replaces a
//! folder only if it is empty or holds the marker, so a mistyped `--output`
//! can never delete a folder of someone's files; for the same reason only
//! marked or empty folders are removed as leftovers.

pub mod citations;
pub mod data;
pub mod feeds;
pub mod graph;
pub mod incremental;
mod lock;
#[cfg(unix)]
pub mod manifest;
pub mod sitemap;
mod swap;

pub use lock::Lock;

/// The documents a stage writes files for: `only` those (the documents a
/// rebuild changed), or else every document.
pub fn documents_of(
    archive: &crate::analyse::Archive,
    only: Option<&[crate::analyse::DocId]>,
) -> Vec<crate::analyse::DocId> {
    match only {
        Some(changed) => changed.to_vec(),
        None => (0..archive.documents.len()).collect(),
    }
}

/// Where a writer of site files other than pages (the search index, the
/// feeds, the sitemap, the data, the citations) hands each: its path
/// inside the site and its bytes. Called from several threads.
pub type Put<'a> = dyn Fn(&str, &[u8]) -> Result<(), crate::diag::Diagnostic> + Sync + 'a;

/// Like [`Put`], for a file that is a function of inputs whose hash is
/// known before the file is made: its path, that hash, and what makes its
/// bytes, called only when the sink does not already hold the file as
/// made from the same inputs. A rebuild then makes again only the files
/// of the documents whose inputs changed.
pub type PutMade<'a> = dyn Fn(&str, u64, &dyn Fn() -> Vec<u8>) -> Result<(), crate::diag::Diagnostic> + Sync + 'a;

use std::io;
use std::path::{Path, PathBuf};

/// Hands a build's files to its sink: every writer of a build (the pages,
/// and the files beside them, whether made with the pages or after them in
/// the preview) goes through one, so that they hand files over alike.
pub(crate) struct Handing<'a, S: Sink + ?Sized> {
    pub sink: &'a S,
    /// The output folder, for errors.
    pub output: &'a Path,
}

impl<S: Sink + ?Sized> Handing<'_, S> {
    /// Hands over a file, with a page's fingerprint or a file's hash.
    pub fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> Result<(), crate::diag::Diagnostic> {
        self.sink.put(rel, bytes, fingerprint).map_err(|e| {
            crate::diag::Diagnostic::error(format!("cannot write {rel} into {}: {e}", self.output.display()))
        })
    }

    /// A [`Put`]: a file with the bytes the sink already holds is not
    /// handed over again.
    pub fn put_kept(&self, rel: &str, bytes: &[u8]) -> Result<(), crate::diag::Diagnostic> {
        let fingerprint = self.sink.wants_fingerprints().then(|| crate::hash::of(bytes));
        if fingerprint.is_some_and(|f| self.sink.reuse(rel, f)) {
            return Ok(());
        }
        self.put(rel, bytes, fingerprint)
    }

    /// A [`PutMade`]: a file the sink holds as made from the same inputs
    /// is not made again.
    pub fn put_made(&self, rel: &str, inputs: u64, make: &dyn Fn() -> Vec<u8>) -> Result<(), crate::diag::Diagnostic> {
        if !self.sink.wants_fingerprints() {
            return self.put(rel, &make(), None);
        }
        if self.sink.reuse(rel, inputs) {
            return Ok(());
        }
        self.put(rel, &make(), Some(inputs))
    }
}

/// Where the files of a built site go.
pub trait Sink: Sync {
    /// Receives one file of the site; `rel` is its path inside the site and
    /// `fingerprint` the page's, when the sink asked for fingerprints.
    /// Called from several threads at once.
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()>;

    /// Receives one file of the site as `write` writes it: a sink that
    /// writes files passes them on without holding them whole (graph.json
    /// is some 85 MB at 100,000 documents). By default, the bytes are
    /// gathered and [`Sink::put`].
    fn put_streamed(&self, rel: &str, write: &dyn Fn(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.put(rel, &bytes, None)
    }

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

    /// Keeps the file the sink holds at `rel` as it is, for a later step to
    /// replace (see [`crate::Caches::defer_downloads`]).
    fn keep(&self, _rel: &str) {}
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

    fn put_streamed(&self, rel: &str, write: &dyn Fn(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()> {
        self.write_streamed(rel, write).map(|_| ())
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
/// replace `target` or cannot prepare it. Takes the output's lock for
/// `holder` (what this process is, in a message to another one that finds
/// the lock taken).
pub fn stage(target: &Path, holder: &str) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    // Refuse a folder that is not annals' before leaving a lock file beside it.
    refuse_unless_replaceable(target)?;
    let lock = Lock::acquire(target, holder).map_err(|d| vec![d])?;
    stage_locked(target, lock)
}

fn refuse_unless_replaceable(target: &Path) -> Result<(), Vec<crate::diag::Diagnostic>> {
    may_replace(target).map_err(|e| {
        vec![
            crate::diag::Diagnostic::error(format!("will not replace {}: {e}", target.display()))
                .hint("annals replaces only empty folders and folders it wrote itself (they hold .annals-output)"),
        ]
    })
}

/// [`stage`], taking up the site the last build replaced as the staging
/// folder when there is one (see [`Staging::create`]).
#[cfg(unix)]
pub fn stage_reusing(target: &Path, holder: &str) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    refuse_unless_replaceable(target)?;
    let lock = Lock::acquire(target, holder).map_err(|d| vec![d])?;
    staged(target, lock, true)
}

/// [`stage_reusing`] for a process that holds the output's lock already.
#[cfg(unix)]
pub fn stage_reusing_locked(target: &Path, lock: Lock) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    refuse_unless_replaceable(target)?;
    staged(target, lock, true)
}

/// [`stage`] for a process that holds the output's lock already.
pub fn stage_locked(target: &Path, lock: Lock) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    refuse_unless_replaceable(target)?;
    staged(target, lock, false)
}

/// [`Staging::create`], its failure as diagnostics.
fn staged(target: &Path, lock: Lock, reuse: bool) -> Result<Staging, Vec<crate::diag::Diagnostic>> {
    Staging::create(target, lock, reuse).map_err(|e| {
        vec![crate::diag::Diagnostic::error(format!(
            "cannot prepare {}: {e}",
            target.display()
        ))]
    })
}

pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    lock: Option<Lock>,
    committed: bool,
    /// Folders made so far, as paths inside the site: a file whose folder
    /// is here is written without asking the file system to make it again
    /// (two system calls a file, a fifth of the cost of writing the search
    /// index's records).
    made: std::sync::Mutex<crate::hash::Set<String>>,
    /// The staging folder, open: files are created relative to it, so the
    /// kernel looks up only the components inside the site, not the whole
    /// path to it again for each of tens of thousands of files (a third of
    /// the cost of creating a small file on tmpfs, measured).
    #[cfg(unix)]
    handle: std::os::fd::OwnedFd,
    /// Whether the staging folder is the site the last build replaced,
    /// taken up again (see [`stage_reusing`]): its files may be links
    /// shared with the site in the output, so none is written through;
    /// each is replaced by a new one.
    reused: bool,
}

/// What a commit did, once the new site is in place.
pub struct Committed {
    /// The output's lock, for a process that goes on writing into it.
    pub lock: Lock,
    /// Why the old site could not be removed, if it could not: the new site
    /// is in place all the same.
    pub leftover: Option<String>,
}

/// A name beside the output for annals' own use: `.public.annals-<what>`
/// for an output named `public`.
fn beside(target: &Path, what: &str) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "output path has no folder name"))?
        .to_string_lossy()
        .into_owned();
    Ok(parent_of(target).join(format!(".{name}.annals-{what}")))
}

/// This process's folder of a kind (`new`, `old`) beside the output.
fn sibling(target: &Path, kind: &str) -> io::Result<PathBuf> {
    beside(target, &format!("{kind}-{}", std::process::id()))
}

fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Staging {
    /// Prepares a staging folder next to `target`, if annals may replace
    /// `target` (see [`may_replace`]), after putting back or removing what
    /// interrupted runs left. The caller holds the output's lock. With
    /// `reuse`, the site the last build replaced (`.public.annals-spare`)
    /// is taken up as the staging folder when there is one: its folders,
    /// and the files the build finds unchanged in it, stay.
    fn create(target: &Path, lock: Lock, reuse: bool) -> io::Result<Staging> {
        may_replace(target)?;
        std::fs::create_dir_all(parent_of(target))?;
        swap::recover(target)?;
        let dir = sibling(target, "new")?;
        let spare = beside(target, "spare")?;
        let reused = reuse
            && cfg!(unix)
            && std::fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir())
            && spare.join(MARKER).is_file();
        if reused {
            std::fs::rename(&spare, &dir)?;
        } else {
            std::fs::create_dir(&dir)?;
        }
        #[cfg(unix)]
        let handle = std::fs::File::open(&dir)?.into();
        let staging = Staging {
            target: target.to_path_buf(),
            dir,
            lock: Some(lock),
            committed: false,
            made: Default::default(),
            #[cfg(unix)]
            handle,
            reused,
        };
        // A reused folder's marker is written anew by `finish`.
        if !reused {
            std::fs::write(staging.dir.join(MARKER), MARKER_TEXT)?;
        }
        Ok(staging)
    }

    /// Whether this staging folder is the last build's replaced site.
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Makes way for a new file at `rel` in a reused staging folder: the
    /// file there (or a folder, if the site changed shape) is deleted.
    #[cfg(unix)]
    fn clear(&self, rel: &str) -> io::Result<()> {
        if !self.reused {
            return Ok(());
        }
        match rustix::fs::unlinkat(&self.handle, rel, rustix::fs::AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(rustix::io::Errno::ISDIR | rustix::io::Errno::PERM) => remove_tree(&self.dir.join(rel)),
            Err(e) => Err(e.into()),
        }
    }

    /// In a reused staging folder, deletes every file that `keep` does not
    /// name (files of the old site the new one does not have) and the
    /// folders left empty, and writes a new marker.
    #[cfg(unix)]
    pub fn finish(&self, keep: impl Fn(&str) -> bool) -> io::Result<()> {
        if !self.reused {
            return Ok(());
        }
        for entry in walkdir::WalkDir::new(&self.dir).min_depth(1).contents_first(true) {
            let entry = entry.map_err(io::Error::other)?;
            let Some(rel) = entry.path().strip_prefix(&self.dir).ok().and_then(Path::to_str) else {
                continue;
            };
            if entry.file_type().is_dir() {
                match rustix::fs::unlinkat(&self.handle, rel, rustix::fs::AtFlags::REMOVEDIR) {
                    Ok(()) | Err(rustix::io::Errno::NOTEMPTY | rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
            } else if rel != MARKER && !keep(rel) {
                rustix::fs::unlinkat(&self.handle, rel, rustix::fs::AtFlags::empty())?;
            }
        }
        self.clear(MARKER)?;
        std::fs::write(self.dir.join(MARKER), MARKER_TEXT)
    }

    /// Writes one file, `rel` being its path inside the site.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        swap::fail_point("write")?;
        self.make_folder_of(rel)?;
        self.create_file(rel, bytes)
    }

    #[cfg(unix)]
    fn create_file(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        self.open_new(rel)?.write_all(bytes)
    }

    /// Creates the file at `rel`, empty.
    #[cfg(unix)]
    fn open_new(&self, rel: &str) -> io::Result<std::fs::File> {
        use rustix::fs::{Mode, OFlags};
        self.clear(rel)?;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.handle, rel, flags, Mode::from_raw_mode(0o666))?;
        Ok(std::fs::File::from(fd))
    }

    #[cfg(not(unix))]
    fn open_new(&self, rel: &str) -> io::Result<std::fs::File> {
        std::fs::File::create(self.dir.join(rel))
    }

    /// Writes one file as `write` writes it, through a buffer, and returns
    /// its hash ([`crate::hash::bytes`]) and length.
    pub fn write_streamed(
        &self,
        rel: &str,
        write: &dyn Fn(&mut dyn io::Write) -> io::Result<()>,
    ) -> io::Result<(u64, usize)> {
        use std::io::Write;
        swap::fail_point("write")?;
        self.make_folder_of(rel)?;
        let mut out = crate::hash::Stream::new(io::BufWriter::with_capacity(256 << 10, self.open_new(rel)?));
        write(&mut out)?;
        out.flush()?;
        let (hash, len, _) = out.finish();
        Ok((hash, len))
    }

    /// Links the file at `rel` in the folder `from` (the old site) into the
    /// staging folder at the same path.
    #[cfg(unix)]
    fn link_from(&self, from: &std::os::fd::OwnedFd, rel: &str) -> io::Result<()> {
        swap::fail_point("write")?;
        self.make_folder_of(rel)?;
        self.clear(rel)?;
        rustix::fs::linkat(from, rel, &self.handle, rel, rustix::fs::AtFlags::empty())?;
        Ok(())
    }

    #[cfg(not(unix))]
    fn create_file(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.dir.join(rel), bytes)
    }

    /// Makes the folder that the file at `rel` goes in, unless this staging
    /// made it already.
    fn make_folder_of(&self, rel: &str) -> io::Result<()> {
        if let Some((folder, _)) = rel.rsplit_once('/') {
            let made = |made: &crate::hash::Set<String>| made.contains(folder);
            if !made(&self.made.lock().unwrap_or_else(|e| e.into_inner())) {
                self.make_folder(folder)?;
                self.made
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(folder.to_string());
            }
        }
        Ok(())
    }

    /// Makes the folder `rel` inside the site, and those it is in.
    #[cfg(unix)]
    fn make_folder(&self, rel: &str) -> io::Result<()> {
        match rustix::fs::mkdirat(&self.handle, rel, rustix::fs::Mode::from_raw_mode(0o777)) {
            Ok(()) => Ok(()),
            // In a reused staging folder, a file of the old site may stand
            // where the new one has a folder.
            Err(rustix::io::Errno::EXIST) if self.reused => {
                let stat = rustix::fs::statat(&self.handle, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
                if rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Directory {
                    return Ok(());
                }
                rustix::fs::unlinkat(&self.handle, rel, rustix::fs::AtFlags::empty())?;
                self.make_folder(rel)
            }
            Err(rustix::io::Errno::EXIST) => Ok(()),
            Err(rustix::io::Errno::NOENT) => {
                let Some((parent, _)) = rel.rsplit_once('/') else {
                    return Err(rustix::io::Errno::NOENT.into());
                };
                self.make_folder(parent)?;
                match rustix::fs::mkdirat(&self.handle, rel, rustix::fs::Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    #[cfg(not(unix))]
    fn make_folder(&self, rel: &str) -> io::Result<()> {
        std::fs::create_dir_all(self.dir.join(rel))
    }

    /// Puts the staged site in the output's place. An error means the
    /// output is as it was; once the new site is in place, a failure to
    /// delete the old one is reported in [`Committed::leftover`].
    pub fn commit(self) -> io::Result<Committed> {
        self.commit_keeping(None)
    }

    /// [`Staging::commit`], keeping the old site at `spare` (beside the
    /// output) for the next build to take up instead of deleting it; if it
    /// cannot be moved there, it is deleted.
    pub fn commit_keeping(mut self, spare: Option<&Path>) -> io::Result<Committed> {
        let old = swap::replace(&self.dir, &self.target)?;
        self.committed = true;
        let old = old.and_then(|old| match spare {
            // The debug build's fail point for the deletion stops this too,
            // so that tests reach the deletion's failure.
            Some(spare) if swap::fail_point("delete-old").is_ok() && std::fs::rename(&old, spare).is_ok() => None,
            _ => Some(old),
        });
        let leftover = old.and_then(|old| {
            swap::fail_point("delete-old")
                .and_then(|()| remove_tree(&old))
                .err()
                .map(|e| {
                    format!(
                        "the previous site, moved to {}, could not be deleted: {e}",
                        old.display()
                    )
                })
        });
        Ok(Committed {
            lock: self.lock.take().expect("held until the commit"),
            leftover,
        })
    }
}

/// Deletes a folder and everything in it, on every core: a site of tens of
/// thousands of files takes the file system most of a second to delete on
/// one. Symbolic links are deleted, never followed. Each folder is opened
/// once and its entries deleted relative to it, their kinds taken from the
/// listing: half the system calls of the `remove_dir_all` crate, which
/// looks at each entry on its own first (measured on a site of 51,000
/// files).
#[cfg(unix)]
pub fn remove_tree(path: &Path) -> io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let folder = rustix::fs::open(path, flags, Mode::empty())?;
    empty_folder(&folder)?;
    drop(folder);
    std::fs::remove_dir(path)
}

/// Deletes everything in the open folder `folder`.
#[cfg(unix)]
fn empty_folder(folder: &std::os::fd::OwnedFd) -> io::Result<()> {
    use rayon::prelude::*;
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    // The names, each ending in its NUL, one after another: one buffer
    // for a folder rather than a string for each entry.
    let mut names: Vec<u8> = Vec::new();
    let mut files: Vec<std::ops::Range<usize>> = Vec::new();
    let mut folders: Vec<std::ops::Range<usize>> = Vec::new();
    for entry in rustix::fs::Dir::read_from(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => {
                FileType::from_raw_mode(rustix::fs::statat(folder, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode)
            }
            kind => kind,
        };
        let start = names.len();
        names.extend_from_slice(name.to_bytes_with_nul());
        match kind {
            FileType::Directory => folders.push(start..names.len()),
            _ => files.push(start..names.len()),
        }
    }
    let name = |range: &std::ops::Range<usize>| {
        std::ffi::CStr::from_bytes_with_nul(&names[range.clone()])
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
    };
    let unlink = |range: &std::ops::Range<usize>| -> io::Result<()> {
        Ok(rustix::fs::unlinkat(folder, name(range)?, AtFlags::empty())?)
    };
    if files.len() > 64 {
        files.par_iter().try_for_each(unlink)?;
    } else {
        files.iter().try_for_each(unlink)?;
    }
    folders.par_iter().try_for_each(|range| -> io::Result<()> {
        let name = name(range)?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let inner = rustix::fs::openat(folder, name, flags, Mode::empty())?;
        empty_folder(&inner)?;
        drop(inner);
        rustix::fs::unlinkat(folder, name, AtFlags::REMOVEDIR)?;
        Ok(())
    })
}

#[cfg(not(unix))]
pub fn remove_tree(path: &Path) -> io::Result<()> {
    std::fs::remove_dir_all(path)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_tree(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_and_drop_discards() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.html"), "old").unwrap();
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();

        let staging = stage(&out, "test").unwrap();
        staging.write("a/index.html", b"new").unwrap();
        drop(staging);
        assert!(out.join("old.html").exists(), "an abandoned build leaves the old site");
        assert_eq!(
            names(tmp.path()),
            [".public.annals-lock", "public"],
            "no staging left behind"
        );

        let staging = stage(&out, "test").unwrap();
        staging.write("a/index.html", b"new").unwrap();
        let committed = staging.commit().unwrap();
        assert!(committed.leftover.is_none());
        assert!(!out.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        drop(committed);
        assert_eq!(
            names(tmp.path()),
            [".public.annals-lock", "public"],
            "the lock file and the output, nothing else"
        );
        assert!(out.join(MARKER).is_file(), "the new output is marked too");
    }

    #[test]
    fn refuses_folders_annals_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let theirs = tmp.path().join("photos");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("cat.jpg"), "meow").unwrap();
        let err = stage(&theirs, "test").err().expect("refused");
        assert!(err[0].to_string().contains("did not write"), "{}", err[0]);
        assert!(theirs.join("cat.jpg").exists());
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(stage(&file, "test").is_err());
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        stage(&empty, "test").unwrap().commit().unwrap();
        assert!(empty.join(MARKER).is_file());
        assert_eq!(
            names(tmp.path()),
            [".empty.annals-lock", "empty", "notes.txt", "photos"],
            "no staging left behind"
        );
    }
}
