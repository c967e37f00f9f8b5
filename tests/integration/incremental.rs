//! Incremental rebuilds: after any sequence of edits, adds, deletes and
//! renames, the output holds exactly what a clean build of the same files
//! writes; a broken edit leaves the last good site in place.

use std::path::{Path, PathBuf};

use annals::output::incremental::{Incremental, Rebuilt};
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
    /// archive in place. `link` adds an explicit `@/` link, to a slug and
    /// maybe an anchor.
    Retext {
        slug: usize,
        cites: Option<usize>,
        words: usize,
        summary: Option<usize>,
        link: Option<(usize, bool)>,
    },
    /// Give content/<slug>.md another title and `cited_as` name, keeping
    /// the rest: the names other texts are searched for change, and the
    /// archive is updated in place unless the title moves the document
    /// among others of its year.
    Retitle {
        slug: usize,
        title: usize,
    },
    /// Give content/<slug>.md other topics, keeping the rest: one of
    /// [`TOPICS`], and maybe a second, or a topic no other document has, or
    /// one whose slug another topic has.
    /// The archive is updated in place, the document moved between the
    /// terms' lists, unless a term comes or goes.
    Retopic {
        slug: usize,
        topic: usize,
        second: Option<usize>,
    },
    /// Add or remove `draft = true` in content/<slug>.md.
    Draft {
        slug: usize,
        draft: bool,
    },
    /// Set the `related` slugs of content/<slug>.md.
    Related {
        slug: usize,
        related: Option<usize>,
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
    /// Rewrite config.toml.
    Config {
        variant: usize,
    },
    /// Override a template in templates/, or remove the override.
    Template {
        variant: usize,
    },
    /// Add, change or remove files in static/.
    Static {
        variant: usize,
    },
    /// Rewrite or remove content/entities.toml.
    Entities {
        variant: usize,
    },
    /// Two saves of content/<slug>.md of the same size, the second in the
    /// same tick of the file system's clock as the first (the same
    /// modification time), with a rebuild between them that looks at every
    /// file: the stamp cannot tell, and the rebuild must still see it.
    SameSize {
        slug: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0..5usize, 0..4usize, 2019..2025u16, 0..4usize, proptest::option::of(0..4usize), any::<bool>())
            .prop_map(|(slug, title, year, topic, cites, seeded)| Edit::Write { slug, title, year, topic, cites, seeded }),
        3 => (0..5usize, proptest::option::of(0..4usize), 0..3usize, proptest::option::of(0..2usize), proptest::option::of((0..5usize, any::<bool>())))
            .prop_map(|(slug, cites, words, summary, link)| Edit::Retext { slug, cites, words, summary, link }),
        2 => (0..5usize, 0..4usize).prop_map(|(slug, title)| Edit::Retitle { slug, title }),
        2 => (0..5usize, 0..4usize, proptest::option::of(0..6usize))
            .prop_map(|(slug, topic, second)| Edit::Retopic { slug, topic, second }),
        1 => (0..5usize, any::<bool>()).prop_map(|(slug, draft)| Edit::Draft { slug, draft }),
        1 => (0..5usize, proptest::option::of(0..5usize)).prop_map(|(slug, related)| Edit::Related { slug, related }),
        1 => (0..5usize).prop_map(|slug| Edit::Delete { slug }),
        1 => (0..5usize, 0..5usize).prop_map(|(from, to)| Edit::Rename { from, to }),
        1 => (0..3usize).prop_map(|variant| Edit::Seed { variant }),
        1 => (0..5usize).prop_map(|slug| Edit::Break { slug }),
        1 => (0..CONFIGS.len()).prop_map(|variant| Edit::Config { variant }),
        1 => (0..TEMPLATES.len()).prop_map(|variant| Edit::Template { variant }),
        1 => (0..4usize).prop_map(|variant| Edit::Static { variant }),
        1 => (0..ENTITIES.len()).prop_map(|variant| Edit::Entities { variant }),
        1 => (0..5usize).prop_map(|slug| Edit::SameSize { slug }),
    ]
}

/// Pages of one document: with five documents, lists of several pages,
/// and an entity that gains or loses a mention gains or loses a page.
const PAGED: &str = "\n[pagination]\npage_size = 1\nindex_page_size = 2\nlatest = 2\n";

/// The config.toml variants, after the fixture's own: all but the second
/// (the defaults) with short pages; the first is [`PAGED`], which the
/// fixture starts with.
const CONFIGS: [&str; 5] = [
    PAGED,
    "",
    "\n[related]\ncount = 0\n[pagination]\npage_size = 2\nindex_page_size = 2\nlatest = 2\n",
    "\n[related]\ncount = 2\ntime = 0.0\n[pagination]\npage_size = 3\nindex_page_size = 1\nlatest = 1\n",
    "\n[links]\ndetect_mentions = false\n[pagination]\npage_size = 2\nindex_page_size = 2\nlatest = 0\n",
];

/// Template overrides: none, a document page of its own, a different list
/// item, a broken template (the build fails, and the output stays), a
/// not-found page that shows `site`'s counts and nothing else that changes,
/// and a list item that shows the counts (rendered once per document into
/// `list_item`, so the counts must reach every list through it).
const TEMPLATES: [Option<(&str, &str)>; 6] = [
    None,
    Some((
        "document.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ doc.title }}</h1>{{ doc.text | safe }}{% endblock content %}",
    )),
    Some((
        "partials/doc_item.html",
        "<li><a href=\"{{ doc.url }}\">{{ doc.title }}</a> ({{ doc.date }})</li>",
    )),
    Some((
        "document.html",
        "{% extends \"base.html\" %}{% block content %}{{ doc.nope.deeper }}{% endblock content %}",
    )),
    Some(("404.html", COUNTS_404)),
    Some((
        "partials/doc_item.html",
        "<li><a href=\"{{ doc.url }}\">{{ doc.title }}</a>, one of {{ site.document_count }}</li>",
    )),
];

/// A not-found page that shows how many documents and terms there are.
const COUNTS_404: &str = "{% extends \"base.html\" %}{% block content %}{{ site.document_count }} documents\
    {% for t in site.taxonomies %}, {{ t.count }} {{ t.name }}{% endfor %}{% endblock content %}";

const ENTITIES: [Option<&str>; 6] = [
    Some("[[entity]]\nname = \"passing\"\nkind = \"other\"\n"),
    Some(
        "[[entity]]\nname = \"passing\"\nkind = \"other\"\n\n[[entity]]\nname = \"Data Rules\"\nkind = \"organisation\"\nother_names = [\"the text\"]\n",
    ),
    // The one before with a description: the archive is updated in place.
    Some(
        "[[entity]]\nname = \"passing\"\nkind = \"other\"\n\n[[entity]]\nname = \"Data Rules\"\nkind = \"organisation\"\nother_names = [\"the text\"]\ndescription = \"Rules on data, searched for.\"\n",
    ),
    // The second with other names: one no text holds, and one every
    // text of the fixture holds.
    Some(
        "[[entity]]\nname = \"passing\"\nkind = \"other\"\n\n[[entity]]\nname = \"Data Rules\"\nkind = \"organisation\"\nother_names = [\"the text\", \"unheard of\"]\n",
    ),
    Some(
        "[[entity]]\nname = \"passing\"\nkind = \"other\"\n\n[[entity]]\nname = \"Data Rules\"\nkind = \"organisation\"\nother_names = [\"its own\"]\n",
    ),
    None,
];

fn content(root: &Path, slug: usize) -> PathBuf {
    root.join("content").join(format!("{}.md", SLUGS[slug]))
}

fn rel(slug: usize) -> PathBuf {
    PathBuf::from("content").join(format!("{}.md", SLUGS[slug]))
}

/// Writes a file as editors save: a temporary file, then a rename.
fn save(root: &Path, rel: &Path, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_file_name(".tmp-save");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

/// Removes a file if it is there.
fn remove(root: &Path, rel: &str) -> Vec<PathBuf> {
    let _ = std::fs::remove_file(root.join(rel));
    vec![PathBuf::from(rel)]
}

/// Changes the front matter lines of content/<slug>.md that start with
/// `key`: drops them, and adds `line` if given.
fn set_front_matter(root: &Path, slug: usize, key: &str, line: Option<String>) -> Vec<PathBuf> {
    let Ok(old) = std::fs::read_to_string(content(root, slug)) else {
        return Vec::new();
    };
    let Some(end) = old.rfind("+++\n").filter(|&e| e > 0) else {
        return Vec::new();
    };
    let mut front: Vec<String> = old[..end]
        .lines()
        .filter(|l| !l.starts_with(key))
        .map(str::to_string)
        .collect();
    if let Some(line) = line {
        front.insert(1, line);
    }
    save(root, &rel(slug), &format!("{}\n{}", front.join("\n"), &old[end..]));
    vec![rel(slug)]
}

/// Applies an edit; returns the paths it touched, relative to the root, as
/// a watcher would report them.
fn apply(root: &Path, edit: &Edit) -> Vec<PathBuf> {
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
            save(root, &rel(slug), &text);
            vec![PathBuf::from("content/.tmp-save"), rel(slug)]
        }
        Edit::Retext {
            slug,
            cites,
            words,
            summary,
            link,
        } => {
            let Ok(old) = std::fs::read_to_string(content(root, slug)) else {
                return Vec::new();
            };
            let Some(end) = old.rfind("+++\n").filter(|&e| e > 0) else {
                return Vec::new();
            };
            let mut front: Vec<&str> = old[..end].lines().filter(|l| !l.starts_with("summary = ")).collect();
            let line = summary.map(|n| format!("summary = \"Summary {n}.\""));
            if let Some(line) = &line {
                front.insert(1, line);
            }
            let mut body = [
                "Rewritten.",
                "Rewritten, and the passing entity with it.",
                "Rewritten twice over.",
            ][words]
                .to_string();
            if let Some(t) = cites {
                body.push_str(&format!(" It now cites the {}.", TITLES[t]));
            }
            if let Some((to, anchor)) = link {
                let fragment = if anchor { "#p-1" } else { "" };
                body.push_str(&format!("\n\nSee [the other](@/{}{fragment}).", SLUGS[to]));
            }
            std::fs::write(content(root, slug), format!("{}\n+++\n{body}\n", front.join("\n"))).unwrap();
            vec![rel(slug)]
        }
        Edit::Retitle { slug, title } => {
            let line = format!("title = \"{} {}\"", TITLES[title], SLUGS[slug]);
            set_front_matter(root, slug, "title = ", Some(line));
            set_front_matter(
                root,
                slug,
                "cited_as = ",
                Some(format!("cited_as = [\"{}\"]", TITLES[title])),
            )
        }
        Edit::Retopic { slug, topic, second } => {
            let Ok(old) = std::fs::read_to_string(content(root, slug)) else {
                return Vec::new();
            };
            let mut names = vec![TOPICS[topic].to_string()];
            match second {
                Some(n) if n < TOPICS.len() && n != topic => names.push(TOPICS[n].to_string()),
                // A new term whose slug another term has: "data"'s.
                Some(5) => names.push("Data".to_string()),
                Some(_) => names.push(format!("only {}", SLUGS[slug])),
                None => {}
            }
            let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            let line = format!("topics = [{}]", quoted.join(", "));
            if !old.lines().any(|l| l.starts_with("topics = ")) {
                return Vec::new();
            }
            let text: Vec<&str> = old
                .lines()
                .map(|l| if l.starts_with("topics = ") { line.as_str() } else { l })
                .collect();
            save(root, &rel(slug), &format!("{}\n", text.join("\n")));
            vec![PathBuf::from("content/.tmp-save"), rel(slug)]
        }
        Edit::Draft { slug, draft } => {
            set_front_matter(root, slug, "draft = ", draft.then(|| "draft = true".to_string()))
        }
        Edit::Related { slug, related } => set_front_matter(
            root,
            slug,
            "related = ",
            related.map(|r| format!("related = [\"{}\"]", SLUGS[r])),
        ),
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
        Edit::Config { variant } => {
            save(root, Path::new("config.toml"), &format!("{CONFIG}{}", CONFIGS[variant]));
            vec![PathBuf::from("config.toml")]
        }
        Edit::Template { variant } => {
            let mut touched = remove(root, "templates/document.html");
            touched.extend(remove(root, "templates/partials/doc_item.html"));
            if let Some((name, text)) = TEMPLATES[variant] {
                save(root, &Path::new("templates").join(name), text);
            }
            touched
        }
        Edit::Static { variant } => match variant {
            0 => remove(root, "static/extra.css"),
            1 | 2 => {
                save(
                    root,
                    Path::new("static/extra.css"),
                    ["a{}", "b{color:red}"][variant - 1],
                );
                vec![PathBuf::from("static/extra.css")]
            }
            _ => {
                save(root, Path::new("static/sub/notes.txt"), "notes");
                vec![PathBuf::from("static/sub/notes.txt")]
            }
        },
        Edit::Entities { variant } => match ENTITIES[variant] {
            Some(text) => {
                save(root, Path::new("content/entities.toml"), text);
                vec![PathBuf::from("content/entities.toml")]
            }
            None => remove(root, "content/entities.toml"),
        },
        // Done by the harness, which rebuilds between the two saves.
        Edit::SameSize { .. } => Vec::new(),
    }
}

