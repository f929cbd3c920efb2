//! `_reindex` as a migration uses it: synchronous with Elasticsearch's answer, or as a task
//! whose progress and outcome `_tasks/{id}` reports, and the errors of both.

use std::time::Duration;

use ccr_panel::es::Version;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::sim_migration::{call, config, count, index_docs, setting};

#[tokio::test]
async fn reindex_copies_documents_synchronously_with_elasticsearchs_answer() {
    let sim = start_sim("local").await;
    index_docs(&sim, "legacy", 3).await;
    let body = json!({"source": {"index": "legacy"}, "dest": {"index": "legacy-sd"}});
    let (status, answer) = call(&sim, Method::POST, "/_reindex", Some(body.clone())).await;
    assert_eq!(status, 200, "{answer}");
    for (key, value) in [("total", 3), ("created", 3), ("updated", 0), ("deleted", 0), ("batches", 1), ("noops", 0)] {
        assert_eq!(answer[key], value, "{key}: {answer}");
    }
    assert_eq!((answer["timed_out"].clone(), answer["failures"].clone()), (json!(false), json!([])));
    assert_eq!(answer["retries"], json!({"bulk": 0, "search": 0}));
    assert!(answer["took"].is_u64() && answer["requests_per_second"] == -1.0);
    assert_eq!(count(&sim, "legacy-sd").await, 3, "the destination was created and filled");

    let (_, again) = call(&sim, Method::POST, "/_reindex", Some(body)).await;
    assert_eq!((again["created"].clone(), again["updated"].clone()), (json!(0), json!(3)), "existing ids are updated");

    let same = json!({"source": {"index": "legacy"}, "dest": {"index": "legacy"}});
    let (status, answer) = call(&sim, Method::POST, "/_reindex", Some(same)).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["type"], "action_request_validation_exception");
    assert_eq!(
        answer["error"]["reason"],
        "Validation Failed: 1: reindex cannot write into an index its reading from [legacy];"
    );
    let (status, answer) =
        call(&sim, Method::POST, "/_reindex?wait_for_completion=false", Some(json!({"source": {}, "dest": {}}))).await;
    assert_eq!(status, 400, "checked before a task starts");
    assert_eq!(
        answer["error"]["reason"],
        "Validation Failed: 1: use _all if you really want to copy from all existing indexes;2: index must be specified;"
    );
    let missing = json!({"source": {"index": "nope"}, "dest": {"index": "x"}});
    let (status, answer) = call(&sim, Method::POST, "/_reindex", Some(missing)).await;
    assert_eq!((status.as_u16(), answer["error"]["type"].clone()), (404, json!("index_not_found_exception")));
}

