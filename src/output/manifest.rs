//! The manifest of the last build, and the sink that uses it: a build into
//! an output folder that already holds a site links each file whose bytes
//! have not changed from the old site into the new one, instead of
//! writing it again, and does not render a page whose inputs have not
//! changed at all.
//!
//! The new site is still made whole in a staging folder and swapped in at
//! once (see the parent module), so a reader of the output sees the old
//! site or the new one, never a mix. A hard link costs the file system
//! much less than a new file (no inode, no data to copy). The site the swap
//! replaces is kept beside the output as the spare, with its manifest
//! (`.public.annals-spare-manifest`), and the next build makes its site in
//! it: folders stay, files it holds with the right bytes stay, and only the
//! rest is replaced or deleted, so a rebuild neither makes nor deletes
//! folders.
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

use super::incremental::Known;
use super::{MARKER, Sink, Staging};
use crate::hash;

/// What the first line of a manifest says: its format.
const HEADER: &str = "annals manifest 3";

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

/// An [`Entry`] as kept in [`Entries`]: 24 bytes instead of 32, with
/// whether the file has a fingerprint in the top bit of its size.
#[derive(Clone, Copy)]
struct Packed {
    hash: u64,
    fingerprint: u64,
    size: u64,
}

const HAS_FINGERPRINT: u64 = 1 << 63;

impl From<Entry> for Packed {
    fn from(e: Entry) -> Packed {
        Packed {
            hash: e.hash,
            fingerprint: e.fingerprint.unwrap_or(0),
            size: e.size | if e.fingerprint.is_some() { HAS_FINGERPRINT } else { 0 },
        }
    }
}

impl From<Packed> for Entry {
    fn from(p: Packed) -> Entry {
        Entry {
            hash: p.hash,
            fingerprint: (p.size & HAS_FINGERPRINT != 0).then_some(p.fingerprint),
            size: p.size & !HAS_FINGERPRINT,
        }
    }
}

/// A build's files, keyed by a hash of their paths inside the site, in a
/// list sorted by that key: at 100,000 documents a site has about 506,000
/// files, and a rebuild holds the manifests of the last site, of the
/// spare and of the new site at once. In a hash map each took about 40 MB
/// (a million buckets of 41 bytes); sorted and packed, 16 MB.
#[derive(Default)]
struct Entries(Vec<(u64, Packed)>);

impl Entries {
    /// The entries of `list`, in any order; of two with the same key, the
    /// later is kept.
    fn from_list(mut list: Vec<(u64, Packed)>) -> Entries {
        use rayon::slice::ParallelSliceMut;
        // A stable sort: equal keys stay in the order given.
        list.par_sort_by_key(|(key, _)| *key);
        // `dedup_by` drops the later of two equal neighbours: move it into
        // the earlier first.
        list.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                *earlier = *later;
            }
            same
        });
        list.shrink_to_fit();
        Entries(list)
    }

    fn get(&self, key: u64) -> Option<Entry> {
        let at = self.0.binary_search_by_key(&key, |(k, _)| *k).ok()?;
        Some(self.0[at].1.into())
    }

    fn contains_key(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn iter(&self) -> impl Iterator<Item = (u64, Entry)> + '_ {
        self.0.iter().map(|(key, p)| (*key, Entry::from(*p)))
    }

    /// Forgets every page's fingerprint.
    fn drop_fingerprints(&mut self) {
        for (_, p) in &mut self.0 {
            *p = Entry {
                fingerprint: None,
                ..Entry::from(*p)
            }
            .into();
        }
    }
}

/// The last build's manifest, with the output folder it describes, open.
struct Previous {
    entries: Entries,
    summary: Summary,
    /// Whether this annals wrote the manifest: another one's page
    /// fingerprints are dropped from `entries`.
    current: bool,
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
    /// The site before last, when the staging folder is that site taken
    /// up again and its manifest (kept as `.public.annals-spare-manifest`)
    /// describes it.
    spare: Option<Previous>,
    /// What the new site holds, in the order given (made [`Entries`] at
    /// the end).
    recorded: Mutex<Vec<(u64, Packed)>>,
    /// How many files were linked from the previous site, or kept in the
    /// reused staging folder, rather than written.
    linked: std::sync::atomic::AtomicUsize,
    /// The stamp of the build's inputs, taken before it read them.
    inputs: Option<u64>,
    /// Every file by its path, for the preview, which goes on from the
    /// site this build wrote (see [`Relinking::keeping_paths`]).
    paths: Option<Mutex<hash::Map<String, Known>>>,
}

