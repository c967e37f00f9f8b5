//! Bulk data for analysts: the catalogue of every document as
//! `data/catalogue.json` and `data/catalogue.csv`, and each document's
//! metadata and structured text as `documents/<slug>/index.json`.
//!
//! The columns and keys come in a fixed order, lists in the order the
//! front matter gives them, documents in the archive's order (newest
//! first): the same archive gives the same bytes. The CSV is written with
//! the `csv` crate; a list in a CSV cell is joined with ` | `.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::{Document, Text};
use crate::diag::Diagnostic;
use crate::render::views::paths;

/// The catalogue's files.
pub const CATALOGUE_JSON: &str = "data/catalogue.json";
pub const CATALOGUE_CSV: &str = "data/catalogue.csv";

/// What a cell of the CSV joins a list with.
const JOIN: &str = " | ";

/// A document's terms, taxonomy by taxonomy in the config's order.
struct Terms<'a>(&'a [(String, Vec<String>)]);

impl Serialize for Terms<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (taxonomy, terms) in self.0 {
            map.serialize_entry(taxonomy, terms)?;
        }
        map.end()
    }
}

/// One document of the catalogue.
#[derive(Serialize)]
struct Row<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    original_title: Option<&'a str>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, as precise as the date is known.
    date: Option<String>,
    date_precision: Option<&'static str>,
    /// The first of its terms in the taxonomy named `types`.
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    terms: Terms<'a>,
    authors: &'a [String],
    translators: &'a [String],
    /// Whether the archive holds the text (false: a catalogue record).
    held: bool,
    source_url: Option<&'a str>,
    /// How many documents of the archive it cites.
    cites: usize,
}

fn precision(doc: &Document) -> Option<&'static str> {
    let date = doc.date?;
    Some(match (date.month, date.day) {
        (Some(_), Some(_)) => "day",
        (Some(_), None) => "month",
        _ => "year",
    })
}

fn row<'a>(archive: &'a Archive, config: &Config, id: DocId) -> Row<'a> {
    let doc = &archive.documents[id];
    Row {
        slug: &doc.slug,
        url: config.permalink(&paths::document(&doc.slug)),
        title: &doc.title,
        original_title: doc.original_title.as_deref(),
        date: doc.date.map(|d| d.iso()),
        date_precision: precision(doc),
        kind: doc.kind(),
        terms: Terms(&doc.terms),
        authors: &doc.authors,
        translators: &doc.translators,
        held: !matches!(doc.text, Text::None),
        source_url: doc.source_url.as_deref(),
        cites: archive.links.cites[id].len(),
    }
}

/// The CSV of `rows`: one column per key of a row, a taxonomy's terms in
/// a column of its own.
fn csv_header(archive: &Archive) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec![
        "slug",
        "url",
        "title",
        "original_title",
        "date",
        "date_precision",
        "type",
    ];
    header.extend(archive.taxonomies.iter().map(|t| t.name.as_str()));
    header.extend(["authors", "translators", "held", "source_url", "cites"]);
    w.write_record(&header).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// One row of the CSV catalogue, its line ending included: records are
/// written one by one, so the catalogue is the header and its rows' lines.
fn csv_record(archive: &Archive, r: &Row) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut record: Vec<Cow<str>> = vec![
        r.slug.into(),
        r.url.as_str().into(),
        r.title.into(),
        r.original_title.unwrap_or("").into(),
        r.date.as_deref().unwrap_or("").into(),
        r.date_precision.unwrap_or("").into(),
        r.kind.unwrap_or("").into(),
    ];
    for taxonomy in &archive.taxonomies {
        let terms = r.terms.0.iter().find(|(name, _)| *name == taxonomy.name);
        record.push(terms.map_or(Cow::Borrowed(""), |(_, t)| t.join(JOIN).into()));
    }
    record.push(r.authors.join(JOIN).into());
    record.push(r.translators.join(JOIN).into());
    record.push(if r.held { "true" } else { "false" }.into());
    record.push(r.source_url.unwrap_or("").into());
    record.push(r.cites.to_string().into());
    w.write_record(record.iter().map(|c| c.as_bytes()))
        .expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// A block of a document's text: its anchor, what it is, its text.
