/**
 * The archive's search page: reads the index `annals build` writes under
 * search/ (see src/search/mod.rs for the files) and shows results as the
 * reader types, with no server but the static host.
 *
 * A query is split into terms exactly as the indexer split the texts
 * (tokens() below mirrors src/search/tokens.rs; stem.js is the same Snowball
 * English stemmer): English words, stemmed; Chinese runs, looked up by their
 * pairs of characters; "quoted phrases". Each term's shard is fetched once,
 * the records holding every term are ranked by BM25, and for each result the
 * record's own file gives the paragraphs that match, with their anchors.
 * Filters by taxonomy fetch that taxonomy's lists when opened.
 */
import { parseQuery, pieces, needsCheck } from './search-terms.js';

const ROOT = new URL('./', import.meta.url);
const INDEX = new URL('search/', ROOT);
const PAGE = 10;
// How much of a paragraph, and how many paragraphs, a result shows: from
// `[search]` in config.toml, through meta.json.
const excerptLength = () => meta.excerpt_length || 240;
const excerptCount = () => meta.excerpts || 3;
const encoder = new TextEncoder();

// ---- Files -------------------------------------------------------------

const files = new Map();
let meta = null;

// Filter lists are gzip streams; shards are written as they are (their
// first byte is a term's length, never followed by gzip's 0x8b).
async function inflate(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function pack(path) {
  if (!files.has(path)) {
    const url = new URL(`${path}?v=${meta.id}`, INDEX);
    files.set(path, fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url.pathname}: ${r.status}`);
      return r.arrayBuffer();
    }).then((b) => inflate(new Uint8Array(b))).catch((e) => {
      files.delete(path);
      throw e;
    }));
  }
  return files.get(path);
}

async function loadMeta() {
  const r = await fetch(new URL('meta.json', INDEX), { cache: 'no-cache' });
  if (!r.ok) throw new Error(`search/meta.json: ${r.status}`);
  meta = await r.json();
  meta.commonSet = new Set(meta.common);
}

function varint(bytes, at) {
  let n = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at.i++];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 128;
  }
}

function fnv1a(term) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(term)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const decoder = new TextDecoder();

/** The postings of `term`: a Map from record id to weight. */
async function postings(term) {
  const shard = fnv1a(term) & (meta.shards - 1);
  const bytes = await pack(`t/${shard}.pack`);
  const want = encoder.encode(term);
  const at = { i: 0 };
  while (at.i < bytes.length) {
    const len = varint(bytes, at);
    const start = at.i;
    at.i += len;
    const count = varint(bytes, at);
    const size = varint(bytes, at);
    if (len === want.length && bytes.subarray(start, start + len).every((b, k) => b === want[k])) {
      const out = new Map();
      let id = 0;
      for (let k = 0; k < count; k++) {
        id += varint(bytes, at);
        out.set(id, bytes[at.i++]);
      }
      return out;
    }
    at.i += size;
  }
  return new Map();
}

/** The record ids of each term of taxonomy `n`. */
async function facet(n) {
  const key = `facet:${n}`;
  if (!files.has(key)) {
    files.set(key, pack(`f/${n}.pack`).then((bytes) => {
      const at = { i: 0 };
      return meta.taxonomies[n].terms.map(() => {
        const count = varint(bytes, at);
        const ids = new Array(count);
        let id = 0;
        for (let k = 0; k < count; k++) ids[k] = id += varint(bytes, at);
        return ids;
      });
    }));
  }
  return files.get(key);
}

/**
 * Record `id`: its file is named by the record, not by its number, and the
 * files of k/ list the names in order.
 */
const nameLists = new Map();

async function record(id) {
  const per = meta.names_per_file;
  const n = Math.floor(id / per);
  if (!nameLists.has(n)) {
    nameLists.set(n, pack(`k/${n}.json`).then((b) => JSON.parse(decoder.decode(b))).catch((e) => {
      nameLists.delete(n);
      throw e;
    }));
  }
  const names = await nameLists.get(n);
  return JSON.parse(decoder.decode(await pack(`r/${names[id % per]}.json`)));
}

// ---- Matching ----------------------------------------------------------

/** Ranked candidates: [{id, score}], best first. */
async function candidates(query) {
  const rare = query.terms.filter((t) => !meta.commonSet.has(t));
  const terms = rare.length ? rare : query.terms;
  const lists = await Promise.all(terms.map(postings));
  if (lists.some((l) => l.size === 0)) return [];
  lists.sort((a, b) => a.size - b.size);
  const n = meta.records;
  const idf = lists.map((l) => Math.log(1 + (n - l.size + 0.5) / (l.size + 0.5)));
  const out = [];
  for (const [id, w] of lists[0]) {
    let score = idf[0] * w;
    let all = true;
    for (let k = 1; k < lists.length; k++) {
      const wk = lists[k].get(id);
      if (wk === undefined) { all = false; break; }
      score += idf[k] * wk;
    }
    if (all) out.push({ id, score });
  }
  return out;
}

/** Where `part` occurs in `text`: [[start, end], ...]. */
function occurrences(part, text, textPieces) {
  const out = [];
  if (part.kind === 'word') {
    for (const p of textPieces) if (p.kind === 'word' && p.term === part.term) out.push([p.start, p.end]);
  } else if (part.kind === 'han') {
    for (let i = text.indexOf(part.text); i >= 0; i = text.indexOf(part.text, i + 1)) out.push([i, i + part.text.length]);
  } else {
    const ps = part.pieces;
    if (ps.every((p) => p.kind === 'word')) {
      const words = textPieces.filter((p) => p.kind === 'word');
      for (let i = 0; i + ps.length <= words.length; i++) {
        if (ps.every((p, k) => words[i + k].term === p.term)) out.push([words[i].start, words[i + ps.length - 1].end]);
      }
    } else {
      // A phrase with Chinese: its words in order, spaces and punctuation
      // between them free.
      const fold = (s) => s.toLowerCase().replace(/[^\p{Alphabetic}\p{N}]+/gu, '');
      const want = fold(part.text);
      const map = [];
      let folded = '';
      for (let i = 0; i < text.length; i++) {
        const f = fold(text[i]);
        for (let k = 0; k < f.length; k++) map.push(i);
        folded += f;
      }
      for (let i = folded.indexOf(want); want && i >= 0; i = folded.indexOf(want, i + 1)) {
        out.push([map[i], map[i + want.length - 1] + 1]);
      }
    }
  }
  return out;
}

/** The matches of every part in `text`: {found: Set of part indexes, marks}. */
function match(query, text) {
  const textPieces = pieces(text);
  const found = new Set();
  const marks = [];
  query.parts.forEach((part, k) => {
    const at = occurrences(part, text, textPieces);
    if (at.length) {
      found.add(k);
      marks.push(...at);
    }
  });
  marks.sort((a, b) => a[0] - b[0]);
  return { found, marks };
}

/**
 * What a result shows of a record, or null when a part that must be
 * checked in the text is not there.
 */
function hits(query, rec) {
  const fields = [rec.t, rec.o || '', ...(rec.n || []), rec.s || ''];
  const found = new Set();
  const head = fields.map((f) => match(query, f));
  head.forEach((m) => m.found.forEach((k) => found.add(k)));
  const blocks = [];
  for (const [anchor, text] of rec.b) {
    const m = match(query, text);
    if (m.found.size) {
      m.found.forEach((k) => found.add(k));
      blocks.push({ anchor, text, ...m });
    }
  }
  const ok = query.parts.every((part, k) => !needsCheck(part) || found.has(k));
  if (!ok) return null;
  blocks.sort((a, b) => b.found.size - a.found.size);
  return {
    title: head[0].marks,
    original: head[1].marks,
    summary: head[head.length - 1].marks,
    blocks: blocks.slice(0, excerptCount()),
    more: Math.max(0, blocks.length - excerptCount()),
  };
}

// ---- Showing -----------------------------------------------------------

const CHINESE = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff60]+(?:[\s\d\u3000-\u303f\uff00-\uff60]*[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)*/g;

/** Appends `text` to `el`, Chinese runs in <span lang="zh">. */
function appendText(el, text) {
  let last = 0;
  for (const m of text.matchAll(CHINESE)) {
    if (m.index > last) el.append(text.slice(last, m.index));
    const span = document.createElement('span');
    span.lang = 'zh';
    span.textContent = m[0];
    el.append(span);
    last = m.index + m[0].length;
  }
  if (last < text.length) el.append(text.slice(last));
}

/** Appends `text` with `marks` highlighted. */
function appendMarked(el, text, marks) {
  let at = 0;
  for (const [s, e] of marks) {
    if (s < at) continue;
    appendText(el, text.slice(at, s));
    const mark = document.createElement('mark');
    appendText(mark, text.slice(s, e));
    el.append(mark);
    at = e;
  }
  appendText(el, text.slice(at));
}

/** The part of a long paragraph around its first match. */
function excerpt(text, marks) {
  const EXCERPT = excerptLength();
  if (text.length <= EXCERPT) return { text, marks };
  const first = marks.length ? marks[0][0] : 0;
  let start = Math.max(0, first - Math.round(EXCERPT / 4));
  if (start > 0) {
    const space = text.lastIndexOf(' ', start + 10);
    start = space > start - 20 && space >= 0 ? space + 1 : start;
  }
  let end = Math.min(text.length, start + EXCERPT);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + EXCERPT / 2) end = space;
  }
  const pre = start > 0 ? '… ' : '';
  const post = end < text.length ? ' …' : '';
  const shift = pre.length - start;
  return {
    text: pre + text.slice(start, end) + post,
    marks: marks.filter(([s, e]) => s >= start && e <= end).map(([s, e]) => [s + shift, e + shift]),
  };
}

function paragraphLabel(anchor) {
  const m = /^(note-)?p-(\d+)$/.exec(anchor);
  if (m) return m[1] ? `Note ¶ ${m[2]}` : `¶ ${m[2]}`;
  return anchor.startsWith('note-') ? 'Note' : 'Section';
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function resultItem(rec, found, id) {
  const url = new URL(rec.u, ROOT).pathname;
  const li = el('li', { class: 'result' });
  const h = el('h2', { class: 'result-title' });
  const a = el('a', { href: url });
  appendMarked(a, rec.t, found.title);
  h.append(a);
  li.append(h);
  if (rec.o) {
    const o = el('p', { class: 'result-original' });
    appendMarked(o, rec.o, found.original);
    li.append(o);
  }
  const facts = [];
  if (rec.d) facts.push(rec.d);
  if (rec.k) facts.push(rec.k);
  const line = el('p', { class: 'result-meta' }, facts.join(' · '));
  if (rec.c === 1) line.append(' ', el('span', { class: 'badge' }, 'catalogue record: text not held'));
  if (rec.c === 2) line.append(' ', el('span', { class: 'badge' }, 'person or organisation'));
  li.append(line);
  if (found.blocks.length) {
    const list = el('ul', { class: 'result-hits' });
    for (const b of found.blocks) {
      const ex = excerpt(b.text, b.marks);
      const link = el('a', { href: `${url}#${b.anchor}` }, el('span', { class: 'where' }, paragraphLabel(b.anchor)), ' ');
      const quote = el('span', { class: 'quote' });
      appendMarked(quote, ex.text, ex.marks);
      link.append(quote);
      list.append(el('li', {}, link));
    }
    li.append(list);
    if (found.more) {
      li.append(el('p', { class: 'result-more' }, `${found.more} more matching paragraph${found.more === 1 ? '' : 's'} in this document`));
    }
  } else if (rec.s) {
    const s = el('p', { class: 'result-summary' });
    const ex = excerpt(rec.s, found.summary);
    appendMarked(s, ex.text, ex.marks);
    li.append(s);
  }
  li.dataset.id = id;
  return li;
}

