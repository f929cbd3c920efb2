//! What a guided migration meets on real clusters, simulated: the physical-replication
//! setting of one vendor's managed 6.7 clusters, `_reindex` (synchronous and as a task, with
//! `_tasks`), soft deletes off allowed before 8.0 only, `_nodes` with transport addresses and
//! roles, and the licence on either side.

use std::time::Duration;

use ccr_panel::es::{ClusterSettingsUpdate, Version};
use ccr_panel::sim::{LicenseKind, SimConfig, SimServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_docs::raw;

pub async fn call(sim: &SimServer, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let body = body.map(|b| b.to_string());
    raw(&sim.url(), method, path, body.as_deref()).await
}

pub fn config(name: &str, version: Version) -> SimConfig {
    let mut config = SimConfig::new(name);
    config.version = version;
    config
}

/// Connects `local` to `leader` as the remote `leader` and waits until it is connected.
pub async fn connect(local: &SimServer, leader: &SimServer) {
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    client(local).put_cluster_settings(&update).await.unwrap();
    let connected = eventually(Duration::from_secs(5), || async {
        call(local, Method::GET, "/_remote/info", None).await.1["leader"]["connected"] == true
    })
    .await;
    assert!(connected, "the remote connects");
}

pub async fn follow(local: &SimServer, follower: &str, leader_index: &str) -> (StatusCode, Value) {
    let body = json!({"remote_cluster": "leader", "leader_index": leader_index});
    call(local, Method::PUT, &format!("/{follower}/_ccr/follow"), Some(body)).await
}

async fn index_docs(sim: &SimServer, index: &str, n: usize) {
    for i in 0..n {
        let (status, _) = call(sim, Method::PUT, &format!("/{index}/_doc/{i}"), Some(json!({"n": i}))).await;
        assert!(status.is_success(), "{status}");
    }
}

async fn count(sim: &SimServer, index: &str) -> u64 {
    call(sim, Method::GET, &format!("/{index}/_count"), None).await.1["count"].as_u64().unwrap_or(0)
}

async fn setting(sim: &SimServer, index: &str, key: &str) -> Value {
    call(sim, Method::GET, &format!("/{index}/_settings?flat_settings=true"), None).await.1[index]["settings"][key]
        .clone()
}

#[tokio::test]
async fn physical_replication_is_a_static_index_setting_of_those_clusters_only() {
    let mut physical = config("leader", Version::new(7, 10, 2));
    physical.physical_replication = true;
    let leader = start_sim_with(physical).await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    assert_eq!(setting(&leader, "orders", "index.replication.type").await, "physical", "the default");
    let (status, _) =
        call(&leader, Method::PUT, "/plain", Some(json!({"settings": {"index.replication.type": null}}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        setting(&leader, "plain", "index.replication.type").await,
        Value::Null,
        "null at creation leaves it out"
    );

    let (status, body) =
        call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.replication.type": null}))).await;
    assert_eq!(status, 400);
    let uuid = setting(&leader, "orders", "index.uuid").await;
    assert_eq!(
        body["error"]["reason"],
        format!(
            "Can't update non dynamic settings [[index.replication.type]] for open indices [[orders/{}]]",
            uuid.as_str().unwrap()
        )
    );
    call(&leader, Method::POST, "/orders/_close", None).await;
    let (status, _) =
        call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index": {"replication.type": null}}))).await;
    assert_eq!(status, 200);
    call(&leader, Method::POST, "/orders/_open", None).await;
    assert_eq!(setting(&leader, "orders", "index.replication.type").await, Value::Null, "close, null, open clears it");

    // Other clusters do not know the setting.
    let other = start_sim_with(config("other", Version::new(7, 10, 2))).await;
    let (status, body) =
        call(&other, Method::PUT, "/x", Some(json!({"settings": {"index.replication.type": "physical"}}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert!(body["error"]["reason"].as_str().unwrap().starts_with("unknown setting [index.replication.type]"));
}

#[tokio::test]
async fn an_index_with_physical_replication_cannot_lead_until_the_setting_is_cleared() {
    let mut physical = config("leader", Version::new(7, 10, 2));
    physical.physical_replication = true;
    let leader = start_sim_with(physical).await;
    let local = start_sim_with(config("local", Version::new(7, 10, 2))).await;
    call(&leader, Method::PUT, "/orders", Some(json!({"settings": {"number_of_replicas": 0}}))).await;
    index_docs(&leader, "orders", 3).await;
    connect(&local, &leader).await;

    let (status, body) = follow(&local, "orders", "orders").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    let reason = body["error"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("leader index [orders] has [index.replication.type] set to [physical]"), "{reason}");
    assert_eq!(body["error"]["root_cause"][0]["type"], "illegal_argument_exception", "Elasticsearch's envelope");
    let (status, _) = call(&local, Method::HEAD, "/orders", None).await;
    assert_eq!(status, 404, "nothing created");

    for step in ["/orders/_close", "/orders/_settings", "/orders/_open"] {
        let (method, body) = if step.ends_with("_settings") {
            (Method::PUT, Some(json!({"index.replication.type": null})))
        } else {
            (Method::POST, None)
        };
        assert_eq!(call(&leader, method, step, body).await.0, 200, "{step}");
    }
    let (status, body) = follow(&local, "orders", "orders").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(&local, "orders").await, 3);

    // Set again (closed, physical, open): the follower's reads now fail for good.
    call(&leader, Method::POST, "/orders/_close", None).await;
    call(&leader, Method::PUT, "/orders/_settings", Some(json!({"index.replication.type": "physical"}))).await;
    call(&leader, Method::POST, "/orders/_open", None).await;
    let fatal = eventually(Duration::from_secs(5), || async {
        let stats = call(&local, Method::GET, "/orders/_ccr/stats", None).await.1;
        stats["indices"][0]["shards"][0]["fatal_exception"]["type"] == "illegal_argument_exception"
    })
    .await;
    let stats = call(&local, Method::GET, "/orders/_ccr/stats", None).await.1;
    assert!(fatal, "{stats}");
    let reason = stats["indices"][0]["shards"][0]["fatal_exception"]["reason"].as_str().unwrap();
    assert!(reason.contains("[index.replication.type]"), "{reason}");
}

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

#[tokio::test]
async fn soft_deletes_off_is_allowed_before_8_and_refused_from_8() {
    let old = start_sim_with(config("old", Version::new(7, 10, 2))).await;
    let (status, _) =
        call(&old, Method::PUT, "/legacy", Some(json!({"settings": {"index.soft_deletes.enabled": false}}))).await;
    assert_eq!(status, 200);
    assert_eq!(setting(&old, "legacy", "index.soft_deletes.enabled").await, "false");

    let new = start_sim_with(config("new", Version::new(8, 0, 0))).await;
    let (status, body) =
        call(&new, Method::PUT, "/legacy", Some(json!({"settings": {"index.soft_deletes.enabled": false}}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        body["error"]["reason"],
        "Creating indices with soft-deletes disabled is no longer supported. Please do not specify a value for setting [index.soft_deletes.enabled]."
    );
}

#[tokio::test]
async fn nodes_show_transport_addresses_and_roles_as_elasticsearch_renders_them() {
    let sim = start_sim("local").await;
    let (status, all) = call(&sim, Method::GET, "/_nodes", None).await;
    assert_eq!(status, 200);
    assert_eq!(all["_nodes"], json!({"total": 1, "successful": 1, "failed": 0}));
    let node = all["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(node["transport"]["publish_address"], sim.transport_address.to_string());
    assert_eq!(node["http"]["publish_address"], sim.http_address.to_string());
    assert_eq!(
        node["roles"],
        json!(["data", "data_content", "data_hot", "ingest", "master", "remote_cluster_client"]),
        "sorted, as Elasticsearch lists them"
    );

    let (_, transport) = call(&sim, Method::GET, "/_nodes/transport", None).await;
    let node = transport["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert!(node.get("transport").is_some() && node.get("http").is_none(), "only the metric asked for: {node}");
    assert!(node.get("roles").is_some(), "the node's identity is always there");
    let (_, local_http) = call(&sim, Method::GET, "/_nodes/_local/http", None).await;
    let node = local_http["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert!(node.get("http").is_some() && node.get("transport").is_none());
    let (_, none) = call(&sim, Method::GET, "/_nodes/no-such-node", None).await;
    assert_eq!((none["_nodes"]["total"].clone(), none["nodes"].clone()), (json!(0), json!({})));

    // 6.x has neither data tiers nor remote_cluster_client.
    let old = start_sim_with(config("old", Version::new(6, 8, 0))).await;
    let (_, nodes) = call(&old, Method::GET, "/_nodes", None).await;
    let node = nodes["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(node["roles"], json!(["data", "ingest", "master"]));
    let (_, cat) = call(&old, Method::GET, "/_cat/nodes?format=json", None).await;
    assert_eq!(cat[0]["node.role"], "dim");
    assert_eq!(cat[0]["master"], "*");
}

#[tokio::test]
async fn a_node_without_remote_cluster_client_refuses_cross_cluster_calls() {
    let leader = start_sim("leader").await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    let mut no_client = SimConfig::new("local");
    no_client.roles = ["data", "ingest", "master"].map(String::from).to_vec();
    let local = start_sim_with(no_client).await;
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    client(&local).put_cluster_settings(&update).await.unwrap();

    let expected = format!("node [{}] does not have the [remote_cluster_client] role", "local-node-0");
    let (_, nodes) = call(&local, Method::GET, "/_nodes", None).await;
    let node = nodes["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(node["name"], "local-node-0");
    assert_eq!(node["roles"], json!(["data", "ingest", "master"]));
    let (_, cat) = call(&local, Method::GET, "/_cat/nodes?format=json", None).await;
    assert_eq!(cat[0]["node.role"], "dim");

    for (method, path, body) in [
        (Method::GET, "/_remote/info", None),
        (Method::PUT, "/copy/_ccr/follow", Some(json!({"remote_cluster": "leader", "leader_index": "orders"}))),
        (
            Method::PUT,
            "/_ccr/auto_follow/p",
            Some(json!({"remote_cluster": "leader", "leader_index_patterns": ["o*"]})),
        ),
        (Method::GET, "/_resolve/index/leader:*", None),
    ] {
        let (status, answer) = call(&local, method, path, body).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["error"]["type"], "illegal_argument_exception", "{path}");
        assert_eq!(answer["error"]["reason"], expected, "{path}");
    }
    let (status, _) = call(&local, Method::GET, "/_resolve/index/*", None).await;
    assert_eq!(status, 200, "local expressions need no remote");
}

#[tokio::test]
async fn the_licence_can_turn_basic_on_either_side() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    connect(&local, &leader).await;

    leader.sim.set_license(LicenseKind::Basic);
    let (status, body) = follow(&local, "copy", "orders").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "status_exception");
    assert_eq!(
        body["error"]["reason"],
        "can not fetch remote index [leader:orders] metadata as the remote cluster [leader] is not licensed for [ccr]; the license mode [BASIC] on cluster [leader] does not enable [ccr]"
    );

    // The control endpoint does the same over HTTP; the local licence turns basic too.
    let (status, _) = call(&leader, Method::PUT, "/_sim/license", Some(json!({"type": "trial"}))).await;
    assert_eq!(status, 200);
    assert_eq!(follow(&local, "copy", "orders").await.0, 200);
    // Resuming checks the leader's licence again.
    call(&local, Method::POST, "/copy/_ccr/pause_follow", None).await;
    leader.sim.set_license(LicenseKind::Basic);
    let (status, body) = call(&local, Method::POST, "/copy/_ccr/resume_follow", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (400, json!("status_exception")), "{body}");
    leader.sim.set_license(LicenseKind::Platinum);
    assert_eq!(call(&local, Method::POST, "/copy/_ccr/resume_follow", None).await.0, 200);
    call(&local, Method::PUT, "/_sim/license", Some(json!({"type": "basic"}))).await;
    assert_eq!(call(&local, Method::GET, "/_license", None).await.1["license"]["type"], "basic");
    let (status, body) = call(&local, Method::GET, "/_ccr/stats", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (403, json!("security_exception")));
    let (status, _) = call(&local, Method::PUT, "/_sim/license", Some(json!({"type": "gold"}))).await;
    assert_eq!(status, 400);

    // A basic cluster can start its trial once.
    let (status, body) = call(&local, Method::POST, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(status, 403, "the trial was used already: {body}");
    let mut fresh = SimConfig::new("fresh");
    fresh.license = LicenseKind::Basic;
    let fresh = start_sim_with(fresh).await;
    let (status, body) = call(&fresh, Method::POST, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(
        (status.as_u16(), body),
        (200, json!({"acknowledged": true, "trial_was_started": true, "type": "trial"}))
    );
}

/// Kills the child process when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_sim_command_takes_physical_replication_and_node_roles() {
    use std::io::{BufRead, BufReader};
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
            .args(["sim", "--listen", "127.0.0.1:0", "--transport-listen", "127.0.0.1:0", "--version", "7.10.2"])
            .args(["--physical-replication", "--node-roles", "master,data,ingest"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.trim().strip_prefix("HTTP API:").map(|rest| rest.split_whitespace().next().unwrap().to_owned())
            })
            .expect("the simulator prints its HTTP address")
    })
    .await
    .unwrap();
    let (status, _) = raw(&url, Method::PUT, "/orders", Some("{}")).await;
    assert_eq!(status, 200);
    let (_, settings) = raw(&url, Method::GET, "/orders/_settings?flat_settings=true", None).await;
    assert_eq!(settings["orders"]["settings"]["index.replication.type"], "physical");
    let (_, nodes) = raw(&url, Method::GET, "/_nodes", None).await;
    let node = nodes["nodes"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(node["roles"], json!(["data", "ingest", "master"]));
    let (status, body) = raw(&url, Method::GET, "/_remote/info", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (400, json!("illegal_argument_exception")));
}