struct Block<'a> {
    anchor: Cow<'a, str>,
    kind: &'static str,
    text: Cow<'a, str>,
}

fn kind_name(kind: crate::content::seed::BlockKind) -> &'static str {
    use crate::content::seed::BlockKind as K;
    match kind {
        K::Title => "title",
        K::Heading { .. } => "heading",
        K::Paragraph => "paragraph",
        K::ListItem { .. } => "list-item",
        K::Caption => "caption",
        K::Dateline => "dateline",
        K::Attribution => "attribution",
        K::Note => "note",
        K::Furniture => "furniture",
    }
}

/// The blocks of a markdown text.
fn markdown_blocks<'a>(md: &str, prefix: &str) -> Vec<Block<'a>> {
    crate::render::markdown::text_blocks(md, prefix)
        .into_iter()
        .map(|(anchor, text)| Block {
            anchor: Cow::Owned(anchor),
            kind: "markdown",
            text: Cow::Owned(text),
        })
        .collect()
}

/// `documents/<slug>/index.json`.
#[derive(Serialize)]
struct DocumentData<'a> {
    #[serde(flatten)]
    row: Row<'a>,
    original_language: Option<&'a str>,
    summary: Option<&'a str>,
    archived_url: Option<&'a str>,
    /// The number its issuer gave it.
    document_number: Option<&'a str>,
    cited_as: &'a [String],
    /// The slugs of the documents it cites, and of those citing it.
    cites_documents: Vec<&'a str>,
    cited_by: Vec<&'a str>,
    /// The text, block by block (empty for a catalogue record), and the
    /// curator's note: written last, by [`blocks_json`].
    #[serde(skip)]
    text: Vec<Block<'a>>,
    #[serde(skip)]
    note: Vec<Block<'a>>,
}

/// Appends `,"key":[...]` for `blocks`, their strings escaped with SIMD
/// (json-escape-simd): the text is nearly all of a document's data, and
/// serde_json escapes a byte at a time.
fn blocks_json(key: &str, blocks: &[Block], out: &mut Vec<u8>) {
    out.extend_from_slice(format!(",\"{key}\":[").as_bytes());
    for (n, b) in blocks.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"anchor\":");
        json_escape_simd::escape_into(&*b.anchor, out);
        out.extend_from_slice(format!(",\"kind\":\"{}\",\"text\":", b.kind).as_bytes());
        json_escape_simd::escape_into(&*b.text, out);
        out.push(b'}');
    }
    out.push(b']');
}

fn document_json(archive: &Archive, config: &Config, id: DocId) -> Vec<u8> {
    let doc = &archive.documents[id];
    let slug = |d: &DocId| archive.documents[*d].slug.as_str();
    let text = match &doc.text {
        Text::Blocks(blocks) => blocks
            .iter()
            .map(|b| Block {
                anchor: Cow::Borrowed(b.anchor.as_str()),
                kind: kind_name(b.kind),
                text: Cow::Borrowed(b.text.as_str()),
            })
            .collect(),
        Text::Markdown(md) => markdown_blocks(md, ""),
        Text::None => Vec::new(),
    };
    let data = DocumentData {
        row: row(archive, config, id),
        original_language: doc.original_language.as_deref(),
        summary: doc.summary.as_deref(),
        archived_url: doc.archived_url.as_deref(),
        document_number: doc.document_number.as_deref(),
        cited_as: &doc.cited_as,
        cites_documents: archive.links.cites[id].iter().map(slug).collect(),
        cited_by: archive.links.cited_by[id].iter().map(|(d, _)| slug(d)).collect(),
        text,
        note: doc
            .note
            .as_deref()
            .map_or_else(Vec::new, |n| markdown_blocks(n, "note-")),
    };
    let mut out = serde_json::to_vec(&data).expect("document data serialises");
    debug_assert_eq!(out.last(), Some(&b'}'));
    out.pop();
    blocks_json("text", &data.text, &mut out);
    blocks_json("note", &data.note, &mut out);
    out.push(b'}');
    out
}

