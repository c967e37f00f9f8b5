//! Raw HTML in markdown: the limits it must keep before an HTML parser reads
//! it, the ids it holds, and sanitising.
//!
//! The sanitiser (ammonia) parses a text's HTML with html5ever, the parser
//! browsers' rules describe, and that parser's work per tag grows with three
//! things a text controls: how deep elements nest (each start tag looks
//! down the stack of open elements, so a few hundred kilobytes of unclosed
//! `<div>`s took seconds), how many attributes one tag has (each new
//! attribute is compared with those before it), and how much content it
//! must move (content the rules put elsewhere, such as text right inside a
//! `<table>`, is inserted before the table, and ammonia's tree finds a
//! node's place among its siblings by looking through them). So before
//! anything parses a text's HTML, [`limits`] holds it to [`MAX_DEPTH`]
//! elements deep, [`MAX_ATTRIBUTES`] attributes per tag, and moves that look
//! through at most [`MOVES_PER_BYTE`] siblings per byte of HTML, and a text
//! beyond any is an error at the line that crosses it. The checks cost time
//! in proportion to the HTML:
//!
//! - attributes are counted by following the tokenizer's tag states in
//!   every way it could be reading a tag at each byte (inside a comment or
//!   a script, `<` starts no tag, but counting it as one only overcounts),
//!   a dozen states at most;
//! - depth and moves are measured by html5ever itself, fed a kilobyte at a
//!   time into a sink that keeps only the tree's shape (each node's parent,
//!   and how many children), and stopped as soon as a limit is crossed, so
//!   it never reads far into a text beyond one.
//!
//! The same parse collects the ids of raw elements, so that the analysis can
//! warn about ids that [`super::ids`] renames; [`sanitise`] renames them as
//! it cleans. Markup annals writes itself carries its ids behind a marker
//! that no text can hold (a hash of the text), so that the sanitiser tells
//! them from raw ones and strips the marker.

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, QualName, local_name, ns};

use super::ids;
use crate::content::slug::Unique;

/// How deep elements may nest in a text that holds raw HTML.
pub const MAX_DEPTH: usize = 256;

/// How many attributes one tag of raw HTML may have.
pub const MAX_ATTRIBUTES: usize = 64;

/// How many siblings the moves of a text's nodes may look through, per
/// byte of its HTML (and `MOVES_ALLOWED` more): well-formed HTML moves
/// nothing.
pub const MOVES_PER_BYTE: usize = 32;

/// Siblings looked through that any text may spend.
const MOVES_ALLOWED: usize = 1 << 16;

/// A limit a text's HTML crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Depth,
    Attributes,
    Moves,
}

/// Where a text's HTML came from: pairs of an offset in the HTML and the
/// offset in the markdown of what wrote it from there on, in order.
pub type Marks = [(usize, usize)];

/// What reading a text's HTML found.
#[derive(Debug, Default)]
pub struct Inspection {
    /// The first limit crossed, and where in the markdown.
    pub exceeded: Option<(Limit, usize)>,
    /// The ids of raw elements, as the parser reads them (character
    /// references decoded), with where in the markdown, in the order the
    /// parser makes the elements.
    pub ids: Vec<(String, usize)>,
}

/// Reads `html` as the sanitiser will and reports what [`Inspection`]
/// holds. `own` marks the ids annals wrote.
pub fn inspect(html: &str, marks: &Marks, own: &str) -> Inspection {
    let source = |at: usize| {
        let i = marks.partition_point(|&(h, _)| h <= at);
        if i == 0 { 0 } else { marks[i - 1].1 }
    };
    if let Some(at) = too_many_attributes(html) {
        return Inspection {
            exceeded: Some((Limit::Attributes, source(at))),
            ids: Vec::new(),
        };
    }
    let breaks: Vec<usize> = marks.iter().map(|&(h, _)| h).collect();
    let (exceeded, ids, _) = read(html, Some(own), &breaks);
    Inspection {
        exceeded: exceeded.map(|(limit, at)| (limit, source(at))),
        ids: ids.into_iter().map(|(id, at)| (id, source(at))).collect(),
    }
}