#[tokio::test]
async fn reindex_as_a_task_reports_progress_and_its_outcome_in_tasks() {
    let sim = start_sim("local").await;
    index_docs(&sim, "legacy", 6).await;
    // Created first with soft deletes on, as a migration does.
    call(&sim, Method::PUT, "/legacy-sd", Some(json!({"settings": {"index.soft_deletes.enabled": true}}))).await;
    let body = json!({"source": {"index": "legacy", "size": 2}, "dest": {"index": "legacy-sd"}});
    let (status, answer) = call(&sim, Method::POST, "/_reindex?wait_for_completion=false", Some(body)).await;
    assert_eq!(status, 200);
    let task = answer["task"].as_str().unwrap().to_owned();
    let node = call(&sim, Method::GET, "/_nodes", None).await.1["nodes"].as_object().unwrap().keys().next().cloned();
    assert_eq!(task.split_once(':').map(|(n, _)| n.to_owned()), node, "node:id");

    let (status, running) = call(&sim, Method::GET, &format!("/_tasks/{task}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(running["completed"], false, "{running}");
    assert_eq!(running["task"]["action"], "indices:data/write/reindex");
    assert_eq!(running["task"]["description"], "reindex from [legacy] to [legacy-sd]");
    assert!(running.get("response").is_none());
    assert_eq!(running["task"]["cancelled"], false, "8.x lists whether it was cancelled");

    // 7.x names the mapping type and has no `cancelled`; several sources print as a list.
    let seven = start_sim_with(config("seven", Version::new(7, 17, 0))).await;
    index_docs(&seven, "a", 1).await;
    index_docs(&seven, "b", 1).await;
    let body = json!({"source": {"index": ["a", "b"]}, "dest": {"index": "c"}});
    let seven_task =
        call(&seven, Method::POST, "/_reindex?wait_for_completion=false", Some(body)).await.1["task"].clone();
    let (_, seven_task) = call(&seven, Method::GET, &format!("/_tasks/{}", seven_task.as_str().unwrap()), None).await;
    assert_eq!(seven_task["task"]["description"], "reindex from [a, b] to [c][_doc]");
    assert!(seven_task["task"].get("cancelled").is_none());

    let done = eventually(Duration::from_secs(5), || async {
        call(&sim, Method::GET, &format!("/_tasks/{task}"), None).await.1["completed"] == true
    })
    .await;
    assert!(done);
    let (_, finished) = call(&sim, Method::GET, &format!("/_tasks/{task}"), None).await;
    assert_eq!(finished["task"]["status"]["total"], 6);
    assert_eq!(finished["task"]["status"]["created"], 6);
    assert_eq!(finished["task"]["status"]["batches"], 3, "batches of source.size");
    assert_eq!(finished["response"]["created"], 6);
    assert_eq!(finished["response"]["failures"], json!([]));
    assert!(finished.get("error").is_none());
    assert_eq!(count(&sim, "legacy-sd").await, 6);
    assert_eq!(setting(&sim, "legacy-sd", "index.soft_deletes.enabled").await, "true", "its own settings kept");
}

#[tokio::test]
async fn a_failing_reindex_task_says_why_and_unknown_tasks_are_not_found() {
    let sim = start_sim("local").await;
    index_docs(&sim, "legacy", 2).await;
    // A missing source: the task ends with `error`.
    let body = json!({"source": {"index": "gone"}, "dest": {"index": "x"}});
    let task = call(&sim, Method::POST, "/_reindex?wait_for_completion=false", Some(body)).await.1["task"].clone();
    let task = task.as_str().unwrap().to_owned();
    let failed = eventually(Duration::from_secs(5), || async {
        call(&sim, Method::GET, &format!("/_tasks/{task}"), None).await.1["completed"] == true
    })
    .await;
    assert!(failed);
    let (_, answer) = call(&sim, Method::GET, &format!("/_tasks/{task}"), None).await;
    assert_eq!(answer["error"]["type"], "index_not_found_exception");
    assert_eq!(answer["error"]["reason"], "no such index [gone]");

    // A write-blocked destination: the re-index stops with its failures.
    call(&sim, Method::PUT, "/blocked", Some(json!({"settings": {"index.blocks.write": true}}))).await;
    let body = json!({"source": {"index": "legacy"}, "dest": {"index": "blocked"}});
    let (status, answer) = call(&sim, Method::POST, "/_reindex", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], 0);
    let failure = &answer["failures"][0];
    assert_eq!(failure["status"], 403);
    assert_eq!(failure["cause"]["type"], "cluster_block_exception");
    assert_eq!(failure["cause"]["reason"], "index [blocked] blocked by: [FORBIDDEN/8/index write (api)];");

    let (status, answer) = call(&sim, Method::GET, "/_tasks/someothernode:42", None).await;
    assert_eq!(status, 404);
    assert_eq!(answer["error"]["type"], "resource_not_found_exception");
    assert_eq!(
        answer["error"]["reason"],
        "task [someothernode:42] belongs to the node [someothernode] which isn't part of the cluster and there is no record of the task"
    );
    let local_unknown = format!("{}:999", task.split_once(':').unwrap().0);
    let (status, answer) = call(&sim, Method::GET, &format!("/_tasks/{local_unknown}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        answer["error"]["reason"],
        format!("task [{local_unknown}] isn't running and hasn't stored its results")
    );
    assert!(answer["error"].get("caused_by").is_none(), "the task results index exists by now");

    let fresh = start_sim("fresh").await;
    let (_, nodes) = call(&fresh, Method::GET, "/_nodes", None).await;
    let node = nodes["nodes"].as_object().unwrap().keys().next().unwrap().clone();
    let (status, answer) = call(&fresh, Method::GET, &format!("/_tasks/{node}:1"), None).await;
    assert_eq!(status, 404);
    assert_eq!(answer["error"]["type"], "resource_not_found_exception");
    assert_eq!(answer["error"]["caused_by"]["type"], "index_not_found_exception", "no task stored yet: {answer}");
    assert_eq!(answer["error"]["caused_by"]["index"], ".tasks");
    let (status, answer) = call(&sim, Method::GET, "/_tasks/nonsense", None).await;
    assert_eq!((status.as_u16(), answer["error"]["reason"].clone()), (400, json!("malformed task id nonsense")));
}
