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
struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    edges: Vec<Edge<'a>>,
}

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

/// The graph as pretty-printed JSON.
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
    let mut nodes = Vec::with_capacity(archive.documents.len() + archive.entities.len());
    for (d, doc) in archive.documents.iter().enumerate() {
        nodes.push(Node {
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
        });
    }
    for (e, entity) in archive.entities.iter().enumerate() {
        nodes.push(Node {
            id: entity_id(e),
            node_type: "entity",
            kind: Some(&entity.kind),
            label: &entity.name,
            url: config.permalink(&paths::entity(&entity.slug)),
            date: None,
        });
    }
    let links = &archive.links;
    let mut edges = Vec::new();
    for d in 0..archive.documents.len() {
        let edge = |target, edge_type, found_in| Edge {
            source: doc_id(d),
            target,
            edge_type,
            count: None,
            found_in,
        };
        let cites = links.cites[d].iter().zip(&links.cites_in_note_only[d]);
        edges.extend(cites.map(|(&to, &note)| edge(doc_id(to), "cites", found_in(note))));
        edges.extend(archive.related[d].iter().map(|&to| edge(doc_id(to), "related", None)));
    }
    for (e, mentions) in links.mentions_of.iter().enumerate() {
        edges.extend(mentions.iter().map(|(from, occurrences)| Edge {
            source: doc_id(*from),
            target: entity_id(e),
            edge_type: "mentions",
            count: Some(occurrences.len()),
            found_in: found_in(occurrences.iter().all(|o| o.in_note)),
        }));
    }
    let mut json = serde_json::to_vec_pretty(&Graph { nodes, edges }).expect("the graph serialises");
    json.push(b'\n');
    // The buffer grew by doubling; the bytes are kept until written.
    json.shrink_to_fit();
    json
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
