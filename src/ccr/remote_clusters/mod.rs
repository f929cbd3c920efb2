//! Remote clusters, merged from `_remote/info` (live state) and `_cluster/settings` (where
//! each one is defined). A remote in `_remote/info` but in neither settings block comes from
//! `elasticsearch.yml` and cannot be changed through the API.

pub mod address;
mod save;
pub mod spec;

pub use save::{SaveRequest, delete, http_endpoints, save, security_warnings};

use std::collections::BTreeMap;

use serde_json::Value;

use crate::es::{Capabilities, ClusterSettings, EsClient, EsError, RemoteInfo, ResolvedCluster};

/// How the local cluster reaches a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionMode {
    /// Connects to seed nodes, then discovers gateway nodes.
    Sniff { seeds: Vec<String>, node_connections: Option<u32> },
    /// Connects through one address, typically a load balancer (7.6+).
    Proxy { address: String, server_name: Option<String>, socket_connections: Option<u32> },
}

impl ConnectionMode {
    pub fn name(&self) -> &'static str {
        match self {
            ConnectionMode::Sniff { .. } => "sniff",
            ConnectionMode::Proxy { .. } => "proxy",
        }
    }

    /// The addresses to show: the seeds, or the proxy address.
    pub fn addresses(&self) -> Vec<String> {
        match self {
            ConnectionMode::Sniff { seeds, .. } => seeds.clone(),
            ConnectionMode::Proxy { address, .. } => vec![address.clone()],
        }
    }
}

/// Where a remote cluster is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefinedIn {
    Persistent,
    Transient,
    /// `elasticsearch.yml` on the nodes: read-only here.
    NodeConfig,
}

impl DefinedIn {
    pub const ALL: [DefinedIn; 3] = [DefinedIn::Persistent, DefinedIn::Transient, DefinedIn::NodeConfig];

    /// The suffix of its catalog key (`defined-in-{key}`).
    pub fn key(self) -> &'static str {
        match self {
            DefinedIn::Persistent => "persistent",
            DefinedIn::Transient => "transient",
            DefinedIn::NodeConfig => "elasticsearch-yml",
        }
    }
}

/// How the local cluster authenticates to the remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityModel {
    /// TLS certificates trusted by both clusters (port 9300).
    Certificate,
    /// A cross-cluster API key in the local keystore (8.10+, remote cluster port 9443).
    ApiKey,
}

#[derive(Debug, Clone)]
pub struct RemoteCluster {
    pub name: String,
    pub connected: bool,
    pub mode: ConnectionMode,
    /// Nodes (sniff) or sockets (proxy) connected now.
    pub connections: u32,
    pub max_connections: u32,
    pub skip_unavailable: bool,
    pub initial_connect_timeout: Option<String>,
    pub defined_in: DefinedIn,
    pub security: SecurityModel,
    /// The raw `_remote/info` entry, for the detail page.
    pub info: RemoteInfo,
    /// The remote's own keys in the persistent and transient settings (full key to value):
    /// what was configured, as opposed to the defaults `_remote/info` shows.
    pub persistent: BTreeMap<String, String>,
    pub transient: BTreeMap<String, String>,
}

impl RemoteCluster {
    /// A configured setting of this remote (`node_connections`), transient over persistent.
    pub fn configured(&self, suffix: &str) -> Option<&str> {
        let key = format!("cluster.remote.{}.{suffix}", self.name);
        self.transient.get(&key).or_else(|| self.persistent.get(&key)).map(String::as_str)
    }
}

