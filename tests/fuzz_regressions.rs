//! Fuzz regressions: inputs the fuzzers in `fuzz/` found interesting, kept
//! so every `cargo test` checks them again without a fuzzer.
//!
//! Each file under `tests/fuzz-inputs/<target>/` goes through the same
//! property checks as the fuzz target of that name (`fuzz/oracles/*.rs`,
//! included here by path), so a change that would make the fuzzer fail on a
//! stored input fails here too. The inputs were picked from a minimised
//! corpus (`cargo fuzz cmin`): small ones reaching different code. Add a
//! crash input here, named after what it found, before fixing the crash.
//! Inputs named `hang-*` once made a parser take time quadratic in their
//! size; they are replayed like the others, and the fix is pinned by a
//! unit test that counts work instead of timing it
//! (`content::slug::tests::claims_are_distinct_and_smallest_first`). This
//! file does not fuzz: it only replays.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../fuzz/oracles/frontmatter.rs"]
mod frontmatter_oracle;
#[path = "../fuzz/oracles/seed.rs"]
mod seed_oracle;

/// The stored inputs of one fuzz target, sorted by name.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-inputs")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every stored input of `target`, and fails naming every
/// input whose check panicked.
fn replay(target: &str, check: fn(&str)) {
    let files = inputs(target);
    assert!(files.len() >= 10, "only {} inputs for {target}", files.len());
    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let text = read(file);
            panic::catch_unwind(AssertUnwindSafe(|| check(&text))).is_err()
        })
        .map(|file| name(file))
        .collect();
    assert!(failed.is_empty(), "{target} checks failed on: {failed:?}");
}

fn name(file: &Path) -> String {
    file.file_name().unwrap().to_string_lossy().into_owned()
}

fn read(file: &Path) -> String {
    String::from_utf8(fs::read(file).unwrap()).expect("stored fuzz inputs are UTF-8")
}

#[test]
fn frontmatter_inputs_split_and_parse_cleanly() {
    replay("frontmatter", frontmatter_oracle::check);
}

#[test]
fn seed_inputs_keep_the_seed_promises() {
    replay("seed", seed_oracle::check);
}
