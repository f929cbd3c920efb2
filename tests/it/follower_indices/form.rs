//! Creating a follower through the form: checks before anything is sent, the exact request
//! body, Elasticsearch's refusals beside their field, the licence.

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use ccr_panel::sim::fault::{Fault, FaultKind};
use serde_json::json;

use super::sent;
use crate::helpers::{Visitor, errors_on, panel_for};
use crate::replication::connected_pair;

#[tokio::test]
async fn create_without_settings_sends_only_remote_and_leader_and_goes_to_the_detail() {
    let (_leader, local, _lc, _local) = connected_pair().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let form = visitor.get("/follower-indices/new").await;
    assert_eq!(form.status, 200);
    assert_eq!(form.texts("#remote_cluster option[value=leader]"), ["leader"]);
    // Asking for the remote's indices fills the picker (no JavaScript needed).
    let picked = visitor.get("/follower-indices/new?remote_cluster=leader").await;
    assert_eq!(picked.attr("#leader-candidates option", "value").as_deref(), Some("myindex"));

    local.sim.clear_requests();
    let created = visitor
        .post_form(
            "/follower-indices",
            &[("remote_cluster", "leader"), ("leader_index", "myindex"), ("follower_index", "copy")],
        )
        .await;
    assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
    assert!(created.header("location").unwrap().starts_with("/follower-indices/copy?created="));
    let puts = sent(&local, "PUT", "/copy/_ccr/follow");
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body, Some(json!({"remote_cluster": "leader", "leader_index": "myindex"})));
    let detail = visitor.follow(&created).await;
    assert_eq!(detail.status, 200);
    assert_eq!(detail.text("#follower-status .badge"), "Active");
}

#[tokio::test]
async fn create_with_settings_sends_exactly_the_chosen_ones_and_the_name_defaults_to_the_leader() {
    let (_leader, local, _lc, _local) = connected_pair().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    local.sim.clear_requests();
    let created = visitor
        .post_form(
            "/follower-indices",
            &[
                ("remote_cluster", "leader"),
                ("leader_index", "myindex"),
                ("follower_index", ""),
                ("max_read_request_operation_count", "100"),
                ("max_read_request_size", "16mb"),
                ("read_poll_timeout", "30s"),
                ("max_retry_delay", ""),
            ],
        )
        .await;
    assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
    let puts = sent(&local, "PUT", "/myindex/_ccr/follow");
    assert_eq!(
        puts[0].body,
        Some(json!({
            "remote_cluster": "leader", "leader_index": "myindex",
            "max_read_request_operation_count": 100, "max_read_request_size": "16mb", "read_poll_timeout": "30s"
        }))
    );
    let detail = visitor.follow(&created).await;
    let custom = detail.texts("#follower-settings tr.custom code");
    assert!(custom.contains(&"max_read_request_operation_count".to_owned()), "{custom:?}");
}

