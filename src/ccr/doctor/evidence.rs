//! What the checks look at, read once per run: every call at the same time, each with a
//! bounded wait, so one slow answer holds back only the checks that needed it.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::ccr::followers::lag_history::{LagHistory, LagSample};
use crate::ccr::leaders::KnownLeader;
use crate::es::{
    AllocationExplanation, CatIndex, CcrStats, EsClient, EsError, FollowerInfo, IlmIndex, IndexHealth,
    IndexSettingsByIndex, License, NodesInfo, PrivilegesAnswer, PrivilegesQuery, RemoteInfo, Version,
};

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
    /// Cut to what the checks read ([`crate::es::CHECKED_INFO_FILTER`]): of the parameters,
    /// only the four limits; a check that needs another must add it to the filter.
    pub followers: Piece<Vec<FollowerInfo>>,
    /// Cut the same way ([`crate::es::CHECKED_STATS_FILTER`]); the shards' names are empty.
    pub stats: Piece<CcrStats>,
    /// Patterns as (name, pattern JSON).
    pub patterns: Piece<Vec<(String, Value)>>,
    pub nodes: Piece<NodesInfo>,
    /// The indices of each remote an auto-follow pattern reads (through `_resolve/index`, 7.9+).
    pub remote_indices: BTreeMap<String, Piece<Vec<String>>>,
    /// The leader's side of each remote whose endpoint the panel knows, by remote alias.
    pub leaders: BTreeMap<String, LeaderEvidence>,
    /// D7: what the panel's user may do here, for what CCR needs on the follower side.
    pub privileges: Piece<Privileges>,
    /// D14: the health of every index, and why a follower's primary is not active.
    pub index_health: Piece<BTreeMap<String, IndexHealth>>,
    pub allocations: BTreeMap<String, Piece<AllocationExplanation>>,
    /// D15: the lifecycle state of every index, the local policies and index templates.
    pub ilm: Piece<BTreeMap<String, IlmIndex>>,
    pub policies: Piece<BTreeMap<String, Value>>,
    pub templates: Piece<Vec<(String, Value)>>,
    /// D10: the earlier lag of each follower to compare the current one with.
    pub trend: TrendEvidence,
    /// This cluster's name, as the leader's retention leases name it.
    pub cluster_name: Option<String>,
}

/// D7's answer: `_has_privileges`, or the error that says the cluster has no security.
#[derive(Debug, Clone)]
pub enum Privileges {
    Answered(PrivilegesAnswer),
    /// Security is off: Elasticsearch's words for it.
    SecurityOff(String),
}

/// The two readings of each follower's lag D10 compares.
#[derive(Debug, Clone, Default)]
pub struct TrendEvidence {
    /// Per follower: the earlier lag and how long before the current reading it was taken.
    pub earlier: BTreeMap<String, (u64, Duration)>,
    /// A second `_ccr/stats` read, taken after a short pause when the history had no earlier
    /// sample; the current reading is then this one, the earlier one `Evidence::stats`.
    pub second: Option<Piece<CcrStats>>,
    /// The history had no usable earlier sample for a follower that lags, and the run was told
    /// not to wait for a second reading ([`SecondReading::Defer`]): D10 says "one reading so
    /// far" for those followers, and this reading is in the history for the next run.
    pub deferred: bool,
}

/// What D10 does when the history has no usable earlier lag for a follower that lags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondReading {
    /// Pause and read `_ccr/stats` again: a complete answer now (`/doctor.json`, the metrics).
    Wait,
    /// Record this reading and say so: the HTML pages ask for the trend again a moment later,
    /// so that no page holds a person for the pause.
    Defer,
}

/// What the checks read on one leader cluster.
#[derive(Debug, Clone)]
pub struct LeaderEvidence {
    /// The configured cluster's name (the remote alias is the map key).
    pub cluster: String,
    pub version: Piece<Version>,
    pub licence: Piece<License>,
    /// D7: what the panel's user may do on the leader, for what CCR needs there.
    pub privileges: Piece<Privileges>,
    /// D8: every index (exists, open or closed) and their settings (flat keys).
    pub indices: Piece<Vec<CatIndex>>,
    pub settings: Piece<IndexSettingsByIndex>,
    /// D15: the leader's lifecycle states, policies, templates, and its shards' leases.
    pub ilm: Piece<BTreeMap<String, IlmIndex>>,
    pub policies: Piece<BTreeMap<String, Value>>,
    pub templates: Piece<Vec<(String, Value)>>,
    pub shard_stats: Piece<Value>,
}

/// How `gather` reads: the wait, and where D10's earlier lag comes from.
#[derive(Debug, Clone, Copy)]
pub struct GatherOptions<'a> {
    /// The longest any one call may take.
    pub wait: Duration,
    /// The pause before a second `_ccr/stats` read when the history has no earlier sample
    /// (kept within the wait).
    pub resample_after: Duration,
    /// The panel's lag history and this cluster's name in it.
    pub history: Option<(&'a LagHistory, &'a str)>,
    /// Whether to pause for a second reading when the history has no usable one.
    pub second_reading: SecondReading,
}

