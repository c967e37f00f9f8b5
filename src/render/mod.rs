//! Render: every page of the site as bytes, with Tera.
//!
//! [`Renderer`] holds what all pages share: the compiled templates, the
//! global `site` value and every document's summary, each built once. A page
//! is described by a small [`Page`] value; [`Renderer::render`] builds that
//! page's context from the shared values and renders it. Pages are
//! independent, so the caller renders them in parallel and writes each one
//! as soon as it is ready, keeping memory flat.

pub mod highlight;
pub mod markdown;
pub mod text;
pub mod theme;
pub mod views;

use tera::{Context, Value};

use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::Text;
use crate::content::date::MONTHS;
use crate::diag::Diagnostic;
use theme::Theme;
use views::{by_year, document_fields, list, map, paths};

/// How many documents the home page lists.
const LATEST: usize = 12;

/// One output page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Document(DocId),
    Taxonomy(usize),
    Term(usize, usize),
    Timeline,
    Year(usize),
    NotFound,
}

pub struct Renderer<'a> {
    config: &'a Config,
    archive: &'a Archive,
    theme: &'a Theme,
    tera: tera::Tera,
    summaries: Vec<Value>,
}

impl<'a> Renderer<'a> {
    pub fn new(
        config: &'a Config,
        archive: &'a Archive,
        theme: &'a Theme,
    ) -> Result<Renderer<'a>, Vec<Diagnostic>> {
        let mut tera = theme.compile()?;
        tera.global_context()
            .insert_value("site", views::site(config, archive));
        let summaries = views::summaries(config, archive);
        Ok(Renderer {
            config,
            archive,
            theme,
            tera,
            summaries,
        })
    }

    /// Every page of the site.
    pub fn pages(&self) -> Vec<Page> {
        let a = self.archive;
        let mut pages = vec![Page::Home, Page::Timeline, Page::NotFound];
        pages.extend((0..a.documents.len()).map(Page::Document));
        for (t, taxonomy) in a.taxonomies.iter().enumerate() {
            pages.push(Page::Taxonomy(t));
            pages.extend((0..taxonomy.terms.len()).map(|i| Page::Term(t, i)));
        }
        pages.extend((0..a.timeline.years.len()).map(Page::Year));
        pages
    }

    /// The output path of `page`, relative to the output directory.
    pub fn output_path(&self, page: Page) -> String {
        match page {
            Page::NotFound => "404.html".to_string(),
            _ => format!("{}index.html", self.site_path(page)),
        }
    }

    fn site_path(&self, page: Page) -> String {
        let a = self.archive;
        match page {
            Page::Home => String::new(),
            Page::Document(id) => paths::document(&a.documents[id].slug),
            Page::Taxonomy(t) => paths::taxonomy(&a.taxonomies[t].name),
            Page::Term(t, i) => paths::term(&a.taxonomies[t].name, &a.taxonomies[t].terms[i].slug),
            Page::Timeline => paths::timeline(),
            Page::Year(y) => paths::year(a.timeline.years[y].year),
            Page::NotFound => "404.html".to_string(),
        }
    }

    /// Renders one page.
    pub fn render(&self, page: Page) -> Result<Vec<u8>, Diagnostic> {
        let (template, title, mut context) = match page {
            Page::Home => ("index.html", self.config.title.clone(), self.home()),
            Page::Document(id) => (
                "document.html",
                self.archive.documents[id].title.clone(),
                self.document(id),
            ),
            Page::Taxonomy(t) => (
                "taxonomy.html",
                self.archive.taxonomies[t].title.clone(),
                self.taxonomy(t),
            ),
            Page::Term(t, i) => (
                "term.html",
                self.archive.taxonomies[t].terms[i].name.clone(),
                self.term(t, i),
            ),
            Page::Timeline => ("timeline.html", "Timeline".to_string(), self.timeline()),
            Page::Year(y) => (
                "year.html",
                self.archive.timeline.years[y].year.to_string(),
                self.year(y),
            ),
            Page::NotFound => ("404.html", "Page not found".to_string(), Context::new()),
        };
        let path = self.site_path(page);
        context.insert_value(
            "page",
            map([
                ("url", self.config.url(&path).into()),
                ("permalink", self.config.permalink(&path).into()),
                ("title", title.into()),
            ]),
        );
        let mut out = Vec::with_capacity(16 * 1024);
        self.tera
            .render_to(template, &context, &mut out)
            .map_err(|e| self.theme.template_error(&e))?;
        Ok(out)
    }

    fn home(&self) -> Context {
        let a = self.archive;
        let latest: Vec<DocId> = (0..a.documents.len().min(LATEST)).collect();
        let mut c = Context::new();
        c.insert_value("latest", list(&self.summaries, &latest));
        c.insert_value(
            "taxonomies",
            a.taxonomies
                .iter()
                .enumerate()
                .map(|(t, _)| self.taxonomy_value(t, 12))
                .collect::<Vec<_>>()
                .into(),
        );
        c.insert_value("years", self.year_values());
        c
    }

    fn document(&self, id: DocId) -> Context {
        let doc = &self.archive.documents[id];
        let mut fields = self.summaries[id].as_map().cloned().unwrap_or_default();
        for (k, v) in document_fields(doc) {
            fields.insert(k.into(), v);
        }
        let text = match &doc.text {
            Text::Blocks(blocks) => Some(text::render_blocks(blocks)),
            Text::Markdown(md) => Some(markdown::render(md, "")),
            Text::None => None,
        };
        if let Some(text) = text {
            fields.insert("text".into(), Value::safe_string(&text.html));
            fields.insert("toc".into(), Value::from_serializable(&text.toc));
        }
        if let Some(note) = &doc.note {
            fields.insert(
                "note".into(),
                Value::safe_string(&markdown::render(note, "note-").html),
            );
        }
        let (older, newer) = self.archive.neighbours[id];
        let neighbour =
            |n: Option<DocId>| n.map_or_else(Value::none, |i| self.summaries[i].clone());
        fields.insert("previous".into(), neighbour(older));
        fields.insert("next".into(), neighbour(newer));
        let mut c = Context::new();
        c.insert_value("doc", Value::from(fields));
        c
    }

    /// A taxonomy with its terms (all, or the `top` most used).
    fn taxonomy_value(&self, t: usize, top: usize) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let mut order: Vec<usize> = (0..taxonomy.terms.len()).collect();
        if top < order.len() {
            order.sort_by_key(|&i| std::cmp::Reverse(taxonomy.terms[i].documents.len()));
            order.truncate(top);
        }
        let terms: Vec<Value> = order.iter().map(|&i| self.term_value(t, i)).collect();
        map([
            ("name", taxonomy.name.as_str().into()),
            ("title", taxonomy.title.as_str().into()),
            (
                "url",
                self.config.url(&paths::taxonomy(&taxonomy.name)).into(),
            ),
            ("term_count", taxonomy.terms.len().into()),
            ("terms", terms.into()),
        ])
    }

    fn term_value(&self, t: usize, i: usize) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let term = &taxonomy.terms[i];
        map([
            ("name", term.name.as_str().into()),
            (
                "url",
                self.config
                    .url(&paths::term(&taxonomy.name, &term.slug))
                    .into(),
            ),
            ("count", term.documents.len().into()),
        ])
    }

    fn taxonomy(&self, t: usize) -> Context {
        let mut c = Context::new();
        c.insert_value("taxonomy", self.taxonomy_value(t, usize::MAX));
        c
    }

    fn term(&self, t: usize, i: usize) -> Context {
        let term = &self.archive.taxonomies[t].terms[i];
        let mut c = Context::new();
        c.insert_value("taxonomy", self.taxonomy_value(t, 0));
        c.insert_value("term", self.term_value(t, i));
        c.insert_value(
            "groups",
            by_year(self.archive, &self.summaries, &term.documents),
        );
        c
    }

    fn year_values(&self) -> Value {
        let years = &self.archive.timeline.years;
        years
            .iter()
            .map(|y| {
                map([
                    ("year", y.year.into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                    ("count", y.documents.len().into()),
                ])
            })
            .collect::<Vec<_>>()
            .into()
    }

    fn timeline(&self) -> Context {
        let t = &self.archive.timeline;
        let dated: Vec<DocId> = t
            .years
            .iter()
            .flat_map(|y| y.documents.iter().copied())
            .collect();
        let mut c = Context::new();
        c.insert_value("years", self.year_values());
        c.insert_value("chart", self.chart());
        c.insert_value("groups", by_year(self.archive, &self.summaries, &dated));
        c.insert_value("undated", list(&self.summaries, &t.undated));
        c
    }

    /// Bars for the timeline's overview, oldest year on the left, with
    /// coordinates in a 100-unit-high box so templates need no arithmetic.
    fn chart(&self) -> Value {
        let t = &self.archive.timeline;
        let busiest = t.busiest_year().max(1) as f64;
        let (Some(last), Some(first)) = (t.years.first(), t.years.last()) else {
            return map([("width", 0.into()), ("bars", Vec::<Value>::new().into())]);
        };
        let span = (last.year - first.year + 1) as usize;
        let bars: Vec<Value> = t
            .years
            .iter()
            .rev()
            .map(|y| {
                let height = (y.documents.len() as f64 / busiest * 90.0).max(1.0).round() as i64;
                map([
                    ("year", y.year.into()),
                    ("count", y.documents.len().into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                    ("x", (((y.year - first.year) as i64) * 12).into()),
                    ("y", (100 - height).into()),
                    ("height", height.into()),
                ])
            })
            .collect();
        map([("width", (span * 12).into()), ("bars", bars.into())])
    }

    fn year(&self, index: usize) -> Context {
        let years = &self.archive.timeline.years;
        let y = &years[index];
        let months: Vec<Value> = y
            .months
            .iter()
            .map(|(month, ids)| {
                let (name, anchor) = match month {
                    Some(m) => (MONTHS[*m as usize - 1].to_string(), format!("m-{m:02}")),
                    None => ("Month unknown".to_string(), "m-unknown".to_string()),
                };
                map([
                    ("name", name.into()),
                    ("anchor", anchor.into()),
                    ("documents", list(&self.summaries, ids)),
                ])
            })
            .collect();
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| years.get(i)).map_or_else(Value::none, |y| {
                map([
                    ("year", y.year.into()),
                    ("url", self.config.url(&paths::year(y.year)).into()),
                ])
            })
        };
        let mut c = Context::new();
        c.insert_value(
            "year",
            map([("year", y.year.into()), ("count", y.documents.len().into())]),
        );
        c.insert_value("months", months.into());
        c.insert_value("older", neighbour(index.checked_add(1)));
        c.insert_value("newer", neighbour(index.checked_sub(1)));
        c
    }
}
