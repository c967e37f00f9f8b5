//! `/graph.json`: the archive's link graph, for people who analyse it.
//!
//! Nodes are documents (`type` "document", or "catalogue" when the archive
//! does not hold the text) and entities (`type` "entity", with their
//! `kind`); edges are `cites` (document → document, by link or mention) and
//! `related` (document → document, as listed on the page), document by
//! document, then `mentions` (document → entity, with a `count`), entity by
//! entity. `cites` and `mentions` say with `found_in` whether the
//! document's own text holds them ("text") or only its curator's note
//! ("note"), which is the archive's commentary, not the document's. Ids are `document:<slug>` and
//! `entity:<slug>`. Order follows the archive (documents newest first), so
//! two builds of the same archive write the same bytes.

use serde::Serialize;

use crate::analyse::Archive;
use crate::config::Config;
use crate::content::Text;
use crate::render::views::paths;

#[derive(Serialize)]
struct Node<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    node_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    label: &'a str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
}

#[derive(Serialize)]
struct Edge<'a> {
    source: &'a str,
    target: &'a str,
    #[serde(rename = "type")]
    edge_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    /// For `cites` and `mentions`: "text" when the document's own text
    /// cites or names the target, "note" when only its curator's note does.
    #[serde(skip_serializing_if = "Option::is_none")]
    found_in: Option<&'static str>,
}

fn found_in(in_note_only: bool) -> Option<&'static str> {
    Some(if in_note_only { "note" } else { "text" })
}

/// The graph as pretty-printed JSON: what `serde_json::to_vec_pretty`
/// writes for the whole graph, made node by node and document by document
/// on every core and joined.
pub fn to_json(archive: &Archive, config: &Config) -> Vec<u8> {
    // Each id is written once per node and once per edge it is on.
    let doc_ids: Vec<String> = archive
        .documents
        .iter()
        .map(|d| format!("document:{}", d.slug))
        .collect();
    let entity_ids: Vec<String> = archive.entities.iter().map(|e| format!("entity:{}", e.slug)).collect();
    let doc_id = |d: usize| doc_ids[d].as_str();
    let entity_id = |e: usize| entity_ids[e].as_str();
    let document_node = |d: usize| {
        let doc = &archive.documents[d];
        Node {
            id: doc_id(d),
            node_type: if matches!(doc.text, Text::None) {
                "catalogue"
            } else {
                "document"
            },
            kind: None,
            label: &doc.title,
            url: config.permalink(&paths::document(&doc.slug)),
            date: doc.date.map(|d| d.iso()),
        }
    };
    let entity_node = |e: usize| {
        let entity = &archive.entities[e];
        Node {
            id: entity_id(e),
            node_type: "entity",
            kind: Some(&entity.kind),
            label: &entity.name,
            url: config.permalink(&paths::entity(&entity.slug)),
            date: None,
        }
    };
    let links = &archive.links;
    let document_edges = |d: usize| {
        let edge = |target, edge_type, found_in| Edge {
            source: doc_id(d),
            target,
            edge_type,
            count: None,
            found_in,
        };
        let cites = links.cites[d].iter().zip(&links.cites_in_note_only[d]);
        let mut edges: Vec<Edge> = cites
            .map(|(&to, &note)| edge(doc_id(to), "cites", found_in(note)))
            .collect();
        edges.extend(archive.related[d].iter().map(|&to| edge(doc_id(to), "related", None)));
        edges
    };
    let entity_edges = |e: usize| -> Vec<Edge> {
        let mentions = &links.mentions_of[e];
        mentions
            .iter()
            .map(|(from, occurrences)| Edge {
                source: doc_id(*from),
                target: entity_id(e),
                edge_type: "mentions",
                count: Some(occurrences.len()),
                found_in: found_in(occurrences.iter().all(|o| o.in_note)),
            })
            .collect()
    };
    let (documents, entities) = (archive.documents.len(), archive.entities.len());
    let mut json = b"{\n  \"nodes\": ".to_vec();
    let mut nodes = Array::default();
    nodes.extend(&mut json, 0..documents, |d| vec![item(&document_node(d))]);
    nodes.extend(&mut json, 0..entities, |e| vec![item(&entity_node(e))]);
    nodes.close(&mut json);
    json.extend_from_slice(b",\n  \"edges\": ");
    let mut edges = Array::default();
    edges.extend(&mut json, 0..documents, |d| {
        document_edges(d).iter().map(item).collect()
    });
    edges.extend(&mut json, 0..entities, |e| entity_edges(e).iter().map(item).collect());
    edges.close(&mut json);
    json.extend_from_slice(b"\n}\n");
    // The buffer grew by doubling; the bytes are kept until written.
    json.shrink_to_fit();
    json
}

/// A JSON array being written, as `to_vec_pretty` writes one a level in.
#[derive(Default)]
struct Array {
    items: usize,
}

impl Array {
    /// Adds the items `make` makes for each of `range`, made on every core
    /// a few thousand at a time (so that no more than those are held
    /// beside the output).
    fn extend(
        &mut self,
        json: &mut Vec<u8>,
        range: std::ops::Range<usize>,
        make: impl Fn(usize) -> Vec<Vec<u8>> + Sync,
    ) {
        use rayon::prelude::*;
        const CHUNK: usize = 4096;
        for start in range.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(range.end);
            let made: Vec<Vec<Vec<u8>>> = (start..end).into_par_iter().map(&make).collect();
            for item in made.iter().flatten() {
                json.extend_from_slice(if self.items == 0 { b"[\n" } else { b",\n" });
                json.extend_from_slice(item);
                self.items += 1;
            }
        }
    }

    fn close(self, json: &mut Vec<u8>) {
        json.extend_from_slice(if self.items == 0 { b"[]" } else { b"\n  ]" });
    }
}

/// One node or edge as `to_vec_pretty` writes it inside the graph's
/// arrays: indented by two levels (four spaces).
fn item(value: &impl Serialize) -> Vec<u8> {
    let json = serde_json::to_vec_pretty(value).expect("the graph serialises");
    let mut out = Vec::with_capacity(json.len() + 64);
    out.extend_from_slice(b"    ");
    for &b in &json {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(b"    ");
        }
    }
    out
}

/// The graph of the last build and a hash of what it was made from.
#[derive(Default)]
pub struct Cache {
    last: Option<(u64, std::sync::Arc<Vec<u8>>)>,
}

/// [`to_json`], reusing the last build's bytes when nothing the graph shows
/// has changed.
pub fn to_json_cached(archive: &Archive, config: &Config, cache: &mut Cache) -> std::sync::Arc<Vec<u8>> {
    let inputs = inputs_hash(archive, config);
    if let Some((hash, bytes)) = &cache.last {
        if *hash == inputs {
            return bytes.clone();
        }
    }
    let bytes = std::sync::Arc::new(to_json(archive, config));
    cache.last = Some((inputs, bytes.clone()));
    bytes
}

fn inputs_hash(archive: &Archive, config: &Config) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    config.base_url.hash(&mut h);
    for doc in &archive.documents {
        (&doc.slug, &doc.title, doc.date, matches!(doc.text, Text::None)).hash(&mut h);
    }
    for entity in &archive.entities {
        (&entity.slug, &entity.kind, &entity.name).hash(&mut h);
    }
    let links = &archive.links;
    (&links.cites, &links.cites_in_note_only, &archive.related).hash(&mut h);
    for mentions in &links.mentions_of {
        for (from, occurrences) in mentions {
            (from, occurrences.len(), occurrences.iter().all(|o| o.in_note)).hash(&mut h);
        }
        h.write_u8(0);
    }
    h.finish()
}
