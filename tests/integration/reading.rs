//! What readers are shown about the archive's data: Chinese marked as such
//! on every page, list rows and summaries, entity quotations, citations
//! from a document's text told apart from its curator's note, `[extra]`
//! fields and page furniture.

use std::path::PathBuf;

use scraper::Node;

use crate::support::{CONFIG, Fixture, Site};

/// Whether `c` is Chinese script, as annals marks it.
fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3100..=0x312F | 0x31A0..=0x31BF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0xFFE0..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Every text of every page that holds Chinese without an element around
/// it whose `lang` is Chinese: (page, the text). The `<title>`, scripts and
/// styles cannot hold markup and are left out.
fn unmarked_chinese(site: &Site) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for path in site.tree().keys().filter(|p| p.ends_with(".html")) {
        let page = site.page(path);
        for node in page.html.tree.nodes() {
            let Node::Text(text) = node.value() else { continue };
            if !text.chars().any(is_chinese) {
                continue;
            }
            let mut lang = None;
            let mut skipped = false;
            for ancestor in node.ancestors() {
                if let Node::Element(e) = ancestor.value() {
                    if matches!(e.name(), "title" | "script" | "style") {
                        skipped = true;
                        break;
                    }
                    if let Some(l) = e.attr("lang") {
                        lang = Some(l.to_string());
                        break;
                    }
                }
            }
            if !skipped && !lang.is_some_and(|l| l.starts_with("zh")) {
                found.push((path.clone(), text.trim().chars().take(40).collect()));
            }
        }
    }
    found
}

#[test]
fn every_chinese_text_of_the_shipped_site_is_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let site = Site::at(out);
    let checked = site.tree().keys().filter(|p| p.ends_with(".html")).count();
    assert!(checked > 50, "the whole site is looked at ({checked} pages)");
    assert_eq!(unmarked_chinese(&site), Vec::<(String, String)>::new());
}

/// An archive with Chinese in every place a name or title can be.
fn chinese_everywhere() -> Fixture {
    Fixture::new()
        .file("config.toml", &CONFIG.replace("Test Archive", "Test Archive 档案"))
        .file("seeds/plan.txt", "平安中国建设规划\n\nI. 总体要求\n\nThe plan of 国务院 for Safe China.\n")
        .doc(
            "plan",
            "title = \"平安中国建设规划\"\ndate = 2021-12-28\nseed = \"seeds/plan.txt\"\n\
             summary = \"规划的摘要\"\noriginal_title = \"平安中国\"\nauthors = [\"国务院\"]\n\
             cited_as = [\"平安中国规划\"]\n[taxonomies]\ntopics = [\"平安中国\"]\nbodies = [\"国务院\"]\n\
             [extra]\neditors = [\"王\"]",
            "The curator on 平安中国规划 again.",
        )
        .doc(
            "essay",
            "title = \"An Essay\"\ndate = 2022-01-01\n[taxonomies]\ntopics = [\"平安中国\"]",
            "It cites the 平安中国规划 and quotes 国务院 twice: 国务院.",
        )
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"国务院\"\nslug = \"state-council\"\nkind = \"organisation\"\nother_names = [\"中华人民共和国国务院\"]\ndescription = \"最高行政机关\"\n",
        )
}

#[test]
fn every_chinese_name_title_and_quotation_is_marked() {
    let site = chinese_everywhere().build();
    assert_eq!(unmarked_chinese(&site), Vec::<(String, String)>::new());
    let plan = site.page("documents/plan/");
    assert_eq!(plan.texts("h1 [lang='zh']"), ["平安中国建设规划"]);
    let entity = site.page("entities/state-council/");
    assert_eq!(entity.texts(".also-known [lang='zh']"), ["中华人民共和国国务院"]);
}