/// The two same-size saves of [`Edit::SameSize`]: the second gets the
/// first's modification time, as a save in the same clock tick does. The
/// coarsest clock annals allows for ticks every two seconds; when the
/// rebuild between the saves ended later than that after the first (a
/// loaded machine), a real clock would have ticked, and the second save
/// keeps its own time.
fn same_size_saves(root: &Path, slug: usize, incremental: &mut Incremental, served: &Path) {
    let text = |n: u8| {
        format!(
            "+++\ntitle = \"Same size {}\"\ndate = 2020-01-01\n+++\nVersion {n}.\n",
            SLUGS[slug]
        )
    };
    let path = content(root, slug);
    std::fs::write(&path, text(1)).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let _ = incremental.rebuild(&options(root, served));
    let one_tick = std::time::SystemTime::now()
        .duration_since(modified)
        .is_ok_and(|d| d < std::time::Duration::from_secs(2));
    std::fs::write(&path, text(2)).unwrap();
    if one_tick {
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(modified).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
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
    // Failing cases are saved in proptest-regressions/ and tried first on
    // every later run.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_output_equals_a_clean_build(edits in proptest::collection::vec(edit(), 1..12)) {
        let fixture = Fixture::new()
            .file("config.toml", &format!("{CONFIG}{PAGED}"))
            .file("seeds/shared.txt", "Plain.\n")
            .file("content/entities.toml", ENTITIES[0].unwrap());
        let root = fixture.root();
        apply(root, &Edit::Write { slug: 0, title: 0, year: 2020, topic: 0, cites: None, seeded: true });
        let served = root.join("served");
        let clean = root.join("clean");
        let mut incremental = Incremental::new("serve");
        incremental.rebuild(&options(root, &served)).expect("the first build succeeds");
        for (step, edit) in edits.iter().enumerate() {
            let before = tree(&served);
            let touched = apply(root, edit);
            // A third leave the files no page loads for later, as the
            // preview's server does, and make them after.
            incremental.defer_downloads(step % 3 == 1);
            // Half the rebuilds are told what changed, as the watcher tells
            // them; the others look at every file.
            let rebuilt = match edit {
                Edit::SameSize { slug } => {
                    same_size_saves(root, *slug, &mut incremental, &served);
                    incremental.rebuild(&options(root, &served))
                }
                _ if step % 2 == 0 => incremental.rebuild_after(&options(root, &served), &touched),
                _ => incremental.rebuild(&options(root, &served)),
            };
            let rebuilt = made_later(&mut incremental, &options(root, &served), rebuilt);
            let reference = annals::build(&options(root, &clean));
            match (rebuilt, reference) {
                (Ok(_), Ok(_)) => prop_assert_eq!(tree(&served), tree(&clean), "after {:?}", edit),
                (Err(_), Err(_)) => {
                    if !matches!(edit, Edit::SameSize { .. }) {
                        prop_assert_eq!(&tree(&served), &before, "a failed rebuild changed the output after {:?}", edit);
                    }
                    // Mend what cannot be mended by later edits of the
                    // same kind, so that later edits build again.
                    let mended = match edit {
                        Edit::Break { slug } => remove(root, &rel(*slug).to_string_lossy()),
                        Edit::Template { .. } => apply(root, &Edit::Template { variant: 0 }),
                        _ => continue,
                    };
                    let rebuilt = incremental.rebuild_after(&options(root, &served), &mended);
                    let rebuilt = made_later(&mut incremental, &options(root, &served), rebuilt);
                    let reference = annals::build(&options(root, &clean));
                    prop_assert_eq!(rebuilt.is_ok(), reference.is_ok(), "after mending {:?}", edit);
                    if rebuilt.is_ok() {
                        prop_assert_eq!(tree(&served), tree(&clean), "after mending {:?}", edit);
                    }
                }
                (a, b) => prop_assert!(false, "after {:?}: incremental {:?} but clean {:?}", edit, a.is_ok(), b.is_ok()),
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
        // As many words as before: the average length the search index
        // weighs against stays, so the index is updated in place.
        "+++\ntitle = \"A\"\ndate = 2020-01-01\n+++\nOther A.\n",
    )
    .unwrap();
    let edited = incremental.rebuild(&options(root, &out)).unwrap();
    assert_eq!(pages_only(&edited.written), ["documents/a/index.html"]);
    assert!(edited.report.search_partial, "the search index is updated in place");
    // The search index: the record of the text, the shard of its terms,
    // and meta.json, which names the index's version.
    assert!(
        edited.written.iter().any(|p| p.starts_with("search/r/")),
        "{:?}",
        edited.written
    );
    std::fs::remove_file(root.join("content/b.md")).unwrap();
    let deleted = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(
        deleted.removed.contains(&"documents/b/index.html".to_string()),
        "{:?}",
        deleted.removed
    );
    assert!(!out.join("documents/b").exists(), "empty folders go too");
}

/// A document added before others, or deleted, moves every later search
/// record to another number. The records keep their files (named by the
/// record, not its number): the rebuild writes the new record alone, and
/// the files that list the names in order. Both must equal a clean build.
#[test]
fn a_new_or_deleted_document_rewrites_no_other_search_record() {
    let doc = |title: &str, date: &str| format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\nThe text of {title}.\n");
    let fixture = Fixture::new()
        .doc("a", "title = \"Alpha\"\ndate = 2020-01-01", "Text of alpha.")
        .doc("b", "title = \"Beta\"\ndate = 2021-01-01", "Text of beta.")
        .doc("c", "title = \"Gamma\"\ndate = 2022-01-01", "Text of gamma.");
    let root = fixture.root();
    let out = root.join("out");
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &out)).unwrap();
    let records = |written: &[String]| -> Vec<String> {
        written.iter().filter(|p| p.starts_with("search/r/")).cloned().collect()
    };
    // Newest first: the new document takes number 0, and every other
    // record moves.
    std::fs::write(root.join("content/d.md"), doc("Delta", "2023-01-01")).unwrap();
    let added = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(added.report.search_partial, "the index is renumbered in place");
    assert_eq!(records(&added.written).len(), 1, "{:?}", added.written);
    assert!(
        added.written.iter().any(|p| p.starts_with("search/k/")),
        "{:?}",
        added.written
    );
    let clean = root.join("clean");
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&out), tree(&clean), "after the new document");

    std::fs::remove_file(root.join("content/b.md")).unwrap();
    let deleted = incremental.rebuild(&options(root, &out)).unwrap();
    assert!(deleted.report.search_partial, "the index is renumbered in place");
    assert!(records(&deleted.written).is_empty(), "{:?}", deleted.written);
    assert_eq!(
        deleted.removed.iter().filter(|p| p.starts_with("search/r/")).count(),
        1,
        "{:?}",
        deleted.removed
    );
    std::fs::remove_dir_all(&clean).unwrap();
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&out), tree(&clean), "after the deletion");
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
    let (fixture, mut incremental) = served_archive(&[
        (
            "a",
            doc(
                "Alpha Plan",
                "2020-01-01",
                "One.",
                "It follows the Beta Rules and MIIT.",
            ),
        ),
        ("b", doc("Beta Rules", "2023-01-01", "Two.", "Plain.")),
        (
            "c",
            doc("Gamma Notice", "2022-01-01", "Three.", "It cites the Alpha Plan."),
        ),
    ]);
    let root = fixture.root();
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
        partial += usize::from(rewrite_and_compare(root, &mut incremental, slug, &text));
    }
    assert_eq!(partial, 6, "every step updates the archive in place");
}

