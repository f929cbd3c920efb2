//! Aliases: `POST /_aliases` (add and remove), `GET /_alias...`, and their resolution, so that
//! an alias can stand for its indices in reads (`_count`, `_search`, `_settings`) and for its
//! write index in writes, as in Elasticsearch. Wildcards in expressions match index names only.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::ClusterState;
use super::Request;
use super::expressions::expand_expression;
use super::indices::validate_index_name;
use crate::es::Version;

/// The indices `alias` points at, in name order (empty when it is no alias).
pub fn indices_of(state: &ClusterState, alias: &str) -> Vec<String> {
    state.indices.iter().filter(|(_, index)| index.aliases.contains_key(alias)).map(|(n, _)| n.clone()).collect()
}

/// The index a write to `name` goes to: itself, or the write index of the alias `name`.
pub fn write_target(state: &ClusterState, name: &str) -> SimResult<String> {
    if state.indices.contains_key(name) {
        return Ok(name.to_owned());
    }
    let pointed = indices_of(state, name);
    let write_index = pointed.iter().find(|i| state.indices[*i].aliases[name]["is_write_index"] == true);
    match (write_index, pointed.as_slice()) {
        (Some(index), _) => Ok(index.clone()),
        (None, [only]) if state.indices[only].aliases[name]["is_write_index"] != false => Ok(only.clone()),
        (None, []) => Ok(name.to_owned()),
        _ => Err(EsException::illegal_argument(format!(
            "no write index is defined for alias [{name}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index"
        ))),
    }
}

fn invalid_alias(name: &str, why: &str, version: Version) -> EsException {
    // The wording changed when data streams arrived (7.9).
    let reason = if version >= Version::new(7, 9, 0) {
        format!("Invalid alias name [{name}]: {why}")
    } else {
        format!("Invalid alias name [{name}], {why}")
    };
    EsException::new(400, "invalid_alias_name_exception", reason).with("index_uuid", "_na_").with("index", name)
}

/// One `add` or `remove` action, with its indices and aliases spelled out.
struct AliasAction {
    add: bool,
    indices: Vec<String>,
    aliases: Vec<String>,
    properties: Map<String, Value>,
}

fn names(action: &Map<String, Value>, one: &str, many: &str) -> Vec<String> {
    let mut out: Vec<String> = action.get(one).and_then(Value::as_str).map(str::to_owned).into_iter().collect();
    if let Some(list) = action.get(many).and_then(Value::as_array) {
        out.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    out
}

fn read_actions(body: &Value) -> SimResult<Vec<AliasAction>> {
    let Some(actions) = body.get("actions").and_then(Value::as_array) else {
        return Err(EsException::new(400, "action_request_validation_exception", "Validation Failed: 1: no action;"));
    };
    let mut out = Vec::new();
    for action in actions {
        let (kind, detail) = match action.as_object().and_then(|a| a.iter().next()) {
            Some((kind, detail)) if kind == "add" || kind == "remove" => (kind, detail),
            Some((kind, _)) => return Err(EsException::parse(format!("Unknown action [{kind}]"))),
            None => return Err(EsException::parse("Expected an action object")),
        };
        let detail = detail.as_object().cloned().unwrap_or_default();
        let indices = names(&detail, "index", "indices");
        let aliases = names(&detail, "alias", "aliases");
        let mut problems = Vec::new();
        if indices.is_empty() {
            problems.push("One of [index] or [indices] is required");
        }
        if aliases.is_empty() {
            problems.push("One of [alias] or [aliases] is required");
        }
        if !problems.is_empty() {
            let listed: Vec<String> = problems.iter().enumerate().map(|(i, p)| format!("{}: {p};", i + 1)).collect();
            return Err(EsException::new(
                400,
                "action_request_validation_exception",
                format!("Validation Failed: {}", listed.join("")),
            ));
        }
        let properties = detail.into_iter().filter(|(k, _)| k == "is_write_index" || k == "is_hidden").collect();
        out.push(AliasAction { add: kind == "add", indices, aliases, properties });
    }
    Ok(out)
}

/// `POST /_aliases`: every action is checked before any is applied (all or nothing).
pub fn update_aliases(sim: &Sim, request: &Request) -> SimResult {
    let body = request.json_body()?;
    let actions = read_actions(&body)?;
    let mut state = sim.state();
    let version = state.version();
    let mut planned = Vec::new();
    for action in &actions {
        let mut indices = Vec::new();
        for expression in &action.indices {
            indices.extend(expand_expression(&state, expression, true)?);
        }
        for alias in &action.aliases {
            if action.add {
                if let Err(e) = validate_index_name(alias, version) {
                    let why = e.reason.split_once("], ").map(|(_, why)| why.to_owned()).unwrap_or(e.reason);
                    return Err(invalid_alias(alias, &why, version));
                }
                if state.indices.contains_key(alias) {
                    let why = if version >= Version::new(7, 9, 0) {
                        "an index or data stream exists with the same name as the alias"
                    } else {
                        "an index exists with the same name as the alias"
                    };
                    return Err(invalid_alias(alias, why, version));
                }
            } else if !indices.iter().any(|i| state.indices[i].aliases.contains_key(alias)) {
                return Err(EsException::new(404, "aliases_not_found_exception", format!("aliases [{alias}] missing"))
                    .with("resource.type", "aliases")
                    .with("resource.id", alias.clone()));
            }
            for index in &indices {
                planned.push((action.add, index.clone(), alias.clone(), Value::Object(action.properties.clone())));
            }
        }
    }
    for (add, index, alias, properties) in planned {
        let index = state.index_mut(&index)?;
        if add {
            index.aliases.insert(alias, properties);
        } else {
            index.aliases.remove(&alias);
        }
    }
    state.metadata_version += 1;
    Ok(Reply::acknowledged())
}

/// `GET /_alias`, `GET /{index}/_alias`, `GET /{index}/_alias/{name}` (`by_name`: the path was
/// `GET /_alias/{name}`, whose only parameter is the alias).
pub fn get_alias(sim: &Sim, request: &Request, by_name: bool) -> SimResult {
    let state = sim.state();
    let (expression, wanted) = if by_name { (None, request.param(0)) } else { (request.param(0), request.param(1)) };
    let indices = match expression {
        Some(expression) => expand_expression(&state, expression, true)?,
        None => state.indices.keys().filter(|n| !n.starts_with('.')).cloned().collect(),
    };
    let patterns: Vec<&str> = wanted.map(|w| w.split(',').collect()).unwrap_or_default();
    let matches = |alias: &str| patterns.is_empty() || patterns.iter().any(|p| super::expressions::glob(p, alias));
    let mut out = Map::new();
    let mut found = std::collections::BTreeSet::new();
    for name in indices {
        let index = state.index(&name)?;
        let aliases: Map<String, Value> =
            index.aliases.iter().filter(|(a, _)| matches(a)).map(|(a, v)| (a.clone(), v.clone())).collect();
        found.extend(aliases.keys().cloned());
        if !aliases.is_empty() || patterns.is_empty() {
            out.insert(name, json!({"aliases": aliases}));
        }
    }
    let missing: Vec<&str> = patterns.iter().copied().filter(|p| !p.contains('*') && !found.contains(*p)).collect();
    if !missing.is_empty() {
        let mut body = out;
        let what = if missing.len() == 1 { "alias" } else { "aliases" };
        body.insert("error".into(), json!(format!("{what} [{}] missing", missing.join(","))));
        body.insert("status".into(), json!(404));
        return Ok(Reply::with_status(404, Value::Object(body)));
    }
    Ok(Reply::ok(Value::Object(out)))
}