/// What a manifest says of the build that wrote it, besides its files.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Summary {
    /// The stamp of the inputs ([`inputs_stamp`]), if they had all settled
    /// and the build gave no warnings: then a build whose inputs have the
    /// same stamp would write the same site.
    pub inputs: Option<u64>,
    pub documents: usize,
    pub pages: usize,
    pub files: usize,
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

/// A file's modification time, in nanoseconds since the epoch.
fn modified(stat: &rustix::fs::Stat) -> i128 {
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    nanos(stat.st_mtime as i64, stat.st_mtime_nsec as u64)
}

/// The identity of the marker file of the site in `target`: its inode and
/// modification time.
fn marker_identity(dir: &OwnedFd) -> io::Result<Identity> {
    let stat = rustix::fs::statat(dir, MARKER, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
    #[allow(clippy::unnecessary_cast)]
    Ok((stat.st_ino as u64, modified(&stat)))
}

impl Relinking {
    /// Wraps `staging`, and reads the manifest of the site in `target` if
    /// there is one that describes it. A missing or unreadable manifest
    /// only means that every file is written.
    pub fn new(staging: Staging, target: &Path, inputs: Option<u64>) -> Relinking {
        let previous = Self::previous(target).ok().flatten();
        let spare = staging
            .reused()
            .then(|| {
                let dir = staging.handle.try_clone().ok()?;
                Self::described(dir, &super::beside(target, "spare-manifest").ok()?)
                    .ok()
                    .flatten()
            })
            .flatten();
        Relinking {
            staging,
            previous,
            spare,
            recorded: Mutex::new(Vec::new()),
            linked: Default::default(),
            inputs,
            paths: None,
        }
    }

    /// Sets the stamp of the build's inputs, when it was taken beside the
    /// build rather than before it.
    pub fn set_inputs(&mut self, inputs: Option<u64>) {
        self.inputs = inputs;
    }

    /// Also keeps every file's path with its hash and fingerprint, for
    /// [`Relinking::paths`]. A manifest keys files by a hash of the path
    /// alone, which is all a build needs.
    #[must_use]
    pub fn keeping_paths(mut self) -> Relinking {
        self.paths = Some(Mutex::default());
        self
    }

    /// Every file given so far, by its path, if [`Relinking::keeping_paths`]
    /// asked for them.
    pub(crate) fn paths(&self) -> Option<hash::Map<String, Known>> {
        let paths = self.paths.as_ref()?;
        Some(std::mem::take(&mut *paths.lock().unwrap_or_else(|e| e.into_inner())))
    }

    fn previous(target: &Path) -> io::Result<Option<Previous>> {
        let dir: OwnedFd = match std::fs::File::open(target) {
            Ok(f) => f.into(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        Self::described(dir, &path_of(target)?)
    }

    /// The site in the open folder `dir`, if the manifest at `manifest`
    /// describes it.
    fn described(dir: OwnedFd, manifest: &Path) -> io::Result<Option<Previous>> {
        let file = match std::fs::File::open(manifest) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let marker = marker_identity(&dir)?;
        let written = modified(&rustix::fs::fstat(&file)?);
        let Some(Read {
            marker: described,
            summary,
            generator: generator_then,
            mut entries,
        }) = read(io::BufReader::new(file))?
        else {
            return Ok(None);
        };
        let current = generator_then == generator();
        if !current {
            entries.drop_fingerprints();
        }
        Ok((described == marker).then_some(Previous {
            entries,
            summary,
            current,
            written,
            dir,
        }))
    }

    /// Whether the file at `rel` in `site` is the one its manifest records
    /// with `entry`: a regular file of that size, not modified since.
    fn intact(site: &Previous, rel: &str, entry: &Entry) -> bool {
        let Ok(stat) = rustix::fs::statat(&site.dir, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) else {
            return false;
        };
        let regular = rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile;
        #[allow(clippy::unnecessary_cast)]
        let size = stat.st_size as u64;
        regular && size == entry.size && modified(&stat) < site.written
    }

    /// Whether the staging folder, the site before last taken up again,
    /// already holds the file at `rel` as `matches` wants it; then it is
    /// kept as it is.
    fn kept(&self, rel: &str, matches: impl Fn(&Entry) -> bool) -> Option<Entry> {
        let spare = self.spare.as_ref()?;
        let entry = spare.entries.get(key(rel)).filter(|e| matches(e))?;
        Self::intact(spare, rel, &entry).then(|| {
            self.linked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            entry
        })
    }

    /// Whether the previous site's file at `rel` is the one the manifest
    /// records with `entry`, and then links it into the new site.
    fn link(&self, previous: &Previous, rel: &str, entry: &Entry) -> bool {
        if !Self::intact(previous, rel, entry) || self.staging.link_from(&previous.dir, rel).is_err() {
            return false;
        }
        self.linked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        true
    }

    fn record(&self, rel: &str, entry: Entry) {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((key(rel), entry.into()));
        if let Some(paths) = &self.paths {
            let known = Known {
                hash: entry.hash,
                fingerprint: entry.fingerprint,
            };
            paths
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(rel.to_string(), known);
        }
    }

    /// How many files of the new site were linked or kept rather than
    /// written.
    pub fn linked(&self) -> usize {
        self.linked.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Puts the new site in place (see [`Staging::commit`]), then writes
    /// its manifest. A manifest that cannot be written costs the next build
    /// its links, nothing else: the old one no longer matches the site.
    /// `report` is the build's; its inputs' stamp is kept only if it gave
    /// no warnings, so that a build that would warn again is run again.
    pub fn commit(self, report: &crate::BuildReport) -> io::Result<super::Committed> {
        let Relinking {
            staging,
            recorded,
            inputs,
            previous,
            ..
        } = self;
        let target = staging.target.clone();
        let entries = Entries::from_list(recorded.into_inner().unwrap_or_else(|e| e.into_inner()));
        staging.finish(|rel| entries.contains_key(key(rel)))?;
        // The site replaced now is kept for the next build to take up, with
        // its manifest when there is one that describes it.
        let spare = super::beside(&target, "spare")?;
        let spare_manifest = super::beside(&target, "spare-manifest")?;
        let _ = std::fs::remove_file(&spare_manifest);
        let committed = staging.commit_keeping(Some(&spare))?;
        if previous.is_some() {
            let _ = std::fs::rename(path_of(&target)?, &spare_manifest);
        }
        let summary = Summary {
            inputs: inputs.filter(|_| report.warnings.is_empty()),
            documents: report.documents,
            pages: report.pages,
            files: report.files,
        };
        let _ = write_manifest(&target, &entries, &summary);
        Ok(committed)
    }
}

/// How long before a build an input must have last changed for its
/// modification time to tell a later change apart: file systems keep
/// times at a coarse grain (a few milliseconds on Linux, two seconds on
/// FAT), and an editor may save twice within one.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// A stamp of every input of a build of the archive at `root` (the files
/// the preview watches: `config.toml`, `content/`, `seeds/`, `templates/`,
/// `themes/`, `static/`): their paths, kinds, sizes, modification times
/// and inodes, with `identity` (the build's options and annals' own
/// version). `None` if an input changed too recently to be sure a later
/// change would show (see [`SETTLED`]), or could not be looked at.
pub fn inputs_stamp(root: &Path, identity: &str, parallel: bool) -> Option<u64> {
    use std::hash::Hasher;
    let settled = std::time::SystemTime::now().checked_sub(SETTLED)?;
    let mut h = hash::hasher();
    h.write(identity.as_bytes());
    h.write(generator().as_bytes());
    for name in crate::serve::watch::WATCHED {
        let top = root.join(name);
        let meta = match std::fs::metadata(&top) {
            Ok(meta) => meta,
            // No such input: that is part of the stamp too.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                h.write(name.as_bytes());
                h.write_u8(0);
                continue;
            }
            Err(_) => return None,
        };
        let rel = Path::new(name);
        let stat = Stat::of(&meta, settled)?;
        stat.stamp(&mut h, rel);
        if let Some(folder) = stat.folder {
            stat_below(&top, rel, &mut vec![folder], &mut h, settled, parallel)?;
        }
    }
    Some(h.finish())
}

/// What the stamp of the inputs takes of one file or folder.
struct Stat {
    /// A folder's device and inode, to walk it once.
    folder: Option<(u64, u64)>,
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
    ino: u64,
}

impl Stat {
    /// `None` if a file was modified after `settled`, or its time cannot
    /// be read.
    fn of(meta: &std::fs::Metadata, settled: std::time::SystemTime) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        let dir = meta.is_dir();
        if !dir && meta.modified().ok()? > settled {
            return None;
        }
        Some(Stat {
            folder: dir.then(|| (meta.dev(), meta.ino())),
            len: if dir { 0 } else { meta.len() },
            mtime: if dir { 0 } else { meta.mtime() },
            mtime_nsec: if dir { 0 } else { meta.mtime_nsec() },
            ino: meta.ino(),
        })
    }

    fn stamp(&self, h: &mut impl std::hash::Hasher, rel: &Path) {
        h.write(rel.as_os_str().as_encoded_bytes());
        h.write_u8(0);
        h.write_u8(self.folder.is_some().into());
        h.write_u64(self.len);
        h.write_i64(self.mtime);
        h.write_i64(self.mtime_nsec);
        h.write_u64(self.ino);
    }
}

/// Adds to `h` every file and folder below the folder `dir` (`rel` inside
/// the archive), in the order of a walk sorted by name, each folder
/// followed by what it holds (links followed, as the build follows them).
/// Only one folder's entries are held at a time, in a few bytes each: at
/// 100,000 documents `content/` and `seeds/` hold 200,000 files, and this
/// runs on a thread of its own beside a build, whose allocator keeps what
/// the thread used. With `parallel`, the `stat`s of one folder's entries
/// run on every core: for a folder of 10,000 seeds they are most of the
/// cost. `None` if anything cannot be looked at, a file changed after
/// `settled`, or a link leads back into a folder it is in (`ancestors`, by
/// device and inode).
fn stat_below(
    dir: &Path,
    rel: &Path,
    ancestors: &mut Vec<(u64, u64)>,
    h: &mut impl std::hash::Hasher,
    settled: std::time::SystemTime,
    parallel: bool,
) -> Option<()> {
    use rayon::prelude::*;
    let mut names = std::fs::read_dir(dir)
        .ok()?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<io::Result<Vec<_>>>()
        .ok()?;
    names.sort_unstable();
    let stat = |name: &std::ffi::OsString| {
        std::fs::metadata(dir.join(name))
            .ok()
            .and_then(|meta| Stat::of(&meta, settled))
    };
    let stats: Vec<Stat> = if parallel {
        names.par_iter().map(stat).collect::<Option<Vec<_>>>()
    } else {
        names.iter().map(stat).collect::<Option<Vec<_>>>()
    }?;
    for (name, stat) in names.iter().zip(&stats) {
        let rel = rel.join(name);
        stat.stamp(h, &rel);
        if let Some(folder) = stat.folder {
            if ancestors.contains(&folder) {
                return None;
            }
            ancestors.push(folder);
            stat_below(&dir.join(name), &rel, ancestors, h, settled, parallel)?;
            ancestors.pop();
        }
    }
    Some(())
}

/// Whether the manifest beside `target` records an inputs stamp: only
/// then can [`unchanged`] find the last build's site still current, and a
/// build needs the stamp before it starts. Reads the manifest's first two
/// lines only.
pub fn records_inputs(target: &Path) -> bool {
    let Ok(file) = path_of(target).and_then(std::fs::File::open) else {
        return false;
    };
    let mut lines = io::BufReader::new(file).lines();
    matches!(read_head(&mut lines), Ok(Some((_, summary, _))) if summary.inputs.is_some())
}

/// What the last build into `target` made, if its inputs had the stamp
/// `inputs` and the site it wrote is still in `target` exactly as it wrote
/// it: every file there, of its size, unmodified since, and nothing else.
/// Then a build now would write the same site.
pub fn unchanged(target: &Path, inputs: u64) -> Option<Summary> {
    // What an interrupted build left beside the output is for a full build
    // to clear.
    let prefix = super::beside(target, "")
        .ok()?
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let leftovers = std::fs::read_dir(super::parent_of(target))
        .ok()?
        .filter_map(Result::ok)
        .any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with("new-") || rest.starts_with("old-"))
        });
    if leftovers {
        return None;
    }
    let dir: OwnedFd = std::fs::File::open(target).ok()?.into();
    let last = Relinking::described(dir, &path_of(target).ok()?).ok()??;
    let fresh = last.current && last.summary.inputs == Some(inputs);
    (fresh && holds_exactly(target, &last)).then_some(last.summary)
}

