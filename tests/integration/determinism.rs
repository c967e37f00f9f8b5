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

/// An archive full of ties: documents with the same date and title (only
/// the slug tells them apart), names two documents share (the first one
/// keeps it), terms in several documents, entities.
fn tied_archive() -> Fixture {
    let mut f = Fixture::new().file(
        "content/entities.toml",
        "[[entity]]\nname = \"Data Office\"\nkind = \"organisation\"\n\n[[entity]]\nname = \"Doc 3\"\nkind = \"other\"\n",
    );
    for i in 0..12 {
        let fm = format!(
            "title = \"Document {} on data\"\ndate = 2020-0{}-01\ncited_as = [\"Doc {}\"]\n[taxonomies]\ntopics = [\"t{}\", \"data\"]",
            i % 4,
            1 + i % 2,
            i % 6,
            i % 3
        );
        let body = format!(
            "Mentions Doc {} and Doc {}, and the Data Office.",
            (i + 1) % 6,
            (i + 5) % 6
        );
        f = f.doc(&format!("d{i:02}"), &fm, &body);
    }
    f
}

fn build_shuffled(root: &Path, out: &Path, shuffle: Option<u64>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_annals"));
    command.args(["build", "--root"]).arg(root).arg("--output").arg(out);
    if let Some(seed) = shuffle {
        command.env("ANNALS_SHUFFLE_LISTINGS", seed.to_string());
    }
    let result = command.output().unwrap();
    assert!(
        result.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    String::from_utf8_lossy(&result.stderr).into_owned()
}

/// The debug build shuffles the listing of content/ and the documents it
/// hands to the analysis when asked (ANNALS_SHUFFLE_LISTINGS), as another
/// file system or another creation order would: the bytes written, and the
/// warnings printed, are the same for every order.
#[test]
fn the_order_files_are_listed_in_does_not_matter() {
    let f = tied_archive();
    let reference_dir = f.root().join("out-0");
    let warnings = build_shuffled(f.root(), &reference_dir, None);
    let reference = tree(&reference_dir);
    assert!(reference.len() > 20);
    assert!(
        warnings.contains("warning"),
        "the shared names give warnings: {warnings}"
    );
    for seed in 1..=4 {
        let out = f.root().join(format!("out-{seed}"));
        let shuffled = build_shuffled(f.root(), &out, Some(seed));
        assert!(tree(&out) == reference, "outputs differ with listing order {seed}");
        assert_eq!(shuffled, warnings, "warnings differ with listing order {seed}");
    }
}
