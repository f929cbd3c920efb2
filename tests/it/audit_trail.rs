//! The audit trail of the follower index and migration screens: every change the panel makes
//! writes one `audit` line naming the action, what it was done to and the outcome.

use std::sync::{Arc, Mutex};

use ccr_panel::logging::LogFormat;
use serde_json::Value;

use crate::helpers::{LogCapture, Visitor, panel_for};
use crate::migrations::{TwoClusters, plan, run};
use crate::replication::connected_pair;

/// The `fields` of every audit line written while `work` ran on this thread (JSON format).
async fn audit_lines<F: Future<Output = ()>>(work: F) -> Vec<Value> {
    let captured = LogCapture::start(LogFormat::Json, "info");
    work.await;
    captured
        .text()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|o| o["target"] == "audit")
        .map(|o| o["fields"].clone())
        .collect()
}

/// Runs `once` up to three times until `complete` says its audit lines hold all it wants:
/// tests on other threads swap subscribers too, and tracing's per-call-site cache can miss a
/// line in that window. What is asserted is what a captured line says, never the race.
async fn audited<F, Fut>(complete: impl Fn(&[Value]) -> bool, once: F) -> Vec<Value>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut lines = Vec::new();
    for _ in 0..3 {
        lines = audit_lines(once()).await;
        if complete(&lines) {
            break;
        }
    }
    lines
}

fn find<'a>(lines: &'a [Value], action: &str, target: &str) -> Option<&'a Value> {
    lines.iter().find(|l| l["action"] == action && l["target_name"] == target)
}

fn line<'a>(lines: &'a [Value], action: &str, target: &str) -> &'a Value {
    find(lines, action, target).unwrap_or_else(|| panic!("no {action} of {target}: {lines:#?}"))
}

#[tokio::test]
async fn creating_pausing_and_converting_a_follower_are_audited() {
    let wanted = [
        ("create_follower_index", "copy"),
        ("pause_follower_index", "copy"),
        ("convert_follower_index", "copy"),
        ("create_follower_index", "taken"),
    ];
    let complete = |lines: &[Value]| wanted.iter().all(|(action, target)| find(lines, action, target).is_some());
    let lines = audited(complete, || async {
        let (_leader, local, _lc, _client) = connected_pair().await;
        let panel = panel_for(&local);
        let mut visitor = Visitor::new(&panel);
        let form = [("remote_cluster", "leader"), ("leader_index", "myindex"), ("follower_index", "copy")];
        let created = visitor.post_form("/follower-indices", &form).await;
        assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
        let paused = visitor.post_form("/follower-indices/copy/pause", &[("back", "detail")]).await;
        assert!(paused.status.is_redirection(), "{}", paused.status);
        let converted = visitor.post_form("/follower-indices/copy/unfollow", &[("confirm", "yes")]).await;
        assert_eq!(converted.status, 200, "{}", converted.body);
        // A follower Elasticsearch refuses (no such leader index) is audited as failed.
        let refused = [("remote_cluster", "leader"), ("leader_index", "missing"), ("follower_index", "taken")];
        let refused = visitor.post_form("/follower-indices", &refused).await;
        assert!(!refused.status.is_redirection(), "{}", refused.status);
    })
    .await;
    let create = line(&lines, "create_follower_index", "copy");
    assert_eq!(create["outcome"], "succeeded", "{create}");
    let request = create["request"].as_str().unwrap();
    assert!(request.contains("PUT copy/_ccr/follow") && request.contains("myindex"), "{request}");
    assert_eq!(create["cluster"], "local");
    assert_eq!(line(&lines, "pause_follower_index", "copy")["outcome"], "succeeded");
    let convert = line(&lines, "convert_follower_index", "copy");
    assert_eq!(convert["outcome"], "succeeded", "{convert}");
    assert!(convert["request"].as_str().unwrap().contains("regular index"), "{convert}");
    let failed = line(&lines, "create_follower_index", "taken");
    assert_eq!(failed["outcome"], "failed", "{failed}");
    assert_ne!(failed["detail"], "", "Elasticsearch's reason is kept: {failed}");
    let actions: Vec<&Value> = lines.iter().filter(|l| l["target_name"] == "copy").collect();
    assert_eq!(actions.len(), 3, "one line per change: {actions:#?}");
}

#[tokio::test]
async fn creating_a_migration_and_running_a_step_are_audited() {
    let id = Arc::new(Mutex::new(String::new()));
    let step_line = |lines: &[Value]| lines.iter().any(|l| l["action"] == "run_migration_step");
    let lines = audited(step_line, || {
        let id = id.clone();
        async move {
            let clusters = TwoClusters::start().await;
            let mut visitor = Visitor::new(&clusters.panel());
            let at = plan(&mut visitor, "orders").await;
            run(&mut visitor, &at, "prepare", &[]).await;
            *id.lock().unwrap() = at.trim_start_matches("/migrations/").to_owned();
        }
    })
    .await;
    let id = id.lock().unwrap().clone();
    let created = line(&lines, "create_migration", &id);
    assert_eq!(created["outcome"], "succeeded", "{created}");
    assert!(created["request"].as_str().unwrap().contains("from old"), "{created}");
    let step = line(&lines, "run_migration_step", &id);
    assert!(step["request"].as_str().unwrap().contains("prepare"), "{step}");
    assert_eq!(step["outcome"], "succeeded", "{step}");
}

#[tokio::test]
async fn the_doctor_releasing_an_orphan_lease_is_audited() {
    let complete = |lines: &[Value]| find(lines, "forget_follower", "gone-copy").is_some();
    let lines = audited(complete, || async {
        let (_leader, _local, panel) = crate::doctor_pages::fixes::an_orphan_lease().await;
        let mut visitor = Visitor::new(&panel);
        let page = visitor.get("/doctor").await;
        let fields = crate::doctor_pages::fixes::lease_fields(&page);
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form.push(("confirm", "yes"));
        let done = visitor.post_form("/doctor/forget-follower", &form).await;
        assert_eq!(done.status, 200, "{}", done.body);
    })
    .await;
    let forget = line(&lines, "forget_follower", "gone-copy");
    assert_eq!(forget["outcome"], "succeeded", "{forget}");
    assert!(forget["request"].as_str().unwrap().contains("gone/_ccr/forget_follower"), "{forget}");
}
