//! The rows of a whole follower list read borrowed from Elasticsearch's answers: `_ccr/info`'s
//! summaries, joined with `_ccr/stats`'s folded figures where the view needs every follower's
//! lag (sorted by lag, last read or status, or a list small enough for one round trip). Only
//! the rows of the page shown are then owned ([`SummaryWithLag::into_owned`]).

use std::collections::HashMap;

use super::list::{FollowerIndex, FollowerStatus, ListRow, lag_of};
use crate::es::{FollowerSummary, LagSummary};

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

/// Joins `_ccr/info` with `_ccr/stats` in linear time, as [`super::list::merge`] does for owned rows.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::{CcrLagStats, CcrLagSummaries, FollowInfoResponse, FollowerSummaries};

    /// The same answers read owned (`list::merge`) and borrowed give the same rows.
    #[test]
    fn borrowed_rows_are_the_owned_rows() {
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
        let owned_info: FollowInfoResponse = serde_json::from_str(info).unwrap();
        let owned_stats: CcrLagStats = serde_json::from_str(stats).unwrap();
        let owned = super::super::list::merge(owned_info.follower_indices, &owned_stats.follow_stats.indices);
        let borrowed_info: FollowerSummaries<'_> = serde_json::from_str(info).unwrap();
        let borrowed_stats: CcrLagSummaries<'_> = serde_json::from_str(stats).unwrap();
        let borrowed: Vec<FollowerIndex> = merge(borrowed_info.follower_indices, &borrowed_stats.follow_stats.indices)
            .into_iter()
            .map(SummaryWithLag::into_owned)
            .collect();
        assert_eq!(borrowed, owned);
        // What the rows say: lag from the shards (a), none while paused (b), Failing (c), no stats (d).
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
}
