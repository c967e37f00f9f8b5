//! The archive's files: the one place that decides what annals may read.
//!
//! Every input annals reads (config, content files, seeds, entities, theme
//! templates and static files) is read through this module, so one rule
//! holds for all of them:
//!
//! - a path may pass through symbolic links only while they lead to places
//!   inside the archive; a link that leads outside is an error, and so is a
//!   broken link ([`confine`]);
//! - only regular files are read: a named pipe, a device or a socket is an
//!   error, found without opening it for reading in a way that could block
//!   ([`read_regular`]);
//! - the files editors leave beside the ones being edited (Emacs lock and
//!   backup files, Vim swap files) are never read as part of the archive
//!   ([`is_editor_temporary`]).
//!
//! The output folder is checked with the same [`confine`]: `output_dir` in
//! config.toml cannot reach outside the archive through a linked folder.
//! What is done with the bytes is the callers' business; nothing here knows
//! about documents or themes.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::diag::{Diagnostic, Location};

/// Whether a file name is one that editors write beside the file being
/// edited: Emacs lock files (`.#name`, often a dangling link) and backups
/// (`name~`, `#name#`), Vim swap files (`.name.swp`, `.swo`, `.swx`...) and
/// Vim's write test (`4913`). annals ignores them everywhere, as a watcher
/// must, since they appear and vanish while a maintainer types.
pub fn is_editor_temporary(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    if name.starts_with(".#") || name.ends_with('~') || name == "4913" {
        return true;
    }
    if name.len() > 2 && name.starts_with('#') && name.ends_with('#') {
        return true;
    }
    // Vim: `.name.swp`, then `.swo`, `.swn`... down to `.swa`, and `.swx`.
    if let Some(rest) = name.strip_prefix('.') {
        if let Some((_, ext)) = rest.rsplit_once('.') {
            let ext = ext.as_bytes();
            return ext.len() == 3 && ext[0] == b's' && ext[1] == b'w' && ext[2].is_ascii_lowercase();
        }
    }
    false
}

/// Why a path may not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escape {
    /// A symbolic link on the way leads outside the archive.
    Outside,
    /// A symbolic link on the way leads nowhere.
    Broken,
}

/// Checks that `rel`, relative to the archive `root`, stays inside the
/// archive once every symbolic link on the way is followed. Parts of the
/// path that do not exist yet are fine (an output folder before its first
/// build); a link that leads nowhere is not.
///
/// Usually no part of the path is a link, and this costs one `lstat` per
/// part; the root is resolved only when a link is found.
pub fn escape(root: &Path, rel: &Path) -> Option<Escape> {
    let mut path = root.to_path_buf();
    let mut canonical_root: Option<PathBuf> = None;
    for part in rel.components() {
        match part {
            Component::Normal(_) => path.push(part),
            Component::CurDir => continue,
            // Callers pass paths inside the archive; anything else escapes.
            _ => return Some(Escape::Outside),
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            // Nothing further exists: nothing further can lead away.
            return None;
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        let Ok(target) = path.canonicalize() else {
            return Some(Escape::Broken);
        };
        let root = match &canonical_root {
            Some(r) => r,
            None => match root.canonicalize() {
                Ok(r) => canonical_root.insert(r),
                Err(_) => return Some(Escape::Outside),
            },
        };
        if !target.starts_with(root) {
            return Some(Escape::Outside);
        }
    }
    None
}

/// [`escape`] as a diagnostic naming `rel`, or `Ok` when the path stays
/// inside the archive.
pub fn confine(root: &Path, rel: &Path) -> Result<(), Diagnostic> {
    match escape(root, rel) {
        None => Ok(()),
        Some(Escape::Outside) => Err(Diagnostic::error(format!(
            "{} leads, through a symbolic link, outside the archive",
            rel.display()
        ))
        .at(Location::file_only(rel))
        .hint("annals reads only files inside the archive: copy the file or folder into it instead of linking to it")),
        Some(Escape::Broken) => Err(Diagnostic::error(format!(
            "{} is a broken symbolic link: what it points to does not exist",
            rel.display()
        ))
        .at(Location::file_only(rel))
        .hint("remove the link, or restore the file it points to")),
    }
}

/// What a file that is not a regular file is, in words.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        return "a folder";
    }
    "not a regular file"
}

