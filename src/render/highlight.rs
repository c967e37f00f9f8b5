//! Code highlighting for fenced code in markdown, with syntect.
//!
//! Highlighting emits CSS classes (`hl-…`), never inline colours, so a theme
//! restyles code with a stylesheet; the default theme ships
//! `static/highlight.css`, generated from syntect's "InspiredGitHub" theme
//! (a unit test keeps the two in step). Syntax definitions load lazily, on the
//! first code block, because most policy documents have none.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::text::escape;

pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Highlights `code` written in `lang` (a fence's info string) as HTML with
/// classes. Unknown languages come back escaped, unhighlighted.
pub fn highlight(code: &str, lang: &str) -> String {
    let set = syntaxes();
    let token = lang.split([' ', ',', '{']).next().unwrap_or_default();
    let syntax = (!token.is_empty()).then(|| set.find_syntax_by_token(token)).flatten();
    let Some(syntax) = syntax else {
        return escape(code);
    };
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if generator.parse_html_for_line_which_includes_newline(line).is_err() {
            return escape(code);
        }
    }
    generator.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_with_classes() {
        let html = highlight("fn main() {}\n", "rust");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    #[test]
    fn unknown_languages_are_escaped() {
        assert_eq!(highlight("<a>", "nonesuch"), "&lt;a&gt;");
    }

    #[test]
    fn shipped_stylesheet_matches_syntect() {
        let themes = syntect::highlighting::ThemeSet::load_defaults();
        let css = syntect::html::css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], CLASS_STYLE).unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/static/highlight.css");
        if std::env::var_os("ANNALS_REGENERATE").is_some() {
            std::fs::write(path, &css).unwrap();
        }
        let shipped = std::fs::read_to_string(path).unwrap();
        assert_eq!(shipped, css, "run with ANNALS_REGENERATE=1 to regenerate {path}");
    }
}
