//! One run of the doctor for one cluster, as the screens use it: find the leaders the panel
//! can call (the configured clusters behind the remotes, see [`crate::ccr::leaders`]),
//! gather the evidence, diagnose, and read the leaders' retention leases (D11, which needs
//! the followers first).
//!
//! Every call has the same bounded wait, so a slow cluster makes checks "not checked (timed
//! out)" instead of holding the page. The phases run one after another (the leaders must be
//! known before their side is read), so the worst case is a few waits, not one per call.

use std::collections::BTreeSet;
use std::time::Duration;

use super::evidence::{self, Evidence, GatherOptions, bounded};
use super::{Finding, Fix, Subject, Verdict};
use crate::audit::{Action, Event, Outcome};
use crate::ccr::leaders::{Candidate, KnownLeader, Lookup, lookup, match_remotes};
use crate::es::{EsClient, EsError, ForgetFollower};

/// What one run found, sorted for reading (failures first), and who it could ask.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The remotes whose leader the panel could call.
    pub leaders: Vec<KnownLeader>,
}

impl Report {
    /// The findings about one subject, in the report's order.
    pub fn about<'a>(&'a self, subject: &'a Subject) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| &f.subject == subject)
    }

    /// How many findings have this verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings.iter().filter(|f| f.verdict == verdict).count()
    }

    /// Whether D10 has one lag reading only for some follower (the run did not wait for a
    /// second one): the screens then ask for the trend again a moment later.
    pub fn trend_pending(&self) -> bool {
        self.findings.iter().any(|f| f.key == super::lag_trend::ONE_READING)
    }

    /// This report with D10's findings replaced by `trend` ([`super::lag_trend::measure`]).
    pub fn with_trend(&self, trend: Vec<Finding>) -> Report {
        let mut findings: Vec<Finding> =
            self.findings.iter().filter(|f| f.check != super::CheckId::D10LagTrend).cloned().collect();
        findings.extend(trend);
        super::sort(&mut findings);
        Report { findings, leaders: self.leaders.clone() }
    }
}

/// Runs every check on `local`, asking `candidates` (the other configured clusters) for the
/// leaders' side, each call within `options.wait`; D10 reads the earlier lag from
/// `options.history` when it has it.
pub async fn run(local: &EsClient, candidates: &[Candidate], options: GatherOptions<'_>, now_millis: i64) -> Report {
    let wait = options.wait;
    let remotes = bounded(wait, local.remote_info()).await.unwrap_or_default();
    let Lookup { leaders, silent } = lookup(&remotes, candidates, wait).await;
    let mut report = run_with_leaders(local, leaders, options, now_millis).await;
    if !silent.is_empty() {
        // "Not one of the clusters this panel manages" would be wrong: one that is managed did
        // not answer, and may well be the leader (a leader that is down, at night).
        for finding in report.findings.iter_mut().filter(|f| f.key == "doctor-not-checked-no-leader") {
            finding.key = "doctor-not-checked-leader-silent";
            finding.args = vec![("clusters", silent.join(", "))];
        }
    }
    report
}

/// [`run`] when the leaders are already known (the metrics find them for their own reads).
pub async fn run_with_leaders(
    local: &EsClient,
    leaders: Vec<KnownLeader>,
    options: GatherOptions<'_>,
    now_millis: i64,
) -> Report {
    let evidence = evidence::gather_with(local, &leaders, options).await;
    let mut findings = super::diagnose(&evidence, now_millis);
    findings.extend(retention_leases(&evidence, &leaders, options.wait, now_millis).await);
    super::sort(&mut findings);
    Report { findings, leaders }
}

/// D11 for every remote that followers read: on the leader when the panel can call it,
/// else "not checked" with what to run by hand. Leases are named after the follower
/// cluster's `cluster.name`, so without it there is nothing to compare.
async fn retention_leases(
    evidence: &Evidence,
    leaders: &[KnownLeader],
    wait: Duration,
    now_millis: i64,
) -> Vec<Finding> {
    let (Ok(followers), Some(cluster_name)) = (&evidence.followers, &evidence.cluster_name) else { return Vec::new() };
    let used: BTreeSet<&str> = followers.iter().map(|f| f.remote_cluster.as_str()).collect();
    let leaders: Vec<KnownLeader> = leaders.iter().filter(|l| used.contains(l.remote.as_str())).cloned().collect();
    super::leases::check_all(&leaders, cluster_name, followers, now_millis, wait).await
}

