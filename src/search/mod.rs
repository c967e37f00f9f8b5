//! Search: the full-text index of the archive, built beside the pages.
//!
//! This stage reads the analysed archive (never the written HTML) and
//! writes, under `search/`, the files the browser's searcher
//! (`themes/default/static/search.js`) reads; the site needs no server of
//! its own. A *record* is what a result links to: a document (its id is its
//! place in the archive, newest first, so sorting by date is sorting by id)
//! or, after the documents, a person or organisation.
//!
//! - `search/meta.json`: how many records and shards, the taxonomies'
//!   terms, each year's range of ids, and the terms so common that a query
//!   with rarer ones does not fetch them.
//! - `search/t/N.pack`: shard N of the inverted index. A term lives in the
//!   shard its FNV-1a hash names; a query fetches one shard per term.
//!   Each entry: the term, and for every record holding it the gap to the
//!   previous record's id and a BM25 weight (the term's weighted frequency
//!   against the length of the record's text, see `ChunkTokens::add`) in
//!   one byte. Written as they are, not gzipped: gaps and one-byte weights
//!   leave gzip little to find (10% at 10,000 documents, 12% at 100,000),
//!   and a document added or deleted, which moves the ids after it,
//!   rewrites nearly every shard, where gzip was most of the cost.
//! - `search/f/N.pack`: one per taxonomy, each term's records (gaps), fetched
//!   only when a reader opens that filter.
//! - `search/r/NAME.json`: one per record, what a result shows: URL, title,
//!   date, type, and the text block by block with each block's anchor, so a
//!   result links to the paragraph that matches. Page furniture is left out.
//!   Plain JSON, which web hosts compress on the way as they do pages:
//!   compressing 10,000 texts here cost a sixth of the stage. NAME is a hash
//!   of the record's slug, not its id: a document added or deleted moves
//!   every later id, and no record file has to follow.
//! - `search/k/N.json`: the names of records N × 256 onwards, in id order,
//!   where the browser looks up the file of a result.
//!
//! Filter lists are gzip streams the browser inflates itself (a host that
//! knew them as `.gz` might send them with a `Content-Encoding`, and the
//! browser would inflate them before the script sees them); the script
//! tells them from shards by gzip's first two bytes, 0x1f 0x8b, which no
//! shard starts with (its first byte is a term's length, and the next the
//! start of a UTF-8 character, never 0x8b).
//! Every file is written in a fixed order from sorted data: the same
//! archive gives the same bytes.

mod incremental;
pub mod tokens;

pub use incremental::Cache;

use std::borrow::Cow;
use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::Archive;
use crate::config::SearchConfig;
use crate::content::{Document, Text};
use crate::diag::Diagnostic;
use crate::hash::Map;
use crate::render::views::paths;
use tokens::Tokenizer;

/// The folder of the site the index is written in.
pub const FOLDER: &str = "search";

/// How much more a term counts in each field than in the text.
const TITLE_WEIGHT: u32 = 5;
const NAME_WEIGHT: u32 = 3;
const SUMMARY_WEIGHT: u32 = 2;

/// BM25's saturation and length normalisation.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A term in more than this share of the records is "common" (see
/// `meta.json`), once the archive has at least `COMMON_MIN_RECORDS`.
const COMMON_SHARE: f64 = 0.2;
const COMMON_MIN_RECORDS: usize = 50;

/// About how many bytes of postings a shard holds.
const SHARD_BYTES: usize = 48 * 1024;

/// What a result shows of a record, and its text block by block.
#[derive(Serialize)]
struct Shown<'a> {
    /// Site path, without the root (`documents/plan/`).
    u: String,
    /// Title.
    t: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'a str>,
    /// Date, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    /// Document type, or the kind of a person or organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<&'a str>,
    /// 1 for a catalogue record (the archive does not hold the text), 2 for
    /// a person or organisation.
    #[serde(skip_serializing_if = "is_zero")]
    c: u8,
    /// Other names: `cited_as`, or an entity's other names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    n: Vec<&'a str>,
    /// Summary, or an entity's description.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    /// Blocks: anchor and text. Written last, by [`record_json`].
    #[serde(skip)]
    b: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The document's terms of every taxonomy: searched, not shown (the
    /// filters show them).
    #[serde(skip)]
    terms: Vec<&'a str>,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// `meta.json`.
#[derive(Serialize)]
struct Meta<'a> {
    version: u32,
    /// Changes whenever any file of the index does: fetched files carry
    /// it, so that no browser cache serves a shard of an older build.
    id: String,
    records: usize,
    documents: usize,
    shards: usize,
    taxonomies: Vec<MetaTaxonomy<'a>>,
    /// `[year, first id, end id]`, newest year first.
    years: Vec<(i32, usize, usize)>,
    /// Terms in more than a fifth of the records, sorted.
    common: Vec<&'a str>,
    /// How many records' names each file of `k/` lists.
    names_per_file: usize,
    /// At most how many characters of a paragraph, and how many
    /// paragraphs, a result shows (`[search]` in config.toml).
    excerpt_length: usize,
    excerpts: usize,
}

#[derive(Serialize)]
struct MetaTaxonomy<'a> {
    name: &'a str,
    title: &'a str,
    terms: Vec<&'a str>,
}

/// Where the index's files go: a path inside the site and its bytes.
pub use crate::output::Put;

/// What the index wrote.
pub struct Written {
    pub files: usize,
    /// Whether the index was updated in place.
    pub in_place: bool,
}

