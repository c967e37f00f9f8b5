//! The manifest of the last build, and the sink that uses it: a build into
//! an output folder that already holds a site links each file whose bytes
//! have not changed from the old site into the new one, instead of
//! writing it again, and does not render a page whose inputs have not
//! changed at all.
//!
//! The new site is still made whole in a staging folder and swapped in at
//! once (see the parent module), so a reader of the output sees the old
//! site or the new one, never a mix. A hard link costs the file system
//! much less than a new file (no inode, no data to copy), and deleting the
//! old site after the swap then frees only the files that changed.
//!
//! The manifest lives beside the output (`.public.annals-manifest`), not in
//! it, so it is not published. For each file of the site it holds a hash of
//! the file's path, a hash of its bytes, the fingerprint of the inputs of a
//! page, and its size. It names the site it describes by the inode and
//! modification time of that site's marker file: a manifest left from
//! another site (a build interrupted after the swap, a folder copied by
//! hand) is ignored. A file is linked only if it is still the one annals
//! wrote: a regular file of the recorded size, last modified before the
//! manifest was written. A file edited in the output after the build is
//! written afresh. "Before" compares the file's time with the manifest's
//! own modification time, strictly: both come from the file system's
//! clock, which ticks coarsely (every few milliseconds on Linux), so a file
//! changed in the tick the manifest was written in is written afresh too.

use std::io::{self, BufRead, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Mutex;

use super::{MARKER, Sink, Staging};
use crate::hash;

/// What the first line of a manifest says: its format.
const HEADER: &str = "annals manifest 2";

/// What wrote a manifest: annals' version and the size and time of its
/// executable. Pages rendered by another annals (an upgrade, or a new
/// build of it) may differ for the same inputs, so their fingerprints are
/// not trusted; a file with the same bytes is still linked.
fn generator() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let stamp = exe.map_or_else(
        |_| "unknown".to_string(),
        |m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{modified}", m.len())
        },
    );
    format!("{}-{stamp}", env!("CARGO_PKG_VERSION"))
}

/// What the manifest records of one file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Entry {
    /// The hash of the file's bytes.
    hash: u64,
    /// The fingerprint of a page's inputs, if the file is a page.
    fingerprint: Option<u64>,
    size: u64,
}

/// A build's files, keyed by a hash of their paths inside the site.
type Entries = hash::Map<u64, Entry>;

/// The last build's manifest, with the output folder it describes, open.
struct Previous {
    entries: Entries,
    /// The manifest's modification time, in nanoseconds since the epoch:
    /// a file modified then or later may have been changed by someone else.
    written: i128,
    dir: OwnedFd,
}

/// A staging sink that records a manifest of what it is given, and links
/// from the previous site what that already holds.
pub struct Relinking {
    staging: Staging,
    previous: Option<Previous>,
    recorded: Mutex<Entries>,
    /// How many files were linked rather than written.
    linked: std::sync::atomic::AtomicUsize,
}

/// The path of the manifest of `target`.
fn path_of(target: &Path) -> io::Result<std::path::PathBuf> {
    super::beside(target, "manifest")
}

fn key(rel: &str) -> u64 {
    hash::of(rel)
}

fn nanos(seconds: i64, nanoseconds: u64) -> i128 {
    i128::from(seconds) * 1_000_000_000 + i128::from(nanoseconds)
}