// ---- The page ----------------------------------------------------------

const form = document.querySelector('[data-search]');
const input = form.querySelector('input[name=q]');
const area = document.querySelector('[data-results-area]');
const status = document.querySelector('[data-status]');
const list = document.querySelector('[data-results]');
const moreButton = document.querySelector('[data-more]');
const filtersBox = document.querySelector('[data-filters]');

const state = { sort: 'relevance', from: '', to: '', picked: new Map() };
let run = 0;
let pending = [];
let shown = 0;
let current = null;

function readUrl() {
  const p = new URLSearchParams(location.search);
  input.value = p.get('q') || '';
  state.sort = p.get('sort') || 'relevance';
  state.from = p.get('from') || '';
  state.to = p.get('to') || '';
  state.picked = new Map();
  for (const f of p.getAll('f')) {
    const colon = f.indexOf(':');
    const tax = meta.taxonomies.findIndex((t) => t.name === f.slice(0, colon));
    const term = tax < 0 ? -1 : meta.taxonomies[tax].terms.indexOf(f.slice(colon + 1));
    if (term >= 0) {
      if (!state.picked.has(tax)) state.picked.set(tax, new Set());
      state.picked.get(tax).add(term);
    }
  }
}

function writeUrl() {
  const p = new URLSearchParams();
  if (input.value.trim()) p.set('q', input.value.trim());
  if (state.sort !== 'relevance') p.set('sort', state.sort);
  if (state.from) p.set('from', state.from);
  if (state.to) p.set('to', state.to);
  for (const [tax, terms] of state.picked) {
    for (const t of terms) p.append('f', `${meta.taxonomies[tax].name}:${meta.taxonomies[tax].terms[t]}`);
  }
  const qs = p.toString();
  history.replaceState(null, '', qs ? `?${qs}` : location.pathname);
}

