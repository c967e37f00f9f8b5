//! The search index kept in memory by the preview server, and updated in
//! place when documents change.
//!
//! A whole build leaves the index here: every term with its postings, each
//! record's terms, and the hash of every file written. When the archive was
//! only updated in place (the same documents in the same order, some of
//! their texts changed), [`Cache::update`] takes the changed documents'
//! old terms out and puts their new ones in, and writes again only their
//! records, the shards that hold any of those terms, and `meta.json`. The
//! files are those a whole build would write, byte for byte; when an edit
//! would change what every shard holds (their number, or the average
//! length BM25 weighs against), the update declines and the caller builds
//! the whole index. When records came, went or moved (a document added or
//! deleted), [`Cache::renumber`] carries the kept records' terms to their
//! new numbers, reads only the new and changed records, and writes every
//! shard again; record files are named by the record, so the kept ones
//! stay as they are.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{
    ChunkTokens, FOLDER, Hashes, Identity, Keep, NAMES_FILE, Put, Written, average_length, bytes_hash, encode,
    file_hash, is_common, meta, norm, norms, record, shard_count, shard_of, weight,
};
use crate::analyse::{Archive, DocId};
use crate::config::SearchConfig;
use crate::diag::Diagnostic;
use crate::hash::Map;

/// What a build keeps of its search index for the next. The default keeps
/// nothing (a one-shot build has no next); [`Cache::keeping`] keeps.
#[derive(Default)]
pub struct Cache {
    keep: bool,
    pub(super) state: Option<State>,
}

pub(super) struct State {
    /// `[search]` as the whole build had it: other options, another index.
    options: SearchConfig,
    terms: Vec<Box<str>>,
    ids: Map<Box<str>, u32>,
    /// For each term, (record, weighted frequency), by record.
    postings: Vec<Vec<(u32, u16)>>,
    /// For each shard, its terms in the order of its file, by their bytes
    /// (some may have no postings left).
    shard_terms: Vec<Vec<u32>>,
    /// For each record, its terms with their weighted frequencies.
    records: Vec<Vec<(u32, u16)>>,
    lengths: Vec<u32>,
    /// Each record's BM25 length normalisation, from `lengths`.
    norms: Vec<f64>,
    average: f64,
    posting_count: usize,
    hashes: Hashes,
    /// For each shard, its common terms.
    common: Vec<Vec<u32>>,
    /// Each record's key and inputs, and their order.
    identity: Identity,
}

impl State {
    /// The state of a whole build: each shard's terms with their postings,
    /// shard by shard.
    pub(super) fn new(
        options: SearchConfig,
        shards: Vec<super::ShardTerms>,
        lengths: Vec<u32>,
        average: f64,
        posting_count: usize,
        hashes: Hashes,
        identity: Identity,
    ) -> State {
        let all = lengths.len();
        let mut state = State {
            options,
            terms: Vec::new(),
            ids: Map::default(),
            postings: Vec::new(),
            shard_terms: vec![Vec::new(); shards.len()],
            records: vec![Vec::new(); all],
            norms: norms(&lengths, average),
            lengths,
            average,
            posting_count,
            hashes,
            common: vec![Vec::new(); shards.len()],
            identity,
        };
        for (n, terms) in shards.into_iter().enumerate() {
            for (term, postings) in terms {
                let id = state.terms.len() as u32;
                state.terms.push(term.into());
                state.ids.insert(term.into(), id);
                for &(record, tf) in &postings {
                    state.records[record as usize].push((id, tf));
                }
                if is_common(postings.len(), all) {
                    state.common[n].push(id);
                }
                state.postings.push(postings);
                state.shard_terms[n].push(id);
            }
        }
        state
    }

    fn term_id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term.into());
        self.ids.insert(term.into(), id);
        self.postings.push(Vec::new());
        // Each shard's terms are kept in the order its file lists them.
        let shard = shard_of(term, self.shard_terms.len());
        let at = self.shard_terms[shard].partition_point(|&t| *self.terms[t as usize] < *term);
        self.shard_terms[shard].insert(at, id);
        id
    }
}

impl Cache {
    /// A cache that keeps the index of each build, for the preview server.
    pub fn keeping() -> Cache {
        Cache {
            keep: true,
            state: None,
        }
    }

    /// Drops the index kept, when the files no longer match it: the next
    /// build makes the whole index.
    pub fn forget(&mut self) {
        self.state = None;
    }

