//! The steps of the migration recipe. Each is safe to repeat (it looks at what the clusters
//! say now before doing anything), works on every index of the plan, and reports per index;
//! one index failing never stops the others.
//!
//! Steps that touch the leader use its own HTTP endpoint when the panel knows it (a configured
//! cluster); without it they say so, and the page shows the requests to run by hand.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::super::followers::create::{self as follower_create, NewFollower};
use super::super::followers::{self, FollowSettings};
use super::super::steps;
use super::aliases::{Aliases, add_body};
use super::copy::copy_body;
use super::plan::{IndexOutcome, MigrationPlan, PlannedIndex, StepName};
use crate::es::{EsClient, EsError, Version};

/// The vendor setting some managed 6.7 clusters add; it blocks following until removed.
pub const REPLICATION_TYPE: &str = "index.replication.type";
/// The document `verify` writes to each leader index and removes again.
pub const MARKER_ID: &str = "ccr-panel-verify-marker";

/// The two clusters of a migration.
#[derive(Clone, Copy)]
pub struct Clusters<'a> {
    pub local: &'a EsClient,
    pub leader: Option<&'a EsClient>,
}

/// Per-index outcomes of one run of a step, keyed by the leader index as planned.
pub type Outcomes = BTreeMap<String, IndexOutcome>;

fn outcome(ok: bool, key: &str, detail: impl Into<String>) -> IndexOutcome {
    IndexOutcome { ok, key: key.to_owned(), detail: detail.into() }
}

fn reason(error: &EsError) -> String {
    match error {
        EsError::Api(api) => format!("[{}] {}", api.error_type, api.reason),
        other => other.to_string(),
    }
}

fn for_every_index(plan: &MigrationPlan, make: impl Fn() -> IndexOutcome) -> Outcomes {
    plan.indices.iter().map(|i| (i.leader_index.clone(), make())).collect()
}

/// Versions: the follower cluster must be at the leader's version or newer, and within one
/// major version (Elasticsearch's wire compatibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    Compatible,
    FollowerOlder,
    TooFarApart,
}

pub fn check_versions(leader: Version, local: Version) -> VersionCheck {
    if local < leader {
        VersionCheck::FollowerOlder
    } else if local.major > leader.major + 1 {
        VersionCheck::TooFarApart
    } else {
        VersionCheck::Compatible
    }
}

/// What `prepare` found about the clusters as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterChecks {
    pub versions: Option<VersionCheck>,
    pub local_licence: String,
    pub local_licence_allows_ccr: bool,
}

/// Where a leader index stands before following.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LeaderIndexFacts {
    soft_deletes: bool,
    replication_type: bool,
}

async fn leader_facts(leader: &EsClient, index: &str, version: Version) -> Result<LeaderIndexFacts, EsError> {
    let settings = leader.index_settings(index).await?;
    let settings = settings.get(index).map(|s| s.settings.clone()).unwrap_or_default();
    let text = |key: &str| settings.get(key).and_then(|v| v.as_str().map(str::to_owned).or(Some(v.to_string())));
    let soft_deletes = match text("index.soft_deletes.enabled").as_deref() {
        Some("true") => true,
        Some("false") => false,
        // The default changed in 7.0.
        _ => version.major >= 7,
    };
    Ok(LeaderIndexFacts { soft_deletes, replication_type: settings.contains_key(REPLICATION_TYPE) })
}

/// The index a re-index with soft deletes goes into.
pub fn reindexed_name(leader_index: &str) -> String {
    format!("{leader_index}-ccr")
}

