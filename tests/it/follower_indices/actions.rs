//! Pause, resume (with the settings the follower had), edit (pause, then resume with the new
//! settings), one at a time and in bulk: the list shows the new state at once.

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use serde_json::json;

use super::sent;
use crate::helpers::{Visitor, panel_for};
use crate::replication::connected_pair;

fn custom() -> FollowParameters {
    FollowParameters {
        max_read_request_operation_count: Some(100),
        read_poll_timeout: Some("30s".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn pause_shows_paused_at_once_and_resume_sends_the_custom_settings_back() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", custom()).await.unwrap();
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    assert_eq!(
        visitor.get("/follower-indices").await.attr("tr[data-follower=copy]", "data-status").as_deref(),
        Some("active")
    );

    let paused = visitor.post_form("/follower-indices/copy/pause", &[("back", "q=cop")]).await;
    assert_eq!(paused.header("location"), Some("/follower-indices?q=cop"));
    let list = visitor.follow(&paused).await;
    assert_eq!(list.attr("tr[data-follower=copy]", "data-status").as_deref(), Some("paused"));
    assert_eq!(list.text("tr[data-follower=copy] td.status"), "Paused");
    assert_eq!(list.text("#flash"), "Done: copy. The table shows their new state.");
    // Nothing is settling any more: the table stops refreshing itself.
    assert_eq!(list.attr("#follower-table", "hx-trigger"), None);
    let detail = visitor.get("/follower-indices/copy").await;
    assert!(detail.text("#resume-settings").contains("remembered"), "{}", detail.text("#resume-settings"));

    local.sim.clear_requests();
    let resumed = visitor.post_form("/follower-indices/copy/resume", &[("back", "detail")]).await;
    assert_eq!(resumed.header("location"), Some("/follower-indices/copy"));
    let bodies = sent(&local, "POST", "/copy/_ccr/resume_follow");
    // The settings `_ccr/info` reported before the pause, custom ones included.
    let body = bodies[0].body.clone().unwrap();
    assert_eq!(body["max_read_request_operation_count"], json!(100));
    assert_eq!(body["read_poll_timeout"], json!("30s"));
    let detail = visitor.follow(&resumed).await;
    assert_eq!(detail.text("#follower-status .badge"), "Active");
}

#[tokio::test]
async fn a_follower_paused_elsewhere_says_its_resume_uses_the_defaults() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", custom()).await.unwrap();
    client.pause_follow("copy").await.unwrap();
    let panel = panel_for(&local);
    let detail = Visitor::new(&panel).get("/follower-indices/copy").await;
    assert_eq!(detail.status, 200, "a paused follower renders from _ccr/info alone");
    assert!(detail.text("#resume-settings").starts_with("No settings were remembered"));
    let mut visitor = crate::helpers::Visitor::new(&panel);
    let resumed = visitor.post_form("/follower-indices/copy/resume", &[("back", "")]).await;
    let list = visitor.follow(&resumed).await;
    assert_eq!(
        list.text("#resumed-with-defaults"),
        "No settings were remembered for copy: resumed with Elasticsearch's defaults. Edit a follower to change its settings."
    );
}

#[tokio::test]
async fn edit_pauses_then_resumes_with_the_new_settings_and_reports_each_step() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "copy", "leader", "myindex", custom()).await.unwrap();
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let form = visitor.get("/follower-indices/copy/edit").await;
    assert_eq!(form.attr("#max_read_request_operation_count", "value").as_deref(), Some("100"));
    assert!(!form.text("#edit-explains").is_empty());

    local.sim.clear_requests();
    let report = visitor
        .post_form(
            "/follower-indices/copy",
            &[("max_read_request_operation_count", "200"), ("read_poll_timeout", "30s"), ("max_write_buffer_size", "")],
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.texts(".steps .badge"), ["done", "done"]);
    assert_eq!(sent(&local, "POST", "/copy/_ccr/pause_follow").len(), 1);
    let resume = sent(&local, "POST", "/copy/_ccr/resume_follow");
    assert_eq!(resume[0].body, Some(json!({"max_read_request_operation_count": 200, "read_poll_timeout": "30s"})));
    let info = client.follow_info("copy").await.unwrap();
    assert_eq!(info[0].parameters.as_ref().unwrap().max_read_request_operation_count, Some(200));

    // A refused value is shown beside its field; nothing is paused.
    local.sim.clear_requests();
    let refused = visitor.post_form("/follower-indices/copy", &[("max_retry_delay", "0s")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.texts("#max_retry_delay-messages .field-error"), ["The delay must be longer than 0."]);
    assert!(sent(&local, "POST", "/copy/_ccr/pause_follow").is_empty());
}

#[tokio::test]
async fn bulk_pause_and_resume_take_the_names_from_the_body() {
    let (_leader, local, _lc, client) = connected_pair().await;
    for name in ["a", "b", "c"] {
        followers::follow(&client, name, "leader", "myindex", FollowParameters::default()).await.unwrap();
    }
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let paused = visitor.post_form("/follower-indices/pause", &[("names", "a"), ("names", "c"), ("back", "")]).await;
    assert_eq!(paused.header("location"), Some("/follower-indices"));
    let list = visitor.follow(&paused).await;
    let statuses: Vec<_> =
        ["a", "b", "c"].iter().map(|n| list.attr(&format!("tr[data-follower={n}]"), "data-status").unwrap()).collect();
    assert_eq!(statuses, ["paused", "active", "paused"]);
    let resumed = visitor.post_form("/follower-indices/resume", &[("names", "a"), ("names", "ghost")]).await;
    let list = visitor.follow(&resumed).await;
    assert_eq!(list.attr("tr[data-follower=a]", "data-status").as_deref(), Some("active"));
    assert_eq!(list.texts("#action-failures li strong"), ["ghost"]);
    let none = visitor.post_form("/follower-indices/pause", &[]).await;
    assert_eq!(visitor.follow(&none).await.text("#flash"), "Nothing was selected: tick the followers to act on first.");
}
