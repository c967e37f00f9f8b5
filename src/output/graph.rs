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

#[derive(Serialize, Hash)]
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

#[derive(Serialize, Hash)]
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
    to_json_reusing(archive, config, None).0
}

/// The bytes of each chunk of nodes or edges, by a hash of the chunk's
/// items: a chunk no item of which changed is not serialised again.
type Chunks = crate::hash::Map<u64, Chunk>;

/// One chunk's bytes, shared between the graph that made them and the next.
type Chunk = std::sync::Arc<Vec<u8>>;

/// [`to_json`], in chunks when `last` is given (the preview's), taking
/// the bytes of unchanged chunks from it; also returns this graph's
/// chunks. Without `last` (a one-shot build) the graph is serialised in
/// one piece, on one core: it is made beside the pages, which keep both
/// cores busy, and the chunks' memory, freed, stays with the allocator's
/// threads (at 100,000 documents, 50 to 100 MB more at the peak).
fn to_json_reusing(archive: &Archive, config: &Config, last: Option<&Chunks>) -> (Vec<u8>, Chunks) {
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
    let graph = Graph { nodes, edges };
    let (mut json, chunks) = match last {
        Some(last) => pretty_reusing(&graph, last),
        None => (
            serde_json::to_vec_pretty(&graph).expect("the graph serialises"),
            Chunks::default(),
        ),
    };
    json.push(b'\n');
    // The bytes are kept until written.
    json.shrink_to_fit();
    (json, chunks)
}

/// For the tests: [`pretty_reusing`] with no chunks to reuse.
#[cfg(test)]
fn pretty(graph: &Graph) -> Vec<u8> {
    pretty_reusing(graph, &Chunks::default()).0
}