/** Ids in the chosen years (documents only), or null for any. */
function yearRange() {
  if (!state.from && !state.to) return null;
  const from = state.from ? Number(state.from) : -Infinity;
  const to = state.to ? Number(state.to) : Infinity;
  const ranges = meta.years.filter(([y]) => y >= from && y <= to).map(([, a, b]) => [a, b]);
  return (id) => ranges.some(([a, b]) => id >= a && id < b);
}

async function filtered(cands, except) {
  let out = cands;
  const inYears = yearRange();
  if (inYears) out = out.filter((c) => inYears(c.id));
  for (const [tax, terms] of state.picked) {
    if (tax === except || !terms.size) continue;
    const lists = await facet(tax);
    const allowed = new Set();
    for (const t of terms) lists[t].forEach((id) => allowed.add(id));
    out = out.filter((c) => allowed.has(c.id));
  }
  return out;
}

async function search() {
  const mine = ++run;
  writeUrl();
  const q = input.value.trim();
  const query = parseQuery(q);
  if (!query.parts.length) {
    area.hidden = true;
    status.textContent = q ? 'Type a word of two letters or more.' : '';
    return;
  }
  status.textContent = 'Searching…';
  let cands;
  try {
    cands = await candidates(query);
  } catch (e) {
    if (mine === run) status.textContent = `The search index could not be read (${e.message}).`;
    return;
  }
  if (mine !== run) return;
  const all = cands;
  cands = await filtered(cands);
  if (mine !== run) return;
  if (state.sort === 'relevance') cands.sort((a, b) => b.score - a.score || a.id - b.id);
  else if (state.sort === 'newest') cands.sort((a, b) => a.id - b.id);
  else cands.sort((a, b) => dated(b.id) - dated(a.id) || b.id - a.id);
  current = { query, all, mine, checked: !query.parts.some(needsCheck), total: cands.length };
  pending = cands.slice();
  shown = 0;
  list.replaceChildren();
  area.hidden = false;
  await showMore();
  await renderFilters();
}

