//! Bulk data: the catalogue as JSON and CSV, and each document's data,
//! read back with readers other than the writers (the CSV with a reader
//! of RFC 4180 written here).

use crate::support::{CONFIG, Fixture, Site};

const HOSTILE: &str = "Plan, \"quoted\" | piped; 数字中国 {braces} 100%";

fn archive(extra_config: &str) -> Fixture {
    Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n{extra_config}"))
        .file("seeds/plan.txt", "A plan.\n\nIt cites the Roads Notice.\n")
        .doc(
            "plan",
            &format!(
                "title = {HOSTILE:?}\ndate = 2024-03-05\nseed = \"seeds/plan.txt\"\nauthors = [\"Data Office\", \"Roads Office\"]\ndocument_number = \"DO-7\"\n[taxonomies]\ntopics = [\"data\", \"roads\"]"
            ),
            "A note.\n",
        )
        .doc(
            "roads",
            "title = \"Roads Notice\"\ndate = \"2023-06\"\n[taxonomies]\ntopics = [\"roads\"]",
            "",
        )
}

/// RFC 4180: fields separated by commas, records by line breaks, a field
/// with a comma, quote or line break quoted, a quote inside doubled.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(record.is_empty() && field.is_empty(), "the file ends with a line break");
    records
}

fn read(site: &Site, path: &str) -> String {
    std::fs::read_to_string(site.root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_catalogue_has_a_row_per_document_in_stable_columns() {
    let site = archive("").build();
    let rows = read_csv(&read(&site, "data/catalogue.csv"));
    assert_eq!(
        rows[0],
        [
            "slug",
            "url",
            "title",
            "original_title",
            "date",
            "date_precision",
            "type",
            "topics",
            "bodies",
            "authors",
            "translators",
            "held",
            "source_url",
            "cites"
        ]
    );
    assert_eq!(rows.len(), 3, "a header and two documents");
    let plan = &rows[1];
    assert_eq!(plan[0], "plan");
    assert_eq!(plan[1], "https://example.org/documents/plan/");
    assert_eq!(plan[2], HOSTILE, "escaped and read back");
    assert_eq!((plan[4].as_str(), plan[5].as_str()), ("2024-03-05", "day"));
    assert_eq!(plan[7], "data | roads");
    assert_eq!(plan[9], "Data Office | Roads Office");
    assert_eq!(
        (plan[11].as_str(), plan[13].as_str()),
        ("true", "1"),
        "held, and cites the notice"
    );
    assert_eq!(
        (rows[2][4].as_str(), rows[2][5].as_str(), rows[2][11].as_str()),
        ("2023-06", "month", "false")
    );

    let json: serde_json::Value = serde_json::from_str(&read(&site, "data/catalogue.json")).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["title"], HOSTILE);
    assert_eq!(list[0]["terms"]["topics"], serde_json::json!(["data", "roads"]));
    assert_eq!(list[1]["held"], false);
    let keys: Vec<&str> = list[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert!(keys.contains(&"date_precision") && keys.contains(&"cites"), "{keys:?}");
}

#[test]
fn a_documents_data_holds_its_text_with_the_anchors_of_its_page() {
    let site = archive("").build();
    let data: serde_json::Value = serde_json::from_str(&read(&site, "documents/plan/index.json")).unwrap();
    assert_eq!(data["title"], HOSTILE);
    assert_eq!(data["cites_documents"], serde_json::json!(["roads"]));
    assert_eq!(data["document_number"], "DO-7");
    let text = data["text"].as_array().unwrap();
    assert!(
        text.iter().any(|b| b["text"] == "It cites the Roads Notice."),
        "{text:?}"
    );
    let page = site.page("documents/plan/");
    for block in text {
        let anchor = block["anchor"].as_str().unwrap();
        assert_eq!(
            page.select(&format!("[id='{anchor}']")).len(),
            1,
            "#{anchor} is on the page"
        );
    }
    assert_eq!(data["note"][0]["text"], "A note.");
    let roads: serde_json::Value = serde_json::from_str(&read(&site, "documents/roads/index.json")).unwrap();
    assert_eq!(roads["cited_by"], serde_json::json!(["plan"]));
    assert_eq!(roads["text"], serde_json::json!([]), "a catalogue record has no text");
}

#[test]
fn the_data_can_be_switched_off() {
    let site = archive("[data]\nenabled = false\n").build();
    assert!(!site.exists("data/catalogue.json") && !site.exists("data/catalogue.csv"));
    assert!(!site.exists("documents/plan/index.json"));
}
