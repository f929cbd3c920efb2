//! Remote cluster connectivity between simulators: seeds at a transport port connect, seeds
//! at an HTTP port or at nothing do not, and a stopped remote is seen as disconnected.

use std::time::Duration;

use ccr_panel::es::{ClusterSettingsUpdate, EsClient};
use ccr_panel::sim::SimServer;
use serde_json::{Value, json};

use crate::helpers::*;

async fn add_remote(client: &EsClient, alias: &str, seeds: &[String]) {
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert(format!("cluster.remote.{alias}.seeds"), json!(seeds));
    client.put_cluster_settings(&update).await.expect("remote added");
}

async fn is_connected(client: &EsClient, alias: &str) -> bool {
    client.remote_info().await.unwrap().get(alias).is_some_and(|r| r.connected)
}

async fn leader_with_index() -> SimServer {
    let leader = start_sim("leader").await;
    client(&leader).create_index("myindex", &json!({})).await.unwrap();
    leader
}

#[tokio::test]
async fn seeds_at_the_transport_port_connect() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;
    assert!(eventually(Duration::from_secs(5), || is_connected(&client, "leader")).await, "never connected");
    let info = &client.remote_info().await.unwrap()["leader"];
    assert_eq!(info.mode.as_deref(), Some("sniff"));
    assert_eq!(info.num_nodes_connected, Some(1));
    assert_eq!(info.max_connections_per_cluster, Some(3));
}

#[tokio::test]
async fn seeds_at_the_http_port_never_connect() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "wrong", &[leader.http_address.to_string()]).await;
    // Give the connection task several attempts.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let info = &client.remote_info().await.unwrap()["wrong"];
    assert!(!info.connected);
    assert_eq!(info.num_nodes_connected, Some(0));
    let state = local.sim.state();
    let error = state.remotes["wrong"].last_error.clone().unwrap_or_default();
    assert!(error.contains("received HTTP response on transport port"), "{error}");
}

#[tokio::test]
async fn seeds_at_nothing_stay_disconnected() {
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "nowhere", &[format!("127.0.0.1:{}", closed_port())]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!is_connected(&client, "nowhere").await);
}

#[tokio::test]
async fn a_stopped_remote_becomes_disconnected() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;
    assert!(eventually(Duration::from_secs(5), || is_connected(&client, "leader")).await);
    leader.stop();
    assert!(
        eventually(Duration::from_secs(5), || async { !is_connected(&client, "leader").await }).await,
        "still connected"
    );
}

#[tokio::test]
async fn proxy_mode_connects_through_one_address() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    let client = client(&local);
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.viaproxy.mode".into(), json!("proxy"));
    update
        .persistent
        .insert("cluster.remote.viaproxy.proxy_address".into(), json!(leader.transport_address.to_string()));
    client.put_cluster_settings(&update).await.unwrap();
    assert!(eventually(Duration::from_secs(5), || is_connected(&client, "viaproxy")).await);
    let info = &client.remote_info().await.unwrap()["viaproxy"];
    assert_eq!(info.mode.as_deref(), Some("proxy"));
    assert_eq!(info.num_proxy_sockets_connected, Some(18));
    assert_eq!(info.server_name.as_deref(), Some(""));
}

#[tokio::test]
async fn resolve_index_and_cluster_reach_through_the_remote() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;
    add_remote(&client, "broken", &[leader.http_address.to_string()]).await;

    let resolved = client.resolve_index("leader:my*").await.unwrap();
    let names: Vec<&str> = resolved.indices.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["leader:myindex"]);
    assert_eq!(resolved.indices[0].attributes, ["open"]);

    let clusters = client.resolve_cluster("leader:*,broken:*", None).await.unwrap();
    assert!(clusters["leader"].connected);
    assert_eq!(clusters["leader"].matching_indices, Some(true));
    assert_eq!(clusters["leader"].version.as_ref().unwrap().number, "8.15.0");
    assert!(!clusters["broken"].connected);

    let unknown = client.resolve_index("nope:x").await.unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    assert_eq!(unknown.es_type(), Some("no_such_remote_cluster_exception"));
}

