//! The follower APIs: follow, pause, resume, unfollow, info and stats, with Elasticsearch's
//! checks and error messages.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::filter_path;
use super::super::follower::{self, FollowerState};
use super::super::remote;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::IndexState;
use super::Request;
use super::expressions::expand_expression;
use super::indices::create_index;
use super::leader_checks::{check_leader_for_resume, leader_refusal, newer_leader_refusal};
use crate::es::Version;

/// CCR needs a platinum or trial license on the following cluster.
pub fn require_license(sim: &Sim) -> SimResult<()> {
    if !sim.state().ccr_allowed() {
        return Err(EsException::new(403, "security_exception", "current license is non-compliant for [ccr]")
            .with("license.expired.feature", "ccr"));
    }
    Ok(())
}

/// The follow parameters as `_ccr/info` shows them: the given ones over the defaults.
fn parameters(given: &Value) -> Value {
    let mut all = json!({
        "max_read_request_operation_count": 5120,
        "max_read_request_size": "32mb",
        "max_outstanding_read_requests": 12,
        "max_write_request_operation_count": 5120,
        "max_write_request_size": "9223372036854775807b",
        "max_outstanding_write_requests": 9,
        "max_write_buffer_count": 2147483647,
        "max_write_buffer_size": "512mb",
        "max_retry_delay": "500ms",
        "read_poll_timeout": "1m",
    });
    if let (Some(all), Some(given)) = (all.as_object_mut(), given.as_object()) {
        for (key, value) in given {
            if all.contains_key(key) {
                all.insert(key.clone(), value.clone());
            }
        }
    }
    all
}

pub(super) fn follow_parameters(body: &Value) -> Value {
    let keys = parameters(&json!({}));
    let given: Map<String, Value> = body
        .as_object()
        .map(|b| {
            b.iter().filter(|(k, _)| keys.get(k.as_str()).is_some()).map(|(k, v)| (k.clone(), v.clone())).collect()
        })
        .unwrap_or_default();
    Value::Object(given)
}

fn validation(field: &str) -> EsException {
    EsException::new(400, "action_request_validation_exception", format!("Validation Failed: 1: [{field}] is missing;"))
}

