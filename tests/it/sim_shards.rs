//! The simulator's replication as a real cluster shows it: indices with their shard count,
//! one follow task per shard with true counters, retention leases on the leader (in
//! `_stats?level=shards`, removed by `forget_follower`, expiring when not renewed), and the
//! read or fatal exceptions Elasticsearch reports when the leader goes away.

use std::time::Duration;

use ccr_panel::ccr::{followers, remote_clusters};
use ccr_panel::es::{ClusterSettingsUpdate, EsClient, FollowParameters};
use ccr_panel::sim::{LicenseKind, SimConfig, SimServer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_docs::raw;

/// A leader holding `orders` (with `settings`) and a local cluster connected to it.
async fn pair_with(settings: Value) -> (SimServer, SimServer, EsClient, EsClient) {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let (leader_client, local_client) = (client(&leader), client(&local));
    leader_client.create_index("orders", &json!({ "settings": settings })).await.unwrap();
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!(leader.transport_address.to_string()));
    local_client.put_cluster_settings(&update).await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), || async {
            local_client.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
        })
        .await,
        "a seed given as a string connects too"
    );
    (leader, local, leader_client, local_client)
}

async fn stats(local: &SimServer, index: &str) -> Value {
    raw(&local.url(), Method::GET, &format!("/{index}/_ccr/stats"), None).await.1["indices"][0].clone()
}

async fn follow(local: &EsClient) {
    followers::follow(local, "orders-copy", "leader", "orders", FollowParameters::default()).await.unwrap();
}

#[tokio::test]
async fn settings_keep_the_form_they_were_given_and_the_panel_reads_both() {
    let (_leader, local, _, local_client) = pair_with(json!({})).await;
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.other.seeds".into(), json!(["127.0.0.1:1", "127.0.0.1:2"]));
    local_client.put_cluster_settings(&update).await.unwrap();
    let (_, settings) = raw(&local.url(), Method::GET, "/_cluster/settings?flat_settings=true", None).await;
    assert_eq!(settings["persistent"]["cluster.remote.leader.seeds"], json!(_leader.transport_address.to_string()));
    assert_eq!(settings["persistent"]["cluster.remote.other.seeds"], json!(["127.0.0.1:1", "127.0.0.1:2"]));
    let (_, info) = raw(&local.url(), Method::GET, "/_remote/info", None).await;
    assert_eq!(info["leader"]["seeds"], json!([_leader.transport_address.to_string()]), "_remote/info lists");

    let remotes = remote_clusters::list(&local_client).await.unwrap();
    let leader = remotes.iter().find(|r| r.name == "leader").unwrap();
    assert_eq!(leader.mode.addresses(), [_leader.transport_address.to_string()]);
    assert_eq!(leader.configured("seeds"), Some(_leader.transport_address.to_string().as_str()));
}

#[tokio::test]
async fn follow_stats_are_counters_that_start_at_zero() {
    let (_leader, local, leader_client, local_client) = pair_with(json!({"index.number_of_replicas": 0})).await;
    leader_client.index_doc("orders", Some("a"), &json!({"n": 1})).await.unwrap();
    follow(&local_client).await;
    let first = stats(&local, "orders-copy").await;
    let shard = &first["shards"][0];
    assert_eq!(shard["operations_read"], 0, "the initial copy is a restore, not reads: {shard}");
    assert_eq!(shard["successful_write_requests"], 0);
    assert_eq!(shard["total_write_time_millis"], 0, "no write time before the first write");
    assert_eq!(shard["follower_global_checkpoint"], 0);
    assert_eq!(first["total_global_checkpoint_lag"], 0);

    leader_client.index_doc("orders", Some("b"), &json!({"n": 2})).await.unwrap();
    leader_client.index_doc("orders", Some("c"), &json!({"n": 3})).await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), || async {
            stats(&local, "orders-copy").await["shards"][0]["operations_written"] == 2
        })
        .await
    );
    let shard = stats(&local, "orders-copy").await["shards"][0].clone();
    assert_eq!(shard["operations_read"], 2);
    assert_eq!(
        (shard["leader_global_checkpoint"].as_i64(), shard["follower_global_checkpoint"].as_i64()),
        (Some(2), Some(2))
    );
    assert!(shard["successful_read_requests"].as_u64().unwrap() >= 1);
    assert!(shard["time_since_last_read_millis"].as_i64().unwrap() >= 0);
    let recorded = fixture_json("es-examples/follow_stats.json");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<std::collections::BTreeSet<_>>();
    assert_eq!(keys(&shard), keys(&recorded["indices"][0]["shards"][0]), "the recorded field set");
}

