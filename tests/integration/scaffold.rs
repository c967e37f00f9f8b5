//! `annals init` and `annals new`, run as a maintainer runs them: the files
//! they write, what they print, their exit codes, and that what they write
//! builds.

use std::path::Path;
use std::process::Command;

use crate::support::{Fixture, Site};

/// What a run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `annals args` in the folder `cwd`.
fn annals(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `annals new args --root <fixture>` from another folder, so paths
/// are resolved as the command says, not by luck of the current folder.
fn new(fixture: &Fixture, args: &[&str]) -> Run {
    let elsewhere = tempfile::tempdir().unwrap();
    let root = fixture.root().to_str().unwrap();
    let args: Vec<&str> = ["new"].iter().chain(args).chain(&["--root", root]).copied().collect();
    annals(elsewhere.path(), &args)
}

fn read(fixture: &Fixture, rel: &str) -> String {
    std::fs::read_to_string(fixture.root().join(rel)).unwrap()
}

/// The lines of `text` that start with `prefix`.
fn lines<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn init_makes_an_archive_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let run = annals(tmp.path(), &["init", "new/archive"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Created an archive in new/archive: config.toml, content/example.md, content/entities.toml, \
         seeds/example.txt, .gitignore\n\
         Next: annals serve --root new/archive to see it, and annals new seeds/<file> --root new/archive \
         for each text you add\n"
    );
    assert_eq!(run.stderr, "");
    let build = annals(tmp.path(), &["build", "--root", "new/archive"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert_eq!(build.stderr, "", "the example builds without warnings");
    assert!(build.stdout.starts_with("Built 1 document into "), "{}", build.stdout);
    let site = Site::at(tmp.path().join("new/archive/public"));
    let page = site.page("documents/example/");
    assert_eq!(page.one_text("h1"), "Harbourside Plan for Quiet Streets 2024–2026");
    assert_eq!(page.attrs(".doc-header time", "datetime"), ["2024-03-12"]);
    assert_eq!(
        page.texts(".text h2"),
        [
            "I. Why quiet streets",
            "II. What will change",
            "III. How we will know it works"
        ]
    );
    let entity = site.page("entities/harbourside-town-council/");
    assert_eq!(entity.one_text("h1"), "Harbourside Town Council");
    for term in [
        "topics/transport/",
        "topics/public-health/",
        "bodies/harbourside-town-council/",
        "types/plan/",
    ] {
        assert_eq!(
            site.page(term).texts(".doc-title"),
            ["Harbourside Plan for Quiet Streets 2024–2026"],
            "{term}"
        );
    }
}

#[test]
fn init_refuses_a_folder_with_anything_in_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("mine")).unwrap();
    std::fs::write(tmp.path().join("mine/notes.txt"), "keep me").unwrap();
    let run = annals(tmp.path(), &["init", "mine"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: mine is not empty\n  \
         = help: annals init only creates new archives: give a new folder, or an empty one\n\n\
         1 error found; nothing was written\n"
    );
    assert_eq!(run.stdout, "");
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("mine"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("mine/notes.txt")).unwrap(),
        "keep me"
    );
    // An empty folder is fine.
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    assert_eq!(annals(tmp.path(), &["init", "empty"]).code, 0);
}

/// An archive whose one document uses the terms the seeds below name.
fn archive() -> Fixture {
    Fixture::new().file("seeds/old.txt", "Old text.\n").doc(
        "old",
        "title = \"Old Plan\"\ndate = 2020-01-01\nseed = \"seeds/old.txt\"\n\
         [taxonomies]\ntopics = [\"industrial policy\", \"5G\", \"平安中国\"]\nbodies = [\"State Council\"]",
        "",
    )
}

#[test]
fn new_picks_the_title_and_the_date_in_each_written_form() {
    let cases = [
        (
            "iso.txt",
            "Notice on Quiet Streets\n\nIssued 2021-12-28.\nEffective 2022-01-01.\n",
            "2021-12-28",
            "2021-12-28",
        ),
        (
            "english.txt",
            "  Plan for  Industrial Policy \n\nAdopted by the council on December 28, 2021, after the review of 3 March 2021.\n",
            "2021-12-28",
            "December 28, 2021",
        ),
        (
            "day-first.txt",
            "Opinions on Safe China\n\nThe meeting of 1 July 2021 discussed it.\n\n28 December 2021\n",
            "2021-12-28",
            "28 December 2021",
        ),
        (
            "chinese.txt",
            "关于建设平安中国的意见\n\n2021年7月，会议召开。\n\n国务院\n2021年12月28日\n",
            "2021-12-28",
            "2021年12月28日",
        ),
        (
            "month.txt",
            "Digest\n\nDecember 2021 issue.\n",
            "\"2021-12\"",
            "December 2021",
        ),
    ];
    let mut f = archive();
    for (name, text, _, _) in cases {
        f = f.file(&format!("seeds/{name}"), text);
    }
    let titles = [
        "Notice on Quiet Streets",
        "Plan for Industrial Policy",
        "Opinions on Safe China",
        "关于建设平安中国的意见",
        "Digest",
    ];
    for ((name, text, date, written), title) in cases.into_iter().zip(titles) {
        let run = new(&f, &[&format!("seeds/{name}")]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let slug = name.trim_end_matches(".txt");
        let doc = read(&f, &format!("content/{slug}.md"));
        assert_eq!(
            lines(&doc, "title = ")[0].split("  #").next().unwrap().trim_end(),
            format!("title = \"{title}\""),
            "{name}"
        );
        let date_line = lines(&doc, "date = ")[0];
        assert_eq!(
            date_line.split("  #").next().unwrap().trim_end(),
            format!("date = {date}"),
            "{name}"
        );
        assert!(
            date_line.ends_with(&format!(
                "# written \"{written}\", line {} of the seed",
                line_of(text, written)
            )),
            "{name}: {date_line}"
        );
    }
    let doc = read(&f, "content/english.md");
    assert_eq!(
        lines(&doc, "#   "),
        ["#   2021-03-03  \"3 March 2021\", line 3"],
        "the other date is listed"
    );
    let doc = read(&f, "content/chinese.md");
    assert_eq!(lines(&doc, "#   2021"), ["#   2021-07  \"2021年7月\", line 3"]);
    // Every draft loads and builds, each with its date.
    let site = f.build();
    assert_eq!(
        site.page("documents/chinese/").attrs(".doc-header time", "datetime"),
        ["2021-12-28"]
    );
    assert_eq!(
        site.page("documents/month/").attrs(".doc-header time", "datetime"),
        ["2021-12"]
    );
}

fn line_of(text: &str, written: &str) -> usize {
    text[..text.find(written).unwrap()].matches('\n').count() + 1
}

#[test]
fn new_suggests_the_archive_terms_the_text_names() {
    let f = archive().file(
        "seeds/plan.txt",
        "Industrial Policy for 5G Networks\n\n\
         The State Council sets out an industrial policy. 5G networks and industrial policies matter.\n\
         Building 平安中国 takes time.\n\n1 March 2024\n",
    );
    let run = new(&f, &["seeds/plan.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = read(&f, "content/plan.md");
    let taxonomies = &doc[doc.find("[taxonomies]").unwrap()..doc.find("# [extra]").unwrap()];
    assert_eq!(
        taxonomies,
        "[taxonomies]\n\
         # Terms this archive already uses that the text names: in its title or more\n\
         # than once, most named first; the others in comments. Keep those that fit.\n\
         topics = [\"5G\", \"industrial policy\"]  # Topics\n\
         #   also named: \"平安中国\" (once)\n\
         # bodies = []               # Issuing bodies: no term of the archive in the title or named twice\n\
         #   also named: \"State Council\" (once)\n\n"
    );
    let site = f.build();
    assert_eq!(
        site.page("topics/industrial-policy/").texts(".doc-title"),
        ["Industrial Policy for 5G Networks", "Old Plan"]
    );
}

#[test]
fn new_prints_what_it_wrote_and_the_draft_builds() {
    let f = archive().file(
        "seeds/sub/Report 2021.md",
        "# A *Markdown* Report\n\nPublished 5 May 2021.\n",
    );
    let seed = f.root().join("seeds/sub/Report 2021.md");
    // An absolute path, and the folder of the current directory, both work.
    let run = new(&f, &[seed.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "Created {} for seeds/sub/Report 2021.md\n\
             Next: check the title, date and terms it guessed, fill in what you know, then run annals build\n",
            f.root().join("content/report-2021.md").display()
        )
    );
    assert_eq!(run.stderr, "");
    let from_seeds = annals(
        &f.root().join("seeds/sub"),
        &["new", "Report 2021.md", "--slug", "again", "--root", "../.."],
    );
    assert_eq!(from_seeds.code, 0, "{}", from_seeds.stderr);
    assert_eq!(
        from_seeds.stdout.lines().next(),
        Some("Created ../../content/again.md for seeds/sub/Report 2021.md")
    );
    let doc = read(&f, "content/again.md");
    assert_eq!(lines(&doc, "seed = "), ["seed = \"seeds/sub/Report 2021.md\""]);
    let site = f.build();
    for slug in ["report-2021", "again"] {
        let page = site.page(&format!("documents/{slug}/"));
        assert_eq!(page.one_text(".doc-header h1"), "A *Markdown* Report");
        assert_eq!(page.attrs(".doc-header time", "datetime"), ["2021-05-05"]);
    }
}

#[test]
fn new_never_overwrites_a_file() {
    let f = archive()
        .file("seeds/plan.txt", "The Plan\n")
        .doc("plan", "title = \"Mine\"", "My own words.");
    let before = read(&f, "content/plan.md");
    let run = new(&f, &["seeds/plan.txt"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: content/plan.md already exists\n  \
         --> content/plan.md\n  \
         = help: annals new never overwrites a file: choose another slug with --slug, or edit that file\n\n\
         1 error found; nothing was written\n"
    );
    assert_eq!(run.stdout, "");
    assert_eq!(read(&f, "content/plan.md"), before);
    // A slug another document has, from a file of another name, is refused too.
    let run = new(&f, &["seeds/plan.txt", "--slug", "old"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: content/old.md already exists\n"),
        "{}",
        run.stderr
    );
    let f = f.doc("sub/renamed", "title = \"Renamed\"\nslug = \"taken\"", "Text.");
    let run = new(&f, &["seeds/plan.txt", "--slug", "taken"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: a document already has the slug `taken`\n  --> content/sub/renamed.md\n"),
        "{}",
        run.stderr
    );
    assert!(!f.root().join("content/taken.md").exists());
}

#[test]
fn new_refuses_a_seed_outside_seeds() {
    let f = archive().file("notes/plan.txt", "The Plan\n");
    let run = new(&f, &["notes/plan.txt"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "error: notes/plan.txt is not inside the archive's seeds folder, {}\n  \
             = help: copy the original text into seeds/ unchanged, then run annals new seeds/<file>\n\n\
             1 error found; nothing was written\n",
            f.root().join("seeds").display()
        )
    );
    let escaping = new(&f, &["seeds/../notes/plan.txt"]);
    assert_eq!(escaping.code, 2);
    assert!(
        escaping.stderr.contains("is not inside the archive's seeds folder"),
        "{}",
        escaping.stderr
    );
    let missing = new(&f, &["seeds/olt.txt"]);
    assert_eq!(missing.code, 2);
    assert_eq!(
        missing.stderr,
        "error: no seed `seeds/olt.txt` in this archive\n  = help: did you mean `seeds/old.txt`?\n\n\
         1 error found; nothing was written\n"
    );
    let entries: Vec<_> = std::fs::read_dir(f.root().join("content"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries, ["old.md"], "nothing was written");
}

#[test]
fn new_asks_for_a_slug_the_file_name_cannot_give() {
    let f = archive().file("seeds/平安中国.txt", "平安中国\n");
    let run = new(&f, &["seeds/平安中国.txt"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: cannot make a slug from the file name `平安中国`\n  \
         = help: give one with --slug, e.g. --slug 14th-fyp-informatization (lowercase ASCII letters, digits and single hyphens)\n\n\
         1 error found; nothing was written\n"
    );
    let run = new(&f, &["seeds/平安中国.txt", "--slug", "safe-china"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(f.build().page("documents/safe-china/").one_text("h1"), "平安中国");
}

#[test]
fn new_reads_a_seed_in_a_declared_encoding() {
    let (bytes, _, _) = encoding_rs::GB18030.encode("关于平安中国的通知\n\n2021年12月28日\n");
    let f = archive().file("seeds/tongzhi.txt", "");
    std::fs::write(f.root().join("seeds/tongzhi.txt"), &bytes).unwrap();
    let run = new(&f, &["seeds/tongzhi.txt"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("help: if the seed is in another encoding, give it, e.g. --encoding gb18030"),
        "{}",
        run.stderr
    );
    let run = new(&f, &["seeds/tongzhi.txt", "--encoding", "GB18030"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = read(&f, "content/tongzhi.md");
    assert_eq!(
        lines(&doc, "encoding = "),
        ["encoding = \"gb18030\"        # the seed's encoding"]
    );
    assert_eq!(lines(&doc, "date = ")[0].split(' ').nth(2), Some("2021-12-28"));
    assert_eq!(
        f.build().page("documents/tongzhi/").one_text("h1"),
        "关于平安中国的通知"
    );
}

#[test]
fn new_still_drafts_when_other_documents_have_errors() {
    let f = archive()
        .file("seeds/plan.txt", "The State Council Plan\n\n2021-12-28\n")
        .doc("broken", "titel = \"Broken\"", "");
    let run = new(&f, &["seeds/plan.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "warning: the archive's documents have 1 error, so no terms are suggested\n  \
         = help: run annals build to see them\n\n"
    );
    let doc = read(&f, "content/plan.md");
    assert_eq!(
        lines(&doc, "bodies = "),
        Vec::<&str>::new(),
        "no vocabulary, no suggestion"
    );
    assert_eq!(
        lines(&doc, "date = "),
        ["date = 2021-12-28           # written \"2021-12-28\", line 3 of the seed"]
    );
}

#[test]
fn new_proposes_the_chinese_first_line_as_the_original_title() {
    let f = archive()
        .file(
            "seeds/plan.txt",
            "“十四五”国家信息化规划\n\n14th Five-Year Plan for National Informatization\n\nDecember 2021\n\nText.\n",
        )
        .file("seeds/plain.txt", "A Plan in English\n\n国家规划\n\nText.\n");
    let run = new(&f, &["seeds/plan.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = read(&f, "content/plan.md");
    assert_eq!(
        lines(&doc, "title = "),
        ["title = \"14th Five-Year Plan for National Informatization\"  # line 3 of the seed"]
    );
    assert_eq!(
        lines(&doc, "original_"),
        [
            "original_title = \"“十四五”国家信息化规划\"  # the seed's first line",
            "original_language = \"zh\"    # the original title is Chinese"
        ]
    );
    assert_eq!(
        lines(&doc, "# original_"),
        Vec::<&str>::new(),
        "not also left commented out"
    );
    let page = f.build().page("documents/plan/");
    assert_eq!(
        page.one_text(".doc-header h1"),
        "14th Five-Year Plan for National Informatization"
    );
    assert_eq!(page.one_text(".doc-header .doc-original"), "“十四五”国家信息化规划");
    // A seed that opens in English keeps both keys commented out.
    assert_eq!(new(&f, &["seeds/plain.txt"]).code, 0);
    let plain = read(&f, "content/plain.md");
    assert_eq!(lines(&plain, "original_"), Vec::<&str>::new());
    assert_eq!(lines(&plain, "# original_").len(), 2);
}
