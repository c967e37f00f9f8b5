//! Bad input: the build fails with the file and line, and the previous
//! output stays exactly as it was.

use crate::support::{Fixture, tree};

fn good() -> Fixture {
    Fixture::new().file("seeds/a.txt", "Text.\n").doc(
        "a",
        "title = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"",
        "",
    )
}

/// Builds `good()`, applies `breakage`, and checks the failed build
/// reports an error that starts with `message` at `location` (a file, and
/// `:line:column` where there is one), and left the first build's output
/// byte for byte.
fn fails_at(breakage: impl FnOnce(Fixture) -> Fixture, location: &str, message: &str) -> String {
    let f = good();
    f.build();
    let before = tree(&f.root().join("public"));
    let f = breakage(f);
    let stderr = f.build_err();
    assert!(
        stderr.contains(&format!("--> {location}")),
        "expected --> {location} in:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("error: {message}")),
        "expected error: {message} in:\n{stderr}"
    );
    assert_eq!(
        tree(&f.root().join("public")),
        before,
        "a failed build changed the output"
    );
    assert_no_staging_left(&f);
    stderr
}

/// No staging folder (`.public.annals-new-…`, `.public.annals-old-…`) is
/// left beside the output (the lock, the manifest of the last good build,
/// and the site it replaced, kept for the next build, stay).
fn assert_no_staging_left(f: &Fixture) {
    let leftovers: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| {
            let n = n.to_string_lossy();
            n.contains("annals-")
                && ![
                    ".annals-lock",
                    ".annals-manifest",
                    ".annals-spare",
                    ".annals-spare-manifest",
                ]
                .iter()
                .any(|kept| n.ends_with(kept))
        })
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn a_strict_build_failing_on_warnings_leaves_the_output_byte_for_byte() {
    let f = good();
    f.build();
    let public = f.root().join("public");
    let before = tree(&public);
    assert!(before.contains_key(".annals-output"), "{:?}", before.keys());
    let f = f.doc("b", "title = \"Undated\"", "Text.");
    let out = f.run(&["build", "--strict"]);
    assert!(!out.success, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("1 warning, and --strict makes warnings fail; nothing was written"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&public), before, "the strict build changed the output");
    assert_no_staging_left(&f);
    // Without --strict the same archive builds, and the output changes.
    assert!(f.run(&["build"]).success);
    assert!(tree(&public).contains_key("documents/b/index.html"));
}

#[test]
fn missing_title() {
    let err = fails_at(
        |f| f.doc("b", "date = 2020-01-01", "Body."),
        "content/b.md:1:1",
        "missing field `title`",
    );
    assert!(err.contains("1 | +++"), "{err}");
}

#[test]
fn malformed_toml() {
    let err = fails_at(
        |f| f.doc("b", "title = \"B\"\ndate = 2020-01-01\nsummary = \"unclosed", "Body."),
        "content/b.md:4:20",
        "invalid basic string",
    );
    assert!(err.contains("4 | summary = \"unclosed"), "{err}");
}

#[test]
fn unknown_key_with_suggestion() {
    let err = fails_at(
        |f| f.doc("b", "title = \"B\"\n\nsumary = \"x\"", "Body."),
        "content/b.md:4:1",
        "unknown field `sumary`",
    );
    assert!(err.contains("did you mean `summary`?"), "{err}");
    assert!(err.contains("^^^^^^"), "{err}");
}

#[test]
fn seed_that_does_not_exist() {
    let err = fails_at(
        |f| f.doc("b", "title = \"B\"\nseed = \"seeds/b.txt\"", ""),
        "content/b.md:3:8",
        "cannot read seed `seeds/b.txt`",
    );
    assert!(err.contains("did you mean \"seeds/a.txt\"?"), "{err}");
}

#[test]
fn seed_outside_seeds_folder() {
    fails_at(
        |f| f.doc("b", "title = \"B\"\nseed = \"../etc/passwd\"", ""),
        "content/b.md:3:8",
        "seed `../etc/passwd` is not inside `seeds/`",
    );
}

#[test]
fn unknown_taxonomy_and_bad_date_reported_together() {
    let err = fails_at(
        |f| {
            f.doc(
                "b",
                "title = \"B\"\ndate = \"2021-13\"\n[taxonomies]\ntopic = [\"x\"]",
                "",
            )
        },
        "content/b.md:3:8",
        "invalid `date`",
    );
    assert!(err.contains("content/b.md:5:1"), "{err}");
    assert!(err.contains("did you mean `topics`?"), "{err}");
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn errors_in_several_files_are_all_reported() {
    let err = fails_at(
        |f| f.doc("b", "title = 1", "").doc("c", "titl = \"C\"", ""),
        "content/b.md:2:9",
        "invalid type",
    );
    assert!(err.contains("content/c.md:2:1"), "{err}");
}

#[test]
fn unknown_config_key() {
    let err = fails_at(
        |f| f.file("config.toml", &format!("{}\ntheem = \"x\"\n", crate::support::CONFIG)),
        "config.toml:13:1",
        "unknown field `theem`",
    );
    assert!(err.contains("did you mean `theme`?"), "{err}");
}

#[test]
fn duplicate_slugs() {
    fails_at(
        |f| f.doc("b", "title = \"B\"\nslug = \"a\"", "x"),
        "content/b.md",
        "two documents have the slug `a`",
    );
}

#[test]
fn template_error_names_the_template() {
    let err = fails_at(
        |f| {
            f.file(
                "templates/document.html",
                "{% extends \"base.html\" %}\n{% block content %}{{ doc.nope }}{% endblock content %}",
            )
        },
        "templates/document.html:2:27",
        "Field `nope` is not defined",
    );
    assert!(err.contains("2 | {% block content %}{{ doc.nope }}"), "{err}");
}

#[test]
fn front_matter_without_fences() {
    fails_at(
        |f| f.file("content/b.md", "title = \"B\"\n"),
        "content/b.md:1:1",
        "content file does not start with front matter",
    );
}
