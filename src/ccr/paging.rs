//! Pages of a list cut on the server: which rows the asked page holds, found without sorting
//! the whole list, and without holding it whole when its rows come one at a time.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::ops::Range;

/// Rows on one page of a list.
pub const PAGE_SIZE: usize = 50;

/// For a list of `matching` rows and the page asked (from 1): the page shown (the last one
/// when asked past the end), how many pages there are, and the rows it holds.
pub fn page_window(matching: usize, asked: usize) -> (usize, usize, Range<usize>) {
    let pages = matching.div_ceil(PAGE_SIZE).max(1);
    let page = asked.clamp(1, pages);
    let start = (page - 1) * PAGE_SIZE;
    (page, pages, start..(start + PAGE_SIZE).min(matching))
}

/// The asked page of `rows` in the order of `compare` (see [`page_window`]): the page shown,
/// how many pages there are, and its rows.
pub fn cut_page<R>(rows: Vec<R>, asked: usize, compare: impl Fn(&R, &R) -> Ordering) -> (usize, usize, Vec<R>) {
    let (page, pages, window) = page_window(rows.len(), asked);
    (page, pages, window_of(rows, window, compare))
}

/// The rows of `window` in the order of `compare`, out of `rows` that hold at least the first
/// `window.end` rows of the list. Only the window's rows are put in order: those past its end
/// and before its start are set apart by selections, in linear time (the last of 200 pages
/// sorts its 50 rows, not 10,000).
fn window_of<R>(mut rows: Vec<R>, window: Range<usize>, compare: impl Fn(&R, &R) -> Ordering) -> Vec<R> {
    if window.end < rows.len() && window.end > 0 {
        rows.select_nth_unstable_by(window.end - 1, &compare);
        rows.truncate(window.end);
    }
    if window.start >= rows.len() {
        rows.clear();
    } else if window.start > 0 {
        rows.select_nth_unstable_by(window.start, &compare);
        rows.drain(..window.start);
    }
    rows.sort_by(&compare);
    rows
}

/// One page of a list whose rows are offered one at a time, as they are read from
/// Elasticsearch's answer: a row that cannot be on the asked page is dropped soon after it
/// comes, so a list of 10,000 is never held whole.
///
/// Kept are the rows that pass `matches`; once they are twice as many as the rows up to the
/// asked page's end, only those first rows (in the order of `compare`) are kept: a selection,
/// so the whole list costs linear time, and fewer than twice the page's end are ever held.
/// `compare` must be a total order (ties broken by a unique name): then the page is the one
/// [`cut_page`] cuts out of the whole list, the last page when asked past the end.
pub struct PageCollector<R, M, C> {
    /// The page asked, from 1.
    asked: usize,
    /// The rows up to the asked page's end; kept are at least these.
    keep: usize,
    matches: M,
    compare: C,
    kept: Vec<R>,
    /// Rows offered.
    total: usize,
    /// Rows that passed `matches`.
    matching: usize,
}

/// What a [`PageCollector`] found: the page's rows in order and where the page stands.
#[derive(Debug, PartialEq)]
pub struct CollectedPage<R> {
    /// The page's rows, in order.
    pub rows: Vec<R>,
    /// Rows offered.
    pub total: usize,
    /// Rows that passed the filters.
    pub matching: usize,
    /// 1-based, and at most `pages`.
    pub page: usize,
    pub pages: usize,
}

impl<R, M: Fn(&R) -> bool, C: Fn(&R, &R) -> Ordering> PageCollector<R, M, C> {
    /// For page `asked` (from 1) of the rows that pass `matches`, in the order of `compare`.
    pub fn new(asked: usize, matches: M, compare: C) -> Self {
        // A page number past any list keeps every row (the last page is shown).
        let keep = asked.max(1).saturating_mul(PAGE_SIZE);
        PageCollector { asked, keep, matches, compare, kept: Vec::new(), total: 0, matching: 0 }
    }

