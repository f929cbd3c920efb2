//! The follower list as a person reads it: one row per follower index with its status, lag and
//! last read, filtered, sorted and cut into pages on the server, so that 10,000 followers cost
//! one page of HTML.
//!
//! Status comes from `_ccr/info` (every follower, paused ones included); lag and the last read
//! from `_ccr/stats` (active followers only). A shard with a `fatal_exception` makes the follower
//! Failing even while Elasticsearch still calls it `active`: its shard task has stopped.

use std::cmp::Ordering;

use crate::ccr::paging::{CollectedPage, PageCollector};
use crate::es::{FoldedShards, FollowerIndexStats, FollowerLag, FollowerSummary};

/// How a follower is doing, in the user's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FollowerStatus {
    Active,
    Paused,
    /// A shard stopped with a fatal exception.
    Failing,
}

impl FollowerStatus {
    pub const ALL: [FollowerStatus; 3] = [FollowerStatus::Active, FollowerStatus::Paused, FollowerStatus::Failing];

    /// The value used in query strings and as the badge's class.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowerStatus::Active => "active",
            FollowerStatus::Paused => "paused",
            FollowerStatus::Failing => "failing",
        }
    }

    pub fn parse(text: &str) -> Option<FollowerStatus> {
        FollowerStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowerIndex {
    pub name: String,
    pub remote_cluster: String,
    pub leader_index: String,
    pub status: FollowerStatus,
    /// Operations behind the leader: `total_global_checkpoint_lag` where Elasticsearch gives it
    /// (8.13+), else the sum over shards of leader minus follower global checkpoint. `None`
    /// while paused, or when the stats could not be read.
    pub lag: Option<u64>,
    /// The longest time any shard has gone without reading from the leader, in milliseconds.
    pub millis_since_last_read: Option<u64>,
}

impl FollowerIndex {
    /// A row of the page, owned, from a borrowed summary.
    pub fn from_summary(summary: FollowerSummary<'_>) -> FollowerIndex {
        FollowerIndex {
            status: summary.status(),
            name: summary.follower_index.into_owned(),
            remote_cluster: summary.remote_cluster.into_owned(),
            leader_index: summary.leader_index.into_owned(),
            lag: None,
            millis_since_last_read: None,
        }
    }

    /// Adds what `_ccr/stats` knows of this follower.
    pub fn add_stats(&mut self, stats: &FollowerLag) {
        self.add_figures(stats.total_global_checkpoint_lag, FoldedShards::from(stats.shards.as_slice()));
    }

    /// Adds a follower's figures: its `total_global_checkpoint_lag` and its shards, folded.
    pub fn add_figures(&mut self, total_lag: Option<i64>, shards: FoldedShards) {
        self.lag = Some(lag_of(total_lag, shards));
        self.millis_since_last_read = shards.max_millis_since_last_read;
        if shards.any_fatal {
            self.status = FollowerStatus::Failing;
        }
    }
}

/// What the list's filters and sorts read of a row: owned rows ([`FollowerIndex`]), or the
/// summaries of a whole list borrowed from Elasticsearch's answer while the page is cut out
/// ([`FollowerSummary`]), of which only the page's rows are then owned.
pub trait ListRow {
    fn name(&self) -> &str;
    fn remote_cluster(&self) -> &str;
    fn leader_index(&self) -> &str;
    fn status(&self) -> FollowerStatus;
    fn lag(&self) -> Option<u64>;
    fn millis_since_last_read(&self) -> Option<u64>;
}

impl ListRow for FollowerIndex {
    fn name(&self) -> &str {
        &self.name
    }
    fn remote_cluster(&self) -> &str {
        &self.remote_cluster
    }
    fn leader_index(&self) -> &str {
        &self.leader_index
    }
    fn status(&self) -> FollowerStatus {
        self.status
    }
    fn lag(&self) -> Option<u64> {
        self.lag
    }
    fn millis_since_last_read(&self) -> Option<u64> {
        self.millis_since_last_read
    }
}

/// Operations the follower is behind, as defined by Elasticsearch: per shard, the leader's
/// global checkpoint minus the follower's (never negative), summed. 6.x and 8.12 and older have
/// no `total_global_checkpoint_lag`; the sum gives the same figure.
pub fn lag(stats: &FollowerLag) -> u64 {
    lag_of(stats.total_global_checkpoint_lag, FoldedShards::from(stats.shards.as_slice()))
}

/// [`lag`] of a follower's shard stats (filtered for the doctor, whole for the detail page).
pub fn lag_of_stats(stats: &FollowerIndexStats) -> u64 {
    lag_of(stats.total_global_checkpoint_lag, FoldedShards::from(stats.shards.as_slice()))
}

/// [`lag`] from the total where Elasticsearch gives it, else from the folded shards.
pub fn lag_of(total_lag: Option<i64>, shards: FoldedShards) -> u64 {
    total_lag.map_or(shards.checkpoint_lag, |total| total.max(0) as u64)
}

/// The column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Name,
    Status,
    RemoteCluster,
    LeaderIndex,
    Lag,
    LastRead,
}

