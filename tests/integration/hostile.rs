//! Hostile content: whatever a title, term, name, seed or note holds, the
//! site has no markup, script or script URL that the archive did not
//! choose; raw HTML in markdown is sanitised unless the config allows it.

use crate::support::{CONFIG, Fixture, Site};

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>\\\"'&";

fn hostile() -> Fixture {
    let title = format!("Plan {XSS}");
    Fixture::new()
        .file("seeds/a.txt", &format!("I. Part {XSS}\n\nText with {XSS} in it, and the Other {XSS}.\n"))
        .file(
            "content/entities.toml",
            &format!("[[entity]]\nname = \"Agency {XSS}\"\nkind = \"organisation\"\ndescription = \"{XSS}\"\n"),
        )
        .doc(
            "a",
            &format!(
                "title = \"{title}\"\ndate = 2021-01-01\nseed = \"seeds/a.txt\"\nsummary = \"{XSS}\"\n\
                 original_title = \"{XSS}\"\nauthors = [\"{XSS}\"]\nsource_url = \"https://example.org/?q=\\\"><script>alert(3)</script>\"\n\
                 [taxonomies]\ntopics = [\"{XSS}\"]\n[extra]\nnote = \"{XSS}\""
            ),
            &format!(
                "A note that mentions Agency {XSS} and cites [the other](@/b).\n\n\
                 <div onclick=\"alert(4)\"><script>alert(5)</script><a href=\"javascript:alert(6)\">x</a>\
                 <img src=\"x\" onerror=\"alert(7)\"><span class=\"kept\" style=\"color:red\">kept</span></div>\n"
            ),
        )
        .doc("b", &format!("title = \"Other {XSS}\"\ndate = 2020-01-01"), &format!("Body {XSS}."))
}

/// Every page has no script element and no event-handler attribute, no
/// link or source with a script URL, and the hostile text shows as text.
fn assert_inert(site: &Site) {
    let mut pages = 0;
    for path in site.tree().keys().filter(|p| p.ends_with(".html")) {
        let page = site.page(path);
        for element in page.select("*") {
            let name = element.value().name();
            assert!(
                name != "script" || !element.inner_html().contains("alert"),
                "{path}: a script ran into the page: {}",
                element.html()
            );
            for (attr, value) in element.value().attrs() {
                assert!(!attr.starts_with("on"), "{path}: event handler {attr}={value}");
                if matches!(attr, "href" | "src" | "action" | "formaction") {
                    assert!(
                        !value.trim().to_lowercase().starts_with("javascript:"),
                        "{path}: {attr}={value}"
                    );
                }
            }
        }
        pages += 1;
    }
    assert!(pages > 8, "only {pages} pages");
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let site = hostile().build();
    assert_inert(&site);
    let page = site.page("documents/a/");
    assert!(
        page.texts("h1").iter().any(|t| t.contains("<script>alert(1)</script>")),
        "the title shows as text: {:?}",
        page.texts("h1")
    );
    // The raw HTML of the note is sanitised, keeping what is harmless.
    assert_eq!(page.texts(".note span.kept"), ["kept"]);
    assert!(page.select(".note [style]").is_empty(), "styles are dropped");
    // The graph export is JSON, whatever the titles hold.
    let graph: serde_json::Value = serde_json::from_slice(&site.tree()["graph.json"]).expect("valid JSON");
    assert!(graph["nodes"].to_string().contains("alert(1)"));
}

#[test]
fn raw_html_passes_through_only_when_the_config_says_so() {
    let site = hostile()
        .file("config.toml", &format!("{CONFIG}\n[markdown]\nunsafe_html = true\n"))
        .build();
    let page = site.page("documents/a/");
    assert_eq!(page.select(".note div[onclick]").len(), 1, "kept as written");
    assert_eq!(page.select(".note span[style]").len(), 1);
}

#[test]
fn script_urls_in_links_are_errors() {
    for (body, url) in [
        ("[click](javascript:alert(1))", "javascript:alert(1)"),
        ("[click]( JaVaScRiPt:alert(1) )", "JaVaScRiPt:alert(1)"),
        (
            "![image](data:text/html;base64,PHNjcmlwdD4=)",
            "data:text/html;base64,PHNjcmlwdD4=",
        ),
    ] {
        let err = Fixture::new()
            .doc("a", "title = \"A\"\ndate = 2021-01-01", &format!("Intro.\n\n{body}\n"))
            .build_err();
        assert!(err.contains(&format!("error: link to a script URL `{url}`")), "{err}");
        assert!(err.contains("content/a.md:7:1"), "{err}");
    }
    let err = Fixture::new()
        .doc("a", "title = \"A\"\nsource_url = \"javascript:alert(1)\"", "")
        .build_err();
    assert!(err.contains("`javascript:alert(1)` is not an http(s) URL"), "{err}");
    assert!(err.contains("content/a.md:3:14"), "{err}");
}