/** Sorts oldest first with undated records (and entities) last. */
function dated(id) {
  return id < meta.documents && meta.years.some(([, a, b]) => id >= a && id < b) ? 1 : 0;
}

async function showMore() {
  const { query, mine } = current;
  let added = 0;
  moreButton.hidden = true;
  while (added < PAGE && pending.length) {
    const batch = pending.splice(0, PAGE - added);
    // Fetched together, shown in order as each arrives.
    const recs = batch.map((c) => record(c.id));
    for (const [k, promise] of recs.entries()) {
      const rec = await promise;
      if (mine !== run) return;
      const found = hits(query, rec);
      if (found) {
        list.append(resultItem(rec, found, batch[k].id));
        added++;
      } else {
        current.total--;
      }
    }
  }
  shown += added;
  const n = current.total;
  const approx = !current.checked && pending.length ? 'about ' : '';
  status.textContent = n === 0
    ? `Nothing found for “${input.value.trim()}”.`
    : `${approx}${n} result${n === 1 ? '' : 's'}${shown < n ? `, showing ${shown}` : ''}.`;
  moreButton.hidden = pending.length === 0;
}

async function renderFilters() {
  const { all, mine } = current;
  const frag = document.createDocumentFragment();

  const sort = el('label', { class: 'filter-row' }, 'Sort by ');
  const select = el('select', { name: 'sort' });
  for (const [v, t] of [['relevance', 'relevance'], ['newest', 'newest first'], ['oldest', 'oldest first']]) {
    const o = el('option', { value: v }, t);
    if (v === state.sort) o.selected = true;
    select.append(o);
  }
  select.addEventListener('change', () => { state.sort = select.value; search(); });
  sort.append(select);
  frag.append(sort);

  const years = meta.years.map(([y]) => y);
  if (years.length) {
    const box = el('fieldset', { class: 'filter-years' }, el('legend', {}, 'Years'));
    for (const [key, label] of [['from', 'From'], ['to', 'to']]) {
      const s = el('select', { name: key, 'aria-label': `${label === 'to' ? 'To' : label} year` });
      s.append(el('option', { value: '' }, key === 'from' ? 'earliest' : 'latest'));
      for (const y of [...years].sort((a, b) => a - b)) {
        const o = el('option', { value: String(y) }, String(y));
        if (String(y) === state[key]) o.selected = true;
        s.append(o);
      }
      s.addEventListener('change', () => { state[key] = s.value; search(); });
      box.append(el('label', {}, `${label} `, s), ' ');
    }
    frag.append(box);
  }

  for (const [n, tax] of meta.taxonomies.entries()) {
    const picked = state.picked.get(n) || new Set();
    const details = el('details', { class: 'filter', 'data-tax': String(n) });
    if (picked.size || openTaxonomies.has(n)) details.open = true;
    details.append(el('summary', {}, tax.title, picked.size ? ` (${picked.size})` : ''));
    details.addEventListener('toggle', () => {
      if (details.open) { openTaxonomies.add(n); fillFacet(details, n, all, mine); } else openTaxonomies.delete(n);
    });
    frag.append(details);
    if (details.open) fillFacet(details, n, all, mine);
  }
  filtersBox.replaceChildren(frag);
}