/// Builds the index of `archive` and hands each file to `put` (a path
/// inside the site and its bytes).
///
/// With a `cache` (the preview server keeps one), the index is kept in
/// memory after a whole build; when the archive was only updated in place
/// (`changed` names the records to make again: the documents whose files
/// changed, see [`crate::analyse::Delta`], and entities by their number
/// after the documents), only their records, the shards of their old
/// and new terms, and `meta.json` are written again, with the bytes a
/// whole build would write.
pub fn write(
    archive: &Archive,
    options: &SearchConfig,
    put: &Put,
    keep: &Keep,
    cache: Option<&mut Cache>,
    changed: Option<&[crate::analyse::DocId]>,
) -> Result<Written, Diagnostic> {
    let mut cache = cache;
    if let Some(cache) = cache.as_deref_mut() {
        // Without a list of changed documents (the archive was analysed
        // anew), the records whose inputs changed are the changed ones, as
        // long as every record kept its number; otherwise records came,
        // went or moved, and those kept are carried to their new numbers.
        // The files of the index left as they were are then kept, one by
        // one: the output of a whole build holds only what it was given.
        let written = match changed {
            Some(changed) => cache.update(archive, options, changed, put, None),
            None => match cache.changed_records(archive, options) {
                Some(changed) => cache.update(archive, options, &changed, put, Some(keep)),
                None => cache.renumber(archive, options, put, keep),
            },
        };
        match written {
            Ok(Some(written)) => return Ok(written),
            Ok(None) => {}
            // Half updated: the next build starts over.
            Err(e) => {
                cache.state = None;
                return Err(e);
            }
        }
    }
    write_all(archive, options, put, cache)
}

/// A hash of everything record `id` is made of: a document's slug (from
/// its file's name) and files, or an entity's entry (the options are
/// compared apart).
fn record_inputs(archive: &Archive, id: usize) -> u64 {
    match archive.documents.get(id) {
        Some(doc) => crate::hash::of(&(&doc.slug, doc.fingerprint)),
        None => {
            let e = &archive.entities[id - archive.documents.len()];
            crate::hash::of(&(&e.slug, &e.name, &e.kind, &e.other_names, &e.description))
        }
    }
}

/// What names record `id` from one archive to the next: a document's
/// slug, or an entity's after a character no slug holds.
fn record_key(archive: &Archive, id: usize) -> Box<str> {
    match archive.documents.get(id) {
        Some(doc) => doc.slug.as_str().into(),
        None => format!("\0{}", archive.entities[id - archive.documents.len()].slug).into(),
    }
}

/// Every record's key and the hash of its inputs, and a hash of their
/// order: how a kept index tells which of its records a new archive still
/// has, and where.
pub(super) struct Identity {
    keys: Vec<Box<str>>,
    /// Each record's file name, [`record_names`].
    names: Vec<u64>,
    inputs: Vec<u64>,
    order: u64,
}

impl Identity {
    fn of(archive: &Archive, options: &SearchConfig) -> Identity {
        let total = record_count(archive, options);
        let keys: Vec<Box<str>> = (0..total).map(|id| record_key(archive, id)).collect();
        Identity {
            names: record_names(&keys),
            keys,
            inputs: (0..total).map(|id| record_inputs(archive, id)).collect(),
            order: record_order(archive, options),
        }
    }

    /// The path of record `id`'s file inside the site.
    fn path(&self, id: usize) -> String {
        format!("{FOLDER}/r/{:016x}.json", self.names[id])
    }

    /// The number record `id`'s file hash is keyed by ([`file_hash`]).
    fn file(&self, id: usize) -> u64 {
        RECORD_FILE ^ self.names[id]
    }
}

/// Each record's file name: the 64-bit FNV-1a hash of its key, so that a
/// record keeps its file whatever number it has, and records added or
/// removed before it leave the file as it was. Two keys with the same hash
/// (about one chance in 10^8 at a million records) are told apart by
/// hashing the later one again with a counter.
fn record_names(keys: &[Box<str>]) -> Vec<u64> {
    let mut taken = crate::hash::Set::default();
    keys.iter()
        .map(|key| {
            let mut name = fnv1a64(key.as_bytes(), FNV64_OFFSET);
            let mut again = 0u8;
            while !taken.insert(name) {
                again = again.wrapping_add(1);
                name = fnv1a64(&[again], name);
            }
            name
        })
        .collect()
}

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a of `bytes`, from `h`: a hash fixed by its definition,
/// the same on every machine, for names that end up in the site.
fn fnv1a64(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How many records' names each file of `search/k/` lists, in order.
const NAMES_PER_FILE: usize = 256;

/// Writes the files of record names, `search/k/N.json` (a JSON array of
/// the names of records N × [`NAMES_PER_FILE`] onwards): the browser looks
/// up a result's file there. Returns their hashes.
fn write_names(names: &[u64], put: &Put) -> Result<Vec<u64>, Diagnostic> {
    names
        .chunks(NAMES_PER_FILE)
        .enumerate()
        .map(|(n, chunk)| {
            let list: Vec<String> = chunk.iter().map(|name| format!("{name:016x}")).collect();
            let bytes = serde_json::to_vec(&list).expect("names serialise");
            put(&format!("{FOLDER}/k/{n}.json"), &bytes)?;
            Ok(file_hash(NAMES_FILE | n as u64, &bytes))
        })
        .collect()
}

/// A hash of which record has which number: the documents' slugs in
/// order, then the entities'.
fn record_order(archive: &Archive, options: &SearchConfig) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    for doc in archive.documents.iter() {
        doc.slug.hash(&mut h);
    }
    h.write_u8(0);
    if options.entities {
        for e in &archive.entities {
            e.slug.hash(&mut h);
        }
    }
    h.finish()
}

/// How many records the index of `archive` holds: its documents, then
/// its people and organisations unless `[search] entities = false`.
fn record_count(archive: &Archive, options: &SearchConfig) -> usize {
    archive.documents.len() + if options.entities { archive.entities.len() } else { 0 }
}

