//! What the checks look at, read once per run: every call at the same time, each with a
//! bounded wait, so one slow answer holds back only the checks that needed it.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::ccr::leaders::KnownLeader;
use crate::es::{CcrStats, EsClient, EsError, FollowerInfo, License, NodesInfo, RemoteInfo, Version};

/// Why a piece of evidence is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// Elasticsearch did not answer within the wait.
    TimedOut,
    /// It answered with an error (or could not be reached), in its words.
    Failed(String),
    /// Nothing to ask: the leader's endpoint is not one of the configured clusters.
    NoLeaderEndpoint,
}

pub type Piece<T> = Result<T, Missing>;

/// Everything the checks read.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub version: Piece<Version>,
    pub licence: Piece<License>,
    pub remotes: Piece<BTreeMap<String, RemoteInfo>>,
    pub followers: Piece<Vec<FollowerInfo>>,
    pub stats: Piece<CcrStats>,
    /// Patterns as (name, pattern JSON).
    pub patterns: Piece<Vec<(String, Value)>>,
    pub nodes: Piece<NodesInfo>,
    /// The indices of each remote an auto-follow pattern reads (through `_resolve/index`, 7.9+).
    pub remote_indices: BTreeMap<String, Piece<Vec<String>>>,
    /// The leader's side of each remote whose endpoint the panel knows, by remote alias.
    pub leaders: BTreeMap<String, LeaderEvidence>,
}

/// What the checks read on one leader cluster.
#[derive(Debug, Clone)]
pub struct LeaderEvidence {
    /// The configured cluster's name (the remote alias is the map key).
    pub cluster: String,
    pub version: Piece<Version>,
    pub licence: Piece<License>,
}

fn reason(error: &EsError) -> String {
    match error {
        EsError::Api(api) => format!("[{}] {}", api.error_type, api.reason),
        other => other.to_string(),
    }
}

/// One call with the wait applied.
pub async fn bounded<T>(wait: Duration, call: impl Future<Output = Result<T, EsError>>) -> Piece<T> {
    match tokio::time::timeout(wait, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Missing::Failed(reason(&e))),
        Err(_) => Err(Missing::TimedOut),
    }
}

/// Reads the local cluster and every known leader (found by
/// [`crate::ccr::leaders::match_remotes`]), all at once.
pub async fn gather(local: &EsClient, leaders: &[KnownLeader], wait: Duration) -> Evidence {
    let (version, licence, remotes, followers, stats, patterns, nodes) = tokio::join!(
        bounded(wait, local.version()),
        bounded(wait, local.license()),
        bounded(wait, local.remote_info()),
        bounded(wait, local.follow_info("_all")),
        bounded(wait, local.ccr_stats()),
        bounded(wait, local.auto_follow_patterns_raw()),
        bounded(wait, local.nodes()),
    );
    // The remotes patterns read, asked once each, all at once.
    let pattern_remotes: std::collections::BTreeSet<String> = patterns
        .as_ref()
        .map(|p| p.iter().filter_map(|(_, p)| p["remote_cluster"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let lookups = pattern_remotes.into_iter().map(|remote| async move {
        let indices = bounded(wait, crate::ccr::followers::create::leader_candidates(local, &remote)).await;
        let indices = indices.and_then(|found| found.ok_or(Missing::Failed("_resolve/index needs 7.9".into())));
        (remote, indices)
    });
    let leader_reads = leaders.iter().map(|known| async move {
        let client = &known.client;
        let (version, licence) = tokio::join!(bounded(wait, client.version()), bounded(wait, client.license()));
        (known.remote.clone(), LeaderEvidence { cluster: known.cluster.clone(), version, licence })
    });
    let (remote_indices, leaders) =
        tokio::join!(futures_util::future::join_all(lookups), futures_util::future::join_all(leader_reads));
    let remote_indices = remote_indices.into_iter().collect();
    let leaders = leaders.into_iter().collect();
    Evidence { version, licence, remotes, followers, stats, patterns, nodes, remote_indices, leaders }
}