/// Step 1: checks each leader index and fixes what can be fixed. Soft deletes off: re-index into
/// a copy with soft deletes on (a task; `prepare` again shows its progress and, once done, makes
/// the copy the index to follow). `index.replication.type` present: close, set it to null, open
/// (reopened whatever happens). The outcome is ok when the index can be followed.
pub async fn prepare(clusters: Clusters<'_>, plan: &mut MigrationPlan) -> (ClusterChecks, Outcomes) {
    let local_licence = clusters.local.license().await.ok();
    let mut checks = ClusterChecks {
        versions: None,
        local_licence: local_licence.as_ref().map(|l| l.license_type.clone()).unwrap_or_default(),
        local_licence_allows_ccr: local_licence.is_some_and(|l| l.allows_ccr()),
    };
    let Some(leader) = clusters.leader else {
        return (checks, for_every_index(plan, || outcome(false, "migration-leader-unknown", "")));
    };
    let (leader_version, local_version) = tokio::join!(leader.version(), clusters.local.version());
    let leader_version = match leader_version {
        Ok(v) => v,
        Err(e) => {
            return (checks, for_every_index(plan, || outcome(false, "migration-leader-unreachable", reason(&e))));
        }
    };
    if let Ok(local) = local_version {
        checks.versions = Some(check_versions(leader_version, local));
    }
    let mut outcomes = Outcomes::new();
    for index in &mut plan.indices {
        let result = prepare_one(leader, index, leader_version).await;
        outcomes.insert(
            index.leader_index.clone(),
            result.unwrap_or_else(|e| outcome(false, "migration-failed", reason(&e))),
        );
    }
    (checks, outcomes)
}

async fn prepare_one(leader: &EsClient, index: &mut PlannedIndex, version: Version) -> Result<IndexOutcome, EsError> {
    // A re-index started earlier: report its progress, or adopt its copy once complete.
    if let Some(previous) = index.outcomes.get(&StepName::Prepare)
        && previous.key == "migration-reindexing"
    {
        let task = leader.task(&previous.detail).await?;
        if !task.completed {
            // Still copying: the task id stays the detail, the page reads its progress.
            return Ok(outcome(false, "migration-reindexing", previous.detail.clone()));
        }
        let failures = task.response.as_ref().and_then(|r| r["failures"].as_array()).is_some_and(|f| !f.is_empty());
        if let Some(error) = task.error {
            return Ok(outcome(false, "migration-reindex-failed", error.reason.unwrap_or(error.error_type)));
        }
        if failures {
            let first = task.response.as_ref().map(|r| r["failures"][0].to_string()).unwrap_or_default();
            return Ok(outcome(false, "migration-reindex-failed", first));
        }
        index.source_index = reindexed_name(&index.leader_index);
    }
    let facts = leader_facts(leader, &index.source_index, version).await?;
    if !facts.soft_deletes {
        let copy = reindexed_name(&index.leader_index);
        if !leader.index_exists(&copy).await? {
            let source = leader.index_definition(&index.source_index).await?.unwrap_or_default();
            leader.create_index(&copy, &copy_body(&source)).await?;
        }
        let task = leader.reindex_async(&index.source_index, &copy).await?;
        return Ok(outcome(false, "migration-reindexing", task));
    }
    if facts.replication_type {
        let report = steps::clear_static_index_setting(leader, &index.source_index, REPLICATION_TYPE).await?;
        if !report.succeeded() {
            return Ok(outcome(false, "migration-clear-setting-failed", report.failure().unwrap_or_default()));
        }
        return Ok(outcome(true, "migration-setting-cleared", REPLICATION_TYPE));
    }
    Ok(outcome(true, "migration-ready", ""))
}

/// The seeds for a remote pointing at the leader: transport publish addresses from the
/// leader's own node list, master-eligible nodes first, at most three.
pub async fn leader_seeds(leader: &EsClient) -> Result<Vec<String>, EsError> {
    let nodes = leader.nodes().await?;
    let mut candidates: Vec<(bool, String)> = nodes
        .nodes
        .values()
        .filter_map(|n| {
            let address = n.transport.as_ref().map(|t| t.publish_address.clone()).or(n.transport_address.clone())?;
            Some((!n.roles.iter().any(|r| r == "master"), address))
        })
        .collect();
    candidates.sort();
    Ok(candidates.into_iter().map(|(_, a)| a).take(3).collect())
}