/// The first limit `html` crosses, if any.
pub fn limits(html: &str) -> Option<Limit> {
    limits_counting(html).0
}

/// [`limits`], and the work it took: bytes read, and the parser's steps
/// over its stack of open elements (each time it asks a node's name or
/// compares two nodes, and each step up a parent chain).
fn limits_counting(html: &str) -> (Option<Limit>, usize) {
    if too_many_attributes(html).is_some() {
        return (Some(Limit::Attributes), html.len());
    }
    let (exceeded, _, steps) = read(html, None, &[]);
    (exceeded.map(|(limit, _)| limit), html.len() + steps)
}

/// The rules for the ids of one text while it is sanitised.
pub struct IdRules {
    /// The marker before the ids annals wrote.
    pub own: String,
    /// The text's anchor prefix (`note-` for a curator's note).
    pub prefix: String,
    /// Every id the text's markup already has.
    pub used: Unique,
}

thread_local! {
    /// The rules of the text being sanitised on this thread: ammonia's
    /// attribute filter is one function for every text.
    static RULES: RefCell<Option<IdRules>> = const { RefCell::new(None) };
}

/// Cleans the HTML of a markdown text that holds raw HTML: only harmless
/// tags and attributes stay (those annals itself writes among them), no
/// scripts, event handlers, styles or script URLs, and raw ids renamed by
/// `rules`. HTML beyond the limits is not parsed at all (the analysis has
/// reported it): a notice stands in its place.
pub fn sanitise(html: &str, rules: IdRules) -> String {
    static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
        let mut cleaner = ammonia::Builder::default();
        cleaner
            .add_generic_attributes(["id", "class"])
            .add_tag_attributes("pre", ["data-lang"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .link_rel(None)
            .attribute_filter(filter_ids);
        cleaner
    });
    if limits(html).is_some() {
        return "<p class=\"notice\">This text holds raw HTML that nests too deep or has too many attributes to show.</p>\n"
            .to_string();
    }
    RULES.with(|r| *r.borrow_mut() = Some(rules));
    let clean = CLEANER.clean(html).to_string();
    RULES.with(|r| r.borrow_mut().take());
    clean
}

/// Ammonia's attribute filter: strips the marker from annals' own ids (and
/// from links to them), and renames raw ids by the text's [`IdRules`].
fn filter_ids<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let renamed = match attribute {
        "id" => RULES.with(|r| {
            let mut r = r.borrow_mut();
            let rules = r.as_mut()?;
            Some(match value.strip_prefix(rules.own.as_str()) {
                Some(own) => own.to_string(),
                None => rules.used.claim(ids::author_id(value, &rules.prefix)),
            })
        }),
        "href" => RULES.with(|r| {
            let r = r.borrow();
            let own = value.strip_prefix('#')?.strip_prefix(r.as_ref()?.own.as_str())?;
            Some(format!("#{own}"))
        }),
        _ => None,
    };
    Some(renamed.map_or(Cow::Borrowed(value), Cow::Owned))
}

/// The marker for the ids annals writes into the HTML of `markdown`: a
/// hash of the text, which the text cannot contain.
pub fn own_marker(markdown: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    markdown.hash(&mut h);
    format!("annals{:016x}-", h.finish())
}

/// The tokenizer's states inside a tag, as far as counting attributes goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagState {
    Open,
    EndOpen,
    Name,
    BeforeAttributeName,
    AttributeName,
    AfterAttributeName,
    BeforeValue,
    DoubleQuoted,
    SingleQuoted,
    Unquoted,
    AfterQuoted,
    SelfClosing,
}

const TAG_STATES: usize = 12;

