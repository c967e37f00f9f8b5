//! Putting a new site in the place of the old one in one step, and
//! cleaning up after runs that were interrupted.
//!
//! On Linux the staging folder and the output are exchanged by one
//! `renameat2(RENAME_EXCHANGE)` call: at every instant the output's name
//! holds either the whole old site or the whole new one, and a crash at any
//! point leaves one of them there. The old site then sits under the staging
//! folder's name until it is deleted. Where the exchange is not available
//! (another system, or a file system that does not support it), the swap
//! falls back to two renames: the old site moves aside, the new one moves
//! in. A crash between the two leaves no output, only the old site beside
//! it; the next run, before anything else, puts it back ([`recover`]).
//!
//! Debug builds (the tests) can be made to fail at named points through
//! `ANNALS_FAIL_AT`: `write` (the third file written into a staging
//! folder), `swap` (before the exchange), `delete-old` (deleting the old
//! site); and to end at once, as a crash would, through `ANNALS_ABORT_AT`:
//! `after-swap` (before the old site is deleted), `between-renames` (in
//! the fallback). `ANNALS_PAUSE_AT=swap` waits a second before the swap,
//! and `ANNALS_NO_EXCHANGE` makes the swap use the fallback.
//! Release builds have none of this.

use std::io;
use std::path::{Path, PathBuf};

use super::MARKER;

/// Puts `new` in the place of `target`. Returns where the old site went,
/// to be deleted, or `None` when there was none. On error `target` is as it
/// was.
pub fn replace(new: &Path, target: &Path) -> io::Result<Option<PathBuf>> {
    pause_point("swap");
    fail_point("swap")?;
    match std::fs::symlink_metadata(target) {
        // Renaming onto a name that does not exist is atomic everywhere.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return std::fs::rename(new, target).map(|()| None),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    match exchange(new, target) {
        Ok(()) => {
            crash_point("after-swap");
            Ok(Some(new.to_path_buf()))
        }
        Err(e) if unsupported(&e) => two_renames(new, target),
        Err(e) => Err(e),
    }
}

/// The fallback: the old site aside, the new one in; on failure, the old
/// one back.
fn two_renames(new: &Path, target: &Path) -> io::Result<Option<PathBuf>> {
    let old = super::sibling(target, "old")?;
    std::fs::rename(target, &old)?;
    crash_point("between-renames");
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&old, target);
        return Err(e);
    }
    Ok(Some(old))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    if cfg!(debug_assertions) && std::env::var_os("ANNALS_NO_EXCHANGE").is_some() {
        return Err(io::ErrorKind::Unsupported.into());
    }
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that live across the call; the
    // system call only reads them.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Whether an exchange failed because the system or file system cannot do
/// it, rather than for a reason two renames would meet too.
fn unsupported(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP))
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Under the output's lock, before a new staging folder is made: puts back
/// an old site that an interrupted fallback swap left beside a missing
/// output, and removes every other folder that earlier runs left beside it
/// (staging folders of failed or killed builds, old sites not yet deleted).
/// Only folders named as annals names them, and holding its marker or
/// empty, are touched.
pub fn recover(target: &Path) -> io::Result<()> {
    let Some(prefix) = super::beside(target, "")?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Ok(());
    };
    let parent = super::parent_of(target);
    let mut leftovers: Vec<(PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(&parent)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let old = rest.starts_with("old-");
        if (old || rest.starts_with("new-")) && entry.file_type()?.is_dir() && is_ours(&entry.path()) {
            leftovers.push((entry.path(), old));
        }
    }
    if std::fs::symlink_metadata(target).is_err() {
        let newest_old = leftovers
            .iter()
            .filter(|(_, old)| *old)
            .max_by_key(|(path, _)| std::fs::metadata(path).and_then(|m| m.modified()).ok())
            .map(|(path, _)| path.clone());
        if let Some(old) = newest_old {
            std::fs::rename(&old, target)?;
            leftovers.retain(|(path, _)| *path != old);
        }
    }
    for (path, _) in leftovers {
        super::remove_tree(&path)?;
    }
    Ok(())
}

/// A folder annals made: it holds the marker, or nothing at all (a staging
/// folder whose run ended before writing the marker).
fn is_ours(dir: &Path) -> bool {
    dir.join(MARKER).is_file() || std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Whether a debug build was asked to stop at `point` through `var`.
fn asked(var: &str, point: &str) -> bool {
    cfg!(debug_assertions) && std::env::var(var).is_ok_and(|v| v == point)
}

/// In debug builds, an error at the named point when `ANNALS_FAIL_AT`
/// names it; see the module's documentation.
pub fn fail_point(point: &str) -> io::Result<()> {
    if !asked("ANNALS_FAIL_AT", point) {
        return Ok(());
    }
    if point == "write" {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static WRITES: AtomicUsize = AtomicUsize::new(0);
        if WRITES.fetch_add(1, Ordering::Relaxed) < 2 {
            return Ok(());
        }
    }
    Err(io::Error::other(format!("failing at `{point}` as ANNALS_FAIL_AT asks")))
}

/// In debug builds, a pause of a second at the named point when
/// `ANNALS_PAUSE_AT` names it: time for a test to start another process.
pub fn pause_point(point: &str) {
    if asked("ANNALS_PAUSE_AT", point) {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// In debug builds, the end of the process at the named point, as a crash
/// or a power cut would end it, when `ANNALS_ABORT_AT` names it.
pub fn crash_point(point: &str) {
    if asked("ANNALS_ABORT_AT", point) {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(dir: &Path, page: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(MARKER), "").unwrap();
        std::fs::write(dir.join("index.html"), page).unwrap();
    }

    #[test]
    fn replaces_whole_sites_and_hands_back_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let (new, out) = (tmp.path().join(".public.annals-new-1"), tmp.path().join("public"));
        site(&new, "first");
        assert_eq!(replace(&new, &out).unwrap(), None, "no old site the first time");
        site(&new, "second");
        let old = replace(&new, &out).unwrap().expect("the old site");
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "second");
        assert_eq!(std::fs::read_to_string(old.join("index.html")).unwrap(), "first");
        site(&new, "third");
        let old = two_renames(&new, &out).unwrap().expect("the old site");
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "third");
        assert_eq!(std::fs::read_to_string(old.join("index.html")).unwrap(), "second");
    }

    #[test]
    fn recovery_puts_back_an_old_site_and_removes_only_marked_leftovers() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        site(&tmp.path().join(".public.annals-old-7"), "old site");
        site(&tmp.path().join(".public.annals-new-8"), "half a new site");
        std::fs::create_dir(tmp.path().join(".public.annals-new-9")).unwrap();
        // Not annals': no marker and not empty, or another output's.
        std::fs::create_dir(tmp.path().join(".public.annals-new-10")).unwrap();
        std::fs::write(tmp.path().join(".public.annals-new-10/notes.txt"), "mine").unwrap();
        site(&tmp.path().join(".public2.annals-new-8"), "another output's");
        recover(&out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "old site");
        let mut names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".public.annals-new-10", ".public2.annals-new-8", "public"]);
    }
}