/// Whether the folder `target` holds the files of the site `last` and no
/// other (besides the marker), each as its manifest records it (see
/// [`Relinking::intact`]).
fn holds_exactly(target: &Path, last: &Previous) -> bool {
    use rayon::prelude::*;
    let files: Vec<walkdir::DirEntry> = walkdir::WalkDir::new(target)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .collect();
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let all_ours = files.par_iter().all(|e| {
        let Some(rel) = e.path().strip_prefix(target).ok().and_then(Path::to_str) else {
            return false;
        };
        if rel == MARKER {
            return true;
        }
        let Some(entry) = last.entries.get(key(rel)) else {
            return false;
        };
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Relinking::intact(last, rel, &entry)
    });
    all_ours && seen.into_inner() == last.entries.len()
}

/// Moves the modification time of the manifest `file`, just written, past
/// the file system clock's tick it was written in (a few milliseconds on
/// Linux): the files of the site were all written then or earlier, so
/// each has a time before the manifest's, while a change anyone makes
/// from now on gets a time no earlier. Gives up after 50 ms, on a file
/// system whose clock ticks slower (FAT's, every two seconds): the files
/// of the last tick then count as changed, and are written again.
fn after_the_last_write(file: &std::fs::File) -> io::Result<()> {
    use rustix::fs::{Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};
    let written = file.metadata()?.modified()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
    let now = Timestamps {
        last_access: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
        last_modification: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_NOW,
        },
    };
    while file.metadata()?.modified()? <= written && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
        rustix::fs::futimens(file, &now)?;
    }
    Ok(())
}

