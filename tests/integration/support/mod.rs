//! Test support: fixture archives built in temporary folders.
//!
//! `Fixture` writes an archive (config, content, seeds, templates) into a temp
//! dir and runs the real `annals` binary on it; `Site` reads the output back
//! and parses pages with `scraper`, so tests check structure, not substrings.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use scraper::{Html, Selector};

pub const CONFIG: &str = r#"title = "Test Archive"
description = "A fixture"
base_url = "https://example.org"

[[taxonomies]]
name = "topics"
title = "Topics"

[[taxonomies]]
name = "bodies"
title = "Issuing bodies"
"#;

pub struct Fixture {
    /// Shared with every `Site` built from it, so the folder lives as long
    /// as anything reads it.
    pub dir: Rc<tempfile::TempDir>,
}

pub struct Outcome {
    pub success: bool,
    /// The exit status; `None` if a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Fixture {
    pub fn new() -> Fixture {
        let f = Fixture {
            dir: Rc::new(tempfile::tempdir().unwrap()),
        };
        f.file("config.toml", CONFIG)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> Fixture {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// A file with the given bytes, which need not be UTF-8.
    pub fn bytes(self, rel: &str, bytes: &[u8]) -> Fixture {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    /// A content file `content/<slug>.md` with the given front matter lines.
    pub fn doc(self, slug: &str, front_matter: &str, body: &str) -> Fixture {
        self.file(
            &format!("content/{slug}.md"),
            &format!("+++\n{front_matter}\n+++\n{body}"),
        )
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        let out = Command::new(env!("CARGO_BIN_EXE_annals"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .output()
            .unwrap();
        Outcome {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Builds and expects success.
    pub fn build(&self) -> Site {
        let out = self.run(&["build"]);
        assert!(out.success, "build failed:\n{}", out.stderr);
        Site {
            root: self.root().join("public"),
            _dir: Some(self.dir.clone()),
        }
    }

    /// Builds and expects failure; returns standard error.
    pub fn build_err(&self) -> String {
        let out = self.run(&["build"]);
        assert!(!out.success, "build should have failed:\n{}", out.stdout);
        out.stderr
    }
}

pub struct Site {
    pub root: PathBuf,
    pub _dir: Option<Rc<tempfile::TempDir>>,
}

impl Site {
    pub fn at(root: PathBuf) -> Site {
        Site { root, _dir: None }
    }
}

impl Site {
    /// The page at a site path such as `documents/a/` or `404.html`.
    pub fn page(&self, path: &str) -> Page {
        let file = if path.is_empty() || path.ends_with('/') {
            self.root.join(path).join("index.html")
        } else {
            self.root.join(path)
        };
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        Page {
            html: Html::parse_document(&text),
            text,
        }
    }

    pub fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }

    /// Every file of the output with its bytes, by relative path.
    pub fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        tree(&self.root)
    }
}

impl Site {
    /// Every root-relative link of every page leads to a written file, and
    /// every `#fragment`, on another page or the same one, to an element
    /// with that id.
    pub fn assert_links_resolve(&self) {
        let mut checked = 0;
        for path in self.tree().keys().filter(|p| p.ends_with(".html")) {
            let page = self.page(path);
            for href in page.attrs("a[href^='#']", "href") {
                let ids = page.attrs(&format!("[id='{}']", &href[1..]), "id");
                assert_eq!(
                    ids.len(),
                    1,
                    "{path} links to {href} on the same page, whose anchor is missing"
                );
                checked += 1;
            }
            for href in page.attrs("a[href^='/'], link[href^='/']", "href") {
                let (target, fragment) = href.split_once('#').unwrap_or((&href, ""));
                let target = target.trim_start_matches('/');
                let file = if target.is_empty() || target.ends_with('/') {
                    format!("{target}index.html")
                } else {
                    target.to_string()
                };
                assert!(self.exists(&file), "{path} links to missing {href}");
                if !fragment.is_empty() && file.ends_with(".html") {
                    let ids = self.page(&file).attrs(&format!("[id='{fragment}']"), "id");
                    assert_eq!(ids.len(), 1, "{path} links to {href}, whose anchor is missing");
                }
                checked += 1;
            }
        }
        assert!(checked > 0, "no links were checked");
    }
}

pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir_files(root)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn walkdir_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walkdir_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub struct Page {
    pub html: Html,
    pub text: String,
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let sel = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
        self.html.select(&sel).collect()
    }

    /// Text of every element matching `css`, white space folded.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .map(|e| fold(&e.text().collect::<String>()))
            .collect()
    }

    pub fn one_text(&self, css: &str) -> String {
        let all = self.texts(css);
        assert_eq!(all.len(), 1, "expected one {css}, found {all:?}");
        all.into_iter().next().unwrap()
    }

    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// Every `<a>` start tag written while another `<a>` is still open, as
    /// the tokenizer reads the page's bytes. A parsed tree cannot show
    /// these: the parser closes the outer link before opening the inner.
    pub fn nested_links(&self) -> Vec<String> {
        tags(&self.text)
            .into_iter()
            .scan(0usize, |open, (kind, name, attrs)| {
                if name != "a" {
                    return Some(None);
                }
                Some(match kind {
                    TagKind::StartTag => {
                        *open += 1;
                        (*open > 1).then(|| format!("<a {attrs}>"))
                    }
                    TagKind::EndTag => {
                        *open = open.saturating_sub(1);
                        None
                    }
                })
            })
            .flatten()
            .collect()
    }
}

/// The tags of `html` in order, as html5ever's tokenizer reads them (no
/// tree building, so nothing is moved or closed): kind, name, and the
/// attributes written out.
pub fn tags(html: &str) -> Vec<(TagKind, String, String)> {
    struct Sink(RefCell<Vec<(TagKind, String, String)>>);
    impl TokenSink for Sink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token {
                let attrs: Vec<String> = tag
                    .attrs
                    .iter()
                    .map(|a| format!("{}={:?}", &*a.name.local, &*a.value))
                    .collect();
                self.0
                    .borrow_mut()
                    .push((tag.kind, tag.name.to_string(), attrs.join(" ")));
            }
            TokenSinkResult::Continue
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Sink(RefCell::new(Vec::new())), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

pub fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
