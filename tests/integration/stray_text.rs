//! Text that could never be right: UTF-16 without a byte order mark, and
//! control characters, in seeds and content files. Each names the file
//! (and line and column) and never reaches a page.

use crate::support::{Fixture, tree};

fn with_seed(seed: &[u8], front_matter: &str) -> Fixture {
    Fixture::new().bytes("seeds/a.txt", seed).doc(
        "a",
        &format!("title = \"A\"\ndate = 2020-01-01\nseed = \"seeds/a.txt\"{front_matter}"),
        "",
    )
}

#[test]
fn a_utf16_seed_without_a_byte_order_mark_is_an_error_with_the_fix() {
    let text = "I. Part one\n\nThe plan for 2021.\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let err = with_seed(&le, "").build_err();
    assert!(
        err.contains(
            "error: seed `seeds/a.txt` has a zero byte after or before every character, as UTF-16 text without a byte order mark has"
        ),
        "{err}"
    );
    assert!(err.contains("content/a.md:4:8"), "{err}");
    assert!(err.contains("declare its encoding, encoding = \"utf-16le\""), "{err}");

    let site = with_seed(&le, "\nencoding = \"utf-16le\"").build();
    assert!(site.page("documents/a/").text.contains("The plan for 2021."));
}

/// No byte of the written site is a control character other than tab,
/// line feed, form feed and carriage return.
fn assert_no_controls(site: &crate::support::Site) {
    for (path, bytes) in site.tree() {
        // The search index's shards and filter lists are binary; the text
        // it holds is in its records (search/r/*.json), checked here.
        if path.ends_with(".pack") {
            continue;
        }
        let text = if path.starts_with("search/r/") {
            // JSON writes a control character as an escape: read it back.
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            strings(&value).concat().into()
        } else {
            String::from_utf8_lossy(&bytes)
        };
        let bad: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\u{c}' | '\r'))
            .collect();
        assert!(bad.is_empty(), "{path} holds {bad:?}");
    }
}

#[test]
fn control_characters_in_a_seed_are_left_out_with_a_warning() {
    let f = with_seed(b"I. Part one\n\nThe \x1b[31mplan\0 for 2021.\x07\n", "");
    let out = f.run(&["build"]);
    assert!(out.success, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "warning: seed `seeds/a.txt` has the control character U+001B and 2 more, which cannot appear in a page"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("seeds/a.txt:3:5"), "{}", out.stderr);
    let site = crate::support::Site::at(f.root().join("public"));
    assert_no_controls(&site);
    assert!(site.page("documents/a/").text.contains("The [31mplan for 2021."));
    assert!(
        std::fs::read(f.root().join("seeds/a.txt")).unwrap().contains(&0x1b),
        "the seed is never changed"
    );
    let strict = f.run(&["build", "--strict"]);
    assert!(!strict.success, "a warning fails a strict build");
    assert!(tree(&f.root().join("public")).len() > 5);
}

#[test]
fn control_characters_in_a_content_file_are_errors_at_their_place() {
    let err = Fixture::new()
        .doc(
            "a",
            "title = \"A\"\ndate = 2020-01-01",
            "Intro.\n\nA note \u{1b}[1mwith escapes.\n",
        )
        .build_err();
    assert!(
        err.contains("error: content file has the control character U+001B, which cannot appear in a page"),
        "{err}"
    );
    assert!(err.contains("content/a.md:7:8"), "{err}");

    let err = Fixture::new()
        .doc("a", "title = \"A\u{0}\"\ndate = 2020-01-01", "")
        .build_err();
    assert!(err.contains("content/a.md:2:"), "{err}");
    assert!(err.contains("U+0000"), "{err}");
}

/// Every string in a JSON value.
fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a.iter().flat_map(strings).collect(),
        serde_json::Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}