/// `serde_json::to_vec_pretty` of the graph, byte for byte, with the
/// nodes and edges serialised in parallel, a chunk of each list per job:
/// in the preview, at 100,000 documents, the graph is written again
/// whenever a title changes, and it took 0.6 s of one core. A chunk whose
/// hash is in `last` is taken from there (a retitled document changes one
/// chunk of nodes, and no edge). Also returns every chunk's bytes by hash,
/// for the next graph.
fn pretty_reusing(graph: &Graph, last: &Chunks) -> (Vec<u8>, Chunks) {
    use rayon::prelude::*;
    use std::hash::{Hash, Hasher};
    use std::sync::Arc;
    /// The chunks of a list, each element's own pretty JSON with every
    /// line indented two levels further (its strings hold no raw line
    /// breaks, JSON escapes them), elements joined as the list joins them.
    fn chunks<T: Serialize + Hash + Sync>(items: &[T], kind: u8, last: &Chunks) -> Vec<(u64, Chunk)> {
        items
            .par_chunks(1024)
            .map(|chunk| {
                let mut h = crate::hash::hasher();
                (kind, chunk).hash(&mut h);
                let hash = h.finish();
                if let Some(bytes) = last.get(&hash) {
                    return (hash, bytes.clone());
                }
                let mut out = Vec::new();
                for (n, item) in chunk.iter().enumerate() {
                    if n > 0 {
                        out.extend_from_slice(b",\n");
                    }
                    let json = serde_json::to_vec_pretty(item).expect("the graph serialises");
                    for (i, line) in json.split(|&b| b == b'\n').enumerate() {
                        if i > 0 {
                            out.push(b'\n');
                        }
                        out.extend_from_slice(b"    ");
                        out.extend_from_slice(line);
                    }
                }
                (hash, Arc::new(out))
            })
            .collect()
    }
    /// A list as the value of a key of the top object, from its chunks.
    fn list(out: &mut Vec<u8>, chunks: &[(u64, Chunk)]) {
        if chunks.is_empty() {
            out.extend_from_slice(b"[]");
            return;
        }
        out.extend_from_slice(b"[\n");
        for (n, (_, chunk)) in chunks.iter().enumerate() {
            if n > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(b"\n  ]");
    }
    let (nodes, edges) = rayon::join(|| chunks(&graph.nodes, 0, last), || chunks(&graph.edges, 1, last));
    let bytes: usize = nodes.iter().chain(&edges).map(|(_, c)| c.len() + 2).sum();
    let mut out = Vec::with_capacity(bytes + 64);
    out.extend_from_slice(b"{\n  \"nodes\": ");
    list(&mut out, &nodes);
    out.extend_from_slice(b",\n  \"edges\": ");
    list(&mut out, &edges);
    out.extend_from_slice(b"\n}");
    (out, nodes.into_iter().chain(edges).collect())
}

/// The graph of the last build, a hash of what it was made from, and, in
/// a cache [`Cache::keeping`] them, its chunks' bytes.
#[derive(Default)]
pub struct Cache {
    last: Option<(u64, std::sync::Arc<Vec<u8>>)>,
    chunks: Chunks,
    keep_chunks: bool,
}

impl Cache {
    /// A cache that keeps each graph's chunks, so that the next graph
    /// serialises only the chunks that changed (the preview keeps one; a
    /// one-shot build has no next graph, and would hold the graph twice).
    pub fn keeping() -> Cache {
        Cache {
            keep_chunks: true,
            ..Cache::default()
        }
    }
}

/// [`to_json`], reusing the last build's bytes when nothing the graph shows
/// has changed, and otherwise the bytes of its unchanged chunks.
pub fn to_json_cached(archive: &Archive, config: &Config, cache: &mut Cache) -> std::sync::Arc<Vec<u8>> {
    let inputs = inputs_hash(archive, config);
    if let Some((hash, bytes)) = &cache.last {
        if *hash == inputs {
            return bytes.clone();
        }
    }
    let (bytes, chunks) = to_json_reusing(archive, config, cache.keep_chunks.then_some(&cache.chunks));
    let bytes = std::sync::Arc::new(bytes);
    cache.last = Some((inputs, bytes.clone()));
    // Empty unless the cache keeps chunks.
    cache.chunks = chunks;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: usize) -> Node<'static> {
        Node {
            id: "document:a",
            node_type: "document",
            kind: (n % 2 == 0).then_some("plan"),
            label: "A \"quoted\" title\nwith a line break, 中文",
            url: format!("https://example.org/documents/a{n}/"),
            date: (n % 3 == 0).then(|| "2024-01-02".to_string()),
        }
    }

    fn edge(n: usize) -> Edge<'static> {
        Edge {
            source: "document:a",
            target: "entity:b",
            edge_type: "mentions",
            count: (n % 2 == 1).then_some(n),
            found_in: found_in(n % 3 == 0),
        }
    }

    /// The parallel writer gives serde_json's pretty bytes, lists empty,
    /// short, and longer than a chunk.
    #[test]
    fn the_graph_is_written_as_serde_json_pretty_prints_it() {
        for (nodes, edges) in [(0, 0), (1, 0), (0, 2), (3, 5), (2500, 1030)] {
            let graph = Graph {
                nodes: (0..nodes).map(node).collect(),
                edges: (0..edges).map(edge).collect(),
            };
            let expected = serde_json::to_vec_pretty(&graph).unwrap();
            assert_eq!(
                String::from_utf8(pretty(&graph)).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{nodes} nodes, {edges} edges"
            );
        }
    }

    /// With the chunks of a graph before one label changed, the bytes are
    /// those of a graph written anew, and only the changed chunk is
    /// serialised again.
    #[test]
    fn unchanged_chunks_are_reused_and_the_bytes_stay_the_same() {
        let graph = |changed: Option<usize>| Graph {
            nodes: (0..2500)
                .map(|n| Node {
                    label: if Some(n) == changed { "A new title" } else { "A title" },
                    ..node(n)
                })
                .collect(),
            edges: (0..1030).map(edge).collect(),
        };
        let (before, last) = pretty_reusing(&graph(None), &Chunks::default());
        assert_eq!(before, pretty(&graph(None)));
        let (after, now) = pretty_reusing(&graph(Some(1500)), &last);
        assert_eq!(
            String::from_utf8(after).unwrap(),
            String::from_utf8(pretty(&graph(Some(1500)))).unwrap()
        );
        // Three chunks of nodes and two of edges; the second of nodes is new.
        assert_eq!((last.len(), now.len()), (5, 5));
        let reused = now
            .iter()
            .filter(|(hash, bytes)| last.get(*hash).is_some_and(|b| std::sync::Arc::ptr_eq(b, bytes)))
            .count();
        assert_eq!(reused, 4);
    }
}