/// A hash of everything a document's data is made of: its slug (from its
/// file's name) and files, the config (`settings`), and the slugs of the
/// documents it cites and of those citing it.
fn document_inputs(archive: &Archive, settings: u64, id: DocId) -> u64 {
    use std::hash::{Hash, Hasher};
    let slug = |d: &DocId| archive.documents[*d].slug.as_str();
    let mut h = crate::hash::hasher();
    (settings, &archive.documents[id].slug, archive.documents[id].fingerprint).hash(&mut h);
    for d in &archive.links.cites[id] {
        slug(d).hash(&mut h);
    }
    h.write_u8(0);
    for (d, _) in &archive.links.cited_by[id] {
        slug(d).hash(&mut h);
    }
    h.finish()
}

/// The site path of a document's data.
pub fn document_data(slug: &str) -> String {
    format!("{}index.json", paths::document(slug))
}

/// Each document's catalogue row as last written, as JSON and as a CSV
/// line, kept by the preview server ([`Rows::keeping`]): a rebuild that
/// looked at some documents makes only their rows again, leaves the
/// catalogue as it is when none changed, and otherwise joins the kept rows
/// with the new ones. A one-shot build keeps nothing.
#[derive(Default)]
pub struct Rows {
    keep: bool,
    rows: Vec<RowBytes>,
    /// Each row's document and a hash of its inputs ([`row_inputs`]): a
    /// rebuild of the whole archive makes again only the rows whose
    /// inputs changed.
    keys: Vec<(Box<str>, u64)>,
}

/// A catalogue row as JSON and as a CSV line.
type RowBytes = (Box<[u8]>, Box<[u8]>);

impl Rows {
    /// Rows that keep each build's catalogue, for the preview server.
    pub fn keeping() -> Rows {
        Rows {
            keep: true,
            rows: Vec::new(),
            keys: Vec::new(),
        }
    }
}

/// A hash of everything a document's row is made of: its slug (from its
/// file's name) and files, the config (`settings`), and how many documents
/// it cites.
fn row_inputs(archive: &Archive, settings: u64, id: DocId) -> u64 {
    let doc = &archive.documents[id];
    crate::hash::of(&(settings, &doc.slug, doc.fingerprint, archive.links.cites[id].len()))
}

/// A document's row as JSON and as a CSV line.
fn row_bytes(archive: &Archive, config: &Config, id: DocId) -> RowBytes {
    let row = row(archive, config, id);
    let json = serde_json::to_vec(&row).expect("rows serialise");
    (json.into(), csv_record(archive, &row).into())
}

/// The catalogue's two files from its rows, as `serde_json` and the `csv`
/// writer would write the whole list, in one pass over rows made as they
/// are needed.
fn catalogue_files<J: AsRef<[u8]>, C: AsRef<[u8]>>(
    archive: &Archive,
    rows: impl Iterator<Item = (J, C)>,
) -> (Vec<u8>, Vec<u8>) {
    let mut json = vec![b'['];
    let mut csv = csv_header(archive);
    for (n, (j, c)) in rows.enumerate() {
        if n > 0 {
            json.push(b',');
        }
        json.extend_from_slice(j.as_ref());
        csv.extend_from_slice(c.as_ref());
    }
    json.push(b']');
    (json, csv)
}

/// The catalogue's JSON file from the rows' JSON, as [`catalogue_files`]
/// writes it.
fn catalogue_json<'a>(rows: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut json = vec![b'['];
    for (n, row) in rows.enumerate() {
        if n > 0 {
            json.push(b',');
        }
        json.extend_from_slice(row);
    }
    json.push(b']');
    json
}

/// The catalogue's CSV file from the rows' lines, as [`catalogue_files`]
/// writes it.
fn catalogue_csv<'a>(archive: &Archive, rows: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut csv = csv_header(archive);
    rows.for_each(|row| csv.extend_from_slice(row));
    csv
}

