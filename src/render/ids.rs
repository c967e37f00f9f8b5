//! Ids on a document page: which ones annals and the default theme use,
//! and what an author's own id becomes so that every id on a page is unique.
//!
//! A page's ids come from three places: the theme's templates (`main`, the
//! skip link's target, and the headings of the page's sections), the anchors
//! annals gives the text's and the note's blocks (`p-3`, `sec-…`, `box-7`,
//! `page-2`, `note-…`, and `fn-…` for footnotes), and authors: a markdown
//! heading's `{#id}`, or an `id` in raw HTML. An author's id that has the
//! form of one of the first two is *reserved*: it is renamed to `id-` and
//! the id (`main` becomes `id-main`), and the analysis warns at its line.
//! In a curator's note every anchor starts with `note-`, an author's too
//! (`{#sources}` becomes `note-sources`), so the note's ids never meet the
//! text's. Within one text, a repeated id gets `-2`, `-3`... like repeated
//! headings. This module holds the rules; the markdown walk and the
//! sanitiser apply them.

/// Ids the default theme's templates write.
pub const THEME_IDS: &[&str] = &[
    "main",
    "toc-title",
    "note-title",
    "cite-title",
    "citation",
    "entities-title",
    "cites-title",
    "cited-in-note-title",
    "cited-by-title",
    "related-title",
    "latest",
    "browse",
    "undated",
    "chart-title",
    "site-q",
    "q",
    "search-help",
];

/// Beginnings of the ids annals makes: blocks' anchors, footnotes, the
/// prefix of renamed ids, and the theme's year, kind and month headings.
pub const RESERVED_PREFIXES: &[&str] = &[
    "p-", "sec-", "box-", "page-", "note-", "fn-", "id-", "y-", "kind-", "m-",
];

/// The prefix a reserved id gets.
const RENAMED: &str = "id-";

/// Whether an author may not use `id` as it is.
pub fn is_reserved(id: &str) -> bool {
    THEME_IDS.contains(&id) || RESERVED_PREFIXES.iter().any(|p| id.starts_with(p))
}

/// What an author's `id` becomes in a text whose anchors start with
/// `prefix` (`note-` in a curator's note), before repeats are numbered.
pub fn author_id(id: &str, prefix: &str) -> String {
    if is_reserved(id) {
        format!("{prefix}{RENAMED}{id}")
    } else {
        format!("{prefix}{id}")
    }
}

/// Why an id that [`is_reserved`] is: for a warning ("the id `main` ...").
pub fn reserved_for(id: &str) -> &'static str {
    match id {
        "main" => "is the target of the page's skip link",
        _ if THEME_IDS.contains(&id) => "is an id of the theme's templates",
        _ if id.starts_with(RENAMED) => "has the form annals gives renamed ids",
        _ if id.starts_with("fn-") => "has the form of footnotes' ids",
        _ if ["y-", "kind-", "m-"].iter().any(|p| id.starts_with(p)) => "has the form of the theme's heading ids",
        _ => "has the form of the anchors annals gives paragraphs and sections",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_s_ids_and_anchor_forms_are_reserved() {
        for id in [
            "main",
            "toc-title",
            "p-1",
            "sec-intro",
            "box-2",
            "page-3",
            "note-p-1",
            "fn-1",
            "id-x",
            "y-2021",
        ] {
            assert!(is_reserved(id), "{id}");
        }
        for id in ["own", "Main", "sources", "p", "section-1", "pages"] {
            assert!(!is_reserved(id), "{id}");
        }
        assert_eq!(author_id("main", ""), "id-main");
        assert_eq!(author_id("sources", "note-"), "note-sources");
        assert_eq!(author_id("p-1", "note-"), "note-id-p-1");
    }

    #[test]
    fn every_id_of_the_default_theme_is_reserved() {
        fn files<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
            out.extend(dir.files());
            dir.dirs().for_each(|d| files(d, out));
        }
        let templates = include_dir::include_dir!("$CARGO_MANIFEST_DIR/themes/default/templates");
        let mut all = Vec::new();
        files(&templates, &mut all);
        let mut seen = 0;
        for file in all {
            let text = file.contents_utf8().expect("templates are UTF-8");
            for (at, _) in text.match_indices(" id=\"") {
                let value = &text[at + 5..];
                let value = &value[..value.find('"').expect("a closed attribute")];
                // `{{ month.anchor }}` and the like: the literal part, or the
                // values views.rs makes (m-01, y-2021, kind-person).
                let literal = value.split("{{").next().unwrap_or_default();
                let id = if literal.is_empty() { "m-01" } else { literal };
                assert!(is_reserved(id), "{} uses id `{value}`", file.path().display());
                seen += 1;
            }
        }
        assert!(seen >= 10, "found {seen} ids in the templates");
    }
}
