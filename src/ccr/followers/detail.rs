//! One follower index in full: `_ccr/info` (status, remote, leader, settings) with
//! `_ccr/stats` (per shard), and what is wrong with it in words a person can act on.
//!
//! A paused follower has no stats in Elasticsearch (`GET {index}/_ccr/stats` answers 404) and
//! no `parameters` in `_ccr/info`: its page is built from the info alone.

use super::list::{FollowerStatus, lag_of_stats};
use super::settings::FollowSettings;
use crate::es::{EsClient, EsError, ExceptionBody, FollowerIndexStats, ReadException, ShardFollowStats};

/// What a shard's fatal exception (or a read exception) means, found from its chain of causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnosis {
    /// The leader no longer keeps the operations the follower needs (its retention lease
    /// expired, or history was trimmed): the follower can never catch up and must be re-created.
    HistoryGone,
    /// A cluster's licence does not allow CCR.
    LicenceRefused,
    /// The leader index is gone (deleted, or renamed away).
    LeaderIndexMissing,
    /// The remote cluster is not configured any more or cannot be reached.
    RemoteUnavailable,
    /// The credentials used for the remote lack a privilege.
    NotAuthorized,
    /// None of the above: Elasticsearch's own words are all there is.
    Other,
}

impl Diagnosis {
    pub const ALL: [Diagnosis; 6] = [
        Diagnosis::HistoryGone,
        Diagnosis::LicenceRefused,
        Diagnosis::LeaderIndexMissing,
        Diagnosis::RemoteUnavailable,
        Diagnosis::NotAuthorized,
        Diagnosis::Other,
    ];

    /// Reads the chain of causes, outermost first; the first cause that says something known
    /// decides.
    pub fn of(exception: &ExceptionBody) -> Diagnosis {
        for cause in exception.chain() {
            let reason = cause.reason.as_deref().unwrap_or_default();
            let diagnosis = match cause.error_type.as_str() {
                _ if reason.contains("no longer available for replicating")
                    || (reason.contains("retention lease") && reason.contains("not found")) =>
                {
                    Diagnosis::HistoryGone
                }
                // Local licence: "current license is non-compliant for [ccr]"; the leader's:
                // "... is not licensed for [ccr]; the license mode [BASIC] ... does not enable [ccr]".
                _ if reason.contains("non-compliant for [ccr]") || reason.contains("not licensed for [ccr]") => {
                    Diagnosis::LicenceRefused
                }
                "index_not_found_exception" => Diagnosis::LeaderIndexMissing,
                "no_such_remote_cluster_exception"
                | "connect_transport_exception"
                | "node_disconnected_exception"
                | "node_not_connected_exception" => Diagnosis::RemoteUnavailable,
                _ if reason.contains("no such remote cluster") || reason.contains("Unable to open any connections") => {
                    Diagnosis::RemoteUnavailable
                }
                "security_exception" => Diagnosis::NotAuthorized,
                _ => continue,
            };
            return diagnosis;
        }
        Diagnosis::Other
    }

    /// The catalog key of the explanation and the fix.
    pub fn message_key(self) -> &'static str {
        match self {
            Diagnosis::HistoryGone => "diagnosis-history-gone",
            Diagnosis::LicenceRefused => "diagnosis-licence-refused",
            Diagnosis::LeaderIndexMissing => "diagnosis-leader-index-missing",
            Diagnosis::RemoteUnavailable => "diagnosis-remote-unavailable",
            Diagnosis::NotAuthorized => "diagnosis-not-authorized",
            Diagnosis::Other => "diagnosis-other",
        }
    }
}

/// A shard's stopped task: which shard, what Elasticsearch said, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct FatalProblem {
    pub shard_id: u32,
    pub diagnosis: Diagnosis,
    /// Outermost first, as (`type`, `reason`).
    pub causes: Vec<(String, String)>,
}

impl FatalProblem {
    fn new(shard_id: u32, exception: &ExceptionBody) -> FatalProblem {
        FatalProblem {
            shard_id,
            diagnosis: Diagnosis::of(exception),
            causes: exception
                .chain()
                .into_iter()
                .map(|c| (c.error_type.clone(), c.reason.clone().unwrap_or_default()))
                .collect(),
        }
    }
}

/// A follower index with everything Elasticsearch says about it.
#[derive(Debug, Clone)]
pub struct FollowerDetail {
    pub name: String,
    pub remote_cluster: String,
    pub leader_index: String,
    pub status: FollowerStatus,
    /// The settings in force (`None` while paused: Elasticsearch keeps none for a paused
    /// follower).
    pub settings: Option<FollowSettings>,
    /// Per shard, in shard order; empty while paused.
    pub shards: Vec<ShardFollowStats>,
    pub lag: Option<u64>,
    /// The first shard that stopped, if any.
    pub fatal: Option<FatalProblem>,
    /// Reads being retried, with the shard they belong to.
    pub read_exceptions: Vec<(u32, ReadException)>,
    /// Whether the remote it follows is still configured (`None`: could not be read).
    pub remote_configured: Option<bool>,
}

