//! The whole printed diagnostic of each class of mistake, as snapshots:
//! message, `file:line:column`, the source line, the caret and the hint.
//! Review changes with `cargo insta review` (or set INSTA_UPDATE=always and
//! read the diff).

use crate::support::{CONFIG, Fixture};

/// A small archive that passes `annals check`.
fn good() -> Fixture {
    Fixture::new()
        .file("seeds/plan.txt", "I. General requirements\n\nThe plan sets goals.\n")
        .doc(
            "plan",
            "title = \"National Plan\"\ndate = 2021-12-28\nseed = \"seeds/plan.txt\"\n[taxonomies]\ntopics = [\"data\"]",
            "A note.",
        )
}

/// Runs `annals check` (plus `extra` arguments) and returns what it
/// printed to standard error, expecting it to fail.
fn failing(f: &Fixture, extra: &[&str]) -> String {
    let args: Vec<&str> = ["check"].iter().chain(extra).copied().collect();
    let out = f.run(&args);
    assert!(!out.success, "check should fail:\n{}", out.stdout);
    out.stderr
}

#[test]
fn the_good_archive_passes() {
    let out = good().run(&["check"]);
    assert!(out.success, "{}", out.stderr);
    assert_eq!(out.stdout, "Checked 1 document and 9 pages: no errors\n");
}

