//! The replication engine: each shard of a follower index pulls operations from the same
//! shard of its leader index on the remote cluster, over the simulated transport, a few times
//! a second, as Elasticsearch's shard-follow tasks do. Pausing stops the pulling; resuming
//! starts new tasks (with fresh counters) that pick up where the old ones stopped.
//!
//! Sequence numbers are per shard and the leader's. Deletes travel as operations too (the
//! leader keeps them in its history: soft deletes). Every read renews the shard's retention
//! lease on the leader (see [`super::leader`]).
//!
//! Failures are sorted as `ShardFollowNodeTask.shouldRetry` sorts them: connection problems
//! and a missing remote are retried and shown in `read_exceptions`; anything else (the
//! leader index deleted, history no longer available) is the shard's `fatal_exception` and
//! stops that shard's task.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Sim;
use super::leader::{exception, lease_id};
use super::remote::RemoteLink;
use super::state::{ClusterState, Doc, Tombstone};

const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Generations come from one process-wide counter, so a pulling task left over from an
/// earlier follow of the same name can never match a new one.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A generation no follower has had before.
pub fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
/// Exception types `ShardFollowNodeTask` retries; every other one is fatal.
const RETRYABLE: &[&str] = &[
    "connect_transport_exception",
    "node_closed_exception",
    "no_such_remote_cluster_exception",
    "shard_not_found_exception",
    "cluster_block_exception",
    "index_closed_exception",
    "security_exception",
    "es_rejected_execution_exception",
    "circuit_breaking_exception",
];

/// What a follower index knows about its leader, and one follow task per shard.
#[derive(Debug, Clone)]
pub struct FollowerState {
    pub remote_cluster: String,
    pub leader_index: String,
    pub leader_uuid: String,
    pub active: bool,
    /// The follow parameters given (the rest take Elasticsearch's defaults).
    pub parameters: Value,
    pub shards: Vec<ShardFollow>,
    /// Bumped by pause and resume, so a superseded pulling task stops.
    pub generation: u64,
}

/// One shard-follow task's status: checkpoints and counters, as `ShardFollowNodeTaskStatus`.
#[derive(Debug, Clone)]
pub struct ShardFollow {
    pub leader_global_checkpoint: i64,
    pub leader_max_seq_no: i64,
    /// Every leader operation up to here is applied on this shard.
    pub follower_global_checkpoint: i64,
    pub last_requested_seq_no: i64,
    pub operations_read: u64,
    pub bytes_read: u64,
    pub successful_read_requests: u64,
    pub failed_read_requests: u64,
    pub total_read_time_millis: u64,
    pub successful_write_requests: u64,
    pub total_write_time_millis: u64,
    pub operations_written: u64,
    /// When the last read answered; `None` before the first.
    pub last_read: Option<Instant>,
    /// The failing read: from which sequence number, how many retries, the exception.
    pub read_exception: Option<(i64, u64, Value)>,
    /// The error that stopped this shard's task.
    pub fatal_exception: Option<Value>,
}

impl ShardFollow {
    /// A fresh task starting after `checkpoint` (the counters start at zero).
    pub fn starting_at(checkpoint: i64, leader_max_seq_no: i64) -> ShardFollow {
        ShardFollow {
            leader_global_checkpoint: leader_max_seq_no,
            leader_max_seq_no,
            follower_global_checkpoint: checkpoint,
            last_requested_seq_no: checkpoint,
            operations_read: 0,
            bytes_read: 0,
            successful_read_requests: 0,
            failed_read_requests: 0,
            total_read_time_millis: 0,
            successful_write_requests: 0,
            total_write_time_millis: 0,
            operations_written: 0,
            last_read: None,
            read_exception: None,
            fatal_exception: None,
        }
    }

    /// The checkpoint difference, as `total_global_checkpoint_lag` sums it.
    pub fn lag(&self) -> i64 {
        (self.leader_global_checkpoint - self.follower_global_checkpoint).max(0)
    }
}

impl FollowerState {
    pub fn new(remote_cluster: &str, leader_index: &str, leader_uuid: &str, parameters: Value, shards: usize) -> Self {
        FollowerState {
            remote_cluster: remote_cluster.to_owned(),
            leader_index: leader_index.to_owned(),
            leader_uuid: leader_uuid.to_owned(),
            active: true,
            parameters,
            shards: (0..shards).map(|_| ShardFollow::starting_at(-1, -1)).collect(),
            generation: next_generation(),
        }
    }

    pub fn lag(&self) -> i64 {
        self.shards.iter().map(ShardFollow::lag).sum()
    }

