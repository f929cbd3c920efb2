//! The leader side of replication: what a following cluster asks over the transport (the
//! leader index's identity, a shard's operations), the retention leases each following shard
//! holds on its leader shard, and their expiry, after which the shard's history is gone.

use serde_json::{Value, json};

use super::state::{ClusterState, Index, RetentionLease, now_millis};

/// Operations per read, like `max_read_request_operation_count`.
const MAX_OPS_PER_READ: usize = 5120;

/// The id of the lease a following shard holds on its leader shard (`CcrRetentionLeases`).
pub fn lease_id(
    follower_cluster: &str,
    follower: &str,
    follower_uuid: &str,
    remote: &str,
    leader: &str,
    leader_uuid: &str,
) -> String {
    format!("{follower_cluster}/{follower}/{follower_uuid}-following-{remote}/{leader}/{leader_uuid}")
}

pub fn exception(error_type: &str, reason: impl Into<String>) -> Value {
    json!({"type": error_type, "reason": reason.into()})
}

fn index_not_found(name: &str) -> Value {
    json!({"type": "index_not_found_exception", "reason": format!("no such index [{name}]"),
        "index_uuid": "_na_", "index": name, "resource.type": "index_or_alias", "resource.id": name})
}

/// Leader side: an index's identity and settings, for `PUT _ccr/follow`.
pub fn read_index(state: &ClusterState, request: &Value) -> Value {
    let name = request["index"].as_str().unwrap_or_default();
    let Some(index) = state.indices.get(name) else {
        return json!({"error": index_not_found(name)});
    };
    let soft_deletes = match index.settings.get("index.soft_deletes.enabled").map(String::as_str) {
        Some("false") => false,
        Some("true") => true,
        _ => state.version() >= crate::es::Version::new(7, 0, 0),
    };
    json!({
        "uuid": index.uuid,
        "settings": index.settings,
        "mappings": index.mappings,
        "soft_deletes": soft_deletes,
        "shards": index.shards.len(),
        "license": state.license_type.as_str(),
        "license_active": state.license_active(),
        "version": state.version().to_string(),
        "closed": index.state == super::state::IndexState::Closed,
        "physical_replication": physical_replication_refusal(name, index),
    })
}

/// Why an index of a physical-replication cluster cannot lead a follower, while it still has
/// `index.replication.type`: its shards copy segments and keep no operation history to read.
pub fn physical_replication_refusal(name: &str, index: &Index) -> Option<String> {
    let setting = crate::sim::api::indices::PHYSICAL_REPLICATION;
    index.settings.get(setting).map(|value| {
        format!(
            "leader index [{name}] has [{setting}] set to [{value}] and cannot be followed: cross-cluster replication reads the operation history, which physical replication does not keep; close the index, set [{setting}] to null and open it again"
        )
    })
}

/// Leader side: drops the leases of `index` nobody renewed in time. Once a shard has no lease
/// left covering its history, the history is gone (merged away).
pub fn expire_leases(index: &mut Index) {
    let (now, period) = (now_millis(), index.lease_period_millis());
    for shard in &mut index.shards {
        let before = shard.leases.len();
        shard.leases.retain(|_, lease| now - lease.timestamp <= period);
        if shard.leases.len() != before {
            shard.leases_version += 1;
            let floor = shard.leases.values().map(|l| l.retaining_seq_no).min().unwrap_or(shard.next_seq_no);
            shard.min_retained_seq_no = shard.min_retained_seq_no.max(floor);
        }
    }
}

