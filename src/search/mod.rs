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
//!   against the record's length) in one byte.
//! - `search/f/N.pack`: one per taxonomy, each term's records (gaps), fetched
//!   only when a reader opens that filter.
//! - `search/r/ID.pack`: one per record, what a result shows: URL, title,
//!   date, type, and the text block by block with each block's anchor, so a
//!   result links to the paragraph that matches. Page furniture is left out.
//!
//! `.pack` files are gzip streams the browser inflates itself (a server
//! that gzips `.gz` files on the fly would otherwise inflate them first).
//! Every file is written in a fixed order from sorted data: the same
//! archive gives the same bytes.

pub mod tokens;

use std::borrow::Cow;
use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::Archive;
use crate::content::Text;
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

/// About how many bytes of postings a shard holds before gzip.
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
    /// Blocks: anchor and text.
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
}

#[derive(Serialize)]
struct MetaTaxonomy<'a> {
    name: &'a str,
    title: &'a str,
    terms: Vec<&'a str>,
}

/// Where the index's files go: a path inside the site and its bytes.
pub type Put<'a> = dyn Fn(&str, &[u8]) -> Result<(), Diagnostic> + Sync + 'a;

/// What the index wrote.
pub struct Written {
    pub files: usize,
}

/// Builds the index of `archive` and hands each file to `put` (a path
/// inside the site and its bytes).
pub fn write(archive: &Archive, put: &Put) -> Result<Written, Diagnostic> {
    let types = archive.taxonomies.iter().position(|t| t.name == "types");
    let total = archive.documents.len() + archive.entities.len();
    let ids: Vec<usize> = (0..total).collect();
    // Each chunk of records is tokenised, and its records written, on one
    // thread; only the terms stay in memory.
    let chunks: Vec<Result<(Chunk, u64), Diagnostic>> = ids
        .par_chunks(CHUNK)
        .map(|ids| {
            let mut tokens = ChunkTokens::default();
            let mut hash = 0u64;
            for &id in ids {
                let record = record(archive, types, id);
                tokens.add(&record);
                let json = serde_json::to_vec(&record).expect("records serialise");
                let bytes = gzip(&json);
                put(&format!("{FOLDER}/r/{id}.pack"), &bytes)?;
                hash = hash.wrapping_add(file_hash(1 << 40 | id as u64, &bytes));
            }
            Ok((tokens.finish(), hash))
        })
        .collect();
    let mut id = 0u64;
    let mut parts = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let (chunk, hash) = chunk?;
        id = id.wrapping_add(hash);
        parts.push(chunk);
    }
    let mut files = total;
    let index = Index::merge(parts);
    let hashes: Vec<Result<u64, Diagnostic>> = index
        .shards()
        .par_iter()
        .enumerate()
        .map(|(n, terms)| {
            let bytes = gzip(&index.encode_shard(terms));
            put(&format!("{FOLDER}/t/{n}.pack"), &bytes)?;
            Ok(file_hash(n as u64, &bytes))
        })
        .collect();
    for h in hashes {
        id = id.wrapping_add(h?);
        files += 1;
    }
    for (n, taxonomy) in archive.taxonomies.iter().enumerate() {
        let mut out = Vec::new();
        for term in &taxonomy.terms {
            write_ids(&mut out, term.documents.iter().map(|&d| d as u32));
        }
        let bytes = gzip(&out);
        id = id.wrapping_add(file_hash(2 << 40 | n as u64, &bytes));
        put(&format!("{FOLDER}/f/{n}.pack"), &bytes)?;
        files += 1;
    }
    let meta = Meta {
        version: 1,
        id: format!("{id:016x}"),
        records: total,
        documents: archive.documents.len(),
        shards: index.shard_count,
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
        common: index.common(),
    };
    put(
        &format!("{FOLDER}/meta.json"),
        &serde_json::to_vec(&meta).expect("meta serialises"),
    )?;
    files += 1;
    Ok(Written { files })
}

fn file_hash(n: u64, bytes: &[u8]) -> u64 {
    crate::hash::of(&(n, bytes))
}