/// `_resolve/cluster` as Elasticsearch answers it for a remote: only open indices match, and a
/// named index the remote lacks is an error on a connected remote.
#[tokio::test]
async fn resolve_cluster_counts_open_indices_and_names_a_missing_one() {
    let leader = leader_with_index().await;
    client(&leader).create_index("shut", &json!({})).await.unwrap();
    client(&leader).close_index("shut").await.unwrap();
    let local = start_sim("local").await;
    let client = client(&local);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;

    let closed = &client.resolve_cluster("leader:shut", None).await.unwrap()["leader"];
    assert!(closed.connected);
    assert_eq!(closed.matching_indices, Some(false));
    let open = &client.resolve_cluster("leader:shut,leader:my*", None).await.unwrap()["leader"];
    assert_eq!(open.matching_indices, Some(true));
    let missing = &client.resolve_cluster("leader:nope", None).await.unwrap()["leader"];
    assert!(missing.connected);
    assert_eq!(missing.error.as_deref(), Some("no such index [nope]"));
    assert_eq!((missing.matching_indices, missing.version.is_some()), (None, false));
    // An alias is a name the remote has, and it matches even over a closed index.
    let actions = json!({"actions": [{"add": {"index": "shut", "alias": "shut-alias"}}]});
    crate::helpers::client(&leader).update_aliases(&actions).await.unwrap();
    let alias = &client.resolve_cluster("leader:shut-alias", None).await.unwrap()["leader"];
    assert_eq!((alias.error.as_deref(), alias.matching_indices), (None, Some(true)));

    // The same rules for the local cluster's own indices.
    client.create_index("local-shut", &json!({})).await.unwrap();
    client.close_index("local-shut").await.unwrap();
    let local_closed = &client.resolve_cluster("local-shut", None).await.unwrap()["(local)"];
    assert_eq!((local_closed.connected, local_closed.matching_indices), (true, Some(false)));
}

/// Every remote is probed at once: two remotes that never answer cost one timeout, not two.
#[tokio::test]
async fn resolve_cluster_probes_every_remote_at_once() {
    let leader = leader_with_index().await;
    let local = local_with_probe_timeouts().await;
    let client = client(&local);
    // Two "remotes" that take the connection and never say a word.
    let (silent_a, silent_b) = (silent_listener().await, silent_listener().await);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;
    add_remote(&client, "silent-a", std::slice::from_ref(&silent_a.0)).await;
    add_remote(&client, "silent-b", std::slice::from_ref(&silent_b.0)).await;

    let started = std::time::Instant::now();
    let clusters = client.resolve_cluster("*:*", Some("2s")).await.unwrap();
    let took = started.elapsed();
    assert_eq!(clusters["leader"].matching_indices, Some(true));
    for silent in ["silent-a", "silent-b"] {
        assert!(!clusters[silent].connected, "{silent}");
        assert_eq!(
            clusters[silent].error.as_deref(),
            Some("Request timed out before receiving a response from the remote cluster")
        );
    }
    // One after the other, the two would take 4 s at least.
    assert!(took >= Duration::from_secs(2) && took < Duration::from_millis(3_900), "took {took:?}");
}

