//! What the panel does when the cluster misbehaves: every failure gets a precise page, the
//! panel keeps serving, and multi-step actions never leave an index closed by surprise.

use std::time::Duration;

use ccr_panel::ccr::bulk;
use ccr_panel::ccr::steps::{self, StepOutcome};
use ccr_panel::sim::{Fault, FaultKind};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_5xx_shows_elasticsearchs_reason_and_the_next_request_works() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let body = json!({"error": {"root_cause": [], "type": "master_not_discovered_exception", "reason": "no master node"}, "status": 503});
    sim.sim.inject_fault(Fault::new("/_remote/info", FaultKind::Status { status: 503, body }).once());
    let page = get(&panel, "/remote-clusters").await;
    assert_eq!(page.status, 502);
    assert_eq!(page.text("h1"), "Elasticsearch returned an error");
    assert!(page.text(".es-error").contains("master_not_discovered_exception no master node"));
    assert_eq!(get(&panel, "/remote-clusters").await.status, 200, "the fault was one request");
}

#[tokio::test]
async fn a_slow_cluster_times_out_with_its_own_page() {
    let sim = start_sim("local").await;
    let slow = client_at(&[sim.url()], Duration::from_millis(400));
    let panel = panel_with(slow);
    sim.sim.inject_fault(Fault::new("/_remote/info", FaultKind::Hang { millis: 3000 }));
    let page = get(&panel, "/remote-clusters").await;
    assert_eq!(page.status, 504);
    assert_eq!(page.text("h1"), "Elasticsearch did not answer in time");
    // Other pages, and the panel itself, keep working meanwhile.
    assert_eq!(get(&panel, "/follower-indices").await.status, 200);
    assert_eq!(get(&panel, "/healthz").await.status, 200);
}

#[tokio::test]
async fn garbage_and_html_are_named_as_not_elasticsearch() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    for kind in [FaultKind::Garbage, FaultKind::Html] {
        sim.sim.inject_fault(Fault::new("/_remote/info", kind).once());
        let page = get(&panel, "/remote-clusters").await;
        assert_eq!(page.status, 502);
        assert_eq!(page.text("h1"), "This does not look like Elasticsearch");
        assert!(page.text(".attempts").contains("/_remote/info"));
    }
}

