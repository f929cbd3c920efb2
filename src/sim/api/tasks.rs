//! `POST _reindex` and `GET _tasks/{id}`: a re-index copies the live documents of its source
//! indices into its destination, synchronously, or as a task (`wait_for_completion=false`)
//! whose progress and outcome `_tasks` reports, as Elasticsearch's `.tasks` index keeps them.
//!
//! A task copies in batches of `source.size` documents (Elasticsearch's default 1000), one
//! batch per [`BATCH_PAUSE`], so a test can watch a large re-index run. A write refused by
//! the destination (a closed or write-blocked index) ends the re-index with its `failures`,
//! as Elasticsearch aborts on the first bulk failure; a missing source ends it with `error`.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::router::Op;
use super::super::security;
use super::super::state::{ClusterState, now_millis};
use super::Request;
use super::docs::writable;
use super::expressions::expand_expression;

/// The pause between two batches of a re-index task.
const BATCH_PAUSE: Duration = Duration::from_millis(50);

/// A task's bookkeeping: what it does, its counters, and how it ended.
#[derive(Debug, Clone)]
pub struct SimTask {
    pub description: String,
    pub start_millis: i64,
    pub started: Instant,
    pub status: ReindexStatus,
    /// The response once the task completed normally.
    pub response: Option<Value>,
    /// The exception the task failed with.
    pub error: Option<Value>,
}

/// `BulkByScrollTask.Status`: the counters a re-index reports while running and at the end.
#[derive(Debug, Clone, Default)]
pub struct ReindexStatus {
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub batches: u64,
}

impl ReindexStatus {
    fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "updated": self.updated,
            "created": self.created,
            "deleted": 0,
            "batches": self.batches,
            "version_conflicts": 0,
            "noops": 0,
            "retries": {"bulk": 0, "search": 0},
            "throttled_millis": 0,
            "requests_per_second": -1.0,
            "throttled_until_millis": 0,
        })
    }

    /// The response body: the status plus `took`, `timed_out` and the `failures`.
    fn response(&self, took: Duration, failures: Vec<Value>) -> Value {
        let mut body = self.to_json();
        body["took"] = json!(took.as_millis() as u64);
        body["timed_out"] = json!(false);
        body["failures"] = Value::Array(failures);
        body
    }
}

/// What a re-index was asked to do.
#[derive(Debug, Clone)]
struct Plan {
    sources: String,
    dest: String,
    batch: usize,
}

fn validation(reason: &str) -> EsException {
    EsException::new(400, "action_request_validation_exception", format!("Validation Failed: 1: {reason};"))
}

fn plan(request: &Request) -> SimResult<Plan> {
    let body = request.json_body()?;
    let sources = match &body["source"]["index"] {
        Value::String(s) => s.clone(),
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
        _ => String::new(),
    };
    let dest = body["dest"]["index"].as_str().unwrap_or_default().to_owned();
    // Checked before any task starts, every failure listed, as `ReindexRequest.validate`.
    let mut errors = Vec::new();
    if sources.is_empty() {
        errors.push("use _all if you really want to copy from all existing indexes");
    }
    if dest.is_empty() {
        errors.push("index must be specified");
    }
    if !errors.is_empty() {
        let listed: Vec<String> = errors.iter().enumerate().map(|(i, e)| format!("{}: {e};", i + 1)).collect();
        return Err(EsException::new(
            400,
            "action_request_validation_exception",
            format!("Validation Failed: {}", listed.join("")),
        ));
    }
    let batch = body["source"]["size"].as_u64().map_or(1000, |s| s.max(1) as usize);
    Ok(Plan { sources, dest, batch })
}

/// The documents to copy, oldest id first, or the exception that ends the re-index.
fn snapshot(state: &ClusterState, plan: &Plan) -> SimResult<Vec<(String, Value)>> {
    let names = expand_expression(state, &plan.sources, false)?;
    if names.contains(&plan.dest) {
        return Err(validation(&format!("reindex cannot write into an index its reading from [{}]", plan.dest)));
    }
    let mut docs = BTreeMap::new();
    for name in names {
        for (id, doc) in &state.index(&name)?.docs {
            docs.insert(id.clone(), doc.source.clone());
        }
    }
    Ok(docs.into_iter().collect())
}

/// Writes one batch into the destination; a refused write is the batch's failure.
fn copy_batch(
    state: &mut ClusterState,
    dest: &str,
    batch: &[(String, Value)],
    status: &mut ReindexStatus,
) -> Vec<Value> {
    let mut failures = Vec::new();
    for (id, source) in batch {
        match writable(state, dest, true) {
            Ok(index) => {
                let existed = index.docs.contains_key(id);
                index.write(id, source.clone());
                if existed {
                    status.updated += 1;
                } else {
                    status.created += 1;
                }
            }
            Err(e) => {
                let mut failure = json!({"index": dest, "id": id, "cause": e.to_json(), "status": e.status});
                if state.version().major < 8 {
                    failure["type"] = json!("_doc");
                }
                failures.push(failure);
                break;
            }
        }
    }
    status.batches += 1;
    failures
}