    /// New tasks after a resume: same checkpoints, counters and errors reset.
    pub fn restart_tasks(&mut self) {
        for shard in &mut self.shards {
            *shard = ShardFollow::starting_at(shard.follower_global_checkpoint, shard.leader_max_seq_no);
        }
    }
}

/// What a follow task sends with each read: where, from which sequence number, which lease.
#[derive(Debug, Clone)]
pub struct ReadTarget {
    pub leader: String,
    pub uuid: String,
    pub lease_id: String,
    /// The initial copy: every live document, whatever history the leader still keeps.
    pub restore: bool,
    /// `max_read_request_operation_count`, when the follow request set it.
    pub max_operations: Option<u64>,
}

/// Follower side: one read per shard, over the connection the cluster holds to the remote
/// (see [`RemoteLink`]); each result is the leader's answer or the exception (as JSON)
/// the read failed with. A read that cannot reach the remote ends the round: the shards after
/// it get the same exception rather than a connection attempt each.
pub async fn fetch_round(
    link: &mut RemoteLink,
    target: &ReadTarget,
    froms: &[Option<i64>],
) -> Vec<Option<Result<Value, Value>>> {
    let mut unreachable = None;
    let mut results = Vec::with_capacity(froms.len());
    for (shard, from) in froms.iter().enumerate() {
        let Some(from) = from else {
            results.push(None);
            continue;
        };
        if let Some(error) = &unreachable {
            results.push(Some(Err(Value::clone(error))));
            continue;
        }
        let request = json!({"action": "shard_changes", "index": target.leader, "uuid": target.uuid,
            "shard": shard, "from_seq_no": from, "lease_id": target.lease_id, "restore": target.restore,
            "max_operation_count": target.max_operations});
        let result = match link.request(&request).await {
            Ok(reply) => match reply.get("ok") {
                Some(changes) => Ok(changes.clone()),
                None => Err(reply.get("error").cloned().unwrap_or_else(|| exception("exception", "unexpected reply"))),
            },
            Err(e) => {
                let error = exception("connect_transport_exception", e.to_string());
                unreachable = Some(error.clone());
                Err(error)
            }
        };
        results.push(Some(result));
    }
    results
}

/// Applies one shard's fetched operations to the follower index, if it still follows in
/// `generation`. `counted` is false for the initial copy, which Elasticsearch makes by a
/// restore and does not count in the follow stats.
pub fn apply_changes(
    state: &mut ClusterState,
    follower: &str,
    generation: u64,
    shard_id: usize,
    changes: &Value,
    read: Duration,
    counted: bool,
) {
    let Some(index) = state.indices.get_mut(follower) else { return };
    if index.state == super::state::IndexState::Closed {
        // A closed follower's shard-follow tasks stop; resuming after reopening catches up.
        return;
    }
    let Some(follow) = index.follower.as_mut().filter(|f| f.generation == generation) else { return };
    let Some(task) = follow.shards.get_mut(shard_id) else { return };
    let ops = changes["ops"].as_array().cloned().unwrap_or_default();
    task.leader_max_seq_no = changes["max_seq_no"].as_i64().unwrap_or(task.leader_max_seq_no);
    task.leader_global_checkpoint = changes["global_checkpoint"].as_i64().unwrap_or(task.leader_global_checkpoint);
    let started = Instant::now();
    let mut bytes = 0;
    for op in &ops {
        let (Some(id), Some(seq_no)) = (op["id"].as_str(), op["seq_no"].as_i64()) else { continue };
        let version = op["version"].as_u64().unwrap_or(1);
        let shard = &mut index.shards[shard_id];
        shard.next_seq_no = shard.next_seq_no.max(seq_no + 1);
        if op["op"] == "delete" {
            index.docs.remove(id);
            shard.tombstones.insert(id.to_owned(), Tombstone { seq_no, version });
            bytes += id.len() as u64 + 50;
        } else {
            shard.tombstones.remove(id);
            bytes += op["source"].to_string().len() as u64 + id.len() as u64;
            index.docs.insert(id.to_owned(), Doc { source: op["source"].clone(), version, seq_no });
        }
    }
    if changes["indexing_complete"] == true {
        index.settings.insert("index.lifecycle.indexing_complete".into(), "true".into());
    }
    let covered = changes["covered_seq_no"].as_i64().unwrap_or(-1);
    task.follower_global_checkpoint = task.follower_global_checkpoint.max(covered);
    task.last_requested_seq_no = task.last_requested_seq_no.max(covered);
    if !counted {
        return;
    }
    task.successful_read_requests += 1;
    task.total_read_time_millis += read.as_millis() as u64;
    task.last_read = Some(Instant::now());
    task.read_exception = None;
    if !ops.is_empty() {
        task.operations_read += ops.len() as u64;
        task.bytes_read += bytes;
        task.successful_write_requests += 1;
        task.operations_written += ops.len() as u64;
        task.total_write_time_millis += started.elapsed().as_millis() as u64;
    }
}

