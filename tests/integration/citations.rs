//! Citations: the meta tags and JSON-LD of document pages, the cite box,
//! and `cite.bib`, `cite.ris` and `cite.json`, each read back by a reader
//! other than its writer (nom-bibtex for BibTeX, an RIS reader written
//! here, the published CSL-JSON schema for CSL-JSON, an HTML parser and
//! serde_json for the page), with hostile titles and names.

use std::collections::HashMap;

use crate::support::{CONFIG, Fixture, Site};

/// Braces, quotes, TeX's specials, markup that would close a script, a new
/// line, and Chinese.
const HOSTILE: &str = "Plan {on} \"roads\" at 100% & $5 #1 a_b </script> 数字中国\nsecond line";
/// The title as every format gives it: on one line.
const HOSTILE_LINE: &str = "Plan {on} \"roads\" at 100% & $5 #1 a_b </script> 数字中国 second line";

fn config(extra: &str) -> String {
    format!(
        "{CONFIG}\n[[taxonomies]]\nname = \"types\"\ntitle = \"Types\"\n\n[[taxonomies]]\nname = \"publications\"\ntitle = \"Publications\"\n{extra}"
    )
}

fn archive(extra_config: &str) -> Fixture {
    Fixture::new()
        .file("config.toml", &config(extra_config))
        .doc(
            "plan",
            &format!(
                "title = {HOSTILE:?}\ndate = 2024-03-05\nauthors = [\"Ministry of Roads and Bridges\", \"王小明\"]\ntranslators = [\"Ann Lee, Jr.\", \"李华\"]\noriginal_title = \"道路规划\"\noriginal_language = \"zh\"\ndocument_number = \"国发〔2024〕5号\"\nsummary = \"A plan {{with}} 100% \\\"of\\\" it.\"\n[taxonomies]\ntopics = [\"roads\"]\ntypes = [\"plan\"]"
            ),
            "The plan's text.\n\nIts second paragraph.\n",
        )
        .doc(
            "digest",
            "title = \"What the paper said\"\ndate = \"2023-06\"\nauthors = [\"Kim Park\"]\n[taxonomies]\ntypes = [\"newspaper digest\"]\npublications = [\"People's Daily\"]",
            "A digest.\n",
        )
        .doc(
            "essay",
            "title = \"An essay?\"\ndate = 2022-01-02\nkind = \"article\"\n[taxonomies]\ntypes = [\"plan\"]\npublications = [\"Qiushi\"]",
            "An essay.\n",
        )
}

fn read(site: &Site, path: &str) -> String {
    std::fs::read_to_string(site.root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A BibTeX value as TeX prints it: grouping braces gone, escaped
/// specials (`\{ \} \% \& \$ \# \_`) as themselves.
fn tex_text(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '{' | '}' => {}
            c => out.push(c),
        }
    }
    out
}

/// RIS: one `TG  - value` line per field, `TY` first and `ER` last.
fn read_ris(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.last(), Some(&""), "every line ends with CR LF");
    let fields: Vec<(String, String)> = lines[..lines.len() - 1]
        .iter()
        .map(|line| {
            let (tag, value) = line.split_at(2);
            assert!(
                tag.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "tag of {line:?}"
            );
            let value = value
                .strip_prefix("  - ")
                .unwrap_or_else(|| panic!("{line:?} has no `  - `"));
            assert!(!value.contains(['\r', '\n']), "{line:?}");
            (tag.to_string(), value.to_string())
        })
        .collect();
    assert_eq!(fields.first().map(|f| f.0.as_str()), Some("TY"));
    assert_eq!(fields.last(), Some(&("ER".to_string(), String::new())));
    fields
}

