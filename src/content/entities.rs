//! Entities: the people and organisations an archive tracks across documents.
//!
//! Maintainers list them once, in `content/entities.toml`:
//!
//! ```toml
//! [[entity]]
//! name = "Ministry of Industry and Information Technology"
//! kind = "organisation"
//! other_names = ["MIIT", "工业和信息化部"]
//! description = "The ministry responsible for industry, telecoms and IT."
//! ```
//!
//! This module reads and checks that file. Finding entities in texts is the
//! analyse stage's job.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{Keys, toml_error};
use crate::diag::{Diagnostic, Location, did_you_mean};

pub const FILE: &str = "content/entities.toml";

/// The kinds an entity may be.
pub const KINDS: &[&str] = &["person", "organisation", "place", "other"];

/// A person, organisation or place named across the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub other_names: Vec<String>,
    pub description: Option<String>,
}

impl Entity {
    /// Every name the entity goes by, its main name first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.other_names.iter().map(String::as_str))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitiesFile {
    #[serde(default)]
    entity: Vec<RawEntity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    name: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    slug: Option<Spanned<String>>,
    #[serde(default)]
    other_names: Vec<String>,
    #[serde(default)]
    description: Option<String>,
}

const KEYS: Keys = Keys {
    top: &["entity"],
    tables: &[("entity", Some(&["name", "kind", "slug", "other_names", "description"]))],
};

/// Reads `content/entities.toml` if the archive has one.
pub fn load(root: &Path) -> Result<Vec<Entity>, Vec<Diagnostic>> {
    let path = root.join(FILE);
    let file = Path::new(FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(Vec::new());
    }
    crate::files::confine(root, file).map_err(|d| vec![d])?;
    let text = crate::files::read_text(&path).map_err(|e| {
        vec![
            Diagnostic::error(format!("cannot read {FILE}: {e}"))
                .at(Location::file_only(file))
                .hint("save it as a UTF-8 text file"),
        ]
    })?;
    let raw: EntitiesFile =
        toml::from_str(&text).map_err(|e| vec![toml_error(file, &text, 0..text.len(), &e, &KEYS)])?;
    let mut errors = Vec::new();
    let mut entities: Vec<Entity> = Vec::with_capacity(raw.entity.len());
    for r in raw.entity {
        let at = |span: std::ops::Range<usize>| Location::from_span(file, &text, span);
        if !KINDS.contains(&r.kind.get_ref().as_str()) {
            let hint = match did_you_mean(r.kind.get_ref(), KINDS.iter().copied()) {
                Some(k) => format!("did you mean \"{k}\"?"),
                None => format!("use one of: {}", KINDS.join(", ")),
            };
            errors.push(
                Diagnostic::error(format!("unknown entity kind `{}`", r.kind.get_ref()))
                    .at(at(r.kind.span()))
                    .hint(hint),
            );
        }
        let slug = match &r.slug {
            Some(s) => {
                if !super::slug::is_valid_slug(s.get_ref()) {
                    errors.push(
                        Diagnostic::error(format!("entity slug `{}` is not valid", s.get_ref()))
                            .at(at(s.span()))
                            .hint("use lowercase ASCII letters, digits and single hyphens"),
                    );
                } else if let Some(d) =
                    super::slug::too_long(s.get_ref(), "entity slug", "entities/<slug>/", "shorten it")
                {
                    errors.push(d.at(at(s.span())));
                }
                s.get_ref().clone()
            }
            None => {
                let derived = super::slug::slugify(r.name.get_ref());
                if !super::slug::is_valid_slug(&derived) {
                    errors.push(
                        Diagnostic::error(format!("cannot make a URL slug from `{}`", r.name.get_ref()))
                            .at(at(r.name.span()))
                            .hint("add slug = \"...\" with lowercase ASCII letters, digits and hyphens"),
                    );
                } else if let Some(d) = super::slug::too_long(
                    &derived,
                    "the slug made from this name",
                    "entities/<slug>/",
                    "give the entity a shorter slug = \"...\"",
                ) {
                    errors.push(d.at(at(r.name.span())));
                }
                derived
            }
        };
        if let Some(first) = entities.iter().find(|e| e.slug == slug) {
            errors.push(
                Diagnostic::error(format!("two entities have the slug `{slug}`"))
                    .at(at(r.name.span()))
                    .hint(format!(
                        "`{}` has it too; give one of them a different slug",
                        first.name
                    )),
            );
        }
        entities.push(Entity {
            slug,
            name: r.name.into_inner().trim().to_string(),
            kind: r.kind.into_inner(),
            other_names: r
                .other_names
                .into_iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
            description: r.description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty()),
        });
    }
    if errors.is_empty() { Ok(entities) } else { Err(errors) }
}
