//! Index expressions (`a,b*,_all`) as the index APIs and `_resolve/*` read them: wildcards,
//! concrete names, aliases, and which indices an expression reaches.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use super::super::reply::SimResult;
use super::super::state::{ClusterState, IndexState};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::{Index, es_uuid};

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
}
