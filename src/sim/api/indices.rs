//! Index APIs: create, delete, open, close, settings, `_cat/indices`, and index expressions.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::settings::flatten;
use super::super::state::{ClusterState, Index, IndexState, es_uuid, now_millis};
use super::Request;
use crate::es::Version;

/// `*` wildcards only, as index expressions use them.
pub fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else { return false };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

/// Expands `a,b*,_all` into concrete index names. A missing concrete name is an error; a
/// wildcard that matches nothing is not. Closed indices match only when `closed` is true.
pub fn expand_expression(state: &ClusterState, expression: &str, closed: bool) -> SimResult<Vec<String>> {
    // Each index once, in the order first matched; the ones seen are looked up in a set (a
    // wildcard over 10,000 indices compared each with all those before it, a quarter of a
    // second of CPU with the state held, while Elasticsearch resolves an expression in linear time).
    let (mut names, mut seen) = (Vec::new(), HashSet::new());
    let mut add = |name: &str| {
        if seen.insert(name.to_owned()) {
            names.push(name.to_owned());
        }
    };
    for part in expression.split(',').filter(|p| !p.is_empty()) {
        if part == "_all" || part.contains('*') {
            let pattern = if part == "_all" { "*" } else { part };
            for (name, index) in &state.indices {
                let visible = !name.starts_with('.') || pattern.starts_with('.');
                if visible && glob(pattern, name) && (closed || index.state == IndexState::Open) {
                    add(name);
                }
            }
        } else if !state.indices.contains_key(part) && !super::aliases::indices_of(state, part).is_empty() {
            super::aliases::indices_of(state, part).iter().for_each(|name| add(name));
        } else {
            state.index(part)?;
            add(part);
        }
    }
    Ok(names)
}

/// `_resolve/index` for this cluster's own indices.
pub fn resolve_local<'a>(state: &'a ClusterState, expression: &str) -> SimResult<Value> {
    // By name: an index matched by several parts is listed once, in name order, without
    // comparing every entry with every other (a remote probe matches all of a leader's indices).
    let mut matched: BTreeMap<&str, &'static str> = BTreeMap::new();
    for part in expression.split(',') {
        let mut take = |name: &'a String| {
            let attribute = if state.indices[name].state == IndexState::Open { "open" } else { "closed" };
            matched.insert(name, attribute);
        };
        if part.contains('*') || part == "_all" {
            let pattern = if part == "_all" { "*" } else { part };
            state.indices.keys().filter(|n| glob(pattern, n) && !n.starts_with('.')).for_each(&mut take);
        } else if let Some((name, _)) = state.indices.get_key_value(part) {
            take(name);
        }
    }
    let indices: Vec<Value> =
        matched.into_iter().map(|(name, attribute)| json!({"name": name, "attributes": [attribute]})).collect();
    Ok(json!({"indices": indices, "aliases": [], "data_streams": []}))
}

/// The first name in `expression` without a wildcard that is neither an index nor an alias of
/// this cluster (what `_resolve/cluster` reports as "no such index").
pub fn missing_index<'e>(state: &ClusterState, expression: &'e str) -> Option<&'e str> {
    let named = |p: &str| state.indices.contains_key(p) || state.indices.values().any(|i| i.aliases.contains_key(p));
    expression.split(',').find(|p| !p.is_empty() && !p.contains('*') && *p != "_all" && !named(p))
}

/// `_resolve/cluster`'s `matching_indices` for `expression` on this cluster: an open index
/// matches, a closed one does not, an alias does whatever it points at (Elasticsearch's
/// `hasMatchingIndices`). A wildcard reaches names starting with a dot only when it starts with
/// one itself.
pub fn any_open_index(state: &ClusterState, expression: &str) -> bool {
    expression.split(',').any(|part| {
        let pattern = if part == "_all" { "*" } else { part };
        let hits = |name: &str| {
            if pattern.contains('*') {
                (!name.starts_with('.') || pattern.starts_with('.')) && glob(pattern, name)
            } else {
                name == pattern
            }
        };
        state.indices.iter().any(|(name, index)| {
            (index.state == IndexState::Open && hits(name)) || index.aliases.keys().any(|a| hits(a))
        })
    })
}

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

    #[tokio::test]
    async fn an_expression_names_each_index_once_in_the_order_first_matched() {
        use crate::sim::{SimConfig, SimServer};
        let any = "127.0.0.1:0".parse().unwrap();
        let server = SimServer::start(SimConfig::new("sim"), any, any).await.unwrap();
        let mut state = server.sim.state();
        for name in ["a", "b", "c", ".hidden"]
            .into_iter()
            .chain((0..10_000).map(|i| format!("x{i:05}")).collect::<Vec<_>>().iter().map(String::as_str))
        {
            state.indices.insert(name.to_owned(), Index::new(es_uuid(), BTreeMap::new()));
        }
        let expanded = |expression: &str| expand_expression(&state, expression, true).unwrap();
        assert_eq!(expanded("b,a*,c,b*,a"), ["b", "a", "c"]);
        let all = expanded("_all,x00001,*");
        assert_eq!(
            (all.len(), &all[..3], all.last().unwrap().as_str()),
            (10_003, &["a", "b", "c"].map(String::from)[..], "x09999")
        );
        assert_eq!(expanded(".h*"), [".hidden"]);
        assert!(expand_expression(&state, "a,missing", true).is_err());
    }

    #[test]
    fn globs_match_like_index_patterns() {
        assert!(glob("my*", "myindex"));
        assert!(glob("*index", "myindex"));
        assert!(glob("m*i*x", "myindex"));
        assert!(!glob("my*z", "myindex"));
        assert!(glob("*", "x"));
        assert!(!glob("abc", "abcd"));
    }

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