/// New titles and `cited_as` names update the archive in place: the texts
/// that hold an old or a new name are searched again, and every page that
/// shows a title (lists, quotes, entity pages, neighbours) is rendered
/// again. A new title that moves a document among others of its date (the
/// undated, here) takes a whole build. Each step equals a clean build.
#[test]
fn new_names_update_the_archive_in_place() {
    let doc = |title: &str, date: &str, cited_as: &str, body: &str| {
        let date = if date.is_empty() {
            String::new()
        } else {
            format!("date = {date}\n")
        };
        format!(
            "+++\ntitle = \"{title}\"\n{date}cited_as = [\"{cited_as}\"]\n[taxonomies]\ntopics = [\"data\"]\n+++\n{body}\n"
        )
    };
    let (fixture, mut incremental) = served_archive(&[
        (
            "a",
            doc(
                "Alpha Plan",
                "2020-01-01",
                "the Plan of Alpha",
                "It follows the Beta Rules and MIIT.",
            ),
        ),
        ("b", doc("Beta Rules", "2023-01-01", "Beta Code", "Plain.")),
        (
            "c",
            doc("Gamma Notice", "2022-01-01", "Gamma", "It cites the Alpha Plan."),
        ),
        ("d", doc("Delta Memo", "", "Delta", "Undated, after the Gamma Notice.")),
        ("e", doc("Epsilon Memo", "", "Epsilon", "Undated too.")),
        (
            "f",
            doc("Phi Brief", "2019-01-01", "Phi", "It follows the 数字经济 2025 Agenda."),
        ),
    ]);
    let root = fixture.root();
    let steps = [
        // a's text no longer names b.
        ("b", doc("Beta Act", "2023-01-01", "Beta Code", "Plain."), true),
        // The name b gave up now names c, in a's text.
        (
            "c",
            doc("Beta Rules", "2022-01-01", "Gamma", "It cites the Alpha Plan."),
            true,
        ),
        // a's new title is a name b already has: b keeps it, with a warning.
        (
            "a",
            doc(
                "Beta Code",
                "2020-01-01",
                "the Plan of Alpha",
                "It follows the Beta Rules and MIIT.",
            ),
            true,
        ),
        // A new cited_as name found in d's text.
        (
            "a",
            doc(
                "Beta Code",
                "2020-01-01",
                "after the Gamma",
                "It follows the Beta Rules and MIIT.",
            ),
            true,
        ),
        // d moves after e.
        (
            "d",
            doc("Zeta Memo", "", "Delta", "Undated, after the Gamma Notice."),
            false,
        ),
        // No text holds e's old or new title: the new names are made
        // ready for later scans while the pages are written...
        ("e", doc("Epsilon Note", "", "Epsilon", "Undated too."), true),
        // ...and the next scan finds them.
        (
            "c",
            doc(
                "Beta Rules",
                "2022-01-01",
                "Gamma",
                "It cites the Alpha Plan and the Epsilon Note.",
            ),
            true,
        ),
        // c's text names e by its cited_as name...
        (
            "c",
            doc(
                "Beta Rules",
                "2022-01-01",
                "Gamma",
                "It cites the Alpha Plan and Epsilon.",
            ),
            true,
        ),
        // ...which e keeps while its title changes: only the title's old
        // and new names are looked for, and c's link to e stays.
        ("e", doc("Epsilon Paper", "", "Epsilon", "Undated too."), true),
        // Right after, a text that holds the new title finds it, whether
        // or not the matcher for the new names is built yet.
        (
            "c",
            doc(
                "Beta Rules",
                "2022-01-01",
                "Gamma",
                "It cites the Alpha Plan and the Epsilon Paper.",
            ),
            true,
        ),
        // A name with Chinese and digits, found by the exact search, in
        // another case than the text's.
        (
            "b",
            doc("Beta Act", "2023-01-01", "数字经济 2025 AGENDA", "Plain."),
            true,
        ),
    ];
    for (slug, text, in_place) in steps {
        let partial = rewrite_and_compare(root, &mut incremental, slug, &text);
        assert_eq!(partial, in_place, "after rewriting {slug}: {text}");
    }
}

/// An archive of `documents` (each a slug and the text of its content
/// file) with one entity, MIIT, and no related lists, and a preview that
/// has built it once into `served`.
fn served_archive(documents: &[(&str, String)]) -> (Fixture, Incremental) {
    let mut fixture = Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n[related]\ncount = 0\n"))
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"MIIT\"\nkind = \"organisation\"\n",
        );
    for (slug, text) in documents {
        fixture = fixture.file(&format!("content/{slug}.md"), text);
    }
    let root = fixture.root();
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &root.join("served"))).unwrap();
    (fixture, incremental)
}

/// After a rebuild that left files for later, makes them, as the preview's
/// server does once the pages of what changed are served: the other pages
/// first, then the files beside the pages. The rebuild returned counts the
/// pages written later among those it wrote.
fn made_later(
    incremental: &mut Incremental,
    options: &BuildOptions,
    rebuilt: Result<Rebuilt, Vec<annals::diag::Diagnostic>>,
) -> Result<Rebuilt, Vec<annals::diag::Diagnostic>> {
    match rebuilt {
        Ok(mut rebuilt) if rebuilt.report.deferred => {
            if let Some(pages) = incremental.prepare_pages(options) {
                let later = pages?.apply()?;
                assert!(later.removed.is_empty(), "the pages left for later delete nothing");
                rebuilt.written.extend(later.written);
                rebuilt.report.rendered += later.report.rendered;
            }
            incremental.prepare_downloads(options)?.apply().map(|_| rebuilt)
        }
        other => other,
    }
}

/// Rewrites content/<slug>.md with `text`, rebuilds `served` as the
/// watcher would, builds `clean` anew, and checks that both hold the same;
/// returns whether the rebuild updated the archive in place.
fn rewrite_and_compare(root: &Path, incremental: &mut Incremental, slug: &str, text: &str) -> bool {
    let file = PathBuf::from("content").join(format!("{slug}.md"));
    rewrite_file_and_compare(root, incremental, &file, text).report.partial
}

/// [`rewrite_and_compare`] for any file `rel` of the archive; returns the
/// rebuild.
fn rewrite_file_and_compare(root: &Path, incremental: &mut Incremental, rel: &Path, text: &str) -> Rebuilt {
    std::fs::write(root.join(rel), text).unwrap();
    rebuild_and_compare(
        root,
        incremental,
        rel,
        &format!("after rewriting {}: {text}", rel.display()),
    )
}

/// Rebuilds `served` after `rel` changed, as the watcher would, with the
/// files it leaves for later made too; builds `clean` anew, and checks
/// that both hold the same (`what` says after what); returns the rebuild.
fn rebuild_and_compare(root: &Path, incremental: &mut Incremental, rel: &Path, what: &str) -> Rebuilt {
    let rebuilt = incremental.rebuild_after(&options(root, &root.join("served")), &[rel.to_path_buf()]);
    later_and_compare(root, incremental, rebuilt, what)
}

/// Makes what `rebuilt`, a rebuild of `served`, left for later; builds
/// `clean` anew, and checks that both hold the same (`what` says after
/// what); returns the rebuild with what was made later.
fn later_and_compare(
    root: &Path,
    incremental: &mut Incremental,
    rebuilt: Result<Rebuilt, Vec<annals::diag::Diagnostic>>,
    what: &str,
) -> Rebuilt {
    let (served, clean) = (root.join("served"), root.join("clean"));
    let rebuilt = made_later(incremental, &options(root, &served), rebuilt).unwrap();
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&served), tree(&clean), "{what}");
    rebuilt
}

/// A save of the same size in the same tick of the file system's clock as
/// the one before leaves the file's stamp as it was; a rebuild that looks
/// at every file (no watcher) still sees it.
#[test]
fn a_same_size_save_in_the_same_clock_tick_is_seen_without_a_watcher() {
    let fixture = Fixture::new().doc("alpha", "title = \"A\"\ndate = 2020-01-01", "Version 0.");
    let root = fixture.root();
    let out = root.join("out");
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &out)).unwrap();
    same_size_saves(root, 0, &mut incremental, &out);
    incremental.rebuild(&options(root, &out)).unwrap();
    let page = std::fs::read_to_string(out.join("documents/alpha/index.html")).unwrap();
    assert!(page.contains("Version 2."), "the second save is on the page");
}

/// A new summary is rewritten on the page of each list that shows it, and
/// no other list page is looked at: its term's and year's page (of three
/// pages each), and the home page only when it is among the latest.
#[test]
fn a_new_summary_rewrites_the_page_of_each_list_that_holds_it() {
    let doc = |n: usize, summary: &str| {
        format!(
            "+++\ntitle = \"Plan {n}\"\ndate = 2021-{:02}-01\nsummary = \"{summary}\"\n[taxonomies]\ntopics = [\"data\"]\n+++\nText.\n",
            12 - n
        )
    };
    let mut fixture = Fixture::new()
        .file(
            "config.toml",
            &format!("{CONFIG}\n[related]\ncount = 0\n[pagination]\npage_size = 2\nlatest = 2\n"),
        )
        .file(
            "templates/partials/doc_item.html",
            "<li class=\"doc-item\"><a class=\"doc-title\" href=\"{{ doc.url }}\">{{ doc.title }}</a> {{ doc.summary }}</li>",
        );
    for n in 0..6 {
        fixture = fixture.file(&format!("content/p{n}.md"), &doc(n, "First."));
    }
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    for (n, expected) in [
        (
            3,
            vec![
                "documents/p3/index.html",
                "timeline/2021/page/2/index.html",
                "topics/data/page/2/index.html",
            ],
        ),
        (
            0,
            vec![
                "documents/p0/index.html",
                "index.html",
                "timeline/2021/index.html",
                "topics/data/index.html",
            ],
        ),
    ] {
        let file = PathBuf::from(format!("content/p{n}.md"));
        std::fs::write(root.join(&file), doc(n, "Revised.")).unwrap();
        let rebuilt = incremental.rebuild_after(&options(root, &served), &[file]).unwrap();
        assert!(rebuilt.report.partial, "the archive is updated in place");
        let mut written = pages_only(&rebuilt.written);
        written.sort();
        assert_eq!(written, expected, "after the summary of p{n}");
        // The document's data holds its summary; the catalogue does not,
        // and is left as it is.
        assert!(
            rebuilt.written.contains(&format!("documents/p{n}/index.json")),
            "after the summary of p{n}: {:?}",
            rebuilt.written
        );
        assert!(
            !rebuilt.written.iter().any(|p| p.starts_with("data/")),
            "after the summary of p{n}: {:?}",
            rebuilt.written
        );
        // Its citations carry the summary as their abstract; no other
        // document's citations change.
        let mut cites: Vec<&str> = rebuilt
            .written
            .iter()
            .map(String::as_str)
            .filter(|p| p.contains("/cite."))
            .collect();
        cites.sort();
        let dir = format!("documents/p{n}");
        assert_eq!(
            cites,
            [
                format!("{dir}/cite.bib"),
                format!("{dir}/cite.json"),
                format!("{dir}/cite.ris")
            ],
            "after the summary of p{n}"
        );
        // The feeds that list the document show its summary.
        for feed in ["atom.xml", "topics/data/atom.xml"] {
            assert!(
                rebuilt.written.iter().any(|p| p == feed),
                "after the summary of p{n}, {feed}: {:?}",
                rebuilt.written
            );
        }
        assert!(
            rebuilt.report.search_partial,
            "after the summary of p{n}: the search index is updated in place"
        );
        // The summary is searched: its record and a shard of the index.
        assert!(
            rebuilt.written.iter().any(|p| p.starts_with("search/r/")),
            "after the summary of p{n}: {:?}",
            rebuilt.written
        );
        annals::build(&options(root, &clean)).unwrap();
        assert_eq!(tree(&served), tree(&clean), "after the summary of p{n}");
    }
}