/// Where in `html` a tag gets its [`MAX_ATTRIBUTES`]+1-th attribute, read in
/// any of the ways the tokenizer could read it.
fn too_many_attributes(html: &str) -> Option<usize> {
    use TagState::*;
    const ALL: [TagState; TAG_STATES] = [
        Open,
        EndOpen,
        Name,
        BeforeAttributeName,
        AttributeName,
        AfterAttributeName,
        BeforeValue,
        DoubleQuoted,
        SingleQuoted,
        Unquoted,
        AfterQuoted,
        SelfClosing,
    ];
    // For each state, the most attributes a tag read that way has so far.
    let mut counts: [Option<usize>; TAG_STATES] = [None; TAG_STATES];
    for (at, &b) in html.as_bytes().iter().enumerate() {
        let mut next: [Option<usize>; TAG_STATES] = [None; TAG_STATES];
        let mut put = |state: TagState, count: usize| {
            let slot = &mut next[state as usize];
            *slot = Some(slot.map_or(count, |c| c.max(count)));
        };
        for state in ALL {
            let Some(count) = counts[state as usize] else { continue };
            if let Some((state, count)) = tag_step(state, count, b) {
                if count > MAX_ATTRIBUTES {
                    return Some(at);
                }
                put(state, count);
            }
        }
        // Outside a tag (or where `<` only seems to start one): data.
        if b == b'<' {
            put(Open, 0);
        }
        counts = next;
    }
    None
}

/// One byte of a tag: the next state and count, or `None` when the tag
/// ends (or was no tag).
fn tag_step(state: TagState, count: usize, b: u8) -> Option<(TagState, usize)> {
    use TagState::*;
    let space = matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ');
    let next = match state {
        Open if b.is_ascii_alphabetic() => (Name, count),
        Open if b == b'/' => (EndOpen, count),
        EndOpen if b.is_ascii_alphabetic() => (Name, count),
        Open | EndOpen => return None,
        Name | Unquoted if b == b'>' => return None,
        Name if space => (BeforeAttributeName, count),
        Name if b == b'/' => (SelfClosing, count),
        Name => (Name, count),
        BeforeAttributeName if space => (BeforeAttributeName, count),
        BeforeAttributeName | AttributeName if b == b'/' || b == b'>' => return tag_step(AfterAttributeName, count, b),
        BeforeAttributeName => (AttributeName, count + 1),
        AttributeName if space => (AfterAttributeName, count),
        AttributeName if b == b'=' => (BeforeValue, count),
        AttributeName => (AttributeName, count),
        AfterAttributeName if space => (AfterAttributeName, count),
        AfterAttributeName if b == b'/' => (SelfClosing, count),
        AfterAttributeName if b == b'=' => (BeforeValue, count),
        AfterAttributeName | AfterQuoted | SelfClosing | BeforeValue if b == b'>' => return None,
        AfterAttributeName => (AttributeName, count + 1),
        BeforeValue if space => (BeforeValue, count),
        BeforeValue if b == b'"' => (DoubleQuoted, count),
        BeforeValue if b == b'\'' => (SingleQuoted, count),
        BeforeValue => (Unquoted, count),
        DoubleQuoted if b == b'"' => (AfterQuoted, count),
        SingleQuoted if b == b'\'' => (AfterQuoted, count),
        DoubleQuoted | SingleQuoted => (state, count),
        Unquoted if space => (BeforeAttributeName, count),
        Unquoted => (Unquoted, count),
        AfterQuoted if space => (BeforeAttributeName, count),
        AfterQuoted if b == b'/' => (SelfClosing, count),
        AfterQuoted | SelfClosing => return tag_step(BeforeAttributeName, count, b),
    };
    Some(next)
}

/// How much HTML the parser is given at a time, at most.
const CHUNK: usize = 1024;

/// What [`read`] found: the first limit crossed and the HTML offset of the
/// chunk that crossed it, the ids, and the steps.
type Read = (Option<(Limit, usize)>, Vec<(String, usize)>, usize);

