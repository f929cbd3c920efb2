//! Shard allocation as the doctor's D14 reads it: `_cluster/health?level=indices`,
//! `_cluster/allocation/explain` and `_cluster/reroute?retry_failed=true`.
//!
//! The simulator places every primary on the node that answers and leaves replicas unassigned
//! (one node cannot hold two copies of a shard), as a single-node Elasticsearch does. The one
//! allocation fault it models is the common one on call: a primary whose allocation failed
//! five times in a row (a failed recovery, a full disk that has since been freed) and that
//! Elasticsearch will not retry until someone calls `POST _cluster/reroute?retry_failed=true`
//! (`MaxRetryAllocationDecider`). Shapes follow `ClusterIndexHealth` and
//! `ClusterAllocationExplanation`.

use serde_json::{Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::{ClusterState, Index, IndexState, Node, now_millis};
use super::Request;

/// Elasticsearch's default `index.allocation.max_retries`.
const MAX_RETRIES: u32 = 5;

/// One index's entry of `_cluster/health?level=indices`.
pub fn index_health(index: &Index) -> Value {
    let shards = index.shards();
    let failed = index.failed_primaries.len() as u32;
    let active_primaries = if index.state == IndexState::Closed { shards } else { shards - failed };
    let unassigned = shards * index.replicas() + failed;
    let status = if failed > 0 {
        "red"
    } else if unassigned > 0 {
        "yellow"
    } else {
        "green"
    };
    json!({
        "status": status,
        "number_of_shards": shards,
        "number_of_replicas": index.replicas(),
        "active_primary_shards": active_primaries,
        "active_shards": active_primaries,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": unassigned,
    })
}

/// Marks a primary of an index as failed past its retries (the D14 fault).
pub fn fail_primary(state: &mut ClusterState, index: &str, shard: usize) -> Result<(), EsException> {
    let index = state.index_mut(index)?;
    if shard >= index.shards.len() {
        return Err(EsException::illegal_argument(format!("shard [{shard}] does not exist")));
    }
    index.failed_primaries.insert(shard);
    Ok(())
}

fn node_json(node: &Node) -> Value {
    json!({"id": node.id, "name": node.name, "transport_address": node.transport_address.to_string(), "weight_ranking": 1})
}

fn unassigned_info(reason: &str, attempts: Option<u32>, status: &str) -> Value {
    let at = super::cluster::iso_date(now_millis());
    let mut info = json!({"reason": reason, "at": at, "last_allocation_status": status});
    if let Some(attempts) = attempts {
        info["failed_allocation_attempts"] = json!(attempts);
        info["details"] =
            json!("failed shard on node: failed recovery, failure RecoveryFailedException[recovery failed]");
    }
    info
}

/// `GET|POST _cluster/allocation/explain` with `{"index", "shard", "primary"}`.
pub fn explain(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let body = request.optional_body()?.unwrap_or(Value::Null);
    let Some(name) = body["index"].as_str() else {
        // Without a shard named, Elasticsearch explains any unassigned shard it finds.
        let first = state.indices.iter().find_map(|(n, i)| i.failed_primaries.iter().next().map(|s| (n.clone(), *s)));
        return match first {
            Some((name, shard)) => Ok(Reply::ok(explanation(&state, &name, shard, true)?)),
            None => Err(EsException::illegal_argument(
                "unable to find any unassigned shards to explain [ClusterAllocationExplainRequest[useAnyUnassignedShard=true,includeYesDecisions?=false]",
            )),
        };
    };
    let shard = body["shard"].as_u64().unwrap_or(0) as usize;
    let primary = body["primary"].as_bool().unwrap_or(false);
    Ok(Reply::ok(explanation(&state, name, shard, primary)?))
}

fn explanation(state: &ClusterState, name: &str, shard: usize, primary: bool) -> Result<Value, EsException> {
    let index = state.index(name)?;
    if shard >= index.shards.len() {
        return Err(EsException::illegal_argument(format!("shard [{shard}] does not exist in index [{name}]")));
    }
    let node = &state.node;
    let base = json!({"index": name, "shard": shard, "primary": primary});
    let mut out = base;
    if primary && index.failed_primaries.contains(&shard) {
        let info = unassigned_info("ALLOCATION_FAILED", Some(MAX_RETRIES), "no");
        let decider = format!(
            "shard has exceeded the maximum number of retries [{MAX_RETRIES}] on failed allocation attempts - manually call [POST /_cluster/reroute?retry_failed] to retry, [unassigned_info[[reason=ALLOCATION_FAILED], at[{}], failed_attempts[{MAX_RETRIES}], failed_nodes[[{}]], delayed=false, details[failed shard on node [{}]: failed recovery], allocation_status[deciders_no]]]",
            info["at"].as_str().unwrap_or_default(),
            node.id,
            node.id
        );
        out["current_state"] = json!("unassigned");
        out["unassigned_info"] = info;
        out["can_allocate"] = json!("no");
        out["allocate_explanation"] = json!(
            "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there."
        );
        out["node_allocation_decisions"] = json!([{
            "node_id": node.id,
            "node_name": node.name,
            "transport_address": node.transport_address.to_string(),
            "node_attributes": {},
            "roles": node.roles,
            "node_decision": "no",
            "store": {"matching_size_in_bytes": 0},
            "deciders": [{"decider": "max_retry", "decision": "NO", "explanation": decider}],
        }]);
    } else if !primary && index.replicas() > 0 && state.other_nodes.is_empty() {
        out["current_state"] = json!("unassigned");
        out["unassigned_info"] = unassigned_info("INDEX_CREATED", None, "no_attempt");
        out["can_allocate"] = json!("no");
        out["allocate_explanation"] = json!(
            "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there."
        );
        out["node_allocation_decisions"] = json!([{
            "node_id": node.id,
            "node_name": node.name,
            "transport_address": node.transport_address.to_string(),
            "node_attributes": {},
            "roles": node.roles,
            "node_decision": "no",
            "deciders": [{
                "decider": "same_shard",
                "decision": "NO",
                "explanation": format!("a copy of this shard is already allocated to this node [[{name}][{shard}], node[{}], [P], s[STARTED], a[id=sim]]", node.id),
            }],
        }]);
    } else {
        out["current_state"] = json!("started");
        out["current_node"] = node_json(node);
        out["can_remain_on_current_node"] = json!("yes");
        out["can_rebalance_cluster"] = json!("yes");
        out["can_rebalance_to_other_node"] = json!("no");
        out["rebalance_explanation"] = json!(
            "Elasticsearch cannot rebalance this shard to another node since there is no node to which allocation is permitted which would improve the cluster balance. If you expect this shard to be rebalanced to another node, find this node in the node-by-node explanation and address the reasons which prevent Elasticsearch from rebalancing this shard there."
        );
    }
    Ok(out)
}

/// `POST _cluster/reroute`: with `retry_failed`, primaries that failed past their retries are
/// allocated again (and, in the simulator, the retry succeeds).
pub fn reroute(sim: &Sim, request: &Request) -> SimResult {
    let mut state = sim.state();
    if request.flag("retry_failed") && !request.flag("dry_run") {
        for index in state.indices.values_mut() {
            index.failed_primaries.clear();
        }
    }
    Ok(Reply::ok(json!({"acknowledged": true, "state": {"cluster_uuid": state.cluster_uuid}})))
}