pub async fn put_follow(sim: &Arc<Sim>, request: &Request) -> SimResult {
    require_license(sim)?;
    sim.state().require_remote_cluster_client()?;
    let name = request.param(0).unwrap_or_default().to_owned();
    let body = request.json_body()?;
    let remote_name = body["remote_cluster"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| validation("remote_cluster"))?
        .to_owned();
    let leader =
        body["leader_index"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| validation("leader_index"))?.to_owned();
    let mut link = {
        let state = sim.state();
        super::indices::validate_index_name(&name, state.version())?;
        state.remotes.get(&remote_name).map(remote::RemoteLink::new).ok_or_else(|| {
            EsException::new(
                404,
                "no_such_remote_cluster_exception",
                format!("no such remote cluster: [{remote_name}]"),
            )
        })?
    };
    let leader_info = link
        .request(&json!({"action": "read_index", "index": leader}))
        .await
        .map_err(|e| EsException::new(500, "connect_transport_exception", e.to_string()))?;
    if leader_info.get("error").is_some() {
        return Err(EsException::index_not_found(&leader));
    }
    if let Some(refusal) = leader_refusal(&remote_name, &leader, &leader_info) {
        return Err(refusal);
    }
    newer_leader_refusal(&remote_name, &leader_info, sim.state().version())?;
    if leader_info["soft_deletes"] != true {
        return Err(EsException::illegal_argument(format!(
            "leader index [{leader}] does not have soft deletes enabled"
        )));
    }
    let leader_uuid = leader_info["uuid"].as_str().unwrap_or_default().to_owned();
    let shard_count = leader_info["shards"].as_u64().unwrap_or(1) as usize;
    {
        let mut state = sim.state();
        if let Some(existing) = state.indices.get(&name) {
            // The restore behind put-follow refuses an existing index, with a 500.
            return Err(EsException::new(500, "snapshot_restore_exception", format!(
                "[{remote_name}:{leader}/{leader_uuid}] cannot restore index [{name}] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name"
            )).with("index_uuid", existing.uuid.clone()));
        }
        let copied: BTreeMap<String, Value> = leader_info["settings"]
            .as_object()
            .map(|s| {
                s.iter()
                    .filter(|(k, _)| {
                        matches!(
                            k.as_str(),
                            "index.number_of_shards" | "index.number_of_replicas" | "index.soft_deletes.enabled"
                        )
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut copied = copied;
        // Settings given with the follow request (7.9+) override the leader's for the follower.
        for (key, value) in super::super::settings::flatten(body.get("settings").unwrap_or(&Value::Null)) {
            if !key.is_empty() {
                let key = if key.starts_with("index.") { key } else { format!("index.{key}") };
                copied.insert(key, value);
            }
        }
        create_index(&mut state, &name, &copied)?;
        let index = state.indices.get_mut(&name).expect("just created");
        index.settings.insert("index.xpack.ccr.following_index".into(), "true".into());
        // A follower starts with its leader's mappings (and keeps them in step after).
        index.mappings = leader_info["mappings"].as_object().cloned().unwrap_or_default();
        index.follower =
            Some(FollowerState::new(&remote_name, &leader, &leader_uuid, follow_parameters(&body), shard_count));
    }
    // The initial copy (a restore from the remote in Elasticsearch): every shard at once,
    // not counted in the follow stats.
    let (target, generation) = {
        let state = sim.state();
        let generation = state.indices.get(&name).and_then(|i| i.follower.as_ref()).map(|f| f.generation);
        let target = follower::target(&state, &name).map(|t| follower::ReadTarget { restore: true, ..t });
        (target, generation)
    };
    if let (Some(target), Some(generation)) = (target, generation) {
        let froms: Vec<Option<i64>> = (0..shard_count).map(|_| Some(0)).collect();
        let results = follower::fetch_round(&mut link, &target, &froms).await;
        let mut state = sim.state();
        for (shard, result) in results.into_iter().enumerate() {
            if let Some(Ok(changes)) = result {
                follower::apply_changes(&mut state, &name, generation, shard, &changes, Default::default(), false);
            }
        }
    }
    follower::start(sim, &name);
    let waited = request.query("wait_for_active_shards").is_some_and(|w| w != "0");
    Ok(Reply::ok(
        json!({"follow_index_created": waited, "follow_index_shards_acked": waited, "index_following_started": waited}),
    ))
}

/// The follower state of `name`, or Elasticsearch's refusal for a missing or regular index.
fn follower_of<'a>(state: &'a mut super::super::state::ClusterState, name: &str) -> SimResult<&'a mut FollowerState> {
    let index = state.index_mut(name)?;
    index
        .follower
        .as_mut()
        .ok_or_else(|| EsException::illegal_argument(format!("index [{name}] is not a follower index")))
}

pub fn pause_follow(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default();
    let mut state = sim.state();
    let follow = follower_of(&mut state, name)?;
    if !follow.active {
        return Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("no shard follow tasks for [{name}]"),
        ));
    }
    follow.active = false;
    follow.generation = follower::next_generation();
    Ok(Reply::acknowledged())
}

pub async fn resume_follow(sim: &Arc<Sim>, request: &Request) -> SimResult {
    require_license(sim)?;
    sim.state().require_remote_cluster_client()?;
    let name = request.param(0).unwrap_or_default().to_owned();
    let body = request.optional_body()?.unwrap_or_else(|| json!({}));
    let paused = sim.state().indices.get(&name).and_then(|i| i.follower.as_ref()).is_some_and(|f| !f.active);
    if paused {
        check_leader_for_resume(sim, &name).await?;
    }
    {
        let mut state = sim.state();
        let closed = state.index(&name)?.state == IndexState::Closed;
        let follow = follower_of(&mut state, &name)?;
        if follow.active {
            return Err(EsException::illegal_argument(format!(
                "cannot resume following index [{name}]: it is already being followed"
            )));
        }
        if closed {
            return Err(EsException::index_closed(&name, &follow.leader_uuid));
        }
        follow.active = true;
        follow.generation = follower::next_generation();
        follow.restart_tasks();
        follow.parameters = follow_parameters(&body);
    }
    follower::start(sim, &name);
    Ok(Reply::acknowledged())
}