fn record_failure(state: &mut ClusterState, follower: &str, generation: u64, shard_id: usize, from: i64, error: Value) {
    let task = state
        .indices
        .get_mut(follower)
        .and_then(|i| i.follower.as_mut())
        .filter(|f| f.generation == generation)
        .and_then(|f| f.shards.get_mut(shard_id));
    let Some(task) = task else { return };
    task.failed_read_requests += 1;
    let retryable = error["type"].as_str().is_some_and(|t| RETRYABLE.contains(&t));
    if retryable {
        let retries = task.read_exception.as_ref().filter(|(f, _, _)| *f == from).map_or(0, |(_, r, _)| r + 1);
        task.read_exception = Some((from, retries, error));
    } else {
        task.read_exception = None;
        task.fatal_exception = Some(error);
    }
}

/// Starts pulling for `follower` in its current generation.
pub fn start(sim: &Arc<Sim>, follower: &str) {
    let generation = sim.state().indices.get(follower).and_then(|i| i.follower.as_ref()).map(|f| f.generation);
    if let Some(generation) = generation {
        tokio::spawn(pull(Arc::downgrade(sim), follower.to_owned(), generation));
    }
}

/// The read target of a follower index, with its lease id.
pub fn target(state: &ClusterState, follower: &str) -> Option<ReadTarget> {
    let index = state.indices.get(follower)?;
    let f = index.follower.as_ref()?;
    let lease_id =
        lease_id(&state.config.cluster_name, follower, &index.uuid, &f.remote_cluster, &f.leader_index, &f.leader_uuid);
    let max_operations = f.parameters["max_read_request_operation_count"].as_u64();
    Some(ReadTarget {
        leader: f.leader_index.clone(),
        uuid: f.leader_uuid.clone(),
        lease_id,
        restore: false,
        max_operations,
    })
}

async fn pull(sim: Weak<Sim>, follower: String, generation: u64) {
    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        let Some(live) = sim.upgrade() else { return };
        let task = {
            let state = live.state();
            let follow = state.indices.get(&follower).and_then(|i| i.follower.as_ref());
            match follow {
                Some(f) if f.active && f.generation == generation => {
                    let link = state.remotes.get(&f.remote_cluster).map(RemoteLink::new);
                    // A shard stopped by a fatal exception reads no more.
                    let froms: Vec<Option<i64>> = f
                        .shards
                        .iter()
                        .map(|s| s.fatal_exception.is_none().then_some(s.follower_global_checkpoint + 1))
                        .collect();
                    target(&state, &follower).map(|t| (link, t, froms, f.remote_cluster.clone()))
                }
                _ => None,
            }
        };
        let Some((link, target, froms, remote_name)) = task else { return };
        let started = Instant::now();
        let results = match link {
            Some(mut link) => fetch_round(&mut link, &target, &froms).await,
            None => {
                let error =
                    exception("no_such_remote_cluster_exception", format!("no such remote cluster: [{remote_name}]"));
                froms.iter().map(|f| f.map(|_| Err(error.clone()))).collect()
            }
        };
        let read = started.elapsed();
        // A shard's progress is not part of the cluster state; the leader's
        // `indexing_complete` copied to the follower's settings is, the first time.
        let completes = results.iter().flatten().flatten().any(|changes| changes["indexing_complete"] == true);
        let mut state = live.state().outside_cluster_state();
        let copied = |state: &ClusterState| {
            let settings = state.indices.get(&follower).map(|index| &index.settings);
            settings.is_some_and(|s| s.get("index.lifecycle.indexing_complete").is_some_and(|v| v == "true"))
        };
        if completes && !copied(&state) {
            drop(state);
            state = live.state();
        }
        for (shard, (result, from)) in results.into_iter().zip(&froms).enumerate() {
            match result {
                Some(Ok(changes)) => apply_changes(&mut state, &follower, generation, shard, &changes, read, true),
                Some(Err(error)) => record_failure(&mut state, &follower, generation, shard, from.unwrap_or(0), error),
                None => {}
            }
        }
    }
}