/// Step 2: a connected remote that points at the leader. Reuses the plan's remote when it is
/// connected; otherwise (re)writes its seeds from the leader's nodes and waits for it to
/// connect (bounded).
pub async fn connect(clusters: Clusters<'_>, plan: &mut MigrationPlan, alias: &str, wait: Duration) -> Outcomes {
    let remotes = clusters.local.remote_info().await.unwrap_or_default();
    if let Some(remote) = plan.remote_cluster.as_deref()
        && remotes.get(remote).is_some_and(|r| r.connected)
    {
        return for_every_index(plan, || outcome(true, "migration-connected", remote));
    }
    let Some(leader) = clusters.leader else {
        return for_every_index(plan, || outcome(false, "migration-leader-unknown", ""));
    };
    let seeds = match leader_seeds(leader).await {
        Ok(seeds) if !seeds.is_empty() => seeds,
        Ok(_) => return for_every_index(plan, || outcome(false, "migration-no-seeds", "")),
        Err(e) => return for_every_index(plan, || outcome(false, "migration-leader-unreachable", reason(&e))),
    };
    let alias = plan.remote_cluster.clone().unwrap_or_else(|| alias.to_owned());
    let mut update = crate::es::ClusterSettingsUpdate::default();
    update.persistent.insert(format!("cluster.remote.{alias}.seeds"), json!(seeds));
    if let Err(e) = clusters.local.put_cluster_settings(&update).await {
        return for_every_index(plan, || outcome(false, "migration-failed", reason(&e)));
    }
    plan.remote_cluster = Some(alias.clone());
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let connected =
            clusters.local.remote_info().await.ok().and_then(|r| r.get(&alias).map(|r| r.connected)).unwrap_or(false);
        if connected {
            return for_every_index(plan, || outcome(true, "migration-connected", alias.clone()));
        }
        if tokio::time::Instant::now() >= deadline {
            return for_every_index(plan, || outcome(false, "migration-not-connected", alias.clone()));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Step 3: creates each follower (a follower already following the right leader counts as
/// done: the step is safe to repeat).
pub async fn follow(clusters: Clusters<'_>, plan: &MigrationPlan) -> Outcomes {
    let Some(remote) = plan.remote_cluster.as_deref() else {
        return for_every_index(plan, || outcome(false, "migration-not-connected", ""));
    };
    let mut outcomes = Outcomes::new();
    for index in &plan.indices {
        let existing = clusters.local.follow_info(&index.follower_index).await;
        let result = match existing {
            Ok(info) if info.iter().any(|i| i.leader_index == index.source_index && i.remote_cluster == remote) => {
                outcome(true, "migration-already-following", "")
            }
            Ok(info) if !info.is_empty() => outcome(false, "migration-follows-something-else", ""),
            _ => {
                let new = NewFollower {
                    remote_cluster: remote.to_owned(),
                    leader_index: index.source_index.clone(),
                    follower_index: index.follower_index.clone(),
                    settings: FollowSettings::default(),
                };
                match follower_create::create(clusters.local, &new).await {
                    Ok(_) => outcome(true, "migration-followed", ""),
                    Err(e) => outcome(false, "migration-failed", reason(&e)),
                }
            }
        };
        outcomes.insert(index.leader_index.clone(), result);
    }
    outcomes
}

/// Step 4: counts equal; a marker written to the leader arrives on the follower and its delete
/// too (each within `wait`); a sample search answers on the follower.
pub async fn verify(clusters: Clusters<'_>, plan: &MigrationPlan, wait: Duration) -> Outcomes {
    let Some(leader) = clusters.leader else {
        return for_every_index(plan, || outcome(false, "migration-leader-unknown", ""));
    };
    let mut outcomes = Outcomes::new();
    for index in &plan.indices {
        outcomes.insert(index.leader_index.clone(), verify_one(leader, clusters.local, index, wait).await);
    }
    outcomes
}

async fn eventually<F, Fut>(wait: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn verify_one(leader: &EsClient, local: &EsClient, index: &PlannedIndex, wait: Duration) -> IndexOutcome {
    let (leader_count, follower_count) =
        tokio::join!(leader.count(&index.source_index), local.count(&index.follower_index));
    let (leader_count, follower_count) = match (leader_count, follower_count) {
        (Ok(l), Ok(f)) => (l, f),
        (Err(e), _) | (_, Err(e)) => return outcome(false, "migration-failed", reason(&e)),
    };
    if leader_count != follower_count {
        return outcome(false, "migration-counts-differ", format!("{leader_count} / {follower_count}"));
    }
    let marker = json!({"ccr_panel_verify": true});
    if let Err(e) = leader.index_doc(&index.source_index, Some(MARKER_ID), &marker).await {
        return outcome(false, "migration-failed", reason(&e));
    }
    let arrived =
        eventually(wait, || async { local.get_doc(&index.follower_index, MARKER_ID).await.ok().flatten().is_some() })
            .await;
    // The marker goes again whatever happened: the leader keeps no trace of the check.
    let removed = leader.delete_doc(&index.source_index, MARKER_ID).await;
    if !arrived {
        return outcome(false, "migration-marker-missing", "");
    }
    if let Err(e) = removed {
        return outcome(false, "migration-failed", reason(&e));
    }
    let gone =
        eventually(wait, || async { local.get_doc(&index.follower_index, MARKER_ID).await.ok().flatten().is_none() })
            .await;
    if !gone {
        return outcome(false, "migration-marker-stayed", "");
    }
    match local.search(&index.follower_index, &json!({"size": 1, "query": {"match_all": {}}})).await {
        Ok(_) => outcome(true, "migration-verified", leader_count.to_string()),
        Err(e) => outcome(false, "migration-failed", reason(&e)),
    }
}

/// Step 5: when every follower has caught up (lag 0), converts each into a regular index
/// (pause, close, unfollow, open; a failed index is left open and named with its step), then
/// adds the aliases asked for it (checked beforehand, see [`super::aliases`]); an alias
/// Elasticsearch refuses leaves the converted index as it is and is named in its outcome.
/// `confirmed` is the person's word that writes to the old cluster have stopped.
pub async fn cutover(clusters: Clusters<'_>, plan: &MigrationPlan, confirmed: bool, aliases: &Aliases) -> Outcomes {
    if !confirmed {
        return for_every_index(plan, || outcome(false, "migration-cutover-not-confirmed", ""));
    }
    let followers_now = followers::list(clusters.local).await.unwrap_or_default();
    let lag_of = |name: &str| followers_now.iter().find(|f| f.name == name).and_then(|f| f.lag);
    let behind: Vec<&PlannedIndex> =
        plan.indices.iter().filter(|i| lag_of(&i.follower_index).is_some_and(|lag| lag > 0)).collect();
    if !behind.is_empty() {
        return plan
            .indices
            .iter()
            .map(|i| {
                let lag = lag_of(&i.follower_index).unwrap_or(0);
                (i.leader_index.clone(), outcome(false, "migration-still-behind", lag.to_string()))
            })
            .collect();
    }
    let mut outcomes = Outcomes::new();
    for index in &plan.indices {
        let converted = convert_one(clusters.local, index).await;
        let result = match aliases.get(&index.leader_index) {
            Some(wanted) if converted.ok && !wanted.is_empty() => {
                match clusters.local.update_aliases(&add_body(&index.follower_index, wanted)).await {
                    Ok(_) => outcome(true, "migration-converted-alias", wanted.join(", ")),
                    Err(e) => {
                        outcome(false, "migration-alias-failed", format!("{}: {}", wanted.join(", "), reason(&e)))
                    }
                }
            }
            _ => converted,
        };
        outcomes.insert(index.leader_index.clone(), result);
    }
    outcomes
}

/// Converts one follower into a regular index (already regular and open counts as done).
async fn convert_one(local: &EsClient, index: &PlannedIndex) -> IndexOutcome {
    let state = followers::index_state(local, &index.follower_index).await;
    if let Ok(s) = state
        && s.following.is_none()
        && s.open
    {
        return outcome(true, "migration-converted", "");
    }
    match followers::convert_to_regular(local, &index.follower_index).await {
        Ok(converted) if converted.report.succeeded() => outcome(true, "migration-converted", ""),
        Ok(converted) => {
            let failed = converted
                .report
                .steps
                .iter()
                .find(|s| matches!(s.outcome, steps::StepOutcome::Failed(_)))
                .map(|s| s.key)
                .unwrap_or_default();
            outcome(
                false,
                "migration-convert-failed",
                format!("{failed}: {}", converted.report.failure().unwrap_or_default()),
            )
        }
        Err(e) => outcome(false, "migration-failed", reason(&e)),
    }
}