/// Converts a paused, closed follower into a regular index, then removes its retention
/// leases from the leader. Like Elasticsearch it tries once: leases it cannot remove (the
/// remote unreachable) stay until they expire or `forget_follower` removes them.
pub async fn unfollow(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default();
    let (lease, link) = {
        let mut state = sim.state();
        let open = state.index(name)?.state == IndexState::Open;
        let follow = follower_of(&mut state, name)?;
        if open {
            return Err(EsException::illegal_argument(format!(
                "cannot convert the follower index [{name}] to a non-follower, because it has not been closed"
            )));
        }
        if follow.active {
            return Err(EsException::illegal_argument(format!(
                "cannot convert the follower index [{name}] to a non-follower, because it has not been paused"
            )));
        }
        let remote = follow.remote_cluster.clone();
        let lease = follower::target(&state, name).map(|t| (t.leader, t.lease_id));
        let link = state.remotes.get(&remote).map(remote::RemoteLink::new);
        let index = state.index_mut(name)?;
        index.follower = None;
        index.settings.remove("index.xpack.ccr.following_index");
        (lease, link)
    };
    if let (Some((leader, lease_id)), Some(mut link)) = (lease, link) {
        let _ = link.request(&json!({"action": "forget_lease", "index": leader, "lease_id": lease_id})).await;
    }
    Ok(Reply::acknowledged())
}

pub fn follow_info(sim: &Sim, request: &Request) -> SimResult {
    // The follow parameters (ten defaults for each active follower) only when the filter keeps
    // them: at 10,000 followers, building and dropping them was most of a names-only answer.
    let with_parameters = request
        .query("filter_path")
        .is_none_or(|filter| filter_path::keeps(filter, &["follower_indices", "parameters"]));
    // What the answer needs is copied while the state is held, and the answer built once the
    // state is free: Elasticsearch answers reads side by side.
    let followers: Vec<(String, String, String, bool, Option<Value>)> = {
        let state = sim.state();
        let names = expand_expression(&state, request.param(0).unwrap_or("_all"), true)?;
        names
            .into_iter()
            .filter_map(|name| {
                let f = state.indices.get(&name).and_then(|i| i.follower.as_ref())?;
                let given = (f.active && with_parameters).then(|| f.parameters.clone());
                Some((name, f.remote_cluster.clone(), f.leader_index.clone(), f.active, given))
            })
            .collect()
    };
    let followers: Vec<Value> = followers
        .into_iter()
        .map(|(name, remote_cluster, leader_index, active, given)| {
            let mut entry = json!({
                "follower_index": name,
                "remote_cluster": remote_cluster,
                "leader_index": leader_index,
                "status": if active { "active" } else { "paused" },
            });
            if let Some(given) = given {
                entry["parameters"] = parameters(&given);
            }
            entry
        })
        .collect();
    Ok(Reply::ok(json!({ "follower_indices": followers })))
}

/// A copy of the active followers among `names`, taken while the state is held: the answer is
/// built from it after, so that a large answer does not hold every other request (and the
/// replication) back while it is written, as no real cluster does.
fn active_followers_of(state: &super::super::state::ClusterState, names: Vec<String>) -> Vec<(String, FollowerState)> {
    names
        .into_iter()
        .filter_map(|name| {
            let follower = state.indices.get(&name).and_then(|i| i.follower.as_ref())?;
            follower.active.then(|| (name, follower.clone()))
        })
        .collect()
}