/// The remote alias whose leader a fix's request must be sent to, when it is not the local
/// cluster: `forget_follower` runs on the leader and names the remote in its body.
pub fn leader_of(fix: &Fix) -> Option<String> {
    match fix {
        Fix::Request { path, body: Some(body), .. } if path.ends_with("/_ccr/forget_follower") => {
            serde_json::from_str::<serde_json::Value>(body).ok()?["leader_remote_cluster"].as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// An orphan lease to release: the leader index and what `forget_follower` needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OrphanLease {
    pub leader_index: String,
    pub follower_cluster: String,
    pub follower_index: String,
    pub follower_index_uuid: String,
    pub leader_remote_cluster: String,
}

impl OrphanLease {
    /// The orphan lease a D11 finding's fix names, if it is one.
    pub fn of(finding: &Finding) -> Option<OrphanLease> {
        let Some(Fix::Request { path, body: Some(body), .. }) = &finding.fix else { return None };
        let leader_index = path.strip_prefix('/')?.strip_suffix("/_ccr/forget_follower")?;
        let body: serde_json::Value = serde_json::from_str(body).ok()?;
        let field = |k: &str| body[k].as_str().map(str::to_owned);
        Some(OrphanLease {
            leader_index: leader_index.to_owned(),
            follower_cluster: field("follower_cluster")?,
            follower_index: field("follower_index")?,
            follower_index_uuid: field("follower_index_uuid")?,
            leader_remote_cluster: field("leader_remote_cluster")?,
        })
    }

    /// The request as the audit line describes it.
    pub fn describe(&self) -> String {
        format!(
            "POST {}/_ccr/forget_follower (follower {}/{} on remote {})",
            self.leader_index, self.follower_cluster, self.follower_index, self.leader_remote_cluster
        )
    }
}

/// What became of a request to release an orphan lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgotten {
    Released,
    /// A follower of that name exists on the local cluster: its lease is not an orphan, and
    /// releasing it would make the follower fail for good.
    StillFollowing,
    /// The panel cannot call the leader behind that remote.
    NoLeader,
    /// The leader holds no such lease for this cluster: the form named a lease the doctor does
    /// not report (another cluster's follower, or one already released).
    NotAnOrphan,
    /// Elasticsearch refused, in its words.
    Refused(String),
}

/// Whether the leader holds exactly this lease for the local cluster (`cluster_name`): the
/// form's fields are the client's, and only a lease the doctor would report is released.
async fn leader_holds(leader: &EsClient, cluster_name: &str, lease: &OrphanLease) -> Result<bool, EsError> {
    if lease.follower_cluster != cluster_name {
        return Ok(false);
    }
    let stats = match leader.shard_stats(&lease.leader_index).await {
        Ok(stats) => stats,
        Err(e) if e.status() == Some(404) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(super::leases::leases(&stats, &lease.leader_index).iter().any(|held| {
        held.follower_cluster == lease.follower_cluster
            && held.follower_index == lease.follower_index
            && held.follower_index_uuid == lease.follower_index_uuid
            && held.remote == lease.leader_remote_cluster
    }))
}

/// Releases an orphan lease on the leader behind its remote, after checking that the local
/// cluster really has no follower of that name and that the leader holds that very lease for
/// this cluster (a lease of another cluster's follower is not this panel's to release). The
/// audit event when a request was sent.
pub async fn forget_follower(
    local: &EsClient,
    leaders: &[KnownLeader],
    lease: &OrphanLease,
) -> (Forgotten, Option<Event>) {
    match local.follow_info("_all").await {
        Ok(followers) if followers.iter().any(|f| f.follower_index == lease.follower_index) => {
            return (Forgotten::StillFollowing, None);
        }
        Ok(_) => {}
        Err(e) => return (Forgotten::Refused(e.reason()), None),
    }
    let Some(leader) = leaders.iter().find(|l| l.remote == lease.leader_remote_cluster) else {
        return (Forgotten::NoLeader, None);
    };
    // Leases are named after the follower cluster's `cluster.name`.
    let held = match local.root().await {
        Ok(root) => leader_holds(&leader.client, &root.cluster_name, lease).await,
        Err(e) => Err(e),
    };
    match held {
        Ok(true) => {}
        Ok(false) => return (Forgotten::NotAnOrphan, None),
        Err(e) => return (Forgotten::Refused(e.reason()), None),
    }
    let request = ForgetFollower {
        follower_cluster: lease.follower_cluster.clone(),
        follower_index: lease.follower_index.clone(),
        follower_index_uuid: lease.follower_index_uuid.clone(),
        leader_remote_cluster: lease.leader_remote_cluster.clone(),
    };
    let result = leader.client.forget_follower(&lease.leader_index, &request).await;
    let event = Event {
        action: Action::ForgetFollower,
        target: lease.follower_index.clone(),
        request: lease.describe(),
        outcome: if result.is_ok() { Outcome::Succeeded } else { Outcome::Failed },
        detail: result.as_ref().err().map(EsError::reason).unwrap_or_default(),
    };
    let outcome = match result {
        Ok(_) => Forgotten::Released,
        Err(e) => Forgotten::Refused(e.reason()),
    };
    (outcome, Some(event))
}

/// Finds the leaders of `local`'s remotes among `candidates`, within `wait` (for the fix
/// actions, which need the leader again after the run that offered them).
pub async fn known_leaders(local: &EsClient, candidates: &[Candidate], wait: Duration) -> Vec<KnownLeader> {
    let remotes = bounded(wait, local.remote_info()).await.unwrap_or_default();
    match_remotes(&remotes, candidates, wait).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::doctor::CheckId;

    #[test]
    fn an_orphan_lease_is_read_back_from_its_fix() {
        let body = serde_json::json!({"follower_cluster": "local", "follower_index": "gone",
            "follower_index_uuid": "u1", "leader_remote_cluster": "leader"});
        let finding = Finding::new(
            CheckId::D11RetentionLeases,
            Subject::Follower("gone".into()),
            Verdict::Warn,
            "doctor-d11-orphan",
        )
        .fix(Fix::Request {
            method: "POST",
            path: "/orders/_ccr/forget_follower".into(),
            body: Some(body.to_string()),
        });
        let lease = OrphanLease::of(&finding).unwrap();
        assert_eq!((lease.leader_index.as_str(), lease.follower_index.as_str()), ("orders", "gone"));
        assert_eq!(leader_of(finding.fix.as_ref().unwrap()).as_deref(), Some("leader"));
        let trial = Fix::Request { method: "POST", path: "/_license/start_trial".into(), body: None };
        assert_eq!(leader_of(&trial), None);
    }
}