/// Parses `html` as a fragment, as ammonia does, and returns the first
/// limit crossed, [`MAX_DEPTH`] or [`MOVES_PER_BYTE`], with the HTML offset
/// of the chunk that crossed it (the parse stops there); the ids of
/// elements whose ids do not start with `own`, each with the offset of the
/// chunk that made it; and the steps the parser took (see
/// [`limits_counting`]). Chunks also start at each of `breaks`, so that
/// offsets can be traced to the markdown.
fn read(html: &str, own: Option<&str>, breaks: &[usize]) -> Read {
    let sink = Shape {
        own: own.map(str::to_string),
        ..Shape::default()
    };
    let mut parser = html5ever::parse_fragment(
        sink,
        html5ever::ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    );
    let mut start = 0;
    let mut next_break = breaks.iter().copied().peekable();
    while start < html.len() {
        while next_break.next_if(|&b| b <= start).is_some() {}
        let mut end = (start + CHUNK).min(html.len());
        if let Some(&b) = next_break.peek() {
            end = end.min(b);
        }
        while !html.is_char_boundary(end) {
            end += 1;
        }
        let sink = &parser.tokenizer.sink.sink;
        sink.chunk.set(start);
        parser.process(StrTendril::from_slice(&html[start..end]));
        let sink = &parser.tokenizer.sink.sink;
        if let Some(limit) = sink.crossed(end) {
            return (Some((limit, start)), sink.ids.take(), sink.steps.get());
        }
        start = end;
    }
    let sink = parser.finish();
    let crossed = sink.crossed(html.len()).map(|limit| (limit, html.len()));
    let steps = sink.steps.get();
    (crossed, sink.ids.into_inner(), steps)
}

const NO_PARENT: u32 = u32::MAX;

/// A node as [`Shape`] keeps it.
struct Node {
    name: QualName,
    parent: u32,
    /// Children, some perhaps moved elsewhere since (their parent says).
    children: Vec<u32>,
    template_contents: Option<u32>,
    annotation_xml_integration_point: bool,
}

/// A tree sink that keeps the shape of the tree and nothing else: each
/// node's parent (to measure depth) and name (which the parser asks for).
struct Shape {
    nodes: RefCell<Vec<Node>>,
    own: Option<String>,
    too_deep: Cell<bool>,
    /// The offset of the chunk being parsed.
    chunk: Cell<usize>,
    ids: RefCell<Vec<(String, usize)>>,
    /// The parser's steps over nodes: the work of parsing, for tests.
    steps: Cell<usize>,
    /// Siblings that moving nodes looks through in ammonia's tree.
    moves: Cell<usize>,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            nodes: RefCell::new(vec![Node::new(QualName::new(None, ns!(), local_name!("")))]),
            own: None,
            too_deep: Cell::new(false),
            chunk: Cell::new(0),
            ids: RefCell::new(Vec::new()),
            steps: Cell::new(0),
            moves: Cell::new(0),
        }
    }
}

impl Node {
    fn new(name: QualName) -> Node {
        Node {
            name,
            parent: NO_PARENT,
            children: Vec::new(),
            template_contents: None,
            annotation_xml_integration_point: false,
        }
    }
}

impl Shape {
    /// The limit crossed once `read` bytes of HTML are parsed, if any.
    fn crossed(&self, read: usize) -> Option<Limit> {
        if self.too_deep.get() {
            Some(Limit::Depth)
        } else if self.moves.get() > MOVES_ALLOWED + MOVES_PER_BYTE * read {
            Some(Limit::Moves)
        } else {
            None
        }
    }

    /// Notes a move among the children of `parent`, which ammonia's tree
    /// looks through to find the node's place.
    fn moved_among(&self, parent: u32) {
        if parent != NO_PARENT {
            let siblings = self.nodes.borrow()[parent as usize].children.len();
            self.moves.set(self.moves.get() + siblings);
            self.steps.set(self.steps.get() + siblings);
        }
    }

    fn add(&self, node: Node) -> u32 {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        (nodes.len() - 1) as u32
    }

    /// Makes `parent` the parent of `child`, noting when the child lands
    /// deeper than the limit. Depth is found by walking up, at most
    /// [`MAX_DEPTH`] steps.
    fn set_parent(&self, child: u32, parent: u32) {
        let mut nodes = self.nodes.borrow_mut();
        nodes[child as usize].parent = parent;
        if parent == NO_PARENT {
            return;
        }
        nodes[parent as usize].children.push(child);
        let mut depth = 0;
        let mut up = parent;
        while up != NO_PARENT && depth <= MAX_DEPTH {
            depth += 1;
            up = nodes[up as usize].parent;
        }
        self.steps.set(self.steps.get() + depth);
        if depth > MAX_DEPTH {
            self.too_deep.set(true);
        }
    }
}