/// The whole index, written anew.
fn write_all(
    archive: &Archive,
    options: &SearchConfig,
    put: &Put,
    cache: Option<&mut Cache>,
) -> Result<Written, Diagnostic> {
    let total = record_count(archive, options);
    let identity = Identity::of(archive, options);
    // Each chunk of records, on one thread: every record's file is written
    // and its terms counted from the same view of it.
    let ids: Vec<u32> = (0..total as u32).collect();
    let done: Vec<Result<(Chunk, Vec<u64>), Diagnostic>> = ids
        .par_chunks(CHUNK)
        // A chunk is a job of its own: grouped, the last group would
        // leave the other core idle.
        .with_max_len(1)
        .map(|ids| {
            let mut tokens = ChunkTokens::default();
            let mut json = Vec::new();
            let mut hashes = Vec::with_capacity(ids.len());
            for &id in ids {
                let record = record(archive, options, id as usize);
                json.clear();
                record_json(&record, &mut json);
                put(&identity.path(id as usize), &json)?;
                hashes.push(file_hash(identity.file(id as usize), &json));
                tokens.add(&record);
            }
            Ok((tokens.finish(ids), hashes))
        })
        .collect();
    let mut chunks = Vec::with_capacity(done.len());
    let mut record_hashes = Vec::with_capacity(total);
    for chunk in done {
        let (chunk, hashes) = chunk?;
        chunks.push(chunk);
        record_hashes.extend(hashes);
    }
    let mut lengths = vec![0u32; total];
    for chunk in &chunks {
        for &(id, length) in &chunk.lengths {
            lengths[id as usize] = length;
        }
    }
    let index = Index::new(chunks, lengths);
    let norms = norms(&index.lengths, index.average);
    let keep = cache.is_some();
    // Each shard gathers its terms from every chunk, in order, and is
    // encoded and written; the shards are independent.
    type Shard<'a> = (u64, Vec<&'a str>, Option<ShardTerms<'a>>);
    let shards: Vec<Result<Shard, Diagnostic>> = (0..index.shard_count)
        .into_par_iter()
        .with_max_len(1)
        .map(|n| {
            let terms = index.shard(n);
            let bytes = encode(&terms, &norms);
            put(&format!("{FOLDER}/t/{n}.pack"), &bytes)?;
            let common = terms
                .iter()
                .filter(|(_, p)| is_common(p.len(), total))
                .map(|(t, _)| *t)
                .collect();
            Ok((file_hash(n as u64, &bytes), common, keep.then_some(terms)))
        })
        .collect();
    let mut shard_hashes = Vec::with_capacity(index.shard_count);
    let mut common = Vec::new();
    let mut kept = Vec::new();
    for shard in shards {
        let (hash, terms, all) = shard?;
        shard_hashes.push(hash);
        common.extend(terms);
        kept.extend(all);
    }
    common.sort_unstable();
    let facet_hashes = write_facets(archive, put)?;
    let hashes = Hashes {
        records: record_hashes,
        shards: shard_hashes,
        facets: facet_hashes,
        names: write_names(&identity.names, put)?,
    };
    put(
        &format!("{FOLDER}/meta.json"),
        &meta(archive, options, hashes.id(), index.shard_count, common),
    )?;
    let written = Written {
        files: hashes.records.len() + hashes.shards.len() + hashes.facets.len() + hashes.names.len() + 1,
        in_place: false,
    };
    if let Some(cache) = cache {
        cache.state = Some(incremental::State::new(
            options.clone(),
            kept,
            index.lengths.clone(),
            index.average,
            index.posting_count,
            hashes,
            identity,
        ));
    }
    Ok(written)
}

/// Writes each taxonomy's facet file (every term's records); returns their
/// hashes.
fn write_facets(archive: &Archive, put: &Put) -> Result<Vec<u64>, Diagnostic> {
    let mut hashes = Vec::with_capacity(archive.taxonomies.len());
    for (n, taxonomy) in archive.taxonomies.iter().enumerate() {
        let mut out = Vec::new();
        for term in &taxonomy.terms {
            write_ids(&mut out, term.documents.iter().map(|&d| d as u32));
        }
        let bytes = gzip(&out);
        hashes.push(file_hash(FACET_FILE | n as u64, &bytes));
        put(&format!("{FOLDER}/f/{n}.pack"), &bytes)?;
    }
    Ok(hashes)
}

/// Kinds of file, in the high bits of the number a file's hash is keyed
/// by: shards are numbered from 0.
const RECORD_FILE: u64 = 1 << 40;
const FACET_FILE: u64 = 2 << 40;
const NAMES_FILE: u64 = 3 << 40;

/// The hash of every file of the index but `meta.json`, whose `id` is
/// their sum: any change to any file changes it.
struct Hashes {
    records: Vec<u64>,
    shards: Vec<u64>,
    facets: Vec<u64>,
    names: Vec<u64>,
}

impl Hashes {
    fn id(&self) -> u64 {
        self.records
            .iter()
            .chain(&self.shards)
            .chain(&self.facets)
            .chain(&self.names)
            .fold(0u64, |a, &h| a.wrapping_add(h))
    }
}

/// The bytes of `meta.json`.
fn meta(archive: &Archive, options: &SearchConfig, id: u64, shards: usize, common: Vec<&str>) -> Vec<u8> {
    let meta = Meta {
        version: 2,
        id: format!("{id:016x}"),
        records: record_count(archive, options),
        documents: archive.documents.len(),
        shards,
        taxonomies: archive
            .taxonomies
            .iter()
            .map(|t| MetaTaxonomy {
                name: &t.name,
                title: &t.title,
                terms: t.terms.iter().map(|term| term.name.as_str()).collect(),
            })
            .collect(),
        years: archive
            .timeline
            .years
            .iter()
            .filter_map(|y| Some((y.year, *y.documents.iter().min()?, y.documents.iter().max()? + 1)))
            .collect(),
        common,
        names_per_file: NAMES_PER_FILE,
        excerpt_length: options.excerpt_length,
        excerpts: options.excerpts,
    };
    serde_json::to_vec(&meta).expect("meta serialises")
}

