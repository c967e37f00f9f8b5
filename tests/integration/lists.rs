//! List pages: every list is cut into pages of `[pagination]`'s size at
//! stable URLs, linked to each other in the head and by a pager; the
//! timeline reaches any month in two clicks; its chart is labelled and
//! holds no links; and no list page of the benchmark corpus grows past a
//! bound.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{CONFIG, Fixture, Page, Site};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `n` documents: all under the topic `data`, each also under one of five
/// other topics; in October to December 2021 but every seventh, which is
/// in 2020; every other one mentions the entity MIIT.
fn archive(n: usize, page_size: usize) -> Fixture {
    let config = format!("{CONFIG}\n[pagination]\npage_size = {page_size}\nindex_page_size = 4\nlatest = 3\n");
    let mut f = Fixture::new().file("config.toml", &config).file(
        "content/entities.toml",
        "[[entity]]\nname = \"MIIT\"\nkind = \"organisation\"\n",
    );
    for i in 0..n {
        let (year, month) = if i % 7 == 6 { (2020, 5) } else { (2021, 10 + i % 3) };
        let body = if i % 2 == 0 { "It names MIIT." } else { "Plain." };
        f = f.doc(
            &format!("d{i:02}"),
            &format!(
                "title = \"Document {i:02}\"\ndate = {year}-{month:02}-{:02}\n[taxonomies]\ntopics = [\"data\", \"t{}\"]",
                1 + i % 28,
                i % 5
            ),
            body,
        );
    }
    f
}

/// The site path of a root-relative URL, without its fragment.
fn path_of(url: &str) -> &str {
    url.split('#').next().unwrap_or(url).trim_start_matches('/')
}

/// Every page of the list starting at `first`, following `rel=next` in the
/// head: each page's path and the titles it lists.
fn walk(site: &Site, first: &str) -> Vec<(String, Vec<String>)> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next {
        let page = site.page(&path);
        let next_url = page.attrs("link[rel=next]", "href");
        pages.push((path, page.texts(".doc-title")));
        next = next_url.first().map(|u| path_of(u).to_string());
        assert!(pages.len() < 100, "rel=next goes round in circles");
    }
    pages
}

#[test]
fn long_lists_are_cut_into_pages_at_stable_urls() {
    let site = archive(25, 4).build();
    let whole = archive(25, 1000).build();
    for (list, count) in [("topics/data/", 25), ("timeline/2021/", 22), ("entities/miit/", 13)] {
        let pages = walk(&site, list);
        let paths: Vec<String> = pages.iter().map(|(p, _)| p.clone()).collect();
        let expected: Vec<String> = (1..=pages.len())
            .map(|n| match n {
                1 => list.to_string(),
                n => format!("{list}page/{n}/"),
            })
            .collect();
        assert_eq!(paths, expected, "{list}");
        assert!(pages.len() >= count / 4, "{list}: {paths:?}");
        for (path, titles) in &pages {
            assert!(!titles.is_empty() && titles.len() <= 4, "{path}: {titles:?}");
        }
        // The pages together list what one long page lists, in order.
        let listed: Vec<String> = pages.into_iter().flat_map(|(_, t)| t).collect();
        assert_eq!(listed.len(), count, "{list}");
        assert_eq!(listed, whole.page(list).texts(".doc-title"), "{list}");
        assert!(!whole.exists(&format!("{list}page/2/index.html")), "{list}");
        assert!(!site.exists(&format!("{list}page/{}/index.html", paths.len() + 1)));
        // page/1/ leads to the first page.
        let one = site.page(&format!("{list}page/1/"));
        let target = format!("/{list}");
        assert_eq!(
            one.attrs("meta[http-equiv=refresh]", "content"),
            [format!("0; url={target}")]
        );
        assert_eq!(
            one.attrs("link[rel=canonical]", "href"),
            [format!("https://example.org{target}")]
        );
        assert_eq!(one.attrs("a", "href"), [target]);
    }
    // Six topics, four to a page of the index; the home page lists the
    // three latest documents and links to all of them.
    assert_eq!(site.page("topics/").texts(".term-index a").len(), 4);
    assert_eq!(site.page("topics/page/2/").texts(".term-index a"), ["t3", "t4"]);
    // A list of one page has no pager and no neighbours.
    let short = site.page("timeline/2020/");
    assert_eq!(short.texts(".doc-title").len(), 3);
    assert!(short.select("nav.pager, link[rel=next], link[rel=prev]").is_empty());
    assert!(!site.exists("timeline/2020/page/1/index.html"));
    let home = site.page("");
    assert_eq!(home.select("#latest + ul .doc-item").len(), 3);
    assert_eq!(home.attrs("#latest ~ .more a", "href"), ["/timeline/"]);
}

