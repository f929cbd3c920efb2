//! The whole recipe through the pages, with a panel restart in the middle.

use std::time::Duration;

use ccr_panel::ccr::migrations::plan;
use ccr_panel::ccr::migrations::plan::StepName;
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_migration_runs_step_by_step_and_survives_a_restart() {
    let clusters = TwoClusters::start().await;
    let (old, new) = (client(&clusters.leader), client(&clusters.local));
    let mut visitor = Visitor::new(&clusters.panel());
    let empty = visitor.get("/migrations").await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.texts("#new-migration").len(), 1, "the empty state offers to start one");

    let at = plan(&mut visitor, "legacy\norders").await;
    let page = visitor.get(&at).await;
    assert_eq!(page.attr("#run-next", "action").unwrap(), format!("{at}/prepare"), "one clear next action");
    assert!(page.text("#step-prepare details").contains("_reindex?wait_for_completion=false"), "Show request");
    assert!(page.text("#step-prepare details").contains("curl -X POST"));
    let transport = clusters.leader.transport_address.to_string();
    assert!(page.text("#step-connect details").contains(&transport), "the seeds from the leader's nodes");

    // Prepare asks first, and says what will happen; nothing is sent to the leader yet.
    clusters.leader.sim.clear_requests();
    let asked = visitor.post_form(&format!("{at}/prepare"), &[]).await;
    assert_eq!(asked.status, 200);
    assert_eq!(asked.texts("#what-will-happen li").len(), 3);
    assert!(clusters.leader.sim.requests().iter().all(|r| r.method == "GET"), "the confirmation changes nothing");

    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "legacy"), "migration-reindexing");
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-setting-cleared");
    assert_eq!(page.attr("#flash", "class").unwrap(), "alert warn long-text");
    let cleared = old.index_settings("orders").await.unwrap()["orders"].settings.clone();
    assert!(!cleared.contains_key("index.replication.type"), "{cleared:?}");
    // Prepare again until the copy is adopted.
    let mut ready = false;
    for _ in 0..50 {
        let page = run(&mut visitor, &at, "prepare", &[]).await;
        if outcome(&page, "prepare", "legacy") == "migration-ready" {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "the re-index finishes and its copy becomes the index to follow");
    assert_eq!(old.count("legacy-ccr").await.unwrap(), 30);

    // A restart: a new panel over the same clusters finds the migration where it was.
    let state = clusters.state();
    let history = state.lag_history.clone();
    let mut visitor = Visitor::new(&ccr_panel::app(state));
    let list = visitor.get("/migrations").await;
    assert_eq!(list.texts("#migrations tbody tr").len(), 1);
    let page = visitor.get(&at).await;
    assert_eq!(page.attr("#step-prepare [data-state]", "data-state").unwrap(), "migration-state-done");
    assert_eq!(page.attr("#run-next", "action").unwrap(), format!("{at}/connect"));
    assert!(page.text("#step-prepare tr[data-index='legacy'] th").contains("legacy-ccr"));

    let page = run(&mut visitor, &at, "connect", &[]).await;
    assert_eq!(outcome(&page, "connect", "legacy"), "migration-connected", "{}", page.body);
    assert_eq!(page.text("#remote"), "old");
    let seeds = new.cluster_settings().await.unwrap().persistent["cluster.remote.old.seeds"].clone();
    assert_eq!(seeds, json!([clusters.leader.transport_address.to_string()]));

    let page = run(&mut visitor, &at, "follow", &[]).await;
    assert_eq!(outcome(&page, "follow", "orders"), "migration-followed", "{}", page.body);
    assert!(page.text("#read-only-note").contains("read-only"));
    assert_eq!(page.texts("#follow-progress tbody tr").len(), 2);
    assert!(page.attr("#follow-progress", "hx-get").is_some_and(|u| u.starts_with(&format!("{at}/progress?lags="))));
    // Writes keep arriving; the progress fragment shows the counts.
    documents(&old, "orders", 20, 5).await;
    let arrived = eventually(Duration::from_secs(10), || async {
        let fragment = visitor_get(&clusters, &format!("{at}/progress")).await;
        fragment.text("tr[data-follower='orders'] [data-col=follower-count]") == "25"
            && fragment.text("tr[data-follower='orders'] [data-col=leader-count]") == "25"
    })
    .await;
    assert!(arrived, "the follower catches up");
    assert_eq!(visitor.get("/follower-indices/orders").await.status, 200);
    assert_eq!(history.samples("new", "orders").len(), 1, "the detail page took a reading");

    let page = run(&mut visitor, &at, "verify", &[]).await;
    assert_eq!(outcome(&page, "verify", "orders"), "migration-verified", "{}", page.body);
    assert_eq!(outcome(&page, "verify", "legacy"), "migration-verified");

    // Cutover needs the box ticked.
    let refused = visitor.post_form(&format!("{at}/cutover"), &[("confirm", "yes")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.texts("#needs-box").len(), 1);
    let page = run(&mut visitor, &at, "cutover", &[("writes_stopped", "yes")]).await;
    assert_eq!(outcome(&page, "cutover", "orders"), "migration-converted", "{}", page.body);
    assert!(page.attr("#run-next", "action").is_none(), "finished");
    assert!(page.attr("#follow-progress", "hx-get").is_none(), "no more polling once cut over");
    assert!(history.samples("new", "orders").is_empty(), "a regular index has no lag chart");
    assert_eq!(history.followers_tracked(), 0);
    for (index, count) in [("legacy", 30), ("orders", 25)] {
        assert!(new.follow_info(index).await.unwrap().is_empty(), "{index} is a regular index");
        assert_eq!(new.count(index).await.unwrap(), count);
        new.index_doc(index, Some("after"), &json!({"n": 0})).await.expect("writable");
    }
    let stored = plan::list(&new, 10).await.unwrap();
    assert!(stored[0].is_finished());
    assert!(stored[0].runs[&StepName::Cutover].ok);
}

async fn visitor_get(clusters: &TwoClusters, path: &str) -> Page {
    get(&clusters.panel(), path).await
}

#[tokio::test]
async fn a_step_someone_else_is_running_is_not_run_twice() {
    let clusters = TwoClusters::start().await;
    let mut visitor = Visitor::new(&clusters.panel());
    let at = plan(&mut visitor, "orders").await;
    let id = at.trim_start_matches("/migrations/");
    let new = client(&clusters.local);
    let stored = plan::read(&new, id).await.unwrap().unwrap();
    plan::claim(&new, &stored, StepName::Prepare, "bob", i64::MAX / 2, 1).await.unwrap();
    clusters.leader.sim.clear_requests();
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(page.attr("#flash", "class").unwrap(), "alert warn long-text");
    assert!(page.text("#flash").contains("someone else"), "{}", page.text("#flash"));
    let writes: Vec<_> = clusters.leader.sim.requests().into_iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "nothing was changed on the leader: {writes:?}");
}

