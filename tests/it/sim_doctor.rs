//! The faults the replication doctor diagnoses, as the simulator produces them (checked
//! against Elasticsearch's own `IndexFollowingIT` where it has one): a remote removed while
//! followers use it, a leader index closed or blocked, a follower cluster older
//! than the leader, and `_ilm/explain`.

use std::time::Duration;

use ccr_panel::es::Version;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_migration::{call, config, connect, follow};

async fn shard_stats(local: &ccr_panel::sim::SimServer, index: &str) -> Value {
    call(local, Method::GET, &format!("/{index}/_ccr/stats"), None).await.1["indices"][0]["shards"][0].clone()
}

async fn following_pair() -> (ccr_panel::sim::SimServer, ccr_panel::sim::SimServer) {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    call(&leader, Method::PUT, "/orders", Some(json!({"settings": {"number_of_replicas": 0}}))).await;
    call(&leader, Method::PUT, "/orders/_doc/1", Some(json!({"n": 1}))).await;
    connect(&local, &leader).await;
    assert_eq!(follow(&local, "orders-copy", "orders").await.0, 200);
    (leader, local)
}

/// Waits until the first shard's read exception has this type; returns the shard's stats.
async fn read_exception(local: &ccr_panel::sim::SimServer, error_type: &str) -> Value {
    let seen = eventually(Duration::from_secs(5), || async {
        shard_stats(local, "orders-copy").await["read_exceptions"][0]["exception"]["type"] == error_type
    })
    .await;
    let stats = shard_stats(local, "orders-copy").await;
    assert!(seen, "expected a {error_type} read exception: {stats}");
    stats
}

#[tokio::test]
async fn a_remote_removed_under_its_followers_gives_them_read_exceptions() {
    let (_leader, local) = following_pair().await;
    let update = json!({"persistent": {"cluster.remote.leader.seeds": null}});
    assert_eq!(call(&local, Method::PUT, "/_cluster/settings", Some(update)).await.0, 200);
    let stats = read_exception(&local, "no_such_remote_cluster_exception").await;
    assert_eq!(stats["read_exceptions"][0]["exception"]["reason"], "no such remote cluster: [leader]");
    assert!(stats.get("fatal_exception").is_none(), "retried, not fatal");
    let (_, info) = call(&local, Method::GET, "/orders-copy/_ccr/info", None).await;
    assert_eq!(info["follower_indices"][0]["status"], "active", "the follower still says active");
}

#[tokio::test]
async fn a_closed_leader_index_fails_reads_until_it_opens_again() {
    let (leader, local) = following_pair().await;
    call(&leader, Method::POST, "/orders/_close", None).await;
    // As `IndexFollowingIT.testCloseLeaderIndex` sees it: the closed block, retried.
    let stats = read_exception(&local, "cluster_block_exception").await;
    assert_eq!(
        stats["read_exceptions"][0]["exception"]["reason"],
        "index [orders] blocked by: [FORBIDDEN/4/index closed];"
    );
    assert!(stats.get("fatal_exception").is_none());
    let (status, body) = follow(&local, "another", "orders").await;
    assert_eq!(status, 400, "following a closed index is refused: {body}");
    assert_eq!(
        (body["error"]["type"].clone(), body["error"]["reason"].clone()),
        (json!("index_closed_exception"), json!("closed"))
    );
    assert_eq!(body["error"]["index"], "orders");

    // Resuming while the leader is closed is refused too (`testResumeFollowOnClosedIndex`).
    call(&local, Method::POST, "/orders-copy/_ccr/pause_follow", None).await;
    let (status, body) = call(&local, Method::POST, "/orders-copy/_ccr/resume_follow", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (400, json!("index_closed_exception")), "{body}");
    call(&leader, Method::POST, "/orders/_open", None).await;
    assert_eq!(call(&local, Method::POST, "/orders-copy/_ccr/resume_follow", None).await.0, 200);
    call(&leader, Method::PUT, "/orders/_doc/2", Some(json!({"n": 2}))).await;
    let recovered = eventually(Duration::from_secs(5), || async {
        let stats = shard_stats(&local, "orders-copy").await;
        stats["read_exceptions"] == json!([])
            && call(&local, Method::GET, "/orders-copy/_count", None).await.1["count"] == 2
    })
    .await;
    assert!(recovered, "{}", shard_stats(&local, "orders-copy").await);
}

