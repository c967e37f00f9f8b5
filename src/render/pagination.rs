//! Pagination: how a list is cut into pages, and what templates are told
//! about the pages.
//!
//! Every list of the site (a term's documents, a year's, the undated ones,
//! a taxonomy's terms, the people and organisations, an entity's mentions)
//! is cut into pages of at most `[pagination]`'s size, so that no page grows
//! with the archive. Lists come in groups (a year's months, a term's years,
//! the kinds of entities); a page ends where a group ends when one ends in
//! its last fifth, so that a heading rarely stands at the foot of a page
//! with one or two entries under it, and otherwise after exactly the page's
//! size, with the group continued on the next page. The first page of a
//! list keeps the list's own URL (`/topics/5g/`); page `n` is at
//! `/topics/5g/page/n/`.
//!
//! This module decides where pages end and builds the `paginator` value; it
//! does not know what the lists hold.

use std::ops::Range;

use tera::Value;

use super::views::map;

/// A list cut into pages: the items of each page, as ranges of the list.
/// Every list has at least one page, which is empty when the list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub pages: Vec<Range<usize>>,
    /// The list's groups, as ranges of it, in order and together covering
    /// it; one group for a list without groups.
    pub groups: Vec<Range<usize>>,
}

impl Split {
    /// Cuts a list of `len` items, in `groups`, into pages of at most `size`.
    pub fn new(len: usize, groups: Vec<Range<usize>>, size: usize) -> Split {
        let size = size.max(1);
        let mut pages = Vec::with_capacity(len.div_ceil(size).max(1));
        let mut start = 0;
        // Group ends after which a page may end early, in order.
        let mut ends = groups.iter().map(|g| g.end).peekable();
        while start < len {
            let full = (start + size).min(len);
            let earliest = full.saturating_sub(size / 5);
            while ends.next_if(|&e| e < earliest || e <= start).is_some() {}
            let mut end = full;
            while let Some(e) = ends.next_if(|&e| e <= full) {
                end = e;
            }
            pages.push(start..end);
            start = end;
        }
        if pages.is_empty() {
            pages.push(0..0);
        }
        Split { pages, groups }
    }

    /// A list without groups.
    pub fn flat(len: usize, size: usize) -> Split {
        let whole = 0..len;
        Split::new(len, vec![whole], size)
    }

    /// The page that holds the item at `position` of the list.
    pub fn page_of(&self, position: usize) -> usize {
        self.pages
            .partition_point(|p| p.end <= position)
            .min(self.pages.len() - 1)
    }

    /// The groups that page `n` shows, each cut to the page.
    pub fn groups_on(&self, n: usize) -> impl Iterator<Item = GroupOnPage> + '_ {
        let page = self.pages[n].clone();
        let first = self.groups.partition_point(|g| g.end <= page.start);
        self.groups[first..]
            .iter()
            .enumerate()
            .take_while(move |(_, g)| g.start < page.end)
            .map(move |(i, g)| GroupOnPage {
                group: first + i,
                items: g.start.max(page.start)..g.end.min(page.end),
                continued: g.start < page.start,
                continues: g.end > page.end,
            })
    }
}

/// The part of a group that one page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOnPage {
    /// The group's index in the list.
    pub group: usize,
    /// Its items on this page, as a range of the list.
    pub items: Range<usize>,
    /// Whether the group began on an earlier page.
    pub continued: bool,
    /// Whether it goes on on the next page.
    pub continues: bool,
}

/// The site path of page `n` (from 0) of a list at `base`: the list's own
/// path for the first page, `base/page/2/` for the second...
pub fn path(base: &str, n: usize) -> String {
    if n == 0 {
        base.to_string()
    } else {
        format!("{base}page/{}/", n + 1)
    }
}

/// The numbers of the pages a pager shows around page `current` (from 1) of
/// `total`: the first and the last, and two on each side of the current
/// one; `None` stands for the numbers left out between them. A gap of one
/// page shows that page instead, since its number takes no more room than
/// the ellipsis.
pub fn shown(current: usize, total: usize) -> Vec<Option<usize>> {
    let near = current.saturating_sub(2).max(1)..=(current + 2).min(total);
    let mut wanted: Vec<usize> = vec![1];
    wanted.extend(near);
    wanted.push(total);
    wanted.dedup();
    let mut out = Vec::with_capacity(wanted.len() + 2);
    let mut last = 0;
    for n in wanted {
        match n - last {
            1 => {}
            2 => out.push(Some(n - 1)),
            _ => out.push(None),
        }
        out.push(Some(n));
        last = n;
    }
    out
}

/// The `paginator` of page `n` (from 0) of a list split as `split`, whose
/// pages have the URLs `url(n)`.
pub fn paginator(split: &Split, n: usize, url: impl Fn(usize) -> String) -> Value {
    let total = split.pages.len();
    let len = split.pages.last().map_or(0, |p| p.end);
    let page = &split.pages[n];
    let url_of = |i: Option<usize>| i.map_or_else(Value::none, |i| url(i).into());
    let pages: Vec<Value> = shown(n + 1, total)
        .into_iter()
        .map(|shown| match shown {
            Some(number) => map([
                ("number", number.into()),
                ("url", url(number - 1).into()),
                ("current", (number == n + 1).into()),
            ]),
            None => map([
                ("number", Value::none()),
                ("url", Value::none()),
                ("current", false.into()),
            ]),
        })
        .collect();
    map([
        ("current", (n + 1).into()),
        ("total", total.into()),
        ("count", len.into()),
        ("first", (page.start + usize::from(!page.is_empty())).into()),
        ("last", page.end.into()),
        ("first_url", url(0).into()),
        ("last_url", url(total - 1).into()),
        ("prev_url", url_of(n.checked_sub(1))),
        ("next_url", url_of(Some(n + 1).filter(|&i| i < total))),
        ("pages", pages.into()),
    ])
}

