//! The list and the detail page: status, pause / resume / delete one or several (the list
//! shows the new state at once), delete saying the followers stay, following existing
//! matches on request, and the gating by version and licence.

use std::time::Duration;

use ccr_panel::es::Version;
use ccr_panel::sim::{LicenseKind, SimConfig};
use serde_json::json;

use crate::helpers::*;

async fn pattern(local: &ccr_panel::es::EsClient, name: &str) {
    let body = json!({
        "remote_cluster": "leader",
        "leader_index_patterns": ["logs-*"],
        "leader_index_exclusion_patterns": ["logs-debug-*"],
        "follow_index_pattern": "{{leader_index}}-copy",
    });
    local.put_auto_follow_pattern_raw(name, &body).await.unwrap();
}

#[tokio::test]
async fn bulk_pause_resume_and_delete_show_the_new_state_at_once() {
    let (_leader, local_sim, leader, local) = crate::replication::connected_pair().await;
    pattern(&local, "a").await;
    pattern(&local, "b").await;
    leader.create_index("logs-new", &json!({})).await.unwrap();
    let made =
        eventually(Duration::from_secs(5), || async { local.index_exists("logs-new-copy").await.unwrap() }).await;
    assert!(made);
    let panel = panel_for(&local_sim);
    let mut visitor = Visitor::new(&panel);

    let list = visitor.get("/auto-follow-patterns").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.texts("#auto-follow-patterns tbody tr").len(), 2);
    assert_eq!(list.text("tr[data-pattern=a] [data-col=status]"), "Active");
    assert!(list.text("tr[data-pattern=a] [data-col=followers]").contains("logs-new-copy"));
    assert_eq!(list.text("tr[data-pattern=a] [data-col=exclusions]"), "logs-debug-*");
    assert_eq!(list.text("tr[data-pattern=a] [data-col=follow-pattern]"), "{{leader_index}}-copy");

    let paused = visitor.post_form("/auto-follow-patterns/pause", &[("names", "a"), ("names", "b")]).await;
    assert_redirect_to(&paused, "/auto-follow-patterns");
    let list = visitor.follow(&paused).await;
    assert!(list.text("#flash").contains("Paused"));
    assert_eq!(list.texts("[data-col=status]"), ["Paused", "Paused"]);
    assert!(!local.auto_follow_pattern_raw("a").await.unwrap().unwrap()["active"].as_bool().unwrap());

    let resumed = visitor.post_form("/auto-follow-patterns/resume", &[("names", "b")]).await;
    let list = visitor.follow(&resumed).await;
    assert_eq!(list.text("tr[data-pattern=b] [data-col=status]"), "Active");
    assert_eq!(list.text("tr[data-pattern=a] [data-col=status]"), "Paused");

    // Delete asks first, and says the followers stay.
    let confirm = visitor.post_form("/auto-follow-patterns/delete", &[("names", "a"), ("names", "b")]).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text("#followers-stay").contains("keep replicating"));
    assert!(confirm.text("li[data-pattern=a]").contains("logs-new-copy"));
    assert!(local.auto_follow_pattern_raw("a").await.unwrap().is_some(), "nothing deleted before confirming");
    let deleted =
        visitor.post_form("/auto-follow-patterns/delete", &[("names", "a"), ("names", "b"), ("confirm", "yes")]).await;
    let list = visitor.follow(&deleted).await;
    assert!(list.text("#flash").contains("keep replicating"));
    assert_eq!(list.texts("#patterns-empty").len(), 1);
    assert!(local.index_exists("logs-new-copy").await.unwrap(), "the followers stay");

    let none = visitor.post_form("/auto-follow-patterns/pause", &[]).await;
    assert!(visitor.follow(&none).await.text("#flash").contains("No pattern"));
}

