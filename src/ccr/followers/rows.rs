//! The rows of a whole follower list read borrowed from Elasticsearch's answers: `_ccr/info`'s
//! summaries, joined with `_ccr/stats`'s folded figures where the view needs every follower's
//! lag (sorted by lag, last read or status, or a list small enough for one round trip). Only
//! the rows of the page shown are then owned ([`SummaryWithLag::into_owned`]), or only the
//! overview's counts ([`tally`]).

use std::collections::HashMap;

use super::list::{FollowerIndex, FollowerStatus, ListRow, lag_of};
use crate::es::{
    CcrLagStatsAnswer, CcrLagSummaries, EsClient, EsError, FollowerSummariesAnswer, FollowerSummary, LagSummary,
};

/// A summary knows no stats: Active or Paused as `_ccr/info` says, no lag, no last read.
impl ListRow for FollowerSummary<'_> {
    fn name(&self) -> &str {
        &self.follower_index
    }
    fn remote_cluster(&self) -> &str {
        &self.remote_cluster
    }
    fn leader_index(&self) -> &str {
        &self.leader_index
    }
    fn status(&self) -> FollowerStatus {
        if self.status == "paused" { FollowerStatus::Paused } else { FollowerStatus::Active }
    }
    fn lag(&self) -> Option<u64> {
        None
    }
    fn millis_since_last_read(&self) -> Option<u64> {
        None
    }
}

/// A follower's summary with its figures from `_ccr/stats`, both borrowed.
#[derive(Debug)]
pub struct SummaryWithLag<'a> {
    summary: FollowerSummary<'a>,
    status: FollowerStatus,
    lag: Option<u64>,
    millis_since_last_read: Option<u64>,
}

impl<'a> SummaryWithLag<'a> {
    /// Paused followers are absent from `_ccr/stats`: figures count for active ones only.
    fn new(summary: FollowerSummary<'a>, stats: Option<&LagSummary<'_>>) -> SummaryWithLag<'a> {
        let mut row = SummaryWithLag { status: summary.status(), summary, lag: None, millis_since_last_read: None };
        if let Some(stats) = stats.filter(|_| row.status == FollowerStatus::Active) {
            row.lag = Some(lag_of(stats.total_global_checkpoint_lag, stats.shards));
            row.millis_since_last_read = stats.shards.max_millis_since_last_read;
            if stats.shards.any_fatal {
                row.status = FollowerStatus::Failing;
            }
        }
        row
    }

    /// The row of the page, owned.
    pub fn into_owned(self) -> FollowerIndex {
        FollowerIndex {
            status: self.status,
            lag: self.lag,
            millis_since_last_read: self.millis_since_last_read,
            ..FollowerIndex::from_summary(self.summary)
        }
    }
}