#[tokio::test]
async fn a_dead_node_fails_over_to_the_next() {
    let sim = start_sim("local").await;
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let panel = panel_with(client_at(&[dead, sim.url()], Duration::from_secs(5)));
    let page = get(&panel, "/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("[data-testid=cluster-name]"), "local");
}

#[tokio::test]
async fn the_fault_switch_works_over_http_under_its_own_prefix() {
    let sim = start_sim("local").await;
    let http = reqwest::Client::new();
    let rule =
        json!({"path": "/_cluster/health", "kind": "status", "status": 500, "body": {"error": "boom"}, "times": 1});
    let added = http.post(format!("{}/_sim/faults", sim.url())).json(&rule).send().await.unwrap();
    assert_eq!(added.status(), 200);
    assert_eq!(client(&sim).health().await.unwrap_err().status(), Some(500));
    assert!(client(&sim).health().await.is_ok());
    http.delete(format!("{}/_sim/faults", sim.url())).send().await.unwrap();
}

async fn leader_index(sim: &ccr_panel::sim::SimServer) -> ccr_panel::es::EsClient {
    let client = client(sim);
    client.create_index("legacy", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    client
}

async fn is_open(client: &ccr_panel::es::EsClient, index: &str) -> bool {
    client.cat_indices(Some(index)).await.unwrap()[0].status == "open"
}

#[tokio::test]
async fn clearing_a_static_setting_closes_updates_and_reopens() {
    let sim = start_sim("local").await;
    let client = leader_index(&sim).await;
    client.close_index("legacy").await.unwrap();
    client.put_index_settings("legacy", &json!({"index.codec": "best_compression"})).await.unwrap();
    client.open_index("legacy").await.unwrap();

    let report = steps::clear_static_index_setting(&client, "legacy", "index.codec").await.unwrap();
    assert!(report.succeeded(), "{report:?}");
    let keys: Vec<&str> = report.steps.iter().map(|s| s.key).collect();
    assert_eq!(keys, ["step-close-index", "step-clear-setting", "step-open-index"]);
    assert!(is_open(&client, "legacy").await);
    let settings = client.index_settings("legacy").await.unwrap();
    assert!(!settings["legacy"].settings.contains_key("index.codec"));
}

#[tokio::test]
async fn a_failed_update_reopens_the_index() {
    let sim = start_sim("local").await;
    let client = leader_index(&sim).await;
    let refusal =
        json!({"error": {"root_cause": [], "type": "illegal_argument_exception", "reason": "refused"}, "status": 400});
    sim.sim.inject_fault(
        Fault::new("/legacy/_settings", FaultKind::Status { status: 400, body: refusal }).for_method("PUT").once(),
    );
    let report = steps::clear_static_index_setting(&client, "legacy", "index.codec").await.unwrap();
    assert!(!report.succeeded());
    assert!(report.rolled_back_cleanly(), "{report:?}");
    assert_eq!(report.steps[0].outcome, StepOutcome::Undone);
    assert_eq!(report.steps[1].outcome, StepOutcome::Failed("[illegal_argument_exception] refused".into()));
    assert_eq!(report.steps[2].outcome, StepOutcome::NotRun);
    assert!(is_open(&client, "legacy").await, "never left closed by surprise");
}

#[tokio::test]
async fn a_failed_reopen_is_reported_exactly() {
    let sim = start_sim("local").await;
    let client = leader_index(&sim).await;
    let boom = json!({"error": {"root_cause": [], "type": "exception", "reason": "disk full"}, "status": 500});
    sim.sim.inject_fault(Fault::new("/legacy/_open", FaultKind::Status { status: 500, body: boom }));
    let report = steps::clear_static_index_setting(&client, "legacy", "index.codec").await.unwrap();
    // Reopening failed, and so did the second attempt made while undoing the close.
    assert_eq!(report.steps[0].outcome, StepOutcome::UndoFailed("[exception] disk full".into()));
    assert_eq!(report.steps[1].outcome, StepOutcome::Done);
    assert_eq!(report.steps[2].outcome, StepOutcome::Failed("[exception] disk full".into()));
    assert!(!report.rolled_back_cleanly(), "the report does not pretend the index is open");
    assert!(!is_open(&client, "legacy").await);
}

#[tokio::test]
async fn bulk_actions_report_every_item() {
    let report = bulk::for_each(&["a".into(), "b".into(), "c".into()], |name| async move {
        if name == "b" { Err(format!("{name} refused")) } else { Ok(()) }
    })
    .await;
    assert!(!report.all_succeeded());
    assert_eq!(report.succeeded().collect::<Vec<_>>(), ["a", "c"], "one failure does not stop the others");
    assert_eq!(report.failed().collect::<Vec<_>>(), [("b", "b refused")]);
}

#[tokio::test]
async fn a_hanging_live_probe_falls_back_to_remote_info() {
    let sim = start_sim("local").await;
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.far.seeds".into(), json!(["10.0.0.1:9300"]));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_with(client_at(&[sim.url()], Duration::from_secs(3)));
    sim.sim.inject_fault(Fault::new("/_resolve/cluster", FaultKind::Hang { millis: 20_000 }));
    let started = std::time::Instant::now();
    let page = get(&panel, "/remote-clusters").await;
    assert_eq!(page.status, 200, "the list still shows");
    assert!(started.elapsed() < Duration::from_secs(10), "bounded by the client timeout");
    assert!(page.body.contains("may lag behind reality"), "and says where the status came from");
    assert!(page.text("tr[data-remote=far] .status").starts_with("Not connected"));
}

/// The list's live probe asks every remote at once (`_resolve/cluster/*:*`) without waiting
/// for `_remote/info`: held back by a slow `_remote/info`, the probe still arrives first, and
/// the status shown is the probe's.
#[tokio::test]
async fn the_live_probe_of_every_remote_does_not_wait_for_the_list() {
    let (_leader_sim, local_sim, _leader, local) = crate::replication::connected_pair().await;
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.far.seeds".into(), json!(["127.0.0.1:9"]));
    local.put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&local_sim);
    local_sim.sim.clear_requests();
    local_sim.sim.inject_fault(Fault::new("/_remote/info", FaultKind::Hang { millis: 300 }));
    let page = get(&panel, "/remote-clusters").await;
    assert_eq!(page.status, 200);
    let paths: Vec<String> = local_sim.sim.requests().into_iter().map(|r| r.path).collect();
    let probe = paths.iter().position(|p| p == "/_resolve/cluster/*:*").expect("one probe for every remote");
    let info = paths.iter().position(|p| p == "/_remote/info").unwrap();
    assert!(probe < info, "{paths:?}");
    assert_eq!(paths.iter().filter(|p| p.starts_with("/_resolve/cluster")).count(), 1, "{paths:?}");
    assert!(
        page.text("tr[data-remote=leader] .status").starts_with("Connected"),
        "{}",
        page.text("tr[data-remote=leader]")
    );
    assert!(page.text("tr[data-remote=far] .status").starts_with("Not connected"));
    assert!(!page.body.contains("may lag behind reality"), "the status is the probe's");
}