/// Appends the JSON of `record`: its fields, then its blocks as pairs of
/// strings. The blocks are nearly all of a record's bytes, and their
/// strings are escaped with SIMD (json-escape-simd, from sonic-rs), four
/// times as fast as `serde_json`'s byte-by-byte loop.
fn record_json(record: &Shown, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, record).expect("records serialise");
    debug_assert_eq!(out.last(), Some(&b'}'));
    out.pop();
    out.extend_from_slice(b",\"b\":[");
    for (n, (anchor, text)) in record.b.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'[');
        json_escape_simd::escape_into(anchor, out);
        out.push(b',');
        json_escape_simd::escape_into(text, out);
        out.push(b']');
    }
    out.extend_from_slice(b"]}");
}

fn file_hash(n: u64, bytes: &[u8]) -> u64 {
    crate::hash::of(bytes) ^ crate::hash::of(&n)
}

/// The hash of the bytes of the file whose [`file_hash`] with `n` is
/// `hash`: what the sink knows the file by (see [`Keep`]).
fn bytes_hash(n: u64, hash: u64) -> u64 {
    hash ^ crate::hash::of(&n)
}

/// Whether `rel`, a path in the output, is a file of the index: its
/// `meta.json`, or a file in one of its folders of shards, facets, record
/// names and records (the search page beside them is a page).
pub fn is_index_file(rel: &str) -> bool {
    let Some(inside) = rel.strip_prefix(FOLDER).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    inside == "meta.json" || ["t/", "f/", "k/", "r/"].iter().any(|folder| inside.starts_with(folder))
}

/// Keeps a file of the last build that is still as it was, given its path
/// and the hash of its bytes; false when the output does not hold it so.
pub type Keep<'a> = dyn Fn(&str, u64) -> bool + Sync + 'a;

/// Record `id`: a document, newest first, or after them a person or
/// organisation.
fn record<'a>(archive: &'a Archive, options: &SearchConfig, id: usize) -> Shown<'a> {
    let Some(doc) = archive.documents.get(id) else {
        let e = &archive.entities[id - archive.documents.len()];
        return Shown {
            u: paths::entity(&e.slug),
            t: &e.name,
            o: None,
            d: None,
            k: Some(e.kind.as_str()),
            c: 2,
            n: e.other_names.iter().map(String::as_str).collect(),
            s: e.description.as_deref(),
            b: Vec::new(),
            terms: Vec::new(),
        };
    };
    document_record(doc, options.notes)
}

/// A document's record, with its note unless `notes` is false.
fn document_record(doc: &Document, notes: bool) -> Shown<'_> {
    let kind = doc.kind();
    let mut blocks = Vec::new();
    match &doc.text {
        Text::Blocks(list) => blocks.extend(
            list.iter()
                .filter(|b| b.kind != crate::content::seed::BlockKind::Furniture)
                .map(|b| (Cow::Borrowed(b.anchor.as_str()), Cow::Borrowed(b.text.as_str()))),
        ),
        Text::Markdown(md) => markdown_blocks(md, "", &mut blocks),
        Text::None => {}
    }
    if let Some(note) = doc.note.as_ref().filter(|_| notes) {
        markdown_blocks(note, "note-", &mut blocks);
    }
    Shown {
        u: paths::document(&doc.slug),
        t: &doc.title,
        o: doc.original_title.as_deref(),
        d: doc.date.map(|d| d.to_string()),
        k: kind,
        c: u8::from(matches!(doc.text, Text::None)),
        n: doc.cited_as.iter().map(String::as_str).collect(),
        s: doc.summary.as_deref(),
        b: blocks,
        terms: doc
            .terms
            .iter()
            .flat_map(|(_, terms)| terms.iter().map(String::as_str))
            .collect(),
    }
}

/// The blocks of a markdown text, each with the anchor a reader follows to
/// it.
fn markdown_blocks(md: &str, prefix: &str, out: &mut Vec<(Cow<'_, str>, Cow<'_, str>)>) {
    out.extend(
        crate::render::markdown::text_blocks(md, prefix)
            .into_iter()
            .map(|(anchor, text)| (Cow::Owned(anchor), Cow::Owned(text))),
    );
}

/// A shard's terms, sorted, each with its postings by record id.
type ShardTerms<'a> = Vec<(&'a str, Vec<(u32, u16)>)>;

/// What one chunk of records gives: its terms, and for each the records
/// of the chunk that hold it, with the weighted frequency, by id.
struct Chunk {
    terms: Vec<Box<str>>,
    /// Term `t`'s postings are `flat[starts[t]..starts[t + 1]]`: one
    /// allocation for the chunk, not one growing list per term.
    starts: Vec<u32>,
    flat: Vec<(u32, u16)>,
    /// Each record's id and length in terms, weighted as its frequencies
    /// are.
    lengths: Vec<(u32, u32)>,
}

impl Chunk {
    /// The postings of the chunk's term `t`, by record id.
    fn postings(&self, t: usize) -> &[(u32, u16)] {
        &self.flat[self.starts[t] as usize..self.starts[t + 1] as usize]
    }
}

/// Records are tokenised in chunks, in parallel; a chunk numbers its terms
/// itself, so no dictionary is shared between threads. Each chunk stems
/// each of its distinct words once: larger chunks stem less and merge
/// fewer lists per term (1,024 records took a tenth less time than 256 at
/// 10,000 documents).
const CHUNK: usize = 1024;

