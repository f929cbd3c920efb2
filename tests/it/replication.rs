//! Cross-cluster replication between two simulators: following really copies documents and
//! keeps copying; pause, resume and unfollow behave as in Elasticsearch; the multi-step
//! actions (edit, unfollow) undo what they can when a step fails.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::ccr::steps::StepOutcome;
use ccr_panel::es::{ClusterSettingsUpdate, EsClient, FollowParameters};
use ccr_panel::sim::{Fault, FaultKind, SimConfig, SimServer};
use serde_json::json;

use crate::helpers::*;

/// A leader with `myindex` (three documents) and a local cluster connected to it as `leader`.
pub async fn connected_pair() -> (SimServer, SimServer, EsClient, EsClient) {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let (leader_client, local_client) = (client(&leader), client(&local));
    leader_client.create_index("myindex", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    for i in 1..=3 {
        leader_client.index_doc("myindex", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    local_client.put_cluster_settings(&update).await.unwrap();
    let connected = eventually(Duration::from_secs(5), || async {
        local_client.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
    })
    .await;
    assert!(connected);
    (leader, local, leader_client, local_client)
}

async fn count(client: &EsClient, index: &str) -> u64 {
    client.count(index).await.unwrap_or(0)
}

#[tokio::test]
async fn a_follower_copies_the_leader_and_keeps_up() {
    let (_leader, _local, leader, local) = connected_pair().await;
    followers::follow(&local, "myindex-copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    assert_eq!(count(&local, "myindex-copy").await, 3, "the existing documents are there at once");

    leader.index_doc("myindex", Some("4"), &json!({"n": 4})).await.unwrap();
    leader.index_doc("myindex", Some("1"), &json!({"n": 100})).await.unwrap();
    let caught_up = eventually(Duration::from_secs(5), || async {
        local.get_doc("myindex-copy", "1").await.unwrap().and_then(|d| d.source).is_some_and(|s| s["n"] == 100)
            && count(&local, "myindex-copy").await == 4
    })
    .await;
    assert!(caught_up, "new writes and updates keep flowing");
    let lag_zero = eventually(Duration::from_secs(5), || async {
        local
            .checked_ccr_stats()
            .await
            .unwrap()
            .follow_stats
            .indices
            .first()
            .and_then(|i| i.total_global_checkpoint_lag)
            == Some(0)
    })
    .await;
    assert!(lag_zero);

    let info = local.follow_info("myindex-copy").await.unwrap();
    assert_eq!((info[0].status.as_str(), info[0].leader_index.as_str()), ("active", "myindex"));
    let refused = local.index_doc("myindex-copy", Some("x"), &json!({"n": 0})).await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "a follower is read-only");
}

#[tokio::test]
async fn pausing_stops_the_flow_and_resuming_catches_up() {
    let (_leader, _local, leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local.pause_follow("copy").await.unwrap();
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "paused");
    assert!(local.follow_info("copy").await.unwrap()[0].parameters.is_none(), "no parameters while paused");
    let stats = local.follow_stats("copy").await.unwrap_err();
    assert_eq!(stats.status(), Some(404), "a paused follower has no stats");

    leader.index_doc("myindex", Some("9"), &json!({"n": 9})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(count(&local, "copy").await, 3, "nothing flows while paused");
    local.resume_follow("copy", &FollowParameters::default()).await.unwrap();
    assert!(eventually(Duration::from_secs(5), || async { count(&local, "copy").await == 4 }).await);
}

#[tokio::test]
async fn follow_refuses_what_elasticsearch_refuses() {
    let (_leader, _local, leader, local) = connected_pair().await;
    let follow = |name: &'static str, remote: &'static str, leader_index: &'static str| {
        let local = local.clone();
        async move { followers::follow(&local, name, remote, leader_index, FollowParameters::default()).await.unwrap_err() }
    };
    local.create_index("taken", &json!({})).await.unwrap();
    let exists = follow("taken", "leader", "myindex").await;
    assert_eq!((exists.status(), exists.es_type()), (Some(500), Some("snapshot_restore_exception")));
    let no_remote = follow("x", "nowhere", "myindex").await;
    assert_eq!((no_remote.status(), no_remote.es_type()), (Some(404), Some("no_such_remote_cluster_exception")));
    let no_leader = follow("y", "leader", "missing").await;
    assert_eq!((no_leader.status(), no_leader.es_type()), (Some(404), Some("index_not_found_exception")));

    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let open = local.unfollow("copy").await.unwrap_err();
    let recorded = fixture_json("es-examples/error.unfollow.not_closed.400.reconstructed.json");
    let expected = recorded["error"]["reason"].as_str().unwrap().replace("follower_index", "copy");
    assert!(open.to_string().contains(&expected), "{open}");
    drop(leader);
}

#[tokio::test]
async fn soft_deletes_are_required_on_older_leaders() {
    let mut config = SimConfig::new("old-leader");
    config.version = ccr_panel::es::Version::new(6, 8, 0);
    let leader = start_sim_with(config).await;
    client(&leader).create_index("legacy", &json!({})).await.unwrap();
    // 7.x is the newest that talks to 6.8 over the transport.
    let mut config = SimConfig::new("local");
    config.version = ccr_panel::es::Version::new(7, 17, 0);
    let local = start_sim_with(config).await;
    let local_client = client(&local);
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.old.seeds".into(), json!([leader.transport_address.to_string()]));
    local_client.put_cluster_settings(&update).await.unwrap();
    let error =
        followers::follow(&local_client, "copy", "old", "legacy", FollowParameters::default()).await.unwrap_err();
    assert!(error.to_string().contains("leader index [legacy] does not have soft deletes enabled"), "{error}");
}

#[tokio::test]
async fn unfollow_converts_the_follower_into_a_regular_index() {
    let (_leader, _local, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let report = followers::unfollow(&local, "copy", true, &FollowParameters::default()).await;
    assert!(report.succeeded(), "{report:?}");
    let keys: Vec<&str> = report.steps.iter().map(|s| s.key).collect();
    assert_eq!(keys, ["step-pause-follower", "step-close-index", "step-unfollow", "step-open-index"]);
    assert!(local.follow_info("copy").await.unwrap().is_empty());
    assert_eq!(count(&local, "copy").await, 3, "the data stays");
    local.index_doc("copy", Some("new"), &json!({"n": 5})).await.expect("a regular index takes writes");
}

#[tokio::test]
async fn a_failed_unfollow_reopens_and_resumes() {
    let (_leader, local_sim, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let refusal = json!({"error": {"root_cause": [], "type": "illegal_state_exception", "reason": "cluster busy"}, "status": 500});
    local_sim
        .sim
        .inject_fault(Fault::new("/copy/_ccr/unfollow", FaultKind::Status { status: 500, body: refusal }).once());
    let report = followers::unfollow(&local, "copy", true, &FollowParameters::default()).await;
    assert!(report.rolled_back_cleanly(), "{report:?}");
    assert_eq!(report.steps[0].outcome, StepOutcome::Undone, "resumed");
    assert_eq!(report.steps[1].outcome, StepOutcome::Undone, "reopened");
    assert_eq!(report.steps[2].outcome, StepOutcome::Failed("[illegal_state_exception] cluster busy".into()));
    assert_eq!(report.steps[3].outcome, StepOutcome::NotRun);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "active", "following again, not paused by surprise");
    assert_eq!(local.cat_indices(Some("copy")).await.unwrap()[0].status, "open", "open, not closed by surprise");
}

#[tokio::test]
async fn editing_parameters_pauses_resumes_and_rolls_back() {
    let (_leader, local_sim, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let old = FollowParameters::default();
    let new = FollowParameters { max_read_request_operation_count: Some(100), ..FollowParameters::default() };
    assert!(followers::edit(&local, "copy", &old, &new).await.succeeded());
    let info = local.follow_info("copy").await.unwrap();
    assert_eq!(info[0].parameters.as_ref().unwrap().max_read_request_operation_count, Some(100));

    let refusal = json!({"error": {"root_cause": [], "type": "illegal_argument_exception", "reason": "bad parameter"}, "status": 400});
    local_sim
        .sim
        .inject_fault(Fault::new("/copy/_ccr/resume_follow", FaultKind::Status { status: 400, body: refusal }).once());
    let report = followers::edit(&local, "copy", &new, &old).await;
    assert_eq!(report.steps[0].outcome, StepOutcome::Undone);
    assert_eq!(report.failure(), Some("[illegal_argument_exception] bad parameter"));
    let info = local.follow_info("copy").await.unwrap();
    assert_eq!(info[0].status, "active", "resumed with its old parameters");
    assert_eq!(info[0].parameters.as_ref().unwrap().max_read_request_operation_count, Some(100));
}