    /// Counts the row, and keeps it while it may be on the page.
    pub fn offer(&mut self, row: R) {
        self.total += 1;
        if !(self.matches)(&row) {
            return;
        }
        self.matching += 1;
        self.kept.push(row);
        if self.kept.len() >= self.keep.saturating_mul(2) {
            // Every row dropped here has `keep` rows before it: it is past the asked page.
            self.kept.select_nth_unstable_by(self.keep - 1, &self.compare);
            self.kept.truncate(self.keep);
        }
    }

    /// The page, the last one when asked past the end.
    pub fn finish(self) -> CollectedPage<R> {
        let (page, pages, window) = page_window(self.matching, self.asked);
        // Rows were dropped only once more than `keep` matched: the asked page then exists, and
        // its window ends at `keep`, within what was kept.
        let rows = window_of(self.kept, window, self.compare);
        CollectedPage { rows, total: self.total, matching: self.matching, page, pages }
    }
}

/// The distinct names among many (the remotes of 10,000 followers, a few dozen of them), for a
/// list's filter: each looked up in a hash set, where a sorted set would compare it with
/// several others.
#[derive(Default)]
pub struct DistinctNames<'a>(HashSet<Cow<'a, str>>);

impl<'a> DistinctNames<'a> {
    #[expect(clippy::ptr_arg, reason = "the Cow is cloned, so that a name borrowed from an answer stays borrowed")]
    pub fn add(&mut self, name: &Cow<'a, str>) {
        if !self.0.contains(name.as_ref()) {
            self.0.insert(name.clone());
        }
    }

    /// The names, sorted, owned once each.
    pub fn sorted(self) -> Vec<String> {
        let mut names: Vec<String> = self.0.into_iter().map(Cow::into_owned).collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page as a whole filtered list sorted and sliced gives it.
    fn cut_whole(rows: &[u32], asked: usize, matches: impl Fn(&u32) -> bool) -> CollectedPage<u32> {
        let mut matching: Vec<u32> = rows.iter().copied().filter(|r| matches(r)).collect();
        matching.sort();
        let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
        let page = asked.clamp(1, pages);
        let start = ((page - 1) * PAGE_SIZE).min(matching.len());
        let end = (start + PAGE_SIZE).min(matching.len());
        CollectedPage { rows: matching[start..end].to_vec(), total: rows.len(), matching: matching.len(), page, pages }
    }

    #[test]
    fn rows_offered_one_at_a_time_make_the_page_cut_from_the_whole_list() {
        // Distinct values in a scrambled order (7919 is prime, so i * 7919 mod n is a permutation).
        for n in [0, 1, 49, 50, 51, 99, 100, 101, 149, 250, 1_000, 10_000] {
            let rows: Vec<u32> = (0..n).map(|i| (i * 7919 % n.max(1)) as u32).collect();
            for asked in [0, 1, 2, 3, 7, 21, 67, 199, 200, 201, usize::MAX] {
                for modulo in [1, 3] {
                    let matches = |r: &u32| r.is_multiple_of(modulo);
                    let mut collector = PageCollector::new(asked, matches, u32::cmp);
                    rows.iter().for_each(|r| collector.offer(*r));
                    let expected = cut_whole(&rows, asked, matches);
                    assert_eq!(collector.finish(), expected, "{n} rows, page {asked}");
                    let filtered: Vec<u32> = rows.iter().copied().filter(|r| matches(r)).collect();
                    let (page, pages, cut) = cut_page(filtered, asked, u32::cmp);
                    assert_eq!((page, pages, cut), (expected.page, expected.pages, expected.rows));
                }
            }
        }
    }

    #[test]
    fn fewer_than_twice_the_page_end_are_held() {
        let mut collector = PageCollector::new(2, |_: &u32| true, u32::cmp);
        for r in (0..10_000).rev() {
            collector.offer(r);
            assert!(collector.kept.len() < 2 * 2 * PAGE_SIZE);
        }
        let page = collector.finish();
        assert_eq!((page.rows.first(), page.rows.last(), page.pages), (Some(&50), Some(&99), 200));
    }
}
