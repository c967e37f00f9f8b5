//! Output safety: annals writes only inside the output folder, replaces
//! only folders it wrote, reads only inside the archive, and a failed build
//! at any stage leaves the previous output byte for byte.

use std::os::unix::fs::symlink;

use crate::support::{CONFIG, Fixture, tree};

fn archive() -> Fixture {
    Fixture::new().file("seeds/a.txt", "Text.\n").doc(
        "a",
        "title = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"",
        "",
    )
}

#[test]
fn output_dir_in_config_must_stay_inside_the_archive() {
    for (dir, message) in [
        (
            "../elsewhere",
            "output_dir `../elsewhere` leaves the archive through `..`",
        ),
        ("/tmp/site", "output_dir `/tmp/site` is an absolute path"),
        (
            "content/out",
            "output_dir `content/out` is inside `content/`, which annals reads",
        ),
    ] {
        let f = archive().file("config.toml", &format!("output_dir = \"{dir}\"\n{CONFIG}"));
        let err = f.build_err();
        assert!(err.contains(&format!("error: {message}")), "{err}");
        assert!(err.contains("config.toml:1:1"), "{err}");
        assert!(err.contains("e.g. \"public\""), "{err}");
    }
}

#[test]
fn output_dir_in_config_is_never_a_folder_annals_reads() {
    for (dir, input) in [
        ("content/out", "content"),
        ("seeds", "seeds"),
        ("templates", "templates"),
        ("templates/site", "templates"),
        ("themes", "themes"),
        ("themes/default/site", "themes"),
        ("static", "static"),
        ("static/site", "static"),
    ] {
        refused_as_output_dir(
            dir,
            &format!("output_dir `{dir}` is inside `{input}/`, which annals reads"),
        );
    }
}

/// A build with `output_dir = "<dir>"` on line 4 of config.toml fails
/// with `message` at that line, and writes nothing there.
fn refused_as_output_dir(dir: &str, message: &str) {
    let config = CONFIG.replacen('\n', &format!("\n\n\noutput_dir = \"{dir}\"\n"), 1);
    let f = archive().file("config.toml", &config);
    let before = tree(f.root());
    let err = f.build_err();
    assert!(err.contains(&format!("error: {message}\n")), "{err}");
    assert!(err.contains("--> config.toml:4:1\n"), "{err}");
    assert!(err.contains(&format!("4 | output_dir = \"{dir}\"")), "{err}");
    assert!(err.contains("e.g. \"public\""), "{err}");
    assert_eq!(tree(f.root()), before, "{dir}: the failed build wrote something");
}

#[test]
fn never_replaces_a_folder_annals_did_not_write() {
    let f = archive();
    let theirs = f.root().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("thesis.docx"), "years of work").unwrap();
    let out = f.run(&["build", "--output", theirs.to_str().unwrap()]);
    assert!(!out.success);
    assert!(
        out.stderr.contains("will not replace") && out.stderr.contains("it is a folder annals did not write"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("thesis.docx")).unwrap(),
        "years of work"
    );
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 1);

    // An empty folder, and then annals' own output, are fine to replace.
    let mine = f.root().join("mine");
    std::fs::create_dir(&mine).unwrap();
    for _ in 0..2 {
        let out = f.run(&["build", "--output", mine.to_str().unwrap()]);
        assert!(out.success, "{}", out.stderr);
    }
    assert!(mine.join(".annals-output").is_file());
    assert!(mine.join("documents/a/index.html").is_file());
}

#[test]
fn paths_in_front_matter_cannot_leave_the_archive() {
    let f = archive().file("secret.txt", "not part of the archive\n");
    let err = f
        .doc("b", "title = \"B\"\nseed = \"seeds/../secret.txt\"", "")
        .build_err();
    assert!(
        err.contains("seed `seeds/../secret.txt` is not inside `seeds/`"),
        "{err}"
    );
    let err = archive().doc("c", "title = \"C\"\nslug = \"../../x\"", "").build_err();
    assert!(err.contains("content/c.md:3:8"), "{err}");
}

#[test]
fn symbolic_links_out_of_the_archive_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.md"), "+++\ntitle = \"X\"\n+++\nSecret.\n").unwrap();
    std::fs::write(outside.path().join("x.txt"), "Secret.\n").unwrap();

    let f = archive();
    symlink(outside.path().join("x.md"), f.root().join("content/x.md")).unwrap();
    let err = f.build_err();
    assert!(
        err.contains("content/x.md leads, through a symbolic link, outside the archive"),
        "{err}"
    );

    let f = archive().doc("b", "title = \"B\"\nseed = \"seeds/x.txt\"", "");
    symlink(outside.path().join("x.txt"), f.root().join("seeds/x.txt")).unwrap();
    let err = f.build_err();
    assert!(
        err.contains("seeds/x.txt leads, through a symbolic link, outside the archive"),
        "{err}"
    );

    // A link that stays inside the archive is followed.
    let f = archive().doc("b", "title = \"B\"\nseed = \"seeds/b.txt\"", "");
    symlink(f.root().join("seeds/a.txt"), f.root().join("seeds/b.txt")).unwrap();
    assert!(f.build().page("documents/b/").text.contains("Text."));
}

#[test]
fn a_build_that_fails_while_rendering_leaves_the_output_alone() {
    let f = archive();
    f.build();
    let before = tree(&f.root().join("public"));
    assert!(before.contains_key(".annals-output"));
    let f = f.file(
        "templates/document.html",
        "{% extends \"base.html\" %}{% block content %}{{ doc.no_such_field.deeper }}{% endblock content %}",
    );
    let err = f.build_err();
    assert!(err.contains("templates/document.html"), "{err}");
    assert_eq!(tree(&f.root().join("public")), before);
}
