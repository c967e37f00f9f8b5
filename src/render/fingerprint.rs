//! Page fingerprints: a hash of everything a page is rendered from.
//!
//! `serve` renders a page again only when its fingerprint changed, so an
//! edit to one document re-renders that document's page and the few pages
//! that list or cite it, not the whole site. A fingerprint hashes the page's
//! template variables (Tera values, walked in a stable order: maps by sorted
//! key) and a hash of the site (every template's source, the config). The
//! summaries shared by many list pages are hashed once per build and looked
//! up by address.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use tera::Value;

use super::theme::Theme;
use crate::config::Config;

/// Summary hashes by the address of the summary's map.
pub type Memo = HashMap<usize, u64>;

/// Where a map value's contents live: the same for every clone of it.
pub fn address(value: &Value) -> Option<usize> {
    value.as_map().map(|m| m as *const tera::Map as usize)
}

/// The hash of one value.
pub fn hash_value(value: &Value) -> u64 {
    let empty = Memo::new();
    let mut h = Fingerprinter::new(&empty);
    h.value(value);
    h.finish()
}

/// The hashes of what every page depends on (templates, config, and
/// `site` without its counts), and of `site`'s counts alone:
/// `document_count` and each taxonomy's `count`, which change whenever a
/// document or a term comes or goes, and which only the pages whose
/// templates can read them hash (see [`super::counts`]).
pub fn site(theme: &Theme, config: &Config, site: &Value) -> (u64, u64) {
    let (stable, counts) = split_counts(site);
    let empty = Memo::new();
    let mut h = Fingerprinter::new(&empty);
    for (name, file) in &theme.templates {
        h.write_str(name);
        if let Ok(bytes) = file.bytes() {
            h.inner.write(&bytes);
        }
    }
    h.write_u64(config.settings_hash());
    h.value(&stable);
    (h.finish(), hash_value(&counts))
}

/// `site` without its counts, and the counts.
fn split_counts(site: &Value) -> (Value, Value) {
    use tera::value::Key;
    let Some(map) = site.as_map() else {
        return (site.clone(), Value::none());
    };
    let mut stable = map.clone();
    let mut counts = tera::Map::default();
    if let Some(n) = stable.remove(&Key::from("document_count")) {
        counts.insert(Key::from("document_count"), n);
    }
    if let Some(list) = stable.get(&Key::from("taxonomies")).and_then(Value::as_array) {
        let mut each = Vec::with_capacity(list.len());
        let without: Vec<Value> = list
            .iter()
            .map(|t| match t.as_map() {
                Some(m) => {
                    let mut m = m.clone();
                    each.push(m.remove(&Key::from("count")).unwrap_or_else(Value::none));
                    Value::from(m)
                }
                None => t.clone(),
            })
            .collect();
        stable.insert(Key::from("taxonomies"), without.into());
        counts.insert(Key::from("taxonomies"), each.into());
    }
    (Value::from(stable), Value::from(counts))
}

pub struct Fingerprinter<'m> {
    inner: ahash::AHasher,
    memo: &'m Memo,
}

impl<'m> Fingerprinter<'m> {
    pub fn new(memo: &'m Memo) -> Self {
        Fingerprinter {
            inner: crate::hash::hasher(),
            memo,
        }
    }

    pub fn write_u64(&mut self, n: u64) {
        self.inner.write_u64(n);
    }

    pub fn write_str(&mut self, s: &str) {
        s.hash(&mut self.inner);
    }

    /// Hashes a Tera value: strings with their escaping status, arrays in
    /// order, maps by sorted key.
    pub fn value(&mut self, value: &Value) {
        if let Some(&known) = address(value).and_then(|a| self.memo.get(&a)) {
            self.inner.write_u8(b'M');
            self.inner.write_u64(known);
        } else if let Some(map) = value.as_map() {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            self.inner.write_u8(b'{');
            self.inner.write_usize(entries.len());
            for (k, v) in entries {
                k.hash(&mut self.inner);
                self.value(v);
            }
        } else if let Some(items) = value.as_array() {
            self.inner.write_u8(b'[');
            self.inner.write_usize(items.len());
            for item in items {
                self.value(item);
            }
        } else if let Some(s) = value.as_str() {
            self.inner.write_u8(if value.is_safe() { b'S' } else { b's' });
            s.hash(&mut self.inner);
        } else {
            self.inner.write_u8(b'v');
            value.name().hash(&mut self.inner);
            value.to_string().hash(&mut self.inner);
        }
    }

    pub fn finish(&self) -> u64 {
        self.inner.finish()
    }
}