#[tokio::test]
async fn indices_have_their_shards_and_followers_the_leaders() {
    let (_leader, local, leader_client, local_client) =
        pair_with(json!({"index.number_of_shards": 3, "index.number_of_replicas": 0})).await;
    for i in 0..30 {
        leader_client.index_doc("orders", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let (_, leader_stats) = raw(&_leader.url(), Method::GET, "/orders/_stats?level=shards", None).await;
    let shards = leader_stats["indices"]["orders"]["shards"].as_object().unwrap();
    assert_eq!(shards.len(), 3);
    let per_shard: Vec<i64> =
        (0..3).map(|s| shards[&s.to_string()][0]["seq_no"]["max_seq_no"].as_i64().unwrap()).collect();
    assert_eq!(per_shard.iter().map(|m| m + 1).sum::<i64>(), 30, "each shard numbers its own operations");
    assert!(per_shard.iter().all(|m| *m >= 0), "documents are spread over the shards: {per_shard:?}");

    follow(&local_client).await;
    let (_, settings) = raw(&local.url(), Method::GET, "/orders-copy/_settings", None).await;
    assert_eq!(settings["orders-copy"]["settings"]["index"]["number_of_shards"], "3");
    let follower = stats(&local, "orders-copy").await;
    let ids: Vec<u64> =
        follower["shards"].as_array().unwrap().iter().map(|s| s["shard_id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(local_client.count("orders-copy").await.unwrap(), 30);
    // The panel's own reading of the same answer.
    let read = local_client.follow_stats("orders-copy").await.unwrap();
    assert_eq!(read.indices[0].shards.len(), 3);
    assert_eq!(read.indices[0].total_global_checkpoint_lag, Some(0));
}

#[tokio::test]
async fn leases_show_on_the_leader_and_forget_follower_removes_them() {
    let (leader, local, _, local_client) = pair_with(json!({"index.number_of_shards": 2})).await;
    follow(&local_client).await;
    let lease_of = |stats: &Value, shard: &str| -> Vec<Value> {
        stats["indices"]["orders"]["shards"][shard][0]["retention_leases"]["leases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["source"] == "ccr")
            .cloned()
            .collect()
    };
    let (_, follower_settings) = raw(&local.url(), Method::GET, "/orders-copy/_settings", None).await;
    let follower_uuid = follower_settings["orders-copy"]["settings"]["index"]["uuid"].as_str().unwrap().to_owned();
    let (_, leader_settings) = raw(&leader.url(), Method::GET, "/orders/_settings", None).await;
    let leader_uuid = leader_settings["orders"]["settings"]["index"]["uuid"].as_str().unwrap().to_owned();
    let expected_id = format!("local/orders-copy/{follower_uuid}-following-leader/orders/{leader_uuid}");
    let (_, stats) = raw(&leader.url(), Method::GET, "/orders/_stats?level=shards", None).await;
    for shard in ["0", "1"] {
        let leases = lease_of(&stats, shard);
        assert_eq!(leases.len(), 1, "one lease per following shard: {stats}");
        assert_eq!(leases[0]["id"], expected_id.as_str());
        let fields: std::collections::BTreeSet<&str> =
            leases[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(fields, ["id", "retaining_seq_no", "source", "timestamp"].into());
    }

    local_client.pause_follow("orders-copy").await.unwrap();
    let body = json!({"follower_cluster": "local", "follower_index": "orders-copy",
        "follower_index_uuid": follower_uuid, "leader_remote_cluster": "leader"})
    .to_string();
    let (status, answer) = raw(&leader.url(), Method::POST, "/orders/_ccr/forget_follower", Some(&body)).await;
    assert_eq!(status, 200);
    let recorded = fixture_json("es-examples/forget_follower.json");
    assert_eq!(answer["_shards"]["failures"], recorded["_shards"]["failures"]);
    assert_eq!((answer["_shards"]["total"].as_u64(), answer["_shards"]["failed"].as_u64()), (Some(2), Some(0)));
    let (_, stats) = raw(&leader.url(), Method::GET, "/orders/_stats?level=shards", None).await;
    assert!(lease_of(&stats, "0").is_empty() && lease_of(&stats, "1").is_empty(), "{stats}");
    let (_, again) = raw(&leader.url(), Method::POST, "/orders/_ccr/forget_follower", Some(&body)).await;
    assert_eq!(again["_shards"]["failed"], 2);
    assert_eq!(again["_shards"]["failures"][0]["reason"]["type"], "retention_lease_not_found_exception");
}

#[tokio::test]
async fn unfollow_removes_the_leases_from_the_leader() {
    let (leader, _local, _, local_client) = pair_with(json!({"index.number_of_shards": 2})).await;
    follow(&local_client).await;
    let ccr_leases = || async {
        let (_, stats) = raw(&leader.url(), Method::GET, "/orders/_stats?level=shards", None).await;
        ["0", "1"]
            .iter()
            .flat_map(|s| {
                stats["indices"]["orders"]["shards"][*s][0]["retention_leases"]["leases"].as_array().cloned().unwrap()
            })
            .filter(|l| l["source"] == "ccr")
            .count()
    };
    assert_eq!(ccr_leases().await, 2);
    let report = followers::unfollow(&local_client, "orders-copy", true, &FollowParameters::default()).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(ccr_leases().await, 0, "unfollow removed the leases");
}

#[tokio::test]
async fn an_expired_lease_makes_the_follower_shard_fail_for_good() {
    let settings = json!({"index.number_of_shards": 2, "index.number_of_replicas": 0,
        "index.soft_deletes.retention_lease.period": "1s"});
    let (_leader, local, leader_client, local_client) = pair_with(settings).await;
    follow(&local_client).await;
    local_client.pause_follow("orders-copy").await.unwrap();
    leader_client.index_doc("orders", Some("late"), &json!({"n": 1})).await.unwrap();
    let (_, leader_stats) = raw(&_leader.url(), Method::GET, "/orders/_stats?level=shards", None).await;
    let shards = &leader_stats["indices"]["orders"]["shards"];
    let written = if shards["0"][0]["seq_no"]["max_seq_no"] == 0 { 0 } else { 1 };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    local_client.resume_follow("orders-copy", &FollowParameters::default()).await.unwrap();
    let failed = eventually(Duration::from_secs(5), || async {
        stats(&local, "orders-copy").await["shards"][written]["fatal_exception"]["type"]
            == "resource_not_found_exception"
    })
    .await;
    assert!(failed, "{}", stats(&local, "orders-copy").await);
    let shards = stats(&local, "orders-copy").await["shards"].clone();
    let reason = shards[written]["fatal_exception"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("Operations are no longer available for replicating."), "{reason}");
    assert!(
        reason.ends_with(
            "maybe increase the retention lease period setting [index.soft_deletes.retention_lease.period]?"
        )
    );
    assert!(shards[1 - written].get("fatal_exception").is_none(), "the other shard keeps following: {shards}");
    assert_eq!(local_client.count("orders-copy").await.unwrap(), 0, "nothing more is replicated");
    let read = local_client.follow_stats("orders-copy").await.unwrap();
    assert!(read.indices[0].shards[written].fatal_exception.is_some(), "the panel reads the fatal exception");
}

#[tokio::test]
async fn a_new_follower_copies_the_leader_whatever_history_is_left() {
    let settings = json!({"index.number_of_replicas": 0, "index.soft_deletes.retention_lease.period": "1s"});
    let (leader, local, leader_client, local_client) = pair_with(settings).await;
    leader_client.index_doc("orders", Some("a"), &json!({"n": 1})).await.unwrap();
    follow(&local_client).await;
    local_client.pause_follow("orders-copy").await.unwrap();
    leader_client.index_doc("orders", Some("b"), &json!({"n": 2})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    raw(&leader.url(), Method::GET, "/orders/_stats?level=shards", None).await; // the lease expires
    followers::follow(&local_client, "second", "leader", "orders", FollowParameters::default()).await.unwrap();
    assert_eq!(local_client.count("second").await.unwrap(), 2, "a restore needs no history");
    leader_client.index_doc("orders", Some("c"), &json!({"n": 3})).await.unwrap();
    assert!(eventually(Duration::from_secs(5), || async { local_client.count("second").await.unwrap() == 3 }).await);
    assert!(stats(&local, "second").await["shards"][0].get("fatal_exception").is_none());
}

#[tokio::test]
async fn a_lost_leader_shows_as_read_or_fatal_exceptions() {
    let (leader, local, leader_client, local_client) = pair_with(json!({"index.number_of_replicas": 0})).await;
    follow(&local_client).await;
    leader.stop();
    let retried = eventually(Duration::from_secs(5), || async {
        let shard = stats(&local, "orders-copy").await["shards"][0].clone();
        shard["read_exceptions"][0]["exception"]["type"] == "connect_transport_exception"
            && shard.get("fatal_exception").is_none()
    })
    .await;
    assert!(retried, "a disconnected remote is retried: {}", stats(&local, "orders-copy").await);
    drop(leader_client);

    let (leader, local, leader_client, local_client) = pair_with(json!({"index.number_of_replicas": 0})).await;
    follow(&local_client).await;
    leader_client.delete_index("orders").await.unwrap();
    let fatal = eventually(Duration::from_secs(5), || async {
        stats(&local, "orders-copy").await["shards"][0]["fatal_exception"]["type"] == "index_not_found_exception"
    })
    .await;
    assert!(fatal, "a deleted leader index is fatal: {}", stats(&local, "orders-copy").await);
    drop(leader);
}

#[tokio::test]
async fn a_basic_license_refuses_follow_with_the_license_error() {
    let leader = start_sim("leader").await;
    client(&leader).create_index("orders", &json!({})).await.unwrap();
    let mut config = SimConfig::new("local");
    config.license = LicenseKind::Basic;
    let local = start_sim_with(config).await;
    let body = json!({"remote_cluster": "leader", "leader_index": "orders"}).to_string();
    let (status, answer) = raw(&local.url(), Method::PUT, "/copy/_ccr/follow", Some(&body)).await;
    assert_eq!(status, 403);
    assert_eq!(answer["error"]["type"], "security_exception");
    assert_eq!(answer["error"]["reason"], "current license is non-compliant for [ccr]");
    assert_eq!(answer["error"]["license.expired.feature"], "ccr");
}

#[tokio::test]
async fn follow_stats_have_the_fields_of_the_version() {
    let old = |name: &str| {
        let mut config = SimConfig::new(name);
        config.version = ccr_panel::es::Version::new(6, 8, 0);
        config
    };
    let leader = start_sim_with(old("leader")).await;
    let settings = json!({"settings": {"index.soft_deletes.enabled": true, "index.number_of_shards": 2}});
    client(&leader).create_index("orders", &settings).await.unwrap();
    let local = start_sim_with(old("local")).await;
    let local_client = client(&local);
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    local_client.put_cluster_settings(&update).await.unwrap();
    follow(&local_client).await;
    let stats = stats(&local, "orders-copy").await;
    assert!(stats.get("total_global_checkpoint_lag").is_none(), "8.13+ only: {stats}");
    assert_eq!(stats["shards"].as_array().map(Vec::len), Some(2));
    assert!(stats["shards"][0].get("follower_aliases_version").is_none(), "7.3+ only");
    assert!(stats["shards"][0].get("follower_settings_version").is_some());
}
