//! "Convert to a regular index": the confirmation, the steps, and a fault at each step through
//! the simulator's fault switch, always ending with an open index and a report that says which
//! step failed and what state the index is in.

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use ccr_panel::sim::fault::{Fault, FaultKind};
use serde_json::json;

use crate::helpers::{Visitor, panel_for};
use crate::replication::connected_pair;

#[tokio::test]
async fn convert_asks_first_then_leaves_a_regular_open_writable_index_with_every_document() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let confirm = visitor.get("/follower-indices/copy/unfollow").await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("cannot be undone"));
    let unticked = visitor.post_form("/follower-indices/copy/unfollow", &[("confirming", "yes")]).await;
    assert_eq!(unticked.status, 422);
    assert_eq!(unticked.text("#confirm-error"), "Tick the box to confirm: the conversion cannot be undone.");
    assert!(client.follow_info("copy").await.unwrap().iter().any(|i| i.follower_index == "copy"), "nothing done");

    let report = visitor.post_form("/follower-indices/copy/unfollow", &[("confirm", "yes")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.texts(".steps .badge"), ["done", "done", "done", "done"]);
    assert_eq!(report.text(".index-state"), "The index is open and a regular index.");
    assert!(client.follow_info("copy").await.unwrap().iter().all(|i| i.follower_index != "copy"));
    client.index_doc("copy", Some("new"), &json!({"n": 4})).await.expect("writable");
    assert_eq!(client.count("copy").await.unwrap(), 4);
}

#[tokio::test]
async fn a_fault_at_each_step_leaves_the_index_open_and_says_which_step_failed() {
    let boom = json!({"error": {"root_cause": [], "type": "exception", "reason": "boom"}, "status": 500});
    for (step, path) in
        [(0, "/copy/_ccr/pause_follow"), (1, "/copy/_close"), (2, "/copy/_ccr/unfollow"), (3, "/copy/_open")]
    {
        let (_leader, local, _lc, client) = connected_pair().await;
        followers::follow(&client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
        let panel = panel_for(&local);
        let mut visitor = Visitor::new(&panel);
        local.sim.inject_fault(
            Fault::new(path, FaultKind::Status { status: 500, body: boom.clone() }).for_method("POST").once(),
        );
        let report = visitor.post_form("/follower-indices/copy/unfollow", &[("confirm", "yes")]).await;
        let badges = report.texts(".steps .badge");
        let open =
            client.cat_indices(Some("copy")).await.unwrap().iter().any(|i| i.index == "copy" && i.status == "open");
        assert!(open, "step {step}: the index is open");
        assert_eq!(report.attr(".report", "data-open").as_deref(), Some("true"), "step {step}");
        if step == 3 {
            // The final open is tried once more, and then succeeds.
            assert_eq!(badges, ["done", "done", "done", "done"], "step {step}");
            continue;
        }
        assert_eq!(report.status, 502, "step {step}");
        assert_eq!(badges[step], "failed", "step {step}: {badges:?}");
        assert!(report.text(".steps").contains("boom"), "step {step}: the reason is shown");
        let state = report.text(".index-state");
        if step < 2 {
            assert_eq!(state, "The index is open and still following its leader.", "step {step}: rolled back");
        } else {
            assert!(state.starts_with("The index is open"), "step {step}: {state}");
        }
    }
}

#[tokio::test]
async fn a_follower_whose_remote_was_deleted_can_still_be_paused_and_converted() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::Value::Null);
    client.put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let detail = visitor.get("/follower-indices/copy").await;
    assert_eq!(detail.status, 200);
    assert!(detail.text("#remote-gone").contains("leader"), "{}", detail.body);
    let paused = visitor.post_form("/follower-indices/copy/pause", &[("back", "detail")]).await;
    let detail = visitor.follow(&paused).await;
    assert_eq!(detail.text("#follower-status .badge"), "Paused");
    let report = visitor.post_form("/follower-indices/copy/unfollow", &[("confirm", "yes")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.text(".index-state"), "The index is open and a regular index.");
}

#[tokio::test]
async fn bulk_convert_confirms_the_ticked_names_then_reports_each() {
    let (_leader, local, _lc, client) = connected_pair().await;
    for name in ["a", "b", "c"] {
        followers::follow(&client, name, "leader", "myindex", FollowParameters::default()).await.unwrap();
    }
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let confirm = visitor.post_form("/follower-indices/unfollow", &[("names", "a"), ("names", "c")]).await;
    assert_eq!(confirm.status, 200, "asks first");
    assert!(confirm.html().select(&scraper::Selector::parse("#confirm-error").unwrap()).next().is_none());
    assert_eq!(confirm.texts("#unfollow-names strong"), ["a", "c"]);
    assert_eq!(confirm.attr("#unfollow-form", "action").as_deref(), Some("/follower-indices/unfollow"));
    let report =
        visitor.post_form("/follower-indices/unfollow", &[("names", "a"), ("names", "c"), ("confirm", "yes")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    let converted: Vec<String> =
        ["a", "c"].iter().map(|n| report.attr(&format!(".report[data-follower={n}]"), "data-open").unwrap()).collect();
    assert_eq!(converted, ["true", "true"]);
    let still: Vec<String> = client.follow_info("_all").await.unwrap().into_iter().map(|i| i.follower_index).collect();
    assert_eq!(still, ["b"]);
}

/// A converted follower's lag chart ends with it: a new follower of that name starts its own.
#[tokio::test]
async fn converting_forgets_the_followers_lag_history() {
    use ccr_panel::web::auth::AuthSettings;
    use ccr_panel::{AppState, ManagedCluster};
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let state = AppState::new(
        vec![ManagedCluster { name: "local".into(), client: crate::helpers::client(&local) }],
        AuthSettings::anonymous(),
    );
    let history = state.lag_history.clone();
    let panel = ccr_panel::app(state);
    let mut visitor = Visitor::new(&panel);
    assert_eq!(visitor.get("/follower-indices/copy").await.status, 200);
    assert_eq!(history.samples("local", "copy").len(), 1, "the detail page took a reading");
    let report = visitor.post_form("/follower-indices/copy/unfollow", &[("confirm", "yes")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(history.samples("local", "copy").is_empty());
    assert_eq!(history.followers_tracked(), 0);
}