/// The inverted index, as the chunks left it: a shard's terms are gathered
/// from every chunk when the shard is written.
struct Index {
    chunks: Vec<Chunk>,
    /// For each chunk, its term numbers ordered by shard, and where each
    /// shard's begin (`shard_count + 1` offsets).
    by_shard: Vec<(Vec<u32>, Vec<u32>)>,
    lengths: Vec<u32>,
    average: f64,
    shard_count: usize,
    /// How many (record, term) pairs the index holds.
    posting_count: usize,
}

impl Index {
    /// The index of `chunks`, in the order of their records.
    fn new(chunks: Vec<Chunk>, lengths: Vec<u32>) -> Index {
        let average = average_length(&lengths);
        let posting_count: usize = chunks.iter().map(|c| c.flat.len()).sum();
        let shard_count = shard_count(posting_count);
        let by_shard = chunks
            .par_iter()
            .with_max_len(1)
            .map(|chunk| {
                let shard: Vec<u32> = chunk.terms.iter().map(|t| shard_of(t, shard_count) as u32).collect();
                let mut starts = vec![0u32; shard_count + 1];
                for &s in &shard {
                    starts[s as usize + 1] += 1;
                }
                for n in 1..starts.len() {
                    starts[n] += starts[n - 1];
                }
                let mut next = starts.clone();
                let mut order = vec![0u32; shard.len()];
                for (term, &s) in shard.iter().enumerate() {
                    order[next[s as usize] as usize] = term as u32;
                    next[s as usize] += 1;
                }
                (order, starts)
            })
            .collect();
        Index {
            chunks,
            by_shard,
            lengths,
            average,
            shard_count,
            posting_count,
        }
    }

    /// Shard `n`: its terms, sorted, each with its postings by record id.
    fn shard(&self, n: usize) -> ShardTerms<'_> {
        let mut merged: Map<&str, Vec<(u32, u16)>> = Map::default();
        for (chunk, (order, starts)) in self.chunks.iter().zip(&self.by_shard) {
            for &term in &order[starts[n] as usize..starts[n + 1] as usize] {
                let postings = chunk.postings(term as usize);
                merged
                    .entry(&*chunk.terms[term as usize])
                    .or_default()
                    .extend_from_slice(postings);
            }
        }
        let mut terms: Vec<(&str, Vec<(u32, u16)>)> = merged.into_iter().collect();

        terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        terms
    }
}

/// How many shards an index of `postings` (record, term) pairs has: about
/// [`SHARD_BYTES`] of postings each, a power of two.
fn shard_count(postings: usize) -> usize {
    (postings * 2 / SHARD_BYTES).max(1).next_power_of_two()
}

/// The average length of the records, for BM25, rounded to a quarter of a
/// power of two. An edit rarely moves it to another step, so an index
/// updated in place keeps the weights a whole build gives.
fn average_length(lengths: &[u32]) -> f64 {
    let total: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
    let average = (total as f64 / lengths.len().max(1) as f64).max(1.0);
    2f64.powf((average.log2() * 4.0).round() / 4.0)
}

/// A shard's bytes: per term, its length and UTF-8, how many records hold
/// it, how many bytes their postings take, and the postings. `norms` holds
/// each record's [`norm`].
fn encode<P: AsRef<[(u32, u16)]>>(terms: &[(&str, P)], norms: &[f64]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut postings = Vec::new();
    for (term, list) in terms {
        let list = list.as_ref();
        postings.clear();
        let mut previous = 0;
        for &(record, tf) in list {
            write_varint(&mut postings, u64::from(record - previous));
            previous = record;
            postings.push(weight(tf, norms[record as usize]));
        }
        write_varint(&mut out, term.len() as u64);
        out.extend_from_slice(term.as_bytes());
        write_varint(&mut out, list.len() as u64);
        write_varint(&mut out, postings.len() as u64);
        out.extend_from_slice(&postings);
    }
    out
}

/// BM25's length normalisation of a record: `K1 * (1 - B + B * length /
/// average)`. The length counts in steps of an eighth of a power of two
/// (9%), finer than BM25 needs: a small edit then leaves the weights of a
/// record's other terms as they were, and an update in place rewrites only
/// the shards of the terms it changed.
fn norm(length: u32, average: f64) -> f64 {
    let length = 2f64.powf((f64::from(length.max(1)).log2() * 8.0).round() / 8.0);
    K1 * (1.0 - B + B * length / average)
}

/// Every record's [`norm`].
fn norms(lengths: &[u32], average: f64) -> Vec<f64> {
    lengths.iter().map(|&l| norm(l, average)).collect()
}

/// BM25's term-frequency part, from 1 to 255: what a record's frequency
/// of a term is worth, given the record's [`norm`].
fn weight(tf: u16, norm: f64) -> u8 {
    let tf = f64::from(tf);
    let w = tf * (K1 + 1.0) / (tf + norm);
    (w * 100.0).round().clamp(1.0, 255.0) as u8
}

/// Whether a term held by `records` of `all` records is common: held by
/// more than [`COMMON_SHARE`] of them, in an archive large enough to say.
fn is_common(records: usize, all: usize) -> bool {
    all >= COMMON_MIN_RECORDS && records as f64 > all as f64 * COMMON_SHARE
}

/// Tokenises a chunk of records: each field's terms count its weight.
/// Words as written are looked up before they are lower-cased and
/// stemmed, so each distinct word is stemmed once per chunk.
#[derive(Default)]
struct ChunkTokens {
    tokenizer: Tokenizer,
    /// Words as written, with their term's number.
    words: Words,
    ids: Map<Box<str>, u32>,
    terms: Vec<Box<str>>,
    frequency: Vec<u32>,
    seen: Vec<u32>,
    /// Every record's terms and frequencies, one record after another.
    record_terms: Vec<(u32, u16)>,
    /// Where each record's terms end in `record_terms`, and its length.
    records: Vec<(usize, u32)>,
}