/// The pause before the second lag reading, by default: long enough to see a trend on a busy
/// follower, short enough not to hold the page.
pub const RESAMPLE_AFTER: Duration = Duration::from_millis(1_000);
/// A history sample at least this old is preferred: far enough back to tell a trend from noise.
/// A younger one still serves once it is as old as the pause would have been.
pub const MIN_TREND_SPAN: Duration = Duration::from_secs(10);

impl GatherOptions<'_> {
    pub fn new(wait: Duration) -> GatherOptions<'static> {
        GatherOptions { wait, resample_after: RESAMPLE_AFTER, history: None, second_reading: SecondReading::Wait }
    }

    /// The pause before a second reading, kept within the wait; also the least age of a
    /// history sample D10 compares with (as good as what the pause would give).
    pub fn pause(&self) -> Duration {
        self.resample_after.min(self.wait / 2)
    }
}

/// The history sample D10 compares the current lag with: the newest at least
/// [`MIN_TREND_SPAN`] old when there is one, else the oldest at least `min_age` old (samples
/// come oldest first).
pub fn usable_sample(samples: &[LagSample], now: Instant, min_age: Duration) -> Option<LagSample> {
    let age = |s: &LagSample| now.saturating_duration_since(s.at);
    samples
        .iter()
        .rev()
        .find(|s| age(s) >= MIN_TREND_SPAN)
        .or_else(|| samples.first().filter(|s| age(s) >= min_age))
        .copied()
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
/// [`crate::ccr::leaders::match_remotes`]), all at once, with the default options.
pub async fn gather(local: &EsClient, leaders: &[KnownLeader], wait: Duration) -> Evidence {
    gather_with(local, leaders, GatherOptions::new(wait)).await
}

/// [`gather`], with the lag history and the resampling pause given. Every call that needs
/// nothing else is asked at once, each within `options.wait`; what needs the followers and
/// patterns (the privileges to ask, the leader indices, the leaders' side; the health, then the
/// allocation of the followers it shows unhealthy, within one wait) is asked as soon as those
/// two are read, while the rest (`_ccr/stats` above all, the longest read of a large cluster)
/// is still on its way. D10's trend needs the followers and the stats both, so it comes last:
/// its pause before a second reading counts from the first, and the second reading must end
/// by two waits from the start, so the worst case of the whole run stays two waits.
pub async fn gather_with(local: &EsClient, leaders: &[KnownLeader], options: GatherOptions<'_>) -> Evidence {
    let wait = options.wait;
    let started = Instant::now();
    let followers_side = async {
        let (followers, patterns) =
            tokio::join!(bounded(wait, local.checked_follow_info()), bounded(wait, local.auto_follow_patterns_raw()));
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
        let asked = asked_privileges(followers.as_ref().ok(), patterns.as_ref().ok());
        let leader_reads = leaders.iter().map(|known| {
            let query = asked.leader.get(&known.remote).cloned().unwrap_or_else(leader_query_for_nothing);
            async move { (known.remote.clone(), read_leader(known, &query, wait).await) }
        });
        // Health, then the allocation of the followers it shows unhealthy, within one wait.
        let allocation = async {
            let asked_at = Instant::now();
            let health = bounded(wait, local.index_health()).await;
            let left = wait.saturating_sub(asked_at.elapsed());
            let allocations = explain_allocations(local, followers.as_ref().ok(), health.as_ref().ok(), left).await;
            (health, allocations)
        };
        let (remote_indices, leaders, privileges, (health, allocations)) = tokio::join!(
            futures_util::future::join_all(lookups),
            futures_util::future::join_all(leader_reads),
            bounded(wait, privileges_of(local, &asked.local)),
            allocation,
        );
        let known = Known { followers, patterns, health, allocations };
        (known, remote_indices, leaders, privileges)
    };
    let (version, licence, remotes, (stats, stats_read_at), nodes, ilm, policies, templates, root, followers_side) = tokio::join!(
        bounded(wait, local.version()),
        bounded(wait, local.license()),
        bounded(wait, local.remote_info()),
        async { (bounded(wait, local.checked_ccr_stats()).await, Instant::now()) },
        bounded(wait, local.nodes()),
        bounded(wait, local.ilm_explain("*")),
        bounded(wait, local.ilm_policies()),
        bounded(wait, local.index_templates()),
        // Read once already for the version: normally no request.
        bounded(wait, local.root()),
        followers_side,
    );
    let (Known { followers, patterns, health, allocations }, remote_indices, leaders, privileges) = followers_side;
    let first =
        super::lag_trend::FirstReading { stats: stats.as_ref().ok(), at: stats_read_at, deadline: started + 2 * wait };
    let trend = super::lag_trend::read_trend(local, followers.as_ref().ok(), first, &options).await;
    let cluster_name = root.ok().map(|root| root.cluster_name.clone());
    Evidence {
        version,
        licence,
        remotes,
        followers,
        stats,
        patterns,
        nodes,
        remote_indices: remote_indices.into_iter().collect(),
        leaders: leaders.into_iter().collect(),
        privileges,
        index_health: health,
        allocations,
        ilm,
        policies,
        templates,
        trend,
        cluster_name,
    }
}

/// What [`gather_with`] read about the followers, and the health and allocations it asked
/// about them.
struct Known {
    followers: Piece<Vec<FollowerInfo>>,
    patterns: Piece<Vec<(String, Value)>>,
    health: Piece<BTreeMap<String, IndexHealth>>,
    allocations: BTreeMap<String, Piece<AllocationExplanation>>,
}

/// Everything one leader is asked, all at once.
async fn read_leader(known: &KnownLeader, query: &PrivilegesQuery, wait: Duration) -> LeaderEvidence {
    let client = &known.client;
    let (version, licence, privileges, indices, settings, ilm, policies, templates, shard_stats) = tokio::join!(
        bounded(wait, client.version()),
        bounded(wait, client.license()),
        bounded(wait, privileges_of(client, query)),
        bounded(wait, client.cat_indices(None)),
        bounded(wait, client.index_settings("_all")),
        bounded(wait, client.ilm_explain("*")),
        bounded(wait, client.ilm_policies()),
        bounded(wait, client.index_templates()),
        bounded(wait, client.shard_stats("_all")),
    );
    LeaderEvidence {
        cluster: known.cluster.clone(),
        version,
        licence,
        privileges,
        indices,
        settings,
        ilm,
        policies,
        templates,
        shard_stats,
    }
}

/// `_has_privileges`, with "security is off" as an answer rather than an error.
async fn privileges_of(client: &EsClient, query: &PrivilegesQuery) -> Result<Privileges, EsError> {
    match client.has_privileges(query).await {
        Ok(answer) => Ok(Privileges::Answered(answer)),
        Err(error) => match super::privileges::security_off(&error) {
            Some(reason) => Ok(Privileges::SecurityOff(reason)),
            None => Err(error),
        },
    }
}

fn leader_query_for_nothing() -> PrivilegesQuery {
    super::privileges::leader_query(&[])
}

/// The privileges D7 asks for: here for the followers, on each leader for what it leads.
fn asked_privileges(
    followers: Option<&Vec<FollowerInfo>>,
    patterns: Option<&Vec<(String, Value)>>,
) -> super::privileges::Asked {
    super::privileges::asked(
        followers.map(Vec::as_slice).unwrap_or_default(),
        patterns.map(Vec::as_slice).unwrap_or_default(),
    )
}

/// Why each follower with a primary that is not active is so (its first such shard; a few
/// shards asked at once, the first not started wins).
async fn explain_allocations(
    local: &EsClient,
    followers: Option<&Vec<FollowerInfo>>,
    health: Option<&BTreeMap<String, IndexHealth>>,
    wait: Duration,
) -> BTreeMap<String, Piece<AllocationExplanation>> {
    let (Some(followers), Some(health)) = (followers, health) else { return BTreeMap::new() };
    let troubled: Vec<(&str, u32)> = followers
        .iter()
        .filter_map(|f| health.get(&f.follower_index).map(|h| (f.follower_index.as_str(), h)))
        .filter(|(_, h)| h.active_primary_shards < h.number_of_shards)
        .map(|(name, h)| (name, h.number_of_shards))
        .take(super::allocation::MAX_EXPLAINED)
        .collect();
    let reads = troubled.into_iter().map(|(name, shards)| async move {
        let asks = (0..shards.min(super::allocation::MAX_SHARDS_ASKED))
            .map(|shard| bounded(wait, local.allocation_explain(name, shard, true)));
        let answers = futures_util::future::join_all(asks).await;
        let first_error = answers.iter().find_map(|a| a.as_ref().err().cloned());
        let found = answers.into_iter().flatten().find(|a| a.current_state != "started");
        (name.to_owned(), found.ok_or_else(|| first_error.unwrap_or(Missing::Failed(String::new()))))
    });
    futures_util::future::join_all(reads).await.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn the_newest_sample_past_the_trend_span_is_preferred_else_the_oldest_past_the_pause() {
        let now = Instant::now();
        let sample = |secs_ago: f64, lag: u64| LagSample { at: now - Duration::from_secs_f64(secs_ago), lag };
        let pause = Duration::from_secs(1);
        let long = [sample(30.0, 1), sample(12.0, 2), sample(5.0, 3), sample(0.5, 4)];
        assert_eq!(usable_sample(&long, now, pause).map(|s| s.lag), Some(2));
        let short = [sample(5.0, 3), sample(3.0, 4), sample(0.5, 5)];
        assert_eq!(usable_sample(&short, now, pause).map(|s| s.lag), Some(3));
        assert_eq!(usable_sample(&[sample(0.5, 5)], now, pause), None, "too close to tell a trend");
        assert_eq!(usable_sample(&[], now, pause), None);
    }
}