#[test]
fn unknown_front_matter_key() {
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01\nsumary = \"x\"", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn malformed_toml() {
    let f = good().doc("b", "title = \"B\ndate = 2020-01-01", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn missing_title() {
    let f = good().doc("b", "date = 2020-01-01", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn invalid_date() {
    let f = good().doc("b", "title = \"B\"\ndate = \"2021-13\"", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn unknown_taxonomy() {
    let f = good().doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01\n[taxonomies]\ntopic = [\"data\"]",
        "",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn pagination_sizes_out_of_bounds() {
    let config = format!("{CONFIG}\n[pagination]\npage_size = 0\nindex_page_size = 100000\n");
    let f = good().file("config.toml", &config);
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn unknown_config_key() {
    let f = good().file("config.toml", &format!("titel = \"x\"\n{CONFIG}"));
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn link_to_an_unknown_slug() {
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01", "See [the plan](@/plam).");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn link_to_a_missing_anchor() {
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01", "See [the goals](@/plan#p-7).");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn missing_seed() {
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01\nseed = \"seeds/plam.txt\"", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn undecodable_seed() {
    let f = good().bytes("seeds/b.txt", b"Text \xb9\xe6\xbb\xae.\n").doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01\nseed = \"seeds/b.txt\"",
        "",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn duplicate_slug() {
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01\nslug = \"plan\"", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn unknown_related_slug() {
    let f = good().doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01\nrelated = [\"plan\", \"plans\"]",
        "",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn template_syntax_error() {
    let f = good().file(
        "templates/document.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ doc.title }</h1>\n{% endblock content %}\n",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn template_error_while_rendering() {
    let f = good().file("templates/document.html", TITEL_TEMPLATE);
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn list_item_partial_with_a_variable_of_the_page() {
    // The default theme reads `doc.list_item`, which renders the partial
    // once per document, where only `doc` and `site` are set.
    let f = good().file(
        "templates/partials/doc_item.html",
        "<li>\n<a href=\"{{ doc.url }}\">{{ doc.title }}</a> on {{ page.url }}\n</li>\n",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn bad_entity_kind() {
    let f = good().file(
        "content/entities.toml",
        "[[entity]]\nname = \"MIIT\"\nkind = \"ministry\"\n",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn every_problem_in_one_run() {
    let f = good()
        .doc("b", "title = \"B\"\ndate = 2020-01-01\nsumary = \"x\"", "")
        .doc("c", "date = 2020-01-01", "")
        .file("templates/document.html", "{% if %}\n");
    insta::assert_snapshot!(failing(&f, &[]));
}

/// A document template that fails only while rendering.
const TITEL_TEMPLATE: &str =
    "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ doc.titel }}</h1>\n{% endblock content %}\n";

#[test]
fn problems_of_every_stage_in_one_run() {
    // Broken front matter (found while loading), an unknown link and an
    // unknown related slug (found while analysing) and a template that
    // fails only while rendering, reported together. Links to the document
    // that failed to load, by its file name or by the slug its file
    // declares, are not reported: they may resolve once it is fixed.
    let f = good()
        .doc("b", "title = \"B\ndate = 2020-01-01\nslug = \"bee\"", "")
        .doc(
            "c",
            "title = \"C\"\ndate = 2020-01-01\nrelated = [\"bee\", \"nowhere\"]",
            "See [b](@/b), [bee](@/bee#p-1) and [the plan](@/plam).",
        )
        .file("templates/document.html", TITEL_TEMPLATE);
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn link_and_template_errors_in_one_run() {
    let f = good()
        .doc("b", "title = \"B\"\ndate = 2020-01-01", "See [the plan](@/plam).")
        .file("templates/document.html", TITEL_TEMPLATE);
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn warnings_fail_only_with_strict() {
    let f = good().doc("b", "title = \"Undated\"", "Text.");
    let out = f.run(&["check"]);
    assert!(out.success, "{}", out.stderr);
    assert_eq!(out.stdout, "Checked 2 documents and 11 pages: no errors, 1 warning\n");
    insta::assert_snapshot!("warning_without_strict", out.stderr);
    insta::assert_snapshot!(failing(&f, &["--strict"]));
    let build = f.run(&["build", "--strict"]);
    assert!(!build.success);
    assert!(
        !f.root().join("public").exists(),
        "a strict build with warnings writes nothing"
    );
}

#[test]
fn check_writes_nothing() {
    let f = good();
    let out = f.run(&["check"]);
    assert!(out.success);
    let entries: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries.len(), 3, "only config.toml, content/ and seeds/: {entries:?}");
}

#[test]
fn control_characters_are_printed_escaped() {
    // An ESC in a file name and in a front-matter line would start a
    // terminal sequence if printed raw; the caret stays under the escape.
    let f = good()
        .file(
            "content/b\u{1b}[31mred.md",
            "+++\ntitle = \"B\"\nsummary = \"x\u{1b}[2Jy\"\n+++\n",
        )
        .file(
            "content/c\u{1b}]0;owned\u{7}.md",
            "+++\ntitle = \"C\"\ndate = 2020-01-01\n+++\n",
        );
    let stderr = failing(&f, &[]);
    assert!(!stderr.contains(['\u{1b}', '\u{7}']), "{stderr:?}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn output_dir_outside_the_archive() {
    let f = good().file("config.toml", &format!("output_dir = \"../site\"\n{CONFIG}"));
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn output_dir_with_a_dot_component_is_accepted() {
    let f = good().file("config.toml", &format!("output_dir = \"./site/./out\"\n{CONFIG}"));
    let out = f.run(&["build"]);
    assert!(out.success, "{}", out.stderr);
    assert!(f.root().join("site/out/index.html").is_file());
    assert!(!f.root().join("public").exists());
}

#[test]
fn config_key_after_a_table() {
    // In TOML every key after `[[taxonomies]]` belongs to the last taxonomy.
    let f = good().file("config.toml", &format!("{CONFIG}output_dir = \"site\"\n"));
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn front_matter_keys_inside_tables() {
    // `date` and `authors` below `[taxonomies]` are read as taxonomies,
    // and `title` below `[extra]` as an extra field.
    let f = good()
        .doc(
            "b",
            "title = \"B\"\n[taxonomies]\ntopics = [\"data\"]\ndate = 2020-01-01",
            "",
        )
        .doc(
            "c",
            "title = \"C\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\"]\nauthors = [\"MIIT\"]",
            "",
        )
        .doc("d", "date = 2020-01-01\n[extra]\nedition = 2\ntitle = \"D\"", "");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn front_matter_key_inside_extra_is_a_warning() {
    let f = good().doc("b", "title = \"B\"\n[extra]\ndate = 2020-01-01\ndraft = true", "");
    let out = f.run(&["check"]);
    assert!(out.success, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn names_too_long_for_a_file() {
    // Each becomes one folder name of the output: the file system would
    // refuse more than 255 bytes. 86 Chinese characters are 258 bytes.
    let f = good()
        .doc(
            "b",
            &format!("title = \"B\"\ndate = 2020-01-01\nslug = \"{}\"", "b".repeat(256)),
            "",
        )
        .doc(
            "c",
            &format!(
                "title = \"C\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\", \"{}\"]",
                "数".repeat(86)
            ),
            "",
        )
        .file(
            "content/entities.toml",
            &format!("[[entity]]\nname = \"{}\"\nkind = \"person\"\n", "E".repeat(256)),
        );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn term_too_long_once_told_apart() {
    // Both terms fold to the same 255 bytes; the second gets `-2`.
    let f = good().doc(
        "b",
        &format!(
            "title = \"B\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"{}\", \"A{}\"]",
            "a".repeat(255),
            "a".repeat(254)
        ),
        "",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn static_files_in_the_way_of_generated_ones() {
    // Static files are copied to the output root, over whatever is there.
    let f = good()
        .file("config.toml", &format!("theme = \"plain\"\n{CONFIG}"))
        .file("themes/plain/static/topics/index.html", "<p>Topics</p>")
        .file("static/index.html", "<p>Home</p>")
        .file("static/documents/plan/index.html", "<p>Plan</p>")
        .file("static/documents/plan/cover.png", "not in the way")
        .file("static/404.html", "<p>Lost</p>")
        .file("static/graph.json", "{}");
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn link_to_a_draft() {
    let f = good()
        .doc("a-draft", "title = \"Draft\"\ndate = 2020-01-01\ndraft = true", "")
        .doc(
            "b",
            "title = \"B\"\ndate = 2020-01-01\nrelated = [\"a-draft\"]",
            "See [the draft](@/a-draft).",
        );
    insta::assert_snapshot!(failing(&f, &[]));
    let out = f.run(&["check", "--drafts"]);
    assert!(out.success, "with --drafts the draft is there: {}", out.stderr);
}

#[test]
fn link_to_a_draft_in_a_rebuild() {
    // A rebuild that only replaces a document checks its links apart from
    // a full build; a link to a draft is told the same there.
    let f = good()
        .doc("a-draft", "title = \"Draft\"\ndate = 2020-01-01\ndraft = true", "")
        .doc("b", "title = \"B\"\ndate = 2020-01-01", "Text.");
    let options = annals::BuildOptions {
        root: f.root().to_path_buf(),
        overrides: annals::config::Overrides {
            output_dir: Some(f.root().join("out")),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut incremental = annals::output::incremental::Incremental::new("serve");
    incremental.rebuild(&options).unwrap();
    std::fs::write(
        f.root().join("content/b.md"),
        "+++\ntitle = \"B\"\ndate = 2020-01-01\n+++\nSee [the draft](@/a-draft).",
    )
    .unwrap();
    let Err(errors) = incremental.rebuild_after(&options, &["content/b.md".into()]) else {
        panic!("the link to the draft should fail the rebuild");
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].message,
        "document `a-draft` is a draft (content/a-draft.md), left out of this build"
    );
}

/// Runs `annals check`, expecting success, and returns its warnings.
fn warnings(f: &Fixture) -> String {
    let out = f.run(&["check"]);
    assert!(out.success, "check should pass:\n{}", out.stderr);
    out.stderr
}

#[test]
fn names_too_common_to_look_for() {
    let f = good()
        .doc(
            "b",
            "title = \"Opinions on Data\"\ndate = 2020-01-01\ncited_as = [\"the Plan\", \"Data Opinions\"]",
            "Text.",
        )
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"European Union\"\nkind = \"organisation\"\nother_names = [\"EU\"]\n",
        );
    insta::assert_snapshot!(warnings(&f));
}

#[test]
fn ids_the_page_uses_are_renamed() {
    let f = good().doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01",
        "## Summary {#main}\n\nText.\n\n<div id=\"p-1\">Raw.</div>\n\n<span id=\"own\">a</span> and <i id=\"own\">b</i>.\n",
    );
    insta::assert_snapshot!(warnings(&f));
}

#[test]
fn raw_html_ids_kept_as_written_must_be_free() {
    let f = good()
        .file("config.toml", &format!("{CONFIG}\n[markdown]\nunsafe_html = true\n"))
        .doc(
            "b",
            "title = \"B\"\ndate = 2020-01-01",
            "## Own {#own}\n\n<div id=\"main\">Raw.</div>\n\nText <span id=\"own\">a</span>.\n",
        );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn raw_html_nested_too_deep() {
    let divs = "<div>\n".repeat(300);
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01", &format!("Text.\n\n{divs}"));
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn raw_html_tag_with_too_many_attributes() {
    let attributes: Vec<String> = (0..70).map(|i| format!("data-a{i}")).collect();
    let f = good().doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01",
        &format!("Text.\n\nMore <span {}>x</span>.\n", attributes.join(" ")),
    );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn raw_html_the_parser_must_move_too_much() {
    let soup = "<font><table><font>x\n".repeat(1200);
    let f = good().doc("b", "title = \"B\"\ndate = 2020-01-01", &format!("Text.\n\n{soup}\n"));
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn furniture_line_not_in_the_seed() {
    let f = good()
        .file("seeds/page.txt", "Plan\n\nText.\n\nSend this to a friend or share it\n")
        .doc(
            "b",
            "title = \"B\"\ndate = 2020-01-01\nseed = \"seeds/page.txt\"\nfurniture = [\"Text.\", \"Send this to a friend\"]",
            "",
        );
    insta::assert_snapshot!(failing(&f, &[]));
}

#[test]
fn furniture_without_a_plain_text_seed() {
    let f = good().doc(
        "b",
        "title = \"B\"\ndate = 2020-01-01\nfurniture = [\"Share\"]",
        "Text.",
    );
    insta::assert_snapshot!(failing(&f, &[]));
}