#[test]
fn pages_name_their_neighbours_in_the_head_and_in_the_pager() {
    let site = archive(25, 2).build();
    let head = |page: &Page, rel: &str| page.attrs(&format!("link[rel={rel}]"), "href");
    let first = site.page("topics/data/");
    assert_eq!(head(&first, "prev"), Vec::<String>::new());
    assert_eq!(head(&first, "next"), ["/topics/data/page/2/"]);
    let second = site.page("topics/data/page/2/");
    assert_eq!(head(&second, "prev"), ["/topics/data/"]);
    assert_eq!(head(&second, "next"), ["/topics/data/page/3/"]);
    assert_eq!(second.attrs("nav.pager a[rel=prev]", "href"), ["/topics/data/"]);
    assert_eq!(second.attrs("nav.pager a[rel=next]", "href"), ["/topics/data/page/3/"]);
    assert_eq!(second.texts("nav.pager a[aria-current=page]"), ["2"]);
    assert_eq!(second.attrs("nav.pager", "aria-label"), ["Pages of this list"]);
    // The pager shows the ends and the neighbourhood, with gaps between.
    let last_path = walk(&site, "topics/data/").pop().unwrap().0;
    let total: usize = last_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 10, "{total}");
    let numbers = first.texts("nav.pager li:not(.pager-next)");
    assert_eq!(numbers, ["1", "2", "3", "…", &total.to_string()]);
    let last = site.page(&last_path);
    assert_eq!(head(&last, "next"), Vec::<String>::new());
    assert_eq!(last.texts("nav.pager a[aria-current=page]"), [total.to_string()]);
    assert_eq!(
        site.page("topics/data/page/6/")
            .texts("nav.pager li:not(.pager-prev):not(.pager-next)"),
        ["1", "…", "4", "5", "6", "7", "8", "…", &total.to_string()]
    );
}

#[test]
fn every_link_of_the_paginated_lists_resolves() {
    archive(25, 3).build().assert_links_resolve();
}

/// The path and the page a link leads to.
fn follow(site: &Site, url: &str) -> (String, Page) {
    let path = path_of(url).to_string();
    (path.clone(), site.page(&path))
}

#[test]
fn every_document_is_in_its_month_two_clicks_from_the_timeline() {
    let f = archive(25, 3);
    let site = f.build();
    let timeline = site.page("timeline/");
    for i in 0..25 {
        let (year, month) = if i % 7 == 6 { (2020, 5) } else { (2021, 10 + i % 3) };
        let title = format!("Document {i:02}");
        // First click: the month in its year's row of the timeline.
        let row = format!(".timeline-years > li:has(h3 a[href='/timeline/{year}/'])");
        let links = timeline.attrs(&format!("{row} .timeline-months .month-{month} a"), "href");
        assert_eq!(links.len(), 1, "{year}-{month}: {links:?}");
        let anchor = format!("m-{month:02}");
        assert!(links[0].ends_with(&format!("#{anchor}")), "{}", links[0]);
        let (mut path, mut page) = follow(&site, &links[0]);
        // It lands on the month's heading, where the month begins.
        let heading = page.one_text(&format!("h2[id='{anchor}']"));
        assert_eq!(heading.split(' ').next(), Some(MONTHS[month - 1]), "{path}");
        assert!(
            page.select(&format!("h2[id='{anchor}'] .continued")).is_empty(),
            "{path}"
        );
        // The document is listed under it, on this page or where the month
        // goes on.
        let section = format!("section[aria-labelledby='{anchor}']");
        let mut seen = Vec::new();
        loop {
            let titles = page.texts(&format!("{section} .doc-title"));
            if titles.contains(&title) {
                break;
            }
            seen.push(path.clone());
            let next = page.attrs(&format!("{section} .continues a"), "href");
            assert_eq!(next.len(), 1, "{title} is not in {anchor} on {seen:?}");
            (path, page) = follow(&site, &next[0]);
            assert_eq!(page.select(&format!("h2[id='{anchor}'] .continued")).len(), 1, "{path}");
        }
    }
}

#[test]
fn a_month_cut_by_a_page_says_so_on_both_pages() {
    let site = archive(25, 3).build();
    // October 2021 has seven documents: three pages of three.
    let first = site.page("timeline/2021/");
    let cut = first.select("section:has(.continues)");
    assert_eq!(cut.len(), 1);
    let next = first.attrs(".continues a", "href");
    assert_eq!(next, ["/timeline/2021/page/2/"]);
    let second = site.page("timeline/2021/page/2/");
    let headings = second.texts("h2");
    assert!(headings[0].contains(", continued"), "{headings:?}");
    assert_eq!(
        second.attrs("h2", "id")[0],
        first.attrs("section:has(.continues) h2", "id")[0]
    );
}