/// The error for a path that is not a regular file.
fn not_regular(file_type: std::fs::FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", kind_of(file_type)),
    )
}

/// Whether a file type may be read as a file of the archive.
pub fn check_regular(file_type: std::fs::FileType) -> io::Result<()> {
    if file_type.is_file() {
        Ok(())
    } else {
        Err(not_regular(file_type))
    }
}

/// Reads a whole regular file, with its metadata as of opening it.
///
/// A named pipe would block a plain `read` until something writes to it,
/// and a device may never end: both are refused. The file is opened
/// without blocking (so even a pipe put there cannot hang the build) and
/// without becoming the build's terminal, and its type is checked on the
/// opened file, before anything is read: the path may change at any
/// instant, the open file cannot.
///
/// Two system calls besides the reads: the open and one `fstat`. (Reading
/// with `read_to_end` on the `File` itself would ask for its size and
/// position again, which is a third of the calls of loading an archive.)
pub fn read_regular(path: &Path) -> io::Result<(Vec<u8>, std::fs::Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    check_regular(meta.file_type())?;
    // One more byte than the size, so that the read that finds the end
    // needs no more room.
    let size = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(size.saturating_add(1));
    // Through `Take`, which reads into the room there is without asking
    // the file system for the size again.
    (&file).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

/// [`read_regular`] into a string, for text files that must be UTF-8.
pub fn read_text(path: &Path) -> io::Result<String> {
    let (bytes, _) = read_regular(path)?;
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {} is not valid)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// What [`walk`] found in a folder of the archive.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files, relative to the archive root, in path order.
    pub files: Vec<PathBuf>,
    /// Links that lead outside or nowhere, special files, unreadable folders.
    pub errors: Vec<Diagnostic>,
}

/// Every file below `dir` (relative to `root`) that `wanted` accepts, with
/// the rule of this module: links are followed while they stay inside the
/// archive, editors' temporary files are skipped, and anything else that is
/// not a regular file is an error. A missing folder has no files.
///
/// The files come sorted by path, whatever order the file system lists them
/// in.
pub fn walk(root: &Path, dir: &Path, wanted: impl Fn(&Path) -> bool) -> Walked {
    if let Err(d) = confine(root, dir) {
        return Walked {
            files: Vec::new(),
            errors: vec![d],
        };
    }
    let top = root.join(dir);
    if !top.is_dir() {
        return Walked::default();
    }
    // Most folders hold no link: then a walk that follows none finds the
    // same files, and reads each entry's kind from the folder's listing
    // instead of asking the file system about every file. At the first
    // link, the walk starts again following them.
    let mut walked = walk_from(root, &top, false, &wanted)
        .or_else(|| walk_from(root, &top, true, &wanted))
        .expect("a walk that follows links finishes");
    if shuffle_for_tests(&mut walked.files) {
        walked.files.sort();
    }
    walked
}

/// The walk of [`walk`] from the folder `top`, following links if
/// `follow`; without, `None` at the first link found.
fn walk_from(root: &Path, top: &Path, follow: bool, wanted: &impl Fn(&Path) -> bool) -> Option<Walked> {
    let mut walked = Walked::default();
    // Sorted folder by folder, the walk comes in path order (by parts,
    // as `PathBuf` compares).
    let entries = walkdir::WalkDir::new(top)
        .follow_links(follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_temporary(e.file_name()));
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            // A dangling Emacs lock file fails to be followed before the
            // filter above sees it.
            Err(e) if e.path().and_then(Path::file_name).is_some_and(is_editor_temporary) => continue,
            Err(e) => {
                walked.errors.push(walk_error(root, top, &e));
                continue;
            }
        };
        if !follow && entry.path_is_symlink() {
            return None;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("walk stays below root")
            .to_path_buf();
        if entry.path_is_symlink() {
            if let Err(d) = confine(root, &rel) {
                walked.errors.push(d);
                continue;
            }
        }
        let file_type = entry.file_type();
        if file_type.is_dir() || !wanted(&rel) {
            continue;
        }
        match check_regular(file_type) {
            Ok(()) => walked.files.push(rel),
            Err(e) => walked.errors.push(
                Diagnostic::error(format!("{} cannot be read: {e}", rel.display()))
                    .at(Location::file_only(&rel))
                    .hint("remove it, or replace it with the file it stands for"),
            ),
        }
    }
    Some(walked)
}

