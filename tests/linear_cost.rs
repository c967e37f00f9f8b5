//! Memory in proportion to the input: builds of generated archives, at two
//! sizes, under a global allocator that counts live heap bytes.
//!
//! The work of the other costs that once grew faster than the input is
//! counted in unit tests next to the code: the mention matcher's
//! (`analyse::mentions`) and the raw HTML checks' (`render::raw_html`).
//! This binary holds the memory test, because a counting allocator counts
//! every thread of the process: its tests take turns.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use annals::output::Sink;

/// The system allocator, counting the bytes it holds and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The old and the new block may both be held while copying.
        grew(new_size);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests of this binary take turns, so that each counts its own bytes.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A sink that keeps only the size of the largest file.
#[derive(Default)]
struct Largest(AtomicUsize);

impl Sink for Largest {
    fn put(&self, _rel: &str, bytes: &[u8], _fingerprint: Option<u64>) -> std::io::Result<()> {
        self.0.fetch_max(bytes.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// What one build of a generated archive took.
#[derive(Debug)]
struct Measured {
    /// Bytes of the archive's content and seed files.
    read: usize,
    /// Bytes of the largest page.
    largest_page: usize,
    /// The most heap bytes held at once during the build, beyond what was
    /// held before it.
    peak: usize,
}

/// Writes `files` into a temporary archive and builds it (writing nothing).
fn build(files: &[(&str, String)]) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let mut read = 0;
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        read += text.len();
    }
    measure(dir.path(), read)
}

fn measure(root: &Path, read: usize) -> Measured {
    let options = annals::BuildOptions {
        root: root.to_path_buf(),
        ..Default::default()
    };
    let mut caches = annals::Caches::default();
    // On one thread, the build's jobs run one after another in the same
    // order every time: the peak does not depend on which of them happen
    // to overlap on a given run.
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (sink, _) = one_thread
        .install(|| annals::run_with(&options, &mut caches, |_| Ok(Largest::default())))
        .expect("the archive builds");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    Measured {
        read,
        largest_page: sink.0.load(Ordering::Relaxed),
        peak,
    }
}

const CONFIG: &str = "title = \"T\"\nbase_url = \"https://example.org\"\n";

/// An archive whose one document has a markdown seed of `paragraphs` very
/// short paragraphs.
fn short_paragraphs(paragraphs: usize) -> Vec<(&'static str, String)> {
    vec![
        ("config.toml", CONFIG.to_string()),
        (
            "content/a.md",
            "+++\ntitle = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.md\"\n+++\nA note.\n".to_string(),
        ),
        ("seeds/a.md", "x\n\n".repeat(paragraphs)),
    ]
}

/// An archive whose one document has a plain-text seed of `lines` short lines.
fn short_lines(lines: usize) -> Vec<(&'static str, String)> {
    vec![
        ("config.toml", CONFIG.to_string()),
        (
            "content/a.md",
            "+++\ntitle = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"\n+++\n".to_string(),
        ),
        ("seeds/a.txt", format!("Title\n\n{}", "A line.\n".repeat(lines))),
    ]
}

/// Checks that the peak grows in proportion to what is read and written,
/// and stays within a few copies of it. A page is held about three times
/// at the peak (as its text is rendered, as a template value, as the page
/// is written), and markdown's parser holds a tree of the whole text.
fn check_memory(what: &str, small: Measured, large: Measured) {
    let size = |m: &Measured| (m.read + m.largest_page) as f64;
    for m in [&small, &large] {
        assert!(
            m.peak as f64 <= 5.0 * size(m),
            "{what}: a build held {} bytes at once for {} bytes read and a page of {} bytes",
            m.peak,
            m.read,
            m.largest_page
        );
    }
    let per_byte = |m: &Measured| m.peak as f64 / size(m);
    assert!(
        per_byte(&large) <= 1.25 * per_byte(&small),
        "{what}: peak per byte grew from {:.1} ({small:?}) to {:.1} ({large:?})",
        per_byte(&small),
        per_byte(&large)
    );
}

#[test]
fn a_markdown_seed_of_short_paragraphs_takes_memory_in_proportion() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let small = build(&short_paragraphs(20_000));
    let large = build(&short_paragraphs(80_000));
    check_memory("markdown seed", small, large);
}

#[test]
fn a_text_seed_of_short_lines_takes_memory_in_proportion() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let small = build(&short_lines(10_000));
    let large = build(&short_lines(40_000));
    check_memory("text seed", small, large);
}
