//! The contract test: every request the client can send and every route the simulator serves
//! is an API of the official Elasticsearch REST spec (`tests/fixtures/es-rest-api-spec/`).

use std::collections::BTreeSet;

use ccr_panel::es::routes;
use ccr_panel::sim::router::ROUTES;
use serde_json::Value;

use crate::helpers::fixture_file;

/// One (api, method, path template) of the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecEndpoint {
    pub api: String,
    pub method: String,
    pub path: String,
}

/// Reads every spec file, in both layouts: the current one (`url.paths` is a list of objects
/// with their own `methods`) and the legacy one (top-level `methods`, paths as strings).
pub fn spec_endpoints() -> Vec<SpecEndpoint> {
    let dir = format!("{}/tests/fixtures/es-rest-api-spec", env!("CARGO_MANIFEST_DIR"));
    let mut endpoints = Vec::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.starts_with('_') {
            continue;
        }
        let spec: Value = serde_json::from_str(&fixture_file(&format!("es-rest-api-spec/{name}"))).unwrap();
        for (api, body) in spec.as_object().unwrap() {
            let legacy_methods: Vec<String> = body["methods"]
                .as_array()
                .map(|m| m.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            for path in body["url"]["paths"].as_array().unwrap_or_else(|| panic!("{name}: no url.paths")) {
                match path {
                    Value::String(p) => {
                        for method in &legacy_methods {
                            endpoints.push(SpecEndpoint { api: api.clone(), method: method.clone(), path: p.clone() });
                        }
                    }
                    Value::Object(p) => {
                        for method in p["methods"].as_array().unwrap() {
                            endpoints.push(SpecEndpoint {
                                api: api.clone(),
                                method: method.as_str().unwrap().to_owned(),
                                path: p["path"].as_str().unwrap().to_owned(),
                            });
                        }
                    }
                    other => panic!("{name}: unexpected path entry {other}"),
                }
            }
        }
    }
    assert!(endpoints.len() > 40, "the spec directory looks incomplete: {} endpoints", endpoints.len());
    endpoints
}

/// Whether a concrete request (`GET /myindex/_ccr/info`) matches a spec path template.
pub fn request_matches_spec(spec: &[SpecEndpoint], method: &str, path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    spec.iter().any(|endpoint| {
        let parts: Vec<&str> = endpoint.path.split('/').filter(|s| !s.is_empty()).collect();
        endpoint.method == method
            && parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(part, segment)| part.starts_with('{') || part == segment)
    })
}

fn find<'a>(spec: &'a [SpecEndpoint], api: &str, method: &str, path: &str) -> Option<&'a SpecEndpoint> {
    spec.iter().find(|e| e.api == api && e.method == method && e.path == path)
}

#[test]
fn every_client_route_is_in_the_spec() {
    let spec = spec_endpoints();
    let missing: Vec<String> = routes::ALL
        .iter()
        .filter(|r| find(&spec, r.api, r.method.as_str(), r.path).is_none())
        .map(|r| format!("{} {} {}", r.api, r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "client routes not in the REST spec: {missing:#?}");
}

#[test]
fn every_simulator_route_is_in_the_spec() {
    let spec = spec_endpoints();
    let missing: Vec<String> = ROUTES
        .iter()
        .filter(|r| find(&spec, r.api, r.method.as_str(), r.path).is_none())
        .map(|r| format!("{} {} {}", r.api, r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "simulator routes not in the REST spec: {missing:#?}");
}

#[test]
fn the_simulator_serves_every_api_the_panel_calls() {
    // Whatever the panel can send, the demo and the tests must be able to answer.
    let served: BTreeSet<(&str, &str)> = ROUTES.iter().map(|r| (r.method.as_str(), r.path)).collect();
    let missing: Vec<String> = routes::ALL
        .iter()
        .filter(|r| !served.contains(&(r.method.as_str(), r.path)))
        .map(|r| format!("{} {} {}", r.api, r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "client routes the simulator does not serve: {missing:#?}");
}

#[test]
fn the_simulator_serves_the_write_and_leader_apis() {
    let served: BTreeSet<(&str, &str, &str)> = ROUTES.iter().map(|r| (r.api, r.method.as_str(), r.path)).collect();
    for wanted in [
        ("bulk", "POST", "/_bulk"),
        ("bulk", "POST", "/{index}/_bulk"),
        ("delete", "DELETE", "/{index}/_doc/{id}"),
        ("indices.stats", "GET", "/{index}/_stats"),
        ("ccr.forget_follower", "POST", "/{index}/_ccr/forget_follower"),
    ] {
        assert!(served.contains(&wanted), "simulator does not serve {wanted:?}");
    }
}

#[test]
fn the_spec_reader_understands_both_layouts() {
    let spec = spec_endpoints();
    // cat.indices is in the legacy layout, cluster.remote_info in the current one.
    assert!(find(&spec, "cat.indices", "GET", "/_cat/indices/{index}").is_some());
    assert!(find(&spec, "cluster.remote_info", "GET", "/_remote/info").is_some());
    assert!(request_matches_spec(&spec, "GET", "/myindex/_ccr/info"));
    assert!(!request_matches_spec(&spec, "DELETE", "/_remote/info"));
}
