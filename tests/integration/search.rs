//! The search index as `[search]` in config.toml shapes it.

use crate::support::{CONFIG, Fixture};

fn archive(search: &str) -> Fixture {
    Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n{search}"))
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Data Office\"\nkind = \"organisation\"\n",
        )
        .file("seeds/plan.txt", "A plan for data.\n\nThe Data Office leads it.\n")
        .doc(
            "plan",
            "title = \"Data Plan\"\ndate = 2024-01-02\nseed = \"seeds/plan.txt\"",
            "The curator notes a pilot.\n",
        )
}

fn json(site: &crate::support::Site, path: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(site.root.join(path)).unwrap()).unwrap()
}

/// The anchors of a record's blocks.
fn anchors(record: &serde_json::Value) -> Vec<String> {
    record["b"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_options_choose_what_is_indexed_and_how_much_a_result_shows() {
    let site = archive("").build();
    let meta = json(&site, "search/meta.json");
    assert_eq!(meta["records"], 2, "the document and the organisation");
    assert_eq!(
        (meta["excerpt_length"].as_u64(), meta["excerpts"].as_u64()),
        (Some(240), Some(3))
    );
    let doc = json(&site, "search/r/0.json");
    assert!(anchors(&doc).iter().any(|a| a.starts_with("note-")), "{doc}");
    assert_eq!(json(&site, "search/r/1.json")["t"], "Data Office");

    let site = archive("[search]\nnotes = false\nentities = false\nexcerpt_length = 100\nexcerpts = 1\n").build();
    let meta = json(&site, "search/meta.json");
    assert_eq!(meta["records"], 1, "the document alone");
    assert_eq!(
        (meta["excerpt_length"].as_u64(), meta["excerpts"].as_u64()),
        (Some(100), Some(1))
    );
    assert!(!site.exists("search/r/1.json"));
    let doc = json(&site, "search/r/0.json");
    let anchors = anchors(&doc);
    assert!(
        !anchors.is_empty() && anchors.iter().all(|a| a.starts_with("p-")),
        "{anchors:?}"
    );
    assert!(!doc.to_string().contains("pilot"), "the note is not searched: {doc}");
}

#[test]
fn search_sizes_out_of_bounds_are_errors_at_their_value() {
    let err = archive("[search]\nexcerpt_length = 10\n").build_err();
    assert!(err.contains("`search.excerpt_length` is 10"), "{err}");
    assert!(err.contains("write a number from 40 to 2000"), "{err}");
    let line = CONFIG.lines().count() + 3;
    assert!(err.contains(&format!("config.toml:{line}:18")), "{err}");
}
