//! The typed client against a running simulator over real HTTP, and against things that are
//! not Elasticsearch: closed ports, slow servers, HTML.

use std::collections::BTreeMap;
use std::time::Duration;

use ccr_panel::es::{ClusterSettingsUpdate, EsError, Version};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::contract::{request_matches_spec, spec_endpoints};
use crate::helpers::*;

#[tokio::test]
async fn reads_version_and_capabilities() {
    let mut config = ccr_panel::sim::SimConfig::new("old");
    config.version = Version::new(7, 5, 2);
    let sim = start_sim_with(config).await;
    let client = client(&sim);
    let root = client.root().await.unwrap();
    assert_eq!(root.cluster_name, "old");
    assert_eq!(client.version().await.unwrap(), Version::new(7, 5, 2));
    let caps = client.capabilities().await.unwrap();
    assert!(!caps.proxy_mode());
    assert!(caps.auto_follow_pause());
    // Read once: a second call sends no request.
    let before = sim.sim.requests().len();
    client.capabilities().await.unwrap();
    assert_eq!(sim.sim.requests().len(), before);
}

#[tokio::test]
async fn cluster_settings_round_trip_with_null_removal() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!(["127.0.0.1:9300"]));
    update.persistent.insert("cluster.remote.leader.skip_unavailable".into(), json!(true));
    assert!(client.put_cluster_settings(&update).await.unwrap().acknowledged);

    let settings = client.cluster_settings().await.unwrap();
    assert_eq!(settings.persistent["cluster.remote.leader.seeds"], json!(["127.0.0.1:9300"]));
    // Elasticsearch stores every scalar setting as a string.
    assert_eq!(settings.persistent["cluster.remote.leader.skip_unavailable"], json!("true"));

    let removal = ClusterSettingsUpdate {
        persistent: BTreeMap::from([("cluster.remote.leader.*".to_owned(), serde_json::Value::Null)]),
        ..Default::default()
    };
    client.put_cluster_settings(&removal).await.unwrap();
    assert!(client.cluster_settings().await.unwrap().persistent.is_empty());
}

#[tokio::test]
async fn elasticsearch_errors_become_typed_errors() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    client.create_index("dup", &json!({})).await.unwrap();
    let EsError::Api(api) = client.create_index("dup", &json!({})).await.unwrap_err() else { panic!("an API error") };
    assert_eq!(api.status, 400);
    assert_eq!(api.error_type, "resource_already_exists_exception");
    assert!(api.reason.starts_with("index [dup/"), "{}", api.reason);
    assert_eq!(api.root_causes[0].error_type, "resource_already_exists_exception");

    let mut bad = ClusterSettingsUpdate::default();
    bad.persistent.insert("cluster.remote.x.seeds".into(), json!(["no-port"]));
    let error = client.put_cluster_settings(&bad).await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.es_type(), Some("illegal_argument_exception"));
    assert!(error.to_string().contains("remote hosts need to be configured as [host:port], found [no-port] instead"));

    let missing = client.follow_info("nope").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
    assert_eq!(missing.es_type(), Some("index_not_found_exception"));
}

#[tokio::test]
async fn documents_count_and_search() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    client.create_index("logs", &json!({"settings": {"number_of_replicas": 0}})).await.unwrap();
    let written = client.index_doc("logs", Some("1"), &json!({"user": "kimchy", "msg": "hello world"})).await.unwrap();
    assert_eq!((written.result.as_str(), written.version), ("created", 1));
    let again = client.index_doc("logs", Some("1"), &json!({"user": "kimchy", "msg": "hello again"})).await.unwrap();
    assert_eq!((again.result.as_str(), again.version), ("updated", 2));
    client.index_doc("logs", None, &json!({"user": "alice", "msg": "other"})).await.unwrap();

    assert_eq!(client.count("logs").await.unwrap(), 2);
    let doc = client.get_doc("logs", "1").await.unwrap().unwrap();
    assert_eq!(doc.source.unwrap()["msg"], "hello again");
    assert!(client.get_doc("logs", "missing").await.unwrap().is_none());

    let hits = client.search("logs", &json!({"query": {"term": {"user": "alice"}}})).await.unwrap().hits;
    assert_eq!(hits.total.value(), 1);
    assert_eq!(hits.hits[0].source["user"], "alice");
    let hits = client.search("logs", &json!({"query": {"match": {"msg": "AGAIN"}}})).await.unwrap().hits;
    assert_eq!(hits.total.value(), 1);
    let page = client.search("logs", &json!({"size": 1, "from": 1})).await.unwrap().hits;
    assert_eq!((page.total.value(), page.hits.len()), (2, 1));

    client.close_index("logs").await.unwrap();
    let closed = client.count("logs").await.unwrap_err();
    assert_eq!(closed.es_type(), Some("index_closed_exception"));
    client.open_index("logs").await.unwrap();
    assert!(client.index_exists("logs").await.unwrap());
    assert!(!client.index_exists("nothing").await.unwrap());
    let rows = client.cat_indices(None).await.unwrap();
    assert_eq!(rows[0].index, "logs");
    assert_eq!(rows[0].docs_count.as_deref(), Some("2"));
}

