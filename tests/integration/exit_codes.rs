//! Exit status of `annals build` and `annals check`: 0 when the archive
//! builds, 1 when it has errors, 2 for bad arguments.

use crate::support::Fixture;

fn good() -> Fixture {
    Fixture::new().doc("a", "title = \"A\"\ndate = 2020-01-01", "Text.")
}

fn broken() -> Fixture {
    good().doc("b", "title = \"B\"\ndate = 2020-01-01", "See [a](@/nowhere).")
}

#[test]
fn build_and_check_exit_0_when_the_archive_builds() {
    for command in ["build", "check"] {
        let out = good().run(&[command]);
        assert_eq!(out.code, Some(0), "{command}: {}", out.stderr);
    }
}

#[test]
fn build_and_check_exit_1_when_the_archive_has_errors() {
    for command in ["build", "check"] {
        let f = broken();
        let out = f.run(&[command]);
        assert_eq!(out.code, Some(1), "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains("error: no document has the slug `nowhere`"),
            "{}",
            out.stderr
        );
        assert!(!f.root().join("public").exists(), "{command} wrote nothing");
    }
    // Warnings fail only under --strict, with the same status.
    let undated = good().doc("u", "title = \"Undated\"", "Text.");
    for command in ["build", "check"] {
        assert_eq!(undated.run(&[command, "--strict"]).code, Some(1), "{command} --strict");
    }
}

#[test]
fn bad_arguments_exit_2_and_do_nothing() {
    for args in [
        &["build", "--no-such-flag"][..],
        &["check", "--no-such-flag"],
        &["check", "--output", "x"],
        &["build", "--strict", "--watch"],
        &["build", "extra-argument"],
        &["frobnicate"],
    ] {
        let f = good();
        let out = f.run(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("error: "), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("Usage: annals"), "{args:?}: {}", out.stderr);
        assert!(!f.root().join("public").exists(), "{args:?} wrote nothing");
    }
    // No subcommand at all: the usage, with the commands, and status 2.
    let f = good();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_annals"))
        .current_dir(f.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Usage: annals <COMMAND>") && stderr.contains("  build "),
        "{stderr}"
    );
    assert!(!f.root().join("public").exists());
}
