//! The migration recipe end to end against two simulated 7.10 clusters, the leader started
//! like one vendor's managed clusters (`--physical-replication`): `orders` has soft deletes,
//! `legacy` has not. Prepare re-indexes `legacy` and clears the vendor setting, connect finds
//! the leader's nodes, follow, verify (a marker comes and goes), cutover: regular, open,
//! writable indices with every document.

use std::collections::BTreeMap;
use std::time::Duration;

use ccr_panel::ccr::migrations::plan::{MigrationPlan, PlannedIndex, StepName};
use ccr_panel::ccr::migrations::recipe::{self, Clusters, VersionCheck};
use ccr_panel::es::{EsClient, Version};
use serde_json::json;

use crate::helpers::*;
use crate::sim_migration::config;

fn planned(name: &str) -> PlannedIndex {
    PlannedIndex {
        leader_index: name.into(),
        source_index: name.into(),
        follower_index: name.into(),
        outcomes: BTreeMap::new(),
    }
}

fn new_plan() -> MigrationPlan {
    MigrationPlan {
        id: "m1".into(),
        created_by: "alice".into(),
        created_at: 0,
        leader_cluster: Some("old".into()),
        leader_endpoint: None,
        remote_cluster: None,
        follower_index_prefix: String::new(),
        follower_index_suffix: String::new(),
        indices: vec![planned("legacy"), planned("orders")],
        runs: BTreeMap::new(),
        running: None,
    }
}

fn record(plan: &mut MigrationPlan, step: StepName, outcomes: &recipe::Outcomes) {
    for index in &mut plan.indices {
        index.outcomes.insert(step, outcomes[&index.leader_index].clone());
    }
}

fn all_ok(outcomes: &recipe::Outcomes) -> bool {
    outcomes.values().all(|o| o.ok)
}

async fn documents(client: &EsClient, index: &str, n: u32) {
    for i in 0..n {
        client.index_doc(index, Some(&format!("{index}-{i}")), &json!({"n": i})).await.unwrap();
    }
}

#[tokio::test]
async fn the_whole_recipe_leaves_regular_indices_with_every_document() {
    let mut leader_config = config("old", Version::new(7, 10, 2));
    leader_config.physical_replication = true;
    let leader_sim = start_sim_with(leader_config).await;
    let local_sim = start_sim_with(config("new", Version::new(7, 10, 2))).await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    leader.create_index("orders", &json!({"settings": {"index.soft_deletes.enabled": true}})).await.unwrap();
    leader.create_index("legacy", &json!({"settings": {"index.soft_deletes.enabled": false}})).await.unwrap();
    documents(&leader, "orders", 20).await;
    documents(&leader, "legacy", 30).await;
    let clusters = Clusters { local: &local, leader: Some(&leader) };
    let mut plan = new_plan();

    // Prepare: both need work; legacy is re-indexed (a task), orders has the vendor setting.
    let (checks, outcomes) = recipe::prepare(clusters, &mut plan).await;
    assert_eq!(checks.versions, Some(VersionCheck::Compatible));
    assert!(checks.local_licence_allows_ccr);
    assert_eq!(outcomes["legacy"].key, "migration-reindexing");
    assert_eq!(outcomes["orders"].key, "migration-setting-cleared");
    record(&mut plan, StepName::Prepare, &outcomes);
    // Prepare again until the re-index is done: then the copy is the index to follow.
    let ready = eventually(Duration::from_secs(10), || {
        let mut attempt = plan.clone();
        async move {
            let (_, outcomes) = recipe::prepare(clusters, &mut attempt).await;
            all_ok(&outcomes)
        }
    })
    .await;
    assert!(ready, "the re-index finishes and both indices can be followed");
    let (_, outcomes) = recipe::prepare(clusters, &mut plan).await;
    record(&mut plan, StepName::Prepare, &outcomes);
    assert_eq!(plan.indices[0].source_index, "legacy-ccr");
    assert_eq!(leader.count("legacy-ccr").await.unwrap(), 30);

    let outcomes = recipe::connect(clusters, &mut plan, "old", Duration::from_secs(5)).await;
    assert!(all_ok(&outcomes), "{outcomes:?}");
    assert_eq!(plan.remote_cluster.as_deref(), Some("old"));
    let outcomes = recipe::follow(clusters, &plan).await;
    assert!(all_ok(&outcomes), "{outcomes:?}");
    assert!(all_ok(&recipe::follow(clusters, &plan).await), "safe to repeat");

    // Writes keep arriving while following.
    documents(&leader, "orders", 25).await;
    let caught_up =
        eventually(Duration::from_secs(5), || async { local.count("orders").await.unwrap_or(0) == 25 }).await;
    assert!(caught_up);
    let outcomes = recipe::verify(clusters, &plan, Duration::from_secs(5)).await;
    assert!(all_ok(&outcomes), "{outcomes:?}");
    assert!(leader.get_doc("orders", recipe::MARKER_ID).await.unwrap().is_none(), "the marker is gone");

    assert!(
        !all_ok(&recipe::cutover(clusters, &plan, false, &Default::default()).await),
        "not without the person's word"
    );
    let outcomes = recipe::cutover(clusters, &plan, true, &Default::default()).await;
    assert!(all_ok(&outcomes), "{outcomes:?}");
    for (index, count) in [("legacy", 30), ("orders", 25)] {
        assert!(local.follow_info(index).await.unwrap().is_empty(), "{index} is a regular index");
        assert_eq!(local.count(index).await.unwrap(), count, "{index}: every document");
        local.index_doc(index, Some("after"), &json!({"n": 0})).await.expect("writable");
    }
    assert!(all_ok(&recipe::cutover(clusters, &plan, true, &Default::default()).await), "safe to repeat");
}