/// A walk error (an unreadable folder, a loop of links, a link that leads
/// nowhere) as a diagnostic naming the path.
fn walk_error(root: &Path, top: &Path, error: &walkdir::Error) -> Diagnostic {
    let path = error.path().unwrap_or(top);
    let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    if error.loop_ancestor().is_some() {
        return Diagnostic::error(format!(
            "{} is a symbolic link to a folder that contains it",
            rel.display()
        ))
        .at(Location::file_only(&rel))
        .hint("remove the link: it would make the folder endless");
    }
    if let Some(Escape::Broken) = escape(root, &rel) {
        if let Err(d) = confine(root, &rel) {
            return d;
        }
    }
    let reason = error.io_error().map_or_else(|| error.to_string(), ToString::to_string);
    Diagnostic::error(format!("cannot read {}: {reason}", rel.display())).at(Location::file_only(&rel))
}

/// In debug builds only, `ANNALS_SHUFFLE_LISTINGS=<n>` shuffles what a walk
/// found before it is sorted, as a file system that lists files in another
/// order would, and the documents the loader hands to the analysis: the
/// determinism tests use it to show that nothing depends on those orders.
/// Returns whether it shuffled.
pub fn shuffle_for_tests<T>(files: &mut [T]) -> bool {
    if !cfg!(debug_assertions) {
        return false;
    }
    let Some(seed) = std::env::var("ANNALS_SHUFFLE_LISTINGS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return false;
    };
    // A small xorshift generator: the order only has to differ, not be random.
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..files.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
        files.swap(i, j);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temporaries_are_recognised() {
        for name in [
            ".#a.md",
            "a.md~",
            "#a.md#",
            ".a.md.swp",
            ".a.md.swo",
            ".a.md.swx",
            "4913",
        ] {
            assert!(is_editor_temporary(OsStr::new(name)), "{name}");
        }
        for name in [
            "a.md",
            ".htaccess",
            "style.css",
            "#tag",
            ".well-known",
            "a.swp",
            "notes.md.bak",
        ] {
            assert!(!is_editor_temporary(OsStr::new(name)), "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_may_lead_only_inside_the_archive() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("archive");
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(root.join("seeds")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(root.join("seeds/a.txt"), "a").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("seeds"), root.join("inside")).unwrap();
        std::os::unix::fs::symlink(root.join("gone"), root.join("broken")).unwrap();
        assert_eq!(escape(&root, Path::new("seeds/a.txt")), None);
        assert_eq!(escape(&root, Path::new("inside/a.txt")), None);
        assert_eq!(escape(&root, Path::new("not/yet/there")), None);
        assert_eq!(escape(&root, Path::new("link/out")), Some(Escape::Outside));
        assert_eq!(escape(&root, Path::new("link")), Some(Escape::Outside));
        assert_eq!(escape(&root, Path::new("broken")), Some(Escape::Broken));
        assert_eq!(escape(&root, Path::new("../x")), Some(Escape::Outside));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            panic!("mkfifo is needed for this test");
        }
        let err = read_regular(&fifo).unwrap_err();
        assert!(err.to_string().contains("named pipe"), "{err}");
        let err = read_regular(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");
    }

    #[test]
    fn walks_in_path_order_skipping_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in ["c/b.md", "c/a/z.md", "c/a.md", "c/.#a.md", "c/a.md~", "c/x.txt"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let walked = walk(root, Path::new("c"), |p| p.extension().is_some_and(|e| e == "md"));
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
        let names: Vec<String> = walked.files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            ["c/a/z.md", "c/a.md", "c/b.md"],
            "by path parts, as walked and as cached"
        );
    }
}