fn ris_values<'a>(fields: &'a [(String, String)], tag: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn bibtex_reads_back_with_another_parser() {
    let site = archive("").build();
    let bib = read(&site, "documents/plan/cite.bib");
    let parsed = nom_bibtex::Bibtex::parse(&bib).unwrap_or_else(|e| panic!("{e:?}\n{bib}"));
    let entries = parsed.bibliographies();
    assert_eq!(entries.len(), 1, "{bib}");
    let entry = &entries[0];
    assert_eq!((entry.entry_type(), entry.citation_key()), ("report", "plan"));
    let tags: HashMap<String, String> = entry.tags().iter().map(|(k, v)| (k.clone(), tex_text(v))).collect();
    assert_eq!(tags["title"], HOSTILE_LINE, "{bib}");
    assert_eq!(tags["author"], "Ministry of Roads and Bridges and 王小明");
    assert_eq!(tags["translator"], "Ann Lee, Jr. and 李华");
    assert_eq!(tags["institution"], "Ministry of Roads and Bridges and 王小明");
    assert_eq!(tags["number"], "国发〔2024〕5号");
    assert_eq!(tags["date"], "2024-03-05");
    assert_eq!(tags["origtitle"], "道路规划");
    assert_eq!(tags["abstract"], "A plan {with} 100% \"of\" it.");
    assert_eq!(tags["url"], "https://example.org/documents/plan/");
    // Each name is one group: "and" inside a body's name does not split it.
    assert!(
        bib.contains("author = {{Ministry of Roads and Bridges} and {王小明}}"),
        "{bib}"
    );

    let digest = read(&site, "documents/digest/cite.bib");
    let parsed = nom_bibtex::Bibtex::parse(&digest).unwrap_or_else(|e| panic!("{e:?}\n{digest}"));
    let entry = &parsed.bibliographies()[0];
    assert_eq!(entry.entry_type(), "article");
    assert_eq!(tex_text(&entry.tags()["journaltitle"]), "People's Daily");
    assert_eq!(tex_text(&entry.tags()["entrysubtype"]), "newspaper");
    assert_eq!(tex_text(&entry.tags()["date"]), "2023-06");
}

#[test]
fn ris_has_one_field_per_line_whatever_the_text() {
    let site = archive("").build();
    let ris = read_ris(&read(&site, "documents/plan/cite.ris"));
    assert_eq!(ris_values(&ris, "TY"), ["RPRT"]);
    assert_eq!(ris_values(&ris, "TI"), [HOSTILE_LINE]);
    assert_eq!(ris_values(&ris, "AU"), ["Ministry of Roads and Bridges", "王小明"]);
    assert_eq!(ris_values(&ris, "A4"), ["Ann Lee, Jr.", "李华"], "translators");
    assert_eq!(ris_values(&ris, "SN"), ["国发〔2024〕5号"]);
    assert_eq!(ris_values(&ris, "PY"), ["2024"]);
    assert_eq!(ris_values(&ris, "DA"), ["2024/03/05/"]);
    assert_eq!(ris_values(&ris, "UR"), ["https://example.org/documents/plan/"]);

    let digest = read_ris(&read(&site, "documents/digest/cite.ris"));
    assert_eq!(ris_values(&digest, "TY"), ["NEWS"]);
    assert_eq!(ris_values(&digest, "T2"), ["People's Daily"]);
    assert_eq!(ris_values(&digest, "DA"), ["2023/06//"], "the day is unknown");
    let essay = read_ris(&read(&site, "documents/essay/cite.ris"));
    assert_eq!(
        ris_values(&essay, "TY"),
        ["JOUR"],
        "front matter's kind over the type's"
    );
}

#[test]
fn csl_json_is_valid_against_the_published_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/csl-data.json")).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let site = archive("").build();
    let mut items = HashMap::new();
    for slug in ["plan", "digest", "essay"] {
        let json: serde_json::Value =
            serde_json::from_str(&read(&site, &format!("documents/{slug}/cite.json"))).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{slug}: {errors:?}\n{json:#}");
        items.insert(slug, json[0].clone());
    }
    let plan = &items["plan"];
    assert_eq!(plan["type"], "legislation");
    assert_eq!(plan["title"], HOSTILE_LINE);
    assert_eq!(
        plan["author"],
        serde_json::json!([{"literal": "Ministry of Roads and Bridges"}, {"literal": "王小明"}])
    );
    assert_eq!(plan["translator"][0]["literal"], "Ann Lee, Jr.");
    assert_eq!(plan["issued"], serde_json::json!({"date-parts": [[2024, 3, 5]]}));
    assert_eq!(plan["number"], "国发〔2024〕5号");
    assert_eq!(plan["authority"], "Ministry of Roads and Bridges; 王小明");
    assert_eq!(items["digest"]["type"], "article-newspaper");
    assert_eq!(items["digest"]["container-title"], "People's Daily");
    assert_eq!(
        items["digest"]["issued"],
        serde_json::json!({"date-parts": [[2023, 6]]})
    );
    assert_eq!(items["essay"]["type"], "article-journal");

    // The schema is not a check that cannot fail: a wrong type is caught.
    let mut wrong = serde_json::json!([plan.clone()]);
    wrong[0]["type"] = "law".into();
    assert!(!validator.is_valid(&wrong));
}