/// The files of `written` other than the search index's.
/// The pages among written files: not the search index, the feeds or the
/// data, which tests look at by themselves.
/// A new description of an entity changes its page and its search record:
/// the archive is updated in place, and only that page is rendered again.
#[test]
fn a_new_entity_description_rewrites_its_page_and_search_record_only() {
    let entities = |description: &str| {
        format!(
            "[[entity]]\nname = \"Data Office\"\nkind = \"organisation\"\ndescription = \"{description}\"\n\n\
             [[entity]]\nname = \"Ada Lovelace\"\nkind = \"person\"\n"
        )
    };
    let fixture = Fixture::new()
        .doc(
            "a",
            "title = \"A\"\ndate = 2020-01-01",
            "The Data Office met Ada Lovelace.",
        )
        .doc("b", "title = \"B\"\ndate = 2021-01-01", "Ada Lovelace wrote.")
        .file("content/entities.toml", &entities("Keeps data."));
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    let file = PathBuf::from("content/entities.toml");
    // As many words as before, so that the search index's average length,
    // and with it every shard, stays.
    std::fs::write(root.join(&file), entities("Keeps registers.")).unwrap();
    let rebuilt = incremental.rebuild_after(&options(root, &served), &[file]).unwrap();
    assert!(rebuilt.report.partial, "the archive is updated in place");
    assert_eq!(pages_only(&rebuilt.written), ["entities/data-office/index.html"]);
    assert!(rebuilt.report.search_partial, "the search index is updated in place");
    assert!(
        rebuilt.written.iter().any(|p| p.starts_with("search/r/")),
        "the entity's search record: {:?}",
        rebuilt.written
    );
    let page = std::fs::read_to_string(served.join("entities/data-office/index.html")).unwrap();
    assert!(page.contains("Keeps registers."));
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&served), tree(&clean));
}

/// An entity's other names change what every text is searched for, but
/// only the texts that hold a name that came or went can read differently:
/// the archive is updated in place, and the site is a clean build's. A
/// name no text holds renders the entity's page alone; one a text holds
/// brings that text's page, which now links it.
#[test]
fn new_other_names_of_an_entity_update_the_archive_in_place() {
    let entities = |other_names: &str| {
        format!(
            "[[entity]]\nname = \"Data Office\"\nkind = \"organisation\"\nother_names = [{other_names}]\n\n\
             [[entity]]\nname = \"Ada Lovelace\"\nkind = \"person\"\n"
        )
    };
    let fixture = Fixture::new()
        .doc(
            "a",
            "title = \"A\"\ndate = 2020-01-01",
            "The Data Office met Ada Lovelace.",
        )
        .doc(
            "b",
            "title = \"B\"\ndate = 2021-01-01\nauthors = [\"Records Bureau\"]",
            "The Registry of Data wrote.",
        )
        .file("content/entities.toml", &entities("\"the Office\""));
    let root = fixture.root();
    let served = root.join("served");
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    let file = PathBuf::from("content/entities.toml");
    let mut check = |other_names: &str, in_place: bool, pages: &[&str]| {
        let rebuilt = rewrite_file_and_compare(root, &mut incremental, &file, &entities(other_names));
        assert_eq!(rebuilt.report.partial, in_place, "other_names = [{other_names}]");
        if in_place {
            let mut written = pages_only(&rebuilt.written);
            written.sort();
            assert_eq!(written, pages, "other_names = [{other_names}]");
        }
    };
    // A name no text holds.
    check(
        "\"the Office\", \"DO Bureau\"",
        true,
        &["entities/data-office/index.html"],
    );
    // A name b's text holds: b now mentions the entity, and a's page
    // shows how many documents do.
    check(
        "\"the Office\", \"Registry of Data\"",
        true,
        &[
            "documents/a/index.html",
            "documents/b/index.html",
            "entities/data-office/index.html",
            "entities/index.html",
        ],
    );
    // The same name gone again.
    check(
        "\"the Office\"",
        true,
        &[
            "documents/a/index.html",
            "documents/b/index.html",
            "entities/data-office/index.html",
            "entities/index.html",
        ],
    );
    // A name b's authors give: b's citation says whether it is a person's
    // or an organisation's, which only a whole build follows.
    check("\"the Office\", \"Records Bureau\"", false, &[]);
}

/// The markup a text's rebuild reports (an id given twice, here) is the
/// archive's as a clean build reports it, after edits of that text and of
/// others: an update in place looks only at the texts with markup to
/// report.
#[test]
fn in_place_updates_report_the_markup_of_every_text() {
    let repeated = "## One {#same}\n\nText.\n\n## Two {#same}\n\nMore.";
    let fixture = Fixture::new()
        .doc("a", "title = \"Alpha\"\ndate = 2020-01-01", repeated)
        .doc("b", "title = \"Beta\"\ndate = 2021-01-01", "Plain.");
    let root = fixture.root();
    let served = root.join("served");
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    let mut edit = |slug: &str, body: &str| {
        let file = PathBuf::from(format!("content/{slug}.md"));
        let date = if slug == "a" { "2020-01-01" } else { "2021-01-01" };
        let text = format!("+++\ntitle = \"{slug}\"\ndate = {date}\n+++\n{body}\n");
        let rebuilt = rewrite_file_and_compare(root, &mut incremental, &file, &text);
        assert!(rebuilt.report.archive_updated, "{slug}: the archive was analysed anew");
        let clean = annals::build(&options(root, &root.join("clean"))).unwrap();
        let printed = |w: &[annals::diag::Diagnostic]| w.iter().map(ToString::to_string).collect::<Vec<_>>();
        let warnings = printed(&rebuilt.report.warnings);
        assert_eq!(warnings, printed(&clean.warnings), "after an edit of {slug}");
        warnings.iter().filter(|w| w.contains("same")).count()
    };
    assert_eq!(
        edit("b", "Plain, edited."),
        1,
        "a's repeated id, though only b was read"
    );
    assert_eq!(edit("a", "## One {#same}\n\nText."), 0);
    assert_eq!(edit("b", repeated), 1, "b's");
    assert_eq!(edit("a", repeated), 2, "both");
}

/// Names other texts hold, changed in place: a document removed whose
/// title holds a shorter one, the same document back, another's title
/// changed, and an entity given that old title. The texts that hold them
/// are scanned again with only the names they may hold, and find what a
/// clean build finds: the shorter name inside the removed title, the
/// longer one again once it is back, and the entity in place of the
/// renamed document.
#[test]
fn names_that_other_texts_hold_change_in_place() {
    let entities = |other_names: &str| {
        format!("[[entity]]\nname = \"Records Bureau\"\nkind = \"organisation\"\nother_names = [{other_names}]\n")
    };
    let plan = "+++\ntitle = \"Data Office Plan\"\ndate = 2020-01-01\n+++\nPlans.\n";
    let fixture = Fixture::new()
        .file("content/p.md", plan)
        .doc("q", "title = \"Data Office\"\ndate = 2021-01-01", "Offices.")
        .doc(
            "r",
            "title = \"Reading\"\ndate = 2022-01-01",
            "The Data Office Plan came before the Data Office began.",
        )
        .doc("s", "title = \"Other\"\ndate = 2023-01-01", "Nothing to see.")
        .file("content/entities.toml", &entities(""));
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    let links = |slug: &str| {
        let page = std::fs::read_to_string(served.join("documents/r/index.html")).unwrap();
        page.matches(&format!("class=\"mention\" href=\"/documents/{slug}/"))
            .count()
    };
    assert_eq!((links("p"), links("q")), (1, 1), "r links p and q");
    std::fs::remove_file(root.join("content/p.md")).unwrap();
    let rebuilt = incremental
        .rebuild_after(&options(root, &served), &[PathBuf::from("content/p.md")])
        .unwrap();
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&served), tree(&clean), "p removed");
    assert!(
        rebuilt.report.archive_updated,
        "p removed: the archive was analysed anew"
    );
    assert_eq!(
        (links("p"), links("q")),
        (0, 2),
        "the Data Office inside the plan's title"
    );
    let rebuilt = rewrite_file_and_compare(root, &mut incremental, Path::new("content/p.md"), plan);
    assert!(rebuilt.report.archive_updated, "p back: the archive was analysed anew");
    assert_eq!((links("p"), links("q")), (1, 1), "p back");
    let q = "+++\ntitle = \"Data Bureau\"\ndate = 2021-01-01\n+++\nOffices.\n";
    let rebuilt = rewrite_file_and_compare(root, &mut incremental, Path::new("content/q.md"), q);
    assert!(
        rebuilt.report.archive_updated,
        "q renamed: the archive was analysed anew"
    );
    assert_eq!((links("p"), links("q")), (1, 0), "q renamed");
    let file = Path::new("content/entities.toml");
    let rebuilt = rewrite_file_and_compare(root, &mut incremental, file, &entities("\"Data Office\""));
    assert!(
        rebuilt.report.archive_updated,
        "a new name: the archive was analysed anew"
    );
    let page = std::fs::read_to_string(served.join("documents/r/index.html")).unwrap();
    assert!(page.contains("/entities/records-bureau/"), "r mentions the bureau");
}

/// `content/entities.toml` with one entity, the Records Bureau, whose
/// other names are `other_names` (the items of a TOML array).
fn records_bureau(other_names: &str) -> String {
    format!("[[entity]]\nname = \"Records Bureau\"\nkind = \"organisation\"\nother_names = [{other_names}]\n")
}

/// Gives the Records Bureau `other_names` and rebuilds `served` as the
/// watcher would, leaving for later what the preview leaves.
fn rename_bureau(root: &Path, incremental: &mut Incremental, other_names: &str) -> Rebuilt {
    let file = PathBuf::from("content/entities.toml");
    std::fs::write(root.join(&file), records_bureau(other_names)).unwrap();
    (incremental.rebuild_after(&options(root, &root.join("served")), &[file])).unwrap()
}

/// An archive of the Records Bureau with no other names, one document
/// (`first`: its slug and front matter) that holds nothing, and `notes.0`
/// notes `d0`, `d1`... a year apart whose text is `notes.1`, with `config`
/// if given; built by a preview into `served`, leaving the files beside the
/// pages for later if `defer`.
fn bureau_archive(
    config: Option<&str>,
    first: (&str, &str),
    notes: (usize, &str),
    defer: bool,
) -> (Fixture, Incremental) {
    let mut fixture = Fixture::new();
    if let Some(config) = config {
        fixture = fixture.file("config.toml", config);
    }
    fixture = (fixture.file("content/entities.toml", &records_bureau(""))).doc(first.0, first.1, "Nothing here.");
    for n in 0..notes.0 {
        let front = format!("title = \"Note {n}\"\ndate = 202{n}-01-01");
        fixture = fixture.doc(&format!("d{n}"), &front, notes.1);
    }
    let mut incremental = Incremental::new("serve");
    incremental.defer_downloads(defer);
    incremental
        .rebuild(&options(fixture.root(), &fixture.root().join("served")))
        .unwrap();
    (fixture, incremental)
}

