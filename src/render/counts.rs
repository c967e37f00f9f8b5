//! Which page templates can show `site`'s counts.
//!
//! `site.document_count` and each `site.taxonomies[].count` change whenever
//! a document or a term comes or goes. Hashed into every page's
//! fingerprint, they made the preview render every page again after such
//! an edit, though the default theme shows them on two pages. So a page
//! hashes them only when its template can read them, which is read off the
//! template sources before any page is rendered.
//!
//! The reading errs on the side of "can read": a page template is taken
//! with every template that is not itself a page template (layouts,
//! partials, macros) and every page template it names in a string; inside
//! their tags (`{{ }}` and `{% %}`), it can read the counts if it names
//! `document_count`, uses `site` other than as `site.<field>`, uses
//! `site.taxonomies` other than as what a `for` loop walks, or uses that
//! loop's variable other than as `<variable>.<field>` with a field other
//! than `count`.

use std::collections::{BTreeMap, BTreeSet};

use super::theme::Theme;

/// The page templates (see [`super::Page::template`]).
const PAGE_TEMPLATES: &[&str] = &[
    "index.html",
    "document.html",
    "timeline.html",
    "taxonomy.html",
    "term.html",
    "year.html",
    "undated.html",
    "entities.html",
    "entity.html",
    "first_page.html",
    "404.html",
    "search.html",
];

/// Every template's source, by name, read once for the questions below.
pub struct Templates<'t> {
    sources: BTreeMap<&'t str, String>,
}

impl<'t> Templates<'t> {
    pub fn read(theme: &'t Theme) -> Templates<'t> {
        let sources = theme
            .templates
            .iter()
            .map(|(name, file)| {
                // A template that cannot be read fails the build elsewhere;
                // here it counts as reading everything.
                let text = file.bytes().map_or_else(
                    |_| "{{ site }}".to_string(),
                    |b| String::from_utf8_lossy(&b).into_owned(),
                );
                (name.as_str(), text)
            })
            .collect();
        Templates { sources }
    }

    /// The page templates whose pages can show `site`'s counts.
    pub fn count_readers(&self) -> BTreeSet<&'static str> {
        PAGE_TEMPLATES
            .iter()
            .copied()
            .filter(|page| can_read_counts(&closure(&self.sources, page)))
            .collect()
    }

    /// Whether pages rendered with the page template `page` can show their
    /// `taxonomy` variable's `term_count` (how many terms the taxonomy has,
    /// which changes whenever a term comes or goes): they can if a tag of
    /// theirs names `term_count`, or uses `taxonomy` other than as
    /// `taxonomy.<field>` (whole, or indexed with brackets).
    pub fn reads_term_count(&self, page: &str) -> bool {
        closure(&self.sources, page).iter().any(|source| {
            tags(source).into_iter().map(tokens).any(|tag| {
                tag.iter().enumerate().any(|(i, token)| match *token {
                    Token::Word("term_count") => true,
                    Token::Word("taxonomy") => {
                        let a_field = i > 0 && tag[i - 1] == Token::Punct('.');
                        let has_field = matches!(
                            (tag.get(i + 1), tag.get(i + 2)),
                            (Some(Token::Punct('.')), Some(Token::Word(_)))
                        );
                        !a_field && !has_field
                    }
                    _ => false,
                })
            })
        })
    }

    /// Whether the template `name` (a partial rendered on its own) can show
    /// `site`'s counts, read as a page template is.
    pub fn reads_counts(&self, name: &str) -> bool {
        can_read_counts(&closure(&self.sources, name))
    }

    /// Whether a template that pages can be rendered from names `word`
    /// inside its tags: the page templates and what they name, not a
    /// partial that no page can use.
    pub fn pages_name(&self, word: &str) -> bool {
        let pages = PAGE_TEMPLATES
            .iter()
            .copied()
            .filter(|p| self.sources.contains_key(p))
            .collect();
        reach(&self.sources, pages)
            .iter()
            .any(|name| tags(&self.sources[name]).iter().any(|tag| tag.contains(word)))
    }
}

/// The sources a page rendered with `page` may be rendered from.
fn closure<'s>(sources: &'s BTreeMap<&str, String>, page: &str) -> Vec<&'s str> {
    let start = sources
        .keys()
        .copied()
        .filter(|name| *name == page || !PAGE_TEMPLATES.contains(name))
        .collect();
    reach(sources, start).iter().map(|n| sources[n].as_str()).collect()
}

