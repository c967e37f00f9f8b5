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

use crate::analyse::mentions::EntityId;
use crate::analyse::{Archive, DocId};
use crate::config::Config;
use crate::content::entities::Entity;
use crate::content::{Document, Text};
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
    let mut json = Vec::new();
    write_json(archive, config, &mut json).expect("the graph serialises");
    json
}

/// Writes the graph as pretty-printed JSON into `out`, as it is made: a
/// one-shot build streams it into its file (see [`crate::output::Sink::put_streamed`]).
pub fn write_json(archive: &Archive, config: &Config, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc_ids: Vec<String> = archive.documents.iter().map(|d| doc_id(&d.slug)).collect();
    let entity_ids: Vec<String> = archive.entities.iter().map(|e| entity_id(&e.slug)).collect();
    let mut nodes = Vec::with_capacity(archive.documents.len() + archive.entities.len());
    for (d, doc) in archive.documents.iter().enumerate() {
        nodes.push(document_node(config, doc, &doc_ids[d]));
    }
    for (e, entity) in archive.entities.iter().enumerate() {
        nodes.push(entity_node(config, entity, &entity_ids[e]));
    }
    let mut edges = Vec::new();
    for d in 0..archive.documents.len() {
        edges.extend(document_edges(archive, d, |d| doc_ids[d].as_str()));
    }
    for (e, entity) in entity_ids.iter().enumerate() {
        edges.extend(mention_edges(archive, e, entity, |d| doc_ids[d].as_str()));
    }
    serde_json::to_writer_pretty(&mut *out, &Graph { nodes, edges }).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

fn doc_id(slug: &str) -> String {
    format!("document:{slug}")
}

fn entity_id(slug: &str) -> String {
    format!("entity:{slug}")
}

fn document_node<'a>(config: &Config, doc: &'a Document, id: &'a str) -> Node<'a> {
    Node {
        id,
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
}

fn entity_node<'a>(config: &Config, entity: &'a Entity, id: &'a str) -> Node<'a> {
    Node {
        id,
        node_type: "entity",
        kind: Some(&entity.kind),
        label: &entity.name,
        url: config.permalink(&paths::entity(&entity.slug)),
        date: None,
    }
}

/// Document `d`'s `cites` and `related` edges, in order.
fn document_edges<'a>(
    archive: &'a Archive,
    d: DocId,
    doc_id: impl Fn(DocId) -> &'a str + Copy + 'a,
) -> impl Iterator<Item = Edge<'a>> + 'a {
    let links = &archive.links;
    let edge = move |target, edge_type, found_in| Edge {
        source: doc_id(d),
        target,
        edge_type,
        count: None,
        found_in,
    };
    let cites = links.cites[d].iter().zip(&links.cites_in_note_only[d]);
    let cites = cites.map(move |(&to, &note)| edge(doc_id(to), "cites", found_in(note)));
    cites.chain(
        archive.related[d]
            .iter()
            .map(move |&to| edge(doc_id(to), "related", None)),
    )
}

/// The `mentions` edges of entity `e`, in order.
fn mention_edges<'a>(
    archive: &'a Archive,
    e: EntityId,
    entity_id: &'a str,
    doc_id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = Edge<'a>> + 'a {
    archive.links.mentions_of[e]
        .iter()
        .map(move |(from, occurrences)| Edge {
            source: doc_id(*from),
            target: entity_id,
            edge_type: "mentions",
            count: Some(occurrences.len()),
            found_in: found_in(occurrences.iter().all(|o| o.in_note)),
        })
}

/// The bytes of each span of nodes or edges, by a hash of what they are
/// made from: a span none of whose items changed is not serialised again.
type Chunks = crate::hash::Map<u64, Chunk>;

/// One span's bytes, shared between the graph that made them and the next.
type Chunk = std::sync::Arc<Vec<u8>>;

/// A run of documents or entities, and which of their lists it is for.
#[derive(Clone, Copy)]
enum Span {
    DocumentNodes(usize, usize),
    EntityNodes(usize, usize),
    DocumentEdges(usize, usize),
    MentionEdges(usize, usize),
}

/// Where the archive's documents (or entities) are cut into spans: after
/// each one whose slug's hash is a multiple of `every`, so that a document
/// added or deleted changes one span, not those after it. `every` is a
/// power of two, about a sixteenth of the items, at most 512: it changes
/// only when the count crosses a power of two.
fn spans(slugs: &[u64]) -> Vec<(usize, usize)> {
    let count = slugs.len();
    let every = (count / 16).next_power_of_two().clamp(2, 512) as u64;
    let mut out = Vec::new();
    let mut start = 0;
    for (n, slug) in slugs.iter().enumerate() {
        if slug % every == 0 {
            out.push((start, n + 1));
            start = n + 1;
        }
    }
    if start < count {
        out.push((start, count));
    }
    out
}

/// What a span's bytes are made of, hashed: which list it is for, its
/// items' slugs and what each shows, and the slugs of the documents its
/// edges point at (by `slugs`, the hash of each document's). Not where it
/// stands: a span after a new document holds the same items at other
/// places, and the same bytes.
fn span_inputs(archive: &Archive, config: &Config, slugs: &[u64], span: Span) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    (std::mem::discriminant(&span), &config.base_url).hash(&mut h);
    let slug = |d: &DocId| slugs[*d];
    let links = &archive.links;
    match span {
        Span::DocumentNodes(a, b) => {
            for doc in &archive.documents[a..b] {
                (&doc.slug, &doc.title, doc.date, matches!(doc.text, Text::None)).hash(&mut h);
            }
        }
        Span::EntityNodes(a, b) => {
            for entity in &archive.entities[a..b] {
                (&entity.slug, &entity.kind, &entity.name).hash(&mut h);
            }
        }
        Span::DocumentEdges(a, b) => {
            for d in a..b {
                slug(&d).hash(&mut h);
                links.cites[d].iter().for_each(|to| slug(to).hash(&mut h));
                links.cites_in_note_only[d].hash(&mut h);
                archive.related[d].iter().for_each(|to| slug(to).hash(&mut h));
                h.write_u8(0);
            }
        }
        Span::MentionEdges(a, b) => {
            for e in a..b {
                archive.entities[e].slug.hash(&mut h);
                for (from, occurrences) in &links.mentions_of[e] {
                    (slug(from), occurrences.len(), occurrences.iter().all(|o| o.in_note)).hash(&mut h);
                }
                h.write_u8(0);
            }
        }
    }
    h.finish()
}

