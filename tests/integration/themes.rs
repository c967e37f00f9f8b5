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
