//! Each document's citation files: `documents/<slug>/cite.bib`, `cite.ris`
//! and `cite.json` (see [`crate::cite`]). They depend on the document's own
//! metadata and config.toml only, so a rebuild writes them for the
//! documents that changed.

use rayon::prelude::*;

use crate::analyse::{Archive, DocId};
use crate::cite::{self, Record};
use crate::config::Config;
use crate::diag::Diagnostic;

/// Writes the citation files of every document, or with `only`, of those
/// documents, each file handed to `put`. Returns how many were written.
pub fn write(
    archive: &Archive,
    config: &Config,
    only: Option<&[DocId]>,
    put: &super::Put,
) -> Result<usize, Diagnostic> {
    let ids = super::documents_of(archive, only);
    ids.par_iter().with_max_len(crate::FINE).try_for_each(|&id| {
        let doc = &archive.documents[id];
        let record = Record::new(doc, config);
        for (path, format) in cite::files(&doc.slug) {
            put(&path, &format.write(&record))?;
        }
        Ok(())
    })?;
    Ok(ids.len() * 3)
}