/// Writes the catalogue from the rows `last` keeps, as [`write`] left
/// them. The kept rows' inputs stand for the files' bytes (some 60 MB at
/// 100,000 documents), which are neither joined nor hashed when the sink
/// holds them already. Returns how many files there are.
pub fn write_catalogue(
    archive: &Archive,
    config: &Config,
    last: &Rows,
    put_made: &super::PutMade,
) -> Result<usize, Diagnostic> {
    let inputs = {
        use std::hash::{Hash, Hasher};
        let mut h = crate::hash::hasher();
        (CATALOGUE_JSON, config.settings_hash(), &last.keys).hash(&mut h);
        h.finish()
    };
    put_made(CATALOGUE_JSON, inputs, &|| {
        catalogue_json(last.rows.iter().map(|(j, _)| &**j))
    })?;
    put_made(CATALOGUE_CSV, inputs ^ 1, &|| {
        catalogue_csv(archive, last.rows.iter().map(|(_, c)| &**c))
    })?;
    Ok(2)
}

/// Writes the catalogue, and the data of every document, each file handed
/// to `put`. With `only` (a rebuild that kept every document's place, and
/// the documents whose pages it looked at), just those documents' data,
/// and the catalogue only if one of their rows changed since `last`.
/// Without `catalogue_now`, the rows `last` keeps are brought up to date
/// and the catalogue is left for [`write_catalogue`]. Returns how many
/// files were written.
pub fn write(
    archive: &Archive,
    config: &Config,
    only: Option<&[DocId]>,
    last: &mut Rows,
    catalogue_now: bool,
    put: &super::Put,
    put_made: &super::PutMade,
) -> Result<usize, Diagnostic> {
    let ids = super::documents_of(archive, only);
    let settings = config.settings_hash();
    // The catalogue is one serial job: it runs beside the documents' data.
    let (catalogue, documents) = rayon::join(
        || {
            let patch = only.is_some() && last.rows.len() == archive.documents.len();
            if patch {
                let fresh: Vec<(DocId, RowBytes)> =
                    ids.iter().map(|&id| (id, row_bytes(archive, config, id))).collect();
                if fresh.iter().all(|(id, row)| last.rows[*id] == *row) {
                    return Ok(0);
                }
                for (id, row) in fresh {
                    last.rows[id] = row;
                    last.keys[id].1 = row_inputs(archive, settings, id);
                }
            } else if last.keep {
                let before: crate::hash::Map<&str, usize> = last
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(n, (slug, _))| (&**slug, n))
                    .collect();
                let made: Vec<((Box<str>, u64), RowBytes)> = (0..archive.documents.len())
                    .into_par_iter()
                    .with_max_len(crate::FINE)
                    .map(|id| {
                        let slug = archive.documents[id].slug.as_str();
                        let inputs = row_inputs(archive, settings, id);
                        let row = match before.get(slug) {
                            Some(&n) if last.keys[n].1 == inputs => last.rows[n].clone(),
                            _ => row_bytes(archive, config, id),
                        };
                        ((slug.into(), inputs), row)
                    })
                    .collect();
                (last.keys, last.rows) = made.into_iter().unzip();
            } else {
                // Nothing kept (a one-shot build), so nothing to make the
                // catalogue from later: each row is added as it is made.
                let rows = (0..archive.documents.len()).map(|id| row_bytes(archive, config, id));
                let (json, csv) = catalogue_files(archive, rows);
                put(CATALOGUE_JSON, &json)?;
                return put(CATALOGUE_CSV, &csv).map(|()| 2);
            }
            if !catalogue_now {
                return Ok(0);
            }
            write_catalogue(archive, config, last, put_made)
        },
        || {
            ids.par_iter().with_max_len(crate::FINE).try_for_each(|&id| {
                put_made(
                    &document_data(&archive.documents[id].slug),
                    document_inputs(archive, settings, id),
                    &|| document_json(archive, config, id),
                )
            })
        },
    );
    let catalogue = catalogue?;
    documents?;
    Ok(catalogue + ids.len())
}
