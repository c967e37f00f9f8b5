//! Incremental rebuilds: after any sequence of edits, adds, deletes and
//! renames, the output holds exactly what a clean build of the same files
//! writes; a broken edit leaves the last good site in place.

use std::path::{Path, PathBuf};

use annals::output::incremental::Incremental;
use annals::{BuildOptions, config::Overrides};
use proptest::prelude::*;

use crate::support::{CONFIG, Fixture, tree};

const SLUGS: [&str; 5] = ["alpha", "beta", "gamma", "delta", "epsilon"];
const TITLES: [&str; 4] = ["National Plan", "Digital Report", "Industry Notice", "Data Rules"];
const TOPICS: [&str; 4] = ["5G", "data", "平安中国", "industry"];

/// One change a maintainer might make.
#[derive(Debug, Clone)]
enum Edit {
    /// Write content/<slug>.md (adds it, or replaces it as an editor would).
    Write {
        slug: usize,
        title: usize,
        year: u16,
        topic: usize,
        cites: Option<usize>,
        seeded: bool,
    },
    /// Rewrite only the text and summary of content/<slug>.md, keeping the
    /// rest of its front matter: what most edits are, and what updates the
    /// archive in place.
    Retext {
        slug: usize,
        cites: Option<usize>,
        words: usize,
        summary: Option<usize>,
    },
    Delete {
        slug: usize,
    },
    Rename {
        from: usize,
        to: usize,
    },
    /// Change the shared seed's text.
    Seed {
        variant: usize,
    },
    /// Write broken front matter, which must leave the output alone.
    Break {
        slug: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0..5usize, 0..4usize, 2019..2025u16, 0..4usize, proptest::option::of(0..4usize), any::<bool>())
            .prop_map(|(slug, title, year, topic, cites, seeded)| Edit::Write { slug, title, year, topic, cites, seeded }),
        3 => (0..5usize, proptest::option::of(0..4usize), 0..3usize, proptest::option::of(0..2usize))
            .prop_map(|(slug, cites, words, summary)| Edit::Retext { slug, cites, words, summary }),
        1 => (0..5usize).prop_map(|slug| Edit::Delete { slug }),
        1 => (0..5usize, 0..5usize).prop_map(|(from, to)| Edit::Rename { from, to }),
        1 => (0..3usize).prop_map(|variant| Edit::Seed { variant }),
        1 => (0..5usize).prop_map(|slug| Edit::Break { slug }),
    ]
}

fn content(root: &Path, slug: usize) -> PathBuf {
    root.join("content").join(format!("{}.md", SLUGS[slug]))
}

