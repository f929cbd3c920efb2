//! Remote cluster APIs: `_remote/info`, and the resolve APIs that reach through remotes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::remote::{self, RemoteConfig, RemoteIdentity, RemoteLink, RemoteMode};
use super::super::reply::{EsException, Reply, SimResult};
use super::super::settings::parse_time;

use super::Request;
use super::expressions::{any_open_index, glob, missing_index, resolve_local};
use crate::es::Version;

pub fn remote_info(sim: &Sim) -> SimResult {
    let state = sim.state();
    state.require_remote_cluster_client()?;
    let version = state.version();
    let mut out = Map::new();
    for (alias, conn) in &state.remotes {
        let config = &conn.config;
        let mut info = Map::new();
        info.insert("connected".into(), json!(conn.connected));
        if version >= Version::new(7, 6, 0) {
            let mode = if matches!(config.mode, RemoteMode::Proxy { .. }) { "proxy" } else { "sniff" };
            info.insert("mode".into(), json!(mode));
        }
        match &config.mode {
            RemoteMode::Sniff { seeds, node_connections } => {
                info.insert("seeds".into(), json!(seeds));
                if version < Version::new(7, 0, 0) {
                    info.insert("http_addresses".into(), json!([]));
                }
                info.insert("num_nodes_connected".into(), json!(conn.nodes_connected()));
                info.insert("max_connections_per_cluster".into(), json!(node_connections));
            }
            RemoteMode::Proxy { address, socket_connections, server_name } => {
                info.insert("proxy_address".into(), json!(address));
                if version >= Version::new(7, 7, 0) {
                    info.insert("server_name".into(), json!(server_name));
                }
                info.insert("num_proxy_sockets_connected".into(), json!(conn.nodes_connected()));
                info.insert("max_proxy_socket_connections".into(), json!(socket_connections));
            }
        }
        info.insert("initial_connect_timeout".into(), json!(config.initial_connect_timeout));
        info.insert("skip_unavailable".into(), json!(config.skip_unavailable));
        // The API-key security model keeps credentials in the keystore, which the simulator
        // takes as a node setting; Elasticsearch only ever shows that they exist.
        if state.config.node_settings.contains_key(&format!("cluster.remote.{alias}.credentials")) {
            info.insert("cluster_credentials".into(), json!("::es_redacted::"));
        }
        out.insert(alias.clone(), Value::Object(info));
    }
    Ok(Reply::ok(Value::Object(out)))
}

/// An index expression split by cluster: the local parts and, per remote alias, its parts.
struct SplitExpression {
    local: Vec<String>,
    remote: Vec<(String, RemoteConfig, Vec<String>)>,
}

fn split_expression(sim: &Sim, expression: &str) -> SimResult<SplitExpression> {
    let state = sim.state();
    let mut split = SplitExpression { local: Vec::new(), remote: Vec::new() };
    for part in expression.split(',').filter(|p| !p.is_empty()) {
        let Some((alias_pattern, index)) = part.split_once(':') else {
            split.local.push(part.to_owned());
            continue;
        };
        if index.is_empty() {
            return Err(EsException::illegal_argument(format!(
                "index name [{part}] is invalid because the remote part is empty"
            )));
        }
        let aliases: Vec<&String> = state.remotes.keys().filter(|a| glob(alias_pattern, a)).collect();
        if aliases.is_empty() && !alias_pattern.contains('*') {
            return Err(EsException::new(
                404,
                "no_such_remote_cluster_exception",
                format!("no such remote cluster: [{alias_pattern}]"),
            ));
        }
        for alias in aliases {
            let config = state.remotes[alias].config.clone();
            match split.remote.iter_mut().find(|(a, _, _)| a == alias) {
                Some((_, _, parts)) => parts.push(index.to_owned()),
                None => split.remote.push((alias.clone(), config, vec![index.to_owned()])),
            }
        }
    }
    Ok(split)
}

/// A link to each remote of `split`, under its current settings (see [`RemoteLink`]).
fn links(sim: &Sim, split: &SplitExpression) -> Vec<RemoteLink> {
    let state = sim.state();
    split.remote.iter().map(|(alias, config, _)| RemoteLink::under(state.remotes.get(alias), config)).collect()
}

/// Asks a remote the request `ask` makes for it (see [`RemoteLink`]), within `limit`.
async fn ask_remote(
    mut link: RemoteLink,
    ask: impl Fn(&RemoteIdentity) -> Value,
    limit: Duration,
) -> Result<(RemoteIdentity, Value), String> {
    let attempt = async {
        let identity = link.identity().await.map_err(|e| e.to_string())?;
        let reply = link.request(&ask(&identity)).await.map_err(|e| e.to_string())?;
        Ok((identity, reply))
    };
    tokio::time::timeout(limit, attempt).await.unwrap_or_else(|_| Err(TIMED_OUT.into()))
}

const TIMED_OUT: &str = "timed out";

/// Whether a remote of this version has the resolve-cluster action (8.13): without it,
/// Elasticsearch asks `_resolve/index` instead, where a closed index matches too, and learns
/// no version.
fn has_resolve_cluster(identity: &RemoteIdentity) -> bool {
    identity.version.parse::<Version>().is_ok_and(|v| v >= Version::new(8, 13, 0))
}

