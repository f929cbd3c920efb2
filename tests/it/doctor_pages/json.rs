//! `/doctor.json`: the stable shape monitoring scripts read, always in English.

use ccr_panel::ccr::followers;
use ccr_panel::es::{ClusterSettingsUpdate, FollowParameters};

use super::pair_panel;
use crate::helpers::*;
use crate::replication::connected_pair;

#[tokio::test]
async fn the_json_has_the_documented_shape_failures_first() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::Value::Null);
    local.put_cluster_settings(&update).await.unwrap();

    let panel = pair_panel(&local_sim, &leader_sim);
    // A Chinese browser still gets English: scripts compare these strings.
    let page = get_with(&panel, "/doctor.json", &[("accept-language", "zh-CN")]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(json["cluster"], "local");
    let checks = json["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    for check in checks {
        let keys: Vec<&str> = check.as_object().unwrap().keys().map(String::as_str).collect();
        for key in ["id", "subject", "verdict", "title", "explanation"] {
            assert!(keys.contains(&key), "{key} in {check}");
        }
        assert!(
            keys.iter().all(|k| ["id", "subject", "verdict", "title", "explanation", "fix"].contains(k)),
            "{check}"
        );
        assert!(["fail", "warn", "not_checked", "pass"].contains(&check["verdict"].as_str().unwrap()));
    }
    let first = &checks[0];
    assert_eq!(
        (first["id"].as_str(), first["subject"].as_str(), first["verdict"].as_str()),
        (Some("D3"), Some("follower:copy"), Some("fail"))
    );
    assert_eq!(first["title"], "Remote clusters in use exist");
    assert_eq!(
        first["explanation"],
        "This follower reads from the remote leader, which no longer exists: it cannot replicate. Add the remote again under the same name."
    );
    assert_eq!(first["fix"], serde_json::json!({"page": "/remote-clusters/new"}));
    // The HTML page names the same findings in the same order.
    let html = Visitor::new(&panel).get("/doctor").await;
    let from_page: Vec<(String, String, String)> = super::findings(&html);
    let from_json: Vec<(String, String, String)> = checks
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().into(),
                c["subject"].as_str().unwrap().into(),
                c["verdict"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(from_page, from_json);
}
