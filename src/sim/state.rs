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
    /// Behave like the managed 6.7 clusters of one cloud vendor: the index setting
    /// `index.replication.type` exists, new indices get `physical`, and an index that has it
    /// cannot lead a follower.
    pub physical_replication: bool,
    /// The node's roles (`node.roles`), as `_nodes` lists them.
    pub roles: Vec<String>,
    /// Nodes besides the first, each with its own ports: data nodes, not master-eligible.
    pub extra_nodes: usize,
}

/// The roles of a default node, as Elasticsearch 8 lists them.
pub const DEFAULT_ROLES: &[&str] = &["data", "data_content", "data_hot", "ingest", "master", "remote_cluster_client"];

impl SimConfig {
    pub fn new(cluster_name: &str) -> SimConfig {
        SimConfig {
            cluster_name: cluster_name.to_owned(),
            version: Version::new(8, 15, 0),
            license: LicenseKind::Trial,
            node_settings: BTreeMap::new(),
            security: None,
            physical_replication: false,
            roles: DEFAULT_ROLES.iter().map(|r| (*r).to_owned()).collect(),
            extra_nodes: 0,
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

/// One simulated node: the master, or one of [`SimConfig::extra_nodes`].
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub http_address: SocketAddr,
    pub transport_address: SocketAddr,
    pub roles: Vec<String>,
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
    /// The live documents, whatever shard they live in (see [`Index::shard_of`]).
    pub docs: BTreeMap<String, Doc>,
    /// One entry per primary shard: each has its own sequence numbers and history.
    pub shards: Vec<Shard>,
    /// Set while the index follows a leader index of a remote cluster.
    pub follower: Option<super::follower::FollowerState>,
    /// The root mapping in 7.0+'s typeless shape (`{"properties": {...}}`, `{}` when none);
    /// 6.x answers print it under [`Index::mapping_type`].
    pub mappings: serde_json::Map<String, serde_json::Value>,
    /// The mapping type a 6.x index was created with (`_doc` unless told otherwise).
    pub mapping_type: String,
    /// Aliases pointing at this index, each with its properties (`is_write_index`...).
    pub aliases: BTreeMap<String, serde_json::Value>,
    /// Primaries left unassigned after failed allocation attempts (the doctor's D14 fault),
    /// until `POST _cluster/reroute?retry_failed=true` assigns them again.
    pub failed_primaries: std::collections::BTreeSet<usize>,
}

impl Index {
    /// A new, empty index with as many shards as `index.number_of_shards` asks for.
    pub fn new(uuid: String, settings: BTreeMap<String, String>) -> Index {
        let count = settings.get("index.number_of_shards").and_then(|r| r.parse::<usize>().ok()).unwrap_or(1).max(1);
        Index {
            uuid,
            state: IndexState::Open,
            settings,
            docs: BTreeMap::new(),
            shards: (0..count).map(|_| Shard::default()).collect(),
            follower: None,
            mappings: serde_json::Map::new(),
            mapping_type: "_doc".to_owned(),
            aliases: BTreeMap::new(),
            failed_primaries: Default::default(),
        }
    }

    pub fn replicas(&self) -> u32 {
        self.settings.get("index.number_of_replicas").and_then(|r| r.parse().ok()).unwrap_or(1)
    }
    pub fn shards(&self) -> u32 {
        self.shards.len() as u32
    }

    /// The shard a document id is routed to: a stable hash of the id, modulo the shard count
    /// (Elasticsearch uses murmur3; any stable hash gives the same observable behaviour).
    pub fn shard_of(&self, id: &str) -> usize {
        let hash = id.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        hash as usize % self.shards.len().max(1)
    }

    /// How long a retention lease lives without renewal (`index.soft_deletes.retention_lease.period`).
    pub fn lease_period_millis(&self) -> i64 {
        self.settings
            .get("index.soft_deletes.retention_lease.period")
            .and_then(|p| super::settings::parse_time(p))
            .map(|d| d.as_millis() as i64)
            .unwrap_or(12 * 3600 * 1000)
    }

    /// Writes (or overwrites) a document on its shard: a new operation with the next sequence
    /// number of that shard. Returns the shard, the sequence number and the new version.
    pub fn write(&mut self, id: &str, source: Value) -> (usize, i64, u64) {
        let shard = self.shard_of(id);
        let seq_no = self.shards[shard].take_seq_no();
        let version = self
            .docs
            .get(id)
            .map(|d| d.version + 1)
            .or_else(|| self.shards[shard].tombstones.get(id).map(|t| t.version + 1))
            .unwrap_or(1);
        self.shards[shard].tombstones.remove(id);
        super::api::mappings::grow(self, &source);
        self.docs.insert(id.to_owned(), Doc { source, version, seq_no });
        (shard, seq_no, version)
    }

    /// Deletes a document, keeping the delete in the shard's history (soft deletes) so
    /// followers replay it. `None` when there was no such document.
    pub fn delete(&mut self, id: &str) -> Option<(usize, i64, u64)> {
        let doc = self.docs.remove(id)?;
        let shard = self.shard_of(id);
        let seq_no = self.shards[shard].take_seq_no();
        let version = doc.version + 1;
        self.shards[shard].tombstones.insert(id.to_owned(), Tombstone { seq_no, version });
        Some((shard, seq_no, version))
    }
}

impl Index {
    /// A delete of a document that does not exist: still an operation in the history.
    pub fn delete_missing(&mut self, id: &str) -> (i64, u64) {
        let shard = self.shard_of(id);
        let version = self.shards[shard].tombstones.get(id).map_or(1, |t| t.version + 1);
        let seq_no = self.shards[shard].take_seq_no();
        self.shards[shard].tombstones.insert(id.to_owned(), Tombstone { seq_no, version });
        (seq_no, version)
    }
}

/// One primary shard's bookkeeping.
#[derive(Debug, Clone, Default)]
pub struct Shard {
    /// The next sequence number of this shard.
    pub next_seq_no: i64,
    /// Deleted documents kept in the history, so a follower can replay the delete.
    pub tombstones: BTreeMap<String, Tombstone>,
    /// Operations below this are gone from the history (merged away after their retention
    /// lease expired); a follower asking for them gets a fatal error.
    pub min_retained_seq_no: i64,
    /// Retention leases by id (leader side: one per following shard).
    pub leases: BTreeMap<String, RetentionLease>,
    /// Bumped on every lease change, as `retention_leases.version`.
    pub leases_version: u64,
}

impl Shard {
    fn take_seq_no(&mut self) -> i64 {
        self.next_seq_no += 1;
        self.next_seq_no - 1
    }

    /// The highest sequence number used on this shard (-1 when none).
    pub fn max_seq_no(&self) -> i64 {
        self.next_seq_no - 1
    }
}

#[derive(Debug, Clone)]
pub struct Tombstone {
    pub seq_no: i64,
    pub version: u64,
}

/// A shard history retention lease, as `_stats?level=shards` shows it.
#[derive(Debug, Clone)]
pub struct RetentionLease {
    pub retaining_seq_no: i64,
    pub timestamp: i64,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub source: Value,
    pub version: u64,
    pub seq_no: i64,
}

/// The roles a node of `version` lists: the data tiers came in 7.10 and
/// `remote_cluster_client` in 7.8, so older versions do not list them.
pub fn roles_for(version: Version, configured: &[String]) -> Vec<String> {
    configured
        .iter()
        .filter(|role| match role.as_str() {
            "remote_cluster_client" => version >= Version::new(7, 8, 0),
            tier if tier.starts_with("data_") => version >= Version::new(7, 10, 0),
            _ => true,
        })
        .cloned()
        .collect()
}

/// Everything a simulated cluster remembers.
#[derive(Debug)]
pub struct ClusterState {
    pub config: SimConfig,
    pub cluster_uuid: String,
    /// The elected master, which answers every request.
    pub node: Node,
    /// The other nodes of a multi-node cluster ([`SimConfig::extra_nodes`]).
    pub other_nodes: Vec<Node>,
    pub license_type: LicenseKind,
    pub license_uid: String,
    pub trial_used: bool,
    /// When a paid or trial licence ends; `None` is always 30 days ahead.
    pub license_expiry_millis: Option<i64>,
    pub persistent: Settings,
    pub transient: Settings,
    pub indices: BTreeMap<String, Index>,
    /// Live connection state of each remote cluster, keyed by alias.
    pub remotes: BTreeMap<String, RemoteConnection>,
    /// Auto-follow patterns by name, as stored (the body given, plus whether it is active).
    pub auto_follow: BTreeMap<String, AutoFollowPattern>,
    pub auto_follow_stats: AutoFollowStats,
    /// Bumped when indices are created or deleted, as the cluster metadata version.
    pub metadata_version: u64,
    /// The cluster state's `version` and `state_uuid`: new with every change to it (see
    /// [`super::HeldState`]).
    pub state_version: u64,
    pub state_uuid: String,
    /// Tasks started with `wait_for_completion=false`, by their number (`node:number`).
    pub tasks: BTreeMap<u64, super::api::tasks::SimTask>,
    pub next_task_id: u64,
    /// ILM policies by name, as stored (`{"policy": ...}` bodies).
    pub ilm_policies: BTreeMap<String, Value>,
    /// Composable index templates by name, as stored.
    pub index_templates: BTreeMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct AutoFollowPattern {
    pub active: bool,
    pub body: Value,
    /// UUIDs of the leader indices this pattern has dealt with: those that existed when it
    /// was created, and those it has followed (or failed to) since.
    pub followed: std::collections::BTreeSet<String>,
}

/// What the auto-follow coordinator has done, for `_ccr/stats`.
#[derive(Debug, Clone, Default)]
pub struct AutoFollowStats {
    pub successful_follow_indices: u64,
    pub failed_follow_indices: u64,
    pub failed_remote_cluster_state_requests: u64,
    /// By `<pattern>:<leader index>` (or the pattern name for a remote that did not
    /// answer): when, and the exception.
    pub recent_errors: BTreeMap<String, (i64, Value)>,
    /// By remote alias: when it was last checked and the metadata version it had.
    pub clusters: BTreeMap<String, (std::time::Instant, u64)>,
}

impl ClusterState {
    pub fn version(&self) -> Version {
        self.config.version
    }

    /// The effective value of a cluster setting: transient over persistent over the yml.
    pub fn setting(&self, key: &str) -> Option<&SettingValue> {
        self.transient.get(key).or_else(|| self.persistent.get(key)).or_else(|| self.config.node_settings.get(key))
    }

    /// When the licence ends (a basic licence never does).
    pub fn license_expiry(&self) -> Option<i64> {
        (self.license_type != LicenseKind::Basic)
            .then(|| self.license_expiry_millis.unwrap_or_else(|| now_millis() + 30 * 86_400_000))
    }

    /// Whether the licence is still in force (`status: active`).
    pub fn license_active(&self) -> bool {
        self.license_expiry().is_none_or(|expiry| expiry > now_millis())
    }

    /// Whether the licence allows cross-cluster replication: platinum or trial, and active.
    pub fn ccr_allowed(&self) -> bool {
        self.license_type != LicenseKind::Basic && self.license_active()
    }

    /// Every node, the elected master first.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        std::iter::once(&self.node).chain(&self.other_nodes)
    }

    /// Whether this node may connect to remote clusters; Elasticsearch's refusal otherwise.
    pub fn require_remote_cluster_client(&self) -> Result<(), super::reply::EsException> {
        // Before 7.8 every node could connect to remote clusters.
        if self.version() < Version::new(7, 8, 0) || self.node.roles.iter().any(|r| r == "remote_cluster_client") {
            return Ok(());
        }
        Err(super::reply::EsException::illegal_argument(format!(
            "node [{}] does not have the [remote_cluster_client] role",
            self.node.name
        )))
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
