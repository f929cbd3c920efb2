//! Index APIs: create, delete, open, close, settings, `_cat/indices`; index name rules.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::settings::flatten;
use super::super::state::{ClusterState, Index, IndexState, es_uuid, now_millis};
use super::Request;
use super::expressions::expand_expression;
use crate::es::Version;

/// Elasticsearch's index name rules, checked in its order.
pub fn validate_index_name(name: &str, version: Version) -> SimResult<()> {
    let invalid = |why: &str| Err(EsException::invalid_index_name(name, why));
    if name.chars().any(|c| matches!(c, ' ' | '"' | '*' | '\\' | '<' | '|' | ',' | '>' | '/' | '?')) {
        return invalid("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]");
    }
    if name.contains('#') {
        return invalid("must not contain '#'");
    }
    if name.contains(':') && version >= Version::new(7, 0, 0) {
        return invalid("must not contain ':'");
    }
    if name.starts_with(['_', '-', '+']) {
        return invalid("must not start with '_', '-', or '+'");
    }
    if name.len() > 255 {
        return invalid(&format!("index name is too long, ({} > 255)", name.len()));
    }
    if name == "." || name == ".." {
        return invalid("must not be '.' or '..'");
    }
    if name.to_lowercase() != name {
        return invalid("must be lowercase");
    }
    Ok(())
}

/// How Elasticsearch writes `index.version.created` for a version (`8.15.0` → `8150099`).
fn version_id(version: Version) -> String {
    format!("{}{:02}{:02}99", version.major, version.minor, version.patch)
}

/// Index settings Elasticsearch accepts here, and whether they can change on an open index.
const INDEX_SETTINGS: &[(&str, bool)] = &[
    ("index.number_of_shards", false),
    ("index.number_of_replicas", true),
    ("index.auto_expand_replicas", true),
    ("index.refresh_interval", true),
    ("index.soft_deletes.enabled", false),
    ("index.soft_deletes.retention_lease.period", true),
    ("index.blocks.write", true),
    ("index.blocks.read_only", true),
    ("index.blocks.read_only_allow_delete", true),
    ("index.codec", false),
    ("index.max_result_window", true),
    ("index.hidden", true),
    ("index.blocks.read", true),
    ("index.blocks.metadata", true),
    ("index.lifecycle.name", true),
    ("index.lifecycle.indexing_complete", true),
    // Only on clusters started with `physical_replication` (see [`PHYSICAL_REPLICATION`]).
    (PHYSICAL_REPLICATION, false),
];

/// The index setting of the vendor's managed 6.7 clusters that replicates segments
/// (`physical`) instead of documents; static, so changing it needs close, update, open.
pub const PHYSICAL_REPLICATION: &str = "index.replication.type";

/// Groups of settings accepted by prefix, and whether they can change on an open index:
/// analysis (analyzers, tokenizers, filters; static) and mapping limits (dynamic).
const INDEX_SETTING_PREFIXES: &[(&str, bool)] = &[("index.analysis.", false), ("index.mapping.", true)];

/// Settings Elasticsearch sets itself and refuses from a request (`PrivateIndex`).
const PRIVATE_INDEX_SETTINGS: &[&str] =
    &["index.uuid", "index.creation_date", "index.version.created", "index.version.upgraded"];

/// Whether `key` can change on an open index (`None`: not a setting the simulator knows).
fn is_dynamic(key: &str) -> Option<bool> {
    INDEX_SETTINGS
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| INDEX_SETTING_PREFIXES.iter().find(|(prefix, _)| key.starts_with(prefix)))
        .map(|(_, dynamic)| *dynamic)
}

fn normalise_index_settings(body: &Value, physical: bool) -> SimResult<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for (key, value) in flatten(body) {
        let key = if key.starts_with("index.") { key } else { format!("index.{key}") };
        if PRIVATE_INDEX_SETTINGS.contains(&key.as_str()) {
            return Err(EsException::new(
                400,
                "validation_exception",
                format!("Validation Failed: 1: private index setting [{key}] can not be set explicitly;"),
            ));
        }
        let known = is_dynamic(&key).is_some() && (physical || key != PHYSICAL_REPLICATION);
        if !known {
            return Err(EsException::illegal_argument(format!(
                "unknown setting [{key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"
            )));
        }
        out.insert(key, value);
    }
    Ok(out)
}

