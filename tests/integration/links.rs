//! Cross-links: explicit links, detected mentions, backlinks, catalogue
//! records, entities, related documents and the graph export.

use crate::support::Fixture;

fn archive() -> Fixture {
    Fixture::new()
        .file("seeds/plan.txt", "The Plan\n\nI. General\n\nThis National Plan governs itself.\n\n(1) Goals\n\nGrow.\n")
        .file(
            "seeds/digest.txt",
            "Digest\n\nFirst item. The National Plan was issued. Later, more.\nOther National Plans are not it.\n根据国家规划推进。\nThe Digital Plan for Industry came too.\nXi Jinping spoke; 习近平 wrote.\n",
        )
        .doc(
            "plan",
            "title = \"Five-Year Plan for Informatization\"\ndate = 2021-12-28\nseed = \"seeds/plan.txt\"\ncited_as = [\"National Plan\", \"国家规划\"]\n[taxonomies]\ntopics = [\"informatization\", \"5G\"]",
            "",
        )
        .doc(
            "digest",
            "title = \"Daily Digest\"\ndate = 2022-01-05\nseed = \"seeds/digest.txt\"\nrelated = [\"record\"]\n[taxonomies]\ntopics = [\"informatization\"]",
            "A note: see [the goals](@/plan#sec-i-1) and [the National Plan](https://example.org/np).",
        )
        .doc("digital", "title = \"Digital Plan\"\ndate = 2020-05-01", "A text of its own.")
        .doc(
            "industry",
            "title = \"Industry Plan\"\ndate = 2021-03-01\ncited_as = [\"Digital Plan for Industry\"]\n[taxonomies]\ntopics = [\"5G\", \"informatization\"]",
            "It mentions nothing.",
        )
        .doc("record", "title = \"Big Data Plan\"\ndate = \"2021-11\"\nsource_url = \"https://example.gov/bd\"", "")
        .doc("later", "title = \"Later Essay\"\ndate = 2023-01-01", "On the Big Data Plan, and Xi Jinping.")
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Xi Jinping\"\nkind = \"person\"\nother_names = [\"习近平\"]\ndescription = \"General Secretary.\"\n",
        )
}

#[test]
fn mentions_become_links_whole_words_longest_first_never_self() {
    let site = archive().build();
    let digest = site.page("documents/digest/");
    let mentions: Vec<(String, String)> = digest
        .select(".text a.mention")
        .iter()
        .map(|a| (a.text().collect(), a.value().attr("href").unwrap().to_string()))
        .collect();
    assert_eq!(
        mentions,
        [
            ("National Plan".to_string(), "/documents/plan/".to_string()),
            ("国家规划".to_string(), "/documents/plan/".to_string()),
            (
                "Digital Plan for Industry".to_string(),
                "/documents/industry/".to_string()
            ),
        ],
        "the plural \"National Plans\" is not a mention, and the longer name wins over \"Digital Plan\""
    );
    let plan = site.page("documents/plan/");
    assert!(
        plan.select(".text a.mention").is_empty(),
        "a document never links to itself"
    );
    // "the National Plan" is the text of a link to the web: it is not
    // searched, so no mention link is written inside that link.
    assert_eq!(digest.nested_links(), Vec::<String>::new(), "no link inside a link");
    assert_eq!(digest.texts(".note a:not(.anchor)"), ["the goals", "the National Plan"]);
    assert_eq!(digest.attrs(".note a", "href")[0], "/documents/plan/#sec-i-1");
}

#[test]
fn backlinks_quote_the_sentence_and_link_the_paragraph() {
    let site = archive().build();
    site.assert_links_resolve();
    let plan = site.page("documents/plan/");
    assert_eq!(plan.texts(".cited-by .quotes > li > a.doc-title"), ["Daily Digest"]);
    let quotes = plan.texts(".cited-by blockquote p");
    assert_eq!(quotes[0], "The National Plan was issued. in context");
    assert_eq!(
        plan.texts(".cited-by mark")[..3],
        ["National Plan", "国家规划", "the goals"]
    );
    let hrefs = plan.attrs(".cited-by a.in-context", "href");
    assert_eq!(hrefs[0], "/documents/digest/#p-2");
    assert_eq!(hrefs[2], "/documents/digest/#note-p-1");
    let digest = site.page("documents/digest/");
    assert_eq!(
        digest.texts(".cites .doc-title"),
        ["Five-Year Plan for Informatization", "Industry Plan"]
    );
}

#[test]
fn catalogue_records_show_who_cites_them() {
    let site = archive().build();
    let record = site.page("documents/record/");
    assert!(record.one_text(".notice").contains("not held in this archive"));
    assert_eq!(record.texts(".cited-by .doc-title"), ["Later Essay"]);
}