/// The settings of one block under `prefix`, as text. They are next to each other in the sorted
/// map, so each remote finds its own without reading every setting: a list of many remotes no
/// longer costs the square of their number (every remote read every remote's keys).
fn own_settings(block: &BTreeMap<String, Value>, prefix: &str) -> BTreeMap<String, String> {
    block
        .range::<str, _>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
        .take_while(|(key, _)| key.starts_with(prefix))
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

impl RemoteCluster {
    pub fn from_info(name: &str, info: RemoteInfo, settings: &ClusterSettings) -> RemoteCluster {
        let prefix = format!("cluster.remote.{name}.");
        let persistent = own_settings(&settings.persistent, &prefix);
        let transient = own_settings(&settings.transient, &prefix);
        let defined_in = if !transient.is_empty() {
            DefinedIn::Transient
        } else if !persistent.is_empty() {
            DefinedIn::Persistent
        } else {
            DefinedIn::NodeConfig
        };
        let mode = match info.mode.as_deref() {
            Some("proxy") => ConnectionMode::Proxy {
                address: info.proxy_address.clone().unwrap_or_default(),
                server_name: info.server_name.clone().filter(|s| !s.is_empty()),
                socket_connections: info.max_proxy_socket_connections,
            },
            _ => {
                ConnectionMode::Sniff { seeds: info.seeds.clone(), node_connections: info.max_connections_per_cluster }
            }
        };
        let (connections, max_connections) = match mode {
            ConnectionMode::Sniff { .. } => {
                (info.num_nodes_connected.unwrap_or(0), info.max_connections_per_cluster.unwrap_or(0))
            }
            ConnectionMode::Proxy { .. } => {
                (info.num_proxy_sockets_connected.unwrap_or(0), info.max_proxy_socket_connections.unwrap_or(0))
            }
        };
        RemoteCluster {
            persistent,
            transient,
            name: name.to_owned(),
            connected: info.connected,
            mode,
            connections,
            max_connections,
            skip_unavailable: info.skip_unavailable,
            initial_connect_timeout: info.initial_connect_timeout.clone(),
            defined_in,
            security: if info.cluster_credentials.is_some() {
                SecurityModel::ApiKey
            } else {
                SecurityModel::Certificate
            },
            info,
        }
    }

    /// Only remotes defined through the cluster settings API can be edited or deleted there.
    pub fn editable(&self) -> bool {
        self.defined_in != DefinedIn::NodeConfig
    }
}

/// Every remote cluster of the local cluster, by name.
pub async fn list(client: &EsClient) -> Result<Vec<RemoteCluster>, EsError> {
    let (info, settings) = tokio::join!(client.remote_info(), client.cluster_settings());
    let (info, settings) = (info?, settings?);
    Ok(info.into_iter().map(|(name, info)| RemoteCluster::from_info(&name, info, &settings)).collect())
}

/// Whether a remote answers right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStatus {
    Connected,
    /// Not connected, with Elasticsearch's explanation when it gave one.
    NotConnected(Option<String>),
}

/// Live status of several remotes, and how it was learned.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub by_name: BTreeMap<String, LiveStatus>,
    /// True when `_resolve/cluster` forced a connection attempt; false when the status comes
    /// from `_remote/info`, which does not probe and may lag behind reality.
    pub probed: bool,
}

/// The live status of `remotes`. `_remote/info` only reports the connections it happens to
/// hold (it can say "not connected" after the remote came back, or "connected" after the
/// seeds broke), so from 8.13 `_resolve/cluster/<alias>:*` is asked instead: it forces a
/// connection attempt. Without that API, or without the privilege for it, `_remote/info`.
pub async fn live_status(client: &EsClient, caps: Capabilities, remotes: &[RemoteCluster]) -> StatusReport {
    if remotes.is_empty() || !caps.resolve_cluster() {
        return status_from(None, remotes);
    }
    let expression = remotes.iter().map(|r| format!("{}:*", r.name)).collect::<Vec<_>>().join(",");
    status_from(Some(probe(client, caps, &expression).await), remotes)
}

/// What [`probe_all`] asks, for a page to ask it together with `_remote/info`.
pub type Probe = Option<Result<BTreeMap<String, ResolvedCluster>, EsError>>;

/// The probe of every remote at once (`_resolve/cluster/*:*`), which needs no list of names:
/// a page asks it together with `_remote/info` rather than after it. `None` before 8.13.
pub async fn probe_all(client: &EsClient, caps: Capabilities) -> Probe {
    if !caps.resolve_cluster() {
        return None;
    }
    Some(probe(client, caps, "*:*").await)
}

async fn probe(
    client: &EsClient,
    caps: Capabilities,
    expression: &str,
) -> Result<BTreeMap<String, ResolvedCluster>, EsError> {
    let timeout = caps.resolve_cluster_timeout().then_some("5s");
    client.resolve_cluster(expression, timeout).await
}

