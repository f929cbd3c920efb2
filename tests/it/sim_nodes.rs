//! `_nodes` and `_cat/nodes` with transport addresses and roles, a node without
//! `remote_cluster_client`, the licence on either side, and the `sim` command's flags.

use ccr_panel::es::{ClusterSettingsUpdate, Version};
use ccr_panel::sim::{LicenseKind, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sim_docs::raw;
use crate::sim_migration::{call, config, connect, follow};

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
    assert_eq!(node["roles"], json!(["master", "data", "ingest"]), "6.x lists its role enum in order");
    let (_, cat) = call(&old, Method::GET, "/_cat/nodes?format=json", None).await;
    assert_eq!(cat[0]["node.role"], "mdi", "6.x prints its roles in enum order");
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
            .args(["--physical-replication", "--node-roles", "master,data,ingest", "--nodes", "2"])
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
    let roles: Vec<Value> = nodes["nodes"].as_object().unwrap().values().map(|n| n["roles"].clone()).collect();
    assert!(roles.contains(&json!(["data", "ingest", "master"])), "{roles:?}");
    assert!(roles.contains(&json!(["data", "ingest"])), "--nodes 2 adds a data node: {roles:?}");
    let (status, body) = raw(&url, Method::GET, "/_remote/info", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (400, json!("illegal_argument_exception")));
}

#[tokio::test]
async fn a_cluster_of_several_nodes_lists_each_and_answers_on_each_port() {
    let mut three = SimConfig::new("leader");
    three.extra_nodes = 2;
    let leader = start_sim_with(three).await;
    let (_, nodes) = call(&leader, Method::GET, "/_nodes/transport", None).await;
    assert_eq!(nodes["_nodes"]["total"], 3);
    let nodes: Vec<Value> = nodes["nodes"].as_object().unwrap().values().cloned().collect();
    let masters: Vec<&Value> =
        nodes.iter().filter(|n| n["roles"].as_array().unwrap().contains(&json!("master"))).collect();
    assert_eq!(masters.len(), 1, "one master-eligible node");
    assert_eq!(masters[0]["transport"]["publish_address"], leader.transport_address.to_string());
    let data = nodes.iter().find(|n| n["name"] == "leader-node-2").unwrap();
    assert_eq!(data["roles"], json!(["data", "data_content", "data_hot", "ingest", "remote_cluster_client"]));
    let data_transport = data["transport"]["publish_address"].as_str().unwrap().to_owned();
    assert_ne!(data_transport, leader.transport_address.to_string());

    let (_, master_only) = call(&leader, Method::GET, "/_nodes/_master", None).await;
    assert_eq!(master_only["_nodes"]["total"], 1);
    let (_, cat) = call(&leader, Method::GET, "/_cat/nodes?format=json", None).await;
    let stars: Vec<&Value> = cat.as_array().unwrap().iter().filter(|r| r["master"] == "*").collect();
    assert_eq!((cat.as_array().unwrap().len(), stars.len()), (3, 1));
    let (_, health) = call(&leader, Method::GET, "/_cluster/health", None).await;
    assert_eq!((health["number_of_nodes"].clone(), health["number_of_data_nodes"].clone()), (json!(3), json!(3)));

    // Another node's ports serve the same cluster: a remote seeded with it connects.
    assert!(data.get("http").is_none(), "only the metric asked for");
    let (_, http) = call(&leader, Method::GET, "/_nodes/leader-node-2/http", None).await;
    let data_http = http["nodes"].as_object().unwrap().values().next().unwrap()["http"]["publish_address"].clone();
    let (status, root) = raw(&format!("http://{}", data_http.as_str().unwrap()), Method::GET, "/", None).await;
    assert_eq!((status.as_u16(), root["cluster_name"].clone()), (200, json!("leader")), "its HTTP port too");
    let local = start_sim("local").await;
    let update = json!({"persistent": {"cluster.remote.leader.seeds": [data_transport]}});
    call(&local, Method::PUT, "/_cluster/settings", Some(update)).await;
    let connected = eventually(std::time::Duration::from_secs(5), || async {
        call(&local, Method::GET, "/_remote/info", None).await.1["leader"]["connected"] == true
    })
    .await;
    assert!(connected);
    let (_, info) = call(&local, Method::GET, "/_remote/info", None).await;
    assert_eq!(info["leader"]["num_nodes_connected"], 3, "sniffs every node");
}

#[tokio::test]
async fn an_expired_licence_stops_ccr_on_either_side() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    call(&leader, Method::PUT, "/orders", Some(json!({}))).await;
    connect(&local, &leader).await;

    let (_, license) = call(&local, Method::GET, "/_license", None).await;
    assert_eq!(license["license"]["status"], "active");
    let expiry = license["license"]["expiry_date_in_millis"].as_i64().unwrap();
    assert!(license["license"]["expiry_date"].as_str().unwrap().ends_with('Z'));

    // A trial ending soon is still active.
    let soon = json!({"type": "trial", "expires_in_hours": 48});
    assert_eq!(call(&local, Method::PUT, "/_sim/license", Some(soon)).await.0, 200);
    let (_, license) = call(&local, Method::GET, "/_license", None).await;
    let soon = license["license"]["expiry_date_in_millis"].as_i64().unwrap();
    assert!(soon < expiry && license["license"]["status"] == "active");

    leader.sim.set_license(LicenseKind::Trial);
    leader.sim.set_license_expiry_in_hours(-1.0);
    let (_, license) = call(&leader, Method::GET, "/_license", None).await;
    assert_eq!(license["license"]["status"], "expired");
    let (status, body) = follow(&local, "copy", "orders").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["reason"],
        "can not fetch remote index [leader:orders] metadata as the remote cluster [leader] is not licensed for [ccr]; the license on cluster [leader] is not active"
    );

    let expired = json!({"type": "platinum", "expires_in_hours": -1});
    call(&local, Method::PUT, "/_sim/license", Some(expired)).await;
    let (status, body) = call(&local, Method::GET, "/_ccr/stats", None).await;
    assert_eq!(
        (status.as_u16(), body["error"]["reason"].clone()),
        (403, json!("current license is non-compliant for [ccr]"))
    );
    let (_, xpack) = call(&local, Method::GET, "/_xpack", None).await;
    assert_eq!(
        (xpack["license"]["status"].clone(), xpack["features"]["ccr"]["available"].clone()),
        (json!("expired"), json!(false))
    );
}
