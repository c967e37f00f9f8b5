//! Determinism: the same input gives the same bytes, whatever the number of
//! threads, the order files were created in, or the time of the build.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Fixture, tree};

fn build(root: &Path, out: &Path, threads: &str) {
    let result = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn the_shipped_archive_builds_the_same_on_one_thread_and_on_many() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let runs: Vec<_> = ["1", "2", "8"]
        .iter()
        .map(|threads| {
            let dir = out.path().join(format!("threads-{threads}"));
            build(&repo, &dir, threads);
            tree(&dir)
        })
        .collect();
    assert!(runs[0].len() > 40, "{} files", runs[0].len());
    assert!(
        runs.iter().all(|r| *r == runs[0]),
        "outputs differ between thread counts"
    );
    // A build a second later, and again after the first output was deleted,
    // writes the same bytes: nothing depends on the clock.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = out.path().join("threads-1");
    std::fs::remove_dir_all(&again).unwrap();
    build(&repo, &again, "2");
    assert!(tree(&again) == runs[0], "a later build differs");
}

#[test]
fn the_order_files_were_created_in_does_not_matter() {
    let docs: Vec<(String, String)> = (0..12)
        .map(|i| {
            (
                format!("d{i:02}"),
                format!(
                    "title = \"Document {i} on data\"\ndate = 2020-0{}-01\ncited_as = [\"Doc {i}\"]\n[taxonomies]\ntopics = [\"t{}\", \"data\"]",
                    1 + i % 9,
                    i % 3
                ),
            )
        })
        .collect();
    let body = |i: usize| format!("Mentions Doc {} and Doc {}.", (i + 1) % 12, (i + 5) % 12);
    let forward = docs
        .iter()
        .enumerate()
        .fold(Fixture::new(), |f, (i, (slug, fm))| f.doc(slug, fm, &body(i)));
    let backward = docs
        .iter()
        .enumerate()
        .rev()
        .fold(Fixture::new(), |f, (i, (slug, fm))| f.doc(slug, fm, &body(i)));
    let (a, b) = (forward.root().join("out"), backward.root().join("out"));
    build(forward.root(), &a, "2");
    build(backward.root(), &b, "2");
    let (a, b) = (tree(&a), tree(&b));
    assert!(a.len() > 20);
    assert!(a == b, "outputs differ with the order of creation");
}