/// How a setting value is stored: text as it is, numbers and booleans as their text, and a
/// list (analysis `filter: [...]`) as its JSON, read back as a list by [`rendered_settings`].
fn setting_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An index's settings as `GET _settings` and `GET /{index}` print them.
pub fn rendered_settings(index: &Index, flat: bool) -> Value {
    use super::super::state::SettingValue;
    let settings: super::super::state::Settings = index
        .settings
        .iter()
        .map(|(k, v)| {
            let list = v.starts_with('[').then(|| serde_json::from_str::<Vec<String>>(v).ok()).flatten();
            (k.clone(), list.map(SettingValue::List).unwrap_or_else(|| SettingValue::Text(v.clone())))
        })
        .collect();
    super::super::settings::render(&settings, flat)
}

/// Creates an index in `state` (also used when a write auto-creates one).
pub fn create_index(state: &mut ClusterState, name: &str, settings: &BTreeMap<String, Value>) -> SimResult<String> {
    let version = state.version();
    validate_index_name(name, version)?;
    if let Some(existing) = state.indices.get(name) {
        return Err(EsException::already_exists(name, &existing.uuid));
    }
    if version >= Version::new(8, 0, 0)
        && settings.get("index.soft_deletes.enabled").map(setting_text).as_deref() == Some("false")
    {
        return Err(EsException::illegal_argument(
            "Creating indices with soft-deletes disabled is no longer supported. Please do not specify a value for setting [index.soft_deletes.enabled].",
        ));
    }
    let uuid = es_uuid();
    let mut stored: BTreeMap<String, String> = BTreeMap::from([
        ("index.creation_date".to_owned(), now_millis().to_string()),
        ("index.number_of_shards".to_owned(), if version.major < 7 { "5" } else { "1" }.to_owned()),
        ("index.number_of_replicas".to_owned(), "1".to_owned()),
        ("index.provided_name".to_owned(), name.to_owned()),
        ("index.uuid".to_owned(), uuid.clone()),
        ("index.version.created".to_owned(), version_id(version)),
    ]);
    if state.config.physical_replication && !settings.contains_key(PHYSICAL_REPLICATION) {
        // Those clusters give every new index segment replication unless told otherwise;
        // an explicit `null` at creation leaves it out.
        stored.insert(PHYSICAL_REPLICATION.to_owned(), "physical".to_owned());
    }
    for (key, value) in settings {
        if !value.is_null() {
            stored.insert(key.clone(), setting_text(value));
        }
    }
    state.indices.insert(name.to_owned(), Index::new(uuid.clone(), stored));
    Ok(uuid)
}

pub fn exists(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let found = request
        .param(0)
        .is_some_and(|expression| expand_expression(&state, expression, true).is_ok_and(|names| !names.is_empty()));
    Ok(Reply::empty(if found { 200 } else { 404 }))
}

pub fn create(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default().to_owned();
    let body = request.optional_body()?.unwrap_or_else(|| json!({}));
    let physical = sim.state().config.physical_replication;
    let settings = match body.get("settings") {
        Some(s) => normalise_index_settings(s, physical)?,
        None => BTreeMap::new(),
    };
    let mut state = sim.state();
    let mappings = match body.get("mappings") {
        Some(m) => Some(super::mappings::parse(m, state.version())?),
        None => None,
    };
    create_index(&mut state, &name, &settings)?;
    if let Some((root, type_name)) = mappings {
        let index = state.index_mut(&name)?;
        index.mappings = root;
        index.mapping_type = type_name;
    }
    Ok(Reply::ok(json!({"acknowledged": true, "shards_acknowledged": true, "index": name})))
}

pub fn delete(sim: &Sim, request: &Request) -> SimResult {
    let mut state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    for name in names {
        state.indices.remove(&name);
        state.metadata_version += 1;
    }
    Ok(Reply::acknowledged())
}

