//! The replication engine: a follower index pulls operations from its leader index on the
//! remote cluster, over the simulated transport, a few times a second, as Elasticsearch's
//! shard-follow tasks do. Pausing stops the pulling; resuming picks up where it stopped.
//!
//! One shard per index keeps it simple: sequence numbers are the leader's, a document update
//! is a new operation with a new sequence number, and lag is the distance between the
//! leader's highest sequence number and the highest one applied here.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{Value, json};

use super::Sim;
use super::remote::{self, RemoteConfig};
use super::state::{ClusterState, Doc, now_millis};

const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Generations come from one process-wide counter, so a pulling task left over from an
/// earlier follow of the same name can never match a new one.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A generation no follower has had before.
pub fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
/// Operations per read, like `max_read_request_operation_count`.
const MAX_OPS_PER_READ: usize = 5120;

/// What a follower index knows about its leader and its progress.
#[derive(Debug, Clone)]
pub struct FollowerState {
    pub remote_cluster: String,
    pub leader_index: String,
    pub leader_uuid: String,
    pub active: bool,
    /// The follow parameters given (the rest take Elasticsearch's defaults).
    pub parameters: Value,
    /// The highest leader sequence number applied here (-1 before any).
    pub applied_seq_no: i64,
    /// The leader's highest sequence number, as last seen.
    pub leader_max_seq_no: i64,
    pub operations_read: u64,
    pub bytes_read: u64,
    pub successful_reads: u64,
    pub failed_reads: u64,
    pub last_read_millis: i64,
    /// The last read failure, shown in `read_exceptions` until a read succeeds.
    pub last_error: Option<String>,
    /// Bumped by pause and resume, so a superseded pulling task stops.
    pub generation: u64,
}

impl FollowerState {
    pub fn new(remote_cluster: &str, leader_index: &str, leader_uuid: &str, parameters: Value) -> FollowerState {
        FollowerState {
            remote_cluster: remote_cluster.to_owned(),
            leader_index: leader_index.to_owned(),
            leader_uuid: leader_uuid.to_owned(),
            active: true,
            parameters,
            applied_seq_no: -1,
            leader_max_seq_no: -1,
            operations_read: 0,
            bytes_read: 0,
            successful_reads: 0,
            failed_reads: 0,
            last_read_millis: now_millis(),
            last_error: None,
            generation: next_generation(),
        }
    }

    pub fn lag(&self) -> i64 {
        (self.leader_max_seq_no - self.applied_seq_no).max(0)
    }
}

/// Leader side: an index's identity and settings, for `PUT _ccr/follow`.
pub fn read_index(state: &ClusterState, request: &Value) -> Value {
    let name = request["index"].as_str().unwrap_or_default();
    let Some(index) = state.indices.get(name) else {
        return json!({"error": {"type": "index_not_found_exception", "reason": format!("no such index [{name}]")}});
    };
    let soft_deletes = match index.settings.get("index.soft_deletes.enabled").map(String::as_str) {
        Some("false") => false,
        Some("true") => true,
        _ => state.version() >= crate::es::Version::new(7, 0, 0),
    };
    json!({
        "uuid": index.uuid,
        "settings": index.settings,
        "soft_deletes": soft_deletes,
        "max_seq_no": index.next_seq_no - 1,
        "license": state.license_type.as_str(),
    })
}

/// Leader side: the operations from `from_seq_no` on (the latest version of each document).
pub fn shard_changes(state: &ClusterState, request: &Value) -> Value {
    let name = request["index"].as_str().unwrap_or_default();
    let from = request["from_seq_no"].as_i64().unwrap_or(0);
    let Some(index) = state.indices.get(name) else {
        return json!({"error": {"type": "index_not_found_exception", "reason": format!("no such index [{name}]")}});
    };
    if request["uuid"].as_str().is_some_and(|uuid| uuid != index.uuid) {
        return json!({"error": {"type": "index_not_found_exception", "reason": format!("no such index [{name}] (it was recreated)")}});
    }
    let mut ops: Vec<(&String, &Doc)> = index.docs.iter().filter(|(_, d)| d.seq_no >= from).collect();
    ops.sort_by_key(|(_, d)| d.seq_no);
    ops.truncate(MAX_OPS_PER_READ);
    let ops: Vec<Value> = ops
        .into_iter()
        .map(|(id, d)| json!({"id": id, "seq_no": d.seq_no, "version": d.version, "source": d.source}))
        .collect();
    json!({"ok": {"ops": ops, "max_seq_no": index.next_seq_no - 1}})
}