/// An entity given another name that many texts hold gets more pages of
/// mentions: the preview renders its pages, new ones too, and the texts
/// that name it, not every page, and lists the new pages in the sitemap,
/// whether it makes the sitemap with the pages or after them. Fewer
/// mentions take pages away: those are deleted, in place too, and the
/// sitemap no longer lists them.
#[test]
fn an_entity_mentioned_more_or_less_gains_or_loses_pages_in_place() {
    for defer in [false, true] {
        let config = format!("{CONFIG}\n[pagination]\npage_size = 2\n");
        let first = ("quiet", "title = \"Quiet\"\ndate = 2019-01-01");
        let notes = (5, "The archive office kept the files.");
        let (fixture, mut incremental) = bureau_archive(Some(&config), first, notes, defer);
        let root = fixture.root();
        let served = root.join("served");
        let file = PathBuf::from("content/entities.toml");
        let entity_pages = |dir: &Path| {
            let mut pages: Vec<String> = tree(dir)
                .into_keys()
                .filter(|p| p.starts_with("entities/records-bureau/"))
                .collect();
            pages.sort();
            pages
        };
        assert_eq!(entity_pages(&served), ["entities/records-bureau/index.html"]);
        for (names, pages) in [("\"archive office\"", 4), ("", 1), ("\"archive office\"", 4)] {
            std::fs::write(root.join(&file), records_bureau(names)).unwrap();
            let what = format!("other names [{names}], defer {defer}");
            let rebuilt = rebuild_and_compare(root, &mut incremental, &file, &what);
            // Three pages of mentions, and page/1/, which leads to the first.
            assert_eq!(entity_pages(&served).len(), pages, "other names [{names}]");
            if pages > 1 {
                assert!(rebuilt.report.partial, "more pages: the pages that show it, in place");
                let mut written = pages_only(&rebuilt.written);
                written.retain(|p| !p.starts_with("entities/records-bureau/"));
                written.sort();
                let texts: Vec<String> = (0..5).map(|n| format!("documents/d{n}/index.html")).collect();
                assert_eq!(written, [&texts[..], &["entities/index.html".to_string()]].concat());
                let sitemap = std::fs::read_to_string(served.join("sitemap.xml")).unwrap();
                assert!(sitemap.contains("/entities/records-bureau/page/3/"), "{sitemap}");
            } else {
                assert!(rebuilt.report.partial, "fewer pages: the pages that show it, in place");
                let mut removed = rebuilt.removed.clone();
                removed.retain(|p| p.starts_with("entities/records-bureau/"));
                removed.sort();
                let lost = ["page/1", "page/2", "page/3"].map(|p| format!("entities/records-bureau/{p}/index.html"));
                assert_eq!(removed, lost, "the pages it lost are deleted");
                let sitemap = std::fs::read_to_string(served.join("sitemap.xml")).unwrap();
                assert!(!sitemap.contains("/entities/records-bureau/page/"), "{sitemap}");
            }
        }
    }
}

/// A preview that serves the pages of what changed first writes, in the
/// rebuild's own step, only the page of the document or entity edited;
/// the other pages that show the edit (those of the texts that name it,
/// the lists) are listed as left for later, and written by the step after.
/// The site is then a clean build's.
#[test]
fn the_page_of_what_changed_is_written_first_and_the_others_later() {
    let first = ("plan", "title = \"Archive Plan\"\ndate = 2019-01-01");
    let notes = (3, "The archive office kept the files under the Archive Plan.");
    let (fixture, mut incremental) = bureau_archive(None, first, notes, true);
    let root = fixture.root();
    let served = root.join("served");
    let texts: Vec<String> = (0..3).map(|n| format!("documents/d{n}/index.html")).collect();
    let edits = [
        (
            "content/entities.toml",
            records_bureau("\"archive office\""),
            "entities/records-bureau/index.html",
        ),
        (
            "content/plan.md",
            "+++\ntitle = \"Archive Plan\"\ncited_as = [\"the files\"]\ndate = 2019-01-01\n+++\nNothing here.\n"
                .to_string(),
            "documents/plan/index.html",
        ),
    ];
    for (file, text, own) in edits {
        let file = PathBuf::from(file);
        std::fs::write(root.join(&file), text).unwrap();
        let first = incremental
            .rebuild_after(&options(root, &served), std::slice::from_ref(&file))
            .unwrap();
        assert!(first.report.partial && first.report.deferred, "after {file:?}");
        assert_eq!(pages_only(&first.written), [own], "after {file:?}, its own page alone");
        for text in &texts {
            assert!(
                first.report.later.contains(text),
                "after {file:?}: {:?}",
                first.report.later
            );
        }
        let rebuilt = later_and_compare(root, &mut incremental, Ok(first), &format!("after {file:?}"));
        let mut written = pages_only(&rebuilt.written);
        written.retain(|p| texts.contains(p));
        assert_eq!(written, texts, "after {file:?}, the texts' pages are written later");
    }
    // A page open in a browser that shows the change comes first too; one
    // that does not is not written.
    incremental.show_first(vec![texts[1].clone(), "documents/plan/index.html".to_string()]);
    let first = rename_bureau(root, &mut incremental, "");
    let mut written = pages_only(&first.written);
    written.sort();
    assert_eq!(written, [texts[1].as_str(), "entities/records-bureau/index.html"]);
    assert!(first.report.later.contains(&texts[0]) && !first.report.later.contains(&texts[1]));
    later_and_compare(root, &mut incremental, Ok(first), "after the open page came first");
}

/// An entity given another name that a few texts hold, in an archive
/// large enough that their related lists are updated in place: those
/// lists are made after the entity's page is written (the page of what
/// changed shows none), and the document pages wait for them; so are
/// they when so many texts join or leave the entity's list that every
/// list is made again. With a document's page open in a browser, they are
/// made at once, and that page comes first. The site is then a clean
/// build's.
#[test]
fn related_lists_are_made_after_the_page_of_an_entity_edited() {
    let mut fixture = Fixture::new().file("content/entities.toml", &records_bureau(""));
    let holding = [1, 14, 27];
    for n in 0..40 {
        let text = match (holding.contains(&n), n % 10 == 5) {
            (true, _) => "The archive office kept the files.",
            (false, true) => "The records hall kept the maps.",
            (false, false) => "Nothing of note.",
        };
        let front = format!(
            "title = \"Note {n}\"\ndate = {}-01-01\n[taxonomies]\ntopics = [\"records\"]",
            1980 + n
        );
        fixture = fixture.doc(&format!("d{n}"), &front, text);
    }
    let root = fixture.root();
    let mut incremental = Incremental::new("serve");
    incremental.defer_downloads(true);
    incremental.rebuild(&options(root, &root.join("served"))).unwrap();
    let first = rename_bureau(root, &mut incremental, "\"archive office\"");
    assert!(first.report.partial && first.report.deferred);
    assert_eq!(pages_only(&first.written), ["entities/records-bureau/index.html"]);
    for n in holding {
        let page = format!("documents/d{n}/index.html");
        assert!(first.report.later.contains(&page), "{page}: {:?}", first.report.later);
    }
    later_and_compare(root, &mut incremental, Ok(first), "after the lists were updated");
    // Seven texts join or leave its list, more than a sixteenth of the
    // archive: every list is made again, after the page all the same,
    // and every document's page waits for them.
    let first = rename_bureau(root, &mut incremental, "\"records hall\"");
    assert_eq!(pages_only(&first.written), ["entities/records-bureau/index.html"]);
    for n in 0..40 {
        let page = format!("documents/d{n}/index.html");
        assert!(first.report.later.contains(&page), "{page}: {:?}", first.report.later);
    }
    later_and_compare(root, &mut incremental, Ok(first), "after every list was made again");
    // With a document's page open that shows the edit, the lists are made
    // at once, and that page comes first with the entity's.
    incremental.show_first(vec!["documents/d5/index.html".to_string()]);
    let first = rename_bureau(root, &mut incremental, "\"archive office\"");
    let mut written = pages_only(&first.written);
    written.sort();
    assert_eq!(
        written,
        ["documents/d5/index.html", "entities/records-bureau/index.html"]
    );
    later_and_compare(root, &mut incremental, Ok(first), "with a document's page open");
}

/// A document removed from a year and a term whose lists then have fewer
/// pages: the preview deletes the pages they lost, and renders only the
/// pages that show the change, whether it makes the files beside the pages
/// with them or after them.
#[test]
fn a_removal_that_shortens_lists_deletes_their_last_pages_in_place() {
    for defer in [false, true] {
        let doc = |n: usize| {
            format!(
                "+++\ntitle = \"Plan {n}\"\ndate = 2021-0{n}-01\n[taxonomies]\ntopics = [\"data\"]\n+++\nText {n}.\n"
            )
        };
        let mut fixture = Fixture::new().file(
            "config.toml",
            &format!("{CONFIG}\n[related]\ncount = 0\n[pagination]\npage_size = 2\n"),
        );
        for n in 1..=5 {
            fixture = fixture.file(&format!("content/p{n}.md"), &doc(n));
        }
        fixture = fixture.doc("older", "title = \"Older\"\ndate = 2019-01-01", "Else.");
        let root = fixture.root();
        let served = root.join("served");
        let mut incremental = Incremental::new("serve");
        incremental.defer_downloads(defer);
        incremental.rebuild(&options(root, &served)).unwrap();
        assert!(served.join("topics/data/page/3/index.html").is_file());
        // Five documents on three pages, then four on two, then three on
        // two, then two on one.
        for (n, gone) in [
            (
                5,
                vec!["timeline/2021/page/3/index.html", "topics/data/page/3/index.html"],
            ),
            (4, vec![]),
            (
                3,
                vec![
                    "timeline/2021/page/1/index.html",
                    "timeline/2021/page/2/index.html",
                    "topics/data/page/1/index.html",
                    "topics/data/page/2/index.html",
                ],
            ),
        ] {
            let file = PathBuf::from(format!("content/p{n}.md"));
            std::fs::remove_file(root.join(&file)).unwrap();
            let rebuilt = rebuild_and_compare(root, &mut incremental, &file, &format!("p{n} removed, defer {defer}"));
            assert!(rebuilt.report.partial, "p{n} removed: the pages that show it, in place");
            let mut removed = pages_only(&rebuilt.removed);
            removed.sort();
            let page = format!("documents/p{n}/index.html");
            let mut expected: Vec<String> = gone.iter().map(|p| p.to_string()).chain([page]).collect();
            expected.sort();
            assert_eq!(removed, expected, "p{n} removed, defer {defer}");
            assert!(
                !rebuilt.written.contains(&"documents/older/index.html".to_string()),
                "a page that does not show it is left as it is"
            );
        }
    }
}

