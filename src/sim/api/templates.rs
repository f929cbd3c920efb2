//! What followers rely on that lives outside the index: ILM policies (`_ilm/policy`, 6.6+) and
//! composable index templates (`_index_template`, 7.8+), stored as given. The doctor's D15
//! compares the leader's with the local cluster's.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::now_millis;
use super::Request;
use super::expressions::glob;

/// `GET _ilm/policy[/{policy}]`: every policy, or the named ones (comma-separated).
pub fn get_policies(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let mut out = Map::new();
    let wanted: Option<Vec<&str>> = request.param(0).map(|p| p.split(',').collect());
    for (name, stored) in &state.ilm_policies {
        if wanted.as_ref().is_none_or(|w| w.contains(&name.as_str())) {
            out.insert(name.clone(), stored.clone());
        }
    }
    if let Some(missing) = wanted.iter().flatten().find(|w| !state.ilm_policies.contains_key(**w)) {
        // `TransportGetLifecycleAction`: one unknown name fails the whole request.
        return Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("Lifecycle policy not found: [{missing}]"),
        ));
    }
    Ok(Reply::ok(Value::Object(out)))
}

/// `PUT _ilm/policy/{policy}` with `{"policy": {"phases": ...}}`.
pub fn put_policy(sim: &Sim, request: &Request) -> SimResult {
    let body = request.json_body()?;
    let Some(policy) = body.get("policy").filter(|p| p.is_object()) else {
        return Err(EsException::new(
            400,
            "x_content_parse_exception",
            "[1:2] [put_lifecycle_request] required field [policy] missing",
        ));
    };
    let name = request.param(0).unwrap_or_default().to_owned();
    let mut state = sim.state();
    let version = state.ilm_policies.get(&name).and_then(|p| p["version"].as_u64()).unwrap_or(0) + 1;
    let stored = json!({
        "version": version,
        "modified_date": super::cluster::iso_date(now_millis()),
        "policy": policy,
    });
    state.ilm_policies.insert(name, stored);
    Ok(Reply::acknowledged())
}

/// `GET _index_template[/{name}]`: `{"index_templates": [{"name", "index_template"}]}`; the
/// name may be a wildcard pattern.
pub fn get_templates(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let pattern = request.param(0);
    let found: Vec<Value> = state
        .index_templates
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| glob(p, name)))
        .map(|(name, template)| json!({"name": name, "index_template": template}))
        .collect();
    if let Some(pattern) = pattern.filter(|p| !p.contains('*') && found.is_empty()) {
        return Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("index template matching [{pattern}] not found"),
        ));
    }
    Ok(Reply::ok(json!({ "index_templates": found })))
}

/// `PUT|POST _index_template/{name}`: needs `index_patterns`.
pub fn put_template(sim: &Sim, request: &Request) -> SimResult {
    let body = request.json_body()?;
    if !body["index_patterns"].is_array() && !body["index_patterns"].is_string() {
        return Err(EsException::new(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: index patterns are missing;",
        ));
    }
    let name = request.param(0).unwrap_or_default().to_owned();
    sim.state().index_templates.insert(name, body);
    Ok(Reply::acknowledged())
}