/// `local`, connected to `leader` (which holds `myindex`) as its remote `leader` through a
/// forwarder that counts the connections opened to the leader.
struct CountedRemote {
    leader: SimServer,
    local: SimServer,
    client: EsClient,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountedRemote {
    async fn connected() -> CountedRemote {
        let leader = leader_with_index().await;
        let local = start_sim("local").await;
        let client = client(&local);
        let (through, connections) = counting_forwarder(leader.transport_address.to_string()).await;
        add_remote(&client, "leader", std::slice::from_ref(&through)).await;
        assert!(eventually(Duration::from_secs(5), || is_connected(&client, "leader")).await);
        CountedRemote { leader, local, client, connections }
    }

    /// Connections opened to the leader so far.
    fn opened(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A probe goes over the connection the cluster holds to the remote, as in Elasticsearch, and
/// opens none of its own.
#[tokio::test]
async fn resolve_cluster_asks_a_connected_remote_on_the_connection_it_holds() {
    let remote = CountedRemote::connected().await;
    let before = remote.opened();
    for _ in 0..5 {
        let clusters = remote.client.resolve_cluster("leader:my*", None).await.unwrap();
        assert_eq!(clusters["leader"].matching_indices, Some(true));
    }
    assert_eq!(remote.opened(), before, "no connection per probe");
    assert!(is_connected(&remote.client, "leader").await);
}

/// A follower's reads, put-follow's and resume's looks at the leader, unfollow's removal of
/// its lease and the auto-follow coordinator's reads of the remote's indices all go over the
/// connection the cluster holds, as in Elasticsearch: with the remote connected, following,
/// replicating and converting open no connection of their own.
#[tokio::test]
async fn following_reads_over_the_connection_the_cluster_holds() {
    use crate::sim_migration::{call, count, follow, index_docs};
    use reqwest::Method;
    let remote = CountedRemote::connected().await;
    let (leader, local, client) = (&remote.leader, &remote.local, &remote.client);
    let before = remote.opened();

    index_docs(leader, "myindex", 3).await;
    let (status, body) = follow(local, "copy", "myindex").await;
    assert!(status.is_success(), "{body}");
    assert!(eventually(Duration::from_secs(5), || async { count(local, "copy").await == 3 }).await, "the copy");
    index_docs(leader, "myindex", 5).await;
    assert!(eventually(Duration::from_secs(5), || async { count(local, "copy").await == 5 }).await, "replicated");
    let pattern = json!({"remote_cluster": "leader", "leader_index_patterns": ["log-*"]});
    let (status, body) = call(local, Method::PUT, "/_ccr/auto_follow/logs", Some(pattern)).await;
    assert!(status.is_success(), "{body}");
    // The coordinator's rounds find a new leader index and follow it.
    crate::helpers::client(leader).create_index("log-1", &json!({})).await.unwrap();
    let followed = || async { client.index_exists("log-1").await.unwrap_or(false) };
    assert!(eventually(Duration::from_secs(5), followed).await, "auto-followed");
    for (path, body) in [
        ("/copy/_ccr/pause_follow", None),
        ("/copy/_ccr/resume_follow", Some(json!({}))),
        ("/copy/_ccr/pause_follow", None),
        ("/copy/_close", None),
        ("/copy/_ccr/unfollow", None),
    ] {
        let (status, answer) = call(local, Method::POST, path, body).await;
        assert!(status.is_success(), "{path}: {answer}");
    }

    assert_eq!(remote.opened(), before, "no connection of their own");
    assert!(is_connected(client, "leader").await);
}

/// A probe that stops waiting leaves the remote's connection as it was.
#[tokio::test]
async fn a_probe_that_times_out_keeps_the_remote_connected() {
    let leader = leader_with_index().await;
    let local = local_with_probe_timeouts().await;
    let client = client(&local);
    add_remote(&client, "leader", &[leader.transport_address.to_string()]).await;
    assert!(eventually(Duration::from_secs(5), || is_connected(&client, "leader")).await);
    for _ in 0..5 {
        let _ = client.resolve_cluster("leader:*", Some("0s")).await.unwrap();
    }
    // Past two pings: a connection dropped by the probes would show by now.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let info = &client.remote_info().await.unwrap()["leader"];
    assert!(info.connected, "{info:?}");
    let clusters = client.resolve_cluster("leader:*", None).await.unwrap();
    assert_eq!(clusters["leader"].matching_indices, Some(true));
}

/// A TCP forwarder to `target` that counts the connections it was asked for, with its address.
async fn counting_forwarder(target: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    (address, count)
}

/// A local cluster of a version whose `_resolve/cluster` takes a `timeout` (8.19).
async fn local_with_probe_timeouts() -> SimServer {
    let mut config = ccr_panel::sim::SimConfig::new("local");
    config.version = ccr_panel::es::Version::new(8, 19, 0);
    start_sim_with(config).await
}

/// A socket that accepts connections and holds them without answering, with its address.
async fn silent_listener() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (address, holder)
}

#[tokio::test]
async fn the_remote_info_body_has_the_documented_fields() {
    let leader = leader_with_index().await;
    let local = start_sim("local").await;
    add_remote(&client(&local), "leader", &[leader.transport_address.to_string()]).await;
    let body: Value = reqwest::get(format!("{}/_remote/info", local.url())).await.unwrap().json().await.unwrap();
    let documented = fixture_json("es-examples/remote_info.sniff.docs.json");
    let ours: Vec<&String> = body["leader"].as_object().unwrap().keys().collect();
    let theirs: Vec<&String> = documented["leader"].as_object().unwrap().keys().collect();
    let (mut ours, mut theirs) = (ours, theirs);
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
}