impl FollowerDetail {
    /// Diagnosis of the retried reads, when there is no fatal problem to show first.
    pub fn read_diagnosis(&self) -> Option<Diagnosis> {
        self.read_exceptions.first().map(|(_, e)| Diagnosis::of(&e.exception))
    }
}

/// Reads one follower: `None` when the index exists but is not a follower. Info, stats and the
/// remote list are asked at once.
pub async fn detail(client: &EsClient, name: &str) -> Result<Option<FollowerDetail>, EsError> {
    let (info, stats, remotes) =
        tokio::join!(client.follow_info(name), client.follow_stats(name), client.remote_info());
    let Some(info) = info?.into_iter().find(|i| i.follower_index == name) else { return Ok(None) };
    // A paused follower answers 404 here; that is not an error of the page.
    let stats: Option<FollowerIndexStats> = match stats {
        Ok(stats) => stats.indices.into_iter().find(|s| s.index == name),
        Err(e) if e.status() == Some(404) => None,
        Err(e) => return Err(e),
    };
    let remote_configured = remotes.ok().map(|r| r.contains_key(&info.remote_cluster));
    let paused = info.status == "paused";
    let settings = info.parameters.as_ref().and_then(|p| FollowSettings::from_parameters(p).ok());
    let mut detail = FollowerDetail {
        name: info.follower_index,
        remote_cluster: info.remote_cluster,
        leader_index: info.leader_index,
        status: if paused { FollowerStatus::Paused } else { FollowerStatus::Active },
        settings,
        shards: Vec::new(),
        lag: None,
        fatal: None,
        read_exceptions: Vec::new(),
        remote_configured,
    };
    if let Some(stats) = stats.filter(|_| !paused) {
        detail.lag = Some(lag_of_stats(&stats));
        let mut shards = stats.shards;
        shards.sort_by_key(|s| s.shard_id);
        detail.fatal = shards.iter().find_map(|s| s.fatal_exception.as_ref().map(|e| FatalProblem::new(s.shard_id, e)));
        if detail.fatal.is_some() {
            detail.status = FollowerStatus::Failing;
        }
        detail.read_exceptions =
            shards.iter().flat_map(|s| s.read_exceptions.iter().map(|e| (s.shard_id, e.clone()))).collect();
        detail.shards = shards;
    }
    Ok(Some(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception(json: serde_json::Value) -> ExceptionBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn history_no_longer_available_means_recreate() {
        // As `_ccr/stats` renders it on 7.x/8.x when the leader's retention lease expired.
        let e = exception(serde_json::json!({
            "type": "resource_not_found_exception",
            "reason": "Operations are no longer available for replicating. Existing retention leases [...]; maybe increase the retention lease period setting [index.soft_deletes.retention_lease.period]?",
            "requested_operations_missing": ["7", "9"],
            "caused_by": {"type": "missing_history_operations_exception", "reason": "Not all operations between from_seqno [7] and to_seqno [9] found"}
        }));
        assert_eq!(Diagnosis::of(&e), Diagnosis::HistoryGone);
        let problem = FatalProblem::new(2, &e);
        assert_eq!(problem.causes.len(), 2);
        assert_eq!(problem.causes[1].0, "missing_history_operations_exception");
    }

    #[test]
    fn causes_deeper_in_the_chain_are_found() {
        let e = exception(serde_json::json!({
            "type": "exception", "reason": "failed",
            "caused_by": {"type": "index_not_found_exception", "reason": "no such index [logs]"}
        }));
        assert_eq!(Diagnosis::of(&e), Diagnosis::LeaderIndexMissing);
        let licence = exception(serde_json::json!({
            "type": "security_exception",
            "reason": "current license is non-compliant for [ccr]"
        }));
        assert_eq!(Diagnosis::of(&licence), Diagnosis::LicenceRefused);
        let other = exception(serde_json::json!({"type": "weird_exception", "reason": "?"}));
        assert_eq!(Diagnosis::of(&other), Diagnosis::Other);
    }

    #[test]
    fn a_hostile_chain_is_cut() {
        let mut json = serde_json::json!({"type": "x", "reason": "leaf"});
        for _ in 0..100 {
            json = serde_json::json!({"type": "x", "reason": "wrap", "caused_by": json});
        }
        let e = exception(json);
        assert_eq!(e.chain().len(), 16);
    }
}