/// Documents over the years given, `count(year)` in each.
fn years(range: std::ops::RangeInclusive<i32>, count: impl Fn(i32) -> usize) -> Fixture {
    let mut f = Fixture::new();
    for year in range {
        for n in 0..count(year) {
            f = f.doc(
                &format!("y{year}-{n}"),
                &format!("title = \"Of {year}, {n}\"\ndate = {year}-01-{:02}", n % 28 + 1),
                "",
            );
        }
    }
    f
}

fn assert_chart_is_labelled(page: &Page, years: &[i32], counts: &[usize]) -> Vec<i32> {
    let svg = page.select(".timeline-chart svg");
    assert_eq!(svg.len(), 1);
    let svg = svg[0].value();
    assert_eq!(svg.attr("role"), Some("img"));
    assert_eq!(svg.attr("aria-labelledby"), Some("chart-title"));
    let alt = page.one_text("svg > title#chart-title");
    assert!(alt.contains(&years[0].to_string()), "{alt}");
    // Nothing to click or focus inside the picture.
    assert!(page.select("svg a, svg [href], svg [tabindex]").is_empty());
    // Drawn at its own size: the box and the size agree, nothing stretched.
    let (w, h) = (svg.attr("width").unwrap(), svg.attr("height").unwrap());
    assert_eq!(svg.attr("viewBox"), Some(format!("0 0 {w} {h}").as_str()));
    assert_eq!(svg.attr("preserveAspectRatio"), None);
    // A count above every bar, in the order of the years.
    let shown: Vec<String> = page.texts("svg text.bar-count");
    let expected: Vec<String> = counts.iter().map(usize::to_string).collect();
    assert_eq!(shown, expected);
    assert_eq!(page.select("svg rect").len(), years.len());
    // And every year, with its count, as a link beside the picture.
    let listed: Vec<String> = page.texts(".timeline-years h3 a");
    let mut newest_first: Vec<String> = years.iter().map(i32::to_string).collect();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    page.texts("svg text.bar-year")
        .iter()
        .map(|y| y.parse().expect("a year label is a year"))
        .collect()
}

#[test]
fn the_chart_is_labelled_and_holds_no_links() {
    let one = years(2021..=2021, |_| 3).build();
    assert_eq!(assert_chart_is_labelled(&one.page("timeline/"), &[2021], &[3]), [2021]);
    let forty = years(1985..=2024, |y| (y % 4) as usize + 1).build();
    let all: Vec<i32> = (1985..=2024).collect();
    let counts: Vec<usize> = all.iter().map(|y| (y % 4) as usize + 1).collect();
    let labels = assert_chart_is_labelled(&forty.page("timeline/"), &all, &counts);
    // Every second year labelled: forty labels would touch.
    assert_eq!(labels, (1986..=2024).step_by(2).collect::<Vec<_>>());
    let width: usize = forty.page("timeline/").attrs(".timeline-chart svg", "width")[0]
        .parse()
        .unwrap();
    assert!(width <= 1000, "forty years fit a desktop page: {width}");
}

/// make_corpus.py, the benchmark generator, from ../shared beside this
/// repository (as `shipped::benchmark_corpus_format_builds` finds it).
fn make_corpus(docs: usize, out: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository has a parent folder")
        .join("shared/bench/make_corpus.py");
    assert!(
        script.is_file(),
        "the benchmark corpus generator make_corpus.py is missing: expected at {}",
        script.display()
    );
    let made = Command::new("python3")
        .arg(&script)
        .args(["--docs", &docs.to_string(), "--forms", "annals", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    out.join("annals")
}

#[test]
fn no_list_page_of_the_benchmark_corpus_grows_past_a_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let root = make_corpus(400, tmp.path());
    let config = std::fs::read_to_string(root.join("config.toml")).unwrap();
    std::fs::write(
        root.join("config.toml"),
        format!("{config}\n[pagination]\npage_size = 10\nindex_page_size = 30\n"),
    )
    .unwrap();
    let out = tmp.path().join("site");
    let built = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["build", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let site = Site::at(out);
    let mut lists = 0;
    for (path, bytes) in site.tree() {
        if !path.ends_with(".html") || path.starts_with("documents/") {
            continue;
        }
        // The timeline's overview grows with the years (26 here), not with
        // the documents; every other list page with its page size.
        assert!(bytes.len() <= 40_000, "{path} has {} bytes", bytes.len());
        let items = site.page(&path).select(".doc-item, .term-index li").len();
        assert!(items <= 30, "{path} lists {items}");
        lists += 1;
    }
    // 400 documents: at 10 a page, the types alone take more than 40 pages.
    assert!(lists > 300, "{lists} list pages");
}
