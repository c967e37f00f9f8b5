//! The shipped archive at the repository root, and the benchmark corpus
//! format, build; no character of any seed is lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Site;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_into(root: &Path, out: &Path) -> String {
    let result = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(result.status.success(), "build failed:\n{stderr}");
    String::from_utf8_lossy(&result.stdout).into_owned()
}

/// (slug, seed path) of every shipped document with a seed.
fn seeded_documents() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo().join("content")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let seed = text
            .lines()
            .find_map(|l| l.strip_prefix("seed = \""))
            .map(|s| s.trim_end_matches('"').to_string());
        if let Some(seed) = seed {
            let slug = entry.path().file_stem().unwrap().to_string_lossy().into_owned();
            out.push((slug, repo().join(seed)));
        }
    }
    out.sort();
    assert_eq!(out.len(), 5, "the five seed documents are shipped: {out:?}");
    out
}

#[test]
fn shipped_archive_builds_and_keeps_every_character_of_every_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let stdout = build_into(&repo(), &out);
    assert!(stdout.starts_with("Built "), "{stdout}");
    let site = Site::at(out);
    site.assert_links_resolve();
    for (slug, seed) in seeded_documents() {
        let page = site.page(&format!("documents/{slug}/"));
        // Every element of the text but the summaries of collapsed page
        // furniture, which are the theme's words.
        let rendered: String = page
            .texts(".text > :not(details), .text > details > :not(summary)")
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let original: String = std::fs::read_to_string(&seed)
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(
            rendered == original,
            "{slug}: the page text differs from {} (first difference at char {})",
            seed.display(),
            first_difference(&rendered, &original)
        );
        assert!(!page.one_text("h1").is_empty());
        assert!(page.select(".meta dd").len() >= 3, "{slug} has a metadata panel");
        assert!(page.select(".doc-header .lede").len() == 1, "{slug} has a summary");
    }
    // The web page's lines marked in the shipped archive are set apart.
    let report = site.page("documents/digital-real-economy-integration-plan-report/");
    assert_eq!(
        report.texts(".text details.furniture .furniture-line"),
        [
            "We are creating some awesome events for you. Kindly bear with us.",
            "Send this to a friend"
        ]
    );
    assert_eq!(
        report.texts(".text p[id='p-2']").len(),
        1,
        "the paragraphs keep their anchors"
    );
}

#[test]
fn every_shipped_document_cites_or_is_cited() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(&repo(), &tmp.path().join("out"));
    let graph: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("out/graph.json")).unwrap()).unwrap();
    let edges = graph["edges"].as_array().unwrap();
    for (slug, _) in seeded_documents() {
        let id = format!("document:{slug}");
        let linked = edges
            .iter()
            .any(|e| e["type"] == "cites" && (e["source"] == id.as_str() || e["target"] == id.as_str()));
        assert!(linked, "{slug} neither cites nor is cited");
    }
    let entities = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "entity")
        .count();
    assert!(
        entities >= 10,
        "the shipped archive lists its shared entities ({entities})"
    );
}

fn first_difference(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[test]
fn shipped_plan_has_its_outline_as_a_nested_table_of_contents() {
    let tmp = tempfile::tempdir().unwrap();
    build_into(&repo(), &tmp.path().join("out"));
    let site = Site::at(tmp.path().join("out"));
    let page = site.page("documents/14th-fyp-national-informatization/");
    let top: Vec<String> = page.attrs(".toc > ol > li > a", "href");
    for anchor in ["#sec-i", "#sec-ii", "#sec-iii", "#sec-iv", "#sec-v", "#sec-vi"] {
        assert!(
            top.contains(&anchor.to_string()),
            "{anchor} not a top-level entry of {top:?}"
        );
    }
    assert_eq!(
        page.attrs(".toc > ol > li > ol > li > a[href='#sec-iv-2']", "href")
            .len(),
        1
    );
    assert_eq!(
        page.texts("h4#box-17"),
        ["Box 17: Jointly Constructed and Shared Digital Silk Road Projects"]
    );
    assert_eq!(page.select("#box-1 + ol.seed-list > li").len(), 3);
    let digest = site.page("documents/peoples-daily-digest-2021-12-02/");
    assert!(digest.texts(".text [lang=zh]").iter().any(|t| t == "平安中国"));
    assert_eq!(digest.texts(".text h2").first().map(String::as_str), Some("Page 1:"));
}

/// make_corpus.py, the benchmark generator, writes archives annals must
/// build. It lives beside this repository in ../shared; without it the test
/// fails, saying what is missing and where it was looked for.
#[test]
fn benchmark_corpus_format_builds() {
    let script = repo()
        .parent()
        .expect("the repository has a parent folder")
        .join("shared/bench/make_corpus.py");
    assert!(
        script.is_file(),
        "the benchmark corpus generator make_corpus.py is missing: expected at {} \
         (shared/bench/ beside this repository); put it there to run this test",
        script.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg(&script)
        .args(["--docs", "60", "--forms", "annals", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let out = tmp.path().join("site");
    let stdout = build_into(&tmp.path().join("annals"), &out);
    assert!(stdout.starts_with("Built 60 documents"), "{stdout}");
    let site = Site::at(out);
    assert_eq!(site.page("types/").select(".term-index li").len(), 8);
    assert!(site.page("documents/doc-000059/").select(".text p").len() >= 4);
}

/// The People's Daily digest against its seed: each lead-in ending with a
/// colon is followed by its list, quotations after a colon stay
/// paragraphs, and "Other Stories:" is a section like the pages.
#[test]
fn shipped_digest_has_its_lists_and_sections() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_into(&repo(), &out);
    let page = Site::at(out).page("documents/peoples-daily-digest-2021-12-02/");
    let lists: Vec<Vec<String>> = page
        .select(".text ul.seed-list")
        .iter()
        .map(|ul| {
            ul.select(&scraper::Selector::parse("li").unwrap())
                .map(|li| li.value().attr("id").unwrap().to_string())
                .collect()
        })
        .collect();
    let ids = |from: usize, to: usize| (from..=to).map(|n| format!("p-{n}")).collect::<Vec<_>>();
    assert_eq!(
        lists,
        [ids(14, 16), ids(20, 26), ids(67, 71), ids(75, 79), ids(81, 84)],
        "key aspects, documents, lessons, tasks, focuses"
    );
    assert_eq!(
        page.texts(".text h2"),
        [
            "Page 1:",
            "Page 2:",
            "Page 3:",
            "Page 4:",
            "Page 6:",
            "Page 16:",
            "Other Stories:"
        ]
    );
    // "He had said:" and "The report says:" introduce quotations.
    assert!(page.one_text(".text p[id='p-11']").starts_with("“we should adhere"));
    assert!(
        page.one_text(".text p[id='p-50']")
            .starts_with("“Under the new circumstances")
    );
}
