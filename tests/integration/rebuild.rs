//! A build into an output that holds the last build's site: files whose
//! bytes did not change are linked from the old site into the new one, and
//! pages whose inputs did not change are not rendered again, and the result
//! is still exactly what a clean build writes.

#![cfg(unix)]

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::support::{Fixture, tree};

fn archive(title: &str) -> Fixture {
    Fixture::new()
        .file("seeds/a.txt", "I. Part\n\nText of A.\n")
        .doc(
            "a",
            &format!("title = \"{title}\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\""),
            "",
        )
        .doc("b", "title = \"B\"\ndate = 2021-01-01", "Text of B.")
}

/// A clean build of the archive as it is now, into a folder of its own.
fn clean_build(f: &Fixture) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let outcome = f.run(&["build", "--output", out.to_str().unwrap()]);
    assert!(outcome.success, "{}", outcome.stderr);
    tree(&out)
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

fn build(f: &Fixture) -> String {
    let outcome = f.run(&["build"]);
    assert!(outcome.success, "{}", outcome.stderr);
    outcome.stdout
}

#[test]
fn a_rebuild_links_what_did_not_change_and_equals_a_clean_build() {
    let f = archive("First");
    let first = build(&f);
    assert!(
        !first.contains("unchanged"),
        "nothing to keep in a first build: {first}"
    );
    let public = f.root().join("public");
    // B's page names A (as the document before it); B's citation does not.
    let (page_a, cite_b) = (
        public.join("documents/a/index.html"),
        public.join("documents/b/cite.bib"),
    );
    let (a_before, b_before) = (inode(&page_a), inode(&cite_b));

    let f = f.doc("a", "title = \"Second\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", "");
    let second = build(&f);
    assert!(second.contains("unchanged from the last build"), "{second}");
    assert_eq!(tree(&public), clean_build(&f), "the site a clean build writes");
    assert_ne!(inode(&page_a), a_before, "the changed page is written anew");
    assert_eq!(
        inode(&cite_b),
        b_before,
        "B's citation did not change: it is the old file"
    );
    assert!(
        !public.join(".public.annals-manifest").exists() && f.root().join(".public.annals-manifest").is_file(),
        "the manifest is kept beside the output, not published in it"
    );

    // Twice over: the second build's manifest serves the third.
    let a_second = inode(&page_a);
    let third = build(&f);
    assert!(third.contains("unchanged from the last build"), "{third}");
    assert_eq!(tree(&public), clean_build(&f));
    assert_eq!(inode(&page_a), a_second, "A's page as the second build wrote it");
    assert_eq!(inode(&cite_b), b_before, "still the file of the first build");
}

#[test]
fn a_file_changed_in_the_output_after_the_build_is_written_again() {
    let f = archive("First");
    build(&f);
    let public = f.root().join("public");
    let page = public.join("documents/b/index.html");
    let original = std::fs::read(&page).unwrap();
    // The same size, other bytes: only the time it was changed tells.
    let mut tampered = original.clone();
    tampered[..8].copy_from_slice(b"TAMPERED");
    std::fs::write(&page, &tampered).unwrap();
    // Another file, shorter, and one deleted.
    std::fs::write(public.join("documents/a/index.json"), "{}").unwrap();
    std::fs::remove_file(public.join("documents/a/cite.bib")).unwrap();

    build(&f);
    assert_eq!(std::fs::read(&page).unwrap(), original);
    assert_eq!(tree(&public), clean_build(&f), "every file as a clean build writes it");
}

#[test]
fn a_manifest_that_does_not_describe_the_output_is_ignored() {
    let f = archive("First");
    build(&f);
    // The output replaced by a copy of itself: the same bytes, but not the
    // files the manifest was written for.
    let public = f.root().join("public");
    let copy = f.root().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for (rel, bytes) in tree(&public) {
        let path = copy.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::write(
        copy.join(".annals-output"),
        std::fs::read(public.join(".annals-output")).unwrap(),
    )
    .unwrap();
    std::fs::remove_dir_all(&public).unwrap();
    std::fs::rename(&copy, &public).unwrap();

    let out = build(&f);
    assert!(
        !out.contains("unchanged"),
        "nothing linked from a site the manifest does not describe: {out}"
    );
    assert_eq!(tree(&public), clean_build(&f));

    // A manifest that is not one at all.
    std::fs::write(f.root().join(".public.annals-manifest"), "garbage\n").unwrap();
    let out = build(&f);
    assert!(!out.contains("unchanged"), "{out}");
    assert_eq!(tree(&public), clean_build(&f));
    let out = build(&f);
    assert!(out.contains("unchanged"), "the manifest is written again: {out}");
}

/// Dates every file under `dir` a minute back, as files an editor saved a
/// while ago: a file changed in the last seconds may change again within
/// the file system's clock tick, and keeps a build from trusting its time.
fn settle(dir: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            let file = std::fs::File::options().write(true).open(entry.path()).unwrap();
            file.set_modified(past).unwrap();
        }
    }
}

fn settled(f: Fixture) -> Fixture {
    for name in ["config.toml", "content", "seeds"] {
        settle(&f.root().join(name));
    }
    f
}

