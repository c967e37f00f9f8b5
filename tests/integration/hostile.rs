//! Hostile content: whatever a title, term, name, seed or note holds, the
//! site has no markup, script or script URL that the archive did not
//! choose; raw HTML in markdown is sanitised unless the config allows it.

use crate::support::{CONFIG, Fixture, Site};

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>\\\"'&";

/// Script URLs as text: harmless wherever they are shown as text.
const SCHEMES: &str = "vbscript:msgbox(1) data:text/html,<b>bold</b> javascript:alert(1)";

/// Raw HTML in a note that tries every way of putting a script URL or a
/// script into a page: each scheme, disguised by case, spaces, control
/// characters and character references, in every attribute that holds a
/// URL.
const RAW_HTML: &str = r#"<div onclick="alert(4)"><script>alert(5)</script><a href="javascript:alert(6)">x</a>
<img src="x" onerror="alert(7)"><span class="kept" style="color:red">kept</span>
<a href="vbscript:msgbox(8)">v</a><a href="data:text/html;base64,PHNjcmlwdD4=">d</a>
<a href=" &#x4A;avaScript&#x3A;alert(9)">e</a><a href="java&#9;script:alert(10)">t</a>
<a href="&#1;VBScript:msgbox(11)">c</a><img src="DATA:image/svg+xml,&lt;svg onload=alert(12)&gt;">
<form action="javascript:alert(13)"><button formaction="vbscript:msgbox(14)">b</button></form>
<img srcset="x.png 1x, javascript:alert(15) 2x"><video poster="javascript:alert(16)"></video>
<object data="data:text/html,x"></object><svg><a xlink:href="javascript:alert(17)"><text>x</text></a></svg>
<iframe srcdoc="&lt;script&gt;alert(18)&lt;/script&gt;"></iframe>
<meta http-equiv="refresh" content="0;url=javascript:alert(19)"></div>
"#;

fn hostile() -> Fixture {
    let title = format!("Plan {XSS} {SCHEMES}");
    Fixture::new()
        .file("seeds/a.txt", &format!("I. Part {XSS}\n\nText with {XSS} in it, and the Other {XSS}. {SCHEMES}\n"))
        .file(
            "content/entities.toml",
            &format!("[[entity]]\nname = \"Agency {XSS}\"\nkind = \"organisation\"\ndescription = \"{XSS}\"\n"),
        )
        .doc(
            "a",
            &format!(
                "title = \"{title}\"\ndate = 2021-01-01\nseed = \"seeds/a.txt\"\nsummary = \"{XSS} {SCHEMES}\"\n\
                 original_title = \"{XSS}\"\nauthors = [\"{XSS}\"]\nsource_url = \"https://example.org/?q=\\\"><script>alert(3)</script>\"\n\
                 archived_url = \"https://example.org/?u=javascript:alert(1)&v=vbscript:msgbox(1)\"\n\
                 [taxonomies]\ntopics = [\"{XSS}\", \"{SCHEMES}\"]\n[extra]\nnote = \"{XSS}\""
            ),
            &format!(
                "A note that mentions Agency {XSS} and cites [the other](@/b), \
                 [vbscript:msgbox(1)](https://example.org/ \"data:text/html,x\").\n\n{RAW_HTML}"
            ),
        )
        .doc("b", &format!("title = \"Other {XSS}\"\ndate = 2020-01-01"), &format!("Body {XSS}."))
}

/// Elements that run or load active content, or redirect every relative
/// link of a page. The default theme writes none of them.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
];

/// Attributes whose value a browser follows or loads as a URL. Names are as
/// the parser gives them: `xlink:href` arrives as `href`.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "imagesrcset",
    "poster",
    "data",
    "background",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "manifest",
    "codebase",
    "classid",
    "archive",
    "ping",
    "icon",
    "profile",
    "usemap",
];

/// Whether a URL, as a browser would read it, runs code or carries a page
/// of its own. Browsers drop leading control characters and spaces, drop
/// tabs and newlines anywhere, and ignore the case of the scheme; this
/// drops every control character and white space, which is stricter.
fn is_script_url(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|scheme| squeezed.starts_with(scheme))
}

/// The default theme's own script on document pages, `reading.js` from the
/// site's root: the one script a page may hold, and never one an archive's
/// text can add or change.
fn is_theme_script(element: &scraper::ElementRef) -> bool {
    let e = element.value();
    let reading = e.attr("src") == Some("/reading.js") && e.attrs().all(|(name, _)| matches!(name, "src" | "defer"));
    let search = e.attr("src") == Some("/search.js")
        && e.attr("type") == Some("module")
        && e.attrs().all(|(name, _)| matches!(name, "src" | "type"));
    // A data block: the browser runs no script of this type. Its text must
    // be the JSON it claims to be, with no `<` that could end it early.
    let json_ld = e.attr("type") == Some("application/ld+json")
        && e.attrs().all(|(name, _)| name == "type")
        && !element.inner_html().contains('<')
        && serde_json::from_str::<serde_json::Value>(&element.text().collect::<String>()).is_ok();
    e.name() == "script" && (((reading || search) && element.inner_html().is_empty()) || json_ld)
}