/// Record `id`: a document, newest first, or after them a person or
/// organisation. `types` is the taxonomy whose first term names a
/// document's type.
fn record(archive: &Archive, types: Option<usize>, id: usize) -> Shown<'_> {
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
    let kind = types.and_then(|t| {
        let taxonomy = &archive.taxonomies[t];
        let first = *taxonomy.terms_of.get(id)?.first()?;
        Some(taxonomy.terms[first].name.as_str())
    });
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
    if let Some(note) = &doc.note {
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
/// it (the nearest paragraph or heading).
fn markdown_blocks(md: &str, prefix: &str, out: &mut Vec<(Cow<'_, str>, Cow<'_, str>)>) {
    let outline = crate::render::markdown::outline(md, prefix);
    for segment in &outline.segments {
        let text = outline.text[segment.text.clone()].trim();
        if !text.is_empty() {
            out.push((
                Cow::Owned(outline.anchor(segment.anchor).into_owned()),
                Cow::Owned(text.to_string()),
            ));
        }
    }
}

/// The inverted index: every term with the records that hold it.
struct Index {
    terms: Vec<Box<str>>,
    /// For each term, (record id, weighted frequency), by id.
    postings: Vec<Vec<(u32, u16)>>,
    /// Each record's length in terms, weighted as its frequencies are.
    lengths: Vec<u32>,
    average: f64,
    shard_count: usize,
    records: usize,
}

/// What one chunk of records gives: its own term numbers, and per record
/// (local term, frequency) and length.
struct Chunk {
    terms: Vec<Box<str>>,
    records: Vec<(Vec<(u32, u16)>, u32)>,
}

/// Records are tokenised in chunks, in parallel; a chunk numbers its terms
/// itself, so the shared dictionary is looked up once per term and chunk.
const CHUNK: usize = 256;

impl Index {
    /// The index of records tokenised chunk by chunk, the chunks in order.
    fn merge(chunks: Vec<Chunk>) -> Index {
        let mut ids: Map<Box<str>, u32> = Map::default();
        let mut terms: Vec<Box<str>> = Vec::new();
        let mut postings: Vec<Vec<(u32, u16)>> = Vec::new();
        let mut lengths = Vec::new();
        let mut record = 0u32;
        for chunk in chunks {
            let global: Vec<u32> = chunk
                .terms
                .into_iter()
                .map(|term| {
                    *ids.entry(term).or_insert_with_key(|term| {
                        terms.push(term.clone());
                        postings.push(Vec::new());
                        (terms.len() - 1) as u32
                    })
                })
                .collect();
            for (list, length) in chunk.records {
                for (local, tf) in list {
                    postings[global[local as usize] as usize].push((record, tf));
                }
                lengths.push(length);
                record += 1;
            }
        }
        let total: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        let average = (total as f64 / lengths.len().max(1) as f64).max(1.0);
        let posting_count: usize = postings.iter().map(Vec::len).sum();
        let shard_count = (posting_count * 2 / SHARD_BYTES).max(1).next_power_of_two();
        Index {
            terms,
            postings,
            records: lengths.len(),
            lengths,
            average,
            shard_count,
        }
    }

    /// The term numbers of each shard, each shard's sorted by term.
    fn shards(&self) -> Vec<Vec<u32>> {
        let mut shards = vec![Vec::new(); self.shard_count];
        for (n, term) in self.terms.iter().enumerate() {
            shards[shard_of(term, self.shard_count)].push(n as u32);
        }
        for shard in &mut shards {
            shard.sort_unstable_by(|&a, &b| self.terms[a as usize].cmp(&self.terms[b as usize]));
        }
        shards
    }

    /// A shard's bytes: per term, its length and UTF-8, how many records
    /// hold it, how many bytes their postings take, and the postings.
    fn encode_shard(&self, terms: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut postings = Vec::new();
        for &t in terms {
            let term = &self.terms[t as usize];
            let list = &self.postings[t as usize];
            postings.clear();
            let mut previous = 0;
            for &(record, tf) in list {
                write_varint(&mut postings, u64::from(record - previous));
                previous = record;
                postings.push(self.weight(record, tf));
            }
            write_varint(&mut out, term.len() as u64);
            out.extend_from_slice(term.as_bytes());
            write_varint(&mut out, list.len() as u64);
            write_varint(&mut out, postings.len() as u64);
            out.extend_from_slice(&postings);
        }
        out
    }

    /// BM25's term-frequency part, from 1 to 255: what a record's
    /// frequency of a term is worth, given its length.
    fn weight(&self, record: u32, tf: u16) -> u8 {
        let tf = f64::from(tf);
        let length = f64::from(self.lengths[record as usize]);
        let w = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / self.average));
        (w * 100.0).round().clamp(1.0, 255.0) as u8
    }

    /// Terms held by more than [`COMMON_SHARE`] of the records.
    fn common(&self) -> Vec<&str> {
        if self.records < COMMON_MIN_RECORDS {
            return Vec::new();
        }
        let limit = (self.records as f64 * COMMON_SHARE) as usize;
        let mut common: Vec<&str> = self
            .terms
            .iter()
            .zip(&self.postings)
            .filter(|(_, p)| p.len() > limit)
            .map(|(t, _)| &**t)
            .collect();
        common.sort_unstable();
        common
    }
}