#[tokio::test]
async fn every_problem_is_listed_beside_its_field_and_nothing_is_sent() {
    let (_leader, local, _lc, _local) = connected_pair().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    local.sim.clear_requests();
    let page = visitor
        .post_form(
            "/follower-indices",
            &[
                ("remote_cluster", "nowhere"),
                ("leader_index", "myindex"),
                ("follower_index", "_Bad*Name"),
                ("max_read_request_operation_count", "0"),
                ("max_read_request_size", "lots"),
                ("max_retry_delay", "10m"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(errors_on(&page, "remote_cluster"), ["There is no remote cluster of this name."]);
    assert_eq!(errors_on(&page, "follower_index").len(), 3, "{:?}", errors_on(&page, "follower_index"));
    assert_eq!(errors_on(&page, "max_read_request_operation_count"), ["Enter a number of at least 1."]);
    assert_eq!(errors_on(&page, "max_read_request_size"), ["Enter a size such as 512kb, 32mb or 1gb."]);
    assert_eq!(errors_on(&page, "max_retry_delay"), ["The delay must be at most 5m."]);
    // Kept as typed.
    assert_eq!(page.attr("#max_read_request_size", "value").as_deref(), Some("lots"));
    assert!(local.sim.requests().iter().all(|r| r.method == "GET" || r.method == "HEAD"), "nothing written");
}

#[tokio::test]
async fn a_taken_name_shows_while_typing_and_a_missing_leader_after_submit() {
    let (_leader, local, _lc, local_client) = connected_pair().await;
    local_client.create_index("taken", &json!({})).await.unwrap();
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let live = visitor
        .get("/follower-indices/new/preview?remote_cluster=leader&leader_index=myindex&follower_index=taken")
        .await;
    assert_eq!(
        live.texts("#follower_index-messages .field-error"),
        ["An index of this name already exists on this cluster: choose another name."]
    );
    let ok = visitor
        .get("/follower-indices/new/preview?remote_cluster=leader&leader_index=myindex&follower_index=fresh")
        .await;
    assert!(ok.text("#preview-console").starts_with("PUT /fresh/_ccr/follow?wait_for_active_shards=1"));
    assert!(ok.text("#preview-curl").contains("/fresh/_ccr/follow"));

    let refused = visitor
        .post_form(
            "/follower-indices",
            &[("remote_cluster", "leader"), ("leader_index", "ghost"), ("follower_index", "ghost-copy")],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(errors_on(&refused, "leader_index"), ["There is no index of this name on the remote cluster."]);
    assert_eq!(refused.attr("#follower_index", "value").as_deref(), Some("ghost-copy"));
    assert!(!local_client.index_exists("ghost-copy").await.unwrap());
}

#[tokio::test]
async fn a_basic_licence_explains_what_ccr_needs_and_a_create_shows_the_reason() {
    let (_leader, local, _lc, _local) = connected_pair().await;
    local.sim.set_license(ccr_panel::sim::LicenseKind::Basic);
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let list = visitor.get("/follower-indices").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.text("#licence-notice h2"), "This cluster's licence does not include cross-cluster replication");
    assert!(list.text("#licence-current").to_lowercase().contains("basic"));
    assert!(list.text("#start-trial").contains("_license/start_trial"));
    let refused = visitor
        .post_form(
            "/follower-indices",
            &[("remote_cluster", "leader"), ("leader_index", "myindex"), ("follower_index", "copy")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.text("#es-error").contains("licence does not include cross-cluster replication"),
        "{}",
        refused.text("#es-error")
    );
    assert!(refused.text("#es-error").contains("non-compliant"));
}

#[tokio::test]
async fn a_disconnected_remote_is_marked_and_refused_with_a_link_to_fix_it() {
    let (_leader, local, _lc, _local) = connected_pair().await;
    let port = crate::helpers::closed_port();
    crate::helpers::add_remote(&local, "down", &[&format!("127.0.0.1:{port}")]).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let form = visitor.get("/follower-indices/new").await;
    assert_eq!(form.text("#remote_cluster option[value=down]"), "down (not connected)");
    local.sim.clear_requests();
    let refused = visitor
        .post_form(
            "/follower-indices",
            &[("remote_cluster", "down"), ("leader_index", "myindex"), ("follower_index", "x")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        errors_on(&refused, "remote_cluster"),
        ["This remote cluster is not connected: Elasticsearch cannot reach the leader through it."]
    );
    assert_eq!(refused.attr("#fix-remote a", "href").as_deref(), Some("/remote-clusters/down"));
    assert!(sent(&local, "PUT", "/x/_ccr/follow").is_empty(), "nothing was sent");
}

#[tokio::test]
async fn created_with_shards_not_yet_started_is_reported_as_created_and_starting_not_a_failure() {
    let (_leader, local, _lc, client) = connected_pair().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    // Elasticsearch's answer when the wait for active shards timed out: created, not started.
    let answer =
        json!({"follow_index_created": true, "follow_index_shards_acked": false, "index_following_started": false});
    local.sim.inject_fault(
        Fault::new("/copy/_ccr/follow", FaultKind::Status { status: 200, body: answer }).for_method("PUT").once(),
    );
    let created = visitor
        .post_form(
            "/follower-indices",
            &[("remote_cluster", "leader"), ("leader_index", "myindex"), ("follower_index", "copy")],
        )
        .await;
    assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
    assert_eq!(created.header("location"), Some("/follower-indices/copy?created=starting"));
    // The fault answered in Elasticsearch's place: make the follower as Elasticsearch had.
    followers::follow(&client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let detail = visitor.follow(&created).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.text("h1"), "copy");
    assert!(detail.texts(".alert.error").is_empty(), "no failure shown: {}", detail.body);
    let polls = detail.attr("#follower-detail", "hx-get");
    assert_eq!(polls.as_deref(), Some("/follower-indices/copy?created=starting"), "it refreshes until it replicates");
}