/// The `content` of each `<meta name=...>` of a page, in order.
fn metas(site: &Site, page: &str) -> Vec<(String, String)> {
    let page = site.page(page);
    page.select("meta[name]")
        .iter()
        .map(|m| {
            let v = m.value();
            (
                v.attr("name").unwrap().to_string(),
                v.attr("content").unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn meta<'a>(metas: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    metas
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn json_ld(site: &Site, page: &str) -> serde_json::Value {
    let page = site.page(page);
    let scripts = page.select("script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1);
    let text: String = scripts[0].text().collect();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn document_pages_carry_the_tags_zotero_and_google_scholar_read() {
    let site = archive("").build();
    let plan = metas(&site, "documents/plan/");
    assert_eq!(meta(&plan, "citation_title"), [HOSTILE_LINE]);
    assert_eq!(
        meta(&plan, "citation_author"),
        ["Ministry of Roads and Bridges", "王小明"]
    );
    // Google Scholar: a full date as 2024/03/05, otherwise the year.
    assert_eq!(meta(&plan, "citation_publication_date"), ["2024/03/05"]);
    assert_eq!(meta(&plan, "citation_language"), ["en"]);
    assert_eq!(
        meta(&plan, "citation_public_url"),
        ["https://example.org/documents/plan/"]
    );
    assert_eq!(
        meta(&plan, "citation_fulltext_html_url"),
        ["https://example.org/documents/plan/"]
    );
    assert_eq!(meta(&plan, "citation_keywords"), ["roads"]);
    // Zotero saves a page with a report institution as a report.
    assert_eq!(
        meta(&plan, "citation_technical_report_institution"),
        ["Ministry of Roads and Bridges; 王小明"]
    );
    assert_eq!(meta(&plan, "citation_technical_report_number"), ["国发〔2024〕5号"]);
    assert!(meta(&plan, "citation_journal_title").is_empty());
    assert_eq!(meta(&plan, "DC.creator"), ["Ministry of Roads and Bridges", "王小明"]);
    assert_eq!(meta(&plan, "DC.contributor"), ["Ann Lee, Jr.", "李华"]);
    assert_eq!(meta(&plan, "DC.date"), ["2024-03-05"]);
    assert_eq!(meta(&plan, "DC.type"), ["Report"]);

    let ld = json_ld(&site, "documents/plan/");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Legislation");
    assert_eq!(ld["name"], HOSTILE_LINE, "read back whole, </script> and all");
    assert_eq!(ld["legislationIdentifier"], "国发〔2024〕5号");
    assert_eq!(ld["legislationDate"], "2024-03-05");
    assert_eq!(ld["legislationType"], "plan");
    assert_eq!(
        ld["author"][0],
        serde_json::json!({"@type": "Organization", "name": "Ministry of Roads and Bridges"})
    );
    assert_eq!(ld["translator"][1]["name"], "李华");
    assert_eq!(ld["translationOfWork"]["name"], "道路规划");
    assert_eq!(ld["translationOfWork"]["inLanguage"], "zh");

    // A newspaper digest: no Highwire type tag, so Zotero reads DC.type;
    // a month's date is given to Scholar as the year.
    let digest = metas(&site, "documents/digest/");
    assert!(meta(&digest, "citation_technical_report_institution").is_empty());
    assert!(meta(&digest, "citation_journal_title").is_empty());
    assert_eq!(meta(&digest, "DC.type"), ["News Item"]);
    assert_eq!(meta(&digest, "prism.publicationName"), ["People's Daily"]);
    assert_eq!(meta(&digest, "citation_publication_date"), ["2023"]);
    let ld = json_ld(&site, "documents/digest/");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["isPartOf"]["name"], "People's Daily");
    assert_eq!(ld["author"][0]["@type"], "Person");

    let essay = metas(&site, "documents/essay/");
    assert_eq!(meta(&essay, "citation_journal_title"), ["Qiushi"]);
    assert_eq!(json_ld(&site, "documents/essay/")["@type"], "Article");

    // Pages other than documents carry none.
    assert!(meta(&metas(&site, ""), "citation_title").is_empty());
}

#[test]
fn the_cite_box_shows_a_chicago_citation_and_links_the_files() {
    let site = archive("").build();
    let page = site.page("documents/digest/");
    assert_eq!(
        page.one_text("#citation"),
        "Kim Park. “What the paper said.” People's Daily, June 2023. Test Archive. https://example.org/documents/digest/."
    );
    assert_eq!(page.select("#citation i").len(), 1, "the newspaper in italics");
    let essay = site.page("documents/essay/");
    assert_eq!(
        essay.one_text("#citation"),
        "“An essay?” Qiushi, 2 January 2022. Test Archive. https://example.org/documents/essay/.",
        "no full stop after a question mark"
    );
    let plan = site.page("documents/plan/");
    assert_eq!(
        plan.one_text("#citation"),
        format!(
            "Ministry of Roads and Bridges and 王小明. {HOSTILE_LINE} [道路规划]. 国发〔2024〕5号. Translated by Ann Lee, Jr. and 李华. 5 March 2024. Test Archive. https://example.org/documents/plan/."
        )
    );
    assert!(
        plan.texts(".meta dd").iter().any(|t| t == "国发〔2024〕5号"),
        "the number is shown with the metadata"
    );
    // reading.js makes a paragraph's citation from what comes before the
    // URL named in data-url.
    assert_eq!(
        plan.attrs("#citation", "data-url"),
        ["https://example.org/documents/plan/"]
    );
    let files = plan.attrs(".cite-files a", "href");
    assert_eq!(
        files,
        [
            "/documents/plan/cite.bib",
            "/documents/plan/cite.ris",
            "/documents/plan/cite.json"
        ]
    );
    for file in files {
        assert!(site.exists(file.trim_start_matches('/')), "{file}");
    }
}

#[test]
fn the_kind_of_a_type_is_configurable() {
    let site = archive("[citations.kinds]\n\"Newspaper Digest\" = \"article\"\n").build();
    let json: serde_json::Value = serde_json::from_str(&read(&site, "documents/digest/cite.json")).unwrap();
    assert_eq!(json[0]["type"], "article-journal", "types compare without case");
    let site = archive("[citations]\ndefault_kind = \"webpage\"\n").build();
    let json: serde_json::Value = serde_json::from_str(&read(&site, "documents/plan/cite.json")).unwrap();
    assert_eq!(json[0]["type"], "legislation", "a plan has a kind of its own");
    let fixture = archive("[citations]\ndefault_kind = \"webpage\"\n").doc(
        "other",
        "title = \"Other\"\n[taxonomies]\ntypes = [\"memo\"]",
        "",
    );
    let json: serde_json::Value = serde_json::from_str(&read(&fixture.build(), "documents/other/cite.json")).unwrap();
    assert_eq!(json[0]["type"], "webpage", "an unknown type takes the default kind");
}

#[test]
fn a_wrong_kind_is_an_error_at_its_value() {
    let err = archive("")
        .doc("bad", "title = \"Bad\"\nkind = \"law\"", "")
        .build_err();
    assert!(err.contains("`kind = \"law\"` is not a kind of citation"), "{err}");
    assert!(err.contains("content/bad.md:3:8"), "{err}");
    assert!(
        err.contains("`legislation`, `report`, `news`, `article` or `webpage`"),
        "{err}"
    );

    let err = archive("[citations.kinds]\nplan = \"statute\"\n").build_err();
    assert!(err.contains("`plan = \"statute\"` is not a kind of citation"), "{err}");
    let line = config("").lines().count() + 2;
    assert!(err.contains(&format!("config.toml:{line}:8")), "{err}");
}

#[test]
fn citations_can_be_switched_off() {
    let site = archive("[citations]\nenabled = false\n").build();
    assert!(!site.exists("documents/plan/cite.bib"));
    assert!(!site.exists("documents/plan/cite.ris"));
    assert!(!site.exists("documents/plan/cite.json"));
    let page = site.page("documents/plan/");
    assert!(page.select("#citation").is_empty());
    assert!(page.select("meta[name=citation_title]").is_empty());
    assert!(page.select("script[type='application/ld+json']").is_empty());
}

#[test]
fn the_downloads_can_be_left_out_and_the_rest_kept() {
    let site = archive("[citations]\ndownloads = false\n").build();
    assert!(!site.exists("documents/plan/cite.bib"));
    assert!(!site.exists("documents/plan/cite.ris"));
    assert!(!site.exists("documents/plan/cite.json"));
    let page = site.page("documents/plan/");
    assert_eq!(page.select("#citation").len(), 1, "the cite box stays");
    assert!(
        page.select(".cite-files a").is_empty(),
        "with no links to files that do not exist"
    );
    assert_eq!(page.select("meta[name=citation_title]").len(), 1);
}
