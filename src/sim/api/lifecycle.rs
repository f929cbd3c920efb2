//! `GET {index}/_ilm/explain`, minimal: an index with `index.lifecycle.name` is managed by
//! that policy and shown at the end of its first step; any other index is not managed. A
//! managed follower index waits in the `unfollow` action's `wait-for-indexing-complete` step
//! while it follows, as Elasticsearch's does until the leader sets
//! `index.lifecycle.indexing_complete` (replicated to the follower with its reads, as
//! Elasticsearch replicates leader settings), then in `wait-for-follow-shard-tasks` until it
//! has read everything, then stops at `pause-follower-index` (the simulator does not run the
//! unfollow itself). A managed
//! leader index whose stored policy has a `delete` phase due now, and whose shards still hold
//! CCR retention leases, waits in `wait-for-shard-history-leases` (`WaitForNoFollowersStep`)
//! for its followers to stop following, as Elasticsearch's does; the simulator never deletes it.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{Reply, SimResult};
use super::super::state::now_millis;
use super::Request;
use super::expressions::expand_expression;

pub fn explain(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    let mut indices = Map::new();
    for name in names {
        let index = state.index(&name)?;
        let entry = match index.settings.get("index.lifecycle.name") {
            Some(policy) => {
                let created = index.settings.get("index.creation_date").and_then(|c| c.parse::<i64>().ok());
                let created = created.unwrap_or_else(now_millis);
                let age = format!("{:.2}s", (now_millis() - created).max(0) as f64 / 1000.0);
                let mut entry = json!({
                    "index": name,
                    "managed": true,
                    "policy": policy,
                    "lifecycle_date_millis": created,
                    "age": age,
                    "phase": "new",
                    "phase_time_millis": created,
                    "action": "complete",
                    "action_time_millis": created,
                    "step": "complete",
                    "step_time_millis": created,
                });
                let ccr_leases = index.shards.iter().any(|s| s.leases.values().any(|l| l.source == "ccr"));
                if ccr_leases && delete_phase_due(state.ilm_policies.get(policy.as_str()), now_millis() - created) {
                    entry["phase"] = json!("delete");
                    entry["action"] = json!("delete");
                    entry["step"] = json!("wait-for-shard-history-leases");
                    entry["step_info"] = json!({
                        "message": "this index is a leader index; waiting for all following indices to cease following before proceeding",
                    });
                } else if let Some(follow) = &index.follower {
                    entry["phase"] = json!("hot");
                    entry["action"] = json!("unfollow");
                    let complete = index.settings.get("index.lifecycle.indexing_complete").is_some_and(|v| v == "true");
                    let behind: Vec<Value> = follow
                        .shards
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.follower_global_checkpoint < s.leader_global_checkpoint)
                        .map(|(shard, s)| {
                            json!({"follower_index": name, "shard_id": shard,
                                "leader_global_checkpoint": s.leader_global_checkpoint,
                                "follower_global_checkpoint": s.follower_global_checkpoint})
                        })
                        .collect();
                    if !complete {
                        entry["step"] = json!("wait-for-indexing-complete");
                        entry["step_info"] = json!({
                            "message": "waiting for the [index.lifecycle.indexing_complete] setting to be set to true on the leader index, it is currently [false]",
                            "index.lifecycle.indexing_complete": false,
                        });
                    } else if !behind.is_empty() {
                        // `WaitForFollowShardTasksStep`: the follower has not read everything yet.
                        entry["step"] = json!("wait-for-follow-shard-tasks");
                        entry["step_info"] = json!({
                            "message": format!("Waiting for [{}] shard follow tasks to be in sync", behind.len()),
                            "shard_follow_tasks": behind,
                        });
                    } else {
                        // The next step pauses the follower; the simulator runs no further.
                        entry["step"] = json!("pause-follower-index");
                    }
                }
                entry
            }
            None => json!({"index": name, "managed": false}),
        };
        indices.insert(name, entry);
    }
    Ok(Reply::ok(json!({ "indices": Value::Object(indices) })))
}

/// Whether a stored policy has a `delete` phase whose `min_age` the index has reached.
fn delete_phase_due(stored: Option<&Value>, age_millis: i64) -> bool {
    let Some(phase) = stored.and_then(|p| p["policy"]["phases"].get("delete")) else { return false };
    let min_age = phase["min_age"].as_str().unwrap_or("0ms");
    let millis =
        min_age.parse::<crate::ccr::units::TimeValue>().map(|t| t.as_duration().as_millis() as i64).unwrap_or(i64::MAX);
    age_millis >= millis
}