/// The identity of the marker file of the site in `target`: its inode and
/// modification time.
fn marker_identity(dir: &OwnedFd) -> io::Result<Identity> {
    let stat = rustix::fs::statat(dir, MARKER, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    Ok((
        stat.st_ino as u64,
        nanos(stat.st_mtime as i64, stat.st_mtime_nsec as u64),
    ))
}

impl Relinking {
    /// Wraps `staging`, and reads the manifest of the site in `target` if
    /// there is one that describes it. A missing or unreadable manifest
    /// only means that every file is written.
    pub fn new(staging: Staging, target: &Path) -> Relinking {
        let previous = Self::previous(target).ok().flatten();
        Relinking {
            staging,
            previous,
            recorded: Mutex::new(Entries::default()),
            linked: Default::default(),
        }
    }

    fn previous(target: &Path) -> io::Result<Option<Previous>> {
        let dir: OwnedFd = match std::fs::File::open(target) {
            Ok(f) => f.into(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let file = match std::fs::File::open(path_of(target)?) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let marker = marker_identity(&dir)?;
        let meta = file.metadata()?;
        let written = nanos(
            std::os::unix::fs::MetadataExt::mtime(&meta),
            u64::try_from(std::os::unix::fs::MetadataExt::mtime_nsec(&meta)).unwrap_or(0),
        );
        let Some((described, generator_then, mut entries)) = read(io::BufReader::new(file))? else {
            return Ok(None);
        };
        if generator_then != generator() {
            for entry in entries.values_mut() {
                entry.fingerprint = None;
            }
        }
        Ok((described == marker).then_some(Previous { entries, written, dir }))
    }

    /// Whether the previous site's file at `rel` is the one the manifest
    /// records with `entry`, and then links it into the new site.
    fn link(&self, previous: &Previous, rel: &str, entry: &Entry) -> bool {
        let Ok(stat) = rustix::fs::statat(&previous.dir, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) else {
            return false;
        };
        #[allow(clippy::unnecessary_cast)]
        let modified = nanos(stat.st_mtime as i64, stat.st_mtime_nsec as u64);
        let regular = rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile;
        #[allow(clippy::unnecessary_cast)]
        let unchanged = regular && stat.st_size as u64 == entry.size && modified < previous.written;
        if !unchanged || self.staging.link_from(&previous.dir, rel).is_err() {
            return false;
        }
        self.linked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        true
    }

    fn record(&self, rel: &str, entry: Entry) {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key(rel), entry);
    }

    /// How many files of the new site are links to the old site's.
    pub fn linked(&self) -> usize {
        self.linked.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Puts the new site in place (see [`Staging::commit`]), then writes
    /// its manifest. A manifest that cannot be written costs the next build
    /// its links, nothing else: the old one no longer matches the site.
    pub fn commit(self) -> io::Result<super::Committed> {
        let Relinking { staging, recorded, .. } = self;
        let target = staging.target.clone();
        let committed = staging.commit()?;
        let entries = recorded.into_inner().unwrap_or_else(|e| e.into_inner());
        let _ = write_manifest(&target, &entries);
        Ok(committed)
    }
}

/// Writes the manifest of the site now in `target`, through a temporary
/// file renamed into place.
fn write_manifest(target: &Path, entries: &Entries) -> io::Result<()> {
    let dir: OwnedFd = std::fs::File::open(target)?.into();
    let (inode, modified) = marker_identity(&dir)?;
    let path = path_of(target)?;
    let temporary = path.with_extension(format!("manifest-{}", std::process::id()));
    let mut out = io::BufWriter::new(std::fs::File::create(&temporary)?);
    writeln!(out, "{HEADER}")?;
    writeln!(out, "{inode} {modified} {}", generator())?;
    for (path, e) in entries {
        match e.fingerprint {
            Some(f) => writeln!(out, "{path:x} {:x} {} {f:x}", e.hash, e.size)?,
            None => writeln!(out, "{path:x} {:x} {}", e.hash, e.size)?,
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&temporary, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The identity of a site's marker file: its inode and modification time.
type Identity = (u64, i128);

/// What the marker identity, the generator and the entries of a manifest
/// are; `None` if it is not a manifest this version reads.
fn read(input: impl BufRead) -> io::Result<Option<(Identity, String, Entries)>> {
    let mut lines = input.lines();
    if lines.next().transpose()?.as_deref() != Some(HEADER) {
        return Ok(None);
    }
    let Some(head) = lines.next().transpose()? else {
        return Ok(None);
    };
    let mut head = head.splitn(3, ' ');
    let (Some(Ok(inode)), Some(Ok(modified)), Some(generator)) =
        (head.next().map(str::parse), head.next().map(str::parse), head.next())
    else {
        return Ok(None);
    };
    let generator = generator.to_string();
    let mut entries = Entries::default();
    for line in lines {
        let line = line?;
        let mut fields = line.split(' ');
        let hex = |s: Option<&str>| s.and_then(|s| u64::from_str_radix(s, 16).ok());
        let (Some(path), Some(hash), Some(size)) = (
            hex(fields.next()),
            hex(fields.next()),
            fields.next().and_then(|s| s.parse().ok()),
        ) else {
            return Ok(None);
        };
        let fingerprint = match fields.next() {
            None => None,
            some => match hex(some) {
                Some(f) => Some(f),
                None => return Ok(None),
            },
        };
        entries.insert(
            path,
            Entry {
                hash,
                fingerprint,
                size,
            },
        );
    }
    Ok(Some(((inode, modified), generator, entries)))
}

impl Sink for Relinking {
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()> {
        let entry = Entry {
            hash: hash::of(bytes),
            fingerprint,
            size: bytes.len() as u64,
        };
        let same = |p: &&Previous| {
            p.entries
                .get(&key(rel))
                .is_some_and(|old| old.hash == entry.hash && old.size == entry.size)
        };
        match self.previous.as_ref().filter(same) {
            Some(previous) if self.link(previous, rel, &entry) => {}
            _ => self.staging.write(rel, bytes)?,
        }
        self.record(rel, entry);
        Ok(())
    }

    /// Fingerprints cost a little on every build, and pay only when there
    /// is a previous site to take pages from.
    fn wants_fingerprints(&self) -> bool {
        self.previous.is_some()
    }

    fn reuse(&self, rel: &str, fingerprint: u64) -> bool {
        let Some(previous) = &self.previous else {
            return false;
        };
        match previous.entries.get(&key(rel)) {
            Some(old) if old.fingerprint == Some(fingerprint) && self.link(previous, rel, old) => {
                self.record(rel, *old);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join(MARKER), "x").unwrap();
        let mut entries = Entries::default();
        entries.insert(
            key("index.html"),
            Entry {
                hash: 1,
                fingerprint: Some(u64::MAX),
                size: 3,
            },
        );
        entries.insert(
            key("a/b.json"),
            Entry {
                hash: 2,
                fingerprint: None,
                size: 0,
            },
        );
        write_manifest(&target, &entries).unwrap();
        let text = std::fs::read(path_of(&target).unwrap()).unwrap();
        let (marker, written_by, read_back) = read(&text[..]).unwrap().expect("a manifest");
        assert_eq!(written_by, generator());
        let dir_fd: OwnedFd = std::fs::File::open(&target).unwrap().into();
        assert_eq!(marker, marker_identity(&dir_fd).unwrap());
        assert_eq!(read_back, entries);
    }

    #[test]
    fn page_fingerprints_from_another_annals_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join(MARKER), "x").unwrap();
        let mut entries = Entries::default();
        let page = Entry {
            hash: 1,
            fingerprint: Some(7),
            size: 3,
        };
        entries.insert(key("index.html"), page);
        write_manifest(&target, &entries).unwrap();
        let kept = Relinking::previous(&target)
            .unwrap()
            .expect("the manifest describes the site");
        assert_eq!(kept.entries[&key("index.html")], page, "written by this annals");

        let path = path_of(&target).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let generator = generator();
        std::fs::write(&path, text.replace(&generator, "0.0.1-1-1")).unwrap();
        let other = Relinking::previous(&target)
            .unwrap()
            .expect("still the site's manifest");
        assert_eq!(
            other.entries[&key("index.html")],
            Entry {
                fingerprint: None,
                ..page
            },
            "the bytes' hash is kept, the fingerprint is not"
        );
    }

    #[test]
    fn anything_else_is_no_manifest() {
        for text in [
            "",
            "annals manifest 1\n1 2 g\n",
            "annals manifest 2\n",
            "annals manifest 2\n1 2\n",
            "annals manifest 2\n1 x g\n",
            "annals manifest 2\n1 2 g\nzz 1 2\n",
            "annals manifest 2\n1 2 g\n1 1\n",
            "annals manifest 2\n1 2 g\n1 1 1 fingerprint\n",
        ] {
            assert!(read(text.as_bytes()).unwrap().is_none(), "{text:?}");
        }
    }
}
