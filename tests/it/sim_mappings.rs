//! Mappings, analysis settings and aliases in the simulator, as a migration uses them: an
//! index created with mappings and analysis shows them in `GET /{index}` and
//! `GET /{index}/_mapping` (typed on 6.x, typeless from 7.0); documents grow the mapping;
//! `POST /_aliases` adds and removes aliases, refuses Elasticsearch's way, and an alias stands
//! for its index in reads and writes.

use ccr_panel::es::Version;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::sim_migration::{call, config};

fn analysed_index() -> serde_json::Value {
    json!({
        "settings": {
            "number_of_shards": 2,
            "analysis": {"analyzer": {"folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}}
        },
        "mappings": {"properties": {"title": {"type": "text", "analyzer": "folded"}, "sku": {"type": "keyword"}}}
    })
}

#[tokio::test]
async fn an_index_keeps_its_mappings_and_analysis_settings() {
    let sim = start_sim_with(config("new", Version::new(7, 10, 2))).await;
    let (status, answer) = call(&sim, Method::PUT, "/products", Some(analysed_index())).await;
    assert_eq!(status, 200, "{answer}");

    let (status, answer) = call(&sim, Method::GET, "/products/_mapping", None).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"products": {"mappings": analysed_index()["mappings"]}}));

    let (_, answer) = call(&sim, Method::GET, "/products?flat_settings=true", None).await;
    let products = &answer["products"];
    assert_eq!(products["aliases"], json!({}));
    assert_eq!(products["mappings"], analysed_index()["mappings"]);
    assert_eq!(products["settings"]["index.analysis.analyzer.folded.filter"], json!(["lowercase", "asciifolding"]));
    assert_eq!(products["settings"]["index.analysis.analyzer.folded.tokenizer"], "standard");
    assert_eq!(products["settings"]["index.number_of_shards"], "2");
    let (_, nested) = call(&sim, Method::GET, "/products", None).await;
    assert_eq!(nested["products"]["settings"]["index"]["analysis"]["analyzer"]["folded"]["type"], "custom");

    // A document brings a field the mapping did not have: dynamic mapping adds it.
    call(&sim, Method::PUT, "/products/_doc/1", Some(json!({"title": "x", "price": 2.5}))).await;
    let (_, answer) = call(&sim, Method::GET, "/products/_mapping", None).await;
    assert_eq!(answer["products"]["mappings"]["properties"]["price"], json!({"type": "float"}));
    assert_eq!(answer["products"]["mappings"]["properties"]["title"]["analyzer"], "folded", "kept as declared");

    // Analysis settings are static: Elasticsearch's refusal on an open index.
    let change = json!({"index.analysis.analyzer.folded.tokenizer": "whitespace"});
    let (status, answer) = call(&sim, Method::PUT, "/products/_settings", Some(change)).await;
    assert_eq!(status, 400);
    assert!(answer["error"]["reason"].as_str().unwrap().starts_with("Can't update non dynamic settings"));
}

#[tokio::test]
async fn six_x_mappings_are_typed_and_private_settings_are_refused() {
    let sim = start_sim_with(config("old", Version::new(6, 8, 23))).await;
    let body = json!({"mappings": {"_doc": {"properties": {"sku": {"type": "keyword"}}}}});
    let (status, answer) = call(&sim, Method::PUT, "/legacy", Some(body.clone())).await;
    assert_eq!(status, 200, "{answer}");
    let (_, answer) = call(&sim, Method::GET, "/legacy/_mapping", None).await;
    assert_eq!(answer, json!({"legacy": {"mappings": body["mappings"]}}));

    let (status, answer) =
        call(&sim, Method::PUT, "/copy", Some(json!({"settings": {"index.creation_date": "1"}}))).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["type"], "validation_exception");
    assert_eq!(
        answer["error"]["reason"],
        "Validation Failed: 1: private index setting [index.creation_date] can not be set explicitly;"
    );
    let bad = json!({"mappings": {"_doc": {"properties": {"a": {"type": "strang"}}}}});
    let (status, answer) = call(&sim, Method::PUT, "/copy", Some(bad)).await;
    assert_eq!((status.as_u16(), answer["error"]["type"].clone()), (400, json!("mapper_parsing_exception")));
    assert_eq!(answer["error"]["caused_by"]["reason"], "No handler for type [strang] declared on field [a]");
}

#[tokio::test]
async fn aliases_are_added_refused_and_resolved_like_elasticsearch() {
    let sim = start_sim_with(config("new", Version::new(7, 10, 2))).await;
    for index in ["orders", "legacy"] {
        call(&sim, Method::PUT, &format!("/{index}"), None).await;
    }
    call(&sim, Method::PUT, "/orders/_doc/1", Some(json!({"n": 1}))).await;

    let add = json!({"actions": [{"add": {"index": "orders", "alias": "shop-orders"}}]});
    let (status, answer) = call(&sim, Method::POST, "/_aliases", Some(add)).await;
    assert_eq!((status.as_u16(), answer), (200, json!({"acknowledged": true})));
    let (_, answer) = call(&sim, Method::GET, "/_alias/shop-orders", None).await;
    assert_eq!(answer, json!({"orders": {"aliases": {"shop-orders": {}}}}));
    let (_, answer) = call(&sim, Method::GET, "/orders", None).await;
    assert_eq!(answer["orders"]["aliases"], json!({"shop-orders": {}}));

    // The alias stands for the index in reads and writes.
    let (_, answer) = call(&sim, Method::GET, "/shop-orders/_count", None).await;
    assert_eq!(answer["count"], 1);
    let (status, answer) = call(&sim, Method::PUT, "/shop-orders/_doc/2", Some(json!({"n": 2}))).await;
    assert_eq!((status.as_u16(), answer["_index"].clone()), (201, json!("orders")));

    // An alias named like an index, and a name Elasticsearch refuses: nothing is applied.
    let clash = json!({"actions": [{"add": {"index": "orders", "alias": "x-ok"}}, {"add": {"index": "orders", "alias": "legacy"}}]});
    let (status, answer) = call(&sim, Method::POST, "/_aliases", Some(clash)).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["type"], "invalid_alias_name_exception");
    assert_eq!(
        answer["error"]["reason"],
        "Invalid alias name [legacy]: an index or data stream exists with the same name as the alias"
    );
    let (status, _) = call(&sim, Method::GET, "/_alias/x-ok", None).await;
    assert_eq!(status, 404, "all or nothing");
    let upper = json!({"actions": [{"add": {"index": "orders", "alias": "Orders"}}]});
    let (_, answer) = call(&sim, Method::POST, "/_aliases", Some(upper)).await;
    assert_eq!(answer["error"]["reason"], "Invalid alias name [Orders]: must be lowercase");
    let missing = json!({"actions": [{"add": {"index": "nope", "alias": "a"}}]});
    let (status, answer) = call(&sim, Method::POST, "/_aliases", Some(missing)).await;
    assert_eq!((status.as_u16(), answer["error"]["type"].clone()), (404, json!("index_not_found_exception")));
    let (status, answer) = call(&sim, Method::GET, "/_alias/nope", None).await;
    assert_eq!((status.as_u16(), answer["error"].clone()), (404, json!("alias [nope] missing")));

    let remove = json!({"actions": [{"remove": {"index": "orders", "alias": "shop-orders"}}]});
    let (status, _) = call(&sim, Method::POST, "/_aliases", Some(remove)).await;
    assert_eq!(status, 200);
    let (_, answer) = call(&sim, Method::GET, "/orders/_alias", None).await;
    assert_eq!(answer, json!({"orders": {"aliases": {}}}));
}
