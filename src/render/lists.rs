//! List pages: the home page, the timeline, and every paginated list (a
//! taxonomy's terms, a term's documents, a year's, the undated ones, the
//! people and organisations, an entity's mentions).
//!
//! [`Layout`] decides once per build where each list breaks into pages
//! (see [`super::pagination`]), so that rendering a page, fingerprinting it
//! and finding the page that shows a document all agree. The rest of the
//! module builds each list page's template variables from the shared
//! summaries: a page holds the summaries of its own documents only, and a
//! list's overview (the timeline's years and months, a term's years) links
//! to the page where each part begins.

use std::hash::{Hash, Hasher};
use tera::Value;

use super::pagination::{self, Split};
use super::views::{self, map, paths};
use super::{Fields, Purpose, Renderer, chart, kind_rank, kind_title};
use crate::analyse::mentions::EntityId;
use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::date::MONTHS;

/// A list of the site that is cut into pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    /// The terms of a taxonomy.
    Taxonomy(usize),
    /// The documents of a term of a taxonomy.
    Term(usize, usize),
    /// The documents of a year of the timeline, by month.
    Year(usize),
    /// The documents without a date.
    Undated,
    /// The people and organisations, by kind.
    Entities,
    /// The documents that mention an entity.
    Entity(EntityId),
}

impl List {
    /// The template that renders the list's pages.
    pub fn template(self) -> &'static str {
        match self {
            List::Taxonomy(_) => "taxonomy.html",
            List::Term(..) => "term.html",
            List::Year(_) => "year.html",
            List::Undated => "undated.html",
            List::Entities => "entities.html",
            List::Entity(_) => "entity.html",
        }
    }
}

/// Where every list of the site breaks into pages.
pub struct Layout {
    taxonomies: Vec<Split>,
    terms: Vec<Vec<Split>>,
    years: Vec<Split>,
    undated: Split,
    entities: Split,
    /// Entities in the order of the entities' index: by kind, then name.
    entity_order: Vec<EntityId>,
    /// Each entity's place in `entity_order`.
    entity_rank: Vec<usize>,
    entity: Vec<Split>,
}

impl Layout {
    pub fn new(config: &Config, archive: &Archive) -> Layout {
        let size = config.pagination.page_size;
        let index_size = config.pagination.index_page_size;
        // Each document's year and month, side by side, from the timeline:
        // read for every entry of every list, where reading each document's
        // date behind its pointer took 20 to 60 ms at 100,000 documents.
        let mut dates: Vec<(Option<i32>, Option<u8>)> = vec![(None, None); archive.documents.len()];
        for year in &archive.timeline.years {
            for (month, ids) in &year.months {
                for &d in ids {
                    dates[d] = (Some(year.year), *month);
                }
            }
        }
        debug_assert!(
            (archive
                .documents
                .iter()
                .map(|d| d.date.map(|date| (date.year, date.month))))
            .eq(dates.iter().map(|&(y, m)| y.map(|y| (y, m)))),
            "the timeline holds every dated document"
        );
        let year_of = |&d: &DocId| dates[d].0;
        let month_of = |&d: &DocId| dates[d].1;
        let mut entity_order: Vec<EntityId> = (0..archive.entities.len()).collect();
        entity_order.sort_by_cached_key(|&e| {
            let entity = &archive.entities[e];
            (kind_rank(&entity.kind), entity.name.to_lowercase())
        });
        let mut entity_rank = vec![0; entity_order.len()];
        for (rank, &e) in entity_order.iter().enumerate() {
            entity_rank[e] = rank;
        }
        let kinds = pagination::runs(&entity_order, |&e| archive.entities[e].kind.as_str());
        Layout {
            taxonomies: archive
                .taxonomies
                .iter()
                .map(|t| Split::flat(t.terms.len(), index_size))
                .collect(),
            terms: archive
                .taxonomies
                .iter()
                .map(|t| {
                    t.terms
                        .iter()
                        .map(|term| {
                            let years = pagination::runs(&term.documents, year_of);
                            Split::new(term.documents.len(), years, size)
                        })
                        .collect()
                })
                .collect(),
            years: archive
                .timeline
                .years
                .iter()
                .map(|y| Split::new(y.documents.len(), pagination::runs(&y.documents, month_of), size))
                .collect(),
            undated: Split::flat(archive.timeline.undated.len(), size),
            entities: Split::new(entity_order.len(), kinds, index_size),
            entity_order,
            entity_rank,
            entity: archive
                .links
                .mentions_of
                .iter()
                .map(|mentions| Split::flat(mentions.len(), size))
                .collect(),
        }
    }

