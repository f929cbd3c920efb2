//! Auto-follow patterns, stored with Elasticsearch's checks and every field they were created
//! with. Creating a pattern records the leader indices that already match, which it will
//! never follow; the coordinator ([`super::super::auto_follow`]) follows those created after.

use serde_json::{Value, json};

use super::super::Sim;
use super::super::auto_follow;
use super::super::remote::RemoteLink;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::AutoFollowPattern;
use super::Request;
use super::follow::{follow_parameters, require_license};

fn missing(name: &str) -> EsException {
    EsException::new(404, "resource_not_found_exception", format!("auto-follow pattern [{name}] is missing"))
}

fn render(name: &str, pattern: &AutoFollowPattern, with_active: bool) -> Value {
    let mut body = pattern.body.clone();
    if with_active {
        body["active"] = json!(pattern.active);
    }
    json!({"name": name, "pattern": body})
}

pub fn get_auto_follow(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    // The `active` flag exists from 7.5, with pausing.
    let with_active = state.version() >= crate::es::Version::new(7, 5, 0);
    let patterns: Vec<Value> = match request.param(0) {
        Some(name) => vec![render(name, state.auto_follow.get(name).ok_or_else(|| missing(name))?, with_active)],
        None => state.auto_follow.iter().map(|(name, p)| render(name, p, with_active)).collect(),
    };
    Ok(Reply::ok(json!({ "patterns": patterns })))
}

/// Index settings as Elasticsearch renders a `Settings` object: nested, every value a string.
fn nested_strings(settings: &Value) -> Value {
    let mut out = json!({});
    for (key, value) in super::super::settings::flatten(settings) {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let mut node = &mut out;
        let parts: Vec<&str> = key.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            if !node[*part].is_object() {
                node[*part] = json!({});
            }
            node = &mut node[*part];
        }
        node[parts[parts.len() - 1]] = json!(text);
    }
    out
}

pub async fn put_auto_follow(sim: &Sim, request: &Request) -> SimResult {
    require_license(sim)?;
    sim.state().require_remote_cluster_client()?;
    let name = request.param(0).unwrap_or_default().to_owned();
    let body = request.json_body()?;
    let remote = body.get("remote_cluster").and_then(Value::as_str).unwrap_or_default().to_owned();
    if remote.is_empty() {
        return Err(EsException::new(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: [remote_cluster] is missing;",
        ));
    }
    if body.get("leader_index_patterns").and_then(Value::as_array).is_none_or(Vec::is_empty) {
        return Err(EsException::new(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: [leader_index_patterns] is missing;",
        ));
    }
    let mut link = sim.state().remotes.get(&remote).map(RemoteLink::new).ok_or_else(|| {
        EsException::new(404, "no_such_remote_cluster_exception", format!("no such remote cluster: [{remote}]"))
    })?;
    let mut stored = json!({
        "remote_cluster": remote,
        "leader_index_patterns": body["leader_index_patterns"],
        "leader_index_exclusion_patterns": body.get("leader_index_exclusion_patterns").cloned().unwrap_or(json!([])),
    });
    if let Some(follow) = body.get("follow_index_pattern") {
        stored["follow_index_pattern"] = follow.clone();
    }
    if let Some(settings) = body.get("settings").filter(|s| s.as_object().is_some_and(|o| !o.is_empty())) {
        stored["settings"] = nested_strings(settings);
    }
    if let (Some(stored), Some(parameters)) = (stored.as_object_mut(), follow_parameters(&body).as_object()) {
        stored.extend(parameters.clone());
    }
    // The leader indices that match now are never followed by this pattern.
    let existing = auto_follow::remote_indices(&mut link)
        .await
        .map_err(|e| EsException::new(500, "connect_transport_exception", e["reason"].as_str().unwrap_or_default()))?;
    let mut state = sim.state();
    // Updating a pattern keeps what it has dealt with, plus what its new patterns match now.
    let mut followed = state.auto_follow.get(&name).map(|p| p.followed.clone()).unwrap_or_default();
    followed.extend(existing.indices.iter().filter(|i| auto_follow::matches(&stored, &i.name)).map(|i| i.uuid.clone()));
    let active = state.auto_follow.get(&name).is_none_or(|p| p.active);
    state.auto_follow.insert(name, AutoFollowPattern { active, body: stored, followed });
    Ok(Reply::acknowledged())
}

pub fn delete_auto_follow(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default();
    let mut state = sim.state();
    state.auto_follow.remove(name).ok_or_else(|| missing(name))?;
    Ok(Reply::acknowledged())
}

pub fn set_auto_follow_active(sim: &Sim, request: &Request, active: bool) -> SimResult {
    let name = request.param(0).unwrap_or_default();
    let mut state = sim.state();
    state.auto_follow.get_mut(name).ok_or_else(|| missing(name))?.active = active;
    Ok(Reply::acknowledged())
}
