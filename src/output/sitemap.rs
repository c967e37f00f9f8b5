//! `sitemap.xml` (the sitemaps.org protocol) and `robots.txt`.
//!
//! Every page a reader may land on is listed: the pages that only lead to
//! another (`page/1/`), the search page and the page for missing pages are
//! not. A document's page carries its date as `lastmod`, as precise as the
//! date is known; list pages change with the archive and carry none. Above
//! [`MAX_URLS`] the protocol's limit, `sitemap.xml` becomes a sitemap index
//! of `sitemap-1.xml`, `sitemap-2.xml`... each of at most that many URLs.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::config::Config;
use crate::diag::Diagnostic;

/// The most URLs one sitemap file may list.
pub const MAX_URLS: usize = 50_000;

const NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// A page of the sitemap: its permalink, and its date if it has one.
pub struct Url {
    pub loc: String,
    pub lastmod: Option<String>,
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) {
    w.write_event(Event::Start(BytesStart::new(name)))
        .expect("writing to memory");
    w.write_event(Event::Text(BytesText::new(text)))
        .expect("writing to memory");
    w.write_event(Event::End(BytesEnd::new(name)))
        .expect("writing to memory");
}

/// A file of `root` (`urlset` or `sitemapindex`) whose children, named
/// `child`, each hold a `loc` and maybe a `lastmod`.
fn file<'a>(root: &str, child: &str, items: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .expect("writing to memory");
    let mut start = BytesStart::new(root);
    start.push_attribute(("xmlns", NAMESPACE));
    w.write_event(Event::Start(start)).expect("writing to memory");
    for (loc, lastmod) in items {
        w.write_event(Event::Start(BytesStart::new(child)))
            .expect("writing to memory");
        element(&mut w, "loc", loc);
        if let Some(lastmod) = lastmod {
            element(&mut w, "lastmod", lastmod);
        }
        w.write_event(Event::End(BytesEnd::new(child)))
            .expect("writing to memory");
    }
    w.write_event(Event::End(BytesEnd::new(root)))
        .expect("writing to memory");
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

/// Writes the sitemap of `urls` (and `robots.txt` when asked), each file
/// handed to `put`. Returns how many files were written.
pub fn write(urls: &[Url], config: &Config, put: &super::Put) -> Result<usize, Diagnostic> {
    let mut written = 0;
    if urls.len() <= MAX_URLS {
        let items = urls.iter().map(|u| (u.loc.as_str(), u.lastmod.as_deref()));
        put("sitemap.xml", &file("urlset", "url", items))?;
        written += 1;
    } else {
        let mut parts = Vec::new();
        for (n, chunk) in urls.chunks(MAX_URLS).enumerate() {
            let name = format!("sitemap-{}.xml", n + 1);
            let items = chunk.iter().map(|u| (u.loc.as_str(), u.lastmod.as_deref()));
            put(&name, &file("urlset", "url", items))?;
            parts.push(config.permalink(&name));
            written += 1;
        }
        let items = parts.iter().map(|p| (p.as_str(), None));
        put("sitemap.xml", &file("sitemapindex", "sitemap", items))?;
        written += 1;
    }
    if config.sitemap.robots {
        let robots = format!(
            "# Crawlers honour this file only at the root of a host.\nUser-agent: *\nAllow: /\n\nSitemap: {}\n",
            config.permalink("sitemap.xml")
        );
        put("robots.txt", robots.as_bytes())?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "title = \"T\"\nbase_url = \"https://x.org/a/\"\n[sitemap]\nrobots = false\n",
        )
        .unwrap();
        Config::load(dir.path(), &Default::default()).unwrap()
    }

    fn written(count: usize) -> std::collections::BTreeMap<String, String> {
        let urls: Vec<Url> = (0..count)
            .map(|n| Url {
                loc: format!("https://x.org/a/documents/d{n}/?q=1&r=<2>"),
                lastmod: (n % 2 == 0).then(|| "2024-01".to_string()),
            })
            .collect();
        let files = std::sync::Mutex::new(std::collections::BTreeMap::new());
        write(&urls, &config(), &|path: &str, bytes: &[u8]| {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            files.lock().unwrap().insert(path.to_string(), text);
            Ok(())
        })
        .unwrap();
        files.into_inner().unwrap()
    }

    fn locs(xml: &str, root: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        assert!(doc.root_element().has_tag_name((NAMESPACE, root)), "{root}");
        doc.descendants()
            .filter(|n| n.has_tag_name((NAMESPACE, "loc")))
            .map(|n| n.text().unwrap().to_string())
            .collect()
    }

    #[test]
    fn above_fifty_thousand_urls_the_sitemap_is_an_index_of_sitemaps() {
        let small = written(MAX_URLS);
        assert_eq!(small.keys().collect::<Vec<_>>(), ["sitemap.xml"]);
        let urls = locs(&small["sitemap.xml"], "urlset");
        assert_eq!(urls.len(), MAX_URLS);
        assert_eq!(
            urls[0], "https://x.org/a/documents/d0/?q=1&r=<2>",
            "escaped and read back"
        );

        let large = written(MAX_URLS + 1);
        assert_eq!(
            large.keys().collect::<Vec<_>>(),
            ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]
        );
        assert_eq!(
            locs(&large["sitemap.xml"], "sitemapindex"),
            ["https://x.org/a/sitemap-1.xml", "https://x.org/a/sitemap-2.xml"]
        );
        assert_eq!(locs(&large["sitemap-1.xml"], "urlset").len(), MAX_URLS);
        assert_eq!(
            locs(&large["sitemap-2.xml"], "urlset"),
            [format!("https://x.org/a/documents/d{MAX_URLS}/?q=1&r=<2>")]
        );
    }
}