#[test]
fn list_summaries_are_cut_at_a_word_with_an_ellipsis() {
    let long = "The plan sets goals for building Digital China, with data markets, core technologies, \
                digital government, social governance, international cooperation and platform governance, \
                along with seventeen boxed projects and ten priority actions with goals for 2023 and 2025.";
    let site = Fixture::new()
        .doc(
            "plan",
            &format!("title = \"Plan\"\ndate = 2021-12-28\nsummary = \"{long}\""),
            "Text.",
        )
        .doc(
            "short",
            "title = \"Short\"\ndate = 2021-01-01\nsummary = \"A short summary.\"",
            "Text.",
        )
        .build();
    let home = site.page("");
    let summaries = home.texts(".doc-summary");
    assert_eq!(summaries[1], "A short summary.", "a short summary is whole");
    let cut = summaries[0]
        .strip_suffix('…')
        .expect("a long summary ends with an ellipsis");
    assert!(cut.chars().count() <= 220, "{cut}");
    assert!(long.starts_with(cut), "{cut}");
    assert_eq!(long[cut.len()..].chars().next(), Some(' '), "cut before a space: {cut}");
    // The document's own page shows it whole.
    assert_eq!(site.page("documents/plan/").one_text(".doc-header .lede"), long);
}

/// The classes of an element's children, in order, as a shape to compare.
fn shape(e: scraper::ElementRef) -> Vec<String> {
    e.children()
        .filter_map(scraper::ElementRef::wrap)
        .map(|c| format!("{}.{}", c.value().name(), c.value().attr("class").unwrap_or("")))
        .collect()
}

#[test]
fn a_catalogue_record_lists_like_a_document_with_a_label() {
    let site = Fixture::new()
        .doc(
            "held",
            "title = \"Held\"\ndate = 2021-01-01\noriginal_title = \"规划\"",
            "Text.",
        )
        .doc(
            "record",
            "title = \"Record\"\ndate = 2021-02-01\noriginal_title = \"意见\"",
            "",
        )
        .build();
    let year = site.page("timeline/2021/");
    let rows = year.select(".doc-item");
    assert_eq!(rows.len(), 2);
    assert_eq!(shape(rows[0]), shape(rows[1]), "the same elements in the same places");
    assert_eq!(shape(rows[0]), ["a.doc-title", "span.doc-meta", "span.doc-original"]);
    assert_eq!(year.texts(".doc-item.catalogue .doc-meta .badge"), ["catalogue record"]);
    assert_eq!(year.texts(".doc-item:not(.catalogue) .badge"), Vec::<String>::new());
}

/// A 2024 article whose curator's note mentions a 2025 readout, and whose
/// text cites a 2021 plan.
fn commentary() -> Fixture {
    Fixture::new()
        .file("seeds/article.txt", "Article\n\nWe follow the Five-Year Plan. Ye Min agrees.\n")
        .doc(
            "article",
            "title = \"Article\"\ndate = 2024-01-01\nseed = \"seeds/article.txt\"",
            "The curator reads it against the Midyear Readout, where Li Lecheng spoke.",
        )
        .doc("readout", "title = \"Midyear Readout\"\ndate = 2025-07-28", "Li Lecheng and Ye Min spoke.")
        .doc("plan", "title = \"Five-Year Plan\"\ndate = 2021-03-11", "")
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Li Lecheng\"\nkind = \"person\"\n\n[[entity]]\nname = \"Ye Min\"\nkind = \"person\"\n",
        )
}

#[test]
fn citations_in_the_curators_note_are_told_apart_from_the_texts() {
    let site = commentary().build();
    site.assert_links_resolve();
    let article = site.page("documents/article/");
    assert_eq!(article.texts(".cites .doc-title"), ["Five-Year Plan"]);
    assert_eq!(article.texts(".note-cites .doc-title"), ["Midyear Readout"]);
    assert_eq!(
        article.one_text("#cited-in-note-title"),
        "Mentioned in the curator’s note"
    );
    assert_eq!(article.texts(".entities li.in-note > a"), ["Li Lecheng"]);
    assert_eq!(article.texts(".entities li:not(.in-note) > a"), ["Ye Min"]);
    let readout = site.page("documents/readout/");
    assert_eq!(
        readout.texts(".cited-by .quotes > li.in-note > .doc-title"),
        ["Article"]
    );
    assert_eq!(
        readout.texts(".cited-by .quotes > li.in-note > .badge"),
        ["in the curator’s note"]
    );
    let plan = site.page("documents/plan/");
    assert_eq!(
        plan.select(".cited-by .quotes > li.in-note").len(),
        0,
        "cited from the text"
    );
    assert_eq!(plan.texts(".cited-by .quotes > li > .doc-title"), ["Article"]);
}