/// Follower side: asks the leader for the operations after `from`.
pub async fn fetch_changes(config: &RemoteConfig, leader: &str, uuid: &str, from: i64) -> Result<Value, String> {
    let (mut channel, _, _) = remote::connect(config).await.map_err(|e| e.to_string())?;
    let request = json!({"action": "shard_changes", "index": leader, "uuid": uuid, "from_seq_no": from});
    let reply = channel.request(&request).await.map_err(|e| e.to_string())?;
    match reply.get("ok") {
        Some(changes) => Ok(changes.clone()),
        None => Err(reply["error"]["reason"].as_str().unwrap_or("unexpected reply").to_owned()),
    }
}

/// Applies fetched operations to the follower index, if it still follows in `generation`.
pub fn apply_changes(state: &mut ClusterState, follower: &str, generation: u64, changes: &Value) {
    let Some(index) = state.indices.get_mut(follower) else { return };
    if index.state == super::state::IndexState::Closed {
        // A closed follower's shard-follow tasks stop; resuming after reopening catches up.
        return;
    }
    let Some(follow) = index.follower.as_mut().filter(|f| f.generation == generation) else { return };
    let ops = changes["ops"].as_array().cloned().unwrap_or_default();
    follow.leader_max_seq_no = changes["max_seq_no"].as_i64().unwrap_or(follow.leader_max_seq_no);
    follow.successful_reads += 1;
    follow.last_read_millis = now_millis();
    follow.last_error = None;
    for op in &ops {
        let (Some(id), Some(seq_no)) = (op["id"].as_str(), op["seq_no"].as_i64()) else { continue };
        follow.operations_read += 1;
        follow.bytes_read += op["source"].to_string().len() as u64;
        follow.applied_seq_no = follow.applied_seq_no.max(seq_no);
        let doc = Doc { source: op["source"].clone(), version: op["version"].as_u64().unwrap_or(1), seq_no };
        index.docs.insert(id.to_owned(), doc);
    }
    index.next_seq_no = index.next_seq_no.max(follow.applied_seq_no + 1);
}

fn record_failure(state: &mut ClusterState, follower: &str, generation: u64, error: String) {
    if let Some(follow) =
        state.indices.get_mut(follower).and_then(|i| i.follower.as_mut()).filter(|f| f.generation == generation)
    {
        follow.failed_reads += 1;
        follow.last_error = Some(error);
    }
}

/// Starts pulling for `follower` in its current generation.
pub fn start(sim: &Arc<Sim>, follower: &str) {
    let generation = sim.state().indices.get(follower).and_then(|i| i.follower.as_ref()).map(|f| f.generation);
    if let Some(generation) = generation {
        tokio::spawn(pull(Arc::downgrade(sim), follower.to_owned(), generation));
    }
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
                    let config = state.remotes.get(&f.remote_cluster).map(|c| c.config.clone());
                    Some((
                        config,
                        f.leader_index.clone(),
                        f.leader_uuid.clone(),
                        f.applied_seq_no + 1,
                        f.remote_cluster.clone(),
                    ))
                }
                _ => None,
            }
        };
        let Some((config, leader, uuid, from, remote_name)) = task else { return };
        let outcome = match config {
            Some(config) => fetch_changes(&config, &leader, &uuid, from).await,
            None => Err(format!("no such remote cluster: [{remote_name}]")),
        };
        let mut state = live.state();
        match outcome {
            Ok(changes) => apply_changes(&mut state, &follower, generation, &changes),
            Err(error) => record_failure(&mut state, &follower, generation, error),
        }
    }
}
