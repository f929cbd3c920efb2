//! The state one simulated cluster keeps: identity, license, settings, indices and documents.
//!
//! Held behind one `std::sync::Mutex` and never across an `.await`: every simulated API reads
//! or changes it in one short critical section, like a cluster-state update.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde_json::Value;

use crate::es::Version;

use super::remote::RemoteConnection;

/// How a simulated cluster starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub cluster_name: String,
    pub version: Version,
    pub license: LicenseKind,
    /// Settings from the simulated `elasticsearch.yml`: shown by `_remote/info`, absent from
    /// `_cluster/settings`, and not removable through the API.
    pub node_settings: BTreeMap<String, SettingValue>,
    /// Users and API keys; `None` is a cluster with security disabled.
    pub security: Option<super::security::SimSecurity>,
}

impl SimConfig {
    pub fn new(cluster_name: &str) -> SimConfig {
        SimConfig {
            cluster_name: cluster_name.to_owned(),
            version: Version::new(8, 15, 0),
            license: LicenseKind::Trial,
            node_settings: BTreeMap::new(),
            security: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LicenseKind {
    Basic,
    Trial,
    Platinum,
}

impl LicenseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseKind::Basic => "basic",
            LicenseKind::Trial => "trial",
            LicenseKind::Platinum => "platinum",
        }
    }
}

/// A setting value as Elasticsearch stores it: every scalar is a string; lists stay lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Text(String),
    List(Vec<String>),
}

impl SettingValue {
    pub fn to_json(&self) -> Value {
        match self {
            SettingValue::Text(t) => Value::String(t.clone()),
            SettingValue::List(l) => Value::from(l.clone()),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            SettingValue::Text(t) => Some(t),
            SettingValue::List(_) => None,
        }
    }

    pub fn as_list(&self) -> Vec<String> {
        match self {
            SettingValue::Text(t) if t.is_empty() => Vec::new(),
            SettingValue::Text(t) => t.split(',').map(|s| s.trim().to_owned()).collect(),
            SettingValue::List(l) => l.clone(),
        }
    }
}

pub type Settings = BTreeMap<String, SettingValue>;

/// One simulated node (each simulated cluster has exactly one).
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub http_address: SocketAddr,
    pub transport_address: SocketAddr,
    pub roles: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    Open,
    Closed,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub uuid: String,
    pub state: IndexState,
    /// `index.*` settings with dotted keys, values as strings.
    pub settings: BTreeMap<String, String>,
    pub docs: BTreeMap<String, Doc>,
    /// The next sequence number; one shard per index, so one sequence.
    pub next_seq_no: i64,
    /// Set while the index follows a leader index of a remote cluster.
    pub follower: Option<super::follower::FollowerState>,
}

impl Index {
    pub fn replicas(&self) -> u32 {
        self.settings.get("index.number_of_replicas").and_then(|r| r.parse().ok()).unwrap_or(1)
    }
    pub fn shards(&self) -> u32 {
        self.settings.get("index.number_of_shards").and_then(|r| r.parse().ok()).unwrap_or(1)
    }
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub source: Value,
    pub version: u64,
    pub seq_no: i64,
}

/// Everything a simulated cluster remembers.
#[derive(Debug)]
pub struct ClusterState {
    pub config: SimConfig,
    pub cluster_uuid: String,
    pub node: Node,
    pub license_type: LicenseKind,
    pub license_uid: String,
    pub trial_used: bool,
    pub persistent: Settings,
    pub transient: Settings,
    pub indices: BTreeMap<String, Index>,
    /// Live connection state of each remote cluster, keyed by alias.
    pub remotes: BTreeMap<String, RemoteConnection>,
    /// Auto-follow patterns by name, as stored (the body given, plus whether it is active).
    pub auto_follow: BTreeMap<String, AutoFollowPattern>,
}

#[derive(Debug, Clone)]
pub struct AutoFollowPattern {
    pub active: bool,
    pub body: Value,
}

impl ClusterState {
    pub fn version(&self) -> Version {
        self.config.version
    }

    /// The effective value of a cluster setting: transient over persistent over the yml.
    pub fn setting(&self, key: &str) -> Option<&SettingValue> {
        self.transient.get(key).or_else(|| self.persistent.get(key)).or_else(|| self.config.node_settings.get(key))
    }

    pub fn index(&self, name: &str) -> Result<&Index, super::reply::EsException> {
        self.indices.get(name).ok_or_else(|| super::reply::EsException::index_not_found(name))
    }

    pub fn index_mut(&mut self, name: &str) -> Result<&mut Index, super::reply::EsException> {
        self.indices.get_mut(name).ok_or_else(|| super::reply::EsException::index_not_found(name))
    }

    /// Cluster health as a single-node cluster computes it: replicas cannot be assigned, so an
    /// index with replicas makes the cluster yellow.
    pub fn health(&self) -> &'static str {
        if self.indices.values().any(|i| i.replicas() > 0) { "yellow" } else { "green" }
    }
}

/// A random identifier in Elasticsearch's style (22 URL-safe base64 characters).
pub fn es_uuid() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut n = u128::from_be_bytes(bytes);
    (0..22)
        .map(|_| {
            let c = ALPHABET[(n & 63) as usize] as char;
            n >>= 6;
            c
        })
        .collect()
}

/// Milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