impl SortKey {
    pub const ALL: [SortKey; 6] =
        [SortKey::Name, SortKey::Status, SortKey::RemoteCluster, SortKey::LeaderIndex, SortKey::Lag, SortKey::LastRead];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::RemoteCluster => "remote_cluster",
            SortKey::LeaderIndex => "leader_index",
            SortKey::Lag => "lag",
            SortKey::LastRead => "last_read",
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The longest search text kept: an index name is at most 255 bytes.
pub const MAX_SEARCH_LENGTH: usize = 255;

/// What the person asked to see, read from the query string. Unknown values fall back to the
/// defaults rather than failing: a shared link from an older version still opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// Case-insensitive substring of the follower, leader or remote name.
    pub search: String,
    pub status: Option<FollowerStatus>,
    pub remote_cluster: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    /// 1-based.
    pub page: usize,
}

impl ListQuery {
    pub fn new(
        search: Option<&str>,
        status: Option<&str>,
        remote_cluster: Option<&str>,
        sort: Option<&str>,
        order: Option<&str>,
        page: Option<&str>,
    ) -> ListQuery {
        let search = search.unwrap_or_default().trim();
        let search = truncate_to_boundary(search, MAX_SEARCH_LENGTH).to_lowercase();
        ListQuery {
            search,
            status: status.and_then(FollowerStatus::parse),
            remote_cluster: remote_cluster
                .map(str::trim)
                .filter(|r| !r.is_empty() && r.len() <= MAX_SEARCH_LENGTH)
                .map(str::to_owned),
            sort: sort.and_then(SortKey::parse).unwrap_or_default(),
            descending: order == Some("desc"),
            page: page.and_then(|p| p.parse::<usize>().ok()).filter(|p| *p >= 1).unwrap_or(1),
        }
    }

    /// Whether this view needs the stats of every follower: to sort by lag, last read or
    /// status, or to tell Active from Failing (a failing follower is `active` in `_ccr/info`).
    /// Otherwise `_ccr/info` decides the page, and only its rows' stats are asked for.
    pub fn needs_all_stats(&self) -> bool {
        matches!(self.sort, SortKey::Lag | SortKey::LastRead | SortKey::Status)
            || matches!(self.status, Some(FollowerStatus::Active | FollowerStatus::Failing))
    }

    /// Whether the page can be cut out of the followers' names alone: every follower, by name.
    pub fn needs_names_only(&self) -> bool {
        self.sort == SortKey::Name && self.search.is_empty() && self.status.is_none() && self.remote_cluster.is_none()
    }