/// A document that moves from one term to another leaves the first
/// term's list a page shorter and the second's a page longer; one that
/// joins or leaves a term does one of the two. The preview deletes the
/// pages lost and makes the new ones in place, and the sitemap follows,
/// whether it is made with the pages or after them.
#[test]
fn documents_joining_and_leaving_terms_move_their_pages_in_place() {
    for defer in [false, true] {
        let doc = |n: usize, topics: &str| {
            format!(
                "+++\ntitle = \"Plan {n}\"\ndate = 2021-0{n}-01\n[taxonomies]\ntopics = [{topics}]\n+++\nText {n}.\n"
            )
        };
        let fixture = Fixture::new()
            .file(
                "config.toml",
                &format!("{CONFIG}\n[related]\ncount = 0\n[pagination]\npage_size = 2\n"),
            )
            .file("content/p1.md", &doc(1, "\"data\""))
            .file("content/p2.md", &doc(2, "\"data\""))
            .file("content/p3.md", &doc(3, "\"data\""))
            .file("content/p4.md", &doc(4, "\"misc\""))
            .file("content/p5.md", &doc(5, "\"misc\""));
        let root = fixture.root();
        let served = root.join("served");
        let mut incremental = Incremental::new("serve");
        incremental.defer_downloads(defer);
        incremental.rebuild(&options(root, &served)).unwrap();
        // (document, its topics, the term left a page shorter, the term a
        // page longer)
        for (n, topics, shorter, longer) in [
            (3, "\"misc\"", Some("data"), Some("misc")),
            (3, "\"data\"", Some("misc"), Some("data")),
            (1, "\"data\", \"misc\"", None, Some("misc")),
            (1, "\"data\"", Some("misc"), None),
        ] {
            let file = PathBuf::from(format!("content/p{n}.md"));
            std::fs::write(root.join(&file), doc(n, topics)).unwrap();
            let step = format!("p{n} in [{topics}], defer {defer}");
            let rebuilt = rebuild_and_compare(root, &mut incremental, &file, &step);
            assert!(rebuilt.report.partial, "{step}: in place");
            let mut removed = pages_only(&rebuilt.removed);
            removed.sort();
            let gone: Vec<String> = shorter
                .iter()
                .flat_map(|t| {
                    [
                        format!("topics/{t}/page/1/index.html"),
                        format!("topics/{t}/page/2/index.html"),
                    ]
                })
                .collect();
            assert_eq!(removed, gone, "{step}");
            let sitemap = std::fs::read_to_string(served.join("sitemap.xml")).unwrap();
            if let Some(t) = longer {
                let made = format!("topics/{t}/page/2/index.html");
                assert!(rebuilt.written.contains(&made), "{step}: {:?}", rebuilt.written);
                assert!(sitemap.contains(&format!("/topics/{t}/page/2/")), "{step}: {sitemap}");
            }
            if let Some(t) = shorter {
                assert!(!sitemap.contains(&format!("/topics/{t}/page/2/")), "{step}: {sitemap}");
            }
        }
    }
}

/// A document removed whose title another document has too: the archive
/// is updated in place, and the title names the other document from then
/// on, in the next text that holds it.
#[test]
fn a_removed_document_hands_a_shared_title_to_the_other() {
    let fixture = Fixture::new()
        .doc("d", "title = \"Harbour Plan\"\ndate = 2022-01-01", "Quays.")
        .doc("e", "title = \"Harbour Plan\"\ndate = 2021-01-01", "Cranes.")
        .doc("x", "title = \"Notes\"\ndate = 2020-01-01", "Nothing yet.");
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    std::fs::remove_file(root.join("content/d.md")).unwrap();
    let rebuilt = incremental
        .rebuild_after(&options(root, &served), &[PathBuf::from("content/d.md")])
        .unwrap();
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&served), tree(&clean), "d removed");
    assert!(rebuilt.report.archive_updated, "the archive was analysed anew");
    let text = "+++\ntitle = \"Notes\"\ndate = 2020-01-01\n+++\nAs the Harbour Plan says.\n";
    rewrite_file_and_compare(root, &mut incremental, Path::new("content/x.md"), text);
    let page = std::fs::read_to_string(served.join("documents/x/index.html")).unwrap();
    assert!(page.contains("/documents/e/"), "x links e");
}

/// A document added, deleted, published from a draft, or moved to another
/// slug updates the archive in place: the documents after it are
/// renumbered, the names looked for change as for a new title, and the
/// site is a clean build's each time. A document that another still links
/// to cannot go: the build fails, naming the link, as a whole build would.
#[test]
fn documents_added_and_removed_update_the_archive_in_place() {
    added_and_removed(false);
}

/// The same, with the files no page loads left for later and made after,
/// as the preview's server does: those of a document removed are deleted
/// then.
#[test]
fn documents_added_and_removed_update_the_archive_in_place_files_later() {
    added_and_removed(true);
}

fn added_and_removed(defer: bool) {
    let fixture = Fixture::new()
        .doc(
            "a",
            "title = \"Data Rules\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\"]",
            "The Data Rules begin.",
        )
        .doc(
            "b",
            "title = \"Review\"\ndate = 2022-01-01\n[taxonomies]\ntopics = [\"data\"]",
            "Unlike the Data Rules, the Harbour Plan is new.",
        )
        .doc("c", "title = \"Notes\"\ndate = 2021-05-01", "Nothing to see.");
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &served)).unwrap();
    incremental.defer_downloads(defer);
    // `partial`: whether only the pages that can show the change are
    // looked at (documents added to lists that were there), or every page.
    let mut step = |what: &str, changes: &[(&str, Option<&str>)], partial: bool| {
        for (slug, text) in changes {
            let file = root.join(format!("content/{slug}.md"));
            match text {
                Some(text) => std::fs::write(&file, text).unwrap(),
                None => std::fs::remove_file(&file).unwrap(),
            }
        }
        let paths: Vec<PathBuf> = changes
            .iter()
            .map(|(s, _)| PathBuf::from(format!("content/{s}.md")))
            .collect();
        let rebuilt = incremental.rebuild_after(&options(root, &served), &paths);
        let rebuilt = made_later(&mut incremental, &options(root, &served), rebuilt);
        let rebuilt = rebuilt.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(rebuilt.report.deferred, defer, "{what}: files left for later");
        annals::build(&options(root, &clean)).unwrap();
        assert_eq!(tree(&served), tree(&clean), "{what}");
        assert!(rebuilt.report.archive_updated, "{what}: the archive was analysed anew");
        assert_eq!(rebuilt.report.partial, partial, "{what}: partial");
        rebuilt
    };
    let page = |slug: &str| std::fs::read_to_string(served.join(format!("documents/{slug}/index.html"))).unwrap();
    // A document whose title another text holds: that text links it now.
    let harbour = "+++\ntitle = \"Harbour Plan\"\ndate = 2021-01-01\n[taxonomies]\ntopics = [\"ports\"]\n+++\nQuays.\n";
    step("a document added", &[("h", Some(harbour))], true);
    assert!(page("b").contains("/documents/h/"), "b links the new document");
    // Before every other, with a name no text holds, and after every other.
    let newest = "+++\ntitle = \"Outlook\"\ndate = 2030-01-01\n+++\nAhead.\n";
    step("a document of a new year added", &[("n", Some(newest))], false);
    let undated = "+++\ntitle = \"Undated Memo\"\n+++\nNo date.\n";
    step("the first undated document added", &[("u", Some(undated))], false);
    let memo = "+++\ntitle = \"Second Memo\"\n[taxonomies]\ntopics = [\"data\"]\n+++\nAlso undated.\n";
    step("an undated document added", &[("v", Some(memo))], true);
    step("the newest document removed", &[("n", None)], false);
    // A document whose title another text holds: the link goes with it.
    step("a document another text names removed", &[("h", None)], false);
    assert!(!page("b").contains("/documents/h/"), "b no longer links it");
    // Published from a draft, and back.
    let draft = |draft: bool| format!("+++\ntitle = \"Draft Plan\"\ndate = 2021-03-01\ndraft = {draft}\n+++\nDraft.\n");
    std::fs::write(root.join("content/d.md"), draft(true)).unwrap();
    step("a draft added", &[("d", Some(&draft(true)))], true);
    step("a draft published", &[("d", Some(&draft(false)))], true);
    step("a document made a draft again", &[("d", Some(&draft(true)))], true);
    // Moved to another slug: one goes and one comes in the same change.
    let moved = std::fs::read_to_string(root.join("content/c.md")).unwrap();
    step(
        "a document moved to another slug",
        &[("c", None), ("c2", Some(&moved))],
        false,
    );
    // Two added at once, one of them the only document of its topic, which
    // goes with it.
    let topic = "+++\ntitle = \"Fisheries\"\ndate = 2019-01-01\n[taxonomies]\ntopics = [\"fish\"]\n+++\nNets.\n";
    step("two documents added", &[("f", Some(topic)), ("n", Some(newest))], false);
    let older = |n: u32| format!("+++\ntitle = \"Older {n}\"\ndate = 2021-0{n}-02\n+++\nOld.\n");
    step(
        "two documents added to a year",
        &[("o1", Some(&older(1))), ("o2", Some(&older(2)))],
        true,
    );
    step("the only document of a topic removed", &[("f", None)], false);
    step("a document of a year removed", &[("o1", None)], true);
    // A document another links to explicitly cannot go.
    std::fs::write(
        root.join("content/c2.md"),
        "+++\ntitle = \"Notes\"\ndate = 2021-05-01\n+++\nSee @/n.\n",
    )
    .unwrap();
    step(
        "a link added",
        &[(
            "c2",
            Some("+++\ntitle = \"Notes\"\ndate = 2021-05-01\n+++\nSee [it](@/n).\n"),
        )],
        true,
    );
    // A new file that takes another document's slug fails the build.
    let dup = root.join("content/dup.md");
    std::fs::write(&dup, "+++\ntitle = \"Copy\"\nslug = \"b\"\n+++\nCopy.\n").unwrap();
    let failed = incremental.rebuild_after(&options(root, &served), &[PathBuf::from("content/dup.md")]);
    let Err(errors) = failed else {
        panic!("a second document with the slug `b` fails the build");
    };
    let shown = format!("{errors:?}");
    assert!(shown.contains("two documents have the slug `b`"), "{shown}");
    std::fs::remove_file(&dup).unwrap();
    incremental
        .rebuild_after(&options(root, &served), &[PathBuf::from("content/dup.md")])
        .unwrap();
    std::fs::remove_file(root.join("content/n.md")).unwrap();
    let failed = incremental.rebuild_after(&options(root, &served), &[PathBuf::from("content/n.md")]);
    let Err(errors) = failed else {
        panic!("a link to a document removed fails the build");
    };
    let shown = format!("{errors:?}");
    assert!(shown.contains("c2.md") && shown.contains("`n`"), "{shown}");
}