impl ChunkTokens {
    fn term_id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.ids.insert(term.into(), id);
        self.terms.push(term.into());
        self.frequency.push(0);
        id
    }

    /// The number of a Han term (a character or a pair), looked up in the
    /// same table as words: the term is its own spelling.
    fn han_term(&mut self, term: &str) -> u32 {
        match self.words.get(term.as_bytes()) {
            Found::Term(Some(id)) => id,
            // Never stored without a term; a Han term always is one.
            Found::Term(None) => self.term_id(term),
            Found::Vacant { slot, hash, head } => {
                let id = self.term_id(term);
                self.words.insert((slot, hash, head), term.as_bytes(), Some(id));
                id
            }
        }
    }

    fn count(&mut self, id: u32, weight: u32, length: &mut u32) {
        let f = &mut self.frequency[id as usize];
        if *f == 0 {
            self.seen.push(id);
        }
        *f += weight;
        *length += weight;
    }

    fn text(&mut self, text: &str, weight: u32, length: &mut u32) {
        let all = text.as_bytes();
        tokens::pieces(text, |piece| match piece {
            // Too long to give a term, and not looked up.
            tokens::Piece::Word(word) if word.len() > MAX_TABLE_WORD => {}
            tokens::Piece::Word(word) => {
                // The word's first eight bytes, read from the text in one
                // load where the text goes on that far.
                let at = word.as_ptr() as usize - all.as_ptr() as usize;
                let head = match all.get(at..at + 8) {
                    Some(eight) => {
                        let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
                        if word.len() >= 8 {
                            x
                        } else {
                            x & ((1u64 << (8 * word.len())) - 1)
                        }
                    }
                    None => head_of(word.as_bytes()),
                };
                let id = match self.words.get_with_head(word.as_bytes(), head) {
                    Found::Term(id) => id,
                    Found::Vacant { slot, hash, head } => {
                        let id = self.tokenizer.word_term(word).map(|t| self.term_id(&t));
                        self.words.insert((slot, hash, head), word.as_bytes(), id);
                        id
                    }
                };
                if let Some(id) = id {
                    self.count(id, weight, length);
                }
            }
            tokens::Piece::Han(run) => {
                // Each character, then its pair with the one before, as
                // tokens::han_terms gives them.
                let mut previous: Option<usize> = None;
                for (i, c) in run.char_indices() {
                    let end = i + c.len_utf8();
                    let id = self.han_term(&run[i..end]);
                    self.count(id, weight, length);
                    if let Some(p) = previous {
                        let id = self.han_term(&run[p..end]);
                        self.count(id, weight, length);
                    }
                    previous = Some(i);
                }
            }
        });
    }

    /// Counts the terms of `record`. Its length, which BM25 weighs its
    /// frequencies against, is its text's (each term counted once), or,
    /// for a record without text (a catalogue record, a person or
    /// organisation), its other fields' (weighted): so a new title,
    /// summary, name or term leaves the weights of a document's other
    /// terms, and the shards that hold them, as they were.
    fn add(&mut self, record: &Shown) {
        let mut fields = 0u32;
        self.text(record.t, TITLE_WEIGHT, &mut fields);
        if let Some(o) = record.o {
            self.text(o, TITLE_WEIGHT, &mut fields);
        }
        for name in &record.n {
            self.text(name, NAME_WEIGHT, &mut fields);
        }
        if let Some(s) = record.s {
            self.text(s, SUMMARY_WEIGHT, &mut fields);
        }
        for term in &record.terms {
            self.text(term, SUMMARY_WEIGHT, &mut fields);
        }
        let mut text = 0u32;
        for (_, block) in &record.b {
            self.text(block, 1, &mut text);
        }
        let length = if text > 0 { text } else { fields };
        // In any order: `finish` files each posting under its term, and
        // records come in the order of their ids.
        let frequency = &mut self.frequency;
        self.record_terms.extend(self.seen.drain(..).map(|id| {
            let tf = std::mem::take(&mut frequency[id as usize]);
            (id, tf.min(u32::from(u16::MAX)) as u16)
        }));
        self.records.push((self.record_terms.len(), length));
    }

    /// The chunk's postings, its records numbered by `ids` (the id of
    /// each record added, increasing).
    fn finish(self, ids: &[u32]) -> Chunk {
        let mut starts = vec![0u32; self.terms.len() + 1];
        for &(term, _) in &self.record_terms {
            starts[term as usize + 1] += 1;
        }
        for t in 1..starts.len() {
            starts[t] += starts[t - 1];
        }
        let mut next = starts.clone();
        let mut flat = vec![(0, 0); self.record_terms.len()];
        let mut lengths = Vec::with_capacity(self.records.len());
        let mut begin = 0;
        for (&(end, length), &id) in self.records.iter().zip(ids) {
            for &(term, tf) in &self.record_terms[begin..end] {
                let at = &mut next[term as usize];
                flat[*at as usize] = (id, tf);
                *at += 1;
            }
            begin = end;
            lengths.push((id, length));
        }
        Chunk {
            terms: self.terms,
            starts,
            flat,
            lengths,
        }
    }
}

/// Words as written, each with the number of its term (or none): the
/// table every word of a chunk's texts is looked up in, before it is
/// lower-cased and stemmed. A word is hashed once, with a hash cheaper
/// than a general map's (the keys are the archive's own words). A slot is
/// sixteen bytes: the word's first eight bytes, its length and sixteen
/// bits of its hash, and its term, so most lookups (English words are
/// short) read one slot and nothing else, and the table of a chunk's
/// words stays in the processor's cache. Linear probing.
struct Words {
    /// A power of two long; a slot of length 0 is empty.
    slots: Vec<Slot>,
    used: usize,
    /// Words longer than eight bytes: their term, and where their bytes
    /// after the eighth are in `rest`.
    long: Vec<(u32, u32)>,
    rest: Vec<u8>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    head: u64,
    /// The word's length in the low 16 bits, 16 bits of its hash above.
    tag: u32,
    /// The term's number (`u32::MAX`: the word gives none), or for a word
    /// longer than eight bytes, its place in `long`.
    data: u32,
}

