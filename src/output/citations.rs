//! Each document's citation files: `documents/<slug>/cite.bib`, `cite.ris`
//! and `cite.json` (see [`crate::cite`]). They depend on the document's own
//! files and config.toml only, so a rebuild makes them again for the
//! documents whose files changed.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use crate::analyse::{Archive, DocId};
use crate::cite::{self, Record};
use crate::config::Config;
use crate::diag::Diagnostic;

/// Writes the citation files of every document, or with `only`, of those
/// documents, each file handed to `put`. Returns how many there are.
pub fn write(
    archive: &Archive,
    config: &Config,
    only: Option<&[DocId]>,
    put: &super::PutMade,
) -> Result<usize, Diagnostic> {
    let ids = super::documents_of(archive, only);
    let settings = config.settings_hash();
    ids.par_iter().with_max_len(crate::FINE).try_for_each(|&id| {
        let doc = &archive.documents[id];
        let mut h = crate::hash::hasher();
        (settings, &doc.slug, doc.fingerprint).hash(&mut h);
        let inputs = h.finish();
        let record = std::cell::OnceCell::new();
        for (path, format) in cite::files(&doc.slug) {
            put(&path, inputs, &|| {
                format.write(record.get_or_init(|| Record::new(doc, config)))
            })?;
        }
        Ok(())
    })?;
    Ok(ids.len() * 3)
}
