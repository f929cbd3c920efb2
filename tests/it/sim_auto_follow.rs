//! The simulator's auto-follow patterns as Elasticsearch answers and runs them: every field
//! the pattern was created with comes back, and the coordinator follows each matching leader
//! index created after the pattern (never an older or excluded one, nor while paused),
//! recording what it did in `_ccr/stats`.

use std::time::Duration;

use ccr_panel::es::{ClusterSettingsUpdate, EsClient};
use ccr_panel::sim::{SimConfig, SimServer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_docs::raw;

async fn connected(leader: &SimServer) -> (SimServer, EsClient) {
    let local = start_sim("local").await;
    let local_client = client(&local);
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    local_client.put_cluster_settings(&update).await.unwrap();
    (local, local_client)
}

async fn put_pattern(local: &SimServer, name: &str, body: &Value) -> (u16, Value) {
    let (status, answer) =
        raw(&local.url(), Method::PUT, &format!("/_ccr/auto_follow/{name}"), Some(&body.to_string())).await;
    (status.as_u16(), answer)
}

async fn auto_follow_stats(local: &SimServer) -> Value {
    raw(&local.url(), Method::GET, "/_ccr/stats", None).await.1["auto_follow_stats"].clone()
}

async fn exists(client: &EsClient, index: &str) -> bool {
    client.count(index).await.is_ok()
}

#[tokio::test]
async fn get_returns_every_field_the_pattern_was_created_with() {
    let leader = start_sim("leader").await;
    let (local, _) = connected(&leader).await;
    let body = json!({
        "remote_cluster": "leader",
        "leader_index_patterns": ["leader_index*"],
        "leader_index_exclusion_patterns": ["leader_index_001"],
        "follow_index_pattern": "{{leader_index}}-follower",
        "max_read_request_operation_count": 100,
        "settings": {"index.number_of_replicas": 0},
    });
    assert_eq!(put_pattern(&local, "my_auto_follow_pattern", &body).await, (200, json!({"acknowledged": true})));
    let (_, got) = raw(&local.url(), Method::GET, "/_ccr/auto_follow/my_auto_follow_pattern", None).await;
    let recorded = fixture_json("es-examples/auto_follow.get_one.json");
    let mut expected = recorded["patterns"][0]["pattern"].clone();
    expected["max_read_request_operation_count"] = json!(100);
    expected["remote_cluster"] = json!("leader");
    expected["settings"] = json!({"index": {"number_of_replicas": "0"}}); // as ES renders Settings
    assert_eq!(got["patterns"][0]["pattern"], expected);

    raw(&local.url(), Method::POST, "/_ccr/auto_follow/my_auto_follow_pattern/pause", None).await;
    let (_, all) = raw(&local.url(), Method::GET, "/_ccr/auto_follow", None).await;
    assert_eq!(all["patterns"][0]["pattern"]["active"], false);
}

#[tokio::test]
async fn the_coordinator_follows_new_matching_leader_indices_only() {
    let leader = start_sim("leader").await;
    let leader_client = client(&leader);
    leader_client.create_index("logs-old", &json!({})).await.unwrap();
    let (local, local_client) = connected(&leader).await;
    let body = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"],
        "leader_index_exclusion_patterns": ["logs-skip"], "follow_index_pattern": "{{leader_index}}-copy",
        "settings": {"index": {"number_of_replicas": 0}}});
    assert_eq!(put_pattern(&local, "logs", &body).await.0, 200);

    leader_client.create_index("logs-new", &json!({})).await.unwrap();
    leader_client.index_doc("logs-new", Some("1"), &json!({"m": "hello"})).await.unwrap();
    leader_client.create_index("logs-skip", &json!({})).await.unwrap();
    leader_client.create_index("metrics-new", &json!({})).await.unwrap();
    let followed = eventually(Duration::from_secs(5), || async {
        local_client.count("logs-new-copy").await.is_ok_and(|n| n == 1)
    })
    .await;
    assert!(followed, "a new matching leader index is followed with the pattern's naming");
    tokio::time::sleep(Duration::from_millis(600)).await;
    for never in ["logs-old-copy", "logs-skip-copy", "metrics-new-copy"] {
        assert!(!exists(&local_client, never).await, "{never} must not be created");
    }
    let (_, settings) = raw(&local.url(), Method::GET, "/logs-new-copy/_settings", None).await;
    assert_eq!(settings["logs-new-copy"]["settings"]["index"]["number_of_replicas"], "0", "the pattern's settings");
    let info = local_client.follow_info("logs-new-copy").await.unwrap();
    assert_eq!((info[0].remote_cluster.as_str(), info[0].leader_index.as_str()), ("leader", "logs-new"));
    let stats = auto_follow_stats(&local).await;
    assert_eq!(stats["number_of_successful_follow_indices"], 1);
    assert_eq!(stats["number_of_failed_follow_indices"], 0);
    assert_eq!(stats["auto_followed_clusters"][0]["cluster_name"], "leader");
    let example = fixture_json("es-examples/ccr_stats.json");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<std::collections::BTreeSet<_>>();
    assert_eq!(keys(&stats), keys(&example["auto_follow_stats"]));
}

