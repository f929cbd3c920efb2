//! The auto-follow domain against two simulators: an edit keeps every field the form does not
//! show; only indices created after the pattern are followed, and the existing ones are told
//! apart and can be followed on request; errors are attributed to their pattern.

use std::time::Duration;

use ccr_panel::ccr::auto_follow::spec::{FormRules, PatternForm};
use ccr_panel::ccr::auto_follow::{self, ErrorDiagnosis, PatternAction};
use serde_json::json;

use crate::helpers::*;

const RULES: FormRules = FormRules { major: 8, exclusions: true };

#[tokio::test]
async fn editing_a_pattern_keeps_every_field_the_form_does_not_show() {
    let (_leader, _local_sim, _leader_client, local) = crate::replication::connected_pair().await;
    // Made through the API with everything Elasticsearch takes.
    let created = json!({
        "remote_cluster": "leader",
        "leader_index_patterns": ["logs-*", "metrics-*"],
        "leader_index_exclusion_patterns": ["logs-debug-*"],
        "follow_index_pattern": "{{leader_index}}-copy",
        "max_read_request_operation_count": 100,
        "max_retry_delay": "2s",
        "settings": {"index.number_of_replicas": 0},
    });
    local.put_auto_follow_pattern_raw("mirror", &created).await.unwrap();

    let (_, before) = auto_follow::detail(&local, "mirror").await.unwrap().expect("the pattern");
    let mut form = PatternForm::from_pattern("mirror", &before);
    form.leader_index_patterns = form.leader_index_patterns.replace("metrics-*", "metrics-2026-*");
    let spec = form.check(RULES).unwrap();
    auto_follow::save(&local, &spec, Some(&before)).await.unwrap();

    let (view, after) = auto_follow::detail(&local, "mirror").await.unwrap().unwrap();
    assert_eq!(view.leader_index_patterns, ["logs-*", "metrics-2026-*"]);
    assert_eq!(view.leader_index_exclusion_patterns, ["logs-debug-*"]);
    assert_eq!(after["follow_index_pattern"], "{{leader_index}}-copy");
    assert_eq!(after["max_read_request_operation_count"], 100);
    assert_eq!(after["max_retry_delay"], "2s");
    assert_eq!(after["settings"], before["settings"], "the index settings overrides are kept");
    assert!(view.active);
}

#[tokio::test]
async fn only_new_indices_are_followed_and_existing_ones_can_be_followed_on_request() {
    let (_leader, _local_sim, leader, local) = crate::replication::connected_pair().await;
    leader.create_index("logs-old", &json!({})).await.unwrap();
    leader.index_doc("logs-old", Some("1"), &json!({"n": 1})).await.unwrap();

    let form: PatternForm = serde_urlencoded::from_str(
        "name=logs&remote_cluster=leader&leader_index_patterns=logs-*&leader_index_exclusion_patterns=logs-debug-*&follow_index_suffix=-copy",
    )
    .unwrap();
    let spec = form.check(RULES).unwrap();
    // The preview, before saving: logs-old exists, so it will not be followed.
    let (indices, followed) = auto_follow::preview_inputs(&local, "leader").await.unwrap();
    let preview = auto_follow::preview::preview(
        &indices.expect("8.x lists the remote's indices"),
        &spec.leader_index_patterns,
        &spec.leader_index_exclusion_patterns,
        &spec.follow_index_pattern,
        &followed,
    );
    assert_eq!(preview.existing.iter().map(|m| m.leader_index.as_str()).collect::<Vec<_>>(), ["logs-old"]);
    assert_eq!(preview.existing[0].follower_index, "logs-old-copy");
    auto_follow::save(&local, &spec, None).await.unwrap();

    leader.create_index("logs-a", &json!({})).await.unwrap();
    leader.index_doc("logs-a", Some("1"), &json!({"n": 1})).await.unwrap();
    leader.create_index("logs-debug-a", &json!({})).await.unwrap();
    let made = eventually(Duration::from_secs(5), || async { local.index_exists("logs-a-copy").await.unwrap() }).await;
    assert!(made, "a new matching index is followed");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!local.index_exists("logs-debug-a-copy").await.unwrap(), "excluded");
    assert!(!local.index_exists("logs-old-copy").await.unwrap(), "existed before the pattern");

    let (patterns, counters) = auto_follow::list(&local).await.unwrap();
    assert_eq!(patterns[0].followers, ["logs-a-copy"]);
    assert_eq!(counters.successful_follow_indices, 1);

    // Follow the existing one on request, with the pattern's naming.
    let report = auto_follow::follow_existing(&local, &patterns[0], &["logs-old".into(), "other".into()]).await;
    assert_eq!(report.len(), 1, "an index the pattern does not match is skipped");
    assert_eq!(report[0].follower_index, "logs-old-copy");
    assert!(report[0].outcome.is_ok(), "{:?}", report[0].outcome);
    assert_eq!(local.count("logs-old-copy").await.unwrap(), 1);

    // Pause: the next new index is not followed. Delete: the followers stay.
    assert!(auto_follow::act(&local, "logs", PatternAction::Pause).await.succeeded());
    leader.create_index("logs-b", &json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!local.index_exists("logs-b-copy").await.unwrap());
    assert!(!auto_follow::list(&local).await.unwrap().0[0].active);
    assert!(auto_follow::act(&local, "logs", PatternAction::Delete).await.succeeded());
    assert!(auto_follow::list(&local).await.unwrap().0.is_empty());
    assert!(local.index_exists("logs-a-copy").await.unwrap(), "its followers stay");
}

#[tokio::test]
async fn a_leader_without_soft_deletes_is_a_recent_error_of_its_pattern() {
    let (leader, local) = legacy_leader_pair().await;
    let local = client(&local);
    let spec =
        serde_urlencoded::from_str::<PatternForm>("name=legacy&remote_cluster=leader&leader_index_patterns=legacy-*")
            .unwrap()
            .check(RULES)
            .unwrap();
    auto_follow::save(&local, &spec, None).await.unwrap();
    client(&leader)
        .create_index("legacy-1", &json!({"settings": {"index.soft_deletes.enabled": false}}))
        .await
        .unwrap();
    let failed = eventually(Duration::from_secs(5), || async {
        auto_follow::list(&local).await.unwrap().0[0]
            .errors
            .iter()
            .any(|e| e.leader_index.as_deref() == Some("legacy-1"))
    })
    .await;
    assert!(failed);
    let (patterns, counters) = auto_follow::list(&local).await.unwrap();
    assert_eq!(patterns[0].errors[0].diagnosis, ErrorDiagnosis::NoSoftDeletes);
    assert!(counters.failed_follow_indices >= 1);
}
