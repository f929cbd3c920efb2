//! D11: retention leases. A following shard holds a lease on its leader shard so the leader
//! keeps the history it has not read yet. Active followers renew theirs constantly; a paused
//! or failing follower's lease runs out after `index.soft_deletes.retention_lease.period`
//! (12 hours by default), and then the follower can never catch up and must be re-created.
//! Leases of followers that no longer exist keep history on the leader for nothing.
//!
//! Lease ids are `<follower cluster>/<follower index>/<follower index uuid>-following-<remote
//! alias>/<leader index>/<leader index uuid>` (Elasticsearch's `CcrRetentionLeases`).

use serde_json::Value;

use super::{CheckId, Finding, Fix, Subject, Verdict};
use crate::ccr::units::TimeValue;
use crate::es::{EsClient, FollowerInfo};

/// Elasticsearch's default `index.soft_deletes.retention_lease.period`.
pub const DEFAULT_PERIOD_MILLIS: i64 = 12 * 3_600_000;
/// Less than this left on a paused follower's lease is a warning.
pub const WARN_BELOW_MILLIS: i64 = 3 * 3_600_000;

/// One CCR lease as the leader shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub shard: String,
    pub follower_cluster: String,
    pub follower_index: String,
    pub follower_index_uuid: String,
    pub remote: String,
    /// Milliseconds since the epoch when it was last renewed.
    pub timestamp: i64,
}

/// Reads the CCR leases out of `GET {leader}/_stats?level=shards`.
pub fn leases(stats: &Value, leader_index: &str) -> Vec<Lease> {
    let mut found = Vec::new();
    let Some(shards) = stats["indices"][leader_index]["shards"].as_object() else { return found };
    for (shard, copies) in shards {
        for copy in copies.as_array().into_iter().flatten() {
            for lease in copy["retention_leases"]["leases"].as_array().into_iter().flatten() {
                let Some(id) = lease["id"].as_str() else { continue };
                let Some((follower, leader)) = id.split_once("-following-") else { continue };
                let mut follower_parts = follower.splitn(3, '/');
                let (Some(cluster), Some(index), Some(uuid)) =
                    (follower_parts.next(), follower_parts.next(), follower_parts.next())
                else {
                    continue;
                };
                let remote = leader.split('/').next().unwrap_or_default();
                found.push(Lease {
                    shard: shard.clone(),
                    follower_cluster: cluster.to_owned(),
                    follower_index: index.to_owned(),
                    follower_index_uuid: uuid.to_owned(),
                    remote: remote.to_owned(),
                    timestamp: lease["timestamp"].as_i64().unwrap_or(0),
                });
            }
        }
    }
    found
}

/// The lease period of a leader index, from its settings (flat keys).
pub fn period_millis(settings: &serde_json::Map<String, Value>) -> i64 {
    settings
        .get("index.soft_deletes.retention_lease.period")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<TimeValue>().ok())
        .map(|t| t.as_duration().as_millis() as i64)
        .unwrap_or(DEFAULT_PERIOD_MILLIS)
}

/// The findings about the followers of one leader index.
pub fn judge(
    leader_index: &str,
    leases: &[Lease],
    period: i64,
    local_cluster: &str,
    followers: &[&FollowerInfo],
    local_followers: &std::collections::HashSet<String>,
    now_millis: i64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for follower in followers {
        let subject = Subject::Follower(follower.follower_index.clone());
        let mine: Vec<&Lease> = leases
            .iter()
            .filter(|l| l.follower_cluster == local_cluster && l.follower_index == follower.follower_index)
            .collect();
        if mine.is_empty() {
            out.push(
                Finding::new(CheckId::D11RetentionLeases, subject, Verdict::Fail, "doctor-d11-no-lease")
                    .arg("leader_index", leader_index),
            );
            continue;
        }
        if follower.status != "paused" {
            out.push(Finding::new(CheckId::D11RetentionLeases, subject, Verdict::Pass, "doctor-d11-pass"));
            continue;
        }
        let oldest = mine.iter().map(|l| l.timestamp).min().unwrap_or(now_millis);
        let left = oldest + period - now_millis;
        let (verdict, key) = if left <= 0 {
            (Verdict::Fail, "doctor-d11-expired")
        } else if left < WARN_BELOW_MILLIS {
            (Verdict::Warn, "doctor-d11-expiring")
        } else {
            (Verdict::Pass, "doctor-d11-paused-time-left")
        };
        out.push(
            Finding::new(CheckId::D11RetentionLeases, subject, verdict, key)
                .arg("minutes", (left.max(0) / 60_000).to_string())
                .fix(Fix::Page(format!("/follower-indices/{}", follower.follower_index))),
        );
    }
    // Leases this cluster holds for followers it no longer has.
    let mut orphans: Vec<&Lease> = leases
        .iter()
        .filter(|l| l.follower_cluster == local_cluster && !local_followers.contains(&l.follower_index))
        .collect();
    orphans.sort_by(|a, b| a.follower_index.cmp(&b.follower_index));
    orphans.dedup_by(|a, b| a.follower_index == b.follower_index);
    for orphan in orphans {
        let body = serde_json::json!({
            "follower_cluster": orphan.follower_cluster,
            "follower_index": orphan.follower_index,
            "follower_index_uuid": orphan.follower_index_uuid,
            "leader_remote_cluster": orphan.remote,
        });
        out.push(
            Finding::new(
                CheckId::D11RetentionLeases,
                Subject::Follower(orphan.follower_index.clone()),
                Verdict::Warn,
                "doctor-d11-orphan",
            )
            .arg("leader_index", leader_index)
            .fix(Fix::Request {
                method: "POST",
                path: format!("/{leader_index}/_ccr/forget_follower"),
                body: Some(serde_json::to_string_pretty(&body).unwrap_or_default()),
            }),
        );
    }
    out
}

