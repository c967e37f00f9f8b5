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
//! the whole index.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{
    ChunkTokens, FOLDER, Hashes, Keep, Put, RECORD_FILE, Written, average_length, bytes_hash, encode, file_hash, gzip,
    is_common, meta, norm, norms, record, shard_count, shard_of, weight,
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
    /// For each shard, its terms (some may have no postings left).
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
    /// For each record, the hash of what it is made of
    /// ([`super::record_inputs`]).
    inputs: Vec<u64>,
    /// Which record has which number ([`super::record_order`]).
    order: u64,
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
        (inputs, order): (Vec<u64>, u64),
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
            inputs,
            order,
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
        let shard = shard_of(term, self.shard_terms.len());
        self.shard_terms[shard].push(id);
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
            || state.inputs.len() != total
            || state.order != super::record_order(archive, options)
        {
            return None;
        }
        Some(
            (0..total)
                .filter(|&id| state.inputs[id] != super::record_inputs(archive, id))
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
            record_hashes.push((id, file_hash(RECORD_FILE | u64::from(id), &json), json.clone()));
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
                    let hash = bytes_hash(RECORD_FILE | u64::from(id), state.hashes.records[id as usize]);
                    keep(&format!("{FOLDER}/r/{id}.json"), hash)
                });
            let kept = records
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
            put(&format!("{FOLDER}/r/{id}.json"), &json)?;
            state.hashes.records[id as usize] = hash;
            state.inputs[id as usize] = super::record_inputs(archive, id as usize);
        }
        // A changed document may have other terms: each taxonomy's facets.
        state.hashes.facets = super::write_facets(archive, put)?;
        for &(id, _) in &chunk.lengths {
            state.norms[id as usize] = norm(state.lengths[id as usize], state.average);
        }
        let state_ref = &*state;
        // Each shard: its number, its file's hash, its common terms.
        type Encoded = (usize, u64, Vec<u32>);
        let encoded: Vec<Result<Encoded, Diagnostic>> = dirty
            .par_iter()
            .map(|&n| {
                let mut terms: Vec<(&str, &[(u32, u16)])> = state_ref.shard_terms[n]
                    .iter()
                    .map(|&t| (&*state_ref.terms[t as usize], state_ref.postings[t as usize].as_slice()))
                    .filter(|(_, p)| !p.is_empty())
                    .collect();
                terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let bytes = gzip(&encode(&terms, &state_ref.norms));
                put(&format!("{FOLDER}/t/{n}.pack"), &bytes)?;
                let common = state_ref.shard_terms[n]
                    .iter()
                    .copied()
                    .filter(|&t| is_common(state_ref.postings[t as usize].len(), total))
                    .collect();
                Ok((n, file_hash(n as u64, &bytes), common))
            })
            .collect();
        for shard in encoded {
            let (n, hash, common) = shard?;
            state.hashes.shards[n] = hash;
            state.common[n] = common;
        }
        let mut common: Vec<&str> = state
            .common
            .iter()
            .flatten()
            .map(|&t| &*state.terms[t as usize])
            .collect();
        common.sort_unstable();
        put(
            &format!("{FOLDER}/meta.json"),
            &meta(archive, options, state.hashes.id(), shards, common),
        )?;
        Ok(Some(Written {
            files: total + shards + state.hashes.facets.len() + 1,
            in_place: true,
        }))
    }
}