/// The longest word the table holds. Longer words give no term
/// ([`tokens::MAX_WORD_BYTES`]) and are not looked up.
const MAX_TABLE_WORD: usize = tokens::MAX_WORD_BYTES;

impl Default for Words {
    fn default() -> Self {
        Words {
            slots: vec![Slot::default(); 1 << 12],
            used: 0,
            long: Vec::new(),
            rest: Vec::new(),
        }
    }
}

const NO_TERM: u32 = u32::MAX;

/// Up to eight bytes, little-endian, zero-padded.
#[inline]
fn head_of(bytes: &[u8]) -> u64 {
    if bytes.len() >= 8 {
        return u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    }
    let mut h = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        h |= u64::from(b) << (8 * i);
    }
    h
}

/// A word's hash, from its length and its bytes eight at a time; `head` is
/// its first eight bytes ([`head_of`]).
#[inline]
fn word_hash(word: &[u8], head: u64) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = ((word.len() as u64).rotate_left(5) ^ head).wrapping_mul(K);
    if word.len() > 8 {
        for c in word[8..].chunks(8) {
            h = (h.rotate_left(5) ^ head_of(c)).wrapping_mul(K);
        }
    }
    h
}

/// A slot's tag: the word's length and the hash's low 16 bits (the slot's
/// place comes from its top bits).
#[inline]
fn tag_of(len: usize, hash: u64) -> u32 {
    len as u32 | ((hash as u32) << 16)
}

/// A found word's term, or where to insert a word not found.
enum Found {
    Term(Option<u32>),
    Vacant { slot: usize, hash: u64, head: u64 },
}

impl Words {
    /// The term of `word`, if the table has it (`Found::Term(None)`: the
    /// word gives none). `word` is at most [`MAX_TABLE_WORD`] bytes.
    fn get(&self, word: &[u8]) -> Found {
        self.get_with_head(word, head_of(word))
    }

