//! The simulator's REST answers, byte for byte where Elasticsearch's are known: status codes,
//! error bodies, and the field sets of the recorded examples in `tests/fixtures/es-examples`.

use std::collections::BTreeSet;

use ccr_panel::sim::{LicenseKind, SimConfig};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

async fn call(
    url: &str,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = Client::new().request(method, format!("{url}{path}"));
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, headers, body)
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_answer_like_elasticsearch() {
    let sim = start_sim("local").await;
    let (status, _, body) = call(&sim.url(), Method::GET, "/foo/bar/baz", None).await;
    assert_eq!(status, 400);
    assert_eq!(body, json!({"error": "no handler found for uri [/foo/bar/baz] and method [GET]"}));

    let (status, headers, body) = call(&sim.url(), Method::DELETE, "/_cluster/settings", None).await;
    assert_eq!(status, 405);
    assert_eq!(body["status"], 405);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Incorrect HTTP method for uri [/_cluster/settings] and method [DELETE], allowed: [")
    );
    let allow = headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
    assert_eq!(headers["x-elastic-product"], "Elasticsearch");
}

#[tokio::test]
async fn bad_and_missing_bodies_are_parse_errors() {
    let sim = start_sim("local").await;
    let (status, _, body) = call(&sim.url(), Method::PUT, "/_cluster/settings", Some("{bad")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "x_content_parse_exception");
    assert_eq!(body["error"]["caused_by"]["type"], "json_parse_exception");
    assert_eq!(body["status"], 400);

    let (status, _, body) = call(&sim.url(), Method::PUT, "/_cluster/settings", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["root_cause"][0]["type"], "parse_exception");
    assert_eq!(body["error"]["reason"], "request body is required");

    let (status, _, body) =
        call(&sim.url(), Method::PUT, "/_cluster/settings", Some(r#"{"persistent":{"foo":1}}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "persistent setting [foo], not recognized");
}

#[tokio::test]
async fn error_envelope_matches_the_recorded_example() {
    let sim = start_sim("local").await;
    let (status, _, body) = call(&sim.url(), Method::GET, "/non-existing/_ccr/info", None).await;
    assert_eq!(status, 404);
    assert_eq!(body, fixture_json("es-examples/error.index_not_found.404.reconstructed.json"));
}

#[tokio::test]
async fn root_license_and_ccr_bodies_have_the_recorded_fields() {
    let sim = start_sim("local").await;
    let (_, _, root) = call(&sim.url(), Method::GET, "/", None).await;
    let example = fixture_json("es-examples/info.root.9_1_0.json");
    assert_eq!(keys(&root), keys(&example));
    assert_eq!(keys(&root["version"]), keys(&example["version"]));

    let (_, _, license) = call(&sim.url(), Method::GET, "/_license", None).await;
    let example = fixture_json("es-examples/license.get.trial.json");
    let missing: Vec<_> = keys(&example["license"]).difference(&keys(&license["license"])).cloned().collect();
    assert!(missing.is_empty(), "{missing:?}");
    let shape = |date: &str| date.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }).collect::<String>();
    let printed = license["license"]["expiry_date"].as_str().unwrap();
    assert_eq!(shape(printed), shape(example["license"]["expiry_date"].as_str().unwrap()), "{printed}");

    let (_, _, stats) = call(&sim.url(), Method::GET, "/_ccr/stats", None).await;
    let example = fixture_json("es-examples/ccr_stats.json");
    assert_eq!(keys(&stats), keys(&example));
    assert_eq!(keys(&stats["auto_follow_stats"]), keys(&example["auto_follow_stats"]));

    let (status, _, info) = call(&sim.url(), Method::GET, "/_all/_ccr/info", None).await;
    assert_eq!(status, 200);
    assert_eq!(info, json!({"follower_indices": []}));
}

