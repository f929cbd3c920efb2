//! Pages of a list cut on the server: which rows the asked page holds, found without sorting
//! the whole list, and without holding it whole when its rows come one at a time.

use std::cmp::Ordering;
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
/// `window.end` rows of the list. Only the rows up to the window's end are put in order:
/// selected in linear time, then sorted.
fn window_of<R>(mut rows: Vec<R>, window: Range<usize>, compare: impl Fn(&R, &R) -> Ordering) -> Vec<R> {
    if window.end < rows.len() && window.end > 0 {
        rows.select_nth_unstable_by(window.end - 1, &compare);
        rows.truncate(window.end);
    }
    rows.sort_by(&compare);
    rows.drain(..window.start.min(rows.len()));
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
    pub rows: Vec<R>,
    pub total: usize,
    pub matching: usize,
    /// 1-based, and at most `pages`.
    pub page: usize,
    pub pages: usize,
}

impl<R, M: Fn(&R) -> bool, C: Fn(&R, &R) -> Ordering> PageCollector<R, M, C> {
    pub fn new(asked: usize, matches: M, compare: C) -> Self {
        // A page number past any list keeps every row (the last page is shown).
        let keep = asked.max(1).saturating_mul(PAGE_SIZE);
        PageCollector { asked, keep, matches, compare, kept: Vec::new(), total: 0, matching: 0 }
    }

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

    pub fn finish(self) -> CollectedPage<R> {
        let (page, pages, window) = page_window(self.matching, self.asked);
        // Rows were dropped only once more than `keep` matched: the asked page then exists, and
        // its window ends at `keep`, within what was kept.
        let rows = window_of(self.kept, window, self.compare);
        CollectedPage { rows, total: self.total, matching: self.matching, page, pages }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page as cut from the whole list, sorted.
    fn cut_whole(rows: &[u32], asked: usize, matches: impl Fn(&u32) -> bool) -> CollectedPage<u32> {
        let matching: Vec<u32> = rows.iter().copied().filter(|r| matches(r)).collect();
        let count = matching.len();
        let (page, pages, rows_of_page) = cut_page(matching, asked, u32::cmp);
        CollectedPage { rows: rows_of_page, total: rows.len(), matching: count, page, pages }
    }

    #[test]
    fn rows_offered_one_at_a_time_make_the_page_cut_from_the_whole_list() {
        // Distinct values in a scrambled order (7919 is prime, so i * 7919 mod n is a permutation).
        for n in [0, 1, 49, 50, 51, 99, 100, 101, 149, 250, 1_000, 10_000] {
            let rows: Vec<u32> = (0..n).map(|i| (i * 7919 % n.max(1)) as u32).collect();
            for asked in [1, 2, 3, 7, 21, 199, 200, 201, usize::MAX] {
                for modulo in [1, 3] {
                    let matches = |r: &u32| r.is_multiple_of(modulo);
                    let mut collector = PageCollector::new(asked, matches, u32::cmp);
                    rows.iter().for_each(|r| collector.offer(*r));
                    assert_eq!(collector.finish(), cut_whole(&rows, asked, matches), "{n} rows, page {asked}");
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