pub async fn resolve_index(sim: &Arc<Sim>, request: &Request) -> SimResult {
    if request.param(0).is_some_and(|e| e.contains(':')) {
        sim.state().require_remote_cluster_client()?;
    }
    let split = split_expression(sim, request.param(0).unwrap_or("*"))?;
    let mut result = if split.local.is_empty() {
        json!({"indices": [], "aliases": [], "data_streams": []})
    } else {
        resolve_local(&sim.state(), &split.local.join(","))?
    };
    // Every remote is asked at once, as Elasticsearch does (TransportResolveIndexAction sends
    // one request per remote and answers when the last has).
    let links = links(sim, &split);
    let answers = futures_util::future::join_all(split.remote.iter().zip(links).map(|((_, _, parts), link)| {
        let ask = |_: &RemoteIdentity| json!({"action": "resolve_index", "expression": parts.join(",")});
        ask_remote(link, ask, remote::CONNECT_TIMEOUT)
    }))
    .await;
    for ((alias, _, _), answer) in split.remote.iter().zip(answers) {
        // A remote that cannot be reached or refuses is left out, as Elasticsearch does.
        let Some(remote) = answer.ok().and_then(|(_, reply)| reply.get("ok").cloned()) else { continue };
        for key in ["indices", "aliases", "data_streams"] {
            let Some(items) = remote.get(key).and_then(Value::as_array) else { continue };
            let target = result[key].as_array_mut().expect("resolve results are arrays");
            for item in items {
                let mut item = item.clone();
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    item["name"] = json!(format!("{alias}:{name}"));
                }
                target.push(item);
            }
        }
    }
    Ok(Reply::ok(result))
}

pub async fn resolve_cluster(sim: &Arc<Sim>, request: &Request) -> SimResult {
    let timeout = match request.query("timeout") {
        Some(t) => Some(parse_time(t).ok_or_else(|| {
            EsException::new(400, "parse_exception", format!("failed to parse setting [timeout] with value [{t}] as a time value: unit is missing or unrecognized"))
        })?),
        None => None,
    };
    let index_less = request.param(0).is_none();
    let expression = request.param(0).unwrap_or("*:*");
    let split = split_expression(sim, expression)?;
    let mut out = Map::new();
    if !split.local.is_empty() {
        let state = sim.state();
        let local = split.local.join(",");
        let mut entry = json!({"connected": true, "skip_unavailable": false});
        match missing_index(&state, &local) {
            Some(name) => entry["error"] = json!(format!("no such index [{name}]")),
            None => {
                entry["matching_indices"] = json!(any_open_index(&state, &local));
                entry["version"] = version_json(&state.version().to_string());
            }
        }
        out.insert("(local)".into(), entry);
    }
    // Every remote is probed at once, as Elasticsearch does (TransportResolveClusterAction sends
    // one request per remote and answers when the last has answered or failed): the answer
    // takes as long as the slowest remote, not the sum of them all.
    let limit = timeout.unwrap_or(remote::CONNECT_TIMEOUT * 2);
    let links = links(sim, &split);
    let answers = futures_util::future::join_all(split.remote.iter().zip(links).map(|((_, _, parts), link)| {
        let ask = |identity: &RemoteIdentity| {
            let action = if has_resolve_cluster(identity) { "resolve_cluster" } else { "resolve_index" };
            json!({"action": action, "expression": parts.join(",")})
        };
        ask_remote(link, ask, limit)
    }))
    .await;
    for ((alias, config, _), answer) in split.remote.iter().zip(answers) {
        let entry = remote_entry(config, answer, index_less, timeout.is_some());
        out.insert(alias.clone(), entry);
    }
    Ok(Reply::ok(Value::Object(out)))
}

/// A remote's entry in `_resolve/cluster` from its answer (`ResolveClusterInfo`): not
/// connected when it could not be reached or refused; a named index it lacks as an error on a
/// connected entry; otherwise whether an index matches, and its version from 8.13.
fn remote_entry(
    config: &RemoteConfig,
    answer: Result<(RemoteIdentity, Value), String>,
    index_less: bool,
    timeout_asked: bool,
) -> Value {
    let mut entry = json!({"connected": false, "skip_unavailable": config.skip_unavailable});
    let (identity, reply) = match answer {
        Ok(answered) => answered,
        Err(e) if e == TIMED_OUT && timeout_asked => {
            entry["error"] = json!("Request timed out before receiving a response from the remote cluster");
            return entry;
        }
        Err(_) => return entry,
    };
    let Some(ok) = reply.get("ok") else {
        entry["error"] = reply.get("error").cloned().unwrap_or_else(|| json!("unexpected reply"));
        return entry;
    };
    entry["connected"] = json!(true);
    if index_less {
        if has_resolve_cluster(&identity) {
            entry["version"] = version_json(&identity.version);
        }
        return entry;
    }
    if let Some(error) = ok.get("error") {
        entry["error"] = error.clone();
    } else if has_resolve_cluster(&identity) {
        entry["matching_indices"] = json!(ok["matching_indices"].as_bool() == Some(true));
        entry["version"] = version_json(&identity.version);
    } else {
        entry["matching_indices"] = json!(ok["indices"].as_array().is_some_and(|i| !i.is_empty()));
    }
    entry
}

fn version_json(number: &str) -> Value {
    json!({
        "number": number,
        "build_flavor": "default",
        "minimum_wire_compatibility_version": "7.17.0",
        "minimum_index_compatibility_version": "7.0.0",
    })
}
