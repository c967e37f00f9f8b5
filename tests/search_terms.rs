//! The index and the browser must split text into the same terms: the
//! index with `annals::search::tokens` in Rust, queries and highlighted
//! paragraphs with the default theme's `static/search-terms.js`. This test
//! splits every line of the shipped archive's seeds and content files, and
//! lines chosen for the rules (Chinese runs, digits, accents, single
//! letters, characters beyond U+FFFF, long words), with both, and fails on
//! the first lines where they differ. Without Node it fails, saying what
//! to install.

use std::path::PathBuf;
use std::process::Command;

use annals::search::tokens::Tokenizer;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const CHOSEN: &[&str] = &[
    "Plans, PLANNING and planned.",
    "5G in 2025: China's a 3 x",
    "Économie NUMÉRIQUE ŞİRKET straße",
    "国家信息化规划 and 数字中国",
    "“十四五”国家信息化规划（2021—2025年）",
    "5G网络plan 𠀀𠀁 x𝒳y",
    "Ⅻ ½ ٣ digits: ٣٤ ①",
    "averyveryveryveryveryveryverylongwordthatisnotindexed short",
    "e-government, data-driven; U.S.-China",
];

#[test]
fn search_terms_js_splits_text_as_the_index_does() {
    let ran = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ran,
        "this test runs themes/default/static/search-terms.js in Node.js, and `node` does not run: \
         install Node.js 18 or newer (`apt-get install nodejs`)"
    );
    let mut lines: Vec<String> = CHOSEN.iter().map(|s| s.to_string()).collect();
    for dir in ["seeds", "content"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            lines.extend(
                text.lines()
                    .map(|l| l.replace('\t', " "))
                    .filter(|l| !l.trim().is_empty()),
            );
        }
    }
    let mut tokenizer = Tokenizer::default();
    let mut input = String::new();
    for line in &lines {
        let mut terms = Vec::new();
        tokenizer.terms(line, |t| terms.push(t.to_string()));
        input.push_str(&format!("{line}\t{}\n", terms.join(" ")));
    }
    let tmp = tempfile::tempdir().unwrap();
    for name in ["search-terms.js", "stem.js"] {
        std::fs::copy(repo().join("themes/default/static").join(name), tmp.path().join(name)).unwrap();
    }
    std::fs::write(tmp.path().join("package.json"), r#"{"type":"module"}"#).unwrap();
    let file = tmp.path().join("lines.tsv");
    std::fs::write(&file, input).unwrap();
    let out = Command::new("node")
        .arg(repo().join("tests/stem/terms.mjs"))
        .arg(tmp.path())
        .arg(&file)
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "terms.mjs failed:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked = format!("checked {}", lines.len());
    let differences: Vec<&str> = report.lines().filter(|l| !l.starts_with("checked ")).collect();
    assert!(
        differences.is_empty(),
        "{} of {} lines split differently (line, Rust, JavaScript):\n{}",
        differences.len(),
        lines.len(),
        differences.iter().take(20).copied().collect::<Vec<_>>().join("\n")
    );
    assert!(report.contains(&checked), "Node did not read every line: {report}");
}
