//! `GET {index}/_stats` (with `level=shards`: each shard's sequence numbers and retention
//! leases) and `POST {leader}/_ccr/forget_follower`, the leader-side view of replication.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::leader::{expire_leases, forget, lease_id};
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::{Index, IndexState, Shard};
use super::Request;
use super::expressions::expand_expression;
use crate::es::Version;

fn docs_of(index: &Index, shard: Option<usize>) -> (usize, usize) {
    let in_scope = |id: &str| shard.is_none_or(|s| index.shard_of(id) == s);
    let count = index.docs.keys().filter(|id| in_scope(id)).count();
    let deleted = index
        .shards
        .iter()
        .enumerate()
        .filter(|(s, _)| shard.is_none_or(|x| x == *s))
        .map(|(_, sh)| sh.tombstones.len())
        .sum();
    (count, deleted)
}

fn metrics(index: &Index, shard: Option<usize>) -> Value {
    let (count, deleted) = docs_of(index, shard);
    let size: usize = index
        .docs
        .iter()
        .filter(|(id, _)| shard.is_none_or(|s| index.shard_of(id) == s))
        .map(|(_, d)| d.source.to_string().len() + 150)
        .sum();
    json!({
        "docs": {"count": count, "deleted": deleted},
        "store": {"size_in_bytes": size, "total_data_set_size_in_bytes": size, "reserved_in_bytes": 0},
        "indexing": {"index_total": count + deleted, "delete_total": deleted, "is_throttled": false},
    })
}

/// Adds the numbers of `part` into `total`, field by field.
fn add(total: &mut Value, part: &Value) {
    match (total, part) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                match t.get_mut(k) {
                    Some(existing) => add(existing, v),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t @ Value::Number(_), Value::Number(p)) => *t = json!(t.as_u64().unwrap_or(0) + p.as_u64().unwrap_or(0)),
        _ => {}
    }
}

fn shard_entry(index: &Index, shard_id: usize, shard: &Shard, node: &str) -> Value {
    let mut stats = metrics(index, Some(shard_id));
    let leases: Vec<Value> = std::iter::once(json!({
        "id": format!("peer_recovery/{node}"),
        "retaining_seq_no": shard.next_seq_no,
        "timestamp": super::super::state::now_millis(),
        "source": "peer recovery",
    }))
    .chain(shard.leases.iter().map(|(id, l)| {
        json!({"id": id, "retaining_seq_no": l.retaining_seq_no, "timestamp": l.timestamp, "source": l.source})
    }))
    .collect();
    stats["routing"] = json!({"state": "STARTED", "primary": true, "node": node, "relocating_node": null});
    stats["seq_no"] = json!({
        "max_seq_no": shard.max_seq_no(),
        "local_checkpoint": shard.max_seq_no(),
        "global_checkpoint": shard.max_seq_no(),
    });
    stats["retention_leases"] = json!({"primary_term": 1, "version": shard.leases_version, "leases": leases});
    stats
}

pub fn index_stats(sim: &Sim, request: &Request) -> SimResult {
    let level = request.query("level").unwrap_or("indices");
    if !matches!(level, "cluster" | "indices" | "shards") {
        return Err(EsException::illegal_argument(format!(
            "level parameter must be one of [cluster] or [indices] or [shards] but was [{level}]"
        )));
    }
    // Expired retention leases are dropped as the stats are read: shard state, not cluster state.
    let mut state = sim.state().outside_cluster_state();
    let expression = request.param(0).unwrap_or("_all").to_owned();
    let names = expand_expression(&state, &expression, false)?;
    let (node, version) = (state.node.id.clone(), state.version());
    let (mut total_shards, mut started) = (0, 0);
    let (mut all_primaries, mut indices) = (json!({}), Map::new());
    for name in &names {
        let index = state.index_mut(name)?;
        if index.state == IndexState::Closed {
            return Err(EsException::index_closed(name, &index.uuid));
        }
        expire_leases(index);
        let index = &*index;
        total_shards += index.shards.len() as u32 * (1 + index.replicas());
        started += index.shards.len() as u32;
        let primaries = metrics(index, None);
        add(&mut all_primaries, &primaries);
        let mut entry = json!({"uuid": index.uuid, "primaries": primaries, "total": primaries});
        if version >= Version::new(8, 1, 0) {
            entry["health"] = json!(if index.replicas() > 0 { "yellow" } else { "green" });
            entry["status"] = json!("open");
        }
        if level == "shards" {
            let shards: Map<String, Value> = index
                .shards
                .iter()
                .enumerate()
                .map(|(id, shard)| (id.to_string(), json!([shard_entry(index, id, shard, &node)])))
                .collect();
            entry["shards"] = Value::Object(shards);
        }
        indices.insert(name.clone(), entry);
    }
    let mut body = json!({
        "_shards": {"total": total_shards, "successful": started, "failed": 0},
        "_all": {"primaries": all_primaries, "total": all_primaries},
    });
    if level != "cluster" {
        body["indices"] = Value::Object(indices);
    }
    Ok(Reply::ok(body))
}

/// `POST {leader}/_ccr/forget_follower`: removes the follower's retention lease from every
/// shard of the leader index; a shard without that lease is a failure of the broadcast.
pub fn forget_follower(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default().to_owned();
    let body = request.json_body()?;
    let field = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let fields = ["follower_cluster", "follower_index", "follower_index_uuid", "leader_remote_cluster"].map(field);
    let [Some(cluster), Some(follower), Some(follower_uuid), Some(remote)] = fields else {
        return Err(EsException::illegal_argument(
            "Required [follower_cluster, follower_index, follower_index_uuid, leader_remote_cluster]",
        ));
    };
    // Retention leases are shard state, not cluster state.
    let mut state = sim.state().outside_cluster_state();
    let index = state.index_mut(&name)?;
    let lease = lease_id(&cluster, &follower, &follower_uuid, &remote, &name, &index.uuid);
    let missing: Vec<usize> =
        index.shards.iter().enumerate().filter(|(_, s)| !s.leases.contains_key(&lease)).map(|(i, _)| i).collect();
    let total = index.shards.len();
    forget(index, &lease);
    let failures: Vec<Value> = missing
        .iter()
        .map(|shard| {
            json!({"shard": shard, "index": name, "status": "NOT_FOUND", "reason": {
                "type": "retention_lease_not_found_exception",
                "reason": format!("retention lease with ID [{lease}] not found"),
            }})
        })
        .collect();
    Ok(Reply::ok(json!({"_shards": {
        "total": total, "successful": total - missing.len(), "failed": missing.len(), "failures": failures,
    }})))
}
