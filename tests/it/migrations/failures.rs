//! Each step's failures end in a precise report per index, and nothing half-done.

use std::time::Duration;

use ccr_panel::sim::fault::{Fault, FaultKind};
use serde_json::json;

use super::*;

#[tokio::test]
async fn an_unreachable_leader_is_named_and_nothing_is_changed() {
    let clusters = TwoClusters::start().await;
    let down = client_at(&[format!("http://127.0.0.1:{}", closed_port())], Duration::from_secs(2));
    let panel = panel_with_leader(down, &clusters.local);
    let mut visitor = Visitor::new(&panel);
    let at = plan(&mut visitor, "orders").await;
    clusters.local.sim.clear_requests();
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-leader-unreachable");
    assert_eq!(page.attr("#step-prepare [data-state]", "data-state").unwrap(), "migration-state-next");
    let page = run(&mut visitor, &at, "connect", &[]).await;
    assert_eq!(outcome(&page, "connect", "orders"), "migration-leader-unreachable");
    let writes: Vec<_> = clusters
        .local
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/ccr-panel-migrations"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "only the plan changed: {writes:?}");
    assert!(client(&clusters.local).remote_info().await.unwrap().is_empty(), "no remote was added");
}

#[tokio::test]
async fn a_failing_reindex_task_is_reported_with_elasticsearch_s_reason() {
    let clusters = TwoClusters::start().await;
    let old = client(&clusters.leader);
    // The copy exists already and refuses writes: the re-index task ends with failures.
    old.create_index("legacy-ccr", &json!({"settings": {"index.blocks.write": true}})).await.unwrap();
    let mut visitor = Visitor::new(&clusters.panel());
    let at = plan(&mut visitor, "legacy").await;
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "legacy"), "migration-reindexing");
    let mut failed = None;
    for _ in 0..50 {
        let page = run(&mut visitor, &at, "prepare", &[]).await;
        if outcome(&page, "prepare", "legacy") == "migration-reindex-failed" {
            failed = Some(page);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = failed.expect("the failed task is reported");
    let detail = page.text("#step-prepare tr[data-index='legacy'] [data-col=outcome]");
    assert!(detail.contains("cluster_block_exception"), "{detail}");
    assert!(page.text("#flash").contains("legacy"), "the flash names the index");
    assert_eq!(page.attr("#run-next", "action").unwrap(), format!("{at}/prepare"), "still the next step");
    assert_eq!(old.count("legacy").await.unwrap(), 30, "the leader index is untouched");
}

#[tokio::test]
async fn a_refused_close_leaves_the_index_open_and_says_which_step_failed() {
    let clusters = TwoClusters::start().await;
    let body = json!({"error": {"root_cause": [], "type": "security_exception", "reason": "action [indices:admin/close] is unauthorized"}, "status": 403});
    clusters
        .leader
        .sim
        .inject_fault(Fault::new("/orders/_close", FaultKind::Status { status: 403, body }).for_method("POST"));
    let mut visitor = Visitor::new(&clusters.panel());
    let at = plan(&mut visitor, "orders\nlegacy").await;
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-clear-setting-failed");
    let detail = page.text("#step-prepare tr[data-index='orders'] [data-col=outcome]");
    assert!(detail.contains("unauthorized"), "{detail}");
    assert_eq!(outcome(&page, "prepare", "legacy"), "migration-reindexing", "the other index carries on");
    let state = client(&clusters.leader).cat_indices(Some("orders")).await.unwrap();
    assert_eq!(state[0].status, "open", "left open");
    let settings = client(&clusters.leader).index_settings("orders").await.unwrap()["orders"].settings.clone();
    assert!(settings.contains_key("index.replication.type"), "unchanged: {settings:?}");
}