    /// Whether this cache keeps what builds leave in it.
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// After an archive analysed anew: the records whose inputs changed
    /// since the kept index, if every record kept its number (the same
    /// documents and entities in the same order, under the same options);
    /// `None` when the whole index must be built.
    pub(super) fn changed_records(&self, archive: &Archive, options: &SearchConfig) -> Option<Vec<DocId>> {
        let state = self.state.as_ref()?;
        let total = super::record_count(archive, options);
        if state.options != *options
            || state.identity.inputs.len() != total
            || state.identity.order != super::record_order(archive, options)
        {
            return None;
        }
        Some(
            (0..total)
                .filter(|&id| state.identity.inputs[id] != super::record_inputs(archive, id))
                .collect(),
        )
    }

    /// Updates the index for the documents in `changed` and writes what
    /// changed; `None` when the whole index must be built (nothing kept,
    /// other records, or an edit that moves every shard).
    pub(super) fn update(
        &mut self,
        archive: &Archive,
        options: &SearchConfig,
        changed: &[DocId],
        put: &Put,
        keep: Option<&Keep>,
    ) -> Result<Option<Written>, Diagnostic> {
        let total = super::record_count(archive, options);
        let Some(state) = self
            .state
            .as_mut()
            .filter(|s| s.records.len() == total && s.options == *options)
        else {
            return Ok(None);
        };
        let mut changed: Vec<u32> = changed.iter().map(|&d| d as u32).collect();
        changed.sort_unstable();
        changed.dedup();
        let mut tokens = ChunkTokens::default();
        let mut json = Vec::new();
        let mut record_hashes = Vec::with_capacity(changed.len());
        for &id in &changed {
            let record = record(archive, options, id as usize);
            tokens.add(&record);
            json.clear();
            super::record_json(&record, &mut json);
            record_hashes.push((id, file_hash(state.identity.file(id as usize), &json), json.clone()));
        }
        let chunk = tokens.finish(&changed);
        let shards = state.shard_terms.len();
        // Each changed record's new terms, with their global numbers.
        let mut new_terms: Map<u32, Vec<(u32, u16)>> = Map::default();
        for (local, term) in chunk.terms.iter().enumerate() {
            let t = state.term_id(term);
            for &(id, tf) in chunk.postings(local) {
                new_terms.entry(id).or_default().push((t, tf));
            }
        }
        let new_lengths: Map<u32, u32> = chunk.lengths.iter().copied().collect();
        // A shard is written again only if a posting's bytes in it change:
        // a term gained or lost by a record, or its weight (which the
        // record's length also moves).
        let mut dirty = BTreeSet::new();
        let average = state.average;
        for &id in &changed {
            let old: Map<u32, u16> = std::mem::take(&mut state.records[id as usize]).into_iter().collect();
            let new: Map<u32, u16> = new_terms.remove(&id).unwrap_or_default().into_iter().collect();
            let (old_length, new_length) = (state.lengths[id as usize], new_lengths[&id]);
            let mut terms: Vec<u32> = old.keys().chain(new.keys()).copied().collect();
            terms.sort_unstable();
            terms.dedup();
            for t in terms {
                let before = old.get(&t).map(|&tf| weight(tf, norm(old_length, average)));
                let after = new.get(&t).map(|&tf| weight(tf, norm(new_length, average)));
                let list = &mut state.postings[t as usize];
                let at = list.binary_search_by_key(&id, |p| p.0);
                match (at, new.get(&t)) {
                    (Ok(at), Some(&tf)) => list[at].1 = tf,
                    (Ok(at), None) => {
                        list.remove(at);
                        state.posting_count -= 1;
                    }
                    (Err(at), Some(&tf)) => {
                        list.insert(at, (id, tf));
                        state.posting_count += 1;
                    }
                    (Err(_), None) => {}
                }
                if before != after {
                    dirty.insert(shard_of(&state.terms[t as usize], shards));
                }
            }
            state.records[id as usize] = new.into_iter().collect();
            state.lengths[id as usize] = new_length;
        }
        let average = average_length(&state.lengths);
        if shard_count(state.posting_count) != shards || average != state.average {
            self.state = None;
            return Ok(None);
        }
        let dirty: Vec<usize> = dirty.into_iter().collect();
        // With `keep`, every file this update does not write must be kept
        // as it was; if one cannot be, the whole index is built.
        if let Some(keep) = keep {
            let records = (0..total as u32)
                .filter(|id| changed.binary_search(id).is_err())
                .all(|id| {
                    let hash = bytes_hash(state.identity.file(id as usize), state.hashes.records[id as usize]);
                    keep(&state.identity.path(id as usize), hash)
                });
            let names = state
                .hashes
                .names
                .iter()
                .enumerate()
                .all(|(n, &hash)| keep(&format!("{FOLDER}/k/{n}.json"), bytes_hash(NAMES_FILE | n as u64, hash)));
            let kept = records
                && names
                && (0..shards).filter(|n| dirty.binary_search(n).is_err()).all(|n| {
                    keep(
                        &format!("{FOLDER}/t/{n}.pack"),
                        bytes_hash(n as u64, state.hashes.shards[n]),
                    )
                });
            if !kept {
                self.state = None;
                return Ok(None);
            }
        }
        for (id, hash, json) in record_hashes {
            put(&state.identity.path(id as usize), &json)?;
            state.hashes.records[id as usize] = hash;
            state.identity.inputs[id as usize] = super::record_inputs(archive, id as usize);
        }
        // A changed document may have other terms: each taxonomy's facets.
        state.hashes.facets = super::write_facets(archive, put)?;
        for &(id, _) in &chunk.lengths {
            state.norms[id as usize] = norm(state.lengths[id as usize], state.average);
        }
        state.write_shards(&dirty, total, put)?;
        state.write_meta(archive, options, put)?;
        Ok(Some(Written {
            files: total + shards + state.hashes.facets.len() + state.hashes.names.len() + 1,
            in_place: true,
        }))
    }

