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
    assert_eq!(
        related,
        ["/documents/record/", "/documents/later/"],
        "curated first, then what shares an entity; what the digest cites (the plan, \
         the industry plan) is listed under Cites, not again here"
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

/// graph.json is made in pieces on every core; its bytes are still what
/// `serde_json`'s pretty printer writes for the whole graph.
#[test]
fn graph_json_is_pretty_printed_json_in_the_schema_order() {
    use serde::{Deserialize, Serialize};
    #[derive(Serialize, Deserialize)]
    struct Graph {
        nodes: Vec<Node>,
        edges: Vec<Edge>,
    }
    #[derive(Serialize, Deserialize)]
    struct Node {
        id: String,
        #[serde(rename = "type")]
        node_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        label: String,
        url: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        date: Option<String>,
    }
    #[derive(Serialize, Deserialize)]
    struct Edge {
        source: String,
        target: String,
        #[serde(rename = "type")]
        edge_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        found_in: Option<String>,
    }
    let site = archive()
        .doc(
            "hostile",
            "title = \"A \\\"quoted\\\"\\nline, 规划 {}\"\ndate = 2019-01-01",
            "Plain.",
        )
        .build();
    let bytes = std::fs::read(site.root.join("graph.json")).unwrap();
    let graph: Graph = serde_json::from_slice(&bytes).unwrap();
    assert!(graph.nodes.iter().any(|n| n.label.contains("\"quoted\"\nline")));
    let mut again = serde_json::to_vec_pretty(&graph).unwrap();
    again.push(b'\n');
    assert_eq!(String::from_utf8(bytes).unwrap(), String::from_utf8(again).unwrap());
}

#[test]
fn detection_can_be_switched_off() {
    let f = archive();
    let config = format!("{}\n[links]\ndetect_mentions = false\n", crate::support::CONFIG);
    let site = f.file("config.toml", &config).build();
    let digest = site.page("documents/digest/");
    assert!(digest.select("a.mention").is_empty());
    assert_eq!(
        digest.texts(".note-cites .doc-title"),
        ["Five-Year Plan for Informatization"],
        "explicit links still count (this one is in the curator's note)"
    );
    assert_eq!(digest.texts(".cites .doc-title"), Vec::<String>::new());
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
    assert!(
        err.contains("help: add the key with a value, e.g. kind = \"...\""),
        "{err}"
    );
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

/// Names written in headings (of a markdown seed, a note, a plain-text
/// seed) and in inline or fenced code (of a markdown seed, a note).
fn names_in_headings_and_code() -> Fixture {
    Fixture::new()
        .doc("plan", "title = \"National Plan\"\ndate = 2021-01-01", "A text.")
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Xi Jinping\"\nkind = \"person\"\n",
        )
        .file(
            "seeds/essay.md",
            "# The National Plan\n\nIn code: `National Plan` and `Xi Jinping`.\n\n\
             ```text\nNational Plan, by Xi Jinping\n```\n\n## Xi Jinping\n\nNo names.\n",
        )
        .doc(
            "essay",
            "title = \"Essay\"\ndate = 2022-01-01\nseed = \"seeds/essay.md\"",
            "## On the National Plan\n\nA note on `National Plan` and `Xi Jinping`.\n\n\
             ```\nNational Plan, by Xi Jinping\n```\n",
        )
        .file(
            "seeds/report.txt",
            "Report\n\nI. The National Plan\n\n(1) Xi Jinping\n\nNo names.\n",
        )
        .doc(
            "report",
            "title = \"Report\"\ndate = 2022-02-01\nseed = \"seeds/report.txt\"",
            "",
        )
        .doc(
            "control",
            "title = \"Control\"\ndate = 2022-03-01",
            "The National Plan, as Xi Jinping said.",
        )
}

#[test]
fn names_are_not_searched_in_headings_or_code() {
    let site = names_in_headings_and_code().build();
    // The names are found in a paragraph, so detection is on.
    let control = site.page("documents/control/");
    assert_eq!(control.texts(".text a.mention"), ["National Plan"]);
    assert_eq!(control.texts(".entities a"), ["Xi Jinping"]);
    // The names are on the other pages, where no mention is made.
    let essay = site.page("documents/essay/");
    assert_eq!(essay.texts(".text h1"), ["The National Plan"]);
    assert_eq!(essay.texts(".text h2"), ["Xi Jinping"]);
    assert_eq!(
        essay.texts(".text code"),
        ["National Plan", "Xi Jinping", "National Plan, by Xi Jinping"]
    );
    assert_eq!(essay.texts(".note h2"), ["Curator’s note", "On the National Plan"]);
    assert_eq!(
        essay.texts(".note code"),
        ["National Plan", "Xi Jinping", "National Plan, by Xi Jinping"]
    );
    let report = site.page("documents/report/");
    assert_eq!(report.texts(".text h2"), ["I. The National Plan"]);
    assert_eq!(report.texts(".text h3"), ["(1) Xi Jinping"]);
    for page in [&essay, &report] {
        assert_eq!(page.texts("a.mention"), Vec::<String>::new());
        assert_eq!(page.texts(".entities a"), Vec::<String>::new());
        assert_eq!(page.texts(".cites .doc-title"), Vec::<String>::new());
    }
    // Nor do they count as citations or mentions anywhere else.
    let plan = site.page("documents/plan/");
    assert_eq!(plan.texts(".cited-by .quotes > li > a.doc-title"), ["Control"]);
    let xi = site.page("entities/xi-jinping/");
    assert_eq!(xi.texts(".quotes > li > a.doc-title"), ["Control"]);
}

#[test]
fn a_shared_name_links_to_the_newer_document_only_and_a_warning_names_both() {
    // By file name and by title the older document would come first.
    let f = Fixture::new()
        .doc(
            "a-older",
            "title = \"A Plan of 2019\"\ndate = 2019-01-01\ncited_as = [\"the Digital Plan\"]",
            "Text.",
        )
        .doc(
            "b-newer",
            "title = \"B Plan of 2021\"\ndate = 2021-01-01\ncited_as = [\"The Digital Plan\"]",
            "Text.",
        )
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Planning Office\"\nkind = \"organisation\"\nother_names = [\"The Digital Plan\"]\n",
        )
        .doc(
            "reader",
            "title = \"Reader\"\ndate = 2022-01-01",
            "As the Digital Plan says.",
        );
    let out = f.run(&["build"]);
    assert!(out.success, "{}", out.stderr);
    let hint = "  = help: a shared name goes to the newer document (the first by title on the same date), \
                to a document before an entity, and to the entity listed first; give each names of its own\n";
    assert_eq!(
        out.stderr,
        format!(
            "warning: the name \"the Digital Plan\" is shared by document `b-newer` and document `a-older`; \
             mentions of it link to document `b-newer` only\n  --> content/a-older.md\n{hint}\n\
             warning: the name \"The Digital Plan\" is shared by document `b-newer` and entity `planning-office`; \
             mentions of it link to document `b-newer` only\n  --> content/entities.toml\n{hint}\n"
        )
    );
    let site = crate::support::Site::at(f.root().join("public"));
    let reader = site.page("documents/reader/");
    assert_eq!(reader.attrs(".text a.mention", "href"), ["/documents/b-newer/"]);
    assert_eq!(reader.texts(".entities a"), Vec::<String>::new());
    assert_eq!(
        site.page("documents/b-newer/")
            .texts(".cited-by .quotes > li > a.doc-title"),
        ["Reader"]
    );
    assert_eq!(
        site.page("documents/a-older/").texts(".cited-by .doc-title"),
        Vec::<String>::new()
    );
    assert_eq!(
        site.page("entities/planning-office/").texts(".doc-title"),
        Vec::<String>::new()
    );
}