impl ListRow for SummaryWithLag<'_> {
    fn name(&self) -> &str {
        &self.summary.follower_index
    }
    fn remote_cluster(&self) -> &str {
        &self.summary.remote_cluster
    }
    fn leader_index(&self) -> &str {
        &self.summary.leader_index
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

/// Joins `_ccr/info` with `_ccr/stats` in linear time.
pub fn merge<'a>(summaries: Vec<FollowerSummary<'a>>, stats: &[LagSummary<'_>]) -> Vec<SummaryWithLag<'a>> {
    let by_name: HashMap<&str, &LagSummary<'_>> = stats.iter().map(|s| (s.index.as_ref(), s)).collect();
    summaries
        .into_iter()
        .map(|summary| {
            let stats = by_name.get(summary.follower_index.as_ref()).copied();
            SummaryWithLag::new(summary, stats)
        })
        .collect()
}

/// What the overview says of the followers.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowerTally {
    pub total: usize,
    /// How many in each status, in [`FollowerStatus::ALL`]'s order.
    pub by_status: [(FollowerStatus, usize); 3],
    /// Operations behind, all followers together.
    pub behind: u64,
    /// The followers furthest behind (none that is not behind): name and operations behind,
    /// furthest first, then by name.
    pub worst: Vec<(String, u64)>,
}

impl FollowerTally {
    fn of(rows: &[SummaryWithLag<'_>], worst: usize) -> FollowerTally {
        let mut by_status = FollowerStatus::ALL.map(|status| (status, 0));
        let mut behind = 0;
        let mut lagging: Vec<(&str, u64)> = Vec::new();
        for row in rows {
            if let Some((_, count)) = by_status.iter_mut().find(|(status, _)| *status == row.status) {
                *count += 1;
            }
            if let Some(lag) = row.lag {
                behind += lag;
                if lag > 0 {
                    lagging.push((row.name(), lag));
                }
            }
        }
        let furthest_first = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
        // The few furthest behind out of thousands: picked in linear time, then sorted.
        if lagging.len() > worst {
            lagging.select_nth_unstable_by(worst, furthest_first);
            lagging.truncate(worst);
        }
        lagging.sort_unstable_by(furthest_first);
        let worst = lagging.into_iter().map(|(name, lag)| (name.to_owned(), lag)).collect();
        FollowerTally { total: rows.len(), by_status, behind, worst }
    }
}

/// `_ccr/info` and `_ccr/stats` of every follower, asked at once, to be read borrowed. The stats
/// are `None` without a CCR licence or `monitor`: the followers still show, without lag.
pub async fn whole_list_answers(
    client: &EsClient,
) -> (Result<FollowerSummariesAnswer, EsError>, Option<CcrLagStatsAnswer>) {
    let (info, stats) = tokio::join!(client.follower_summaries_answer("_all"), client.ccr_lag_stats_answer());
    (info, stats.ok())
}

/// What the stats answer says, nothing when there is none or it cannot be read.
pub fn lag_summaries(stats: &Option<CcrLagStatsAnswer>) -> CcrLagSummaries<'_> {
    stats.as_ref().and_then(|s| s.read().ok()).unwrap_or_default()
}

/// The followers counted for the overview, with the `worst` furthest behind, read borrowed
/// ([`whole_list_answers`]); and the keys of the recent auto-follow errors (`<pattern>` or
/// `<pattern>:<index>`) from the same `_ccr/stats`, none when it could not be read. The caller
/// holds a [`super::whole_list_turn`].
pub async fn tally(client: &EsClient, worst: usize) -> (Result<FollowerTally, EsError>, Vec<String>) {
    let (info, stats) = whole_list_answers(client).await;
    let stats = lag_summaries(&stats);
    let errors = stats.auto_follow_stats.recent_auto_follow_errors.iter().map(|e| e.leader_index.clone()).collect();
    let tally = info.and_then(|info| {
        let rows = merge(info.read()?, &stats.follow_stats.indices);
        Ok(FollowerTally::of(&rows, worst))
    });
    (tally, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::{CcrLagSummaries, FollowerSummaries};

    /// Each follower of `_ccr/info` joined with its figures from `_ccr/stats`, then owned.
    #[test]
    fn rows_join_the_summaries_with_their_figures() {
        let info = r#"{"follower_indices":[
            {"follower_index":"a","remote_cluster":"r","leader_index":"la","status":"active"},
            {"follower_index":"b","remote_cluster":"r","leader_index":"lb","status":"paused"},
            {"follower_index":"c","remote_cluster":"s","leader_index":"lc","status":"active"},
            {"follower_index":"d","remote_cluster":"s","leader_index":"ld","status":"active"}]}"#;
        let stats = r#"{"follow_stats":{"indices":[
            {"index":"a","shards":[{"leader_global_checkpoint":9,"follower_global_checkpoint":2,"time_since_last_read_millis":5}]},
            {"index":"b","total_global_checkpoint_lag":4,"shards":[]},
            {"index":"c","total_global_checkpoint_lag":1,"shards":[{"leader_global_checkpoint":1,"follower_global_checkpoint":0,
              "time_since_last_read_millis":8,"fatal_exception":{"type":"x"}}]}]}}"#;
        let borrowed_info: FollowerSummaries<'_> = serde_json::from_str(info).unwrap();
        let borrowed_stats: CcrLagSummaries<'_> = serde_json::from_str(stats).unwrap();
        let borrowed: Vec<FollowerIndex> = merge(borrowed_info.follower_indices, &borrowed_stats.follow_stats.indices)
            .into_iter()
            .map(SummaryWithLag::into_owned)
            .collect();
        // What the rows say: lag from the shards (a), none while paused (b), Failing (c), no stats (d).
        let names: Vec<_> =
            borrowed.iter().map(|f| (f.name.as_str(), f.remote_cluster.as_str(), f.leader_index.as_str())).collect();
        assert_eq!(names, [("a", "r", "la"), ("b", "r", "lb"), ("c", "s", "lc"), ("d", "s", "ld")]);
        let figures: Vec<_> = borrowed.iter().map(|f| (f.status, f.lag, f.millis_since_last_read)).collect();
        assert_eq!(
            figures,
            [
                (FollowerStatus::Active, Some(7), Some(5)),
                (FollowerStatus::Paused, None, None),
                (FollowerStatus::Failing, Some(1), Some(8)),
                (FollowerStatus::Active, None, None),
            ]
        );
    }

    #[test]
    fn the_tally_counts_every_status_and_names_the_furthest_behind() {
        let info = r#"{"follower_indices":[
            {"follower_index":"a","remote_cluster":"r","leader_index":"la","status":"active"},
            {"follower_index":"b","remote_cluster":"r","leader_index":"lb","status":"paused"},
            {"follower_index":"c","remote_cluster":"r","leader_index":"lc","status":"active"},
            {"follower_index":"d","remote_cluster":"r","leader_index":"ld","status":"active"},
            {"follower_index":"e","remote_cluster":"r","leader_index":"le","status":"active"},
            {"follower_index":"f","remote_cluster":"r","leader_index":"lf","status":"active"}]}"#;
        let stats = r#"{"follow_stats":{"indices":[
            {"index":"a","total_global_checkpoint_lag":5},
            {"index":"b","total_global_checkpoint_lag":100},
            {"index":"c","total_global_checkpoint_lag":9,"shards":[{"fatal_exception":{"type":"x"}}]},
            {"index":"d","total_global_checkpoint_lag":5},
            {"index":"e","total_global_checkpoint_lag":0},
            {"index":"f","total_global_checkpoint_lag":7}]}}"#;
        let info: FollowerSummaries<'_> = serde_json::from_str(info).unwrap();
        let stats: CcrLagSummaries<'_> = serde_json::from_str(stats).unwrap();
        let rows = merge(info.follower_indices, &stats.follow_stats.indices);
        let tally = FollowerTally::of(&rows, 3);
        assert_eq!(tally.total, 6);
        assert_eq!(
            tally.by_status,
            [(FollowerStatus::Active, 4), (FollowerStatus::Paused, 1), (FollowerStatus::Failing, 1)]
        );
        // The paused follower's stale figure counts for nothing.
        assert_eq!(tally.behind, 5 + 9 + 5 + 7);
        // Furthest first, a tie by name, cut at three; `e` is not behind.
        assert_eq!(tally.worst, [("c".to_owned(), 9), ("f".to_owned(), 7), ("a".to_owned(), 5)]);
        assert_eq!(FollowerTally::of(&rows, 10).worst.len(), 4);
    }
}
