//! The simulator's document writes over raw HTTP: `_bulk` and `DELETE /{index}/_doc/{id}`
//! answer item by item as Elasticsearch does, followers refuse writes per item, and deletes
//! replicate to followers.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::es::{ClusterSettingsUpdate, FollowParameters};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// A raw request: status and JSON body.
pub async fn raw(url: &str, method: Method, path: &str, body: Option<&str>) -> (StatusCode, Value) {
    let mut request = Client::new().request(method, format!("{url}{path}"));
    if let Some(body) = body {
        request = request.header("content-type", "application/x-ndjson").body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn item<'a>(body: &'a Value, n: usize, action: &str) -> &'a Value {
    &body["items"][n][action]
}

#[tokio::test]
async fn bulk_answers_each_item_and_flags_errors() {
    let sim = start_sim("local").await;
    let url = sim.url();
    let body = concat!(
        "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"n\":1}\n",
        "{\"create\":{\"_index\":\"logs\",\"_id\":\"2\"}}\n{\"n\":2}\n",
        "{\"create\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"n\":3}\n",
        "{\"update\":{\"_index\":\"logs\",\"_id\":\"2\"}}\n{\"doc\":{\"m\":true}}\n",
        "{\"update\":{\"_index\":\"logs\",\"_id\":\"nope\"}}\n{\"doc\":{\"m\":true}}\n",
        "{\"delete\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n",
        "{\"delete\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n",
    );
    let (status, answer) = raw(&url, Method::POST, "/_bulk", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["errors"], true);
    assert!(answer["took"].is_u64());
    let statuses: Vec<u64> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_object().unwrap().values().next().unwrap()["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 201, 409, 200, 404, 200, 404]);
    assert_eq!(item(&answer, 0, "index")["result"], "created");
    assert_eq!(item(&answer, 0, "index")["_shards"], json!({"total": 2, "successful": 1, "failed": 0}));
    let conflict = &item(&answer, 2, "create")["error"];
    assert_eq!(conflict["type"], "version_conflict_engine_exception");
    assert_eq!(conflict["reason"], "[1]: version conflict, document already exists (current version [1])");
    assert_eq!((conflict["index"].as_str(), conflict["shard"].as_str()), (Some("logs"), Some("0")));
    assert_eq!(item(&answer, 3, "update")["result"], "updated");
    assert_eq!(item(&answer, 4, "update")["error"]["type"], "document_missing_exception");
    assert_eq!(item(&answer, 5, "delete")["result"], "deleted");
    assert_eq!(item(&answer, 6, "delete")["result"], "not_found");

    let recorded = sim.sim.requests().into_iter().find(|r| r.path == "/_bulk").unwrap();
    assert_eq!(recorded.body.unwrap().as_array().map(Vec::len), Some(12), "NDJSON is recorded line by line");

    let (_, doc) = raw(&url, Method::GET, "/logs/_doc/2", None).await;
    assert_eq!(doc["_source"], json!({"n": 2, "m": true}));
    let (_, gone) = raw(&url, Method::GET, "/logs/_doc/1", None).await;
    assert_eq!(gone["found"], false);

    // The index of the path is the default; a clean batch has errors false.
    let (status, answer) =
        raw(&url, Method::POST, "/logs/_bulk", Some("{\"index\":{\"_id\":\"9\"}}\n{\"n\":9}\n")).await;
    assert_eq!((status.as_u16(), answer["errors"].as_bool()), (200, Some(false)));
    assert_eq!(item(&answer, 0, "index")["_index"], "logs");
}

#[tokio::test]
async fn bulk_refuses_what_elasticsearch_refuses_as_a_whole() {
    let sim = start_sim("local").await;
    let url = sim.url();
    let (status, answer) = raw(&url, Method::POST, "/_bulk", Some("{\"index\":{}}\n{\"n\":1}\n")).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["reason"], "Validation Failed: 1: index is missing;");
    let (status, answer) = raw(&url, Method::POST, "/_bulk", Some("{\"index\":{\"_index\":\"a\"}}\n{\"n\":1}")).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["reason"], "The bulk request must be terminated by a newline [\\n]");
    let (status, answer) = raw(&url, Method::POST, "/_bulk", Some("{\"upsert\":{\"_index\":\"a\"}}\n")).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["type"], "illegal_argument_exception");
}

