//! The remote clusters screen beyond the form: deleting (single, transient, bulk), the
//! detail page and its connection test, the security model, and the self-refreshing status.

use std::time::Duration;

use ccr_panel::es::ClusterSettingsUpdate;
use ccr_panel::sim::SimConfig;
use ccr_panel::sim::state::SettingValue;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn deleting_asks_first_and_names_the_users() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &[&leader.transport_address.to_string()]).await;
    let pattern = ccr_panel::es::AutoFollowPattern {
        active: true,
        remote_cluster: "leader".into(),
        leader_index_patterns: vec!["logs-*".into()],
        leader_index_exclusion_patterns: vec![],
        follow_index_pattern: None,
        parameters: Default::default(),
    };
    client(&sim).put_auto_follow_pattern("logs", &pattern).await.unwrap();
    let panel = panel_for(&sim);

    let confirm = get(&panel, "/remote-clusters/leader/delete").await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.text("li[data-remote=leader] .users"), "Auto-follow patterns: logs");
    assert!(confirm.texts("#confirm_in_use").len() == 1);

    sim.sim.clear_requests();
    let unconfirmed = post_form(&panel, "/remote-clusters/leader/delete", &[]).await;
    assert_eq!(unconfirmed.status, 200, "without confirmation, the confirmation page again");
    let no_ack = post_form(&panel, "/remote-clusters/leader/delete", &[("confirm", "yes")]).await;
    assert_eq!(no_ack.status, 422);
    assert!(no_ack.text("#confirm-in-use-error").contains("Tick the confirmation"));
    assert!(settings_puts(&sim).is_empty(), "nothing deleted yet");

    let done =
        post_form(&panel, "/remote-clusters/leader/delete", &[("confirm", "yes"), ("confirm_in_use", "yes")]).await;
    assert_redirect_to(&done, "/remote-clusters");
    assert_eq!(settings_puts(&sim), [json!({"persistent": {"cluster.remote.leader.seeds": null}})]);
    assert!(client(&sim).remote_info().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_transient_remote_is_deleted_from_the_transient_settings() {
    let sim = start_sim("local").await;
    let mut update = ClusterSettingsUpdate::default();
    update.transient.insert("cluster.remote.temp.seeds".into(), json!(["10.0.0.1:9300"]));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&sim);
    assert_eq!(
        get(&panel, "/remote-clusters").await.text("tr[data-remote=temp] [data-col=defined-in]"),
        "transient settings"
    );
    sim.sim.clear_requests();
    let done = post_form(&panel, "/remote-clusters/temp/delete", &[("confirm", "yes")]).await;
    assert!(done.status.is_redirection());
    assert_eq!(settings_puts(&sim), [json!({"transient": {"cluster.remote.temp.seeds": null}})]);
}

#[tokio::test]
async fn bulk_delete_takes_names_from_the_body_and_reports_each() {
    let sim = start_sim("local").await;
    for name in ["a", "b", "c"] {
        add_remote(&sim, name, &["10.0.0.1:9300"]).await;
    }
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    let confirm = post_form(&panel, "/remote-clusters/delete", &[("names", "a"), ("names", "c")]).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.texts(".delete-list > li > strong"), ["a", "c"]);
    assert_eq!(confirm.attr("#delete-form", "action").as_deref(), Some("/remote-clusters/delete"));

    // One of the two fails: the other is still deleted, and the report says which.
    let refusal =
        json!({"error": {"root_cause": [], "type": "cluster_block_exception", "reason": "blocked"}, "status": 403});
    sim.sim.inject_fault(
        ccr_panel::sim::Fault::new(
            "/_cluster/settings",
            ccr_panel::sim::FaultKind::Status { status: 403, body: refusal },
        )
        .for_method("PUT")
        .once(),
    );
    let report =
        visitor.post_form("/remote-clusters/delete", &[("names", "a"), ("names", "c"), ("confirm", "yes")]).await;
    // POST, redirect, GET: the list says what was deleted and what was not, and why.
    assert_redirect_to(&report, "/remote-clusters");
    let list = visitor.follow(&report).await;
    assert_eq!(list.text("#flash"), "Remote cluster c was deleted.");
    let failure = list.text("#delete-failures li[data-remote=a]");
    assert!(failure.contains("cluster_block_exception") && failure.contains("blocked"), "{failure}");
    let left: Vec<String> = client(&sim).remote_info().await.unwrap().into_keys().collect();
    assert_eq!(left, ["a", "b"]);

    let none = visitor.post_form("/remote-clusters/delete", &[("confirm", "yes")]).await;
    assert_redirect_to(&none, "/remote-clusters");
    let told = visitor.follow(&none).await;
    assert_eq!(told.text("#flash"), "Nothing was deleted: select at least one remote cluster first.");
}