    fn matches(&self, follower: &impl ListRow) -> bool {
        self.status.is_none_or(|s| s == follower.status())
            && self.remote_cluster.as_deref().is_none_or(|r| r == follower.remote_cluster())
            && (self.search.is_empty()
                || [follower.name(), follower.leader_index(), follower.remote_cluster()]
                    .iter()
                    .any(|field| contains_ignoring_case(field, &self.search)))
    }

    fn compare<R: ListRow>(&self, a: &R, b: &R) -> Ordering {
        // Unknown lag or last read sorts after every known one, whatever the direction.
        fn known_first(a: Option<u64>, b: Option<u64>, descending: bool) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) if descending => b.cmp(&a),
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        let by_key = match self.sort {
            SortKey::Lag => return known_first(a.lag(), b.lag(), self.descending).then_with(|| a.name().cmp(b.name())),
            SortKey::LastRead => {
                return known_first(a.millis_since_last_read(), b.millis_since_last_read(), self.descending)
                    .then_with(|| a.name().cmp(b.name()));
            }
            SortKey::Name => a.name().cmp(b.name()),
            SortKey::Status => a.status().cmp(&b.status()),
            SortKey::RemoteCluster => a.remote_cluster().cmp(b.remote_cluster()),
            SortKey::LeaderIndex => a.leader_index().cmp(b.leader_index()),
        };
        let by_key = if self.descending { by_key.reverse() } else { by_key };
        by_key.then_with(|| a.name().cmp(b.name()))
    }

    /// Filters, sorts and cuts out the asked page (the last page when asked past the end).
    pub fn apply(&self, followers: Vec<FollowerIndex>) -> FollowerPage {
        self.apply_with(followers, |row| row)
    }

    /// [`Self::apply`] over any rows; only the page's are made into owned rows by `own`.
    pub fn apply_with<R: ListRow>(&self, followers: Vec<R>, own: impl Fn(R) -> FollowerIndex) -> FollowerPage {
        let mut collector = self.collector();
        followers.into_iter().for_each(|row| collector.offer(row));
        FollowerPage::from_collected(collector.finish(), own)
    }

    /// The asked page of rows offered one at a time (see [`PageCollector`]).
    pub fn collector<R: ListRow>(
        &self,
    ) -> PageCollector<R, impl Fn(&R) -> bool + '_, impl Fn(&R, &R) -> Ordering + '_> {
        PageCollector::new(self.page, |row| self.matches(row), |a, b| self.compare(a, b))
    }
}

/// One page of followers and where it stands in the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowerPage {
    pub rows: Vec<FollowerIndex>,
    /// Followers on the cluster.
    pub total: usize,
    /// Followers that pass the search and filters.
    pub matching: usize,
    /// 1-based, and at most `pages`.
    pub page: usize,
    pub pages: usize,
}

impl FollowerPage {
    /// The page a [`PageCollector`] found, its rows made owned by `own`.
    pub fn from_collected<R>(found: CollectedPage<R>, own: impl Fn(R) -> FollowerIndex) -> FollowerPage {
        let CollectedPage { rows, total, matching, page, pages } = found;
        FollowerPage { rows: rows.into_iter().map(own).collect(), total, matching, page, pages }
    }
}

/// `needle` must already be lower case. Index names are lower case already, so most names
/// are searched in place; `str::contains` is linear (two-way search), whatever the input.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if haystack.bytes().any(|b| b.is_ascii_uppercase()) || !haystack.is_ascii() {
        haystack.to_lowercase().contains(needle)
    } else {
        haystack.contains(needle)
    }
}