/// Reads the leader's leases (one `_stats` call for every index, since a lease left by a
/// deleted follower can sit on an index nobody follows any more) and judges them.
pub async fn check(
    leader: &EsClient,
    remote: &str,
    local_cluster: &str,
    followers: &[FollowerInfo],
    now_millis: i64,
) -> Vec<Finding> {
    let local_followers: std::collections::HashSet<String> =
        followers.iter().map(|f| f.follower_index.clone()).collect();
    let mut by_leader: std::collections::BTreeMap<String, Vec<&FollowerInfo>> = Default::default();
    for follower in followers.iter().filter(|f| f.remote_cluster == remote) {
        by_leader.entry(follower.leader_index.clone()).or_default().push(follower);
    }
    let stats = match leader.shard_stats("_all").await {
        Ok(stats) => stats,
        Err(e) => {
            return vec![
                Finding::new(
                    CheckId::D11RetentionLeases,
                    Subject::Remote(remote.to_owned()),
                    Verdict::NotChecked,
                    "doctor-not-checked-error",
                )
                .arg("detail", e.to_string()),
            ];
        }
    };
    // Leader indices holding a lease of this cluster, followed or not.
    if let Some(indices) = stats["indices"].as_object() {
        for index in indices.keys() {
            if leases(&stats, index).iter().any(|l| l.follower_cluster == local_cluster) {
                by_leader.entry(index.clone()).or_default();
            }
        }
    }
    let mut out = Vec::new();
    for (leader_index, followers) in by_leader {
        let period = if followers.iter().any(|f| f.status == "paused") {
            leader
                .index_settings(&leader_index)
                .await
                .ok()
                .and_then(|s| s.get(&leader_index).map(|s| s.settings.clone()))
                .map(|s| period_millis(&s.into_iter().collect()))
                .unwrap_or(DEFAULT_PERIOD_MILLIS)
        } else {
            DEFAULT_PERIOD_MILLIS
        };
        let found = leases(&stats, &leader_index);
        out.extend(judge(&leader_index, &found, period, local_cluster, &followers, &local_followers, now_millis));
    }
    out
}

/// D11 for every remote in use: through its leader's endpoint when the panel knows it (all
/// leaders at once, each within `wait`), "not checked" for the others.
pub async fn check_all(
    leaders: &[crate::ccr::leaders::KnownLeader],
    local_cluster: &str,
    followers: &[FollowerInfo],
    now_millis: i64,
    wait: std::time::Duration,
) -> Vec<Finding> {
    let reads = leaders.iter().map(|known| async move {
        match tokio::time::timeout(wait, check(&known.client, &known.remote, local_cluster, followers, now_millis))
            .await
        {
            Ok(findings) => findings,
            Err(_) => vec![
                Finding::new(
                    CheckId::D11RetentionLeases,
                    Subject::Remote(known.remote.clone()),
                    Verdict::NotChecked,
                    "doctor-not-checked-timeout",
                )
                .arg("detail", String::new()),
            ],
        }
    });
    let mut out: Vec<Finding> = futures_util::future::join_all(reads).await.into_iter().flatten().collect();
    let known: std::collections::BTreeSet<&str> = leaders.iter().map(|l| l.remote.as_str()).collect();
    let unknown: std::collections::BTreeSet<&str> =
        followers.iter().map(|f| f.remote_cluster.as_str()).filter(|r| !known.contains(r)).collect();
    for remote in unknown {
        out.push(
            Finding::new(
                CheckId::D11RetentionLeases,
                Subject::Remote(remote.to_owned()),
                Verdict::NotChecked,
                "doctor-not-checked-no-leader",
            )
            .arg("detail", String::new()),
        );
    }
    out
}
