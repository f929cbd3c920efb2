//! Remote cluster APIs: `_remote/info`, and the resolve APIs that reach through remotes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::remote::{self, RemoteConfig, RemoteIdentity, RemoteMode, SharedChannel};
use super::super::reply::{EsException, Reply, SimResult};
use super::super::settings::parse_time;

use super::Request;
use super::indices::{any_open_index, glob, missing_index, resolve_local};
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

/// Asks a remote cluster to resolve `expression` over the transport.
async fn resolve_on_remote(config: &RemoteConfig, expression: String, timeout: Duration) -> Result<Value, String> {
    let attempt = async {
        let (mut channel, _, _) = remote::connect(config).await.map_err(|e| e.to_string())?;
        let reply = channel
            .request(&json!({"action": "resolve_index", "expression": expression}))
            .await
            .map_err(|e| e.to_string())?;
        reply.get("ok").cloned().ok_or_else(|| reply.get("error").map(Value::to_string).unwrap_or_default())
    };
    tokio::time::timeout(timeout, attempt).await.unwrap_or_else(|_| Err("timed out".into()))
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
    let answers = futures_util::future::join_all(
        split
            .remote
            .iter()
            .map(|(_, config, parts)| resolve_on_remote(config, parts.join(","), remote::CONNECT_TIMEOUT)),
    )
    .await;
    for ((alias, _, _), answer) in split.remote.iter().zip(answers) {
        // A remote that cannot be reached is left out, as Elasticsearch does.
        let Ok(remote) = answer else { continue };
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
    // Each remote is asked on the connection the cluster holds to it, as Elasticsearch does; a
    // remote not connected right now is tried on a connection of its own.
    let held: Vec<Option<(SharedChannel, RemoteIdentity)>> = {
        let state = sim.state();
        let held = |alias: &String, config: &RemoteConfig| {
            let conn = state.remotes.get(alias).filter(|c| c.connected && c.config == *config)?;
            Some((conn.channel.clone()?, conn.identity.clone()?))
        };
        split.remote.iter().map(|(alias, config, _)| held(alias, config)).collect()
    };
    let attempts = split.remote.iter().zip(held).map(|((_, config, parts), held)| {
        let attempt = async move {
            // A remote before 8.13 has no resolve-cluster action: Elasticsearch asks it
            // `_resolve/index` instead, where a closed index matches too, and knows no version.
            let ask = |identity: &RemoteIdentity| {
                let before_8_13 = identity.version.parse::<Version>().is_ok_and(|v| v < Version::new(8, 13, 0));
                let action = if before_8_13 { "resolve_index" } else { "resolve_cluster" };
                (before_8_13, json!({"action": action, "expression": parts.join(",")}))
            };
            let on_held = match held {
                Some((shared, identity)) => {
                    let (before_8_13, request) = ask(&identity);
                    remote::exchange(&shared, request).await.map(|reply| (identity, before_8_13, reply))
                }
                None => None,
            };
            // Not connected, or the held connection has just closed: a connection of its own.
            let (identity, before_8_13, reply) = match on_held {
                Some(answer) => answer,
                None => {
                    let (mut channel, identity, _) = remote::connect(config).await.map_err(|e| e.to_string())?;
                    let (before_8_13, request) = ask(&identity);
                    let reply = channel.request(&request).await;
                    (identity, before_8_13, reply)
                }
            };
            Ok::<_, String>((identity, before_8_13, reply.map_err(|e| e.to_string())?))
        };
        tokio::time::timeout(limit, attempt)
    });
    let answers = futures_util::future::join_all(attempts).await;
    for ((alias, config, _), answer) in split.remote.iter().zip(answers) {
        let mut entry = json!({"connected": false, "skip_unavailable": config.skip_unavailable});
        match answer {
            Ok(Ok((identity, before_8_13, reply))) => match reply.get("ok") {
                // The remote refused the request: not known to be connected, and why.
                None => entry["error"] = reply.get("error").cloned().unwrap_or_else(|| json!("unexpected reply")),
                Some(ok) => {
                    entry["connected"] = json!(true);
                    match ok.get("error") {
                        // A named index the remote lacks: connected, the reason and nothing else.
                        Some(error) if !index_less => entry["error"] = error.clone(),
                        _ if before_8_13 => {
                            if !index_less {
                                let matching = ok["indices"].as_array().is_some_and(|i| !i.is_empty());
                                entry["matching_indices"] = json!(matching);
                            }
                        }
                        _ => {
                            if !index_less {
                                entry["matching_indices"] = json!(ok["matching_indices"].as_bool() == Some(true));
                            }
                            entry["version"] = version_json(&identity.version);
                        }
                    }
                }
            },
            Ok(Err(_)) => {}
            Err(_) if timeout.is_some() => {
                entry["error"] = json!("Request timed out before receiving a response from the remote cluster");
            }
            Err(_) => {}
        }
        out.insert(alias.clone(), entry);
    }
    Ok(Reply::ok(Value::Object(out)))
}

fn version_json(number: &str) -> Value {
    json!({
        "number": number,
        "build_flavor": "default",
        "minimum_wire_compatibility_version": "7.17.0",
        "minimum_index_compatibility_version": "7.0.0",
    })
}
