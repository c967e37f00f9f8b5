//! The output's lock: one process at a time writes into an output folder.
//!
//! Beside the output (`public/`) lies a lock file (`.public.annals-lock`),
//! locked with `flock` while a build writes, and for as long as `serve` or
//! `build --watch` runs, since they write into the output after every
//! change. The file stays in place after use: removing a lock file would
//! let two processes lock two different files of one name. It holds the
//! holder's process id and what it is, for the message another process
//! gives when it finds the lock taken: a build waits for another build to
//! finish; it does not wait for `serve`, which holds the lock until it is
//! stopped, and fails with a message naming it instead.
//!
//! The lock is an operating system lock, released when the process ends,
//! however it ends. Elsewhere than on Unix no lock is taken.

use std::io::{self, Read, Seek, Write};
use std::path::Path;

use crate::diag::Diagnostic;

/// The output's lock, held until dropped.
pub struct Lock {
    /// Open while the lock is held; closing it releases the lock.
    _file: std::fs::File,
}

/// What holds the lock in a way that a waiting build should not wait for.
const LONG_RUNNING: &[&str] = &["serve", "watch"];

impl Lock {
    /// Takes the lock of the output `target` for `holder` ("build",
    /// "serve", "watch"), waiting for another build to finish.
    pub fn acquire(target: &Path, holder: &str) -> Result<Lock, Diagnostic> {
        let path = super::beside(target, "lock").map_err(|e| cannot_lock(target, &e))?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| cannot_lock(target, &e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| cannot_lock(target, &e))?;
        if !try_lock(&file).map_err(|e| cannot_lock(target, &e))? {
            let other = read_holder(&mut file);
            let what = other.split_whitespace().nth(1).unwrap_or("");
            let pid = other.split_whitespace().next().unwrap_or("?");
            if LONG_RUNNING.contains(&what) {
                return Err(Diagnostic::error(format!(
                    "annals {what} (process {pid}) is writing into {}",
                    target.display()
                ))
                .hint("stop it first, or build into another folder with --output"));
            }
            eprintln!(
                "Waiting for another annals build (process {pid}) to finish writing into {}...",
                target.display()
            );
            lock(&file).map_err(|e| cannot_lock(target, &e))?;
        }
        let mine = format!("{} {holder}\n", std::process::id());
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(io::SeekFrom::Start(0)))
            .and_then(|_| file.write_all(mine.as_bytes()));
        written.map_err(|e| cannot_lock(target, &e))?;
        Ok(Lock { _file: file })
    }
}

fn read_holder(file: &mut std::fs::File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(io::SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    text
}

fn cannot_lock(target: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(format!("cannot lock {} for writing: {e}", target.display()))
        .hint("annals keeps a lock file beside the output folder: the folder that holds the output must be writable")
}

/// Takes the lock if it is free; `false` if another process holds it.
#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor this process owns.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Waits for the lock.
#[cfg(unix)]
fn lock(file: &std::fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: as in try_lock.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &std::fs::File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(not(unix))]
fn lock(_file: &std::fs::File) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_while_serve_holds_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let held = Lock::acquire(&out, "serve").unwrap();
        let err = Lock::acquire(&out, "build").err().expect("refused");
        assert!(
            err.message.contains(&format!(
                "annals serve (process {}) is writing into",
                std::process::id()
            )),
            "{}",
            err.message
        );
        drop(held);
        Lock::acquire(&out, "build").expect("free once dropped");
    }

    #[test]
    fn a_build_waits_for_another_build() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let held = Lock::acquire(&out, "build").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let out = out.clone();
            std::thread::spawn(move || {
                let lock = Lock::acquire(&out, "build");
                tx.send(()).unwrap();
                lock.is_ok()
            })
        };
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300)).is_err(),
            "the second build waits while the first holds the lock"
        );
        drop(held);
        assert!(waiter.join().unwrap(), "and gets it once the first is done");
    }
}
