//! Themes: where templates and static files come from.
//!
//! The default theme is compiled into the binary, so any archive builds
//! without a `themes/` folder. Layers, each overriding the one before, file by
//! file: the built-in default theme; `themes/<name>/` in the archive (which
//! must exist when `theme` names anything other than "default"); and the
//! archive's own `templates/` and `static/` folders. Templates are named by
//! their path inside `templates/` (`document.html`, `partials/doc_item.html`).
//! Besides Tera's own filters, templates have `zh`, which marks the Chinese
//! runs of a text with `lang="zh"`, and `meta_description`, which cuts a
//! text to the length of a page description.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::config::Config;
use crate::diag::{Diagnostic, Location};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Where a file of the theme comes from.
#[derive(Debug, Clone)]
pub enum Source {
    BuiltIn(&'static [u8]),
    Disk(PathBuf),
}

/// One file of a theme layer, with the path it is shown under in messages.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub shown: PathBuf,
    pub source: Source,
}

impl ThemeFile {
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'static, [u8]>> {
        match &self.source {
            Source::BuiltIn(b) => Ok((*b).into()),
            Source::Disk(p) => crate::files::read_regular(p).map(|(bytes, _)| bytes.into()),
        }
    }
}

/// The resolved theme: the winning file for every template and static path.
pub struct Theme {
    pub templates: BTreeMap<String, ThemeFile>,
    pub statics: BTreeMap<String, ThemeFile>,
}

