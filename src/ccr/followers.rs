//! Follower indices, merged from `_ccr/info` (every follower, with its status) and
//! `_ccr/stats` (lag, for active followers only: paused ones are absent from the stats).

use crate::es::{EsClient, EsError, FollowerInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowerStatus {
    Active,
    Paused,
}

#[derive(Debug, Clone)]
pub struct FollowerIndex {
    pub name: String,
    pub remote_cluster: String,
    pub leader_index: String,
    pub status: FollowerStatus,
    /// Operations the follower is behind its leader, summed over shards; `None` when paused
    /// or when the stats could not be read.
    pub lag: Option<i64>,
}

impl FollowerIndex {
    fn from_info(info: FollowerInfo) -> FollowerIndex {
        FollowerIndex {
            status: if info.status == "paused" { FollowerStatus::Paused } else { FollowerStatus::Active },
            name: info.follower_index,
            remote_cluster: info.remote_cluster,
            leader_index: info.leader_index,
            lag: None,
        }
    }
}

/// Every follower index. Lag comes from `_ccr/stats`, which needs a CCR license and the
/// `monitor` privilege; without them the list still shows, without lag.
pub async fn list(client: &EsClient) -> Result<Vec<FollowerIndex>, EsError> {
    let (info, stats) = tokio::join!(client.follow_info("_all"), client.ccr_stats());
    let mut followers: Vec<FollowerIndex> = info?.into_iter().map(FollowerIndex::from_info).collect();
    if let Ok(stats) = stats {
        for index_stats in stats.follow_stats.indices {
            if let Some(follower) = followers.iter_mut().find(|f| f.name == index_stats.index) {
                let lag = index_stats.total_global_checkpoint_lag.unwrap_or_else(|| {
                    index_stats
                        .shards
                        .iter()
                        .map(|s| (s.leader_global_checkpoint - s.follower_global_checkpoint).max(0))
                        .sum()
                });
                follower.lag = Some(lag);
            }
        }
    }
    followers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(followers)
}