fn shard_stats(name: &str, f: &FollowerState, shard_id: usize, task: &follower::ShardFollow) -> Value {
    let read_exceptions: Vec<Value> = task
        .read_exception
        .iter()
        .map(|(from, retries, e)| json!({"from_seq_no": from, "retries": retries, "exception": e}))
        .collect();
    let mut shard = json!({
        "remote_cluster": f.remote_cluster,
        "leader_index": f.leader_index,
        "follower_index": name,
        "shard_id": shard_id,
        "leader_global_checkpoint": task.leader_global_checkpoint,
        "leader_max_seq_no": task.leader_max_seq_no,
        "follower_global_checkpoint": task.follower_global_checkpoint,
        "follower_max_seq_no": task.follower_global_checkpoint,
        "last_requested_seq_no": task.last_requested_seq_no,
        "outstanding_read_requests": if task.fatal_exception.is_none() { 1 } else { 0 },
        "outstanding_write_requests": 0,
        "write_buffer_operation_count": 0,
        "follower_mapping_version": 1,
        "follower_settings_version": 1,
        "follower_aliases_version": 1,
        "total_read_time_millis": task.total_read_time_millis,
        "total_read_remote_exec_time_millis": task.total_read_time_millis,
        "successful_read_requests": task.successful_read_requests,
        "failed_read_requests": task.failed_read_requests,
        "operations_read": task.operations_read,
        "bytes_read": task.bytes_read,
        "total_write_time_millis": task.total_write_time_millis,
        "write_buffer_size_in_bytes": 0,
        "successful_write_requests": task.successful_write_requests,
        "failed_write_requests": 0,
        "operations_written": task.operations_written,
        "read_exceptions": read_exceptions,
        // -1 until the task has read once, as in `ShardFollowNodeTask`.
        "time_since_last_read_millis": task.last_read.map_or(-1, |t| t.elapsed().as_millis() as i64),
    });
    if let Some(fatal) = &task.fatal_exception {
        shard["fatal_exception"] = fatal.clone();
    }
    shard
}

fn index_stats(name: &str, f: &FollowerState, version: Version) -> Value {
    let shards: Vec<Value> = f
        .shards
        .iter()
        .enumerate()
        .map(|(id, task)| {
            let mut shard = shard_stats(name, f, id, task);
            if version < Version::new(7, 3, 0) {
                // Followers track the leader's aliases from 7.3 on.
                shard.as_object_mut().map(|s| s.remove("follower_aliases_version"));
            }
            shard
        })
        .collect();
    let mut stats = json!({"index": name, "shards": shards});
    if version >= Version::new(8, 13, 0) {
        stats["total_global_checkpoint_lag"] = json!(f.lag());
    }
    stats
}

/// Stats of the followers copied by [`active_followers_of`] (paused ones are absent, as in
/// Elasticsearch).
fn active_stats(followers: &[(String, FollowerState)], version: Version) -> Vec<Value> {
    followers.iter().map(|(name, f)| index_stats(name, f, version)).collect()
}

pub fn follow_stats(sim: &Sim, request: &Request) -> SimResult {
    require_license(sim)?;
    let expression = request.param(0).unwrap_or("_all");
    let (followers, version) = {
        let state = sim.state();
        let names = expand_expression(&state, expression, true)?;
        (active_followers_of(&state, names), state.version())
    };
    if followers.is_empty() && !expression.contains('*') && expression != "_all" {
        return Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("No shard follow tasks for follower indices [{expression}]"),
        ));
    }
    Ok(Reply::ok(json!({ "indices": active_stats(&followers, version) })))
}

pub fn ccr_stats(sim: &Sim) -> SimResult {
    require_license(sim)?;
    let (followers, version, auto_follow_stats) = {
        let state = sim.state();
        let followers: Vec<(String, FollowerState)> = state
            .indices
            .iter()
            .filter_map(|(name, index)| index.follower.as_ref().filter(|f| f.active).map(|f| (name.clone(), f.clone())))
            .collect();
        (followers, state.version(), super::super::auto_follow::stats_json(&state))
    };
    Ok(Reply::ok(json!({
        "auto_follow_stats": auto_follow_stats,
        "follow_stats": {"indices": active_stats(&followers, version)},
    })))
}
