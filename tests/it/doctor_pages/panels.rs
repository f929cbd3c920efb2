//! The doctor on other pages: a panel on each detail page with the findings about that one
//! thing (loaded after the page), and the failing count on the overview.

use ccr_panel::ccr::followers;
use ccr_panel::es::{ClusterSettingsUpdate, FollowParameters};

use super::{findings, pair_panel};
use crate::helpers::*;
use crate::replication::connected_pair;

#[tokio::test]
async fn a_follower_page_loads_the_findings_about_that_follower_only() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    followers::follow(&local, "other", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local.pause_follow("other").await.unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);

    // The detail page stays fast: it only says where the panel comes from (and links to the
    // doctor for a browser without JavaScript).
    let page = Visitor::new(&panel).get("/follower-indices/other").await;
    assert_eq!(page.attr("#doctor-panel", "hx-get").as_deref(), Some("/doctor/panel?subject=follower:other"));
    assert_eq!(page.attr("#doctor-panel a", "href").as_deref(), Some("/doctor"));

    let fragment = get_with(&panel, "/doctor/panel?subject=follower:other", &[("hx-request", "true")]).await;
    assert_eq!(fragment.status, 200);
    let found = findings(&fragment);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(_, subject, _)| subject == "follower:other"), "{found:?}");
    assert!(found.contains(&("D9".into(), "follower:other".into(), "warn".into())), "{found:?}");
    assert!(fragment.text("li.finding[data-check=D9] .explanation").contains("The follower is paused"));
    // The fix "open the follower's page" is not offered on that very page.
    assert_eq!(fragment.attr("li.finding[data-check=D9] a.fix-page", "href"), None);

    let healthy = get_with(&panel, "/doctor/panel?subject=follower:copy", &[("hx-request", "true")]).await;
    assert!(findings(&healthy).iter().all(|(_, s, v)| s == "follower:copy" && v == "pass"));
    assert!(healthy.text("#doctor-panel").contains("Every check about this passed"));

    // Remote and pattern pages carry the panel too.
    let remote = Visitor::new(&panel).get("/remote-clusters/leader").await;
    assert_eq!(remote.attr("#doctor-panel", "hx-get").as_deref(), Some("/doctor/panel?subject=remote:leader"));
    let fragment = get_with(&panel, "/doctor/panel?subject=remote:leader", &[("hx-request", "true")]).await;
    assert!(findings(&fragment).iter().all(|(_, s, _)| s == "remote:leader"));
    assert!(findings(&fragment).contains(&("D1".into(), "remote:leader".into(), "pass".into())));

    let bad = get_with(&panel, "/doctor/panel?subject=index:x", &[]).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_pattern_page_carries_the_panel() {
    let (leader_sim, local_sim, leader, local) = connected_pair().await;
    leader.create_index("logs-old", &serde_json::json!({})).await.unwrap();
    local
        .put_auto_follow_pattern_raw(
            "logs",
            &serde_json::json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]}),
        )
        .await
        .unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let page = Visitor::new(&panel).get("/auto-follow-patterns/logs").await;
    assert_eq!(page.attr("#doctor-panel", "hx-get").as_deref(), Some("/doctor/panel?subject=pattern:logs"));
    let fragment = get_with(&panel, "/doctor/panel?subject=pattern:logs", &[("hx-request", "true")]).await;
    assert!(findings(&fragment).contains(&("D13".into(), "pattern:logs".into(), "warn".into())));
}

#[tokio::test]
async fn the_overview_counts_failing_checks_and_links_to_them() {
    let (_leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let panel = panel_for(&local_sim);
    let overview = Visitor::new(&panel).get("/").await;
    assert_eq!(
        overview.attr("#health-doctor", "hx-get").as_deref(),
        Some("/doctor/count"),
        "a fragment: a slow doctor does not hold the overview"
    );
    let card = get_with(&panel, "/doctor/count", &[("hx-request", "true")]).await;
    assert_eq!(card.text("#doctor-failing"), "0");

    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::Value::Null);
    local.put_cluster_settings(&update).await.unwrap();
    let page = Visitor::new(&panel).get("/doctor").await;
    let failing = findings(&page).iter().filter(|(_, _, v)| v == "fail").count();
    assert!(failing >= 1);
    let card = get_with(&panel, "/doctor/count", &[("hx-request", "true")]).await;
    assert_eq!(card.text("#doctor-failing"), failing.to_string());
    assert_eq!(card.attr("#doctor-failing", "href").as_deref(), Some("/doctor?verdict=fail"));
}