#[test]
fn entities_have_pages_listing_their_mentions_newest_first() {
    let site = archive().build();
    let list = site.page("entities/");
    assert_eq!(list.texts(".term-index a"), ["Xi Jinping"]);
    let page = site.page("entities/xi-jinping/");
    assert_eq!(page.one_text("h1"), "Xi Jinping");
    assert_eq!(
        page.texts(".quotes > li > a.doc-title"),
        ["Later Essay", "Daily Digest"]
    );
    assert_eq!(page.texts("mark"), ["Xi Jinping", "Xi Jinping", "习近平"]);
    let digest = site.page("documents/digest/");
    assert_eq!(digest.texts(".entities a"), ["Xi Jinping"]);
    assert!(
        digest.select(".text a[href='/entities/xi-jinping/']").is_empty(),
        "entities are not linked inline"
    );
}

#[test]
fn related_documents_start_with_the_curated_ones_then_rank_by_what_is_shared() {
    let site = archive().build();
    let digest = site.page("documents/digest/");
    let related = digest.attrs(".related .doc-title", "href");
    assert_eq!(related[0], "/documents/record/", "curated first");
    assert_eq!(
        &related[1..3],
        ["/documents/plan/", "/documents/industry/"],
        "cited and sharing a term, then sharing terms"
    );
    let industry = site.page("documents/industry/");
    assert_eq!(
        industry.attrs(".related .doc-title", "href")[..2],
        ["/documents/digest/", "/documents/plan/"],
        "a citation and a shared term outweigh two shared terms"
    );
}

#[test]
fn graph_json_has_documents_entities_and_edges() {
    let site = archive().build();
    let graph: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.root.join("graph.json")).unwrap()).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 7);
    let record = nodes.iter().find(|n| n["id"] == "document:record").unwrap();
    assert_eq!(record["type"], "catalogue");
    let xi = nodes.iter().find(|n| n["id"] == "entity:xi-jinping").unwrap();
    assert_eq!(
        (xi["type"].as_str(), xi["kind"].as_str()),
        (Some("entity"), Some("person"))
    );
    let edges = graph["edges"].as_array().unwrap();
    let has = |s: &str, t: &str, ty: &str| {
        edges
            .iter()
            .any(|e| e["source"] == s && e["target"] == t && e["type"] == ty)
    };
    assert!(has("document:digest", "document:plan", "cites"));
    assert!(has("document:later", "document:record", "cites"));
    assert!(has("document:digest", "entity:xi-jinping", "mentions"));
    assert!(has("document:digest", "document:record", "related"));
    assert!(!has("document:plan", "document:plan", "cites"));
}

#[test]
fn detection_can_be_switched_off() {
    let f = archive();
    let config = format!("{}\n[links]\ndetect_mentions = false\n", crate::support::CONFIG);
    let site = f.file("config.toml", &config).build();
    let digest = site.page("documents/digest/");
    assert!(digest.select("a.mention").is_empty());
    assert_eq!(
        digest.texts(".cites .doc-title"),
        ["Five-Year Plan for Informatization"],
        "explicit links still count"
    );
}

fn failing(f: Fixture) -> String {
    f.build_err()
}

#[test]
fn broken_internal_link_is_an_error_at_its_line() {
    let err = failing(archive().doc("bad", "title = \"Bad\"", "Text.\n\nSee [x](@/plam).\n"));
    assert!(err.contains("no document has the slug `plam`"), "{err}");
    assert!(err.contains("content/bad.md:6:5"), "{err}");
    assert!(err.contains("did you mean `plan`?"), "{err}");
}

#[test]
fn missing_anchor_is_an_error() {
    let err = failing(archive().doc("bad", "title = \"Bad\"", "See [x](@/plan#sec-ix)."));
    assert!(err.contains("document `plan` has no anchor `#sec-ix`"), "{err}");
    assert!(err.contains("content/bad.md:4:5"), "{err}");
}

#[test]
fn unknown_related_slug_is_an_error_at_its_line() {
    let err = failing(archive().doc("bad", "title = \"Bad\"\nrelated = [\"plan\", \"nope\"]", "x"));
    assert!(err.contains("no document has the slug `nope`"), "{err}");
    assert!(err.contains("content/bad.md:3:20"), "{err}");
}

#[test]
fn bad_entities_file_is_an_error() {
    let err = failing(archive().file(
        "content/entities.toml",
        "[[entity]]\nname = \"X Y\"\nkind = \"persn\"\n",
    ));
    assert!(err.contains("content/entities.toml:3:8"), "{err}");
    assert!(err.contains("did you mean \"person\"?"), "{err}");
    let err = failing(archive().file("content/entities.toml", "[[entity]]\nname = \"X Y\"\n"));
    assert!(err.contains("error: missing field `kind`"), "{err}");
    assert!(err.contains("content/entities.toml:1:1"), "{err}");
    assert!(err.contains("help: add the key with a value: kind = \"...\""), "{err}");
}

#[test]
fn links_in_markdown_seeds_are_checked_and_rendered() {
    let site = archive()
        .file(
            "seeds/essay.md",
            "# Essay\n\nAs the [plan](@/plan) says, and the National Plan.\n",
        )
        .doc(
            "essay",
            "title = \"Essay\"\ndate = 2024-01-01\nseed = \"seeds/essay.md\"",
            "",
        )
        .build();
    let essay = site.page("documents/essay/");
    assert_eq!(
        essay.attrs(".text a:not(.anchor)", "href"),
        ["/documents/plan/", "/documents/plan/"]
    );
}