    /// After an archive analysed anew whose records came, went or moved (a
    /// document added or deleted, say): the records kept as they were are
    /// carried to their new numbers with their terms, only the new and
    /// changed ones are read and written, and every shard, facet file,
    /// list of record names and `meta.json` is written again (a kept
    /// record whose file the output no longer holds is written too). The
    /// files are those a whole build would write. `None` when the whole
    /// index must be built: nothing kept, other options, so many records to
    /// read that the whole build's parallel reading is quicker, or another
    /// number of shards.
    pub(super) fn renumber(
        &mut self,
        archive: &Archive,
        options: &SearchConfig,
        put: &Put,
        keep: &Keep,
    ) -> Result<Option<Written>, Diagnostic> {
        let Some(state) = self.state.as_mut().filter(|s| s.options == *options) else {
            return Ok(None);
        };
        let identity = Identity::of(archive, options);
        let total = identity.keys.len();
        // Each record's number in the kept index, if it is there as it was.
        let from: Vec<Option<usize>> = {
            let old: Map<&str, usize> = state.identity.keys.iter().enumerate().map(|(n, k)| (&**k, n)).collect();
            identity
                .keys
                .iter()
                .zip(&identity.inputs)
                .map(|(key, inputs)| {
                    old.get(&**key)
                        .copied()
                        .filter(|&o| state.identity.inputs[o] == *inputs)
                })
                .collect()
        };
        let read: Vec<u32> = (0..total as u32).filter(|&id| from[id as usize].is_none()).collect();
        if read.len() > total / 8 + 16 {
            self.state = None;
            return Ok(None);
        }
        let mut tokens = ChunkTokens::default();
        for &id in &read {
            tokens.add(&record(archive, options, id as usize));
        }
        let chunk = tokens.finish(&read);
        let mut records = Vec::with_capacity(total);
        let mut lengths = Vec::with_capacity(total);
        for &old in &from {
            match old {
                Some(o) => {
                    records.push(std::mem::take(&mut state.records[o]));
                    lengths.push(state.lengths[o]);
                }
                None => {
                    records.push(Vec::new());
                    lengths.push(0);
                }
            }
        }
        // The postings of the records read, by term.
        let mut added: Map<u32, &[(u32, u16)]> = Map::default();
        for (local, term) in chunk.terms.iter().enumerate() {
            let t = state.term_id(term);
            let postings = chunk.postings(local);
            for &(id, tf) in postings {
                records[id as usize].push((t, tf));
            }
            added.insert(t, postings);
        }
        for &(id, length) in &chunk.lengths {
            lengths[id as usize] = length;
        }
        // Every term's postings, renumbered: the records kept keep their
        // order (a record whose place changed was read), so each list
        // stays in order; those read are merged in.
        let mut new_of_old = vec![u32::MAX; state.records.len()];
        for (id, &old) in from.iter().enumerate() {
            if let Some(o) = old {
                new_of_old[o] = id as u32;
            }
        }
        let posting_count: usize = state
            .postings
            .par_iter_mut()
            .with_min_len(1024)
            .enumerate()
            .map(|(t, list)| {
                list.retain_mut(|p| {
                    p.0 = new_of_old[p.0 as usize];
                    p.0 != u32::MAX
                });
                if let Some(extra) = added.get(&(t as u32)) {
                    list.extend_from_slice(extra);
                    list.sort_unstable_by_key(|p| p.0);
                }
                list.len()
            })
            .sum();
        let shards = state.shard_terms.len();
        if shard_count(posting_count) != shards {
            self.state = None;
            return Ok(None);
        }
        state.posting_count = posting_count;
        state.records = records;
        state.average = average_length(&lengths);
        state.norms = norms(&lengths, state.average);
        state.lengths = lengths;
        // Record files: a record kept as it was keeps its file (named by
        // its key, not its number), if the output still holds it; the
        // others are written.
        let old_hashes = std::mem::take(&mut state.hashes.records);
        let identity_ref = &identity;
        let hashes: Result<Vec<u64>, Diagnostic> = (0..total)
            .into_par_iter()
            .with_max_len(64)
            .map(|id| {
                let path = identity_ref.path(id);
                let file = identity_ref.file(id);
                if let Some(o) = from[id] {
                    if keep(&path, bytes_hash(file, old_hashes[o])) {
                        return Ok(old_hashes[o]);
                    }
                }
                let mut json = Vec::new();
                super::record_json(&record(archive, options, id), &mut json);
                put(&path, &json)?;
                Ok(file_hash(file, &json))
            })
            .collect();
        state.hashes.records = hashes?;
        state.hashes.names = super::write_names(&identity.names, put)?;
        state.identity = identity;
        state.hashes.facets = super::write_facets(archive, put)?;
        let every: Vec<usize> = (0..shards).collect();
        state.write_shards(&every, total, put)?;
        state.write_meta(archive, options, put)?;
        Ok(Some(Written {
            files: total + shards + state.hashes.facets.len() + state.hashes.names.len() + 1,
            in_place: true,
        }))
    }
}