#[tokio::test]
async fn the_form_checks_names_and_refuses_patterns_it_cannot_expand() {
    let clusters = TwoClusters::start().await;
    let mut visitor = Visitor::new(&clusters.panel());
    let page = visitor
        .post_form("/migrations", &[("leader_indices", "logs-*\nBad Name"), ("follower_index_prefix", "A")])
        .await;
    assert_eq!(page.status, 422);
    let errors = page.texts("#leader_indices-messages .field-error");
    assert!(errors.iter().any(|e| e.contains("logs-*") && e.contains("pattern")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("Bad Name")), "{errors:?}");
    assert_eq!(page.texts("#follower_index_prefix-messages .field-error").len(), 1);
    assert_eq!(page.attr("#follower_index_prefix", "value").as_deref(), Some("A"), "what was typed stays");
    // With the leader known, a pattern is expanded there.
    let at = visitor
        .post_form(
            "/migrations",
            &[("leader_cluster", "old"), ("leader_indices", "*"), ("follower_index_suffix", "-copy")],
        )
        .await;
    let page = visitor.follow(&at).await;
    assert_eq!(page.texts("#step-follow tbody tr td:first-of-type"), ["legacy-copy", "orders-copy"]);
}

#[tokio::test]
async fn a_basic_licence_is_named_and_a_trial_is_offered_with_what_it_means() {
    let clusters = TwoClusters::start_with_local_licence(ccr_panel::sim::LicenseKind::Basic).await;
    let mut visitor = Visitor::new(&clusters.panel());
    let at = plan(&mut visitor, "orders").await;
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert!(page.text("#flash").contains("does not include cross-cluster replication"), "{}", page.text("#flash"));
    let asked = visitor.post_form(&format!("{at}/prepare"), &[]).await;
    assert_eq!(asked.texts("#start_trial").len(), 1, "a trial is offered");
    assert!(asked.text("#confirm-form").contains("30 days"));
    let page = run(&mut visitor, &at, "prepare", &[("start_trial", "yes")]).await;
    assert!(!page.text("#flash").contains("licence"), "{}", page.text("#flash"));
    assert_eq!(client(&clusters.local).license().await.unwrap().license_type, "trial");
}