pub fn open(sim: &Sim, request: &Request) -> SimResult {
    let mut state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    for name in names {
        state.index_mut(&name)?.state = IndexState::Open;
    }
    Ok(Reply::ok(json!({"acknowledged": true, "shards_acknowledged": true})))
}

pub fn close(sim: &Sim, request: &Request) -> SimResult {
    let mut state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), false)?;
    let mut closed = Map::new();
    for name in names {
        state.index_mut(&name)?.state = IndexState::Closed;
        closed.insert(name, json!({"closed": true}));
    }
    if state.version() < Version::new(7, 2, 0) {
        return Ok(Reply::acknowledged());
    }
    Ok(Reply::ok(json!({"acknowledged": true, "shards_acknowledged": true, "indices": closed})))
}

pub fn get_settings(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    let flat = request.flag("flat_settings");
    let mut out = Map::new();
    for name in names {
        let index = state.index(&name)?;
        out.insert(name, json!({"settings": rendered_settings(index, flat)}));
    }
    Ok(Reply::ok(Value::Object(out)))
}

pub fn put_settings(sim: &Sim, request: &Request) -> SimResult {
    let body = request.json_body()?;
    let body = body.get("settings").cloned().unwrap_or(body);
    let mut state = sim.state();
    let changes = normalise_index_settings(&body, state.config.physical_replication)?;
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    for name in &names {
        let index = state.index(name)?;
        let static_keys: Vec<&str> =
            changes.keys().filter(|k| is_dynamic(k) == Some(false)).map(String::as_str).collect();
        if !static_keys.is_empty() && index.state == IndexState::Open {
            return Err(EsException::illegal_argument(format!(
                "Can't update non dynamic settings [[{}]] for open indices [[{name}/{}]]",
                static_keys.join(", "),
                index.uuid
            )));
        }
        if let Some(key) =
            static_keys.iter().find(|k| matches!(**k, "index.number_of_shards" | "index.soft_deletes.enabled"))
        {
            return Err(EsException::illegal_argument(format!("final {name} setting [{key}], not updateable")));
        }
    }
    for name in names {
        let index = state.index_mut(&name)?;
        for (key, value) in &changes {
            if value.is_null() {
                index.settings.remove(key);
            } else {
                index.settings.insert(key.clone(), setting_text(value));
            }
        }
    }
    Ok(Reply::acknowledged())
}

pub fn cat_indices(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = match request.param(0) {
        Some(expression) => expand_expression(&state, expression, true)?,
        None => state.indices.keys().filter(|n| !n.starts_with('.')).cloned().collect(),
    };
    let rows: Vec<Value> = names
        .iter()
        .filter_map(|name| state.indices.get(name).map(|index| (name, index)))
        .map(|(name, index)| {
            let health = if index.replicas() > 0 { "yellow" } else { "green" };
            let open = index.state == IndexState::Open;
            let size = index.docs.values().map(|d| d.source.to_string().len() + 150).sum::<usize>() + 225;
            let size = if open { Value::from(format!("{size}b")) } else { Value::Null };
            json!({
                "health": health,
                "status": if open { "open" } else { "close" },
                "index": name,
                "uuid": index.uuid,
                "pri": index.shards().to_string(),
                "rep": index.replicas().to_string(),
                "docs.count": if open { Value::from(index.docs.len().to_string()) } else { Value::Null },
                "docs.deleted": if open { Value::from("0") } else { Value::Null },
                "store.size": size,
                "pri.store.size": size,
            })
        })
        .collect();
    Ok(Reply::ok(Value::Array(rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_follow_elasticsearch_rules() {
        let v = Version::new(8, 15, 0);
        assert!(validate_index_name("my-index_1.x", v).is_ok());
        let reason = |n: &str| validate_index_name(n, v).unwrap_err().reason;
        assert_eq!(reason("Foo"), "Invalid index name [Foo], must be lowercase");
        assert_eq!(reason("_x"), "Invalid index name [_x], must not start with '_', '-', or '+'");
        assert_eq!(reason("a:b"), "Invalid index name [a:b], must not contain ':'");
        assert!(reason("a b").contains("must not contain the following characters"));
    }
}
