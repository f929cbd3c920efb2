//! The pattern list as a person reads it: searched, sorted and cut into pages of 50 on the
//! server, the same way as the follower list, so that hundreds of patterns cost one page of
//! HTML. The search and the sort apply to every pattern before the page is cut.

use std::cmp::Ordering;

use super::PatternView;
use crate::ccr::followers::list::MAX_SEARCH_LENGTH;
use crate::ccr::paging::cut_page;

/// The column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Status,
    Remote,
    Followers,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [SortKey::Name, SortKey::Status, SortKey::Remote, SortKey::Followers];

    /// The value in the query string, and the end of the column's label key (`af-col-...`).
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Remote => "remote",
            SortKey::Followers => "followers",
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// What the person asked to see. Unknown values fall back to the defaults rather than failing:
/// a shared link from an older version still opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Case-insensitive substring of the name, the remote or a leader index pattern.
    pub search: String,
    pub sort: SortKey,
    pub descending: bool,
    /// 1-based.
    pub page: usize,
}

/// The search as used: trimmed and cut to [`MAX_SEARCH_LENGTH`] bytes on a character boundary.
pub fn cut_search(search: &str) -> &str {
    let search = search.trim();
    let mut end = search.len().min(MAX_SEARCH_LENGTH);
    while !search.is_char_boundary(end) {
        end -= 1;
    }
    &search[..end]
}

impl ListQuery {
    pub fn new(search: &str, sort: &str, descending: bool, page: &str) -> ListQuery {
        ListQuery {
            search: cut_search(search).to_lowercase(),
            sort: SortKey::parse(sort).unwrap_or_default(),
            descending,
            page: page.parse::<usize>().ok().filter(|p| *p >= 1).unwrap_or(1),
        }
    }

    fn matches(&self, pattern: &PatternView) -> bool {
        let needle = self.search.as_str();
        needle.is_empty()
            || pattern.name.to_lowercase().contains(needle)
            || pattern.remote_cluster.to_lowercase().contains(needle)
            || pattern.leader_index_patterns.iter().any(|p| p.to_lowercase().contains(needle))
    }

    fn compare(&self, a: &PatternView, b: &PatternView) -> Ordering {
        let by_key = match self.sort {
            SortKey::Name => a.name.cmp(&b.name),
            // Active first.
            SortKey::Status => b.active.cmp(&a.active),
            SortKey::Remote => a.remote_cluster.cmp(&b.remote_cluster),
            SortKey::Followers => a.followers.len().cmp(&b.followers.len()),
        };
        let by_key = if self.descending { by_key.reverse() } else { by_key };
        // Names are unique: the order is total, so pages never overlap or skip a pattern.
        by_key.then_with(|| a.name.cmp(&b.name))
    }

    /// Searches, sorts and cuts out the asked page (the last page when asked past the end).
    pub fn apply(&self, patterns: Vec<PatternView>) -> PatternPage {
        let total = patterns.len();
        let rows: Vec<PatternView> = patterns.into_iter().filter(|p| self.matches(p)).collect();
        let matching = rows.len();
        let (page, pages, rows) = cut_page(rows, self.page, |a, b| self.compare(a, b));
        PatternPage { rows, total, matching, page, pages }
    }
}

/// One page of patterns and where it stands in the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternPage {
    pub rows: Vec<PatternView>,
    /// Patterns on the cluster.
    pub total: usize,
    /// Patterns that pass the search.
    pub matching: usize,
    /// 1-based, and at most `pages`.
    pub page: usize,
    pub pages: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::auto_follow::spec::FollowIndexPattern;

    fn pattern(name: &str, active: bool, remote: &str, followers: usize) -> PatternView {
        PatternView {
            name: name.into(),
            active,
            remote_cluster: remote.into(),
            leader_index_patterns: vec![format!("{name}-logs-*")],
            leader_index_exclusion_patterns: Vec::new(),
            follow_index_pattern: FollowIndexPattern::parse(None),
            follow_settings: None,
            settings: None,
            followers: (0..followers).map(|i| format!("{name}-f{i}")).collect(),
            errors: Vec::new(),
        }
    }

    fn names(page: &PatternPage) -> Vec<&str> {
        page.rows.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn search_and_sort_apply_to_every_pattern_before_the_cut() {
        let all = vec![pattern("b", false, "east", 2), pattern("a", true, "west", 0), pattern("c", true, "east", 1)];
        let q = |search, sort, desc| ListQuery::new(search, sort, desc, "");
        assert_eq!(names(&q("", "", false).apply(all.clone())), ["a", "b", "c"]);
        assert_eq!(names(&q("", "name", true).apply(all.clone())), ["c", "b", "a"]);
        assert_eq!(names(&q("", "status", false).apply(all.clone())), ["a", "c", "b"]);
        assert_eq!(names(&q("", "remote", false).apply(all.clone())), ["b", "c", "a"]);
        assert_eq!(names(&q("", "followers", true).apply(all.clone())), ["b", "c", "a"]);
        assert_eq!(names(&q(" EAST ", "", false).apply(all.clone())), ["b", "c"]);
        assert_eq!(names(&q("c-logs", "", false).apply(all)), ["c"]);
    }

    #[test]
    fn pages_of_fifty_and_past_the_end_the_last_page() {
        let all: Vec<PatternView> = (0..120).map(|i| pattern(&format!("p{i:03}"), true, "r", 0)).collect();
        let page = ListQuery::new("", "", false, "2").apply(all.clone());
        assert_eq!((page.total, page.matching, page.page, page.pages), (120, 120, 2, 3));
        assert_eq!((page.rows.len(), page.rows[0].name.as_str()), (50, "p050"));
        let last = ListQuery::new("", "", false, "99").apply(all.clone());
        assert_eq!((last.page, last.rows.len(), last.rows[0].name.as_str()), (3, 20, "p100"));
        let found = ListQuery::new("p11", "", false, "3").apply(all);
        assert_eq!((found.total, found.matching, found.page, found.pages), (120, 10, 1, 1));
    }

    #[test]
    fn unknown_values_fall_back_and_long_searches_are_cut() {
        let q = ListQuery::new(&"日".repeat(200), "colour", false, "-3");
        assert_eq!((q.sort, q.page), (SortKey::Name, 1));
        assert!(q.search.len() <= MAX_SEARCH_LENGTH);
    }
}
