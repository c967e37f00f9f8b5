//! Themes: built in, replaced by a theme folder, overridden per template.

use crate::support::Fixture;

fn one_doc() -> Fixture {
    Fixture::new().doc("a", "title = \"A\"\ndate = 2020-01-01", "Body.")
}

#[test]
fn builds_with_the_built_in_theme_without_a_themes_folder() {
    let f = one_doc();
    assert!(!f.root().join("themes").exists());
    let site = f.build();
    assert_eq!(site.page("documents/a/").one_text("h1"), "A");
}

#[test]
fn archive_templates_override_single_templates() {
    let site = one_doc()
        .file("templates/document.html", "{% extends \"base.html\" %}{% block content %}<h1 class=\"mine\">{{ doc.title }}</h1>{% endblock content %}")
        .file("static/extra.css", "p {}")
        .build();
    assert_eq!(site.page("documents/a/").texts("h1.mine"), ["A"]);
    assert_eq!(
        site.page("").one_text("h1"),
        "Test Archive",
        "other templates stay built in"
    );
    assert!(site.exists("extra.css") && site.exists("style.css"));
}

#[test]
fn a_theme_folder_takes_precedence_and_a_missing_theme_is_an_error() {
    let config = crate::support::CONFIG.replace("base_url", "theme = \"plain\"\nbase_url");
    let f = one_doc().file("config.toml", &config);
    let err = f.build_err();
    assert!(err.contains("theme `plain` not found"), "{err}");
    let site = f
        .file("themes/plain/templates/base.html", "<title>{% block title %}{% endblock title %}</title>\n<meta name=\"description\" content=\"{% block description %}{% endblock description %}\">\n<main>{% block content %}{% endblock content %}</main>")
        .file("themes/plain/static/style.css", "/* plain */")
        .build();
    let page = site.page("documents/a/");
    assert_eq!(page.select("header.site-header").len(), 0);
    assert_eq!(
        std::fs::read_to_string(site.root.join("style.css")).unwrap(),
        "/* plain */"
    );
}

/// List entries come from `doc.list_item` (the partial rendered once per
/// document); a term template that sets `with_summary` before including
/// the groups still shows the summaries, as it did when each entry was
/// included.
#[test]
fn a_term_template_that_sets_with_summary_shows_summaries() {
    let summarised =
        "title = \"A\"\ndate = 2020-01-01\nsummary = \"The gist of A.\"\n[taxonomies]\ntopics = [\"data\"]";
    let plain = Fixture::new().doc("a", summarised, "Body.").build();
    let term = plain.page("topics/data/");
    assert_eq!(term.texts(".doc-item .doc-title"), ["A"]);
    assert!(
        term.texts(".doc-summary").is_empty(),
        "the default term page shows no summaries"
    );
    let site = Fixture::new()
        .doc("a", summarised, "Body.")
        .file(
            "templates/term.html",
            "{% extends \"base.html\" %}{% block content %}{% set with_summary = true %}\
             {% include \"partials/doc_groups.html\" %}{% endblock content %}",
        )
        .build();
    assert_eq!(site.page("topics/data/").texts(".doc-summary"), ["The gist of A."]);
}

/// A theme whose list entry prints a variable of the page builds, as long
/// as no template that pages use reads `list_item` (a built-in template
/// that no page uses may still name it).
#[test]
fn a_list_item_with_page_variables_builds_when_no_page_reads_list_item() {
    let include = "{% include \"partials/doc_item.html\" %}";
    let site = Fixture::new()
        .doc("a", "title = \"A\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"data\"]", "Body.")
        .file(
            "templates/partials/doc_item.html",
            "<li class=\"doc-item\"><a class=\"doc-title\" href=\"{{ doc.url }}\">{{ doc.title }}</a> <span class=\"on\">{{ page.url }}</span></li>",
        )
        .file(
            "templates/partials/doc_groups.html",
            &format!("{{% for group in groups %}}<ul>{{% for doc in group.documents %}}{include}{{% endfor %}}</ul>{{% endfor %}}"),
        )
        .file(
            "templates/year.html",
            &format!("{{% extends \"base.html\" %}}{{% block content %}}{{% for month in months %}}{{% for doc in month.documents %}}{include}{{% endfor %}}{{% endfor %}}{{% endblock content %}}"),
        )
        .file(
            "templates/undated.html",
            &format!("{{% extends \"base.html\" %}}{{% block content %}}{{% for doc in documents %}}{include}{{% endfor %}}{{% endblock content %}}"),
        )
        .file(
            "templates/document.html",
            "{% extends \"base.html\" %}{% block content %}<h1>{{ doc.title }}</h1>{# no list_item here #}{% endblock content %}",
        )
        .build();
    let term = site.page("topics/data/");
    assert_eq!(term.texts(".doc-item .on"), ["/topics/data/"]);
}