impl State {
    /// Encodes and writes the shards numbered in `which`, and notes their
    /// hashes and common terms; `total` is the number of records.
    fn write_shards(&mut self, which: &[usize], total: usize, put: &Put) -> Result<(), Diagnostic> {
        let state = &*self;
        // Each shard: its number, its file's hash, its common terms.
        type Encoded = (usize, u64, Vec<u32>);
        let encoded: Vec<Result<Encoded, Diagnostic>> = which
            .par_iter()
            .map(|&n| {
                // In order already (see `term_id`).
                let terms: Vec<(&str, &[(u32, u16)])> = state.shard_terms[n]
                    .iter()
                    .map(|&t| (&*state.terms[t as usize], state.postings[t as usize].as_slice()))
                    .filter(|(_, p)| !p.is_empty())
                    .collect();
                debug_assert!(terms.is_sorted_by(|a, b| a.0 < b.0));
                let bytes = encode(&terms, &state.norms);
                put(&format!("{FOLDER}/t/{n}.pack"), &bytes)?;
                let common = state.shard_terms[n]
                    .iter()
                    .copied()
                    .filter(|&t| is_common(state.postings[t as usize].len(), total))
                    .collect();
                Ok((n, file_hash(n as u64, &bytes), common))
            })
            .collect();
        for shard in encoded {
            let (n, hash, common) = shard?;
            self.hashes.shards[n] = hash;
            self.common[n] = common;
        }
        Ok(())
    }

    /// Writes `meta.json`, which names every common term and, through
    /// its id, every file's hash.
    fn write_meta(&self, archive: &Archive, options: &SearchConfig, put: &Put) -> Result<(), Diagnostic> {
        let mut common: Vec<&str> = self
            .common
            .iter()
            .flatten()
            .map(|&t| &*self.terms[t as usize])
            .collect();
        common.sort_unstable();
        put(
            &format!("{FOLDER}/meta.json"),
            &meta(archive, options, self.hashes.id(), self.shard_terms.len(), common),
        )
    }
}