    /// Where `list` breaks into pages.
    pub fn split(&self, list: List) -> &Split {
        match list {
            List::Taxonomy(t) => &self.taxonomies[t],
            List::Term(t, i) => &self.terms[t][i],
            List::Year(y) => &self.years[y],
            List::Undated => &self.undated,
            List::Entities => &self.entities,
            List::Entity(e) => &self.entity[e],
        }
    }

    /// How many pages `list` has.
    pub fn page_count(&self, list: List) -> usize {
        self.split(list).pages.len()
    }

    /// How many pages each entity's list of mentions has.
    pub fn entity_page_counts(&self) -> Vec<usize> {
        self.entity.iter().map(|s| s.pages.len()).collect()
    }

    /// Every list the site has: the undated documents only when there are
    /// some, the entities only when the archive lists any.
    pub fn lists(&self, archive: &Archive) -> Vec<List> {
        let mut lists = Vec::new();
        for (t, taxonomy) in archive.taxonomies.iter().enumerate() {
            lists.push(List::Taxonomy(t));
            lists.extend((0..taxonomy.terms.len()).map(|i| List::Term(t, i)));
        }
        lists.extend((0..archive.timeline.years.len()).map(List::Year));
        if !archive.timeline.undated.is_empty() {
            lists.push(List::Undated);
        }
        if !archive.entities.is_empty() {
            lists.push(List::Entities);
            lists.extend((0..archive.entities.len()).map(List::Entity));
        }
        lists
    }

    /// The page of the entities' index that lists `e`.
    pub fn entities_page_of(&self, e: EntityId) -> usize {
        self.entities.page_of(self.entity_rank[e])
    }

    /// The pages of lists that show document `d`'s summary: its year's or
    /// the undated list's, its terms', and its mentioned entities'.
    pub fn pages_listing(&self, archive: &Archive, d: DocId) -> Vec<(List, usize)> {
        let mut pages = Vec::new();
        let timeline = &archive.timeline;
        let at = |ids: &[DocId]| ids.binary_search(&d).ok();
        match archive.documents[d].date {
            Some(date) => {
                let y = timeline.years.partition_point(|y| y.year > date.year);
                if let Some(pos) = timeline.years.get(y).and_then(|year| at(&year.documents)) {
                    pages.push((List::Year(y), self.years[y].page_of(pos)));
                }
            }
            None => {
                if let Some(pos) = at(&timeline.undated) {
                    pages.push((List::Undated, self.undated.page_of(pos)));
                }
            }
        }
        for (t, taxonomy) in archive.taxonomies.iter().enumerate() {
            for &i in &taxonomy.terms_of[d] {
                if let Some(pos) = at(&taxonomy.terms[i].documents) {
                    pages.push((List::Term(t, i), self.terms[t][i].page_of(pos)));
                }
            }
        }
        let links = &archive.links;
        for &e in &links.entities_of[d] {
            let mentions = &links.mentions_of[e];
            let pos = mentions.partition_point(|(from, _)| *from < d);
            pages.push((List::Entity(e), self.entity[e].page_of(pos)));
        }
        pages
    }
}

/// The site path of the first page of `list`.
pub(super) fn list_path(a: &Archive, list: List) -> String {
    match list {
        List::Taxonomy(t) => paths::taxonomy(&a.taxonomies[t].name),
        List::Term(t, i) => paths::term(&a.taxonomies[t].name, &a.taxonomies[t].terms[i].slug),
        List::Year(y) => paths::year(a.timeline.years[y].year),
        List::Undated => paths::undated(),
        List::Entities => paths::entities(),
        List::Entity(e) => paths::entity(&a.entities[e].slug),
    }
}

/// A month of a year: its name, a short name and the anchor of its heading.
fn month_names(month: Option<u8>) -> (String, String, String) {
    match month {
        Some(m) => {
            let name = MONTHS[m as usize - 1];
            (name.to_string(), name[..3].to_string(), format!("m-{m:02}"))
        }
        None => (
            "Month unknown".to_string(),
            "Month unknown".to_string(),
            "m-unknown".to_string(),
        ),
    }
}