/// Tokenises a chunk of records: each field's terms count its weight.
/// Words as written are looked up before they are lower-cased and
/// stemmed, so each distinct word is stemmed once per chunk.
#[derive(Default)]
struct ChunkTokens {
    tokenizer: Tokenizer,
    /// Words as written, with their term's number (`None`: no term).
    words: Map<Box<str>, Option<u32>>,
    ids: Map<Box<str>, u32>,
    terms: Vec<Box<str>>,
    frequency: Vec<u32>,
    seen: Vec<u32>,
    records: Vec<(Vec<(u32, u16)>, u32)>,
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

    fn count(&mut self, id: u32, weight: u32, length: &mut u32) {
        let f = &mut self.frequency[id as usize];
        if *f == 0 {
            self.seen.push(id);
        }
        *f += weight;
        *length += weight;
    }

    fn text(&mut self, text: &str, weight: u32, length: &mut u32) {
        tokens::pieces(text, |piece| match piece {
            tokens::Piece::Word(word) => {
                let id = match self.words.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = self.tokenizer.word_term(word).map(|t| self.term_id(&t));
                        self.words.insert(word.into(), id);
                        id
                    }
                };
                if let Some(id) = id {
                    self.count(id, weight, length);
                }
            }
            tokens::Piece::Han(run) => {
                let mut ids = Vec::new();
                tokens::han_terms(run, &mut |t: &str| ids.push(self.term_id(t)));
                for id in ids {
                    self.count(id, weight, length);
                }
            }
        });
    }

    fn add(&mut self, record: &Shown) {
        let mut length = 0u32;
        self.text(record.t, TITLE_WEIGHT, &mut length);
        if let Some(o) = record.o {
            self.text(o, TITLE_WEIGHT, &mut length);
        }
        for name in &record.n {
            self.text(name, NAME_WEIGHT, &mut length);
        }
        if let Some(s) = record.s {
            self.text(s, SUMMARY_WEIGHT, &mut length);
        }
        for term in &record.terms {
            self.text(term, SUMMARY_WEIGHT, &mut length);
        }
        for (_, text) in &record.b {
            self.text(text, 1, &mut length);
        }
        self.seen.sort_unstable();
        let frequency = &mut self.frequency;
        let list = self
            .seen
            .drain(..)
            .map(|id| {
                let tf = std::mem::take(&mut frequency[id as usize]);
                (id, tf.min(u32::from(u16::MAX)) as u16)
            })
            .collect();
        self.records.push((list, length));
    }

    fn finish(self) -> Chunk {
        Chunk {
            terms: self.terms,
            records: self.records,
        }
    }
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
            .map(|chunk| {
                let mut tokens = ChunkTokens::default();
                chunk.iter().for_each(|r| tokens.add(r));
                tokens.finish()
            })
            .collect();
        Index::merge(chunks)
    }

    fn postings_of(index: &Index, term: &str) -> Vec<(u32, u16)> {
        let t = index.terms.iter().position(|t| &**t == term).expect("term indexed");
        index.postings[t].clone()
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
        assert_eq!(index.common(), ["filler", "notic", "word"]);
    }

    #[test]
    fn a_shard_decodes_to_its_terms_and_postings() {
        let records = vec![record("One", "beta"), record("Two", "beta gamma")];
        let index = build(&records);
        let shards = index.shards();
        let all: Vec<u32> = shards.concat();
        let mut found = Vec::new();
        for terms in &shards {
            let bytes = index.encode_shard(terms);
            let mut at = 0;
            while at < bytes.len() {
                let len = read_varint(&bytes, &mut at) as usize;
                let term = std::str::from_utf8(&bytes[at..at + len]).unwrap().to_string();
                at += len;
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
        assert_eq!(all.len(), found.len());
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
