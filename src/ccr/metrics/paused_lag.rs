//! The lag of paused followers. Elasticsearch keeps no follow stats for a paused follower, so
//! the lag comes from the shard-level index stats of both sides: per shard, the leader's global
//! checkpoint minus the follower's, summed. That needs the leader's endpoint: a paused follower
//! whose remote is not a configured cluster gets no lag at all (absent, not a false 0).
//!
//! The indices are named in the path, many per call (a URL stays under Elasticsearch's 4 KB
//! line limit): a few calls even for thousands of paused followers.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{FollowerReading, Status};
use crate::ccr::leaders::KnownLeader;
use crate::es::{EsClient, routes};

const SHARDS_FILTER: &str = "indices.*.shards.*.routing.primary,indices.*.shards.*.seq_no.global_checkpoint";

/// Room left for index names in one request's path.
const NAMES_PER_CALL_BYTES: usize = 3000;

/// Each index's primary shards' global checkpoints, by shard number.
pub type Checkpoints = BTreeMap<String, BTreeMap<u32, i64>>;

/// Reads `GET {indices}/_stats?level=shards` (trimmed): the primary copy's global checkpoint
/// of every shard.
pub fn checkpoints(stats: &Value) -> Checkpoints {
    let mut out = Checkpoints::new();
    let Some(indices) = stats["indices"].as_object() else { return out };
    for (index, entry) in indices {
        let Some(shards) = entry["shards"].as_object() else { continue };
        let mut by_shard = BTreeMap::new();
        for (number, copies) in shards {
            let Ok(number) = number.parse::<u32>() else { continue };
            let primary =
                copies.as_array().into_iter().flatten().find(|c| c["routing"]["primary"] == Value::Bool(true));
            // Without routing (an older answer trimmed differently), any copy will do.
            let copy = primary.or_else(|| copies.as_array().and_then(|c| c.first()));
            if let Some(gcp) = copy.and_then(|c| c["seq_no"]["global_checkpoint"].as_i64()) {
                by_shard.insert(number, gcp);
            }
        }
        out.insert(index.clone(), by_shard);
    }
    out
}

/// Leader minus follower, summed over shards; `None` unless both sides name the same shards.
pub fn lag(leader: &BTreeMap<u32, i64>, follower: &BTreeMap<u32, i64>) -> Option<i64> {
    if leader.is_empty() || leader.len() != follower.len() || leader.keys().ne(follower.keys()) {
        return None;
    }
    Some(leader.iter().map(|(shard, l)| (l - follower[shard]).max(0)).sum())
}

/// The names in groups that fit one request path each.
fn chunks(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        match out.last_mut() {
            Some(last) if last.len() + name.len() < NAMES_PER_CALL_BYTES => {
                last.push(',');
                last.push_str(name);
            }
            _ => out.push(name.clone()),
        }
    }
    out
}

/// The checkpoints of `names`, read in as few calls as fit; a failed call leaves its indices out.
async fn read(client: &EsClient, names: &[String]) -> Checkpoints {
    let calls = chunks(names).into_iter().map(|list| async move {
        client
            .read_filtered(&routes::INDEX_STATS, &[&list], &[("level", "shards")], SHARDS_FILTER, None)
            .await
            .map(|stats| checkpoints(&stats))
            .unwrap_or_default()
    });
    futures_util::future::join_all(calls).await.into_iter().flatten().collect()
}

/// Sets the lag of the paused followers whose leader is known.
pub async fn fill(local: &EsClient, known: &[KnownLeader], followers: &mut [FollowerReading]) {
    let wanted: Vec<(usize, &KnownLeader)> = followers
        .iter()
        .enumerate()
        .filter(|(_, f)| f.status == Status::Paused)
        .filter_map(|(i, f)| known.iter().find(|k| k.remote == f.remote_cluster).map(|k| (i, k)))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let follower_names: Vec<String> = wanted.iter().map(|(i, _)| followers[*i].follower_index.clone()).collect();
    // The leader indices, grouped by the configured cluster that holds them.
    let mut per_leader: BTreeMap<&str, (&EsClient, Vec<String>)> = BTreeMap::new();
    for (i, known) in &wanted {
        let entry = per_leader.entry(known.cluster.as_str()).or_insert_with(|| (&known.client, Vec::new()));
        if !entry.1.contains(&followers[*i].leader_index) {
            entry.1.push(followers[*i].leader_index.clone());
        }
    }
    let leader_reads = per_leader
        .into_iter()
        .map(|(cluster, (client, names))| async move { (cluster.to_owned(), read(client, &names).await) });
    let (local_checkpoints, leader_checkpoints) =
        tokio::join!(read(local, &follower_names), futures_util::future::join_all(leader_reads));
    let leader_checkpoints: BTreeMap<String, Checkpoints> = leader_checkpoints.into_iter().collect();
    for (i, known) in wanted {
        let follower = &mut followers[i];
        let leader = leader_checkpoints.get(&known.cluster).and_then(|c| c.get(&follower.leader_index));
        let own = local_checkpoints.get(&follower.follower_index);
        follower.lag = leader.zip(own).and_then(|(l, f)| lag(l, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lag_is_leader_minus_follower_over_primary_shards() {
        let stats = json!({"indices": {"copy": {"shards": {
            "0": [{"routing": {"primary": false}, "seq_no": {"global_checkpoint": 1}},
                  {"routing": {"primary": true}, "seq_no": {"global_checkpoint": 4}}],
            "1": [{"routing": {"primary": true}, "seq_no": {"global_checkpoint": 9}}]
        }}}});
        let follower = &checkpoints(&stats)["copy"];
        assert_eq!(follower, &BTreeMap::from([(0, 4), (1, 9)]));
        let leader = BTreeMap::from([(0, 7), (1, 9)]);
        assert_eq!(lag(&leader, follower), Some(3));
        assert_eq!(lag(&BTreeMap::from([(0, 7)]), follower), None, "shards differ: unknown, not 0");
        assert_eq!(lag(&BTreeMap::new(), &BTreeMap::new()), None);
    }

    #[test]
    fn names_are_grouped_under_the_path_limit() {
        let names: Vec<String> = (0..1000).map(|i| format!("follower-index-{i:05}")).collect();
        let groups = chunks(&names);
        assert!(groups.len() > 1 && groups.len() < 15, "{}", groups.len());
        assert!(groups.iter().all(|g| g.len() <= NAMES_PER_CALL_BYTES));
        assert_eq!(groups.iter().map(|g| g.split(',').count()).sum::<usize>(), 1000);
    }
}
