//! Scaffolding: new archives and new documents, written for a maintainer to
//! finish.
//!
//! [`init`] creates an archive that builds as it is; [`new`] drafts the
//! content file for a seed just put into `seeds/`, guessing its title, date
//! ([`dates`]) and terms ([`terms`]) from the text. Both only ever create
//! files (never overwrite one), and what they write goes through the same
//! loader as every other file, so a scaffold that loads is one that builds.
//! This module is not part of the build pipeline: nothing here runs during
//! `build` or `serve`.

pub mod dates;
pub mod init;
pub mod new;
pub mod terms;

use std::io::Write;
use std::path::Path;

/// Writes `text` to a new file at `path`, creating missing folders. The
/// file is created only if it did not exist (checked and created in one
/// step, so two runs cannot both write it), and removed again if writing
/// fails, so a file is there whole or not at all.
pub fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.flush());
    if written.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    written
}

/// `s` as a TOML basic string, quoted and escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_round_trip() {
        for s in [
            "plain",
            "a \"quoted\" \\ path",
            "tab\there\nline\u{7f}\u{1}",
            "平安中国 – “curly”",
        ] {
            let table: toml::Table = toml::from_str(&format!("k = {}", toml_string(s))).unwrap();
            assert_eq!(table["k"].as_str(), Some(s));
        }
    }

    #[test]
    fn never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("content/a.md");
        write_new(&path, "first").unwrap();
        let e = write_new(&path, "second").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
    }
}