/// Applies an edit; returns the paths it touched, relative to the root, as
/// a watcher would report them.
fn apply(root: &Path, edit: &Edit) -> Vec<PathBuf> {
    let rel = |slug: usize| PathBuf::from("content").join(format!("{}.md", SLUGS[slug]));
    match *edit {
        Edit::Write {
            slug,
            title,
            year,
            topic,
            cites,
            seeded,
        } => {
            let seed = if seeded { "seed = \"seeds/shared.txt\"\n" } else { "" };
            let body = match cites {
                Some(t) => format!("This text cites the {} in passing.", TITLES[t]),
                None => "A text of its own.".to_string(),
            };
            let text = format!(
                "+++\ntitle = \"{} {}\"\ndate = \"{year}\"\ncited_as = [\"{}\"]\n{seed}[taxonomies]\ntopics = [\"{}\"]\n+++\n{body}\n",
                TITLES[title], SLUGS[slug], TITLES[title], TOPICS[topic]
            );
            // Editors save atomically: write a temporary file, then rename.
            let tmp = root.join("content").join(".tmp-save");
            std::fs::write(&tmp, text).unwrap();
            std::fs::rename(&tmp, content(root, slug)).unwrap();
            vec![PathBuf::from("content/.tmp-save"), rel(slug)]
        }
        Edit::Retext {
            slug,
            cites,
            words,
            summary,
        } => {
            let Ok(old) = std::fs::read_to_string(content(root, slug)) else {
                return Vec::new();
            };
            let Some(end) = old.rfind("+++\n") else {
                return Vec::new();
            };
            let mut front: Vec<&str> = old[..end].lines().filter(|l| !l.starts_with("summary = ")).collect();
            let line = summary.map(|n| format!("summary = \"Summary {n}.\""));
            if let Some(line) = &line {
                front.insert(1, line);
            }
            let old = format!("{}\n+++\n", front.join("\n"));
            let end = old.len() - 4;
            let mut body = [
                "Rewritten.",
                "Rewritten, and the passing entity with it.",
                "Rewritten twice over.",
            ][words]
                .to_string();
            if let Some(t) = cites {
                body.push_str(&format!(" It now cites the {}.", TITLES[t]));
            }
            std::fs::write(content(root, slug), format!("{}{body}\n", &old[..end + 4])).unwrap();
            vec![rel(slug)]
        }
        Edit::Delete { slug } => {
            let _ = std::fs::remove_file(content(root, slug));
            vec![rel(slug)]
        }
        Edit::Rename { from, to } => {
            if content(root, from).exists() && !content(root, to).exists() {
                std::fs::rename(content(root, from), content(root, to)).unwrap();
            }
            vec![rel(from), rel(to)]
        }
        Edit::Seed { variant } => {
            let text = [
                "First, the text\n\nIt cites the Data Rules.\n",
                "I. Part\n\nNational Plan text.\n",
                "Plain.\n",
            ][variant];
            std::fs::write(root.join("seeds/shared.txt"), text).unwrap();
            vec![PathBuf::from("seeds/shared.txt")]
        }
        Edit::Break { slug } => {
            std::fs::write(content(root, slug), "+++\ntitle = \"unterminated\n+++\n").unwrap();
            vec![rel(slug)]
        }
    }
}