#[tokio::test]
async fn every_request_the_client_sent_is_in_the_spec() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    client.root().await.unwrap();
    client.license().await.unwrap();
    client.health().await.unwrap();
    client.cluster_settings().await.unwrap();
    client.remote_info().await.unwrap();
    client.resolve_index("*").await.unwrap();
    client.resolve_cluster("*:*", None).await.unwrap();
    client.nodes().await.unwrap();
    client.cat_nodes().await.unwrap();
    client.create_index("a-b", &json!({})).await.unwrap();
    client.index_settings("a-b").await.unwrap();
    client.put_index_settings("a-b", &json!({"index": {"number_of_replicas": 0}})).await.unwrap();
    client.follow_info("_all").await.unwrap();
    client.checked_follow_info().await.unwrap();
    client.checked_ccr_stats().await.unwrap();
    client.auto_follow_patterns().await.unwrap();
    client.delete_index("a-b").await.unwrap();
    let spec = spec_endpoints();
    let requests = sim.sim.requests();
    assert!(requests.len() >= 16);
    for request in requests {
        assert!(
            request_matches_spec(&spec, &request.method, &request.path),
            "not in the spec: {} {}",
            request.method,
            request.path
        );
    }
}

#[tokio::test]
async fn a_closed_port_is_reported_unreachable() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let error = client_at(std::slice::from_ref(&url), Duration::from_secs(5)).root().await.unwrap_err();
    let EsError::Unreachable { url: tried, .. } = &error else { panic!("expected Unreachable, got {error:?}") };
    assert!(tried.starts_with(&url));
}

#[tokio::test]
async fn failover_moves_to_the_next_node_and_reports_every_attempt() {
    let sim = start_sim("local").await;
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let client = client_at(&[dead.clone(), sim.url()], Duration::from_secs(5));
    assert_eq!(client.fetch_root().await.unwrap().cluster_name, "local");

    let dead2 = format!("http://127.0.0.1:{}", closed_port());
    let error = client_at(&[dead, dead2], Duration::from_secs(5)).fetch_root().await.unwrap_err();
    let EsError::AllNodesFailed { attempts } = error else { panic!("expected AllNodesFailed") };
    assert_eq!(attempts.len(), 2);
}

/// A TCP server that answers every connection with `response` after `delay`.
async fn fake_server(response: &'static str, delay: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                tokio::time::sleep(delay).await;
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let url = fake_server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", Duration::from_secs(5)).await;
    let error = client_at(&[url], Duration::from_millis(300)).fetch_root().await.unwrap_err();
    assert!(matches!(error, EsError::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn something_that_is_not_elasticsearch_is_named_as_such() {
    let html = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 22\r\nconnection: close\r\n\r\n<html>Kibana</html>\r\n\r\n";
    let url = fake_server(html, Duration::ZERO).await;
    let error = client_at(&[url], Duration::from_secs(5)).fetch_root().await.unwrap_err();
    assert!(matches!(error, EsError::NotElasticsearch { .. }), "{error:?}");

    let gateway = "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 11\r\nconnection: close\r\n\r\nbad gateway";
    let url = fake_server(gateway, Duration::ZERO).await;
    let error = client_at(&[url], Duration::from_secs(5)).remote_info().await.unwrap_err();
    let EsError::NotElasticsearch { detail, .. } = error else { panic!("expected NotElasticsearch") };
    assert!(detail.contains("502"), "{detail}");
}

#[tokio::test]
async fn tls_against_a_plain_server_is_a_tls_error() {
    let sim = start_sim("local").await;
    let url = sim.url().replace("http://", "https://");
    let error = client_at(&[url], Duration::from_secs(5)).fetch_root().await.unwrap_err();
    assert!(matches!(error, EsError::Tls { .. }), "{error:?}");
}

#[tokio::test]
async fn names_that_are_not_one_index_are_refused_before_sending() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    for error in [
        client.delete_index("a,b").await.unwrap_err(),
        client.close_index("logs-*").await.unwrap_err(),
        client.unfollow("..").await.unwrap_err(),
        client.pause_follow("").await.unwrap_err(),
    ] {
        assert!(matches!(error, EsError::InvalidName { .. }), "{error:?}");
    }
    assert!(sim.sim.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn parameters_newer_than_the_cluster_are_not_sent() {
    let mut config = ccr_panel::sim::SimConfig::new("old");
    config.version = Version::new(7, 5, 2);
    let sim = start_sim_with(config).await;
    let raw = reqwest::get(format!("{}/_cat/indices?format=json&expand_wildcards=all", sim.url())).await.unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "request [/_cat/indices] contains unrecognized parameter: [expand_wildcards]");
    client(&sim).create_index("x", &json!({})).await.unwrap();
    assert_eq!(client(&sim).cat_indices(None).await.unwrap().len(), 1, "the client leaves the parameter out on 7.5");
}
