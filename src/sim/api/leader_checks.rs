//! What the following cluster checks on the leader before it follows or resumes: the
//! leader's licence, an index that is closed or has physical replication, and a leader newer
//! than this cluster (whose files this cluster cannot restore).

use serde_json::{Value, json};

use super::super::Sim;
use super::super::remote;
use super::super::reply::{EsException, SimResult};
use crate::es::Version;

/// Why the leader index cannot be followed right now, from what the leader said about it:
/// the checks put-follow and resume-follow both make on the leader.
pub(super) fn leader_refusal(remote_name: &str, leader: &str, leader_info: &Value) -> Option<EsException> {
    if leader_info["license"] == "basic" {
        return Some(EsException::new(
            400,
            "status_exception",
            format!(
                "can not fetch remote index [{remote_name}:{leader}] metadata as the remote cluster [{remote_name}] is not licensed for [ccr]; the license mode [BASIC] on cluster [{remote_name}] does not enable [ccr]"
            ),
        ));
    }
    if leader_info["license_active"] == false {
        return Some(EsException::new(
            400,
            "status_exception",
            format!(
                "can not fetch remote index [{remote_name}:{leader}] metadata as the remote cluster [{remote_name}] is not licensed for [ccr]; the license on cluster [{remote_name}] is not active"
            ),
        ));
    }
    if leader_info["closed"] == true {
        return Some(EsException::index_closed(leader, leader_info["uuid"].as_str().unwrap_or_default()));
    }
    leader_info["physical_replication"].as_str().map(EsException::illegal_argument)
}

/// Resume-follow's look at the leader: its refusal when the remote answers and the leader
/// index cannot be followed. An unreachable remote is not checked here; the follow tasks
/// report it as read exceptions.
pub(super) async fn check_leader_for_resume(sim: &Sim, name: &str) -> SimResult<()> {
    let target = {
        let state = sim.state();
        let follow = state.indices.get(name).and_then(|i| i.follower.as_ref());
        follow.and_then(|f| {
            let link = state.remotes.get(&f.remote_cluster).map(remote::RemoteLink::new)?;
            Some((link, f.remote_cluster.clone(), f.leader_index.clone()))
        })
    };
    let Some((mut link, remote_name, leader)) = target else { return Ok(()) };
    let Ok(leader_info) = link.request(&json!({"action": "read_index", "index": leader})).await else {
        return Ok(());
    };
    if leader_info.get("error").is_some() {
        return Ok(());
    }
    leader_refusal(&remote_name, &leader, &leader_info).map_or(Ok(()), Err)
}

/// Put-follow's restore of a leader newer than this cluster: refused as a snapshot restore.
pub(super) fn newer_leader_refusal(remote_name: &str, leader_info: &Value, local_version: Version) -> SimResult<()> {
    let leader_version = leader_info["version"].as_str().and_then(|v| v.parse::<Version>().ok());
    if let Some(leader_version) = leader_version.filter(|v| *v > local_version) {
        // The initial copy is a restore from the leader: a node cannot restore what a newer
        // version wrote.
        return Err(EsException::new(
            500,
            "snapshot_restore_exception",
            format!(
                "[_ccr_{remote_name}:_latest_/_latest_] the snapshot was created with Elasticsearch version [{leader_version}] which is higher than the version of this node [{local_version}]"
            ),
        ));
    }
    Ok(())
}