/// `ReindexRequest.getDescription`: the sources as Java prints an array, and in 7.x the
/// destination's mapping type.
fn description(version: crate::es::Version, plan: &Plan) -> String {
    let sources: Vec<&str> = plan.sources.split(',').collect();
    let typed = if version.major == 7 { "[_doc]" } else { "" };
    format!("reindex from [{}] to [{}]{typed}", sources.join(", "), plan.dest)
}

pub fn reindex(sim: &Arc<Sim>, request: &Request) -> SimResult {
    let plan = plan(request)?;
    if let Some(principal) = &request.principal {
        // A re-index searches its sources and writes its destination as its user.
        security::authorize(principal, Op::Search, Some(&plan.sources))?;
        security::authorize(principal, Op::IndexDoc, Some(&plan.dest))?;
    }
    let wait = request.query("wait_for_completion") != Some("false");
    if wait {
        let started = Instant::now();
        let mut state = sim.state();
        let docs = snapshot(&state, &plan)?;
        let mut status = ReindexStatus { total: docs.len() as u64, ..Default::default() };
        let mut failures = Vec::new();
        for batch in docs.chunks(plan.batch) {
            failures = copy_batch(&mut state, &plan.dest, batch, &mut status);
            if !failures.is_empty() {
                break;
            }
        }
        return Ok(Reply::ok(status.response(started.elapsed(), failures)));
    }
    let mut state = sim.state();
    let id = state.next_task_id;
    state.next_task_id += 1;
    let task = SimTask {
        description: description(state.version(), &plan),
        start_millis: now_millis(),
        started: Instant::now(),
        status: ReindexStatus::default(),
        response: None,
        error: None,
    };
    state.tasks.insert(id, task);
    let node = state.node.id.clone();
    drop(state);
    tokio::spawn(run(Arc::downgrade(sim), id, plan));
    Ok(Reply::ok(json!({"task": format!("{node}:{id}")})))
}

/// A re-index task: the documents as they were when it started, copied batch by batch.
async fn run(sim: Weak<Sim>, id: u64, plan: Plan) {
    let docs = {
        let Some(live) = sim.upgrade() else { return };
        let mut state = live.state();
        match snapshot(&state, &plan) {
            Ok(docs) => {
                if let Some(task) = state.tasks.get_mut(&id) {
                    task.status.total = docs.len() as u64;
                }
                docs
            }
            Err(e) => {
                if let Some(task) = state.tasks.get_mut(&id) {
                    task.error = Some(e.to_json());
                }
                return;
            }
        }
    };
    let mut failures = Vec::new();
    for batch in docs.chunks(plan.batch) {
        tokio::time::sleep(BATCH_PAUSE).await;
        let Some(live) = sim.upgrade() else { return };
        let mut state = live.state();
        let Some(mut status) = state.tasks.get(&id).map(|t| t.status.clone()) else { return };
        failures = copy_batch(&mut state, &plan.dest, batch, &mut status);
        if let Some(task) = state.tasks.get_mut(&id) {
            task.status = status;
        }
        if !failures.is_empty() {
            break;
        }
    }
    let Some(live) = sim.upgrade() else { return };
    let mut state = live.state();
    if let Some(task) = state.tasks.get_mut(&id) {
        task.response = Some(task.status.response(task.started.elapsed(), failures));
    }
}

pub fn get_task(sim: &Sim, request: &Request) -> SimResult {
    let raw = request.param(0).unwrap_or_default();
    let state = sim.state();
    let parsed = raw.split_once(':').and_then(|(node, n)| n.parse::<u64>().ok().map(|n| (node, n)));
    let Some((node, number)) = parsed else {
        return Err(EsException::illegal_argument(format!("malformed task id {raw}")));
    };
    let not_stored = || {
        let missing = EsException::new(
            404,
            "resource_not_found_exception",
            format!("task [{raw}] isn't running and hasn't stored its results"),
        );
        // Until a task stores its result, the `.tasks` index does not exist: that is the cause.
        if state.tasks.is_empty() { missing.caused_by(EsException::index_not_found(".tasks")) } else { missing }
    };
    if node != state.node.id {
        return Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("task [{raw}] belongs to the node [{node}] which isn't part of the cluster and there is no record of the task"),
        )
        .caused_by(not_stored()));
    }
    let task = state.tasks.get(&number).ok_or_else(not_stored)?;
    let completed = task.response.is_some() || task.error.is_some();
    let mut body = json!({
        "completed": completed,
        "task": {
            "node": state.node.id,
            "id": number,
            "type": "transport",
            "action": "indices:data/write/reindex",
            "status": task.status.to_json(),
            "description": task.description,
            "start_time_in_millis": task.start_millis,
            "running_time_in_nanos": task.started.elapsed().as_nanos() as u64,
            "cancellable": true,
            "headers": {},
        },
    });
    if state.version().major >= 8 {
        body["task"]["cancelled"] = json!(false);
    }
    if let Some(response) = &task.response {
        body["response"] = response.clone();
    }
    if let Some(error) = &task.error {
        body["error"] = error.clone();
    }
    Ok(Reply::ok(body))
}
