//! The pages a build writes and what they contain.

use crate::support::{Fixture, fold};

/// Three documents over two years, with partial dates, Chinese terms, a
/// markdown seed, a seedless text and a catalogue record.
fn archive() -> Fixture {
    Fixture::new()
        .file("seeds/plan.txt", "The Plan\n\nI. General\n\nThe plan says 平安中国 matters.\n\n(1) Goals\n\nGrow.\n")
        .file("seeds/notes.md", "# Notes\n\nSome text.\n\n```rust\nfn main() {}\n```\n")
        .doc(
            "plan",
            "title = \"The Plan\"\ndate = 2021-12-28\nseed = \"seeds/plan.txt\"\nsummary = \"A plan.\"\noriginal_title = \"规划\"\nauthors = [\"Council\"]\ntranslators = [\"A\", \"B\"]\nsource_url = \"https://example.gov/plan\"\n[taxonomies]\ntopics = [\"5G\", \"平安中国\"]\nbodies = [\"State Council\"]",
            "A *curator's* note.",
        )
        .doc(
            "notes",
            "title = \"Notes\"\ndate = \"2021-12\"\nseed = \"seeds/notes.md\"\n[taxonomies]\ntopics = [\"5G\"]",
            "",
        )
        .doc("essay", "title = \"Essay\"\ndate = \"2024\"\n[taxonomies]\ntopics = [\"5g\"]", "The essay's own text.")
        .doc("record", "title = \"A Record\"\ndate = 2023-05-01\nsource_url = \"https://example.gov/r\"", "")
        .doc("undated", "title = \"Undated\"", "Text.")
}

#[test]
fn document_page_has_metadata_toc_text_and_note() {
    let site = archive().build();
    let page = site.page("documents/plan/");
    assert_eq!(page.one_text("h1"), "The Plan");
    assert_eq!(page.one_text(".doc-original"), "规划");
    assert_eq!(page.attrs(".doc-header time", "datetime"), ["2021-12-28"]);
    let meta = page.one_text(".meta");
    for expected in ["Council", "A, B", "example.gov", "State Council"] {
        assert!(meta.contains(expected), "{expected} missing from {meta}");
    }
    assert_eq!(page.attrs(".meta a.host", "href"), ["https://example.gov/plan"]);
    assert_eq!(page.attrs(".meta a[href='/topics/5g/']", "href").len(), 1);
    assert_eq!(page.attrs(".toc a", "href"), ["#sec-i", "#sec-i-1"]);
    assert_eq!(page.texts(".text h2"), ["I. General"]);
    assert_eq!(page.texts(".text h3"), ["(1) Goals"]);
    assert_eq!(page.texts(".text [lang=zh]"), ["平安中国"]);
    assert_eq!(page.attrs(".text p", "id"), ["p-1", "p-2", "p-3"]);
    assert_eq!(page.one_text(".note p"), "A curator's note.");
    assert_eq!(page.texts(".note em"), ["curator's"]);
}

#[test]
fn previous_and_next_follow_time() {
    let site = archive().build();
    let page = site.page("documents/notes/");
    assert_eq!(
        page.attrs("a[rel=prev]", "href"),
        Vec::<String>::new(),
        "notes is the oldest"
    );
    assert_eq!(page.attrs("a[rel=next]", "href"), ["/documents/plan/"]);
    let page = site.page("documents/record/");
    assert_eq!(page.attrs("a[rel=prev]", "href"), ["/documents/plan/"]);
    assert_eq!(page.attrs("a[rel=next]", "href"), ["/documents/essay/"]);
}

#[test]
fn markdown_seeds_are_highlighted_and_seedless_bodies_are_the_text() {
    let site = archive().build();
    let notes = site.page("documents/notes/");
    assert_eq!(notes.attrs("pre.code", "data-lang"), ["rust"]);
    assert!(!notes.select("pre.code span[class^=hl-]").is_empty());
    assert_eq!(notes.texts(".text h1"), ["Notes"]);
    assert!(site.exists("highlight.css") && site.exists("style.css"));
    let essay = site.page("documents/essay/");
    assert_eq!(essay.one_text(".text p"), "The essay's own text.");
    assert!(essay.select(".note").is_empty());
}