#[test]
fn graph_json_says_whether_a_citation_is_in_the_text_or_the_note() {
    let site = commentary().build();
    let graph: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.root.join("graph.json")).unwrap()).unwrap();
    let edges: Vec<(String, String, String, String)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "document:article")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
            (s("type"), s("target"), s("found_in"), e["count"].to_string())
        })
        .collect();
    let edge = |t: &str, target: &str, found: &str, count: &str| {
        (t.to_string(), target.to_string(), found.to_string(), count.to_string())
    };
    assert_eq!(
        edges,
        [
            edge("cites", "document:plan", "text", "null"),
            edge("cites", "document:readout", "note", "null"),
            edge("mentions", "entity:li-lecheng", "note", "1"),
            edge("mentions", "entity:ye-min", "text", "1"),
        ]
    );
}

#[test]
fn an_entity_page_quotes_each_sentence_once_and_links_the_rest() {
    let site = Fixture::new()
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Ministry of Industry\"\nkind = \"organisation\"\nother_names = [\"MIIT\"]\n",
        )
        .doc(
            "report",
            "title = \"Report\"\ndate = 2021-01-01",
            "The Ministry of Industry (MIIT) spoke. MIIT again.\n\nThe MIIT third.\n\nThe MIIT fourth.\n\nThe MIIT fifth.",
        )
        .build();
    site.assert_links_resolve();
    let entity = site.page("entities/ministry-of-industry/");
    let quotes = entity.select(".quotes blockquote");
    assert_eq!(quotes.len(), 3, "three of the five sentences are quoted");
    assert_eq!(
        entity.texts(".quotes blockquote")[0],
        "The Ministry of Industry (MIIT) spoke. in context",
        "the sentence naming it twice is quoted once"
    );
    let marks: Vec<String> = quotes[0]
        .select(&scraper::Selector::parse("mark").unwrap())
        .map(|m| m.text().collect())
        .collect();
    assert_eq!(marks, ["Ministry of Industry", "MIIT"], "every name in it is marked");
    assert_eq!(entity.texts(".quotes .more a"), ["and 2 more"]);
    assert_eq!(entity.attrs(".quotes .more a", "href"), ["/documents/report/#p-3"]);
}

#[test]
fn extra_fields_are_listed_under_the_metadata_with_their_links() {
    let site = Fixture::new()
        .doc(
            "plan",
            "title = \"Plan\"\ndate = 2021-01-01\n[extra]\neditors = [\"Johanna Costigan\", \"Graham Webster\"]\n\
             original_url = \"http://www.gov.cn/x.pdf\"\ntranslation_published = 2022-01-24",
            "Text.",
        )
        .build();
    let page = site.page("documents/plan/");
    assert_eq!(
        page.texts(".meta dl.extra dt"),
        ["Editors", "Original URL", "Translation published"]
    );
    assert_eq!(
        page.texts(".meta dl.extra dd"),
        ["Johanna Costigan; Graham Webster", "www.gov.cn", "2022-01-24"]
    );
    assert_eq!(page.attrs(".meta dl.extra a", "href"), ["http://www.gov.cn/x.pdf"]);
}

#[test]
fn furniture_is_collapsed_unnumbered_and_not_searched() {
    let site = Fixture::new()
        .file(
            "seeds/page.txt",
            "Kindly bear with us.\n\nA Report\n\nThe Plan was issued.\n\nShare:  Facebook | Email   \n\nThe end.\n",
        )
        .doc(
            "page",
            "title = \"Page\"\ndate = 2021-01-01\nseed = \"seeds/page.txt\"\n\
             furniture = [\"Kindly bear with us.\", \"Share: Facebook | Email\"]",
            "",
        )
        .doc("plan", "title = \"The Plan\"\ndate = 2020-01-01", "Text.")
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Kindly Bear\"\nkind = \"other\"\n",
        )
        .build();
    site.assert_links_resolve();
    let page = site.page("documents/page/");
    assert_eq!(
        page.texts(".text details.furniture > p"),
        ["Kindly bear with us.", "Share: Facebook | Email"]
    );
    assert_eq!(
        page.attrs(".text details.furniture > p", "id"),
        ["furniture-1", "furniture-2"]
    );
    assert_eq!(
        page.attrs(".text > p", "id"),
        ["p-2", "p-4"],
        "the document's own paragraphs keep the numbers they had"
    );
    assert_eq!(
        page.texts(".entities li"),
        Vec::<String>::new(),
        "furniture is not searched"
    );
    assert_eq!(site.page("entities/kindly-bear/").select("blockquote").len(), 0);
}