#[test]
fn a_build_with_nothing_changed_leaves_the_output_as_it_is() {
    let f = settled(archive("First"));
    build(&f);
    let public = f.root().join("public");
    let page = public.join("documents/a/index.html");
    let before = (inode(&page), inode(&public));

    let again = build(&f);
    assert!(
        again.starts_with("Nothing changed since the last build: 2 documents"),
        "{again}"
    );
    assert_eq!(
        (inode(&page), inode(&public)),
        before,
        "not a file written, not the folder swapped"
    );

    // An edit is built.
    let f = settled(f.doc("a", "title = \"Second\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", ""));
    let edited = build(&f);
    assert!(edited.starts_with("Built 2 documents"), "{edited}");
    assert_eq!(tree(&public), clean_build(&f));
    assert!(build(&f).starts_with("Nothing changed"));

    // So is another build of the same files: drafts included.
    let drafts = f.run(&["build", "--drafts"]);
    assert!(drafts.stdout.starts_with("Built"), "{}", drafts.stdout);

    // A file just saved is not trusted yet: its time may not show a second
    // save in the same tick.
    let f = f.doc("a", "title = \"Second\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", "");
    assert!(build(&f).starts_with("Built"));
    assert!(build(&f).starts_with("Built"), "still within the last seconds");
}

#[test]
fn a_changed_output_is_built_again_even_when_the_inputs_are_not() {
    let f = settled(archive("First"));
    build(&f);
    let public = f.root().join("public");
    assert!(build(&f).starts_with("Nothing changed"));

    // A page edited in the output, of the same size.
    let page = public.join("documents/b/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes[..8].copy_from_slice(b"TAMPERED");
    std::fs::write(&page, &bytes).unwrap();
    assert!(build(&f).starts_with("Built"));
    assert_eq!(tree(&public), clean_build(&f));

    // A file added to it, or one deleted.
    std::fs::write(public.join("extra.txt"), "x").unwrap();
    assert!(build(&f).starts_with("Built"));
    assert!(!public.join("extra.txt").exists());
    std::fs::remove_file(public.join("documents/a/cite.ris")).unwrap();
    assert!(build(&f).starts_with("Built"));
    assert_eq!(tree(&public), clean_build(&f));
    assert!(build(&f).starts_with("Nothing changed"));
}

#[test]
fn a_build_that_warned_is_built_again_and_warns_again() {
    let f = settled(archive("First").doc("c", "title = \"Undated\"", "Text of C."));
    let first = f.run(&["build"]);
    assert!(first.stderr.contains("document has no date"), "{}", first.stderr);
    let again = f.run(&["build"]);
    assert!(again.stdout.starts_with("Built"), "{}", again.stdout);
    assert!(again.stderr.contains("document has no date"), "{}", again.stderr);
}

#[test]
fn a_change_behind_a_linked_folder_is_seen() {
    let f = Fixture::new().file("texts/a.txt", "I. Part\n\nText of A.\n").doc(
        "a",
        "title = \"A\"\ndate = 2020-01-01\nseed = \"seeds/linked/a.txt\"",
        "",
    );
    std::fs::create_dir_all(f.root().join("seeds")).unwrap();
    std::os::unix::fs::symlink("../texts", f.root().join("seeds/linked")).unwrap();
    let f = settled(f);
    settle(&f.root().join("texts"));
    build(&f);
    assert!(build(&f).starts_with("Nothing changed"));

    let f = f.file("texts/a.txt", "I. Part\n\nText of A, revised.\n");
    settle(&f.root().join("texts"));
    assert!(build(&f).starts_with("Built"), "the seed changed behind the link");
    assert!(
        std::fs::read_to_string(f.root().join("public/documents/a/index.html"))
            .unwrap()
            .contains("revised")
    );
}

#[test]
fn the_site_a_build_replaced_is_taken_up_by_the_next_one() {
    let f = settled(archive("First"));
    build(&f);
    let public = f.root().join("public");
    let first_folder = inode(&public.join("documents/a"));
    // The second build replaces the first site, which it keeps aside.
    let f = settled(f.doc("a", "title = \"Second\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", ""));
    build(&f);
    let spare = f.root().join(".public.annals-spare");
    assert_eq!(
        inode(&spare.join("documents/a")),
        first_folder,
        "the first site, kept aside"
    );

    // The third build makes the new site in it: its folders stay, the
    // files the new site does not have go.
    std::fs::remove_file(f.root().join("content/b.md")).unwrap();
    let f = settled(f.doc("a", "title = \"Third\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", ""));
    build(&f);
    assert_eq!(
        inode(&public.join("documents/a")),
        first_folder,
        "the same folder, taken up again"
    );
    assert!(!public.join("documents/b").exists());
    assert_eq!(tree(&public), clean_build(&f));
}

#[test]
fn a_file_changed_in_the_kept_site_is_not_carried_over() {
    let mut f = settled(archive("First"));
    build(&f);
    // Three builds: the kept site is then the second's, whose manifest
    // has every file's fingerprint.
    for title in ["Second", "Third"] {
        let edited = format!("title = \"{title}\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"");
        f = settled(f.doc("a", &edited, ""));
        build(&f);
    }
    // A file of the kept site replaced by another of the same size (not
    // written through: it may be the very file the output holds). B's
    // citation is the same in every build, so only the check of the kept
    // file's time can tell.
    let kept = f.root().join(".public.annals-spare/documents/b/cite.bib");
    let mut bytes = std::fs::read(&kept).unwrap();
    bytes[..8].copy_from_slice(b"TAMPERED");
    std::fs::remove_file(&kept).unwrap();
    std::fs::write(&kept, &bytes).unwrap();

    let f = settled(f.doc("a", "title = \"Fourth\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"", ""));
    build(&f);
    assert_eq!(tree(&f.root().join("public")), clean_build(&f));
}