#[test]
fn catalogue_records_say_their_text_is_not_held() {
    let site = archive().build();
    let page = site.page("documents/record/");
    assert!(page.select(".text").is_empty());
    assert!(page.one_text(".notice").contains("not held in this archive"));
    assert_eq!(page.attrs(".notice a", "href"), ["https://example.gov/r"]);
    assert_eq!(site.page("topics/5g/").texts(".badge").len(), 0);
    assert_eq!(site.page("timeline/2023/").texts(".badge"), ["catalogue record"]);
}

#[test]
fn term_pages_list_documents_newest_first_by_year() {
    let site = archive().build();
    let topics = site.page("topics/");
    assert_eq!(topics.texts(".term-index a"), ["5G", "5g", "平安中国"]);
    assert_eq!(topics.texts(".term-index .count"), ["2", "1", "1"]);
    let term = site.page("topics/5g/");
    assert_eq!(term.one_text("h1"), "5G");
    assert_eq!(term.texts(".year-group h2"), ["2021 2"]);
    assert_eq!(term.texts(".doc-title"), ["The Plan", "Notes"]);
    let distinct = site.page("topics/5g-2/");
    assert_eq!(distinct.texts(".doc-title"), ["Essay"]);
    let chinese = site.page("topics/平安中国/");
    assert_eq!(chinese.texts(".doc-title"), ["The Plan"]);
}

#[test]
fn timeline_counts_years_and_groups_months_with_their_precision() {
    let site = archive().build();
    let timeline = site.page("timeline/");
    assert_eq!(timeline.texts(".timeline-years h3 a"), ["2024", "2023", "2021"]);
    assert_eq!(timeline.texts(".timeline-years h3 .count"), ["1", "1", "2"]);
    assert_eq!(timeline.select(".timeline-chart rect").len(), 3);
    // Each year's months with documents link to them; the others are
    // shown, but not as links.
    assert_eq!(
        timeline.attrs(".timeline-years li a", "href"),
        [
            "/timeline/2024/",
            "/timeline/2024/#m-unknown",
            "/timeline/2023/",
            "/timeline/2023/#m-05",
            "/timeline/2021/",
            "/timeline/2021/#m-12",
        ]
    );
    assert_eq!(
        timeline.texts(".timeline-years li:nth-child(3) .timeline-months a"),
        ["Dec"]
    );
    // Twelve months a year, less May 2023 and December 2021.
    assert_eq!(timeline.select(".timeline-months .empty").len(), 34);
    let year = site.page("timeline/2021/");
    assert_eq!(year.texts(".month-group h2"), ["December 2"]);
    assert_eq!(year.texts(".doc-item time"), ["28 December 2021", "December 2021"]);
    let year = site.page("timeline/2024/");
    assert_eq!(year.texts(".month-group h2"), ["Month unknown 1"]);
    assert_eq!(year.attrs("a.prev", "href"), ["/timeline/2023/"]);
}

#[test]
fn undated_documents_are_listed_last_on_their_term_pages_and_on_a_page_of_their_own() {
    let f = archive().doc(
        "undated",
        "title = \"Undated\"\n[taxonomies]\ntopics = [\"5G\"]",
        "Text.",
    );
    let out = f.run(&["build"]);
    assert!(
        out.stderr
            .contains("warning: document has no date; it is listed under \"Undated\""),
        "{}",
        out.stderr
    );
    let site = crate::support::Site::at(f.root().join("public"));
    let timeline = site.page("timeline/");
    assert_eq!(timeline.attrs("#undated a", "href"), ["/timeline/undated/"]);
    assert_eq!(timeline.texts("#undated .count"), ["1"]);
    assert_eq!(site.page("timeline/undated/").texts(".doc-title"), ["Undated"]);
    let term = site.page("topics/5g/");
    assert_eq!(term.texts(".year-group h2"), ["2021 2", "Undated 1"]);
    assert_eq!(term.texts(".doc-title"), ["The Plan", "Notes", "Undated"]);
    for year in ["2021", "2023", "2024"] {
        let listed = site.page(&format!("timeline/{year}/")).texts(".doc-title");
        assert!(
            !listed.is_empty() && !listed.contains(&"Undated".to_string()),
            "{year}: {listed:?}"
        );
    }
}