/// A link to a paragraph of another document breaks only when that
/// paragraph goes. One added to the target (at the end of its text) is an
/// update in place, the same as a clean build; one taken away fails the
/// rebuild, naming the file that links to it.
#[test]
fn only_an_anchor_gone_breaks_the_links_into_it() {
    let plan = |paragraphs: &[&str]| {
        format!(
            "+++\ntitle = \"Plan\"\ndate = 2020-01-01\n+++\n{}\n",
            paragraphs.join("\n\n")
        )
    };
    let (fixture, mut incremental) = served_archive(&[
        ("plan", plan(&["First.", "Second."])),
        (
            "digest",
            "+++\ntitle = \"Digest\"\ndate = 2021-01-01\n+++\nSee [the second](@/plan#p-2).\n".to_string(),
        ),
    ]);
    let root = fixture.root();
    let added = rewrite_and_compare(root, &mut incremental, "plan", &plan(&["First.", "Second.", "Third."]));
    assert!(added, "a paragraph added is an update in place");
    let gone = PathBuf::from("content/plan.md");
    std::fs::write(root.join(&gone), plan(&["First."])).unwrap();
    let failed = incremental.rebuild_after(&options(root, &root.join("served")), &[gone]);
    let Err(errors) = failed else {
        panic!("a link to a paragraph gone fails the rebuild");
    };
    let shown = format!("{errors:?}");
    assert!(
        shown.contains("document `plan` has no anchor `#p-2`") && shown.contains("digest.md"),
        "{shown}"
    );
}

fn pages_only(written: &[String]) -> Vec<String> {
    written.iter().filter(|p| p.ends_with(".html")).cloned().collect()
}

/// `site.document_count` and each taxonomy's `count` change with every
/// document added or removed: the pages whose templates show them follow,
/// and the preview renders no other page again for it.
#[cfg(unix)]
#[test]
fn a_new_document_renders_again_the_pages_that_show_the_counts_and_no_other() {
    use std::os::unix::fs::MetadataExt;
    let fixture = Fixture::new()
        .file("templates/404.html", COUNTS_404)
        .doc(
            "a",
            "title = \"A\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\"]",
            "Text A.",
        )
        .doc(
            "b",
            "title = \"B\"\ndate = 2021-01-01\n[taxonomies]\ntopics = [\"data\"]",
            "Text B.",
        );
    let root = fixture.root();
    let (out, clean) = (root.join("out"), root.join("clean"));
    let mut incremental = Incremental::new("serve");
    incremental
        .rebuild(&options(root, &out))
        .expect("the first build succeeds");
    let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    let page_a = inode("documents/a/index.html");
    let not_found = || std::fs::read_to_string(out.join("404.html")).unwrap();
    assert!(
        not_found().contains("2 documents, 1 topics, 0 bodies"),
        "{}",
        not_found()
    );

    // Newer than both, of a topic of its own: one more document and term.
    let file = PathBuf::from("content/c.md");
    std::fs::write(
        root.join(&file),
        "+++\ntitle = \"C\"\ndate = 2022-01-01\n[taxonomies]\ntopics = [\"energy\"]\n+++\nText C.\n",
    )
    .unwrap();
    incremental
        .rebuild_after(&options(root, &out), &[file])
        .expect("the rebuild succeeds");
    annals::build(&options(root, &clean)).expect("the clean build succeeds");
    assert_eq!(tree(&out), tree(&clean), "the preview's site is a clean build's");
    assert!(
        not_found().contains("3 documents, 2 topics, 0 bodies"),
        "{}",
        not_found()
    );
    assert_eq!(
        inode("documents/a/index.html"),
        page_a,
        "a's page, which shows no count, is kept"
    );
}

/// A document that joins or leaves terms, or names a new one, is moved
/// between the terms' lists in place: only the pages that show those terms
/// and the document are looked at, and the site is a clean build's, feeds,
/// sitemap and all. A term that goes, or a term's list that gains or
/// loses a page, takes a whole render.
#[test]
fn new_terms_update_the_archive_in_place() {
    // With one document a page, a term that gains or loses a document
    // gains or loses a page, made or deleted in place too.
    for paged in [false, true] {
        terms_moved(paged);
    }
}

fn terms_moved(paged: bool) {
    let front = |title: &str, date: &str, topics: &str| {
        format!("title = \"{title}\"\ndate = {date}\n[taxonomies]\ntopics = [{topics}]")
    };
    let mut fixture = Fixture::new()
        .doc("a", &front("A", "2020-01-01", "\"data\""), "Text A.")
        .doc("b", &front("B", "2021-01-01", "\"data\""), "Text B.")
        .doc("c", &front("C", "2022-01-01", "\"energy\""), "Text C.")
        .doc("d", &front("D", "2019-01-01", "\"water\", \"energy\""), "Text D.");
    if paged {
        let config = std::fs::read_to_string(fixture.root().join("config.toml")).unwrap();
        fixture = fixture.file("config.toml", &format!("{config}\n[pagination]\npage_size = 1\n"));
    }
    let root = fixture.root();
    let out = root.join("served");
    let mut incremental = Incremental::new("serve");
    incremental
        .rebuild(&options(root, &out))
        .expect("the first build succeeds");
    // Gives document `slug` the topics `topics`; the preview's site is then
    // a clean build's.
    let mut write = |slug: &str, title: &str, date: &str, topics: &str, in_place: bool| {
        let text = format!("+++\n{}\n+++\nText {title}.\n", front(title, date, topics));
        let partial = rewrite_and_compare(root, &mut incremental, slug, &text);
        assert_eq!(partial, in_place, "{slug}: topics = [{topics}], paged: {paged}");
    };
    // From data (which keeps b) to energy and water: terms that stay.
    write("a", "A", "2020-01-01", "\"energy\", \"water\"", true);
    let feed = std::fs::read_to_string(out.join("topics/data/atom.xml")).unwrap();
    assert!(!feed.contains("documents/a/"), "data's feed no longer lists a:\n{feed}");
    // The same terms in another order.
    write("a", "A", "2020-01-01", "\"water\", \"energy\"", true);
    // A new term, before every other in the alphabet (they move up one),
    // and energy keeps c and d.
    write("a", "A", "2020-01-01", "\"water\", \"alpha\"", true);
    assert!(out.join("topics/alpha/index.html").exists());
    // Another document joins terms after it.
    write("b", "B", "2021-01-01", "\"data\", \"water\", \"energy\"", true);
    // A new term whose slug another has: the terms are built anew.
    write("a", "A", "2020-01-01", "\"water\", \"alpha\", \"Water\"", false);
    assert!(out.join("topics/water-2/index.html").exists());
    // Its last document leaves alpha: its pages go.
    write("a", "A", "2020-01-01", "\"data\"", false);
    assert!(!out.join("topics/alpha").exists());
}

/// A term that comes or goes changes how many terms its taxonomy has:
/// the taxonomy's index shows it, the default theme's term pages do not,
/// and the preview renders the pages of the other terms no more; unless
/// the theme's term pages show it.
#[test]
fn a_new_term_renders_again_no_page_of_the_other_terms() {
    let others = 20;
    let rendered = |term_html: Option<&str>| {
        let mut fixture = Fixture::new().doc(
            "a",
            "title = \"A\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\"]",
            "Text A.",
        );
        if let Some(template) = term_html {
            fixture = fixture.file("templates/term.html", template);
        }
        for n in 0..others {
            fixture = fixture.doc(
                &format!("t{n}"),
                &format!(
                    "title = \"T{n}\"\ndate = 2010-01-{:02}\n[taxonomies]\ntopics = [\"topic {n}\"]",
                    n + 1
                ),
                "Text.",
            );
        }
        let root = fixture.root();
        let (out, clean) = (root.join("out"), root.join("clean"));
        let mut incremental = Incremental::new("serve");
        let first = incremental
            .rebuild(&options(root, &out))
            .expect("the first build succeeds");
        assert!(first.report.rendered > others, "the first build renders every page");
        let file = PathBuf::from("content/a.md");
        std::fs::write(
            root.join(&file),
            "+++\ntitle = \"A\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\", \"zinc\"]\n+++\nText A.\n",
        )
        .unwrap();
        let rebuilt = incremental
            .rebuild_after(&options(root, &out), &[file])
            .expect("the rebuild succeeds");
        annals::build(&options(root, &clean)).expect("the clean build succeeds");
        assert_eq!(tree(&out), tree(&clean), "the preview's site is a clean build's");
        assert!(
            std::fs::read_to_string(out.join("topics/index.html"))
                .unwrap()
                .contains("22 terms"),
            "the taxonomy's index counts the new term"
        );
        rebuilt.report.rendered
    };
    let quiet = rendered(None);
    assert!(
        quiet < others,
        "{quiet} pages rendered: the other terms' pages were rendered again"
    );
    let showing = rendered(Some("{{ term.name }}: one of {{ taxonomy.term_count }}"));
    assert!(
        showing > others,
        "{showing} pages rendered: the term pages that show the count must be"
    );
}

/// A renamed content file gives its document another slug with the same
/// bytes: every file that names the document (feeds, catalogue, search
/// records, data of the documents citing it) follows, though the files it
/// is made from did not change.
#[test]
fn a_renamed_document_is_renamed_everywhere() {
    let doc = |title: &str, date: &str, body: &str| {
        format!("+++\ntitle = \"{title}\"\ndate = {date}\n[taxonomies]\ntopics = [\"data\"]\n+++\n{body}\n")
    };
    let (fixture, mut incremental) = served_archive(&[
        ("a", doc("Alpha Plan", "2020-01-01", "It is the plan.")),
        ("b", doc("Beta Rules", "2021-01-01", "They follow the Alpha Plan.")),
    ]);
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    std::fs::rename(root.join("content/a.md"), root.join("content/z.md")).unwrap();
    let changed = [PathBuf::from("content/a.md"), PathBuf::from("content/z.md")];
    incremental
        .rebuild_after(&options(root, &served), &changed)
        .expect("the rebuild succeeds");
    annals::build(&options(root, &clean)).expect("the clean build succeeds");
    let (served, clean) = (tree(&served), tree(&clean));
    let differing: Vec<&String> = clean
        .keys()
        .filter(|path| served.get(*path) != clean.get(*path))
        .collect();
    assert!(differing.is_empty(), "files differ from a clean build: {differing:?}");
    assert_eq!(served.keys().collect::<Vec<_>>(), clean.keys().collect::<Vec<_>>());
    assert!(String::from_utf8_lossy(&served["atom.xml"]).contains("/documents/z/"));
}

