//! The output swap: at every instant the output folder holds one whole
//! build; a build that fails or is killed at any point leaves the previous
//! site, and the next run clears what it left; two processes never write
//! into one output at once.
//!
//! Failures and crashes are injected through the debug build's fail points
//! (`ANNALS_FAIL_AT`, `ANNALS_ABORT_AT`, `ANNALS_NO_EXCHANGE`; see
//! `src/output/swap.rs`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::support::{Fixture, tree};

fn archive(title: &str) -> Fixture {
    let f = Fixture::new().file("seeds/a.txt", "I. Part\n\nText.\n");
    edit(f, title)
}

fn edit(f: Fixture, title: &str) -> Fixture {
    f.doc(
        "a",
        &format!("title = \"{title}\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\""),
        "",
    )
    .doc("b", "title = \"B\"\ndate = 2021-01-01", "Text of B.")
}

fn annals(root: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_annals"));
    command.args(["build", "--root"]).arg(root);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// What lies beside the output besides the output, its lock file, the
/// manifest of the site in it, and the site it replaced, kept for the next
/// build with its manifest.
fn leftovers(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(".public.annals-")
                && ![
                    ".public.annals-lock",
                    ".public.annals-manifest",
                    ".public.annals-spare",
                    ".public.annals-spare-manifest",
                ]
                .contains(&n.as_str())
        })
        .collect();
    names.sort();
    names
}

fn public(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    tree(&f.root().join("public"))
}

/// A clean build of the archive as it is now, into a folder of its own.
fn clean_build(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let result = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(f.root())
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    tree(&out)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_failure_while_writing_or_swapping_leaves_the_old_site() {
    let f = archive("First");
    f.build();
    let before = public(&f);
    let f = edit(f, "Second");
    for env in [
        &[("ANNALS_FAIL_AT", "write")][..],
        &[("ANNALS_FAIL_AT", "swap")],
        &[("ANNALS_FAIL_AT", "swap"), ("ANNALS_NO_EXCHANGE", "1")],
    ] {
        let out = annals(f.root(), env);
        assert!(!out.status.success(), "{env:?}");
        let err = stderr(&out);
        assert!(err.contains("failing at"), "{env:?}: {err}");
        assert!(err.contains("nothing was written"), "{env:?}: {err}");
        assert_eq!(public(&f), before, "{env:?}: the old site, byte for byte");
        assert!(leftovers(f.root()).is_empty(), "{env:?}: {:?}", leftovers(f.root()));
    }
}

#[test]
fn a_crash_after_the_swap_leaves_the_new_site_and_the_next_build_clears_the_old() {
    let f = archive("First");
    f.build();
    let f = edit(f, "Second");
    let out = annals(f.root(), &[("ANNALS_ABORT_AT", "after-swap")]);
    assert!(!out.status.success(), "the process was killed");
    assert_eq!(public(&f), clean_build(&f), "the whole new site is in place");
    assert_eq!(leftovers(f.root()).len(), 1, "the old site, not yet deleted");
    let out = annals(f.root(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(leftovers(f.root()).is_empty(), "{:?}", leftovers(f.root()));
}

#[test]
fn a_crash_between_the_fallbacks_two_renames_is_repaired_by_the_next_run() {
    let f = archive("First");
    f.build();
    let before = public(&f);
    let f = edit(f, "Second");
    let out = annals(
        f.root(),
        &[("ANNALS_NO_EXCHANGE", "1"), ("ANNALS_ABORT_AT", "between-renames")],
    );
    assert!(!out.status.success());
    assert!(!f.root().join("public").exists(), "the fallback's window: no output");
    // The next run puts the old site back before anything else, even when
    // it fails itself.
    let f = f.file("content/broken.md", "+++\ntitle = \n+++\n");
    let out = annals(f.root(), &[]);
    assert!(!out.status.success());
    assert_eq!(public(&f), before, "the old site is back");
    assert!(leftovers(f.root()).is_empty(), "{:?}", leftovers(f.root()));
}

#[test]
fn an_old_site_that_cannot_be_deleted_is_a_warning_not_a_failure() {
    let f = archive("First");
    f.build();
    let f = edit(f, "Second");
    let out = annals(f.root(), &[("ANNALS_FAIL_AT", "delete-old")]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("nothing was written"), "{err}");
    assert!(
        err.contains("warning: the new site is in place in") && err.contains("could not be deleted"),
        "{err}"
    );
    assert_eq!(public(&f), clean_build(&f));
    assert_eq!(leftovers(f.root()).len(), 1);
    assert!(annals(f.root(), &[]).status.success());
    assert!(leftovers(f.root()).is_empty(), "the next build removes it");
}

#[test]
fn the_output_is_never_missing_or_half_written_while_builds_replace_it() {
    let f = archive("First");
    f.build();
    let page = f.root().join("public/documents/a/index.html");
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, page) = (stop.clone(), reads.clone(), page.clone());
        std::thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&page).map_err(|e| format!("missing: {e}"))?;
                if !text.trim_end().ends_with("</html>") {
                    return Err(format!("half a page: {} bytes", text.len()));
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };
    let mut f = f;
    for i in 0..15 {
        f = edit(f, &format!("Title {i}"));
        let out = annals(f.root(), &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap().unwrap();
    assert!(
        reads.load(Ordering::Relaxed) > 15,
        "the reader read while the builds ran"
    );
}

#[test]
fn a_second_build_into_one_output_waits_for_the_first() {
    let f = archive("First");
    let spawn = |pause: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_annals"));
        command.args(["build", "--root"]).arg(f.root());
        if pause {
            command.env("ANNALS_PAUSE_AT", "swap");
        }
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The first build stops for a second before its swap, holding the lock;
    // it has written its process id into the lock file by then.
    let first = spawn(true);
    let lock = f.root().join(".public.annals-lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.starts_with(&format!("{} build", first.id()))) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first build never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = spawn(false).wait_with_output().unwrap();
    let first_id = first.id();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains(&format!(
            "Waiting for another annals build (process {first_id}) to finish writing into"
        )),
        "{}",
        stderr(&second)
    );
    assert_eq!(public(&f), clean_build(&f));
    assert!(leftovers(f.root()).is_empty(), "{:?}", leftovers(f.root()));
}

#[test]
fn a_build_does_not_write_into_the_output_of_a_running_serve() {
    let f = archive("First");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["serve", "--port", "0", "--root"])
        .arg(f.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Serving starts after its first build has taken the lock.
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(serve.stdout.take().unwrap());
    while !line.contains("Rebuilt") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() > 0,
            "serve ended"
        );
    }
    let out = annals(f.root(), &[]);
    serve.kill().unwrap();
    serve.wait().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("annals serve (process "), "{err}");
    assert!(err.contains("is writing into"), "{err}");
    assert!(
        err.contains("stop it first, or build into another folder with --output"),
        "{err}"
    );
}