impl Theme {
    pub fn resolve(root: &Path, config: &Config) -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme {
            templates: BTreeMap::new(),
            statics: BTreeMap::new(),
        };
        theme.add_built_in(&DEFAULT_THEME);
        let mut errors = Vec::new();
        let theme_dir = Path::new("themes").join(&config.theme);
        if let Err(d) = crate::files::confine(root, &theme_dir) {
            return Err(vec![d]);
        }
        if root.join(&theme_dir).is_dir() {
            errors.extend(theme.add_dir(root, &theme_dir.join("templates"), true));
            errors.extend(theme.add_dir(root, &theme_dir.join("static"), false));
        } else if config.theme != "default" {
            return Err(vec![
                Diagnostic::error(format!("theme `{}` not found", config.theme))
                    .at(Location::file_only(Path::new(crate::config::FILE_NAME)))
                    .hint(format!(
                        "create themes/{}/templates/, or set theme = \"default\"",
                        config.theme
                    )),
            ]);
        }
        errors.extend(theme.add_dir(root, Path::new("templates"), true));
        errors.extend(theme.add_dir(root, Path::new("static"), false));
        if errors.is_empty() { Ok(theme) } else { Err(errors) }
    }

    fn add_built_in(&mut self, dir: &'static Dir<'static>) {
        for entry in dir.entries() {
            match entry {
                include_dir::DirEntry::Dir(d) => self.add_built_in(d),
                include_dir::DirEntry::File(f) => {
                    let path = f.path().to_string_lossy().replace('\\', "/");
                    let shown = PathBuf::from("(built-in theme)").join(&path);
                    let file = ThemeFile {
                        shown,
                        source: Source::BuiltIn(f.contents()),
                    };
                    if let Some(name) = path.strip_prefix("templates/") {
                        self.templates.insert(name.to_string(), file);
                    } else if let Some(name) = path.strip_prefix("static/") {
                        self.statics.insert(name.to_string(), file);
                    }
                }
            }
        }
    }

    /// Adds the files below `dir` (relative to the archive root), read by
    /// the rule of [`crate::files::walk`]; returns what it refused.
    fn add_dir(&mut self, root: &Path, dir: &Path, templates: bool) -> Vec<Diagnostic> {
        let walked = crate::files::walk(root, dir, |_| true);
        for rel in walked.files {
            let name = rel
                .strip_prefix(dir)
                .expect("below dir")
                .to_string_lossy()
                .replace('\\', "/");
            let file = ThemeFile {
                source: Source::Disk(root.join(&rel)),
                shown: rel,
            };
            if templates {
                self.templates.insert(name, file);
            } else {
                self.statics.insert(name, file);
            }
        }
        walked.errors
    }

    /// Compiles the templates with Tera, reporting errors against the file
    /// each template came from.
    pub fn compile(&self) -> Result<tera::Tera, Vec<Diagnostic>> {
        let mut sources = Vec::with_capacity(self.templates.len());
        let mut errors = Vec::new();
        for (name, file) in &self.templates {
            match file.bytes().map(|b| String::from_utf8(b.into_owned())) {
                Ok(Ok(text)) => sources.push((name.clone(), text)),
                _ => errors.push(
                    Diagnostic::error("template cannot be read as UTF-8 text").at(Location::file_only(&file.shown)),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".svg"]);
        tera.register_filter("zh", mark_chinese);
        tera.register_filter(
            "meta_description",
            |text: tera::StringInput, _: tera::Kwargs, _: &tera::State| super::views::meta_description(text.as_str()),
        );
        tera.add_raw_templates(sources)
            .map_err(|e| vec![self.template_error(&e)])?;
        Ok(tera)
    }

    /// A Tera error as a diagnostic at the template file, line and column
    /// where it happened.
    pub fn template_error(&self, error: &tera::Error) -> Diagnostic {
        let report = match error.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        let file = report.and_then(|r| self.templates.get(r.filename()));
        let source = file
            .and_then(|f| f.bytes().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        match (report, file, source) {
            (Some(report), Some(file), Some(source)) => {
                let message = report.message().trim_end();
                let diag = Diagnostic::error(message.to_string()).at(Location::from_span(
                    &file.shown,
                    &source,
                    report.span().range.clone(),
                ));
                match field_hint(message) {
                    Some(hint) => diag.hint(hint),
                    None => diag,
                }
            }
            _ => {
                let text = error.to_string();
                let named = self
                    .templates
                    .iter()
                    .find(|(name, _)| text.contains(&format!("{name}:")));
                let mut diag = Diagnostic::error(format!("template error: {}", text.trim_end()));
                if let Some((_, file)) = named {
                    diag = diag.hint(format!("the template is {}", file.shown.display()));
                }
                diag
            }
        }
    }
}

/// The `zh` filter: the text escaped, with every run of Chinese in it
/// wrapped in `<span lang="zh">`, so that names, titles and quotations
/// that mix English and Chinese are marked wherever a template shows them
/// (`{{ doc.original_title | zh }}`). Text already marked safe is HTML and
/// is passed through as it is.
fn mark_chinese(text: tera::StringInput, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    if text.is_safe() {
        return text.into_value();
    }
    let mut out = String::with_capacity(text.as_str().len() + 16);
    super::text::escape_marking_chinese(&mut out, text.as_str());
    tera::Value::safe_string(&out)
}

/// For Tera's "Field `x` is not defined. Available fields: a, b" the
/// closest available field.
fn field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Field `")?;
    let (field, rest) = rest.split_once('`')?;
    let (_, available) = rest.split_once("Available fields: ")?;
    let close = crate::diag::did_you_mean(field, available.split(", ").map(str::trim))?;
    Some(format!("did you mean `{close}`?"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_zh_filter_escapes_and_marks_chinese_runs() {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        tera.register_filter("zh", super::mark_chinese);
        tera.add_raw_template("t.html", "{{ t | zh }}|{{ h | safe | zh }}")
            .unwrap();
        let mut context = tera::Context::new();
        context.insert("t", "The “十四五” Plan <b>");
        context.insert("h", "<i>规划</i>");
        let out = tera.render("t.html", &context).unwrap();
        assert_eq!(out, "The “<span lang=\"zh\">十四五</span>” Plan &lt;b&gt;|<i>规划</i>");
    }
}