/// The preview started over a site a build wrote links that site's files
/// instead of writing them again (the same inodes), and what it updates in
/// place later neither misleads the next build nor differs from a clean one.
#[cfg(unix)]
#[test]
fn a_preview_started_over_a_built_site_links_it_and_goes_on() {
    use std::os::unix::fs::MetadataExt;
    let fixture = Fixture::new()
        .doc("a", "title = \"A\"\ndate = 2020-01-01", "Text A.")
        .doc("b", "title = \"B\"\ndate = 2021-01-01", "Text B cites A.");
    let root = fixture.root();
    let out = root.join("out");
    let clean = root.join("clean");
    let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    annals::build(&options(root, &out)).expect("the build succeeds");
    let built = tree(&out);
    let page = inode("documents/a/index.html");
    let data = inode("data/catalogue.csv");

    let mut incremental = Incremental::new("serve");
    let first = incremental
        .rebuild(&options(root, &out))
        .expect("the preview's first build succeeds");
    assert_eq!(tree(&out), built, "the same site");
    assert_eq!(
        first.report.linked,
        first.written.len(),
        "every file is linked from the built site"
    );
    assert_eq!(inode("documents/a/index.html"), page, "a page is linked, not written");
    assert_eq!(inode("data/catalogue.csv"), data, "so is a data file");

    // The pages the first build took by fingerprint, unrendered, are known
    // to the preview: an edit rewrites only what it changes, as after a
    // first build that wrote everything.
    std::fs::write(
        root.join("content/a.md"),
        "+++\ntitle = \"A\"\ndate = 2020-01-01\n+++\nOther A.\n",
    )
    .unwrap();
    let edited = incremental
        .rebuild_after(&options(root, &out), &[PathBuf::from("content/a.md")])
        .unwrap();
    assert_eq!(pages_only(&edited.written), ["documents/a/index.html"]);
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&out), tree(&clean), "after the edit");
    drop(incremental);

    // The manifest of the preview's first build describes files it then
    // changed in place: the next build must build (not find nothing
    // changed), and write again what the preview changed.
    let next = annals::build(&options(root, &out)).unwrap();
    assert!(!next.unchanged, "a build after the preview's edits runs");
    assert_eq!(tree(&out), tree(&clean), "after a build over the preview's site");
}

/// A preview that serves the pages first leaves `graph.json`, the
/// catalogue, the search index, the feeds and the documents' data and
/// citation files as they were until it makes them after; then its site
/// is the one a clean build writes. A new document (a rebuild of the whole
/// archive, which deletes the files it is not handed) keeps them too, and
/// a deleted one's search record, data and citations go only then.
#[test]
fn files_no_page_loads_are_made_after_the_pages() {
    let doc = |title: &str, date: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\n[taxonomies]\ntopics = [\"data\"]\n+++\nIt follows the Beta Rules.\n"
        )
    };
    let (fixture, mut incremental) = served_archive(&[
        ("a", doc("Alpha Plan", "2020-01-01")),
        ("b", doc("Beta Rules", "2021-01-01")),
    ]);
    incremental.defer_downloads(true);
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let read = |rel: &str| std::fs::read_to_string(served.join(rel)).unwrap();
    // Every file of the search index, with its bytes.
    let index = || -> Vec<(String, Vec<u8>)> {
        tree(&served)
            .into_iter()
            .filter(|(path, _)| path.starts_with("search/") && path != "search/index.html")
            .collect()
    };
    for (file, text, title) in [
        ("a.md", Some(doc("Alpha Programme", "2020-01-01")), "Alpha Programme"),
        ("c.md", Some(doc("Gamma Notice", "2022-01-01")), "Gamma Notice"),
        ("b.md", None, "Beta Rules"),
    ] {
        let (graph, catalogue, search) = (read("graph.json"), read("data/catalogue.csv"), index());
        let rel = PathBuf::from("content").join(file);
        match &text {
            Some(text) => std::fs::write(root.join(&rel), text).unwrap(),
            None => std::fs::remove_file(root.join(&rel)).unwrap(),
        }
        let rebuilt = incremental.rebuild_after(&options(root, &served), &[rel]).unwrap();
        assert!(rebuilt.report.deferred);
        let slug = file.trim_end_matches(".md");
        let page = served.join(format!("documents/{slug}/index.html"));
        match text {
            Some(_) => assert!(std::fs::read_to_string(&page).unwrap().contains(title)),
            None => assert!(!page.exists(), "{slug}'s page is deleted"),
        }
        assert_eq!((read("graph.json"), read("data/catalogue.csv")), (graph, catalogue));
        assert!(index() == search, "after {file}, the search index is as it was");
        // The document's data and citation files come later, and go later.
        let later = ["index.json", "cite.bib"].map(|f| served.join(format!("documents/{slug}/{f}")));
        let feed = served.join("topics/data/atom.xml");
        let feed_before = std::fs::read_to_string(&feed).unwrap();
        match text {
            Some(_) if slug == "c" => assert!(later.iter().all(|f| !f.exists()), "{slug}'s files come later"),
            None => assert!(later.iter().all(|f| f.exists()), "{slug}'s files go later"),
            Some(_) => {}
        }
        let made = incremental
            .prepare_downloads(&options(root, &served))
            .unwrap()
            .apply()
            .unwrap();
        assert!(made.written.iter().any(|f| f == "graph.json"), "{:?}", made.written);
        assert!(
            made.written.iter().any(|f| f == "search/meta.json"),
            "{:?}",
            made.written
        );
        assert_eq!(read("graph.json").contains(title), text.is_some());
        if text.is_none() {
            assert!(
                made.removed.iter().any(|f| f.starts_with("search/r/")),
                "{:?}",
                made.removed
            );
        }
        assert_eq!(later.iter().all(|f| f.exists()), text.is_some(), "after {file}");
        assert_ne!(
            std::fs::read_to_string(&feed).unwrap(),
            feed_before,
            "the topic's feed is made again"
        );
        annals::build(&options(root, &clean)).unwrap();
        assert_eq!(tree(&served), tree(&clean), "after {file}");
    }
}

/// A document added with the files no page loads left for later; then
/// `between` (given the archive's root, the preview and its output; it
/// returns files it changed); then an edit of another document, rebuilt
/// and its later files made. The site must be a clean build's.
fn left_for_later_then_edited(between: impl FnOnce(&Path, &mut Incremental, &Path) -> Vec<PathBuf>) {
    let doc = |title: &str, date: &str, text: &str| {
        format!("+++\ntitle = \"{title}\"\ndate = {date}\n[taxonomies]\ntopics = [\"data\"]\n+++\n{text}\n")
    };
    let (fixture, mut incremental) = served_archive(&[
        ("a", doc("Alpha Plan", "2020-01-01", "First.")),
        ("b", doc("Beta Rules", "2021-01-01", "Second.")),
    ]);
    incremental.defer_downloads(true);
    let root = fixture.root();
    let (served, clean) = (root.join("served"), root.join("clean"));
    let added = PathBuf::from("content/c.md");
    std::fs::write(root.join(&added), doc("Gamma Notice", "2022-01-01", "Third.")).unwrap();
    let left = incremental.rebuild_after(&options(root, &served), &[added]).unwrap();
    assert!(left.report.deferred);
    let mut changed = between(root, &mut incremental, &served);
    let edited = PathBuf::from("content/a.md");
    std::fs::write(root.join(&edited), doc("Alpha Plan", "2020-01-01", "First, edited.")).unwrap();
    changed.push(edited);
    let rebuilt = incremental.rebuild_after(&options(root, &served), &changed);
    made_later(&mut incremental, &options(root, &served), rebuilt).unwrap();
    annals::build(&options(root, &clean)).unwrap();
    assert_eq!(tree(&served), tree(&clean));
}

/// A rebuild whose files left for later are never made (its caller went
/// on to the next) leaves the next rebuild to write every file that
/// differs: after it, and the files it leaves for later, the site is a
/// clean build's.
#[test]
fn files_left_for_later_and_never_made_are_made_by_the_next_rebuild() {
    left_for_later_then_edited(|_, _, _| Vec::new());
}

/// When the step that makes the files left for later fails (here the
/// config breaks between the rebuild and that step), the next rebuild
/// makes them: after it the site is a clean build's.
#[test]
fn files_left_for_later_whose_step_failed_are_made_by_the_next_rebuild() {
    left_for_later_then_edited(|root, incremental, served| {
        let config = std::fs::read_to_string(root.join("config.toml")).unwrap();
        std::fs::write(root.join("config.toml"), "title = [broken\n").unwrap();
        assert!(incremental.prepare_downloads(&options(root, served)).is_err());
        std::fs::write(root.join("config.toml"), config).unwrap();
        vec![PathBuf::from("config.toml")]
    });
}

/// A document added, deleted, moved in time or given other terms changes
/// the related lists of the documents near it in the lists of its terms
/// and entities, and only theirs: the preview computes those again and
/// carries the others over (in debug builds, as the tests run, it checks
/// every list against one computed anew). The site must equal a clean
/// build's after each edit, in an archive large enough that most lists
/// are carried over.
#[test]
fn related_lists_follow_documents_added_deleted_and_moved() {
    let mut fixture = Fixture::new().file(
        "content/entities.toml",
        "[[entity]]\nname = \"Data Office\"\nkind = \"organisation\"\n\n[[entity]]\nname = \"Wu Ming\"\nkind = \"person\"\n",
    );
    let day = |n: usize| format!("20{:02}-{:02}-{:02}", 10 + n / 280, 1 + n / 28 % 10, 1 + n % 28);
    for n in 0..600 {
        let topics = format!("\"t{}\"", n % 2);
        let who = match n % 4 {
            0 => "The Data Office wrote it.",
            1 => "Wu Ming signed it.",
            2 => "The Data Office and Wu Ming met.",
            _ => "Nobody is named.",
        };
        fixture = fixture.doc(
            &format!("d{n:03}"),
            &format!(
                "title = \"Document {n}\"\ndate = {}\n[taxonomies]\ntopics = [{topics}]\nbodies = [\"b{}\"]",
                day(n),
                n % 2
            ),
            &format!("{who} Number {n}.\n"),
        );
    }
    let root = fixture.root();
    let out = root.join("out");
    let clean = root.join("clean");
    let mut incremental = Incremental::new("serve");
    incremental.rebuild(&options(root, &out)).unwrap();
    let check = |incremental: &mut Incremental, what: &str| {
        incremental.rebuild(&options(root, &out)).unwrap();
        let _ = std::fs::remove_dir_all(&clean);
        annals::build(&options(root, &clean)).unwrap();
        assert_eq!(tree(&out), tree(&clean), "after {what}");
    };
    let front = |n: usize, date: &str, topics: &str| {
        format!(
            "+++\ntitle = \"Document {n}\"\ndate = {date}\n[taxonomies]\ntopics = [{topics}]\nbodies = [\"b0\"]\n+++\nThe Data Office and Wu Ming met. Number {n}.\n"
        )
    };
    std::fs::write(root.join("content/new.md"), front(999, &day(300), "\"t1\"")).unwrap();
    check(&mut incremental, "a document added among the others");
    std::fs::remove_file(root.join("content/d077.md")).unwrap();
    check(&mut incremental, "a document deleted");
    std::fs::write(root.join("content/d010.md"), front(10, &day(450), "\"t1\"")).unwrap();
    check(&mut incremental, "a document moved in time, with other terms");
    std::fs::write(root.join("content/new.md"), front(999, &day(301), "\"t0\"")).unwrap();
    std::fs::remove_file(root.join("content/d150.md")).unwrap();
    check(&mut incremental, "one document changed and another deleted");
}