    /// [`Words::get`], given the word's first eight bytes ([`head_of`]).
    #[inline(always)]
    fn get_with_head(&self, word: &[u8], head: u64) -> Found {
        debug_assert!(word.len() <= MAX_TABLE_WORD);
        let hash = word_hash(word, head);
        let tag = tag_of(word.len(), hash);
        let mask = self.slots.len() - 1;
        let mut i = slot_for(hash, self.slots.len());
        loop {
            let s = self.slots[i];
            if s.tag == tag && s.head == head {
                if word.len() <= 8 {
                    return Found::Term((s.data != NO_TERM).then_some(s.data));
                }
                let (term, start) = self.long[s.data as usize];
                if self.rest[start as usize..start as usize + word.len() - 8] == word[8..] {
                    return Found::Term((term != NO_TERM).then_some(term));
                }
            } else if s.tag & 0xffff == 0 {
                return Found::Vacant { slot: i, hash, head };
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `word`, just looked up with [`Words::get`], which found its
    /// place vacant.
    fn insert(&mut self, (slot, hash, head): (usize, u64, u64), word: &[u8], term: Option<u32>) {
        let term = term.unwrap_or(NO_TERM);
        let data = if word.len() > 8 {
            self.long.push((term, self.rest.len() as u32));
            self.rest.extend_from_slice(&word[8..]);
            (self.long.len() - 1) as u32
        } else {
            term
        };
        self.slots[slot] = Slot {
            head,
            tag: tag_of(word.len(), hash),
            data,
        };
        self.used += 1;
        // Grown at seven tenths full: probes stay short, and the table
        // small.
        if self.used * 10 > self.slots.len() * 7 {
            let grown = vec![Slot::default(); self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, grown);
            let mask = self.slots.len() - 1;
            for s in old.into_iter().filter(|s| s.tag & 0xffff != 0) {
                let len = (s.tag & 0xffff) as usize;
                let hash = if len <= 8 {
                    word_hash(&s.head.to_le_bytes()[..len], s.head)
                } else {
                    let start = self.long[s.data as usize].1 as usize;
                    let mut word = s.head.to_le_bytes().to_vec();
                    word.extend_from_slice(&self.rest[start..start + len - 8]);
                    word_hash(&word, s.head)
                };
                let mut i = slot_for(hash, self.slots.len());
                while self.slots[i].tag & 0xffff != 0 {
                    i = (i + 1) & mask;
                }
                self.slots[i] = s;
            }
        }
    }
}

/// The slot of a word's hash in a table of `len` slots (a power of two):
/// the hash's top bits, which the multiply mixes best (its middle bits
/// told apart too few words that share their first bytes).
fn slot_for(hash: u64, len: usize) -> usize {
    (hash >> (64 - len.trailing_zeros())) as usize
}

/// The shard of `term`: its 32-bit FNV-1a hash, modulo the number of
/// shards (a power of two). `search.js` computes the same.
pub fn shard_of(term: &str, shards: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in term.as_bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize & (shards - 1)
}

/// Appends ids, increasing, as their count and the gaps between them.
fn write_ids(out: &mut Vec<u8>, ids: impl ExactSizeIterator<Item = u32>) {
    write_varint(out, ids.len() as u64);
    let mut previous = 0;
    for id in ids {
        write_varint(out, u64::from(id - previous));
        previous = id;
    }
}

/// LEB128: seven bits a byte, low bits first, the high bit set on every
/// byte but the last.
fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3 + 64), flate2::Compression::fast());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_varint(bytes: &[u8], at: &mut usize) -> u64 {
        let mut n = 0u64;
        let mut shift = 0;
        loop {
            let b = bytes[*at];
            *at += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    #[test]
    fn varints_round_trip() {
        for n in [0u64, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX)] {
            let mut out = Vec::new();
            write_varint(&mut out, n);
            assert_eq!(read_varint(&out, &mut 0), n, "{out:?}");
        }
    }

    #[test]
    fn records_are_json_whatever_their_text_holds() {
        let hostile = "a \"quote\", a \\ backslash, \u{1}\u{1f}\n\t controls, </script>, \u{2028}, 数字中国 and é";
        let mut shown = record(hostile, hostile);
        shown.b.push(("p-\"2".into(), Cow::Borrowed("")));
        shown.n = vec!["also \"cited\""];
        let mut out = b"left over".to_vec();
        out.clear();
        record_json(&shown, &mut out);
        let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(value["t"], hostile);
        assert_eq!(value["n"][0], "also \"cited\"");
        assert_eq!(value["b"], serde_json::json!([["p-1", hostile], ["p-\"2", ""]]));
        let empty = Shown {
            b: Vec::new(),
            ..record("t", "")
        };
        out.clear();
        record_json(&empty, &mut out);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).expect("valid JSON")["b"],
            serde_json::json!([])
        );
    }

    #[test]
    fn shards_follow_fnv1a() {
        // FNV-1a of "a" is 0xe40c292c, a published test vector.
        assert_eq!(shard_of("a", 1 << 16), 0x292c);
        assert_eq!(shard_of("anything", 1), 0);
    }

    fn record<'a>(title: &'a str, text: &str) -> Shown<'a> {
        Shown {
            u: String::new(),
            t: title,
            o: None,
            d: None,
            k: None,
            c: 0,
            n: Vec::new(),
            s: None,
            b: vec![("p-1".into(), Cow::Owned(text.into()))],
            terms: Vec::new(),
        }
    }

    fn build(records: &[Shown]) -> Index {
        let chunks = records
            .chunks(7)
            .enumerate()
            .map(|(n, chunk)| {
                let mut tokens = ChunkTokens::default();
                chunk.iter().for_each(|r| tokens.add(r));
                let ids: Vec<u32> = (0..chunk.len()).map(|k| (n * 7 + k) as u32).collect();
                tokens.finish(&ids)
            })
            .collect::<Vec<Chunk>>();
        let mut lengths = vec![0; records.len()];
        for chunk in &chunks {
            for &(id, length) in &chunk.lengths {
                lengths[id as usize] = length;
            }
        }
        Index::new(chunks, lengths)
    }

    fn postings_of(index: &Index, term: &str) -> Vec<(u32, u16)> {
        let shard = index.shard(shard_of(term, index.shard_count));
        let found = shard.into_iter().find(|(t, _)| *t == term).expect("term indexed");
        found.1
    }

    fn common(index: &Index) -> Vec<String> {
        let mut out: Vec<String> = (0..index.shard_count)
            .flat_map(|n| index.shard(n))
            .filter(|(_, p)| is_common(p.len(), index.lengths.len()))
            .map(|(t, _)| t.to_string())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn postings_hold_every_record_of_a_term_in_order_with_weighted_frequencies() {
        let mut records: Vec<Shown> = (0..150).map(|_| record("Notice", "filler words")).collect();
        records[3] = record("Data plan", "The plan for plans.");
        records[140] = record("Other", "A data centre.");
        let index = build(&records);
        assert_eq!(postings_of(&index, "plan"), [(3, TITLE_WEIGHT as u16 + 2)]);
        assert_eq!(postings_of(&index, "data"), [(3, TITLE_WEIGHT as u16), (140, 1)]);
        assert_eq!(postings_of(&index, "notic").len(), 148);
        assert_eq!(common(&index), ["filler", "notic", "word"]);
    }

    #[test]
    fn chinese_is_counted_by_characters_and_pairs() {
        let records = vec![record("国家信息化", "信息化规划"), record("Other", "数字中国")];
        let index = build(&records);
        let title = TITLE_WEIGHT as u16;
        assert_eq!(postings_of(&index, "信息"), [(0, title + 1)]);
        assert_eq!(postings_of(&index, "化规"), [(0, 1)]);
        assert_eq!(postings_of(&index, "国"), [(0, title), (1, 1)]);
        assert_eq!(postings_of(&index, "中国"), [(1, 1)]);
        assert!(index.shard(0).iter().all(|(t, _)| *t != "家信息"), "no runs of three");
    }

    #[test]
    fn a_shard_decodes_to_its_terms_and_postings() {
        let records = vec![record("One", "beta"), record("Two", "beta gamma")];
        let index = build(&records);
        let mut found = Vec::new();
        for n in 0..index.shard_count {
            let bytes = encode(&index.shard(n), &norms(&index.lengths, index.average));
            let mut at = 0;
            while at < bytes.len() {
                let len = read_varint(&bytes, &mut at) as usize;
                let term = std::str::from_utf8(&bytes[at..at + len]).unwrap().to_string();
                at += len;
                assert_eq!(shard_of(&term, index.shard_count), n, "{term} in shard {n}");
                let count = read_varint(&bytes, &mut at);
                let size = read_varint(&bytes, &mut at) as usize;
                let end = at + size;
                let mut ids = Vec::new();
                let mut id = 0;
                for _ in 0..count {
                    id += read_varint(&bytes, &mut at);
                    assert!(bytes[at] >= 1);
                    at += 1;
                    ids.push(id);
                }
                assert_eq!(at, end);
                found.push((term, ids));
            }
        }
        found.sort();
        assert_eq!(
            found,
            [
                ("beta".to_string(), vec![0, 1]),
                ("gamma".to_string(), vec![1]),
                ("one".to_string(), vec![0]),
                ("two".to_string(), vec![1]),
            ]
        );
    }
}