impl TreeSink for Shape {
    type Handle = u32;
    type Output = Shape;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Shape {
        self
    }

    fn parse_error(&self, _message: Cow<'static, str>) {}

    fn get_document(&self) -> u32 {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a u32) -> Ref<'a, QualName> {
        self.steps.set(self.steps.get() + 1);
        Ref::map(self.nodes.borrow(), |nodes| &nodes[*target as usize].name)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> u32 {
        let id = attrs
            .iter()
            .find(|a| a.name.ns == ns!() && a.name.local == local_name!("id"));
        if let (Some(id), Some(own)) = (id, &self.own) {
            if !id.value.starts_with(own.as_str()) {
                self.ids.borrow_mut().push((id.value.to_string(), self.chunk.get()));
            }
        }
        let element = self.add(Node {
            annotation_xml_integration_point: flags.mathml_annotation_xml_integration_point,
            ..Node::new(name)
        });
        if flags.template {
            let contents = self.add(Node::new(QualName::new(None, ns!(), local_name!(""))));
            // Inside a template is as deep as the template.
            self.set_parent(contents, element);
            self.nodes.borrow_mut()[element as usize].template_contents = Some(contents);
        }
        element
    }

    fn create_comment(&self, _text: StrTendril) -> u32 {
        self.add(Node::new(QualName::new(None, ns!(), local_name!(""))))
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> u32 {
        self.add(Node::new(QualName::new(None, ns!(), local_name!(""))))
    }

    fn append(&self, parent: &u32, child: NodeOrText<u32>) {
        if let NodeOrText::AppendNode(child) = child {
            self.set_parent(child, *parent);
        }
    }

    fn append_based_on_parent_node(&self, element: &u32, prev_element: &u32, child: NodeOrText<u32>) {
        if self.nodes.borrow()[*element as usize].parent != NO_PARENT {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _name: StrTendril, _public_id: StrTendril, _system_id: StrTendril) {}

    fn get_template_contents(&self, target: &u32) -> u32 {
        self.nodes.borrow()[*target as usize]
            .template_contents
            .unwrap_or(*target)
    }

    fn same_node(&self, x: &u32, y: &u32) -> bool {
        self.steps.set(self.steps.get() + 1);
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &u32, child: NodeOrText<u32>) {
        let parent = self.nodes.borrow()[*sibling as usize].parent;
        self.moved_among(parent);
        if let NodeOrText::AppendNode(child) = child {
            self.set_parent(child, parent);
        }
    }

    fn add_attrs_if_missing(&self, _target: &u32, _attrs: Vec<Attribute>) {}

    fn remove_from_parent(&self, target: &u32) {
        let parent = self.nodes.borrow()[*target as usize].parent;
        self.moved_among(parent);
        self.nodes.borrow_mut()[*target as usize].parent = NO_PARENT;
    }

    fn reparent_children(&self, node: &u32, new_parent: &u32) {
        let children = std::mem::take(&mut self.nodes.borrow_mut()[*node as usize].children);
        for child in children {
            if self.nodes.borrow()[child as usize].parent == *node {
                self.set_parent(child, *new_parent);
            }
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &u32) -> bool {
        self.nodes.borrow()[*handle as usize].annotation_xml_integration_point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_attributes_as_the_tokenizer_reads_them() {
        let tag = |n: usize| {
            format!(
                "<span {}>x</span>",
                (0..n).map(|i| format!("a{i}=\"v\"")).collect::<Vec<_>>().join(" ")
            )
        };
        assert_eq!(too_many_attributes(&tag(MAX_ATTRIBUTES)), None);
        assert!(too_many_attributes(&tag(MAX_ATTRIBUTES + 1)).is_some());
        // Quoted values with spaces are one attribute each.
        let spaced = format!("<img alt=\"{}\">", "word ".repeat(500));
        assert_eq!(too_many_attributes(&spaced), None);
        // A tag that may start inside a quoted value is counted too.
        let hidden = format!("<a title=\"<b {}>\">", "c ".repeat(MAX_ATTRIBUTES + 1));
        assert!(too_many_attributes(&hidden).is_some());
    }

    #[test]
    fn finds_elements_nested_deeper_than_the_limit() {
        let nested = |n: usize| format!("{}x", "<div>".repeat(n));
        assert_eq!(limits(&nested(MAX_DEPTH - 1)), None);
        assert_eq!(limits(&nested(MAX_DEPTH + 1)), Some(Limit::Depth));
        // Closed elements do not add up.
        assert_eq!(limits(&"<div>x</div>".repeat(2 * MAX_DEPTH)), None);
        // Unclosed paragraphs close each other.
        assert_eq!(limits(&"<p>x".repeat(2 * MAX_DEPTH)), None);
        // Formatting left open in a closed paragraph is reopened in the
        // next, all of it each time (the parser keeps three alike only).
        let reopened = |n: usize| {
            (0..n)
                .map(|i| format!("<p><b class=\"c{i}\">x</p>"))
                .collect::<String>()
        };
        assert_eq!(limits(&reopened(MAX_DEPTH / 2)), None);
        assert_eq!(limits(&reopened(MAX_DEPTH + 1)), Some(Limit::Depth));
        assert_eq!(limits(&"<p><b>x</p>".repeat(2 * MAX_DEPTH)), None);
    }

    /// HTML that makes the parser's work per tag grow with the size of the
    /// input, if nothing stops it.
    fn costly(n: usize) -> [String; 5] {
        [
            "<div>x\n".repeat(n),
            "<font><table><font>x".repeat(n),
            format!("{}<p>x</p>", "<blockquote>\n".repeat(n)),
            (0..n).map(|i| format!("<p><b class=\"c{i}\">x</p>")).collect(),
            format!(
                "<span {}>x</span>",
                (0..n).map(|i| format!("a{i}")).collect::<Vec<_>>().join(" ")
            ),
        ]
    }

    #[test]
    fn checking_costs_work_in_proportion_to_the_html() {
        let (small, large) = (costly(8 * MAX_DEPTH), costly(32 * MAX_DEPTH));
        for (small, large) in small.iter().zip(&large) {
            let (found, small_work) = limits_counting(small);
            assert!(found.is_some(), "{:?}...", &small[..40]);
            let (_, large_work) = limits_counting(large);
            let per_byte = |work: usize, html: &str| work as f64 / html.len() as f64;
            assert!(
                per_byte(large_work, large) <= 1.25 * per_byte(small_work, small),
                "{:?}...: work per byte grew from {:.1} to {:.1}",
                &small[..40],
                per_byte(small_work, small),
                per_byte(large_work, large),
            );
        }
    }

    #[test]
    fn html_beyond_the_limits_is_never_handed_to_the_sanitiser() {
        for html in costly(8 * MAX_DEPTH) {
            let rules = IdRules {
                own: "M:".into(),
                prefix: String::new(),
                used: Unique::default(),
            };
            assert!(sanitise(&html, rules).starts_with("<p class=\"notice\">"));
        }
    }

    #[test]
    fn collects_raw_ids_decoded_and_skips_annals_own() {
        let html = "<p id=\"OWNp-1\">a</p><div id=\"&#109;ain\">b</div><!-- <i id=\"c\"> -->";
        let found = inspect(html, &[(0, 0), (20, 7)], "OWN");
        assert_eq!(found.ids, [("main".to_string(), 7)]);
        assert_eq!(found.exceeded, None);
    }

    #[test]
    fn sanitising_renames_raw_ids_and_unmarks_own() {
        let mut used = Unique::default();
        used.claim("own".into());
        let rules = IdRules {
            own: "M:".into(),
            prefix: String::new(),
            used,
        };
        let clean = sanitise(
            "<h2 id=\"M:own\">t</h2><div id=\"main\">x</div><span id=\"own\">y</span><a href=\"#M:fn-1\">1</a>",
            rules,
        );
        assert_eq!(
            clean,
            "<h2 id=\"own\">t</h2><div id=\"id-main\">x</div><span id=\"own-2\">y</span><a href=\"#fn-1\">1</a>"
        );
    }
}