#[tokio::test]
async fn without_the_leader_s_endpoint_the_leader_steps_say_so() {
    let local_sim = start_sim("new").await;
    let local = client(&local_sim);
    let clusters = Clusters { local: &local, leader: None };
    let mut plan = new_plan();
    let (_, outcomes) = recipe::prepare(clusters, &mut plan).await;
    assert!(outcomes.values().all(|o| o.key == "migration-leader-unknown"));
    let outcomes = recipe::connect(clusters, &mut plan, "old", Duration::from_millis(100)).await;
    assert!(outcomes.values().all(|o| o.key == "migration-leader-unknown"));
}

#[test]
fn versions_follow_elasticsearch_s_rules() {
    let v = Version::new;
    assert_eq!(recipe::check_versions(v(7, 10, 2), v(7, 10, 2)), VersionCheck::Compatible);
    assert_eq!(recipe::check_versions(v(7, 17, 0), v(8, 15, 0)), VersionCheck::Compatible);
    assert_eq!(recipe::check_versions(v(7, 10, 2), v(7, 10, 1)), VersionCheck::FollowerOlder);
    assert_eq!(recipe::check_versions(v(6, 8, 0), v(8, 15, 0)), VersionCheck::TooFarApart);
}

#[tokio::test]
async fn the_re_indexed_copy_has_the_source_s_mappings_and_analysis_settings() {
    let mut leader_config = config("old", Version::new(7, 10, 2));
    leader_config.physical_replication = true;
    let leader_sim = start_sim_with(leader_config).await;
    let local_sim = start_sim_with(config("new", Version::new(7, 10, 2))).await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    let mappings = json!({"properties": {"title": {"type": "text", "analyzer": "folded"}, "sku": {"type": "keyword"}}});
    let source = json!({
        "settings": {
            "index.soft_deletes.enabled": false,
            "index.number_of_shards": 2,
            "index.refresh_interval": "5s",
            "index.analysis.analyzer.folded.type": "custom",
            "index.analysis.analyzer.folded.tokenizer": "standard",
            "index.analysis.analyzer.folded.filter": ["lowercase", "asciifolding"],
            "index.blocks.write": true
        },
        "mappings": mappings
    });
    leader.create_index("legacy", &source).await.unwrap();
    let clusters = Clusters { local: &local, leader: Some(&leader) };
    let mut plan = new_plan();
    plan.indices.retain(|i| i.leader_index == "legacy");

    let (_, outcomes) = recipe::prepare(clusters, &mut plan).await;
    assert_eq!(outcomes["legacy"].key, "migration-reindexing", "{outcomes:?}");
    let created: Vec<serde_json::Value> = leader_sim
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path == "/legacy-ccr")
        .map(|r| r.body.unwrap_or_default())
        .collect();
    // Exactly the source's user settings and mappings: no identity, no write block, no soft
    // deletes off, and the vendor's setting explicitly null.
    let expected = json!({
        "settings": {
            "index.analysis.analyzer.folded.filter": ["lowercase", "asciifolding"],
            "index.analysis.analyzer.folded.tokenizer": "standard",
            "index.analysis.analyzer.folded.type": "custom",
            "index.number_of_replicas": "1",
            "index.number_of_shards": "2",
            "index.refresh_interval": "5s",
            "index.replication.type": null,
            "index.soft_deletes.enabled": true
        },
        "mappings": mappings
    });
    assert_eq!(created, vec![expected]);
    let copy = leader.index_definition("legacy-ccr").await.unwrap().unwrap();
    assert_eq!(serde_json::Value::Object(copy.mappings), mappings);
    assert_eq!(copy.settings["index.analysis.analyzer.folded.filter"], json!(["lowercase", "asciifolding"]));
    assert_eq!(copy.settings["index.soft_deletes.enabled"], "true");
    assert!(!copy.settings.contains_key("index.replication.type"));
    assert!(!copy.settings.contains_key("index.blocks.write"), "the copy takes writes");
}
