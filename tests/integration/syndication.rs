//! Atom feeds, the sitemap and robots.txt, each read back with an XML
//! parser of its own (roxmltree), not the crates that wrote them.

use crate::support::{CONFIG, Fixture, Site};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const HOSTILE: &str = "Plan <b>&amp;</b> \"quotes\" & 'apostrophes' 数字中国";

fn archive(extra_config: &str) -> Fixture {
    Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n{extra_config}"))
        .doc(
            "newest",
            &format!("title = {HOSTILE:?}\ndate = 2024-03-05\nsummary = \"Summary of the newest.\"\nauthors = [\"Data Office\"]\n[taxonomies]\ntopics = [\"data\"]"),
            "Text.",
        )
        .doc("middle", "title = \"Middle\"\ndate = \"2023-06\"\n[taxonomies]\ntopics = [\"data\", \"roads\"]", "Text.")
        .doc("oldest", "title = \"Oldest\"\ndate = \"2001\"\n[taxonomies]\ntopics = [\"data\"]", "Text.")
        .doc("undated", "title = \"Undated\"\n[taxonomies]\ntopics = [\"data\", \"undated-only\"]", "Text.")
}

fn read(site: &Site, path: &str) -> String {
    std::fs::read_to_string(site.root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A child element's text, by local name.
fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children().find(|c| c.has_tag_name((ATOM, name)))?.text()
}

/// Checks RFC 4287's required elements (4.1.1, 4.1.2) and returns each
/// entry's title and alternate link.
fn atom_entries(xml: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "the root is atom:feed");
    for required in ["id", "title", "updated"] {
        assert!(child_text(feed, required).is_some(), "atom:feed has atom:{required}");
    }
    let self_link = feed
        .children()
        .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("self"));
    assert!(self_link.is_some(), "a feed links to itself");
    let feed_author = feed.children().any(|c| c.has_tag_name((ATOM, "author")));
    let updated = child_text(feed, "updated").unwrap();
    assert!(chrono_like(updated), "atom:updated is an RFC 3339 date-time: {updated}");
    feed.children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .map(|entry| {
            for required in ["id", "title", "updated"] {
                assert!(child_text(entry, required).is_some(), "atom:entry has atom:{required}");
            }
            assert!(
                feed_author || entry.children().any(|c| c.has_tag_name((ATOM, "author"))),
                "every entry has an author, its own or the feed's"
            );
            let alternate = entry
                .children()
                .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel").unwrap_or("alternate") == "alternate")
                .and_then(|l| l.attribute("href"))
                .expect("an entry links to its document");
            (child_text(entry, "title").unwrap().to_string(), alternate.to_string())
        })
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SS` and an offset, as RFC 3339 writes it.
fn chrono_like(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && (s.ends_with('Z') || s[19..].starts_with('+') || s[19..].starts_with('-'))
}

#[test]
fn feeds_list_the_newest_dated_documents_and_pages_link_to_them() {
    let site = archive("[feeds]\nentries = 2\n").build();
    let entries = atom_entries(&read(&site, "atom.xml"));
    assert_eq!(
        entries,
        [
            (HOSTILE.to_string(), "https://example.org/documents/newest/".to_string()),
            (
                "Middle".to_string(),
                "https://example.org/documents/middle/".to_string()
            ),
        ],
        "newest first, at most `entries`, undated left out"
    );
    let topic = atom_entries(&read(&site, "topics/roads/atom.xml"));
    assert_eq!(
        topic,
        [(
            "Middle".to_string(),
            "https://example.org/documents/middle/".to_string()
        )]
    );
    assert!(
        !site.exists("topics/undated-only/atom.xml"),
        "no dated document, no feed"
    );
    let xml = read(&site, "atom.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name((ATOM, "summary")))
        .and_then(|n| n.text());
    assert_eq!(summary, Some("Summary of the newest."));
    for (page, feed) in [("", "/atom.xml"), ("topics/data/", "/topics/data/atom.xml")] {
        let links = site
            .page(page)
            .attrs("link[rel=alternate][type='application/atom+xml']", "href");
        assert_eq!(links, [feed], "{page}");
    }
    assert!(
        site.page("topics/undated-only/")
            .attrs("link[type='application/atom+xml']", "href")
            .is_empty()
    );
    assert!(
        site.page("documents/newest/")
            .attrs("link[type='application/atom+xml']", "href")
            .is_empty()
    );
}

#[test]
fn the_sitemap_lists_every_page_a_reader_lands_on() {
    let site = archive("").build();
    let xml = read(&site, "sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    assert!(doc.root_element().has_tag_name((SITEMAP, "urlset")));
    let mut listed = std::collections::BTreeMap::new();
    for url in doc.root_element().children().filter(|c| c.is_element()) {
        let text = |name| {
            url.children()
                .find(|c| c.has_tag_name((SITEMAP, name)))
                .and_then(|c| c.text())
        };
        let loc = text("loc").expect("every url has a loc");
        let path = loc
            .strip_prefix("https://example.org/")
            .expect("absolute, under base_url");
        listed.insert(path.to_string(), text("lastmod").map(str::to_string));
    }
    let pages: std::collections::BTreeSet<String> = site
        .tree()
        .keys()
        .filter_map(|p| p.strip_suffix("index.html").map(str::to_string))
        .filter(|p| !p.ends_with("page/1/") && p != "search/")
        .collect();
    assert_eq!(listed.keys().cloned().collect::<std::collections::BTreeSet<_>>(), pages);
    assert_eq!(listed["documents/newest/"].as_deref(), Some("2024-03-05"));
    assert_eq!(listed["documents/middle/"].as_deref(), Some("2023-06"));
    assert_eq!(listed["documents/undated/"], None);
    assert_eq!(listed["topics/data/"], None);
    let robots = read(&site, "robots.txt");
    assert!(
        robots.lines().any(|l| l == "Sitemap: https://example.org/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn feeds_sitemap_and_robots_can_each_be_switched_off() {
    let site = archive("[feeds]\nenabled = false\n[sitemap]\nrobots = false\n").build();
    assert!(!site.exists("atom.xml") && !site.exists("topics/data/atom.xml"));
    assert!(
        site.page("")
            .attrs("link[type='application/atom+xml']", "href")
            .is_empty()
    );
    assert!(site.exists("sitemap.xml") && !site.exists("robots.txt"));
    let site = archive("[sitemap]\nenabled = false\n").build();
    assert!(!site.exists("sitemap.xml") && !site.exists("robots.txt"));
    assert!(site.exists("atom.xml"));
}

#[test]
fn a_static_robots_txt_is_kept_when_annals_is_told_not_to_write_one() {
    let f = archive("").file("static/robots.txt", "User-agent: *\nDisallow: /drafts/\n");
    let err = f.build_err();
    assert!(err.contains("robots.txt") && err.contains("robots = false"), "{err}");
    let site = archive("[sitemap]\nrobots = false\n")
        .file("static/robots.txt", "User-agent: *\nDisallow: /drafts/\n")
        .build();
    assert_eq!(read(&site, "robots.txt"), "User-agent: *\nDisallow: /drafts/\n");
}