#[tokio::test]
async fn a_paused_pattern_follows_nothing_until_resumed() {
    let leader = start_sim("leader").await;
    let leader_client = client(&leader);
    let (local, local_client) = connected(&leader).await;
    let body = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]});
    assert_eq!(put_pattern(&local, "logs", &body).await.0, 200);
    raw(&local.url(), Method::POST, "/_ccr/auto_follow/logs/pause", None).await;
    leader_client.create_index("logs-while-paused", &json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!exists(&local_client, "logs-while-paused").await, "nothing is followed while paused");
    raw(&local.url(), Method::POST, "/_ccr/auto_follow/logs/resume", None).await;
    let followed =
        eventually(Duration::from_secs(5), || async { exists(&local_client, "logs-while-paused").await }).await;
    assert!(followed, "resuming follows what was created meanwhile");
}

#[tokio::test]
async fn a_leader_without_soft_deletes_is_a_recent_error() {
    let mut config = SimConfig::new("leader");
    config.version = ccr_panel::es::Version::new(7, 17, 0);
    let leader = start_sim_with(config).await;
    let (local, _) = connected(&leader).await;
    let body = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]});
    assert_eq!(put_pattern(&local, "logs", &body).await.0, 200);
    client(&leader)
        .create_index("logs-hard", &json!({"settings": {"index.soft_deletes.enabled": false}}))
        .await
        .unwrap();
    let failed = eventually(Duration::from_secs(5), || async {
        auto_follow_stats(&local).await["number_of_failed_follow_indices"] == 1
    })
    .await;
    assert!(failed, "{}", auto_follow_stats(&local).await);
    let error = &auto_follow_stats(&local).await["recent_auto_follow_errors"][0];
    assert_eq!(error["leader_index"], "logs:logs-hard");
    assert_eq!(
        error["auto_follow_exception"]["reason"],
        "index [logs-hard] cannot be followed, because soft deletes are not enabled"
    );
    assert!(error["timestamp"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn an_unreachable_remote_counts_failed_cluster_state_requests_until_it_answers() {
    let leader = start_sim("leader").await;
    let (local, local_client) = connected(&leader).await;
    let body = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]});
    assert_eq!(put_pattern(&local, "logs", &body).await.0, 200);
    let seeds = |address: String| {
        let mut update = ClusterSettingsUpdate::default();
        update.persistent.insert("cluster.remote.leader.seeds".into(), json!([address]));
        update
    };
    local_client.put_cluster_settings(&seeds(format!("127.0.0.1:{}", closed_port()))).await.unwrap();
    let counted = eventually(Duration::from_secs(5), || async {
        auto_follow_stats(&local).await["number_of_failed_remote_cluster_state_requests"].as_u64() > Some(0)
    })
    .await;
    assert!(counted, "{}", auto_follow_stats(&local).await);
    let error = auto_follow_stats(&local).await["recent_auto_follow_errors"][0].clone();
    assert_eq!(error["leader_index"], "logs", "keyed by the pattern: {error}");
    assert_eq!(error["auto_follow_exception"]["type"], "connect_transport_exception");

    local_client.put_cluster_settings(&seeds(leader.transport_address.to_string())).await.unwrap();
    let cleared = eventually(Duration::from_secs(5), || async {
        auto_follow_stats(&local).await["recent_auto_follow_errors"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
    assert!(cleared, "the remote answers again: {}", auto_follow_stats(&local).await);
}