#[tokio::test]
async fn a_read_block_on_the_leader_fails_reads_and_a_write_block_refuses_writes() {
    let (leader, local) = following_pair().await;
    call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.blocks.read": true}))).await;
    let stats = read_exception(&local, "cluster_block_exception").await;
    assert_eq!(
        stats["read_exceptions"][0]["exception"]["reason"],
        "index [orders] blocked by: [FORBIDDEN/7/index read (api)];"
    );
    call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.blocks.read": null}))).await;

    call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.blocks.write": true}))).await;
    let (status, body) = call(&leader, Method::PUT, "/orders/_doc/9", Some(json!({"n": 9}))).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["type"], "cluster_block_exception");
    assert_eq!(body["error"]["reason"], "index [orders] blocked by: [FORBIDDEN/8/index write (api)];");
    let cleared = eventually(Duration::from_secs(5), || async {
        shard_stats(&local, "orders-copy").await["read_exceptions"] == json!([])
    })
    .await;
    assert!(cleared, "a write block does not stop the follower reading");
}

#[tokio::test]
async fn a_follower_cluster_older_than_the_leader_refuses_to_follow() {
    let leader = start_sim_with(config("leader", Version::new(7, 17, 5))).await;
    let local = start_sim_with(config("local", Version::new(7, 17, 3))).await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    connect(&local, &leader).await;
    let (status, body) = follow(&local, "orders-copy", "orders").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["type"], "snapshot_restore_exception");
    assert_eq!(
        body["error"]["reason"],
        "[_ccr_leader:_latest_/_latest_] the snapshot was created with Elasticsearch version [7.17.5] which is higher than the version of this node [7.17.3]"
    );
    assert_eq!(call(&local, Method::HEAD, "/orders-copy", None).await.0, 404, "nothing created");

    // The other way round is fine: a newer cluster follows an older one.
    let newer = start_sim_with(config("newer", Version::new(7, 17, 5))).await;
    connect(&newer, &local).await;
    call(&local, Method::PUT, "/mine", Some(json!({}))).await;
    assert_eq!(follow(&newer, "mine-copy", "mine").await.0, 200);
}

#[tokio::test]
async fn ilm_explain_says_whether_an_index_is_managed() {
    let sim = start_sim("local").await;
    call(&sim, Method::PUT, "/plain", Some(json!({}))).await;
    call(&sim, Method::PUT, "/logs", Some(json!({"settings": {"index.lifecycle.name": "hot-warm"}}))).await;
    let (status, body) = call(&sim, Method::GET, "/plain,logs/_ilm/explain", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["indices"]["plain"], json!({"index": "plain", "managed": false}));
    let logs = &body["indices"]["logs"];
    assert_eq!((logs["managed"].clone(), logs["policy"].clone()), (json!(true), json!("hot-warm")));
    for key in ["phase", "action", "step", "lifecycle_date_millis", "age"] {
        assert!(logs.get(key).is_some(), "{key}: {logs}");
    }
    assert!(logs.get("step_info").is_none());
    let (status, body) = call(&sim, Method::GET, "/missing/_ilm/explain", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (404, json!("index_not_found_exception")));
}

#[tokio::test]
async fn a_managed_follower_waits_in_ilm_until_indexing_is_complete() {
    let (_leader, local) = following_pair().await;
    let update = json!({"index.lifecycle.name": "logs"});
    assert_eq!(call(&local, Method::PUT, "/orders-copy/_settings", Some(update)).await.0, 200);
    let (_, body) = call(&local, Method::GET, "/orders-copy/_ilm/explain", None).await;
    let entry = &body["indices"]["orders-copy"];
    assert_eq!(
        (entry["action"].clone(), entry["step"].clone()),
        (json!("unfollow"), json!("wait-for-indexing-complete"))
    );
    assert_eq!(
        entry["step_info"]["message"],
        "waiting for the [index.lifecycle.indexing_complete] setting to be set to true on the leader index, it is currently [false]"
    );
}

#[tokio::test]
async fn clusters_two_majors_apart_never_connect() {
    let old = start_sim_with(config("old", Version::new(6, 8, 0))).await;
    call(&old, Method::PUT, "/legacy", Some(json!({"settings": {"index.soft_deletes.enabled": true}}))).await;
    let seven = start_sim_with(config("seven", Version::new(7, 17, 0))).await;
    connect(&seven, &old).await;
    assert_eq!(follow(&seven, "legacy", "legacy").await.0, 200, "7.x follows 6.8");

    let eight = start_sim_with(config("eight", Version::new(8, 15, 0))).await;
    let update = json!({"persistent": {"cluster.remote.leader.seeds": [old.transport_address.to_string()]}});
    call(&eight, Method::PUT, "/_cluster/settings", Some(update)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, info) = call(&eight, Method::GET, "/_remote/info", None).await;
    assert_eq!(info["leader"]["connected"], false, "8.x cannot talk to 6.8: {info}");
    let (status, body) = follow(&eight, "legacy", "legacy").await;
    assert_eq!(status, 500, "{body}");
    let reason = body["error"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("Received message from unsupported version: [8.15.0] minimal compatible version is: [5.6.0]"),
        "{reason}"
    );
}
