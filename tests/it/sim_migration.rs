//! What a guided migration meets on real clusters, simulated: the physical-replication
//! setting of one vendor's managed 6.7 clusters, and soft deletes off allowed before 8.0 only.
//! Re-indexing is in `sim_reindex`, nodes, roles and licences in `sim_nodes`; the helpers
//! here serve all three.

use std::time::Duration;

use ccr_panel::es::{ClusterSettingsUpdate, Version};
use ccr_panel::sim::{SimConfig, SimServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_docs::raw;

pub async fn call(sim: &SimServer, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let body = body.map(|b| b.to_string());
    raw(&sim.url(), method, path, body.as_deref()).await
}

pub fn config(name: &str, version: Version) -> SimConfig {
    let mut config = SimConfig::new(name);
    config.version = version;
    config
}

/// Connects `local` to `leader` as the remote `leader` and waits until it is connected.
pub async fn connect(local: &SimServer, leader: &SimServer) {
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    client(local).put_cluster_settings(&update).await.unwrap();
    let connected = eventually(Duration::from_secs(5), || async {
        call(local, Method::GET, "/_remote/info", None).await.1["leader"]["connected"] == true
    })
    .await;
    assert!(connected, "the remote connects");
}

pub async fn follow(local: &SimServer, follower: &str, leader_index: &str) -> (StatusCode, Value) {
    let body = json!({"remote_cluster": "leader", "leader_index": leader_index});
    call(local, Method::PUT, &format!("/{follower}/_ccr/follow"), Some(body)).await
}

pub async fn index_docs(sim: &SimServer, index: &str, n: usize) {
    for i in 0..n {
        let (status, _) = call(sim, Method::PUT, &format!("/{index}/_doc/{i}"), Some(json!({"n": i}))).await;
        assert!(status.is_success(), "{status}");
    }
}

pub async fn count(sim: &SimServer, index: &str) -> u64 {
    call(sim, Method::GET, &format!("/{index}/_count"), None).await.1["count"].as_u64().unwrap_or(0)
}

pub async fn setting(sim: &SimServer, index: &str, key: &str) -> Value {
    call(sim, Method::GET, &format!("/{index}/_settings?flat_settings=true"), None).await.1[index]["settings"][key]
        .clone()
}

#[tokio::test]
async fn physical_replication_is_a_static_index_setting_of_those_clusters_only() {
    let mut physical = config("leader", Version::new(7, 10, 2));
    physical.physical_replication = true;
    let leader = start_sim_with(physical).await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    assert_eq!(setting(&leader, "orders", "index.replication.type").await, "physical", "the default");
    let (status, _) =
        call(&leader, Method::PUT, "/plain", Some(json!({"settings": {"index.replication.type": null}}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        setting(&leader, "plain", "index.replication.type").await,
        Value::Null,
        "null at creation leaves it out"
    );

    let (status, body) =
        call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.replication.type": null}))).await;
    assert_eq!(status, 400);
    let uuid = setting(&leader, "orders", "index.uuid").await;
    assert_eq!(
        body["error"]["reason"],
        format!(
            "Can't update non dynamic settings [[index.replication.type]] for open indices [[orders/{}]]",
            uuid.as_str().unwrap()
        )
    );
    call(&leader, Method::POST, "/orders/_close", None).await;
    let (status, _) =
        call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index": {"replication.type": null}}))).await;
    assert_eq!(status, 200);
    call(&leader, Method::POST, "/orders/_open", None).await;
    assert_eq!(setting(&leader, "orders", "index.replication.type").await, Value::Null, "close, null, open clears it");

    // Other clusters do not know the setting.
    let other = start_sim_with(config("other", Version::new(7, 10, 2))).await;
    let (status, body) =
        call(&other, Method::PUT, "/x", Some(json!({"settings": {"index.replication.type": "physical"}}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert!(body["error"]["reason"].as_str().unwrap().starts_with("unknown setting [index.replication.type]"));
}

#[tokio::test]
async fn an_index_with_physical_replication_cannot_lead_until_the_setting_is_cleared() {
    let mut physical = config("leader", Version::new(7, 10, 2));
    physical.physical_replication = true;
    let leader = start_sim_with(physical).await;
    let local = start_sim_with(config("local", Version::new(7, 10, 2))).await;
    call(&leader, Method::PUT, "/orders", Some(json!({"settings": {"number_of_replicas": 0}}))).await;
    index_docs(&leader, "orders", 3).await;
    connect(&local, &leader).await;

    let (status, body) = follow(&local, "orders", "orders").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    let reason = body["error"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("leader index [orders] has [index.replication.type] set to [physical]"), "{reason}");
    assert_eq!(body["error"]["root_cause"][0]["type"], "illegal_argument_exception", "Elasticsearch's envelope");
    let (status, _) = call(&local, Method::HEAD, "/orders", None).await;
    assert_eq!(status, 404, "nothing created");

    for step in ["/orders/_close", "/orders/_settings", "/orders/_open"] {
        let (method, body) = if step.ends_with("_settings") {
            (Method::PUT, Some(json!({"index.replication.type": null})))
        } else {
            (Method::POST, None)
        };
        assert_eq!(call(&leader, method, step, body).await.0, 200, "{step}");
    }
    let (status, body) = follow(&local, "orders", "orders").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(&local, "orders").await, 3);

    // Set again (closed, physical, open): the follower's reads now fail for good.
    call(&leader, Method::POST, "/orders/_close", None).await;
    call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.replication.type": "physical"}))).await;
    call(&leader, Method::POST, "/orders/_open", None).await;
    let fatal = eventually(Duration::from_secs(5), || async {
        let stats = call(&local, Method::GET, "/orders/_ccr/stats", None).await.1;
        stats["indices"][0]["shards"][0]["fatal_exception"]["type"] == "illegal_argument_exception"
    })
    .await;
    let stats = call(&local, Method::GET, "/orders/_ccr/stats", None).await.1;
    assert!(fatal, "{stats}");
    let reason = stats["indices"][0]["shards"][0]["fatal_exception"]["reason"].as_str().unwrap();
    assert!(reason.contains("[index.replication.type]"), "{reason}");
}

#[tokio::test]
async fn soft_deletes_off_is_allowed_before_8_and_refused_from_8() {
    let old = start_sim_with(config("old", Version::new(7, 10, 2))).await;
    let (status, _) =
        call(&old, Method::PUT, "/legacy", Some(json!({"settings": {"index.soft_deletes.enabled": false}}))).await;
    assert_eq!(status, 200);
    assert_eq!(setting(&old, "legacy", "index.soft_deletes.enabled").await, "false");

    let new = start_sim_with(config("new", Version::new(8, 0, 0))).await;
    let (status, body) =
        call(&new, Method::PUT, "/legacy", Some(json!({"settings": {"index.soft_deletes.enabled": false}}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        body["error"]["reason"],
        "Creating indices with soft-deletes disabled is no longer supported. Please do not specify a value for setting [index.soft_deletes.enabled]."
    );
}

#[tokio::test]
async fn auto_follow_reports_a_physical_replication_leader_as_a_recent_error() {
    let mut physical = config("leader", Version::new(7, 10, 2));
    physical.physical_replication = true;
    let leader = start_sim_with(physical).await;
    let local = start_sim_with(config("local", Version::new(7, 10, 2))).await;
    connect(&local, &leader).await;
    let pattern = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]});
    assert_eq!(call(&local, Method::PUT, "/_ccr/auto_follow/logs", Some(pattern)).await.0, 200);
    call(&leader, Method::PUT, "/logs-1", Some(json!({}))).await;
    let failed = eventually(Duration::from_secs(5), || async {
        call(&local, Method::GET, "/_ccr/stats", None).await.1["auto_follow_stats"]["number_of_failed_follow_indices"]
            == 1
    })
    .await;
    let (_, stats) = call(&local, Method::GET, "/_ccr/stats", None).await;
    assert!(failed, "{stats}");
    let error = &stats["auto_follow_stats"]["recent_auto_follow_errors"][0];
    assert_eq!(error["leader_index"], "logs:logs-1");
    let reason = error["auto_follow_exception"]["reason"].as_str().unwrap();
    assert!(reason.contains("[index.replication.type]"), "{reason}");
    assert_eq!(call(&local, Method::HEAD, "/logs-1", None).await.0, 404);
}