fn truncate_to_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn follower(name: &str, status: FollowerStatus, lag: Option<u64>) -> FollowerIndex {
        FollowerIndex {
            name: name.into(),
            remote_cluster: if name.starts_with('b') { "east".into() } else { "west".into() },
            leader_index: format!("{name}-leader"),
            status,
            lag,
            millis_since_last_read: lag.map(|l| l * 10),
        }
    }

    fn names(page: &FollowerPage) -> Vec<&str> {
        page.rows.iter().map(|f| f.name.as_str()).collect()
    }

    fn query(search: &str, status: &str, remote: &str, sort: &str, order: &str, page: &str) -> ListQuery {
        ListQuery::new(Some(search), Some(status), Some(remote), Some(sort), Some(order), Some(page))
    }

    #[test]
    fn search_filters_and_sorts() {
        let all = vec![
            follower("a1", FollowerStatus::Active, Some(5)),
            follower("b2", FollowerStatus::Paused, None),
            follower("a3", FollowerStatus::Failing, Some(50)),
            follower("b4", FollowerStatus::Active, Some(0)),
        ];
        assert_eq!(names(&query("", "", "", "", "", "").apply(all.clone())), ["a1", "a3", "b2", "b4"]);
        assert_eq!(names(&query("A3", "", "", "", "", "").apply(all.clone())), ["a3"]);
        assert_eq!(names(&query("", "active", "", "", "", "").apply(all.clone())), ["a1", "b4"]);
        assert_eq!(names(&query("", "", "east", "", "", "").apply(all.clone())), ["b2", "b4"]);
        // By lag, worst first; a paused follower (no lag) last in both directions.
        assert_eq!(names(&query("", "", "", "lag", "desc", "").apply(all.clone())), ["a3", "a1", "b4", "b2"]);
        assert_eq!(names(&query("", "", "", "lag", "asc", "").apply(all.clone())), ["b4", "a1", "a3", "b2"]);
        assert_eq!(names(&query("", "", "", "name", "desc", "").apply(all.clone())), ["b4", "b2", "a3", "a1"]);
        // Leader names are searched too.
        assert_eq!(names(&query("b4-lead", "", "", "", "", "").apply(all)), ["b4"]);
    }

    #[test]
    fn pages_of_fifty_out_of_ten_thousand() {
        let all: Vec<FollowerIndex> = (0..10_000)
            .map(|i| follower(&format!("f{i:05}"), FollowerStatus::Active, Some((i * 7919 % 10_000) as u64)))
            .collect();
        let page = query("", "", "", "", "", "3").apply(all.clone());
        assert_eq!((page.total, page.matching, page.page, page.pages), (10_000, 10_000, 3, 200));
        assert_eq!(page.rows.len(), 50);
        assert_eq!(page.rows[0].name, "f00100");
        assert_eq!(page.rows[49].name, "f00149");
        // The worst lag first, page 1 and page 2 continue each other.
        let first = query("", "", "", "lag", "desc", "1").apply(all.clone());
        let second = query("", "", "", "lag", "desc", "2").apply(all.clone());
        assert_eq!(first.rows[0].lag, Some(9999));
        assert!(first.rows.last().unwrap().lag > second.rows[0].lag);
        // Past the end: the last page. A search narrows the count.
        assert_eq!(query("", "", "", "", "", "9999").apply(all.clone()).page, 200);
        let found = query("f0999", "", "", "", "", "").apply(all);
        assert_eq!((found.matching, found.rows.len()), (10, 10));
    }

    #[test]
    fn only_every_follower_by_name_is_cut_from_names_alone() {
        assert!(query("", "", "", "", "", "3").needs_names_only());
        assert!(query("", "", "", "name", "desc", "").needs_names_only());
        for (search, status, remote, sort) in
            [("a", "", "", ""), ("", "paused", "", ""), ("", "", "east", ""), ("", "", "", "leader_index")]
        {
            assert!(!query(search, status, remote, sort, "", "").needs_names_only(), "{search}{status}{remote}{sort}");
        }
    }

    #[test]
    fn unknown_values_fall_back_and_long_searches_are_cut() {
        let q = query(&"x".repeat(10_000), "sleeping", "", "colour", "sideways", "-3");
        assert_eq!((q.status, q.sort, q.descending, q.page, q.search.len()), (None, SortKey::Name, false, 1, 255));
        let multibyte = "日".repeat(200);
        assert!(query(&multibyte, "", "", "", "", "").search.len() <= 255);
    }
}
