//! Renumbering: documents are numbered by their place in the archive's
//! order, so when one comes or goes, every document after it moves. A
//! [`Renumber`] says where each old id goes, and moves the rows of the
//! tables kept per document and the ids in lists with it, so that the
//! preview can update an archive in place when documents are added or
//! removed instead of analysing it anew.

use super::DocId;

/// Where each document of an archive goes when documents come or go.
#[derive(Debug)]
pub struct Renumber {
    /// For each old id, the new one, or [`GONE`].
    to: Vec<DocId>,
    /// How many documents there are after.
    len: usize,
}

/// The new id of a document that is gone.
const GONE: DocId = DocId::MAX;

impl Renumber {
    /// The numbering of `old_len` documents after `inserted` (new ids,
    /// ascending) were put in their places.
    pub fn inserting(old_len: usize, inserted: &[DocId]) -> Renumber {
        let mut to = Vec::with_capacity(old_len);
        let mut next = 0;
        let mut new = inserted.iter().copied().peekable();
        for _ in 0..old_len {
            while new.next_if_eq(&next).is_some() {
                next += 1;
            }
            to.push(next);
            next += 1;
        }
        Renumber {
            to,
            len: old_len + inserted.len(),
        }
    }

    /// The numbering of `old_len` documents after `removed` (ascending)
    /// were taken out.
    pub fn removing(old_len: usize, removed: &[DocId]) -> Renumber {
        let mut to = Vec::with_capacity(old_len);
        let mut removed = removed.iter().copied().peekable();
        let mut next = 0;
        for old in 0..old_len {
            if removed.next_if_eq(&old).is_some() {
                to.push(GONE);
            } else {
                to.push(next);
                next += 1;
            }
        }
        Renumber { to, len: next }
    }

    /// How many documents there are after.
    pub fn new_len(&self) -> usize {
        self.len
    }

    /// How many documents there were before.
    pub fn old_len(&self) -> usize {
        self.to.len()
    }

    /// The new id of `old`; `None` when it is gone.
    pub fn get(&self, old: DocId) -> Option<DocId> {
        self.to.get(old).copied().filter(|&id| id != GONE)
    }

    /// The rows of a table kept per document, in their new places; the
    /// rows of new documents are empty, and those of documents gone are
    /// dropped.
    pub fn rows<T: Default>(&self, rows: Vec<T>) -> Vec<T> {
        debug_assert_eq!(rows.len(), self.to.len(), "a row per old document");
        let mut out: Vec<T> = std::iter::repeat_with(T::default).take(self.len).collect();
        for (old, row) in rows.into_iter().enumerate() {
            if let Some(id) = self.get(old) {
                out[id] = row;
            }
        }
        out
    }

    /// The ids of `list`, renumbered in place; those of documents gone are
    /// taken out. (The order stays: the numbering keeps the documents'.)
    pub fn ids(&self, list: &mut Vec<DocId>) {
        list.retain_mut(|id| match self.get(*id) {
            Some(new) => {
                *id = new;
                true
            }
            None => false,
        });
    }

    /// Renumbers a map of documents by slug: the slugs of the documents
    /// gone (`removed`) are taken out, and those of the new ones (`added`,
    /// by new id) put in.
    pub fn slugs<'a>(
        &self,
        by_slug: &mut crate::hash::Map<String, DocId>,
        added: impl IntoIterator<Item = (DocId, &'a str)>,
        removed: &[&str],
    ) {
        for slug in removed {
            by_slug.remove(*slug);
        }
        for id in by_slug.values_mut() {
            *id = self.id(*id);
        }
        by_slug.extend(added.into_iter().map(|(id, slug)| (slug.to_string(), id)));
    }

    /// This numbering followed by `next`.
    pub fn then(&self, next: &Renumber) -> Renumber {
        let to = (0..self.to.len())
            .map(|old| self.get(old).and_then(|id| next.get(id)).unwrap_or(GONE))
            .collect();
        Renumber { to, len: next.len }
    }

    /// Where `old` stands after: its new id, or for a document gone, the
    /// id of the first document after it that stays.
    pub fn place(&self, old: DocId) -> DocId {
        (old..self.to.len()).find_map(|o| self.get(o)).unwrap_or(self.len)
    }

    /// One id, which the caller knows stays.
    pub fn id(&self, old: DocId) -> DocId {
        let new = self.get(old);
        debug_assert!(new.is_some(), "document {old} is gone");
        new.unwrap_or(GONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserting_moves_the_ids_after_each_new_document() {
        // Old 0 1 2 3; new documents at 1 and 4: 0 N 1 2 N 3.
        let r = Renumber::inserting(4, &[1, 4]);
        assert_eq!(r.new_len(), 6);
        assert_eq!(
            (0..4).map(|i| r.get(i)).collect::<Vec<_>>(),
            [Some(0), Some(2), Some(3), Some(5)]
        );
        assert_eq!(r.rows(vec!["a", "b", "c", "d"]), ["a", "", "b", "c", "", "d"]);
        // At the end, and before every other.
        let r = Renumber::inserting(2, &[0, 3]);
        assert_eq!((r.new_len(), r.get(0), r.get(1)), (4, Some(1), Some(2)));
        assert_eq!(Renumber::inserting(0, &[0]).new_len(), 1);
    }

    #[test]
    fn removing_drops_the_rows_and_ids_of_documents_gone() {
        let r = Renumber::removing(5, &[1, 3]);
        assert_eq!(r.new_len(), 3);
        assert_eq!(r.rows(vec![10, 11, 12, 13, 14]), [10, 12, 14]);
        let mut list = vec![0, 1, 2, 4];
        r.ids(&mut list);
        assert_eq!(list, [0, 1, 2]);
        assert_eq!(r.get(3), None);
        // Then one added at the start: 0 -> 1, 2 -> 2, 4 -> 3.
        let both = r.then(&Renumber::inserting(3, &[0]));
        assert_eq!(both.rows(vec![10, 11, 12, 13, 14]), [0, 10, 12, 14]);
    }
}
