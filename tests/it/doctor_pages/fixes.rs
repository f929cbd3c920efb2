//! The fixes the doctor applies itself, each a real form that works without JavaScript:
//! releasing an orphan retention lease (confirmation first, CSRF-protected, audited) and
//! following the leader indices an auto-follow pattern missed.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use serde_json::json;

use super::{findings, pair_panel};
use crate::helpers::*;

/// The leader keeps a lease for `gone-copy`, which was deleted on the local cluster without
/// unfollowing; `orders-copy` still follows. The panel manages both clusters.
pub(crate) async fn an_orphan_lease() -> (ccr_panel::sim::SimServer, ccr_panel::sim::SimServer, axum::Router) {
    let leader_sim = start_sim("leader").await;
    let local_sim = start_sim("local").await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    for index in ["orders", "gone"] {
        leader.create_index(index, &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    }
    add_remote(&local_sim, "leader", &[&leader_sim.transport_address.to_string()]).await;
    let connected = eventually(Duration::from_secs(5), || async {
        local.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
    })
    .await;
    assert!(connected);
    followers::follow(&local, "orders-copy", "leader", "orders", FollowParameters::default()).await.unwrap();
    followers::follow(&local, "gone-copy", "leader", "gone", FollowParameters::default()).await.unwrap();
    local.delete_index("gone-copy").await.unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    (leader_sim, local_sim, panel)
}

const ORPHAN: &str = "li.finding[data-check=D11][data-subject='follower:gone-copy']";

/// The hidden fields of the orphan's "Release the lease" form.
pub(crate) fn lease_fields(page: &Page) -> Vec<(String, String)> {
    let html = page.html();
    let selector = scraper::Selector::parse(&format!("{ORPHAN} form.fix-action input[type=hidden]")).unwrap();
    html.select(&selector)
        .map(|i| (i.value().attr("name").unwrap().to_owned(), i.value().attr("value").unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn an_orphan_lease_is_released_after_a_confirmation() {
    let (leader_sim, _local_sim, panel) = an_orphan_lease().await;
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/doctor").await;
    assert_eq!(page.attr(ORPHAN, "data-verdict").as_deref(), Some("warn"), "{:?}", findings(&page));
    assert!(page.text(&format!("{ORPHAN} .explanation")).contains("a follower that no longer exists here"));
    // The deleted follower has no page to link to.
    assert!(page.html().select(&scraper::Selector::parse(&format!("{ORPHAN} .subject a")).unwrap()).next().is_none());
    // Show request: sent to the leader, not to this cluster.
    assert!(page.text(&format!("{ORPHAN} .fix-request")).contains("Send this request to the leader cluster"));
    assert!(page.text(&format!("{ORPHAN} code[id$=-console]")).starts_with("POST /gone/_ccr/forget_follower"));
    let curl = page.text(&format!("{ORPHAN} code[id$=-curl]"));
    assert!(curl.contains(&format!("{}/gone/_ccr/forget_follower", leader_sim.url().trim_end_matches('/'))), "{curl}");
    assert_eq!(page.attr(&format!("{ORPHAN} form.fix-action"), "action").as_deref(), Some("/doctor/forget-follower"));
    let fields = lease_fields(&page);
    assert_eq!(fields.iter().find(|(k, _)| k == "follower_index").map(|(_, v)| v.as_str()), Some("gone-copy"));

    // The form is a GET to a confirmation page that says what cannot be undone.
    let query = serde_urlencoded::to_string(&fields).unwrap();
    let confirm = visitor.get(&format!("/doctor/forget-follower?{query}")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text("main").contains("This cannot be undone"), "{}", confirm.body);
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // Without the checkbox nothing happens.
    let unconfirmed = visitor.post_form("/doctor/forget-follower", &form).await;
    assert!(unconfirmed.text("#confirm-error").contains("Tick the box"));
    let forgets = || {
        leader_sim
            .sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/gone/_ccr/forget_follower")
            .count()
    };
    assert_eq!(forgets(), 0);

    // A forged request (no CSRF token) is refused.
    form.push(("confirm", "yes"));
    let forged = post_form_raw(&panel, "/doctor/forget-follower", &form, None).await;
    assert_eq!(forged.status, 403);
    assert_eq!(forgets(), 0);

    let done = visitor.post_form("/doctor/forget-follower", &form).await;
    assert_eq!(done.status, 200);
    assert!(done.text("#forget-outcome").contains("The lease is released"), "{}", done.text("main"));
    assert_eq!(forgets(), 1);
    let sent = leader_sim.sim.requests().into_iter().find(|r| r.path == "/gone/_ccr/forget_follower").unwrap();
    assert_eq!(sent.body.unwrap()["follower_index"], "gone-copy");
    let after = visitor.get("/doctor").await;
    assert!(!findings(&after).iter().any(|(_, s, _)| s == "follower:gone-copy"), "released: {:?}", findings(&after));
}

#[tokio::test]
async fn a_lease_of_a_follower_that_still_exists_is_not_released() {
    let (leader_sim, local_sim, panel) = an_orphan_lease().await;
    let uuid =
        client(&local_sim).index_settings("orders-copy").await.unwrap()["orders-copy"].settings["index.uuid"].clone();
    let form = [
        ("leader_index", "orders"),
        ("follower_cluster", "local"),
        ("follower_index", "orders-copy"),
        ("follower_index_uuid", uuid.as_str().unwrap_or("x")),
        ("leader_remote_cluster", "leader"),
        ("confirm", "yes"),
    ];
    let page = Visitor::new(&panel).post_form("/doctor/forget-follower", &form).await;
    assert!(page.text("#forget-outcome").contains("Nothing was done"), "{}", page.text("main"));
    assert!(!leader_sim.sim.requests().iter().any(|r| r.path.ends_with("/_ccr/forget_follower")));
}

#[tokio::test]
async fn only_a_lease_the_leader_holds_for_this_cluster_is_released() {
    let (leader_sim, _local_sim, panel) = an_orphan_lease().await;
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/doctor").await;
    let fields = lease_fields(&page);
    assert!(!fields.is_empty(), "the orphan's form: {:?}", findings(&page));
    let forgets =
        || leader_sim.sim.requests().into_iter().filter(|r| r.path.ends_with("/_ccr/forget_follower")).count();
    // The same lease with one field changed: another cluster's follower (whose lease is none of
    // this panel's business, and may still be needed), another uuid, another leader index.
    for (field, value) in
        [("follower_cluster", "elsewhere"), ("follower_index_uuid", "not-the-uuid"), ("leader_index", "orders")]
    {
        let mut form: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), if k == field { value } else { v.as_str() })).collect();
        form.push(("confirm", "yes"));
        let done = visitor.post_form("/doctor/forget-follower", &form).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.text("#forget-outcome").contains("Nothing was done"), "{field}: {}", done.text("main"));
        assert_eq!(forgets(), 0, "{field}: nothing sent to the leader");
    }
}