#[test]
fn home_page_links_latest_documents_taxonomies_and_years() {
    let site = archive().build();
    let home = site.page("");
    assert_eq!(home.one_text("h1"), "Test Archive");
    assert_eq!(
        home.texts("#latest + ul .doc-title"),
        ["Essay", "A Record", "The Plan", "Notes", "Undated"]
    );
    let browse = home.texts(".browse-box h3");
    assert_eq!(browse, ["Topics", "Issuing bodies", "By year"]);
    let not_found = site.page("404.html");
    assert_eq!(not_found.one_text("h1"), "Page not found");
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    archive().build().assert_links_resolve();
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let f = archive().doc("wip", "title = \"Work in progress\"\ndraft = true", "Draft text.");
    let site = f.build();
    assert!(!site.exists("documents/wip/index.html"));
    assert!(f.run(&["build", "--drafts"]).success);
    assert!(site.exists("documents/wip/index.html"));
}

#[test]
fn base_url_with_a_path_prefixes_every_link() {
    let f = archive();
    let site_dir = f.root().join("site");
    let out = f.run(&[
        "build",
        "--base-url",
        "https://example.org/archive/",
        "--output",
        site_dir.to_str().unwrap(),
    ]);
    assert!(out.success, "{}", out.stderr);
    assert!(out.stdout.contains("Built 5 documents"), "{}", out.stdout);
    let site = crate::support::Site::at(f.root().join("site"));
    let page = site.page("documents/plan/");
    assert_eq!(page.attrs("link[rel=stylesheet]", "href"), ["/archive/style.css"]);
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        ["https://example.org/archive/documents/plan/"]
    );
    let root_relative: Vec<String> = page
        .attrs("a", "href")
        .into_iter()
        .filter(|h| h.starts_with('/'))
        .collect();
    assert!(
        root_relative.len() > 5,
        "the page links within the site: {root_relative:?}"
    );
    assert!(
        root_relative.iter().all(|h| h.starts_with("/archive/")),
        "{root_relative:?}"
    );
}

#[test]
fn titles_and_terms_are_escaped() {
    let site = Fixture::new()
        .doc(
            "x",
            "title = \"<script>alert(1)</script> & co\"\n[taxonomies]\ntopics = [\"<b>bold</b>\"]",
            "Body.",
        )
        .build();
    let page = site.page("documents/x/");
    assert_eq!(fold(&page.one_text("h1")), "<script>alert(1)</script> & co");
    assert_eq!(
        page.attrs("script", "src"),
        ["/reading.js"],
        "no script but the theme's"
    );
    assert!(page.select(".meta b").is_empty());
}

/// A document whose markdown text and note try every way an author's id
/// can meet one that annals or the theme writes.
fn colliding_ids(unsafe_html: bool) -> Fixture {
    let raw_reserved = if unsafe_html {
        ""
    } else {
        "<div id=\"main\">Raw main.</div>\n\n<p id=\"p-2\">Raw p-2.</p>\n\n<i id=\"note-p-1\">x</i> <b id=\"fn-1\">y</b>\n\n"
    };
    let config = format!("{}\n[markdown]\nunsafe_html = {unsafe_html}\n", crate::support::CONFIG);
    Fixture::new()
        .file("config.toml", &config)
        .file(
            "seeds/text.md",
            &format!(
                "# Intro {{#main}}\n\nFirst.\n\n## Two {{#p-2}}\n\nSecond[^1].\n\n## Contents {{#toc-title}}\n\n{raw_reserved}<span id=\"own\">Own</span>\n\nThird.\n\n[^1]: A footnote.\n"
            ),
        )
        .doc(
            "text",
            "title = \"Colliding Ids\"\ndate = 2021-01-01\nseed = \"seeds/text.md\"",
            "## Sources {#own}\n\nA note[^1].\n\n## Main {#main}\n\n[^1]: The note's footnote.\n",
        )
}