/// The live status of `remotes` from a probe's answer, or from `_remote/info` without one.
pub fn status_from(probe: Probe, remotes: &[RemoteCluster]) -> StatusReport {
    let fallback = || StatusReport {
        by_name: remotes
            .iter()
            .map(|r| (r.name.clone(), if r.connected { LiveStatus::Connected } else { LiveStatus::NotConnected(None) }))
            .collect(),
        probed: false,
    };
    match probe {
        // With no remote at all, `*:*` names no cluster: whatever it answered says nothing.
        _ if remotes.is_empty() => fallback(),
        None => fallback(),
        Some(Ok(answer)) => StatusReport {
            by_name: remotes
                .iter()
                .map(|r| {
                    let status = match answer.get(&r.name) {
                        Some(entry) if entry.connected => LiveStatus::Connected,
                        Some(entry) => LiveStatus::NotConnected(entry.error.clone()),
                        None => LiveStatus::NotConnected(None),
                    };
                    (r.name.clone(), status)
                })
                .collect(),
            probed: true,
        },
        Some(Err(error)) => {
            tracing::debug!(%error, "_resolve/cluster failed; falling back to _remote/info");
            fallback()
        }
    }
}

/// What depends on a remote cluster: follower indices and auto-follow patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub followers: Vec<String>,
    pub patterns: Vec<String>,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.followers.is_empty() && self.patterns.is_empty()
    }
}

/// Which follower indices and auto-follow patterns use the remote `name`.
pub async fn usage(client: &EsClient, name: &str) -> Result<Usage, EsError> {
    Ok(usage_by_remote(client).await?.remove(name).unwrap_or_default())
}

/// What uses each remote, from one read of the followers and one of the patterns.
pub async fn usage_by_remote(client: &EsClient) -> Result<BTreeMap<String, Usage>, EsError> {
    let (followers, patterns) = tokio::join!(client.follow_info("_all"), client.auto_follow_patterns());
    let mut by_remote: BTreeMap<String, Usage> = BTreeMap::new();
    for follower in followers? {
        by_remote.entry(follower.remote_cluster).or_default().followers.push(follower.follower_index);
    }
    for pattern in patterns? {
        by_remote.entry(pattern.pattern.remote_cluster).or_default().patterns.push(pattern.name);
    }
    Ok(by_remote)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn settings(persistent: Value, transient: Value) -> ClusterSettings {
        serde_json::from_value(json!({"persistent": persistent, "transient": transient})).unwrap()
    }

    fn remote(name: &str, settings: &ClusterSettings) -> RemoteCluster {
        let info = serde_json::from_value(json!({"connected": true, "mode": "sniff", "seeds": ["h:9300"]})).unwrap();
        RemoteCluster::from_info(name, info, settings)
    }

    #[test]
    fn each_remote_reads_only_its_own_settings_even_where_a_name_starts_another() {
        let settings = settings(
            json!({
                "cluster.remote.a.seeds": ["a:9300"],
                "cluster.remote.a.skip_unavailable": true,
                "cluster.remote.a-b.seeds": ["ab:9300"],
                "cluster.remote.ab.seeds": "ab:9300",
                "cluster.routing.allocation.enable": "all",
            }),
            json!({"cluster.remote.ab.node_connections": 5}),
        );
        let a = remote("a", &settings);
        assert_eq!(
            a.persistent.keys().collect::<Vec<_>>(),
            ["cluster.remote.a.seeds", "cluster.remote.a.skip_unavailable"]
        );
        assert_eq!(a.persistent["cluster.remote.a.seeds"], r#"["a:9300"]"#, "a value that is not a string as JSON");
        assert_eq!(a.persistent["cluster.remote.a.skip_unavailable"], "true");
        assert!(a.transient.is_empty());
        assert_eq!(a.defined_in, DefinedIn::Persistent);
        let ab = remote("ab", &settings);
        assert_eq!(ab.persistent["cluster.remote.ab.seeds"], "ab:9300", "a string as it is");
        assert_eq!(ab.configured("node_connections"), Some("5"));
        assert_eq!(ab.defined_in, DefinedIn::Transient, "transient wins");
        assert_eq!(remote("a-b", &settings).persistent.len(), 1);
        let yml = remote("z", &settings);
        assert!(yml.persistent.is_empty() && yml.transient.is_empty());
        assert_eq!(yml.defined_in, DefinedIn::NodeConfig);
    }
}