#[tokio::test]
async fn leader_indices_a_pattern_missed_are_followed_from_the_doctor() {
    let (leader_sim, local_sim, leader, local) = crate::replication::connected_pair().await;
    leader.create_index("logs-old", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    local
        .put_auto_follow_pattern_raw(
            "logs",
            &json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"], "follow_index_pattern": "{{leader_index}}-copy"}),
        )
        .await
        .unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/doctor").await;
    let d13 = "li.finding[data-check=D13][data-subject='pattern:logs']";
    assert_eq!(page.attr(d13, "data-verdict").as_deref(), Some("warn"));
    assert!(page.text(&format!("{d13} .explanation")).contains("logs-old"));
    let action = page.attr(&format!("{d13} form.fix-action"), "action").unwrap();
    assert_eq!(action, "/auto-follow-patterns/logs/follow-existing");
    assert_eq!(page.attr(&format!("{d13} form.fix-action input[name=all]"), "value").as_deref(), Some("yes"));

    let report = visitor.post_form(&action, &[("all", "yes")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(local.index_exists("logs-old-copy").await.unwrap(), "followed");
    let after = visitor.get("/doctor").await;
    assert_eq!(after.attr(d13, "data-verdict").as_deref(), Some("pass"));
}

/// The ticked checkboxes of a form: (name, value).
fn ticked(page: &Page, form: &str) -> Vec<(String, String)> {
    let html = page.html();
    let selector = scraper::Selector::parse(&format!("{form} input[type=checkbox][checked]")).unwrap();
    html.select(&selector)
        .map(|i| (i.value().attr("name").unwrap().to_owned(), i.value().attr("value").unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn before_an_upgrade_everything_pauses_and_after_it_resumes() {
    let (leader_sim, local_sim, _leader, local) = crate::replication::connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local
        .put_auto_follow_pattern_raw("logs", &json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]}))
        .await
        .unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/doctor").await;
    let d6 = "li.finding[data-check=D6][data-subject='remote:leader']";
    assert!(page.text(&format!("{d6} .explanation")).contains("upgrade this cluster (the follower side) first"));
    assert_eq!(page.attr("#halt-pause-leader", "href").as_deref(), Some("/doctor/replication?action=pause"));

    // The page says what will be paused, each ticked; nothing happens before the POST.
    let confirm = visitor.get("/doctor/replication?action=pause").await;
    assert_eq!(confirm.status, 200);
    let chosen = ticked(&confirm, "#halt-form");
    assert_eq!(chosen, [("patterns".to_owned(), "logs".to_owned()), ("followers".to_owned(), "copy".to_owned())]);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "active");

    let mut form: Vec<(&str, &str)> = vec![("action", "pause")];
    // Nothing ticked: nothing done, and the page says so.
    let nothing = visitor.post_form("/doctor/replication", &form).await;
    assert!(nothing.text("#confirm-error").contains("Nothing was chosen"));
    form.extend(chosen.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let forged = post_form_raw(&panel, "/doctor/replication", &form, None).await;
    assert_eq!(forged.status, 403);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "active");

    let report = visitor.post_form("/doctor/replication", &form).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.texts("#halt-report li .badge"), ["done", "done"]);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "paused");
    let patterns = local.auto_follow_patterns().await.unwrap();
    assert!(!patterns[0].pattern.active, "the pattern is paused");

    // After the upgrade: resume them all.
    let confirm = visitor.get("/doctor/replication?action=resume").await;
    let chosen = ticked(&confirm, "#halt-form");
    assert_eq!(chosen, [("patterns".to_owned(), "logs".to_owned()), ("followers".to_owned(), "copy".to_owned())]);
    let mut form: Vec<(&str, &str)> = vec![("action", "resume")];
    form.extend(chosen.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let report = visitor.post_form("/doctor/replication", &form).await;
    assert_eq!(report.texts("#halt-report li .badge"), ["done", "done"]);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "active");
    assert!(local.auto_follow_patterns().await.unwrap()[0].pattern.active);
    let nothing_left = visitor.get("/doctor/replication?action=resume").await;
    assert!(nothing_left.text("#halt-nothing").contains("Nothing to resume"));
}

#[tokio::test]
async fn the_fix_pages_in_chinese_carry_no_english_sentence() {
    let (_leader_sim, _local_sim, panel) = an_orphan_lease().await;
    let page = Visitor::new(&panel).get("/doctor").await;
    let query = serde_urlencoded::to_string(lease_fields(&page)).unwrap();
    let english = crate::i18n::english_sentences();
    for path in [
        "/doctor/replication?action=pause".to_owned(),
        "/doctor/replication?action=resume".to_owned(),
        format!("/doctor/forget-follower?{query}"),
    ] {
        let page = get_with(&panel, &path, &[("accept-language", "zh-CN")]).await;
        assert_eq!(page.status, 200, "{path}");
        let text = page.texts("main").join(" ");
        for sentence in &english {
            assert!(!text.contains(sentence.as_str()), "{path} in zh-CN shows English: {sentence}");
        }
    }
}