fn assert_ids_unique(unsafe_html: bool) {
    let site = colliding_ids(unsafe_html).build();
    let page = site.page("documents/text/");
    let ids = page.attrs("[id]", "id");
    let mut seen = std::collections::HashSet::new();
    for id in &ids {
        assert!(seen.insert(id), "id `{id}` is on the page twice: {ids:?}");
    }
    // The skip link leads to the theme's main element.
    assert_eq!(page.attrs("a.skip", "href"), ["#main"]);
    let main: Vec<&str> = page.select("[id='main']").iter().map(|e| e.value().name()).collect();
    assert_eq!(main, ["main"]);
    // Paragraph anchors count the text's paragraphs, whatever ids authors
    // chose: p-1, p-2... in order, the first "First.", the last "Third.".
    let numbered = page.attrs("section.text p[id^='p-']", "id");
    let expected: Vec<String> = (1..=numbered.len()).map(|n| format!("p-{n}")).collect();
    assert_eq!(numbered, expected);
    let texts = page.texts("section.text p[id^='p-']");
    assert_eq!(
        (texts[0].as_str(), texts.last().unwrap().as_str()),
        ("First.", "Third.")
    );
    // Each footnote reference leads to its own footnote.
    for href in page.attrs("sup.footnote-reference a", "href") {
        let id = href.trim_start_matches('#');
        assert_eq!(page.select(&format!("[id='{id}']")).len(), 1, "{href}");
    }
    site.assert_links_resolve();
}

#[test]
fn every_id_on_a_page_is_unique_and_the_skip_link_reaches_main() {
    assert_ids_unique(false);
}

#[test]
fn ids_stay_unique_when_raw_html_is_kept_as_written() {
    assert_ids_unique(true);
}

#[test]
fn pages_have_a_cut_description_open_graph_tags_and_a_favicon() {
    let summary = "The plan sets goals for building a digital economy by 2025. ".repeat(5);
    let site = Fixture::new()
        .doc(
            "plan",
            &format!(
                "title = \"The Plan\"\ndate = 2021-12-28\nsummary = \"{}\"",
                summary.trim()
            ),
            "Body.",
        )
        .build();
    let page = site.page("documents/plan/");
    let description = page.attrs("meta[name=description]", "content");
    let [description] = description.as_slice() else {
        panic!("one description: {description:?}")
    };
    assert!(description.chars().count() <= 160, "{description}");
    let kept = description.strip_suffix('…').expect("cut with an ellipsis");
    assert!(
        summary.starts_with(kept) && summary[kept.len()..].starts_with(' '),
        "{description}"
    );
    let og = |property: &str| page.attrs(&format!("meta[property='{property}']"), "content");
    assert_eq!(og("og:description"), std::slice::from_ref(description));
    assert_eq!(og("og:title"), ["The Plan"]);
    assert_eq!(og("og:type"), ["article"]);
    assert_eq!(og("og:url"), ["https://example.org/documents/plan/"]);
    assert_eq!(og("og:site_name"), ["Test Archive"]);
    assert_eq!(og("og:locale"), ["en"]);
    assert_eq!(page.attrs("meta[name='twitter:card']", "content"), ["summary"]);
    assert_eq!(page.attrs("link[rel=icon]", "href"), ["/favicon.svg"]);
    assert!(site.exists("favicon.svg"));

    let home = site.page("");
    assert_eq!(home.attrs("meta[property='og:type']", "content"), ["website"]);
    assert_eq!(home.attrs("meta[name=description]", "content"), ["A fixture"]);
}

#[test]
fn the_document_page_folds_its_contents_note_and_metadata_until_its_script_unfolds_them() {
    let site = archive().build();
    let page = site.page("documents/plan/");
    // Closed in the HTML, so a phone without JavaScript sees the text first.
    for folded in ["details.meta", "details.note", "details.contents"] {
        let found = page.select(folded);
        assert_eq!(found.len(), 1, "{folded}");
        assert!(found[0].value().attr("open").is_none(), "{folded} is open");
        assert!(
            found[0].value().attr("data-unfold").is_some(),
            "{folded} may be unfolded"
        );
    }
    assert_eq!(page.texts("details.contents > summary h2"), ["Contents"]);
    assert!(
        page.one_text("details.note > summary")
            .contains("not part of the document")
    );
    // In reading order: metadata and note, contents, then the text.
    let order: Vec<String> = page
        .select("details.meta, details.note, details.contents, section.text")
        .iter()
        .map(|e| e.value().attr("class").unwrap_or_default().to_string())
        .collect();
    assert_eq!(order, ["meta", "note", "contents", "text"]);
    let script = page.select("script[src]");
    assert_eq!(script.len(), 1);
    assert_eq!(script[0].value().attr("src"), Some("/reading.js"));
    assert!(script[0].value().attr("defer").is_some());
    assert!(site.exists("reading.js"));
}
