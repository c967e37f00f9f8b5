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

/// Record `id`, found as the browser finds it: its name in the list of
/// `search/k/`, then its file in `search/r/`.
fn record(site: &crate::support::Site, id: usize) -> serde_json::Value {
    let per = json(site, "search/meta.json")["names_per_file"].as_u64().unwrap() as usize;
    let names = json(site, &format!("search/k/{}.json", id / per));
    let name = names[id % per].as_str().unwrap().to_string();
    json(site, &format!("search/r/{name}.json"))
}

/// How many record files the site holds.
fn record_files(site: &crate::support::Site) -> usize {
    std::fs::read_dir(site.root.join("search/r")).unwrap().count()
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
    assert_eq!(record_files(&site), 2);
    let doc = record(&site, 0);
    assert!(anchors(&doc).iter().any(|a| a.starts_with("note-")), "{doc}");
    assert_eq!(record(&site, 1)["t"], "Data Office");

    let site = archive("[search]\nnotes = false\nentities = false\nexcerpt_length = 100\nexcerpts = 1\n").build();
    let meta = json(&site, "search/meta.json");
    assert_eq!(meta["records"], 1, "the document alone");
    assert_eq!(
        (meta["excerpt_length"].as_u64(), meta["excerpts"].as_u64()),
        (Some(100), Some(1))
    );
    assert_eq!(record_files(&site), 1, "no file for the organisation");
    let doc = record(&site, 0);
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

/// A varint as `search.js` reads it: seven bits a byte, low first.
fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut n, mut shift) = (0u64, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

#[test]
fn shards_are_written_as_they_are_and_filter_lists_gzipped_as_the_browser_tells_them_apart() {
    use std::io::Read;
    let site = archive("").build();
    let gzip = |bytes: &[u8]| bytes.starts_with(&[0x1f, 0x8b]);
    let mut terms = Vec::new();
    for entry in std::fs::read_dir(site.root.join("search/t")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!gzip(&bytes), "a shard the browser would take for gzip");
        let mut at = 0;
        while at < bytes.len() {
            let len = varint(&bytes, &mut at) as usize;
            terms.push(std::str::from_utf8(&bytes[at..at + len]).unwrap().to_string());
            at += len;
            let _count = varint(&bytes, &mut at);
            at += varint(&bytes, &mut at) as usize;
        }
        assert_eq!(at, bytes.len(), "a shard ends where its last term's postings do");
    }
    for word in ["data", "plan", "offic", "pilot"] {
        assert!(terms.iter().any(|t| t == word), "{word} not in {terms:?}");
    }
    let filters = std::fs::read(site.root.join("search/f/0.pack")).unwrap();
    assert!(gzip(&filters), "filter lists are gzip streams");
    // This archive has no terms: the list inflates to nothing.
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&filters[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, b"");
}