/// Everything on the pages of `site` that could run a script: active
/// elements, event handlers, `srcdoc`, and URL attributes (and refresh
/// targets) with a script scheme. Attribute values are read after the
/// parser decoded their character references.
fn active_content(site: &Site) -> Vec<String> {
    let mut found = Vec::new();
    let mut pages = 0;
    for path in site.tree().keys().filter(|p| p.ends_with(".html")) {
        let page = site.page(path);
        for element in page.select("*") {
            let name = element.value().name();
            if ACTIVE_ELEMENTS.contains(&name) && !is_theme_script(&element) {
                found.push(format!("{path}: <{name}> element: {}", element.html()));
            }
            for (attr, value) in element.value().attrs() {
                let attr = attr.to_ascii_lowercase();
                let urls: Vec<&str> = match attr.as_str() {
                    "srcset" | "imagesrcset" => value.split(',').collect(),
                    "content" if element.value().attr("http-equiv").is_some() => {
                        value.split_once('=').map(|(_, url)| url).into_iter().collect()
                    }
                    a if URL_ATTRIBUTES.contains(&a) => vec![value],
                    _ => Vec::new(),
                };
                if attr.starts_with("on") || attr == "srcdoc" {
                    found.push(format!("{path}: <{name} {attr}={value:?}>"));
                } else if urls.into_iter().any(is_script_url) {
                    found.push(format!("{path}: <{name} {attr}={value:?}> is a script URL"));
                }
            }
        }
        pages += 1;
    }
    assert!(pages > 8, "only {pages} pages were checked");
    found
}

/// No page of `site` holds anything that could run a script.
fn assert_inert(site: &Site) {
    let found = active_content(site);
    assert!(found.is_empty(), "active content:\n{}", found.join("\n"));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let site = hostile().build();
    assert_inert(&site);
    let page = site.page("documents/a/");
    let title = page.one_text("h1");
    assert!(
        title.contains("<script>alert(1)</script>") && title.contains("vbscript:msgbox(1) data:text/html,<b>bold</b>"),
        "the title shows as text: {title}"
    );
    // The raw HTML of the note is sanitised, keeping what is harmless.
    assert_eq!(page.texts(".note span.kept"), ["kept"]);
    assert!(!page.select(".note").is_empty() && page.select(".note [style]").is_empty());
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
    // Kept as written, every trick of the note is found by the check the
    // other tests rely on: it cannot pass by looking in the wrong place.
    let found = active_content(&site).join("\n");
    for trick in [
        "<script> element",
        "<div onclick=",
        "<img onerror=",
        "alert(6)",
        "msgbox(8)",
        "PHNjcmlwdD4=",
        "alert(9)",
        "alert(10)",
        "msgbox(11)",
        "alert(12)",
        "alert(13)",
        "msgbox(14)",
        "alert(15)",
        "alert(16)",
        "<object data=",
        "alert(17)",
        "<iframe> element",
        "<iframe srcdoc=",
        "alert(19)",
    ] {
        assert!(found.contains(trick), "{trick} was not found in:\n{found}");
    }
}

#[test]
fn script_urls_in_links_are_errors() {
    for (body, url) in [
        ("[click](javascript:alert(1))", "javascript:alert(1)"),
        ("[click]( JaVaScRiPt:alert(1) )", "JaVaScRiPt:alert(1)"),
        ("[click](&#x6A;avascript:alert(1))", "javascript:alert(1)"),
        ("[click](vbscript:msgbox(1))", "vbscript:msgbox(1)"),
        ("[click](VBScript:msgbox(1))", "VBScript:msgbox(1)"),
        ("<vbscript:msgbox(1)>", "vbscript:msgbox(1)"),
        ("[click](data:text/html,hi)", "data:text/html,hi"),
        ("[click][r]\n\n[r]: DATA:text/html,hi", "DATA:text/html,hi"),
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
}

#[test]
fn source_and_archived_urls_must_be_web_addresses() {
    for (key, url) in [
        ("source_url", "javascript:alert(1)"),
        ("source_url", "vbscript:msgbox(1)"),
        ("source_url", "data:text/html,hi"),
        ("archived_url", " VBScript:msgbox(1)"),
        ("archived_url", "data:text/html;base64,PHNjcmlwdD4="),
    ] {
        let err = Fixture::new()
            .doc("a", &format!("title = \"A\"\n{key} = \"{url}\""), "")
            .build_err();
        assert!(err.contains(&format!("`{url}` is not an http(s) URL")), "{err}");
        assert!(err.contains(&format!("content/a.md:3:{}", key.len() + 4)), "{err}");
    }
}
