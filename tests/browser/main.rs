//! Browser tests of the default theme: the shipped archive, built by the
//! real binary, read in Debian's Chromium.
//!
//! The checks themselves are `check.mjs` beside this file, a Node script
//! that drives Chromium through playwright-core and runs axe-core, both
//! from npm (`package.json`, `package-lock.json`); playwright-core never
//! downloads a browser, it is pointed at `/usr/bin/chromium`. This test
//! builds the archive into a temporary folder, installs the npm packages
//! with `npm ci` when they are missing, runs the script and fails with its
//! report, which names each page and rule that failed. Without Chromium,
//! Node or npm it fails, saying what to install; it never passes silently.
//! `ANNALS_SCREENSHOTS=DIR` keeps a screenshot of each page checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the checks may run before they are taken to hang (they take
/// well under a minute); a guard against a browser that never answers.
const HANG: Duration = Duration::from_secs(600);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn here() -> PathBuf {
    repo().join("tests/browser")
}

/// Whether `program` runs (`program --version`).
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Debian's Chromium: `ANNALS_CHROMIUM`, `/usr/bin/chromium`, or
/// `chromium` on the PATH.
fn chromium() -> PathBuf {
    let candidates = std::env::var_os("ANNALS_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromium")]);
    for candidate in candidates {
        if candidate.is_file() {
            return candidate;
        }
    }
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| {
        panic!(
            "the browser tests need Chromium, and none was found at $ANNALS_CHROMIUM, \
             /usr/bin/chromium or on the PATH: install Debian's chromium \
             (`apt-get install chromium`)"
        )
    })
}

/// Installs the locked npm packages unless `node_modules` already holds
/// what `package-lock.json` names.
fn install_packages(dir: &Path) {
    let installed = dir.join("node_modules/.package-lock.json");
    let up_to_date = |p: &Path| {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        matches!((modified(p), modified(&dir.join("package-lock.json"))), (Some(a), Some(b)) if a >= b)
    };
    let present = ["playwright-core", "axe-core"]
        .iter()
        .all(|p| dir.join("node_modules").join(p).join("package.json").is_file());
    if present && up_to_date(&installed) {
        return;
    }
    assert!(
        runs("npm"),
        "the browser tests need npm to install playwright-core and axe-core: \
         install Debian's npm (`apt-get install npm`)"
    );
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .output()
        .expect("npm runs");
    assert!(
        out.status.success(),
        "`npm ci` in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the shipped archive into `out`, with `extra` arguments.
fn build_shipped(out: &Path, extra: &[&str]) {
    let result = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(repo())
        .args(extra)
        .arg("--output")
        .arg(out)
        .output()
        .expect("annals runs");
    assert!(
        result.status.success(),
        "the shipped archive does not build:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn the_default_theme_passes_its_browser_checks() {
    let chromium = chromium();
    assert!(
        runs("node"),
        "the browser tests need Node.js (18 or newer): install Debian's nodejs (`apt-get install nodejs npm`)"
    );
    install_packages(&here());
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("public");
    build_shipped(&site, &[]);
    // The same archive under a base URL with a path, as a site served from
    // a folder of its host is: the checks serve it at /archive/.
    let sub = tmp.path().join("archive");
    build_shipped(&sub, &["--base-url", "https://archive.example.org/archive/"]);

    // The report goes to files, so a long one never blocks the script on
    // a full pipe while this waits for it.
    let (stdout, stderr) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    let mut command = Command::new("node");
    command
        .arg(here().join("check.mjs"))
        .arg(&site)
        .arg("--under-a-path")
        .arg(&sub)
        .current_dir(here())
        .env("ANNALS_CHROMIUM", &chromium)
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap());
    if let Some(dir) = std::env::var_os("ANNALS_SCREENSHOTS") {
        command.arg("--screenshots").arg(dir);
    }
    let mut child = command.spawn().expect("node runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let report = std::fs::read_to_string(&stdout).unwrap_or_default();
    let errors = std::fs::read_to_string(&stderr).unwrap_or_default();
    println!("{report}");
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("browser checks failed ({s}):\n{report}{errors}"),
        None => panic!(
            "browser checks did not finish in {} s:\n{report}{errors}",
            HANG.as_secs()
        ),
    }
}