fn options(root: &Path, output: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        overrides: Overrides {
            base_url: None,
            output_dir: Some(output.to_path_buf()),
        },
        drafts: false,
        strict: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn incremental_output_equals_a_clean_build(edits in proptest::collection::vec(edit(), 1..10), related in any::<bool>()) {
        // Without related lists, a citation changes nothing on the cited
        // page but its "Cited by": the fingerprints must see that alone.
        let config = if related { CONFIG.to_string() } else { format!("{CONFIG}\n[related]\ncount = 0\n") };
        let fixture = Fixture::new()
            .file("config.toml", &config)
            .file("seeds/shared.txt", "Plain.\n")
            .file("content/entities.toml", "[[entity]]\nname = \"passing\"\nkind = \"other\"\n");
        let root = fixture.root();
        std::fs::create_dir_all(root.join("content")).unwrap();
        apply(root, &Edit::Write { slug: 0, title: 0, year: 2020, topic: 0, cites: None, seeded: true });
        let served = root.join("served");
        let clean = root.join("clean");
        let mut incremental = Incremental::new("serve");
        incremental.rebuild(&options(root, &served)).expect("the first build succeeds");
        for (step, edit) in edits.iter().enumerate() {
            let before = tree(&served);
            let touched = apply(root, edit);
            // Half the rebuilds are told what changed, as the watcher tells
            // them; the others look at every file.
            let rebuilt = if step % 2 == 0 {
                incremental.rebuild_after(&options(root, &served), &touched)
            } else {
                incremental.rebuild(&options(root, &served))
            };
            let reference = annals::build(&options(root, &clean));
            match (rebuilt, reference) {
                (Ok(_), Ok(_)) => prop_assert_eq!(tree(&served), tree(&clean), "after {:?}", edit),
                (Err(_), Err(_)) => {
                    prop_assert_eq!(&tree(&served), &before, "a failed rebuild changed the output after {:?}", edit);
                    // Mend the broken file so that later edits build again.
                    if let Edit::Break { slug } = edit {
                        std::fs::remove_file(content(root, *slug)).unwrap();
                    }
                    let mended = [PathBuf::from("content").join(format!("{}.md", SLUGS[match edit { Edit::Break { slug } => *slug, _ => 0 }]))];
                    incremental.rebuild_after(&options(root, &served), &mended).expect("mended");
                    annals::build(&options(root, &clean)).expect("mended");
                    prop_assert_eq!(tree(&served), tree(&clean), "after mending {:?}", edit);
                }
                (a, b) => prop_assert!(false, "incremental {:?} but clean {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }
}

#[test]
fn a_rebuild_writes_only_what_changed() {
    let fixture = Fixture::new()
        .doc("a", "title = \"A\"\ndate = 2020-01-01", "Text A.")
        .doc("b", "title = \"B\"\ndate = 2021-01-01", "Text B.");
    let root = fixture.root();
    let out = root.join("out");
    let mut incremental = Incremental::new("serve");
    let first = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(first.written.len() > 10);
    let again = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(
        again.written.is_empty() && again.removed.is_empty(),
        "{:?}",
        again.written
    );
    std::fs::write(
        root.join("content/a.md"),
        "+++\ntitle = \"A\"\ndate = 2020-01-01\n+++\nNew text.\n",
    )
    .unwrap();
    let edited = incremental.rebuild(&options(root, &out)).unwrap();
    assert_eq!(edited.written, ["documents/a/index.html"]);
    std::fs::remove_file(root.join("content/b.md")).unwrap();
    let deleted = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(
        deleted.removed.contains(&"documents/b/index.html".to_string()),
        "{:?}",
        deleted.removed
    );
    assert!(!out.join("documents/b").exists(), "empty folders go too");
}

/// Edits that keep every document's place in the indexes update the last
/// archive in place, and the rebuild looks only at the pages that can show
/// them; each step must still equal a clean build (and debug builds check
/// that no page outside those looked at changed).
#[test]
fn in_place_updates_reach_every_page_that_shows_them() {
    let doc = |title: &str, date: &str, summary: &str, body: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\nsummary = \"{summary}\"\n[taxonomies]\ntopics = [\"data\"]\n+++\n{body}\n"
        )
    };
    let fixture = Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n[related]\ncount = 0\n"))
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"MIIT\"\nkind = \"organisation\"\n",
        )
        .file(
            "content/a.md",
            &doc(
                "Alpha Plan",
                "2020-01-01",
                "One.",
                "It follows the Beta Rules and MIIT.",
            ),
        )
        .file("content/b.md", &doc("Beta Rules", "2023-01-01", "Two.", "Plain."))
        .file(
            "content/c.md",
            &doc("Gamma Notice", "2022-01-01", "Three.", "It cites the Alpha Plan."),
        );
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    let steps = [
        (
            "a",
            doc(
                "Alpha Plan",
                "2020-01-01",
                "One, revised.",
                "It follows the Beta Rules and MIIT.",
            ),
        ),
        ("b", doc("Beta Rules", "2023-01-01", "Two, revised.", "Plain.")),
        (
            "a",
            doc(
                "Alpha Plan",
                "2020-01-01",
                "One, revised.",
                "It follows the Beta Rules closely.",
            ),
        ),
        (
            "a",
            doc(
                "Alpha Plan",
                "2020-01-01",
                "One, revised.",
                "It no longer cites anything.",
            ),
        ),
        (
            "a",
            doc("Alpha Plan", "2020-01-01", "One.", "Beta Rules; the Beta Rules; MIIT."),
        ),
        (
            "c",
            doc(
                "Gamma Notice",
                "2022-01-01",
                "Three.",
                "It cites the Alpha Plan twice: Alpha Plan.",
            ),
        ),
    ];
    let mut partial = 0;
    for (slug, text) in steps {
        let file = PathBuf::from("content").join(format!("{slug}.md"));
        std::fs::write(root.join(&file), &text).unwrap();
        let rebuilt = incremental.rebuild_after(&options(root, &served), &[file]).unwrap();
        partial += usize::from(rebuilt.report.partial);
        annals::build(&options(root, &clean)).unwrap();
        assert_eq!(tree(&served), tree(&clean), "after rewriting {slug}: {text}");
    }
    assert_eq!(partial, 6, "every step updates the archive in place");
}
