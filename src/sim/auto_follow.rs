//! The auto-follow coordinator: a few times a second it reads the indices of each remote
//! cluster that has active auto-follow patterns and follows every leader index that matches a
//! pattern (and none of its exclusions) and that the pattern has not dealt with yet, as
//! Elasticsearch's `AutoFollowCoordinator` does. Indices that existed when the pattern was
//! created are never followed; indices created while it is paused are followed on resume.
//!
//! Its outcomes are the `auto_follow_stats` of `_ccr/stats`.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Sim;
use super::api::expressions::glob;
use super::remote::RemoteLink;
use super::state::now_millis;

const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A leader index as the coordinator sees it in the remote cluster state.
#[derive(Debug, Clone)]
pub struct LeaderIndex {
    pub name: String,
    pub uuid: String,
    pub soft_deletes: bool,
}

/// The remote cluster state, as far as the coordinator reads it.
#[derive(Debug, Clone)]
pub struct RemoteIndices {
    pub metadata_version: u64,
    pub indices: Vec<LeaderIndex>,
}

/// Reads the remote's indices; the error is an exception as JSON.
pub async fn remote_indices(link: &mut RemoteLink) -> Result<RemoteIndices, Value> {
    let failed = |e: String| json!({"type": "connect_transport_exception", "reason": e});
    let reply = link.request(&json!({"action": "list_indices"})).await.map_err(|e| failed(e.to_string()))?;
    let ok = reply.get("ok").ok_or_else(|| failed("unexpected reply".into()))?;
    let indices = ok["indices"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|i| LeaderIndex {
                    name: i["name"].as_str().unwrap_or_default().to_owned(),
                    uuid: i["uuid"].as_str().unwrap_or_default().to_owned(),
                    soft_deletes: i["soft_deletes"] == true,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RemoteIndices { metadata_version: ok["metadata_version"].as_u64().unwrap_or(0), indices })
}

/// Whether a stored pattern body matches a leader index name (hidden `.` indices never do).
pub fn matches(pattern: &Value, name: &str) -> bool {
    let list = |key: &str| -> Vec<String> {
        pattern[key]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    !name.starts_with('.')
        && list("leader_index_patterns").iter().any(|p| glob(p, name))
        && !list("leader_index_exclusion_patterns").iter().any(|p| glob(p, name))
}

/// Starts the coordinator of `sim`; it stops with the simulator.
pub fn start(sim: &Arc<Sim>) {
    tokio::spawn(run(Arc::downgrade(sim)));
}

async fn run(sim: Weak<Sim>) {
    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        let Some(live) = sim.upgrade() else { return };
        round(&live).await;
    }
}

/// One check of every remote that has active patterns.
async fn round(sim: &Arc<Sim>) {
    let remotes: Vec<(String, Option<RemoteLink>)> = {
        let state = sim.state();
        let mut aliases: Vec<String> = state
            .auto_follow
            .values()
            .filter(|p| p.active)
            .filter_map(|p| p.body["remote_cluster"].as_str().map(str::to_owned))
            .collect();
        aliases.sort();
        aliases.dedup();
        aliases.into_iter().map(|a| (a.clone(), state.remotes.get(&a).map(RemoteLink::new))).collect()
    };
    // The coordinator's statistics are kept in memory, not in the cluster state.
    {
        // A remote no active pattern uses is no longer auto-followed.
        let mut state = sim.state().outside_cluster_state();
        state.auto_follow_stats.clusters.retain(|alias, _| remotes.iter().any(|(a, _)| a == alias));
    }
    for (alias, link) in remotes {
        let fetched = match link {
            Some(mut link) => remote_indices(&mut link).await,
            None => Err(
                json!({"type": "no_such_remote_cluster_exception", "reason": format!("no such remote cluster: [{alias}]")}),
            ),
        };
        let remote = match fetched {
            Ok(remote) => remote,
            Err(error) => {
                let mut state = sim.state().outside_cluster_state();
                let patterns: Vec<String> = patterns_of(&state, &alias);
                let stats = &mut state.auto_follow_stats;
                stats.failed_remote_cluster_state_requests += 1;
                for pattern in patterns {
                    stats.recent_errors.insert(pattern, (now_millis(), error.clone()));
                }
                continue;
            }
        };
        let patterns = {
            let mut state = sim.state().outside_cluster_state();
            let patterns = patterns_of(&state, &alias);
            let stats = &mut state.auto_follow_stats;
            stats.clusters.insert(alias.clone(), (Instant::now(), remote.metadata_version));
            // A remote that answers again clears its patterns' errors, as in Elasticsearch.
            for pattern in &patterns {
                stats.recent_errors.remove(pattern);
            }
            patterns
        };
        for pattern in patterns {
            for leader in &remote.indices {
                follow_if_new(sim, &pattern, leader).await;
            }
        }
    }
}

fn patterns_of(state: &super::state::ClusterState, alias: &str) -> Vec<String> {
    state
        .auto_follow
        .iter()
        .filter(|(_, p)| p.active && p.body["remote_cluster"] == alias)
        .map(|(n, _)| n.clone())
        .collect()
}

/// Follows `leader` for `pattern` when it matches and is new to the pattern.
async fn follow_if_new(sim: &Arc<Sim>, pattern: &str, leader: &LeaderIndex) {
    let body = {
        let mut state = sim.state();
        // Looked at through a shared borrow: a leader index already dealt with changes nothing,
        // and leaves the cluster state's version as it is.
        let Some(stored) = state.auto_follow.get(pattern).filter(|p| p.active) else { return };
        if stored.followed.contains(&leader.uuid) || !matches(&stored.body, &leader.name) {
            return;
        }
        // Recorded first, as Elasticsearch records it (in the cluster state), so a failure is
        // reported once.
        let stored = state.auto_follow.get_mut(pattern).expect("read just above, the state held");
        stored.followed.insert(leader.uuid.clone());
        stored.body.clone()
    };
    let key = format!("{pattern}:{}", leader.name);
    let outcome = if leader.soft_deletes {
        let follower = body["follow_index_pattern"]
            .as_str()
            .unwrap_or("{{leader_index}}")
            .replace("{{leader_index}}", &leader.name);
        let mut request = body.clone();
        request["leader_index"] = json!(leader.name);
        let request = super::api::Request::new(vec![follower], "", request.to_string().into_bytes().into(), None);
        super::api::follow::put_follow(sim, &request).await.map(drop).map_err(|e| e.to_json())
    } else {
        Err(
            json!({"type": "exception", "reason": format!("index [{}] cannot be followed, because soft deletes are not enabled", leader.name)}),
        )
    };
    let mut state = sim.state().outside_cluster_state();
    let stats = &mut state.auto_follow_stats;
    match outcome {
        Ok(()) => {
            stats.successful_follow_indices += 1;
            stats.recent_errors.remove(&key);
        }
        Err(error) => {
            stats.failed_follow_indices += 1;
            stats.recent_errors.insert(key, (now_millis(), error));
        }
    }
}

/// `auto_follow_stats` as `_ccr/stats` shows it.
pub fn stats_json(state: &super::state::ClusterState) -> Value {
    let stats = &state.auto_follow_stats;
    let errors: Vec<Value> = stats
        .recent_errors
        .iter()
        .map(|(key, (timestamp, error))| json!({"leader_index": key, "timestamp": timestamp, "auto_follow_exception": error}))
        .collect();
    let clusters: Vec<Value> = stats
        .clusters
        .iter()
        .map(|(alias, (checked, version))| {
            json!({"cluster_name": alias, "time_since_last_check_millis": checked.elapsed().as_millis() as u64, "last_seen_metadata_version": version})
        })
        .collect();
    json!({
        "number_of_failed_follow_indices": stats.failed_follow_indices,
        "number_of_failed_remote_cluster_state_requests": stats.failed_remote_cluster_state_requests,
        "number_of_successful_follow_indices": stats.successful_follow_indices,
        "recent_auto_follow_errors": errors,
        "auto_followed_clusters": clusters,
    })
}