#[tokio::test]
async fn trial_license_starts_once_and_ccr_needs_it() {
    let mut config = SimConfig::new("basic");
    config.license = LicenseKind::Basic;
    let sim = start_sim_with(config).await;
    let (status, _, body) = call(&sim.url(), Method::GET, "/_ccr/stats", None).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["reason"], "current license is non-compliant for [ccr]");

    let (status, _, body) = call(&sim.url(), Method::POST, "/_license/start_trial", None).await;
    assert_eq!((status.as_u16(), body["acknowledged"].clone()), (200, json!(false)));
    let (status, _, body) = call(&sim.url(), Method::POST, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"acknowledged": true, "trial_was_started": true, "type": "trial"}));
    let (status, _, body) = call(&sim.url(), Method::POST, "/_license/start_trial?acknowledge=true", None).await;
    assert_eq!(status, 403);
    assert_eq!(body["error_message"], "Operation failed: Trial was already activated.");
    let (status, _, _) = call(&sim.url(), Method::GET, "/_ccr/stats", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn index_lifecycle_over_raw_http() {
    let sim = start_sim("local").await;
    let url = sim.url();
    let (status, _, body) = call(&url, Method::PUT, "/MyIndex", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "Invalid index name [MyIndex], must be lowercase");

    let (status, _, body) =
        call(&url, Method::PUT, "/logs", Some(r#"{"settings":{"index":{"number_of_replicas":0}}}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"acknowledged": true, "shards_acknowledged": true, "index": "logs"}));
    assert_eq!(call(&url, Method::HEAD, "/logs", None).await.0, 200);
    assert_eq!(call(&url, Method::HEAD, "/other", None).await.0, 404);

    let (status, _, body) = call(&url, Method::POST, "/logs/_doc", Some(r#"{"a":1}"#)).await;
    assert_eq!(status, 201);
    assert_eq!(body["result"], "created");
    assert_eq!(body["_seq_no"], 0);

    let (_, _, body) = call(&url, Method::POST, "/logs/_close", None).await;
    assert_eq!(body["indices"]["logs"]["closed"], true);
    let (status, _, body) = call(&url, Method::POST, "/logs/_doc", Some(r#"{"a":2}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "index_closed_exception");

    let (status, _, body) =
        call(&url, Method::PUT, "/logs/_settings", Some(r#"{"index.soft_deletes.enabled":true}"#)).await;
    assert_eq!(status, 400);
    assert!(body["error"]["reason"].as_str().unwrap().starts_with("final logs setting [index.soft_deletes.enabled]"));
    call(&url, Method::POST, "/logs/_open", None).await;
    let (status, _, body) =
        call(&url, Method::PUT, "/logs/_settings", Some(r#"{"index.soft_deletes.enabled":true}"#)).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Can't update non dynamic settings [[index.soft_deletes.enabled]] for open indices [[logs/")
    );

    let (_, _, rows) = call(&url, Method::GET, "/_cat/indices?format=json", None).await;
    assert_eq!(rows[0]["index"], "logs");
    assert_eq!(rows[0]["docs.count"], "1");
    assert_eq!(rows[0]["health"], "green");

    let (status, _, body) = call(&url, Method::GET, "/logs/_search", Some(r#"{"query":{"fuzzy_thing":{}}}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "unknown query [fuzzy_thing]");

    assert_eq!(call(&url, Method::DELETE, "/logs", None).await.0, 200);
    assert_eq!(call(&url, Method::DELETE, "/logs", None).await.0, 404);
}

#[tokio::test]
async fn nodes_apis_show_roles_and_transport_address() {
    let sim = start_sim("local").await;
    let client = client(&sim);
    let nodes = client.nodes().await.unwrap();
    let node = nodes.nodes.values().next().unwrap();
    assert!(node.roles.contains(&"master".to_owned()));
    assert!(node.roles.contains(&"remote_cluster_client".to_owned()));
    assert_eq!(node.transport.as_ref().unwrap().publish_address, sim.transport_address.to_string());
    let cat = client.cat_nodes().await.unwrap();
    assert_eq!(cat[0].master, "*");
    assert!(cat[0].node_role.contains('m'));
    let health = client.health().await.unwrap();
    assert_eq!((health.status.as_str(), health.number_of_nodes), ("green", 1));
}

/// `GET /_cluster/state/version`: the cluster state's `version` and `state_uuid`, new with
/// every change to the cluster state (an index deleted), the same after reads.
#[tokio::test]
async fn the_cluster_state_version_changes_with_the_cluster_state_only() {
    let sim = start_sim("local").await;
    let stamp = || async {
        let (status, _, body) = call(&sim.url(), Method::GET, "/_cluster/state/version", None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(keys(&body), ["cluster_name", "cluster_uuid", "state_uuid", "version"].map(String::from).into());
        (body["version"].as_u64().unwrap(), body["state_uuid"].as_str().unwrap().to_owned())
    };
    assert_eq!(call(&sim.url(), Method::PUT, "/logs", None).await.0, 200);
    let first = stamp().await;
    for path in ["/_cluster/health", "/_all/_ccr/info", "/_ccr/stats", "/_cat/indices", "/logs/_stats"] {
        assert_eq!(call(&sim.url(), Method::GET, path, None).await.0, 200, "{path}");
    }
    assert_eq!(stamp().await, first);
    assert_eq!(call(&sim.url(), Method::DELETE, "/logs", None).await.0, 200);
    let second = stamp().await;
    assert!(second.0 > first.0 && second.1 != first.1, "{first:?} {second:?}");
    // A metric Elasticsearch does not know is ignored; one it knows and the simulator does not
    // keep is refused, not answered in part.
    let (status, _, body) = call(&sim.url(), Method::GET, "/_cluster/state/bogus", None).await;
    assert_eq!((status, keys(&body)), (StatusCode::OK, ["cluster_name", "cluster_uuid"].map(String::from).into()));
    let (status, _, body) = call(&sim.url(), Method::GET, "/_cluster/state/version,metadata", None).await;
    assert_eq!(status, 501, "{body}");
}