const openTaxonomies = new Set();

async function fillFacet(details, n, all, mine) {
  const lists = await facet(n);
  const base = await filtered(all, n);
  if (mine !== run) return;
  const ids = new Set(base.map((c) => c.id));
  const picked = state.picked.get(n) || new Set();
  const rows = meta.taxonomies[n].terms
    .map((name, t) => ({ name, t, count: lists[t].reduce((k, id) => k + (ids.has(id) ? 1 : 0), 0) }))
    .filter((r) => r.count || picked.has(r.t))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const ul = el('ul', { class: 'filter-terms' });
  rows.forEach((r, k) => {
    const box = el('input', { type: 'checkbox' });
    box.checked = picked.has(r.t);
    box.addEventListener('change', () => {
      if (!state.picked.has(n)) state.picked.set(n, new Set());
      const set = state.picked.get(n);
      if (box.checked) set.add(r.t); else set.delete(r.t);
      search();
    });
    const label = el('label', {}, box, ' ');
    appendText(label, r.name);
    label.append(' ', el('span', { class: 'count' }, String(r.count)));
    const li = el('li', {}, label);
    if (k >= 12 && !picked.has(r.t)) li.hidden = true;
    ul.append(li);
  });
  details.querySelector('ul')?.remove();
  details.querySelector('.filter-all')?.remove();
  if (!rows.length) ul.append(el('li', { class: 'muted' }, 'None among these results.'));
  details.append(ul);
  if (rows.length > 12) {
    const all = el('button', { type: 'button', class: 'filter-all' }, `Show all ${rows.length}`);
    all.addEventListener('click', () => { ul.querySelectorAll('li[hidden]').forEach((li) => { li.hidden = false; }); all.remove(); });
    details.append(all);
  }
}

let timer = 0;
input.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(search, 80);
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  clearTimeout(timer);
  search();
});
moreButton.addEventListener('click', () => showMore());

// Filters stand open beside the results on a wide screen, and fold
// above them on a narrow one.
const fold = document.querySelector('[data-filters-fold]');
if (fold && matchMedia('(min-width: 60rem)').matches) fold.open = true;

try {
  await loadMeta();
  document.documentElement.classList.add('search-ready');
  readUrl();
  if (input.value.trim()) await search();
} catch (e) {
  status.textContent = `The search index could not be read (${e.message}).`;
}
