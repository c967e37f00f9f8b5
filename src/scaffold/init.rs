//! `annals init`: a new archive that builds.
//!
//! [`init`] writes a commented `config.toml` with three taxonomies (topics,
//! issuing bodies, document types), one invented example document with its
//! seed, and an entity list naming the example's council, so that the first
//! `annals build` makes a complete site to look at and the files show by
//! example what goes where. It only ever creates: a folder that has anything
//! in it is refused, and no file is overwritten.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// The files of a new archive: path from the archive root, and text.
pub const FILES: &[(&str, &str)] = &[
    ("config.toml", include_str!("example/config.toml")),
    ("content/example.md", include_str!("example/example.md")),
    ("content/entities.toml", include_str!("example/entities.toml")),
    ("seeds/example.txt", include_str!("example/example.txt")),
    (
        ".gitignore",
        "# The built site: annals build writes it again. Beside it, the lock\n# that keeps two builds from writing into it at once, the manifest of\n# the site that lets the next build keep unchanged files, and what an\n# interrupted build may leave (the next build removes it).\n/public/\n/.public.annals-*\n",
    ),
];

/// Creates an archive in `dir`, which must be missing or empty; missing
/// parent folders are created. Returns the files written, relative to `dir`.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Diagnostic::error(format!("{} is not empty", dir.display()))
                    .hint("annals init only creates new archives: give a new folder, or an empty one"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.is_file() => {
            return Err(Diagnostic::error(format!("{} is a file", dir.display()))
                .hint("give the path of a new folder for the archive"));
        }
        Err(e) => return Err(Diagnostic::error(format!("cannot read {}: {e}", dir.display()))),
    }
    std::fs::create_dir_all(dir).map_err(|e| Diagnostic::error(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Err(e) = super::write_new(&path, text) {
            // Leave the folder as it was found, as far as we made it.
            for done in &written {
                let _ = std::fs::remove_file(dir.join(done));
            }
            return Err(Diagnostic::error(format!("cannot write {}: {e}", path.display())));
        }
        written.push(PathBuf::from(rel));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_document_uses_the_example_seed_and_config_taxonomies() {
        let file = |name: &str| FILES.iter().find(|(n, _)| *n == name).unwrap().1;
        let doc = file("content/example.md");
        assert!(doc.contains("seed = \"seeds/example.txt\""));
        let config: toml::Table = toml::from_str(file("config.toml")).unwrap();
        let names: Vec<&str> = config["taxonomies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["topics", "bodies", "types"]);
        assert!(file("seeds/example.txt").contains("Harbourside Town Council"));
    }

    #[test]
    fn refuses_a_folder_with_anything_in_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let d = init(dir.path()).unwrap_err();
        assert!(d.message.ends_with("is not empty"), "{}", d.message);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn creates_missing_parents_and_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a/b/archive");
        let written = init(&root).unwrap();
        assert_eq!(written.len(), FILES.len());
        for (rel, text) in FILES {
            assert_eq!(std::fs::read_to_string(root.join(rel)).unwrap(), *text);
        }
    }
}
