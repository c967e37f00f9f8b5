//! The timeline: documents by year and month, newest first.
//!
//! A document dated only to the year sits in its year under "month unknown",
//! after the months; undated documents are kept apart, never given a
//! made-up date.

use super::DocId;
use crate::content::Document;
use std::sync::Arc;

/// One year of the timeline.
#[derive(Debug, Clone)]
pub struct Year {
    pub year: i32,
    /// All documents of the year, newest first.
    pub documents: Vec<DocId>,
    /// Months, newest first; `None` collects documents dated to the year only.
    pub months: Vec<(Option<u8>, Vec<DocId>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Newest year first.
    pub years: Vec<Year>,
    pub undated: Vec<DocId>,
}

impl Timeline {
    /// Builds the timeline from documents sorted newest first.
    pub fn build(documents: &[Arc<Document>]) -> Timeline {
        let mut timeline = Timeline::default();
        for (id, doc) in documents.iter().enumerate() {
            let Some(date) = doc.date else {
                timeline.undated.push(id);
                continue;
            };
            if timeline.years.last().is_none_or(|y| y.year != date.year) {
                timeline.years.push(Year {
                    year: date.year,
                    documents: Vec::new(),
                    months: Vec::new(),
                });
            }
            let year = timeline.years.last_mut().expect("just pushed");
            year.documents.push(id);
            match year.months.last_mut() {
                Some((m, docs)) if *m == date.month => docs.push(id),
                _ => year.months.push((date.month, vec![id])),
            }
        }
        for year in &mut timeline.years {
            // Sorting newest first puts year-only dates after the months
            // (`None` < `Some`), which is where a reader expects them.
            year.months.sort_by(|a, b| match (a.0, b.0) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => y.cmp(&x),
            });
        }
        timeline
    }

    /// The largest number of documents in one year, for scaling a chart.
    pub fn busiest_year(&self) -> usize {
        self.years.iter().map(|y| y.documents.len()).max().unwrap_or(0)
    }
}