/// The items of a span, each pretty-printed as an element of its list
/// (see [`push_item`]), joined as the list joins them.
fn span_bytes(archive: &Archive, config: &Config, span: Span) -> Vec<u8> {
    let doc_id_of = |d: DocId| doc_id(&archive.documents[d].slug);
    let mut out = Vec::new();
    match span {
        Span::DocumentNodes(a, b) => {
            for doc in &archive.documents[a..b] {
                let id = doc_id(&doc.slug);
                push_item(&mut out, &document_node(config, doc, &id));
            }
        }
        Span::EntityNodes(a, b) => {
            for entity in &archive.entities[a..b] {
                let id = entity_id(&entity.slug);
                push_item(&mut out, &entity_node(config, entity, &id));
            }
        }
        Span::DocumentEdges(a, b) => {
            // The ids these edges name, made once each.
            let ids: crate::hash::Map<DocId, String> = (a..b)
                .flat_map(|d| {
                    let targets = archive.links.cites[d].iter().chain(&archive.related[d]);
                    std::iter::once(d).chain(targets.copied())
                })
                .map(|d| (d, doc_id_of(d)))
                .collect();
            let ids = &ids;
            let id = move |d: DocId| ids[&d].as_str();
            for d in a..b {
                document_edges(archive, d, id).for_each(|edge| push_item(&mut out, &edge));
            }
        }
        Span::MentionEdges(a, b) => {
            let ids: crate::hash::Map<DocId, String> = (a..b)
                .flat_map(|e| archive.links.mentions_of[e].iter().map(|(from, _)| *from))
                .map(|d| (d, doc_id_of(d)))
                .collect();
            let ids = &ids;
            let id = move |d: DocId| ids[&d].as_str();
            let entities: Vec<String> = (a..b).map(|e| entity_id(&archive.entities[e].slug)).collect();
            for (e, entity) in (a..b).zip(&entities) {
                mention_edges(archive, e, entity, id).for_each(|edge| push_item(&mut out, &edge));
            }
        }
    }
    out
}