#[tokio::test]
async fn the_detail_page_shows_everything_and_tests_the_connection() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &[&leader.transport_address.to_string()]).await;
    let panel = panel_for(&sim);
    let connected = eventually(Duration::from_secs(5), || async {
        get(&panel, "/remote-clusters/leader").await.text("#remote-status .status") == "Connected"
    })
    .await;
    assert!(connected);
    let page = get(&panel, "/remote-clusters/leader").await;
    let info = page.text("#remote-info");
    for field in [
        "connected",
        "mode",
        "seeds",
        "num_nodes_connected",
        "max_connections_per_cluster",
        "initial_connect_timeout",
        "skip_unavailable",
    ] {
        assert!(info.contains(field), "{field} missing from {info}");
    }
    assert!(page.text("#remote-settings").contains("cluster.remote.leader.seeds"));
    assert_eq!(page.text("#security-model"), "Certificate");
    assert_eq!(page.text("#used-by"), "No follower index or auto-follow pattern uses this remote cluster.");

    sim.sim.clear_requests();
    let test = get_with(&panel, "/remote-clusters/leader/test", &[("hx-request", "true")]).await;
    assert!(test.text("#test-result").starts_with("Connected"));
    assert!(
        sim.sim.requests().iter().any(|r| r.path == "/_resolve/cluster/leader:*"),
        "a live probe, not _remote/info"
    );
    let no_js = get(&panel, "/remote-clusters/leader?test=1").await;
    assert!(no_js.text("#test-result").starts_with("Connected"));

    leader.stop();
    let test = get(&panel, "/remote-clusters/leader/test").await;
    assert!(test.text("#test-result").starts_with("Not connected"));
    assert_eq!(get(&panel, "/remote-clusters/nothing").await.status, 404);
}

#[tokio::test]
async fn the_api_key_model_and_its_classic_mistakes() {
    let mut config = SimConfig::new("local");
    config.node_settings.insert("cluster.remote.keyed.credentials".into(), SettingValue::Text("secret".into()));
    let sim = start_sim_with(config).await;
    add_remote(&sim, "keyed", &["10.0.0.1:9300"]).await;
    add_remote(&sim, "nokey", &["10.0.0.2:9443"]).await;
    let panel = panel_for(&sim);
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.text("tr[data-remote=keyed] [data-col=security]"), "API key");
    let keyed = get(&panel, "/remote-clusters/keyed").await;
    assert_eq!(keyed.text("#security-model"), "API key");
    assert!(keyed.body.contains("not on the remote cluster port 9443"));
    assert!(keyed.text("details").contains("reload_secure_settings"));
    assert!(!keyed.body.contains("secret"), "credentials never reach a page");
    let nokey = get(&panel, "/remote-clusters/nokey").await;
    assert!(nokey.body.contains("no credentials for it are in the local keystore"));
}

#[tokio::test]
async fn status_cells_poll_until_connected_or_clearly_failing() {
    let sim = start_sim("local").await;
    add_remote(&sim, "down", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let panel = panel_for(&sim);
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.attr("#status-down", "hx-get").as_deref(), Some("/remote-clusters/down/status?attempt=1"));
    // The cell alone (a bare <td>, which an HTML parser drops outside a table: read it as text).
    let cell = get_with(&panel, "/remote-clusters/down/status?attempt=4", &[("hx-request", "true")]).await;
    assert!(cell.body.trim_start().starts_with("<td class=\"status\" id=\"status-down\""), "{}", cell.body);
    assert!(cell.body.contains("hx-get=\"/remote-clusters/down/status?attempt=5\""), "{}", cell.body);
    let last = get(&panel, "/remote-clusters/down/status?attempt=10").await;
    assert!(!last.body.contains("hx-get"), "stops polling: {}", last.body);
    assert!(last.body.contains("Still not connected after repeated checks."));
}

#[tokio::test]
async fn unreadable_query_strings_get_the_panels_error_page() {
    let sim = start_sim("local").await;
    add_remote(&sim, "r", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let panel = panel_for(&sim);
    let page = get(&panel, "/remote-clusters?sort=bogus").await;
    assert_eq!(page.status, 400);
    assert_eq!(page.text("h1"), "Request not understood");
    let huge = get(&panel, "/remote-clusters/r/status?attempt=4294967295").await;
    assert_eq!(huge.status, 200, "no overflow");
    assert!(!huge.body.contains("hx-get"));
}