/// Leader side: the operations of one shard from `from_seq_no` on (the latest operation of
/// each document), renewing the reading follower's retention lease; with `restore`, every
/// live document of the shard (a new follower's initial copy).
pub fn shard_changes(state: &mut ClusterState, request: &Value) -> Value {
    let name = request["index"].as_str().unwrap_or_default();
    let from = request["from_seq_no"].as_i64().unwrap_or(0);
    let Some(index) = state.indices.get_mut(name) else {
        return json!({"error": index_not_found(name)});
    };
    if request["uuid"].as_str().is_some_and(|uuid| uuid != index.uuid) {
        // Recreated under the same name: not the index that was followed.
        return json!({"error": index_not_found(name)});
    }
    // What stops a read before it reaches the shard, each retried by the follower except
    // physical replication, which no retry fixes.
    if index.state == super::state::IndexState::Closed {
        // The shard-level read meets the index's closed block (`IndexFollowingIT.testCloseLeaderIndex`).
        let reason = format!("index [{name}] blocked by: [FORBIDDEN/4/index closed];");
        return json!({"error": exception("cluster_block_exception", reason)});
    }
    if index.settings.get("index.blocks.read").is_some_and(|v| v == "true") {
        let reason = format!("index [{name}] blocked by: [FORBIDDEN/7/index read (api)];");
        return json!({"error": exception("cluster_block_exception", reason)});
    }
    if let Some(reason) = physical_replication_refusal(name, index) {
        return json!({"error": exception("illegal_argument_exception", reason)});
    }
    expire_leases(index);
    let shard_id = request["shard"].as_u64().unwrap_or(0) as usize;
    let Some(shard) = index.shards.get(shard_id) else {
        return json!({"error": exception("shard_not_found_exception", format!("no such shard [{name}][{shard_id}]"))});
    };
    let max_seq_no = shard.max_seq_no();
    // The initial copy of a new follower is a restore of the shard's files in Elasticsearch:
    // it needs no operation history, only the live documents.
    let restore = request["restore"] == true;
    if !restore && from < shard.min_retained_seq_no && from <= max_seq_no {
        let leases: Vec<String> = shard
            .leases
            .iter()
            .map(|(id, l)| {
                format!(
                    "RetentionLease{{id='{id}', retainingSequenceNumber={}, timestamp={}, source='{}'}}",
                    l.retaining_seq_no, l.timestamp, l.source
                )
            })
            .collect();
        let mut error = exception(
            "resource_not_found_exception",
            format!(
                "Operations are no longer available for replicating. Existing retention leases [{}]; maybe increase the retention lease period setting [index.soft_deletes.retention_lease.period]?",
                leases.join(", ")
            ),
        );
        error["requested_operations_missing"] = json!([from.to_string(), max_seq_no.to_string()]);
        return json!({"error": error});
    }
    if let Some(lease) = request["lease_id"].as_str() {
        let retaining_seq_no = if restore { max_seq_no + 1 } else { from };
        let renewed = RetentionLease { retaining_seq_no, timestamp: now_millis(), source: "ccr".into() };
        let shard = &mut index.shards[shard_id];
        shard.leases.insert(lease.to_owned(), renewed);
        shard.leases_version += 1;
    }
    let in_shard = |id: &str| index.shard_of(id) == shard_id;
    let shard = &index.shards[shard_id];
    let mut ops: Vec<Value> = index
        .docs
        .iter()
        .filter(|(id, d)| d.seq_no >= from && in_shard(id))
        .map(|(id, d)| json!({"op": "index", "id": id, "seq_no": d.seq_no, "version": d.version, "source": d.source}))
        .chain(
            shard
                .tombstones
                .iter()
                .filter(|(_, t)| !restore && t.seq_no >= from)
                .map(|(id, t)| json!({"op": "delete", "id": id, "seq_no": t.seq_no, "version": t.version})),
        )
        .collect();
    ops.sort_by_key(|op| op["seq_no"].as_i64());
    // `max_operation_count` of the shard-changes request (the follower's
    // `max_read_request_operation_count`) caps a read; a restore copies everything at once.
    let limit =
        request["max_operation_count"].as_u64().map_or(MAX_OPS_PER_READ, |m| (m as usize).clamp(1, MAX_OPS_PER_READ));
    let limit = if restore { MAX_OPS_PER_READ } else { limit };
    let truncated = !restore && ops.len() > limit;
    ops.truncate(limit);
    // Operations overwritten since are no-ops for the follower: a complete answer covers
    // everything up to the leader's max sequence number.
    let covered =
        if truncated { ops.last().and_then(|op| op["seq_no"].as_i64()).unwrap_or(from - 1) } else { max_seq_no };
    // The one leader setting the follower's lifecycle waits for (Elasticsearch replicates the
    // leader's settings to its followers).
    let indexing_complete = index.settings.get("index.lifecycle.indexing_complete").is_some_and(|v| v == "true");
    json!({"ok": {"ops": ops, "max_seq_no": max_seq_no, "global_checkpoint": max_seq_no, "covered_seq_no": covered,
        "indexing_complete": indexing_complete}})
}

/// Leader side: `forget_follower` removes the lease a follower holds on every shard.
pub fn forget(index: &mut Index, lease: &str) -> usize {
    let mut removed = 0;
    for shard in &mut index.shards {
        if shard.leases.remove(lease).is_some() {
            shard.leases_version += 1;
            removed += 1;
        }
    }
    removed
}

/// Leader side: the indices as the auto-follow coordinator reads the remote cluster state.
pub fn list_indices(state: &ClusterState) -> Value {
    let indices: Vec<Value> = state
        .indices
        .iter()
        .map(|(name, index)| {
            let soft_deletes = match index.settings.get("index.soft_deletes.enabled").map(String::as_str) {
                Some("false") => false,
                Some("true") => true,
                _ => state.version() >= crate::es::Version::new(7, 0, 0),
            };
            json!({"name": name, "uuid": index.uuid, "soft_deletes": soft_deletes})
        })
        .collect();
    json!({"ok": {"metadata_version": state.metadata_version, "indices": indices}})
}