/// Appends `item` as `serde_json::to_vec_pretty` writes an element of a
/// list that is the value of a key of the top object: every line indented
/// two levels further (strings hold no raw line breaks, JSON escapes
/// them), after a `,` and a line break unless it is the first.
fn push_item(out: &mut Vec<u8>, item: &impl Serialize) {
    if !out.is_empty() {
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

/// The whole file from the bytes of its lists' spans, as
/// `serde_json::to_vec_pretty` writes the graph (with a final line break).
fn join(nodes: &[&[u8]], edges: &[&[u8]]) -> Vec<u8> {
    fn list(out: &mut Vec<u8>, spans: &[&[u8]]) {
        let mut spans = spans.iter().filter(|s| !s.is_empty()).peekable();
        if spans.peek().is_none() {
            out.extend_from_slice(b"[]");
            return;
        }
        out.extend_from_slice(b"[\n");
        for (n, span) in spans.enumerate() {
            if n > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(span);
        }
        out.extend_from_slice(b"\n  ]");
    }
    let bytes: usize = nodes.iter().chain(edges).map(|s| s.len() + 2).sum();
    let mut out = Vec::with_capacity(bytes + 64);
    out.extend_from_slice(b"{\n  \"nodes\": ");
    list(&mut out, nodes);
    out.extend_from_slice(b",\n  \"edges\": ");
    list(&mut out, edges);
    out.extend_from_slice(b"\n}\n");
    out
}

/// The graph's spans, nodes then edges, each with a hash of its inputs and
/// its bytes: those of a span whose inputs did not change taken from
/// `last`, the others serialised, on every core. (In the preview, at
/// 100,000 documents, the graph is made again whenever a title changes;
/// in one piece it took 0.6 s of one core.)
fn made_spans(archive: &Archive, config: &Config, last: &Chunks) -> Vec<(u64, Chunk, bool)> {
    use rayon::prelude::*;
    let hashes = |slugs: Vec<&str>| -> Vec<u64> { slugs.par_iter().map(|s| crate::hash::of(*s)).collect() };
    let slugs = hashes(archive.documents.iter().map(|d| d.slug.as_str()).collect());
    let doc_spans = spans(&slugs);
    let entity_spans = spans(&hashes(archive.entities.iter().map(|e| e.slug.as_str()).collect()));
    let nodes = doc_spans.iter().map(|&(a, b)| (Span::DocumentNodes(a, b), true));
    let nodes = nodes.chain(entity_spans.iter().map(|&(a, b)| (Span::EntityNodes(a, b), true)));
    let edges = doc_spans.iter().map(|&(a, b)| (Span::DocumentEdges(a, b), false));
    let edges = edges.chain(entity_spans.iter().map(|&(a, b)| (Span::MentionEdges(a, b), false)));
    let all: Vec<(Span, bool)> = nodes.chain(edges).collect();
    all.par_iter()
        .map(|&(span, node)| {
            let inputs = span_inputs(archive, config, &slugs, span);
            let bytes = match last.get(&inputs) {
                Some(bytes) => bytes.clone(),
                None => std::sync::Arc::new(span_bytes(archive, config, span)),
            };
            (inputs, bytes, node)
        })
        .collect()
}

/// The graph of the last build, a hash of what it was made from, and, in
/// a cache [`Cache::keeping`] them, its spans' bytes.
#[derive(Default)]
pub struct Cache {
    last: Option<(u64, std::sync::Arc<Vec<u8>>)>,
    chunks: Chunks,
    keep_chunks: bool,
}

impl Cache {
    /// A cache that keeps each graph's spans, so that the next graph
    /// serialises only the spans that changed (the preview keeps one; a
    /// one-shot build has no next graph, and would hold the graph twice).
    pub fn keeping() -> Cache {
        Cache {
            keep_chunks: true,
            ..Cache::default()
        }
    }

    /// Whether this cache keeps each graph (see [`Cache::keeping`]). A
    /// build whose cache does not has no use for the graph's bytes once
    /// they are written, and streams them into their file instead.
    pub fn keeps(&self) -> bool {
        self.keep_chunks
    }
}

/// [`to_json`], or in a cache that keeps them, from the last build's bytes
/// when nothing the graph shows has changed, and otherwise from the bytes
/// of its unchanged spans; then also a hash of all that the bytes are made
/// of, which stands for them.
pub fn to_json_cached(archive: &Archive, config: &Config, cache: &mut Cache) -> (std::sync::Arc<Vec<u8>>, Option<u64>) {
    use std::hash::{Hash, Hasher};
    if !cache.keep_chunks {
        // A one-shot build: in one piece, on one core, beside the pages,
        // which keep both cores busy; the spans' memory, freed, would stay
        // with the allocator's threads (at 100,000 documents, 50 to 100 MB
        // more at the peak).
        return (std::sync::Arc::new(to_json(archive, config)), None);
    }
    let made = made_spans(archive, config, &cache.chunks);
    let mut h = crate::hash::hasher();
    "graph.json".hash(&mut h);
    made.iter().for_each(|(inputs, _, _)| inputs.hash(&mut h));
    let whole = h.finish();
    let bytes = match &cache.last {
        Some((hash, bytes)) if *hash == whole => bytes.clone(),
        _ => {
            let spans = |node: bool| -> Vec<&[u8]> {
                made.iter()
                    .filter(|m| m.2 == node)
                    .map(|(_, bytes, _)| bytes.as_slice())
                    .collect()
            };
            std::sync::Arc::new(join(&spans(true), &spans(false)))
        }
    };
    cache.last = Some((whole, bytes.clone()));
    cache.chunks = made.into_iter().map(|(inputs, bytes, _)| (inputs, bytes)).collect();
    (bytes, Some(whole))
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

    /// Spans joined give serde_json's pretty bytes, whatever the lists'
    /// lengths and however they are cut, empty spans and all.
    #[test]
    fn spans_joined_are_what_serde_json_pretty_prints() {
        for (nodes, edges) in [(0, 0), (1, 0), (0, 2), (3, 5), (250, 103)] {
            let graph = Graph {
                nodes: (0..nodes).map(node).collect(),
                edges: (0..edges).map(edge).collect(),
            };
            let mut expected = serde_json::to_vec_pretty(&graph).unwrap();
            expected.push(b'\n');
            for cut in [1, 7, 1000] {
                let spans_of = |len: usize, f: &dyn Fn(&mut Vec<u8>, usize)| -> Vec<Vec<u8>> {
                    let mut spans = vec![Vec::new()];
                    for n in 0..len {
                        let mut span = Vec::new();
                        f(&mut span, n);
                        if n % cut == 0 {
                            spans.push(Vec::new());
                        }
                        let last = spans.last_mut().unwrap();
                        if !last.is_empty() {
                            last.extend_from_slice(b",\n");
                        }
                        last.extend_from_slice(&span);
                    }
                    spans.push(Vec::new());
                    spans
                };
                let n = spans_of(graph.nodes.len(), &|out, n| push_item(out, &graph.nodes[n]));
                let e = spans_of(graph.edges.len(), &|out, n| push_item(out, &graph.edges[n]));
                let n: Vec<&[u8]> = n.iter().map(Vec::as_slice).collect();
                let e: Vec<&[u8]> = e.iter().map(Vec::as_slice).collect();
                assert_eq!(
                    String::from_utf8(join(&n, &e)).unwrap(),
                    String::from_utf8(expected.clone()).unwrap(),
                    "{nodes} nodes, {edges} edges, cut every {cut}"
                );
            }
        }
    }

    /// Spans cover the list in order, and a slug added changes only the
    /// span it falls in: the others are the same runs of slugs.
    #[test]
    fn a_slug_added_changes_one_span() {
        let slugs: Vec<String> = (0..3000).map(|n| format!("doc-{n:05}")).collect();
        let runs = |slugs: &[String]| -> Vec<Vec<String>> {
            let hashes: Vec<u64> = slugs.iter().map(|s| crate::hash::of(s.as_str())).collect();
            let cut = spans(&hashes);
            let mut next = 0;
            for &(a, b) in &cut {
                assert!(a == next && b > a, "spans are contiguous and not empty");
                next = b;
            }
            assert_eq!(next, slugs.len());
            cut.iter().map(|&(a, b)| slugs[a..b].to_vec()).collect()
        };
        let before = runs(&slugs);
        assert!(before.len() > 5, "{} spans", before.len());
        let mut added = slugs.clone();
        added.insert(1234, "new-document".into());
        let after = runs(&added);
        let differ = after.iter().filter(|run| !before.contains(run)).count();
        assert!(differ <= 2, "{differ} spans changed");
        assert!(after.len() >= before.len());
    }
}