/// The ranges of the runs of equal keys in `items`: the groups of a list
/// ordered so that each group's items stand together.
pub fn runs<T, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<Range<usize>> {
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut last: Option<K> = None;
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        match (&last, groups.last_mut()) {
            (Some(l), Some(g)) if *l == k => g.end = i + 1,
            _ => groups.push(i..i + 1),
        }
        last = Some(k);
    }
    groups
}

#[cfg(test)]
// A page of a list is a range, and a list of one page is a list of one range.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    fn groups(sizes: &[usize]) -> Vec<Range<usize>> {
        let mut start = 0;
        sizes
            .iter()
            .map(|&s| {
                start += s;
                start - s..start
            })
            .collect()
    }

    #[test]
    fn a_list_without_groups_is_cut_into_equal_pages() {
        assert_eq!(Split::flat(0, 10).pages, [0..0]);
        assert_eq!(Split::flat(10, 10).pages, [0..10]);
        assert_eq!(Split::flat(25, 10).pages, [0..10, 10..20, 20..25]);
    }

    #[test]
    fn a_page_ends_with_a_group_that_ends_in_its_last_fifth() {
        // Groups end at 85, 170 and 300: the first two pages end with
        // their groups (85 is in 80..=100, 170 in 165..=185), the third
        // runs to its full size.
        let split = Split::new(300, groups(&[85, 85, 130]), 100);
        assert_eq!(split.pages, [0..85, 85..170, 170..270, 270..300]);
        // A group ending early in the page does not end it.
        let split = Split::new(300, groups(&[30, 270]), 100);
        assert_eq!(split.pages, [0..100, 100..200, 200..300]);
        // Of two group ends in the last fifth, the later one ends the page.
        let split = Split::new(120, groups(&[82, 12, 26]), 100);
        assert_eq!(split.pages, [0..94, 94..120]);
    }

    #[test]
    fn no_page_is_longer_than_the_size_or_empty() {
        for size in [1, 2, 3, 5, 7, 10, 100] {
            for sizes in [vec![1; 40], vec![3, 1, 4, 1, 5, 9, 2, 6], vec![50, 1, 1, 50], vec![7]] {
                let len: usize = sizes.iter().sum();
                let split = Split::new(len, groups(&sizes), size);
                let mut at = 0;
                for page in &split.pages {
                    assert_eq!(page.start, at);
                    assert!(!page.is_empty() && page.len() <= size, "{size} {sizes:?}: {page:?}");
                    at = page.end;
                }
                assert_eq!(at, len);
            }
        }
    }

    #[test]
    fn a_group_cut_by_a_page_says_so_on_both_pages() {
        let split = Split::new(15, groups(&[4, 9, 2]), 10);
        assert_eq!(split.pages, [0..10, 10..15]);
        let first: Vec<GroupOnPage> = split.groups_on(0).collect();
        assert_eq!(
            first,
            [
                GroupOnPage {
                    group: 0,
                    items: 0..4,
                    continued: false,
                    continues: false
                },
                GroupOnPage {
                    group: 1,
                    items: 4..10,
                    continued: false,
                    continues: true
                },
            ]
        );
        let second: Vec<(usize, Range<usize>, bool, bool)> = split
            .groups_on(1)
            .map(|g| (g.group, g.items, g.continued, g.continues))
            .collect();
        assert_eq!(second, [(1, 10..13, true, false), (2, 13..15, false, false)]);
        assert_eq!(split.page_of(9), 0);
        assert_eq!(split.page_of(10), 1);
        assert_eq!(split.page_of(14), 1);
    }

    #[test]
    fn pagers_show_the_ends_and_the_neighbourhood() {
        let show = |current, total| -> String {
            shown(current, total)
                .into_iter()
                .map(|n| n.map_or("…".to_string(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(show(1, 1), "1");
        assert_eq!(show(1, 2), "1 2");
        assert_eq!(show(1, 10), "1 2 3 … 10");
        assert_eq!(show(5, 10), "1 2 3 4 5 6 7 … 10");
        assert_eq!(show(6, 12), "1 … 4 5 6 7 8 … 12");
        assert_eq!(show(10, 10), "1 … 8 9 10");
        assert_eq!(show(4, 7), "1 2 3 4 5 6 7");
    }

    #[test]
    fn page_paths_keep_the_first_at_the_list() {
        assert_eq!(path("topics/5g/", 0), "topics/5g/");
        assert_eq!(path("topics/5g/", 1), "topics/5g/page/2/");
    }

    #[test]
    fn runs_group_equal_neighbours() {
        assert_eq!(runs(&[1, 1, 2, 3, 3, 3], |x| *x), [0..2, 2..3, 3..6]);
        assert_eq!(runs(&[] as &[u8], |x| *x), Vec::<Range<usize>>::new());
    }
}