/// The templates of `names` and every template whose name one of them
/// quotes (in an `extends`, `include` or `import`), and so on.
fn reach<'s>(sources: &BTreeMap<&'s str, String>, mut names: BTreeSet<&'s str>) -> BTreeSet<&'s str> {
    loop {
        let named: Vec<&str> = sources
            .keys()
            .copied()
            .filter(|other| !names.contains(other))
            .filter(|other| {
                let quoted = [format!("\"{other}\""), format!("'{other}'"), format!("`{other}`")];
                names
                    .iter()
                    .any(|n| quoted.iter().any(|q| sources[n].contains(q.as_str())))
            })
            .collect();
        if named.is_empty() {
            return names;
        }
        names.extend(named);
    }
}

/// Whether the tags of `sources` can read `site`'s counts (see the module
/// comment).
fn can_read_counts(sources: &[&str]) -> bool {
    sources.iter().any(|source| {
        let tags: Vec<Vec<Token>> = tags(source).into_iter().map(tokens).collect();
        source_reads_counts(&tags)
    })
}

/// [`can_read_counts`] for one template's tags, in order. Loop variables
/// are scoped: a `for` binds its variable until its `endfor`, and only the
/// variable of a loop over `site.taxonomies` stands for a taxonomy.
fn source_reads_counts(tags: &[Vec<Token>]) -> bool {
    // The variables of the loops open here, innermost last, each with
    // whether it walks `site.taxonomies`.
    let mut loops: Vec<(&str, bool)> = Vec::new();
    for tag in tags {
        let mut from = 0;
        match tag.first() {
            Some(Token::Word("for")) => {
                let Some(Token::Word(variable)) = tag.get(1) else {
                    return true;
                };
                let walks_taxonomies = tag[2..]
                    == [
                        Token::Word("in"),
                        Token::Word("site"),
                        Token::Punct('.'),
                        Token::Word("taxonomies"),
                    ];
                loops.push((variable, walks_taxonomies));
                if walks_taxonomies {
                    continue;
                }
                from = 2;
            }
            Some(Token::Word("endfor")) => {
                loops.pop();
                continue;
            }
            // An included template sees the loop's variable.
            Some(Token::Word("include")) if loops.iter().any(|&(_, taxonomy)| taxonomy) => return true,
            _ => {}
        }
        for (i, token) in tag.iter().enumerate().skip(from) {
            let Token::Word(word) = *token else { continue };
            if word == "document_count" {
                return true;
            }
            // A field of something else (`page.site`) is not the variable.
            if i > 0 && tag[i - 1] == Token::Punct('.') {
                continue;
            }
            let field = match (tag.get(i + 1), tag.get(i + 2)) {
                (Some(Token::Punct('.')), Some(Token::Word(field))) => Some(*field),
                _ => None,
            };
            let is_taxonomy = loops.iter().rev().find(|(v, _)| *v == word).map(|&(_, t)| t);
            match (word, is_taxonomy) {
                (_, Some(true)) if field.is_none_or(|f| f == "count") => return true,
                ("site", None) if field.is_none_or(|f| f == "taxonomies") => return true,
                _ => {}
            }
        }
    }
    false
}

/// The insides of a template's `{{ }}` and `{% %}` tags, without their
/// whitespace-control dashes; comments are left out.
fn tags(source: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let close = match after.as_bytes().first() {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                rest = after;
                continue;
            }
        };
        let inner = &after[1..];
        let end = inner.find(close).unwrap_or(inner.len());
        if close != "#}" {
            out.push(inner[..end].trim_matches('-'));
        }
        rest = inner.get(end + close.len()..).unwrap_or("");
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Punct(char),
}

