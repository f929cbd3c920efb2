//! Prepare's confirmation shows the exact request that creates the re-indexed copy: the
//! source's mappings and user settings, read from the leader, soft deletes on.

use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn the_prepare_confirmation_shows_the_copy_with_the_source_s_mappings() {
    let clusters = TwoClusters::start().await;
    let mut visitor = Visitor::new(&clusters.panel());
    let at = plan(&mut visitor, "legacy").await;
    let asked = visitor.post_form(&format!("{at}/prepare"), &[]).await;
    assert_eq!(asked.status, 200);
    let put = asked
        .texts("#confirm-requests pre code")
        .into_iter()
        .find(|t| t.starts_with("PUT legacy-ccr {"))
        .expect("the copy's request is shown");
    let body: Value = serde_json::from_str(put.trim_start_matches("PUT legacy-ccr ")).unwrap();
    // `legacy` got its mapping from its documents (dynamic mapping): `n` is a long.
    assert_eq!(body["mappings"], json!({"properties": {"n": {"type": "long"}}}));
    assert_eq!(body["settings"]["index.soft_deletes.enabled"], true);
    assert_eq!(body["settings"]["index.replication.type"], Value::Null);
    assert!(body["settings"].get("index.uuid").is_none() && body["settings"].get("index.creation_date").is_none());
    let curl = asked.texts("#confirm-requests pre code").into_iter().find(|t| t.contains("/legacy-ccr\"")).unwrap();
    assert!(curl.contains("\"mappings\":{\"properties\":{\"n\":{\"type\":\"long\"}}}"), "{curl}");

    // The copy made by prepare is exactly what was shown.
    clusters.leader.sim.clear_requests();
    run(&mut visitor, &at, "prepare", &[]).await;
    let sent: Vec<Value> = clusters
        .leader
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path == "/legacy-ccr")
        .map(|r| r.body.unwrap_or_default())
        .collect();
    assert_eq!(sent, vec![body]);
}