#[tokio::test]
async fn the_detail_page_shows_everything_and_follows_existing_matches_on_request() {
    let (_leader, local_sim, leader, local) = crate::replication::connected_pair().await;
    for index in ["logs-old", "logs-older", "logs-debug-old"] {
        leader.create_index(index, &json!({})).await.unwrap();
    }
    leader.index_doc("logs-old", Some("1"), &json!({"n": 1})).await.unwrap();
    pattern(&local, "logs").await;
    let panel = panel_for(&local_sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/auto-follow-patterns/logs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text("#pattern-status"), "Active");
    assert_eq!(page.text("[data-field=leader_index_exclusion_patterns]"), "logs-debug-*");
    assert_eq!(page.texts("#existing-matches li[data-leader]").len(), 2, "the excluded one is not offered");
    assert!(page.text("#existing-explained").contains("NOT be followed"));
    assert!(page.text("#pattern-counters").contains("number_of_successful_follow_indices"));

    let report = visitor.post_form("/auto-follow-patterns/logs/follow-existing", &[("leaders", "logs-old")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.text("tr[data-leader=logs-old]").contains("Following"));
    assert_eq!(local.count("logs-old-copy").await.unwrap(), 1);
    assert!(!local.index_exists("logs-older-copy").await.unwrap(), "only the chosen one");

    let page = visitor.get("/auto-follow-patterns/logs").await;
    assert_eq!(page.texts("#existing-matches li[data-leader]").len(), 1, "logs-old is followed now");
    assert_eq!(page.text("#pattern-followers"), "logs-old-copy");
    let all = visitor.post_form("/auto-follow-patterns/logs/follow-existing", &[("all", "yes")]).await;
    assert!(all.text("tr[data-leader=logs-older]").contains("Following"));

    // Pause from the detail page comes back to it.
    let paused = visitor.post_form("/auto-follow-patterns/logs/pause", &[("back", "detail")]).await;
    assert_redirect_to(&paused, "/auto-follow-patterns/logs");
    assert_eq!(visitor.follow(&paused).await.text("#pattern-status"), "Paused");
}

#[tokio::test]
async fn old_versions_hide_pause_and_exclusions_and_a_basic_licence_is_explained() {
    let mut config = SimConfig::new("old");
    config.version = Version::new(7, 4, 0);
    let old = start_sim_with(config).await;
    let panel = panel_for(&old);
    let list = get(&panel, "/auto-follow-patterns").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let form = get(&panel, "/auto-follow-patterns/new").await;
    assert_eq!(form.texts("#leader_index_exclusion_patterns").len(), 0);
    assert!(form.text("#exclusions-unsupported").contains("7.14"));
    let refused = post_form(&panel, "/auto-follow-patterns/x/pause", &[]).await;
    assert_eq!(refused.status, 400);

    let basic = start_sim("basic").await;
    basic.sim.set_license(LicenseKind::Basic);
    let page = get(&panel_for(&basic), "/auto-follow-patterns").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.text("#license-needed").contains("licence"));
}

#[tokio::test]
async fn the_list_and_form_speak_chinese() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    pattern(&local, "logs").await;
    let panel = panel_for(&local_sim);
    let list = get_with(&panel, "/auto-follow-patterns", &[("accept-language", "zh-CN")]).await;
    assert_eq!(list.text("tr[data-pattern=logs] [data-col=status]"), "活动中");
    let form = get_with(&panel, "/auto-follow-patterns/new", &[("accept-language", "zh-CN")]).await;
    assert!(form.text("#existing-not-followed-note").contains("不会被跟随"));
}

#[tokio::test]
async fn a_leader_without_soft_deletes_is_explained_in_plain_words() {
    let (leader, local_sim) = legacy_leader_pair().await;
    let local = client(&local_sim);
    local
        .put_auto_follow_pattern_raw(
            "legacy",
            &json!({"remote_cluster": "leader", "leader_index_patterns": ["legacy-*"]}),
        )
        .await
        .unwrap();
    client(&leader)
        .create_index("legacy-1", &json!({"settings": {"index.soft_deletes.enabled": false}}))
        .await
        .unwrap();
    let panel = panel_for(&local_sim);
    let failed = eventually(Duration::from_secs(5), || async {
        get(&panel, "/auto-follow-patterns/legacy").await.texts("#pattern-errors li[data-leader=legacy-1]").len() == 1
    })
    .await;
    assert!(failed);
    let page = get(&panel, "/auto-follow-patterns/legacy").await;
    assert!(page.text("#pattern-errors li").contains("can never be followed"));
    assert!(page.text("#pattern-errors li").contains("soft deletes"), "Elasticsearch's own reason too");
    let list = get(&panel, "/auto-follow-patterns").await;
    assert!(list.text("tr[data-pattern=legacy] [data-col=last-error]").contains("legacy-1"));
}

#[tokio::test]
async fn on_a_basic_licence_a_pattern_page_leads_to_the_explanation() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    pattern(&local, "logs").await;
    local_sim.sim.set_license(LicenseKind::Basic);
    let panel = panel_for(&local_sim);
    assert_redirect_to(&get(&panel, "/auto-follow-patterns/logs").await, "/auto-follow-patterns");
    let form = get(&panel, "/auto-follow-patterns/new").await;
    assert!(form.text("#license-needed").contains("licence"));
}
