//! Migration plans kept in the local cluster: they survive the panel (nothing is kept in the
//! process), and Elasticsearch's optimistic concurrency stops two people from running the same
//! step at once.

use std::collections::BTreeMap;

use ccr_panel::ccr::migrations::plan::{self, IndexOutcome, MigrationPlan, PlanWriteError, PlannedIndex, StepName};
use ccr_panel::es::WriteCondition;
use serde_json::json;

use crate::helpers::*;

fn new_plan(id: &str) -> MigrationPlan {
    MigrationPlan {
        id: id.into(),
        created_by: "alice".into(),
        created_at: 1_000,
        leader_cluster: Some("leader".into()),
        leader_endpoint: None,
        remote_cluster: None,
        follower_index_prefix: String::new(),
        follower_index_suffix: String::new(),
        indices: vec![PlannedIndex {
            leader_index: "orders".into(),
            source_index: "orders".into(),
            follower_index: "orders".into(),
            outcomes: BTreeMap::new(),
        }],
        runs: BTreeMap::new(),
        running: None,
    }
}

#[tokio::test]
async fn a_plan_is_stored_in_the_cluster_and_a_step_runs_once() {
    let sim = start_sim("local").await;
    let local = client(&sim);
    plan::create(&local, &new_plan("m1")).await.unwrap();
    assert!(matches!(plan::create(&local, &new_plan("m1")).await, Err(PlanWriteError::Conflict)), "no second m1");

    // Two panels read the same version and both try to run `follow`.
    let first = plan::read(&local, "m1").await.unwrap().expect("stored");
    let second = plan::read(&local, "m1").await.unwrap().unwrap();
    assert_eq!(first.plan.next_step(), Some(StepName::Prepare));
    let claimed = plan::claim(&local, &first, StepName::Follow, "alice", 2_000, 600_000).await.unwrap();
    assert!(matches!(
        plan::claim(&local, &second, StepName::Follow, "bob", 2_001, 600_000).await,
        Err(PlanWriteError::Conflict)
    ));
    // Even with the fresh version, a running step is not claimed twice (until it is stale).
    let fresh = plan::read(&local, "m1").await.unwrap().unwrap();
    assert_eq!(fresh.plan.running.as_ref().map(|r| r.1.as_str()), Some("alice"));
    assert!(plan::claim(&local, &fresh, StepName::Follow, "bob", 3_000, 600_000).await.is_err());

    let outcome = IndexOutcome { ok: true, key: "migration-followed".into(), detail: String::new() };
    plan::finish(&local, &claimed, StepName::Follow, "alice", 4_000, BTreeMap::from([("orders".into(), outcome)]))
        .await
        .unwrap();
    let after = plan::read(&local, "m1").await.unwrap().unwrap();
    assert_eq!(after.plan.running, None);
    assert!(after.plan.runs[&StepName::Follow].ok);
    assert!(after.plan.indices[0].outcomes[&StepName::Follow].ok);
    assert_eq!(plan::list(&local, 50).await.unwrap().len(), 1);
}

#[tokio::test]
async fn conditional_writes_answer_like_elasticsearch() {
    let sim = start_sim("local").await;
    let local = client(&sim);
    local.index_doc_if("plans", "a", &json!({"n": 1}), WriteCondition::Create).await.unwrap();
    let again = local.index_doc_if("plans", "a", &json!({"n": 2}), WriteCondition::Create).await.unwrap_err();
    assert_eq!(again.status(), Some(409));
    assert_eq!(again.es_type(), Some("version_conflict_engine_exception"));
    let doc = local.get_doc("plans", "a").await.unwrap().unwrap();
    let (seq_no, primary_term) = (doc.seq_no.unwrap(), doc.primary_term.unwrap());
    let stale = WriteCondition::IfUnchanged { seq_no: seq_no + 7, primary_term };
    let refused = local.index_doc_if("plans", "a", &json!({"n": 3}), stale).await.unwrap_err();
    let reason = match &refused {
        ccr_panel::es::EsError::Api(api) => api.reason.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason,
        format!(
            "[a]: version conflict, required seqNo [{}], primary term [1]. current document has seqNo [{seq_no}] and primary term [1]",
            seq_no + 7
        )
    );
    let current = WriteCondition::IfUnchanged { seq_no, primary_term };
    local.index_doc_if("plans", "a", &json!({"n": 4}), current).await.unwrap();
    assert_eq!(local.get_doc("plans", "a").await.unwrap().unwrap().source.unwrap()["n"], 4);
}
