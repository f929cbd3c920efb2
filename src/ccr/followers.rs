//! Follower indices, merged from `_ccr/info` (every follower, with its status) and
//! `_ccr/stats` (lag, for active followers only: paused ones are absent from the stats).

use super::steps::{self, Report, Step};
use crate::es::{EsClient, EsError, FollowParameters, FollowRequest, FollowerInfo};

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

/// Creates the follower index `follower` of `leader_index` on the remote `remote_cluster`.
pub async fn follow(
    client: &EsClient,
    follower: &str,
    remote_cluster: &str,
    leader_index: &str,
    parameters: FollowParameters,
) -> Result<(), EsError> {
    let request =
        FollowRequest { remote_cluster: remote_cluster.to_owned(), leader_index: leader_index.to_owned(), parameters };
    client.follow(follower, &request, "1").await.map(drop)
}

/// Changes a follower's parameters: Elasticsearch only takes them on resume, so pause, then
/// resume with the new ones. If the resume fails, the follower is resumed with its old
/// parameters: it is never left paused by surprise.
pub async fn edit<'a>(
    client: &'a EsClient,
    follower: &'a str,
    old: &'a FollowParameters,
    new: &'a FollowParameters,
) -> Report {
    steps::run(vec![
        Step::new(
            "step-pause-follower",
            follower,
            move || async move { client.pause_follow(follower).await.map(drop) },
        )
        .undo_with("step-resume-follower", move || async move { client.resume_follow(follower, old).await.map(drop) }),
        Step::new("step-resume-follower", follower, move || async move {
            client.resume_follow(follower, new).await.map(drop)
        }),
    ])
    .await
}

/// Converts a follower into a regular index: pause (if active), close, unfollow, open. On a
/// failure the steps before it are undone (reopened, resumed), and the report says what
/// state the index is in.
pub async fn unfollow<'a>(
    client: &'a EsClient,
    follower: &'a str,
    active: bool,
    parameters: &'a FollowParameters,
) -> Report {
    let mut plan = Vec::new();
    if active {
        plan.push(
            Step::new(
                "step-pause-follower",
                follower,
                move || async move { client.pause_follow(follower).await.map(drop) },
            )
            .undo_with("step-resume-follower", move || async move {
                client.resume_follow(follower, parameters).await.map(drop)
            }),
        );
    }
    plan.push(
        Step::new("step-close-index", follower, move || async move { client.close_index(follower).await.map(drop) })
            .undo_with("step-open-index", move || async move { client.open_index(follower).await.map(drop) }),
    );
    plan.push(Step::new("step-unfollow", follower, move || async move { client.unfollow(follower).await.map(drop) }));
    plan.push(Step::new(
        "step-open-index",
        follower,
        move || async move { client.open_index(follower).await.map(drop) },
    ));
    steps::run(plan).await
}
