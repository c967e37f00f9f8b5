//! Confinement: annals reads only regular files inside the archive, and
//! writes `output_dir` only inside it. One rule for every input folder:
//! symbolic links are followed while they lead inside the archive, a link
//! that leads outside or nowhere is an error, a special file is an error,
//! and editors' temporary files are not part of the archive.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{CONFIG, Fixture};

fn archive() -> Fixture {
    Fixture::new().file("seeds/a.txt", "Text.\n").doc(
        "a",
        "title = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"",
        "",
    )
}

/// A folder outside the archive, with a file in it that must never be
/// published.
fn elsewhere() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("id_rsa"), "PRIVATE KEY\n").unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/404.html"), "outside template").unwrap();
    dir
}

/// No file of the output holds the bytes of the file outside.
fn assert_not_published(f: &Fixture) {
    let out = f.root().join("public");
    for (path, bytes) in crate::support::tree(&out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"),
            "{path} holds the outside file"
        );
    }
}

#[test]
fn output_dir_through_a_linked_folder_is_refused() {
    let outside = elsewhere();
    let f = archive().file("config.toml", &format!("output_dir = \"link/out\"\n{CONFIG}"));
    symlink(outside.path(), f.root().join("link")).unwrap();
    let err = f.build_err();
    assert!(
        err.contains("output_dir `link/out` leads, through a symbolic link, outside the archive"),
        "{err}"
    );
    assert!(err.contains("use --output to write anywhere else"), "{err}");
    assert!(!outside.path().join("out").exists(), "nothing was written outside");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 2);

    // A linked folder that stays inside the archive is fine.
    std::fs::remove_file(f.root().join("link")).unwrap();
    std::fs::create_dir(f.root().join("site")).unwrap();
    symlink(f.root().join("site"), f.root().join("link")).unwrap();
    let out = f.run(&["build"]);
    assert!(out.success, "{}", out.stderr);
    assert!(f.root().join("site/out/documents/a/index.html").is_file());
}

#[test]
fn a_theme_is_a_folder_in_themes() {
    let outside = elsewhere();
    for theme in [outside.path().to_str().unwrap(), "../../x"] {
        let f = archive().file("config.toml", &format!("theme = \"{theme}\"\n{CONFIG}"));
        let err = f.build_err();
        assert!(
            err.contains(&format!("theme `{theme}` is not the name of a folder in themes/")),
            "{err}"
        );
        assert!(err.contains("config.toml:1:1"), "{err}");
        assert!(err.contains("copy it into themes/"), "{err}");
    }
}

#[test]
fn theme_and_static_folders_linked_from_outside_are_refused() {
    // The theme's folder, the archive's static/ and templates/ folders, a
    // folder inside them and a single file inside them: each linked out.
    let cases: [(&str, &str, &str); 5] = [
        ("themes/t", "", "themes/t"),
        ("static", "", "static"),
        ("templates", "templates", "templates"),
        ("static/keys", "", "static/keys"),
        ("static/id_rsa", "id_rsa", "static/id_rsa"),
    ];
    for (link, target, shown) in cases {
        let outside = elsewhere();
        let theme = if link.starts_with("themes/") {
            "theme = \"t\"\n"
        } else {
            ""
        };
        let mut f = archive().file("config.toml", &format!("{theme}{CONFIG}"));
        if link.starts_with("static/") {
            f = f.file("static/style-extra.css", "p{}");
        }
        let path = f.root().join(link);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(outside.path().join(target), &path).unwrap();
        let err = f.build_err();
        assert!(
            err.contains(&format!("{shown} leads, through a symbolic link, outside the archive")),
            "{link}: {err}"
        );
        assert!(!f.root().join("public").exists(), "{link}: nothing was built");
    }
}

#[test]
fn links_inside_the_archive_are_followed_in_static() {
    let f = archive().file("notes/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    std::fs::create_dir_all(f.root().join("static")).unwrap();
    symlink(f.root().join("notes/logo.svg"), f.root().join("static/logo.svg")).unwrap();
    let site = f.build();
    assert!(site.exists("logo.svg"));
    assert_not_published(&f);
}

#[test]
fn annals_new_refuses_a_seed_linked_from_outside() {
    let outside = elsewhere();
    let f = archive();
    symlink(outside.path().join("id_rsa"), f.root().join("seeds/key.txt")).unwrap();
    let out = f.run(&["new", "seeds/key.txt"]);
    assert!(!out.success);
    assert!(
        out.stderr
            .contains("seeds/key.txt leads, through a symbolic link, outside the archive"),
        "{}",
        out.stderr
    );
    assert!(!f.root().join("content/key.md").exists());
}

/// Runs `annals build` and waits at most a minute: a build that hangs on a
/// special file fails the test instead of hanging it.
fn build_with_deadline(root: &Path) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status.success(), stderr);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("annals build hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_named_pipe_as_seed_or_content_file_is_an_error_not_a_hang() {
    let f = archive().doc("b", "title = \"B\"\nseed = \"seeds/pipe.txt\"", "");
    mkfifo(&f.root().join("seeds/pipe.txt"));
    let (ok, err) = build_with_deadline(f.root());
    assert!(!ok);
    assert!(
        err.contains("cannot read seed `seeds/pipe.txt`: it is a named pipe (FIFO), not a regular file"),
        "{err}"
    );
    assert!(err.contains("content/b.md:3:8"), "{err}");

    let f = archive();
    mkfifo(&f.root().join("content/pipe.md"));
    let (ok, err) = build_with_deadline(f.root());
    assert!(!ok);
    assert!(
        err.contains("content/pipe.md cannot be read: it is a named pipe (FIFO), not a regular file"),
        "{err}"
    );
}

#[test]
fn editor_temporaries_are_ignored_and_broken_links_named_as_such() {
    let f = archive()
        .file("content/a.md~", "+++\ntitle = broken\n")
        .file("content/.a.md.swp", "\0binary")
        .file("static/#notes.css#", "x");
    // Emacs' lock file: a link to a name that does not exist.
    symlink("user@host.1234:1700000000", f.root().join("content/.#a.md")).unwrap();
    let site = f.build();
    assert!(!site.exists("#notes.css#"), "temporaries are not published");

    symlink("gone.md", f.root().join("content/b.md")).unwrap();
    let err = f.build_err();
    assert!(
        err.contains("content/b.md is a broken symbolic link: what it points to does not exist"),
        "{err}"
    );
    assert!(
        err.contains("remove the link, or restore the file it points to"),
        "{err}"
    );
}
