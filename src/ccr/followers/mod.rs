//! Follower indices, merged from `_ccr/info` (every follower, with its status) and
//! `_ccr/stats` (lag, for active followers only: paused ones are absent from the stats), and
//! the actions on them: follow, edit (pause and resume with new settings), convert to a
//! regular index.

use super::steps::{self, Report, Step};
use crate::es::{EsClient, EsError, FollowParameters, FollowRequest};

pub mod detail;
pub mod lag_history;
pub mod list;
pub mod settings;

pub use detail::{Diagnosis, FatalProblem, FollowerDetail};
pub use list::{FollowerIndex, FollowerPage, FollowerStatus, ListQuery};
pub use settings::{FollowSettings, SettingProblem, SettingProblems};

/// Every follower index, sorted by name. Lag comes from `_ccr/stats`, which needs a CCR
/// license and the `monitor` privilege; without them the list still shows, without lag.
pub async fn list(client: &EsClient) -> Result<Vec<FollowerIndex>, EsError> {
    let (info, stats) = tokio::join!(client.follow_info("_all"), client.ccr_stats());
    let stats = stats.map(|s| s.follow_stats.indices).unwrap_or_default();
    let mut followers = list::merge(info?, &stats);
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