/// Writes the manifest of the site now in `target`, through a temporary
/// file renamed into place.
fn write_manifest(target: &Path, entries: &Entries, summary: &Summary) -> io::Result<()> {
    let dir: OwnedFd = std::fs::File::open(target)?.into();
    let (inode, modified) = marker_identity(&dir)?;
    let path = path_of(target)?;
    let temporary = path.with_extension(format!("manifest-{}", std::process::id()));
    let mut out = io::BufWriter::new(std::fs::File::create(&temporary)?);
    writeln!(out, "{HEADER}")?;
    let inputs = summary.inputs.map_or_else(|| "-".to_string(), |h| format!("{h:x}"));
    writeln!(
        out,
        "{inode} {modified} {inputs} {} {} {} {}",
        summary.documents,
        summary.pages,
        summary.files,
        generator()
    )?;
    for (path, e) in entries.iter() {
        match e.fingerprint {
            Some(f) => writeln!(out, "{path:x} {:x} {} {f:x}", e.hash, e.size)?,
            None => writeln!(out, "{path:x} {:x} {}", e.hash, e.size)?,
        }
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    after_the_last_write(&file)?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The identity of a site's marker file: its inode and modification time.
type Identity = (u64, i128);

/// A manifest as read.
struct Read {
    marker: Identity,
    summary: Summary,
    generator: String,
    entries: Entries,
}

/// The first two lines of a manifest: its format, then the site's marker,
/// the build's summary and what wrote it; `None` if they are not those of
/// a manifest this version reads.
fn read_head(lines: &mut impl Iterator<Item = io::Result<String>>) -> io::Result<Option<(Identity, Summary, String)>> {
    if lines.next().transpose()?.as_deref() != Some(HEADER) {
        return Ok(None);
    }
    let Some(head) = lines.next().transpose()? else {
        return Ok(None);
    };
    let head: Vec<&str> = head.splitn(7, ' ').collect();
    let number = |i: usize| head.get(i).and_then(|s| s.parse::<usize>().ok());
    let inputs = match head.get(2) {
        Some(&"-") => Some(None),
        Some(h) => u64::from_str_radix(h, 16).ok().map(Some),
        None => None,
    };
    let (Some(Ok(inode)), Some(Ok(modified)), Some(inputs), Some(documents), Some(pages), Some(files), Some(generator)) = (
        head.first().map(|s| s.parse::<u64>()),
        head.get(1).map(|s| s.parse::<i128>()),
        inputs,
        number(3),
        number(4),
        number(5),
        head.get(6),
    ) else {
        return Ok(None);
    };
    let summary = Summary {
        inputs,
        documents,
        pages,
        files,
    };
    Ok(Some(((inode, modified), summary, generator.to_string())))
}

/// A manifest's contents; `None` if it is not a manifest this version
/// reads.
fn read(input: impl BufRead) -> io::Result<Option<Read>> {
    let mut lines = input.lines();
    let Some((marker, summary, generator)) = read_head(&mut lines)? else {
        return Ok(None);
    };
    let mut entries = Vec::new();
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
        // No file is that large; the bit holds whether there is a
        // fingerprint.
        if size & HAS_FINGERPRINT != 0 {
            return Ok(None);
        }
        let entry = Entry {
            hash,
            fingerprint,
            size,
        };
        entries.push((path, entry.into()));
    }
    Ok(Some(Read {
        marker,
        summary,
        generator,
        entries: Entries::from_list(entries),
    }))
}

impl Sink for Relinking {
    fn put(&self, rel: &str, bytes: &[u8], fingerprint: Option<u64>) -> io::Result<()> {
        let entry = Entry {
            hash: hash::bytes(bytes),
            fingerprint,
            size: bytes.len() as u64,
        };
        if let Some(kept) = self.kept(rel, |old| old.hash == entry.hash && old.size == entry.size) {
            self.record(rel, Entry { fingerprint, ..kept });
            return Ok(());
        }
        let same = |p: &&Previous| {
            p.entries
                .get(key(rel))
                .is_some_and(|old| old.hash == entry.hash && old.size == entry.size)
        };
        match self.previous.as_ref().filter(same) {
            Some(previous) if self.link(previous, rel, &entry) => {}
            _ => self.staging.write(rel, bytes)?,
        }
        self.record(rel, entry);
        Ok(())
    }

    /// Written at once, without a look at the last site's file: the bytes
    /// are not known before they are written.
    fn put_streamed(&self, rel: &str, write: &dyn Fn(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()> {
        let (hash, size) = self.staging.write_streamed(rel, write)?;
        let entry = Entry {
            hash,
            fingerprint: None,
            size: size as u64,
        };
        self.record(rel, entry);
        Ok(())
    }

    /// Fingerprints cost a little on every build, and pay only when there
    /// is a previous site to take pages from, or a preview to go on from
    /// this one.
    fn wants_fingerprints(&self) -> bool {
        self.previous.is_some() || self.spare.is_some() || self.paths.is_some()
    }

    fn reuse(&self, rel: &str, fingerprint: u64) -> bool {
        if let Some(kept) = self.kept(rel, |old| old.fingerprint == Some(fingerprint)) {
            self.record(rel, kept);
            return true;
        }
        let Some(previous) = &self.previous else {
            return false;
        };
        match previous.entries.get(key(rel)) {
            Some(old) if old.fingerprint == Some(fingerprint) && self.link(previous, rel, &old) => {
                self.record(rel, old);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: Summary = Summary {
        inputs: Some(u64::MAX),
        documents: 1,
        pages: 2,
        files: 3,
    };

    #[test]
    fn a_manifest_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join(MARKER), "x").unwrap();
        let page = Entry {
            hash: 1,
            fingerprint: Some(u64::MAX),
            size: 3,
        };
        let data = Entry {
            hash: 2,
            fingerprint: None,
            size: (1 << 63) - 1,
        };
        let empty = Entry {
            hash: 3,
            fingerprint: Some(0),
            size: 0,
        };
        let entries = Entries::from_list(vec![
            (key("index.html"), page.into()),
            (key("a/b.json"), data.into()),
            (key("a/c.json"), empty.into()),
        ]);
        assert_eq!(entries.get(key("index.html")), Some(page));
        assert_eq!(entries.get(key("a/b.json")), Some(data));
        assert_eq!(entries.get(key("a/c.json")), Some(empty));
        assert_eq!(entries.get(key("missing")), None);
        write_manifest(&target, &entries, &SUMMARY).unwrap();
        let text = std::fs::read(path_of(&target).unwrap()).unwrap();
        let manifest = read(&text[..]).unwrap().expect("a manifest");
        let (marker, read_back) = (manifest.marker, manifest.entries);
        assert_eq!(manifest.generator, generator());
        assert_eq!(manifest.summary, SUMMARY);
        let dir_fd: OwnedFd = std::fs::File::open(&target).unwrap().into();
        assert_eq!(marker, marker_identity(&dir_fd).unwrap());
        assert_eq!(read_back.iter().collect::<Vec<_>>(), entries.iter().collect::<Vec<_>>());
    }

    /// Of two entries for one file, the later is kept, as a map's insert
    /// would keep it.
    #[test]
    fn the_later_of_two_entries_for_a_file_is_kept() {
        let entry = |hash| {
            Packed::from(Entry {
                hash,
                fingerprint: None,
                size: 1,
            })
        };
        let entries = Entries::from_list(vec![
            (5, entry(1)),
            (2, entry(2)),
            (5, entry(3)),
            (5, entry(4)),
            (1, entry(5)),
        ]);
        let hashes: Vec<(u64, u64)> = entries.iter().map(|(k, e)| (k, e.hash)).collect();
        assert_eq!(hashes, [(1, 5), (2, 2), (5, 4)]);
    }

    #[test]
    fn page_fingerprints_from_another_annals_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join(MARKER), "x").unwrap();
        let page = Entry {
            hash: 1,
            fingerprint: Some(7),
            size: 3,
        };
        let entries = Entries::from_list(vec![(key("index.html"), page.into())]);
        write_manifest(&target, &entries, &SUMMARY).unwrap();
        let kept = Relinking::previous(&target)
            .unwrap()
            .expect("the manifest describes the site");
        assert_eq!(
            kept.entries.get(key("index.html")),
            Some(page),
            "written by this annals"
        );

        let path = path_of(&target).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let generator = generator();
        std::fs::write(&path, text.replace(&generator, "0.0.1-1-1")).unwrap();
        let other = Relinking::previous(&target)
            .unwrap()
            .expect("still the site's manifest");
        assert_eq!(
            other.entries.get(key("index.html")),
            Some(Entry {
                fingerprint: None,
                ..page
            }),
            "the bytes' hash is kept, the fingerprint is not"
        );
    }

    #[test]
    fn anything_else_is_no_manifest() {
        for text in [
            "",
            "annals manifest 2\n1 2 - 1 1 1 g\n",
            "annals manifest 3\n",
            "annals manifest 3\n1 2 - 1 1 1\n",
            "annals manifest 3\n1 x - 1 1 1 g\n",
            "annals manifest 3\n1 2 xyz 1 1 1 g\n",
            "annals manifest 3\n1 2 - 1 one 1 g\n",
            "annals manifest 3\n1 2 - 1 1 1 g\nzz 1 2\n",
            "annals manifest 3\n1 2 - 1 1 1 g\n1 1\n",
            "annals manifest 3\n1 2 - 1 1 1 g\n1 1 1 fingerprint\n",
            // A size no file has, whose top bit says "fingerprint" when kept.
            "annals manifest 3\n1 2 - 1 1 1 g\n1 1 9223372036854775808\n",
        ] {
            assert!(read(text.as_bytes()).unwrap().is_none(), "{text:?}");
        }
    }
}