fn year_anchor(year: Option<i32>) -> String {
    year.map_or_else(|| "y-undated".to_string(), |y| format!("y-{y}"))
}

impl Renderer<'_> {
    /// The site path of the first page of `list`.
    pub(super) fn list_path(&self, list: List) -> String {
        list_path(self.archive, list)
    }

    /// The URL of page `n` (from 0) of `list`.
    pub(super) fn page_url(&self, list: List, n: usize) -> String {
        self.config.url(&pagination::path(&self.list_path(list), n))
    }

    /// The URL of the page of `list` where the item at `position` is, with
    /// `anchor` as its fragment.
    fn url_of_item(&self, list: List, position: usize, anchor: &str) -> String {
        let page = self.layout.split(list).page_of(position);
        format!("{}#{anchor}", self.page_url(list, page))
    }

    /// The `paginator` of page `n` of `list`.
    pub(super) fn paginator(&self, list: List, n: usize) -> Value {
        pagination::paginator(self.layout.split(list), n, |i| self.page_url(list, i))
    }

    /// The title of page `n` of `list` (`page` in templates).
    pub(super) fn list_title(&self, list: List, n: usize) -> String {
        let a = self.archive;
        let title = match list {
            List::Taxonomy(t) => a.taxonomies[t].title.clone(),
            List::Term(t, i) => a.taxonomies[t].terms[i].name.clone(),
            List::Year(y) => a.timeline.years[y].year.to_string(),
            List::Undated => "Undated documents".to_string(),
            List::Entities => "People and organisations".to_string(),
            List::Entity(e) => a.entities[e].name.clone(),
        };
        match self.layout.page_count(list) {
            total if n > 0 => format!("{title} (page {} of {total})", n + 1),
            _ => title,
        }
    }

    /// The variables of page `n` of `list`.
    pub(super) fn list_fields(&self, list: List, n: usize, purpose: Purpose) -> Fields {
        let mut c = match list {
            List::Taxonomy(t) => self.taxonomy(t, n),
            List::Term(t, i) => self.term(t, i, n, purpose),
            List::Year(y) => self.year(y, n, purpose),
            List::Undated => self.undated(n),
            List::Entities => self.entities(n),
            List::Entity(e) => self.entity(e, n),
        };
        c.insert_value("paginator", self.paginator(list, n));
        c
    }

    pub(super) fn home(&self) -> Fields {
        let a = self.archive;
        let latest: Vec<DocId> = (0..a.documents.len().min(self.config.pagination.latest)).collect();
        let mut c = Fields::default();
        c.insert_value("latest", views::list(&self.summaries.values, &latest));
        c.insert_value(
            "taxonomies",
            a.taxonomies
                .iter()
                .enumerate()
                .map(|(t, _)| self.taxonomy_value(t, Some(12), None))
                .collect::<Vec<_>>()
                .into(),
        );
        c.insert_value("years", self.year_values());
        c
    }

    /// A taxonomy with terms: its `top` most used, or those on page `page`
    /// of its index, or none.
    pub(super) fn taxonomy_value(&self, t: usize, top: Option<usize>, page: Option<usize>) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let order: Vec<usize> = match (top, page) {
            (Some(top), _) => {
                let mut order: Vec<usize> = (0..taxonomy.terms.len()).collect();
                order.sort_by_key(|&i| std::cmp::Reverse(taxonomy.terms[i].documents.len()));
                order.truncate(top);
                order
            }
            (None, Some(n)) => self.layout.split(List::Taxonomy(t)).pages[n].clone().collect(),
            (None, None) => Vec::new(),
        };
        let terms: Vec<Value> = order.iter().map(|&i| self.term_value(t, i)).collect();
        map([
            ("name", taxonomy.name.as_str().into()),
            ("title", taxonomy.title.as_str().into()),
            ("url", self.config.url(&paths::taxonomy(&taxonomy.name)).into()),
            ("term_count", taxonomy.terms.len().into()),
            ("terms", terms.into()),
        ])
    }

    fn term_value(&self, t: usize, i: usize) -> Value {
        let taxonomy = &self.archive.taxonomies[t];
        let term = &taxonomy.terms[i];
        map([
            ("name", term.name.as_str().into()),
            ("url", self.config.url(&paths::term(&taxonomy.name, &term.slug)).into()),
            ("count", term.documents.len().into()),
        ])
    }

    fn taxonomy(&self, t: usize, n: usize) -> Fields {
        let mut c = Fields::default();
        c.insert_value("taxonomy", self.taxonomy_value(t, None, Some(n)));
        c
    }

    /// A hash of what the groups of documents on page `n` of a list of
    /// `documents`, cut as `split`, are made of, for a fingerprint: each
    /// group's heading (its year or month, from the position of its first
    /// document), size and place, and its documents' summary hashes.
    fn groups_hash<K: Hash>(&self, split: &Split, n: usize, documents: &[DocId], heading: impl Fn(usize) -> K) -> u64 {
        let mut h = crate::hash::hasher();
        for g in split.groups_on(n) {
            let whole = &split.groups[g.group];
            (heading(whole.start), whole.len(), g.continued, g.continues).hash(&mut h);
            let ids = &documents[g.items];
            h.write_usize(ids.len());
            ids.iter().for_each(|&d| h.write_u64(self.summaries.hashes[d]));
        }
        h.finish()
    }

    /// Page `n` of a term: its documents by year, and every year of the
    /// term with the page it starts on.
    fn term(&self, t: usize, i: usize, n: usize, purpose: Purpose) -> Fields {
        let list = List::Term(t, i);
        let term = &self.archive.taxonomies[t].terms[i];
        let split = self.layout.split(list);
        let year_of = |pos: usize| self.archive.documents[term.documents[pos]].date.map(|d| d.year);
        let groups = if purpose == Purpose::Fingerprint {
            (Value::none(), self.groups_hash(split, n, &term.documents, year_of))
        } else {
            let groups: Vec<Value> = split
                .groups_on(n)
                .map(|g| {
                    let whole = &split.groups[g.group];
                    let year = year_of(whole.start);
                    map([
                        ("year", year.map_or_else(Value::none, Value::from)),
                        ("anchor", year_anchor(year).into()),
                        ("count", whole.len().into()),
                        ("continued", g.continued.into()),
                        ("continues", g.continues.into()),
                        (
                            "documents",
                            views::list(&self.summaries.values, &term.documents[g.items]),
                        ),
                    ])
                })
                .collect();
            (groups.into(), 0)
        };
        let years = self.term_years[t][i].get_or_init(|| {
            let years: Vec<Value> = split
                .groups
                .iter()
                .map(|whole| {
                    let year = year_of(whole.start);
                    let anchor = year_anchor(year);
                    map([
                        ("year", year.map_or_else(Value::none, Value::from)),
                        ("url", self.url_of_item(list, whole.start, &anchor).into()),
                        ("count", whole.len().into()),
                    ])
                })
                .collect();
            let years = Value::from(years);
            let hash = super::fingerprint::hash_value(&years);
            (years, hash)
        });
        let mut taxonomy = self.taxonomy_value(t, None, None);
        if purpose == Purpose::Fingerprint && !self.term_pages_read_term_count {
            // A term comes or goes: the pages of the other terms stay.
            if let Some(mut fields) = taxonomy.as_map().cloned() {
                fields.remove(&tera::value::Key::from("term_count"));
                taxonomy = Value::from(fields);
            }
        }
        let mut c = Fields::default();
        c.insert_value("taxonomy", taxonomy);
        c.insert_value("term", self.term_value(t, i));
        match purpose {
            Purpose::Fingerprint => c.insert_hashed("groups", groups),
            Purpose::Render => c.insert_value("groups", groups.0),
        }
        c.insert_hashed("years", years.clone());
        c
    }

    /// Every year of the timeline, newest first, with its months.
    fn year_values(&self) -> Value {
        (0..self.archive.timeline.years.len())
            .map(|y| self.year_value(y))
            .collect::<Vec<_>>()
            .into()
    }

    /// A year with its count and its twelve months in the order of the
    /// calendar, then the documents whose month is unknown if there are
    /// any; each month with its number of documents and, when it has
    /// some, the URL of the page and heading where they begin.
    fn year_value(&self, index: usize) -> Value {
        let list = List::Year(index);
        let y = &self.archive.timeline.years[index];
        let groups = &self.layout.split(list).groups;
        let month_of = |whole: &std::ops::Range<usize>| {
            self.archive.documents[y.documents[whole.start]]
                .date
                .and_then(|d| d.month)
        };
        let unknown = groups.iter().any(|g| month_of(g).is_none());
        let months: Vec<Value> = (1..=12u8)
            .map(Some)
            .chain(unknown.then_some(None))
            .map(|month| {
                let (name, short, anchor) = month_names(month);
                let whole = groups.iter().find(|g| month_of(g) == month);
                let url = whole.map_or_else(Value::none, |g| self.url_of_item(list, g.start, &anchor).into());
                map([
                    ("month", month.map_or_else(Value::none, Value::from)),
                    ("name", name.into()),
                    ("short", short.into()),
                    ("url", url),
                    ("anchor", anchor.into()),
                    ("count", whole.map_or(0, |g| g.len()).into()),
                ])
            })
            .collect();
        map([
            ("year", y.year.into()),
            ("url", self.page_url(list, 0).into()),
            ("count", y.documents.len().into()),
            ("months", months.into()),
        ])
    }

    /// The timeline's overview: the chart, every year with its months, and
    /// where the undated documents are.
    pub(super) fn timeline(&self) -> Fields {
        let t = &self.archive.timeline;
        let counts: Vec<(i32, usize)> = t.years.iter().map(|y| (y.year, y.documents.len())).collect();
        let undated = if t.undated.is_empty() {
            Value::none()
        } else {
            map([
                ("count", t.undated.len().into()),
                ("url", self.page_url(List::Undated, 0).into()),
            ])
        };
        let mut c = Fields::default();
        c.insert_value("years", self.year_values());
        c.insert_value("chart", chart::chart(&counts));
        c.insert_value("undated", undated);
        c
    }

    /// Page `n` of a year: its documents by month, and the year with all
    /// its months for navigation.
    fn year(&self, index: usize, n: usize, purpose: Purpose) -> Fields {
        let list = List::Year(index);
        let years = &self.archive.timeline.years;
        let y = &years[index];
        let split = self.layout.split(list);
        let month_of = |pos: usize| self.archive.documents[y.documents[pos]].date.and_then(|d| d.month);
        let months = if purpose == Purpose::Fingerprint {
            (Value::none(), self.groups_hash(split, n, &y.documents, month_of))
        } else {
            let months: Vec<Value> = split
                .groups_on(n)
                .map(|g| {
                    let whole = &split.groups[g.group];
                    let (name, _, anchor) = month_names(month_of(whole.start));
                    map([
                        ("name", name.into()),
                        ("anchor", anchor.into()),
                        ("count", whole.len().into()),
                        ("continued", g.continued.into()),
                        ("continues", g.continues.into()),
                        ("documents", views::list(&self.summaries.values, &y.documents[g.items])),
                    ])
                })
                .collect();
            (months.into(), 0)
        };
        let neighbour = |i: Option<usize>| {
            i.filter(|&i| i < years.len()).map_or_else(Value::none, |i| {
                map([
                    ("year", years[i].year.into()),
                    ("url", self.page_url(List::Year(i), 0).into()),
                ])
            })
        };
        let mut c = Fields::default();
        c.insert_value("year", self.year_value(index));
        match purpose {
            Purpose::Fingerprint => c.insert_hashed("months", months),
            Purpose::Render => c.insert_value("months", months.0),
        }
        c.insert_value("older", neighbour(index.checked_add(1)));
        c.insert_value("newer", neighbour(index.checked_sub(1)));
        c
    }

    /// Page `n` of the undated documents.
    fn undated(&self, n: usize) -> Fields {
        let page = self.layout.split(List::Undated).pages[n].clone();
        let mut c = Fields::default();
        c.insert_value(
            "documents",
            views::list(&self.summaries.values, &self.archive.timeline.undated[page]),
        );
        c
    }

    /// Page `n` of the people and organisations, by kind.
    fn entities(&self, n: usize) -> Fields {
        let split = self.layout.split(List::Entities);
        let groups: Vec<Value> = split
            .groups_on(n)
            .map(|g| {
                let whole = &split.groups[g.group];
                let kind = self.archive.entities[self.layout.entity_order[whole.start]]
                    .kind
                    .as_str();
                let entities: Vec<Value> = self.layout.entity_order[g.items]
                    .iter()
                    .map(|&e| self.entity_value(e))
                    .collect();
                map([
                    ("kind", kind.into()),
                    ("title", kind_title(kind).into()),
                    ("count", whole.len().into()),
                    ("continued", g.continued.into()),
                    ("continues", g.continues.into()),
                    ("entities", entities.into()),
                ])
            })
            .collect();
        let mut c = Fields::default();
        c.insert_value("groups", groups.into());
        c
    }
}