#[tokio::test]
async fn delete_answers_deleted_then_not_found() {
    let sim = start_sim("local").await;
    let url = sim.url();
    client(&sim).index_doc("books", Some("1"), &json!({"t": "x"})).await.unwrap();
    let (status, body) = raw(&url, Method::DELETE, "/books/_doc/1", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"], "deleted");
    assert_eq!(body["_version"], 2);
    assert_eq!(body["_seq_no"], 1, "the delete is the shard's next operation");
    let (status, body) = raw(&url, Method::DELETE, "/books/_doc/1", None).await;
    assert_eq!(status, 404);
    let mut fields: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["_id", "_index", "_primary_term", "_seq_no", "_shards", "_version", "result"]);
    assert_eq!(body["result"], "not_found");
    let (status, body) = raw(&url, Method::DELETE, "/missing/_doc/1", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].as_str()), (404, Some("index_not_found_exception")));
}

#[tokio::test]
async fn deletes_replicate_and_followers_refuse_bulk_items() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let (leader_client, local_client) = (client(&leader), client(&local));
    leader_client.create_index("myindex", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    for i in 1..=3 {
        leader_client.index_doc("myindex", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    local_client.put_cluster_settings(&update).await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), || async {
            local_client.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
        })
        .await
    );
    followers::follow(&local_client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    assert_eq!(local_client.count("copy").await.unwrap(), 3);

    let (status, _) = raw(&leader.url(), Method::DELETE, "/myindex/_doc/2", None).await;
    assert_eq!(status, 200);
    let replicated = eventually(Duration::from_secs(5), || async {
        local_client.get_doc("copy", "2").await.unwrap().is_none() && local_client.count("copy").await.unwrap() == 2
    })
    .await;
    assert!(replicated, "the delete reached the follower");

    let body = "{\"index\":{\"_index\":\"copy\",\"_id\":\"x\"}}\n{\"n\":0}\n{\"delete\":{\"_index\":\"copy\",\"_id\":\"1\"}}\n";
    let (status, answer) = raw(&local.url(), Method::POST, "/_bulk", Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["errors"], true);
    for (n, action) in [(0, "index"), (1, "delete")] {
        let refused = item(&answer, n, action);
        assert_eq!(refused["status"], 403, "{refused}");
        assert_eq!(refused["error"]["type"], "status_exception");
        assert_eq!(
            refused["error"]["reason"],
            "a following engine does not accept operations without an assigned sequence number"
        );
        assert_eq!(refused["_index"], "copy");
    }
    let (status, _) = raw(&local.url(), Method::DELETE, "/copy/_doc/1", None).await;
    assert_eq!(status, 403, "a follower refuses a delete too");
    assert_eq!(local_client.count("copy").await.unwrap(), 2);
}

#[tokio::test]
async fn bulk_items_are_authorized_one_by_one() {
    let sim = start_secured_sim("local").await;
    let body = "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"n\":1}\n";
    let send = |user: &'static str| {
        let url = sim.url();
        async move {
            let response = Client::new()
                .post(format!("{url}/_bulk"))
                .basic_auth(user, Some(format!("{user}-pw")))
                .header("content-type", "application/x-ndjson")
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, answer) = send("viewer").await;
    assert_eq!(status, 200, "the request passes; its items are refused");
    assert_eq!(answer["errors"], true);
    let refused = item(&answer, 0, "index");
    assert_eq!(refused["status"], 403);
    assert_eq!(refused["error"]["type"], "security_exception");
    assert!(
        refused["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("action [indices:data/write/bulk[s]] is unauthorized for user [viewer]")
    );
    let (status, answer) = send("admin").await;
    assert_eq!((status.as_u16(), answer["errors"].as_bool()), (200, Some(false)));
}