/// A tag's words (names and keywords) and punctuation; string literals
/// become one `"` each, so that words inside them are not read as names.
fn tokens(tag: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = tag.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            while let Some((_, d)) = chars.next() {
                if d == '\\' {
                    chars.next();
                } else if d == c {
                    break;
                }
            }
            out.push(Token::Punct('"'));
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = at + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if !(d.is_alphanumeric() || d == '_') {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
            out.push(Token::Word(&tag[at..end]));
        } else {
            out.push(Token::Punct(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(sources: &[&str]) -> bool {
        can_read_counts(sources)
    }

    #[test]
    fn fields_other_than_the_counts_are_not_counts() {
        assert!(!reads(&[
            r#"<html lang="{{ site.language }}"><title>{{ page.title }} · {{ site.title }}</title>"#,
            r#"{% for t in site.taxonomies %}<a href="{{ t.url }}">{{ t.title | zh }}</a>{% endfor %}"#,
            r#"{#- site.document_count in a comment -#}<p class="site-note">site</p>"#,
            r#"{% include "partials/site.html" %}{{ q.count }}{{ page.site }}"#,
            "{% for t in site.taxonomies %}{{ t.url }}{% endfor %}{% for t in doc.translators %}{{ t | zh }}{{ t.count }}{% endfor %}",
            "{% for t in site.taxonomies %}{% for t in terms %}{{ t.count }}{% endfor %}{{ t.title }}{% endfor %}",
        ]));
    }

    #[test]
    fn every_way_to_a_count_is_a_count() {
        let ways = [
            "{{ site.document_count }}",
            "{% if site.document_count > 10 %}x{% endif %}",
            "{% for t in site.taxonomies %}{{ t.count }}{% endfor %}",
            "{%- for t in site.taxonomies -%}{{ t.count }}{%- endfor -%}",
            "{% for t in site.taxonomies %}{{ t | json_encode }}{% endfor %}",
            "{% for t in site.taxonomies %}{% set x = t %}{% endfor %}",
            "{% for t in site.taxonomies %}{% include \"partials/term.html\" %}{% endfor %}",
            "{% for t in site.taxonomies %}{% for u in x %}{% endfor %}{{ t.count }}{% endfor %}",
            "{% for k, t in site.taxonomies %}{% endfor %}",
            "{{ site.taxonomies[0].count }}",
            "{{ site.taxonomies | first }}",
            "{% set all = site.taxonomies %}",
            "{{ site | json_encode }}",
            "{% set s = site %}{{ s.document_count }}",
            "{{ site['document_count'] }}",
            "{% for t in site.taxonomies | reverse %}{% endfor %}",
        ];
        for way in ways {
            assert!(reads(&[way]), "{way}");
        }
    }

    #[test]
    fn the_default_theme_shows_counts_on_the_home_page_and_timeline_only() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("config.toml"),
            "title = \"T\"\nbase_url = \"https://x.org/\"\n",
        )
        .unwrap();
        let config = crate::config::Config::load(root.path(), &Default::default()).unwrap();
        let theme = Theme::resolve(root.path(), &config).unwrap();
        let readers = Templates::read(&theme).count_readers();
        assert_eq!(
            readers.into_iter().collect::<Vec<_>>(),
            vec!["index.html", "timeline.html"]
        );
    }

    #[test]
    fn term_count_is_read_by_name_or_through_the_whole_taxonomy() {
        let reads = |term_html: &str| {
            let sources: BTreeMap<&str, String> = [
                ("term.html", term_html.to_string()),
                (
                    "layout.html",
                    "{{ site.title }}{% block content %}{% endblock %}".to_string(),
                ),
                ("taxonomy.html", "{{ taxonomy.term_count }}".to_string()),
            ]
            .into_iter()
            .collect();
            Templates { sources }.reads_term_count("term.html")
        };
        for quiet in [
            "{{ taxonomy.title }} {{ term.count }}",
            "<a href=\"{{ taxonomy.url }}\">{{ taxonomy.name | upper }}</a>",
            "{{ page.taxonomy }}{# taxonomy.term_count #}",
            "{{ \"taxonomy\" }} term_count",
        ] {
            assert!(!reads(quiet), "{quiet}");
        }
        for reading in [
            "{{ taxonomy.term_count }}",
            "{% if taxonomy.term_count > 1 %}x{% endif %}",
            "{{ taxonomy | json_encode }}",
            "{% set t = taxonomy %}{{ t.term_count }}",
            "{% set t = taxonomy %}{{ t | length }}",
            "{{ taxonomy[\"term_count\"] }}",
            "{% include \"partials/x.html\" %}{{ term_count }}",
        ] {
            assert!(reads(reading), "{reading}");
        }
    }

    #[test]
    fn a_page_template_named_by_another_is_read_with_it() {
        let sources: BTreeMap<&str, String> = [
            ("document.html", r#"{% include "index.html" %}"#.to_string()),
            ("index.html", "{{ site.document_count }}".to_string()),
            ("term.html", "{{ site.title }}".to_string()),
        ]
        .into_iter()
        .collect();
        assert!(can_read_counts(&closure(&sources, "document.html")));
        assert!(!can_read_counts(&closure(&sources, "term.html")));
    }
}
